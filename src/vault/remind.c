/* remind.c - who hears about the vault: the responsible admin of an entry
 * is mailed seven days before its password is due for rotation and again
 * when it is due (each once per rotation: `reminded` remembers the stage,
 * a rotation resets it); a break-glass opening mails every admin of the
 * entry's unit. Mails go through the core outbox. */
#include "vault.h"
#include "vault_int.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/mail.h"

#include <stdio.h>
#include <string.h>

enum { STAGE_NONE = 0, STAGE_SOON = 1, STAGE_DUE = 2, SOON_DAYS = 7 };

static void send(db *d, const char *to, const char *subject, const char *body, int64_t id)
{
  char ref[48];
  if (!to || !*to)
    return;
  snprintf(ref, sizeof ref, "vault.entry:%lld", (long long)id);
  int rc = mail_enqueue(d, to, subject, body, ref);
  if (rc != MAIL_OK)
    log_warn("vault mail not queued", "entry=%lld reason=\"%s\"", (long long)id, mail_strerror(rc));
}

/* Sends to each space-separated address of list that is not in seen
 * (a space-separated list it extends). */
static void send_list(db *d, const char *list, buf *seen, const char *subject, const char *body, int64_t id)
{
  char one[320];
  const char *p = list;
  while (p && *p) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, " ,");
    if (n && n < sizeof one) {
      memcpy(one, p, n);
      one[n] = '\0';
      char key[330];
      snprintf(key, sizeof key, " %s ", one);
      if (!strstr(buf_cstr(seen), key)) {
        buf_printf(seen, "%s ", one);
        send(d, one, subject, body, id);
      }
    }
    p += n;
  }
}

void vault_mail_admins(db *d, const struct vault_entry *e, const char *subject, const char *body)
{
  buf seen, list;
  buf_init(&seen, 1 << 16);
  buf_init(&list, 1 << 16);
  buf_puts(&seen, " ");
  if (e->owner_email && *e->owner_email)
    buf_printf(&list, "%s ", e->owner_email);
  db_stmt *st = db_q(d,
                     "SELECT DISTINCT us.email FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"
                     " JOIN users us ON us.id = g.user_id JOIN units gu ON gu.id = g.unit_id"
                     " JOIN units x ON x.id = ? WHERE rp.perm = 'vault.manage' AND us.active = 1"
                     " AND us.email IS NOT NULL AND us.email <> ''"
                     " AND substr(x.path, 1, length(gu.path)) = gu.path ORDER BY us.email LIMIT 100",
                     "i", e->unit_id);
  while (db_step(st) == DB_ROW)
    buf_printf(&list, "%s ", db_col_text(st, 0));
  db_done(st);
  buf_puts(&list, vault_notify_addresses());
  send_list(d, buf_cstr(&list), &seen, subject, body, e->id);
  buf_free(&seen);
  buf_free(&list);
}

/* One reminder for entry e at stage; the owner and [vault] notify. */
static void remind(db *d, const struct vault_entry *e, int stage, int64_t now)
{
  char subject[512], due[32];
  fmt_iso8601(e->rotate_due, due);
  due[10] = '\0';
  buf body, seen;
  buf_init(&body, 1 << 16);
  buf_init(&seen, 1 << 16);
  buf_puts(&seen, " ");
  if (stage == STAGE_SOON) {
    snprintf(subject, sizeof subject, _("Password rotation due on %s: %s / %s"), due, e->system, e->account);
    buf_printf(&body, _("The password of %s / %s is due for rotation on %s (in %lld days).\n"), e->system, e->account,
               due, (long long)((e->rotate_due - now + 86399) / 86400));
  } else {
    snprintf(subject, sizeof subject, _("Password rotation overdue: %s / %s"), e->system, e->account);
    buf_printf(&body, _("The password of %s / %s was due for rotation on %s. Change it now.\n"), e->system,
               e->account, due);
  }
  buf_printf(&body, _("\nRecord the new password in defter (Rotate): %s/vault/%lld\n"), mail_base_url(),
             (long long)e->id);
  if (e->owner_email && *e->owner_email)
    send_list(d, e->owner_email, &seen, subject, buf_cstr(&body), e->id);
  send_list(d, vault_notify_addresses(), &seen, subject, buf_cstr(&body), e->id);
  buf_free(&body);
  buf_free(&seen);
}

int vault_job_remind(db *d)
{
  if (!mail_enabled())  /* the stage is kept for when mail is configured */
    return 0;
  int64_t now = now_unix();
  arena *a = arena_new();
  int rc = db_begin(d), sent = 0;
  db_stmt *st = rc ? NULL
                   : db_q(d,
                          "SELECT e.id, e.reminded, e.rotate_due FROM vault_entries e"
                          " WHERE e.rotate_due IS NOT NULL AND e.rotate_due - ? <= ?"
                          " AND e.reminded < CASE WHEN e.rotate_due <= ? THEN 2 ELSE 1 END ORDER BY e.id LIMIT 500",
                          "iii", (int64_t)SOON_DAYS * 86400, now, now);
  int64_t ids[500];
  int stages[500], n = 0;
  while (st && db_step(st) == DB_ROW && n < 500) {
    ids[n] = db_col_int(st, 0);
    stages[n] = db_col_int(st, 2) <= now ? STAGE_DUE : STAGE_SOON;
    n++;
  }
  db_done(st);
  for (int i = 0; !rc && i < n; i++) {
    struct vault_entry e;
    if (vault_entry_load(d, a, ids[i], &e) != DB_ROW)
      continue;
    remind(d, &e, stages[i], now);
    sent++;
    rc = db_run(d, "UPDATE vault_entries SET reminded = ? WHERE id = ?", "ii", (int64_t)stages[i], e.id);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    rc = -1;
  }
  arena_free(a);
  if (sent)
    jobs_kick("mail.send");
  return rc;
}
