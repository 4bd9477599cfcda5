/* pages.c - the stock in the browser: /stock lists the items with their
 * stock on hand per depot (low stock highlighted) and holds the forms for
 * giriş, çıkış and devir, a new item and a new depot; /stock/items/{id}
 * shows an item, its minimums and its movements (with the reverse
 * button); /stock/consumption the monthly consumption by unit. Forms call
 * the API handlers through page_call_api, so both share every rule. */
#include "stock.h"
#include "stock_int.h"
#include "../core/tr.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/sheet.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DEPOT_COLS_MAX = 30, OPTIONS_MAX = 1000 };

static void th(html *h, const char *s)
{
  H(h, "<th>");
  h_txt(h, s);
  H(h, "</th>");
}

static const char *num(request *r, int64_t v)
{
  return arena_printf(r->a, "%lld", (long long)v);
}

/* The query of a download link: the list's filters from the page's
 * query (filters), or one item's movements (item > 0). */
static void download_query(request *r, html *h, bool filters, int64_t item)
{
  static const char *const keys[] = {"q", "category", "active", "low"};
  for (size_t k = 0; filters && k < ARRAY_LEN(keys); k++) {
    const char *v = req_query(r, keys[k]);
    if (!v || !*v)
      continue;
    H(h, "&amp;");
    h_txt(h, keys[k]);
    H(h, "=");
    h_url(h, v);
  }
  if (item > 0) {
    H(h, "&amp;item=");
    h_int(h, item);
  }
}

/* "CSV · XLSX" downloads of a list API (export.c); id_csv and id_xlsx
 * are the link ids. */
static void downloads(request *r, html *h, const char *api, bool filters, int64_t item, const char *id_csv,
                      const char *csv_text, const char *id_xlsx, const char *xlsx_text)
{
  H(h, "<a id=\"");
  h_attr(h, id_csv);
  H(h, "\" href=\"");
  h_attr(h, api);
  H(h, "?format=csv");
  download_query(r, h, filters, item);
  H(h, "\">");
  h_txt(h, csv_text);
  H(h, "</a> · <a id=\"");
  h_attr(h, id_xlsx);
  H(h, "\" href=\"");
  h_attr(h, api);
  H(h, "?format=xlsx");
  download_query(r, h, filters, item);
  H(h, "\">");
  h_txt(h, xlsx_text);
  H(h, "</a>");
}

static void label(html *h, const char *id, const char *text)
{
  H(h, "<label for=\"");
  h_attr(h, id);
  H(h, "\">");
  h_txt(h, text);
  H(h, "</label>");
}

static void input(html *h, const char *id, const char *name, const char *text, const char *type, bool required)
{
  label(h, id, text);
  H(h, "<input id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\" type=\"");
  h_attr(h, type);
  if (required)
    H(h, "\" required>");
  else
    H(h, "\">");
}

/* <select> of the rows of sql (id, text), with selected preselected. */
static void select_sql(html *h, const char *id, const char *name, const char *text, const char *sql, int64_t uid,
                       int64_t selected, bool empty)
{
  label(h, id, text);
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\">");
  if (empty)
    H(h, "<option value=\"\"></option>");
  db *d = db_thread();
  db_stmt *st = uid ? db_q(d, sql, "ii", (int64_t)rbac_can(uid, "stock.manage", rbac_root_unit(d)), uid)
                    : db_q(d, sql, "");
  int n = 0;
  while (st && n++ < OPTIONS_MAX && db_step(st) == DB_ROW) {
    char v[64];
    snprintf(v, sizeof v, "%s", db_col_text(st, 0));
    h_option(h, v, db_col_text(st, 1), selected && atoll(v) == selected);
  }
  db_done(st);
  H(h, "</select>");
}

#define SQL_ITEMS "SELECT id, name FROM stock_items WHERE active = 1 ORDER BY name"
#define SQL_DEPOTS                                                                                                     \
  "SELECT d.id, d.name FROM stock_depots d WHERE d.active = 1 AND (? = 1 OR " STOCK_DEPOT_VISIBLE(                   \
      "d", "stock.manage") ") ORDER BY d.name"
