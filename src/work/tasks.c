/* tasks.c - the task (görev): who may see and change it, creating it,
 * moving it through the status table, handing it over to another unit or
 * person (havale) with a reason, and its JSON API. Every change writes a
 * history event and an audit row in the same transaction. */
#include "work_int.h"
#include "../core/audit.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, NESTED_MAX = 500 };

/* ---- errors --------------------------------------------------------- */

void work_err_set(struct work_err *e, int status, const char *code, const char *message)
{
  e->status = status;
  e->code = code;
  e->message = message;
}

void work_err_field(struct work_err *e, const char *field, const char *message)
{
  if (!e->fields)
    e->fields = json_object();
  if (!json_object_get(e->fields, field))
    json_object_set_new(e->fields, field, json_string(message));
  work_err_set(e, 400, "validation", _("Some fields are invalid."));
}

int work_err_reply(request *r, struct work_err *e)
{
  json_t *f = e->fields;
  e->fields = NULL;
  return http_error(r, e->status ? e->status : 400, e->code ? e->code : "validation",
                    e->message ? e->message : _("Some fields are invalid."), f);
}

/* ---- lookups -------------------------------------------------------- */

int64_t work_unit_id(db *d, const char *code)
{
  int64_t id = 0;
  if (!code || !*code || db_int(d, &id, "SELECT id FROM units WHERE code = ?", "t", code) != DB_ROW)
    return 0;
  return id;
}

int work_user_unit(db *d, int64_t user_id, int64_t *unit)
{
  *unit = 0;
  db_stmt *st = db_q(d, "SELECT COALESCE(unit_id, 0) FROM users WHERE id = ? AND active = 1", "i", user_id);
  int rc = db_step(st);
  if (rc == DB_ROW)
    *unit = db_col_int(st, 0);
  db_done(st);
  if (rc == DB_ROW && !*unit)
    *unit = rbac_root_unit(d);
  return rc;
}

const char *work_trim(arena *a, const char *s)
{
  if (!s)
    return NULL;
  while (*s && isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return arena_strndup(a, s, n);
}

/* ---- the record ----------------------------------------------------- */

static const char *col(db_stmt *st, arena *a, int i)
{
  return arena_strdup(a, db_col_text(st, i));
}

void work_task_row(db_stmt *st, arena *a, struct work_task *t)
{
  memset(t, 0, sizeof *t);
  t->id = db_col_int(st, 0);
  t->title = col(st, a, 1);
  t->description = col(st, a, 2);
  t->unit_id = db_col_int(st, 3);
  t->unit_code = col(st, a, 4);
  t->unit_name = col(st, a, 5);
  t->assignee_id = db_col_int(st, 6);
  t->assignee_username = col(st, a, 7);
  t->assignee_name = col(st, a, 8);
  t->duty_id = db_col_int(st, 9);
  t->duty_ref = col(st, a, 10);
  t->duty_text = col(st, a, 11);
  t->doc_no = col(st, a, 12);
  t->priority = col(st, a, 13);
  t->status = work_status_from_key(db_col_text(st, 14));
  t->deadline = col(st, a, 15);
  t->created_by = db_col_int(st, 16);
  t->creator_username = col(st, a, 17);
  t->template_id = db_col_int(st, 18);
  t->period = col(st, a, 19);
  t->created_at = db_col_int(st, 20);
  t->updated_at = db_col_int(st, 21);
  t->closed_at = db_col_int(st, 22);
  t->ref = col(st, a, 23);
}

int work_task_load(db *d, arena *a, int64_t id, struct work_task *t)
{
  db_stmt *st = db_q(d, WORK_TASK_SELECT " WHERE t.id = ?", "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW)
    work_task_row(st, a, t);
  db_done(st);
  return rc;
}

bool work_can_read(request *r, const struct work_task *t)
{
  int64_t me = r->user->id;
  return t->assignee_id == me || t->created_by == me || rbac_can(me, "task.read_unit", t->unit_id);
}

bool work_can_update(request *r, const struct work_task *t)
{
  return t->assignee_id == r->user->id || rbac_can(r->user->id, "task.update", t->unit_id);
}

bool work_can_contribute(request *r, const struct work_task *t)
{
  return t->created_by == r->user->id || work_can_update(r, t);
}

int work_task_from_route(request *r, struct work_task *t)
{
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id)) {
    http_not_found(r);
    return 1;
  }
  int rc = work_task_load(db_thread(), r->a, id, t);
  if (rc < 0)
    return -1;
  if (rc != DB_ROW) {
    http_not_found(r);
    return 1;
  }
  if (!work_can_read(r, t)) {
    http_forbidden(r);
    return 1;
  }
  return 0;
}

