/* block.c - the field codec of a segment block (version 2): a block's
 * lines are split into templates (keys, quoting and separators) and
 * columns of values (one per key, or per word position for plain text),
 * each column typed for what it holds, so that zstd then sees numbers as
 * small deltas and repeated strings as small indexes instead of text.
 * Every line comes back byte for byte; what the tokenizer cannot take is
 * kept as text. The decoder takes any bytes (fuzz_netlog_segment). */
#define _GNU_SOURCE
#include "block.h"
#include "netlog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum {
  HOLE = 0x01,        /* in a template: a value of column <varint> */
  MAX_COLS = 1024,    /* per block */
  MAX_TOKENS = 512,   /* per line; more: kept as text */
  MAX_KEY = 64,       /* a longer key is a plain word */
  MAX_TEMPLATES = 4096,
  SHAPES = 2,         /* line shapes tried before a line is split afresh */
  CODE_RAW = 0,       /* line codes: text, record text, then template ids */
  CODE_EXPLICIT = 1,
  CODE_T0 = 2,
};

enum col_type { CT_STR = 0, CT_DICT = 1, CT_INT = 2, CT_DELTA = 3, CT_IPV4 = 4, CT_COUNT };

/* ---- vectors and varints --------------------------------------------------- */

void nlb_vec_free(struct nlb_vec *v)
{
  free(v->p);
  *v = (struct nlb_vec){0};
}

static void vec_reserve(struct nlb_vec *v, size_t more)
{
  if (v->len + more <= v->cap)
    return;
  size_t cap = v->cap ? v->cap : 4096;
  while (cap < v->len + more)
    cap *= 2;
  v->p = xrealloc(v->p, cap);
  v->cap = cap;
}

void nlb_vec_put(struct nlb_vec *v, const void *p, size_t n)
{
  vec_reserve(v, n);
  if (n)
    memcpy(v->p + v->len, p, n);
  v->len += n;
}

static inline void put_varint_raw(unsigned char *p, size_t *len, uint64_t x)
{
  size_t l = *len;
  while (x >= 0x80) {
    p[l++] = (unsigned char)(x | 0x80);
    x >>= 7;
  }
  p[l++] = (unsigned char)x;
  *len = l;
}

static inline void vec_varint(struct nlb_vec *v, uint64_t x)
{
  vec_reserve(v, 10);
  put_varint_raw(v->p, &v->len, x);
}

static inline uint64_t zigzag(int64_t d) { return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63); }
static inline int64_t unzigzag(uint64_t z) { return (int64_t)(z >> 1) ^ -(int64_t)(z & 1); }

static uint64_t hash_bytes(const void *p, size_t n)
{
  const unsigned char *c = p;
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, c, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    c += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, c, n);
  h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
  return h ^ (h >> 29);
}

/* ---- the encoder ------------------------------------------------------------ */

struct val {
  uint32_t off, len;
};

struct col {
  uint32_t name_off, name_len; /* a key in the text; bare words: word < 0 */
  int32_t word;                /* the word position of a plain word column, -1 for a key */
  struct val *v;
  size_t n, cap;
};

struct tok {
  uint32_t col, off, len;
};

/* how a token of a template is spelled: a plain word, key= or key=" (the
 * key's text in the block's text) */
enum { OP_WORD, OP_KV, OP_KVQ };
struct op {
  uint32_t lit_off, lit_len, col;
  uint8_t kind;
};

/* open-addressing table of (hash, index) */
struct htab {
  uint64_t *h;
  uint32_t *ix;
  size_t cap, n;
};

struct nlb_enc {
  const char *text;
  struct col *cols;
  size_t ncols;
  int32_t word_col[MAX_TOKENS]; /* word position -> column, -1 none */
  struct htab keys, tmpls, dict;
  struct nlb_vec tbytes; /* every template, back to back */
  struct val *tspan;     /* template id -> its bytes in tbytes */
  size_t ntmpl, tcap;
  struct nlb_vec scratch, body;
  struct tok toks[MAX_TOKENS];
  uint64_t *ints;
  size_t ints_cap;
  /* the previous line's keys by token position, a cheap first guess */
  struct tok prev[MAX_TOKENS];
  size_t nprev;
  int mru[4]; /* the templates used last */
  /* the last line's template, spelled out: most lines have the shape of
   * the one before, and are checked against it instead of being split */
  struct op ops[MAX_TOKENS], fops[SHAPES][MAX_TOKENS];
  size_t nfops[SHAPES];
  int fid[SHAPES];
  int last; /* the shape that matched last */
};

static void htab_clear(struct htab *t, size_t want)
{
  size_t cap = 64;
  while (cap < want * 2)
    cap *= 2;
  if (cap != t->cap) {
    free(t->h);
    free(t->ix);
    t->h = xmalloc(cap * sizeof *t->h);
    t->ix = xmalloc(cap * sizeof *t->ix);
    t->cap = cap;
  }
  memset(t->h, 0, cap * sizeof *t->h);
  t->n = 0;
}

