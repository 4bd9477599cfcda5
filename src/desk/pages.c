/* pages.c - the service desk in the browser: the technician queue, "my
 * requests", the self-service form that needs no training, the ticket
 * page with every action the viewer may take, the satisfaction page
 * reached from the resolution mail.
 *
 * Pages do not repeat the rules: they call the API handlers through a
 * small adapter (the form's fields become the JSON object the handler
 * validates; its JSON reply is read back), so a page and the API can
 * never disagree on visibility, validation or workflow. */
#include "desk.h"
#include "desk_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the adapter ------------------------------------------------------------ */

static const char *local_time(request *r, const char *iso)
{
  int64_t t;
  if (!iso || parse_iso8601(iso, &t))
    return "";
  return page_time(r, t);
}

static void status_badge(html *h, json_t *t)
{
  H(h, "<span class=\"badge status-");
  h_attr(h, jsonx_text(t, "status"));
  H(h, "\">");
  h_txt(h, jsonx_text(t, "status_label"));
  H(h, "</span>");
}

static const char *priority_label(const char *key)
{
  return desk_priority_label(desk_priority_from_key(key));
}

/* ---- lists ---------------------------------------------------------------------- */

static void ticket_table(request *r, html *h, json_t *items, bool staff)
{
  H(h, "<table class=\"list\" id=\"tickets\"><thead><tr><th>");
  h_txt(h, _("Number"));
  H(h, "</th><th>");
  h_txt(h, _("Subject"));
  H(h, "</th><th>");
  h_txt(h, staff ? _("Requester") : _("Type"));
  H(h, "</th><th>");
  h_txt(h, _("Unit"));
  H(h, "</th><th>");
  h_txt(h, _("Assignee"));
  H(h, "</th><th>");
  h_txt(h, _("Priority"));
  H(h, "</th><th>");
  h_txt(h, _("Status"));
  H(h, "</th><th>");
  h_txt(h, staff ? _("Resolve by") : _("Opened"));
  H(h, "</th></tr></thead><tbody>");
  size_t i;
  json_t *t;
  json_array_foreach(items, i, t)
  {
    json_t *sla = json_object_get(t, "sla");
    bool breached = jsonx_bool(sla, "resolve_breached", false) || jsonx_bool(sla, "response_breached", false);
    if (breached)
      H(h, "<tr class=\"breached\"><td>");
    else
      H(h, "<tr><td>");
    H(h, "<a href=\"/desk/tickets/");
    h_attr(h, jsonx_text(t, "number"));
    H(h, "\">");
    h_txt(h, jsonx_text(t, "number"));
    H(h, "</a></td><td>");
    h_txt(h, jsonx_text(t, "subject"));
    H(h, "</td><td>");
    h_txt(h, staff ? jsonx_text(json_object_get(t, "requester"), "name") : desk_type_label(jsonx_text(t, "type")));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(t, "unit_name"));
    H(h, "</td><td>");
    h_txt(h, jsonx_text(json_object_get(t, "assignee"), "display_name"));
    H(h, "</td><td>");
    h_txt(h, priority_label(jsonx_text(t, "priority")));
    H(h, "</td><td>");
    status_badge(h, t);
    H(h, "</td><td>");
    h_txt(h, local_time(r, staff ? jsonx_text(sla, "resolve_due") : jsonx_text(t, "created_at")));
    H(h, "</td></tr>");
  }
  if (!json_array_size(items)) {
    H(h, "<tr><td colspan=\"8\" class=\"empty\">");
    h_txt(h, _("No tickets."));
    H(h, "</td></tr>");
  }
  H(h, "</tbody></table>");
}

/* The current query string without cursor, for the next-page link. */
static void next_link(request *r, html *h, const char *base, json_t *page)
{
  const char *next = jsonx_str(page, "next_cursor");
  if (!next)
    return;
  static const char *const keys[] = {"q", "status", "unit", "assignee", "view", "category",
                                     "type", "priority", "breached", "sort", NULL};
  H(h, "<p class=\"pager\"><a id=\"next-page\" href=\"");
  h_attr(h, base);
  H(h, "?cursor=");
  h_url(h, next);
  for (int i = 0; keys[i]; i++) {
    const char *v = req_query(r, keys[i]);
    if (v && *v) {
      H(h, "&amp;");
      h_attr(h, keys[i]);
      H(h, "=");
      h_url(h, v);
    }
  }
  H(h, "\">");
  h_txt(h, _("Next page"));
  H(h, " →</a></p>");
}

/* The list's filters of this request as a query string (for a saved view). */
static const char *view_query(request *r)
{
  static const char *const keys[] = {"q", "status", "unit", "assignee", "view", "category",
                                     "type", "priority", "breached", "sort", NULL};
  buf b;
  buf_init(&b, 2048);
  for (int i = 0; keys[i]; i++) {
    const char *v = req_query(r, keys[i]);
    if (!v || !*v)
      continue;
    buf_printf(&b, "%s%s=", b.len ? "&" : "", keys[i]);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
      if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.", *p))
        buf_printf(&b, "%c", *p);
      else
        buf_printf(&b, "%%%02X", *p);
    }
  }
  const char *out = arena_strdup(r->a, b.overflow ? "" : buf_cstr(&b));
  buf_free(&b);
  return out;
}

int desk_form_view_save(request *r)
{
  json_t *in = json_object();
  json_object_set_new(in, "name", json_string(req_form(r, "name") ? req_form(r, "name") : ""));
  json_object_set_new(in, "query", json_string(req_form(r, "query") ? req_form(r, "query") : ""));
  json_t *out;
  int status = page_call_api(r, desk_api_view_save, in, &out);
  if (status < 0)
    return -1;
  const char *query = status == 201 ? arena_strdup(r->a, jsonx_text(out, "query")) : NULL;
  json_t *e = json_object_get(out, "error");
  int rc = query ? http_redirect(r, arena_printf(r->a, "/desk?%s", query))
                 : http_error(r, status, jsonx_text(e, "code"), jsonx_text(e, "message"), NULL);
  json_decref(out);
  return rc;
}

