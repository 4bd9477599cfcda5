/* sla.c - the SLA clock: response and resolution targets per category and
 * priority in working minutes of the institution's calendar (weekdays,
 * hours, Turkish public holidays with arife half days; org module), and
 * the scheduler jobs that flag breaches, warn before them, escalate
 * breached tickets to the second level and close resolved tickets that
 * the requester left unanswered. */
#include "desk_int.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/worktime.h"
#include "../org/org.h"

#include <string.h>

enum { JOB_BATCH = 500 };

void desk_sla_targets(db *d, int64_t category_id, int priority, int64_t *response_min, int64_t *resolve_min)
{
  *response_min = 240;
  *resolve_min = 1440;
  /* The category's own row, then its parents', then the default (NULL). */
  for (int depth = 0; depth < 16; depth++) {
    db_stmt *st = db_q(d,
                       "SELECT response_min, resolve_min FROM desk_sla WHERE priority = ? AND"
                       " (category_id = ? OR (? = 0 AND category_id IS NULL))",
                       "iii", (int64_t)priority, category_id, category_id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
      *response_min = db_col_int(st, 0);
      *resolve_min = db_col_int(st, 1);
    }
    db_done(st);
    if (rc == DB_ROW || !category_id)
      return;
    int64_t parent = 0;
    if (db_int(d, &parent, "SELECT COALESCE(parent_id, 0) FROM desk_categories WHERE id = ?", "i", category_id) !=
        DB_ROW)
      parent = 0;
    category_id = parent;
  }
}

void desk_clock_open(db *d, struct desk_clock *c)
{
  /* The org module keeps the calendar cached and checks its version, so a
   * change on the calendar page applies to the next ticket at once. */
  c->ok = org_calendar_load(d, &c->cal) == 0;
  if (!c->ok)
    log_warn("working calendar not readable; SLA counts wall-clock time", "%s", "");
}

void desk_clock_close(struct desk_clock *c)
{
  if (c->ok)
    wt_calendar_free(&c->cal);
  c->ok = false;
}

int64_t desk_clock_add(const struct desk_clock *c, int64_t start, int64_t seconds)
{
  return c->ok ? wt_add(&c->cal, start, seconds) : start + seconds;
}

int64_t desk_clock_between(const struct desk_clock *c, int64_t a, int64_t b)
{
  return c->ok ? wt_between(&c->cal, a, b) : (b > a ? b - a : 0);
}

/* ---- jobs -------------------------------------------------------------------- */

