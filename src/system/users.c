/* users.c - users and their role grants: API and page. What a caller may
 * see follows the unit tree: a grant of user.read on a unit reaches the
 * users of that unit and every unit below it. */
#include "system_int.h"
#include "../core/audit.h"
#include "../core/auth.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

json_t *sys_user_json(db *d, int64_t id)
{
  json_t *u = NULL;
  db_stmt *st = db_q(d,
                     "SELECT u.id, u.username, u.display_name, u.email, u.active, u.source, un.code, un.name,"
                     " u.created_at FROM users u LEFT JOIN units un ON un.id = u.unit_id WHERE u.id = ?",
                     "i", id);
  if (db_step(st) == DB_ROW) {
    u = json_object();
    json_object_set_new(u, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(u, "username", db_col_text(st, 1));
    jsonx_set_str(u, "display_name", db_col_text(st, 2));
    jsonx_set_str(u, "email", db_col_text(st, 3));
    json_object_set_new(u, "active", json_boolean(db_col_int(st, 4)));
    jsonx_set_str(u, "source", db_col_text(st, 5));
    jsonx_set_str(u, "unit", db_col_text(st, 6));
    jsonx_set_str(u, "unit_name", db_col_text(st, 7));
    char ts[32];
    fmt_iso8601(db_col_int(st, 8), ts);
    json_object_set_new(u, "created_at", json_string(ts));
  }
  db_done(st);
  if (!u)
    return NULL;
  json_t *grants = json_array();
  st = db_q(d, "SELECT g.role, un.code FROM grants g JOIN units un ON un.id = g.unit_id WHERE g.user_id = ?"
               " ORDER BY g.id", "i", id);
  while (db_step(st) == DB_ROW)
    json_array_append_new(grants, json_pack("{ssss}", "role", db_col_text(st, 0), "unit", db_col_text(st, 1)));
  db_done(st);
  json_object_set_new(u, "grants", grants);
  return u;
}

int64_t sys_visible_user_count(int64_t viewer)
{
  int64_t n = 0;
  if (db_int(db_thread(), &n,
             "SELECT COUNT(*) FROM users u LEFT JOIN units un ON un.id = u.unit_id"
             " WHERE u.active = 1 AND EXISTS (SELECT 1 FROM effective_grants g"
             "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'user.read'"
             "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
             "  AND ((un.id IS NULL AND gu.parent_id IS NULL) OR substr(un.path, 1, length(gu.path)) = gu.path))",
             "i", viewer) != DB_ROW)
    return 0;
  return n;
}

static const char VISIBLE_USERS[] =
    "SELECT u.id, u.username, u.display_name, un.code, u.active FROM users u"
    " LEFT JOIN units un ON un.id = u.unit_id"
    " WHERE u.id > ? AND EXISTS (SELECT 1 FROM effective_grants g"
    "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'user.read'"
    "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
    "  AND ((un.id IS NULL AND gu.parent_id IS NULL) OR substr(un.path, 1, length(gu.path)) = gu.path))"
    " ORDER BY u.id LIMIT ?";

int sys_api_users_list(request *r)
{
  int64_t limit, cursor;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  db *d = db_thread();
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  db_stmt *st = db_q(d, VISIBLE_USERS, "iii", cursor, r->user->id, limit + 1);
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit)
      break;
    last = db_col_int(st, 0);
    json_array_append_new(items, json_pack("{sIsssssssb}", "id", (json_int_t)last, "username", db_col_text(st, 1),
                                           "display_name", db_col_text(st, 2), "unit",
                                           db_col_text(st, 3) ? db_col_text(st, 3) : "", "active",
                                           (int)db_col_int(st, 4)));
    n++;
  }
  bool more = rc == DB_ROW;
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  return http_json_page(r, items, more, last);
}

static int64_t unit_id_of(db *d, const char *code)
{
  int64_t id = 0;
  if (!code || db_int(d, &id, "SELECT id FROM units WHERE code = ?", "t", code) != DB_ROW)
    return 0;
  return id;
}

/* Empty or NULL is fine (no address). */
static bool email_ok(const char *e)
{
  return !e || !*e || tr_email_check(e) == 0;
}

static bool username_ok(const char *u)
{
  size_t n = strlen(u);
  if (n < 2 || n > 64)
    return false;
  for (const char *p = u; *p; p++)
    if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-'))
      return false;
  return true;
}

/* Creates a user with one grant; fills errors and returns 400/409 status
 * codes, or 0 with *id_out on success. */
