/* test_demo.c - org_demo_seed on a real store with the eyupsultan preset:
 * 25 people spread over the root and its four units, every T.C. number
 * passing the checksum and unique, E.164 phones, unit heads in their
 * unit's first position, an audit row per person with an intact chain,
 * and a second call adding nothing. */
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
#include "../../../src/core/schema.h"
#include "../../../src/core/tr.h"
#include "../../../src/org/org.h"
#include "../fixture.h"


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

static void test_seed(void **state)
{
  (void)state;
  struct actor who = audit_system("cli:init");
  int64_t audit_before = count("SELECT COUNT(*) FROM audit_log");
  assert_int_equal(org_demo_seed(fixture_db, &who), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people"), 25);
  assert_int_equal(count("SELECT COUNT(DISTINCT tckn) FROM org_people"), 25);
  assert_int_equal(count("SELECT COUNT(DISTINCT unit_id) FROM org_people"), 5);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people p JOIN units u ON u.id = p.unit_id"
                         " WHERE u.code = 'MUD'"),
                   5);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people WHERE position_id IS NOT NULL"), 25);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people p JOIN org_positions x ON x.id = p.position_id"
                         " WHERE x.code IN ('MUDUR', 'YBY_SORUMLU', 'ASD_SORUMLU', 'SNB_SORUMLU', 'TAB_SORUMLU')"),
                   5);
  /* the müdür is the first person of the root unit */
  assert_int_equal(count("SELECT COUNT(*) FROM org_people p JOIN org_positions x ON x.id = p.position_id"
                         " WHERE x.code = 'MUDUR' AND p.name = 'Ayşe Yılmaz'"),
                   1);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people WHERE active = 0"), 1);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people WHERE name_fold = 'ışıl güneş'"
                         " AND name_ascii = 'isil gunes'"),
                   1);
  /* no demo accounts exist in this store, so nobody is linked */
  assert_int_equal(count("SELECT COUNT(*) FROM org_people WHERE user_id IS NOT NULL"), 0);
  db_stmt *st = db_q(fixture_db, "SELECT tckn, phone, email FROM org_people", "");
  int rows = 0;
  while (db_step(st) == DB_ROW) {
    rows++;
    if (tr_tckn_check(db_col_text(st, 0)) != TR_TCKN_OK)
      fail_msg("invalid T.C. number %s", db_col_text(st, 0));
    char e164[TR_PHONE_MAX + 1];
    assert_int_equal(tr_phone_e164(db_col_text(st, 1), e164), 0);
    assert_string_equal(e164, db_col_text(st, 1));
    assert_true(strncmp(e164, "+90532", 6) == 0);
    assert_int_equal(tr_email_check(db_col_text(st, 2)), 0);
  }
  db_done(st);
  assert_int_equal(rows, 25);
  assert_int_equal(count("SELECT COUNT(*) FROM audit_log") - audit_before, 25);
  assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND action = 'create'"
                         " AND actor = 'cli:init'"),
                   25);
  int64_t bad = 0, n = 0;
  char why[128];
  assert_int_equal(audit_verify(fixture_db, &bad, &n, why, sizeof why), 0);
  /* a second run changes nothing */
  assert_int_equal(org_demo_seed(fixture_db, &who), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM org_people"), 25);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_seed, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