static int breach(db *d, int64_t id, const char *what, bool escalate)
{
  struct actor sys = audit_system("desk.sla");
  int64_t unit = 0, level = 1, category = 0;
  db_stmt *st = db_q(d, "SELECT unit_id, level, COALESCE(category_id, 0) FROM desk_tickets WHERE id = ?", "i", id);
  if (db_step(st) == DB_ROW) {
    unit = db_col_int(st, 0);
    level = db_col_int(st, 1);
    category = db_col_int(st, 2);
  }
  db_done(st);
  int64_t l2 = 0;
  if (escalate && level < 2 && category &&
      db_int(d, &l2, "SELECT COALESCE(l2_unit_id, 0) FROM desk_categories WHERE id = ?", "i", category) != DB_ROW)
    l2 = 0;
  int rc = db_begin(d);
  if (!rc && str_eq(what, "response"))
    rc = db_run(d, "UPDATE desk_tickets SET response_breached = 1 WHERE id = ?", "i", id);
  else if (!rc)
    rc = db_run(d,
                "UPDATE desk_tickets SET resolve_breached = 1, level = CASE WHEN ? THEN 2 ELSE level END,"
                " unit_id = CASE WHEN ? > 0 THEN ? ELSE unit_id END,"
                " assignee_id = CASE WHEN ? > 0 THEN NULL ELSE assignee_id END,"
                " status = CASE WHEN ? > 0 THEN 0 ELSE status END WHERE id = ?",
                "iiiiii", (int64_t)(escalate && level < 2), l2, l2, l2, l2, id);
  if (!rc)
    rc = desk_event(d, id, &sys, "sla_breach", NULL, what, NULL);
  if (!rc && escalate && level < 2)
    rc = desk_event(d, id, &sys, "escalated", "1", "2", _("Resolution time exceeded"));
  if (!rc) {
    json_t *after = json_pack("{ss}", "breached", what);
    rc = desk_audit(d, &sys, "sla_breach", id, l2 ? l2 : unit, NULL, after);
    json_decref(after);
  }
  if (!rc)
    desk_notify_unit(d, id, l2 ? l2 : unit, str_eq(what, "response") ? "response_breach" : "resolve_breach", NULL);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

int desk_job_sla(db *d)
{
  int64_t now = now_unix(), ids[JOB_BATCH];
  int n = 0, failed = 0;
  db_stmt *st = db_q(d,
                     "SELECT id FROM desk_tickets WHERE status < 4 AND paused_at IS NULL AND"
                     " first_response_at IS NULL AND response_breached = 0 AND response_due < ? LIMIT ?",
                     "ii", now, (int64_t)JOB_BATCH);
  while (db_step(st) == DB_ROW && n < JOB_BATCH)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  for (int i = 0; i < n; i++)
    failed += breach(d, ids[i], "response", false) != 0;
  n = 0;
  st = db_q(d,
            "SELECT id FROM desk_tickets WHERE status < 4 AND paused_at IS NULL AND resolve_breached = 0"
            " AND resolve_due < ? LIMIT ?",
            "ii", now, (int64_t)JOB_BATCH);
  while (db_step(st) == DB_ROW && n < JOB_BATCH)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  for (int i = 0; i < n; i++)
    failed += breach(d, ids[i], "resolve", true) != 0;
  /* A warning when four fifths of the resolution time have gone. */
  n = 0;
  st = db_q(d,
            "SELECT id, unit_id FROM desk_tickets WHERE status < 4 AND paused_at IS NULL AND resolve_breached = 0"
            " AND resolve_due >= ? AND warned = 0 AND ? >= resolve_due - (resolve_due - created_at) / 5 LIMIT ?",
            "iii", now, now, (int64_t)JOB_BATCH);
  int64_t units[JOB_BATCH];
  while (db_step(st) == DB_ROW && n < JOB_BATCH) {
    ids[n] = db_col_int(st, 0);
    units[n++] = db_col_int(st, 1);
  }
  db_done(st);
  struct actor sys = audit_system("desk.sla");
  for (int i = 0; i < n; i++) {
    int rc = db_begin(d);
    if (!rc)
      rc = db_run(d, "UPDATE desk_tickets SET warned = 1 WHERE id = ?", "i", ids[i]);
    if (!rc)
      rc = desk_event(d, ids[i], &sys, "sla_warning", NULL, NULL, NULL);
    if (!rc)
      desk_notify_unit(d, ids[i], units[i], "sla_warning", NULL);
    if (rc || db_commit(d)) {
      db_rollback(d);
      failed++;
    }
  }
  return failed ? -1 : 0;
}

int desk_job_autoclose(db *d)
{
  int64_t days = desk_config()->autoclose_days;
  if (days <= 0)
    return 0;
  int64_t now = now_unix(), ids[JOB_BATCH], units[JOB_BATCH];
  int n = 0, failed = 0;
  db_stmt *st = db_q(d, "SELECT id, unit_id FROM desk_tickets WHERE status = 4 AND resolved_at < ? LIMIT ?", "ii",
                     now - days * 86400, (int64_t)JOB_BATCH);
  while (db_step(st) == DB_ROW && n < JOB_BATCH) {
    ids[n] = db_col_int(st, 0);
    units[n++] = db_col_int(st, 1);
  }
  db_done(st);
  struct actor sys = audit_system("desk.autoclose");
  for (int i = 0; i < n; i++) {
    int rc = db_begin(d);
    if (!rc)
      rc = db_run(d, "UPDATE desk_tickets SET status = 5, closed_at = ?, updated_at = ? WHERE id = ? AND status = 4",
                  "iii", now, now, ids[i]);
    if (!rc)
      rc = desk_event(d, ids[i], &sys, "status", "cozuldu", "kapandi", _("Closed automatically after resolution"));
    if (!rc) {
      json_t *after = json_pack("{ss}", "status", "kapandi");
      rc = desk_audit(d, &sys, "autoclose", ids[i], units[i], NULL, after);
      json_decref(after);
    }
    if (rc || db_commit(d)) {
      db_rollback(d);
      failed++;
    }
  }
  return failed ? -1 : 0;
}
