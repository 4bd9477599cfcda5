/* test_rbac.c - grants inherited down the unit tree (src/core/rbac.c),
 * over a small tree inserted directly:
 *
 *   1 MUD  /1/
 *   ├─ 2 A    /1/2/
 *   │  └─ 4 A1  /1/2/4/
 *   ├─ 3 B    /1/3/
 *   └─ 20 C   /1/20/   (its path starts with "/1/2" but not "/1/2/")
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/rbac.h"
#include "../../../src/core/schema.h"

static char dir[64];
static char path[128];
static db *d;

static int group_setup(void **state)
{
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/defter-test-rbac.XXXXXX");
  if (!mkdtemp(dir))
    return -1;
  snprintf(path, sizeof path, "%s/defter.db", dir);
  if (db_open(path, true, &d) != DB_OK || schema_migrate_all(d) != DB_OK)
    return -1;
  /* rbac_can and rbac_has use the calling thread's connection. */
  db_set_default_path(path);
  return db_exec(d, "INSERT INTO units (id, code, name, kind, parent_id, path) VALUES"
                    " (1, 'MUD', 'Müdürlük', 'mudurluk', NULL, '/1/'),"
                    " (2, 'A', 'A Şefliği', 'seflik', 1, '/1/2/'),"
                    " (3, 'B', 'B Şefliği', 'seflik', 1, '/1/3/'),"
                    " (4, 'A1', 'A1 Servisi', 'servis', 2, '/1/2/4/'),"
                    " (20, 'C', 'C Şefliği', 'seflik', 1, '/1/20/');") == DB_OK
             ? 0
             : -1;
}

static int group_teardown(void **state)
{
  (void)state;
  db_close(d);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  return system(cmd) == 0 ? 0 : -1;
}

static int64_t add_user(const char *username, int64_t unit)
{
  assert_int_equal(db_run(d,
                          "INSERT INTO users (username, display_name, unit_id, created_at, updated_at)"
                          " VALUES (?, ?, ?, 0, 0)",
                          "tti", username, username, unit),
                   DB_OK);
  return db_last_id(d);
}

static void test_roles(void **state)
{
  (void)state;
  assert_int_equal(rbac_nroles, 7);
  static const char *const keys[] = {"admin", "yonetici", "sorumlu", "teknik", "personel", "denetci", "kayit_sorumlusu"};
  for (size_t i = 0; i < ARRAY_LEN(keys); i++)
    assert_true(rbac_role_valid(keys[i]));
  assert_false(rbac_role_valid("root"));
  assert_false(rbac_role_valid("Admin"));
  assert_false(rbac_role_valid(""));
  assert_false(rbac_role_valid(NULL));
  assert_int_equal(rbac_root_unit(d), 1);
}

static void test_grant_reaches_children_not_siblings(void **state)
{
  (void)state;
  int64_t u = add_user("sef_a", 2);
  assert_int_equal(rbac_grant(d, u, "sorumlu", 2), DB_OK);
  assert_true(rbac_can(u, "user.read", 2));   /* the unit itself */
  assert_true(rbac_can(u, "user.read", 4));   /* its child */
  assert_false(rbac_can(u, "user.read", 3));  /* a sibling */
  assert_false(rbac_can(u, "user.read", 20)); /* "/1/20/" is not under "/1/2/" */
  assert_false(rbac_can(u, "user.read", 1));  /* the parent */
  assert_false(rbac_can(u, "user.read", 999)); /* no such unit */
  /* A permission the role does not hold. */
  assert_false(rbac_can(u, "user.manage", 2));
  assert_true(rbac_has(u, "user.read"));
  assert_false(rbac_has(u, "user.manage"));
  assert_false(rbac_has(u, "no.such.perm"));
}

static void test_grant_on_root_reaches_all(void **state)
{
  (void)state;
  int64_t u = add_user("mudur", 1);
  assert_int_equal(rbac_grant(d, u, "yonetici", 0), DB_OK); /* 0 = the root */
  int64_t unit = 0;
  assert_int_equal(db_int(d, &unit, "SELECT unit_id FROM grants WHERE user_id = ?", "i", u), DB_ROW);
  assert_int_equal(unit, 1);
  static const int64_t all[] = {1, 2, 3, 4, 20};
  for (size_t i = 0; i < ARRAY_LEN(all); i++)
    assert_true(rbac_can(u, "audit.read", all[i]));
  assert_false(rbac_can(u, "user.manage", 1));
}

static void test_grant_on_leaf(void **state)
{
  (void)state;
  int64_t u = add_user("teknik_a1", 4);
  assert_int_equal(rbac_grant(d, u, "teknik", 4), DB_OK);
  assert_true(rbac_can(u, "org.read", 4));
  assert_false(rbac_can(u, "org.read", 2));
  assert_false(rbac_can(u, "org.read", 1));
  /* No grant, no permission, even for a user placed in a unit. */
  int64_t none = add_user("nobody", 2);
  assert_false(rbac_can(none, "org.read", 2));
  assert_false(rbac_has(none, "org.read"));
}

static void test_inactive_user_has_nothing(void **state)
{
  (void)state;
  int64_t u = add_user("ayrilan", 2);
  assert_int_equal(rbac_grant(d, u, "admin", 0), DB_OK);
  assert_true(rbac_can(u, "user.manage", 4));
  assert_true(rbac_has(u, "user.manage"));
  assert_int_equal(db_run(d, "UPDATE users SET active = 0 WHERE id = ?", "i", u), DB_OK);
  assert_false(rbac_can(u, "user.manage", 4));
  assert_false(rbac_can(u, "user.manage", 1));
  assert_false(rbac_has(u, "user.manage"));
  assert_int_equal(db_run(d, "UPDATE users SET active = 1 WHERE id = ?", "i", u), DB_OK);
  assert_true(rbac_can(u, "user.manage", 4));
}

