/* sheet_page.c - the browser side of every spreadsheet import: the upload
 * form (file, what to import, "try first") and the result (a sentence and
 * the table of bad rows: row, column, reason), so the register, custody
 * and stock imports look and read the same. */
#include "sheet.h"
#include "i18n.h"
#include "jsonx.h"
#include "page.h"

void sheet_import_form(request *r, html *h, const char *action, const char *const *kinds)
{
  H(h, "<section class=\"card\" id=\"import\"><h2>");
  h_txt(h, _("Import from a spreadsheet"));
  H(h, "</h2><p>");
  h_txt(h, _("CSV (; or , separated) or XLSX; the first row names the columns. Nothing is imported while any row "
             "has a problem."));
  H(h, "</p><form method=\"post\" action=\"");
  h_attr(h, action);
  H(h, "\" enctype=\"multipart/form-data\" id=\"import-form\">");
  page_csrf(r, h);
  if (kinds && kinds[0]) {
    H(h, "<label for=\"import-what\">");
    h_txt(h, _("What"));
    H(h, "</label><select id=\"import-what\" name=\"what\">");
    for (size_t i = 0; kinds[i] && kinds[i + 1]; i += 2)
      h_option(h, kinds[i], _(kinds[i + 1]), i == 0);
    H(h, "</select>");
  }
  H(h, "<label for=\"import-file\">");
  h_txt(h, _("File"));
  H(h, "</label><input type=\"file\" id=\"import-file\" name=\"file\" accept=\".csv,.xlsx,text/csv,"
       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\" required>"
       "<label><input type=\"checkbox\" id=\"import-dry-run\" name=\"dry_run\" value=\"1\" checked> ");
  h_txt(h, _("Try first (dry run)"));
  H(h, "</label> <button type=\"submit\" class=\"primary\" id=\"import-submit\">");
  h_txt(h, _("Import"));
  H(h, "</button></form></section>");
}

int sheet_import_result(request *r, html *h, int status, bool dry, bool have_file, json_t *res)
{
  const char *msg = !have_file        ? _("Choose a CSV or XLSX file.")
                    : status == 413   ? _("The file is too large to import; split it into smaller files.")
                    : status == 409   ? _("Nothing was imported: the register changed meanwhile; try again.")
                    : status == 415   ? _("The file could not be read as CSV or XLSX.")
                    : status && dry   ? _("Some rows have problems.")
                    : status          ? _("Nothing was imported: some rows have problems.")
                    : dry             ? _("Every row is valid; nothing was imported yet (dry run).")
                                      : arena_printf(r->a, _("%lld rows were imported."),
                                                     (long long)jsonx_int(res, "imported", 0));
  H(h, "<p id=\"import-result\" class=\"");
  h_attr(h, status ? "alert" : "notice");
  H(h, "\" role=\"status\">");
  h_txt(h, msg);
  H(h, "</p>");
  json_t *errors = json_object_get(res, "errors");
  if (json_array_size(errors)) {
    H(h, "<table class=\"list\" id=\"import-errors\"><thead><tr><th>");
    h_txt(h, _("Row"));
    H(h, "</th><th>");
    h_txt(h, _("Column"));
    H(h, "</th><th>");
    h_txt(h, _("Problem"));
    H(h, "</th></tr></thead><tbody>");
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
      H(h, "<tr><td>");
      h_int(h, jsonx_int(e, "row", 0));
      H(h, "</td><td>");
      h_txt(h, jsonx_str(e, "column"));
      H(h, "</td><td>");
      h_txt(h, jsonx_str(e, "reason"));
      H(h, "</td></tr>");
    }
    H(h, "</tbody></table>");
  }
  return !have_file ? 400 : status == 0 ? 200 : status == 413 || status == 409 ? status : 400;
}

void sheet_list_params(request *r, json_t *fields, int64_t max, int64_t *limit, int64_t *cursor, const char **format)
{
  const char *v;
  *cursor = 0;
  if ((v = req_query(r, "limit")) && *v && (parse_i64(v, limit) || *limit < 1))
    jsonx_field_error(fields, "limit", _("limit must be a positive number."));
  if (*limit > max)
    *limit = max;
  if ((v = req_query(r, "cursor")) && *v && (parse_i64(v, cursor) || *cursor < 1))
    jsonx_field_error(fields, "cursor", _("Invalid cursor."));
  *format = req_query(r, "format");
  if (*format && !sheet_format_ok(*format))
    jsonx_field_error(fields, "format", _("Use csv or xlsx."));
  if (*format) {
    *limit = SHEET_EXPORT_MAX + 1;
    *cursor = 0;
  }
}
