/* answer.c - the audited answer to "who had this address then", shared by
 * `defter netlog query` and the API: checks the question, writes it and
 * its reason to the audit trail first, then reads the archive and adds
 * the static assignments registered for the address. Also the module's
 * settings from [netlog]. */
#define _GNU_SOURCE
#include "netlog_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"

#include <arpa/inet.h>
#include <string.h>

static struct netlog_settings cfg = {
    .lease_s = 86400,
    .window_s = 600,
    .silent_minutes = 60,
    .disk_min_percent = 10,
    .clock_max_error_ms = 1000,
    .stale_s = 300,
    .alarm_mail = "",
};

void netlog_configure(const config *c)
{
  cfg.lease_s = config_int(c, "netlog.lease_seconds", 86400);
  cfg.window_s = config_int(c, "netlog.nat_window_seconds", 600);
  cfg.silent_minutes = config_int(c, "netlog.silent_minutes", 60);
  if (cfg.silent_minutes < 1)
    cfg.silent_minutes = 60;
  cfg.disk_min_percent = config_int(c, "netlog.disk_min_free_percent", 10);
  cfg.clock_max_error_ms = config_int(c, "netlog.clock_max_error_ms", 1000);
  cfg.stale_s = config_int(c, "netlog.status_stale_seconds", 300);
  if (cfg.stale_s < 10)
    cfg.stale_s = 300;
  cfg.alarm_mail = config_get(c, "netlog.alarm_mail", "");
  netlog_tsa_config(c, &cfg.tsa);
}

const struct netlog_settings *netlog_settings(void)
{
  return &cfg;
}

int netlog_dir(db *d, char *out, size_t n)
{
  char data[4096];
  if (files_data_dir(d, data, sizeof data))
    return -1;
  int w = snprintf(out, n, "%s/netlog", data);
  return w < 0 || (size_t)w >= n ? -1 : 0;
}

json_t *netlog_ask_problems(const struct netlog_ask *q)
{
  json_t *f = json_object();
  unsigned char addr[16];
  if (!q->ip || strlen(q->ip) >= NETLOG_IP_MAX ||
      (inet_pton(AF_INET, q->ip, addr) != 1 && inet_pton(AF_INET6, q->ip, addr) != 1))
    json_object_set_new(f, "ip", json_string(_("Enter an IPv4 or IPv6 address.")));
  if (q->port < 0 || q->port > 65535)
    json_object_set_new(f, "port", json_string(_("A port is a number from 1 to 65535.")));
  if (q->at <= 0)
    json_object_set_new(f, "at", json_string(_("Enter the moment asked about (date and time).")));
  size_t rl = q->reason ? strlen(q->reason) : 0;
  if (!rl || rl > 1000 || !utf8_valid(q->reason, rl))
    json_object_set_new(f, "reason",
                        json_string(_("State the reason for the query (e.g. the prosecutor's letter number), "
                                      "at most 1000 characters.")));
  if (json_object_size(f))
    return f;
  json_decref(f);
  return NULL;
}

/* The static assignments of ip covering at. */
static json_t *statics_at(db *d, const char *ip, int64_t at)
{
  json_t *out = json_array();
  db_stmt *st = db_q(d,
                     "SELECT s.id, s.ip, s.mac, s.holder, p.name, u.name, s.device, s.valid_from, s.valid_to, s.note"
                     " FROM netlog_static s LEFT JOIN org_people p ON p.id = s.person_id"
                     " LEFT JOIN units u ON u.id = s.unit_id"
                     " WHERE s.ip = ? AND s.valid_from <= ? AND (s.valid_to IS NULL OR s.valid_to > ?) ORDER BY s.id",
                     "tii", ip, at, at);
  while (db_step(st) == DB_ROW) {
    char from[32], to[32];
    fmt_iso8601(db_col_int(st, 7), from);
    bool open = db_col_null(st, 8);
    if (!open)
      fmt_iso8601(db_col_int(st, 8), to);
    json_t *o = json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s, s:s?, s:s?}", "id",
                          (json_int_t)db_col_int(st, 0), "ip", db_col_text(st, 1), "mac", db_col_text(st, 2), "holder",
                          db_col_text(st, 3), "person", db_col_text(st, 4), "unit", db_col_text(st, 5), "device",
                          db_col_text(st, 6), "valid_from", from, "valid_to", open ? NULL : to, "note",
                          db_col_text(st, 9));
    if (o)
      json_array_append_new(out, o);
  }
  db_done(st);
  return out;
}

json_t *netlog_answer(db *d, const struct actor *who, const char *action, const struct netlog_ask *q, char *why,
                      size_t whylen)
{
  char dir[4200];
  if (netlog_dir(d, dir, sizeof dir)) {
    snprintf(why, whylen, "%s", _("The data directory is unknown."));
    return NULL;
  }
  char at_s[32];
  fmt_iso8601(q->at, at_s);
  /* the question is on the record before any answer exists */
  json_t *asked = json_pack("{s:s, s:i, s:s, s:s}", "ip", q->ip, "port", q->port, "at", at_s, "reason", q->reason);
  int rc = db_begin(d);
  if (!rc)
    rc = audit_write(d, who, action, "netlog", q->ip, 0, NULL, asked);
  if (!rc)
    rc = db_commit(d);
  else
    db_rollback(d);
  if (rc) {
    json_decref(asked);
    snprintf(why, whylen, "%s", _("The audit trail cannot be written; no answer is given."));
    return NULL;
  }
  const struct netlog_settings *s = netlog_settings();
  struct netlog_query nq = {.ip = q->ip, .port = q->port, .at = q->at, .lease_s = s->lease_s, .window_s = s->window_s};
  json_t *ans = netlog_query_run(dir, &nq);
  if (!ans) {
    json_decref(asked);
    snprintf(why, whylen, "%s", _("The access-log archive cannot be read."));
    return NULL;
  }
  json_t *st = statics_at(d, q->ip, q->at);
  if (json_array_size(st))
    json_object_set_new(ans, "found", json_true());
  json_object_set_new(ans, "static", st);
  json_object_set_new(ans, "query", asked);
  return ans;
}
