/* export.c - the stock lists as files: ?format=csv|xlsx on the items
 * (with the stock on hand and its value at the depots the user reads),
 * the ledger of movements and the depots. The list handlers apply their
 * filters as usual and, instead of a page, hand every matching row (at
 * most SHEET_EXPORT_MAX) to these writers (core/sheet.h). */
#include "stock.h"
#include "stock_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/sheet.h"

static const struct sheet_col item_cols[] = {
    {"id", N_("Record no"), SHEET_INT, 8},
    {"code", N_("Taşınır kodu"), SHEET_TEXT, 14},
    {"name", N_("Item"), SHEET_TEXT, 32},
    {"category", N_("Category"), SHEET_TEXT, 16},
    {"uom_label", N_("Unit of measure"), SHEET_TEXT, 12},
    {"compatible", N_("Compatible models"), SHEET_TEXT, 32},
    {"active", N_("Active"), SHEET_TEXT, 8},
    {"total", N_("Total on hand"), SHEET_INT, 12},
    {"total_value_kurus", N_("Value (TL)"), SHEET_MONEY, 14},
};

int stock_export_items(request *r, const char *format, json_t *items)
{
  size_t i, k;
  json_t *o, *x;
  json_array_foreach(items, i, o)
  {
    int64_t value = 0;
    json_array_foreach(json_object_get(o, "on_hand"), k, x) value += jsonx_int(x, "value_kurus", 0);
    json_object_set_new(o, "total_value_kurus", json_integer(value));
  }
  return sheet_send(r, format, "sarf-malzemeleri", _("Consumables stock"), item_cols, ARRAY_LEN(item_cols), items);
}

static const struct sheet_col movement_cols[] = {
    {"id", N_("Record no"), SHEET_INT, 8},
    {"date", N_("Date"), SHEET_DATE, 12},
    {"kind_label", N_("Kind"), SHEET_TEXT, 18},
    {"item.code", N_("Taşınır kodu"), SHEET_TEXT, 14},
    {"item.name", N_("Item"), SHEET_TEXT, 28},
    {"item.uom", N_("Unit of measure"), SHEET_TEXT, 10},
    {"depot.name", N_("Depot"), SHEET_TEXT, 20},
    {"to_depot.name", N_("To depot"), SHEET_TEXT, 20},
    {"change", N_("Change"), SHEET_INT, 10},
    {"unit_price_kurus", N_("Unit price (TL)"), SHEET_MONEY, 14},
    {"value_kurus", N_("Value (TL)"), SHEET_MONEY, 14},
    {"supplier", N_("Supplier"), SHEET_TEXT, 24},
    {"supplier_vkn", N_("Supplier tax number (VKN)"), SHEET_TEXT, 12},
    {"invoice_no", N_("Invoice no"), SHEET_TEXT, 14},
    {"unit.code", N_("To unit"), SHEET_TEXT, 12},
    {"person.name", N_("Person"), SHEET_TEXT, 22},
    {"ticket_id", N_("Ticket no"), SHEET_INT, 10},
    {"reverses_id", N_("Reverses movement"), SHEET_INT, 10},
    {"reversed_by", N_("Reversed by movement"), SHEET_INT, 10},
    {"note", N_("Note"), SHEET_TEXT, 30},
    {"actor", N_("Recorded by"), SHEET_TEXT, 18},
    {"at", N_("Recorded on"), SHEET_DATE, 12},
};

int stock_export_movements(request *r, const char *format, json_t *items)
{
  return sheet_send(r, format, "stok-hareketleri", _("Stock movements"), movement_cols, ARRAY_LEN(movement_cols),
                    items);
}

static const struct sheet_col depot_cols[] = {
    {"id", N_("Record no"), SHEET_INT, 8},
    {"name", N_("Depot"), SHEET_TEXT, 28},
    {"unit.code", N_("Unit"), SHEET_TEXT, 12},
    {"unit.name", N_("Unit name"), SHEET_TEXT, 30},
    {"responsible.name", N_("Responsible person (ambar sorumlusu)"), SHEET_TEXT, 26},
    {"active", N_("Active"), SHEET_TEXT, 8},
    {"value_kurus", N_("Stock value (TL)"), SHEET_MONEY, 16},
};

int stock_export_depots(request *r, const char *format, json_t *items)
{
  return sheet_send(r, format, "ambarlar", _("Depots"), depot_cols, ARRAY_LEN(depot_cols), items);
}
