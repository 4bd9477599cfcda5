/* jsonx.c - JSON body decoding and validation. Outside input: every
 * limit is checked and failures are values, not crashes. */
#include "jsonx.h"
#include "i18n.h"

#include <string.h>

int jsonx_depth(const json_t *v)
{
  int max = 0;
  if (json_is_object(v)) {
    const char *k;
    json_t *x;
    json_object_foreach((json_t *)v, k, x) {
      int d = jsonx_depth(x);
      if (d > max)
        max = d;
      if (max > JSON_MAX_DEPTH)
        break;
    }
    return max + 1;
  }
  if (json_is_array(v)) {
    size_t i;
    json_t *x;
    json_array_foreach((json_t *)v, i, x) {
      int d = jsonx_depth(x);
      if (d > max)
        max = d;
      if (max > JSON_MAX_DEPTH)
        break;
    }
    return max + 1;
  }
  return 1;
}

json_t *jsonx_decode_body(const char *data, size_t len, const char **err)
{
  json_error_t je;
  *err = NULL;
  if (!data || len == 0) {
    *err = "malformed";
    return NULL;
  }
  json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
  if (!v) {
    *err = "malformed";
    return NULL;
  }
  if (!json_is_object(v) || jsonx_depth(v) > JSON_MAX_DEPTH) {
    json_decref(v);
    *err = "malformed";
    return NULL;
  }
  return v;
}

void jsonx_field_error(json_t *errors, const char *field, const char *msg)
{
  if (errors && !json_object_get(errors, field))
    json_object_set_new(errors, field, json_string(msg));
}

int jsonx_validate(json_t *obj, const struct jfield *fields, size_t n, json_t *errors)
{
  int bad = 0;
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    size_t i;
    for (i = 0; i < n; i++)
      if (strcmp(fields[i].name, k) == 0)
        break;
    if (i == n) {
      jsonx_field_error(errors, k, _("Unknown field."));
      bad = 1;
    }
  }
  for (size_t i = 0; i < n; i++) {
    const struct jfield *f = &fields[i];
    json_t *x = json_object_get(obj, f->name);
    if (!x || json_is_null(x)) {
      if (f->required) {
        jsonx_field_error(errors, f->name, _("This field is required."));
        bad = 1;
      }
      continue;
    }
    bool ok = true;
    switch (f->type) {
    case JT_STRING: ok = json_is_string(x); break;
    case JT_INT: ok = json_is_integer(x); break;
    case JT_BOOL: ok = json_is_boolean(x); break;
    case JT_OBJECT: ok = json_is_object(x); break;
    case JT_ARRAY: ok = json_is_array(x); break;
    case JT_ANY: ok = true; break;
    }
    if (!ok) {
      jsonx_field_error(errors, f->name, _("Wrong type."));
      bad = 1;
      continue;
    }
    if (f->type == JT_STRING) {
      size_t max = f->max_len ? f->max_len : 4096;
      size_t len = json_string_length(x);
      if (len > max) {
        jsonx_field_error(errors, f->name, _("Too long."));
        bad = 1;
      } else if (f->required && len == 0) {
        jsonx_field_error(errors, f->name, _("This field is required."));
        bad = 1;
      } else if (memchr(json_string_value(x), 0, len)) {
        jsonx_field_error(errors, f->name, _("Invalid characters."));
        bad = 1;
      }
    }
    if (f->type == JT_ARRAY && f->max_len && json_array_size(x) > f->max_len) {
      jsonx_field_error(errors, f->name, _("Too many items."));
      bad = 1;
    }
  }
  return bad ? -1 : 0;
}

const char *jsonx_str(const json_t *obj, const char *key)
{
  json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t jsonx_int(const json_t *obj, const char *key, int64_t def)
{
  json_t *v = json_object_get(obj, key);
  return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}

bool jsonx_bool(const json_t *obj, const char *key, bool def)
{
  json_t *v = json_object_get(obj, key);
  return json_is_boolean(v) ? json_is_true(v) : def;
}

void jsonx_set_str(json_t *obj, const char *key, const char *s)
{
  json_object_set_new(obj, key, s ? json_string(s) : json_null());
}

static bool valid_utf8(const unsigned char *p)
{
  while (*p) {
    unsigned c = *p;
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (!len)
      return false;
    for (size_t i = 1; i < len; i++)
      if ((p[i] & 0xC0) != 0x80)
        return false;
    if ((len == 2 && c < 0xC2) || (len == 3 && c == 0xE0 && p[1] < 0xA0) || (len == 3 && c == 0xED && p[1] > 0x9F) ||
        (len == 4 && ((c == 0xF0 && p[1] < 0x90) || c > 0xF4 || (c == 0xF4 && p[1] > 0x8F))))
      return false;
    p += len;
  }
  return true;
}

void jsonx_buf_str(buf *b, const char *s)
{
  if (!s || !valid_utf8((const unsigned char *)s)) {
    buf_puts(b, "null");
    return;
  }
  buf_puts(b, "\"");
  const char *run = s;
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    buf_append(b, run, (size_t)(p - run));
    if (c == '"')
      buf_puts(b, "\\\"");
    else if (c == '\\')
      buf_puts(b, "\\\\");
    else if (c == '\n')
      buf_puts(b, "\\n");
    else if (c == '\r')
      buf_puts(b, "\\r");
    else if (c == '\t')
      buf_puts(b, "\\t");
    else
      buf_printf(b, "\\u%04x", c);
    run = p + 1;
  }
  buf_puts(b, run);
  buf_puts(b, "\"");
}

void jsonx_buf_key(buf *b, const char *key, bool first)
{
  if (!first)
    buf_puts(b, ",");
  jsonx_buf_str(b, key);
  buf_puts(b, ":");
}

void jsonx_set_time(json_t *obj, const char *key, int64_t t)
{
  char b[32];
  if (!t) {
    json_object_set_new(obj, key, json_null());
    return;
  }
  fmt_iso8601(t, b);
  json_object_set_new(obj, key, json_string(b));
}

const char *jsonx_text(const json_t *obj, const char *key)
{
  const char *s = jsonx_str(obj, key);
  return s ? s : "";
}
