/* tickets.c - the ticket record: reading it, who may see and change it,
 * its JSON, history events, the search row, and creating a ticket (with
 * routing, SLA deadlines and the receipt mail) in one transaction. */
#include "desk_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ---- errors and text --------------------------------------------------- */

int desk_not_found(request *r)
{
  return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
}

int desk_forbidden(request *r)
{
  return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
}

int desk_invalid(request *r, json_t *steal_fields)
{
  return http_error(r, 400, "validation", _("Some fields are invalid."), steal_fields);
}

const char *desk_text(arena *a, const char *s, size_t max, bool multiline)
{
  if (!s)
    return NULL;
  while (*s && isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  if (n > max || !utf8_valid(s, n))
    return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7F)
      return NULL;
  }
  return arena_strndup(a, s, n);
}

/* ---- the record -------------------------------------------------------- */

static const char *col(db_stmt *st, arena *a, int i)
{
  return arena_strdup(a, db_col_text(st, i));
}

void desk_ticket_row(db_stmt *st, arena *a, struct desk_ticket *t)
{
  memset(t, 0, sizeof *t);
  t->id = db_col_int(st, 0);
  t->type = col(st, a, 1);
  t->subject = col(st, a, 2);
  t->body = col(st, a, 3);
  t->category_id = db_col_int(st, 4);
  t->category_name = col(st, a, 5);
  t->unit_id = db_col_int(st, 6);
  t->unit_code = col(st, a, 7);
  t->unit_name = col(st, a, 8);
  t->assignee_id = db_col_int(st, 9);
  t->assignee_username = col(st, a, 10);
  t->assignee_name = col(st, a, 11);
  t->requester_id = db_col_int(st, 12);
  t->requester_username = col(st, a, 13);
  t->requester_name = col(st, a, 14);
  t->requester_email = col(st, a, 15);
  t->asset_id = db_col_int(st, 16);
  t->location = col(st, a, 17);
  t->urgency = (int)db_col_int(st, 18);
  t->impact = (int)db_col_int(st, 19);
  t->priority = (int)db_col_int(st, 20);
  t->status = (int)db_col_int(st, 21);
  t->waiting = col(st, a, 22);
  t->level = (int)db_col_int(st, 23);
  t->mode = col(st, a, 24);
  t->channel = col(st, a, 25);
  t->created_at = db_col_int(st, 26);
  t->updated_at = db_col_int(st, 27);
  t->first_response_at = db_col_int(st, 28);
  t->resolved_at = db_col_int(st, 29);
  t->closed_at = db_col_int(st, 30);
  t->response_due = db_col_int(st, 31);
  t->resolve_due = db_col_int(st, 32);
  t->paused_at = db_col_int(st, 33);
  t->response_breached = db_col_int(st, 34) != 0;
  t->resolve_breached = db_col_int(st, 35) != 0;
  t->merged_into = db_col_int(st, 36);
  t->resolution = col(st, a, 37);
  t->rating = (int)db_col_int(st, 38);
  t->rating_comment = col(st, a, 39);
  t->created_by = db_col_int(st, 40);
}

