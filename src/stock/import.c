/* import.c - opening balances and receipts from a spreadsheet (CSV or
 * XLSX, read by core's sheet.c): every row is a giriş of an item (by its
 * taşınır kodu or name) into a depot (by name) with a quantity and a unit
 * price. All problems are listed as {row, column, reason}; the file is
 * written in one transaction only when no row has a problem, otherwise
 * nothing is written; ?dry_run=1 only checks. The checks run inside the
 * write transaction, so what was checked is what gets written. This
 * follows the assets import (src/assets/import.c). */
#include "stock.h"
#include "stock_int.h"
#include "../core/page.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/sheet.h"
#include "../core/tr.h"

#include <string.h>

enum { IMPORT_MAX_ROWS = 10000 };

static const struct sheet_field cols[] = {
    {"item", "malzeme|malzeme adı|taşınır kodu|kod|ad|item|item code|item name", true},
    {"depot", "ambar|depo|depot|store", true},
    {"quantity", "miktar|adet|quantity|qty", true},
    {"unit_price", "birim fiyat|birim fiyat (tl)|fiyat|unit price|unit price (tl)|price", true},
    {"date", "tarih|giriş tarihi|date", false},
    {"supplier", "tedarikçi|satıcı|supplier", false},
    {"supplier_vkn", "vkn|tedarikçi vkn|vergi kimlik no|vergi no|supplier vkn|tax number", false},
    {"invoice_no", "fatura no|invoice no", false},
    {"note", "not|açıklama|note", false},
};

struct row_in {
  size_t row;
  int64_t item, depot, unit, quantity, price;
  const char *supplier, *vkn, *invoice, *date, *note;
};

/* Checks data row i into *out; appends the problems. true when clean. */
static bool check_row(request *r, db *d, const struct sheet_map *m, size_t i, size_t row, struct row_in *out,
                      json_t *errors, const char *today)
{
  memset(out, 0, sizeof *out);
  out->row = row;
  bool ok = true;
#define BAD(key, msg)                                                                                                  \
  do {                                                                                                                 \
    sheet_error(errors, row, sheet_column(m, key), msg);                                                               \
    ok = false;                                                                                                        \
  } while (0)
  const char *v = sheet_cell(m, i, "item");
  int64_t active = 0;
  if (!*v) {
    BAD("item", _("Give the item's taşınır kodu or name."));
  } else {
    db_stmt *st = db_q(d, "SELECT id, active FROM stock_items WHERE code = ? OR name = ? ORDER BY code IS NULL LIMIT 1",
                       "tt", v, v);
    if (st && db_step(st) == DB_ROW) {
      out->item = db_col_int(st, 0);
      active = db_col_int(st, 1);
    }
    db_done(st);
    if (!out->item)
      BAD("item", _("Unknown item."));
    else if (!active)
      BAD("item", _("The item is no longer in use: it takes no receipts."));
  }
  v = sheet_cell(m, i, "depot");
  if (*v && db_int(d, &out->depot, "SELECT id FROM stock_depots WHERE name = ?", "t", v) != DB_ROW)
    out->depot = 0;
  out->unit = stock_depot_unit(d, out->depot);
  if (!out->unit || !stock_can(r, "stock.read", out->unit))
    BAD("depot", _("Unknown depot."));
  else if (!stock_can(r, "stock.manage", out->unit))
    BAD("depot", _("You may not keep the stock of this depot."));
  v = sheet_cell(m, i, "quantity");
  if (parse_i64(v, &out->quantity) || out->quantity < 1 || out->quantity > STOCK_QTY_MAX)
    BAD("quantity", _("The quantity is a whole number, 1 or more."));
  v = sheet_cell(m, i, "unit_price");
  if ((out->price = tr_money_parse(v)) < 0)
    BAD("unit_price", _("Write the unit price in lira, e.g. 1250,50."));
  v = sheet_cell(m, i, "date");
  char *date = arena_alloc(r->a, 11);
  if (*v) {
    if (tr_date_parse(v, date))
      BAD("date", _("Write the date as YYYY-MM-DD."));
  } else {
    memcpy(date, today, 11);
  }
  out->date = date;
  v = sheet_cell(m, i, "supplier_vkn");
  if (*v) {
    if (tr_vkn_check(v))
      BAD("supplier_vkn", _("The tax number (VKN) is not valid."));
    out->vkn = arena_strdup(r->a, v);
  }
  static const struct {
    const char *key;
    size_t max;
  } texts[] = {{"supplier", STOCK_TEXT_MAX}, {"invoice_no", 64}, {"note", STOCK_NOTE_MAX}};
  const char **dst[] = {&out->supplier, &out->invoice, &out->note};
  for (size_t k = 0; k < ARRAY_LEN(texts); k++) {
    v = sheet_cell(m, i, texts[k].key);
    if (*v && !(*dst[k] = stock_text(r->a, v, texts[k].max)))
      BAD(texts[k].key, _("The text is too long or contains invalid characters."));
  }
#undef BAD
  return ok;
}

/* Reads, checks and (unless dry_run or a row is bad) writes; *result is
 * {"rows", "errors", "imported", "dry_run", "created": [{"row", "id"}]}.
 * Returns 0 clean, 400 row problems, 415 unreadable, 413 over a limit,
 * -1 on a store error. */
