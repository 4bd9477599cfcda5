/* mail.h - outgoing mail. A pure message builder (RFC 5322 headers,
 * RFC 2047 encoded subject and sender name, quoted-printable UTF-8 text),
 * an outbox table written inside the caller's transaction so that no
 * request waits on SMTP, and the "mail.send" job that delivers the outbox
 * through libcurl with exponential back-off. Configured from the [mail]
 * section of defter.conf (see defter.conf(5)). */
#ifndef DEFTER_MAIL_H
#define DEFTER_MAIL_H

#include "config.h"
#include "db.h"

enum mail_rc {
  MAIL_OK = 0,
  MAIL_EADDR = -1,    /* an address tr_email_check refuses */
  MAIL_EHEADER = -2,  /* CR, LF, another control character or bad UTF-8 in a header value */
  MAIL_ETEXT = -3,    /* the body is not valid UTF-8 text */
  MAIL_ETOOBIG = -4,  /* subject or body longer than the limits below */
  MAIL_EOFF = -5,     /* mail is not configured ([mail] smtp_url / from empty) */
  MAIL_ESEND = -6,    /* the SMTP server could not be reached or refused the message */
  MAIL_EDB = -7,      /* the outbox could not be written or read */
};

enum {
  MAIL_SUBJECT_MAX = 900,       /* bytes of UTF-8 */
  MAIL_BODY_MAX = 1024 * 1024,  /* bytes of UTF-8 */
  MAIL_ID_MAX = 256,            /* a Message-ID with its angle brackets, and NUL */
};

/* One message. Addresses are plain "local@domain" (no display name);
 * text is UTF-8. Only to, subject and body are required. */
struct mail_msg {
  const char *to;
  const char *subject;     /* one line */
  const char *body;        /* "\n" or "\r\n" line ends */
  const char *in_reply_to; /* optional: "<id@host>" */
  const char *references;  /* optional: "<a@host> <b@host>" */
  /* Filled from the configuration when sent from the outbox: */
  const char *from;        /* address */
  const char *from_name;   /* optional display name */
  const char *message_id;  /* "<id@host>"; NULL: a new one */
  int64_t date;            /* unix seconds; 0: now */
};

/* Reads [mail] from c (NULL: mail off) into process-wide settings; call
 * once at start, before threads (data_open does it for every command). */
void mail_configure(const config *c);
/* Outgoing mail is configured: smtp_url and a valid from address. */
bool mail_enabled(void);
/* The public URL of defter for links in mails, without a trailing slash
 * ([mail] base_url, else http://[server] listen). */
const char *mail_base_url(void);

/* Checks m (addresses, header values, body) without building anything. */
int mail_check(const struct mail_msg *m) WUR;
/* Builds the whole message, CRLF line ends, into out (appended; the
 * caller owns out). Every header line is at most 78 characters except an
 * unbreakable address or message id. Returns MAIL_OK or why m is refused;
 * nothing is written then. */
int mail_build(const struct mail_msg *m, buf *out) WUR;
/* A new "<random.time@domain>" for the domain of from. */
void mail_message_id(const char *from, char out[MAIL_ID_MAX]);

/* Queues one message for the "mail.send" job, inside the caller's
 * transaction (no commit here). ref names what the mail is about, e.g.
 * "desk.ticket:42" (may be NULL). When mail is off nothing is stored and
 * MAIL_OK is returned, so callers need not ask. A refused address or
 * text returns its mail_rc and stores nothing: the caller decides whether
 * that aborts its own change (usually not). */
int mail_enqueue(db *d, const char *to, const char *subject, const char *body, const char *ref) WUR;
/* The same with threading headers (in_reply_to, references); from,
 * from_name and date in m are ignored. */
int mail_enqueue_msg(db *d, const struct mail_msg *m, const char *ref) WUR;

/* The "mail.send" job: sends due outbox messages (at most 50 a run),
 * stops the run at the first connection failure, retries a failed message
 * after retry_seconds, doubled each time up to an hour, and gives up
 * after max_attempts keeping the last error. Returns 0 unless the outbox
 * itself cannot be read. */
int mail_job_send(db *d) WUR;

/* Sends m now through SMTP (CLI `defter mail test`); from, from_name come
 * from the configuration when NULL. err receives a reason on failure. */
int mail_send_now(const struct mail_msg *m, char *err, size_t errlen) WUR;

/* English text (a gettext msgid) for a mail_rc. */
const char *mail_strerror(int rc);

#endif
