/* test_db_sqlite.c - the SQLite store behind db.h: opening, migrations,
 * binding, error mapping, nested transactions, backup and integrity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/db.h"

struct fx {
  char dir[64];
  char path[128];
  db *d;
};

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/defter-test-db.XXXXXX");
  if (!mkdtemp(f->dir))
    return -1;
  snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
  if (db_open(f->path, true, &f->d) != DB_OK)
    return -1;
  if (db_exec(f->d, "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c INTEGER, d REAL, e TEXT,"
                    " u TEXT UNIQUE, nn TEXT NOT NULL DEFAULT 'x');"
                    "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));") !=
      DB_OK)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  struct fx *f = *state;
  db_close(f->d);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
  int rc = system(cmd);
  free(f);
  return rc == 0 ? 0 : -1;
}

static int64_t count(db *d, const char *sql)
{
  int64_t n = -1;
  assert_int_equal(db_int(d, &n, sql, ""), DB_ROW);
  return n;
}

static void test_open(void **state)
{
  struct fx *f = *state;
  db *x = NULL;
  char p[160];
  /* Without create, a missing file is an error and nothing is created. */
  snprintf(p, sizeof p, "%s/missing.db", f->dir);
  assert_int_not_equal(db_open(p, false, &x), DB_OK);
  assert_null(x);
  assert_int_not_equal(access(p, F_OK), 0);
  /* A second connection to the same file works (WAL). */
  assert_int_equal(db_open(f->path, false, &x), DB_OK);
  assert_non_null(x);
  db_stmt *st = db_q(x, "PRAGMA journal_mode", "");
  assert_int_equal(db_step(st), DB_ROW);
  assert_string_equal(db_col_text(st, 0), "wal");
  db_done(st);
  int64_t fk = 0;
  assert_int_equal(db_int(x, &fk, "PRAGMA foreign_keys", ""), DB_ROW);
  assert_int_equal(fk, 1);
  db_close(x);
  db_close(NULL);
  /* A file that is not a database. */
  snprintf(p, sizeof p, "%s/garbage.db", f->dir);
  FILE *g = fopen(p, "w");
  assert_non_null(g);
  for (int i = 0; i < 512; i++)
    fputs("this is not an sqlite database file\n", g);
  fclose(g);
  x = NULL;
  int rc = db_open(p, false, &x);
  if (rc == DB_OK) {
    db_close(x);
    fail_msg("db_open accepted a non-database file");
  }
  assert_int_equal(rc, DB_CORRUPT);
  assert_null(x);
}

static const struct db_migration migs[] = {
    {1, "CREATE TABLE m1 (x INTEGER);"},
    {2, "CREATE TABLE m2 (y TEXT); INSERT INTO m2 VALUES ('seed');"},
};

static void test_migrate_idempotent(void **state)
{
  struct fx *f = *state;
  assert_int_equal(db_migrate(f->d, "demo", migs, ARRAY_LEN(migs)), DB_OK);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations WHERE module = 'demo'"), 2);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM m2"), 1);
  /* Twice: nothing re-runs (the seed row would be doubled). */
  assert_int_equal(db_migrate(f->d, "demo", migs, ARRAY_LEN(migs)), DB_OK);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations WHERE module = 'demo'"), 2);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM m2"), 1);
  /* A later version is applied alone. */
  static const struct db_migration more[] = {
      {1, "CREATE TABLE m1 (x INTEGER);"},
      {2, "CREATE TABLE m2 (y TEXT); INSERT INTO m2 VALUES ('seed');"},
      {3, "INSERT INTO m2 VALUES ('v3');"},
  };
  assert_int_equal(db_migrate(f->d, "demo", more, ARRAY_LEN(more)), DB_OK);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM m2"), 2);
  /* Versions are per module. */
  static const struct db_migration other[] = {{1, "CREATE TABLE o1 (z INTEGER);"}};
  assert_int_equal(db_migrate(f->d, "other", other, 1), DB_OK);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations"), 4);
  assert_false(db_in_tx(f->d));
}

