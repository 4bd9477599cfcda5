/* module.c - the service desk's routes, schema, permissions, scheduler
 * jobs, menu entries and the capability it serves (`desk`). */
#include "desk.h"
#include "desk_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/desk/tickets", "desk.report", desk_api_list, 0,
     "Tickets: search (q), filters, sort and cursor paging"},
    {"POST", "/api/v1/desk/tickets", "desk.report", desk_api_create, 0, "Report a fault or make a request"},
    {"GET", "/api/v1/desk/tickets/{id}", "desk.report", desk_api_get, 0,
     "One ticket with comments, work log, files, repairs and history"},
    {"PATCH", "/api/v1/desk/tickets/{id}", "desk.work", desk_api_patch, 0,
     "Change category, urgency, impact, location, asset or mode"},
    {"POST", "/api/v1/desk/tickets/{id}/transition", "desk.report", desk_api_transition, 0, "Change the status"},
    {"POST", "/api/v1/desk/tickets/{id}/assign", "desk.work", desk_api_assign, 0,
     "Assign to a unit queue and/or a person"},
    {"POST", "/api/v1/desk/tickets/{id}/escalate", "desk.work", desk_api_escalate, 0,
     "Escalate to second level support"},
    {"POST", "/api/v1/desk/tickets/{id}/merge", "desk.assign", desk_api_merge, 0, "Merge a duplicate into a ticket"},
    {"POST", "/api/v1/desk/tickets/{id}/comments", "desk.report", desk_api_comment, 0,
     "Public or internal comment"},
    {"POST", "/api/v1/desk/tickets/{id}/worklog", "desk.work", desk_api_worklog, 0, "Record time spent"},
    {"POST", "/api/v1/desk/tickets/{id}/watchers", "desk.report", desk_api_watch, 0, "Add a watcher"},
    {"DELETE", "/api/v1/desk/tickets/{id}/watchers/{uid}", "desk.report", desk_api_unwatch, 0, "Remove a watcher"},
    {"POST", "/api/v1/desk/tickets/{id}/attachments", "desk.report", desk_api_attach, ROUTE_RAW, "Attach a file"},
    {"GET", "/api/v1/desk/tickets/{id}/attachments/{aid}", "desk.report", desk_api_attachment_get, 0,
     "Download a file"},
    {"POST", "/api/v1/desk/tickets/{id}/repairs", "desk.work", desk_api_repair_add, 0,
     "Send a device to the vendor's service"},
    {"PATCH", "/api/v1/desk/repairs/{rid}", "desk.work", desk_api_repair_update, 0,
     "Record a repair's return and outcome"},
    {"GET", "/api/v1/desk/repairs", "desk.read_unit", desk_api_repairs, 0, "Devices at vendors' service"},
    {"GET", "/api/v1/desk/categories", "desk.report", desk_api_categories, 0, "The category tree and its routing"},
    {"POST", "/api/v1/desk/categories", "desk.manage", desk_api_category_save, 0, "Add or change a category"},
    {"GET", "/api/v1/desk/sla", "desk.report", desk_api_sla, 0, "SLA targets"},
    {"PUT", "/api/v1/desk/sla", "desk.manage", desk_api_sla_save, 0, "Set an SLA target"},
    {"GET", "/api/v1/desk/views", "desk.report", desk_api_views, 0, "My saved views"},
    {"POST", "/api/v1/desk/views", "desk.report", desk_api_view_save, 0, "Save a view"},
    {"DELETE", "/api/v1/desk/views/{vid}", "desk.report", desk_api_view_delete, 0, "Delete a saved view"},
    {"POST", "/api/v1/desk/rate/{token}", NULL, desk_api_rate, ROUTE_NO_CSRF,
     "Satisfaction rating from the link in the resolution mail"},
    {"GET", "/api/v1/desk/reports", "desk.reports", desk_api_report, 0,
     "Counts, response and resolution times, SLA compliance, satisfaction"},
    {"GET", "/api/v1/desk/reports/export", "desk.reports", desk_api_report_export, 0, "The report as XLSX or CSV"},

    {"GET", "/desk", "desk.read_unit", desk_page_queue, ROUTE_HTML, "Technician queue"},
    {"POST", "/desk/views", "desk.report", desk_form_view_save, ROUTE_HTML | ROUTE_FORM, "Save a view (form)"},
    {"GET", "/desk/my", "desk.report", desk_page_mine, ROUTE_HTML, "My requests"},
    {"GET", "/desk/new", "desk.report", desk_page_new, ROUTE_HTML, "Report a fault / make a request"},
    {"POST", "/desk/new", "desk.report", desk_form_new, ROUTE_HTML | ROUTE_FORM, "Report a fault (form)"},
    {"GET", "/desk/tickets/{id}", "desk.report", desk_page_ticket, ROUTE_HTML, "Ticket page"},
    {"POST", "/desk/tickets/{id}/attachments", "desk.report", desk_form_attach, ROUTE_HTML | ROUTE_FORM | ROUTE_RAW,
     "Attach a file (form)"},
    {"POST", "/desk/tickets/{id}/{action}", "desk.report", desk_form_action, ROUTE_HTML | ROUTE_FORM,
     "Ticket actions (forms)"},
    {"GET", "/desk/rate/{token}", NULL, desk_page_rate, ROUTE_HTML, "Satisfaction page"},
    {"POST", "/desk/rate/{token}", NULL, desk_form_rate, ROUTE_HTML | ROUTE_FORM | ROUTE_NO_CSRF,
     "Satisfaction (form)"},
    {"GET", "/desk/reports", "desk.reports", desk_page_reports, ROUTE_HTML, "Service desk reports"},
    {"GET", "/desk/settings", "desk.manage", desk_page_settings, ROUTE_HTML, "Categories, routing and SLA targets"},
    {"POST", "/desk/settings/{what}", "desk.manage", desk_form_settings, ROUTE_HTML | ROUTE_FORM,
     "Change a category's routing or an SLA target (forms)"},
};

