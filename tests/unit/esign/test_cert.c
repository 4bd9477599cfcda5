/* test_cert.c - the e-signature certificate reader (src/esign/cert.c) on
 * certificates made here with OpenSSL: PEM and DER read alike (serial,
 * subject, issuer, dates, T.C. Kimlik No), and every kind of bad upload
 * refused with its own reason; also the quarter bounds of the "expires
 * this quarter" list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/esign/cert.h"
#include "../../../src/esign/esign_int.h"

struct made {
  unsigned char *der, *pem, *key_pem, *key_der;
  size_t der_len, pem_len, key_pem_len, key_der_len;
  int64_t not_after;
};

static unsigned char *bio_bytes(BIO *b, size_t *n)
{
  char *p = NULL;
  long len = BIO_get_mem_data(b, &p);
  unsigned char *out = malloc((size_t)len + 1);
  assert_non_null(out);
  memcpy(out, p, (size_t)len);
  out[len] = 0;
  *n = (size_t)len;
  return out;
}

/* A self-signed EC certificate for cn (and serialNumber sn when set),
 * serial 0x1234ABCD, valid for days from now. */
static void make(struct made *m, const char *cn, const char *sn, long days)
{
  EVP_PKEY *k = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  assert_non_null(k);
  assert_non_null(x);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234ABCD);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), days * 86400);
  X509_NAME *n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"TR", -1, -1, 0);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
  if (sn)
    X509_NAME_add_entry_by_txt(n, "serialNumber", MBSTRING_UTF8, (const unsigned char *)sn, -1, -1, 0);
  X509_set_issuer_name(x, n);
  X509_set_pubkey(x, k);
  assert_true(X509_sign(x, k, EVP_sha256()) > 0);
  m->der_len = 0;
  m->der = NULL;
  int len = i2d_X509(x, &m->der);
  assert_true(len > 0);
  m->der_len = (size_t)len;
  BIO *b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  m->pem = bio_bytes(b, &m->pem_len);
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
  m->key_pem = bio_bytes(b, &m->key_pem_len);
  BIO_free(b);
  m->key_der = NULL;
  len = i2d_PrivateKey(k, &m->key_der);
  assert_true(len > 0);
  m->key_der_len = (size_t)len;
  m->not_after = now_unix() + days * 86400;
  X509_free(x);
  EVP_PKEY_free(k);
}

static void unmake(struct made *m)
{
  OPENSSL_free(m->der);
  OPENSSL_free(m->key_der);
  free(m->pem);
  free(m->key_pem);
}

static void pem_and_der(void **state)
{
  (void)state;
  struct made m;
  make(&m, "Ayşe Yılmaz", "TCKN10000000146", 20);
  arena *a = arena_new();
  struct esign_cert c, d;
  assert_int_equal(esign_cert_parse(a, m.pem, m.pem_len, &c), ESIGN_CERT_OK);
  assert_int_equal(esign_cert_parse(a, m.der, m.der_len, &d), ESIGN_CERT_OK);
  assert_string_equal(c.serial, "1234ABCD");
  assert_string_equal(c.common_name, "Ayşe Yılmaz");
  assert_non_null(strstr(c.subject, "CN=Ayşe Yılmaz"));
  assert_string_equal(c.subject, c.issuer);
  assert_string_equal(c.tckn, "10000000146");
  assert_true(llabs(c.not_after - m.not_after) <= 5);
  assert_true(c.not_before <= now_unix() + 5);
  /* the same certificate both ways */
  assert_string_equal(c.sha256, d.sha256);
  assert_int_equal(c.der_len, m.der_len);
  assert_memory_equal(c.der, m.der, m.der_len);
  assert_int_equal(c.not_after, d.not_after);
  arena_free(a);
  unmake(&m);
}

static void tckn_only_when_valid(void **state)
{
  (void)state;
  struct made m;
  make(&m, "Kişi", "12345678901", 30); /* checksum wrong */
  arena *a = arena_new();
  struct esign_cert c;
  assert_int_equal(esign_cert_parse(a, m.der, m.der_len, &c), ESIGN_CERT_OK);
  assert_string_equal(c.tckn, "");
  unmake(&m);
  make(&m, "Kişi", NULL, 30);
  assert_int_equal(esign_cert_parse(a, m.der, m.der_len, &c), ESIGN_CERT_OK);
  assert_string_equal(c.tckn, "");
  arena_free(a);
  unmake(&m);
}

