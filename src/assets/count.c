/* count.c - the count (sayım, TMY 2024 md. 10/1-g,ğ; 17; 32; 34): a kurul
 * of at least three, the kayıt yetkilisi among them, counts an ambar or a
 * set of locations and shared spaces at year end or when ordered. Opening
 * snapshots what the records expect there (items on a person's Teslim
 * Belgesi are taken from the records, not counted) and may freeze the
 * movements of those assets. Labels are scanned (their QR carries the
 * sicil no) or sicil nos and serials typed; the first pass is closed,
 * only the differing lines are counted again (ikinci sayım), and the
 * finalisation records Fazla with an entry VİF and Noksan with a
 * Kayıttan Düşme Teklif ve Onay Tutanağı line and an exit VİF, in one
 * transaction. A finalised count is never reopened. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/sheet.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  TEXT_MAX = 200,
  CODE_MAX = 200,
  SPACES_MAX = 50,
  KURUL_MAX = 15,
  KURUL_MIN = 3,
  LINES_MAX = 100000,
};

#define ASSET_PREFIX "defter-asset:"

/* ---- the freeze -------------------------------------------------------------------- */

int64_t assets_count_frozen(db *d, int64_t asset_id)
{
  int64_t id = 0;
  int rc = db_int(d, &id,
                  "SELECT c.id FROM asset_count_lines l JOIN asset_counts c ON c.id = l.count_id"
                  " WHERE l.asset_id = ? AND c.state <> 'kesin' AND c.frozen = 1 ORDER BY c.id LIMIT 1",
                  "i", asset_id);
  if (rc < 0)
    return -1;
  return rc == DB_ROW ? id : 0;
}

int assets_count_refuse(request *r, int64_t count_id)
{
  return assets_conflict(
      r, "count_frozen",
      arena_printf(r->a, _("Count in progress: movements of this asset are frozen until count %lld is finalised."),
                   (long long)count_id));
}

/* ---- access ------------------------------------------------------------------------ */

static bool on_kurul(db *d, int64_t count_id, int64_t user_id)
{
  int64_t one = 0;
  return db_int(d, &one,
                "SELECT 1 FROM asset_count_kurul k JOIN org_people p ON p.id = k.person_id"
                " WHERE k.count_id = ? AND p.user_id = ?",
                "ii", count_id, user_id) == DB_ROW;
}

int assets_count_from_route(request *r, struct assets_count *c)
{
  db *d = db_thread();
  memset(c, 0, sizeof *c);
  if (parse_i64(req_param(r, "cid"), &c->id) || c->id <= 0) {
    assets_not_found(r);
    return 1;
  }
  db_stmt *st = db_q(d, "SELECT COALESCE(unit_id, 0), state FROM asset_counts WHERE id = ?", "i", c->id);
  bool found = st && db_step(st) == DB_ROW;
  if (found) {
    c->unit_id = db_col_int(st, 0);
    snprintf(c->state, sizeof c->state, "%s", db_col_text(st, 1));
  }
  db_done(st);
  if (!found) {
    assets_not_found(r);
    return 1;
  }
  if (!c->unit_id)
    c->unit_id = rbac_root_unit(d);
  c->manage = rbac_can(r->user->id, "assets.count", c->unit_id);
  c->kurul = on_kurul(d, c->id, r->user->id);
  if (!c->manage && !c->kurul) {
    assets_not_found(r);
    return 1;
  }
  return 0;
}

/* ---- the count as JSON ------------------------------------------------------------- */

static const char *state_label(const char *state)
{
  if (str_eq(state, "sayim"))
    return _("Counting (first pass)");
  if (str_eq(state, "ikinci"))
    return _("Recount (ikinci sayım)");
  return _("Finalised");
}

/* The line's final presence: items on a Teslim Belgesi are present by the
 * records; recounted lines take the recount; the rest the first pass. */
#define FOUND_SQL "(CASE WHEN l.kind = 'records' THEN 1 WHEN l.found2 IS NULL THEN l.found1 ELSE l.found2 END)"
/* Its difference: Noksan (expected, not found) or Fazla (found, not
 * expected); NULL when the line agrees. */
#define DIFF_SQL                                                                                                       \
  "(CASE WHEN l.kind = 'expected' AND " FOUND_SQL " = 0 THEN 'noksan' WHEN l.kind IN ('unexpected', 'unregistered')"   \
  " AND " FOUND_SQL " = 1 THEN 'fazla' END)"

static json_t *progress(db *d, int64_t id)
{
  db_stmt *st =
      db_q(d,
           "SELECT COALESCE(SUM(l.kind = 'expected'), 0), COALESCE(SUM(l.kind = 'expected' AND l.found1 = 1), 0),"
           " COALESCE(SUM(l.kind = 'records'), 0), COALESCE(SUM(l.kind = 'unexpected'), 0),"
           " COALESCE(SUM(l.kind = 'unregistered'), 0), COALESCE(SUM(l.found2 IS NOT NULL), 0),"
           " COALESCE(SUM(l.found2 = 1), 0), COALESCE(SUM(" DIFF_SQL " = 'fazla'), 0),"
           " COALESCE(SUM(" DIFF_SQL " = 'noksan'), 0) FROM asset_count_lines l WHERE l.count_id = ?",
           "i", id);
  json_t *o = NULL;
  if (st && db_step(st) == DB_ROW)
    o = json_pack("{sIsIsIsIsIsIsIsIsI}", "expected", (json_int_t)db_col_int(st, 0), "found",
                  (json_int_t)db_col_int(st, 1), "records", (json_int_t)db_col_int(st, 2), "unexpected",
                  (json_int_t)db_col_int(st, 3), "unregistered", (json_int_t)db_col_int(st, 4), "recount",
                  (json_int_t)db_col_int(st, 5), "recounted", (json_int_t)db_col_int(st, 6), "fazla",
                  (json_int_t)db_col_int(st, 7), "noksan", (json_int_t)db_col_int(st, 8));
  db_done(st);
  return o ? o : json_object();
}

