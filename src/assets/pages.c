/* pages.c - the asset register in the browser: the list with search and
 * the registration form, the asset page (details, components, custody
 * with its Teslim Belgesi and the return, lifecycle, history), and "my
 * custody" for every employee. Pages call the API handlers through
 * page_call_api, so the browser and the API share every rule. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static void put_str(json_t *in, request *r, const char *form, const char *key)
{
  const char *v = req_form(r, form);
  if (v && *v)
    json_object_set_new(in, key, json_string(v));
}

static void row(html *h, const char *label, const char *value)
{
  H(h, "<tr><th>");
  h_txt(h, label);
  H(h, "</th><td>");
  h_txt(h, value);
  H(h, "</td></tr>");
}

/* ---- the list and the registration form --------------------------------------------- */

static void text_input(html *h, const char *id, const char *label, bool required)
{
  H(h, "<label for=\"");
  h_attr(h, id);
  H(h, "\">");
  h_txt(h, label);
  H(h, "</label><input id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, id);
  if (required)
    H(h, "\" required>");
  else
    H(h, "\">");
}

/* The list's filters as query parameters of a link ("&amp;q=..."). */
static void filter_query(request *r, html *h)
{
  static const char *const keys[] = {"q", "type", "status", "unit", "review", "flagged"};
  for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
    const char *v = req_query(r, keys[k]);
    if (!v || !*v)
      continue;
    H(h, "&amp;");
    h_txt(h, keys[k]);
    H(h, "=");
    h_url(h, v);
  }
}

