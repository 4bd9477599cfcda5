/* assets_int.h - the assets module's private interface: the vocabulary
 * (types with their own fields, lifecycle statuses), the record and who
 * may see it, custody, the agent protocols' parser and the inventory that
 * is applied to the register, and the handlers named in module.c. */
#ifndef DEFTER_ASSETS_INT_H
#define DEFTER_ASSETS_INT_H

#include "../core/audit.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/module.h"

/* ---- vocabulary (register.c) --------------------------------------------- */

extern const char *const assets_types[];         /* "masaustu" ... "diger", NULL */
const char *assets_type_label(const char *type); /* English msgid */
bool assets_type_valid(const char *type);
/* The fields a type carries besides the common ones (NULL-terminated). */
const char *const *assets_type_fields(const char *type);

extern const char *const assets_statuses[]; /* "depoda" ... "hurda", NULL */
const char *assets_status_label(const char *status);
bool assets_status_valid(const char *status);

/* ---- configuration ([assets] of defter.conf) -------------------------------- */

struct assets_config {
  char agent_user[64];
  char agent_secret[256]; /* empty: agents need no credentials */
  int64_t prolog_freq;    /* hours between an agent's inventories */
  int64_t inventory_max;  /* largest inflated inventory, bytes */
};
void assets_configure(const config *c);
const struct assets_config *assets_config(void);

/* ---- errors and text ---------------------------------------------------------- */

int assets_not_found(request *r);
int assets_forbidden(request *r);
int assets_invalid(request *r, json_t *steal_fields);
int assets_conflict(request *r, const char *code, const char *message);
/* Trimmed single-line text of at most max bytes, valid UTF-8 without
 * controls; NULL when invalid. */
const char *assets_text(arena *a, const char *s, size_t max);
/* A money column (kuruş) as the API writes it: "12500.50", or null. */
json_t *assets_money_json(db_stmt *st, int i);
/* Today in Europe/Istanbul, "YYYY-MM-DD". */
void assets_today(char out[11]);

/* ---- the record (register.c) ----------------------------------------------- */

/* May the signed-in user read / change the asset of unit unit_id? */
bool assets_can_read(request *r, int64_t unit_id);
bool assets_can_manage(request *r, int64_t unit_id);
/* The asset's unit; 0 when there is no such asset. */
int64_t assets_unit_of(db *d, int64_t id);
/* Custody inside the caller's transaction (history, audit as who). Issue:
 * asset id to person (or space with its officer) on date (YYYY-MM-DD) by
 * issued_by (users.id, 0: none) named issuer; from_status the asset's
 * status before; *after_out the new custody record. 0, DB_CONSTRAINT when
 * the asset is in custody already, or a db error. Return: 0, 1 when no
 * such open custody, -1. */
int assets_custody_record_issue(db *d, const struct actor *who, int64_t issued_by, const char *issuer, int64_t id,
                                int64_t person, const char *space, int64_t officer, const char *date,
                                const char *note, const char *from_status, json_t **after_out);
int assets_custody_record_return(db *d, const struct actor *who, int64_t cid, const char *note);
void assets_handover_register(void);

/* Appends a history row (inside the caller's transaction). */
int assets_event(db *d, int64_t asset, const struct actor *who, const char *kind, const char *from, const char *to,
                 const char *note, bool flag) WUR;
/* Audit row for an asset (inside the caller's transaction). */
int assets_audit(db *d, const struct actor *who, const char *action, int64_t asset, int64_t unit, json_t *before,
                 json_t *after) WUR;
/* The record's own fields as a new object; NULL when missing. */
json_t *assets_record(db *d, int64_t id);
/* Replaces the search text of an asset (name, sicil no, serials, host,
 * brand and model folded the Turkish way). */
int assets_search_refresh(db *d, int64_t id) WUR;

/* ---- a new asset, checked and inserted (register.c; the import uses it too) ----------- */

