/* vault_int.h - the vault's private interface: the keyring read from the
 * key file, sealing and opening secrets, the entry record and the
 * handlers named in module.c's route table. */
#ifndef DEFTER_VAULT_INT_H
#define DEFTER_VAULT_INT_H

#include "../core/audit.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/module.h"

#include <sodium.h>

/* ---- keys and sealing (crypto.c) --------------------------------------- */

enum {
  VAULT_KEY_BYTES = crypto_secretbox_KEYBYTES,
  VAULT_KEY_ID_LEN = 16,      /* hex characters */
  VAULT_SECRET_MAX = 4096,    /* bytes of a secret */
  VAULT_KEYRING_MAX = 3,      /* key_file, key_file.old, key_file.new */
};

struct vault_key {
  unsigned char key[VAULT_KEY_BYTES];
  char id[VAULT_KEY_ID_LEN + 1];
};

/* The key file (index 0, the one new seals use) and, when present, the
 * files a rotation leaves behind (.old, .new). Wiped by vault_keyring_wipe. */
struct vault_keyring {
  struct vault_key k[VAULT_KEYRING_MAX];
  int n;
};

/* [vault] of defter.conf. */
void vault_configure(const config *c);
/* The key file's path: [vault] key_file, relative names under the data
 * directory, default DATA/vault.key. 0 ok, -1 when it does not fit. */
int vault_key_path(db *d, char *out, size_t n) WUR;
/* Reads exactly 32 bytes from path. 0 ok, -1 missing/short/unreadable. */
int vault_key_read(const char *path, struct vault_key *k) WUR;
/* Writes 32 fresh random bytes to path (O_EXCL, 0600, fsync). */
int vault_key_write_new(const char *path, struct vault_key *k) WUR;
/* Writes k to path (O_EXCL, 0600, fsync). */
int vault_key_write(const char *path, const struct vault_key *k) WUR;
void vault_key_id(const unsigned char key[VAULT_KEY_BYTES], char out[VAULT_KEY_ID_LEN + 1]);
/* Loads the keyring of the data directory d belongs to. 0 ok, -1 when the
 * key file itself is missing or unreadable. */
int vault_keyring_load(db *d, struct vault_keyring *kr) WUR;
void vault_keyring_wipe(struct vault_keyring *kr);

/* Seals secret (n bytes) under key with a fresh random nonce; *out is
 * base64(nonce || box) from the arena. */
void vault_seal(arena *a, const struct vault_key *key, const char *secret, size_t n, const char **out);
/* Opens sealed under the keyring's key key_id. Returns 0 with *secret a
 * NUL-terminated arena copy (the caller wipes it with sodium_memzero when
 * done), -1 when no key of the ring has that id, -2 when the box does not
 * open (damaged or another key). */
int vault_open(arena *a, const struct vault_keyring *kr, const char *key_id, const char *sealed, char **secret,
               size_t *n) WUR;

/* ---- entries (entries.c) ----------------------------------------------- */

extern const char *const vault_kinds[]; /* "sunucu", "ag", "uygulama", "veritabani", "diger", NULL */
const char *vault_kind_label(const char *kind);

struct vault_entry {
  int64_t id, unit_id, owner_id, rotate_every_days, rotated_at, rotate_due, seal_broken_at, created_at, updated_at;
  bool sealed;
  const char *system, *account, *kind, *notes, *unit_code, *unit_name, *owner_name, *owner_email, *key_id, *box;
};
/* DB_ROW when found, DB_OK when not, or an error. */
int vault_entry_load(db *d, arena *a, int64_t id, struct vault_entry *e) WUR;
json_t *vault_entry_json(const struct vault_entry *e);

int vault_api_list(request *r);
int vault_api_create(request *r);
int vault_api_get(request *r);
int vault_api_patch(request *r);
int vault_api_reveal(request *r);
int vault_api_rotate(request *r);
int vault_api_breakglass(request *r);
/* Figures for the coverage report (capability "vault"). */
json_t *vault_figures(db *d, const struct figure_query *q);

/* ---- reminders (remind.c) ---------------------------------------------- */

int vault_job_remind(db *d);
/* Mails the entry's responsible admin, everyone who manages the vault on
 * its unit, and [vault] notify (inside the caller's transaction). */
void vault_mail_admins(db *d, const struct vault_entry *e, const char *subject, const char *body);
/* [vault] notify: extra addresses, space-separated. */
const char *vault_notify_addresses(void);

/* ---- pages (pages.c) --------------------------------------------------- */

int vault_page_list(request *r);
int vault_form_create(request *r);
int vault_page_entry(request *r);
int vault_form_action(request *r);

void vault_dashboard(request *r, html *h);

#endif
