/* pages.c - handover in the browser: the list of cases with the form to
 * open one, and a case's checklist with a close form per open line and
 * the refresh / complete / cancel buttons. Pages call the API handlers
 * (page_call_api), so the rules and the audit trail are the API's. */
#include "handover_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdlib.h>
#include <string.h>

static const char *s_(json_t *o, const char *k)
{
  const char *s = jsonx_str(o, k);
  return s ? s : "";
}

static void form_int(json_t *in, request *r, const char *field, const char *key)
{
  const char *v = req_form(r, field);
  char *end = NULL;
  long long n = v && *v ? strtoll(v, &end, 10) : 0;
  if (v && *v && !*end)
    json_object_set_new(in, key, json_integer(n));
}

static void form_str(json_t *in, request *r, const char *field, const char *key)
{
  const char *v = req_form(r, field);
  if (v && *v)
    json_object_set_new(in, key, json_string(v));
}

static int list_render(request *r, json_t *err)
{
  json_t *all = NULL;
  int st = page_call_api(r, handover_api_list, NULL, &all);
  if (st != 200) {
    json_decref(all);
    return st < 0 ? -1 : http_error(r, 400, "validation", _("Some filters are invalid."), NULL);
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Handover"), "/handover");
  if (err)
    page_alert(&h, err);
  H(&h, "<table id=\"handover-cases\"><thead><tr><th>#</th><th>");
  h_txt(&h, _("Person"));
  H(&h, "</th><th>");
  h_txt(&h, _("Kind"));
  H(&h, "</th><th>");
  h_txt(&h, _("Effective date"));
  H(&h, "</th><th>");
  h_txt(&h, _("Status"));
  H(&h, "</th><th>");
  h_txt(&h, _("Open lines"));
  H(&h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(all, "items"), i, c)
  {
    H(&h, "<tr><td><a href=\"/handover/cases/");
    h_int(&h, jsonx_int(c, "id", 0));
    H(&h, "\">");
    h_int(&h, jsonx_int(c, "id", 0));
    H(&h, "</a></td><td>");
    h_txt(&h, s_(json_object_get(c, "person"), "name"));
    H(&h, "</td><td>");
    h_txt(&h, s_(c, "kind_label"));
    H(&h, "</td><td>");
    h_txt(&h, s_(c, "effective_date"));
    H(&h, "</td><td>");
    h_txt(&h, s_(c, "state_label"));
    H(&h, "</td><td>");
    h_int(&h, jsonx_int(c, "open_lines", 0));
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(all);
  if (rbac_has(r->user->id, "handover.manage")) {
    H(&h, "<h2>");
    h_txt(&h, _("Open a handover case"));
    H(&h, "</h2><form method=\"post\" action=\"/handover\" id=\"handover-open\">");
    page_csrf(r, &h);
    static const struct {
      const char *id, *label, *type;
    } f[] = {
        {"person", N_("Person (id)"), "number"},       {"successor", N_("Successor (person id)"), "number"},
        {"effective_date", N_("Effective date"), "date"}, {"new_unit", N_("New unit (code, transfer only)"), "text"},
        {"witness", N_("Witness (death only)"), "text"}, {"note", N_("Note"), "text"},
    };
    H(&h, "<label for=\"f-kind\">");
    h_txt(&h, _("Kind"));
    H(&h, "</label><select id=\"f-kind\" name=\"kind\">");
    h_option(&h, "ayrilis", _("leaving"), true);
    h_option(&h, "nakil", _("transfer to another unit"), false);
    h_option(&h, "vefat", _("death"), false);
    H(&h, "</select>");
    for (size_t k = 0; k < ARRAY_LEN(f); k++) {
      H(&h, "<label for=\"f-");
      h_attr(&h, f[k].id);
      H(&h, "\">");
      h_txt(&h, _(f[k].label));
      H(&h, "</label><input id=\"f-");
      h_attr(&h, f[k].id);
      H(&h, "\" name=\"");
      h_attr(&h, f[k].id);
      H(&h, "\" type=\"");
      h_attr(&h, f[k].type);
      H(&h, "\">");
    }
    H(&h, "<button type=\"submit\" class=\"primary\">");
    h_txt(&h, _("Open"));
    H(&h, "</button></form>");
  }
  page_end(r, &h);
  return http_html(r, err ? 400 : 200, &h);
}

int handover_page_list(request *r)
{
  return list_render(r, NULL);
}

int handover_form_open(request *r)
{
  json_t *in = json_object();
  form_int(in, r, "person", "person");
  form_int(in, r, "successor", "successor");
  form_str(in, r, "kind", "kind");
  form_str(in, r, "effective_date", "effective_date");
  form_str(in, r, "new_unit", "new_unit");
  form_str(in, r, "witness", "witness");
  form_str(in, r, "note", "note");
  json_t *out = NULL;
  int st = page_call_api(r, handover_api_create, in, &out);
  if (st < 0)
    return -1;
  int rc;
  if (st == 201)
    rc = http_redirect(r, arena_printf(r->a, "/handover/cases/%lld", (long long)jsonx_int(out, "id", 0)));
  else
    rc = list_render(r, out);
  json_decref(out);
  return rc;
}

static int case_render(request *r, json_t *err, int status)
{
  json_t *c = NULL;
  int st = page_call_api(r, handover_api_get, NULL, &c);
  if (st != 200) {
    json_decref(c);
    return st < 0 ? -1 : http_error(r, st, "not_found", _("No such handover case."), NULL);
  }
  bool manage = rbac_can(r->user->id, "handover.manage", jsonx_int(json_object_get(c, "unit"), "id", 0)) &&
                str_eq(jsonx_str(c, "state"), "acik");
  int64_t id = jsonx_int(c, "id", 0);
  html h;
  html_init(&h);
  page_begin(r, &h,
             arena_printf(r->a, "%s #%lld · %s", _("Handover"), (long long)id, s_(json_object_get(c, "person"), "name")),
             "/handover");
  H(&h, "<p id=\"case-summary\">");
  h_txt(&h, arena_printf(r->a, "%s · %s: %s · %s: %s · %s", s_(c, "kind_label"), _("Successor"),
                         json_is_object(json_object_get(c, "successor"))
                             ? s_(json_object_get(c, "successor"), "name")
                             : "-",
                         _("Effective date"), s_(c, "effective_date"), s_(c, "state_label")));
  H(&h, "</p>");
  if (err)
    page_alert(&h, err);
  H(&h, "<table id=\"checklist\"><thead><tr><th>");
  h_txt(&h, _("Kind"));
  H(&h, "</th><th>");
  h_txt(&h, _("Item"));
  H(&h, "</th><th>");
  h_txt(&h, _("Outcome"));
  H(&h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(c, "lines"), i, l)
  {
    int64_t lid = jsonx_int(l, "id", 0);
    H(&h, "<tr class=\"line-");
    h_attr(&h, s_(l, "state"));
    H(&h, "\" data-source=\"");
    h_attr(&h, s_(l, "source"));
    H(&h, "\"><td>");
    h_txt(&h, s_(l, "source_label"));
    H(&h, "</td><td>");
    h_txt(&h, s_(l, "title"));
    H(&h, "</td><td>");
    if (str_eq(jsonx_str(l, "state"), "open") && manage) {
      H(&h, "<form method=\"post\" action=\"/handover/cases/");
      h_int(&h, id);
      H(&h, "/lines/");
      h_int(&h, lid);
      H(&h, "\">");
      page_csrf(r, &h);
      H(&h, "<select name=\"action\" aria-label=\"action\">");
      size_t k;
      json_t *a;
      json_array_foreach(json_object_get(l, "actions"), k, a)
      {
        const char *lab = handover_action_label(json_string_value(a));
        h_option(&h, json_string_value(a), lab ? _(lab) : json_string_value(a), k == 0);
      }
      H(&h, "</select><input name=\"note\" aria-label=\"note\"><button type=\"submit\">");
      h_txt(&h, _("Close line"));
      H(&h, "</button></form>");
    } else {
      h_txt(&h, str_eq(jsonx_str(l, "state"), "open") ? _("open") : s_(l, "action_label"));
      if (json_is_object(json_object_get(l, "to"))) {
        H(&h, " → ");
        h_txt(&h, s_(json_object_get(l, "to"), "name"));
      }
    }
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table><p><a href=\"/api/v1/handover/cases/");
  h_int(&h, id);
  H(&h, "/tutanak.pdf\">");
  h_txt(&h, _("Handover record (PDF)"));
  H(&h, "</a></p>");
  if (manage) {
    static const struct {
      const char *action, *label;
    } b[] = {{"refresh", N_("Refresh the checklist")}, {"complete", N_("Complete the case")}};
    for (size_t k = 0; k < ARRAY_LEN(b); k++) {
      H(&h, "<form method=\"post\" action=\"/handover/cases/");
      h_int(&h, id);
      H(&h, "/");
      h_attr(&h, b[k].action);
      H(&h, "\">");
      page_csrf(r, &h);
      H(&h, "<button type=\"submit\" id=\"btn-");
      h_attr(&h, b[k].action);
      H(&h, "\">");
      h_txt(&h, _(b[k].label));
      H(&h, "</button></form>");
    }
  }
  json_decref(c);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int handover_page_case(request *r)
{
  return case_render(r, NULL, 200);
}

static int case_redraw(request *r, int status, json_t *err)
{
  return case_render(r, err, status);
}

static int after_call(request *r, int st, json_t *out)
{
  int64_t id = strtoll(req_param(r, "id"), NULL, 10);
  return page_after(r, st, out, arena_printf(r->a, "/handover/cases/%lld", (long long)id), case_redraw);
}

int handover_form_line(request *r)
{
  json_t *in = json_object(), *out = NULL;
  form_str(in, r, "action", "action");
  form_str(in, r, "note", "note");
  form_int(in, r, "successor", "successor");
  int st = page_call_api(r, handover_api_line_close, in, &out);
  return after_call(r, st, out);
}

int handover_form_action(request *r)
{
  const char *a = req_param(r, "action");
  route_fn fn = str_eq(a, "complete") ? handover_api_complete
                : str_eq(a, "refresh") ? handover_api_refresh
                : str_eq(a, "cancel")  ? handover_api_cancel
                                       : NULL;
  if (!fn)
    return http_error(r, 404, "not_found", _("No such page."), NULL);
  json_t *in = json_object(), *out = NULL;
  form_str(in, r, "note", "note");
  int st = page_call_api(r, fn, in, &out);
  return after_call(r, st, out);
}
