/* rbac.c - permission checks against the store. Checks are one indexed
 * query each; the grant's unit reaches every unit whose path starts with
 * the grant unit's path. */
#include "rbac.h"
#include "i18n.h"
#include "log.h"
#include "module.h"

#include <string.h>

const struct role_def rbac_roles[] = {
    {"admin", N_("System administrator")},
    {"yonetici", N_("Manager")},
    {"sorumlu", N_("Unit chief")},
    {"teknik", N_("Technical staff")},
    {"personel", N_("Employee")},
    {"denetci", N_("Auditor")},
    {"kayit_sorumlusu", N_("Access-log officer (Law 5651)")},
};
const size_t rbac_nroles = ARRAY_LEN(rbac_roles);

bool rbac_role_valid(const char *role)
{
  for (size_t i = 0; i < rbac_nroles; i++)
    if (str_eq(rbac_roles[i].key, role))
      return true;
  return false;
}

int rbac_sync(db *d)
{
  int rc = db_begin(d);
  if (rc)
    return rc;
  for (size_t m = 0; m < defter_nmodules && !rc; m++) {
    const struct defter_module *mod = defter_modules[m];
    for (size_t i = 0; i < mod->nperms && !rc; i++) {
      const struct perm_def *p = &mod->perms[i];
      int64_t seen = 0;
      rc = db_int(d, &seen, "SELECT 1 FROM perm_catalog WHERE perm = ?", "t", p->key);
      if (rc == DB_ROW) {
        rc = DB_OK;
        continue;
      }
      if (rc)
        break;
      rc = db_run(d, "INSERT INTO perm_catalog (perm, module) VALUES (?, ?)", "tt", p->key, mod->name);
      char roles[256];
      snprintf(roles, sizeof roles, "%s", p->roles);
      char *save = NULL;
      for (char *tok = strtok_r(roles, " ", &save); tok && !rc; tok = strtok_r(NULL, " ", &save))
        rc = db_run(d, "INSERT INTO role_perms (role, perm) VALUES (?, ?)", "tt", tok, p->key);
    }
  }
  if (rc) {
    db_rollback(d);
    return rc;
  }
  return db_commit(d);
}

bool rbac_has(int64_t user_id, const char *perm)
{
  db *d = db_thread();
  int64_t one = 0;
  return d && db_int(d, &one,
                     "SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"
                     " JOIN users u ON u.id = g.user_id"
                     " WHERE g.user_id = ? AND rp.perm = ? AND u.active = 1 LIMIT 1",
                     "it", user_id, perm) == DB_ROW;
}

bool rbac_can(int64_t user_id, const char *perm, int64_t unit_id)
{
  db *d = db_thread();
  int64_t one = 0;
  return d && db_int(d, &one,
                     "SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"
                     " JOIN users u ON u.id = g.user_id"
                     " JOIN units gu ON gu.id = g.unit_id"
                     " JOIN units x ON x.id = ?"
                     " WHERE g.user_id = ? AND rp.perm = ? AND u.active = 1"
                     " AND substr(x.path, 1, length(gu.path)) = gu.path LIMIT 1",
                     "iit", unit_id, user_id, perm) == DB_ROW;
}

int64_t rbac_root_unit(db *d)
{
  int64_t id = 0;
  if (db_int(d, &id, "SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1", "") != DB_ROW)
    return 0;
  return id;
}

int rbac_grant(db *d, int64_t user_id, const char *role, int64_t unit_id)
{
  if (!rbac_role_valid(role))
    return DB_ERR;
  if (!unit_id)
    unit_id = rbac_root_unit(d);
  if (!unit_id)
    return DB_ERR;
  int64_t one;
  int rc = db_int(d, &one, "SELECT 1 FROM grants WHERE user_id = ? AND role = ? AND unit_id = ?", "iti", user_id,
                  role, unit_id);
  if (rc == DB_ROW)
    return DB_OK;
  if (rc)
    return rc;
  return db_run(d, "INSERT INTO grants (user_id, role, unit_id, created_at) VALUES (?, ?, ?, ?)", "itii", user_id,
                role, unit_id, now_unix());
}
