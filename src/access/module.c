/* module.c - the access module's routes, schema, permissions, scheduler
 * job, menu entries and the capabilities it serves (access_request,
 * access_review). */
#include "access.h"
#include "access_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/access/systems", "access.read", access_api_systems_list, 0,
     "The systems catalogue with the roles each system grants"},
    {"POST", "/api/v1/access/systems", "access.manage", access_api_system_create, 0, "Add a system"},
    {"GET", "/api/v1/access/systems/{id}", "access.read", access_api_system_get, 0, "One system with its roles"},
    {"PATCH", "/api/v1/access/systems/{id}", "access.manage", access_api_system_patch, 0, "Change a system"},
    {"POST", "/api/v1/access/systems/{id}/roles", "access.manage", access_api_role_create, 0,
     "Add a role to a system"},
    {"PATCH", "/api/v1/access/systems/{id}/roles/{rid}", "access.manage", access_api_role_patch, 0,
     "Change a system's role"},

    {"GET", "/api/v1/access/requests", "access.read", access_api_requests_list, 0,
     "Authorisation requests (mine, to do, all visible)"},
    {"POST", "/api/v1/access/requests", "access.request", access_api_request_create, 0,
     "Request access for a person, or register a request from an incoming letter"},
    {"GET", "/api/v1/access/requests/{id}", "access.read", access_api_request_get, 0,
     "One request with its history and the actions the caller may take"},
    {"POST", "/api/v1/access/requests/{id}/approve", "access.read", access_api_request_approve, 0,
     "Approve the current step (unit manager, then IT manager or system owner)"},
    {"POST", "/api/v1/access/requests/{id}/start", "access.read", access_api_request_start, 0,
     "The technician starts provisioning"},
    {"POST", "/api/v1/access/requests/{id}/provision", "access.read", access_api_request_provision, 0,
     "Record the provisioning (creates the grant)"},
    {"POST", "/api/v1/access/requests/{id}/reject", "access.read", access_api_request_reject, 0,
     "Reject with a reason"},
    {"POST", "/api/v1/access/requests/{id}/cancel", "access.read", access_api_request_cancel, 0,
     "Withdraw a request"},

    {"GET", "/api/v1/access/grants", "access.read", access_api_grants_list, 0, "Who holds what (filters)"},
    {"POST", "/api/v1/access/grants/{id}/revoke", "access.provision", access_api_grant_revoke, 0,
     "Revoke a grant now (closes its revoke task)"},
    {"GET", "/api/v1/access/people/{id}/grants", "access.read", access_api_person_grants, 0,
     "Every grant of a person"},

    {"GET", "/api/v1/access/reviews", "access.read", access_api_reviews_list, 0, "Access review campaigns"},
    {"POST", "/api/v1/access/reviews", "access.review_manage", access_api_review_create, 0,
     "Start a review campaign for a system or a unit"},
    {"GET", "/api/v1/access/reviews/{id}", "access.read", access_api_review_get, 0, "A campaign with its lines"},
    {"POST", "/api/v1/access/reviews/{id}/lines/{lid}", "access.read", access_api_review_decide, 0,
     "Confirm or revoke one line"},
    {"POST", "/api/v1/access/reviews/{id}/close", "access.review_manage", access_api_review_close, 0,
     "Close a campaign whose lines are all decided"},
    {"GET", "/api/v1/access/reviews/{id}/report.pdf", "access.read", access_api_review_pdf, 0,
     "The campaign's report as PDF (audit evidence)"},
    {"GET", "/api/v1/access/reviews/{id}/report.xlsx", "access.read", access_api_review_xlsx, 0,
     "The campaign's report as XLSX"},

    {"GET", "/access", "access.read", access_page_home, ROUTE_HTML, "Access requests: to do and mine"},
    {"GET", "/access/systems", "access.read", access_page_systems, ROUTE_HTML, "Systems catalogue page"},
    {"POST", "/access/systems", "access.manage", access_form_system, ROUTE_HTML | ROUTE_FORM,
     "Add or change a system (form)"},
    {"POST", "/access/systems/{id}/roles", "access.manage", access_form_role, ROUTE_HTML | ROUTE_FORM,
     "Add a role (form)"},
    {"GET", "/access/requests/new", "access.request", access_page_request_new, ROUTE_HTML, "New request page"},
    {"POST", "/access/requests/new", "access.request", access_form_request_new, ROUTE_HTML | ROUTE_FORM,
     "New request (form)"},
    {"GET", "/access/requests/{id}", "access.read", access_page_request, ROUTE_HTML, "Request page"},
    {"POST", "/access/requests/{id}/{action}", "access.read", access_form_request_action, ROUTE_HTML | ROUTE_FORM,
     "Request actions (forms)"},
    {"GET", "/access/people/{id}", "access.read", access_page_person, ROUTE_HTML, "A person's grants"},
    {"POST", "/access/grants/{id}/revoke", "access.provision", access_form_grant_revoke, ROUTE_HTML | ROUTE_FORM,
     "Revoke a grant (form)"},
    {"GET", "/access/reviews", "access.read", access_page_reviews, ROUTE_HTML, "Access reviews page"},
    {"POST", "/access/reviews", "access.review_manage", access_form_review_new, ROUTE_HTML | ROUTE_FORM,
     "Start a review (form)"},
    {"GET", "/access/reviews/{id}", "access.read", access_page_review, ROUTE_HTML, "Review campaign page"},
    {"POST", "/access/reviews/{id}/lines/{lid}", "access.read", access_form_review_decide, ROUTE_HTML | ROUTE_FORM,
     "Confirm or revoke a line (form)"},
    {"POST", "/access/reviews/{id}/close", "access.review_manage", access_form_review_close,
     ROUTE_HTML | ROUTE_FORM, "Close a campaign (form)"},
};

