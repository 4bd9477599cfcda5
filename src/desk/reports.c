/* reports.c - service desk figures: counts by period, unit, category or
 * technician; mean time to first response and to resolution; SLA
 * compliance; satisfaction. The same rows feed the API, the report page
 * (with its charts), the XLSX and CSV exports, the coverage report's
 * figures for `desk` duties and the dashboard cards. */
#include "desk_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/page.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

enum { REPORT_ROWS = 1000, EXPORT_MAX = 32 * 1024 * 1024 };

/* Group keys: each a literal SQL expression pair (key, label). */
#define BY_COLUMNS(key, label) "SELECT " key ", " label ", "
#define REPORT_AGG                                                                                               \
  "COUNT(*), SUM(t.resolved_at IS NOT NULL), SUM(t.status < 4),"                                                 \
  " AVG(t.first_response_at - t.created_at), AVG(t.resolved_at - t.created_at),"                                 \
  " SUM(t.resolved_at IS NOT NULL AND t.resolve_breached = 0), AVG(t.rating), COUNT(t.rating)"                   \
  " FROM desk_tickets t JOIN units tu ON tu.id = t.unit_id LEFT JOIN desk_categories c ON c.id = t.category_id"  \
  " LEFT JOIN users au ON au.id = t.assignee_id"                                                                 \
  " WHERE t.created_at >= ? AND t.created_at < ? AND (? = 0 OR t.unit_id = ?)"                                   \
  " AND EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"                        \
  "  AND rp.perm = 'desk.reports' JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"                       \
  "  AND substr(tu.path, 1, length(gu.path)) = gu.path)"                                                         \
  " GROUP BY 1, 2 ORDER BY 1 LIMIT 1000"
#define LOCAL_TIME "t.created_at + 10800, 'unixepoch'"

static const struct {
  const char *by;
  const char *sql;
} groupings[] = {
    {"unit", BY_COLUMNS("tu.code", "tu.name") REPORT_AGG},
    {"category", BY_COLUMNS("COALESCE(c.code, '-')", "COALESCE(c.name, '-')") REPORT_AGG},
    {"technician", BY_COLUMNS("COALESCE(au.username, '-')", "COALESCE(au.display_name, '-')") REPORT_AGG},
    {"day", BY_COLUMNS("strftime('%Y-%m-%d', " LOCAL_TIME ")", "strftime('%d.%m.%Y', " LOCAL_TIME ")") REPORT_AGG},
    {"week", BY_COLUMNS("strftime('%Y-W%W', " LOCAL_TIME ")", "strftime('%Y-W%W', " LOCAL_TIME ")") REPORT_AGG},
    {"month", BY_COLUMNS("strftime('%Y-%m', " LOCAL_TIME ")", "strftime('%m.%Y', " LOCAL_TIME ")") REPORT_AGG},
    {"year", BY_COLUMNS("strftime('%Y', " LOCAL_TIME ")", "strftime('%Y', " LOCAL_TIME ")") REPORT_AGG},
};

struct report_row {
  const char *key, *label;
  int64_t created, resolved, open, in_sla, ratings;
  double response_min, resolve_min, rating; /* < 0: none */
};

struct report {
  const char *by;
  char from[11], to[11];
  struct report_row *rows;
  size_t n;
  struct report_row total;
};

/* ?from=&to= (default: the last 30 days), ?by= (default month), ?unit=. */
static int report_params(request *r, db *d, struct report *rep, int64_t *from, int64_t *to, int64_t *unit,
                         const char **sql)
{
  json_t *fields = json_object();
  const char *by = req_query(r, "by");
  rep->by = by && *by ? by : "month";
  *sql = NULL;
  for (size_t i = 0; i < ARRAY_LEN(groupings); i++)
    if (str_eq(rep->by, groupings[i].by))
      *sql = groupings[i].sql;
  if (!*sql)
    json_object_set_new(fields, "by",
                        json_string(_("Group by unit, category, technician, day, week, month or year.")));
  int64_t now = now_unix();
  char buf_from[32], buf_to[32];
  fmt_iso8601(now + 10800 - 30 * 86400, buf_from);
  fmt_iso8601(now + 10800 + 86400, buf_to);
  buf_from[10] = buf_to[10] = 0;
  const char *f = req_query(r, "from"), *t = req_query(r, "to");
  if (f && *f && tr_date_parse(f, rep->from))
    json_object_set_new(fields, "from", json_string(_("Write a date as YYYY-MM-DD.")));
  else if (!f || !*f)
    snprintf(rep->from, sizeof rep->from, "%.10s", buf_from);
  if (t && *t && tr_date_parse(t, rep->to))
    json_object_set_new(fields, "to", json_string(_("Write a date as YYYY-MM-DD.")));
  else if (!t || !*t)
    snprintf(rep->to, sizeof rep->to, "%.10s", buf_to);
  *unit = 0;
  const char *u = req_query(r, "unit");
  if (u && *u && db_int(d, unit, "SELECT id FROM units WHERE code = ?", "t", u) != DB_ROW)
    json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
  if (!json_object_size(fields)) {
    if (parse_iso8601(rep->from, from) || parse_iso8601(rep->to, to) || *to <= *from)
      json_object_set_new(fields, "to", json_string(_("The end of the period must come after its start.")));
    *from -= 10800; /* Istanbul midnight */
    *to -= 10800;
  }
  if (json_object_size(fields)) {
    desk_invalid(r, fields);
    return 1;
  }
  json_decref(fields);
  return 0;
}

