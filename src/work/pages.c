/* pages.c - the task pages: the list with its views (my tasks, my unit's
 * tasks, overdue, all), filters and the new-task form; one task with its
 * status buttons, comments, havale form, files and history; and the work
 * programme grid. Plain forms, no JavaScript needed. Files are attached
 * through the API (a plain form cannot send JSON and core does not parse
 * multipart bodies); the page lists them and links their downloads. */
#include "work_int.h"
#include "../core/i18n.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>

enum { PAGE_LIST = 50, SELECT_MAX = 1000 };

/* ---- small pieces ---------------------------------------------------- */

static void alert(html *h, const struct work_err *e)
{
  if (!e || !e->message)
    return;
  H(h, "<p class=\"alert\" role=\"alert\" id=\"form-error\">");
  h_txt(h, e->message);
  const char *k;
  json_t *v;
  json_object_foreach(e->fields, k, v) {
    H(h, " ");
    h_txt(h, k);
    H(h, ": ");
    h_txt(h, json_string_value(v));
  }
  H(h, "</p>");
}

static void option_id(html *h, int64_t value, const char *text, bool selected)
{
  char v[32];
  snprintf(v, sizeof v, "%lld", (long long)value);
  h_option(h, v, text, selected);
}

/* Units, all or only those where the user holds perm. */
static void units_select(request *r, html *h, const char *id, const char *name, int64_t selected, const char *perm,
                         const char *empty)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\">");
  if (empty)
    h_option(h, "", empty, selected == 0);
  db_stmt *st = db_q(db_thread(), "SELECT id, code, name FROM units WHERE active = 1 ORDER BY path LIMIT ?", "i",
                     (int64_t)SELECT_MAX);
  while (db_step(st) == DB_ROW) {
    int64_t uid = db_col_int(st, 0);
    if (perm && !rbac_can(r->user->id, perm, uid))
      continue;
    h_option(h, db_col_text(st, 1), arena_printf(r->a, "%s · %s", db_col_text(st, 1), db_col_text(st, 2)),
           uid == selected);
  }
  db_done(st);
  H(h, "</select>");
}

/* Active users in units where the caller holds task.assign. */
static void users_select(request *r, html *h, const char *id, int64_t selected)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"user\">");
  h_option(h, "", _("(nobody: the unit)"), selected == 0);
  db_stmt *st = db_q(db_thread(),
                     "SELECT u.id, u.display_name, u.username, un.code FROM users u JOIN units un ON un.id = u.unit_id"
                     " WHERE u.active = 1 AND EXISTS (SELECT 1 FROM effective_grants g"
                     "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'task.assign'"
                     "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                     "  AND substr(un.path, 1, length(gu.path)) = gu.path)"
                     " ORDER BY un.path, u.display_name LIMIT ?",
                     "ii", r->user->id, (int64_t)SELECT_MAX);
  while (db_step(st) == DB_ROW)
    option_id(h, db_col_int(st, 0),
              arena_printf(r->a, "%s (%s, %s)", db_col_text(st, 1), db_col_text(st, 2), db_col_text(st, 3)),
              db_col_int(st, 0) == selected);
  db_done(st);
  H(h, "</select>");
}

static void duties_select(request *r, html *h, const char *id, int64_t selected, const char *empty)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"duty\">");
  h_option(h, "", empty, selected == 0);
  db_stmt *st = db_q(db_thread(),
                     "SELECT id, ref, text FROM org_duties WHERE repealed = 0 OR id = ? ORDER BY sort LIMIT ?", "ii",
                     selected, (int64_t)SELECT_MAX);
  while (db_step(st) == DB_ROW) {
    const char *text = db_col_text(st, 2);
    /* Cut long duty texts at a character boundary for the list. */
    size_t n = strlen(text);
    if (n > 90) {
      n = 90;
      while (n && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    }
    option_id(h, db_col_int(st, 0),
              arena_printf(r->a, "%s — %.*s%s", db_col_text(st, 1), (int)n, text, n < strlen(text) ? "…" : ""),
              db_col_int(st, 0) == selected);
  }
  db_done(st);
  H(h, "</select>");
}

static void status_text(html *h, int st)
{
  H(h, "<span class=\"status\" data-status=\"");
  h_attr(h, work_status_key(st));
  H(h, "\">");
  h_txt(h, _(work_status_label(st)));
  H(h, "</span>");
}

