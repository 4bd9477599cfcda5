/* pages.c - the netlog pages: the archive's state and alarms with the
 * verification report, the audited query with its evidence and package,
 * and the static address assignments. Every page calls the API handler
 * (page_call_api), so page and API keep one set of rules. */
#include "netlog_int.h"
#include "../core/html.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <string.h>

static const char *js(const json_t *o, const char *k)
{
  const char *s = jsonx_str(o, k);
  return s ? s : "";
}

/* An ISO time from the API shown in Turkish time, or "–". */
static const char *when(request *r, const char *iso)
{
  int64_t t;
  if (!iso || !iso[0] || parse_iso8601(iso, &t))
    return "–";
  return page_time(r, t);
}

static void row_kv(html *h, const char *label, const char *value)
{
  H(h, "<tr><th scope=\"row\">");
  h_txt(h, label);
  H(h, "</th><td>");
  h_txt(h, value);
  H(h, "</td></tr>");
}

static void row_num(html *h, const char *label, int64_t v)
{
  H(h, "<tr><th scope=\"row\">");
  h_txt(h, label);
  H(h, "</th><td>");
  h_int(h, v);
  H(h, "</td></tr>");
}

/* ---- the archive's state ------------------------------------------------------- */

static void alarms_box(request *r, html *h, const json_t *alarms)
{
  if (!json_array_size(alarms)) {
    H(h, "<div class=\"notice\" id=\"netlog-no-alarms\"><p>");
    h_txt(h, _("No open alarms."));
    H(h, "</p></div>");
    return;
  }
  H(h, "<div class=\"alert error\" role=\"alert\" id=\"netlog-alarms\"><ul>");
  size_t i;
  const json_t *a;
  json_array_foreach(alarms, i, a)
  {
    H(h, "<li data-kind=\"");
    h_attr(h, js(a, "kind"));
    H(h, "\"><strong>");
    h_txt(h, js(a, "title"));
    H(h, "</strong>");
    if (js(a, "subject")[0]) {
      H(h, " — ");
      h_txt(h, js(a, "subject"));
    }
    H(h, " <span class=\"muted\">(");
    h_txt(h, js(a, "detail"));
    H(h, "; ");
    h_txt(h, _("since"));
    H(h, " ");
    h_txt(h, when(r, js(a, "raised_at")));
    H(h, ")</span></li>");
  }
  H(h, "</ul></div>");
}