static void htab_grow(struct htab *t)
{
  struct htab old = *t;
  t->h = NULL;
  t->ix = NULL;
  t->cap = 0;
  htab_clear(t, old.cap);
  for (size_t i = 0; i < old.cap; i++)
    if (old.h[i]) {
      size_t j = old.h[i] & (t->cap - 1);
      while (t->h[j])
        j = (j + 1) & (t->cap - 1);
      t->h[j] = old.h[i];
      t->ix[j] = old.ix[i];
      t->n++;
    }
  free(old.h);
  free(old.ix);
}

/* The slot of hash h whose entry `same` accepts, or the empty slot
 * where it belongs (t->h[slot] == 0). */
typedef bool (*same_fn)(void *u, uint32_t ix);
static size_t htab_find(struct htab *t, uint64_t h, same_fn same, void *u)
{
  size_t j = h & (t->cap - 1);
  while (t->h[j]) {
    if (t->h[j] == h && same(u, t->ix[j]))
      return j;
    j = (j + 1) & (t->cap - 1);
  }
  return j;
}

static void htab_set(struct htab *t, size_t slot, uint64_t h, uint32_t ix)
{
  t->h[slot] = h;
  t->ix[slot] = ix;
  if (++t->n * 2 > t->cap)
    htab_grow(t);
}

static void keych_init(void);

struct nlb_enc *nlb_enc_new(void)
{
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, keych_init);
  struct nlb_enc *e = xcalloc(1, sizeof *e);
  htab_clear(&e->keys, 256);
  htab_clear(&e->tmpls, 256);
  htab_clear(&e->dict, 256);
  return e;
}

void nlb_enc_free(struct nlb_enc *e)
{
  if (!e)
    return;
  for (size_t i = 0; i < e->ncols; i++)
    free(e->cols[i].v);
  free(e->cols);
  free(e->keys.h);
  free(e->keys.ix);
  free(e->tmpls.h);
  free(e->tmpls.ix);
  free(e->dict.h);
  free(e->dict.ix);
  nlb_vec_free(&e->tbytes);
  nlb_vec_free(&e->scratch);
  nlb_vec_free(&e->body);
  free(e->tspan);
  free(e->ints);
  free(e);
}

static unsigned char keych[256];

static void keych_init(void)
{
  for (int c = 0; c < 256; c++)
    keych[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
               c == '.';
}

static inline bool is_keych(unsigned char c) { return keych[c]; }

/* short keys and values: a loop beats a call */
static inline bool eq_small(const char *a, const char *b, size_t n)
{
  uint64_t x, y;
  while (n >= 8) {
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    if (x != y)
      return false;
    a += 8;
    b += 8;
    n -= 8;
  }
  if (n >= 4) {
    uint32_t u, v;
    memcpy(&u, a, 4);
    memcpy(&v, b, 4);
    if (u != v)
      return false;
    memcpy(&u, a + n - 4, 4);
    memcpy(&v, b + n - 4, 4);
    return u == v;
  }
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i])
      return false;
  return true;
}

static inline size_t span_to_space(const char *s, size_t from, size_t n)
{
  size_t i = from;
  while (i < n && s[i] != ' ')
    i++;
  return i;
}

struct key_probe {
  struct nlb_enc *e;
  const char *k;
  size_t n;
};

static bool same_key(void *u, uint32_t ix)
{
  struct key_probe *p = u;
  const struct col *c = &p->e->cols[ix];
  return c->word < 0 && c->name_len == p->n && !memcmp(p->e->text + c->name_off, p->k, p->n);
}

static int new_col(struct nlb_enc *e, uint32_t off, uint32_t len, int32_t word)
{
  if (e->ncols >= MAX_COLS)
    return -1;
  e->cols = xrealloc(e->cols, (e->ncols + 1) * sizeof *e->cols);
  e->cols[e->ncols] = (struct col){.name_off = off, .name_len = len, .word = word};
  return (int)e->ncols++;
}

/* The column of key text[off..off+len); -1 when the block has no room. */
static int key_col(struct nlb_enc *e, size_t tpos, uint32_t off, uint32_t len)
{
  if (tpos < e->nprev) {
    const struct col *c = &e->cols[e->prev[tpos].col];
    if (c->word < 0 && c->name_len == len && eq_small(e->text + c->name_off, e->text + off, len))
      return (int)e->prev[tpos].col;
  }
  struct key_probe p = {e, e->text + off, len};
  uint64_t h = hash_bytes(p.k, len) | 1;
  size_t slot = htab_find(&e->keys, h, same_key, &p);
  if (e->keys.h[slot])
    return (int)e->keys.ix[slot];
  int c = new_col(e, off, len, -1);
  if (c >= 0)
    htab_set(&e->keys, slot, h, (uint32_t)c);
  return c;
}

