/* report.c - the monthly consumption of consumables by unit: for a range
 * of months, what each unit took of each item (çıkış movements, less
 * their reversals), in quantities and in value (kuruş, the movements'
 * FIFO values), as JSON, as an XLSX workbook (libxlsxwriter: one sheet
 * of quantities, one of values, item × unit) and as a PDF list. */
#include "stock.h"
#include "stock_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/pdf.h"
#include "../core/rbac.h"

#include <xlsxwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REPORT_MAX = 32 * 1024 * 1024, MONTHS_MAX = 120, ROWS_MAX = 100000 };

struct period {
  int from_y, from_m, to_y, to_m;
  char from[24], to[24]; /* "YYYY-MM" */
  char lo[32], hi[32];   /* [lo, hi): "YYYY-MM-01" */
  int64_t depot;
};

static int parse_month(const char *s, int *y, int *m)
{
  if (!s || strlen(s) != 7 || s[4] != '-')
    return -1;
  for (int i = 0; i < 7; i++)
    if (i != 4 && (s[i] < '0' || s[i] > '9'))
      return -1;
  *y = atoi(s);
  *m = atoi(s + 5);
  return *y >= 2000 && *y <= 2999 && *m >= 1 && *m <= 12 ? 0 : -1;
}

/* from, to (YYYY-MM; default: this month) and depot from the query.
 * 0, or 1 after writing the 400. */
static int read_period(request *r, struct period *p)
{
  memset(p, 0, sizeof *p);
  json_t *fields = json_object();
  char iso[32];
  fmt_iso8601(now_unix() + 3 * 3600, iso);
  int y = atoi(iso), m = atoi(iso + 5);
  const char *v;
  p->from_y = p->to_y = y;
  p->from_m = p->to_m = m;
  if ((v = req_query(r, "from")) && *v && parse_month(v, &p->from_y, &p->from_m))
    jsonx_field_error(fields, "from", _("Write the month as YYYY-MM."));
  if ((v = req_query(r, "to")) && *v && parse_month(v, &p->to_y, &p->to_m))
    jsonx_field_error(fields, "to", _("Write the month as YYYY-MM."));
  int span = (p->to_y - p->from_y) * 12 + (p->to_m - p->from_m);
  if (!json_object_size(fields) && (span < 0 || span >= MONTHS_MAX))
    jsonx_field_error(fields, "to", _("The range runs forward from the first month, at most 120 months."));
  if ((v = req_query(r, "depot")) && *v) {
    db *d = db_thread();
    if (parse_i64(v, &p->depot) || !stock_can(r, "stock.read", stock_depot_unit(d, p->depot)))
      jsonx_field_error(fields, "depot", _("Unknown depot."));
  }
  if (json_object_size(fields)) {
    stock_invalid(r, fields);
    return 1;
  }
  json_decref(fields);
  snprintf(p->from, sizeof p->from, "%04d-%02d", p->from_y, p->from_m);
  snprintf(p->to, sizeof p->to, "%04d-%02d", p->to_y, p->to_m);
  snprintf(p->lo, sizeof p->lo, "%04d-%02d-01", p->from_y, p->from_m);
  int hy = p->to_m == 12 ? p->to_y + 1 : p->to_y, hm = p->to_m == 12 ? 1 : p->to_m + 1;
  snprintf(p->hi, sizeof p->hi, "%04d-%02d-01", hy, hm);
  return 0;
}

/* The report: {"from", "to", "units": [{id, code, name, qty,
 * value_kurus}], "items": [{id, code, name, uom, cells: {unit code:
 * {qty, value_kurus}}, qty, value_kurus}], "qty", "value_kurus"}. */
