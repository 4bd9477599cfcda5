/* register.c - the asset register (Taşınır Mal Yönetmeliği md. 9, 36):
 * types with their own fields, taşınır kodu and the sicil no generated
 * from it (kod-YY-sıra, numbered per code and entry year), location,
 * owning unit, purchase details, the lifecycle with its history, and the
 * list / one-asset API. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/sheet.h"
#include "../core/tr.h"
#include "../desk/desk.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, TEXT_MAX = 200, NOTE_MAX = 2000, HISTORY_MAX = 500 };

/* ---- vocabulary -------------------------------------------------------------- */

struct type_def {
  const char *key, *label;
  const char *const *fields;
};

static const char *const f_computer[] = {"cpu", "ram_gb", "disk_gb", "os", NULL};
static const char *const f_server[] = {"cpu", "ram_gb", "disk_gb", "os", "rack", "ip", NULL};
static const char *const f_screen[] = {"size_inch", "resolution", NULL};
static const char *const f_printer[] = {"technology", "colour", "ip", NULL};
static const char *const f_scanner[] = {"dpi", "duplex", NULL};
static const char *const f_phone[] = {"extension", "ip", NULL};
static const char *const f_camera[] = {"resolution", "ip", "recorder", NULL};
static const char *const f_network[] = {"ports", "ip", "firmware", NULL};
static const char *const f_storage[] = {"capacity_tb", "raid", "ip", NULL};
static const char *const f_ups[] = {"va", "battery_date", NULL};
static const char *const f_access[] = {"door", "controller_ip", NULL};
static const char *const f_none[] = {NULL};

static const struct type_def types[] = {
    {"masaustu", N_("Desktop computer"), f_computer},
    {"dizustu", N_("Laptop"), f_computer},
    {"monitor", N_("Monitor"), f_screen},
    {"yazici", N_("Printer"), f_printer},
    {"tarayici", N_("Scanner"), f_scanner},
    {"ip_telefon", N_("IP phone"), f_phone},
    {"kamera", N_("Camera"), f_camera},
    {"ag_cihazi", N_("Network device"), f_network},
    {"sunucu", N_("Server"), f_server},
    {"depolama", N_("Storage"), f_storage},
    {"ups", N_("UPS"), f_ups},
    {"sunum_ekrani", N_("Presentation screen"), f_screen},
    {"kartli_gecis", N_("Card access"), f_access},
    {"diger", N_("Other"), f_none},
};

const char *const assets_types[] = {"masaustu",   "dizustu",      "monitor",      "yazici", "tarayici",
                                    "ip_telefon", "kamera",       "ag_cihazi",    "sunucu", "depolama",
                                    "ups",        "sunum_ekrani", "kartli_gecis", "diger",  NULL};

static const struct type_def *type_find(const char *key)
{
  for (size_t i = 0; key && i < ARRAY_LEN(types); i++)
    if (str_eq(types[i].key, key))
      return &types[i];
  return NULL;
}

const char *assets_type_label(const char *type)
{
  const struct type_def *t = type_find(type);
  return t ? _(t->label) : type;
}

bool assets_type_valid(const char *type)
{
  return type_find(type) != NULL;
}

const char *const *assets_type_fields(const char *type)
{
  const struct type_def *t = type_find(type);
  return t ? t->fields : f_none;
}

const char *const assets_statuses[] = {"depoda", "kullanimda", "arizali", "serviste", "hurda", NULL};
static const char *const status_labels[] = {N_("In store"), N_("In use"), N_("Faulty"), N_("At service"),
                                            N_("Scrapped")};

const char *assets_status_label(const char *status)
{
  for (size_t i = 0; assets_statuses[i]; i++)
    if (str_eq(assets_statuses[i], status))
      return _(status_labels[i]);
  return status;
}

bool assets_status_valid(const char *status)
{
  for (size_t i = 0; status && assets_statuses[i]; i++)
    if (str_eq(assets_statuses[i], status))
      return true;
  return false;
}

/* ---- configuration ------------------------------------------------------------ */

static struct assets_config cfg = {.agent_user = "agent", .prolog_freq = 24, .inventory_max = 32 * 1024 * 1024};

void assets_configure(const config *c)
{
  inv_init();
  assets_handover_register();
  assets_licence_configure(c);
  snprintf(cfg.agent_user, sizeof cfg.agent_user, "%s", config_get(c, "assets.agent_user", "agent"));
  snprintf(cfg.agent_secret, sizeof cfg.agent_secret, "%s", config_get(c, "assets.agent_secret", ""));
  cfg.prolog_freq = config_int(c, "assets.prolog_freq", 24);
  if (cfg.prolog_freq <= 0 || cfg.prolog_freq > 24 * 365)
    cfg.prolog_freq = 24;
  cfg.inventory_max = config_int(c, "assets.inventory_max", 32 * 1024 * 1024);
  if (cfg.inventory_max < 64 * 1024 || cfg.inventory_max > 512 * 1024 * 1024)
    cfg.inventory_max = 32 * 1024 * 1024;
}

const struct assets_config *assets_config(void)
{
  return &cfg;
}

/* ---- errors and text ---------------------------------------------------------- */

int assets_not_found(request *r)
{
  return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
}

int assets_forbidden(request *r)
{
  return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
}

int assets_invalid(request *r, json_t *steal_fields)
{
  return http_error(r, 400, "validation", _("Some fields are invalid."), steal_fields);
}

int assets_conflict(request *r, const char *code, const char *message)
{
  return http_error(r, 409, code, message, NULL);
}

const char *assets_text(arena *a, const char *s, size_t max)
{
  return tr_text_clean(a, s, max, false);
}

void assets_today(char out[11])
{
  /* Europe/Istanbul is UTC+3 all year (worktime.h). */
  int64_t t = now_unix() + 3 * 3600;
  char iso[32];
  fmt_iso8601(t, iso);
  memcpy(out, iso, 10);
  out[10] = 0;
}

