/* csv.h - a bounded CSV reader for spreadsheet exports (RFC 4180 plus
 * what Turkish Excel writes): UTF-8 with or without a BOM, ';' or ','
 * separated (taken from the header line), CRLF, LF or CR line ends,
 * quoted fields with "" escapes and line breaks inside quotes.
 * Everything is allocated from the caller's arena. Imports read it
 * through sheet_read() (sheet.h), which also reads XLSX. */
#ifndef DEFTER_CSV_H
#define DEFTER_CSV_H

#include "util.h"

enum { CSV_MAX_FIELDS = 64 };

struct csv_row {
  size_t record;   /* 1-based record number as a spreadsheet shows it:
                    * the header is 1, blank lines are numbered too */
  size_t nfields;  /* as found in the text (may exceed CSV_MAX_FIELDS) */
  char **fields;   /* the first min(nfields, CSV_MAX_FIELDS), NUL-terminated */
  const char *bad; /* why the record cannot be used (static English msgid), or NULL */
};

struct csv {
  char sep;                 /* ';' or ',' */
  struct csv_row *rows; /* rows[0] is the header */
  size_t nrows;             /* blank lines are skipped (but numbered) */
};

/* Parses len bytes at data. Records beyond max_records make it fail.
 * Returns 0; or -1 with *err a static English msgid and *err_record the
 * record where reading stopped (unterminated quote, too many records,
 * empty input). Problems confined to one record (stray text after a
 * closing quote, invalid UTF-8, control characters) do not stop the
 * reader: they are set in that row's `bad`. */
int csv_parse(arena *a, const char *data, size_t len, size_t max_records, struct csv *out, const char **err,
                  size_t *err_record) WUR;

#endif
