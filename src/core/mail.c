/* mail.c - outgoing mail: the message builder, the outbox and its
 * delivery over SMTP with libcurl. The builder is pure and refuses any
 * value that could inject a header; the outbox lets a request finish
 * without waiting on a mail server, and a lease on each row keeps two
 * senders (the server's scheduler, `defter jobs run`) from sending one
 * message twice. */
#include "mail.h"
#include "jobs.h"
#include "i18n.h"
#include "imap.h"
#include "log.h"
#include "tr.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum {
  LINE_MAX_LEN = 78,      /* RFC 5322 recommended line length */
  WORD_MAX = 75,          /* RFC 2047 encoded-word length */
  QP_LINE = 75,           /* quoted-printable text per line, before the soft break "=" */
  BATCH = 50,             /* messages per job run */
  LEASE_S = 300,          /* a claimed row is not retried before this */
  BACKOFF_CAP_S = 3600,   /* longest wait between two attempts */
  REFERENCES_MAX = 2000,  /* bytes of References */
  ERROR_MAX = 400,        /* bytes of last_error kept */
};

/* ---- configuration -------------------------------------------------- */

static struct {
  bool on;
  bool starttls;
  char smtp_url[1024];
  char smtp_user[256];
  char smtp_password[256];
  char from[256];
  char from_name[256];
  char base_url[1024];
  int64_t retry_s;
  int64_t max_attempts;
} cfg;

static void copy(char *dst, size_t n, const char *src)
{
  snprintf(dst, n, "%s", src ? src : "");
}

void mail_configure(const config *c)
{
  memset(&cfg, 0, sizeof cfg);
  cfg.retry_s = 60;
  cfg.max_attempts = 10;
  copy(cfg.base_url, sizeof cfg.base_url, "http://127.0.0.1:8080");
  imap_configure(c);
  if (!c)
    return;
  copy(cfg.smtp_url, sizeof cfg.smtp_url, config_get(c, "mail.smtp_url", ""));
  copy(cfg.smtp_user, sizeof cfg.smtp_user, config_get(c, "mail.smtp_user", ""));
  copy(cfg.smtp_password, sizeof cfg.smtp_password, config_get(c, "mail.smtp_password", ""));
  copy(cfg.from, sizeof cfg.from, config_get(c, "mail.from", ""));
  copy(cfg.from_name, sizeof cfg.from_name, config_get(c, "mail.from_name", ""));
  cfg.starttls = config_bool(c, "mail.smtp_starttls", false);
  cfg.retry_s = config_int(c, "mail.retry_seconds", 60);
  cfg.max_attempts = config_int(c, "mail.max_attempts", 10);
  if (cfg.max_attempts < 1)
    cfg.max_attempts = 1;
  const char *base = config_get(c, "mail.base_url", "");
  if (*base)
    copy(cfg.base_url, sizeof cfg.base_url, base);
  else
    snprintf(cfg.base_url, sizeof cfg.base_url, "http://%s", config_get(c, "server.listen", "127.0.0.1:8080"));
  size_t bl = strlen(cfg.base_url);
  while (bl > 0 && cfg.base_url[bl - 1] == '/')
    cfg.base_url[--bl] = 0;
  if (cfg.from_name[0] && tr_text_check(cfg.from_name, strlen(cfg.from_name), false)) {
    log_warn("from_name has control characters or is not UTF-8; ignored", "key=mail.from_name");
    cfg.from_name[0] = 0;
  }
  if (!cfg.smtp_url[0])
    return;
  if (tr_email_check(cfg.from)) {
    log_warn("from is not a valid address; outgoing mail is off", "key=mail.from");
    return;
  }
  cfg.on = true;
}

bool mail_enabled(void)
{
  return cfg.on;
}

const char *mail_base_url(void)
{
  return cfg.base_url;
}

const char *mail_strerror(int rc)
{
  switch (rc) {
  case MAIL_OK: return N_("Sent");
  case MAIL_EADDR: return N_("Invalid e-mail address");
  case MAIL_EHEADER: return N_("Line breaks or control characters are not allowed in a mail header");
  case MAIL_ETEXT: return N_("The mail text is not valid UTF-8");
  case MAIL_ETOOBIG: return N_("The mail is too long");
  case MAIL_EOFF: return N_("Outgoing mail is not configured");
  case MAIL_ESEND: return N_("The mail server did not accept the message");
  default: return N_("The mail outbox could not be written");
  }
}