/* ---- who may see it ----------------------------------------------------------- */

bool assets_can_read(request *r, int64_t unit_id)
{
  return r->user && rbac_can(r->user->id, "assets.read", unit_id);
}

bool assets_can_manage(request *r, int64_t unit_id)
{
  return r->user && rbac_can(r->user->id, "assets.manage", unit_id);
}

int64_t assets_unit_of(db *d, int64_t id)
{
  int64_t unit = 0;
  if (db_int(d, &unit, "SELECT unit_id FROM assets WHERE id = ?", "i", id) != DB_ROW)
    return 0;
  return unit;
}

/* {id} of the route: 0 with *id and *unit set; otherwise the reply
 * (404, or 403 when the user may not read its unit) was written: 1. */
static int asset_from_route(request *r, bool manage, int64_t *id, int64_t *unit)
{
  if (parse_i64(req_param(r, "id"), id) || *id <= 0 || !(*unit = assets_unit_of(db_thread(), *id))) {
    assets_not_found(r);
    return 1;
  }
  if (!assets_can_read(r, *unit)) {
    assets_not_found(r);
    return 1;
  }
  if (manage && !assets_can_manage(r, *unit)) {
    assets_forbidden(r);
    return 1;
  }
  return 0;
}

/* ---- history and audit --------------------------------------------------------- */

int assets_event(db *d, int64_t asset, const struct actor *who, const char *kind, const char *from, const char *to,
                 const char *note, bool flag)
{
  return db_run(d,
                "INSERT INTO asset_events (asset_id, at, actor, kind, from_value, to_value, note, flag)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "iittttti", asset, now_unix(), who->name ? who->name : "system", kind, from, to, note, (int64_t)flag);
}

int assets_audit(db *d, const struct actor *who, const char *action, int64_t asset, int64_t unit, json_t *before,
                 json_t *after)
{
  char id[24];
  snprintf(id, sizeof id, "%lld", (long long)asset);
  return audit_write(d, who, action, "asset", id, unit, before, after);
}

int assets_search_refresh(db *d, int64_t id)
{
  db_stmt *st = db_q(d,
                     "SELECT COALESCE(name, '') || ' ' || COALESCE(sicil_no, '') || ' ' || COALESCE(serial, '')"
                     " || ' ' || COALESCE(bios_serial, '') || ' ' || COALESCE(hostname, '') || ' '"
                     " || COALESCE(brand, '') || ' ' || COALESCE(model, '') || ' ' || COALESCE(building, '')"
                     " || ' ' || COALESCE(room, '') FROM assets WHERE id = ?",
                     "i", id);
  if (!st || db_step(st) != DB_ROW) {
    db_done(st);
    return -1;
  }
  const char *text = db_col_text(st, 0);
  size_t n = strlen(text ? text : "");
  char *folded = xmalloc(2 * n + 1);
  if (tr_fold(text ? text : "", true, folded, 2 * n + 1))
    folded[0] = 0;
  db_done(st);
  /* The trigram index follows only when the text changed (an agent's
   * daily inventory usually changes nothing). */
  int rc = db_run(d, "UPDATE assets SET search = ? WHERE id = ? AND search IS NOT ?", "tit", folded, id, folded);
  if (!rc && db_changes(d) > 0) {
    rc = db_run(d, "DELETE FROM assets_fts WHERE rowid = ?", "i", id);
    if (!rc)
      rc = db_run(d, "INSERT INTO assets_fts (rowid, search) VALUES (?, ?)", "it", id, folded);
  }
  free(folded);
  return rc;
}

/* ---- the record as JSON -------------------------------------------------------- */

#define ASSET_COLS                                                                                                     \
  "a.id, a.type, a.name, a.code, a.sicil_no, a.serial, a.bios_serial, a.brand, a.model, a.building, a.floor,"          \
  " a.room, a.unit_id, u.code, u.name, a.status, a.entry_date, a.purchase_date, a.supplier, a.supplier_vkn,"           \
  " a.order_no, a.invoice_no, a.value_kurus, a.warranty_end, a.attrs, a.note, a.device_id, a.hostname,"                \
  " a.review, a.flagged, a.last_inventory_at, a.last_inventory_proto, a.created_at, a.updated_at"
#define ASSET_FROM " FROM assets a JOIN units u ON u.id = a.unit_id"

static json_t *time_or_null(int64_t t)
{
  if (!t)
    return json_null();
  char ts[32];
  fmt_iso8601(t, ts);
  return json_string(ts);
}

json_t *assets_money_json(db_stmt *st, int i)
{
  if (db_col_null(st, i))
    return json_null();
  char s[32];
  tr_money_format(db_col_int(st, i), '.', s);
  return json_string(s);
}

static json_t *record_row(db_stmt *st)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  jsonx_set_str(o, "type", db_col_text(st, 1));
  jsonx_set_str(o, "type_label", assets_type_label(db_col_text(st, 1)));
  jsonx_set_str(o, "name", db_col_text(st, 2));
  jsonx_set_str(o, "code", db_col_text(st, 3));
  jsonx_set_str(o, "sicil_no", db_col_text(st, 4));
  jsonx_set_str(o, "serial", db_col_text(st, 5));
  jsonx_set_str(o, "bios_serial", db_col_text(st, 6));
  jsonx_set_str(o, "brand", db_col_text(st, 7));
  jsonx_set_str(o, "model", db_col_text(st, 8));
  json_t *loc = json_object();
  jsonx_set_str(loc, "building", db_col_text(st, 9));
  jsonx_set_str(loc, "floor", db_col_text(st, 10));
  jsonx_set_str(loc, "room", db_col_text(st, 11));
  json_object_set_new(o, "location", loc);
  json_object_set_new(o, "unit",
                      json_pack("{sIss?ss?}", "id", (json_int_t)db_col_int(st, 12), "code", db_col_text(st, 13), "name",
                                db_col_text(st, 14)));
  jsonx_set_str(o, "status", db_col_text(st, 15));
  jsonx_set_str(o, "status_label", assets_status_label(db_col_text(st, 15)));
  jsonx_set_str(o, "entry_date", db_col_text(st, 16));
  json_t *p = json_object();
  jsonx_set_str(p, "date", db_col_text(st, 17));
  jsonx_set_str(p, "supplier", db_col_text(st, 18));
  jsonx_set_str(p, "supplier_vkn", db_col_text(st, 19));
  jsonx_set_str(p, "order_no", db_col_text(st, 20));
  jsonx_set_str(p, "invoice_no", db_col_text(st, 21));
  json_object_set_new(p, "value", assets_money_json(st, 22));
  jsonx_set_str(p, "warranty_end", db_col_text(st, 23));
  json_object_set_new(o, "purchase", p);
  json_t *attrs = json_loads(db_col_text(st, 24) ? db_col_text(st, 24) : "{}", 0, NULL);
  json_object_set_new(o, "attrs", attrs ? attrs : json_object());
  jsonx_set_str(o, "note", db_col_text(st, 25));
  jsonx_set_str(o, "device_id", db_col_text(st, 26));
  jsonx_set_str(o, "hostname", db_col_text(st, 27));
  json_object_set_new(o, "review", json_boolean(db_col_int(st, 28)));
  json_object_set_new(o, "flagged", json_boolean(db_col_int(st, 29)));
  json_object_set_new(o, "last_inventory_at", time_or_null(db_col_int(st, 30)));
  jsonx_set_str(o, "last_inventory_proto", db_col_text(st, 31));
  json_object_set_new(o, "created_at", time_or_null(db_col_int(st, 32)));
  json_object_set_new(o, "updated_at", time_or_null(db_col_int(st, 33)));
  return o;
}

