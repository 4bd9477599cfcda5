/* module.c - e-signatures and mobile signatures: routes, schema,
 * permissions, the reminder job, menu entry and the capability it serves
 * (`esign`). */
#include "esign.h"
#include "esign_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/esign/signatures", "esign.read", esign_api_list, 0,
     "E-signatures: filters person, status; cursor paging"},
    {"POST", "/api/v1/esign/signatures", "esign.manage", esign_api_create, 0,
     "Register a signature with its certificate (PEM or DER, base64)"},
    {"GET", "/api/v1/esign/signatures/{id}", "esign.read", esign_api_get, 0, "One signature and its workflows"},
    {"PATCH", "/api/v1/esign/signatures/{id}", "esign.manage", esign_api_patch, 0,
     "Change status, card, provider; upload the renewed certificate"},
    {"GET", "/api/v1/esign/expiring", "esign.read", esign_api_expiring, 0,
     "Signatures that expire in a quarter (default: this one)"},
    {"GET", "/api/v1/esign/reminders", "esign.read", esign_api_reminders, 0,
     "Signatures within 90 days of expiry and the reminders sent"},
    {"GET", "/api/v1/esign/people/{id}", "esign.read", esign_api_person, 0, "A person's signatures and workflows"},
    {"GET", "/api/v1/esign/workflows", "esign.read", esign_api_workflows, 0,
     "Application, renewal and installation workflows"},
    {"POST", "/api/v1/esign/workflows", "esign.manage", esign_api_workflow_create, 0, "Open a workflow"},
    {"GET", "/api/v1/esign/workflows/{id}", "esign.read", esign_api_workflow_get, 0, "One workflow and its steps"},
    {"PATCH", "/api/v1/esign/workflows/{id}", "esign.manage", esign_api_workflow_patch, 0,
     "Close, cancel or reopen a workflow"},
    {"POST", "/api/v1/esign/workflows/{id}/steps", "esign.manage", esign_api_workflow_step, 0,
     "Record a step of a workflow"},

    {"GET", "/esign", "esign.read", esign_page_list, ROUTE_HTML, "E-signatures page"},
    {"POST", "/esign", "esign.manage", esign_form_create, ROUTE_HTML | ROUTE_FORM, "Register a signature (form)"},
    {"GET", "/esign/{id}", "esign.read", esign_page_signature, ROUTE_HTML, "Signature page"},
    {"POST", "/esign/{id}/{action}", "esign.manage", esign_form_action, ROUTE_HTML | ROUTE_FORM,
     "Status, workflows and steps (forms)"},
};

static const struct db_migration migrations[] = {
    /* status is what was decided (active, suspended, revoked); "expired"
     * is computed from not_after. cert_der: base64 of the certificate.
     * esign_reminders: one row per stage sent for one validity end. */
    {1,
     "CREATE TABLE esign_signatures ("
     " id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES org_people(id),"
     " kind TEXT NOT NULL CHECK (kind IN ('eimza', 'mobil')), provider TEXT NOT NULL,"
     " status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')), card_id TEXT,"
     " serial TEXT, subject TEXT, issuer TEXT, tckn TEXT, not_before INTEGER, not_after INTEGER,"
     " cert_sha256 TEXT, cert_der TEXT, notes TEXT NOT NULL DEFAULT '', created_by INTEGER REFERENCES users(id),"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX esign_signatures_person ON esign_signatures(person_id);"
     "CREATE INDEX esign_signatures_expiry ON esign_signatures(not_after);"
     "CREATE UNIQUE INDEX esign_signatures_cert ON esign_signatures(cert_sha256) WHERE cert_sha256 IS NOT NULL;"
     "CREATE TABLE esign_reminders ("
     " signature_id INTEGER NOT NULL REFERENCES esign_signatures(id), not_after INTEGER NOT NULL,"
     " stage INTEGER NOT NULL, sent_at INTEGER NOT NULL, mailed INTEGER NOT NULL,"
     " PRIMARY KEY (signature_id, not_after, stage));"
     "CREATE TABLE esign_workflows ("
     " id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES org_people(id),"
     " signature_id INTEGER REFERENCES esign_signatures(id),"
     " kind TEXT NOT NULL CHECK (kind IN ('application', 'renewal', 'installation')),"
     " status TEXT NOT NULL CHECK (status IN ('open', 'done', 'cancelled')), due_date TEXT,"
     " note TEXT NOT NULL DEFAULT '', opened_at INTEGER NOT NULL, opened_by INTEGER REFERENCES users(id),"
     " closed_at INTEGER);"
     "CREATE INDEX esign_workflows_person ON esign_workflows(person_id, id);"
     "CREATE INDEX esign_workflows_signature ON esign_workflows(signature_id);"
     "CREATE TABLE esign_steps ("
     " id INTEGER PRIMARY KEY, workflow_id INTEGER NOT NULL REFERENCES esign_workflows(id), step TEXT NOT NULL,"
     " day TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', user_id INTEGER REFERENCES users(id), actor TEXT NOT NULL,"
     " created_at INTEGER NOT NULL);"
     "CREATE INDEX esign_steps_workflow ON esign_steps(workflow_id, id);"},
};

static const struct perm_def perms[] = {
    {"esign.read", "admin yonetici sorumlu teknik denetci", "See the e-signatures of the units one's grants reach"},
    {"esign.manage", "yonetici sorumlu teknik",
     "Register e-signatures, upload certificates, track applications, renewals and installations"},
};

static const struct job_def jobs[] = {
    {"esign.remind", 3600, esign_job_remind},
};

static const struct nav_item nav[] = {
    {"/esign", N_("E-signatures"), "esign.read"},
};

static const char *const capabilities[] = {"esign", NULL};

const struct defter_module esign_module = {
    .name = "esign",
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
    .figures = esign_figures,
    .configure = esign_configure,
    .dashboard = esign_dashboard,
};
