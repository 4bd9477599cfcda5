/* work_int.h - the work module's private interface: the task record, the
 * status workflow, calendar dates, recurrence rules, attachment typing and
 * the handlers named in module.c's route table. */
#ifndef DEFTER_WORK_INT_H
#define DEFTER_WORK_INT_H

#include "../core/audit.h"
#include "../core/db.h"
#include "../core/files.h"
#include "../core/http.h"
#include "../core/module.h"

/* ---- status workflow (workflow.c) ------------------------------------ */

enum work_status {
  WS_YENI,
  WS_ATANDI,
  WS_SURUYOR,
  WS_BEKLEMEDE,
  WS_TAMAMLANDI,
  WS_IPTAL,
  WS_COUNT,
};

/* The stored key ("suruyor") of a status, and its English msgid label. */
const char *work_status_key(int st);
const char *work_status_label(int st);
/* The status for a key, or -1 when unknown. */
int work_status_from_key(const char *key);
bool work_status_final(int st);

/* What the transition table says about from -> to. */
enum work_move {
  WT_OK = 0,           /* allowed for anyone who may update the task */
  WT_INVALID = 1,      /* not in the table */
  WT_NEEDS_ASSIGNEE,   /* to "atandi" without a person to assign */
  WT_NEEDS_REOPEN,     /* from a final status: only a manager (task.reopen) */
  WT_NEEDS_MANAGER,    /* cancelling: only the unit's managers (task.update) */
};
enum work_move work_transition(int from, int to, bool has_assignee);

extern const char *const work_priorities[];  /* NULL-terminated keys */
bool work_priority_valid(const char *p);
const char *work_priority_label(const char *p);

/* ---- calendar (dates.c): whole days since 1970-01-01 ------------------ */

int64_t work_days_from_civil(int y, int m, int d);
void work_civil_from_days(int64_t days, int *y, int *m, int *d);
int work_days_in_month(int y, int m);
/* Strict "YYYY-MM-DD" (a real date); 0 ok, -1 invalid. */
int work_date_parse(const char *s, int64_t *days) WUR;
void work_date_fmt(int64_t days, char out[11]);
/* Today's date in Europe/Istanbul (UTC+3 all year since 2016). */
int64_t work_today(void);
/* The Istanbul calendar day of a unix time. */
int64_t work_day_of(int64_t unix_time);

/* ---- recurrence rules (rule.c) ---------------------------------------- */

enum work_rule_kind { WR_MONTHLY, WR_WEEKLY, WR_YEARLY };
struct work_rule {
  enum work_rule_kind kind;
  int day;    /* monthly: 1..31 (clamped to the month's length); weekly: ISO weekday 1=Mon..7=Sun;
                 yearly: day of month */
  int month;  /* yearly: 1..12 */
};
/* "monthly:N", "weekly:N" or "yearly:MM-DD"; 0 ok, -1 invalid. */
int work_rule_parse(const char *s, struct work_rule *out) WUR;
void work_rule_format(const struct work_rule *r, char out[16]);
/* The rule's occurrence in the period that contains day, and that
 * period's key ("2026-11", "2026-W47", "2026"). */
void work_rule_occurrence(const struct work_rule *r, int64_t day, int64_t *occ, char period[16]);
/* Should the task of the current period be generated on `today` for a
 * template that started on `start`? True once the period's occurrence has
 * come and when it is not before the start. */
bool work_rule_due(const struct work_rule *r, int64_t today, int64_t start, int64_t *occ, char period[16]);

/* ---- the task record (tasks.c) ---------------------------------------- */

struct work_task {
  int64_t id, unit_id, assignee_id, duty_id, created_by, template_id;
  int64_t created_at, updated_at, closed_at;
  int status;
  const char *title, *description, *doc_no, *priority, *deadline, *period;
  const char *unit_code, *unit_name, *assignee_username, *assignee_name, *duty_ref, *duty_text;
  const char *creator_username;
  const char *ref;  /* another module's record (work_task_add), or NULL */
};

/* A failure to report: HTTP status, error code, message, field errors. */
struct work_err {
  int status;
  const char *code;
  const char *message;
  json_t *fields;  /* owned; NULL or an object */
};
void work_err_set(struct work_err *e, int status, const char *code, const char *message);
void work_err_field(struct work_err *e, const char *field, const char *message);
/* Writes e as a JSON error (taking e->fields); returns 0. */
int work_err_reply(request *r, struct work_err *e);

/* Loads task id (strings from a). DB_ROW found, DB_OK none, <0 error. */
int work_task_load(db *d, arena *a, int64_t id, struct work_task *t) WUR;
bool work_can_read(request *r, const struct work_task *t);
/* The assignee or a holder of task.update on the task's unit. */
bool work_can_update(request *r, const struct work_task *t);
/* Comments and attachments: those who may update, and the creator. */
bool work_can_contribute(request *r, const struct work_task *t);
/* Loads {id} of the route and checks read access; on failure writes the
 * 404/403 reply and returns 1; -1 on store errors; 0 when t is ready. */
int work_task_from_route(request *r, struct work_task *t) WUR;
/* Loads task id for a change: 0 when found and readable, otherwise 404 or
 * 403 with e set (or -1 on store errors). */
int work_task_for_change(request *r, int64_t id, struct work_task *t, struct work_err *e) WUR;
json_t *work_task_json(request *r, const struct work_task *t);
bool work_overdue(const struct work_task *t, int64_t today);