json_t *assets_record(db *d, int64_t id)
{
  db_stmt *st = db_q(d, "SELECT " ASSET_COLS ASSET_FROM " WHERE a.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? record_row(st) : NULL;
  db_done(st);
  return o;
}

json_t *assets_lookup(db *d, int64_t asset_id)
{
  db_stmt *st = db_q(d, "SELECT id, sicil_no, name, type, serial, status FROM assets WHERE id = ?", "i", asset_id);
  json_t *o = NULL;
  if (st && db_step(st) == DB_ROW)
    o = json_pack("{sIss?ss?ss?ss?ss?}", "id", (json_int_t)db_col_int(st, 0), "sicil_no", db_col_text(st, 1), "name",
                  db_col_text(st, 2), "type", db_col_text(st, 3), "serial", db_col_text(st, 4), "status",
                  db_col_text(st, 5));
  db_done(st);
  return o;
}

/* The whole asset: record, components, software count, custody,
 * history and the tickets that name it. */
static json_t *asset_full(db *d, int64_t id)
{
  json_t *o = assets_record(d, id);
  if (!o)
    return NULL;
  json_t *comps = json_array();
  db_stmt *st = db_q(d,
                     "SELECT kind, name, detail, serial, mac, ip, size_mb FROM asset_components WHERE asset_id = ?"
                     " ORDER BY kind, id LIMIT 1000",
                     "i", id);
  while (st && db_step(st) == DB_ROW) {
    json_t *c = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}", "kind", db_col_text(st, 0), "name",
                          db_col_text(st, 1), "detail", db_col_text(st, 2), "serial", db_col_text(st, 3), "mac",
                          db_col_text(st, 4), "ip", db_col_text(st, 5));
    json_object_set_new(c, "size_mb", db_col_null(st, 6) ? json_null() : json_integer(db_col_int(st, 6)));
    json_array_append_new(comps, c);
  }
  db_done(st);
  json_object_set_new(o, "components", comps);
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM asset_software WHERE asset_id = ?", "i", id) < 0)
    n = 0;
  json_object_set_new(o, "software_count", json_integer(n));
  /* Every agent that reports this machine, with its last inventory. */
  json_t *devs = json_array();
  st = db_q(d,
            "SELECT device_id, proto, first_at, last_at FROM asset_devices WHERE asset_id = ? ORDER BY last_at DESC"
            " LIMIT 20",
            "i", id);
  while (st && db_step(st) == DB_ROW) {
    json_t *dv = json_pack("{s:s?, s:s?}", "device_id", db_col_text(st, 0), "protocol", db_col_text(st, 1));
    jsonx_set_time(dv, "first_at", db_col_int(st, 2));
    jsonx_set_time(dv, "last_at", db_col_int(st, 3));
    json_array_append_new(devs, dv);
  }
  db_done(st);
  json_object_set_new(o, "devices", devs);
  int64_t key = 0;
  if (db_int(d, &key, "SELECT agent_key_id FROM assets WHERE id = ?", "i", id) == DB_ROW && key)
    json_object_set_new(o, "agent_key_id", json_integer(key));
  json_t *cus = assets_custody_of(d, id);
  json_object_set_new(o, "custody", cus ? cus : json_null());
  json_t *hist = json_array();
  st = db_q(d,
            "SELECT at, actor, kind, from_value, to_value, note, flag FROM asset_events WHERE asset_id = ?"
            " ORDER BY id DESC LIMIT ?",
            "ii", id, (int64_t)HISTORY_MAX);
  while (st && db_step(st) == DB_ROW) {
    json_t *e = json_pack("{s:o, s:s?, s:s?, s:s?, s:s?, s:s?, s:b}", "at", time_or_null(db_col_int(st, 0)), "actor",
                          db_col_text(st, 1), "kind", db_col_text(st, 2), "from", db_col_text(st, 3), "to",
                          db_col_text(st, 4), "note", db_col_text(st, 5), "flag", (int)db_col_int(st, 6));
    json_array_append_new(hist, e);
  }
  db_done(st);
  json_object_set_new(o, "history", hist);
  json_t *tickets = desk_tickets_of_asset(d, id, 50);
  json_object_set_new(o, "tickets", tickets ? tickets : json_array());
  return o;
}

