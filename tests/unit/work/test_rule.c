/* test_rule.c - recurrence rules and calendar days of src/work/rule.c and
 * src/work/dates.c: parsing, the occurrence and period key of each kind
 * (short months, leap days, ISO weeks across the new year) and that a
 * daily scheduler generates exactly one task per period. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/work/work_int.h"

static int64_t D(const char *s)
{
  int64_t d = 0;
  assert_int_equal(work_date_parse(s, &d), 0);
  return d;
}

static const char *fmt(int64_t d)
{
  static char out[4][11];
  static int k;
  k = (k + 1) % 4;
  work_date_fmt(d, out[k]);
  return out[k];
}

static void test_dates(void **state)
{
  (void)state;
  assert_int_equal(D("1970-01-01"), 0);
  assert_int_equal(D("2026-11-22"), 20779);
  assert_string_equal(fmt(20779), "2026-11-22");
  assert_string_equal(fmt(D("2000-02-29")), "2000-02-29");
  int64_t d;
  assert_int_equal(work_date_parse("2026-02-29", &d), -1); /* not a leap year */
  assert_int_equal(work_date_parse("2100-02-29", &d), -1); /* century, not leap */
  assert_int_equal(work_date_parse("2026-13-01", &d), -1);
  assert_int_equal(work_date_parse("2026-04-31", &d), -1);
  assert_int_equal(work_date_parse("2026-4-01", &d), -1);
  assert_int_equal(work_date_parse("2026-04-01T00:00", &d), -1);
  assert_int_equal(work_date_parse("26-04-01", &d), -1);
  assert_int_equal(work_date_parse("2026/04/01", &d), -1);
  assert_int_equal(work_date_parse("", &d), -1);
  assert_int_equal(work_date_parse(NULL, &d), -1);
  assert_int_equal(work_days_in_month(2028, 2), 29);
  assert_int_equal(work_days_in_month(2026, 2), 28);
  assert_int_equal(work_days_in_month(2026, 4), 30);
  assert_int_equal(work_days_in_month(2026, 13), 0);
  /* Istanbul is UTC+3: 21:00 UTC is already the next day there. */
  assert_int_equal(work_day_of(D("2026-11-22") * 86400 + 20 * 3600 + 59 * 60), D("2026-11-22"));
  assert_int_equal(work_day_of(D("2026-11-22") * 86400 + 21 * 3600), D("2026-11-23"));
}

static void test_parse(void **state)
{
  (void)state;
  struct work_rule r;
  char out[16];
  assert_int_equal(work_rule_parse("monthly:5", &r), 0);
  assert_int_equal(r.kind, WR_MONTHLY);
  assert_int_equal(r.day, 5);
  assert_int_equal(work_rule_parse("monthly:05", &r), 0);
  work_rule_format(&r, out);
  assert_string_equal(out, "monthly:5");
  assert_int_equal(work_rule_parse("weekly:7", &r), 0);
  assert_int_equal(r.kind, WR_WEEKLY);
  work_rule_format(&r, out);
  assert_string_equal(out, "weekly:7");
  assert_int_equal(work_rule_parse("yearly:02-29", &r), 0);
  assert_int_equal(r.kind, WR_YEARLY);
  assert_int_equal(r.month, 2);
  assert_int_equal(r.day, 29);
  work_rule_format(&r, out);
  assert_string_equal(out, "yearly:02-29");
  static const char *const bad[] = {
      "monthly:0", "monthly:32", "monthly:", "monthly:1x", "monthly:-1", "monthly:100", "weekly:0", "weekly:8",
      "yearly:02-30", "yearly:13-01", "yearly:00-10", "yearly:4-1", "yearly:04-31", "yearly:0401", "daily:1",
      "Monthly:5", "monthly 5", "", "monthly:5 ",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (work_rule_parse(bad[i], &r) == 0)
      fail_msg("accepted bad rule \"%s\"", bad[i]);
  }
  assert_int_equal(work_rule_parse(NULL, &r), -1);
}

static void occ(const char *rule, const char *day, const char *want_occ, const char *want_period)
{
  struct work_rule r;
  int64_t o;
  char period[16];
  assert_int_equal(work_rule_parse(rule, &r), 0);
  work_rule_occurrence(&r, D(day), &o, period);
  assert_string_equal(fmt(o), want_occ);
  assert_string_equal(period, want_period);
}

