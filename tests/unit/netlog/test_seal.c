/* test_seal.c - manifests, the chain, retention and verify without a
 * TSA (src/netlog/seal.c, retention.c): a purge destroys only what is
 * past retention, oldest first, records it in a chained ledger, and
 * verify tells the purge from a loss; a damaged ledger is named. (Time
 * stamps against a real TSA: tests/api/test_netlog.py.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/netlog/netlog.h"

static char dir[64];

static int setup(void **state)
{
  (void)state;
  strcpy(dir, "/tmp/netlog-seal-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static bool exists(uint64_t seq, const char *ext)
{
  char p[NETLOG_PATH_MAX];
  struct stat sb;
  return netlog_path(dir, seq, ext, p, sizeof p) == 0 && stat(p, &sb) == 0;
}

/* Runs verify into a string (heap; caller frees). */
static int verify(char **report)
{
  char *text = NULL;
  size_t len = 0;
  FILE *fp = open_memstream(&text, &len);
  struct netlog_verify_opts o = {0};
  int problems = netlog_verify(dir, &o, fp);
  fclose(fp);
  *report = text;
  return problems;
}

static int count(const char *hay, const char *needle)
{
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++)
    n++;
  return n;
}

static void make_segments(int n)
{
  for (int i = 0; i < n; i++) {
    struct netlog_seg *s;
    assert_int_equal(netlog_seg_create(dir, 1000 * (i + 1), &s), 0);
    char line[128];
    snprintf(line, sizeof line, "dhcpd[1]: DHCPACK on 10.0.0.%d to 52:54:00:00:00:%02x via eth0", i + 1, i + 1);
    struct netlog_rec r;
    netlog_parse_line(line, strlen(line), 1000 * (i + 1), &r);
    assert_int_equal(netlog_seg_append(s, &r), 0);
    uint64_t seq = netlog_seg_seq(s);
    assert_int_equal(netlog_seg_close(s), 0);
    assert_int_equal(netlog_seal_manifest(dir, seq, 1000 * (i + 1) + 10), 0);
  }
}

static void test_chain_purge_verify(void **state)
{
  (void)state;
  make_segments(4);
  /* a manifest is written once */
  assert_int_not_equal(netlog_seal_manifest(dir, 2, 99999), 0);
  char *rep;
  /* without tokens each segment is one problem, and nothing else */
  assert_int_equal(verify(&rep), 4);
  assert_int_equal(count(rep, "no time stamp token"), 4);
  free(rep);

  /* retention 1000 s at t=3500: sealed at 1010 and 2010 go, 3010 stays */
  assert_int_equal(netlog_purge(dir, 3500, 1000, 0), 2);
  assert_false(exists(1, "seg") || exists(1, "manifest.json") || exists(2, "seg"));
  assert_true(exists(3, "seg") && exists(3, "manifest.json"));
  assert_int_equal(netlog_purge(dir, 3500, 1000, 0), 0); /* nothing more is due */
  struct netlog_purged *led;
  size_t n;
  char last[65], why[256];
  assert_int_equal(netlog_ledger_read(dir, &led, &n, last, why, sizeof why), 0);
  assert_int_equal(n, 2);
  assert_int_equal(led[0].seq, 1);
  assert_int_equal(led[1].seq, 2);
  assert_string_equal(led[1].destroyed_at, "1970-01-01T00:58:20Z");
  assert_int_not_equal(strcmp(last, "0000000000000000000000000000000000000000000000000000000000000000"), 0);
  free(led);
  assert_int_equal(verify(&rep), 2); /* only the two missing tokens */
  assert_non_null(strstr(rep, "DESTROYED 00000001..00000002: 2 segments"));
  assert_null(strstr(rep, "missing"));
  assert_null(strstr(rep, "chain broken"));
  free(rep);

  /* a forged ledger line is named, and the gap becomes a loss again */
  char lp[NETLOG_PATH_MAX + 32];
  snprintf(lp, sizeof lp, "%s/destruction.jsonl", dir);
  FILE *fp = fopen(lp, "r+");
  assert_non_null(fp);
  char text[2048];
  size_t tl = fread(text, 1, sizeof text - 1, fp);
  text[tl] = '\0';
  const char *at = strstr(text, "\"manifest_sha256\":\"");
  assert_non_null(at);
  long off = (long)(at - text) + 19; /* a hash digit of the first line */
  assert_int_equal(fseek(fp, off, SEEK_SET), 0);
  fputc(text[off] == '0' ? '1' : '0', fp);
  fclose(fp);
  assert_true(verify(&rep) >= 5);
  assert_non_null(strstr(rep, "BAD ledger: destruction ledger chain broken at line 2"));
  assert_non_null(strstr(rep, "BAD 00000001: segment and manifest missing"));
  free(rep);
  assert_int_equal(netlog_purge(dir, 999999, 1, 0), -1); /* and no purge on a damaged ledger */
  assert_true(exists(3, "seg"));
}

