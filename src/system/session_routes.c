/* session_routes.c - sign in and out (API and form), the current user,
 * API tokens and the account page with the password change. */
#include "system_int.h"
#include "../core/audit.h"
#include "../core/auth.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>

#define PRE_COOKIE "defter_pre"

static void set_session_cookie(request *r, const char *sid)
{
  http_cookie(r, SESSION_COOKIE, sid, 0, true);
}

static int login_failure(request *r, enum auth_result res)
{
  if (res == AUTH_THROTTLED) {
    char secs[32];
    snprintf(secs, sizeof secs, "%lld", (long long)auth_options()->window_s);
    http_header(r, "Retry-After", secs);
    return http_error(r, 429, "throttled",
                      _("Too many failed sign-in attempts. Please wait and try again later."), NULL);
  }
  if (res == AUTH_BAD)
    return http_error(r, 401, "bad_credentials", _("The user name or password is wrong."), NULL);
  if (res == AUTH_UNREACHABLE)
    return http_error(r, 503, "directory_unreachable", _("The directory server cannot be reached."), NULL);
  return http_error(r, 503, "unavailable", _("Sign-in is not available right now."), NULL);
}

int sys_api_login(request *r)
{
  static const struct jfield fields[] = {
      {"username", JT_STRING, true, 128},
      {"password", JT_STRING, true, 256},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  const char *sid = NULL, *csrf = NULL;
  int64_t uid = 0;
  enum auth_result res =
      auth_login(r, jsonx_str(in, "username"), jsonx_str(in, "password"), &sid, &csrf, &uid);
  json_decref(in);
  if (res != AUTH_OK)
    return login_failure(r, res);
  set_session_cookie(r, sid);
  json_t *u = sys_user_json(db_thread(), uid);
  json_t *out = json_object();
  json_object_set_new(out, "user", u ? u : json_null());
  json_object_set_new(out, "csrf_token", json_string(csrf));
  return http_json(r, 200, out);
}

int sys_api_logout(request *r)
{
  if (auth_logout(r))
    return -1;
  http_cookie(r, SESSION_COOKIE, "", -1, true);
  json_t *out = json_object();
  json_object_set_new(out, "ok", json_true());
  return http_json(r, 200, out);
}

int sys_api_me(request *r)
{
  json_t *u = sys_user_json(db_thread(), r->user->id);
  if (!u)
    return -1;
  if (r->user->csrf)
    json_object_set_new(u, "csrf_token", json_string(r->user->csrf));
  return http_json(r, 200, u);
}

int sys_api_token_create(request *r)
{
  static const struct jfield fields[] = {
      {"name", JT_STRING, false, 100},
      {"days", JT_INT, false, 0},
  };
  json_t *in = NULL;
  if (r->body.len) {
    in = req_json(r, fields, ARRAY_LEN(fields));
    if (!in)
      return 0;
  }
  const char *name = in && jsonx_str(in, "name") ? jsonx_str(in, "name") : "api";
  int64_t days = in ? jsonx_int(in, "days", 0) : 0;
  if (days < 0 || days > 3650) {
    json_decref(in);
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "days", _("Must be between 0 and 3650.")));
  }
  db *d = db_thread();
  struct actor who = audit_actor(r);
  const char *tok = NULL;
  int64_t id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = auth_token_create(d, r->user->id, name, days * 86400, r->a, &tok, &id);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{sssI}", "name", name, "days", (json_int_t)days);
    rc = audit_write(d, &who, "create", "api_token", idtxt, r->user->unit_id, NULL, after);
    json_decref(after);
  }
  json_decref(in);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  json_t *out = json_object();
  json_object_set_new(out, "id", json_integer(id));
  json_object_set_new(out, "token", json_string(tok));
  return http_json(r, 201, out);
}