static int word_col(struct nlb_enc *e, size_t w)
{
  if (e->word_col[w] < 0)
    e->word_col[w] = new_col(e, 0, 0, (int32_t)w);
  return e->word_col[w];
}

struct tmpl_probe {
  struct nlb_enc *e;
  const unsigned char *t;
  size_t n;
};

static bool same_tmpl(void *u, uint32_t ix)
{
  struct tmpl_probe *p = u;
  const struct val *s = &p->e->tspan[ix];
  return s->len == p->n && !memcmp(p->e->tbytes.p + s->off, p->t, p->n);
}

/* Splits line s[0..n) (at text offset base) into tokens and its template
 * (e->scratch); -1 when it must be kept as text. Tokens are separated by
 * one space; a token is key="value" (the closing quote then ends it),
 * key=value, or a plain word. */
static int tokenize(struct nlb_enc *e, uint32_t base, const char *s, size_t n, size_t *ntok)
{
  struct nlb_vec *t = &e->scratch;
  t->len = 0;
  vec_reserve(t, n + 16);
  size_t p = 0, k = 0, words = 0;
  for (;;) {
    if (k >= MAX_TOKENS || words >= MAX_TOKENS)
      return -1;
    size_t j = p;
    while (j < n && j - p <= MAX_KEY && is_keych((unsigned char)s[j]))
      j++;
    int col = -1;
    size_t voff, vlen, next;
    bool kv = j > p && j < n && s[j] == '=' && j - p <= MAX_KEY, quoted = false;
    if (kv) {
      size_t v = j + 1;
      if (v < n && s[v] == '"') {
        const char *q = memchr(s + v + 1, '"', n - v - 1);
        if (q && ((size_t)(q - s) + 1 == n || q[1] == ' ')) {
          quoted = true;
          voff = v + 1;
          vlen = (size_t)(q - s) - voff;
          next = (size_t)(q - s) + 1;
        }
      }
      if (!quoted) {
        voff = v;
        next = span_to_space(s, v, n);
        vlen = next - v;
      }
      col = key_col(e, k, base + (uint32_t)p, (uint32_t)(j - p));
      if (col < 0)
        return -1;
      vec_reserve(t, (j - p) + 20);
      memcpy(t->p + t->len, s + p, j - p + 1); /* key= */
      t->len += j - p + 1;
      if (quoted)
        t->p[t->len++] = '"';
    } else {
      voff = p;
      next = span_to_space(s, p, n);
      vlen = next - p;
      col = word_col(e, words++);
      if (col < 0)
        return -1;
      vec_reserve(t, 20);
    }
    t->p[t->len++] = HOLE;
    put_varint_raw(t->p, &t->len, (uint64_t)col);
    if (quoted)
      t->p[t->len++] = '"';
    e->ops[k] = kv ? (struct op){base + (uint32_t)p, (uint32_t)(j - p + 1 + quoted), (uint32_t)col,
                                 (uint8_t)(quoted ? OP_KVQ : OP_KV)}
                   : (struct op){0, 0, (uint32_t)col, OP_WORD};
    e->toks[k++] = (struct tok){(uint32_t)col, base + (uint32_t)voff, (uint32_t)vlen};
    if (next >= n)
      break;
    /* s[next] is a space */
    t->p[t->len++] = ' ';
    p = next + 1;
    if (p == n) { /* a trailing space: an empty last word */
      if (k >= MAX_TOKENS || words >= MAX_TOKENS)
        return -1;
      col = word_col(e, words++);
      if (col < 0)
        return -1;
      vec_reserve(t, 12);
      t->p[t->len++] = HOLE;
      put_varint_raw(t->p, &t->len, (uint64_t)col);
      e->ops[k] = (struct op){0, 0, (uint32_t)col, OP_WORD};
      e->toks[k++] = (struct tok){(uint32_t)col, base + (uint32_t)n, 0};
      break;
    }
  }
  *ntok = k;
  return 0;
}

/* Line s[0..n) split by the last line's template (e->fops), exactly as
 * tokenize() would split it; its template id, or -1 when its shape
 * differs (tokenize() then decides). */
