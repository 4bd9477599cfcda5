/* pdf.c - printable reports: blocks measured with pango, laid out on A4
 * pages, then drawn with cairo's PDF surface. See pdf.h. */
#include "pdf.h"
#include "log.h"

#include <cairo-pdf.h>
#include <dlfcn.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>

enum { PDF_MAX_COLS = 16 };

static const double PAGE_W = 595.28, PAGE_H = 841.89;
static const double MARGIN_X = 36, MARGIN_TOP = 40, MARGIN_BOTTOM = 44, PAD = 3;

enum block_kind { B_TEXT, B_TABLE, B_ROW, B_QR };

struct block {
  enum block_kind kind;
  enum pdf_style style;
  const char *text;
  double space_after;
  const struct block *table; /* B_ROW: its table */
  size_t ncol;               /* B_TABLE */
  double widths[PDF_MAX_COLS];
  const char *const *cells;  /* B_TABLE: head; B_ROW: cells */
  bool muted;
  const char *caption; /* B_QR: text is the payload */
  double size;
  /* layout */
  double h;
  int page;
  double y;
  bool head_before; /* B_ROW: the table's header is repeated above it */
  struct block *next;
};

struct pdf_doc {
  arena *a;
  const char *title, *footer;
  struct block *first, *last;
  const struct block *table;
};

/* Pango's font machinery is shared by the process; one render at a time. */
static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;

pdf_doc *pdf_new(arena *a, const char *title, const char *footer)
{
  pdf_doc *d = arena_alloc(a, sizeof *d);
  memset(d, 0, sizeof *d);
  d->a = a;
  d->title = title;
  d->footer = footer;
  return d;
}

static struct block *add(pdf_doc *d, enum block_kind k)
{
  struct block *b = arena_alloc(d->a, sizeof *b);
  memset(b, 0, sizeof *b);
  b->kind = k;
  if (d->last)
    d->last->next = b;
  else
    d->first = b;
  d->last = b;
  return b;
}

void pdf_text(pdf_doc *d, enum pdf_style style, const char *text, double space_after)
{
  struct block *b = add(d, B_TEXT);
  b->style = style;
  b->text = text ? text : "";
  b->space_after = space_after;
}

void pdf_table(pdf_doc *d, size_t ncol, const double *widths, const char *const *head)
{
  struct block *b = add(d, B_TABLE);
  b->ncol = ncol < PDF_MAX_COLS ? ncol : PDF_MAX_COLS;
  for (size_t i = 0; i < b->ncol; i++)
    b->widths[i] = widths[i] * (PAGE_W - 2 * MARGIN_X);
  b->cells = head;
  d->table = b;
}

void pdf_row(pdf_doc *d, const char *const *cells, bool muted)
{
  if (!d->table)
    return;
  struct block *b = add(d, B_ROW);
  b->table = d->table;
  b->cells = cells;
  b->muted = muted;
}

