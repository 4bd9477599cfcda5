/* grants.c - the grants: the truth of who holds what (person x system x
 * role, since, until, from which request). A grant is "active", then
 * "revoking" while a task asks the system's technical owner to remove
 * the access (after it expired, or a reviewer revoked it), then
 * "revoked" once that task is completed or a technician revokes it
 * directly. The access.expiry job makes the tasks and follows them. */
#include "access.h"
#include "access_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/rbac.h"
#include "../work/work.h"

#include <stdio.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, PERSON_MAX = 500, JOB_BATCH = 200, REVOKE_DAYS = 3 };

#define GRANT_SELECT                                                                                            \
  "SELECT g.id, g.person_id, p.name, pu.name, g.system_id, s.code, s.name, g.role_id, ro.code, ro.name,"        \
  " g.request_id, g.granted_at, g.granted_by, g.expires_on, g.status, g.revoke_task_id, g.revoke_reason,"       \
  " g.revoked_at, g.revoked_by, g.revoke_note"                                                                  \
  " FROM access_grants g JOIN org_people p ON p.id = g.person_id JOIN units pu ON pu.id = p.unit_id"            \
  " JOIN access_systems s ON s.id = g.system_id JOIN units su ON su.id = s.owner_unit_id"                      \
  " JOIN access_roles ro ON ro.id = g.role_id"

static json_t *ref3(db_stmt *st, int id, int code, int name)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, id)));
  if (code >= 0)
    jsonx_set_str(o, "code", db_col_text(st, code));
  jsonx_set_str(o, "name", db_col_text(st, name));
  return o;
}

static json_t *grant_row(db *d, db_stmt *st)
{
  char today[11];
  access_today(today);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  json_t *person = ref3(st, 1, -1, 2);
  jsonx_set_str(person, "unit", db_col_text(st, 3));
  json_object_set_new(o, "person", person);
  json_object_set_new(o, "system", ref3(st, 4, 5, 6));
  json_object_set_new(o, "role", ref3(st, 7, 8, 9));
  json_object_set_new(o, "request_id", db_col_null(st, 10) ? json_null() : json_integer(db_col_int(st, 10)));
  jsonx_set_time(o, "since", db_col_int(st, 11));
  json_object_set_new(o, "granted_by", access_user_json(d, db_col_int(st, 12)));
  const char *exp = db_col_text(st, 13), *status = db_col_text(st, 14);
  jsonx_set_str(o, "expires_on", exp);
  json_object_set_new(o, "expired", json_boolean(exp && strcmp(exp, today) < 0 && !str_eq(status, "revoked")));
  jsonx_set_str(o, "status", status);
  json_object_set_new(o, "revoke_task_id", db_col_null(st, 15) ? json_null() : json_integer(db_col_int(st, 15)));
  jsonx_set_str(o, "revoke_reason", db_col_text(st, 16));
  jsonx_set_time(o, "revoked_at", db_col_int(st, 17));
  json_object_set_new(o, "revoked_by", access_user_json(d, db_col_int(st, 18)));
  jsonx_set_str(o, "revoke_note", db_col_text(st, 19));
  return o;
}

/* Rows of GRANT_SELECT + where (binding args), at most limit. */
static json_t *grants_query(db *d, arena *a, const char *where, const char *types, const struct db_arg *args,
                            int64_t limit, bool *more, int64_t *last_id)
{
  db_stmt *st = db_qa(d, arena_printf(a, GRANT_SELECT " WHERE %s ORDER BY g.id DESC LIMIT ?", where), types, args);
  json_t *items = json_array();
  int rc;
  int64_t n = 0;
  if (more)
    *more = false;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit) {
      if (more)
        *more = true;
      break;
    }
    if (last_id)
      *last_id = db_col_int(st, 0);
    json_array_append_new(items, grant_row(d, st));
    n++;
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return NULL;
  }
  return items;
}

json_t *access_person_active_grants(db *d, int64_t person_id)
{
  arena *a = arena_new();
  struct db_arg args[] = {{.i = person_id}, {.i = PERSON_MAX + 1}};
  json_t *items = grants_query(d, a, "g.person_id = ? AND g.status <> 'revoked'", "ii", args, PERSON_MAX, NULL, NULL);
  arena_free(a);
  return items;
}

/* ---- revoking ------------------------------------------------------------------------- */

struct grant_brief {
  int64_t id, person_id, system_id, revoke_task_id, unit_id;
  const char *status, *person, *system, *role;
};

