/* pages.c - the vault in the browser: the list with the entries whose
 * rotation is overdue on top, the form to add an entry, the entry page
 * (details, who revealed it and why, the reveal / rotate / break-glass
 * forms) and the one page that shows a secret, once, not cached.
 * Pages call the API handlers (page_call_api), so the rules and the audit
 * trail are the API's. */
#include "vault.h"
#include "vault_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>

static const char *local_time(request *r, const char *iso)
{
  int64_t t;
  if (!iso || parse_iso8601(iso, &t))
    return "";
  return page_time(r, t);
}

static void put_str(json_t *in, request *r, const char *field, const char *key)
{
  const char *v = req_form(r, field);
  if (v && *v)
    json_object_set_new(in, key, json_string(v));
}

static void put_int(json_t *in, request *r, const char *field, const char *key)
{
  const char *v = req_form(r, field);
  int64_t n;
  if (v && *v) {
    if (parse_i64(v, &n))
      json_object_set_new(in, key, json_string(v)); /* the API says why */
    else
      json_object_set_new(in, key, json_integer(n));
  }
}

static void entry_table(request *r, html *h, json_t *items, const char *id)
{
  H(h, "<table class=\"list\" id=\"");
  h_attr(h, id);
  H(h, "\"><thead><tr><th>");
  h_txt(h, _("System"));
  H(h, "</th><th>");
  h_txt(h, _("Account"));
  H(h, "</th><th>");
  h_txt(h, _("Kind"));
  H(h, "</th><th>");
  h_txt(h, _("Unit"));
  H(h, "</th><th>");
  h_txt(h, _("Responsible admin"));
  H(h, "</th><th>");
  h_txt(h, _("Rotation due"));
  H(h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *e;
  json_array_foreach(items, i, e)
  {
    if (jsonx_bool(e, "overdue", false))
      H(h, "<tr class=\"breached\"><td><a href=\"/vault/");
    else
      H(h, "<tr><td><a href=\"/vault/");
    h_int(h, jsonx_int(e, "id", 0));
    H(h, "\">");
    h_txt(h, jsonx_text(e, "system"));
    H(h, "</a>");
    if (jsonx_bool(e, "sealed", false)) {
      H(h, " <span class=\"badge\">");
      h_txt(h, _("sealed"));
      H(h, "</span>");
    }
    if (jsonx_bool(e, "rotate_now", false)) {
      H(h, " <span class=\"badge status-acil\">");
      h_txt(h, _("seal broken, rotate now"));
      H(h, "</span>");
    }
    H(h, "</td><td>");
    h_txt(h, jsonx_text(e, "account"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(e, "kind_label"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(json_object_get(e, "unit"), "name"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(json_object_get(e, "owner"), "name"));
    H(h, "</td><td>");
    h_txt(h, local_time(r, jsonx_text(e, "rotate_due")));
    H(h, "</td></tr>");
  }
  H(h, "</tbody></table>");
}

static void create_form(request *r, html *h)
{
  H(h, "<h2>");
  h_txt(h, _("Add an entry"));
  H(h, "</h2><form method=\"post\" action=\"/vault\" id=\"vault-new\" class=\"stack\" autocomplete=\"off\">");
  page_csrf(r, h);
  h_label(h, "v-system", _("System or device"));
  H(h, "<input id=\"v-system\" name=\"system\" maxlength=\"200\" required>");
  h_label(h, "v-account", _("Account"));
  H(h, "<input id=\"v-account\" name=\"account\" maxlength=\"200\" required>");
  h_label(h, "v-kind", _("Kind"));
  H(h, "<select id=\"v-kind\" name=\"kind\">");
  for (size_t i = 0; vault_kinds[i]; i++)
    h_option(h, vault_kinds[i], vault_kind_label(vault_kinds[i]), i == 0);
  H(h, "</select>");
  h_label(h, "v-owner", _("Responsible admin"));
  H(h, "<select id=\"v-owner\" name=\"owner\" required>");
  db_stmt *st = db_q(db_thread(),
                     "SELECT p.id, p.name, u.name FROM org_people p JOIN units u ON u.id = p.unit_id"
                     " WHERE p.active = 1 ORDER BY p.name_fold LIMIT 1000",
                     "");
  while (db_step(st) == DB_ROW) {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)db_col_int(st, 0));
    h_option(h, id, arena_printf(r->a, "%s (%s)", db_col_text(st, 1), db_col_text(st, 2)), false);
  }
  db_done(st);
  H(h, "</select>");
  h_label(h, "v-every", _("Rotate every (days, 0 = never)"));
  H(h, "<input id=\"v-every\" name=\"rotate_every_days\" type=\"number\" min=\"0\" max=\"3650\" value=\"90\">");
  h_label(h, "v-secret", _("Password"));
  H(h, "<input id=\"v-secret\" name=\"secret\" type=\"password\" maxlength=\"4096\" required autocomplete=\"new-password\">");
  h_label(h, "v-notes", _("Notes"));
  H(h, "<textarea id=\"v-notes\" name=\"notes\" maxlength=\"4000\"></textarea>");
  H(h, "<label><input type=\"checkbox\" name=\"sealed\" value=\"1\"> ");
  h_txt(h, _("Sealed: only the manager may open it (break-glass)"));
  H(h, "</label><button type=\"submit\" class=\"primary\">");
  h_txt(h, _("Add"));
  H(h, "</button></form>");
}

static int list_page(request *r, int status, json_t *err)
{
  json_t *all = NULL;
  int st = page_call_api(r, vault_api_list, NULL, &all);
  if (st != 200) {
    json_decref(all);
    return st < 0 ? -1 : http_error(r, 400, "validation", _("Some filters are invalid."), NULL);
  }
  json_t *items = json_object_get(all, "items"), *overdue = json_array();
  size_t i;
  json_t *e;
  json_array_foreach(items, i, e) if (jsonx_bool(e, "overdue", false)) json_array_append(overdue, e);
  html h;
  html_init(&h);
  page_begin(r, &h, _("Password vault"), "/vault");
  H(&h, "<h1>");
  h_txt(&h, _("Password vault"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  if (json_array_size(overdue)) {
    H(&h, "<h2>");
    h_txt(&h, _("Rotation overdue"));
    H(&h, "</h2>");
    entry_table(r, &h, overdue, "vault-overdue");
  }
  H(&h, "<h2>");
  h_txt(&h, _("Entries"));
  H(&h, "</h2>");
  entry_table(r, &h, items, "vault-entries");
  if (jsonx_str(all, "next_cursor")) {
    H(&h, "<p><a href=\"/vault?cursor=");
    h_url(&h, jsonx_str(all, "next_cursor"));
    H(&h, "\">");
    h_txt(&h, _("More"));
    H(&h, "</a></p>");
  }
  if (rbac_has(r->user->id, "vault.manage"))
    create_form(r, &h);
  json_decref(overdue);
  json_decref(all);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int vault_page_list(request *r)
{
  return list_page(r, 200, NULL);
}

int vault_form_create(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "system", json_string(req_form(r, "system") ? req_form(r, "system") : ""));
  json_object_set_new(in, "account", json_string(req_form(r, "account") ? req_form(r, "account") : ""));
  json_object_set_new(in, "kind", json_string(req_form(r, "kind") ? req_form(r, "kind") : ""));
  json_object_set_new(in, "secret", json_string(req_form(r, "secret") ? req_form(r, "secret") : ""));
  put_int(in, r, "owner", "owner");
  put_int(in, r, "rotate_every_days", "rotate_every_days");
  put_str(in, r, "notes", "notes");
  json_object_set_new(in, "sealed", json_boolean(req_form(r, "sealed") && str_eq(req_form(r, "sealed"), "1")));
  json_t *out;
  int status = page_call_api(r, vault_api_create, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status == 201)
    rc = http_redirect(r, arena_printf(r->a, "/vault/%lld", (long long)jsonx_int(out, "id", 0)));
  else if (status == 403)
    rc = http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  else
    rc = list_page(r, status, out);
  json_decref(out);
  return rc;
}

static void field(html *h, const char *label, const char *value)
{
  H(h, "<dt>");
  h_txt(h, label);
  H(h, "</dt><dd>");
  h_txt(h, value);
  H(h, "</dd>");
}

static void reason_form(request *r, html *h, int64_t id, const char *action, const char *button, const char *form_id)
{
  H(h, "<form method=\"post\" class=\"stack\" id=\"");
  h_attr(h, form_id);
  H(h, "\" action=\"/vault/");
  h_int(h, id);
  H(h, "/");
  h_attr(h, action);
  H(h, "\">");
  page_csrf(r, h);
  h_label(h, arena_printf(r->a, "%s-reason", form_id), _("Reason (required, kept in the audit trail)"));
  H(h, "<input name=\"reason\" maxlength=\"500\" required id=\"");
  h_attr(h, arena_printf(r->a, "%s-reason", form_id));
  H(h, "\"><button type=\"submit\">");
  h_txt(h, button);
  H(h, "</button></form>");
}

/* The entry page; secret is shown once (from a reveal), err an API error. */
static int entry_page(request *r, int status, json_t *err, json_t *secret)
{
  json_t *e = NULL;
  int st = page_call_api(r, vault_api_get, NULL, &e);
  if (st != 200) {
    json_t *x = json_object_get(e, "error");
    int rc = st < 0 ? -1 : http_error(r, st, jsonx_text(x, "code"), jsonx_text(x, "message"), NULL);
    json_decref(e);
    return rc;
  }
  int64_t id = jsonx_int(e, "id", 0);
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_text(e, "system"), "/vault");
  H(&h, "<h1>");
  h_txt(&h, jsonx_text(e, "system"));
  H(&h, " / ");
  h_txt(&h, jsonx_text(e, "account"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  if (secret) {
    H(&h, "<div class=\"alert\" role=\"status\" id=\"revealed\"><p>");
    h_txt(&h, _("The password (shown once; it is not kept on this page):"));
    H(&h, "</p><p><code id=\"secret\">");
    h_txt(&h, jsonx_text(secret, "secret"));
    H(&h, "</code></p></div>");
  }
  if (jsonx_bool(e, "rotate_now", false)) {
    H(&h, "<div class=\"alert error\" role=\"alert\"><p>");
    h_txt(&h, _("The seal of this entry was broken: change the password now and record it here."));
    H(&h, "</p></div>");
  }
  H(&h, "<dl class=\"fields\">");
  field(&h, _("Kind"), jsonx_text(e, "kind_label"));
  field(&h, _("Unit"), jsonx_text(json_object_get(e, "unit"), "name"));
  field(&h, _("Responsible admin"), jsonx_text(json_object_get(e, "owner"), "name"));
  field(&h, _("Last rotated"), local_time(r, jsonx_text(e, "rotated_at")));
  field(&h, _("Rotation due"), local_time(r, jsonx_text(e, "rotate_due")));
  field(&h, _("Sealed"), jsonx_bool(e, "sealed", false) ? _("yes") : _("no"));
  field(&h, _("Notes"), jsonx_text(e, "notes"));
  H(&h, "</dl>");
  if (jsonx_bool(e, "can_reveal", false)) {
    H(&h, "<h2>");
    h_txt(&h, _("Reveal the password"));
    H(&h, "</h2>");
    reason_form(r, &h, id, "reveal", _("Reveal"), "reveal-form");
  }
  if (jsonx_bool(e, "can_breakglass", false)) {
    H(&h, "<h2>");
    h_txt(&h, _("Break-glass"));
    H(&h, "</h2><p>");
    h_txt(&h, _("Opening a sealed entry breaks its seal, is audited and mails the admins."));
    H(&h, "</p>");
    reason_form(r, &h, id, "breakglass", _("Break the seal and reveal"), "breakglass-form");
  }
  if (jsonx_bool(e, "can_manage", false)) {
    H(&h, "<h2>");
    h_txt(&h, _("Rotate"));
    H(&h, "</h2><form method=\"post\" class=\"stack\" id=\"rotate-form\" autocomplete=\"off\" action=\"/vault/");
    h_int(&h, id);
    H(&h, "/rotate\">");
    page_csrf(r, &h);
    h_label(&h, "rotate-secret", _("New password"));
    H(&h, "<input type=\"password\" id=\"rotate-secret\" name=\"secret\" maxlength=\"4096\" required"
          " autocomplete=\"new-password\">");
    h_label(&h, "rotate-note", _("Note"));
    H(&h, "<input id=\"rotate-note\" name=\"note\" maxlength=\"500\"><button type=\"submit\">");
    h_txt(&h, _("Record the new password"));
    H(&h, "</button></form>");
  }
  H(&h, "<h2>");
  h_txt(&h, _("Reveals"));
  H(&h, "</h2><table class=\"list\" id=\"reveals\"><thead><tr><th>");
  h_txt(&h, _("When"));
  H(&h, "</th><th>");
  h_txt(&h, _("Who"));
  H(&h, "</th><th>");
  h_txt(&h, _("Kind"));
  H(&h, "</th><th>");
  h_txt(&h, _("Reason"));
  H(&h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(e, "reveals"), i, v)
  {
    H(&h, "<tr><td>");
    h_txt(&h, local_time(r, jsonx_text(v, "at")));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(v, "by"));
    H(&h, "</td><td>");
    h_txt(&h, str_eq(jsonx_text(v, "kind"), "denied") ? _("refused") : str_eq(jsonx_text(v, "kind"), "breakglass")
                                                                   ? _("break-glass")
                                                                   : _("reveal"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(v, "reason"));
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(e);
  page_end(r, &h);
  return http_html(r, status, &h);  /* a reveal has set Cache-Control: no-store */
}

int vault_page_entry(request *r)
{
  return entry_page(r, 200, NULL, NULL);
}

int vault_form_action(request *r)
{
  const char *action = req_param(r, "action");
  route_fn fn = str_eq(action, "reveal")       ? vault_api_reveal
                : str_eq(action, "breakglass") ? vault_api_breakglass
                : str_eq(action, "rotate")     ? vault_api_rotate
                                               : NULL;
  if (!fn)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  json_t *in = json_object();
  if (fn == vault_api_rotate) {
    json_object_set_new(in, "secret", json_string(req_form(r, "secret") ? req_form(r, "secret") : ""));
    put_str(in, r, "note", "note");
  } else {
    json_object_set_new(in, "reason", json_string(req_form(r, "reason") ? req_form(r, "reason") : ""));
  }
  json_t *out;
  int status = page_call_api(r, fn, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status == 403 || status == 404) {
    json_t *x = json_object_get(out, "error");
    rc = http_error(r, status, jsonx_text(x, "code"), jsonx_text(x, "message"), NULL);
  } else if (status == 200 && fn == vault_api_rotate) {
    rc = http_redirect(r, arena_printf(r->a, "/vault/%s", req_param(r, "id")));
  } else if (status == 200) {
    rc = entry_page(r, 200, NULL, out);
  } else {
    rc = entry_page(r, status, out, NULL);
  }
  if (out) {
    json_t *s = json_object_get(out, "secret");
    if (s && json_string_length(s))
      sodium_memzero((void *)json_string_value(s), json_string_length(s));
  }
  json_decref(out);
  return rc;
}

/* Dashboard: vault entries of the user's units whose password is due for
 * rotation (or whose seal was broken). */
void vault_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "vault.read"))
    return;
  int64_t n = 0;
  if (db_int(db_thread(), &n,
             "SELECT COUNT(*) FROM vault_entries e JOIN units tu ON tu.id = e.unit_id"
             " WHERE ((e.rotate_due IS NOT NULL AND e.rotate_due <= ?) OR e.seal_broken_at IS NOT NULL)"
             " AND " RBAC_SQL_REACHES("tu.path", "'vault.read'"),
             "ii", now_unix(), r->user->id) == DB_ROW)
    page_stat_card(h, _("Vault passwords to rotate"), n, "/vault");
}
