/* api.c - the netlog module's JSON routes: the archive's status and
 * alarms, source intervals, the audited query and evidence package (only
 * the dedicated access-log officer role), the verification report (JSON
 * or PDF), and the static address assignments. */
#define _GNU_SOURCE
#include "netlog_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/schema.h"
#include "../core/tr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum { TR_OFFSET_S = 3 * 3600 }; /* Türkiye: UTC+3 all year since 2016 */

int netlog_parse_moment(const char *s, int64_t *out)
{
  *out = 0;
  if (!s)
    return -1;
  size_t n = strlen(s);
  if (n < 10 || n > 40)
    return -1;
  char core[24] = "";
  int64_t offset = TR_OFFSET_S; /* no zone: Turkish time, as letters give it */
  size_t i = 10;
  if (n == 10) { /* a date alone: its midnight */
    memcpy(core, s, 10);
  } else {
    if (s[10] != 'T' && s[10] != ' ')
      return -1;
    i = 11;
    while (i < n && (isdigit((unsigned char)s[i]) || s[i] == ':'))
      i++;
    size_t tl = i - 11;
    if (tl != 5 && tl != 8)
      return -1;
    snprintf(core, sizeof core, "%.10sT%.*s%s", s, (int)tl, s + 11, tl == 5 ? ":00" : "");
    if (i < n && s[i] == '.') /* fractions of a second are ignored */
      for (i++; i < n && isdigit((unsigned char)s[i]); i++)
        ;
    if (i < n) {
      if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        offset = 0;
      } else if ((s[i] == '+' || s[i] == '-') && n - i == 6 && isdigit((unsigned char)s[i + 1]) &&
                 isdigit((unsigned char)s[i + 2]) && s[i + 3] == ':' && isdigit((unsigned char)s[i + 4]) &&
                 isdigit((unsigned char)s[i + 5])) {
        int64_t hh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0'), mm = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
        if (hh > 14 || mm > 59)
          return -1;
        offset = (hh * 3600 + mm * 60) * (s[i] == '-' ? -1 : 1);
      } else {
        return -1;
      }
    }
  }
  int64_t t;
  if (parse_iso8601(core, &t))
    return -1;
  *out = t - offset;
  return 0;
}

/* ---- status and alarms ------------------------------------------------------- */

int netlog_api_status(request *r)
{
  json_t *s = netlog_status_json(db_thread());
  if (!s)
    return -1;
  return http_json(r, 200, s);
}

int netlog_api_alarms(request *r)
{
  const char *all = req_query(r, "all");
  return http_json(r, 200, json_pack("{s:o}", "items", netlog_alarms_list(db_thread(), all && str_eq(all, "1"))));
}

int netlog_api_source_patch(request *r)
{
  static const struct jfield spec[] = {{"expected_seconds", JT_ANY, true, 0}};
  int64_t id = 0;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0)
    return http_error(r, 404, "not_found", _("No such log source."), NULL);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  json_t *v = json_object_get(in, "expected_seconds");
  bool reset = json_is_null(v);
  int64_t secs = json_is_integer(v) ? json_integer_value(v) : -1;
  json_decref(in);
  if (!reset && (secs < 0 || secs > 7 * 86400))
    return http_invalid(r, json_pack("{s:s}", "expected_seconds",
                                _("Seconds from 0 (never alarm) to 604800 (a week), or null for the default.")));
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int64_t before = -2;
  int rc = db_begin(d);
  if (!rc)
    rc = db_int(d, &before, "SELECT coalesce(expected_seconds, -1) FROM netlog_sources WHERE id = ?", "i", id) < 0;
  if (!rc && before == -2) {
    db_rollback(d);
    return http_error(r, 404, "not_found", _("No such log source."), NULL);
  }
  if (!rc)
    rc = reset ? db_run(d, "UPDATE netlog_sources SET expected_seconds = NULL WHERE id = ?", "i", id)
               : db_run(d, "UPDATE netlog_sources SET expected_seconds = ? WHERE id = ?", "ii", secs, id);
  json_t *b = json_pack("{s:I}", "expected_seconds", (json_int_t)before),
         *a = reset ? json_pack("{s:n}", "expected_seconds") : json_pack("{s:I}", "expected_seconds", (json_int_t)secs);
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", (long long)id);
  if (!rc)
    rc = audit_write(d, &who, "source.update", "netlog", ids, 0, b, a);
  json_decref(b);
  json_decref(a);
  if (!rc)
    rc = db_commit(d);
  else
    db_rollback(d);
  if (rc)
    return -1;
  return netlog_api_status(r);
}