static const struct db_migration migrations[] = {
    {1,
     "CREATE TABLE desk_categories ("
     " id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES desk_categories(id), code TEXT NOT NULL UNIQUE,"
     " name TEXT NOT NULL, unit_id INTEGER REFERENCES units(id), l2_unit_id INTEGER REFERENCES units(id),"
     " duty_id INTEGER REFERENCES org_duties(id), default_type TEXT NOT NULL DEFAULT 'ariza',"
     " active INTEGER NOT NULL DEFAULT 1, sort INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE desk_tickets ("
     " id INTEGER PRIMARY KEY, type TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL DEFAULT '',"
     " category_id INTEGER REFERENCES desk_categories(id), unit_id INTEGER NOT NULL REFERENCES units(id),"
     " assignee_id INTEGER REFERENCES users(id), requester_id INTEGER REFERENCES users(id),"
     " requester_name TEXT, requester_email TEXT, asset_id INTEGER, location TEXT,"
     " urgency INTEGER NOT NULL, impact INTEGER NOT NULL, priority INTEGER NOT NULL,"
     " status INTEGER NOT NULL, waiting TEXT, level INTEGER NOT NULL DEFAULT 1, mode TEXT,"
     " channel TEXT NOT NULL DEFAULT 'web', created_by INTEGER REFERENCES users(id),"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, first_response_at INTEGER,"
     " resolved_at INTEGER, closed_at INTEGER, response_due INTEGER, resolve_due INTEGER, paused_at INTEGER,"
     " response_breached INTEGER NOT NULL DEFAULT 0, resolve_breached INTEGER NOT NULL DEFAULT 0,"
     " warned INTEGER NOT NULL DEFAULT 0, merged_into INTEGER REFERENCES desk_tickets(id), resolution TEXT,"
     " rating INTEGER, rating_comment TEXT, rating_token TEXT UNIQUE, minutes INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX desk_tickets_unit ON desk_tickets(unit_id, id);"
     "CREATE INDEX desk_tickets_unit_status ON desk_tickets(unit_id, status, id);"
     "CREATE INDEX desk_tickets_assignee ON desk_tickets(assignee_id, id);"
     "CREATE INDEX desk_tickets_requester ON desk_tickets(requester_id, id);"
     "CREATE INDEX desk_tickets_status ON desk_tickets(status, id);"
     "CREATE INDEX desk_tickets_created ON desk_tickets(created_at);"
     "CREATE INDEX desk_tickets_priority ON desk_tickets(priority, id DESC);"
     "CREATE INDEX desk_tickets_open_due ON desk_tickets(COALESCE(resolve_due, 9000000000000), id) WHERE status < 4;"
     "CREATE INDEX desk_tickets_open_priority ON desk_tickets(priority, id DESC) WHERE status < 4;"
     "CREATE INDEX desk_due_resolve ON desk_tickets(resolve_due)"
     " WHERE status < 4 AND paused_at IS NULL AND resolve_breached = 0;"
     "CREATE INDEX desk_due_response ON desk_tickets(response_due)"
     " WHERE status < 4 AND paused_at IS NULL AND first_response_at IS NULL AND response_breached = 0;"
     "CREATE INDEX desk_resolved ON desk_tickets(resolved_at) WHERE status = 4;"
     "CREATE TABLE desk_events ("
     " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES desk_tickets(id), at INTEGER NOT NULL,"
     " actor_id INTEGER REFERENCES users(id), actor TEXT NOT NULL, kind TEXT NOT NULL, from_value TEXT,"
     " to_value TEXT, note TEXT);"
     "CREATE INDEX desk_events_ticket ON desk_events(ticket_id, id);"
     "CREATE TABLE desk_comments ("
     " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES desk_tickets(id),"
     " author_id INTEGER REFERENCES users(id), author TEXT NOT NULL, body TEXT NOT NULL,"
     " internal INTEGER NOT NULL DEFAULT 0, via TEXT NOT NULL DEFAULT 'web', created_at INTEGER NOT NULL);"
     "CREATE INDEX desk_comments_ticket ON desk_comments(ticket_id, id);"
     "CREATE TABLE desk_worklog ("
     " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES desk_tickets(id),"
     " user_id INTEGER NOT NULL REFERENCES users(id), minutes INTEGER NOT NULL, mode TEXT NOT NULL,"
     " note TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL);"
     "CREATE INDEX desk_worklog_ticket ON desk_worklog(ticket_id, id);"
     "CREATE TABLE desk_attachments ("
     " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES desk_tickets(id), name TEXT NOT NULL,"
     " sha256 TEXT NOT NULL, size INTEGER NOT NULL, mime TEXT NOT NULL, uploaded_by INTEGER REFERENCES users(id),"
     " created_at INTEGER NOT NULL);"
     "CREATE INDEX desk_attachments_ticket ON desk_attachments(ticket_id, id);"
     "CREATE TABLE desk_watchers ("
     " ticket_id INTEGER NOT NULL REFERENCES desk_tickets(id), user_id INTEGER NOT NULL REFERENCES users(id),"
     " PRIMARY KEY (ticket_id, user_id));"
     "CREATE INDEX desk_watchers_user ON desk_watchers(user_id, ticket_id);"
     "CREATE TABLE desk_repairs ("
     " id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES desk_tickets(id), vendor TEXT NOT NULL,"
     " rma_no TEXT, sent_on TEXT NOT NULL, expected_on TEXT, returned_on TEXT, outcome TEXT, note TEXT,"
     " created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL);"
     "CREATE INDEX desk_repairs_ticket ON desk_repairs(ticket_id);"
     "CREATE INDEX desk_repairs_open ON desk_repairs(expected_on) WHERE returned_on IS NULL;"
     "CREATE TABLE desk_sla ("
     " id INTEGER PRIMARY KEY, category_id INTEGER REFERENCES desk_categories(id), priority INTEGER NOT NULL,"
     " response_min INTEGER NOT NULL, resolve_min INTEGER NOT NULL, UNIQUE (category_id, priority));"
     "INSERT INTO desk_sla (category_id, priority, response_min, resolve_min) VALUES"
     " (NULL, 1, 30, 240), (NULL, 2, 60, 480), (NULL, 3, 240, 1440), (NULL, 4, 480, 2400);"
     "CREATE TABLE desk_views ("
     " id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL,"
     " query TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (user_id, name));"
     "CREATE TABLE desk_mail_seen (message_id TEXT PRIMARY KEY, ticket_id INTEGER, at INTEGER NOT NULL);"
     "CREATE VIRTUAL TABLE desk_fts USING fts5(subject, body, public, internal,"
     " tokenize = 'unicode61 remove_diacritics 2', prefix = '4 6');"},
};