/* ---- validation ------------------------------------------------------------------- */

static const struct jfield asset_fields[] = {
    {"type", JT_STRING, false, 32},
    {"name", JT_STRING, false, TEXT_MAX},
    {"code", JT_STRING, false, 64},
    {"serial", JT_STRING, false, 128},
    {"bios_serial", JT_STRING, false, 128},
    {"brand", JT_STRING, false, TEXT_MAX},
    {"model", JT_STRING, false, TEXT_MAX},
    {"building", JT_STRING, false, TEXT_MAX},
    {"floor", JT_STRING, false, 32},
    {"room", JT_STRING, false, TEXT_MAX},
    {"unit", JT_STRING, false, 64},
    {"status", JT_STRING, false, 32},
    {"entry_date", JT_STRING, false, 10},
    {"purchase_date", JT_STRING, false, 10},
    {"supplier", JT_STRING, false, TEXT_MAX},
    {"supplier_vkn", JT_STRING, false, 10},
    {"order_no", JT_STRING, false, 64},
    {"invoice_no", JT_STRING, false, 64},
    {"value", JT_ANY, false, 0},
    {"warranty_end", JT_STRING, false, 10},
    {"attrs", JT_OBJECT, false, 0},
    {"note", JT_STRING, false, NOTE_MAX},
};

/* Reads and checks the fields present in body into in (creating: the
 * required ones too). 0 ok; otherwise fields holds the messages. */
