/* test_util.c - arenas, bounded buffers, ISO 8601 dates, integer parsing
 * and the constant-time comparison of src/core/util.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../../src/core/util.h"

static void test_arena_alloc_aligned_and_large(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_non_null(a);
  /* Many small allocations across several chunks stay aligned and distinct. */
  char *prev = NULL;
  for (int i = 0; i < 5000; i++) {
    char *p = arena_alloc(a, (size_t)(i % 37) + 1);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
    memset(p, 0xAB, (size_t)(i % 37) + 1);
    assert_true(p != prev);
    prev = p;
  }
  /* Larger than a chunk (16 KiB): still served, and writable end to end. */
  size_t big = 100 * 1024;
  unsigned char *b = arena_alloc(a, big);
  memset(b, 0x5A, big);
  assert_int_equal(b[0], 0x5A);
  assert_int_equal(b[big - 1], 0x5A);
  /* A small one after the big one does not overlap it. */
  char *s = arena_alloc(a, 8);
  assert_true((unsigned char *)s + 8 <= b || (unsigned char *)s >= b + big);
  arena_free(a);
  arena_free(NULL); /* tolerated */
}

static void test_arena_strings(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_string_equal(arena_strdup(a, "merhaba"), "merhaba");
  assert_null(arena_strdup(a, NULL));
  char *n = arena_strndup(a, "İş Ünitesi", 3); /* "İ" is two bytes, then "ş"'s first */
  assert_int_equal(strlen(n), 3);
  assert_memory_equal(n, "İ\xC5", 3);
  assert_string_equal(arena_printf(a, "%s-%d-%lld", "birim", 7, (long long)-3), "birim-7--3");
  /* A formatted string longer than a chunk. */
  char *long_s = arena_printf(a, "%20000d", 1);
  assert_int_equal(strlen(long_s), 20000);
  assert_int_equal(long_s[19999], '1');
  arena_free(a);
}

static void test_buf_unbounded(void **state)
{
  (void)state;
  buf b;
  buf_init(&b, 0);
  assert_string_equal(buf_cstr(&b), "");
  for (int i = 0; i < 1000; i++)
    buf_puts(&b, "abc");
  assert_int_equal(b.len, 3000);
  assert_false(b.overflow);
  assert_int_equal(strlen(buf_cstr(&b)), 3000);
  buf_free(&b);
  assert_null(b.data);
  assert_int_equal(b.len, 0);
}

static void test_buf_max_and_overflow(void **state)
{
  (void)state;
  buf b;
  buf_init(&b, 10);
  buf_puts(&b, "12345678");
  assert_false(b.overflow);
  buf_puts(&b, "90");
  assert_false(b.overflow); /* exactly max is allowed */
  assert_int_equal(b.len, 10);
  buf_puts(&b, "x");
  assert_true(b.overflow);
  assert_int_equal(b.len, 10);
  assert_string_equal(buf_cstr(&b), "1234567890");
  /* Once overflowed, even an append that would fit is dropped. */
  buf b2;
  buf_init(&b2, 10);
  buf_puts(&b2, "1234");
  buf_puts(&b2, "123456789"); /* 13 > 10: dropped whole, flag set */
  assert_true(b2.overflow);
  assert_int_equal(b2.len, 4);
  buf_puts(&b2, "1");
  assert_int_equal(b2.len, 4);
  assert_string_equal(buf_cstr(&b2), "1234");
  buf_free(&b);
  buf_free(&b2);
}

static void test_buf_printf_long(void **state)
{
  (void)state;
  buf b;
  buf_init(&b, 0);
  buf_printf(&b, "%d:%s", 42, "kısa");
  assert_string_equal(buf_cstr(&b), "42:kısa");
  /* Longer than the 256-byte stack buffer inside buf_vprintf. */
  char big[600];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = 0;
  buf_printf(&b, "[%s]", big);
  assert_int_equal(b.len, strlen("42:kısa") + 2 + 599);
  assert_int_equal(buf_cstr(&b)[b.len - 1], ']');
  buf_free(&b);
  /* printf that would exceed the maximum sets overflow. */
  buf_init(&b, 16);
  buf_printf(&b, "%s", big);
  assert_true(b.overflow);
  assert_int_equal(b.len, 0);
  buf_free(&b);
}

static void test_parse_iso8601_valid(void **state)
{
  (void)state;
  int64_t t = 0;
  assert_int_equal(parse_iso8601("2026-01-15", &t), 0);
  assert_int_equal(t, 1768435200);
  assert_int_equal(parse_iso8601("2026-11-22T10:00:00Z", &t), 0);
  assert_int_equal(t, 1795341600);
  assert_int_equal(parse_iso8601("2026-11-22T10:00:00", &t), 0);
  assert_int_equal(t, 1795341600);
  assert_int_equal(parse_iso8601("2026-11-22 10:00:00", &t), 0);
  assert_int_equal(t, 1795341600);
  assert_int_equal(parse_iso8601("2024-02-29", &t), 0); /* leap year */
  assert_int_equal(t, 1709164800);
  assert_int_equal(parse_iso8601("1970-01-01", &t), 0);
  assert_int_equal(t, 0);
  /* Round trip through fmt_iso8601. */
  char out[32];
  fmt_iso8601(1795341600, out);
  assert_string_equal(out, "2026-11-22T10:00:00Z");
  assert_int_equal(parse_iso8601(out, &t), 0);
  assert_int_equal(t, 1795341600);
}