int netlog_page_status(request *r)
{
  json_t *st;
  int status = page_call_api(r, netlog_api_status, NULL, &st);
  if (status != 200) {
    json_decref(st);
    return -1;
  }
  bool manage = rbac_has(r->user->id, "netlog.manage"), ask = rbac_has(r->user->id, "netlog.query");
  html h;
  html_init(&h);
  page_begin(r, &h, _("Access-log archive (Law 5651)"), "/netlog");
  H(&h, "<h1>");
  h_txt(&h, _("Access-log archive (Law 5651)"));
  H(&h, "</h1><p>");
  if (ask) {
    H(&h, "<a class=\"button primary\" id=\"netlog-ask\" href=\"/netlog/query\">");
    h_txt(&h, _("Who had this address?"));
    H(&h, "</a> ");
  }
  if (manage) {
    H(&h, "<a class=\"button\" href=\"/netlog/static\">");
    h_txt(&h, _("Static assignments"));
    H(&h, "</a>");
  }
  H(&h, "</p>");
  alarms_box(r, &h, json_object_get(st, "alarms"));

  const json_t *c = json_object_get(st, "collector"), *t = json_object_get(st, "tsa"), *d = json_object_get(st, "disk"),
               *k = json_object_get(st, "clock"), *ar = json_object_get(st, "archive");
  H(&h, "<div class=\"grid\"><section class=\"card\"><h2>");
  h_txt(&h, _("Collector"));
  H(&h, "</h2><table id=\"netlog-collector\">");
  row_kv(&h, _("Running"), jsonx_bool(c, "running", false) ? _("yes") : _("NO"));
  row_kv(&h, _("Status written"), jsonx_int(c, "updated", 0) ? page_time(r, jsonx_int(c, "updated", 0)) : "–");
  row_num(&h, _("Lines received"), jsonx_int(c, "received", 0));
  row_num(&h, _("Parsed"), jsonx_int(c, "parsed", 0));
  row_num(&h, _("Kept raw (unknown)"), jsonx_int(c, "unknown", 0));
  row_num(&h, _("Dropped"), jsonx_int(c, "dropped", 0));
  row_num(&h, _("Segments in the archive"), jsonx_int(ar, "segments", 0));
  H(&h, "</table></section><section class=\"card\"><h2>");
  h_txt(&h, _("Seals and time stamps"));
  H(&h, "</h2><table id=\"netlog-tsa\">");
  row_kv(&h, _("Time-stamp authority"), jsonx_bool(t, "configured", false)
                                             ? (jsonx_bool(t, "kamusm", false) ? _("Kamu SM (identity header)")
                                                                                : _("configured"))
                                             : _("NOT configured"));
  row_kv(&h, _("Fallback authority"), jsonx_bool(t, "fallback_configured", false) ? _("configured") : _("none"));
  row_num(&h, _("Sealed"), jsonx_int(c, "sealed", 0));
  row_num(&h, _("Stamped"), jsonx_int(c, "stamped", 0));
  row_num(&h, _("Stamped by the fallback"), jsonx_int(t, "fallback_stamps", 0));
  row_num(&h, _("Waiting for a stamp"), jsonx_int(c, "stamps_pending", 0));
  if (jsonx_bool(t, "kamusm", false))
    row_num(&h, _("Kamu SM credits"), jsonx_int(t, "credits", -1));
  if (js(t, "last_error")[0])
    row_kv(&h, _("Last failure"), js(t, "last_error"));
  H(&h, "</table></section><section class=\"card\"><h2>");
  h_txt(&h, _("Disk and clock"));
  H(&h, "</h2><table id=\"netlog-host\">");
  if (json_is_object(d)) {
    row_num(&h, _("Free disk (%)"), jsonx_int(d, "free_percent", 0));
    row_num(&h, _("Free disk (MiB)"), jsonx_int(d, "free_bytes", 0) / (1024 * 1024));
  }
  if (json_is_object(k)) {
    row_kv(&h, _("Clock synchronised (NTP)"), jsonx_bool(k, "synced", false) ? _("yes") : _("NO"));
    row_num(&h, _("Estimated clock error (ms)"), jsonx_int(k, "est_error_ms", 0));
  }
  H(&h, "</table></section></div>");

  H(&h, "<h2>");
  h_txt(&h, _("Log sources"));
  H(&h, "</h2><table id=\"netlog-sources\"><thead><tr><th>");
  h_txt(&h, _("Source"));
  H(&h, "</th><th>");
  h_txt(&h, _("Last line"));
  H(&h, "</th><th>");
  h_txt(&h, _("Lines"));
  H(&h, "</th><th>");
  h_txt(&h, _("Alarm after silence of (minutes)"));
  H(&h, "</th></tr></thead><tbody>");
  size_t i;
  const json_t *s;
  json_array_foreach(json_object_get(st, "sources"), i, s)
  {
    H(&h, "<tr");
    if (jsonx_bool(s, "silent", false))
      H(&h, " class=\"error\"");
    H(&h, "><td>");
    h_txt(&h, js(s, "name"));
    if (jsonx_bool(s, "silent", false)) {
      H(&h, " <strong>");
      h_txt(&h, _("silent"));
      H(&h, "</strong>");
    }
    H(&h, "</td><td>");
    h_txt(&h, when(r, js(s, "last_seen")));
    H(&h, "</td><td>");
    h_int(&h, jsonx_int(s, "lines", 0));
    H(&h, "</td><td>");
    if (manage) {
      H(&h, "<form method=\"post\" action=\"/netlog/sources/");
      h_int(&h, jsonx_int(s, "id", 0));
      H(&h, "\">");
      page_csrf(r, &h);
      H(&h, "<input type=\"number\" min=\"0\" max=\"10080\" name=\"expected_minutes\" aria-label=\"");
      h_attr(&h, _("Alarm after silence of (minutes)"));
      H(&h, "\" value=\"");
      h_int(&h, (jsonx_int(s, "expected_seconds", 0) + 59) / 60);
      H(&h, "\"> <button type=\"submit\">");
      h_txt(&h, _("Save"));
      H(&h, "</button></form>");
    } else {
      h_int(&h, (jsonx_int(s, "expected_seconds", 0) + 59) / 60);
    }
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");

  H(&h, "<h2>");
  h_txt(&h, _("Verify the archive"));
  H(&h, "</h2><p class=\"hint\">");
  h_txt(&h, _("Recomputes every segment's SHA-256, checks every time stamp against the authority's CA and walks "
              "the chain; the PDF report is for experts and courts."));
  H(&h, "</p><form method=\"get\" action=\"/api/v1/netlog/verify\" class=\"filters\" id=\"netlog-verify\">");
  h_label(&h, "verify-from", _("From"));
  H(&h, "<input type=\"date\" id=\"verify-from\" name=\"from\"> ");
  h_label(&h, "verify-to", _("To"));
  H(&h, "<input type=\"date\" id=\"verify-to\" name=\"to\"><input type=\"hidden\" name=\"format\" value=\"pdf\">"
        " <button type=\"submit\" class=\"primary\">");
  h_txt(&h, _("Verification report (PDF)"));
  H(&h, "</button></form>");
  json_decref(st);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

int netlog_form_source(request *r)
{
  json_t *in = json_object();
  int64_t m = -1;
  const char *v = req_form(r, "expected_minutes");
  if (v && v[0] && parse_i64(v, &m) == 0 && m <= 7 * 1440)
    json_object_set_new(in, "expected_seconds", json_integer(m * 60));
  else
    json_object_set_new(in, "expected_seconds", json_integer(-1));
  json_t *out;
  int status = page_call_api(r, netlog_api_source_patch, in, &out);
  if (status < 0)
    return -1;
  json_t *e = json_object_get(out, "error");
  int rc = status == 200 ? http_redirect(r, "/netlog")
                         : http_error(r, status, js(e, "code"), js(e, "message"), NULL);
  json_decref(out);
  return rc;
}

/* ---- the query --------------------------------------------------------------------- */

static void ask_fields(request *r, html *h, bool hidden)
{
  const char *ip = req_form(r, "ip"), *port = req_form(r, "port"), *at = req_form(r, "at"),
             *reason = req_form(r, "reason");
  if (hidden) {
    static const char *const names[] = {"ip", "port", "at", "reason"};
    const char *vals[] = {ip, port, at, reason};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
      H(h, "<input type=\"hidden\" name=\"");
      h_attr(h, names[i]);
      H(h, "\" value=\"");
      h_attr(h, vals[i] ? vals[i] : "");
      H(h, "\">");
    }
    return;
  }
  h_label(h, "q-ip", _("IP address (internal or public)"));
  H(h, "<input id=\"q-ip\" name=\"ip\" required maxlength=\"64\" value=\"");
  h_attr(h, ip ? ip : "");
  H(h, "\">");
  h_label(h, "q-port", _("Public port (NAT; optional)"));
  H(h, "<input id=\"q-port\" name=\"port\" type=\"number\" min=\"1\" max=\"65535\" value=\"");
  h_attr(h, port ? port : "");
  H(h, "\">");
  h_label(h, "q-at", _("Moment (Turkish time)"));
  H(h, "<input id=\"q-at\" name=\"at\" type=\"datetime-local\" step=\"1\" required value=\"");
  h_attr(h, at ? at : "");
  H(h, "\">");
  h_label(h, "q-reason", _("Reason (e.g. the prosecutor's letter: date and number)"));
  H(h, "<textarea id=\"q-reason\" name=\"reason\" required maxlength=\"1000\" rows=\"2\">");
  h_txt(h, reason ? reason : "");
  H(h, "</textarea>");
}

static void evidence_list(request *r, html *h, const json_t *ev)
{
  size_t i;
  const json_t *e;
  H(h, "<ul class=\"evidence\">");
  json_array_foreach(ev, i, e)
  {
    const json_t *seal = json_object_get(e, "seal");
    H(h, "<li><code>");
    h_txt(h, jsonx_str(e, "line") ? jsonx_str(e, "line") : js(e, "line_hex"));
    H(h, "</code><br><span class=\"muted\">");
    h_txt(h, when(r, js(e, "time")));
    H(h, " · ");
    h_txt(h, js(seal, "segment"));
    H(h, " · ");
    if (jsonx_bool(seal, "sealed", false)) {
      h_txt(h, _("sealed"));
      H(h, " ");
      h_txt(h, when(r, js(seal, "sealed_at")));
      H(h, " · SHA-256 ");
      h_txt(h, js(seal, "manifest_sha256"));
    } else {
      h_txt(h, _("not sealed yet (the segment is still open)"));
    }
    H(h, "</span></li>");
  }
  H(h, "</ul>");
}

static void answer_html(request *r, html *h, const json_t *ans)
{
  H(h, "<section id=\"netlog-answer\"><h2>");
  h_txt(h, _("Answer"));
  H(h, "</h2>");
  if (!jsonx_bool(ans, "found", false)) {
    H(h, "<p class=\"notice\" id=\"netlog-nothing\">");
    h_txt(h, _("No record covers this address at that moment."));
    H(h, "</p>");
  }
  const json_t *l = json_object_get(ans, "lease");
  if (json_is_object(l)) {
    H(h, "<h3>");
    h_txt(h, _("DHCP lease"));
    H(h, "</h3><table id=\"netlog-lease\">");
    row_kv(h, _("Address"), js(l, "ip"));
    row_kv(h, "MAC", js(l, "mac"));
    row_kv(h, _("Host name"), js(l, "host")[0] ? js(l, "host") : "–");
    row_kv(h, _("From"), when(r, js(l, "start")));
    row_kv(h, _("Until"), when(r, js(l, "end")));
    H(h, "</table>");
    evidence_list(r, h, json_object_get(l, "evidence"));
  }
  const json_t *lg = json_object_get(ans, "login");
  if (json_is_object(lg)) {
    H(h, "<h3>");
    h_txt(h, _("Signed in (RADIUS, hotspot, portal)"));
    H(h, "</h3><table id=\"netlog-login\">");
    row_kv(h, _("User"), js(lg, "user"));
    row_kv(h, "MAC", js(lg, "mac")[0] ? js(lg, "mac") : "–");
    row_kv(h, _("From"), when(r, js(lg, "start")));
    row_kv(h, _("Until"), js(lg, "end")[0] ? when(r, js(lg, "end")) : _("open"));
    H(h, "</table>");
    evidence_list(r, h, json_object_get(lg, "evidence"));
  }
  size_t i;
  const json_t *n;
  if (json_array_size(json_object_get(ans, "nat"))) {
    H(h, "<h3>");
    h_txt(h, _("NAT sessions"));
    H(h, "</h3>");
    json_array_foreach(json_object_get(ans, "nat"), i, n)
    {
      H(h, "<table class=\"netlog-nat\">");
      row_kv(h, _("Internal"), arena_printf(r->a, "%s:%lld", js(n, "internal_ip"), (long long)jsonx_int(n, "internal_port", 0)));
      row_kv(h, _("Public"), arena_printf(r->a, "%s:%lld", js(n, "public_ip"), (long long)jsonx_int(n, "public_port", 0)));
      row_kv(h, _("Destination"), arena_printf(r->a, "%s:%lld", js(n, "dst_ip"), (long long)jsonx_int(n, "dst_port", 0)));
      row_kv(h, _("Time"), when(r, js(n, "time")));
      row_kv(h, _("User"), js(n, "user")[0] ? js(n, "user") : "–");
      const json_t *nl = json_object_get(n, "lease"), *nu = json_object_get(n, "login");
      if (json_is_object(nl))
        row_kv(h, "MAC", js(nl, "mac"));
      if (json_is_object(nu))
        row_kv(h, _("Signed in"), js(nu, "user"));
      H(h, "</table>");
      evidence_list(r, h, json_object_get(n, "evidence"));
    }
  }
  if (json_array_size(json_object_get(ans, "static"))) {
    H(h, "<h3>");
    h_txt(h, _("Static assignments"));
    H(h, "</h3>");
    json_array_foreach(json_object_get(ans, "static"), i, n)
    {
      H(h, "<table class=\"netlog-static\">");
      row_kv(h, _("Address"), js(n, "ip"));
      row_kv(h, "MAC", js(n, "mac")[0] ? js(n, "mac") : "–");
      row_kv(h, _("Holder"), js(n, "person")[0] ? js(n, "person") : js(n, "holder")[0] ? js(n, "holder") : js(n, "unit"));
      row_kv(h, _("From"), when(r, js(n, "valid_from")));
      row_kv(h, _("Until"), js(n, "valid_to")[0] ? when(r, js(n, "valid_to")) : _("open"));
      H(h, "</table>");
    }
  }
  H(h, "</section>");
}

static int query_page(request *r, int status, const json_t *err, const json_t *ans)
{
  html h;
  html_init(&h);
  page_begin(r, &h, _("Who had this address?"), "/netlog");
  H(&h, "<h1>");
  h_txt(&h, _("Who had this address?"));
  H(&h, "</h1><p class=\"hint\">");
  h_txt(&h, _("Every query and its reason are written to the audit trail before the answer is shown."));
  H(&h, "</p>");
  page_alert(&h, (json_t *)err);
  H(&h, "<form method=\"post\" action=\"/netlog/query\" class=\"grid\" id=\"netlog-query\">");
  page_csrf(r, &h);
  ask_fields(r, &h, false);
  H(&h, "<button type=\"submit\" class=\"primary\" id=\"netlog-query-submit\">");
  h_txt(&h, _("Ask the archive"));
  H(&h, "</button></form>");
  if (ans) {
    answer_html(r, &h, ans);
    H(&h, "<form method=\"post\" action=\"/netlog/export\" id=\"netlog-export\">");
    page_csrf(r, &h);
    ask_fields(r, &h, true);
    H(&h, "<label><input type=\"checkbox\" name=\"segments\" value=\"1\"> ");
    h_txt(&h, _("include the whole segments (large; for an expert examination)"));
    H(&h, "</label> <button type=\"submit\">");
    h_txt(&h, _("Evidence package (ZIP)"));
    H(&h, "</button></form>");
  }
  page_end(r, &h);
  return http_html(r, status, &h);
}

int netlog_page_query(request *r)
{
  return query_page(r, 200, NULL, NULL);
}

static json_t *ask_from_form(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "ip", json_string(req_form(r, "ip") ? req_form(r, "ip") : ""));
  json_object_set_new(in, "at", json_string(req_form(r, "at") ? req_form(r, "at") : ""));
  json_object_set_new(in, "reason", json_string(req_form(r, "reason") ? req_form(r, "reason") : ""));
  int64_t port = 0;
  const char *p = req_form(r, "port");
  if (p && p[0])
    json_object_set_new(in, "port", json_integer(parse_i64(p, &port) ? -1 : port));
  return in;
}

