/* pages.c - the access module in the browser: the to-do list and one's
 * own requests, the systems catalogue, the request form and the request
 * page with the step the viewer may take, a person's grants, and the
 * review campaigns with their lines.
 *
 * Pages do not repeat the rules: they call the API handlers through
 * page_call_api (the form's fields become the JSON the handler checks),
 * so the page and the API cannot disagree on who may do what. */
#include "access.h"
#include "access_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <string.h>

enum { SELECT_MAX = 500 };

/* ---- small pieces ---------------------------------------------------------------- */

static const char *when(request *r, const char *iso)
{
  int64_t t;
  if (!iso || parse_iso8601(iso, &t))
    return "";
  return page_time(r, t);
}

static void put_str(json_t *in, request *r, const char *key)
{
  const char *v = req_form(r, key);
  if (v && *v)
    json_object_set_new(in, key, json_string(v));
}

static void put_int(json_t *in, request *r, const char *key)
{
  const char *v = req_form(r, key);
  int64_t n;
  if (v && *v)
    json_object_set_new(in, key, parse_i64(v, &n) ? json_string(v) : json_integer(n));
}

static void dl_row(html *h, const char *label, const char *id)
{
  H(h, "<dt>");
  h_txt(h, label);
  H(h, "</dt><dd id=\"");
  h_attr(h, id);
  H(h, "\">");
}

static void badge(html *h, const char *cls, const char *text)
{
  H(h, "<span class=\"badge status-");
  h_attr(h, cls);
  H(h, "\">");
  h_txt(h, text);
  H(h, "</span>");
}

static void units_select(request *r, html *h, const char *id, const char *name, const char *selected, bool any)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\">");
  if (any)
    h_option(h, "", "—", !selected || !*selected);
  db_stmt *st = db_q(db_thread(), "SELECT code, name FROM units WHERE active = 1 ORDER BY path LIMIT ?", "i",
                     (int64_t)SELECT_MAX);
  while (db_step(st) == DB_ROW)
    h_option(h, db_col_text(st, 0), arena_printf(r->a, "%s (%s)", db_col_text(st, 1), db_col_text(st, 0)),
             selected && str_eq(selected, db_col_text(st, 0)));
  db_done(st);
  H(h, "</select>");
}

static void users_select(request *r, html *h, const char *id, const char *name, bool multiple, bool none)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  if (multiple)
    H(h, "\" multiple size=\"5\">");
  else
    H(h, "\">");
  if (none)
    h_option(h, "", "—", true);
  db_stmt *st = db_q(db_thread(), "SELECT id, display_name, username FROM users WHERE active = 1"
                                  " ORDER BY display_name LIMIT ?",
                     "i", (int64_t)SELECT_MAX);
  while (db_step(st) == DB_ROW)
    h_option(h, arena_printf(r->a, "%lld", (long long)db_col_int(st, 0)),
             arena_printf(r->a, "%s (%s)", db_col_text(st, 1), db_col_text(st, 2)), false);
  db_done(st);
  H(h, "</select>");
}

/* ---- request lists ------------------------------------------------------------------- */

