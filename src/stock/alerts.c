/* alerts.c - minimum levels: when the stock of an item at a depot falls
 * to or below its minimum an alert is raised and mailed once to the
 * depot's responsible person and [stock] alert_mail; the alert stays open
 * (one per item and depot) until the stock rises above the minimum, so
 * the next crossing mails again. The daily job re-checks every minimum
 * (e.g. after a minimum was raised). The dashboard card counts the open
 * alerts the user may see. */
#include "stock.h"
#include "stock_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/mail.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct alert_ctx {
  char item[256], uom[16], depot[256], email[320];
  int64_t qty, min;
};

static void send_one(db *d, const char *to, const char *subject, const char *body, int64_t alert)
{
  char ref[48];
  snprintf(ref, sizeof ref, "stock.alert:%lld", (long long)alert);
  int rc = mail_enqueue(d, to, subject, body, ref);
  if (rc != MAIL_OK)
    log_warn("stock alert not queued", "alert=%lld reason=\"%s\"", (long long)alert, mail_strerror(rc));
}

/* Queues the alert's mails; true when there was anyone to mail. */
static bool mail_alert(db *d, const struct alert_ctx *x, int64_t alert, int64_t item)
{
  char subject[640];
  snprintf(subject, sizeof subject, _("Low stock: %s at %s (%lld left)"), x->item, x->depot, (long long)x->qty);
  buf body;
  buf_init(&body, 1 << 16);
  buf_printf(&body,
             _("The stock of %s at depot %s fell to %lld %s; its minimum is %lld.\n"
               "Order more or transfer from another depot.\n\n%s/stock/items/%lld\n"),
             x->item, x->depot, (long long)x->qty, stock_uom_label(x->uom), (long long)x->min, mail_base_url(),
             (long long)item);
  const char *text = buf_cstr(&body);
  bool any = false;
  if (x->email[0]) {
    send_one(d, x->email, subject, text, alert);
    any = true;
  }
  char one[320];
  for (const char *p = stock_alert_mail(); *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, " ,");
    if (n && n < sizeof one) {
      memcpy(one, p, n);
      one[n] = '\0';
      if (strcmp(one, x->email)) {
        send_one(d, one, subject, text, alert);
        any = true;
      }
    }
    p += n;
  }
  buf_free(&body);
  return any;
}

int stock_alert_check(db *d, const struct actor *who, int64_t item, int64_t depot, int64_t movement, bool *mailed)
{
  struct alert_ctx x;
  memset(&x, 0, sizeof x);
  int64_t open = 0, unit = 0;
  bool has_min = false;
  db_stmt *st = db_q(d,
                     "SELECT i.name, i.uom, d.name, COALESCE(p.email, ''), COALESCE(b.qty, 0), m.min_qty, d.unit_id,"
                     " (SELECT a.id FROM stock_alerts a WHERE a.item_id = i.id AND a.depot_id = d.id"
                     "  AND a.cleared_at IS NULL)"
                     " FROM stock_items i JOIN stock_depots d ON d.id = ?"
                     " LEFT JOIN org_people p ON p.id = d.responsible_id"
                     " LEFT JOIN stock_balances b ON b.item_id = i.id AND b.depot_id = d.id"
                     " LEFT JOIN stock_minimums m ON m.item_id = i.id AND m.depot_id = d.id WHERE i.id = ?",
                     "ii", depot, item);
  if (!st)
    return DB_ERR;
  int rc = db_step(st);
  if (rc == DB_ROW) {
    snprintf(x.item, sizeof x.item, "%s", db_col_text(st, 0));
    snprintf(x.uom, sizeof x.uom, "%s", db_col_text(st, 1));
    snprintf(x.depot, sizeof x.depot, "%s", db_col_text(st, 2));
    snprintf(x.email, sizeof x.email, "%s", db_col_text(st, 3));
    x.qty = db_col_int(st, 4);
    has_min = !db_col_null(st, 5);
    x.min = db_col_int(st, 5);
    unit = db_col_int(st, 6);
    open = db_col_int(st, 7);
    rc = DB_OK;
  }
  db_done(st);
  if (rc)
    return rc;
  bool low = has_min && x.qty <= x.min;
  if (!low && open)
    return db_run(d, "UPDATE stock_alerts SET cleared_at = ? WHERE id = ?", "ii", now_unix(), open);
  if (!low || open)
    return DB_OK;
  rc = db_run(d,
              "INSERT INTO stock_alerts (item_id, depot_id, qty, min_qty, movement_id, raised_at) VALUES (?, ?, ?, ?, ?, ?)",
              "iiiiIi", item, depot, x.qty, x.min, movement, now_unix());
  if (rc)
    return rc;
  int64_t alert = db_last_id(d);
  bool sent = mail_enabled() && mail_alert(d, &x, alert, item);
  if (sent) {
    rc = db_run(d, "UPDATE stock_alerts SET mailed = 1 WHERE id = ?", "i", alert);
    *mailed = true;
  }
  if (!rc) {
    json_t *after = json_pack("{sIsIsIsIsb}", "item", (json_int_t)item, "depot", (json_int_t)depot, "qty",
                              (json_int_t)x.qty, "min", (json_int_t)x.min, "mailed", sent);
    rc = stock_audit(d, who, "stock.alert", "stock_alert", alert, unit, NULL, after);
    json_decref(after);
  }
  return rc;
}