static json_t *consumption(request *r, const struct period *p)
{
  db *d = db_thread();
  bool global = rbac_can(r->user->id, "stock.read", rbac_root_unit(d));
  db_stmt *st = db_q(d,
                     "SELECT m.item_id, i.code, i.name, i.uom, u.id, u.code, u.name, -SUM(m.qty), -SUM(m.value_kurus)"
                     " FROM stock_movements m JOIN stock_items i ON i.id = m.item_id JOIN units u ON u.id = m.unit_id"
                     " JOIN stock_depots d ON d.id = m.depot_id"
                     " WHERE m.kind = 'cikis' AND m.on_date >= ? AND m.on_date < ? AND (? = 0 OR m.depot_id = ?)"
                     " AND (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ")"
                     " GROUP BY m.item_id, u.id HAVING SUM(m.qty) <> 0 OR SUM(m.value_kurus) <> 0"
                     " ORDER BY i.name, i.id, u.code LIMIT ?",
                     "ttiiiii", p->lo, p->hi, p->depot, p->depot, (int64_t)global, r->user->id, (int64_t)ROWS_MAX);
  if (!st)
    return NULL;
  json_t *items = json_array(), *units = json_object(), *item = NULL;
  int64_t item_id = 0, tq = 0, tv = 0;
  while (db_step(st) == DB_ROW) {
    int64_t id = db_col_int(st, 0), q = db_col_int(st, 7), v = db_col_int(st, 8);
    if (!item || id != item_id) {
      item_id = id;
      item = json_pack("{sIss?ss?ss?s{}sIsI}", "id", (json_int_t)id, "code", db_col_text(st, 1), "name",
                       db_col_text(st, 2), "uom", db_col_text(st, 3), "cells", "qty", (json_int_t)0, "value_kurus",
                       (json_int_t)0);
      json_array_append_new(items, item);
    }
    const char *code = db_col_text(st, 5);
    json_object_set_new(json_object_get(item, "cells"), code,
                        json_pack("{sIsI}", "qty", (json_int_t)q, "value_kurus", (json_int_t)v));
    json_object_set_new(item, "qty", json_integer(jsonx_int(item, "qty", 0) + q));
    json_object_set_new(item, "value_kurus", json_integer(jsonx_int(item, "value_kurus", 0) + v));
    json_t *u = json_object_get(units, code);
    if (!u) {
      u = json_pack("{sIssss?sIsI}", "id", (json_int_t)db_col_int(st, 4), "code", code, "name", db_col_text(st, 6),
                    "qty", (json_int_t)0, "value_kurus", (json_int_t)0);
      json_object_set_new(units, code, u);
    }
    json_object_set_new(u, "qty", json_integer(jsonx_int(u, "qty", 0) + q));
    json_object_set_new(u, "value_kurus", json_integer(jsonx_int(u, "value_kurus", 0) + v));
    tq += q;
    tv += v;
  }
  db_done(st);
  /* Units in code order. */
  json_t *ulist = json_array();
  const char **codes = arena_alloc(r->a, (json_object_size(units) + 1) * sizeof *codes);
  size_t n = 0;
  const char *k;
  json_t *x;
  json_object_foreach(units, k, x) codes[n++] = k;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(codes[j - 1], codes[j]) > 0; j--) {
      const char *t = codes[j];
      codes[j] = codes[j - 1];
      codes[j - 1] = t;
    }
  for (size_t i = 0; i < n; i++)
    json_array_append(ulist, json_object_get(units, codes[i]));
  json_decref(units);
  json_t *out = json_pack("{sssssoso}", "from", p->from, "to", p->to, "units", ulist, "items", items);
  json_object_set_new(out, "qty", json_integer(tq));
  json_object_set_new(out, "value_kurus", json_integer(tv));
  json_object_set_new(out, "depot", p->depot ? json_integer(p->depot) : json_null());
  return out;
}

int stock_api_consumption(request *r)
{
  struct period p;
  if (read_period(r, &p))
    return 0;
  json_t *o = consumption(r, &p);
  return o ? http_json(r, 200, o) : -1;
}

static int audit_export(request *r, const struct period *p, const char *format)
{
  struct actor who = audit_actor(r);
  json_t *after = json_pack("{ssssss}", "format", format, "from", p->from, "to", p->to);
  char id[64];
  snprintf(id, sizeof id, "%s..%s", p->from, p->to);
  int rc = audit_write(db_thread(), &who, "export", "stock_consumption", id, 0, NULL, after);
  json_decref(after);
  return rc;
}

/* ---- XLSX ---------------------------------------------------------------------------------- */

struct xlsx_ctx {
  request *r;
  json_t *v;
};

static void xlsx_sheet(lxw_workbook *wb, request *r, json_t *v, bool values, lxw_format *bold, lxw_format *money)
{
  lxw_worksheet *ws = workbook_add_worksheet(wb, values ? _("Value (TL)") : _("Quantity"));
  worksheet_write_string(ws, 0, 0,
                         arena_printf(r->a, "%s %s – %s", _("Consumption by unit"), jsonx_str(v, "from"),
                                      jsonx_str(v, "to")),
                         bold);
  json_t *units = json_object_get(v, "units");
  size_t nu = json_array_size(units);
  worksheet_write_string(ws, 2, 0, _("Taşınır kodu"), bold);
  worksheet_write_string(ws, 2, 1, _("Item"), bold);
  worksheet_write_string(ws, 2, 2, _("Unit of measure"), bold);
  size_t i;
  json_t *u;
  json_array_foreach(units, i, u) worksheet_write_string(ws, 2, (lxw_col_t)(3 + i), jsonx_str(u, "code"), bold);
  worksheet_write_string(ws, 2, (lxw_col_t)(3 + nu), _("Total"), bold);
  worksheet_set_column(ws, 0, 0, 14, NULL);
  worksheet_set_column(ws, 1, 1, 36, NULL);
  const char *key = values ? "value_kurus" : "qty";
  json_t *it;
  lxw_row_t row = 3;
  json_array_foreach(json_object_get(v, "items"), i, it)
  {
    const char *code = jsonx_str(it, "code");
    worksheet_write_string(ws, row, 0, code ? code : "", NULL);
    worksheet_write_string(ws, row, 1, jsonx_str(it, "name"), NULL);
    worksheet_write_string(ws, row, 2, stock_uom_label(jsonx_str(it, "uom")), NULL);
    json_t *cells = json_object_get(it, "cells");
    size_t j;
    json_array_foreach(units, j, u)
    {
      json_t *c = json_object_get(cells, jsonx_str(u, "code"));
      double x = c ? (double)jsonx_int(c, key, 0) : 0;
      worksheet_write_number(ws, row, (lxw_col_t)(3 + j), values ? x / 100 : x, values ? money : NULL);
    }
    double t = (double)jsonx_int(it, key, 0);
    worksheet_write_number(ws, row, (lxw_col_t)(3 + nu), values ? t / 100 : t, values ? money : NULL);
    row++;
  }
  worksheet_write_string(ws, row, 1, _("Total"), bold);
  size_t j;
  json_array_foreach(units, j, u)
  {
    double x = (double)jsonx_int(u, key, 0);
    worksheet_write_number(ws, row, (lxw_col_t)(3 + j), values ? x / 100 : x, values ? money : bold);
  }
  double t = (double)jsonx_int(v, key, 0);
  worksheet_write_number(ws, row, (lxw_col_t)(3 + nu), values ? t / 100 : t, values ? money : bold);
}