static void request_table(request *r, html *h, const char *id, json_t *items, const char *empty)
{
  H(h, "<table class=\"list\" id=\"");
  h_attr(h, id);
  H(h, "\"><thead><tr>");
  static const char *const heads[] = {N_("Number"), N_("Person"), N_("System / role"), N_("Unit"), N_("Status"),
                                      N_("Created")};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(h, "<th scope=\"col\">");
    h_txt(h, _(heads[i]));
    H(h, "</th>");
  }
  H(h, "</tr></thead><tbody>");
  size_t i;
  json_t *q;
  json_array_foreach(items, i, q)
  {
    H(h, "<tr><td><a href=\"/access/requests/");
    h_int(h, jsonx_int(q, "id", 0));
    H(h, "\">#");
    h_int(h, jsonx_int(q, "id", 0));
    H(h, "</a></td><td>");
    h_txt(h, jsonx_text(json_object_get(q, "person"), "name"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(json_object_get(q, "system"), "name"));
    H(h, " / ");
    h_txt(h, jsonx_text(json_object_get(q, "role"), "name"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(json_object_get(q, "unit"), "name"));
    H(h, "</td><td>");
    badge(h, jsonx_text(q, "status"), jsonx_text(q, "status_label"));
    H(h, "</td><td>");
    h_txt(h, when(r, jsonx_str(q, "created_at")));
    H(h, "</td></tr>");
  }
  if (!json_array_size(items)) {
    H(h, "<tr><td colspan=\"6\" class=\"empty\">");
    h_txt(h, empty);
    H(h, "</td></tr>");
  }
  H(h, "</tbody></table>");
}

int access_page_home(request *r)
{
  bool more;
  int64_t last;
  json_t *todo = access_requests_view(r, "todo", NULL, 100, 0, &more, &last);
  json_t *mine = access_requests_view(r, "mine", NULL, 100, 0, &more, &last);
  json_t *reviews = access_reviews_list(r, "open", 50, 0, &more, &last);
  if (!todo || !mine || !reviews) {
    json_decref(todo);
    json_decref(mine);
    json_decref(reviews);
    return -1;
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Access requests"), "/access");
  H(&h, "<h1>");
  h_txt(&h, _("Access requests"));
  H(&h, "</h1>");
  if (rbac_has(r->user->id, "access.request")) {
    H(&h, "<p><a class=\"button primary\" id=\"new-request\" href=\"/access/requests/new\">");
    h_txt(&h, _("New access request"));
    H(&h, "</a></p>");
  }
  H(&h, "<section class=\"card\"><h2>");
  h_txt(&h, _("Waiting for me"));
  H(&h, "</h2>");
  request_table(r, &h, "todo", todo, _("Nothing is waiting for you."));
  H(&h, "</section><section class=\"card\"><h2>");
  h_txt(&h, _("My requests"));
  H(&h, "</h2>");
  request_table(r, &h, "mine", mine, _("No requests."));
  H(&h, "</section>");
  size_t i;
  json_t *v;
  bool any = false;
  json_array_foreach(reviews, i, v)
  {
    /* campaigns where the caller has lines to decide */
    if (!jsonx_int(json_object_get(v, "counts"), "pending", 0))
      continue;
    if (!access_is_reviewer(db_thread(), jsonx_int(v, "id", 0), r->user->id))
      continue;
    if (!any) {
      H(&h, "<section class=\"card\"><h2>");
      h_txt(&h, _("Access reviews waiting for me"));
      H(&h, "</h2><ul id=\"my-reviews\">");
      any = true;
    }
    H(&h, "<li><a href=\"/access/reviews/");
    h_int(&h, jsonx_int(v, "id", 0));
    H(&h, "\">");
    h_txt(&h, jsonx_text(v, "title"));
    H(&h, "</a> · ");
    h_txt(&h, _("Deadline"));
    H(&h, ": ");
    h_txt(&h, jsonx_text(v, "deadline"));
    H(&h, "</li>");
  }
  if (any)
    H(&h, "</ul></section>");
  json_decref(todo);
  json_decref(mine);
  json_decref(reviews);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

/* ---- the catalogue ------------------------------------------------------------------- */

static int systems_page(request *r, int status, json_t *err)
{
  json_t *out;
  int st = page_call_api(r, access_api_systems_list, NULL, &out);
  if (st != 200) {
    json_decref(out);
    return -1;
  }
  bool manage = rbac_has(r->user->id, "access.manage");
  html h;
  html_init(&h);
  page_begin(r, &h, _("Systems catalogue"), "/access/systems");
  H(&h, "<h1>");
  h_txt(&h, _("Systems catalogue"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<table class=\"list\" id=\"systems\"><thead><tr>");
  static const char *const heads[] = {N_("Code"),           N_("System"),   N_("Owner unit"), N_("Technical owner"),
                                      N_("Formal letter"), N_("Approver"), N_("Roles")};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(&h, "<th scope=\"col\">");
    h_txt(&h, _(heads[i]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  size_t i, k;
  json_t *s, *ro;
  json_array_foreach(json_object_get(out, "items"), i, s)
  {
    H(&h, "<tr id=\"system-");
    h_attr(&h, jsonx_text(s, "code"));
    H(&h, "\"><td>");
    h_txt(&h, jsonx_text(s, "code"));
    H(&h, "</td><td><strong>");
    h_txt(&h, jsonx_text(s, "name"));
    H(&h, "</strong><br><span class=\"muted\">");
    h_txt(&h, jsonx_text(s, "description"));
    H(&h, "</span></td><td>");
    h_txt(&h, jsonx_text(json_object_get(s, "owner_unit"), "name"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(json_object_get(s, "tech_owner"), "display_name"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_bool(s, "requires_letter", false) ? _("required") : _("not required"));
    H(&h, "</td><td>");
    h_txt(&h, str_eq(jsonx_text(s, "approver"), "system_owner")
                  ? arena_printf(r->a, "%s: %s", _("system owner"), jsonx_text(json_object_get(s, "owner"), "display_name"))
                  : _("IT manager"));
    H(&h, "</td><td><ul class=\"plain\">");
    json_array_foreach(json_object_get(s, "roles"), k, ro)
    {
      H(&h, "<li>");
      h_txt(&h, jsonx_text(ro, "name"));
      if (!jsonx_bool(ro, "active", true)) {
        H(&h, " <span class=\"muted\">(");
        h_txt(&h, _("inactive"));
        H(&h, ")</span>");
      }
      H(&h, "</li>");
    }
    H(&h, "</ul>");
    if (manage) {
      H(&h, "<form method=\"post\" class=\"inline\" action=\"/access/systems/");
      h_int(&h, jsonx_int(s, "id", 0));
      H(&h, "/roles\">");
      page_csrf(r, &h);
      H(&h, "<input name=\"code\" required maxlength=\"32\" size=\"8\" placeholder=\"");
      h_attr(&h, _("code"));
      H(&h, "\" aria-label=\"");
      h_attr(&h, _("Role code"));
      H(&h, "\"> <input name=\"name\" required maxlength=\"120\" size=\"14\" placeholder=\"");
      h_attr(&h, _("role name"));
      H(&h, "\" aria-label=\"");
      h_attr(&h, _("Role name"));
      H(&h, "\"> <button type=\"submit\">");
      h_txt(&h, _("Add role"));
      H(&h, "</button></form>");
    }
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(out);
  if (manage) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("New system"));
    H(&h, "</h2><form method=\"post\" action=\"/access/systems\" class=\"grid\" id=\"system-form\">");
    page_csrf(r, &h);
    h_label(&h, "s-code", _("Code"));
    H(&h, "<input id=\"s-code\" name=\"code\" required maxlength=\"16\" value=\"");
    h_attr(&h, req_form(r, "code"));
    H(&h, "\">");
    h_label(&h, "s-name", _("Name"));
    H(&h, "<input id=\"s-name\" name=\"name\" required maxlength=\"120\" value=\"");
    h_attr(&h, req_form(r, "name"));
    H(&h, "\">");
    h_label(&h, "s-description", _("Description"));
    H(&h, "<input id=\"s-description\" name=\"description\" maxlength=\"2000\" value=\"");
    h_attr(&h, req_form(r, "description"));
    H(&h, "\">");
    h_label(&h, "s-unit", _("Owner unit"));
    units_select(r, &h, "s-unit", "owner_unit", req_form(r, "owner_unit"), false);
    h_label(&h, "s-owner", _("System owner"));
    users_select(r, &h, "s-owner", "owner", false, true);
    h_label(&h, "s-tech", _("Technical owner"));
    users_select(r, &h, "s-tech", "tech_owner", false, true);
    h_label(&h, "s-approver", _("Approver"));
    H(&h, "<select id=\"s-approver\" name=\"approver\">");
    h_option(&h, "it_manager", _("IT manager"), true);
    h_option(&h, "system_owner", _("system owner"), false);
    H(&h, "</select><label><input type=\"checkbox\" name=\"requires_letter\" value=\"1\" id=\"s-letter\"> ");
    h_txt(&h, _("Access needs a formal letter (resmi yazı)"));
    H(&h, "</label><button type=\"submit\" class=\"primary\" id=\"system-submit\">");
    h_txt(&h, _("Add"));
    H(&h, "</button></form></section>");
  }
  page_end(r, &h);
  return http_html(r, status, &h);
}

int access_page_systems(request *r)
{
  return systems_page(r, 200, NULL);
}

int access_form_system(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "code", json_string(req_form(r, "code") ? req_form(r, "code") : ""));
  json_object_set_new(in, "name", json_string(req_form(r, "name") ? req_form(r, "name") : ""));
  put_str(in, r, "description");
  put_str(in, r, "owner_unit");
  put_int(in, r, "owner");
  put_int(in, r, "tech_owner");
  put_str(in, r, "approver");
  json_object_set_new(in, "requires_letter", json_boolean(req_form(r, "requires_letter") != NULL));
  return page_submit(r, access_api_system_create, in, "/access/systems", systems_page);
}

int access_form_role(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "code", json_string(req_form(r, "code") ? req_form(r, "code") : ""));
  json_object_set_new(in, "name", json_string(req_form(r, "name") ? req_form(r, "name") : ""));
  return page_submit(r, access_api_role_create, in, "/access/systems", systems_page);
}

/* ---- the request form ------------------------------------------------------------------ */

static int new_page(request *r, int status, json_t *err)
{
  db *d = db_thread();
  int64_t me = r->user->id;
  html h;
  html_init(&h);
  page_begin(r, &h, _("New access request"), "/access");
  H(&h, "<h1>");
  h_txt(&h, _("New access request"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<section class=\"card\"><form method=\"post\" action=\"/access/requests/new\" class=\"grid\""
        " id=\"request-form\">");
  page_csrf(r, &h);
  /* the people the caller may request for: their own record and the
   * people of the units where they are a manager */
  h_label(&h, "q-person", _("Person"));
  H(&h, "<select id=\"q-person\" name=\"person\" required>");
  db_stmt *st = db_q(d,
                     "SELECT p.id, p.name, u.name FROM org_people p JOIN units u ON u.id = p.unit_id"
                     " WHERE p.active = 1 AND (p.user_id = ? OR EXISTS (SELECT 1 FROM effective_grants g"
                     " JOIN role_perms rp ON rp.role = g.role AND rp.perm IN ('access.request_unit',"
                     " 'access.register_letter') JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                     " AND (rp.perm = 'access.register_letter' OR substr(u.path, 1, length(gu.path)) = gu.path)))"
                     " ORDER BY p.name LIMIT ?",
                     "iii", me, me, (int64_t)SELECT_MAX);
  const char *sel = req_form(r, "person");
  while (db_step(st) == DB_ROW) {
    const char *v = arena_printf(r->a, "%lld", (long long)db_col_int(st, 0));
    h_option(&h, v, arena_printf(r->a, "%s · %s", db_col_text(st, 1), db_col_text(st, 2)), sel && str_eq(sel, v));
  }
  db_done(st);
  H(&h, "</select>");
  h_label(&h, "q-role", _("System / role"));
  H(&h, "<select id=\"q-role\" name=\"role\" required>");
  st = db_q(d,
            "SELECT ro.id, s.name, ro.name, s.requires_letter FROM access_roles ro"
            " JOIN access_systems s ON s.id = ro.system_id WHERE s.active = 1 AND ro.active = 1"
            " ORDER BY s.name, ro.name LIMIT ?",
            "i", (int64_t)SELECT_MAX);
  sel = req_form(r, "role");
  while (db_step(st) == DB_ROW) {
    const char *v = arena_printf(r->a, "%lld", (long long)db_col_int(st, 0));
    h_option(&h, v,
             arena_printf(r->a, "%s / %s%s", db_col_text(st, 1), db_col_text(st, 2),
                          db_col_int(st, 3) ? arena_printf(r->a, " (%s)", _("formal letter")) : ""),
             sel && str_eq(sel, v));
  }
  db_done(st);
  H(&h, "</select>");
  h_label(&h, "q-reason", _("Reason"));
  H(&h, "<textarea id=\"q-reason\" name=\"reason\" rows=\"3\" required maxlength=\"2000\">");
  h_txt(&h, req_form(r, "reason"));
  H(&h, "</textarea>");
  h_label(&h, "q-expires", _("Until (leave empty for no end)"));
  H(&h, "<input id=\"q-expires\" name=\"expires_on\" type=\"date\" value=\"");
  h_attr(&h, req_form(r, "expires_on"));
  H(&h, "\">");
  if (rbac_has(me, "access.register_letter")) {
    h_label(&h, "q-letter-no", _("Incoming letter number"));
    H(&h, "<input id=\"q-letter-no\" name=\"letter_no\" maxlength=\"64\" placeholder=\"E-12345678-010.01-1234\""
          " value=\"");
    h_attr(&h, req_form(r, "letter_no"));
    H(&h, "\">");
    h_label(&h, "q-letter-date", _("Letter date"));
    H(&h, "<input id=\"q-letter-date\" name=\"letter_date\" type=\"date\" value=\"");
    h_attr(&h, req_form(r, "letter_date"));
    H(&h, "\">");
  }
  H(&h, "<button type=\"submit\" class=\"primary\" id=\"request-submit\">");
  h_txt(&h, _("Send the request"));
  H(&h, "</button></form></section>");
  page_end(r, &h);
  return http_html(r, status, &h);
}

int access_page_request_new(request *r)
{
  return new_page(r, 200, NULL);
}

int access_form_request_new(request *r)
{
  json_t *in = json_object();
  put_int(in, r, "person");
  put_int(in, r, "role");
  /* the role names its system */
  int64_t role = jsonx_int(in, "role", 0), system = 0;
  if (role > 0 &&
      db_int(db_thread(), &system, "SELECT system_id FROM access_roles WHERE id = ?", "i", role) == DB_ROW)
    json_object_set_new(in, "system", json_integer(system));
  json_object_set_new(in, "reason", json_string(req_form(r, "reason") ? req_form(r, "reason") : ""));
  put_str(in, r, "expires_on");
  put_str(in, r, "letter_no");
  put_str(in, r, "letter_date");
  json_t *out;
  int status = page_call_api(r, access_api_request_create, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status == 201)
    rc = http_redirect(r, arena_printf(r->a, "/access/requests/%lld", (long long)jsonx_int(out, "id", 0)));
  else
    rc = new_page(r, status, out);
  json_decref(out);
  return rc;
}

/* ---- the request page ------------------------------------------------------------------ */

static void action_form(request *r, html *h, int64_t id, const char *action, const char *label, const char *field,
                        const char *field_label, bool required, bool primary)
{
  H(h, "<form method=\"post\" class=\"action\" id=\"");
  h_attr(h, action);
  H(h, "-form\" action=\"/access/requests/");
  h_int(h, id);
  H(h, "/");
  h_attr(h, action);
  H(h, "\">");
  page_csrf(r, h);
  if (field) {
    const char *fid = arena_printf(r->a, "%s-%s", action, field);
    h_label(h, fid, field_label);
    H(h, "<textarea rows=\"2\" maxlength=\"2000\" id=\"");
    h_attr(h, fid);
    H(h, "\" name=\"");
    h_attr(h, field);
    if (required)
      H(h, "\" required></textarea>");
    else
      H(h, "\"></textarea>");
  }
  H(h, "<button type=\"submit\" id=\"");
  h_attr(h, action);
  if (primary)
    H(h, "-submit\" class=\"primary\">");
  else
    H(h, "-submit\">");
  h_txt(h, label);
  H(h, "</button></form>");
}

static int request_page(request *r, int status, json_t *err)
{
  json_t *q;
  int fetched;
  if (!page_fetch(r, access_api_request_get, &q, &fetched))
    return fetched;
  int64_t id = jsonx_int(q, "id", 0);
  json_t *person = json_object_get(q, "person");
  html h;
  html_init(&h);
  const char *title = arena_printf(r->a, "%s #%lld", _("Access request"), (long long)id);
  page_begin(r, &h, title, "/access");
  H(&h, "<h1>");
  h_txt(&h, title);
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<section class=\"card\"><dl id=\"request-fields\">");
  dl_row(&h, _("Status"), "request-status");
  badge(&h, jsonx_text(q, "status"), jsonx_text(q, "status_label"));
  H(&h, "</dd>");
  dl_row(&h, _("Person"), "request-person");
  H(&h, "<a href=\"/access/people/");
  h_int(&h, jsonx_int(person, "id", 0));
  H(&h, "\">");
  h_txt(&h, jsonx_text(person, "name"));
  H(&h, "</a> · ");
  h_txt(&h, jsonx_text(json_object_get(q, "unit"), "name"));
  H(&h, "</dd>");
  dl_row(&h, _("System / role"), "request-role");
  h_txt(&h, jsonx_text(json_object_get(q, "system"), "name"));
  H(&h, " / ");
  h_txt(&h, jsonx_text(json_object_get(q, "role"), "name"));
  H(&h, "</dd>");
  dl_row(&h, _("Reason"), "request-reason");
  h_txt(&h, jsonx_text(q, "reason"));
  H(&h, "</dd>");
  dl_row(&h, _("Until"), "request-expires");
  h_txt(&h, *jsonx_text(q, "expires_on") ? jsonx_text(q, "expires_on") : _("no end"));
  H(&h, "</dd>");
  if (str_eq(jsonx_text(q, "source"), "letter")) {
    dl_row(&h, _("Incoming letter"), "request-letter");
    h_txt(&h, jsonx_text(q, "letter_no"));
    H(&h, " · ");
    h_txt(&h, jsonx_text(q, "letter_date"));
    H(&h, "</dd>");
  }
  dl_row(&h, _("Created"), "request-created");
  h_txt(&h, when(r, jsonx_str(q, "created_at")));
  H(&h, " · ");
  h_txt(&h, jsonx_text(json_object_get(q, "created_by"), "display_name"));
  H(&h, "</dd>");
  if (json_is_object(json_object_get(q, "provisioned_by"))) {
    dl_row(&h, _("Provisioned"), "request-provisioned");
    h_txt(&h, when(r, jsonx_str(q, "provisioned_at")));
    H(&h, " · ");
    h_txt(&h, jsonx_text(json_object_get(q, "provisioned_by"), "display_name"));
    H(&h, " · ");
    h_txt(&h, jsonx_text(q, "provision_note"));
    H(&h, "</dd>");
  }
  if (*jsonx_text(q, "reject_reason")) {
    dl_row(&h, _("Reason for rejection"), "request-rejected");
    h_txt(&h, jsonx_text(q, "reject_reason"));
    H(&h, "</dd>");
  }
  H(&h, "</dl></section>");

  json_t *acts = json_object_get(q, "allowed_actions");
  if (json_array_size(acts)) {
    H(&h, "<section class=\"card\" id=\"actions\"><h2>");
    h_txt(&h, _("Your step"));
    H(&h, "</h2>");
    size_t i;
    json_t *a;
    json_array_foreach(acts, i, a)
    {
      const char *k = json_string_value(a);
      if (str_eq(k, "approve"))
        action_form(r, &h, id, "approve", _("Approve"), "note", _("Note (optional)"), false, true);
      else if (str_eq(k, "start"))
        action_form(r, &h, id, "start", _("Start provisioning"), NULL, NULL, false, false);
      else if (str_eq(k, "provision"))
        action_form(r, &h, id, "provision", _("Provisioned"), "note",
                    _("What was done (account, group, date)"), true, true);
      else if (str_eq(k, "reject"))
        action_form(r, &h, id, "reject", _("Reject"), "reason", _("Reason for rejection"), true, false);
      else if (str_eq(k, "cancel"))
        action_form(r, &h, id, "cancel", _("Withdraw the request"), NULL, NULL, false, false);
    }
    H(&h, "</section>");
  }
  H(&h, "<section class=\"card\"><h2>");
  h_txt(&h, _("History"));
  H(&h, "</h2><table class=\"list\" id=\"history\"><tbody>");
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(q, "history"), i, e)
  {
    H(&h, "<tr><td>");
    h_txt(&h, when(r, jsonx_str(e, "at")));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(e, "actor"));
    H(&h, "</td><td>");
    int to = access_status_from_key(jsonx_str(e, "to_status"));
    h_txt(&h, to >= 0 ? _(access_status_label(to)) : jsonx_text(e, "kind"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(e, "note"));
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table></section>");
  json_decref(q);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int access_page_request(request *r)
{
  return request_page(r, 200, NULL);
}

int access_form_request_action(request *r)
{
  const char *action = req_param(r, "action");
  route_fn fn = NULL;
  json_t *in = json_object();
  if (str_eq(action, "approve"))
    fn = access_api_request_approve;
  else if (str_eq(action, "start"))
    fn = access_api_request_start;
  else if (str_eq(action, "provision"))
    fn = access_api_request_provision;
  else if (str_eq(action, "reject"))
    fn = access_api_request_reject;
  else if (str_eq(action, "cancel"))
    fn = access_api_request_cancel;
  if (!fn) {
    json_decref(in);
    return http_not_found(r);
  }
  put_str(in, r, "note");
  put_str(in, r, "reason");
  int64_t id = access_route_id(r, "id");
  return page_submit(r, fn, in, arena_printf(r->a, "/access/requests/%lld", (long long)id), request_page);
}

/* ---- a person's grants ----------------------------------------------------------------- */

static int person_page(request *r, int status, json_t *err)
{
  json_t *out;
  int fetched;
  if (!page_fetch(r, access_api_person_grants, &out, &fetched))
    return fetched;
  json_t *person = json_object_get(out, "person");
  bool can_revoke = rbac_has(r->user->id, "access.provision");
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_text(person, "name"), "/access");
  H(&h, "<h1>");
  h_txt(&h, jsonx_text(person, "name"));
  H(&h, "</h1><p class=\"muted\">");
  h_txt(&h, jsonx_text(person, "unit"));
  H(&h, " · <a href=\"/org/people/");
  h_int(&h, jsonx_int(person, "id", 0));
  H(&h, "\">");
  h_txt(&h, _("Person record"));
  H(&h, "</a></p>");
  if (err)
    page_alert(&h, err);
  H(&h, "<section class=\"card\"><h2>");
  h_txt(&h, _("System access"));
  H(&h, "</h2><table class=\"list\" id=\"grants\"><thead><tr>");
  static const char *const heads[] = {N_("System"), N_("Role"), N_("Since"), N_("Until"), N_("Status"),
                                      N_("Request"), NULL};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(&h, "<th scope=\"col\">");
    if (heads[i])
      h_txt(&h, _(heads[i]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *g;
  json_array_foreach(json_object_get(out, "items"), i, g)
  {
    const char *gs = jsonx_text(g, "status");
    if (str_eq(gs, "revoked"))
      H(&h, "<tr class=\"muted\"><td>");
    else
      H(&h, "<tr><td>");
    h_txt(&h, jsonx_text(json_object_get(g, "system"), "name"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(json_object_get(g, "role"), "name"));
    H(&h, "</td><td>");
    h_txt(&h, when(r, jsonx_str(g, "since")));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(g, "expires_on"));
    if (jsonx_bool(g, "expired", false)) {
      H(&h, " ");
      badge(&h, "overdue", _("expired"));
    }
    H(&h, "</td><td>");
    badge(&h, gs,
          str_eq(gs, "active")     ? _("active")
          : str_eq(gs, "revoking") ? _("being revoked")
                                   : _("revoked"));
    if (str_eq(gs, "revoked")) {
      H(&h, " <span class=\"muted\">");
      h_txt(&h, when(r, jsonx_str(g, "revoked_at")));
      H(&h, " ");
      h_txt(&h, jsonx_text(g, "revoke_note"));
      H(&h, "</span>");
    }
    if (json_is_integer(json_object_get(g, "revoke_task_id"))) {
      H(&h, " <a href=\"/tasks/");
      h_int(&h, jsonx_int(g, "revoke_task_id", 0));
      H(&h, "\">");
      h_txt(&h, _("task"));
      H(&h, "</a>");
    }
    H(&h, "</td><td>");
    if (json_is_integer(json_object_get(g, "request_id"))) {
      H(&h, "<a href=\"/access/requests/");
      h_int(&h, jsonx_int(g, "request_id", 0));
      H(&h, "\">#");
      h_int(&h, jsonx_int(g, "request_id", 0));
      H(&h, "</a>");
    }
    H(&h, "</td><td>");
    if (can_revoke && !str_eq(gs, "revoked")) {
      H(&h, "<form method=\"post\" class=\"inline\" action=\"/access/grants/");
      h_int(&h, jsonx_int(g, "id", 0));
      H(&h, "/revoke\">");
      page_csrf(r, &h);
      H(&h, "<input type=\"hidden\" name=\"person\" value=\"");
      h_int(&h, jsonx_int(person, "id", 0));
      H(&h, "\"><input name=\"note\" required maxlength=\"2000\" size=\"14\" aria-label=\"");
      h_attr(&h, _("Note"));
      H(&h, "\" placeholder=\"");
      h_attr(&h, _("note"));
      H(&h, "\"> <button type=\"submit\">");
      h_txt(&h, _("Revoke"));
      H(&h, "</button></form>");
    }
    H(&h, "</td></tr>");
  }
  if (!json_array_size(json_object_get(out, "items"))) {
    H(&h, "<tr><td colspan=\"7\" class=\"empty\">");
    h_txt(&h, _("No system access recorded."));
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table></section>");
  json_decref(out);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int access_page_person(request *r)
{
  return person_page(r, 200, NULL);
}

int access_form_grant_revoke(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "note", json_string(req_form(r, "note") ? req_form(r, "note") : ""));
  const char *person = req_form(r, "person");
  int64_t pid = 0;
  if (!person || parse_i64(person, &pid))
    pid = 0;
  return page_submit(r, access_api_grant_revoke, in,
                pid ? arena_printf(r->a, "/access/people/%lld", (long long)pid) : "/access", NULL);
}

/* ---- reviews --------------------------------------------------------------------------------- */

static int reviews_page(request *r, int status, json_t *err)
{
  bool more;
  int64_t last;
  json_t *items = access_reviews_list(r, NULL, 100, 0, &more, &last);
  if (!items)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Access reviews"), "/access/reviews");
  H(&h, "<h1>");
  h_txt(&h, _("Access reviews"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<table class=\"list\" id=\"reviews\"><thead><tr>");
  static const char *const heads[] = {N_("Number"), N_("Title"), N_("Scope"), N_("Deadline"), N_("Status"),
                                      N_("Lines")};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(&h, "<th scope=\"col\">");
    h_txt(&h, _(heads[i]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *v;
  json_array_foreach(items, i, v)
  {
    json_t *c = json_object_get(v, "counts");
    if (jsonx_bool(v, "overdue", false))
      H(&h, "<tr class=\"breached\"><td>");
    else
      H(&h, "<tr><td>");
    H(&h, "<a href=\"/access/reviews/");
    h_int(&h, jsonx_int(v, "id", 0));
    H(&h, "\">#");
    h_int(&h, jsonx_int(v, "id", 0));
    H(&h, "</a></td><td>");
    h_txt(&h, jsonx_text(v, "title"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(json_object_get(v, "scope"), "name"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(v, "deadline"));
    H(&h, "</td><td>");
    if (jsonx_bool(v, "overdue", false))
      badge(&h, "overdue", _("overdue"));
    else
      badge(&h, jsonx_text(v, "status"), str_eq(jsonx_text(v, "status"), "open") ? _("open") : _("closed"));
    H(&h, "</td><td>");
    h_txt(&h, arena_printf(r->a, "%lld / %lld", (long long)(jsonx_int(c, "lines", 0) - jsonx_int(c, "pending", 0)),
                           (long long)jsonx_int(c, "lines", 0)));
    H(&h, "</td></tr>");
  }
  if (!json_array_size(items)) {
    H(&h, "<tr><td colspan=\"6\" class=\"empty\">");
    h_txt(&h, _("No review campaigns."));
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(items);
  if (rbac_has(r->user->id, "access.review_manage")) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("New review campaign"));
    H(&h, "</h2><form method=\"post\" action=\"/access/reviews\" class=\"grid\" id=\"review-form\">");
    page_csrf(r, &h);
    h_label(&h, "v-title", _("Title"));
    H(&h, "<input id=\"v-title\" name=\"title\" required maxlength=\"200\" value=\"");
    h_attr(&h, req_form(r, "title"));
    H(&h, "\">");
    h_label(&h, "v-system", _("System"));
    H(&h, "<select id=\"v-system\" name=\"system\">");
    h_option(&h, "", "—", true);
    db_stmt *st = db_q(db_thread(), "SELECT id, name FROM access_systems WHERE active = 1 ORDER BY name LIMIT ?", "i",
                       (int64_t)SELECT_MAX);
    while (db_step(st) == DB_ROW)
      h_option(&h, arena_printf(r->a, "%lld", (long long)db_col_int(st, 0)), db_col_text(st, 1), false);
    db_done(st);
    H(&h, "</select>");
    h_label(&h, "v-unit", _("or unit"));
    units_select(r, &h, "v-unit", "unit", NULL, true);
    h_label(&h, "v-reviewer", _("Reviewer"));
    users_select(r, &h, "v-reviewer", "reviewer", false, false);
    h_label(&h, "v-deadline", _("Deadline"));
    H(&h, "<input id=\"v-deadline\" name=\"deadline\" type=\"date\" required value=\"");
    h_attr(&h, req_form(r, "deadline"));
    H(&h, "\"><button type=\"submit\" class=\"primary\" id=\"review-submit\">");
    h_txt(&h, _("Start"));
    H(&h, "</button></form></section>");
  }
  page_end(r, &h);
  return http_html(r, status, &h);
}

int access_page_reviews(request *r)
{
  return reviews_page(r, 200, NULL);
}

int access_form_review_new(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "title", json_string(req_form(r, "title") ? req_form(r, "title") : ""));
  put_int(in, r, "system");
  put_str(in, r, "unit");
  put_str(in, r, "deadline");
  if (!json_object_get(in, "deadline"))
    json_object_set_new(in, "deadline", json_string(""));
  json_t *revs = json_array();
  const char *rv = req_form(r, "reviewer");
  int64_t uid;
  if (rv && *rv)
    json_array_append_new(revs, parse_i64(rv, &uid) ? json_string(rv) : json_integer(uid));
  json_object_set_new(in, "reviewers", revs);
  json_t *out;
  int status = page_call_api(r, access_api_review_create, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status == 201)
    rc = http_redirect(r, arena_printf(r->a, "/access/reviews/%lld", (long long)jsonx_int(out, "id", 0)));
  else if (status == 403)
    rc = http_forbidden(r);
  else
    rc = reviews_page(r, status, out);
  json_decref(out);
  return rc;
}

static int review_page(request *r, int status, json_t *err)
{
  json_t *v;
  int fetched;
  if (!page_fetch(r, access_api_review_get, &v, &fetched))
    return fetched;
  int64_t id = jsonx_int(v, "id", 0);
  bool can_decide = jsonx_bool(v, "can_decide", false);
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_text(v, "title"), "/access/reviews");
  H(&h, "<h1>");
  h_txt(&h, jsonx_text(v, "title"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  json_t *c = json_object_get(v, "counts");
  H(&h, "<section class=\"card\"><dl id=\"review-fields\">");
  dl_row(&h, _("Scope"), "review-scope");
  h_txt(&h, jsonx_text(json_object_get(v, "scope"), "name"));
  H(&h, "</dd>");
  dl_row(&h, _("Deadline"), "review-deadline");
  h_txt(&h, jsonx_text(v, "deadline"));
  if (jsonx_bool(v, "overdue", false)) {
    H(&h, " ");
    badge(&h, "overdue", _("overdue"));
  }
  H(&h, "</dd>");
  dl_row(&h, _("Status"), "review-status");
  h_txt(&h, str_eq(jsonx_text(v, "status"), "open") ? _("open") : _("closed"));
  H(&h, "</dd>");
  dl_row(&h, _("Lines"), "review-counts");
  h_txt(&h, arena_printf(r->a, "%s: %lld · %s: %lld · %s: %lld", _("Confirmed"),
                         (long long)jsonx_int(c, "confirmed", 0), _("Revoked"), (long long)jsonx_int(c, "revoked", 0),
                         _("Not decided"), (long long)jsonx_int(c, "pending", 0)));
  H(&h, "</dd></dl><p><a class=\"button\" id=\"report-pdf\" href=\"/api/v1/access/reviews/");
  h_int(&h, id);
  H(&h, "/report.pdf\">");
  h_txt(&h, _("Report (PDF)"));
  H(&h, "</a> <a class=\"button\" id=\"report-xlsx\" href=\"/api/v1/access/reviews/");
  h_int(&h, id);
  H(&h, "/report.xlsx\">");
  h_txt(&h, _("Report (XLSX)"));
  H(&h, "</a></p>");
  if (jsonx_bool(v, "can_close", false)) {
    H(&h, "<form method=\"post\" action=\"/access/reviews/");
    h_int(&h, id);
    H(&h, "/close\" id=\"close-form\">");
    page_csrf(r, &h);
    H(&h, "<button type=\"submit\" id=\"close-submit\">");
    h_txt(&h, _("Close the campaign"));
    H(&h, "</button></form>");
  }
  H(&h, "</section><table class=\"list\" id=\"lines\"><thead><tr>");
  static const char *const heads[] = {N_("Person"), N_("Unit"), N_("System / role"), N_("Since"), N_("Decision")};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(&h, "<th scope=\"col\">");
    h_txt(&h, _(heads[i]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(v, "lines"), i, l)
  {
    H(&h, "<tr id=\"line-");
    h_int(&h, jsonx_int(l, "id", 0));
    H(&h, "\"><td>");
    h_txt(&h, jsonx_text(l, "person"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(l, "unit"));
    H(&h, "</td><td>");
    h_txt(&h, jsonx_text(l, "system"));
    H(&h, " / ");
    h_txt(&h, jsonx_text(l, "role"));
    H(&h, "</td><td>");
    h_txt(&h, when(r, jsonx_str(l, "since")));
    H(&h, "</td><td>");
    const char *d = jsonx_str(l, "decision");
    if (d) {
      badge(&h, d, str_eq(d, "confirm") ? _("confirmed") : _("revoked"));
      H(&h, " ");
      h_txt(&h, jsonx_text(l, "note"));
      if (json_is_integer(json_object_get(l, "task_id"))) {
        H(&h, " <a href=\"/tasks/");
        h_int(&h, jsonx_int(l, "task_id", 0));
        H(&h, "\">");
        h_txt(&h, _("task"));
        H(&h, "</a>");
      }
    } else if (can_decide) {
      H(&h, "<form method=\"post\" class=\"inline\" action=\"/access/reviews/");
      h_int(&h, id);
      H(&h, "/lines/");
      h_int(&h, jsonx_int(l, "id", 0));
      H(&h, "\">");
      page_csrf(r, &h);
      H(&h, "<input name=\"note\" maxlength=\"2000\" size=\"14\" aria-label=\"");
      h_attr(&h, _("Note"));
      H(&h, "\" placeholder=\"");
      h_attr(&h, _("note (required to revoke)"));
      H(&h, "\"> <button type=\"submit\" name=\"decision\" value=\"confirm\">");
      h_txt(&h, _("Confirm"));
      H(&h, "</button> <button type=\"submit\" name=\"decision\" value=\"revoke\">");
      h_txt(&h, _("Revoke"));
      H(&h, "</button></form>");
    } else {
      h_txt(&h, _("not decided"));
    }
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(v);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int access_page_review(request *r)
{
  return review_page(r, 200, NULL);
}

int access_form_review_decide(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "decision", json_string(req_form(r, "decision") ? req_form(r, "decision") : ""));
  put_str(in, r, "note");
  return page_submit(r, access_api_review_decide, in,
                arena_printf(r->a, "/access/reviews/%lld", (long long)access_route_id(r, "id")), review_page);
}

int access_form_review_close(request *r)
{
  return page_submit(r, access_api_review_close, json_object(),
                arena_printf(r->a, "/access/reviews/%lld", (long long)access_route_id(r, "id")), review_page);
}

/* Dashboard: requests still moving through the chain in the units the
 * user may follow. */
void access_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "access.read_unit"))
    return;
  int64_t n = 0;
  if (db_int(db_thread(), &n,
             "SELECT COUNT(*) FROM access_requests q JOIN units tu ON tu.id = q.unit_id"
             " WHERE q.status IN ('talep', 'birim_onayi', 'bt_onayi', 'saglaniyor') AND " RBAC_SQL_REACHES(
                 "tu.path", "'access.read_unit'"),
             "i", r->user->id) == DB_ROW)
    page_stat_card(h, _("Access requests in progress"), n, "/access");
}