static int same_shape(struct nlb_enc *e, int sh, uint32_t base, const char *s, size_t n, size_t *ntok)
{
  if (e->fid[sh] < 0)
    return -1;
  size_t p = 0;
  size_t nops = e->nfops[sh];
  for (size_t i = 0; i < nops; i++) {
    const struct op *o = &e->fops[sh][i];
    size_t voff;
    if (o->kind == OP_WORD) {
      size_t j = p; /* a word must not look like key= (tokenize would take it as one) */
      while (j < n && j - p <= MAX_KEY && is_keych((unsigned char)s[j]))
        j++;
      if (j > p && j < n && s[j] == '=' && j - p <= MAX_KEY)
        return -1;
      voff = p;
      p = span_to_space(s, p, n);
    } else {
      if (n - p < o->lit_len || !eq_small(s + p, e->text + o->lit_off, o->lit_len))
        return -1;
      p += o->lit_len;
      voff = p;
      if (o->kind == OP_KVQ) {
        const char *q = memchr(s + p, '"', n - p);
        if (!q || !((size_t)(q - s) + 1 == n || q[1] == ' '))
          return -1;
        p = (size_t)(q - s);
      } else {
        if (p < n && s[p] == '"')
          return -1; /* tokenize may take it as quoted */
        p = span_to_space(s, p, n);
      }
    }
    e->toks[i] = (struct tok){o->col, base + (uint32_t)voff, (uint32_t)(p - voff)};
    if (o->kind == OP_KVQ)
      p++; /* the closing quote */
    if (i + 1 < nops) {
      if (p >= n || s[p] != ' ')
        return -1;
      p++;
    }
  }
  if (p != n)
    return -1;
  *ntok = nops;
  return e->fid[sh];
}

static void col_push(struct col *c, uint32_t off, uint32_t len)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 256;
    c->v = xrealloc(c->v, c->cap * sizeof *c->v);
  }
  c->v[c->n++] = (struct val){off, len};
}

static int tmpl_lookup(struct nlb_enc *e);

/* The template id of e->scratch, added when new; -1 when full. */
static int tmpl_id(struct nlb_enc *e)
{
  for (int i = 0; i < 4; i++) {
    int id = e->mru[i];
    if (id >= 0 && (size_t)id < e->ntmpl && e->tspan[id].len == e->scratch.len &&
        !memcmp(e->tbytes.p + e->tspan[id].off, e->scratch.p, e->scratch.len))
      return id;
  }
  int id = tmpl_lookup(e);
  if (id >= 0) {
    memmove(e->mru + 1, e->mru, 3 * sizeof *e->mru);
    e->mru[0] = id;
  }
  return id;
}

static int tmpl_lookup(struct nlb_enc *e)
{
  struct tmpl_probe p = {e, e->scratch.p, e->scratch.len};
  uint64_t h = hash_bytes(p.t, p.n) | 1;
  size_t slot = htab_find(&e->tmpls, h, same_tmpl, &p);
  if (e->tmpls.h[slot])
    return (int)e->tmpls.ix[slot];
  if (e->ntmpl >= MAX_TEMPLATES)
    return -1;
  if (e->ntmpl == e->tcap) {
    e->tcap = e->tcap ? e->tcap * 2 : 64;
    e->tspan = xrealloc(e->tspan, e->tcap * sizeof *e->tspan);
  }
  e->tspan[e->ntmpl] = (struct val){(uint32_t)e->tbytes.len, (uint32_t)p.n};
  nlb_vec_put(&e->tbytes, p.t, p.n);
  htab_set(&e->tmpls, slot, h, (uint32_t)e->ntmpl);
  return (int)e->ntmpl++;
}

/* "0" or digits without a leading zero, at most INT64_MAX */
static bool canon_uint(const char *s, size_t n, uint64_t *out)
{
  if (!n || n > 19 || (s[0] == '0' && n > 1))
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned d = (unsigned char)s[i] - '0';
    if (d > 9)
      return false;
    v = v * 10 + d;
  }
  if (v > (uint64_t)INT64_MAX)
    return false;
  *out = v;
  return true;
}

static bool canon_ipv4(const char *s, size_t n, uint32_t *out)
{
  if (n < 7 || n > 15)
    return false;
  uint32_t a = 0;
  size_t i = 0;
  for (int part = 0; part < 4; part++) {
    size_t st = i;
    unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 3)
      v = v * 10 + (unsigned)(s[i++] - '0');
    if (i == st || v > 255 || (s[st] == '0' && i - st > 1))
      return false;
    a = a << 8 | v;
    if (part < 3) {
      if (i >= n || s[i] != '.')
        return false;
      i++;
    }
  }
  if (i != n)
    return false;
  *out = a;
  return true;
}

struct dict_probe {
  const char *text;
  const struct val *v;
  const struct val *want;
};

static bool same_val(void *u, uint32_t ix)
{
  struct dict_probe *p = u;
  return p->v[ix].len == p->want->len && !memcmp(p->text + p->v[ix].off, p->text + p->want->off, p->want->len);
}

static size_t varint_len(uint64_t x)
{
  size_t l = 1;
  while (x >= 0x80) {
    x >>= 7;
    l++;
  }
  return l;
}