/* ---- the query and its evidence package ------------------------------------------ */

/* Reads and checks {ip, port, at, reason[, segments]}; writes the 400
 * itself (returns 1). */
static int read_ask(request *r, struct netlog_ask *q, bool *segments)
{
  static const struct jfield spec[] = {
      {"ip", JT_STRING, true, 64},   {"port", JT_INT, false, 0},         {"at", JT_STRING, true, 40},
      {"reason", JT_STRING, true, 4000}, {"segments", JT_BOOL, false, 0},
  };
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 1;
  memset(q, 0, sizeof *q);
  q->ip = arena_strdup(r->a, jsonx_str(in, "ip"));
  q->port = (int)(json_is_integer(json_object_get(in, "port")) ? jsonx_int(in, "port", 0) : 0);
  if (jsonx_int(in, "port", 0) < 0 || jsonx_int(in, "port", 0) > 65535)
    q->port = -1;
  q->reason = arena_strdup(r->a, jsonx_str(in, "reason"));
  int64_t at = 0;
  bool at_ok = netlog_parse_moment(jsonx_str(in, "at"), &at) == 0;
  q->at = at_ok ? at : 0;
  if (segments)
    *segments = jsonx_bool(in, "segments", false);
  json_decref(in);
  json_t *f = netlog_ask_problems(q);
  if (f) {
    if (!at_ok)
      json_object_set_new(f, "at", json_string(_("Give the moment as 2026-11-22T14:05:00 (Turkish time) or with a "
                                                   "zone (Z, +03:00).")));
    http_invalid(r, f);
    return 1;
  }
  return 0;
}

int netlog_api_query(request *r)
{
  struct netlog_ask q;
  if (read_ask(r, &q, NULL))
    return 0;
  char why[256];
  struct actor who = audit_actor(r);
  json_t *ans = netlog_answer(db_thread(), &who, "query", &q, why, sizeof why);
  if (!ans)
    return http_error(r, 503, "unavailable", why, NULL);
  return http_json(r, 200, ans);
}

int netlog_api_export(request *r)
{
  struct netlog_ask q;
  bool segments = false;
  if (read_ask(r, &q, &segments))
    return 0;
  char why[256];
  struct actor who = audit_actor(r);
  db *d = db_thread();
  json_t *ans = netlog_answer(d, &who, "export", &q, why, sizeof why);
  if (!ans)
    return http_error(r, 503, "unavailable", why, NULL);
  buf zip;
  int rc = netlog_export_buf(d, ans, segments, &zip);
  json_decref(ans);
  if (rc) {
    bool big = zip.overflow;
    buf_free(&zip);
    if (big)
      return http_error(r, 413, "too_large",
                        _("The package is too large to download; use `defter netlog export` on the server."), NULL);
    return -1;
  }
  char at[32], name[160];
  fmt_iso8601(q.at, at);
  snprintf(name, sizeof name, "attachment; filename=\"5651-delil-%s-%.10s.zip\"", q.ip, at);
  for (char *p = name; *p; p++)
    if (*p == ':')
      *p = '-';
  http_header(r, "Content-Disposition", arena_strdup(r->a, name));
  http_text(r, 200, "application/zip", zip.data ? zip.data : "", zip.len);
  buf_free(&zip);
  return 0;
}

/* ---- verification ---------------------------------------------------------------- */

