/* requests.c - authorisation requests (yetki talebi) for a person x
 * system x role and their approval chain:
 *
 *   talep --(unit manager)--> birim_onayi --(IT manager or system owner)-->
 *   bt_onayi --(technician)--> saglaniyor --(technician, note)--> saglandi
 *
 * A request made by the unit's manager, or registered from an incoming
 * letter (number and date), starts at birim_onayi; anyone in the chain
 * may reject it with a reason while it is open, and the requester may
 * withdraw it (iptal). Provisioning creates the grant. Each step is
 * checked here, on the server, and leaves a history event and an audit
 * row in the same transaction. */
#include "access.h"
#include "access_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, HISTORY_MAX = 200 };

static const struct {
  const char *key, *label;
} statuses[AS_COUNT] = {
    [AS_TALEP] = {"talep", N_("requested")},
    [AS_BIRIM_ONAYI] = {"birim_onayi", N_("approved by the unit")},
    [AS_BT_ONAYI] = {"bt_onayi", N_("approved by IT / the system owner")},
    [AS_SAGLANIYOR] = {"saglaniyor", N_("being provisioned")},
    [AS_SAGLANDI] = {"saglandi", N_("provisioned")},
    [AS_REDDEDILDI] = {"reddedildi", N_("rejected")},
    [AS_IPTAL] = {"iptal", N_("withdrawn")},
};

const char *access_status_key(int st)
{
  return st >= 0 && st < AS_COUNT ? statuses[st].key : "";
}

const char *access_status_label(int st)
{
  return st >= 0 && st < AS_COUNT ? statuses[st].label : "";
}

int access_status_from_key(const char *key)
{
  for (int i = 0; key && i < AS_COUNT; i++)
    if (str_eq(statuses[i].key, key))
      return i;
  return -1;
}

bool access_status_final(int st)
{
  return st == AS_SAGLANDI || st == AS_REDDEDILDI || st == AS_IPTAL;
}

/* ---- the record ------------------------------------------------------------------ */

struct req {
  int64_t id, person_id, person_user, system_id, role_id, unit_id, created_by, created_at, updated_at;
  int64_t provisioned_by, provisioned_at, grant_id;
  int status;
  const char *person_name, *role_code, *role_name, *unit_code, *unit_name, *reason, *expires_on, *source;
  const char *letter_no, *letter_date, *provision_note, *reject_reason;
  struct access_system sys;
};

#define REQ_SELECT                                                                                              \
  "SELECT q.id, q.person_id, p.name, p.user_id, q.system_id, q.role_id, ro.code, ro.name, q.unit_id, u.code,"   \
  " u.name, q.reason, q.expires_on, q.source, q.letter_no, q.letter_date, q.status, q.created_by, q.created_at," \
  " q.updated_at, q.provisioned_by, q.provisioned_at, q.provision_note, q.reject_reason, q.grant_id"             \
  " FROM access_requests q JOIN org_people p ON p.id = q.person_id JOIN access_roles ro ON ro.id = q.role_id"   \
  " JOIN units u ON u.id = q.unit_id JOIN access_systems s ON s.id = q.system_id"                              \
  " JOIN units su ON su.id = s.owner_unit_id"

static const char *col(db_stmt *st, arena *a, int i)
{
  return arena_strdup(a, db_col_text(st, i));
}

static void req_row(db_stmt *st, arena *a, struct req *q)
{
  memset(q, 0, sizeof *q);
  q->id = db_col_int(st, 0);
  q->person_id = db_col_int(st, 1);
  q->person_name = col(st, a, 2);
  q->person_user = db_col_int(st, 3);
  q->system_id = db_col_int(st, 4);
  q->role_id = db_col_int(st, 5);
  q->role_code = col(st, a, 6);
  q->role_name = col(st, a, 7);
  q->unit_id = db_col_int(st, 8);
  q->unit_code = col(st, a, 9);
  q->unit_name = col(st, a, 10);
  q->reason = col(st, a, 11);
  q->expires_on = col(st, a, 12);
  q->source = col(st, a, 13);
  q->letter_no = col(st, a, 14);
  q->letter_date = col(st, a, 15);
  q->status = access_status_from_key(db_col_text(st, 16));
  q->created_by = db_col_int(st, 17);
  q->created_at = db_col_int(st, 18);
  q->updated_at = db_col_int(st, 19);
  q->provisioned_by = db_col_int(st, 20);
  q->provisioned_at = db_col_int(st, 21);
  q->provision_note = col(st, a, 22);
  q->reject_reason = col(st, a, 23);
  q->grant_id = db_col_int(st, 24);
}

