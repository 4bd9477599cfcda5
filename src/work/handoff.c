/* handoff.c - tasks made by other modules (work.h): a module that needs a
 * person to do something (revoke an access, return a device) creates a
 * task here inside its own transaction, later reads its status and may
 * complete it when the work was recorded on its side. */
#include "work.h"
#include "work_int.h"
#include "../core/jsonx.h"

#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A prefix of s of at most max bytes that does not cut a UTF-8 sequence. */
static char *cut(const char *s, size_t max)
{
  size_t n = s ? strlen(s) : 0;
  if (n > max) {
    n = max;
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
      n--;
  }
  return xstrndup(s ? s : "", n);
}

int work_task_add(db *d, const struct actor *who, const char *title, const char *body, int64_t unit_id,
                  int64_t assignee_id, const char *due_on, const char *ref, int64_t *id_out)
{
  int64_t due = 0;
  char dls[11] = "";
  if (due_on && *due_on) {
    if (work_date_parse(due_on, &due))
      return DB_ERR;
    work_date_fmt(due, dls);
  }
  if (!unit_id && assignee_id && work_user_unit(d, assignee_id, &unit_id) != DB_ROW)
    assignee_id = 0; /* an inactive assignee: the task goes to the unit's queue */
  if (!unit_id)
    unit_id = rbac_root_unit(d);
  char *t = cut(title, 200), *b = cut(body, 10000);
  const char *status = work_status_key(assignee_id ? WS_ATANDI : WS_YENI);
  int64_t now = now_unix(), id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO work_tasks (title, description, unit_id, assignee_id, priority, status, deadline,"
                " created_by, created_at, updated_at, ref) VALUES (?, ?, ?, ?, 'normal', ?, ?, ?, ?, ?, ?)",
                "ttiIttIiit", t, b, unit_id, assignee_id, status, *dls ? dls : NULL, who->user_id, now, now, ref);
  if (!rc) {
    id = db_last_id(d);
    rc = work_event(d, id, who->user_id, who->name, "create", NULL, status, 0, unit_id, 0, assignee_id, ref);
  }
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{sssIsIssss?}", "title", t, "unit", (json_int_t)unit_id, "assignee",
                              (json_int_t)assignee_id, "status", status, "ref", ref);
    if (*dls)
      json_object_set_new(after, "deadline", json_string(dls));
    rc = audit_write(d, who, "create", "task", idtxt, unit_id, NULL, after);
    json_decref(after);
  }
  free(t);
  free(b);
  if (rc) {
    db_rollback(d);
    return rc < 0 ? rc : DB_ERR;
  }
  if ((rc = db_commit(d))) {
    db_rollback(d);
    return rc;
  }
  if (id_out)
    *id_out = id;
  return 0;
}

int work_task_status(db *d, int64_t id, char out[16])
{
  out[0] = 0;
  db_stmt *st = db_q(d, "SELECT status FROM work_tasks WHERE id = ?", "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW)
    snprintf(out, 16, "%s", db_col_text(st, 0) ? db_col_text(st, 0) : "");
  db_done(st);
  return rc;
}

int work_task_complete(db *d, const struct actor *who, int64_t id, const char *note)
{
  char from[16];
  int rc = work_task_status(d, id, from);
  if (rc != DB_ROW)
    return rc < 0 ? rc : DB_ERR;
  if (work_status_final(work_status_from_key(from)))
    return 0;
  const char *to = work_status_key(WS_TAMAMLANDI);
  int64_t now = now_unix(), unit = 0;
  if ((rc = db_begin(d)))
    return rc;
  rc = db_run(d, "UPDATE work_tasks SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?", "tiii", to, now,
              now, id);
  if (!rc)
    rc = work_event(d, id, who->user_id, who->name, "transition", from, to, 0, 0, 0, 0, note);
  if (!rc && db_int(d, &unit, "SELECT unit_id FROM work_tasks WHERE id = ?", "i", id) != DB_ROW)
    rc = DB_ERR;
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *before = json_pack("{ss}", "status", from);
    json_t *after = json_pack("{ss}", "status", to);
    if (note && *note)
      json_object_set_new(after, "note", json_string(note));
    rc = audit_write(d, who, "transition", "task", idtxt, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc) {
    db_rollback(d);
    return rc;
  }
  if ((rc = db_commit(d)))
    db_rollback(d);
  return rc;
}

int work_user_open_tasks(db *d, int64_t user_id, json_t **out)
{
  *out = json_array();
  db_stmt *st = db_q(d, "SELECT id, title, status, deadline FROM work_tasks WHERE assignee_id = ? ORDER BY id LIMIT 2000",
                     "i", user_id);
  if (!st)
    return DB_ERR;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (work_status_final(work_status_from_key(db_col_text(st, 2))) || json_array_size(*out) >= 500)
      continue;
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(o, "title", db_col_text(st, 1));
    jsonx_set_str(o, "status", db_col_text(st, 2));
    jsonx_set_str(o, "deadline", db_col_text(st, 3));
    json_array_append_new(*out, o);
  }
  db_done(st);
  return rc < 0 ? rc : 0;
}

int work_task_reassign(db *d, const struct actor *who, int64_t id, int64_t assignee, const char *note)
{
  char from[16];
  int64_t unit = 0, old = 0;
  int rc = work_task_status(d, id, from);
  if (rc != DB_ROW)
    return rc < 0 ? rc : 1;
  if (work_status_final(work_status_from_key(from)))
    return 1;
  db_stmt *st = db_q(d, "SELECT unit_id, COALESCE(assignee_id, 0) FROM work_tasks WHERE id = ?", "i", id);
  if ((rc = db_step(st)) == DB_ROW) {
    unit = db_col_int(st, 0);
    old = db_col_int(st, 1);
  }
  db_done(st);
  if (rc != DB_ROW)
    return rc < 0 ? rc : 1;
  const char *to = str_eq(from, work_status_key(WS_YENI)) ? work_status_key(WS_ATANDI) : from;
  if ((rc = db_begin(d)))
    return rc;
  rc = db_run(d, "UPDATE work_tasks SET assignee_id = ?, status = ?, updated_at = ? WHERE id = ?", "itii", assignee,
              to, now_unix(), id);
  if (!rc)
    rc = work_event(d, id, who->user_id, who->name, "assign", from, to, unit, unit, old, assignee, note);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *before = json_pack("{sIsIss}", "unit", (json_int_t)unit, "assignee", (json_int_t)old, "status", from);
    json_t *after = json_pack("{sIsIssss?}", "unit", (json_int_t)unit, "assignee", (json_int_t)assignee, "status",
                              to, "reason", note);
    rc = audit_write(d, who, "assign", "task", idtxt, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return rc < 0 ? rc : DB_ERR;
  }
  return 0;
}
