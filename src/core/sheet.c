/* sheet.c - spreadsheets in and out (see sheet.h). XLSX is read with
 * libarchive (the ZIP, from memory, every inflated part bounded) and the
 * libxml2 text reader (streaming: no tree, no network, no DTD); written
 * with libxlsxwriter in its constant-memory mode. CSV goes through csv.c
 * in, and a plain writer out. */
#define _GNU_SOURCE /* memmem */
#include "sheet.h"
#include "csv.h"
#include "files.h"
#include "i18n.h"
#include "log.h"
#include "tr.h"

#include <archive.h>
#include <archive_entry.h>
#include <libxml/xmlreader.h>
#include <xlsxwriter.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum {
  CELL_MAX = 64 * 1024,          /* bytes of one cell's text (as csv.c) */
  XML_MAX_DEPTH = 24,
  XLSX_MAX_TOTAL = 160 * 1024 * 1024, /* inflated bytes of all parts read */
  XLSX_MAX_ROW = 1048576,        /* Excel's limits */
  XLSX_MAX_COL = 16384,
  XLSX_MAX_STYLES = 65536,
  XLSX_MAX_STRINGS = 4 * 1024 * 1024,
  OUT_MAX = 512 * 1024 * 1024,   /* bytes of an export */
};

static const char *const msg_unreadable = N_("The file is not a readable XLSX workbook.");
static const char *const msg_too_large = N_("The workbook is too large when unpacked.");
static const char *const msg_bad_text = N_("The row has invalid UTF-8 or control characters.");

/* ---- the ZIP ----------------------------------------------------------------------------- */

struct part {
  const char *name; /* path inside the ZIP, compared without case (OPC) */
  buf data;
  bool found;
};

/* Inflates the wanted parts of the ZIP at data into their buffers;
 * every other entry is skipped unread. Returns 0, -1 (unreadable) or -2
 * (a limit), with *err set. */
static int unzip(const void *data, size_t len, struct part *parts, size_t nparts, const char **err)
{
  struct archive *ar = archive_read_new();
  archive_read_support_format_zip(ar);
  int rc = -1;
  size_t entries = 0, total = 0;
  *err = msg_unreadable;
  if (archive_read_open_memory(ar, data, len) != ARCHIVE_OK)
    goto out;
  for (;;) {
    struct archive_entry *e;
    int h = archive_read_next_header(ar, &e);
    if (h == ARCHIVE_EOF)
      break;
    if (h != ARCHIVE_OK && h != ARCHIVE_WARN)
      goto out;
    if (++entries > SHEET_XLSX_MAX_ENTRIES) {
      *err = N_("The workbook has too many parts.");
      rc = -2;
      goto out;
    }
    const char *name = archive_entry_pathname(e);
    struct part *p = NULL;
    for (size_t i = 0; name && i < nparts; i++)
      if (!parts[i].found && strcasecmp(parts[i].name, name) == 0)
        p = &parts[i];
    if (!p) {
      if (archive_read_data_skip(ar) != ARCHIVE_OK)
        goto out;
      continue;
    }
    /* The declared size may lie (a ZIP bomb says little): the bound is on
     * what actually comes out. */
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > SHEET_XLSX_MAX_PART) {
      *err = msg_too_large;
      rc = -2;
      goto out;
    }
    p->found = true;
    char chunk[65536];
    for (;;) {
      la_ssize_t n = archive_read_data(ar, chunk, sizeof chunk);
      if (n < 0)
        goto out;
      if (n == 0)
        break;
      total += (size_t)n;
      if (p->data.len + (size_t)n > SHEET_XLSX_MAX_PART || total > XLSX_MAX_TOTAL) {
        *err = msg_too_large;
        rc = -2;
        goto out;
      }
      buf_append(&p->data, chunk, (size_t)n);
    }
  }
  rc = 0;
  *err = NULL;
out:
  archive_read_free(ar);
  return rc;
}

/* ---- XML --------------------------------------------------------------------------------- */

static void quiet(void *arg, const char *msg, xmlParserSeverities severity, xmlTextReaderLocatorPtr loc)
{
  (void)arg, (void)msg, (void)severity, (void)loc;
}

/* A reader over one part, or NULL when the part cannot be safe: a
 * document type declaration (where entities come from) is refused before
 * the parser sees it; the encoding is fixed to UTF-8, so that a UTF-16
 * text cannot hide one. */
static xmlTextReaderPtr xml_open(buf *b, const char **err)
{
  const char *d = b->data ? b->data : "";
  if (b->len == 0 || b->len > (size_t)INT32_MAX || memchr(d, 0, b->len < 4 ? b->len : 4)) {
    *err = msg_unreadable;
    return NULL;
  }
  if (memmem(d, b->len, "<!DOCTYPE", 9) || memmem(d, b->len, "<!ENTITY", 8)) {
    *err = N_("Document type declarations and entities are not accepted.");
    return NULL;
  }
  xmlTextReaderPtr x =
      xmlReaderForMemory(d, (int)b->len, NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!x) {
    *err = msg_unreadable;
    return NULL;
  }
  xmlTextReaderSetErrorHandler(x, quiet, NULL);
  return x;
}

/* Next node; 1 when there is one, 0 at the end, -1 on malformed XML, a
 * document type or too deep nesting. */
