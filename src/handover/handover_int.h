/* handover_int.h - the handover module's private interface: the line
 * source registry, the case record as JSON, the API handlers, the
 * tutanak and the pages. */
#ifndef DEFTER_HANDOVER_INT_H
#define DEFTER_HANDOVER_INT_H

#include "handover.h"
#include "../core/http.h"

/* sources.c: the registry, and the built-in sources (access grants,
 * vault entries, e-signatures, desk tickets, work tasks). */
void handover_sources_init(void);
size_t handover_nsources(void);
const struct handover_line_source *handover_source_at(size_t i);
const struct handover_line_source *handover_source(const char *name);
/* The English msgid of an action key ("revoked" ...), or NULL. */
const char *handover_action_label(const char *action);
/* The English msgid of a kind ("ayrilis" ...) / state key, or NULL. */
const char *handover_kind_label(const char *kind);
const char *handover_state_label(const char *state);

/* cases.c */
/* The case as a new JSON object (with its lines when lines is set), or
 * NULL when there is no such case (*found false) or on a store error. */
json_t *handover_case_json(db *d, int64_t id, bool lines, bool *found);
/* The leave check org calls (org_set_leave_check). */
const char *handover_leave_check(db *d, int64_t person_id);
/* The case of route {id} the user may read: 0 with *out (caller decrefs),
 * or 1 when the reply (404/403) was written, -1 on error. */
int handover_case_from_route(request *r, json_t **out) WUR;

int handover_api_list(request *r);
int handover_api_create(request *r);
int handover_api_get(request *r);
int handover_api_refresh(request *r);
int handover_api_line_close(request *r);
int handover_api_complete(request *r);
int handover_api_cancel(request *r);

/* tutanak.c */
int handover_api_tutanak(request *r);

/* pages.c */
int handover_page_list(request *r);
int handover_form_open(request *r);
int handover_page_case(request *r);
int handover_form_line(request *r);
int handover_form_action(request *r);

#endif
