/* mime.c - reads a received mail: headers, RFC 2047 words, MIME parts,
 * transfer encodings and charsets. Outside input: the parser works on
 * slices of the input, bounds nesting, parts and the bytes it decodes
 * (a budget of twice the input), and never stops at a defect: it notes
 * it and keeps what it could read. Single-byte charsets come from iconv
 * once, as tables. */
#include "mime.h"
#include "tr.h"

#include <iconv.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum {
  PARAMS_MAX = 32,      /* parameters read from one Content-Type / Content-Disposition */
  SECTIONS_MAX = 32,    /* RFC 2231 continuations of one parameter */
  WORD_TEXT_MAX = 4096, /* the text of one encoded-word */
  ID_MAX = 250,         /* a message id */
  REFS_MAX = 2000,      /* bytes of References kept */
  FILENAME_MAX_LEN = 200,
  COMMENT_DEPTH = 16,
};

struct slice {
  const char *p;
  size_t n;
};

struct ctx {
  arena *a;
  size_t budget;   /* bytes that may still be decoded or converted */
  size_t entities; /* MIME entities looked at */
  unsigned defects;
  buf plain, html; /* the text parts, as UTF-8 */
  struct mime_part parts[MIME_PARTS_MAX];
  size_t nparts;
};

static bool charge(struct ctx *c, size_t n)
{
  if (n > c->budget) {
    c->defects |= MIME_DEFECT_LIMIT;
    return false;
  }
  c->budget -= n;
  return true;
}

static bool is_ws(char ch)
{
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool alnum(char ch)
{
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static struct slice trim(struct slice s)
{
  while (s.n > 0 && is_ws(s.p[0])) {
    s.p++;
    s.n--;
  }
  while (s.n > 0 && is_ws(s.p[s.n - 1]))
    s.n--;
  return s;
}

static bool slice_ieq(struct slice s, const char *lit)
{
  return strlen(lit) == s.n && strncasecmp(s.p, lit, s.n) == 0;
}

/* ---- charsets ------------------------------------------------------- */

enum charset {
  CS_UTF8,    /* declared UTF-8: invalid bytes replaced */
  CS_GUESS,   /* none or US-ASCII: UTF-8 when valid, else Windows-1254 */
  CS_1254,    /* windows-1254 */
  CS_8859_9,  /* iso-8859-9 (latin5) */
  CS_1252,    /* windows-1252, and iso-8859-1 which mailers mean by it */
  CS_UNKNOWN, /* anything else: UTF-8 when valid, invalid bytes replaced */
};

static const char *const iconv_names[] = {[CS_1254] = "WINDOWS-1254", [CS_8859_9] = "ISO-8859-9",
                                          [CS_1252] = "WINDOWS-1252"};
static uint32_t tables[CS_1252 + 1][256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Each single-byte charset's 256 code points, asked of iconv one byte at
 * a time (U+FFFD where it has none). Without iconv's module: Latin-1. */
static void tables_build(void)
{
  for (int cs = CS_1254; cs <= CS_1252; cs++) {
    iconv_t cd = iconv_open("UTF-8", iconv_names[cs]);
    for (int b = 0; b < 256; b++) {
      tables[cs][b] = (uint32_t)b;
      if (cd == (iconv_t)-1)
        continue;
      char in[1] = {(char)b}, out[8];
      char *ip = in, *op = out;
      size_t il = 1, ol = sizeof out;
      uint32_t cp;
      iconv(cd, NULL, NULL, NULL, NULL);
      if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 ||
          tr_utf8_decode((const unsigned char *)out, (size_t)(op - out), &cp) == 0)
        cp = 0xFFFD;
      tables[cs][b] = cp;
    }
    if (cd != (iconv_t)-1)
      iconv_close(cd);
  }
}

static enum charset charset_of(struct slice s)
{
  s = trim(s);
  if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') {
    s.p++;
    s.n -= 2;
  }
  static const struct {
    const char *name;
    enum charset cs;
  } names[] = {
      {"", CS_GUESS},           {"us-ascii", CS_GUESS},       {"ascii", CS_GUESS},
      {"ansi_x3.4-1968", CS_GUESS}, {"utf-8", CS_UTF8},       {"utf8", CS_UTF8},
      {"windows-1254", CS_1254}, {"cp1254", CS_1254},         {"x-cp1254", CS_1254},
      {"iso-8859-9", CS_8859_9}, {"iso8859-9", CS_8859_9},    {"iso_8859-9", CS_8859_9},
      {"latin5", CS_8859_9},    {"l5", CS_8859_9},            {"iso-8859-1", CS_1252},
      {"iso8859-1", CS_1252},   {"iso_8859-1", CS_1252},      {"latin1", CS_1252},
      {"l1", CS_1252},          {"windows-1252", CS_1252},    {"cp1252", CS_1252},
  };
  for (size_t i = 0; i < ARRAY_LEN(names); i++)
    if (slice_ieq(s, names[i].name))
      return names[i].cs;
  return CS_UNKNOWN;
}

/* Appends one code point. Text keeps "\n" and tabs; one line (lines
 * false) turns tabs into spaces and drops line breaks, which unfolds a
 * header. Other control characters and a byte order mark are dropped. */
static void put_cp(buf *b, uint32_t cp, bool lines)
{
  if (cp == '\n' || cp == '\r') {
    if (lines)
      buf_append(b, "\n", 1);
    return;
  }
  if (cp == '\t') {
    buf_append(b, lines ? "\t" : " ", 1);
    return;
  }
  if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0xFEFF)
    return;
  char enc[4];
  buf_append(b, enc, tr_utf8_encode(cp, enc));
}

static bool utf8_valid(const unsigned char *s, size_t n)
{
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    size_t l = tr_utf8_decode(s + i, n - i, &cp);
    if (l == 0)
      return false;
    i += l;
  }
  return true;
}

/* Converts n bytes in cs to UTF-8 onto out. "\r\n" becomes one "\n". */
static void convert(struct ctx *c, enum charset cs, const unsigned char *s, size_t n, buf *out, bool lines)
{
  if (cs == CS_GUESS)
    cs = utf8_valid(s, n) ? CS_UTF8 : CS_1254;
  if (cs == CS_UNKNOWN) {
    c->defects |= MIME_DEFECT_CHARSET;
    cs = CS_UTF8;
  }
  if (cs != CS_UTF8)
    pthread_once(&tables_once, tables_build);
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t l = 1;
    if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
      i++;
      continue;
    }
    if (s[i] < 0x80) {
      cp = s[i];
    } else if (cs == CS_UTF8) {
      l = tr_utf8_decode(s + i, n - i, &cp);
      if (l == 0) {
        l = 1;
        cp = 0xFFFD;
        c->defects |= MIME_DEFECT_CHARSET;
      }
    } else {
      cp = tables[cs][s[i]];
      if (cp == 0xFFFD)
        c->defects |= MIME_DEFECT_CHARSET;
    }
    put_cp(out, cp, lines);
    i += l;
  }
}

