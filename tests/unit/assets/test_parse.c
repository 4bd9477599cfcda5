/* test_parse.c - src/assets/parse.c: the bounded inflate (zlib, gzip,
 * plain; a bomb stops at the limit, a truncated stream is an error), the
 * agent XML read without a document type declaration and turned into the
 * GLPI JSON shape (lists as arrays, hardware/bios as objects), and the
 * JSON messages' schema checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../../../src/assets/assets_int.h"

static unsigned char *deflate_all(const void *in, size_t n, size_t *out_n)
{
  uLongf cap = compressBound((uLong)n);
  unsigned char *out = malloc(cap);
  assert_non_null(out);
  assert_int_equal(compress2(out, &cap, in, (uLong)n, 9), Z_OK);
  *out_n = cap;
  return out;
}

static void test_inflate(void **state)
{
  (void)state;
  const char *text = "<REQUEST><QUERY>PROLOG</QUERY><DEVICEID>d</DEVICEID></REQUEST>";
  size_t zn;
  unsigned char *z = deflate_all(text, strlen(text), &zn);
  buf out;
  enum inv_enc enc;
  buf_init(&out, 1024);
  assert_int_equal(inv_inflate(z, zn, 1024, &enc, &out), INV_OK);
  assert_int_equal(enc, INV_ZLIB);
  assert_int_equal(out.len, strlen(text));
  assert_memory_equal(out.data, text, out.len);
  buf_free(&out);
  buf_init(&out, 1024);
  assert_int_equal(inv_inflate(z, zn / 2, 1024, &enc, &out), INV_MALFORMED);
  buf_free(&out);
  free(z);
  /* A bomb: 8 MB of zeros stops at the 64 KB limit. */
  size_t big = 8 * 1024 * 1024;
  char *zeros = calloc(1, big);
  z = deflate_all(zeros, big, &zn);
  free(zeros);
  buf_init(&out, 64 * 1024);
  assert_int_equal(inv_inflate(z, zn, 64 * 1024, &enc, &out), INV_TOO_LARGE);
  assert_true(out.len <= 64 * 1024);
  buf_free(&out);
  free(z);
  buf_init(&out, 4);
  assert_int_equal(inv_inflate((const unsigned char *)"hello", 5, 4, &enc, &out), INV_TOO_LARGE);
  assert_int_equal(enc, INV_PLAIN);
  buf_free(&out);
}

static int parse(arena *a, const char *s, struct inv_msg *m, const char **why)
{
  return inv_parse(a, (const unsigned char *)s, strlen(s), 1 << 20, m, why);
}

static void test_xml(void **state)
{
  (void)state;
  arena *a = arena_new();
  struct inv_msg m;
  const char *why;
  assert_int_equal(parse(a,
                         "<?xml version=\"1.0\"?><REQUEST><DEVICEID>pc-1</DEVICEID><QUERY>INVENTORY</QUERY><CONTENT>"
                         "<HARDWARE><NAME>pc</NAME><MEMORY>8192</MEMORY></HARDWARE><CPUS><NAME>i5</NAME></CPUS>"
                         "<NETWORKS><MACADDR>00:11:22:33:44:55</MACADDR></NETWORKS>"
                         "<NETWORKS><MACADDR>00:11:22:33:44:66</MACADDR></NETWORKS>"
                         "<VERSIONCLIENT>F</VERSIONCLIENT></CONTENT></REQUEST>",
                         &m, &why),
                   INV_OK);
  assert_string_equal(m.query, "INVENTORY");
  assert_string_equal(m.deviceid, "pc-1");
  assert_true(json_is_object(json_object_get(m.content, "hardware")));
  assert_string_equal(json_string_value(json_object_get(json_object_get(m.content, "hardware"), "memory")), "8192");
  assert_int_equal(json_array_size(json_object_get(m.content, "cpus")), 1);
  assert_int_equal(json_array_size(json_object_get(m.content, "networks")), 2);
  assert_string_equal(json_string_value(json_object_get(m.content, "versionclient")), "F");
  inv_msg_free(&m);
  /* Entities never: not internal, not external. */
  assert_int_equal(parse(a,
                         "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"b\">]><REQUEST><DEVICEID>&a;</DEVICEID>"
                         "<QUERY>PROLOG</QUERY></REQUEST>",
                         &m, &why),
                   INV_MALFORMED);
  assert_non_null(strstr(why, "entities"));
  assert_int_equal(parse(a,
                         "<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/x.dtd\"><REQUEST><DEVICEID>d</DEVICEID>"
                         "<QUERY>PROLOG</QUERY></REQUEST>",
                         &m, &why),
                   INV_MALFORMED);
  assert_int_equal(parse(a, "<REQUEST><QUERY>PROLOG</QUERY></REQUEST>", &m, &why), INV_MALFORMED);
  assert_int_equal(parse(a, "<OTHER><DEVICEID>d</DEVICEID><QUERY>PROLOG</QUERY></OTHER>", &m, &why), INV_MALFORMED);
  assert_int_equal(parse(a, "<REQUEST><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY></REQUEST>", &m, &why),
                   INV_MALFORMED);
  assert_int_equal(parse(a, "<REQUEST><DEVICEID>d</DEVICEID><QUERY>PROLOG</QUERY>", &m, &why), INV_MALFORMED);
  arena_free(a);
}

static void test_json(void **state)
{
  (void)state;
  arena *a = arena_new();
  struct inv_msg m;
  const char *why;
  assert_int_equal(parse(a, "{\"action\":\"contact\",\"deviceid\":\"x\"}", &m, &why), INV_OK);
  assert_string_equal(m.query, "contact");
  assert_null(m.content);
  inv_msg_free(&m);
  assert_int_equal(parse(a,
                         "{\"action\":\"inventory\",\"deviceid\":\"x\",\"content\":{\"versionclient\":\"v\","
                         "\"cpus\":[{\"name\":\"r\"}],\"hardware\":{\"name\":\"pc\"}}}",
                         &m, &why),
                   INV_OK);
  assert_true(json_is_array(json_object_get(m.content, "cpus")));
  inv_msg_free(&m);
  const char *bad[] = {
      "{\"action\":\"inventory\",\"deviceid\":\"x\"}",
      "{\"action\":\"inventory\",\"deviceid\":\"x\",\"content\":{}}",
      "{\"action\":\"inventory\",\"deviceid\":\"x\",\"content\":{\"versionclient\":\"v\",\"cpus\":{}}}",
      "{\"action\":\"inventory\",\"deviceid\":\"x\",\"content\":{\"versionclient\":\"v\",\"cpus\":[1]}}",
      "{\"action\":\"inventory\",\"deviceid\":\"x\",\"content\":{\"versionclient\":\"v\",\"bios\":[]}}",
      "{\"action\":\"contact\"}",
      "{\"action\":\"x\",\"deviceid\":\"x\"}",
      "{\"action\":\"contact\",\"deviceid\":\"x\",\"deviceid\":\"y\"}",
      "{\"action\":",
      "[]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    why = NULL;
    if (parse(a, bad[i], &m, &why) != INV_MALFORMED || !why)
      fail_msg("accepted: %s", bad[i]);
  }
  arena_free(a);
}

int main(void)
{
  inv_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_inflate),
      cmocka_unit_test(test_xml),
      cmocka_unit_test(test_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