void pdf_qr(pdf_doc *d, const char *text, double size, const char *caption, double space_after)
{
  struct block *b = add(d, B_QR);
  b->text = text ? text : "";
  b->caption = caption ? caption : "";
  b->size = size;
  b->space_after = space_after;
}

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
  buf *b = closure;
  buf_append(b, data, len);
  return b->overflow ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* At exit: the font caches back, so a leak checker sees a clean process.
 * (Not after each render: pango's fontconfig loader thread may still hold
 * cairo's caches then, and resetting them aborted the process.)
 * fontconfig arrives with cairo but the build does not link it directly,
 * so FcFini is looked up in the process. */
static void release_fonts(void)
{
  pango_cairo_font_map_set_default(NULL);
  cairo_debug_reset_static_data();
  void *sym = dlsym(RTLD_DEFAULT, "FcFini");
  void (*fn)(void) = NULL;
  memcpy(&fn, &sym, sizeof fn);
  if (fn)
    fn();
}

struct ctx {
  cairo_t *cr;
  PangoFontDescription *font[PDF_MONO + 1], *cell, *head;
};

static PangoLayout *layout(struct ctx *c, PangoFontDescription *f, const char *text, double w)
{
  PangoLayout *l = pango_cairo_create_layout(c->cr);
  pango_layout_set_font_description(l, f);
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width(l, (int)(w * PANGO_SCALE));
  pango_layout_set_text(l, text ? text : "", -1);
  return l;
}

static double text_h(struct ctx *c, PangoFontDescription *f, const char *text, double w)
{
  PangoLayout *l = layout(c, f, text, w);
  int lw, lh;
  pango_layout_get_size(l, &lw, &lh);
  g_object_unref(l);
  return (double)lh / PANGO_SCALE;
}

static void draw_text(struct ctx *c, PangoFontDescription *f, const char *text, double x, double y, double w)
{
  PangoLayout *l = layout(c, f, text, w);
  cairo_move_to(c->cr, x, y);
  pango_cairo_show_layout(c->cr, l);
  g_object_unref(l);
}

static double cells_h(struct ctx *c, PangoFontDescription *f, const struct block *t, const char *const *cells)
{
  double h = 0;
  for (size_t i = 0; i < t->ncol; i++) {
    double ch = text_h(c, f, cells[i], t->widths[i] - 2 * PAD);
    if (ch > h)
      h = ch;
  }
  return h + 2 * PAD;
}

static void draw_cells(struct ctx *c, PangoFontDescription *f, const struct block *t, const char *const *cells,
                       double y, double h, bool head, bool muted)
{
  double x = MARGIN_X;
  if (head) {
    cairo_set_source_rgb(c->cr, 0.93, 0.945, 0.96);
    cairo_rectangle(c->cr, MARGIN_X, y, PAGE_W - 2 * MARGIN_X, h);
    cairo_fill(c->cr);
  }
  if (muted)
    cairo_set_source_rgb(c->cr, 0.45, 0.45, 0.45);
  else
    cairo_set_source_rgb(c->cr, 0.1, 0.12, 0.16);
  for (size_t i = 0; i < t->ncol; i++) {
    draw_text(c, f, cells[i], x + PAD, y + PAD, t->widths[i] - 2 * PAD);
    x += t->widths[i];
  }
  cairo_set_source_rgb(c->cr, 0.8, 0.82, 0.85);
  cairo_set_line_width(c->cr, 0.5);
  cairo_move_to(c->cr, MARGIN_X, y + h);
  cairo_line_to(c->cr, PAGE_W - MARGIN_X, y + h);
  cairo_stroke(c->cr);
}

static void draw_footer(pdf_doc *d, struct ctx *c, int page, int pages)
{
  cairo_set_source_rgb(c->cr, 0.4, 0.42, 0.45);
  const char *s = arena_printf(d->a, "%s · %d / %d", d->footer ? d->footer : "defter", page, pages);
  PangoLayout *l = layout(c, c->font[PDF_SMALL], s, PAGE_W - 2 * MARGIN_X);
  pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
  cairo_move_to(c->cr, MARGIN_X, PAGE_H - MARGIN_BOTTOM + 14);
  pango_cairo_show_layout(c->cr, l);
  g_object_unref(l);
}

/* The QR code's dark modules as rectangles in a size x size square at
 * (x, y), with a quiet zone of two modules. */
static void draw_qr(struct ctx *c, const char *text, double x, double y, double size)
{
  QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
  if (!q)
    return;
  double m = size / (q->width + 4);
  cairo_set_source_rgb(c->cr, 0, 0, 0);
  for (int i = 0; i < q->width; i++)
    for (int j = 0; j < q->width; j++)
      if (q->data[i * q->width + j] & 1)
        cairo_rectangle(c->cr, x + (j + 2) * m, y + (i + 2) * m, m, m);
  cairo_fill(c->cr);
  QRcode_free(q);
}

/* Measures every block and gives it a page and a y; returns the pages. */
static int lay_out(pdf_doc *d, struct ctx *c)
{
  const double w = PAGE_W - 2 * MARGIN_X, bottom = PAGE_H - MARGIN_BOTTOM;
  double y = MARGIN_TOP;
  int page = 1;
  for (struct block *b = d->first; b; b = b->next) {
    if (b->kind == B_TEXT) {
      b->h = text_h(c, c->font[b->style], b->text, w) + b->space_after;
      if (y + b->h > bottom && y > MARGIN_TOP + 0.5) {
        page++;
        y = MARGIN_TOP;
      }
    } else if (b->kind == B_QR) {
      double th = text_h(c, c->font[PDF_BODY], b->caption, w - b->size - 8);
      b->h = (th > b->size ? th : b->size) + b->space_after;
      if (y + b->h > bottom && y > MARGIN_TOP + 0.5) {
        page++;
        y = MARGIN_TOP;
      }
    } else if (b->kind == B_TABLE) {
      b->h = cells_h(c, c->head, b, b->cells);
      double first = b->next && b->next->kind == B_ROW ? cells_h(c, c->cell, b, b->next->cells) : 0;
      if (y + b->h + first > bottom && y > MARGIN_TOP + 0.5) {
        page++;
        y = MARGIN_TOP;
      }
    } else {
      b->h = cells_h(c, c->cell, b->table, b->cells);
      if (y + b->h > bottom && y > MARGIN_TOP + b->table->h + 0.5) {
        page++;
        y = MARGIN_TOP + b->table->h;
        b->head_before = true;
      }
    }
    b->page = page;
    b->y = y;
    y += b->h;
  }
  return page;
}

static int render_locked(pdf_doc *d, buf *out)
{
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return -1;
  }
  if (d->title)
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, d->title);
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "defter");
  struct ctx c = {.cr = cairo_create(s)};
  c.font[PDF_TITLE] = pango_font_description_from_string("DejaVu Sans Bold 14");
  c.font[PDF_BOLD] = pango_font_description_from_string("DejaVu Sans Bold 9");
  c.font[PDF_BODY] = pango_font_description_from_string("DejaVu Sans 8.5");
  c.font[PDF_SMALL] = pango_font_description_from_string("DejaVu Sans 7");
  c.font[PDF_MONO] = pango_font_description_from_string("DejaVu Sans Mono 6.5");
  c.cell = pango_font_description_from_string("DejaVu Sans 7.5");
  c.head = pango_font_description_from_string("DejaVu Sans Bold 7.5");

  int pages = lay_out(d, &c);
  const double w = PAGE_W - 2 * MARGIN_X;
  int page = 1;
  for (struct block *b = d->first; b; b = b->next) {
    if (b->page != page) {
      draw_footer(d, &c, page, pages);
      cairo_show_page(c.cr);
      page = b->page;
    }
    if (b->kind == B_TEXT) {
      if (b->style == PDF_TITLE)
        cairo_set_source_rgb(c.cr, 0.12, 0.37, 0.55);
      else
        cairo_set_source_rgb(c.cr, 0.1, 0.12, 0.16);
      draw_text(&c, c.font[b->style], b->text, MARGIN_X, b->y, w);
    } else if (b->kind == B_QR) {
      draw_qr(&c, b->text, MARGIN_X, b->y, b->size);
      cairo_set_source_rgb(c.cr, 0.1, 0.12, 0.16);
      draw_text(&c, c.font[PDF_BODY], b->caption, MARGIN_X + b->size + 8, b->y + 4, w - b->size - 8);
    } else if (b->kind == B_TABLE) {
      draw_cells(&c, c.head, b, b->cells, b->y, b->h, true, false);
    } else {
      if (b->head_before)
        draw_cells(&c, c.head, b->table, b->table->cells, b->y - b->table->h, b->table->h, true, false);
      draw_cells(&c, c.cell, b->table, b->cells, b->y, b->h, false, b->muted);
    }
  }
  draw_footer(d, &c, page, pages);
  cairo_show_page(c.cr);
  for (size_t i = 0; i < ARRAY_LEN(c.font); i++)
    pango_font_description_free(c.font[i]);
  pango_font_description_free(c.cell);
  pango_font_description_free(c.head);
  cairo_destroy(c.cr);
  cairo_surface_finish(s);
  int rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS && !out->overflow ? 0 : -1;
  cairo_surface_destroy(s);
  return rc;
}

int pdf_render(pdf_doc *d, buf *out)
{
  pthread_mutex_lock(&pdf_lock);
  int rc = render_locked(d, out);
  static bool registered;
  if (!registered && atexit(release_fonts) == 0)
    registered = true;
  pthread_mutex_unlock(&pdf_lock);
  if (rc)
    log_error("PDF rendering failed", "title=\"%s\" bytes=%zu", d->title ? d->title : "", out->len);
  return rc;
}
