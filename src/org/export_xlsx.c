/* export_xlsx.c - the coverage report as a spreadsheet (libxlsxwriter):
 * one sheet, a bold header row (article, unit, duty, capabilities,
 * status, figures), one row per duty, then the totals. libxlsxwriter
 * 1.1.4 writes only to files, so the workbook goes through a private
 * temporary file that is removed before the response is sent. */
#include "org.h"
#include "org_int.h"
#include "../core/i18n.h"
#include "../core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "../core/files.h"

enum { XLSX_MAX_BYTES = 64 * 1024 * 1024 };

/* Writes the workbook to path; 0 or -1. */
static int write_book(request *r, const struct org_coverage *c, const char *path)
{
  lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : (char *)"/tmp"};
  lxw_workbook *wb = workbook_new_opt(path, &opts);
  if (!wb)
    return -1;
  lxw_doc_properties props = {.title = (char *)_("Duty coverage"),
                              .company = (char *)(c->institution ? c->institution : ""),
                              .author = (char *)"defter"};
  workbook_set_properties(wb, &props);
  lxw_worksheet *ws = workbook_add_worksheet(wb, _("Coverage"));
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  format_set_bg_color(bold, 0xEEF1F5);
  format_set_border(bold, LXW_BORDER_THIN);
  lxw_format *wrap = workbook_add_format(wb);
  format_set_text_wrap(wrap);
  format_set_align(wrap, LXW_ALIGN_VERTICAL_TOP);
  lxw_format *total = workbook_add_format(wb);
  format_set_bold(total);

  static const char *const heads[] = {N_("Article"),      N_("Unit"),   N_("Duty"),
                                      N_("Capabilities"), N_("Status"), N_("Figures")};
  static const double widths[] = {14, 10, 80, 40, 16, 40};
  for (lxw_col_t i = 0; i < ARRAY_LEN(heads); i++) {
    worksheet_set_column(ws, i, i, widths[i], wrap);
    worksheet_write_string(ws, 0, i, _(heads[i]), bold);
  }
  worksheet_freeze_panes(ws, 1, 0);
  lxw_row_t row = 1;
  for (size_t i = 0; i < c->nduties; i++, row++) {
    const struct org_cov_duty *dt = &c->duties[i];
    worksheet_write_string(ws, row, 0, dt->ref, wrap);
    worksheet_write_string(ws, row, 1, dt->unit, wrap);
    const char *text = dt->position_title ? arena_printf(r->a, "%s\n(%s)", dt->text, dt->position_title) : dt->text;
    worksheet_write_string(ws, row, 2, text, wrap);
    worksheet_write_string(ws, row, 3, org_cov_caps_text(r->a, dt), wrap);
    worksheet_write_string(ws, row, 4, org_cov_status_label(dt->status), wrap);
    worksheet_write_string(ws, row, 5, org_cov_figures_text(r->a, dt), wrap);
  }
  if (c->nduties)
    worksheet_autofilter(ws, 0, 0, row - 1, ARRAY_LEN(heads) - 1);
  row++;
  const struct {
    const char *label;
    int64_t n;
  } totals[] = {
      {_("Duties"), (int64_t)c->nduties},
      {_("Served by a module"), c->served},
      {_("Tracked as tasks only"), c->task_only},
      {_("Repealed"), c->repealed},
  };
  worksheet_write_string(ws, row++, 0, arena_printf(r->a, "%s: %s – %s", _("Period"), c->from, c->to), total);
  for (size_t i = 0; i < ARRAY_LEN(totals); i++, row++) {
    worksheet_write_string(ws, row, 0, totals[i].label, total);
    worksheet_write_number(ws, row, 1, (double)totals[i].n, total);
  }
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

struct book {
  request *r;
  const struct org_coverage *c;
};

static int write_book_cb(const char *path, void *u)
{
  struct book *b = u;
  return write_book(b->r, b->c, path);
}

int org_api_coverage_xlsx(request *r)
{
  char from[11], to[11];
  if (org_coverage_period(r, from, to))
    return 0;
  struct org_coverage c;
  int rc = org_coverage_build(r, from, to, &c);
  buf out;
  buf_init(&out, XLSX_MAX_BYTES);
  struct book b = {r, &c};
  if (!rc && files_render_tmp(write_book_cb, &b, &out)) {
    log_error("coverage workbook not written", "%s", "");
    rc = -1;
  }
  if (!rc)
    rc = org_coverage_audit_export(r, &c, "xlsx");
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"kapsama-%s-%s.xlsx\"", c.from, c.to));
    http_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.data ? out.data : "",
              out.len);
  }
  buf_free(&out);
  org_coverage_free(&c);
  return rc ? -1 : 0;
}
