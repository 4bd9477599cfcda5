/* dates.c - calendar days (deadlines, recurrence) as whole days since
 * 1970-01-01, converted with Hinnant's civil-date algorithms so that no
 * time zone database is needed. Turkey keeps UTC+3 all year. */
#include "work_int.h"

#include <stdio.h>
#include <string.h>

enum { ISTANBUL_OFFSET_S = 3 * 3600 };

int64_t work_days_from_civil(int y, int m, int d)
{
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void work_civil_from_days(int64_t z, int *y, int *m, int *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t dd = doy - (153 * mp + 2) / 5 + 1;
  int64_t mm = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yoe + era * 400 + (mm <= 2));
  *m = (int)mm;
  *d = (int)dd;
}

int work_days_in_month(int y, int m)
{
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12)
    return 0;
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return len[m - 1];
}

static int digits(const char *s, int n)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

int work_date_parse(const char *s, int64_t *days)
{
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return -1;
  int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
  if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > work_days_in_month(y, m))
    return -1;
  *days = work_days_from_civil(y, m, d);
  return 0;
}

void work_date_fmt(int64_t days, char out[11])
{
  int y, m, d;
  work_civil_from_days(days, &y, &m, &d);
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
}

int64_t work_day_of(int64_t t)
{
  int64_t s = t + ISTANBUL_OFFSET_S;
  return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int64_t work_today(void)
{
  return work_day_of(now_unix());
}
