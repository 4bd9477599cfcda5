/* extras.c - what hangs off a ticket besides comments: attached files
 * (the core content-addressed store), devices sent to a vendor's service
 * for warranty follow-up (RMA), and the requester's satisfaction rating
 * given through the link in the resolution mail. */
#include "desk_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTACHMENT_MAX_DEFAULT (10 * 1024 * 1024)

/* ---- attachments ----------------------------------------------------------- */

int desk_attach(request *r, const struct desk_ticket *t, const char *name, const unsigned char *data, size_t n,
                int64_t *aid)
{
  db *d = db_thread();
  char dir[4096];
  if (files_data_dir(d, dir, sizeof dir))
    return -1;
  if (!desk_can_work(r, t) && !desk_is_requester(r, t) && !desk_is_watcher(d, t->id, r->user->id))
    return desk_forbidden(r), 1;
  if (t->status == DS_KAPANDI)
    return http_error(r, 409, "invalid_transition", _("The ticket is closed."), NULL), 1;
  name = files_clean_name(r->a, name);
  if (!name)
    return desk_invalid(r, json_pack("{ss}", "name", _("Give a file name of at most 200 bytes."))), 1;
  if (n == 0)
    return desk_invalid(r, json_pack("{ss}", "content", _("The file is empty."))), 1;
  if ((int64_t)n > files_limit(dir, "desk.attachment_max", ATTACHMENT_MAX_DEFAULT))
    return http_error(r, 413, "too_large", _("The file is larger than attachments may be."), NULL), 1;
  const char *mime = files_sniff_type(data, n);
  if (!mime)
    return http_error(r, 400, "unsupported_type",
                      _("This file type is not accepted; use PDF, PNG, JPEG, ODT, DOCX, XLSX or plain text."), NULL),
           1;
  struct actor who = audit_actor(r);
  return desk_attach_insert(d, &who, t, dir, name, mime, data, n, aid);
}

