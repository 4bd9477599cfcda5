/* module.c - the stock module's routes, schema, permissions, job, menu
 * entry and the capability it serves: consumables (sarf malzemesi) kept
 * in depots (ambar), moved through an append-only ledger, with minimum
 * levels, alerts and the monthly consumption of each unit. */
#include "stock.h"
#include "stock_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/stock/items", "stock.read", stock_api_items, 0,
     "Items with the stock on hand per depot: search (q), category, low=1, active, cursor paging"},
    {"POST", "/api/v1/stock/items", "stock.manage", stock_api_item_create, 0, "Add an item (sarf malzemesi)"},
    {"GET", "/api/v1/stock/items/{id}", "stock.read", stock_api_item_get, 0,
     "One item with its stock on hand and minimum per depot"},
    {"PATCH", "/api/v1/stock/items/{id}", "stock.manage", stock_api_item_patch, 0, "Change an item"},
    {"POST", "/api/v1/stock/items/{id}/minimum", "stock.manage", stock_api_item_minimum, 0,
     "Set the item's minimum level at a depot"},
    {"GET", "/api/v1/stock/depots", "stock.read", stock_api_depots, 0, "Depots (ambar)"},
    {"POST", "/api/v1/stock/depots", "stock.manage", stock_api_depot_create, 0, "Add a depot"},
    {"PATCH", "/api/v1/stock/depots/{id}", "stock.manage", stock_api_depot_patch, 0, "Change a depot"},
    {"GET", "/api/v1/stock/movements", "stock.read", stock_api_movements, 0,
     "The ledger: filters item, depot, kind; cursor paging, newest first"},
    {"POST", "/api/v1/stock/movements", "stock.manage", stock_api_movement_create, 0,
     "Record a movement: giriş, çıkış, devir or sayım düzeltme"},
    {"GET", "/api/v1/stock/movements/{id}", "stock.read", stock_api_movement_get, 0, "One movement"},
    {"POST", "/api/v1/stock/movements/{id}/reverse", "stock.manage", stock_api_movement_reverse, 0,
     "Correct a movement by its reverse movement"},
    {"POST", "/api/v1/stock/import", "stock.manage", stock_api_import, ROUTE_RAW,
     "Opening balances / receipts from CSV or XLSX (dry_run=1 only checks; nothing is written while a row is bad)"},
    {"GET", "/api/v1/stock/alerts", "stock.read", stock_api_alerts, 0, "Items at or below their minimum level"},
    {"GET", "/api/v1/stock/consumption", "stock.read", stock_api_consumption, 0,
     "Consumption by unit for a month range (from, to: YYYY-MM): item × unit quantities and value"},
    {"GET", "/api/v1/stock/consumption.xlsx", "stock.read", stock_api_consumption_xlsx, 0,
     "The consumption report as XLSX"},
    {"GET", "/api/v1/stock/consumption.pdf", "stock.read", stock_api_consumption_pdf, 0,
     "The consumption report as PDF"},

    {"GET", "/stock", "stock.read", stock_page_list, ROUTE_HTML, "Consumables stock"},
    {"GET", "/stock/consumption", "stock.read", stock_page_consumption, ROUTE_HTML, "Consumption by unit"},
    {"GET", "/stock/items/{id}", "stock.read", stock_page_item, ROUTE_HTML, "A stock item and its movements"},
    {"POST", "/stock/{action}", "stock.manage", stock_form_post, ROUTE_HTML | ROUTE_FORM,
     "Stock forms: item, depot, movement, minimum, reverse"},
};

