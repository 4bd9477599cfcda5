/* licence.c - software licences: what was bought for a product (type,
 * seats or unlimited, term, supplier with its VKN, order and invoice,
 * cost in kuruş, where the key is kept), the assets and people it is
 * assigned to (never past its seats), and the compliance of every product:
 * installed on how many assets against the seats of its licences in force,
 * as JSON and as an XLSX workbook. Licence keys are not stored here: the
 * record holds only a note saying where the key is (the vault). */
#include "assets_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

enum { TEXT_MAX = 200, NOTE_MAX = 2000, LIST_MAX = 500, COMPLIANCE_MAX = 5000, XLSX_MAX = 16 * 1024 * 1024 };

/* ---- vocabulary ------------------------------------------------------------------------ */

static const struct {
  const char *key, *label;
} types[] = {
    {"oem", N_("OEM")},
    {"kutu", N_("Retail (box)")},
    {"hacimli", N_("Volume")},
    {"abonelik", N_("Subscription")},
    {"site", N_("Site")},
    {"kullanici", N_("Per user")},
    {"cihaz", N_("Per device")},
    {"acik_kaynak", N_("Open source / free")},
};

static const char *type_label(const char *key)
{
  for (size_t i = 0; key && i < ARRAY_LEN(types); i++)
    if (str_eq(types[i].key, key))
      return _(types[i].label);
  return NULL;
}

/* ---- reading a licence ------------------------------------------------------------------- */

#define LICENCE_COLS                                                                                                   \
  "l.id, l.type, l.seats, l.start_date, l.end_date, l.supplier, l.supplier_vkn, l.order_no, l.invoice_no,"             \
  " l.cost_kurus, l.key_ref, l.note, l.created_at, l.updated_at, p.id, p.publisher, p.name, u.id, u.code, u.name,"     \
  " o.id, o.name, (SELECT COUNT(*) FROM licence_assignments a WHERE a.licence_id = l.id)"
#define LICENCE_FROM                                                                                                   \
  " FROM licences l JOIN software_products p ON p.id = l.product_id JOIN units u ON u.id = l.unit_id"                  \
  " LEFT JOIN org_people o ON o.id = l.responsible_id"

static json_t *col_str(db_stmt *st, int i)
{
  return db_col_null(st, i) ? json_null() : json_string(db_col_text(st, i));
}

static json_t *licence_row(db_stmt *st, const char *today)
{
  json_t *o = json_object();
  const char *type = db_col_text(st, 1);
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  json_object_set_new(o, "type", json_string(type));
  json_object_set_new(o, "type_label", json_string(type_label(type) ? type_label(type) : type));
  json_object_set_new(o, "seats", db_col_null(st, 2) ? json_null() : json_integer(db_col_int(st, 2)));
  json_object_set_new(o, "unlimited", json_boolean(db_col_null(st, 2)));
  json_object_set_new(o, "start_date", col_str(st, 3));
  json_object_set_new(o, "end_date", col_str(st, 4));
  const char *start = db_col_text(st, 3), *end = db_col_text(st, 4);
  bool expired = end && strcmp(end, today) < 0;
  json_object_set_new(o, "expired", json_boolean(expired));
  json_object_set_new(o, "active", json_boolean(!expired && (!start || strcmp(start, today) <= 0)));
  static const char *const texts[] = {"supplier", "supplier_vkn", "order_no", "invoice_no"};
  for (int i = 0; i < 4; i++)
    json_object_set_new(o, texts[i], col_str(st, 5 + i));
  json_object_set_new(o, "cost_kurus", db_col_null(st, 9) ? json_null() : json_integer(db_col_int(st, 9)));
  json_object_set_new(o, "key_ref", col_str(st, 10));
  json_object_set_new(o, "note", col_str(st, 11));
  jsonx_set_time(o, "created_at", db_col_int(st, 12));
  jsonx_set_time(o, "updated_at", db_col_int(st, 13));
  json_object_set_new(o, "product", json_pack("{sIssss}", "id", (json_int_t)db_col_int(st, 14), "publisher",
                                              db_col_text(st, 15), "name", db_col_text(st, 16)));
  json_object_set_new(o, "unit", json_pack("{sIssss}", "id", (json_int_t)db_col_int(st, 17), "code",
                                           db_col_text(st, 18), "name", db_col_text(st, 19)));
  json_object_set_new(o, "responsible",
                      db_col_null(st, 20) ? json_null()
                                          : json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 20), "name",
                                                      db_col_text(st, 21)));
  json_object_set_new(o, "assigned", json_integer(db_col_int(st, 22)));
  return o;
}

