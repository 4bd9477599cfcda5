/* remind.c - the daily e-signature reminders: 90, 30 and 7 days before a
 * certificate expires the holder (when the person has an e-mail) and IT
 * ([esign] notify) are mailed, each stage once per certificate validity
 * (esign_reminders remembers which were sent; a renewed certificate with
 * a new end date starts over). Only the latest stage due is sent: a
 * certificate registered 20 days before its end gets the 30-day mail, not
 * a late 90-day one. Entering the window opens a renewal workflow when
 * none is open. */
#include "esign.h"
#include "esign_int.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/mail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char notify[1024];

void esign_configure(const config *c)
{
  snprintf(notify, sizeof notify, "%s", config_get(c, "esign.notify", ""));
}

const char *esign_notify_addresses(void)
{
  return notify;
}

struct due {
  int64_t id, person, unit, not_after;
  int stage;
  char name[256], email[320], provider[64], serial[80];
};

static void send_one(db *d, const char *to, const char *subject, const char *body, int64_t id)
{
  char ref[48];
  snprintf(ref, sizeof ref, "esign.signature:%lld", (long long)id);
  int rc = mail_enqueue(d, to, subject, body, ref);
  if (rc != MAIL_OK)
    log_warn("e-signature reminder not queued", "signature=%lld reason=\"%s\"", (long long)id, mail_strerror(rc));
}

static void mail_reminder(db *d, const struct due *x)
{
  char subject[512], day[32];
  fmt_iso8601(x->not_after + ESIGN_TZ, day);
  day[10] = '\0';
  snprintf(subject, sizeof subject, _("E-signature expires on %s: %s"), day, x->name);
  buf body;
  buf_init(&body, 1 << 16);
  buf_printf(&body,
             _("The e-signature certificate of %s (%s, serial %s) expires on %s, in %d days or less.\n"
               "Start the renewal now: the card or the mobile line must be renewed before that day.\n\n%s/esign/%lld\n"),
             x->name, x->provider, x->serial[0] ? x->serial : "-", day, x->stage, mail_base_url(), (long long)x->id);
  const char *text = buf_cstr(&body);
  if (x->email[0])
    send_one(d, x->email, subject, text, x->id);
  char one[320];
  for (const char *p = notify; *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, " ,");
    if (n && n < sizeof one) {
      memcpy(one, p, n);
      one[n] = '\0';
      if (strcmp(one, x->email))
        send_one(d, one, subject, text, x->id);
    }
    p += n;
  }
  buf_free(&body);
}

int esign_job_remind(db *d)
{
  int64_t now = now_unix();
  struct due *list = NULL;
  size_t n = 0, cap = 0;
  /* Active certificates inside the 90-day window without a reminder of
   * the stage now due (or of a later one). */
  db_stmt *st = db_q(d,
                     "SELECT s.id, s.person_id, p.unit_id, s.not_after, p.name, COALESCE(p.email, ''), s.provider,"
                     " COALESCE(s.serial, '') FROM esign_signatures s JOIN org_people p ON p.id = s.person_id"
                     " WHERE s.status = 'active' AND s.not_after > ? AND s.not_after <= ? ORDER BY s.not_after LIMIT 2000",
                     "ii", now, now + (int64_t)esign_stages[0] * ESIGN_DAY);
  while (db_step(st) == DB_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      list = xrealloc(list, cap * sizeof *list);
    }
    struct due *x = &list[n++];
    memset(x, 0, sizeof *x);
    x->id = db_col_int(st, 0);
    x->person = db_col_int(st, 1);
    x->unit = db_col_int(st, 2);
    x->not_after = db_col_int(st, 3);
    snprintf(x->name, sizeof x->name, "%s", db_col_text(st, 4));
    snprintf(x->email, sizeof x->email, "%s", db_col_text(st, 5));
    snprintf(x->provider, sizeof x->provider, "%s", esign_provider_label(db_col_text(st, 6)));
    snprintf(x->serial, sizeof x->serial, "%s", db_col_text(st, 7));
    int64_t left = (x->not_after - now + ESIGN_DAY - 1) / ESIGN_DAY;
    for (size_t k = 0; k < ARRAY_LEN(esign_stages); k++)
      if (left <= esign_stages[k])
        x->stage = esign_stages[k];
  }
  db_done(st);
  struct actor who = audit_system("job:esign.remind");
  int rc = 0, sent = 0;
  bool mail = mail_enabled();
  for (size_t i = 0; !rc && i < n; i++) {
    struct due *x = &list[i];
    int64_t one;
    if (db_int(d, &one, "SELECT 1 FROM esign_reminders WHERE signature_id = ? AND not_after = ? AND stage <= ?",
               "iii", x->id, x->not_after, (int64_t)x->stage) == DB_ROW)
      continue;
    rc = db_begin(d);
    if (!rc)
      rc = db_run(d,
                  "INSERT INTO esign_reminders (signature_id, not_after, stage, sent_at, mailed) VALUES (?, ?, ?, ?, ?)",
                  "iiiii", x->id, x->not_after, (int64_t)x->stage, now, (int64_t)mail);
    if (!rc && mail)
      mail_reminder(d, x);
    if (!rc && db_int(d, &one, "SELECT 1 FROM esign_workflows WHERE signature_id = ? AND kind = 'renewal'"
                               " AND status = 'open'", "i", x->id) == DB_OK) {
      int64_t wid;
      rc = esign_workflow_open(d, &who, x->person, x->id, "renewal", NULL,
                               _("Opened by the reminder: the certificate expires within three months."), x->unit, &wid);
    }
    if (!rc) {
      char eid[24];
      snprintf(eid, sizeof eid, "%lld", (long long)x->id);
      json_t *after = json_pack("{sisb}", "stage", x->stage, "mailed", mail);
      rc = audit_write(d, &who, "remind", "esign.signature", eid, x->unit, NULL, after);
      json_decref(after);
    }
    if (rc || (rc = db_commit(d)))
      db_rollback(d);
    else
      sent++;
  }
  free(list);
  if (sent && mail)
    jobs_kick("mail.send");
  return rc ? -1 : 0;
}