static void refusals(void **state)
{
  (void)state;
  struct made m;
  make(&m, "Ali Çelik", NULL, 365);
  arena *a = arena_new();
  struct esign_cert c;
  assert_int_equal(esign_cert_parse(a, NULL, 0, &c), ESIGN_CERT_EMPTY);
  assert_int_equal(esign_cert_parse(a, m.der, 0, &c), ESIGN_CERT_EMPTY);
  unsigned char *big = calloc(1, ESIGN_CERT_MAX + 1);
  assert_int_equal(esign_cert_parse(a, big, ESIGN_CERT_MAX + 1, &c), ESIGN_CERT_TOO_BIG);
  free(big);
  /* every truncation of the DER is refused, none crashes */
  for (size_t n = 1; n < m.der_len; n++)
    assert_int_equal(esign_cert_parse(a, m.der, n, &c), ESIGN_CERT_DER);
  unsigned char *more = malloc(m.der_len + 2);
  memcpy(more, m.der, m.der_len);
  more[m.der_len] = 0;
  more[m.der_len + 1] = 1;
  assert_int_equal(esign_cert_parse(a, more, m.der_len + 2, &c), ESIGN_CERT_TRAILING);
  free(more);
  assert_int_equal(esign_cert_parse(a, m.key_pem, m.key_pem_len, &c), ESIGN_CERT_PRIVATE_KEY);
  assert_int_equal(esign_cert_parse(a, m.key_der, m.key_der_len, &c), ESIGN_CERT_PRIVATE_KEY);
  /* PEM: a broken base64 character, no END line, another label */
  char *pem = (char *)malloc(m.pem_len + 1);
  memcpy(pem, m.pem, m.pem_len + 1);
  pem[40] = '*';
  assert_int_equal(esign_cert_parse(a, (unsigned char *)pem, m.pem_len, &c), ESIGN_CERT_PEM_BASE64);
  memcpy(pem, m.pem, m.pem_len + 1);
  char *end = strstr(pem, "-----END");
  assert_int_equal(esign_cert_parse(a, (unsigned char *)pem, (size_t)(end - pem), &c), ESIGN_CERT_PEM_BASE64);
  static const char csr[] = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
  assert_int_equal(esign_cert_parse(a, (const unsigned char *)csr, sizeof csr - 1, &c), ESIGN_CERT_PEM_OTHER);
  static const char text[] = "Bu bir sertifika değil.";
  assert_int_equal(esign_cert_parse(a, (const unsigned char *)text, sizeof text - 1, &c), ESIGN_CERT_DER);
  /* valid base64 of something that is not a certificate */
  static const char notder[] = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n";
  assert_int_equal(esign_cert_parse(a, (const unsigned char *)notder, sizeof notder - 1, &c), ESIGN_CERT_DER);
  assert_string_equal(c.serial, ""); /* nothing left behind on refusal */
  free(pem);
  /* every refusal has its own text */
  for (int i = ESIGN_CERT_EMPTY; i >= ESIGN_CERT_FIELDS; i--)
    for (int j = i - 1; j >= ESIGN_CERT_FIELDS; j--)
      assert_string_not_equal(esign_cert_strerror(i), esign_cert_strerror(j));
  arena_free(a);
  unmake(&m);
}

static void quarters(void **state)
{
  (void)state;
  int64_t from, to;
  char label[16];
  assert_int_equal(esign_quarter("2026-Q4", 0, &from, &to, label), 0);
  assert_string_equal(label, "2026-Q4");
  assert_int_equal(from, 1790802000); /* 2026-10-01T00:00+03:00 */
  assert_int_equal(to, 1798750800);   /* 2027-01-01T00:00+03:00 */
  assert_int_equal(esign_quarter("2027-Q1", 0, &from, &to, label), 0);
  assert_int_equal(from, 1798750800);
  /* now = 2026-12-31T22:00Z is 2027-01-01 in Istanbul */
  assert_int_equal(esign_quarter(NULL, 1798754400, &from, &to, label), 0);
  assert_string_equal(label, "2027-Q1");
  assert_int_equal(esign_quarter("", 1790802000 - 1, &from, &to, label), 0);
  assert_string_equal(label, "2026-Q3");
  static const char *const bad[] = {"2026-Q5", "2026-Q0", "2026Q4", "2026-q4", "2026-Q4x", "abcd-Q1", "1969-Q4"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(esign_quarter(bad[i], 0, &from, &to, label), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pem_and_der),
      cmocka_unit_test(tckn_only_when_valid),
      cmocka_unit_test(refusals),
      cmocka_unit_test(quarters),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
