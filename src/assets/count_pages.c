/* count_pages.c - counts in the browser: the list with the form that
 * opens one, a count's page (progress, kurul, differences, closing the
 * first pass, finalising, the documents) and the scanning page, made for
 * a phone held at the shelf: one big autofocused field that a label
 * scanner or the keyboard fills, the answer and the running figures. The
 * pages call the API handlers through page_call_api. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cell_int(html *h, const char *id, int64_t v)
{
  if (id) {
    H(h, "<td id=\"");
    h_attr(h, id);
    H(h, "\">");
  } else {
    H(h, "<td>");
  }
  h_int(h, v);
  H(h, "</td>");
}

static void put_str(json_t *in, request *r, const char *key)
{
  const char *v = req_form(r, key);
  if (v && *v)
    json_object_set_new(in, key, json_string(v));
}

static void text_input(html *h, const char *id, const char *label, const char *type)
{
  H(h, "<label for=\"");
  h_attr(h, id);
  H(h, "\">");
  h_txt(h, label);
  H(h, "</label><input id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, id);
  H(h, "\" type=\"");
  h_attr(h, type);
  H(h, "\">");
}

static void people_options(html *h)
{
  db_stmt *st = db_q(db_thread(), "SELECT id, name FROM org_people WHERE active = 1 ORDER BY name_fold LIMIT 1000", "");
  while (st && db_step(st) == DB_ROW) {
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)db_col_int(st, 0));
    h_option(h, v, db_col_text(st, 1), false);
  }
  db_done(st);
}

/* ---- the list ---------------------------------------------------------------------------- */

