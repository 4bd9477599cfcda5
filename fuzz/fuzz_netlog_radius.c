/* fuzz_netlog_radius.c - the login parsers (FreeRADIUS log and accounting
 * records, MikroTik hotspot, pfSense captive portal) and the detail-file
 * joiner of src/netlog/parse.c on any bytes: a refused line leaves the
 * record alone, an accepted one is well formed; the joiner hands on no
 * more bytes than it was given, never over NETLOG_LINE_MAX at once. */
#include <stdint.h>

#include "netlog_check.h"

struct seen {
  const char *msg, *joined; /* the input; the joiner's buffer */
  size_t size, bytes;
};

static void on_line(void *u, const char *line, size_t len, int flags)
{
  struct seen *s = u;
  (void)flags;
  if (len > NETLOG_LINE_MAX)
    abort();
  bool in_msg = line >= s->msg && line + len <= s->msg + s->size;
  bool in_join = line >= s->joined && line + len <= s->joined + NETLOG_LINE_MAX;
  if (!in_msg && !in_join)
    abort();
  s->bytes += len;
  struct netlog_rec r;
  memset(&r, 0, sizeof r);
  enum netlog_kind k = netlog_parse_line(line, len, 1795000000, &r);
  if (k != r.kind)
    abort();
  netlog_check_rec(&r, (const uint8_t *)line, len, true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int (*const parsers[])(const char *, size_t, struct netlog_rec *) = {netlog_parse_radiusd, netlog_parse_radacct,
                                                                        netlog_parse_hotspot, netlog_parse_portal};
  char *msg = malloc(size ? size : 1); /* exactly sized: no NUL to lean on */
  if (!msg)
    abort();
  memcpy(msg, data, size);
  for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
    struct netlog_rec r, before;
    memset(&r, 0, sizeof r);
    r.pri = -1;
    if (i == 3 && size && data[0] & 1)
      strcpy(r.tag, "logportalauth");
    memcpy(&before, &r, sizeof r);
    if (parsers[i](msg, size, &r)) {
      if (memcmp(&r, &before, sizeof r))
        abort();
      continue;
    }
    netlog_check_rec(&r, data, size, false);
  }
  /* the input as a tailed file's lines through the detail joiner */
  struct netlog_joiner *j = calloc(1, sizeof *j);
  struct seen s = {.msg = msg, .size = size};
  if (!j)
    abort();
  s.joined = j->b;
  size_t st = 0;
  for (size_t i = 0; i <= size; i++)
    if (i == size || msg[i] == '\n') {
      if (i > st || i < size)
        netlog_join(j, msg + st, i - st, on_line, &s);
      st = i + 1;
    }
  netlog_join_flush(j, on_line, &s);
  if (s.bytes > size) /* the record's newlines were the input's */
    abort();
  free(j);
  free(msg);
  return 0;
}