int netlog_api_verify(request *r)
{
  const char *from = req_query(r, "from"), *to = req_query(r, "to"), *format = req_query(r, "format");
  struct netlog_verify_opts o = {0};
  json_t *f = json_object();
  if (from && from[0] && netlog_parse_moment(from, &o.from))
    json_object_set_new(f, "from", json_string(_("Give a date or a date and time.")));
  if (to && to[0] && netlog_parse_moment(to, &o.to))
    json_object_set_new(f, "to", json_string(_("Give a date or a date and time.")));
  if (format && !str_eq(format, "json") && !str_eq(format, "pdf"))
    json_object_set_new(f, "format", json_string(_("json or pdf.")));
  if (json_object_size(f))
    return http_invalid(r, f);
  json_decref(f);
  db *d = db_thread();
  char dir[4200];
  if (netlog_dir(d, dir, sizeof dir))
    return -1;
  const struct netlog_settings *s = netlog_settings();
  o.ca_file = s->tsa.tsa[0].ca_file;
  o.fallback_ca_file = s->tsa.tsa[1].ca_file;
  json_t *rep = netlog_verify_report(dir, &o);
  if (!rep)
    return http_error(r, 503, "unavailable", _("The access-log archive cannot be read."), NULL);
  struct actor who = audit_actor(r);
  json_t *after = json_pack("{s:s, s:s, s:s, s:O, s:O, s:O}", "from", from ? from : "", "to", to ? to : "",
                            "format", format ? format : "json", "ok", json_object_get(rep, "ok"), "problems",
                            json_object_get(rep, "problems"), "segments_checked",
                            json_object_get(rep, "segments_checked"));
  int rc = db_begin(d);
  if (!rc)
    rc = audit_write(d, &who, "verify", "netlog", "archive", 0, NULL, after);
  if (!rc)
    rc = db_commit(d);
  else
    db_rollback(d);
  json_decref(after);
  if (rc) {
    json_decref(rep);
    return -1;
  }
  if (!format || !str_eq(format, "pdf"))
    return http_json(r, 200, rep);
  buf pdf;
  const char *inst = settings_get(d, r->a, "institution");
  rc = netlog_verify_pdf(rep, inst, now_unix(), &pdf);
  json_decref(rep);
  if (!rc) {
    char day[32];
    fmt_iso8601(now_unix(), day);
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"5651-dogrulama-%.10s.pdf\"", day));
    http_text(r, 200, "application/pdf", pdf.data ? pdf.data : "", pdf.len);
  }
  buf_free(&pdf);
  return rc ? -1 : 0;
}

/* ---- static assignments ------------------------------------------------------------ */

static json_t *static_json(db *d, int64_t id)
{
  db_stmt *q = db_q(d,
                    "SELECT s.id, s.ip, s.mac, s.holder, s.person_id, p.name, s.unit_id, u.name, s.device,"
                    " s.valid_from, s.valid_to, s.note, s.created_at FROM netlog_static s"
                    " LEFT JOIN org_people p ON p.id = s.person_id LEFT JOIN units u ON u.id = s.unit_id"
                    " WHERE s.id = ?",
                    "i", id);
  json_t *o = NULL;
  if (db_step(q) == DB_ROW) {
    char from[32], to[32];
    fmt_iso8601(db_col_int(q, 9), from);
    bool open = db_col_null(q, 10);
    if (!open)
      fmt_iso8601(db_col_int(q, 10), to);
    o = json_pack("{s:I, s:s, s:s?, s:s?, s:O, s:s?, s:O, s:s?, s:s?, s:s, s:s?, s:s?, s:b}", "id",
                  (json_int_t)db_col_int(q, 0), "ip", db_col_text(q, 1), "mac", db_col_text(q, 2), "holder",
                  db_col_text(q, 3), "person_id", db_col_null(q, 4) ? json_null() : json_integer(db_col_int(q, 4)),
                  "person", db_col_text(q, 5), "unit_id",
                  db_col_null(q, 6) ? json_null() : json_integer(db_col_int(q, 6)), "unit", db_col_text(q, 7),
                  "device", db_col_text(q, 8), "valid_from", from, "valid_to", open ? NULL : to, "note",
                  db_col_text(q, 11), "active", open || db_col_int(q, 10) > now_unix());
  }
  db_done(q);
  return o;
}

/* The end of a change to assignment id inside the open transaction: the
 * audit row (before stolen), commit, and the assignment as the reply. */
static int static_finish(request *r, db *d, const struct actor *who, int rc, const char *action, int64_t id,
                         json_t *before, int status)
{
  json_t *after = rc ? NULL : static_json(d, id);
  char ids[24];
  snprintf(ids, sizeof ids, "%lld", (long long)id);
  if (!rc)
    rc = audit_write(d, who, action, "netlog", ids, 0, before, after);
  json_decref(before);
  if (!rc)
    rc = db_commit(d);
  else
    db_rollback(d);
  if (rc) {
    json_decref(after);
    return -1;
  }
  return http_json(r, status, after);
}

int netlog_api_static_list(request *r)
{
  int64_t limit = 0, cursor = 0;
  if (req_paging(r, 100, 500, &limit, &cursor))
    return 0;
  const char *ip = req_query(r, "ip"), *active = req_query(r, "active");
  db *d = db_thread();
  db_stmt *q = db_q(d,
                    "SELECT id FROM netlog_static WHERE (? = 0 OR id < ?) AND (? IS NULL OR ip = ?)"
                    " AND (? = 0 OR valid_to IS NULL OR valid_to > ?) ORDER BY id DESC LIMIT ?",
                    "iittiii", cursor, cursor, ip && ip[0] ? ip : NULL, ip && ip[0] ? ip : NULL,
                    (int64_t)(active && str_eq(active, "1")), now_unix(), limit + 1);
  int64_t ids[501], n = 0;
  while (db_step(q) == DB_ROW && n <= limit)
    ids[n++] = db_col_int(q, 0);
  db_done(q);
  bool more = n > limit;
  if (more)
    n = limit;
  json_t *items = json_array();
  for (int64_t i = 0; i < n; i++) {
    json_t *o = static_json(d, ids[i]);
    if (o)
      json_array_append_new(items, o);
  }
  return http_json_page(r, items, more, n ? ids[n - 1] : 0);
}

