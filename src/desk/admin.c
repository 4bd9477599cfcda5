/* admin.c - the category tree and its routing to units, SLA targets and
 * saved views. The default tree is routed by the loaded regulation: each
 * top category goes to the unit whose `desk` duties speak of its subject
 * (hardware, software, network...), and the second level to the unit
 * whose duties name "ikinci seviye" support. */
#include "desk.h"
#include "desk_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct seed_cat {
  const char *code, *parent, *name, *type, *keywords;
};

static const struct seed_cat seed[] = {
    {"donanim", NULL, "Donanım arızası", "ariza", "donanim|bilgisayar|cevre birim|ariza|onarim"},
    {"donanim.bilgisayar", "donanim", "Bilgisayar", "ariza", NULL},
    {"donanim.yazici", "donanim", "Yazıcı ve tarayıcı", "ariza", NULL},
    {"donanim.ekran", "donanim", "Monitör ve ekran", "ariza", NULL},
    {"yazilim", NULL, "Yazılım ve uygulamalar", "ariza", "yazilim|uygulama"},
    {"yazilim.kurulum", "yazilim", "Program kurulumu", "talep", "program kurulum"},
    {"yazilim.hata", "yazilim", "Uygulama hatası", "ariza", NULL},
    {"ag", NULL, "Ağ ve internet", "ariza", "network|internet|kablosuz|ag yonetimi|ag altyapi"},
    {"ag.internet", "ag", "İnternet erişimi", "ariza", NULL},
    {"ag.kablosuz", "ag", "Kablosuz ağ", "ariza", NULL},
    {"hesap", NULL, "Hesap, e-posta ve yetki", "talep", "e-posta|aktif dizin|tanimlama|hesap"},
    {"hesap.parola", "hesap", "Parola sıfırlama", "talep", NULL},
    {"hesap.eposta", "hesap", "E-posta hesabı", "talep", NULL},
    {"telefon", NULL, "Telefon ve santral", "ariza", "telefon|santral"},
    {"diger", NULL, "Diğer", "talep", NULL},
};

/* Counts hits of the '|'-separated keywords (words or phrases) in a
 * folded duty text. */
static int hits(const char *folded, const char *keywords)
{
  int n = 0;
  char word[64];
  for (const char *p = keywords; p && *p;) {
    size_t len = strcspn(p, "|");
    if (len && len < sizeof word) {
      memcpy(word, p, len);
      word[len] = 0;
      for (const char *q = strstr(folded, word); q; q = strstr(q + 1, word))
        n++;
    }
    p += len;
    while (*p == '|')
      p++;
  }
  return n;
}

/* The unit (and its best duty) whose desk duties match keywords most. */
static void route(db *d, const char *keywords, int64_t *unit, int64_t *duty)
{
  *unit = *duty = 0;
  int64_t best_unit_score = 0, units[64] = {0}, scores[64] = {0}, best_duty_hits = 0;
  int nunits = 0;
  db_stmt *st = db_q(d,
                     "SELECT dt.id, dt.unit_id, dt.text FROM org_duties dt JOIN org_duty_caps c ON c.duty_id = dt.id"
                     " AND c.capability = 'desk' WHERE dt.repealed = 0 ORDER BY dt.sort, dt.id",
                     "");
  while (db_step(st) == DB_ROW) {
    const char *text = db_col_text(st, 2);
    size_t n = strlen(text);
    char *folded = xmalloc(n + 1);
    int h = tr_fold(text, true, folded, n + 1) == 0 ? hits(folded, keywords) : 0;
    free(folded);
    if (!h)
      continue;
    int64_t u = db_col_int(st, 1);
    int i = 0;
    while (i < nunits && units[i] != u)
      i++;
    if (i == nunits && nunits < 64)
      units[nunits++] = u;
    if (i < 64)
      scores[i] += h;
    if (h > best_duty_hits) {
      best_duty_hits = h;
      *duty = db_col_int(st, 0);
    }
  }
  db_done(st);
  for (int i = 0; i < nunits; i++)
    if (scores[i] > best_unit_score) {
      best_unit_score = scores[i];
      *unit = units[i];
    }
}

