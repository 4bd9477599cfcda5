/* util.c - the few helpers every part of defter leans on: aborting
 * allocation, arenas, bounded buffers, clocks, randomness, hashing. */
#include "util.h"
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <openssl/sha.h>

void *xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("defter: out of memory\n", stderr);
    abort();
  }
  return p;
}

void *xcalloc(size_t n, size_t m)
{
  void *p = calloc(n ? n : 1, m ? m : 1);
  if (!p) {
    fputs("defter: out of memory\n", stderr);
    abort();
  }
  return p;
}

void *xrealloc(void *p, size_t n)
{
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fputs("defter: out of memory\n", stderr);
    abort();
  }
  return q;
}

char *xstrdup(const char *s)
{
  return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
  char *p = xmalloc(n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

/* ---- arena ---------------------------------------------------------- */

struct chunk {
  struct chunk *next;
  size_t used, cap;
  _Alignas(max_align_t) unsigned char mem[];
};

struct arena {
  struct chunk *head;
};

enum { ARENA_CHUNK = 16 * 1024 };

arena *arena_new(void)
{
  arena *a = xcalloc(1, sizeof *a);
  return a;
}

void arena_free(arena *a)
{
  if (!a)
    return;
  struct chunk *c = a->head;
  while (c) {
    struct chunk *n = c->next;
    free(c);
    c = n;
  }
  free(a);
}

void *arena_alloc(arena *a, size_t n)
{
  size_t al = _Alignof(max_align_t);
  n = (n + al - 1) & ~(al - 1);
  struct chunk *c = a->head;
  if (!c || c->cap - c->used < n) {
    size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    c = xmalloc(sizeof *c + cap);
    c->used = 0;
    c->cap = cap;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->mem + c->used;
  c->used += n;
  return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
  char *p = arena_alloc(a, n + 1);
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *arena_strdup(arena *a, const char *s)
{
  return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(arena *a, const char *fmt, ...)
{
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *p = arena_alloc(a, (size_t)n + 1);
  vsnprintf(p, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return p;
}

/* ---- buf ------------------------------------------------------------ */

void buf_init(buf *b, size_t max)
{
  memset(b, 0, sizeof *b);
  b->max = max;
}

void buf_free(buf *b)
{
  free(b->data);
  memset(b, 0, sizeof *b);
}

void buf_append(buf *b, const void *p, size_t n)
{
  if (b->overflow)
    return;
  if (b->max && b->len + n > b->max) {
    b->overflow = true;
    return;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
}

void buf_puts(buf *b, const char *s)
{
  buf_append(b, s, strlen(s));
}

void buf_vprintf(buf *b, const char *fmt, va_list ap)
{
  char small[256];
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n < 0) {
    va_end(ap2);
    return;
  }
  if ((size_t)n < sizeof small) {
    buf_append(b, small, (size_t)n);
  } else {
    char *big = xmalloc((size_t)n + 1);
    vsnprintf(big, (size_t)n + 1, fmt, ap2);
    buf_append(b, big, (size_t)n);
    free(big);
  }
  va_end(ap2);
}

void buf_printf(buf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

const char *buf_cstr(buf *b)
{
  if (!b->data)
    buf_append(b, "", 0);
  return b->data ? b->data : "";
}

/* ---- time ----------------------------------------------------------- */

int64_t now_unix(void)
{
  return (int64_t)time(NULL);
}

int64_t now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void fmt_iso8601(int64_t t, char out[32])
{
  time_t tt = (time_t)t;
  struct tm tm;
  gmtime_r(&tt, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Reads exactly n decimal digits (no sign, no blanks). */
static int digits(const char *s, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

int parse_iso8601(const char *s, int64_t *out)
{
  struct tm tm = {0};
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!s || strlen(s) < 10)
    return -1;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
    return -1;
  const char *p = s + 10;
  if (*p == 'T' || *p == ' ') {
    if (strlen(p) < 9 || digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi) || p[6] != ':' ||
        digits(p + 7, 2, &se))
      return -1;
    p += 9;
    if (*p == 'Z')
      p++;
  }
  if (*p)
    return -1;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59 || y < 1970)
    return -1;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  time_t t = timegm(&tm);
  /* timegm normalises 31 Feb into March; refuse such dates. */
  struct tm back;
  gmtime_r(&t, &back);
  if (back.tm_mday != d || back.tm_mon != mo - 1)
    return -1;
  *out = (int64_t)t;
  return 0;
}

/* ---- randomness and hashing ---------------------------------------- */

void random_bytes(void *p, size_t n)
{
  randombytes_buf(p, n);
}

char *random_token(arena *a, size_t nbytes)
{
  unsigned char raw[64];
  if (nbytes > sizeof raw)
    nbytes = sizeof raw;
  random_bytes(raw, nbytes);
  size_t cap = sodium_base64_ENCODED_LEN(nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  char *out = a ? arena_alloc(a, cap) : xmalloc(cap);
  sodium_bin2base64(out, cap, raw, nbytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return out;
}

void sha256_hex(const void *data, size_t n, char out[65])
{
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data, n, md);
  sodium_bin2hex(out, 65, md, sizeof md);
}

bool str_eq(const char *a, const char *b)
{
  return a && b && strcmp(a, b) == 0;
}

bool str_starts(const char *s, const char *prefix)
{
  return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ct_eq(const char *a, const char *b)
{
  if (!a || !b)
    return false;
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb)
    return false;
  return sodium_memcmp(a, b, la) == 0;
}

int parse_i64(const char *s, int64_t *out)
{
  if (!s || !*s)
    return -1;
  int64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '9')
      return -1;
    int dgt = *p - '0';
    if (v > (INT64_MAX - dgt) / 10)
      return -1;
    v = v * 10 + dgt;
  }
  *out = v;
  return 0;
}
