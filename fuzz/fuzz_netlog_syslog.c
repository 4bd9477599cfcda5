/* fuzz_netlog_syslog.c - syslog headers (RFC 3164, RFC 5424, file lines)
 * and the whole-line dispatcher of src/netlog/parse.c on any bytes: the
 * message offset stays inside the line and the record stays well formed. */
#include <stdint.h>

#include "netlog_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *line = malloc(size ? size : 1); /* exactly sized: no NUL to lean on */
  if (!line)
    abort();
  memcpy(line, data, size);
  struct netlog_rec r;
  memset(&r, 0x5a, sizeof r);
  size_t off = netlog_parse_header(line, size, 1795000000, &r);
  if (off > size || r.pri < -1 || r.pri > 191 || !NL_FIELD_OK(r.host) || !NL_FIELD_OK(r.tag))
    abort();
  memset(&r, 0x5a, sizeof r);
  enum netlog_kind k = netlog_parse_line(line, size, 1795000000, &r);
  if (k != r.kind || r.time == 0)
    abort();
  netlog_check_rec(&r, (const uint8_t *)line, size, true);
  free(line);
  return 0;
}
