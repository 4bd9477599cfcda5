/* rbac.h - roles as data (role -> permissions in role_perms), granted per
 * organisation unit and inherited down the unit tree (units.path holds
 * the materialised path "/1/4/9/"). */
#ifndef DEFTER_RBAC_H
#define DEFTER_RBAC_H

#include "db.h"

struct role_def {
  const char *key;
  const char *name;  /* English msgid */
};
extern const struct role_def rbac_roles[];
extern const size_t rbac_nroles;
bool rbac_role_valid(const char *role);

/* Adds the modules' declared permissions to role_perms the first time
 * each permission is seen (later edits by an admin are kept). */
int rbac_sync(db *d) WUR;
/* Does the user hold perm on any unit? */
bool rbac_has(int64_t user_id, const char *perm);
/* Does the user hold perm on a unit that is unit_id or one of its
 * ancestors (i.e. does a grant reach unit_id)? */
bool rbac_can(int64_t user_id, const char *perm, int64_t unit_id);
/* Grants role on unit (0 = the root unit). Audited by the caller. */
int rbac_grant(db *d, int64_t user_id, const char *role, int64_t unit_id) WUR;
int64_t rbac_root_unit(db *d);

/* A SQL condition: a grant of the user bound at this place (one "?")
 * carrying permission PERM (a SQL string literal, e.g. "'desk.work'")
 * reaches the unit whose path is the SQL expression UNIT_PATH. */
#define RBAC_SQL_REACHES(unit_path, perm)                                                                             \
  "EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role AND rp.perm = " perm              \
  " JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ? AND substr(" unit_path ", 1, length(gu.path)) = gu.path)"

#endif