static const struct {
  const char *label, *query;
} queue_tabs[] = {
    {N_("Assigned to me"), "view=mine&status=open"},
    {N_("New"), "status=yeni"},
    {N_("Open"), "status=open"},
    {N_("Overdue"), "breached=1&status=open"},
    {N_("All"), "view=all"},
};

int desk_page_queue(request *r)
{
  json_t *page;
  int status = page_call_api(r, desk_api_list, NULL, &page);
  if (status < 0)
    return -1;
  if (status != 200) {
    json_decref(page);
    return http_error(r, 400, "validation", _("Some filters are invalid."), NULL);
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Service desk"), "/desk");
  H(&h, "<h1>");
  h_txt(&h, _("Service desk"));
  H(&h, "</h1><nav class=\"filters tabs\">");
  for (size_t i = 0; i < ARRAY_LEN(queue_tabs); i++) {
    H(&h, "<a href=\"/desk?");
    h_attr(&h, queue_tabs[i].query);
    H(&h, "\">");
    h_txt(&h, _(queue_tabs[i].label));
    H(&h, "</a> ");
  }
  db_stmt *st = db_q(db_thread(), "SELECT name, query FROM desk_views WHERE user_id = ? ORDER BY name LIMIT 20", "i",
                     r->user->id);
  while (db_step(st) == DB_ROW) {
    H(&h, "<a class=\"saved-view\" href=\"/desk?");
    h_attr(&h, db_col_text(st, 1));
    H(&h, "\">★ ");
    h_txt(&h, db_col_text(st, 0));
    H(&h, "</a> ");
  }
  db_done(st);
  H(&h, "</nav><form method=\"get\" action=\"/desk\" class=\"filters\" role=\"search\">");
  h_label(&h, "q", _("Search"));
  H(&h, "<input type=\"search\" id=\"q\" name=\"q\" maxlength=\"200\" value=\"");
  h_attr(&h, req_query(r, "q"));
  H(&h, "\">");
  h_label(&h, "f-status", _("Status"));
  H(&h, "<select id=\"f-status\" name=\"status\">");
  const char *sq = req_query(r, "status");
  h_option(&h, "", _("(any)"), !sq || !*sq);
  h_option(&h, "open", _("Open"), sq && str_eq(sq, "open"));
  for (int i = 0; i < DS_COUNT; i++)
    h_option(&h, desk_status_key(i), desk_status_label(i), sq && str_eq(sq, desk_status_key(i)));
  H(&h, "</select>");
  h_label(&h, "f-sort", _("Sort"));
  H(&h, "<select id=\"f-sort\" name=\"sort\">");
  const char *so = req_query(r, "sort");
  const char *sorts[] = {"newest", "oldest", "priority", "due"};
  const char *sort_labels[] = {N_("Newest"), N_("Oldest"), N_("Priority"), N_("Due first")};
  for (int i = 0; i < 4; i++)
    h_option(&h, sorts[i], _(sort_labels[i]), so && str_eq(so, sorts[i]));
  H(&h, "</select><button type=\"submit\">");
  h_txt(&h, _("Filter"));
  H(&h, "</button> <a class=\"button primary\" href=\"/desk/new\">");
  h_txt(&h, _("New ticket"));
  H(&h, "</a></form>");
  ticket_table(r, &h, json_object_get(page, "items"), true);
  next_link(r, &h, "/desk", page);
  /* Save what is on screen as a personal view. */
  H(&h, "<form method=\"post\" action=\"/desk/views\" class=\"filters\" id=\"save-view\">");
  page_csrf(r, &h);
  H(&h, "<input type=\"hidden\" name=\"query\" value=\"");
  h_attr(&h, view_query(r));
  H(&h, "\">");
  h_label(&h, "view-name", _("Save this view as"));
  H(&h, "<input id=\"view-name\" name=\"name\" maxlength=\"100\" required> <button type=\"submit\">");
  h_txt(&h, _("Save"));
  H(&h, "</button></form>");
  json_decref(page);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

int desk_page_mine(request *r)
{
  json_t *page;
  int status = page_call_api(r, desk_api_list, NULL, &page);
  if (status != 200) {
    json_decref(page);
    return status < 0 ? -1 : http_error(r, 400, "validation", _("Some filters are invalid."), NULL);
  }
  json_t *mine = json_incref(json_object_get(page, "items"));
  html h;
  html_init(&h);
  page_begin(r, &h, _("My requests"), "/desk/my");
  H(&h, "<h1>");
  h_txt(&h, _("My requests"));
  H(&h, "</h1><p><a class=\"button primary\" id=\"report-fault\" href=\"/desk/new\">");
  h_txt(&h, _("Report a fault or make a request"));
  H(&h, "</a></p>");
  ticket_table(r, &h, mine, false);
  json_decref(mine);
  next_link(r, &h, "/desk/my", page);
  json_decref(page);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

/* ---- the self-service form ---------------------------------------------------------- */

static void category_options(html *h, const char *selected)
{
  db_stmt *st = db_q(db_thread(),
                     "SELECT c.id, c.name, p.name FROM desk_categories c LEFT JOIN desk_categories p"
                     " ON p.id = c.parent_id WHERE c.active = 1 ORDER BY COALESCE(p.sort, c.sort), c.parent_id IS NOT NULL,"
                     " c.sort LIMIT 500",
                     "");
  h_option(h, "", _("(I don't know)"), !selected || !*selected);
  while (db_step(st) == DB_ROW) {
    char id[24], label[512];
    snprintf(id, sizeof id, "%lld", (long long)db_col_int(st, 0));
    if (db_col_text(st, 2))
      snprintf(label, sizeof label, "%s › %s", db_col_text(st, 2), db_col_text(st, 1));
    else
      snprintf(label, sizeof label, "%s", db_col_text(st, 1));
    h_option(h, id, label, selected && str_eq(selected, id));
  }
  db_done(st);
}

static int new_page(request *r, int status, json_t *err)
{
  html h;
  html_init(&h);
  page_begin(r, &h, _("Report a fault or make a request"), "/desk/my");
  H(&h, "<h1>");
  h_txt(&h, _("Report a fault or make a request"));
  H(&h, "</h1>");
  page_alert(&h, err);
  H(&h, "<form method=\"post\" action=\"/desk/new\" enctype=\"multipart/form-data\" class=\"grid\" id=\"new-ticket\">");
  page_csrf(r, &h);
  H(&h, "<fieldset><legend>");
  h_txt(&h, _("What do you need?"));
  H(&h, "</legend>");
  const char *type = req_form(r, "type") ? req_form(r, "type") : "ariza";
  for (int i = 0; desk_types[i]; i++) {
    H(&h, "<label><input type=\"radio\" name=\"type\" value=\"");
    h_attr(&h, desk_types[i]);
    H(&h, "\"");
    if (str_eq(type, desk_types[i]))
      H(&h, " checked");
    H(&h, "> ");
    h_txt(&h, i == 0 ? _("Something does not work (fault)") : i == 1 ? _("I need something (request)")
                                                               : _("A service (e.g. a meeting set-up)"));
    H(&h, "</label> ");
  }
  H(&h, "</fieldset>");
  h_label(&h, "n-subject", _("In a few words"));
  H(&h, "<input id=\"n-subject\" name=\"subject\" required maxlength=\"200\" placeholder=\"");
  h_attr(&h, _("e.g. The printer in room 204 does not print"));
  H(&h, "\" value=\"");
  h_attr(&h, req_form(r, "subject"));
  H(&h, "\">");
  h_label(&h, "n-body", _("Details (what happened, any error message)"));
  H(&h, "<textarea id=\"n-body\" name=\"body\" rows=\"5\">");
  h_txt(&h, req_form(r, "body"));
  H(&h, "</textarea>");
  h_label(&h, "n-category", _("Topic"));
  H(&h, "<select id=\"n-category\" name=\"category\">");
  category_options(&h, req_form(r, "category"));
  H(&h, "</select>");
  h_label(&h, "n-urgency", _("How urgent is it?"));
  H(&h, "<select id=\"n-urgency\" name=\"urgency\">");
  const char *urg = req_form(r, "urgency") ? req_form(r, "urgency") : "orta";
  h_option(&h, "dusuk", _("Low: it can wait"), str_eq(urg, "dusuk"));
  h_option(&h, "orta", _("Medium: it slows my work"), str_eq(urg, "orta"));
  h_option(&h, "yuksek", _("High: I cannot work"), str_eq(urg, "yuksek"));
  H(&h, "</select>");
  h_label(&h, "n-location", _("Where (building, floor, room)"));
  H(&h, "<input id=\"n-location\" name=\"location\" maxlength=\"200\" value=\"");
  h_attr(&h, req_form(r, "location"));
  H(&h, "\">");
  h_label(&h, "n-asset", _("Device number on its label (if any)"));
  H(&h, "<input id=\"n-asset\" name=\"asset_id\" inputmode=\"numeric\" maxlength=\"12\" value=\"");
  h_attr(&h, req_form(r, "asset_id"));
  H(&h, "\">");
  h_label(&h, "n-file", _("A screenshot or document (optional)"));
  H(&h, "<input type=\"file\" id=\"n-file\" name=\"file\">");
  H(&h, "<button type=\"submit\" class=\"primary\" id=\"new-ticket-submit\">");
  h_txt(&h, _("Send"));
  H(&h, "</button></form>");
  page_end(r, &h);
  return http_html(r, status, &h);
}

int desk_page_new(request *r)
{
  return new_page(r, 200, NULL);
}

/* The form's text fields as the API's JSON (empty fields left out). */
static void put_str(json_t *in, request *r, const char *form_key, const char *json_key)
{
  const char *v = req_form(r, form_key);
  if (v && *v)
    json_object_set_new(in, json_key, json_string(v));
}

static void put_int(json_t *in, request *r, const char *form_key, const char *json_key)
{
  const char *v = req_form(r, form_key);
  int64_t n;
  if (v && *v)
    json_object_set_new(in, json_key, parse_i64(v, &n) ? json_string(v) : json_integer(n));
}

int desk_form_new(request *r)
{
  json_t *in = json_object();
  put_str(in, r, "type", "type");
  if (!json_object_get(in, "type"))
    json_object_set_new(in, "type", json_string("ariza"));
  json_object_set_new(in, "subject", json_string(req_form(r, "subject") ? req_form(r, "subject") : ""));
  put_str(in, r, "body", "body");
  put_int(in, r, "category", "category");
  put_str(in, r, "urgency", "urgency");
  put_str(in, r, "location", "location");
  put_int(in, r, "asset_id", "asset_id");
  json_t *out;
  int status = page_call_api(r, desk_api_create, in, &out);
  if (status < 0)
    return -1;
  if (status != 201) {
    int rc = new_page(r, status, out);
    json_decref(out);
    return rc;
  }
  int64_t id = jsonx_int(out, "id", 0);
  const char *number = arena_strdup(r->a, jsonx_text(out, "number"));
  json_decref(out);
  const struct upload *u = req_file(r, "file");
  if (u && u->len) {
    struct desk_ticket t;
    int64_t aid = 0;
    if (desk_ticket_load(db_thread(), r->a, id, &t) != DB_ROW)
      return -1;
    int rc = desk_attach(r, &t, u->filename, (const unsigned char *)u->data, u->len, &aid);
    if (rc < 0)
      return -1;
    if (rc > 0) /* the ticket stands; say what happened to the file */
      return http_redirect(r, arena_printf(r->a, "/desk/tickets/%s?created=1&file=refused", number));
  }
  return http_redirect(r, arena_printf(r->a, "/desk/tickets/%s?created=1", number));
}

/* Five radio buttons, 1 (poor) to 5 (excellent). */
static void rating_fieldset(html *h)
{
  H(h, "<fieldset class=\"rating\"><legend>");
  h_txt(h, _("How satisfied are you? (1 poor - 5 excellent)"));
  H(h, "</legend>");
  for (int i = 1; i <= 5; i++) {
    char v[2] = {(char)('0' + i), 0};
    H(h, "<label><input type=\"radio\" name=\"rating\" required value=\"");
    h_attr(h, v);
    H(h, "\" id=\"rate-");
    h_attr(h, v);
    H(h, "\"> ");
    h_txt(h, v);
    H(h, "</label> ");
  }
  H(h, "</fieldset>");
}

/* ---- the ticket page ------------------------------------------------------------------ */

static void action_form(request *r, html *h, const char *number, const char *action, const char *id)
{
  H(h, "<form method=\"post\" action=\"/desk/tickets/");
  h_attr(h, number);
  H(h, "/");
  h_attr(h, action);
  H(h, "\" id=\"");
  h_attr(h, id);
  H(h, "\">");
  page_csrf(r, h);
}

static void button(html *h, const char *name, const char *value, const char *label, const char *id)
{
  H(h, "<button type=\"submit\" name=\"");
  h_attr(h, name);
  H(h, "\" value=\"");
  h_attr(h, value);
  H(h, "\" id=\"");
  h_attr(h, id);
  H(h, "\">");
  h_txt(h, label);
  H(h, "</button> ");
}

static void row(html *h, const char *label, const char *value)
{
  H(h, "<tr><th>");
  h_txt(h, label);
  H(h, "</th><td>");
  h_txt(h, value);
  H(h, "</td></tr>");
}

static void workers_select(html *h, int64_t unit, int64_t current)
{
  db_stmt *st = db_q(db_thread(),
                     "SELECT DISTINCT u.id, u.display_name FROM users u JOIN effective_grants g ON g.user_id = u.id"
                     " JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'desk.work' JOIN units gu ON gu.id = g.unit_id"
                     " JOIN units x ON x.id = ? WHERE u.active = 1 AND substr(x.path, 1, length(gu.path)) = gu.path"
                     " ORDER BY u.display_name LIMIT 300",
                     "i", unit);
  H(h, "<select id=\"a-assignee\" name=\"assignee\">");
  h_option(h, "", _("(the unit's queue)"), !current);
  while (db_step(st) == DB_ROW) {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)db_col_int(st, 0));
    h_option(h, id, db_col_text(st, 1), db_col_int(st, 0) == current);
  }
  db_done(st);
  H(h, "</select>");
}

static void comments_section(request *r, html *h, json_t *t)
{
  H(h, "<section class=\"card\" id=\"comments\"><h2>");
  h_txt(h, _("Conversation"));
  H(h, "</h2>");
  H(h, "<article class=\"comment\"><header>");
  h_txt(h, jsonx_text(json_object_get(t, "requester"), "name"));
  H(h, " · ");
  h_txt(h, local_time(r, jsonx_text(t, "created_at")));
  H(h, "</header><p class=\"pre\">");
  h_txt(h, jsonx_text(t, "body"));
  H(h, "</p></article>");
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(t, "comments"), i, c)
  {
    bool internal = jsonx_bool(c, "internal", false);
    if (internal)
      H(h, "<article class=\"comment internal\"><header>");
    else
      H(h, "<article class=\"comment\"><header>");
    h_txt(h, jsonx_text(c, "author"));
    H(h, " · ");
    h_txt(h, local_time(r, jsonx_text(c, "created_at")));
    if (internal) {
      H(h, " · <em>");
      h_txt(h, _("internal note"));
      H(h, "</em>");
    }
    H(h, "</header><p class=\"pre\">");
    h_txt(h, jsonx_text(c, "body"));
    H(h, "</p></article>");
  }
  const char *resolution = jsonx_str(t, "resolution");
  if (resolution) {
    H(h, "<article class=\"comment resolution\"><header>");
    h_txt(h, _("Resolution"));
    H(h, "</header><p class=\"pre\" id=\"resolution\">");
    h_txt(h, resolution);
    H(h, "</p></article>");
  }
  H(h, "</section>");
}

