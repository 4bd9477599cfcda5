/* work.h - the work module: tasks (görev) given to a unit or a person,
 * linked to a regulation duty and an incoming document, with comments,
 * attachments, havale, recurring templates and the work programme. It
 * serves the `task` capability of the coverage report. */
#ifndef DEFTER_WORK_H
#define DEFTER_WORK_H

#include "../core/audit.h"
#include "../core/module.h"

extern const struct defter_module work_module;

/* `defter init --demo`: about fifteen tasks in every status and two
 * recurring templates, made in the names of the demo accounts (mudur,
 * sef, teknik, personel) through the module's own functions, so they are
 * audited like API changes. Skipped when tasks exist or an account is
 * missing. Needs db_set_default_path() to point at d's database, and no
 * open transaction on d. who: the caller (its address goes with the
 * changes). 0 ok, -1 error (logged). */
int work_demo_seed(db *d, const struct actor *who) WUR;

/* Tasks made by other modules (e.g. "revoke this access" from the access
 * module). Each runs inside the caller's write transaction on d (opening
 * one of its own when none is open), writes the task's history event and
 * audit row, and returns 0 or a negative db error. */

/* A new task for unit_id (0 = the assignee's unit), given to assignee_id
 * (0 = the unit's queue, status "yeni"; else "atandi"). due_on:
 * "YYYY-MM-DD" or NULL; ref: the other module's record, e.g.
 * "access.grant:12" (NULL for none), kept on the task and shown on its
 * page. Titles over 200 and bodies over 10000 bytes are cut. */
int work_task_add(db *d, const struct actor *who, const char *title, const char *body, int64_t unit_id,
                  int64_t assignee_id, const char *due_on, const char *ref, int64_t *id_out) WUR;
/* The stored status key of task id ("yeni" .. "tamamlandi", "iptal") into
 * out; DB_ROW when found, DB_OK when there is no such task, <0 error. */
int work_task_status(db *d, int64_t id, char out[16]) WUR;
/* Completes task id with note (when it is not closed already). */
int work_task_complete(db *d, const struct actor *who, int64_t id, const char *note) WUR;

/* For the handover checklist: the open (not final) tasks assigned to
 * user_id as a new JSON array of {id, title, status, deadline} in *out
 * (at most 500). 0 or a db error. */
int work_user_open_tasks(db *d, int64_t user_id, json_t **out) WUR;
/* Hands open task id to assignee (users.id), keeping its unit (havale
 * to a person): history event "assign" and audit row, inside the
 * caller's transaction (or its own). 0 ok, 1 when the task is unknown or
 * closed, <0 db error. */
int work_task_reassign(db *d, const struct actor *who, int64_t id, int64_t assignee, const char *note) WUR;

#endif
