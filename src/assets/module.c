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
    {"GET", "/api/v1/assets/agents", "assets.manage", assets_api_agent_keys, 0,
     "Agent keys (basic authentication per agent or group of agents)"},
    {"POST", "/api/v1/assets/agents", "assets.manage", assets_api_agent_key_create, 0,
     "Make an agent key; its secret is in this reply only"},
    {"DELETE", "/api/v1/assets/agents/{kid}", "assets.manage", assets_api_agent_key_revoke, 0,
     "Revoke an agent key"},
    /* counts (sayım): before /api/v1/assets/{id}, which would match them */
    {"GET", "/api/v1/assets/counts", "assets.count", assets_api_counts_list, 0, "Counts (sayım), newest first"},
    {"POST", "/api/v1/assets/counts", "assets.count", assets_api_count_open, 0,
     "Open a count over a unit, location or shared spaces with its kurul; freezes movements"},
    {"GET", "/api/v1/assets/counts/{cid}", PERM_LOGIN, assets_api_count_get, 0,
     "A count with its lines, progress and differences (assets.count or its kurul)"},
    {"POST", "/api/v1/assets/counts/{cid}/scan", PERM_LOGIN, assets_api_count_scan, 0,
     "Record a scanned label or typed sicil no / serial (assets.count or its kurul)"},
    {"POST", "/api/v1/assets/counts/{cid}/close", "assets.count", assets_api_count_close, 0,
     "Close the first pass; the differing lines go to the recount (ikinci sayım)"},
    {"POST", "/api/v1/assets/counts/{cid}/finalise", "assets.count", assets_api_count_finalise, 0,
     "Finalise: Fazla and Noksan recorded with their VİFs and write-off lines"},
    {"GET", "/api/v1/assets/counts/{cid}/cetvel.xlsx", PERM_LOGIN, assets_api_count_cetvel_xlsx, 0,
     "Taşınır Sayım ve Döküm Cetveli (XLSX)"},
    {"GET", "/api/v1/assets/counts/{cid}/cetvel.pdf", PERM_LOGIN, assets_api_count_cetvel_pdf, 0,
     "Taşınır Sayım ve Döküm Cetveli (PDF)"},
    {"GET", "/api/v1/assets/counts/{cid}/tutanak.pdf", PERM_LOGIN, assets_api_count_tutanak_pdf, 0,
     "Sayım Tutanağı signed by the kurul (PDF)"},
    {"GET", "/api/v1/vif", "assets.read", assets_api_vif_list, 0, "Varlık İşlem Fişleri of a year (year=)"},
    {"GET", "/api/v1/vif/{id}", "assets.read", assets_api_vif_get, 0, "One Varlık İşlem Fişi with its lines"},
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
     "The software catalogue by product with installation counts (group=title: the raw titles)"},
    /* software products and licences (software.c, licence*.c) */
    {"GET", "/api/v1/software/products", "assets.read", assets_api_products, 0,
     "Software products (normalised titles) with installation counts: q, ignored=1, cursor paging"},
    {"GET", "/api/v1/software/products/{id}", "assets.read", assets_api_product_get, 0,
     "A software product with its raw titles and the versions in use"},
    {"PATCH", "/api/v1/software/products/{id}", "licence.manage", assets_api_product_patch, 0,
     "Mark a software product ignored (updates, drivers) or not"},
    {"PATCH", "/api/v1/software/titles/{id}", "licence.manage", assets_api_software_map, 0,
     "Map a raw software title to a product by hand, or back to the rules"},
    {"GET", "/api/v1/licences", "licence.read", assets_api_licence_list, 0, "Licences (product=, cursor paging)"},
    {"POST", "/api/v1/licences", "licence.manage", assets_api_licence_create, 0, "Record a licence"},
    {"GET", "/api/v1/licences/compliance", "licence.read", assets_api_licence_compliance, 0,
     "Licence compliance per product: installed against the seats in force (all=1: unlicensed too)"},
    {"GET", "/api/v1/licences/compliance.xlsx", "licence.read", assets_api_licence_compliance_xlsx, 0,
     "The licence compliance table as an XLSX workbook"},
    {"GET", "/api/v1/licences/expiring", "licence.read", assets_api_licence_expiring, 0,
     "Licences ending within days= (default 90) with the reminders sent"},
    {"GET", "/api/v1/licences/{id}", "licence.read", assets_api_licence_get, 0, "One licence with its assignments"},
    {"PATCH", "/api/v1/licences/{id}", "licence.manage", assets_api_licence_patch, 0, "Change a licence"},
    {"DELETE", "/api/v1/licences/{id}", "licence.manage", assets_api_licence_delete, 0, "Delete a licence"},
    {"POST", "/api/v1/licences/{id}/assignments", "licence.manage", assets_api_licence_assign, 0,
     "Assign the licence to an asset or a person (409 past its seats)"},
    {"DELETE", "/api/v1/licences/{id}/assignments/{aid}", "licence.manage", assets_api_licence_unassign, 0,
     "Take an assignment back"},

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
    /* count pages: before /assets/{id} */
    {"GET", "/assets/counts", "assets.count", assets_page_counts, ROUTE_HTML, "Counts (sayım)"},
    {"POST", "/assets/counts", "assets.count", assets_form_count_open, ROUTE_HTML | ROUTE_FORM, "Open a count (form)"},
    {"GET", "/assets/counts/{cid}", PERM_LOGIN, assets_page_count, ROUTE_HTML,
     "A count: progress, differences, recount, finalise, documents"},
    {"GET", "/assets/counts/{cid}/scan", PERM_LOGIN, assets_page_count_scan, ROUTE_HTML,
     "Scanning page for a phone: labels' QR or typed sicil no / serial"},
    {"POST", "/assets/counts/{cid}/{action}", PERM_LOGIN, assets_form_count_action, ROUTE_HTML | ROUTE_FORM,
     "Count actions: scan, close, finalise (forms)"},
    /* licence pages (licence_pages.c): before /assets/{id} */
    {"GET", "/assets/licences", "licence.read", assets_page_licences, ROUTE_HTML, "Licences and the new licence form"},
    {"POST", "/assets/licences", "licence.manage", assets_form_licence_create, ROUTE_HTML | ROUTE_FORM,
     "Record a licence (form)"},
    {"GET", "/assets/licences/compliance", "licence.read", assets_page_compliance, ROUTE_HTML,
     "Licence compliance and licences ending soon"},
    {"GET", "/assets/licences/{id}", "licence.read", assets_page_licence, ROUTE_HTML, "Licence page"},
    {"POST", "/assets/licences/{id}/assign", "licence.manage", assets_form_licence_assign, ROUTE_HTML | ROUTE_FORM,
     "Assign a licence (form)"},
    /* software catalogue pages (software_pages.c): before /assets/{id} */
    {"GET", "/assets/software", "assets.read", assets_page_software, ROUTE_HTML,
     "Software catalogue: products and how many devices have them"},
    {"GET", "/assets/software/{id}", "assets.read", assets_page_product, ROUTE_HTML,
     "A software product: its titles and versions"},
    {"POST", "/assets/software/{id}/ignore", "licence.manage", assets_form_product_ignore, ROUTE_HTML | ROUTE_FORM,
     "Ignore a product or count it again (form)"},
    {"POST", "/assets/software/titles/{id}/map", "licence.manage", assets_form_title_map, ROUTE_HTML | ROUTE_FORM,
     "Map a title to another product (form)"},
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
    /* Counts (sayım, TMY md. 32) with their kurul and lines, the Varlık
     * İşlem Fişleri (numbered from 1 each year, never dated before their
     * source document) and the write-off lines of the Kayıttan Düşme
     * Teklif ve Onay Tutanağı. */
    {2,
     "CREATE TABLE asset_counts ("
     " id INTEGER PRIMARY KEY, title TEXT NOT NULL, reason TEXT NOT NULL CHECK (reason IN ('yil_sonu', 'emir')),"
     " order_ref TEXT, count_date TEXT NOT NULL, year INTEGER NOT NULL, unit_id INTEGER REFERENCES units(id),"
     " building TEXT, floor TEXT, room TEXT, spaces TEXT NOT NULL DEFAULT '[]', frozen INTEGER NOT NULL DEFAULT 1,"
     " state TEXT NOT NULL CHECK (state IN ('sayim', 'ikinci', 'kesin')), opened_by TEXT NOT NULL,"
     " opened_at INTEGER NOT NULL, closed_at INTEGER, finalised_at INTEGER, finalised_by TEXT, finalised_on TEXT);"
     "CREATE TABLE asset_count_kurul ("
     " count_id INTEGER NOT NULL REFERENCES asset_counts(id), person_id INTEGER NOT NULL REFERENCES org_people(id),"
     " role TEXT NOT NULL CHECK (role IN ('baskan', 'uye', 'kayit_yetkilisi')), sort INTEGER NOT NULL,"
     " PRIMARY KEY (count_id, person_id));"
     "CREATE INDEX asset_count_kurul_person ON asset_count_kurul(person_id);"
     /* kind: expected (to be counted), records (on a Teslim Belgesi:
      * taken from records, not counted), unexpected (an asset found that
      * was not expected), unregistered (a code the register does not
      * know). found2: NULL unless the line went to the recount. */
     "CREATE TABLE asset_count_lines ("
     " id INTEGER PRIMARY KEY, count_id INTEGER NOT NULL REFERENCES asset_counts(id),"
     " asset_id INTEGER REFERENCES assets(id),"
     " kind TEXT NOT NULL CHECK (kind IN ('expected', 'records', 'unexpected', 'unregistered')),"
     " code TEXT, name TEXT NOT NULL, value_kurus INTEGER, space TEXT, holder TEXT, scan_code TEXT, description TEXT,"
     " found1 INTEGER NOT NULL DEFAULT 0, found2 INTEGER, scanned_at INTEGER, scanned_by TEXT,"
     " result TEXT CHECK (result IN ('fazla', 'noksan')), UNIQUE (count_id, asset_id));"
     "CREATE UNIQUE INDEX asset_count_lines_code ON asset_count_lines(count_id, scan_code)"
     " WHERE kind = 'unregistered';"
     "CREATE INDEX asset_count_lines_asset ON asset_count_lines(asset_id);"
     "CREATE TABLE vif ("
     " id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('giris', 'cikis', 'devir')),"
     " year INTEGER NOT NULL, no INTEGER NOT NULL, date TEXT NOT NULL, source_kind TEXT NOT NULL,"
     " source_ref TEXT, source_date TEXT, count_id INTEGER REFERENCES asset_counts(id),"
     " created_at INTEGER NOT NULL, created_by TEXT NOT NULL, UNIQUE (year, no),"
     " CHECK (source_date IS NULL OR date >= source_date));"
     "CREATE TABLE vif_lines ("
     " id INTEGER PRIMARY KEY, vif_id INTEGER NOT NULL REFERENCES vif(id), asset_id INTEGER REFERENCES assets(id),"
     " code TEXT, name TEXT NOT NULL, quantity INTEGER NOT NULL DEFAULT 1, value_kurus INTEGER);"
     "CREATE INDEX vif_lines_vif ON vif_lines(vif_id, id);"
     "CREATE INDEX vif_lines_asset ON vif_lines(asset_id);"
     "CREATE TABLE asset_writeoffs ("
     " id INTEGER PRIMARY KEY, count_id INTEGER REFERENCES asset_counts(id),"
     " asset_id INTEGER NOT NULL REFERENCES assets(id), reason TEXT NOT NULL, proposed_on TEXT NOT NULL,"
     " vif_id INTEGER REFERENCES vif(id), created_at INTEGER NOT NULL);"},
    {5,
     /* Agent keys (agentkeys.c) and every device id an asset's agents
      * reported, with the summary of each one's last inventory. */
     "CREATE TABLE asset_agent_keys ("
     " id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, secret_sha256 TEXT NOT NULL,"
     " unit_id INTEGER REFERENCES units(id), note TEXT, created_at INTEGER NOT NULL, created_by TEXT NOT NULL,"
     " revoked_at INTEGER, last_used_at INTEGER, uses INTEGER NOT NULL DEFAULT 0);"
     "ALTER TABLE assets ADD COLUMN agent_key_id INTEGER REFERENCES asset_agent_keys(id);"
     "CREATE INDEX assets_agent_key ON assets(agent_key_id) WHERE agent_key_id IS NOT NULL;"
     "CREATE TABLE asset_devices ("
     " device_id TEXT PRIMARY KEY, asset_id INTEGER NOT NULL REFERENCES assets(id), proto TEXT, summary TEXT,"
     " first_at INTEGER NOT NULL, last_at INTEGER NOT NULL);"
     "CREATE INDEX asset_devices_asset ON asset_devices(asset_id);"
     "INSERT INTO asset_devices (device_id, asset_id, proto, summary, first_at, last_at)"
     " SELECT device_id, id, last_inventory_proto, inv_summary, COALESCE(last_inventory_at, created_at),"
     " COALESCE(last_inventory_at, created_at) FROM assets WHERE device_id IS NOT NULL;"},
    {6,
     /* A trigram index over the search text (name, numbers, host, brand,
      * model, building, room; folded the Turkish way), so a search at
      * 100,000 assets reads the matches, not the register. Older rows get
      * the building appended here; the next change refolds them. */
     "UPDATE assets SET search = search || ' ' || lower(building) WHERE building IS NOT NULL;"
     "CREATE VIRTUAL TABLE assets_fts USING fts5(search, tokenize = 'trigram');"
     "INSERT INTO assets_fts (rowid, search) SELECT id, search FROM assets;"},
    /* Software products: raw titles grouped by the rules of normalise.c
     * or by hand (product_manual); installs (of a title, of a product)
     * is the number of assets that have it, moved by each inventory's
     * difference (products through asset_products). (software_id, version, asset_id) answers a title's and a
     * product's counts and versions from the index alone. Licences: seats
     * NULL = unlimited; key_ref says where the key is kept (the vault),
     * never the key. */
    {3,
     "CREATE TABLE software_products ("
     " id INTEGER PRIMARY KEY, publisher TEXT NOT NULL DEFAULT '', name TEXT NOT NULL, search TEXT NOT NULL DEFAULT '',"
     " ignored INTEGER NOT NULL DEFAULT 0, installs INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
     " UNIQUE (publisher, name));"
     "ALTER TABLE software ADD COLUMN product_id INTEGER REFERENCES software_products(id);"
     "ALTER TABLE software ADD COLUMN product_manual INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE software ADD COLUMN installs INTEGER NOT NULL DEFAULT 0;"
     "CREATE INDEX software_product ON software(product_id);"
     "CREATE INDEX software_unassigned ON software(id) WHERE product_id IS NULL;"
     "DROP INDEX asset_software_sw;"
     "CREATE INDEX asset_software_sw ON asset_software(software_id, version, asset_id);"
     "UPDATE software SET installs = (SELECT COUNT(DISTINCT asset_id) FROM asset_software x"
     " WHERE x.software_id = software.id);"
     "CREATE TABLE asset_products ("
     " asset_id INTEGER NOT NULL REFERENCES assets(id), product_id INTEGER NOT NULL REFERENCES software_products(id),"
     " PRIMARY KEY (asset_id, product_id)) WITHOUT ROWID;"
     "CREATE INDEX asset_products_product ON asset_products(product_id, asset_id);"
     "CREATE TABLE licences ("
     " id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES software_products(id),"
     " type TEXT NOT NULL CHECK (type IN ('oem', 'kutu', 'hacimli', 'abonelik', 'site', 'kullanici', 'cihaz',"
     " 'acik_kaynak')), seats INTEGER CHECK (seats IS NULL OR seats >= 0), start_date TEXT, end_date TEXT,"
     " unit_id INTEGER NOT NULL REFERENCES units(id), responsible_id INTEGER REFERENCES org_people(id),"
     " supplier TEXT, supplier_vkn TEXT, order_no TEXT, invoice_no TEXT, cost_kurus INTEGER, key_ref TEXT, note TEXT,"
     " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
     " CHECK (start_date IS NULL OR end_date IS NULL OR start_date <= end_date));"
     "CREATE INDEX licences_product ON licences(product_id);"
     "CREATE INDEX licences_end ON licences(end_date) WHERE end_date IS NOT NULL;"
     "CREATE TABLE licence_assignments ("
     " id INTEGER PRIMARY KEY, licence_id INTEGER NOT NULL REFERENCES licences(id),"
     " asset_id INTEGER REFERENCES assets(id), person_id INTEGER REFERENCES org_people(id),"
     " assigned_at INTEGER NOT NULL, CHECK ((asset_id IS NULL) <> (person_id IS NULL)),"
     " UNIQUE (licence_id, asset_id), UNIQUE (licence_id, person_id));"
     "CREATE INDEX licence_assignments_asset ON licence_assignments(asset_id) WHERE asset_id IS NOT NULL;"
     "CREATE INDEX licence_assignments_person ON licence_assignments(person_id) WHERE person_id IS NOT NULL;"
     "CREATE TABLE licence_reminders ("
     " licence_id INTEGER NOT NULL REFERENCES licences(id), end_date TEXT NOT NULL, stage INTEGER NOT NULL,"
     " sent_at INTEGER NOT NULL, mailed INTEGER NOT NULL, PRIMARY KEY (licence_id, end_date, stage));"},
};

