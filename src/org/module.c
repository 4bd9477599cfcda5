/* module.c - the organisation module: the units, positions and duties
 * of the department's regulation, the people who serve in them, deputies
 * (vekalet), the duty coverage report and the working-time calendar. */
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
    /* People (name_fold / name_ascii: the Turkish case fold for search)
     * and deputies. Dates are "YYYY-MM-DD" in Europe/Istanbul, so core's
     * permission query can compare them with today's date as text. */
    {2,
     "CREATE TABLE org_people ("
     " id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_fold TEXT NOT NULL, name_ascii TEXT NOT NULL,"
     " tckn TEXT NOT NULL UNIQUE, unit_id INTEGER NOT NULL REFERENCES units(id),"
     " position_id INTEGER REFERENCES org_positions(id),"
     " employment TEXT NOT NULL CHECK (employment IN ('memur', 'isci', 'sozlesmeli', 'sirket', 'stajyer')),"
     " phone TEXT, email TEXT, start_date TEXT, end_date TEXT, active INTEGER NOT NULL DEFAULT 1,"
     " user_id INTEGER UNIQUE REFERENCES users(id), created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE INDEX org_people_unit ON org_people(unit_id);"
     "CREATE INDEX org_people_fold ON org_people(name_fold);"},
    /* The working-time calendar (calendar.c): exception days as
     * "YYYY-MM-DD" in Europe/Istanbul; half_from (minutes from midnight)
     * only for half days; source 'builtin' (the official table) or
     * 'admin'. calendar_seeded: the years the official table was copied
     * for, so that it is copied once per year. */
    {3,
     "CREATE TABLE calendar_days ("
     " day TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('holiday', 'half', 'workday')),"
     " half_from INTEGER CHECK ((kind = 'half') = (half_from IS NOT NULL)), name TEXT NOT NULL,"
     " source TEXT NOT NULL DEFAULT 'builtin');"
     "CREATE TABLE calendar_seeded (year INTEGER PRIMARY KEY, seeded_at INTEGER NOT NULL);"},
};

static const struct route routes[] = {
    {"GET", "/api/v1/org/units", "org.read", org_api_units, 0, "The unit tree"},
    {"GET", "/api/v1/org/duties", "org.read", org_api_duties, 0, "The regulation's duties"},
    {"GET", "/org", "org.read", org_page, ROUTE_HTML, "Organisation chart and duties page"},

    {"GET", "/api/v1/org/people", "org.read", org_api_people_list, 0, "List people"},
    {"POST", "/api/v1/org/people", "people.manage", org_api_people_create, 0, "Add a person"},
    {"POST", "/api/v1/org/people/import", "people.manage", org_api_people_import, 0,
     "Import people from CSV (dry_run=1 only checks)"},
    {"GET", "/api/v1/org/people/{id}", "org.read", org_api_person_get, 0, "One person"},
    {"PATCH", "/api/v1/org/people/{id}", "people.manage", org_api_person_patch, 0, "Change a person"},
    {"GET", "/org/people", "org.read", org_people_page, ROUTE_HTML, "People page"},
    {"POST", "/org/people", "people.manage", org_people_form, ROUTE_HTML | ROUTE_FORM, "Add a person (form)"},
    {"POST", "/org/people/import", "people.manage", org_people_import_form, ROUTE_HTML | ROUTE_FORM,
     "Import people from CSV (form)"},
    {"GET", "/org/people/{id}", "org.read", org_person_page, ROUTE_HTML, "Person page"},
    {"POST", "/org/people/{id}", "people.manage", org_person_form, ROUTE_HTML | ROUTE_FORM, "Change a person (form)"},

    {"GET", "/api/v1/org/deputies", "org.read", org_api_deputies_list, 0, "List deputies (vekalet)"},
    {"POST", "/api/v1/org/deputies", "deputy.manage", org_api_deputies_create, 0, "Appoint a deputy"},
    {"DELETE", "/api/v1/org/deputies/{id}", "deputy.manage", org_api_deputy_delete, 0, "Revoke a deputy"},

    {"GET", "/api/v1/org/coverage", "coverage.read", org_api_coverage, 0, "Duty coverage report"},
    {"GET", "/api/v1/org/coverage.xlsx", "coverage.read", org_api_coverage_xlsx, 0, "Duty coverage as XLSX"},
    {"GET", "/api/v1/org/coverage.pdf", "coverage.read", org_api_coverage_pdf, 0, "Duty coverage as PDF"},
    {"GET", "/org/coverage", "coverage.read", org_coverage_page, ROUTE_HTML, "Duty coverage page"},

    {"GET", "/api/v1/calendar", PERM_LOGIN, org_api_calendar, 0, "Working hours and the exception days of a year"},
    {"PUT", "/api/v1/calendar/hours", "calendar.manage", org_api_calendar_hours, 0, "Set the weekly working hours"},
    {"PUT", "/api/v1/calendar/days/{day}", "calendar.manage", org_api_calendar_day_put, 0,
     "Add or change an exception day"},
    {"DELETE", "/api/v1/calendar/days/{day}", "calendar.manage", org_api_calendar_day_delete, 0,
     "Remove an exception day"},
    {"GET", "/calendar", PERM_LOGIN, org_calendar_page, ROUTE_HTML, "Working-time calendar page"},
    {"POST", "/calendar/hours", "calendar.manage", org_calendar_hours_form, ROUTE_HTML | ROUTE_FORM,
     "Set the working hours (form)"},
    {"POST", "/calendar/days", "calendar.manage", org_calendar_day_form, ROUTE_HTML | ROUTE_FORM,
     "Add or change a day (form)"},
    {"POST", "/calendar/days/{day}/delete", "calendar.manage", org_calendar_day_delete_form,
     ROUTE_HTML | ROUTE_FORM, "Remove a day (form)"},
};

static const struct perm_def perms[] = {
    {"org.read", "admin yonetici sorumlu teknik personel denetci", "See the organisation and its duties"},
    {"org.manage", "admin", "Change the organisation"},
    {"people.manage", "admin yonetici", "Add, change and import people"},
    {"people.tckn", "admin yonetici", "See full T.C. identity numbers"},
    {"deputy.manage", "admin yonetici", "Appoint and revoke deputies"},
    {"coverage.read", "admin yonetici sorumlu denetci", "See the duty coverage report and export it"},
    {"calendar.manage", "admin yonetici", "Change the working hours and holidays of the calendar"},
};

static const struct job_def jobs[] = {
    {"org.calendar", 86400, org_job_calendar},
};

static const struct nav_item nav[] = {
    {"/org", "Organisation", "org.read"},
    {"/org/people", "People", "org.read"},
    {"/org/coverage", "Duty coverage", "coverage.read"},
    {"/calendar", "Calendar", PERM_LOGIN},
};

const struct defter_module org_module = {
    .name = "org",
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
    .dashboard = org_dashboard,
    .configure = org_configure,
};