/* ---- checks --------------------------------------------------------- */

/* "<left@right>": visible ASCII, no angle brackets inside. */
static bool msgid_ok(const char *s, size_t n)
{
  if (n < 3 || n >= MAIL_ID_MAX || s[0] != '<' || s[n - 1] != '>')
    return false;
  bool at = false;
  for (size_t i = 1; i + 1 < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7F || c == '<' || c == '>')
      return false;
    at |= c == '@';
  }
  return at;
}

/* Message ids separated by single spaces. */
static bool msgid_list_ok(const char *s)
{
  size_t n = strlen(s);
  if (n == 0 || n > REFERENCES_MAX)
    return false;
  const char *p = s;
  while (*p) {
    const char *sp = strchr(p, ' ');
    size_t l = sp ? (size_t)(sp - p) : strlen(p);
    if (!msgid_ok(p, l))
      return false;
    p += l;
    if (*p == ' ' && !*++p)
      return false;
  }
  return true;
}

static bool header_text_ok(const char *s)
{
  return tr_text_check(s, strlen(s), false) == 0;
}

/* Valid UTF-8 text: every line free of control characters but tabs. */
static bool body_ok(const char *s)
{
  for (;;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    size_t k = n > 0 && s[n - 1] == '\r' ? n - 1 : n;
    if (tr_text_check(s, k, true))
      return false;
    if (!nl)
      return true;
    s = nl + 1;
  }
}

static int check_common(const struct mail_msg *m)
{
  if (!m->to || tr_email_check(m->to))
    return MAIL_EADDR;
  if (!m->subject || !m->body)
    return MAIL_EHEADER;
  if (strlen(m->subject) > MAIL_SUBJECT_MAX || strlen(m->body) > MAIL_BODY_MAX)
    return MAIL_ETOOBIG;
  if (!header_text_ok(m->subject))
    return MAIL_EHEADER;
  if (m->in_reply_to && !msgid_ok(m->in_reply_to, strlen(m->in_reply_to)))
    return MAIL_EHEADER;
  if (m->references && !msgid_list_ok(m->references))
    return MAIL_EHEADER;
  if (!body_ok(m->body))
    return MAIL_ETEXT;
  return MAIL_OK;
}

int mail_check(const struct mail_msg *m)
{
  int rc = check_common(m);
  if (rc)
    return rc;
  if (!m->from || tr_email_check(m->from))
    return MAIL_EADDR;
  if (m->from_name && (strlen(m->from_name) > MAIL_SUBJECT_MAX || !header_text_ok(m->from_name)))
    return MAIL_EHEADER;
  if (m->message_id && !msgid_ok(m->message_id, strlen(m->message_id)))
    return MAIL_EHEADER;
  return MAIL_OK;
}

/* ---- the builder ---------------------------------------------------- */

static bool printable_ascii(const char *s)
{
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
      return false;
  return true;
}

/* Appends s as RFC 2047 "B" encoded-words in UTF-8, never splitting a
 * character, folding with CRLF SP so no line passes LINE_MAX_LEN. *col
 * is the length of the current line. */