static void test_parse_iso8601_invalid(void **state)
{
  (void)state;
  static const char *const bad[] = {
      "2026-02-30", /* normalised by timegm into March: must be refused */
      "2026-02-29", /* not a leap year */
      "2026-04-31",
      "2026-13-01",
      "2026-00-10",
      "2026-01-00",
      "2026-01-32",
      "2026-1-01",
      "26-01-01",
      "1969-12-31",
      "2026-01-01T25:00:00",
      "2026-01-01T10:60:00",
      "2026-01-01T10:00:61",
      "2026-01-01T10:00",
      "2026-01-01T",
      "2026-01-01Z",
      "2026-01-01T10:00:00ZZ",
      "2026-01-01x",
      "2026/01/01",
      "bugün",
      "",
  };
  for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
    int64_t t = 12345;
    if (parse_iso8601(bad[i], &t) == 0)
      fail_msg("parse_iso8601 accepted \"%s\"", bad[i]);
    assert_int_equal(t, 12345); /* untouched on failure */
  }
  int64_t t;
  assert_int_equal(parse_iso8601(NULL, &t), -1);
}

static void test_parse_i64(void **state)
{
  (void)state;
  int64_t v = -1;
  assert_int_equal(parse_i64("0", &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(parse_i64("007", &v), 0);
  assert_int_equal(v, 7);
  assert_int_equal(parse_i64("1234567890123", &v), 0);
  assert_int_equal(v, 1234567890123LL);
  assert_int_equal(parse_i64("922337203685477579", &v), 0);
  assert_int_equal(v, 922337203685477579LL);
  assert_int_equal(parse_i64("9223372036854775799", &v), 0);
  assert_int_equal(v, 9223372036854775799LL);
  static const char *const bad[] = {
      "9223372036854775808",  /* INT64_MAX + 1 */
      "18446744073709551616", /* 2^64 */
      "99999999999999999999999999",
      "-1", "+1", " 1", "1 ", "1a", "0x10", "", "1.5",
  };
  for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
    v = 555;
    if (parse_i64(bad[i], &v) == 0)
      fail_msg("parse_i64 accepted \"%s\" as %lld", bad[i], (long long)v);
    assert_int_equal(v, 555);
  }
  assert_int_equal(parse_i64(NULL, &v), -1);
}

static void test_str_ct_eq(void **state)
{
  (void)state;
  assert_true(str_ct_eq("token-abc", "token-abc"));
  assert_true(str_ct_eq("", ""));
  assert_false(str_ct_eq("token-abc", "token-abd"));
  assert_false(str_ct_eq("token-abc", "token-ab"));
  assert_false(str_ct_eq("token-ab", "token-abc"));
  assert_false(str_ct_eq("a", ""));
  assert_false(str_ct_eq(NULL, "a"));
  assert_false(str_ct_eq("a", NULL));
  assert_false(str_ct_eq(NULL, NULL));
}

static void test_str_helpers(void **state)
{
  (void)state;
  assert_true(str_eq("a", "a"));
  assert_false(str_eq("a", "b"));
  assert_false(str_eq(NULL, "a"));
  assert_false(str_eq(NULL, NULL));
  assert_true(str_starts("/api/v1/users", "/api/"));
  assert_false(str_starts("/apix", "/api/"));
  assert_false(str_starts(NULL, "/"));
}

static void test_random_and_sha256(void **state)
{
  (void)state;
  char hex[65];
  sha256_hex("abc", 3, hex);
  assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256_hex("", 0, hex);
  assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  arena *a = arena_new();
  char *t1 = random_token(a, 32), *t2 = random_token(a, 32);
  assert_int_equal(strlen(t1), 43); /* base64url of 32 bytes, no padding */
  assert_string_not_equal(t1, t2);
  assert_null(strpbrk(t1, "+/="));
  char *heap = random_token(NULL, 16);
  assert_int_equal(strlen(heap), 22);
  free(heap);
  arena_free(a);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arena_alloc_aligned_and_large),
      cmocka_unit_test(test_arena_strings),
      cmocka_unit_test(test_buf_unbounded),
      cmocka_unit_test(test_buf_max_and_overflow),
      cmocka_unit_test(test_buf_printf_long),
      cmocka_unit_test(test_parse_iso8601_valid),
      cmocka_unit_test(test_parse_iso8601_invalid),
      cmocka_unit_test(test_parse_i64),
      cmocka_unit_test(test_str_ct_eq),
      cmocka_unit_test(test_str_helpers),
      cmocka_unit_test(test_random_and_sha256),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
