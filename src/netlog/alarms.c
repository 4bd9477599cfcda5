/* alarms.c - watching the archive (CBDDO 3.1.8: a log source that goes
 * silent must be noticed): the collector not running, a source silent
 * longer than its expected interval, the disk filling, the clock not
 * synchronised by NTP or drifting, time stamps failing or taken from the
 * fallback authority, Kamu SM credits running out, lines dropped. The
 * `netlog.watch` job raises and clears alarms (audited, mailed to
 * [netlog] alarm_mail); the status page reads the same figures live. */
#define _GNU_SOURCE
#include "netlog_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/mail.h"

#include <stdarg.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/timex.h>

enum { MAX_CONDITIONS = 1100 };

/* The collector's status.json, or NULL when there is none. */
static json_t *collector_status(const char *dir)
{
  char path[NETLOG_PATH_MAX];
  if (snprintf(path, sizeof path, "%s/status.json", dir) >= (int)sizeof path)
    return NULL;
  json_t *s = json_load_file(path, 0, NULL);
  if (s && !json_is_object(s)) {
    json_decref(s);
    return NULL;
  }
  return s;
}

static json_t *disk_json(const char *dir)
{
  struct statvfs v;
  if (statvfs(dir, &v))
    return json_null();
  uint64_t total = (uint64_t)v.f_blocks * v.f_frsize, avail = (uint64_t)v.f_bavail * v.f_frsize;
  int pct = total ? (int)(avail * 100 / total) : 0;
  return json_pack("{s:I, s:I, s:i}", "total_bytes", (json_int_t)total, "free_bytes", (json_int_t)avail,
                   "free_percent", pct);
}

/* The kernel's NTP state (adjtimex): synchronised, and the estimated
 * error. Read only (modes 0). */
static json_t *clock_json(void)
{
  struct timex tx = {.modes = 0};
  int st = adjtimex(&tx);
  if (st < 0)
    return json_null();
  bool synced = st != TIME_ERROR && !(tx.status & STA_UNSYNC);
  return json_pack("{s:b, s:I, s:I}", "synced", synced, "est_error_ms", (json_int_t)(tx.esterror / 1000),
                   "max_error_ms", (json_int_t)(tx.maxerror / 1000));
}

struct cond {
  const char *kind, *subject;
  char detail[256];
};

struct conds {
  struct cond c[MAX_CONDITIONS];
  size_t n;
};

static void cond_add(struct conds *cs, const char *kind, const char *subject, const char *fmt, ...) PRINTF(4, 5);
static void cond_add(struct conds *cs, const char *kind, const char *subject, const char *fmt, ...)
{
  if (cs->n >= MAX_CONDITIONS)
    return;
  struct cond *c = &cs->c[cs->n++];
  c->kind = kind;
  c->subject = subject ? subject : "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->detail, sizeof c->detail, fmt, ap);
  va_end(ap);
}

/* Takes the collector's sources into netlog_sources (the table keeps a
 * source the collector forgot when it restarted). */
static int merge_sources(db *d, const json_t *status)
{
  const char *name;
  json_t *v;
  json_object_foreach(json_object_get(status, "sources"), name, v)
  {
    int64_t last = jsonx_int(v, "last", 0), lines = jsonx_int(v, "lines", 0);
    if (!last || strlen(name) > 200)
      continue;
    if (db_run(d,
               "INSERT INTO netlog_sources (name, first_seen, last_seen, lines) VALUES (?, ?, ?, ?)"
               " ON CONFLICT(name) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen),"
               " lines = excluded.lines",
               "tiii", name, last, last, lines))
      return -1;
  }
  return 0;
}

