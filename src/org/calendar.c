/* calendar.c - the institution's working-time calendar, which service
 * level targets are measured in (DESIGN §5): the weekly hours (setting
 * "calendar.hours") and the dated exceptions in calendar_days (official
 * holidays, arife half days, extra working days). The official Turkish
 * holidays are seeded per year from core's table when the data directory
 * is created, and the daily org.calendar job adds the years that come
 * into range; a year is seeded once (calendar_seeded), so a builtin day
 * an administrator removed or changed stays as the administrator left it.
 *
 * Other modules read the calendar through org_calendar_load; its copy is
 * cached per process and reloaded when the setting "calendar.version"
 * (a random token renewed in every change's transaction) differs. */
#include "org.h"
#include "org_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/page.h"
#include "../core/rbac.h"
#include "../core/schema.h"
#include "../core/tr.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOURS_KEY "calendar.hours"
#define VERSION_KEY "calendar.version"

/* Years seeded around the current one: last year .. five ahead. */
enum { SEED_BEFORE = 1, SEED_AHEAD = 5 };

static const struct {
  const char *key;
  enum wt_kind kind;
  const char *label; /* English msgid */
} kinds[] = {
    {"holiday", WT_HOLIDAY, N_("Holiday")},
    {"half", WT_HALF, N_("Half day")},
    {"workday", WT_WORKDAY, N_("Extra working day")},
};

static int kind_of(const char *key)
{
  for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
    if (str_eq(key, kinds[i].key))
      return kinds[i].kind;
  return 0;
}

static const char *kind_key(int kind)
{
  for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
    if ((int)kinds[i].kind == kind)
      return kinds[i].key;
  return NULL;
}

static const char *kind_label(const char *key)
{
  for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
    if (str_eq(key, kinds[i].key))
      return _(kinds[i].label);
  return key;
}

static int this_year(void)
{
  char today[11];
  org_today(today);
  return atoi(today);
}

/* "HH:MM" for minutes from midnight. */
static void fmt_clock(int min, char out[6])
{
  unsigned m = (unsigned)min % (24 * 60);
  snprintf(out, 6, "%02u:%02u", m / 60, m % 60);
}

/* "HH:MM" strictly, 00:01..23:59 (a half day that stops at midnight is a
 * holiday); -1 otherwise. */
static int parse_clock(const char *s)
{
  if (!s || strlen(s) != 5 || s[2] != ':')
    return -1;
  for (int i = 0; i < 5; i++)
    if (i != 2 && (s[i] < '0' || s[i] > '9'))
      return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59 || h * 60 + m == 0)
    return -1;
  return h * 60 + m;
}

/* A change's mark for the caches of every process on this store. */
static int bump_version(db *d)
{
  arena *a = arena_new();
  int rc = settings_set(d, VERSION_KEY, random_token(a, 12));
  arena_free(a);
  return rc;
}

/* ---- seeding ----------------------------------------------------------------- */

struct seed_ctx {
  db *d;
  int rc;
  int64_t added;
};

static void seed_one(int y, int m, int dd, int kind, int half_from, const char *name, void *u)
{
  struct seed_ctx *s = u;
  char day[11];
  int64_t one = 0;
  if (s->rc)
    return;
  snprintf(day, sizeof day, "%04d-%02d-%02d", y, m, dd);
  int q = db_int(s->d, &one, "SELECT 1 FROM calendar_days WHERE day = ?", "t", day);
  if (q < 0) {
    s->rc = q;
    return;
  }
  if (q == DB_ROW)
    return; /* the administrator's entry wins */
  s->rc = db_run(s->d,
                 "INSERT INTO calendar_days (day, kind, half_from, name, source) VALUES (?, ?, ?, ?, 'builtin')",
                 "ttIt", day, kind_key(kind), kind == WT_HALF ? (int64_t)half_from : (int64_t)0, name);
  if (!s->rc)
    s->added++;
}

