/* cases.c - handover cases: open (the checklist is built in the same
 * transaction), refresh, close a line through its source, complete
 * (refused while a line is open; ends the person's employment or moves
 * them) and cancel. Every change is audited inside its transaction. */
#include "handover_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/tr.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int audit_case(db *d, const struct actor *who, const char *action, int64_t id, int64_t unit, json_t *before,
                      json_t *after)
{
  char eid[24];
  snprintf(eid, sizeof eid, "%lld", (long long)id);
  return audit_write(d, who, action, "handover", eid, unit, before, after);
}

static bool date_ok(const char *s)
{
  int y, m, dd;
  char tail;
  if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 || s[4] != '-' || s[7] != '-')
    return false;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1])
    return false;
  return m != 2 || dd < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* ---- the record ------------------------------------------------------------ */

static json_t *person_ref(db *d, int64_t id)
{
  if (!id)
    return json_null();
  db_stmt *st = db_q(d,
                     "SELECT p.name, u.code, u.name, p.active, p.end_date FROM org_people p"
                     " JOIN units u ON u.id = p.unit_id WHERE p.id = ?",
                     "i", id);
  json_t *o = NULL;
  if (st && db_step(st) == DB_ROW)
    o = json_pack("{sIss?ss?ss?sbss?}", "id", (json_int_t)id, "name", db_col_text(st, 0), "unit_code",
                  db_col_text(st, 1), "unit_name", db_col_text(st, 2), "active", (int)db_col_int(st, 3), "end_date",
                  db_col_text(st, 4));
  db_done(st);
  return o ? o : json_null();
}

static json_t *unit_ref(db *d, int64_t id)
{
  if (!id)
    return json_null();
  db_stmt *st = db_q(d, "SELECT code, name FROM units WHERE id = ?", "i", id);
  json_t *o = NULL;
  if (st && db_step(st) == DB_ROW)
    o = json_pack("{sIss?ss?}", "id", (json_int_t)id, "code", db_col_text(st, 0), "name", db_col_text(st, 1));
  db_done(st);
  return o ? o : json_null();
}

static json_t *lines_json(db *d, int64_t case_id, int64_t *open)
{
  json_t *a = json_array();
  *open = 0;
  db_stmt *st = db_q(d,
                     "SELECT id, source, ref, title, detail, state, action, COALESCE(to_person_id, 0), note,"
                     " closed_by_name, closed_at FROM handover_lines WHERE case_id = ? ORDER BY id",
                     "i", case_id);
  while (st && db_step(st) == DB_ROW) {
    json_t *o = json_object();
    const char *src = db_col_text(st, 1), *action = db_col_text(st, 6);
    const struct handover_line_source *s = handover_source(src);
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(o, "source", src);
    jsonx_set_str(o, "source_label", s ? _(s->label) : src);
    jsonx_set_str(o, "ref", db_col_text(st, 2));
    jsonx_set_str(o, "title", db_col_text(st, 3));
    jsonx_set_str(o, "detail", db_col_text(st, 4));
    jsonx_set_str(o, "state", db_col_text(st, 5));
    if (str_eq(db_col_text(st, 5), "open"))
      (*open)++;
    jsonx_set_str(o, "action", action);
    jsonx_set_str(o, "action_label", handover_action_label(action) ? _(handover_action_label(action)) : NULL);
    json_object_set_new(o, "to", person_ref(d, db_col_int(st, 7)));
    jsonx_set_str(o, "note", db_col_text(st, 8));
    jsonx_set_str(o, "closed_by", db_col_text(st, 9));
    jsonx_set_time(o, "closed_at", db_col_int(st, 10));
    if (s && str_eq(db_col_text(st, 5), "open")) {
      json_t *acts = json_array();
      for (size_t i = 0; s->actions[i]; i++)
        json_array_append_new(acts, json_string(s->actions[i]));
      json_array_append_new(acts, json_string("not_needed"));
      json_object_set_new(o, "actions", acts);
    }
    json_array_append_new(a, o);
  }
  db_done(st);
  return a;
}

#define CASE_COLS                                                                                                      \
  "id, person_id, unit_id, kind, COALESCE(successor_id, 0), COALESCE(new_unit_id, 0), effective_date, note,"         \
  " witness, state, COALESCE(opened_by, 0), opened_by_name, opened_at, closed_at, close_note"

