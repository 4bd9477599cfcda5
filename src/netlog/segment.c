/* segment.c - the append-only segment files of the archive: blocks of
 * lines behind a small header (time range, blooms of the addresses in
 * them), written with one write() per block and synced, so a crash can at
 * worst leave a torn last block, which readers and the sealer recognise.
 *
 * A block of version 2 keeps each line's raw text, field-encoded
 * (block.c) and zstd-compressed, and its time; readers get the record by
 * parsing the raw line again with its time as `now`, which gives what the
 * collector parsed. A record whose fields are not what its raw line
 * parses to is kept whole, as the tab-separated text of version 1. Blocks
 * are encoded, compressed and written by a worker thread while the next
 * one fills. Version 1 blocks (tab-separated records) still read. */
#define _GNU_SOURCE
#include "netlog.h"
#include "block.h"
#include "../core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* version 1: magic, clen, plen, lines, tmin, tmax, bloom; version 2 adds
 * the size of the point bloom and a check of the header and blooms */
enum {
  HDR1_SIZE = 4 + 4 + 4 + 4 + 8 + 8 + NETLOG_BLOOM_BYTES,
  HDR2_FIXED = 40,
  HDR2_SIZE = HDR2_FIXED + NETLOG_BLOOM_BYTES,
  PBLOOM_MAX = 1 << 20,
  PB_LINE = 64,      /* a point-bloom key sets all its bits in one 64-byte line */
  PB_BITS_PER_KEY = 24, /* about one false block in 10^4 */
  PB_K = 12,
  ZSTD_LEVEL = 3,
  NFIELDS = 18,
  /* the directory a closed segment ends with: "NLD2", count, entries,
   * check; then the footer "NLDE", the directory's offset, a check */
  DIR_ENTRY = 8 + 4 + 8 + 8 + 64, /* offset, lines, tmin, tmax, lease bloom */
  DIR_HEAD = 8,
  FOOTER = 16,
  LB_K = 6,
};

/* ---- names ---------------------------------------------------------------- */

int netlog_path(const char *dir, uint64_t seq, const char *ext, char *out, size_t n)
{
  int w = snprintf(out, n, "%s/%08llu.%s", dir, (unsigned long long)seq, ext);
  return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int netlog_list(const char *dir, uint64_t **seqs, size_t *n)
{
  *seqs = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d)
    return -1;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    char *end;
    if (e->d_name[0] < '0' || e->d_name[0] > '9')
      continue;
    unsigned long long v = strtoull(e->d_name, &end, 10);
    if (end - e->d_name != 8 || (strcmp(end, ".seg") && strcmp(end, ".manifest.json")))
      continue;
    bool dup = false;
    for (size_t i = 0; i < *n && !dup; i++)
      dup = (*seqs)[i] == v;
    if (dup)
      continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      *seqs = xrealloc(*seqs, cap * sizeof **seqs);
    }
    (*seqs)[(*n)++] = v;
  }
  closedir(d);
  if (*n)
    qsort(*seqs, *n, sizeof **seqs, cmp_u64);
  return 0;
}

/* ---- the blooms ------------------------------------------------------------
 * The general bloom (256 bytes) holds every address and MAC of a block:
 * in a busy firewall's block it is nearly full, and a generic filter then
 * reads every block. The point bloom holds only what "who had this address
 * then" asks about: leases by address and MAC ("L"), NAT sessions by
 * public address ("T") and by public address and port ("N"), sized to the
 * block's keys, with all bits of a key in one 64-byte line so a reader
 * probes it with one small read. */

static uint64_t key_hash(const char *p, size_t n)
{
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

static void bloom_bits(const char *key, unsigned bits[3])
{
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  uint64_t h2 = (h >> 32) | 1;
  for (int i = 0; i < 3; i++)
    bits[i] = (unsigned)((h + (uint64_t)i * h2) % (NETLOG_BLOOM_BYTES * 8));
}

static void bloom_add(uint8_t *bloom, const char *key)
{
  unsigned b[3];
  if (!key[0])
    return;
  bloom_bits(key, b);
  for (int i = 0; i < 3; i++)
    bloom[b[i] / 8] |= (uint8_t)(1u << (b[i] % 8));
}

static bool bloom_has(const uint8_t *bloom, const char *key)
{
  unsigned b[3];
  bloom_bits(key, b);
  for (int i = 0; i < 3; i++)
    if (!(bloom[b[i] / 8] & (1u << (b[i] % 8))))
      return false;
  return true;
}

/* The line of hash h (from its high half) and the bit positions inside
 * it (from a second mix of h, so that they do not follow the line). */
static void pb_bits(uint64_t h, unsigned bits[PB_K])
{
  uint64_t g = h * 0xc4ceb9fe1a85ec53ull;
  g ^= g >> 29;
  uint32_t a = (uint32_t)g, b = (uint32_t)(g >> 32) | 1;
  for (int i = 0; i < PB_K; i++)
    bits[i] = (a + (uint32_t)i * b) % (PB_LINE * 8);
}

static size_t pb_line_of(uint64_t h, size_t nlines)
{
  return (size_t)(((h >> 32) * (uint64_t)nlines) >> 32);
}

static uint64_t point_key(char kind, const char *ip, int port)
{
  char k[NETLOG_IP_MAX + 16];
  size_t n = strlen(ip);
  if (n > NETLOG_IP_MAX)
    n = NETLOG_IP_MAX;
  k[0] = kind;
  memcpy(k + 1, ip, n);
  n++;
  if (port >= 0) {
    char d[8];
    int nd = 0;
    unsigned v = (unsigned)port;
    do {
      d[nd++] = (char)('0' + v % 10);
      v /= 10;
    } while (v);
    k[n++] = ':';
    while (nd)
      k[n++] = d[--nd];
  }
  return key_hash(k, n);
}

/* the 64-byte bloom of a block's "L" keys in the segment's directory */
static void lb_add(uint8_t lb[64], uint64_t h)
{
  uint64_t g = h * 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < LB_K; i++, g = (g >> 9) | (g << 55))
    lb[(g & 511) / 8] |= (uint8_t)(1u << (g & 7));
}

