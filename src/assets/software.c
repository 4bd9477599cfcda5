/* software.c - the software catalogue: the raw titles the inventories
 * report (software) grouped into products (software_products) by the
 * rules of normalise.c or by an administrator's mapping, products marked
 * ignored (updates, drivers), and for every asset the set of products it
 * has (asset_products). A product's installation count is kept on the
 * product and moved by each inventory's difference, so the catalogue and
 * the licence compliance never count millions of rows per request. */
#include "assets_int.h"
#include "../core/sheet.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/tr.h"

#include <stdlib.h>
#include <string.h>

enum { Q_MAX = 200, BATCH = 500 };

/* The folded ASCII search text of a product ("mozilla firefox"). */
static char *fold(arena *a, const char *publisher, const char *name)
{
  const char *s = arena_printf(a, "%s %s", publisher ? publisher : "", name ? name : "");
  size_t n = strlen(s);
  char *out = arena_alloc(a, 2 * n + 1);
  if (tr_fold(s, true, out, 2 * n + 1))
    out[0] = '\0';
  return out;
}

/* The product (publisher, name), created when new (ignored as asked).
 * Inside the caller's transaction; 0 with *id, or a db error. */
static int product_find_or_add(db *d, const char *publisher, const char *name, bool ignore, int64_t *id)
{
  if (db_int(d, id, "SELECT id FROM software_products WHERE publisher = ? AND name = ?", "tt", publisher, name) ==
      DB_ROW)
    return 0;
  arena *a = arena_new();
  int rc = db_run(d,
                  "INSERT INTO software_products (publisher, name, search, ignored, installs, created_at)"
                  " VALUES (?, ?, ?, ?, 0, ?)",
                  "tttii", publisher, name, fold(a, publisher, name), (int64_t)ignore, now_unix());
  arena_free(a);
  if (!rc)
    *id = db_last_id(d);
  return rc;
}

/* The product the rules give a raw title. */
static int product_by_rules(db *d, const char *name, const char *publisher, int64_t *id)
{
  struct sw_product p;
  if (assets_software_normalise(name, publisher, &p))
    return product_find_or_add(d, publisher ? publisher : "", name, false, id);
  return product_find_or_add(d, p.publisher, p.name, p.ignore, id);
}

/* Brings asset_products and the installation counts of one asset up to
 * date with its software (inside the caller's transaction). */
static int resync_asset(db *d, int64_t asset)
{
  int rc = db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS ap_new (product_id INTEGER PRIMARY KEY)");
  if (!rc)
    rc = db_exec(d, "DELETE FROM temp.ap_new");
  if (!rc)
    rc = db_run(d,
                "INSERT OR IGNORE INTO temp.ap_new (product_id) SELECT s.product_id FROM asset_software x"
                " JOIN software s ON s.id = x.software_id WHERE x.asset_id = ? AND s.product_id IS NOT NULL",
                "i", asset);
  if (!rc)
    rc = db_run(d,
                "UPDATE software_products SET installs = installs - 1 WHERE id IN (SELECT product_id FROM"
                " asset_products WHERE asset_id = ? AND product_id NOT IN (SELECT product_id FROM temp.ap_new))",
                "i", asset);
  if (!rc)
    rc = db_run(d,
                "DELETE FROM asset_products WHERE asset_id = ? AND product_id NOT IN"
                " (SELECT product_id FROM temp.ap_new)",
                "i", asset);
  if (!rc)
    rc = db_run(d,
                "UPDATE software_products SET installs = installs + 1 WHERE id IN (SELECT product_id FROM"
                " temp.ap_new WHERE product_id NOT IN (SELECT product_id FROM asset_products WHERE asset_id = ?))",
                "i", asset);
  if (!rc)
    rc = db_run(d, "INSERT OR IGNORE INTO asset_products (asset_id, product_id) SELECT ?, product_id FROM temp.ap_new",
                "i", asset);
  if (!rc)
    rc = db_exec(d, "DELETE FROM temp.ap_new");
  return rc;
}

struct title {
  int64_t id;
  char *name, *publisher;
};

static void titles_free(struct title *t, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free(t[i].name);
    free(t[i].publisher);
  }
  free(t);
}

/* Gives the titles a query returns (id, name, publisher) their product by
 * the rules; the ids in *ids (caller frees) when ids is not NULL. */
