/* test_demo.c - work_demo_seed on a real store with the eyupsultan preset:
 * nothing without the demo accounts; with them (made as `defter init
 * --demo` makes them) tasks in every status, overdue ones, duties of the
 * preset, comments, a havale and two templates, each change audited in a
 * demo user's name with an intact chain; a second call adds nothing. The
 * whole of `defter init --demo` is covered by tests/api/test_work_demo.py. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/audit.h"
#include "../../../src/core/auth.h"
#include "../../../src/core/rbac.h"
#include "../../../src/core/schema.h"
#include "../../../src/org/org.h"
#include "../fixture.h"
#include "../../../src/work/work.h"


static int setup(void **state)
{
  (void)state;
  return fixture_open("eyupsultan");
}

static int teardown(void **state)
{
  (void)state;
  return fixture_close();
}

static int64_t count(const char *sql)
{
  return fixture_count(sql);
}

/* The demo accounts as src/cli/init.c makes them: unit 0 = root, 1 and 2
 * = the first and second child unit. */
static void add_demo_users(void)
{
  static const struct {
    const char *username, *name, *role;
    int unit;
  } demo[] = {
      {"mudur", "Ayşe Yılmaz", "yonetici", 0}, {"sef", "Mehmet Demir", "sorumlu", 1},
      {"teknik", "Zeynep Kaya", "teknik", 1},  {"personel", "Ali Çelik", "personel", 2},
      {"denetci", "Fatma Şahin", "denetci", 0},
  };
  struct actor who = audit_system("cli:init");
  int64_t root = rbac_root_unit(fixture_db);
  for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++) {
    int64_t unit = root, id = 0;
    if (demo[i].unit > 0 &&
        db_int(fixture_db, &unit, "SELECT id FROM units WHERE parent_id = ? ORDER BY sort, id LIMIT 1 OFFSET ?", "ii", root,
               (int64_t)(demo[i].unit - 1)) != DB_ROW)
      fail_msg("no child unit %d", demo[i].unit);
    assert_int_equal(db_begin(fixture_db), 0);
    assert_int_equal(auth_user_create(fixture_db, &who, demo[i].username, demo[i].name, "Demo-Parola-2026-x9", unit, &id), 0);
    assert_int_equal(rbac_grant(fixture_db, id, demo[i].role, unit), 0);
    assert_int_equal(db_commit(fixture_db), 0);
  }
}

static void test_seed(void **state)
{
  (void)state;
  struct actor who = audit_system("cli:init");
  /* without the demo accounts there is nobody to give work to */
  assert_int_equal(work_demo_seed(fixture_db, &who), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM work_tasks"), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM work_templates"), 0);

  add_demo_users();
  int64_t audit_before = count("SELECT COUNT(*) FROM audit_log");
  assert_int_equal(work_demo_seed(fixture_db, &who), 0);
  int64_t tasks = count("SELECT COUNT(*) FROM work_tasks");
  assert_true(tasks >= 10 && tasks <= 25);
  static const char *const statuses[] = {"yeni", "atandi", "suruyor", "beklemede", "tamamlandi", "iptal"};
  for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
    int64_t n = -1;
    assert_int_equal(db_int(fixture_db, &n, "SELECT COUNT(*) FROM work_tasks WHERE status = ?", "t", statuses[i]), DB_ROW);
    if (n < 1)
      fail_msg("no demo task is %s", statuses[i]);
  }
  assert_true(count("SELECT COUNT(*) FROM work_tasks WHERE status NOT IN ('tamamlandi', 'iptal')"
                    " AND deadline < date('now', '+3 hours')") >= 2);
  assert_true(count("SELECT COUNT(*) FROM work_tasks WHERE status = 'tamamlandi' AND closed_at IS NOT NULL") >= 2);
  /* duties of the loaded preset, never repealed ones */
  assert_true(count("SELECT COUNT(*) FROM work_tasks WHERE duty_id IS NOT NULL") * 2 >= tasks);
  assert_int_equal(count("SELECT COUNT(*) FROM work_tasks t JOIN org_duties dt ON dt.id = t.duty_id"
                         " WHERE dt.repealed = 1"),
                   0);
  /* the demo accounts give and get the work */
  assert_int_equal(count("SELECT COUNT(DISTINCT u.username) FROM work_tasks t JOIN users u ON u.id = t.assignee_id"
                         " WHERE u.username IN ('sef', 'teknik', 'personel')"),
                   3);
  assert_int_equal(count("SELECT COUNT(*) FROM work_tasks t JOIN users u ON u.id = t.created_by"
                         " WHERE u.username NOT IN ('mudur', 'sef')"),
                   0);
  assert_true(count("SELECT COUNT(*) FROM work_comments") >= 3);
  assert_true(count("SELECT COUNT(*) FROM work_events WHERE kind = 'assign' AND note IS NOT NULL"
                    " AND from_unit <> to_unit") >= 1);
  assert_int_equal(count("SELECT COUNT(*) FROM work_templates WHERE active = 1 AND assignee_id IS NOT NULL"), 2);
  assert_int_equal(count("SELECT COUNT(*) FROM work_templates WHERE rule LIKE 'monthly:%'"), 1);
  /* one audit row per history event, in the same user's name */
  int64_t events = count("SELECT COUNT(*) FROM work_events");
  assert_int_equal(count("SELECT COUNT(*) FROM audit_log") - audit_before, events + 2);
  assert_int_equal(count("SELECT COUNT(*) FROM work_events e WHERE NOT EXISTS (SELECT 1 FROM audit_log a"
                         " WHERE a.entity = 'task' AND a.entity_id = CAST(e.task_id AS TEXT) AND a.action = e.kind"
                         " AND a.actor = e.actor)"),
                   0);
  assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE entity IN ('task', 'task_template')"
                         " AND actor NOT IN ('mudur', 'sef', 'teknik', 'personel')"),
                   0);
  int64_t bad = 0, n = 0;
  char why[128];
  assert_int_equal(audit_verify(fixture_db, &bad, &n, why, sizeof why), 0);
  /* a second run changes nothing */
  int64_t audit_after = count("SELECT COUNT(*) FROM audit_log");
  assert_int_equal(work_demo_seed(fixture_db, &who), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM work_tasks"), tasks);
  assert_int_equal(count("SELECT COUNT(*) FROM work_templates"), 2);
  assert_int_equal(count("SELECT COUNT(*) FROM audit_log"), audit_after);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_seed, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
