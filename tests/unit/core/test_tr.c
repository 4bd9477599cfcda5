/* test_tr.c - the identifier validators and the Turkish fold of
 * src/core/tr.c: T.C. Kimlik No (valid numbers computed by hand from the
 * checksum rule, and every way to be wrong), E.164 telephone
 * normalisation, e-mail addresses, dates and the İ/i, I/ı case fold. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../../src/core/tr.h"

/* Computed with d10 = ((d1+d3+d5+d7+d9)*7 - (d2+d4+d6+d8)) mod 10 and
 * d11 = (d1+...+d10) mod 10, e.g. 190909090: odd sum 1, even sum 36,
 * 7 - 36 = -29 -> 1 (a negative intermediate), total 38 -> 8. */
static const char *const valid_tckn[] = {
    "10000000146", "12345678950", "98765432150", "55555555550", "11111111110",
    "30000000014", "90000000964", "24681357994", "19090909018", "10909090996",
};

static void test_tckn_valid(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof valid_tckn / sizeof *valid_tckn; i++) {
    if (tr_tckn_check(valid_tckn[i]) != TR_TCKN_OK)
      fail_msg("%s should be valid", valid_tckn[i]);
  }
}

static void test_tckn_invalid(void **state)
{
  (void)state;
  assert_int_equal(tr_tckn_check(NULL), TR_TCKN_LENGTH);
  assert_int_equal(tr_tckn_check(""), TR_TCKN_LENGTH);
  assert_int_equal(tr_tckn_check("1234567895"), TR_TCKN_LENGTH);   /* 10 digits */
  assert_int_equal(tr_tckn_check("123456789500"), TR_TCKN_LENGTH); /* 12 digits */
  assert_int_equal(tr_tckn_check("1234567895a"), TR_TCKN_DIGITS);
  assert_int_equal(tr_tckn_check("12345 78950"), TR_TCKN_DIGITS);
  assert_int_equal(tr_tckn_check("-1234567895"), TR_TCKN_DIGITS);
  assert_int_equal(tr_tckn_check("01234567890"), TR_TCKN_ZERO);
  assert_int_equal(tr_tckn_check("00000000000"), TR_TCKN_ZERO);
  /* tenth digit wrong, eleventh adjusted so that only d10 is off */
  assert_int_equal(tr_tckn_check("12345678960"), TR_TCKN_CHECKSUM);
  /* eleventh digit wrong */
  assert_int_equal(tr_tckn_check("12345678951"), TR_TCKN_CHECKSUM);
  assert_int_equal(tr_tckn_check("10000000147"), TR_TCKN_CHECKSUM);
  assert_int_equal(tr_tckn_check("11111111111"), TR_TCKN_CHECKSUM);
  /* every single-digit change of a valid number is caught */
  char t[12];
  for (int pos = 0; pos < 11; pos++) {
    for (char c = '0'; c <= '9'; c++) {
      strcpy(t, "12345678950");
      if (t[pos] == c)
        continue;
      t[pos] = c;
      if (tr_tckn_check(t) == TR_TCKN_OK)
        fail_msg("changed digit %d to %c and %s still passed", pos + 1, c, t);
    }
  }
}

static void test_tckn_complete_and_mask(void **state)
{
  (void)state;
  char out[12];
  assert_int_equal(tr_tckn_complete("123456789", out), 0);
  assert_string_equal(out, "12345678950");
  assert_int_equal(tr_tckn_complete("190909090", out), 0);
  assert_string_equal(out, "19090909018");
  assert_int_equal(tr_tckn_complete("012345678", out), -1);
  assert_int_equal(tr_tckn_complete("12345678", out), -1);
  assert_int_equal(tr_tckn_complete("12345678x", out), -1);
  /* whatever the base, the completed number passes the check */
  for (long b = 100000000; b < 999999999; b += 7654321) {
    char base[16];
    snprintf(base, sizeof base, "%ld", b);
    assert_int_equal(tr_tckn_complete(base, out), 0);
    assert_int_equal(tr_tckn_check(out), TR_TCKN_OK);
  }
  char m[12];
  tr_tckn_mask("12345678950", m);
  assert_string_equal(m, "123******50");
  tr_tckn_mask("123", m);
  assert_string_equal(m, "***********");
  tr_tckn_mask(NULL, m);
  assert_string_equal(m, "***********");
}

