/* fuzz_inventory_json.c - the GLPI-Agent JSON messages of POST /inventory
 * (src/assets/parse.c): contact and inventory, plain or compressed,
 * checked against the schema's required parts. An accepted inventory
 * always has its content object with versionclient; refusals always say
 * why; nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/assets/assets_int.h"

enum { MAX = 1 << 20 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  arena *a = arena_new();
  struct inv_msg m;
  const char *why = NULL;
  int rc = inv_parse(a, data, size, MAX, &m, &why);
  if (rc == INV_OK) {
    if (!m.deviceid || !m.query)
      abort();
    if (m.proto == INV_JSON && strcmp(m.query, "inventory") == 0 &&
        !json_is_string(json_object_get(m.content, "versionclient")))
      abort();
    if (m.proto == INV_JSON && strcmp(m.query, "contact") != 0 && strcmp(m.query, "inventory") != 0)
      abort();
    inv_msg_free(&m);
  } else if (!why) {
    abort();
  }
  arena_free(a);
  return 0;
}
