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

#endif
