/* entries.c - vault entries over the API: list and read the metadata
 * (never a secret), add, change, rotate (set a new secret), reveal with a
 * stated reason, and break-glass for sealed entries. Every reveal, every
 * refused reveal and every change is in the audit trail with its reason;
 * the secret itself is never in the audit trail, a log line or a list,
 * and the one reply that carries it is marked Cache-Control: no-store. */
#include "vault.h"
#include "vault_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/tr.h"
#include "../core/log.h"
#include "../core/mail.h"
#include "../core/rbac.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *const vault_kinds[] = {"sunucu", "ag", "uygulama", "veritabani", "diger", NULL};
static const char *const kind_labels[] = {N_("Server"), N_("Network device"), N_("Application"), N_("Database"),
                                          N_("Other")};

const char *vault_kind_label(const char *kind)
{
  for (size_t i = 0; vault_kinds[i]; i++)
    if (str_eq(kind, vault_kinds[i]))
      return _(kind_labels[i]);
  return kind ? kind : "";
}

static bool kind_valid(const char *kind)
{
  for (size_t i = 0; vault_kinds[i]; i++)
    if (str_eq(kind, vault_kinds[i]))
      return true;
  return false;
}

enum { ROTATE_DAYS_MAX = 3650, REASON_MAX = 500 };

/* ---- small helpers ---------------------------------------------------------- */

/* ---- the record ------------------------------------------------------------- */

#define ENTRY_COLS                                                                                           \
  "e.id, e.system, e.account, e.kind, e.notes, e.unit_id, u.code, u.name, e.owner_id, p.name, p.email,"      \
  " e.rotate_every_days, e.rotated_at, COALESCE(e.rotate_due, 0), e.sealed, COALESCE(e.seal_broken_at, 0),"  \
  " e.key_id, e.box, e.created_at, e.updated_at"
#define ENTRY_FROM \
  " FROM vault_entries e JOIN units u ON u.id = e.unit_id JOIN org_people p ON p.id = e.owner_id"

static const char *col(db_stmt *st, arena *a, int i)
{
  return arena_strdup(a, db_col_text(st, i));
}

static void entry_row(db_stmt *st, arena *a, struct vault_entry *e)
{
  memset(e, 0, sizeof *e);
  e->id = db_col_int(st, 0);
  e->system = col(st, a, 1);
  e->account = col(st, a, 2);
  e->kind = col(st, a, 3);
  e->notes = col(st, a, 4);
  e->unit_id = db_col_int(st, 5);
  e->unit_code = col(st, a, 6);
  e->unit_name = col(st, a, 7);
  e->owner_id = db_col_int(st, 8);
  e->owner_name = col(st, a, 9);
  e->owner_email = col(st, a, 10);
  e->rotate_every_days = db_col_int(st, 11);
  e->rotated_at = db_col_int(st, 12);
  e->rotate_due = db_col_int(st, 13);
  e->sealed = db_col_int(st, 14) != 0;
  e->seal_broken_at = db_col_int(st, 15);
  e->key_id = col(st, a, 16);
  e->box = col(st, a, 17);
  e->created_at = db_col_int(st, 18);
  e->updated_at = db_col_int(st, 19);
}

int vault_entry_load(db *d, arena *a, int64_t id, struct vault_entry *e)
{
  db_stmt *st = db_q(d, "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.id = ?", "i", id);
  if (!st)
    return DB_ERR;
  int rc = db_step(st);
  if (rc == DB_ROW)
    entry_row(st, a, e);
  db_done(st);
  return rc;
}

