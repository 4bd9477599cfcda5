/* rekey.c - `defter vault rotate-key`: a new vault key, every entry
 * re-sealed under it in one transaction. The steps are ordered so that a
 * crash anywhere leaves every entry readable and running the command
 * again finishes the job:
 *   1. the current key is copied to KEYFILE.old;
 *   2. a new key is written to KEYFILE.new and renamed over KEYFILE;
 *   3. every entry not under the new key is opened (its key id finds
 *      KEYFILE.old) and sealed again, with an audit row each, committed
 *      at once;
 *   4. KEYFILE.old is removed.
 * A second run that finds KEYFILE.old resumes at step 3 (or at step 2
 * when the key file still holds the old key). */
#include "vault.h"
#include "vault_int.h"
#include "../core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int reseal_all(db *d, const struct actor *who, const struct vault_keyring *kr, int64_t *count, char *err,
                      size_t errlen)
{
  arena *a = arena_new();
  int rc = db_begin(d);
  db_stmt *st = rc ? NULL : db_q(d, "SELECT id, key_id, box, unit_id FROM vault_entries WHERE key_id <> ? ORDER BY id", "t",
                                 kr->k[0].id);
  struct item {
    int64_t id, unit;
    const char *key_id, *box;
  } *items = NULL;
  size_t n = 0, cap = 0;
  while (st && db_step(st) == DB_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      items = xrealloc(items, cap * sizeof *items);
    }
    items[n].id = db_col_int(st, 0);
    items[n].key_id = arena_strdup(a, db_col_text(st, 1));
    items[n].box = arena_strdup(a, db_col_text(st, 2));
    items[n].unit = db_col_int(st, 3);
    n++;
  }
  db_done(st);
  for (size_t i = 0; !rc && i < n; i++) {
    char *secret = NULL, eid[24];
    size_t len = 0;
    if (vault_open(a, kr, items[i].key_id, items[i].box, &secret, &len)) {
      snprintf(err, errlen, "entry %lld: key %s not found or box damaged", (long long)items[i].id, items[i].key_id);
      rc = -1;
      break;
    }
    const char *box;
    vault_seal(a, &kr->k[0], secret, len, &box);
    sodium_memzero(secret, len);
    rc = db_run(d, "UPDATE vault_entries SET key_id = ?, box = ? WHERE id = ?", "tti", kr->k[0].id, box, items[i].id);
    if (!rc) {
      snprintf(eid, sizeof eid, "%lld", (long long)items[i].id);
      json_t *before = json_pack("{ss}", "key_id", items[i].key_id), *after = json_pack("{ss}", "key_id", kr->k[0].id);
      rc = audit_write(d, who, "rekey", "vault.entry", eid, items[i].unit, before, after);
      json_decref(before);
      json_decref(after);
    }
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    if (!*err)
      snprintf(err, errlen, "database error");
  } else {
    *count = (int64_t)n;
  }
  free(items);
  arena_free(a);
  return rc ? -1 : 0;
}

int vault_rotate_key(db *d, const struct actor *who, int64_t *count, char *err, size_t errlen)
{
  char path[4096], old[4200], fresh[4200];
  struct vault_key cur, next;
  struct vault_keyring kr;
  int rc = -1;
  *count = 0;
  err[0] = '\0';
  memset(&kr, 0, sizeof kr);
  if (vault_key_path(d, path, sizeof path) || vault_key_read(path, &cur)) {
    snprintf(err, errlen, "%s: key file missing or not 32 bytes", path);
    return -1;
  }
  snprintf(old, sizeof old, "%s.old", path);
  snprintf(fresh, sizeof fresh, "%s.new", path);
  unlink(fresh);  /* never renamed into place: no entry uses it */
  struct vault_key prev;
  bool resume = vault_key_read(old, &prev) == 0;
  if (!resume && vault_key_write(old, &cur)) {  /* 1 */
    snprintf(err, errlen, "%s: %s", old, strerror(errno));
    goto out;
  }
  if (!resume || str_eq(prev.id, cur.id)) {  /* 2 */
    if (vault_key_write_new(fresh, &next) || rename(fresh, path)) {
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
      unlink(fresh);
      goto out;
    }
  }
  if (vault_keyring_load(d, &kr)) {
    snprintf(err, errlen, "%s: cannot read the new key", path);
    goto out;
  }
  if (reseal_all(d, who, &kr, count, err, errlen))  /* 3 */
    goto out;
  if (unlink(old))  /* 4 */
    log_warn("old vault key not removed", "path=%s", old);
  rc = 0;
out:
  sodium_memzero(&cur, sizeof cur);
  sodium_memzero(&next, sizeof next);
  sodium_memzero(&prev, sizeof prev);
  vault_keyring_wipe(&kr);
  return rc;
}
