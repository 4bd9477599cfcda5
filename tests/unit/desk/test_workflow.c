/* test_workflow.c - the service desk's vocabulary (src/desk/workflow.c):
 * the status table, the urgency x impact matrix, ticket numbers and
 * finding a number in a mail subject. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/desk/desk_int.h"

static void status_keys_round_trip(void **state)
{
  (void)state;
  for (int i = 0; i < DS_COUNT; i++)
    assert_int_equal(desk_status_from_key(desk_status_key(i)), i);
  assert_int_equal(desk_status_from_key("uçuyor"), -1);
  assert_int_equal(desk_status_from_key(NULL), -1);
  assert_true(desk_status_open(DS_BEKLEMEDE));
  assert_false(desk_status_open(DS_COZULDU));
  assert_false(desk_status_open(DS_KAPANDI));
}

static void transitions(void **state)
{
  (void)state;
  assert_int_equal(desk_move_check(DS_YENI, DS_ISLEMDE, false, false), DM_OK);
  assert_int_equal(desk_move_check(DS_YENI, DS_ATANDI, false, false), DM_NEEDS_ASSIGNEE);
  assert_int_equal(desk_move_check(DS_YENI, DS_ATANDI, true, false), DM_OK);
  assert_int_equal(desk_move_check(DS_ISLEMDE, DS_COZULDU, true, false), DM_NEEDS_RESOLUTION);
  assert_int_equal(desk_move_check(DS_ISLEMDE, DS_COZULDU, true, true), DM_OK);
  assert_int_equal(desk_move_check(DS_ISLEMDE, DS_KAPANDI, true, true), DM_NEEDS_MANAGER);
  assert_int_equal(desk_move_check(DS_COZULDU, DS_KAPANDI, true, false), DM_OK);
  assert_int_equal(desk_move_check(DS_COZULDU, DS_ISLEMDE, true, false), DM_OK);
  /* closed is final; nothing goes back to new */
  for (int to = 0; to < DS_COUNT; to++) {
    assert_int_equal(desk_move_check(DS_KAPANDI, to, true, true), DM_INVALID);
    for (int from = 0; from < DS_COUNT; from++)
      if (to == DS_YENI)
        assert_int_equal(desk_move_check(from, to, true, true), DM_INVALID);
  }
  assert_int_equal(desk_move_check(-1, DS_YENI, true, true), DM_INVALID);
  assert_int_equal(desk_move_check(DS_YENI, DS_COUNT, true, true), DM_INVALID);
}

static void priority_matrix(void **state)
{
  (void)state;
  assert_int_equal(desk_priority(3, 3), 1);
  assert_int_equal(desk_priority(1, 1), 4);
  assert_int_equal(desk_priority(2, 2), 3);
  assert_int_equal(desk_priority(3, 2), desk_priority(2, 3)); /* symmetric */
  /* more urgency or more impact never lowers the priority */
  for (int u = 1; u <= 3; u++)
    for (int i = 1; i <= 3; i++) {
      if (u < 3)
        assert_true(desk_priority(u + 1, i) <= desk_priority(u, i));
      if (i < 3)
        assert_true(desk_priority(u, i + 1) <= desk_priority(u, i));
    }
  assert_int_equal(desk_priority(0, 9), 3); /* out of range: medium */
  assert_int_equal(desk_priority_from_key(desk_priority_key(2)), 2);
  assert_int_equal(desk_level_from_key("yuksek"), 3);
  assert_int_equal(desk_level_from_key("YUKSEK"), 0);
}

static void numbers(void **state)
{
  (void)state;
  char n[24];
  desk_number(42, n);
  assert_string_equal(n, "BT-000042");
  desk_number(12345678, n);
  assert_string_equal(n, "BT-12345678");
  assert_int_equal(desk_number_parse("BT-000042"), 42);
  assert_int_equal(desk_number_parse("bt-7"), 7);
  assert_int_equal(desk_number_parse("42"), 42);
  assert_int_equal(desk_number_parse("BT-"), 0);
  assert_int_equal(desk_number_parse("BT-0"), 0);
  assert_int_equal(desk_number_parse("BT-12a"), 0);
  assert_int_equal(desk_number_parse("-5"), 0);
  assert_int_equal(desk_number_parse("9999999999999"), 0); /* over 12 digits */
  assert_int_equal(desk_number_parse(NULL), 0);
}

static void number_in_subject(void **state)
{
  (void)state;
  assert_int_equal(desk_number_in_subject("Re: [BT-000042] Yazıcı arızası"), 42);
  assert_int_equal(desk_number_in_subject("YNT: Ynt: [bt-000007]"), 7);
  assert_int_equal(desk_number_in_subject("[Dış] [BT-000042] x"), 42);
  assert_int_equal(desk_number_in_subject("BT-000042 without brackets"), 0);
  assert_int_equal(desk_number_in_subject("[BT-]"), 0);
  assert_int_equal(desk_number_in_subject("[BT-12"), 0);
  assert_int_equal(desk_number_in_subject("[BT-1234567890123]"), 0);
  assert_int_equal(desk_number_in_subject("[BT-00x1] [BT-9]"), 9);
  assert_int_equal(desk_number_in_subject(""), 0);
  assert_int_equal(desk_number_in_subject(NULL), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(status_keys_round_trip), cmocka_unit_test(transitions), cmocka_unit_test(priority_matrix),
      cmocka_unit_test(numbers), cmocka_unit_test(number_in_subject),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
