/* licence_pages.c - software licences in the browser: the list with the
 * new licence form, one licence with its assignments, and the compliance
 * table with its XLSX export and the licences ending soon. The pages call
 * the API handlers through page_call_api, so both keep the same rules. */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/tr.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdlib.h>
#include <string.h>

static void cell_int(html *h, json_t *v)
{
  H(h, "<td class=\"num\">");
  if (json_is_integer(v))
    h_int(h, json_integer_value(v));
  else
    h_txt(h, "∞");
  H(h, "</td>");
}

static void head(html *h, const char *const *labels, size_t n)
{
  H(h, "<thead><tr>");
  for (size_t i = 0; i < n; i++) {
    H(h, "<th>");
    h_txt(h, _(labels[i]));
    H(h, "</th>");
  }
  H(h, "</tr></thead>");
}

static void input(html *h, const char *name, const char *label, const char *type, bool required)
{
  H(h, "<label for=\"lic-");
  h_attr(h, name);
  H(h, "\">");
  h_txt(h, label);
  H(h, "</label><input id=\"lic-");
  h_attr(h, name);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\" type=\"");
  h_attr(h, type);
  if (required)
    H(h, "\" required>");
  else
    H(h, "\">");
}

static const char *product_text(request *r, json_t *p)
{
  const char *pub = jsonx_text(p, "publisher"), *name = jsonx_text(p, "name");
  return *pub ? arena_printf(r->a, "%s %s", pub, name) : name;
}

/* ---- the list and the new licence form ---------------------------------------------------- */

static int list_page(request *r, int status, json_t *err)
{
  json_t *out = NULL;
  int st = page_call_api(r, assets_api_licence_list, NULL, &out);
  if (st < 0)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Licences"), "/assets/licences");
  H(&h, "<h1>");
  h_txt(&h, _("Software licences"));
  H(&h, "</h1><p><a id=\"compliance-link\" href=\"/assets/licences/compliance\">");
  h_txt(&h, _("Licence compliance"));
  H(&h, "</a></p>");
  if (st == 200) {
    static const char *const labels[] = {N_("Product"), N_("Type"),     N_("Seats"),
                                         N_("Assigned"), N_("Ends on"), N_("Unit")};
    H(&h, "<table class=\"list\" id=\"licences\">");
    head(&h, labels, ARRAY_LEN(labels));
    H(&h, "<tbody>");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(out, "items"), i, l)
    {
      H(&h, "<tr><td><a href=\"/assets/licences/");
      h_int(&h, jsonx_int(l, "id", 0));
      H(&h, "\">");
      h_txt(&h, product_text(r, json_object_get(l, "product")));
      H(&h, "</a></td>");
      h_cell(&h, jsonx_text(l, "type_label"));
      cell_int(&h, json_object_get(l, "seats"));
      cell_int(&h, json_object_get(l, "assigned"));
      h_cell(&h, *jsonx_text(l, "end_date") ? jsonx_text(l, "end_date") : "-");
      h_cell(&h, jsonx_text(json_object_get(l, "unit"), "code"));
      H(&h, "</tr>");
    }
    H(&h, "</tbody></table>");
  } else {
    page_alert(&h, out);
  }
  json_decref(out);
  if (rbac_has(r->user->id, "licence.manage")) {
    H(&h, "<section class=\"card\" id=\"new-licence\"><h2>");
    h_txt(&h, _("Record a licence"));
    H(&h, "</h2>");
    if (err)
      page_alert(&h, err);
    H(&h, "<form method=\"post\" action=\"/assets/licences\" class=\"grid\" id=\"new-licence-form\">");
    page_csrf(r, &h);
    input(&h, "product_name", _("Product"), "text", true);
    input(&h, "publisher", _("Publisher"), "text", false);
    H(&h, "<label for=\"lic-type\">");
    h_txt(&h, _("Licence type"));
    H(&h, "</label><select id=\"lic-type\" name=\"type\">");
    for (size_t i = 0; assets_licence_types[i]; i++)
      h_option(&h, assets_licence_types[i], assets_licence_type_label(assets_licence_types[i]), false);
    H(&h, "</select>");
    input(&h, "seats", _("Seats (empty: unlimited)"), "number", false);
    input(&h, "start_date", _("Starts on"), "date", false);
    input(&h, "end_date", _("Ends on"), "date", false);
    input(&h, "supplier", _("Supplier"), "text", false);
    input(&h, "supplier_vkn", _("Supplier tax number (VKN)"), "text", false);
    input(&h, "order_no", _("Order no"), "text", false);
    input(&h, "invoice_no", _("Invoice no"), "text", false);
    input(&h, "cost", _("Cost (TL)"), "text", false);
    input(&h, "key_ref", _("Where the key is kept (vault entry)"), "text", false);
    H(&h, "<button type=\"submit\" class=\"primary\" id=\"new-licence-submit\">");
    h_txt(&h, _("Record"));
    H(&h, "</button></form><p class=\"hint\">");
    h_txt(&h, _("Do not write licence keys here: keep them in the vault and note the vault entry."));
    H(&h, "</p></section>");
  }
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_licences(request *r)
{
  return list_page(r, 200, NULL);
}