static void deadline_text(html *h, const struct work_task *t, int64_t today)
{
  if (!t->deadline) {
    H(h, "—");
    return;
  }
  int64_t dl;
  int y = 0, m = 0, d = 0;
  if (work_date_parse(t->deadline, &dl) == 0)
    work_civil_from_days(dl, &y, &m, &d);
  char shown[16];
  snprintf(shown, sizeof shown, "%02u.%02u.%04u", (unsigned)d % 100u, (unsigned)m % 100u, (unsigned)y % 10000u);
  H(h, "<time datetime=\"");
  h_attr(h, t->deadline);
  H(h, "\">");
  h_txt(h, shown);
  H(h, "</time>");
  if (work_overdue(t, today)) {
    H(h, " <strong class=\"overdue\">");
    h_txt(h, _("overdue"));
    H(h, "</strong>");
  }
}

static void task_link(html *h, int64_t id, const char *title)
{
  H(h, "<a href=\"/tasks/");
  h_int(h, id);
  H(h, "\">");
  h_txt(h, title);
  H(h, "</a>");
}

/* ---- /tasks ------------------------------------------------------------ */

static const struct {
  const char *key;
  const char *label;
} tabs[] = {
    {"mine", N_("My tasks")},
    {"unit", N_("My unit's tasks")},
    {"overdue", N_("Overdue")},
    {"all", N_("All")},
};

static void new_task_form(request *r, html *h, bool heading)
{
  db *d = db_thread();
  int64_t duty = 0, unit = 0;
  const char *dq = req_form(r, "duty") ? req_form(r, "duty") : req_query(r, "duty");
  if (dq && *dq && parse_i64(dq, &duty))
    duty = 0;
  if (duty && db_int(d, &unit, "SELECT unit_id FROM org_duties WHERE id = ?", "i", duty) != DB_ROW)
    duty = unit = 0;
  const char *uf = req_form(r, "unit");
  if (uf && *uf)
    unit = work_unit_id(d, uf);
  int64_t user = 0;
  const char *us = req_form(r, "user");
  if (us && *us && parse_i64(us, &user))
    user = 0;
  H(h, "<section class=\"card\" id=\"new-task\">");
  if (heading) {
    H(h, "<h2>");
    h_txt(h, _("New task"));
    H(h, "</h2>");
  }
  H(h, "<form method=\"post\" action=\"/tasks\" class=\"grid\" id=\"new-task-form\">");
  page_csrf(r, h);
  h_label(h, "t-title", _("Title"));
  H(h, "<input id=\"t-title\" name=\"title\" required maxlength=\"200\" value=\"");
  h_attr(h, req_form(r, "title"));
  H(h, "\">");
  h_label(h, "t-description", _("Description"));
  H(h, "<textarea id=\"t-description\" name=\"description\" rows=\"4\">");
  h_txt(h, req_form(r, "description"));
  H(h, "</textarea>");
  h_label(h, "t-unit", _("Unit"));
  units_select(r, h, "t-unit", "unit", unit, "task.create", _("(the person's unit)"));
  h_label(h, "t-user", _("Person"));
  users_select(r, h, "t-user", user);
  h_label(h, "t-duty", _("Regulation duty"));
  duties_select(r, h, "t-duty", duty, _("(none)"));
  h_label(h, "t-doc", _("Incoming document number"));
  H(h, "<input id=\"t-doc\" name=\"doc_no\" placeholder=\"E-12345678-010.01-1234\" maxlength=\"64\" value=\"");
  h_attr(h, req_form(r, "doc_no"));
  H(h, "\">");
  h_label(h, "t-deadline", _("Deadline"));
  H(h, "<input id=\"t-deadline\" name=\"deadline\" type=\"date\" value=\"");
  h_attr(h, req_form(r, "deadline"));
  H(h, "\">");
  h_label(h, "t-priority", _("Priority"));
  H(h, "<select id=\"t-priority\" name=\"priority\">");
  const char *pf = req_form(r, "priority") ? req_form(r, "priority") : "normal";
  for (size_t i = 0; work_priorities[i]; i++)
    h_option(h, work_priorities[i], _(work_priority_label(work_priorities[i])), str_eq(pf, work_priorities[i]));
  H(h, "</select><button type=\"submit\" class=\"primary\" id=\"new-task-submit\">");
  h_txt(h, _("Create"));
  H(h, "</button></form></section>");
}

