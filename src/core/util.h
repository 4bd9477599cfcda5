/* util.h - allocation that aborts on exhaustion, request arenas, bounded
 * growable buffers, time and random helpers shared by all of defter. */
#ifndef DEFTER_UTIL_H
#define DEFTER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

#define WUR __attribute__((warn_unused_result))
#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* The daemon aborts on out-of-memory here, so callers never check. Parsers
 * that take outside input bound their sizes before allocating. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Arena: everything allocated from it is released at once by arena_free().
 * A request owns one; nothing allocated from it may outlive the request. */
typedef struct arena arena;
arena *arena_new(void);
void arena_free(arena *a);
void *arena_alloc(arena *a, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_printf(arena *a, const char *fmt, ...) PRINTF(2, 3);

/* Growable byte buffer with a hard maximum; appends past the maximum set
 * `overflow` and are dropped, so a caller checks once at the end. */
typedef struct {
  char *data;
  size_t len, cap, max;
  bool overflow;
} buf;
void buf_init(buf *b, size_t max);
void buf_free(buf *b);
void buf_append(buf *b, const void *p, size_t n);
void buf_puts(buf *b, const char *s);
void buf_printf(buf *b, const char *fmt, ...) PRINTF(2, 3);
void buf_vprintf(buf *b, const char *fmt, va_list ap) PRINTF(2, 0);
/* NUL-terminated view of the contents (the buffer keeps ownership). */
const char *buf_cstr(buf *b);

/* Wall clock, UTC. */
int64_t now_unix(void);
int64_t now_ms(void);
/* ISO 8601 UTC "2026-11-22T10:00:00Z" into out (>= 21 bytes). */
void fmt_iso8601(int64_t t, char out[32]);
/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS[Z]"; 0 ok, -1 invalid. */
int parse_iso8601(const char *s, int64_t *out) WUR;

/* Cryptographically random bytes, base64url text (no padding). */
void random_bytes(void *p, size_t n);
/* Writes base64url of n random bytes into a fresh arena/heap string. */
char *random_token(arena *a, size_t nbytes);
/* Lower-case hex SHA-256 of data (out: 65 bytes). */
void sha256_hex(const void *data, size_t n, char out[65]);

bool str_eq(const char *a, const char *b);
bool str_starts(const char *s, const char *prefix);
/* Constant-time comparison of two NUL-terminated strings. */
bool str_ct_eq(const char *a, const char *b);
/* Parses a non-negative decimal integer fully; -1 on anything else. */
int parse_i64(const char *s, int64_t *out) WUR;

#endif