static const struct db_migration migrations[] = {
    {1,
     /* code: taşınır kodu of the 150 (tüketim) account, optional. */
     "CREATE TABLE stock_items ("
     " id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT NOT NULL UNIQUE, category TEXT NOT NULL,"
     " uom TEXT NOT NULL CHECK (uom IN ('adet', 'kutu', 'metre', 'paket')), compatible TEXT,"
     " active INTEGER NOT NULL DEFAULT 1, name_fold TEXT NOT NULL DEFAULT '',"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE TABLE stock_depots ("
     " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit_id INTEGER NOT NULL REFERENCES units(id),"
     " responsible_id INTEGER REFERENCES org_people(id), active INTEGER NOT NULL DEFAULT 1,"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
     "CREATE TABLE stock_minimums ("
     " item_id INTEGER NOT NULL REFERENCES stock_items(id), depot_id INTEGER NOT NULL REFERENCES stock_depots(id),"
     " min_qty INTEGER NOT NULL CHECK (min_qty >= 0), PRIMARY KEY (item_id, depot_id));"
     /* Derived from the ledger, kept in the same transaction as each
      * movement: what is on hand and its book value (moving average). */
     "CREATE TABLE stock_balances ("
     " item_id INTEGER NOT NULL REFERENCES stock_items(id), depot_id INTEGER NOT NULL REFERENCES stock_depots(id),"
     " qty INTEGER NOT NULL CHECK (qty >= 0), value_kurus INTEGER NOT NULL CHECK (value_kurus >= 0),"
     " PRIMARY KEY (item_id, depot_id));"
     /* The ledger, append-only: qty and value_kurus are the signed change
      * at depot_id (a devir adds -qty at to_depot_id); a correction is a
      * new row reversing one (reverses_id, at most once). */
     "CREATE TABLE stock_movements ("
     " id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('giris', 'cikis', 'devir', 'sayim')),"
     " item_id INTEGER NOT NULL REFERENCES stock_items(id), depot_id INTEGER NOT NULL REFERENCES stock_depots(id),"
     " to_depot_id INTEGER REFERENCES stock_depots(id), qty INTEGER NOT NULL CHECK (qty <> 0),"
     " value_kurus INTEGER NOT NULL, unit_price_kurus INTEGER, supplier TEXT, supplier_vkn TEXT, invoice_no TEXT,"
     " unit_id INTEGER REFERENCES units(id), person_id INTEGER REFERENCES org_people(id), ticket_id INTEGER,"
     " reverses_id INTEGER UNIQUE REFERENCES stock_movements(id), on_date TEXT NOT NULL, note TEXT,"
     " at INTEGER NOT NULL, user_id INTEGER REFERENCES users(id), actor TEXT NOT NULL,"
     " CHECK (kind <> 'devir' OR (to_depot_id IS NOT NULL AND to_depot_id <> depot_id)),"
     " CHECK (kind <> 'cikis' OR unit_id IS NOT NULL));"
     "CREATE INDEX stock_movements_item ON stock_movements(item_id, id);"
     "CREATE INDEX stock_movements_depot ON stock_movements(depot_id, id);"
     "CREATE INDEX stock_movements_consumption ON stock_movements(kind, on_date);"
     /* One open alert per item and depot: raised when the stock falls to
      * or below the minimum, cleared when it rises above it. */
     "CREATE TABLE stock_alerts ("
     " id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES stock_items(id),"
     " depot_id INTEGER NOT NULL REFERENCES stock_depots(id), qty INTEGER NOT NULL, min_qty INTEGER NOT NULL,"
     " movement_id INTEGER REFERENCES stock_movements(id), raised_at INTEGER NOT NULL,"
     " mailed INTEGER NOT NULL DEFAULT 0, cleared_at INTEGER);"
     "CREATE UNIQUE INDEX stock_alerts_open ON stock_alerts(item_id, depot_id) WHERE cleared_at IS NULL;"},
};

static const struct perm_def perms[] = {
    {"stock.read", "admin yonetici sorumlu teknik denetci", "See the consumables stock of the units one's grants reach"},
    {"stock.manage", "yonetici sorumlu teknik", "Keep the consumables stock: items, depots, movements"},
};

static const struct job_def jobs[] = {
    {"stock.alerts", 86400, stock_job_alerts},
};

static const struct nav_item nav[] = {
    {"/stock", N_("Stock"), "stock.read"},
};

static const char *const capabilities[] = {"stock", NULL};

const struct defter_module stock_module = {
    .name = "stock",
    .migrations = migrations,
    .nmigrations = ARRAY_LEN(migrations),
    .routes = routes,
    .nroutes = ARRAY_LEN(routes),
    .perms = perms,
    .nperms = ARRAY_LEN(perms),
    .jobs = jobs,
    .njobs = ARRAY_LEN(jobs),
    .nav = nav,
    .nnav = ARRAY_LEN(nav),
    .capabilities = capabilities,
    .figures = stock_figures,
    .dashboard = stock_dashboard,
    .configure = stock_configure,
};