static json_t *case_row(db *d, db_stmt *st, bool lines)
{
  json_t *o = json_object();
  int64_t id = db_col_int(st, 0);
  const char *kind = db_col_text(st, 3), *state = db_col_text(st, 9);
  json_object_set_new(o, "id", json_integer(id));
  json_object_set_new(o, "person", person_ref(d, db_col_int(st, 1)));
  json_object_set_new(o, "unit", unit_ref(d, db_col_int(st, 2)));
  jsonx_set_str(o, "kind", kind);
  jsonx_set_str(o, "kind_label", handover_kind_label(kind) ? _(handover_kind_label(kind)) : kind);
  json_object_set_new(o, "successor", person_ref(d, db_col_int(st, 4)));
  json_object_set_new(o, "new_unit", unit_ref(d, db_col_int(st, 5)));
  jsonx_set_str(o, "effective_date", db_col_text(st, 6));
  jsonx_set_str(o, "note", db_col_text(st, 7));
  jsonx_set_str(o, "witness", db_col_text(st, 8));
  jsonx_set_str(o, "state", state);
  jsonx_set_str(o, "state_label", handover_state_label(state) ? _(handover_state_label(state)) : state);
  json_object_set_new(o, "opened_by",
                      json_pack("{sIss?}", "id", (json_int_t)db_col_int(st, 10), "name", db_col_text(st, 11)));
  jsonx_set_time(o, "opened_at", db_col_int(st, 12));
  jsonx_set_time(o, "closed_at", db_col_int(st, 13));
  jsonx_set_str(o, "close_note", db_col_text(st, 14));
  int64_t open = 0;
  json_t *l = lines_json(d, id, &open);
  json_object_set_new(o, "open_lines", json_integer(open));
  json_object_set_new(o, "total_lines", json_integer((json_int_t)json_array_size(l)));
  if (lines)
    json_object_set_new(o, "lines", l);
  else
    json_decref(l);
  return o;
}

json_t *handover_case_json(db *d, int64_t id, bool lines, bool *found)
{
  *found = false;
  db_stmt *st = db_q(d, "SELECT " CASE_COLS " FROM handover_cases WHERE id = ?", "i", id);
  if (!st)
    return NULL;
  int rc = db_step(st);
  json_t *o = NULL;
  if (rc == DB_ROW) {
    *found = true;
    /* case_row runs other queries: copy the row first by re-reading it */
    o = case_row(d, st, lines);
  }
  db_done(st);
  return o;
}

const char *handover_leave_check(db *d, int64_t person_id)
{
  int64_t n = 0;
  if (db_int(d, &n,
             "SELECT COUNT(*) FROM handover_lines l JOIN handover_cases c ON c.id = l.case_id"
             " WHERE c.person_id = ? AND c.state = 'acik' AND l.state = 'open'",
             "i", person_id) != DB_ROW)
    return N_("The handover checklist could not be read.");
  return n ? N_("This person has an open handover case with open lines; close them and complete the case.") : NULL;
}

/* ---- request helpers ---------------------------------------------------------- */

static bool route_id(request *r, const char *name, int64_t *id)
{
  const char *s = req_param(r, name);
  char *end = NULL;
  long long v = s ? strtoll(s, &end, 10) : 0;
  if (!s || !*s || *end || v <= 0)
    return false;
  *id = v;
  return true;
}

int handover_case_from_route(request *r, json_t **out)
{
  *out = NULL;
  int64_t id;
  bool found;
  if (!route_id(r, "id", &id))
    return http_not_found(r) ? -1 : 1;
  json_t *c = handover_case_json(db_thread(), id, true, &found);
  if (!c)
    return found ? -1 : (http_not_found(r) ? -1 : 1);
  if (!rbac_can(r->user->id, "handover.read", jsonx_int(json_object_get(c, "unit"), "id", 0))) {
    json_decref(c);
    return http_forbidden(r) ? -1 : 1;
  }
  *out = c;
  return 0;
}

static int64_t case_unit(json_t *c)
{
  return jsonx_int(json_object_get(c, "unit"), "id", 0);
}

