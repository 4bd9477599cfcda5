/* fuzz_desk_search.c - what the service desk makes of text from outside:
 * the search box (src/desk/api.c) turned into an FTS5 query, and ticket
 * numbers in URLs and mail subjects (src/desk/workflow.c). The query may
 * only contain quoted words of letters and digits (no FTS5 operator can
 * get through), and a number found is always positive. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/desk/desk_int.h"

static void check_query(const char *q, bool staff)
{
  if (!q)
    return;
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
    size_t n = 0;
    while (*p && *p != '"') {
      unsigned char c = (unsigned char)*p++;
      if (!(c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
        abort(); /* an operator character or upper case got through */
      n++;
    }
    if (*p++ != '"' || *p++ != '*' || n == 0 || n > 64)
      abort();
    words++;
  }
  if (words < 1 || words > 8)
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
  check_query(desk_fts_query(a, s, true), true);
  check_query(desk_fts_query(a, s, false), false);
  arena_free(a);
  if (desk_number_in_subject(s) < 0 || desk_number_parse(s) < 0)
    abort();
  free(s);
  return 0;
}
