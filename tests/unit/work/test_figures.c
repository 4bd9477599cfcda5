/* test_figures.c - the coverage report's figures for the `task`
 * capability (work_figures in src/work/program.c) against a real store
 * with every module's schema: counts per duty, within [from, to), with
 * completed, open and overdue told apart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/schema.h"
#include "../../../src/work/work_int.h"

static char dir[64];
static db *d;

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/defter-figures-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  char path[128];
  snprintf(path, sizeof path, "%s/defter.db", dir);
  if (db_open(path, true, &d) || schema_migrate_all(d))
    return -1;
  int rc = db_exec(d,
                   "INSERT INTO units (id, code, name, kind, parent_id, path) VALUES"
                   " (1, 'MUD', 'Müdürlük', 'mudurluk', NULL, '/1/'), (2, 'YBY', 'Yazılım', 'birim', 1, '/1/2/');"
                   "INSERT INTO org_duties (id, ref, unit_id, text, sort) VALUES"
                   " (7, 'Md.8/1-a', 2, 'Yazılım geliştirmek.', 1), (8, 'Md.8/1-b', 2, 'Raporlamak.', 2);");
  return rc ? -1 : 0;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  db_close(d);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static void add(int64_t duty, const char *status, const char *deadline, int64_t created)
{
  assert_int_equal(db_run(d,
                          "INSERT INTO work_tasks (title, unit_id, duty_id, priority, status, deadline, created_at,"
                          " updated_at) VALUES ('t', 2, ?, 'normal', ?, ?, ?, ?)",
                          "ittii", duty, status, deadline, created, created),
                   DB_OK);
}

static int64_t fig(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);
  assert_true(json_is_integer(v));
  return json_integer_value(v);
}

static void test_task_figures(void **state)
{
  (void)state;
  char past[11], future[11];
  int64_t today = work_today();
  work_date_fmt(today - 3, past);
  work_date_fmt(today + 3, future);
  const int64_t from = 1000000, to = 2000000;
  add(7, "tamamlandi", past, from);        /* completed (late, but closed: not overdue) */
  add(7, "suruyor", past, from + 10);      /* open and overdue */
  add(7, "atandi", future, from + 20);     /* open */
  add(7, "yeni", NULL, from + 30);         /* open, no deadline */
  add(7, "iptal", past, from + 40);        /* cancelled: neither open nor completed */
  add(7, "suruyor", past, to);             /* outside: the period is [from, to) */
  add(7, "suruyor", past, from - 1);       /* outside */
  add(8, "suruyor", past, from + 50);      /* another duty */
  struct figure_query q = {.capability = "task", .duty_id = 7, .duty_ref = "Md.8/1-a", .unit_id = 2,
                           .from = from, .to = to};
  json_t *o = work_figures(d, &q);
  assert_non_null(o);
  assert_int_equal(fig(o, "tasks"), 5);
  assert_int_equal(fig(o, "completed"), 1);
  assert_int_equal(fig(o, "open"), 3);
  assert_int_equal(fig(o, "overdue"), 1);
  json_decref(o);
  q.duty_id = 8;
  o = work_figures(d, &q);
  assert_int_equal(fig(o, "tasks"), 1);
  assert_int_equal(fig(o, "overdue"), 1);
  json_decref(o);
  q.duty_id = 99;
  o = work_figures(d, &q);
  assert_int_equal(fig(o, "tasks"), 0);
  assert_int_equal(fig(o, "open"), 0);
  json_decref(o);
  /* Another capability is not the work module's to answer here. */
  q.capability = "desk";
  assert_null(work_figures(d, &q));
}

static void test_data_dir(void **state)
{
  (void)state;
  char out[128];
  assert_int_equal(files_data_dir(d, out, sizeof out), 0);
  assert_string_equal(out, dir);
  assert_int_equal(files_data_dir(d, out, 4), -1); /* too small: refused, not cut */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_task_figures),
      cmocka_unit_test(test_data_dir),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
