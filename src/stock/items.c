/* items.c - the catalogue of consumables (sarf malzemesi: toner, kartuş,
 * kablo, disk ...) with their taşınır kodu of the 150 account, unit of
 * measure, compatible models and minimum level per depot; the depots
 * (ambar) with their unit and responsible person (ambar sorumlusu /
 * taşınır kayıt yetkilisi); and what the rest of the module shares:
 * errors, text, visibility, audit. */
#include "stock.h"
#include "stock_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/sheet.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, DEPOTS_MAX = 500 };

/* ---- vocabulary ------------------------------------------------------------------- */

const char *const stock_uoms[] = {"adet", "kutu", "metre", "paket", NULL};
static const char *const uom_labels[] = {N_("piece"), N_("box"), N_("metre"), N_("pack")};

const char *stock_uom_label(const char *uom)
{
  for (size_t i = 0; stock_uoms[i]; i++)
    if (str_eq(stock_uoms[i], uom))
      return _(uom_labels[i]);
  return uom;
}

bool stock_uom_valid(const char *uom)
{
  for (size_t i = 0; uom && stock_uoms[i]; i++)
    if (str_eq(stock_uoms[i], uom))
      return true;
  return false;
}

const char *stock_kind_label(const char *kind)
{
  if (str_eq(kind, "giris"))
    return _("Receipt (giriş)");
  if (str_eq(kind, "cikis"))
    return _("Issue (çıkış)");
  if (str_eq(kind, "devir"))
    return _("Transfer (devir)");
  if (str_eq(kind, "sayim"))
    return _("Count correction (sayım)");
  return kind;
}

/* ---- configuration ----------------------------------------------------------------- */

static char alert_mail[1024];

void stock_configure(const config *c)
{
  snprintf(alert_mail, sizeof alert_mail, "%s", config_get(c, "stock.alert_mail", ""));
}

const char *stock_alert_mail(void)
{
  return alert_mail;
}

/* ---- errors, text, visibility, audit ------------------------------------------------ */

int stock_invalid(request *r, json_t *steal_fields)
{
  return http_error(r, 400, "validation", _("Some fields are invalid."), steal_fields);
}

const char *stock_text(arena *a, const char *s, size_t max)
{
  return tr_text_clean(a, s, max, false);
}

const char *stock_money(arena *a, int64_t kurus)
{
  char s[32];
  tr_money_format(kurus, '.', s);
  return arena_strdup(a, s);
}

int64_t stock_depot_unit(db *d, int64_t depot)
{
  int64_t unit = 0;
  if (depot <= 0 || db_int(d, &unit, "SELECT unit_id FROM stock_depots WHERE id = ?", "i", depot) != DB_ROW)
    return 0;
  return unit;
}

bool stock_can(request *r, const char *perm, int64_t unit)
{
  return r->user && unit > 0 && rbac_can(r->user->id, perm, unit);
}

int stock_audit(db *d, const struct actor *who, const char *action, const char *entity, int64_t id, int64_t unit,
                json_t *before, json_t *after)
{
  char sid[24];
  snprintf(sid, sizeof sid, "%lld", (long long)id);
  return audit_write(d, who, action, entity, sid, unit, before, after);
}

static int64_t route_id(request *r)
{
  int64_t id = 0;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0)
    return 0;
  return id;
}

static bool global_read(request *r, db *d)
{
  return rbac_can(r->user->id, "stock.read", rbac_root_unit(d));
}

/* ---- an item ------------------------------------------------------------------------- */