static json_t *line_row(db_stmt *st)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  json_object_set_new(o, "asset_id", db_col_null(st, 1) ? json_null() : json_integer(db_col_int(st, 1)));
  jsonx_set_str(o, "sicil_no", db_col_text(st, 2));
  jsonx_set_str(o, "kind", db_col_text(st, 3));
  jsonx_set_str(o, "code", db_col_text(st, 4));
  jsonx_set_str(o, "name", db_col_text(st, 5));
  json_object_set_new(o, "value", assets_money_json(st, 6));
  jsonx_set_str(o, "space", db_col_text(st, 7));
  jsonx_set_str(o, "holder", db_col_text(st, 8));
  jsonx_set_str(o, "scan_code", db_col_text(st, 9));
  jsonx_set_str(o, "description", db_col_text(st, 10));
  json_object_set_new(o, "found1", json_boolean(db_col_int(st, 11)));
  json_object_set_new(o, "found2", db_col_null(st, 12) ? json_null() : json_boolean(db_col_int(st, 12)));
  json_object_set_new(o, "found", json_boolean(db_col_int(st, 13)));
  jsonx_set_str(o, "difference", db_col_text(st, 14));
  jsonx_set_str(o, "result", db_col_text(st, 15));
  jsonx_set_str(o, "serial", db_col_text(st, 16));
  jsonx_set_str(o, "first_difference", db_col_text(st, 17));
  json_object_set_new(o, "recount", json_boolean(!db_col_null(st, 12)));
  return o;
}

/* The first pass's difference: what the recount takes. */
#define DIFF1_SQL                                                                                                      \
  "(CASE WHEN l.kind = 'expected' AND l.found1 = 0 THEN 'noksan' WHEN l.kind IN ('unexpected', 'unregistered')"        \
  " AND l.found1 = 1 THEN 'fazla' END)"
#define LINE_COLS                                                                                                      \
  "l.id, l.asset_id, a.sicil_no, l.kind, l.code, l.name, l.value_kurus, l.space, l.holder, l.scan_code,"               \
  " l.description, l.found1, l.found2, " FOUND_SQL ", " DIFF_SQL ", l.result, a.serial, " DIFF1_SQL
#define LINE_FROM " FROM asset_count_lines l LEFT JOIN assets a ON a.id = l.asset_id"

json_t *assets_count_json(db *d, int64_t id, bool lines)
{
  db_stmt *st = db_q(d,
                     "SELECT c.id, c.title, c.reason, c.order_ref, c.count_date, c.year, c.unit_id, u.code, u.name,"
                     " c.building, c.floor, c.room, c.spaces, c.frozen, c.state, c.opened_by, c.opened_at,"
                     " c.closed_at, c.finalised_at, c.finalised_by FROM asset_counts c"
                     " LEFT JOIN units u ON u.id = c.unit_id WHERE c.id = ?",
                     "i", id);
  if (!st || db_step(st) != DB_ROW) {
    db_done(st);
    return NULL;
  }
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  jsonx_set_str(o, "title", db_col_text(st, 1));
  jsonx_set_str(o, "reason", db_col_text(st, 2));
  jsonx_set_str(o, "order_ref", db_col_text(st, 3));
  jsonx_set_str(o, "date", db_col_text(st, 4));
  json_object_set_new(o, "year", json_integer(db_col_int(st, 5)));
  json_t *scope = json_object();
  if (db_col_null(st, 6))
    json_object_set_new(scope, "unit", json_null());
  else
    json_object_set_new(scope, "unit",
                        json_pack("{sIss?ss?}", "id", (json_int_t)db_col_int(st, 6), "code", db_col_text(st, 7), "name",
                                  db_col_text(st, 8)));
  jsonx_set_str(scope, "building", db_col_text(st, 9));
  jsonx_set_str(scope, "floor", db_col_text(st, 10));
  jsonx_set_str(scope, "room", db_col_text(st, 11));
  json_t *spaces = json_loads(db_col_text(st, 12) ? db_col_text(st, 12) : "[]", 0, NULL);
  json_object_set_new(scope, "spaces", spaces ? spaces : json_array());
  json_object_set_new(o, "scope", scope);
  json_object_set_new(o, "frozen", json_boolean(db_col_int(st, 13)));
  jsonx_set_str(o, "state", db_col_text(st, 14));
  jsonx_set_str(o, "state_label", state_label(db_col_text(st, 14)));
  jsonx_set_str(o, "opened_by", db_col_text(st, 15));
  jsonx_set_time(o, "opened_at", db_col_int(st, 16));
  if (db_col_null(st, 17))
    json_object_set_new(o, "closed_at", json_null());
  else
    jsonx_set_time(o, "closed_at", db_col_int(st, 17));
  if (db_col_null(st, 18))
    json_object_set_new(o, "finalised_at", json_null());
  else
    jsonx_set_time(o, "finalised_at", db_col_int(st, 18));
  jsonx_set_str(o, "finalised_by", db_col_text(st, 19));
  db_done(st);

  json_t *kurul = json_array();
  st = db_q(d,
            "SELECT k.person_id, p.name, pos.title, k.role FROM asset_count_kurul k JOIN org_people p ON p.id ="
            " k.person_id LEFT JOIN org_positions pos ON pos.id = p.position_id WHERE k.count_id = ? ORDER BY k.sort",
            "i", id);
  while (st && db_step(st) == DB_ROW)
    json_array_append_new(kurul,
                          json_pack("{sIss?ss?ss?}", "person_id", (json_int_t)db_col_int(st, 0), "name",
                                    db_col_text(st, 1), "title", db_col_text(st, 2), "role", db_col_text(st, 3)));
  db_done(st);
  json_object_set_new(o, "kurul", kurul);
  json_object_set_new(o, "progress", progress(d, id));

  json_t *vifs = json_array();
  st = db_q(d, "SELECT id, kind, year, no, date FROM vif WHERE count_id = ? ORDER BY id", "i", id);
  while (st && db_step(st) == DB_ROW) {
    char no[48];
    snprintf(no, sizeof no, "%lld/%lld", (long long)db_col_int(st, 2), (long long)db_col_int(st, 3));
    json_array_append_new(vifs, json_pack("{sIsssIsIssss}", "id", (json_int_t)db_col_int(st, 0), "kind",
                                          db_col_text(st, 1), "year", (json_int_t)db_col_int(st, 2), "no",
                                          (json_int_t)db_col_int(st, 3), "number", no, "date", db_col_text(st, 4)));
  }
  db_done(st);
  json_object_set_new(o, "vifs", vifs);
  char base[64];
  snprintf(base, sizeof base, "/api/v1/assets/counts/%lld", (long long)id);
  json_object_set_new(o, "documents",
                      json_pack("{s:s+, s:s+, s:s+}", "cetvel_xlsx", base, "/cetvel.xlsx", "cetvel_pdf", base,
                                "/cetvel.pdf", "tutanak_pdf", base, "/tutanak.pdf"));
  if (lines) {
    json_t *items = json_array(), *diffs = json_array();
    st = db_q(d, "SELECT " LINE_COLS LINE_FROM " WHERE l.count_id = ? ORDER BY l.id LIMIT ?", "ii", id,
              (int64_t)LINES_MAX);
    while (st && db_step(st) == DB_ROW) {
      json_t *l = line_row(st);
      /* A difference now, or one of the first pass under recount. */
      if (jsonx_str(l, "difference") || jsonx_str(l, "first_difference"))
        json_array_append(diffs, l);
      json_array_append_new(items, l);
    }
    db_done(st);
    json_object_set_new(o, "lines", items);
    json_object_set_new(o, "differences", diffs);
  }
  return o;
}

