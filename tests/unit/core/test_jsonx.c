/* test_jsonx.c - the bounded request-body decoder and the field validator
 * of src/core/jsonx.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../../src/core/jsonx.h"

static json_t *decode(const char *s, const char **err)
{
  return jsonx_decode_body(s, s ? strlen(s) : 0, err);
}

/* n nested objects: {"a":{"a":...{}}} has jsonx_depth n. */
static char *nested_objects(int n)
{
  buf b;
  buf_init(&b, 0);
  for (int i = 0; i < n - 1; i++)
    buf_puts(&b, "{\"a\":");
  buf_puts(&b, "{}");
  for (int i = 0; i < n - 1; i++)
    buf_puts(&b, "}");
  char *s = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

static void test_decode_ok(void **state)
{
  (void)state;
  const char *err = "unset";
  json_t *v = decode("{\"username\":\"ayşe\",\"n\":3}", &err);
  assert_non_null(v);
  assert_null(err);
  assert_string_equal(jsonx_str(v, "username"), "ayşe");
  assert_int_equal(jsonx_int(v, "n", 0), 3);
  json_decref(v);
}

static void test_decode_not_json(void **state)
{
  (void)state;
  static const char *const bad[] = {
      "not json", "{", "{\"a\":}", "{\"a\":1} trailing", "{'a':1}", "{\"a\":1,}", "\xff\xfe{}",
  };
  for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
    const char *err = NULL;
    json_t *v = decode(bad[i], &err);
    if (v) {
      json_decref(v);
      fail_msg("decoded \"%s\"", bad[i]);
    }
    assert_string_equal(err, "malformed");
  }
  const char *err = NULL;
  assert_null(jsonx_decode_body(NULL, 0, &err));
  assert_string_equal(err, "malformed");
  err = NULL;
  assert_null(jsonx_decode_body("{}", 0, &err));
  assert_string_equal(err, "malformed");
  /* An embedded NUL byte in the body is not JSON. */
  err = NULL;
  assert_null(jsonx_decode_body("{\"a\":\"x\0y\"}", 11, &err));
  assert_string_equal(err, "malformed");
  /* \u0000 inside a string is refused by the decoder. */
  err = NULL;
  assert_null(decode("{\"a\":\"x\\u0000y\"}", &err));
  assert_string_equal(err, "malformed");
}

static void test_decode_not_object(void **state)
{
  (void)state;
  static const char *const bad[] = {"[]", "[1,2]", "\"str\"", "1", "null", "true"};
  for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
    const char *err = NULL;
    json_t *v = decode(bad[i], &err);
    if (v) {
      json_decref(v);
      fail_msg("decoded \"%s\" as a body", bad[i]);
    }
    assert_string_equal(err, "malformed");
  }
}

static void test_decode_depth(void **state)
{
  (void)state;
  char *s32 = nested_objects(JSON_MAX_DEPTH);
  char *s33 = nested_objects(JSON_MAX_DEPTH + 1);
  const char *err = NULL;
  json_t *v = decode(s32, &err);
  assert_non_null(v);
  assert_int_equal(jsonx_depth(v), 32);
  json_decref(v);
  err = NULL;
  v = decode(s33, &err);
  assert_null(v);
  assert_string_equal(err, "malformed");
  /* Arrays count too: {"a":[[...[1]...]]} */
  buf b;
  buf_init(&b, 0);
  buf_puts(&b, "{\"a\":");
  for (int i = 0; i < 40; i++)
    buf_puts(&b, "[");
  buf_puts(&b, "1");
  for (int i = 0; i < 40; i++)
    buf_puts(&b, "]");
  buf_puts(&b, "}");
  err = NULL;
  assert_null(decode(buf_cstr(&b), &err));
  assert_string_equal(err, "malformed");
  buf_free(&b);
  /* Very deep input (beyond any limit) fails cleanly, no stack blow-up. */
  char *deep = nested_objects(5000);
  err = NULL;
  assert_null(decode(deep, &err));
  assert_string_equal(err, "malformed");
  free(deep);
  free(s32);
  free(s33);
}

