/* recurring.c - task templates (e.g. the monthly report) and the
 * scheduler job that turns each period's occurrence into a task. The
 * task carries (template, period); a UNIQUE index on that pair makes the
 * job idempotent however often it runs or however many servers run it. */
#include "work_int.h"
#include "../core/audit.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TPL_DEFAULT = 50, TPL_MAX = 200, DUE_DAYS_MAX = 366 };

#define TPL_SELECT                                                                                               \
  "SELECT w.id, w.title, w.description, tu.code, w.assignee_id, au.username, w.duty_id, dt.ref, w.priority,"   \
  " w.rule, w.due_days, w.active, w.start_date, w.last_period, w.created_at"                                   \
  " FROM work_templates w JOIN units tu ON tu.id = w.unit_id LEFT JOIN users au ON au.id = w.assignee_id"      \
  " LEFT JOIN org_duties dt ON dt.id = w.duty_id"

static json_t *tpl_json(db_stmt *st)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  jsonx_set_str(o, "title", db_col_text(st, 1));
  jsonx_set_str(o, "description", db_col_text(st, 2));
  jsonx_set_str(o, "unit", db_col_text(st, 3));
  if (db_col_int(st, 4))
    json_object_set_new(o, "assignee", json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 4), "username",
                                                 db_col_text(st, 5) ? db_col_text(st, 5) : ""));
  else
    json_object_set_new(o, "assignee", json_null());
  if (db_col_int(st, 6))
    json_object_set_new(o, "duty", json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 6), "ref",
                                             db_col_text(st, 7) ? db_col_text(st, 7) : ""));
  else
    json_object_set_new(o, "duty", json_null());
  jsonx_set_str(o, "priority", db_col_text(st, 8));
  jsonx_set_str(o, "rule", db_col_text(st, 9));
  json_object_set_new(o, "due_days", json_integer(db_col_int(st, 10)));
  json_object_set_new(o, "active", json_boolean(db_col_int(st, 11)));
  jsonx_set_str(o, "start_date", db_col_text(st, 12));
  jsonx_set_str(o, "last_period", db_col_text(st, 13));
  char ts[32];
  fmt_iso8601(db_col_int(st, 14), ts);
  json_object_set_new(o, "created_at", json_string(ts));
  return o;
}

int work_api_templates_list(request *r)
{
  int64_t limit, cursor;
  if (req_paging(r, TPL_DEFAULT, TPL_MAX, &limit, &cursor))
    return 0;
  db *d = db_thread();
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  db_stmt *st = db_q(d,
                     TPL_SELECT " WHERE w.id > ? AND EXISTS (SELECT 1 FROM effective_grants g"
                                " JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'task.read_unit'"
                                " JOIN users gx ON gx.id = g.user_id AND gx.active = 1"
                                " JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                                " AND substr(tu.path, 1, length(gu.path)) = gu.path) ORDER BY w.id LIMIT ?",
                     "iii", cursor, r->user->id, limit + 1);
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit)
      break;
    last = db_col_int(st, 0);
    json_array_append_new(items, tpl_json(st));
    n++;
  }
  bool more = rc == DB_ROW;
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  return http_json_page(r, items, more, last);
}