/* ---- list ---------------------------------------------------------------------------- */

int assets_api_counts_list(request *r)
{
  db *d = db_thread();
  /* ?format=csv|xlsx: every count the user may see as a file (export.c) */
  const char *format = req_query(r, "format");
  if (format && !sheet_format_ok(format))
    return assets_invalid(r, json_pack("{ss}", "format", _("Use csv or xlsx.")));
  int64_t root = rbac_root_unit(d);
  db_stmt *st = db_q(d, "SELECT id, COALESCE(unit_id, 0) FROM asset_counts ORDER BY id DESC LIMIT ?", "i",
                     format ? (int64_t)SHEET_EXPORT_MAX + 1 : (int64_t)500);
  if (!st)
    return -1;
  json_t *ids = json_array();
  while (db_step(st) == DB_ROW) {
    int64_t unit = db_col_int(st, 1);
    if (rbac_can(r->user->id, "assets.count", unit ? unit : root))
      json_array_append_new(ids, json_integer(db_col_int(st, 0)));
  }
  db_done(st);
  json_t *items = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(ids, i, v)
  {
    json_t *c = assets_count_json(d, json_integer_value(v), false);
    if (c)
      json_array_append_new(items, c);
  }
  json_decref(ids);
  if (format) {
    int rc = assets_export_counts(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json(r, 200, json_pack("{so}", "items", items));
}

/* ---- opening -------------------------------------------------------------------------- */

static const struct jfield open_fields[] = {
    {"title", JT_STRING, false, TEXT_MAX},
    {"reason", JT_STRING, true, 16},
    {"order_ref", JT_STRING, false, TEXT_MAX},
    {"date", JT_STRING, false, 10},
    {"unit", JT_STRING, false, 64},
    {"building", JT_STRING, false, TEXT_MAX},
    {"floor", JT_STRING, false, 32},
    {"room", JT_STRING, false, TEXT_MAX},
    {"spaces", JT_ARRAY, false, SPACES_MAX},
    {"kurul", JT_ARRAY, true, KURUL_MAX},
    {"kayit_yetkilisi", JT_INT, true, 0},
    {"freeze", JT_BOOL, false, 0},
};

static bool person_active(db *d, int64_t id)
{
  int64_t one = 0;
  return id > 0 && db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ? AND active = 1", "i", id) == DB_ROW;
}

struct count_in {
  const char *title, *reason, *order_ref, *building, *floor, *room, *spaces_json;
  char date[11];
  int64_t unit_id, kayit;
  int64_t kurul[KURUL_MAX];
  size_t nkurul;
  json_t *spaces; /* borrowed from the body */
  bool freeze;
};

static const char *opt_text(request *r, json_t *body, const char *key, size_t max, json_t *fields)
{
  const char *v = jsonx_str(body, key), *t;
  if (!v)
    return NULL;
  if (!(t = assets_text(r->a, v, max))) {
    jsonx_field_error(fields, key, _("The text is too long or contains invalid characters."));
    return NULL;
  }
  return *t ? t : NULL;
}

static void read_open(request *r, db *d, json_t *body, struct count_in *in, json_t *fields)
{
  memset(in, 0, sizeof *in);
  in->title = opt_text(r, body, "title", TEXT_MAX, fields);
  in->order_ref = opt_text(r, body, "order_ref", TEXT_MAX, fields);
  in->building = opt_text(r, body, "building", TEXT_MAX, fields);
  in->floor = opt_text(r, body, "floor", 32, fields);
  in->room = opt_text(r, body, "room", TEXT_MAX, fields);
  const char *v = jsonx_str(body, "reason");
  if (str_eq(v, "yil_sonu") || str_eq(v, "emir"))
    in->reason = arena_strdup(r->a, v);
  else
    jsonx_field_error(fields, "reason", _("The reason is yil_sonu (year end) or emir (ordered)."));
  if (str_eq(in->reason, "emir") && !in->order_ref)
    jsonx_field_error(fields, "order_ref", _("Give the order (emir) the count was opened by."));
  char today[11];
  assets_today(today);
  snprintf(in->date, sizeof in->date, "%s", today);
  if ((v = jsonx_str(body, "date"))) {
    if (tr_date_parse(v, in->date))
      jsonx_field_error(fields, "date", _("Write the date as YYYY-MM-DD."));
    else if (strcmp(in->date, today) > 0)
      jsonx_field_error(fields, "date", _("A count starts today or earlier."));
  }
  if ((v = jsonx_str(body, "unit")) && *v &&
      db_int(d, &in->unit_id, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
    jsonx_field_error(fields, "unit", _("Unknown unit."));
  json_t *spaces = json_object_get(body, "spaces"), *x;
  size_t i;
  json_array_foreach(spaces, i, x)
  {
    if (!json_is_string(x) || !assets_text(r->a, json_string_value(x), TEXT_MAX) || !*json_string_value(x)) {
      jsonx_field_error(fields, "spaces", _("List the shared spaces by name."));
      break;
    }
  }
  if (json_array_size(spaces)) {
    in->spaces = spaces;
    char *s = json_dumps(spaces, JSON_COMPACT);
    in->spaces_json = arena_strdup(r->a, s ? s : "[]");
    free(s);
  }
  if (!in->unit_id && !in->building && !in->floor && !in->room && !in->spaces && !json_object_get(fields, "unit"))
    jsonx_field_error(fields, "unit", _("Name the unit, a location (building, floor, room) or shared spaces to count."));
  json_t *kurul = json_object_get(body, "kurul");
  json_array_foreach(kurul, i, x)
  {
    int64_t p = json_is_integer(x) ? json_integer_value(x) : 0;
    if (!person_active(d, p)) {
      jsonx_field_error(fields, "kurul", _("The kurul lists people by their id; one of them is unknown."));
      break;
    }
    bool dup = false;
    for (size_t k = 0; k < in->nkurul; k++)
      dup = dup || in->kurul[k] == p;
    if (!dup && in->nkurul < KURUL_MAX)
      in->kurul[in->nkurul++] = p;
  }
  if (in->nkurul < KURUL_MIN)
    jsonx_field_error(fields, "kurul", _("The count kurul has at least three members."));
  in->kayit = jsonx_int(body, "kayit_yetkilisi", 0);
  bool member = false;
  for (size_t k = 0; k < in->nkurul; k++)
    member = member || in->kurul[k] == in->kayit;
  if (!member)
    jsonx_field_error(fields, "kayit_yetkilisi", _("The kayıt yetkilisi sits on the kurul."));
  in->freeze = jsonx_bool(body, "freeze", true);
}

/* Snapshots the lines: assets of the location (unit subtree, building,
 * floor, room as given) and those placed in the listed shared spaces. */
#define SNAPSHOT_INSERT                                                                                                \
  "INSERT INTO asset_count_lines (count_id, asset_id, kind, code, name, value_kurus, space, holder)"                   \
  " SELECT ?, a.id, CASE WHEN c.person_id IS NOT NULL THEN 'records' ELSE 'expected' END, a.code, a.name,"             \
  " a.value_kurus, c.space, CASE WHEN c.person_id IS NOT NULL THEN p.name || ' (' || c.belge_year || '/'"              \
  " || c.belge_no || ')' END FROM assets a LEFT JOIN custody c ON c.asset_id = a.id AND c.returned_at IS NULL"         \
  " LEFT JOIN org_people p ON p.id = c.person_id WHERE a.status <> 'hurda' AND a.sicil_no IS NOT NULL"                 \
  " AND NOT EXISTS (SELECT 1 FROM asset_count_lines x WHERE x.count_id = ? AND x.asset_id = a.id)"

static int snapshot(db *d, int64_t id, const struct count_in *in)
{
  int rc = 0;
  if (in->unit_id || in->building || in->floor || in->room)
    rc = db_run(d,
                SNAPSHOT_INSERT " AND (? = 0 OR a.unit_id IN (SELECT uu.id FROM units uu JOIN units gu ON gu.id = ?"
                                " WHERE substr(uu.path, 1, length(gu.path)) = gu.path))"
                                " AND (? IS NULL OR a.building = ?) AND (? IS NULL OR a.floor = ?)"
                                " AND (? IS NULL OR a.room = ?)",
                "iiiitttttt", id, id, in->unit_id, in->unit_id, in->building, in->building, in->floor, in->floor,
                in->room, in->room);
  size_t i;
  json_t *x;
  json_array_foreach(in->spaces, i, x)
  {
    if (rc)
      break;
    rc = db_run(d, SNAPSHOT_INSERT " AND c.space = ?", "iit", id, id, json_string_value(x));
  }
  return rc;
}

int assets_api_count_open(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, open_fields, ARRAY_LEN(open_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct count_in in;
  read_open(r, d, body, &in, fields);
  if (json_object_size(fields)) {
    json_decref(body);
    return assets_invalid(r, fields);
  }
  json_decref(fields);
  int64_t scope_unit = in.unit_id ? in.unit_id : rbac_root_unit(d);
  if (!rbac_can(r->user->id, "assets.count", scope_unit)) {
    json_decref(body);
    return assets_forbidden(r);
  }
  struct actor who = audit_actor(r);
  const char *title = in.title ? in.title : arena_printf(r->a, "%s %s", _("Count"), in.date);
  int64_t id = 0, overlap = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO asset_counts (title, reason, order_ref, count_date, year, unit_id, building, floor, room,"
                " spaces, frozen, state, opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sayim', ?, ?)",
                "ttttiIttttiti", title, in.reason, in.order_ref, in.date, (int64_t)atoi(in.date), in.unit_id,
                in.building, in.floor, in.room, in.spaces_json ? in.spaces_json : "[]", (int64_t)in.freeze,
                who.name ? who.name : "system", now_unix());
  if (!rc)
    id = db_last_id(d);
  for (size_t k = 0; k < in.nkurul && !rc; k++) {
    const char *role = in.kurul[k] == in.kayit ? "kayit_yetkilisi" : "uye";
    /* The first member who is not the kayıt yetkilisi chairs it. */
    if (!str_eq(role, "kayit_yetkilisi") && (k == 0 || (k == 1 && in.kurul[0] == in.kayit)))
      role = "baskan";
    rc = db_run(d, "INSERT INTO asset_count_kurul (count_id, person_id, role, sort) VALUES (?, ?, ?, ?)", "iiti", id,
                in.kurul[k], role, (int64_t)k);
  }
  if (!rc)
    rc = snapshot(d, id, &in);
  /* An asset is counted by one open count at a time. */
  if (!rc && db_int(d, &overlap,
                    "SELECT COUNT(*) FROM asset_count_lines l JOIN asset_counts c ON c.id = l.count_id"
                    " WHERE l.count_id <> ? AND c.state <> 'kesin' AND l.asset_id IN"
                    " (SELECT asset_id FROM asset_count_lines WHERE count_id = ?)",
                    "ii", id, id) != DB_ROW)
    rc = -1;
  json_t *after = NULL;
  if (!rc && !overlap) {
    after = assets_count_json(d, id, false);
    char eid[24];
    snprintf(eid, sizeof eid, "%lld", (long long)id);
    rc = after ? audit_write(d, &who, "count.open", "asset_count", eid, in.unit_id, NULL, after) : -1;
  }
  json_decref(body);
  if (!rc && !overlap)
    rc = db_commit(d);
  if (rc || overlap) {
    db_rollback(d);
    json_decref(after);
    if (overlap)
      return assets_conflict(r, "count_overlap",
                             _("Some of these assets are in another open count; finalise that count first."));
    return -1;
  }
  json_decref(after);
  json_t *o = assets_count_json(d, id, true);
  return o ? http_json(r, 201, o) : -1;
}

int assets_api_count_get(request *r)
{
  struct assets_count c;
  if (assets_count_from_route(r, &c))
    return 0;
  json_t *o = assets_count_json(db_thread(), c.id, true);
  if (!o)
    return -1;
  json_object_set_new(o, "can_manage", json_boolean(c.manage));
  return http_json(r, 200, o);
}

/* ---- scanning ----------------------------------------------------------------------- */

static const struct jfield scan_fields[] = {
    {"code", JT_STRING, true, CODE_MAX},
    {"description", JT_STRING, false, TEXT_MAX},
};

/* The asset a scanned or typed code names: the label's QR (sicil no, or
 * defter-asset:ID before the asset had one), a sicil no, or a serial that
 * exactly one asset carries. 0 when none. */
static int64_t resolve(db *d, const char *code)
{
  int64_t id = 0;
  if (str_starts(code, ASSET_PREFIX)) {
    if (parse_i64(code + strlen(ASSET_PREFIX), &id) || id <= 0 ||
        db_int(d, &id, "SELECT id FROM assets WHERE id = ?", "i", id) != DB_ROW)
      return 0;
    return id;
  }
  if (db_int(d, &id, "SELECT id FROM assets WHERE sicil_no = ?", "t", code) == DB_ROW)
    return id;
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM assets WHERE upper(serial) = upper(?) OR upper(bios_serial) = upper(?)", "tt",
             code, code) != DB_ROW ||
      n != 1)
    return 0;
  if (db_int(d, &id, "SELECT id FROM assets WHERE upper(serial) = upper(?) OR upper(bios_serial) = upper(?)", "tt",
             code, code) != DB_ROW)
    return 0;
  return id;
}

enum scan_result { SCAN_FOUND, SCAN_UNEXPECTED, SCAN_UNREGISTERED, SCAN_DUPLICATE, SCAN_RECORDS };
static const char *const scan_keys[] = {"found", "unexpected", "unregistered", "duplicate", "records"};

static const char *scan_message(enum scan_result s)
{
  switch (s) {
  case SCAN_FOUND:
    return _("Found: counted.");
  case SCAN_UNEXPECTED:
    return _("Not expected here: recorded as a Fazla candidate.");
  case SCAN_UNREGISTERED:
    return _("Not in the register: recorded as an unregistered item.");
  case SCAN_DUPLICATE:
    return _("Scanned already: not counted twice.");
  case SCAN_RECORDS:
    return _("On a Teslim Belgesi: taken from the records, not counted.");
  }
  return "";
}

/* Records one scan of line (0: none yet) in the pass state names. */
static int mark_line(db *d, int64_t line, bool recount, const char *by, enum scan_result *res)
{
  int64_t f1 = 0, f2 = -1;
  db_stmt *st = db_q(d, "SELECT kind, found1, COALESCE(found2, -1) FROM asset_count_lines WHERE id = ?", "i", line);
  if (!st || db_step(st) != DB_ROW) {
    db_done(st);
    return -1;
  }
  bool records = str_eq(db_col_text(st, 0), "records");
  f1 = db_col_int(st, 1);
  f2 = db_col_int(st, 2);
  db_done(st);
  if (records) {
    *res = SCAN_RECORDS;
    return 0;
  }
  /* First pass: found1. Recount: only lines sent to it (found2 = 0). */
  if ((!recount && f1) || (recount && f2 != 0)) {
    *res = SCAN_DUPLICATE;
    return 0;
  }
  *res = SCAN_FOUND;
  return db_run(d,
                recount ? "UPDATE asset_count_lines SET found2 = 1, scanned_at = ?, scanned_by = ? WHERE id = ?"
                        : "UPDATE asset_count_lines SET found1 = 1, scanned_at = ?, scanned_by = ? WHERE id = ?",
                "iti", now_unix(), by, line);
}

int assets_api_count_scan(request *r)
{
  db *d = db_thread();
  struct assets_count c;
  if (assets_count_from_route(r, &c))
    return 0;
  json_t *body = req_json(r, scan_fields, ARRAY_LEN(scan_fields));
  if (!body)
    return 0;
  const char *code = assets_text(r->a, jsonx_str(body, "code"), CODE_MAX);
  const char *v = jsonx_str(body, "description");
  const char *desc = v ? assets_text(r->a, v, TEXT_MAX) : NULL;
  bool bad_desc = v && !desc;
  json_decref(body);
  if (!code || !*code)
    return assets_invalid(r, json_pack("{ss}", "code", _("Scan a label or type a sicil no or serial.")));
  if (bad_desc)
    return assets_invalid(r,
                          json_pack("{ss}", "description", _("The text is too long or contains invalid characters.")));
  if (str_eq(c.state, "kesin"))
    return assets_conflict(r, "finalised", _("This count is finalised; it cannot change any more."));
  bool recount = str_eq(c.state, "ikinci");
  struct actor who = audit_actor(r);
  const char *by = who.name ? who.name : "system";
  int64_t asset = resolve(d, code), line = 0;
  enum scan_result res = SCAN_FOUND;
  if (!asset && (!desc || !*desc)) {
    int64_t known = 0;
    if (db_int(d, &known,
               "SELECT id FROM asset_count_lines WHERE count_id = ? AND kind = 'unregistered'"
               " AND scan_code = ?",
               "it", c.id, code) != DB_ROW)
      return assets_invalid(
          r, json_pack("{ss}", "description", _("This code is not in the register: describe the item to record it.")));
  }
  int rc = db_begin(d);
  if (rc)
    return -1;
  if (asset)
    rc = db_int(d, &line, "SELECT id FROM asset_count_lines WHERE count_id = ? AND asset_id = ?", "ii", c.id, asset);
  else
    rc = db_int(d, &line,
                "SELECT id FROM asset_count_lines WHERE count_id = ? AND kind = 'unregistered'"
                " AND scan_code = ?",
                "it", c.id, code);
  rc = rc < 0 ? -1 : 0;
  if (!rc && line) {
    rc = mark_line(d, line, recount, by, &res);
  } else if (!rc && asset) {
    res = SCAN_UNEXPECTED;
    rc = db_run(d,
                "INSERT INTO asset_count_lines (count_id, asset_id, kind, code, name, value_kurus, scan_code, found1,"
                " found2, scanned_at, scanned_by) SELECT ?, id, 'unexpected', code, name, value_kurus, ?, ?, ?, ?, ?"
                " FROM assets WHERE id = ?",
                "itiIiti", c.id, code, (int64_t)!recount, (int64_t)recount, now_unix(), by, asset);
    line = rc ? 0 : db_last_id(d);
  } else if (!rc) {
    res = SCAN_UNREGISTERED;
    rc = db_run(d,
                "INSERT INTO asset_count_lines (count_id, kind, name, scan_code, description, found1, found2,"
                " scanned_at, scanned_by) VALUES (?, 'unregistered', ?, ?, ?, ?, ?, ?, ?)",
                "itttiIit", c.id, desc, code, desc, (int64_t)!recount, (int64_t)recount, now_unix(), by);
    line = rc ? 0 : db_last_id(d);
  }
  if (!rc && res != SCAN_DUPLICATE && res != SCAN_RECORDS) {
    char eid[24];
    snprintf(eid, sizeof eid, "%lld", (long long)c.id);
    json_t *after = json_pack("{sIssss}", "line", (json_int_t)line, "code", code, "result", scan_keys[res]);
    rc = audit_write(d, &who, "count.scan", "asset_count", eid, c.unit_id, NULL, after);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  json_t *l = NULL;
  db_stmt *st = db_q(d, "SELECT " LINE_COLS LINE_FROM " WHERE l.id = ?", "i", line);
  if (st && db_step(st) == DB_ROW)
    l = line_row(st);
  db_done(st);
  return http_json(r, 200,
                   json_pack("{sssssososs}", "result", scan_keys[res], "message", scan_message(res), "line",
                             l ? l : json_null(), "progress", progress(d, c.id), "state", c.state));
}

/* ---- closing the first pass ------------------------------------------------------------ */

static int write_count_audit(db *d, const struct actor *who, const char *action, int64_t id, int64_t unit,
                             json_t *before)
{
  json_t *after = assets_count_json(d, id, false);
  char eid[24];
  snprintf(eid, sizeof eid, "%lld", (long long)id);
  int rc = after ? audit_write(d, who, action, "asset_count", eid, unit, before, after) : -1;
  json_decref(after);
  return rc;
}

int assets_api_count_close(request *r)
{
  db *d = db_thread();
  struct assets_count c;
  if (assets_count_from_route(r, &c))
    return 0;
  if (!c.manage)
    return assets_forbidden(r);
  if (!str_eq(c.state, "sayim"))
    return assets_conflict(r, str_eq(c.state, "kesin") ? "finalised" : "closed",
                           _("The first pass of this count is closed already."));
  struct actor who = audit_actor(r);
  json_t *before = assets_count_json(d, c.id, false);
  int rc = db_begin(d);
  /* The recount takes only the differing lines: expected and not found,
   * or found and not expected. */
  if (!rc)
    rc = db_run(d,
                "UPDATE asset_count_lines SET found2 = 0 WHERE count_id = ? AND ((kind = 'expected' AND found1 = 0)"
                " OR kind IN ('unexpected', 'unregistered'))",
                "i", c.id);
  if (!rc)
    rc = db_run(d, "UPDATE asset_counts SET state = 'ikinci', closed_at = ? WHERE id = ? AND state = 'sayim'", "ii",
                now_unix(), c.id);
  if (!rc && db_changes(d) != 1)
    rc = -1;
  if (!rc)
    rc = write_count_audit(d, &who, "count.close", c.id, c.unit_id, before);
  json_decref(before);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  json_t *o = assets_count_json(d, c.id, true);
  return o ? http_json(r, 200, o) : -1;
}

/* ---- finalising ------------------------------------------------------------------------ */

/* Noksan: a Kayıttan Düşme Teklif ve Onay Tutanağı line per asset and one
 * çıkış VİF; the asset leaves the register (status hurda, event
 * written_off), a shared-space placement is closed. */
static int record_noksan(db *d, const struct actor *who, int64_t id, const char *count_date, const char *today)
{
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM asset_count_lines WHERE count_id = ? AND result = 'noksan'", "i", id) !=
      DB_ROW)
    return -1;
  if (!n)
    return 0;
  char ref[96];
  snprintf(ref, sizeof ref, "%s %lld", _("Kayıttan Düşme Teklif ve Onay Tutanağı, count"), (long long)id);
  int64_t vif = 0;
  int rc = assets_vif_create(d, who, "cikis", today, "sayim_noksan", ref, count_date, id, &vif);
  if (rc)
    return rc;
  json_t *assets = json_array();
  db_stmt *st =
      db_q(d, "SELECT asset_id FROM asset_count_lines WHERE count_id = ? AND result = 'noksan' ORDER BY id", "i", id);
  while (st && db_step(st) == DB_ROW)
    json_array_append_new(assets, json_integer(db_col_int(st, 0)));
  db_done(st);
  size_t i;
  json_t *x;
  json_array_foreach(assets, i, x)
  {
    int64_t a = json_integer_value(x);
    json_t *before = assets_record(d, a);
    rc = assets_vif_line(d, vif, a, NULL, 0);
    if (!rc)
      rc = db_run(d,
                  "INSERT INTO asset_writeoffs (count_id, asset_id, reason, proposed_on, vif_id, created_at)"
                  " VALUES (?, ?, 'sayim_noksan', ?, ?, ?)",
                  "iitii", id, a, today, vif, now_unix());
    if (!rc)
      rc = db_run(d,
                  "UPDATE custody SET returned_at = ?, returned_by = ?, return_note = ? WHERE asset_id = ?"
                  " AND returned_at IS NULL",
                  "itti", now_unix(), who->name ? who->name : "system", _("Not found at the count (Noksan)"), a);
    if (!rc)
      rc = db_run(d, "UPDATE assets SET status = 'hurda', updated_at = ? WHERE id = ?", "ii", now_unix(), a);
    if (!rc)
      rc = assets_event(d, a, who, "written_off", jsonx_str(before, "status"), "hurda",
                        _("Not found at the count (Noksan)"), true);
    json_t *after = rc ? NULL : assets_record(d, a);
    if (!rc)
      rc = assets_audit(d, who, "asset.written_off", a, assets_unit_of(d, a), before, after);
    json_decref(before);
    json_decref(after);
    if (rc)
      break;
  }
  json_decref(assets);
  return rc;
}

/* Fazla: one giriş VİF. An unregistered item becomes an asset in the
 * review queue (it gets its code and sicil no when accepted); a
 * registered asset found here moves to the count's location. */
static int record_fazla(db *d, const struct actor *who, int64_t id, const char *count_date, const char *today)
{
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM asset_count_lines WHERE count_id = ? AND result = 'fazla'", "i", id) !=
      DB_ROW)
    return -1;
  if (!n)
    return 0;
  char ref[96];
  snprintf(ref, sizeof ref, "%s %lld", _("Sayım Tutanağı, count"), (long long)id);
  int64_t vif = 0, unit = 0;
  int rc = assets_vif_create(d, who, "giris", today, "sayim_fazla", ref, count_date, id, &vif);
  if (rc)
    return rc;
  char *building = NULL, *floor = NULL, *room = NULL;
  db_stmt *st = db_q(d, "SELECT COALESCE(unit_id, 0), building, floor, room FROM asset_counts WHERE id = ?", "i", id);
  if (st && db_step(st) == DB_ROW) {
    unit = db_col_int(st, 0);
    building = db_col_text(st, 1) ? xstrdup(db_col_text(st, 1)) : NULL;
    floor = db_col_text(st, 2) ? xstrdup(db_col_text(st, 2)) : NULL;
    room = db_col_text(st, 3) ? xstrdup(db_col_text(st, 3)) : NULL;
  }
  db_done(st);
  json_t *lines = json_array();
  st = db_q(d,
            "SELECT id, COALESCE(asset_id, 0), COALESCE(description, name) FROM asset_count_lines WHERE count_id = ?"
            " AND result = 'fazla' ORDER BY id",
            "i", id);
  while (st && db_step(st) == DB_ROW)
    json_array_append_new(lines, json_pack("{sIsIss}", "line", (json_int_t)db_col_int(st, 0), "asset",
                                           (json_int_t)db_col_int(st, 1), "name", db_col_text(st, 2)));
  db_done(st);
  size_t i;
  json_t *x;
  json_array_foreach(lines, i, x)
  {
    int64_t a = jsonx_int(x, "asset", 0), now = now_unix();
    json_t *before = NULL;
    if (!a) {
      rc = db_run(d,
                  "INSERT INTO assets (type, name, unit_id, status, entry_date, building, floor, room, review, note,"
                  " created_at, updated_at) VALUES ('diger', ?, ?, 'depoda', ?, ?, ?, ?, 1, ?, ?, ?)",
                  "titttttii", jsonx_str(x, "name"), unit ? unit : rbac_root_unit(d), today, building, floor, room,
                  _("Found at the count (Fazla), not in the register"), now, now);
      if (!rc) {
        a = db_last_id(d);
        rc = db_run(d, "UPDATE asset_count_lines SET asset_id = ? WHERE id = ?", "ii", a, jsonx_int(x, "line", 0));
      }
      if (!rc)
        rc = assets_search_refresh(d, a);
      if (!rc)
        rc = assets_event(d, a, who, "created", NULL, "depoda", _("Found at the count (Fazla), not in the register"),
                          true);
    } else {
      before = assets_record(d, a);
      rc = db_run(d,
                  "UPDATE assets SET building = COALESCE(?, building), floor = COALESCE(?, floor),"
                  " room = COALESCE(?, room), unit_id = COALESCE(?, unit_id), updated_at = ? WHERE id = ?",
                  "tttIii", building, floor, room, unit, now, a);
      if (!rc)
        rc = assets_event(d, a, who, "count_found", NULL, NULL, _("Found at the count (Fazla)"), true);
    }
    if (!rc)
      rc = assets_vif_line(d, vif, a, NULL, 0);
    json_t *after = rc ? NULL : assets_record(d, a);
    if (!rc)
      rc = assets_audit(d, who, before ? "asset.count_found" : "asset.create", a, assets_unit_of(d, a), before, after);
    json_decref(before);
    json_decref(after);
    if (rc)
      break;
  }
  json_decref(lines);
  free(building);
  free(floor);
  free(room);
  return rc;
}

int assets_api_count_finalise(request *r)
{
  db *d = db_thread();
  struct assets_count c;
  if (assets_count_from_route(r, &c))
    return 0;
  if (!c.manage)
    return assets_forbidden(r);
  if (str_eq(c.state, "kesin"))
    return assets_conflict(r, "finalised", _("This count is finalised; it cannot change any more."));
  if (str_eq(c.state, "sayim"))
    return assets_conflict(r, "not_closed", _("Close the first pass before finalising; differences are recounted."));
  struct actor who = audit_actor(r);
  json_t *before = assets_count_json(d, c.id, false);
  char today[11], count_date[11] = "";
  assets_today(today);
  db_stmt *st = db_q(d, "SELECT count_date FROM asset_counts WHERE id = ?", "i", c.id);
  if (st && db_step(st) == DB_ROW)
    snprintf(count_date, sizeof count_date, "%s", db_col_text(st, 0));
  db_done(st);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE asset_count_lines SET result = (SELECT " DIFF_SQL " FROM asset_count_lines l"
                " WHERE l.id = asset_count_lines.id) WHERE count_id = ?",
                "i", c.id);
  if (!rc)
    rc = record_noksan(d, &who, c.id, count_date, today);
  if (!rc)
    rc = record_fazla(d, &who, c.id, count_date, today);
  if (!rc)
    rc = db_run(d,
                "UPDATE asset_counts SET state = 'kesin', finalised_at = ?, finalised_by = ?, finalised_on = ?"
                " WHERE id = ? AND state = 'ikinci'",
                "itti", now_unix(), who.name ? who.name : "system", today, c.id);
  if (!rc && db_changes(d) != 1)
    rc = -1;
  if (!rc)
    rc = write_count_audit(d, &who, "count.finalise", c.id, c.unit_id, before);
  json_decref(before);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    if (rc == 1)
      return assets_conflict(r, "vif_date", _("A VİF cannot be dated before its source document."));
    return -1;
  }
  json_t *o = assets_count_json(d, c.id, true);
  return o ? http_json(r, 200, o) : -1;
}
