/* api.c - the ticket list (search, filters, sort, cursor paging), one
 * ticket with everything attached to it, creating and editing tickets.
 *
 * The list query is assembled from a fixed set of literal clauses, so each
 * combination of filters is its own prepared statement and SQLite can use
 * the index that fits (unit queue, assignee, requester, full-text). */
#include "desk_int.h"
#include "../assets/assets.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 200, QB_ARGS = 32, TERM_MAX = 64 };

/* ---- query builder --------------------------------------------------------- */

struct qb {
  buf sql;
  char types[QB_ARGS + 1];
  struct db_arg args[QB_ARGS];
  int n;
};

#define QB_SQL(q, lit) buf_puts(&(q)->sql, "" lit "")

static void qb_int(struct qb *q, int64_t v)
{
  if (q->n < QB_ARGS) {
    q->types[q->n] = 'i';
    q->args[q->n++].i = v;
  }
  q->types[q->n] = 0;
}

static void qb_text(struct qb *q, const char *v)
{
  if (q->n < QB_ARGS) {
    q->types[q->n] = 't';
    q->args[q->n++].t = v;
  }
  q->types[q->n] = 0;
}

/* The words' characters: letters and digits of the folded text, and any
 * non-ASCII letter the fold kept. */
static bool word_byte(unsigned char c)
{
  return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

int desk_fts_query(arena *a, const char *q, bool staff, struct desk_search *out)
{
  memset(out, 0, sizeof *out);
  size_t n = strlen(q);
  char *folded = arena_alloc(a, n + 1);
  if (tr_fold(q, true, folded, n + 1))
    return 0;
  buf b;
  buf_init(&b, 4096);
  if (!staff)
    buf_puts(&b, "{subject body public} : (");
  int terms = 0;
  for (char *p = folded; *p && terms < DESK_SEARCH_TERMS;) {
    while (*p && !word_byte((unsigned char)*p))
      p++;
    char *start = p;
    while (*p && word_byte((unsigned char)*p))
      p++;
    size_t len = (size_t)(p - start);
    if (!len)
      continue;
    if (len > TERM_MAX)
      len = TERM_MAX;
    /* Turkish adds suffixes, so a word matches what begins with it
     * ("yazıcı" finds "yazıcısı"). FTS5 answers a prefix quickly only from
     * a prefix index (4 and 6 characters here; each one costs every insert):
     * a word of 4-5 characters asks the 4-index, a longer one the 6-index,
     * and what the index cut off is checked whole against the row's text
     * (out->words). Up to 3 characters: the word itself. */
    size_t chars = 0, cut4 = len, cut6 = len;
    for (size_t i = 0; i < len; i++)
      if (((unsigned char)start[i] & 0xC0) != 0x80) {
        chars++;
        if (chars == 5)
          cut4 = i;
        if (chars == PREFIX_INDEXED + 1)
          cut6 = i;
      }
    size_t cut = chars <= 3 ? len : chars < PREFIX_INDEXED ? cut4 : cut6;
    if (chars <= 3)
      buf_printf(&b, "%s\"%.*s\"", terms ? " " : "", (int)len, start);
    else
      buf_printf(&b, "%s\"%.*s\"*", terms ? " " : "", (int)cut, start);
    if (cut < len)
      out->words[out->nwords++] = arena_strndup(a, start, len);
    terms++;
  }
  if (!staff)
    buf_puts(&b, ")");
  out->match = terms ? arena_strdup(a, buf_cstr(&b)) : NULL;
  buf_free(&b);
  return terms;
}

struct list_filter {
  const char *q, *sort, *status, *type;
  int64_t unit, assignee, requester, category, cursor_id, cursor_key;
  int priority;
  bool mine, requested, watching, unassigned, breached, open_only, closed_only, has_cursor;
  int64_t limit;
};

static int parse_filter(request *r, db *d, struct list_filter *f, json_t *fields)
{
  memset(f, 0, sizeof *f);
  f->limit = LIST_DEFAULT;
  const char *v;
  if ((v = req_query(r, "q")) && *v) {
    if (strlen(v) > 200 || tr_text_check(v, strlen(v), false))
      json_object_set_new(fields, "q", json_string(_("The search text is too long or invalid.")));
    f->q = v;
  }
  if ((v = req_query(r, "status")) && *v) {
    if (str_eq(v, "open"))
      f->open_only = true;
    else if (str_eq(v, "closed"))
      f->closed_only = true;
    else if (desk_status_from_key(v) < 0)
      json_object_set_new(fields, "status", json_string(_("Unknown status.")));
    else
      f->status = v;
  }
  if ((v = req_query(r, "type")) && *v) {
    if (!desk_type_valid(v))
      json_object_set_new(fields, "type", json_string(_("Choose fault, request or service.")));
    f->type = v;
  }
  if ((v = req_query(r, "priority")) && *v && !(f->priority = desk_priority_from_key(v)))
    json_object_set_new(fields, "priority", json_string(_("Unknown priority.")));
  if ((v = req_query(r, "unit")) && *v &&
      db_int(d, &f->unit, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
    json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
  if ((v = req_query(r, "category")) && *v && (parse_i64(v, &f->category) || f->category <= 0))
    json_object_set_new(fields, "category", json_string(_("Unknown category.")));
  if ((v = req_query(r, "assignee")) && *v) {
    if (str_eq(v, "me"))
      f->assignee = r->user->id;
    else if (str_eq(v, "none"))
      f->unassigned = true;
    else if (parse_i64(v, &f->assignee) || f->assignee <= 0)
      json_object_set_new(fields, "assignee", json_string(_("Unknown user.")));
  }
  if ((v = req_query(r, "view")) && *v) {
    if (str_eq(v, "mine"))
      f->mine = true;
    else if (str_eq(v, "requested"))
      f->requested = true;
    else if (str_eq(v, "watching"))
      f->watching = true;
    else if (!str_eq(v, "all"))
      json_object_set_new(fields, "view", json_string(_("Unknown view.")));
  }
  if (str_eq(r->path, "/desk/my"))
    f->requested = true; /* the "my requests" page */
  if ((v = req_query(r, "breached")) && str_eq(v, "1"))
    f->breached = true;
  f->sort = "newest";
  if ((v = req_query(r, "sort")) && *v) {
    if (!str_eq(v, "newest") && !str_eq(v, "oldest") && !str_eq(v, "priority") && !str_eq(v, "due"))
      json_object_set_new(fields, "sort", json_string(_("Sort by newest, oldest, priority or due.")));
    else
      f->sort = v;
  }
  if ((v = req_query(r, "limit")) && *v && (parse_i64(v, &f->limit) || f->limit < 1))
    json_object_set_new(fields, "limit", json_string(_("limit must be a positive number.")));
  if (f->limit > LIST_MAX)
    f->limit = LIST_MAX;
  if ((v = req_query(r, "cursor")) && *v) {
    const char *dot = strchr(v, '.');
    bool keyed = str_eq(f->sort, "priority") || str_eq(f->sort, "due");
    char key[24];
    bool ok = false;
    if (keyed && dot && (size_t)(dot - v) < sizeof key) {
      memcpy(key, v, (size_t)(dot - v));
      key[dot - v] = 0;
      ok = !parse_i64(key, &f->cursor_key) && !parse_i64(dot + 1, &f->cursor_id);
    } else if (!keyed && !dot) {
      ok = !parse_i64(v, &f->cursor_id);
    }
    if (!ok)
      json_object_set_new(fields, "cursor", json_string(_("Invalid cursor.")));
    f->has_cursor = true;
  }
  return json_object_size(fields) ? 400 : 0;
}

#define DUE_KEY "COALESCE(t.resolve_due, 9000000000000)"

int desk_api_list(request *r)
{
  db *d = db_thread();
  json_t *fields = json_object();
  struct list_filter f;
  if (parse_filter(r, d, &f, fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  int64_t me = r->user->id;
  bool global = rbac_can(me, "desk.read_unit", rbac_root_unit(d));
  bool staff = rbac_has(me, "desk.read_unit");
  const char *match = NULL;
  struct desk_search search;
  if (f.q) {
    desk_fts_query(r->a, f.q, staff, &search);
    match = search.match;
    if (!match)
      return desk_invalid(r, json_pack("{ss}", "q", _("Write at least one word to search for.")));
  }
  struct qb q = {.n = 0};
  buf_init(&q.sql, 16384);
  QB_SQL(&q, "SELECT " DESK_COLS);
  if (match) {
    QB_SQL(&q, " FROM desk_fts JOIN desk_tickets t ON t.id = desk_fts.rowid JOIN units tu ON tu.id = t.unit_id"
               " LEFT JOIN desk_categories c ON c.id = t.category_id LEFT JOIN users au ON au.id = t.assignee_id"
               " LEFT JOIN users ru ON ru.id = t.requester_id WHERE desk_fts MATCH ?");
    qb_text(&q, match);
    for (int i = 0; i < search.nwords; i++) {
      if (staff)
        QB_SQL(&q, " AND instr(desk_fts.subject || ' ' || desk_fts.body || ' ' || desk_fts.public || ' '"
                   " || desk_fts.internal, ?) > 0");
      else
        QB_SQL(&q, " AND instr(desk_fts.subject || ' ' || desk_fts.body || ' ' || desk_fts.public, ?) > 0");
      qb_text(&q, search.words[i]);
    }
  } else {
    QB_SQL(&q, DESK_FROM " WHERE 1");
  }
  if (!global) {
    QB_SQL(&q, " AND (t.requester_id = ? OR t.created_by = ? OR t.assignee_id = ?"
               " OR EXISTS (SELECT 1 FROM desk_watchers w WHERE w.ticket_id = t.id AND w.user_id = ?)");
    qb_int(&q, me);
    qb_int(&q, me);
    qb_int(&q, me);
    qb_int(&q, me);
    if (staff) {
      QB_SQL(&q, " OR t.unit_id IN (SELECT u.id FROM units u JOIN effective_grants g ON g.user_id = ?"
                 " JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'desk.read_unit'"
                 " JOIN units gu ON gu.id = g.unit_id WHERE substr(u.path, 1, length(gu.path)) = gu.path)");
      qb_int(&q, me);
    }
    QB_SQL(&q, ")");
  }
  if (f.mine) {
    QB_SQL(&q, " AND t.assignee_id = ?");
    qb_int(&q, me);
  }
  if (f.requested) {
    QB_SQL(&q, " AND t.requester_id = ?");
    qb_int(&q, me);
  }
  if (f.watching) {
    QB_SQL(&q, " AND t.id IN (SELECT ticket_id FROM desk_watchers WHERE user_id = ?)");
    qb_int(&q, me);
  }
  if (f.unit) {
    QB_SQL(&q, " AND t.unit_id = ?");
    qb_int(&q, f.unit);
  }
  if (f.assignee) {
    QB_SQL(&q, " AND t.assignee_id = ?");
    qb_int(&q, f.assignee);
  }
  if (f.unassigned)
    QB_SQL(&q, " AND t.assignee_id IS NULL");
  if (f.category) {
    QB_SQL(&q, " AND t.category_id = ?");
    qb_int(&q, f.category);
  }
  if (f.status) {
    QB_SQL(&q, " AND t.status = ?");
    qb_int(&q, desk_status_from_key(f.status));
  }
  if (f.open_only)
    QB_SQL(&q, " AND t.status < 4");
  if (f.closed_only)
    QB_SQL(&q, " AND t.status >= 4");
  if (f.type) {
    QB_SQL(&q, " AND t.type = ?");
    qb_text(&q, f.type);
  }
  if (f.priority) {
    QB_SQL(&q, " AND t.priority = ?");
    qb_int(&q, f.priority);
  }
  if (f.breached)
    QB_SQL(&q, " AND (t.response_breached = 1 OR t.resolve_breached = 1)");
  bool newest = str_eq(f.sort, "newest"), oldest = str_eq(f.sort, "oldest"), by_prio = str_eq(f.sort, "priority");
  if (f.has_cursor) {
    if (newest)
      QB_SQL(&q, " AND t.id < ?");
    else if (oldest)
      QB_SQL(&q, " AND t.id > ?");
    else if (by_prio) {
      QB_SQL(&q, " AND (t.priority > ? OR (t.priority = ? AND t.id < ?))");
      qb_int(&q, f.cursor_key);
      qb_int(&q, f.cursor_key);
    } else {
      QB_SQL(&q, " AND (" DUE_KEY " > ? OR (" DUE_KEY " = ? AND t.id > ?))");
      qb_int(&q, f.cursor_key);
      qb_int(&q, f.cursor_key);
    }
    qb_int(&q, f.cursor_id);
  }
  if (newest && match)
    QB_SQL(&q, " ORDER BY desk_fts.rowid DESC");
  else if (newest)
    QB_SQL(&q, " ORDER BY t.id DESC");
  else if (oldest && match)
    QB_SQL(&q, " ORDER BY desk_fts.rowid ASC");
  else if (oldest)
    QB_SQL(&q, " ORDER BY t.id ASC");
  else if (by_prio)
    QB_SQL(&q, " ORDER BY t.priority ASC, t.id DESC");
  else
    QB_SQL(&q, " ORDER BY " DUE_KEY " ASC, t.id ASC");
  QB_SQL(&q, " LIMIT ?");
  qb_int(&q, f.limit + 1);

  db_stmt *st = q.sql.overflow ? NULL : db_qa(d, buf_cstr(&q.sql), q.types, q.args);
  buf_free(&q.sql);
  if (!st)
    return -1;
  /* Written straight into the reply: the hot path of the desk. */
  buf out;
  buf_init(&out, 0);
  buf_puts(&out, "{\"items\":[");
  struct desk_ticket t = {0};
  int64_t count = 0;
  bool more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (count == f.limit) {
      more = true;
      break;
    }
    desk_ticket_row(st, r->a, &t);
    t.body = NULL;
    if (count)
      buf_puts(&out, ",");
    desk_ticket_write(&out, &t, staff);
    count++;
  }
  db_done(st);
  if (rc < 0) {
    buf_free(&out);
    return -1;
  }
  buf_puts(&out, "],\"next_cursor\":");
  if (more && count) {
    if (by_prio)
      buf_printf(&out, "\"%d.%lld\"", t.priority, (long long)t.id);
    else if (!newest && !oldest)
      buf_printf(&out, "\"%lld.%lld\"", (long long)(t.resolve_due ? t.resolve_due : 9000000000000LL), (long long)t.id);
    else
      buf_printf(&out, "\"%lld\"", (long long)t.id);
  } else {
    buf_puts(&out, "null");
  }
  buf_puts(&out, "}");
  rc = http_text(r, 200, "application/json; charset=utf-8", out.data ? out.data : "", out.len);
  buf_free(&out);
  return rc;
}

/* ---- one ticket ------------------------------------------------------------- */

static json_t *ticket_full(request *r, const struct desk_ticket *t)
{
  db *d = db_thread();
  bool staff = desk_staff(r, t);
  json_t *o = desk_ticket_json(t, staff);
  if (t->asset_id) {
    json_t *a = assets_lookup(d, t->asset_id);
    json_object_set_new(o, "asset", a ? a : json_null());
  }
  char ts[32];
  json_t *comments = json_array();
  db_stmt *st = db_q(d,
                     "SELECT id, author, body, internal, via, created_at FROM desk_comments WHERE ticket_id = ?"
                     " AND (internal = 0 OR ? = 1) ORDER BY id LIMIT 1000",
                     "ii", t->id, (int64_t)staff);
  while (db_step(st) == DB_ROW) {
    fmt_iso8601(db_col_int(st, 5), ts);
    json_array_append_new(comments, json_pack("{sIsssssbssss}", "id", (json_int_t)db_col_int(st, 0), "author",
                                              db_col_text(st, 1), "body", db_col_text(st, 2), "internal",
                                              (int)db_col_int(st, 3), "via", db_col_text(st, 4), "created_at", ts));
  }
  db_done(st);
  json_object_set_new(o, "comments", comments);
  json_t *log = json_array();
  int64_t minutes = 0;
  if (staff) {
    st = db_q(d,
              "SELECT w.id, u.username, w.minutes, w.mode, w.note, w.at FROM desk_worklog w"
              " JOIN users u ON u.id = w.user_id WHERE w.ticket_id = ? ORDER BY w.id LIMIT 1000",
              "i", t->id);
    while (db_step(st) == DB_ROW) {
      fmt_iso8601(db_col_int(st, 5), ts);
      minutes += db_col_int(st, 2);
      json_array_append_new(log, json_pack("{sIsssIssssss}", "id", (json_int_t)db_col_int(st, 0), "user",
                                           db_col_text(st, 1), "minutes", (json_int_t)db_col_int(st, 2), "mode",
                                           db_col_text(st, 3), "note", db_col_text(st, 4), "at", ts));
    }
    db_done(st);
  }
  json_object_set_new(o, "worklog", log);
  json_object_set_new(o, "minutes", json_integer(minutes));
  json_t *files = json_array();
  st = db_q(d, "SELECT id, name, size, mime, created_at FROM desk_attachments WHERE ticket_id = ? ORDER BY id LIMIT 500",
            "i", t->id);
  while (db_step(st) == DB_ROW) {
    fmt_iso8601(db_col_int(st, 4), ts);
    char url[96];
    snprintf(url, sizeof url, "/api/v1/desk/tickets/%lld/attachments/%lld", (long long)t->id,
             (long long)db_col_int(st, 0));
    json_array_append_new(files, json_pack("{sIsssIssssss}", "id", (json_int_t)db_col_int(st, 0), "name",
                                           db_col_text(st, 1), "size", (json_int_t)db_col_int(st, 2), "type",
                                           db_col_text(st, 3), "created_at", ts, "url", url));
  }
  db_done(st);
  json_object_set_new(o, "attachments", files);
  json_t *watchers = json_array();
  st = db_q(d,
            "SELECT u.id, u.username, u.display_name FROM desk_watchers w JOIN users u ON u.id = w.user_id"
            " WHERE w.ticket_id = ? ORDER BY u.username LIMIT 200",
            "i", t->id);
  while (db_step(st) == DB_ROW)
    json_array_append_new(watchers, json_pack("{sIssss}", "id", (json_int_t)db_col_int(st, 0), "username",
                                              db_col_text(st, 1), "display_name", db_col_text(st, 2)));
  db_done(st);
  json_object_set_new(o, "watchers", watchers);
  json_t *repairs = json_array();
  st = db_q(d,
            "SELECT id, vendor, rma_no, sent_on, expected_on, returned_on, outcome, note FROM desk_repairs"
            " WHERE ticket_id = ? ORDER BY id LIMIT 100",
            "i", t->id);
  while (db_step(st) == DB_ROW) {
    json_t *rp = json_object();
    json_object_set_new(rp, "id", json_integer(db_col_int(st, 0)));
    const char *keys[] = {NULL, "vendor", "rma_no", "sent_on", "expected_on", "returned_on", "outcome", "note"};
    for (int i = 1; i < 8; i++)
      jsonx_set_str(rp, keys[i], db_col_text(st, i));
    json_array_append_new(repairs, rp);
  }
  db_done(st);
  json_object_set_new(o, "repairs", repairs);
  json_t *hist = json_array();
  st = db_q(d,
            "SELECT at, actor, kind, from_value, to_value, note FROM desk_events WHERE ticket_id = ?"
            " ORDER BY id LIMIT 1000",
            "i", t->id);
  while (db_step(st) == DB_ROW) {
    fmt_iso8601(db_col_int(st, 0), ts);
    json_t *e = json_pack("{ssssss}", "at", ts, "actor", db_col_text(st, 1), "kind", db_col_text(st, 2));
    jsonx_set_str(e, "from", db_col_text(st, 3));
    jsonx_set_str(e, "to", db_col_text(st, 4));
    if (staff || !str_eq(db_col_text(st, 2), "internal"))
      jsonx_set_str(e, "note", db_col_text(st, 5));
    json_array_append_new(hist, e);
  }
  db_done(st);
  json_object_set_new(o, "history", hist);
  return o;
}

int desk_api_get(request *r)
{
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  return http_json(r, 200, ticket_full(r, &t));
}

int desk_reply_ticket(request *r, int status, int64_t id)
{
  struct desk_ticket t;
  int rc = desk_ticket_load(db_thread(), r->a, id, &t);
  if (rc != DB_ROW)
    return -1;
  return http_json(r, status, ticket_full(r, &t));
}

/* ---- create ---------------------------------------------------------------- */

static int64_t category_field(db *d, json_t *v, json_t *fields)
{
  int64_t id = 0;
  if (!v || json_is_null(v))
    return 0;
  if (json_is_integer(v))
    id = json_integer_value(v);
  else if (json_is_string(v) && db_int(d, &id, "SELECT id FROM desk_categories WHERE code = ?", "t",
                                       json_string_value(v)) != DB_ROW)
    id = 0;
  if (id <= 0)
    json_object_set_new(fields, "category", json_string(_("Unknown category.")));
  return id > 0 ? id : 0;
}

int desk_api_create(request *r)
{
  static const struct jfield spec[] = {
      {"type", JT_STRING, true, 16},          {"subject", JT_STRING, true, 1000},
      {"body", JT_STRING, false, 100000},     {"category", JT_ANY, false, 64},
      {"urgency", JT_STRING, false, 16},      {"impact", JT_STRING, false, 16},
      {"location", JT_STRING, false, 1000},   {"asset_id", JT_INT, false, 0},
      {"requester", JT_INT, false, 0},        {"requester_name", JT_STRING, false, 1000},
      {"requester_email", JT_STRING, false, 320}, {"channel", JT_STRING, false, 16},
      {"unit", JT_STRING, false, 64},
  };
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *fields = json_object();
  int64_t me = r->user->id;
  bool staff = rbac_has(me, "desk.work");
  struct desk_new n = {
      .type = jsonx_str(in, "type"),
      .subject = jsonx_str(in, "subject"),
      .body = jsonx_str(in, "body"),
      .location = jsonx_str(in, "location"),
      .asset_id = jsonx_int(in, "asset_id", 0),
      .requester_id = me,
      .created_by = me,
      .channel = "web",
  };
  n.category_id = category_field(d, json_object_get(in, "category"), fields);
  const char *v;
  if ((v = jsonx_str(in, "urgency")) && !(n.urgency = desk_level_from_key(v)))
    json_object_set_new(fields, "urgency", json_string(_("Choose low, medium or high.")));
  if ((v = jsonx_str(in, "impact"))) {
    if (!(n.impact = desk_level_from_key(v)))
      json_object_set_new(fields, "impact", json_string(_("Choose low, medium or high.")));
    else if (!staff)
      json_object_set_new(fields, "impact", json_string(_("Only the service desk sets the impact.")));
  }
  json_t *known = n.asset_id > 0 ? assets_lookup(db_thread(), n.asset_id) : NULL;
  if (n.asset_id < 0 || (n.asset_id > 0 && !known))
    json_object_set_new(fields, "asset_id", json_string(_("Unknown asset.")));
  json_decref(known);
  /* On someone's behalf (a phone call, a walk-in): desk staff only. */
  int64_t req = jsonx_int(in, "requester", 0);
  const char *rname = jsonx_str(in, "requester_name"), *remail = jsonx_str(in, "requester_email");
  const char *channel = jsonx_str(in, "channel"), *unit = jsonx_str(in, "unit");
  if ((json_object_get(in, "requester") || rname || remail || channel || unit) && !staff) {
    json_decref(in);
    json_decref(fields);
    return desk_forbidden(r);
  }
  if (json_object_get(in, "requester")) {
    int64_t one = 0;
    if (req <= 0 || db_int(d, &one, "SELECT 1 FROM users WHERE id = ? AND active = 1", "i", req) != DB_ROW)
      json_object_set_new(fields, "requester", json_string(_("Unknown user.")));
    n.requester_id = req;
  }
  if (rname || remail) {
    if (!json_object_get(in, "requester"))
      n.requester_id = 0;
    n.requester_name = rname;
    n.requester_email = remail;
  }
  if (channel) {
    if (!str_eq(channel, "web") && !str_eq(channel, "telefon") && !str_eq(channel, "eposta") &&
        !str_eq(channel, "yerinde") && !str_eq(channel, "api"))
      json_object_set_new(fields, "channel", json_string(_("Unknown channel.")));
    n.channel = channel;
  }
  if (unit) {
    if (db_int(d, &n.unit_id, "SELECT id FROM units WHERE code = ? AND active = 1", "t", unit) != DB_ROW)
      json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
    else if (!rbac_can(me, "desk.assign", n.unit_id) && !rbac_can(me, "desk.work", n.unit_id))
      json_object_set_new(fields, "unit", json_string(_("You cannot open tickets in this unit's queue.")));
  }
  int64_t id = 0;
  struct actor who = audit_actor(r);
  int rc = json_object_size(fields) ? 400 : desk_ticket_create(d, r, &who, &n, fields, &id);
  json_decref(in);
  if (rc == 400)
    return desk_invalid(r, fields);
  json_decref(fields);
  if (rc)
    return -1;
  /* The record itself (no comments or history yet): a create is cheap. */
  struct desk_ticket t;
  if (desk_ticket_load(d, r->a, id, &t) != DB_ROW)
    return -1;
  return http_json(r, 201, desk_ticket_json(&t, staff));
}

/* ---- edit ------------------------------------------------------------------- */

int desk_api_patch(request *r)
{
  static const struct jfield spec[] = {
      {"category", JT_ANY, false, 64}, {"urgency", JT_STRING, false, 16},  {"impact", JT_STRING, false, 16},
      {"location", JT_STRING, false, 1000}, {"asset_id", JT_ANY, false, 0}, {"mode", JT_STRING, false, 16},
      {"subject", JT_STRING, false, 1000}, {"type", JT_STRING, false, 16},
  };
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
  json_t *fields = json_object();
  int64_t category = t.category_id, asset = t.asset_id;
  int urgency = t.urgency, impact = t.impact;
  const char *location = t.location, *mode = t.mode, *subject = t.subject, *type = t.type, *v;
  if (json_object_get(in, "category"))
    category = category_field(d, json_object_get(in, "category"), fields);
  if ((v = jsonx_str(in, "urgency")) && !(urgency = desk_level_from_key(v)))
    json_object_set_new(fields, "urgency", json_string(_("Choose low, medium or high.")));
  if ((v = jsonx_str(in, "impact")) && !(impact = desk_level_from_key(v)))
    json_object_set_new(fields, "impact", json_string(_("Choose low, medium or high.")));
  if (json_object_get(in, "location") && !(location = desk_text(r->a, jsonx_str(in, "location"), 200, false)))
    json_object_set_new(fields, "location", json_string(_("The location is too long or contains invalid characters.")));
  json_t *av = json_object_get(in, "asset_id");
  if (av) {
    if (json_is_null(av))
      asset = 0;
    else if (!json_is_integer(av) || (asset = json_integer_value(av)) <= 0)
      json_object_set_new(fields, "asset_id", json_string(_("Unknown asset.")));
    else {
      json_t *known = assets_lookup(db_thread(), asset);
      if (!known)
        json_object_set_new(fields, "asset_id", json_string(_("Unknown asset.")));
      json_decref(known);
    }
  }
  if ((v = jsonx_str(in, "mode"))) {
    mode = NULL;
    for (int i = 0; desk_modes[i]; i++)
      if (str_eq(v, desk_modes[i]))
        mode = desk_modes[i];
    if (!mode)
      json_object_set_new(fields, "mode", json_string(_("Choose on site or remote.")));
  }
  if (json_object_get(in, "subject") &&
      (!(subject = desk_text(r->a, jsonx_str(in, "subject"), 200, false)) || !*subject))
    json_object_set_new(fields, "subject", json_string(_("Write a short subject (at most 200 characters).")));
  if ((v = jsonx_str(in, "type"))) {
    if (!desk_type_valid(v))
      json_object_set_new(fields, "type", json_string(_("Choose fault, request or service.")));
    type = arena_strdup(r->a, v);
  }
  json_decref(in);
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  int priority = desk_priority(urgency, impact);
  struct actor who = audit_actor(r);
  json_t *before = json_pack("{sIsisisisssIssss}", "category", (json_int_t)t.category_id, "urgency", t.urgency,
                             "impact", t.impact, "priority", t.priority, "location", t.location ? t.location : "",
                             "asset_id", (json_int_t)t.asset_id, "mode", t.mode ? t.mode : "", "subject", t.subject);
  json_t *after = json_pack("{sIsisisisssIssss}", "category", (json_int_t)category, "urgency", urgency, "impact",
                            impact, "priority", priority, "location", location ? location : "", "asset_id",
                            (json_int_t)asset, "mode", mode ? mode : "", "subject", subject);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE desk_tickets SET category_id = ?, urgency = ?, impact = ?, priority = ?, location = ?,"
                " asset_id = ?, mode = ?, subject = ?, type = ?, updated_at = ? WHERE id = ?",
                "IiiitItttii", category, (int64_t)urgency, (int64_t)impact, (int64_t)priority, location, asset, mode,
                subject, type, now_unix(), t.id);
  /* A new priority moves the deadlines that have not passed yet. */
  if (!rc && priority != t.priority && desk_status_open(t.status)) {
    int64_t resp = 0, res = 0;
    desk_sla_targets(d, category, priority, &resp, &res);
    struct desk_clock clock;
    desk_clock_open(d, &clock);
    rc = db_run(d,
                "UPDATE desk_tickets SET response_due = CASE WHEN first_response_at IS NULL THEN ? ELSE response_due"
                " END, resolve_due = ? WHERE id = ?",
                "iii", desk_clock_add(&clock, t.created_at, resp * 60), desk_clock_add(&clock, t.created_at, res * 60),
                t.id);
    desk_clock_close(&clock);
  }
  if (!rc)
    rc = desk_event(d, t.id, &who, "updated", NULL, NULL, NULL);
  if (!rc && !str_eq(subject, t.subject))
    rc = desk_fts_refresh(d, t.id);
  if (!rc)
    rc = desk_audit(d, &who, "update", t.id, t.unit_id, before, after);
  json_decref(before);
  json_decref(after);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return desk_reply_ticket(r, 200, t.id);
}
