/* pdf.h - printable reports (A4 portrait PDF through cairo + pango): a
 * flow of text blocks and tables that break across pages, the table's
 * header repeated on each page and "page i / N" at every foot. DejaVu
 * Sans carries every Turkish letter. A document is described first, then
 * rendered in one call (measured, laid out on pages, drawn). */
#ifndef DEFTER_PDF_H
#define DEFTER_PDF_H

#include "util.h"

enum pdf_style {
  PDF_TITLE,  /* the document's title, large and coloured */
  PDF_BOLD,   /* a heading or a line that stands out */
  PDF_BODY,   /* running text */
  PDF_SMALL,  /* notes */
  PDF_MONO,   /* hashes, raw log lines */
};

typedef struct pdf_doc pdf_doc;

/* A new document whose strings and blocks live in a (the caller's arena;
 * nothing is copied). title goes into the PDF metadata, footer into every
 * page's foot before the page number. */
pdf_doc *pdf_new(arena *a, const char *title, const char *footer);
/* A paragraph in the given style; space_after in points. */
void pdf_text(pdf_doc *d, enum pdf_style style, const char *text, double space_after);
/* Starts a table of ncol columns; widths are fractions of the text width
 * (they should add up to 1), head the column titles (copied by pointer). */
void pdf_table(pdf_doc *d, size_t ncol, const double *widths, const char *const *head);
/* A row of the current table (ncol cells, pointers kept); a muted row is
 * drawn in grey (e.g. repealed or destroyed entries). */
void pdf_row(pdf_doc *d, const char *const *cells, bool muted);
/* A QR code of text (libqrencode, error correction M, drawn as cairo
 * rectangles from its matrix) size points wide, with caption (newlines
 * allowed) to its right: labels that a phone or scanner reads at a count.
 * Text that does not fit a QR code draws the caption alone. */
void pdf_qr(pdf_doc *d, const char *text, double size, const char *caption, double space_after);
/* Renders the document into out (bounded by out's maximum). 0 or -1.
 * Serialised in the process: pango's font machinery is shared. */
int pdf_render(pdf_doc *d, buf *out) WUR;

#endif