static void login_page(request *r, int status, const char *error, const char *username)
{
  html h;
  html_init(&h);
  const char *pre = req_cookie(r, PRE_COOKIE);
  if (!pre || strlen(pre) < 20 || strlen(pre) > 64) {
    pre = random_token(r->a, 24);
    http_cookie(r, PRE_COOKIE, pre, 0, true);
  }
  const char *next = html_safe_local_path(req_query(r, "next") ? req_query(r, "next") : req_form(r, "next"));
  page_begin_bare(r, &h, _("Sign in"));
  H(&h, "<section class=\"login card\"><h1>");
  h_txt(&h, _("Sign in"));
  H(&h, "</h1><p class=\"muted\">");
  h_txt(&h, _("IT department operations system"));
  H(&h, "</p>");
  if (error) {
    H(&h, "<p class=\"alert\" role=\"alert\" id=\"login-error\">");
    h_txt(&h, error);
    H(&h, "</p>");
  }
  H(&h, "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"_pre\" value=\"");
  h_attr(&h, pre);
  H(&h, "\"><input type=\"hidden\" name=\"next\" value=\"");
  h_attr(&h, next);
  H(&h, "\"><label for=\"username\">");
  h_txt(&h, _("User name"));
  H(&h, "</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus value=\"");
  h_attr(&h, username);
  H(&h, "\"><label for=\"password\">");
  h_txt(&h, _("Password"));
  H(&h, "</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" "
        "required><button type=\"submit\" class=\"primary\" id=\"login-submit\">");
  h_txt(&h, _("Sign in"));
  H(&h, "</button></form></section>");
  page_end(r, &h);
  http_html(r, status, &h);
}

int sys_login_page(request *r)
{
  if (r->user)
    return http_redirect(r, html_safe_local_path(req_query(r, "next")));
  login_page(r, 200, NULL, NULL);
  return 0;
}

int sys_login_form(request *r)
{
  const char *pre_cookie = req_cookie(r, PRE_COOKIE);
  if (!pre_cookie || !str_ct_eq(pre_cookie, req_form(r, "_pre"))) {
    login_page(r, 403, _("The sign-in form expired; please try again."), req_form(r, "username"));
    return 0;
  }
  const char *sid = NULL, *csrf = NULL;
  int64_t uid = 0;
  const char *user = req_form(r, "username");
  enum auth_result res = auth_login(r, user, req_form(r, "password"), &sid, &csrf, &uid);
  if (res == AUTH_OK) {
    set_session_cookie(r, sid);
    http_cookie(r, PRE_COOKIE, "", -1, true);
    return http_redirect(r, html_safe_local_path(req_form(r, "next")));
  }
  if (res == AUTH_THROTTLED)
    login_page(r, 429, _("Too many failed sign-in attempts. Please wait and try again later."), user);
  else if (res == AUTH_BAD)
    login_page(r, 401, _("The user name or password is wrong."), user);
  else if (res == AUTH_UNREACHABLE)
    login_page(r, 503, _("The directory server cannot be reached."), user);
  else
    login_page(r, 503, _("Sign-in is not available right now."), user);
  return 0;
}

int sys_logout_form(request *r)
{
  if (auth_logout(r))
    return -1;
  http_cookie(r, SESSION_COOKIE, "", -1, true);
  return http_redirect(r, "/login");
}

