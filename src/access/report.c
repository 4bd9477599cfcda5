/* report.c - a review campaign's report, the evidence for auditors: who
 * reviewed which grants of which system or unit, when, what they decided
 * and the revoke tasks that followed, as a printable PDF and as XLSX. The
 * export itself is audited. Also the figures of the coverage report. */
#include "access.h"
#include "access_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/page.h"
#include "../core/pdf.h"

#include <xlsxwriter.h>
#include <string.h>

enum { REPORT_MAX = 32 * 1024 * 1024, NCOL = 7 };

static const char *const heads[NCOL] = {N_("Person"), N_("Unit"),     N_("System / role"), N_("Since"),
                                        N_("Decision"), N_("Decided by"), N_("Note / follow-up")};

static const char *s_(json_t *o, const char *k)
{
  const char *s = jsonx_str(o, k);
  return s ? s : "";
}

/* "2026-11-22T10:00:00Z" -> local "22.11.2026" (or "" for null). */
static const char *day(request *r, const char *iso)
{
  int64_t t;
  if (!iso || parse_iso8601(iso, &t))
    return "";
  const char *s = page_time(r, t);
  return arena_strndup(r->a, s, 10);
}

/* "2026-11-22T10:00:00Z" -> local "22.11.2026 13:00" (or "" for null). */
static const char *when(request *r, const char *iso)
{
  int64_t t;
  if (!iso || parse_iso8601(iso, &t))
    return "";
  return page_time(r, t);
}

static const char *decision_label(const char *d)
{
  if (str_eq(d, "confirm"))
    return _("confirmed");
  if (str_eq(d, "revoke"))
    return _("revoked");
  return _("not decided");
}

static const char *grant_status_label(const char *s)
{
  if (str_eq(s, "active"))
    return _("active");
  if (str_eq(s, "revoking"))
    return _("being revoked");
  if (str_eq(s, "revoked"))
    return _("revoked");
  return s;
}

/* One line's cells (arena strings). */
static void cells_of(request *r, json_t *l, const char **c)
{
  c[0] = s_(l, "person");
  c[1] = s_(l, "unit");
  c[2] = arena_printf(r->a, "%s / %s", s_(l, "system"), s_(l, "role"));
  c[3] = day(r, jsonx_str(l, "since"));
  c[4] = decision_label(jsonx_str(l, "decision"));
  json_t *by = json_object_get(l, "decided_by");
  c[5] = json_is_object(by) ? arena_printf(r->a, "%s, %s", s_(by, "display_name"), day(r, jsonx_str(l, "decided_at")))
                            : "";
  json_t *task = json_object_get(l, "task_id");
  c[6] = arena_printf(r->a, "%s%s%s%s", s_(l, "note"), json_is_integer(task) ? " · " : "",
                      json_is_integer(task) ? arena_printf(r->a, _("task #%lld"), (long long)json_integer_value(task))
                                            : "",
                      str_eq(jsonx_str(l, "decision"), "revoke")
                          ? arena_printf(r->a, " · %s: %s", _("grant"), grant_status_label(s_(l, "grant_status")))
                          : "");
}

static const char *summary(request *r, json_t *v)
{
  json_t *c = json_object_get(v, "counts");
  return arena_printf(r->a, "%s: %lld · %s: %lld · %s: %lld · %s: %lld", _("Lines"),
                      (long long)jsonx_int(c, "lines", 0), _("Confirmed"), (long long)jsonx_int(c, "confirmed", 0),
                      _("Revoked"), (long long)jsonx_int(c, "revoked", 0), _("Not decided"),
                      (long long)jsonx_int(c, "pending", 0));
}

static const char *reviewers_text(request *r, json_t *v)
{
  const char *out = "";
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(v, "reviewers"), i, u)
      out = arena_printf(r->a, "%s%s%s", out, i ? ", " : "", s_(u, "display_name"));
  return out;
}

static const char *scope_text(request *r, json_t *v)
{
  json_t *sc = json_object_get(v, "scope");
  return arena_printf(r->a, "%s: %s", str_eq(s_(sc, "kind"), "system") ? _("System") : _("Unit"), s_(sc, "name"));
}

static const char *status_text(request *r, json_t *v)
{
  if (str_eq(s_(v, "status"), "closed"))
    return arena_printf(r->a, "%s (%s)", _("closed"), when(r, jsonx_str(v, "closed_at")));
  return jsonx_bool(v, "overdue", false) ? _("open, past its deadline") : _("open");
}

static int audit_export(request *r, int64_t id, const char *format)
{
  struct actor who = audit_actor(r);
  json_t *after = json_pack("{ss}", "format", format);
  int rc = access_audit(db_thread(), &who, "export", "access_review", id, 0, NULL, after);
  json_decref(after);
  return rc;
}