static void test_grant_idempotent_and_invalid(void **state)
{
  (void)state;
  int64_t u = add_user("tekrar", 3);
  assert_int_equal(rbac_grant(d, u, "personel", 3), DB_OK);
  assert_int_equal(rbac_grant(d, u, "personel", 3), DB_OK);
  int64_t n = 0;
  assert_int_equal(db_int(d, &n, "SELECT COUNT(*) FROM grants WHERE user_id = ?", "i", u), DB_ROW);
  assert_int_equal(n, 1);
  assert_int_equal(rbac_grant(d, u, "superuser", 3), DB_ERR);
  assert_int_not_equal(rbac_grant(d, u, "personel", 999), DB_OK); /* unknown unit: foreign key */
  assert_int_equal(db_int(d, &n, "SELECT COUNT(*) FROM grants WHERE user_id = ?", "i", u), DB_ROW);
  assert_int_equal(n, 1);
  /* Two roles on two units: the union applies. */
  assert_int_equal(rbac_grant(d, u, "sorumlu", 2), DB_OK);
  assert_true(rbac_can(u, "user.read", 4));
  assert_false(rbac_can(u, "user.read", 3)); /* personel does not read users */
  assert_true(rbac_can(u, "org.read", 3));
}

static void test_role_perms_are_data(void **state)
{
  (void)state;
  int64_t u = add_user("denetci", 1);
  assert_int_equal(rbac_grant(d, u, "denetci", 1), DB_OK);
  assert_true(rbac_can(u, "audit.read", 3));
  /* Revoking the permission from the role in the store takes effect at once. */
  assert_int_equal(db_run(d, "DELETE FROM role_perms WHERE role = 'denetci' AND perm = 'audit.read'", ""), DB_OK);
  assert_false(rbac_can(u, "audit.read", 3));
  assert_false(rbac_has(u, "audit.read"));
  assert_int_equal(db_run(d, "INSERT INTO role_perms (role, perm) VALUES ('denetci', 'audit.read')", ""), DB_OK);
  assert_true(rbac_can(u, "audit.read", 3));
}

static int64_t count(const char *sql)
{
  int64_t n = -1;
  assert_int_equal(db_int(d, &n, sql, ""), DB_ROW);
  return n;
}

static void test_sync_idempotent(void **state)
{
  (void)state;
  int64_t cat = count("SELECT COUNT(*) FROM perm_catalog");
  int64_t rp = count("SELECT COUNT(*) FROM role_perms");
  assert_true(cat >= 5);
  assert_true(rp >= cat);
  assert_int_equal(count("SELECT COUNT(*) FROM perm_catalog WHERE perm = 'user.manage' AND module = 'system'"), 1);
  assert_int_equal(count("SELECT COUNT(*) FROM role_perms WHERE role = 'admin' AND perm = 'user.manage'"), 1);
  assert_int_equal(rbac_sync(d), DB_OK);
  assert_int_equal(rbac_sync(d), DB_OK);
  assert_int_equal(count("SELECT COUNT(*) FROM perm_catalog"), cat);
  assert_int_equal(count("SELECT COUNT(*) FROM role_perms"), rp);
  /* An administrator's edit survives a later sync: a permission already
   * in the catalogue is not handed back to the roles. */
  assert_int_equal(db_run(d, "DELETE FROM role_perms WHERE role = 'sorumlu' AND perm = 'user.read'", ""), DB_OK);
  assert_int_equal(rbac_sync(d), DB_OK);
  assert_int_equal(count("SELECT COUNT(*) FROM role_perms WHERE role = 'sorumlu' AND perm = 'user.read'"), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM role_perms"), rp - 1);
  /* A permission new to the catalogue is added with its default roles. */
  assert_int_equal(db_run(d, "DELETE FROM perm_catalog WHERE perm = 'org.manage'", ""), DB_OK);
  assert_int_equal(db_run(d, "DELETE FROM role_perms WHERE perm = 'org.manage'", ""), DB_OK);
  assert_int_equal(rbac_sync(d), DB_OK);
  assert_int_equal(count("SELECT COUNT(*) FROM role_perms WHERE perm = 'org.manage' AND role = 'admin'"), 1);
  assert_int_equal(count("SELECT COUNT(*) FROM perm_catalog"), cat);
  assert_false(db_in_tx(d));
  /* Migrating the whole schema again changes nothing either. */
  assert_int_equal(schema_migrate_all(d), DB_OK);
  assert_int_equal(count("SELECT COUNT(*) FROM role_perms"), rp - 1);
  /* Put the edit back for the other tests. */
  assert_int_equal(db_run(d, "INSERT INTO role_perms (role, perm) VALUES ('sorumlu', 'user.read')", ""), DB_OK);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roles),
      cmocka_unit_test(test_grant_reaches_children_not_siblings),
      cmocka_unit_test(test_grant_on_root_reaches_all),
      cmocka_unit_test(test_grant_on_leaf),
      cmocka_unit_test(test_inactive_user_has_nothing),
      cmocka_unit_test(test_grant_idempotent_and_invalid),
      cmocka_unit_test(test_role_perms_are_data),
      cmocka_unit_test(test_sync_idempotent),
  };
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