int assets_form_licence_create(request *r)
{
  json_t *in = json_object();
  static const char *const keys[] = {"product_name", "publisher", "type",       "seats",    "start_date", "end_date",
                                     "supplier",     "supplier_vkn", "order_no", "invoice_no", "cost",     "key_ref"};
  for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
    const char *v = req_form(r, keys[i]);
    if (v && *v)
      json_object_set_new(in, keys[i], json_string(v));
  }
  json_t *out;
  int status = page_call_api(r, assets_api_licence_create, in, &out);
  if (status < 0)
    return -1;
  if (status != 201) {
    int rc = list_page(r, status, out);
    json_decref(out);
    return rc;
  }
  int64_t id = jsonx_int(out, "id", 0);
  json_decref(out);
  return http_redirect(r, arena_printf(r->a, "/assets/licences/%lld", (long long)id));
}

/* ---- one licence ------------------------------------------------------------------------------ */

static void row(html *h, const char *label, const char *value)
{
  H(h, "<tr><th>");
  h_txt(h, label);
  H(h, "</th><td>");
  h_txt(h, value && *value ? value : "-");
  H(h, "</td></tr>");
}

static int licence_page(request *r, int status, json_t *err)
{
  json_t *l = NULL;
  int fetched;
  if (!page_fetch(r, assets_api_licence_get, &l, &fetched))
    return fetched;
  html h;
  html_init(&h);
  const char *title = product_text(r, json_object_get(l, "product"));
  page_begin(r, &h, title, "/assets/licences");
  H(&h, "<h1 id=\"licence-title\">");
  h_txt(&h, title);
  H(&h, "</h1><table class=\"fields\" id=\"licence\">");
  row(&h, _("Licence type"), jsonx_text(l, "type_label"));
  json_t *seats = json_object_get(l, "seats");
  row(&h, _("Seats"), json_is_integer(seats) ? arena_printf(r->a, "%lld", (long long)json_integer_value(seats))
                                              : _("Unlimited"));
  row(&h, _("Assigned"), arena_printf(r->a, "%lld", (long long)jsonx_int(l, "assigned", 0)));
  row(&h, _("Starts on"), jsonx_text(l, "start_date"));
  row(&h, _("Ends on"), jsonx_text(l, "end_date"));
  row(&h, _("Unit"), jsonx_text(json_object_get(l, "unit"), "name"));
  row(&h, _("Responsible"), jsonx_text(json_object_get(l, "responsible"), "name"));
  row(&h, _("Supplier"), jsonx_text(l, "supplier"));
  row(&h, _("Supplier tax number (VKN)"), jsonx_text(l, "supplier_vkn"));
  row(&h, _("Order no"), jsonx_text(l, "order_no"));
  row(&h, _("Invoice no"), jsonx_text(l, "invoice_no"));
  json_t *cost = json_object_get(l, "cost_kurus");
  char lira[32] = "";
  if (json_is_integer(cost))
    tr_money_format(json_integer_value(cost), ',', lira);
  row(&h, _("Cost (TL)"), lira);
  row(&h, _("Where the key is kept (vault entry)"), jsonx_text(l, "key_ref"));
  H(&h, "</table><section class=\"card\" id=\"assignments\"><h2>");
  h_txt(&h, _("Assignments"));
  H(&h, "</h2><ul>");
  size_t i;
  json_t *a;
  json_array_foreach(json_object_get(l, "assignments"), i, a)
  {
    json_t *asset = json_object_get(a, "asset"), *person = json_object_get(a, "person");
    H(&h, "<li>");
    if (json_is_object(asset)) {
      H(&h, "<a href=\"/assets/");
      h_int(&h, jsonx_int(asset, "id", 0));
      H(&h, "\">");
      h_txt(&h, *jsonx_text(asset, "sicil_no") ? jsonx_text(asset, "sicil_no") : jsonx_text(asset, "name"));
      H(&h, "</a> ");
      h_txt(&h, jsonx_text(asset, "name"));
    } else {
      h_txt(&h, jsonx_text(person, "name"));
    }
    H(&h, "</li>");
  }
  H(&h, "</ul>");
  if (rbac_can(r->user->id, "licence.manage", jsonx_int(json_object_get(l, "unit"), "id", 0))) {
    if (err)
      page_alert(&h, err);
    H(&h, "<form method=\"post\" action=\"/assets/licences/");
    h_int(&h, jsonx_int(l, "id", 0));
    H(&h, "/assign\" class=\"grid\" id=\"assign-form\">");
    page_csrf(r, &h);
    input(&h, "asset", _("Asset id"), "number", false);
    input(&h, "person", _("Person id"), "number", false);
    H(&h, "<button type=\"submit\" id=\"assign-submit\">");
    h_txt(&h, _("Assign"));
    H(&h, "</button></form>");
  }
  H(&h, "</section>");
  json_decref(l);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_licence(request *r)
{
  return licence_page(r, 200, NULL);
}

int assets_form_licence_assign(request *r)
{
  json_t *in = json_object();
  static const char *const keys[] = {"asset", "person"};
  for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
    const char *v = req_form(r, keys[i]);
    if (v && *v)
      json_object_set_new(in, keys[i], json_string(v));
  }
  json_t *out;
  int status = page_call_api(r, assets_api_licence_assign, in, &out);
  if (status < 0)
    return -1;
  if (status != 201) {
    int rc = licence_page(r, status, out);
    json_decref(out);
    return rc;
  }
  json_decref(out);
  return http_redirect(r, arena_printf(r->a, "/assets/licences/%s", req_param(r, "id")));
}