/* Seeds one year unless it was seeded before; its own transaction. */
static int seed_year(db *d, const struct actor *who, int year)
{
  int64_t one = 0;
  int rc = db_begin(d);
  if (rc)
    return rc;
  int q = db_int(d, &one, "SELECT 1 FROM calendar_seeded WHERE year = ?", "i", (int64_t)year);
  if (q != DB_OK) {
    db_rollback(d);
    return q == DB_ROW ? 0 : q;
  }
  struct seed_ctx s = {.d = d};
  wt_tr_builtin(year, seed_one, &s);
  rc = s.rc;
  if (!rc)
    rc = db_run(d, "INSERT INTO calendar_seeded (year, seeded_at) VALUES (?, ?)", "ii", (int64_t)year, now_unix());
  if (!rc)
    rc = bump_version(d);
  if (!rc) {
    char id[8];
    snprintf(id, sizeof id, "%d", year);
    json_t *after = json_pack("{sisI}", "year", year, "added", (json_int_t)s.added);
    rc = audit_write(d, who, "seed", "calendar", id, rbac_root_unit(d), NULL, after);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return rc ? rc : DB_ERR;
  }
  return 0;
}

int org_calendar_seed(db *d, const struct actor *who)
{
  int year = this_year(), rc = 0;
  for (int y = year - SEED_BEFORE; !rc && y <= year + SEED_AHEAD; y++)
    rc = seed_year(d, who, y);
  return rc;
}

int org_job_calendar(db *d)
{
  struct actor who = audit_system("system");
  return org_calendar_seed(d, &who);
}

/* ---- loading ------------------------------------------------------------------ */

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wt_calendar cache;
static char cache_version[64];

static void read_version(db *d, char out[64])
{
  out[0] = '\0';
  db_stmt *st = db_q(d, "SELECT value FROM settings WHERE key = ?", "t", VERSION_KEY);
  if (db_step(st) == DB_ROW && db_col_text(st, 0))
    snprintf(out, 64, "%s", db_col_text(st, 0));
  db_done(st);
}

int org_calendar_load(db *d, struct wt_calendar *out)
{
  char version[64];
  wt_calendar_init(out);
  read_version(d, version);
  pthread_mutex_lock(&cache_mu);
  if (version[0] && str_eq(version, cache_version)) {
    wt_calendar_free(out);
    wt_calendar_copy(out, &cache);
    pthread_mutex_unlock(&cache_mu);
    return 0;
  }
  pthread_mutex_unlock(&cache_mu);

  arena *a = arena_new();
  const char *hours = settings_get(d, a, HOURS_KEY);
  if (wt_hours_parse(hours ? hours : WT_DEFAULT_HOURS, out)) {
    log_warn("calendar: stored hours unreadable, using the default", "hours=\"%s\"", hours);
    if (wt_hours_parse(WT_DEFAULT_HOURS, out))
      abort();
  }
  arena_free(a);
  db_stmt *st = db_q(d, "SELECT day, kind, half_from FROM calendar_days ORDER BY day", "");
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    struct wt_day e = {.kind = (uint8_t)kind_of(db_col_text(st, 1)), .half_from = (int16_t)db_col_int(st, 2)};
    if (wt_date_parse(db_col_text(st, 0), &e.day) || wt_day_set(out, &e))
      log_warn("calendar: day skipped", "day=\"%s\"", db_col_text(st, 0));
  }
  db_done(st);
  if (rc < 0) {
    wt_calendar_free(out);
    return rc;
  }
  if (version[0]) {
    pthread_mutex_lock(&cache_mu);
    wt_calendar_free(&cache);
    wt_calendar_copy(&cache, out);
    snprintf(cache_version, sizeof cache_version, "%s", version);
    pthread_mutex_unlock(&cache_mu);
  }
  return 0;
}

/* ---- shared by the API and the page ------------------------------------------ */

static const char *hours_text(db *d, arena *a)
{
  const char *h = settings_get(d, a, HOURS_KEY);
  return h ? h : WT_DEFAULT_HOURS;
}

