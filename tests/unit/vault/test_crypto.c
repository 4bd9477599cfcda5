/* test_crypto.c - the vault's boxes and key files (src/vault/crypto.c):
 * a secret opens only under the key that sealed it, every seal uses a
 * fresh nonce, a damaged box or a foreign key id is refused, and a key
 * file is exactly 32 bytes, created 0600 and never overwritten. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/vault/vault.h"
#include "../../../src/vault/vault_int.h"

static void seal_and_open(void **state)
{
  (void)state;
  assert_true(sodium_init() >= 0);
  arena *a = arena_new();
  struct vault_keyring kr = {.n = 2};
  randombytes_buf(kr.k[0].key, VAULT_KEY_BYTES);
  randombytes_buf(kr.k[1].key, VAULT_KEY_BYTES);
  vault_key_id(kr.k[0].key, kr.k[0].id);
  vault_key_id(kr.k[1].key, kr.k[1].id);
  assert_int_equal(strlen(kr.k[0].id), VAULT_KEY_ID_LEN);
  assert_string_not_equal(kr.k[0].id, kr.k[1].id);
  static const char secret[] = "Çok-Gizli-Parola!";
  const char *b1, *b2;
  vault_seal(a, &kr.k[1], secret, strlen(secret), &b1);
  vault_seal(a, &kr.k[1], secret, strlen(secret), &b2);
  assert_string_not_equal(b1, b2); /* a fresh nonce each time */
  assert_null(strstr(b1, secret));
  char *out = NULL;
  size_t n = 0;
  assert_int_equal(vault_open(a, &kr, kr.k[1].id, b1, &out, &n), 0);
  assert_int_equal(n, strlen(secret));
  assert_string_equal(out, secret);
  /* the id of another key of the ring: the box does not open */
  assert_int_equal(vault_open(a, &kr, kr.k[0].id, b1, &out, &n), -2);
  /* an id no key has */
  assert_int_equal(vault_open(a, &kr, "0000000000000000", b1, &out, &n), -1);
  assert_int_equal(vault_open(a, &kr, NULL, b1, &out, &n), -1);
  /* a damaged box, a short one, not base64 */
  char *bad = arena_strdup(a, b1);
  bad[30] = bad[30] == 'A' ? 'B' : 'A';
  assert_int_equal(vault_open(a, &kr, kr.k[1].id, bad, &out, &n), -2);
  assert_int_equal(vault_open(a, &kr, kr.k[1].id, "AAAA", &out, &n), -2);
  assert_int_equal(vault_open(a, &kr, kr.k[1].id, "%%%", &out, &n), -2);
  assert_int_equal(vault_open(a, &kr, kr.k[1].id, "", &out, &n), -2);
  vault_keyring_wipe(&kr);
  arena_free(a);
}

static void key_files(void **state)
{
  (void)state;
  char dir[] = "/tmp/defter-vault-XXXXXX", path[128], err[256];
  assert_non_null(mkdtemp(dir));
  assert_int_equal(vault_key_init(dir, err, sizeof err), 0);
  snprintf(path, sizeof path, "%s/vault.key", dir);
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(sb.st_size, VAULT_KEY_BYTES);
  struct vault_key k1, k2;
  assert_int_equal(vault_key_read(path, &k1), 0);
  /* init again keeps the key */
  assert_int_equal(vault_key_init(dir, err, sizeof err), 0);
  assert_int_equal(vault_key_read(path, &k2), 0);
  assert_memory_equal(k1.key, k2.key, VAULT_KEY_BYTES);
  /* a new file is never written over an existing one */
  assert_int_equal(vault_key_write_new(path, &k2), -1);
  assert_int_equal(vault_key_read(path, &k2), 0);
  assert_string_equal(k1.id, k2.id);
  /* a file of another size is not a key */
  FILE *f = fopen(path, "ab");
  assert_non_null(f);
  fputc('x', f);
  fclose(f);
  assert_int_equal(vault_key_read(path, &k2), -1);
  assert_int_equal(truncate(path, 16), 0);
  assert_int_equal(vault_key_read(path, &k2), -1);
  unlink(path);
  assert_int_equal(vault_key_read(path, &k2), -1);
  rmdir(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(seal_and_open),
      cmocka_unit_test(key_files),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
