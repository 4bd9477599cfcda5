/* reviews.c - access review campaigns (yetki gözden geçirme): for one
 * system or one unit, the grants live when the campaign starts become
 * its lines; the reviewers confirm or revoke each line by the deadline;
 * a revocation gives the system's technical owner a task. The lines keep
 * the names they showed, so the report stays the evidence of what was
 * reviewed (CBDDO's yearly audit asks for it). */
#include "access.h"
#include "access_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, REVIEWERS_MAX = 10, LINES_MAX = 5000 };

bool access_is_reviewer(db *d, int64_t review_id, int64_t user_id)
{
  int64_t one;
  return db_int(d, &one, "SELECT 1 FROM access_review_reviewers WHERE review_id = ? AND user_id = ?", "ii", review_id,
                user_id) == DB_ROW;
}

static int review_load(db *d, arena *a, int64_t id, struct access_review *v)
{
  memset(v, 0, sizeof *v);
  db_stmt *st = db_q(d,
                     "SELECT v.id, v.title, COALESCE(v.system_id, 0), COALESCE(v.unit_id, 0), v.deadline, v.status,"
                     " COALESCE(v.created_by, 0), v.created_at, COALESCE(v.closed_at, 0), COALESCE(s.name, u.name),"
                     " COALESCE(s.owner_unit_id, v.unit_id)"
                     " FROM access_reviews v LEFT JOIN access_systems s ON s.id = v.system_id"
                     " LEFT JOIN units u ON u.id = v.unit_id WHERE v.id = ?",
                     "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    v->id = db_col_int(st, 0);
    v->title = arena_strdup(a, db_col_text(st, 1));
    v->system_id = db_col_int(st, 2);
    v->unit_id = db_col_int(st, 3);
    v->deadline = arena_strdup(a, db_col_text(st, 4));
    v->status = arena_strdup(a, db_col_text(st, 5));
    v->created_by = db_col_int(st, 6);
    v->created_at = db_col_int(st, 7);
    v->closed_at = db_col_int(st, 8);
    v->scope_name = arena_strdup(a, db_col_text(st, 9));
    v->scope_unit_id = db_col_int(st, 10);
  }
  db_done(st);
  return rc;
}

static bool may_see(request *r, const struct access_review *v)
{
  return rbac_has(r->user->id, "access.review_read") || v->created_by == r->user->id ||
         access_is_reviewer(db_thread(), v->id, r->user->id);
}

int access_review_from_route(request *r, struct access_review *v)
{
  int64_t id = access_route_id(r, "id");
  int rc = id ? review_load(db_thread(), r->a, id, v) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW) {
    http_not_found(r);
    return 1;
  }
  if (!may_see(r, v)) {
    http_forbidden(r);
    return 1;
  }
  return 0;
}

bool access_review_overdue(const struct access_review *v)
{
  char today[11];
  access_today(today);
  return str_eq(v->status, "open") && strcmp(v->deadline, today) < 0;
}

