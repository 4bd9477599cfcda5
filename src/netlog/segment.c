/* segment.c - the append-only segment files of the archive: blocks of
 * zstd-compressed, tab-separated records behind a small header (time
 * range, a bloom of addresses and MACs), written with one write() per
 * block and synced, so a crash can at worst leave a torn last block,
 * which readers and the sealer recognise. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static const char BLOCK_MAGIC[4] = {'N', 'L', 'B', '1'};
enum { HDR_SIZE = 4 + 4 + 4 + 4 + 8 + 8 + NETLOG_BLOOM_BYTES, ZSTD_LEVEL = 3, NFIELDS = 18 };

struct netlog_seg {
  int fd;
  uint64_t seq;
  int64_t opened;
  int64_t lines;
  buf pending;
  uint32_t npending;
  int64_t tmin, tmax;
  uint8_t bloom[NETLOG_BLOOM_BYTES];
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

/* ---- the bloom ------------------------------------------------------------ */

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

/* ---- writing -------------------------------------------------------------- */

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
  buf_init(&s->pending, NETLOG_BLOCK_BYTES + 4 * NETLOG_LINE_MAX);
  *out = s;
  return 0;
}

uint64_t netlog_seg_seq(const struct netlog_seg *s) { return s->seq; }
int64_t netlog_seg_opened(const struct netlog_seg *s) { return s->opened; }
int64_t netlog_seg_lines(const struct netlog_seg *s) { return s->lines; }

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

int netlog_seg_flush(struct netlog_seg *s)
{
  if (!s->npending)
    return 0;
  size_t bound = ZSTD_compressBound(s->pending.len);
  unsigned char *blk = xmalloc(HDR_SIZE + bound);
  size_t clen = ZSTD_compress(blk + HDR_SIZE, bound, s->pending.data, s->pending.len, ZSTD_LEVEL);
  int rc = -1;
  if (ZSTD_isError(clen)) {
    log_error("netlog: compression failed", "err=%s", ZSTD_getErrorName(clen));
    goto out;
  }
  memcpy(blk, BLOCK_MAGIC, 4);
  put_u32(blk + 4, (uint32_t)clen);
  put_u32(blk + 8, (uint32_t)s->pending.len);
  put_u32(blk + 12, s->npending);
  put_i64(blk + 16, s->tmin);
  put_i64(blk + 24, s->tmax);
  memcpy(blk + 32, s->bloom, NETLOG_BLOOM_BYTES);
  if (write_all(s->fd, blk, HDR_SIZE + clen) || fdatasync(s->fd)) {
    log_error("netlog: cannot write segment", "seq=%llu errno=%d", (unsigned long long)s->seq, errno);
    goto out;
  }
  s->lines += s->npending;
  rc = 0;
out:
  free(blk);
  /* a block that cannot be written is not kept twice in memory: the
   * caller counts its lines as dropped */
  s->pending.len = 0;
  s->pending.overflow = false;
  s->npending = 0;
  memset(s->bloom, 0, sizeof s->bloom);
  return rc;
}

static void put_escaped(buf *b, const char *s, size_t n)
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
    buf_append(b, s + run, i - run);
    buf_append(b, esc, 2);
    run = i + 1;
  }
  buf_append(b, s + run, n - run);
}

int netlog_seg_append(struct netlog_seg *s, const struct netlog_rec *r)
{
  if (!s->npending || r->time < s->tmin)
    s->tmin = r->time;
  if (!s->npending || r->time > s->tmax)
    s->tmax = r->time;
  buf *b = &s->pending;
  buf_printf(b, "%lld\t%s\t%s\t%s\t%s\t%s\t%u\t%s\t%u\t%s\t%u\t%s\t%s\t%s\t%s\t%lld\t%lld\t", (long long)r->time,
             netlog_kind_name(r->kind), netlog_parser_name(r->parser), r->host, r->tag, r->in_ip,
             (unsigned)r->in_port, r->tr_ip, (unsigned)r->tr_port, r->dst_ip, (unsigned)r->dst_port, r->proto,
             r->mac, r->user, r->client, (long long)r->bytes, (long long)r->lease_end);
  put_escaped(b, r->raw, r->raw_len > NETLOG_LINE_MAX ? NETLOG_LINE_MAX : r->raw_len);
  buf_append(b, "\n", 1);
  bloom_add(s->bloom, r->in_ip);
  bloom_add(s->bloom, r->tr_ip);
  bloom_add(s->bloom, r->mac);
  s->npending++;
  if (b->overflow)
    return -1; /* cannot happen: a block is written before the maximum */
  if (b->len >= NETLOG_BLOCK_BYTES || s->npending >= NETLOG_BLOCK_LINES)
    return netlog_seg_flush(s);
  return 0;
}

