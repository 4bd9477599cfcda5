/* common.c - what every part of the access module shares: error replies,
 * Istanbul dates, text checks, user references and audit rows. */
#include "access_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int access_fail(struct access_err *e, int status, const char *code, const char *message)
{
  e->status = status;
  e->code = code;
  e->message = message;
  return status;
}

void access_field(struct access_err *e, const char *field, const char *message)
{
  if (!e->fields)
    e->fields = json_object();
  if (!json_object_get(e->fields, field))
    json_object_set_new(e->fields, field, json_string(message));
  access_fail(e, 400, "validation", _("Some fields are invalid."));
}

int access_reply_err(request *r, struct access_err *e)
{
  json_t *f = e->fields;
  e->fields = NULL;
  return http_error(r, e->status ? e->status : 400, e->code ? e->code : "validation",
                    e->message ? e->message : _("Some fields are invalid."), f);
}

int64_t access_route_id(request *r, const char *name)
{
  int64_t id = 0;
  const char *s = req_param(r, name);
  if (!s || parse_i64(s, &id) || id <= 0)
    return 0;
  return id;
}

/* ---- dates ------------------------------------------------------------------ */

void access_day_from_today(int days, char out[11])
{
  time_t t = (time_t)(now_unix() + 3 * 3600 + (int64_t)days * 86400);
  struct tm tm;
  gmtime_r(&t, &tm);
  /* the bounds keep the text at 10 bytes */
  int y = tm.tm_year + 1900, m = tm.tm_mon + 1, d = tm.tm_mday;
  snprintf(out, 11, "%04d-%02d-%02d", y < 0 ? 0 : y > 9999 ? 9999 : y, m < 1 ? 1 : m > 12 ? 12 : m,
           d < 1 ? 1 : d > 31 ? 31 : d);
}

void access_today(char out[11])
{
  access_day_from_today(0, out);
}

bool access_date_ok(const char *s)
{
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
      return false;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
    return false;
  int max = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
  return d <= max;
}

/* ---- text ------------------------------------------------------------------- */

const char *access_trim(arena *a, const char *s)
{
  if (!s)
    return NULL;
  while (*s && isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return arena_strndup(a, s, n);
}

void access_check_text(struct access_err *e, const char *field, const char *s, size_t max, bool required)
{
  if (!s || !*s) {
    if (required)
      access_field(e, field, _("This field is required."));
    return;
  }
  size_t n = strlen(s);
  if (n > max)
    access_field(e, field, _("Too long."));
  else if (!utf8_valid(s, n))
    access_field(e, field, _("Invalid characters."));
}

/* ---- users and audit -------------------------------------------------------- */

json_t *access_user_json(db *d, int64_t id)
{
  json_t *o = json_null();
  if (!id)
    return o;
  db_stmt *st = db_q(d, "SELECT username, display_name FROM users WHERE id = ?", "i", id);
  if (db_step(st) == DB_ROW) {
    json_decref(o);
    o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    jsonx_set_str(o, "username", db_col_text(st, 0));
    jsonx_set_str(o, "display_name", db_col_text(st, 1));
  }
  db_done(st);
  return o;
}

bool access_user_active(db *d, int64_t id)
{
  int64_t one;
  return id > 0 && db_int(d, &one, "SELECT 1 FROM users WHERE id = ? AND active = 1", "i", id) == DB_ROW;
}

int access_audit(db *d, const struct actor *who, const char *action, const char *entity, int64_t id,
                 int64_t unit_id, json_t *before, json_t *after)
{
  char idtxt[32];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
  return audit_write(d, who, action, entity, idtxt, unit_id, before, after);
}