static void test_purge_stops_at_unsealed(void **state)
{
  (void)state;
  make_segments(2);
  struct netlog_seg *s;
  assert_int_equal(netlog_seg_create(dir, 5000, &s), 0); /* open: never destroyed */
  assert_int_equal(netlog_seg_close(s), 0);
  assert_int_equal(netlog_purge(dir, 1000000, 1, 0), 2);
  assert_true(exists(3, "seg"));
  char *rep;
  assert_int_equal(verify(&rep), 0);
  assert_non_null(strstr(rep, "OPEN 00000003"));
  free(rep);
}

/* KVKK keeps the ledger 3 years: older lines collapse into a checkpoint
 * that keeps both chains checkable, and a forged checkpoint is caught. */
static void test_ledger_pruned_behind_checkpoint(void **state)
{
  (void)state;
  make_segments(5); /* sealed at 1010, 2010, ... 5010 */
  assert_int_equal(netlog_purge(dir, 3500, 1000, 0), 2);  /* 1, 2 destroyed at 3500 */
  assert_int_equal(netlog_purge(dir, 4500, 1000, 0), 1);  /* 3 destroyed at 4500 */
  assert_int_equal(netlog_purge(dir, 9000, 100000, 5000), 0); /* lines before 4000 pruned */
  char path[NETLOG_PATH_MAX + 32], line[4096];
  snprintf(path, sizeof path, "%s/destruction.jsonl", dir);
  FILE *fp = fopen(path, "r");
  assert_non_null(fp);
  assert_non_null(fgets(line, sizeof line, fp));
  assert_non_null(strstr(line, "\"checkpoint\":true"));
  assert_non_null(strstr(line, "\"seq\":2"));
  assert_non_null(fgets(line, sizeof line, fp));
  assert_non_null(strstr(line, "\"seq\":3"));
  assert_null(fgets(line, sizeof line, fp));
  fclose(fp);
  char *rep;
  assert_int_equal(verify(&rep), 2); /* only the two missing tokens (no TSA here) */
  assert_non_null(strstr(rep, "DESTROYED 00000001..00000003: 3 segments"));
  assert_null(strstr(rep, "chain broken"));
  assert_null(strstr(rep, "BAD ledger"));
  free(rep);
  /* pruned again: the checkpoint itself gives way to a newer one */
  assert_int_equal(netlog_purge(dir, 20000, 100000, 5000), 0);
  struct netlog_purged *led;
  size_t n;
  char why[256];
  assert_int_equal(netlog_ledger_read(dir, &led, &n, NULL, why, sizeof why), 0);
  assert_int_equal(n, 1);
  assert_true(led[0].through);
  assert_int_equal(led[0].seq, 3);
  free(led);
  assert_int_equal(verify(&rep), 2);
  free(rep);
  /* a checkpoint that names another manifest breaks segment 4's link */
  fp = fopen(path, "r");
  assert_non_null(fgets(line, sizeof line, fp));
  fclose(fp);
  char *m = strstr(line, "\"manifest_sha256\":\"");
  assert_non_null(m);
  m += strlen("\"manifest_sha256\":\"");
  m[0] = m[0] == 'a' ? 'b' : 'a';
  fp = fopen(path, "w");
  fputs(line, fp);
  fclose(fp);
  assert_int_equal(verify(&rep), 3);
  assert_non_null(strstr(rep, "BAD 00000004: chain broken"));
  free(rep);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_chain_purge_verify, setup, teardown),
      cmocka_unit_test_setup_teardown(test_purge_stops_at_unsealed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_ledger_pruned_behind_checkpoint, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