static bool lb_has(const uint8_t lb[64], uint64_t h)
{
  uint64_t g = h * 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < LB_K; i++, g = (g >> 9) | (g << 55))
    if (!(lb[(g & 511) / 8] & (1u << (g & 7))))
      return false;
  return true;
}

/* ---- writing ---------------------------------------------------------------- */

/* a block being filled or written */
struct pend {
  struct nlb_vec text;
  struct nlb_line *lines;
  size_t n, cap;
  int64_t tmin, tmax;
  uint8_t bloom[NETLOG_BLOOM_BYTES];
  uint64_t *keys;
  size_t nkeys, kcap;
  uint64_t tseen[8]; /* "T" keys added lately */
  uint64_t ticket;   /* its place in the file */
  uint8_t lbloom[64]; /* the "L" keys alone, for the segment's directory */
  bool sync;          /* handed on by a flush: synced when written */
};

/* an encoder thread with its own tables and buffers */
struct worker {
  pthread_t th;
  struct netlog_seg *s;
  struct nlb_enc *enc;
  ZSTD_CCtx *zc;
  struct nlb_vec plain, out;
};

/* Blocks are encoded by WORKERS threads side by side and written in the
 * order they were filled (a ticket each); at most WORKERS wait or are
 * being encoded, so memory stays bounded and a writer that is too slow
 * holds up the appends (TCP senders then wait; nothing is dropped). */
enum { WORKERS = 2, PENDS = WORKERS + 1 };

struct netlog_seg {
  int fd;
  uint64_t seq;
  int64_t opened;
  _Atomic int64_t lines, failed;
  struct pend *cur;            /* filling */
  struct pend *free[PENDS];    /* empty */
  int nfree;
  struct pend *queue[PENDS];   /* filled, waiting for a worker, in ticket order */
  int qlen;
  uint64_t next_ticket, next_write;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool quit;
  int err; /* a block could not be written since the last check */
  struct worker w[WORKERS];
  struct pend *all[PENDS];
  struct nlb_vec dir; /* an entry per block written (the ticket holder appends) */
  bool dir_bad;       /* a block write failed: the offsets are unknown */
  uint64_t written;   /* bytes in the file */
};

uint64_t netlog_seg_seq(const struct netlog_seg *s) { return s->seq; }
int64_t netlog_seg_opened(const struct netlog_seg *s) { return s->opened; }
int64_t netlog_seg_lines(const struct netlog_seg *s) { return atomic_load(&s->lines); }
int64_t netlog_seg_failed(const struct netlog_seg *s) { return atomic_load(&s->failed); }
int64_t netlog_seg_pending(const struct netlog_seg *s) { return (int64_t)s->cur->n; }

