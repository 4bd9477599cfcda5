/* fuzz_netlog_session.c - the session parsers (FortiGate key=value, iptables LOG, conntrack events) of src/netlog/parse.c on any bytes: a
 * refused line leaves the record alone, an accepted one is well formed. */
#include <stdint.h>

#include "netlog_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int (*const parsers[])(const char *, size_t, struct netlog_rec *) = {netlog_parse_fortigate, netlog_parse_iptables, netlog_parse_conntrack};
  char *msg = malloc(size ? size : 1); /* exactly sized: no NUL to lean on */
  if (!msg)
    abort();
  memcpy(msg, data, size);
  for (size_t i = 0; i < sizeof parsers / sizeof parsers[0]; i++) {
    struct netlog_rec r, before;
    memset(&r, 0, sizeof r);
    r.pri = -1;
    memcpy(&before, &r, sizeof r);
    if (parsers[i](msg, size, &r)) {
      if (memcmp(&r, &before, sizeof r))
        abort();
      continue;
    }
    netlog_check_rec(&r, data, size, false);
  }
  free(msg);
  return 0;
}