static int run_import(request *r, const char *data, size_t len, bool dry_run, json_t **result)
{
  db *d = db_thread();
  json_t *errors = json_array(), *created = json_array();
  struct sheet s;
  const char *err = NULL;
  size_t rows = 0;
  int status = 0;
  bool in_tx = false, mailed = false;
  int rc = sheet_read(r->a, data, len, IMPORT_MAX_ROWS + 1, &s, &err);
  if (rc) {
    sheet_error(errors, s.err_row ? s.err_row : 1, NULL, _(err));
    status = rc == -2 ? 413 : 415;
    goto out;
  }
  rows = s.nrows - 1;
  struct sheet_map m;
  if (sheet_map_header(r->a, &s, cols, ARRAY_LEN(cols), &m, errors)) {
    status = 400;
    goto out;
  }
  if (rows == 0) {
    sheet_error(errors, s.rows[0].row + 1, NULL, _("The file has no data rows."));
    status = 400;
    goto out;
  }
  if (!dry_run) {
    if (db_begin(d)) {
      status = -1;
      goto out;
    }
    in_tx = true;
  }
  char today[32];
  fmt_iso8601(now_unix() + 3 * 3600, today);
  today[10] = 0;
  struct row_in *in = arena_alloc(r->a, s.nrows * sizeof *in);
  size_t n = 0;
  for (size_t i = 1; i < s.nrows; i++) {
    if (sheet_row_check(&m, i, errors))
      continue;
    if (check_row(r, d, &m, i, s.rows[i].row, &in[n], errors, today))
      n++;
  }
  if (json_array_size(errors)) {
    status = 400;
    goto out;
  }
  if (dry_run)
    goto out;
  struct actor who = audit_actor(r);
  for (size_t i = 0; !rc && i < n; i++) {
    int64_t id = 0;
    rc = stock_receipt_post(d, &who, in[i].item, in[i].depot, in[i].unit, in[i].quantity, in[i].price,
                            in[i].supplier, in[i].vkn, in[i].invoice, in[i].date, in[i].note, &id, &mailed);
    if (!rc)
      json_array_append_new(created, json_pack("{sIsI}", "row", (json_int_t)in[i].row, "id", (json_int_t)id));
  }
  if (!rc) {
    json_t *after = json_pack("{sIsIss}", "rows", (json_int_t)rows, "imported", (json_int_t)n, "format",
                              s.format == SHEET_XLSX ? "xlsx" : "csv");
    rc = audit_write(d, &who, "import", "stock_movement", NULL, 0, NULL, after);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    status = -1;
    goto out;
  }
  in_tx = false;
  if (mailed)
    jobs_kick("mail.send");
out:
  if (in_tx) {
    db_rollback(d);
    json_array_clear(created);
  }
  if (status < 0) {
    json_decref(errors);
    json_decref(created);
    *result = NULL;
    return -1;
  }
  *result = json_pack("{sIsosIsbso}", "rows", (json_int_t)rows, "errors", errors, "imported",
                      (json_int_t)json_array_size(created), "dry_run", dry_run, "created", created);
  return status;
}

int stock_api_import(request *r)
{
  bool dry = false;
  const char *flag = req_query(r, "dry_run");
  if (flag && *flag && !str_eq(flag, "0") && !str_eq(flag, "false")) {
    if (!str_eq(flag, "1") && !str_eq(flag, "true") && !str_eq(flag, "on"))
      return stock_invalid(r, json_pack("{ss}", "dry_run", _("Use 1 or 0.")));
    dry = true;
  }
  const char *data;
  size_t len;
  const struct upload *f = req_file(r, "file");
  if (f) {
    data = f->data;
    len = f->len;
  } else {
    const char *name;
    const unsigned char *raw;
    if (req_upload(r, &name, &raw, &len))
      return 0;
    data = (const char *)raw;
  }
  json_t *res = NULL;
  int st = run_import(r, data, len, dry, &res);
  if (st < 0)
    return -1;
  /* Row problems in a dry run are its answer (200), as in the assets import. */
  if (st == 413 || st == 415 || (st && !dry)) {
    const char *code = st == 413 ? "too_large" : st == 415 ? "unreadable" : "validation";
    const char *msg = st == 413   ? _("The file is too large to import; split it into smaller files.")
                      : st == 415 ? _("The file could not be read as CSV or XLSX.")
                                  : _("Nothing was imported: some rows have problems.");
    json_object_set_new(res, "error", json_pack("{ssss}", "code", code, "message", msg));
    return http_json(r, st == 413 ? 413 : 400, res);
  }
  log_info("import", "user=%s entity=stock rows=%lld imported=%lld dry_run=%d", r->user->username,
           (long long)jsonx_int(res, "rows", 0), (long long)jsonx_int(res, "imported", 0), dry);
  return http_json(r, 200, res);
}

/* POST /stock/import: the form on /stock (file, "try first"). */
int stock_form_import(request *r)
{
  bool dry = req_form(r, "dry_run") != NULL;
  const struct upload *f = req_file(r, "file");
  json_t *res = NULL;
  int st = f ? run_import(r, f->data, f->len, dry, &res) : 400;
  if (st < 0)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Import"), "/stock");
  H(&h, "<h1>");
  h_txt(&h, _("Stock import"));
  H(&h, "</h1>");
  int status = sheet_import_result(r, &h, st, dry, f != NULL, res);
  H(&h, "<p><a href=\"/stock#import\">");
  h_txt(&h, _("Back to the stock"));
  H(&h, "</a></p>");
  page_end(r, &h);
  json_decref(res);
  return http_html(r, status, &h);
}
