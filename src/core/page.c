/* page.c - layout of every HTML page. Pages are server-rendered, work
 * without JavaScript, and use only assets that defter itself serves. */
#include "page.h"
#include "db.h"
#include "i18n.h"
#include "jsonx.h"
#include "module.h"
#include "rbac.h"
#include "schema.h"

#include <stdlib.h>
#include <strings.h>
#include <time.h>

static void head(request *r, html *h, const char *title)
{
  H(h, "<!doctype html>\n<html lang=\"");
  h_attr(h, r->lang);
  H(h, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>");
  h_txt(h, title);
  H(h, " · defter</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
       "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">"
       "<script src=\"/static/app.js\" defer></script></head>\n");
}

void page_csrf(request *r, html *h)
{
  if (!r->user || !r->user->csrf)
    return;
  H(h, "<input type=\"hidden\" name=\"_csrf\" value=\"");
  h_attr(h, r->user->csrf);
  H(h, "\">");
}

static void lang_links(request *r, html *h)
{
  H(h, "<span class=\"lang\" role=\"group\" aria-label=\"");
  h_attr(h, _("Language"));
  H(h, "\">");
  const char *here = html_safe_local_path(r->path);
  const char *langs[][2] = {{"tr", "Türkçe"}, {"en", "English"}};
  for (size_t i = 0; i < 2; i++) {
    if (str_eq(r->lang, langs[i][0])) {
      H(h, "<strong lang=\"");
      h_attr(h, langs[i][0]);
      H(h, "\" aria-current=\"true\">");
      h_txt(h, langs[i][1]);
      H(h, "</strong>");
    } else {
      H(h, "<a lang=\"");
      h_attr(h, langs[i][0]);
      H(h, "\" id=\"lang-");
      h_attr(h, langs[i][0]);
      H(h, "\" href=\"/lang/");
      h_url(h, langs[i][0]);
      H(h, "?next=");
      h_url(h, here);
      H(h, "\">");
      h_txt(h, langs[i][1]);
      H(h, "</a>");
    }
  }
  H(h, "</span>");
}

void page_begin_bare(request *r, html *h, const char *title)
{
  head(r, h, title);
  H(h, "<body class=\"bare\"><a class=\"skip\" href=\"#main\">");
  h_txt(h, _("Skip to content"));
  H(h, "</a><header class=\"top\"><a class=\"brand\" href=\"/\">defter</a><div class=\"spacer\"></div>");
  lang_links(r, h);
  H(h, "</header><main id=\"main\" tabindex=\"-1\">");
}

void page_begin(request *r, html *h, const char *title, const char *active)
{
  db *d = db_thread();
  const char *inst = d ? settings_get(d, r->a, "institution") : NULL;
  const char *dept = d ? settings_get(d, r->a, "department") : NULL;
  head(r, h, title);
  H(h, "<body><a class=\"skip\" href=\"#main\">");
  h_txt(h, _("Skip to content"));
  H(h, "</a><header class=\"top\"><a class=\"brand\" href=\"/\">defter</a>");
  if (inst) {
    H(h, "<span class=\"inst\">");
    h_txt(h, inst);
    if (dept) {
      H(h, " · ");
      h_txt(h, dept);
    }
    H(h, "</span>");
  }
  H(h, "<div class=\"spacer\"></div>");
  lang_links(r, h);
  if (r->user) {
    H(h, "<details class=\"usermenu\"><summary id=\"usermenu\">");
    h_txt(h, r->user->display_name);
    H(h, "</summary><div class=\"menu\"><p class=\"muted\">");
    h_txt(h, r->user->username);
    H(h, "</p><a href=\"/account\">");
    h_txt(h, _("My account"));
    H(h, "</a><form method=\"post\" action=\"/logout\">");
    page_csrf(r, h);
    H(h, "<button type=\"submit\" id=\"logout\">");
    h_txt(h, _("Sign out"));
    H(h, "</button></form></div></details>");
  }
  H(h, "</header><nav class=\"side\" aria-label=\"");
  h_attr(h, _("Main navigation"));
  H(h, "\"><ul>");
  for (size_t m = 0; m < defter_nmodules; m++) {
    const struct defter_module *mod = defter_modules[m];
    for (size_t i = 0; i < mod->nnav; i++) {
      const struct nav_item *n = &mod->nav[i];
      if (!r->user)
        continue;
      if (n->perm && !str_eq(n->perm, PERM_LOGIN) && !rbac_has(r->user->id, n->perm))
        continue;
      H(h, "<li><a href=\"");
      h_attr(h, n->path);
      H(h, "\"");
      if (str_eq(active, n->path))
        H(h, " aria-current=\"page\"");
      H(h, ">");
      h_txt(h, _(n->label));
      H(h, "</a></li>");
    }
  }
  H(h, "</ul></nav><main id=\"main\" tabindex=\"-1\"><h1>");
  h_txt(h, title);
  H(h, "</h1>");
}

void page_end(request *r, html *h)
{
  (void)r;
  H(h, "</main><footer class=\"foot\"><span>defter</span> · <span>");
  h_txt(h, _("Records are kept with an audit trail."));
  H(h, "</span></footer></body></html>\n");
}

void page_error(request *r, int status, const char *message)
{
  html h;
  html_init(&h);
  const char *title = status == 404 ? _("Not found") : status == 403 ? _("Access denied") : _("Error");
  if (r->user)
    page_begin(r, &h, title, NULL);
  else {
    page_begin_bare(r, &h, title);
    H(&h, "<h1>");
    h_txt(&h, title);
    H(&h, "</h1>");
  }
  H(&h, "<div class=\"card error\" role=\"alert\"><p class=\"code\">");
  h_int(&h, status);
  H(&h, "</p><p>");
  h_txt(&h, message);
  H(&h, "</p><p><a href=\"/\">");
  h_txt(&h, _("Back to the start page"));
  H(&h, "</a></p></div>");
  page_end(r, &h);
  http_html(r, status, &h);
}

const char *page_time(request *r, int64_t t)
{
  /* Turkey has used UTC+3 all year since 2016; tzdata may be absent on a
   * minimal system, so the offset is applied directly. */
  time_t tt = (time_t)(t + 3 * 3600);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char out[32];
  strftime(out, sizeof out, "%d.%m.%Y %H:%M", &tm);
  return arena_strdup(r->a, out);
}

void page_stat_card(html *h, const char *label, int64_t value, const char *href)
{
  H(h, "<a class=\"stat card\" href=\"");
  h_attr(h, href);
  H(h, "\"><span class=\"num\">");
  h_int(h, value);
  H(h, "</span><span class=\"label\">");
  h_txt(h, label);
  H(h, "</span></a>");
}

/* ---- pages over API handlers ---------------------------------------------- */

/* Runs an API handler as a JSON route with in as its body (stolen; may be
 * NULL for GET). Returns the parsed JSON reply in *out and its status, or
 * -1 when the handler failed. */
int page_call_api(request *r, route_fn fn, json_t *in, json_t **out)
{
  struct route shadow = *r->route;
  shadow.flags &= ~(unsigned)ROUTE_HTML;
  const struct route *saved = r->route;
  int nheaders = r->nheaders;
  r->route = &shadow;
  r->body_json = in;
  int rc = fn(r);
  /* A file's name is the API reply's, not the page's (Cache-Control of a
   * reply that carried a secret stays). */
  int keep = nheaders;
  for (int i = nheaders; i < r->nheaders; i++)
    if (strcasecmp(r->headers[i].k, "Content-Disposition") != 0)
      r->headers[keep++] = r->headers[i];
  r->nheaders = keep;
  r->route = saved;
  r->body_json = NULL;
  json_decref(in);
  *out = NULL;
  if (rc)
    return -1;
  *out = json_loadb(r->out.data ? r->out.data : "", r->out.len, 0, NULL);
  int status = r->status;
  buf_free(&r->out);
  buf_init(&r->out, 0);
  r->status = 200;
  r->content_type = NULL;
  return status;
}

int page_after(request *r, int status, json_t *out, const char *then, page_redraw_fn redraw)
{
  if (status < 0) {
    json_decref(out);
    return -1;
  }
  int rc;
  if (status >= 200 && status < 300) {
    rc = http_redirect(r, then);
  } else if (status == 403 || status == 404 || !redraw) {
    json_t *e = json_object_get(out, "error");
    const char *code = jsonx_str(e, "code"), *msg = jsonx_str(e, "message");
    rc = http_error(r, status, code ? code : (status == 404 ? "not_found" : "error"),
                    msg ? msg : (status == 404 ? _("The page or resource was not found.") : ""), NULL);
  } else {
    rc = redraw(r, status, out);
  }
  json_decref(out);
  return rc;
}

bool page_fetch(request *r, route_fn fn, json_t **out, int *rc)
{
  int status = page_call_api(r, fn, NULL, out);
  if (status == 200) {
    *rc = 0;
    return true;
  }
  *rc = page_after(r, status < 0 ? -1 : status, *out, "", NULL);
  *out = NULL;
  return false;
}

int page_submit(request *r, route_fn fn, json_t *in, const char *then, page_redraw_fn redraw)
{
  json_t *out = NULL;
  int status = page_call_api(r, fn, in, &out);
  return page_after(r, status, out, then, redraw);
}

/* An error box from an API error reply: its message and field messages. */
void page_alert(html *h, json_t *err)
{
  json_t *e = json_object_get(err, "error");
  if (!e)
    return;
  H(h, "<div class=\"alert error\" role=\"alert\" id=\"form-error\"><p>");
  h_txt(h, jsonx_str(e, "message") ? jsonx_str(e, "message") : "");
  H(h, "</p>");
  json_t *fields = json_object_get(e, "fields");
  const char *k;
  json_t *v;
  if (json_object_size(fields)) {
    H(h, "<ul>");
    json_object_foreach(fields, k, v)
    {
      H(h, "<li>");
      h_txt(h, json_string_value(v));
      H(h, "</li>");
    }
    H(h, "</ul>");
  }
  H(h, "</div>");
}

