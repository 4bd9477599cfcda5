/* export.c - the register's lists as files: ?format=csv|xlsx on the
 * asset list, the custody list and the software catalogue. The list
 * handlers apply their filters as usual and, instead of a page, hand
 * every matching row (at most SHEET_EXPORT_MAX) to these writers. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/sheet.h"

static const struct sheet_col asset_cols[] = {
    {"id", N_("No"), SHEET_INT, 8},
    {"sicil_no", N_("Sicil no"), SHEET_TEXT, 22},
    {"name", N_("Name"), SHEET_TEXT, 32},
    {"type_label", N_("Type"), SHEET_TEXT, 20},
    {"code", N_("Taşınır kodu"), SHEET_TEXT, 16},
    {"serial", N_("Serial no"), SHEET_TEXT, 20},
    {"status_label", N_("Status"), SHEET_TEXT, 14},
    {"unit_code", N_("Unit"), SHEET_TEXT, 12},
    {"hostname", N_("Host name"), SHEET_TEXT, 20},
};

int assets_export_list(request *r, const char *format, json_t *items)
{
  size_t i;
  json_t *a;
  json_array_foreach(items, i, a)
      json_object_set_new(a, "status_label", json_string(assets_status_label(jsonx_str(a, "status"))));
  return sheet_send(r, format, "demirbaslar", _("Assets"), asset_cols, ARRAY_LEN(asset_cols), items);
}

static const struct sheet_col custody_cols[] = {
    {"id", N_("No"), SHEET_INT, 8},
    {"belge_no", N_("Belge no"), SHEET_TEXT, 12},
    {"asset.sicil_no", N_("Sicil no"), SHEET_TEXT, 22},
    {"asset.name", N_("Asset"), SHEET_TEXT, 30},
    {"asset.serial", N_("Serial no"), SHEET_TEXT, 20},
    {"person.name", N_("Person"), SHEET_TEXT, 26},
    {"person.unit", N_("Unit"), SHEET_TEXT, 26},
    {"space", N_("Shared space"), SHEET_TEXT, 24},
    {"officer.name", N_("Officer"), SHEET_TEXT, 24},
    {"issued_on", N_("Issued on"), SHEET_DATE, 12},
    {"issuer", N_("Issued by"), SHEET_TEXT, 22},
    {"returned_at", N_("Returned on"), SHEET_DATE, 12},
    {"note", N_("Note"), SHEET_TEXT, 30},
};

int assets_export_custody(request *r, const char *format, json_t *items)
{
  return sheet_send(r, format, "zimmetler", _("Custody"), custody_cols, ARRAY_LEN(custody_cols), items);
}

static const struct sheet_col software_cols[] = {
    {"id", N_("No"), SHEET_INT, 8},
    {"name", N_("Software"), SHEET_TEXT, 40},
    {"publisher", N_("Publisher"), SHEET_TEXT, 30},
    {"installations", N_("Installations"), SHEET_INT, 12},
};

int assets_export_software(request *r, const char *format, json_t *items)
{
  return sheet_send(r, format, "yazilimlar", _("Software"), software_cols, ARRAY_LEN(software_cols), items);
}