int netlog_form_query(request *r)
{
  json_t *out;
  int status = page_call_api(r, netlog_api_query, ask_from_form(r), &out);
  if (status < 0)
    return -1;
  int rc = status == 200 ? query_page(r, 200, NULL, out) : query_page(r, status, out, NULL);
  json_decref(out);
  return rc;
}

int netlog_form_export(request *r)
{
  json_t *in = ask_from_form(r);
  if (req_form(r, "segments"))
    json_object_set_new(in, "segments", json_true());
  /* the handler writes the ZIP itself; only an error comes back here */
  struct route shadow = *r->route;
  shadow.flags &= ~(unsigned)ROUTE_HTML;
  const struct route *saved = r->route;
  r->route = &shadow;
  r->body_json = in;
  int rc = netlog_api_export(r);
  r->route = saved;
  r->body_json = NULL;
  json_decref(in);
  if (rc || r->status == 200)
    return rc;
  json_t *err = json_loadb(r->out.data ? r->out.data : "", r->out.len, 0, NULL);
  int status = r->status;
  buf_free(&r->out);
  buf_init(&r->out, 0);
  r->status = 200;
  r->content_type = NULL;
  rc = query_page(r, status, err, NULL);
  json_decref(err);
  return rc;
}

/* ---- static assignments --------------------------------------------------------------- */