static json_t *licence_record(db *d, int64_t id, bool with_assignments)
{
  char today[11];
  assets_today(today);
  db_stmt *st = db_q(d, "SELECT " LICENCE_COLS LICENCE_FROM " WHERE l.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? licence_row(st, today) : NULL;
  db_done(st);
  if (!o || !with_assignments)
    return o;
  json_t *list = json_array();
  st = db_q(d,
            "SELECT a.id, a.asset_id, x.sicil_no, x.name, a.person_id, p.name, a.assigned_at FROM licence_assignments a"
            " LEFT JOIN assets x ON x.id = a.asset_id LEFT JOIN org_people p ON p.id = a.person_id"
            " WHERE a.licence_id = ? ORDER BY a.id LIMIT 5000",
            "i", id);
  while (st && db_step(st) == DB_ROW) {
    json_t *a = json_pack("{sI}", "id", (json_int_t)db_col_int(st, 0));
    json_object_set_new(a, "asset",
                        db_col_null(st, 1) ? json_null()
                                           : json_pack("{sIss?ss?}", "id", (json_int_t)db_col_int(st, 1), "sicil_no",
                                                       db_col_text(st, 2), "name", db_col_text(st, 3)));
    json_object_set_new(a, "person",
                        db_col_null(st, 4) ? json_null()
                                           : json_pack("{sIss?}", "id", (json_int_t)db_col_int(st, 4), "name",
                                                       db_col_text(st, 5)));
    jsonx_set_time(a, "assigned_at", db_col_int(st, 6));
    json_array_append_new(list, a);
  }
  db_done(st);
  json_object_set_new(o, "assignments", list);
  return o;
}

static int64_t licence_unit(db *d, int64_t id)
{
  int64_t unit = 0;
  if (db_int(d, &unit, "SELECT unit_id FROM licences WHERE id = ?", "i", id) != DB_ROW)
    return 0;
  return unit;
}

/* {id} of the route: 0 with *id, *unit; otherwise 404 / 403 written: 1. */
static int licence_from_route(request *r, bool manage, int64_t *id, int64_t *unit)
{
  if (parse_i64(req_param(r, "id"), id) || *id <= 0 || !(*unit = licence_unit(db_thread(), *id)) ||
      !rbac_can(r->user->id, "licence.read", *unit)) {
    assets_not_found(r);
    return 1;
  }
  if (manage && !rbac_can(r->user->id, "licence.manage", *unit)) {
    assets_forbidden(r);
    return 1;
  }
  return 0;
}

static int licence_audit(db *d, const struct actor *who, const char *action, int64_t id, int64_t unit, json_t *before,
                         json_t *after)
{
  char eid[24];
  snprintf(eid, sizeof eid, "%lld", (long long)id);
  return audit_write(d, who, action, "licence", eid, unit, before, after);
}

/* ---- input ------------------------------------------------------------------------------- */

static const struct jfield licence_fields[] = {
    {"product", JT_INT, false, 0},          {"product_name", JT_STRING, false, SW_NAME_MAX - 1},
    {"publisher", JT_STRING, false, SW_NAME_MAX - 1}, {"type", JT_STRING, false, 32},
    {"seats", JT_ANY, false, 0},            {"start_date", JT_STRING, false, 32},
    {"end_date", JT_STRING, false, 32},     {"unit", JT_STRING, false, 64},
    {"responsible", JT_ANY, false, 0},      {"supplier", JT_STRING, false, TEXT_MAX},
    {"supplier_vkn", JT_STRING, false, 32}, {"order_no", JT_STRING, false, 64},
    {"invoice_no", JT_STRING, false, 64},   {"cost", JT_ANY, false, 0},
    {"key_ref", JT_STRING, false, TEXT_MAX}, {"note", JT_STRING, false, NOTE_MAX},
};

struct licence_in {
  int64_t product_id, unit_id, responsible_id, seats, cost_kurus;
  const char *product_name, *publisher, *type, *start_date, *end_date, *supplier, *supplier_vkn, *order_no,
      *invoice_no, *key_ref, *note;
  bool has_seats, has_responsible, has_cost;
};

/* Does the text look like a product key (five or more groups of 4-6
 * letters and digits joined by '-')? Keys belong in the vault. */
static bool looks_like_key(const char *s)
{
  int groups = 0, len = 0;
  for (;; s++) {
    if (isalnum((unsigned char)*s)) {
      len++;
      continue;
    }
    if (len >= 4 && len <= 6)
      groups++;
    else if (len)
      groups = 0;
    if (groups >= 5)
      return true;
    len = 0;
    if (*s != '-')
      groups = 0;
    if (!*s)
      return false;
  }
}

static int read_licence(request *r, db *d, json_t *body, bool create, struct licence_in *in, json_t *fields)
{
  memset(in, 0, sizeof *in);
  const char *v;
  struct {
    const char *key;
    const char **dst;
    size_t max;
  } texts[] = {{"supplier", &in->supplier, TEXT_MAX},  {"order_no", &in->order_no, 64},
               {"invoice_no", &in->invoice_no, 64},    {"key_ref", &in->key_ref, TEXT_MAX},
               {"note", &in->note, NOTE_MAX},          {"product_name", &in->product_name, SW_NAME_MAX - 1},
               {"publisher", &in->publisher, SW_NAME_MAX - 1}};
  for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
    if (!(v = jsonx_str(body, texts[i].key)))
      continue;
    *texts[i].dst = assets_text(r->a, v, texts[i].max);
    if (!*texts[i].dst)
      jsonx_field_error(fields, texts[i].key, _("The text is too long or contains invalid characters."));
  }
  if (in->key_ref && looks_like_key(in->key_ref))
    jsonx_field_error(fields, "key_ref",
        _("This looks like a licence key. Keep the key in the vault and write here only where it is kept."));
  if (in->note && looks_like_key(in->note))
    jsonx_field_error(fields, "note",
        _("This looks like a licence key. Keep the key in the vault and write here only where it is kept."));
  json_t *p = json_object_get(body, "product");
  if (json_is_integer(p)) {
    int64_t one;
    in->product_id = json_integer_value(p);
    if (db_int(d, &one, "SELECT 1 FROM software_products WHERE id = ?", "i", in->product_id) != DB_ROW)
      jsonx_field_error(fields, "product", _("Unknown product."));
  } else if (in->product_name && !*in->product_name) {
    jsonx_field_error(fields, "product_name", _("Give the product a name."));
  } else if (create && !in->product_name) {
    jsonx_field_error(fields, "product", _("Choose the product or give its name."));
  }
  if ((v = jsonx_str(body, "type"))) {
    if (!type_label(v))
      jsonx_field_error(fields, "type", _("Unknown licence type."));
    in->type = arena_strdup(r->a, v);
  } else if (create) {
    jsonx_field_error(fields, "type", _("Choose the licence type."));
  }
  json_t *seats = json_object_get(body, "seats");
  if (seats) {
    /* null or "" is unlimited, kept as -1 here. */
    bool ok = true;
    in->has_seats = true;
    if (json_is_null(seats) || (json_is_string(seats) && !*json_string_value(seats)))
      in->seats = -1;
    else if (json_is_integer(seats))
      ok = (in->seats = json_integer_value(seats)) >= 0;
    else if (json_is_string(seats))
      ok = !parse_i64(json_string_value(seats), &in->seats) && in->seats >= 0;
    else
      ok = false;
    if (!ok || in->seats > 10000000)
      jsonx_field_error(fields, "seats", _("Seats must be a number from 0 up, or empty for unlimited."));
  }
  struct {
    const char *key;
    const char **dst;
  } dates[] = {{"start_date", &in->start_date}, {"end_date", &in->end_date}};
  for (size_t i = 0; i < ARRAY_LEN(dates); i++) {
    if (!(v = jsonx_str(body, dates[i].key)))
      continue;
    if (!*v) {
      *dates[i].dst = ""; /* cleared */
      continue;
    }
    char *out = arena_alloc(r->a, 11);
    if (tr_date_parse(v, out))
      jsonx_field_error(fields, dates[i].key, _("Write the date as YYYY-MM-DD."));
    *dates[i].dst = out;
  }
  if ((v = jsonx_str(body, "unit")) && *v &&
      db_int(d, &in->unit_id, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
    jsonx_field_error(fields, "unit", _("Unknown unit."));
  json_t *resp = json_object_get(body, "responsible");
  if (resp) {
    int64_t one;
    in->has_responsible = true;
    if (json_is_integer(resp))
      in->responsible_id = json_integer_value(resp);
    else if (json_is_string(resp) && *json_string_value(resp) &&
             parse_i64(json_string_value(resp), &in->responsible_id))
      in->responsible_id = -1;
    else if (!json_is_null(resp) && !json_is_string(resp))
      in->responsible_id = -1;
    if (in->responsible_id < 0 ||
        (in->responsible_id &&
         db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ?", "i", in->responsible_id) != DB_ROW))
      jsonx_field_error(fields, "responsible", _("Unknown person."));
  }
  if ((v = jsonx_str(body, "supplier_vkn"))) {
    if (*v && tr_vkn_check(v))
      jsonx_field_error(fields, "supplier_vkn", _("The tax number (VKN) is not valid."));
    in->supplier_vkn = arena_strdup(r->a, v); /* "": cleared */
  }
  json_t *cost = json_object_get(body, "cost");
  if (cost && !json_is_null(cost) && !(json_is_string(cost) && !*json_string_value(cost))) {
    in->has_cost = true;
    if (json_is_integer(cost) && json_integer_value(cost) >= 0 && json_integer_value(cost) < 1000000000000LL)
      in->cost_kurus = json_integer_value(cost) * 100;
    else if (!json_is_string(cost) || (in->cost_kurus = tr_money_parse(json_string_value(cost))) < 0)
      jsonx_field_error(fields, "cost", _("Write the cost as a number of lira, e.g. 12500.50."));
  } else if (cost) {
    in->has_cost = true;
    in->cost_kurus = -1; /* cleared */
  }
  return json_object_size(fields) ? 400 : 0;
}

/* "" (a cleared field) is stored as NULL. */
static const char *nonempty(const char *s)
{
  return s && *s ? s : NULL;
}

/* After the fields: the term must not end before it starts. */
static void check_term(json_t *fields, const char *start, const char *end)
{
  if (start && end && *start && *end && strcmp(end, start) < 0)
    jsonx_field_error(fields, "end_date", _("The end date is before the start date."));
}

/* The product named by in (found or created), inside the transaction. */
static int product_of(db *d, const struct licence_in *in, int64_t *id)
{
  if (in->product_id) {
    *id = in->product_id;
    return 0;
  }
  const char *pub = in->publisher ? in->publisher : "";
  if (db_int(d, id, "SELECT id FROM software_products WHERE publisher = ? AND name = ?", "tt", pub,
             in->product_name) == DB_ROW)
    return 0;
  size_t n = strlen(pub) + strlen(in->product_name) + 2;
  char *raw = xmalloc(n), *folded = xmalloc(2 * n + 1);
  snprintf(raw, n, "%s %s", pub, in->product_name);
  if (tr_fold(raw, true, folded, 2 * n + 1))
    folded[0] = '\0';
  int rc = db_run(d,
                  "INSERT INTO software_products (publisher, name, search, ignored, installs, created_at)"
                  " VALUES (?, ?, ?, 0, 0, ?)",
                  "ttti", pub, in->product_name, folded, now_unix());
  free(raw);
  free(folded);
  if (!rc)
    *id = db_last_id(d);
  return rc;
}

/* ---- handlers ---------------------------------------------------------------------------- */

int assets_api_licence_create(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, licence_fields, ARRAY_LEN(licence_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct licence_in in;
  int rc = read_licence(r, d, body, true, &in, fields);
  json_decref(body);
  check_term(fields, in.start_date, in.end_date);
  if (json_object_size(fields))
    return assets_invalid(r, fields);
  json_decref(fields);
  if (!in.unit_id)
    in.unit_id = r->user->unit_id ? r->user->unit_id : rbac_root_unit(d);
  if (!rbac_can(r->user->id, "licence.manage", in.unit_id))
    return assets_forbidden(r);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0, product = 0;
  if (db_begin(d))
    return -1;
  rc = product_of(d, &in, &product);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO licences (product_id, type, seats, start_date, end_date, unit_id, responsible_id,"
                " supplier, supplier_vkn, order_no, invoice_no, cost_kurus, key_ref, note, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "it"
                "I"
                "ttiIttttIttii",
                product, in.type, in.has_seats && in.seats >= 0 ? in.seats : 0, nonempty(in.start_date),
                nonempty(in.end_date), in.unit_id, in.responsible_id, nonempty(in.supplier),
                nonempty(in.supplier_vkn), nonempty(in.order_no), nonempty(in.invoice_no),
                in.has_cost && in.cost_kurus >= 0 ? in.cost_kurus : 0, nonempty(in.key_ref), nonempty(in.note), now,
                now);
  if (!rc) {
    id = db_last_id(d);
    /* 'I' binds 0 as NULL: a licence of zero seats or zero cost is set here. */
    if (in.has_seats && in.seats == 0)
      rc = db_run(d, "UPDATE licences SET seats = 0 WHERE id = ?", "i", id);
    if (!rc && in.has_cost && in.cost_kurus == 0)
      rc = db_run(d, "UPDATE licences SET cost_kurus = 0 WHERE id = ?", "i", id);
  }
  json_t *after = rc ? NULL : licence_record(d, id, false);
  if (!rc)
    rc = licence_audit(d, &who, "licence.create", id, in.unit_id, NULL, after);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  json_t *o = licence_record(d, id, true);
  return o ? http_json(r, 201, o) : -1;
}

int assets_api_licence_get(request *r)
{
  int64_t id, unit;
  if (licence_from_route(r, false, &id, &unit))
    return 0;
  json_t *o = licence_record(db_thread(), id, true);
  return o ? http_json(r, 200, o) : -1;
}

int assets_api_licence_patch(request *r)
{
  db *d = db_thread();
  int64_t id, unit;
  if (licence_from_route(r, true, &id, &unit))
    return 0;
  json_t *body = req_json(r, licence_fields, ARRAY_LEN(licence_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct licence_in in;
  int rc = read_licence(r, d, body, false, &in, fields);
  json_decref(body);
  json_t *before = licence_record(d, id, false);
  if (!before) {
    json_decref(fields);
    return -1;
  }
  const char *start = in.start_date ? in.start_date : jsonx_str(before, "start_date");
  const char *end = in.end_date ? in.end_date : jsonx_str(before, "end_date");
  check_term(fields, start, end);
  if (!json_object_size(fields) && in.has_seats && in.seats >= 0 && in.seats < jsonx_int(before, "assigned", 0))
    jsonx_field_error(fields, "seats", _("More seats are assigned than this number; take some assignments back first."));
  if (json_object_size(fields)) {
    json_decref(before);
    return assets_invalid(r, fields);
  }
  json_decref(fields);
  if (in.unit_id && !rbac_can(r->user->id, "licence.manage", in.unit_id)) {
    json_decref(before);
    return assets_forbidden(r);
  }
  struct actor who = audit_actor(r);
  int64_t product = 0;
  if (db_begin(d)) {
    json_decref(before);
    return -1;
  }
  rc = 0;
  if (in.product_id || in.product_name) {
    rc = product_of(d, &in, &product);
    if (!rc)
      rc = db_run(d, "UPDATE licences SET product_id = ? WHERE id = ?", "ii", product, id);
  }
  struct {
    const char *col, *val;
  } sets[] = {{"type", in.type},         {"start_date", in.start_date}, {"end_date", in.end_date},
              {"supplier", in.supplier}, {"supplier_vkn", in.supplier_vkn}, {"order_no", in.order_no},
              {"invoice_no", in.invoice_no}, {"key_ref", in.key_ref},    {"note", in.note}};
  for (size_t i = 0; !rc && i < ARRAY_LEN(sets); i++)
    if (sets[i].val)
      rc = db_run(d, arena_printf(r->a, "UPDATE licences SET %s = ? WHERE id = ?", sets[i].col), "ti",
                  *sets[i].val ? sets[i].val : NULL, id);
  if (!rc && in.has_seats)
    rc = in.seats >= 0 ? db_run(d, "UPDATE licences SET seats = ? WHERE id = ?", "ii", in.seats, id)
                       : db_run(d, "UPDATE licences SET seats = NULL WHERE id = ?", "i", id);
  if (!rc && in.has_cost)
    rc = in.cost_kurus >= 0 ? db_run(d, "UPDATE licences SET cost_kurus = ? WHERE id = ?", "ii", in.cost_kurus, id)
                            : db_run(d, "UPDATE licences SET cost_kurus = NULL WHERE id = ?", "i", id);
  if (!rc && in.has_responsible)
    rc = db_run(d, "UPDATE licences SET responsible_id = ? WHERE id = ?", "Ii", in.responsible_id, id);
  if (!rc && in.unit_id)
    rc = db_run(d, "UPDATE licences SET unit_id = ? WHERE id = ?", "ii", in.unit_id, id);
  if (!rc)
    rc = db_run(d, "UPDATE licences SET updated_at = ? WHERE id = ?", "ii", now_unix(), id);
  json_t *after = rc ? NULL : licence_record(d, id, false);
  if (!rc)
    rc = licence_audit(d, &who, "licence.update", id, unit, before, after);
  json_decref(before);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  json_t *o = licence_record(d, id, true);
  return o ? http_json(r, 200, o) : -1;
}

int assets_api_licence_delete(request *r)
{
  db *d = db_thread();
  int64_t id, unit;
  if (licence_from_route(r, true, &id, &unit))
    return 0;
  struct actor who = audit_actor(r);
  json_t *before = licence_record(d, id, true);
  int rc = before ? db_begin(d) : -1;
  if (!rc)
    rc = db_run(d, "DELETE FROM licence_assignments WHERE licence_id = ?", "i", id);
  if (!rc)
    rc = db_run(d, "DELETE FROM licence_reminders WHERE licence_id = ?", "i", id);
  if (!rc)
    rc = db_run(d, "DELETE FROM licences WHERE id = ?", "i", id);
  if (!rc)
    rc = licence_audit(d, &who, "licence.delete", id, unit, before, NULL);
  if (!rc)
    rc = db_commit(d);
  if (rc && before)
    db_rollback(d);
  json_decref(before);
  if (rc)
    return -1;
  return http_json(r, 200, json_pack("{sIsb}", "id", (json_int_t)id, "deleted", 1));
}

/* ---- the list ------------------------------------------------------------------------------ */

int assets_api_licence_list(request *r)
{
  db *d = db_thread();
  int64_t limit, cursor, product = 0;
  const char *v;
  if (req_paging(r, 100, LIST_MAX, &limit, &cursor))
    return 0;
  if ((v = req_query(r, "product")) && *v && (parse_i64(v, &product) || product <= 0))
    return assets_invalid(r, json_pack("{ss}", "product", _("Unknown product.")));
  char today[11];
  assets_today(today);
  /* The grants' units are few; the licences of the rest are skipped. */
  db_stmt *st = db_q(d,
                     "SELECT " LICENCE_COLS LICENCE_FROM
                     " WHERE l.id > ? AND (? = 0 OR l.product_id = ?) ORDER BY l.id LIMIT 20000",
                     "iii", cursor, product, product);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  bool more = false;
  while (db_step(st) == DB_ROW) {
    if (!rbac_can(r->user->id, "licence.read", db_col_int(st, 17)))
      continue;
    if (n == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, licence_row(st, today));
    n++;
  }
  db_done(st);
  return http_json_page(r, items, more, last);
}

/* ---- assignments -------------------------------------------------------------------------- */

static const struct jfield assign_fields[] = {{"asset", JT_ANY, false, 0}, {"person", JT_ANY, false, 0}};

static int64_t id_value(json_t *v)
{
  int64_t x = 0;
  if (json_is_integer(v))
    return json_integer_value(v);
  if (json_is_string(v) && *json_string_value(v) && !parse_i64(json_string_value(v), &x))
    return x;
  return v && !json_is_null(v) && !(json_is_string(v) && !*json_string_value(v)) ? -1 : 0;
}

int assets_api_licence_assign(request *r)
{
  db *d = db_thread();
  int64_t id, unit;
  if (licence_from_route(r, true, &id, &unit))
    return 0;
  json_t *body = req_json(r, assign_fields, ARRAY_LEN(assign_fields));
  if (!body)
    return 0;
  int64_t asset = id_value(json_object_get(body, "asset")), person = id_value(json_object_get(body, "person")), one;
  json_decref(body);
  json_t *fields = json_object();
  if (asset < 0 || (asset && db_int(d, &one, "SELECT 1 FROM assets WHERE id = ?", "i", asset) != DB_ROW))
    jsonx_field_error(fields, "asset", _("Unknown asset."));
  if (person < 0 || (person && db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ?", "i", person) != DB_ROW))
    jsonx_field_error(fields, "person", _("Unknown person."));
  if (!json_object_size(fields) && (asset > 0) == (person > 0))
    jsonx_field_error(fields, asset ? "person" : "asset", _("Assign to one asset or to one person."));
  if (json_object_size(fields))
    return assets_invalid(r, fields);
  json_decref(fields);
  struct actor who = audit_actor(r);
  int64_t seats = -1, used = 0;
  bool unlimited = false;
  int rc = db_begin(d);
  db_stmt *st = rc ? NULL
                   : db_q(d,
                          "SELECT seats, (SELECT COUNT(*) FROM licence_assignments WHERE licence_id = l.id)"
                          " FROM licences l WHERE id = ?",
                          "i", id);
  if (st && db_step(st) == DB_ROW) {
    unlimited = db_col_null(st, 0);
    seats = db_col_int(st, 0);
    used = db_col_int(st, 1);
  } else if (!rc) {
    rc = -1;
  }
  db_done(st);
  if (!rc && !unlimited && used >= seats) {
    db_rollback(d);
    return assets_conflict(r, "seats_exhausted",
                           arena_printf(r->a, _("All %lld seats of this licence are assigned."), (long long)seats));
  }
  if (!rc)
    rc = db_run(d, "INSERT INTO licence_assignments (licence_id, asset_id, person_id, assigned_at) VALUES (?, ?, ?, ?)",
                "iIIi", id, asset, person, now_unix());
  int64_t aid = rc ? 0 : db_last_id(d);
  if (!rc) {
    json_t *after = json_pack("{sIsIsI}", "assignment", (json_int_t)aid, "asset", (json_int_t)asset, "person",
                              (json_int_t)person);
    rc = licence_audit(d, &who, "licence.assign", id, unit, NULL, after);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    if (rc == DB_CONSTRAINT)
      return assets_conflict(r, "already_assigned", _("The licence is assigned to it already."));
    return -1;
  }
  json_t *o = licence_record(d, id, true);
  return o ? http_json(r, 201, o) : -1;
}

int assets_api_licence_unassign(request *r)
{
  db *d = db_thread();
  int64_t id, unit, aid, one;
  if (licence_from_route(r, true, &id, &unit))
    return 0;
  if (parse_i64(req_param(r, "aid"), &aid) || aid <= 0 ||
      db_int(d, &one, "SELECT 1 FROM licence_assignments WHERE id = ? AND licence_id = ?", "ii", aid, id) != DB_ROW)
    return assets_not_found(r);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM licence_assignments WHERE id = ?", "i", aid);
  if (!rc) {
    json_t *before = json_pack("{sI}", "assignment", (json_int_t)aid);
    rc = licence_audit(d, &who, "licence.unassign", id, unit, before, NULL);
    json_decref(before);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  json_t *o = licence_record(d, id, true);
  return o ? http_json(r, 200, o) : -1;
}

/* ---- compliance ------------------------------------------------------------------------------ */

static const char *status_label(const char *status)
{
  if (str_eq(status, "under"))
    return _("Under-licensed");
  if (str_eq(status, "over"))
    return _("Spare seats");
  if (str_eq(status, "unlimited"))
    return _("Unlimited");
  return _("Compliant");
}

/* Per product: installed on how many assets, and the seats of the
 * licences in force (started, not ended); expired ones are only counted
 * as such. all: also installed products without a licence. */
static json_t *compliance(db *d, bool all)
{
  char today[11];
  assets_today(today);
  db_stmt *st = db_q(
      d,
      "SELECT p.id, p.publisher, p.name, p.installs,"
      " SUM(CASE WHEN l.id IS NOT NULL AND (l.start_date IS NULL OR l.start_date <= ?)"
      "  AND (l.end_date IS NULL OR l.end_date >= ?) THEN COALESCE(l.seats, 0) ELSE 0 END),"
      " MAX(CASE WHEN l.id IS NOT NULL AND l.seats IS NULL AND (l.start_date IS NULL OR l.start_date <= ?)"
      "  AND (l.end_date IS NULL OR l.end_date >= ?) THEN 1 ELSE 0 END),"
      " SUM(CASE WHEN l.id IS NOT NULL AND (l.start_date IS NULL OR l.start_date <= ?)"
      "  AND (l.end_date IS NULL OR l.end_date >= ?) THEN 1 ELSE 0 END),"
      " SUM(CASE WHEN l.end_date < ? THEN 1 ELSE 0 END)"
      " FROM software_products p LEFT JOIN licences l ON l.product_id = p.id"
      " WHERE p.id IN (SELECT product_id FROM licences) OR (? = 1 AND p.installs > 0 AND p.ignored = 0)"
      " GROUP BY p.id ORDER BY p.publisher, p.name LIMIT ?",
      "tttttttii", today, today, today, today, today, today, today, (int64_t)all, (int64_t)COMPLIANCE_MAX);
  if (!st)
    return NULL;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW) {
    int64_t installed = db_col_int(st, 3), owned = db_col_int(st, 4);
    bool unlimited = db_col_int(st, 5) != 0;
    const char *status = unlimited ? "unlimited" : installed > owned ? "under" : installed < owned ? "over" : "ok";
    json_t *o = json_object();
    json_object_set_new(o, "product", json_pack("{sIssss}", "id", (json_int_t)db_col_int(st, 0), "publisher",
                                                db_col_text(st, 1), "name", db_col_text(st, 2)));
    json_object_set_new(o, "installed", json_integer(installed));
    json_object_set_new(o, "owned", unlimited ? json_null() : json_integer(owned));
    json_object_set_new(o, "unlimited", json_boolean(unlimited));
    json_object_set_new(o, "difference", unlimited ? json_null() : json_integer(owned - installed));
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "status_label", json_string(status_label(status)));
    json_object_set_new(o, "licences", json_integer(db_col_int(st, 6)));
    json_object_set_new(o, "expired_licences", json_integer(db_col_int(st, 7)));
    json_array_append_new(items, o);
  }
  db_done(st);
  return items;
}

int assets_api_licence_compliance(request *r)
{
  json_t *items = compliance(db_thread(), str_eq(req_query(r, "all"), "1"));
  if (!items)
    return -1;
  int64_t under = 0;
  size_t i;
  json_t *x;
  json_array_foreach(items, i, x) under += str_eq(jsonx_str(x, "status"), "under");
  return http_json(r, 200, json_pack("{sosI}", "items", items, "under_licensed", (json_int_t)under));
}

struct xlsx_ctx {
  request *r;
  json_t *items;
};

static int write_xlsx(const char *path, void *u)
{
  struct xlsx_ctx *x = u;
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return -1;
  lxw_worksheet *ws = workbook_add_worksheet(wb, _("Licence compliance"));
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  char today[11];
  assets_today(today);
  worksheet_write_string(ws, 0, 0, arena_printf(x->r->a, "%s · %s", _("Licence compliance"), today), bold);
  static const char *const heads[] = {N_("Publisher"),    N_("Product"), N_("Installed"),       N_("Owned seats"),
                                      N_("Difference"),   N_("Status"),  N_("Licences in force"), N_("Expired licences")};
  for (size_t c = 0; c < ARRAY_LEN(heads); c++)
    worksheet_write_string(ws, 2, (lxw_col_t)c, _(heads[c]), bold);
  worksheet_set_column(ws, 0, 1, 36, NULL);
  worksheet_set_column(ws, 2, 7, 16, NULL);
  size_t i;
  json_t *o;
  json_array_foreach(x->items, i, o)
  {
    lxw_row_t row = (lxw_row_t)(3 + i);
    json_t *p = json_object_get(o, "product");
    worksheet_write_string(ws, row, 0, jsonx_str(p, "publisher") ? jsonx_str(p, "publisher") : "", NULL);
    worksheet_write_string(ws, row, 1, jsonx_str(p, "name") ? jsonx_str(p, "name") : "", NULL);
    worksheet_write_number(ws, row, 2, (double)jsonx_int(o, "installed", 0), NULL);
    if (jsonx_bool(o, "unlimited", false)) {
      worksheet_write_string(ws, row, 3, _("Unlimited"), NULL);
      worksheet_write_string(ws, row, 4, "", NULL);
    } else {
      worksheet_write_number(ws, row, 3, (double)jsonx_int(o, "owned", 0), NULL);
      worksheet_write_number(ws, row, 4, (double)jsonx_int(o, "difference", 0), NULL);
    }
    worksheet_write_string(ws, row, 5, jsonx_str(o, "status_label"), NULL);
    worksheet_write_number(ws, row, 6, (double)jsonx_int(o, "licences", 0), NULL);
    worksheet_write_number(ws, row, 7, (double)jsonx_int(o, "expired_licences", 0), NULL);
  }
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int assets_api_licence_compliance_xlsx(request *r)
{
  db *d = db_thread();
  struct xlsx_ctx x = {r, compliance(d, str_eq(req_query(r, "all"), "1"))};
  if (!x.items)
    return -1;
  buf out;
  buf_init(&out, XLSX_MAX);
  int rc = files_render_tmp(write_xlsx, &x, &out);
  if (rc)
    log_error("licence compliance workbook not written", "rows=%zu", json_array_size(x.items));
  json_decref(x.items);
  if (!rc) {
    struct actor who = audit_actor(r);
    json_t *after = json_pack("{ss}", "format", "xlsx");
    rc = audit_write(d, &who, "export", "licence_compliance", "all", 0, NULL, after);
    json_decref(after);
  }
  if (!rc) {
    http_header(r, "Content-Disposition", "attachment; filename=\"lisans-uyumu.xlsx\"");
    http_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.data ? out.data : "",
              out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

json_t *assets_licence_compliance(db *d, bool all)
{
  return compliance(d, all);
}

const char *const assets_licence_types[] = {"oem",      "kutu",      "hacimli", "abonelik",
                                            "site",     "kullanici", "cihaz",   "acik_kaynak", NULL};

const char *assets_licence_type_label(const char *key)
{
  return type_label(key);
}
