/* stock_int.h - the stock module's private interface: the vocabulary
 * (units of measure, movement kinds), who may see a depot, the ledger
 * posting that keeps the balances, the minimum-level alerts and the
 * handlers named in module.c. */
#ifndef DEFTER_STOCK_INT_H
#define DEFTER_STOCK_INT_H

#include "../core/audit.h"
#include "../core/config.h"
#include "../core/db.h"
#include "../core/http.h"
#include "../core/module.h"

enum { STOCK_TEXT_MAX = 200, STOCK_NOTE_MAX = 2000, STOCK_QTY_MAX = 1000000000 };

/* ---- vocabulary (items.c) ------------------------------------------------------ */

extern const char *const stock_uoms[]; /* "adet", "kutu", "metre", "paket", NULL */
const char *stock_uom_label(const char *uom);
bool stock_uom_valid(const char *uom);
/* "giris" ... "sayim" -> English msgid. */
const char *stock_kind_label(const char *kind);

/* ---- configuration ([stock] of defter.conf) -------------------------------------- */

void stock_configure(const config *c);
/* [stock] alert_mail: extra addresses (space-separated) of every alert. */
const char *stock_alert_mail(void);

/* ---- errors, text, visibility (items.c) ------------------------------------------- */

int stock_invalid(request *r, json_t *steal_fields);
/* Trimmed single-line text of at most max bytes; NULL when invalid. */
const char *stock_text(arena *a, const char *s, size_t max);
/* "12,50 TL"-style text of kuruş ("1234.50"), arena. */
const char *stock_money(arena *a, int64_t kurus);
/* The SQL condition "the depot alias d is readable by user ?" with the
 * permission given: bind the user id once. */
#define STOCK_DEPOT_VISIBLE(alias, perm)                                                                                \
  alias ".unit_id IN (SELECT uu.id FROM units uu JOIN effective_grants g ON g.user_id = ?"                              \
        " JOIN role_perms rp ON rp.role = g.role AND rp.perm = '" perm "'"                                                \
        " JOIN units gu ON gu.id = g.unit_id WHERE substr(uu.path, 1, length(gu.path)) = gu.path)"
/* The depot's unit, 0 when there is no such depot. */
int64_t stock_depot_unit(db *d, int64_t depot);
bool stock_can(request *r, const char *perm, int64_t unit);
int stock_audit(db *d, const struct actor *who, const char *action, const char *entity, int64_t id, int64_t unit,
                json_t *before, json_t *after) WUR;
/* The item as a new object with its balances per readable depot; NULL
 * when there is no such item. */
json_t *stock_item_json(request *r, db *d, int64_t id);

/* Posts a giriş (receipt) inside the caller's transaction with its
 * balance, audit row and alert check, as POST /api/v1/stock/movements
 * does (the import's rows). date: YYYY-MM-DD; texts may be NULL. 0 with
 * *id the movement, or a db error. *mailed is set when an alert mail was
 * queued. */
int stock_receipt_post(db *d, const struct actor *who, int64_t item, int64_t depot, int64_t depot_unit,
                       int64_t quantity, int64_t price, const char *supplier, const char *vkn, const char *invoice,
                       const char *date, const char *note, int64_t *id, bool *mailed) WUR;

/* The latest movements (at most limit) of an item at the depots the user
 * reads, newest first, as a new array; NULL on store errors. */
json_t *stock_movements_of(request *r, db *d, int64_t item, int64_t limit);

/* ---- exports (export.c): the lists as ?format=csv|xlsx (core/sheet.h) --------------- */

/* Send the rows of a list (borrowed; items gain total_value_kurus) as a
 * file; 400 for another format, 413 for more than SHEET_EXPORT_MAX. */
int stock_export_items(request *r, const char *format, json_t *items);
int stock_export_movements(request *r, const char *format, json_t *items);
int stock_export_depots(request *r, const char *format, json_t *items);

/* ---- alerts (alerts.c) ---------------------------------------------------------------- */

/* Re-checks one item at one depot inside the caller's transaction: at or
 * below its minimum with no open alert raises one and queues the mail to
 * the depot's responsible person and [stock] alert_mail (once per
 * crossing); above the minimum clears the open alert. *mailed is set when
 * a mail was queued. 0 or a db error. */
int stock_alert_check(db *d, const struct actor *who, int64_t item, int64_t depot, int64_t movement,
                      bool *mailed) WUR;
int stock_job_alerts(db *d);
void stock_dashboard(request *r, html *h);
json_t *stock_figures(db *d, const struct figure_query *q);

/* ---- handlers --------------------------------------------------------------------------- */

int stock_api_items(request *r);
int stock_api_item_create(request *r);
int stock_api_item_get(request *r);
int stock_api_item_patch(request *r);
int stock_api_item_minimum(request *r);
int stock_api_depots(request *r);
int stock_api_depot_create(request *r);
int stock_api_depot_patch(request *r);

int stock_api_movements(request *r);
int stock_api_movement_create(request *r);
int stock_api_movement_get(request *r);
int stock_api_movement_reverse(request *r);
int stock_api_alerts(request *r);

int stock_api_consumption(request *r);
int stock_api_import(request *r);
int stock_api_consumption_xlsx(request *r);
int stock_api_consumption_pdf(request *r);

int stock_page_list(request *r);
int stock_page_item(request *r);
int stock_form_post(request *r);
int stock_page_consumption(request *r);

int stock_form_import(request *r);

#endif