/* ---- transfer encodings --------------------------------------------- */

static int b64_value(unsigned char ch)
{
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+' || ch == '-')
    return 62;
  if (ch == '/' || ch == '_')
    return 63;
  return -1;
}

/* Lenient base64: white space skipped, other stray bytes noted and
 * skipped, stops at "=". out holds at least n * 3 / 4 + 3 bytes. */
static size_t b64_decode(const char *s, size_t n, unsigned char *out, unsigned *defects)
{
  uint32_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch == '=')
      break;
    int v = b64_value(ch);
    if (v < 0) {
      if (!is_ws((char)ch))
        *defects |= MIME_DEFECT_ENCODING;
      continue;
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return o;
}

static int hex_value(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  return -1;
}

/* Quoted-printable (RFC 2045), or the Q encoding of RFC 2047 when q is
 * set ("_" is a space). A broken "=" escape is kept as written. out
 * holds at least n bytes. */
static size_t qp_decode(const char *s, size_t n, unsigned char *out, bool q, unsigned *defects)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch == '_' && q) {
      out[o++] = ' ';
    } else if (ch == '=') {
      if (i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
        out[o++] = (unsigned char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
        i += 2;
        continue;
      }
      /* A soft line break: "=", blanks, then the line end. */
      size_t j = i + 1;
      while (j < n && (s[j] == ' ' || s[j] == '\t'))
        j++;
      if (!q && j < n && (s[j] == '\n' || (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n'))) {
        i = s[j] == '\r' ? j + 1 : j;
        continue;
      }
      if (!q && j == n) {
        i = j;
        continue;
      }
      *defects |= MIME_DEFECT_ENCODING;
      out[o++] = '=';
    } else {
      out[o++] = (unsigned char)ch;
    }
  }
  return o;
}

/* The body of an entity decoded by its Content-Transfer-Encoding. With
 * copy, or when decoding was needed, a copy in the arena (an attachment
 * must not point into the input, which may not outlive the parse). */
static struct slice decode_body(struct ctx *c, struct slice cte, struct slice body, bool copy)
{
  struct slice out = {"", 0};
  cte = trim(cte);
  bool b64 = slice_ieq(cte, "base64"), qp = slice_ieq(cte, "quoted-printable");
  if (!b64 && !qp && cte.n && !slice_ieq(cte, "7bit") && !slice_ieq(cte, "8bit") && !slice_ieq(cte, "binary"))
    c->defects |= MIME_DEFECT_ENCODING;
  if (!b64 && !qp && !copy)
    return body;
  if (!charge(c, body.n + 4))
    return out;
  unsigned char *p = arena_alloc(c->a, body.n + 4);
  size_t n;
  if (b64)
    n = b64_decode(body.p, body.n, p, &c->defects);
  else if (qp)
    n = qp_decode(body.p, body.n, p, false, &c->defects);
  else {
    memcpy(p, body.p, body.n);
    n = body.n;
  }
  p[n] = 0;
  out.p = (const char *)p;
  out.n = n;
  return out;
}

/* ---- headers -------------------------------------------------------- */

enum hkey {
  H_CTYPE, H_CTE, H_CDISP, H_CID, H_FROM, H_TO, H_CC, H_REPLY_TO, H_SUBJECT, H_MSGID, H_IRT, H_REFS,
  H_DATE, H_AUTO, H_PRECEDENCE, H_XAUTO, H_RETURN_PATH, H_COUNT,
};

static const struct {
  const char *name;
  enum hkey key;
} header_names[] = {
    {"content-type", H_CTYPE},   {"content-transfer-encoding", H_CTE}, {"content-disposition", H_CDISP},
    {"content-id", H_CID},       {"from", H_FROM},                     {"to", H_TO},
    {"cc", H_CC},                {"reply-to", H_REPLY_TO},             {"subject", H_SUBJECT},
    {"message-id", H_MSGID},     {"in-reply-to", H_IRT},               {"references", H_REFS},
    {"date", H_DATE},            {"auto-submitted", H_AUTO},           {"precedence", H_PRECEDENCE},
    {"x-autoreply", H_XAUTO},    {"x-autorespond", H_XAUTO},           {"return-path", H_RETURN_PATH},
};

/* The headers defter reads: the first occurrence of each (raw, folded). */
struct heads {
  struct slice v[H_COUNT];
  bool has[H_COUNT];
  size_t count; /* header fields seen */
};

/* "Name:" with a printable name (obsolete blanks before the colon
 * allowed); returns the name length, 0 when the line is not a field. */
static size_t field_name(const char *line, size_t n)
{
  size_t i = 0;
  while (i < n && line[i] > 0x20 && line[i] < 0x7F && line[i] != ':')
    i++;
  size_t name = i;
  while (i < n && (line[i] == ' ' || line[i] == '\t'))
    i++;
  return name > 0 && i < n && line[i] == ':' ? name : 0;
}

/* Splits an entity into its header fields and its body (after the empty
 * line). An entity whose first line is not a field has no header. */
static void parse_headers(struct ctx *c, struct slice e, struct heads *h, struct slice *body)
{
  memset(h, 0, sizeof *h);
  size_t i = 0;
  int cur = -1; /* the field a folded line continues; -2: one not kept */
  bool first = true;
  while (i < e.n) {
    const char *nl = memchr(e.p + i, '\n', e.n - i);
    size_t end = nl ? (size_t)(nl - e.p) + 1 : e.n;
    size_t len = end - i;
    size_t text = len;
    while (text > 0 && (e.p[i + text - 1] == '\n' || e.p[i + text - 1] == '\r'))
      text--;
    const char *line = e.p + i;
    if (text == 0) {
      i = end;
      break;
    }
    if (line[0] == ' ' || line[0] == '\t') {
      if (cur >= 0)
        h->v[cur].n = (size_t)(line + text - h->v[cur].p);
      else if (cur == -1)
        c->defects |= MIME_DEFECT_HEADER;
    } else {
      size_t nl_len = field_name(line, text);
      if (nl_len == 0) {
        /* An mbox "From " line may open a stored message. */
        if (first && !(text > 5 && strncmp(line, "From ", 5) == 0)) {
          body->p = e.p;
          body->n = e.n;
          return;
        }
        if (!first)
          c->defects |= MIME_DEFECT_HEADER;
        cur = first ? -1 : -2;
      } else {
        h->count++;
        cur = -2;
        const char *colon = memchr(line, ':', text);
        for (size_t k = 0; k < ARRAY_LEN(header_names); k++) {
          enum hkey key = header_names[k].key;
          if (strlen(header_names[k].name) == nl_len && strncasecmp(line, header_names[k].name, nl_len) == 0 &&
              !h->has[key]) {
            h->has[key] = true;
            h->v[key].p = colon + 1;
            h->v[key].n = (size_t)(line + text - (colon + 1));
            cur = (int)key;
          }
        }
      }
    }
    first = false;
    i = end;
  }
  body->p = e.p + i;
  body->n = e.n - i;
}

/* ---- RFC 2047 ------------------------------------------------------- */

struct eword {
  struct slice charset, text;
  bool q;
  size_t len; /* of the whole "=?...?=" */
};

static bool parse_eword(const char *s, size_t n, struct eword *w)
{
  if (n < 8 || s[0] != '=' || s[1] != '?')
    return false;
  size_t i = 2;
  while (i < n && i < 2 + 64 && s[i] != '?' && !is_ws(s[i]))
    i++;
  if (i >= n || s[i] != '?' || i == 2)
    return false;
  w->charset = (struct slice){s + 2, i - 2};
  /* "utf-8*tr": RFC 2231 language suffix */
  const char *star = memchr(w->charset.p, '*', w->charset.n);
  if (star)
    w->charset.n = (size_t)(star - w->charset.p);
  if (i + 3 > n || s[i + 2] != '?')
    return false;
  char enc = s[i + 1];
  if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q')
    return false;
  w->q = enc == 'Q' || enc == 'q';
  size_t t = i + 3, j = t;
  while (j < n && j - t < WORD_TEXT_MAX && s[j] != '?' && !is_ws(s[j]))
    j++;
  if (j + 1 >= n || s[j] != '?' || s[j + 1] != '=')
    return false;
  w->text = (struct slice){s + t, j - t};
  w->len = j + 2;
  return true;
}

struct hdec {
  struct ctx *c;
  buf *out;
  buf pending; /* bytes of adjacent encoded-words in one charset */
  struct slice pending_cs;
};

static void flush_pending(struct hdec *d)
{
  if (d->pending.len)
    convert(d->c, charset_of(d->pending_cs), (const unsigned char *)d->pending.data, d->pending.len, d->out, false);
  d->pending.len = 0;
}

/* Decodes s as one header line onto out: encoded-words (the space between
 * two of them dropped, their bytes joined so a character split across
 * words survives) and raw text (UTF-8, else Windows-1254). */
static void decode_header_into(struct ctx *c, const char *s, size_t n, buf *out)
{
  struct hdec d = {c, out, {0}, {"", 0}};
  buf_init(&d.pending, n + 16);
  size_t i = 0;
  bool prev_word = false;
  while (i < n) {
    size_t ws = i;
    while (i < n && is_ws(s[i]))
      i++;
    struct eword w;
    if (i < n && parse_eword(s + i, n - i, &w)) {
      if (!prev_word) {
        flush_pending(&d);
        convert(c, CS_GUESS, (const unsigned char *)s + ws, i - ws, out, false);
      } else if (charset_of(w.charset) != charset_of(d.pending_cs)) {
        flush_pending(&d);
      }
      unsigned char tmp[WORD_TEXT_MAX + 4];
      size_t k = w.q ? qp_decode(w.text.p, w.text.n, tmp, true, &c->defects)
                     : b64_decode(w.text.p, w.text.n, tmp, &c->defects);
      buf_append(&d.pending, tmp, k);
      d.pending_cs = w.charset;
      i += w.len;
      prev_word = true;
    } else {
      flush_pending(&d);
      size_t st = i;
      while (i < n && !is_ws(s[i]) && !(i > st && s[i] == '=' && i + 1 < n && s[i + 1] == '?'))
        i++;
      convert(c, CS_GUESS, (const unsigned char *)s + ws, i - ws, out, false);
      prev_word = false;
    }
  }
  flush_pending(&d);
  buf_free(&d.pending);
}

/* A buffer's contents as a trimmed arena string. */
static const char *take_line(struct ctx *c, buf *b)
{
  struct slice s = trim((struct slice){b->data ? b->data : "", b->len});
  if (b->overflow)
    c->defects |= MIME_DEFECT_LIMIT;
  const char *r = arena_strndup(c->a, s.p, s.n);
  buf_free(b);
  return r;
}

static const char *decode_header(struct ctx *c, struct slice s)
{
  buf b;
  buf_init(&b, 4 * s.n + 16);
  decode_header_into(c, s.p, s.n, &b);
  return take_line(c, &b);
}

const char *mime_decode_header(arena *a, const char *s, size_t n)
{
  struct ctx c = {.a = a};
  return decode_header(&c, (struct slice){s, n});
}

/* ---- parameters (RFC 2045 5.1, RFC 2231) ----------------------------- */

struct param {
  struct slice name; /* without "*" and section */
  int section;       /* -1: not split */
  bool ext;          /* charset'lang'%XX form */
  struct slice value;
  bool quoted;       /* value holds backslash escapes */
};

struct params {
  struct slice value; /* "text/plain", "attachment" */
  struct param p[PARAMS_MAX];
  size_t n;
};

static size_t skip_comment(const char *s, size_t n, size_t i)
{
  int depth = 0;
  for (; i < n; i++) {
    if (s[i] == '\\')
      i++;
    else if (s[i] == '(' && depth < COMMENT_DEPTH)
      depth++;
    else if (s[i] == ')' && --depth == 0)
      return i + 1;
  }
  return n;
}

static void parse_params(struct slice h, struct params *ps)
{
  memset(ps, 0, sizeof *ps);
  const char *s = h.p;
  size_t n = h.n, i = 0;
  while (i < n && is_ws(s[i]))
    i++;
  size_t st = i;
  while (i < n && s[i] != ';' && s[i] != '(' && !is_ws(s[i]))
    i++;
  ps->value = (struct slice){s + st, i - st};
  while (i < n) {
    if (s[i] == '(') {
      i = skip_comment(s, n, i);
      continue;
    }
    if (is_ws(s[i]) || s[i] == ';') {
      i++;
      continue;
    }
    size_t ns = i;
    while (i < n && s[i] != '=' && s[i] != ';' && !is_ws(s[i]))
      i++;
    struct slice name = {s + ns, i - ns};
    while (i < n && is_ws(s[i]))
      i++;
    if (i >= n || s[i] != '=')
      continue;
    i++;
    while (i < n && is_ws(s[i]))
      i++;
    struct param p = {.name = name, .section = -1};
    if (i < n && s[i] == '"') {
      size_t vs = ++i;
      while (i < n && s[i] != '"') {
        if (s[i] == '\\')
          i++;
        i++;
      }
      p.value = (struct slice){s + vs, (i < n ? i : n) - vs};
      p.quoted = true;
      if (i < n)
        i++;
    } else {
      size_t vs = i;
      while (i < n && s[i] != ';' && !is_ws(s[i]))
        i++;
      p.value = (struct slice){s + vs, i - vs};
    }
    /* name*, name*N, name*N* */
    const char *star = memchr(name.p, '*', name.n);
    if (star) {
      size_t rest = name.n - (size_t)(star - name.p) - 1;
      const char *r = star + 1;
      p.name.n = (size_t)(star - name.p);
      if (rest > 0 && r[rest - 1] == '*') {
        p.ext = true;
        rest--;
      } else if (rest == 0) {
        p.ext = true;
      }
      if (rest > 0) {
        int v = 0;
        for (size_t k = 0; k < rest && k < 3; k++)
          v = r[k] >= '0' && r[k] <= '9' ? v * 10 + (r[k] - '0') : 1000;
        p.section = rest <= 2 ? v : 1000;
      }
    }
    if (ps->n < PARAMS_MAX && p.name.n > 0)
      ps->p[ps->n++] = p;
  }
}

/* Appends a parameter value, unquoted, to b. */
static void put_raw_value(buf *b, const struct param *p)
{
  for (size_t k = 0; k < p->value.n; k++) {
    if (p->quoted && p->value.p[k] == '\\' && k + 1 < p->value.n)
      k++;
    buf_append(b, p->value.p + k, 1);
  }
}

/* Appends an RFC 2231 extended value (%XX escapes) as bytes to b. */
static void put_pct_value(buf *b, struct slice v)
{
  for (size_t k = 0; k < v.n; k++) {
    if (v.p[k] == '%' && k + 2 < v.n && hex_value(v.p[k + 1]) >= 0 && hex_value(v.p[k + 2]) >= 0) {
      unsigned char ch = (unsigned char)(hex_value(v.p[k + 1]) * 16 + hex_value(v.p[k + 2]));
      buf_append(b, &ch, 1);
      k += 2;
    } else {
      buf_append(b, v.p + k, 1);
    }
  }
}

/* A plain (unencoded) parameter value, or NULL. */
static const char *param_raw(struct ctx *c, const struct params *ps, const char *name)
{
  for (size_t i = 0; i < ps->n; i++) {
    const struct param *p = &ps->p[i];
    if (p->section < 0 && !p->ext && slice_ieq(p->name, name)) {
      buf b;
      buf_init(&b, p->value.n + 1);
      put_raw_value(&b, p);
      const char *r = arena_strndup(c->a, b.data ? b.data : "", b.len);
      buf_free(&b);
      return r;
    }
  }
  return NULL;
}

/* A parameter as UTF-8 text: name* (RFC 2231), name*0.. continuations,
 * else name with RFC 2047 words (as Outlook writes file names). NULL
 * when absent. */
static const char *param_text(struct ctx *c, const struct params *ps, const char *name)
{
  buf raw;
  buf_init(&raw, 64 * 1024);
  struct slice cs = {"", 0};
  bool found = false;
  for (size_t i = 0; i < ps->n && !found; i++) {
    const struct param *p = &ps->p[i];
    if (p->ext && p->section < 0 && slice_ieq(p->name, name)) {
      found = true;
      const char *q1 = memchr(p->value.p, '\'', p->value.n);
      const char *q2 = q1 ? memchr(q1 + 1, '\'', p->value.n - (size_t)(q1 + 1 - p->value.p)) : NULL;
      struct slice v = p->value;
      if (q2) {
        cs = (struct slice){p->value.p, (size_t)(q1 - p->value.p)};
        v = (struct slice){q2 + 1, p->value.n - (size_t)(q2 + 1 - p->value.p)};
      }
      put_pct_value(&raw, v);
    }
  }
  int sections = 0;
  for (int sec = 0; !found && sec < SECTIONS_MAX; sec++) {
    bool have = false;
    for (size_t i = 0; i < ps->n && !have; i++) {
      const struct param *p = &ps->p[i];
      if (p->section != sec || !slice_ieq(p->name, name))
        continue;
      have = true;
      struct slice v = p->value;
      if (p->ext && sec == 0) {
        const char *q1 = memchr(v.p, '\'', v.n);
        const char *q2 = q1 ? memchr(q1 + 1, '\'', v.n - (size_t)(q1 + 1 - v.p)) : NULL;
        if (q2) {
          cs = (struct slice){v.p, (size_t)(q1 - v.p)};
          v = (struct slice){q2 + 1, v.n - (size_t)(q2 + 1 - v.p)};
        }
      }
      if (p->ext)
        put_pct_value(&raw, v);
      else
        put_raw_value(&raw, p);
    }
    if (!have)
      break;
    sections++;
  }
  found = found || sections > 0;
  const char *r = NULL;
  if (found) {
    buf out;
    buf_init(&out, 3 * raw.len + 16);
    convert(c, cs.n ? charset_of(cs) : CS_GUESS, (const unsigned char *)(raw.data ? raw.data : ""), raw.len, &out,
            false);
    r = take_line(c, &out);
  } else {
    const char *v = param_raw(c, ps, name);
    if (v)
      r = decode_header(c, (struct slice){v, strlen(v)});
  }
  buf_free(&raw);
  return r;
}

/* ---- addresses, ids, dates ------------------------------------------ */

static bool addr_ok(struct slice a)
{
  if (a.n < 3 || a.n > 254)
    return false;
  const char *at = memchr(a.p, '@', a.n);
  if (!at || at == a.p || at == a.p + a.n - 1)
    return false;
  for (size_t i = 0; i < a.n; i++) {
    unsigned char ch = (unsigned char)a.p[i];
    if (ch <= 0x20 || ch >= 0x7F || strchr("<>()[],;:\"\\", ch))
      return false;
  }
  return true;
}

/* The text of a display name: quotes and escapes removed, then RFC 2047
 * words decoded (many mailers put them inside quotes). */
static const char *display_name(struct ctx *c, struct slice s)
{
  s = trim(s);
  buf b;
  buf_init(&b, s.n + 1);
  for (size_t i = 0; i < s.n; i++) {
    if (s.p[i] == '"')
      continue;
    if (s.p[i] == '\\' && i + 1 < s.n)
      i++;
    buf_append(&b, s.p + i, 1);
  }
  const char *r = decode_header(c, (struct slice){b.data ? b.data : "", b.len});
  buf_free(&b);
  return r;
}

/* One mailbox: "Name <a@b>", "a@b (Name)" or "a@b". */
static bool parse_mailbox(struct ctx *c, struct slice m, struct mime_addr *out)
{
  m = trim(m);
  if (m.n == 0)
    return false;
  const char *lt = NULL, *gt = NULL;
  bool q = false;
  for (size_t i = 0; i < m.n; i++) {
    if (q) {
      if (m.p[i] == '\\')
        i++;
      else if (m.p[i] == '"')
        q = false;
    } else if (m.p[i] == '"') {
      q = true;
    } else if (m.p[i] == '(') {
      i = skip_comment(m.p, m.n, i) - 1;
    } else if (m.p[i] == '<' && !lt) {
      lt = m.p + i;
    } else if (m.p[i] == '>' && lt && !gt) {
      gt = m.p + i;
    }
  }
  struct slice addr, name = {"", 0};
  if (lt) {
    addr = trim((struct slice){lt + 1, gt ? (size_t)(gt - lt - 1) : (size_t)(m.p + m.n - lt - 1)});
    /* an obsolete source route "@a,@b:x@y" */
    const char *colon = memchr(addr.p, ':', addr.n);
    if (colon && addr.n && addr.p[0] == '@')
      addr = (struct slice){colon + 1, addr.n - (size_t)(colon + 1 - addr.p)};
    if (addr.n > 7 && strncasecmp(addr.p, "mailto:", 7) == 0)
      addr = (struct slice){addr.p + 7, addr.n - 7};
    name = (struct slice){m.p, (size_t)(lt - m.p)};
  } else {
    /* the address is the text outside comments; a comment is the name */
    const char *open = memchr(m.p, '(', m.n);
    addr = trim((struct slice){m.p, open ? (size_t)(open - m.p) : m.n});
    if (open) {
      size_t close = skip_comment(m.p, m.n, (size_t)(open - m.p));
      name = (struct slice){open + 1, close - (size_t)(open - m.p) - (close <= m.n && m.p[close - 1] == ')' ? 2 : 1)};
    }
  }
  if (!addr_ok(addr)) {
    c->defects |= MIME_DEFECT_HEADER;
    return false;
  }
  out->addr = arena_strndup(c->a, addr.p, addr.n);
  out->name = display_name(c, name);
  return true;
}

/* An address list: mailboxes split at top-level commas; group names
 * ("Ekip: a@b, c@d;") dropped. */
static size_t parse_addrs(struct ctx *c, struct slice s, struct mime_addr *out, size_t max)
{
  size_t n = 0, i = 0;
  while (i < s.n && n < max) {
    size_t st = i;
    bool q = false, lt = false;
    for (; i < s.n; i++) {
      char ch = s.p[i];
      if (q) {
        if (ch == '\\')
          i++;
        else if (ch == '"')
          q = false;
        continue;
      }
      if (ch == '"')
        q = true;
      else if (ch == '(')
        i = skip_comment(s.p, s.n, i) - 1;
      else if (ch == '<')
        lt = true;
      else if (ch == '>')
        lt = false;
      else if (ch == ':' && !lt)
        st = i + 1;
      else if ((ch == ',' || ch == ';') && !lt)
        break;
    }
    size_t end = i < s.n ? i : s.n;
    if (parse_mailbox(c, (struct slice){s.p + st, end - st}, &out[n]))
      n++;
    i = end + 1;
  }
  return n;
}

static bool id_char(unsigned char ch)
{
  return ch > 0x20 && ch < 0x7F && ch != '<' && ch != '>';
}

/* The "<id>" tokens of a header, each checked, joined by one space; at
 * most max of them (1 for Message-ID). NULL when there is none. */
static const char *msg_ids(struct ctx *c, struct slice s, size_t max)
{
  buf b;
  buf_init(&b, REFS_MAX);
  size_t count = 0;
  for (size_t i = 0; i < s.n && count < max; i++) {
    if (s.p[i] != '<')
      continue;
    size_t j = i + 1;
    while (j < s.n && j - i <= ID_MAX && id_char((unsigned char)s.p[j]))
      j++;
    if (j < s.n && s.p[j] == '>' && j > i + 1 && memchr(s.p + i, '@', j - i)) {
      if (b.len + (j - i + 2) > REFS_MAX)
        break;
      if (b.len)
        buf_append(&b, " ", 1);
      buf_append(&b, s.p + i, j - i + 1);
      count++;
    }
    i = j > i ? j - 1 : i;
  }
  const char *r = b.len ? arena_strndup(c->a, b.data, b.len) : NULL;
  buf_free(&b);
  return r;
}

static int read_num(const char **p, int max_digits)
{
  int v = 0, k = 0;
  while (k < max_digits && **p >= '0' && **p <= '9') {
    v = v * 10 + (**p - '0');
    (*p)++;
    k++;
  }
  return k ? v : -1;
}

static void skip_cfws(const char **p)
{
  for (;;) {
    while (**p == ' ' || **p == '\t' || **p == ',')
      (*p)++;
    if (**p != '(')
      return;
    int depth = 0;
    while (**p) {
      if (**p == '(')
        depth++;
      else if (**p == ')' && --depth == 0) {
        (*p)++;
        break;
      }
      (*p)++;
    }
  }
}

/* RFC 5322 date ("Tue, 1 Jul 2025 10:20:30 +0300", obsolete forms too)
 * to unix seconds; 0 when unreadable. */
static int64_t parse_date(const char *s)
{
  static const char months[12][4] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};
  const char *p = s;
  skip_cfws(&p);
  if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
      p++;
    skip_cfws(&p);
  }
  int day = read_num(&p, 2);
  skip_cfws(&p);
  int mon = -1;
  for (int m = 0; m < 12; m++)
    if (strncasecmp(p, months[m], 3) == 0)
      mon = m;
  if (day < 1 || day > 31 || mon < 0)
    return 0;
  while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
    p++;
  skip_cfws(&p);
  const char *ys = p;
  int year = read_num(&p, 4);
  if (year < 0)
    return 0;
  if (p - ys <= 2)
    year += year < 50 ? 2000 : 1900;
  else if (p - ys == 3)
    year += 1900;
  skip_cfws(&p);
  int hh = read_num(&p, 2), mm = -1, ss = 0;
  if (*p == ':') {
    p++;
    mm = read_num(&p, 2);
  }
  if (*p == ':') {
    p++;
    ss = read_num(&p, 2);
  }
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || year < 1970 || year > 9999)
    return 0;
  skip_cfws(&p);
  int off = 0;
  if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1;
    p++;
    const char *zs = p;
    int z = read_num(&p, 4);
    if (z < 0 || p - zs != 4 || z % 100 > 59)
      return 0;
    off = sign * ((z / 100) * 3600 + (z % 100) * 60);
  }
  struct tm tm = {.tm_year = year - 1900, .tm_mon = mon, .tm_mday = day, .tm_hour = hh, .tm_min = mm,
                  .tm_sec = ss > 59 ? 59 : ss};
  time_t t = timegm(&tm);
  if (t == (time_t)-1)
    return 0;
  return (int64_t)t - off;
}

