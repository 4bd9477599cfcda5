/* export_pdf.c - the coverage report as an A4 portrait PDF (core pdf):
 * title with the institution and the period, the totals, then a table of
 * the duties that breaks across pages. */
#include "org.h"
#include "org_int.h"
#include "../core/i18n.h"
#include "../core/pdf.h"

enum { PDF_MAX_BYTES = 64 * 1024 * 1024, NCOL = 6 };

static const double col_w[NCOL] = {0.1224, 0.0841, 0.3767, 0.1759, 0.1071, 0.1338};

static const char *tr_date(request *r, const char *iso)
{
  return arena_printf(r->a, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

/* The whole report as a document for pdf_render. */
static pdf_doc *describe(request *r, const struct org_coverage *c)
{
  pdf_doc *d = pdf_new(r->a, _("Duty coverage report"), arena_printf(r->a, "defter · %s", _("Duty coverage report")));
  pdf_text(d, PDF_TITLE, _("Duty coverage report"), 4);
  pdf_text(d, PDF_BOLD,
           arena_printf(r->a, "%s%s%s", c->institution ? c->institution : "", c->department ? " · " : "",
                        c->department ? c->department : ""),
           2);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s – %s", _("Period"), tr_date(r, c->from), tr_date(r, c->to)), 2);
  pdf_text(d, PDF_BODY,
           arena_printf(r->a, "%s: %zu · %s: %lld · %s: %lld · %s: %lld", _("Duties"), c->nduties,
                        _("Served by a module"), (long long)c->served, _("Tracked as tasks only"),
                        (long long)c->task_only, _("Repealed"), (long long)c->repealed),
           10);
  const char **head = arena_alloc(r->a, NCOL * sizeof *head);
  head[0] = _("Article");
  head[1] = _("Unit");
  head[2] = _("Duty");
  head[3] = _("Capabilities");
  head[4] = _("Status");
  head[5] = _("Figures");
  pdf_table(d, NCOL, col_w, head);
  for (size_t i = 0; i < c->nduties; i++) {
    const struct org_cov_duty *dt = &c->duties[i];
    const char **cells = arena_alloc(r->a, NCOL * sizeof *cells);
    cells[0] = dt->ref;
    cells[1] = dt->unit;
    cells[2] = dt->position_title ? arena_printf(r->a, "%s (%s)", dt->text, dt->position_title) : dt->text;
    cells[3] = org_cov_caps_text(r->a, dt);
    cells[4] = org_cov_status_label(dt->status);
    cells[5] = org_cov_figures_text(r->a, dt);
    pdf_row(d, cells, dt->repealed);
  }
  return d;
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
  if (!rc)
    rc = pdf_render(describe(r, &c), &out);
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
