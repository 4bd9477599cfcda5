/* program.c - the work programme (iş programı): a year of tasks as a grid
 * of units by months, placed by deadline (or by creation when a task has
 * none); plus the figures the coverage report asks for per duty and the
 * dashboard cards. */
#include "work_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PROGRAM_MAX_TASKS = 5000, CELL_MAX_ITEMS = 20 };

struct prow {
  int64_t unit_id;
  json_t *months;  /* borrowed from the row object */
};

static json_t *new_row(int64_t id, const char *code, const char *name, struct prow **rows, size_t *n, json_t *arr)
{
  json_t *o = json_object();
  jsonx_set_str(o, "unit", code);
  jsonx_set_str(o, "unit_name", name);
  json_t *months = json_array();
  for (int m = 1; m <= 12; m++)
    json_array_append_new(months, json_pack("{sisisisisiso}", "month", m, "total", 0, "completed", 0, "open", 0,
                                            "overdue", 0, "tasks", json_array()));
  json_object_set_new(o, "months", months);
  json_array_append_new(arr, o);
  *rows = xrealloc(*rows, (*n + 1) * sizeof **rows);
  (*rows)[*n].unit_id = id;
  (*rows)[*n].months = months;
  (*n)++;
  return months;
}

static void bump(json_t *cell, const char *key)
{
  json_object_set_new(cell, key, json_integer(json_integer_value(json_object_get(cell, key)) + 1));
}

json_t *work_program(request *r, int year, int64_t unit_id)
{
  db *d = db_thread();
  int64_t me = r->user->id;
  const char *path = NULL;
  if (unit_id) {
    db_stmt *st = db_q(d, "SELECT path FROM units WHERE id = ?", "i", unit_id);
    if (db_step(st) == DB_ROW)
      path = arena_strdup(r->a, db_col_text(st, 0));
    db_done(st);
  }
  json_t *arr = json_array();
  struct prow *rows = NULL;
  size_t nrows = 0;
  /* Every unit the caller's grants reach gets a row, even an empty one. */
  db_stmt *st = db_q(d,
                     "SELECT u.id, u.code, u.name FROM units u WHERE u.active = 1"
                     " AND (? IS NULL OR substr(u.path, 1, length(?)) = ?)"
                     " AND EXISTS (SELECT 1 FROM effective_grants g JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                     "  AND substr(u.path, 1, length(gu.path)) = gu.path) ORDER BY u.path",
                     "ttti", path, path, path, me);
  while (db_step(st) == DB_ROW)
    new_row(db_col_int(st, 0), db_col_text(st, 1), db_col_text(st, 2), &rows, &nrows, arr);
  db_done(st);
  char from[11], to[11], today_s[11];
  int64_t jan1 = work_days_from_civil(year, 1, 1), next = work_days_from_civil(year + 1, 1, 1);
  work_date_fmt(jan1, from);
  work_date_fmt(next - 1, to);
  int64_t today = work_today();
  work_date_fmt(today, today_s);
  /* Creation times are placed in Istanbul's calendar year. */
  int64_t t0 = jan1 * 86400 - 3 * 3600, t1 = next * 86400 - 3 * 3600;
  st = db_q(d,
            WORK_TASK_SELECT " WHERE " WORK_VISIBLE
            " AND ((t.deadline >= ? AND t.deadline <= ?) OR (t.deadline IS NULL AND t.created_at >= ? AND t.created_at < ?))"
            " AND (? IS NULL OR substr(tu.path, 1, length(?)) = ?)"
            " ORDER BY tu.path, t.deadline, t.id LIMIT ?",
            "iiittiittti", me, me, me, from, to, t0, t1, path, path, path, (int64_t)PROGRAM_MAX_TASKS + 1);
  int64_t count = 0;
  bool truncated = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (count++ == PROGRAM_MAX_TASKS) {
      truncated = true;
      break;
    }
    struct work_task t;
    work_task_row(st, r->a, &t);
    int64_t day;
    if (!t.deadline || work_date_parse(t.deadline, &day))
      day = work_day_of(t.created_at);
    int y, m, dd;
    work_civil_from_days(day, &y, &m, &dd);
    if (y != year)
      continue;
    json_t *months = NULL;
    for (size_t i = 0; i < nrows && !months; i++)
      if (rows[i].unit_id == t.unit_id)
        months = rows[i].months;
    if (!months)
      months = new_row(t.unit_id, t.unit_code, t.unit_name, &rows, &nrows, arr);
    json_t *cell = json_array_get(months, (size_t)(m - 1));
    bool over = work_overdue(&t, today);
    bump(cell, "total");
    if (t.status == WS_TAMAMLANDI)
      bump(cell, "completed");
    if (!work_status_final(t.status))
      bump(cell, "open");
    if (over)
      bump(cell, "overdue");
    json_t *tasks = json_object_get(cell, "tasks");
    if (json_array_size(tasks) < CELL_MAX_ITEMS)
      json_array_append_new(tasks, json_pack("{sIsssssssb}", "id", (json_int_t)t.id, "title", t.title, "status",
                                             work_status_key(t.status), "deadline", t.deadline ? t.deadline : "",
                                             "overdue", over));
  }
  db_done(st);
  free(rows);
  if (rc < 0) {
    json_decref(arr);
    return NULL;
  }
  json_t *out = json_object();
  json_object_set_new(out, "year", json_integer(year));
  json_object_set_new(out, "rows", arr);
  json_object_set_new(out, "truncated", json_boolean(truncated));
  return out;
}

