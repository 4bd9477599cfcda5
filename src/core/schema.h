/* schema.h - runs every migration (core first, then each module in the
 * order of src/modules.c) and keeps small key/value settings. */
#ifndef DEFTER_SCHEMA_H
#define DEFTER_SCHEMA_H

#include "db.h"
#include "module.h"
#include "rbac.h"

int schema_migrate_all(db *d) WUR;
/* settings: "institution", "department", "preset" ... */
const char *settings_get(db *d, arena *a, const char *key);
int settings_set(db *d, const char *key, const char *value) WUR;

#endif