static void test_depth_values(void **state)
{
  (void)state;
  json_t *v = json_pack("{s:i, s:[i, {s:s}]}", "a", 1, "b", 2, "c", "d");
  assert_int_equal(jsonx_depth(v), 4); /* object > array > object > string */
  json_decref(v);
  v = json_integer(1);
  assert_int_equal(jsonx_depth(v), 1);
  json_decref(v);
  v = json_object();
  assert_int_equal(jsonx_depth(v), 1);
  json_decref(v);
}

static void test_decode_duplicate_keys(void **state)
{
  (void)state;
  const char *err = NULL;
  assert_null(decode("{\"role\":\"personel\",\"role\":\"admin\"}", &err));
  assert_string_equal(err, "malformed");
  err = NULL;
  assert_null(decode("{\"a\":{\"x\":1,\"x\":2}}", &err));
  assert_string_equal(err, "malformed");
}

static const struct jfield fields[] = {
    {"username", JT_STRING, true, 8},
    {"age", JT_INT, false, 0},
    {"active", JT_BOOL, false, 0},
    {"tags", JT_ARRAY, false, 2},
    {"meta", JT_OBJECT, false, 0},
    {"extra", JT_ANY, false, 0},
    {"note", JT_STRING, false, 0},
};

/* Validates text against fields; returns the errors object (caller frees). */
static json_t *check(json_t *obj, int want_rc)
{
  assert_non_null(obj);
  json_t *errors = json_object();
  int rc = jsonx_validate(obj, fields, ARRAY_LEN(fields), errors);
  if (rc != want_rc) {
    char *dump = json_dumps(obj, JSON_COMPACT);
    fail_msg("jsonx_validate(%s) = %d, want %d", dump, rc, want_rc);
  }
  return errors;
}

static void test_validate_ok(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:s, s:i, s:b, s:[s,s], s:{}, s:[i], s:n}", "username", "ayşe", "age", 40, "active", 1,
                        "tags", "a", "b", "meta", "extra", 1, "note");
  assert_non_null(o);
  json_t *e = check(o, 0);
  assert_int_equal(json_object_size(e), 0);
  json_decref(e);
  json_decref(o);
  /* Only the required field. */
  o = json_pack("{s:s}", "username", "12345678");
  e = check(o, 0);
  assert_int_equal(json_object_size(e), 0);
  json_decref(e);
  json_decref(o);
  /* errors may be NULL. */
  o = json_pack("{s:s}", "username", "x");
  assert_int_equal(jsonx_validate(o, fields, ARRAY_LEN(fields), NULL), 0);
  json_decref(o);
}

static void test_validate_unknown_field(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:s, s:s}", "username", "x", "is_admin", "yes");
  json_t *e = check(o, -1);
  assert_int_equal(json_object_size(e), 1);
  assert_string_equal(jsonx_str(e, "is_admin"), "Unknown field.");
  json_decref(e);
  assert_int_equal(jsonx_validate(o, fields, ARRAY_LEN(fields), NULL), -1);
  json_decref(o);
}

static void test_validate_missing_required(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:i}", "age", 3);
  json_t *e = check(o, -1);
  assert_string_equal(jsonx_str(e, "username"), "This field is required.");
  json_decref(e);
  json_decref(o);
  /* null counts as missing; "" counts as missing for a required string. */
  o = json_pack("{s:n}", "username");
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "username"), "This field is required.");
  json_decref(e);
  json_decref(o);
  o = json_pack("{s:s}", "username", "");
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "username"), "This field is required.");
  json_decref(e);
  json_decref(o);
}

static void test_validate_wrong_type(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:i, s:s, s:i, s:s, s:[], s:b}", "username", 5, "age", "5", "active", 1, "tags", "a",
                        "meta", "note", 0);
  json_t *e = check(o, -1);
  static const char *const names[] = {"username", "age", "active", "tags", "meta", "note"};
  for (size_t i = 0; i < ARRAY_LEN(names); i++) {
    if (!str_eq(jsonx_str(e, names[i]), "Wrong type."))
      fail_msg("no type error for %s", names[i]);
  }
  assert_int_equal(json_object_size(e), ARRAY_LEN(names));
  json_decref(e);
  json_decref(o);
  /* A real number is not an integer. */
  o = json_pack("{s:s, s:f}", "username", "x", "age", 1.5);
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "age"), "Wrong type.");
  json_decref(e);
  json_decref(o);
}

