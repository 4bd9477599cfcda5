/* auth.h - local users with argon2id passwords (libsodium), cookie
 * sessions with idle and absolute expiry, hashed API bearer tokens, and
 * login throttling recorded in the audit trail. */
#ifndef DEFTER_AUTH_H
#define DEFTER_AUTH_H

#include "db.h"
#include "http.h"
#include "audit.h"

struct auth_opts {
  int64_t idle_s;
  int64_t absolute_s;
  int max_user_failures;
  int max_ip_failures;
  int64_t window_s;
  int min_password_len;
};
void auth_configure(const struct auth_opts *o);
const struct auth_opts *auth_options(void);

#define SESSION_COOKIE "defter_sid"

/* AUTH_UNREACHABLE: the user signs in through the directory ([ldap]) and
 * no directory server answered. */
enum auth_result { AUTH_OK = 0, AUTH_BAD = 1, AUTH_THROTTLED = 2, AUTH_UNREACHABLE = 3, AUTH_ERROR = -1 };

/* Checks the password policy; NULL when acceptable, otherwise a
 * translated message. */
const char *auth_password_problem(const char *username, const char *password);
/* argon2id hash into out (crypto_pwhash_STRBYTES = 128 bytes). */
int auth_hash_password(const char *password, char out[128]) WUR;
bool auth_check_password(const char *hash, const char *password);

/* Verifies credentials, applies throttling, records the attempt in
 * login_attempts and the audit trail, and on success opens a session.
 * With [ldap] enabled, a name with no local user, or a directory user
 * (source 'ldap'), is checked against the directory, and the user row
 * and its grants are brought up to date first (core/ldap.h); local
 * accounts (source 'local') never ask the directory.
 * sid_out/csrf_out are allocated from r->a. */
enum auth_result auth_login(request *r, const char *username, const char *password, const char **sid_out,
                            const char **csrf_out, int64_t *user_id_out);
/* Resolves r->user from the session cookie or a bearer token; expired
 * sessions are deleted. Returns 0 (user or anonymous), -1 on store error. */
int auth_resolve(request *r) WUR;
int auth_logout(request *r) WUR;
/* Creates an API token for the user; the plain token (shown once) is
 * allocated from a. */
int auth_token_create(db *d, int64_t user_id, const char *name, int64_t ttl_s, arena *a, const char **token_out,
                      int64_t *id_out) WUR;
/* Deletes expired sessions and old login attempts (a scheduled job). */
int auth_cleanup(db *d) WUR;
/* Creates a local user; returns its id through id_out. Audited. */
int auth_user_create(db *d, const struct actor *who, const char *username, const char *display_name,
                     const char *password, int64_t unit_id, int64_t *id_out) WUR;
int auth_user_set_password(db *d, const struct actor *who, int64_t user_id, const char *password) WUR;

#endif
