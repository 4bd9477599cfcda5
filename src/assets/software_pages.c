/* software_pages.c - the software catalogue in the browser: products
 * (normalised from the titles the agents report) with how many devices
 * have them, one product's titles and versions, and for the licence
 * managers the two corrections the normaliser cannot make alone: a title
 * mapped to another product, a product ignored (drivers, updates). The
 * pages call the API handlers (page_call_api), so the rules and the audit
 * trail are the API's. */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <string.h>

static void head_row(html *h, const char *const *labels, size_t n)
{
  H(h, "<thead><tr>");
  for (size_t i = 0; i < n; i++) {
    H(h, "<th>");
    h_txt(h, _(labels[i]));
    H(h, "</th>");
  }
  H(h, "</tr></thead>");
}

static void cell_num(html *h, json_t *v)
{
  H(h, "<td class=\"num\">");
  h_int(h, json_integer_value(v));
  H(h, "</td>");
}

int assets_page_software(request *r)
{
  json_t *out = NULL;
  int st = page_call_api(r, assets_api_products, NULL, &out);
  if (st < 0)
    return -1;
  const char *q = req_query(r, "q");
  bool ignored = str_eq(req_query(r, "ignored"), "1");
  html h;
  html_init(&h);
  page_begin(r, &h, _("Software catalogue"), "/assets/software");
  H(&h, "<h1>");
  h_txt(&h, _("Software catalogue"));
  H(&h, "</h1><form method=\"get\" action=\"/assets/software\" class=\"filters\" id=\"software-search\">");
  h_label(&h, "software-q", _("Search"));
  H(&h, "<input id=\"software-q\" name=\"q\" type=\"search\" value=\"");
  h_attr(&h, q ? q : "");
  H(&h, "\"><label><input type=\"checkbox\" name=\"ignored\" value=\"1\"");
  if (ignored)
    H(&h, " checked");
  H(&h, "> ");
  h_txt(&h, _("Ignored products"));
  H(&h, "</label><button type=\"submit\">");
  h_txt(&h, _("Search"));
  H(&h, "</button></form><p class=\"downloads\"><a id=\"software-csv\" href=\"/api/v1/software?format=csv\">");
  h_txt(&h, _("Download CSV"));
  H(&h, "</a> · <a href=\"/api/v1/software?format=xlsx\">");
  h_txt(&h, _("Download XLSX"));
  H(&h, "</a> · <a href=\"/assets/licences/compliance\">");
  h_txt(&h, _("Licence compliance"));
  H(&h, "</a></p>");
  if (st == 200) {
    static const char *const labels[] = {N_("Product"), N_("Publisher"), N_("Devices"), N_("Titles")};
    H(&h, "<table class=\"list\" id=\"products\">");
    head_row(&h, labels, ARRAY_LEN(labels));
    H(&h, "<tbody>");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(out, "items"), i, p)
    {
      H(&h, "<tr><td><a href=\"/assets/software/");
      h_int(&h, jsonx_int(p, "id", 0));
      H(&h, "\">");
      h_txt(&h, jsonx_text(p, "name"));
      H(&h, "</a></td>");
      h_cell(&h, jsonx_text(p, "publisher"));
      cell_num(&h, json_object_get(p, "installations"));
      cell_num(&h, json_object_get(p, "titles"));
      H(&h, "</tr>");
    }
    H(&h, "</tbody></table>");
    if (jsonx_str(out, "next_cursor")) {
      H(&h, "<p><a id=\"software-more\" href=\"/assets/software?cursor=");
      h_url(&h, jsonx_text(out, "next_cursor"));
      if (q) {
        H(&h, "&amp;q=");
        h_url(&h, q);
      }
      if (ignored)
        H(&h, "&amp;ignored=1");
      H(&h, "\">");
      h_txt(&h, _("More"));
      H(&h, "</a></p>");
    }
  } else {
    page_alert(&h, out);
  }
  json_decref(out);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