struct pair {
  int64_t item, depot;
};

int stock_job_alerts(db *d)
{
  struct pair *list = NULL;
  size_t n = 0, cap = 0;
  db_stmt *st = db_q(d,
                     "SELECT item_id, depot_id FROM stock_minimums UNION"
                     " SELECT item_id, depot_id FROM stock_alerts WHERE cleared_at IS NULL LIMIT 1000000",
                     "");
  while (st && db_step(st) == DB_ROW) {
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      list = xrealloc(list, cap * sizeof *list);
    }
    list[n++] = (struct pair){db_col_int(st, 0), db_col_int(st, 1)};
  }
  db_done(st);
  if (!st)
    return -1;
  struct actor who = audit_system("job:stock.alerts");
  bool mailed = false;
  int rc = 0;
  /* One short transaction per pair: movements are not held up. */
  for (size_t i = 0; !rc && i < n; i++) {
    rc = db_begin(d);
    if (!rc)
      rc = stock_alert_check(d, &who, list[i].item, list[i].depot, 0, &mailed);
    if (rc || (rc = db_commit(d)))
      db_rollback(d);
  }
  free(list);
  if (mailed)
    jobs_kick("mail.send");
  return rc ? -1 : 0;
}

int stock_api_alerts(request *r)
{
  db *d = db_thread();
  bool global = rbac_can(r->user->id, "stock.read", rbac_root_unit(d));
  db_stmt *st = db_q(d,
                     "SELECT a.id, i.id, i.name, i.uom, d.id, d.name, COALESCE(b.qty, 0), m.min_qty, a.raised_at,"
                     " a.mailed FROM stock_alerts a JOIN stock_items i ON i.id = a.item_id"
                     " JOIN stock_depots d ON d.id = a.depot_id"
                     " LEFT JOIN stock_balances b ON b.item_id = a.item_id AND b.depot_id = a.depot_id"
                     " LEFT JOIN stock_minimums m ON m.item_id = a.item_id AND m.depot_id = a.depot_id"
                     " WHERE a.cleared_at IS NULL AND (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ")"
                     " ORDER BY a.id DESC LIMIT 1000",
                     "ii", (int64_t)global, r->user->id);
  if (!st)
    return -1;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW) {
    json_t *o = json_pack("{sIsIsssssIsssIsb}", "id", (json_int_t)db_col_int(st, 0), "item_id",
                          (json_int_t)db_col_int(st, 1), "item", db_col_text(st, 2), "uom", db_col_text(st, 3),
                          "depot_id", (json_int_t)db_col_int(st, 4), "depot", db_col_text(st, 5), "qty",
                          (json_int_t)db_col_int(st, 6), "mailed", (int)db_col_int(st, 9));
    json_object_set_new(o, "min", db_col_null(st, 7) ? json_null() : json_integer(db_col_int(st, 7)));
    jsonx_set_time(o, "raised_at", db_col_int(st, 8));
    json_array_append_new(items, o);
  }
  db_done(st);
  return http_json(r, 200, json_pack("{so}", "items", items));
}

void stock_dashboard(request *r, html *h)
{
  if (!r->user || !rbac_has(r->user->id, "stock.read"))
    return;
  db *d = db_thread();
  bool global = rbac_can(r->user->id, "stock.read", rbac_root_unit(d));
  int64_t n = 0;
  if (db_int(d, &n,
             "SELECT COUNT(*) FROM stock_alerts a JOIN stock_depots d ON d.id = a.depot_id WHERE a.cleared_at IS NULL"
             " AND (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ")",
             "ii", (int64_t)global, r->user->id) == DB_ROW)
    page_stat_card(h, _("Items at minimum stock"), n, "/stock?low=1");
}

/* The coverage report's figures for a `stock` duty over [from, to): the
 * movements recorded, the quantity issued to units (net of reversals)
 * and the minimum-level alerts raised, over all depots. */
json_t *stock_figures(db *d, const struct figure_query *q)
{
  if (!q || !str_eq(q->capability, "stock"))
    return NULL;
  int64_t moves = 0, issued = 0, alerts = 0;
  if (db_int(d, &moves, "SELECT COUNT(*) FROM stock_movements WHERE at >= ? AND at < ?", "ii", q->from, q->to) !=
          DB_ROW ||
      db_int(d, &issued, "SELECT COALESCE(-SUM(qty), 0) FROM stock_movements WHERE kind = 'cikis' AND at >= ? AND at < ?",
             "ii", q->from, q->to) != DB_ROW ||
      db_int(d, &alerts, "SELECT COUNT(*) FROM stock_alerts WHERE raised_at >= ? AND raised_at < ?", "ii", q->from,
             q->to) != DB_ROW)
    return NULL;
  return json_pack("{sIsIsI}", "movements", (json_int_t)moves, "issued", (json_int_t)issued, "alerts",
                   (json_int_t)alerts);
}