/* A new asset's fields, checked (strings in the request arena). */
struct asset_in {
  const char *type, *name, *code, *serial, *bios_serial, *brand, *model, *building, *floor, *room, *status;
  const char *entry_date, *purchase_date, *supplier, *supplier_vkn, *order_no, *invoice_no, *warranty_end, *note;
  const char *attrs; /* JSON text */
  int64_t unit_id, value_kurus;
  bool has_value, value_null, accept;
};
/* Checks body (the POST /api/v1/assets object) as a new asset into in,
 * the unit defaulting to the user's. 0 ok; 400 with fields holding the
 * messages by key; 403 when the user may not manage the unit. */
int assets_check_new(request *r, db *d, json_t *body, struct asset_in *in, json_t *fields) WUR;
/* Inserts a checked asset inside the caller's transaction: sicil no,
 * search text, history and audit. 0 with *id set, or a db error. */
int assets_insert(db *d, const struct actor *who, const struct asset_in *in, int64_t *id) WUR;

/* ---- custody (custody.c) --------------------------------------------------------- */

/* The open custody of an asset as a new object, or NULL. */
json_t *assets_custody_of(db *d, int64_t asset);

/* ---- agent protocols (parse.c: pure, fuzzed) ------------------------------------ */

enum inv_enc { INV_PLAIN, INV_ZLIB, INV_GZIP };
enum inv_proto { INV_XML, INV_JSON };
enum { INV_OK = 0, INV_MALFORMED = 400, INV_TOO_LARGE = 413 };

/* A message from an agent, normalised: query is "PROLOG" / "INVENTORY"
 * (XML; other queries as sent) or "contact" / "inventory" (JSON);
 * content holds the inventory sections with lower-case keys, lists as
 * arrays (the GLPI-Agent JSON shape), for both protocols. */
struct inv_msg {
  enum inv_enc enc;
  enum inv_proto proto;
  const char *query;    /* arena */
  const char *deviceid; /* arena; NULL when absent */
  json_t *content;      /* owned; NULL for PROLOG / contact */
};

/* Initialises libxml2 once, before threads use it (from configure). */
void inv_init(void);
/* Inflates a zlib (78 ..) or gzip (1F 8B) body, or copies a plain one,
 * into out, never past max bytes. Returns INV_OK, INV_MALFORMED for a
 * corrupt or truncated stream, INV_TOO_LARGE past max. */
int inv_inflate(const unsigned char *in, size_t n, size_t max, enum inv_enc *enc, buf *out) WUR;
/* Parses one agent message (compressed or not, XML or JSON). XML goes
 * through libxml2 without network access or entity substitution, a
 * document type declaration is refused, depth and element counts are
 * bounded. JSON must follow the inventory schema's required parts.
 * Returns INV_OK with m filled (release with inv_msg_free), or
 * INV_MALFORMED / INV_TOO_LARGE with *why an English msgid. */
int inv_parse(arena *a, const unsigned char *data, size_t n, size_t max, struct inv_msg *m, const char **why) WUR;
void inv_msg_free(struct inv_msg *m);

/* ---- the inventory applied (inventory.c) ------------------------------------------ */

/* Finds the asset an inventory belongs to (a device id it came from
 * before, BIOS serial, serial, MAC) or creates one in the review queue
 * (in unit_id, 0: the root unit), and records its components, software
 * and what changed since this device's last inventory; key is the agent
 * key that delivered it (0: none or the shared secret). One transaction.
 * 0 with *asset_id set, -1 on store errors. */
int inv_apply(db *d, const struct actor *who, const char *deviceid, const char *proto, int64_t key, int64_t unit_id,
              json_t *content, int64_t *asset_id, bool *created) WUR;

/* ---- agent keys (agentkeys.c) ------------------------------------------------------ */

/* How many agent keys are in force (-1 on store errors: counts as some). */
int assets_agent_keys_active(db *d);
/* Is secret the key named name, in force? *key its id, *unit its unit
 * (0: none); the key's use is recorded. */
bool assets_agent_key_check(db *d, const char *name, const char *secret, int64_t *key, int64_t *unit);
int assets_api_agent_keys(request *r);
int assets_api_agent_key_create(request *r);
int assets_api_agent_key_revoke(request *r);