static int ticket_page(request *r, int status, json_t *err)
{
  json_t *t;
  int fetched;
  if (!page_fetch(r, desk_api_get, &t, &fetched))
    return fetched;
  struct desk_ticket rec;
  if (desk_ticket_load(db_thread(), r->a, jsonx_int(t, "id", 0), &rec) != DB_ROW) {
    json_decref(t);
    return -1;
  }
  bool worker = desk_can_work(r, &rec), chief = desk_can_assign(r, &rec), requester = desk_is_requester(r, &rec);
  bool staff = desk_staff(r, &rec);
  const char *number = arena_strdup(r->a, jsonx_text(t, "number"));
  html h;
  html_init(&h);
  page_begin(r, &h, number, staff ? "/desk" : "/desk/my");
  if (req_query(r, "created")) {
    H(&h, "<div class=\"alert ok\" role=\"status\" id=\"created-notice\">");
    h_txt(&h, _("Your request has been registered. Its number is"));
    H(&h, " <strong>");
    h_txt(&h, number);
    H(&h, "</strong>.");
    if (req_query(r, "file")) {
      H(&h, " ");
      h_txt(&h, _("The attached file was not accepted (type or size)."));
    }
    H(&h, "</div>");
  }
  page_alert(&h, err);
  H(&h, "<h1><span id=\"ticket-number\">");
  h_txt(&h, number);
  H(&h, "</span> ");
  h_txt(&h, jsonx_text(t, "subject"));
  H(&h, "</h1><p id=\"ticket-status\">");
  status_badge(&h, t);
  if (jsonx_str(t, "waiting")) {
    H(&h, " ");
    h_txt(&h, desk_wait_label(jsonx_text(t, "waiting")));
  }
  H(&h, "</p><div class=\"columns\"><div>");
  comments_section(r, &h, t);

  if (rec.status != DS_KAPANDI && (worker || requester || desk_is_watcher(db_thread(), rec.id, r->user->id))) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("Write"));
    H(&h, "</h2>");
    action_form(r, &h, number, "comment", "comment-form");
    h_label(&h, "c-body", _("Message"));
    H(&h, "<textarea id=\"c-body\" name=\"body\" rows=\"3\" required></textarea>");
    if (worker) {
      H(&h, "<label><input type=\"checkbox\" name=\"internal\" value=\"1\" id=\"c-internal\"> ");
      h_txt(&h, _("Internal note (the requester does not see it)"));
      H(&h, "</label>");
    }
    H(&h, "<button type=\"submit\" id=\"comment-submit\">");
    h_txt(&h, _("Send"));
    H(&h, "</button></form>");
    H(&h, "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/desk/tickets/");
    h_attr(&h, number);
    H(&h, "/attachments\" id=\"attach-form\">");
    page_csrf(r, &h);
    H(&h, "<input type=\"file\" name=\"file\" id=\"attach-file\"> <button type=\"submit\">");
    h_txt(&h, _("Attach"));
    H(&h, "</button></form></section>");
  }

  /* Requester: confirm, reopen, withdraw, rate. */
  if (requester && !worker) {
    if (rec.status == DS_COZULDU) {
      H(&h, "<section class=\"card\" id=\"requester-actions\"><h2>");
      h_txt(&h, _("Is the problem solved?"));
      H(&h, "</h2>");
      action_form(r, &h, number, "rate", "rate-form");
      rating_fieldset(&h);
      H(&h, "<input name=\"comment\" maxlength=\"1000\" placeholder=\"");
      h_attr(&h, _("A word for the team (optional)"));
      H(&h, "\"> <button type=\"submit\" class=\"primary\" id=\"rate-submit\">");
      h_txt(&h, _("Yes, close it"));
      H(&h, "</button></form>");
      action_form(r, &h, number, "transition", "reopen-form");
      H(&h, "<input type=\"hidden\" name=\"to\" value=\"islemde\"><input name=\"note\" required maxlength=\"2000\""
            " placeholder=\"");
      h_attr(&h, _("What is still wrong?"));
      H(&h, "\"> <button type=\"submit\" id=\"reopen-submit\">");
      h_txt(&h, _("No, reopen"));
      H(&h, "</button></form></section>");
    } else if (rec.status == DS_YENI) {
      action_form(r, &h, number, "transition", "withdraw-form");
      H(&h, "<input type=\"hidden\" name=\"to\" value=\"kapandi\"><button type=\"submit\" id=\"withdraw\">");
      h_txt(&h, _("Withdraw my request"));
      H(&h, "</button></form>");
    }
  }
  H(&h, "</div><aside>");
  H(&h, "<section class=\"card\"><table class=\"details\">");
  row(&h, _("Type"), desk_type_label(jsonx_text(t, "type")));
  json_t *cat = json_object_get(t, "category");
  row(&h, _("Category"), cat ? jsonx_text(cat, "name") : "");
  row(&h, _("Unit"), jsonx_text(t, "unit_name"));
  row(&h, _("Assignee"), jsonx_text(json_object_get(t, "assignee"), "display_name"));
  row(&h, _("Requester"), jsonx_text(json_object_get(t, "requester"), "name"));
  row(&h, _("Priority"), priority_label(jsonx_text(t, "priority")));
  row(&h, _("Location"), jsonx_text(t, "location"));
  row(&h, _("Opened"), local_time(r, jsonx_text(t, "created_at")));
  if (staff) {
    json_t *sla = json_object_get(t, "sla");
    row(&h, _("Respond by"), local_time(r, jsonx_text(sla, "response_due")));
    row(&h, _("Resolve by"), local_time(r, jsonx_text(sla, "resolve_due")));
    if (jsonx_bool(sla, "resolve_breached", false) || jsonx_bool(sla, "response_breached", false))
      row(&h, _("SLA"), _("Breached"));
    char lvl[8];
    snprintf(lvl, sizeof lvl, "%lld", (long long)jsonx_int(t, "level", 1));
    row(&h, _("Support level"), lvl);
    char mins[24];
    snprintf(mins, sizeof mins, "%lld", (long long)jsonx_int(t, "minutes", 0));
    row(&h, _("Time spent (min)"), mins);
  }
  if (jsonx_int(t, "rating", 0)) {
    char rt[8];
    snprintf(rt, sizeof rt, "%lld / 5", (long long)jsonx_int(t, "rating", 0));
    row(&h, _("Satisfaction"), rt);
  }
  H(&h, "</table></section>");

  size_t i;
  json_t *a;
  if (json_array_size(json_object_get(t, "attachments"))) {
    H(&h, "<section class=\"card\" id=\"attachments\"><h2>");
    h_txt(&h, _("Files"));
    H(&h, "</h2><ul>");
    json_array_foreach(json_object_get(t, "attachments"), i, a)
    {
      H(&h, "<li><a href=\"");
      h_attr(&h, jsonx_text(a, "url"));
      H(&h, "\">");
      h_txt(&h, jsonx_text(a, "name"));
      H(&h, "</a></li>");
    }
    H(&h, "</ul></section>");
  }

  if (worker && desk_status_open(rec.status)) {
    H(&h, "<section class=\"card\" id=\"work-actions\"><h2>");
    h_txt(&h, _("Work"));
    H(&h, "</h2>");
    if (!rec.assignee_id || rec.assignee_id != r->user->id) {
      action_form(r, &h, number, "take", "take-form");
      H(&h, "<button type=\"submit\" id=\"take\">");
      h_txt(&h, _("Take it"));
      H(&h, "</button></form>");
    }
    action_form(r, &h, number, "transition", "transition-form");
    h_label(&h, "tr-note", _("Note or resolution"));
    H(&h, "<textarea id=\"tr-note\" name=\"note\" rows=\"2\"></textarea>");
    for (int to = 0; to < DS_COUNT; to++) {
      enum desk_move m = desk_move_check(rec.status, to, rec.assignee_id != 0, true);
      if (m == DM_OK || (m == DM_NEEDS_MANAGER && chief)) {
        char id[32];
        snprintf(id, sizeof id, "to-%s", desk_status_key(to));
        button(&h, "to", desk_status_key(to), desk_status_label(to), id);
      }
    }
    H(&h, "</form>");
    action_form(r, &h, number, "worklog", "worklog-form");
    h_label(&h, "w-minutes", _("Time spent (min)"));
    H(&h, "<input id=\"w-minutes\" name=\"minutes\" type=\"number\" min=\"1\" max=\"1440\" required>");
    H(&h, "<select name=\"mode\" id=\"w-mode\">");
    h_option(&h, "yerinde", _("On site"), true);
    h_option(&h, "uzaktan", _("Remote"), false);
    H(&h, "</select><input name=\"note\" maxlength=\"2000\" placeholder=\"");
    h_attr(&h, _("What was done"));
    H(&h, "\"> <button type=\"submit\" id=\"worklog-submit\">");
    h_txt(&h, _("Record"));
    H(&h, "</button></form>");
    if (rec.level < 2) {
      action_form(r, &h, number, "escalate", "escalate-form");
      H(&h, "<input name=\"note\" required maxlength=\"2000\" placeholder=\"");
      h_attr(&h, _("Why second level support is needed"));
      H(&h, "\"> <button type=\"submit\" id=\"escalate\">");
      h_txt(&h, _("Escalate"));
      H(&h, "</button></form>");
    }
    action_form(r, &h, number, "repair", "repair-form");
    H(&h, "<input name=\"vendor\" required maxlength=\"200\" placeholder=\"");
    h_attr(&h, _("Vendor / service"));
    H(&h, "\"><input name=\"rma_no\" maxlength=\"100\" placeholder=\"");
    h_attr(&h, _("RMA / service number"));
    H(&h, "\"><input name=\"expected_on\" type=\"date\"> <button type=\"submit\">");
    h_txt(&h, _("Send to service"));
    H(&h, "</button></form></section>");
  }
  if (chief && desk_status_open(rec.status)) {
    H(&h, "<section class=\"card\" id=\"assign\"><h2>");
    h_txt(&h, _("Assign"));
    H(&h, "</h2>");
    action_form(r, &h, number, "assign", "assign-form");
    h_label(&h, "a-assignee", _("Person"));
    workers_select(&h, rec.unit_id, rec.assignee_id);
    h_label(&h, "a-unit", _("Or move to unit"));
    H(&h, "<select id=\"a-unit\" name=\"unit\">");
    h_option(&h, "", _("(keep)"), true);
    db_stmt *us = db_q(db_thread(), "SELECT code, name FROM units WHERE active = 1 ORDER BY path LIMIT 500", "");
    while (db_step(us) == DB_ROW)
      h_option(&h, db_col_text(us, 0), db_col_text(us, 1), false);
    db_done(us);
    H(&h, "</select><button type=\"submit\" class=\"primary\" id=\"assign-submit\">");
    h_txt(&h, _("Assign"));
    H(&h, "</button></form>");
    action_form(r, &h, number, "merge", "merge-form");
    H(&h, "<input name=\"into\" required maxlength=\"20\" placeholder=\"BT-000123\"> <button type=\"submit\">");
    h_txt(&h, _("Merge into"));
    H(&h, "</button></form></section>");
  }
  if (staff && json_array_size(json_object_get(t, "repairs"))) {
    H(&h, "<section class=\"card\" id=\"repairs\"><h2>");
    h_txt(&h, _("At the vendor's service"));
    H(&h, "</h2><ul>");
    json_array_foreach(json_object_get(t, "repairs"), i, a)
    {
      H(&h, "<li>");
      h_txt(&h, jsonx_text(a, "vendor"));
      H(&h, " · ");
      h_txt(&h, jsonx_text(a, "rma_no"));
      H(&h, " · ");
      h_txt(&h, jsonx_text(a, "sent_on"));
      H(&h, " → ");
      h_txt(&h, jsonx_str(a, "returned_on") ? jsonx_text(a, "returned_on") : jsonx_text(a, "expected_on"));
      H(&h, "</li>");
    }
    H(&h, "</ul></section>");
  }
  H(&h, "<section class=\"card\" id=\"history\"><h2>");
  h_txt(&h, _("History"));
  H(&h, "</h2><ol class=\"history\">");
  json_array_foreach(json_object_get(t, "history"), i, a)
  {
    H(&h, "<li>");
    h_txt(&h, local_time(r, jsonx_text(a, "at")));
    H(&h, " · ");
    h_txt(&h, jsonx_text(a, "actor"));
    H(&h, " · ");
    h_txt(&h, jsonx_text(a, "kind"));
    if (jsonx_str(a, "to")) {
      H(&h, " → ");
      h_txt(&h, jsonx_text(a, "to"));
    }
    H(&h, "</li>");
  }
  H(&h, "</ol></section></aside></div>");
  json_decref(t);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int desk_page_ticket(request *r)
{
  return ticket_page(r, 200, NULL);
}