static int tasks_page(request *r, int status, struct work_err *form_err)
{
  struct work_err e = {0};
  struct work_filter f;
  if (work_filter_parse(r, &f, PAGE_LIST, &e)) {
    json_decref(e.fields);
    return http_error(r, 400, "validation", _("Some filters are invalid."), NULL);
  }
  const char *vq = req_query(r, "view");
  if (!vq || !*vq) {
    f.view = WV_MINE;
    f.view_key = "mine";
  }
  struct work_task *items;
  size_t n;
  bool more;
  if (work_tasks_query(r, &f, &items, &n, &more))
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Tasks"), "/tasks");
  alert(&h, form_err);
  H(&h, "<nav class=\"filters tabs\" aria-label=\"");
  h_attr(&h, _("Task views"));
  H(&h, "\">");
  for (size_t i = 0; i < ARRAY_LEN(tabs); i++) {
    bool cur = str_eq(f.view_key, tabs[i].key);
    H(&h, "<a id=\"tab-");
    h_attr(&h, tabs[i].key);
    H(&h, "\" href=\"/tasks?view=");
    h_url(&h, tabs[i].key);
    H(&h, "\"");
    if (cur)
      H(&h, " aria-current=\"page\"><strong>");
    else
      H(&h, ">");
    h_txt(&h, _(tabs[i].label));
    if (cur)
      H(&h, "</strong>");
    H(&h, "</a>");
  }
  H(&h, "</nav><form method=\"get\" action=\"/tasks\" class=\"filters\" id=\"task-filters\">"
        "<input type=\"hidden\" name=\"view\" value=\"");
  h_attr(&h, f.view_key);
  H(&h, "\"><div>");
  h_label(&h, "f-status", _("Status"));
  H(&h, "<select id=\"f-status\" name=\"status\">");
  h_option(&h, "", _("(any)"), !f.status);
  for (int s = 0; s < WS_COUNT; s++)
    h_option(&h, work_status_key(s), _(work_status_label(s)), str_eq(f.status, work_status_key(s)));
  H(&h, "</select></div><div>");
  h_label(&h, "f-unit", _("Unit"));
  units_select(r, &h, "f-unit", "unit", f.unit ? work_unit_id(db_thread(), f.unit) : 0, NULL, _("(any)"));
  H(&h, "</div><div>");
  h_label(&h, "f-duty", _("Regulation duty"));
  duties_select(r, &h, "f-duty", f.duty, _("(any)"));
  H(&h, "</div><button type=\"submit\">");
  h_txt(&h, _("Filter"));
  H(&h, "</button></form>");
  int64_t today = work_today();
  if (n == 0) {
    H(&h, "<p class=\"muted\" id=\"no-tasks\">");
    h_txt(&h, _("No tasks here."));
    H(&h, "</p>");
  } else {
    H(&h, "<table class=\"list\" id=\"tasks\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">");
    h_txt(&h, _("Title"));
    H(&h, "</th><th scope=\"col\">");
    h_txt(&h, _("Unit"));
    H(&h, "</th><th scope=\"col\">");
    h_txt(&h, _("Person"));
    H(&h, "</th><th scope=\"col\">");
    h_txt(&h, _("Deadline"));
    H(&h, "</th><th scope=\"col\">");
    h_txt(&h, _("Priority"));
    H(&h, "</th><th scope=\"col\">");
    h_txt(&h, _("Status"));
    H(&h, "</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
      struct work_task *t = &items[i];
      H(&h, "<tr id=\"task-");
      h_int(&h, t->id);
      H(&h, "\"><td>");
      h_int(&h, t->id);
      H(&h, "</td><td>");
      task_link(&h, t->id, t->title);
      if (t->duty_ref) {
        H(&h, "<br><small class=\"muted\">");
        h_txt(&h, t->duty_ref);
        H(&h, "</small>");
      }
      H(&h, "</td><td>");
      h_txt(&h, t->unit_code);
      H(&h, "</td><td>");
      h_txt(&h, t->assignee_name ? t->assignee_name : "—");
      H(&h, "</td><td>");
      deadline_text(&h, t, today);
      H(&h, "</td><td>");
      h_txt(&h, _(work_priority_label(t->priority)));
      H(&h, "</td><td>");
      status_text(&h, t->status);
      H(&h, "</td></tr>");
    }
    H(&h, "</tbody></table>");
  }
  if (more && n) {
    H(&h, "<p><a class=\"button\" id=\"tasks-next\" href=\"/tasks?view=");
    h_url(&h, f.view_key);
    H(&h, "&amp;cursor=");
    h_int(&h, items[n - 1].id);
    static const char *const keep[] = {"status", "unit", "duty"};
    for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
      const char *v = req_query(r, keep[i]);
      if (v && *v) {
        H(&h, "&amp;");
        h_url(&h, keep[i]);
        H(&h, "=");
        h_url(&h, v);
      }
    }
    H(&h, "\">");
    h_txt(&h, _("More tasks"));
    H(&h, "</a></p>");
  }
  if (rbac_has(r->user->id, "task.create"))
    new_task_form(r, &h, true);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int work_page_tasks(request *r)
{
  return tasks_page(r, 200, NULL);
}

/* The new-task form on a page of its own (the coverage report links
 * here with ?duty=). */
int work_page_task_new(request *r)
{
  html h;
  html_init(&h);
  page_begin(r, &h, _("New task"), "/tasks");
  H(&h, "<p><a href=\"/tasks\">");
  h_txt(&h, _("All tasks"));
  H(&h, "</a></p>");
  new_task_form(r, &h, false);
  page_end(r, &h);
  return http_html(r, 200, &h);
}

/* Parses an optional positive id form field into *out. */
static void form_id(request *r, const char *name, int64_t *out, struct work_err *e, const char *msg)
{
  const char *s = req_form(r, name);
  *out = 0;
  if (s && *s && (parse_i64(s, out) || *out <= 0)) {
    *out = 0;
    work_err_field(e, name, msg);
  }
}

int work_form_task_create(request *r)
{
  struct work_err e = {0};
  struct work_task_in in = {
      .title = req_form(r, "title"),
      .description = req_form(r, "description"),
      .unit = req_form(r, "unit"),
      .doc_no = req_form(r, "doc_no"),
      .deadline = req_form(r, "deadline"),
      .priority = req_form(r, "priority"),
  };
  form_id(r, "user", &in.user, &e, _("Unknown or inactive user."));
  form_id(r, "duty", &in.duty, &e, _("Unknown duty."));
  int64_t id = 0;
  int rc = e.fields ? 400 : work_task_create(r, &in, &id, &e);
  if (rc < 0)
    return -1;
  if (rc) {
    rc = tasks_page(r, e.status, &e);
    json_decref(e.fields);
    return rc;
  }
  return http_redirect(r, arena_printf(r->a, "/tasks/%lld", (long long)id));
}

/* ---- /tasks/{id} ------------------------------------------------------- */

static void dl_row(html *h, const char *term, const char *id)
{
  H(h, "<dt>");
  h_txt(h, term);
  H(h, "</dt><dd");
  if (id) {
    H(h, " id=\"");
    h_attr(h, id);
    H(h, "\"");
  }
  H(h, ">");
}

static void task_details(request *r, html *h, const struct work_task *t)
{
  H(h, "<section class=\"card\"><dl id=\"task-fields\">");
  dl_row(h, _("Status"), "task-status");
  status_text(h, t->status);
  H(h, "</dd>");
  dl_row(h, _("Priority"), "task-priority");
  h_txt(h, _(work_priority_label(t->priority)));
  H(h, "</dd>");
  dl_row(h, _("Unit"), "task-unit");
  h_txt(h, t->unit_name);
  H(h, " <span class=\"muted\">");
  h_txt(h, t->unit_code);
  H(h, "</span></dd>");
  dl_row(h, _("Person"), "task-assignee");
  h_txt(h, t->assignee_name ? t->assignee_name : "—");
  H(h, "</dd>");
  dl_row(h, _("Deadline"), "task-deadline");
  deadline_text(h, t, work_today());
  H(h, "</dd>");
  if (t->duty_id) {
    dl_row(h, _("Regulation duty"), "task-duty");
    H(h, "<strong>");
    h_txt(h, t->duty_ref);
    H(h, "</strong> ");
    h_txt(h, t->duty_text);
    H(h, "</dd>");
  }
  if (t->doc_no) {
    dl_row(h, _("Incoming document number"), "task-doc");
    h_txt(h, t->doc_no);
    H(h, "</dd>");
  }
  dl_row(h, _("Created"), NULL);
  h_txt(h, page_time(r, t->created_at));
  if (t->creator_username) {
    H(h, " · ");
    h_txt(h, t->creator_username);
  } else if (t->period) {
    H(h, " · ");
    h_txt(h, _("recurring"));
    H(h, " ");
    h_txt(h, t->period);
  }
  H(h, "</dd></dl>");
  if (t->description && *t->description) {
    H(h, "<p id=\"task-description\" class=\"lead\">");
    h_txt(h, t->description);
    H(h, "</p>");
  }
  H(h, "</section>");
}

static void status_form(request *r, html *h, const struct work_task *t)
{
  json_t *moves = work_allowed_moves(r, t);
  if (json_array_size(moves)) {
    H(h, "<section class=\"card\"><h2>");
    h_txt(h, _("Change status"));
    H(h, "</h2><form method=\"post\" id=\"status-actions\" action=\"/tasks/");
    h_int(h, t->id);
    H(h, "/transition\">");
    page_csrf(r, h);
    h_label(h, "s-note", _("Note (optional)"));
    H(h, "<textarea id=\"s-note\" name=\"note\" rows=\"2\" maxlength=\"1000\"></textarea><p>");
    size_t i;
    json_t *m;
    json_array_foreach(moves, i, m) {
      const char *key = json_string_value(m);
      H(h, "<button type=\"submit\" name=\"to\" id=\"to-");
      h_attr(h, key);
      H(h, "\" value=\"");
      h_attr(h, key);
      H(h, "\">");
      h_txt(h, _(work_status_label(work_status_from_key(key))));
      H(h, "</button> ");
    }
    H(h, "</p></form></section>");
  }
  json_decref(moves);
}

static void comments_section(request *r, html *h, const struct work_task *t)
{
  db *d = db_thread();
  H(h, "<section class=\"card\"><h2>");
  h_txt(h, _("Comments"));
  H(h, "</h2><ul id=\"comments\">");
  db_stmt *st = db_q(d,
                     "SELECT c.body, u.display_name, c.created_at FROM work_comments c JOIN users u ON u.id = c.author_id"
                     " WHERE c.task_id = ? ORDER BY c.id LIMIT 500",
                     "i", t->id);
  while (db_step(st) == DB_ROW) {
    H(h, "<li><strong>");
    h_txt(h, db_col_text(st, 1));
    H(h, "</strong> <small class=\"muted\">");
    h_txt(h, page_time(r, db_col_int(st, 2)));
    H(h, "</small><br>");
    h_txt(h, db_col_text(st, 0));
    H(h, "</li>");
  }
  db_done(st);
  H(h, "</ul>");
  if (work_can_contribute(r, t)) {
    H(h, "<form method=\"post\" id=\"comment-form\" action=\"/tasks/");
    h_int(h, t->id);
    H(h, "/comments\">");
    page_csrf(r, h);
    h_label(h, "c-body", _("Comment"));
    H(h, "<textarea id=\"c-body\" name=\"body\" rows=\"3\" required maxlength=\"4000\"></textarea>"
         "<p><button type=\"submit\" id=\"comment-submit\">");
    h_txt(h, _("Add comment"));
    H(h, "</button></p></form>");
  }
  H(h, "</section>");
}

static void assign_section(request *r, html *h, const struct work_task *t)
{
  if (work_status_final(t->status) || !rbac_can(r->user->id, "task.assign", t->unit_id))
    return;
  H(h, "<section class=\"card\"><h2>");
  h_txt(h, _("Hand over (havale)"));
  H(h, "</h2><form method=\"post\" id=\"assign-form\" class=\"grid\" action=\"/tasks/");
  h_int(h, t->id);
  H(h, "/assign\">");
  page_csrf(r, h);
  h_label(h, "a-unit", _("Unit"));
  units_select(r, h, "a-unit", "unit", 0, "task.assign", _("(the person's unit)"));
  h_label(h, "a-user", _("Person"));
  users_select(r, h, "a-user", 0);
  h_label(h, "a-reason", _("Reason"));
  H(h, "<textarea id=\"a-reason\" name=\"reason\" rows=\"2\" required maxlength=\"1000\"></textarea>"
       "<button type=\"submit\" id=\"assign-submit\">");
  h_txt(h, _("Hand over"));
  H(h, "</button></form></section>");
}

static void attachments_section(request *r, html *h, const struct work_task *t)
{
  H(h, "<section class=\"card\"><h2>");
  h_txt(h, _("Files"));
  H(h, "</h2><ul id=\"attachments\">");
  db_stmt *st = db_q(db_thread(),
                     "SELECT id, name, size, created_at FROM work_attachments WHERE task_id = ? ORDER BY id LIMIT 500",
                     "i", t->id);
  while (db_step(st) == DB_ROW) {
    H(h, "<li><a href=\"/api/v1/tasks/");
    h_int(h, t->id);
    H(h, "/attachments/");
    h_int(h, db_col_int(st, 0));
    H(h, "\">");
    h_txt(h, db_col_text(st, 1));
    H(h, "</a> <small class=\"muted\">");
    h_int(h, (db_col_int(st, 2) + 1023) / 1024);
    H(h, " KiB · ");
    h_txt(h, page_time(r, db_col_int(st, 3)));
    H(h, "</small></li>");
  }
  db_done(st);
  H(h, "</ul>");
  if (work_can_contribute(r, t)) {
    H(h, "<form method=\"post\" enctype=\"multipart/form-data\" action=\"/tasks/");
    h_int(h, t->id);
    H(h, "/attachments\" id=\"attach-form\">");
    page_csrf(r, h);
    H(h, "<label for=\"attach-file\">");
    h_txt(h, _("Attach a file"));
    H(h, "</label><input id=\"attach-file\" name=\"file\" type=\"file\" required "
         "accept=\".pdf,.png,.jpg,.jpeg,.odt,.docx,.xlsx,.txt\" aria-describedby=\"attach-hint\">"
         "<p class=\"hint\" id=\"attach-hint\">");
    h_txt(h, _("PDF, PNG, JPEG, ODT, DOCX, XLSX or plain text."));
    H(h, "</p><button type=\"submit\">");
    h_txt(h, _("Upload"));
    H(h, "</button></form>");
  }
  H(h, "</section>");
}

static void history_section(request *r, html *h, const struct work_task *t)
{
  H(h, "<section class=\"card\"><h2>");
  h_txt(h, _("History"));
  H(h, "</h2><table class=\"list\" id=\"history\"><tbody>");
  db_stmt *st = db_q(db_thread(),
                     "SELECT e.at, e.actor, e.kind, e.from_status, e.to_status, fu.code, tu.code, fus.display_name,"
                     " tus.display_name, e.note FROM work_events e LEFT JOIN units fu ON fu.id = e.from_unit"
                     " LEFT JOIN units tu ON tu.id = e.to_unit LEFT JOIN users fus ON fus.id = e.from_user"
                     " LEFT JOIN users tus ON tus.id = e.to_user WHERE e.task_id = ? ORDER BY e.id LIMIT 500",
                     "i", t->id);
  static const struct {
    const char *kind, *label;
  } kinds[] = {
      {"create", N_("created")},       {"transition", N_("status changed")}, {"assign", N_("handed over")},
      {"comment", N_("commented")},    {"attachment", N_("attached a file")},
  };
  while (db_step(st) == DB_ROW) {
    const char *kind = db_col_text(st, 2);
    H(h, "<tr><td>");
    h_txt(h, page_time(r, db_col_int(st, 0)));
    H(h, "</td><td>");
    h_txt(h, db_col_text(st, 1));
    H(h, "</td><td>");
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
      if (str_eq(kinds[i].kind, kind))
        h_txt(h, _(kinds[i].label));
    if (db_col_text(st, 3) && db_col_text(st, 4) && !str_eq(db_col_text(st, 3), db_col_text(st, 4))) {
      H(h, ": ");
      h_txt(h, _(work_status_label(work_status_from_key(db_col_text(st, 3)))));
      H(h, " → ");
      h_txt(h, _(work_status_label(work_status_from_key(db_col_text(st, 4)))));
    }
    if (str_eq(kind, "assign")) {
      H(h, " (");
      h_txt(h, db_col_text(st, 5));
      if (db_col_text(st, 7)) {
        H(h, " ");
        h_txt(h, db_col_text(st, 7));
      }
      H(h, " → ");
      h_txt(h, db_col_text(st, 6));
      if (db_col_text(st, 8)) {
        H(h, " ");
        h_txt(h, db_col_text(st, 8));
      }
      H(h, ")");
    }
    H(h, "</td><td>");
    h_txt(h, db_col_text(st, 9));
    H(h, "</td></tr>");
  }
  db_done(st);
  H(h, "</tbody></table></section>");
}

static int task_page(request *r, int status, struct work_err *form_err)
{
  struct work_task t;
  int rc = work_task_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  html h;
  html_init(&h);
  page_begin(r, &h, t.title, "/tasks");
  H(&h, "<p><a href=\"/tasks\">");
  h_txt(&h, _("All tasks"));
  H(&h, "</a></p>");
  alert(&h, form_err);
  task_details(r, &h, &t);
  status_form(r, &h, &t);
  comments_section(r, &h, &t);
  assign_section(r, &h, &t);
  attachments_section(r, &h, &t);
  history_section(r, &h, &t);
  page_end(r, &h);
  return http_html(r, status, &h);
}

int work_page_task(request *r)
{
  return task_page(r, 200, NULL);
}

/* The form handlers redirect back to the task, or show it again with
 * the problem (404 and 403 as error pages). */
static int after_form(request *r, int64_t id, int rc, struct work_err *e)
{
  if (rc < 0) {
    json_decref(e->fields);
    return -1;
  }
  if (rc == 0)
    return http_redirect(r, arena_printf(r->a, "/tasks/%lld", (long long)id));
  if (e->status == 404 || e->status == 403) {
    json_decref(e->fields);
    return http_error(r, e->status, e->code, e->message, NULL);
  }
  rc = task_page(r, e->status, e);
  json_decref(e->fields);
  return rc;
}

int work_form_transition(request *r)
{
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  struct work_err e = {0};
  int rc = work_task_transition(r, id, req_form(r, "to"), req_form(r, "note"), &e);
  return after_form(r, id, rc, &e);
}

int work_form_comment(request *r)
{
  int64_t id, cid = 0;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  struct work_err e = {0};
  int rc = work_comment_add(r, id, req_form(r, "body"), &cid, &e);
  return after_form(r, id, rc, &e);
}

int work_form_assign(request *r)
{
  int64_t id, user = 0;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  struct work_err e = {0};
  form_id(r, "user", &user, &e, _("Unknown or inactive user."));
  int rc = e.fields ? 400 : work_task_assign(r, id, req_form(r, "unit"), user, req_form(r, "reason"), &e);
  return after_form(r, id, rc, &e);
}

/* ---- /work-program ------------------------------------------------------ */

static const char *const month_names[12] = {N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
                                            N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec")};

static void templates_section(request *r, html *h)
{
  db_stmt *st = db_q(db_thread(),
                     "SELECT w.title, w.rule, w.due_days, tu.code, COALESCE(w.last_period, '') FROM work_templates w"
                     " JOIN units tu ON tu.id = w.unit_id WHERE w.active = 1 AND EXISTS (SELECT 1 FROM effective_grants g"
                     " JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'task.read_unit'"
                     " JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                     " AND substr(tu.path, 1, length(gu.path)) = gu.path) ORDER BY tu.path, w.id LIMIT 500",
                     "i", r->user->id);
  H(h, "<section class=\"card\"><h2>");
  h_txt(h, _("Recurring tasks"));
  H(h, "</h2><table class=\"list\" id=\"templates\"><thead><tr><th scope=\"col\">");
  h_txt(h, _("Title"));
  H(h, "</th><th scope=\"col\">");
  h_txt(h, _("Unit"));
  H(h, "</th><th scope=\"col\">");
  h_txt(h, _("Repeats"));
  H(h, "</th><th scope=\"col\">");
  h_txt(h, _("Last created"));
  H(h, "</th></tr></thead><tbody>");
  int n = 0;
  while (db_step(st) == DB_ROW) {
    struct work_rule rule;
    n++;
    H(h, "<tr><td>");
    h_txt(h, db_col_text(st, 0));
    H(h, "</td><td>");
    h_txt(h, db_col_text(st, 3));
    H(h, "</td><td>");
    if (work_rule_parse(db_col_text(st, 1), &rule) == 0) {
      switch (rule.kind) {
      case WR_MONTHLY: h_txt(h, arena_printf(r->a, _("monthly, on day %d"), rule.day)); break;
      case WR_WEEKLY: h_txt(h, arena_printf(r->a, _("weekly, on weekday %d"), rule.day)); break;
      case WR_YEARLY:
        h_txt(h, arena_printf(r->a, _("yearly, on %02d.%02d"), rule.day, rule.month));
        break;
      }
    }
    H(h, "</td><td>");
    h_txt(h, db_col_text(st, 4));
    H(h, "</td></tr>");
  }
  db_done(st);
  H(h, "</tbody></table>");
  if (!n) {
    H(h, "<p class=\"muted\">");
    h_txt(h, _("No recurring tasks."));
    H(h, "</p>");
  }
  H(h, "</section>");
}

int work_page_program(request *r)
{
  db *d = db_thread();
  int y, m, dd;
  work_civil_from_days(work_today(), &y, &m, &dd);
  int64_t year = y, unit = 0;
  const char *ys = req_query(r, "year"), *code = req_query(r, "unit");
  if (ys && *ys && (parse_i64(ys, &year) || year < 2000 || year > 2100))
    return http_error(r, 400, "validation", _("Use a year such as 2026."), NULL);
  if (code && *code && !(unit = work_unit_id(d, code)))
    return http_error(r, 400, "validation", _("Unknown unit."), NULL);
  json_t *prog = work_program(r, (int)year, unit);
  if (!prog)
    return -1;
  html h;
  html_init(&h);
  page_begin(r, &h, _("Work programme"), "/work-program");
  H(&h, "<form method=\"get\" action=\"/work-program\" class=\"filters\" id=\"program-filters\"><div>");
  h_label(&h, "p-year", _("Year"));
  H(&h, "<input id=\"p-year\" name=\"year\" type=\"number\" min=\"2000\" max=\"2100\" value=\"");
  h_int(&h, year);
  H(&h, "\"></div><div>");
  h_label(&h, "p-unit", _("Unit"));
  units_select(r, &h, "p-unit", "unit", unit, NULL, _("(all)"));
  H(&h, "</div><button type=\"submit\">");
  h_txt(&h, _("Show"));
  H(&h, "</button></form><table class=\"list\" id=\"work-program\"><thead><tr><th scope=\"col\">");
  h_txt(&h, _("Unit"));
  H(&h, "</th>");
  for (int i = 0; i < 12; i++) {
    H(&h, "<th scope=\"col\">");
    h_txt(&h, _(month_names[i]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  size_t i;
  json_t *row;
  json_array_foreach(json_object_get(prog, "rows"), i, row) {
    H(&h, "<tr><th scope=\"row\">");
    h_txt(&h, json_string_value(json_object_get(row, "unit_name")));
    H(&h, " <small class=\"muted\">");
    h_txt(&h, json_string_value(json_object_get(row, "unit")));
    H(&h, "</small></th>");
    size_t k;
    json_t *cell;
    json_array_foreach(json_object_get(row, "months"), k, cell) {
      int64_t total = json_integer_value(json_object_get(cell, "total"));
      H(&h, "<td>");
      if (total) {
        H(&h, "<strong>");
        h_int(&h, total);
        H(&h, "</strong>");
        int64_t over = json_integer_value(json_object_get(cell, "overdue"));
        if (over) {
          H(&h, " <span class=\"overdue\">(");
          h_int(&h, over);
          H(&h, " ");
          h_txt(&h, _("overdue"));
          H(&h, ")</span>");
        }
        H(&h, "<ul class=\"tree\">");
        size_t j;
        json_t *t;
        json_array_foreach(json_object_get(cell, "tasks"), j, t) {
          H(&h, "<li><small>");
          task_link(&h, json_integer_value(json_object_get(t, "id")), json_string_value(json_object_get(t, "title")));
          H(&h, "</small></li>");
        }
        H(&h, "</ul>");
      }
      H(&h, "</td>");
    }
    H(&h, "</tr>");
  }
  H(&h, "</tbody></table>");
  if (json_is_true(json_object_get(prog, "truncated"))) {
    H(&h, "<p class=\"alert\">");
    h_txt(&h, _("Only the first 5000 tasks are shown; choose a unit."));
    H(&h, "</p>");
  }
  json_decref(prog);
  templates_section(r, &h);
  page_end(r, &h);
  return http_html(r, 200, &h);
}
