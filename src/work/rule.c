/* rule.c - recurrence rules of task templates: "monthly:N" (day N of each
 * month, the last day when the month is shorter), "weekly:N" (ISO weekday,
 * 1 = Monday) and "yearly:MM-DD" (29 February falls on the 28th in common
 * years). Each period (month, ISO week, year) has exactly one occurrence,
 * and its key is what makes generation idempotent. */
#include "work_int.h"

#include <stdio.h>
#include <string.h>

static int parse_num(const char *s, size_t n, int *out)
{
  if (n == 0 || n > 2)
    return -1;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

int work_rule_parse(const char *s, struct work_rule *out)
{
  if (!s)
    return -1;
  memset(out, 0, sizeof *out);
  if (str_starts(s, "monthly:")) {
    const char *v = s + 8;
    out->kind = WR_MONTHLY;
    return parse_num(v, strlen(v), &out->day) == 0 && out->day >= 1 && out->day <= 31 ? 0 : -1;
  }
  if (str_starts(s, "weekly:")) {
    const char *v = s + 7;
    out->kind = WR_WEEKLY;
    return parse_num(v, strlen(v), &out->day) == 0 && out->day >= 1 && out->day <= 7 ? 0 : -1;
  }
  if (str_starts(s, "yearly:")) {
    const char *v = s + 7;
    out->kind = WR_YEARLY;
    if (strlen(v) != 5 || v[2] != '-' || parse_num(v, 2, &out->month) || parse_num(v + 3, 2, &out->day))
      return -1;
    /* 2000 is a leap year, so 02-29 is accepted here. */
    return out->month >= 1 && out->month <= 12 && out->day >= 1 && out->day <= work_days_in_month(2000, out->month)
               ? 0
               : -1;
  }
  return -1;
}

void work_rule_format(const struct work_rule *r, char out[16])
{
  switch (r->kind) {
  case WR_MONTHLY: snprintf(out, 16, "monthly:%u", (unsigned)r->day % 100u); break;
  case WR_WEEKLY: snprintf(out, 16, "weekly:%u", (unsigned)r->day % 10u); break;
  case WR_YEARLY: snprintf(out, 16, "yearly:%02u-%02u", (unsigned)r->month % 100u, (unsigned)r->day % 100u); break;
  }
}

/* Monday = 0 … Sunday = 6; 1970-01-01 was a Thursday. */
static int weekday0(int64_t day)
{
  return (int)(((day % 7) + 7 + 3) % 7);
}

void work_rule_occurrence(const struct work_rule *r, int64_t day, int64_t *occ, char period[16])
{
  int y, m, d;
  work_civil_from_days(day, &y, &m, &d);
  switch (r->kind) {
  case WR_MONTHLY: {
    int dd = r->day < work_days_in_month(y, m) ? r->day : work_days_in_month(y, m);
    *occ = work_days_from_civil(y, m, dd);
    snprintf(period, 16, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
    break;
  }
  case WR_WEEKLY: {
    int64_t monday = day - weekday0(day);
    *occ = monday + (r->day - 1);
    /* The ISO week belongs to the year of its Thursday. */
    int ty, tm, td;
    work_civil_from_days(monday + 3, &ty, &tm, &td);
    int64_t week = (monday + 3 - work_days_from_civil(ty, 1, 1)) / 7 + 1;
    snprintf(period, 16, "%04u-W%02u", (unsigned)ty % 10000u, (unsigned)week % 100u);
    break;
  }
  case WR_YEARLY: {
    int dd = r->day < work_days_in_month(y, r->month) ? r->day : work_days_in_month(y, r->month);
    *occ = work_days_from_civil(y, r->month, dd);
    snprintf(period, 16, "%04u", (unsigned)y % 10000u);
    break;
  }
  }
}

bool work_rule_due(const struct work_rule *r, int64_t today, int64_t start, int64_t *occ, char period[16])
{
  work_rule_occurrence(r, today, occ, period);
  return *occ <= today && *occ >= start;
}