int work_template_insert(db *d, const struct actor *who, int64_t created_by, const struct work_template_in *t,
                         int64_t *id_out)
{
  char start[11], idtxt[32];
  work_date_fmt(work_today(), start);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO work_templates (title, description, unit_id, assignee_id, duty_id, priority, rule,"
                " due_days, active, created_by, created_at, start_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                "ttiIIttiiit", t->title, t->description, t->unit_id, t->assignee_id, t->duty_id, t->priority,
                t->rule, t->due_days, created_by, now_unix(), start);
  int64_t id = rc ? 0 : db_last_id(d);
  if (!rc) {
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{sssssIsIsI}", "title", t->title, "rule", t->rule, "unit", (json_int_t)t->unit_id,
                              "assignee", (json_int_t)t->assignee_id, "due_days", (json_int_t)t->due_days);
    rc = audit_write(d, who, "create", "task_template", idtxt, t->unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  *id_out = id;
  return 0;
}

int work_api_template_create(request *r)
{
  static const struct jfield fields[] = {
      {"title", JT_STRING, true, 200},    {"description", JT_STRING, false, 10000},
      {"unit", JT_STRING, false, 16},     {"user", JT_INT, false, 0},
      {"duty", JT_INT, false, 0},         {"priority", JT_STRING, false, 16},
      {"rule", JT_STRING, true, 16},      {"due_days", JT_INT, false, 0},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  db *d = db_thread();
  struct work_err e = {0};
  int ret = 0;
  const char *title = work_trim(r->a, jsonx_str(in, "title"));
  const char *desc = work_trim(r->a, jsonx_str(in, "description"));
  const char *code = jsonx_str(in, "unit");
  const char *prio = jsonx_str(in, "priority") ? jsonx_str(in, "priority") : "normal";
  int64_t user = jsonx_int(in, "user", 0), duty = jsonx_int(in, "duty", 0);
  int64_t due_days = jsonx_int(in, "due_days", 0), unit = 0, user_unit = 0, one;
  struct work_rule rule;
  char rule_txt[16];
  if (!title || !*title)
    work_err_field(&e, "title", _("This field is required."));
  if (work_rule_parse(jsonx_str(in, "rule"), &rule))
    work_err_field(&e, "rule", _("Use monthly:N (day 1-31), weekly:N (1 = Monday … 7) or yearly:MM-DD."));
  if (due_days < 0 || due_days > DUE_DAYS_MAX)
    work_err_field(&e, "due_days", _("Use a number of days from 0 to 366."));
  if (!work_priority_valid(prio))
    work_err_field(&e, "priority", _("Unknown priority."));
  if (code && !(unit = work_unit_id(d, code)))
    work_err_field(&e, "unit", _("Unknown unit."));
  if (json_object_get(in, "user") && (user <= 0 || work_user_unit(d, user, &user_unit) != DB_ROW))
    work_err_field(&e, "user", _("Unknown or inactive user."));
  if (json_object_get(in, "duty") &&
      (duty <= 0 || db_int(d, &one, "SELECT 1 FROM org_duties WHERE id = ?", "i", duty) != DB_ROW))
    work_err_field(&e, "duty", _("Unknown duty."));
  if (!code && !json_object_get(in, "user") && !e.fields)
    work_err_field(&e, "unit", _("Give a unit or a person."));
  if (e.fields) {
    ret = work_err_reply(r, &e);
    goto out;
  }
  if (!unit)
    unit = user_unit;
  if (!rbac_can(r->user->id, "task.manage_recurring", unit) ||
      (user && !rbac_can(r->user->id, "task.manage_recurring", user_unit))) {
    ret = http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
    goto out;
  }
  work_rule_format(&rule, rule_txt);
  struct actor who = audit_actor(r);
  struct work_template_in tin = {title, desc ? desc : "", unit, user, duty, prio, rule_txt, due_days};
  int64_t id = 0;
  if (work_template_insert(d, &who, r->user->id, &tin, &id)) {
    ret = -1;
    goto out;
  }
  db_stmt *st = db_q(d, TPL_SELECT " WHERE w.id = ?", "i", id);
  json_t *o = db_step(st) == DB_ROW ? tpl_json(st) : NULL;
  db_done(st);
  ret = o ? http_json(r, 201, o) : -1;
out:
  json_decref(e.fields);
  json_decref(in);
  return ret;
}

/* Creates the task of one template for one period, unless it exists. */
static int generate(db *d, int64_t tpl, const char *period, int64_t occ)
{
  int64_t one;
  int rc = db_begin(d);
  if (rc)
    return rc;
  rc = db_int(d, &one, "SELECT 1 FROM work_tasks WHERE template_id = ? AND period = ?", "it", tpl, period);
  if (rc == DB_ROW) {
    db_rollback(d);
    return 0;
  }
  char *title = NULL, *desc = NULL, *prio = NULL;
  int64_t unit = 0, user = 0, duty = 0, due_days = 0;
  db_stmt *st = db_q(d,
                     "SELECT w.title, w.description, w.unit_id, COALESCE(u.id, 0), COALESCE(w.duty_id, 0),"
                     " w.priority, w.due_days FROM work_templates w"
                     " LEFT JOIN users u ON u.id = w.assignee_id AND u.active = 1 WHERE w.id = ?",
                     "i", tpl);
  if (db_step(st) == DB_ROW) {
    title = xstrdup(db_col_text(st, 0));
    desc = xstrdup(db_col_text(st, 1));
    unit = db_col_int(st, 2);
    user = db_col_int(st, 3);
    duty = db_col_int(st, 4);
    prio = xstrdup(db_col_text(st, 5));
    due_days = db_col_int(st, 6);
  }
  db_done(st);
  rc = title ? DB_OK : DB_ERR;
  char deadline[11];
  work_date_fmt(occ + due_days, deadline);
  const char *status = work_status_key(user ? WS_ATANDI : WS_YENI);
  int64_t now = now_unix(), id = 0;
  if (!rc) {
    char *full = xmalloc(strlen(title) + strlen(period) + 4);
    sprintf(full, "%s (%s)", title, period);
    rc = db_run(d,
                "INSERT INTO work_tasks (title, description, unit_id, assignee_id, duty_id, priority, status,"
                " deadline, template_id, period, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "ttiIItttitii", full, desc, unit, user, duty, prio, status, deadline, tpl, period, now, now);
    free(full);
  }
  if (!rc) {
    id = db_last_id(d);
    rc = work_event(d, id, 0, "scheduler", "create", NULL, status, 0, unit, 0, user, period);
  }
  if (!rc)
    rc = db_run(d, "UPDATE work_templates SET last_period = ? WHERE id = ?", "ti", period, tpl);
  if (!rc) {
    struct actor who = audit_system("scheduler");
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{sIsssssIss}", "template", (json_int_t)tpl, "period", period, "title", title, "unit",
                              (json_int_t)unit, "deadline", deadline);
    rc = audit_write(d, &who, "create", "task", idtxt, unit, NULL, after);
    json_decref(after);
  }
  free(title);
  free(desc);
  free(prio);
  if (rc || db_commit(d)) {
    db_rollback(d);
    /* Another server generated the same period first: not an error. */
    return rc == DB_CONSTRAINT ? 0 : -1;
  }
  log_info("recurring task created", "template=%lld period=%s task=%lld", (long long)tpl, period, (long long)id);
  return 0;
}

int work_job_recurring(db *d)
{
  int64_t today = work_today();
  size_t n = 0, cap = 0;
  struct due {
    int64_t tpl, occ;
    char period[16];
  } *list = NULL;
  db_stmt *st = db_q(d,
                     "SELECT id, rule, start_date, COALESCE(last_period, '') FROM work_templates WHERE active = 1"
                     " ORDER BY id",
                     "");
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    struct work_rule rule;
    int64_t start, occ;
    char period[16];
    if (work_rule_parse(db_col_text(st, 1), &rule) || work_date_parse(db_col_text(st, 2), &start))
      continue;
    if (!work_rule_due(&rule, today, start, &occ, period) || str_eq(period, db_col_text(st, 3)))
      continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      list = xrealloc(list, cap * sizeof *list);
    }
    list[n].tpl = db_col_int(st, 0);
    list[n].occ = occ;
    memcpy(list[n].period, period, sizeof period);
    n++;
  }
  db_done(st);
  int ret = rc < 0 ? rc : 0;
  for (size_t i = 0; i < n; i++)
    if (generate(d, list[i].tpl, list[i].period, list[i].occ))
      ret = -1;
  free(list);
  return ret;
}
