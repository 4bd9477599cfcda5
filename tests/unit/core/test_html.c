/* test_html.c - the context escapers of src/core/html.c: element text,
 * quoted attributes, URL query values and local redirect paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/core/html.h"

/* Runs one writer on s and returns a copy of the output from the arena. */
static const char *render(arena *a, void (*fn)(html *, const char *), const char *s)
{
  html h;
  html_init(&h);
  fn(&h, s);
  const char *out = arena_strdup(a, buf_cstr(&h.b));
  html_free(&h);
  return out;
}

static void test_h_txt_escapes_all_five(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_string_equal(render(a, h_txt, "&"), "&amp;");
  assert_string_equal(render(a, h_txt, "<"), "&lt;");
  assert_string_equal(render(a, h_txt, ">"), "&gt;");
  assert_string_equal(render(a, h_txt, "\""), "&quot;");
  assert_string_equal(render(a, h_txt, "'"), "&#39;");
  assert_string_equal(render(a, h_txt, "<script>alert('x&y')</script>"),
                      "&lt;script&gt;alert(&#39;x&amp;y&#39;)&lt;/script&gt;");
  /* Already-escaped text is escaped again (no double-decoding shortcuts). */
  assert_string_equal(render(a, h_txt, "&amp;"), "&amp;amp;");
  /* Turkish text and plain text pass through unchanged. */
  assert_string_equal(render(a, h_txt, "Bilgi İşlem Müdürlüğü"), "Bilgi İşlem Müdürlüğü");
  assert_string_equal(render(a, h_txt, ""), "");
  assert_string_equal(render(a, h_txt, NULL), "");
  arena_free(a);
}

static void test_h_attr_escapes_all_five(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_string_equal(render(a, h_attr, "\" onmouseover='x' a=<b>&"),
                      "&quot; onmouseover=&#39;x&#39; a=&lt;b&gt;&amp;");
  assert_string_equal(render(a, h_attr, "Ünite"), "Ünite");
  assert_string_equal(render(a, h_attr, NULL), "");
  arena_free(a);
}

static void test_h_url_percent_encoding(void **state)
{
  (void)state;
  arena *a = arena_new();
  /* İ = C4 B0, ş = C5 9F, space = 20, Ü = C3 9C */
  assert_string_equal(render(a, h_url, "İş Ünitesi"), "%C4%B0%C5%9F%20%C3%9Cnitesi");
  assert_string_equal(render(a, h_url, "a-b_c.d~e09AZ"), "a-b_c.d~e09AZ");
  assert_string_equal(render(a, h_url, "a&b=c/d?e#f+g%"), "a%26b%3Dc%2Fd%3Fe%23f%2Bg%25");
  assert_string_equal(render(a, h_url, "\"<'>"), "%22%3C%27%3E");
  assert_string_equal(render(a, h_url, "\xff\x01"), "%FF%01");
  assert_string_equal(render(a, h_url, NULL), "");
  arena_free(a);
}

static void test_h_int_and_literals(void **state)
{
  (void)state;
  html h;
  html_init(&h);
  H(&h, "<p>");
  h_int(&h, -42);
  H(&h, " ");
  h_int(&h, INT64_MAX);
  H(&h, "</p>");
  assert_string_equal(buf_cstr(&h.b), "<p>-42 9223372036854775807</p>");
  html_free(&h);
}

static void test_safe_local_path(void **state)
{
  (void)state;
  assert_string_equal(html_safe_local_path("/"), "/");
  assert_string_equal(html_safe_local_path("/users"), "/users");
  assert_string_equal(html_safe_local_path("/a?b"), "/a?b");
  assert_string_equal(html_safe_local_path("/audit?actor=x&from=2026-01-01"), "/audit?actor=x&from=2026-01-01");
  /* Everything that could leave the site or split a header goes home. */
  static const char *const bad[] = {
      "//evil.example",   "/\\evil.example", "http://evil.example", "https:/evil", "http:",
      "javascript:alert(1)", "evil.example/x", "",             "/a\r\nSet-Cookie: x=1",
      "/a\nb",             "/a\tb",
  };
  for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
    if (!str_eq(html_safe_local_path(bad[i]), "/"))
      fail_msg("html_safe_local_path kept \"%s\"", bad[i]);
  }
  assert_string_equal(html_safe_local_path(NULL), "/");
}

static void test_html_escape(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_string_equal(html_escape(a, "<a href='x'>\"&\"</a>"),
                      "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
  assert_string_equal(html_escape(a, NULL), "");
  arena_free(a);
}

static void test_html_bounded(void **state)
{
  (void)state;
  /* The page buffer has an 8 MiB ceiling: beyond it output is dropped and
   * flagged rather than growing without bound. */
  html h;
  html_init(&h);
  char chunk[4096];
  memset(chunk, '<', sizeof chunk - 1);
  chunk[sizeof chunk - 1] = 0;
  for (int i = 0; i < 1000 && !h.b.overflow; i++)
    h_txt(&h, chunk); /* each '<' becomes 4 bytes: ~16 KiB per call */
  assert_true(h.b.overflow);
  assert_true(h.b.len <= 8 * 1024 * 1024);
  html_free(&h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_h_txt_escapes_all_five),
      cmocka_unit_test(test_h_attr_escapes_all_five),
      cmocka_unit_test(test_h_url_percent_encoding),
      cmocka_unit_test(test_h_int_and_literals),
      cmocka_unit_test(test_safe_local_path),
      cmocka_unit_test(test_html_escape),
      cmocka_unit_test(test_html_bounded),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