static void put_encoded(buf *b, const char *s, size_t *col)
{
  size_t n = strlen(s), i = 0;
  while (i < n) {
    size_t room = *col < LINE_MAX_LEN ? LINE_MAX_LEN - *col : 0;
    if (room > WORD_MAX)
      room = WORD_MAX;
    if (room < 12 + 8) { /* "=?UTF-8?B?" "?=" and one four-byte character */
      buf_puts(b, "\r\n ");
      *col = 1;
      continue;
    }
    size_t maxbytes = (room - 12) / 4 * 3, take = 0;
    while (i + take < n) {
      uint32_t cp;
      size_t l = tr_utf8_decode((const unsigned char *)s + i + take, n - i - take, &cp);
      if (l == 0)
        l = 1; /* checked before; never reached */
      if (take + l > maxbytes)
        break;
      take += l;
    }
    char enc[64];
    sodium_bin2base64(enc, sizeof enc, (const unsigned char *)s + i, take, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(b, "=?UTF-8?B?%s?=", enc);
    *col += 12 + strlen(enc);
    i += take;
    if (i < n) {
      buf_puts(b, "\r\n ");
      *col = 1;
    }
  }
}

/* Appends printable ASCII, folding before a run of spaces when the line
 * would pass LINE_MAX_LEN (a single long word stays whole). */
static void put_folded(buf *b, const char *s, size_t *col, size_t start_col)
{
  while (*s) {
    size_t sp = strspn(s, " ");
    size_t w = strcspn(s + sp, " ");
    if (sp > 0 && w > 0 && *col > start_col && *col + sp + w > LINE_MAX_LEN) {
      buf_puts(b, "\r\n");
      *col = 0;
    }
    buf_append(b, s, sp + w);
    *col += sp + w;
    s += sp + w;
  }
}

/* Text that an RFC 2047 decoder would take for an encoded word must be
 * encoded itself. */
static void put_header_text(buf *b, const char *s, size_t *col, size_t start_col)
{
  if (printable_ascii(s) && !strstr(s, "=?"))
    put_folded(b, s, col, start_col);
  else
    put_encoded(b, s, col);
}

/* RFC 5322 atext: what a display-name word may be without quoting. */
static bool atext(unsigned char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch));
}

