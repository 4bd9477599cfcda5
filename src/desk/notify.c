/* notify.c - the mails the service desk sends: a receipt with the ticket
 * number when a ticket is opened, word of its assignment, public comments
 * and the resolution with a satisfaction link (1-5) to the requester and
 * watchers; new, escalated and overdue tickets to the unit's chiefs. Mails
 * go through the core outbox inside the change's transaction, so a
 * failing mail server never blocks or loses a ticket. */
#include "desk_int.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/mail.h"

#include <stdio.h>
#include <string.h>

struct about {
  char number[24];
  char subject[256];
  char unit[128];
  char status[32];
  char requester_email[320];
  int64_t assignee, requester;
};

static bool load_about(db *d, int64_t id, struct about *a)
{
  memset(a, 0, sizeof *a);
  db_stmt *st = db_q(d,
                     "SELECT t.subject, tu.name, t.status, COALESCE(ru.email, t.requester_email, ''),"
                     " COALESCE(t.assignee_id, 0), COALESCE(t.requester_id, 0) FROM desk_tickets t"
                     " JOIN units tu ON tu.id = t.unit_id LEFT JOIN users ru ON ru.id = t.requester_id"
                     " WHERE t.id = ?",
                     "i", id);
  bool ok = db_step(st) == DB_ROW;
  if (ok) {
    desk_number(id, a->number);
    snprintf(a->subject, sizeof a->subject, "%s", db_col_text(st, 0));
    snprintf(a->unit, sizeof a->unit, "%s", db_col_text(st, 1));
    snprintf(a->status, sizeof a->status, "%s", desk_status_label((int)db_col_int(st, 2)));
    snprintf(a->requester_email, sizeof a->requester_email, "%s", db_col_text(st, 3));
    a->assignee = db_col_int(st, 4);
    a->requester = db_col_int(st, 5);
  }
  db_done(st);
  return ok;
}

static void send(db *d, const char *to, const struct about *a, int64_t id, const char *body)
{
  if (!to || !*to)
    return;
  char subject[400], ref[48];
  snprintf(subject, sizeof subject, "[%s] %s", a->number, a->subject);
  snprintf(ref, sizeof ref, "desk.ticket:%lld", (long long)id);
  int rc = mail_enqueue(d, to, subject, body, ref);
  if (rc != MAIL_OK)
    log_warn("ticket mail not queued", "ticket=%lld reason=\"%s\"", (long long)id, mail_strerror(rc));
}

static const char *link(buf *b, int64_t id)
{
  char num[24];
  desk_number(id, num);
  buf_printf(b, "%s/desk/tickets/%s", mail_base_url(), num);
  return buf_cstr(b);
}

void desk_notify(db *d, int64_t id, const char *kind, const char *text)
{
  if (!mail_enabled())
    return;
  struct about a;
  if (!load_about(d, id, &a))
    return;
  buf body, url;
  buf_init(&body, 1 << 20);
  buf_init(&url, 4096);
  link(&url, id);
  if (str_eq(kind, "created"))
    buf_printf(&body,
               _("Your request has been registered with number %s.\n\nSubject: %s\nUnit: %s\n\nYou can follow it "
                 "here: %s\nReply to this mail to add information; keep the number in the subject.\n"),
               a.number, a.subject, a.unit, buf_cstr(&url));
  else if (str_eq(kind, "assigned"))
    buf_printf(&body, _("Your request %s has been assigned to a technician (%s).\n\n%s\n"), a.number, a.unit,
               buf_cstr(&url));
  else if (str_eq(kind, "comment"))
    buf_printf(&body, _("There is a new reply to your request %s:\n\n%s\n\n%s\n"), a.number, text ? text : "",
               buf_cstr(&url));
  else if (str_eq(kind, "resolved"))
    buf_printf(&body,
               _("Your request %s has been resolved.\n\nHow satisfied are you? Rate it from 1 to 5 here:\n"
                 "%s/desk/rate/%s\n\nIf the problem continues, you can reopen the request: %s\n"),
               a.number, mail_base_url(), text ? text : "", buf_cstr(&url));
  else
    buf_printf(&body, _("Your request %s has changed: %s.\n\n%s\n"), a.number, a.status, buf_cstr(&url));
  send(d, a.requester_email, &a, id, buf_cstr(&body));
  /* Watchers hear of everything except the personal rating link. */
  if (!str_eq(kind, "resolved") && !str_eq(kind, "created")) {
    db_stmt *st = db_q(d,
                       "SELECT u.email FROM desk_watchers w JOIN users u ON u.id = w.user_id"
                       " WHERE w.ticket_id = ? AND u.active = 1 AND u.email IS NOT NULL AND u.id <> ? LIMIT 50",
                       "ii", id, a.requester);
    char emails[50][320];
    int n = 0;
    while (db_step(st) == DB_ROW && n < 50)
      snprintf(emails[n++], 320, "%s", db_col_text(st, 0));
    db_done(st);
    for (int i = 0; i < n; i++)
      send(d, emails[i], &a, id, buf_cstr(&body));
  }
  buf_free(&body);
  buf_free(&url);
}

