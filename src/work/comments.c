/* comments.c - the conversation on a task: short texts by those who work
 * on it (the assignee, the creator, the unit's managers). */
#include "work_int.h"
#include "../core/audit.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"

#include <stdio.h>
#include <string.h>

enum { COMMENT_MAX = 4000, COMMENTS_SHOWN = 500 };

json_t *work_task_comments(db *d, int64_t id)
{
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT c.id, c.body, u.username, u.display_name, c.created_at FROM work_comments c"
                     " JOIN users u ON u.id = c.author_id WHERE c.task_id = ? ORDER BY c.id LIMIT ?",
                     "ii", id, (int64_t)COMMENTS_SHOWN);
  while (db_step(st) == DB_ROW) {
    char ts[32];
    fmt_iso8601(db_col_int(st, 4), ts);
    json_array_append_new(items, json_pack("{sIssssssss}", "id", (json_int_t)db_col_int(st, 0), "body",
                                           db_col_text(st, 1), "author", db_col_text(st, 2), "author_name",
                                           db_col_text(st, 3), "created_at", ts));
  }
  db_done(st);
  return items;
}

int work_comment_add(request *r, int64_t id, const char *body, int64_t *cid, struct work_err *e)
{
  db *d = db_thread();
  struct work_task t;
  int rc = work_task_for_change(r, id, &t, e);
  if (rc)
    return rc;
  if (!work_can_contribute(r, &t)) {
    work_err_set(e, 403, "forbidden", _("You do not have permission for this."));
    return 403;
  }
  body = work_trim(r->a, body);
  if (!body || !*body)
    work_err_field(e, "body", _("This field is required."));
  else if (strlen(body) > COMMENT_MAX)
    work_err_field(e, "body", _("Too long."));
  else if (!utf8_valid(body, strlen(body)))
    work_err_field(e, "body", _("Invalid characters."));
  if (e->fields)
    return 400;
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "INSERT INTO work_comments (task_id, author_id, body, created_at) VALUES (?, ?, ?, ?)", "iiti",
                id, r->user->id, body, now_unix());
  if (!rc) {
    *cid = db_last_id(d);
    rc = db_run(d, "UPDATE work_tasks SET updated_at = ? WHERE id = ?", "ii", now_unix(), id);
  }
  if (!rc)
    rc = work_event(d, id, r->user->id, r->user->username, "comment", NULL, NULL, 0, 0, 0, 0, NULL);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    json_t *after = json_pack("{sIss}", "comment", (json_int_t)*cid, "body", body);
    rc = audit_write(d, &who, "comment", "task", idtxt, t.unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

int work_api_task_comment(request *r)
{
  static const struct jfield fields[] = {
      {"body", JT_STRING, true, COMMENT_MAX},
  };
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct work_err e = {0};
  int64_t cid = 0;
  int rc = work_comment_add(r, id, jsonx_str(in, "body"), &cid, &e);
  if (rc) {
    json_decref(in);
    return rc < 0 ? -1 : work_err_reply(r, &e);
  }
  char ts[32];
  fmt_iso8601(now_unix(), ts);
  json_t *out = json_pack("{sIssssssss}", "id", (json_int_t)cid, "body", work_trim(r->a, jsonx_str(in, "body")),
                          "author", r->user->username, "author_name", r->user->display_name, "created_at", ts);
  json_decref(in);
  return out ? http_json(r, 201, out) : -1;
}