static int read_fields(request *r, db *d, json_t *body, bool create, struct asset_in *in, json_t *fields)
{
  memset(in, 0, sizeof *in);
  const char *v;
  struct {
    const char *key;
    const char **dst;
    size_t max;
  } texts[] = {
      {"name", &in->name, TEXT_MAX},   {"serial", &in->serial, 128},        {"bios_serial", &in->bios_serial, 128},
      {"brand", &in->brand, TEXT_MAX}, {"model", &in->model, TEXT_MAX},     {"building", &in->building, TEXT_MAX},
      {"floor", &in->floor, 32},       {"room", &in->room, TEXT_MAX},       {"supplier", &in->supplier, TEXT_MAX},
      {"order_no", &in->order_no, 64}, {"invoice_no", &in->invoice_no, 64}, {"note", &in->note, NOTE_MAX}};
  for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
    if (!(v = jsonx_str(body, texts[i].key)))
      continue;
    *texts[i].dst = assets_text(r->a, v, texts[i].max);
    if (!*texts[i].dst)
      jsonx_field_error(fields, texts[i].key, _("The text is too long or contains invalid characters."));
  }
  if (create && (!in->name || !*in->name))
    jsonx_field_error(fields, "name", _("Give the asset a name."));
  else if (in->name && !*in->name)
    jsonx_field_error(fields, "name", _("Give the asset a name."));
  if ((v = jsonx_str(body, "type"))) {
    if (!assets_type_valid(v))
      jsonx_field_error(fields, "type", _("Unknown asset type."));
    in->type = arena_strdup(r->a, v);
  } else if (create) {
    jsonx_field_error(fields, "type", _("Choose the asset type."));
  }
  if ((v = jsonx_str(body, "code"))) {
    if (tr_tasinir_kodu_check(v))
      jsonx_field_error(fields, "code", _("The taşınır kodu must look like 255.01.02 (NNN.NN.NN, further levels .NN)."));
    in->code = arena_strdup(r->a, v);
  } else if (create) {
    jsonx_field_error(fields, "code", _("Give the taşınır kodu."));
  }
  if ((v = jsonx_str(body, "status"))) {
    if (!assets_status_valid(v) || (create && str_eq(v, "hurda")))
      jsonx_field_error(fields, "status", _("Unknown status."));
    in->status = arena_strdup(r->a, v);
  }
  if ((v = jsonx_str(body, "unit"))) {
    if (db_int(d, &in->unit_id, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
      jsonx_field_error(fields, "unit", _("Unknown unit."));
  }
  struct {
    const char *key;
    const char **dst;
  } dates[] = {
      {"entry_date", &in->entry_date}, {"purchase_date", &in->purchase_date}, {"warranty_end", &in->warranty_end}};
  for (size_t i = 0; i < ARRAY_LEN(dates); i++) {
    if (!(v = jsonx_str(body, dates[i].key)))
      continue;
    char *out = arena_alloc(r->a, 11);
    if (tr_date_parse(v, out))
      jsonx_field_error(fields, dates[i].key, _("Write the date as YYYY-MM-DD."));
    *dates[i].dst = out;
  }
  if ((v = jsonx_str(body, "supplier_vkn"))) {
    if (*v && tr_vkn_check(v))
      jsonx_field_error(fields, "supplier_vkn", _("The tax number (VKN) is not valid."));
    in->supplier_vkn = *v ? arena_strdup(r->a, v) : NULL;
  }
  json_t *val = json_object_get(body, "value");
  if (val) {
    in->has_value = true;
    if (json_is_null(val)) {
      in->value_null = true;
    } else if (json_is_integer(val) && json_integer_value(val) >= 0 && json_integer_value(val) < 1000000000000LL) {
      in->value_kurus = json_integer_value(val) * 100;
    } else if (json_is_string(val) && (in->value_kurus = tr_money_parse(json_string_value(val))) >= 0) {
      /* parsed */
    } else {
      jsonx_field_error(fields, "value", _("Write the value as a number of lira, e.g. 12500.50."));
    }
  }
  json_t *attrs = json_object_get(body, "attrs");
  if (attrs) {
    /* Checked against the type the asset will have. */
    const char *type = in->type;
    if (!type && !create)
      type = NULL; /* the caller checks against the stored type */
    const char *const *allowed = assets_type_fields(type ? type : jsonx_str(body, "_stored_type"));
    const char *k;
    json_t *x;
    json_object_foreach(attrs, k, x)
    {
      bool known = false;
      for (size_t i = 0; allowed[i] && !known; i++)
        known = str_eq(allowed[i], k);
      if (!known) {
        jsonx_field_error(fields, "attrs", arena_printf(r->a, _("Field %s does not belong to this asset type."), k));
        break;
      }
      if (!json_is_string(x) || !assets_text(r->a, json_string_value(x), TEXT_MAX)) {
        jsonx_field_error(fields, "attrs", arena_printf(r->a, _("Field %s must be a short text."), k));
        break;
      }
    }
    char *text = json_dumps(attrs, JSON_COMPACT | JSON_SORT_KEYS);
    in->attrs = arena_strdup(r->a, text ? text : "{}");
    free(text);
  }
  return json_object_size(fields) ? 400 : 0;
}

/* Gives the asset its sicil no: code-YY-seq, the sequence running per
 * code and entry year (inside the caller's transaction). */
static int assign_sicil(db *d, int64_t id, const char *code, const char *entry_date)
{
  int64_t year = atoi(entry_date), seq = 0;
  if (db_int(d, &seq, "SELECT COALESCE(MAX(sicil_seq), 0) + 1 FROM assets WHERE code = ? AND sicil_year = ?", "ti",
             code, year) != DB_ROW)
    return -1;
  char sicil[96];
  snprintf(sicil, sizeof sicil, "%s-%02lld-%lld", code, (long long)(year % 100), (long long)seq);
  return db_run(d, "UPDATE assets SET code = ?, sicil_year = ?, sicil_seq = ?, sicil_no = ?, review = 0 WHERE id = ?",
                "tiiti", code, year, seq, sicil, id);
}

static const struct jfield status_fields[] = {{"to", JT_STRING, true, 32}, {"note", JT_STRING, false, NOTE_MAX}};

/* ---- handlers ---------------------------------------------------------------------- */

static int reply_asset(request *r, int status, int64_t id)
{
  json_t *o = asset_full(db_thread(), id);
  if (!o)
    return -1;
  return http_json(r, status, o);
}

int assets_api_types(request *r)
{
  json_t *t = json_array();
  for (size_t i = 0; i < ARRAY_LEN(types); i++) {
    json_t *f = json_array();
    for (size_t j = 0; types[i].fields[j]; j++)
      json_array_append_new(f, json_string(types[i].fields[j]));
    json_array_append_new(t, json_pack("{sssssO}", "key", types[i].key, "label", _(types[i].label), "fields", f));
    json_decref(f);
  }
  json_t *s = json_array();
  for (size_t i = 0; assets_statuses[i]; i++)
    json_array_append_new(s, json_pack("{ssss}", "key", assets_statuses[i], "label", _(status_labels[i])));
  return http_json(r, 200, json_pack("{soso}", "types", t, "statuses", s));
}

int assets_check_new(request *r, db *d, json_t *body, struct asset_in *in, json_t *fields)
{
  if (read_fields(r, d, body, true, in, fields))
    return 400;
  char today[11];
  assets_today(today);
  /* The giriş VİF may not be dated before its source document. */
  if (in->purchase_date && strcmp(in->entry_date ? in->entry_date : today, in->purchase_date) < 0) {
    json_object_set_new(fields, "entry_date", json_string(_("The entry date cannot be before the purchase date.")));
    return 400;
  }
  if (!in->unit_id)
    in->unit_id = r->user->unit_id ? r->user->unit_id : rbac_root_unit(d);
  if (!assets_can_manage(r, in->unit_id))
    return 403;
  return 0;
}

int assets_insert(db *d, const struct actor *who, const struct asset_in *in, int64_t *id_out)
{
  char today[11];
  assets_today(today);
  const char *entry = in->entry_date ? in->entry_date : today;
  int64_t now = now_unix(), id = 0;
  int rc = db_run(d,
                  "INSERT INTO assets (type, name, serial, bios_serial, brand, model, building, floor, room, unit_id,"
                  " status, entry_date, purchase_date, supplier, supplier_vkn, order_no, invoice_no, value_kurus,"
                  " warranty_end, attrs, note, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  "ttttttttti"
                  "ttttttt"
                  "nttt"
                  "ii",
                  in->type, in->name, in->serial, in->bios_serial, in->brand, in->model, in->building, in->floor,
                  in->room, in->unit_id, in->status ? in->status : "depoda", entry, in->purchase_date, in->supplier,
                  in->supplier_vkn, in->order_no, in->invoice_no, in->warranty_end, in->attrs ? in->attrs : "{}",
                  in->note, now, now);
  if (!rc) {
    id = db_last_id(d);
    if (in->has_value && !in->value_null)
      rc = db_run(d, "UPDATE assets SET value_kurus = ? WHERE id = ?", "ii", in->value_kurus, id);
  }
  if (!rc)
    rc = assign_sicil(d, id, in->code, entry);
  if (!rc)
    rc = assets_search_refresh(d, id);
  json_t *after = rc ? NULL : assets_record(d, id);
  if (!rc)
    rc = assets_event(d, id, who, "created", NULL, in->status ? in->status : "depoda", NULL, false);
  if (!rc)
    rc = assets_audit(d, who, "asset.create", id, in->unit_id, NULL, after);
  json_decref(after);
  *id_out = id;
  return rc;
}

int assets_api_create(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, asset_fields, ARRAY_LEN(asset_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct asset_in in;
  int rc = assets_check_new(r, d, body, &in, fields);
  json_decref(body);
  if (rc == 400)
    return assets_invalid(r, fields);
  json_decref(fields);
  if (rc == 403)
    return assets_forbidden(r);
  struct actor who = audit_actor(r);
  int64_t id = 0;
  if (db_begin(d))
    return -1;
  rc = assets_insert(d, &who, &in, &id);
  /* A new registration is an entry (giriş) VİF; imported registers are
   * records the institution numbered already. */
  if (!rc)
    rc = assets_vif_registered(d, &who, id);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    if (rc == DB_CONSTRAINT)
      return assets_conflict(r, "conflict", _("An asset with this device id or number exists already."));
    return -1;
  }
  return reply_asset(r, 201, id);
}

int assets_api_get(request *r)
{
  int64_t id, unit;
  if (asset_from_route(r, false, &id, &unit))
    return 0;
  return reply_asset(r, 200, id);
}

int assets_api_patch(request *r)
{
  db *d = db_thread();
  int64_t id, unit;
  if (asset_from_route(r, true, &id, &unit))
    return 0;
  json_t *body = req_json(r, asset_fields, ARRAY_LEN(asset_fields));
  if (!body)
    return 0;
  json_t *before = assets_record(d, id);
  if (!before) {
    json_decref(body);
    return -1;
  }
  const char *stored_type = jsonx_str(before, "type");
  if (!json_object_get(body, "type"))
    json_object_set_new(body, "_stored_type", json_string(stored_type));
  json_t *fields = json_object();
  struct asset_in in;
  int rc = read_fields(r, d, body, false, &in, fields);
  json_decref(body);
  if (!rc && in.status)
    jsonx_field_error(fields, "status", _("Change the status with the status action."));
  if (!rc && in.code && jsonx_str(before, "sicil_no") && !str_eq(in.code, jsonx_str(before, "code")))
    jsonx_field_error(fields, "code", _("The taşınır kodu of a numbered asset cannot change; its sicil no is permanent."));
  if (json_object_size(fields)) {
    json_decref(before);
    return assets_invalid(r, fields);
  }
  json_decref(fields);
  if (in.unit_id && !assets_can_manage(r, in.unit_id)) {
    json_decref(before);
    return assets_forbidden(r);
  }
  if (in.unit_id || in.building || in.floor || in.room) {
    int64_t frozen = assets_count_frozen(d, id);
    if (frozen) {
      json_decref(before);
      return frozen < 0 ? -1 : assets_count_refuse(r, frozen);
    }
  }
  struct actor who = audit_actor(r);
  if (db_begin(d)) {
    json_decref(before);
    return -1;
  }
  /* One column at a time from a fixed list: only what was sent changes. */
  struct {
    const char *sql, *v;
  } sets[] = {
      {"UPDATE assets SET type = ? WHERE id = ?", in.type},
      {"UPDATE assets SET name = ? WHERE id = ?", in.name},
      {"UPDATE assets SET serial = NULLIF(?, '') WHERE id = ?", in.serial},
      {"UPDATE assets SET bios_serial = NULLIF(?, '') WHERE id = ?", in.bios_serial},
      {"UPDATE assets SET brand = ? WHERE id = ?", in.brand},
      {"UPDATE assets SET model = ? WHERE id = ?", in.model},
      {"UPDATE assets SET building = ? WHERE id = ?", in.building},
      {"UPDATE assets SET floor = ? WHERE id = ?", in.floor},
      {"UPDATE assets SET room = ? WHERE id = ?", in.room},
      {"UPDATE assets SET entry_date = ? WHERE id = ? AND sicil_no IS NULL", in.entry_date},
      {"UPDATE assets SET purchase_date = ? WHERE id = ?", in.purchase_date},
      {"UPDATE assets SET supplier = ? WHERE id = ?", in.supplier},
      {"UPDATE assets SET supplier_vkn = ? WHERE id = ?", in.supplier_vkn},
      {"UPDATE assets SET order_no = ? WHERE id = ?", in.order_no},
      {"UPDATE assets SET invoice_no = ? WHERE id = ?", in.invoice_no},
      {"UPDATE assets SET warranty_end = ? WHERE id = ?", in.warranty_end},
      {"UPDATE assets SET attrs = ? WHERE id = ?", in.attrs},
      {"UPDATE assets SET note = ? WHERE id = ?", in.note},
  };
  rc = 0;
  for (size_t i = 0; i < ARRAY_LEN(sets) && !rc; i++)
    if (sets[i].v)
      rc = db_run(d, sets[i].sql, "ti", sets[i].v, id);
  if (!rc && in.unit_id)
    rc = db_run(d, "UPDATE assets SET unit_id = ? WHERE id = ?", "ii", in.unit_id, id);
  if (!rc && in.has_value)
    rc = in.value_null ? db_run(d, "UPDATE assets SET value_kurus = NULL WHERE id = ?", "i", id)
                       : db_run(d, "UPDATE assets SET value_kurus = ? WHERE id = ?", "ii", in.value_kurus, id);
  bool numbered = false;
  if (!rc && in.code && !jsonx_str(before, "sicil_no")) {
    /* Accepting an agent-found asset: it gets its code and number now. */
    char today[11];
    assets_today(today);
    const char *entry = in.entry_date ? in.entry_date : jsonx_str(before, "entry_date");
    rc = assign_sicil(d, id, in.code, entry ? entry : today);
    numbered = true;
  }
  if (!rc)
    rc = db_run(d, "UPDATE assets SET updated_at = ? WHERE id = ?", "ii", now_unix(), id);
  if (!rc)
    rc = assets_search_refresh(d, id);
  json_t *after = rc ? NULL : assets_record(d, id);
  if (!rc)
    rc = assets_event(d, id, &who, numbered ? "accepted" : "changed", NULL,
                      numbered ? jsonx_str(after, "sicil_no") : NULL, NULL, false);
  if (!rc)
    rc = assets_audit(d, &who, "asset.update", id, in.unit_id ? in.unit_id : unit, before, after);
  json_decref(before);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    if (rc == DB_CONSTRAINT)
      return assets_conflict(r, "conflict", _("An asset with this device id or number exists already."));
    return -1;
  }
  return reply_asset(r, 200, id);
}