json_t *vault_entry_json(const struct vault_entry *e)
{
  json_t *o = json_object();
  int64_t now = now_unix();
  json_object_set_new(o, "id", json_integer(e->id));
  jsonx_set_str(o, "system", e->system);
  jsonx_set_str(o, "account", e->account);
  jsonx_set_str(o, "kind", e->kind);
  jsonx_set_str(o, "kind_label", vault_kind_label(e->kind));
  jsonx_set_str(o, "notes", e->notes);
  json_object_set_new(o, "unit", json_pack("{sIssss}", "id", (json_int_t)e->unit_id, "code", e->unit_code ? e->unit_code : "",
                                           "name", e->unit_name ? e->unit_name : ""));
  json_object_set_new(o, "owner", json_pack("{sIss}", "id", (json_int_t)e->owner_id, "name", e->owner_name ? e->owner_name : ""));
  json_object_set_new(o, "rotate_every_days", json_integer(e->rotate_every_days));
  jsonx_set_time(o, "rotated_at", e->rotated_at);
  jsonx_set_time(o, "rotate_due", e->rotate_due);
  json_object_set_new(o, "overdue", json_boolean((e->rotate_due && e->rotate_due <= now) || e->seal_broken_at));
  json_object_set_new(o, "sealed", json_boolean(e->sealed));
  jsonx_set_time(o, "seal_broken_at", e->seal_broken_at);
  json_object_set_new(o, "rotate_now", json_boolean(e->seal_broken_at != 0));
  jsonx_set_time(o, "created_at", e->created_at);
  jsonx_set_time(o, "updated_at", e->updated_at);
  return o;
}

/* The audit view of an entry: its metadata, never the box or the key. */
static json_t *audit_view(const struct vault_entry *e)
{
  return json_pack("{sssssssIsIsIsb}", "system", e->system ? e->system : "", "account", e->account ? e->account : "",
                   "kind", e->kind ? e->kind : "", "unit", (json_int_t)e->unit_id, "owner", (json_int_t)e->owner_id,
                   "rotate_every_days", (json_int_t)e->rotate_every_days, "sealed", e->sealed);
}

static int audit_entry(db *d, const struct actor *who, const char *action, int64_t id, int64_t unit, json_t *before,
                       json_t *after)
{
  char eid[24];
  snprintf(eid, sizeof eid, "%lld", (long long)id);
  return audit_write(d, who, action, "vault.entry", eid, unit, before, after);
}

static int entry_from_route(request *r, struct vault_entry *e)
{
  int64_t id;
  if (parse_i64(req_param(r, "id"), &id))
    return http_not_found(r), 1;
  int rc = vault_entry_load(db_thread(), r->a, id, e);
  if (rc == DB_OK)
    return http_not_found(r), 1;
  return rc == DB_ROW ? 0 : -1;
}

static int64_t due_of(int64_t rotated_at, int64_t every_days)
{
  return every_days > 0 ? rotated_at + every_days * 86400 : 0;
}

/* The owner person (active) and, when unit is 0, the person's unit. */
static bool person_ok(db *d, int64_t person, int64_t *unit)
{
  int64_t u = 0;
  if (db_int(d, &u, "SELECT unit_id FROM org_people WHERE id = ? AND active = 1", "i", person) != DB_ROW)
    return false;
  if (!*unit)
    *unit = u;
  return true;
}

static bool unit_ok(db *d, int64_t unit)
{
  int64_t one;
  return unit > 0 && db_int(d, &one, "SELECT 1 FROM units WHERE id = ?", "i", unit) == DB_ROW;
}

/* ---- list and read ------------------------------------------------------------ */

