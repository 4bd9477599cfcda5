/* fuzz_sheet_xlsx.c - the spreadsheet reader (src/core/sheet.c) on
 * whatever arrives: a ZIP with the workbook, relationships, styles,
 * shared strings and a worksheet (seed: fuzz/seeds/sheet_xlsx, made by
 * fuzz/seeds/make_sheet_xlsx.py), or anything else read as CSV. Every
 * kept row is in order and within the limits, every cell is a
 * NUL-terminated string and clean UTF-8 unless the row is marked bad,
 * the header mapper copes with any header, and nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/sheet.h"
#include "../src/core/tr.h"

static const struct sheet_field fields[] = {
    {"type", "tür|type", true},
    {"serial", "seri no|serial", false},
    {"date", "tarih|date", false},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  arena *a = arena_new();
  struct sheet s;
  const char *err = NULL;
  int rc = sheet_read(a, data, size, 200, &s, &err);
  if (rc && (!err || (rc != -1 && rc != -2)))
    abort();
  if (!rc) {
    if (s.nrows == 0 || s.nrows > 200)
      abort();
    size_t last = 0;
    for (size_t i = 0; i < s.nrows; i++) {
      const struct sheet_row *row = &s.rows[i];
      if (row->row <= last)
        abort();
      last = row->row;
      size_t kept = row->ncells < SHEET_MAX_COLS ? row->ncells : SHEET_MAX_COLS;
      for (size_t c = 0; c < kept; c++) {
        if (!row->cells[c])
          abort();
        if (!row->bad && tr_text_check(row->cells[c], strlen(row->cells[c]), true))
          abort();
      }
    }
    json_t *errors = json_array();
    struct sheet_map m;
    if (sheet_map_header(a, &s, fields, 3, &m, errors) < 0)
      abort();
    for (size_t i = 1; i < s.nrows; i++) {
      (void)sheet_row_check(&m, i, errors);
      if (!sheet_cell(&m, i, "type") || !sheet_column(&m, "serial"))
        abort();
    }
    json_decref(errors);
  }
  arena_free(a);
  return 0;
}