/* The case of the route for a change: readable, manageable, open. */
static int open_case(request *r, json_t **out)
{
  int rc = handover_case_from_route(r, out);
  if (rc)
    return rc;
  if (!rbac_can(r->user->id, "handover.manage", case_unit(*out))) {
    json_decref(*out);
    *out = NULL;
    return http_forbidden(r) ? -1 : 1;
  }
  if (!str_eq(jsonx_str(*out, "state"), "acik")) {
    json_decref(*out);
    *out = NULL;
    return http_error(r, 409, "case_closed", _("This handover case is already closed."), NULL) ? -1 : 1;
  }
  return 0;
}

static int reply_case(request *r, int status, int64_t id)
{
  bool found;
  json_t *c = handover_case_json(db_thread(), id, true, &found);
  return c ? http_json(r, status, c) : -1;
}

/* ---- the checklist ----------------------------------------------------------- */

/* Adds the lines of items the person holds that the case lacks; open lines
 * whose item no source lists any more were settled elsewhere (closed as
 * "settled"). Inside the caller's transaction. *added: new lines. */
static int build_lines(db *d, const struct actor *who, int64_t case_id, int64_t person, int64_t *added)
{
  int rc = 0;
  int64_t now = now_unix();
  *added = 0;
  json_t *seen = json_object();
  for (size_t i = 0; !rc && i < handover_nsources(); i++) {
    const struct handover_line_source *s = handover_source_at(i);
    json_t *items = NULL;
    rc = s->list(d, person, &items);
    size_t k;
    json_t *it;
    json_array_foreach(items, k, it)
    {
      if (rc)
        break;
      const char *ref = jsonx_str(it, "ref");
      if (!ref || strlen(ref) > 64)
        continue;
      char key[96];
      snprintf(key, sizeof key, "%s:%s", s->name, ref);
      json_object_set_new(seen, key, json_true());
      int64_t one = 0;
      int q = db_int(d, &one, "SELECT 1 FROM handover_lines WHERE case_id = ? AND source = ? AND ref = ?", "itt",
                     case_id, s->name, ref);
      if (q < 0) {
        rc = q;
        break;
      }
      if (q == DB_ROW)
        continue;
      const char *title = jsonx_str(it, "title");
      rc = db_run(d,
                  "INSERT INTO handover_lines (case_id, source, ref, title, detail, state, created_at)"
                  " VALUES (?, ?, ?, ?, ?, 'open', ?)",
                  "ittttI", case_id, s->name, ref, title ? title : ref, jsonx_str(it, "detail"), now);
      if (!rc)
        (*added)++;
    }
    json_decref(items);
  }
  /* open lines that are no longer listed */
  db_stmt *st = rc ? NULL : db_q(d, "SELECT id, source, ref FROM handover_lines WHERE case_id = ? AND state = 'open'",
                                 "i", case_id);
  json_t *gone = json_array();
  while (st && db_step(st) == DB_ROW) {
    char key[96];
    snprintf(key, sizeof key, "%s:%s", db_col_text(st, 1), db_col_text(st, 2));
    if (!json_object_get(seen, key) && handover_source(db_col_text(st, 1)))
      json_array_append_new(gone, json_integer(db_col_int(st, 0)));
  }
  db_done(st);
  size_t k;
  json_t *g;
  json_array_foreach(gone, k, g)
  {
    if (rc)
      break;
    rc = db_run(d,
                "UPDATE handover_lines SET state = 'closed', action = 'settled', closed_by = ?, closed_by_name = ?,"
                " closed_at = ? WHERE id = ?",
                "Itii", who->user_id, who->name, now, (int64_t)json_integer_value(g));
  }
  json_decref(gone);
  json_decref(seen);
  return rc;
}

/* ---- list ------------------------------------------------------------------------ */