/* ---- compliance ----------------------------------------------------------------------------------- */

int assets_page_compliance(request *r)
{
  json_t *out = NULL, *exp = NULL;
  int st = page_call_api(r, assets_api_licence_compliance, NULL, &out);
  if (st < 0)
    return -1;
  int st2 = page_call_api(r, assets_api_licence_expiring, NULL, &exp);
  if (st2 < 0) {
    json_decref(out);
    return -1;
  }
  bool all = str_eq(req_query(r, "all"), "1");
  html h;
  html_init(&h);
  page_begin(r, &h, _("Licence compliance"), "/assets/licences");
  H(&h, "<h1>");
  h_txt(&h, _("Licence compliance"));
  H(&h, "</h1><p><a id=\"compliance-xlsx\" href=\"/api/v1/licences/compliance.xlsx");
  if (all)
    H(&h, "?all=1");
  H(&h, "\">");
  h_txt(&h, _("Download as XLSX"));
  H(&h, "</a> · <a href=\"/assets/licences/compliance");
  if (!all)
    H(&h, "?all=1");
  H(&h, "\">");
  h_txt(&h, all ? _("Only licensed products") : _("Also installed products without a licence"));
  H(&h, "</a></p>");
  if (st == 200) {
    static const char *const labels[] = {N_("Product"),    N_("Installed"), N_("Owned seats"),
                                         N_("Difference"), N_("Status"),    N_("Expired licences")};
    H(&h, "<table class=\"list\" id=\"compliance\">");
    head(&h, labels, ARRAY_LEN(labels));
    H(&h, "<tbody>");
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(out, "items"), i, c)
    {
      json_t *p = json_object_get(c, "product");
      H(&h, "<tr id=\"compliance-");
      h_int(&h, jsonx_int(p, "id", 0));
      H(&h, "\" class=\"");
      h_attr(&h, jsonx_text(c, "status"));
      H(&h, "\">");
      h_cell(&h, product_text(r, p));
      cell_int(&h, json_object_get(c, "installed"));
      cell_int(&h, json_object_get(c, "owned"));
      H(&h, "<td class=\"num\">");
      json_t *diff = json_object_get(c, "difference");
      if (json_is_integer(diff))
        h_txt(&h, arena_printf(r->a, "%+lld", (long long)json_integer_value(diff)));
      H(&h, "</td>");
      h_cell(&h, jsonx_text(c, "status_label"));
      cell_int(&h, json_object_get(c, "expired_licences"));
      H(&h, "</tr>");
    }
    H(&h, "</tbody></table>");
  } else {
    page_alert(&h, out);
  }
  H(&h, "<section class=\"card\" id=\"expiring\"><h2>");
  h_txt(&h, _("Licences ending within 90 days"));
  H(&h, "</h2>");
  if (st2 == 200) {
    static const char *const labels[] = {N_("Product"), N_("Type"), N_("Ends on"), N_("Days left"),
                                         N_("Responsible")};
    H(&h, "<table class=\"list\">");
    head(&h, labels, ARRAY_LEN(labels));
    H(&h, "<tbody>");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(exp, "items"), i, l)
    {
      H(&h, "<tr><td><a href=\"/assets/licences/");
      h_int(&h, jsonx_int(l, "id", 0));
      H(&h, "\">");
      h_txt(&h, product_text(r, json_object_get(l, "product")));
      H(&h, "</a></td>");
      h_cell(&h, jsonx_text(l, "type_label"));
      h_cell(&h, jsonx_text(l, "end_date"));
      cell_int(&h, json_object_get(l, "days_left"));
      h_cell(&h, jsonx_text(json_object_get(l, "responsible"), "name"));
      H(&h, "</tr>");
    }
    H(&h, "</tbody></table>");
  }
  H(&h, "</section>");
  json_decref(out);
  json_decref(exp);
  page_end(r, &h);
  return http_html(r, 200, &h);
}
