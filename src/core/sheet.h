/* sheet.h - spreadsheets in and out, for every import and export.
 *
 * In: sheet_read() takes an uploaded file, XLSX (recognised by the ZIP
 * magic "PK\3\4") or CSV (csv.h), and returns its rows as UTF-8 text with
 * the row numbers a spreadsheet shows; the first row is the header.
 * sheet_map_header() matches the header against a table of fields
 * (Turkish and English names), and the sheet_error* helpers build the
 * list of problems every import returns:
 *   [{"row": 7, "column": "Seri no", "reason": "Türkçe açıklama"}, ...]
 *
 * Out: sheet_send() sends a list (a JSON array of objects, as the list
 * API returns it) as CSV or XLSX. A list handler that takes ?format=
 * does, in outline:
 *
 *   static const struct sheet_col cols[] = {
 *       {"sicil_no", N_("Registry no"), SHEET_TEXT, 14},
 *       {"unit.name", N_("Unit"), SHEET_TEXT, 28},      // dotted paths
 *       {"purchase_date", N_("Purchase date"), SHEET_DATE, 0},
 *       {"value_kurus", N_("Value (TL)"), SHEET_MONEY, 0},
 *   };
 *   const char *fmt = req_query(r, "format");
 *   if (fmt) {   // same filters as the list, no paging: at most SHEET_EXPORT_MAX + 1 rows
 *     json_t *items = ...query with LIMIT SHEET_EXPORT_MAX + 1...;
 *     return sheet_send(r, fmt, "demirbas", _("Assets"), cols, ARRAY_LEN(cols), items);
 *   }
 *
 * sheet_send() answers 400 for an unknown format and 413 (with a Turkish
 * hint to narrow the filters) for more than SHEET_EXPORT_MAX rows. */
#ifndef DEFTER_SHEET_H
#define DEFTER_SHEET_H

#include <jansson.h>
#include "util.h"
#include "http.h"
#include "html.h"

enum {
  SHEET_MAX_COLS = 64,          /* cells kept per row (as csv.h) */
  SHEET_MAX_FIELDS = 64,        /* fields of a header table */
  SHEET_EXPORT_MAX = 200000,    /* rows sheet_send() writes; more is a 413 */
  SHEET_XLSX_MAX_ENTRIES = 4096,          /* ZIP entries of an XLSX file */
  SHEET_XLSX_MAX_PART = 64 * 1024 * 1024, /* inflated size of one part */
};

enum sheet_format { SHEET_CSV = 1, SHEET_XLSX = 2 };

struct sheet_row {
  size_t row;      /* 1-based row number as the spreadsheet shows it */
  size_t ncells;   /* columns up to the last one present (may exceed SHEET_MAX_COLS) */
  char **cells;    /* the first min(ncells, SHEET_MAX_COLS), NUL-terminated; "" for gaps */
  const char *bad; /* why the row cannot be used (static English msgid), or NULL */
};

struct sheet {
  enum sheet_format format;
  char sep;               /* CSV: ';' or ','; XLSX: 0 */
  struct sheet_row *rows; /* rows[0] is the header; blank rows are left out */
  size_t nrows;
  size_t err_row;         /* when sheet_read() fails: the row where it stopped, or 0 */
};

/* Reads len bytes at data (XLSX when it starts with "PK\3\4", else CSV),
 * keeping at most max_rows rows (the header included; more makes it
 * fail). Everything is allocated from a. XLSX: the first worksheet of
 * the workbook; shared and inline strings; numbers as written; booleans
 * as "TRUE"/"FALSE"; a number whose cell style is a date format (the
 * built-in 14-17 and 22, and custom formats with d or y) as
 * "YYYY-MM-DD" (plus " HH:MM" when it has a time of day), the time
 * formats 18-21 as "HH:MM:SS". ZIP entries, their inflated sizes, XML
 * depth are bounded; document type declarations are refused.
 * Returns 0; or, with *err a static English msgid (and out->err_row set
 * when a row is to blame), -1 when the file cannot be read and -2 when it
 * is over a limit (rows, ZIP entries, inflated size: answer 413). Problems confined to one row (invalid
 * UTF-8, control characters, a too long cell) do not stop the reader:
 * they are set in that row's `bad`. */
int sheet_read(arena *a, const void *data, size_t len, size_t max_rows, struct sheet *out, const char **err) WUR;

/* ---- the header ------------------------------------------------------------------------- */

/* One field an import understands. aliases: the header names that mean
 * it, separated by '|', Turkish first (the first is the name shown when
 * the column is missing): "seri no|serial|serial number". A header cell
 * matches an alias after Turkish case folding to ASCII and dropping
 * everything but letters and digits ("Seri No.", "SERİ_NO" and
 * "serino" are the same). */