int access_api_review_pdf(request *r)
{
  struct access_review rv;
  int rc = access_review_from_route(r, &rv);
  if (rc)
    return rc < 0 ? -1 : 0;
  json_t *v = access_review_json(r, &rv, true);
  const char *title = _("Access review report");
  pdf_doc *d = pdf_new(r->a, title, arena_printf(r->a, "defter · %s #%lld", title, (long long)rv.id));
  pdf_text(d, PDF_TITLE, title, 4);
  pdf_text(d, PDF_BOLD, arena_printf(r->a, "#%lld · %s", (long long)rv.id, s_(v, "title")), 2);
  pdf_text(d, PDF_BODY, scope_text(r, v), 2);
  pdf_text(d, PDF_BODY,
           arena_printf(r->a, "%s: %s · %s: %s · %s: %s", _("Started"), when(r, jsonx_str(v, "created_at")),
                        _("Deadline"), s_(v, "deadline"), _("Status"), status_text(r, v)),
           2);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s", _("Reviewers"), reviewers_text(r, v)), 2);
  pdf_text(d, PDF_BODY, summary(r, v), 10);
  static const double widths[NCOL] = {0.14, 0.14, 0.18, 0.11, 0.11, 0.14, 0.18};
  const char **head = arena_alloc(r->a, NCOL * sizeof *head);
  for (int i = 0; i < NCOL; i++)
    head[i] = _(heads[i]);
  pdf_table(d, NCOL, widths, head);
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(v, "lines"), i, l)
  {
    const char **c = arena_alloc(r->a, NCOL * sizeof *c);
    cells_of(r, l, c);
    pdf_row(d, c, str_eq(jsonx_str(l, "decision"), "revoke"));
  }
  buf out;
  buf_init(&out, REPORT_MAX);
  rc = pdf_render(d, &out);
  json_decref(v);
  if (!rc)
    rc = audit_export(r, rv.id, "pdf");
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"yetki-gozden-gecirme-%lld.pdf\"", (long long)rv.id));
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

struct xlsx_ctx {
  request *r;
  json_t *v;
};

static int write_xlsx(const char *path, void *u)
{
  struct xlsx_ctx *x = u;
  request *r = x->r;
  json_t *v = x->v;
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return -1;
  lxw_worksheet *ws = workbook_add_worksheet(wb, _("Access review"));
  lxw_format *bold = workbook_add_format(wb);
  format_set_bold(bold);
  worksheet_write_string(ws, 0, 0, arena_printf(r->a, "%s #%lld · %s", _("Access review report"),
                                               (long long)jsonx_int(v, "id", 0), s_(v, "title")),
                         bold);
  worksheet_write_string(ws, 1, 0, scope_text(r, v), NULL);
  worksheet_write_string(ws, 2, 0,
                         arena_printf(r->a, "%s: %s · %s: %s", _("Deadline"), s_(v, "deadline"), _("Status"),
                                      status_text(r, v)),
                         NULL);
  worksheet_write_string(ws, 3, 0, arena_printf(r->a, "%s: %s", _("Reviewers"), reviewers_text(r, v)), NULL);
  worksheet_write_string(ws, 4, 0, summary(r, v), NULL);
  for (int c = 0; c < NCOL; c++)
    worksheet_write_string(ws, 6, (lxw_col_t)c, _(heads[c]), bold);
  worksheet_set_column(ws, 0, 2, 28, NULL);
  worksheet_set_column(ws, 3, 5, 18, NULL);
  worksheet_set_column(ws, 6, 6, 40, NULL);
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(v, "lines"), i, l)
  {
    const char *c[NCOL];
    cells_of(r, l, c);
    for (int k = 0; k < NCOL; k++)
      worksheet_write_string(ws, (lxw_row_t)(7 + i), (lxw_col_t)k, c[k], NULL);
  }
  return workbook_close(wb) == LXW_NO_ERROR ? 0 : -1;
}

int access_api_review_xlsx(request *r)
{
  struct access_review rv;
  int rc = access_review_from_route(r, &rv);
  if (rc)
    return rc < 0 ? -1 : 0;
  struct xlsx_ctx x = {r, access_review_json(r, &rv, true)};
  buf out;
  buf_init(&out, REPORT_MAX);
  rc = files_render_tmp(write_xlsx, &x, &out);
  json_decref(x.v);
  if (rc)
    log_error("access review workbook not written", "review=%lld", (long long)rv.id);
  if (!rc)
    rc = audit_export(r, rv.id, "xlsx");
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"yetki-gozden-gecirme-%lld.xlsx\"", (long long)rv.id));
    http_text(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.data ? out.data : "",
              out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

/* ---- the coverage report's figures ------------------------------------------------------- */

static int64_t count(db *d, const char *sql, int64_t from, int64_t to)
{
  int64_t n = 0;
  if (db_int(d, &n, sql, "ii", from, to) != DB_ROW)
    return 0;
  return n;
}

json_t *access_figures(db *d, const struct figure_query *q)
{
  if (str_eq(q->capability, "access_request"))
    return json_pack(
        "{sIsIsI}", "requests",
        (json_int_t)count(d, "SELECT COUNT(*) FROM access_requests WHERE created_at >= ? AND created_at < ?", q->from,
                          q->to),
        "provisioned",
        (json_int_t)count(d, "SELECT COUNT(*) FROM access_requests WHERE provisioned_at >= ? AND provisioned_at < ?",
                          q->from, q->to),
        "revoked",
        (json_int_t)count(d, "SELECT COUNT(*) FROM access_grants WHERE revoked_at >= ? AND revoked_at < ?", q->from,
                          q->to));
  if (str_eq(q->capability, "access_review"))
    return json_pack(
        "{sIsI}", "reviews",
        (json_int_t)count(d, "SELECT COUNT(*) FROM access_reviews WHERE created_at >= ? AND created_at < ?", q->from,
                          q->to),
        "decisions",
        (json_int_t)count(d, "SELECT COUNT(*) FROM access_review_lines WHERE decided_at >= ? AND decided_at < ?",
                          q->from, q->to));
  return NULL;
}
