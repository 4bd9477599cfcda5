/* org_int.h - the organisation module's private interface: handlers,
 * the person record shared by the API, the pages and the CSV import, and
 * the coverage report shared by the API, the page and the exports. */
#ifndef DEFTER_ORG_INT_H
#define DEFTER_ORG_INT_H

#include "../core/http.h"
#include "../core/audit.h"
#include "../core/db.h"

/* units.c */
int org_api_units(request *r);
int org_api_duties(request *r);
int org_page(request *r);
void org_dashboard(request *r, html *h);

/* people.c */
int org_api_people_list(request *r);
int org_api_people_create(request *r);
int org_api_person_get(request *r);
int org_api_person_patch(request *r);
int org_people_page(request *r);
int org_people_form(request *r);
int org_person_page(request *r);
int org_person_form(request *r);

/* import.c */
int org_api_people_import(request *r);
int org_people_import_form(request *r);

/* deputy.c */
int org_api_deputies_list(request *r);
int org_api_deputies_create(request *r);
int org_api_deputy_delete(request *r);

/* coverage.c, export_xlsx.c, export_pdf.c */
int org_api_coverage(request *r);
int org_coverage_page(request *r);
int org_api_coverage_xlsx(request *r);
int org_api_coverage_pdf(request *r);

/* calendar.c */
int org_api_calendar(request *r);
int org_api_calendar_hours(request *r);
int org_api_calendar_day_put(request *r);
int org_api_calendar_day_delete(request *r);
int org_calendar_page(request *r);
int org_calendar_hours_form(request *r);
int org_calendar_day_form(request *r);
int org_calendar_day_delete_form(request *r);
/* The daily org.calendar job: org_calendar_seed as the system. */
int org_job_calendar(db *d);

/* ---- shared helpers (people.c) ---------------------------------------- */

/* Today's date in Europe/Istanbul (UTC+3 all year), "YYYY-MM-DD". */
void org_today(char out[11]);

struct org_employment {
  const char *key;   /* stored: memur, isci, sozlesmeli, sirket, stajyer */
  const char *label; /* English msgid (Turkish: memur, işçi, ...) */
  const char *tr;    /* the Turkish label, as an import may write it */
};
extern const struct org_employment org_employments[];
extern const size_t org_nemployments;
/* The key for a key, an English or a Turkish label (any case); NULL. */
const char *org_employment_key(const char *s);
const char *org_employment_label(const char *key);

/* A person as it arrives (API JSON, page form or CSV row): text as typed. */
struct org_person_in {
  const char *name, *tckn, *unit, *position, *employment, *phone, *email, *start_date, *end_date;
  int64_t user_id; /* 0 = no linked user */
  int active;      /* 1, 0, or -1: active unless end_date is past */
};

/* A person after validation: normalised, with ids resolved; strings from
 * the request arena. */
struct org_person {
  const char *name, *name_fold, *name_ascii, *tckn, *employment, *phone, *email, *start_date, *end_date;
  int64_t unit_id, position_id, user_id;
  bool active;
};

/* Validates and normalises in into out; problems go to errors under the
 * API field names (name, tckn, unit, position, employment, phone, email,
 * start_date, end_date, user_id), in the user's language, never echoing
 * the T.C. number. self_id: the person being changed (0 on create), so
 * that its own T.C. number is not a duplicate. Returns 0, 400 (invalid)
 * or 409 (valid but the T.C. number or the user is already taken). */
int org_person_check(request *r, int64_t self_id, const struct org_person_in *in, struct org_person *out,
                     json_t *errors) WUR;
/* Inserts a checked person and audits it (inside the caller's
 * transaction, or its own). */
int org_person_insert(db *d, const struct actor *who, const struct org_person *p, int64_t *id_out) WUR;
/* The person's full record (as the audit trail keeps it), or NULL. */
json_t *org_person_record(db *d, int64_t id);
/* Reads [ldap] employment and hooks the people register into directory
 * syncs (ldapsync.c). */
void org_configure(const config *c);
/* Can the signed-in user manage people of this unit? */
bool org_people_may_manage(request *r, int64_t unit_id);
/* The /org/people page with an optional message (alert when errors or a
 * failed import are given, notice otherwise), the field errors of the
 * new-person form and the result of a CSV import. Borrows the JSON. */
void org_people_render(request *r, int status, const char *msg, json_t *errors, json_t *import_result);

/* ---- the coverage report (coverage.c) ------------------------------------ */

enum org_cov_status { ORG_COV_SERVED, ORG_COV_TASK_ONLY, ORG_COV_REPEALED };

struct org_cov_cap {
  const char *key;
  bool implemented;
};

struct org_cov_duty {
  int64_t id, unit_id;
  const char *ref, *unit, *unit_name, *position, *position_title, *text;
  bool repealed;
  struct org_cov_cap *caps;
  size_t ncaps;
  json_t *figures; /* {"capability": {...}}; owned by the report */
  enum org_cov_status status;
};

/* One coverage report: what the API, the page and both exports show, so
 * that they always agree. Strings and arrays live in the request arena;
 * release the figures with org_coverage_free. */
struct org_coverage {
  const char *preset, *institution, *department;
  char from[11], to[11]; /* inclusive Europe/Istanbul dates */
  struct org_cov_duty *duties;
  size_t nduties;
  int64_t served, task_only, repealed;
};

/* Reads ?from=&to= (default: the current year); on a bad value writes
 * the 400 response and returns -1. */
int org_coverage_period(request *r, char from[11], char to[11]) WUR;
/* Builds the report for the duties whose unit the user's coverage.read
 * reaches, asking every module that serves a duty's capability for its
 * figures over the period. */
int org_coverage_build(request *r, const char *from, const char *to, struct org_coverage *c) WUR;
void org_coverage_free(struct org_coverage *c);
json_t *org_coverage_json(const struct org_coverage *c);
/* "Served", "Task only" or "Repealed" in the user's language. */
const char *org_cov_status_label(enum org_cov_status s);
/* The capabilities as one line: "backup (implemented), monitor (planned)". */
const char *org_cov_caps_text(arena *a, const struct org_cov_duty *dt);
/* The figures as one line: "task: tasks 3, completed 2". */
const char *org_cov_figures_text(arena *a, const struct org_cov_duty *dt);
/* Writes the export's audit row (action "export"). */
int org_coverage_audit_export(request *r, const struct org_coverage *c, const char *format) WUR;

#endif
