/* coverage.c - the duty coverage report (DESIGN §3, docs/coverage.md):
 * every duty of the regulation with its unit, its capabilities and
 * whether each is implemented, live figures from the modules that serve
 * them for a period, and the totals served / task_only / repealed. One
 * builder feeds the API, the page and the XLSX and PDF exports. */
#include "org.h"
#include "org_int.h"
#include "../core/tr.h"
#include "../core/capability.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/module.h"
#include "../core/page.h"
#include "../core/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int org_coverage_period(request *r, char from[11], char to[11])
{
  char today[11];
  org_today(today);
  snprintf(from, 11, "%.4s-01-01", today);
  snprintf(to, 11, "%.4s-12-31", today);
  const char *f = req_query(r, "from"), *t = req_query(r, "to");
  json_t *errors = json_object();
  if (f && *f && tr_date_parse(f, from))
    json_object_set_new(errors, "from", json_string(_("Dates must look like 2026-01-31.")));
  if (t && *t && tr_date_parse(t, to))
    json_object_set_new(errors, "to", json_string(_("Dates must look like 2026-01-31.")));
  if (!json_object_size(errors) && strcmp(to, from) < 0)
    json_object_set_new(errors, "to", json_string(_("The end date is before the start date.")));
  if (json_object_size(errors)) {
    http_error(r, 400, "validation", _("Some fields are invalid."), errors);
    return -1;
  }
  json_decref(errors);
  return 0;
}

/* The start of an Istanbul day (UTC+3) as unix seconds. */
static int64_t day_start(const char *date)
{
  int64_t t = 0;
  if (parse_iso8601(date, &t))
    return 0;
  return t - 3 * 3600;
}

static bool module_serves(const struct defter_module *m, const char *cap)
{
  for (const char *const *c = m->capabilities; c && *c; c++)
    if (str_eq(*c, cap))
      return true;
  return false;
}

/* Adds the figures every module serving capability cap reports for dt. */
static void ask_modules(db *d, const struct org_cov_duty *dt, const char *cap, int64_t from, int64_t to,
                        json_t *figs)
{
  struct figure_query q = {
      .capability = cap,
      .duty_id = dt->id,
      .duty_ref = dt->ref,
      .unit_id = dt->unit_id,
      .from = from,
      .to = to,
  };
  for (size_t m = 0; m < defter_nmodules; m++) {
    const struct defter_module *mod = defter_modules[m];
    if (!mod->figures || !module_serves(mod, cap))
      continue;
    json_t *got = mod->figures(d, &q);
    if (!json_is_object(got)) {
      json_decref(got);
      continue;
    }
    json_t *slot = json_object_get(figs, cap);
    if (!slot) {
      slot = json_object();
      json_object_set_new(figs, cap, slot);
    }
    json_object_update(slot, got);
    json_decref(got);
  }
}

/* Asks every module that serves one of the duty's capabilities; every duty
 * in force is also tracked through generic tasks (DESIGN §3), so the task
 * figures are asked for even when the preset names other capabilities. */
static json_t *duty_figures(db *d, const struct org_cov_duty *dt, int64_t from, int64_t to)
{
  json_t *figs = json_object();
  bool task_asked = false;
  for (size_t i = 0; i < dt->ncaps; i++) {
    if (!dt->caps[i].implemented)
      continue;
    ask_modules(d, dt, dt->caps[i].key, from, to, figs);
    task_asked |= str_eq(dt->caps[i].key, "task");
  }
  if (!task_asked && !dt->repealed)
    ask_modules(d, dt, "task", from, to, figs);
  return figs;
}

