/* fuzz_ldap_escape.c - what src/core/ldap.c makes of a typed user name
 * and of a group_map line. A name escaped for a filter (RFC 4515) keeps
 * no '*', '(', ')' or control character and no '\' that does not start
 * a two-hex-digit escape; one escaped for a DN (RFC 4514) keeps no
 * unescaped ',', '+', '=', ';' or control character. Every group map
 * rule parsed has a group, a valid role and no empty unit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/ldap.h"
#include "../src/core/rbac.h"

static bool hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static void check_filter(const char *in, const char *out)
{
  size_t raw = 0;
  for (const char *p = out; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '*' || c == '(' || c == ')' || c < 0x20 || c == 0x7f)
      abort();
    if (c == '\\') {
      if (!hex(p[1]) || !hex(p[2]))
        abort();
      p += 2;
    }
    raw++;
  }
  if (raw != strlen(in))
    abort();
}

static void check_dn(const char *out)
{
  for (const char *p = out; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '\\') {
      if (!p[1])
        abort();
      if (hex(p[1]) && hex(p[2]))
        p += 2;
      else
        p++;
      continue;
    }
    if (c < 0x20 || c == 0x7f || strchr(",+\"<>;=", c))
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  char *s = malloc(size + 1);
  memcpy(s, data, size);
  s[size] = 0; /* a NUL inside ends the name, as in a C string */
  arena *a = arena_new();
  check_filter(s, ldapx_filter_escape(a, s));
  check_dn(ldapx_dn_escape(a, s));
  struct ldapx_rule *rules = NULL;
  char err[256];
  int n = ldapx_group_map_parse(s, &rules, err, sizeof err);
  for (int i = 0; i < n; i++) {
    if (!rules[i].group[0] || !rbac_role_valid(rules[i].role) || (rules[i].unit && !rules[i].unit[0]))
      abort();
    (void)ldapx_group_matches(rules[i].group, s);
  }
  if (n > 0)
    ldapx_rules_free(rules, n);
  arena_free(a);
  free(s);
  return 0;
}
