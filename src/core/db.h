/* db.h - the store. Modules speak this API and a portable SQL subset
 * ("?" placeholders, no engine-specific syntax); SQLite is the embedded
 * engine, and a PostgreSQL backend can implement the same calls. */
#ifndef DEFTER_DB_H
#define DEFTER_DB_H

#include "util.h"

typedef struct db db;
typedef struct db_stmt db_stmt;

enum db_rc {
  DB_OK = 0,
  DB_ROW = 1,          /* db_step: a row is ready */
  DB_ERR = -1,
  DB_CONSTRAINT = -2,  /* unique / foreign key violation: usually a 409 */
  DB_BUSY = -3,
  DB_CORRUPT = -4,
};

/* Opens (creating if asked) the database at path with WAL, foreign keys,
 * busy timeout. The caller owns the handle and closes it with db_close. */
int db_open(const char *path, bool create, db **out) WUR;
void db_close(db *d);

/* The per-thread connection to the server's database (opened lazily from
 * the path set by db_set_default_path, closed when the thread exits). */
void db_set_default_path(const char *path);
db *db_thread(void);

int db_exec(db *d, const char *sql) WUR;  /* one or more statements, no params */
int db_begin(db *d) WUR;                  /* BEGIN IMMEDIATE: a write transaction */
int db_commit(db *d) WUR;
void db_rollback(db *d);
bool db_in_tx(db *d);

/* Prepares (from the connection's cache) and binds. types: one char per
 * argument: 't' text (NULL binds NULL), 'i' int64_t, 'I' int64_t where 0 binds NULL, 'd' double, 'n' NULL
 * (no argument consumed). Returns NULL on error (logged). The statement
 * belongs to the cache: finish with db_done. */
db_stmt *db_q(db *d, const char *sql, const char *types, ...);
/* The same with the arguments in an array (queries assembled from a fixed
 * set of clauses: one value per type character, 'n' entries ignored). */
struct db_arg {
  const char *t;
  int64_t i;
  double d;
};
db_stmt *db_qa(db *d, const char *sql, const char *types, const struct db_arg *args);
int db_step(db_stmt *st) WUR;  /* DB_ROW, DB_OK (done) or an error */
void db_done(db_stmt *st);
/* Runs a statement that returns no rows; returns DB_OK or an error. */
int db_run(db *d, const char *sql, const char *types, ...) WUR;
/* After a request or a job: resets every statement left without db_done
 * and rolls back a transaction left open (both logged as errors: a bug),
 * so that one forgotten statement cannot hold SQLite's write lock and stop
 * every other writer. Returns how many it found. */
int db_release_leaked(db *d, const char *where);
/* Runs a query returning one integer (first column of first row);
 * returns DB_ROW with *out set, DB_OK when there was no row, or an error. */
int db_int(db *d, int64_t *out, const char *sql, const char *types, ...) WUR;

int64_t db_col_int(db_stmt *st, int i);
double db_col_double(db_stmt *st, int i);
const char *db_col_text(db_stmt *st, int i);  /* NULL for SQL NULL; valid until next step */
bool db_col_null(db_stmt *st, int i);
int db_col_count(db_stmt *st);
const char *db_col_name(db_stmt *st, int i);
int64_t db_last_id(db *d);
int db_changes(db *d);
const char *db_errmsg(db *d);

/* Migrations: a module's ordered list of schema steps. */
struct db_migration {
  int version;
  const char *sql;
};
int db_migrate(db *d, const char *module, const struct db_migration *m, size_t n) WUR;

/* Online, consistent copy of the open database into dest_path. */
int db_backup_to(db *d, const char *dest_path) WUR;
/* PRAGMA integrity_check == ok */
int db_check_integrity(db *d) WUR;

#endif
