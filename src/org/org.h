/* org.h - the organisation module's public interface: the regulation
 * preset (units, positions, duties) loaded into the store. */
#ifndef DEFTER_ORG_H
#define DEFTER_ORG_H

#include "../core/audit.h"
#include "../core/module.h"
#include "../core/worktime.h"

extern const struct defter_module org_module;

/* Validates a preset file completely, then loads it in one transaction.
 * On failure nothing is written and err names the offending element,
 * e.g. `duties[41].unit: bilinmeyen birim "XYZ"`. */
int org_preset_load(db *d, const struct actor *who, const char *path, char *err, size_t errlen) WUR;
/* Validation only (no store). */
int org_preset_check(const char *path, char *err, size_t errlen) WUR;
/* Adds about 25 believable demo people (Turkish names, valid computed
 * T.C. numbers, phones, positions) across the first units of the loaded
 * preset, linking the demo accounts (mudur, sef, teknik, personel) to
 * their person records; audited as who, in one transaction. Does nothing
 * when people are already registered. For `defter init --demo`. */
int org_demo_seed(db *d, const struct actor *who) WUR;

/* The institution's working-time calendar (for SLA deadlines): the
 * weekly hours (setting "calendar.hours", WT_DEFAULT_HOURS when unset)
 * and every exception day. Initialises out; the caller releases it with
 * wt_calendar_free. Served from a per-process copy while the store's
 * "calendar.version" is unchanged, so calling it per request is cheap.
 * Returns 0 or a negative db error (out then empty). */
int org_calendar_load(db *d, struct wt_calendar *out) WUR;
/* Copies the official Turkish holidays (wt_tr_builtin) into the calendar
 * for last year .. five years ahead, each year once (a year already
 * seeded is left alone, so removed or changed days stay so); a day that
 * already has an entry keeps it. One transaction and one audit row
 * ("seed", entity "calendar") per year. Called by `defter init` and daily
 * by the org.calendar job. */
int org_calendar_seed(db *d, const struct actor *who) WUR;

/* Ending a person's employment through the people API or page (active
 * set to false, or an end date set or changed) first asks this check, so
 * another module can hold it while that person's work is still open (the
 * handover checklist) without org knowing that module. The check returns
 * NULL to allow, or an English msgid (marked N_) for the 409 reply. One
 * check, set before the server starts (a module's configure hook). */
typedef const char *(*org_leave_check_fn)(db *d, int64_t person_id);
void org_set_leave_check(org_leave_check_fn fn);
/* Resolves a preset id or path to a file path (static buffer). */
const char *org_preset_path(const char *id_or_path);

#endif
