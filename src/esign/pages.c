/* pages.c - e-signatures in the browser: "expires this quarter" on top,
 * every signature, the form that registers one with its certificate
 * file, and the signature page with its status, workflows and their
 * steps. Pages call the API handlers (page_call_api), so the rules are
 * the API's. */
#include "esign.h"
#include "esign_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char *local_day(request *r, const char *iso)
{
  int64_t t;
  if (!iso || parse_iso8601(iso, &t))
    return "";
  return page_time(r, t);
}

static void sig_table(request *r, html *h, json_t *items, const char *id)
{
  H(h, "<table class=\"list\" id=\"");
  h_attr(h, id);
  H(h, "\"><thead><tr><th>");
  h_txt(h, _("Person"));
  H(h, "</th><th>");
  h_txt(h, _("Kind"));
  H(h, "</th><th>");
  h_txt(h, _("Provider"));
  H(h, "</th><th>");
  h_txt(h, _("Serial number"));
  H(h, "</th><th>");
  h_txt(h, _("Valid until"));
  H(h, "</th><th>");
  h_txt(h, _("Status"));
  H(h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *s;
  json_array_foreach(items, i, s)
  {
    H(h, "<tr><td><a href=\"/esign/");
    h_int(h, jsonx_int(s, "id", 0));
    H(h, "\">");
    h_txt(h, jsonx_text(json_object_get(s, "person"), "name"));
    H(h, "</a></td><td>");
    h_txt(h, jsonx_text(s, "kind_label"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(s, "provider_label"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(s, "serial"));
    H(h, "</td><td>");
    h_txt(h, local_day(r, jsonx_text(s, "not_after")));
    H(h, "</td><td><span class=\"badge status-");
    h_attr(h, jsonx_text(s, "status"));
    H(h, "\">");
    h_txt(h, jsonx_text(s, "status_label"));
    H(h, "</span></td></tr>");
  }
  if (!json_array_size(items)) {
    H(h, "<tr><td colspan=\"6\">");
    h_txt(h, _("None."));
    H(h, "</td></tr>");
  }
  H(h, "</tbody></table>");
}

static void create_form(request *r, html *h)
{
  H(h, "<h2>");
  h_txt(h, _("Register a signature"));
  H(h, "</h2><form method=\"post\" action=\"/esign\" enctype=\"multipart/form-data\" id=\"esign-new\" class=\"stack\">");
  page_csrf(r, h);
  h_label(h, "e-person", _("Person"));
  H(h, "<select id=\"e-person\" name=\"person\" required>");
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
  h_label(h, "e-kind", _("Kind"));
  H(h, "<select id=\"e-kind\" name=\"kind\">");
  h_option(h, "eimza", esign_kind_label("eimza"), true);
  h_option(h, "mobil", esign_kind_label("mobil"), false);
  H(h, "</select>");
  h_label(h, "e-provider", _("Provider"));
  H(h, "<select id=\"e-provider\" name=\"provider\">");
  for (int i = 0; esign_providers[i]; i++)
    h_option(h, esign_providers[i], esign_provider_label(esign_providers[i]), i == 0);
  H(h, "</select>");
  h_label(h, "e-card", _("Card or token number"));
  H(h, "<input id=\"e-card\" name=\"card_id\" maxlength=\"100\">");
  h_label(h, "e-cert", _("Certificate file (.cer, .crt, .pem; PEM or DER)"));
  H(h, "<input id=\"e-cert\" name=\"certificate\" type=\"file\" accept=\".cer,.crt,.pem,.der\">");
  h_label(h, "e-until", _("Valid until (only without a certificate)"));
  H(h, "<input id=\"e-until\" name=\"valid_until\" type=\"date\"><button type=\"submit\" class=\"primary\">");
  h_txt(h, _("Register"));
  H(h, "</button></form>");
}

static int list_page(request *r, int status, json_t *err)
{
  json_t *quarter = NULL, *all = NULL;
  int s1 = page_call_api(r, esign_api_expiring, NULL, &quarter);
  int s2 = s1 == 200 ? page_call_api(r, esign_api_list, NULL, &all) : s1;
  if (s1 != 200 || s2 != 200) {
    json_decref(quarter);
    json_decref(all);
    return s1 < 0 || s2 < 0 ? -1 : http_error(r, 400, "validation", _("Some filters are invalid."), NULL);
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("E-signatures"), "/esign");
  H(&h, "<h1>");
  h_txt(&h, _("E-signatures"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<h2>");
  h_txt(&h, _("Expires this quarter"));
  H(&h, " (");
  h_txt(&h, jsonx_text(quarter, "quarter"));
  H(&h, ")</h2>");
  sig_table(r, &h, json_object_get(quarter, "items"), "esign-quarter");
  H(&h, "<h2>");
  h_txt(&h, _("All signatures"));
  H(&h, "</h2>");
  sig_table(r, &h, json_object_get(all, "items"), "esign-list");
  if (jsonx_str(all, "next_cursor")) {
    H(&h, "<p><a href=\"/esign?cursor=");
    h_url(&h, jsonx_str(all, "next_cursor"));
    H(&h, "\">");
    h_txt(&h, _("More"));
    H(&h, "</a></p>");
  }
  if (rbac_has(r->user->id, "esign.manage"))
    create_form(r, &h);
  json_decref(quarter);
  json_decref(all);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int esign_page_list(request *r)
{
  return list_page(r, 200, NULL);
}

static void put_str(json_t *in, request *r, const char *field)
{
  const char *v = req_form(r, field);
  if (v && *v)
    json_object_set_new(in, field, json_string(v));
}

int esign_form_create(request *r)
{
  json_t *in = json_object();
  const char *p = req_form(r, "person");
  int64_t person = 0;
  json_object_set_new(in, "person", json_integer(p && !parse_i64(p, &person) ? person : 0));
  json_object_set_new(in, "kind", json_string(req_form(r, "kind") ? req_form(r, "kind") : ""));
  json_object_set_new(in, "provider", json_string(req_form(r, "provider") ? req_form(r, "provider") : ""));
  put_str(in, r, "card_id");
  put_str(in, r, "valid_until");
  const struct upload *u = req_file(r, "certificate");
  if (u && u->len) {
    size_t len = sodium_base64_ENCODED_LEN(u->len, sodium_base64_VARIANT_ORIGINAL);
    char *b = arena_alloc(r->a, len);
    sodium_bin2base64(b, len, (const unsigned char *)u->data, u->len, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(in, "certificate", json_string(b));
  }
  json_t *out;
  int status = page_call_api(r, esign_api_create, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status == 201)
    rc = http_redirect(r, arena_printf(r->a, "/esign/%lld", (long long)jsonx_int(out, "id", 0)));
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

/* One workflow with its steps. The workflow handlers read {id} from the
 * route, so the signature page lends them the workflow's id for the call. */
static void workflow_block(request *r, html *h, int64_t sig, int64_t wid, bool manage)
{
  json_t *w = NULL;
  struct kv saved = r->params[0];
  r->params[0].v = arena_printf(r->a, "%lld", (long long)wid);
  int st = page_call_api(r, esign_api_workflow_get, NULL, &w);
  r->params[0] = saved;
  if (st != 200) {
    json_decref(w);
    return;
  }
  H(h, "<section class=\"card workflow\" id=\"workflow-");
  h_int(h, wid);
  H(h, "\"><h3>");
  h_txt(h, jsonx_text(w, "kind_label"));
  H(h, " — ");
  h_txt(h, jsonx_text(w, "status_label"));
  H(h, "</h3><ol>");
  size_t i;
  json_t *s;
  json_array_foreach(json_object_get(w, "steps"), i, s)
  {
    H(h, "<li>");
    h_txt(h, jsonx_text(s, "date"));
    H(h, " ");
    h_txt(h, jsonx_text(s, "step"));
    if (*jsonx_text(s, "note")) {
      H(h, ": ");
      h_txt(h, jsonx_text(s, "note"));
    }
    H(h, " (");
    h_txt(h, jsonx_text(s, "by"));
    H(h, ")</li>");
  }
  H(h, "</ol>");
  if (manage && str_eq(jsonx_text(w, "status"), "open")) {
    H(h, "<form method=\"post\" class=\"filters\" action=\"/esign/");
    h_int(h, sig);
    H(h, "/step\"><input type=\"hidden\" name=\"workflow\" value=\"");
    h_int(h, wid);
    H(h, "\">");
    page_csrf(r, h);
    h_label(h, arena_printf(r->a, "step-%lld", (long long)wid), _("Step"));
    H(h, "<input name=\"step\" maxlength=\"200\" required id=\"");
    h_attr(h, arena_printf(r->a, "step-%lld", (long long)wid));
    H(h, "\"><input name=\"date\" type=\"date\"><input name=\"note\" maxlength=\"2000\"><button type=\"submit\">");
    h_txt(h, _("Add step"));
    H(h, "</button> <button type=\"submit\" name=\"close\" value=\"done\">");
    h_txt(h, _("Complete"));
    H(h, "</button></form>");
  }
  H(h, "</section>");
  json_decref(w);
}

static int signature_page(request *r, int status, json_t *err)
{
  json_t *s = NULL;
  int st = page_call_api(r, esign_api_get, NULL, &s);
  if (st != 200) {
    json_t *x = json_object_get(s, "error");
    int rc = st < 0 ? -1 : http_error(r, st, jsonx_text(x, "code"), jsonx_text(x, "message"), NULL);
    json_decref(s);
    return rc;
  }
  int64_t id = jsonx_int(s, "id", 0);
  json_t *person = json_object_get(s, "person");
  bool manage = rbac_can(r->user->id, "esign.manage", jsonx_int(person, "unit_id", 0));
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_text(person, "name"), "/esign");
  H(&h, "<h1>");
  h_txt(&h, jsonx_text(person, "name"));
  H(&h, " — ");
  h_txt(&h, jsonx_text(s, "kind_label"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<dl class=\"fields\">");
  field(&h, _("Unit"), jsonx_text(person, "unit_name"));
  field(&h, _("Provider"), jsonx_text(s, "provider_label"));
  field(&h, _("Status"), jsonx_text(s, "status_label"));
  field(&h, _("Card or token number"), jsonx_text(s, "card_id"));
  field(&h, _("Serial number"), jsonx_text(s, "serial"));
  field(&h, _("Subject"), jsonx_text(s, "subject"));
  field(&h, _("Issuer"), jsonx_text(s, "issuer"));
  field(&h, _("Valid from"), local_day(r, jsonx_text(s, "not_before")));
  field(&h, _("Valid until"), local_day(r, jsonx_text(s, "not_after")));
  H(&h, "</dl>");
  if (manage) {
    H(&h, "<form method=\"post\" class=\"filters\" id=\"status-form\" action=\"/esign/");
    h_int(&h, id);
    H(&h, "/status\">");
    page_csrf(r, &h);
    h_label(&h, "s-status", _("Status"));
    H(&h, "<select id=\"s-status\" name=\"status\">");
    const char *cur = jsonx_text(s, "stored_status");
    static const char *const statuses[] = {"active", "suspended", "revoked"};
    for (size_t i = 0; i < ARRAY_LEN(statuses); i++)
      h_option(&h, statuses[i], esign_status_label(statuses[i]), str_eq(cur, statuses[i]));
    H(&h, "</select><button type=\"submit\">");
    h_txt(&h, _("Save"));
    H(&h, "</button></form>");
  }
  H(&h, "<h2>");
  h_txt(&h, _("Workflows"));
  H(&h, "</h2>");
  size_t i;
  json_t *w;
  json_array_foreach(json_object_get(s, "workflows"), i, w) workflow_block(r, &h, id, jsonx_int(w, "id", 0), manage);
  if (manage) {
    H(&h, "<form method=\"post\" class=\"filters\" id=\"workflow-form\" action=\"/esign/");
    h_int(&h, id);
    H(&h, "/workflow\">");
    page_csrf(r, &h);
    h_label(&h, "w-kind", _("Open a workflow"));
    H(&h, "<select id=\"w-kind\" name=\"kind\">");
    h_option(&h, "application", esign_workflow_label("application"), false);
    h_option(&h, "renewal", esign_workflow_label("renewal"), true);
    h_option(&h, "installation", esign_workflow_label("installation"), false);
    H(&h, "</select><input name=\"due_date\" type=\"date\"><input name=\"note\" maxlength=\"2000\"><button type=\"submit\">");
    h_txt(&h, _("Open"));
    H(&h, "</button></form>");
  }
  json_decref(s);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int esign_page_signature(request *r)
{
  return signature_page(r, 200, NULL);
}

int esign_form_action(request *r)
{
  const char *action = req_param(r, "action"), *sid = req_param(r, "id");
  json_t *in = json_object(), *out = NULL;
  int status;
  if (str_eq(action, "status")) {
    json_object_set_new(in, "status", json_string(req_form(r, "status") ? req_form(r, "status") : ""));
    status = page_call_api(r, esign_api_patch, in, &out);
  } else if (str_eq(action, "workflow")) {
    int64_t id = 0;
    json_object_set_new(in, "signature", json_integer(parse_i64(sid, &id) ? 0 : id));
    json_object_set_new(in, "kind", json_string(req_form(r, "kind") ? req_form(r, "kind") : ""));
    put_str(in, r, "due_date");
    put_str(in, r, "note");
    status = page_call_api(r, esign_api_workflow_create, in, &out);
  } else if (str_eq(action, "step")) {
    const char *wid = req_form(r, "workflow"), *close = req_form(r, "close");
    struct kv saved = r->params[0];
    r->params[0].v = wid ? wid : "";
    if (close && str_eq(close, "done")) {
      json_object_set_new(in, "status", json_string("done"));
      status = page_call_api(r, esign_api_workflow_patch, in, &out);
    } else {
      json_object_set_new(in, "step", json_string(req_form(r, "step") ? req_form(r, "step") : ""));
      put_str(in, r, "date");
      put_str(in, r, "note");
      status = page_call_api(r, esign_api_workflow_step, in, &out);
    }
    r->params[0] = saved;
  } else {
    json_decref(in);
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  }
  return page_after(r, status, out, arena_printf(r->a, "/esign/%s", sid), signature_page);
}

/* Dashboard: active e-signatures of the user's units that expire within
 * 90 days (the first reminder). */
void esign_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "esign.read"))
    return;
  int64_t n = 0, now = now_unix();
  if (db_int(db_thread(), &n,
             "SELECT COUNT(*) FROM esign_signatures s JOIN org_people p ON p.id = s.person_id"
             " JOIN units tu ON tu.id = p.unit_id WHERE s.status = 'active' AND s.not_after BETWEEN ? AND ?"
             " AND " RBAC_SQL_REACHES("tu.path", "'esign.read'"),
             "iii", now, now + 90 * 86400, r->user->id) == DB_ROW)
    page_stat_card(h, _("E-signatures expiring within 90 days"), n, "/esign");
}