/* ---- text ----------------------------------------------------------- */

/* format=flowed (RFC 3676): a line ending in a space goes on in the next
 * one (delsp: that space is dropped); a leading stuffed space goes. */
static void unflow(buf *in, bool delsp, buf *out)
{
  const char *s = in->data ? in->data : "";
  size_t n = in->len, i = 0;
  while (i < n) {
    const char *nl = memchr(s + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - s) : n;
    size_t st = i;
    if (st < end && s[st] == ' ')
      st++;
    bool soft = end > st && s[end - 1] == ' ' && !(end - st == 3 && strncmp(s + st, "-- ", 3) == 0);
    size_t len = end - st - (soft && delsp ? 1 : 0);
    buf_append(out, s + st, len);
    if (nl && !soft)
      buf_append(out, "\n", 1);
    i = nl ? end + 1 : n;
  }
}

static const struct {
  const char *name;
  uint32_t cp;
} entities[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},    {"ccedil", 0xE7},  {"Ccedil", 0xC7},  {"ouml", 0xF6},    {"Ouml", 0xD6},
    {"uuml", 0xFC},    {"Uuml", 0xDC},    {"gbreve", 0x11F}, {"Gbreve", 0x11E}, {"scedil", 0x15F},
    {"Scedil", 0x15E}, {"imath", 0x131},  {"inodot", 0x131}, {"Idot", 0x130},   {"acirc", 0xE2},
    {"icirc", 0xEE},   {"ucirc", 0xFB},   {"euro", 0x20AC},  {"copy", 0xA9},    {"reg", 0xAE},
    {"hellip", 0x2026}, {"ndash", 0x2013}, {"mdash", 0x2014}, {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"laquo", 0xAB},   {"raquo", 0xBB},   {"bull", 0x2022},
};