static void put_col(struct nlb_enc *e, const struct col *c, struct nlb_vec *out)
{
  const char *text = e->text;
  struct nlb_vec *b = &e->body;
  b->len = 0;
  enum col_type type = CT_STR;
  if (c->n > e->ints_cap) {
    e->ints_cap = c->n;
    e->ints = xrealloc(e->ints, e->ints_cap * sizeof *e->ints);
  }
  bool ints = true, ips = true;
  for (size_t i = 0; i < c->n && ints; i++)
    ints = canon_uint(text + c->v[i].off, c->v[i].len, &e->ints[i]);
  for (size_t i = 0; i < c->n && !ints && ips; i++) {
    uint32_t a = 0;
    ips = canon_ipv4(text + c->v[i].off, c->v[i].len, &a);
    e->ints[i] = a;
  }
  if (c->n && ints) {
    size_t plain = 0, delta = 0;
    uint64_t prev = 0;
    for (size_t i = 0; i < c->n; i++) {
      plain += varint_len(e->ints[i]);
      delta += varint_len(zigzag((int64_t)(e->ints[i] - prev)));
      prev = e->ints[i];
    }
    type = delta < plain ? CT_DELTA : CT_INT;
    vec_reserve(b, c->n * 10);
    prev = 0;
    for (size_t i = 0; i < c->n; i++) {
      put_varint_raw(b->p, &b->len, type == CT_DELTA ? zigzag((int64_t)(e->ints[i] - prev)) : e->ints[i]);
      prev = e->ints[i];
    }
  } else {
    /* a dictionary when values repeat; addresses that do not as 4 bytes */
    htab_clear(&e->dict, c->n < 4096 ? c->n : 4096);
    size_t ndist = 0, limit = c->n / 2 + 1;
    uint32_t *dix = xmalloc((c->n ? c->n : 1) * sizeof *dix);
    struct val *dv = xmalloc((limit + 1) * sizeof *dv);
    for (size_t i = 0; i < c->n; i++) {
      if (i && c->v[i].len == c->v[i - 1].len && eq_small(text + c->v[i].off, text + c->v[i - 1].off, c->v[i].len)) {
        dix[i] = dix[i - 1];
        continue;
      }
      struct dict_probe p = {text, dv, &c->v[i]};
      uint64_t h = hash_bytes(text + c->v[i].off, c->v[i].len) | 1;
      size_t slot = htab_find(&e->dict, h, same_val, &p);
      if (e->dict.h[slot]) {
        dix[i] = e->dict.ix[slot];
        continue;
      }
      if (ndist >= limit)
        break;
      dv[ndist] = c->v[i];
      dix[i] = (uint32_t)ndist;
      htab_set(&e->dict, slot, h, (uint32_t)ndist++);
    }
    bool dict = ndist < limit && (!ips || ndist * 4 <= c->n);
    if (dict) {
      type = CT_DICT;
      size_t need = 10;
      for (size_t i = 0; i < ndist; i++)
        need += 10 + dv[i].len;
      vec_reserve(b, need + c->n * 5);
      put_varint_raw(b->p, &b->len, ndist);
      for (size_t i = 0; i < ndist; i++) {
        put_varint_raw(b->p, &b->len, dv[i].len);
        memcpy(b->p + b->len, text + dv[i].off, dv[i].len);
        b->len += dv[i].len;
      }
      for (size_t i = 0; i < c->n; i++)
        put_varint_raw(b->p, &b->len, dix[i]);
    } else if (ips && c->n) {
      type = CT_IPV4;
      vec_reserve(b, c->n * 4);
      for (size_t i = 0; i < c->n; i++) {
        uint32_t a = (uint32_t)e->ints[i];
        unsigned char q[4] = {(unsigned char)(a >> 24), (unsigned char)(a >> 16), (unsigned char)(a >> 8),
                              (unsigned char)a};
        memcpy(b->p + b->len, q, 4);
        b->len += 4;
      }
    } else {
      size_t need = 0;
      for (size_t i = 0; i < c->n; i++)
        need += 10 + c->v[i].len;
      vec_reserve(b, need);
      for (size_t i = 0; i < c->n; i++) {
        put_varint_raw(b->p, &b->len, c->v[i].len);
        memcpy(b->p + b->len, text + c->v[i].off, c->v[i].len);
        b->len += c->v[i].len;
      }
    }
    free(dix);
    free(dv);
  }
  char wname[16];
  const char *name = text + c->name_off;
  size_t nl = c->name_len;
  if (c->word >= 0) {
    nl = (size_t)snprintf(wname, sizeof wname, "#%d", (int)c->word);
    name = wname;
  }
  vec_varint(out, nl);
  nlb_vec_put(out, name, nl);
  unsigned char ty = (unsigned char)type;
  nlb_vec_put(out, &ty, 1);
  vec_varint(out, c->n);
  vec_varint(out, b->len);
  nlb_vec_put(out, b->p, b->len);
}

