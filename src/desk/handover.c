/* handover.c - what the handover checklist (src/handover/) asks of the
 * service desk: the open tickets of a leaving person's account, and giving
 * one to the successor the way the assign action does (event + audit). */
#include "desk.h"
#include "desk_int.h"
#include "../core/jsonx.h"

#include <stdio.h>

int desk_user_open_tickets(db *d, int64_t user_id, json_t **out)
{
  *out = json_array();
  db_stmt *st = db_q(d,
                     "SELECT t.id, t.subject, t.status, u.code FROM desk_tickets t JOIN units u ON u.id = t.unit_id"
                     " WHERE t.assignee_id = ? AND t.status < ? ORDER BY t.id LIMIT 500",
                     "ii", user_id, (int64_t)DS_COZULDU);
  if (!st)
    return DB_ERR;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(o, "subject", db_col_text(st, 1));
    jsonx_set_str(o, "status", desk_status_key((int)db_col_int(st, 2)));
    jsonx_set_str(o, "unit", db_col_text(st, 3));
    json_array_append_new(*out, o);
  }
  db_done(st);
  return rc < 0 ? rc : 0;
}

int desk_ticket_reassign(db *d, const struct actor *who, int64_t id, int64_t assignee, const char *note)
{
  int64_t unit = 0, old = 0, status = 0;
  db_stmt *st = db_q(d, "SELECT unit_id, COALESCE(assignee_id, 0), status FROM desk_tickets WHERE id = ?", "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    unit = db_col_int(st, 0);
    old = db_col_int(st, 1);
    status = db_col_int(st, 2);
  }
  db_done(st);
  if (rc != DB_ROW)
    return rc < 0 ? rc : 1;
  if (!desk_status_open((int)status))
    return 1;
  int to = status == DS_YENI ? DS_ATANDI : (int)status;
  if ((rc = db_begin(d)))
    return rc;
  rc = db_run(d, "UPDATE desk_tickets SET assignee_id = ?, status = ?, updated_at = ? WHERE id = ?", "iiii", assignee,
              (int64_t)to, now_unix(), id);
  char from_txt[64], to_txt[64];
  snprintf(from_txt, sizeof from_txt, "%lld/%lld", (long long)unit, (long long)old);
  snprintf(to_txt, sizeof to_txt, "%lld/%lld", (long long)unit, (long long)assignee);
  if (!rc)
    rc = desk_event(d, id, who, "assigned", from_txt, to_txt, note);
  if (!rc) {
    json_t *before = json_pack("{sIsIss}", "unit", (json_int_t)unit, "assignee", (json_int_t)old, "status",
                               desk_status_key((int)status));
    json_t *after = json_pack("{sIsIss}", "unit", (json_int_t)unit, "assignee", (json_int_t)assignee, "status",
                              desk_status_key(to));
    rc = desk_audit(d, who, "assign", id, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return rc < 0 ? rc : DB_ERR;
  }
  return 0;
}
