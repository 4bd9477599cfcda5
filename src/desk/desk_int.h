/* desk_int.h - the service desk's private interface: ticket types,
 * statuses and their transitions, the urgency x impact priority matrix,
 * the ticket record and who may see or change it, the SLA clock, mail
 * notifications and the handlers named in module.c's route table. */
#ifndef DEFTER_DESK_INT_H
#define DEFTER_DESK_INT_H

#include "../core/audit.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/module.h"
#include "../core/worktime.h"

/* ---- vocabulary (workflow.c) ------------------------------------------ */

enum desk_status { DS_YENI, DS_ATANDI, DS_ISLEMDE, DS_BEKLEMEDE, DS_COZULDU, DS_KAPANDI, DS_COUNT };
const char *desk_status_key(int st);
const char *desk_status_label(int st); /* English msgid */
int desk_status_from_key(const char *key); /* -1 when unknown */
bool desk_status_open(int st);             /* not resolved or closed */

enum desk_move {
  DM_OK = 0,
  DM_INVALID,          /* not in the table */
  DM_NEEDS_ASSIGNEE,   /* to "atandi" without a person */
  DM_NEEDS_MANAGER,    /* closing an unresolved ticket: desk.assign only */
  DM_NEEDS_RESOLUTION, /* to "cozuldu" without a resolution text */
};
enum desk_move desk_move_check(int from, int to, bool has_assignee, bool has_resolution);

extern const char *const desk_types[]; /* "ariza", "talep", "hizmet", NULL */
const char *desk_type_label(const char *type);
bool desk_type_valid(const char *type);

/* urgency and impact: 1 dusuk, 2 orta, 3 yuksek; priority 1 kritik .. 4 dusuk */
int desk_level_from_key(const char *key); /* 1..3, 0 when unknown */
const char *desk_level_key(int level);
const char *desk_level_label(int level);
int desk_priority(int urgency, int impact);
const char *desk_priority_key(int p);
const char *desk_priority_label(int p);
int desk_priority_from_key(const char *key); /* 1..4, 0 when unknown */

extern const char *const desk_waits[]; /* "talep_eden", "tedarikci", "diger", NULL */
const char *desk_wait_label(const char *w);
extern const char *const desk_modes[]; /* "yerinde", "uzaktan", NULL */

/* "BT-000042" for ticket 42; 0 when s names no ticket. Also finds the
 * number inside a mail subject ("Re: [BT-000042] Yazıcı"). */
void desk_number(int64_t id, char out[24]);
int64_t desk_number_parse(const char *s);
int64_t desk_number_in_subject(const char *subject);

/* A user's search words as an FTS5 query (api.c): each word folded the
 * Turkish way, kept to letters and digits, quoted and prefix-matched, at
 * most DESK_SEARCH_TERMS; non-staff searches are limited to the columns
 * they may see. Words are matched on the prefix index (4 or 6
 * characters) and, where the index cut them, listed in words[] for a
 * whole-word check. Returns the number of words (0: match is NULL). */
enum { DESK_SEARCH_TERMS = 8, PREFIX_INDEXED = 6 };
struct desk_search {
  const char *match;
  const char *words[DESK_SEARCH_TERMS];
  int nwords;
};
int desk_fts_query(arena *a, const char *q, bool staff, struct desk_search *out);

/* ---- the record (tickets.c) ------------------------------------------- */

struct desk_ticket {
  int64_t id, category_id, unit_id, assignee_id, requester_id, asset_id, merged_into, created_by;
  int status, urgency, impact, priority, level, rating;
  int64_t created_at, updated_at, first_response_at, resolved_at, closed_at;
  int64_t response_due, resolve_due, paused_at;
  bool response_breached, resolve_breached;
  const char *type, *subject, *body, *location, *waiting, *mode, *channel, *resolution, *rating_comment;
  const char *requester_name, *requester_email, *requester_username;
  const char *unit_code, *unit_name, *category_name, *assignee_username, *assignee_name;
};