struct sheet_field {
  const char *key;
  const char *aliases;
  bool required;
};

struct sheet_map {
  arena *a;
  const struct sheet *s;
  const struct sheet_field *fields;
  size_t nfields;
  int col[SHEET_MAX_FIELDS];    /* the column (0-based) of each field, or -1 */
  int field_of[SHEET_MAX_COLS]; /* the field of each column, or -1 */
};

/* Maps the header row (s->rows[0]) to fields. Unknown, duplicate and
 * missing required columns are errors on the header's row (appended to
 * errors). A column with an empty header is ignored (a value in it is a
 * row error, see sheet_row_check). Returns the number of problems (0:
 * every column is known). Names for errors are allocated from a. */
int sheet_map_header(arena *a, const struct sheet *s, const struct sheet_field *fields, size_t nfields, struct sheet_map *m,
                     json_t *errors) WUR;
/* The cell of field key in row i of the sheet, without surrounding
 * spaces and tabs: "" when the column is absent or the row is short. */
const char *sheet_cell(const struct sheet_map *m, size_t i, const char *key);
/* The column name to report for a field key: the header cell as the file
 * wrote it, else the field's first alias (the key itself if unknown). */
const char *sheet_column(const struct sheet_map *m, const char *key);
/* Problems of row i that every import shares: the reader's `bad`, and a
 * value in a column the header does not name. Appends them; returns how
 * many. */
int sheet_row_check(const struct sheet_map *m, size_t i, json_t *errors);

/* ---- the error list --------------------------------------------------------------------- */

/* Appends {"row": row, "column": column or null, "reason": reason}. */
void sheet_error(json_t *errors, size_t row, const char *column, const char *reason);
/* Appends one error per member of a validation object {"key": "reason"}
 * (what assets_invalid()/http_invalid() take), naming each key's column.
 * Does not steal fields. */
void sheet_error_fields(json_t *errors, size_t row, const struct sheet_map *m, json_t *fields);

/* ---- out -------------------------------------------------------------------------------- */

enum sheet_kind {
  SHEET_TEXT,  /* a string (numbers and booleans are written as text too) */
  SHEET_INT,   /* an integer */
  SHEET_DATE,  /* "YYYY-MM-DD..." (ISO dates and times: the date part) */
  SHEET_MONEY, /* an integer in kuruş, written in TL with two decimals */
};

struct sheet_col {
  const char *key;   /* member of each row object; "a.b" reads a nested object */
  const char *title; /* English msgid, translated for the header */
  enum sheet_kind kind;
  double width;      /* XLSX column width in characters; 0: by kind */
};

/* Sends rows (an array of objects; borrowed) as format "csv" (UTF-8 with
 * a BOM, ';' separated, CRLF, money as "1234,50", dates as YYYY-MM-DD;
 * a text cell starting with = + - @ or a tab/CR is prefixed with ' so
 * that spreadsheets do not run it as a formula) or "xlsx" (a worksheet
 * named title, bold header, frozen header row, column widths, integers,
 * dates and money typed). Content-Disposition: attachment with
 * filename_base (ASCII) plus the date and extension. Returns 0 like the
 * http_* writers (a 400 for another format, 413 for more than
 * SHEET_EXPORT_MAX rows), -1 when the workbook could not be written. */
int sheet_send(request *r, const char *format, const char *filename_base, const char *title,
               const struct sheet_col *cols, size_t ncols, json_t *rows);
/* Whether a ?format= value asks for a file (csv or xlsx). */
bool sheet_format_ok(const char *format);

/* The paging and export parameters of a list that takes ?format=: limit
 * (positive, capped at max), cursor (an id, 0 when absent) and format
 * (csv or xlsx, NULL when absent); a bad one is added to fields (key:
 * English msgid). An export lifts the paging: limit SHEET_EXPORT_MAX + 1,
 * cursor 0. *limit keeps its default when ?limit= is absent. */
void sheet_list_params(request *r, json_t *fields, int64_t max, int64_t *limit, int64_t *cursor, const char **format);

/* ---- imports in the browser (sheet_page.c) ----------------------------------------------- */

/* The upload form posting to action: a file, "try first" (dry_run,
 * checked) and, when kinds is not NULL, a choice "what" from
 * {value, English label, value, label, ..., NULL}. */
void sheet_import_form(request *r, html *h, const char *action, const char *const *kinds);
/* The result of an import (status as the import returned it: 0, 400 row
 * problems, 409, 413, 415; have_file false when none was sent): a
 * sentence and the table of res's "errors". Returns the page's HTTP
 * status. */
int sheet_import_result(request *r, html *h, int status, bool dry, bool have_file, json_t *res);

#endif
