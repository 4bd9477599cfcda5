/* mime.h - a parser of received mail (RFC 5322 headers, MIME RFC 2045-2047
 * and RFC 2231 parameters) for the service desk's incoming mailbox. The
 * input comes from anyone: every size is bounded, malformed parts give a
 * best-effort result with the defect noted, and all text handed back is
 * valid UTF-8 without control characters (tr_text_check passes; the body
 * text keeps "\n" and tabs). Everything is allocated from the arena. */
#ifndef DEFTER_MIME_H
#define DEFTER_MIME_H

#include "util.h"

enum {
  MIME_INPUT_MAX = 64 * 1024 * 1024, /* larger input is refused */
  MIME_DEPTH_MAX = 8,                /* multipart nesting */
  MIME_PARTS_MAX = 64,               /* MIME entities looked at */
  MIME_ADDRS_MAX = 32,               /* addresses kept per To / Cc */
};

/* Defects found (mime_msg.defects); the result is still usable. */
enum {
  MIME_DEFECT_LIMIT = 1,    /* depth, part or size limit reached: the rest was skipped */
  MIME_DEFECT_BOUNDARY = 2, /* a multipart with a missing or unclosed boundary */
  MIME_DEFECT_ENCODING = 4, /* invalid base64 or quoted-printable, decoded as far as possible */
  MIME_DEFECT_CHARSET = 8,  /* unknown charset or bytes invalid in it, replaced by U+FFFD */
  MIME_DEFECT_HEADER = 16,  /* header lines or addresses that could not be read, skipped */
};

struct mime_addr {
  const char *name; /* display name, "" when none */
  const char *addr; /* "local@domain" as written; NULL when absent */
};

/* An attachment (any part that is not the message text). */
struct mime_part {
  const char *filename;     /* UTF-8 without any directory, "" when none was given */
  const char *content_type; /* "type/subtype", lower case */
  const char *content_id;   /* "<...>" or NULL */
  bool is_inline;           /* Content-Disposition: inline, e.g. an image of the HTML */
  const unsigned char *data;
  size_t len;
};

struct mime_msg {
  struct mime_addr from;
  struct mime_addr reply_to;   /* addr NULL when absent */
  struct mime_addr *to, *cc;   /* up to MIME_ADDRS_MAX each */
  size_t nto, ncc;
  const char *subject;         /* decoded, one line; "" when absent */
  const char *message_id;      /* "<id@host>" or NULL */
  const char *in_reply_to;     /* "<id@host>" or NULL */
  const char *references;      /* "<a@h> <b@h>" or NULL */
  const char *date;            /* the Date header as written, or NULL */
  int64_t date_unix;           /* 0 when absent or unreadable */
  const char *text;            /* the message text, "\n" line ends; "" when none */
  bool text_from_html;         /* no text/plain: text is the HTML part stripped */
  bool auto_generated;         /* Auto-Submitted, Precedence: bulk, a bounce...: never answer it */
  struct mime_part *parts;
  size_t nparts;
  unsigned defects;            /* MIME_DEFECT_* */
  const char *error;           /* why mime_parse returned -1 (English) */
};

/* Parses raw (len bytes, not NUL-terminated; CRLF or LF line ends).
 * Returns 0 with *out filled (possibly with defects), or -1 with
 * out->error set when the input is empty, larger than MIME_INPUT_MAX or
 * has no header at all. */
int mime_parse(arena *a, const char *raw, size_t len, struct mime_msg *out) WUR;

/* Decodes an RFC 2047 header value ("=?iso-8859-9?Q?...?=" words and raw
 * text) to one line of UTF-8 from the arena. */
const char *mime_decode_header(arena *a, const char *s, size_t n);

#endif