static void account_page(request *r, int status, const char *msg, bool ok)
{
  html h;
  html_init(&h);
  page_begin(r, &h, _("My account"), "/account");
  if (msg) {
    H(&h, "<p role=\"status\" class=\"");
    if (ok)
      H(&h, "notice");
    else
      H(&h, "alert");
    H(&h, "\">");
    h_txt(&h, msg);
    H(&h, "</p>");
  }
  H(&h, "<section class=\"card\"><dl><dt>");
  h_txt(&h, _("User name"));
  H(&h, "</dt><dd>");
  h_txt(&h, r->user->username);
  H(&h, "</dd><dt>");
  h_txt(&h, _("Name"));
  H(&h, "</dt><dd>");
  h_txt(&h, r->user->display_name);
  H(&h, "</dd></dl></section><section class=\"card\"><h2>");
  h_txt(&h, _("Change password"));
  H(&h, "</h2><form method=\"post\" action=\"/account/password\">");
  page_csrf(r, &h);
  H(&h, "<label for=\"current\">");
  h_txt(&h, _("Current password"));
  H(&h, "</label><input id=\"current\" name=\"current\" type=\"password\" autocomplete=\"current-password\" "
        "required><label for=\"new\">");
  h_txt(&h, _("New password"));
  H(&h, "</label><input id=\"new\" name=\"new\" type=\"password\" autocomplete=\"new-password\" required "
        "aria-describedby=\"pwhint\"><p class=\"hint\" id=\"pwhint\">");
  h_txt(&h, _("At least 10 characters, with letters and digits."));
  H(&h, "</p><button type=\"submit\" class=\"primary\">");
  h_txt(&h, _("Change password"));
  H(&h, "</button></form></section>");
  page_end(r, &h);
  http_html(r, status, &h);
}

int sys_account_page(request *r)
{
  account_page(r, 200, NULL, false);
  return 0;
}

int sys_account_password(request *r)
{
  db *d = db_thread();
  const char *cur = req_form(r, "current"), *nw = req_form(r, "new");
  char hash[160] = "";
  db_stmt *st = db_q(d, "SELECT password_hash FROM users WHERE id = ?", "i", r->user->id);
  if (db_step(st) == DB_ROW && db_col_text(st, 0))
    snprintf(hash, sizeof hash, "%s", db_col_text(st, 0));
  db_done(st);
  if (!auth_check_password(hash, cur)) {
    account_page(r, 400, _("The current password is wrong."), false);
    return 0;
  }
  const char *problem = auth_password_problem(r->user->username, nw);
  if (problem) {
    account_page(r, 400, problem, false);
    return 0;
  }
  struct actor who = audit_actor(r);
  if (auth_user_set_password(d, &who, r->user->id, nw))
    return -1;
  http_cookie(r, SESSION_COOKIE, "", -1, true);
  return http_redirect(r, "/login");
}

int sys_api_tokens_list(request *r)
{
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT id, name, created_at, last_used_at, expires_at, revoked_at FROM api_tokens"
                     " WHERE user_id = ? ORDER BY id DESC LIMIT 200",
                     "i", r->user->id);
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    json_t *it = json_object();
    json_object_set_new(it, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(it, "name", db_col_text(st, 1));
    static const char *const keys[] = {"created_at", "last_used_at", "expires_at", "revoked_at"};
    for (int c = 2; c <= 5; c++) {
      char ts[32];
      fmt_iso8601(db_col_int(st, c), ts);
      jsonx_set_str(it, keys[c - 2], db_col_null(st, c) ? NULL : ts);
    }
    json_array_append_new(items, it);
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  json_t *out = json_object();
  json_object_set_new(out, "items", items);
  json_object_set_new(out, "next_cursor", json_null());
  return http_json(r, 200, out);
}

int sys_api_token_revoke(request *r)
{
  int64_t id, owner = 0;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  db *d = db_thread();
  int rc = db_int(d, &owner, "SELECT user_id FROM api_tokens WHERE id = ? AND revoked_at IS NULL", "i", id);
  if (rc < 0)
    return -1;
  /* One's own tokens, or anyone's for a user manager. */
  if (rc == DB_OK || (owner != r->user->id && !rbac_has(r->user->id, "user.manage")))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", "ii", now_unix(), id);
  if (!rc)
    rc = audit_write(d, &who, "revoke", "api_token", req_param(r, "id"), 0, NULL, NULL);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  json_t *out = json_object();
  json_object_set_new(out, "ok", json_true());
  return http_json(r, 200, out);
}
