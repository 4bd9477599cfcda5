/* fuzz_inventory_xml.c - what a FusionInventory / OCS agent sends to
 * POST /inventory (src/assets/parse.c): the bounded inflate (zlib, gzip,
 * plain) and the XML REQUEST read by libxml2 without entities, then
 * turned into the inventory's JSON shape. The inflated size never passes
 * the limit, a successful parse always names its query and device, and
 * nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/assets/assets_int.h"

enum { MAX = 1 << 20 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static bool init;
  if (!init) {
    inv_init();
    init = true;
  }
  buf out;
  buf_init(&out, MAX);
  enum inv_enc enc;
  if (inv_inflate(data, size, MAX, &enc, &out) == INV_OK && out.len > MAX)
    abort();
  buf_free(&out);

  arena *a = arena_new();
  struct inv_msg m;
  const char *why = NULL;
  int rc = inv_parse(a, data, size, MAX, &m, &why);
  if (rc == INV_OK) {
    if (!m.query || !m.deviceid)
      abort();
    if (m.proto == INV_XML && strcmp(m.query, "INVENTORY") == 0 && !json_is_object(m.content))
      abort();
    inv_msg_free(&m);
  } else if (!why || (rc != INV_MALFORMED && rc != INV_TOO_LARGE)) {
    abort();
  }
  arena_free(a);
  return 0;
}