/* Each form action: the API handler and how the form becomes its input. */
int desk_form_action(request *r)
{
  const char *action = req_param(r, "action");
  json_t *in = json_object();
  route_fn fn = NULL;
  if (str_eq(action, "comment")) {
    fn = desk_api_comment;
    json_object_set_new(in, "body", json_string(req_form(r, "body") ? req_form(r, "body") : ""));
    json_object_set_new(in, "internal", json_boolean(req_form(r, "internal") && str_eq(req_form(r, "internal"), "1")));
  } else if (str_eq(action, "transition")) {
    fn = desk_api_transition;
    put_str(in, r, "to", "to");
    const char *to = req_form(r, "to");
    /* The page has one text box: it is the resolution when resolving. */
    put_str(in, r, "note", to && str_eq(to, "cozuldu") ? "resolution" : "note");
    put_str(in, r, "waiting", "waiting");
  } else if (str_eq(action, "take")) {
    fn = desk_api_assign;
    json_object_set_new(in, "assignee", json_integer(r->user->id));
  } else if (str_eq(action, "assign")) {
    fn = desk_api_assign;
    put_str(in, r, "unit", "unit");
    const char *a = req_form(r, "assignee");
    int64_t n;
    if (a && *a)
      json_object_set_new(in, "assignee", parse_i64(a, &n) ? json_string(a) : json_integer(n));
    else if (!req_form(r, "unit") || !*req_form(r, "unit"))
      json_object_set_new(in, "assignee", json_null());
  } else if (str_eq(action, "worklog")) {
    fn = desk_api_worklog;
    put_int(in, r, "minutes", "minutes");
    put_str(in, r, "mode", "mode");
    put_str(in, r, "note", "note");
  } else if (str_eq(action, "escalate")) {
    fn = desk_api_escalate;
    put_str(in, r, "note", "note");
  } else if (str_eq(action, "merge")) {
    fn = desk_api_merge;
    put_str(in, r, "into", "into");
  } else if (str_eq(action, "repair")) {
    fn = desk_api_repair_add;
    put_str(in, r, "vendor", "vendor");
    put_str(in, r, "rma_no", "rma_no");
    put_str(in, r, "expected_on", "expected_on");
  } else if (str_eq(action, "rate")) {
    /* The requester rates on the page itself: the ticket's own link. */
    struct desk_ticket t;
    int rc = desk_ticket_from_route(r, &t);
    json_decref(in);
    if (rc)
      return rc < 0 ? -1 : 0;
    if (!desk_is_requester(r, &t) || t.status != DS_COZULDU)
      return desk_forbidden(r);
    int64_t rating = 0;
    const char *rv = req_form(r, "rating");
    if (!rv || parse_i64(rv, &rating) || rating < 1 || rating > 5) {
      json_t *err = json_pack("{s{sss{ss}}}", "error", "message", _("Some fields are invalid."), "fields", "rating",
                              _("Rate from 1 (poor) to 5 (excellent)."));
      rc = ticket_page(r, 400, err);
      json_decref(err);
      return rc;
    }
    const char *comment = req_form(r, "comment");
    comment = comment && *comment ? desk_text(r->a, comment, 1000, true) : NULL;
    char *token = random_token(r->a, 24), hash[65];
    sha256_hex(token, strlen(token), hash);
    db *d = db_thread();
    if (db_run(d, "UPDATE desk_tickets SET rating_token = ? WHERE id = ? AND rating IS NULL", "ti", hash, t.id))
      return -1;
    rc = desk_rate(r, token, rating, comment);
    if (rc < 0)
      return -1;
    return http_redirect(r, arena_printf(r->a, "/desk/tickets/%s", req_param(r, "id")));
  } else {
    json_decref(in);
    return desk_not_found(r);
  }
  return page_submit(r, fn, in, arena_printf(r->a, "/desk/tickets/%s", req_param(r, "id")), ticket_page);
}

