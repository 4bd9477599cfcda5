/* fuzz_netlog_moment.c - the moments a question to the access-log archive
 * names (src/netlog/api.c netlog_parse_moment: a date, a date and time in
 * Turkish time, or with Z / ±HH:MM). An accepted moment must print as an
 * ISO UTC time that reads back (with Z) to the same second, and lie
 * within a day of what the date part alone gives. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/netlog/netlog_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size > 64)
    return 0;
  char s[65];
  memcpy(s, data, size);
  s[size] = '\0';
  int64_t t = 0;
  if (netlog_parse_moment(s, &t))
    return 0;
  char iso[32];
  fmt_iso8601(t, iso);
  int64_t back = 0;
  if (netlog_parse_moment(iso, &back) || back != t)
    abort();
  char day[11];
  memcpy(day, s, 10);
  day[10] = '\0';
  int64_t midnight = 0;
  if (netlog_parse_moment(day, &midnight))
    abort(); /* an accepted moment starts with a valid date */
  if (t < midnight - 15 * 3600 || t > midnight + 24 * 3600 + 15 * 3600)
    abort();
  return 0;
}