#define SQL_UNITS "SELECT code, code || ' · ' || name FROM units WHERE active = 1 ORDER BY path"
#define SQL_PEOPLE "SELECT id, name FROM org_people WHERE active = 1 ORDER BY name_fold"

/* One movement form: kind giris, cikis or devir; item preselected (0:
 * none) and, on an item's page, a hidden "back" so errors return there. */
static void movement_form(request *r, html *h, const char *kind, int64_t item)
{
  int64_t me = r->user->id;
  const char *title = str_eq(kind, "giris")   ? _("Receipt (giriş)")
                      : str_eq(kind, "cikis") ? _("Issue (çıkış)")
                                              : _("Transfer (devir)");
  H(h, "<section class=\"card\" id=\"form-");
  h_attr(h, kind);
  H(h, "\"><h2>");
  h_txt(h, title);
  H(h, "</h2><form method=\"post\" action=\"/stock/movement\" class=\"grid\" id=\"");
  h_attr(h, kind);
  H(h, "-form\">");
  page_csrf(r, h);
  H(h, "<input type=\"hidden\" name=\"kind\" value=\"");
  h_attr(h, kind);
  H(h, "\">");
  if (item) {
    H(h, "<input type=\"hidden\" name=\"back\" value=\"");
    h_int(h, item);
    H(h, "\">");
  }
  const char *p = arena_printf(r->a, "%s-", kind);
#define ID(x) arena_printf(r->a, "%s%s", p, x)
  select_sql(h, ID("item"), "item", _("Item"), SQL_ITEMS, 0, item, false);
  select_sql(h, ID("depot"), "depot", str_eq(kind, "devir") ? _("From depot") : _("Depot"), SQL_DEPOTS, me, 0, false);
  if (str_eq(kind, "devir"))
    select_sql(h, ID("to-depot"), "to_depot", _("To depot"), SQL_DEPOTS, me, 0, false);
  input(h, ID("quantity"), "quantity", _("Quantity"), "number", true);
  if (str_eq(kind, "giris")) {
    input(h, ID("price"), "unit_price", _("Unit price (TL)"), "text", true);
    input(h, ID("supplier"), "supplier", _("Supplier"), "text", false);
    input(h, ID("vkn"), "supplier_vkn", _("Supplier tax number (VKN)"), "text", false);
    input(h, ID("invoice"), "invoice_no", _("Invoice no"), "text", false);
  } else if (str_eq(kind, "cikis")) {
    select_sql(h, ID("unit"), "unit", _("To unit"), SQL_UNITS, 0, 0, false);
    select_sql(h, ID("person"), "person", _("Person"), SQL_PEOPLE, 0, 0, true);
    input(h, ID("ticket"), "ticket", _("Ticket no"), "number", false);
  }
  input(h, ID("date"), "date", _("Date"), "date", false);
  input(h, ID("note"), "note", _("Note"), "text", false);
#undef ID
  H(h, "<button type=\"submit\" class=\"primary\" id=\"");
  h_attr(h, kind);
  H(h, "-submit\">");
  h_txt(h, _("Record"));
  H(h, "</button></form></section>");
}

/* ---- the list ------------------------------------------------------------------------------ */