void nlb_encode(struct nlb_enc *e, const char *text, const struct nlb_line *lines, size_t n, struct nlb_vec *out)
{
  if (!text)
    text = ""; /* a block of empty lines has no text buffer: offsets stay 0 */
  e->text = text;
  for (size_t i = 0; i < e->ncols; i++)
    free(e->cols[i].v);
  e->ncols = 0;
  memset(e->word_col, 0xff, sizeof e->word_col);
  htab_clear(&e->keys, 256);
  htab_clear(&e->tmpls, 256);
  e->tbytes.len = 0;
  e->ntmpl = 0;
  e->nprev = 0;
  for (int k = 0; k < SHAPES; k++)
    e->fid[k] = -1;
  e->last = 0;
  memset(e->mru, 0xff, sizeof e->mru);
  uint32_t *codes = xmalloc((n ? n : 1) * sizeof *codes);
  for (size_t i = 0; i < n; i++) {
    const struct nlb_line *l = &lines[i];
    size_t ntok = 0;
    int id = -1;
    if (l->mode == NLB_DERIVED && !l->text) {
      for (int k = 0; k < SHAPES && id < 0; k++) {
        int sh = (e->last + k) % SHAPES;
        id = same_shape(e, sh, l->off, text + l->off, l->len, &ntok);
        if (id >= 0)
          e->last = sh;
      }
      if (id < 0 && tokenize(e, l->off, text + l->off, l->len, &ntok) == 0) {
        id = tmpl_id(e);
        if (id >= 0) { /* the new shape replaces the one not used last */
          int sh = (e->last + 1) % SHAPES;
          memcpy(e->fops[sh], e->ops, ntok * sizeof *e->ops);
          e->nfops[sh] = ntok;
          e->fid[sh] = id;
          e->last = sh;
        }
      }
    }
    if (id < 0) {
      codes[i] = l->mode == NLB_DERIVED ? CODE_RAW : CODE_EXPLICIT;
      continue;
    }
    codes[i] = CODE_T0 + (uint32_t)id;
    for (size_t k = 0; k < ntok; k++)
      col_push(&e->cols[e->toks[k].col], e->toks[k].off, e->toks[k].len);
    memcpy(e->prev, e->toks, ntok * sizeof *e->toks);
    e->nprev = ntok;
  }
  out->len = 0;
  vec_varint(out, n);
  /* the lines kept as text first, each with its place and time: a reader
   * that wants only those (leases) stops decompressing after them */
  size_t ntext = 0;
  for (size_t i = 0; i < n; i++)
    ntext += codes[i] < CODE_T0;
  vec_varint(out, ntext);
  size_t last = 0;
  for (size_t i = 0; i < n; i++)
    if (codes[i] < CODE_T0) {
      vec_varint(out, i - last);
      last = i;
      vec_varint(out, codes[i]);
      vec_varint(out, zigzag(lines[i].time));
      vec_varint(out, lines[i].len);
      nlb_vec_put(out, text + lines[i].off, lines[i].len);
    }
  vec_varint(out, e->ntmpl);
  for (size_t i = 0; i < e->ntmpl; i++) {
    vec_varint(out, e->tspan[i].len);
    nlb_vec_put(out, e->tbytes.p + e->tspan[i].off, e->tspan[i].len);
  }
  vec_varint(out, e->ncols);
  for (size_t i = 0; i < e->ncols; i++)
    put_col(e, &e->cols[i], out);
  vec_reserve(out, n * 20);
  for (size_t i = 0; i < n; i++)
    put_varint_raw(out->p, &out->len, codes[i]);
  int64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    put_varint_raw(out->p, &out->len, zigzag((int64_t)((uint64_t)lines[i].time - (uint64_t)prev)));
    prev = lines[i].time;
  }
  free(codes);
}

/* ---- the decoder -------------------------------------------------------------- */

struct rd {
  const unsigned char *p, *end;
  bool bad;
};

static uint64_t rd_varint(struct rd *r)
{
  uint64_t x = 0;
  for (int sh = 0; sh < 64; sh += 7) {
    if (r->p >= r->end) {
      r->bad = true;
      return 0;
    }
    unsigned char c = *r->p++;
    x |= (uint64_t)(c & 0x7f) << sh;
    if (!(c & 0x80))
      return x;
  }
  r->bad = true;
  return 0;
}

static const unsigned char *rd_bytes(struct rd *r, uint64_t n)
{
  if (r->bad || n > (uint64_t)(r->end - r->p)) {
    r->bad = true;
    return NULL;
  }
  const unsigned char *s = r->p;
  r->p += n;
  return s;
}

struct dcol {
  unsigned char type;
  uint64_t count, used;
  struct rd data;
  const unsigned char **dict; /* CT_DICT: entry i at dict[i], its length first as a varint */
  uint64_t ndict;
  uint64_t last; /* CT_DELTA */
};

/* The next value of column c into out (at least 24 bytes); its length,
 * or -1 when the column is damaged or used up. */