static bool atom(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!atext((unsigned char)s[i]) || (s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
      return false;
  return n > 0;
}

/* The length of one byte in the Q encoding of a phrase (RFC 2047 5(3)). */
static size_t q_len(unsigned char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == ' ' ||
                 (ch && strchr("!*+-/", ch))
             ? 1
             : 3;
}

/* Appends n bytes of UTF-8 as "Q" encoded-words, each within the line.
 * After a blank that is part of the text (glued), the first word may not
 * be moved to the next line: that line would have a blank too many, so
 * the first word makes this line longer instead (RFC 5322 allows 998). */
static void put_q_words(buf *b, const char *s, size_t n, size_t *col, bool glued)
{
  size_t i = 0;
  while (i < n) {
    size_t room = *col < LINE_MAX_LEN ? LINE_MAX_LEN - *col : 0;
    if (room > WORD_MAX || (glued && i == 0 && room < 12 + 12))
      room = WORD_MAX;
    if (room < 12 + 12) { /* "=?UTF-8?Q?" "?=" and one encoded four-byte character */
      buf_puts(b, "\r\n ");
      *col = 1;
      continue;
    }
    size_t take = 0, width = 0;
    while (i + take < n) {
      uint32_t cp;
      size_t l = tr_utf8_decode((const unsigned char *)s + i + take, n - i - take, &cp), w = 0;
      if (l == 0)
        l = 1;
      for (size_t k = 0; k < l; k++)
        w += q_len((unsigned char)s[i + take + k]);
      if (width + w > room - 12)
        break;
      take += l;
      width += w;
    }
    buf_puts(b, "=?UTF-8?Q?");
    for (size_t k = 0; k < take; k++) {
      unsigned char ch = (unsigned char)s[i + k];
      if (ch == ' ')
        buf_puts(b, "_");
      else if (q_len(ch) == 1)
        buf_append(b, &ch, 1);
      else
        buf_printf(b, "=%02X", ch);
    }
    buf_puts(b, "?=");
    *col += 12 + width;
    i += take;
    if (i < n) {
      buf_puts(b, "\r\n ");
      *col = 1;
    }
  }
}

/* A display name that is not plain ASCII: its atoms stay readable and
 * each run of other words becomes one encoded-word. Whitespace between
 * two encoded-words is meaningless (RFC 2047 6.2), and some decoders (the
 * Python email package among them) keep it anyway; one word per run
 * gives both the same text. */
static void put_phrase(buf *b, const char *s, size_t *col)
{
  size_t n = strlen(s), i = 0;
  while (i < n) {
    size_t sp = i;
    while (i < n && s[i] == ' ')
      i++;
    if (i >= n)
      break;
    size_t ws = i, we = i;
    while (we < n && s[we] != ' ')
      we++;
    size_t end = we;
    bool raw = atom(s + ws, we - ws);
    if (!raw) {
      /* the run goes on over the following words that are not atoms */
      for (size_t j = we; j < n;) {
        size_t k = j;
        while (k < n && s[k] == ' ')
          k++;
        size_t e = k;
        while (e < n && s[e] != ' ')
          e++;
        if (k >= n || atom(s + k, e - k))
          break;
        end = e;
        j = e;
      }
    }
    /* What should fit on the line: the atom, or the whole run as one
     * encoded-word when any line can hold it. */
    size_t first = end - ws;
    if (!raw) {
      first = 12;
      for (size_t k = ws; k < end; k++)
        first += q_len((unsigned char)s[k]);
      /* put_q_words must not fold before its first word: the blank
       * between an atom and an encoded-word is part of the text */
      if (first > WORD_MAX || first < 12 + 12)
        first = 12 + 12;
    }
    if (sp < ws && *col + (ws - sp) + first > LINE_MAX_LEN) {
      buf_puts(b, "\r\n");
      *col = 0;
    }
    buf_append(b, s + sp, ws - sp);
    *col += ws - sp;
    if (raw) {
      buf_append(b, s + ws, end - ws);
      *col += end - ws;
    } else {
      put_q_words(b, s + ws, end - ws, col, sp < ws);
    }
    i = end;
  }
}

static void put_from(buf *b, const struct mail_msg *m)
{
  size_t col = 6;
  buf_puts(b, "From: ");
  const char *name = m->from_name ? m->from_name : "";
  if (!*name) {
    buf_printf(b, "%s\r\n", m->from);
    return;
  }
  if (printable_ascii(name) && !strstr(name, "=?")) {
    buf_puts(b, "\"");
    for (const char *p = name; *p; p++) {
      if (*p == '"' || *p == '\\')
        buf_puts(b, "\\");
      buf_append(b, p, 1);
      col++;
    }
    buf_puts(b, "\"");
    col += 2;
  } else {
    put_phrase(b, name, &col);
  }
  if (col + 3 + strlen(m->from) > LINE_MAX_LEN)
    buf_printf(b, "\r\n <%s>\r\n", m->from);
  else
    buf_printf(b, " <%s>\r\n", m->from);
}

static void put_references(buf *b, const char *refs)
{
  size_t col = 12;
  buf_puts(b, "References: ");
  put_folded(b, refs, &col, 12);
  buf_puts(b, "\r\n");
}

static void put_date(buf *b, int64_t t)
{
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  buf_printf(b, "Date: %s, %d %s %d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_hex(buf *b, unsigned char c)
{
  static const char hex[] = "0123456789ABCDEF";
  char t[3] = {'=', hex[c >> 4], hex[c & 15]};
  buf_append(b, t, 3);
}

/* Quoted-printable (RFC 2045 6.7) of UTF-8 text with CRLF line ends: at
 * most 76 characters a line, a character's bytes never split by a soft
 * break, trailing blanks, "=" and non-ASCII encoded, and a line starting
 * with "." or "From " encoded so no transport can alter it. */
static void put_qp(buf *b, const char *s)
{
  size_t col = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
      buf_puts(b, "\r\n");
      p += *p == '\r' ? 2 : 1;
      col = 0;
      continue;
    }
    size_t seq = 1;
    if (*p >= 0x80) {
      uint32_t cp;
      seq = tr_utf8_decode(p, strlen((const char *)p), &cp);
      if (seq == 0)
        seq = 1;
    }
    bool line_end = p[seq] == 0 || p[seq] == '\n' || (p[seq] == '\r' && p[seq + 1] == '\n');
    for (int pass = 0; pass < 2; pass++) {
      bool enc = *p == '=' || *p >= 0x7F || (*p < 0x20 && *p != '\t') || ((*p == ' ' || *p == '\t') && line_end) ||
                 (col == 0 && (*p == '.' || strncmp((const char *)p, "From ", 5) == 0));
      size_t width = enc ? 3 * seq : seq;
      if (pass == 0 && col + width > QP_LINE) {
        buf_puts(b, "=\r\n");
        col = 0;
        continue;
      }
      for (size_t k = 0; k < seq; k++) {
        if (enc)
          put_hex(b, p[k]);
        else
          buf_append(b, p + k, 1);
      }
      col += width;
      break;
    }
    p += seq;
  }
  if (col > 0)
    buf_puts(b, "\r\n");
}

void mail_message_id(const char *from, char out[MAIL_ID_MAX])
{
  unsigned char r[12];
  char hex[25];
  random_bytes(r, sizeof r);
  sodium_bin2hex(hex, sizeof hex, r, sizeof r);
  const char *at = from ? strchr(from, '@') : NULL;
  snprintf(out, MAIL_ID_MAX, "<%s.%lld@%.200s>", hex, (long long)now_unix(), at ? at + 1 : "defter.invalid");
}

int mail_build(const struct mail_msg *m, buf *out)
{
  int rc = mail_check(m);
  if (rc)
    return rc;
  char id[MAIL_ID_MAX];
  if (m->message_id)
    copy(id, sizeof id, m->message_id);
  else
    mail_message_id(m->from, id);
  buf b;
  buf_init(&b, 0);
  put_date(&b, m->date ? m->date : now_unix());
  put_from(&b, m);
  buf_printf(&b, "To: %s\r\n", m->to);
  size_t col = 9;
  buf_puts(&b, "Subject: ");
  put_header_text(&b, m->subject, &col, 9);
  buf_puts(&b, "\r\n");
  buf_printf(&b, "Message-ID: %s\r\n", id);
  if (m->in_reply_to)
    buf_printf(&b, "In-Reply-To: %s\r\n", m->in_reply_to);
  if (m->references)
    put_references(&b, m->references);
  buf_puts(&b, "MIME-Version: 1.0\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "Auto-Submitted: auto-generated\r\n"
               "X-Auto-Response-Suppress: All\r\n"
               "\r\n");
  put_qp(&b, m->body);
  size_t want = out->len + b.len;
  buf_append(out, b.data, b.len);
  buf_free(&b);
  return out->overflow || out->len != want ? MAIL_ETOOBIG : MAIL_OK;
}

/* ---- the outbox ----------------------------------------------------- */

int mail_enqueue_msg(db *d, const struct mail_msg *m, const char *ref)
{
  int rc = check_common(m);
  if (rc || !cfg.on)
    return rc;
  char id[MAIL_ID_MAX];
  mail_message_id(cfg.from, id);
  int64_t now = now_unix();
  if (db_run(d,
             "INSERT INTO mail_outbox (to_addr, subject, body, ref, message_id, in_reply_to, refs, created_at,"
             " attempts, next_try) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
             "tttttttii", m->to, m->subject, m->body, ref, id, m->in_reply_to, m->references, now, now))
    return MAIL_EDB;
  jobs_kick("mail.send"); /* out within seconds, not at the next interval */
  return MAIL_OK;
}

int mail_enqueue(db *d, const char *to, const char *subject, const char *body, const char *ref)
{
  struct mail_msg m = {.to = to, .subject = subject, .body = body};
  return mail_enqueue_msg(d, &m, ref);
}

/* ---- SMTP ----------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
  if (curl_global_init(CURL_GLOBAL_DEFAULT))
    log_error("libcurl could not be initialised", "%s", "");
}

struct reader {
  const char *p;
  size_t left;
};

static size_t on_read(char *out, size_t size, size_t nmemb, void *u)
{
  struct reader *r = u;
  size_t n = size * nmemb < r->left ? size * nmemb : r->left;
  memcpy(out, r->p, n);
  r->p += n;
  r->left -= n;
  return n;
}

/* What one delivery attempt says about the next ones. */
enum outcome {
  SENT,
  RETRY,      /* this message failed; try it again later */
  REFUSED,    /* the server refused this message for good (5xx) */
  SERVER_OFF, /* the server cannot be used now; stop this run */
};

/* Sends the built message msg to rcpt through h (reused across messages,
 * so one connection carries a whole run). err gets curl's reason, never
 * the password. */
static enum outcome smtp_send(CURL *h, const char *rcpt, const char *msg, size_t len, char *err, size_t errlen)
{
  char errbuf[CURL_ERROR_SIZE] = "", from[300], to[300];
  snprintf(from, sizeof from, "<%s>", cfg.from);
  snprintf(to, sizeof to, "<%s>", rcpt);
  struct curl_slist *rcpts = curl_slist_append(NULL, to);
  struct reader rd = {msg, len};
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, cfg.smtp_url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (cfg.smtp_user[0]) {
    curl_easy_setopt(h, CURLOPT_USERNAME, cfg.smtp_user);
    curl_easy_setopt(h, CURLOPT_PASSWORD, cfg.smtp_password);
  }
  if (cfg.starttls)
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(h, CURLOPT_READDATA, &rd);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  CURLcode rc = curl_easy_perform(h);
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpts);
  if (rc == CURLE_OK)
    return SENT;
  snprintf(err, errlen, "%s%s%s (smtp %ld)", curl_easy_strerror(rc), errbuf[0] ? ": " : "", errbuf, code);
  /* 421 closes the session and 530/535 is authentication: no message
   * would go through. Other replies judge this message only. */
  if (rc == CURLE_LOGIN_DENIED || code < 400 || code == 421 || code == 530 || code == 535)
    return SERVER_OFF;
  return code >= 500 ? REFUSED : RETRY;
}