int vault_api_list(request *r)
{
  int64_t limit, cursor, owner = 0, unit = 0;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  const char *ov = req_query(r, "overdue"), *os = req_query(r, "owner"), *us = req_query(r, "unit");
  if (os && *os && parse_i64(os, &owner))
    return http_invalid(r, json_pack("{ss}", "owner", _("Give a number.")));
  if (us && *us && parse_i64(us, &unit))
    return http_invalid(r, json_pack("{ss}", "unit", _("Give a number.")));
  bool overdue = ov && str_eq(ov, "1");
  int64_t now = now_unix();
  db_stmt *st = db_q(db_thread(),
                     "SELECT " ENTRY_COLS ENTRY_FROM
                     " WHERE e.id > ? AND (? = 0 OR e.owner_id = ?) AND (? = 0 OR e.unit_id = ?)"
                     " AND (? = 0 OR e.seal_broken_at IS NOT NULL OR e.rotate_due <= ?)"
                     " AND EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"
                     " JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ? AND rp.perm = 'vault.read'"
                     " AND substr(u.path, 1, length(gu.path)) = gu.path)"
                     " ORDER BY e.id LIMIT ?",
                     "iiiiiiiii", cursor, owner, owner, unit, unit, (int64_t)overdue, now, r->user->id, limit + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t last = 0;
  bool more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if ((int64_t)json_array_size(items) == limit) {
      more = true;
      break;
    }
    struct vault_entry e;
    entry_row(st, r->a, &e);
    last = e.id;
    json_array_append_new(items, vault_entry_json(&e));
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  return http_json_page(r, items, more, last);
}

/* The last reveals of an entry (who, when, why), newest first. */
static json_t *reveals_json(db *d, int64_t entry)
{
  json_t *a = json_array();
  db_stmt *st = db_q(d,
                     "SELECT at, actor, kind, reason FROM vault_reveals WHERE entry_id = ? ORDER BY id DESC LIMIT 20",
                     "i", entry);
  while (db_step(st) == DB_ROW) {
    json_t *o = json_object();
    jsonx_set_time(o, "at", db_col_int(st, 0));
    jsonx_set_str(o, "by", db_col_text(st, 1));
    jsonx_set_str(o, "kind", db_col_text(st, 2));
    jsonx_set_str(o, "reason", db_col_text(st, 3));
    json_array_append_new(a, o);
  }
  db_done(st);
  return a;
}

static int reply_entry(request *r, int status, int64_t id)
{
  struct vault_entry e;
  db *d = db_thread();
  int rc = vault_entry_load(d, r->a, id, &e);
  if (rc != DB_ROW)
    return rc == DB_OK ? http_not_found(r) : -1;
  json_t *o = vault_entry_json(&e);
  json_object_set_new(o, "reveals", reveals_json(d, id));
  json_object_set_new(o, "can_reveal", json_boolean(!e.sealed && rbac_can(r->user->id, "vault.reveal", e.unit_id)));
  json_object_set_new(o, "can_manage", json_boolean(rbac_can(r->user->id, "vault.manage", e.unit_id)));
  json_object_set_new(o, "can_breakglass",
                      json_boolean(e.sealed && rbac_can(r->user->id, "vault.breakglass", e.unit_id)));
  return http_json(r, status, o);
}

int vault_api_get(request *r)
{
  struct vault_entry e;
  int rc = entry_from_route(r, &e);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!rbac_can(r->user->id, "vault.read", e.unit_id))
    return http_forbidden(r);
  return reply_entry(r, 200, e.id);
}

/* ---- add and change ------------------------------------------------------------- */

static const struct jfield create_fields[] = {
    {"system", JT_STRING, true, 200},
    {"account", JT_STRING, true, 200},
    {"kind", JT_STRING, true, 32},
    {"unit", JT_INT, false, 0},
    {"owner", JT_INT, true, 0},
    {"notes", JT_STRING, false, 4000},
    {"rotate_every_days", JT_INT, false, 0},
    {"sealed", JT_BOOL, false, 0},
    {"secret", JT_STRING, true, VAULT_SECRET_MAX},
};

/* Checks the metadata fields present in in; fills e. */
static void check_meta(request *r, json_t *in, struct vault_entry *e, json_t *errs)
{
  db *d = db_thread();
  const char *s;
  if (json_object_get(in, "system") && !(e->system = tr_text_clean(r->a, jsonx_str(in, "system"), 200, false), e->system && *e->system))
    json_object_set_new(errs, "system", json_string(_("Name the system or device (at most 200 characters).")));
  if (json_object_get(in, "account") && !(e->account = tr_text_clean(r->a, jsonx_str(in, "account"), 200, false), e->account && *e->account))
    json_object_set_new(errs, "account", json_string(_("Name the account (at most 200 characters).")));
  if ((s = jsonx_str(in, "kind"))) {
    if (kind_valid(s))
      e->kind = arena_strdup(r->a, s);
    else
      json_object_set_new(errs, "kind", json_string(_("Choose server, network device, application, database or other.")));
  }
  if (json_object_get(in, "notes") && !(e->notes = tr_text_clean(r->a, jsonx_str(in, "notes"), 4000, true)))
    json_object_set_new(errs, "notes", json_string(_("The notes are not valid text.")));
  if (json_object_get(in, "rotate_every_days")) {
    int64_t v = jsonx_int(in, "rotate_every_days", -1);
    if (v < 0 || v > ROTATE_DAYS_MAX)
      json_object_set_new(errs, "rotate_every_days", json_string(_("Give a number of days from 0 (never) to 3650.")));
    else
      e->rotate_every_days = v;
  }
  if (json_object_get(in, "sealed"))
    e->sealed = jsonx_bool(in, "sealed", false);
  if (json_object_get(in, "unit")) {
    int64_t u = jsonx_int(in, "unit", 0);
    if (!unit_ok(d, u))
      json_object_set_new(errs, "unit", json_string(_("No such unit.")));
    else
      e->unit_id = u;
  }
  if (json_object_get(in, "owner")) {
    int64_t p = jsonx_int(in, "owner", 0), unit = e->unit_id;
    if (!person_ok(d, p, &unit))
      json_object_set_new(errs, "owner", json_string(_("Choose an active person as the responsible admin.")));
    else {
      e->owner_id = p;
      e->unit_id = unit;
    }
  }
}

