/* crypto.c - the vault's keys and boxes. Secrets are sealed with
 * libsodium's crypto_secretbox (XSalsa20-Poly1305) under a 32-byte key
 * that lives in a file outside the database (default DATA/vault.key,
 * mode 0600), so a copy of defter.db alone reveals nothing. Each entry
 * stores the id of the key that sealed it (a keyed hash of the key, not
 * the key), which is how a rotation interrupted half way still finds the
 * right file. The key is read for every use and wiped afterwards, so a
 * rotation made by the command line is seen by a running server. */
#include "vault.h"
#include "vault_int.h"
#include "../core/files.h"
#include "../core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char key_file[4096];
static char notify[1024];

void vault_configure(const config *c)
{
  snprintf(key_file, sizeof key_file, "%s", config_get(c, "vault.key_file", ""));
  snprintf(notify, sizeof notify, "%s", config_get(c, "vault.notify", ""));
}

const char *vault_notify_addresses(void)
{
  return notify;
}

int vault_key_path(db *d, char *out, size_t n)
{
  char dir[4096];
  int len;
  if (key_file[0] == '/')
    len = snprintf(out, n, "%s", key_file);
  else if (files_data_dir(d, dir, sizeof dir))
    return -1;
  else
    len = snprintf(out, n, "%s/%s", dir, key_file[0] ? key_file : "vault.key");
  return len < 0 || (size_t)len >= n ? -1 : 0;
}

void vault_key_id(const unsigned char key[VAULT_KEY_BYTES], char out[VAULT_KEY_ID_LEN + 1])
{
  static const unsigned char label[] = "defter vault key id";
  unsigned char h[VAULT_KEY_ID_LEN / 2];
  crypto_generichash(h, sizeof h, label, sizeof label - 1, key, VAULT_KEY_BYTES);
  sodium_bin2hex(out, VAULT_KEY_ID_LEN + 1, h, sizeof h);
}

int vault_key_read(const char *path, struct vault_key *k)
{
  int rc = -1;
  unsigned char extra;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat sb;
  if (fstat(fd, &sb) == 0 && (sb.st_mode & 077))
    log_warn("vault key file is readable by others; chmod 600 it", "path=%s", path);
  size_t got = 0;
  while (got < VAULT_KEY_BYTES) {
    ssize_t m = read(fd, k->key + got, VAULT_KEY_BYTES - got);
    if (m < 0 && errno == EINTR)
      continue;
    if (m <= 0)
      goto out;
    got += (size_t)m;
  }
  if (read(fd, &extra, 1) != 0)  /* a key file is exactly 32 bytes */
    goto out;
  vault_key_id(k->key, k->id);
  rc = 0;
out:
  close(fd);
  if (rc)
    sodium_memzero(k, sizeof *k);
  return rc;
}

int vault_key_write_new(const char *path, struct vault_key *k)
{
  randombytes_buf(k->key, VAULT_KEY_BYTES);
  vault_key_id(k->key, k->id);
  return vault_key_write(path, k);
}

int vault_key_write(const char *path, const struct vault_key *k)
{
  int rc = -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return -1;
  if (write(fd, k->key, VAULT_KEY_BYTES) == VAULT_KEY_BYTES && fsync(fd) == 0)
    rc = 0;
  if (close(fd))
    rc = -1;
  if (rc)
    unlink(path);
  return rc;
}

int vault_key_init(const char *data_dir, char *err, size_t errlen)
{
  char path[4200];
  struct vault_key k;
  snprintf(path, sizeof path, "%s/vault.key", data_dir);
  if (access(path, F_OK) == 0)
    return 0;
  int rc = vault_key_write_new(path, &k);
  sodium_memzero(&k, sizeof k);
  if (rc)
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
  return rc;
}

int vault_keyring_load(db *d, struct vault_keyring *kr)
{
  char path[4096], other[4200];
  int64_t n = -1;
  memset(kr, 0, sizeof *kr);
  if (vault_key_path(d, path, sizeof path))
    return -1;
  if (vault_key_read(path, &kr->k[0])) {
    /* A data directory made before the vault existed: with nothing
     * sealed yet a first key can be made; otherwise the key is lost or
     * misplaced and making a new one would hide that. */
    if (db_int(d, &n, "SELECT COUNT(*) FROM vault_entries", "") != DB_ROW || n != 0 || access(path, F_OK) == 0 ||
        vault_key_write_new(path, &kr->k[0]))
      return -1;
    log_info("vault key file created", "path=%s", path);
  }
  kr->n = 1;
  static const char *const left[] = {".old", ".new"};
  for (size_t i = 0; i < ARRAY_LEN(left); i++) {
    snprintf(other, sizeof other, "%s%s", path, left[i]);
    if (vault_key_read(other, &kr->k[kr->n]) == 0)
      kr->n++;
  }
  return 0;
}

void vault_keyring_wipe(struct vault_keyring *kr)
{
  sodium_memzero(kr, sizeof *kr);
}

void vault_seal(arena *a, const struct vault_key *key, const char *secret, size_t n, const char **out)
{
  size_t boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
  unsigned char *box = arena_alloc(a, boxlen);
  randombytes_buf(box, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)secret, n, box, key->key);
  size_t b64len = sodium_base64_ENCODED_LEN(boxlen, sodium_base64_VARIANT_ORIGINAL);
  char *b64 = arena_alloc(a, b64len);
  sodium_bin2base64(b64, b64len, box, boxlen, sodium_base64_VARIANT_ORIGINAL);
  *out = b64;
}

int vault_open(arena *a, const struct vault_keyring *kr, const char *key_id, const char *sealed, char **secret,
               size_t *n)
{
  const struct vault_key *key = NULL;
  for (int i = 0; i < kr->n && !key; i++)
    if (key_id && strcmp(kr->k[i].id, key_id) == 0)
      key = &kr->k[i];
  if (!key)
    return -1;
  size_t slen = sealed ? strlen(sealed) : 0, boxlen = 0;
  unsigned char *box = arena_alloc(a, slen + 1);
  if (sodium_base642bin(box, slen + 1, sealed ? sealed : "", slen, NULL, &boxlen, NULL,
                        sodium_base64_VARIANT_ORIGINAL) ||
      boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    return -2;
  size_t plen = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  char *p = arena_alloc(a, plen + 1);
  if (crypto_secretbox_open_easy((unsigned char *)p, box + crypto_secretbox_NONCEBYTES,
                                 boxlen - crypto_secretbox_NONCEBYTES, box, key->key))
    return -2;
  p[plen] = '\0';
  *secret = p;
  *n = plen;
  return 0;
}
