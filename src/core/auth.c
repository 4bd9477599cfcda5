/* auth.c - who is asking. Session ids and API tokens are random and
 * stored only as SHA-256 hashes, so a copy of the database does not let
 * anyone impersonate a user. */
#include "auth.h"
#include "audit.h"
#include "i18n.h"
#include "ldap.h"
#include "log.h"

#include <ctype.h>
#include <stdio.h>
#include <sodium.h>
#include <string.h>

static struct auth_opts opts = {
    .idle_s = 30 * 60,
    .absolute_s = 12 * 3600,
    .max_user_failures = 5,
    .max_ip_failures = 20,
    .window_s = 15 * 60,
    .min_password_len = 10,
};

void auth_configure(const struct auth_opts *o)
{
  opts = *o;
}

const struct auth_opts *auth_options(void)
{
  return &opts;
}

const char *auth_password_problem(const char *username, const char *password)
{
  size_t len = password ? strlen(password) : 0;
  if (len < (size_t)opts.min_password_len)
    return _("The password is too short.");
  if (len > 256)
    return _("The password is too long.");
  bool letter = false, digit = false;
  for (const unsigned char *p = (const unsigned char *)password; *p; p++) {
    if (isdigit(*p))
      digit = true;
    else if (isalpha(*p) || *p >= 0x80)
      letter = true;
  }
  if (!letter || !digit)
    return _("The password must contain letters and digits.");
  if (username && strcasecmp(username, password) == 0)
    return _("The password must not be the user name.");
  return NULL;
}

int auth_hash_password(const char *password, char out[128])
{
  return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
             ? 0
             : -1;
}

bool auth_check_password(const char *hash, const char *password)
{
  if (!hash || !password)
    return false;
  return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* A fixed hash checked when the user does not exist, so that the response
 * time does not reveal which user names are valid. */
static char dummy_hash[128];
static void dummy_init(void)
{
  if (!dummy_hash[0] && auth_hash_password("defter-dummy-password-1", dummy_hash))
    dummy_hash[0] = 0;
}

static int record_attempt(db *d, const char *username, const char *ip, bool ok)
{
  return db_run(d, "INSERT INTO login_attempts (ts, username, ip, ok) VALUES (?, ?, ?, ?)", "itti", now_unix(),
                username, ip ? ip : "?", (int64_t)ok);
}

static bool throttled(db *d, const char *username, const char *ip)
{
  int64_t since = now_unix() - opts.window_s;
  int64_t n = 0, last_ok = 0;
  if (db_int(d, &last_ok, "SELECT COALESCE(MAX(ts), 0) FROM login_attempts WHERE username = ? AND ok = 1", "t",
             username) != DB_ROW)
    last_ok = 0;
  int64_t from = last_ok > since ? last_ok : since;
  if (db_int(d, &n, "SELECT COUNT(*) FROM login_attempts WHERE username = ? AND ok = 0 AND ts >= ?", "ti",
             username, from) == DB_ROW &&
      n >= opts.max_user_failures)
    return true;
  if (db_int(d, &n, "SELECT COUNT(*) FROM login_attempts WHERE ip = ? AND ok = 0 AND ts >= ?", "ti", ip ? ip : "?",
             since) == DB_ROW &&
      n >= opts.max_ip_failures)
    return true;
  return false;
}

static void session_hash(const char *sid, char out[65])
{
  sha256_hex(sid, strlen(sid), out);
}

enum auth_result auth_login(request *r, const char *username, const char *password, const char **sid_out,
                            const char **csrf_out, int64_t *user_id_out)
{
  db *d = db_thread();
  if (!d)
    return AUTH_ERROR;
  dummy_init();
  if (!username || !*username)
    return AUTH_BAD;
  /* Over-long names and passwords are failures like any other: recorded,
   * audited and counted towards throttling (the name is cut to 256 bytes). */
  bool overlong = strlen(username) > 128 || !password || strlen(password) > 256;
  char name[257];
  snprintf(name, sizeof name, "%s", username);
  username = name;
  struct actor who = {0, username, r->ip};
  if (throttled(d, username, r->ip)) {
    if (db_begin(d) == DB_OK) {
      json_t *info = json_pack("{ss}", "reason", "too many failures");
      if (audit_write(d, &who, "login.throttled", "login", username, 0, NULL, info) != DB_OK || db_commit(d))
        db_rollback(d);
      json_decref(info);
    }
    return AUTH_THROTTLED;
  }
  int64_t uid = 0, active = 0, unit = 0;
  char hash[160] = "", source[16] = "";
  db_stmt *st = db_q(d,
                     "SELECT id, password_hash, active, COALESCE(unit_id, 0), source FROM users WHERE username = ?",
                     "t", username);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    uid = db_col_int(st, 0);
    snprintf(hash, sizeof hash, "%s", db_col_text(st, 1) ? db_col_text(st, 1) : "");
    active = db_col_int(st, 2);
    unit = db_col_int(st, 3);
    snprintf(source, sizeof source, "%s", db_col_text(st, 4) ? db_col_text(st, 4) : "");
  }
  db_done(st);
  if (rc < 0)
    return AUTH_ERROR;
  /* Local accounts never depend on the directory (break-glass admins);
   * unknown names and directory users ask it. */
  bool via_dir = ldapx_enabled() && (!uid || str_eq(source, "ldap"));
  enum ldapx_result dir = LDAPX_BAD;
  struct ldapx_entry entry;
  bool ok;
  if (via_dir) {
    dir = overlong ? LDAPX_BAD : ldapx_authenticate(r->a, username, password, &entry);
    ok = dir == LDAPX_OK;
  } else {
    ok = !overlong && auth_check_password(uid ? hash : dummy_hash, password) && uid && active;
  }
  if (db_begin(d))
    return AUTH_ERROR;
  if (ok && via_dir) {
    /* The directory said yes: bring the user row and its grants up to
     * date; a refusal (a local account or one deactivated here of that
     * name) is a failed sign-in like any other. */
    struct ldapx_applied ap;
    who.user_id = uid;
    rc = ldapx_user_apply(d, &who, &entry, &ap);
    if (rc < 0) {
      db_rollback(d);
      return AUTH_ERROR;
    }
    ok = rc == 0;
    if (ok) {
      uid = ap.user_id;
      if (db_int(d, &unit, "SELECT COALESCE(unit_id, 0) FROM users WHERE id = ?", "i", uid) != DB_ROW)
        unit = 0;
    }
  }
  rc = record_attempt(d, username, r->ip, ok);
  if (!ok) {
    who.user_id = uid;
    json_t *info = NULL;
    if (via_dir)
      info = json_pack("{ss}", "reason", dir == LDAPX_UNREACHABLE ? "directory unreachable"
                                         : dir == LDAPX_ERROR     ? "directory error"
                                         : dir == LDAPX_OK        ? "directory user refused here"
                                                                  : "directory refused");
    if (!rc)
      rc = audit_write(d, &who, "login.failed", "login", username, unit, NULL, info);
    json_decref(info);
    if (rc || db_commit(d)) {
      db_rollback(d);
      return AUTH_ERROR;
    }
    if (via_dir && dir == LDAPX_UNREACHABLE)
      return AUTH_UNREACHABLE;
    if (via_dir && dir == LDAPX_ERROR)
      return AUTH_ERROR;
    return AUTH_BAD;
  }
  const char *sid = random_token(r->a, 32);
  const char *csrf = random_token(r->a, 24);
  char sh[65];
  session_hash(sid, sh);
  int64_t now = now_unix();
  if (!rc)
    rc = db_run(d,
                "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen, ip, user_agent)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                "titiitt", sh, uid, csrf, now, now, r->ip, req_header(r, "User-Agent"));
  who.user_id = uid;
  if (!rc)
    rc = audit_write(d, &who, "login", "login", username, unit, NULL, NULL);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return AUTH_ERROR;
  }
  *sid_out = sid;
  *csrf_out = csrf;
  *user_id_out = uid;
  return AUTH_OK;
}