static void test_validate_too_long(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:s}", "username", "123456789"); /* 9 > 8 */
  json_t *e = check(o, -1);
  assert_string_equal(jsonx_str(e, "username"), "Too long.");
  json_decref(e);
  json_decref(o);
  /* Length is in bytes: 5 Turkish letters of two bytes each = 10 > 8. */
  o = json_pack("{s:s}", "username", "ğğğğğ");
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "username"), "Too long.");
  json_decref(e);
  json_decref(o);
  /* max_len 0 means 4096. */
  char *s = xmalloc(4098);
  memset(s, 'x', 4097);
  s[4096] = 0;
  o = json_pack("{s:s, s:s}", "username", "x", "note", s);
  e = check(o, 0);
  json_decref(e);
  json_decref(o);
  s[4096] = 'x';
  s[4097] = 0;
  o = json_pack("{s:s, s:s}", "username", "x", "note", s);
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "note"), "Too long.");
  json_decref(e);
  json_decref(o);
  free(s);
  /* Arrays: max_len is the item limit. */
  o = json_pack("{s:s, s:[i,i,i]}", "username", "x", "tags", 1, 2, 3);
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "tags"), "Too many items.");
  json_decref(e);
  json_decref(o);
}

static void test_validate_embedded_nul(void **state)
{
  (void)state;
  json_t *o = json_object();
  json_object_set_new(o, "username", json_stringn("ad\0min", 6));
  json_t *e = check(o, -1);
  assert_string_equal(jsonx_str(e, "username"), "Invalid characters.");
  json_decref(e);
  json_object_set_new(o, "username", json_string("admin"));
  json_object_set_new(o, "note", json_stringn("\0", 1));
  e = check(o, -1);
  assert_string_equal(jsonx_str(e, "note"), "Invalid characters.");
  assert_null(json_object_get(e, "username"));
  json_decref(e);
  json_decref(o);
}

static void test_validate_reports_every_field(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:s, s:s}", "bogus", "1", "age", "x");
  json_t *e = check(o, -1);
  assert_non_null(json_object_get(e, "bogus"));
  assert_non_null(json_object_get(e, "age"));
  assert_non_null(json_object_get(e, "username"));
  assert_int_equal(json_object_size(e), 3);
  json_decref(e);
  json_decref(o);
}

static void test_accessors(void **state)
{
  (void)state;
  json_t *o = json_pack("{s:s, s:I, s:b, s:s}", "s", "v", "i", (json_int_t)INT64_MAX, "b", 1, "n", "12");
  assert_string_equal(jsonx_str(o, "s"), "v");
  assert_null(jsonx_str(o, "i"));
  assert_null(jsonx_str(o, "missing"));
  assert_null(jsonx_str(NULL, "s"));
  assert_int_equal(jsonx_int(o, "i", 0), INT64_MAX);
  assert_int_equal(jsonx_int(o, "n", -7), -7); /* a string is not an int */
  assert_true(jsonx_bool(o, "b", false));
  assert_false(jsonx_bool(o, "s", false));
  assert_true(jsonx_bool(o, "missing", true));
  jsonx_set_str(o, "s", NULL);
  assert_true(json_is_null(json_object_get(o, "s")));
  jsonx_set_str(o, "t", "yeni");
  assert_string_equal(jsonx_str(o, "t"), "yeni");
  json_decref(o);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_ok),
      cmocka_unit_test(test_decode_not_json),
      cmocka_unit_test(test_decode_not_object),
      cmocka_unit_test(test_decode_depth),
      cmocka_unit_test(test_depth_values),
      cmocka_unit_test(test_decode_duplicate_keys),
      cmocka_unit_test(test_validate_ok),
      cmocka_unit_test(test_validate_unknown_field),
      cmocka_unit_test(test_validate_missing_required),
      cmocka_unit_test(test_validate_wrong_type),
      cmocka_unit_test(test_validate_too_long),
      cmocka_unit_test(test_validate_embedded_nul),
      cmocka_unit_test(test_validate_reports_every_field),
      cmocka_unit_test(test_accessors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
