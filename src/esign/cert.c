/* cert.c - reading an uploaded e-signature certificate (see cert.h).
 * PEM is unwrapped here (only a CERTIFICATE block; a private key or
 * another block is named as such) and the DER is read by OpenSSL's
 * d2i_X509, which must consume every byte. */
#include "cert.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/tr.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <limits.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

static const unsigned char *find(const unsigned char *h, size_t hn, const char *needle)
{
  size_t nn = strlen(needle);
  for (size_t i = 0; hn >= nn && i <= hn - nn; i++)
    if (memcmp(h + i, needle, nn) == 0)
      return h + i;
  return NULL;
}

/* Unwraps a PEM CERTIFICATE block: 0 with *der set, 1 when data is not
 * PEM at all, or a refusal (negative). */
static int pem_unwrap(arena *a, const unsigned char *data, size_t n, const unsigned char **der, size_t *der_len)
{
  const unsigned char *b = find(data, n, "-----BEGIN "), *end = data + n;
  if (!b)
    return 1; /* not PEM */
  const unsigned char *label = b + 11, *dash = find(label, (size_t)(end - label), "-----");
  if (!dash || dash - label > 64)
    return ESIGN_CERT_PEM_BASE64;
  size_t llen = (size_t)(dash - label);
  if (find(label, llen, "PRIVATE KEY"))
    return ESIGN_CERT_PRIVATE_KEY;
  if (!(llen == 11 && memcmp(label, "CERTIFICATE", 11) == 0) &&
      !(llen == 16 && memcmp(label, "X509 CERTIFICATE", 16) == 0))
    return ESIGN_CERT_PEM_OTHER;
  const unsigned char *body = dash + 5, *stop = find(body, (size_t)(end - body), "-----END ");
  if (!stop)
    return ESIGN_CERT_PEM_BASE64;
  size_t blen = (size_t)(stop - body), out = 0;
  unsigned char *bin = arena_alloc(a, blen + 1);
  /* sodium wants text it can stop at: copy to a NUL-terminated buffer */
  char *txt = arena_strndup(a, (const char *)body, blen);
  if (strlen(txt) != blen)
    return ESIGN_CERT_PEM_BASE64;
  const char *last = NULL;
  if (sodium_base642bin(bin, blen + 1, txt, blen, " \t\r\n", &out, &last, sodium_base64_VARIANT_ORIGINAL) ||
      (last && *last) || out == 0)
    return ESIGN_CERT_PEM_BASE64;
  *der = bin;
  *der_len = out;
  return 0;
}

/* A name as one RFC 2253 line in UTF-8 (non-ASCII kept), from the arena. */
static const char *name_line(arena *a, X509_NAME *name)
{
  BIO *bio = BIO_new(BIO_s_mem());
  const char *s = NULL;
  if (!bio)
    return NULL;
  if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char *p = NULL;
    long len = BIO_get_mem_data(bio, &p);
    if (len >= 0 && len <= ESIGN_NAME_MAX && utf8_valid(p, (size_t)len) &&
        tr_text_check(p, (size_t)len, false) == 0)
      s = arena_strndup(a, p, (size_t)len);
  }
  BIO_free(bio);
  return s;
}

/* The UTF-8 text of the first entry nid of name ("" when absent). */
static const char *name_entry(arena *a, X509_NAME *name, int nid)
{
  int i = X509_NAME_get_index_by_NID(name, nid, -1);
  if (i < 0)
    return "";
  unsigned char *u = NULL;
  int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
  const char *s = "";
  if (len >= 0 && len <= ESIGN_NAME_MAX && utf8_valid((const char *)u, (size_t)len) &&
      tr_text_check((const char *)u, (size_t)len, false) == 0)
    s = arena_strndup(a, (const char *)u, (size_t)len);
  OPENSSL_free(u);
  return s;
}

/* A T.C. Kimlik No in the subject's serialNumber ("12345678950",
 * "TCKN12345678950", "IDCTR-12345678950"): the one run of 11 digits. */