/* The balances and minimums of an item at the depots the user reads. */
static json_t *on_hand(request *r, db *d, int64_t item, bool global, int64_t *total)
{
  json_t *out = json_array();
  *total = 0;
  db_stmt *st = db_q(d,
                     "SELECT d.id, d.name, COALESCE(b.qty, 0), COALESCE(b.value_kurus, 0), m.min_qty"
                     " FROM stock_depots d LEFT JOIN stock_balances b ON b.depot_id = d.id AND b.item_id = ?"
                     " LEFT JOIN stock_minimums m ON m.depot_id = d.id AND m.item_id = ?"
                     " WHERE (b.item_id IS NOT NULL OR m.item_id IS NOT NULL)"
                     " AND (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ") ORDER BY d.name, d.id",
                     "iiii", item, item, (int64_t)global, r->user->id);
  while (st && db_step(st) == DB_ROW) {
    int64_t qty = db_col_int(st, 2);
    bool has_min = !db_col_null(st, 4);
    int64_t min = db_col_int(st, 4);
    json_t *o = json_pack("{sIsssIsI}", "depot_id", (json_int_t)db_col_int(st, 0), "depot", db_col_text(st, 1), "qty",
                          (json_int_t)qty, "value_kurus", (json_int_t)db_col_int(st, 3));
    json_object_set_new(o, "min", has_min ? json_integer(min) : json_null());
    json_object_set_new(o, "low", json_boolean(has_min && qty <= min));
    json_array_append_new(out, o);
    *total += qty;
  }
  db_done(st);
  return out;
}

static json_t *item_row(db_stmt *st)
{
  json_t *o = json_pack("{sI}", "id", (json_int_t)db_col_int(st, 0));
  jsonx_set_str(o, "code", db_col_text(st, 1));
  jsonx_set_str(o, "name", db_col_text(st, 2));
  jsonx_set_str(o, "category", db_col_text(st, 3));
  jsonx_set_str(o, "uom", db_col_text(st, 4));
  jsonx_set_str(o, "uom_label", stock_uom_label(db_col_text(st, 4)));
  jsonx_set_str(o, "compatible", db_col_text(st, 5));
  json_object_set_new(o, "active", json_boolean(db_col_int(st, 6)));
  return o;
}

#define ITEM_COLS "i.id, i.code, i.name, i.category, i.uom, i.compatible, i.active"

