/* db_sqlite.c - the SQLite engine behind db.h: WAL, foreign keys, a busy
 * timeout and a per-connection prepared statement cache. */
#include "db.h"
#include "log.h"

#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

enum { STMT_CACHE = 256 };

struct db_stmt {
  db *owner;
  char *sql;        /* a copy: callers may build SQL in short-lived memory */
  uint64_t hash;
  sqlite3_stmt *st;
  bool busy;
};

struct db {
  sqlite3 *h;
  int tx_depth;
  size_t nstmt;
  struct db_stmt stmts[STMT_CACHE];
};

static int map_rc(int rc)
{
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE: return DB_OK;
  case SQLITE_ROW: return DB_ROW;
  case SQLITE_CONSTRAINT: return DB_CONSTRAINT;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: return DB_BUSY;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB: return DB_CORRUPT;
  default: return DB_ERR;
  }
}

int db_open(const char *path, bool create, db **out)
{
  *out = NULL;
  db *d = xcalloc(1, sizeof *d);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path, &d->h, flags, NULL);
  if (rc != SQLITE_OK) {
    log_error("db open failed", "path=\"%s\" err=\"%s\"", path, d->h ? sqlite3_errmsg(d->h) : "?");
    sqlite3_close(d->h);
    free(d);
    return map_rc(rc) == DB_OK ? DB_ERR : map_rc(rc);
  }
  sqlite3_busy_timeout(d->h, 10000);
  sqlite3_extended_result_codes(d->h, 1);
  /* Temporary tables and sort spills stay in memory, and a larger page
   * cache saves a pread() per page on the big lists. The WAL is
   * checkpointed every 64 MiB instead of 4: a write that touches many
   * pages (an agent's first inventory: ~900) then pays one checkpoint and
   * fsync per dozens of commits, not one each (bench/inventory.sh). */
  rc = db_exec(d, "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
                  " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384; PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864;");
  if (rc) {
    db_close(d);
    return rc;
  }
  *out = d;
  return DB_OK;
}

void db_close(db *d)
{
  if (!d)
    return;
  db_rollback(d); /* a transaction left open releases the writer lock */
  for (size_t i = 0; i < d->nstmt; i++) {
    sqlite3_finalize(d->stmts[i].st);
    free(d->stmts[i].sql);
  }
  sqlite3_close(d->h);
  free(d);
}

static char *default_path;
static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

static void thread_db_free(void *p)
{
  db_close(p);
}

static void thread_key_make(void)
{
  pthread_key_create(&thread_key, thread_db_free);
}

void db_set_default_path(const char *path)
{
  free(default_path);
  default_path = xstrdup(path);
}

db *db_thread(void)
{
  pthread_once(&thread_once, thread_key_make);
  db *d = pthread_getspecific(thread_key);
  if (d)
    return d;
  if (!default_path || db_open(default_path, false, &d) != DB_OK)
    return NULL;
  pthread_setspecific(thread_key, d);
  return d;
}

int db_exec(db *d, const char *sql)
{
  char *err = NULL;
  int rc = sqlite3_exec(d->h, sql, NULL, NULL, &err);
  if (rc != SQLITE_OK) {
    log_error("db exec failed", "err=\"%s\"", err ? err : sqlite3_errmsg(d->h));
    sqlite3_free(err);
  }
  return map_rc(rc);
}

/* SQLite lets one writer in at a time and makes the others sleep in its
 * busy handler (1, 2, 5 ... 100 ms): under load those sleeps, not the
 * work, make the slowest requests. Writers of this process therefore
 * queue on a mutex before BEGIN IMMEDIATE, and the busy handler is left
 * for other processes (a CLI job next to the server). Recursive, so a
 * thread that opens a second connection does not deadlock on itself. */
static pthread_mutex_t write_mu;
static pthread_once_t write_once = PTHREAD_ONCE_INIT;

static void write_mu_init(void)
{
  pthread_mutexattr_t at;
  pthread_mutexattr_init(&at);
  pthread_mutexattr_settype(&at, PTHREAD_MUTEX_RECURSIVE);
  pthread_mutex_init(&write_mu, &at);
  pthread_mutexattr_destroy(&at);
}

static void writer_lock(void)
{
  pthread_once(&write_once, write_mu_init);
  pthread_mutex_lock(&write_mu);
}

static void writer_unlock(void)
{
  pthread_mutex_unlock(&write_mu);
}

int db_begin(db *d)
{
  if (d->tx_depth++ > 0)
    return DB_OK;  /* nested: joins the outer transaction */
  writer_lock();
  int rc = db_exec(d, "BEGIN IMMEDIATE");
  if (rc) {
    d->tx_depth = 0;
    writer_unlock();
    /* a read still running on this connection holds an old snapshot,
     * which WAL refuses to turn into a write (SQLITE_BUSY_SNAPSHOT): name it */
    for (size_t i = 0; i < d->nstmt; i++)
      if (d->stmts[i].busy || sqlite3_stmt_busy(d->stmts[i].st))
        log_error("db begin: a statement of this connection is still open", "sql=\"%.120s\"", d->stmts[i].sql);
  }
  return rc;
}

