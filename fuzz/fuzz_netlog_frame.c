/* fuzz_netlog_frame.c - syslog-over-TCP framing (RFC 6587, src/netlog/
 * parse.c netlog_frames) on any byte stream, read in chunks whose sizes
 * come from the input: every frame lies inside the buffer and within
 * NETLOG_LINE_MAX, the buffer the collector keeps never overflows, and
 * each frame then goes through the line parser. */
#include <stdint.h>

#include "netlog_check.h"

struct ctx {
  const char *lo, *hi;
};

static void on_frame(void *u, const char *line, size_t len, int flags)
{
  struct ctx *c = u;
  if (flags & ~(NETLOG_FRAME_TRUNCATED | NETLOG_FRAME_DROPPED))
    abort();
  if (flags & NETLOG_FRAME_DROPPED) {
    if (len)
      abort();
    return;
  }
  if (len > NETLOG_LINE_MAX || line < c->lo || line + len > c->hi)
    abort();
  struct netlog_rec r;
  netlog_parse_line(line, len, 1795000000, &r);
  netlog_check_rec(&r, (const uint8_t *)line, len, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  enum { CAP = NETLOG_LINE_MAX + 16 };
  char *b = malloc(CAP);
  if (!b || size < 1)
    goto out;
  size_t step = (size_t)data[0] % 64 + 1;
  data++;
  size--;
  struct netlog_framer fr = {0};
  size_t have = 0;
  for (size_t i = 0; i < size;) {
    size_t k = size - i < step ? size - i : step;
    if (have + k > CAP)
      k = CAP - have;
    if (!k)
      abort(); /* the framer left a full buffer it cannot use: the collector would stall */
    memcpy(b + have, data + i, k);
    have += k;
    i += k;
    struct ctx c = {b, b + have};
    size_t used = netlog_frames(&fr, b, have, on_frame, &c);
    if (used > have)
      abort();
    memmove(b, b + used, have - used);
    have -= used;
  }
out:
  free(b);
  return 0;
}