static long col_next(struct dcol *c, const char **val, char *out)
{
  if (c->used >= c->count)
    return -1;
  c->used++;
  struct rd *r = &c->data;
  switch (c->type) {
  case CT_STR: {
    uint64_t l = rd_varint(r);
    const unsigned char *s = rd_bytes(r, l);
    if (!s)
      return -1;
    *val = (const char *)s;
    return (long)l;
  }
  case CT_DICT: {
    uint64_t i = rd_varint(r);
    if (r->bad || i >= c->ndict)
      return -1;
    struct rd d = {c->dict[i], c->data.end, false};
    uint64_t l = rd_varint(&d);
    const unsigned char *s = rd_bytes(&d, l);
    if (!s)
      return -1;
    *val = (const char *)s;
    return (long)l;
  }
  case CT_INT:
  case CT_DELTA: {
    uint64_t x = rd_varint(r);
    if (r->bad)
      return -1;
    if (c->type == CT_DELTA)
      x = c->last + (uint64_t)unzigzag(x);
    c->last = x;
    char tmp[24];
    int k = 0;
    do {
      tmp[k++] = (char)('0' + x % 10);
      x /= 10;
    } while (x);
    for (int i = 0; i < k; i++)
      out[i] = tmp[k - 1 - i];
    *val = out;
    return k;
  }
  case CT_IPV4: {
    const unsigned char *q = rd_bytes(r, 4);
    if (!q)
      return -1;
    int k = 0;
    for (int i = 0; i < 4; i++) {
      unsigned v = q[i];
      if (v >= 100)
        out[k++] = (char)('0' + v / 100);
      if (v >= 10)
        out[k++] = (char)('0' + v / 10 % 10);
      out[k++] = (char)('0' + v % 10);
      if (i < 3)
        out[k++] = '.';
    }
    *val = out;
    return k;
  }
  default:
    return -1;
  }
}

struct tline {
  uint64_t index, code;
  int64_t time;
  const unsigned char *s;
  size_t len;
};

/* The section of lines kept as text into a heap array (*out). 0 ok; -1
 * damaged; -2 when the bytes end inside it (a prefix of a payload). */
static int text_section(struct rd *r, uint32_t nlines, struct tline **out, uint64_t *count)
{
  *out = NULL;
  uint64_t nt = rd_varint(r);
  if (r->bad)
    return -2;
  if (nt > nlines)
    return -1;
  struct tline *tl = xmalloc((nt ? nt : 1) * sizeof *tl);
  uint64_t idx = 0;
  for (uint64_t i = 0; i < nt; i++) {
    uint64_t d = rd_varint(r), code = rd_varint(r), z = rd_varint(r), l = rd_varint(r);
    const unsigned char *s = rd_bytes(r, l);
    if (!s) {
      free(tl);
      return l > NETLOG_LINE_MAX || (r->p < r->end && !r->bad) ? -1 : -2;
    }
    idx += d;
    if ((i && !d) || idx >= nlines || code >= CODE_T0 || l > NETLOG_LINE_MAX) {
      free(tl);
      return -1;
    }
    tl[i] = (struct tline){idx, code, unzigzag(z), s, (size_t)l};
  }
  *out = tl;
  *count = nt;
  return 0;
}

int nlb_decode_text(const unsigned char *p, size_t n, uint32_t nlines, nlb_line_fn fn, void *u)
{
  struct rd r = {p, p + n, false};
  uint64_t got = rd_varint(&r);
  if (r.bad)
    return -2;
  if (got != nlines)
    return -1;
  struct tline *tl = NULL;
  uint64_t nt = 0;
  int rc = text_section(&r, nlines, &tl, &nt);
  for (uint64_t i = 0; rc == 0 && i < nt; i++)
    rc = fn(u, (const char *)tl[i].s, tl[i].len, tl[i].time, tl[i].code == CODE_EXPLICIT ? NLB_EXPLICIT : NLB_DERIVED);
  free(tl);
  return rc;
}

int nlb_decode(const unsigned char *p, size_t n, uint32_t nlines, nlb_line_fn fn, void *u)
{
  return nlb_decode_some(p, n, nlines, NULL, fn, u);
}