int desk_form_attach(request *r)
{
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  const struct upload *u = req_file(r, "file");
  if (!u)
    return http_error(r, 400, "validation", _("Choose a file to attach."), NULL);
  int64_t aid = 0;
  rc = desk_attach(r, &t, u->filename, (const unsigned char *)u->data, u->len, &aid);
  if (rc)
    return rc < 0 ? -1 : 0;
  return http_redirect(r, arena_printf(r->a, "/desk/tickets/%s#attachments", req_param(r, "id")));
}

/* ---- satisfaction from the mail ---------------------------------------------------- */

static int rate_page(request *r, int status, const char *message, bool form)
{
  html h;
  html_init(&h);
  page_begin_bare(r, &h, _("How did we do?"));
  H(&h, "<main class=\"narrow\"><h1>");
  h_txt(&h, _("How did we do?"));
  H(&h, "</h1>");
  if (message) {
    H(&h, "<p class=\"alert\" id=\"rate-message\">");
    h_txt(&h, message);
    H(&h, "</p>");
  }
  if (form) {
    H(&h, "<form method=\"post\" id=\"rate-form\">");
    rating_fieldset(&h);
    H(&h, "<textarea name=\"comment\" rows=\"3\" maxlength=\"1000\" placeholder=\"");
    h_attr(&h, _("A word for the team (optional)"));
    H(&h, "\"></textarea><button type=\"submit\" class=\"primary\" id=\"rate-submit\">");
    h_txt(&h, _("Send"));
    H(&h, "</button></form>");
  }
  H(&h, "</main>");
  page_end(r, &h);
  return http_html(r, status, &h);
}

