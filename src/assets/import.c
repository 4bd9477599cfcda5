/* import.c - assets and custody from a spreadsheet (CSV or XLSX, read by
 * core's sheet.c). Every row is checked with the rules of a single
 * registration (assets_check_new) or issue (the custody API's), and all
 * problems are listed as {row, column, reason}; the file is written in
 * one transaction only when no row has a problem, otherwise nothing is
 * written. ?dry_run=1 only checks. The checks run inside the write
 * transaction, so what was checked is what gets written. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/page.h"
#include "../core/rbac.h"
#include "../core/sheet.h"
#include "../core/tr.h"

#include <string.h>

enum { IMPORT_MAX_ROWS = 10000, SPACE_MAX = 200, NOTE_MAX = 2000 };

/* ---- the columns ------------------------------------------------------------------------- */

/* Keys are the fields of POST /api/v1/assets; the type's own fields
 * (attrs) follow the common ones. Aliases: Turkish first. */
static const struct sheet_field asset_cols[] = {
    {"type", "tür|tip|demirbaş türü|type|asset type", true},
    {"name", "ad|adı|demirbaş adı|name|asset name", true},
    {"code", "taşınır kodu|taşınır kod|kod|code|item code", true},
    {"serial", "seri no|seri numarası|serial|serial no|serial number", false},
    {"bios_serial", "bios seri no|bios serial", false},
    {"brand", "marka|brand", false},
    {"model", "model", false},
    {"building", "bina|building", false},
    {"floor", "kat|floor", false},
    {"room", "oda|room", false},
    {"unit", "birim|birim kodu|unit|unit code", false},
    {"status", "durum|status", false},
    {"entry_date", "giriş tarihi|entry date", false},
    {"purchase_date", "alım tarihi|satın alma tarihi|purchase date", false},
    {"supplier", "tedarikçi|satıcı|supplier", false},
    {"supplier_vkn", "vkn|tedarikçi vkn|vergi kimlik no|vergi no|supplier vkn|tax number", false},
    {"order_no", "sipariş no|order no", false},
    {"invoice_no", "fatura no|invoice no", false},
    {"value", "değer|bedel|tutar|değer (tl)|value|value (tl)", false},
    {"warranty_end", "garanti bitişi|garanti bitiş tarihi|warranty end|warranty ends", false},
    {"note", "not|açıklama|note", false},
    /* the types' own fields (assets_type_fields) */
    {"cpu", "işlemci|cpu|processor", false},
    {"ram_gb", "ram (gb)|bellek (gb)|ram|ram gb", false},
    {"disk_gb", "disk (gb)|disk|disk gb", false},
    {"os", "işletim sistemi|os|operating system", false},
    {"rack", "kabin|rack", false},
    {"ip", "ip|ip adresi|ip address", false},
    {"size_inch", "ekran boyutu|boyut (inç)|size (inch)|size inch|screen size", false},
    {"resolution", "çözünürlük|resolution", false},
    {"technology", "teknoloji|baskı teknolojisi|technology", false},
    {"colour", "renkli|renk|colour|color", false},
    {"dpi", "dpi", false},
    {"duplex", "çift taraflı|dubleks|duplex", false},
    {"extension", "dahili|dahili no|extension", false},
    {"recorder", "kayıt cihazı|recorder", false},
    {"ports", "port sayısı|portlar|ports", false},
    {"firmware", "yazılım sürümü|firmware", false},
    {"capacity_tb", "kapasite (tb)|kapasite|capacity (tb)|capacity tb|capacity", false},
    {"raid", "raid", false},
    {"va", "güç (va)|va", false},
    {"battery_date", "akü tarihi|battery date", false},
    {"door", "kapı|door", false},
    {"controller_ip", "denetleyici ip|controller ip", false},
};
enum { ASSET_COMMON = 21 };

static const struct sheet_field custody_cols[] = {
    {"sicil_no", "sicil no|sicil numarası|sicil|registry no", false},
    {"serial", "seri no|seri numarası|serial|serial no|serial number", false},
    {"tckn", "tckn|t.c. kimlik no|tc kimlik no|kimlik no|kişi tckn|person tckn|person", false},
    {"space", "ortak alan|alan|space|shared space", false},
    {"officer", "sorumlu tckn|alan sorumlusu tckn|officer tckn|officer", false},
    {"date", "tarih|teslim tarihi|date|issue date", false},
    {"note", "not|açıklama|note", false},
};

/* A value written as the key ("dizustu") or its label in the current
 * language ("Dizüstü bilgisayar"), compared folded to ASCII letters and
 * digits. NULL when it is neither. */
