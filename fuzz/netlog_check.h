/* netlog_check.h - what every netlog fuzz target asserts about a parsed
 * record: each text field is terminated inside its array, the raw line
 * lies inside the input, the kind and parser are in range. */
#include <stdlib.h>
#include <string.h>

#include "../src/netlog/netlog.h"

#define NL_FIELD_OK(f) (memchr((f), '\0', sizeof(f)) != NULL)

static void netlog_check_rec(const struct netlog_rec *r, const uint8_t *data, size_t size, bool whole)
{
  if (!NL_FIELD_OK(r->host) || !NL_FIELD_OK(r->tag) || !NL_FIELD_OK(r->in_ip) || !NL_FIELD_OK(r->tr_ip) ||
      !NL_FIELD_OK(r->dst_ip) || !NL_FIELD_OK(r->proto) || !NL_FIELD_OK(r->mac) || !NL_FIELD_OK(r->user) ||
      !NL_FIELD_OK(r->client))
    abort();
  if ((unsigned)r->kind >= NL_KIND_COUNT || (unsigned)r->parser >= NLS_COUNT)
    abort();
  if (r->mac[0] && strlen(r->mac) != 17)
    abort();
  if ((r->kind == NL_DHCP_ACK || r->kind == NL_DHCP_RELEASE) && (!r->in_ip[0] || !r->mac[0]))
    abort();
  if (r->kind == NL_SESSION && (!r->in_ip[0] || !r->dst_ip[0]))
    abort();
  if ((r->kind == NL_LOGIN || r->kind == NL_LOGOUT) && (!r->user[0] || (!r->in_ip[0] && !r->mac[0])))
    abort();
  if (whole && (r->raw != (const char *)data || r->raw_len > size))
    abort();
  if (r->pri > 191)
    abort();
}