static const char *check_secret(request *r, json_t *in, json_t *errs)
{
  const char *s = jsonx_str(in, "secret");
  size_t n = s ? strlen(s) : 0;
  if (!s || n == 0 || n > VAULT_SECRET_MAX || !utf8_valid(s, n)) {
    json_object_set_new(errs, "secret", json_string(_("Give the secret (at most 4096 bytes of text).")));
    return NULL;
  }
  return s;
}

static int key_unavailable(request *r)
{
  return http_error(r, 409, "vault_key",
                    _("The vault key file is missing or unreadable; ask the system administrator."), NULL);
}

int vault_api_create(request *r)
{
  json_t *in = req_json(r, create_fields, ARRAY_LEN(create_fields));
  if (!in)
    return 0;
  db *d = db_thread();
  struct vault_entry e = {0};
  json_t *errs = json_object();
  check_meta(r, in, &e, errs);
  const char *secret = check_secret(r, in, errs);
  if (json_object_size(errs)) {
    json_decref(in);
    return http_invalid(r, errs);
  }
  json_decref(errs);
  if (!rbac_can(r->user->id, "vault.manage", e.unit_id)) {
    json_decref(in);
    return http_forbidden(r);
  }
  struct vault_keyring kr;
  if (vault_keyring_load(d, &kr)) {
    json_decref(in);
    log_error("vault key file missing or unreadable", "%s", "");
    return key_unavailable(r);
  }
  const char *box;
  vault_seal(r->a, &kr.k[0], secret, strlen(secret), &box);
  char key_id[VAULT_KEY_ID_LEN + 1];
  memcpy(key_id, kr.k[0].id, sizeof key_id);
  vault_keyring_wipe(&kr);
  sodium_memzero((void *)secret, strlen(secret));
  json_decref(in);
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  e.rotated_at = now;
  e.rotate_due = due_of(now, e.rotate_every_days);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO vault_entries (system, account, kind, unit_id, owner_id, notes, rotate_every_days,"
                " rotated_at, rotate_due, sealed, key_id, box, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "tttiitiiIittIii", e.system, e.account, e.kind, e.unit_id, e.owner_id, e.notes ? e.notes : "",
                e.rotate_every_days, now, e.rotate_due, (int64_t)e.sealed, key_id, box, who.user_id, now, now);
  int64_t id = rc ? 0 : db_last_id(d);
  if (!rc) {
    json_t *after = audit_view(&e);
    rc = audit_entry(d, &who, "create", id, e.unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    log_error("vault entry not stored", "rc=%d err=\"%s\"", rc, db_errmsg(d));
    db_rollback(d);
    return -1;
  }
  return reply_entry(r, 201, id);
}

static const struct jfield patch_fields[] = {
    {"system", JT_STRING, false, 200},
    {"account", JT_STRING, false, 200},
    {"kind", JT_STRING, false, 32},
    {"unit", JT_INT, false, 0},
    {"owner", JT_INT, false, 0},
    {"notes", JT_STRING, false, 4000},
    {"rotate_every_days", JT_INT, false, 0},
    {"sealed", JT_BOOL, false, 0},
};

int vault_api_patch(request *r)
{
  struct vault_entry old, e;
  int rc = entry_from_route(r, &old);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!rbac_can(r->user->id, "vault.manage", old.unit_id))
    return http_forbidden(r);
  json_t *in = req_json(r, patch_fields, ARRAY_LEN(patch_fields));
  if (!in)
    return 0;
  e = old;
  json_t *errs = json_object();
  check_meta(r, in, &e, errs);
  /* A new owner without a unit keeps the entry's unit. */
  if (json_object_get(in, "owner") && !json_object_get(in, "unit"))
    e.unit_id = old.unit_id;
  json_decref(in);
  if (json_object_size(errs))
    return http_invalid(r, errs);
  json_decref(errs);
  if (e.unit_id != old.unit_id && !rbac_can(r->user->id, "vault.manage", e.unit_id))
    return http_forbidden(r);
  /* Unsealing would let a reveal bypass break-glass: the manager's call. */
  if (old.sealed && !e.sealed && !rbac_can(r->user->id, "vault.breakglass", old.unit_id))
    return http_forbidden(r);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  e.rotate_due = due_of(e.rotated_at, e.rotate_every_days);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE vault_entries SET system = ?, account = ?, kind = ?, unit_id = ?, owner_id = ?, notes = ?,"
                " rotate_every_days = ?, rotate_due = ?, sealed = ?, reminded = CASE WHEN ? THEN 0 ELSE reminded END,"
                " updated_at = ? WHERE id = ?",
                "tttiitiIiiii", e.system, e.account, e.kind, e.unit_id, e.owner_id, e.notes ? e.notes : "",
                e.rotate_every_days, e.rotate_due, (int64_t)e.sealed, (int64_t)(e.rotate_due != old.rotate_due),
                now_unix(), e.id);
  if (!rc) {
    json_t *before = audit_view(&old), *after = audit_view(&e);
    rc = audit_entry(d, &who, "update", e.id, e.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_entry(r, 200, e.id);
}

/* ---- rotate ---------------------------------------------------------------------- */

static const struct jfield rotate_fields[] = {
    {"secret", JT_STRING, true, VAULT_SECRET_MAX},
    {"note", JT_STRING, false, REASON_MAX},
};

int vault_api_rotate(request *r)
{
  struct vault_entry e;
  int rc = entry_from_route(r, &e);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!rbac_can(r->user->id, "vault.manage", e.unit_id))
    return http_forbidden(r);
  json_t *in = req_json(r, rotate_fields, ARRAY_LEN(rotate_fields));
  if (!in)
    return 0;
  json_t *errs = json_object();
  const char *secret = check_secret(r, in, errs);
  const char *note = tr_text_clean(r->a, jsonx_str(in, "note") ? jsonx_str(in, "note") : "", REASON_MAX, false);
  if (!note)
    json_object_set_new(errs, "note", json_string(_("The note is not valid text.")));
  if (json_object_size(errs)) {
    json_decref(in);
    return http_invalid(r, errs);
  }
  json_decref(errs);
  db *d = db_thread();
  struct vault_keyring kr;
  if (vault_keyring_load(d, &kr)) {
    json_decref(in);
    return key_unavailable(r);
  }
  const char *box;
  vault_seal(r->a, &kr.k[0], secret, strlen(secret), &box);
  char key_id[VAULT_KEY_ID_LEN + 1];
  memcpy(key_id, kr.k[0].id, sizeof key_id);
  vault_keyring_wipe(&kr);
  sodium_memzero((void *)secret, strlen(secret));
  json_decref(in);
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), due = due_of(now, e.rotate_every_days);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE vault_entries SET key_id = ?, box = ?, rotated_at = ?, rotate_due = ?, reminded = 0,"
                " seal_broken_at = NULL, seal_broken_by = NULL, updated_at = ? WHERE id = ?",
                "ttiIii", key_id, box, now, due, now, e.id);
  if (!rc) {
    char b[32], a2[32];
    fmt_iso8601(e.rotated_at, b);
    fmt_iso8601(now, a2);
    json_t *before = json_pack("{ssss*}", "rotated_at", b, "seal_broken", e.seal_broken_at ? "yes" : NULL);
    json_t *after = json_pack("{ssss}", "rotated_at", a2, "note", note);
    rc = audit_entry(d, &who, "rotate", e.id, e.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_entry(r, 200, e.id);
}

/* ---- reveal and break-glass --------------------------------------------------------- */

static const struct jfield reveal_fields[] = {
    {"reason", JT_STRING, false, REASON_MAX},
};

/* A refused reveal is audited on its own (it changes nothing else). */
static int audit_refusal(request *r, const struct vault_entry *e, const char *action)
{
  db *d = db_thread();
  struct actor who = audit_actor(r);
  const char *derr = NULL;
  json_t *in = r->body_json ? json_incref(r->body_json) : jsonx_decode_body(r->body.data, r->body.len, &derr);
  const char *reason = tr_text_clean(r->a, jsonx_str(in, "reason"), REASON_MAX, false);
  json_t *after = json_pack("{ss*}", "reason", reason);
  json_decref(in);
  int rc = db_begin(d);
  if (!rc)
    rc = audit_entry(d, &who, action, e->id, e->unit_id, NULL, after);
  if (!rc)
    rc = db_run(d, "INSERT INTO vault_reveals (entry_id, at, user_id, actor, kind, reason) VALUES (?, ?, ?, ?, ?, ?)",
                "iiIttt", e->id, now_unix(), who.user_id, who.name, "denied", reason ? reason : "");
  json_decref(after);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  log_warn("vault reveal refused", "entry=%lld user=%s", (long long)e->id, who.name);
  return http_forbidden(r);
}

/* Opens the entry with a reason; kind "reveal" or "breakglass". */
static int reveal(request *r, struct vault_entry *e, const char *kind)
{
  json_t *in = req_json(r, reveal_fields, ARRAY_LEN(reveal_fields));
  if (!in)
    return 0;
  const char *reason = tr_text_clean(r->a, jsonx_str(in, "reason"), REASON_MAX, false);
  json_decref(in);
  if (!reason || strlen(reason) < 3)
    return http_invalid(r, json_pack("{ss}", "reason", _("State why you need the secret (at least 3 characters).")));
  db *d = db_thread();
  struct vault_keyring kr;
  if (vault_keyring_load(d, &kr))
    return key_unavailable(r);
  char *secret = NULL;
  size_t n = 0;
  int orc = vault_open(r->a, &kr, e->key_id, e->box, &secret, &n);
  vault_keyring_wipe(&kr);
  if (orc) {
    log_error("vault entry does not open", "entry=%lld key_id=%s reason=%s", (long long)e->id, e->key_id,
              orc == -1 ? "no-such-key" : "damaged");
    return key_unavailable(r);
  }
  struct actor who = audit_actor(r);
  bool glass = str_eq(kind, "breakglass");
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "INSERT INTO vault_reveals (entry_id, at, user_id, actor, kind, reason) VALUES (?, ?, ?, ?, ?, ?)",
                "iiIttt", e->id, now, who.user_id, who.name, kind, reason);
  if (!rc && glass)
    rc = db_run(d, "UPDATE vault_entries SET seal_broken_at = ?, seal_broken_by = ?, updated_at = ? WHERE id = ?",
                "iIii", now, who.user_id, now, e->id);
  if (!rc) {
    json_t *after = json_pack("{ss}", "reason", reason);
    rc = audit_entry(d, &who, kind, e->id, e->unit_id, NULL, after);
    json_decref(after);
  }
  if (!rc && glass) {
    buf body;
    buf_init(&body, 1 << 16);
    buf_printf(&body,
               _("The sealed vault entry %s / %s was opened with break-glass by %s.\n\nReason: %s\n\nThe seal is "
                 "broken: change this password now and record the new one in defter (Rotate).\n%s/vault/%lld\n"),
               e->system, e->account, who.name, reason, mail_base_url(), (long long)e->id);
    char subject[512];
    snprintf(subject, sizeof subject, _("Break-glass: %s / %s"), e->system, e->account);
    vault_mail_admins(d, e, subject, buf_cstr(&body));
    buf_free(&body);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    sodium_memzero(secret, n);
    return -1;
  }
  jobs_kick("mail.send");
  log_info(glass ? "vault break-glass" : "vault reveal", "entry=%lld user=%s", (long long)e->id, who.name);
  http_header(r, "Cache-Control", "no-store");
  http_header(r, "Pragma", "no-cache");
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(e->id));
  jsonx_set_str(o, "system", e->system);
  jsonx_set_str(o, "account", e->account);
  json_object_set_new(o, "secret", json_stringn(secret, n));
  sodium_memzero(secret, n);
  return http_json(r, 200, o);
}