void desk_notify_unit(db *d, int64_t id, int64_t unit_id, const char *kind, const char *text)
{
  if (!mail_enabled())
    return;
  struct about a;
  if (!load_about(d, id, &a))
    return;
  buf body, url;
  buf_init(&body, 1 << 20);
  buf_init(&url, 4096);
  link(&url, id);
  const char *what = str_eq(kind, "new")                 ? _("A new ticket is waiting in the unit's queue.")
                     : str_eq(kind, "assigned_to_you")   ? _("A ticket has been assigned to you.")
                     : str_eq(kind, "requester_comment") ? _("The requester has written on a ticket.")
                     : str_eq(kind, "reopened")          ? _("The requester has reopened a ticket.")
                     : str_eq(kind, "escalated")         ? _("A ticket has been escalated to second level support.")
                     : str_eq(kind, "response_breach")   ? _("A ticket was not answered in time.")
                     : str_eq(kind, "resolve_breach")    ? _("A ticket was not resolved in time.")
                     : str_eq(kind, "sla_warning")       ? _("A ticket's resolution time is nearly over.")
                                                         : _("A ticket has changed.");
  buf_puts(&body, what);
  buf_printf(&body, "\n%s: %s\n\n%s: %s\n%s\n", _("Unit"), a.unit, a.number, a.subject, text ? text : "");
  buf_printf(&body, "\n%s\n", buf_cstr(&url));
  char emails[50][320];
  int n = 0;
  db_stmt *st;
  if (unit_id == 0 || str_eq(kind, "sla_warning"))
    st = db_q(d, "SELECT email FROM users WHERE id = ? AND active = 1 AND email IS NOT NULL", "i", a.assignee);
  else
    st = NULL;
  while (st && db_step(st) == DB_ROW && n < 50)
    snprintf(emails[n++], 320, "%s", db_col_text(st, 0));
  db_done(st);
  if (unit_id && !(str_eq(kind, "sla_warning") && n)) {
    /* The chiefs: who holds desk.assign on a unit that reaches this one. */
    st = db_q(d,
              "SELECT DISTINCT u.email FROM effective_grants g JOIN role_perms rp ON rp.role = g.role"
              " AND rp.perm = 'desk.assign' JOIN users u ON u.id = g.user_id JOIN units gu ON gu.id = g.unit_id"
              " JOIN units x ON x.id = ? WHERE u.active = 1 AND u.email IS NOT NULL"
              " AND substr(x.path, 1, length(gu.path)) = gu.path LIMIT 50",
              "i", unit_id);
    while (db_step(st) == DB_ROW && n < 50)
      snprintf(emails[n++], 320, "%s", db_col_text(st, 0));
    db_done(st);
  }
  for (int i = 0; i < n; i++)
    send(d, emails[i], &a, id, buf_cstr(&body));
  buf_free(&body);
  buf_free(&url);
}