static int static_page(request *r, int status, const json_t *err)
{
  json_t *list;
  if (page_call_api(r, netlog_api_static_list, NULL, &list) != 200) {
    json_decref(list);
    return -1;
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Static assignments"), "/netlog");
  H(&h, "<h1>");
  h_txt(&h, _("Static assignments"));
  H(&h, "</h1><p class=\"hint\">");
  h_txt(&h, _("Addresses given by hand (servers, printers, cameras, staff with fixed addresses): the archive "
              "answers with them for the period they cover."));
  H(&h, "</p>");
  page_alert(&h, (json_t *)err);
  H(&h, "<form method=\"post\" action=\"/netlog/static\" class=\"grid\" id=\"netlog-static-new\">");
  page_csrf(r, &h);
  static const struct {
    const char *name, *label, *type;
  } f[] = {
      {"ip", N_("IP address"), "text"},         {"mac", N_("MAC address"), "text"},
      {"holder", N_("Holder (person or device owner)"), "text"}, {"device", N_("Device"), "text"},
      {"valid_from", N_("Valid from"), "datetime-local"}, {"valid_to", N_("Valid until (empty: open)"), "datetime-local"},
      {"note", N_("Note"), "text"},
  };
  for (size_t i = 0; i < ARRAY_LEN(f); i++) {
    char id[40];
    snprintf(id, sizeof id, "st-%s", f[i].name);
    h_label(&h, id, _(f[i].label));
    H(&h, "<input id=\"");
    h_attr(&h, id);
    H(&h, "\" name=\"");
    h_attr(&h, f[i].name);
    H(&h, "\" type=\"");
    h_attr(&h, f[i].type);
    H(&h, "\" value=\"");
    h_attr(&h, req_form(r, f[i].name) ? req_form(r, f[i].name) : "");
    H(&h, "\">");
  }
  H(&h, "<button type=\"submit\" class=\"primary\">");
  h_txt(&h, _("Register"));
  H(&h, "</button></form><table id=\"netlog-static\"><thead><tr><th>");
  h_txt(&h, _("Address"));
  H(&h, "</th><th>MAC</th><th>");
  h_txt(&h, _("Holder"));
  H(&h, "</th><th>");
  h_txt(&h, _("Device"));
  H(&h, "</th><th>");
  h_txt(&h, _("From"));
  H(&h, "</th><th>");
  h_txt(&h, _("Until"));
  H(&h, "</th></tr></thead><tbody>");
  size_t i;
  const json_t *s;
  json_array_foreach(json_object_get(list, "items"), i, s)
  {
    H(&h, "<tr><td>");
    h_txt(&h, js(s, "ip"));
    H(&h, "</td><td>");
    h_txt(&h, js(s, "mac"));
    H(&h, "</td><td>");
    h_txt(&h, js(s, "person")[0] ? js(s, "person") : js(s, "holder")[0] ? js(s, "holder") : js(s, "unit"));
    H(&h, "</td><td>");
    h_txt(&h, js(s, "device"));
    H(&h, "</td><td>");
    h_txt(&h, when(r, js(s, "valid_from")));
    H(&h, "</td><td>");
    if (js(s, "valid_to")[0]) {
      h_txt(&h, when(r, js(s, "valid_to")));
    } else {
      H(&h, "<form method=\"post\" action=\"/netlog/static/");
      h_int(&h, jsonx_int(s, "id", 0));
      H(&h, "\">");
      page_csrf(r, &h);
      H(&h, "<input type=\"datetime-local\" name=\"valid_to\" required aria-label=\"");
      h_attr(&h, _("Valid until (empty: open)"));
      H(&h, "\"> <button type=\"submit\">");
      h_txt(&h, _("End"));
      H(&h, "</button></form>");
    }
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table>");
  json_decref(list);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int netlog_page_static(request *r)
{
  return static_page(r, 200, NULL);
}

int netlog_form_static(request *r)
{
  const char *id = req_param(r, "id");
  json_t *in = json_object(), *out;
  int status;
  if (id) {
    json_object_set_new(in, "valid_to", json_string(req_form(r, "valid_to") ? req_form(r, "valid_to") : ""));
    status = page_call_api(r, netlog_api_static_patch, in, &out);
  } else {
    static const char *const names[] = {"ip", "mac", "holder", "device", "valid_from", "valid_to", "note"};
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
      const char *v = req_form(r, names[i]);
      if (v && v[0])
        json_object_set_new(in, names[i], json_string(v));
    }
    if (!json_object_get(in, "ip"))
      json_object_set_new(in, "ip", json_string(""));
    if (!json_object_get(in, "valid_from"))
      json_object_set_new(in, "valid_from", json_string(""));
    status = page_call_api(r, netlog_api_static_add, in, &out);
  }
  if (status < 0)
    return -1;
  int rc;
  if (status == 200 || status == 201) {
    rc = http_redirect(r, "/netlog/static");
  } else if (status == 404 || status == 403) {
    json_t *e = json_object_get(out, "error");
    rc = http_error(r, status, js(e, "code"), js(e, "message"), NULL);
  } else {
    rc = static_page(r, status, out);
  }
  json_decref(out);
  return rc;
}

/* Dashboard: the access-log archive's open alarms. */
void netlog_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "netlog.status"))
    return;
  int64_t n = 0;
  if (db_int(db_thread(), &n, "SELECT COUNT(*) FROM netlog_alarms WHERE cleared_at IS NULL", "") == DB_ROW)
    page_stat_card(h, _("Access-log archive alarms"), n, "/netlog");
}
