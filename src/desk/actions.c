/* actions.c - what happens to a ticket after it is opened: status
 * changes (with the SLA clock paused while the requester is awaited),
 * assignment to a unit queue or a person, escalation to the second level,
 * merging duplicates, comments, the work log and watchers. Each change is
 * one transaction with its history event and audit row. */
#include "desk_int.h"
#include "../core/config.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>

static struct desk_config cfg = {.reopen_days = 10, .autoclose_days = 5, .attachment_max = 10 * 1024 * 1024};

void desk_configure(const config *c)
{
  cfg.reopen_days = config_int(c, "desk.reopen_days", 10);
  cfg.autoclose_days = config_int(c, "desk.autoclose_days", 5);
  cfg.attachment_max = config_int(c, "desk.attachment_max", 10 * 1024 * 1024);
  if (cfg.attachment_max <= 0)
    cfg.attachment_max = 10 * 1024 * 1024;
  snprintf(cfg.default_unit, sizeof cfg.default_unit, "%s", config_get(c, "desk.default_unit", ""));
}

const struct desk_config *desk_config(void)
{
  return &cfg;
}

static int conflict(request *r, const char *code, const char *msg)
{
  return http_error(r, 409, code, msg, NULL);
}

/* Shifts the deadlines by the working time the ticket spent paused. */
static int resume_clock(db *d, const struct desk_ticket *t, int64_t now)
{
  if (!t->paused_at)
    return 0;
  int64_t res = t->resolve_due, resp = t->response_due;
  struct desk_clock clock;
  desk_clock_open(d, &clock);
  if (res > t->paused_at)
    res = desk_clock_add(&clock, now, desk_clock_between(&clock, t->paused_at, res));
  if (!t->first_response_at && resp > t->paused_at)
    resp = desk_clock_add(&clock, now, desk_clock_between(&clock, t->paused_at, resp));
  desk_clock_close(&clock);
  return db_run(d, "UPDATE desk_tickets SET paused_at = NULL, resolve_due = ?, response_due = ? WHERE id = ?", "iii",
                res, resp, t->id);
}

/* The first response of the desk (callers: someone working the ticket). */
static int mark_response(db *d, const struct desk_ticket *t, int64_t now)
{
  if (t->first_response_at)
    return 0;
  return db_run(d,
                "UPDATE desk_tickets SET first_response_at = ?, response_breached = CASE WHEN ? > response_due"
                " THEN 1 ELSE response_breached END WHERE id = ?",
                "iii", now, now, t->id);
}

/* ---- status -------------------------------------------------------------- */