static int req_load(db *d, arena *a, int64_t id, struct req *q)
{
  db_stmt *st = db_q(d, REQ_SELECT " WHERE q.id = ?", "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW)
    req_row(st, a, q);
  db_done(st);
  if (rc == DB_ROW && access_system_load(d, a, q->system_id, &q->sys) != DB_ROW)
    rc = DB_ERR;
  return rc;
}

/* ---- who may do what ------------------------------------------------------------- */

enum action { A_APPROVE, A_START, A_PROVISION, A_REJECT, A_CANCEL, A_COUNT };
static const char *const action_keys[A_COUNT] = {"approve", "start", "provision", "reject", "cancel"};

static bool may_unit(int64_t me, const struct req *q)
{
  return rbac_can(me, "access.request_unit", q->unit_id);
}

static bool may_read(int64_t me, const struct req *q)
{
  return q->created_by == me || (q->person_user && q->person_user == me) ||
         rbac_can(me, "access.read_unit", q->unit_id) || may_unit(me, q) || access_may_approve(me, &q->sys) ||
         access_may_provision(me, &q->sys) || (q->sys.owner_id && q->sys.owner_id == me);
}

/* Is the action possible in the request's status at all? */
static bool action_fits(enum action a, int st)
{
  switch (a) {
  case A_APPROVE: return st == AS_TALEP || st == AS_BIRIM_ONAYI;
  case A_START: return st == AS_BT_ONAYI;
  case A_PROVISION: return st == AS_BT_ONAYI || st == AS_SAGLANIYOR;
  case A_REJECT: return !access_status_final(st);
  case A_CANCEL: return st == AS_TALEP || st == AS_BIRIM_ONAYI || st == AS_BT_ONAYI;
  default: return false;
  }
}

/* Four eyes: whoever gave the IT (or system owner's) approval does not
 * also provision the same request. */
static bool approved_it(int64_t me, const struct req *q)
{
  int64_t one = 0;
  return db_int(db_thread(), &one,
                "SELECT 1 FROM access_request_events WHERE request_id = ? AND actor_id = ? AND to_status = 'bt_onayi'"
                " LIMIT 1",
                "ii", q->id, me) == DB_ROW;
}

/* May me take the action in the request's current status? */
static bool may_act(int64_t me, const struct req *q, enum action a)
{
  if (!action_fits(a, q->status))
    return false;
  switch (a) {
  case A_APPROVE: return q->status == AS_TALEP ? may_unit(me, q) : access_may_approve(me, &q->sys);
  case A_START:
  case A_PROVISION: return access_may_provision(me, &q->sys) && !approved_it(me, q);
  case A_REJECT: return may_unit(me, q) || access_may_approve(me, &q->sys) || access_may_provision(me, &q->sys);
  case A_CANCEL: return q->created_by == me || (q->person_user && q->person_user == me) || may_unit(me, q);
  default: return false;
  }
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *history_json(db *d, int64_t id)
{
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT at, actor, kind, from_status, to_status, note FROM access_request_events"
                     " WHERE request_id = ? ORDER BY id LIMIT ?",
                     "ii", id, (int64_t)HISTORY_MAX);
  while (db_step(st) == DB_ROW) {
    json_t *o = json_object();
    jsonx_set_time(o, "at", db_col_int(st, 0));
    jsonx_set_str(o, "actor", db_col_text(st, 1));
    jsonx_set_str(o, "kind", db_col_text(st, 2));
    jsonx_set_str(o, "from_status", db_col_text(st, 3));
    jsonx_set_str(o, "to_status", db_col_text(st, 4));
    jsonx_set_str(o, "note", db_col_text(st, 5));
    json_array_append_new(items, o);
  }
  db_done(st);
  return items;
}

static json_t *request_json(request *r, const struct req *q, bool full)
{
  db *d = db_thread();
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(q->id));
  json_object_set_new(o, "person", json_pack("{sIss}", "id", (json_int_t)q->person_id, "name", q->person_name));
  json_object_set_new(o, "system", json_pack("{sIssss}", "id", (json_int_t)q->system_id, "code", q->sys.code, "name",
                                             q->sys.name));
  json_object_set_new(o, "role", json_pack("{sIssss}", "id", (json_int_t)q->role_id, "code", q->role_code, "name",
                                           q->role_name));
  json_object_set_new(o, "unit", json_pack("{ssss}", "code", q->unit_code, "name", q->unit_name));
  jsonx_set_str(o, "reason", q->reason);
  jsonx_set_str(o, "expires_on", q->expires_on);
  jsonx_set_str(o, "source", q->source);
  jsonx_set_str(o, "letter_no", q->letter_no);
  jsonx_set_str(o, "letter_date", q->letter_date);
  jsonx_set_str(o, "status", access_status_key(q->status));
  jsonx_set_str(o, "status_label", _(access_status_label(q->status)));
  json_object_set_new(o, "created_by", access_user_json(d, q->created_by));
  jsonx_set_time(o, "created_at", q->created_at);
  jsonx_set_time(o, "updated_at", q->updated_at);
  json_object_set_new(o, "provisioned_by", access_user_json(d, q->provisioned_by));
  jsonx_set_time(o, "provisioned_at", q->provisioned_at);
  jsonx_set_str(o, "provision_note", q->provision_note);
  jsonx_set_str(o, "reject_reason", q->reject_reason);
  json_object_set_new(o, "grant_id", q->grant_id ? json_integer(q->grant_id) : json_null());
  if (full) {
    json_object_set_new(o, "approver", json_string(q->sys.approver));
    json_object_set_new(o, "history", history_json(d, q->id));
    json_t *acts = json_array();
    for (int a = 0; a < A_COUNT; a++)
      if (may_act(r->user->id, q, (enum action)a))
        json_array_append_new(acts, json_string(action_keys[a]));
    json_object_set_new(o, "allowed_actions", acts);
  }
  return o;
}