json_t *access_review_json(request *r, const struct access_review *v, bool full)
{
  db *d = db_thread();
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(v->id));
  jsonx_set_str(o, "title", v->title);
  json_object_set_new(o, "scope", json_pack("{sssIss}", "kind", v->system_id ? "system" : "unit", "id",
                                            (json_int_t)(v->system_id ? v->system_id : v->unit_id), "name",
                                            v->scope_name ? v->scope_name : ""));
  jsonx_set_str(o, "deadline", v->deadline);
  jsonx_set_str(o, "status", v->status);
  json_object_set_new(o, "overdue", json_boolean(access_review_overdue(v)));
  json_object_set_new(o, "created_by", access_user_json(d, v->created_by));
  jsonx_set_time(o, "created_at", v->created_at);
  jsonx_set_time(o, "closed_at", v->closed_at);
  json_t *revs = json_array();
  db_stmt *st = db_q(d, "SELECT user_id FROM access_review_reviewers WHERE review_id = ? ORDER BY user_id", "i", v->id);
  int64_t ids[REVIEWERS_MAX];
  size_t n = 0;
  while (db_step(st) == DB_ROW && n < REVIEWERS_MAX)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  for (size_t i = 0; i < n; i++)
    json_array_append_new(revs, access_user_json(d, ids[i]));
  json_object_set_new(o, "reviewers", revs);
  int64_t total = 0, confirmed = 0, revoked = 0;
  st = db_q(d,
            "SELECT COUNT(*), COALESCE(SUM(decision = 'confirm'), 0), COALESCE(SUM(decision = 'revoke'), 0)"
            " FROM access_review_lines WHERE review_id = ?",
            "i", v->id);
  if (db_step(st) == DB_ROW) {
    total = db_col_int(st, 0);
    confirmed = db_col_int(st, 1);
    revoked = db_col_int(st, 2);
  }
  db_done(st);
  json_object_set_new(o, "counts", json_pack("{sIsIsIsI}", "lines", (json_int_t)total, "confirmed",
                                             (json_int_t)confirmed, "revoked", (json_int_t)revoked, "pending",
                                             (json_int_t)(total - confirmed - revoked)));
  if (!full)
    return o;
  json_object_set_new(o, "can_decide",
                      json_boolean(str_eq(v->status, "open") && access_is_reviewer(d, v->id, r->user->id)));
  json_object_set_new(o, "can_close", json_boolean(str_eq(v->status, "open") &&
                                                   rbac_can(r->user->id, "access.review_manage", v->scope_unit_id)));
  json_t *lines = json_array();
  st = db_q(d,
            "SELECT l.id, l.grant_id, l.person_name, l.unit_name, l.system_name, l.role_name, l.granted_at,"
            " l.expires_on, l.decision, l.note, COALESCE(l.decided_by, 0), COALESCE(l.decided_at, 0),"
            " l.task_id, g.status, g.person_id FROM access_review_lines l JOIN access_grants g ON g.id = l.grant_id"
            " WHERE l.review_id = ? ORDER BY l.person_name, l.system_name, l.role_name, l.id LIMIT ?",
            "ii", v->id, (int64_t)LINES_MAX);
  while (db_step(st) == DB_ROW) {
    json_t *l = json_object();
    json_object_set_new(l, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(l, "grant_id", json_integer(db_col_int(st, 1)));
    json_object_set_new(l, "person_id", json_integer(db_col_int(st, 14)));
    jsonx_set_str(l, "person", db_col_text(st, 2));
    jsonx_set_str(l, "unit", db_col_text(st, 3));
    jsonx_set_str(l, "system", db_col_text(st, 4));
    jsonx_set_str(l, "role", db_col_text(st, 5));
    jsonx_set_time(l, "since", db_col_int(st, 6));
    jsonx_set_str(l, "expires_on", db_col_text(st, 7));
    jsonx_set_str(l, "decision", db_col_text(st, 8));
    jsonx_set_str(l, "note", db_col_text(st, 9));
    json_object_set_new(l, "decided_by", json_integer(db_col_int(st, 10)));
    jsonx_set_time(l, "decided_at", db_col_int(st, 11));
    json_object_set_new(l, "task_id", db_col_null(st, 12) ? json_null() : json_integer(db_col_int(st, 12)));
    jsonx_set_str(l, "grant_status", db_col_text(st, 13));
    json_array_append_new(lines, l);
  }
  db_done(st);
  /* decided_by as a user reference (after the statement is done) */
  size_t i;
  json_t *l;
  json_array_foreach(lines, i, l)
  {
    int64_t by = jsonx_int(l, "decided_by", 0);
    json_object_set_new(l, "decided_by", access_user_json(d, by));
  }
  json_object_set_new(o, "lines", lines);
  return o;
}

/* ---- create ---------------------------------------------------------------------------- */

