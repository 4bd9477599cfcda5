/* csv.c - the CSV reader of the imports (see csv.h). One pass over
 * the bytes; a field is accumulated in a bounded buffer and copied into
 * the arena when it ends. */
#include "csv.h"
#include "tr.h"
#include "i18n.h"

#include <string.h>

struct reader {
  arena *a;
  const char *s;
  size_t n, i;
  char sep;
  buf field;
  char *fields[CSV_MAX_FIELDS];
  size_t nfields;
  const char *bad;
};

/* Which separator the header uses: the first ';' or ',' outside quotes
 * on the first line (';' when there is neither: a one-column file). */
static char detect_sep(const char *s, size_t n)
{
  bool q = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '"')
      q = !q;
    else if (!q && (c == ';' || c == ','))
      return c;
    else if (!q && (c == '\n' || c == '\r'))
      break;
  }
  return ';';
}

static void end_field(struct reader *r)
{
  if (r->field.overflow && !r->bad)
    r->bad = N_("A field is too long.");
  const char *v = buf_cstr(&r->field);
  if (!r->bad && tr_text_check(v, r->field.len, true))
    r->bad = N_("The row has invalid UTF-8 or control characters.");
  if (r->nfields < CSV_MAX_FIELDS)
    r->fields[r->nfields] = arena_strndup(r->a, v, r->field.len);
  r->nfields++;
  r->field.len = 0;
  r->field.overflow = false;
}

/* Reads one record. Returns 1 when a record was read, 0 at the end of
 * the input, -1 on an unterminated quote. */
static int read_record(struct reader *r)
{
  r->nfields = 0;
  r->bad = NULL;
  r->field.len = 0;
  r->field.overflow = false;
  if (r->i >= r->n)
    return 0;
  bool quoted = false, after_quote = false;
  while (r->i < r->n) {
    char c = r->s[r->i++];
    if (quoted) {
      if (c == '"') {
        if (r->i < r->n && r->s[r->i] == '"') {
          buf_append(&r->field, "\"", 1);
          r->i++;
        } else {
          quoted = false;
          after_quote = true;
        }
      } else {
        buf_append(&r->field, &c, 1);
      }
      continue;
    }
    if (c == r->sep) {
      end_field(r);
      after_quote = false;
      continue;
    }
    if (c == '\r' || c == '\n') {
      if (c == '\r' && r->i < r->n && r->s[r->i] == '\n')
        r->i++;
      end_field(r);
      return 1;
    }
    if (c == '"' && r->field.len == 0 && !after_quote) {
      quoted = true;
      continue;
    }
    if (after_quote) {
      /* "abc"x: tolerated only for trailing blanks */
      if (c == ' ' || c == '\t')
        continue;
      if (!r->bad)
        r->bad = N_("Unexpected text after a closing quote.");
    }
    buf_append(&r->field, &c, 1);
  }
  if (quoted)
    return -1;
  end_field(r);
  return 1;
}

/* An empty line, or one of separators only (spreadsheets write those). */
static bool blank(const struct reader *r)
{
  if (r->bad || r->nfields > CSV_MAX_FIELDS)
    return false;
  for (size_t i = 0; i < r->nfields; i++)
    if (!r->fields[i] || r->fields[i][0])
      return false;
  return true;
}

int csv_parse(arena *a, const char *data, size_t len, size_t max_records, struct csv *out, const char **err,
                  size_t *err_record)
{
  struct reader r = {.a = a, .s = data ? data : "", .n = data ? len : 0};
  memset(out, 0, sizeof *out);
  *err = NULL;
  *err_record = 0;
  if (r.n >= 3 && memcmp(r.s, "\xEF\xBB\xBF", 3) == 0)
    r.i = 3;
  r.sep = detect_sep(r.s + r.i, r.n - r.i);
  out->sep = r.sep;
  buf_init(&r.field, 64 * 1024);
  size_t cap = 16, record = 0;
  out->rows = arena_alloc(a, cap * sizeof *out->rows);
  int rc = 0;
  for (;;) {
    int got = read_record(&r);
    if (got == 0)
      break;
    record++;
    if (got < 0) {
      *err = N_("A quoted field is not closed.");
      *err_record = record;
      rc = -1;
      break;
    }
    if (blank(&r))
      continue;
    if (out->nrows >= max_records) {
      *err = N_("The file has too many rows.");
      *err_record = record;
      rc = -1;
      break;
    }
    if (out->nrows == cap) {
      struct csv_row *bigger = arena_alloc(a, 2 * cap * sizeof *bigger);
      memcpy(bigger, out->rows, cap * sizeof *bigger);
      out->rows = bigger;
      cap *= 2;
    }
    struct csv_row *row = &out->rows[out->nrows++];
    size_t keep = r.nfields < CSV_MAX_FIELDS ? r.nfields : CSV_MAX_FIELDS;
    row->record = record;
    row->nfields = r.nfields;
    row->fields = arena_alloc(a, (keep ? keep : 1) * sizeof *row->fields);
    memcpy(row->fields, r.fields, keep * sizeof *row->fields);
    row->bad = r.bad;
  }
  if (!rc && out->nrows == 0) {
    *err = N_("The file is empty.");
    *err_record = 1;
    rc = -1;
  }
  buf_free(&r.field);
  return rc;
}