static int reply_req(request *r, int status, int64_t id)
{
  struct req q;
  if (req_load(db_thread(), r->a, id, &q) != DB_ROW)
    return -1;
  return http_json(r, status, request_json(r, &q, true));
}

static int event(db *d, int64_t id, const struct actor *who, const char *kind, const char *from, const char *to,
                 const char *note)
{
  return db_run(d,
                "INSERT INTO access_request_events (request_id, at, actor_id, actor, kind, from_status, to_status,"
                " note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "iiIttttt", id, now_unix(), who->user_id, who->name, kind, from, to, note && *note ? note : NULL);
}

/* ---- create ------------------------------------------------------------------------------ */

int access_api_request_create(request *r)
{
  static const struct jfield fields[] = {
      {"person", JT_INT, true, 0},          {"system", JT_INT, true, 0},
      {"role", JT_INT, true, 0},            {"reason", JT_STRING, true, 2000},
      {"expires_on", JT_STRING, false, 10}, {"letter_no", JT_STRING, false, 64},
      {"letter_date", JT_STRING, false, 10},
  };
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  db *d = db_thread();
  int64_t me = r->user->id;
  struct access_err e = {0};
  int64_t person = jsonx_int(in, "person", 0), system = jsonx_int(in, "system", 0), role = jsonx_int(in, "role", 0);
  const char *reason = access_trim(r->a, jsonx_str(in, "reason"));
  const char *expires = jsonx_str(in, "expires_on"), *letter_no = access_trim(r->a, jsonx_str(in, "letter_no"));
  const char *letter_date = jsonx_str(in, "letter_date");
  expires = expires && *expires ? arena_strdup(r->a, expires) : NULL;
  letter_date = letter_date && *letter_date ? arena_strdup(r->a, letter_date) : NULL;
  if (letter_no && !*letter_no)
    letter_no = NULL;
  json_decref(in);

  /* the person, the system and the role */
  int64_t unit = 0, person_user = 0;
  db_stmt *st = db_q(d, "SELECT unit_id, COALESCE(user_id, 0) FROM org_people WHERE id = ? AND active = 1", "i",
                     person);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    unit = db_col_int(st, 0);
    person_user = db_col_int(st, 1);
  }
  db_done(st);
  if (rc < 0)
    return -1;
  if (!unit)
    access_field(&e, "person", _("Unknown person, or the person has left."));
  struct access_system sys;
  rc = system > 0 ? access_system_load(d, r->a, system, &sys) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW || !sys.active)
    access_field(&e, "system", _("Unknown or inactive system."));
  int64_t one;
  if (!e.fields && db_int(d, &one, "SELECT 1 FROM access_roles WHERE id = ? AND system_id = ? AND active = 1", "ii",
                          role, system) != DB_ROW)
    access_field(&e, "role", _("Choose one of the system's roles."));
  access_check_text(&e, "reason", reason, 2000, true);
  char today[11];
  access_today(today);
  if (expires && !access_date_ok(expires))
    access_field(&e, "expires_on", _("Use a date of the form YYYY-MM-DD."));
  else if (expires && strcmp(expires, today) < 0)
    access_field(&e, "expires_on", _("The end date is in the past."));
  bool letter = letter_no || letter_date;
  if (letter) {
    access_check_text(&e, "letter_no", letter_no, 64, true);
    if (!letter_date)
      access_field(&e, "letter_date", _("This field is required."));
    else if (!access_date_ok(letter_date))
      access_field(&e, "letter_date", _("Use a date of the form YYYY-MM-DD."));
    else if (strcmp(letter_date, today) > 0)
      access_field(&e, "letter_date", _("The letter's date is in the future."));
  } else if (!e.fields && sys.requires_letter) {
    access_field(&e, "letter_no",
                 _("This system needs a formal letter (resmi yazı): register the request from the letter."));
  }
  if (e.fields)
    return access_reply_err(r, &e);

  /* who: a letter is registered by its officers; otherwise the unit's
   * manager, or the person themself (who then waits for the manager) */
  bool manager = rbac_can(me, "access.request_unit", unit);
  if (letter ? !rbac_has(me, "access.register_letter") : !(manager || (person_user && person_user == me)))
    return http_forbidden(r);
  if (db_int(d, &one, "SELECT 1 FROM access_grants WHERE person_id = ? AND role_id = ? AND status <> 'revoked'", "ii",
             person, role) == DB_ROW)
    return http_error(r, 409, "already_granted", _("The person already holds this role."), NULL);
  if (db_int(d, &one,
             "SELECT 1 FROM access_requests WHERE person_id = ? AND role_id = ?"
             " AND status IN ('talep', 'birim_onayi', 'bt_onayi', 'saglaniyor')",
             "ii", person, role) == DB_ROW)
    return http_error(r, 409, "duplicate", _("An open request for this person and role exists."), NULL);

  const char *status = access_status_key(letter || manager ? AS_BIRIM_ONAYI : AS_TALEP);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0;
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO access_requests (person_id, system_id, role_id, unit_id, reason, expires_on, source,"
                " letter_no, letter_date, status, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iiiitttttt" "iii", person, system, role, unit, reason, expires, letter ? "letter" : "self", letter_no,
                letter_date, status, me, now, now);
  if (!rc) {
    id = db_last_id(d);
    const char *note = letter ? arena_printf(r->a, "%s %s (%s)", _("Letter"), letter_no, letter_date)
                              : (manager ? _("Requested by the unit's manager.") : NULL);
    rc = event(d, id, &who, "create", NULL, status, note);
  }
  if (!rc) {
    json_t *after = json_pack("{sIsIsIssssss?ssss?ss?}", "person", (json_int_t)person, "system", (json_int_t)system,
                              "role", (json_int_t)role, "reason", reason, "status", status, "expires_on", expires,
                              "source", letter ? "letter" : "self", "letter_no", letter_no, "letter_date",
                              letter_date);
    rc = access_audit(d, &who, "create", "access_request", id, unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_req(r, 201, id);
}

/* ---- the chain ------------------------------------------------------------------------------ */

/* Runs action a on request id with note; 0 done, >0 an HTTP status with e
 * set, <0 store error. */
static int act(request *r, int64_t id, enum action a, const char *note, struct access_err *e)
{
  db *d = db_thread();
  int64_t me = r->user->id;
  struct req q;
  int rc = id ? req_load(d, r->a, id, &q) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return access_fail(e, 404, "not_found", _("The page or resource was not found."));
  if (!may_read(me, &q))
    return access_fail(e, 403, "forbidden", _("You do not have permission for this."));
  note = access_trim(r->a, note);
  bool need_note = a == A_REJECT || a == A_PROVISION;
  access_check_text(e, a == A_REJECT ? "reason" : "note", note, 2000, need_note);
  if (e->fields)
    return 400;
  if (!action_fits(a, q.status))
    return access_fail(e, 409, "invalid_state",
                       arena_printf(r->a, _("Not possible while the request is \"%s\"."),
                                    _(access_status_label(q.status))));
  if (!may_act(me, &q, a)) {
    const char *why = _("You do not have permission for this.");
    if (a == A_APPROVE && q.status == AS_TALEP)
      why = _("Only a manager of the requesting unit can approve this step.");
    else if (a == A_APPROVE)
      why = str_eq(q.sys.approver, "system_owner") ? _("Only the system owner can approve this step.")
                                                   : _("Only the IT manager can approve this step.");
    else if (a == A_START || a == A_PROVISION)
      why = _("Only the system's technical staff can provision access.");
    return access_fail(e, 403, "forbidden", why);
  }
  int to = q.status;
  const char *kind = action_keys[a];
  switch (a) {
  case A_APPROVE:
    to = q.status == AS_TALEP ? AS_BIRIM_ONAYI : AS_BT_ONAYI;
    kind = q.status == AS_TALEP ? "unit_approve" : "approve";
    break;
  case A_START: to = AS_SAGLANIYOR; break;
  case A_PROVISION: to = AS_SAGLANDI; break;
  case A_REJECT: to = AS_REDDEDILDI; break;
  case A_CANCEL: to = AS_IPTAL; break;
  default: break;
  }
  const char *from = access_status_key(q.status), *tos = access_status_key(to);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), grant = 0;
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "UPDATE access_requests SET status = ?, updated_at = ? WHERE id = ? AND status = ?", "tiit", tos,
                now, id, from);
  if (!rc && db_changes(d) != 1) {
    db_rollback(d);
    return access_fail(e, 409, "conflict", _("The request was changed meanwhile; reload and try again."));
  }
  if (!rc && a == A_PROVISION) {
    rc = db_run(d,
                "INSERT INTO access_grants (person_id, system_id, role_id, request_id, granted_at, granted_by,"
                " expires_on) VALUES (?, ?, ?, ?, ?, ?, ?)",
                "iiiiiit", q.person_id, q.system_id, q.role_id, id, now, me, q.expires_on);
    if (rc == DB_CONSTRAINT) {
      db_rollback(d);
      return access_fail(e, 409, "already_granted", _("The person already holds this role."));
    }
    if (!rc) {
      grant = db_last_id(d);
      rc = db_run(d,
                  "UPDATE access_requests SET provisioned_by = ?, provisioned_at = ?, provision_note = ?,"
                  " grant_id = ? WHERE id = ?",
                  "iitii", me, now, note, grant, id);
    }
    if (!rc) {
      json_t *after = json_pack("{sIsIsIsIss?}", "person", (json_int_t)q.person_id, "system", (json_int_t)q.system_id,
                                "role", (json_int_t)q.role_id, "request", (json_int_t)id, "expires_on", q.expires_on);
      rc = access_audit(d, &who, "create", "access_grant", grant, q.unit_id, NULL, after);
      json_decref(after);
    }
  }
  if (!rc && a == A_REJECT)
    rc = db_run(d, "UPDATE access_requests SET reject_reason = ? WHERE id = ?", "ti", note, id);
  if (!rc)
    rc = event(d, id, &who, kind, from, tos, note);
  if (!rc) {
    json_t *before = json_pack("{ss}", "status", from), *after = json_pack("{ss}", "status", tos);
    if (note && *note)
      json_object_set_new(after, a == A_REJECT ? "reason" : "note", json_string(note));
    rc = access_audit(d, &who, kind, "access_request", id, q.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

static int api_act(request *r, enum action a)
{
  static const struct jfield fields[] = {
      {"note", JT_STRING, false, 2000},
      {"reason", JT_STRING, false, 2000},
  };
  int64_t id = access_route_id(r, "id");
  if (!id)
    return http_not_found(r);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  const char *note = jsonx_str(in, a == A_REJECT ? "reason" : "note");
  note = note ? arena_strdup(r->a, note) : NULL;
  json_decref(in);
  struct access_err e = {0};
  int rc = act(r, id, a, note, &e);
  if (rc < 0)
    return -1;
  if (rc)
    return access_reply_err(r, &e);
  return reply_req(r, 200, id);
}

int access_api_request_approve(request *r) { return api_act(r, A_APPROVE); }
int access_api_request_start(request *r) { return api_act(r, A_START); }
int access_api_request_provision(request *r) { return api_act(r, A_PROVISION); }
int access_api_request_reject(request *r) { return api_act(r, A_REJECT); }
int access_api_request_cancel(request *r) { return api_act(r, A_CANCEL); }

int access_api_request_get(request *r)
{
  struct req q;
  int64_t id = access_route_id(r, "id");
  int rc = id ? req_load(db_thread(), r->a, id, &q) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  if (!may_read(r->user->id, &q))
    return http_forbidden(r);
  return http_json(r, 200, request_json(r, &q, true));
}

/* ---- lists ------------------------------------------------------------------------------------ */

/* "Does the user (one ?) hold perm on a unit whose subtree holds path?" */
#define REACH(perm, path)                                                                                   \
  "EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role AND rp.perm = '" perm "'" \
  " JOIN users gx ON gx.id = g.user_id AND gx.active = 1 JOIN units gu ON gu.id = g.unit_id"               \
  " WHERE g.user_id = ? AND substr(" path ", 1, length(gu.path)) = gu.path)"

/* Each clause binds the user id once per "?". */
static const char MINE[] = "(q.created_by = ? OR p.user_id = ?)";
static const char TODO[] =
    "((q.status = 'talep' AND " REACH("access.request_unit", "u.path") ")"
    " OR (q.status = 'birim_onayi' AND ((s.approver = 'it_manager' AND " REACH("access.approve", "su.path") ")"
    "  OR (s.approver = 'system_owner' AND s.owner_id = ?)))"
    " OR (q.status IN ('bt_onayi', 'saglaniyor') AND (s.tech_owner_id = ? OR " REACH("access.provision", "su.path") ")))";
static const char VISIBLE[] =
    "(q.created_by = ? OR p.user_id = ? OR s.owner_id = ? OR s.tech_owner_id = ?"
    " OR " REACH("access.read_unit", "u.path") " OR " REACH("access.request_unit", "u.path")
    " OR " REACH("access.approve", "su.path") " OR " REACH("access.provision", "su.path") ")";

static size_t count_q(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += *s == '?';
  return n;
}

json_t *access_requests_view(request *r, const char *view, const char *status, int64_t limit, int64_t cursor,
                             bool *more, int64_t *last_id)
{
  const char *clause = str_eq(view, "mine") ? MINE : str_eq(view, "todo") ? TODO : VISIBLE;
  const char *sql = arena_printf(r->a,
                                 REQ_SELECT " WHERE %s AND (? IS NULL OR q.status = ?) AND (? = 0 OR q.id < ?)"
                                            " ORDER BY q.id DESC LIMIT ?",
                                 clause);
  size_t nu = count_q(clause), n = nu + 5;
  struct db_arg *args = arena_alloc(r->a, n * sizeof *args);
  char *types = arena_alloc(r->a, n + 1);
  memset(args, 0, n * sizeof *args);
  for (size_t i = 0; i < nu; i++) {
    types[i] = 'i';
    args[i].i = r->user->id;
  }
  memcpy(types + nu, "ttiii", 6);
  args[nu].t = status;
  args[nu + 1].t = status;
  args[nu + 2].i = cursor;
  args[nu + 3].i = cursor;
  args[nu + 4].i = limit + 1;
  db *d = db_thread();
  db_stmt *st = db_qa(d, sql, types, args);
  json_t *items = json_array();
  struct req *rows = arena_alloc(r->a, sizeof *rows * (size_t)(limit + 1));
  int64_t nrows = 0;
  *more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (nrows == limit) {
      *more = true;
      break;
    }
    req_row(st, r->a, &rows[nrows++]);
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return NULL;
  }
  for (int64_t i = 0; i < nrows; i++) {
    if (access_system_load(d, r->a, rows[i].system_id, &rows[i].sys) != DB_ROW)
      continue;
    json_t *o = request_json(r, &rows[i], false);
    json_t *acts = json_array();
    for (int a = 0; a < A_COUNT; a++)
      if (may_act(r->user->id, &rows[i], (enum action)a))
        json_array_append_new(acts, json_string(action_keys[a]));
    json_object_set_new(o, "allowed_actions", acts);
    json_array_append_new(items, o);
  }
  *last_id = nrows ? rows[nrows - 1].id : 0;
  return items;
}

int access_api_requests_list(request *r)
{
  struct access_err e = {0};
  const char *view = req_query(r, "view"), *status = req_query(r, "status");
  if (!view || !*view)
    view = "all";
  if (!str_eq(view, "mine") && !str_eq(view, "todo") && !str_eq(view, "all"))
    access_field(&e, "view", _("Use one of: mine, todo, all."));
  if (status && !*status)
    status = NULL;
  if (status && access_status_from_key(status) < 0)
    access_field(&e, "status", _("Unknown status."));
  if (e.fields)
    return access_reply_err(r, &e);
  int64_t limit, cursor;
  if (req_paging(r, LIST_DEFAULT, LIST_MAX, &limit, &cursor))
    return 0;
  bool more;
  int64_t last;
  json_t *items = access_requests_view(r, view, status, limit, cursor, &more, &last);
  if (!items)
    return -1;
  return http_json_page(r, items, more, last);
}