int access_api_review_create(request *r)
{
  static const struct jfield fields[] = {
      {"title", JT_STRING, true, 200},  {"system", JT_INT, false, 0},           {"unit", JT_STRING, false, 16},
      {"deadline", JT_STRING, true, 10}, {"reviewers", JT_ARRAY, true, REVIEWERS_MAX},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  db *d = db_thread();
  struct access_err e = {0};
  const char *title = access_trim(r->a, jsonx_str(in, "title"));
  const char *deadline = arena_strdup(r->a, jsonx_str(in, "deadline"));
  int64_t system = jsonx_int(in, "system", 0), unit = 0, scope_unit = 0;
  const char *unit_code = jsonx_str(in, "unit"), *unit_path = NULL;
  int64_t reviewers[REVIEWERS_MAX];
  size_t nrev = 0, i;
  json_t *v;
  json_array_foreach(json_object_get(in, "reviewers"), i, v)
  {
    int64_t uid = json_is_integer(v) ? json_integer_value(v) : 0;
    bool dup = false;
    for (size_t k = 0; k < nrev; k++)
      dup |= reviewers[k] == uid;
    if (!access_user_active(d, uid))
      access_field(&e, "reviewers", _("Unknown or inactive user."));
    else if (!dup && nrev < REVIEWERS_MAX)
      reviewers[nrev++] = uid;
  }
  if (!nrev)
    access_field(&e, "reviewers", _("Name at least one reviewer."));
  access_check_text(&e, "title", title, 200, true);
  char today[11];
  access_today(today);
  if (!access_date_ok(deadline))
    access_field(&e, "deadline", _("Use a date of the form YYYY-MM-DD."));
  else if (strcmp(deadline, today) < 0)
    access_field(&e, "deadline", _("The deadline is in the past."));
  if ((system != 0) == (unit_code && *unit_code))
    access_field(&e, "system", _("Give either a system or a unit."));
  else if (system) {
    struct access_system s;
    if (access_system_load(d, r->a, system, &s) != DB_ROW)
      access_field(&e, "system", _("Unknown or inactive system."));
    else
      scope_unit = s.owner_unit_id;
  } else {
    db_stmt *st = db_q(d, "SELECT id, path FROM units WHERE code = ?", "t", unit_code);
    if (db_step(st) == DB_ROW) {
      unit = scope_unit = db_col_int(st, 0);
      unit_path = arena_strdup(r->a, db_col_text(st, 1));
    }
    db_done(st);
    if (!unit)
      access_field(&e, "unit", _("Unknown unit."));
  }
  json_decref(in);
  if (e.fields)
    return access_reply_err(r, &e);
  if (!rbac_can(r->user->id, "access.review_manage", scope_unit))
    return http_forbidden(r);

  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO access_reviews (title, system_id, unit_id, deadline, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                "tIItii", title, system, unit, deadline, r->user->id, now);
  if (!rc)
    id = db_last_id(d);
  for (size_t k = 0; !rc && k < nrev; k++)
    rc = db_run(d, "INSERT INTO access_review_reviewers (review_id, user_id) VALUES (?, ?)", "ii", id, reviewers[k]);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO access_review_lines (review_id, grant_id, person_name, unit_name, system_name, role_name,"
                " granted_at, expires_on)"
                " SELECT ?, g.id, p.name, pu.name, s.name, ro.name, g.granted_at, g.expires_on FROM access_grants g"
                " JOIN org_people p ON p.id = g.person_id JOIN units pu ON pu.id = p.unit_id"
                " JOIN access_systems s ON s.id = g.system_id JOIN access_roles ro ON ro.id = g.role_id"
                " WHERE g.status <> 'revoked' AND (? = 0 OR g.system_id = ?)"
                " AND (? IS NULL OR substr(pu.path, 1, length(?)) = ?) ORDER BY g.id LIMIT ?",
                "iiittti", id, system, system, unit_path, unit_path, unit_path, (int64_t)LINES_MAX);
  int64_t nlines = 0;
  if (!rc && db_int(d, &nlines, "SELECT COUNT(*) FROM access_review_lines WHERE review_id = ?", "i", id) != DB_ROW)
    rc = DB_ERR;
  if (!rc) {
    json_t *revs = json_array();
    for (size_t k = 0; k < nrev; k++)
      json_array_append_new(revs, json_integer(reviewers[k]));
    json_t *after = json_pack("{sssIsIsssosI}", "title", title, "system", (json_int_t)system, "unit", (json_int_t)unit,
                              "deadline", deadline, "reviewers", revs, "lines", (json_int_t)nlines);
    rc = access_audit(d, &who, "create", "access_review", id, scope_unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  struct access_review rv;
  if (review_load(d, r->a, id, &rv) != DB_ROW)
    return -1;
  return http_json(r, 201, access_review_json(r, &rv, true));
}

/* ---- read ------------------------------------------------------------------------------------ */

int access_api_review_get(request *r)
{
  struct access_review v;
  int rc = access_review_from_route(r, &v);
  if (rc)
    return rc < 0 ? -1 : 0;
  return http_json(r, 200, access_review_json(r, &v, true));
}

json_t *access_reviews_list(request *r, const char *status, int64_t limit, int64_t cursor, bool *more,
                            int64_t *last_id)
{
  db *d = db_thread();
  char today[11];
  access_today(today);
  int64_t me = r->user->id, all = rbac_has(me, "access.review_read");
  db_stmt *st = db_q(d,
                     "SELECT v.id FROM access_reviews v WHERE (? = 1 OR v.created_by = ? OR EXISTS (SELECT 1 FROM"
                     " access_review_reviewers rr WHERE rr.review_id = v.id AND rr.user_id = ?))"
                     " AND (? IS NULL OR (? = 'overdue' AND v.status = 'open' AND v.deadline < ?) OR v.status = ?)"
                     " AND (? = 0 OR v.id < ?) ORDER BY v.id DESC LIMIT ?",
                     "iiitttt" "iii", all, me, me, status, status, today, status, cursor, cursor, limit + 1);
  int64_t *ids = arena_alloc(r->a, sizeof *ids * (size_t)(limit + 1));
  int64_t n = 0;
  *more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit) {
      *more = true;
      break;
    }
    ids[n++] = db_col_int(st, 0);
  }
  db_done(st);
  if (rc < 0)
    return NULL;
  json_t *items = json_array();
  for (int64_t i = 0; i < n; i++) {
    struct access_review v;
    if (review_load(d, r->a, ids[i], &v) == DB_ROW)
      json_array_append_new(items, access_review_json(r, &v, false));
  }
  *last_id = n ? ids[n - 1] : 0;
  return items;
}

int access_api_reviews_list(request *r)
{
  const char *status = req_query(r, "status");
  if (status && !*status)
    status = NULL;
  if (status && !str_eq(status, "open") && !str_eq(status, "closed") && !str_eq(status, "overdue"))
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "status", _("Use one of: open, closed, overdue.")));
  int64_t limit, cursor, last;
  if (req_paging(r, LIST_DEFAULT, LIST_MAX, &limit, &cursor))
    return 0;
  bool more;
  json_t *items = access_reviews_list(r, status, limit, cursor, &more, &last);
  if (!items)
    return -1;
  return http_json_page(r, items, more, last);
}