#define DESK_COLS                                                                                               \
  "t.id, t.type, t.subject, t.body, t.category_id, c.name, t.unit_id, tu.code, tu.name, t.assignee_id,"         \
  " au.username, au.display_name, t.requester_id, ru.username, COALESCE(ru.display_name, t.requester_name),"    \
  " COALESCE(ru.email, t.requester_email), t.asset_id, t.location, t.urgency, t.impact, t.priority, t.status,"  \
  " t.waiting, t.level, t.mode, t.channel, t.created_at, t.updated_at, t.first_response_at, t.resolved_at,"     \
  " t.closed_at, t.response_due, t.resolve_due, t.paused_at, t.response_breached, t.resolve_breached,"          \
  " t.merged_into, t.resolution, t.rating, t.rating_comment, t.created_by"
#define DESK_FROM                                                                                               \
  " FROM desk_tickets t JOIN units tu ON tu.id = t.unit_id LEFT JOIN desk_categories c ON c.id = t.category_id" \
  " LEFT JOIN users au ON au.id = t.assignee_id LEFT JOIN users ru ON ru.id = t.requester_id"

void desk_ticket_row(db_stmt *st, arena *a, struct desk_ticket *t);
int desk_ticket_load(db *d, arena *a, int64_t id, struct desk_ticket *t) WUR;
/* The ticket as JSON text appended to b (lists), or as an object. */
void desk_ticket_write(buf *b, const struct desk_ticket *t, bool staff);
json_t *desk_ticket_json(const struct desk_ticket *t, bool staff);
/* Replies with the whole ticket (comments, history...). */
int desk_reply_ticket(request *r, int status, int64_t id);
/* [desk] of defter.conf (actions.c). */
struct desk_config {
  int64_t reopen_days, autoclose_days, attachment_max;
  char default_unit[64];
};
void desk_configure(const config *c);
const struct desk_config *desk_config(void);

/* Who may do what with a ticket. */
bool desk_is_requester(request *r, const struct desk_ticket *t);
bool desk_is_watcher(db *d, int64_t ticket, int64_t user);
bool desk_staff(request *r, const struct desk_ticket *t);   /* desk.read_unit on its unit, or its assignee */
bool desk_can_read(request *r, const struct desk_ticket *t);
bool desk_can_work(request *r, const struct desk_ticket *t); /* assignee or desk.work on its unit */
bool desk_can_assign(request *r, const struct desk_ticket *t);

/* Loads {id} of the route and checks read access; writes 404/403 and
 * returns 1, -1 on store errors, 0 when t is ready. */
int desk_ticket_from_route(request *r, struct desk_ticket *t) WUR;

/* Appends a history event (inside the caller's transaction). */
int desk_event(db *d, int64_t ticket, const struct actor *who, const char *kind, const char *from, const char *to,
               const char *note) WUR;
/* Audit row for ticket t (inside the caller's transaction). */
int desk_audit(db *d, const struct actor *who, const char *action, int64_t ticket, int64_t unit, json_t *before,
               json_t *after) WUR;
/* Replaces the ticket's search row (subject, body, comments folded). */
int desk_fts_refresh(db *d, int64_t ticket) WUR;

/* What a new ticket carries (API, page, mail and the generator). */
struct desk_new {
  const char *type, *subject, *body, *location, *requester_name, *requester_email, *channel;
  int64_t category_id, unit_id, requester_id, asset_id, created_by;
  int urgency, impact;
  int64_t created_at; /* 0 = now */
};
/* Validates and inserts (with event, audit, search row, SLA deadlines and
 * the receipt mail) in one transaction. 0 with *id set; 400 with
 * fields set for invalid input; -1 on store errors. */
int desk_ticket_create(db *d, request *r, const struct actor *who, struct desk_new *n, json_t *fields, int64_t *id) WUR;

/* The unit a category routes to (its own, or its nearest ancestor's). */
int64_t desk_category_unit(db *d, int64_t category_id);

/* Shared by the API and the ticket page (actions.c); 0 or -1. */
int desk_comment_insert(db *d, const struct actor *who, const struct desk_ticket *t, const char *body, bool internal,
                        const char *via, bool worker) WUR;
int desk_comment_add(request *r, const struct desk_ticket *t, const char *body, bool internal, const char *via) WUR;
int desk_worklog_add(request *r, const struct desk_ticket *t, int64_t minutes, const char *mode,
                     const char *note) WUR;

