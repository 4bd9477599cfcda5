/* fuzz_csv.c - the people import's CSV reader (src/core/csv.c) and
 * the identifier checks each cell goes through (src/core/tr.c): every
 * row stays within the limits, every kept field is NUL-terminated clean
 * UTF-8 unless the row is marked bad, the fold never overruns, and
 * nothing leaks (the arena owns everything). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/csv.h"
#include "../src/core/tr.h"

static void cell(const char *s)
{
  size_t n = strlen(s);
  char *out = malloc(2 * n + 1), *ascii = malloc(n + 1);
  if (!out || !ascii)
    abort();
  if (tr_fold(s, false, out, 2 * n + 1) == 0 && strlen(out) > 2 * n)
    abort();
  if (tr_fold(s, true, ascii, n + 1) == 0 && strlen(ascii) > n)
    abort();
  char e164[TR_PHONE_MAX + 1], date[11], m[12];
  if (tr_phone_e164(s, e164) == 0 && (e164[0] != '+' || strlen(e164) > TR_PHONE_MAX || strlen(e164) < 9))
    abort();
  if (tr_date_parse(s, date) == 0 && (strlen(date) != 10 || date[4] != '-' || date[7] != '-'))
    abort();
  if (tr_tckn_check(s) == TR_TCKN_OK && strlen(s) != 11)
    abort();
  (void)tr_email_check(s);
  tr_tckn_mask(s, m);
  if (strlen(m) != 11)
    abort();
  free(out);
  free(ascii);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  arena *a = arena_new();
  struct csv csv;
  const char *err = NULL;
  size_t rec = 0;
  int rc = csv_parse(a, (const char *)data, size, 200, &csv, &err, &rec);
  if (rc && !err)
    abort();
  if (!rc) {
    if (csv.nrows == 0 || csv.nrows > 200 || (csv.sep != ';' && csv.sep != ','))
      abort();
    size_t last = 0;
    for (size_t i = 0; i < csv.nrows; i++) {
      const struct csv_row *row = &csv.rows[i];
      if (row->record <= last)
        abort();
      last = row->record;
      size_t kept = row->nfields < CSV_MAX_FIELDS ? row->nfields : CSV_MAX_FIELDS;
      for (size_t f = 0; f < kept; f++) {
        if (!row->fields[f])
          abort();
        if (!row->bad && tr_text_check(row->fields[f], strlen(row->fields[f]), true))
          abort();
        cell(row->fields[f]);
      }
    }
  }
  arena_free(a);
  return 0;
}