int desk_seed_categories(db *d)
{
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM desk_categories", "") != DB_ROW)
    return -1;
  if (n)
    return 0;
  int64_t l2 = 0, l2_duty = 0;
  route(d, "ikinci seviye", &l2, &l2_duty);
  struct actor sys = audit_system("desk.seed");
  int rc = db_begin(d);
  for (size_t i = 0; !rc && i < ARRAY_LEN(seed); i++) {
    int64_t unit = 0, duty = 0, parent = 0;
    if (seed[i].keywords)
      route(d, seed[i].keywords, &unit, &duty);
    if (seed[i].parent &&
        db_int(d, &parent, "SELECT id FROM desk_categories WHERE code = ?", "t", seed[i].parent) != DB_ROW)
      rc = -1;
    if (!rc)
      rc = db_run(d,
                  "INSERT INTO desk_categories (parent_id, code, name, unit_id, l2_unit_id, duty_id, default_type,"
                  " sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  "IttIIIti", parent, seed[i].code, seed[i].name, unit, seed[i].parent ? 0 : l2,
                  duty, seed[i].type, (int64_t)i);
  }
  if (!rc) {
    json_t *after = json_pack("{si}", "categories", (int)ARRAY_LEN(seed));
    rc = audit_write(d, &sys, "seed", "desk_categories", "default", 0, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

/* ---- categories API ------------------------------------------------------------ */

int desk_api_categories(request *r)
{
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT c.id, c.parent_id, c.code, c.name, u.code, l2.code, dt.ref, c.default_type, c.active"
                     " FROM desk_categories c LEFT JOIN units u ON u.id = c.unit_id"
                     " LEFT JOIN units l2 ON l2.id = c.l2_unit_id LEFT JOIN org_duties dt ON dt.id = c.duty_id"
                     " ORDER BY c.sort, c.id LIMIT 1000",
                     "");
  while (db_step(st) == DB_ROW) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(o, "parent", db_col_null(st, 1) ? json_null() : json_integer(db_col_int(st, 1)));
    jsonx_set_str(o, "code", db_col_text(st, 2));
    jsonx_set_str(o, "name", db_col_text(st, 3));
    jsonx_set_str(o, "unit", db_col_text(st, 4));
    jsonx_set_str(o, "l2_unit", db_col_text(st, 5));
    jsonx_set_str(o, "duty", db_col_text(st, 6));
    jsonx_set_str(o, "default_type", db_col_text(st, 7));
    json_object_set_new(o, "active", json_boolean(db_col_int(st, 8)));
    json_array_append_new(items, o);
  }
  db_done(st);
  return http_json(r, 200, json_pack("{so}", "items", items));
}

static int64_t unit_of(db *d, json_t *in, const char *key, json_t *fields, bool *given)
{
  json_t *v = json_object_get(in, key);
  *given = v != NULL;
  int64_t id = 0;
  if (!v || json_is_null(v))
    return 0;
  if (!json_is_string(v) ||
      db_int(d, &id, "SELECT id FROM units WHERE code = ? AND active = 1", "t", json_string_value(v)) != DB_ROW)
    json_object_set_new(fields, key, json_string(_("Unknown unit.")));
  return id;
}

int desk_api_category_save(request *r)
{
  static const struct jfield spec[] = {
      {"id", JT_INT, false, 0},           {"code", JT_STRING, true, 64},        {"name", JT_STRING, true, 400},
      {"parent", JT_ANY, false, 0},       {"unit", JT_ANY, false, 64},          {"l2_unit", JT_ANY, false, 64},
      {"default_type", JT_STRING, false, 16}, {"active", JT_BOOL, false, 0},
  };
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *fields = json_object();
  int64_t id = jsonx_int(in, "id", 0), parent = 0;
  const char *code = arena_strdup(r->a, jsonx_str(in, "code"));
  const char *name = desk_text(r->a, jsonx_str(in, "name"), 200, false);
  const char *type = arena_strdup(r->a, jsonx_str(in, "default_type"));
  bool unit_given, l2_given;
  int64_t unit = unit_of(d, in, "unit", fields, &unit_given), l2 = unit_of(d, in, "l2_unit", fields, &l2_given);
  bool ok_code = code && *code && strlen(code) <= 64;
  for (const char *p = code; ok_code && *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
      ok_code = false;
  if (!ok_code)
    json_object_set_new(fields, "code", json_string(_("Use lower-case letters, digits, '.', '_' or '-'.")));
  if (!name || !*name)
    json_object_set_new(fields, "name", json_string(_("Give the category a name.")));
  if (type && !desk_type_valid(type))
    json_object_set_new(fields, "default_type", json_string(_("Choose fault, request or service.")));
  json_t *pv = json_object_get(in, "parent");
  if (pv && !json_is_null(pv)) {
    int64_t one = 0;
    parent = json_is_integer(pv) ? json_integer_value(pv) : 0;
    if (parent <= 0 || db_int(d, &one, "SELECT 1 FROM desk_categories WHERE id = ?", "i", parent) != DB_ROW)
      json_object_set_new(fields, "parent", json_string(_("Unknown category.")));
    /* No cycles: the parent may not be the category or below it. */
    for (int64_t p = parent, depth = 0; id && p && depth < 32; depth++) {
      if (p == id) {
        json_object_set_new(fields, "parent", json_string(_("A category cannot be placed under itself.")));
        break;
      }
      if (db_int(d, &p, "SELECT COALESCE(parent_id, 0) FROM desk_categories WHERE id = ?", "i", p) != DB_ROW)
        break;
    }
  }
  if (id) {
    int64_t one = 0;
    if (db_int(d, &one, "SELECT 1 FROM desk_categories WHERE id = ?", "i", id) != DB_ROW) {
      json_decref(in);
      json_decref(fields);
      return desk_not_found(r);
    }
  }
  bool active = jsonx_bool(in, "active", true);
  json_decref(in);
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc && id)
    rc = db_run(d,
                "UPDATE desk_categories SET code = ?, name = ?, parent_id = ?, unit_id = CASE WHEN ? THEN ? ELSE"
                " unit_id END, l2_unit_id = CASE WHEN ? THEN ? ELSE l2_unit_id END,"
                " default_type = COALESCE(?, default_type), active = ? WHERE id = ?",
                "ttIiIiItii", code, name, parent, (int64_t)unit_given, unit, (int64_t)l2_given, l2, type,
                (int64_t)active, id);
  else if (!rc) {
    rc = db_run(d,
                "INSERT INTO desk_categories (code, name, parent_id, unit_id, l2_unit_id, default_type, active,"
                " sort) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(sort), 0) + 1 FROM desk_categories))",
                "ttIIIti", code, name, parent, unit, l2, type ? type : "ariza", (int64_t)active);
    id = rc ? 0 : db_last_id(d);
  }
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return http_error(r, 409, "conflict", _("Another category has this code."), NULL);
  }
  if (!rc) {
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{sssssIsIsIsb}", "code", code, "name", name, "parent", (json_int_t)parent, "unit",
                              (json_int_t)unit, "l2_unit", (json_int_t)l2, "active", active);
    rc = audit_write(d, &who, "save", "desk_category", idtxt, unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return http_json(r, 200, json_pack("{sI}", "id", (json_int_t)id));
}

/* ---- SLA targets ------------------------------------------------------------------ */

int desk_api_sla(request *r)
{
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT s.category_id, c.code, s.priority, s.response_min, s.resolve_min FROM desk_sla s"
                     " LEFT JOIN desk_categories c ON c.id = s.category_id ORDER BY s.category_id IS NOT NULL,"
                     " s.category_id, s.priority LIMIT 2000",
                     "");
  while (db_step(st) == DB_ROW) {
    json_t *o = json_object();
    json_object_set_new(o, "category", db_col_null(st, 0) ? json_null() : json_integer(db_col_int(st, 0)));
    jsonx_set_str(o, "category_code", db_col_text(st, 1));
    json_object_set_new(o, "priority", json_string(desk_priority_key((int)db_col_int(st, 2))));
    json_object_set_new(o, "response_minutes", json_integer(db_col_int(st, 3)));
    json_object_set_new(o, "resolve_minutes", json_integer(db_col_int(st, 4)));
    json_array_append_new(items, o);
  }
  db_done(st);
  return http_json(r, 200, json_pack("{so}", "items", items));
}