int assets_api_status(request *r)
{
  db *d = db_thread();
  int64_t id, unit;
  if (asset_from_route(r, true, &id, &unit))
    return 0;
  json_t *body = req_json(r, status_fields, ARRAY_LEN(status_fields));
  if (!body)
    return 0;
  const char *to = jsonx_str(body, "to");
  const char *note = jsonx_str(body, "note") ? assets_text(r->a, jsonx_str(body, "note"), NOTE_MAX) : NULL;
  bool note_bad = jsonx_str(body, "note") && !note;
  to = to ? arena_strdup(r->a, to) : NULL;
  json_decref(body);
  if (!assets_status_valid(to))
    return assets_invalid(r, json_pack("{ss}", "to", _("Unknown status.")));
  if (note_bad)
    return assets_invalid(r, json_pack("{ss}", "note", _("The text is too long or contains invalid characters.")));
  json_t *before = assets_record(d, id);
  if (!before)
    return -1;
  const char *from = arena_strdup(r->a, jsonx_str(before, "status"));
  json_t *cus = assets_custody_of(d, id);
  bool held = cus != NULL;
  json_decref(cus);
  const char *code = NULL, *msg = NULL;
  if (str_eq(from, "hurda"))
    code = "scrapped", msg = _("A scrapped asset does not change any more.");
  else if (str_eq(from, to))
    code = "same_status", msg = _("The asset has this status already.");
  else if (held && (str_eq(to, "hurda") || str_eq(to, "depoda")))
    code = "in_custody", msg = _("The asset is in someone's custody; record its return first.");
  if (code) {
    json_decref(before);
    return assets_conflict(r, code, msg);
  }
  int64_t frozen = assets_count_frozen(d, id);
  if (frozen) {
    json_decref(before);
    return frozen < 0 ? -1 : assets_count_refuse(r, frozen);
  }
  int rc;
  struct actor who = audit_actor(r);
  if (db_begin(d)) {
    json_decref(before);
    return -1;
  }
  rc = db_run(d, "UPDATE assets SET status = ?, updated_at = ? WHERE id = ?", "tii", to, now_unix(), id);
  if (!rc)
    rc = assets_event(d, id, &who, "status", from, to, note, false);
  if (!rc && str_eq(to, "hurda"))
    rc = assets_vif_scrapped(d, &who, id, note);
  json_t *after = rc ? NULL : assets_record(d, id);
  if (!rc)
    rc = assets_audit(d, &who, "asset.status", id, unit, before, after);
  json_decref(before);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  return reply_asset(r, 200, id);
}