static json_t *day_row_json(db_stmt *st)
{
  json_t *o = json_object();
  jsonx_set_str(o, "day", db_col_text(st, 0));
  jsonx_set_str(o, "kind", db_col_text(st, 1));
  if (db_col_null(st, 2)) {
    json_object_set_new(o, "half_from", json_null());
  } else {
    char c[6];
    fmt_clock((int)db_col_int(st, 2), c);
    json_object_set_new(o, "half_from", json_string(c));
  }
  jsonx_set_str(o, "name", db_col_text(st, 3));
  jsonx_set_str(o, "source", db_col_text(st, 4));
  return o;
}

#define DAY_SELECT "SELECT day, kind, half_from, name, source FROM calendar_days"

static json_t *day_json(db *d, const char *day)
{
  json_t *o = NULL;
  db_stmt *st = db_q(d, DAY_SELECT " WHERE day = ?", "t", day);
  if (db_step(st) == DB_ROW)
    o = day_row_json(st);
  db_done(st);
  return o;
}

/* The days of a year, or NULL on a store error. */
static json_t *year_days(db *d, int year)
{
  char from[11], to[11];
  snprintf(from, sizeof from, "%04d-01-01", year);
  snprintf(to, sizeof to, "%04d-12-31", year);
  json_t *days = json_array();
  db_stmt *st = db_q(d, DAY_SELECT " WHERE day >= ? AND day <= ? ORDER BY day", "tt", from, to);
  int rc;
  while ((rc = db_step(st)) == DB_ROW)
    json_array_append_new(days, day_row_json(st));
  db_done(st);
  if (rc < 0) {
    json_decref(days);
    return NULL;
  }
  return days;
}

/* ?year= (default: this year); -1 with errors filled when malformed. */
static int read_year(request *r, json_t *errors)
{
  const char *s = req_query(r, "year");
  int64_t y;
  if (!s || !*s)
    return this_year();
  if (parse_i64(s, &y) || y < 1900 || y > 9999) {
    json_object_set_new(errors, "year", json_string(_("Use a year such as 2026.")));
    return -1;
  }
  return (int)y;
}

/* The calendar is the institution's: changing it needs calendar.manage
 * on the root unit, not only on some unit. */
static bool may_manage(request *r)
{
  return rbac_can(r->user->id, "calendar.manage", rbac_root_unit(db_thread()));
}

