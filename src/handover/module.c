/* module.c - the handover module's routes, schema, permissions, menu
 * entry and the capability it serves (`handover`). */
#include "handover.h"
#include "handover_int.h"
#include "../core/i18n.h"
#include "../org/org.h"

static const struct route routes[] = {
    {"GET", "/api/v1/handover/cases", "handover.read", handover_api_list, 0,
     "Handover cases: filters state, person; cursor paging"},
    {"POST", "/api/v1/handover/cases", "handover.manage", handover_api_create, 0,
     "Open a case for a person who leaves, moves or died; builds the checklist"},
    {"GET", "/api/v1/handover/cases/{id}", "handover.read", handover_api_get, 0, "A case with its checklist"},
    {"POST", "/api/v1/handover/cases/{id}/refresh", "handover.manage", handover_api_refresh, 0,
     "Add the lines of items the person came to hold since the case opened"},
    {"POST", "/api/v1/handover/cases/{id}/lines/{lid}/close", "handover.manage", handover_api_line_close, 0,
     "Close a line: revoke, return, reassign, transfer, or not needed (with a reason)"},
    {"POST", "/api/v1/handover/cases/{id}/complete", "handover.manage", handover_api_complete, 0,
     "Complete the case (409 while a line is open): ends employment or moves the person"},
    {"POST", "/api/v1/handover/cases/{id}/cancel", "handover.manage", handover_api_cancel, 0, "Cancel the case"},
    {"GET", "/api/v1/handover/cases/{id}/tutanak.pdf", "handover.read", handover_api_tutanak, 0,
     "The handover record (tutanak) as PDF"},

    {"GET", "/handover", "handover.read", handover_page_list, ROUTE_HTML, "Handover cases"},
    {"POST", "/handover", "handover.manage", handover_form_open, ROUTE_HTML | ROUTE_FORM, "Open a case (form)"},
    {"GET", "/handover/cases/{id}", "handover.read", handover_page_case, ROUTE_HTML, "A case and its checklist"},
    {"POST", "/handover/cases/{id}/lines/{lid}", "handover.manage", handover_form_line, ROUTE_HTML | ROUTE_FORM,
     "Close a line (form)"},
    {"POST", "/handover/cases/{id}/{action}", "handover.manage", handover_form_action, ROUTE_HTML | ROUTE_FORM,
     "Refresh, complete or cancel a case (forms)"},
};

static const struct db_migration migrations[] = {
    /* A case per person and event; lines are the checklist, one per item
     * a source listed (source + ref). Dates are "YYYY-MM-DD" (Istanbul). */
    {1,
     "CREATE TABLE handover_cases ("
     " id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES org_people(id),"
     " unit_id INTEGER NOT NULL REFERENCES units(id),"
     " kind TEXT NOT NULL CHECK (kind IN ('ayrilis', 'nakil', 'vefat')),"
     " successor_id INTEGER REFERENCES org_people(id), new_unit_id INTEGER REFERENCES units(id),"
     " effective_date TEXT NOT NULL, note TEXT, witness TEXT,"
     " state TEXT NOT NULL CHECK (state IN ('acik', 'tamamlandi', 'iptal')),"
     " opened_by INTEGER REFERENCES users(id), opened_by_name TEXT NOT NULL, opened_at INTEGER NOT NULL,"
     " closed_by INTEGER REFERENCES users(id), closed_at INTEGER, close_note TEXT);"
     "CREATE INDEX handover_cases_person ON handover_cases(person_id, id);"
     "CREATE UNIQUE INDEX handover_cases_open ON handover_cases(person_id) WHERE state = 'acik';"
     "CREATE TABLE handover_lines ("
     " id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL REFERENCES handover_cases(id),"
     " source TEXT NOT NULL, ref TEXT NOT NULL, title TEXT NOT NULL, detail TEXT,"
     " state TEXT NOT NULL CHECK (state IN ('open', 'closed')), action TEXT,"
     " to_person_id INTEGER REFERENCES org_people(id), note TEXT, closed_by INTEGER REFERENCES users(id),"
     " closed_by_name TEXT, closed_at INTEGER, created_at INTEGER NOT NULL, UNIQUE (case_id, source, ref));"},
};

static const struct perm_def perms[] = {
    {"handover.read", "admin yonetici sorumlu denetci", "See handover cases and their records"},
    {"handover.manage", "admin yonetici sorumlu", "Open handover cases, close their lines, complete them"},
};

static const struct nav_item nav[] = {
    {"/handover", N_("Handover"), "handover.read"},
};

static const char *const capabilities[] = {"handover", NULL};

static void configure(const config *c)
{
  (void)c;
  handover_sources_init();
  org_set_leave_check(handover_leave_check);
}

const struct defter_module handover_module = {
    .name = "handover",
    .migrations = migrations,
    .nmigrations = ARRAY_LEN(migrations),
    .routes = routes,
    .nroutes = ARRAY_LEN(routes),
    .perms = perms,
    .nperms = ARRAY_LEN(perms),
    .nav = nav,
    .nnav = ARRAY_LEN(nav),
    .capabilities = capabilities,
    .configure = configure,
};
