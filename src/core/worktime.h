/* worktime.h - working time: a weekly pattern of working hours plus dated
 * exceptions (public holidays, half days such as arife, extra working
 * days), and the arithmetic service-level targets need on it: "when have
 * N working seconds elapsed after t" and "how many working seconds lie
 * between a and b". Pure computation: no store, no locale; the days array
 * is the only allocation, made while building the calendar, never by the
 * arithmetic.
 *
 * Times are UTC unix seconds; days and hours are local to the calendar's
 * fixed UTC offset (Europe/Istanbul is UTC+3 all year since 2016, so no
 * DST rules are needed; the offset is a field so that is a choice, not an
 * assumption baked in). Working spans are minutes from local midnight,
 * half-open [from, to), and 24:00 may end a span. */
#ifndef DEFTER_WORKTIME_H
#define DEFTER_WORKTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "util.h"

enum {
  WT_MAX_SPANS = 4,              /* working spans per day */
  WT_OFFSET_ISTANBUL = 3 * 3600, /* UTC+3 */
  WT_ARIFE_FROM = 13 * 60,       /* an arife half day stops work at 13:00 */
  WT_NAME_MAX = 200,             /* bytes of an exception's name */
  WT_SPEC_MAX = 512,             /* bytes of an hours spec */
  WT_GIVE_UP_DAYS = 3 * 366,     /* wt_add looks this far ahead at most */
};

/* wt_add's answer when the target is not reached within WT_GIVE_UP_DAYS
 * (or never: a calendar without working hours). */
#define WT_NEVER INT64_MAX

/* The default hours of a Turkish public office. */
#define WT_DEFAULT_HOURS "mon-fri 08:30-12:30,13:30-17:30"

enum wt_kind {
  WT_HOLIDAY = 1, /* no work all day */
  WT_HALF = 2,    /* the day's normal hours, but work stops at half_from */
  WT_WORKDAY = 3, /* a working day with the standard hours (see below) */
};

struct wt_span {
  int16_t from, to; /* minutes from local midnight, [from, to) */
};

/* An exception: a local calendar day, as days since 1970-01-01. */
struct wt_day {
  int32_t day;
  uint8_t kind;      /* enum wt_kind */
  int16_t half_from; /* WT_HALF: minute work stops; otherwise 0 */
};

struct wt_calendar {
  int32_t utc_offset_s;
  /* ISO weekday index 0 = Monday .. 6 = Sunday; spans sorted, disjoint */
  struct wt_span week[7][WT_MAX_SPANS];
  uint8_t nspans[7];
  /* sorted by day, one entry per day; owned, released by wt_calendar_free */
  struct wt_day *days;
  size_t ndays, cap;
};

/* An empty calendar (no hours, no exceptions) at the Istanbul offset. */
void wt_calendar_init(struct wt_calendar *c);
void wt_calendar_free(struct wt_calendar *c);
/* A deep copy into dst (initialised here; free it with wt_calendar_free). */
void wt_calendar_copy(struct wt_calendar *dst, const struct wt_calendar *src);

/* Sets the weekly hours from a spec: groups separated by ';', each
 * "DAYS SPANS" where DAYS is a comma list of day names or ranges
 * (mon..sun, also Turkish pzt sal car/çar per cum cmt paz, any case) and
 * SPANS a comma list of HH:MM-HH:MM. Example:
 * "mon-thu 08:00-12:00,13:00-17:00; fri 08:00-12:00". Strict: returns -1
 * on anything malformed (unknown day, backwards range, end <= start,
 * past 24:00, overlapping spans on a day, more than WT_MAX_SPANS a day, a
 * spec longer than WT_SPEC_MAX) and leaves c unchanged; 0 on success.
 * Days not named do not work. The exceptions of c are kept. */
int wt_hours_parse(const char *spec, struct wt_calendar *c) WUR;
/* The canonical spec of c's weekly hours ("mon-fri 08:30-12:30,13:30-17:30",
 * consecutive days with equal hours grouped; "" when none). Returns 0, or
 * -1 when out (n bytes) is too small. */