int mail_send_now(const struct mail_msg *m, char *err, size_t errlen)
{
  snprintf(err, errlen, "%s", "");
  if (!cfg.on)
    return MAIL_EOFF;
  struct mail_msg mm = *m;
  if (!mm.from)
    mm.from = cfg.from;
  if (!mm.from_name)
    mm.from_name = cfg.from_name;
  buf b;
  buf_init(&b, 0); /* bounded by MAIL_BODY_MAX and the header limits */
  int rc = mail_build(&mm, &b);
  if (rc)
    goto out;
  pthread_once(&curl_once, curl_init_once);
  CURL *h = curl_easy_init();
  if (!h) {
    snprintf(err, errlen, "%s", "curl_easy_init failed");
    rc = MAIL_ESEND;
    goto out;
  }
  rc = smtp_send(h, mm.to, b.data, b.len, err, errlen) == SENT ? MAIL_OK : MAIL_ESEND;
  curl_easy_cleanup(h);
out:
  buf_free(&b);
  return rc;
}

/* ---- the job -------------------------------------------------------- */

/* One claimed outbox row; the strings belong to the arena. */
struct outbox_row {
  int64_t id, created_at, attempts;
  const char *to, *subject, *body, *message_id, *in_reply_to, *references;
};

/* Takes row id for LEASE_S seconds if it is still due. Returns 1 when
 * taken (row filled), 0 when another sender has it, or an error. */
