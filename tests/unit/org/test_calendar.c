/* test_calendar.c - the stored working-time calendar of src/org/calendar.c
 * on a real store: org_calendar_seed copies the official holidays for
 * last year .. five ahead once (a second run and a removed day stay as
 * they are), and org_calendar_load returns hours and days that the SLA
 * arithmetic can use, from its cache until the store's version changes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../../src/core/audit.h"
#include "../../../src/core/schema.h"
#include "../../../src/core/worktime.h"
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

static int year_now(void)
{
  time_t t = time(NULL) + 3 * 3600;
  struct tm tm;
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

/* Local Istanbul time to UTC. */
static int64_t at(int y, int m, int d, int h, int min)
{
  return (int64_t)wt_date_to_day(y, m, d) * 86400 + h * 3600 + min * 60 - 3 * 3600;
}

static void test_seed_and_load(void **state)
{
  (void)state;
  struct actor who = audit_system("test");
  int y = year_now();
  assert_int_equal(org_calendar_seed(fixture_db, &who), 0);
  assert_int_equal(fixture_count("SELECT COUNT(*) FROM calendar_seeded"), 7);
  int64_t days = fixture_count("SELECT COUNT(*) FROM calendar_days WHERE source = 'builtin'");
  assert_true(days >= 7 * 10);
  assert_int_equal(fixture_count("SELECT COUNT(*) FROM audit_log WHERE action = 'seed' AND entity = 'calendar'"), 7);

  struct wt_calendar c;
  assert_int_equal(org_calendar_load(fixture_db, &c), 0);
  assert_int_equal((int64_t)c.ndays, days);
  const struct wt_day *e = wt_day_get(&c, wt_date_to_day(y, 10, 29));
  assert_non_null(e);
  assert_int_equal(e->kind, WT_HOLIDAY);
  e = wt_day_get(&c, wt_date_to_day(y + 5, 10, 28));
  assert_non_null(e);
  assert_int_equal(e->kind, WT_HALF);
  assert_int_equal(e->half_from, WT_ARIFE_FROM);
  assert_null(wt_day_get(&c, wt_date_to_day(y + 6, 10, 29)));
  /* the default hours */
  char spec[WT_SPEC_MAX + 1];
  assert_int_equal(wt_hours_format(&c, spec, sizeof spec), 0);
  assert_string_equal(spec, WT_DEFAULT_HOURS);
  assert_false(wt_is_working(&c, at(y, 10, 29, 10, 0)));
  assert_false(wt_is_working(&c, at(y, 10, 28, 14, 0)));
  wt_calendar_free(&c);

  /* a removed official day stays removed; a second seed adds nothing */
  char day[32];
  snprintf(day, sizeof day, "%04d-05-19", y + 1);
  assert_int_equal(db_run(fixture_db, "DELETE FROM calendar_days WHERE day = ?", "t", day), 0);
  assert_int_equal(org_calendar_seed(fixture_db, &who), 0);
  assert_int_equal(fixture_count("SELECT COUNT(*) FROM calendar_days"), days - 1);
  assert_int_equal(fixture_count("SELECT COUNT(*) FROM audit_log WHERE action = 'seed'"), 7);
}

static void test_cache_follows_version(void **state)
{
  (void)state;
  struct actor who = audit_system("test");
  int y = year_now();
  assert_int_equal(org_calendar_seed(fixture_db, &who), 0);
  struct wt_calendar c;
  assert_int_equal(org_calendar_load(fixture_db, &c), 0);
  size_t n = c.ndays;
  wt_calendar_free(&c);

  /* a write that does not renew the version is not seen: the copy is
   * served from the cache... */
  char day[32];
  snprintf(day, sizeof day, "%04d-06-02", y);
  assert_int_equal(db_run(fixture_db,
                          "INSERT INTO calendar_days (day, kind, half_from, name, source)"
                          " VALUES (?, 'holiday', NULL, 'İdari izin', 'admin')",
                          "t", day),
                   0);
  assert_int_equal(settings_set(fixture_db, "calendar.hours", "mon-fri 09:00-17:00"), 0);
  assert_int_equal(org_calendar_load(fixture_db, &c), 0);
  assert_int_equal(c.ndays, n);
  wt_calendar_free(&c);
  /* ...and a new version reloads both the days and the hours */
  assert_int_equal(settings_set(fixture_db, "calendar.version", "changed-by-test"), 0);
  assert_int_equal(org_calendar_load(fixture_db, &c), 0);
  assert_int_equal(c.ndays, n + 1);
  int32_t d;
  assert_int_equal(wt_date_parse(day, &d), 0);
  assert_non_null(wt_day_get(&c, d));
  char spec[WT_SPEC_MAX + 1];
  assert_int_equal(wt_hours_format(&c, spec, sizeof spec), 0);
  assert_string_equal(spec, "mon-fri 09:00-17:00");
  wt_calendar_free(&c);
  /* unreadable stored hours fall back to the default instead of failing */
  assert_int_equal(settings_set(fixture_db, "calendar.hours", "every day"), 0);
  assert_int_equal(settings_set(fixture_db, "calendar.version", "changed-again"), 0);
  assert_int_equal(org_calendar_load(fixture_db, &c), 0);
  assert_int_equal(wt_hours_format(&c, spec, sizeof spec), 0);
  assert_string_equal(spec, WT_DEFAULT_HOURS);
  wt_calendar_free(&c);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_seed_and_load, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cache_follows_version, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
