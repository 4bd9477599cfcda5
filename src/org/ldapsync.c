/* ldapsync.c - what a directory sync (core/ldap.h) does to the people
 * register: a directory user's person record is found by its user, or by
 * the T.C. number when the directory has one, created when it has a valid
 * T.C. number and a known unit (org_people needs both), kept up to date
 * (name, e-mail, phone, unit) and marked inactive when the user leaves
 * the directory. Every change is audited inside the sync's transaction. */
#include "org.h"
#include "org_int.h"
#include "../core/ldap.h"
#include "../core/log.h"
#include "../core/tr.h"

#include <stdio.h>
#include <string.h>

static char employment[32] = "memur";

static int audit_person(db *d, const struct actor *who, const char *action, int64_t id, int64_t unit,
                        json_t *before)
{
  char idtxt[32];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
  json_t *after = org_person_record(d, id);
  int rc = after ? audit_write(d, who, action, "person", idtxt, unit, before, after) : DB_ERR;
  json_decref(after);
  return rc;
}

static int on_entry(db *d, const struct actor *who, const struct ldapx_entry *e, int64_t user_id,
                    struct ldapx_sync_report *rep)
{
  arena *a = arena_new();
  int rc = 0;
  const char *name = e->name ? e->name : e->username;
  size_t cap = 2 * strlen(name) + 1;
  char *fold = arena_alloc(a, cap), *ascii = arena_alloc(a, cap);
  char *phone = arena_alloc(a, TR_PHONE_MAX + 1);
  if (!e->phone || tr_phone_e164(e->phone, phone))
    phone = NULL;
  const char *mail = e->mail && tr_email_check(e->mail) == 0 ? e->mail : NULL;
  const char *tckn = e->tckn && tr_tckn_check(e->tckn) == TR_TCKN_OK ? e->tckn : NULL;
  int64_t unit = ldapx_unit_lookup(d, e->unit), id = 0;
  if (tr_fold(name, false, fold, cap) || tr_fold(name, true, ascii, cap) || strlen(name) < 2) {
    rep->people_skipped++;
    goto out;
  }
  if (db_int(d, &id, "SELECT id FROM org_people WHERE user_id = ?", "i", user_id) != DB_ROW && tckn &&
      db_int(d, &id, "SELECT id FROM org_people WHERE tckn = ? AND user_id IS NULL", "t", tckn) != DB_ROW)
    id = 0;
  if (!id) {
    int64_t taken = 0;
    if (!tckn || !unit || db_int(d, &taken, "SELECT 1 FROM org_people WHERE tckn = ?", "t", tckn) == DB_ROW) {
      rep->people_skipped++;
      goto out;
    }
    struct org_person p = {.name = name, .name_fold = fold, .name_ascii = ascii, .tckn = tckn,
                           .employment = employment, .phone = phone, .email = mail, .unit_id = unit,
                           .user_id = user_id, .active = true};
    rc = org_person_insert(d, who, &p, &id);
    if (!rc)
      rep->people_created++;
    goto out;
  }
  /* Only what the directory knows is written, and only when it differs. */
  json_t *before = org_person_record(d, id);
  if (!before) {
    rc = DB_ERR;
    goto out;
  }
  rc = db_run(d,
              "UPDATE org_people SET name = ?, name_fold = ?, name_ascii = ?, email = COALESCE(?, email),"
              " phone = COALESCE(?, phone), unit_id = COALESCE(?, unit_id), user_id = ?, active = 1, updated_at = ?"
              " WHERE id = ? AND (name IS NOT ? OR email IS NOT COALESCE(?, email) OR phone IS NOT COALESCE(?, phone)"
              " OR unit_id IS NOT COALESCE(?, unit_id) OR user_id IS NOT ? OR active = 0)",
              "tttttIiiitttIi", name, fold, ascii, mail, phone, unit, user_id, now_unix(), id, name, mail, phone, unit,
              user_id);
  if (!rc && db_changes(d)) {
    rc = audit_person(d, who, "update", id, unit, before);
    if (!rc)
      rep->people_updated++;
  }
  json_decref(before);
out:
  arena_free(a);
  return rc;
}

static int on_gone(db *d, const struct actor *who, int64_t user_id, struct ldapx_sync_report *rep)
{
  int64_t id = 0, unit = 0;
  if (db_int(d, &id, "SELECT id FROM org_people WHERE user_id = ? AND active = 1", "i", user_id) != DB_ROW)
    return 0;
  if (db_int(d, &unit, "SELECT unit_id FROM org_people WHERE id = ?", "i", id) != DB_ROW)
    unit = 0;
  json_t *before = org_person_record(d, id);
  int rc = before ? db_run(d, "UPDATE org_people SET active = 0, updated_at = ? WHERE id = ?", "ii", now_unix(), id)
                  : DB_ERR;
  if (!rc)
    rc = audit_person(d, who, "update", id, unit, before);
  if (!rc)
    rep->people_deactivated++;
  json_decref(before);
  return rc;
}

void org_configure(const config *c)
{
  const char *emp = org_employment_key(config_get(c, "ldap.employment", "memur"));
  if (!emp) {
    log_warn("[ldap] employment is not a kind of employment; memur used", "%s", "");
    emp = "memur";
  }
  snprintf(employment, sizeof employment, "%s", emp);
  static const struct ldapx_sync_hooks h = {on_entry, on_gone};
  ldapx_sync_hooks_set(&h);
}