static int list_page(request *r, int status, json_t *err)
{
  json_t *out = NULL;
  int st = page_call_api(r, assets_api_list, NULL, &out);
  if (st < 0)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Assets"), "/assets");
  H(&h, "<h1>");
  h_txt(&h, _("Asset register"));
  H(&h, "</h1><form method=\"get\" action=\"/assets\" class=\"filters\" role=\"search\"><input name=\"q\" id=\"q\" "
        "value=\"");
  h_attr(&h, req_query(r, "q"));
  H(&h, "\" aria-label=\"");
  h_attr(&h, _("Search"));
  H(&h, "\"> <button type=\"submit\">");
  h_txt(&h, _("Search"));
  H(&h, "</button> <a href=\"/assets?review=1\">");
  h_txt(&h, _("Review queue"));
  H(&h, "</a></form>");
  if (st == 200) {
    H(&h, "<table class=\"list\" id=\"assets\"><thead><tr><th>");
    h_txt(&h, _("Sicil no"));
    H(&h, "</th><th>");
    h_txt(&h, _("Name"));
    H(&h, "</th><th>");
    h_txt(&h, _("Type"));
    H(&h, "</th><th>");
    h_txt(&h, _("Serial no"));
    H(&h, "</th><th>");
    h_txt(&h, _("Status"));
    H(&h, "</th><th>");
    h_txt(&h, _("Unit"));
    H(&h, "</th></tr></thead><tbody>");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(out, "items"), i, a)
    {
      H(&h, "<tr><td><a href=\"/assets/");
      h_int(&h, jsonx_int(a, "id", 0));
      H(&h, "\">");
      h_txt(&h, *jsonx_text(a, "sicil_no") ? jsonx_text(a, "sicil_no") : _("(review)"));
      H(&h, "</a></td>");
      h_cell(&h, jsonx_text(a, "name"));
      h_cell(&h, jsonx_text(a, "type_label"));
      h_cell(&h, jsonx_text(a, "serial"));
      h_cell(&h, assets_status_label(jsonx_text(a, "status")));
      h_cell(&h, jsonx_text(a, "unit_code"));
      H(&h, "</tr>");
    }
    H(&h, "</tbody></table>");
    /* Downloads of the whole list with the same filters (export.c). */
    H(&h, "<p class=\"downloads\" id=\"asset-downloads\"><a id=\"export-csv\" href=\"/api/v1/assets?format=csv");
    filter_query(r, &h);
    H(&h, "\">");
    h_txt(&h, _("Download CSV"));
    H(&h, "</a> · <a id=\"export-xlsx\" href=\"/api/v1/assets?format=xlsx");
    filter_query(r, &h);
    H(&h, "\">");
    h_txt(&h, _("Download XLSX"));
    H(&h, "</a> · <a id=\"export-custody\" href=\"/api/v1/custody?format=xlsx&amp;open=1\">");
    h_txt(&h, _("Custody (XLSX)"));
    H(&h, "</a> · <a id=\"export-software\" href=\"/api/v1/software?format=xlsx\">");
    h_txt(&h, _("Software (XLSX)"));
    H(&h, "</a></p>");
  } else {
    page_alert(&h, out);
  }
  json_decref(out);
  if (rbac_has(r->user->id, "assets.manage") || rbac_has(r->user->id, "custody.manage"))
    assets_import_form(r, &h);
  if (rbac_has(r->user->id, "assets.manage")) {
    H(&h, "<section class=\"card\" id=\"new-asset\"><h2>");
    h_txt(&h, _("Register an asset"));
    H(&h, "</h2>");
    if (err)
      page_alert(&h, err);
    H(&h, "<form method=\"post\" action=\"/assets\" class=\"grid\" id=\"new-asset-form\">");
    page_csrf(r, &h);
    H(&h, "<label for=\"type\">");
    h_txt(&h, _("Type"));
    H(&h, "</label><select id=\"type\" name=\"type\">");
    for (size_t i = 0; assets_types[i]; i++)
      h_option(&h, assets_types[i], assets_type_label(assets_types[i]), false);
    H(&h, "</select>");
    text_input(&h, "name", _("Name"), true);
    text_input(&h, "code", _("Taşınır kodu"), true);
    text_input(&h, "serial", _("Serial no"), false);
    text_input(&h, "brand", _("Brand"), false);
    text_input(&h, "model", _("Model"), false);
    text_input(&h, "building", _("Building"), false);
    text_input(&h, "floor", _("Floor"), false);
    text_input(&h, "room", _("Room"), false);
    text_input(&h, "purchase_date", _("Purchase date"), false);
    text_input(&h, "supplier", _("Supplier"), false);
    text_input(&h, "supplier_vkn", _("Supplier tax number (VKN)"), false);
    text_input(&h, "invoice_no", _("Invoice no"), false);
    text_input(&h, "value", _("Value (TL)"), false);
    text_input(&h, "warranty_end", _("Warranty ends"), false);
    H(&h, "<button type=\"submit\" class=\"primary\" id=\"new-asset-submit\">");
    h_txt(&h, _("Register"));
    H(&h, "</button></form></section>");
  }
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_list(request *r)
{
  return list_page(r, 200, NULL);
}

int assets_form_create(request *r)
{
  json_t *in = json_object();
  static const char *const keys[] = {"type",     "name",         "code",       "serial", "brand",
                                     "model",    "building",     "floor",      "room",   "purchase_date",
                                     "supplier", "supplier_vkn", "invoice_no", "value",  "warranty_end"};
  for (size_t i = 0; i < ARRAY_LEN(keys); i++)
    put_str(in, r, keys[i], keys[i]);
  json_t *out;
  int status = page_call_api(r, assets_api_create, in, &out);
  if (status < 0)
    return -1;
  if (status != 201) {
    int rc = list_page(r, status, out);
    json_decref(out);
    return rc;
  }
  int64_t id = jsonx_int(out, "id", 0);
  json_decref(out);
  return http_redirect(r, arena_printf(r->a, "/assets/%lld", (long long)id));
}

/* ---- one asset ------------------------------------------------------------------------- */