int desk_ticket_load(db *d, arena *a, int64_t id, struct desk_ticket *t)
{
  db_stmt *st = db_q(d, "SELECT " DESK_COLS DESK_FROM " WHERE t.id = ?", "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW)
    desk_ticket_row(st, a, t);
  db_done(st);
  return rc;
}

/* The writer below is the one place that says what a ticket looks like in
 * JSON: lists write it straight into their reply (no jansson objects per
 * row), single tickets parse it back to add their comments and history. */
static void put_str(buf *b, const char *key, const char *v)
{
  jsonx_buf_key(b, key, false);
  jsonx_buf_str(b, v);
}

static void put_int(buf *b, const char *key, int64_t v, bool null_if_zero)
{
  jsonx_buf_key(b, key, false);
  if (null_if_zero && !v)
    buf_puts(b, "null");
  else
    buf_printf(b, "%lld", (long long)v);
}

static void put_time(buf *b, const char *key, int64_t t)
{
  jsonx_buf_key(b, key, false);
  if (!t) {
    buf_puts(b, "null");
    return;
  }
  char ts[32];
  fmt_iso8601(t, ts);
  buf_printf(b, "\"%s\"", ts);
}

static void put_bool(buf *b, const char *key, bool v)
{
  jsonx_buf_key(b, key, false);
  buf_puts(b, v ? "true" : "false");
}

void desk_ticket_write(buf *b, const struct desk_ticket *t, bool staff)
{
  char num[24];
  desk_number(t->id, num);
  buf_printf(b, "{\"id\":%lld", (long long)t->id);
  put_str(b, "number", num);
  put_str(b, "type", t->type);
  put_str(b, "subject", t->subject);
  if (t->body)
    put_str(b, "body", t->body);
  jsonx_buf_key(b, "category", false);
  if (t->category_id) {
    buf_printf(b, "{\"id\":%lld", (long long)t->category_id);
    put_str(b, "name", t->category_name ? t->category_name : "");
    buf_puts(b, "}");
  } else {
    buf_puts(b, "null");
  }
  put_str(b, "unit", t->unit_code);
  put_str(b, "unit_name", t->unit_name);
  jsonx_buf_key(b, "assignee", false);
  if (t->assignee_id) {
    buf_printf(b, "{\"id\":%lld", (long long)t->assignee_id);
    put_str(b, "username", t->assignee_username ? t->assignee_username : "");
    put_str(b, "display_name", t->assignee_name ? t->assignee_name : "");
    buf_puts(b, "}");
  } else {
    buf_puts(b, "null");
  }
  jsonx_buf_key(b, "requester", false);
  buf_puts(b, "{\"name\":");
  jsonx_buf_str(b, t->requester_name);
  if (t->requester_id)
    put_int(b, "id", t->requester_id, false);
  put_str(b, "username", t->requester_username);
  if (staff)
    put_str(b, "email", t->requester_email);
  buf_puts(b, "}");
  put_int(b, "asset_id", t->asset_id, true);
  put_str(b, "location", t->location);
  put_str(b, "urgency", desk_level_key(t->urgency));
  put_str(b, "impact", desk_level_key(t->impact));
  put_str(b, "priority", desk_priority_key(t->priority));
  put_str(b, "status", desk_status_key(t->status));
  put_str(b, "status_label", desk_status_label(t->status));
  put_str(b, "waiting", t->status == DS_BEKLEMEDE ? t->waiting : NULL);
  put_int(b, "level", t->level, false);
  put_str(b, "mode", t->mode);
  put_str(b, "channel", t->channel);
  put_time(b, "created_at", t->created_at);
  put_time(b, "updated_at", t->updated_at);
  put_time(b, "first_response_at", t->first_response_at);
  put_time(b, "resolved_at", t->resolved_at);
  put_time(b, "closed_at", t->closed_at);
  jsonx_buf_key(b, "sla", false);
  buf_puts(b, "{\"paused\":");
  buf_puts(b, t->paused_at ? "true" : "false");
  put_time(b, "response_due", t->response_due);
  put_time(b, "resolve_due", t->resolve_due);
  put_bool(b, "response_breached", t->response_breached);
  put_bool(b, "resolve_breached", t->resolve_breached);
  buf_puts(b, "}");
  put_int(b, "merged_into", t->merged_into, true);
  put_str(b, "resolution", t->resolution);
  put_int(b, "rating", t->rating, true);
  put_str(b, "rating_comment", t->rating_comment);
  buf_puts(b, "}");
}

json_t *desk_ticket_json(const struct desk_ticket *t, bool staff)
{
  buf b;
  buf_init(&b, 0);
  desk_ticket_write(&b, t, staff);
  json_t *o = json_loadb(b.data, b.len, 0, NULL);
  buf_free(&b);
  return o ? o : json_object();
}

/* ---- who may ------------------------------------------------------------ */

bool desk_is_requester(request *r, const struct desk_ticket *t)
{
  return r->user && (t->requester_id == r->user->id || t->created_by == r->user->id);
}

bool desk_is_watcher(db *d, int64_t ticket, int64_t user)
{
  int64_t one = 0;
  return db_int(d, &one, "SELECT 1 FROM desk_watchers WHERE ticket_id = ? AND user_id = ?", "ii", ticket, user) ==
         DB_ROW;
}

bool desk_staff(request *r, const struct desk_ticket *t)
{
  return r->user &&
         (t->assignee_id == r->user->id || rbac_can(r->user->id, "desk.read_unit", t->unit_id));
}

bool desk_can_read(request *r, const struct desk_ticket *t)
{
  return r->user && (desk_is_requester(r, t) || desk_staff(r, t) || desk_is_watcher(db_thread(), t->id, r->user->id));
}

bool desk_can_work(request *r, const struct desk_ticket *t)
{
  return r->user && (t->assignee_id == r->user->id || rbac_can(r->user->id, "desk.work", t->unit_id));
}

bool desk_can_assign(request *r, const struct desk_ticket *t)
{
  return r->user && rbac_can(r->user->id, "desk.assign", t->unit_id);
}

int desk_ticket_from_route(request *r, struct desk_ticket *t)
{
  int64_t id = desk_number_parse(req_param(r, "id"));
  if (!id) {
    desk_not_found(r);
    return 1;
  }
  int rc = desk_ticket_load(db_thread(), r->a, id, t);
  if (rc < 0)
    return -1;
  if (rc != DB_ROW) {
    desk_not_found(r);
    return 1;
  }
  if (!desk_can_read(r, t)) {
    desk_forbidden(r);
    return 1;
  }
  return 0;
}

/* ---- history, audit, search row ----------------------------------------- */

int desk_event(db *d, int64_t ticket, const struct actor *who, const char *kind, const char *from, const char *to,
               const char *note)
{
  return db_run(d,
                "INSERT INTO desk_events (ticket_id, at, actor_id, actor, kind, from_value, to_value, note)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "iiIttttt", ticket, now_unix(), who->user_id, who->name, kind, from, to, note);
}

int desk_audit(db *d, const struct actor *who, const char *action, int64_t ticket, int64_t unit, json_t *before,
               json_t *after)
{
  char idtxt[24];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)ticket);
  return audit_write(d, who, action, "ticket", idtxt, unit, before, after);
}