int handover_api_list(request *r)
{
  int64_t limit, cursor;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  const char *state = req_query(r, "state"), *person = req_query(r, "person");
  json_t *errors = json_object();
  if (state && !handover_state_label(state))
    json_object_set_new(errors, "state", json_string(_("Use acik, tamamlandi or iptal.")));
  int64_t pid = 0;
  if (person) {
    char *end = NULL;
    pid = strtoll(person, &end, 10);
    if (!*person || *end || pid <= 0)
      json_object_set_new(errors, "person", json_string(_("Use a person id.")));
  }
  if (json_object_size(errors))
    return http_error(r, 400, "validation", _("Some filters are invalid."), errors);
  json_decref(errors);
  db *d = db_thread();
  db_stmt *st = db_q(d,
                     "SELECT " CASE_COLS " FROM handover_cases WHERE (? = 0 OR id < ?) AND (? IS NULL OR state = ?)"
                     " AND (? = 0 OR person_id = ?) ORDER BY id DESC LIMIT 2000",
                     "iittii", cursor, cursor, state, state, pid, pid);
  if (!st)
    return -1;
  json_t *items = json_array();
  bool more = false;
  int64_t last = 0;
  while (db_step(st) == DB_ROW) {
    if (!rbac_can(r->user->id, "handover.read", db_col_int(st, 2)))
      continue;
    if ((int64_t)json_array_size(items) == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, json_pack("{sI}", "id", (json_int_t)last));
  }
  db_done(st);
  /* the records (their queries cannot run while the list statement is open) */
  size_t i;
  json_t *v;
  json_array_foreach(items, i, v)
  {
    bool found;
    json_t *c = handover_case_json(d, jsonx_int(v, "id", 0), false, &found);
    if (c)
      json_array_set_new(items, i, c);
  }
  return http_json_page(r, items, more, last);
}

int handover_api_get(request *r)
{
  json_t *c;
  int rc = handover_case_from_route(r, &c);
  if (rc)
    return rc < 0 ? -1 : 0;
  return http_json(r, 200, c);
}

/* ---- open -------------------------------------------------------------------------- */

int handover_api_create(request *r)
{
  static const struct jfield spec[] = {
      {"person", JT_INT, true, 0},         {"kind", JT_STRING, true, 16},    {"successor", JT_ANY, false, 0},
      {"effective_date", JT_STRING, true, 10}, {"new_unit", JT_STRING, false, 64}, {"note", JT_STRING, false, 4000},
      {"witness", JT_STRING, false, 400},
  };
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *errors = json_object();
  int64_t person = jsonx_int(in, "person", 0), successor = 0, unit = 0, new_unit = 0, active = 0;
  const char *kind = jsonx_str(in, "kind"), *date = jsonx_str(in, "effective_date"),
             *ucode = jsonx_str(in, "new_unit");
  const char *note = arena_strdup(r->a, jsonx_str(in, "note")), *witness = arena_strdup(r->a, jsonx_str(in, "witness"));
  kind = arena_strdup(r->a, kind);
  date = arena_strdup(r->a, date);
  ucode = arena_strdup(r->a, ucode);
  json_t *sv = json_object_get(in, "successor");
  if (sv && !json_is_null(sv)) {
    if (!json_is_integer(sv) || json_integer_value(sv) <= 0)
      json_object_set_new(errors, "successor", json_string(_("Unknown person.")));
    else
      successor = json_integer_value(sv);
  }
  json_decref(in);
  db_stmt *st = db_q(d, "SELECT unit_id, active FROM org_people WHERE id = ?", "i", person);
  if (st && db_step(st) == DB_ROW) {
    unit = db_col_int(st, 0);
    active = db_col_int(st, 1);
  }
  db_done(st);
  if (!unit)
    json_object_set_new(errors, "person", json_string(_("Unknown person.")));
  else if (!active)
    json_object_set_new(errors, "person", json_string(_("This person's employment has already ended.")));
  if (!handover_kind_label(kind))
    json_object_set_new(errors, "kind", json_string(_("Use ayrilis, nakil or vefat.")));
  if (!date_ok(date))
    json_object_set_new(errors, "effective_date", json_string(_("Use a date as YYYY-MM-DD.")));
  if (successor) {
    int64_t one = 0;
    if (successor == person)
      json_object_set_new(errors, "successor", json_string(_("The successor must be another person.")));
    else if (db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ? AND active = 1", "i", successor) != DB_ROW)
      json_object_set_new(errors, "successor", json_string(_("Unknown person.")));
  } else if (str_eq(kind, "ayrilis") || str_eq(kind, "nakil")) {
    json_object_set_new(errors, "successor", json_string(_("Name the person who takes over.")));
  }
  if (str_eq(kind, "nakil")) {
    if (!ucode || db_int(d, &new_unit, "SELECT id FROM units WHERE code = ? AND active = 1", "t", ucode) != DB_ROW)
      json_object_set_new(errors, "new_unit", json_string(_("Unknown unit.")));
    else if (new_unit == unit)
      json_object_set_new(errors, "new_unit", json_string(_("The person is already in this unit.")));
  } else if (ucode) {
    json_object_set_new(errors, "new_unit", json_string(_("Only a transfer names a new unit.")));
  }
  if (json_object_size(errors))
    return http_error(r, 400, "validation", _("Some fields are invalid."), errors);
  json_decref(errors);
  if (!rbac_can(r->user->id, "handover.manage", unit))
    return http_forbidden(r);
  int64_t one = 0;
  if (db_int(d, &one, "SELECT 1 FROM handover_cases WHERE person_id = ? AND state = 'acik'", "i", person) == DB_ROW)
    return http_error(r, 409, "case_open", _("This person already has an open handover case."), NULL);
  struct actor who = audit_actor(r);
  const char *by = r->user->display_name && *r->user->display_name ? r->user->display_name : r->user->username;
  int64_t id = 0, added = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO handover_cases (person_id, unit_id, kind, successor_id, new_unit_id, effective_date,"
                " note, witness, state, opened_by, opened_by_name, opened_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'acik', ?, ?, ?)",
                "iitIIttti" "ti", person, unit, kind, successor, new_unit, date, note, witness, r->user->id, by,
                now_unix());
  if (!rc) {
    id = db_last_id(d);
    rc = build_lines(d, &who, id, person, &added);
  }
  if (!rc) {
    json_t *after = json_pack("{sIsssIsIssss?ss?sI}", "person", (json_int_t)person, "kind", kind, "successor",
                              (json_int_t)successor, "new_unit", (json_int_t)new_unit, "effective_date", date, "note",
                              note, "witness", witness, "lines", (json_int_t)added);
    rc = audit_case(d, &who, "create", id, unit, NULL, after);
    json_decref(after);
  }
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return http_error(r, 409, "case_open", _("This person already has an open handover case."), NULL);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return -1;
  }
  return reply_case(r, 201, id);
}

