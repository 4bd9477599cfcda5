/* jsonx.h - JSON on top of jansson with one ownership rule: a function
 * that takes a json_t* argument named "steal_*" takes the reference;
 * every other function borrows. Builders use only the *_new setters.
 *
 * Also the bounded request-body decoder with field validation (unknown
 * fields rejected, types and lengths checked, messages in the user's
 * language). */
#ifndef DEFTER_JSONX_H
#define DEFTER_JSONX_H

#include <jansson.h>
#include "util.h"

enum { JSON_MAX_DEPTH = 32 };

enum jtype { JT_STRING, JT_INT, JT_BOOL, JT_OBJECT, JT_ARRAY, JT_ANY };

struct jfield {
  const char *name;
  enum jtype type;
  bool required;
  size_t max_len;  /* strings: maximum bytes (0 = 4096); arrays: max items */
};

/* Decodes a request body into an object. On failure returns NULL and sets
 * *err to a reason code: "malformed" (not JSON / too deep / not an
 * object). The caller owns the returned reference. */
json_t *jsonx_decode_body(const char *data, size_t len, const char **err);

/* Checks obj against fields: unknown keys, missing required keys, wrong
 * types, over-long strings. Returns 0 when valid; otherwise -1 and, if
 * errors is non-NULL, adds "field": "message" pairs to it. */
int jsonx_validate(json_t *obj, const struct jfield *fields, size_t n, json_t *errors) WUR;

/* Depth of a JSON value (scalars are 1). */
int jsonx_depth(const json_t *v);

/* Borrowing accessors that tolerate missing keys. */
const char *jsonx_str(const json_t *obj, const char *key);
/* Adds msg for field to a validation error object (the first message of
 * a field wins; NULL errors: nothing). */
void jsonx_field_error(json_t *errors, const char *field, const char *msg);
/* jsonx_str, or "" when the key is missing or not a string. */
const char *jsonx_text(const json_t *obj, const char *key);
int64_t jsonx_int(const json_t *obj, const char *key, int64_t def);
bool jsonx_bool(const json_t *obj, const char *key, bool def);

/* Writing JSON text straight into a buffer, for hot lists where building
 * jansson objects costs more than the query: a quoted, escaped string
 * (null for NULL or text that is not valid UTF-8), and "key": prefixes. */
void jsonx_buf_str(buf *b, const char *s);
void jsonx_buf_key(buf *b, const char *key, bool first);

/* Sets obj[key] to a string, or to null when s is NULL. */
void jsonx_set_str(json_t *obj, const char *key, const char *s);
/* Sets obj[key] to the ISO 8601 UTC form of unix time t, null when 0. */
void jsonx_set_time(json_t *obj, const char *key, int64_t t);

#endif
