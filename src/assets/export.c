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
    {"id", N_("Record no"), SHEET_INT, 8},
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
    {"id", N_("Record no"), SHEET_INT, 8},
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
    {"id", N_("Record no"), SHEET_INT, 8},
    {"name", N_("Software"), SHEET_TEXT, 40},
    {"publisher", N_("Publisher"), SHEET_TEXT, 30},
    {"installations", N_("Installations"), SHEET_INT, 12},
};

int assets_export_software(request *r, const char *format, json_t *items)
{
  return sheet_send(r, format, "yazilimlar", _("Software"), software_cols, ARRAY_LEN(software_cols), items);
}

/* ---- Varlık İşlem Fişleri ------------------------------------------------------------ */

static const char *vif_kind_label(const char *kind)
{
  if (str_eq(kind, "giris"))
    return _("entry");
  if (str_eq(kind, "cikis"))
    return _("exit");
  if (str_eq(kind, "devir"))
    return _("transfer");
  return kind;
}

static const char *vif_source_label(const char *source)
{
  if (str_eq(source, "kayit"))
    return _("Registration");
  if (str_eq(source, "hurda"))
    return _("Scrapped");
  if (str_eq(source, "sayim_noksan"))
    return _("Count: Noksan");
  if (str_eq(source, "sayim_fazla"))
    return _("Count: Fazla");
  return source;
}

static const struct sheet_col vif_cols[] = {
    {"number", N_("VİF no"), SHEET_TEXT, 12},
    {"date", N_("Date"), SHEET_DATE, 12},
    {"kind_label", N_("Kind"), SHEET_TEXT, 10},
    {"source_label", N_("Source"), SHEET_TEXT, 16},
    {"source_ref", N_("Source document"), SHEET_TEXT, 30},
    {"source_date", N_("Source date"), SHEET_DATE, 12},
    {"count_id", N_("Count"), SHEET_INT, 8},
    {"lines", N_("Lines"), SHEET_INT, 8},
    {"total_kurus", N_("Value (TL)"), SHEET_MONEY, 14},
    {"created_by", N_("Recorded by"), SHEET_TEXT, 18},
    {"created_at", N_("Recorded on"), SHEET_DATE, 12},
};

int assets_export_vif(request *r, const char *format, json_t *items)
{
  size_t i;
  json_t *a;
  json_array_foreach(items, i, a)
  {
    json_object_set_new(a, "kind_label", json_string(vif_kind_label(jsonx_str(a, "kind"))));
    const char *src = jsonx_str(a, "source_kind");
    json_object_set_new(a, "source_label", src ? json_string(vif_source_label(src)) : json_null());
  }
  return sheet_send(r, format, "varlik-islem-fisleri", _("Varlık İşlem Fişleri"), vif_cols, ARRAY_LEN(vif_cols),
                    items);
}

/* ---- counts -------------------------------------------------------------------------- */

static const struct sheet_col count_cols[] = {
    {"id", N_("Record no"), SHEET_INT, 8},
    {"title", N_("Title"), SHEET_TEXT, 32},
    {"reason_label", N_("Reason"), SHEET_TEXT, 18},
    {"order_ref", N_("Order (emir) reference"), SHEET_TEXT, 20},
    {"date", N_("Date"), SHEET_DATE, 12},
    {"year", N_("Year"), SHEET_INT, 8},
    {"scope.unit.code", N_("Unit"), SHEET_TEXT, 12},
    {"scope.building", N_("Building"), SHEET_TEXT, 22},
    {"scope.floor", N_("Floor"), SHEET_TEXT, 8},
    {"scope.room", N_("Room"), SHEET_TEXT, 10},
    {"state_label", N_("State"), SHEET_TEXT, 20},
    {"progress.expected", N_("Expected"), SHEET_INT, 10},
    {"progress.found", N_("Found"), SHEET_INT, 10},
    {"progress.fazla", N_("Fazla"), SHEET_INT, 10},
    {"progress.noksan", N_("Noksan"), SHEET_INT, 10},
    {"opened_by", N_("Opened by"), SHEET_TEXT, 18},
    {"opened_at", N_("Opened on"), SHEET_DATE, 12},
    {"finalised_by", N_("Finalised by"), SHEET_TEXT, 18},
    {"finalised_at", N_("Finalised on"), SHEET_DATE, 12},
};

int assets_export_counts(request *r, const char *format, json_t *items)
{
  size_t i;
  json_t *a;
  json_array_foreach(items, i, a)
  {
    const char *reason = jsonx_str(a, "reason");
    json_object_set_new(a, "reason_label",
                        json_string(str_eq(reason, "yil_sonu") ? _("Year end (yıl sonu)")
                                    : str_eq(reason, "emir")   ? _("Ordered (emir)")
                                                               : (reason ? reason : "")));
  }
  return sheet_send(r, format, "sayimlar", _("Counts"), count_cols, ARRAY_LEN(count_cols), items);
}