static int create_user(request *r, const char *username, const char *display, const char *password,
                       const char *unit_code, const char *role, const char *email, json_t *errors, int64_t *id_out)
{
  db *d = db_thread();
  if (!username_ok(username))
    json_object_set_new(errors, "username", json_string(_("Use 2-64 lower-case letters, digits, '.', '_' or '-'.")));
  const char *pw = auth_password_problem(username, password);
  if (pw)
    json_object_set_new(errors, "password", json_string(pw));
  int64_t unit = unit_code && *unit_code ? unit_id_of(d, unit_code) : rbac_root_unit(d);
  if (!unit)
    json_object_set_new(errors, "unit", json_string(_("Unknown unit.")));
  if (!rbac_role_valid(role))
    json_object_set_new(errors, "role", json_string(_("Unknown role.")));
  if (!email_ok(email))
    json_object_set_new(errors, "email", json_string(_("Invalid e-mail address.")));
  if (json_object_size(errors))
    return 400;
  /* A user manager may only create users in units their grant reaches. */
  if (!rbac_can(r->user->id, "user.manage", unit))
    return 403;
  int64_t one;
  if (db_int(d, &one, "SELECT 1 FROM users WHERE username = ?", "t", username) == DB_ROW) {
    json_object_set_new(errors, "username", json_string(_("This user name is taken.")));
    return 409;
  }
  struct actor who = audit_actor(r);
  int64_t id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = auth_user_create(d, &who, username, display && *display ? display : username, password, unit, &id);
  if (!rc && email && *email)
    rc = db_run(d, "UPDATE users SET email = ? WHERE id = ?", "ti", email, id);
  if (!rc)
    rc = rbac_grant(d, id, role, unit);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{ssss}", "role", role, "unit", unit_code ? unit_code : "");
    rc = audit_write(d, &who, "grant", "user", idtxt, unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return rc == DB_CONSTRAINT ? 409 : 500;
  }
  *id_out = id;
  return 0;
}