static int load_user(request *r, db *d, int64_t uid)
{
  db_stmt *st = db_q(d, "SELECT username, display_name, COALESCE(unit_id, 0), active FROM users WHERE id = ?", "i",
                     uid);
  int rc = db_step(st);
  if (rc == DB_ROW && db_col_int(st, 3)) {
    struct user_ctx *u = arena_alloc(r->a, sizeof *u);
    memset(u, 0, sizeof *u);
    u->id = uid;
    u->username = arena_strdup(r->a, db_col_text(st, 0));
    u->display_name = arena_strdup(r->a, db_col_text(st, 1));
    u->unit_id = db_col_int(st, 2);
    r->user = u;
  }
  db_done(st);
  return rc < 0 ? -1 : 0;
}

int auth_resolve(request *r)
{
  db *d = db_thread();
  if (!d)
    return -1;
  r->user = NULL;
  const char *authz = req_header(r, "Authorization");
  if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
    char th[65];
    const char *tok = authz + 7;
    sha256_hex(tok, strlen(tok), th);
    int64_t uid = 0, id = 0;
    int64_t now = now_unix();
    db_stmt *st = db_q(d,
                       "SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL"
                       " AND (expires_at IS NULL OR expires_at > ?)",
                       "ti", th, now);
    int rc = db_step(st);
    if (rc == DB_ROW) {
      id = db_col_int(st, 0);
      uid = db_col_int(st, 1);
    }
    db_done(st);
    if (rc < 0)
      return -1;
    if (!uid)
      return 0;
    if (db_run(d, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
               "iii", now, id, now - 60))
      return -1;
    if (load_user(r, d, uid))
      return -1;
    if (r->user)
      r->user->via_token = true;
    return 0;
  }
  const char *sid = req_cookie(r, SESSION_COOKIE);
  if (!sid || strlen(sid) > 128)
    return 0;
  char sh[65];
  session_hash(sid, sh);
  int64_t now = now_unix();
  int64_t uid = 0, created = 0, seen = 0;
  const char *csrf = NULL;
  db_stmt *st = db_q(d, "SELECT user_id, csrf, created_at, last_seen FROM sessions WHERE id_hash = ?", "t", sh);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    uid = db_col_int(st, 0);
    csrf = arena_strdup(r->a, db_col_text(st, 1));
    created = db_col_int(st, 2);
    seen = db_col_int(st, 3);
  }
  db_done(st);
  if (rc < 0)
    return -1;
  if (!uid)
    return 0;
  if (now - seen > opts.idle_s || now - created > opts.absolute_s) {
    if (db_run(d, "DELETE FROM sessions WHERE id_hash = ?", "t", sh))
      return -1;
    return 0;
  }
  /* Touch at most once a minute: reads stay reads. */
  if (now - seen >= 60 && db_run(d, "UPDATE sessions SET last_seen = ? WHERE id_hash = ?", "it", now, sh))
    return -1;
  if (load_user(r, d, uid))
    return -1;
  if (r->user) {
    r->user->session_hash = arena_strdup(r->a, sh);
    r->user->csrf = csrf;
  }
  return 0;
}