static int xml_next(xmlTextReaderPtr x, const char **err)
{
  int rc = xmlTextReaderRead(x);
  if (rc < 0) {
    *err = msg_unreadable;
    return -1;
  }
  if (rc == 0)
    return 0;
  if (xmlTextReaderNodeType(x) == XML_READER_TYPE_DOCUMENT_TYPE) {
    *err = N_("Document type declarations and entities are not accepted.");
    return -1;
  }
  if (xmlTextReaderDepth(x) > XML_MAX_DEPTH) {
    *err = N_("The worksheet is nested too deeply.");
    return -1;
  }
  return 1;
}

static bool is_elem(xmlTextReaderPtr x, int type, const char *local)
{
  if (xmlTextReaderNodeType(x) != type)
    return false;
  const xmlChar *n = xmlTextReaderConstLocalName(x);
  return n && strcmp((const char *)n, local) == 0;
}

static bool is_text(xmlTextReaderPtr x)
{
  int t = xmlTextReaderNodeType(x);
  return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA || t == XML_READER_TYPE_WHITESPACE ||
         t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE;
}

/* An attribute copied into the arena, or NULL. */
static char *attr(arena *a, xmlTextReaderPtr x, const char *name)
{
  xmlChar *v = xmlTextReaderGetAttribute(x, (const xmlChar *)name);
  if (!v)
    return NULL;
  char *s = arena_strndup(a, (const char *)v, strnlen((const char *)v, CELL_MAX));
  xmlFree(v);
  return s;
}

static char *attr_ns(arena *a, xmlTextReaderPtr x, const char *name, const char *ns)
{
  xmlChar *v = xmlTextReaderGetAttributeNs(x, (const xmlChar *)name, (const xmlChar *)ns);
  if (!v)
    return NULL;
  char *s = arena_strndup(a, (const char *)v, strnlen((const char *)v, CELL_MAX));
  xmlFree(v);
  return s;
}

/* Empties a buffer for the next value; buf_cstr() relies on the
 * terminator that buf_append() keeps after the data. */
static void reset(buf *b)
{
  b->len = 0;
  b->overflow = false;
  if (b->data)
    b->data[0] = 0;
}

/* ---- the workbook: which part is the first sheet, the date system -------------------------- */

static const char *const ns_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

struct book {
  const char *sheet_rid; /* r:id of the first <sheet> */
  bool date1904;
  const char *sheet_part;
  /* styles: the date kind of each cell format (xf index) */
  unsigned char *xf_kind;
  size_t nxf;
  /* shared strings */
  const char **strings;
  size_t nstrings;
};

enum { K_NONE = 0, K_DATE = 1, K_TIME = 2, K_DATETIME = 3 };

static int read_workbook(arena *a, buf *b, struct book *bk, const char **err)
{
  xmlTextReaderPtr x = xml_open(b, err);
  if (!x)
    return -1;
  int rc, got;
  while ((got = xml_next(x, err)) == 1) {
    if (is_elem(x, XML_READER_TYPE_ELEMENT, "workbookPr")) {
      const char *v = attr(a, x, "date1904");
      bk->date1904 = v && (str_eq(v, "1") || str_eq(v, "true"));
    } else if (!bk->sheet_rid && is_elem(x, XML_READER_TYPE_ELEMENT, "sheet")) {
      bk->sheet_rid = attr_ns(a, x, "id", ns_rel);
    }
  }
  rc = got < 0 ? -1 : 0;
  xmlFreeTextReader(x);
  return rc;
}

static int read_rels(arena *a, buf *b, struct book *bk, const char **err)
{
  xmlTextReaderPtr x = xml_open(b, err);
  if (!x)
    return -1;
  int got;
  while ((got = xml_next(x, err)) == 1) {
    if (!is_elem(x, XML_READER_TYPE_ELEMENT, "Relationship"))
      continue;
    const char *id = attr(a, x, "Id"), *target = attr(a, x, "Target");
    if (id && target && bk->sheet_rid && str_eq(id, bk->sheet_rid)) {
      /* Relative to xl/, or absolute from the package root. */
      bk->sheet_part = target[0] == '/' ? target + 1 : arena_printf(a, "xl/%s", target);
      break;
    }
  }
  xmlFreeTextReader(x);
  return got < 0 ? -1 : 0;
}

/* What a number format shows: a date, a time of day, both, or neither.
 * Quoted text, [..] sections (colours, locales) and escaped characters
 * do not count; 'm' is month or minute, so it decides nothing alone. */
static int code_kind(const char *code)
{
  bool date = false, time = false;
  for (const char *p = code; *p; p++) {
    if (*p == '"') {
      p = strchr(p + 1, '"');
      if (!p)
        break;
    } else if (*p == '[') {
      if (p[1] == 'h' || p[1] == 'H' || p[1] == 's' || p[1] == 'S')
        time = true; /* [h]:mm elapsed time */
      p = strchr(p + 1, ']');
      if (!p)
        break;
    } else if (*p == '\\' && p[1]) {
      p++;
    } else if (*p == 'd' || *p == 'D' || *p == 'y' || *p == 'Y') {
      date = true;
    } else if (*p == 'h' || *p == 'H' || *p == 's' || *p == 'S') {
      time = true;
    }
  }
  return (date ? K_DATE : 0) | (time ? K_TIME : 0);
}

static int builtin_kind(long id)
{
  if ((id >= 14 && id <= 17) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58))
    return K_DATE;
  if (id == 22)
    return K_DATETIME;
  if ((id >= 18 && id <= 21) || (id >= 45 && id <= 47))
    return K_TIME;
  return K_NONE;
}