static void test_migrate_failure_rolls_back(void **state)
{
  struct fx *f = *state;
  static const struct db_migration bad[] = {
      {1, "CREATE TABLE ok1 (x INTEGER);"},
      {2, "CREATE TABLE half (x INTEGER); THIS IS NOT SQL;"},
      {3, "CREATE TABLE never (x INTEGER);"},
  };
  assert_int_not_equal(db_migrate(f->d, "bad", bad, ARRAY_LEN(bad)), DB_OK);
  assert_false(db_in_tx(f->d));
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM schema_migrations WHERE module = 'bad'"), 1);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ok1'"), 1);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'"), 0);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'never'"), 0);
}

static void test_bind_types(void **state)
{
  struct fx *f = *state;
  assert_int_equal(db_run(f->d, "INSERT INTO t (a, b, c, d, e, u) VALUES (?, ?, ?, ?, ?, ?)", "tiIdnt", "İş Ünitesi",
                          (int64_t)INT64_MAX, (int64_t)0, 2.5, "u1"),
                   DB_OK);
  int64_t id1 = db_last_id(f->d);
  assert_int_equal(db_changes(f->d), 1);
  assert_int_equal(db_run(f->d, "INSERT INTO t (a, b, c, d, e, u) VALUES (?, ?, ?, ?, ?, ?)", "tiIdtt",
                          (const char *)NULL, (int64_t)-5, (int64_t)77, -0.25, "e", (const char *)NULL),
                   DB_OK);
  int64_t id2 = db_last_id(f->d);
  assert_true(id2 > id1);

  db_stmt *st = db_q(f->d, "SELECT a, b, c, d, e, u FROM t WHERE id = ?", "i", id1);
  assert_non_null(st);
  assert_int_equal(db_col_count(st), 6);
  assert_int_equal(db_step(st), DB_ROW);
  assert_string_equal(db_col_name(st, 2), "c");
  assert_string_equal(db_col_text(st, 0), "İş Ünitesi");
  assert_int_equal(db_col_int(st, 1), INT64_MAX);
  assert_true(db_col_null(st, 2)); /* 'I' with 0 binds NULL */
  assert_null(db_col_text(st, 2));
  assert_true(db_col_double(st, 3) == 2.5);
  assert_true(db_col_null(st, 4)); /* 'n' binds NULL, consumes nothing */
  assert_string_equal(db_col_text(st, 5), "u1");
  assert_int_equal(db_step(st), DB_OK);
  db_done(st);

  st = db_q(f->d, "SELECT a, b, c, d, e, u FROM t WHERE id = ?", "i", id2);
  assert_int_equal(db_step(st), DB_ROW);
  assert_true(db_col_null(st, 0)); /* 't' with NULL binds NULL */
  assert_int_equal(db_col_int(st, 1), -5);
  assert_false(db_col_null(st, 2));
  assert_int_equal(db_col_int(st, 2), 77);
  assert_true(db_col_double(st, 3) == -0.25);
  assert_string_equal(db_col_text(st, 4), "e");
  assert_true(db_col_null(st, 5));
  db_done(st);

  /* 'I' zero also matches nothing with "=": NULL semantics. */
  int64_t n = -1;
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM t WHERE c IS ?", "I", (int64_t)0), DB_ROW);
  assert_int_equal(n, 1);
  /* db_int without a row. */
  n = 42;
  assert_int_equal(db_int(f->d, &n, "SELECT b FROM t WHERE id = ?", "i", (int64_t)9999), DB_OK);
  assert_int_equal(n, 42);
  /* An unknown type letter and bad SQL fail cleanly. */
  assert_null(db_q(f->d, "SELECT ?", "x", (int64_t)1));
  assert_null(db_q(f->d, "SELEKT nonsense", ""));
  assert_int_equal(db_step(NULL), DB_ERR);
  db_done(NULL);
  assert_int_equal(db_run(f->d, "SELEKT nonsense", ""), DB_ERR);
}

