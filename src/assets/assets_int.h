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

/* Finds the asset an inventory belongs to (device id, BIOS serial,
 * serial, MAC) or creates one in the review queue, and records its
 * components, software and what changed; one transaction. 0 with
 * *asset_id set, -1 on store errors. */
int inv_apply(db *d, const struct actor *who, const char *deviceid, const char *proto, json_t *content,
              int64_t *asset_id, bool *created) WUR;

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

int assets_page_list(request *r);
int assets_form_create(request *r);
int assets_page_asset(request *r);
int assets_form_action(request *r);
int assets_page_mine(request *r);

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