int org_coverage_build(request *r, const char *from, const char *to, struct org_coverage *c)
{
  db *d = db_thread();
  memset(c, 0, sizeof *c);
  snprintf(c->from, sizeof c->from, "%s", from);
  snprintf(c->to, sizeof c->to, "%s", to);
  c->preset = settings_get(d, r->a, "preset");
  c->institution = settings_get(d, r->a, "institution");
  c->department = settings_get(d, r->a, "department");
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM org_duties", "") != DB_ROW)
    return DB_ERR;
  c->duties = arena_alloc(r->a, (size_t)(n ? n : 1) * sizeof *c->duties);
  db_stmt *st = db_q(d,
                     "SELECT dt.id, dt.unit_id, dt.ref, u.code, u.name, p.code, p.title, dt.text, dt.repealed"
                     " FROM org_duties dt JOIN units u ON u.id = dt.unit_id"
                     " LEFT JOIN org_positions p ON p.id = dt.position_id"
                     " WHERE EXISTS (SELECT 1 FROM effective_grants g"
                     "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'coverage.read'"
                     "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                     "  AND substr(u.path, 1, length(gu.path)) = gu.path)"
                     " ORDER BY dt.sort, dt.id",
                     "i", r->user->id);
  int rc;
  while ((rc = db_step(st)) == DB_ROW && c->nduties < (size_t)n) {
    struct org_cov_duty *dt = &c->duties[c->nduties++];
    memset(dt, 0, sizeof *dt);
    dt->id = db_col_int(st, 0);
    dt->unit_id = db_col_int(st, 1);
    dt->ref = arena_strdup(r->a, db_col_text(st, 2));
    dt->unit = arena_strdup(r->a, db_col_text(st, 3));
    dt->unit_name = arena_strdup(r->a, db_col_text(st, 4));
    dt->position = arena_strdup(r->a, db_col_text(st, 5));
    dt->position_title = arena_strdup(r->a, db_col_text(st, 6));
    dt->text = arena_strdup(r->a, db_col_text(st, 7));
    dt->repealed = db_col_int(st, 8) != 0;
  }
  db_done(st);
  if (rc < 0)
    return rc;
  int64_t tfrom = day_start(c->from), tto = day_start(c->to) + 86400;
  for (size_t i = 0; i < c->nduties; i++) {
    struct org_cov_duty *dt = &c->duties[i];
    size_t cap = 8;
    dt->caps = arena_alloc(r->a, cap * sizeof *dt->caps);
    st = db_q(d, "SELECT capability FROM org_duty_caps WHERE duty_id = ? ORDER BY capability", "i", dt->id);
    while ((rc = db_step(st)) == DB_ROW) {
      if (dt->ncaps == cap) {
        struct org_cov_cap *more = arena_alloc(r->a, 2 * cap * sizeof *more);
        memcpy(more, dt->caps, cap * sizeof *more);
        dt->caps = more;
        cap *= 2;
      }
      const char *k = arena_strdup(r->a, db_col_text(st, 0));
      dt->caps[dt->ncaps].key = k;
      dt->caps[dt->ncaps].implemented = capability_implemented(k);
      dt->ncaps++;
    }
    db_done(st);
    if (rc < 0)
      return rc;
    bool served = false;
    for (size_t k = 0; k < dt->ncaps; k++)
      if (dt->caps[k].implemented && !str_eq(dt->caps[k].key, "task"))
        served = true;
    if (dt->repealed) {
      dt->status = ORG_COV_REPEALED;
      c->repealed++;
    } else if (served) {
      dt->status = ORG_COV_SERVED;
      c->served++;
    } else {
      dt->status = ORG_COV_TASK_ONLY;
      c->task_only++;
    }
    dt->figures = duty_figures(d, dt, tfrom, tto);
  }
  return 0;
}

void org_coverage_free(struct org_coverage *c)
{
  for (size_t i = 0; i < c->nduties; i++) {
    json_decref(c->duties[i].figures);
    c->duties[i].figures = NULL;
  }
}

json_t *org_coverage_json(const struct org_coverage *c)
{
  json_t *duties = json_array();
  for (size_t i = 0; i < c->nduties; i++) {
    const struct org_cov_duty *dt = &c->duties[i];
    json_t *caps = json_array();
    for (size_t k = 0; k < dt->ncaps; k++)
      json_array_append_new(caps, json_pack("{sssb}", "key", dt->caps[k].key, "implemented", dt->caps[k].implemented));
    json_t *o = json_object();
    jsonx_set_str(o, "ref", dt->ref);
    jsonx_set_str(o, "unit", dt->unit);
    jsonx_set_str(o, "unit_name", dt->unit_name);
    jsonx_set_str(o, "position", dt->position);
    jsonx_set_str(o, "text", dt->text);
    json_object_set_new(o, "repealed", json_boolean(dt->repealed));
    json_object_set_new(o, "capabilities", caps);
    json_object_set(o, "figures", dt->figures);
    json_array_append_new(duties, o);
  }
  json_t *out = json_object();
  jsonx_set_str(out, "preset", c->preset);
  json_object_set_new(out, "period", json_pack("{ssss}", "from", c->from, "to", c->to));
  json_object_set_new(out, "duties", duties);
  json_object_set_new(out, "totals",
                      json_pack("{sIsIsIsI}", "duties", (json_int_t)c->nduties, "served", (json_int_t)c->served,
                                "task_only", (json_int_t)c->task_only, "repealed", (json_int_t)c->repealed));
  return out;
}

const char *org_cov_status_label(enum org_cov_status s)
{
  switch (s) {
  case ORG_COV_SERVED: return _("Served");
  case ORG_COV_TASK_ONLY: return _("Task only");
  case ORG_COV_REPEALED: return _("Repealed");
  }
  return "";
}

