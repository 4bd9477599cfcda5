/* export_pdf.c - the coverage report as an A4 portrait PDF (cairo +
 * pango): title with the institution and the period, the totals, then a
 * table that breaks across pages with its header repeated and "page i / N"
 * at the foot. DejaVu Sans carries every Turkish letter (ğ ş ı İ ö ü ç).
 * Rows are measured first and laid out on pages, then drawn. */
#include "org.h"
#include "org_int.h"
#include "../core/i18n.h"
#include "../core/log.h"

#include <cairo-pdf.h>
#include <dlfcn.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { PDF_MAX_BYTES = 64 * 1024 * 1024, NCOL = 6 };

static const double PAGE_W = 595.28, PAGE_H = 841.89;
static const double MARGIN_X = 36, MARGIN_TOP = 40, MARGIN_BOTTOM = 44, PAD = 3;
static const double col_w[NCOL] = {64, 44, 197, 92, 56, 70}; /* = 523 = PAGE_W - 2 * MARGIN_X */

/* Pango's font machinery is shared by the process; one export at a time. */
static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;

static cairo_status_t write_buf(void *closure, const unsigned char *data, unsigned int len)
{
  buf *b = closure;
  buf_append(b, data, len);
  return b->overflow ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

/* FcFini releases fontconfig's configuration and caches (reloaded on the
 * next export). fontconfig arrives with cairo but the build does not link
 * it directly, so it is looked up in the process. */
static void fc_fini(void)
{
  void *sym = dlsym(RTLD_DEFAULT, "FcFini");
  void (*fn)(void) = NULL;
  memcpy(&fn, &sym, sizeof fn);
  if (fn)
    fn();
}

struct pdf {
  cairo_t *cr;
  PangoFontDescription *body, *bold, *title;
};

/* A laid-out paragraph of width w (points); the caller unrefs it. */
static PangoLayout *text_layout(struct pdf *p, PangoFontDescription *font, const char *text, double w)
{
  PangoLayout *l = pango_cairo_create_layout(p->cr);
  pango_layout_set_font_description(l, font);
  pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_width(l, (int)(w * PANGO_SCALE));
  pango_layout_set_text(l, text ? text : "", -1);
  return l;
}

static double layout_h(PangoLayout *l)
{
  int w, h;
  pango_layout_get_size(l, &w, &h);
  return (double)h / PANGO_SCALE;
}

/* Draws text at (x, y); returns its height. */
static double draw_text(struct pdf *p, PangoFontDescription *font, const char *text, double x, double y, double w)
{
  PangoLayout *l = text_layout(p, font, text, w);
  cairo_move_to(p->cr, x, y);
  pango_cairo_show_layout(p->cr, l);
  double h = layout_h(l);
  g_object_unref(l);
  return h;
}

/* The cells of one row (borrowed strings). */
static void row_cells(request *r, const struct org_cov_duty *dt, const char *cells[NCOL])
{
  cells[0] = dt->ref;
  cells[1] = dt->unit;
  cells[2] = dt->position_title ? arena_printf(r->a, "%s (%s)", dt->text, dt->position_title) : dt->text;
  cells[3] = org_cov_caps_text(r->a, dt);
  cells[4] = org_cov_status_label(dt->status);
  cells[5] = org_cov_figures_text(r->a, dt);
}

static double row_height(struct pdf *p, PangoFontDescription *font, const char *const cells[NCOL])
{
  double h = 0;
  for (int i = 0; i < NCOL; i++) {
    PangoLayout *l = text_layout(p, font, cells[i], col_w[i] - 2 * PAD);
    double ch = layout_h(l);
    g_object_unref(l);
    if (ch > h)
      h = ch;
  }
  return h + 2 * PAD;
}

static void draw_row(struct pdf *p, PangoFontDescription *font, const char *const cells[NCOL], double y, double h,
                     bool header, bool muted)
{
  double x = MARGIN_X;
  if (header) {
    cairo_set_source_rgb(p->cr, 0.93, 0.945, 0.96);
    cairo_rectangle(p->cr, MARGIN_X, y, PAGE_W - 2 * MARGIN_X, h);
    cairo_fill(p->cr);
  }
  if (muted)
    cairo_set_source_rgb(p->cr, 0.45, 0.45, 0.45);
  else
    cairo_set_source_rgb(p->cr, 0.1, 0.12, 0.16);
  for (int i = 0; i < NCOL; i++) {
    draw_text(p, font, cells[i], x + PAD, y + PAD, col_w[i] - 2 * PAD);
    x += col_w[i];
  }
  cairo_set_source_rgb(p->cr, 0.8, 0.82, 0.85);
  cairo_set_line_width(p->cr, 0.5);
  cairo_move_to(p->cr, MARGIN_X, y + h);
  cairo_line_to(p->cr, PAGE_W - MARGIN_X, y + h);
  cairo_stroke(p->cr);
}

static const char *tr_date(request *r, const char *iso)
{
  return arena_printf(r->a, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

/* Draws the title block of the first page; returns the y below it. */
static double draw_title(request *r, struct pdf *p, const struct org_coverage *c)
{
  double w = PAGE_W - 2 * MARGIN_X, y = MARGIN_TOP;
  cairo_set_source_rgb(p->cr, 0.12, 0.37, 0.55);
  y += draw_text(p, p->title, _("Duty coverage report"), MARGIN_X, y, w) + 4;
  cairo_set_source_rgb(p->cr, 0.1, 0.12, 0.16);
  const char *inst = arena_printf(r->a, "%s%s%s", c->institution ? c->institution : "", c->department ? " · " : "",
                                  c->department ? c->department : "");
  y += draw_text(p, p->bold, inst, MARGIN_X, y, w) + 2;
  y += draw_text(p, p->body, arena_printf(r->a, "%s: %s – %s", _("Period"), tr_date(r, c->from), tr_date(r, c->to)),
                 MARGIN_X, y, w) +
       2;
  y += draw_text(p, p->body,
                 arena_printf(r->a, "%s: %zu · %s: %lld · %s: %lld · %s: %lld", _("Duties"), c->nduties,
                              _("Served by a module"), (long long)c->served, _("Tracked as tasks only"),
                              (long long)c->task_only, _("Repealed"), (long long)c->repealed),
                 MARGIN_X, y, w);
  return y + 10;
}

static void draw_footer(request *r, struct pdf *p, int page, int pages)
{
  cairo_set_source_rgb(p->cr, 0.4, 0.42, 0.45);
  const char *s = arena_printf(r->a, "defter · %s · %s %d / %d", _("Duty coverage report"), _("Page"), page, pages);
  PangoLayout *l = text_layout(p, p->body, s, PAGE_W - 2 * MARGIN_X);
  pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
  cairo_move_to(p->cr, MARGIN_X, PAGE_H - MARGIN_BOTTOM + 14);
  pango_cairo_show_layout(p->cr, l);
  g_object_unref(l);
}

/* Renders the whole document into out; 0 or -1. */
static int render(request *r, const struct org_coverage *c, buf *out)
{
  cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_buf, out, PAGE_W, PAGE_H);
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return -1;
  }
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, _("Duty coverage report"));
  cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "defter");
  struct pdf p = {
      .cr = cairo_create(s),
      .body = pango_font_description_from_string("DejaVu Sans 7.5"),
      .bold = pango_font_description_from_string("DejaVu Sans Bold 9"),
      .title = pango_font_description_from_string("DejaVu Sans Bold 14"),
  };
  PangoFontDescription *head_font = pango_font_description_from_string("DejaVu Sans Bold 7.5");
  const char *head[NCOL] = {_("Article"), _("Unit"), _("Duty"), _("Capabilities"), _("Status"), _("Figures")};
  double head_h = row_height(&p, head_font, head);

  /* Pass 1: heights and the page each row starts. The first page holds
   * the title block, so it is measured by drawing it on a scratch page
   * region that is drawn again for real below. */
  size_t n = c->nduties;
  double *h = arena_alloc(r->a, (n ? n : 1) * sizeof *h);
  int *page_of = arena_alloc(r->a, (n ? n : 1) * sizeof *page_of);
  const char *(*cells)[NCOL] = arena_alloc(r->a, (n ? n : 1) * sizeof *cells);
  cairo_push_group(p.cr);
  double title_bottom = draw_title(r, &p, c);
  cairo_pattern_destroy(cairo_pop_group(p.cr));
  double bottom = PAGE_H - MARGIN_BOTTOM;
  double y = title_bottom + head_h;
  int page = 1;
  for (size_t i = 0; i < n; i++) {
    row_cells(r, &c->duties[i], cells[i]);
    h[i] = row_height(&p, p.body, cells[i]);
    if (y + h[i] > bottom && y > MARGIN_TOP + head_h + 0.5) {
      page++;
      y = MARGIN_TOP + head_h;
    }
    page_of[i] = page;
    y += h[i];
  }
  int pages = page;

  /* Pass 2: draw. */
  page = 1;
  y = draw_title(r, &p, c);
  draw_row(&p, head_font, head, y, head_h, true, false);
  y += head_h;
  for (size_t i = 0; i < n; i++) {
    if (page_of[i] != page) {
      draw_footer(r, &p, page, pages);
      cairo_show_page(p.cr);
      page = page_of[i];
      y = MARGIN_TOP;
      draw_row(&p, head_font, head, y, head_h, true, false);
      y += head_h;
    }
    draw_row(&p, p.body, cells[i], y, h[i], false, c->duties[i].repealed);
    y += h[i];
  }
  draw_footer(r, &p, page, pages);
  cairo_show_page(p.cr);
  pango_font_description_free(head_font);
  pango_font_description_free(p.body);
  pango_font_description_free(p.bold);
  pango_font_description_free(p.title);
  cairo_destroy(p.cr);
  cairo_surface_finish(s);
  int rc = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS && !out->overflow ? 0 : -1;
  cairo_surface_destroy(s);
  return rc;
}

int org_api_coverage_pdf(request *r)
{
  char from[11], to[11];
  if (org_coverage_period(r, from, to))
    return 0;
  struct org_coverage c;
  int rc = org_coverage_build(r, from, to, &c);
  buf out;
  buf_init(&out, PDF_MAX_BYTES);
  if (!rc) {
    pthread_mutex_lock(&pdf_lock);
    rc = render(r, &c, &out);
    /* Give back the font caches: exports are rare, and a long-running
     * server should not hold fontconfig's memory between them. */
    pango_cairo_font_map_set_default(NULL);
    cairo_debug_reset_static_data();
    fc_fini();
    pthread_mutex_unlock(&pdf_lock);
    if (rc)
      log_error("coverage PDF failed", "bytes=%zu", out.len);
  }
  if (!rc)
    rc = org_coverage_audit_export(r, &c, "pdf");
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"kapsama-%s-%s.pdf\"", c.from, c.to));
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  org_coverage_free(&c);
  return rc ? -1 : 0;
}
