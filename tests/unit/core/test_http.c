/* test_http.c - route matching (http_match) and route lookup over the
 * real module table (http_find_route), including 405 detection. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../../src/core/http.h"
#include "../../../src/core/module.h"

static int setup(void **state)
{
  *state = arena_new();
  return 0;
}

static int teardown(void **state)
{
  arena_free(*state);
  return 0;
}

static void test_match_literal(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = -1;
  assert_true(http_match(a, "/healthz", "/healthz", p, &n));
  assert_int_equal(n, 0);
  assert_true(http_match(a, "/", "/", p, &n));
  assert_false(http_match(a, "/healthz", "/healthz2", p, &n));
  assert_false(http_match(a, "/healthz", "/health", p, &n));
  assert_false(http_match(a, "/healthz", "/Healthz", p, &n));
  assert_false(http_match(a, "/", "", p, &n));
  assert_false(http_match(a, "/", "/x", p, &n));
}

static void test_match_params(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = -1;
  assert_true(http_match(a, "/api/v1/users/{id}", "/api/v1/users/42", p, &n));
  assert_int_equal(n, 1);
  assert_string_equal(p[0].k, "id");
  assert_string_equal(p[0].v, "42");

  assert_true(http_match(a, "/api/v1/users/{id}/grants", "/api/v1/users/7/grants", p, &n));
  assert_int_equal(n, 1);
  assert_string_equal(p[0].v, "7");

  assert_true(http_match(a, "/a/{x}/b/{y}", "/a/İş Ünitesi/b/%2F", p, &n));
  assert_int_equal(n, 2);
  assert_string_equal(p[0].k, "x");
  assert_string_equal(p[0].v, "İş Ünitesi");
  assert_string_equal(p[1].k, "y");
  assert_string_equal(p[1].v, "%2F");

  /* params and nparams are optional */
  assert_true(http_match(a, "/api/v1/users/{id}", "/api/v1/users/42", NULL, NULL));
}

static void test_match_trailing_slash_and_prefix(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = 0;
  assert_false(http_match(a, "/api/v1/users", "/api/v1/users/", p, &n));
  assert_false(http_match(a, "/api/v1/users/", "/api/v1/users", p, &n));
  assert_false(http_match(a, "/api/v1/users/{id}", "/api/v1/users/42/", p, &n));
  assert_false(http_match(a, "/api/v1/users/{id}/grants", "/api/v1/users/42", p, &n));
  assert_false(http_match(a, "/api/v1/users/{id}", "/api/v1/users/42/grants", p, &n));
  assert_false(http_match(a, "/api/v1/users", "/api/v1/user", p, &n));
  assert_false(http_match(a, "/api/v1/users", "/api/v1/usersx", p, &n));
  assert_false(http_match(a, "/api/v1/users", "/api/v2/users", p, &n));
}

static void test_match_empty_segment(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = 0;
  assert_false(http_match(a, "/api/v1/users/{id}", "/api/v1/users/", p, &n));
  assert_false(http_match(a, "/api/v1/users/{id}/grants", "/api/v1/users//grants", p, &n));
  assert_false(http_match(a, "/static/{name}", "/static/", p, &n));
  assert_false(http_match(a, "/static/{name}", "/static", p, &n));
}

static void test_match_param_limit(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS + 1];
  int n = 0;
  char pat[256] = "", path[256] = "";
  /* MAX_PARAMS parameters match... */
  for (int i = 0; i < MAX_PARAMS; i++) {
    snprintf(pat + strlen(pat), sizeof pat - strlen(pat), "/{p%d}", i);
    snprintf(path + strlen(path), sizeof path - strlen(path), "/v%d", i);
  }
  assert_true(http_match(a, pat, path, p, &n));
  assert_int_equal(n, MAX_PARAMS);
  assert_string_equal(p[MAX_PARAMS - 1].k, "p7");
  assert_string_equal(p[MAX_PARAMS - 1].v, "v7");
  /* ...one more does not (and does not write past params). */
  snprintf(pat + strlen(pat), sizeof pat - strlen(pat), "/{extra}");
  snprintf(path + strlen(path), sizeof path - strlen(path), "/x");
  p[MAX_PARAMS].k = "sentinel";
  assert_false(http_match(a, pat, path, p, &n));
  assert_string_equal(p[MAX_PARAMS].k, "sentinel");
  assert_false(http_match(a, pat, path, NULL, NULL));
}

static void test_match_malformed_pattern(void **state)
{
  arena *a = *state;
  int n = 0;
  struct kv p[MAX_PARAMS];
  assert_false(http_match(a, "/a/{id", "/a/1", p, &n));
}