static void test_statement_cache_reuse(void **state)
{
  struct fx *f = *state;
  /* The same SQL used while a statement is still open gets a second one. */
  assert_int_equal(db_run(f->d, "INSERT INTO t (a, u) VALUES ('x', 'a')", ""), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (a, u) VALUES ('x', 'b')", ""), DB_OK);
  static const char *const q = "SELECT u FROM t WHERE a = ? ORDER BY u";
  db_stmt *s1 = db_q(f->d, q, "t", "x");
  assert_int_equal(db_step(s1), DB_ROW);
  db_stmt *s2 = db_q(f->d, q, "t", "x");
  assert_true(s1 != s2);
  assert_int_equal(db_step(s2), DB_ROW);
  assert_string_equal(db_col_text(s2, 0), "a");
  assert_int_equal(db_step(s2), DB_ROW);
  assert_string_equal(db_col_text(s2, 0), "b");
  assert_string_equal(db_col_text(s1, 0), "a");
  db_done(s2);
  db_done(s1);
  /* More distinct statements than the cache holds (256): idle entries are
   * evicted and re-prepared. The SQL text must outlive its use, as a
   * literal would, so it lives in an arena until the end of the test. */
  arena *a = arena_new();
  const char *sqls[300];
  for (int i = 0; i < 300; i++)
    sqls[i] = arena_printf(a, "SELECT %d + COUNT(*) FROM t", i);
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 300; i++) {
      int64_t v = -1;
      assert_int_equal(db_int(f->d, &v, sqls[i], ""), DB_ROW);
      assert_int_equal(v, i + 2);
    }
  }
  /* A statement in use keeps its place while the full cache evicts: the
   * caller's pointer still steps its own query. The cache is filled to
   * one below full, the outer query takes the last slot, and the next new
   * statement forces an eviction. */
  for (int i = 0; i < 300; i++) {
    int64_t v = -1;
    assert_int_equal(db_int(f->d, &v, sqls[i], ""), DB_ROW);
  }
  db_stmt *outer = db_q(f->d, "SELECT u FROM t WHERE a = 'x' ORDER BY u DESC", "");
  assert_int_equal(db_step(outer), DB_ROW);
  assert_string_equal(db_col_text(outer, 0), "b");
  for (int i = 0; i < 20; i++) {
    int64_t v = -1;
    assert_int_equal(db_int(f->d, &v, arena_printf(a, "SELECT %d + 1000", i), ""), DB_ROW);
    assert_int_equal(v, i + 1000);
  }
  assert_int_equal(db_step(outer), DB_ROW);
  assert_string_equal(db_col_text(outer, 0), "a");
  assert_int_equal(db_step(outer), DB_OK);
  db_done(outer);
  assert_int_equal(db_release_leaked(f->d, "test"), 0);
  arena_free(a);
}

static void test_constraints(void **state)
{
  struct fx *f = *state;
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES (?)", "t", "dup"), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES (?)", "t", "dup"), DB_CONSTRAINT);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u, nn) VALUES (?, NULL)", "t", "other"), DB_CONSTRAINT);
  /* Foreign keys are enforced. */
  assert_int_equal(db_run(f->d, "INSERT INTO child (parent_id) VALUES (?)", "i", (int64_t)12345), DB_CONSTRAINT);
  assert_int_equal(db_run(f->d, "INSERT INTO parent (id) VALUES (1)", ""), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO child (parent_id) VALUES (?)", "i", (int64_t)1), DB_OK);
  assert_int_equal(db_run(f->d, "DELETE FROM parent WHERE id = 1", ""), DB_CONSTRAINT);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM t WHERE u = 'dup'"), 1);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM t WHERE u = 'other'"), 0);
  assert_true(strlen(db_errmsg(f->d)) > 0);
}