/* "&name;" / "&#N;" / "&#xH;" at s: returns its length and the code
 * point, or 0 when it is not one. */
static size_t entity(const char *s, size_t n, uint32_t *cp)
{
  size_t i = 1;
  if (i < n && s[i] == '#') {
    i++;
    bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
    if (hex)
      i++;
    uint32_t v = 0;
    size_t st = i;
    while (i < n && i - st < 8 && (hex ? hex_value(s[i]) >= 0 : (s[i] >= '0' && s[i] <= '9'))) {
      v = v * (hex ? 16 : 10) + (uint32_t)(hex ? hex_value(s[i]) : s[i] - '0');
      i++;
    }
    if (i == st || i >= n || s[i] != ';')
      return 0;
    *cp = v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : v;
    return i + 1;
  }
  while (i < n && i < 12 && alnum(s[i]))
    i++;
  if (i >= n || s[i] != ';')
    return 0;
  for (size_t k = 0; k < ARRAY_LEN(entities); k++) {
    if (strlen(entities[k].name) == i - 1 && strncmp(s + 1, entities[k].name, i - 1) == 0) {
      *cp = entities[k].cp;
      return i + 1;
    }
  }
  return 0;
}

static bool tag_is(const char *t, size_t n, const char *name)
{
  size_t l = strlen(name);
  return n >= l && strncasecmp(t, name, l) == 0 && (n == l || !alnum(t[l]));
}

