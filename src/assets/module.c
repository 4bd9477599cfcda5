/* module.c - the assets module's routes, schema, permissions, menu
 * entries and the capabilities it serves: the register of movable
 * property (assets), custody (zimmet), the agent inventory and the
 * software catalogue the inventories fill. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"

static const struct route routes[] = {
    {"GET", "/api/v1/assets", "assets.read", assets_api_list, 0,
     "Assets: search (q), filters (type, status, unit, review) and cursor paging"},
    {"POST", "/api/v1/assets", "assets.manage", assets_api_create, 0, "Register an asset (sicil no generated)"},
    {"GET", "/api/v1/assets/types", "assets.read", assets_api_types, 0,
     "Asset types with their own fields, and the lifecycle statuses"},
    {"GET", "/api/v1/assets/labels.pdf", "assets.read", assets_api_labels, 0,
     "Printable labels with QR codes for the count (ids=1,2,...)"},
    {"GET", "/api/v1/assets/{id}", "assets.read", assets_api_get, 0,
     "One asset with components, software count, custody, history and tickets"},
    {"PATCH", "/api/v1/assets/{id}", "assets.manage", assets_api_patch, 0,
     "Change an asset (also accepts one from the review queue)"},
    {"POST", "/api/v1/assets/{id}/status", "assets.manage", assets_api_status, 0, "Change the lifecycle status"},
    {"GET", "/api/v1/assets/{id}/software", "assets.read", assets_api_software, 0,
     "Software the agent found on the asset"},
    {"GET", "/api/v1/assets/{id}/history", "assets.read", assets_api_history, 0, "The asset's history"},
    {"POST", "/api/v1/assets/{id}/custody", "custody.manage", assets_api_custody_issue, 0,
     "Issue to a person (Taşınır Teslim Belgesi) or place in a shared space"},
    {"GET", "/api/v1/software", "assets.read", assets_api_catalogue, 0,
     "The software catalogue with installation counts"},

    {"GET", "/api/v1/custody", "assets.read", assets_api_custody_list, 0,
     "Custody records: of a person (person), of a shared space (space), open only (open=1)"},
    {"GET", "/api/v1/custody/mine", PERM_LOGIN, assets_api_custody_mine, 0, "What the signed-in person holds"},
    {"GET", "/api/v1/custody/space.pdf", "assets.read", assets_api_space_pdf, 0,
     "Dayanıklı Taşınırlar Listesi of a shared space (space=)"},
    {"GET", "/api/v1/custody/{cid}/document.pdf", PERM_LOGIN, assets_api_custody_pdf, 0,
     "The Taşınır Teslim Belgesi of a custody record"},
    {"POST", "/api/v1/custody/{cid}/return", "custody.manage", assets_api_custody_return, 0,
     "Record the return (geri alındı)"},

    /* import / export (import.c, export.c); the lists take ?format=csv|xlsx */
    {"POST", "/api/v1/assets/import", "assets.manage", assets_api_import, ROUTE_RAW,
     "Import assets from CSV or XLSX (multipart file or raw body; dry_run=1 only checks)"},
    {"POST", "/api/v1/custody/import", "custody.manage", assets_api_custody_import, ROUTE_RAW,
     "Import custody from CSV or XLSX (multipart file or raw body; dry_run=1 only checks)"},
    {"POST", "/assets/import", "assets.read", assets_form_import, ROUTE_HTML | ROUTE_FORM | ROUTE_RAW,
     "Import assets or custody from a spreadsheet (form)"},

    {"POST", "/inventory", NULL, assets_agent_inventory, ROUTE_RAW | ROUTE_NO_CSRF,
     "Agent inventory: FusionInventory / OCS XML and GLPI-Agent JSON"},

    {"GET", "/assets", "assets.read", assets_page_list, ROUTE_HTML, "Asset register"},
    {"POST", "/assets", "assets.manage", assets_form_create, ROUTE_HTML | ROUTE_FORM, "Register an asset (form)"},
    {"GET", "/assets/mine", PERM_LOGIN, assets_page_mine, ROUTE_HTML,
     "My custody items; ?person=ID: a person's holdings (staff)"},
    {"GET", "/assets/{id}", "assets.read", assets_page_asset, ROUTE_HTML, "Asset page"},
    {"POST", "/assets/{id}/{action}", "assets.read", assets_form_action, ROUTE_HTML | ROUTE_FORM,
     "Asset actions: status, custody, return (forms)"},
};