static int assign_titles(db *d, db_stmt *st, int64_t **ids, size_t *nids)
{
  struct title *t = NULL;
  size_t n = 0, cap = 0;
  while (st && db_step(st) == DB_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      t = xrealloc(t, cap * sizeof *t);
    }
    t[n].id = db_col_int(st, 0);
    t[n].name = xstrdup(db_col_text(st, 1) ? db_col_text(st, 1) : "");
    t[n].publisher = xstrdup(db_col_text(st, 2) ? db_col_text(st, 2) : "");
    n++;
  }
  db_done(st);
  int rc = st ? 0 : -1;
  for (size_t i = 0; !rc && i < n; i++) {
    int64_t pid = 0;
    rc = product_by_rules(d, t[i].name, t[i].publisher, &pid);
    if (!rc)
      rc = db_run(d, "UPDATE software SET product_id = ? WHERE id = ?", "ii", pid, t[i].id);
  }
  if (ids) {
    *ids = xmalloc((n ? n : 1) * sizeof **ids);
    for (size_t i = 0; i < n; i++)
      (*ids)[i] = t[i].id;
    *nids = n;
  }
  titles_free(t, n);
  return rc;
}

int assets_software_snapshot(db *d, int64_t asset)
{
  int rc = db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS sw_old (software_id INTEGER PRIMARY KEY)");
  if (!rc)
    rc = db_exec(d, "DELETE FROM temp.sw_old");
  if (!rc)
    rc = db_run(d, "INSERT OR IGNORE INTO temp.sw_old (software_id) SELECT software_id FROM asset_software"
                   " WHERE asset_id = ?",
                "i", asset);
  return rc;
}

/* The titles' counts: +1 for the titles the asset gained since the
 * snapshot, -1 for those it lost. */
static int titles_difference(db *d, int64_t asset)
{
  int rc = db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS sw_old (software_id INTEGER PRIMARY KEY)");
  if (!rc)
    rc = db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS sw_new (software_id INTEGER PRIMARY KEY)");
  if (!rc)
    rc = db_exec(d, "DELETE FROM temp.sw_new");
  if (!rc)
    rc = db_run(d, "INSERT OR IGNORE INTO temp.sw_new (software_id) SELECT software_id FROM asset_software"
                   " WHERE asset_id = ?",
                "i", asset);
  if (!rc)
    rc = db_exec(d, "UPDATE software SET installs = installs + 1 WHERE id IN (SELECT software_id FROM temp.sw_new"
                    " WHERE software_id NOT IN (SELECT software_id FROM temp.sw_old))");
  if (!rc)
    rc = db_exec(d, "UPDATE software SET installs = installs - 1 WHERE id IN (SELECT software_id FROM temp.sw_old"
                    " WHERE software_id NOT IN (SELECT software_id FROM temp.sw_new))");
  if (!rc)
    rc = db_exec(d, "DELETE FROM temp.sw_old");
  if (!rc)
    rc = db_exec(d, "DELETE FROM temp.sw_new");
  return rc;
}

int assets_software_sync(db *d, int64_t asset)
{
  db_stmt *st = db_q(d,
                     "SELECT s.id, s.name, s.publisher FROM asset_software x JOIN software s ON s.id = x.software_id"
                     " WHERE x.asset_id = ? AND s.product_id IS NULL",
                     "i", asset);
  int rc = assign_titles(d, st, NULL, NULL);
  if (!rc)
    rc = titles_difference(d, asset);
  if (!rc)
    rc = resync_asset(d, asset);
  return rc;
}

/* Resyncs every asset that has the title (after its product changed). */
static int resync_title(db *d, int64_t software_id)
{
  int64_t *assets = NULL;
  size_t n = 0, cap = 0;
  db_stmt *st = db_q(d, "SELECT DISTINCT asset_id FROM asset_software WHERE software_id = ?", "i", software_id);
  while (st && db_step(st) == DB_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 256;
      assets = xrealloc(assets, cap * sizeof *assets);
    }
    assets[n++] = db_col_int(st, 0);
  }
  db_done(st);
  int rc = st ? 0 : -1;
  for (size_t i = 0; !rc && i < n; i++)
    rc = resync_asset(d, assets[i]);
  free(assets);
  return rc;
}