int desk_api_sla_save(request *r)
{
  static const struct jfield spec[] = {{"category", JT_ANY, false, 0},
                                       {"priority", JT_STRING, true, 16},
                                       {"response_minutes", JT_INT, true, 0},
                                       {"resolve_minutes", JT_INT, true, 0}};
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *fields = json_object();
  int64_t category = 0, one = 0;
  json_t *cv = json_object_get(in, "category");
  if (cv && !json_is_null(cv) &&
      (!json_is_integer(cv) || (category = json_integer_value(cv)) <= 0 ||
       db_int(d, &one, "SELECT 1 FROM desk_categories WHERE id = ?", "i", category) != DB_ROW))
    json_object_set_new(fields, "category", json_string(_("Unknown category.")));
  int prio = desk_priority_from_key(jsonx_str(in, "priority"));
  if (!prio)
    json_object_set_new(fields, "priority", json_string(_("Unknown priority.")));
  int64_t resp = jsonx_int(in, "response_minutes", 0), res = jsonx_int(in, "resolve_minutes", 0);
  json_decref(in);
  if (resp < 1 || resp > 60 * 24 * 90)
    json_object_set_new(fields, "response_minutes", json_string(_("Give working minutes between 1 and 129600.")));
  if (res < 1 || res > 60 * 24 * 365)
    json_object_set_new(fields, "resolve_minutes", json_string(_("Give working minutes between 1 and 525600.")));
  else if (resp > res)
    json_object_set_new(fields, "resolve_minutes", json_string(_("Resolution cannot come before the response.")));
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM desk_sla WHERE priority = ? AND category_id IS ?", "iI", (int64_t)prio, category);
  if (!rc)
    rc = db_run(d, "INSERT INTO desk_sla (category_id, priority, response_min, resolve_min) VALUES (?, ?, ?, ?)",
                "Iiii", category, (int64_t)prio, resp, res);
  if (!rc) {
    json_t *after = json_pack("{sIsssIsI}", "category", (json_int_t)category, "priority", desk_priority_key(prio),
                              "response_minutes", (json_int_t)resp, "resolve_minutes", (json_int_t)res);
    rc = audit_write(d, &who, "save", "desk_sla", desk_priority_key(prio), 0, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_api_sla(r);
}

/* ---- saved views ---------------------------------------------------------------------- */

static const char *const view_keys[] = {"q", "status", "unit", "assignee", "view", "category",
                                        "type", "priority", "breached", "sort", NULL};

/* A view's query: key=value pairs of the list's own filters only. */
static bool view_query_ok(const char *q)
{
  if (!q || strlen(q) > 1000)
    return false;
  for (const char *p = q; *p;) {
    size_t len = strcspn(p, "&");
    const char *eq = memchr(p, '=', len);
    if (!eq)
      return false;
    bool known = false;
    for (int i = 0; view_keys[i]; i++)
      if ((size_t)(eq - p) == strlen(view_keys[i]) && !strncmp(p, view_keys[i], (size_t)(eq - p)))
        known = true;
    if (!known)
      return false;
    for (const char *c = eq + 1; c < p + len; c++)
      if ((unsigned char)*c < 0x21 || *c == '<' || *c == '>' || *c == '"' || *c == '\'')
        return false;
    p += len;
    if (*p == '&')
      p++;
  }
  return true;
}

int desk_api_views(request *r)
{
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = db_q(d, "SELECT id, name, query FROM desk_views WHERE user_id = ? ORDER BY name LIMIT 100", "i",
                     r->user->id);
  while (db_step(st) == DB_ROW)
    json_array_append_new(items, json_pack("{sIssss}", "id", (json_int_t)db_col_int(st, 0), "name",
                                           db_col_text(st, 1), "query", db_col_text(st, 2)));
  db_done(st);
  return http_json(r, 200, json_pack("{so}", "items", items));
}

int desk_api_view_save(request *r)
{
  static const struct jfield spec[] = {{"name", JT_STRING, true, 400}, {"query", JT_STRING, true, 1000}};
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  const char *name = desk_text(r->a, jsonx_str(in, "name"), 100, false);
  const char *query = arena_strdup(r->a, jsonx_str(in, "query"));
  json_decref(in);
  json_t *fields = json_object();
  if (!name || !*name)
    json_object_set_new(fields, "name", json_string(_("Give the view a name of at most 100 characters.")));
  if (!view_query_ok(query))
    json_object_set_new(fields, "query", json_string(_("The view may only hold the list's filters.")));
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  db *d = db_thread();
  int64_t count = 0;
  if (db_int(d, &count, "SELECT COUNT(*) FROM desk_views WHERE user_id = ?", "i", r->user->id) == DB_ROW && count >= 100)
    return http_error(r, 409, "conflict", _("You have too many saved views; delete some first."), NULL);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "INSERT INTO desk_views (user_id, name, query, created_at) VALUES (?, ?, ?, ?)", "itti",
                r->user->id, name, query, now_unix());
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return http_error(r, 409, "conflict", _("You already have a view with this name."), NULL);
  }
  int64_t id = rc ? 0 : db_last_id(d);
  if (!rc) {
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{ssss}", "name", name, "query", query);
    rc = audit_write(d, &who, "create", "desk_view", idtxt, 0, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return http_json(r, 201, json_pack("{sIssss}", "id", (json_int_t)id, "name", name, "query", query));
}

int desk_api_view_delete(request *r)
{
  int64_t id;
  if (parse_i64(req_param(r, "vid"), &id))
    return desk_not_found(r);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM desk_views WHERE id = ? AND user_id = ?", "ii", id, r->user->id);
  bool gone = !rc && db_changes(d) == 0;
  if (!rc && !gone)
    rc = audit_write(d, &who, "delete", "desk_view", req_param(r, "vid"), 0, NULL, NULL);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  if (gone)
    return desk_not_found(r);
  return http_json(r, 200, json_pack("{sb}", "ok", 1));
}