int desk_api_transition(request *r)
{
  static const struct jfield spec[] = {
      {"to", JT_STRING, true, 16},
      {"note", JT_STRING, false, 20000},
      {"waiting", JT_STRING, false, 16},
      {"resolution", JT_STRING, false, 20000},
  };
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  int to = desk_status_from_key(jsonx_str(in, "to"));
  const char *note = jsonx_str(in, "note") ? desk_text(r->a, jsonx_str(in, "note"), 20000, true) : NULL;
  const char *resolution =
      jsonx_str(in, "resolution") ? desk_text(r->a, jsonx_str(in, "resolution"), 20000, true) : NULL;
  const char *waiting = jsonx_str(in, "waiting");
  json_t *fields = json_object();
  if (to < 0)
    json_object_set_new(fields, "to", json_string(_("Unknown status.")));
  if (jsonx_str(in, "note") && !note)
    json_object_set_new(fields, "note", json_string(_("The text contains invalid characters.")));
  if (jsonx_str(in, "resolution") && !resolution)
    json_object_set_new(fields, "resolution", json_string(_("The text contains invalid characters.")));
  if (waiting) {
    const char *w = NULL;
    for (int i = 0; desk_waits[i]; i++)
      if (str_eq(waiting, desk_waits[i]))
        w = desk_waits[i];
    if (!w)
      json_object_set_new(fields, "waiting", json_string(_("Unknown reason for waiting.")));
    waiting = w;
  }
  if (json_object_size(fields)) {
    json_decref(in);
    return desk_invalid(r, fields);
  }
  json_decref(fields);
  json_decref(in);
  if (resolution && !*resolution)
    resolution = NULL;
  int64_t now = now_unix();
  bool worker = desk_can_work(r, &t);
  if (!worker) {
    /* The requester confirms or reopens a resolution, or withdraws a new ticket. */
    bool ok = desk_is_requester(r, &t) &&
              ((t.status == DS_COZULDU && (to == DS_KAPANDI || to == DS_ISLEMDE)) ||
               (t.status == DS_YENI && to == DS_KAPANDI));
    if (!ok)
      return desk_forbidden(r);
    if (to == DS_ISLEMDE && now - t.resolved_at > desk_config()->reopen_days * 86400)
      return conflict(r, "reopen_expired", _("The time to reopen this ticket has passed; open a new one."));
  } else {
    switch (desk_move_check(t.status, to, t.assignee_id != 0, resolution != NULL)) {
    case DM_OK: break;
    case DM_INVALID:
      return conflict(r, "invalid_transition",
                      t.status == DS_KAPANDI ? _("The ticket is closed.") : _("This status change is not allowed."));
    case DM_NEEDS_ASSIGNEE:
      return conflict(r, "needs_assignee", _("Assign the ticket to a person first."));
    case DM_NEEDS_RESOLUTION:
      return desk_invalid(r, json_pack("{ss}", "resolution", _("Describe how the problem was solved.")));
    case DM_NEEDS_MANAGER:
      if (!desk_can_assign(r, &t) && !(desk_is_requester(r, &t) && t.status == DS_YENI))
        return desk_forbidden(r);
      break;
    }
  }
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc && t.status == DS_BEKLEMEDE && to != DS_BEKLEMEDE)
    rc = resume_clock(d, &t, now);
  if (!rc && worker)
    rc = mark_response(d, &t, now);
  if (!rc) {
    switch (to) {
    case DS_BEKLEMEDE:
      if (!waiting)
        waiting = "talep_eden";
      rc = db_run(d, "UPDATE desk_tickets SET waiting = ?, paused_at = ? WHERE id = ?", "tIi", waiting,
                  str_eq(waiting, "talep_eden") ? now : 0, t.id);
      break;
    case DS_COZULDU: {
      char *token = random_token(r->a, 24), hash[65];
      sha256_hex(token, strlen(token), hash);
      rc = db_run(d,
                  "UPDATE desk_tickets SET resolved_at = ?, resolution = ?, rating_token = ?,"
                  " resolve_breached = CASE WHEN ? > resolve_due THEN 1 ELSE resolve_breached END WHERE id = ?",
                  "ittii", now, resolution, hash, now, t.id);
      if (!rc)
        desk_notify(d, t.id, "resolved", token);
      break;
    }
    case DS_KAPANDI:
      rc = db_run(d, "UPDATE desk_tickets SET closed_at = ?, rating_token = CASE WHEN resolved_at IS NULL THEN NULL"
                     " ELSE rating_token END WHERE id = ?", "ii", now, t.id);
      break;
    case DS_ISLEMDE:
      if (t.status == DS_COZULDU)
        rc = db_run(d, "UPDATE desk_tickets SET resolved_at = NULL, rating_token = NULL WHERE id = ?", "i", t.id);
      break;
    default: break;
    }
  }
  if (!rc)
    rc = db_run(d, "UPDATE desk_tickets SET status = ?, updated_at = ? WHERE id = ?", "iii", (int64_t)to, now, t.id);
  if (!rc)
    rc = desk_event(d, t.id, &who, to == DS_ISLEMDE && t.status == DS_COZULDU ? "reopened" : "status",
                    desk_status_key(t.status), desk_status_key(to), resolution ? resolution : note);
  if (!rc) {
    json_t *before = json_pack("{ss}", "status", desk_status_key(t.status));
    json_t *after = json_pack("{ss}", "status", desk_status_key(to));
    if (resolution)
      json_object_set_new(after, "resolution", json_string(resolution));
    rc = desk_audit(d, &who, "transition", t.id, t.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (!rc && !worker && to == DS_ISLEMDE && t.assignee_id)
    desk_notify_unit(d, t.id, t.unit_id, "reopened", note);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_reply_ticket(r, 200, t.id);
}

/* ---- assignment ------------------------------------------------------------- */

int desk_api_assign(request *r)
{
  static const struct jfield spec[] = {
      {"unit", JT_STRING, false, 64},
      {"assignee", JT_ANY, false, 0},
      {"note", JT_STRING, false, 4000},
  };
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  int64_t me = r->user->id, unit = t.unit_id, assignee = t.assignee_id;
  json_t *fields = json_object();
  const char *code = jsonx_str(in, "unit");
  if (code && db_int(d, &unit, "SELECT id FROM units WHERE code = ? AND active = 1", "t", code) != DB_ROW)
    json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
  json_t *av = json_object_get(in, "assignee");
  if (av) {
    if (json_is_null(av))
      assignee = 0;
    else if (!json_is_integer(av) || json_integer_value(av) <= 0)
      json_object_set_new(fields, "assignee", json_string(_("Unknown user.")));
    else
      assignee = json_integer_value(av);
  } else if (code && unit != t.unit_id) {
    assignee = 0; /* a new queue: its chief assigns */
  }
  const char *note = jsonx_str(in, "note") ? desk_text(r->a, jsonx_str(in, "note"), 4000, true) : NULL;
  if (jsonx_str(in, "note") && !note)
    json_object_set_new(fields, "note", json_string(_("The text contains invalid characters.")));
  json_decref(in);
  if (!json_object_size(fields) && assignee && assignee != t.assignee_id) {
    int64_t one = 0;
    if (db_int(d, &one, "SELECT 1 FROM users WHERE id = ? AND active = 1", "i", assignee) != DB_ROW)
      json_object_set_new(fields, "assignee", json_string(_("Unknown user.")));
    else if (!rbac_can(assignee, "desk.work", unit))
      json_object_set_new(fields, "assignee", json_string(_("This person does not work on this unit's tickets.")));
  }
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  if (!desk_status_open(t.status))
    return conflict(r, "invalid_transition", _("Only open tickets can be assigned."));
  /* Chiefs assign anything in their units; a technician may take a ticket of
   * the unit for themselves. */
  bool take = unit == t.unit_id && assignee == me && rbac_can(me, "desk.work", unit);
  if (!desk_can_assign(r, &t) && !take)
    return desk_forbidden(r);
  int64_t now = now_unix();
  int to = t.status;
  if (assignee && t.status == DS_YENI)
    to = DS_ATANDI;
  if (!assignee && t.status == DS_ATANDI)
    to = DS_YENI;
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = mark_response(d, &t, now);
  if (!rc)
    rc = db_run(d, "UPDATE desk_tickets SET unit_id = ?, assignee_id = ?, status = ?, updated_at = ? WHERE id = ?",
                "iIiii", unit, assignee, (int64_t)to, now, t.id);
  char from_txt[64], to_txt[64];
  snprintf(from_txt, sizeof from_txt, "%lld/%lld", (long long)t.unit_id, (long long)t.assignee_id);
  snprintf(to_txt, sizeof to_txt, "%lld/%lld", (long long)unit, (long long)assignee);
  if (!rc)
    rc = desk_event(d, t.id, &who, "assigned", from_txt, to_txt, note);
  if (!rc) {
    json_t *before = json_pack("{sIsIss}", "unit", (json_int_t)t.unit_id, "assignee", (json_int_t)t.assignee_id,
                               "status", desk_status_key(t.status));
    json_t *after = json_pack("{sIsIss}", "unit", (json_int_t)unit, "assignee", (json_int_t)assignee, "status",
                              desk_status_key(to));
    rc = desk_audit(d, &who, "assign", t.id, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (!rc) {
    if (assignee && assignee != t.assignee_id) {
      desk_notify(d, t.id, "assigned", NULL);
      desk_notify_unit(d, t.id, 0, "assigned_to_you", note);
    } else if (unit != t.unit_id) {
      desk_notify_unit(d, t.id, unit, "new", note);
    }
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_reply_ticket(r, 200, t.id);
}

int desk_api_escalate(request *r)
{
  static const struct jfield spec[] = {{"note", JT_STRING, true, 4000}, {"unit", JT_STRING, false, 64}};
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!desk_can_work(r, &t))
    return desk_forbidden(r);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  const char *note = desk_text(r->a, jsonx_str(in, "note"), 4000, true);
  const char *code = jsonx_str(in, "unit");
  int64_t unit = 0;
  json_t *fields = json_object();
  if (!note || !*note)
    json_object_set_new(fields, "note", json_string(_("Say why the ticket needs second level support.")));
  if (code && db_int(d, &unit, "SELECT id FROM units WHERE code = ? AND active = 1", "t", code) != DB_ROW)
    json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
  json_decref(in);
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  if (!desk_status_open(t.status))
    return conflict(r, "invalid_transition", _("Only open tickets can be escalated."));
  if (t.level >= 2 && !code)
    return conflict(r, "already_escalated", _("The ticket is already at the second level."));
  if (!unit && t.category_id &&
      db_int(d, &unit, "SELECT COALESCE(l2_unit_id, 0) FROM desk_categories WHERE id = ?", "i", t.category_id) !=
          DB_ROW)
    unit = 0;
  if (!unit)
    unit = t.unit_id;
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  bool moved = unit != t.unit_id;
  rc = db_begin(d);
  if (!rc)
    rc = mark_response(d, &t, now);
  if (!rc)
    rc = db_run(d,
                "UPDATE desk_tickets SET level = 2, unit_id = ?, assignee_id = CASE WHEN ? THEN NULL ELSE assignee_id"
                " END, status = CASE WHEN ? THEN 0 ELSE status END, updated_at = ? WHERE id = ?",
                "iiiii", unit, (int64_t)moved, (int64_t)moved, now, t.id);
  if (!rc)
    rc = desk_event(d, t.id, &who, "escalated", "1", "2", note);
  if (!rc) {
    json_t *after = json_pack("{sisIss}", "level", 2, "unit", (json_int_t)unit, "note", note);
    rc = desk_audit(d, &who, "escalate", t.id, unit, NULL, after);
    json_decref(after);
  }
  if (!rc)
    desk_notify_unit(d, t.id, unit, "escalated", note);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_reply_ticket(r, 200, t.id);
}

int desk_api_merge(request *r)
{
  static const struct jfield spec[] = {{"into", JT_ANY, true, 32}};
  struct desk_ticket t, target;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!desk_can_assign(r, &t))
    return desk_forbidden(r);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  json_t *v = json_object_get(in, "into");
  int64_t into = json_is_integer(v) ? json_integer_value(v) : json_is_string(v) ? desk_number_parse(json_string_value(v)) : 0;
  json_decref(in);
  db *d = db_thread();
  if (into <= 0 || desk_ticket_load(d, r->a, into, &target) != DB_ROW || !desk_can_read(r, &target))
    return desk_invalid(r, json_pack("{ss}", "into", _("Unknown ticket.")));
  if (into == t.id)
    return conflict(r, "merge_self", _("A ticket cannot be merged into itself."));
  if (t.merged_into || t.status == DS_KAPANDI)
    return conflict(r, "invalid_transition", _("The ticket is closed."));
  if (target.merged_into || target.status == DS_KAPANDI)
    return conflict(r, "merge_closed", _("The ticket to merge into is closed."));
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  char from_num[24], to_num[24];
  desk_number(t.id, from_num);
  desk_number(into, to_num);
  const char *text = arena_printf(r->a, _("%s was merged into this ticket: %s"), from_num, t.subject);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE desk_tickets SET status = 5, merged_into = ?, closed_at = ?, updated_at = ? WHERE id = ?",
                "iiii", into, now, now, t.id);
  if (!rc && t.requester_id && t.requester_id != target.requester_id)
    rc = db_run(d, "INSERT OR IGNORE INTO desk_watchers (ticket_id, user_id) VALUES (?, ?)", "ii", into,
                t.requester_id);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO desk_comments (ticket_id, author_id, author, body, internal, created_at)"
                " VALUES (?, ?, ?, ?, 0, ?)",
                "iitti", into, r->user->id, who.name, text, now);
  if (!rc)
    rc = desk_event(d, t.id, &who, "merged", from_num, to_num, NULL);
  if (!rc)
    rc = desk_event(d, into, &who, "merged", from_num, to_num, NULL);
  if (!rc)
    rc = desk_fts_refresh(d, into);
  if (!rc) {
    json_t *after = json_pack("{sI}", "merged_into", (json_int_t)into);
    rc = desk_audit(d, &who, "merge", t.id, t.unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_reply_ticket(r, 200, t.id);
}

/* ---- comments, work log, watchers ------------------------------------------ */

int desk_comment_insert(db *d, const struct actor *who, const struct desk_ticket *t, const char *body, bool internal,
                        const char *via, bool worker)
{
  int64_t now = now_unix();
  bool resume = !worker && t->status == DS_BEKLEMEDE && str_eq(t->waiting, "talep_eden");
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO desk_comments (ticket_id, author_id, author, body, internal, via, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                "iIttiti", t->id, who->user_id, who->name, body, (int64_t)internal, via, now);
  if (!rc && worker && !internal)
    rc = mark_response(d, t, now);
  if (!rc && resume)
    rc = resume_clock(d, t, now);
  if (!rc)
    rc = db_run(d, "UPDATE desk_tickets SET updated_at = ?, status = CASE WHEN ? THEN 2 ELSE status END WHERE id = ?",
                "iii", now, (int64_t)resume, t->id);
  if (!rc)
    rc = desk_event(d, t->id, who, internal ? "internal" : "comment", NULL, resume ? "islemde" : NULL, via);
  if (!rc)
    rc = desk_fts_refresh(d, t->id);
  if (!rc) {
    json_t *after = json_pack("{sbsiss}", "internal", internal, "length", (int)strlen(body), "via", via);
    rc = desk_audit(d, who, "comment", t->id, t->unit_id, NULL, after);
    json_decref(after);
  }
  if (!rc && !internal) {
    if (worker)
      desk_notify(d, t->id, "comment", body);
    else
      desk_notify_unit(d, t->id, 0, "requester_comment", body);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

int desk_comment_add(request *r, const struct desk_ticket *t, const char *body, bool internal, const char *via)
{
  struct actor who = audit_actor(r);
  return desk_comment_insert(db_thread(), &who, t, body, internal, via, desk_can_work(r, t));
}

int desk_api_comment(request *r)
{
  static const struct jfield spec[] = {{"body", JT_STRING, true, 40000}, {"internal", JT_BOOL, false, 0}};
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  const char *body = desk_text(r->a, jsonx_str(in, "body"), 20000, true);
  bool internal = jsonx_bool(in, "internal", false);
  json_decref(in);
  if (!body || !*body)
    return desk_invalid(r, json_pack("{ss}", "body", _("Write a comment of at most 20000 characters.")));
  bool worker = desk_can_work(r, &t);
  if (!worker && (internal || !(desk_is_requester(r, &t) || desk_is_watcher(db_thread(), t.id, r->user->id))))
    return desk_forbidden(r);
  if (t.status == DS_KAPANDI)
    return conflict(r, "invalid_transition", _("The ticket is closed."));
  if (desk_comment_add(r, &t, body, internal, "web"))
    return -1;
  return desk_reply_ticket(r, 201, t.id);
}

int desk_worklog_add(request *r, const struct desk_ticket *t, int64_t minutes, const char *mode, const char *note)
{
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "INSERT INTO desk_worklog (ticket_id, user_id, minutes, mode, note, at) VALUES (?, ?, ?, ?, ?, ?)",
                "iiitti", t->id, r->user->id, minutes, mode, note ? note : "", now);
  if (!rc)
    rc = db_run(d,
                "UPDATE desk_tickets SET minutes = minutes + ?, mode = COALESCE(mode, ?), updated_at = ? WHERE id = ?",
                "itii", minutes, mode, now, t->id);
  if (!rc)
    rc = mark_response(d, t, now);
  if (!rc) {
    json_t *after = json_pack("{sIss}", "minutes", (json_int_t)minutes, "mode", mode);
    rc = desk_audit(d, &who, "worklog", t->id, t->unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

int desk_api_worklog(request *r)
{
  static const struct jfield spec[] = {
      {"minutes", JT_INT, true, 0}, {"mode", JT_STRING, true, 16}, {"note", JT_STRING, false, 4000}};
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!desk_can_work(r, &t))
    return desk_forbidden(r);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  int64_t minutes = jsonx_int(in, "minutes", 0);
  const char *mode = NULL, *m = jsonx_str(in, "mode");
  for (int i = 0; desk_modes[i]; i++)
    if (str_eq(m, desk_modes[i]))
      mode = desk_modes[i];
  const char *note = jsonx_str(in, "note") ? desk_text(r->a, jsonx_str(in, "note"), 4000, true) : "";
  json_decref(in);
  json_t *fields = json_object();
  if (minutes < 1 || minutes > 1440)
    json_object_set_new(fields, "minutes", json_string(_("Give the time spent in minutes (1-1440).")));
  if (!mode)
    json_object_set_new(fields, "mode", json_string(_("Choose on site or remote.")));
  if (!note)
    json_object_set_new(fields, "note", json_string(_("The text contains invalid characters.")));
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  if (desk_worklog_add(r, &t, minutes, mode, note))
    return -1;
  return desk_reply_ticket(r, 201, t.id);
}

int desk_api_watch(request *r)
{
  static const struct jfield spec[] = {{"user", JT_INT, true, 0}};
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  int64_t user = jsonx_int(in, "user", 0);
  json_decref(in);
  db *d = db_thread();
  if (!desk_can_work(r, &t) && !desk_is_requester(r, &t) && user != r->user->id)
    return desk_forbidden(r);
  int64_t one = 0;
  if (user <= 0 || db_int(d, &one, "SELECT 1 FROM users WHERE id = ? AND active = 1", "i", user) != DB_ROW)
    return desk_invalid(r, json_pack("{ss}", "user", _("Unknown user.")));
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "INSERT OR IGNORE INTO desk_watchers (ticket_id, user_id) VALUES (?, ?)", "ii", t.id, user);
  if (!rc) {
    json_t *after = json_pack("{sI}", "watcher", (json_int_t)user);
    rc = desk_audit(d, &who, "watch", t.id, t.unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_reply_ticket(r, 200, t.id);
}

int desk_api_unwatch(request *r)
{
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t user = 0;
  if (parse_i64(req_param(r, "uid"), &user))
    return desk_not_found(r);
  if (user != r->user->id && !desk_can_work(r, &t) && !desk_is_requester(r, &t))
    return desk_forbidden(r);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM desk_watchers WHERE ticket_id = ? AND user_id = ?", "ii", t.id, user);
  bool gone = !rc && db_changes(d) == 0;
  if (!rc && !gone) {
    json_t *before = json_pack("{sI}", "watcher", (json_int_t)user);
    rc = desk_audit(d, &who, "unwatch", t.id, t.unit_id, before, NULL);
    json_decref(before);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  if (gone)
    return desk_not_found(r);
  return desk_reply_ticket(r, 200, t.id);
}
