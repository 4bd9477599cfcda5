/* access_int.h - the access module's private interface: errors, dates,
 * who may do what (the rules of the approval chain in one place), the
 * records' JSON, and the handlers named in module.c's route table. */
#ifndef DEFTER_ACCESS_INT_H
#define DEFTER_ACCESS_INT_H

#include "../core/audit.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/module.h"

/* ---- errors (common.c) ------------------------------------------------- */

/* A failure to report: HTTP status, error code, message, field errors. */
struct access_err {
  int status;
  const char *code;
  const char *message;
  json_t *fields; /* owned; NULL or an object */
};
/* Sets e and returns status (so `return access_fail(...)` reads well). */
int access_fail(struct access_err *e, int status, const char *code, const char *message);
/* Adds a field error (400 validation). */
void access_field(struct access_err *e, const char *field, const char *message);
/* Writes e as the JSON error reply (taking e->fields); returns 0. */
int access_reply_err(request *r, struct access_err *e);
/* {id} (or another name) of the route as a positive id; 0 when malformed. */
int64_t access_route_id(request *r, const char *name);

/* ---- values (common.c) ------------------------------------------------- */

/* Today in Europe/Istanbul, "YYYY-MM-DD" (UTC+3 all year since 2016),
 * and the day `days` from today. */
void access_today(char out[11]);
void access_day_from_today(int days, char out[11]);
/* Strict "YYYY-MM-DD" of a real calendar day. */
bool access_date_ok(const char *s);
/* Trimmed copy (arena); NULL stays NULL. */
const char *access_trim(arena *a, const char *s);
/* Checks a text field: required, at most max bytes, valid UTF-8. */
void access_check_text(struct access_err *e, const char *field, const char *s, size_t max, bool required);
/* {"id","username","display_name"} of a user, or null for 0. */
json_t *access_user_json(db *d, int64_t id);
/* An active user? */
bool access_user_active(db *d, int64_t id);
/* Writes one audit row for entity/id (inside the caller's transaction). */
int access_audit(db *d, const struct actor *who, const char *action, const char *entity, int64_t id,
                 int64_t unit_id, json_t *before, json_t *after) WUR;

/* ---- the catalogue (systems.c) ----------------------------------------- */

struct access_system {
  int64_t id, owner_unit_id, owner_id, tech_owner_id;
  const char *code, *name, *description, *approver, *unit_code, *unit_name;
  bool requires_letter, active;
};
/* DB_ROW found, DB_OK none, <0 error; strings from a. */
int access_system_load(db *d, arena *a, int64_t id, struct access_system *s) WUR;
json_t *access_system_json(db *d, const struct access_system *s, bool with_roles);
/* May the user approve requests for the system (its approver rule)? */
bool access_may_approve(int64_t user_id, const struct access_system *s);
/* May the user provision and revoke the system's grants? */
bool access_may_provision(int64_t user_id, const struct access_system *s);

/* ---- requests (requests.c) --------------------------------------------- */

enum access_status {
  AS_TALEP,       /* submitted by the person: waits for the unit's manager */
  AS_BIRIM_ONAYI, /* the unit approved (or a letter registered): waits for IT / the system owner */
  AS_BT_ONAYI,    /* approved: waits for the technician */
  AS_SAGLANIYOR,  /* the technician is on it */
  AS_SAGLANDI,    /* provisioned: a grant exists */
  AS_REDDEDILDI,
  AS_IPTAL,
  AS_COUNT,
};
const char *access_status_key(int st);
const char *access_status_label(int st); /* English msgid */
int access_status_from_key(const char *key);
bool access_status_final(int st);
/* The requests of a view ("mine", "todo": those waiting for the caller,
 * "all": every visible one), newest first, optionally of one status: a
 * new array of request objects with "allowed_actions"; *more when another
 * page follows after *last_id. NULL on a store error. */
json_t *access_requests_view(request *r, const char *view, const char *status, int64_t limit, int64_t cursor,
                             bool *more, int64_t *last_id);

/* ---- grants (grants.c) ------------------------------------------------- */

/* The person {id} of the route, visible to the caller (themself or a
 * holder of access.read_unit on their unit). 0 ok; otherwise the reply is
 * written (1) or -1 on store errors. */
int access_person_from_route(request *r, int64_t *id, const char **name, const char **unit) WUR;
/* Marks grant id "revoking" and gives the system's technical owner a task
 * to revoke it (ref "access.grant:ID"); joins the caller's transaction.
 * *task_id: the task (an existing open one is reused). */
int access_grant_start_revoke(db *d, const struct actor *who, int64_t grant_id, const char *why,
                              int64_t *task_id) WUR;

/* ---- reviews (reviews.c, report.c) ------------------------------------- */

struct access_review {
  int64_t id, system_id, unit_id, created_by, created_at, closed_at;
  int64_t scope_unit_id; /* the unit or the system's owner unit */
  const char *title, *deadline, *status, *scope_name;
};
/* Loads review {id} of the route and checks that the user may see it
 * (access.review_read, its creator, its reviewers); on failure writes the
 * 404/403 reply and returns 1 (or -1 on store errors). */
int access_review_from_route(request *r, struct access_review *v) WUR;
bool access_is_reviewer(db *d, int64_t review_id, int64_t user_id);
/* Open and past its deadline. */
bool access_review_overdue(const struct access_review *v);
/* The campaign as JSON; full adds its lines and what the caller may do. */
json_t *access_review_json(request *r, const struct access_review *v, bool full);
/* The campaigns the caller may see (status: NULL, "open", "closed" or
 * "overdue"), newest first; NULL on a store error. */
json_t *access_reviews_list(request *r, const char *status, int64_t limit, int64_t cursor, bool *more,
                            int64_t *last_id);

/* ---- handlers ------------------------------------------------------------ */

int access_api_systems_list(request *r);
int access_api_system_create(request *r);
int access_api_system_get(request *r);
int access_api_system_patch(request *r);
int access_api_role_create(request *r);
int access_api_role_patch(request *r);

int access_api_requests_list(request *r);
int access_api_request_create(request *r);
int access_api_request_get(request *r);
int access_api_request_approve(request *r);
int access_api_request_start(request *r);
int access_api_request_provision(request *r);
int access_api_request_reject(request *r);
int access_api_request_cancel(request *r);

int access_api_grants_list(request *r);
int access_api_grant_revoke(request *r);
int access_api_person_grants(request *r);

int access_api_reviews_list(request *r);
int access_api_review_create(request *r);
int access_api_review_get(request *r);
int access_api_review_decide(request *r);
int access_api_review_close(request *r);
int access_api_review_pdf(request *r);
int access_api_review_xlsx(request *r);

int access_page_home(request *r);
void access_dashboard(request *r, html *h);
int access_page_systems(request *r);
int access_form_system(request *r);
int access_form_role(request *r);
int access_page_request_new(request *r);
int access_form_request_new(request *r);
int access_page_request(request *r);
int access_form_request_action(request *r);
int access_page_person(request *r);
int access_form_grant_revoke(request *r);
int access_page_reviews(request *r);
int access_form_review_new(request *r);
int access_page_review(request *r);
int access_form_review_decide(request *r);
int access_form_review_close(request *r);

int access_job_expiry(db *d);
json_t *access_figures(db *d, const struct figure_query *q);

#endif