bool work_overdue(const struct work_task *t, int64_t today)
{
  int64_t dl;
  return t->deadline && !work_status_final(t->status) && work_date_parse(t->deadline, &dl) == 0 && dl < today;
}

static void set_time(json_t *o, const char *key, int64_t t)
{
  char ts[32];
  if (!t) {
    json_object_set_new(o, key, json_null());
    return;
  }
  fmt_iso8601(t, ts);
  json_object_set_new(o, key, json_string(ts));
}

json_t *work_task_json(request *r, const struct work_task *t)
{
  (void)r;
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(t->id));
  jsonx_set_str(o, "title", t->title);
  jsonx_set_str(o, "description", t->description);
  jsonx_set_str(o, "unit", t->unit_code);
  jsonx_set_str(o, "unit_name", t->unit_name);
  if (t->assignee_id)
    json_object_set_new(o, "assignee", json_pack("{sIssss}", "id", (json_int_t)t->assignee_id, "username",
                                                 t->assignee_username ? t->assignee_username : "", "display_name",
                                                 t->assignee_name ? t->assignee_name : ""));
  else
    json_object_set_new(o, "assignee", json_null());
  if (t->duty_id)
    json_object_set_new(o, "duty", json_pack("{sIssss}", "id", (json_int_t)t->duty_id, "ref",
                                             t->duty_ref ? t->duty_ref : "", "text", t->duty_text ? t->duty_text : ""));
  else
    json_object_set_new(o, "duty", json_null());
  jsonx_set_str(o, "doc_no", t->doc_no);
  jsonx_set_str(o, "priority", t->priority);
  jsonx_set_str(o, "priority_label", _(work_priority_label(t->priority)));
  jsonx_set_str(o, "status", work_status_key(t->status));
  jsonx_set_str(o, "status_label", _(work_status_label(t->status)));
  jsonx_set_str(o, "deadline", t->deadline);
  json_object_set_new(o, "overdue", json_boolean(work_overdue(t, work_today())));
  if (t->created_by)
    json_object_set_new(o, "created_by", json_pack("{sIss}", "id", (json_int_t)t->created_by, "username",
                                                   t->creator_username ? t->creator_username : ""));
  else
    json_object_set_new(o, "created_by", json_null());
  if (t->template_id)
    json_object_set_new(o, "template_id", json_integer(t->template_id));
  else
    json_object_set_new(o, "template_id", json_null());
  jsonx_set_str(o, "period", t->period);
  jsonx_set_str(o, "ref", t->ref);
  set_time(o, "created_at", t->created_at);
  set_time(o, "updated_at", t->updated_at);
  set_time(o, "closed_at", t->closed_at);
  return o;
}

/* A short form of a task for audit rows. */
static json_t *audit_json(db *d, int64_t id)
{
  json_t *o = NULL;
  db_stmt *st = db_q(d,
                     "SELECT t.title, tu.code, t.assignee_id, t.duty_id, t.priority, t.status, t.deadline, t.doc_no"
                     " FROM work_tasks t JOIN units tu ON tu.id = t.unit_id WHERE t.id = ?",
                     "i", id);
  if (db_step(st) == DB_ROW) {
    o = json_object();
    jsonx_set_str(o, "title", db_col_text(st, 0));
    jsonx_set_str(o, "unit", db_col_text(st, 1));
    json_object_set_new(o, "assignee", db_col_null(st, 2) ? json_null() : json_integer(db_col_int(st, 2)));
    json_object_set_new(o, "duty", db_col_null(st, 3) ? json_null() : json_integer(db_col_int(st, 3)));
    jsonx_set_str(o, "priority", db_col_text(st, 4));
    jsonx_set_str(o, "status", db_col_text(st, 5));
    jsonx_set_str(o, "deadline", db_col_text(st, 6));
    jsonx_set_str(o, "doc_no", db_col_text(st, 7));
  }
  db_done(st);
  return o;
}