static int grant_brief(db *d, arena *a, int64_t id, struct grant_brief *g)
{
  memset(g, 0, sizeof *g);
  db_stmt *st = db_q(d,
                     "SELECT g.id, g.person_id, g.system_id, COALESCE(g.revoke_task_id, 0), g.status, p.name,"
                     " s.name, ro.name, p.unit_id FROM access_grants g JOIN org_people p ON p.id = g.person_id"
                     " JOIN access_systems s ON s.id = g.system_id JOIN access_roles ro ON ro.id = g.role_id"
                     " WHERE g.id = ?",
                     "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    g->id = db_col_int(st, 0);
    g->person_id = db_col_int(st, 1);
    g->system_id = db_col_int(st, 2);
    g->revoke_task_id = db_col_int(st, 3);
    g->status = arena_strdup(a, db_col_text(st, 4));
    g->person = arena_strdup(a, db_col_text(st, 5));
    g->system = arena_strdup(a, db_col_text(st, 6));
    g->role = arena_strdup(a, db_col_text(st, 7));
    g->unit_id = db_col_int(st, 8);
  }
  db_done(st);
  return rc;
}

static bool task_open(db *d, int64_t task_id)
{
  char s[16];
  return task_id && work_task_status(d, task_id, s) == DB_ROW && !str_eq(s, "tamamlandi") && !str_eq(s, "iptal");
}

