/* deputy.c - vekalet: while a principal is away, a deputy acts with the
 * principal's rights for the days [from, to] (Europe/Istanbul dates).
 * This file records, lists and revokes deputyships in deputies; the
 * permission check itself is core's (rbac_has / rbac_can read grants of
 * the user OR of the principals the user currently deputises for, and the
 * audit trail names such an actor "deputy (vekâleten principal)").
 *
 * Nobody can hand on rights they do not hold: the caller's deputy.manage
 * grant must reach both users' units, and every grant of the principal
 * (permission on a unit) must be one the caller holds on that unit, or
 * could give there anyway (user.manage); so a yonetici cannot deputise
 * for an admin, nor a unit's yonetici for someone with grants above it.
 * Deputyships do not chain: a deputy's own deputy gets only the deputy's
 * own grants. One principal has at most one deputy for any given day. */
#include "org.h"
#include "org_int.h"
#include "../core/tr.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>

#define DEPUTY_SELECT                                                                                                  \
  "SELECT d.id, p.username, p.display_name, q.username, q.display_name, d.from_date, d.to_date, d.reason,"             \
  " d.revoked_at, c.username, d.created_at, COALESCE(p.unit_id, ?)"                                                    \
  " FROM deputies d JOIN users p ON p.id = d.principal_id JOIN users q ON q.id = d.deputy_id"                      \
  " LEFT JOIN users c ON c.id = d.created_by"

static json_t *row_json(db_stmt *st)
{
  char today[11], ts[32];
  org_today(today);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  jsonx_set_str(o, "principal", db_col_text(st, 1));
  jsonx_set_str(o, "principal_name", db_col_text(st, 2));
  jsonx_set_str(o, "deputy", db_col_text(st, 3));
  jsonx_set_str(o, "deputy_name", db_col_text(st, 4));
  jsonx_set_str(o, "from", db_col_text(st, 5));
  jsonx_set_str(o, "to", db_col_text(st, 6));
  jsonx_set_str(o, "reason", db_col_text(st, 7));
  bool revoked = !db_col_null(st, 8);
  if (revoked) {
    fmt_iso8601(db_col_int(st, 8), ts);
    json_object_set_new(o, "revoked_at", json_string(ts));
  } else {
    json_object_set_new(o, "revoked_at", json_null());
  }
  json_object_set_new(
      o, "active",
      json_boolean(!revoked && strcmp(db_col_text(st, 5), today) <= 0 && strcmp(db_col_text(st, 6), today) >= 0));
  jsonx_set_str(o, "created_by", db_col_text(st, 9));
  fmt_iso8601(db_col_int(st, 10), ts);
  json_object_set_new(o, "created_at", json_string(ts));
  return o;
}

static json_t *deputy_json(db *d, int64_t id, int64_t *principal_unit)
{
  json_t *o = NULL;
  db_stmt *st = db_q(d, DEPUTY_SELECT " WHERE d.id = ?", "ii", rbac_root_unit(d), id);
  if (db_step(st) == DB_ROW) {
    o = row_json(st);
    if (principal_unit)
      *principal_unit = db_col_int(st, 11);
  }
  db_done(st);
  return o;
}

int org_api_deputies_list(request *r)
{
  int64_t limit, cursor;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  const char *active = req_query(r, "active");
  int want_active = -1;
  if (active && *active) {
    if (str_eq(active, "1") || str_eq(active, "true"))
      want_active = 1;
    else if (str_eq(active, "0") || str_eq(active, "false"))
      want_active = 0;
    else
      return http_error(r, 400, "validation", _("Some fields are invalid."),
                        json_pack("{ss}", "active", _("Use 1 or 0.")));
  }
  db *d = db_thread();
  char today[11];
  org_today(today);
  /* Visible: the caller's own deputyships, and those whose principal is
   * in a unit the caller's org.read reaches. */
  db_stmt *st =
      db_q(d,
           DEPUTY_SELECT " WHERE d.id > ?"
                         " AND (d.principal_id = ? OR d.deputy_id = ? OR EXISTS (SELECT 1 FROM effective_grants g"
                         "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'org.read'"
                         "  JOIN units gu ON gu.id = g.unit_id JOIN units pu ON pu.id = COALESCE(p.unit_id, ?)"
                         "  WHERE g.user_id = ? AND substr(pu.path, 1, length(gu.path)) = gu.path))"
                         " AND (? < 0 OR (? = 1) = (d.revoked_at IS NULL AND d.from_date <= ? AND d.to_date >= ?))"
                         " ORDER BY d.id LIMIT ?",
           "iiiiiiiitti", rbac_root_unit(d), cursor, r->user->id, r->user->id, rbac_root_unit(d), r->user->id,
           (int64_t)want_active, (int64_t)want_active, today, today, limit + 1);
  json_t *items = json_array();
  int64_t n = 0, last = 0;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit)
      break;
    last = db_col_int(st, 0);
    json_array_append_new(items, row_json(st));
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

/* An active user by name: id and unit (root when the user has none). */
static int64_t user_by_name(db *d, const char *name, int64_t *unit)
{
  int64_t id = 0;
  db_stmt *st = db_q(d, "SELECT id, COALESCE(unit_id, 0) FROM users WHERE username = ? AND active = 1", "t", name);
  if (db_step(st) == DB_ROW) {
    id = db_col_int(st, 0);
    *unit = db_col_int(st, 1) ? db_col_int(st, 1) : rbac_root_unit(d);
  }
  db_done(st);
  return id;
}