static void test_find_route_basic(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = -1;
  bool mm = true;
  const struct route *rt = http_find_route(a, "GET", "/api/v1/users", p, &n, &mm);
  assert_non_null(rt);
  assert_false(mm);
  assert_string_equal(rt->method, "GET");
  assert_string_equal(rt->path, "/api/v1/users");
  assert_string_equal(rt->perm, "user.read");

  rt = http_find_route(a, "POST", "/api/v1/users", p, &n, &mm);
  assert_non_null(rt);
  assert_string_equal(rt->perm, "user.manage");

  rt = http_find_route(a, "GET", "/api/v1/users/12", p, &n, &mm);
  assert_non_null(rt);
  assert_string_equal(rt->path, "/api/v1/users/{id}");
  assert_int_equal(n, 1);
  assert_string_equal(p[0].k, "id");
  assert_string_equal(p[0].v, "12");

  rt = http_find_route(a, "POST", "/api/v1/users/12/grants", p, &n, &mm);
  assert_non_null(rt);
  assert_string_equal(rt->path, "/api/v1/users/{id}/grants");

  /* HEAD is served by the GET route. */
  rt = http_find_route(a, "HEAD", "/healthz", p, &n, &mm);
  assert_non_null(rt);
  assert_string_equal(rt->method, "GET");
  assert_null(rt->perm);

  /* Routes of the org module are found too. */
  rt = http_find_route(a, "GET", "/api/v1/org/units", p, &n, &mm);
  assert_non_null(rt);
  assert_string_equal(rt->perm, "org.read");
}

static void test_find_route_405(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = 0;
  bool mm = false;
  assert_null(http_find_route(a, "DELETE", "/api/v1/users", p, &n, &mm));
  assert_true(mm);
  mm = false;
  assert_null(http_find_route(a, "PUT", "/api/v1/users/5", p, &n, &mm));
  assert_true(mm);
  mm = false;
  assert_null(http_find_route(a, "POST", "/healthz", p, &n, &mm));
  assert_true(mm);
  mm = false;
  assert_null(http_find_route(a, "GET", "/api/v1/auth/login", p, &n, &mm));
  assert_true(mm);
  mm = false;
  assert_null(http_find_route(a, "get", "/healthz", p, &n, &mm)); /* methods are case-sensitive */
  assert_true(mm);
}

static void test_find_route_404(void **state)
{
  arena *a = *state;
  struct kv p[MAX_PARAMS];
  int n = 0;
  bool mm = true;
  assert_null(http_find_route(a, "GET", "/nope", p, &n, &mm));
  assert_false(mm);
  mm = true;
  assert_null(http_find_route(a, "GET", "/api/v1/users/", p, &n, &mm));
  assert_false(mm);
  mm = true;
  assert_null(http_find_route(a, "GET", "/api/v1/users/1/grants/2", p, &n, &mm));
  assert_false(mm);
  mm = true;
  assert_null(http_find_route(a, "GET", NULL, p, &n, &mm));
  assert_false(mm);
  /* Over-long paths are refused before matching. */
  char longp[3000];
  memset(longp, 'a', sizeof longp - 1);
  longp[0] = '/';
  longp[sizeof longp - 1] = 0;
  memcpy(longp, "/static/", 8);
  mm = true;
  assert_null(http_find_route(a, "GET", longp, p, &n, &mm));
  assert_false(mm);
}

/* Every registered route is reachable by its own method and a concrete
 * path, and reports 405 for a method no route registers at that path. */
static void test_find_route_every_registered_route(void **state)
{
  arena *a = *state;
  size_t total = 0;
  for (size_t i = 0; i < defter_nmodules; i++) {
    const struct defter_module *m = defter_modules[i];
    for (size_t j = 0; j < m->nroutes; j++) {
      const struct route *want = &m->routes[j];
      char path[512];
      size_t k = 0;
      for (const char *s = want->path; *s && k + 2 < sizeof path; s++) {
        if (*s == '{') {
          path[k++] = '1';
          s = strchr(s, '}');
          assert_non_null(s);
        } else {
          path[k++] = *s;
        }
      }
      path[k] = 0;
      struct kv p[MAX_PARAMS];
      int n = 0;
      bool mm = true;
      const struct route *got = http_find_route(a, want->method, path, p, &n, &mm);
      if (got != want)
        fail_msg("%s %s resolved to %s %s", want->method, path, got ? got->method : "-", got ? got->path : "-");
      mm = false;
      assert_null(http_find_route(a, "TRACE", path, p, &n, &mm));
      assert_true(mm);
      /* A route with a module handler, a summary and a known method. */
      assert_non_null(want->fn);
      assert_non_null(want->summary);
      assert_true(str_eq(want->method, "GET") || str_eq(want->method, "POST") || str_eq(want->method, "PUT") ||
                  str_eq(want->method, "PATCH") || str_eq(want->method, "DELETE"));
      total++;
    }
  }
  assert_true(total >= 20);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_match_literal, setup, teardown),
      cmocka_unit_test_setup_teardown(test_match_params, setup, teardown),
      cmocka_unit_test_setup_teardown(test_match_trailing_slash_and_prefix, setup, teardown),
      cmocka_unit_test_setup_teardown(test_match_empty_segment, setup, teardown),
      cmocka_unit_test_setup_teardown(test_match_param_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_match_malformed_pattern, setup, teardown),
      cmocka_unit_test_setup_teardown(test_find_route_basic, setup, teardown),
      cmocka_unit_test_setup_teardown(test_find_route_405, setup, teardown),
      cmocka_unit_test_setup_teardown(test_find_route_404, setup, teardown),
      cmocka_unit_test_setup_teardown(test_find_route_every_registered_route, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