int handover_api_refresh(request *r)
{
  json_t *c;
  int rc = open_case(r, &c);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t id = jsonx_int(c, "id", 0), person = jsonx_int(json_object_get(c, "person"), "id", 0), unit = case_unit(c);
  json_decref(c);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int64_t added = 0;
  rc = db_begin(d);
  if (!rc)
    rc = build_lines(d, &who, id, person, &added);
  if (!rc) {
    json_t *after = json_pack("{sI}", "lines_added", (json_int_t)added);
    rc = audit_case(d, &who, "refresh", id, unit, NULL, after);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return -1;
  }
  return reply_case(r, 200, id);
}

/* ---- close a line ---------------------------------------------------------------------- */

int handover_api_line_close(request *r)
{
  static const struct jfield spec[] = {
      {"action", JT_STRING, true, 16}, {"successor", JT_INT, false, 0}, {"note", JT_STRING, false, 2000}};
  json_t *c;
  int rc = open_case(r, &c);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t id = jsonx_int(c, "id", 0), unit = case_unit(c), lid = 0;
  int64_t successor = jsonx_int(json_object_get(c, "successor"), "id", 0);
  json_decref(c);
  db *d = db_thread();
  const char *src = NULL, *ref = NULL, *state = NULL;
  db_stmt *st =
      route_id(r, "lid", &lid)
          ? db_q(d, "SELECT source, ref, state FROM handover_lines WHERE id = ? AND case_id = ?", "ii", lid, id)
          : NULL;
  if (st && db_step(st) == DB_ROW) {
    src = arena_strdup(r->a, db_col_text(st, 0));
    ref = arena_strdup(r->a, db_col_text(st, 1));
    state = arena_strdup(r->a, db_col_text(st, 2));
  }
  db_done(st);
  if (!src)
    return http_error(r, 404, "not_found", _("No such line in this case."), NULL);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  const char *action = arena_strdup(r->a, jsonx_str(in, "action"));
  const char *note = jsonx_str(in, "note") && *jsonx_str(in, "note") ? arena_strdup(r->a, jsonx_str(in, "note")) : NULL;
  if (json_is_integer(json_object_get(in, "successor")))
    successor = jsonx_int(in, "successor", 0);
  json_decref(in);
  const struct handover_line_source *s = handover_source(src);
  bool known = str_eq(action, "not_needed");
  for (size_t i = 0; s && !known && s->actions[i]; i++)
    known = str_eq(s->actions[i], action);
  json_t *errors = json_object();
  if (!s)
    json_object_set_new(errors, "action", json_string(_("This kind of line cannot be closed here.")));
  else if (!known)
    json_object_set_new(errors, "action", json_string(_("This action does not fit this line.")));
  else if (str_eq(action, "not_needed") && !note)
    json_object_set_new(errors, "note", json_string(_("Say why nothing needs to be done.")));
  int64_t one = 0;
  if (successor && db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ? AND active = 1", "i", successor) != DB_ROW)
    json_object_set_new(errors, "successor", json_string(_("Unknown person.")));
  if (json_object_size(errors))
    return http_error(r, 400, "validation", _("Some fields are invalid."), errors);
  json_decref(errors);
  if (!str_eq(state, "open"))
    return http_error(r, 409, "line_closed", _("This line is already closed."), NULL);
  struct actor who = audit_actor(r);
  bool gives = str_eq(action, "transferred") || str_eq(action, "reassigned") || str_eq(action, "returned");
  rc = db_begin(d);
  if (!rc && !str_eq(action, "not_needed"))
    rc = s->close(d, &who, ref, action, successor, note);
  if (rc == HANDOVER_GONE || rc == HANDOVER_NEEDS_SUCCESSOR || rc == HANDOVER_FROZEN) {
    db_rollback(d);
    if (rc == HANDOVER_FROZEN)
      return http_error(r, 409, "frozen",
                        _("The item may not move now (a count froze its movements); close the line later."), NULL);
    if (rc == HANDOVER_GONE)
      return http_error(r, 409, "item_changed",
                        _("The item was changed or settled elsewhere; refresh the checklist."), NULL);
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "successor", _("This action needs a successor with an active account.")));
  }
  if (!rc)
    rc = db_run(d,
                "UPDATE handover_lines SET state = 'closed', action = ?, to_person_id = ?, note = ?, closed_by = ?,"
                " closed_by_name = ?, closed_at = ? WHERE id = ? AND state = 'open'",
                "tItItii", action, gives ? successor : 0, note, r->user->id, who.name, now_unix(), lid);
  if (!rc) {
    json_t *after = json_pack("{sIssssssss?sI}", "line", (json_int_t)lid, "source", src, "ref", ref, "action", action,
                              "note", note, "to", (json_int_t)(gives ? successor : 0));
    rc = audit_case(d, &who, "close_line", id, unit, NULL, after);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return -1;
  }
  return reply_case(r, 200, id);
}