int desk_attach_insert(db *d, const struct actor *who, const struct desk_ticket *t, const char *dir, const char *name,
                       const char *mime, const unsigned char *data, size_t n, int64_t *aid)
{
  char sha[65];
  if (files_put(dir, data, n, sha)) {
    log_error("attachment not stored", "ticket=%lld", (long long)t->id);
    return -1;
  }
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO desk_attachments (ticket_id, name, sha256, size, mime, uploaded_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                "ittitIi", t->id, name, sha, (int64_t)n, mime, who->user_id, now_unix());
  if (!rc) {
    *aid = db_last_id(d);
    rc = desk_event(d, t->id, who, "attachment", NULL, NULL, name);
  }
  if (!rc) {
    json_t *after = json_pack("{sIsssssI}", "attachment", (json_int_t)*aid, "name", name, "sha256", sha, "size",
                              (json_int_t)n);
    rc = desk_audit(d, who, "attach", t->id, t->unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

int desk_api_attach(request *r)
{
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  const char *ctype = req_header(r, "Content-Type");
  const char *name = NULL;
  const unsigned char *data = NULL;
  unsigned char *decoded = NULL;
  size_t n = 0;
  json_t *in = NULL;
  int ret = 0;
  if (ctype && str_starts(ctype, "application/json")) {
    const struct jfield spec[] = {{"name", JT_STRING, true, 1024},
                                  {"content_base64", JT_STRING, true, http_body_max()}};
    in = req_json(r, spec, ARRAY_LEN(spec));
    if (!in)
      return 0;
    name = jsonx_str(in, "name");
    const char *b64 = jsonx_str(in, "content_base64");
    size_t blen = strlen(b64), cap = blen / 4 * 3 + 3;
    decoded = xmalloc(cap);
    if (sodium_base642bin(decoded, cap, b64, blen, " \r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL)) {
      ret = desk_invalid(r, json_pack("{ss}", "content_base64", _("Not valid base64.")));
      goto out;
    }
    data = decoded;
  } else {
    name = req_query(r, "name");
    data = (const unsigned char *)r->body.data;
    n = r->body.len;
  }
  int64_t aid = 0;
  rc = desk_attach(r, &t, name, data, n, &aid);
  if (rc)
    ret = rc < 0 ? -1 : 0;
  else
    ret = desk_reply_ticket(r, 201, t.id);
out:
  json_decref(in);
  free(decoded);
  return ret;
}

int desk_api_attachment_get(request *r)
{
  struct desk_ticket t;
  int rc = desk_ticket_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t aid;
  if (parse_i64(req_param(r, "aid"), &aid))
    return desk_not_found(r);
  db *d = db_thread();
  const char *name = NULL, *sha = NULL, *mime = NULL;
  int64_t size = 0;
  db_stmt *st = db_q(d, "SELECT name, sha256, mime, size FROM desk_attachments WHERE id = ? AND ticket_id = ?", "ii",
                     aid, t.id);
  if (db_step(st) == DB_ROW) {
    name = arena_strdup(r->a, db_col_text(st, 0));
    sha = arena_strdup(r->a, db_col_text(st, 1));
    mime = arena_strdup(r->a, db_col_text(st, 2));
    size = db_col_int(st, 3);
  }
  db_done(st);
  char dir[4096];
  unsigned char *data = NULL;
  if (!name)
    return desk_not_found(r);
  if (files_data_dir(d, dir, sizeof dir))
    return -1;
  if (files_get(dir, sha, size, &data)) {
    log_error("attachment file missing or damaged", "attachment=%lld", (long long)aid);
    return http_error(r, 404, "not_found", _("The file of this attachment is missing from the store."), NULL);
  }
  http_header(r, "Content-Disposition", files_disposition(r->a, name));
  rc = http_text(r, 200, mime, (const char *)data, (size_t)size);
  free(data);
  return rc;
}

/* ---- vendor repairs ------------------------------------------------------------ */

static const char *const outcomes[] = {"onarildi", "degistirildi", "onarilamadi", "iade", NULL};

static const char *date_field(request *r, json_t *in, const char *key, json_t *fields)
{
  const char *v = jsonx_str(in, key);
  if (!v)
    return NULL;
  char out[11];
  if (tr_date_parse(v, out)) {
    json_object_set_new(fields, key, json_string(_("Write a date as YYYY-MM-DD.")));
    return NULL;
  }
  return arena_strdup(r->a, out);
}

static json_t *repair_json(db *d, int64_t id)
{
  json_t *o = NULL;
  db_stmt *st = db_q(d,
                     "SELECT id, ticket_id, vendor, rma_no, sent_on, expected_on, returned_on, outcome, note"
                     " FROM desk_repairs WHERE id = ?",
                     "i", id);
  if (db_step(st) == DB_ROW) {
    o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    json_object_set_new(o, "ticket", json_integer(db_col_int(st, 1)));
    const char *keys[] = {NULL, NULL, "vendor", "rma_no", "sent_on", "expected_on", "returned_on", "outcome", "note"};
    for (int i = 2; i < 9; i++)
      jsonx_set_str(o, keys[i], db_col_text(st, i));
  }
  db_done(st);
  return o;
}

int desk_api_repair_add(request *r)
{
  static const struct jfield spec[] = {
      {"vendor", JT_STRING, true, 400},     {"rma_no", JT_STRING, false, 200},
      {"sent_on", JT_STRING, false, 16},    {"expected_on", JT_STRING, false, 16},
      {"note", JT_STRING, false, 4000},
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
  json_t *fields = json_object();
  const char *vendor = desk_text(r->a, jsonx_str(in, "vendor"), 200, false);
  const char *rma = jsonx_str(in, "rma_no") ? desk_text(r->a, jsonx_str(in, "rma_no"), 100, false) : NULL;
  const char *note = jsonx_str(in, "note") ? desk_text(r->a, jsonx_str(in, "note"), 4000, true) : NULL;
  const char *sent = date_field(r, in, "sent_on", fields), *expected = date_field(r, in, "expected_on", fields);
  if (!vendor || !*vendor)
    json_object_set_new(fields, "vendor", json_string(_("Name the vendor or service.")));
  if (jsonx_str(in, "rma_no") && !rma)
    json_object_set_new(fields, "rma_no", json_string(_("The text contains invalid characters.")));
  if (jsonx_str(in, "note") && !note)
    json_object_set_new(fields, "note", json_string(_("The text contains invalid characters.")));
  json_decref(in);
  if (!sent && !json_object_get(fields, "sent_on")) {
    char today[32];
    fmt_iso8601(now_unix() + 3 * 3600, today);
    today[10] = 0;
    sent = arena_strdup(r->a, today);
  }
  if (sent && expected && strcmp(expected, sent) < 0)
    json_object_set_new(fields, "expected_on", json_string(_("The expected date is before the date sent.")));
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO desk_repairs (ticket_id, vendor, rma_no, sent_on, expected_on, note, created_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "itttttii", t.id, vendor, rma, sent, expected, note, r->user->id, now_unix());
  int64_t rid = rc ? 0 : db_last_id(d);
  if (!rc)
    rc = desk_event(d, t.id, &who, "repair_sent", NULL, vendor, rma);
  if (!rc) {
    json_t *after = repair_json(d, rid);
    rc = desk_audit(d, &who, "repair_sent", t.id, t.unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return http_json(r, 201, repair_json(d, rid));
}

int desk_api_repair_update(request *r)
{
  static const struct jfield spec[] = {{"returned_on", JT_STRING, false, 16},
                                       {"outcome", JT_STRING, false, 32},
                                       {"expected_on", JT_STRING, false, 16},
                                       {"rma_no", JT_STRING, false, 200},
                                       {"note", JT_STRING, false, 4000}};
  int64_t rid;
  db *d = db_thread();
  if (parse_i64(req_param(r, "rid"), &rid))
    return desk_not_found(r);
  int64_t tid = 0;
  if (db_int(d, &tid, "SELECT ticket_id FROM desk_repairs WHERE id = ?", "i", rid) != DB_ROW)
    return desk_not_found(r);
  struct desk_ticket t;
  if (desk_ticket_load(d, r->a, tid, &t) != DB_ROW || !desk_can_read(r, &t))
    return desk_not_found(r);
  if (!desk_can_work(r, &t))
    return desk_forbidden(r);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  json_t *fields = json_object();
  const char *returned = date_field(r, in, "returned_on", fields), *expected = date_field(r, in, "expected_on", fields);
  const char *outcome = NULL, *o = jsonx_str(in, "outcome");
  for (int i = 0; o && outcomes[i]; i++)
    if (str_eq(o, outcomes[i]))
      outcome = outcomes[i];
  if (o && !outcome)
    json_object_set_new(fields, "outcome", json_string(_("Choose repaired, replaced, not repairable or returned.")));
  if (returned && !outcome)
    json_object_set_new(fields, "outcome", json_string(_("Say what the vendor did.")));
  const char *rma = jsonx_str(in, "rma_no") ? desk_text(r->a, jsonx_str(in, "rma_no"), 100, false) : NULL;
  const char *note = jsonx_str(in, "note") ? desk_text(r->a, jsonx_str(in, "note"), 4000, true) : NULL;
  if ((jsonx_str(in, "rma_no") && !rma) || (jsonx_str(in, "note") && !note))
    json_object_set_new(fields, "note", json_string(_("The text contains invalid characters.")));
  json_decref(in);
  if (json_object_size(fields))
    return desk_invalid(r, fields);
  json_decref(fields);
  struct actor who = audit_actor(r);
  json_t *before = repair_json(d, rid);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE desk_repairs SET returned_on = COALESCE(?, returned_on), outcome = COALESCE(?, outcome),"
                " expected_on = COALESCE(?, expected_on), rma_no = COALESCE(?, rma_no), note = COALESCE(?, note)"
                " WHERE id = ?",
                "tttttI", returned, outcome, expected, rma, note, rid);
  if (!rc && returned)
    rc = desk_event(d, t.id, &who, "repair_returned", NULL, outcome, note);
  json_t *after = repair_json(d, rid);
  if (!rc)
    rc = desk_audit(d, &who, "repair_update", t.id, t.unit_id, before, after);
  json_decref(before);
  if (rc || db_commit(d)) {
    json_decref(after);
    db_rollback(d);
    return -1;
  }
  return http_json(r, 200, after);
}

int desk_api_repairs(request *r)
{
  db *d = db_thread();
  int64_t me = r->user->id, limit = 0, cursor = 0;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  const char *open = req_query(r, "open");
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT p.id FROM desk_repairs p JOIN desk_tickets t ON t.id = p.ticket_id"
                     " JOIN units tu ON tu.id = t.unit_id"
                     " WHERE (? = 0 OR p.id < ?) AND (? = 0 OR p.returned_on IS NULL)"
                     " AND EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"
                     "  AND rp.perm = 'desk.read_unit' JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                     "  AND substr(tu.path, 1, length(gu.path)) = gu.path)"
                     " ORDER BY p.id DESC LIMIT ?",
                     "iiiii", cursor, cursor, (int64_t)(open && str_eq(open, "1")), me, limit + 1);
  int64_t ids[201], n = 0;
  while (db_step(st) == DB_ROW && n <= limit)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  bool more = n > limit;
  if (more)
    n = limit;
  for (int64_t i = 0; i < n; i++) {
    json_t *o = repair_json(d, ids[i]);
    if (o)
      json_array_append_new(items, o);
  }
  return http_json_page(r, items, more, n ? ids[n - 1] : 0);
}

/* ---- satisfaction -------------------------------------------------------------- */

/* The ticket behind a rating link, or 0. */
int64_t desk_rating_ticket(db *d, const char *token, bool *rated)
{
  char hash[65];
  int64_t id = 0;
  *rated = false;
  if (!token || strlen(token) < 16 || strlen(token) > 64)
    return 0;
  sha256_hex(token, strlen(token), hash);
  db_stmt *st = db_q(d, "SELECT id, rating FROM desk_tickets WHERE rating_token = ?", "t", hash);
  if (db_step(st) == DB_ROW) {
    id = db_col_int(st, 0);
    *rated = !db_col_null(st, 1);
  }
  db_done(st);
  return id;
}

/* Records a rating (1-5) and closes a resolved ticket: 0, 404 when the
 * link is unknown, 409 when already rated, -1 on store errors. */
int desk_rate(request *r, const char *token, int64_t rating, const char *comment)
{
  db *d = db_thread();
  bool rated;
  int64_t id = desk_rating_ticket(d, token, &rated);
  if (!id)
    return 404;
  if (rated)
    return 409;
  struct desk_ticket t;
  if (desk_ticket_load(d, r->a, id, &t) != DB_ROW)
    return -1;
  struct actor who = t.requester_id ? (struct actor){t.requester_id, t.requester_username ? t.requester_username : "?", r->ip}
                                    : (struct actor){0, "talep-eden", r->ip};
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE desk_tickets SET rating = ?, rating_comment = ?, status = CASE WHEN status = 4 THEN 5 ELSE"
                " status END, closed_at = CASE WHEN status = 4 THEN ? ELSE closed_at END, updated_at = ? WHERE id = ?",
                "itiii", rating, comment, now, now, id);
  if (!rc)
    rc = desk_event(d, id, &who, "rated", NULL, arena_printf(r->a, "%lld", (long long)rating), comment);
  if (!rc) {
    json_t *after = json_pack("{sI}", "rating", (json_int_t)rating);
    rc = desk_audit(d, &who, "rate", id, t.unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return 0;
}

int desk_api_rate(request *r)
{
  static const struct jfield spec[] = {{"rating", JT_INT, true, 0}, {"comment", JT_STRING, false, 4000}};
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  int64_t rating = jsonx_int(in, "rating", 0);
  const char *comment = jsonx_str(in, "comment") ? desk_text(r->a, jsonx_str(in, "comment"), 4000, true) : NULL;
  bool bad_comment = jsonx_str(in, "comment") && !comment;
  json_decref(in);
  if (rating < 1 || rating > 5 || bad_comment)
    return desk_invalid(r, json_pack("{ss}", bad_comment ? "comment" : "rating",
                                     bad_comment ? _("The text contains invalid characters.")
                                                 : _("Rate from 1 (poor) to 5 (excellent).")));
  int rc = desk_rate(r, req_param(r, "token"), rating, comment);
  if (rc == 404)
    return desk_not_found(r);
  if (rc == 409)
    return http_error(r, 409, "already_rated", _("This ticket has already been rated. Thank you."), NULL);
  if (rc)
    return -1;
  return http_json(r, 200, json_pack("{sb}", "ok", 1));
}