static void test_nested_transactions(void **state)
{
  struct fx *f = *state;
  db *other = NULL;
  assert_int_equal(db_open(f->path, false, &other), DB_OK);
  assert_false(db_in_tx(f->d));
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_begin(f->d), DB_OK); /* joins */
  assert_true(db_in_tx(f->d));
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('n1')", ""), DB_OK);
  assert_int_equal(db_commit(f->d), DB_OK); /* inner: nothing committed yet */
  assert_true(db_in_tx(f->d));
  assert_int_equal(count(other, "SELECT COUNT(*) FROM t WHERE u = 'n1'"), 0);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('n2')", ""), DB_OK);
  assert_int_equal(db_commit(f->d), DB_OK); /* outer */
  assert_false(db_in_tx(f->d));
  assert_int_equal(count(other, "SELECT COUNT(*) FROM t WHERE u IN ('n1', 'n2')"), 2);
  /* A commit with no transaction is an error. */
  assert_int_equal(db_commit(f->d), DB_ERR);
  db_close(other);
}

static void test_rollback_discards(void **state)
{
  struct fx *f = *state;
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('r1')", ""), DB_OK);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM t WHERE u = 'r1'"), 1);
  db_rollback(f->d);
  assert_false(db_in_tx(f->d));
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM t WHERE u = 'r1'"), 0);
  /* A rollback inside a nested transaction discards the whole thing. */
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('r2')", ""), DB_OK);
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('r3')", ""), DB_OK);
  db_rollback(f->d);
  assert_false(db_in_tx(f->d));
  assert_int_equal(db_commit(f->d), DB_ERR); /* the outer commit finds nothing */
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM t WHERE u IN ('r2', 'r3')"), 0);
  db_rollback(f->d); /* harmless outside a transaction */
  /* The connection is usable afterwards. */
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('r4')", ""), DB_OK);
  assert_int_equal(count(f->d, "SELECT COUNT(*) FROM t WHERE u = 'r4'"), 1);
}

static void test_write_lock_busy(void **state)
{
  struct fx *f = *state;
  /* A second writer waits for the busy timeout; a held lock is reported
   * as DB_BUSY rather than hanging forever. Use a short timeout via a
   * dedicated connection so the test stays fast. */
  db *other = NULL;
  assert_int_equal(db_open(f->path, false, &other), DB_OK);
  assert_int_equal(db_exec(other, "PRAGMA busy_timeout = 50"), DB_OK);
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_begin(other), DB_BUSY);
  assert_false(db_in_tx(other));
  db_rollback(f->d);
  assert_int_equal(db_begin(other), DB_OK);
  assert_int_equal(db_commit(other), DB_OK);
  db_close(other);
}

/* A statement left without db_done keeps its connection's read snapshot:
 * once another connection has written, WAL refuses to turn that snapshot
 * into a write (SQLITE_BUSY_SNAPSHOT, at once), and every later write of
 * the connection fails. The guard run after each request and job resets
 * it; a transaction left open is rolled back too. */
static void test_leaked_statement_released(void **state)
{
  struct fx *f = *state;
  db *other = NULL;
  assert_int_equal(db_open(f->path, false, &other), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (a) VALUES ('x'), ('x')", ""), DB_OK);
  db_stmt *st = db_q(f->d, "SELECT id FROM t ORDER BY id", "");
  assert_int_equal(db_step(st), DB_ROW); /* and forgotten */
  assert_int_equal(db_begin(other), DB_OK);
  assert_int_equal(db_run(other, "INSERT INTO t (a) VALUES ('y')", ""), DB_OK);
  assert_int_equal(db_commit(other), DB_OK);
  assert_true(db_begin(f->d) < 0); /* the stale snapshot */
  assert_int_equal(db_release_leaked(f->d, "test"), 1);
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_run(f->d, "INSERT INTO t (a) VALUES ('z')", ""), DB_OK);
  assert_int_equal(db_commit(f->d), DB_OK);
  assert_int_equal(db_release_leaked(f->d, "test"), 0);
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(db_release_leaked(f->d, "test"), 1);
  assert_false(db_in_tx(f->d));
  db_close(other);
}