static void find_tckn(const char *s, char out[12])
{
  out[0] = '\0';
  for (const char *p = s; *p;) {
    size_t run = strspn(p, "0123456789");
    if (run == 11) {
      char t[12];
      memcpy(t, p, 11);
      t[11] = '\0';
      if (tr_tckn_check(t) == TR_TCKN_OK) {
        memcpy(out, t, 12);
        return;
      }
    }
    p += run ? run : 1;
  }
}

static int asn1_unix(const ASN1_TIME *t, int64_t *out)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
    return -1;
  *out = (int64_t)timegm(&tm);
  return 0;
}

static int read_fields(arena *a, X509 *x, struct esign_cert *out)
{
  BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
  char *hex = bn ? BN_bn2hex(bn) : NULL;
  int rc = ESIGN_CERT_FIELDS;
  const char *h = hex && hex[0] == '-' ? hex + 1 : hex;
  if (!h || strlen(h) > ESIGN_SERIAL_MAX)
    goto out;
  memcpy(out->serial, h, strlen(h) + 1);
  if (asn1_unix(X509_get0_notBefore(x), &out->not_before) || asn1_unix(X509_get0_notAfter(x), &out->not_after))
    goto out;
  out->subject = name_line(a, X509_get_subject_name(x));
  out->issuer = name_line(a, X509_get_issuer_name(x));
  if (!out->subject || !out->issuer)
    goto out;
  out->common_name = name_entry(a, X509_get_subject_name(x), NID_commonName);
  find_tckn(name_entry(a, X509_get_subject_name(x), NID_serialNumber), out->tckn);
  rc = ESIGN_CERT_OK;
out:
  OPENSSL_free(hex);
  BN_free(bn);
  return rc;
}

int esign_cert_parse(arena *a, const unsigned char *data, size_t n, struct esign_cert *out)
{
  memset(out, 0, sizeof *out);
  if (!data || n == 0)
    return ESIGN_CERT_EMPTY;
  if (n > ESIGN_CERT_MAX)
    return ESIGN_CERT_TOO_BIG;
  const unsigned char *der = data;
  size_t der_len = n;
  int rc = pem_unwrap(a, data, n, &der, &der_len);
  if (rc < 0)
    return rc;
  if (der_len > (size_t)LONG_MAX)
    return ESIGN_CERT_TOO_BIG;
  const unsigned char *p = der;
  X509 *x = d2i_X509(NULL, &p, (long)der_len);
  if (!x) {
    /* say so when it is a private key in DER */
    const unsigned char *q = der;
    EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &q, (long)der_len);
    rc = k ? ESIGN_CERT_PRIVATE_KEY : ESIGN_CERT_DER;
    EVP_PKEY_free(k);
  } else if (p != der + der_len) {
    rc = ESIGN_CERT_TRAILING;
  } else {
    rc = read_fields(a, x, out);
  }
  if (!rc) {
    unsigned char *copy = arena_alloc(a, der_len);
    memcpy(copy, der, der_len);
    out->der = copy;
    out->der_len = der_len;
    sha256_hex(der, der_len, out->sha256);
  }
  X509_free(x);
  ERR_clear_error();
  if (rc)
    memset(out, 0, sizeof *out);
  return rc;
}

const char *esign_cert_strerror(int rc)
{
  switch (rc) {
  case ESIGN_CERT_OK: return N_("The certificate is valid.");
  case ESIGN_CERT_EMPTY: return N_("The certificate file is empty.");
  case ESIGN_CERT_TOO_BIG: return N_("The certificate file is too large (at most 64 KiB).");
  case ESIGN_CERT_PRIVATE_KEY: return N_("This is a private key, not a certificate. Never upload a private key; upload the certificate (.cer, .crt, .pem).");
  case ESIGN_CERT_PEM_BASE64: return N_("The PEM certificate is damaged: its base64 text is broken or incomplete.");
  case ESIGN_CERT_PEM_OTHER: return N_("This PEM file holds something other than a certificate.");
  case ESIGN_CERT_DER: return N_("This is not an X.509 certificate in PEM or DER (damaged or truncated file).");
  case ESIGN_CERT_TRAILING: return N_("There are extra bytes after the certificate; the file is damaged.");
  default: return N_("The certificate's serial number, dates or names cannot be read.");
  }
}
