/* licence_remind.c - licences that end soon: the list of those ending
 * within n days with the reminders sent, and the reminder job. 90, 30 and
 * 7 days before a licence ends its responsible person (or, without one,
 * the chiefs of its unit) and [assets] licence_mail are mailed, each stage
 * once per end date (licence_reminders remembers; a renewed licence with
 * a new end date starts over). Only the latest stage due is sent, as for
 * the e-signatures. */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/mail.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int stages[] = {90, 30, 7};
enum { EXPIRING_MAX_DAYS = 3660, DUE_MAX = 2000 };

static char licence_mail[1024];

void assets_licence_configure(const config *c)
{
  snprintf(licence_mail, sizeof licence_mail, "%s", config_get(c, "assets.licence_mail", ""));
}

/* Days since 1970-01-01 of "YYYY-MM-DD" (proleptic Gregorian). */
static int64_t day_number(const char *iso)
{
  int y = atoi(iso), m = atoi(iso + 5), d = atoi(iso + 8);
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" of today + days. */
static void day_after(const char *today, int64_t days, char out[11])
{
  char iso[32];
  fmt_iso8601((day_number(today) + days) * 86400, iso);
  memcpy(out, iso, 10);
  out[10] = '\0';
}

/* ---- the list -------------------------------------------------------------------------- */

int assets_api_licence_expiring(request *r)
{
  db *d = db_thread();
  int64_t days = 90;
  const char *v = req_query(r, "days");
  if (v && *v && (parse_i64(v, &days) || days < 0 || days > EXPIRING_MAX_DAYS))
    return assets_invalid(r, json_pack("{ss}", "days", _("days must be a number from 0 to 3660.")));
  char today[11], until[11];
  assets_today(today);
  day_after(today, days, until);
  db_stmt *st = db_q(d,
                     "SELECT l.id, l.end_date, l.unit_id, l.type, l.seats, p.id, p.publisher, p.name, o.id, o.name"
                     " FROM licences l JOIN software_products p ON p.id = l.product_id"
                     " LEFT JOIN org_people o ON o.id = l.responsible_id"
                     " WHERE l.end_date >= ? AND l.end_date <= ? ORDER BY l.end_date, l.id LIMIT 5000",
                     "tt", today, until);
  if (!st)
    return -1;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW) {
    if (!rbac_can(r->user->id, "licence.read", db_col_int(st, 2)))
      continue;
    json_t *o = json_pack("{sIsssIssss?}", "id", (json_int_t)db_col_int(st, 0), "end_date", db_col_text(st, 1),
                          "days_left", (json_int_t)(day_number(db_col_text(st, 1)) - day_number(today)), "type",
                          db_col_text(st, 3), "type_label", assets_licence_type_label(db_col_text(st, 3)));
    json_object_set_new(o, "seats", db_col_null(st, 4) ? json_null() : json_integer(db_col_int(st, 4)));
    json_object_set_new(o, "product", json_pack("{sIssss}", "id", (json_int_t)db_col_int(st, 5), "publisher",
                                                db_col_text(st, 6), "name", db_col_text(st, 7)));
    json_object_set_new(o, "responsible",
                        db_col_null(st, 8) ? json_null()
                                           : json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 8), "name",
                                                       db_col_text(st, 9)));
    json_array_append_new(items, o);
  }
  db_done(st);
  size_t i;
  json_t *o;
  json_array_foreach(items, i, o)
  {
    json_t *sent = json_array();
    st = db_q(d, "SELECT stage, sent_at, mailed FROM licence_reminders WHERE licence_id = ? AND end_date = ?"
                 " ORDER BY stage DESC",
              "it", jsonx_int(o, "id", 0), jsonx_str(o, "end_date"));
    while (st && db_step(st) == DB_ROW) {
      json_t *x = json_pack("{sIsb}", "stage", (json_int_t)db_col_int(st, 0), "mailed", db_col_int(st, 2) != 0);
      jsonx_set_time(x, "sent_at", db_col_int(st, 1));
      json_array_append_new(sent, x);
    }
    db_done(st);
    json_object_set_new(o, "reminders", sent);
  }
  return http_json(r, 200, json_pack("{sosI}", "items", items, "days", (json_int_t)days));
}

/* ---- the job -------------------------------------------------------------------------------- */

struct due {
  int64_t id, unit, responsible;
  int stage;
  char end[11], product[2 * SW_NAME_MAX + 4], email[320];
};

static void send_one(db *d, const char *to, const char *subject, const char *body, int64_t id)
{
  char ref[48];
  snprintf(ref, sizeof ref, "assets.licence:%lld", (long long)id);
  int rc = mail_enqueue(d, to, subject, body, ref);
  if (rc != MAIL_OK)
    log_warn("licence reminder not queued", "licence=%lld reason=\"%s\"", (long long)id, mail_strerror(rc));
}