/* "aa:bb:cc:dd:ee:ff" from the usual spellings (- . : or none), or NULL. */
static const char *norm_mac(arena *a, const char *s)
{
  char hex[13];
  size_t n = 0;
  for (; s && *s; s++) {
    if (*s == ':' || *s == '-' || *s == '.')
      continue;
    if (!isxdigit((unsigned char)*s) || n >= 12)
      return NULL;
    hex[n++] = (char)tolower((unsigned char)*s);
  }
  if (n != 12)
    return NULL;
  return arena_printf(a, "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s", hex, hex + 2, hex + 4, hex + 6, hex + 8, hex + 10);
}

/* The canonical text of an address (as devices log it), or NULL. */
static const char *norm_ip(arena *a, const char *s)
{
  unsigned char b[16];
  char out[INET6_ADDRSTRLEN];
  if (!s || strlen(s) > 64)
    return NULL;
  if (inet_pton(AF_INET, s, b) == 1)
    return arena_strdup(a, inet_ntop(AF_INET, b, out, sizeof out));
  if (inet_pton(AF_INET6, s, b) == 1)
    return arena_strdup(a, inet_ntop(AF_INET6, b, out, sizeof out));
  return NULL;
}

/* An optional one-line text field: cleaned, NULL when empty or invalid. */
static const char *opt_text(arena *a, const char *s, size_t max)
{
  const char *t = tr_text_clean(a, s, max, false);
  return t && t[0] ? t : NULL;
}

int netlog_api_static_add(request *r)
{
  static const struct jfield spec[] = {
      {"ip", JT_STRING, true, 64},        {"mac", JT_STRING, false, 40},  {"holder", JT_STRING, false, 400},
      {"person_id", JT_INT, false, 0},    {"unit_id", JT_INT, false, 0},  {"device", JT_STRING, false, 400},
      {"valid_from", JT_STRING, true, 40}, {"valid_to", JT_STRING, false, 40}, {"note", JT_STRING, false, 2000},
  };
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *f = json_object();
  const char *ip = norm_ip(r->a, jsonx_str(in, "ip"));
  const char *mac = jsonx_str(in, "mac") && jsonx_str(in, "mac")[0] ? norm_mac(r->a, jsonx_str(in, "mac")) : NULL;
  const char *holder = opt_text(r->a, jsonx_str(in, "holder"), 200);
  const char *device = opt_text(r->a, jsonx_str(in, "device"), 200);
  const char *note = opt_text(r->a, jsonx_str(in, "note"), 2000);
  int64_t person = jsonx_int(in, "person_id", 0), unit = jsonx_int(in, "unit_id", 0), from = 0, to = 0;
  if (!ip)
    json_object_set_new(f, "ip", json_string(_("Enter an IPv4 or IPv6 address.")));
  if (jsonx_str(in, "mac") && jsonx_str(in, "mac")[0] && !mac)
    json_object_set_new(f, "mac", json_string(_("A MAC address has 12 hexadecimal digits (aa:bb:cc:dd:ee:ff).")));
  if ((jsonx_str(in, "holder") && jsonx_str(in, "holder")[0] && !holder) ||
      (jsonx_str(in, "device") && jsonx_str(in, "device")[0] && !device) ||
      (jsonx_str(in, "note") && jsonx_str(in, "note")[0] && !note))
    json_object_set_new(f, "note", json_string(_("The text contains invalid characters.")));
  int64_t found = 0;
  if (person && (db_int(d, &found, "SELECT count(*) FROM org_people WHERE id = ?", "i", person) < 0 || !found))
    json_object_set_new(f, "person_id", json_string(_("No such person.")));
  if (unit && (db_int(d, &found, "SELECT count(*) FROM units WHERE id = ?", "i", unit) < 0 || !found))
    json_object_set_new(f, "unit_id", json_string(_("No such unit.")));
  if (!holder && !person && !unit)
    json_object_set_new(f, "holder", json_string(_("Name who holds the address: a person, a unit or a holder.")));
  if (netlog_parse_moment(jsonx_str(in, "valid_from"), &from))
    json_object_set_new(f, "valid_from", json_string(_("Give a date or a date and time.")));
  bool has_to = jsonx_str(in, "valid_to") && jsonx_str(in, "valid_to")[0];
  if (has_to && netlog_parse_moment(jsonx_str(in, "valid_to"), &to))
    json_object_set_new(f, "valid_to", json_string(_("Give a date or a date and time.")));
  else if (has_to && from && to <= from)
    json_object_set_new(f, "valid_to", json_string(_("The end must be after the start.")));
  json_decref(in);
  if (json_object_size(f))
    return http_invalid(r, f);
  json_decref(f);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  int64_t overlap = 0;
  if (!rc)
    rc = db_int(d, &overlap,
                "SELECT count(*) FROM netlog_static WHERE ip = ? AND (valid_to IS NULL OR valid_to > ?)"
                " AND (? = 0 OR valid_from < ?)",
                "tiii", ip, from, (int64_t)has_to, to) < 0;
  if (!rc && overlap) {
    db_rollback(d);
    return http_error(r, 409, "overlap",
                      _("This address is already assigned for part of that period; end that assignment first."),
                      NULL);
  }
  int64_t now = now_unix();
  if (!rc)
    rc = db_run(d,
                "INSERT INTO netlog_static (ip, mac, holder, person_id, unit_id, device, valid_from, valid_to, note,"
                " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "tttIItiItiii", ip, mac, holder, person, unit, device, from, has_to ? to : 0, note, r->user->id, now,
                now);
  int64_t id = rc ? 0 : db_last_id(d);
  return static_finish(r, d, &who, rc, "static.create", id, NULL, 201);
}