static int list_page(request *r, int status, json_t *err)
{
  json_t *out = NULL;
  int st = page_call_api(r, assets_api_counts_list, NULL, &out);
  if (st < 0)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Counts"), "/assets/counts");
  H(&h, "<h1>");
  h_txt(&h, _("Counts (sayım)"));
  H(&h, "</h1><table class=\"list\" id=\"counts\"><thead><tr><th>");
  h_txt(&h, _("Count"));
  H(&h, "</th><th>");
  h_txt(&h, _("Date"));
  H(&h, "</th><th>");
  h_txt(&h, _("State"));
  H(&h, "</th><th>");
  h_txt(&h, _("Expected"));
  H(&h, "</th><th>");
  h_txt(&h, _("Found"));
  H(&h, "</th><th>");
  h_txt(&h, _("Fazla"));
  H(&h, "</th><th>");
  h_txt(&h, _("Noksan"));
  H(&h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(out, "items"), i, c)
  {
    json_t *p = json_object_get(c, "progress");
    H(&h, "<tr><td><a href=\"/assets/counts/");
    h_int(&h, jsonx_int(c, "id", 0));
    H(&h, "\">");
    h_txt(&h, jsonx_text(c, "title"));
    H(&h, "</a></td>");
    h_cell(&h, jsonx_text(c, "date"));
    h_cell(&h, jsonx_text(c, "state_label"));
    cell_int(&h, NULL, jsonx_int(p, "expected", 0));
    cell_int(&h, NULL, jsonx_int(p, "found", 0));
    cell_int(&h, NULL, jsonx_int(p, "fazla", 0));
    cell_int(&h, NULL, jsonx_int(p, "noksan", 0));
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(out);
  /* Downloads of the list, and of this year's Varlık İşlem Fişleri for
   * who reads the register (export.c). */
  H(&h, "<p class=\"downloads\" id=\"count-downloads\">"
        "<a id=\"export-csv\" href=\"/api/v1/assets/counts?format=csv\">");
  h_txt(&h, _("Download CSV"));
  H(&h, "</a> · <a id=\"export-xlsx\" href=\"/api/v1/assets/counts?format=xlsx\">");
  h_txt(&h, _("Download XLSX"));
  H(&h, "</a>");
  if (rbac_has(r->user->id, "assets.read")) {
    H(&h, " · <a id=\"export-vif-csv\" href=\"/api/v1/vif?format=csv\">");
    h_txt(&h, _("Varlık İşlem Fişleri (CSV)"));
    H(&h, "</a> · <a id=\"export-vif-xlsx\" href=\"/api/v1/vif?format=xlsx\">");
    h_txt(&h, _("Varlık İşlem Fişleri (XLSX)"));
    H(&h, "</a>");
  }
  H(&h, "</p>");

  H(&h, "<section class=\"card\" id=\"new-count\"><h2>");
  h_txt(&h, _("Open a count"));
  H(&h, "</h2><p class=\"hint\">");
  h_txt(&h, _("Name a unit, a location or shared spaces. Items on a Teslim Belgesi are taken from the records. "
              "While the count is open, the movements of its assets are frozen."));
  H(&h, "</p>");
  if (err)
    page_alert(&h, err);
  H(&h, "<form method=\"post\" action=\"/assets/counts\" class=\"grid\" id=\"new-count-form\">");
  page_csrf(r, &h);
  text_input(&h, "title", _("Title"), "text");
  H(&h, "<label for=\"reason\">");
  h_txt(&h, _("Reason"));
  H(&h, "</label><select id=\"reason\" name=\"reason\">");
  h_option(&h, "yil_sonu", _("Year end (yıl sonu)"), true);
  h_option(&h, "emir", _("Ordered (emir)"), false);
  H(&h, "</select>");
  text_input(&h, "order_ref", _("Order (emir) reference"), "text");
  text_input(&h, "date", _("Date"), "date");
  H(&h, "<label for=\"unit\">");
  h_txt(&h, _("Unit"));
  H(&h, "</label><select id=\"unit\" name=\"unit\"><option value=\"\"></option>");
  db_stmt *q = db_q(db_thread(), "SELECT code, name FROM units WHERE active = 1 ORDER BY path LIMIT 1000", "");
  while (q && db_step(q) == DB_ROW)
    h_option(&h, db_col_text(q, 0), arena_printf(r->a, "%s %s", db_col_text(q, 0), db_col_text(q, 1)), false);
  db_done(q);
  H(&h, "</select>");
  text_input(&h, "building", _("Building"), "text");
  text_input(&h, "floor", _("Floor"), "text");
  text_input(&h, "room", _("Room"), "text");
  text_input(&h, "spaces", _("Shared spaces (comma separated)"), "text");
  H(&h, "<label for=\"kurul\">");
  h_txt(&h, _("Kurul (at least three)"));
  H(&h, "</label><select id=\"kurul\" name=\"kurul\" multiple size=\"6\">");
  people_options(&h);
  H(&h, "</select><label for=\"kayit_yetkilisi\">");
  h_txt(&h, _("Kayıt yetkilisi"));
  H(&h, "</label><select id=\"kayit_yetkilisi\" name=\"kayit_yetkilisi\"><option value=\"\"></option>");
  people_options(&h);
  H(&h, "</select><label for=\"freeze\">");
  h_txt(&h, _("Freeze movements"));
  H(&h, "</label><input id=\"freeze\" name=\"freeze\" type=\"checkbox\" value=\"1\" checked>"
        "<button type=\"submit\" class=\"primary\" id=\"new-count-submit\">");
  h_txt(&h, _("Open the count"));
  H(&h, "</button></form></section>");
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_counts(request *r)
{
  return list_page(r, 200, NULL);
}

int assets_form_count_open(request *r)
{
  json_t *in = json_object();
  static const char *const keys[] = {"title", "reason", "order_ref", "date", "unit", "building", "floor", "room"};
  for (size_t i = 0; i < ARRAY_LEN(keys); i++)
    put_str(in, r, keys[i]);
  json_t *kurul = json_array(), *spaces = json_array();
  for (int i = 0; i < r->nform; i++) {
    int64_t p;
    if (str_eq(r->form[i].k, "kurul") && !parse_i64(r->form[i].v, &p))
      json_array_append_new(kurul, json_integer(p));
  }
  json_object_set_new(in, "kurul", kurul);
  const char *v = req_form(r, "spaces");
  if (v && *v) {
    char *list = arena_strdup(r->a, v);
    for (char *save = NULL, *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
      while (*t == ' ')
        t++;
      if (*t)
        json_array_append_new(spaces, json_string(t));
    }
  }
  if (json_array_size(spaces))
    json_object_set_new(in, "spaces", spaces);
  else
    json_decref(spaces);
  int64_t kayit = 0;
  v = req_form(r, "kayit_yetkilisi");
  if (v && *v && !parse_i64(v, &kayit))
    json_object_set_new(in, "kayit_yetkilisi", json_integer(kayit));
  json_object_set_new(in, "freeze", json_boolean(str_eq(req_form(r, "freeze"), "1")));
  json_t *out;
  int status = page_call_api(r, assets_api_count_open, in, &out);
  if (status < 0)
    return -1;
  if (status != 201) {
    int rc = list_page(r, status, out);
    json_decref(out);
    return rc;
  }
  int64_t id = jsonx_int(out, "id", 0);
  json_decref(out);
  return http_redirect(r, arena_printf(r->a, "/assets/counts/%lld", (long long)id));
}

/* ---- one count -------------------------------------------------------------------------------- */

static const char *kind_label(const char *kind)
{
  if (str_eq(kind, "records"))
    return _("Taken from the records (Teslim Belgesi)");
  if (str_eq(kind, "unexpected"))
    return _("Not expected");
  if (str_eq(kind, "unregistered"))
    return _("Not in the register");
  return _("Expected");
}

static void progress_table(html *h, json_t *c)
{
  json_t *p = json_object_get(c, "progress");
  H(h, "<table class=\"list\" id=\"count-progress\"><thead><tr><th>");
  h_txt(h, _("Expected"));
  H(h, "</th><th>");
  h_txt(h, _("Found"));
  H(h, "</th><th>");
  h_txt(h, _("Taken from the records"));
  H(h, "</th><th>");
  h_txt(h, _("Not expected"));
  H(h, "</th><th>");
  h_txt(h, _("Not in the register"));
  H(h, "</th></tr></thead><tbody><tr>");
  cell_int(h, "count-expected", jsonx_int(p, "expected", 0));
  cell_int(h, "count-found", jsonx_int(p, "found", 0));
  cell_int(h, "count-records", jsonx_int(p, "records", 0));
  cell_int(h, "count-unexpected", jsonx_int(p, "unexpected", 0));
  cell_int(h, "count-unregistered", jsonx_int(p, "unregistered", 0));
  H(h, "</tr></tbody></table>");
  if (str_eq(jsonx_text(c, "state"), "ikinci")) {
    H(h, "<p id=\"count-recount\">");
    h_txt(h, _("Recount (ikinci sayım)"));
    H(h, ": ");
    h_int(h, jsonx_int(p, "recounted", 0));
    H(h, " / ");
    h_int(h, jsonx_int(p, "recount", 0));
    H(h, "</p>");
  }
}

static void lines_table(html *h, json_t *lines, const char *id)
{
  H(h, "<table class=\"list\" id=\"");
  h_attr(h, id);
  H(h, "\"><thead><tr><th>");
  h_txt(h, _("Sicil no / code"));
  H(h, "</th><th>");
  h_txt(h, _("Name"));
  H(h, "</th><th>");
  h_txt(h, _("Line"));
  H(h, "</th><th>");
  h_txt(h, _("First pass"));
  H(h, "</th><th>");
  h_txt(h, _("Recount"));
  H(h, "</th><th>");
  h_txt(h, _("Difference"));
  H(h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *l;
  json_array_foreach(lines, i, l)
  {
    H(h, "<tr>");
    h_cell(h, *jsonx_text(l, "sicil_no") ? jsonx_text(l, "sicil_no") : jsonx_text(l, "scan_code"));
    h_cell(h, jsonx_text(l, "name"));
    H(h, "<td>");
    h_txt(h, kind_label(jsonx_text(l, "kind")));
    if (*jsonx_text(l, "holder") || *jsonx_text(l, "space")) {
      H(h, ": ");
      h_txt(h, *jsonx_text(l, "holder") ? jsonx_text(l, "holder") : jsonx_text(l, "space"));
    }
    H(h, "</td>");
    h_cell(h, jsonx_bool(l, "found1", false) ? _("found") : "-");
    json_t *f2 = json_object_get(l, "found2");
    h_cell(h, json_is_null(f2) || !f2 ? "" : (json_is_true(f2) ? _("found") : _("not found")));
    const char *diff = jsonx_text(l, "difference");
    h_cell(h, str_eq(diff, "fazla") ? _("Fazla") : str_eq(diff, "noksan") ? _("Noksan") : "");
    H(h, "</tr>");
  }
  H(h, "</tbody></table>");
}

static int count_page(request *r, int status, json_t *err)
{
  json_t *c = NULL;
  int fetched;
  if (!page_fetch(r, assets_api_count_get, &c, &fetched))
    return fetched;
  int64_t id = jsonx_int(c, "id", 0);
  const char *state = jsonx_text(c, "state");
  bool manage = jsonx_bool(c, "can_manage", false);
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_text(c, "title"), "/assets/counts");
  H(&h, "<h1 id=\"count-title\">");
  h_txt(&h, jsonx_text(c, "title"));
  H(&h, "</h1>");
  if (err)
    page_alert(&h, err);
  H(&h, "<section class=\"card\"><p id=\"count-state\"><strong>");
  h_txt(&h, jsonx_text(c, "state_label"));
  H(&h, "</strong>");
  if (jsonx_bool(c, "frozen", false) && !str_eq(state, "kesin")) {
    H(&h, " · ");
    h_txt(&h, _("movements frozen"));
  }
  H(&h, "</p>");
  progress_table(&h, c);
  H(&h, "<p>");
  if (!str_eq(state, "kesin")) {
    H(&h, "<a class=\"button primary\" id=\"count-scan-link\" href=\"/assets/counts/");
    h_int(&h, id);
    H(&h, "/scan\">");
    h_txt(&h, _("Scan"));
    H(&h, "</a> ");
  }
  json_t *docs = json_object_get(c, "documents");
  H(&h, "<a class=\"button\" id=\"count-cetvel-xlsx\" href=\"");
  h_attr(&h, jsonx_text(docs, "cetvel_xlsx"));
  H(&h, "\">");
  h_txt(&h, _("Döküm Cetveli (XLSX)"));
  H(&h, "</a> <a class=\"button\" id=\"count-cetvel-pdf\" href=\"");
  h_attr(&h, jsonx_text(docs, "cetvel_pdf"));
  H(&h, "\">");
  h_txt(&h, _("Döküm Cetveli (PDF)"));
  H(&h, "</a> <a class=\"button\" id=\"count-tutanak-pdf\" href=\"");
  h_attr(&h, jsonx_text(docs, "tutanak_pdf"));
  H(&h, "\">");
  h_txt(&h, _("Sayım Tutanağı (PDF)"));
  H(&h, "</a></p>");
  if (manage && !str_eq(state, "kesin")) {
    H(&h, "<form method=\"post\" action=\"/assets/counts/");
    h_int(&h, id);
    if (str_eq(state, "sayim"))
      H(&h, "/close\" id=\"count-close-form\">");
    else
      H(&h, "/finalise\" id=\"count-finalise-form\">");
    page_csrf(r, &h);
    H(&h, "<button type=\"submit\" class=\"primary\" id=\"count-advance\">");
    h_txt(&h, str_eq(state, "sayim") ? _("Close the first pass") : _("Finalise the count"));
    H(&h, "</button></form>");
  }
  H(&h, "</section>");
  json_t *vifs = json_object_get(c, "vifs");
  if (json_array_size(vifs)) {
    H(&h, "<section class=\"card\" id=\"count-vifs\"><h2>");
    h_txt(&h, _("Varlık İşlem Fişleri"));
    H(&h, "</h2><ul>");
    size_t i;
    json_t *v;
    json_array_foreach(vifs, i, v)
    {
      H(&h, "<li>");
      h_txt(&h, jsonx_text(v, "number"));
      H(&h, " · ");
      h_txt(&h, str_eq(jsonx_text(v, "kind"), "giris") ? _("entry") : _("exit"));
      H(&h, " · ");
      h_txt(&h, jsonx_text(v, "date"));
      H(&h, "</li>");
    }
    H(&h, "</ul></section>");
  }
  H(&h, "<section class=\"card\" id=\"count-kurul\"><h2>");
  h_txt(&h, _("Count kurul"));
  H(&h, "</h2><ul>");
  size_t i;
  json_t *k;
  json_array_foreach(json_object_get(c, "kurul"), i, k)
  {
    H(&h, "<li>");
    h_txt(&h, jsonx_text(k, "name"));
    if (*jsonx_text(k, "title")) {
      H(&h, ", ");
      h_txt(&h, jsonx_text(k, "title"));
    }
    H(&h, " (");
    h_txt(&h, str_eq(jsonx_text(k, "role"), "baskan")            ? _("Chair")
              : str_eq(jsonx_text(k, "role"), "kayit_yetkilisi") ? _("Kayıt yetkilisi")
                                                           : _("Member"));
    H(&h, ")</li>");
  }
  H(&h, "</ul></section><section class=\"card\"><h2>");
  h_txt(&h, _("Differences"));
  H(&h, "</h2>");
  json_t *diffs = json_object_get(c, "differences");
  if (json_array_size(diffs))
    lines_table(&h, diffs, "count-differences");
  else {
    H(&h, "<p id=\"count-differences\">");
    h_txt(&h, _("None."));
    H(&h, "</p>");
  }
  H(&h, "</section><section class=\"card\"><h2>");
  h_txt(&h, _("All lines"));
  H(&h, "</h2>");
  lines_table(&h, json_object_get(c, "lines"), "count-lines");
  H(&h, "</section>");
  json_decref(c);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_count(request *r)
{
  return count_page(r, 200, NULL);
}

/* ---- scanning --------------------------------------------------------------------------------- */

/* result: the last scan's reply (NULL: none), err: an error reply. */
static int scan_page(request *r, int status, json_t *result, json_t *err, const char *unknown_code)
{
  json_t *c = NULL;
  int fetched;
  if (!page_fetch(r, assets_api_count_get, &c, &fetched))
    return fetched;
  int64_t id = jsonx_int(c, "id", 0);
  html h;
  html_init(&h);
  page_begin(r, &h, arena_printf(r->a, "%s: %s", _("Scan"), jsonx_text(c, "title")), "/assets/counts");
  H(&h, "<div class=\"scan\"><h1>");
  h_txt(&h, jsonx_text(c, "title"));
  H(&h, "</h1><p class=\"muted\">");
  h_txt(&h, jsonx_text(c, "state_label"));
  H(&h, "</p>");
  if (result) {
    const char *res = jsonx_text(result, "result");
    H(&h, "<p id=\"scan-result\" role=\"status\" class=\"");
    h_attr(&h, str_eq(res, "found") || str_eq(res, "records") ? "notice" : "alert");
    H(&h, "\" data-result=\"");
    h_attr(&h, res);
    H(&h, "\">");
    h_txt(&h, jsonx_text(result, "message"));
    json_t *l = json_object_get(result, "line");
    if (json_is_object(l)) {
      H(&h, " <strong>");
      h_txt(&h, *jsonx_text(l, "sicil_no") ? jsonx_text(l, "sicil_no") : jsonx_text(l, "scan_code"));
      H(&h, "</strong> ");
      h_txt(&h, jsonx_text(l, "name"));
    }
    H(&h, "</p>");
  }
  if (err)
    page_alert(&h, err);
  if (str_eq(jsonx_text(c, "state"), "kesin")) {
    H(&h, "<p id=\"scan-closed\">");
    h_txt(&h, _("This count is finalised; it cannot change any more."));
    H(&h, "</p>");
  } else {
    H(&h, "<form method=\"post\" action=\"/assets/counts/");
    h_int(&h, id);
    H(&h, "/scan\" id=\"scan-form\" autocomplete=\"off\">");
    page_csrf(r, &h);
    H(&h, "<label for=\"scan-code\">");
    h_txt(&h, _("Label, sicil no or serial"));
    H(&h, "</label><input id=\"scan-code\" name=\"code\" class=\"scan-input\" autofocus required"
          " autocapitalize=\"characters\" spellcheck=\"false\" enterkeyhint=\"send\" value=\"");
    h_attr(&h, unknown_code);
    H(&h, "\">");
    if (unknown_code) {
      H(&h, "<label for=\"scan-description\">");
      h_txt(&h, _("Description of the unregistered item"));
      H(&h, "</label><input id=\"scan-description\" name=\"description\" class=\"scan-input\" required>");
    }
    H(&h, "<button type=\"submit\" class=\"primary scan-button\" id=\"scan-submit\">");
    h_txt(&h, _("Record"));
    H(&h, "</button></form>");
  }
  progress_table(&h, c);
  H(&h, "<p><a href=\"/assets/counts/");
  h_int(&h, id);
  H(&h, "\">");
  h_txt(&h, _("Back to the count"));
  H(&h, "</a></p></div>");
  json_decref(c);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int assets_page_count_scan(request *r)
{
  return scan_page(r, 200, NULL, NULL, NULL);
}

int assets_form_count_action(request *r)
{
  const char *action = req_param(r, "action"), *cid = req_param(r, "cid");
  json_t *out = NULL;
  int status;
  if (str_eq(action, "scan")) {
    json_t *in = json_object();
    put_str(in, r, "code");
    put_str(in, r, "description");
    status = page_call_api(r, assets_api_count_scan, in, &out);
    if (status < 0)
      return -1;
    int rc;
    if (status == 200) {
      rc = scan_page(r, 200, out, NULL, NULL);
    } else if (status == 404 || status == 403) {
      json_t *e = json_object_get(out, "error");
      rc = http_error(r, status, jsonx_text(e, "code"), jsonx_text(e, "message"), NULL);
    } else {
      /* An unknown code: the same code again with a description. */
      json_t *f = json_object_get(json_object_get(out, "error"), "fields");
      const char *code = json_object_get(f, "description") ? req_form(r, "code") : NULL;
      rc = scan_page(r, status, NULL, out, code);
    }
    json_decref(out);
    return rc;
  }
  route_fn fn = str_eq(action, "close")      ? assets_api_count_close
                : str_eq(action, "finalise") ? assets_api_count_finalise
                                             : NULL;
  if (!fn)
    return assets_not_found(r);
  status = page_call_api(r, fn, json_object(), &out);
  if (status < 0)
    return -1;
  int rc;
  if (status == 200) {
    rc = http_redirect(r, arena_printf(r->a, "/assets/counts/%s", cid));
  } else if (status == 404 || status == 403) {
    json_t *e = json_object_get(out, "error");
    rc = http_error(r, status, jsonx_text(e, "code"), jsonx_text(e, "message"), NULL);
  } else {
    rc = count_page(r, status, out);
  }
  json_decref(out);
  return rc;
}