struct numfmt {
  long id;
  int kind;
};

static int read_styles(arena *a, buf *b, struct book *bk, const char **err)
{
  xmlTextReaderPtr x = xml_open(b, err);
  if (!x)
    return -1;
  size_t nfmt = 0, capfmt = 16, capxf = 64;
  struct numfmt *fmts = arena_alloc(a, capfmt * sizeof *fmts);
  bk->xf_kind = arena_alloc(a, capxf);
  bk->nxf = 0;
  bool in_xfs = false;
  int got, rc = -1;
  while ((got = xml_next(x, err)) == 1) {
    if (is_elem(x, XML_READER_TYPE_ELEMENT, "numFmt")) {
      const char *id = attr(a, x, "numFmtId"), *code = attr(a, x, "formatCode");
      if (!id || !code)
        continue;
      if (nfmt == capfmt) {
        if (capfmt >= XLSX_MAX_STYLES)
          goto limit;
        struct numfmt *more = arena_alloc(a, 2 * capfmt * sizeof *more);
        memcpy(more, fmts, capfmt * sizeof *more);
        fmts = more;
        capfmt *= 2;
      }
      fmts[nfmt].id = strtol(id, NULL, 10);
      fmts[nfmt++].kind = code_kind(code);
    } else if (is_elem(x, XML_READER_TYPE_ELEMENT, "cellXfs")) {
      in_xfs = !xmlTextReaderIsEmptyElement(x);
    } else if (is_elem(x, XML_READER_TYPE_END_ELEMENT, "cellXfs")) {
      in_xfs = false;
    } else if (in_xfs && is_elem(x, XML_READER_TYPE_ELEMENT, "xf")) {
      if (bk->nxf == capxf) {
        if (capxf >= XLSX_MAX_STYLES)
          goto limit;
        unsigned char *more = arena_alloc(a, 2 * capxf);
        memcpy(more, bk->xf_kind, capxf);
        bk->xf_kind = more;
        capxf *= 2;
      }
      const char *id = attr(a, x, "numFmtId");
      long n = id ? strtol(id, NULL, 10) : 0;
      int kind = builtin_kind(n);
      for (size_t i = 0; i < nfmt; i++)
        if (fmts[i].id == n)
          kind = fmts[i].kind;
      bk->xf_kind[bk->nxf++] = (unsigned char)kind;
    }
  }
  rc = got < 0 ? -1 : 0;
  goto out;
limit:
  *err = msg_too_large;
  rc = -2;
out:
  xmlFreeTextReader(x);
  return rc;
}

/* The text of <si> items: <t> directly or in rich-text runs <r><t>;
 * phonetic runs (<rPh>) are not part of the text. */
static int read_strings(arena *a, buf *b, struct book *bk, const char **err)
{
  xmlTextReaderPtr x = xml_open(b, err);
  if (!x)
    return -1;
  size_t cap = 64;
  bk->strings = arena_alloc(a, cap * sizeof *bk->strings);
  bk->nstrings = 0;
  buf t;
  buf_init(&t, CELL_MAX + 1);
  bool in_si = false, in_t = false;
  int in_rph = 0, got, rc = -1;
  while ((got = xml_next(x, err)) == 1) {
    if (is_elem(x, XML_READER_TYPE_ELEMENT, "si")) {
      reset(&t);
      in_si = true;
      if (xmlTextReaderIsEmptyElement(x))
        goto end_si;
    } else if (in_si && is_elem(x, XML_READER_TYPE_ELEMENT, "rPh")) {
      in_rph += !xmlTextReaderIsEmptyElement(x);
    } else if (in_si && is_elem(x, XML_READER_TYPE_END_ELEMENT, "rPh")) {
      in_rph--;
    } else if (in_si && is_elem(x, XML_READER_TYPE_ELEMENT, "t")) {
      in_t = !xmlTextReaderIsEmptyElement(x) && in_rph == 0;
    } else if (is_elem(x, XML_READER_TYPE_END_ELEMENT, "t")) {
      in_t = false;
    } else if (in_t && is_text(x)) {
      const char *v = (const char *)xmlTextReaderConstValue(x);
      if (v)
        buf_append(&t, v, strlen(v));
    } else if (in_si && is_elem(x, XML_READER_TYPE_END_ELEMENT, "si")) {
      goto end_si;
    }
    continue;
  end_si:
    in_si = false;
    in_rph = 0;
    if (bk->nstrings == cap) {
      if (cap >= XLSX_MAX_STRINGS) {
        *err = msg_too_large;
        rc = -2;
        goto out;
      }
      const char **more = arena_alloc(a, 2 * cap * sizeof *more);
      memcpy(more, bk->strings, cap * sizeof *more);
      bk->strings = more;
      cap *= 2;
    }
    /* A too long string is cut here and refused where a cell uses it. */
    bk->strings[bk->nstrings++] = arena_strndup(a, buf_cstr(&t), t.overflow ? CELL_MAX + 1 : t.len);
  }
  rc = got < 0 ? -1 : 0;
out:
  buf_free(&t);
  xmlFreeTextReader(x);
  return rc;
}

/* ---- the worksheet ----------------------------------------------------------------------- */

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm). */
static void civil(int64_t z, int *y, unsigned *m, unsigned *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int)(yy + (*m <= 2));
}

/* A serial number shown through a date/time style, as ISO text; the
 * number itself when it is out of range. Excel's 1900 system counts the
 * non-existent 1900-02-29 (serial 60). */