static json_t *item_plain(db *d, int64_t id)
{
  db_stmt *st = db_q(d, "SELECT " ITEM_COLS " FROM stock_items i WHERE i.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? item_row(st) : NULL;
  db_done(st);
  return o;
}

json_t *stock_item_json(request *r, db *d, int64_t id)
{
  json_t *o = item_plain(d, id);
  if (!o)
    return NULL;
  int64_t total = 0;
  json_object_set_new(o, "on_hand", on_hand(r, d, id, global_read(r, d), &total));
  json_object_set_new(o, "total", json_integer(total));
  return o;
}

/* ---- the list ------------------------------------------------------------------------- */

int stock_api_items(request *r)
{
  db *d = db_thread();
  json_t *fields = json_object();
  int64_t limit = LIST_DEFAULT, cursor = 0;
  const char *v, *q = NULL, *category = NULL;
  int64_t active = -1;
  bool low = false;
  if ((v = req_query(r, "q")) && *v) {
    size_t n = strlen(v);
    char *folded = arena_alloc(r->a, n + 1);
    if (n > 200 || tr_fold(v, true, folded, n + 1))
      jsonx_field_error(fields, "q", _("The search text is too long or invalid."));
    else
      q = folded;
  }
  if ((v = req_query(r, "category")) && *v)
    category = v;
  if ((v = req_query(r, "active")) && *v) {
    if (!str_eq(v, "0") && !str_eq(v, "1"))
      jsonx_field_error(fields, "active", _("Write 0 or 1."));
    active = str_eq(v, "1");
  }
  low = str_eq(req_query(r, "low"), "1");
  const char *format;
  sheet_list_params(r, fields, LIST_MAX, &limit, &cursor, &format);
  if (json_object_size(fields))
    return stock_invalid(r, fields);
  json_decref(fields);
  bool global = global_read(r, d);
  int64_t me = r->user->id;
  db_stmt *st = db_q(d,
                     "SELECT " ITEM_COLS " FROM stock_items i WHERE (? IS NULL OR instr(i.name_fold, ?) > 0)"
                     " AND (? IS NULL OR i.category = ?) AND (? < 0 OR i.active = ?) AND (? = 0 OR i.id > ?)"
                     " AND (? = 0 OR EXISTS (SELECT 1 FROM stock_minimums m JOIN stock_depots d ON d.id = m.depot_id"
                     "  LEFT JOIN stock_balances b ON b.item_id = m.item_id AND b.depot_id = m.depot_id"
                     "  WHERE m.item_id = i.id AND COALESCE(b.qty, 0) <= m.min_qty"
                     "  AND (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ")))"
                     " ORDER BY i.id LIMIT ?",
                     "tttt"
                     "ii"
                     "ii"
                     "iii"
                     "i",
                     q, q, category, category, active, active, cursor, cursor, (int64_t)low, (int64_t)global, me,
                     limit + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t n = 0, last = 0;
  bool more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, item_row(st));
    n++;
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  size_t i;
  json_t *o;
  /* (an export over the limit is refused by sheet_send: no balances needed) */
  if (json_array_size(items) <= SHEET_EXPORT_MAX)
    json_array_foreach(items, i, o)
    {
      int64_t total = 0;
      json_object_set_new(o, "on_hand", on_hand(r, d, jsonx_int(o, "id", 0), global, &total));
      json_object_set_new(o, "total", json_integer(total));
    }
  if (format) {
    rc = stock_export_items(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json_page(r, items, more, last);
}

int stock_api_item_get(request *r)
{
  int64_t id = route_id(r);
  json_t *o = id ? stock_item_json(r, db_thread(), id) : NULL;
  if (!o)
    return http_not_found(r);
  return http_json(r, 200, o);
}

/* ---- create and change ------------------------------------------------------------------ */

static const struct jfield item_fields[] = {
    {"code", JT_ANY, false, 0},
    {"name", JT_STRING, false, STOCK_TEXT_MAX},
    {"category", JT_STRING, false, 64},
    {"uom", JT_STRING, false, 16},
    {"compatible", JT_STRING, false, STOCK_NOTE_MAX},
    {"active", JT_BOOL, false, 0},
};

struct item_in {
  const char *code, *name, *category, *uom, *compatible, *fold;
  bool has_code, has_active, active;
};

static int read_item(request *r, json_t *body, bool create, struct item_in *in, json_t *fields)
{
  memset(in, 0, sizeof *in);
  const char *v;
  json_t *code = json_object_get(body, "code");
  if (code) {
    in->has_code = true;
    if (json_is_null(code) || (json_is_string(code) && !*json_string_value(code))) {
      in->code = NULL;
    } else if (!json_is_string(code) || tr_tasinir_kodu_check(json_string_value(code)) ||
               !str_starts(json_string_value(code), "150.")) {
      jsonx_field_error(fields, "code",
                _("The taşınır kodu of a consumable must be of the 150 account: 150.NN.NN (further levels .NN)."));
    } else {
      in->code = arena_strdup(r->a, json_string_value(code));
    }
  }
  if ((v = jsonx_str(body, "name")) && !(in->name = stock_text(r->a, v, STOCK_TEXT_MAX)))
    jsonx_field_error(fields, "name", _("The text is too long or contains invalid characters."));
  if ((create || v) && (!in->name || !*in->name))
    jsonx_field_error(fields, "name", _("Give the item a name."));
  if ((v = jsonx_str(body, "category")) && !(in->category = stock_text(r->a, v, 64)))
    jsonx_field_error(fields, "category", _("The text is too long or contains invalid characters."));
  if ((create || v) && (!in->category || !*in->category))
    jsonx_field_error(fields, "category", _("Give the category (e.g. toner, cable)."));
  if ((v = jsonx_str(body, "uom"))) {
    if (!stock_uom_valid(v))
      jsonx_field_error(fields, "uom", _("The unit of measure is one of adet, kutu, metre, paket."));
    in->uom = arena_strdup(r->a, v);
  } else if (create) {
    jsonx_field_error(fields, "uom", _("The unit of measure is one of adet, kutu, metre, paket."));
  }
  if ((v = jsonx_str(body, "compatible")) && !(in->compatible = tr_text_clean(r->a, v, STOCK_NOTE_MAX, true)))
    jsonx_field_error(fields, "compatible", _("The text is too long or contains invalid characters."));
  if (json_object_get(body, "active")) {
    in->has_active = true;
    in->active = jsonx_bool(body, "active", true);
  }
  return json_object_size(fields) ? 400 : 0;
}

/* The folded search text of an item (name, code, category, models). */
static int item_search_refresh(db *d, int64_t id)
{
  db_stmt *st = db_q(d,
                     "SELECT name || ' ' || COALESCE(code, '') || ' ' || category || ' ' || COALESCE(compatible, '')"
                     " FROM stock_items WHERE id = ?",
                     "i", id);
  if (!st || db_step(st) != DB_ROW) {
    db_done(st);
    return -1;
  }
  const char *text = db_col_text(st, 0);
  size_t n = strlen(text ? text : "");
  char *folded = xmalloc(n + 1);
  if (tr_fold(text ? text : "", true, folded, n + 1))
    folded[0] = 0;
  db_done(st);
  int rc = db_run(d, "UPDATE stock_items SET name_fold = ? WHERE id = ?", "ti", folded, id);
  free(folded);
  return rc;
}

static int conflict_name(request *r)
{
  return http_error(r, 409, "conflict", _("An item with this name or taşınır kodu exists already."), NULL);
}

int stock_api_item_create(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, item_fields, ARRAY_LEN(item_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct item_in in;
  int rc = read_item(r, body, true, &in, fields);
  json_decref(body);
  if (rc)
    return stock_invalid(r, fields);
  json_decref(fields);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0;
  if (db_begin(d))
    return -1;
  rc = db_run(d,
              "INSERT INTO stock_items (code, name, category, uom, compatible, active, created_at, updated_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              "tttttiii", in.code, in.name, in.category, in.uom, in.compatible,
              (int64_t)(in.has_active ? in.active : true), now, now);
  if (!rc) {
    id = db_last_id(d);
    rc = item_search_refresh(d, id);
  }
  json_t *after = rc ? NULL : item_plain(d, id);
  if (!rc)
    rc = stock_audit(d, &who, "stock.item.create", "stock_item", id, 0, NULL, after);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return rc == DB_CONSTRAINT ? conflict_name(r) : -1;
  }
  return http_json(r, 201, stock_item_json(r, d, id));
}

int stock_api_item_patch(request *r)
{
  db *d = db_thread();
  int64_t id = route_id(r);
  json_t *before = id ? item_plain(d, id) : NULL;
  if (!before)
    return http_not_found(r);
  json_t *body = req_json(r, item_fields, ARRAY_LEN(item_fields));
  if (!body) {
    json_decref(before);
    return 0;
  }
  json_t *fields = json_object();
  struct item_in in;
  int rc = read_item(r, body, false, &in, fields);
  json_decref(body);
  if (rc) {
    json_decref(before);
    return stock_invalid(r, fields);
  }
  json_decref(fields);
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE stock_items SET code = CASE WHEN ? = 1 THEN ? ELSE code END, name = COALESCE(?, name),"
                " category = COALESCE(?, category), uom = COALESCE(?, uom), compatible = COALESCE(?, compatible),"
                " active = CASE WHEN ? = 1 THEN ? ELSE active END, updated_at = ? WHERE id = ?",
                "itttttiiii", (int64_t)in.has_code, in.code, in.name, in.category, in.uom, in.compatible,
                (int64_t)in.has_active, (int64_t)in.active, now_unix(), id);
  if (!rc)
    rc = item_search_refresh(d, id);
  json_t *after = rc ? NULL : item_plain(d, id);
  if (!rc)
    rc = stock_audit(d, &who, "stock.item.update", "stock_item", id, 0, before, after);
  json_decref(after);
  json_decref(before);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return rc == DB_CONSTRAINT ? conflict_name(r) : -1;
  }
  return http_json(r, 200, stock_item_json(r, d, id));
}