static const struct db_migration migrations[] = {
    {1,
     /* code: taşınır kodu; sicil_no = code-YY-seq, given once the asset has
      * a code (agent-found assets wait in the review queue without one). */
     "CREATE TABLE assets ("
     " id INTEGER PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, code TEXT, sicil_no TEXT UNIQUE,"
     " sicil_year INTEGER, sicil_seq INTEGER, serial TEXT, bios_serial TEXT, brand TEXT, model TEXT,"
     " building TEXT, floor TEXT, room TEXT, unit_id INTEGER NOT NULL REFERENCES units(id),"
     " status TEXT NOT NULL CHECK (status IN ('depoda', 'kullanimda', 'arizali', 'serviste', 'hurda')),"
     " entry_date TEXT NOT NULL, purchase_date TEXT, supplier TEXT, supplier_vkn TEXT, order_no TEXT,"
     " invoice_no TEXT, value_kurus INTEGER, warranty_end TEXT, attrs TEXT NOT NULL DEFAULT '{}', note TEXT,"
     " device_id TEXT UNIQUE, hostname TEXT, review INTEGER NOT NULL DEFAULT 0, flagged INTEGER NOT NULL DEFAULT 0,"
     " inv_summary TEXT, last_inventory_at INTEGER, last_inventory_proto TEXT, search TEXT NOT NULL DEFAULT '',"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, UNIQUE (code, sicil_year, sicil_seq));"
     "CREATE INDEX assets_unit ON assets(unit_id, id);"
     "CREATE INDEX assets_serial ON assets(serial);"
     "CREATE INDEX assets_bios_serial ON assets(bios_serial);"
     "CREATE INDEX assets_review ON assets(id) WHERE review = 1;"
     "CREATE TABLE asset_events ("
     " id INTEGER PRIMARY KEY, asset_id INTEGER NOT NULL REFERENCES assets(id), at INTEGER NOT NULL,"
     " actor TEXT NOT NULL, kind TEXT NOT NULL, from_value TEXT, to_value TEXT, note TEXT,"
     " flag INTEGER NOT NULL DEFAULT 0);"
     "CREATE INDEX asset_events_asset ON asset_events(asset_id, id);"
     "CREATE TABLE asset_components ("
     " id INTEGER PRIMARY KEY, asset_id INTEGER NOT NULL REFERENCES assets(id), kind TEXT NOT NULL,"
     " name TEXT, detail TEXT, serial TEXT, mac TEXT, ip TEXT, size_mb INTEGER);"
     "CREATE INDEX asset_components_asset ON asset_components(asset_id, kind);"
     "CREATE INDEX asset_components_mac ON asset_components(mac) WHERE mac IS NOT NULL;"
     "CREATE TABLE software ("
     " id INTEGER PRIMARY KEY, name TEXT NOT NULL, publisher TEXT NOT NULL DEFAULT '',"
     " created_at INTEGER NOT NULL, UNIQUE (name, publisher));"
     "CREATE TABLE asset_software ("
     " asset_id INTEGER NOT NULL REFERENCES assets(id), software_id INTEGER NOT NULL REFERENCES software(id),"
     " version TEXT NOT NULL DEFAULT '', PRIMARY KEY (asset_id, software_id, version));"
     "CREATE INDEX asset_software_sw ON asset_software(software_id);"
     /* A person's custody (Taşınır Teslim Belgesi, numbered from 1 each
      * year) or a shared space's list (Dayanıklı Taşınırlar Listesi,
      * signed by the space's officer): exactly one of person_id, space. */
     "CREATE TABLE custody ("
     " id INTEGER PRIMARY KEY, asset_id INTEGER NOT NULL REFERENCES assets(id),"
     " person_id INTEGER REFERENCES org_people(id), space TEXT, officer_id INTEGER REFERENCES org_people(id),"
     " belge_year INTEGER, belge_no INTEGER, issued_on TEXT NOT NULL, issued_at INTEGER NOT NULL,"
     " issued_by INTEGER REFERENCES users(id), issuer TEXT NOT NULL, note TEXT,"
     " returned_at INTEGER, returned_by TEXT, return_note TEXT,"
     " CHECK ((person_id IS NULL) <> (space IS NULL)), UNIQUE (belge_year, belge_no));"
     "CREATE UNIQUE INDEX custody_open ON custody(asset_id) WHERE returned_at IS NULL;"
     "CREATE INDEX custody_person ON custody(person_id, id);"
     "CREATE INDEX custody_space ON custody(space, id);"},
};

static const struct perm_def perms[] = {
    {"assets.read", "admin yonetici sorumlu teknik denetci", "See the asset register of the units one's grants reach"},
    {"assets.manage", "yonetici sorumlu teknik", "Register and change assets, accept agent-found ones"},
    {"custody.manage", "yonetici sorumlu teknik", "Issue assets to people or shared spaces and take them back"},
};

static const struct nav_item nav[] = {
    {"/assets", N_("Assets"), "assets.read"},
    {"/assets/mine", N_("My custody"), PERM_LOGIN},
};

static const char *const capabilities[] = {"assets", "custody", "inventory_agent", "software", NULL};

const struct defter_module assets_module = {
    .name = "assets",
    .migrations = migrations,
    .nmigrations = ARRAY_LEN(migrations),
    .routes = routes,
    .nroutes = ARRAY_LEN(routes),
    .perms = perms,
    .nperms = ARRAY_LEN(perms),
    .nav = nav,
    .nnav = ARRAY_LEN(nav),
    .capabilities = capabilities,
    .figures = assets_figures,
    .configure = assets_configure,
};
