/* test_sources.c - the handover line-source registry (what the assets
 * module will use to add custody lines) and the leave check org asks
 * before a person's employment ends. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include "../../../src/handover/handover.h"
#include "../../../src/handover/handover_int.h"

static int list_none(db *d, int64_t person, json_t **out)
{
  (void)d;
  (void)person;
  *out = json_array();
  return 0;
}

static int close_ok(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                    const char *note)
{
  (void)d, (void)who, (void)ref, (void)action, (void)successor, (void)note;
  return HANDOVER_CLOSED;
}

static const char *const custody_actions[] = {"returned", "transferred", NULL};

static void registry(void **state)
{
  (void)state;
  handover_sources_init();
  size_t builtin = handover_nsources();
  assert_int_equal(builtin, 5);
  assert_non_null(handover_source("grant"));
  assert_non_null(handover_source("ticket"));
  assert_null(handover_source("custody"));

  static const struct handover_line_source bad_name = {"Custody!", "x", custody_actions, list_none, close_ok};
  static const struct handover_line_source no_close = {"custody", "x", custody_actions, list_none, NULL};
  assert_int_equal(handover_register_source(&bad_name), -1);
  assert_int_equal(handover_register_source(&no_close), -1);
  assert_int_equal(handover_register_source(NULL), -1);

  static const struct handover_line_source custody = {"custody", "Custody item", custody_actions, list_none,
                                                      close_ok};
  assert_int_equal(handover_register_source(&custody), 0);
  assert_int_equal(handover_register_source(&custody), 0); /* again: no-op */
  assert_int_equal(handover_nsources(), builtin + 1);
  assert_ptr_equal(handover_source("custody"), &custody);
  handover_sources_init(); /* a second init keeps what is registered */
  assert_int_equal(handover_nsources(), builtin + 1);

  /* the table is bounded */
  static char names[16][8];
  static struct handover_line_source more[16];
  int refused = 0;
  for (int i = 0; i < 16; i++) {
    snprintf(names[i], sizeof names[i], "src_%c", 'a' + i);
    more[i] = (struct handover_line_source){names[i], "x", custody_actions, list_none, close_ok};
    if (handover_register_source(&more[i]))
      refused++;
  }
  assert_int_equal(handover_nsources(), 16);
  assert_int_equal(refused, (int)(builtin + 1));
}

static void leave_check(void **state)
{
  (void)state;
  db *d = fixture_db;
  int64_t unit = fixture_count("SELECT MIN(id) FROM units");
  assert_int_equal(db_run(d,
                          "INSERT INTO org_people (name, name_fold, name_ascii, tckn, unit_id, employment, created_at,"
                          " updated_at) VALUES ('Deneme', 'deneme', 'deneme', '10000000146', ?, 'memur', 1, 1)",
                          "i", unit),
                   0);
  int64_t person = db_last_id(d);
  assert_null(handover_leave_check(d, person)); /* no case */
  assert_int_equal(db_run(d,
                          "INSERT INTO handover_cases (person_id, unit_id, kind, effective_date, state, opened_by_name,"
                          " opened_at) VALUES (?, ?, 'ayrilis', '2026-01-31', 'acik', 'test', 1)",
                          "ii", person, unit),
                   0);
  int64_t c = db_last_id(d);
  assert_null(handover_leave_check(d, person)); /* a case without open lines */
  assert_int_equal(db_run(d,
                          "INSERT INTO handover_lines (case_id, source, ref, title, state, created_at)"
                          " VALUES (?, 'grant', '1', 'AD', 'open', 1)",
                          "i", c),
                   0);
  assert_non_null(handover_leave_check(d, person));
  assert_int_equal(db_run(d, "UPDATE handover_lines SET state = 'closed', action = 'revoked' WHERE case_id = ?", "i", c),
                   0);
  assert_null(handover_leave_check(d, person));
  /* a second open case for the person is refused by the store */
  assert_int_equal(db_run(d,
                          "INSERT INTO handover_cases (person_id, unit_id, kind, effective_date, state, opened_by_name,"
                          " opened_at) VALUES (?, ?, 'nakil', '2026-01-31', 'acik', 'test', 1)",
                          "ii", person, unit),
                   DB_CONSTRAINT);
}

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

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(registry),
      cmocka_unit_test(leave_check),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