static const struct jfield minimum_fields[] = {
    {"depot", JT_INT, true, 0},
    {"min", JT_ANY, true, 0},
};

int stock_api_item_minimum(request *r)
{
  db *d = db_thread();
  int64_t id = route_id(r), one = 0;
  if (!id || db_int(d, &one, "SELECT 1 FROM stock_items WHERE id = ?", "i", id) != DB_ROW)
    return http_not_found(r);
  json_t *body = req_json(r, minimum_fields, ARRAY_LEN(minimum_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  int64_t depot = jsonx_int(body, "depot", 0), unit = stock_depot_unit(d, depot);
  json_t *m = json_object_get(body, "min");
  int64_t min = -1;
  if (!unit || !stock_can(r, "stock.read", unit))
    jsonx_field_error(fields, "depot", _("Unknown depot."));
  if (json_is_integer(m) && json_integer_value(m) >= 0 && json_integer_value(m) <= STOCK_QTY_MAX)
    min = json_integer_value(m);
  else if (!json_is_null(m))
    jsonx_field_error(fields, "min", _("The minimum is a whole number, 0 or more (null: none)."));
  json_decref(body);
  if (json_object_size(fields))
    return stock_invalid(r, fields);
  json_decref(fields);
  if (!stock_can(r, "stock.manage", unit))
    return http_forbidden(r);
  struct actor who = audit_actor(r);
  bool mailed = false;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM stock_minimums WHERE item_id = ? AND depot_id = ?", "ii", id, depot);
  if (!rc && min >= 0)
    rc = db_run(d, "INSERT INTO stock_minimums (item_id, depot_id, min_qty) VALUES (?, ?, ?)", "iii", id, depot, min);
  json_t *after = json_pack("{sIsI}", "item", (json_int_t)id, "depot", (json_int_t)depot);
  json_object_set_new(after, "min", min < 0 ? json_null() : json_integer(min));
  if (!rc)
    rc = stock_audit(d, &who, "stock.minimum", "stock_item", id, unit, NULL, after);
  json_decref(after);
  if (!rc)
    rc = stock_alert_check(d, &who, id, depot, 0, &mailed);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  if (mailed)
    jobs_kick("mail.send");
  return http_json(r, 200, stock_item_json(r, d, id));
}

/* ---- depots -------------------------------------------------------------------------------- */

#define DEPOT_SELECT                                                                                                   \
  "SELECT d.id, d.name, u.id, u.code, u.name, p.id, p.name, d.active,"                                                 \
  " (SELECT COALESCE(SUM(b.value_kurus), 0) FROM stock_balances b WHERE b.depot_id = d.id) FROM stock_depots d"      \
  " JOIN units u ON u.id = d.unit_id LEFT JOIN org_people p ON p.id = d.responsible_id"

static json_t *depot_row(db_stmt *st)
{
  json_t *o = json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1));
  json_object_set_new(o, "unit",
                      json_pack("{sIss?ss?}", "id", (json_int_t)db_col_int(st, 2), "code", db_col_text(st, 3), "name",
                                db_col_text(st, 4)));
  json_object_set_new(o, "responsible",
                      db_col_null(st, 5) ? json_null()
                                         : json_pack("{sIss?}", "id", (json_int_t)db_col_int(st, 5), "name",
                                                     db_col_text(st, 6)));
  json_object_set_new(o, "active", json_boolean(db_col_int(st, 7)));
  return o;
}