static const struct perm_def perms[] = {
    {"assets.read", "admin yonetici sorumlu teknik denetci", "See the asset register of the units one's grants reach"},
    {"assets.manage", "yonetici sorumlu teknik", "Register and change assets, accept agent-found ones"},
    {"custody.manage", "yonetici sorumlu teknik", "Issue assets to people or shared spaces and take them back"},
    {"assets.count", "yonetici sorumlu", "Open, close and finalise counts (sayım) and scan in them"},
    {"licence.read", "admin yonetici sorumlu teknik denetci", "See software licences and their compliance"},
    {"licence.manage", "yonetici sorumlu", "Record and assign software licences, map and ignore software products"},
};

static const struct nav_item nav[] = {
    {"/assets", N_("Assets"), "assets.read"},
    {"/assets/mine", N_("My custody"), PERM_LOGIN},
    {"/assets/counts", N_("Counts"), "assets.count"},
    {"/assets/licences", N_("Licences"), "licence.read"},
    {"/assets/software", N_("Software"), "assets.read"},
};

static const struct job_def jobs[] = {
    {"assets.software", 3600, assets_job_software},
    {"assets.licence_remind", 3600, assets_job_licence_remind},
};

static const char *const capabilities[] = {"assets", "custody", "inventory_agent", "software", "licence", NULL};

const struct defter_module assets_module = {
    .name = "assets",
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
    .figures = assets_figures,
    .configure = assets_configure,
    .dashboard = assets_dashboard,
};