/* ---- handlers ------------------------------------------------------------------------ */

int assets_api_list(request *r);
int assets_api_create(request *r);
int assets_api_get(request *r);
int assets_api_patch(request *r);
int assets_api_status(request *r);
int assets_api_software(request *r);
int assets_api_history(request *r);
int assets_api_labels(request *r);
int assets_api_types(request *r);
int assets_api_catalogue(request *r);

int assets_api_custody_issue(request *r);
int assets_api_custody_return(request *r);
int assets_api_custody_list(request *r);
int assets_api_custody_mine(request *r);
int assets_api_custody_pdf(request *r);
int assets_api_space_pdf(request *r);

int assets_agent_inventory(request *r);

/* import.c, export.c: spreadsheets in and out (core/sheet.h) */
int assets_api_import(request *r);
int assets_api_custody_import(request *r);
int assets_form_import(request *r);
/* The import form of the /assets page (for users who may manage). */
void assets_import_form(request *r, html *h);
/* A list handler's matching rows (borrowed) as a file: format "csv" or "xlsx". */
int assets_export_list(request *r, const char *format, json_t *items);
int assets_export_custody(request *r, const char *format, json_t *items);
int assets_export_software(request *r, const char *format, json_t *items);
/* The Varlık İşlem Fişleri of a year (rows of GET /api/v1/vif with
 * "lines" and "total_kurus") and the counts (rows of GET
 * /api/v1/assets/counts) as files; rows gain their labels. */
int assets_export_vif(request *r, const char *format, json_t *items);
int assets_export_counts(request *r, const char *format, json_t *items);

int assets_page_list(request *r);
int assets_form_create(request *r);
int assets_page_asset(request *r);
int assets_form_action(request *r);
int assets_page_mine(request *r);
void assets_dashboard(request *r, html *h);

/* ---- counts (count.c, count_docs.c, count_pages.c) and VİF (vif.c) ------------- */

/* The open count that freezes the asset's movements: its id, 0 when none
 * does, -1 on store errors. Custody, status and location changes of a
 * frozen asset are refused with assets_count_refuse. */
int64_t assets_count_frozen(db *d, int64_t asset_id);
/* The 409 reply for a movement of an asset frozen by count count_id. */
int assets_count_refuse(request *r, int64_t count_id);

/* A Varlık İşlem Fişi in the caller's transaction: kind "giris", "cikis"
 * or "devir", dated date (YYYY-MM-DD, not before source_date when that is
 * given), numbered from 1 in date's year without gaps. Lines are added
 * with assets_vif_line. 0 with *vif_id set, 1 when date is before
 * source_date, or a db error. */
int assets_vif_create(db *d, const struct actor *who, const char *kind, const char *date, const char *source_kind,
                      const char *source_ref, const char *source_date, int64_t count_id, int64_t *vif_id) WUR;
/* One line of a VİF: the asset's code, name and value now (or the given
 * name and value when asset_id is 0). */
int assets_vif_line(db *d, int64_t vif_id, int64_t asset_id, const char *name, int64_t value_kurus) WUR;
/* The giriş VİF of a newly registered asset (register.c) and the çıkış
 * VİF of a scrapped one (status -> hurda), inside the caller's
 * transaction; 0, 1 when the date is before the source document's, or a
 * db error. */
int assets_vif_registered(db *d, const struct actor *who, int64_t asset_id) WUR;
int assets_vif_scrapped(db *d, const struct actor *who, int64_t asset_id, const char *note) WUR;

/* A count as its {cid} route names it, and what the signed-in user may do
 * with it: manage (assets.count on its unit) or scan (manage, or sitting
 * on its kurul). */
struct assets_count {
  int64_t id, unit_id; /* unit_id: the scope's unit, else the root */
  char state[8];       /* "sayim", "ikinci", "kesin" */
  bool manage, kurul;
};
/* 0 with c filled; otherwise the reply (404 when the user may neither
 * manage nor scan it) was written: 1. */