static int report_build(request *r, struct report *rep)
{
  db *d = db_thread();
  memset(rep, 0, sizeof *rep);
  int64_t from, to, unit;
  const char *sql;
  if (report_params(r, d, rep, &from, &to, &unit, &sql))
    return 1;
  rep->rows = arena_alloc(r->a, sizeof *rep->rows * REPORT_ROWS);
  db_stmt *st = db_q(d, sql, "iiiii", from, to, unit, unit, r->user->id);
  double resp_sum = 0, res_sum = 0, rating_sum = 0;
  int64_t resp_n = 0, res_n = 0;
  int rc;
  while ((rc = db_step(st)) == DB_ROW && rep->n < REPORT_ROWS) {
    struct report_row *w = &rep->rows[rep->n++];
    w->key = arena_strdup(r->a, db_col_text(st, 0));
    w->label = arena_strdup(r->a, db_col_text(st, 1));
    w->created = db_col_int(st, 2);
    w->resolved = db_col_int(st, 3);
    w->open = db_col_int(st, 4);
    w->response_min = db_col_null(st, 5) ? -1 : db_col_double(st, 5) / 60.0;
    w->resolve_min = db_col_null(st, 6) ? -1 : db_col_double(st, 6) / 60.0;
    w->in_sla = db_col_int(st, 7);
    w->rating = db_col_null(st, 8) ? -1 : db_col_double(st, 8);
    w->ratings = db_col_int(st, 9);
    rep->total.created += w->created;
    rep->total.resolved += w->resolved;
    rep->total.open += w->open;
    rep->total.in_sla += w->in_sla;
    rep->total.ratings += w->ratings;
    if (w->response_min >= 0) {
      resp_sum += w->response_min * (double)w->created;
      resp_n += w->created;
    }
    if (w->resolve_min >= 0) {
      res_sum += w->resolve_min * (double)w->resolved;
      res_n += w->resolved;
    }
    if (w->rating >= 0)
      rating_sum += w->rating * (double)w->ratings;
  }
  db_done(st);
  rep->total.key = "total";
  rep->total.label = _("Total");
  rep->total.response_min = resp_n ? resp_sum / (double)resp_n : -1;
  rep->total.resolve_min = res_n ? res_sum / (double)res_n : -1;
  rep->total.rating = rep->total.ratings ? rating_sum / (double)rep->total.ratings : -1;
  return rc < 0 ? -1 : 0;
}

static double sla_pct(const struct report_row *w)
{
  return w->resolved ? 100.0 * (double)w->in_sla / (double)w->resolved : -1;
}

static json_t *num_or_null(double v, int decimals)
{
  if (v < 0)
    return json_null();
  double scale = decimals == 0 ? 1 : decimals == 1 ? 10 : 100;
  return json_real((double)(int64_t)(v * scale + 0.5) / scale);
}

static json_t *row_json(const struct report_row *w)
{
  json_t *o = json_pack("{sssssIsIsIsI}", "key", w->key, "label", w->label, "created", (json_int_t)w->created,
                        "resolved", (json_int_t)w->resolved, "open", (json_int_t)w->open, "ratings",
                        (json_int_t)w->ratings);
  json_object_set_new(o, "mean_response_minutes", num_or_null(w->response_min, 1));
  json_object_set_new(o, "mean_resolve_minutes", num_or_null(w->resolve_min, 1));
  json_object_set_new(o, "sla_compliance_pct", num_or_null(sla_pct(w), 1));
  json_object_set_new(o, "satisfaction", num_or_null(w->rating, 2));
  return o;
}

