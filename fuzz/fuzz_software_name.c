/* fuzz_software_name.c - the software title normaliser
 * (src/assets/normalise.c): any title and publisher an inventory may
 * send. An accepted title gives a non-empty product name of valid text
 * that fits its buffer, a publisher that fits too, and normalising the
 * product again changes nothing but what the rules strip further;
 * refused input leaves both empty. The input is split at the first NUL:
 * title, then publisher. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/assets/assets_int.h"
#include "../src/core/tr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  char *s = malloc(size + 2);
  memcpy(s, data, size);
  s[size] = '\0';
  s[size + 1] = '\0';
  const char *name = s, *publisher = s + strlen(s) + 1;
  if (publisher > s + size)
    publisher = "";
  struct sw_product p;
  if (assets_software_normalise(name, publisher, &p) == 0) {
    size_t n = strlen(p.name);
    if (!n || n >= SW_NAME_MAX || strlen(p.publisher) >= SW_NAME_MAX)
      abort();
    if (tr_text_check(p.name, n, true) || tr_text_check(p.publisher, strlen(p.publisher), true))
      abort();
    /* Normalising a product name again only strips more, never grows. */
    struct sw_product q;
    if (assets_software_normalise(p.name, p.publisher, &q) != 0 || strlen(q.name) > n || !q.name[0])
      abort();
  } else if (p.name[0] || p.publisher[0]) {
    abort();
  }
  free(s);
  return 0;
}