static const struct perm_def perms[] = {
    {"desk.report", "admin yonetici sorumlu teknik personel denetci",
     "Report faults and requests; see one's own and watched tickets"},
    {"desk.read_unit", "admin yonetici sorumlu teknik denetci", "See the tickets of the units one's grants reach"},
    {"desk.work", "yonetici sorumlu teknik", "Work on the unit's tickets: take, comment internally, log time, resolve"},
    {"desk.assign", "yonetici sorumlu", "Assign the unit's tickets, merge duplicates, close without resolution"},
    {"desk.manage", "admin yonetici", "Edit categories, routing and SLA targets"},
    {"desk.reports", "admin yonetici sorumlu denetci", "Service desk reports"},
};

static const struct job_def jobs[] = {
    {"desk.sla", 60, desk_job_sla},
    {"desk.autoclose", 3600, desk_job_autoclose},
    {"desk.mailin", 60, desk_job_mailin},
};

static const struct nav_item nav[] = {
    {"/desk", N_("Service desk"), "desk.read_unit"},
    {"/desk/my", N_("My requests"), "desk.report"},
    {"/desk/reports", N_("Desk reports"), "desk.reports"},
    {"/desk/settings", N_("Desk settings"), "desk.manage"},
};

static const char *const capabilities[] = {"desk", NULL};

const struct defter_module desk_module = {
    .name = "desk",
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
    .figures = desk_figures,
    .dashboard = desk_dashboard,
    .configure = desk_configure,
};