static const struct db_migration migrations[] = {
    {1,
     /* The catalogue: approver "it_manager" = holders of access.approve
      * on the owner unit; "system_owner" = the owner user. */
     "CREATE TABLE access_systems ("
     " id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
     " owner_unit_id INTEGER NOT NULL REFERENCES units(id), owner_id INTEGER REFERENCES users(id),"
     " tech_owner_id INTEGER REFERENCES users(id), requires_letter INTEGER NOT NULL DEFAULT 0,"
     " approver TEXT NOT NULL DEFAULT 'it_manager' CHECK (approver IN ('it_manager', 'system_owner')),"
     " active INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE TABLE access_roles ("
     " id INTEGER PRIMARY KEY, system_id INTEGER NOT NULL REFERENCES access_systems(id), code TEXT NOT NULL,"
     " name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1,"
     " UNIQUE (system_id, code));"
     /* Requests: person x system x role, through the chain. */
     "CREATE TABLE access_requests ("
     " id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES org_people(id),"
     " system_id INTEGER NOT NULL REFERENCES access_systems(id), role_id INTEGER NOT NULL REFERENCES access_roles(id),"
     " unit_id INTEGER NOT NULL REFERENCES units(id), reason TEXT NOT NULL, expires_on TEXT,"
     " source TEXT NOT NULL CHECK (source IN ('self', 'letter')), letter_no TEXT, letter_date TEXT,"
     " status TEXT NOT NULL, created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL,"
     " updated_at INTEGER NOT NULL, provisioned_by INTEGER REFERENCES users(id), provisioned_at INTEGER,"
     " provision_note TEXT, reject_reason TEXT, grant_id INTEGER);"
     "CREATE INDEX access_requests_status ON access_requests(status, id);"
     "CREATE INDEX access_requests_person ON access_requests(person_id, role_id);"
     "CREATE INDEX access_requests_created ON access_requests(created_at);"
     "CREATE TABLE access_request_events ("
     " id INTEGER PRIMARY KEY, request_id INTEGER NOT NULL REFERENCES access_requests(id), at INTEGER NOT NULL,"
     " actor_id INTEGER REFERENCES users(id), actor TEXT NOT NULL, kind TEXT NOT NULL, from_status TEXT,"
     " to_status TEXT, note TEXT);"
     "CREATE INDEX access_request_events_req ON access_request_events(request_id, id);"
     /* Grants: the truth of who holds what. At most one live grant per
      * person and role. */
     "CREATE TABLE access_grants ("
     " id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES org_people(id),"
     " system_id INTEGER NOT NULL REFERENCES access_systems(id), role_id INTEGER NOT NULL REFERENCES access_roles(id),"
     " request_id INTEGER REFERENCES access_requests(id), granted_at INTEGER NOT NULL,"
     " granted_by INTEGER REFERENCES users(id), expires_on TEXT,"
     " status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoking', 'revoked')),"
     " revoke_task_id INTEGER REFERENCES work_tasks(id), revoke_reason TEXT, revoked_at INTEGER,"
     " revoked_by INTEGER REFERENCES users(id), revoke_note TEXT);"
     "CREATE UNIQUE INDEX access_grants_live ON access_grants(person_id, role_id) WHERE status <> 'revoked';"
     "CREATE INDEX access_grants_system ON access_grants(system_id, status);"
     "CREATE INDEX access_grants_expiry ON access_grants(expires_on) WHERE status = 'active';"
     /* Reviews: lines copy the names they showed, so the report stays
      * the evidence of what the reviewer saw. */
     "CREATE TABLE access_reviews ("
     " id INTEGER PRIMARY KEY, title TEXT NOT NULL, system_id INTEGER REFERENCES access_systems(id),"
     " unit_id INTEGER REFERENCES units(id), deadline TEXT NOT NULL,"
     " status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),"
     " created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL, closed_at INTEGER,"
     " closed_by INTEGER REFERENCES users(id), CHECK ((system_id IS NULL) <> (unit_id IS NULL)));"
     "CREATE TABLE access_review_reviewers ("
     " review_id INTEGER NOT NULL REFERENCES access_reviews(id), user_id INTEGER NOT NULL REFERENCES users(id),"
     " PRIMARY KEY (review_id, user_id));"
     "CREATE TABLE access_review_lines ("
     " id INTEGER PRIMARY KEY, review_id INTEGER NOT NULL REFERENCES access_reviews(id),"
     " grant_id INTEGER NOT NULL REFERENCES access_grants(id), person_name TEXT NOT NULL, unit_name TEXT NOT NULL,"
     " system_name TEXT NOT NULL, role_name TEXT NOT NULL, granted_at INTEGER NOT NULL, expires_on TEXT,"
     " decision TEXT CHECK (decision IN ('confirm', 'revoke')), note TEXT, decided_by INTEGER REFERENCES users(id),"
     " decided_at INTEGER, task_id INTEGER REFERENCES work_tasks(id));"
     "CREATE INDEX access_review_lines_review ON access_review_lines(review_id, id);"},
};