static const char *vocabulary(const char *const *keys, const char *(*label)(const char *), const char *v)
{
  char f[256], k[256];
  size_t n = strlen(v), o = 0;
  if (n >= 128 || tr_fold(v, true, f, sizeof f))
    return NULL;
  for (const char *p = f; *p; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
      f[o++] = *p;
  f[o] = 0;
  for (size_t i = 0; keys[i]; i++) {
    const char *cand[2] = {keys[i], label(keys[i])};
    for (int c = 0; c < 2; c++) {
      char g[256];
      size_t m = 0;
      if (tr_fold(cand[c], true, g, sizeof g))
        continue;
      for (const char *p = g; *p; p++)
        if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
          k[m++] = *p;
      k[m] = 0;
      if (str_eq(f, k))
        return keys[i];
    }
  }
  return NULL;
}

/* ---- one import, whatever it imports ---------------------------------------------------- */

struct import_ctx {
  request *r;
  db *d;
  const struct sheet *s;
  const struct sheet_map *m;
  json_t *errors;
  void *rows; /* the checked rows (arena), as the kind keeps them */
  size_t n;
};

struct import_kind {
  const char *entity; /* audit entity of the import row */
  const struct sheet_field *fields;
  size_t nfields;
  /* Checks data row i; on success keeps what to write in ctx->rows[ctx->n++]. */
  void (*check)(struct import_ctx *c, size_t i);
  /* Writes the checked rows (in the transaction); fills created. 0, or a db error. */
  int (*write)(struct import_ctx *c, const struct actor *who, json_t *created);
  void *(*alloc)(arena *a, size_t nrows);
};

/* ---- assets ----------------------------------------------------------------------------- */

struct asset_row {
  size_t row;
  struct asset_in in;
};

static void *asset_alloc(arena *a, size_t n)
{
  return arena_alloc(a, (n ? n : 1) * sizeof(struct asset_row));
}

static void asset_check(struct import_ctx *c, size_t i)
{
  request *r = c->r;
  const struct sheet_map *m = c->m;
  size_t row = c->s->rows[i].row;
  json_t *body = json_object(), *attrs = json_object(), *fields = json_object();
  bool ok = true;
  for (size_t f = 0; f < ASSET_COMMON; f++) {
    const char *v = sheet_cell(m, i, asset_cols[f].key);
    if (*v)
      json_object_set_new(body, asset_cols[f].key, json_string(v));
  }
  /* Type and status as the key or their label. */
  const char *v = sheet_cell(m, i, "type");
  const char *type = *v ? vocabulary(assets_types, assets_type_label, v) : NULL;
  if (type)
    json_object_set_new(body, "type", json_string(type));
  v = sheet_cell(m, i, "status");
  const char *status = *v ? vocabulary(assets_statuses, assets_status_label, v) : NULL;
  if (status)
    json_object_set_new(body, "status", json_string(status));
  /* The type's own fields: a value in another type's column is the row's
   * problem, named on that column. */
  const char *const *allowed = assets_type_fields(type);
  for (size_t f = ASSET_COMMON; f < ARRAY_LEN(asset_cols); f++) {
    const char *key = asset_cols[f].key;
    v = sheet_cell(m, i, key);
    if (!*v)
      continue;
    bool known = false;
    for (size_t k = 0; allowed[k] && !known; k++)
      known = str_eq(allowed[k], key);
    if (known) {
      json_object_set_new(attrs, key, json_string(v));
    } else if (type) {
      sheet_error(c->errors, row, sheet_column(m, key),
                  arena_printf(r->a, _("This column does not belong to the asset type %s."), assets_type_label(type)));
      ok = false;
    }
  }
  if (json_object_size(attrs))
    json_object_set(body, "attrs", attrs);
  struct asset_row *out = &((struct asset_row *)c->rows)[c->n];
  int st = assets_check_new(r, c->d, body, &out->in, fields);
  if (st == 400) {
    sheet_error_fields(c->errors, row, m, fields);
    ok = false;
  } else if (st == 403) {
    sheet_error(c->errors, row, sheet_column(m, "unit"), _("You may not manage assets of this unit."));
    ok = false;
  }
  json_decref(fields);
  json_decref(attrs);
  json_decref(body);
  if (ok) {
    out->row = row;
    c->n++;
  }
}

static int asset_write(struct import_ctx *c, const struct actor *who, json_t *created)
{
  struct asset_row *rows = c->rows;
  for (size_t i = 0; i < c->n; i++) {
    int64_t id;
    int rc = assets_insert(c->d, who, &rows[i].in, &id);
    if (rc)
      return rc;
    json_t *rec = assets_record(c->d, id);
    json_array_append_new(created, json_pack("{sIsIss?}", "row", (json_int_t)rows[i].row, "id", (json_int_t)id,
                                             "sicil_no", jsonx_str(rec, "sicil_no")));
    json_decref(rec);
  }
  return 0;
}

static const struct import_kind asset_kind = {"asset", asset_cols, ARRAY_LEN(asset_cols), asset_check, asset_write,
                                              asset_alloc};

/* ---- custody ---------------------------------------------------------------------------- */

struct custody_row {
  size_t row;
  int64_t asset, person, officer;
  const char *space, *date, *note, *from_status;
};

static void *custody_alloc(arena *a, size_t n)
{
  return arena_alloc(a, (n ? n : 1) * sizeof(struct custody_row));
}

/* An active person by T.C. identity number: its id, 0 when unknown, -1
 * when the number itself is not valid. */
static int64_t person_by_tckn(db *d, const char *tckn)
{
  if (tr_tckn_check(tckn) != TR_TCKN_OK)
    return -1;
  int64_t id = 0;
  if (db_int(d, &id, "SELECT id FROM org_people WHERE tckn = ? AND active = 1", "t", tckn) != DB_ROW)
    return 0;
  return id;
}

static void custody_check(struct import_ctx *c, size_t i)
{
  request *r = c->r;
  db *d = c->d;
  const struct sheet_map *m = c->m;
  size_t row = c->s->rows[i].row;
  struct custody_row *out = &((struct custody_row *)c->rows)[c->n];
  memset(out, 0, sizeof *out);
  bool ok = true;
#define BAD(key, msg)                                                                                                  \
  do {                                                                                                                 \
    sheet_error(c->errors, row, sheet_column(m, key), msg);                                                            \
    ok = false;                                                                                                        \
  } while (0)
  /* The asset: by sicil no, or by a serial that names one numbered asset. */
  const char *sicil = sheet_cell(m, i, "sicil_no"), *serial = sheet_cell(m, i, "serial");
  int64_t n = 0;
  if (*sicil) {
    if (db_int(d, &out->asset, "SELECT id FROM assets WHERE sicil_no = ?", "t", sicil) != DB_ROW)
      BAD("sicil_no", _("No asset has this sicil no."));
  } else if (*serial) {
    if (db_int(d, &n, "SELECT COUNT(*) FROM assets WHERE serial = ? AND sicil_no IS NOT NULL", "t", serial) !=
        DB_ROW)
      n = 0;
    if (n == 0)
      BAD("serial", _("No numbered asset has this serial no."));
    else if (n > 1)
      BAD("serial", _("Several assets have this serial no; give the sicil no."));
    else if (db_int(d, &out->asset, "SELECT id FROM assets WHERE serial = ? AND sicil_no IS NOT NULL", "t",
                    serial) != DB_ROW)
      BAD("serial", _("No numbered asset has this serial no."));
  } else {
    BAD("sicil_no", _("Give the sicil no or the serial no of the asset."));
  }
  if (out->asset) {
    int64_t unit = assets_unit_of(d, out->asset);
    json_t *rec = assets_record(d, out->asset);
    json_t *cus = assets_custody_of(d, out->asset);
    const char *key = *sicil ? "sicil_no" : "serial";
    if (!rec || !assets_can_read(r, unit))
      BAD(key, *sicil ? _("No asset has this sicil no.") : _("No numbered asset has this serial no."));
    else if (!rbac_can(r->user->id, "custody.manage", unit))
      BAD(key, _("You may not issue assets of this unit."));
    else if (str_eq(jsonx_str(rec, "status"), "hurda"))
      BAD(key, _("A scrapped asset does not change any more."));
    else if (cus)
      BAD(key, _("The asset is in someone's custody; record its return first."));
    else
      out->from_status = arena_strdup(r->a, jsonx_str(rec, "status"));
    json_decref(rec);
    json_decref(cus);
    /* the same asset twice in the file */
    struct custody_row *prev = c->rows;
    for (size_t k = 0; k < c->n && out->from_status; k++) {
      if (prev[k].asset == out->asset) {
        BAD(key, arena_printf(r->a, _("The same asset is on row %zu."), prev[k].row));
        break;
      }
    }
  }
  /* The holder: a person, or a shared space with its officer. */
  const char *tckn = sheet_cell(m, i, "tckn"), *space = sheet_cell(m, i, "space"),
             *officer = sheet_cell(m, i, "officer");
  if (*space && !(out->space = assets_text(r->a, space, SPACE_MAX)))
    BAD("space", _("The text is too long or contains invalid characters."));
  if (!*tckn == !*space) {
    BAD("tckn", _("Name either a person or a shared space."));
  } else if (*tckn) {
    out->person = person_by_tckn(d, tckn);
    if (out->person < 0)
      BAD("tckn", _("The T.C. identity number is not valid."));
    else if (!out->person)
      BAD("tckn", _("Unknown person."));
    if (*officer)
      BAD("officer", _("An officer is named for shared spaces only."));
  } else {
    out->officer = *officer ? person_by_tckn(d, officer) : 0;
    if (out->officer <= 0)
      BAD("officer", _("Name the space's officer, who signs its list."));
  }
  char *date = arena_alloc(r->a, 11);
  const char *v = sheet_cell(m, i, "date");
  if (*v) {
    if (tr_date_parse(v, date))
      BAD("date", _("Write the date as YYYY-MM-DD."));
  } else {
    assets_today(date);
  }
  out->date = date;
  v = sheet_cell(m, i, "note");
  if (*v && !(out->note = assets_text(r->a, v, NOTE_MAX)))
    BAD("note", _("The text is too long or contains invalid characters."));
#undef BAD
  if (ok) {
    out->row = row;
    c->n++;
  }
}

static int custody_write(struct import_ctx *c, const struct actor *who, json_t *created)
{
  request *r = c->r;
  struct custody_row *rows = c->rows;
  const char *issuer = r->user->display_name ? r->user->display_name : r->user->username;
  for (size_t i = 0; i < c->n; i++) {
    json_t *after = NULL;
    int rc = assets_custody_record_issue(c->d, who, r->user->id, issuer, rows[i].asset, rows[i].person,
                                         rows[i].space, rows[i].officer, rows[i].date, rows[i].note,
                                         rows[i].from_status, &after);
    if (rc)
      return rc;
    json_array_append_new(created, json_pack("{sIsIsIso}", "row", (json_int_t)rows[i].row, "asset_id",
                                             (json_int_t)rows[i].asset, "custody_id",
                                             (json_int_t)jsonx_int(after, "id", 0), "belge_no",
                                             json_incref(json_object_get(after, "belge_no"))));
    json_decref(after);
  }
  return 0;
}

static const struct import_kind custody_kind = {"custody", custody_cols, ARRAY_LEN(custody_cols), custody_check,
                                                custody_write, custody_alloc};

/* ---- the driver ------------------------------------------------------------------------- */

/* Checks and, unless dry_run, imports data. *result gets {"rows",
 * "errors", "imported", "dry_run", "created"}. Returns 0 when the file is
 * clean, 400 when rows have problems, 415 when it cannot be read at all,
 * 413 when it is over a limit, 409 when the store refused a row after
 * the checks, -1 on a store error. */
static int run_import(request *r, const struct import_kind *k, const char *data, size_t len, bool dry_run,
                      json_t **result)
{
  db *d = db_thread();
  json_t *errors = json_array(), *created = json_array();
  struct sheet s;
  const char *err = NULL;
  size_t rows = 0;
  int status = 0;
  bool in_tx = false;
  int rc = sheet_read(r->a, data, len, IMPORT_MAX_ROWS + 1, &s, &err);
  if (rc) {
    sheet_error(errors, s.err_row ? s.err_row : 1, NULL, _(err));
    status = rc == -2 ? 413 : 415;
    goto out;
  }
  rows = s.nrows - 1;
  struct sheet_map m;
  if (sheet_map_header(r->a, &s, k->fields, k->nfields, &m, errors)) {
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
  struct import_ctx c = {.r = r, .d = d, .s = &s, .m = &m, .errors = errors, .rows = k->alloc(r->a, s.nrows)};
  for (size_t i = 1; i < s.nrows; i++) {
    if (sheet_row_check(&m, i, errors))
      continue;
    k->check(&c, i);
  }
  if (json_array_size(errors)) {
    status = 400;
    goto out;
  }
  if (dry_run)
    goto out;
  struct actor who = audit_actor(r);
  rc = k->write(&c, &who, created);
  if (!rc) {
    json_t *after = json_pack("{sIsIss}", "rows", (json_int_t)rows, "imported", (json_int_t)c.n, "format",
                              s.format == SHEET_XLSX ? "xlsx" : "csv");
    rc = audit_write(d, &who, "import", k->entity, NULL, 0, NULL, after);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    status = rc == DB_CONSTRAINT ? 409 : -1;
    goto out;
  }
  in_tx = false;
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

static int dry_run_flag(const char *s, bool *out)
{
  *out = false;
  if (!s || !*s || str_eq(s, "0") || str_eq(s, "false"))
    return 0;
  if (str_eq(s, "1") || str_eq(s, "true") || str_eq(s, "on")) {
    *out = true;
    return 0;
  }
  return -1;
}

/* The file: a multipart field "file", a JSON {"name", "content_base64"},
 * or the raw body. 0, or 1 when the reply was written. */
static int import_file(request *r, const char **data, size_t *len)
{
  const struct upload *f = req_file(r, "file");
  if (f) {
    *data = f->data;
    *len = f->len;
    return 0;
  }
  const char *name;
  const unsigned char *d;
  if (req_upload(r, &name, &d, len))
    return 1;
  *data = (const char *)d;
  return 0;
}

static int api_import(request *r, const struct import_kind *k)
{
  bool dry;
  const char *flag = req_query(r, "dry_run");
  if (!flag)
    flag = req_form(r, "dry_run");
  if (dry_run_flag(flag, &dry))
    return assets_invalid(r, json_pack("{ss}", "dry_run", _("Use 1 or 0.")));
  const char *data;
  size_t len;
  if (import_file(r, &data, &len))
    return 0;
  json_t *res = NULL;
  int st = run_import(r, k, data, len, dry, &res);
  if (st < 0)
    return -1;
  /* Row problems in a dry run are its answer (200); a file that cannot be
   * read is a 400 (code "unreadable") either way. */
  if (st == 413 || st == 409 || st == 415 || (st && !dry)) {
    const char *code = st == 413 ? "too_large" : st == 409 ? "conflict" : st == 415 ? "unreadable" : "validation";
    const char *msg = st == 413   ? _("The file is too large to import; split it into smaller files.")
                      : st == 409 ? _("Nothing was imported: the register changed meanwhile; try again.")
                      : st == 415 ? _("The file could not be read as CSV or XLSX.")
                                  : _("Nothing was imported: some rows have problems.");
    json_object_set_new(res, "error", json_pack("{ssss}", "code", code, "message", msg));
    return http_json(r, st == 413 ? 413 : st == 409 ? 409 : 400, res);
  }
  log_info("import", "user=%s entity=%s rows=%lld imported=%lld dry_run=%d", r->user->username, k->entity,
           (long long)jsonx_int(res, "rows", 0), (long long)jsonx_int(res, "imported", 0), dry);
  return http_json(r, 200, res);
}

int assets_api_import(request *r)
{
  return api_import(r, &asset_kind);
}

int assets_api_custody_import(request *r)
{
  return api_import(r, &custody_kind);
}

/* ---- the form on /assets ------------------------------------------------------------------ */

int assets_form_import(request *r)
{
  const char *what = req_form(r, "what");
  const struct import_kind *k = str_eq(what, "custody") ? &custody_kind : &asset_kind;
  if (!rbac_has(r->user->id, k == &custody_kind ? "custody.manage" : "assets.manage"))
    return http_forbidden(r);
  bool dry = req_form(r, "dry_run") != NULL;
  const struct upload *f = req_file(r, "file");
  json_t *res = NULL;
  int st = f ? run_import(r, k, f->data, f->len, dry, &res) : 400;
  if (st < 0)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Import"), "/assets");
  H(&h, "<h1>");
  h_txt(&h, k == &custody_kind ? _("Custody import") : _("Asset import"));
  H(&h, "</h1>");
  int status = sheet_import_result(r, &h, st, dry, f != NULL, res);
  json_t *created = json_object_get(res, "created");
  if (json_array_size(created) && k == &asset_kind) {
    H(&h, "<ul id=\"import-created\">");
    size_t i;
    json_t *c;
    json_array_foreach(created, i, c)
    {
      H(&h, "<li><a href=\"/assets/");
      h_int(&h, jsonx_int(c, "id", 0));
      H(&h, "\">");
      h_txt(&h, jsonx_str(c, "sicil_no"));
      H(&h, "</a></li>");
    }
    H(&h, "</ul>");
  }
  H(&h, "<p><a href=\"/assets#import\">");
  h_txt(&h, _("Back to the register"));
  H(&h, "</a></p>");
  page_end(r, &h);
  json_decref(res);
  return http_html(r, status, &h);
}

void assets_import_form(request *r, html *h)
{
  static const char *const kinds[] = {"assets", N_("Assets"), "custody", N_("Custody"), NULL};
  sheet_import_form(r, h, "/assets/import", kinds);
}
