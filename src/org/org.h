/* org.h - the organisation module's public interface: the regulation
 * preset (units, positions, duties) loaded into the store. */
#ifndef DEFTER_ORG_H
#define DEFTER_ORG_H

#include "../core/audit.h"
#include "../core/module.h"

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

/* Resolves a preset id or path to a file path (static buffer). */
const char *org_preset_path(const char *id_or_path);

#endif