static int product_page(request *r, int status, json_t *err)
{
  json_t *p = NULL;
  int fetched;
  if (!page_fetch(r, assets_api_product_get, &p, &fetched))
    return fetched;
  int64_t id = jsonx_int(p, "id", 0);
  bool manage = rbac_has(r->user->id, "licence.manage");
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_text(p, "name"), "/assets/software");
  H(&h, "<p><a href=\"/assets/software\">");
  h_txt(&h, _("Software catalogue"));
  H(&h, "</a></p><h1 id=\"product-name\">");
  h_txt(&h, jsonx_text(p, "name"));
  H(&h, "</h1><p>");
  h_txt(&h, jsonx_text(p, "publisher"));
  H(&h, " · <span id=\"product-installs\">");
  h_int(&h, jsonx_int(p, "installations", 0));
  H(&h, "</span> ");
  h_txt(&h, _("devices"));
  bool ignored = json_is_true(json_object_get(p, "ignored"));
  if (ignored) {
    H(&h, " · <span class=\"badge\" id=\"product-ignored\">");
    h_txt(&h, _("ignored"));
    H(&h, "</span>");
  }
  H(&h, "</p>");
  if (err)
    page_alert(&h, err);
  if (manage) {
    H(&h, "<form method=\"post\" action=\"/assets/software/");
    h_int(&h, id);
    H(&h, "/ignore\" id=\"product-ignore-form\">");
    page_csrf(r, &h);
    if (ignored)
      H(&h, "<input type=\"hidden\" name=\"ignored\" value=\"0\">");
    else
      H(&h, "<input type=\"hidden\" name=\"ignored\" value=\"1\">");
    H(&h, "<button type=\"submit\" id=\"product-ignore\">");
    h_txt(&h, ignored ? _("Count it again") : _("Ignore (driver, update…)"));
    H(&h, "</button></form>");
  }
  H(&h, "<h2>");
  h_txt(&h, _("Titles the agents report"));
  H(&h, "</h2><table class=\"list\" id=\"titles\"><thead><tr><th>");
  h_txt(&h, _("Title"));
  H(&h, "</th><th>");
  h_txt(&h, _("Publisher"));
  H(&h, "</th>");
  if (manage) {
    H(&h, "<th>");
    h_txt(&h, _("Map to another product"));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(p, "titles"), i, t)
  {
    int64_t tid = jsonx_int(t, "id", 0);
    H(&h, "<tr><td>");
    h_txt(&h, jsonx_text(t, "name"));
    if (json_is_true(json_object_get(t, "manual"))) {
      H(&h, " <span class=\"badge\">");
      h_txt(&h, _("mapped by hand"));
      H(&h, "</span>");
    }
    H(&h, "</td>");
    h_cell(&h, jsonx_text(t, "publisher"));
    if (manage) {
      H(&h, "<td><form method=\"post\" class=\"inline\" action=\"/assets/software/titles/");
      h_int(&h, tid);
      H(&h, "/map\">");
      page_csrf(r, &h);
      H(&h, "<input type=\"hidden\" name=\"back\" value=\"");
      h_int(&h, id);
      H(&h, "\"><input name=\"product_name\" required aria-label=\"");
      h_attr(&h, _("Product"));
      H(&h, "\" placeholder=\"");
      h_attr(&h, _("Product"));
      H(&h, "\"><input name=\"publisher\" aria-label=\"");
      h_attr(&h, _("Publisher"));
      H(&h, "\" placeholder=\"");
      h_attr(&h, _("Publisher"));
      H(&h, "\" value=\"");
      h_attr(&h, jsonx_text(p, "publisher"));
      H(&h, "\"><button type=\"submit\">");
      h_txt(&h, _("Map"));
      H(&h, "</button></form></td>");
    }
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table><h2>");
  h_txt(&h, _("Versions in use"));
  H(&h, "</h2><table class=\"list\" id=\"versions\"><thead><tr><th>");
  h_txt(&h, _("Version"));
  H(&h, "</th><th>");
  h_txt(&h, _("Devices"));
  H(&h, "</th></tr></thead><tbody>");
  json_array_foreach(json_object_get(p, "versions"), i, t)
  {
    H(&h, "<tr>");
    h_cell(&h, *jsonx_text(t, "version") ? jsonx_text(t, "version") : "-");
    cell_num(&h, json_object_get(t, "installations"));
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(p);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_product(request *r)
{
  return product_page(r, 200, NULL);
}

int assets_form_product_ignore(request *r)
{
  json_t *in = json_pack("{sb}", "ignored", str_eq(req_form(r, "ignored"), "1"));
  return page_submit(r, assets_api_product_patch, in, arena_printf(r->a, "/assets/software/%s", req_param(r, "id")),
                     product_page);
}

/* After a title moved, back to the product it came from (which the page
 * posted as `back`), or to the catalogue. The product is found by name,
 * or made. */
int assets_form_title_map(request *r)
{
  json_t *in = json_pack("{ss}", "product", "new");
  const char *name = req_form(r, "product_name"), *pub = req_form(r, "publisher"), *back = req_form(r, "back");
  json_object_set_new(in, "product_name", json_string(name ? name : ""));
  if (pub && *pub)
    json_object_set_new(in, "publisher", json_string(pub));
  int64_t b = 0;
  const char *then = back && !parse_i64(back, &b) && b > 0 ? arena_printf(r->a, "/assets/software/%lld", (long long)b)
                                                          : "/assets/software";
  json_t *out = NULL;
  int status = page_call_api(r, assets_api_software_map, in, &out);
  return page_after(r, status, out, then, NULL);
}
