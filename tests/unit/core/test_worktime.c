/* test_worktime.c - src/core/worktime.c: the hours spec and exception
 * line parsers (good and every way to be bad), SLA deadlines across
 * weekends, the lunch break, arife half days, the bayrams and year ends,
 * the Turkish holiday table, and wt_between against wt_add and against a
 * minute-by-minute count. All instants are written in Istanbul time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../../src/core/worktime.h"

/* "YYYY-MM-DD HH:MM" in Istanbul (UTC+3) as UTC seconds. */
static int64_t T(const char *s)
{
  char date[11];
  int32_t day;
  memcpy(date, s, 10);
  date[10] = '\0';
  if (wt_date_parse(date, &day))
    fail_msg("bad date in test: %s", s);
  int h = (s[11] - '0') * 10 + (s[12] - '0'), m = (s[14] - '0') * 10 + (s[15] - '0');
  return (int64_t)day * 86400 + h * 3600 + m * 60 - 3 * 3600;
}

static void add_builtin(int y, int m, int d, int kind, int half_from, const char *name, void *u)
{
  (void)name;
  struct wt_day e = {.day = wt_date_to_day(y, m, d), .kind = (uint8_t)kind, .half_from = (int16_t)half_from};
  if (wt_day_set(u, &e))
    fail_msg("builtin %04d-%02d-%02d rejected", y, m, d);
}

/* The default office hours with the official holidays of [from, to]. */
static void office(struct wt_calendar *c, int from, int to)
{
  wt_calendar_init(c);
  assert_int_equal(wt_hours_parse(WT_DEFAULT_HOURS, c), 0);
  for (int y = from; y <= to; y++)
    wt_tr_builtin(y, add_builtin, c);
}

static void expect_add(const struct wt_calendar *c, const char *start, int64_t seconds, const char *want)
{
  int64_t got = wt_add(c, T(start), seconds);
  if (got != T(want)) {
    int32_t day = wt_local_day(c, got);
    int y, m, d;
    wt_day_to_date(day, &y, &m, &d);
    int64_t sod = got + 3 * 3600 - (int64_t)day * 86400;
    fail_msg("%s + %llds: want %s, got %04d-%02d-%02d %02lld:%02lld", start, (long long)seconds, want, y, m, d,
             (long long)(sod / 3600), (long long)(sod % 3600 / 60));
  }
  /* and back: exactly that much working time in between */
  assert_int_equal(wt_between(c, T(start), got), seconds);
}

static void test_dates(void **state)
{
  (void)state;
  assert_int_equal(wt_date_to_day(1970, 1, 1), 0);
  assert_int_equal(wt_date_to_day(2000, 3, 1), 11017);
  for (int32_t day = wt_date_to_day(1900, 1, 1); day < wt_date_to_day(2100, 1, 1); day += 17) {
    int y, m, d;
    wt_day_to_date(day, &y, &m, &d);
    assert_int_equal(wt_date_to_day(y, m, d), day);
  }
  int32_t day;
  assert_int_equal(wt_date_parse("2026-03-20", &day), 0);
  assert_int_equal(wt_weekday(day), 4); /* a Friday */
  assert_int_equal(wt_weekday(wt_date_to_day(1969, 12, 29)), 0);
  assert_int_equal(wt_date_parse("2024-02-29", &day), 0);
  assert_int_equal(wt_date_parse("2025-02-29", &day), -1);
  assert_int_equal(wt_date_parse("2026-13-01", &day), -1);
  assert_int_equal(wt_date_parse("2026-1-01", &day), -1);
  assert_int_equal(wt_date_parse("1899-12-31", &day), -1);
  assert_int_equal(wt_date_parse("2026-01-011", &day), -1);
  assert_int_equal(wt_date_parse(NULL, &day), -1);
}

