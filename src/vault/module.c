/* module.c - the privileged credentials vault: routes, schema,
 * permissions, the rotation reminder job, menu entry and the capability
 * it serves (`vault`). */
#include "vault.h"
#include "vault_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/vault/entries", "vault.read", vault_api_list, 0,
     "Vault entries (never a secret): filters owner, unit, overdue=1; cursor paging"},
    {"POST", "/api/v1/vault/entries", "vault.manage", vault_api_create, 0, "Add an entry with its secret"},
    {"GET", "/api/v1/vault/entries/{id}", "vault.read", vault_api_get, 0, "One entry and its last reveals"},
    {"PATCH", "/api/v1/vault/entries/{id}", "vault.manage", vault_api_patch, 0,
     "Change an entry's details, owner, rotation period or seal"},
    {"POST", "/api/v1/vault/entries/{id}/rotate", "vault.manage", vault_api_rotate, 0,
     "Record a new secret (the password was changed)"},
    /* Signed-in users only: a refused reveal must reach the handler to be audited. */
    {"POST", "/api/v1/vault/entries/{id}/reveal", PERM_LOGIN, vault_api_reveal, 0,
     "Reveal the secret with a stated reason (audited; refusals too)"},
    {"POST", "/api/v1/vault/entries/{id}/breakglass", PERM_LOGIN, vault_api_breakglass, 0,
     "Open a sealed entry (manager; audited, admins mailed, seal broken)"},

    {"GET", "/vault", "vault.read", vault_page_list, ROUTE_HTML, "Vault page"},
    {"POST", "/vault", "vault.manage", vault_form_create, ROUTE_HTML | ROUTE_FORM, "Add an entry (form)"},
    {"GET", "/vault/{id}", "vault.read", vault_page_entry, ROUTE_HTML, "Vault entry page"},
    {"POST", "/vault/{id}/{action}", PERM_LOGIN, vault_form_action, ROUTE_HTML | ROUTE_FORM,
     "Reveal, rotate, break-glass (forms)"},
};

static const struct db_migration migrations[] = {
    /* box: base64(nonce || secretbox) under the key whose id is key_id;
     * the key itself is never in the database. reminded: 0 none, 1 the
     * seven-day mail, 2 the due mail (reset by a rotation). */
    {1,
     "CREATE TABLE vault_entries ("
     " id INTEGER PRIMARY KEY, system TEXT NOT NULL, account TEXT NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('sunucu', 'ag', 'uygulama', 'veritabani', 'diger')),"
     " unit_id INTEGER NOT NULL REFERENCES units(id), owner_id INTEGER NOT NULL REFERENCES org_people(id),"
     " notes TEXT NOT NULL DEFAULT '', rotate_every_days INTEGER NOT NULL DEFAULT 0,"
     " rotated_at INTEGER NOT NULL, rotate_due INTEGER, reminded INTEGER NOT NULL DEFAULT 0,"
     " sealed INTEGER NOT NULL DEFAULT 0, seal_broken_at INTEGER, seal_broken_by INTEGER REFERENCES users(id),"
     " key_id TEXT NOT NULL, box TEXT NOT NULL, created_by INTEGER REFERENCES users(id),"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX vault_entries_unit ON vault_entries(unit_id, id);"
     "CREATE INDEX vault_entries_owner ON vault_entries(owner_id);"
     "CREATE INDEX vault_entries_due ON vault_entries(rotate_due) WHERE rotate_due IS NOT NULL;"
     "CREATE TABLE vault_reveals ("
     " id INTEGER PRIMARY KEY, entry_id INTEGER NOT NULL REFERENCES vault_entries(id), at INTEGER NOT NULL,"
     " user_id INTEGER REFERENCES users(id), actor TEXT NOT NULL,"
     " kind TEXT NOT NULL CHECK (kind IN ('reveal', 'breakglass', 'denied')), reason TEXT NOT NULL);"
     "CREATE INDEX vault_reveals_entry ON vault_reveals(entry_id, id);"},
};

static const struct perm_def perms[] = {
    {"vault.read", "admin yonetici sorumlu teknik denetci", "See vault entries (never their secrets)"},
    {"vault.reveal", "yonetici sorumlu teknik", "Reveal a vault secret of the unit, with a stated reason"},
    {"vault.manage", "yonetici sorumlu teknik", "Add vault entries, change them, record new passwords"},
    {"vault.breakglass", "yonetici", "Open a sealed vault entry (break-glass)"},
};

static const struct job_def jobs[] = {
    {"vault.remind", 3600, vault_job_remind},
};

static const struct nav_item nav[] = {
    {"/vault", N_("Password vault"), "vault.read"},
};

static const char *const capabilities[] = {"vault", NULL};

const struct defter_module vault_module = {
    .name = "vault",
    .migrations = migrations,
    .nmigrations = ARRAY_LEN(migrations),
    .routes = routes,
    .nroutes = ARRAY_LEN(routes),
    .perms = perms,
    .nperms = ARRAY_LEN(perms),
    .jobs = jobs,
    .njobs = ARRAY_LEN(jobs),
    .nav = nav,
    .nnav = ARRAY_LEN(nav),
    .capabilities = capabilities,
    .figures = vault_figures,
    .configure = vault_configure,
    .dashboard = vault_dashboard,
};