int org_api_deputies_create(request *r)
{
  static const struct jfield fields[] = {
      {"principal", JT_STRING, true, 64}, {"deputy", JT_STRING, true, 64},   {"from", JT_STRING, true, 32},
      {"to", JT_STRING, true, 32},        {"reason", JT_STRING, false, 500},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *errors = json_object();
  int64_t punit = 0, dunit = 0;
  int64_t principal = user_by_name(d, jsonx_str(in, "principal"), &punit);
  int64_t deputy = user_by_name(d, jsonx_str(in, "deputy"), &dunit);
  char from[11], to[11], today[11];
  org_today(today);
  if (!principal)
    json_object_set_new(errors, "principal", json_string(_("Unknown user.")));
  if (!deputy)
    json_object_set_new(errors, "deputy", json_string(_("Unknown user.")));
  else if (deputy == principal)
    json_object_set_new(errors, "deputy", json_string(_("A user cannot be their own deputy.")));
  bool dates_ok = true;
  if (tr_date_parse(jsonx_str(in, "from"), from)) {
    json_object_set_new(errors, "from", json_string(_("Dates must look like 2026-01-31.")));
    dates_ok = false;
  }
  if (tr_date_parse(jsonx_str(in, "to"), to)) {
    json_object_set_new(errors, "to", json_string(_("Dates must look like 2026-01-31.")));
    dates_ok = false;
  }
  if (dates_ok && strcmp(to, from) < 0)
    json_object_set_new(errors, "to", json_string(_("The end date is before the start date.")));
  else if (dates_ok && strcmp(to, today) < 0)
    json_object_set_new(errors, "to", json_string(_("This period has already ended.")));
  const char *reason = jsonx_str(in, "reason");
  if (reason && tr_text_check(reason, strlen(reason), true))
    json_object_set_new(errors, "reason", json_string(_("Invalid characters.")));
  int rc = 0;
  if (json_object_size(errors)) {
    rc = http_error(r, 400, "validation", _("Some fields are invalid."), errors);
    goto out;
  }
  if (!rbac_can(r->user->id, "deputy.manage", punit) || !rbac_can(r->user->id, "deputy.manage", dunit)) {
    json_decref(errors);
    rc = http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
    goto out;
  }
  int64_t one = 0;
  /* A grant of the principal that the caller neither holds (same
   * permission on that unit or above) nor could give (user.manage there). */
  int q = db_int(d, &one,
                 "SELECT 1 FROM grants g JOIN role_perms rp ON rp.role = g.role JOIN units gu ON gu.id = g.unit_id"
                 " WHERE g.user_id = ? AND NOT EXISTS (SELECT 1 FROM grants c"
                 "  JOIN role_perms crp ON crp.role = c.role JOIN units cu ON cu.id = c.unit_id"
                 "  WHERE c.user_id = ? AND crp.perm IN (rp.perm, 'user.manage')"
                 "  AND substr(gu.path, 1, length(cu.path)) = cu.path) LIMIT 1",
                 "ii", principal, r->user->id);
  if (q == DB_ROW) {
    json_decref(errors);
    rc = http_error(r, 403, "forbidden", _("You cannot delegate rights you do not hold yourself."), NULL);
    goto out;
  }
  /* one deputy per principal and day; checked inside the write */
  rc = db_begin(d);
  if (rc) {
    json_decref(errors);
    rc = -1;
    goto out;
  }
  q = db_int(d, &one,
             "SELECT 1 FROM deputies WHERE principal_id = ? AND revoked_at IS NULL"
             " AND from_date <= ? AND to_date >= ? LIMIT 1",
             "itt", principal, to, from);
  if (q == DB_ROW) {
    db_rollback(d);
    json_object_set_new(errors, "from", json_string(_("This user already has a deputy for part of this period.")));
    rc = http_error(r, 409, "conflict", _("The record conflicts with an existing one."), errors);
    goto out;
  }
  json_decref(errors);
  int64_t id = 0;
  int w = db_run(d,
                 "INSERT INTO deputies (principal_id, deputy_id, from_date, to_date, reason, created_by,"
                 " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 "iitttIi", principal, deputy, from, to, reason && *reason ? reason : NULL, r->user->id, now_unix());
  json_t *after = NULL;
  if (!w) {
    id = db_last_id(d);
    after = deputy_json(d, id, NULL);
    struct actor who = audit_actor(r);
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    w = after ? audit_write(d, &who, "create", "deputy", idtxt, punit, NULL, after) : DB_ERR;
  }
  if (w || db_commit(d)) {
    db_rollback(d);
    json_decref(after);
    rc = -1;
    goto out;
  }
  rc = http_json(r, 201, after);
out:
  json_decref(in);
  return rc;
}

int org_api_deputy_delete(request *r)
{
  int64_t id, punit = 0;
  if (parse_i64(req_param(r, "id"), &id))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  db *d = db_thread();
  json_t *before = deputy_json(d, id, &punit);
  if (!before)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  int rc;
  if (!rbac_can(r->user->id, "deputy.manage", punit)) {
    rc = http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  } else if (!json_is_null(json_object_get(before, "revoked_at"))) {
    rc = http_error(r, 409, "conflict", _("This deputyship has already been revoked."), NULL);
  } else {
    json_t *after = NULL;
    int w = db_begin(d);
    if (!w)
      w = db_run(d, "UPDATE deputies SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", "ii", now_unix(), id);
    if (!w && !(after = deputy_json(d, id, NULL)))
      w = DB_ERR;
    if (!w) {
      struct actor who = audit_actor(r);
      w = audit_write(d, &who, "revoke", "deputy", req_param(r, "id"), punit, before, after);
    }
    if (w || db_commit(d)) {
      db_rollback(d);
      json_decref(after);
      rc = -1;
    } else {
      rc = http_json(r, 200, after);
    }
  }
  json_decref(before);
  return rc;
}
