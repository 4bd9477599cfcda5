/* module.c - the work module's routes, schema, permissions, scheduler job,
 * menu entries and the capability it serves. */
#include "work.h"
#include "work_int.h"

static const struct route routes[] = {
    {"GET", "/api/v1/tasks", "task.read", work_api_tasks_list, 0, "List tasks (mine, unit, overdue, all)"},
    {"POST", "/api/v1/tasks", "task.create", work_api_task_create, 0, "Create a task"},
    {"GET", "/api/v1/tasks/{id}", "task.read", work_api_task_get, 0, "One task with comments, files and history"},
    {"POST", "/api/v1/tasks/{id}/transition", "task.read", work_api_task_transition, 0, "Change a task's status"},
    {"POST", "/api/v1/tasks/{id}/comments", "task.read", work_api_task_comment, 0, "Comment on a task"},
    {"POST", "/api/v1/tasks/{id}/assign", "task.assign", work_api_task_assign, 0, "Hand a task over (havale)"},
    {"POST", "/api/v1/tasks/{id}/attachments", "task.read", work_api_attachment_add, ROUTE_RAW, "Attach a file"},
    {"GET", "/api/v1/tasks/{id}/attachments/{aid}", "task.read", work_api_attachment_get, 0, "Download a file"},
    {"GET", "/api/v1/task-templates", "task.read", work_api_templates_list, 0, "Recurring task templates"},
    {"POST", "/api/v1/task-templates", "task.manage_recurring", work_api_template_create, 0,
     "Create a recurring task template"},
    {"GET", "/api/v1/work-program", "task.read", work_api_program, 0, "The work programme of a year"},

    {"GET", "/tasks", "task.read", work_page_tasks, ROUTE_HTML, "Tasks page"},
    {"POST", "/tasks", "task.create", work_form_task_create, ROUTE_HTML | ROUTE_FORM, "Create a task (form)"},
    {"GET", "/tasks/new", "task.create", work_page_task_new, ROUTE_HTML, "New task page (?duty= prefills)"},
    {"GET", "/tasks/{id}", "task.read", work_page_task, ROUTE_HTML, "Task page"},
    {"POST", "/tasks/{id}/transition", "task.read", work_form_transition, ROUTE_HTML | ROUTE_FORM,
     "Change a task's status (form)"},
    {"POST", "/tasks/{id}/attachments", "task.read", work_page_attachment_add, ROUTE_HTML | ROUTE_FORM | ROUTE_RAW,
     "Attach a file (form)"},
    {"POST", "/tasks/{id}/comments", "task.read", work_form_comment, ROUTE_HTML | ROUTE_FORM,
     "Comment on a task (form)"},
    {"POST", "/tasks/{id}/assign", "task.assign", work_form_assign, ROUTE_HTML | ROUTE_FORM,
     "Hand a task over (form)"},
    {"GET", "/work-program", "task.read", work_page_program, ROUTE_HTML, "Work programme page"},
};

static const struct db_migration migrations[] = {
    {1,
     "CREATE TABLE work_templates ("
     " id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
     " unit_id INTEGER NOT NULL REFERENCES units(id), assignee_id INTEGER REFERENCES users(id),"
     " duty_id INTEGER REFERENCES org_duties(id), priority TEXT NOT NULL, rule TEXT NOT NULL,"
     " due_days INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1,"
     " created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL, start_date TEXT NOT NULL,"
     " last_period TEXT);"
     "CREATE TABLE work_tasks ("
     " id INTEGER PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
     " unit_id INTEGER NOT NULL REFERENCES units(id), assignee_id INTEGER REFERENCES users(id),"
     " duty_id INTEGER REFERENCES org_duties(id), doc_no TEXT, priority TEXT NOT NULL, status TEXT NOT NULL,"
     " deadline TEXT, created_by INTEGER REFERENCES users(id),"
     " template_id INTEGER REFERENCES work_templates(id), period TEXT,"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER,"
     " UNIQUE (template_id, period));"
     "CREATE INDEX work_tasks_unit ON work_tasks(unit_id);"
     "CREATE INDEX work_tasks_assignee ON work_tasks(assignee_id);"
     "CREATE INDEX work_tasks_duty ON work_tasks(duty_id, created_at);"
     "CREATE INDEX work_tasks_deadline ON work_tasks(deadline);"
     "CREATE TABLE work_events ("
     " id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL REFERENCES work_tasks(id), at INTEGER NOT NULL,"
     " actor_id INTEGER REFERENCES users(id), actor TEXT NOT NULL, kind TEXT NOT NULL,"
     " from_status TEXT, to_status TEXT, from_unit INTEGER REFERENCES units(id),"
     " to_unit INTEGER REFERENCES units(id), from_user INTEGER REFERENCES users(id),"
     " to_user INTEGER REFERENCES users(id), note TEXT);"
     "CREATE INDEX work_events_task ON work_events(task_id, id);"
     "CREATE TABLE work_comments ("
     " id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL REFERENCES work_tasks(id),"
     " author_id INTEGER NOT NULL REFERENCES users(id), body TEXT NOT NULL, created_at INTEGER NOT NULL);"
     "CREATE INDEX work_comments_task ON work_comments(task_id, id);"
     "CREATE TABLE work_attachments ("
     " id INTEGER PRIMARY KEY, task_id INTEGER NOT NULL REFERENCES work_tasks(id), name TEXT NOT NULL,"
     " sha256 TEXT NOT NULL, size INTEGER NOT NULL, mime TEXT NOT NULL,"
     " uploaded_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL);"
     "CREATE INDEX work_attachments_task ON work_attachments(task_id, id);"},
    /* Tasks made by other modules name their record (work_task_add). */
    {2,
     "ALTER TABLE work_tasks ADD COLUMN ref TEXT;"
     "CREATE INDEX work_tasks_ref ON work_tasks(ref);"},
};

static const struct perm_def perms[] = {
    {"task.read", "admin yonetici sorumlu teknik personel denetci", "See tasks assigned to or created by oneself"},
    {"task.read_unit", "admin yonetici sorumlu teknik denetci", "See the tasks of the units one's grants reach"},
    {"task.create", "yonetici sorumlu", "Give tasks to units and people"},
    {"task.assign", "yonetici sorumlu", "Hand tasks over to another unit or person (havale)"},
    {"task.update", "yonetici sorumlu", "Change the status of the unit's tasks (assignees may always)"},
    {"task.reopen", "yonetici", "Reopen completed or cancelled tasks"},
    {"task.manage_recurring", "yonetici", "Manage recurring task templates"},
};

static const struct job_def jobs[] = {
    {"work.recurring", 60, work_job_recurring},
};

static const struct nav_item nav[] = {
    {"/tasks", "Tasks", "task.read"},
    {"/work-program", "Work programme", "task.read"},
};

static const char *const capabilities[] = {"task", NULL};

const struct defter_module work_module = {
    .name = "work",
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
    .figures = work_figures,
    .dashboard = work_dashboard,
    .configure = work_configure,
};