static json_t *depot_json(db *d, int64_t id)
{
  db_stmt *st = db_q(d, DEPOT_SELECT " WHERE d.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? depot_row(st) : NULL;
  db_done(st);
  return o;
}

int stock_api_depots(request *r)
{
  db *d = db_thread();
  /* ?format=csv|xlsx: every depot as a file, with its stock value (export.c) */
  const char *format = req_query(r, "format");
  if (format && !sheet_format_ok(format))
    return stock_invalid(r, json_pack("{ss}", "format", _("Use csv or xlsx.")));
  int64_t max = format ? SHEET_EXPORT_MAX + 1 : DEPOTS_MAX;
  bool global = global_read(r, d);
  db_stmt *st = db_q(d,
                     DEPOT_SELECT " WHERE (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ") ORDER BY d.name, d.id"
                                  " LIMIT ?",
                     "iii", (int64_t)global, r->user->id, max);
  if (!st)
    return -1;
  json_t *items = json_array();
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    json_t *o = depot_row(st);
    if (format)
      json_object_set_new(o, "value_kurus", json_integer(db_col_int(st, 8)));
    json_array_append_new(items, o);
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  if (format) {
    rc = stock_export_depots(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json(r, 200, json_pack("{so}", "items", items));
}

static const struct jfield depot_fields[] = {
    {"name", JT_STRING, false, STOCK_TEXT_MAX},
    {"unit", JT_STRING, false, 64},
    {"responsible", JT_ANY, false, 0},
    {"active", JT_BOOL, false, 0},
};

struct depot_in {
  const char *name;
  int64_t unit, responsible;
  bool has_responsible, has_active, active;
};

static int read_depot(request *r, db *d, json_t *body, bool create, struct depot_in *in, json_t *fields)
{
  memset(in, 0, sizeof *in);
  const char *v;
  if ((v = jsonx_str(body, "name")) && !(in->name = stock_text(r->a, v, STOCK_TEXT_MAX)))
    jsonx_field_error(fields, "name", _("The text is too long or contains invalid characters."));
  if ((create || v) && (!in->name || !*in->name))
    jsonx_field_error(fields, "name", _("Give the depot a name."));
  if ((v = jsonx_str(body, "unit"))) {
    if (db_int(d, &in->unit, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
      jsonx_field_error(fields, "unit", _("Unknown unit."));
  } else if (create) {
    jsonx_field_error(fields, "unit", _("Choose the unit the depot belongs to."));
  }
  json_t *p = json_object_get(body, "responsible");
  if (p) {
    in->has_responsible = true;
    int64_t one;
    if (json_is_null(p))
      in->responsible = 0;
    else if (!json_is_integer(p) ||
             db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ?", "i", (int64_t)json_integer_value(p)) != DB_ROW)
      jsonx_field_error(fields, "responsible", _("Unknown person."));
    else
      in->responsible = json_integer_value(p);
  }
  if (json_object_get(body, "active")) {
    in->has_active = true;
    in->active = jsonx_bool(body, "active", true);
  }
  return json_object_size(fields) ? 400 : 0;
}

static int conflict_depot(request *r)
{
  return http_error(r, 409, "conflict", _("A depot with this name exists already."), NULL);
}

int stock_api_depot_create(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, depot_fields, ARRAY_LEN(depot_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct depot_in in;
  int rc = read_depot(r, d, body, true, &in, fields);
  json_decref(body);
  if (rc)
    return stock_invalid(r, fields);
  json_decref(fields);
  if (!stock_can(r, "stock.manage", in.unit))
    return http_forbidden(r);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0;
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO stock_depots (name, unit_id, responsible_id, active, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                "tiIiii", in.name, in.unit, in.responsible, (int64_t)(in.has_active ? in.active : true), now, now);
  if (!rc)
    id = db_last_id(d);
  json_t *after = rc ? NULL : depot_json(d, id);
  if (!rc)
    rc = stock_audit(d, &who, "stock.depot.create", "stock_depot", id, in.unit, NULL, after);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return rc == DB_CONSTRAINT ? conflict_depot(r) : -1;
  }
  return http_json(r, 201, depot_json(d, id));
}

int stock_api_depot_patch(request *r)
{
  db *d = db_thread();
  int64_t id = route_id(r), unit = stock_depot_unit(d, id);
  if (!unit || !stock_can(r, "stock.read", unit))
    return http_not_found(r);
  if (!stock_can(r, "stock.manage", unit))
    return http_forbidden(r);
  json_t *body = req_json(r, depot_fields, ARRAY_LEN(depot_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct depot_in in;
  int rc = read_depot(r, d, body, false, &in, fields);
  json_decref(body);
  if (rc)
    return stock_invalid(r, fields);
  json_decref(fields);
  if (in.unit && !stock_can(r, "stock.manage", in.unit))
    return http_forbidden(r);
  struct actor who = audit_actor(r);
  json_t *before = depot_json(d, id);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE stock_depots SET name = COALESCE(?, name), unit_id = CASE WHEN ? > 0 THEN ? ELSE unit_id END,"
                " responsible_id = CASE WHEN ? = 1 THEN ? ELSE responsible_id END,"
                " active = CASE WHEN ? = 1 THEN ? ELSE active END, updated_at = ? WHERE id = ?",
                "tiiiIiiii", in.name, in.unit, in.unit, (int64_t)in.has_responsible, in.responsible,
                (int64_t)in.has_active, (int64_t)in.active, now_unix(), id);
  json_t *after = rc ? NULL : depot_json(d, id);
  if (!rc)
    rc = stock_audit(d, &who, "stock.depot.update", "stock_depot", id, in.unit ? in.unit : unit, before, after);
  json_decref(after);
  json_decref(before);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return rc == DB_CONSTRAINT ? conflict_depot(r) : -1;
  }
  return http_json(r, 200, depot_json(d, id));
}
