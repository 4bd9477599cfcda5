/* fuzz_worktime.c - the working-time parsers of src/core/worktime.c. The
 * first line is an hours spec, every further line an exception line. An
 * accepted spec must format to a canonical spec that reads back to the
 * same week, with sorted, disjoint spans inside the day; a rejected one
 * must leave the calendar alone. An accepted line must give a valid
 * exception with a clean, bounded name. The resulting calendar then goes
 * through wt_add / wt_between, which must invert each other. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/tr.h"
#include "../src/core/worktime.h"

static void check_week(const struct wt_calendar *c)
{
  for (int w = 0; w < 7; w++) {
    if (c->nspans[w] > WT_MAX_SPANS)
      abort();
    for (int i = 0; i < c->nspans[w]; i++) {
      const struct wt_span *s = &c->week[w][i];
      if (s->from < 0 || s->to > 24 * 60 || s->from >= s->to)
        abort();
      if (i && c->week[w][i - 1].to > s->from)
        abort();
    }
  }
}

static void check_hours(const char *spec, struct wt_calendar *c)
{
  struct wt_span week[7][WT_MAX_SPANS];
  uint8_t nspans[7];
  memcpy(week, c->week, sizeof week);
  memcpy(nspans, c->nspans, sizeof nspans);
  if (wt_hours_parse(spec, c)) {
    if (memcmp(week, c->week, sizeof week) || memcmp(nspans, c->nspans, sizeof nspans))
      abort();
    return;
  }
  check_week(c);
  char out[WT_SPEC_MAX * 2];
  if (wt_hours_format(c, out, sizeof out))
    abort();
  struct wt_calendar again;
  wt_calendar_init(&again);
  if (strlen(out) <= WT_SPEC_MAX) {
    if (wt_hours_parse(out, &again) || memcmp(again.nspans, c->nspans, sizeof c->nspans))
      abort();
    for (int w = 0; w < 7; w++)
      if (memcmp(again.week[w], c->week[w], c->nspans[w] * sizeof c->week[w][0]))
        abort();
  }
}

static void check_line(const char *line, struct wt_calendar *c)
{
  struct wt_day d;
  char name[WT_NAME_MAX + 1];
  int rc = wt_day_parse_line(line, &d, name, sizeof name);
  if (rc == 1 || rc == -1)
    return;
  if (rc != 0)
    abort();
  size_t n = strlen(name);
  if (!n || n > WT_NAME_MAX || tr_text_check(name, n, false) || name[0] == ' ' || name[n - 1] == ' ')
    abort();
  if (d.kind != WT_HOLIDAY && d.kind != WT_HALF && d.kind != WT_WORKDAY)
    abort();
  if (d.kind == WT_HALF ? (d.half_from <= 0 || d.half_from >= 24 * 60) : d.half_from != 0)
    abort();
  int y, m, dd;
  wt_day_to_date(d.day, &y, &m, &dd);
  if (y < 1900 || y > 9999 || wt_date_to_day(y, m, dd) != d.day)
    abort();
  if (wt_day_set(c, &d) || !wt_day_get(c, d.day))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = malloc(size + 1);
  if (!text)
    abort();
  memcpy(text, data, size);
  text[size] = '\0';
  struct wt_calendar c;
  wt_calendar_init(&c);
  char *line = text, *nl = strchr(line, '\n');
  if (nl)
    *nl = '\0';
  check_hours(line, &c);
  while (nl) {
    line = nl + 1;
    nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    check_line(line, &c);
  }
  for (size_t i = 1; i < c.ndays; i++)
    if (c.days[i - 1].day >= c.days[i].day)
      abort();
  /* the arithmetic on what was parsed: a few instants from the input */
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 1099511628211ull;
  int64_t base = (int64_t)wt_date_to_day(2026, 1, 1) * 86400;
  if (c.ndays)
    base = (int64_t)c.days[h % c.ndays].day * 86400 - 5 * 86400;
  for (int k = 0; k < 4; k++) {
    int64_t a = base + (int64_t)(h % (20 * 86400));
    int64_t s = (int64_t)((h >> 20) % (300 * 3600));
    int64_t end = wt_add(&c, a, s);
    if (end != WT_NEVER && (end < a || wt_between(&c, a, end) != s))
      abort();
    h = h * 6364136223846793005ull + 1442695040888963407ull;
  }
  wt_calendar_free(&c);
  free(text);
  return 0;
}