const char *org_cov_caps_text(arena *a, const struct org_cov_duty *dt)
{
  buf b;
  buf_init(&b, 0);
  for (size_t k = 0; k < dt->ncaps; k++)
    buf_printf(&b, "%s%s (%s)", k ? ", " : "", dt->caps[k].key,
               dt->caps[k].implemented ? _("implemented") : _("planned"));
  const char *s = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return s;
}

static void figure_value(buf *b, json_t *v)
{
  if (json_is_integer(v))
    buf_printf(b, "%lld", (long long)json_integer_value(v));
  else if (json_is_real(v))
    buf_printf(b, "%.1f", json_real_value(v));
  else if (json_is_string(v))
    buf_puts(b, json_string_value(v));
  else if (json_is_boolean(v))
    buf_puts(b, json_is_true(v) ? _("yes") : _("no"));
  else {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    buf_puts(b, s ? s : "");
    free(s);
  }
}

/* Figure names that modules report, for translation (msgids). */
static const char *const figure_names[] = {N_("tasks"), N_("completed"), N_("open"), N_("overdue")};

const char *org_cov_figures_text(arena *a, const struct org_cov_duty *dt)
{
  (void)figure_names;
  buf b;
  buf_init(&b, 0);
  const char *cap;
  json_t *obj;
  bool first_cap = true;
  json_object_foreach(dt->figures, cap, obj) {
    buf_printf(&b, "%s%s:", first_cap ? "" : "; ", cap);
    first_cap = false;
    const char *k;
    json_t *v;
    bool first = true;
    json_object_foreach(obj, k, v) {
      buf_printf(&b, "%s %s ", first ? "" : ",", _(k));
      figure_value(&b, v);
      first = false;
    }
  }
  const char *s = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return s;
}

int org_coverage_audit_export(request *r, const struct org_coverage *c, const char *format)
{
  struct actor who = audit_actor(r);
  json_t *after =
      json_pack("{sssssssI}", "format", format, "from", c->from, "to", c->to, "duties", (json_int_t)c->nduties);
  int rc = audit_write(db_thread(), &who, "export", "coverage", format, 0, NULL, after);
  json_decref(after);
  return rc;
}

int org_api_coverage(request *r)
{
  char from[11], to[11];
  if (org_coverage_period(r, from, to))
    return 0;
  struct org_coverage c;
  if (org_coverage_build(r, from, to, &c)) {
    org_coverage_free(&c);
    return -1;
  }
  json_t *out = org_coverage_json(&c);
  org_coverage_free(&c);
  return http_json(r, 200, out);
}

/* ---- page ------------------------------------------------------------------ */

static void period_query(html *h, const struct org_coverage *c)
{
  H(h, "?from=");
  h_url(h, c->from);
  H(h, "&amp;to=");
  h_url(h, c->to);
}

static void duty_row(request *r, html *h, const struct org_cov_duty *dt)
{
  H(h, "<tr");
  if (dt->repealed)
    H(h, " class=\"repealed\"");
  H(h, " id=\"duty-");
  h_int(h, dt->id);
  H(h, "\" data-ref=\"");
  h_attr(h, dt->ref);
  H(h, "\"><td>");
  h_txt(h, dt->ref);
  H(h, "</td><td>");
  h_txt(h, dt->text);
  if (dt->position_title) {
    H(h, "<br><small class=\"muted\">");
    h_txt(h, dt->position_title);
    H(h, "</small>");
  }
  H(h, "</td><td class=\"caps\">");
  for (size_t k = 0; k < dt->ncaps; k++) {
    const struct capability_def *def = capability_find(dt->caps[k].key);
    if (k)
      H(h, "<br>");
    H(h, "<span class=\"cap\"");
    if (def) {
      H(h, " title=\"");
      h_attr(h, def->meaning);
      H(h, "\"");
    }
    H(h, "><code>");
    h_txt(h, dt->caps[k].key);
    H(h, "</code> ");
    if (dt->caps[k].implemented) {
      H(h, "<strong class=\"implemented\">");
      h_txt(h, _("implemented"));
      H(h, "</strong>");
    } else {
      H(h, "<span class=\"muted planned\">");
      h_txt(h, _("planned"));
      H(h, "</span>");
    }
    H(h, "</span>");
  }
  H(h, "</td><td class=\"figures\">");
  /* One element per value, so people read a label and scripts a number. */
  const char *cap;
  json_t *obj;
  json_object_foreach(dt->figures, cap, obj) {
    const char *k;
    json_t *v;
    H(h, "<ul class=\"figs\">");
    json_object_foreach(obj, k, v) {
      buf one;
      buf_init(&one, 256);
      figure_value(&one, v);
      H(h, "<li>");
      h_txt(h, _(k));
      H(h, ": <span data-capability=\"");
      h_attr(h, cap);
      H(h, "\" data-figure=\"");
      h_attr(h, k);
      H(h, "\">");
      h_txt(h, buf_cstr(&one));
      H(h, "</span></li>");
      buf_free(&one);
    }
    H(h, "</ul>");
  }
  H(h, "</td><td>");
  h_txt(h, org_cov_status_label(dt->status));
  H(h, "</td><td>");
  if (!dt->repealed) {
    H(h, "<a class=\"assign\" href=\"/tasks/new?duty=");
    h_int(h, dt->id);
    H(h, "\">");
    h_txt(h, _("Assign a task"));
    H(h, "</a>");
  }
  H(h, "</td></tr>");
}