/* Where the element whose content is skipped (script, style, head) ends:
 * just after "</name ...>", or n. */
static size_t skip_element(const char *s, size_t n, size_t i, const char *name)
{
  size_t l = strlen(name);
  for (; i + 2 + l <= n; i++) {
    if (s[i] == '<' && s[i + 1] == '/' && strncasecmp(s + i + 2, name, l) == 0) {
      const char *gt = memchr(s + i, '>', n - i);
      return gt ? (size_t)(gt - s) + 1 : n;
    }
  }
  return n;
}

/* HTML (UTF-8) to plain text: tags dropped, block ends as line breaks,
 * entities decoded, blanks collapsed, at most one empty line in a row. */
static void html_to_text(const char *s, size_t n, buf *out)
{
  static const char *const blocks[] = {"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                                       "table", "blockquote", "hr", "ul", "ol", "pre", "section", "article"};
  int newlines = 2; /* at the start: as after a paragraph */
  bool space = false;
  for (size_t i = 0; i < n;) {
    char ch = s[i];
    if (ch == '<') {
      if (i + 4 <= n && strncmp(s + i, "<!--", 4) == 0) {
        const char *e = NULL;
        for (size_t k = i + 4; k + 3 <= n && !e; k++)
          if (strncmp(s + k, "-->", 3) == 0)
            e = s + k;
        i = e ? (size_t)(e - s) + 3 : n;
        continue;
      }
      const char *gt = memchr(s + i, '>', n - i);
      size_t end = gt ? (size_t)(gt - s) + 1 : n;
      const char *t = s + i + 1;
      size_t tl = end - i - 1;
      bool closing = tl > 0 && t[0] == '/';
      if (closing) {
        t++;
        tl--;
      }
      if (!closing && (tag_is(t, tl, "script") || tag_is(t, tl, "style") || tag_is(t, tl, "head") ||
                       tag_is(t, tl, "title"))) {
        const char *name = tag_is(t, tl, "script") ? "script" : tag_is(t, tl, "style") ? "style"
                           : tag_is(t, tl, "head") ? "head" : "title";
        i = skip_element(s, n, end, name);
        continue;
      }
      for (size_t k = 0; k < ARRAY_LEN(blocks); k++) {
        if (tag_is(t, tl, blocks[k])) {
          bool line = str_eq(blocks[k], "br") || str_eq(blocks[k], "li") || str_eq(blocks[k], "tr") ||
                      str_eq(blocks[k], "div");
          int want = line ? 1 : 2;
          if (str_eq(blocks[k], "br"))
            want = newlines + 1 > 2 ? 2 : newlines + 1;
          while (newlines < want) {
            buf_append(out, "\n", 1);
            newlines++;
          }
          if (str_eq(blocks[k], "li") && !closing) {
            buf_append(out, "- ", 2);
            newlines = 0;
          }
          space = false;
          break;
        }
      }
      i = end;
      continue;
    }
    uint32_t cp;
    size_t l = 1;
    if (ch == '&' && (l = entity(s + i, n - i, &cp)) > 0) {
      /* decoded below */
    } else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
      space = newlines == 0;
      i++;
      continue;
    } else {
      l = tr_utf8_decode((const unsigned char *)s + i, n - i, &cp);
      if (l == 0) {
        l = 1;
        cp = 0xFFFD;
      }
    }
    if (cp == 0xA0)
      cp = ' ';
    if (cp == ' ') {
      space = newlines == 0;
      i += l;
      continue;
    }
    if (space)
      buf_append(out, " ", 1);
    space = false;
    put_cp(out, cp, false);
    newlines = 0;
    i += l;
  }
}