static void test_hours_good(void **state)
{
  (void)state;
  static const struct {
    const char *spec, *canonical;
  } good[] = {
      {WT_DEFAULT_HOURS, "mon-fri 08:30-12:30,13:30-17:30"},
      {"mon-thu 08:00-17:00; fri 08:00-12:00", "mon-thu 08:00-17:00; fri 08:00-12:00"},
      {"  MON - Fri  8:30 - 12:30 , 13:30-17:30  ", "mon-fri 08:30-12:30,13:30-17:30"},
      {"Pzt-Cum 09:00-18:00", "mon-fri 09:00-18:00"},
      {"\xc3\xa7" "ar 09:00-10:00", "wed 09:00-10:00"},
      {"mon,wed,fri 09:00-12:00", "mon 09:00-12:00; wed 09:00-12:00; fri 09:00-12:00"},
      {"mon 13:00-17:00; mon 08:00-12:00", "mon 08:00-12:00,13:00-17:00"},
      {"sat-sun 00:00-24:00", "sat-sun 00:00-24:00"},
      {"mon 08:00-12:00,12:00-13:00", "mon 08:00-12:00,12:00-13:00"}, /* touching is not overlapping */
      {"mon 01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00", "mon 01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00"},
  };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    struct wt_calendar c;
    wt_calendar_init(&c);
    if (wt_hours_parse(good[i].spec, &c))
      fail_msg("rejected: \"%s\"", good[i].spec);
    char out[WT_SPEC_MAX + 1];
    assert_int_equal(wt_hours_format(&c, out, sizeof out), 0);
    assert_string_equal(out, good[i].canonical);
    /* the canonical form reads back to the same week */
    struct wt_calendar again;
    wt_calendar_init(&again);
    assert_int_equal(wt_hours_parse(out, &again), 0);
    assert_memory_equal(again.week, c.week, sizeof c.week);
    assert_memory_equal(again.nspans, c.nspans, sizeof c.nspans);
  }
  struct wt_calendar c;
  wt_calendar_init(&c);
  assert_int_equal(wt_hours_parse(WT_DEFAULT_HOURS, &c), 0);
  assert_int_equal(c.nspans[0], 2);
  assert_int_equal(c.week[0][0].from, 8 * 60 + 30);
  assert_int_equal(c.week[0][1].to, 17 * 60 + 30);
  assert_int_equal(c.nspans[5], 0);
  assert_int_equal(c.nspans[6], 0);
  char small[8];
  assert_int_equal(wt_hours_format(&c, small, sizeof small), -1);
}

static void test_hours_bad(void **state)
{
  (void)state;
  char long_spec[WT_SPEC_MAX + 40];
  memset(long_spec, ' ', sizeof long_spec - 1);
  memcpy(long_spec + sizeof long_spec - 20, "mon 08:00-12:00", 16);
  static const char *const bad[] = {
      "",
      "   ",
      "mon",
      "08:00-12:00",
      "mon 08:00",
      "mon 08:00-",
      "mon 12:00-08:00",                                                 /* end before start */
      "mon 08:00-08:00",                                                 /* empty */
      "mon 08:00-24:30",                                                 /* past 24:00 */
      "mon 24:00-24:00",
      "mon 25:00-26:00",
      "mon 08:60-09:00",
      "mon 8:0-12:00",
      "mon 123:00-124:00",
      "mon 08:00:00-12:00",
      "foo 08:00-12:00",                                                 /* unknown day */
      "monday 08:00-12:00",
      "fri-mon 08:00-12:00",                                             /* backwards range */
      "mon- 08:00-12:00",
      "mon, 08:00-12:00",
      "mon 08:00-12:00,11:00-13:00",                                     /* overlap */
      "mon-fri 08:00-12:00; wed 11:00-13:00",                            /* overlap across groups */
      "mon 01:00-02:00,03:00-04:00,05:00-06:00,07:00-08:00,09:00-10:00", /* five spans */
      "mon 08:00-12:00;",
      "mon 08:00-12:00;; tue 08:00-12:00",
      "mon 08:00-12:00 tue 08:00-12:00",
      "mon 08:00-12:00,",
      "mon 08:00-12:00 x",
      "mon\n08:00-12:00",
      "mon 08:00-12:00\n",
      "mon -08:00-12:00",
  };
  struct wt_calendar c;
  wt_calendar_init(&c);
  assert_int_equal(wt_hours_parse("tue 10:00-11:00", &c), 0);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (wt_hours_parse(bad[i], &c) != -1)
      fail_msg("accepted: \"%s\"", bad[i]);
    /* a failed parse leaves the calendar as it was */
    assert_int_equal(c.nspans[1], 1);
    assert_int_equal(c.nspans[0] + c.nspans[2] + c.nspans[3] + c.nspans[4] + c.nspans[5] + c.nspans[6], 0);
  }
  assert_int_equal(wt_hours_parse(NULL, &c), -1);
  long_spec[sizeof long_spec - 1] = '\0';
  assert_int_equal(wt_hours_parse(long_spec, &c), -1);
}