int assets_job_software(db *d)
{
  int64_t one;
  if (db_int(d, &one, "SELECT 1 FROM software WHERE product_id IS NULL LIMIT 1", "") != DB_ROW)
    return 0;
  int rc = db_begin(d);
  int64_t *ids = NULL;
  size_t n = 0;
  if (!rc)
    rc = assign_titles(d,
                       db_q(d, "SELECT id, name, publisher FROM software WHERE product_id IS NULL ORDER BY id LIMIT ?",
                            "i", (int64_t)BATCH),
                       &ids, &n);
  for (size_t i = 0; !rc && i < n; i++)
    rc = resync_title(d, ids[i]);
  free(ids);
  if (!rc)
    rc = db_commit(d);
  if (rc)
    db_rollback(d);
  return rc ? -1 : 0;
}

/* ---- the API ----------------------------------------------------------------------- */

static json_t *product_json(db_stmt *st, int first)
{
  return json_pack("{sIsssssIsb}", "id", (json_int_t)db_col_int(st, first), "publisher",
                   db_col_text(st, first + 1) ? db_col_text(st, first + 1) : "", "name",
                   db_col_text(st, first + 2) ? db_col_text(st, first + 2) : "", "installations",
                   (json_int_t)db_col_int(st, first + 3), "ignored", db_col_int(st, first + 4) != 0);
}

/* ?q= folded for a search in software_products.search; NULL when absent;
 * writes 400 and sets *bad when invalid. */
static const char *query_folded(request *r, bool *bad)
{
  *bad = false;
  const char *q = req_query(r, "q");
  if (!q || !*q)
    return NULL;
  size_t n = strlen(q);
  char *out = arena_alloc(r->a, 2 * n + 1);
  if (n > Q_MAX || tr_fold(q, true, out, 2 * n + 1)) {
    *bad = true;
    assets_invalid(r, json_pack("{ss}", "q", _("The search text is too long or invalid.")));
    return NULL;
  }
  return *out ? out : NULL;
}

/* ?format=csv|xlsx on a catalogue list: every matching row as a file
 * (export.c). 1 when the 400 was written; otherwise *format is set (NULL
 * without one) and an export lifts the paging. */
static int list_format(request *r, const char **format, int64_t *limit, int64_t *cursor)
{
  *format = req_query(r, "format");
  if (*format && !sheet_format_ok(*format)) {
    assets_invalid(r, json_pack("{ss}", "format", _("Use csv or xlsx.")));
    return 1;
  }
  if (*format)
    *limit = SHEET_EXPORT_MAX + 1, *cursor = 0;
  return 0;
}

/* The end of a catalogue list: the page, or the file. */
static int list_reply(request *r, const char *format, json_t *items, bool more, int64_t last)
{
  if (!format)
    return http_json_page(r, items, more, last);
  int rc = assets_export_software(r, format, items);
  json_decref(items);
  return rc;
}

int assets_api_products(request *r)
{
  int64_t limit, cursor;
  if (req_paging(r, 100, 1000, &limit, &cursor))
    return 0;
  const char *format;
  if (list_format(r, &format, &limit, &cursor))
    return 0;
  bool bad;
  const char *q = query_folded(r, &bad);
  if (bad)
    return 0;
  bool ignored = str_eq(req_query(r, "ignored"), "1");
  db_stmt *st = db_q(db_thread(),
                     "SELECT id, publisher, name, installs, ignored, (SELECT COUNT(*) FROM software s"
                     " WHERE s.product_id = p.id) FROM software_products p WHERE id > ? AND ignored = ?"
                     " AND (? IS NULL OR instr(search, ?) > 0) ORDER BY id LIMIT ?",
                     "iitti", cursor, (int64_t)ignored, q, q, limit + 1);
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
    json_t *o = product_json(st, 0);
    json_object_set_new(o, "titles", json_integer(db_col_int(st, 5)));
    json_array_append_new(items, o);
    n++;
  }
  db_done(st);
  return list_reply(r, format, items, more, last);
}

/* GET /api/v1/software: the catalogue grouped by product, each item with
 * the catalogue's keys (id, name, publisher, installations) read from the
 * product row alone; ?group=title the raw titles, each with its product
 * (?product= the titles of one product). */
