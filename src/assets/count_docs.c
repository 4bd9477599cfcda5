/* count_docs.c - the documents of a count (TMY 2024 md. 32, 34): the
 * Taşınır Sayım ve Döküm Cetveli (XLSX and PDF), one row per taşınır
 * kodu with the quantity by the records, the quantity found, Fazla,
 * Noksan and the quantity carried to next year (which equals the counted
 * quantity), and the Sayım Tutanağı that the kurul signs. Before the
 * count is finalised they show the provisional results. */
#include "assets.h"
#include "assets_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/tr.h"
#include "../core/jsonx.h"
#include "../core/pdf.h"
#include "../core/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

enum { DOC_MAX_BYTES = 32 * 1024 * 1024, NCOL = 9 };

#define FOUND_SQL "(CASE WHEN l.kind = 'records' THEN 1 WHEN l.found2 IS NULL THEN l.found1 ELSE l.found2 END)"

struct cetvel_row {
  const char *code, *name;
  int64_t records, found, fazla, noksan, value_kurus;
};

struct cetvel {
  json_t *count; /* assets_count_json without lines */
  struct cetvel_row *rows;
  size_t n;
  struct cetvel_row total;
};

static const char *lira(arena *a, int64_t k)
{
  char s[32];
  tr_money_format(k, ',', s);
  return arena_strdup(a, s);
}

/* The rows grouped by taşınır kodu (lines without one under "-"). */
static int cetvel_load(request *r, int64_t id, struct cetvel *c)
{
  db *d = db_thread();
  memset(c, 0, sizeof *c);
  c->count = assets_count_json(d, id, false);
  if (!c->count)
    return -1;
  db_stmt *st = db_q(d,
                     "SELECT COALESCE(l.code, '-'), MIN(a.type), MIN(l.name), SUM(l.kind IN ('expected', 'records')),"
                     " SUM(" FOUND_SQL "), SUM(l.kind IN ('unexpected', 'unregistered') AND " FOUND_SQL " = 1),"
                     " SUM(l.kind = 'expected' AND " FOUND_SQL " = 0),"
                     " SUM(CASE WHEN " FOUND_SQL " = 1 THEN COALESCE(l.value_kurus, a.value_kurus, 0) ELSE 0 END)"
                     " FROM asset_count_lines l LEFT JOIN assets a ON a.id = l.asset_id WHERE l.count_id = ?"
                     " GROUP BY COALESCE(l.code, '-') ORDER BY 1 LIMIT 10000",
                     "i", id);
  if (!st)
    return -1;
  size_t cap = 16;
  c->rows = arena_alloc(r->a, cap * sizeof *c->rows);
  while (db_step(st) == DB_ROW) {
    if (c->n == cap) {
      struct cetvel_row *bigger = arena_alloc(r->a, 2 * cap * sizeof *bigger);
      memcpy(bigger, c->rows, cap * sizeof *bigger);
      c->rows = bigger;
      cap *= 2;
    }
    struct cetvel_row *w = &c->rows[c->n++];
    w->code = arena_strdup(r->a, db_col_text(st, 0));
    const char *type = db_col_text(st, 1);
    w->name = arena_strdup(r->a, type ? assets_type_label(type) : db_col_text(st, 2));
    w->records = db_col_int(st, 3);
    w->found = db_col_int(st, 4);
    w->fazla = db_col_int(st, 5);
    w->noksan = db_col_int(st, 6);
    w->value_kurus = db_col_int(st, 7);
    c->total.records += w->records;
    c->total.found += w->found;
    c->total.fazla += w->fazla;
    c->total.noksan += w->noksan;
    c->total.value_kurus += w->value_kurus;
  }
  db_done(st);
  return 0;
}

static const char *const heads[NCOL] = {
    N_("Taşınır kodu"),       N_("Item name"), N_("Unit of measure"), N_("Quantity by the records"),
    N_("Found at the count"), N_("Fazla"),     N_("Noksan"),          N_("Carried to next year"),
    N_("Value (TL)")};

/* The cells of a row (carried to next year = found). */
static void cells(arena *a, const struct cetvel_row *w, const char *c[NCOL])
{
  c[0] = w->code;
  c[1] = w->name;
  c[2] = _("Piece");
  c[3] = arena_printf(a, "%lld", (long long)w->records);
  c[4] = arena_printf(a, "%lld", (long long)w->found);
  c[5] = arena_printf(a, "%lld", (long long)w->fazla);
  c[6] = arena_printf(a, "%lld", (long long)w->noksan);
  c[7] = arena_printf(a, "%lld", (long long)w->found);
  c[8] = lira(a, w->value_kurus);
}