static void conditions(db *d, const char *dir, int64_t now, struct conds *cs)
{
  const struct netlog_settings *s = netlog_settings();
  json_t *st = collector_status(dir);
  int64_t updated = jsonx_int(st, "updated", 0);
  char at[32];
  if (!st || now - updated > s->stale_s || jsonx_int(st, "stopped", 0)) {
    fmt_iso8601(updated, at);
    cond_add(cs, "collector", NULL, "%s", st ? at : "-");
  }
  db_stmt *q = db_q(d, "SELECT name, last_seen, coalesce(expected_seconds, ?) FROM netlog_sources ORDER BY name", "i",
                    s->silent_minutes * 60);
  while (db_step(q) == DB_ROW) {
    int64_t last = db_col_int(q, 1), limit = db_col_int(q, 2);
    if (limit > 0 && now - last > limit) {
      fmt_iso8601(last, at);
      cond_add(cs, "silent", xstrdup(db_col_text(q, 0)), "%s", at);
    }
  }
  db_done(q);
  json_t *disk = disk_json(dir);
  if (json_is_object(disk) && jsonx_int(disk, "free_percent", 100) < s->disk_min_percent)
    cond_add(cs, "disk", NULL, "%lld%%", (long long)jsonx_int(disk, "free_percent", 0));
  json_decref(disk);
  json_t *clk = clock_json();
  if (json_is_object(clk) && !jsonx_bool(clk, "synced", false))
    cond_add(cs, "clock", NULL, "unsynchronised");
  else if (json_is_object(clk) && jsonx_int(clk, "est_error_ms", 0) > s->clock_max_error_ms)
    cond_add(cs, "clock", NULL, "%lld ms", (long long)jsonx_int(clk, "est_error_ms", 0));
  json_decref(clk);
  if (st) {
    const json_t *tsa = json_object_get(st, "tsa");
    if (jsonx_int(st, "stamps_pending", 0) > 0 && jsonx_int(st, "stamp_failures", 0) > 0)
      cond_add(cs, "tsa", NULL, "%s", jsonx_str(tsa, "last_error") ? jsonx_str(tsa, "last_error") : "");
    if (jsonx_int(tsa, "fallback_stamps", 0) > 0)
      cond_add(cs, "tsa_fallback", NULL, "%lld", (long long)jsonx_int(tsa, "fallback_stamps", 0));
    int64_t credits = jsonx_int(tsa, "credits", -1);
    if (s->tsa.tsa[0].user[0] && jsonx_int(tsa, "credits_checked", 0) > 0 && credits >= 0 &&
        credits < s->tsa.credit_min)
      cond_add(cs, "credits", NULL, "%lld", (long long)credits);
    if (jsonx_int(st, "dropped", 0) > 0)
      cond_add(cs, "dropped", NULL, "%lld", (long long)jsonx_int(st, "dropped", 0));
  }
  json_decref(st);
}

static const struct {
  const char *kind, *title;
} alarm_titles[] = {
    {"collector", N_("The collector is not running (its status is not being updated)")},
    {"silent", N_("A log source has gone silent")},
    {"disk", N_("The archive's disk is filling up")},
    {"clock", N_("The clock is not synchronised by NTP or drifts")},
    {"tsa", N_("Time stamps are failing; segments wait for their seal")},
    {"tsa_fallback", N_("Segments were stamped by the fallback time-stamp authority")},
    {"credits", N_("Kamu SM time-stamp credits are running out")},
    {"dropped", N_("The collector dropped lines it could not take")},
};

const char *netlog_alarm_title(const char *kind)
{
  for (size_t i = 0; i < ARRAY_LEN(alarm_titles); i++)
    if (str_eq(alarm_titles[i].kind, kind))
      return _(alarm_titles[i].title);
  return kind;
}

/* Mails an alarm to every [netlog] alarm_mail address. */
static int mail_alarm(db *d, const struct cond *c, bool raised)
{
  const char *list = netlog_settings()->alarm_mail;
  char subject[400], body[1200], one[256];
  snprintf(subject, sizeof subject, "[defter 5651] %s: %s%s%s", raised ? _("ALARM") : _("Cleared"),
           netlog_alarm_title(c->kind), c->subject[0] ? " — " : "", c->subject);
  snprintf(body, sizeof body, "%s\n%s: %s\n%s: %s\n", netlog_alarm_title(c->kind), _("Subject"),
           c->subject[0] ? c->subject : "-", _("Detail"), c->detail);
  const char *p = list;
  while (*p) {
    size_t n = strcspn(p, " ,;");
    if (n && n < sizeof one) {
      memcpy(one, p, n);
      one[n] = '\0';
      int mrc = mail_enqueue(d, one, subject, body, "netlog.alarm");
      if (mrc != MAIL_OK)
        log_warn("netlog: alarm mail refused", "to=%s", one);
    }
    p += n;
    while (*p == ' ' || *p == ',' || *p == ';')
      p++;
  }
  return 0;
}