static void phone_ok(const char *in, const char *want)
{
  char out[TR_PHONE_MAX + 1];
  if (tr_phone_e164(in, out))
    fail_msg("\"%s\" refused, expected %s", in, want);
  if (strcmp(out, want))
    fail_msg("\"%s\" -> %s, expected %s", in, out, want);
}

static void phone_bad(const char *in)
{
  char out[TR_PHONE_MAX + 1];
  if (!tr_phone_e164(in, out))
    fail_msg("\"%s\" accepted as %s", in ? in : "(null)", out);
}

static void test_phone(void **state)
{
  (void)state;
  phone_ok("0532 123 45 67", "+905321234567");
  phone_ok("05321234567", "+905321234567");
  phone_ok("(0532) 123-45-67", "+905321234567");
  phone_ok("532 123 45 67", "+905321234567");
  phone_ok("+90 532 123 45 67", "+905321234567");
  phone_ok("+90 (0532) 123 45 67", "+905321234567");
  phone_ok("905321234567", "+905321234567");
  phone_ok("0090 532 123 4567", "+905321234567");
  phone_ok("0212 453 10 00", "+902124531000");
  phone_ok("0 850 222 0 444", "+908502220444");
  phone_ok("+49 30 1234567", "+49301234567");
  phone_ok("+1 (202) 555-0143", "+12025550143");
  phone_bad(NULL);
  phone_bad("");
  phone_bad("abc");
  phone_bad("0532 123 45 6");     /* 9 national digits */
  phone_bad("0532 123 45 678");   /* 11 national digits */
  phone_bad("0032 123");          /* too short */
  phone_bad("+90 132 123 45 67"); /* no such Turkish area code */
  phone_bad("0132 123 45 67");
  phone_bad("+0 532 123 45 67");
  phone_bad("+1234567890123456"); /* 16 digits */
  phone_bad("0532 123 45 67 dahili 12");
  phone_bad("0532+1234567");
  phone_bad("12345");
}

