/* fixture.h - a throw-away data store for unit tests that need the real
 * schema and a loaded regulation preset. Include after cmocka.h. The test
 * file owns the globals `fixture_dir` and `fixture_db` through this header
 * (each test program is one translation unit). */
#ifndef DEFTER_TEST_FIXTURE_H
#define DEFTER_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/core/audit.h"
#include "../../src/core/schema.h"
#include "../../src/org/org.h"

static char fixture_dir[64];
static db *fixture_db;

/* A fresh temp directory with defter.db migrated and `preset` loaded (NULL:
 * schema only). Returns 0 on success, for use as a cmocka group setup. */
static inline int fixture_open(const char *preset)
{
  snprintf(fixture_dir, sizeof fixture_dir, "/tmp/defter-unit-XXXXXX");
  if (!mkdtemp(fixture_dir))
    return -1;
  char path[128], err[512];
  snprintf(path, sizeof path, "%s/defter.db", fixture_dir);
  if (db_open(path, true, &fixture_db))
    return -1;
  db_set_default_path(path);
  struct actor who = audit_system("test");
  if (schema_migrate_all(fixture_db))
    return -1;
  if (preset && org_preset_load(fixture_db, &who, org_preset_path(preset), err, sizeof err)) {
    fprintf(stderr, "preset: %s\n", err);
    return -1;
  }
  return 0;
}

static inline int fixture_close(void)
{
  db_close(fixture_db);
  fixture_db = NULL;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", fixture_dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* The one integer a query returns; fails the test when it returns none. */
static inline int64_t fixture_count(const char *sql)
{
  int64_t n = -1;
  if (db_int(fixture_db, &n, sql, "") != DB_ROW)
    fail_msg("query failed: %s", sql);
  return n;
}

#endif