static void test_day_lines(void **state)
{
  (void)state;
  struct wt_day d;
  char name[WT_NAME_MAX + 1];
  assert_int_equal(wt_day_parse_line("2026-10-29 holiday Cumhuriyet Bayramı\n", &d, name, sizeof name), 0);
  assert_int_equal(d.day, wt_date_to_day(2026, 10, 29));
  assert_int_equal(d.kind, WT_HOLIDAY);
  assert_int_equal(d.half_from, 0);
  assert_string_equal(name, "Cumhuriyet Bayramı");
  assert_int_equal(wt_day_parse_line("  2026-05-26  half  12:30  Kurban Bayramı arifesi  ", &d, name, sizeof name), 0);
  assert_int_equal(d.kind, WT_HALF);
  assert_int_equal(d.half_from, 12 * 60 + 30);
  assert_string_equal(name, "Kurban Bayramı arifesi");
  assert_int_equal(wt_day_parse_line("2026-05-26 half Arife", &d, name, sizeof name), 0);
  assert_int_equal(d.half_from, WT_ARIFE_FROM);
  assert_int_equal(wt_day_parse_line("2026-03-14 workday Telafi çalışması", &d, name, sizeof name), 0);
  assert_int_equal(d.kind, WT_WORKDAY);
  assert_int_equal(wt_day_parse_line("", &d, name, sizeof name), 1);
  assert_int_equal(wt_day_parse_line("   \r\n", &d, name, sizeof name), 1);
  assert_int_equal(wt_day_parse_line("# yorum", &d, name, sizeof name), 1);

  char long_name[WT_NAME_MAX + 40];
  snprintf(long_name, sizeof long_name, "2026-01-01 holiday %0*d", WT_NAME_MAX + 1, 0);
  const char *const bad[] = {
      "2026-10-29 holiday",          /* no name */
      "2026-10-29 holiday   ",
      "2026-10-29",
      "2026-10-29 vacation Tatil",   /* unknown kind */
      "2026-10-29 Holiday Tatil",
      "2026-02-30 holiday Tatil",    /* no such date */
      "26-10-29 holiday Tatil",
      "2026-10-29holiday Tatil",
      "29.10.2026 holiday Tatil",
      "2026-05-26 half 13:00",       /* half with a time but no name */
      "2026-05-26 half 00:00 Arife", /* work stops at midnight: a holiday */
      "2026-05-26 half 24:00 Arife",
      "2026-05-26 half 13:60 Arife",
      "2026-05-26 half 13:00Arife",
      "2026-10-29 holiday Tat\x01il", /* control character */
      "2026-10-29 holiday Tat\xffil", /* not UTF-8 */
      "2026-10-29 holiday A\tB",
      long_name,
      NULL,
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (wt_day_parse_line(bad[i], &d, name, sizeof name) != -1)
      fail_msg("accepted: \"%s\"", bad[i] ? bad[i] : "(null)");
  char tiny[4];
  assert_int_equal(wt_day_parse_line("2026-10-29 holiday Cumhuriyet", &d, tiny, sizeof tiny), -1);
}

static void test_day_set(void **state)
{
  (void)state;
  struct wt_calendar c;
  wt_calendar_init(&c);
  for (int i = 40; i > 0; i--) {
    struct wt_day d = {.day = i * 3, .kind = WT_HOLIDAY};
    assert_int_equal(wt_day_set(&c, &d), 0);
  }
  struct wt_day half = {.day = 30, .kind = WT_HALF, .half_from = 600};
  assert_int_equal(wt_day_set(&c, &half), 0); /* replaces */
  assert_int_equal(c.ndays, 40);
  for (size_t i = 1; i < c.ndays; i++)
    assert_true(c.days[i - 1].day < c.days[i].day);
  assert_int_equal(wt_day_get(&c, 30)->kind, WT_HALF);
  assert_null(wt_day_get(&c, 31));
  struct wt_day bad1 = {.day = 5, .kind = 9}, bad2 = {.day = 5, .kind = WT_HALF, .half_from = 0},
                bad3 = {.day = 5, .kind = WT_HOLIDAY, .half_from = 600};
  assert_int_equal(wt_day_set(&c, &bad1), -1);
  assert_int_equal(wt_day_set(&c, &bad2), -1);
  assert_int_equal(wt_day_set(&c, &bad3), -1);
  struct wt_calendar copy;
  wt_calendar_copy(&copy, &c);
  assert_int_equal(copy.ndays, 40);
  assert_memory_equal(copy.days, c.days, 40 * sizeof *c.days);
  wt_calendar_free(&c);
  wt_calendar_free(&copy);
}

static void test_weekend_and_lunch(void **state)
{
  (void)state;
  struct wt_calendar c;
  office(&c, 2026, 2026);
  /* Friday 16:30 + 2h: one hour on Friday, one on Monday */
  expect_add(&c, "2026-03-06 16:30", 2 * 3600, "2026-03-09 09:30");
  /* across the lunch break */
  expect_add(&c, "2026-03-09 12:00", 3600, "2026-03-09 14:00");
  /* a whole day ends at the end of the day, not the next morning */
  expect_add(&c, "2026-03-09 08:30", 8 * 3600, "2026-03-09 17:30");
  expect_add(&c, "2026-03-09 08:30", 4 * 3600, "2026-03-09 12:30");
  /* one working week is five days */
  expect_add(&c, "2026-03-02 08:30", 40 * 3600, "2026-03-06 17:30");
  expect_add(&c, "2026-03-02 08:30", 40 * 3600 + 60, "2026-03-09 08:31");
  assert_true(wt_is_working(&c, T("2026-03-09 08:30")));
  assert_true(wt_is_working(&c, T("2026-03-09 12:29")));
  assert_false(wt_is_working(&c, T("2026-03-09 12:30")));
  assert_false(wt_is_working(&c, T("2026-03-09 17:30")));
  assert_false(wt_is_working(&c, T("2026-03-07 10:00"))); /* Saturday */
  assert_int_equal(wt_add(&c, T("2026-03-07 10:00"), 0), T("2026-03-07 10:00"));
  wt_calendar_free(&c);
}

static void test_outside_hours(void **state)
{
  (void)state;
  struct wt_calendar c;
  office(&c, 2026, 2026);
  expect_add(&c, "2026-03-07 03:00", 3600, "2026-03-09 09:30");  /* Saturday night */
  expect_add(&c, "2026-03-09 12:45", 1800, "2026-03-09 14:00");  /* lunch */
  expect_add(&c, "2026-03-09 06:00", 60, "2026-03-09 08:31");    /* early morning */
  expect_add(&c, "2026-03-09 20:00", 3600, "2026-03-10 09:30");  /* evening */
  assert_int_equal(wt_between(&c, T("2026-03-07 00:00"), T("2026-03-09 08:30")), 0);
  wt_calendar_free(&c);
}

static void test_arife_and_bayrams(void **state)
{
  (void)state;
  struct wt_calendar c;
  office(&c, 2026, 2026);
  /* Ramazan Bayramı 2026: arife Thursday 19 March (work until 13:00,
   * i.e. the morning span), bayram Friday..Sunday */
  assert_false(wt_is_working(&c, T("2026-03-19 14:00")));
  assert_true(wt_is_working(&c, T("2026-03-19 12:00")));
  expect_add(&c, "2026-03-19 12:00", 2 * 3600, "2026-03-23 10:00");
  /* Kurban Bayramı 2026: arife Tuesday 26 May, Wednesday..Saturday off */
  expect_add(&c, "2026-05-26 12:00", 3600, "2026-06-01 09:00");
  assert_int_equal(wt_between(&c, T("2026-05-26 00:00"), T("2026-06-01 00:00")), 4 * 3600);
  /* an arife whose cut falls inside a span clips it */
  struct wt_calendar h;
  wt_calendar_init(&h);
  assert_int_equal(wt_hours_parse("mon-fri 08:00-17:00", &h), 0);
  struct wt_day arife = {.day = wt_date_to_day(2026, 5, 26), .kind = WT_HALF, .half_from = WT_ARIFE_FROM};
  assert_int_equal(wt_day_set(&h, &arife), 0);
  assert_int_equal(wt_between(&h, T("2026-05-26 00:00"), T("2026-05-27 00:00")), 5 * 3600);
  expect_add(&h, "2026-05-26 12:00", 2 * 3600, "2026-05-27 09:00");
  wt_calendar_free(&h);
  /* Cumhuriyet Bayramı: 28 October afternoon and 29 October off */
  expect_add(&c, "2026-10-28 11:00", 4 * 3600, "2026-10-30 11:00");
  assert_false(wt_is_working(&c, T("2026-10-29 10:00")));
  assert_false(wt_is_working(&c, T("2026-10-28 14:00")));
  wt_calendar_free(&c);
}

static void test_year_boundary(void **state)
{
  (void)state;
  struct wt_calendar c;
  office(&c, 2025, 2026);
  /* Wednesday 31 December 2025, Thursday 1 January off */
  expect_add(&c, "2025-12-31 16:00", 3 * 3600, "2026-01-02 10:00");
  /* and a long one across the whole of 2026: 2026 has 248 full working
   * days and three arife half days in the week (19 March, 26 May and
   * 28 October: 4 hours each) */
  int64_t year = wt_between(&c, T("2026-01-01 00:00"), T("2027-01-01 00:00"));
  assert_int_equal(year, (int64_t)(248 * 8 + 3 * 4) * 3600);
  expect_add(&c, "2026-01-01 00:00", year, "2026-12-31 17:30");
  wt_calendar_free(&c);
}

static void test_extra_workday(void **state)
{
  (void)state;
  struct wt_calendar c;
  office(&c, 2026, 2026);
  struct wt_day sat = {.day = wt_date_to_day(2026, 3, 14), .kind = WT_WORKDAY};
  assert_int_equal(wt_day_set(&c, &sat), 0);
  expect_add(&c, "2026-03-13 17:00", 3600, "2026-03-14 09:00");
  assert_true(wt_is_working(&c, T("2026-03-14 14:00")));
  assert_false(wt_is_working(&c, T("2026-03-15 14:00")));
  wt_calendar_free(&c);
}

static void test_never(void **state)
{
  (void)state;
  struct wt_calendar c;
  wt_calendar_init(&c);
  assert_int_equal(wt_add(&c, T("2026-03-09 08:30"), 1), WT_NEVER); /* no hours at all */
  struct wt_day w = {.day = wt_date_to_day(2026, 4, 1), .kind = WT_WORKDAY};
  assert_int_equal(wt_day_set(&c, &w), 0);
  assert_int_equal(wt_add(&c, T("2026-03-09 08:30"), 1), WT_NEVER); /* a workday without standard hours */
  wt_calendar_free(&c);
  office(&c, 2026, 2026);
  /* more than three years of working time */
  assert_int_equal(wt_add(&c, T("2026-03-09 08:30"), (int64_t)4 * 52 * 40 * 3600), WT_NEVER);
  assert_true(wt_add(&c, T("2026-03-09 08:30"), (int64_t)2 * 52 * 40 * 3600) < WT_NEVER);
  /* out of range instants */
  assert_int_equal(wt_add(&c, INT64_MAX - 5, 60), WT_NEVER);
  assert_int_equal(wt_add(&c, INT64_MIN, 60), WT_NEVER);
  assert_false(wt_is_working(&c, INT64_MAX));
  assert_int_equal(wt_between(&c, INT64_MAX, INT64_MIN), 0);
  assert_true(wt_between(&c, INT64_MIN, INT64_MAX) > 0);
  wt_calendar_free(&c);
}

static void test_builtin(void **state)
{
  (void)state;
  struct wt_calendar c;
  for (int y = WT_TR_TABLE_FIRST; y <= WT_TR_TABLE_LAST; y++) {
    wt_calendar_init(&c);
    wt_tr_builtin(y, add_builtin, &c);
    int halves = 0, holidays = 0;
    for (size_t i = 0; i < c.ndays; i++) {
      int yy, m, d;
      wt_day_to_date(c.days[i].day, &yy, &m, &d);
      assert_int_equal(yy, y);
      halves += c.days[i].kind == WT_HALF;
      holidays += c.days[i].kind == WT_HOLIDAY;
    }
    /* 28 October plus two arifes (three in 2033, minus 1 January 2033,
     * which is Yılbaşı anyway; 2029's Kurban arife is 23 Nisan) */
    assert_int_equal(halves, y == 2029 ? 2 : 3);
    /* 7 fixed + 3 + 4 bayram days, fewer where they coincide */
    assert_true(holidays >= 13 && holidays <= 17);
    wt_calendar_free(&c);
  }
  wt_calendar_init(&c);
  wt_tr_builtin(2026, add_builtin, &c);
  static const struct {
    int m, d, kind, half;
  } want[] = {
      {1, 1, WT_HOLIDAY, 0},    {3, 19, WT_HALF, 780},    {3, 20, WT_HOLIDAY, 0},   {3, 21, WT_HOLIDAY, 0},
      {3, 22, WT_HOLIDAY, 0},   {4, 23, WT_HOLIDAY, 0},   {5, 1, WT_HOLIDAY, 0},    {5, 19, WT_HOLIDAY, 0},
      {5, 26, WT_HALF, 780},    {5, 27, WT_HOLIDAY, 0},   {5, 28, WT_HOLIDAY, 0},   {5, 29, WT_HOLIDAY, 0},
      {5, 30, WT_HOLIDAY, 0},   {7, 15, WT_HOLIDAY, 0},   {8, 30, WT_HOLIDAY, 0},   {10, 28, WT_HALF, 780},
      {10, 29, WT_HOLIDAY, 0},
  };
  assert_int_equal(c.ndays, sizeof want / sizeof *want);
  for (size_t i = 0; i < c.ndays; i++) {
    assert_int_equal(c.days[i].day, wt_date_to_day(2026, want[i].m, want[i].d));
    assert_int_equal(c.days[i].kind, want[i].kind);
    assert_int_equal(c.days[i].half_from, want[i].half);
  }
  wt_calendar_free(&c);
}

static void name_of(int y, int m, int d, int kind, int half_from, const char *name, void *u)
{
  (void)half_from;
  char *out = u;
  char line[300];
  snprintf(line, sizeof line, "%04d-%02d-%02d %d %s\n", y, m, d, kind, name);
  strncat(out, line, 4000 - strlen(out) - 1);
}

static void test_builtin_names(void **state)
{
  (void)state;
  char out[4000] = "";
  wt_tr_builtin(2033, name_of, out);
  /* 1 January 2033 is Yılbaşı and Ramazan Bayramı's arife: a holiday */
  assert_non_null(strstr(out, "2033-01-01 1 Yılbaşı\n"));
  assert_non_null(strstr(out, "2033-01-02 1 Ramazan Bayramı 1. gün\n"));
  assert_non_null(strstr(out, "2033-12-22 2 Ramazan Bayramı arifesi\n"));
  assert_non_null(strstr(out, "2033-12-25 1 Ramazan Bayramı 3. gün\n"));
  assert_non_null(strstr(out, "2033-03-14 1 Kurban Bayramı 4. gün\n"));
  out[0] = '\0';
  wt_tr_builtin(2028, name_of, out);
  assert_non_null(strstr(out, "2028-05-04 2 Kurban Bayramı arifesi\n"));
  assert_non_null(strstr(out, "2028-10-28 2 Cumhuriyet Bayramı arifesi\n"));
  assert_non_null(strstr(out, "2028-07-15 1 Demokrasi ve Millî Birlik Günü\n"));
  /* outside the table: the fixed days only */
  out[0] = '\0';
  wt_tr_builtin(2040, name_of, out);
  int lines = 0;
  for (const char *p = out; *p; p++)
    lines += *p == '\n';
  assert_int_equal(lines, 8);
  assert_null(strstr(out, "Ramazan"));
  out[0] = '\0';
  wt_tr_builtin(1800, name_of, out);
  assert_string_equal(out, "");
}

/* A small deterministic generator for the property tests. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(uint64_t n)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state % n;
}

static void busy_calendar(struct wt_calendar *c)
{
  office(c, 2025, 2027);
  struct wt_day extra[] = {
      {.day = wt_date_to_day(2026, 2, 7), .kind = WT_WORKDAY},
      {.day = wt_date_to_day(2026, 6, 10), .kind = WT_HALF, .half_from = 10 * 60 + 15},
      {.day = wt_date_to_day(2026, 9, 1), .kind = WT_HOLIDAY},
  };
  for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
    assert_int_equal(wt_day_set(c, &extra[i]), 0);
}

static void test_between_inverts_add(void **state)
{
  (void)state;
  struct wt_calendar c;
  busy_calendar(&c);
  int64_t base = T("2025-12-01 00:00"), span = T("2027-01-01 00:00") - base;
  for (int i = 0; i < 20000; i++) {
    int64_t a = base + (int64_t)rnd((uint64_t)span);
    int64_t s = (int64_t)rnd(i % 10 ? 200 * 3600 : 2000 * 3600);
    int64_t end = wt_add(&c, a, s);
    assert_true(end >= a);
    if (wt_between(&c, a, end) != s)
      fail_msg("a=%lld s=%lld end=%lld between=%lld", (long long)a, (long long)s, (long long)end,
               (long long)wt_between(&c, a, end));
    /* the end is the earliest such instant */
    if (s > 0)
      assert_int_equal(wt_between(&c, a, end - 1), s - 1);
    /* and splits add up */
    int64_t b = a + (int64_t)rnd(40 * 86400);
    int64_t m = a + (b - a) / 3;
    assert_int_equal(wt_between(&c, a, b), wt_between(&c, a, m) + wt_between(&c, m, b));
  }
  wt_calendar_free(&c);
}

