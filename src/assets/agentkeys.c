/* agentkeys.c - a credential per inventory agent (or per group of agents,
 * e.g. one per building's deployment): the agent sends it with HTTP basic
 * authentication as NAME:SECRET. The secret is shown once when the key is
 * made and only its SHA-256 is kept (it is 32 random bytes, so a slow
 * password hash adds nothing, and an inventory must stay cheap). A key
 * may name a unit: the assets its agents find go to that unit's review
 * queue. Revoking a key stops its agents at their next message; once any
 * key is in force, agents without credentials are refused. */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

enum { KEY_NAME_MAX = 64, KEY_NOTE_MAX = 500 };

int assets_agent_keys_active(db *d)
{
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM asset_agent_keys WHERE revoked_at IS NULL", "") != DB_ROW)
    return -1;
  return (int)n;
}

bool assets_agent_key_check(db *d, const char *name, const char *secret, int64_t *key, int64_t *unit)
{
  char want[65];
  sha256_hex(secret, strlen(secret), want);
  db_stmt *st = db_q(d, "SELECT id, secret_sha256, unit_id FROM asset_agent_keys WHERE name = ? AND revoked_at IS NULL",
                     "t", name);
  bool ok = false;
  if (st && db_step(st) == DB_ROW) {
    const char *have = db_col_text(st, 1);
    ok = have && str_ct_eq(have, want);
    if (ok) {
      *key = db_col_int(st, 0);
      *unit = db_col_int(st, 2);
    }
  }
  db_done(st);
  sodium_memzero(want, sizeof want);
  if (ok && db_run(d, "UPDATE asset_agent_keys SET last_used_at = ?, uses = uses + 1 WHERE id = ?", "ii", now_unix(),
                   *key))
    return false;
  return ok;
}

static json_t *key_json(db_stmt *st)
{
  json_t *o = json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1));
  jsonx_set_str(o, "unit_code", db_col_text(st, 2));
  jsonx_set_str(o, "note", db_col_text(st, 3));
  jsonx_set_time(o, "created_at", db_col_int(st, 4));
  jsonx_set_str(o, "created_by", db_col_text(st, 5));
  if (db_col_int(st, 6))
    jsonx_set_time(o, "revoked_at", db_col_int(st, 6));
  if (db_col_int(st, 7))
    jsonx_set_time(o, "last_used_at", db_col_int(st, 7));
  json_object_set_new(o, "uses", json_integer(db_col_int(st, 8)));
  json_object_set_new(o, "assets", json_integer(db_col_int(st, 9)));
  return o;
}

#define KEY_COLUMNS                                                                                                    \
  "k.id, k.name, u.code, k.note, k.created_at, k.created_by, k.revoked_at, k.last_used_at, k.uses,"                   \
  " (SELECT COUNT(*) FROM assets a WHERE a.agent_key_id = k.id)"                                                       \
  " FROM asset_agent_keys k LEFT JOIN units u ON u.id = k.unit_id"

int assets_api_agent_keys(request *r)
{
  db_stmt *st = db_q(db_thread(), "SELECT " KEY_COLUMNS " ORDER BY k.revoked_at IS NOT NULL, k.name", "");
  if (!st)
    return -1;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW)
    json_array_append_new(items, key_json(st));
  db_done(st);
  return http_json(r, 200, json_pack("{so}", "items", items));
}

static const struct jfield key_fields[] = {
    {"name", JT_STRING, true, KEY_NAME_MAX},
    {"unit", JT_STRING, false, 32},
    {"note", JT_STRING, false, KEY_NOTE_MAX},
};

/* A key name is what the agent sends as its user: letters, digits, '-',
 * '_' and '.', so it survives every agent's configuration file. */
static bool name_ok(const char *s)
{
  size_t n = strlen(s);
  if (n < 3 || n > KEY_NAME_MAX)
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
          *s == '_' || *s == '.'))
      return false;
  return true;
}

int assets_api_agent_key_create(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, key_fields, ARRAY_LEN(key_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  const char *name = jsonx_str(body, "name"), *v, *note = NULL;
  int64_t unit = 0;
  if (!name_ok(name))
    json_object_set_new(fields, "name",
                        json_string(_("3 to 64 characters: letters, digits, '-', '_' and '.' (no spaces).")));
  if ((v = jsonx_str(body, "unit")) && *v && db_int(d, &unit, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
    json_object_set_new(fields, "unit", json_string(_("Unknown unit.")));
  if ((v = jsonx_str(body, "note")) && !(note = assets_text(r->a, v, KEY_NOTE_MAX)))
    json_object_set_new(fields, "note", json_string(_("The text is too long or contains invalid characters.")));
  name = name ? arena_strdup(r->a, name) : NULL;
  json_decref(body);
  if (json_object_size(fields))
    return assets_invalid(r, fields);
  json_decref(fields);
  if (str_eq(name, assets_config()->agent_user) && assets_config()->agent_secret[0])
    return assets_conflict(r, "exists", _("An agent key with this name exists already."));
  const char *secret = random_token(r->a, 32);
  char hash[65];
  sha256_hex(secret, strlen(secret), hash);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO asset_agent_keys (name, secret_sha256, unit_id, note, created_at, created_by)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                "ttItit", name, hash, unit, note, now_unix(), who.name);
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return assets_conflict(r, "exists", _("An agent key with this name exists already."));
  }
  int64_t id = rc ? 0 : db_last_id(d);
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", (long long)id);
  json_t *after = json_pack("{ssss?}", "name", name, "note", note);
  if (unit)
    json_object_set_new(after, "unit_id", json_integer(unit));
  if (!rc)
    rc = audit_write(d, &who, "asset.agent_key.create", "asset_agent_key", ids, unit, NULL, after);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  db_stmt *st = db_q(d, "SELECT " KEY_COLUMNS " WHERE k.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? key_json(st) : json_object();
  db_done(st);
  /* The secret leaves the server this once. */
  json_object_set_new(o, "secret", json_string(secret));
  http_header(r, "Cache-Control", "no-store");
  return http_json(r, 201, o);
}

int assets_api_agent_key_revoke(request *r)
{
  db *d = db_thread();
  int64_t id = 0, revoked = 0, unit = 0;
  if (parse_i64(req_param(r, "kid"), &id) || id < 1)
    return http_not_found(r);
  db_stmt *st = db_q(d, "SELECT revoked_at, unit_id FROM asset_agent_keys WHERE id = ?", "i", id);
  int found = st ? db_step(st) : -1;
  if (found == DB_ROW) {
    revoked = db_col_int(st, 0);
    unit = db_col_int(st, 1);
  }
  db_done(st);
  if (found != DB_ROW)
    return found < 0 ? -1 : http_not_found(r);
  if (revoked)
    return assets_conflict(r, "revoked", _("This agent key was revoked already."));
  struct actor who = audit_actor(r);
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", (long long)id);
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "UPDATE asset_agent_keys SET revoked_at = ? WHERE id = ?", "ii", now, id);
  json_t *after = json_pack("{sI}", "revoked_at", (json_int_t)now);
  if (!rc)
    rc = audit_write(d, &who, "asset.agent_key.revoke", "asset_agent_key", ids, unit, NULL, after);
  json_decref(after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    return -1;
  }
  st = db_q(d, "SELECT " KEY_COLUMNS " WHERE k.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? key_json(st) : json_object();
  db_done(st);
  return http_json(r, 200, o);
}