int vault_api_reveal(request *r)
{
  struct vault_entry e;
  int rc = entry_from_route(r, &e);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!rbac_can(r->user->id, "vault.reveal", e.unit_id))
    return audit_refusal(r, &e, "reveal_denied");
  if (e.sealed)
    return http_error(r, 409, "sealed",
                      _("This entry is sealed: only the manager can open it, with break-glass."), NULL);
  return reveal(r, &e, "reveal");
}

int vault_api_breakglass(request *r)
{
  struct vault_entry e;
  int rc = entry_from_route(r, &e);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!rbac_can(r->user->id, "vault.breakglass", e.unit_id))
    return audit_refusal(r, &e, "breakglass_denied");
  if (!e.sealed)
    return http_error(r, 409, "not_sealed", _("This entry is not sealed; use Reveal."), NULL);
  return reveal(r, &e, "breakglass");
}

/* ---- for the handover checklist ---------------------------------------------------- */

int vault_person_entries(db *d, int64_t person_id, json_t **out)
{
  *out = json_array();
  db_stmt *st = db_q(d, "SELECT " ENTRY_COLS ENTRY_FROM " WHERE e.owner_id = ? ORDER BY e.id", "i", person_id);
  if (!st)
    return DB_ERR;
  arena *a = arena_new();
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    struct vault_entry e;
    entry_row(st, a, &e);
    json_array_append_new(*out, vault_entry_json(&e));
  }
  db_done(st);
  arena_free(a);
  return rc < 0 ? rc : 0;
}

