/* system.h - the system module: sign-in, users and grants, the audit
 * trail viewer, the dashboard, static assets and the API description. */
#ifndef DEFTER_SYSTEM_H
#define DEFTER_SYSTEM_H

#include "../core/module.h"

extern const struct defter_module system_module;

#endif
