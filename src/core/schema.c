/* schema.c - the tables core itself owns: organisation units (the scope
 * of every permission), users, grants, roles, sessions, tokens, login
 * attempts, the audit chain, settings, scheduler state and the mail
 * outbox. */
#include "schema.h"

static const struct db_migration core_migrations[] = {
    {1,
     "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE units ("
     " id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,"
     " parent_id INTEGER REFERENCES units(id), path TEXT NOT NULL, sort INTEGER NOT NULL DEFAULT 0,"
     " active INTEGER NOT NULL DEFAULT 1);"
     "CREATE INDEX units_parent ON units(parent_id);"
     "CREATE TABLE users ("
     " id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, display_name TEXT NOT NULL, email TEXT,"
     " password_hash TEXT, unit_id INTEGER REFERENCES units(id), active INTEGER NOT NULL DEFAULT 1,"
     " source TEXT NOT NULL DEFAULT 'local', created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
     " password_changed_at INTEGER);"
     "CREATE TABLE perm_catalog (perm TEXT PRIMARY KEY, module TEXT NOT NULL);"
     "CREATE TABLE role_perms (role TEXT NOT NULL, perm TEXT NOT NULL, PRIMARY KEY (role, perm));"
     "CREATE TABLE grants ("
     " id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " role TEXT NOT NULL, unit_id INTEGER NOT NULL REFERENCES units(id), created_at INTEGER NOT NULL,"
     " UNIQUE (user_id, role, unit_id));"
     "CREATE INDEX grants_user ON grants(user_id);"
     "CREATE TABLE sessions ("
     " id_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " csrf TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL, ip TEXT, user_agent TEXT);"
     "CREATE INDEX sessions_user ON sessions(user_id);"
     "CREATE TABLE api_tokens ("
     " id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     " name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
     " last_used_at INTEGER, expires_at INTEGER, revoked_at INTEGER);"
     "CREATE TABLE login_attempts ("
     " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, username TEXT NOT NULL, ip TEXT NOT NULL,"
     " ok INTEGER NOT NULL);"
     "CREATE INDEX login_attempts_user ON login_attempts(username, ts);"
     "CREATE INDEX login_attempts_ip ON login_attempts(ip, ts);"
     "CREATE TABLE audit_log ("
     " id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor_id INTEGER NOT NULL, actor TEXT NOT NULL, ip TEXT,"
     " action TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT, unit_id INTEGER,"
     " before_json TEXT, after_json TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
     "CREATE INDEX audit_entity ON audit_log(entity, entity_id);"
     "CREATE INDEX audit_actor ON audit_log(actor_id, id);"
     "CREATE INDEX audit_action ON audit_log(action, id);"
     "CREATE TABLE jobs_state (name TEXT PRIMARY KEY, last_run INTEGER NOT NULL, last_status TEXT);"},
    /* Deputies (vekalet): while today (Europe/Istanbul) is within
     * [from_date, to_date], the deputy acts with the principal's grants. */
    {2,
     "CREATE TABLE deputies ("
     " id INTEGER PRIMARY KEY, principal_id INTEGER NOT NULL REFERENCES users(id),"
     " deputy_id INTEGER NOT NULL REFERENCES users(id), from_date TEXT NOT NULL, to_date TEXT NOT NULL,"
     " reason TEXT, created_by INTEGER REFERENCES users(id), created_at INTEGER NOT NULL, revoked_at INTEGER,"
     " CHECK (principal_id <> deputy_id), CHECK (from_date <= to_date));"
     "CREATE INDEX deputies_deputy ON deputies(deputy_id, to_date);"
     "CREATE INDEX deputies_principal ON deputies(principal_id, to_date);"
     /* Every permission check reads this view: a user's own grants plus,
      * while a deputyship runs, the principal's (no chaining: a deputy
      * acts with the principal's own grants only). Dates are compared in
      * Europe/Istanbul (UTC+3 all year). */
     "CREATE VIEW effective_grants AS"
     " SELECT g.user_id AS user_id, g.role AS role, g.unit_id AS unit_id, 0 AS via_deputy FROM grants g"
     " UNION ALL"
     " SELECT d.deputy_id, g.role, g.unit_id, d.principal_id FROM deputies d JOIN grants g ON g.user_id = d.principal_id"
     " WHERE d.revoked_at IS NULL AND d.from_date <= date('now', '+3 hours') AND d.to_date >= date('now', '+3 hours');"},
    /* Outgoing mail waits here for the "mail.send" job (core/mail.c):
     * next_try NULL means done, sent (sent_at set) or given up
     * (last_error kept). */
    {3,
     "CREATE TABLE mail_outbox ("
     " id INTEGER PRIMARY KEY, to_addr TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL, ref TEXT,"
     " message_id TEXT NOT NULL, in_reply_to TEXT, refs TEXT, created_at INTEGER NOT NULL,"
     " attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER, sent_at INTEGER, last_error TEXT);"
     "CREATE INDEX mail_outbox_due ON mail_outbox(next_try);"
     "CREATE INDEX mail_outbox_ref ON mail_outbox(ref);"},
};

int schema_migrate_all(db *d)
{
  int rc = db_migrate(d, "core", core_migrations, ARRAY_LEN(core_migrations));
  for (size_t i = 0; !rc && i < defter_nmodules; i++) {
    const struct defter_module *m = defter_modules[i];
    if (m->nmigrations)
      rc = db_migrate(d, m->name, m->migrations, m->nmigrations);
  }
  if (!rc)
    rc = rbac_sync(d);
  return rc;
}

const char *settings_get(db *d, arena *a, const char *key)
{
  const char *v = NULL;
  db_stmt *st = db_q(d, "SELECT value FROM settings WHERE key = ?", "t", key);
  if (db_step(st) == DB_ROW)
    v = arena_strdup(a, db_col_text(st, 0));
  db_done(st);
  return v;
}

int settings_set(db *d, const char *key, const char *value)
{
  int rc = db_run(d, "DELETE FROM settings WHERE key = ?", "t", key);
  if (!rc)
    rc = db_run(d, "INSERT INTO settings (key, value) VALUES (?, ?)", "tt", key, value);
  return rc;
}
