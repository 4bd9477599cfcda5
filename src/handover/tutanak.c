/* tutanak.c - the handover record (devir-teslim tutanağı) as PDF: the
 * institution, unit, person, kind, successor and date, every checklist
 * line with its outcome, and the signature blocks (devreden / devralan /
 * birim amiri; for a death the unit chief who recorded it and a witness). */
#include "handover_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/pdf.h"
#include "../core/schema.h"

#include <stdio.h>

enum { TUTANAK_MAX = 8 << 20 };

static const char *s_(json_t *o, const char *k)
{
  const char *s = jsonx_str(o, k);
  return s ? s : "";
}

static const char *institution(db *d, arena *a)
{
  const char *v = settings_get(d, a, "institution");
  return v ? v : "";
}

static const char **cells3(arena *a, const char *x, const char *y, const char *z)
{
  const char **c = arena_alloc(a, 3 * sizeof *c);
  c[0] = x;
  c[1] = y;
  c[2] = z;
  return c;
}

static const char *outcome(request *r, json_t *l)
{
  if (str_eq(jsonx_str(l, "state"), "open"))
    return _("OPEN");
  const char *s = s_(l, "action_label");
  json_t *to = json_object_get(l, "to");
  if (json_is_object(to))
    s = arena_printf(r->a, "%s → %s", s, s_(to, "name"));
  if (jsonx_str(l, "note"))
    s = arena_printf(r->a, "%s (%s)", s, s_(l, "note"));
  return s;
}

int handover_api_tutanak(request *r)
{
  json_t *c;
  int rc = handover_case_from_route(r, &c);
  if (rc)
    return rc < 0 ? -1 : 0;
  bool death = str_eq(jsonx_str(c, "kind"), "vefat");
  json_t *person = json_object_get(c, "person"), *succ = json_object_get(c, "successor");
  json_t *unit = json_object_get(c, "unit");
  const char *title = _("Handover record");
  pdf_doc *d = pdf_new(r->a, title, arena_printf(r->a, "defter · %s #%lld", title, (long long)jsonx_int(c, "id", 0)));
  pdf_text(d, PDF_BOLD, institution(db_thread(), r->a), 2);
  pdf_text(d, PDF_TITLE, title, 6);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s (%s)", _("Unit"), s_(unit, "name"), s_(unit, "code")), 2);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s", _("Person"), s_(person, "name")), 2);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s", _("Kind"), s_(c, "kind_label")), 2);
  if (json_is_object(json_object_get(c, "new_unit")))
    pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s", _("New unit"), s_(json_object_get(c, "new_unit"), "name")), 2);
  pdf_text(d, PDF_BODY,
           arena_printf(r->a, "%s: %s", _("Successor"), json_is_object(succ) ? s_(succ, "name") : "-"), 2);
  pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s", _("Effective date"), s_(c, "effective_date")), 2);
  pdf_text(d, PDF_BODY,
           arena_printf(r->a, "%s: %s · %s: %s", _("Status"), s_(c, "state_label"), _("Recorded by"),
                        s_(json_object_get(c, "opened_by"), "name")),
           2);
  if (jsonx_str(c, "note"))
    pdf_text(d, PDF_BODY, arena_printf(r->a, "%s: %s", _("Note"), s_(c, "note")), 2);
  pdf_text(d, PDF_BODY, "", 6);
  static const double widths[] = {0.18, 0.40, 0.42};
  pdf_table(d, 3, widths, cells3(r->a, _("Kind"), _("Item"), _("Outcome")));
  size_t i;
  json_t *l;
  json_array_foreach(json_object_get(c, "lines"), i, l)
  {
    const char **cells = arena_alloc(r->a, 3 * sizeof *cells);
    cells[0] = s_(l, "source_label");
    cells[1] = jsonx_str(l, "detail") && *jsonx_str(l, "detail")
                   ? arena_printf(r->a, "%s · %s", s_(l, "title"), s_(l, "detail"))
                   : s_(l, "title");
    cells[2] = outcome(r, l);
    pdf_row(d, cells, str_eq(jsonx_str(l, "action"), "not_needed"));
  }
  if (!json_array_size(json_object_get(c, "lines")))
    pdf_text(d, PDF_BODY, _("The person held nothing that needed handing over."), 2);
  pdf_text(d, PDF_BODY, "", 12);
  static const double sw[] = {0.34, 0.33, 0.33};
  const char *sign = _("Signature");
  /* the document keeps the cell arrays until it is rendered: arena memory */
  if (death) {
    pdf_table(d, 3, sw, cells3(r->a, _("Unit chief"), _("Witness"), ""));
    pdf_row(d, cells3(r->a, s_(json_object_get(c, "opened_by"), "name"), s_(c, "witness"), ""), false);
    pdf_row(d, cells3(r->a, sign, sign, ""), false);
  } else {
    pdf_table(d, 3, sw, cells3(r->a, _("Handed over by"), _("Taken over by"), _("Unit chief")));
    pdf_row(d,
            cells3(r->a, s_(person, "name"), json_is_object(succ) ? s_(succ, "name") : "",
                   s_(json_object_get(c, "opened_by"), "name")),
            false);
    pdf_row(d, cells3(r->a, sign, sign, sign), false);
  }
  buf out;
  buf_init(&out, TUTANAK_MAX);
  rc = pdf_render(d, &out);
  if (!rc) {
    http_header(r, "Content-Disposition",
                arena_printf(r->a, "attachment; filename=\"devir-teslim-%lld.pdf\"", (long long)jsonx_int(c, "id", 0)));
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  json_decref(c);
  return rc ? -1 : 0;
}