/* ---- decide and close -------------------------------------------------------------------------- */

int access_api_review_decide(request *r)
{
  static const struct jfield fields[] = {
      {"decision", JT_STRING, true, 16},
      {"note", JT_STRING, false, 2000},
  };
  db *d = db_thread();
  struct access_review v;
  int rc = access_review_from_route(r, &v);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t lid = access_route_id(r, "lid"), grant = 0;
  const char *decided = NULL;
  db_stmt *st = db_q(d, "SELECT grant_id, decision FROM access_review_lines WHERE id = ? AND review_id = ?", "ii", lid,
                     v.id);
  rc = db_step(st);
  if (rc == DB_ROW) {
    grant = db_col_int(st, 0);
    decided = arena_strdup(r->a, db_col_text(st, 1));
  }
  db_done(st);
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct access_err e = {0};
  const char *decision = arena_strdup(r->a, jsonx_str(in, "decision"));
  const char *note = access_trim(r->a, jsonx_str(in, "note"));
  json_decref(in);
  bool revoke = str_eq(decision, "revoke");
  if (!revoke && !str_eq(decision, "confirm"))
    access_field(&e, "decision", _("Use confirm or revoke."));
  access_check_text(&e, "note", note, 2000, revoke);
  if (e.fields)
    return access_reply_err(r, &e);
  if (!access_is_reviewer(d, v.id, r->user->id))
    return http_error(r, 403, "forbidden", _("Only the campaign's reviewers can decide its lines."), NULL);
  if (!str_eq(v.status, "open"))
    return http_error(r, 409, "invalid_state", _("The campaign is closed."), NULL);
  if (decided)
    return http_error(r, 409, "invalid_state", _("This line is already decided."), NULL);

  struct actor who = audit_actor(r);
  int64_t task = 0;
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE access_review_lines SET decision = ?, note = ?, decided_by = ?, decided_at = ?"
                " WHERE id = ? AND decision IS NULL",
                "ttiii", decision, note && *note ? note : NULL, r->user->id, now_unix(), lid);
  if (!rc && db_changes(d) != 1) {
    db_rollback(d);
    return http_error(r, 409, "invalid_state", _("This line is already decided."), NULL);
  }
  if (!rc && revoke)
    rc = access_grant_start_revoke(d, &who, grant, "review", &task);
  if (!rc && task)
    rc = db_run(d, "UPDATE access_review_lines SET task_id = ? WHERE id = ?", "ii", task, lid);
  if (!rc) {
    json_t *after = json_pack("{sIsIssss?}", "line", (json_int_t)lid, "grant", (json_int_t)grant, "decision", decision,
                              "note", note && *note ? note : NULL);
    if (task)
      json_object_set_new(after, "task", json_integer(task));
    rc = access_audit(d, &who, "decide", "access_review", v.id, v.scope_unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return http_json(r, 200, access_review_json(r, &v, true));
}

int access_api_review_close(request *r)
{
  db *d = db_thread();
  struct access_review v;
  int rc = access_review_from_route(r, &v);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!rbac_can(r->user->id, "access.review_manage", v.scope_unit_id))
    return http_forbidden(r);
  if (!str_eq(v.status, "open"))
    return http_error(r, 409, "invalid_state", _("The campaign is closed."), NULL);
  int64_t pending = 0;
  if (db_int(d, &pending, "SELECT COUNT(*) FROM access_review_lines WHERE review_id = ? AND decision IS NULL", "i",
             v.id) != DB_ROW)
    return -1;
  if (pending)
    return http_error(r, 409, "pending_lines",
                      arena_printf(r->a, _("%lld lines are not decided yet."), (long long)pending), NULL);
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE access_reviews SET status = 'closed', closed_at = ?, closed_by = ? WHERE id = ?"
                " AND status = 'open'",
                "iii", now, r->user->id, v.id);
  if (!rc) {
    json_t *before = json_pack("{ss}", "status", "open"), *after = json_pack("{ss}", "status", "closed");
    rc = access_audit(d, &who, "close", "access_review", v.id, v.scope_unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  if (review_load(d, r->a, v.id, &v) != DB_ROW)
    return -1;
  return http_json(r, 200, access_review_json(r, &v, true));
}
