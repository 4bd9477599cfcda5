/* labels.c - printable asset labels for the count (sayım): one QR code
 * per asset carrying its sicil no (what Taşınır Mal Yönetmeliği md. 36
 * marks permanently on the item), with the name, serial and location
 * beside it. */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/pdf.h"

#include <stdlib.h>
#include <string.h>

enum { LABELS_MAX = 500, PDF_MAX_BYTES = 32 * 1024 * 1024 };

int assets_api_labels(request *r)
{
  db *d = db_thread();
  const char *ids = req_query(r, "ids");
  if (!ids || !*ids || strlen(ids) > LABELS_MAX * 21)
    return assets_invalid(r, json_pack("{ss}", "ids", _("List the asset ids, e.g. ids=1,2,3.")));
  arena *m = r->a;
  const char *title = _("Asset labels");
  pdf_doc *doc = pdf_new(m, title, arena_printf(m, "defter · %s", title));
  pdf_text(doc, PDF_TITLE, title, 8);
  char *list = arena_strdup(m, ids);
  int n = 0;
  for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int64_t id;
    if (parse_i64(tok, &id) || id <= 0 || ++n > LABELS_MAX)
      return assets_invalid(r, json_pack("{ss}", "ids", _("List the asset ids, e.g. ids=1,2,3.")));
    json_t *a = assets_record(d, id);
    if (!a || !assets_can_read(r, jsonx_int(json_object_get(a, "unit"), "id", 0))) {
      json_decref(a);
      return assets_not_found(r);
    }
    const char *sicil = jsonx_str(a, "sicil_no");
    json_t *loc = json_object_get(a, "location");
    const char *payload = sicil ? arena_strdup(m, sicil) : arena_printf(m, "defter-asset:%lld", (long long)id);
    const char *caption = arena_printf(
        m, "%s\n%s\n%s: %s\n%s: %s %s %s", sicil ? sicil : _("(no sicil no yet)"), jsonx_str(a, "name"), _("Serial no"),
        jsonx_str(a, "serial") ? jsonx_str(a, "serial") : "-", _("Location"),
        jsonx_str(loc, "building") ? jsonx_str(loc, "building") : "",
        jsonx_str(loc, "floor") ? jsonx_str(loc, "floor") : "", jsonx_str(loc, "room") ? jsonx_str(loc, "room") : "");
    pdf_qr(doc, payload, 72, caption, 10);
    json_decref(a);
  }
  buf out;
  buf_init(&out, PDF_MAX_BYTES);
  int rc = pdf_render(doc, &out);
  if (!rc) {
    http_header(r, "Content-Disposition", "inline; filename=\"etiketler.pdf\"");
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}
