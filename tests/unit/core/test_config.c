/* test_config.c - defter.conf loading (src/core/config.c): INI values,
 * DEFTER_<SECTION>_<KEY> environment overrides, syntax errors that name
 * the line, and a missing file read as an empty configuration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/config.h"

static char dir[64];

static int group_setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/defter-test-config.XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  /* The environment of the test runner must not leak into these tests. */
  static const char *const vars[] = {"DEFTER_SERVER_LISTEN", "DEFTER_SERVER_THREADS", "DEFTER_SESSION_IDLE_MINUTES",
                                     "DEFTER_SERVER_BODY_MAX", "DEFTER_LOG_LEVEL"};
  for (size_t i = 0; i < ARRAY_LEN(vars); i++)
    unsetenv(vars[i]);
  return 0;
}

static int group_teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
  static char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_true(fputs(text, f) >= 0);
  assert_int_equal(fclose(f), 0);
  return path;
}

static void count_entry(const char *key, const char *val, void *u)
{
  (void)key;
  (void)val;
  (*(int *)u)++;
}

static void test_load_values(void **state)
{
  (void)state;
  const char *path = write_file("a.conf", "# yorum\n"
                                          "[server]\n"
                                          "listen = 10.0.0.5:8081\n"
                                          "threads = 4\n"
                                          "\n"
                                          "[session]\n"
                                          "idle_minutes=45 ; inline comment\n"
                                          "[log]\n"
                                          "level = debug\n"
                                          "level = warn\n");
  config *c = NULL;
  char err[256] = "";
  assert_int_equal(config_load(path, &c, err, sizeof err), 0);
  assert_non_null(c);
  assert_string_equal(config_get(c, "server.listen", "def"), "10.0.0.5:8081");
  assert_int_equal(config_int(c, "server.threads", 0), 4);
  assert_string_equal(config_get(c, "log.level", NULL), "warn"); /* the later line wins */
  assert_int_equal(config_int(c, "session.idle_minutes", 0), 45);
  assert_string_equal(config_get(c, "server.missing", "def"), "def");
  assert_null(config_get(c, "nosection.key", NULL));
  assert_int_equal(config_int(c, "server.missing", 99), 99);
  /* A value that is not a number falls back to the default. */
  assert_int_equal(config_int(c, "server.listen", 7), 7);
  int n = 0;
  config_each(c, count_entry, &n);
  assert_int_equal(n, 4);
  config_free(c);
}

static void test_env_override_wins(void **state)
{
  (void)state;
  const char *path = write_file("b.conf", "[server]\nlisten = 10.0.0.5:8081\nthreads = 4\n");
  config *c = NULL;
  char err[256] = "";
  assert_int_equal(config_load(path, &c, err, sizeof err), 0);
  assert_int_equal(setenv("DEFTER_SERVER_LISTEN", "127.0.0.1:9999", 1), 0);
  assert_int_equal(setenv("DEFTER_SERVER_THREADS", "12", 1), 0);
  assert_int_equal(setenv("DEFTER_SESSION_IDLE_MINUTES", "5", 1), 0);
  assert_string_equal(config_get(c, "server.listen", NULL), "127.0.0.1:9999");
  assert_int_equal(config_int(c, "server.threads", 0), 12);
  /* Also for keys the file does not have, and with no config at all. */
  assert_int_equal(config_int(c, "session.idle_minutes", 30), 5);
  assert_int_equal(config_int(NULL, "session.idle_minutes", 30), 5);
  /* Keys with underscores map directly. */
  assert_int_equal(setenv("DEFTER_SERVER_BODY_MAX", "2048", 1), 0);
  assert_int_equal(config_int(c, "server.body_max", 1), 2048);
  unsetenv("DEFTER_SERVER_LISTEN");
  unsetenv("DEFTER_SERVER_THREADS");
  unsetenv("DEFTER_SESSION_IDLE_MINUTES");
  unsetenv("DEFTER_SERVER_BODY_MAX");
  assert_string_equal(config_get(c, "server.listen", NULL), "10.0.0.5:8081");
  assert_int_equal(config_int(c, "server.threads", 0), 4);
  assert_int_equal(config_int(c, "session.idle_minutes", 30), 30);
  config_free(c);
}

static void test_syntax_error_names_line(void **state)
{
  (void)state;
  const char *path = write_file("bad.conf", "[server]\n"
                                            "listen = 1.2.3.4:80\n"
                                            "\n"
                                            "this line has no equals sign\n"
                                            "threads = 2\n");
  config *c = (config *)0x1;
  char err[512] = "";
  assert_int_equal(config_load(path, &c, err, sizeof err), -1);
  assert_null(c);
  char want[200];
  snprintf(want, sizeof want, "%s:4:", path);
  if (!strstr(err, want))
    fail_msg("error \"%s\" does not name %s", err, want);
  /* An unterminated section header is an error too. */
  path = write_file("bad2.conf", "[server\nlisten = x\n");
  assert_int_equal(config_load(path, &c, err, sizeof err), -1);
  snprintf(want, sizeof want, "%s:1:", path);
  if (!strstr(err, want))
    fail_msg("error \"%s\" does not name %s", err, want);
}

static void test_missing_file_is_empty(void **state)
{
  (void)state;
  char path[128];
  snprintf(path, sizeof path, "%s/does-not-exist.conf", dir);
  config *c = NULL;
  char err[256] = "";
  assert_int_equal(config_load(path, &c, err, sizeof err), 0);
  assert_non_null(c);
  assert_string_equal(config_get(c, "server.listen", "127.0.0.1:8080"), "127.0.0.1:8080");
  int n = 0;
  config_each(c, count_entry, &n);
  assert_int_equal(n, 0);
  config_free(c);
  config_free(NULL);
}

static void test_default_text_parses(void **state)
{
  (void)state;
  const char *path = write_file("default.conf", config_default_text);
  config *c = NULL;
  char err[256] = "";
  assert_int_equal(config_load(path, &c, err, sizeof err), 0);
  assert_string_equal(config_get(c, "server.listen", NULL), "127.0.0.1:8080");
  assert_int_equal(config_int(c, "server.body_max", 0), 1048576);
  assert_int_equal(config_int(c, "session.idle_minutes", 0), 30);
  assert_int_equal(config_int(c, "login.max_user_failures", 0), 5);
  assert_int_equal(config_int(c, "password.min_length", 0), 10);
  assert_string_equal(config_get(c, "log.level", NULL), "info");
  config_free(c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_load_values),
      cmocka_unit_test(test_env_override_wins),
      cmocka_unit_test(test_syntax_error_names_line),
      cmocka_unit_test(test_missing_file_is_empty),
      cmocka_unit_test(test_default_text_parses),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