static int write_done(db *d, int rc)
{
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

/* Validates and stores new weekly hours (canonical form into *saved).
 * Returns 0, 400 (errors filled), 403, or -1 on a store error. */
static int hours_save(request *r, const char *spec, json_t *errors, const char **saved)
{
  struct wt_calendar c;
  char canon[WT_SPEC_MAX * 2];
  wt_calendar_init(&c);
  if (!spec || wt_hours_parse(spec, &c) || wt_hours_format(&c, canon, sizeof canon) || strlen(canon) > WT_SPEC_MAX) {
    json_object_set_new(errors, "hours",
                        json_string(_("Write the hours like \"mon-fri 08:30-12:30,13:30-17:30\": day names "
                                      "mon..sun, times HH:MM, spans that do not overlap, at most 4 a day.")));
    return 400;
  }
  if (!may_manage(r))
    return 403;
  db *d = db_thread();
  int rc = db_begin(d);
  if (rc)
    return -1;
  json_t *before = json_pack("{ss}", "hours", hours_text(d, r->a));
  json_t *after = json_pack("{ss}", "hours", canon);
  rc = settings_set(d, HOURS_KEY, canon);
  if (!rc)
    rc = bump_version(d);
  if (!rc) {
    struct actor who = audit_actor(r);
    rc = audit_write(d, &who, "update", "calendar_hours", NULL, rbac_root_unit(d), before, after);
  }
  json_decref(before);
  json_decref(after);
  if (write_done(d, rc))
    return -1;
  *saved = arena_strdup(r->a, canon);
  return 0;
}

/* Validates and stores one exception day (created or replaced). Returns
 * 0 (*created set, *out the stored record for the caller), 400, 403, or
 * -1 on a store error. */
static int day_save(request *r, const char *day, const char *kind, const char *half_from, const char *name,
                    json_t *errors, bool *created, json_t **out)
{
  int32_t dn;
  int k = kind_of(kind), half = 0;
  if (wt_date_parse(day, &dn))
    json_object_set_new(errors, "day", json_string(_("Dates must look like 2026-01-31.")));
  if (!k)
    json_object_set_new(errors, "kind", json_string(_("Use holiday, half or workday.")));
  if (k == WT_HALF) {
    half = half_from && *half_from ? parse_clock(half_from) : WT_ARIFE_FROM;
    if (half < 0)
      json_object_set_new(errors, "half_from", json_string(_("Use a time between 00:01 and 23:59, such as 13:00.")));
  } else if (k && half_from && *half_from) {
    json_object_set_new(errors, "half_from", json_string(_("Only a half day has an end time.")));
  }
  const char *nm = NULL;
  if (name) {
    while (*name == ' ')
      name++;
    size_t n = strlen(name);
    while (n && name[n - 1] == ' ')
      n--;
    nm = arena_strndup(r->a, name, n);
  }
  if (!nm || !*nm)
    json_object_set_new(errors, "name", json_string(_("A name is required.")));
  else if (strlen(nm) > WT_NAME_MAX || tr_text_check(nm, strlen(nm), false))
    json_object_set_new(errors, "name", json_string(_("Invalid characters or too long (at most 200 bytes).")));
  if (json_object_size(errors))
    return 400;
  if (!may_manage(r))
    return 403;
  db *d = db_thread();
  int rc = db_begin(d);
  if (rc)
    return -1;
  json_t *before = day_json(d, day), *after = NULL;
  *created = before == NULL;
  if (before)
    rc = db_run(d, "UPDATE calendar_days SET kind = ?, half_from = ?, name = ?, source = 'admin' WHERE day = ?",
                "tItt", kind, (int64_t)half, nm, day);
  else
    rc = db_run(d, "INSERT INTO calendar_days (day, kind, half_from, name, source) VALUES (?, ?, ?, ?, 'admin')",
                "ttIt", day, kind, (int64_t)half, nm);
  if (!rc)
    rc = bump_version(d);
  if (!rc && !(after = day_json(d, day)))
    rc = DB_ERR;
  if (!rc) {
    struct actor who = audit_actor(r);
    rc = audit_write(d, &who, *created ? "create" : "update", "calendar_day", day, rbac_root_unit(d), before,
                     after);
  }
  json_decref(before);
  if (write_done(d, rc)) {
    json_decref(after);
    return -1;
  }
  *out = after;
  return 0;
}

/* Removes one exception day. Returns 0 (*out the removed record), 404,
 * 403, or -1 on a store error. */
static int day_delete(request *r, const char *day, json_t **out)
{
  int32_t dn;
  db *d = db_thread();
  json_t *before = wt_date_parse(day, &dn) ? NULL : day_json(d, day);
  if (!before)
    return 404;
  if (!may_manage(r)) {
    json_decref(before);
    return 403;
  }
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM calendar_days WHERE day = ?", "t", day);
  if (!rc)
    rc = bump_version(d);
  if (!rc) {
    struct actor who = audit_actor(r);
    rc = audit_write(d, &who, "delete", "calendar_day", day, rbac_root_unit(d), before, NULL);
  }
  if (write_done(d, rc)) {
    json_decref(before);
    return -1;
  }
  *out = before;
  return 0;
}

static int api_status(request *r, int st, json_t *errors)
{
  if (st == 400)
    return http_error(r, 400, "validation", _("Some fields are invalid."), errors);
  json_decref(errors);
  if (st == 403)
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  if (st == 404)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  return -1;
}

/* ---- API ---------------------------------------------------------------------- */

int org_api_calendar(request *r)
{
  json_t *errors = json_object();
  int year = read_year(r, errors);
  if (year < 0)
    return http_error(r, 400, "validation", _("Some fields are invalid."), errors);
  json_decref(errors);
  db *d = db_thread();
  json_t *days = year_days(d, year);
  if (!days)
    return -1;
  json_t *out = json_object();
  json_object_set_new(out, "year", json_integer(year));
  jsonx_set_str(out, "hours", hours_text(d, r->a));
  json_object_set_new(out, "days", days);
  return http_json(r, 200, out);
}

int org_api_calendar_hours(request *r)
{
  static const struct jfield fields[] = {{"hours", JT_STRING, true, WT_SPEC_MAX}};
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  json_t *errors = json_object();
  const char *saved = NULL;
  int st = hours_save(r, jsonx_str(in, "hours"), errors, &saved);
  json_decref(in);
  if (st)
    return api_status(r, st, errors);
  json_decref(errors);
  return http_json(r, 200, json_pack("{ss}", "hours", saved));
}

int org_api_calendar_day_put(request *r)
{
  static const struct jfield fields[] = {
      {"kind", JT_STRING, true, 16}, {"half_from", JT_ANY, false, 0}, {"name", JT_STRING, true, 1024}};
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  json_t *errors = json_object();
  json_t *hf = json_object_get(in, "half_from");
  const char *half = NULL;
  if (json_is_string(hf))
    half = json_string_value(hf);
  else if (hf && !json_is_null(hf))
    json_object_set_new(errors, "half_from", json_string(_("Use a time between 00:01 and 23:59, such as 13:00.")));
  bool created = false;
  json_t *out = NULL;
  int st = 400;
  if (!json_object_size(errors))
    st = day_save(r, req_param(r, "day"), jsonx_str(in, "kind"), half, jsonx_str(in, "name"), errors, &created,
                  &out);
  json_decref(in);
  if (st)
    return api_status(r, st, errors);
  json_decref(errors);
  return http_json(r, created ? 201 : 200, out);
}

int org_api_calendar_day_delete(request *r)
{
  json_t *out = NULL;
  int st = day_delete(r, req_param(r, "day"), &out);
  if (st)
    return api_status(r, st, json_object());
  return http_json(r, 200, out);
}

/* ---- the page ----------------------------------------------------------------- */

static void alert(html *h, int status, const char *msg, json_t *errors)
{
  H(h, "<div class=\"");
  h_attr(h, status >= 400 ? "alert" : "notice");
  H(h, "\" role=\"alert\" id=\"form-message\"><p>");
  h_txt(h, msg);
  H(h, "</p>");
  if (json_object_size(errors)) {
    H(h, "<ul>");
    const char *k;
    json_t *v;
    json_object_foreach(errors, k, v) {
      H(h, "<li><strong>");
      h_txt(h, k);
      H(h, "</strong>: ");
      h_txt(h, json_string_value(v));
      H(h, "</li>");
    }
    H(h, "</ul>");
  }
  H(h, "</div>");
}

static const char *const weekdays[] = {N_("Monday"), N_("Tuesday"),  N_("Wednesday"), N_("Thursday"),
                                       N_("Friday"), N_("Saturday"), N_("Sunday")};

static void year_link(html *h, int year, const char *text, const char *id)
{
  H(h, "<a id=\"");
  h_attr(h, id);
  H(h, "\" href=\"/calendar?year=");
  h_int(h, year);
  H(h, "\">");
  h_txt(h, text);
  H(h, "</a>");
}

/* The page for a year, with an optional message and the field errors of
 * the form that was just sent. */
static int calendar_render(request *r, int year, int status, const char *msg, json_t *errors)
{
  db *d = db_thread();
  json_t *days = year_days(d, year);
  if (!days)
    return -1;
  bool manage = may_manage(r);
  html h;
  html_init(&h);
  page_begin(r, &h, _("Calendar"), "/calendar");
  if (msg)
    alert(&h, status, msg, errors);
  H(&h, "<p class=\"lead\">");
  h_txt(&h, _("Working hours and holidays used for service level targets."));
  H(&h, "</p><nav class=\"pager\" aria-label=\"");
  h_attr(&h, _("Year"));
  H(&h, "\">");
  year_link(&h, year - 1, arena_printf(r->a, "« %d", year - 1), "year-prev");
  H(&h, " <strong id=\"calendar-year\">");
  h_int(&h, year);
  H(&h, "</strong> ");
  year_link(&h, year + 1, arena_printf(r->a, "%d »", year + 1), "year-next");
  H(&h, "</nav>");

  H(&h, "<section class=\"card\"><h2>");
  h_txt(&h, _("Working hours"));
  H(&h, "</h2><p><code id=\"calendar-hours\">");
  const char *hours = hours_text(d, r->a);
  h_txt(&h, hours);
  H(&h, "</code></p>");
  if (manage) {
    H(&h, "<form method=\"post\" action=\"/calendar/hours\" class=\"grid\" id=\"hours-form\">");
    page_csrf(r, &h);
    H(&h, "<input type=\"hidden\" name=\"year\" value=\"");
    h_int(&h, year);
    H(&h, "\">");
    h_label(&h, "f-hours", _("Working hours"));
    H(&h, "<input id=\"f-hours\" name=\"hours\" type=\"text\" maxlength=\"512\" value=\"");
    const char *posted = req_form(r, "hours");
    h_attr(&h, posted ? posted : hours);
    H(&h, "\"><span></span><p class=\"hint\">");
    h_txt(&h, _("Day names mon..sun, spans HH:MM-HH:MM separated by commas, groups by semicolons, e.g. "
                "\"mon-thu 08:00-17:00; fri 08:00-12:00\"."));
    H(&h, "</p><button type=\"submit\" class=\"primary\" id=\"hours-submit\">");
    h_txt(&h, _("Save"));
    H(&h, "</button></form>");
  }
  H(&h, "</section>");

  H(&h, "<table class=\"list\" id=\"calendar-days\"><thead><tr>");
  static const char *const heads[] = {N_("Date"),      N_("Day"),             N_("Kind"),
                                      N_("Work ends"), N_("Name of the day"), N_("Source")};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(&h, "<th scope=\"col\">");
    h_txt(&h, _(heads[i]));
    H(&h, "</th>");
  }
  if (manage)
    H(&h, "<th scope=\"col\"></th>");
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *it;
  json_array_foreach(days, i, it) {
    const char *day = jsonx_str(it, "day");
    int32_t dn = 0;
    if (wt_date_parse(day, &dn))
      continue;
    H(&h, "<tr id=\"day-");
    h_attr(&h, day);
    H(&h, "\"><td>");
    h_txt(&h, day);
    H(&h, "</td><td>");
    h_txt(&h, _(weekdays[wt_weekday(dn)]));
    H(&h, "</td><td>");
    h_txt(&h, kind_label(jsonx_str(it, "kind")));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_str(it, "half_from") ? jsonx_str(it, "half_from") : "—");
    H(&h, "</td><td>");
    h_txt(&h, jsonx_str(it, "name"));
    H(&h, "</td><td>");
    h_txt(&h, str_eq(jsonx_str(it, "source"), "builtin") ? _("Official") : _("Added here"));
    H(&h, "</td>");
    if (manage) {
      H(&h, "<td><form method=\"post\" action=\"/calendar/days/");
      h_attr(&h, day);
      H(&h, "/delete\">");
      page_csrf(r, &h);
      H(&h, "<button type=\"submit\" class=\"link\">");
      h_txt(&h, _("Remove"));
      H(&h, "</button></form></td>");
    }
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table>");
  if (!json_array_size(days)) {
    H(&h, "<p class=\"muted\" id=\"calendar-empty\">");
    h_txt(&h, _("No holidays or special days recorded for this year."));
    H(&h, "</p>");
  }
  json_decref(days);

  if (manage) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("Add or change a day"));
    H(&h, "</h2><form method=\"post\" action=\"/calendar/days\" class=\"grid\" id=\"day-form\">");
    page_csrf(r, &h);
    const char *pday = req_form(r, "day"), *pkind = req_form(r, "kind"), *phalf = req_form(r, "half_from"),
               *pname = req_form(r, "name");
    h_label(&h, "f-day", _("Date"));
    H(&h, "<input id=\"f-day\" name=\"day\" type=\"date\" required value=\"");
    h_attr(&h, pday ? pday : "");
    H(&h, "\">");
    h_label(&h, "f-kind", _("Kind"));
    H(&h, "<select id=\"f-kind\" name=\"kind\">");
    for (size_t k = 0; k < ARRAY_LEN(kinds); k++)
      h_option(&h, kinds[k].key, _(kinds[k].label), str_eq(pkind, kinds[k].key));
    H(&h, "</select>");
    h_label(&h, "f-half", _("Work ends (half day)"));
    H(&h, "<input id=\"f-half\" name=\"half_from\" type=\"time\" value=\"");
    h_attr(&h, phalf ? phalf : "13:00");
    H(&h, "\">");
    h_label(&h, "f-name", _("Name of the day"));
    H(&h, "<input id=\"f-name\" name=\"name\" type=\"text\" maxlength=\"200\" required value=\"");
    h_attr(&h, pname ? pname : "");
    H(&h, "\"><button type=\"submit\" class=\"primary\" id=\"day-submit\">");
    h_txt(&h, _("Save"));
    H(&h, "</button></form></section>");
  }
  page_end(r, &h);
  return http_html(r, status, &h);
}

