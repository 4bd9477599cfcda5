/* test_workflow.c - the task status table of src/work/workflow.c: which
 * status may follow which, who is needed for the special moves, and that
 * closed tasks stay closed except through a manager's reopen. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/work/work_int.h"

static void test_keys_round_trip(void **state)
{
  (void)state;
  static const char *const keys[] = {"yeni", "atandi", "suruyor", "beklemede", "tamamlandi", "iptal"};
  assert_int_equal(WS_COUNT, 6);
  for (int i = 0; i < WS_COUNT; i++) {
    assert_string_equal(work_status_key(i), keys[i]);
    assert_int_equal(work_status_from_key(keys[i]), i);
    assert_true(work_status_label(i)[0] != 0);
  }
  assert_int_equal(work_status_from_key("done"), -1);
  assert_int_equal(work_status_from_key("Yeni"), -1);
  assert_int_equal(work_status_from_key(""), -1);
  assert_int_equal(work_status_from_key(NULL), -1);
  assert_string_equal(work_status_key(-1), "");
  assert_string_equal(work_status_key(WS_COUNT), "");
  assert_true(work_status_final(WS_TAMAMLANDI));
  assert_true(work_status_final(WS_IPTAL));
  assert_false(work_status_final(WS_SURUYOR));
  assert_false(work_status_final(WS_YENI));
}

static void test_ordinary_moves(void **state)
{
  (void)state;
  /* The everyday path of a task. */
  assert_int_equal(work_transition(WS_YENI, WS_ATANDI, true), WT_OK);
  assert_int_equal(work_transition(WS_ATANDI, WS_SURUYOR, true), WT_OK);
  assert_int_equal(work_transition(WS_SURUYOR, WS_BEKLEMEDE, true), WT_OK);
  assert_int_equal(work_transition(WS_BEKLEMEDE, WS_SURUYOR, true), WT_OK);
  assert_int_equal(work_transition(WS_SURUYOR, WS_TAMAMLANDI, true), WT_OK);
  assert_int_equal(work_transition(WS_ATANDI, WS_TAMAMLANDI, true), WT_OK);
  assert_int_equal(work_transition(WS_YENI, WS_SURUYOR, false), WT_OK);
}

static void test_invalid_moves(void **state)
{
  (void)state;
  /* A new task cannot be completed without being started or assigned. */
  assert_int_equal(work_transition(WS_YENI, WS_TAMAMLANDI, true), WT_INVALID);
  /* Nothing moves to itself. */
  for (int s = 0; s < WS_COUNT; s++)
    assert_int_equal(work_transition(s, s, true), WT_INVALID);
  /* Nothing goes back to "yeni" (a havale to a unit does that, not a move). */
  for (int s = 0; s < WS_COUNT; s++)
    assert_int_equal(work_transition(s, WS_YENI, true), WT_INVALID);
  /* Started work cannot go back to "atandi". */
  assert_int_equal(work_transition(WS_SURUYOR, WS_ATANDI, true), WT_INVALID);
  assert_int_equal(work_transition(WS_BEKLEMEDE, WS_ATANDI, true), WT_INVALID);
  /* Out-of-range values are refused, not read past the table. */
  assert_int_equal(work_transition(-1, WS_SURUYOR, true), WT_INVALID);
  assert_int_equal(work_transition(WS_YENI, WS_COUNT, true), WT_INVALID);
  assert_int_equal(work_transition(WS_COUNT, WS_YENI, true), WT_INVALID);
}

static void test_final_statuses(void **state)
{
  (void)state;
  /* Closed tasks only reopen, to "suruyor", and only through a manager. */
  for (int from = WS_TAMAMLANDI; from <= WS_IPTAL; from++) {
    for (int to = 0; to < WS_COUNT; to++) {
      enum work_move m = work_transition(from, to, true);
      if (to == WS_SURUYOR)
        assert_int_equal(m, WT_NEEDS_REOPEN);
      else
        assert_int_equal(m, WT_INVALID);
    }
  }
  assert_int_equal(work_transition(WS_TAMAMLANDI, WS_IPTAL, true), WT_INVALID);
  assert_int_equal(work_transition(WS_IPTAL, WS_TAMAMLANDI, true), WT_INVALID);
}

static void test_special_moves(void **state)
{
  (void)state;
  /* "atandi" needs somebody to be assigned. */
  assert_int_equal(work_transition(WS_YENI, WS_ATANDI, false), WT_NEEDS_ASSIGNEE);
  /* Cancelling is for the unit's managers, from every open status. */
  for (int from = WS_YENI; from <= WS_BEKLEMEDE; from++)
    assert_int_equal(work_transition(from, WS_IPTAL, true), WT_NEEDS_MANAGER);
}

static void test_table_shape(void **state)
{
  (void)state;
  /* Every open status has a way to finish; no open status is a dead end. */
  for (int from = WS_YENI; from <= WS_BEKLEMEDE; from++) {
    int exits = 0;
    for (int to = 0; to < WS_COUNT; to++)
      exits += work_transition(from, to, true) != WT_INVALID;
    assert_true(exits >= 2);
    assert_int_not_equal(work_transition(from, WS_IPTAL, true), WT_INVALID);
  }
}

static void test_priorities(void **state)
{
  (void)state;
  assert_true(work_priority_valid("dusuk"));
  assert_true(work_priority_valid("normal"));
  assert_true(work_priority_valid("yuksek"));
  assert_true(work_priority_valid("acil"));
  assert_false(work_priority_valid("düşük"));
  assert_false(work_priority_valid("ACIL"));
  assert_false(work_priority_valid(NULL));
  assert_string_equal(work_priority_label("acil"), "urgent");
  assert_string_equal(work_priority_label("x"), "");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_keys_round_trip), cmocka_unit_test(test_ordinary_moves),
      cmocka_unit_test(test_invalid_moves),   cmocka_unit_test(test_final_statuses),
      cmocka_unit_test(test_special_moves),   cmocka_unit_test(test_table_shape),
      cmocka_unit_test(test_priorities),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