int desk_api_report(request *r)
{
  struct report rep;
  int rc = report_build(r, &rep);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *rows = json_array();
  for (size_t i = 0; i < rep.n; i++)
    json_array_append_new(rows, row_json(&rep.rows[i]));
  return http_json(r, 200, json_pack("{sssssssoso}", "by", rep.by, "from", rep.from, "to", rep.to, "rows", rows,
                                     "total", row_json(&rep.total)));
}

/* ---- exports ---------------------------------------------------------------- */

static const char *const headers[] = {
    N_("Group"), N_("Created"), N_("Resolved"), N_("Open"), N_("Mean response (min)"), N_("Mean resolution (min)"),
    N_("SLA compliance %"), N_("Satisfaction (1-5)"), N_("Ratings")};

static int write_xlsx(const char *path, void *u)
{
  const struct report *rep = u;
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return -1;
  lxw_worksheet *ws = workbook_add_worksheet(wb, _("Service desk"));
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  char title[128];
  snprintf(title, sizeof title, "%s %s - %s", _("Service desk report"), rep->from, rep->to);
  worksheet_write_string(ws, 0, 0, title, bold);
  for (int c = 0; c < (int)ARRAY_LEN(headers); c++)
    worksheet_write_string(ws, 2, (lxw_col_t)c, _(headers[c]), bold);
  worksheet_set_column(ws, 0, 0, 36, NULL);
  worksheet_set_column(ws, 1, 8, 16, NULL);
  for (size_t i = 0; i <= rep->n; i++) {
    const struct report_row *w = i < rep->n ? &rep->rows[i] : &rep->total;
    lxw_row_t row = (lxw_row_t)(3 + i);
    lxw_format *f = i < rep->n ? NULL : bold;
    worksheet_write_string(ws, row, 0, w->label, f);
    worksheet_write_number(ws, row, 1, (double)w->created, f);
    worksheet_write_number(ws, row, 2, (double)w->resolved, f);
    worksheet_write_number(ws, row, 3, (double)w->open, f);
    double v[] = {w->response_min, w->resolve_min, sla_pct(w), w->rating};
    for (int k = 0; k < 4; k++)
      if (v[k] >= 0)
        worksheet_write_number(ws, row, (lxw_col_t)(4 + k), (double)(int64_t)(v[k] * 10 + 0.5) / 10, f);
    worksheet_write_number(ws, row, 8, (double)w->ratings, f);
  }
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

static void csv_field(buf *b, const char *s)
{
  buf_puts(b, "\"");
  for (; s && *s; s++) {
    if (*s == '"')
      buf_puts(b, "\"\"");
    else
      buf_append(b, s, 1);
  }
  buf_puts(b, "\"");
}

static void csv_num(buf *b, double v)
{
  if (v >= 0)
    buf_printf(b, ";%.1f", v);
  else
    buf_puts(b, ";");
}

int desk_api_report_export(request *r)
{
  const char *format = req_query(r, "format");
  if (!format || (!str_eq(format, "xlsx") && !str_eq(format, "csv")))
    return desk_invalid(r, json_pack("{ss}", "format", _("Choose xlsx or csv.")));
  struct report rep;
  int rc = report_build(r, &rep);
  if (rc)
    return rc < 0 ? -1 : 0;
  buf out;
  buf_init(&out, EXPORT_MAX);
  if (str_eq(format, "csv")) {
    /* Semicolons and a BOM: what Excel with Turkish settings opens as is. */
    buf_puts(&out, "\xEF\xBB\xBF");
    for (size_t c = 0; c < ARRAY_LEN(headers); c++) {
      if (c)
        buf_puts(&out, ";");
      csv_field(&out, _(headers[c]));
    }
    buf_puts(&out, "\r\n");
    for (size_t i = 0; i <= rep.n; i++) {
      const struct report_row *w = i < rep.n ? &rep.rows[i] : &rep.total;
      csv_field(&out, w->label);
      buf_printf(&out, ";%lld;%lld;%lld", (long long)w->created, (long long)w->resolved, (long long)w->open);
      csv_num(&out, w->response_min);
      csv_num(&out, w->resolve_min);
      csv_num(&out, sla_pct(w));
      csv_num(&out, w->rating);
      buf_printf(&out, ";%lld\r\n", (long long)w->ratings);
    }
  } else if (files_render_tmp(write_xlsx, &rep, &out)) {
    log_error("desk report workbook not written", "%s", "");
    buf_free(&out);
    return -1;
  }
  struct actor who = audit_actor(r);
  db *d = db_thread();
  json_t *after = json_pack("{ssssssss}", "format", format, "by", rep.by, "from", rep.from, "to", rep.to);
  rc = audit_write(d, &who, "export", "desk_report", format, 0, NULL, after);
  json_decref(after);
  if (rc) {
    buf_free(&out);
    return -1;
  }
  http_header(r, "Content-Disposition", arena_printf(r->a, "attachment; filename=\"hizmet-masasi-%s-%s.%s\"",
                                                     rep.from, rep.to, format));
  http_text(r, 200,
            str_eq(format, "csv") ? "text/csv; charset=utf-8"
                                  : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            out.data ? out.data : "", out.len);
  buf_free(&out);
  return 0;
}

/* ---- the report page ----------------------------------------------------------- */

/* Bars of created and resolved tickets per group, as inline SVG. */
static void chart(html *h, const struct report *rep)
{
  int64_t max = 1;
  for (size_t i = 0; i < rep->n; i++)
    if (rep->rows[i].created > max)
      max = rep->rows[i].created;
  size_t n = rep->n > 40 ? 40 : rep->n;
  int width = (int)n * 36 + 40;
  H(h, "<figure class=\"chart\"><svg role=\"img\" viewBox=\"0 0 ");
  h_int(h, width);
  H(h, " 180\" width=\"");
  h_int(h, width);
  H(h, "\" height=\"180\"><title>");
  h_txt(h, _("Created and resolved tickets"));
  H(h, "</title>");
  for (size_t i = 0; i < n; i++) {
    const struct report_row *w = &rep->rows[i];
    int x = 30 + (int)i * 36;
    int hc = (int)(140 * w->created / max), hr = (int)(140 * w->resolved / max);
    H(h, "<rect class=\"bar-created\" x=\"");
    h_int(h, x);
    H(h, "\" y=\"");
    h_int(h, 150 - hc);
    H(h, "\" width=\"14\" height=\"");
    h_int(h, hc);
    H(h, "\"><title>");
    h_txt(h, w->label);
    H(h, ": ");
    h_int(h, w->created);
    H(h, "</title></rect><rect class=\"bar-resolved\" x=\"");
    h_int(h, x + 15);
    H(h, "\" y=\"");
    h_int(h, 150 - hr);
    H(h, "\" width=\"14\" height=\"");
    h_int(h, hr);
    H(h, "\"></rect><text x=\"");
    h_int(h, x);
    H(h, "\" y=\"170\" font-size=\"9\">");
    h_txt(h, w->key && strlen(w->key) > 7 ? w->key + strlen(w->key) - 7 : w->key);
    H(h, "</text>");
  }
  H(h, "</svg><figcaption><span class=\"key-created\">■</span> ");
  h_txt(h, _("Created"));
  H(h, " <span class=\"key-resolved\">■</span> ");
  h_txt(h, _("Resolved"));
  H(h, "</figcaption></figure>");
}

static void cell_num(html *h, double v, const char *suffix)
{
  H(h, "<td class=\"num\">");
  if (v >= 0) {
    char s[32];
    snprintf(s, sizeof s, "%.1f%s", v, suffix);
    h_txt(h, s);
  } else {
    H(h, "–");
  }
  H(h, "</td>");
}

int desk_page_reports(request *r)
{
  struct report rep;
  int rc = report_build(r, &rep);
  if (rc)
    return rc < 0 ? -1 : 0;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Service desk reports"), "/desk/reports");
  H(&h, "<h1>");
  h_txt(&h, _("Service desk reports"));
  H(&h, "</h1><form method=\"get\" class=\"filters\">");
  h_label(&h, "from", _("From"));
  H(&h, "<input type=\"date\" id=\"from\" name=\"from\" value=\"");
  h_attr(&h, rep.from);
  H(&h, "\">");
  h_label(&h, "to", _("To"));
  H(&h, "<input type=\"date\" id=\"to\" name=\"to\" value=\"");
  h_attr(&h, rep.to);
  H(&h, "\">");
  h_label(&h, "by", _("Group by"));
  H(&h, "<select id=\"by\" name=\"by\">");
  const char *bys[] = {"unit", "category", "technician", "day", "week", "month", "year"};
  const char *by_labels[] = {N_("Unit"), N_("Category"), N_("Technician"), N_("Day"), N_("Week"), N_("Month"), N_("Year")};
  for (size_t i = 0; i < ARRAY_LEN(bys); i++)
    h_option(&h, bys[i], _(by_labels[i]), str_eq(rep.by, bys[i]));
  H(&h, "</select> <button type=\"submit\">");
  h_txt(&h, _("Show"));
  H(&h, "</button></form>");
  H(&h, "<p class=\"stats\">");
  page_stat_card(&h, _("Created"), rep.total.created, "#desk-report");
  page_stat_card(&h, _("Resolved"), rep.total.resolved, "#desk-report");
  page_stat_card(&h, _("Open"), rep.total.open, "#desk-report");
  page_stat_card(&h, _("Ratings"), rep.total.ratings, "#desk-report");
  H(&h, "</p>");
  chart(&h, &rep);
  H(&h, "<table class=\"list\" id=\"desk-report\"><thead><tr>");
  for (size_t c = 0; c < ARRAY_LEN(headers); c++) {
    H(&h, "<th>");
    h_txt(&h, _(headers[c]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  for (size_t i = 0; i <= rep.n; i++) {
    const struct report_row *w = i < rep.n ? &rep.rows[i] : &rep.total;
    if (i < rep.n)
      H(&h, "<tr><td>");
    else
      H(&h, "<tr class=\"total\"><td>");
    h_txt(&h, w->label);
    H(&h, "</td><td class=\"num\">");
    h_int(&h, w->created);
    H(&h, "</td><td class=\"num\">");
    h_int(&h, w->resolved);
    H(&h, "</td><td class=\"num\">");
    h_int(&h, w->open);
    H(&h, "</td>");
    cell_num(&h, w->response_min, "");
    cell_num(&h, w->resolve_min, "");
    cell_num(&h, sla_pct(w), " %");
    cell_num(&h, w->rating, "");
    H(&h, "<td class=\"num\">");
    h_int(&h, w->ratings);
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table><p>");
  const char *fmts[] = {"xlsx", "csv"};
  for (int i = 0; i < 2; i++) {
    H(&h, "<a class=\"button\" href=\"/api/v1/desk/reports/export?format=");
    h_url(&h, fmts[i]);
    H(&h, "&amp;by=");
    h_url(&h, rep.by);
    H(&h, "&amp;from=");
    h_url(&h, rep.from);
    H(&h, "&amp;to=");
    h_url(&h, rep.to);
    H(&h, "\">");
    h_txt(&h, i == 0 ? _("Download XLSX") : _("Download CSV"));
    H(&h, "</a> ");
  }
  H(&h, "</p>");
  page_end(r, &h);
  return http_html(r, 200, &h);
}

/* ---- coverage and dashboard ------------------------------------------------------- */

json_t *desk_figures(db *d, const struct figure_query *q)
{
  if (!q || !str_eq(q->capability, "desk"))
    return NULL;
  json_t *out = NULL;
  /* The tickets of the categories routed by this duty, else of its unit. */
  db_stmt *st = db_q(d,
                     "SELECT COUNT(*), SUM(resolved_at IS NOT NULL), SUM(resolved_at IS NOT NULL AND"
                     " resolve_breached = 0), AVG(rating) FROM desk_tickets WHERE created_at >= ? AND created_at < ?"
                     " AND (category_id IN (SELECT id FROM desk_categories WHERE duty_id = ?)"
                     "  OR (NOT EXISTS (SELECT 1 FROM desk_categories WHERE duty_id = ?) AND unit_id = ?))",
                     "iiiii", q->from, q->to, q->duty_id, q->duty_id, q->unit_id);
  if (db_step(st) == DB_ROW) {
    int64_t n = db_col_int(st, 0), resolved = db_col_int(st, 1), in_sla = db_col_int(st, 2);
    out = json_pack("{sIsI}", "tickets", (json_int_t)n, "resolved", (json_int_t)resolved);
    json_object_set_new(out, "sla_pct", resolved ? json_integer(100 * in_sla / resolved) : json_null());
    json_object_set_new(out, "satisfaction",
                        db_col_null(st, 3) ? json_null() : json_real((double)(int)(db_col_double(st, 3) * 10) / 10));
  }
  db_done(st);
  return out;
}

void desk_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "desk.report"))
    return;
  db *d = db_thread();
  int64_t me = r->user->id, n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM desk_tickets WHERE requester_id = ? AND status < 4", "i", me) == DB_ROW)
    page_stat_card(h, _("My open requests"), n, "/desk/my");
  if (rbac_has(me, "desk.work")) {
    if (db_int(d, &n, "SELECT COUNT(*) FROM desk_tickets WHERE assignee_id = ? AND status < 4", "i", me) == DB_ROW)
      page_stat_card(h, _("Tickets assigned to me"), n, "/desk?view=mine&status=open");
    if (db_int(d, &n,
               "SELECT COUNT(*) FROM desk_tickets t JOIN units tu ON tu.id = t.unit_id WHERE t.status = 0 AND"
               " EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role AND"
               " rp.perm = 'desk.work' JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
               " AND substr(tu.path, 1, length(gu.path)) = gu.path)",
               "i", me) == DB_ROW)
      page_stat_card(h, _("New tickets waiting"), n, "/desk?status=yeni");
  }
}