/* ---- entities ------------------------------------------------------- */

struct ctype {
  struct slice type, subtype;
  struct params ps;
};

static void parse_ctype(struct ctx *c, const struct heads *h, bool digest_child, struct ctype *ct)
{
  static const char def_text[] = "text/plain", def_msg[] = "message/rfc822";
  struct slice v = h->has[H_CTYPE] ? h->v[H_CTYPE] : (struct slice){"", 0};
  parse_params(v, &ct->ps);
  struct slice t = ct->ps.value;
  const char *slash = t.n && t.n <= 127 ? memchr(t.p, '/', t.n) : NULL;
  if (!slash || slash == t.p || slash == t.p + t.n - 1) {
    if (t.n)
      c->defects |= MIME_DEFECT_HEADER;
    t = digest_child ? (struct slice){def_msg, sizeof def_msg - 1} : (struct slice){def_text, sizeof def_text - 1};
    slash = memchr(t.p, '/', t.n);
    if (!h->has[H_CTYPE] || !v.n)
      memset(&ct->ps, 0, sizeof ct->ps);
  }
  ct->type = (struct slice){t.p, (size_t)(slash - t.p)};
  ct->subtype = (struct slice){slash + 1, t.n - (size_t)(slash + 1 - t.p)};
}

static const char *lower_type(struct ctx *c, const struct ctype *ct)
{
  char *s = arena_printf(c->a, "%.*s/%.*s", (int)ct->type.n, ct->type.p, (int)ct->subtype.n, ct->subtype.p);
  for (char *p = s; *p; p++) {
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p + 32);
    else if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F)
      *p = '_';
  }
  return s;
}