static int claim(db *d, arena *a, int64_t id, int64_t now, struct outbox_row *row)
{
  int rc = db_begin(d);
  if (rc)
    return rc;
  rc = db_run(d, "UPDATE mail_outbox SET next_try = ? WHERE id = ? AND next_try IS NOT NULL AND next_try <= ?",
              "iii", now + LEASE_S, id, now);
  if (rc || db_changes(d) != 1)
    goto out;
  db_stmt *st = db_q(d,
                     "SELECT to_addr, subject, body, message_id, in_reply_to, refs, created_at, attempts"
                     " FROM mail_outbox WHERE id = ?",
                     "i", id);
  rc = st ? db_step(st) : DB_ERR;
  if (rc == DB_ROW) {
    row->id = id;
    row->to = arena_strdup(a, db_col_text(st, 0));
    row->subject = arena_strdup(a, db_col_text(st, 1));
    row->body = arena_strdup(a, db_col_text(st, 2));
    row->message_id = arena_strdup(a, db_col_text(st, 3));
    row->in_reply_to = arena_strdup(a, db_col_text(st, 4));
    row->references = arena_strdup(a, db_col_text(st, 5));
    row->created_at = db_col_int(st, 6);
    row->attempts = db_col_int(st, 7);
    rc = 1;
  }
  db_done(st);
out:
  if (rc < 0) {
    db_rollback(d);
    return rc;
  }
  int crc = db_commit(d);
  return crc ? crc : rc == 1;
}