static void test_occurrences(void **state)
{
  (void)state;
  occ("monthly:15", "2026-11-01", "2026-11-15", "2026-11");
  occ("monthly:15", "2026-11-30", "2026-11-15", "2026-11");
  /* Day 31 falls on the last day of shorter months. */
  occ("monthly:31", "2026-02-10", "2026-02-28", "2026-02");
  occ("monthly:31", "2028-02-10", "2028-02-29", "2028-02");
  occ("monthly:31", "2026-04-01", "2026-04-30", "2026-04");
  occ("monthly:31", "2026-12-31", "2026-12-31", "2026-12");
  /* ISO weeks: 2026-11-22 is a Sunday in week 47. */
  occ("weekly:1", "2026-11-22", "2026-11-16", "2026-W47");
  occ("weekly:7", "2026-11-16", "2026-11-22", "2026-W47");
  /* The first ISO week of 2026 starts on Monday 2025-12-29. */
  occ("weekly:1", "2025-12-31", "2025-12-29", "2026-W01");
  /* 2027-01-01 (a Friday) still belongs to week 53 of 2026. */
  occ("weekly:5", "2027-01-01", "2027-01-01", "2026-W53");
  occ("weekly:3", "2024-12-31", "2025-01-01", "2025-W01");
  /* 29 February in a common year is the 28th. */
  occ("yearly:02-29", "2026-07-01", "2026-02-28", "2026");
  occ("yearly:02-29", "2028-01-01", "2028-02-29", "2028");
  occ("yearly:12-31", "2026-01-01", "2026-12-31", "2026");
}

static void test_due(void **state)
{
  (void)state;
  struct work_rule r;
  int64_t o;
  char period[16];
  assert_int_equal(work_rule_parse("monthly:15", &r), 0);
  /* Before the day: not yet. On the day and later in the month: yes. */
  assert_false(work_rule_due(&r, D("2026-11-14"), D("2026-01-01"), &o, period));
  assert_true(work_rule_due(&r, D("2026-11-15"), D("2026-01-01"), &o, period));
  assert_string_equal(period, "2026-11");
  assert_string_equal(fmt(o), "2026-11-15");
  assert_true(work_rule_due(&r, D("2026-11-30"), D("2026-01-01"), &o, period));
  assert_string_equal(period, "2026-11");
  /* A template created after this month's day starts next month. */
  assert_false(work_rule_due(&r, D("2026-11-22"), D("2026-11-20"), &o, period));
  assert_true(work_rule_due(&r, D("2026-12-15"), D("2026-11-20"), &o, period));
  assert_string_equal(period, "2026-12");
  /* Created on the day itself: due at once. */
  assert_true(work_rule_due(&r, D("2026-11-15"), D("2026-11-15"), &o, period));
}

/* A daily scheduler over several years: every period gets exactly one
 * generation, on its occurrence day, and periods never repeat. */
static void simulate(const char *rule, const char *from, const char *to, int want)
{
  struct work_rule r;
  assert_int_equal(work_rule_parse(rule, &r), 0);
  static char seen[400][16];
  int n = 0;
  for (int64_t day = D(from); day <= D(to); day++) {
    int64_t o;
    char period[16];
    /* Several runs a day, as the job does. */
    for (int run = 0; run < 3; run++) {
      if (!work_rule_due(&r, day, D(from), &o, period))
        continue;
      bool dup = false;
      for (int i = 0; i < n && !dup; i++)
        dup = strcmp(seen[i], period) == 0;
      if (dup)
        continue;
      assert_true(n < 400);
      assert_int_equal(o, day); /* generated on the occurrence day itself */
      strcpy(seen[n++], period);
    }
  }
  if (n != want)
    fail_msg("%s from %s to %s: %d generations, expected %d", rule, from, to, n, want);
}

static void test_exactly_once_per_period(void **state)
{
  (void)state;
  simulate("monthly:31", "2026-01-01", "2028-12-31", 36);
  simulate("monthly:1", "2026-01-01", "2026-12-31", 12);
  simulate("weekly:1", "2025-12-29", "2027-01-03", 53); /* ISO year 2026 has 53 weeks */
  simulate("weekly:7", "2026-01-01", "2026-12-31", 52);
  simulate("yearly:02-29", "2026-01-01", "2030-12-31", 5);
  /* Started on 2026-03-10: the March 1st occurrence is skipped. */
  simulate("monthly:1", "2026-03-10", "2026-12-31", 9);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_occurrences),
      cmocka_unit_test(test_due),
      cmocka_unit_test(test_exactly_once_per_period),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
