/* vif.c - the Varlık İşlem Fişi (TMY 2024 md. 10/1-a, 15, 30): the one
 * record of every entry (giriş), exit (çıkış) and transfer (devir) of a
 * taşınır. Fişler are numbered from 1 in each fiscal (calendar) year
 * without gaps, and may not be dated before their source document. The
 * number is taken inside the writer's transaction (BEGIN IMMEDIATE holds
 * the only write lock), and UNIQUE (year, no) guards it besides. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/tr.h"
#include "../core/jsonx.h"
#include "../core/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_MAX = 1000, YEAR_MIN = 2000, YEAR_MAX = 2999 };

int assets_vif_create(db *d, const struct actor *who, const char *kind, const char *date, const char *source_kind,
                      const char *source_ref, const char *source_date, int64_t count_id, int64_t *vif_id)
{
  *vif_id = 0;
  /* ISO dates compare as text. */
  if (source_date && *source_date && strcmp(date, source_date) < 0)
    return 1;
  int64_t year = atoi(date), no = 0;
  int rc = db_int(d, &no, "SELECT COALESCE(MAX(no), 0) + 1 FROM vif WHERE year = ?", "i", year) == DB_ROW ? 0 : -1;
  if (!rc)
    rc = db_run(d,
                "INSERT INTO vif (kind, year, no, date, source_kind, source_ref, source_date, count_id, created_at,"
                " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "tiittttIit", kind, year, no, date, source_kind, source_ref,
                source_date && *source_date ? source_date : NULL, count_id, now_unix(),
                who->name ? who->name : "system");
  if (!rc) {
    *vif_id = db_last_id(d);
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)*vif_id);
    json_t *after = json_pack("{sssIsIssss?}", "kind", kind, "year", (json_int_t)year, "no", (json_int_t)no, "date",
                              date, "source", source_ref);
    rc = audit_write(d, who, "vif.create", "vif", id, 0, NULL, after);
    json_decref(after);
  }
  return rc;
}

int assets_vif_line(db *d, int64_t vif_id, int64_t asset_id, const char *name, int64_t value_kurus)
{
  if (!asset_id)
    return db_run(d, "INSERT INTO vif_lines (vif_id, name, value_kurus) VALUES (?, ?, ?)", "iti", vif_id,
                  name ? name : "-", value_kurus);
  return db_run(d,
                "INSERT INTO vif_lines (vif_id, asset_id, code, name, value_kurus)"
                " SELECT ?, id, code, name, value_kurus FROM assets WHERE id = ?",
                "ii", vif_id, asset_id);
}