static int list_page(request *r, int status, json_t *err)
{
  json_t *out = NULL, *depots = NULL;
  int st = page_call_api(r, stock_api_items, NULL, &out);
  if (st < 0 || page_call_api(r, stock_api_depots, NULL, &depots) < 0) {
    json_decref(out);
    return -1;
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Consumables stock"), "/stock");
  H(&h, "<h1>");
  h_txt(&h, _("Consumables stock"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<form method=\"get\" action=\"/stock\" class=\"filters\" role=\"search\"><input name=\"q\" id=\"q\" value=\"");
  h_attr(&h, req_query(r, "q"));
  H(&h, "\" aria-label=\"");
  h_attr(&h, _("Search"));
  H(&h, "\"> <label><input type=\"checkbox\" name=\"low\" value=\"1\"");
  if (str_eq(req_query(r, "low"), "1"))
    H(&h, " checked");
  H(&h, "> ");
  h_txt(&h, _("At or below minimum"));
  H(&h, "</label> <button type=\"submit\">");
  h_txt(&h, _("Search"));
  H(&h, "</button> <a href=\"/stock/consumption\" id=\"consumption-link\">");
  h_txt(&h, _("Consumption by unit"));
  H(&h, "</a></form>");
  if (st == 200) {
    /* Columns: the depots that hold or expect any of the items shown. */
    json_t *cols = json_array();
    size_t i, j;
    json_t *dp, *it, *x;
    json_array_foreach(json_object_get(depots, "items"), i, dp)
    {
      if (json_array_size(cols) >= DEPOT_COLS_MAX)
        break;
      json_array_append(cols, dp);
    }
    H(&h, "<table class=\"list\" id=\"stock\"><thead><tr>");
    th(&h, _("Taşınır kodu"));
    th(&h, _("Item"));
    th(&h, _("Category"));
    th(&h, _("Unit of measure"));
    json_array_foreach(cols, j, dp) th(&h, jsonx_text(dp, "name"));
    th(&h, _("Total"));
    H(&h, "</tr></thead><tbody>");
    json_array_foreach(json_object_get(out, "items"), i, it)
    {
      H(&h, "<tr data-item=\"");
      h_int(&h, jsonx_int(it, "id", 0));
      H(&h, "\">");
      h_cell(&h, jsonx_text(it, "code"));
      H(&h, "<td><a href=\"/stock/items/");
      h_int(&h, jsonx_int(it, "id", 0));
      H(&h, "\">");
      h_txt(&h, jsonx_text(it, "name"));
      H(&h, "</a></td>");
      h_cell(&h, jsonx_text(it, "category"));
      h_cell(&h, jsonx_text(it, "uom_label"));
      json_array_foreach(cols, j, dp)
      {
        json_t *found = NULL;
        size_t k;
        json_array_foreach(json_object_get(it, "on_hand"), k, x) if (jsonx_int(x, "depot_id", 0) ==
                                                                     jsonx_int(dp, "id", 0)) found = x;
        if (found && jsonx_bool(found, "low", false))
          H(&h, "<td class=\"low\" data-depot=\"");
        else
          H(&h, "<td data-depot=\"");
        h_int(&h, jsonx_int(dp, "id", 0));
        H(&h, "\">");
        if (found) {
          h_int(&h, jsonx_int(found, "qty", 0));
          json_t *min = json_object_get(found, "min");
          if (json_is_integer(min)) {
            H(&h, " <small>(");
            h_txt(&h, _("min"));
            H(&h, " ");
            h_int(&h, json_integer_value(min));
            H(&h, ")</small>");
          }
        }
        H(&h, "</td>");
      }
      H(&h, "<td class=\"total\">");
      h_int(&h, jsonx_int(it, "total", 0));
      H(&h, "</td></tr>");
    }
    H(&h, "</tbody></table>");
    /* Downloads of the whole list with the same filters, of the depots
     * and of the ledger (export.c). */
    H(&h, "<p class=\"downloads\" id=\"stock-downloads\">");
    downloads(r, &h, "/api/v1/stock/items", true, 0, "export-csv", _("Download CSV"), "export-xlsx",
              _("Download XLSX"));
    H(&h, " · ");
    downloads(r, &h, "/api/v1/stock/depots", false, 0, "export-depots-csv", _("Depots (CSV)"), "export-depots-xlsx",
              _("Depots (XLSX)"));
    H(&h, " · ");
    downloads(r, &h, "/api/v1/stock/movements", false, 0, "export-movements-csv", _("Movements (CSV)"),
              "export-movements-xlsx", _("Movements (XLSX)"));
    H(&h, "</p>");
    const char *next = jsonx_str(out, "next_cursor");
    if (next) {
      H(&h, "<p><a href=\"/stock?cursor=");
      h_url(&h, next);
      H(&h, "\">");
      h_txt(&h, _("More"));
      H(&h, "</a></p>");
    }
    json_decref(cols);
  } else {
    page_alert(&h, out);
  }
  json_decref(out);
  if (rbac_has(r->user->id, "stock.manage")) {
    movement_form(r, &h, "cikis", 0);
    movement_form(r, &h, "giris", 0);
    movement_form(r, &h, "devir", 0);
    H(&h, "<section class=\"card\" id=\"new-item\"><h2>");
    h_txt(&h, _("New item"));
    H(&h, "</h2><form method=\"post\" action=\"/stock/item\" class=\"grid\" id=\"item-form\">");
    page_csrf(r, &h);
    input(&h, "item-name", "name", _("Name"), "text", true);
    input(&h, "item-category", "category", _("Category"), "text", true);
    label(&h, "item-uom", _("Unit of measure"));
    H(&h, "<select id=\"item-uom\" name=\"uom\">");
    for (size_t i = 0; stock_uoms[i]; i++)
      h_option(&h, stock_uoms[i], stock_uom_label(stock_uoms[i]), false);
    H(&h, "</select>");
    input(&h, "item-code", "code", _("Taşınır kodu"), "text", false);
    input(&h, "item-compatible", "compatible", _("Compatible models"), "text", false);
    H(&h, "<button type=\"submit\" class=\"primary\" id=\"item-submit\">");
    h_txt(&h, _("Add"));
    H(&h, "</button></form></section><section class=\"card\" id=\"new-depot\"><h2>");
    h_txt(&h, _("New depot"));
    H(&h, "</h2><form method=\"post\" action=\"/stock/depot\" class=\"grid\" id=\"depot-form\">");
    page_csrf(r, &h);
    input(&h, "depot-name", "name", _("Name"), "text", true);
    select_sql(&h, "depot-unit", "unit", _("Unit"), SQL_UNITS, 0, 0, false);
    select_sql(&h, "depot-responsible", "responsible", _("Responsible person (ambar sorumlusu)"), SQL_PEOPLE, 0, 0,
               true);
    H(&h, "<button type=\"submit\" class=\"primary\" id=\"depot-submit\">");
    h_txt(&h, _("Add"));
    H(&h, "</button></form></section>");
    sheet_import_form(r, &h, "/stock/import", NULL);
  }
  json_decref(depots);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int stock_page_list(request *r)
{
  return list_page(r, 200, NULL);
}

/* ---- one item ------------------------------------------------------------------------------- */

static int item_page(request *r, int64_t id, int status, json_t *err)
{
  db *d = db_thread();
  json_t *it = stock_item_json(r, d, id);
  if (!it)
    return http_not_found(r);
  html h;
  html_init(&h);
  const char *title = jsonx_text(it, "name");
  page_begin(r, &h, title, "/stock");
  H(&h, "<h1 id=\"item-title\">");
  h_txt(&h, title);
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<section class=\"card\"><table class=\"details\"><tr><th>");
  h_txt(&h, _("Taşınır kodu"));
  H(&h, "</th><td>");
  h_txt(&h, jsonx_text(it, "code"));
  H(&h, "</td></tr><tr><th>");
  h_txt(&h, _("Category"));
  H(&h, "</th><td>");
  h_txt(&h, jsonx_text(it, "category"));
  H(&h, "</td></tr><tr><th>");
  h_txt(&h, _("Unit of measure"));
  H(&h, "</th><td>");
  h_txt(&h, jsonx_text(it, "uom_label"));
  H(&h, "</td></tr><tr><th>");
  h_txt(&h, _("Compatible models"));
  H(&h, "</th><td>");
  h_txt(&h, jsonx_text(it, "compatible"));
  H(&h, "</td></tr><tr><th>");
  h_txt(&h, _("Total on hand"));
  H(&h, "</th><td id=\"item-total\">");
  h_int(&h, jsonx_int(it, "total", 0));
  H(&h, "</td></tr></table></section>");

  H(&h, "<section class=\"card\" id=\"on-hand\"><h2>");
  h_txt(&h, _("On hand per depot"));
  H(&h, "</h2><table class=\"list\"><thead><tr>");
  th(&h, _("Depot"));
  th(&h, _("On hand"));
  th(&h, _("Minimum"));
  th(&h, _("Value (TL)"));
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *x;
  json_array_foreach(json_object_get(it, "on_hand"), i, x)
  {
    H(&h, "<tr><td>");
    h_txt(&h, jsonx_text(x, "depot"));
    if (jsonx_bool(x, "low", false))
      H(&h, "</td><td class=\"low\" data-depot=\"");
    else
      H(&h, "</td><td data-depot=\"");
    h_int(&h, jsonx_int(x, "depot_id", 0));
    H(&h, "\">");
    h_int(&h, jsonx_int(x, "qty", 0));
    H(&h, "</td>");
    json_t *min = json_object_get(x, "min");
    h_cell(&h, json_is_integer(min) ? num(r, json_integer_value(min)) : "");
    h_cell(&h, stock_money(r->a, jsonx_int(x, "value_kurus", 0)));
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table>");
  bool manage = rbac_has(r->user->id, "stock.manage");
  if (manage) {
    H(&h, "<form method=\"post\" action=\"/stock/minimum\" class=\"filters\" id=\"minimum-form\">");
    page_csrf(r, &h);
    H(&h, "<input type=\"hidden\" name=\"item\" value=\"");
    h_int(&h, id);
    H(&h, "\">");
    select_sql(&h, "minimum-depot", "depot", _("Depot"), SQL_DEPOTS, r->user->id, 0, false);
    input(&h, "minimum-min", "min", _("Minimum level"), "number", false);
    H(&h, "<button type=\"submit\" id=\"minimum-submit\">");
    h_txt(&h, _("Set the minimum"));
    H(&h, "</button></form>");
  }
  H(&h, "</section>");

  json_t *ledger = stock_movements_of(r, d, id, 200);
  H(&h, "<section class=\"card\" id=\"movements\"><h2>");
  h_txt(&h, _("Movements"));
  H(&h, "</h2><table class=\"list\"><thead><tr>");
  th(&h, _("Date"));
  th(&h, _("Kind"));
  th(&h, _("Depot"));
  th(&h, _("Change"));
  th(&h, _("Value (TL)"));
  th(&h, _("To / from"));
  th(&h, _("Note"));
  th(&h, _("Recorded by"));
  th(&h, "");
  H(&h, "</tr></thead><tbody>");
  json_array_foreach(ledger, i, x)
  {
    json_t *unit = json_object_get(x, "unit"), *to = json_object_get(x, "to_depot");
    bool reversed = json_is_integer(json_object_get(x, "reversed_by"));
    bool reversal = json_is_integer(json_object_get(x, "reverses_id"));
    if (reversed || reversal)
      H(&h, "<tr class=\"repealed\" data-movement=\"");
    else
      H(&h, "<tr data-movement=\"");
    h_int(&h, jsonx_int(x, "id", 0));
    H(&h, "\">");
    h_cell(&h, jsonx_text(x, "date"));
    h_cell(&h, reversal ? arena_printf(r->a, "%s · %s #%lld", jsonx_text(x, "kind_label"), _("reverses"),
                                     (long long)jsonx_int(x, "reverses_id", 0))
                      : jsonx_text(x, "kind_label"));
    h_cell(&h, jsonx_text(json_object_get(x, "depot"), "name"));
    h_cell(&h, arena_printf(r->a, "%+lld", (long long)jsonx_int(x, "change", 0)));
    h_cell(&h, stock_money(r->a, jsonx_int(x, "value_kurus", 0)));
    h_cell(&h, json_is_object(unit)  ? jsonx_text(unit, "code")
             : json_is_object(to) ? jsonx_text(to, "name")
                                  : jsonx_text(x, "supplier"));
    h_cell(&h, jsonx_text(x, "note"));
    h_cell(&h, jsonx_text(x, "actor"));
    H(&h, "<td>");
    if (manage && !reversed && !reversal) {
      H(&h, "<form method=\"post\" action=\"/stock/reverse\" class=\"inline\">");
      page_csrf(r, &h);
      H(&h, "<input type=\"hidden\" name=\"movement\" value=\"");
      h_int(&h, jsonx_int(x, "id", 0));
      H(&h, "\"><input type=\"hidden\" name=\"back\" value=\"");
      h_int(&h, id);
      H(&h, "\"><button type=\"submit\">");
      h_txt(&h, _("Reverse"));
      H(&h, "</button></form>");
    }
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table><p class=\"downloads\" id=\"movement-downloads\">");
  /* Every movement of the item, not only the latest shown (export.c). */
  downloads(r, &h, "/api/v1/stock/movements", false, id, "export-movements-csv", _("Download CSV"),
            "export-movements-xlsx", _("Download XLSX"));
  H(&h, "</p></section>");
  json_decref(ledger);
  if (manage) {
    movement_form(r, &h, "cikis", id);
    movement_form(r, &h, "giris", id);
    movement_form(r, &h, "devir", id);
  }
  json_decref(it);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int stock_page_item(request *r)
{
  int64_t id = 0;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0)
    return http_not_found(r);
  return item_page(r, id, 200, NULL);
}

/* ---- the forms ------------------------------------------------------------------------------- */

static void put_str(json_t *in, request *r, const char *form, const char *key)
{
  const char *v = req_form(r, form);
  if (v && *v)
    json_object_set_new(in, key, json_string(v));
}

/* A whole number when the field is one; otherwise the text as typed, so
 * that the API names the field in its 400. */
static void put_int(json_t *in, request *r, const char *form, const char *key)
{
  const char *v = req_form(r, form);
  int64_t x;
  if (!v || !*v)
    return;
  if (!parse_i64(v, &x))
    json_object_set_new(in, key, json_integer(x));
  else
    json_object_set_new(in, key, json_string(v));
}

/* "1250,50" or "1250.50" lira -> kuruş; otherwise the text as typed. */
static void put_money(json_t *in, request *r, const char *form, const char *key)
{
  const char *v = req_form(r, form);
  if (!v || !*v)
    return;
  int64_t k = tr_money_parse(v);
  json_object_set_new(in, key, k >= 0 ? json_integer(k) : json_string(v));
}

static void set_param(request *r, const char *name, const char *value)
{
  if (r->nparams < MAX_PARAMS && value)
    r->params[r->nparams++] = (struct kv){name, arena_strdup(r->a, value)};
}

int stock_form_post(request *r)
{
  const char *action = req_param(r, "action");
  json_t *in = json_object();
  route_fn fn = NULL;
  int64_t back = 0;
  const char *v = req_form(r, "back");
  if (v && (parse_i64(v, &back) || back < 0))
    back = 0;
  if (str_eq(action, "movement")) {
    put_str(in, r, "kind", "kind");
    static const char *const ints[] = {"item", "depot", "to_depot", "quantity", "counted", "person", "ticket"};
    for (size_t i = 0; i < ARRAY_LEN(ints); i++)
      put_int(in, r, ints[i], ints[i]);
    put_money(in, r, "unit_price", "unit_price");
    static const char *const texts[] = {"supplier", "supplier_vkn", "invoice_no", "unit", "date", "note"};
    for (size_t i = 0; i < ARRAY_LEN(texts); i++)
      put_str(in, r, texts[i], texts[i]);
    fn = stock_api_movement_create;
  } else if (str_eq(action, "item")) {
    static const char *const texts[] = {"name", "category", "uom", "code", "compatible"};
    for (size_t i = 0; i < ARRAY_LEN(texts); i++)
      put_str(in, r, texts[i], texts[i]);
    fn = stock_api_item_create;
  } else if (str_eq(action, "depot")) {
    put_str(in, r, "name", "name");
    put_str(in, r, "unit", "unit");
    put_int(in, r, "responsible", "responsible");
    fn = stock_api_depot_create;
  } else if (str_eq(action, "minimum")) {
    put_int(in, r, "depot", "depot");
    v = req_form(r, "min");
    if (v && *v)
      put_int(in, r, "min", "min");
    else
      json_object_set_new(in, "min", json_null());
    set_param(r, "id", req_form(r, "item"));
    if (!back)
      back = atoll(req_form(r, "item") ? req_form(r, "item") : "0");
    fn = stock_api_item_minimum;
  } else if (str_eq(action, "reverse")) {
    set_param(r, "id", req_form(r, "movement"));
    fn = stock_api_movement_reverse;
  } else {
    json_decref(in);
    return http_not_found(r);
  }
  json_t *out;
  int status = page_call_api(r, fn, in, &out);
  if (status < 0)
    return -1;
  int rc;
  if (status >= 200 && status < 300) {
    int64_t item = 0;
    if (str_eq(action, "item"))
      item = jsonx_int(out, "id", 0);
    else if (str_eq(action, "movement") || str_eq(action, "reverse"))
      item = jsonx_int(json_object_get(out, "item"), "id", 0);
    else if (str_eq(action, "minimum"))
      item = back;
    rc = http_redirect(r, item ? arena_printf(r->a, "/stock/items/%lld", (long long)item) : "/stock");
  } else if (status == 404 || status == 403) {
    json_t *e = json_object_get(out, "error");
    rc = http_error(r, status, jsonx_text(e, "code"), jsonx_text(e, "message"), NULL);
  } else if (back) {
    rc = item_page(r, back, status, out);
  } else {
    rc = list_page(r, status, out);
  }
  json_decref(out);
  return rc;
}

/* ---- consumption ------------------------------------------------------------------------------ */

int stock_page_consumption(request *r)
{
  json_t *out = NULL;
  int st = page_call_api(r, stock_api_consumption, NULL, &out);
  if (st < 0)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Consumption by unit"), "/stock");
  H(&h, "<h1>");
  h_txt(&h, _("Consumption by unit"));
  H(&h, "</h1><form method=\"get\" action=\"/stock/consumption\" class=\"filters\">");
  label(&h, "from", _("From (YYYY-MM)"));
  H(&h, "<input id=\"from\" name=\"from\" type=\"month\" value=\"");
  h_attr(&h, st == 200 ? jsonx_text(out, "from") : req_query(r, "from"));
  H(&h, "\">");
  label(&h, "to", _("To (YYYY-MM)"));
  H(&h, "<input id=\"to\" name=\"to\" type=\"month\" value=\"");
  h_attr(&h, st == 200 ? jsonx_text(out, "to") : req_query(r, "to"));
  H(&h, "\"> <button type=\"submit\">");
  h_txt(&h, _("Show"));
  H(&h, "</button></form>");
  if (st == 200) {
    const char *qs = arena_printf(r->a, "from=%s&to=%s", jsonx_text(out, "from"), jsonx_text(out, "to"));
    H(&h, "<p><a id=\"consumption-xlsx\" href=\"/api/v1/stock/consumption.xlsx?");
    h_attr(&h, qs);
    H(&h, "\">XLSX</a> · <a id=\"consumption-pdf\" href=\"/api/v1/stock/consumption.pdf?");
    h_attr(&h, qs);
    H(&h, "\">PDF</a></p><table class=\"list\" id=\"consumption\"><thead><tr>");
    th(&h, _("Item"));
    size_t i, j;
    json_t *u, *it;
    json_t *units = json_object_get(out, "units");
    json_array_foreach(units, j, u)
    {
      H(&h, "<th title=\"");
      h_attr(&h, jsonx_text(u, "name"));
      H(&h, "\">");
      h_txt(&h, jsonx_text(u, "code"));
      H(&h, "</th>");
    }
    th(&h, _("Total"));
    th(&h, _("Value (TL)"));
    H(&h, "</tr></thead><tbody>");
    json_array_foreach(json_object_get(out, "items"), i, it)
    {
      H(&h, "<tr>");
      h_cell(&h, jsonx_text(it, "name"));
      json_t *cells = json_object_get(it, "cells");
      json_array_foreach(units, j, u)
      {
        json_t *c = json_object_get(cells, jsonx_text(u, "code"));
        h_cell(&h, c ? num(r, jsonx_int(c, "qty", 0)) : "");
      }
      h_cell(&h, num(r, jsonx_int(it, "qty", 0)));
      h_cell(&h, stock_money(r->a, jsonx_int(it, "value_kurus", 0)));
      H(&h, "</tr>");
    }
    H(&h, "</tbody><tfoot><tr>");
    th(&h, _("Total"));
    json_array_foreach(units, j, u) th(&h, num(r, jsonx_int(u, "qty", 0)));
    th(&h, num(r, jsonx_int(out, "qty", 0)));
    th(&h, stock_money(r->a, jsonx_int(out, "value_kurus", 0)));
    H(&h, "</tr></tfoot></table>");
  } else {
    page_alert(&h, out);
  }
  json_decref(out);
  page_end(r, &h);
  return http_html(r, st == 200 ? 200 : st, &h);
}