int assets_count_from_route(request *r, struct assets_count *c);
/* The count as a new object: scope, kurul, progress, VİFs and, with
 * lines, every line with its (provisional) result. NULL when missing. */
json_t *assets_count_json(db *d, int64_t id, bool lines);

int assets_api_counts_list(request *r);
int assets_api_count_open(request *r);
int assets_api_count_get(request *r);
int assets_api_count_scan(request *r);
int assets_api_count_close(request *r);
int assets_api_count_finalise(request *r);
int assets_api_count_cetvel_xlsx(request *r);
int assets_api_count_cetvel_pdf(request *r);
int assets_api_count_tutanak_pdf(request *r);
int assets_api_vif_list(request *r);
int assets_api_vif_get(request *r);
int assets_page_counts(request *r);
int assets_form_count_open(request *r);
int assets_page_count(request *r);
int assets_form_count_action(request *r);
int assets_page_count_scan(request *r);

json_t *assets_figures(db *d, const struct figure_query *q);

/* ---- software products and licences (normalise.c, software.c, licence*.c) ----------- */

enum { SW_NAME_MAX = 256 };

/* The product a raw software title belongs to. */
struct sw_product {
  char publisher[SW_NAME_MAX]; /* "Microsoft", "" when unknown */
  char name[SW_NAME_MAX];      /* "Mozilla Firefox" */
  bool ignore;                 /* an update, a hotfix or a driver */
};
/* Pure: the product of a title and publisher as an inventory reports them
 * (versions, architectures, languages and build numbers stripped from the
 * end, the publisher's legal form dropped and its alias applied). 0, or
 * -1 when name is empty or not valid UTF-8 text (out then empty). */
int assets_software_normalise(const char *name, const char *publisher, struct sw_product *out) WUR;
/* Inside the caller's transaction, before the asset's software is
 * replaced: remembers its titles, so that assets_software_sync can move
 * the titles' installation counts by the difference. */
int assets_software_snapshot(db *d, int64_t asset) WUR;
/* Inside the caller's transaction: gives the asset's software titles that
 * have no product yet their product (created when new), and brings the
 * titles' installation counts (against the snapshot), the asset's product
 * list (asset_products) and the products' counts up to date. inv_apply
 * calls assets_software_snapshot before replacing the software and this
 * after. */
int assets_software_sync(db *d, int64_t asset) WUR;
/* [assets] licence_mail: where expiry reminders also go ("" when unset). */
void assets_licence_configure(const config *c);
/* The jobs: titles left without a product get one; licence expiry
 * reminders (90, 30, 7 days, each once per end date). */
int assets_job_software(db *d);
int assets_job_licence_remind(db *d);

/* Licence types ("oem" ... "acik_kaynak", NULL) and their labels. */
extern const char *const assets_licence_types[];
const char *assets_licence_type_label(const char *key);
/* The compliance table as a new array (caller owns), NULL on errors: per
 * product with licences (all: also installed ones without) the installed
 * count, the seats in force and the status. */
json_t *assets_licence_compliance(db *d, bool all);

int assets_api_products(request *r);
int assets_api_product_get(request *r);
int assets_api_product_patch(request *r);
int assets_api_software_map(request *r);
int assets_page_software(request *r);
int assets_page_product(request *r);
int assets_form_product_ignore(request *r);
int assets_form_title_map(request *r);

int assets_api_licence_list(request *r);
int assets_api_licence_create(request *r);
int assets_api_licence_get(request *r);
int assets_api_licence_patch(request *r);
int assets_api_licence_delete(request *r);
int assets_api_licence_assign(request *r);
int assets_api_licence_unassign(request *r);
int assets_api_licence_compliance(request *r);
int assets_api_licence_compliance_xlsx(request *r);
int assets_api_licence_expiring(request *r);

int assets_page_licences(request *r);
int assets_form_licence_create(request *r);
int assets_page_licence(request *r);
int assets_form_licence_assign(request *r);
int assets_page_compliance(request *r);

#endif