int assets_vif_registered(db *d, const struct actor *who, int64_t asset_id)
{
  db_stmt *st =
      db_q(d, "SELECT entry_date, purchase_date, invoice_no, sicil_no FROM assets WHERE id = ?", "i", asset_id);
  if (!st || db_step(st) != DB_ROW) {
    db_done(st);
    return -1;
  }
  char entry[11] = "", source[11] = "", ref[160];
  snprintf(entry, sizeof entry, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
  snprintf(source, sizeof source, "%s", db_col_text(st, 1) ? db_col_text(st, 1) : "");
  if (db_col_text(st, 2))
    snprintf(ref, sizeof ref, "%s %s", _("Invoice"), db_col_text(st, 2));
  else
    snprintf(ref, sizeof ref, "%s %s", _("Registration"), db_col_text(st, 3) ? db_col_text(st, 3) : "");
  db_done(st);
  int64_t vif = 0;
  int rc = assets_vif_create(d, who, "giris", entry, "kayit", ref, source, 0, &vif);
  if (!rc)
    rc = assets_vif_line(d, vif, asset_id, NULL, 0);
  return rc;
}

int assets_vif_scrapped(db *d, const struct actor *who, int64_t asset_id, const char *note)
{
  char today[11];
  assets_today(today);
  const char *ref = note && *note ? note : _("Scrapped (status change)");
  int64_t vif = 0;
  int rc = assets_vif_create(d, who, "cikis", today, "hurda", ref, today, 0, &vif);
  if (!rc)
    rc = assets_vif_line(d, vif, asset_id, NULL, 0);
  return rc;
}

/* ---- API ------------------------------------------------------------------------------ */

#define VIF_COLS                                                                                                       \
  "v.id, v.kind, v.year, v.no, v.date, v.source_kind, v.source_ref, v.source_date, v.count_id,"                        \
  " v.created_at, v.created_by"

static json_t *vif_row(db_stmt *st)
{
  char no[48];
  snprintf(no, sizeof no, "%lld/%lld", (long long)db_col_int(st, 2), (long long)db_col_int(st, 3));
  json_t *o = json_pack("{sIsssIsIssss}", "id", (json_int_t)db_col_int(st, 0), "kind", db_col_text(st, 1), "year",
                        (json_int_t)db_col_int(st, 2), "no", (json_int_t)db_col_int(st, 3), "number", no, "date",
                        db_col_text(st, 4));
  jsonx_set_str(o, "source_kind", db_col_text(st, 5));
  jsonx_set_str(o, "source_ref", db_col_text(st, 6));
  jsonx_set_str(o, "source_date", db_col_text(st, 7));
  json_object_set_new(o, "count_id", db_col_null(st, 8) ? json_null() : json_integer(db_col_int(st, 8)));
  jsonx_set_time(o, "created_at", db_col_int(st, 9));
  jsonx_set_str(o, "created_by", db_col_text(st, 10));
  return o;
}

int assets_api_vif_list(request *r)
{
  const char *v = req_query(r, "year");
  int64_t year = 0;
  if (v && *v) {
    if (parse_i64(v, &year) || year < YEAR_MIN || year > YEAR_MAX)
      return assets_invalid(r, json_pack("{ss}", "year", _("Give the year as four digits, e.g. 2026.")));
  } else {
    char today[11];
    assets_today(today);
    year = atoi(today);
  }
  /* ?format=csv|xlsx: the whole year as a file, with the number of lines
   * and the value of each fiş (export.c) */
  const char *format = req_query(r, "format");
  if (format && !sheet_format_ok(format))
    return assets_invalid(r, json_pack("{ss}", "format", _("Use csv or xlsx.")));
  size_t max = format ? (size_t)SHEET_EXPORT_MAX + 1 : LIST_MAX;
  db_stmt *st = db_q(db_thread(),
                     "SELECT " VIF_COLS ", (SELECT COUNT(*) FROM vif_lines l WHERE l.vif_id = v.id),"
                     " (SELECT COALESCE(SUM(l.value_kurus), 0) FROM vif_lines l WHERE l.vif_id = v.id)"
                     " FROM vif v WHERE v.year = ? ORDER BY v.no LIMIT ?",
                     "ii", year, (int64_t)max + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int rc;
  while ((rc = db_step(st)) == DB_ROW && json_array_size(items) < max) {
    json_t *o = vif_row(st);
    if (format) {
      json_object_set_new(o, "lines", json_integer(db_col_int(st, 11)));
      json_object_set_new(o, "total_kurus", json_integer(db_col_int(st, 12)));
    }
    json_array_append_new(items, o);
  }
  bool more = rc == DB_ROW;
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  if (format) {
    rc = assets_export_vif(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json(r, 200, json_pack("{sIsosb}", "year", (json_int_t)year, "items", items, "truncated", more));
}

int assets_api_vif_get(request *r)
{
  db *d = db_thread();
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0)
    return assets_not_found(r);
  db_stmt *st = db_q(d, "SELECT " VIF_COLS " FROM vif v WHERE v.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? vif_row(st) : NULL;
  db_done(st);
  if (!o)
    return assets_not_found(r);
  json_t *lines = json_array();
  int64_t total = 0;
  st = db_q(d,
            "SELECT l.asset_id, l.code, l.name, l.quantity, l.value_kurus, a.sicil_no FROM vif_lines l"
            " LEFT JOIN assets a ON a.id = l.asset_id WHERE l.vif_id = ? ORDER BY l.id LIMIT 100000",
            "i", id);
  while (st && db_step(st) == DB_ROW) {
    json_t *l = json_object();
    json_object_set_new(l, "asset_id", db_col_null(st, 0) ? json_null() : json_integer(db_col_int(st, 0)));
    jsonx_set_str(l, "code", db_col_text(st, 1));
    jsonx_set_str(l, "name", db_col_text(st, 2));
    json_object_set_new(l, "quantity", json_integer(db_col_int(st, 3)));
    json_object_set_new(l, "value", assets_money_json(st, 4));
    jsonx_set_str(l, "sicil_no", db_col_text(st, 5));
    total += db_col_int(st, 4);
    json_array_append_new(lines, l);
  }
  db_done(st);
  json_object_set_new(o, "lines", lines);
  char s[32];
  tr_money_format(total, '.', s);
  jsonx_set_str(o, "total", s);
  return http_json(r, 200, o);
}
