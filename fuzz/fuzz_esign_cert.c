/* fuzz_esign_cert.c - the e-signature certificate reader
 * (src/esign/cert.c): any bytes are read or refused with a known reason;
 * an accepted certificate has a hex serial, UTF-8 names within their
 * limits, a DER copy whose SHA-256 is the one reported, and a T.C.
 * Kimlik No only when it is a valid one; nothing leaks (the arena owns
 * everything, OpenSSL objects are freed). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/files.h"
#include "../src/core/tr.h"
#include "../src/esign/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  arena *a = arena_new();
  struct esign_cert c;
  int rc = esign_cert_parse(a, data, size, &c);
  if (rc > 0 || rc < ESIGN_CERT_FIELDS)
    abort();
  if (!esign_cert_strerror(rc) || !*esign_cert_strerror(rc))
    abort();
  if (rc == ESIGN_CERT_OK) {
    if (!c.serial[0] || strspn(c.serial, "0123456789ABCDEF") != strlen(c.serial))
      abort();
    if (!c.subject || !c.issuer || !c.common_name || strlen(c.subject) > ESIGN_NAME_MAX ||
        strlen(c.issuer) > ESIGN_NAME_MAX || !utf8_valid(c.subject, strlen(c.subject)))
      abort();
    if (c.tckn[0] && tr_tckn_check(c.tckn) != TR_TCKN_OK)
      abort();
    if (!c.der || c.der_len == 0 || c.der_len > size)
      abort();
    char sha[65];
    sha256_hex(c.der, c.der_len, sha);
    if (strcmp(sha, c.sha256))
      abort();
    /* the DER it kept reads the same */
    struct esign_cert again;
    if (esign_cert_parse(a, c.der, c.der_len, &again) != ESIGN_CERT_OK || strcmp(again.serial, c.serial) ||
        again.not_after != c.not_after)
      abort();
  } else if (c.serial[0] || c.der) {
    abort();
  }
  arena_free(a);
  return 0;
}