int nlb_decode_some(const unsigned char *p, size_t n, uint32_t nlines, nlb_want_fn want, nlb_line_fn fn, void *u)
{
  enum { ROW_VALS = NETLOG_LINE_MAX / 2 + 1 }; /* a template of a line holds at most this many holes */
  struct nlb_val *vals = xmalloc(ROW_VALS * sizeof *vals);
  char *num = xmalloc(ROW_VALS * 24);
  struct rd r = {p, p + n, false};
  int rc = -1;
  struct rd *tm = NULL;
  struct dcol *cols = NULL;
  uint64_t ncols = 0, ntm = 0;
  char *line = xmalloc(NETLOG_LINE_MAX + 32);
  struct tline *tl = NULL;
  uint64_t ntext = 0;
  if (rd_varint(&r) != nlines || r.bad)
    goto out;
  if (text_section(&r, nlines, &tl, &ntext))
    goto out;
  ntm = rd_varint(&r);
  if (r.bad || ntm > MAX_TEMPLATES)
    goto out;
  tm = xcalloc(ntm ? ntm : 1, sizeof *tm);
  for (uint64_t i = 0; i < ntm; i++) {
    uint64_t l = rd_varint(&r);
    const unsigned char *s = rd_bytes(&r, l);
    if (!s)
      goto out;
    tm[i] = (struct rd){s, s + l, false};
  }
  ncols = rd_varint(&r);
  if (r.bad || ncols > MAX_COLS)
    goto out;
  cols = xcalloc(ncols ? ncols : 1, sizeof *cols);
  for (uint64_t i = 0; i < ncols; i++) {
    struct dcol *c = &cols[i];
    const unsigned char *name = rd_bytes(&r, rd_varint(&r));
    const unsigned char *ty = rd_bytes(&r, 1);
    c->count = rd_varint(&r);
    uint64_t dl = rd_varint(&r);
    const unsigned char *d = rd_bytes(&r, dl);
    if (!name || !ty || !d || *ty >= CT_COUNT || c->count > nlines * (uint64_t)MAX_TOKENS)
      goto out;
    c->type = *ty;
    c->data = (struct rd){d, d + dl, false};
    if (c->type == CT_DICT) {
      c->ndict = rd_varint(&c->data);
      if (c->data.bad || c->ndict > dl)
        goto out;
      c->dict = xmalloc((c->ndict ? c->ndict : 1) * sizeof *c->dict);
      for (uint64_t k = 0; k < c->ndict; k++) {
        c->dict[k] = c->data.p;
        if (!rd_bytes(&c->data, rd_varint(&c->data)))
          goto out;
      }
    }
  }
  struct rd codes = r;
  for (uint32_t i = 0; i < nlines; i++)
    rd_varint(&r);
  struct rd times = r;
  for (uint32_t i = 0; i < nlines; i++)
    rd_varint(&r);
  if (r.bad)
    goto out;
  int64_t t = 0;
  uint64_t ti = 0;
  for (uint32_t i = 0; i < nlines; i++) {
    uint64_t code = rd_varint(&codes);
    t = (int64_t)((uint64_t)t + (uint64_t)unzigzag(rd_varint(&times)));
    if (code < CODE_T0) {
      if (ti >= ntext || tl[ti].index != i || tl[ti].code != code || tl[ti].time != t)
        goto out;
      const struct tline *x = &tl[ti++];
      int k = fn(u, (const char *)x->s, x->len, t, code == CODE_EXPLICIT ? NLB_EXPLICIT : NLB_DERIVED);
      if (k) {
        rc = k;
        goto out;
      }
      continue;
    }
    if (code - CODE_T0 >= ntm)
      goto out;
    struct rd tr = tm[code - CODE_T0];
    /* the row's values first: a reader that can tell from them that it
     * does not want the line is spared putting it together */
    size_t nv = 0;
    for (const unsigned char *q = tr.p; q < tr.end;) {
      const unsigned char *h = memchr(q, HOLE, (size_t)(tr.end - q));
      if (!h)
        break;
      struct rd hr = {h + 1, tr.end, false};
      uint64_t ci = rd_varint(&hr);
      if (hr.bad || ci >= ncols || nv >= ROW_VALS)
        goto out;
      long vl = col_next(&cols[ci], &vals[nv].p, num + nv * 24);
      if (vl < 0)
        goto out;
      vals[nv++].len = (size_t)vl;
      q = hr.p;
    }
    if (want && !want(u, vals, nv))
      continue;
    size_t len = 0, vi = 0;
    for (const unsigned char *q = tr.p; q < tr.end;) {
      const unsigned char *h = memchr(q, HOLE, (size_t)(tr.end - q));
      size_t lit = h ? (size_t)(h - q) : (size_t)(tr.end - q);
      if (len + lit > NETLOG_LINE_MAX)
        goto out;
      memcpy(line + len, q, lit);
      len += lit;
      if (!h)
        break;
      struct rd hr = {h + 1, tr.end, false};
      (void)rd_varint(&hr);
      q = hr.p;
      if (len + vals[vi].len > NETLOG_LINE_MAX)
        goto out;
      memcpy(line + len, vals[vi].p, vals[vi].len);
      len += vals[vi++].len;
    }
    int k = fn(u, line, len, t, NLB_DERIVED);
    if (k) {
      rc = k;
      goto out;
    }
  }
  rc = ti == ntext ? 0 : -1;
out:
  free(tl);
  for (uint64_t i = 0; cols && i < ncols; i++)
    free(cols[i].dict);
  free(cols);
  free(tm);
  free(line);
  free(vals);
  free(num);
  return rc;
}
