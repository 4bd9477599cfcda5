/* esign_int.h - the e-signature module's private interface: the
 * vocabulary (kinds, providers, statuses, workflow kinds), the record,
 * the reminder stages and the handlers named in module.c's route table. */
#ifndef DEFTER_ESIGN_INT_H
#define DEFTER_ESIGN_INT_H

#include "../core/audit.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/module.h"

/* ---- vocabulary (api.c) ------------------------------------------------- */

/* kinds: "eimza" (card or token), "mobil" (mobile signature, SIM) */
bool esign_kind_valid(const char *kind);
const char *esign_kind_label(const char *kind);
/* providers: certification authorities for e-imza, operators for mobil */
bool esign_provider_valid(const char *kind, const char *provider);
const char *esign_provider_label(const char *provider);
extern const char *const esign_providers[];
/* stored statuses: "active", "suspended", "revoked"; "expired" is
 * computed from not_after. */
const char *esign_status_label(const char *status);
/* workflows: "application", "renewal", "installation"; open/done/cancelled */
const char *esign_workflow_label(const char *kind);

enum {
  ESIGN_RENEWAL_DAYS = 92, /* renewal opens in the last three months */
  ESIGN_DAY = 86400,
};
/* The reminder stages, largest first: 90, 30 and 7 days before notAfter. */
extern const int esign_stages[3];

/* Europe/Istanbul is UTC+3 all year (no summer time since 2016). */
enum { ESIGN_TZ = 3 * 3600 };
/* [from, to) of quarter "YYYY-Qn" in UTC; NULL or "" = the current one.
 * 0 ok, -1 malformed. label receives "2026-Q4". */
int esign_quarter(const char *q, int64_t now, int64_t *from, int64_t *to, char label[16]) WUR;

/* ---- the record (api.c) -------------------------------------------------- */

json_t *esign_row_json(db_stmt *st);
#define ESIGN_COLS                                                                                      \
  "s.id, s.person_id, p.name, p.unit_id, u.name, s.kind, s.provider, s.status, s.card_id, s.serial,"  \
  " s.subject, s.issuer, s.tckn, COALESCE(s.not_before, 0), COALESCE(s.not_after, 0), s.cert_sha256," \
  " s.notes, s.created_at, s.updated_at"
#define ESIGN_FROM \
  " FROM esign_signatures s JOIN org_people p ON p.id = s.person_id JOIN units u ON u.id = p.unit_id"
/* " AND <grant reaches p's unit>" for perm, one bound user id. */
#define ESIGN_VISIBLE                                                                                    \
  " AND EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"               \
  " JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ? AND rp.perm = 'esign.read'"                 \
  " AND substr(u.path, 1, length(gu.path)) = gu.path)"

void esign_configure(const config *c);
const char *esign_notify_addresses(void);

int esign_api_list(request *r);
int esign_api_create(request *r);
int esign_api_get(request *r);
int esign_api_patch(request *r);
int esign_api_expiring(request *r);
int esign_api_reminders(request *r);
int esign_api_person(request *r);
int esign_api_workflows(request *r);
int esign_api_workflow_create(request *r);
int esign_api_workflow_get(request *r);
int esign_api_workflow_patch(request *r);
int esign_api_workflow_step(request *r);
/* Figures for the coverage report (capability "esign"). */
json_t *esign_figures(db *d, const struct figure_query *q);
/* Opens a workflow inside the caller's transaction, audited (also used
 * by the reminder job for renewals). */
int esign_workflow_open(db *d, const struct actor *who, int64_t person, int64_t signature, const char *kind,
                        const char *due, const char *note, int64_t unit, int64_t *id) WUR;

/* ---- reminders (remind.c) ------------------------------------------------- */

int esign_job_remind(db *d);

/* ---- pages (pages.c) ------------------------------------------------------ */

int esign_page_list(request *r);
int esign_form_create(request *r);
int esign_page_signature(request *r);
int esign_form_action(request *r);

void esign_dashboard(request *r, html *h);

#endif