int netlog_api_static_patch(request *r)
{
  static const struct jfield spec[] = {
      {"valid_to", JT_STRING, false, 40}, {"note", JT_STRING, false, 2000}, {"device", JT_STRING, false, 400},
      {"holder", JT_STRING, false, 400},
  };
  int64_t id = 0;
  db *d = db_thread();
  json_t *before = NULL;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0 || !(before = static_json(d, id)))
    return http_error(r, 404, "not_found", _("No such assignment."), NULL);
  json_t *in = req_json(r, spec, ARRAY_LEN(spec));
  if (!in) {
    json_decref(before);
    return 0;
  }
  json_t *f = json_object();
  int64_t from = 0, to = 0;
  (void)!parse_iso8601(jsonx_str(before, "valid_from"), &from);
  const char *to_s = jsonx_str(in, "valid_to");
  if (to_s && (netlog_parse_moment(to_s, &to) || to <= from))
    json_object_set_new(f, "valid_to", json_string(_("The end must be a date after the start.")));
  if (to_s && jsonx_str(before, "valid_to"))
    json_object_set_new(f, "valid_to", json_string(_("This assignment has already ended; register a new one.")));
  const char *note = opt_text(r->a, jsonx_str(in, "note"), 2000), *device = opt_text(r->a, jsonx_str(in, "device"), 200),
             *holder = opt_text(r->a, jsonx_str(in, "holder"), 200);
  if ((jsonx_str(in, "note") && jsonx_str(in, "note")[0] && !note) ||
      (jsonx_str(in, "device") && jsonx_str(in, "device")[0] && !device) ||
      (jsonx_str(in, "holder") && jsonx_str(in, "holder")[0] && !holder))
    json_object_set_new(f, "note", json_string(_("The text contains invalid characters.")));
  bool set_note = json_object_get(in, "note"), set_device = json_object_get(in, "device"),
       set_holder = json_object_get(in, "holder");
  json_decref(in);
  if (json_object_size(f)) {
    json_decref(before);
    return http_invalid(r, f);
  }
  json_decref(f);
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc && to_s)
    rc = db_run(d, "UPDATE netlog_static SET valid_to = ?, updated_at = ? WHERE id = ?", "iii", to, now_unix(), id);
  if (!rc && set_note)
    rc = db_run(d, "UPDATE netlog_static SET note = ?, updated_at = ? WHERE id = ?", "tii", note, now_unix(), id);
  if (!rc && set_device)
    rc = db_run(d, "UPDATE netlog_static SET device = ?, updated_at = ? WHERE id = ?", "tii", device, now_unix(), id);
  if (!rc && set_holder)
    rc = db_run(d, "UPDATE netlog_static SET holder = ?, updated_at = ? WHERE id = ?", "tii", holder, now_unix(), id);
  return static_finish(r, d, &who, rc, "static.update", id, before, 200);
}