/* The wait before attempt n+1: retry_s doubled per failure up to an
 * hour (a longer retry_s is taken as it is). */
static int64_t backoff(int64_t attempts)
{
  int64_t w = cfg.retry_s > 0 ? cfg.retry_s : 0;
  if (w >= BACKOFF_CAP_S)
    return w;
  for (int64_t i = 1; w > 0 && i < attempts && w < BACKOFF_CAP_S; i++)
    w *= 2;
  return w > BACKOFF_CAP_S ? BACKOFF_CAP_S : w;
}

static int record(db *d, const struct outbox_row *row, enum outcome o, const char *err)
{
  int64_t now = now_unix(), attempts = row->attempts + 1;
  if (o == SENT)
    return db_run(d,
                  "UPDATE mail_outbox SET attempts = ?, sent_at = ?, next_try = NULL, last_error = NULL WHERE id = ?",
                  "iii", attempts, now, row->id);
  char e[ERROR_MAX + 1];
  copy(e, sizeof e, err);
  bool give_up = o == REFUSED || attempts >= cfg.max_attempts;
  if (give_up)
    log_warn("mail given up", "outbox=%lld attempts=%lld error=\"%s\"", (long long)row->id, (long long)attempts, e);
  else
    log_info("mail not sent; will retry", "outbox=%lld attempts=%lld error=\"%s\"", (long long)row->id,
             (long long)attempts, e);
  return db_run(d, "UPDATE mail_outbox SET attempts = ?, next_try = ?, last_error = ? WHERE id = ?", "iItI",
                attempts, give_up ? (int64_t)0 : now + backoff(attempts), e, row->id);
}

int mail_job_send(db *d)
{
  if (!cfg.on)
    return 0;
  int64_t ids[BATCH], now = now_unix();
  size_t n = 0;
  db_stmt *st = db_q(d,
                     "SELECT id FROM mail_outbox WHERE next_try IS NOT NULL AND next_try <= ?"
                     " ORDER BY next_try, id LIMIT ?",
                     "ii", now, (int64_t)BATCH);
  if (!st)
    return MAIL_EDB;
  int rc;
  while ((rc = db_step(st)) == DB_ROW && n < BATCH)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  if (rc < 0)
    return MAIL_EDB;
  if (n == 0)
    return 0;
  pthread_once(&curl_once, curl_init_once);
  CURL *h = curl_easy_init();
  if (!h)
    return MAIL_ESEND;
  rc = 0;
  size_t sent = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    struct outbox_row row = {0};
    arena *a = arena_new(); /* one message's text at a time */
    int c = claim(d, a, ids[i], now, &row);
    if (c <= 0) {
      arena_free(a);
      if (c < 0)
        rc = MAIL_EDB;
      continue;
    }
    struct mail_msg m = {
        .to = row.to,
        .subject = row.subject,
        .body = row.body,
        .in_reply_to = row.in_reply_to,
        .references = row.references,
        .from = cfg.from,
        .from_name = cfg.from_name,
        .message_id = row.message_id,
        .date = row.created_at,
    };
    buf b;
    buf_init(&b, 0); /* bounded by MAIL_BODY_MAX and the header limits */
    char err[ERROR_MAX + 1] = "";
    enum outcome o;
    int brc = mail_build(&m, &b);
    if (brc) {
      snprintf(err, sizeof err, "%s", mail_strerror(brc));
      o = REFUSED;
    } else {
      o = smtp_send(h, row.to, b.data, b.len, err, sizeof err);
    }
    buf_free(&b);
    if (record(d, &row, o, err))
      rc = MAIL_EDB;
    arena_free(a);
    if (o == SENT)
      sent++;
    /* The messages behind this one wait for the next run untouched: they
     * were not tried. */
    if (o == SERVER_OFF)
      break;
  }
  if (sent)
    log_info("mail sent", "count=%zu", sent);
  curl_easy_cleanup(h);
  return rc;
}