static void put_u32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static void put_i64(unsigned char *p, int64_t v)
{
  for (int i = 0; i < 8; i++)
    p[i] = (unsigned char)((uint64_t)v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

static int64_t get_i64(const unsigned char *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return (int64_t)v;
}

static uint32_t fnv32(uint32_t h, const unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 16777619u;
  return h;
}

static int write_all(int fd, const void *p, size_t n)
{
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Encodes and compresses block p into w->out (the worker's part). */
static int encode_block(struct worker *w, const struct pend *p)
{
  nlb_encode(w->enc, (const char *)p->text.p, p->lines, p->n, &w->plain);
  /* the point bloom from the block's distinct keys */
  size_t nk = p->nkeys; /* nearly all distinct: repeated "T" keys are left out when added */
  const uint64_t *keys = p->keys;
  size_t pbl = nk ? (nk * PB_BITS_PER_KEY + PB_LINE * 8 - 1) / (PB_LINE * 8) : 0;
  if (pbl * PB_LINE > PBLOOM_MAX)
    pbl = PBLOOM_MAX / PB_LINE;
  size_t pbytes = pbl * PB_LINE;
  size_t bound = ZSTD_compressBound(w->plain.len);
  w->out.len = 0;
  struct nlb_vec *o = &w->out;
  if (o->cap < HDR2_SIZE + pbytes + bound) {
    free(o->p);
    o->cap = HDR2_SIZE + pbytes + bound;
    o->p = xmalloc(o->cap);
  }
  unsigned char *h = o->p;
  memset(h, 0, HDR2_SIZE + pbytes);
  unsigned char *pb = h + HDR2_SIZE;
  for (size_t i = 0; i < nk; i++) {
    unsigned bits[PB_K];
    pb_bits(keys[i], bits);
    unsigned char *line = pb + pb_line_of(keys[i], pbl) * PB_LINE;
    for (int k = 0; k < PB_K; k++)
      line[bits[k] / 8] |= (unsigned char)(1u << (bits[k] % 8));
  }
  size_t clen = ZSTD_compress2(w->zc, h + HDR2_SIZE + pbytes, bound, w->plain.p, w->plain.len);
  if (ZSTD_isError(clen)) {
    log_error("netlog: compression failed", "err=%s", ZSTD_getErrorName(clen));
    return -1;
  }
  memcpy(h, "NLB2", 4);
  put_u32(h + 4, (uint32_t)clen);
  put_u32(h + 8, (uint32_t)w->plain.len);
  put_u32(h + 12, (uint32_t)p->n);
  put_i64(h + 16, p->tmin);
  put_i64(h + 24, p->tmax);
  put_u32(h + 32, (uint32_t)pbytes);
  memcpy(h + HDR2_FIXED, p->bloom, NETLOG_BLOOM_BYTES);
  uint32_t chk = fnv32(2166136261u, h, 36);
  put_u32(h + 36, fnv32(chk, h + HDR2_FIXED, NETLOG_BLOOM_BYTES + pbytes));
  o->len = HDR2_SIZE + pbytes + clen;
  return 0;
}

static void pend_reset(struct pend *p)
{
  p->text.len = 0;
  p->n = 0;
  p->nkeys = 0;
  memset(p->tseen, 0, sizeof p->tseen);
  memset(p->lbloom, 0, sizeof p->lbloom);
  memset(p->bloom, 0, sizeof p->bloom);
}

static void *worker_main(void *arg)
{
  struct worker *w = arg;
  struct netlog_seg *s = w->s;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    while (!s->qlen && !s->quit)
      pthread_cond_wait(&s->cv, &s->mu);
    if (!s->qlen)
      break;
    struct pend *p = s->queue[0];
    memmove(s->queue, s->queue + 1, (size_t)--s->qlen * sizeof *s->queue);
    pthread_mutex_unlock(&s->mu);
    int rc = encode_block(w, p);
    pthread_mutex_lock(&s->mu);
    while (s->next_write != p->ticket)
      pthread_cond_wait(&s->cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    /* only the holder of the next ticket writes */
    /* a full block is synced by the next flush (the collector's every
     * flush_ms) or the close: a sync per block would hold up the writers */
    if (rc == 0 && (write_all(s->fd, w->out.p, w->out.len) || (p->sync && fdatasync(s->fd)))) {
      log_error("netlog: cannot write segment", "seq=%llu errno=%d", (unsigned long long)s->seq, errno);
      rc = -1;
    }
    if (rc == 0) {
      unsigned char e[DIR_ENTRY];
      put_i64(e, (int64_t)s->written);
      put_u32(e + 8, (uint32_t)p->n);
      put_i64(e + 12, p->tmin);
      put_i64(e + 20, p->tmax);
      memcpy(e + 28, p->lbloom, 64);
      nlb_vec_put(&s->dir, e, sizeof e);
      s->written += w->out.len;
    }
    if (rc)
      atomic_fetch_add(&s->failed, (int64_t)p->n);
    else
      atomic_fetch_add(&s->lines, (int64_t)p->n);
    pend_reset(p);
    pthread_mutex_lock(&s->mu);
    if (rc) {
      s->err = -1;
      s->dir_bad = true;
    }
    s->next_write++;
    s->free[s->nfree++] = p;
    pthread_cond_broadcast(&s->cv);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* Hands the filling block to the workers (waiting for a free buffer);
 * with wait, also until every block handed on is written. The error of
 * any block written since the last call. */
static int submit(struct netlog_seg *s, bool wait)
{
  pthread_mutex_lock(&s->mu);
  bool had = s->cur->n > 0; /* its worker syncs */
  if (s->cur->n) {
    while (!s->nfree)
      pthread_cond_wait(&s->cv, &s->mu);
    s->cur->ticket = s->next_ticket++;
    s->cur->sync = wait;
    s->queue[s->qlen++] = s->cur;
    s->cur = s->free[--s->nfree];
    pthread_cond_broadcast(&s->cv);
  }
  if (wait) {
    while (s->next_write != s->next_ticket)
      pthread_cond_wait(&s->cv, &s->mu);
    if (!had && fdatasync(s->fd)) /* what full blocks wrote before */
      s->err = -1;
  }
  int rc = s->err;
  s->err = 0;
  pthread_mutex_unlock(&s->mu);
  return rc;
}

int netlog_seg_create(const char *dir, int64_t now, struct netlog_seg **out)
{
  *out = NULL;
  uint64_t *seqs = NULL;
  size_t n = 0;
  if (netlog_list(dir, &seqs, &n))
    return -1;
  uint64_t seq = n ? seqs[n - 1] + 1 : 1;
  free(seqs);
  char path[NETLOG_PATH_MAX];
  if (netlog_path(dir, seq, "seg", path, sizeof path))
    return -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    log_error("netlog: cannot create segment", "path=%s errno=%d", path, errno);
    return -1;
  }
  struct netlog_seg *s = xcalloc(1, sizeof *s);
  s->fd = fd;
  s->seq = seq;
  s->opened = now;
  for (int i = 0; i < PENDS; i++)
    s->all[i] = xcalloc(1, sizeof *s->all[i]);
  s->cur = s->all[0];
  for (int i = 1; i < PENDS; i++)
    s->free[s->nfree++] = s->all[i];
  pthread_mutex_init(&s->mu, NULL);
  pthread_cond_init(&s->cv, NULL);
  /* signals stay with the thread that created the segment */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  for (int i = 0; i < WORKERS; i++) {
    struct worker *w = &s->w[i];
    w->s = s;
    w->enc = nlb_enc_new();
    w->zc = ZSTD_createCCtx();
    if (!w->zc)
      abort();
    ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
    ZSTD_CCtx_setParameter(w->zc, ZSTD_c_checksumFlag, 1);
    int perr = pthread_create(&w->th, NULL, worker_main, w);
    if (perr) {
      log_error("netlog: cannot start the segment writer", "errno=%d", perr);
      abort();
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  *out = s;
  return 0;
}

int netlog_seg_flush(struct netlog_seg *s)
{
  return submit(s, true);
}

static void put_escaped(struct nlb_vec *b, const char *s, size_t n)
{
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    const char *esc = NULL;
    switch (s[i]) {
    case '\\': esc = "\\\\"; break;
    case '\t': esc = "\\t"; break;
    case '\n': esc = "\\n"; break;
    case '\r': esc = "\\r"; break;
    case '\0': esc = "\\0"; break;
    default: continue;
    }
    nlb_vec_put(b, s + run, i - run);
    nlb_vec_put(b, esc, 2);
    run = i + 1;
  }
  nlb_vec_put(b, s + run, n - run);
}

/* the fields a reader gets back by parsing raw again */
static bool same_fields(const struct netlog_rec *a, const struct netlog_rec *b)
{
  return a->time == b->time && a->lease_end == b->lease_end && a->kind == b->kind && a->parser == b->parser &&
         a->in_port == b->in_port && a->tr_port == b->tr_port && a->dst_port == b->dst_port && a->bytes == b->bytes &&
         a->raw_len == b->raw_len && str_eq(a->host, b->host) && str_eq(a->tag, b->tag) &&
         str_eq(a->in_ip, b->in_ip) && str_eq(a->tr_ip, b->tr_ip) && str_eq(a->dst_ip, b->dst_ip) &&
         str_eq(a->proto, b->proto) && str_eq(a->mac, b->mac) && str_eq(a->user, b->user) &&
         str_eq(a->client, b->client);
}

static void add_key(struct pend *p, uint64_t k)
{
  if (p->nkeys == p->kcap) {
    p->kcap = p->kcap ? p->kcap * 2 : 1024;
    p->keys = xrealloc(p->keys, p->kcap * sizeof *p->keys);
  }
  p->keys[p->nkeys++] = k;
}

static int append(struct netlog_seg *s, const struct netlog_rec *r, bool derived)
{
  struct pend *p = s->cur;
  if (!p->n || r->time < p->tmin)
    p->tmin = r->time;
  if (!p->n || r->time > p->tmax)
    p->tmax = r->time;
  size_t rl = r->raw_len > NETLOG_LINE_MAX ? NETLOG_LINE_MAX : r->raw_len;
  size_t off = p->text.len;
  if (derived) {
    nlb_vec_put(&p->text, r->raw, rl);
  } else {
    char head[1024];
    int hl = snprintf(head, sizeof head, "%lld\t%s\t%s\t%s\t%s\t%s\t%u\t%s\t%u\t%s\t%u\t%s\t%s\t%s\t%s\t%lld\t%lld\t",
                      (long long)r->time, netlog_kind_name(r->kind), netlog_parser_name(r->parser), r->host, r->tag,
                      r->in_ip, (unsigned)r->in_port, r->tr_ip, (unsigned)r->tr_port, r->dst_ip,
                      (unsigned)r->dst_port, r->proto, r->mac, r->user, r->client, (long long)r->bytes,
                      (long long)r->lease_end);
    nlb_vec_put(&p->text, head, (size_t)hl < sizeof head ? (size_t)hl : sizeof head - 1);
    put_escaped(&p->text, r->raw, rl);
  }
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 1024;
    p->lines = xrealloc(p->lines, p->cap * sizeof *p->lines);
  }
  bool lease = r->kind == NL_DHCP_ACK || r->kind == NL_DHCP_RELEASE;
  p->lines[p->n++] = (struct nlb_line){(uint32_t)off, (uint32_t)(p->text.len - off), r->time,
                                       derived ? NLB_DERIVED : NLB_EXPLICIT, lease};
  bloom_add(p->bloom, r->in_ip);
  bloom_add(p->bloom, r->tr_ip);
  bloom_add(p->bloom, r->mac);
  if ((r->kind == NL_DHCP_ACK || r->kind == NL_DHCP_RELEASE) && r->in_ip[0]) {
    uint64_t k = point_key('L', r->in_ip, -1);
    add_key(p, k);
    lb_add(p->lbloom, k);
    if (r->mac[0]) {
      k = point_key('L', r->mac, -1);
      add_key(p, k);
      lb_add(p->lbloom, k);
    }
  } else if (r->kind == NL_SESSION && r->tr_ip[0]) {
    uint64_t t = point_key('T', r->tr_ip, -1);
    int slot = (int)(t & 7);
    if (p->tseen[slot] != t)
      add_key(p, t);
    p->tseen[slot] = t;
    add_key(p, point_key('N', r->tr_ip, r->tr_port));
  }
  if (p->text.len >= NETLOG_BLOCK_BYTES || p->n >= NETLOG_BLOCK_LINES)
    return submit(s, false);
  return 0;
}

int netlog_seg_append_parsed(struct netlog_seg *s, const struct netlog_rec *r)
{
  return append(s, r, true);
}

int netlog_seg_append(struct netlog_seg *s, const struct netlog_rec *r)
{
  struct netlog_rec again;
  size_t rl = r->raw_len > NETLOG_LINE_MAX ? NETLOG_LINE_MAX : r->raw_len;
  netlog_parse_line(r->raw, rl, r->time, &again);
  again.time = r->time;
  return append(s, r, same_fields(r, &again) && rl == r->raw_len);
}

/* The directory of the blocks written, and the footer that finds it: a
 * reader of a closed segment skips whole blocks by time and by the
 * leases in them without touching them. A segment a crash left open has
 * none and is read block by block. */
static int write_directory(struct netlog_seg *s)
{
  size_t n = s->dir.len / DIR_ENTRY;
  if (!n || s->dir_bad)
    return 0;
  struct nlb_vec d = {0};
  unsigned char h[DIR_HEAD];
  memcpy(h, "NLD2", 4);
  put_u32(h + 4, (uint32_t)n);
  nlb_vec_put(&d, h, sizeof h);
  nlb_vec_put(&d, s->dir.p, s->dir.len);
  unsigned char c[4];
  put_u32(c, fnv32(2166136261u, d.p, d.len));
  nlb_vec_put(&d, c, 4);
  unsigned char f[FOOTER];
  memcpy(f, "NLDE", 4);
  put_i64(f + 4, (int64_t)s->written);
  put_u32(f + 12, fnv32(2166136261u, f, 12));
  nlb_vec_put(&d, f, sizeof f);
  int rc = write_all(s->fd, d.p, d.len) || fdatasync(s->fd) ? -1 : 0;
  nlb_vec_free(&d);
  return rc;
}

int netlog_seg_close(struct netlog_seg *s)
{
  if (!s)
    return 0;
  int rc = submit(s, true);
  pthread_mutex_lock(&s->mu);
  s->quit = true;
  pthread_cond_broadcast(&s->cv);
  pthread_mutex_unlock(&s->mu);
  for (int i = 0; i < WORKERS; i++) {
    struct worker *w = &s->w[i];
    pthread_join(w->th, NULL);
    nlb_enc_free(w->enc);
    ZSTD_freeCCtx(w->zc);
    nlb_vec_free(&w->plain);
    nlb_vec_free(&w->out);
  }
  if (rc == 0 && write_directory(s))
    rc = -1;
  nlb_vec_free(&s->dir);
  if (fsync(s->fd))
    rc = -1;
  if (close(s->fd))
    rc = -1;
  for (int i = 0; i < PENDS; i++) {
    nlb_vec_free(&s->all[i]->text);
    free(s->all[i]->lines);
    free(s->all[i]->keys);
    free(s->all[i]);
  }
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s);
  return rc;
}

/* ---- reading -------------------------------------------------------------- */

static enum netlog_kind kind_from(const char *s)
{
  for (int k = 0; k < NL_KIND_COUNT; k++)
    if (!strcmp(netlog_kind_name((enum netlog_kind)k), s))
      return (enum netlog_kind)k;
  return NL_UNKNOWN;
}

static enum netlog_source parser_from(const char *s)
{
  for (int k = NLS_NONE; k < NLS_COUNT; k++)
    if (!strcmp(netlog_parser_name((enum netlog_source)k), s))
      return (enum netlog_source)k;
  return NLS_NONE;
}

static void set_text(char *dst, size_t cap, const char *s)
{
  size_t n = strlen(s);
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

/* One stored line (NUL-terminated, modified in place) back into r; the
 * raw line is unescaped into raw (NETLOG_LINE_MAX + 1 bytes). */
static int decode_line(char *line, struct netlog_rec *r, char *raw)
{
  char *f[NFIELDS];
  int k = 0;
  f[k++] = line;
  for (char *p = line; *p && k < NFIELDS; p++)
    if (*p == '\t') {
      *p = '\0';
      f[k++] = p + 1;
    }
  if (k != NFIELDS)
    return -1;
  memset(r, 0, sizeof *r);
  r->pri = -1;
  r->time = strtoll(f[0], NULL, 10);
  r->kind = kind_from(f[1]);
  r->parser = parser_from(f[2]);
  set_text(r->host, sizeof r->host, f[3]);
  set_text(r->tag, sizeof r->tag, f[4]);
  set_text(r->in_ip, sizeof r->in_ip, f[5]);
  r->in_port = (uint16_t)strtoul(f[6], NULL, 10);
  set_text(r->tr_ip, sizeof r->tr_ip, f[7]);
  r->tr_port = (uint16_t)strtoul(f[8], NULL, 10);
  set_text(r->dst_ip, sizeof r->dst_ip, f[9]);
  r->dst_port = (uint16_t)strtoul(f[10], NULL, 10);
  set_text(r->proto, sizeof r->proto, f[11]);
  set_text(r->mac, sizeof r->mac, f[12]);
  set_text(r->user, sizeof r->user, f[13]);
  set_text(r->client, sizeof r->client, f[14]);
  /* a damaged or forged file may hold anything: nothing the parsers
   * could not have produced is handed on */
  if (r->mac[0] && strlen(r->mac) != 17)
    r->mac[0] = '\0';
  if (((r->kind == NL_DHCP_ACK || r->kind == NL_DHCP_RELEASE) && (!r->in_ip[0] || !r->mac[0])) ||
      (r->kind == NL_SESSION && (!r->in_ip[0] || !r->dst_ip[0])))
    r->kind = NL_UNKNOWN;
  r->bytes = strtoll(f[15], NULL, 10);
  r->lease_end = strtoll(f[16], NULL, 10);
  size_t n = 0;
  for (const char *p = f[17]; *p && n < NETLOG_LINE_MAX; p++) {
    char c = *p;
    if (c == '\\' && p[1]) {
      p++;
      c = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == '0' ? '\0' : *p;
    }
    raw[n++] = c;
  }
  raw[n] = '\0';
  r->raw = raw;
  r->raw_len = n;
  return 0;
}

static bool point_probe(const unsigned char *pb, size_t pbytes, uint64_t key)
{
  size_t nl = pbytes / PB_LINE;
  if (!nl)
    return false;
  const unsigned char *line = pb + pb_line_of(key, nl) * PB_LINE;
  unsigned bits[PB_K];
  pb_bits(key, bits);
  for (int k = 0; k < PB_K; k++)
    if (!(line[bits[k] / 8] & (1u << (bits[k] % 8))))
      return false;
  return true;
}

struct v2ctx;
static int on_v2_line(void *u, const char *line, size_t len, int64_t time, int mode);

enum { MATCH_NONE = 0, MATCH_TEXT = 1, MATCH_ALL = 2 };

/* Whether a block can hold what f asks for, from its header (and, for a
 * point filter, one small read of its point bloom per key): MATCH_TEXT
 * when only its leases can, which a version 2 block keeps as text at the
 * start of its payload. */
static int block_matches(const struct netlog_filter *f, int64_t tmin, int64_t tmax, const uint8_t *bloom,
                         const unsigned char *pb, size_t pbytes, int ver)
{
  if (!f)
    return MATCH_ALL;
  if ((f->from && tmax < f->from) || (f->to && tmin > f->to))
    return MATCH_NONE;
  if (!f->nkeys)
    return MATCH_ALL;
  int m = MATCH_NONE;
  /* NAT sessions are looked for only near the moment asked about */
  bool nat = f->port >= 0 && !(f->nat_from && tmax < f->nat_from) && !(f->nat_to && tmin > f->nat_to);
  for (int i = 0; i < f->nkeys && i < NETLOG_FILTER_KEYS && m != MATCH_ALL; i++) {
    const char *k = f->keys[i];
    if (!k || !k[0])
      continue;
    if (f->point && ver == 2) {
      if (!pbytes)
        continue; /* no point keys in the block */
      if ((nat && f->port == 0 && point_probe(pb, pbytes, point_key('T', k, -1))) ||
          (nat && f->port > 0 && point_probe(pb, pbytes, point_key('N', k, f->port))))
        m = MATCH_ALL;
      else if (point_probe(pb, pbytes, point_key('L', k, -1)))
        m = MATCH_TEXT;
    } else if (bloom_has(bloom, k)) {
      m = MATCH_ALL;
    }
  }
  return m;
}

/* The lines kept as text at the start of a version 2 block's frame
 * comp[0..clen), decompressing only as far as they go. */
static int scan_text(const unsigned char *comp, uint32_t clen, uint32_t plen, uint32_t nl, struct v2ctx *c)
{
  enum { STEP = 32 * 1024 };
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  unsigned char *out = xmalloc(plen ? plen : 1);
  ZSTD_outBuffer ob = {out, plen, 0};
  uint32_t done = 0;
  int rc = -1;
  if (!dc)
    goto fin;
  while (done < clen) {
    size_t want = clen - done < STEP ? clen - done : STEP;
    ZSTD_inBuffer ib = {comp + done, want, 0};
    done += (uint32_t)want;
    while (ib.pos < ib.size) {
      size_t z = ZSTD_decompressStream(dc, &ob, &ib);
      if (ZSTD_isError(z) || (ob.pos == ob.size && ib.pos < ib.size))
        goto fin;
    }
    rc = nlb_decode_text(out, ob.pos, nl, on_v2_line, c);
    if (rc != -2)
      goto fin;
  }
  rc = -1;
fin:
  ZSTD_freeDCtx(dc);
  free(out);
  return rc;
}

static bool has_key(const struct netlog_filter *f, const char *s, size_t n)
{
  for (int i = 0; i < f->nkeys && i < NETLOG_FILTER_KEYS; i++)
    if (f->keys[i] && f->keys[i][0] && memmem(s, n, f->keys[i], strlen(f->keys[i])))
      return true;
  return false;
}

/* the port's digits in s[0..n), not inside a longer number (leading zeros allowed) */
static bool has_port(int port, const char *s, size_t n)
{
  char d[8];
  int nd = snprintf(d, sizeof d, "%d", port);
  const char *end = s + n;
  for (const char *p = s; p < end && (p = memmem(p, (size_t)(end - p), d, (size_t)nd)); p++) {
    const char *b = p;
    while (b > s && b[-1] == '0')
      b--;
    bool left = b == s || b[-1] < '0' || b[-1] > '9';
    bool right = p + nd == end || p[nd] < '0' || p[nd] > '9';
    if (left && right)
      return true;
  }
  return false;
}

/* For a point filter: whether a raw line can hold one of its addresses
 * (and the port) at all, before it is parsed. The parsers copy addresses
 * from the line as they are, so a line without the text cannot match. */
static bool line_may_match(const struct netlog_filter *f, const char *s, size_t n)
{
  return has_key(f, s, n) && (f->port <= 0 || has_port(f->port, s, n));
}

/* The same from a field-encoded line's values: an address or a port the
 * parsers take lies inside one value (its ends are spaces, '=' or
 * quotes), so a line none of whose values hold them cannot match. */
static bool values_may_match(void *u, const struct nlb_val *v, size_t n)
{
  const struct netlog_filter *f = *(const struct netlog_filter *const *)u; /* struct v2ctx starts with it */
  size_t shortest = SIZE_MAX;
  for (int i = 0; i < f->nkeys && i < NETLOG_FILTER_KEYS; i++)
    if (f->keys[i] && f->keys[i][0] && strlen(f->keys[i]) < shortest)
      shortest = strlen(f->keys[i]);
  bool key = false;
  for (size_t i = 0; i < n && !key; i++)
    key = v[i].len >= shortest && has_key(f, v[i].p, v[i].len);
  if (!key || f->port <= 0)
    return key;
  for (size_t i = 0; i < n; i++)
    if (has_port(f->port, v[i].p, v[i].len))
      return true;
  return false;
}

struct v2ctx {
  const struct netlog_filter *f;
  netlog_row_fn fn;
  void *u;
  char *raw;
  uint32_t seen;
};

static int on_v2_line(void *u, const char *line, size_t len, int64_t time, int mode)
{
  struct v2ctx *c = u;
  c->seen++;
  const struct netlog_filter *f = c->f;
  if (f && ((f->from && time < f->from) || (f->to && time > f->to)))
    return 0;
  struct netlog_rec r;
  if (mode == NLB_EXPLICIT) {
    if (len > 2 * NETLOG_LINE_MAX + 1024)
      return -1;
    char *t = xmalloc(len + 1);
    memcpy(t, line, len);
    t[len] = '\0';
    int bad = decode_line(t, &r, c->raw);
    free(t);
    if (bad)
      return 0;
    if (f && f->point && !line_may_match(f, r.raw, r.raw_len))
      return 0;
    return c->fn(&r, c->u);
  }
  if (f && f->point && !line_may_match(f, line, len))
    return 0;
  netlog_parse_line(line, len, time, &r);
  r.time = time;
  return c->fn(&r, c->u);
}

/* a block's header where it lies in a mapped segment */
struct blk {
  int ver;
  uint32_t clen, plen, nl;
  int64_t tmin, tmax;
  size_t pbytes, end;
  const unsigned char *hdr, *bloom, *pb, *comp;
};

/* The block at pos: 0, 1 when the file ends inside it (torn), -1 when it
 * is not a block. */
static int blk_at(const unsigned char *map, size_t size, size_t pos, struct blk *b)
{
  const unsigned char *hdr = map + pos;
  size_t got = size - pos;
  int ver = got >= 4 && !memcmp(hdr, "NLB", 3) ? hdr[3] - '0' : 0;
  size_t hsize = ver == 2 ? HDR2_SIZE : HDR1_SIZE;
  if (got < hsize)
    return 1;
  if (ver != 1 && ver != 2)
    return -1;
  *b = (struct blk){.ver = ver, .hdr = hdr};
  b->clen = get_u32(hdr + 4);
  b->plen = get_u32(hdr + 8);
  b->nl = get_u32(hdr + 12);
  b->tmin = get_i64(hdr + 16);
  b->tmax = get_i64(hdr + 24);
  b->pbytes = ver == 2 ? get_u32(hdr + 32) : 0;
  b->bloom = ver == 2 ? hdr + HDR2_FIXED : hdr + 32;
  if (b->clen > NETLOG_BLOCK_MAX || b->plen > NETLOG_BLOCK_MAX || b->pbytes > PBLOOM_MAX || b->pbytes % PB_LINE ||
      b->nl > 4 * NETLOG_BLOCK_LINES)
    return -1;
  size_t data = pos + hsize + b->pbytes;
  if (data > size || b->clen > size - data)
    return 1;
  b->pb = hdr + HDR2_SIZE;
  b->comp = map + data;
  b->end = data + b->clen;
  return 0;
}

/* The directory at the end of a closed segment: its entries and count, or
 * NULL when there is none (or it does not hold together). */
static const unsigned char *directory(const unsigned char *map, size_t size, size_t *n, size_t *dir_off)
{
  if (size < FOOTER + DIR_HEAD + 4)
    return NULL;
  const unsigned char *f = map + size - FOOTER;
  if (memcmp(f, "NLDE", 4) || get_u32(f + 12) != fnv32(2166136261u, f, 12))
    return NULL;
  uint64_t off = (uint64_t)get_i64(f + 4);
  if (off > size - FOOTER - DIR_HEAD - 4)
    return NULL;
  const unsigned char *d = map + off;
  size_t cnt = get_u32(d + 4);
  if (memcmp(d, "NLD2", 4) || cnt > (size - FOOTER - off - DIR_HEAD - 4) / DIR_ENTRY ||
      off + DIR_HEAD + cnt * DIR_ENTRY + 4 + FOOTER != size ||
      get_u32(d + DIR_HEAD + cnt * DIR_ENTRY) != fnv32(2166136261u, d, DIR_HEAD + cnt * DIR_ENTRY))
    return NULL;
  *n = cnt;
  *dir_off = (size_t)off;
  return d + DIR_HEAD;
}

struct reader {
  const struct netlog_filter *f;
  netlog_row_fn fn;
  void *u;
  char *raw, *plain;
  size_t plain_cap;
};

/* Hands on the rows of block b that filter may want (m: MATCH_TEXT or
 * MATCH_ALL). */
static int blk_read(struct reader *rd, const struct blk *b, int m)
{
  const struct netlog_filter *f = rd->f;
  if (b->ver == 2) {
    uint32_t chk = fnv32(fnv32(fnv32(2166136261u, b->hdr, 36), b->bloom, NETLOG_BLOOM_BYTES), b->pb, b->pbytes);
    if (chk != get_u32(b->hdr + 36))
      return -1;
  }
  struct v2ctx c = {f, rd->fn, rd->u, rd->raw, 0};
  if (m == MATCH_TEXT && b->ver == 2)
    return scan_text(b->comp, b->clen, b->plen, b->nl, &c);
  if ((size_t)b->plen + 1 > rd->plain_cap) {
    rd->plain_cap = (size_t)b->plen + 1;
    rd->plain = xrealloc(rd->plain, rd->plain_cap);
  }
  char *plain = rd->plain;
  size_t dn = ZSTD_decompress(plain, b->plen, b->comp, b->clen);
  if (ZSTD_isError(dn) || dn != b->plen)
    return -1;
  if (b->ver == 2)
    return nlb_decode_some((const unsigned char *)plain, b->plen, b->nl, f && f->point ? values_may_match : NULL,
                           on_v2_line, &c);
  plain[b->plen] = '\0';
  char *line = plain;
  uint32_t seen = 0;
  int rc = 0;
  while (line < plain + b->plen && !rc) {
    char *nlc = memchr(line, '\n', (size_t)(plain + b->plen - line));
    if (!nlc)
      break;
    *nlc = '\0';
    /* A block holds exactly the records its header counts: more is a
     * damaged or forged block, and nothing of it is handed on beyond. */
    if (++seen > b->nl)
      return -1;
    struct netlog_rec r;
    if (decode_line(line, &r, rd->raw) == 0 && (!f || ((!f->from || r.time >= f->from) && (!f->to || r.time <= f->to))))
      rc = rd->fn(&r, rd->u);
    line = nlc + 1;
  }
  return rc;
}

static void count_block(struct netlog_seg_stats *st, int64_t tmin, int64_t tmax, uint32_t nl)
{
  if (!st->blocks || tmin < st->tmin)
    st->tmin = tmin;
  if (!st->blocks || tmax > st->tmax)
    st->tmax = tmax;
  st->blocks++;
  st->lines += nl;
}

/* With the directory: only blocks whose time and leases can match are
 * touched at all. */
static int scan_directory(struct reader *rd, const unsigned char *map, size_t size, const unsigned char *dir,
                          size_t n, size_t dir_off, struct netlog_seg_stats *st)
{
  const struct netlog_filter *f = rd->f;
  uint64_t lkeys[NETLOG_FILTER_KEYS];
  int nk = 0;
  for (int i = 0; f->point && i < f->nkeys && i < NETLOG_FILTER_KEYS; i++)
    if (f->keys[i] && f->keys[i][0])
      lkeys[nk++] = point_key('L', f->keys[i], -1);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *e = dir + i * DIR_ENTRY;
    uint64_t off = (uint64_t)get_i64(e);
    uint32_t nl = get_u32(e + 8);
    int64_t tmin = get_i64(e + 12), tmax = get_i64(e + 20);
    count_block(st, tmin, tmax, nl);
    bool skip = (f->from && tmax < f->from) || (f->to && tmin > f->to);
    if (!skip && f->point && f->nkeys) {
      bool nat = f->port >= 0 && !(f->nat_from && tmax < f->nat_from) && !(f->nat_to && tmin > f->nat_to);
      bool lease = false;
      for (int k = 0; k < nk && !lease; k++)
        lease = lb_has(e + 28, lkeys[k]);
      skip = !nat && !lease;
    }
    if (skip) {
      st->skipped++;
      continue;
    }
    struct blk b;
    if (off >= dir_off || blk_at(map, dir_off, (size_t)off, &b) || b.nl != nl)
      return -1;
    int m = block_matches(f, b.tmin, b.tmax, b.bloom, b.pb, b.pbytes, b.ver);
    if (m == MATCH_NONE) {
      st->skipped++;
      continue;
    }
    int rc = blk_read(rd, &b, m);
    if (rc)
      return rc;
  }
  (void)size;
  return 0;
}

int netlog_seg_scan(const char *path, const struct netlog_filter *f, netlog_row_fn fn, void *u,
                    struct netlog_seg_stats *st)
{
  struct netlog_seg_stats local = {0};
  if (!st)
    st = &local;
  memset(st, 0, sizeof *st);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat sb;
  if (fstat(fd, &sb) || sb.st_size < 0) {
    close(fd);
    return -1;
  }
  /* mapped: headers and point blooms are read where they lie, a block's
   * frame decompressed from the page cache without a copy */
  size_t size = (size_t)sb.st_size;
  const unsigned char *map = NULL;
  if (size) {
    void *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) {
      close(fd);
      return -1;
    }
    map = m;
  }
  close(fd);
  struct reader rd = {f, fn, u, xmalloc(NETLOG_LINE_MAX + 1), NULL, 0};
  int rc = 0;
  size_t ndir = 0, dir_off = 0;
  const unsigned char *dir = fn && f ? directory(map, size, &ndir, &dir_off) : NULL;
  if (dir) {
    rc = scan_directory(&rd, map, size, dir, ndir, dir_off, st);
    goto out;
  }
  size_t pos = 0;
  while (pos < size) {
    if (size - pos >= 4 && !memcmp(map + pos, "NLD2", 4)) {
      /* the directory: the segment was closed; it must end the file */
      size_t n = 0, off = 0, cnt = size - pos >= DIR_HEAD ? get_u32(map + pos + 4) : 0;
      if (size - pos < DIR_HEAD || cnt > size / DIR_ENTRY || DIR_HEAD + cnt * DIR_ENTRY + 4 + FOOTER > size - pos)
        st->torn = true; /* cut while it was written */
      else if (!directory(map, size, &n, &off) || off != pos)
        rc = -1;
      break;
    }
    struct blk b;
    int k = blk_at(map, size, pos, &b);
    if (k > 0) {
      st->torn = true;
      break;
    }
    if (k < 0) {
      rc = -1;
      break;
    }
    count_block(st, b.tmin, b.tmax, b.nl);
    pos = b.end;
    int m = fn ? block_matches(f, b.tmin, b.tmax, b.bloom, b.pb, b.pbytes, b.ver) : MATCH_NONE;
    if (m == MATCH_NONE) {
      st->skipped++;
      continue;
    }
    rc = blk_read(&rd, &b, m);
    if (rc)
      break;
  }
out:
  free(rd.plain);
  free(rd.raw);
  if (map)
    munmap((void *)map, size);
  return rc;
}