int netlog_seg_close(struct netlog_seg *s)
{
  if (!s)
    return 0;
  int rc = netlog_seg_flush(s);
  if (fsync(s->fd))
    rc = -1;
  if (close(s->fd))
    rc = -1;
  buf_free(&s->pending);
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

static bool block_matches(const struct netlog_filter *f, int64_t tmin, int64_t tmax, const uint8_t *bloom)
{
  if (!f)
    return true;
  if ((f->from && tmax < f->from) || (f->to && tmin > f->to))
    return false;
  if (!f->nkeys)
    return true;
  for (int i = 0; i < f->nkeys; i++)
    if (f->keys[i] && f->keys[i][0] && bloom_has(bloom, f->keys[i]))
      return true;
  return false;
}

int netlog_seg_scan(const char *path, const struct netlog_filter *f, netlog_row_fn fn, void *u,
                    struct netlog_seg_stats *st)
{
  struct netlog_seg_stats local = {0};
  if (!st)
    st = &local;
  memset(st, 0, sizeof *st);
  FILE *fp = fopen(path, "rbe");
  if (!fp)
    return -1;
  int rc = 0;
  unsigned char hdr[HDR_SIZE];
  char *comp = NULL, *plain = NULL, *raw = xmalloc(NETLOG_LINE_MAX + 1);
  for (;;) {
    size_t got = fread(hdr, 1, HDR_SIZE, fp);
    if (got == 0)
      break;
    if (got < HDR_SIZE) {
      st->torn = true;
      break;
    }
    uint32_t clen = get_u32(hdr + 4), plen = get_u32(hdr + 8), nl = get_u32(hdr + 12);
    int64_t tmin = get_i64(hdr + 16), tmax = get_i64(hdr + 24);
    if (memcmp(hdr, BLOCK_MAGIC, 4) || clen > NETLOG_BLOCK_MAX || plen > NETLOG_BLOCK_MAX) {
      rc = -1;
      break;
    }
    if (!st->blocks || tmin < st->tmin)
      st->tmin = tmin;
    if (!st->blocks || tmax > st->tmax)
      st->tmax = tmax;
    st->blocks++;
    st->lines += nl;
    if (!fn || !block_matches(f, tmin, tmax, hdr + 32)) {
      st->skipped++;
      struct stat sb;
      long here = ftell(fp);
      if (fstat(fileno(fp), &sb) || here < 0 || (int64_t)here + clen > (int64_t)sb.st_size) {
        st->torn = true;
        st->blocks--;
        st->lines -= nl;
        break;
      }
      if (fseek(fp, (long)clen, SEEK_CUR)) {
        rc = -1;
        break;
      }
      continue;
    }
    comp = xrealloc(comp, clen ? clen : 1);
    if (fread(comp, 1, clen, fp) != clen) {
      st->torn = true;
      st->blocks--;
      st->lines -= nl;
      break;
    }
    plain = xrealloc(plain, (size_t)plen + 1);
    size_t dn = ZSTD_decompress(plain, plen, comp, clen);
    if (ZSTD_isError(dn) || dn != plen) {
      rc = -1;
      break;
    }
    plain[plen] = '\0';
    char *line = plain;
    uint32_t seen = 0;
    while (line < plain + plen && !rc) {
      char *nlc = memchr(line, '\n', (size_t)(plain + plen - line));
      if (!nlc)
        break;
      *nlc = '\0';
      /* A block holds exactly the records its header counts: more is a
       * damaged or forged block, and nothing of it is handed on beyond. */
      if (++seen > nl) {
        rc = -1;
        break;
      }
      struct netlog_rec r;
      if (decode_line(line, &r, raw) == 0 && (!f || ((!f->from || r.time >= f->from) && (!f->to || r.time <= f->to))))
        rc = fn(&r, u);
      line = nlc + 1;
    }
    if (rc)
      break;
  }
  free(comp);
  free(plain);
  free(raw);
  fclose(fp);
  return rc;
}
