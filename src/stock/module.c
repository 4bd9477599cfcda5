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
    {"POST", "/stock/import", "stock.manage", stock_form_import, ROUTE_HTML | ROUTE_FORM | ROUTE_RAW,
     "Import opening balances or receipts from CSV/XLSX (form, dry run first)"},
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
      * movement: what is on hand and its book value (FIFO since version 2:
      * the sum of the remaining lots). */
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
    {2,
     /* FIFO (ilk giren ilk çıkar, Taşınır Mal Yönetmeliği): a lot per
      * entry (giriş, positive sayım, the receiving side of a devir) with
      * its own unit price; seq orders the lots (the entry's movement id, a
      * devir's lots keep their source lot's). stock_balances becomes the
      * sum of the remaining lots. */
     "CREATE TABLE stock_lots ("
     " id INTEGER PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES stock_items(id),"
     " depot_id INTEGER NOT NULL REFERENCES stock_depots(id),"
     " movement_id INTEGER NOT NULL REFERENCES stock_movements(id), seq INTEGER NOT NULL,"
     " unit_price_kurus INTEGER NOT NULL CHECK (unit_price_kurus >= 0), qty_in INTEGER NOT NULL CHECK (qty_in > 0),"
     " qty_left INTEGER NOT NULL, CHECK (qty_left >= 0 AND qty_left <= qty_in));"
     "CREATE INDEX stock_lots_fifo ON stock_lots(item_id, depot_id, seq, id);"
     "CREATE INDEX stock_lots_movement ON stock_lots(movement_id);"
     /* What a movement took from each lot (negative: put back by a
      * reversal), so that a reversal restores exactly those lots. */
     "CREATE TABLE stock_movement_lots ("
     " movement_id INTEGER NOT NULL REFERENCES stock_movements(id), lot_id INTEGER NOT NULL REFERENCES stock_lots(id),"
     " qty INTEGER NOT NULL CHECK (qty <> 0), PRIMARY KEY (movement_id, lot_id));"
     "CREATE INDEX stock_movement_lots_lot ON stock_movement_lots(lot_id);"
     /* Posting a movement id here applies it to the lots (the trigger
      * below): ledger.c does it for each new movement in its transaction,
      * this migration for the existing ledger in id order. One statement
      * set for both, so the replay is the live rule. A reversal of an
      * entry takes that entry's lots first (ledger.c refuses it when they
      * were used; old data replays leniently, then oldest first). */
     "CREATE TABLE stock_lot_posts (movement_id INTEGER PRIMARY KEY REFERENCES stock_movements(id));"
     "CREATE TRIGGER stock_lot_post AFTER INSERT ON stock_lot_posts BEGIN"
     /* a receipt or a positive count: a new lot */
     " INSERT INTO stock_lots (item_id, depot_id, movement_id, seq, unit_price_kurus, qty_in, qty_left)"
     "  SELECT m.item_id, m.depot_id, m.id, m.id, COALESCE(m.unit_price_kurus, (SELECT l.unit_price_kurus"
     "   FROM stock_lots l WHERE l.item_id = m.item_id AND l.depot_id = m.depot_id ORDER BY l.seq DESC, l.id DESC"
     "   LIMIT 1), 0), m.qty, m.qty"
     "  FROM stock_movements m WHERE m.id = NEW.movement_id AND m.reverses_id IS NULL AND m.qty > 0;"
     /* an exit, a transfer out, a negative count: the oldest lots first */
     " INSERT INTO stock_movement_lots (movement_id, lot_id, qty)"
     "  SELECT NEW.movement_id, f.id, MIN(f.qty_left, f.need - f.before) FROM (SELECT l.id, l.qty_left, -m.qty AS need,"
     "   COALESCE(SUM(l.qty_left) OVER (ORDER BY l.seq, l.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
     "   AS before FROM stock_movements m JOIN stock_lots l ON l.item_id = m.item_id AND l.depot_id = m.depot_id"
     "   AND l.qty_left > 0 WHERE m.id = NEW.movement_id AND m.reverses_id IS NULL AND m.qty < 0) f"
     "  WHERE f.before < f.need;"
     /* reversing a movement that made lots: those lots go */
     " INSERT INTO stock_movement_lots (movement_id, lot_id, qty)"
     "  SELECT NEW.movement_id, f.id, MIN(f.qty_left, f.need - f.before) FROM (SELECT l.id, l.qty_left,"
     "   ABS(o.qty) AS need, COALESCE(SUM(l.qty_left) OVER (ORDER BY l.movement_id = o.id DESC, l.seq, l.id"
     "   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before"
     "   FROM stock_movements m JOIN stock_movements o ON o.id = m.reverses_id JOIN stock_lots l"
     "   ON l.item_id = o.item_id AND l.depot_id = COALESCE(o.to_depot_id, o.depot_id) AND l.qty_left > 0"
     "   WHERE m.id = NEW.movement_id AND EXISTS (SELECT 1 FROM stock_lots k WHERE k.movement_id = o.id)) f"
     "  WHERE f.before < f.need;"
     /* reversing a movement that took lots: the same quantities back */
     " INSERT INTO stock_movement_lots (movement_id, lot_id, qty)"
     "  SELECT NEW.movement_id, x.lot_id, -x.qty FROM stock_movements m JOIN stock_movement_lots x"
     "  ON x.movement_id = m.reverses_id WHERE m.id = NEW.movement_id AND x.qty > 0;"
     " UPDATE stock_lots SET qty_left = qty_left - (SELECT x.qty FROM stock_movement_lots x"
     "  WHERE x.movement_id = NEW.movement_id AND x.lot_id = stock_lots.id)"
     "  WHERE id IN (SELECT lot_id FROM stock_movement_lots WHERE movement_id = NEW.movement_id);"
     /* a transfer: lots at the receiving depot, same prices, same order */
     " INSERT INTO stock_lots (item_id, depot_id, movement_id, seq, unit_price_kurus, qty_in, qty_left)"
     "  SELECT m.item_id, m.to_depot_id, m.id, l.seq, l.unit_price_kurus, x.qty, x.qty"
     "  FROM stock_movements m JOIN stock_movement_lots x ON x.movement_id = m.id JOIN stock_lots l ON l.id = x.lot_id"
     "  WHERE m.id = NEW.movement_id AND m.kind = 'devir' AND m.reverses_id IS NULL ORDER BY l.seq, l.id;"
     " END;"
     "INSERT INTO stock_lot_posts (movement_id) SELECT id FROM stock_movements ORDER BY id;"
     "UPDATE stock_balances SET value_kurus = (SELECT COALESCE(SUM(l.qty_left * l.unit_price_kurus), 0)"
     " FROM stock_lots l WHERE l.item_id = stock_balances.item_id AND l.depot_id = stock_balances.depot_id);"},
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