int org_calendar_page(request *r)
{
  json_t *errors = json_object();
  int year = read_year(r, errors);
  int rc = year < 0 ? calendar_render(r, this_year(), 400, _("Some fields are invalid."), errors)
                    : calendar_render(r, year, 200, NULL, NULL);
  json_decref(errors);
  return rc;
}

/* After a form: back to the year of the change, or show what was wrong. */
static int form_done(request *r, int st, int year, json_t *errors)
{
  int rc;
  if (year < 1900 || year > 9999)
    year = this_year();
  if (st == 0)
    rc = http_redirect(r, arena_printf(r->a, "/calendar?year=%d", year));
  else if (st == 400)
    rc = calendar_render(r, year, 400, _("Some fields are invalid."), errors);
  else if (st == 403)
    rc = calendar_render(r, year, 403, _("You do not have permission for this."), NULL);
  else if (st == 404)
    rc = calendar_render(r, year, 404, _("The page or resource was not found."), NULL);
  else
    rc = -1;
  json_decref(errors);
  return rc;
}

int org_calendar_hours_form(request *r)
{
  json_t *errors = json_object();
  const char *saved = NULL;
  int st = hours_save(r, req_form(r, "hours"), errors, &saved);
  int64_t year = 0;
  if (parse_i64(req_form(r, "year"), &year))
    year = 0;
  return form_done(r, st, (int)(year > 9999 ? 0 : year), errors);
}

int org_calendar_day_form(request *r)
{
  json_t *errors = json_object(), *out = NULL;
  bool created = false;
  const char *day = req_form(r, "day");
  int st = day_save(r, day, req_form(r, "kind"), req_form(r, "half_from"), req_form(r, "name"), errors, &created,
                    &out);
  json_decref(out);
  return form_done(r, st, day ? atoi(day) : 0, errors);
}

int org_calendar_day_delete_form(request *r)
{
  json_t *out = NULL;
  const char *day = req_param(r, "day");
  int st = day_delete(r, day, &out);
  json_decref(out);
  return form_done(r, st, day ? atoi(day) : 0, json_object());
}