static const char *serial_text(arena *a, const char *v, int kind, bool date1904)
{
  char *end;
  double s = strtod(v, &end);
  if (end == v || *end || !isfinite(s) || s < 0 || s >= 2958466)
    return v;
  int64_t days = (int64_t)s; /* s >= 0: truncation is floor */
  int64_t secs = (int64_t)((s - (double)days) * 86400.0 + 0.5);
  if (secs >= 86400) {
    days++;
    secs -= 86400;
  }
  char t[16];
  snprintf(t, sizeof t, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
  if (kind == K_TIME)
    return arena_strdup(a, t);
  int64_t unix_days = date1904 ? days - 24107 : days >= 61 ? days - 25569 : days - 25568;
  int y;
  unsigned m, d;
  civil(unix_days, &y, &m, &d);
  if (kind == K_DATE || secs == 0)
    return arena_printf(a, "%04d-%02u-%02u", y, m, d);
  return arena_printf(a, "%04d-%02u-%02u %.5s", y, m, d, t);
}

/* "C12" -> column 3 (1-based); the digits are the row, which the
 * enclosing <row> already gave. 0 when malformed. */
static size_t ref_col(const char *ref)
{
  size_t c = 0;
  const char *p = ref;
  for (; *p >= 'A' && *p <= 'Z'; p++) {
    c = c * 26 + (size_t)(*p - 'A' + 1);
    if (c > XLSX_MAX_COL)
      return 0;
  }
  if (p == ref || *p < '1' || *p > '9')
    return 0;
  for (; *p; p++)
    if (*p < '0' || *p > '9')
      return 0;
  return c;
}

struct rows {
  arena *a;
  struct sheet *out;
  size_t cap, max;
  /* the row being read */
  size_t row, ncells;
  char *cells[SHEET_MAX_COLS];
  const char *bad;
  bool any;
};

static void row_begin(struct rows *w, size_t row)
{
  w->row = row;
  w->ncells = 0;
  memset(w->cells, 0, sizeof w->cells);
  w->bad = NULL;
  w->any = false;
}

static void row_cell(struct rows *w, size_t col, const char *v, size_t len)
{
  if (!len)
    return;
  if (len > CELL_MAX && !w->bad)
    w->bad = N_("A field is too long.");
  else if (!w->bad && tr_text_check(v, len, true))
    w->bad = msg_bad_text;
  w->any = true;
  if (col > w->ncells)
    w->ncells = col;
  if (col <= SHEET_MAX_COLS)
    w->cells[col - 1] = arena_strndup(w->a, v, len > CELL_MAX ? CELL_MAX : len);
}

/* Keeps a row that has any value. -2 when there are too many. */
static int row_end(struct rows *w)
{
  if (!w->any)
    return 0;
  struct sheet *s = w->out;
  if (s->nrows >= w->max) {
    s->err_row = w->row;
    return -2;
  }
  if (s->nrows == w->cap) {
    struct sheet_row *more = arena_alloc(w->a, 2 * w->cap * sizeof *more);
    memcpy(more, s->rows, w->cap * sizeof *more);
    s->rows = more;
    w->cap *= 2;
  }
  size_t keep = w->ncells < SHEET_MAX_COLS ? w->ncells : SHEET_MAX_COLS;
  struct sheet_row *r = &s->rows[s->nrows++];
  r->row = w->row;
  r->ncells = w->ncells;
  r->bad = w->bad;
  r->cells = arena_alloc(w->a, (keep ? keep : 1) * sizeof *r->cells);
  for (size_t i = 0; i < keep; i++)
    r->cells[i] = w->cells[i] ? w->cells[i] : "";
  return 0;
}

/* The value of a finished <c>: its type t, style s, the <v> or inline
 * text in v. */
static const char *cell_value(arena *a, const struct book *bk, const char *t, const char *s, const char *v,
                              bool *bad_ref)
{
  *bad_ref = false;
  if (!t || str_eq(t, "n")) {
    if (!*v)
      return v;
    long xf = s ? strtol(s, NULL, 10) : 0;
    if (xf > 0 && (size_t)xf < bk->nxf && bk->xf_kind[xf])
      return serial_text(a, v, bk->xf_kind[xf], bk->date1904);
    return v;
  }
  if (str_eq(t, "s")) {
    int64_t i;
    if (parse_i64(v, &i) || (size_t)i >= bk->nstrings) {
      *bad_ref = true;
      return "";
    }
    return bk->strings[i];
  }
  if (str_eq(t, "b"))
    return str_eq(v, "1") ? "TRUE" : str_eq(v, "0") ? "FALSE" : v;
  if (str_eq(t, "d")) /* ISO 8601 date cell: the date, and the time when there is one */
    return strlen(v) > 10 && v[10] == 'T' && !str_starts(v + 11, "00:00:00") ? arena_printf(a, "%.10s %.5s", v, v + 11)
                                                                                : arena_strndup(a, v, 10);
  return v; /* str, inlineStr, e (#N/A...) */
}

static int read_sheet(arena *a, buf *b, const struct book *bk, struct sheet *out, size_t max_rows, const char **err)
{
  xmlTextReaderPtr x = xml_open(b, err);
  if (!x)
    return -1;
  struct rows w = {.a = a, .out = out, .cap = 64, .max = max_rows};
  out->rows = arena_alloc(a, w.cap * sizeof *out->rows);
  buf v;
  buf_init(&v, CELL_MAX + 1);
  size_t row = 0, col = 0;
  bool in_data = false, in_row = false, in_cell = false, in_v = false;
  int in_rph = 0, got, rc = -1;
  const char *ct = NULL, *cs = NULL;
  while ((got = xml_next(x, err)) == 1) {
    if (is_elem(x, XML_READER_TYPE_ELEMENT, "sheetData")) {
      in_data = !xmlTextReaderIsEmptyElement(x);
    } else if (is_elem(x, XML_READER_TYPE_END_ELEMENT, "sheetData")) {
      in_data = false;
    } else if (!in_data) {
      continue;
    } else if (!in_row && is_elem(x, XML_READER_TYPE_ELEMENT, "row")) {
      const char *r = attr(a, x, "r");
      int64_t n = (int64_t)row + 1;
      if ((r && parse_i64(r, &n)) || n <= (int64_t)row || n > XLSX_MAX_ROW) {
        *err = msg_unreadable;
        goto out;
      }
      row = (size_t)n;
      col = 0;
      row_begin(&w, row);
      in_row = true;
      if (xmlTextReaderIsEmptyElement(x))
        goto end_row;
    } else if (in_row && is_elem(x, XML_READER_TYPE_END_ELEMENT, "row")) {
      goto end_row;
    } else if (in_row && !in_cell && is_elem(x, XML_READER_TYPE_ELEMENT, "c")) {
      const char *r = attr(a, x, "r");
      size_t c = r ? ref_col(r) : col + 1;
      if (!c || c <= col || c > XLSX_MAX_COL) {
        *err = msg_unreadable;
        goto out;
      }
      col = c;
      ct = attr(a, x, "t");
      cs = attr(a, x, "s");
      reset(&v);
      in_cell = true;
      in_rph = 0;
      if (xmlTextReaderIsEmptyElement(x))
        goto end_cell;
    } else if (in_cell && is_elem(x, XML_READER_TYPE_END_ELEMENT, "c")) {
      goto end_cell;
    } else if (in_cell && is_elem(x, XML_READER_TYPE_ELEMENT, "rPh")) {
      in_rph += !xmlTextReaderIsEmptyElement(x);
    } else if (in_cell && is_elem(x, XML_READER_TYPE_END_ELEMENT, "rPh")) {
      in_rph--;
    } else if (in_cell && (is_elem(x, XML_READER_TYPE_ELEMENT, "v") || is_elem(x, XML_READER_TYPE_ELEMENT, "t"))) {
      /* <v> for values, <is><t> (or rich runs) for inline strings */
      in_v = !xmlTextReaderIsEmptyElement(x) && in_rph == 0;
    } else if (is_elem(x, XML_READER_TYPE_END_ELEMENT, "v") || is_elem(x, XML_READER_TYPE_END_ELEMENT, "t")) {
      in_v = false;
    } else if (in_v && is_text(x)) {
      const char *s = (const char *)xmlTextReaderConstValue(x);
      if (s)
        buf_append(&v, s, strlen(s));
    }
    continue;
  end_cell:
    in_cell = in_v = false;
    {
      bool bad_ref;
      const char *val = v.overflow ? NULL : cell_value(a, bk, ct, cs, buf_cstr(&v), &bad_ref);
      if (!val) {
        if (!w.bad)
          w.bad = N_("A field is too long.");
      } else if (bad_ref) {
        *err = msg_unreadable;
        goto out;
      } else {
        row_cell(&w, col, val, strlen(val));
      }
    }
    continue;
  end_row:
    in_row = in_cell = in_v = false;
    if (row_end(&w)) {
      *err = N_("The file has too many rows.");
      rc = -2;
      goto out;
    }
  }
  if (got < 0)
    goto out;
  rc = 0;
out:
  buf_free(&v);
  xmlFreeTextReader(x);
  return rc;
}

static int read_xlsx(arena *a, const void *data, size_t len, size_t max_rows, struct sheet *out, const char **err)
{
  enum { WB, RELS, STYLES, STRINGS, NPARTS };
  struct part parts[NPARTS] = {
      {.name = "xl/workbook.xml"},
      {.name = "xl/_rels/workbook.xml.rels"},
      {.name = "xl/styles.xml"},
      {.name = "xl/sharedStrings.xml"},
  };
  struct part sheet = {0};
  for (int i = 0; i < NPARTS; i++)
    buf_init(&parts[i].data, SHEET_XLSX_MAX_PART);
  buf_init(&sheet.data, SHEET_XLSX_MAX_PART);
  struct book bk = {0};
  int rc = unzip(data, len, parts, NPARTS, err);
  if (rc)
    goto out;
  rc = -1;
  *err = msg_unreadable;
  if (!parts[WB].found)
    goto out;
  if (read_workbook(a, &parts[WB].data, &bk, err))
    goto out;
  if (parts[RELS].found && (rc = read_rels(a, &parts[RELS].data, &bk, err)))
    goto out;
  if (!bk.sheet_part)
    bk.sheet_part = "xl/worksheets/sheet1.xml";
  if (parts[STYLES].found && (rc = read_styles(a, &parts[STYLES].data, &bk, err)))
    goto out;
  if (parts[STRINGS].found && (rc = read_strings(a, &parts[STRINGS].data, &bk, err)))
    goto out;
  /* Second pass over the ZIP for the one worksheet, now that its name is
   * known: the parts already read are not kept twice. */
  for (int i = 0; i < NPARTS; i++)
    buf_free(&parts[i].data);
  sheet.name = bk.sheet_part;
  rc = unzip(data, len, &sheet, 1, err);
  if (rc)
    goto out;
  rc = -1;
  *err = msg_unreadable;
  if (!sheet.found)
    goto out;
  rc = read_sheet(a, &sheet.data, &bk, out, max_rows, err);
out:
  for (int i = 0; i < NPARTS; i++)
    buf_free(&parts[i].data);
  buf_free(&sheet.data);
  return rc;
}

int sheet_read(arena *a, const void *data, size_t len, size_t max_rows, struct sheet *out, const char **err)
{
  memset(out, 0, sizeof *out);
  *err = NULL;
  if (data && len >= 4 && memcmp(data, "PK\3\4", 4) == 0) {
    out->format = SHEET_XLSX;
    int rc = read_xlsx(a, data, len, max_rows, out, err);
    if (!rc && out->nrows == 0) {
      *err = N_("The file is empty.");
      out->err_row = 1;
      rc = -1;
    }
    return rc;
  }
  out->format = SHEET_CSV;
  struct csv c;
  size_t rec = 0;
  if (csv_parse(a, data, len, max_rows, &c, err, &rec)) {
    out->err_row = rec;
    return str_eq(*err, "The file has too many rows.") ? -2 : -1;
  }
  out->sep = c.sep;
  out->nrows = c.nrows;
  out->rows = arena_alloc(a, c.nrows * sizeof *out->rows);
  for (size_t i = 0; i < c.nrows; i++) {
    out->rows[i].row = c.rows[i].record;
    out->rows[i].ncells = c.rows[i].nfields;
    out->rows[i].cells = c.rows[i].fields;
    out->rows[i].bad = c.rows[i].bad;
  }
  return 0;
}

/* ---- the header -------------------------------------------------------------------------- */

/* Folds a header name for comparison: Turkish case fold to ASCII, only
 * letters and digits kept. Returns false when it cannot be folded. */
static bool header_key(const char *in, size_t n, char *out, size_t outlen)
{
  char f[512], s[256];
  if (n >= sizeof s)
    return false;
  memcpy(s, in, n);
  s[n] = 0;
  if (tr_fold(s, true, f, sizeof f))
    return false;
  size_t o = 0;
  for (const char *p = f; *p && o + 1 < outlen; p++)
    if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
      out[o++] = *p;
  out[o] = 0;
  return true;
}

static int field_of_header(const char *cell, const struct sheet_field *fields, size_t nfields)
{
  char k[256], ak[256];
  if (!header_key(cell, strlen(cell), k, sizeof k) || !k[0])
    return -1;
  for (size_t i = 0; i < nfields; i++) {
    for (const char *p = fields[i].aliases; p && *p;) {
      const char *bar = strchr(p, '|');
      size_t n = bar ? (size_t)(bar - p) : strlen(p);
      if (header_key(p, n, ak, sizeof ak) && str_eq(k, ak))
        return (int)i;
      p = bar ? bar + 1 : p + n;
    }
  }
  return -1;
}

static const char *first_alias(arena *a, const struct sheet_field *f)
{
  const char *bar = strchr(f->aliases, '|');
  return bar ? arena_strndup(a, f->aliases, (size_t)(bar - f->aliases)) : f->aliases;
}

int sheet_map_header(arena *a, const struct sheet *s, const struct sheet_field *fields, size_t nfields,
                     struct sheet_map *m, json_t *errors)
{
  memset(m, 0, sizeof *m);
  m->a = a;
  m->s = s;
  m->fields = fields;
  m->nfields = nfields < SHEET_MAX_FIELDS ? nfields : SHEET_MAX_FIELDS;
  for (size_t f = 0; f < SHEET_MAX_FIELDS; f++)
    m->col[f] = -1;
  for (size_t c = 0; c < SHEET_MAX_COLS; c++)
    m->field_of[c] = -1;
  const struct sheet_row *h = &s->rows[0];
  if (h->bad) {
    sheet_error(errors, h->row, NULL, _(h->bad));
    return 1;
  }
  if (h->ncells > SHEET_MAX_COLS) {
    sheet_error(errors, h->row, NULL, _("The header row has too many columns."));
    return 1;
  }
  int bad = 0;
  for (size_t c = 0; c < h->ncells; c++) {
    const char *cell = h->cells[c];
    if (!cell[0] || !tr_text_clean(a, cell, 255, false) || !*tr_text_clean(a, cell, 255, false))
      continue; /* a column without a header: only values in it are errors */
    int f = field_of_header(cell, m->fields, m->nfields);
    if (f < 0) {
      sheet_error(errors, h->row, cell, _("Unknown column."));
      bad++;
    } else if (m->col[f] >= 0) {
      sheet_error(errors, h->row, cell, _("The column appears twice."));
      bad++;
    } else {
      m->col[f] = (int)c;
      m->field_of[c] = f;
    }
  }
  for (size_t f = 0; f < m->nfields; f++) {
    if (fields[f].required && m->col[f] < 0) {
      sheet_error(errors, h->row, first_alias(a, &fields[f]), _("This column is missing."));
      bad++;
    }
  }
  return bad;
}

static int field_index(const struct sheet_map *m, const char *key)
{
  for (size_t f = 0; f < m->nfields; f++)
    if (str_eq(m->fields[f].key, key))
      return (int)f;
  return -1;
}

const char *sheet_cell(const struct sheet_map *m, size_t i, const char *key)
{
  int f = field_index(m, key);
  if (f < 0 || m->col[f] < 0 || i >= m->s->nrows)
    return "";
  const struct sheet_row *row = &m->s->rows[i];
  size_t c = (size_t)m->col[f];
  size_t kept = row->ncells < SHEET_MAX_COLS ? row->ncells : SHEET_MAX_COLS;
  return c < kept ? row->cells[c] : "";
}

const char *sheet_column(const struct sheet_map *m, const char *key)
{
  int f = field_index(m, key);
  if (f < 0)
    return key;
  if (m->col[f] >= 0)
    return m->s->rows[0].cells[m->col[f]];
  return first_alias(m->a, &m->fields[f]);
}

int sheet_row_check(const struct sheet_map *m, size_t i, json_t *errors)
{
  const struct sheet_row *row = &m->s->rows[i];
  if (row->bad) {
    sheet_error(errors, row->row, NULL, _(row->bad));
    return 1;
  }
  if (row->ncells > SHEET_MAX_COLS) {
    sheet_error(errors, row->row, NULL, _("The row has too many columns."));
    return 1;
  }
  for (size_t c = 0; c < row->ncells; c++) {
    if (m->field_of[c] < 0 && row->cells[c][0]) {
      sheet_error(errors, row->row, NULL, _("A value is in a column without a header."));
      return 1;
    }
  }
  return 0;
}

void sheet_error(json_t *errors, size_t row, const char *column, const char *reason)
{
  json_array_append_new(errors, json_pack("{sIsoss}", "row", (json_int_t)row, "column",
                                          column ? json_string(column) : json_null(), "reason", reason));
}

void sheet_error_fields(json_t *errors, size_t row, const struct sheet_map *m, json_t *fields)
{
  const char *k;
  json_t *v;
  json_object_foreach(fields, k, v)
  {
    const char *reason = json_string_value(v);
    sheet_error(errors, row, sheet_column(m, k), reason ? reason : "");
  }
}

/* ---- out --------------------------------------------------------------------------------- */

bool sheet_format_ok(const char *format)
{
  return format && (str_eq(format, "csv") || str_eq(format, "xlsx"));
}

/* The value at a dotted path ("unit.name"), or NULL. */
static json_t *value_at(json_t *row, const char *key)
{
  json_t *v = row;
  const char *p = key;
  while (v && json_is_object(v)) {
    const char *dot = strchr(p, '.');
    if (!dot)
      return json_object_get(v, p);
    char part[64];
    size_t n = (size_t)(dot - p);
    if (n >= sizeof part)
      return NULL;
    memcpy(part, p, n);
    part[n] = 0;
    v = json_object_get(v, part);
    p = dot + 1;
  }
  return NULL;
}

/* "YYYY-MM-DD" at the start of s. */
static bool iso_date(const char *s, int *y, int *m, int *d)
{
  if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-')
    return false;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
      return false;
  *y = atoi(s);
  *m = atoi(s + 5);
  *d = atoi(s + 8);
  return *m >= 1 && *m <= 12 && *d >= 1 && *d <= 31;
}

/* A cell as text for CSV; *guard: it is free text (formula-guarded). */
static const char *cell_text(request *r, json_t *v, enum sheet_kind kind, bool *guard)
{
  *guard = false;
  if (!v || json_is_null(v))
    return "";
  if (json_is_boolean(v))
    return json_is_true(v) ? _("Yes") : _("No");
  if (kind == SHEET_MONEY && (json_is_integer(v) || json_is_real(v))) {
    long long k = json_is_integer(v) ? (long long)json_integer_value(v) : (long long)(json_real_value(v) + (json_real_value(v) < 0 ? -0.5 : 0.5));
    unsigned long long u = k < 0 ? 0ULL - (unsigned long long)k : (unsigned long long)k;
    return arena_printf(r->a, "%s%llu,%02llu", k < 0 ? "-" : "", u / 100, u % 100);
  }
  if (json_is_integer(v))
    return arena_printf(r->a, "%lld", (long long)json_integer_value(v));
  if (json_is_real(v))
    return arena_printf(r->a, "%.15g", json_real_value(v));
  const char *s = json_string_value(v);
  if (!s)
    return ""; /* objects and arrays have no cell */
  int y, m, d;
  if (kind == SHEET_DATE && iso_date(s, &y, &m, &d))
    return arena_strndup(r->a, s, 10);
  *guard = true;
  return s;
}

static void csv_field(buf *b, const char *s, bool guard)
{
  bool formula = guard && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r');
  bool quote = formula || strpbrk(s, ";\"\r\n") || (s[0] == ' ') || (s[0] && s[strlen(s) - 1] == ' ');
  if (!quote) {
    buf_puts(b, s);
    return;
  }
  buf_puts(b, "\"");
  if (formula)
    buf_puts(b, "'");
  for (const char *p = s; *p; p++) {
    if (*p == '"')
      buf_puts(b, "\"\"");
    else
      buf_append(b, p, 1);
  }
  buf_puts(b, "\"");
}

static const char *file_name(request *r, const char *base, const char *ext)
{
  time_t now = (time_t)now_unix();
  struct tm tm;
  gmtime_r(&now, &tm);
  return arena_printf(r->a, "attachment; filename=\"%s-%04d-%02d-%02d.%s\"", base, tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, ext);
}

static int send_csv(request *r, const char *base, const struct sheet_col *cols, size_t ncols, json_t *rows)
{
  buf b;
  buf_init(&b, OUT_MAX);
  buf_puts(&b, "\xEF\xBB\xBF");
  for (size_t c = 0; c < ncols; c++) {
    if (c)
      buf_puts(&b, ";");
    csv_field(&b, _(cols[c].title), true);
  }
  buf_puts(&b, "\r\n");
  size_t i;
  json_t *row;
  json_array_foreach(rows, i, row)
  {
    for (size_t c = 0; c < ncols; c++) {
      bool guard;
      const char *s = cell_text(r, value_at(row, cols[c].key), cols[c].kind, &guard);
      if (c)
        buf_puts(&b, ";");
      csv_field(&b, s, guard);
    }
    buf_puts(&b, "\r\n");
  }
  int rc = -1;
  if (b.overflow) {
    log_error("export too large", "bytes>%d", OUT_MAX);
    goto out;
  }
  http_header(r, "Content-Disposition", file_name(r, base, "csv"));
  http_text(r, 200, "text/csv; charset=utf-8", b.data ? b.data : "", b.len);
  rc = 0;
out:
  buf_free(&b);
  return rc;
}

struct xlsx_job {
  request *r;
  const char *title;
  const struct sheet_col *cols;
  size_t ncols;
  json_t *rows;
};

/* A worksheet name Excel accepts: at most 31 characters, none of
 * []:*?/\ and not starting or ending with '. */
static const char *sheet_name(request *r, const char *title)
{
  char *s = arena_strdup(r->a, title ? title : "");
  size_t chars = 0, i = 0;
  for (; s[i]; i++) {
    if (strchr("[]:*?/\\'", s[i]))
      s[i] = ' ';
    if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > 31)
      break;
  }
  s[i] = 0;
  return s[0] ? s : "Sheet1";
}