int desk_page_rate(request *r)
{
  bool rated;
  if (!desk_rating_ticket(db_thread(), req_param(r, "token"), &rated))
    return rate_page(r, 404, _("This link is not valid (any more)."), false);
  if (rated)
    return rate_page(r, 200, _("This ticket has already been rated. Thank you."), false);
  return rate_page(r, 200, NULL, true);
}

int desk_form_rate(request *r)
{
  int64_t rating = 0;
  const char *rv = req_form(r, "rating"), *comment = req_form(r, "comment");
  if (!rv || parse_i64(rv, &rating) || rating < 1 || rating > 5)
    return rate_page(r, 400, _("Rate from 1 (poor) to 5 (excellent)."), true);
  comment = comment && *comment ? desk_text(r->a, comment, 1000, true) : NULL;
  int rc = desk_rate(r, req_param(r, "token"), rating, comment);
  if (rc == 404)
    return rate_page(r, 404, _("This link is not valid (any more)."), false);
  if (rc == 409)
    return rate_page(r, 409, _("This ticket has already been rated. Thank you."), false);
  if (rc)
    return -1;
  return rate_page(r, 200, _("Thank you for your answer."), false);
}

/* ---- settings: categories, routing and SLA targets (desk.manage) ---------------- */

static void unit_select(html *h, const char *id, const char *name, const char *current, bool allow_none)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\">");
  if (allow_none)
    h_option(h, "", _("(from the parent)"), !current || !*current);
  db_stmt *us = db_q(db_thread(), "SELECT code, name FROM units WHERE active = 1 ORDER BY path LIMIT 500", "");
  while (db_step(us) == DB_ROW)
    h_option(h, db_col_text(us, 0), db_col_text(us, 1), current && str_eq(current, db_col_text(us, 0)));
  db_done(us);
  H(h, "</select>");
}