static void test_email(void **state)
{
  (void)state;
  static const char *const good[] = {"a@b.co", "ayse.yilmaz@eyupsultan.bel.tr", "bilgi-islem+test@ornek.gov.tr",
                                     "x_y@sub.domain.example", "O'Brien@example.com"};
  static const char *const bad[] = {NULL,      "",         "ayse",      "@b.co",   "a@",        "a@b",     "a@b.c",
                                    "a@@b.co", "a@b@c.co", ".a@b.co",   "a.@b.co", "a..b@c.co", "a@-b.co", "a@b-.co",
                                    "a@b..co", "a b@c.co", "ayşe@b.co", "a@b.c0m", "a@.b.co",   "a@b.co."};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    if (tr_email_check(good[i]))
      fail_msg("%s refused", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (!tr_email_check(bad[i]))
      fail_msg("%s accepted", bad[i] ? bad[i] : "(null)");
  char long_local[80];
  memset(long_local, 'a', 65);
  strcpy(long_local + 65, "@b.co");
  assert_int_equal(tr_email_check(long_local), -1);
}

static void fold_is(const char *in, bool ascii, const char *want)
{
  char out[256];
  if (tr_fold(in, ascii, out, sizeof out))
    fail_msg("fold of \"%s\" failed", in);
  if (strcmp(out, want))
    fail_msg("fold(\"%s\", %d) = \"%s\", expected \"%s\"", in, ascii, out, want);
}

static void test_fold(void **state)
{
  (void)state;
  fold_is("IŞIK", false, "ışık");
  fold_is("Işık", false, "ışık");
  fold_is("İSMAİL", false, "ismail");
  fold_is("İsmail", false, "ismail");
  fold_is("ÇAĞRI ÖZGÜR ŞEN", false, "çağrı özgür şen");
  fold_is("  Ayşe   Yılmaz\t", false, "ayşe yılmaz");
  fold_is("i\xCC\x87stanbul", false, "istanbul"); /* "i̇" from a non-Turkish lower-casing of "İ" */
  fold_is("HÂKİM", false, "hâkim");
  fold_is("IŞIK", true, "isik");
  fold_is("Işıl Güneş", true, "isil gunes");
  fold_is("ÇAĞRI ÖZGÜR ŞEN", true, "cagri ozgur sen");
  fold_is("HÂKİM", true, "hakim");
  fold_is("", false, "");
  /* the fold keeps I and İ apart, the ASCII fold does not */
  char a[32], b[32];
  assert_int_equal(tr_fold("IRMAK", false, a, sizeof a), 0);
  assert_int_equal(tr_fold("irmak", false, b, sizeof b), 0);
  assert_string_not_equal(a, b);
  assert_int_equal(tr_fold("IRMAK", true, a, sizeof a), 0);
  assert_int_equal(tr_fold("irmak", true, b, sizeof b), 0);
  assert_string_equal(a, b);
  /* invalid UTF-8 and a small buffer are refused */
  assert_int_equal(tr_fold("a\xC3", false, a, sizeof a), -1);
  assert_int_equal(tr_fold("\xC0\xAF", false, a, sizeof a), -1);     /* overlong */
  assert_int_equal(tr_fold("\xED\xA0\x80", false, a, sizeof a), -1); /* surrogate */
  assert_int_equal(tr_fold("IIII", false, a, 8), -1);                /* needs 9 bytes */
  assert_int_equal(tr_fold("IIII", false, a, 9), 0);
}

static void test_text_and_dates(void **state)
{
  (void)state;
  assert_int_equal(tr_text_check("Ayşe", 5, false), 0);
  assert_int_equal(tr_text_check("a\tb", 3, false), -1);
  assert_int_equal(tr_text_check("a\tb", 3, true), 0);
  assert_int_equal(tr_text_check("a\nb", 3, true), -1);
  assert_int_equal(tr_text_check("a\x7f", 2, true), -1);
  assert_int_equal(tr_text_check("a\xC2\x85", 3, true), -1); /* C1 control */
  assert_int_equal(tr_text_check("a\0b", 3, true), -1);
  char d[11];
  assert_int_equal(tr_date_parse("2026-01-31", d), 0);
  assert_string_equal(d, "2026-01-31");
  assert_int_equal(tr_date_parse("31.01.2026", d), 0);
  assert_string_equal(d, "2026-01-31");
  assert_int_equal(tr_date_parse("1.2.2024", d), 0);
  assert_string_equal(d, "2024-02-01");
  assert_int_equal(tr_date_parse("29.02.2024", d), 0);
  assert_int_equal(tr_date_parse("29.02.2025", d), -1);
  assert_int_equal(tr_date_parse("2026-02-30", d), -1);
  assert_int_equal(tr_date_parse("2026-1-31", d), -1);
  assert_int_equal(tr_date_parse("2026-01-31T10:00:00", d), -1);
  assert_int_equal(tr_date_parse("31/01/2026", d), -1);
  assert_int_equal(tr_date_parse("31.01.26", d), -1);
  assert_int_equal(tr_date_parse("", d), -1);
  assert_int_equal(tr_date_parse(NULL, d), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tckn_valid),
      cmocka_unit_test(test_tckn_invalid),
      cmocka_unit_test(test_tckn_complete_and_mask),
      cmocka_unit_test(test_phone),
      cmocka_unit_test(test_email),
      cmocka_unit_test(test_fold),
      cmocka_unit_test(test_text_and_dates),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