int assets_api_history(request *r)
{
  int64_t id, unit;
  if (asset_from_route(r, false, &id, &unit))
    return 0;
  json_t *o = asset_full(db_thread(), id);
  if (!o)
    return -1;
  json_t *items = json_incref(json_object_get(o, "history"));
  json_decref(o);
  return http_json(r, 200, json_pack("{so}", "items", items));
}

int assets_api_software(request *r)
{
  int64_t id, unit;
  if (asset_from_route(r, false, &id, &unit))
    return 0;
  int64_t limit, cursor;
  if (req_paging(r, 500, 5000, &limit, &cursor))
    return 0;
  db *d = db_thread();
  db_stmt *st = db_q(d,
                     "SELECT s.id, s.name, s.publisher, x.version FROM asset_software x"
                     " JOIN software s ON s.id = x.software_id WHERE x.asset_id = ? AND s.id > ?"
                     " ORDER BY s.id LIMIT ?",
                     "iii", id, cursor, limit + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  bool more = false;
  while (db_step(st) == DB_ROW) {
    if (n == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, json_pack("{sIss?ss?ss?}", "id", (json_int_t)last, "name", db_col_text(st, 1),
                                           "publisher", db_col_text(st, 2), "version", db_col_text(st, 3)));
    n++;
  }
  db_done(st);
  return http_json_page(r, items, more, last);
}

/* ---- the list ------------------------------------------------------------------------ */

int assets_api_list(request *r)
{
  db *d = db_thread();
  json_t *fields = json_object();
  int64_t limit = LIST_DEFAULT, cursor = 0, unit = 0;
  const char *v, *w[4] = {NULL, NULL, NULL, NULL}, *type = NULL, *status = NULL;
  bool review = false, flagged = false;
  if ((v = req_query(r, "q")) && *v) {
    size_t n = strlen(v);
    char *folded = arena_alloc(r->a, 2 * n + 1);
    if (n > 200 || tr_fold(v, true, folded, 2 * n + 1))
      jsonx_field_error(fields, "q", _("The search text is too long or invalid."));
    /* Up to four words, each found anywhere in the asset's search text. */
    int k = 0;
    for (char *save = NULL, *t = strtok_r(folded, " ", &save); t && k < 4; t = strtok_r(NULL, " ", &save))
      w[k++] = t;
  }
  if ((v = req_query(r, "type")) && *v) {
    if (!assets_type_valid(v))
      jsonx_field_error(fields, "type", _("Unknown asset type."));
    type = v;
  }
  if ((v = req_query(r, "status")) && *v) {
    if (!assets_status_valid(v))
      jsonx_field_error(fields, "status", _("Unknown status."));
    status = v;
  }
  if ((v = req_query(r, "unit")) && *v && db_int(d, &unit, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
    jsonx_field_error(fields, "unit", _("Unknown unit."));
  if ((v = req_query(r, "review")) && str_eq(v, "1"))
    review = true;
  if ((v = req_query(r, "flagged")) && str_eq(v, "1"))
    flagged = true;
  const char *format;
  sheet_list_params(r, fields, LIST_MAX, &limit, &cursor, &format);
  if (json_object_size(fields))
    return assets_invalid(r, fields);
  json_decref(fields);
  if (!cursor)
    cursor = INT64_MAX;
  int64_t me = r->user->id;
  bool global = rbac_can(me, "assets.read", rbac_root_unit(d));
  /* Words of three bytes or more go through the trigram index (a phrase
   * each, all required); every word is still checked on the text, which
   * keeps shorter words working. Both ways walk the register newest
   * first from the cursor and stop at the page. */
  buf match;
  buf_init(&match, 128);
  for (int k = 0; k < 4 && w[k]; k++) {
    if (strlen(w[k]) < 3)
      continue;
    buf_puts(&match, match.len ? " \"" : "\"");
    for (const char *c = w[k]; *c; c++)
      buf_puts(&match, *c == '"' ? "\"\"" : (char[]){*c, 0});
    buf_puts(&match, "\"");
  }
  const char *fts = match.len ? arena_strdup(r->a, buf_cstr(&match)) : NULL;
  buf_free(&match);
#define LIST_COLUMNS                                                                                                   \
  "SELECT a.id, a.sicil_no, a.serial, a.name, a.type, a.status, u.code, a.hostname, a.review, a.flagged, a.code"
#define LIST_FILTERS                                                                                                   \
  " (? = 1 OR a.unit_id IN (SELECT uu.id FROM units uu WHERE " RBAC_SQL_REACHES("uu.path", "'assets.read'") "))"     \
  " AND (? IS NULL OR instr(a.search, ?) > 0) AND (? IS NULL OR instr(a.search, ?) > 0)"                             \
  " AND (? IS NULL OR instr(a.search, ?) > 0) AND (? IS NULL OR instr(a.search, ?) > 0)"                             \
  " AND (? IS NULL OR a.type = ?) AND (? IS NULL OR a.status = ?) AND (? = 0 OR a.unit_id = ?)"                      \
  " AND (? = 0 OR a.review = 1) AND (? = 0 OR a.flagged = 1)"
  struct db_arg args[] = {
      {.t = fts},
      {.i = global},
      {.i = me},
      {.t = w[0]},
      {.t = w[0]},
      {.t = w[1]},
      {.t = w[1]},
      {.t = w[2]},
      {.t = w[2]},
      {.t = w[3]},
      {.t = w[3]},
      {.t = type},
      {.t = type},
      {.t = status},
      {.t = status},
      {.i = unit},
      {.i = unit},
      {.i = review},
      {.i = flagged},
      {.i = cursor},
      {.i = limit + 1},
  };
  static const char argt[] = "tiittttttttttttiiiiii";
  db_stmt *st = fts ? db_qa(d,
                            LIST_COLUMNS " FROM assets_fts f JOIN assets a ON a.id = f.rowid"
                                         " JOIN units u ON u.id = a.unit_id WHERE assets_fts MATCH ? AND" LIST_FILTERS
                                         " AND f.rowid < ? ORDER BY f.rowid DESC LIMIT ?",
                            argt, args)
                    : db_qa(d,
                            LIST_COLUMNS " FROM assets a JOIN units u ON u.id = a.unit_id WHERE" LIST_FILTERS
                                         " AND a.id < ? ORDER BY a.id DESC LIMIT ?",
                            argt + 1, args + 1);
#undef LIST_COLUMNS
#undef LIST_FILTERS
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  bool more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_t *o = json_pack("{sIss?ss?ss?ss?ss?ss?ss?ss?sbsbss?}", "id", (json_int_t)last, "sicil_no", db_col_text(st, 1),
                          "serial", db_col_text(st, 2), "name", db_col_text(st, 3), "type", db_col_text(st, 4),
                          "type_label", assets_type_label(db_col_text(st, 4)), "status", db_col_text(st, 5),
                          "unit_code", db_col_text(st, 6), "hostname", db_col_text(st, 7), "review",
                          (int)db_col_int(st, 8), "flagged", (int)db_col_int(st, 9), "code", db_col_text(st, 10));
    json_array_append_new(items, o);
    n++;
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  if (format) {
    rc = assets_export_list(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json_page(r, items, more, last);
}

/* ---- coverage figures --------------------------------------------------------------- */

json_t *assets_figures(db *d, const struct figure_query *q)
{
  int64_t a = 0, b = 0, c = 0;
  if (str_eq(q->capability, "assets")) {
    if (db_int(d, &a, "SELECT COUNT(*) FROM assets WHERE status <> 'hurda'", "") < 0 ||
        db_int(d, &b, "SELECT COUNT(*) FROM assets WHERE created_at >= ? AND created_at < ?", "ii", q->from, q->to) < 0)
      return NULL;
    return json_pack("{sIsI}", "assets", (json_int_t)a, "registered", (json_int_t)b);
  }
  if (str_eq(q->capability, "custody")) {
    if (db_int(d, &a, "SELECT COUNT(*) FROM custody WHERE returned_at IS NULL", "") < 0 ||
        db_int(d, &b, "SELECT COUNT(*) FROM custody WHERE issued_at >= ? AND issued_at < ?", "ii", q->from, q->to) <
            0 ||
        db_int(d, &c, "SELECT COUNT(*) FROM custody WHERE returned_at >= ? AND returned_at < ?", "ii", q->from, q->to) <
            0)
      return NULL;
    return json_pack("{sIsIsI}", "open", (json_int_t)a, "issued", (json_int_t)b, "returned", (json_int_t)c);
  }
  if (str_eq(q->capability, "inventory_agent")) {
    if (db_int(d, &a, "SELECT COUNT(*) FROM assets WHERE last_inventory_at >= ? AND last_inventory_at < ?", "ii",
               q->from, q->to) < 0 ||
        db_int(d, &b, "SELECT COUNT(*) FROM assets WHERE review = 1", "") < 0 ||
        db_int(d, &c, "SELECT COUNT(*) FROM assets WHERE flagged = 1", "") < 0)
      return NULL;
    return json_pack("{sIsIsI}", "inventoried", (json_int_t)a, "review", (json_int_t)b, "flagged", (json_int_t)c);
  }
  if (str_eq(q->capability, "software")) {
    if (db_int(d, &a, "SELECT COUNT(*) FROM software", "") < 0)
      return NULL;
    return json_pack("{sI}", "titles", (json_int_t)a);
  }
  return NULL;
}
