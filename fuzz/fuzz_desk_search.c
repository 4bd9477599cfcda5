/* fuzz_desk_search.c - what the service desk makes of text from outside:
 * the search box (src/desk/api.c) turned into an FTS5 query, and ticket
 * numbers in URLs and mail subjects (src/desk/workflow.c). The query may
 * only contain quoted words of letters and digits (no FTS5 operator can
 * get through), and a number found is always positive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/desk/desk_int.h"

static void check_query(const struct desk_search *sr, int n, bool staff)
{
  const char *q = sr->match;
  if (!q) {
    if (n != 0 || sr->nwords != 0)
      abort();
    return;
  }
  if (sr->nwords > n)
    abort();
  for (int i = 0; i < sr->nwords; i++)
    for (const unsigned char *w = (const unsigned char *)sr->words[i]; *w; w++)
      if (!(*w >= 0x80 || (*w >= 'a' && *w <= 'z') || (*w >= '0' && *w <= '9')))
        abort();
  const char *p = q;
  if (!staff) {
    const char *prefix = "{subject body public} : (";
    if (strncmp(p, prefix, strlen(prefix)))
      abort();
    p += strlen(prefix);
  }
  int words = 0;
  while (*p && *p != ')') {
    if (*p == ' ')
      p++;
    if (*p++ != '"')
      abort();
    size_t len = 0;
    while (*p && *p != '"') {
      unsigned char c = (unsigned char)*p++;
      if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        abort(); /* an operator character or upper case got through */
      len++;
    }
    if (*p++ != '"' || len == 0 || len > 64)
      abort();
    if (*p == '*')
      p++;
    words++;
  }
  if (words != n || words > 8)
    abort();
  if (!staff && strcmp(p, ")"))
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 4096)
    return 0;
  char *s = malloc(size + 1);
  if (!s)
    abort();
  memcpy(s, data, size);
  s[size] = 0;
  arena *a = arena_new();
  struct desk_search sr;
  int n = desk_fts_query(a, s, true, &sr);
  check_query(&sr, n, true);
  n = desk_fts_query(a, s, false, &sr);
  check_query(&sr, n, false);
  arena_free(a);
  if (desk_number_in_subject(s) < 0 || desk_number_parse(s) < 0)
    abort();
  free(s);
  return 0;
}