/* ---- history ------------------------------------------------------------ */

int work_event(db *d, int64_t task_id, int64_t actor_id, const char *actor, const char *kind, const char *from_status,
               const char *to_status, int64_t from_unit, int64_t to_unit, int64_t from_user, int64_t to_user,
               const char *note)
{
  return db_run(d,
                "INSERT INTO work_events (task_id, at, actor_id, actor, kind, from_status, to_status, from_unit,"
                " to_unit, from_user, to_user, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iiIttttIIIIt", task_id, now_unix(), actor_id, actor, kind, from_status, to_status, from_unit, to_unit,
                from_user, to_user, note);
}

json_t *work_task_history(db *d, int64_t id)
{
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT e.at, e.actor, e.kind, e.from_status, e.to_status, fu.code, tu.code, fus.username,"
                     " tus.username, e.note FROM work_events e LEFT JOIN units fu ON fu.id = e.from_unit"
                     " LEFT JOIN units tu ON tu.id = e.to_unit LEFT JOIN users fus ON fus.id = e.from_user"
                     " LEFT JOIN users tus ON tus.id = e.to_user WHERE e.task_id = ? ORDER BY e.id LIMIT ?",
                     "ii", id, (int64_t)NESTED_MAX);
  while (db_step(st) == DB_ROW) {
    json_t *o = json_object();
    set_time(o, "at", db_col_int(st, 0));
    jsonx_set_str(o, "actor", db_col_text(st, 1));
    jsonx_set_str(o, "kind", db_col_text(st, 2));
    jsonx_set_str(o, "from_status", db_col_text(st, 3));
    jsonx_set_str(o, "to_status", db_col_text(st, 4));
    jsonx_set_str(o, "from_unit", db_col_text(st, 5));
    jsonx_set_str(o, "to_unit", db_col_text(st, 6));
    jsonx_set_str(o, "from_user", db_col_text(st, 7));
    jsonx_set_str(o, "to_user", db_col_text(st, 8));
    jsonx_set_str(o, "note", db_col_text(st, 9));
    json_array_append_new(items, o);
  }
  db_done(st);
  return items;
}

/* ---- create ----------------------------------------------------------- */

/* "E-12345678-010.01-1234": [E-]DETSİS no - SDP code - record no. */
static bool doc_no_ok(const char *s)
{
  const char *p = s;
  if (str_starts(p, "E-"))
    p += 2;
  for (int i = 0; i < 8; i++, p++)
    if (!isdigit((unsigned char)*p))
      return false;
  if (*p++ != '-')
    return false;
  for (int i = 0; i < 3; i++, p++)
    if (!isdigit((unsigned char)*p))
      return false;
  for (int level = 0; *p == '.'; level++) {
    if (level == 3 || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]))
      return false;
    p += 3;
  }
  if (*p++ != '-' || !isdigit((unsigned char)*p))
    return false;
  size_t n = 0;
  while (isdigit((unsigned char)*p)) {
    p++;
    if (++n > 12)
      return false;
  }
  return *p == 0;
}

static void check_text(struct work_err *e, const char *field, const char *s, size_t max, bool required)
{
  if (!s || !*s) {
    if (required)
      work_err_field(e, field, _("This field is required."));
    return;
  }
  size_t n = strlen(s);
  if (n > max)
    work_err_field(e, field, _("Too long."));
  else if (!utf8_valid(s, n))
    work_err_field(e, field, _("Invalid characters."));
}