static int write_xlsx(const char *path, void *u)
{
  struct xlsx_ctx *x = u;
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return -1;
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format *money = workbook_add_format(wb);
  format_set_num_format(money, "#,##0.00");
  xlsx_sheet(wb, x->r, x->v, false, bold, money);
  xlsx_sheet(wb, x->r, x->v, true, bold, money);
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int stock_api_consumption_xlsx(request *r)
{
  struct period p;
  if (read_period(r, &p))
    return 0;
  struct xlsx_ctx x = {r, consumption(r, &p)};
  if (!x.v)
    return -1;
  buf out;
  buf_init(&out, REPORT_MAX);
  int rc = files_render_tmp(write_xlsx, &x, &out);
  json_decref(x.v);
  if (rc)
    log_error("stock consumption workbook not written", "from=%s to=%s", p.from, p.to);
  if (!rc)
    rc = audit_export(r, &p, "xlsx");
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"sarf-tuketim-%s-%s.xlsx\"", p.from, p.to));
    http_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.data ? out.data : "",
              out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

/* ---- PDF ------------------------------------------------------------------------------------ */

int stock_api_consumption_pdf(request *r)
{
  struct period p;
  if (read_period(r, &p))
    return 0;
  json_t *v = consumption(r, &p);
  if (!v)
    return -1;
  const char *title = _("Consumption by unit");
  pdf_doc *d = pdf_new(r->a, title, arena_printf(r->a, "defter · %s %s – %s", title, p.from, p.to));
  pdf_text(d, PDF_TITLE, title, 4);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s – %s", _("Period"), p.from, p.to), 2);
  pdf_text(d, PDF_BODY,
           arena_printf(r->a, "%s: %lld · %s: %s TL", _("Total quantity"), (long long)jsonx_int(v, "qty", 0),
                        _("Total value"), stock_money(r->a, jsonx_int(v, "value_kurus", 0))),
           10);
  static const double widths[] = {0.16, 0.34, 0.2, 0.12, 0.18};
  const char **head = arena_alloc(r->a, 5 * sizeof *head);
  head[0] = _("Taşınır kodu");
  head[1] = _("Item");
  head[2] = _("Unit");
  head[3] = _("Quantity");
  head[4] = _("Value (TL)");
  pdf_table(d, 5, widths, head);
  json_t *units = json_object_get(v, "units");
  size_t i;
  json_t *it;
  json_array_foreach(json_object_get(v, "items"), i, it)
  {
    json_t *cells = json_object_get(it, "cells");
    size_t j;
    json_t *u;
    json_array_foreach(units, j, u)
    {
      json_t *c = json_object_get(cells, jsonx_str(u, "code"));
      if (!c)
        continue;
      const char **row = arena_alloc(r->a, 5 * sizeof *row);
      const char *code = jsonx_str(it, "code");
      row[0] = code ? arena_strdup(r->a, code) : "";
      row[1] = arena_strdup(r->a, jsonx_str(it, "name"));
      row[2] = arena_printf(r->a, "%s %s", jsonx_str(u, "code"), jsonx_str(u, "name") ? jsonx_str(u, "name") : "");
      row[3] = arena_printf(r->a, "%lld %s", (long long)jsonx_int(c, "qty", 0), stock_uom_label(jsonx_str(it, "uom")));
      row[4] = stock_money(r->a, jsonx_int(c, "value_kurus", 0));
      pdf_row(d, row, false);
    }
  }
  json_decref(v);
  buf out;
  buf_init(&out, REPORT_MAX);
  int rc = pdf_render(d, &out);
  if (!rc)
    rc = audit_export(r, &p, "pdf");
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"sarf-tuketim-%s-%s.pdf\"", p.from, p.to));
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}