int db_commit(db *d)
{
  if (d->tx_depth == 0)
    return DB_ERR;
  if (--d->tx_depth > 0)
    return DB_OK;
  int rc = db_exec(d, "COMMIT");
  if (rc && !sqlite3_get_autocommit(d->h))
    sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
  writer_unlock();
  return rc;
}

void db_rollback(db *d)
{
  if (d->tx_depth == 0)
    return;
  d->tx_depth = 0;
  if (!sqlite3_get_autocommit(d->h)) {
    char *err = NULL;
    sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, &err);
    sqlite3_free(err);
  }
  writer_unlock();
}

bool db_in_tx(db *d)
{
  return d->tx_depth > 0;
}

static uint64_t sql_hash(const char *s)
{
  uint64_t h = 1469598103934665603ULL;  /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static struct db_stmt *cache_get(db *d, const char *sql)
{
  uint64_t h = sql_hash(sql);
  for (size_t i = 0; i < d->nstmt; i++) {
    struct db_stmt *s = &d->stmts[i];
    if (!s->busy && s->hash == h && strcmp(s->sql, sql) == 0)
      return s;
  }
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
  if (rc != SQLITE_OK) {
    log_error("db prepare failed", "err=\"%s\"", sqlite3_errmsg(d->h));
    return NULL;
  }
  struct db_stmt *s = NULL;
  if (d->nstmt < STMT_CACHE) {
    s = &d->stmts[d->nstmt++];
  } else {
    /* Full: an idle entry gives up its slot in place. Entries never move:
     * callers hold pointers to the busy ones (moving one under its caller
     * once made an outer loop step an inner query and left the outer
     * statement open, holding an old WAL snapshot). */
    for (size_t i = 0; i < d->nstmt && !s; i++) {
      if (!d->stmts[i].busy) {
        s = &d->stmts[i];
        sqlite3_finalize(s->st);
        free(s->sql);
      }
    }
    if (!s) {
      sqlite3_finalize(st);
      log_error("db statement cache exhausted", "%s", "");
      return NULL;
    }
  }
  s->owner = d;
  s->sql = xstrdup(sql);
  s->hash = h;
  s->st = st;
  s->busy = false;
  return s;
}

static int bind_one(struct db_stmt *s, int idx, char type, const struct db_arg *v)
{
  switch (type) {
  case 't': return v->t ? sqlite3_bind_text(s->st, idx, v->t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s->st, idx);
  case 'i': return sqlite3_bind_int64(s->st, idx, v->i);
  case 'I': return v->i ? sqlite3_bind_int64(s->st, idx, v->i) : sqlite3_bind_null(s->st, idx);
  case 'd': return sqlite3_bind_double(s->st, idx, v->d);
  case 'n': return sqlite3_bind_null(s->st, idx);
  default: return SQLITE_MISUSE;
  }
}

/* Binds either from ap (args NULL) or from the args array. */
static db_stmt *bind_all(db *d, const char *sql, const char *types, va_list *ap, const struct db_arg *args)
{
  struct db_stmt *s = cache_get(d, sql);
  if (!s)
    return NULL;
  sqlite3_reset(s->st);
  sqlite3_clear_bindings(s->st);
  int idx = 1;
  for (const char *t = types ? types : ""; *t; t++, idx++) {
    struct db_arg v = {0};
    if (args)
      v = args[idx - 1];
    else if (*t == 't')
      v.t = va_arg(*ap, const char *);
    else if (*t == 'i' || *t == 'I')
      v.i = va_arg(*ap, int64_t);
    else if (*t == 'd')
      v.d = va_arg(*ap, double);
    int rc = bind_one(s, idx, *t, &v);
    if (rc != SQLITE_OK) {
      log_error("db bind failed", "idx=%d err=\"%s\"", idx, sqlite3_errmsg(d->h));
      return NULL;
    }
  }
  s->busy = true;
  return s;
}

static db_stmt *vq(db *d, const char *sql, const char *types, va_list ap)
{
  va_list copy;
  va_copy(copy, ap);
  db_stmt *s = bind_all(d, sql, types, &copy, NULL);
  va_end(copy);
  return s;
}

db_stmt *db_qa(db *d, const char *sql, const char *types, const struct db_arg *args)
{
  return bind_all(d, sql, types, NULL, args);
}

db_stmt *db_q(db *d, const char *sql, const char *types, ...)
{
  va_list ap;
  va_start(ap, types);
  db_stmt *s = vq(d, sql, types, ap);
  va_end(ap);
  return s;
}

int db_step(db_stmt *st)
{
  if (!st)
    return DB_ERR;
  int rc = sqlite3_step(st->st);
  int m = map_rc(rc);
  if (m < 0 && m != DB_CONSTRAINT)
    log_error("db step failed", "err=\"%s\"", sqlite3_errmsg(st->owner->h));
  return m;
}

void db_done(db_stmt *st)
{
  if (!st)
    return;
  sqlite3_reset(st->st);
  sqlite3_clear_bindings(st->st);
  st->busy = false;
}

int db_release_leaked(db *d, const char *where)
{
  if (!d)
    return 0;
  int n = 0;
  for (size_t i = 0; i < d->nstmt; i++) {
    struct db_stmt *s = &d->stmts[i];
    if (!s->busy && !sqlite3_stmt_busy(s->st))
      continue;
    /* a statement left without db_done: an implicit transaction of this
     * connection would stay open behind it and lock every other writer */
    log_error("db statement left open; reset", "where=\"%s\" sql=\"%.120s\"", where ? where : "", s->sql);
    db_done(s);
    n++;
  }
  if (d->tx_depth > 0) {
    log_error("db transaction left open; rolled back", "where=\"%s\" depth=%d", where ? where : "", d->tx_depth);
    while (d->tx_depth > 0)
      db_rollback(d);
    n++;
  }
  return n;
}

int db_run(db *d, const char *sql, const char *types, ...)
{
  va_list ap;
  va_start(ap, types);
  db_stmt *s = vq(d, sql, types, ap);
  va_end(ap);
  if (!s)
    return DB_ERR;
  int rc = db_step(s);
  db_done(s);
  return rc == DB_ROW ? DB_OK : rc;
}

int db_int(db *d, int64_t *out, const char *sql, const char *types, ...)
{
  va_list ap;
  va_start(ap, types);
  db_stmt *s = vq(d, sql, types, ap);
  va_end(ap);
  if (!s)
    return DB_ERR;
  int rc = db_step(s);
  if (rc == DB_ROW)
    *out = sqlite3_column_int64(s->st, 0);
  db_done(s);
  return rc;
}

int64_t db_col_int(db_stmt *st, int i) { return sqlite3_column_int64(st->st, i); }
double db_col_double(db_stmt *st, int i) { return sqlite3_column_double(st->st, i); }
const char *db_col_text(db_stmt *st, int i) { return (const char *)sqlite3_column_text(st->st, i); }
bool db_col_null(db_stmt *st, int i) { return sqlite3_column_type(st->st, i) == SQLITE_NULL; }
int db_col_count(db_stmt *st) { return sqlite3_column_count(st->st); }
const char *db_col_name(db_stmt *st, int i) { return sqlite3_column_name(st->st, i); }
int64_t db_last_id(db *d) { return sqlite3_last_insert_rowid(d->h); }
int db_changes(db *d) { return sqlite3_changes(d->h); }
const char *db_errmsg(db *d) { return sqlite3_errmsg(d->h); }

int db_migrate(db *d, const char *module, const struct db_migration *m, size_t n)
{
  int rc = db_exec(d, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " module TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,"
                      " PRIMARY KEY (module, version))");
  if (rc)
    return rc;
  for (size_t i = 0; i < n; i++) {
    int64_t have = 0;
    rc = db_int(d, &have, "SELECT 1 FROM schema_migrations WHERE module = ? AND version = ?", "ti",
                module, (int64_t)m[i].version);
    if (rc < 0)
      return rc;
    if (rc == DB_ROW)
      continue;
    rc = db_begin(d);
    if (rc)
      return rc;
    rc = db_exec(d, m[i].sql);
    if (!rc)
      rc = db_run(d, "INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)", "tii",
                  module, (int64_t)m[i].version, now_unix());
    if (rc) {
      db_rollback(d);
      log_error("migration failed", "module=%s version=%d", module, m[i].version);
      return rc;
    }
    rc = db_commit(d);
    if (rc)
      return rc;
    log_info("migration applied", "module=%s version=%d", module, m[i].version);
  }
  return DB_OK;
}

int db_backup_to(db *d, const char *dest_path)
{
  sqlite3 *dst = NULL;
  int rc = sqlite3_open_v2(dest_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", d->h, "main");
    if (!b) {
      rc = sqlite3_errcode(dst);
    } else {
      do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
          sqlite3_sleep(20);
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      sqlite3_backup_finish(b);
      if (rc == SQLITE_DONE)
        rc = sqlite3_errcode(dst);
    }
  }
  if (rc != SQLITE_OK)
    log_error("backup failed", "err=\"%s\"", dst ? sqlite3_errmsg(dst) : "open");
  sqlite3_close(dst);
  return map_rc(rc);
}

int db_check_integrity(db *d)
{
  db_stmt *s = db_q(d, "PRAGMA integrity_check", "");
  if (!s)
    return DB_CORRUPT;
  int rc = db_step(s);
  int ok = rc == DB_ROW && str_eq(db_col_text(s, 0), "ok");
  db_done(s);
  return ok ? DB_OK : DB_CORRUPT;
}