static const char *scope_text(arena *a, json_t *count)
{
  json_t *s = json_object_get(count, "scope"), *u = json_object_get(s, "unit");
  buf b;
  buf_init(&b, 4096);
  if (json_is_object(u))
    buf_printf(&b, "%s %s", jsonx_str(u, "code") ? jsonx_str(u, "code") : "",
               jsonx_str(u, "name") ? jsonx_str(u, "name") : "");
  const char *parts[] = {jsonx_str(s, "building"), jsonx_str(s, "floor"), jsonx_str(s, "room")};
  for (size_t i = 0; i < 3; i++)
    if (parts[i])
      buf_printf(&b, "%s%s", b.len ? " · " : "", parts[i]);
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(s, "spaces"), i, x)
      buf_printf(&b, "%s%s", b.len ? " · " : "", json_string_value(x));
  const char *out = arena_strdup(a, b.len ? buf_cstr(&b) : "-");
  buf_free(&b);
  return out;
}

static const char *reason_text(json_t *count)
{
  return str_eq(jsonx_str(count, "reason"), "emir") ? _("Ordered (emir)") : _("Year end (yıl sonu)");
}

static const char *tr_date(arena *a, const char *iso)
{
  if (!iso || strlen(iso) < 10)
    return "-";
  return arena_printf(a, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

static const char *role_text(const char *role)
{
  if (str_eq(role, "baskan"))
    return _("Chair");
  if (str_eq(role, "kayit_yetkilisi"))
    return _("Kayıt yetkilisi");
  return _("Member");
}

/* ---- XLSX ---------------------------------------------------------------------------------- */

struct xlsx_ctx {
  request *r;
  struct cetvel *c;
};

static int write_xlsx(const char *path, void *u)
{
  struct xlsx_ctx *x = u;
  arena *a = x->r->a;
  struct cetvel *c = x->c;
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return -1;
  lxw_worksheet *ws = workbook_add_worksheet(wb, _("Döküm Cetveli"));
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  worksheet_write_string(ws, 0, 0, _("Taşınır Sayım ve Döküm Cetveli"), bold);
  worksheet_write_string(ws, 1, 0,
                         arena_printf(a, "%s · %s: %s · %s: %lld", jsonx_str(c->count, "title"), _("Date"),
                                      tr_date(a, jsonx_str(c->count, "date")), _("Year"),
                                      (long long)jsonx_int(c->count, "year", 0)),
                         NULL);
  worksheet_write_string(ws, 2, 0, arena_printf(a, "%s: %s", _("Counted"), scope_text(a, c->count)), NULL);
  for (int k = 0; k < NCOL; k++)
    worksheet_write_string(ws, 4, (lxw_col_t)k, _(heads[k]), bold);
  worksheet_set_column(ws, 0, 0, 16, NULL);
  worksheet_set_column(ws, 1, 1, 30, NULL);
  worksheet_set_column(ws, 2, 8, 14, NULL);
  for (size_t i = 0; i <= c->n; i++) {
    const struct cetvel_row *w = i < c->n ? &c->rows[i] : &c->total;
    lxw_row_t row = (lxw_row_t)(5 + i);
    lxw_format *f = i < c->n ? NULL : bold;
    worksheet_write_string(ws, row, 0, i < c->n ? w->code : _("Total"), f);
    worksheet_write_string(ws, row, 1, i < c->n ? w->name : "", f);
    worksheet_write_string(ws, row, 2, _("Piece"), f);
    const int64_t nums[] = {w->records, w->found, w->fazla, w->noksan, w->found};
    for (int k = 0; k < 5; k++)
      worksheet_write_number(ws, row, (lxw_col_t)(3 + k), (double)nums[k], f);
    worksheet_write_number(ws, row, 8, (double)w->value_kurus / 100.0, f);
  }
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int assets_api_count_cetvel_xlsx(request *r)
{
  struct assets_count ac;
  if (assets_count_from_route(r, &ac))
    return 0;
  struct cetvel c;
  int rc = cetvel_load(r, ac.id, &c);
  buf out;
  buf_init(&out, DOC_MAX_BYTES);
  struct xlsx_ctx x = {r, &c};
  if (!rc)
    rc = files_render_tmp(write_xlsx, &x, &out);
  json_decref(c.count);
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"sayim-dokum-cetveli-%lld.xlsx\"", (long long)ac.id));
    http_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.data ? out.data : "",
              out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

/* ---- PDF ---------------------------------------------------------------------------------- */

static int send_pdf(request *r, pdf_doc *doc, const char *filename)
{
  buf out;
  buf_init(&out, DOC_MAX_BYTES);
  int rc = pdf_render(doc, &out);
  if (!rc) {
    http_header(r, "Content-Disposition", arena_printf(r->a, "inline; filename=\"%s\"", filename));
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

static void pdf_head(request *r, pdf_doc *doc, const char *title, json_t *count)
{
  arena *m = r->a;
  const char *institution = settings_get(db_thread(), m, "institution");
  pdf_text(doc, PDF_TITLE, title, 4);
  pdf_text(doc, PDF_BOLD, institution && *institution ? institution : "-", 2);
  pdf_text(doc, PDF_BODY,
           arena_printf(m, "%s: %s · %s: %s · %s: %lld", _("Count"), jsonx_str(count, "title"), _("Date"),
                        tr_date(m, jsonx_str(count, "date")), _("Year"), (long long)jsonx_int(count, "year", 0)),
           2);
  pdf_text(doc, PDF_BODY,
           arena_printf(m, "%s: %s · %s: %s%s%s", _("Counted"), scope_text(m, count), _("Reason"), reason_text(count),
                        jsonx_str(count, "order_ref") ? " · " : "",
                        jsonx_str(count, "order_ref") ? jsonx_str(count, "order_ref") : ""),
           2);
  pdf_text(doc, PDF_BODY, arena_printf(m, "%s: %s", _("State"), jsonx_str(count, "state_label")), 10);
}

/* The kurul's names, titles and signature lines. */
static void pdf_kurul(request *r, pdf_doc *doc, json_t *count)
{
  arena *m = r->a;
  pdf_text(doc, PDF_BOLD, _("Count kurul"), 4);
  static const double w[] = {0.32, 0.28, 0.18, 0.22};
  const char **head = arena_alloc(m, 4 * sizeof *head);
  head[0] = _("Name");
  head[1] = _("Job title");
  head[2] = _("Role");
  head[3] = _("Signature");
  pdf_table(doc, 4, w, head);
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(count, "kurul"), i, k)
  {
    const char **row = arena_alloc(m, 4 * sizeof *row);
    row[0] = arena_strdup(m, jsonx_str(k, "name"));
    row[1] = arena_strdup(m, jsonx_str(k, "title") ? jsonx_str(k, "title") : "-");
    row[2] = role_text(jsonx_str(k, "role"));
    row[3] = "\n\n";
    pdf_row(doc, row, false);
  }
}

int assets_api_count_cetvel_pdf(request *r)
{
  struct assets_count ac;
  if (assets_count_from_route(r, &ac))
    return 0;
  struct cetvel c;
  if (cetvel_load(r, ac.id, &c)) {
    json_decref(c.count);
    return -1;
  }
  arena *m = r->a;
  const char *title = _("Taşınır Sayım ve Döküm Cetveli");
  pdf_doc *doc = pdf_new(m, title, arena_printf(m, "defter · %s %lld", title, (long long)ac.id));
  pdf_head(r, doc, title, c.count);
  static const double w[NCOL] = {0.13, 0.2, 0.08, 0.1, 0.1, 0.08, 0.08, 0.1, 0.13};
  const char **head = arena_alloc(m, NCOL * sizeof *head);
  for (int k = 0; k < NCOL; k++)
    head[k] = _(heads[k]);
  pdf_table(doc, NCOL, w, head);
  for (size_t i = 0; i <= c.n; i++) {
    const char **row = arena_alloc(m, NCOL * sizeof *row);
    cells(m, i < c.n ? &c.rows[i] : &c.total, row);
    if (i == c.n) {
      row[0] = _("Total");
      row[1] = "";
    }
    pdf_row(doc, row, false);
  }
  pdf_text(doc, PDF_SMALL, _("Carried to next year equals the quantity found at the count (TMY md. 34)."), 12);
  pdf_kurul(r, doc, c.count);
  int rc = send_pdf(r, doc, arena_printf(m, "sayim-dokum-cetveli-%lld.pdf", (long long)ac.id));
  json_decref(c.count);
  return rc;
}

/* A table of the lines with one difference (fazla / noksan). */
static int diff_table(request *r, pdf_doc *doc, int64_t id, const char *which, const char *heading)
{
  arena *m = r->a;
  db_stmt *st = db_q(db_thread(),
                     "SELECT COALESCE(a.sicil_no, l.scan_code, '-'), COALESCE(l.code, '-'), l.name, l.value_kurus"
                     " FROM asset_count_lines l LEFT JOIN assets a ON a.id = l.asset_id WHERE l.count_id = ?"
                     " AND (CASE WHEN l.kind = 'expected' AND (CASE WHEN l.found2 IS NULL THEN l.found1 ELSE l.found2"
                     " END) = 0 THEN 'noksan' WHEN l.kind IN ('unexpected', 'unregistered') AND (CASE WHEN l.found2"
                     " IS NULL THEN l.found1 ELSE l.found2 END) = 1 THEN 'fazla' END) = ? ORDER BY l.id LIMIT 10000",
                     "it", id, which);
  if (!st)
    return -1;
  pdf_text(doc, PDF_BOLD, heading, 4);
  static const double w[] = {0.28, 0.18, 0.38, 0.16};
  const char **head = arena_alloc(m, 4 * sizeof *head);
  head[0] = _("Sicil no / code");
  head[1] = _("Taşınır kodu");
  head[2] = _("Item name");
  head[3] = _("Value (TL)");
  int n = 0;
  while (db_step(st) == DB_ROW) {
    if (!n++)
      pdf_table(doc, 4, w, head);
    const char **row = arena_alloc(m, 4 * sizeof *row);
    row[0] = arena_strdup(m, db_col_text(st, 0));
    row[1] = arena_strdup(m, db_col_text(st, 1));
    row[2] = arena_strdup(m, db_col_text(st, 2));
    row[3] = db_col_null(st, 3) ? "-" : lira(m, db_col_int(st, 3));
    pdf_row(doc, row, false);
  }
  db_done(st);
  if (!n)
    pdf_text(doc, PDF_BODY, _("None."), 8);
  else
    pdf_text(doc, PDF_BODY, " ", 8);
  return 0;
}

int assets_api_count_tutanak_pdf(request *r)
{
  struct assets_count ac;
  if (assets_count_from_route(r, &ac))
    return 0;
  db *d = db_thread();
  json_t *count = assets_count_json(d, ac.id, false);
  if (!count)
    return -1;
  arena *m = r->a;
  const char *title = _("Sayım Tutanağı");
  pdf_doc *doc = pdf_new(m, title, arena_printf(m, "defter · %s %lld", title, (long long)ac.id));
  pdf_head(r, doc, title, count);
  json_t *p = json_object_get(count, "progress");
  pdf_text(doc, PDF_BODY,
           arena_printf(m,
                        _("The kurul below counted the taşınırlar of the place above. By the records %lld items were "
                          "expected to be counted, %lld of them were found at the first pass; %lld items on Teslim "
                          "Belgeleri were taken from the records. Differences were recounted. Result: %lld Fazla, "
                          "%lld Noksan."),
                        (long long)jsonx_int(p, "expected", 0), (long long)jsonx_int(p, "found", 0),
                        (long long)jsonx_int(p, "records", 0), (long long)jsonx_int(p, "fazla", 0),
                        (long long)jsonx_int(p, "noksan", 0)),
           10);
  int rc = diff_table(r, doc, ac.id, "fazla", _("Fazla (found, not in the records)"));
  if (!rc)
    rc = diff_table(r, doc, ac.id, "noksan", _("Noksan (in the records, not found)"));
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(count, "vifs"), i, v)
  {
    pdf_text(doc, PDF_BODY,
             arena_printf(m, "%s %s (%s) · %s", _("Varlık İşlem Fişi"), jsonx_str(v, "number"),
                          str_eq(jsonx_str(v, "kind"), "giris") ? _("entry") : _("exit"),
                          tr_date(m, jsonx_str(v, "date"))),
             2);
  }
  pdf_text(doc, PDF_BODY, " ", 10);
  pdf_kurul(r, doc, count);
  if (!rc)
    rc = send_pdf(r, doc, arena_printf(m, "sayim-tutanagi-%lld.pdf", (long long)ac.id));
  json_decref(count);
  return rc;
}