int auth_logout(request *r)
{
  db *d = db_thread();
  if (!d || !r->user || !r->user->session_hash)
    return 0;
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "DELETE FROM sessions WHERE id_hash = ?", "t", r->user->session_hash);
  if (!rc)
    rc = audit_write(d, &who, "logout", "login", r->user->username, r->user->unit_id, NULL, NULL);
  if (rc) {
    db_rollback(d);
    return rc;
  }
  return db_commit(d);
}

int auth_token_create(db *d, int64_t user_id, const char *name, int64_t ttl_s, arena *a, const char **token_out,
                      int64_t *id_out)
{
  const char *tok = arena_printf(a, "dft_%s", random_token(a, 32));
  char th[65];
  sha256_hex(tok, strlen(tok), th);
  int64_t now = now_unix();
  int rc = db_run(d, "INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (?,?,?,?,?)",
                  "ittiI", user_id, name, th, now, ttl_s > 0 ? now + ttl_s : (int64_t)0);
  if (rc)
    return rc;
  *id_out = db_last_id(d);
  *token_out = tok;
  return 0;
}

int auth_cleanup(db *d)
{
  int64_t now = now_unix();
  int rc = db_run(d, "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", "ii", now - opts.idle_s,
                  now - opts.absolute_s);
  if (!rc)
    rc = db_run(d, "DELETE FROM login_attempts WHERE ts < ?", "i", now - 7 * 86400);
  return rc;
}

int auth_user_create(db *d, const struct actor *who, const char *username, const char *display_name,
                     const char *password, int64_t unit_id, int64_t *id_out)
{
  char hash[128];
  if (auth_hash_password(password, hash))
    return DB_ERR;
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (rc)
    return rc;
  rc = db_run(d,
              "INSERT INTO users (username, display_name, password_hash, unit_id, active, source, created_at,"
              " updated_at, password_changed_at) VALUES (?, ?, ?, ?, 1, 'local', ?, ?, ?)",
              "tttIiii", username, display_name, hash, unit_id, now, now, now);
  int64_t id = rc ? 0 : db_last_id(d);
  if (!rc) {
    json_t *after = json_pack("{sIsssssI}", "id", (json_int_t)id, "username", username, "display_name",
                              display_name, "unit_id", (json_int_t)unit_id);
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    rc = audit_write(d, who, "create", "user", idtxt, unit_id, NULL, after);
    json_decref(after);
  }
  if (rc) {
    db_rollback(d);
    return rc;
  }
  rc = db_commit(d);
  if (!rc)
    *id_out = id;
  return rc;
}

int auth_user_set_password(db *d, const struct actor *who, int64_t user_id, const char *password)
{
  char hash[128];
  if (auth_hash_password(password, hash))
    return DB_ERR;
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (rc)
    return rc;
  rc = db_run(d, "UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?", "tiii",
              hash, now, now, user_id);
  if (!rc && db_changes(d) == 0)
    rc = DB_ERR;
  /* A new password ends every open session of that user. */
  if (!rc)
    rc = db_run(d, "DELETE FROM sessions WHERE user_id = ?", "i", user_id);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)user_id);
    json_t *after = json_pack("{ss}", "password", "changed");
    rc = audit_write(d, who, "password.change", "user", idtxt, 0, NULL, after);
    json_decref(after);
  }
  if (rc) {
    db_rollback(d);
    return rc;
  }
  return db_commit(d);
}
