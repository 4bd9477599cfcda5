/* test_grants.c - the grants' life against a real store with every
 * module's schema: the public hand-over functions of access.h (a person's
 * active grants, revoking with a note), the revoke task made through
 * work.h, and the access.expiry job turning an expired grant into a task
 * and the completed task into a revoked grant, all on the audit chain. */
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
#include "../../../src/access/access.h"
#include "../../../src/access/access_int.h"
#include "../../../src/work/work.h"

static char dir[64];
static db *d;

static int setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/defter-access-XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  char path[128];
  snprintf(path, sizeof path, "%s/defter.db", dir);
  if (db_open(path, true, &d) || schema_migrate_all(d))
    return -1;
  db_set_default_path(path);
  int rc = db_exec(d,
                   "INSERT INTO units (id, code, name, kind, parent_id, path) VALUES"
                   " (1, 'MUD', 'Müdürlük', 'mudurluk', NULL, '/1/'), (2, 'YBY', 'Yazılım', 'birim', 1, '/1/2/');"
                   "INSERT INTO users (id, username, display_name, unit_id, created_at, updated_at) VALUES"
                   " (4, 'teknik', 'Zeynep Kaya', 2, 0, 0);"
                   "INSERT INTO org_people (id, name, name_fold, name_ascii, tckn, unit_id, employment, created_at,"
                   " updated_at) VALUES (9, 'Burak Koç', 'burak koç', 'burak koc', '10000000146', 2, 'memur', 0, 0);"
                   "INSERT INTO access_systems (id, code, name, owner_unit_id, tech_owner_id, created_at, updated_at)"
                   " VALUES (1, 'AD', 'Active Directory', 2, 4, 0, 0);"
                   "INSERT INTO access_roles (id, system_id, code, name) VALUES (1, 1, 'kullanici', 'Kullanıcı'),"
                   " (2, 1, 'yonetici', 'Yönetici'), (3, 1, 'eski', 'Eski');"
                   "INSERT INTO access_grants (id, person_id, system_id, role_id, granted_at, expires_on, status) VALUES"
                   " (1, 9, 1, 1, 100, NULL, 'active'), (2, 9, 1, 2, 100, '2020-01-31', 'active'),"
                   " (3, 9, 1, 3, 100, NULL, 'revoked');");
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

static const char *grant_status(int64_t id, char out[16])
{
  db_stmt *st = db_q(d, "SELECT status FROM access_grants WHERE id = ?", "i", id);
  out[0] = 0;
  if (db_step(st) == DB_ROW)
    snprintf(out, 16, "%s", db_col_text(st, 0));
  db_done(st);
  return out;
}

static void active_grants_skip_revoked(void **state)
{
  (void)state;
  json_t *a = access_person_active_grants(d, 9);
  assert_non_null(a);
  assert_int_equal(json_array_size(a), 2);
  json_t *g = json_array_get(a, 1); /* newest first: grant 2, then 1 */
  assert_int_equal(json_integer_value(json_object_get(g, "id")), 1);
  assert_string_equal(json_string_value(json_object_get(json_object_get(g, "system"), "code")), "AD");
  assert_string_equal(json_string_value(json_object_get(json_object_get(g, "role"), "code")), "kullanici");
  json_decref(a);
  a = access_person_active_grants(d, 12345);
  assert_int_equal(json_array_size(a), 0);
  json_decref(a);
}

static void revoke_with_task_and_note(void **state)
{
  (void)state;
  struct actor who = audit_system("test");
  int64_t task = 0, again = 0;
  char s[16];
  assert_int_equal(access_grant_start_revoke(d, &who, 1, "review", &task), 0);
  assert_true(task > 0);
  assert_string_equal(grant_status(1, s), "revoking");
  assert_int_equal(work_task_status(d, task, s), DB_ROW);
  assert_string_equal(s, "atandi"); /* given to the technical owner */
  int64_t assignee = 0;
  assert_int_equal(db_int(d, &assignee, "SELECT assignee_id FROM work_tasks WHERE id = ? AND ref = 'access.grant:1'",
                          "i", task),
                   DB_ROW);
  assert_int_equal(assignee, 4);
  /* asking again reuses the open task */
  assert_int_equal(access_grant_start_revoke(d, &who, 1, "review", &again), 0);
  assert_int_equal(again, task);
  /* the direct revoke completes it */
  assert_int_equal(access_grant_revoke(d, &who, 1, "Hesap kapatıldı"), 0);
  assert_string_equal(grant_status(1, s), "revoked");
  assert_int_equal(work_task_status(d, task, s), DB_ROW);
  assert_string_equal(s, "tamamlandi");
  assert_int_equal(access_grant_revoke(d, &who, 1, "again"), 1);
  assert_int_equal(access_grant_revoke(d, &who, 999, "none"), 1);
  assert_false(db_in_tx(d));
}

static void expiry_job_makes_a_task_and_follows_it(void **state)
{
  (void)state;
  char s[16];
  assert_int_equal(access_job_expiry(d), 0);
  assert_string_equal(grant_status(2, s), "revoking");
  int64_t task = 0;
  assert_int_equal(db_int(d, &task, "SELECT revoke_task_id FROM access_grants WHERE id = 2", ""), DB_ROW);
  assert_true(task > 0);
  /* nothing new while the task is open */
  assert_int_equal(access_job_expiry(d), 0);
  int64_t n = 0;
  assert_int_equal(db_int(d, &n, "SELECT COUNT(*) FROM work_tasks WHERE ref = 'access.grant:2'", ""), DB_ROW);
  assert_int_equal(n, 1);
  assert_string_equal(grant_status(2, s), "revoking");
  struct actor who = audit_system("test");
  assert_int_equal(work_task_complete(d, &who, task, "done"), 0);
  assert_int_equal(access_job_expiry(d), 0);
  assert_string_equal(grant_status(2, s), "revoked");
  int64_t bad = 0, rows = 0;
  char why[128];
  assert_int_equal(audit_verify(d, &bad, &rows, why, sizeof why), 0);
  assert_true(rows >= 6);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(active_grants_skip_revoked),
      cmocka_unit_test(revoke_with_task_and_note),
      cmocka_unit_test(expiry_job_makes_a_task_and_follows_it),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