int assets_api_catalogue(request *r)
{
  if (!str_eq(req_query(r, "group"), "title") && !req_query(r, "product"))
    return assets_api_products(r);
  int64_t limit, cursor, product = 0;
  if (req_paging(r, 100, 1000, &limit, &cursor))
    return 0;
  const char *format;
  if (list_format(r, &format, &limit, &cursor))
    return 0;
  const char *q = req_query(r, "q"), *v;
  if (q && (strlen(q) > Q_MAX || tr_text_check(q, strlen(q), false)))
    return assets_invalid(r, json_pack("{ss}", "q", _("The search text is too long or invalid.")));
  if ((v = req_query(r, "product")) && *v && (parse_i64(v, &product) || product <= 0))
    return assets_invalid(r, json_pack("{ss}", "product", _("Unknown product.")));
  db_stmt *st =
      db_q(db_thread(),
           "SELECT s.id, s.name, s.publisher, s.installs, s.product_manual, p.id, p.publisher, p.name, p.installs,"
           " p.ignored"
           " FROM software s LEFT JOIN software_products p ON p.id = s.product_id"
           " WHERE s.id > ? AND (? = 0 OR s.product_id = ?) AND (? IS NULL OR instr(lower(s.name), lower(?)) > 0)"
           " ORDER BY s.id LIMIT ?",
           "iiitti", cursor, product, product, q && *q ? q : NULL, q && *q ? q : NULL, limit + 1);
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
    json_t *o = json_pack("{sIss?ss?sIsb}", "id", (json_int_t)last, "name", db_col_text(st, 1), "publisher",
                          db_col_text(st, 2), "installations", (json_int_t)db_col_int(st, 3), "product_manual",
                          db_col_int(st, 4) != 0);
    json_object_set_new(o, "product", db_col_null(st, 5) ? json_null() : product_json(st, 5));
    json_array_append_new(items, o);
    n++;
  }
  db_done(st);
  return list_reply(r, format, items, more, last);
}