static void custody_section(request *r, html *h, json_t *a)
{
  db *d = db_thread();
  int64_t id = jsonx_int(a, "id", 0);
  bool manage = rbac_can(r->user->id, "custody.manage", jsonx_int(json_object_get(a, "unit"), "id", 0));
  json_t *c = json_object_get(a, "custody");
  H(h, "<section class=\"card\" id=\"custody\"><h2>");
  h_txt(h, _("Custody"));
  H(h, "</h2>");
  if (json_is_object(c)) {
    json_t *p = json_object_get(c, "person");
    H(h, "<p id=\"custody-holder\">");
    if (json_is_object(p)) {
      h_txt(h, _("Issued to"));
      H(h, ": <a id=\"custody-person-link\" href=\"/assets/mine?person=");
      h_int(h, jsonx_int(p, "id", 0));
      H(h, "\"><strong>");
      h_txt(h, jsonx_text(p, "name"));
      H(h, "</strong></a> · ");
      h_txt(h, _("Document no"));
      H(h, " ");
      h_txt(h, jsonx_text(c, "belge_no"));
      H(h, " · <a id=\"custody-pdf\" href=\"");
      h_attr(h, jsonx_text(c, "document"));
      H(h, "\">");
      h_txt(h, _("Taşınır Teslim Belgesi (PDF)"));
      H(h, "</a>");
    } else {
      h_txt(h, _("Shared space"));
      H(h, ": <strong>");
      h_txt(h, jsonx_text(c, "space"));
      H(h, "</strong> · <a href=\"/api/v1/custody/space.pdf?space=");
      h_url(h, jsonx_text(c, "space"));
      H(h, "\">");
      h_txt(h, _("Dayanıklı Taşınırlar Listesi (PDF)"));
      H(h, "</a>");
    }
    H(h, "</p>");
    if (manage) {
      H(h, "<form method=\"post\" action=\"/assets/");
      h_int(h, id);
      H(h, "/return\" id=\"return-form\">");
      page_csrf(r, h);
      H(h, "<input type=\"hidden\" name=\"cid\" value=\"");
      h_int(h, jsonx_int(c, "id", 0));
      H(h, "\"><label for=\"return-note\">");
      h_txt(h, _("Note"));
      H(h, "</label><input id=\"return-note\" name=\"note\"> <button type=\"submit\" id=\"return-submit\">");
      h_txt(h, _("Record the return (geri alındı)"));
      H(h, "</button></form>");
    }
  } else {
    H(h, "<p id=\"custody-holder\">");
    h_txt(h, _("Not in anyone's custody."));
    H(h, "</p>");
    if (manage && *jsonx_text(a, "sicil_no") && !str_eq(jsonx_text(a, "status"), "hurda")) {
      H(h, "<form method=\"post\" action=\"/assets/");
      h_int(h, id);
      H(h, "/custody\" id=\"custody-form\" class=\"grid\">");
      page_csrf(r, h);
      H(h, "<label for=\"custody-person\">");
      h_txt(h, _("Person"));
      H(h, "</label><select id=\"custody-person\" name=\"person\"><option value=\"\"></option>");
      db_stmt *st = db_q(d, "SELECT id, name FROM org_people WHERE active = 1 ORDER BY name_fold LIMIT 1000", "");
      while (st && db_step(st) == DB_ROW) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)db_col_int(st, 0));
        h_option(h, v, db_col_text(st, 1), false);
      }
      db_done(st);
      H(h, "</select><label for=\"custody-note\">");
      h_txt(h, _("Note"));
      H(h, "</label><input id=\"custody-note\" name=\"note\"><button type=\"submit\" class=\"primary\" "
           "id=\"custody-submit\">");
      h_txt(h, _("Issue with a Teslim Belgesi"));
      H(h, "</button></form>");
    }
  }
  H(h, "</section>");
}

