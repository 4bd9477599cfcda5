/* module.c - the netlog module: the Law 5651 access-log archive. Its
 * collector is the separate process `defter netlog` (src/cli/netlog.c);
 * here are the web routes, schema, permissions (queries only for the
 * dedicated access-log officer), the alarm job and the capability. */
#include "netlog_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/netlog/status", "netlog.status", netlog_api_status, 0,
     "The archive: collector, seals, sources, disk, clock and open alarms"},
    {"GET", "/api/v1/netlog/alarms", "netlog.status", netlog_api_alarms, 0, "Alarms (all=1: also cleared ones)"},
    {"PATCH", "/api/v1/netlog/sources/{id}", "netlog.manage", netlog_api_source_patch, 0,
     "A log source's expected interval (silence alarm)"},
    {"POST", "/api/v1/netlog/query", "netlog.query", netlog_api_query, 0,
     "Who had this address then (audited with its reason)"},
    {"POST", "/api/v1/netlog/export", "netlog.query", netlog_api_export, 0,
     "The evidence package (ZIP) of a query, for the authorities"},
    {"GET", "/api/v1/netlog/verify", "netlog.status", netlog_api_verify, 0,
     "Verification of hashes, time stamps and the chain (JSON or PDF)"},
    {"GET", "/api/v1/netlog/static", "netlog.manage", netlog_api_static_list, 0, "Static address assignments"},
    {"POST", "/api/v1/netlog/static", "netlog.manage", netlog_api_static_add, 0, "Register a static assignment"},
    {"PATCH", "/api/v1/netlog/static/{id}", "netlog.manage", netlog_api_static_patch, 0,
     "End or annotate a static assignment"},

    {"GET", "/netlog", "netlog.status", netlog_page_status, ROUTE_HTML, "Access-log archive"},
    {"POST", "/netlog/sources/{id}", "netlog.manage", netlog_form_source, ROUTE_HTML | ROUTE_FORM,
     "A source's expected interval (form)"},
    {"GET", "/netlog/query", "netlog.query", netlog_page_query, ROUTE_HTML, "Who had this address"},
    {"POST", "/netlog/query", "netlog.query", netlog_form_query, ROUTE_HTML | ROUTE_FORM, "Ask the archive (form)"},
    {"POST", "/netlog/export", "netlog.query", netlog_form_export, ROUTE_HTML | ROUTE_FORM,
     "Evidence package (form)"},
    {"GET", "/netlog/static", "netlog.manage", netlog_page_static, ROUTE_HTML, "Static assignments"},
    {"POST", "/netlog/static", "netlog.manage", netlog_form_static, ROUTE_HTML | ROUTE_FORM,
     "Register a static assignment (form)"},
    {"POST", "/netlog/static/{id}", "netlog.manage", netlog_form_static, ROUTE_HTML | ROUTE_FORM,
     "End a static assignment (form)"},
};

static const struct db_migration migrations[] = {
    {1,
     /* static assignments: an address given by hand, for a period */
     "CREATE TABLE netlog_static ("
     " id INTEGER PRIMARY KEY, ip TEXT NOT NULL, mac TEXT, holder TEXT,"
     " person_id INTEGER REFERENCES org_people(id), unit_id INTEGER REFERENCES units(id), device TEXT,"
     " valid_from INTEGER NOT NULL, valid_to INTEGER, note TEXT, created_by INTEGER REFERENCES users(id),"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX netlog_static_ip ON netlog_static(ip, valid_from);"
     /* every source the collector has heard from, kept across its restarts */
     "CREATE TABLE netlog_sources ("
     " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, first_seen INTEGER NOT NULL,"
     " last_seen INTEGER NOT NULL, lines INTEGER NOT NULL DEFAULT 0, expected_seconds INTEGER);"
     "CREATE TABLE netlog_alarms ("
     " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '', detail TEXT,"
     " raised_at INTEGER NOT NULL, cleared_at INTEGER);"
     "CREATE UNIQUE INDEX netlog_alarms_open ON netlog_alarms(kind, subject) WHERE cleared_at IS NULL;"},
};

static const struct perm_def perms[] = {
    {"netlog.status", "admin yonetici teknik kayit_sorumlusu denetci",
     "See the access-log archive's state and alarms; run its verification"},
    {"netlog.manage", "admin kayit_sorumlusu", "Static assignments and source intervals of the access-log archive"},
    {"netlog.query", "kayit_sorumlusu", "Ask the access-log archive who had an address (audited) and export evidence"},
};

static const struct job_def jobs[] = {
    {"netlog.watch", 60, netlog_job_watch},
};

static const struct nav_item nav[] = {
    {"/netlog", N_("Access logs (5651)"), "netlog.status"},
};

static const char *const capabilities[] = {"netlog", NULL};

const struct defter_module netlog_module = {
    .name = "netlog",
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
    .configure = netlog_configure,
    .dashboard = netlog_dashboard,
};