/* Folds s for the search index into b (ASCII Turkish fold). */
static void fold_into(buf *b, const char *s)
{
  if (!s || !*s)
    return;
  size_t n = strlen(s);
  char *out = xmalloc(n + 1);
  if (tr_fold(s, true, out, n + 1) == 0) {
    if (b->len)
      buf_puts(b, " ");
    buf_puts(b, out);
  }
  free(out);
}

enum { FTS_TEXT_MAX = 1 << 20 };

int desk_fts_refresh(db *d, int64_t ticket)
{
  buf subj, body, pub, internal;
  buf_init(&subj, FTS_TEXT_MAX);
  buf_init(&body, FTS_TEXT_MAX);
  buf_init(&pub, FTS_TEXT_MAX);
  buf_init(&internal, FTS_TEXT_MAX);
  db_stmt *st = db_q(d, "SELECT subject, body FROM desk_tickets WHERE id = ?", "i", ticket);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    char num[24];
    desk_number(ticket, num);
    fold_into(&subj, num);
    fold_into(&subj, db_col_text(st, 0));
    fold_into(&body, db_col_text(st, 1));
  }
  db_done(st);
  if (rc == DB_ROW) {
    st = db_q(d, "SELECT body, internal FROM desk_comments WHERE ticket_id = ? ORDER BY id", "i", ticket);
    while ((rc = db_step(st)) == DB_ROW)
      fold_into(db_col_int(st, 1) ? &internal : &pub, db_col_text(st, 0));
    db_done(st);
  }
  if (rc >= 0)
    rc = db_run(d, "DELETE FROM desk_fts WHERE rowid = ?", "i", ticket);
  if (rc >= 0)
    rc = db_run(d, "INSERT INTO desk_fts (rowid, subject, body, public, internal) VALUES (?, ?, ?, ?, ?)", "itttt",
                ticket, buf_cstr(&subj), buf_cstr(&body), buf_cstr(&pub), buf_cstr(&internal));
  buf_free(&subj);
  buf_free(&body);
  buf_free(&pub);
  buf_free(&internal);
  return rc < 0 ? rc : 0;
}

/* ---- creating --------------------------------------------------------------- */

/* The unit new tickets go to when no category routes them: [desk]
 * default_unit, else the unit with the most desk duties, else the
 * root unit. */
static int64_t default_unit(db *d)
{
  int64_t id = 0;
  const char *code = desk_config()->default_unit;
  if (*code && db_int(d, &id, "SELECT id FROM units WHERE code = ? AND active = 1", "t", code) == DB_ROW && id)
    return id;
  if (db_int(d, &id,
             "SELECT dt.unit_id FROM org_duties dt JOIN org_duty_caps c ON c.duty_id = dt.id AND c.capability = 'desk'"
             " WHERE dt.repealed = 0 GROUP BY dt.unit_id ORDER BY COUNT(*) DESC, dt.unit_id LIMIT 1",
             "") == DB_ROW && id)
    return id;
  return rbac_root_unit(d);
}

int64_t desk_category_unit(db *d, int64_t category_id)
{
  int64_t unit = 0;
  for (int depth = 0; category_id && depth < 16; depth++) {
    int64_t parent = 0;
    db_stmt *st = db_q(d, "SELECT COALESCE(unit_id, 0), COALESCE(parent_id, 0) FROM desk_categories WHERE id = ?",
                       "i", category_id);
    if (db_step(st) == DB_ROW) {
      unit = db_col_int(st, 0);
      parent = db_col_int(st, 1);
    }
    db_done(st);
    if (unit)
      return unit;
    category_id = parent;
  }
  return 0;
}

