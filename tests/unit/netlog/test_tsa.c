/* test_tsa.c - Kamu SM's identity header as its server reads it (DER
 * ESYAReqEx, PBKDF2-HMAC-SHA256 key, AES-256-CBC over the digest), and
 * the moments a question may name (Turkish time unless a zone is given).
 * (Stamps against a real openssl TSA and the Kamu SM mock:
 * tests/api/test_netlog_server.py.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/netlog/netlog_int.h"

static void test_identity_decrypts_to_the_digest(void **state)
{
  (void)state;
  unsigned char md[32];
  for (int i = 0; i < 32; i++)
    md[i] = (unsigned char)(i * 7 + 1);
  char *hex = NULL;
  assert_int_equal(netlog_kamusm_identity("4711", "gizli-Parola", md, sizeof md, &hex), 0);
  size_t hl = strlen(hex);
  assert_true(hl % 2 == 0 && strncmp(hex, "30", 2) == 0); /* a SEQUENCE, no leading zeros to lose */
  unsigned char der[512];
  for (size_t i = 0; i < hl / 2; i++)
    sscanf(hex + 2 * i, "%2hhx", &der[i]);
  const unsigned char *p = der;
  ASN1_SEQUENCE_ANY *seq = d2i_ASN1_SEQUENCE_ANY(NULL, &p, (long)(hl / 2));
  assert_non_null(seq);
  assert_int_equal(sk_ASN1_TYPE_num(seq), 5);
  ASN1_TYPE *t[5];
  for (int i = 0; i < 5; i++)
    t[i] = sk_ASN1_TYPE_value(seq, i);
  assert_int_equal(t[0]->type, V_ASN1_INTEGER);
  assert_int_equal(ASN1_INTEGER_get(t[0]->value.integer), 4711);
  assert_int_equal(t[1]->type, V_ASN1_OCTET_STRING);
  assert_int_equal(t[2]->type, V_ASN1_INTEGER);
  assert_int_equal(ASN1_INTEGER_get(t[2]->value.integer), 100);
  assert_int_equal(t[3]->type, V_ASN1_OCTET_STRING);
  assert_int_equal(t[4]->type, V_ASN1_OCTET_STRING);
  const ASN1_OCTET_STRING *salt = t[1]->value.octet_string, *iv = t[3]->value.octet_string,
                          *enc = t[4]->value.octet_string;
  assert_int_equal(ASN1_STRING_length(salt), 16);
  assert_int_equal(ASN1_OCTET_STRING_cmp(salt, iv), 0);
  assert_int_equal(ASN1_STRING_length(enc), 48); /* 32 bytes, PKCS#7 padded */
  unsigned char key[32], out[64];
  assert_int_equal(PKCS5_PBKDF2_HMAC("gizli-Parola", 12, ASN1_STRING_get0_data(salt), 16, 100, EVP_sha256(), 32, key),
                   1);
  EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
  int ol = 0, fl = 0;
  assert_int_equal(EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), NULL, key, ASN1_STRING_get0_data(iv)), 1);
  assert_int_equal(EVP_DecryptUpdate(c, out, &ol, ASN1_STRING_get0_data(enc), 48), 1);
  assert_int_equal(EVP_DecryptFinal_ex(c, out + ol, &fl), 1);
  EVP_CIPHER_CTX_free(c);
  assert_int_equal(ol + fl, 32);
  assert_memory_equal(out, md, 32);
  /* a new salt every time: no two headers alike */
  char *again = NULL;
  assert_int_equal(netlog_kamusm_identity("4711", "gizli-Parola", md, sizeof md, &again), 0);
  assert_string_not_equal(hex, again);
  free(again);
  free(hex);
  sk_ASN1_TYPE_pop_free(seq, ASN1_TYPE_free);
  /* the customer number is a number */
  char *bad = NULL;
  assert_int_equal(netlog_kamusm_identity("abc", "x", md, sizeof md, &bad), -1);
  assert_int_equal(netlog_kamusm_identity("", "x", md, sizeof md, &bad), -1);
  assert_null(bad);
}

static void moment(const char *s, const char *want)
{
  int64_t t = 0;
  char got[32];
  if (!want) {
    assert_int_equal(netlog_parse_moment(s, &t), -1);
    return;
  }
  assert_int_equal(netlog_parse_moment(s, &t), 0);
  fmt_iso8601(t, got);
  assert_string_equal(got, want);
}

static void test_moments(void **state)
{
  (void)state;
  moment("2026-11-22T14:05:00", "2026-11-22T11:05:00Z"); /* Turkish time */
  moment("2026-11-22 14:05", "2026-11-22T11:05:00Z");
  moment("2026-11-22T14:05:07.123", "2026-11-22T11:05:07Z");
  moment("2026-11-22T11:05:00Z", "2026-11-22T11:05:00Z");
  moment("2026-11-22T14:05:00+03:00", "2026-11-22T11:05:00Z");
  moment("2026-11-22T09:35:00-01:30", "2026-11-22T11:05:00Z");
  moment("2026-11-22", "2026-11-21T21:00:00Z"); /* midnight in Türkiye */
  moment("2026-11-22T14", NULL);
  moment("2026-11-22T14:05:00+3", NULL);
  moment("2026-11-22T14:05:00+15:00", NULL);
  moment("2026-13-22T14:05:00", NULL);
  moment("22.11.2026 14:05", NULL);
  moment("", NULL);
  moment(NULL, NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identity_decrypts_to_the_digest),
      cmocka_unit_test(test_moments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
