/* work.h - the work module: tasks (görev) given to a unit or a person,
 * linked to a regulation duty and an incoming document, with comments,
 * attachments, havale, recurring templates and the work programme. It
 * serves the `task` capability of the coverage report. */
#ifndef DEFTER_WORK_H
#define DEFTER_WORK_H

#include "../core/module.h"

extern const struct defter_module work_module;

#endif