static double default_width(enum sheet_kind k)
{
  return k == SHEET_TEXT ? 24 : k == SHEET_INT ? 10 : k == SHEET_DATE ? 12 : 14;
}

static int write_xlsx(const char *path, void *u)
{
  struct xlsx_job *j = u;
  request *r = j->r;
  lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  if (!wb)
    return -1;
  lxw_doc_properties props = {.title = (char *)j->title, .author = (char *)"defter"};
  workbook_set_properties(wb, &props);
  lxw_worksheet *ws = workbook_add_worksheet(wb, sheet_name(r, j->title));
  if (!ws)
    ws = workbook_add_worksheet(wb, NULL);
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_format *date = workbook_add_format(wb);
  format_set_num_format(date, "dd.mm.yyyy");
  lxw_format *money = workbook_add_format(wb);
  format_set_num_format(money, "#,##0.00");
  for (size_t c = 0; c < j->ncols; c++) {
    double w = j->cols[c].width > 0 ? j->cols[c].width : default_width(j->cols[c].kind);
    worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL);
    worksheet_write_string(ws, 0, (lxw_col_t)c, _(j->cols[c].title), bold);
  }
  worksheet_freeze_panes(ws, 1, 0);
  size_t i;
  json_t *row;
  json_array_foreach(j->rows, i, row)
  {
    lxw_row_t y = (lxw_row_t)(i + 1);
    for (size_t c = 0; c < j->ncols; c++) {
      json_t *v = value_at(row, j->cols[c].key);
      enum sheet_kind k = j->cols[c].kind;
      lxw_col_t x = (lxw_col_t)c;
      int yy, mm, dd;
      if (!v || json_is_null(v))
        continue;
      if (k == SHEET_MONEY && json_is_integer(v))
        worksheet_write_number(ws, y, x, (double)json_integer_value(v) / 100.0, money);
      else if ((k == SHEET_INT || k == SHEET_MONEY) && json_is_number(v))
        worksheet_write_number(ws, y, x, json_number_value(v), k == SHEET_MONEY ? money : NULL);
      else if (k == SHEET_DATE && iso_date(json_string_value(v), &yy, &mm, &dd)) {
        lxw_datetime dt = {.year = yy, .month = mm, .day = dd};
        worksheet_write_datetime(ws, y, x, &dt, date);
      } else {
        bool guard;
        const char *s = cell_text(r, v, k, &guard);
        if (*s)
          worksheet_write_string(ws, y, x, s, NULL);
      }
    }
  }
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int sheet_send(request *r, const char *format, const char *filename_base, const char *title,
               const struct sheet_col *cols, size_t ncols, json_t *rows)
{
  if (!sheet_format_ok(format))
    return http_invalid(r, json_pack("{ss}", "format", _("Use csv or xlsx.")));
  if (json_array_size(rows) > SHEET_EXPORT_MAX)
    return http_error(r, 413, "too_large",
                      arena_printf(r->a, _("The list has more than %d rows: narrow it with the filters and export "
                                           "again."),
                                   SHEET_EXPORT_MAX),
                      NULL);
  if (str_eq(format, "csv"))
    return send_csv(r, filename_base, cols, ncols, rows);
  struct xlsx_job j = {r, title, cols, ncols, rows};
  buf out;
  buf_init(&out, OUT_MAX);
  int rc = files_render_tmp(write_xlsx, &j, &out);
  if (rc) {
    log_error("export workbook not written", "file=%s", filename_base);
  } else {
    http_header(r, "Content-Disposition", file_name(r, filename_base, "xlsx"));
    http_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.data ? out.data : "",
              out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}