static int settings_page(request *r, int status, json_t *err)
{
  json_t *cats, *sla;
  if (page_call_api(r, desk_api_categories, NULL, &cats) != 200 || page_call_api(r, desk_api_sla, NULL, &sla) != 200) {
    json_decref(cats);
    return -1;
  }
  html h;
  html_init(&h);
  page_begin(r, &h, _("Service desk settings"), "/desk/settings");
  H(&h, "<h1>");
  h_txt(&h, _("Service desk settings"));
  H(&h, "</h1>");
  page_alert(&h, err);
  H(&h, "<section class=\"card\"><h2>");
  h_txt(&h, _("Categories and routing"));
  H(&h, "</h2><p>");
  h_txt(&h, _("Each category goes to a unit's queue; the default routing follows the regulation's service desk "
              "duties (the duty is shown). Subcategories without a unit use their parent's."));
  H(&h, "</p><table class=\"list\" id=\"categories\"><thead><tr><th>");
  h_txt(&h, _("Category"));
  H(&h, "</th><th>");
  h_txt(&h, _("Regulation duty"));
  H(&h, "</th><th>");
  h_txt(&h, _("Unit"));
  H(&h, "</th><th>");
  h_txt(&h, _("Second level"));
  H(&h, "</th><th></th></tr></thead><tbody>");
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(cats, "items"), i, c)
  {
    char fid[48];
    snprintf(fid, sizeof fid, "cat-%lld", (long long)jsonx_int(c, "id", 0));
    H(&h, "<tr><td>");
    if (!json_is_null(json_object_get(c, "parent")))
      H(&h, "↳ ");
    h_txt(&h, jsonx_text(c, "name"));
    H(&h, " <code>");
    h_txt(&h, jsonx_text(c, "code"));
    H(&h, "</code></td><td>");
    h_txt(&h, jsonx_text(c, "duty"));
    H(&h, "</td><td colspan=\"3\"><form method=\"post\" action=\"/desk/settings/category\" id=\"");
    h_attr(&h, fid);
    H(&h, "\" class=\"inline\">");
    page_csrf(r, &h);
    H(&h, "<input type=\"hidden\" name=\"id\" value=\"");
    h_int(&h, jsonx_int(c, "id", 0));
    H(&h, "\"><input type=\"hidden\" name=\"code\" value=\"");
    h_attr(&h, jsonx_text(c, "code"));
    H(&h, "\"><input type=\"hidden\" name=\"name\" value=\"");
    h_attr(&h, jsonx_text(c, "name"));
    H(&h, "\">");
    unit_select(&h, arena_printf(r->a, "%s-unit", fid), "unit", jsonx_str(c, "unit"), true);
    unit_select(&h, arena_printf(r->a, "%s-l2", fid), "l2_unit", jsonx_str(c, "l2_unit"), true);
    H(&h, " <button type=\"submit\">");
    h_txt(&h, _("Save"));
    H(&h, "</button></form></td></tr>");
  }
  H(&h, "</tbody></table></section>");
  H(&h, "<section class=\"card\"><h2>");
  h_txt(&h, _("SLA targets (working minutes)"));
  H(&h, "</h2><table class=\"list\" id=\"sla\"><thead><tr><th>");
  h_txt(&h, _("Category"));
  H(&h, "</th><th>");
  h_txt(&h, _("Priority"));
  H(&h, "</th><th>");
  h_txt(&h, _("First response"));
  H(&h, "</th><th>");
  h_txt(&h, _("Resolution"));
  H(&h, "</th></tr></thead><tbody>");
  json_array_foreach(json_object_get(sla, "items"), i, c)
  {
    H(&h, "<tr><td>");
    h_txt(&h, json_is_null(json_object_get(c, "category")) ? _("(all)") : jsonx_text(c, "category_code"));
    H(&h, "</td><td>");
    h_txt(&h, priority_label(jsonx_text(c, "priority")));
    H(&h, "</td><td class=\"num\">");
    h_int(&h, jsonx_int(c, "response_minutes", 0));
    H(&h, "</td><td class=\"num\">");
    h_int(&h, jsonx_int(c, "resolve_minutes", 0));
    H(&h, "</td></tr>");
  }
  H(&h, "</tbody></table><form method=\"post\" action=\"/desk/settings/sla\" class=\"filters\" id=\"sla-form\">");
  page_csrf(r, &h);
  h_label(&h, "s-category", _("Category"));
  H(&h, "<select id=\"s-category\" name=\"category\">");
  h_option(&h, "", _("(all)"), true);
  json_array_foreach(json_object_get(cats, "items"), i, c)
  {
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)jsonx_int(c, "id", 0));
    h_option(&h, id, jsonx_text(c, "name"), false);
  }
  H(&h, "</select>");
  h_label(&h, "s-priority", _("Priority"));
  H(&h, "<select id=\"s-priority\" name=\"priority\">");
  for (int p = 1; p <= 4; p++)
    h_option(&h, desk_priority_key(p), desk_priority_label(p), p == 3);
  H(&h, "</select>");
  h_label(&h, "s-response", _("First response"));
  H(&h, "<input id=\"s-response\" name=\"response_minutes\" type=\"number\" min=\"1\" required>");
  h_label(&h, "s-resolve", _("Resolution"));
  H(&h, "<input id=\"s-resolve\" name=\"resolve_minutes\" type=\"number\" min=\"1\" required> <button type=\"submit\">");
  h_txt(&h, _("Save"));
  H(&h, "</button></form><p><a href=\"/calendar\">");
  h_txt(&h, _("Working hours and holidays are on the calendar page."));
  H(&h, "</a></p></section>");
  json_decref(cats);
  json_decref(sla);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int desk_page_settings(request *r)
{
  return settings_page(r, 200, NULL);
}

int desk_form_settings(request *r)
{
  const char *what = req_param(r, "what");
  json_t *in = json_object();
  route_fn fn;
  if (str_eq(what, "category")) {
    fn = desk_api_category_save;
    put_int(in, r, "id", "id");
    put_str(in, r, "code", "code");
    put_str(in, r, "name", "name");
    const char *u = req_form(r, "unit"), *l2 = req_form(r, "l2_unit");
    json_object_set_new(in, "unit", u && *u ? json_string(u) : json_null());
    json_object_set_new(in, "l2_unit", l2 && *l2 ? json_string(l2) : json_null());
  } else if (str_eq(what, "sla")) {
    fn = desk_api_sla_save;
    put_int(in, r, "category", "category");
    put_str(in, r, "priority", "priority");
    put_int(in, r, "response_minutes", "response_minutes");
    put_int(in, r, "resolve_minutes", "resolve_minutes");
  } else {
    json_decref(in);
    return desk_not_found(r);
  }
  return page_submit(r, fn, in, "/desk/settings", settings_page);
}
