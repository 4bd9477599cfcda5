/* mailin.c - tickets from the department's mailbox. Every minute the
 * scheduler reads the new messages (core imap): a message whose subject
 * carries a ticket number ("[BT-000042]") from someone who may write on
 * that ticket becomes a comment on it, anything else opens a new ticket;
 * accepted attachments are kept. Auto-replies and bounces are never
 * answered (no mail loops); a message seen before (Message-ID) is not
 * applied twice; one that cannot be parsed is kept whole in the file
 * store and logged, so nothing is lost. */
#include "desk_int.h"
#include "../core/files.h"
#include "../core/imap.h"
#include "../core/log.h"
#include "../core/mime.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAIL_BATCH = 50, MAIL_MAX_BYTES = 25 * 1024 * 1024, SUBJECT_CUT = 200, BODY_CUT = 20000 };

/* The first n bytes of s, not cutting a UTF-8 sequence. */
static const char *cut(arena *a, const char *s, size_t n)
{
  size_t len = strlen(s);
  if (len <= n)
    return s;
  while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  return arena_strndup(a, s, n);
}

static int seen(db *d, const char *mid, int64_t ticket)
{
  return db_run(d, "INSERT OR IGNORE INTO desk_mail_seen (message_id, ticket_id, at) VALUES (?, ?, ?)", "tIi", mid,
                ticket, now_unix());
}

static void keep_attachments(db *d, const struct actor *who, const struct desk_ticket *t, const struct mime_msg *m,
                             arena *a)
{
  char dir[4096];
  if (files_data_dir(d, dir, sizeof dir))
    return;
  int64_t max = desk_config()->attachment_max;
  for (size_t i = 0; i < m->nparts; i++) {
    const struct mime_part *p = &m->parts[i];
    const char *name = files_clean_name(a, p->filename && *p->filename ? p->filename : "ek");
    const char *mime = p->len ? files_sniff_type(p->data, p->len) : NULL;
    int64_t aid = 0;
    if (!name || !mime || (int64_t)p->len > max) {
      log_warn("mail attachment refused", "ticket=%lld type=\"%s\" size=%zu", (long long)t->id, p->content_type,
               p->len);
      continue;
    }
    if (desk_attach_insert(d, who, t, dir, name, mime, p->data, p->len, &aid))
      log_error("mail attachment not stored", "ticket=%lld", (long long)t->id);
  }
}

/* May the sender write on ticket t: its requester, a watcher, or staff. */
static bool may_write(db *d, const struct desk_ticket *t, int64_t user, const char *addr)
{
  if (user && (user == t->requester_id || user == t->assignee_id || desk_is_watcher(d, t->id, user)))
    return true;
  if (!user && t->requester_email && addr && !strcasecmp(t->requester_email, addr))
    return true;
  int64_t one = 0;
  return user && db_int(d, &one,
                        "SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role AND"
                        " rp.perm = 'desk.work' JOIN units gu ON gu.id = g.unit_id JOIN units x ON x.id = ?"
                        " WHERE g.user_id = ? AND substr(x.path, 1, length(gu.path)) = gu.path LIMIT 1",
                        "ii", t->unit_id, user) == DB_ROW;
}

static int on_message(const char *raw, size_t len, void *u)
{
  db *d = u;
  arena *a = arena_new();
  struct mime_msg m;
  int ret = 0;
  if (mime_parse(a, raw, len, &m)) {
    char dir[4096], sha[65];
    if (!files_data_dir(d, dir, sizeof dir) && !files_put(dir, raw, len, sha)) {
      log_warn("unreadable mail kept in the file store", "sha256=%s reason=\"%s\"", sha, m.error ? m.error : "");
      char key[80];
      snprintf(key, sizeof key, "sha256:%s", sha);
      if (seen(d, key, 0))
        ret = -1;
    } else {
      ret = -1; /* leave it in the mailbox */
    }
    goto out;
  }
  const char *mid = m.message_id;
  char fallback[80];
  if (!mid) {
    char sha[65];
    sha256_hex(raw, len, sha);
    snprintf(fallback, sizeof fallback, "sha256:%s", sha);
    mid = fallback;
  }
  int64_t one = 0;
  if (db_int(d, &one, "SELECT 1 FROM desk_mail_seen WHERE message_id = ?", "t", mid) == DB_ROW)
    goto out;
  if (m.auto_generated || !m.from.addr || tr_email_check(m.from.addr)) {
    log_info("mail not turned into a ticket", "from=\"%s\" auto=%d", m.from.addr ? m.from.addr : "",
             (int)m.auto_generated);
    ret = seen(d, mid, 0) ? -1 : 0;
    goto out;
  }
  int64_t user = 0;
  const char *username = NULL;
  db_stmt *st = db_q(d, "SELECT id, username FROM users WHERE lower(email) = lower(?) AND active = 1 LIMIT 1", "t",
                     m.from.addr);
  if (db_step(st) == DB_ROW) {
    user = db_col_int(st, 0);
    username = arena_strdup(a, db_col_text(st, 1));
  }
  db_done(st);
  struct actor who = {user, user ? username : arena_printf(a, "eposta:%s", m.from.addr), NULL};
  const char *text = *m.text ? cut(a, m.text, BODY_CUT) : "(boş ileti)";
  struct desk_ticket t;
  int64_t number = desk_number_in_subject(m.subject);
  if (number && desk_ticket_load(d, a, number, &t) == DB_ROW && t.status != DS_KAPANDI &&
      may_write(d, &t, user, m.from.addr)) {
    bool worker = user && user == t.assignee_id && user != t.requester_id; /* the technician answering */
    if (desk_comment_insert(d, &who, &t, text, false, "eposta", worker)) {
      ret = -1;
      goto out;
    }
    keep_attachments(d, &who, &t, &m, a);
    ret = seen(d, mid, t.id) ? -1 : 0;
    goto out;
  }
  const char *subject = *m.subject ? cut(a, m.subject, SUBJECT_CUT) : "(konusuz e-posta)";
  struct desk_new n = {
      .type = "ariza",
      .subject = subject,
      .body = text,
      .requester_id = user,
      .requester_name = user ? NULL : (*m.from.name ? cut(a, m.from.name, 200) : m.from.addr),
      .requester_email = user ? NULL : m.from.addr,
      .channel = "eposta",
      .created_by = user,
  };
  json_t *fields = json_object();
  int64_t id = 0;
  int rc = desk_ticket_create(d, NULL, &who, &n, fields, &id);
  if (rc == 400) {
    char *f = json_dumps(fields, JSON_COMPACT);
    log_warn("mail refused as a ticket", "fields=%s", f ? f : "");
    free(f);
    ret = seen(d, mid, 0) ? -1 : 0;
  } else if (rc) {
    ret = -1;
  } else {
    if (desk_ticket_load(d, a, id, &t) == DB_ROW)
      keep_attachments(d, &who, &t, &m, a);
    ret = seen(d, mid, id) ? -1 : 0;
  }
  json_decref(fields);
out:
  arena_free(a);
  return ret;
}

int desk_job_mailin(db *d)
{
  if (!imap_enabled())
    return 0;
  int n = imap_fetch_new(on_message, d, MAIL_BATCH, MAIL_MAX_BYTES);
  return n < 0 ? -1 : 0;
}