static json_t *product_full(db *d, int64_t id)
{
  db_stmt *st =
      db_q(d, "SELECT id, publisher, name, installs, ignored FROM software_products WHERE id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? product_json(st, 0) : NULL;
  db_done(st);
  if (!o)
    return NULL;
  json_t *titles = json_array();
  st = db_q(d, "SELECT id, name, publisher, product_manual FROM software WHERE product_id = ? ORDER BY id LIMIT 1000",
            "i", id);
  while (st && db_step(st) == DB_ROW)
    json_array_append_new(titles, json_pack("{sIsssssb}", "id", (json_int_t)db_col_int(st, 0), "name",
                                            db_col_text(st, 1), "publisher", db_col_text(st, 2), "manual",
                                            db_col_int(st, 3) != 0));
  db_done(st);
  json_object_set_new(o, "titles", titles);
  /* Versions in use: the (software_id, version, asset_id) index answers it. */
  json_t *versions = json_array();
  st = db_q(d,
            "SELECT x.version, COUNT(DISTINCT x.asset_id) FROM software s JOIN asset_software x"
            " ON x.software_id = s.id WHERE s.product_id = ? GROUP BY x.version ORDER BY x.version LIMIT 500",
            "i", id);
  while (st && db_step(st) == DB_ROW)
    json_array_append_new(versions, json_pack("{sssI}", "version", db_col_text(st, 0) ? db_col_text(st, 0) : "",
                                              "installations", (json_int_t)db_col_int(st, 1)));
  db_done(st);
  json_object_set_new(o, "versions", versions);
  return o;
}

static int product_from_route(request *r, int64_t *id)
{
  int64_t one;
  if (parse_i64(req_param(r, "id"), id) || *id <= 0 ||
      db_int(db_thread(), &one, "SELECT 1 FROM software_products WHERE id = ?", "i", *id) != DB_ROW) {
    assets_not_found(r);
    return 1;
  }
  return 0;
}

int assets_api_product_get(request *r)
{
  int64_t id;
  if (product_from_route(r, &id))
    return 0;
  json_t *o = product_full(db_thread(), id);
  return o ? http_json(r, 200, o) : -1;
}

static int audit_sw(db *d, const struct actor *who, const char *action, const char *entity, int64_t id, json_t *before,
                    json_t *after)
{
  char eid[24];
  snprintf(eid, sizeof eid, "%lld", (long long)id);
  return audit_write(d, who, action, entity, eid, 0, before, after);
}

static const struct jfield product_fields[] = {{"ignored", JT_BOOL, true, 0}};

int assets_api_product_patch(request *r)
{
  int64_t id;
  if (product_from_route(r, &id))
    return 0;
  json_t *body = req_json(r, product_fields, ARRAY_LEN(product_fields));
  if (!body)
    return 0;
  bool ignored = jsonx_bool(body, "ignored", false);
  json_decref(body);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int64_t was = 0;
  int rc = db_begin(d);
  if (!rc && db_int(d, &was, "SELECT ignored FROM software_products WHERE id = ?", "i", id) != DB_ROW)
    rc = -1;
  if (!rc)
    rc = db_run(d, "UPDATE software_products SET ignored = ? WHERE id = ?", "ii", (int64_t)ignored, id);
  if (!rc) {
    json_t *before = json_pack("{sb}", "ignored", was != 0), *after = json_pack("{sb}", "ignored", ignored);
    rc = audit_sw(d, &who, "software.product_ignore", "software_product", id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  return assets_api_product_get(r);
}

static const struct jfield map_fields[] = {
    {"product", JT_ANY, false, 0}, {"product_name", JT_STRING, false, SW_NAME_MAX - 1},
    {"publisher", JT_STRING, false, SW_NAME_MAX - 1}};

/* PATCH /api/v1/software/titles/{id}: {"product": id} maps the title to a
 * product, {"product": "new", "product_name", "publisher"} to a product
 * of that name (created when new), {"product": null} back to the rules. */
int assets_api_software_map(request *r)
{
  db *d = db_thread();
  int64_t sid, old = 0, one, pid = 0;
  if (parse_i64(req_param(r, "id"), &sid) || sid <= 0 ||
      db_int(d, &one, "SELECT 1 FROM software WHERE id = ?", "i", sid) != DB_ROW)
    return assets_not_found(r);
  json_t *body = req_json(r, map_fields, ARRAY_LEN(map_fields));
  if (!body)
    return 0;
  json_t *p = json_object_get(body, "product");
  const char *pname = NULL, *ppub = NULL;
  json_t *fields = json_object();
  if (json_is_integer(p)) {
    pid = json_integer_value(p);
    if (pid <= 0 || db_int(d, &one, "SELECT 1 FROM software_products WHERE id = ?", "i", pid) != DB_ROW)
      json_object_set_new(fields, "product", json_string(_("Unknown product.")));
  } else if (json_is_string(p) && str_eq(json_string_value(p), "new")) {
    pname = assets_text(r->a, jsonx_str(body, "product_name"), SW_NAME_MAX - 1);
    ppub = assets_text(r->a, jsonx_str(body, "publisher") ? jsonx_str(body, "publisher") : "", SW_NAME_MAX - 1);
    if (!pname || !*pname)
      json_object_set_new(fields, "product_name", json_string(_("Give the product a name.")));
    if (!ppub)
      json_object_set_new(fields, "publisher", json_string(_("The text is too long or contains invalid characters.")));
  } else if (!p) {
    json_object_set_new(fields, "product", json_string(_("This field is required.")));
  } else if (!json_is_null(p)) {
    json_object_set_new(fields, "product", json_string(_("Unknown product.")));
  }
  bool manual = json_is_integer(p) || pname;
  json_decref(body);
  if (json_object_size(fields))
    return assets_invalid(r, fields);
  json_decref(fields);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc && db_int(d, &old, "SELECT COALESCE(product_id, 0) FROM software WHERE id = ?", "i", sid) != DB_ROW)
    rc = -1;
  if (!rc && pname)
    rc = product_find_or_add(d, ppub, pname, false, &pid);
  if (!rc && pid)
    rc = db_run(d, "UPDATE software SET product_id = ?, product_manual = 1 WHERE id = ?", "ii", pid, sid);
  if (!rc && !pid) {
    rc = db_run(d, "UPDATE software SET product_id = NULL, product_manual = 0 WHERE id = ?", "i", sid);
    if (!rc)
      rc = assign_titles(d, db_q(d, "SELECT id, name, publisher FROM software WHERE id = ?", "i", sid), NULL, NULL);
    if (!rc && db_int(d, &pid, "SELECT product_id FROM software WHERE id = ?", "i", sid) != DB_ROW)
      rc = -1;
  }
  if (!rc)
    rc = resync_title(d, sid);
  if (!rc) {
    json_t *before = json_pack("{sI}", "product_id", (json_int_t)old);
    json_t *after = json_pack("{sIsb}", "product_id", (json_int_t)pid, "manual", manual);
    rc = audit_sw(d, &who, "software.map", "software", sid, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  json_t *o = product_full(d, pid);
  return o ? http_json(r, 200, o) : -1;
}