struct work_task_in {
  const char *title, *description, *unit, *doc_no, *deadline, *priority;
  int64_t user, duty;
};
/* Creates a task; 0 with *id, >0 (an HTTP status with e filled), <0 error. */
int work_task_create(request *r, const struct work_task_in *in, int64_t *id, struct work_err *e) WUR;
int work_task_transition(request *r, int64_t id, const char *to, const char *note, struct work_err *e) WUR;
int work_task_assign(request *r, int64_t id, const char *unit, int64_t user, const char *reason,
                     struct work_err *e) WUR;
int work_comment_add(request *r, int64_t id, const char *body, int64_t *cid, struct work_err *e) WUR;
/* The statuses the caller may move the task to (for buttons). */
json_t *work_allowed_moves(request *r, const struct work_task *t);

/* SELECT of a task with its unit (tu), assignee, duty and creator;
 * read a row with work_task_row. */
#define WORK_TASK_SELECT                                                                                          \
  "SELECT t.id, t.title, t.description, t.unit_id, tu.code, tu.name, t.assignee_id, au.username,"                \
  " au.display_name, t.duty_id, dt.ref, dt.text, t.doc_no, t.priority, t.status, t.deadline, t.created_by,"      \
  " cu.username, t.template_id, t.period, t.created_at, t.updated_at, t.closed_at, t.ref"                              \
  " FROM work_tasks t JOIN units tu ON tu.id = t.unit_id LEFT JOIN users au ON au.id = t.assignee_id"           \
  " LEFT JOIN org_duties dt ON dt.id = t.duty_id LEFT JOIN users cu ON cu.id = t.created_by"
void work_task_row(db_stmt *st, arena *a, struct work_task *t);
/* Who may see a task (t, its unit tu): its assignee, its creator, and the
 * holders of task.read_unit on its unit or above. Binds the user id 3x. */
#define WORK_VISIBLE                                                                                             \
  "(t.assignee_id = ? OR t.created_by = ? OR EXISTS (SELECT 1 FROM effective_grants g"                                     \
  " JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'task.read_unit'"                                       \
  " JOIN users gx ON gx.id = g.user_id AND gx.active = 1 JOIN units gu ON gu.id = g.unit_id"                    \
  " WHERE g.user_id = ? AND substr(tu.path, 1, length(gu.path)) = gu.path))"

/* A task list query (API and page). */
enum work_view { WV_ALL, WV_MINE, WV_UNIT, WV_OVERDUE };
struct work_filter {
  enum work_view view;
  const char *view_key;
  const char *status;
  const char *unit;       /* code */
  const char *unit_path;  /* its path */
  int64_t duty;
  int64_t limit, cursor;
};
/* Reads ?view=&status=&unit=&duty=&limit=&cursor=; 0 ok, >0 with e set. */
int work_filter_parse(request *r, struct work_filter *f, int64_t max_limit, struct work_err *e) WUR;
/* Runs the query; *items from r->a; *more when another page follows. */
int work_tasks_query(request *r, const struct work_filter *f, struct work_task **items, size_t *n, bool *more) WUR;

/* Records one history event of a task (inside the caller's transaction). */
int work_event(db *d, int64_t task_id, int64_t actor_id, const char *actor, const char *kind, const char *from_status,
               const char *to_status, int64_t from_unit, int64_t to_unit, int64_t from_user, int64_t to_user,
               const char *note) WUR;
json_t *work_task_comments(db *d, int64_t id);
json_t *work_task_attachments(db *d, int64_t id);
json_t *work_task_history(db *d, int64_t id);

/* Shared lookups. */
int64_t work_unit_id(db *d, const char *code);
/* The unit of a user (0 = none); DB_ROW when the active user exists. */
int work_user_unit(db *d, int64_t user_id, int64_t *unit) WUR;
/* Trims ASCII white space; NULL stays NULL. */
const char *work_trim(arena *a, const char *s);

void work_configure(const config *c);

/* ---- handlers --------------------------------------------------------- */

int work_api_tasks_list(request *r);
int work_api_task_create(request *r);
int work_api_task_get(request *r);
int work_api_task_transition(request *r);
int work_api_task_assign(request *r);
int work_api_task_comment(request *r);
/* A recurring-task template, checked by the caller (recurring.c). */
struct work_template_in {
  const char *title, *description;
  int64_t unit_id, assignee_id, duty_id;  /* assignee/duty 0 = none */
  const char *priority, *rule;            /* rule in work_rule_format form */
  int64_t due_days;
};
/* Inserts the template and its audit row in one transaction. */
int work_template_insert(db *d, const struct actor *who, int64_t created_by, const struct work_template_in *t,
                         int64_t *id_out) WUR;

int work_api_attachment_add(request *r);
int work_page_attachment_add(request *r);
int work_api_attachment_get(request *r);
int work_api_templates_list(request *r);
int work_api_template_create(request *r);
int work_api_program(request *r);

int work_page_tasks(request *r);
int work_form_task_create(request *r);
int work_page_task_new(request *r);
int work_page_task(request *r);
int work_form_transition(request *r);
int work_form_comment(request *r);
int work_form_assign(request *r);
int work_page_program(request *r);

int work_job_recurring(db *d);
json_t *work_figures(db *d, const struct figure_query *q);
void work_dashboard(request *r, html *h);

/* The work programme of a year: rows per unit, 12 month cells each. */
json_t *work_program(request *r, int year, int64_t unit_id);

#endif
