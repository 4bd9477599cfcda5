/* fuzz_netlog_segment.c - the segment reader of src/netlog/segment.c on
 * any file contents (a segment on disk may have been damaged or forged):
 * it must stop cleanly at a torn or bad block, never read past what it
 * was given, and hand out only well-formed records. The input is also
 * written as the pending text of a block, so valid zstd frames with
 * hostile record lines are reached too; given to the block decoder as a
 * payload (version 2 field encoding) of any bytes; and its lines are
 * field-encoded and decoded again, which must give them back byte for
 * byte. */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "netlog_check.h"
#include "../src/netlog/block.h"

static int on_row(const struct netlog_rec *r, void *u)
{
  (*(size_t *)u)++;
  if (r->raw_len > NETLOG_LINE_MAX)
    abort();
  netlog_check_rec(r, (const uint8_t *)r->raw, r->raw_len, false);
  return 0;
}

static char dir[64];

static void cleanup(void)
{
  rmdir(dir);
}

static void scan(const char *path)
{
  size_t rows = 0;
  struct netlog_seg_stats st;
  int rc = netlog_seg_scan(path, NULL, on_row, &rows, &st);
  if (rc == 0 && (int64_t)rows > st.lines)
    abort();
  struct netlog_filter f = {.from = 1, .to = 2000000000, .keys = {"10.0.0.5"}, .nkeys = 1};
  (void)!netlog_seg_scan(path, &f, on_row, &rows, &st);
}

struct lines {
  const char *in;
  const struct nlb_line *ls;
  size_t n, seen;
};

static int same_line(void *u, const char *line, size_t len, int64_t time, int mode)
{
  struct lines *l = u;
  if (l->seen >= l->n)
    abort();
  const struct nlb_line *w = &l->ls[l->seen++];
  if (len != w->len || memcmp(line, l->in + w->off, len) || time != w->time || mode != w->mode)
    abort();
  return 0;
}

static int any_line(void *u, const char *line, size_t len, int64_t time, int mode)
{
  (void)line;
  (void)time;
  if (len > NETLOG_LINE_MAX || (mode != NLB_DERIVED && mode != NLB_EXPLICIT))
    abort();
  (*(size_t *)u)++;
  return 0;
}

/* the field codec: any payload decodes or fails cleanly; any lines come back */
static void codec(const uint8_t *data, size_t size)
{
  size_t n = 0;
  if (size >= 2) {
    (void)!nlb_decode(data + 2, size - 2, (uint32_t)(data[0] | data[1] << 8), any_line, &n);
    (void)!nlb_decode_text(data + 2, size - 2, (uint32_t)(data[0] | data[1] << 8), any_line, &n);
  }
  struct nlb_line *ls = malloc((size + 1) * sizeof *ls);
  size_t k = 0, off = 0;
  while (off <= size && k <= size) {
    const uint8_t *nl = memchr(data + off, '\n', size - off);
    size_t len = nl ? (size_t)(nl - (data + off)) : size - off;
    if (len > NETLOG_LINE_MAX)
      len = NETLOG_LINE_MAX;
    ls[k] = (struct nlb_line){(uint32_t)off, (uint32_t)len, (int64_t)(k * 7919 % 1000) - 500 + 1700000000,
                              (uint8_t)(len % 13 == 5 ? NLB_EXPLICIT : NLB_DERIVED), (uint8_t)(len % 7 == 3)};
    k++;
    off += len + 1;
  }
  static struct nlb_enc *e;
  if (!e)
    e = nlb_enc_new();
  struct nlb_vec out = {0};
  nlb_encode(e, (const char *)data, ls, k, &out);
  struct lines l = {(const char *)data, ls, k, 0};
  if (nlb_decode(out.p, out.len, (uint32_t)k, same_line, &l) || l.seen != k)
    abort();
  nlb_vec_free(&out);
  free(ls);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  codec(data, size);
  if (!dir[0]) {
    if (mkdtemp(strcpy(dir, "/tmp/fuzz-netlog-XXXXXX")) == NULL)
      abort();
    atexit(cleanup);
  }
  char path[NETLOG_PATH_MAX];
  if (netlog_path(dir, 1, "seg", path, sizeof path))
    abort();
  /* 1: the bytes as a whole segment file */
  FILE *fp = fopen(path, "wb");
  if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp))
    abort();
  scan(path);
  unlink(path);
  /* 2: the bytes as the records inside a well-formed block: each input line
   * is stored raw through a real writer, then the stored text is replaced
   * by the input itself (lines of hostile tab-separated fields) */
  struct netlog_seg *s;
  if (netlog_seg_create(dir, 1000, &s))
    abort();
  const char *p = (const char *)data, *end = p + size;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    struct netlog_rec r;
    netlog_parse_line(p, n > NETLOG_LINE_MAX ? NETLOG_LINE_MAX : n, 1000, &r);
    if (netlog_seg_append(s, &r))
      abort();
    p += n + 1;
  }
  if (netlog_seg_close(s))
    abort();
  size_t rows = 0;
  struct netlog_seg_stats st;
  if (netlog_seg_scan(path, NULL, on_row, &rows, &st) || st.torn)
    abort();
  /* through the closed segment's directory: a point query finds no more
   * than a full scan */
  size_t some = 0;
  struct netlog_filter pf = {.keys = {"10.0.0.5", "52:54:00:12:34:56"}, .nkeys = 2, .point = true, .port = 0};
  if (netlog_seg_scan(path, &pf, on_row, &some, &st) || some > rows)
    abort();
  unlink(path);
  return 0;
}