int work_task_create(request *r, const struct work_task_in *in, int64_t *id_out, struct work_err *e)
{
  db *d = db_thread();
  const char *title = work_trim(r->a, in->title), *desc = work_trim(r->a, in->description);
  const char *doc = work_trim(r->a, in->doc_no);
  const char *prio = in->priority && *in->priority ? in->priority : "normal";
  check_text(e, "title", title, 200, true);
  check_text(e, "description", desc, 10000, false);
  if (doc && *doc && !doc_no_ok(doc))
    work_err_field(e, "doc_no", _("Use the document number form E-12345678-010.01-1234."));
  int64_t dl = 0;
  if (in->deadline && *in->deadline && work_date_parse(in->deadline, &dl))
    work_err_field(e, "deadline", _("Use a date of the form YYYY-MM-DD."));
  if (!work_priority_valid(prio))
    work_err_field(e, "priority", _("Unknown priority."));
  int64_t unit = 0, user_unit = 0, one;
  if (in->unit && *in->unit && !(unit = work_unit_id(d, in->unit)))
    work_err_field(e, "unit", _("Unknown unit."));
  if (in->user && work_user_unit(d, in->user, &user_unit) != DB_ROW)
    work_err_field(e, "user", _("Unknown or inactive user."));
  if (in->duty && db_int(d, &one, "SELECT 1 FROM org_duties WHERE id = ?", "i", in->duty) != DB_ROW)
    work_err_field(e, "duty", _("Unknown duty."));
  if (!(in->unit && *in->unit) && !in->user && !e->fields)
    work_err_field(e, "unit", _("Give a unit or a person."));
  if (e->fields)
    return 400;
  if (!unit)
    unit = user_unit;
  if (!rbac_can(r->user->id, "task.create", unit) ||
      (in->user && !rbac_can(r->user->id, "task.assign", user_unit))) {
    work_err_set(e, 403, "forbidden", _("You do not have permission for this."));
    return 403;
  }
  const char *status = work_status_key(in->user ? WS_ATANDI : WS_YENI);
  char dls[11] = "";
  if (in->deadline && *in->deadline)
    work_date_fmt(dl, dls);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO work_tasks (title, description, unit_id, assignee_id, duty_id, doc_no, priority, status,"
                " deadline, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "ttiIIttttiii", title, desc ? desc : "", unit, in->user, in->duty, doc && *doc ? doc : NULL, prio,
                status, *dls ? dls : NULL, r->user->id, now, now);
  if (!rc) {
    id = db_last_id(d);
    rc = work_event(d, id, r->user->id, r->user->username, "create", NULL, status, 0, unit, 0, in->user, NULL);
  }
  if (!rc) {
    json_t *after = audit_json(d, id);
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    rc = audit_write(d, &who, "create", "task", idtxt, unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  *id_out = id;
  return 0;
}

/* ---- transitions ----------------------------------------------------- */

int work_task_for_change(request *r, int64_t id, struct work_task *t, struct work_err *e)
{
  int rc = work_task_load(db_thread(), r->a, id, t);
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    work_err_set(e, 404, "not_found", _("The page or resource was not found."));
  else if (!work_can_read(r, t))
    work_err_set(e, 403, "forbidden", _("You do not have permission for this."));
  return rc == DB_ROW && !e->status ? 0 : e->status;
}

static bool may_move(request *r, const struct work_task *t, int to)
{
  switch (work_transition(t->status, to, t->assignee_id != 0)) {
  case WT_OK: return work_can_update(r, t);
  case WT_NEEDS_MANAGER: return rbac_can(r->user->id, "task.update", t->unit_id);
  case WT_NEEDS_REOPEN: return rbac_can(r->user->id, "task.reopen", t->unit_id);
  default: return false;
  }
}

json_t *work_allowed_moves(request *r, const struct work_task *t)
{
  json_t *a = json_array();
  for (int to = 0; to < WS_COUNT; to++)
    if (may_move(r, t, to))
      json_array_append_new(a, json_string(work_status_key(to)));
  return a;
}

int work_task_transition(request *r, int64_t id, const char *to_key, const char *note, struct work_err *e)
{
  db *d = db_thread();
  struct work_task t;
  int rc = work_task_for_change(r, id, &t, e);
  if (rc)
    return rc;
  int to = work_status_from_key(to_key);
  if (to < 0) {
    work_err_field(e, "to", _("Unknown status."));
    return 400;
  }
  note = work_trim(r->a, note);
  check_text(e, "note", note, 1000, false);
  if (e->fields)
    return 400;
  if (!work_can_update(r, &t)) {
    work_err_set(e, 403, "forbidden", _("You do not have permission for this."));
    return 403;
  }
  enum work_move m = work_transition(t.status, to, t.assignee_id != 0);
  if (m == WT_INVALID) {
    work_err_set(e, 400, "invalid_transition",
                 arena_printf(r->a, _("This status change is not allowed: %s → %s."), _(work_status_label(t.status)),
                              _(work_status_label(to))));
    return 400;
  }
  if (m == WT_NEEDS_ASSIGNEE) {
    work_err_set(e, 400, "invalid_transition", _("Assign the task to a person first."));
    return 400;
  }
  if (!may_move(r, &t, to)) {
    work_err_set(e, 403, "forbidden",
                 m == WT_NEEDS_REOPEN ? _("Only a manager can reopen a closed task.")
                                      : _("Only the unit's managers can cancel a task."));
    return 403;
  }
  const char *from = work_status_key(t.status), *tos = work_status_key(to);
  int64_t now = now_unix();
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "UPDATE work_tasks SET status = ?, updated_at = ?, closed_at = ? WHERE id = ? AND status = ?",
                "tiIit", tos, now, work_status_final(to) ? now : 0, id, from);
  if (!rc && db_changes(d) != 1) {
    db_rollback(d);
    work_err_set(e, 409, "conflict", _("The task was changed meanwhile; reload and try again."));
    return 409;
  }
  if (!rc)
    rc = work_event(d, id, r->user->id, r->user->username, "transition", from, tos, 0, 0, 0, 0,
                    note && *note ? note : NULL);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *before = json_pack("{ss}", "status", from);
    json_t *after = json_pack("{ss}", "status", tos);
    if (note && *note)
      json_object_set_new(after, "note", json_string(note));
    rc = audit_write(d, &who, "transition", "task", idtxt, t.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

/* ---- havale ------------------------------------------------------------ */

int work_task_assign(request *r, int64_t id, const char *unit_code, int64_t user, const char *reason,
                     struct work_err *e)
{
  db *d = db_thread();
  struct work_task t;
  int rc = work_task_for_change(r, id, &t, e);
  if (rc)
    return rc;
  reason = work_trim(r->a, reason);
  check_text(e, "reason", reason, 1000, true);
  int64_t unit = 0, user_unit = 0;
  if (unit_code && *unit_code && !(unit = work_unit_id(d, unit_code)))
    work_err_field(e, "unit", _("Unknown unit."));
  if (user && work_user_unit(d, user, &user_unit) != DB_ROW)
    work_err_field(e, "user", _("Unknown or inactive user."));
  if (!(unit_code && *unit_code) && !user && !e->fields)
    work_err_field(e, "unit", _("Give a unit or a person."));
  if (e->fields)
    return 400;
  if (!unit)
    unit = user_unit;
  /* Handing over needs task.assign where the task is and where it goes. */
  if (!rbac_can(r->user->id, "task.assign", t.unit_id) || !rbac_can(r->user->id, "task.assign", unit) ||
      (user && !rbac_can(r->user->id, "task.assign", user_unit))) {
    work_err_set(e, 403, "forbidden", _("You do not have permission for this."));
    return 403;
  }
  if (work_status_final(t.status)) {
    work_err_set(e, 400, "invalid_transition", _("A closed task cannot be handed over; reopen it first."));
    return 400;
  }
  if (unit == t.unit_id && user == t.assignee_id) {
    work_err_field(e, "unit", _("The task is already assigned there."));
    return 400;
  }
  const char *from = work_status_key(t.status);
  const char *tos = work_status_key(user ? WS_ATANDI : WS_YENI);
  int64_t now = now_unix();
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE work_tasks SET unit_id = ?, assignee_id = ?, status = ?, updated_at = ?"
                " WHERE id = ? AND status = ?",
                "iItiit", unit, user, tos, now, id, from);
  if (!rc && db_changes(d) != 1) {
    db_rollback(d);
    work_err_set(e, 409, "conflict", _("The task was changed meanwhile; reload and try again."));
    return 409;
  }
  if (!rc)
    rc = work_event(d, id, r->user->id, r->user->username, "assign", from, tos, t.unit_id, unit, t.assignee_id, user,
                    reason);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *before = json_pack("{sIsIss}", "unit", (json_int_t)t.unit_id, "assignee", (json_int_t)t.assignee_id,
                               "status", from);
    json_t *after = json_pack("{sIsIssss}", "unit", (json_int_t)unit, "assignee", (json_int_t)user, "status", tos,
                              "reason", reason);
    rc = audit_write(d, &who, "assign", "task", idtxt, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

/* ---- lists ------------------------------------------------------------ */

int work_filter_parse(request *r, struct work_filter *f, int64_t max_limit, struct work_err *e)
{
  db *d = db_thread();
  memset(f, 0, sizeof *f);
  const char *v = req_query(r, "view");
  static const char *const views[] = {"all", "mine", "unit", "overdue"};
  f->view_key = "all";
  if (v && *v) {
    size_t i;
    for (i = 0; i < ARRAY_LEN(views); i++)
      if (str_eq(views[i], v))
        break;
    if (i == ARRAY_LEN(views))
      work_err_field(e, "view", _("Use one of: mine, unit, overdue, all."));
    else {
      f->view = (enum work_view)i;
      f->view_key = views[i];
    }
  }
  const char *s = req_query(r, "status");
  if (s && *s) {
    if (work_status_from_key(s) < 0)
      work_err_field(e, "status", _("Unknown status."));
    f->status = s;
  }
  const char *u = req_query(r, "unit");
  if (u && *u) {
    db_stmt *st = db_q(d, "SELECT path FROM units WHERE code = ?", "t", u);
    if (db_step(st) == DB_ROW)
      f->unit_path = arena_strdup(r->a, db_col_text(st, 0));
    db_done(st);
    if (!f->unit_path)
      work_err_field(e, "unit", _("Unknown unit."));
    f->unit = u;
  }
  const char *dt = req_query(r, "duty");
  if (dt && *dt && (parse_i64(dt, &f->duty) || f->duty <= 0))
    work_err_field(e, "duty", _("Unknown duty."));
  const char *l = req_query(r, "limit"), *c = req_query(r, "cursor");
  f->limit = LIST_DEFAULT < max_limit ? LIST_DEFAULT : max_limit;
  if (l && *l && (parse_i64(l, &f->limit) || f->limit < 1))
    work_err_field(e, "limit", _("limit must be a positive number."));
  if (f->limit > max_limit)
    f->limit = max_limit;
  if (c && *c && parse_i64(c, &f->cursor))
    work_err_field(e, "cursor", _("Invalid cursor."));
  return e->fields ? 400 : 0;
}

static const char LIST_SQL[] =
    WORK_TASK_SELECT " WHERE " WORK_VISIBLE
    " AND (? = 0 OR t.assignee_id = ?)"
    " AND (? = 0 OR EXISTS (SELECT 1 FROM effective_grants g2 JOIN units gu2 ON gu2.id = g2.unit_id"
    "  WHERE g2.user_id = ? AND substr(tu.path, 1, length(gu2.path)) = gu2.path))"
    " AND (? = 0 OR (t.status NOT IN ('tamamlandi', 'iptal') AND t.deadline < ?))"
    " AND (? IS NULL OR t.status = ?)"
    " AND (? IS NULL OR substr(tu.path, 1, length(?)) = ?)"
    " AND (? = 0 OR t.duty_id = ?)"
    " AND (? = 0 OR t.id < ?)"
    " ORDER BY t.id DESC LIMIT ?";

int work_tasks_query(request *r, const struct work_filter *f, struct work_task **items, size_t *n, bool *more)
{
  db *d = db_thread();
  int64_t me = r->user->id;
  char today[11];
  work_date_fmt(work_today(), today);
  *items = arena_alloc(r->a, sizeof **items * (size_t)(f->limit + 1));
  *n = 0;
  *more = false;
  db_stmt *st = db_q(d, LIST_SQL, "iiiiiiiittttttiiiii", me, me, me, (int64_t)(f->view == WV_MINE), me,
                     (int64_t)(f->view == WV_UNIT), me, (int64_t)(f->view == WV_OVERDUE), today, f->status, f->status,
                     f->unit_path, f->unit_path, f->unit_path, f->duty, f->duty, f->cursor, f->cursor, f->limit + 1);
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if ((int64_t)*n == f->limit) {
      *more = true;
      break;
    }
    work_task_row(st, r->a, &(*items)[*n]);
    (*n)++;
  }
  db_done(st);
  return rc < 0 ? rc : 0;
}

/* ---- API ---------------------------------------------------------------- */

int work_api_tasks_list(request *r)
{
  struct work_err e = {0};
  struct work_filter f;
  if (work_filter_parse(r, &f, LIST_MAX, &e))
    return work_err_reply(r, &e);
  struct work_task *items;
  size_t n;
  bool more;
  if (work_tasks_query(r, &f, &items, &n, &more))
    return -1;
  json_t *arr = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(arr, work_task_json(r, &items[i]));
  return http_json_page(r, arr, more && n, n ? items[n - 1].id : 0);
}

/* A positive integer field, or 0 when absent; sets a field error when it
 * is there but not positive. */
static int64_t id_field(json_t *in, const char *name, struct work_err *e, const char *msg)
{
  json_t *v = json_object_get(in, name);
  if (!v || json_is_null(v))
    return 0;
  int64_t x = json_integer_value(v);
  if (x <= 0)
    work_err_field(e, name, msg);
  return x > 0 ? x : 0;
}

static int full_task(request *r, int status, int64_t id)
{
  struct work_task t;
  db *d = db_thread();
  int rc = work_task_load(d, r->a, id, &t);
  if (rc != DB_ROW)
    return -1;
  json_t *o = work_task_json(r, &t);
  json_object_set_new(o, "comments", work_task_comments(d, id));
  json_object_set_new(o, "attachments", work_task_attachments(d, id));
  json_object_set_new(o, "history", work_task_history(d, id));
  json_object_set_new(o, "allowed_transitions", work_allowed_moves(r, &t));
  json_object_set_new(o, "can_assign", json_boolean(rbac_can(r->user->id, "task.assign", t.unit_id)));
  json_object_set_new(o, "can_contribute", json_boolean(work_can_contribute(r, &t)));
  return http_json(r, status, o);
}

int work_api_task_create(request *r)
{
  static const struct jfield fields[] = {
      {"title", JT_STRING, true, 200},       {"description", JT_STRING, false, 10000},
      {"unit", JT_STRING, false, 16},        {"user", JT_INT, false, 0},
      {"duty", JT_INT, false, 0},            {"doc_no", JT_STRING, false, 64},
      {"deadline", JT_STRING, false, 10},    {"priority", JT_STRING, false, 16},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct work_err e = {0};
  struct work_task_in ti = {
      .title = jsonx_str(in, "title"),
      .description = jsonx_str(in, "description"),
      .unit = jsonx_str(in, "unit"),
      .doc_no = jsonx_str(in, "doc_no"),
      .deadline = jsonx_str(in, "deadline"),
      .priority = jsonx_str(in, "priority"),
  };
  ti.user = id_field(in, "user", &e, _("Unknown or inactive user."));
  ti.duty = id_field(in, "duty", &e, _("Unknown duty."));
  int64_t id = 0;
  int rc = e.fields ? 400 : work_task_create(r, &ti, &id, &e);
  json_decref(in);
  if (rc < 0)
    return -1;
  if (rc)
    return work_err_reply(r, &e);
  return full_task(r, 201, id);
}

int work_api_task_get(request *r)
{
  struct work_task t;
  int rc = work_task_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  return full_task(r, 200, t.id);
}

static int route_id(request *r, int64_t *id)
{
  if (parse_i64(req_param(r, "id"), id)) {
    http_not_found(r);
    return 1;
  }
  return 0;
}

int work_api_task_transition(request *r)
{
  static const struct jfield fields[] = {
      {"to", JT_STRING, true, 16},
      {"note", JT_STRING, false, 1000},
  };
  int64_t id;
  if (route_id(r, &id))
    return 0;
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct work_err e = {0};
  int rc = work_task_transition(r, id, jsonx_str(in, "to"), jsonx_str(in, "note"), &e);
  json_decref(in);
  if (rc < 0)
    return -1;
  if (rc)
    return work_err_reply(r, &e);
  return full_task(r, 200, id);
}

int work_api_task_assign(request *r)
{
  static const struct jfield fields[] = {
      {"unit", JT_STRING, false, 16},
      {"user", JT_INT, false, 0},
      {"reason", JT_STRING, true, 1000},
  };
  int64_t id;
  if (route_id(r, &id))
    return 0;
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct work_err e = {0};
  int64_t user = id_field(in, "user", &e, _("Unknown or inactive user."));
  int rc = e.fields ? 400 : work_task_assign(r, id, jsonx_str(in, "unit"), user, jsonx_str(in, "reason"), &e);
  json_decref(in);
  if (rc < 0)
    return -1;
  if (rc)
    return work_err_reply(r, &e);
  return full_task(r, 200, id);
}
