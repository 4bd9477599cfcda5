/* fuzz_route_match.c - "METHOD path" lines against the real route table
 * (http_find_route) and a few fixed patterns (http_match). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/http.h"
#include "../src/core/module.h"

static const char *const patterns[] = {
    "/api/v1/users/{id}",
    "/api/v1/users/{id}/grants",
    "/a/{x}/b/{y}",
    "/static/{name}",
    "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}",
    "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}",
    "/",
};

static void check_params(const struct kv *p, int n)
{
  if (n < 0 || n > MAX_PARAMS)
    abort();
  for (int i = 0; i < n; i++) {
    if (!p[i].k || !p[i].v || !*p[i].v || strchr(p[i].v, '/'))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* method, then a space or newline, then the path (NULs end strings). */
  size_t cut = 0;
  while (cut < size && data[cut] != ' ' && data[cut] != '\n')
    cut++;
  char *method = xstrndup((const char *)data, cut);
  char *path = xstrndup(cut < size ? (const char *)data + cut + 1 : "", cut < size ? size - cut - 1 : 0);
  arena *a = arena_new();

  struct kv params[MAX_PARAMS];
  int n = -1;
  bool mismatch = false;
  const struct route *rt = http_find_route(a, method, path, params, &n, &mismatch);
  if (rt) {
    const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
    if (strcmp(rt->method, m) != 0 || !http_match(a, rt->path, path, NULL, NULL))
      abort();
    check_params(params, n);
  }

  for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
    struct kv p[MAX_PARAMS];
    int np = -1;
    if (http_match(a, patterns[i], path, p, &np)) {
      check_params(p, np);
      /* Without outputs the answer is the same. */
      if (!http_match(a, patterns[i], path, NULL, NULL))
        abort();
    } else if (http_match(a, patterns[i], path, NULL, NULL)) {
      abort();
    }
  }
  /* The method text as a pattern: patterns are ours, but a malformed one
   * must still only ever say no. */
  {
    struct kv p[MAX_PARAMS];
    int np = -1;
    if (http_match(a, method, path, p, &np))
      check_params(p, np);
  }

  arena_free(a);
  free(method);
  free(path);
  return 0;
}