int netlog_job_watch(db *d)
{
  char dir[4200];
  if (netlog_dir(d, dir, sizeof dir))
    return -1;
  int64_t now = now_unix();
  struct conds *cs = xcalloc(1, sizeof *cs);
  struct actor sys = audit_system("netlog.watch");
  int rc = db_begin(d);
  json_t *st = rc ? NULL : collector_status(dir);
  if (!rc && st)
    rc = merge_sources(d, st);
  json_decref(st);
  if (!rc)
    conditions(d, dir, now, cs);
  /* raise what is new */
  for (size_t i = 0; i < cs->n && !rc; i++) {
    const struct cond *c = &cs->c[i];
    int64_t open = 0;
    rc = db_int(d, &open, "SELECT count(*) FROM netlog_alarms WHERE kind = ? AND subject = ? AND cleared_at IS NULL",
                "tt", c->kind, c->subject) < 0;
    if (rc || open)
      continue;
    rc = db_run(d, "INSERT INTO netlog_alarms (kind, subject, detail, raised_at) VALUES (?, ?, ?, ?)", "ttti",
                c->kind, c->subject, c->detail, now);
    json_t *after = json_pack("{s:s, s:s, s:s}", "kind", c->kind, "subject", c->subject, "detail", c->detail);
    if (!rc)
      rc = audit_write(d, &sys, "alarm.raise", "netlog", c->kind, 0, NULL, after);
    json_decref(after);
    if (!rc)
      rc = mail_alarm(d, c, true);
    if (!rc)
      log_warn("netlog: alarm raised", "kind=%s subject=\"%s\" detail=\"%s\"", c->kind, c->subject, c->detail);
  }
  /* clear what no longer holds */
  db_stmt *q = rc ? NULL : db_q(d, "SELECT id, kind, subject, detail FROM netlog_alarms WHERE cleared_at IS NULL", "");
  int64_t ids[256];
  struct cond *cleared = xcalloc(ARRAY_LEN(ids), sizeof *cleared);
  size_t ng = 0;
  while (q && db_step(q) == DB_ROW && ng < ARRAY_LEN(ids)) {
    const char *k = db_col_text(q, 1), *sub = db_col_text(q, 2);
    bool holds = false;
    for (size_t i = 0; i < cs->n && !holds; i++)
      holds = str_eq(cs->c[i].kind, k) && str_eq(cs->c[i].subject, sub);
    if (holds)
      continue;
    ids[ng] = db_col_int(q, 0);
    cleared[ng].kind = xstrdup(k);
    cleared[ng].subject = xstrdup(sub);
    snprintf(cleared[ng].detail, sizeof cleared[ng].detail, "%s", db_col_text(q, 3) ? db_col_text(q, 3) : "");
    ng++;
  }
  db_done(q);
  for (size_t i = 0; i < ng && !rc; i++) {
    rc = db_run(d, "UPDATE netlog_alarms SET cleared_at = ? WHERE id = ?", "ii", now, ids[i]);
    json_t *after = json_pack("{s:s, s:s}", "kind", cleared[i].kind, "subject", cleared[i].subject);
    if (!rc)
      rc = audit_write(d, &sys, "alarm.clear", "netlog", cleared[i].kind, 0, NULL, after);
    json_decref(after);
    if (!rc)
      rc = mail_alarm(d, &cleared[i], false);
  }
  if (!rc)
    rc = db_commit(d);
  else
    db_rollback(d);
  for (size_t i = 0; i < ng; i++) {
    free((char *)cleared[i].kind);
    free((char *)cleared[i].subject);
  }
  for (size_t i = 0; i < cs->n; i++)
    if (str_eq(cs->c[i].kind, "silent"))
      free((char *)cs->c[i].subject);
  free(cleared);
  free(cs);
  return rc ? -1 : 0;
}

/* ---- the live status ------------------------------------------------------- */