/* Sends to each address of a space- or comma-separated list once. */
static void send_list(db *d, const char *list, const char *subject, const char *body, int64_t id, buf *seen)
{
  char one[320];
  for (const char *p = list; *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, " ,");
    if (n && n < sizeof one) {
      memcpy(one, p, n);
      one[n] = '\0';
      char mark[330];
      snprintf(mark, sizeof mark, " %s ", one);
      if (!strstr(buf_cstr(seen), mark)) {
        buf_printf(seen, "%s", mark);
        send_one(d, one, subject, body, id);
      }
    }
    p += n;
  }
}

static void mail_reminder(db *d, const struct due *x)
{
  char subject[700];
  snprintf(subject, sizeof subject, _("Licence ends on %s: %s"), x->end, x->product);
  buf body, seen;
  buf_init(&body, 1 << 16);
  buf_init(&seen, 1 << 16);
  buf_printf(&body,
             _("The licence of %s ends on %s, in %d days or less.\n"
               "Renew it or plan the removal before that day.\n\n%s/assets/licences/%lld\n"),
             x->product, x->end, x->stage, mail_base_url(), (long long)x->id);
  if (x->email[0]) {
    send_list(d, x->email, subject, buf_cstr(&body), x->id, &seen);
  } else {
    /* No responsible person with an address: the unit's chiefs. */
    db_stmt *st = db_q(d,
                       "SELECT DISTINCT u.email FROM effective_grants g JOIN users u ON u.id = g.user_id"
                       " JOIN units gu ON gu.id = g.unit_id JOIN units x ON x.id = ? WHERE g.role = 'sorumlu'"
                       " AND u.active = 1 AND u.email IS NOT NULL AND substr(x.path, 1, length(gu.path)) = gu.path"
                       " LIMIT 50",
                       "i", x->unit);
    while (st && db_step(st) == DB_ROW)
      send_list(d, db_col_text(st, 0), subject, buf_cstr(&body), x->id, &seen);
    db_done(st);
  }
  send_list(d, licence_mail, subject, buf_cstr(&body), x->id, &seen);
  buf_free(&body);
  buf_free(&seen);
}

int assets_job_licence_remind(db *d)
{
  char today[11], until[11];
  assets_today(today);
  day_after(today, stages[0], until);
  struct due *list = NULL;
  size_t n = 0, cap = 0;
  db_stmt *st = db_q(d,
                     "SELECT l.id, l.unit_id, l.end_date, p.publisher, p.name, COALESCE(o.email, ''),"
                     " COALESCE(l.responsible_id, 0) FROM licences l JOIN software_products p ON p.id = l.product_id"
                     " LEFT JOIN org_people o ON o.id = l.responsible_id"
                     " WHERE l.end_date >= ? AND l.end_date <= ? ORDER BY l.end_date LIMIT ?",
                     "tti", today, until, (int64_t)DUE_MAX);
  while (st && db_step(st) == DB_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 32;
      list = xrealloc(list, cap * sizeof *list);
    }
    struct due *x = &list[n++];
    memset(x, 0, sizeof *x);
    x->id = db_col_int(st, 0);
    x->unit = db_col_int(st, 1);
    snprintf(x->end, sizeof x->end, "%s", db_col_text(st, 2));
    const char *pub = db_col_text(st, 3);
    snprintf(x->product, sizeof x->product, "%s%s%s", pub && *pub ? pub : "", pub && *pub ? " " : "",
             db_col_text(st, 4));
    snprintf(x->email, sizeof x->email, "%s", db_col_text(st, 5));
    x->responsible = db_col_int(st, 6);
    int64_t left = day_number(x->end) - day_number(today);
    for (size_t k = 0; k < ARRAY_LEN(stages); k++)
      if (left <= stages[k])
        x->stage = stages[k];
  }
  db_done(st);
  struct actor who = audit_system("job:assets.licence_remind");
  int rc = st ? 0 : -1, sent = 0;
  bool mail = mail_enabled();
  for (size_t i = 0; !rc && i < n; i++) {
    struct due *x = &list[i];
    int64_t one;
    if (db_int(d, &one, "SELECT 1 FROM licence_reminders WHERE licence_id = ? AND end_date = ? AND stage <= ?", "iti",
               x->id, x->end, (int64_t)x->stage) == DB_ROW)
      continue;
    rc = db_begin(d);
    if (!rc)
      rc = db_run(d,
                  "INSERT INTO licence_reminders (licence_id, end_date, stage, sent_at, mailed) VALUES (?, ?, ?, ?, ?)",
                  "itiii", x->id, x->end, (int64_t)x->stage, now_unix(), (int64_t)mail);
    if (!rc && mail)
      mail_reminder(d, x);
    if (!rc) {
      char eid[24];
      snprintf(eid, sizeof eid, "%lld", (long long)x->id);
      json_t *after = json_pack("{sisssb}", "stage", x->stage, "end_date", x->end, "mailed", mail);
      rc = audit_write(d, &who, "licence.remind", "licence", eid, x->unit, NULL, after);
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
