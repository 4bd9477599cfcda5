/* cert.h - what an uploaded e-signature certificate says: an X.509
 * certificate in PEM or DER read with OpenSSL, refused with a reason when
 * it is anything else (garbage, truncated DER, PEM with broken base64, a
 * private key). Pure: no store; everything from the arena. Fuzzed by
 * fuzz/fuzz_esign_cert.c. */
#ifndef DEFTER_ESIGN_CERT_H
#define DEFTER_ESIGN_CERT_H

#include "../core/util.h"

enum {
  ESIGN_CERT_MAX = 64 * 1024, /* bytes of an uploaded file */
  ESIGN_NAME_MAX = 1024,      /* bytes of a subject or issuer line */
  ESIGN_SERIAL_MAX = 64,      /* hex digits of a serial number (RFC 5280: 20 octets) */
};

enum esign_cert_rc {
  ESIGN_CERT_OK = 0,
  ESIGN_CERT_EMPTY = -1,       /* no bytes */
  ESIGN_CERT_TOO_BIG = -2,     /* over ESIGN_CERT_MAX */
  ESIGN_CERT_PRIVATE_KEY = -3, /* a private key (PEM or DER), not a certificate */
  ESIGN_CERT_PEM_BASE64 = -4,  /* a PEM certificate whose base64 is broken or that has no END line */
  ESIGN_CERT_PEM_OTHER = -5,   /* PEM of another kind (request, public key...) */
  ESIGN_CERT_DER = -6,         /* neither PEM nor a DER certificate (garbage, truncated) */
  ESIGN_CERT_TRAILING = -7,    /* bytes after the DER certificate */
  ESIGN_CERT_FIELDS = -8,      /* dates, serial or names unreadable or too long */
};

struct esign_cert {
  char serial[ESIGN_SERIAL_MAX + 1]; /* upper-case hex */
  const char *subject, *issuer;      /* RFC 2253 lines, UTF-8 */
  const char *common_name;           /* the subject's CN, or "" */
  char tckn[12];                     /* from the subject's serialNumber when it holds a valid T.C. Kimlik No, or "" */
  int64_t not_before, not_after;     /* unix seconds, UTC */
  char sha256[65];                   /* of the DER */
  const unsigned char *der;          /* the certificate as DER (arena) */
  size_t der_len;
};

/* Parses data (n bytes). Returns ESIGN_CERT_OK with out filled, or why
 * the bytes are refused. Never reads past n; clears OpenSSL's error queue. */
int esign_cert_parse(arena *a, const unsigned char *data, size_t n, struct esign_cert *out) WUR;
/* English text (a gettext msgid) for a refusal. */
const char *esign_cert_strerror(int rc);

#endif