static json_t *alarms_json(db *d, bool all)
{
  json_t *out = json_array();
  db_stmt *q = db_q(d,
                    all ? "SELECT id, kind, subject, detail, raised_at, cleared_at FROM netlog_alarms"
                          " ORDER BY id DESC LIMIT 500"
                        : "SELECT id, kind, subject, detail, raised_at, cleared_at FROM netlog_alarms"
                          " WHERE cleared_at IS NULL ORDER BY id DESC",
                    "");
  while (db_step(q) == DB_ROW) {
    char raised[32], cleared[32];
    fmt_iso8601(db_col_int(q, 4), raised);
    bool open = db_col_null(q, 5);
    if (!open)
      fmt_iso8601(db_col_int(q, 5), cleared);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s?}", "id", (json_int_t)db_col_int(q, 0), "kind",
                          db_col_text(q, 1), "title", netlog_alarm_title(db_col_text(q, 1)), "subject",
                          db_col_text(q, 2), "detail", db_col_text(q, 3), "raised_at", raised, "cleared_at",
                          open ? NULL : cleared);
    if (o)
      json_array_append_new(out, o);
  }
  db_done(q);
  return out;
}

json_t *netlog_alarms_list(db *d, bool all)
{
  return alarms_json(d, all);
}

json_t *netlog_status_json(db *d)
{
  char dir[4200];
  if (netlog_dir(d, dir, sizeof dir))
    return NULL;
  const struct netlog_settings *s = netlog_settings();
  int64_t now = now_unix();
  json_t *st = collector_status(dir);
  int64_t updated = jsonx_int(st, "updated", 0);
  json_t *col = st ? json_deep_copy(st) : json_object();
  json_object_del(col, "sources");
  json_object_del(col, "tsa");
  json_object_set_new(col, "running", json_boolean(st && now - updated <= s->stale_s && !jsonx_int(st, "stopped", 0)));
  json_t *tsa = json_object_get(st, "tsa") ? json_deep_copy(json_object_get(st, "tsa")) : json_object();
  json_object_set_new(tsa, "configured", json_boolean(s->tsa.tsa[0].url[0] != '\0'));
  json_object_set_new(tsa, "fallback_configured", json_boolean(s->tsa.tsa[1].url[0] != '\0'));
  json_object_set_new(tsa, "kamusm", json_boolean(s->tsa.tsa[0].user[0] != '\0'));
  json_object_set_new(tsa, "credit_min", json_integer(s->tsa.credit_min));
  json_decref(st);
  json_t *sources = json_array();
  db_stmt *q = db_q(d,
                    "SELECT id, name, first_seen, last_seen, lines, expected_seconds FROM netlog_sources ORDER BY name",
                    "");
  while (db_step(q) == DB_ROW) {
    int64_t expected = db_col_null(q, 5) ? s->silent_minutes * 60 : db_col_int(q, 5);
    char first[32], last[32];
    fmt_iso8601(db_col_int(q, 2), first);
    fmt_iso8601(db_col_int(q, 3), last);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:b, s:b}", "id", (json_int_t)db_col_int(q, 0), "name",
                          db_col_text(q, 1), "first_seen", first, "last_seen", last, "lines",
                          (json_int_t)db_col_int(q, 4), "expected_seconds", (json_int_t)expected, "default_interval",
                          db_col_null(q, 5), "silent", expected > 0 && now - db_col_int(q, 3) > expected);
    if (o)
      json_array_append_new(sources, o);
  }
  db_done(q);
  uint64_t *seqs = NULL;
  size_t nseg = 0;
  json_t *archive = json_object();
  if (netlog_list(dir, &seqs, &nseg) == 0) {
    json_object_set_new(archive, "segments", json_integer((json_int_t)nseg));
    json_object_set_new(archive, "first_seq", json_integer(nseg ? (json_int_t)seqs[0] : 0));
    json_object_set_new(archive, "last_seq", json_integer(nseg ? (json_int_t)seqs[nseg - 1] : 0));
  }
  free(seqs);
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "collector", col, "tsa", tsa, "sources", sources, "disk",
                   disk_json(dir), "clock", clock_json(), "archive", archive, "alarms", alarms_json(d, false));
}