static int asset_page(request *r, int status, json_t *err)
{
  json_t *a = NULL;
  int fetched;
  if (!page_fetch(r, assets_api_get, &a, &fetched))
    return fetched;
  html h;
  html_init(&h);
  const char *title = arena_printf(r->a, "%s %s", jsonx_text(a, "sicil_no"), jsonx_text(a, "name"));
  page_begin(r, &h, title, "/assets");
  H(&h, "<h1 id=\"asset-title\">");
  h_txt(&h, title);
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  json_t *loc = json_object_get(a, "location"), *p = json_object_get(a, "purchase");
  H(&h, "<section class=\"card\"><table class=\"details\">");
  row(&h, _("Type"), jsonx_text(a, "type_label"));
  row(&h, _("Taşınır kodu"), jsonx_text(a, "code"));
  row(&h, _("Sicil no"), jsonx_text(a, "sicil_no"));
  row(&h, _("Serial no"), jsonx_text(a, "serial"));
  row(&h, _("Brand / model"), arena_printf(r->a, "%s %s", jsonx_text(a, "brand"), jsonx_text(a, "model")));
  row(&h, _("Location"), arena_printf(r->a, "%s %s %s", jsonx_text(loc, "building"), jsonx_text(loc, "floor"), jsonx_text(loc, "room")));
  row(&h, _("Unit"), jsonx_text(json_object_get(a, "unit"), "name"));
  H(&h, "<tr><th>");
  h_txt(&h, _("Status"));
  H(&h, "</th><td id=\"asset-status\">");
  h_txt(&h, jsonx_text(a, "status_label"));
  H(&h, "</td></tr>");
  row(&h, _("Supplier"), arena_printf(r->a, "%s %s", jsonx_text(p, "supplier"), jsonx_text(p, "supplier_vkn")));
  row(&h, _("Value (TL)"), jsonx_text(p, "value"));
  row(&h, _("Warranty ends"), jsonx_text(p, "warranty_end"));
  row(&h, _("Host name"), jsonx_text(a, "hostname"));
  row(&h, _("Installed software"), arena_printf(r->a, "%lld", (long long)jsonx_int(a, "software_count", 0)));
  H(&h, "</table><p><a href=\"/api/v1/assets/labels.pdf?ids=");
  h_int(&h, jsonx_int(a, "id", 0));
  H(&h, "\">");
  h_txt(&h, _("Print label (QR)"));
  H(&h, "</a></p></section>");

  custody_section(r, &h, a);

  if (rbac_can(r->user->id, "assets.manage", jsonx_int(json_object_get(a, "unit"), "id", 0)) &&
      !str_eq(jsonx_text(a, "status"), "hurda")) {
    H(&h, "<section class=\"card\" id=\"lifecycle\"><h2>");
    h_txt(&h, _("Lifecycle"));
    H(&h, "</h2><form method=\"post\" action=\"/assets/");
    h_int(&h, jsonx_int(a, "id", 0));
    H(&h, "/status\" id=\"status-form\">");
    page_csrf(r, &h);
    H(&h, "<select name=\"to\" id=\"status-to\" aria-label=\"");
    h_attr(&h, _("Status"));
    H(&h, "\">");
    for (size_t i = 0; assets_statuses[i]; i++)
      h_option(&h, assets_statuses[i], assets_status_label(assets_statuses[i]),
               str_eq(assets_statuses[i], jsonx_text(a, "status")));
    H(&h, "</select> <input name=\"note\" aria-label=\"");
    h_attr(&h, _("Note"));
    H(&h, "\"> <button type=\"submit\">");
    h_txt(&h, _("Change the status"));
    H(&h, "</button></form></section>");
  }

  json_t *comps = json_object_get(a, "components");
  if (json_array_size(comps)) {
    H(&h, "<section class=\"card\" id=\"components\"><h2>");
    h_txt(&h, _("Components"));
    H(&h, "</h2><table class=\"list\"><tbody>");
    size_t i;
    json_t *c;
    json_array_foreach(comps, i, c)
    {
      H(&h, "<tr>");
      h_cell(&h, jsonx_text(c, "kind"));
      h_cell(&h, jsonx_text(c, "name"));
      h_cell(&h, jsonx_text(c, "detail"));
      h_cell(&h, *jsonx_text(c, "mac") ? jsonx_text(c, "mac") : jsonx_text(c, "serial"));
      h_cell(&h, jsonx_text(c, "ip"));
      H(&h, "</tr>");
    }
    H(&h, "</tbody></table></section>");
  }
  H(&h, "<section class=\"card\" id=\"history\"><h2>");
  h_txt(&h, _("History"));
  H(&h, "</h2><table class=\"list\"><tbody>");
  size_t i;
  json_t *e;
  json_array_foreach(json_object_get(a, "history"), i, e)
  {
    int64_t t = 0;
    if (parse_iso8601(jsonx_text(e, "at"), &t))
      t = 0;
    if (jsonx_bool(e, "flag", false))
      H(&h, "<tr class=\"breached\">");
    else
      H(&h, "<tr>");
    h_cell(&h, page_time(r, t));
    h_cell(&h, jsonx_text(e, "actor"));
    h_cell(&h, jsonx_text(e, "kind"));
    h_cell(&h, arena_printf(r->a, "%s → %s", jsonx_text(e, "from"), jsonx_text(e, "to")));
    h_cell(&h, jsonx_text(e, "note"));
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table></section>");
  json_decref(a);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_asset(request *r)
{
  return asset_page(r, 200, NULL);
}

int assets_form_action(request *r)
{
  const char *action = req_param(r, "action"), *id = req_param(r, "id");
  json_t *in = json_object();
  route_fn fn = NULL;
  if (str_eq(action, "status")) {
    put_str(in, r, "to", "to");
    put_str(in, r, "note", "note");
    fn = assets_api_status;
  } else if (str_eq(action, "custody")) {
    int64_t person = 0;
    const char *v = req_form(r, "person");
    if (v && *v && !parse_i64(v, &person))
      json_object_set_new(in, "person", json_integer(person));
    put_str(in, r, "note", "note");
    fn = assets_api_custody_issue;
  } else if (str_eq(action, "return")) {
    put_str(in, r, "note", "note");
    const char *cid = req_form(r, "cid");
    if (r->nparams < MAX_PARAMS && cid)
      r->params[r->nparams++] = (struct kv){"cid", arena_strdup(r->a, cid)};
    fn = assets_api_custody_return;
  } else {
    json_decref(in);
    return assets_not_found(r);
  }
  json_t *out;
  int status = page_call_api(r, fn, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status >= 200 && status < 300) {
    rc = http_redirect(r, arena_printf(r->a, "/assets/%s", id));
  } else if (status == 404 || status == 403) {
    json_t *e = json_object_get(out, "error");
    rc = http_error(r, status, jsonx_text(e, "code"), jsonx_text(e, "message"), NULL);
  } else {
    rc = asset_page(r, status, out);
  }
  json_decref(out);
  return rc;
}

/* ---- a person's holdings ------------------------------------------------------------ */

/* /assets/mine: what the signed-in person holds; with ?person=ID (staff
 * with assets.read) what that person holds, for the handover work. */
int assets_page_mine(request *r)
{
  db *d = db_thread();
  int64_t person = 0;
  const char *v = req_query(r, "person");
  if (v && *v) {
    if (parse_i64(v, &person) || person <= 0)
      return assets_not_found(r);
    if (!rbac_has(r->user->id, "assets.read"))
      return assets_forbidden(r);
  } else if (db_int(d, &person, "SELECT id FROM org_people WHERE user_id = ?", "i", r->user->id) != DB_ROW) {
    person = 0;
  }
  const char *name = NULL;
  if (person) {
    db_stmt *st = db_q(d, "SELECT name FROM org_people WHERE id = ?", "i", person);
    if (st && db_step(st) == DB_ROW)
      name = arena_strdup(r->a, db_col_text(st, 0));
    db_done(st);
    if (!name && v)
      return assets_not_found(r);
  }
  json_t *items = person ? assets_custody_open(d, person) : json_array();
  if (!items)
    return -1;
  html h;
  html_init(&h);
  const char *title = v ? arena_printf(r->a, "%s: %s", _("Custody"), name) : _("My custody");
  page_begin(r, &h, title, v ? "/assets" : "/assets/mine");
  H(&h, "<h1>");
  h_txt(&h, title);
  H(&h, "</h1>");
  if (!json_array_size(items)) {
    H(&h, "<p id=\"custody-empty\">");
    h_txt(&h, v ? _("Holds no items.") : _("You hold no items."));
    H(&h, "</p>");
  } else {
    H(&h, "<p id=\"custody-count\">");
    h_txt(&h, arena_printf(r->a, _("%zu items in custody; all are returned before leaving (ilişik kesme)."),
                           json_array_size(items)));
    H(&h, "</p><table class=\"list\" id=\"my-custody\"><thead><tr><th>");
    h_txt(&h, _("Sicil no"));
    H(&h, "</th><th>");
    h_txt(&h, _("Name"));
    H(&h, "</th><th>");
    h_txt(&h, _("Serial no"));
    H(&h, "</th><th>");
    h_txt(&h, _("Document"));
    H(&h, "</th></tr></thead><tbody>");
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c)
    {
      json_t *a = json_object_get(c, "asset");
      H(&h, "<tr>");
      h_cell(&h, jsonx_text(a, "sicil_no"));
      h_cell(&h, jsonx_text(a, "name"));
      h_cell(&h, jsonx_text(a, "serial"));
      H(&h, "<td><a href=\"");
      h_attr(&h, jsonx_text(c, "document"));
      H(&h, "\">");
      h_txt(&h, jsonx_text(c, "belge_no"));
      H(&h, "</a></td></tr>");
    }
    H(&h, "</tbody></table>");
  }
  json_decref(items);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

/* Dashboard: agent-found assets waiting for review and flagged ones (units
 * the user manages), counts the user sits on the kurul of (the link a
 * kurul member without assets.count has), and licences ending within 90
 * days. */
void assets_dashboard(request *r, html *h)
{
  if (!r->user)
    return;
  db *d = db_thread();
  int64_t me = r->user->id, n = 0;
  if (rbac_has(me, "assets.manage")) {
    if (db_int(d, &n,
               "SELECT COUNT(*) FROM assets a JOIN units tu ON tu.id = a.unit_id WHERE a.review = 1 AND "
               RBAC_SQL_REACHES("tu.path", "'assets.manage'"),
               "i", me) == DB_ROW)
      page_stat_card(h, _("Assets waiting for review"), n, "/assets?review=1");
    if (db_int(d, &n,
               "SELECT COUNT(*) FROM assets a JOIN units tu ON tu.id = a.unit_id WHERE a.flagged = 1 AND "
               RBAC_SQL_REACHES("tu.path", "'assets.manage'"),
               "i", me) == DB_ROW && n)
      page_stat_card(h, _("Flagged assets"), n, "/assets?flagged=1");
  }
  /* The newest open count the user sits on the board of, and how many. */
  db_stmt *st = db_q(d,
                     "SELECT COUNT(*), MAX(c.id) FROM asset_counts c JOIN asset_count_kurul k ON k.count_id = c.id"
                     " JOIN org_people p ON p.id = k.person_id WHERE p.user_id = ? AND c.state <> 'kesin'",
                     "i", me);
  if (st && db_step(st) == DB_ROW && db_col_int(st, 0) > 0)
    page_stat_card(h, _("Counts I am on the board of"), db_col_int(st, 0),
                   arena_printf(r->a, "/assets/counts/%lld", (long long)db_col_int(st, 1)));
  db_done(st);
  if (rbac_has(me, "licence.read")) {
    char today[11], later[11];
    assets_today(today);
    time_t t = time(NULL) + 90 * 86400;
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(later, sizeof later, "%Y-%m-%d", &tm);
    if (db_int(d, &n,
               "SELECT COUNT(*) FROM licences l JOIN units tu ON tu.id = l.unit_id WHERE l.end_date BETWEEN ? AND ?"
               " AND " RBAC_SQL_REACHES("tu.path", "'licence.read'"),
               "tti", today, later, me) == DB_ROW)
      page_stat_card(h, _("Licences ending within 90 days"), n, "/assets/licences/compliance");
  }
}
