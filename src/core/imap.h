/* imap.h - incoming mail: the new (UNSEEN) messages of one IMAP mailbox,
 * read with libcurl ([mail] imap_url, imap_user, imap_password,
 * imap_starttls in defter.conf). A message is marked \Seen only once the
 * caller has taken it, so a crash or a refusal leaves it for next time. */
#ifndef DEFTER_IMAP_H
#define DEFTER_IMAP_H

#include "config.h"

/* Reads the [mail] imap_* keys (mail_configure calls it). */
void imap_configure(const config *c);
/* [mail] imap_url is set. */
bool imap_enabled(void);

/* Receives one whole message (RFC 5322 bytes, CRLF line ends); returns 0
 * when it has taken the message. raw is valid during the call only. */
typedef int (*imap_msg_fn)(const char *raw, size_t len, void *u);

struct imap_stats {
  size_t unseen;   /* UNSEEN messages the mailbox reported */
  size_t taken;    /* handed to fn, which returned 0: now \Seen (consume) */
  size_t declined; /* handed to fn, which refused: left unseen */
  size_t rejected; /* larger than max_bytes: marked \Seen unread (consume) or skipped (peek) */
};

enum imap_mode {
  IMAP_CONSUME, /* mark taken and too large messages \Seen */
  IMAP_PEEK,    /* change nothing: every message stays unseen */
};

/* Looks at up to max_msgs UNSEEN messages, oldest first: each one at
 * most max_bytes long is fetched and handed to fn. st (optional) gets
 * the counts. Returns the number taken (fn returned 0), or -1
 * when the server cannot be reached, refuses the login or breaks off
 * (logged; messages already taken stay \Seen). */
int imap_fetch(enum imap_mode mode, imap_msg_fn fn, void *u, size_t max_msgs, size_t max_bytes,
               struct imap_stats *st) WUR;
/* imap_fetch(IMAP_CONSUME, ...): what the desk's mail-in job calls. */
int imap_fetch_new(imap_msg_fn fn, void *u, size_t max_msgs, size_t max_bytes) WUR;

#endif
