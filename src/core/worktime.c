/* worktime.c - working-time arithmetic over a weekly pattern with dated
 * exceptions (see worktime.h), the strict parsers of the hours spec and
 * of exception lines, and the table of Turkish official holidays. */
#include "worktime.h"
#include "tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DAY_S = 86400 };

/* ---- dates ----------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int32_t wt_date_to_day(int y, int m, int d)
{
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + doe - 719468);
}

void wt_day_to_date(int32_t day, int *y, int *m, int *d)
{
  int32_t z = day + 719468;
  int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  int32_t doe = z - era * 146097;
  int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int32_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int month_days(int y, int m)
{
  static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : n[m - 1];
}

static bool digits(const char *s, int n)
{
  for (int i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

/* Exactly "YYYY-MM-DD" at s (no terminator required after it). */
static int date_at(const char *s, int32_t *day)
{
  if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
    return -1;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
    return -1;
  *day = wt_date_to_day(y, m, d);
  return 0;
}

int wt_date_parse(const char *s, int32_t *day)
{
  if (!s || strlen(s) != 10)
    return -1;
  return date_at(s, day);
}

int wt_weekday(int32_t day)
{
  /* 1970-01-01 was a Thursday (index 3) */
  return (int)((day % 7 + 7 + 3) % 7);
}

int32_t wt_local_day(const struct wt_calendar *c, int64_t t_utc)
{
  return (int32_t)floor_div(t_utc + c->utc_offset_s, DAY_S);
}

/* The instants the arithmetic accepts: years 1900..9999. */
static int64_t t_min(void)
{
  return (int64_t)wt_date_to_day(1900, 1, 1) * DAY_S;
}

static int64_t t_max(void)
{
  return (int64_t)wt_date_to_day(10000, 1, 1) * DAY_S - 1;
}

/* ---- the calendar ---------------------------------------------------------- */

void wt_calendar_init(struct wt_calendar *c)
{
  memset(c, 0, sizeof *c);
  c->utc_offset_s = WT_OFFSET_ISTANBUL;
}

void wt_calendar_free(struct wt_calendar *c)
{
  free(c->days);
  c->days = NULL;
  c->ndays = c->cap = 0;
}

void wt_calendar_copy(struct wt_calendar *dst, const struct wt_calendar *src)
{
  *dst = *src;
  dst->days = NULL;
  dst->cap = src->ndays;
  if (src->ndays) {
    dst->days = xmalloc(src->ndays * sizeof *dst->days);
    memcpy(dst->days, src->days, src->ndays * sizeof *dst->days);
  }
}