int work_api_program(request *r)
{
  db *d = db_thread();
  int y, m, dd;
  work_civil_from_days(work_today(), &y, &m, &dd);
  int64_t year = y, unit = 0;
  const char *ys = req_query(r, "year"), *code = req_query(r, "unit");
  json_t *fields = json_object();
  if (ys && *ys && (parse_i64(ys, &year) || year < 2000 || year > 2100))
    json_object_set_new(fields, "year", json_string(_("Use a year such as 2026.")));
  if (code && *code && !(unit = work_unit_id(d, code)))
    json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
  if (json_object_size(fields))
    return http_error(r, 400, "validation", _("Some fields are invalid."), fields);
  json_decref(fields);
  json_t *out = work_program(r, (int)year, unit);
  if (!out)
    return -1;
  jsonx_set_str(out, "unit", code && *code ? code : NULL);
  return http_json(r, 200, out);
}

json_t *work_figures(db *d, const struct figure_query *q)
{
  if (!q || !str_eq(q->capability, "task"))
    return NULL;
  char today[11];
  work_date_fmt(work_today(), today);
  json_t *out = NULL;
  db_stmt *st = db_q(d,
                     "SELECT COUNT(*),"
                     " COALESCE(SUM(CASE WHEN status = 'tamamlandi' THEN 1 ELSE 0 END), 0),"
                     " COALESCE(SUM(CASE WHEN status NOT IN ('tamamlandi', 'iptal') THEN 1 ELSE 0 END), 0),"
                     " COALESCE(SUM(CASE WHEN status NOT IN ('tamamlandi', 'iptal') AND deadline < ? THEN 1 ELSE 0 END), 0)"
                     " FROM work_tasks WHERE duty_id = ? AND created_at >= ? AND created_at < ?",
                     "tiii", today, q->duty_id, q->from, q->to);
  if (db_step(st) == DB_ROW)
    out = json_pack("{sIsIsIsI}", "tasks", (json_int_t)db_col_int(st, 0), "completed", (json_int_t)db_col_int(st, 1),
                    "open", (json_int_t)db_col_int(st, 2), "overdue", (json_int_t)db_col_int(st, 3));
  db_done(st);
  return out;
}

void work_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "task.read"))
    return;
  db *d = db_thread();
  int64_t me = r->user->id, n = 0;
  char today[11];
  work_date_fmt(work_today(), today);
  if (db_int(d, &n,
             "SELECT COUNT(*) FROM work_tasks WHERE assignee_id = ? AND status NOT IN ('tamamlandi', 'iptal')", "i",
             me) == DB_ROW)
    page_stat_card(h, _("My open tasks"), n, "/tasks?view=mine");
  if (db_int(d, &n,
             "SELECT COUNT(*) FROM work_tasks t JOIN units tu ON tu.id = t.unit_id WHERE " WORK_VISIBLE
             " AND t.status NOT IN ('tamamlandi', 'iptal') AND t.deadline < ?",
             "iiit", me, me, me, today) == DB_ROW)
    page_stat_card(h, _("Overdue tasks"), n, "/tasks?view=overdue");
}