/* No directory, no control characters, at most FILENAME_MAX_LEN bytes. */
static const char *safe_filename(struct ctx *c, const char *name)
{
  if (!name)
    return "";
  const char *base = name;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  size_t n = strlen(base);
  while (n > FILENAME_MAX_LEN) {
    n--;
    while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80)
      n--;
  }
  struct slice s = trim((struct slice){base, n});
  if ((s.n == 1 && s.p[0] == '.') || (s.n == 2 && s.p[0] == '.' && s.p[1] == '.'))
    return "";
  return arena_strndup(c->a, s.p, s.n);
}

static void walk(struct ctx *c, struct slice e, int depth, bool want_text, bool digest_child);

/* How much a child of multipart/alternative is worth as the text. */
static int alternative_score(struct ctx *c, struct slice e)
{
  struct heads h;
  struct slice body;
  struct ctype ct;
  unsigned keep = c->defects;
  parse_headers(c, e, &h, &body);
  parse_ctype(c, &h, false, &ct);
  c->defects = keep;
  if (slice_ieq(ct.type, "text") && slice_ieq(ct.subtype, "plain"))
    return 3;
  if (slice_ieq(ct.type, "multipart"))
    return 2;
  if (slice_ieq(ct.type, "text") && slice_ieq(ct.subtype, "html"))
    return 1;
  return 0;
}

/* Splits a multipart body at its boundary lines into at most max parts.
 * Returns the count; *closed tells whether the closing line was seen. */
static size_t split_parts(struct slice body, struct slice bd, struct slice *parts, size_t max, bool *closed,
                          bool *more)
{
  size_t n = 0, i = 0;
  const char *start = NULL;
  *closed = *more = false;
  while (i < body.n) {
    const char *nl = memchr(body.p + i, '\n', body.n - i);
    size_t end = nl ? (size_t)(nl - body.p) + 1 : body.n;
    const char *line = body.p + i;
    size_t len = end - i;
    if (len >= 2 + bd.n && line[0] == '-' && line[1] == '-' && memcmp(line + 2, bd.p, bd.n) == 0) {
      size_t k = 2 + bd.n;
      bool last = k + 2 <= len && line[k] == '-' && line[k + 1] == '-';
      if (last)
        k += 2;
      while (k < len && is_ws(line[k]))
        k++;
      if (k == len) {
        if (start) {
          /* the line break before a boundary belongs to the boundary */
          const char *stop = line;
          if (stop > start && stop[-1] == '\n')
            stop--;
          if (stop > start && stop[-1] == '\r')
            stop--;
          if (n < max)
            parts[n++] = (struct slice){start, (size_t)(stop - start)};
          else
            *more = true;
        }
        if (last) {
          *closed = true;
          return n;
        }
        start = body.p + end;
      }
    }
    i = end;
  }
  if (start) {
    if (n < max)
      parts[n++] = (struct slice){start, (size_t)(body.p + body.n - start)};
    else
      *more = true;
  }
  return n;
}

static void add_attachment(struct ctx *c, const struct heads *h, const struct ctype *ct, const char *filename,
                           bool is_inline, struct slice data)
{
  if (c->nparts >= MIME_PARTS_MAX) {
    c->defects |= MIME_DEFECT_LIMIT;
    return;
  }
  struct mime_part *p = &c->parts[c->nparts++];
  p->filename = safe_filename(c, filename);
  p->content_type = lower_type(c, ct);
  p->content_id = h->has[H_CID] ? msg_ids(c, h->v[H_CID], 1) : NULL;
  p->is_inline = is_inline;
  p->data = (const unsigned char *)data.p;
  p->len = data.n;
}

static void add_text(struct ctx *c, const struct ctype *ct, struct slice data, bool html)
{
  buf *dst = html ? &c->html : &c->plain;
  const char *cs = param_raw(c, &ct->ps, "charset");
  size_t cap = 3 * data.n + 16;
  if (cap > c->budget)
    cap = c->budget;
  buf t;
  buf_init(&t, cap ? cap : 1);
  convert(c, charset_of((struct slice){cs ? cs : "", cs ? strlen(cs) : 0}), (const unsigned char *)data.p, data.n, &t,
          true);
  if (t.overflow)
    c->defects |= MIME_DEFECT_LIMIT;
  (void)charge(c, t.len);
  const char *format = param_raw(c, &ct->ps, "format");
  if (!html && format && strcasecmp(format, "flowed") == 0) {
    const char *delsp = param_raw(c, &ct->ps, "delsp");
    buf u;
    buf_init(&u, t.len + 1);
    unflow(&t, delsp && strcasecmp(delsp, "yes") == 0, &u);
    buf_free(&t);
    t = u;
  }
  if (dst->len && t.len)
    buf_append(dst, "\n\n", 2);
  buf_append(dst, t.data ? t.data : "", t.len);
  if (dst->overflow)
    c->defects |= MIME_DEFECT_LIMIT;
  buf_free(&t);
}

/* One entity with its headers read: a multipart is split and walked, a
 * text part becomes text (when the text is wanted here), anything else
 * an attachment. */