int desk_ticket_create(db *d, request *r, const struct actor *who, struct desk_new *n, json_t *fields, int64_t *id)
{
  arena *a = r ? r->a : NULL;
  arena *own = a ? NULL : arena_new();
  if (!a)
    a = own;
  int ret = 0;
  if (!n->type)
    n->type = "ariza";
  if (!desk_type_valid(n->type))
    jsonx_field_error(fields, "type", _("Choose fault, request or service."));
  const char *subject = desk_text(a, n->subject, 200, false);
  if (!subject || !*subject)
    jsonx_field_error(fields, "subject", _("Write a short subject (at most 200 characters)."));
  const char *body = desk_text(a, n->body ? n->body : "", 20000, true);
  if (!body)
    jsonx_field_error(fields, "body", _("The description is too long or contains invalid characters."));
  const char *location = n->location ? desk_text(a, n->location, 200, false) : NULL;
  if (n->location && !location)
    jsonx_field_error(fields, "location", _("The location is too long or contains invalid characters."));
  if (!n->urgency)
    n->urgency = 2;
  if (!n->impact)
    n->impact = 2;
  if (n->category_id) {
    int64_t active = 0;
    if (db_int(d, &active, "SELECT active FROM desk_categories WHERE id = ?", "i", n->category_id) != DB_ROW ||
        !active)
      jsonx_field_error(fields, "category", _("Unknown category."));
  }
  if (n->unit_id) {
    int64_t one = 0;
    if (db_int(d, &one, "SELECT 1 FROM units WHERE id = ? AND active = 1", "i", n->unit_id) != DB_ROW)
      jsonx_field_error(fields, "unit", _("Unknown unit."));
  }
  if (n->requester_email && tr_email_check(n->requester_email))
    jsonx_field_error(fields, "requester_email", _("Not a valid e-mail address."));
  if (n->requester_name && !desk_text(a, n->requester_name, 200, false))
    jsonx_field_error(fields, "requester_name", _("The name is too long or contains invalid characters."));
  if (json_object_size(fields)) {
    ret = 400;
    goto out;
  }
  int64_t unit = n->unit_id;
  if (!unit && n->category_id)
    unit = desk_category_unit(d, n->category_id);
  if (!unit)
    unit = default_unit(d);
  int64_t now = n->created_at ? n->created_at : now_unix();
  int priority = desk_priority(n->urgency, n->impact);
  int64_t resp_min = 0, res_min = 0;
  desk_sla_targets(d, n->category_id, priority, &resp_min, &res_min);
  struct desk_clock clock;
  desk_clock_open(d, &clock);
  int64_t response_due = desk_clock_add(&clock, now, resp_min * 60);
  int64_t resolve_due = desk_clock_add(&clock, now, res_min * 60);
  desk_clock_close(&clock);

  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO desk_tickets (type, subject, body, category_id, unit_id, requester_id, requester_name,"
                " requester_email, asset_id, location, urgency, impact, priority, status, channel, created_by,"
                " created_at, updated_at, response_due, resolve_due)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                "tttIiIttItiiitIiiii", n->type, subject, body, n->category_id, unit, n->requester_id,
                n->requester_name, n->requester_email, n->asset_id, location, (int64_t)n->urgency,
                (int64_t)n->impact, (int64_t)priority, n->channel ? n->channel : "web", n->created_by, now, now,
                response_due, resolve_due);
  int64_t tid = rc ? 0 : db_last_id(d);
  if (!rc)
    rc = desk_event(d, tid, who, "created", NULL, "yeni", NULL);
  if (!rc)
    rc = desk_fts_refresh(d, tid);
  if (!rc) {
    json_t *after = json_pack("{sssssIsIss}", "type", n->type, "subject", subject, "unit", (json_int_t)unit,
                              "priority", (json_int_t)priority, "channel", n->channel ? n->channel : "web");
    rc = desk_audit(d, who, "create", tid, unit, NULL, after);
    json_decref(after);
  }
  if (!rc) {
    desk_notify(d, tid, "created", NULL);
    desk_notify_unit(d, tid, unit, "new", NULL);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    ret = -1;
    goto out;
  }
  *id = tid;
out:
  if (own)
    arena_free(own);
  return ret;
}

json_t *desk_tickets_of_asset(db *d, int64_t asset_id, int limit)
{
  db_stmt *st = db_q(d,
                     "SELECT id, subject, status, created_at FROM desk_tickets WHERE asset_id = ?"
                     " ORDER BY id DESC LIMIT ?",
                     "ii", asset_id, (int64_t)limit);
  if (!st)
    return NULL;
  json_t *items = json_array();
  char num[24], ts[32];
  while (db_step(st) == DB_ROW) {
    desk_number(db_col_int(st, 0), num);
    fmt_iso8601(db_col_int(st, 3), ts);
    json_array_append_new(items, json_pack("{sIssss?ssss}", "id", (json_int_t)db_col_int(st, 0), "number", num,
                                           "subject", db_col_text(st, 1), "status",
                                           desk_status_key((int)db_col_int(st, 2)), "created_at", ts));
  }
  db_done(st);
  return items;
}
