/* netlog_int.h - the server side of the netlog module (routes, pages,
 * alarms, the audited answer and the evidence package), shared by its
 * files and the CLI. */
#ifndef DEFTER_NETLOG_INT_H
#define DEFTER_NETLOG_INT_H

#include "netlog.h"
#include "../core/audit.h"
#include "../core/db.h"
#include "../core/http.h"

/* [netlog] as read when the data directory was opened. */
struct netlog_settings {
  int64_t lease_s, window_s;
  int64_t silent_minutes;   /* a source's default expected interval */
  int64_t disk_min_percent; /* free space under which the disk alarm rises */
  int64_t clock_max_error_ms;
  int64_t stale_s;          /* the collector's status older than this: not running */
  const char *alarm_mail;   /* addresses, space or comma separated */
  struct netlog_tsa_set tsa;
};
void netlog_configure(const config *c);
const struct netlog_settings *netlog_settings(void);

/* DATA/netlog for d's data directory. 0 ok. */
int netlog_dir(db *d, char *out, size_t n) WUR;

/* A question to the archive. */
struct netlog_ask {
  const char *ip;
  int port;
  int64_t at;
  const char *reason;
};
/* Checks q (ip an address, at set, reason 1..1000 bytes); on failure a
 * field -> message object (caller decrefs), else NULL. */
json_t *netlog_ask_problems(const struct netlog_ask *q);
/* "Who had this address then": the archive's answer plus the static
 * assignments covering ip at that moment ("static"), after writing the
 * question and its reason to the audit trail (no answer without it).
 * action: "query" or "export". NULL when the archive or the trail cannot
 * be written/read (why says which). */
json_t *netlog_answer(db *d, const struct actor *who, const char *action, const struct netlog_ask *q, char *why,
                      size_t whylen);

/* The evidence package (ZIP) of an answer: lines, their segments' seals
 * and tokens, the CA bundles, instructions; the segments themselves when
 * with_segments. Written to path (CLI) or into out (API; bounded). 0 ok. */
int netlog_export_file(db *d, const json_t *answer, bool with_segments, const char *path) WUR;
int netlog_export_buf(db *d, const json_t *answer, bool with_segments, buf *out) WUR;

/* Alarms (alarms.c): the job, and the live status the page shows. */
int netlog_job_watch(db *d);
json_t *netlog_status_json(db *d);
/* Open alarms (all: also cleared ones, newest 500). */
json_t *netlog_alarms_list(db *d, bool all);
/* An alarm kind's title in the UI language. */
const char *netlog_alarm_title(const char *kind);

/* Routes. */
int netlog_api_status(request *r);
int netlog_api_alarms(request *r);
int netlog_api_source_patch(request *r);
int netlog_api_query(request *r);
int netlog_api_export(request *r);
int netlog_api_verify(request *r);
int netlog_api_static_list(request *r);
int netlog_api_static_add(request *r);
int netlog_api_static_patch(request *r);
int netlog_page_status(request *r);
int netlog_page_query(request *r);
int netlog_form_query(request *r);
int netlog_page_static(request *r);
int netlog_form_static(request *r);
int netlog_form_source(request *r);
int netlog_form_export(request *r);
/* A moment: "YYYY-MM-DD[THH:MM[:SS]]" in Turkish time (UTC+3), or with Z
 * or ±HH:MM. 0 ok. */
int netlog_parse_moment(const char *s, int64_t *out) WUR;

void netlog_dashboard(request *r, html *h);

#endif