static void test_between_minute_by_minute(void **state)
{
  (void)state;
  struct wt_calendar c;
  busy_calendar(&c);
  int64_t base = T("2025-12-20 00:00");
  for (int i = 0; i < 60; i++) {
    int64_t a = base + (int64_t)rnd(400 * 1440) * 60;
    int64_t b = a + (int64_t)rnd(30 * 1440) * 60;
    int64_t minutes = 0;
    for (int64_t t = a; t < b; t += 60)
      minutes += wt_is_working(&c, t);
    assert_int_equal(wt_between(&c, a, b), minutes * 60);
  }
  wt_calendar_free(&c);
}

static void test_other_offset(void **state)
{
  (void)state;
  struct wt_calendar c;
  wt_calendar_init(&c);
  c.utc_offset_s = 0;
  assert_int_equal(wt_hours_parse("mon-fri 09:00-17:00", &c), 0);
  /* Friday 16:00 UTC + 2h -> Monday 10:00 UTC */
  int64_t fri = (int64_t)wt_date_to_day(2026, 3, 6) * 86400 + 16 * 3600;
  assert_int_equal(wt_add(&c, fri, 7200), (int64_t)wt_date_to_day(2026, 3, 9) * 86400 + 10 * 3600);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dates),
      cmocka_unit_test(test_hours_good),
      cmocka_unit_test(test_hours_bad),
      cmocka_unit_test(test_day_lines),
      cmocka_unit_test(test_day_set),
      cmocka_unit_test(test_weekend_and_lunch),
      cmocka_unit_test(test_outside_hours),
      cmocka_unit_test(test_arife_and_bayrams),
      cmocka_unit_test(test_year_boundary),
      cmocka_unit_test(test_extra_workday),
      cmocka_unit_test(test_never),
      cmocka_unit_test(test_builtin),
      cmocka_unit_test(test_builtin_names),
      cmocka_unit_test(test_between_inverts_add),
      cmocka_unit_test(test_between_minute_by_minute),
      cmocka_unit_test(test_other_offset),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