int org_coverage_page(request *r)
{
  char from[11], to[11];
  if (org_coverage_period(r, from, to))
    return 0;
  struct org_coverage c;
  if (org_coverage_build(r, from, to, &c)) {
    org_coverage_free(&c);
    return -1;
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Duty coverage"), "/org/coverage");
  H(&h, "<form method=\"get\" action=\"/org/coverage\" class=\"filters\"><div>");
  H(&h, "<label for=\"from\">");
  h_txt(&h, _("From"));
  H(&h, "</label><input id=\"from\" name=\"from\" type=\"date\" value=\"");
  h_attr(&h, c.from);
  H(&h, "\"></div><div><label for=\"to\">");
  h_txt(&h, _("To"));
  H(&h, "</label><input id=\"to\" name=\"to\" type=\"date\" value=\"");
  h_attr(&h, c.to);
  H(&h, "\"></div><div><button type=\"submit\">");
  h_txt(&h, _("Show"));
  H(&h, "</button> <a class=\"button\" id=\"export-xlsx\" href=\"/api/v1/org/coverage.xlsx");
  period_query(&h, &c);
  H(&h, "\">XLSX</a> <a class=\"button\" id=\"export-pdf\" href=\"/api/v1/org/coverage.pdf");
  period_query(&h, &c);
  H(&h, "\">PDF</a></div></form>");

  H(&h, "<div class=\"stats\" id=\"coverage-totals\">");
  page_stat_card(&h, _("Duties"), (int64_t)c.nduties, "#coverage-units");
  page_stat_card(&h, _("Served by a module"), c.served, "#coverage-units");
  page_stat_card(&h, _("Tracked as tasks only"), c.task_only, "#coverage-units");
  page_stat_card(&h, _("Repealed"), c.repealed, "#coverage-units");
  H(&h, "</div><p class=\"hint\">");
  h_txt(&h, _("Served: at least one capability other than task is implemented. Task only: tracked through general "
              "tasks until its capabilities are implemented."));
  H(&h, "</p><div id=\"coverage-units\">");
  db_stmt *st = db_q(db_thread(), "SELECT id, code, name FROM units ORDER BY path", "");
  while (db_step(st) == DB_ROW) {
    int64_t uid = db_col_int(st, 0);
    size_t count = 0;
    for (size_t i = 0; i < c.nduties; i++)
      count += c.duties[i].unit_id == uid;
    if (!count)
      continue;
    H(&h, "<section class=\"card\" id=\"unit-");
    h_attr(&h, db_col_text(st, 1));
    H(&h, "\"><h2>");
    h_txt(&h, db_col_text(st, 2));
    H(&h, " <span class=\"muted\">");
    h_txt(&h, db_col_text(st, 1));
    H(&h, " · ");
    h_int(&h, (int64_t)count);
    H(&h, " ");
    h_txt(&h, _("duties"));
    H(&h, "</span></h2><table class=\"list\"><thead><tr>");
    static const char *const heads[] = {N_("Article"), N_("Duty"),   N_("Capabilities"),
                                        N_("Figures"), N_("Status"), N_("Action")};
    for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
      H(&h, "<th scope=\"col\">");
      h_txt(&h, _(heads[i]));
      H(&h, "</th>");
    }
    H(&h, "</tr></thead><tbody>");
    for (size_t i = 0; i < c.nduties; i++)
      if (c.duties[i].unit_id == uid)
        duty_row(r, &h, &c.duties[i]);
    H(&h, "</tbody></table></section>");
  }
  db_done(st);
  H(&h, "</div>");
  page_end(r, &h);
  org_coverage_free(&c);
  return http_html(r, 200, &h);
}