int vault_transfer_owner(db *d, const struct actor *who, int64_t entry, int64_t new_person)
{
  arena *a = arena_new();
  struct vault_entry e;
  int64_t unit = 0;
  int rc = vault_entry_load(d, a, entry, &e);
  if (rc == DB_ROW)
    rc = person_ok(d, new_person, &unit) ? 0 : 1;
  else if (rc == DB_OK)
    rc = 1;
  if (!rc)
    rc = db_run(d, "UPDATE vault_entries SET owner_id = ?, updated_at = ? WHERE id = ?", "iii", new_person, now_unix(),
                entry);
  if (!rc) {
    json_t *before = json_pack("{sI}", "owner", (json_int_t)e.owner_id);
    json_t *after = json_pack("{sI}", "owner", (json_int_t)new_person);
    rc = audit_entry(d, who, "transfer", entry, e.unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  arena_free(a);
  return rc;
}

/* ---- coverage figures -------------------------------------------------------------- */

/* The vault serves the department as a whole: entries, those overdue for
 * rotation now, and the rotations and reveals within the period. */
json_t *vault_figures(db *d, const struct figure_query *q)
{
  if (!q || !str_eq(q->capability, "vault"))
    return NULL;
  int64_t entries = 0, overdue = 0, rotated = 0, reveals = 0, now = now_unix();
  if (db_int(d, &entries, "SELECT COUNT(*) FROM vault_entries", "") != DB_ROW ||
      db_int(d, &overdue,
             "SELECT COUNT(*) FROM vault_entries WHERE seal_broken_at IS NOT NULL OR rotate_due <= ?", "i",
             now) != DB_ROW ||
      db_int(d, &rotated,
             "SELECT COUNT(*) FROM audit_log WHERE entity = 'vault.entry' AND action = 'rotate' AND ts >= ? AND ts < ?",
             "ii", q->from, q->to) != DB_ROW ||
      db_int(d, &reveals,
             "SELECT COUNT(*) FROM vault_reveals WHERE kind <> 'denied' AND at >= ? AND at < ?", "ii", q->from,
             q->to) != DB_ROW)
    return NULL;
  return json_pack("{sIsIsIsI}", "entries", (json_int_t)entries, "overdue", (json_int_t)overdue, "rotated",
                   (json_int_t)rotated, "reveals", (json_int_t)reveals);
}