int wt_hours_format(const struct wt_calendar *c, char *out, size_t n) WUR;

/* One exception line: "YYYY-MM-DD holiday NAME", "YYYY-MM-DD half [HH:MM]
 * NAME" (13:00 when the time is left out) or "YYYY-MM-DD workday NAME".
 * NAME (required, valid UTF-8 without control characters, at most
 * WT_NAME_MAX bytes) is copied into name (namelen bytes, at least
 * WT_NAME_MAX + 1 for every valid line to fit). Returns 0 for a day, 1 for
 * a blank line or a '#' comment (out untouched), -1 when malformed. */
int wt_day_parse_line(const char *line, struct wt_day *out, char *name, size_t namelen) WUR;

/* Adds or replaces the exception of d->day (kept sorted). Returns 0, or
 * -1 for an invalid kind / half_from (half needs 0 < half_from < 1440). */
int wt_day_set(struct wt_calendar *c, const struct wt_day *d) WUR;
/* The exception of a day, or NULL. */
const struct wt_day *wt_day_get(const struct wt_calendar *c, int32_t day);

/* Civil dates <-> day numbers (proleptic Gregorian). */
int32_t wt_date_to_day(int y, int m, int d);
void wt_day_to_date(int32_t day, int *y, int *m, int *d);
/* "YYYY-MM-DD" (a real date, years 1900..9999) to a day number: 0 / -1. */
int wt_date_parse(const char *s, int32_t *day) WUR;
/* ISO weekday index of a day number: 0 = Monday .. 6 = Sunday. */
int wt_weekday(int32_t day);
/* The local day number of a UTC instant. */
int32_t wt_local_day(const struct wt_calendar *c, int64_t t_utc);

/* The working spans of a local day after its exception, sorted; returns
 * their number (0..WT_MAX_SPANS). A WT_WORKDAY works the hours of the
 * first weekday (from Monday) that has any. */
int wt_day_spans(const struct wt_calendar *c, int32_t day, struct wt_span out[WT_MAX_SPANS]);

/* Is t inside working hours? */
bool wt_is_working(const struct wt_calendar *c, int64_t t_utc);

/* The UTC instant at which `working_seconds` of working time have elapsed
 * counting from start (outside hours, counting starts at the next working
 * minute). The answer is always the end of working time, never a later
 * non-working instant: 8 working hours from Monday 08:30 is Monday 17:30.
 * working_seconds <= 0 returns start. Days without exceptions are skipped
 * a week at a time, so the cost is O(exceptions in range + 14 days).
 * Returns WT_NEVER when the target lies more than WT_GIVE_UP_DAYS days
 * ahead, or when start is outside years 1900..9999. */
int64_t wt_add(const struct wt_calendar *c, int64_t start_utc, int64_t working_seconds);

/* Working seconds in [a, b) (0 when b <= a); the inverse of wt_add:
 * wt_between(c, a, wt_add(c, a, s)) == s whenever wt_add succeeds.
 * Instants outside years 1900..9999 are clamped to them. */
int64_t wt_between(const struct wt_calendar *c, int64_t a_utc, int64_t b_utc);

/* The official Turkish holidays of a year, in date order (Law 2429 and its
 * amendments): the fixed national days, the Cumhuriyet Bayramı arife
 * (28 October, afternoon off), and Ramazan Bayramı (3 days) and Kurban
 * Bayramı (4 days) each with its arife half day, from a table for
 * 2024..2035 (see worktime.c). A day that is both a full holiday and an
 * arife is reported once, as the holiday. kind is WT_HOLIDAY or WT_HALF;
 * half_from_min is WT_ARIFE_FROM for half days, else 0; name is Turkish.
 * Years outside the table get the fixed days only. */
void wt_tr_builtin(int year, void (*fn)(int y, int m, int d, int kind, int half_from_min, const char *name, void *u),
                   void *u);
/* First and last year of the religious holiday table. */
enum { WT_TR_TABLE_FIRST = 2024, WT_TR_TABLE_LAST = 2035 };

#endif