int sys_api_users_create(request *r)
{
  static const struct jfield fields[] = {
      {"username", JT_STRING, true, 64},    {"display_name", JT_STRING, false, 200},
      {"password", JT_STRING, true, 256},   {"unit", JT_STRING, false, 16},
      {"role", JT_STRING, true, 16},        {"email", JT_STRING, false, 254},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  json_t *errors = json_object();
  int64_t id = 0;
  int st = create_user(r, jsonx_str(in, "username"), jsonx_str(in, "display_name"), jsonx_str(in, "password"),
                       jsonx_str(in, "unit"), jsonx_str(in, "role"), jsonx_str(in, "email"), errors, &id);
  json_decref(in);
  if (st == 500) {
    json_decref(errors);
    return -1;
  }
  if (st == 403) {
    json_decref(errors);
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  }
  if (st)
    return http_error(r, st, st == 409 ? "conflict" : "validation",
                      st == 409 ? _("The record conflicts with an existing one.") : _("Some fields are invalid."),
                      errors);
  json_decref(errors);
  json_t *u = sys_user_json(db_thread(), id);
  return u ? http_json(r, 201, u) : -1;
}

int sys_api_user_get(request *r)
{
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  db *d = db_thread();
  int64_t unit = 0;
  int rc = db_int(d, &unit, "SELECT COALESCE(unit_id, 0) FROM users WHERE id = ?", "i", id);
  if (rc == DB_OK)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  if (rc < 0)
    return -1;
  if (!rbac_can(r->user->id, "user.read", unit ? unit : rbac_root_unit(d)))
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  json_t *u = sys_user_json(d, id);
  return u ? http_json(r, 200, u) : -1;
}

int sys_api_user_grant(request *r)
{
  static const struct jfield fields[] = {
      {"role", JT_STRING, true, 16},
      {"unit", JT_STRING, false, 16},
  };
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  db *d = db_thread();
  const char *role = jsonx_str(in, "role"), *code = jsonx_str(in, "unit");
  int64_t unit = code && *code ? unit_id_of(d, code) : rbac_root_unit(d);
  json_t *errors = json_object();
  if (!rbac_role_valid(role))
    json_object_set_new(errors, "role", json_string(_("Unknown role.")));
  if (!unit)
    json_object_set_new(errors, "unit", json_string(_("Unknown unit.")));
  int64_t one;
  if (db_int(d, &one, "SELECT 1 FROM users WHERE id = ?", "i", id) != DB_ROW) {
    json_decref(in);
    json_decref(errors);
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  }
  if (json_object_size(errors)) {
    json_decref(in);
    return http_error(r, 400, "validation", _("Some fields are invalid."), errors);
  }
  json_decref(errors);
  /* Both the person and the unit of the new grant must be within reach. */
  int64_t uunit = 0;
  if (db_int(d, &uunit, "SELECT COALESCE(unit_id, 0) FROM users WHERE id = ?", "i", id) != DB_ROW || !uunit)
    uunit = rbac_root_unit(d);
  if (!rbac_can(r->user->id, "user.manage", unit) || !rbac_can(r->user->id, "user.manage", uunit)) {
    json_decref(in);
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  }
  struct actor who = audit_actor(r);
  char idtxt[32];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
  int rc = db_begin(d);
  if (!rc)
    rc = rbac_grant(d, id, role, unit);
  if (!rc) {
    json_t *after = json_pack("{ssss}", "role", role, "unit", code ? code : "");
    rc = audit_write(d, &who, "grant", "user", idtxt, unit, NULL, after);
    json_decref(after);
  }
  json_decref(in);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  json_t *u = sys_user_json(d, id);
  return u ? http_json(r, 200, u) : -1;
}

static void users_page(request *r, int status, const char *msg, json_t *errors)
{
  db *d = db_thread();
  html h;
  html_init(&h);
  page_begin(r, &h, _("Users"), "/users");
  if (msg) {
    H(&h, "<p class=\"alert\" role=\"alert\">");
    h_txt(&h, msg);
    const char *k;
    json_t *v;
    json_object_foreach(errors, k, v) {
      H(&h, " ");
      h_txt(&h, k);
      H(&h, ": ");
      h_txt(&h, json_string_value(v));
    }
    H(&h, "</p>");
  }
  H(&h, "<table class=\"list\"><thead><tr><th scope=\"col\">");
  h_txt(&h, _("User name"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Name"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Unit"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Active"));
  H(&h, "</th></tr></thead><tbody>");
  db_stmt *st = db_q(d, VISIBLE_USERS, "iii", (int64_t)0, r->user->id, (int64_t)500);
  while (db_step(st) == DB_ROW) {
    H(&h, "<tr><td>");
    h_txt(&h, db_col_text(st, 1));
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 2));
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 3));
    H(&h, "</td><td>");
    h_txt(&h, db_col_int(st, 4) ? _("yes") : _("no"));
    H(&h, "</td></tr>");
  }
  db_done(st);
  H(&h, "</tbody></table>");
  if (rbac_has(r->user->id, "user.manage")) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("New user"));
    H(&h, "</h2><form method=\"post\" action=\"/users\" class=\"grid\">");
    page_csrf(r, &h);
    static const char *const labels[][3] = {
        {"username", N_("User name"), "text"},
        {"display_name", N_("Name"), "text"},
        {"password", N_("Password"), "password"},
        {"unit", N_("Unit code"), "text"},
    };
    for (size_t i = 0; i < ARRAY_LEN(labels); i++) {
      H(&h, "<label for=\"f-");
      h_attr(&h, labels[i][0]);
      H(&h, "\">");
      h_txt(&h, _(labels[i][1]));
      H(&h, "</label><input id=\"f-");
      h_attr(&h, labels[i][0]);
      H(&h, "\" name=\"");
      h_attr(&h, labels[i][0]);
      H(&h, "\" type=\"");
      h_attr(&h, labels[i][2]);
      H(&h, "\">");
    }
    H(&h, "<label for=\"f-role\">");
    h_txt(&h, _("Role"));
    H(&h, "</label><select id=\"f-role\" name=\"role\">");
    for (size_t i = 0; i < rbac_nroles; i++) {
      H(&h, "<option value=\"");
      h_attr(&h, rbac_roles[i].key);
      H(&h, "\">");
      h_txt(&h, _(rbac_roles[i].name));
      H(&h, "</option>");
    }
    H(&h, "</select><button type=\"submit\" class=\"primary\">");
    h_txt(&h, _("Create"));
    H(&h, "</button></form></section>");
  }
  page_end(r, &h);
  http_html(r, status, &h);
}

int sys_users_page(request *r)
{
  users_page(r, 200, NULL, NULL);
  return 0;
}

int sys_users_form(request *r)
{
  json_t *errors = json_object();
  int64_t id = 0;
  int st = create_user(r, req_form(r, "username") ? req_form(r, "username") : "", req_form(r, "display_name"),
                       req_form(r, "password"), req_form(r, "unit"), req_form(r, "role"), req_form(r, "email"),
                       errors, &id);
  if (st == 500) {
    json_decref(errors);
    return -1;
  }
  if (st == 403) {
    json_decref(errors);
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  }
  if (st) {
    users_page(r, st, _("Some fields are invalid."), errors);
    json_decref(errors);
    return 0;
  }
  json_decref(errors);
  return http_redirect(r, "/users");
}

