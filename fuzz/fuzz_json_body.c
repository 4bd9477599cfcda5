/* fuzz_json_body.c - request bodies: jsonx_decode_body, then
 * jsonx_validate against a field table like the API's. Checks the
 * invariants the handlers rely on, and that nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/jsonx.h"

static const struct jfield fields[] = {
    {"username", JT_STRING, true, 64},
    {"password", JT_STRING, false, 256},
    {"role", JT_STRING, false, 0},
    {"unit", JT_INT, false, 0},
    {"active", JT_BOOL, false, 0},
    {"tags", JT_ARRAY, false, 4},
    {"meta", JT_OBJECT, false, 0},
    {"extra", JT_ANY, false, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *err = NULL;
  json_t *v = jsonx_decode_body((const char *)data, size, &err);
  if (!v) {
    if (!err || strcmp(err, "malformed") != 0)
      abort();
    return 0;
  }
  if (err || !json_is_object(v) || jsonx_depth(v) > JSON_MAX_DEPTH)
    abort();
  json_t *errors = json_object();
  int rc = jsonx_validate(v, fields, sizeof fields / sizeof fields[0], errors);
  /* Valid exactly when no field was named; the same answer without the
   * errors object. */
  if ((rc == 0) != (json_object_size(errors) == 0))
    abort();
  if (jsonx_validate(v, fields, sizeof fields / sizeof fields[0], NULL) != rc)
    abort();
  const char *k;
  json_t *msg;
  json_object_foreach(errors, k, msg) {
    if (!json_is_string(msg) || json_string_length(msg) == 0)
      abort();
  }
  if (rc == 0) {
    /* What the handlers then read must hold what was validated. */
    const char *u = jsonx_str(v, "username");
    if (!u || !*u || strlen(u) > 64)
      abort();
    (void)jsonx_int(v, "unit", 0);
    (void)jsonx_bool(v, "active", false);
  }
  json_decref(errors);
  json_decref(v);
  return 0;
}
