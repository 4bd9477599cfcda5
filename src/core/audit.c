/* audit.c - append and verify the audit chain. The hashed content is a
 * length-prefixed concatenation of every column, so no two different rows
 * can serialise to the same bytes. */
#include "audit.h"
#include "http.h"
#include "log.h"
#include "db.h"

#include <stdio.h>
#include <string.h>

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

struct actor audit_actor(struct request *r)
{
  struct actor a = {0, "anonymous", r ? r->ip : NULL};
  if (r && r->user) {
    a.user_id = r->user->id;
    a.name = r->user->username;
    /* While a deputyship runs, the trail shows on whose behalf. */
    db *d = db_thread();
    db_stmt *st = d ? db_q(d,
                           "SELECT p.username FROM deputies dp JOIN users p ON p.id = dp.principal_id"
                           " WHERE dp.deputy_id = ? AND dp.revoked_at IS NULL"
                           " AND dp.from_date <= date('now', '+3 hours') AND dp.to_date >= date('now', '+3 hours')"
                           " ORDER BY dp.id LIMIT 1",
                           "i", r->user->id)
                    : NULL;
    if (st && db_step(st) == DB_ROW)
      a.name = arena_printf(r->a, "%s (vekâleten %s)", r->user->username, db_col_text(st, 0));
    db_done(st);
  }
  return a;
}

struct actor audit_system(const char *name)
{
  struct actor a = {0, name, NULL};
  return a;
}

static void field(buf *b, const char *s)
{
  if (!s) {
    buf_puts(b, "-1:|");
    return;
  }
  buf_printf(b, "%zu:", strlen(s));
  buf_puts(b, s);
  buf_puts(b, "|");
}

void audit_row_hash(const char *prev_hash, int64_t id, int64_t ts, int64_t actor_id, const char *actor,
                    const char *ip, const char *action, const char *entity, const char *entity_id, int64_t unit_id,
                    const char *before, const char *after, char out[65])
{
  buf b;
  buf_init(&b, 0);
  field(&b, prev_hash);
  buf_printf(&b, "%lld|%lld|%lld|", (long long)id, (long long)ts, (long long)actor_id);
  field(&b, actor);
  field(&b, ip);
  field(&b, action);
  field(&b, entity);
  field(&b, entity_id);
  buf_printf(&b, "%lld|", (long long)unit_id);
  field(&b, before);
  field(&b, after);
  sha256_hex(b.data, b.len, out);
  buf_free(&b);
}

int audit_write(db *d, const struct actor *who, const char *action, const char *entity, const char *entity_id,
                int64_t unit_id, json_t *before, json_t *after)
{
  int rc = db_begin(d);
  if (rc)
    return rc;
  char *bj = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  char *aj = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  char prev[65];
  int64_t id = 1;
  snprintf(prev, sizeof prev, "%s", GENESIS);
  db_stmt *st = db_q(d, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", "");
  rc = db_step(st);
  if (rc == DB_ROW) {
    id = db_col_int(st, 0) + 1;
    snprintf(prev, sizeof prev, "%s", db_col_text(st, 1) ? db_col_text(st, 1) : "");
    rc = DB_OK;
  }
  db_done(st);
  if (rc == DB_OK) {
    int64_t ts = now_ms();
    char h[65];
    const char *name = who && who->name ? who->name : "system";
    audit_row_hash(prev, id, ts, who ? who->user_id : 0, name, who ? who->ip : NULL, action, entity, entity_id,
                   unit_id, bj, aj, h);
    rc = db_run(d,
                "INSERT INTO audit_log (id, ts, actor_id, actor, ip, action, entity, entity_id, unit_id,"
                " before_json, after_json, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                "iiitttttItttt", id, ts, who ? who->user_id : (int64_t)0, name, who ? who->ip : NULL, action,
                entity, entity_id, unit_id, bj, aj, prev, h);
  }
  free(bj);
  free(aj);
  if (rc) {
    db_rollback(d);
    return rc;
  }
  return db_commit(d);
}

int audit_verify(db *d, int64_t *bad_id, int64_t *rows, char *why, size_t whylen)
{
  *bad_id = 0;
  *rows = 0;
  char prev[65];
  snprintf(prev, sizeof prev, "%s", GENESIS);
  int64_t expect_id = 0;
  db_stmt *st = db_q(d,
                     "SELECT id, ts, actor_id, actor, ip, action, entity, entity_id, unit_id, before_json,"
                     " after_json, prev_hash, hash FROM audit_log ORDER BY id",
                     "");
  if (!st) {
    snprintf(why, whylen, "denetim tablosu okunamadı / audit table unreadable");
    return -1;
  }
  int rc;
  int result = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    int64_t id = db_col_int(st, 0);
    char h[65];
    audit_row_hash(prev, id, db_col_int(st, 1), db_col_int(st, 2), db_col_text(st, 3), db_col_text(st, 4),
                   db_col_text(st, 5), db_col_text(st, 6), db_col_text(st, 7), db_col_int(st, 8),
                   db_col_text(st, 9), db_col_text(st, 10), h);
    const char *stored_prev = db_col_text(st, 11);
    const char *stored = db_col_text(st, 12);
    (*rows)++;
    if (expect_id && id != expect_id + 1 && !str_eq(stored_prev, prev)) {
      *bad_id = id;
      snprintf(why, whylen, "satır %lld öncesinde eksik kayıt / rows missing before %lld", (long long)id,
               (long long)id);
      result = -1;
      break;
    }
    if (!str_eq(stored_prev, prev)) {
      *bad_id = id;
      snprintf(why, whylen, "önceki özet uyuşmuyor / previous-hash link broken");
      result = -1;
      break;
    }
    if (!str_eq(stored, h)) {
      *bad_id = id;
      snprintf(why, whylen, "içerik özeti uyuşmuyor / content hash mismatch");
      result = -1;
      break;
    }
    snprintf(prev, sizeof prev, "%s", stored);
    expect_id = id;
  }
  db_done(st);
  if (result == 0 && rc != DB_OK) {
    *bad_id = expect_id + 1;
    snprintf(why, whylen, "veritabanı okunamadı (bozulma?) / database unreadable (corruption?)");
    return -1;
  }
  return result;
}
