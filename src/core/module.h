/* module.h - what a module is (DESIGN §2): a name, schema migrations,
 * routes, permissions (with the roles that hold them by default),
 * background jobs, navigation entries and the capabilities it serves. */
#ifndef DEFTER_MODULE_H
#define DEFTER_MODULE_H

#include "config.h"
#include "db.h"
#include "http.h"
#include "jobs.h"

/* A permission a module checks, and the roles that hold it by default
 * (space-separated role keys). Roles are data: role_perms in the store. */
struct perm_def {
  const char *key;
  const char *roles;
  const char *summary;  /* English; translated via gettext */
};

/* An entry in the top navigation, shown when the user holds perm. */
struct nav_item {
  const char *path;
  const char *label;  /* English msgid */
  const char *perm;
};

/* What the coverage report asks a module about one duty: live figures for
 * one capability the module serves, over the period [from, to) (unix
 * seconds, UTC). */
struct figure_query {
  const char *capability;
  int64_t duty_id;
  const char *duty_ref;
  int64_t unit_id;  /* the duty's unit */
  int64_t from, to;
};

struct defter_module {
  const char *name;
  const struct db_migration *migrations;
  size_t nmigrations;
  const struct route *routes;
  size_t nroutes;
  const struct perm_def *perms;
  size_t nperms;
  const struct job_def *jobs;
  size_t njobs;
  const struct nav_item *nav;
  size_t nnav;
  const char *const *capabilities;  /* NULL-terminated capability keys */
  /* Optional: figures for the coverage report; returns a new JSON object
   * (e.g. {"tasks": 12, "completed": 9, "overdue": 1}) or NULL. */
  json_t *(*figures)(db *d, const struct figure_query *q);
  /* Optional: figure cards the module adds to the dashboard. */
  void (*dashboard)(request *r, html *h);
  /* Optional: reads the module's section of defter.conf when a data
   * directory is opened (before the server or a job starts). */
  void (*configure)(const config *c);
};


/* src/modules.c */
extern const struct defter_module *const defter_modules[];
extern const size_t defter_nmodules;

#endif