static void walk_entity(struct ctx *c, const struct heads *h, struct slice body, int depth, bool want_text,
                        bool digest_child)
{
  struct ctype ct;
  parse_ctype(c, h, digest_child, &ct);
  struct slice cte = h->has[H_CTE] ? h->v[H_CTE] : (struct slice){"", 0};
  if (slice_ieq(ct.type, "multipart")) {
    const char *bd = param_raw(c, &ct.ps, "boundary");
    size_t bdl = bd ? strlen(bd) : 0;
    if (depth >= MIME_DEPTH_MAX) {
      c->defects |= MIME_DEFECT_LIMIT;
      return;
    }
    if (bdl > 0 && bdl <= 200) {
      struct slice b = decode_body(c, cte, body, false);
      struct slice parts[MIME_PARTS_MAX];
      bool closed, more;
      size_t n = split_parts(b, (struct slice){bd, bdl}, parts, MIME_PARTS_MAX, &closed, &more);
      if (more)
        c->defects |= MIME_DEFECT_LIMIT;
      if (!closed)
        c->defects |= MIME_DEFECT_BOUNDARY;
      if (n > 0) {
        size_t chosen = n;
        if (slice_ieq(ct.subtype, "alternative")) {
          int best = -1;
          for (size_t i = 0; i < n; i++) {
            int s = alternative_score(c, parts[i]);
            if (s > best) {
              best = s;
              chosen = i;
            }
          }
        }
        bool digest = slice_ieq(ct.subtype, "digest");
        for (size_t i = 0; i < n; i++)
          walk(c, parts[i], depth + 1, want_text && (chosen == n || chosen == i), digest);
        return;
      }
    }
    /* No usable boundary: read the body as text. */
    c->defects |= MIME_DEFECT_BOUNDARY;
    static const char plain[] = "text/plain";
    ct.type = (struct slice){plain, 4};
    ct.subtype = (struct slice){plain + 5, 5};
    memset(&ct.ps, 0, sizeof ct.ps);
  }
  struct params disp;
  parse_params(h->has[H_CDISP] ? h->v[H_CDISP] : (struct slice){"", 0}, &disp);
  bool attachment = slice_ieq(disp.value, "attachment"), is_inline = slice_ieq(disp.value, "inline");
  const char *filename = param_text(c, &disp, "filename");
  if (!filename || !*filename)
    filename = param_text(c, &ct.ps, "name");
  bool text = slice_ieq(ct.type, "text") && (slice_ieq(ct.subtype, "plain") || slice_ieq(ct.subtype, "html"));
  if (text && !attachment && !(filename && *filename)) {
    /* Every HTML part is kept: it is the text only when no plain text
     * has any (an empty text/plain alternative is not rare). */
    bool html = slice_ieq(ct.subtype, "html");
    if (want_text || html)
      add_text(c, &ct, decode_body(c, cte, body, false), html);
    return;
  }
  add_attachment(c, h, &ct, filename, is_inline, decode_body(c, cte, body, true));
}

static void walk(struct ctx *c, struct slice e, int depth, bool want_text, bool digest_child)
{
  if (++c->entities > MIME_PARTS_MAX) {
    c->defects |= MIME_DEFECT_LIMIT;
    return;
  }
  struct heads h;
  struct slice body;
  parse_headers(c, e, &h, &body);
  walk_entity(c, &h, body, depth, want_text, digest_child);
}

/* ---- the message ---------------------------------------------------- */

static const char *finish_text(struct ctx *c, buf *b)
{
  struct slice s = {b->data ? b->data : "", b->len};
  while (s.n > 0 && is_ws(s.p[s.n - 1]))
    s.n--;
  while (s.n > 0 && (s.p[0] == '\n' || s.p[0] == '\r')) {
    s.p++;
    s.n--;
  }
  return arena_strndup(c->a, s.p, s.n);
}

static bool auto_generated(const struct heads *h)
{
  if (h->has[H_AUTO]) {
    struct slice v = trim(h->v[H_AUTO]);
    if (!(v.n >= 2 && strncasecmp(v.p, "no", 2) == 0))
      return true;
  }
  if (h->has[H_PRECEDENCE]) {
    struct slice v = trim(h->v[H_PRECEDENCE]);
    if (slice_ieq(v, "bulk") || slice_ieq(v, "junk") || slice_ieq(v, "list"))
      return true;
  }
  if (h->has[H_XAUTO])
    return true;
  if (h->has[H_RETURN_PATH]) {
    struct slice v = trim(h->v[H_RETURN_PATH]);
    if (slice_ieq(v, "<>"))
      return true;
  }
  if (h->has[H_CTYPE]) {
    struct slice v = trim(h->v[H_CTYPE]);
    if (v.n >= 16 && strncasecmp(v.p, "multipart/report", 16) == 0)
      return true;
  }
  return false;
}

int mime_parse(arena *a, const char *raw, size_t len, struct mime_msg *out)
{
  memset(out, 0, sizeof *out);
  out->subject = "";
  out->text = "";
  out->from.name = out->reply_to.name = "";
  if (!raw || len == 0) {
    out->error = "empty message";
    return -1;
  }
  if (len > MIME_INPUT_MAX) {
    out->error = "message too large";
    return -1;
  }
  struct ctx c = {.a = a, .budget = 2 * len + 64 * 1024};
  struct heads h;
  struct slice body;
  parse_headers(&c, (struct slice){raw, len}, &h, &body);
  if (h.count == 0) {
    out->error = "not a mail message (no header)";
    return -1;
  }
  buf_init(&c.plain, c.budget);
  buf_init(&c.html, c.budget);
  c.entities = 1;
  walk_entity(&c, &h, body, 0, true, false);
  out->text = finish_text(&c, &c.plain);
  if (!*out->text && c.html.len) {
    buf t;
    buf_init(&t, c.html.len + 16);
    html_to_text(c.html.data, c.html.len, &t);
    out->text = finish_text(&c, &t);
    out->text_from_html = true;
    buf_free(&t);
  }
  buf_free(&c.plain);
  buf_free(&c.html);
  if (h.has[H_FROM]) {
    struct mime_addr tmp[1];
    if (parse_addrs(&c, h.v[H_FROM], tmp, 1) == 1)
      out->from = tmp[0];
  }
  if (h.has[H_REPLY_TO]) {
    struct mime_addr tmp[1];
    if (parse_addrs(&c, h.v[H_REPLY_TO], tmp, 1) == 1)
      out->reply_to = tmp[0];
  }
  out->to = arena_alloc(a, MIME_ADDRS_MAX * sizeof *out->to);
  out->cc = arena_alloc(a, MIME_ADDRS_MAX * sizeof *out->cc);
  if (h.has[H_TO])
    out->nto = parse_addrs(&c, h.v[H_TO], out->to, MIME_ADDRS_MAX);
  if (h.has[H_CC])
    out->ncc = parse_addrs(&c, h.v[H_CC], out->cc, MIME_ADDRS_MAX);
  if (h.has[H_SUBJECT])
    out->subject = decode_header(&c, h.v[H_SUBJECT]);
  if (h.has[H_MSGID])
    out->message_id = msg_ids(&c, h.v[H_MSGID], 1);
  if (h.has[H_IRT])
    out->in_reply_to = msg_ids(&c, h.v[H_IRT], 1);
  if (h.has[H_REFS])
    out->references = msg_ids(&c, h.v[H_REFS], 64);
  if (h.has[H_DATE]) {
    buf d;
    buf_init(&d, h.v[H_DATE].n + 1);
    convert(&c, CS_GUESS, (const unsigned char *)h.v[H_DATE].p, h.v[H_DATE].n, &d, false);
    out->date = take_line(&c, &d);
    out->date_unix = parse_date(out->date);
  }
  out->auto_generated = auto_generated(&h);
  out->parts = c.nparts ? arena_alloc(a, c.nparts * sizeof *out->parts) : NULL;
  if (c.nparts)
    memcpy(out->parts, c.parts, c.nparts * sizeof *out->parts);
  out->nparts = c.nparts;
  out->defects = c.defects;
  return 0;
}