/* ---- complete / cancel ------------------------------------------------------------------ */

/* Ends the employment (leaving, death) or moves the person (transfer),
 * with the person's and the account's audit rows. */
static int settle_person(db *d, const struct actor *who, json_t *c)
{
  json_t *p = json_object_get(c, "person");
  int64_t person = jsonx_int(p, "id", 0), unit = case_unit(c), uid = 0;
  char pid[24];
  snprintf(pid, sizeof pid, "%lld", (long long)person);
  const char *kind = jsonx_str(c, "kind"), *date = jsonx_str(c, "effective_date");
  int rc = db_int(d, &uid, "SELECT COALESCE(user_id, 0) FROM org_people WHERE id = ?", "i", person) == DB_ROW ? 0 : DB_ERR;
  if (!rc && str_eq(kind, "nakil")) {
    int64_t to = jsonx_int(json_object_get(c, "new_unit"), "id", 0);
    rc = db_run(d, "UPDATE org_people SET unit_id = ?, updated_at = ? WHERE id = ?", "iii", to, now_unix(), person);
    if (!rc && uid)
      rc = db_run(d, "UPDATE users SET unit_id = ?, updated_at = ? WHERE id = ?", "iii", to, now_unix(), uid);
    json_t *before = json_pack("{sI}", "unit", (json_int_t)unit), *after = json_pack("{sI}", "unit", (json_int_t)to);
    if (!rc)
      rc = audit_write(d, who, "update", "person", pid, to, before, after);
    json_decref(before);
    json_decref(after);
    return rc;
  }
  if (!rc)
    rc = db_run(d, "UPDATE org_people SET active = 0, end_date = ?, updated_at = ? WHERE id = ?", "tii", date,
                now_unix(), person);
  if (!rc) {
    json_t *before = json_pack("{sbss?}", "active", jsonx_bool(p, "active", true), "end_date", jsonx_str(p, "end_date"));
    json_t *after = json_pack("{sbss}", "active", 0, "end_date", date);
    rc = audit_write(d, who, "update", "person", pid, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (!rc && uid) {
    char u[24];
    snprintf(u, sizeof u, "%lld", (long long)uid);
    rc = db_run(d, "UPDATE users SET active = 0, updated_at = ? WHERE id = ?", "ii", now_unix(), uid);
    if (!rc)
      rc = db_run(d, "DELETE FROM sessions WHERE user_id = ?", "i", uid);
    json_t *before = json_pack("{sb}", "active", 1), *after = json_pack("{sbss}", "active", 0, "reason", "handover");
    if (!rc)
      rc = audit_write(d, who, "update", "user", u, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  return rc;
}

int handover_api_complete(request *r)
{
  static const struct jfield spec[] = {{"note", JT_STRING, false, 2000}};
  json_t *c;
  int rc = open_case(r, &c);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *in = r->body.len || r->body_json ? req_json(r, spec, ARRAY_LEN(spec)) : json_object();
  if (!in) {
    json_decref(c);
    return 0;
  }
  const char *note = arena_strdup(r->a, jsonx_str(in, "note"));
  json_decref(in);
  int64_t id = jsonx_int(c, "id", 0), person = jsonx_int(json_object_get(c, "person"), "id", 0), unit = case_unit(c);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int64_t added = 0, open = 0;
  /* what the person came to hold since the case opened counts too */
  rc = db_begin(d);
  if (!rc)
    rc = build_lines(d, &who, id, person, &added);
  if (!rc && db_int(d, &open, "SELECT COUNT(*) FROM handover_lines WHERE case_id = ? AND state = 'open'", "i", id) !=
                 DB_ROW)
    rc = DB_ERR;
  if (!rc && open) {
    if (added) {
      json_t *after = json_pack("{sI}", "lines_added", (json_int_t)added);
      rc = audit_case(d, &who, "refresh", id, unit, NULL, after);
      json_decref(after);
    }
    if (rc || (rc = db_commit(d))) {
      db_rollback(d);
      json_decref(c);
      return -1;
    }
    json_decref(c);
    return http_error(r, 409, "lines_open",
                      _("Lines of the checklist are still open; close every line before completing the case."),
                      json_pack("{sI}", "open_lines", (json_int_t)open));
  }
  if (!rc)
    rc = db_run(d,
                "UPDATE handover_cases SET state = 'tamamlandi', closed_by = ?, closed_at = ?, close_note = ?"
                " WHERE id = ? AND state = 'acik'",
                "iiti", r->user->id, now_unix(), note, id);
  if (!rc)
    rc = settle_person(d, &who, c);
  if (!rc) {
    json_t *before = json_pack("{ss}", "state", "acik"), *after = json_pack("{ssss?}", "state", "tamamlandi", "note", note);
    rc = audit_case(d, &who, "complete", id, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  json_decref(c);
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return -1;
  }
  return reply_case(r, 200, id);
}

int handover_api_cancel(request *r)
{
  static const struct jfield spec[] = {{"note", JT_STRING, true, 2000}};
  json_t *c;
  int rc = open_case(r, &c);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t id = jsonx_int(c, "id", 0), unit = case_unit(c);
  json_decref(c);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  const char *note = arena_strdup(r->a, jsonx_str(in, "note"));
  json_decref(in);
  if (!*note)
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "note", _("This field is required.")));
  db *d = db_thread();
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE handover_cases SET state = 'iptal', closed_by = ?, closed_at = ?, close_note = ?"
                " WHERE id = ? AND state = 'acik'",
                "iiti", r->user->id, now_unix(), note, id);
  if (!rc) {
    json_t *before = json_pack("{ss}", "state", "acik"), *after = json_pack("{ssss}", "state", "iptal", "note", note);
    rc = audit_case(d, &who, "cancel", id, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return -1;
  }
  return reply_case(r, 200, id);
}