static void test_backup_and_integrity(void **state)
{
  struct fx *f = *state;
  for (int i = 0; i < 500; i++) {
    char u[32];
    snprintf(u, sizeof u, "row-%d", i);
    assert_int_equal(db_run(f->d, "INSERT INTO t (a, u) VALUES (?, ?)", "tt", "İçerik", u), DB_OK);
  }
  assert_int_equal(db_check_integrity(f->d), DB_OK);
  char dest[160];
  snprintf(dest, sizeof dest, "%s/backup.db", f->dir);
  assert_int_equal(db_backup_to(f->d, dest), DB_OK);
  db *b = NULL;
  assert_int_equal(db_open(dest, false, &b), DB_OK);
  assert_int_equal(db_check_integrity(b), DB_OK);
  assert_int_equal(count(b, "SELECT COUNT(*) FROM t WHERE a = 'İçerik'"), 500);
  db_close(b);
  /* Backing up into a directory that does not exist fails. */
  snprintf(dest, sizeof dest, "%s/no/such/dir/backup.db", f->dir);
  assert_int_not_equal(db_backup_to(f->d, dest), DB_OK);
}

static void test_integrity_detects_damage(void **state)
{
  struct fx *f = *state;
  char p[160];
  snprintf(p, sizeof p, "%s/damaged.db", f->dir);
  db *x = NULL;
  assert_int_equal(db_open(p, true, &x), DB_OK);
  assert_int_equal(db_exec(x, "PRAGMA journal_mode=DELETE; CREATE TABLE big (v TEXT);"), DB_OK);
  assert_int_equal(db_begin(x), DB_OK);
  for (int i = 0; i < 2000; i++)
    assert_int_equal(db_run(x, "INSERT INTO big (v) VALUES (?)", "t", "0123456789abcdef0123456789abcdef"), DB_OK);
  assert_int_equal(db_exec(x, "CREATE INDEX big_v ON big(v)"), DB_OK);
  assert_int_equal(db_commit(x), DB_OK);
  db_close(x);
  /* Overwrite a few pages in the middle with garbage. */
  FILE *fp = fopen(p, "r+b");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, 4096 * 5, SEEK_SET), 0);
  char junk[4096 * 3];
  memset(junk, 0x7F, sizeof junk);
  assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
  fclose(fp);
  x = NULL;
  int rc = db_open(p, false, &x);
  if (rc == DB_OK) {
    assert_int_equal(db_check_integrity(x), DB_CORRUPT);
    db_close(x);
  } else {
    assert_int_equal(rc, DB_CORRUPT);
  }
}

static void test_thread_connection(void **state)
{
  struct fx *f = *state;
  db_set_default_path(f->path);
  db *t1 = db_thread();
  assert_non_null(t1);
  assert_true(t1 == db_thread()); /* one per thread, cached */
  assert_true(t1 != f->d);
  assert_int_equal(db_run(f->d, "INSERT INTO t (u) VALUES ('seen')", ""), DB_OK);
  assert_int_equal(count(t1, "SELECT COUNT(*) FROM t WHERE u = 'seen'"), 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_migrate_failure_rolls_back, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bind_types, setup, teardown),
      cmocka_unit_test_setup_teardown(test_statement_cache_reuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_constraints, setup, teardown),
      cmocka_unit_test_setup_teardown(test_nested_transactions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback_discards, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_lock_busy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_leaked_statement_released, setup, teardown),
      cmocka_unit_test_setup_teardown(test_backup_and_integrity, setup, teardown),
      cmocka_unit_test_setup_teardown(test_integrity_detects_damage, setup, teardown),
      cmocka_unit_test_setup_teardown(test_thread_connection, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