int access_grant_start_revoke(db *d, const struct actor *who, int64_t grant_id, const char *why, int64_t *task_id)
{
  arena *a = arena_new();
  struct grant_brief g;
  struct access_system sys;
  int rc = grant_brief(d, a, grant_id, &g);
  if (rc == DB_ROW)
    rc = access_system_load(d, a, g.system_id, &sys);
  if (rc != DB_ROW) {
    arena_free(a);
    return rc < 0 ? rc : DB_ERR;
  }
  *task_id = 0;
  if (str_eq(g.status, "revoked")) {
    arena_free(a);
    return 0;
  }
  rc = db_begin(d);
  if (!rc && task_open(d, g.revoke_task_id)) {
    *task_id = g.revoke_task_id;
  } else if (!rc) {
    char due[11];
    access_day_from_today(REVOKE_DAYS, due);
    const char *title = arena_printf(a, _("Revoke access: %s - %s / %s"), g.person, g.system, g.role);
    const char *body = arena_printf(a, "%s\n%s: %s\n%s: %s\n%s: %s\n%s: %s\n%s: /access/people/%lld",
                                    _("Remove this access on the system, then complete the task."), _("Person"),
                                    g.person, _("System"), g.system, _("Role"), g.role, _("Reason"), why, _("Details"),
                                    (long long)g.person_id);
    rc = work_task_add(d, who, title, body, sys.owner_unit_id, sys.tech_owner_id, due,
                       arena_printf(a, "access.grant:%lld", (long long)grant_id), task_id);
  }
  if (!rc)
    rc = db_run(d,
                "UPDATE access_grants SET status = 'revoking', revoke_task_id = ?, revoke_reason = ? WHERE id = ?",
                "iti", *task_id, why, grant_id);
  if (!rc) {
    json_t *before = json_pack("{ss}", "status", g.status);
    json_t *after = json_pack("{sssIss}", "status", "revoking", "task", (json_int_t)*task_id, "reason", why);
    rc = access_audit(d, who, "revoke_start", "access_grant", grant_id, g.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  arena_free(a);
  if (rc) {
    db_rollback(d);
    return rc;
  }
  if ((rc = db_commit(d)))
    db_rollback(d);
  return rc;
}

int access_grant_revoke(db *d, const struct actor *who, int64_t grant_id, const char *note)
{
  arena *a = arena_new();
  struct grant_brief g;
  int rc = grant_brief(d, a, grant_id, &g);
  if (rc != DB_ROW || str_eq(g.status, "revoked")) {
    arena_free(a);
    return rc < 0 ? rc : 1;
  }
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE access_grants SET status = 'revoked', revoked_at = ?, revoked_by = ?, revoke_note = ?,"
                " revoke_reason = COALESCE(revoke_reason, 'manual') WHERE id = ?",
                "iIti", now_unix(), who->user_id, note, grant_id);
  if (!rc && task_open(d, g.revoke_task_id))
    rc = work_task_complete(d, who, g.revoke_task_id, note);
  if (!rc) {
    json_t *before = json_pack("{ss}", "status", g.status);
    json_t *after = json_pack("{ssss?}", "status", "revoked", "note", note);
    rc = access_audit(d, who, "revoke", "access_grant", grant_id, g.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  arena_free(a);
  if (rc) {
    db_rollback(d);
    return rc;
  }
  if ((rc = db_commit(d)))
    db_rollback(d);
  return rc;
}

/* ---- the job --------------------------------------------------------------------------------- */

/* Follows a revoke task: completed -> revoked; cancelled -> active again
 * (the task stays linked, so an expired grant is not asked about twice). */
static int follow_task(db *d, const struct actor *who, int64_t grant_id, int64_t task_id, int64_t unit_id)
{
  char s[16];
  int rc = work_task_status(d, task_id, s);
  if (rc != DB_ROW)
    return rc < 0 ? rc : 0;
  bool done = str_eq(s, "tamamlandi"), dropped = str_eq(s, "iptal");
  if (!done && !dropped)
    return 0;
  char note[96];
  snprintf(note, sizeof note, _("Revoke task #%lld completed."), (long long)task_id);
  rc = db_begin(d);
  if (!rc && done)
    rc = db_run(d,
                "UPDATE access_grants SET status = 'revoked', revoked_at = ?, revoke_note = ?"
                " WHERE id = ? AND status = 'revoking'",
                "iti", now_unix(), note, grant_id);
  if (!rc && dropped)
    rc = db_run(d, "UPDATE access_grants SET status = 'active' WHERE id = ? AND status = 'revoking'", "i", grant_id);
  if (!rc) {
    json_t *after = json_pack("{sssI}", "status", done ? "revoked" : "active", "task", (json_int_t)task_id);
    rc = access_audit(d, who, done ? "revoke" : "revoke_cancelled", "access_grant", grant_id, unit_id, NULL, after);
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

int access_job_expiry(db *d)
{
  i18n_use("tr");
  struct actor who = audit_system("access.expiry");
  char today[11];
  access_today(today);
  int64_t ids[JOB_BATCH], tasks[JOB_BATCH], units[JOB_BATCH];
  size_t n = 0;
  db_stmt *st = db_q(d,
                     "SELECT id FROM access_grants WHERE status = 'active' AND expires_on IS NOT NULL"
                     " AND expires_on < ? AND revoke_task_id IS NULL ORDER BY id LIMIT ?",
                     "ti", today, (int64_t)JOB_BATCH);
  while (db_step(st) == DB_ROW && n < JOB_BATCH)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    int64_t task = 0;
    rc = access_grant_start_revoke(d, &who, ids[i], "expired", &task);
  }
  n = 0;
  st = db_q(d,
            "SELECT g.id, g.revoke_task_id, p.unit_id FROM access_grants g JOIN org_people p ON p.id = g.person_id"
            " WHERE g.status = 'revoking' AND g.revoke_task_id IS NOT NULL ORDER BY g.id LIMIT ?",
            "i", (int64_t)JOB_BATCH);
  while (db_step(st) == DB_ROW && n < JOB_BATCH) {
    ids[n] = db_col_int(st, 0);
    tasks[n] = db_col_int(st, 1);
    units[n++] = db_col_int(st, 2);
  }
  db_done(st);
  for (size_t i = 0; i < n && !rc; i++)
    rc = follow_task(d, &who, ids[i], tasks[i], units[i]);
  if (rc)
    log_error("access expiry job failed", "rc=%d", rc);
  return rc;
}

/* ---- API --------------------------------------------------------------------------------- */

#define REACH(perm, path)                                                                                   \
  "EXISTS (SELECT 1 FROM effective_grants gg JOIN role_perms rp ON rp.role = gg.role AND rp.perm = '" perm "'" \
  " JOIN users gx ON gx.id = gg.user_id AND gx.active = 1 JOIN units gu ON gu.id = gg.unit_id"               \
  " WHERE gg.user_id = ? AND substr(" path ", 1, length(gu.path)) = gu.path)"

/* Binds the user id 6 times. */
static const char VISIBLE[] = "(p.user_id = ? OR s.owner_id = ? OR s.tech_owner_id = ?"
                              " OR " REACH("access.read_unit", "pu.path") " OR " REACH("access.provision", "su.path")
                              " OR " REACH("access.approve", "su.path") ")";

int access_api_grants_list(request *r)
{
  struct access_err e = {0};
  int64_t person = 0, system = 0, limit, cursor;
  const char *ps = req_query(r, "person"), *ss = req_query(r, "system"), *status = req_query(r, "status");
  if (ps && *ps && (parse_i64(ps, &person) || person <= 0))
    access_field(&e, "person", _("Unknown person."));
  if (ss && *ss && (parse_i64(ss, &system) || system <= 0))
    access_field(&e, "system", _("Unknown or inactive system."));
  if (!status || !*status)
    status = "live";
  if (!str_eq(status, "live") && !str_eq(status, "active") && !str_eq(status, "revoking") &&
      !str_eq(status, "revoked") && !str_eq(status, "all"))
    access_field(&e, "status", _("Use one of: live, active, revoking, revoked, all."));
  if (e.fields)
    return access_reply_err(r, &e);
  if (req_paging(r, LIST_DEFAULT, LIST_MAX, &limit, &cursor))
    return 0;
  int64_t me = r->user->id;
  struct db_arg args[] = {{.i = me},     {.i = me},     {.i = me},     {.i = me},     {.i = me},
                          {.i = me},     {.i = person}, {.i = person}, {.i = system}, {.i = system},
                          {.t = status}, {.t = status}, {.t = status}, {.i = cursor}, {.i = cursor},
                          {.i = limit + 1}};
  bool more;
  int64_t last = 0;
  json_t *items = grants_query(db_thread(), r->a,
                               arena_printf(r->a,
                                            "%s AND (? = 0 OR g.person_id = ?) AND (? = 0 OR g.system_id = ?)"
                                            " AND (? = 'all' OR (? = 'live' AND g.status <> 'revoked') OR g.status = ?)"
                                            " AND (? = 0 OR g.id < ?)",
                                            VISIBLE),
                               "iiiiiiiiiitttiii", args, limit, &more, &last);
  if (!items)
    return -1;
  return http_json_page(r, items, more, last);
}

int access_person_from_route(request *r, int64_t *id, const char **name, const char **unit)
{
  db *d = db_thread();
  *id = access_route_id(r, "id");
  int64_t unit_id = 0, user = 0;
  db_stmt *st = db_q(d,
                     "SELECT p.name, u.name, p.unit_id, COALESCE(p.user_id, 0) FROM org_people p"
                     " JOIN units u ON u.id = p.unit_id WHERE p.id = ?",
                     "i", *id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    *name = arena_strdup(r->a, db_col_text(st, 0));
    *unit = arena_strdup(r->a, db_col_text(st, 1));
    unit_id = db_col_int(st, 2);
    user = db_col_int(st, 3);
  }
  db_done(st);
  if (rc < 0)
    return -1;
  if (rc != DB_ROW) {
    http_not_found(r);
    return 1;
  }
  if (user != r->user->id && !rbac_can(r->user->id, "access.read_unit", unit_id)) {
    http_forbidden(r);
    return 1;
  }
  return 0;
}

int access_api_person_grants(request *r)
{
  int64_t id;
  const char *name, *unit;
  int rc = access_person_from_route(r, &id, &name, &unit);
  if (rc)
    return rc < 0 ? -1 : 0;
  struct db_arg args[] = {{.i = id}, {.i = PERSON_MAX + 1}};
  json_t *items = grants_query(db_thread(), r->a, "g.person_id = ?", "ii", args, PERSON_MAX, NULL, NULL);
  if (!items)
    return -1;
  return http_json(r, 200,
                   json_pack("{s{sIssss}so}", "person", "id", (json_int_t)id, "name", name, "unit", unit, "items",
                             items));
}

int access_api_grant_revoke(request *r)
{
  static const struct jfield fields[] = {{"note", JT_STRING, true, 2000}};
  db *d = db_thread();
  int64_t id = access_route_id(r, "id"), system = 0;
  int rc = id ? db_int(d, &system, "SELECT system_id FROM access_grants WHERE id = ?", "i", id) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  struct access_system sys;
  if (access_system_load(d, r->a, system, &sys) != DB_ROW)
    return -1;
  if (!access_may_provision(r->user->id, &sys))
    return http_forbidden(r);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  const char *note = access_trim(r->a, jsonx_str(in, "note"));
  json_decref(in);
  struct access_err e = {0};
  access_check_text(&e, "note", note, 2000, true);
  if (e.fields)
    return access_reply_err(r, &e);
  struct actor who = audit_actor(r);
  rc = access_grant_revoke(d, &who, id, note);
  if (rc < 0)
    return -1;
  if (rc)
    return http_error(r, 409, "invalid_state", _("The grant is already revoked."), NULL);
  struct db_arg args[] = {{.i = id}, {.i = 2}};
  json_t *items = grants_query(d, r->a, "g.id = ?", "ii", args, 1, NULL, NULL);
  if (!items || !json_array_size(items)) {
    json_decref(items);
    return -1;
  }
  json_t *g = json_incref(json_array_get(items, 0));
  json_decref(items);
  return http_json(r, 200, g);
}
