/* module.c - the organisation module: the units, positions and duties
 * of the department's regulation. */
#include "org.h"
#include "org_int.h"

static const struct db_migration migrations[] = {
    {1,
     "CREATE TABLE org_positions ("
     " id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
     " unit_id INTEGER NOT NULL REFERENCES units(id));"
     "CREATE TABLE org_duties ("
     " id INTEGER PRIMARY KEY, ref TEXT NOT NULL UNIQUE, unit_id INTEGER NOT NULL REFERENCES units(id),"
     " position_id INTEGER REFERENCES org_positions(id), text TEXT NOT NULL,"
     " repealed INTEGER NOT NULL DEFAULT 0, sort INTEGER NOT NULL);"
     "CREATE INDEX org_duties_unit ON org_duties(unit_id);"
     "CREATE TABLE org_duty_caps ("
     " duty_id INTEGER NOT NULL REFERENCES org_duties(id) ON DELETE CASCADE, capability TEXT NOT NULL,"
     " PRIMARY KEY (duty_id, capability));"},
};

static const struct route routes[] = {
    {"GET", "/api/v1/org/units", "org.read", org_api_units, 0, "The unit tree"},
    {"GET", "/api/v1/org/duties", "org.read", org_api_duties, 0, "The regulation's duties"},
    {"GET", "/org", "org.read", org_page, ROUTE_HTML, "Organisation and duties page"},
};

static const struct perm_def perms[] = {
    {"org.read", "admin yonetici sorumlu teknik personel denetci", "See the organisation and its duties"},
    {"org.manage", "admin", "Change the organisation"},
};

static const struct nav_item nav[] = {
    {"/org", "Organisation", "org.read"},
};

const struct defter_module org_module = {
    .name = "org",
    .migrations = migrations,
    .nmigrations = ARRAY_LEN(migrations),
    .routes = routes,
    .nroutes = ARRAY_LEN(routes),
    .perms = perms,
    .nperms = ARRAY_LEN(perms),
    .nav = nav,
    .nnav = ARRAY_LEN(nav),
    .dashboard = org_dashboard,
};