static const struct perm_def perms[] = {
    {"access.read", "admin yonetici sorumlu teknik personel denetci",
     "See the systems catalogue, one's own requests and grants"},
    {"access.request", "yonetici sorumlu teknik personel", "Request access (for oneself)"},
    {"access.request_unit", "yonetici sorumlu",
     "Request access for the people of the units one's grants reach, and approve their requests"},
    {"access.register_letter", "yonetici sorumlu", "Register a request that came with a formal letter"},
    {"access.read_unit", "admin yonetici sorumlu denetci",
     "See the requests and grants of the people of the units one's grants reach"},
    {"access.approve", "yonetici", "Approve requests as the IT manager (systems owned by units one's grants reach)"},
    {"access.provision", "yonetici sorumlu teknik",
     "Provision and revoke access on the systems of the units one's grants reach (not a request one approved)"},
    {"access.manage", "admin yonetici", "Edit the systems catalogue and its roles"},
    {"access.review_manage", "admin yonetici", "Start and close access review campaigns"},
    {"access.review_read", "admin yonetici sorumlu denetci", "See access review campaigns and their reports"},
};

static const struct job_def jobs[] = {
    {"access.expiry", 600, access_job_expiry},
};

static const struct nav_item nav[] = {
    {"/access", N_("Access requests"), "access.read"},
    {"/access/systems", N_("Systems catalogue"), "access.read"},
    {"/access/reviews", N_("Access reviews"), "access.review_read"},
};

static const char *const capabilities[] = {"access_request", "access_review", NULL};

const struct defter_module access_module = {
    .name = "access",
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
    .figures = access_figures,
    .dashboard = access_dashboard,
};