/* Index of the first exception with day >= day. */
static size_t lower_bound(const struct wt_calendar *c, int32_t day)
{
  size_t lo = 0, hi = c->ndays;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->days[mid].day < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const struct wt_day *wt_day_get(const struct wt_calendar *c, int32_t day)
{
  size_t i = lower_bound(c, day);
  return i < c->ndays && c->days[i].day == day ? &c->days[i] : NULL;
}

int wt_day_set(struct wt_calendar *c, const struct wt_day *d)
{
  if (d->kind != WT_HOLIDAY && d->kind != WT_HALF && d->kind != WT_WORKDAY)
    return -1;
  if (d->kind == WT_HALF ? (d->half_from <= 0 || d->half_from >= 24 * 60) : d->half_from != 0)
    return -1;
  size_t i = lower_bound(c, d->day);
  if (i < c->ndays && c->days[i].day == d->day) {
    c->days[i] = *d;
    return 0;
  }
  if (c->ndays == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 32;
    c->days = xrealloc(c->days, c->cap * sizeof *c->days);
  }
  memmove(&c->days[i + 1], &c->days[i], (c->ndays - i) * sizeof *c->days);
  c->days[i] = *d;
  c->ndays++;
  return 0;
}

/* Seconds of work in a normal week. */
static int64_t week_seconds(const struct wt_calendar *c)
{
  int64_t s = 0;
  for (int w = 0; w < 7; w++)
    for (int i = 0; i < c->nspans[w]; i++)
      s += (int64_t)(c->week[w][i].to - c->week[w][i].from) * 60;
  return s;
}

int wt_day_spans(const struct wt_calendar *c, int32_t day, struct wt_span out[WT_MAX_SPANS])
{
  int w = wt_weekday(day);
  const struct wt_day *e = wt_day_get(c, day);
  if (e && e->kind == WT_HOLIDAY)
    return 0;
  if (e && e->kind == WT_WORKDAY && c->nspans[w] == 0)
    for (int k = 0; k < 7; k++)
      if (c->nspans[k]) {
        w = k;
        break;
      }
  int n = 0;
  for (int i = 0; i < c->nspans[w]; i++) {
    struct wt_span s = c->week[w][i];
    if (e && e->kind == WT_HALF) {
      if (s.from >= e->half_from)
        break;
      if (s.to > e->half_from)
        s.to = e->half_from;
    }
    out[n++] = s;
  }
  return n;
}

bool wt_is_working(const struct wt_calendar *c, int64_t t_utc)
{
  if (t_utc < t_min() || t_utc > t_max())
    return false;
  int32_t day = wt_local_day(c, t_utc);
  int64_t sod = t_utc + c->utc_offset_s - (int64_t)day * DAY_S;
  struct wt_span sp[WT_MAX_SPANS];
  int n = wt_day_spans(c, day, sp);
  for (int i = 0; i < n; i++)
    if (sod >= sp[i].from * 60 && sod < sp[i].to * 60)
      return true;
  return false;
}

/* Whole weeks from day on that contain no exception: how many can be
 * skipped with the weekly total. *ei is advanced past earlier days. */
static int64_t free_weeks(const struct wt_calendar *c, int32_t day, size_t *ei)
{
  while (*ei < c->ndays && c->days[*ei].day < day)
    (*ei)++;
  if (*ei == c->ndays)
    return INT32_MAX;
  return ((int64_t)c->days[*ei].day - day) / 7;
}

int64_t wt_add(const struct wt_calendar *c, int64_t start_utc, int64_t working_seconds)
{
  if (working_seconds <= 0)
    return start_utc;
  if (start_utc < t_min() || start_utc > t_max())
    return WT_NEVER;
  int64_t off = c->utc_offset_s, local = start_utc + off;
  int64_t day = floor_div(local, DAY_S), sod = local - day * DAY_S;
  int64_t last = day + WT_GIVE_UP_DAYS, rem = working_seconds, week = week_seconds(c);
  size_t ei = 0;
  while (day <= last) {
    if (sod == 0) {
      /* Skip exception-free weeks that cannot hold the end; with no
       * weekly hours there is no work before the next exception. */
      int64_t k = free_weeks(c, (int32_t)day, &ei);
      if (week == 0) {
        if (k > 0)
          day = ei < c->ndays ? c->days[ei].day : last + 1;
      } else {
        if ((rem - 1) / week < k)
          k = (rem - 1) / week;
        if ((last - day) / 7 < k)
          k = (last - day) / 7;
        day += 7 * k;
        rem -= k * week;
      }
      if (day > last)
        break;
    }
    struct wt_span sp[WT_MAX_SPANS];
    int n = wt_day_spans(c, (int32_t)day, sp);
    for (int i = 0; i < n; i++) {
      int64_t from = sp[i].from * 60, to = sp[i].to * 60;
      if (to <= sod)
        continue;
      int64_t s = from > sod ? from : sod;
      if (rem <= to - s)
        return day * DAY_S + s + rem - off;
      rem -= to - s;
    }
    day++;
    sod = 0;
  }
  return WT_NEVER;
}

int64_t wt_between(const struct wt_calendar *c, int64_t a_utc, int64_t b_utc)
{
  int64_t lo = t_min(), hi = t_max();
  a_utc = a_utc < lo ? lo : a_utc > hi ? hi : a_utc;
  b_utc = b_utc < lo ? lo : b_utc > hi ? hi : b_utc;
  if (b_utc <= a_utc)
    return 0;
  int64_t off = c->utc_offset_s, la = a_utc + off, lb = b_utc + off;
  int64_t day = floor_div(la, DAY_S), sod = la - day * DAY_S;
  int64_t dend = floor_div(lb, DAY_S), week = week_seconds(c), total = 0;
  size_t ei = 0;
  while (day <= dend) {
    if (sod == 0 && day < dend) {
      int64_t k = free_weeks(c, (int32_t)day, &ei);
      if ((dend - day) / 7 < k)
        k = (dend - day) / 7;
      day += 7 * k;
      total += k * week;
    }
    int64_t end = day == dend ? lb - dend * DAY_S : DAY_S;
    struct wt_span sp[WT_MAX_SPANS];
    int n = wt_day_spans(c, (int32_t)day, sp);
    for (int i = 0; i < n; i++) {
      int64_t s = sp[i].from * 60, e = sp[i].to * 60;
      if (s < sod)
        s = sod;
      if (e > end)
        e = end;
      if (e > s)
        total += e - s;
    }
    day++;
    sod = 0;
  }
  return total;
}

/* ---- the hours spec -------------------------------------------------------- */

static const struct {
  const char *name;
  int wd;
} day_names[] = {
    {"mon", 0}, {"tue", 1}, {"wed", 2}, {"thu", 3}, {"fri", 4}, {"sat", 5}, {"sun", 6},
    {"pzt", 0}, {"sal", 1}, {"car", 2}, {"\xc3\xa7" "ar", 2}, {"\xc3\x87" "ar", 2},
    {"per", 3}, {"cum", 4}, {"cmt", 5}, {"paz", 6},
};

static const char *skip_ws(const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* A day name at *p (letters or UTF-8 bytes); -1 when unknown. */
static int day_name(const char **p)
{
  const char *s = *p;
  size_t n = 0;
  while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || (unsigned char)s[n] >= 0x80)
    n++;
  for (size_t i = 0; n && i < ARRAY_LEN(day_names); i++) {
    const char *k = day_names[i].name;
    if (strlen(k) != n)
      continue;
    size_t j = 0;
    while (j < n && (s[j] == k[j] || (s[j] >= 'A' && s[j] <= 'Z' && s[j] - 'A' + 'a' == k[j])))
      j++;
    if (j == n) {
      *p = s + n;
      return day_names[i].wd;
    }
  }
  return -1;
}

/* "H:MM" or "HH:MM" at *p, 00:00..24:00, as minutes; -1 when malformed. */
static int clock_at(const char **p)
{
  const char *s = *p;
  int h = 0, n = 0;
  while (n < 2 && s[n] >= '0' && s[n] <= '9')
    h = h * 10 + (s[n++] - '0');
  if (n == 0 || s[n] != ':' || !digits(s + n + 1, 2) || (s[n + 3] >= '0' && s[n + 3] <= '9'))
    return -1;
  int m = (s[n + 1] - '0') * 10 + (s[n + 2] - '0');
  if (m > 59 || h > 24 || (h == 24 && m != 0))
    return -1;
  *p = s + n + 3;
  return h * 60 + m;
}

/* Inserts a span into a day, sorted; -1 on overlap or too many. */
static int add_span(struct wt_span *spans, uint8_t *n, struct wt_span s)
{
  if (*n == WT_MAX_SPANS)
    return -1;
  int i = 0;
  while (i < *n && spans[i].from < s.from)
    i++;
  if ((i > 0 && spans[i - 1].to > s.from) || (i < *n && s.to > spans[i].from))
    return -1;
  memmove(&spans[i + 1], &spans[i], (size_t)(*n - i) * sizeof *spans);
  spans[i] = s;
  (*n)++;
  return 0;
}

int wt_hours_parse(const char *spec, struct wt_calendar *c)
{
  if (!spec || strlen(spec) > WT_SPEC_MAX)
    return -1;
  struct wt_span week[7][WT_MAX_SPANS] = {{{0, 0}}};
  uint8_t nspans[7] = {0};
  const char *p = spec;
  for (;;) {
    bool days[7] = {false};
    p = skip_ws(p);
    for (;;) {
      int a = day_name(&p), b;
      if (a < 0)
        return -1;
      p = skip_ws(p);
      b = a;
      if (*p == '-') {
        p = skip_ws(p + 1);
        if ((b = day_name(&p)) < a)
          return -1;
        p = skip_ws(p);
      }
      for (int w = a; w <= b; w++)
        days[w] = true;
      if (*p != ',')
        break;
      p = skip_ws(p + 1);
    }
    struct wt_span group[WT_MAX_SPANS];
    uint8_t ng = 0;
    for (;;) {
      struct wt_span s;
      int from = clock_at(&p), to;
      p = skip_ws(p);
      if (from < 0 || *p != '-')
        return -1;
      p = skip_ws(p + 1);
      to = clock_at(&p);
      if (to <= from)
        return -1;
      s.from = (int16_t)from;
      s.to = (int16_t)to;
      if (add_span(group, &ng, s))
        return -1;
      p = skip_ws(p);
      if (*p != ',')
        break;
      p = skip_ws(p + 1);
    }
    for (int w = 0; w < 7; w++)
      for (int i = 0; days[w] && i < ng; i++)
        if (add_span(week[w], &nspans[w], group[i]))
          return -1;
    if (*p == '\0')
      break;
    if (*p != ';')
      return -1;
    p++;
  }
  memcpy(c->week, week, sizeof week);
  memcpy(c->nspans, nspans, sizeof nspans);
  return 0;
}

static bool same_hours(const struct wt_calendar *c, int a, int b)
{
  return c->nspans[a] == c->nspans[b] && !memcmp(c->week[a], c->week[b], c->nspans[a] * sizeof c->week[a][0]);
}

int wt_hours_format(const struct wt_calendar *c, char *out, size_t n)
{
  buf b;
  buf_init(&b, WT_SPEC_MAX * 2);
  for (int w = 0; w < 7;) {
    if (!c->nspans[w]) {
      w++;
      continue;
    }
    int v = w;
    while (v + 1 < 7 && same_hours(c, w, v + 1))
      v++;
    if (b.len)
      buf_puts(&b, "; ");
    buf_puts(&b, day_names[w].name);
    if (v > w) {
      buf_puts(&b, "-");
      buf_puts(&b, day_names[v].name);
    }
    for (int i = 0; i < c->nspans[w]; i++) {
      const struct wt_span *s = &c->week[w][i];
      buf_printf(&b, "%s%02d:%02d-%02d:%02d", i ? "," : " ", s->from / 60, s->from % 60, s->to / 60, s->to % 60);
    }
    w = v + 1;
  }
  const char *txt = buf_cstr(&b);
  int rc = -1;
  if (!b.overflow && strlen(txt) < n) {
    memcpy(out, txt, strlen(txt) + 1);
    rc = 0;
  }
  buf_free(&b);
  return rc;
}

/* ---- exception lines ------------------------------------------------------- */

int wt_day_parse_line(const char *line, struct wt_day *out, char *name, size_t namelen)
{
  if (!line)
    return -1;
  const char *p = skip_ws(line);
  if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
    return 1;
  struct wt_day d = {0};
  if (date_at(p, &d.day) || (p[10] != ' ' && p[10] != '\t'))
    return -1;
  p = skip_ws(p + 10);
  static const struct {
    const char *word;
    enum wt_kind kind;
  } kinds[] = {{"holiday", WT_HOLIDAY}, {"half", WT_HALF}, {"workday", WT_WORKDAY}};
  size_t wl = 0;
  while (p[wl] && p[wl] != ' ' && p[wl] != '\t')
    wl++;
  for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
    if (strlen(kinds[i].word) == wl && !memcmp(p, kinds[i].word, wl))
      d.kind = (uint8_t)kinds[i].kind;
  if (!d.kind || !p[wl])
    return -1;
  p = skip_ws(p + wl);
  if (d.kind == WT_HALF) {
    d.half_from = WT_ARIFE_FROM;
    if (*p >= '0' && *p <= '9') {
      int m = clock_at(&p);
      if (m <= 0 || m >= 24 * 60 || (*p != ' ' && *p != '\t'))
        return -1;
      d.half_from = (int16_t)m;
      p = skip_ws(p);
    }
  }
  size_t len = strlen(p);
  while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\n' || p[len - 1] == '\r'))
    len--;
  if (!len || len > WT_NAME_MAX || len >= namelen || tr_text_check(p, len, false))
    return -1;
  memcpy(name, p, len);
  name[len] = '\0';
  *out = d;
  return 0;
}

/* ---- Turkish official holidays --------------------------------------------- */

/* The first day of each religious bayram, from the Diyanet İşleri
 * Başkanlığı's published calendar of religious days (dini günler takvimi,
 * hicri takvim), which fixes the months by the astronomical criteria of
 * the 2016 Istanbul international Hijri calendar congress; checked
 * against the Gregorian intervals (354/355 days between bayrams of a
 * kind, 67-69 days from Ramazan to Kurban Bayramı). 2024-2026 are as
 * officially announced; later years are Diyanet's computed dates and can
 * be corrected by an administrator on the calendar page (the stored
 * calendar, not this table, is what the SLAs use). In 2033 Ramazan
 * Bayramı falls twice (1 Şevval 1454 and 1455). */
static const struct {
  int16_t y;
  int8_t m, d;
  bool kurban; /* 4 days; Ramazan Bayramı 3 */
} bayrams[] = {
    {2024, 4, 10, false}, {2024, 6, 16, true},  {2025, 3, 30, false}, {2025, 6, 6, true},
    {2026, 3, 20, false}, {2026, 5, 27, true},  {2027, 3, 9, false},  {2027, 5, 16, true},
    {2028, 2, 26, false}, {2028, 5, 5, true},   {2029, 2, 14, false}, {2029, 4, 24, true},
    {2030, 2, 4, false},  {2030, 4, 13, true},  {2031, 1, 24, false}, {2031, 4, 2, true},
    {2032, 1, 14, false}, {2032, 3, 22, true},  {2033, 1, 2, false},  {2033, 3, 11, true},
    {2033, 12, 23, false}, {2034, 3, 1, true},  {2034, 12, 12, false}, {2035, 2, 18, true},
    {2035, 12, 1, false},
};

/* The fixed days (Law 2429 as amended; 15 July since 2017). */
static const struct {
  int8_t m, d;
  bool half;
  const char *name;
} fixed[] = {
    {1, 1, false, "Yılbaşı"},
    {4, 23, false, "Ulusal Egemenlik ve Çocuk Bayramı"},
    {5, 1, false, "Emek ve Dayanışma Günü"},
    {5, 19, false, "Atatürk'ü Anma, Gençlik ve Spor Bayramı"},
    {7, 15, false, "Demokrasi ve Millî Birlik Günü"},
    {8, 30, false, "Zafer Bayramı"},
    {10, 28, true, "Cumhuriyet Bayramı arifesi"},
    {10, 29, false, "Cumhuriyet Bayramı"},
};

struct builtin_entry {
  int32_t day;
  bool half;
  char name[WT_NAME_MAX + 1];
};

static void builtin_add(struct builtin_entry *e, size_t *n, size_t max, int32_t day, bool half, const char *name)
{
  for (size_t i = 0; i < *n; i++) {
    if (e[i].day != day)
      continue;
    if (half)
      return; /* a holiday already, or a second arife: keep the first */
    if (e[i].half) {
      e[i].half = false;
      snprintf(e[i].name, sizeof e[i].name, "%s", name);
    } else {
      size_t l = strlen(e[i].name);
      snprintf(e[i].name + l, sizeof e[i].name - l, " / %s", name);
    }
    return;
  }
  if (*n == max)
    return;
  e[*n].day = day;
  e[*n].half = half;
  snprintf(e[*n].name, sizeof e[*n].name, "%s", name);
  (*n)++;
}

static int builtin_cmp(const void *a, const void *b)
{
  int32_t x = ((const struct builtin_entry *)a)->day, y = ((const struct builtin_entry *)b)->day;
  return (x > y) - (x < y);
}

void wt_tr_builtin(int year, void (*fn)(int y, int m, int d, int kind, int half_from_min, const char *name, void *u),
                   void *u)
{
  struct builtin_entry e[48];
  size_t n = 0;
  if (year < 1900 || year > 9999)
    return;
  int32_t first = wt_date_to_day(year, 1, 1), last = wt_date_to_day(year, 12, 31);
  for (size_t i = 0; i < ARRAY_LEN(fixed); i++)
    builtin_add(e, &n, ARRAY_LEN(e), wt_date_to_day(year, fixed[i].m, fixed[i].d), fixed[i].half, fixed[i].name);
  for (size_t i = 0; i < ARRAY_LEN(bayrams); i++) {
    int32_t d0 = wt_date_to_day(bayrams[i].y, bayrams[i].m, bayrams[i].d);
    const char *what = bayrams[i].kurban ? "Kurban Bayramı" : "Ramazan Bayramı";
    int ndays = bayrams[i].kurban ? 4 : 3;
    char name[64];
    for (int k = -1; k < ndays; k++) {
      int32_t day = d0 + k;
      if (day < first || day > last)
        continue;
      if (k < 0)
        snprintf(name, sizeof name, "%s arifesi", what);
      else
        snprintf(name, sizeof name, "%s %d. gün", what, k + 1);
      builtin_add(e, &n, ARRAY_LEN(e), day, k < 0, name);
    }
  }
  qsort(e, n, sizeof e[0], builtin_cmp);
  for (size_t i = 0; i < n; i++) {
    int y, m, d;
    wt_day_to_date(e[i].day, &y, &m, &d);
    fn(y, m, d, e[i].half ? WT_HALF : WT_HOLIDAY, e[i].half ? WT_ARIFE_FROM : 0, e[i].name, u);
  }
}