/* Finds the user's unit; writes 404 and returns -1 when unknown, 403 when
 * the caller's grant of perm does not reach it. */
static int user_in_reach(request *r, db *d, int64_t id, const char *perm, int64_t *unit_out)
{
  int64_t unit = 0;
  int rc = db_int(d, &unit, "SELECT COALESCE(unit_id, 0) FROM users WHERE id = ?", "i", id);
  if (rc == DB_OK)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL), -1;
  if (rc < 0)
    return -2;
  if (!unit)
    unit = rbac_root_unit(d);
  if (!rbac_can(r->user->id, perm, unit))
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL), -1;
  *unit_out = unit;
  return 0;
}

int sys_api_user_update(request *r)
{
  static const struct jfield fields[] = {
      {"display_name", JT_STRING, false, 200},
      {"email", JT_STRING, false, 254},
      {"active", JT_BOOL, false, 0},
  };
  int64_t id, unit = 0;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  db *d = db_thread();
  int rc = user_in_reach(r, d, id, "user.manage", &unit);
  if (rc)
    return rc == -1 ? 0 : -1;
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  const char *name = jsonx_str(in, "display_name");
  if (name && !*name) {
    json_decref(in);
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "display_name", _("This field is required.")));
  }
  if (!email_ok(jsonx_str(in, "email"))) {
    json_decref(in);
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "email", _("Invalid e-mail address.")));
  }
  if (id == r->user->id && json_is_false(json_object_get(in, "active"))) {
    json_decref(in);
    return http_error(r, 409, "conflict", _("You cannot deactivate your own account."), NULL);
  }
  struct actor who = audit_actor(r);
  json_t *before = sys_user_json(d, id);
  rc = db_begin(d);
  if (!rc && name)
    rc = db_run(d, "UPDATE users SET display_name = ?, updated_at = ? WHERE id = ?", "tii", name, now_unix(), id);
  if (!rc && json_object_get(in, "email"))
    rc = db_run(d, "UPDATE users SET email = ?, updated_at = ? WHERE id = ?", "tii", jsonx_str(in, "email"),
                now_unix(), id);
  json_t *active = json_object_get(in, "active");
  if (!rc && active) {
    rc = db_run(d, "UPDATE users SET active = ?, updated_at = ? WHERE id = ?", "iii", (int64_t)json_is_true(active),
                now_unix(), id);
    /* A deactivated account loses its sessions at once (tokens stop
     * working because every request checks users.active). */
    if (!rc && json_is_false(active))
      rc = db_run(d, "DELETE FROM sessions WHERE user_id = ?", "i", id);
  }
  json_t *after = rc ? NULL : sys_user_json(d, id);
  char idtxt[32];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
  if (!rc)
    rc = audit_write(d, &who, "update", "user", idtxt, unit, before, after);
  json_decref(before);
  json_decref(in);
  if (rc || db_commit(d)) {
    db_rollback(d);
    json_decref(after);
    return -1;
  }
  return http_json(r, 200, after);
}

int sys_api_user_revoke(request *r)
{
  static const struct jfield fields[] = {
      {"role", JT_STRING, true, 16},
      {"unit", JT_STRING, false, 16},
  };
  int64_t id, unit = 0;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  db *d = db_thread();
  int rc = user_in_reach(r, d, id, "user.manage", &unit);
  if (rc)
    return rc == -1 ? 0 : -1;
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  const char *role = jsonx_str(in, "role"), *code = jsonx_str(in, "unit");
  int64_t gunit = code && *code ? unit_id_of(d, code) : rbac_root_unit(d);
  if (!gunit || !rbac_can(r->user->id, "user.manage", gunit)) {
    json_decref(in);
    return http_error(r, gunit ? 403 : 404, gunit ? "forbidden" : "not_found",
                      gunit ? _("You do not have permission for this.") : _("No such role grant."), NULL);
  }
  char idtxt[32];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM grants WHERE user_id = ? AND role = ? AND unit_id = ?", "iti", id, role, gunit);
  int changed = rc ? 0 : db_changes(d);
  if (!rc && changed) {
    json_t *before = json_pack("{ssss}", "role", role, "unit", code ? code : "");
    rc = audit_write(d, &who, "revoke", "user", idtxt, gunit, before, NULL);
    json_decref(before);
  }
  json_decref(in);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  if (!changed)
    return http_error(r, 404, "not_found", _("No such role grant."), NULL);
  json_t *u = sys_user_json(d, id);
  return u ? http_json(r, 200, u) : -1;
}