/* extras.c: attach a file (0, 1 when a reply was written, -1); rating. */
int desk_attach(request *r, const struct desk_ticket *t, const char *name, const unsigned char *data, size_t n,
                int64_t *aid) WUR;
/* Stores an already checked file (name clean, type sniffed) for t. */
int desk_attach_insert(db *d, const struct actor *who, const struct desk_ticket *t, const char *dir, const char *name,
                       const char *mime, const unsigned char *data, size_t n, int64_t *aid) WUR;
int64_t desk_rating_ticket(db *d, const char *token, bool *rated);
int desk_rate(request *r, const char *token, int64_t rating, const char *comment) WUR;

/* ---- SLA (sla.c) ------------------------------------------------------ */

/* Response and resolution targets in working minutes for a category and
 * priority (category rows first, then the defaults). */
void desk_sla_targets(db *d, int64_t category_id, int priority, int64_t *response_min, int64_t *resolve_min);
/* The institution's working calendar for one operation (a copy from the
 * org module's cache); without one, time counts as wall-clock time. */
struct desk_clock {
  struct wt_calendar cal;
  bool ok;
};
void desk_clock_open(db *d, struct desk_clock *c);
void desk_clock_close(struct desk_clock *c);
/* The instant `seconds` of working time after start. */
int64_t desk_clock_add(const struct desk_clock *c, int64_t start, int64_t seconds);
/* Working seconds in [a, b). */
int64_t desk_clock_between(const struct desk_clock *c, int64_t a, int64_t b);
int desk_job_sla(db *d);
int desk_job_autoclose(db *d);

/* ---- notifications (notify.c) ------------------------------------------ */

/* Queues a mail about ticket id to its requester (and watchers), kind one
 * of "created", "assigned", "comment", "resolved"; never fails the change
 * (errors are logged). Runs inside the caller's transaction. */
void desk_notify(db *d, int64_t id, const char *kind, const char *text);
/* Mails the unit's chiefs (desk.assign holders) about id. */
void desk_notify_unit(db *d, int64_t id, int64_t unit_id, const char *kind, const char *text);
int desk_job_mailin(db *d);

/* ---- errors ------------------------------------------------------------- */

int desk_not_found(request *r);
int desk_forbidden(request *r);
int desk_invalid(request *r, json_t *steal_fields);
/* Trimmed text of at most max bytes, valid UTF-8 without controls (tab,
 * newline allowed when multiline); NULL when invalid. */
const char *desk_text(arena *a, const char *s, size_t max, bool multiline);

/* ---- handlers ----------------------------------------------------------- */

int desk_api_list(request *r);
int desk_api_create(request *r);
int desk_api_get(request *r);
int desk_api_patch(request *r);
int desk_api_transition(request *r);
int desk_api_assign(request *r);
int desk_api_escalate(request *r);
int desk_api_merge(request *r);
int desk_api_comment(request *r);
int desk_api_worklog(request *r);
int desk_api_watch(request *r);
int desk_api_unwatch(request *r);
int desk_api_attach(request *r);
int desk_api_attachment_get(request *r);
int desk_api_repair_add(request *r);
int desk_api_repair_update(request *r);
int desk_api_repairs(request *r);
int desk_api_categories(request *r);
int desk_api_category_save(request *r);
int desk_api_sla(request *r);
int desk_api_sla_save(request *r);
int desk_api_views(request *r);
int desk_api_view_save(request *r);
int desk_api_view_delete(request *r);
int desk_api_rate(request *r);
int desk_api_report(request *r);
int desk_api_report_export(request *r);

int desk_page_queue(request *r);
int desk_form_view_save(request *r);
int desk_page_mine(request *r);
int desk_page_new(request *r);
int desk_form_new(request *r);
int desk_page_ticket(request *r);
int desk_form_action(request *r);
int desk_form_attach(request *r);
int desk_page_rate(request *r);
int desk_form_rate(request *r);
int desk_page_reports(request *r);
int desk_page_settings(request *r);
int desk_form_settings(request *r);

json_t *desk_figures(db *d, const struct figure_query *q);
void desk_dashboard(request *r, html *h);

#endif
