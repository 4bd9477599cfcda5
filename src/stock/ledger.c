/* ledger.c - the movements of consumables: giriş (a purchase: supplier
 * with VKN, invoice, unit price), çıkış to a unit (optionally a person and
 * a ticket, linked by id), devir between depots and sayım düzeltme. The
 * ledger is append-only: nothing here updates or deletes a movement; a
 * correction is a new movement that reverses one. The stock on hand per
 * item and depot is derived and kept in stock_balances in the same
 * transaction (BEGIN IMMEDIATE through db_begin), so two exits racing for
 * the last unit are serialised and the second finds nothing left. Values
 * follow FIFO (ilk giren ilk çıkar): each entry is a lot with its own unit
 * price, an exit takes the oldest lots' remaining quantities at their
 * prices. The lots are kept by the stock_lot_post trigger (module.c), fed
 * one movement id at a time; the balance is the sum of the remaining lots. */
#include "stock.h"
#include "stock_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/sheet.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { LIST_DEFAULT = 50, LIST_MAX = 500, PRICE_MAX = 100000000000LL /* 1 billion lira, in kuruş */ };

/* What posting found besides store errors (which are negative). */
enum { MV_OK = 0, MV_SHORT = 1, MV_NOCHANGE = 2, MV_REVERSED = 3, MV_NOREVERSE = 4, MV_USED = 5 };

struct balance {
  int64_t qty, value;
};

static int balance_get(db *d, int64_t item, int64_t depot, struct balance *b)
{
  b->qty = b->value = 0;
  db_stmt *st = db_q(d, "SELECT qty, value_kurus FROM stock_balances WHERE item_id = ? AND depot_id = ?", "ii", item,
                     depot);
  if (!st)
    return DB_ERR;
  int rc = db_step(st);
  if (rc == DB_ROW) {
    b->qty = db_col_int(st, 0);
    b->value = db_col_int(st, 1);
    rc = DB_OK;
  }
  db_done(st);
  return rc;
}

/* The value of n units leaving the depot: the oldest lots' remaining
 * quantities at their own prices, the same walk as the trigger's. */
static int fifo_value(db *d, int64_t item, int64_t depot, int64_t n, int64_t *value)
{
  *value = 0;
  int rc = db_int(d, value,
                  "SELECT COALESCE(SUM(MIN(f.qty_left, ? - f.before) * f.price), 0) FROM (SELECT l.qty_left,"
                  " l.unit_price_kurus AS price, COALESCE(SUM(l.qty_left) OVER (ORDER BY l.seq, l.id"
                  " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM stock_lots l"
                  " WHERE l.item_id = ? AND l.depot_id = ? AND l.qty_left > 0) f WHERE f.before < ?",
                  "iiii", n, item, depot, n);
  return rc == DB_ROW ? DB_OK : rc < 0 ? rc : DB_ERR;
}

/* The unit price of a count's surplus given none: the newest lot's at the
 * depot, 0 when it never had one. */
static int newest_price(db *d, int64_t item, int64_t depot, int64_t *price)
{
  *price = 0;
  int rc = db_int(d, price,
                  "SELECT unit_price_kurus FROM stock_lots WHERE item_id = ? AND depot_id = ?"
                  " ORDER BY seq DESC, id DESC LIMIT 1",
                  "ii", item, depot);
  return rc < 0 ? rc : DB_OK;
}

/* Applies movement id to the lots (the trigger) and re-derives the
 * balances of the depots it touched from the remaining lots. */
static int lots_post(db *d, int64_t id, int64_t item, int64_t depot, int64_t to_depot)
{
  int rc = db_run(d, "INSERT INTO stock_lot_posts (movement_id) VALUES (?)", "i", id);
  for (int i = 0; !rc && i < 2; i++) {
    int64_t dep = i ? to_depot : depot;
    if (!dep)
      continue;
    rc = db_run(d,
                "INSERT INTO stock_balances (item_id, depot_id, qty, value_kurus)"
                " SELECT ?, ?, COALESCE(SUM(qty_left), 0), COALESCE(SUM(qty_left * unit_price_kurus), 0)"
                " FROM stock_lots WHERE item_id = ? AND depot_id = ?"
                " ON CONFLICT (item_id, depot_id) DO UPDATE SET qty = excluded.qty, value_kurus = excluded.value_kurus",
                "iiii", item, dep, item, dep);
  }
  return rc;
}

/* ---- a movement as JSON ----------------------------------------------------------------- */

#define MV_COLS                                                                                                        \
  "m.id, m.kind, m.item_id, i.name, i.code, i.uom, m.depot_id, d.name, m.to_depot_id, td.name, m.qty, m.value_kurus,"  \
  " m.unit_price_kurus, m.supplier, m.supplier_vkn, m.invoice_no, m.unit_id, u.code, u.name, m.person_id, p.name,"     \
  " m.ticket_id, m.reverses_id, (SELECT r.id FROM stock_movements r WHERE r.reverses_id = m.id), m.on_date, m.note,"   \
  " m.at, m.actor"
#define MV_FROM                                                                                                        \
  " FROM stock_movements m JOIN stock_items i ON i.id = m.item_id JOIN stock_depots d ON d.id = m.depot_id"            \
  " LEFT JOIN stock_depots td ON td.id = m.to_depot_id LEFT JOIN units u ON u.id = m.unit_id"                          \
  " LEFT JOIN org_people p ON p.id = m.person_id"

static json_t *opt_int(db_stmt *st, int i)
{
  return db_col_null(st, i) ? json_null() : json_integer(db_col_int(st, i));
}

static json_t *mv_row(db_stmt *st)
{
  json_t *o = json_pack("{sI}", "id", (json_int_t)db_col_int(st, 0));
  const char *kind = db_col_text(st, 1);
  jsonx_set_str(o, "kind", kind);
  jsonx_set_str(o, "kind_label", stock_kind_label(kind));
  json_object_set_new(o, "item",
                      json_pack("{sIss?ss?ss?}", "id", (json_int_t)db_col_int(st, 2), "name", db_col_text(st, 3),
                                "code", db_col_text(st, 4), "uom", db_col_text(st, 5)));
  json_object_set_new(o, "depot", json_pack("{sIss?}", "id", (json_int_t)db_col_int(st, 6), "name", db_col_text(st, 7)));
  json_object_set_new(o, "to_depot",
                      db_col_null(st, 8) ? json_null()
                                         : json_pack("{sIss?}", "id", (json_int_t)db_col_int(st, 8), "name",
                                                     db_col_text(st, 9)));
  int64_t qty = db_col_int(st, 10);
  json_object_set_new(o, "change", json_integer(qty));
  json_object_set_new(o, "quantity", json_integer(qty < 0 ? -qty : qty));
  json_object_set_new(o, "value_kurus", json_integer(db_col_int(st, 11)));
  json_object_set_new(o, "unit_price_kurus", opt_int(st, 12));
  jsonx_set_str(o, "supplier", db_col_text(st, 13));
  jsonx_set_str(o, "supplier_vkn", db_col_text(st, 14));
  jsonx_set_str(o, "invoice_no", db_col_text(st, 15));
  json_object_set_new(o, "unit",
                      db_col_null(st, 16) ? json_null()
                                          : json_pack("{sIss?ss?}", "id", (json_int_t)db_col_int(st, 16), "code",
                                                      db_col_text(st, 17), "name", db_col_text(st, 18)));
  json_object_set_new(o, "person",
                      db_col_null(st, 19) ? json_null()
                                          : json_pack("{sIss?}", "id", (json_int_t)db_col_int(st, 19), "name",
                                                      db_col_text(st, 20)));
  json_object_set_new(o, "ticket_id", opt_int(st, 21));
  json_object_set_new(o, "reverses_id", opt_int(st, 22));
  json_object_set_new(o, "reversed_by", opt_int(st, 23));
  jsonx_set_str(o, "date", db_col_text(st, 24));
  jsonx_set_str(o, "note", db_col_text(st, 25));
  jsonx_set_time(o, "at", db_col_int(st, 26));
  jsonx_set_str(o, "actor", db_col_text(st, 27));
  return o;
}

static json_t *mv_json(db *d, int64_t id)
{
  db_stmt *st = db_q(d, "SELECT " MV_COLS MV_FROM " WHERE m.id = ?", "i", id);
  json_t *o = st && db_step(st) == DB_ROW ? mv_row(st) : NULL;
  db_done(st);
  return o;
}

/* ---- posting ------------------------------------------------------------------------------ */

struct mv_in {
  const char *kind;
  int64_t item, depot, to_depot, quantity, counted, price, unit, person, ticket;
  bool has_price;
  const char *supplier, *vkn, *invoice, *date, *note;
  int64_t depot_unit, to_unit;
};

/* Appends one movement row; *id the new row. Optional ids of 0 are
 * stored as NULL; a unit price only when one was given (0 is a price). */
static int mv_insert(db *d, const struct actor *who, const struct mv_in *m, int64_t qty, int64_t value,
                     int64_t reverses, int64_t *id)
{
  char types[] = "tiiIiiitttIIIIttiIt";
  if (!m->has_price)
    types[6] = 'n';
  const struct db_arg args[] = {
      {.t = m->kind},     {.i = m->item},     {.i = m->depot},   {.i = m->to_depot},
      {.i = qty},         {.i = value},       {.i = m->price},   {.t = m->supplier},
      {.t = m->vkn},      {.t = m->invoice},  {.i = m->unit},    {.i = m->person},
      {.i = m->ticket},   {.i = reverses},    {.t = m->date},    {.t = m->note},
      {.i = now_unix()},  {.i = who->user_id}, {.t = who->name ? who->name : "system"},
  };
  db_stmt *st = db_qa(d,
                      "INSERT INTO stock_movements (kind, item_id, depot_id, to_depot_id, qty, value_kurus,"
                      " unit_price_kurus, supplier, supplier_vkn, invoice_no, unit_id, person_id, ticket_id,"
                      " reverses_id, on_date, note, at, user_id, actor)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      types, args);
  if (!st)
    return DB_ERR;
  int rc = db_step(st);
  db_done(st);
  *id = rc == DB_OK ? db_last_id(d) : 0;
  return rc == DB_ROW ? DB_ERR : rc;
}

/* Posts a new movement inside the caller's transaction. Returns MV_OK
 * with *id and *have (stock on hand at the depot after), MV_SHORT with
 * *have the stock on hand, MV_NOCHANGE for a count equal to the stock,
 * or a db error. */
static int mv_post(db *d, const struct actor *who, const struct mv_in *m, int64_t *id, int64_t *have)
{
  struct balance b;
  int rc = balance_get(d, m->item, m->depot, &b);
  if (rc)
    return rc;
  *have = b.qty;
  int64_t dq = 0, dv = 0;
  struct mv_in in = *m;
  if (str_eq(m->kind, "giris")) {
    dq = m->quantity;
    dv = m->quantity * m->price;
  } else if (str_eq(m->kind, "cikis") || str_eq(m->kind, "devir")) {
    if (b.qty < m->quantity)
      return MV_SHORT;
    dq = -m->quantity;
    rc = fifo_value(d, m->item, m->depot, m->quantity, &dv);
    dv = -dv;
  } else { /* sayim */
    dq = m->counted - b.qty;
    if (!dq)
      return MV_NOCHANGE;
    if (dq < 0) {
      rc = fifo_value(d, m->item, m->depot, -dq, &dv);
      dv = -dv;
    } else {
      if (!in.has_price) /* the surplus is priced and the price kept on the row */
        rc = newest_price(d, m->item, m->depot, &in.price);
      in.has_price = true;
      dv = dq * in.price;
    }
  }
  if (!rc)
    rc = mv_insert(d, who, &in, dq, dv, 0, id);
  if (!rc)
    rc = lots_post(d, *id, m->item, m->depot, m->to_depot);
  if (!rc)
    rc = balance_get(d, m->item, m->depot, &b);
  *have = b.qty;
  return rc;
}

/* ---- validation --------------------------------------------------------------------------- */

static const struct jfield mv_fields[] = {
    {"kind", JT_STRING, true, 16},         {"item", JT_INT, true, 0},
    {"depot", JT_INT, true, 0},            {"to_depot", JT_INT, false, 0},
    {"quantity", JT_INT, false, 0},        {"counted", JT_INT, false, 0},
    {"unit_price", JT_INT, false, 0},      {"supplier", JT_STRING, false, STOCK_TEXT_MAX},
    {"supplier_vkn", JT_STRING, false, 10}, {"invoice_no", JT_STRING, false, 64},
    {"unit", JT_STRING, false, 64},        {"person", JT_INT, false, 0},
    {"ticket", JT_INT, false, 0},          {"date", JT_STRING, false, 10},
    {"note", JT_STRING, false, STOCK_NOTE_MAX},
};

/* Which fields each kind takes (besides kind, item, depot, date, note). */
static bool field_allowed(const char *kind, const char *field)
{
  static const struct {
    const char *kind, *fields;
  } allow[] = {
      {"giris", " quantity unit_price supplier supplier_vkn invoice_no "},
      {"cikis", " quantity unit person ticket "},
      {"devir", " to_depot quantity "},
      {"sayim", " counted unit_price "},
  };
  for (size_t i = 0; i < ARRAY_LEN(allow); i++)
    if (str_eq(allow[i].kind, kind)) {
      const char *p = strstr(allow[i].fields, field);
      size_t n = strlen(field);
      return p && p[-1] == ' ' && p[n] == ' ';
    }
  return false;
}

static int64_t int_field(json_t *body, const char *key, int64_t lo, int64_t hi, json_t *fields, const char *msg)
{
  json_t *v = json_object_get(body, key);
  if (!v)
    return -1;
  int64_t x = json_integer_value(v);
  if (x < lo || x > hi) {
    jsonx_field_error(fields, key, msg);
    return -1;
  }
  return x;
}

static int read_mv(request *r, db *d, json_t *body, struct mv_in *m, json_t *fields)
{
  memset(m, 0, sizeof *m);
  const char *v = jsonx_str(body, "kind");
  if (!str_eq(v, "giris") && !str_eq(v, "cikis") && !str_eq(v, "devir") && !str_eq(v, "sayim")) {
    jsonx_field_error(fields, "kind", _("The kind is one of giris, cikis, devir, sayim."));
    return 400;
  }
  m->kind = arena_strdup(r->a, v);
  const char *k;
  json_t *x;
  json_object_foreach(body, k, x)
  {
    if (str_eq(k, "kind") || str_eq(k, "item") || str_eq(k, "depot") || str_eq(k, "date") || str_eq(k, "note"))
      continue;
    if (!field_allowed(m->kind, k))
      jsonx_field_error(fields, k, _("This field is not used by this kind of movement."));
  }
  int64_t one;
  m->item = jsonx_int(body, "item", 0);
  if (db_int(d, &one, "SELECT active FROM stock_items WHERE id = ?", "i", m->item) != DB_ROW)
    jsonx_field_error(fields, "item", _("Unknown item."));
  else if (!one && str_eq(m->kind, "giris"))
    jsonx_field_error(fields, "item", _("The item is no longer in use: it takes no receipts."));
  m->depot = jsonx_int(body, "depot", 0);
  m->depot_unit = stock_depot_unit(d, m->depot);
  if (!m->depot_unit || !stock_can(r, "stock.read", m->depot_unit))
    jsonx_field_error(fields, "depot", _("Unknown depot."));
  const char *qmsg = _("The quantity is a whole number, 1 or more.");
  if (str_eq(m->kind, "sayim")) {
    if ((m->counted = int_field(body, "counted", 0, STOCK_QTY_MAX, fields, _("The count is a whole number, 0 or more."))) <
            0 &&
        !json_object_get(fields, "counted"))
      jsonx_field_error(fields, "counted", _("Give the quantity counted."));
  } else if ((m->quantity = int_field(body, "quantity", 1, STOCK_QTY_MAX, fields, qmsg)) < 0) {
    jsonx_field_error(fields, "quantity", qmsg);
  }
  if (json_object_get(body, "unit_price")) {
    m->price = int_field(body, "unit_price", 0, PRICE_MAX, fields, _("The unit price is a number of kuruş, 0 or more."));
    m->has_price = m->price >= 0;
  } else if (str_eq(m->kind, "giris")) {
    jsonx_field_error(fields, "unit_price", _("Give the unit price (kuruş)."));
  }
  if (str_eq(m->kind, "devir")) {
    m->to_depot = jsonx_int(body, "to_depot", 0);
    m->to_unit = stock_depot_unit(d, m->to_depot);
    if (!m->to_unit || !stock_can(r, "stock.read", m->to_unit))
      jsonx_field_error(fields, "to_depot", _("Unknown depot."));
    else if (m->to_depot == m->depot)
      jsonx_field_error(fields, "to_depot", _("A transfer goes to another depot."));
  }
  if ((v = jsonx_str(body, "supplier")) && !(m->supplier = stock_text(r->a, v, STOCK_TEXT_MAX)))
    jsonx_field_error(fields, "supplier", _("The text is too long or contains invalid characters."));
  if ((v = jsonx_str(body, "supplier_vkn")) && *v) {
    if (tr_vkn_check(v))
      jsonx_field_error(fields, "supplier_vkn", _("The tax number (VKN) is not valid."));
    m->vkn = arena_strdup(r->a, v);
  }
  if ((v = jsonx_str(body, "invoice_no")) && !(m->invoice = stock_text(r->a, v, 64)))
    jsonx_field_error(fields, "invoice_no", _("The text is too long or contains invalid characters."));
  if ((v = jsonx_str(body, "unit"))) {
    if (db_int(d, &m->unit, "SELECT id FROM units WHERE code = ?", "t", v) != DB_ROW)
      jsonx_field_error(fields, "unit", _("Unknown unit."));
  } else if (str_eq(m->kind, "cikis")) {
    jsonx_field_error(fields, "unit", _("Choose the unit the items go to."));
  }
  if (json_object_get(body, "person")) {
    m->person = jsonx_int(body, "person", 0);
    if (db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ?", "i", m->person) != DB_ROW)
      jsonx_field_error(fields, "person", _("Unknown person."));
  }
  /* Tickets are linked by id only: the desk exposes no lookup. */
  if (json_object_get(body, "ticket") && (m->ticket = jsonx_int(body, "ticket", 0)) <= 0)
    jsonx_field_error(fields, "ticket", _("The ticket is given by its id."));
  char *date = arena_alloc(r->a, 11);
  if ((v = jsonx_str(body, "date"))) {
    if (tr_date_parse(v, date))
      jsonx_field_error(fields, "date", _("Write the date as YYYY-MM-DD."));
  } else {
    int64_t t = now_unix() + 3 * 3600; /* Europe/Istanbul */
    char iso[32];
    fmt_iso8601(t, iso);
    memcpy(date, iso, 10);
    date[10] = 0;
  }
  m->date = date;
  if ((v = jsonx_str(body, "note")) && !(m->note = tr_text_clean(r->a, v, STOCK_NOTE_MAX, true)))
    jsonx_field_error(fields, "note", _("The text is too long or contains invalid characters."));
  return json_object_size(fields) ? 400 : 0;
}

static int reply_short(request *r, int64_t have)
{
  json_t *f = json_pack("{ss}", "quantity", arena_printf(r->a, _("Insufficient stock: %lld on hand"), (long long)have));
  return http_error(r, 409, "insufficient_stock",
                    arena_printf(r->a, _("Insufficient stock: %lld on hand"), (long long)have), f);
}

/* After posting: the audit row and the alerts of the depots touched. */
static int mv_after(db *d, const struct actor *who, int64_t id, int64_t item, int64_t depot, int64_t unit,
                    int64_t to_depot, const char *action, bool *mailed)
{
  json_t *after = mv_json(d, id);
  int rc = stock_audit(d, who, action, "stock_movement", id, unit, NULL, after);
  json_decref(after);
  if (!rc)
    rc = stock_alert_check(d, who, item, depot, id, mailed);
  if (!rc && to_depot)
    rc = stock_alert_check(d, who, item, to_depot, id, mailed);
  return rc;
}

int stock_api_movement_create(request *r)
{
  db *d = db_thread();
  json_t *body = req_json(r, mv_fields, ARRAY_LEN(mv_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  struct mv_in m;
  int rc = read_mv(r, d, body, &m, fields);
  json_decref(body);
  if (rc)
    return stock_invalid(r, fields);
  json_decref(fields);
  if (!stock_can(r, "stock.manage", m.depot_unit) || (m.to_depot && !stock_can(r, "stock.manage", m.to_unit)))
    return http_forbidden(r);
  struct actor who = audit_actor(r);
  int64_t id = 0, have = 0;
  bool mailed = false;
  rc = db_begin(d);
  if (!rc)
    rc = mv_post(d, &who, &m, &id, &have);
  if (rc == MV_OK)
    rc = mv_after(d, &who, id, m.item, m.depot, m.depot_unit, m.to_depot, "stock.movement", &mailed);
  if (rc == MV_OK)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    if (rc == MV_SHORT)
      return reply_short(r, have);
    if (rc == MV_NOCHANGE)
      return stock_invalid(r, json_pack("{ss}", "counted", _("The count equals the stock on hand: nothing to correct.")));
    if (rc == DB_CONSTRAINT) /* the balance CHECK: another writer got there first */
      return http_error(r, 409, "insufficient_stock", _("Insufficient stock."), NULL);
    return -1;
  }
  if (mailed)
    jobs_kick("mail.send");
  json_t *o = mv_json(d, id);
  if (!o)
    return -1;
  json_object_set_new(o, "on_hand", json_integer(have));
  return http_json(r, 201, o);
}

/* ---- reversing a movement ---------------------------------------------------------------------- */

static const struct jfield reverse_fields[] = {{"note", JT_STRING, false, STOCK_NOTE_MAX}};

/* Reverses movement id inside the caller's transaction: a new row of the
 * same kind and date with the opposite change and value, referring to it
 * (date receives the date). */
static int mv_reverse(db *d, const struct actor *who, int64_t id, const char *note, char date[11], int64_t *nid,
                      int64_t *have, struct mv_in *m)
{
  memset(m, 0, sizeof *m);
  int64_t qty = 0, value = 0, reverses = 0, reversed = 0;
  db_stmt *st = db_q(d,
                     "SELECT kind, item_id, depot_id, COALESCE(to_depot_id, 0), qty, value_kurus, unit_id, person_id,"
                     " ticket_id, reverses_id, (SELECT r.id FROM stock_movements r WHERE r.reverses_id = m.id), on_date"
                     " FROM stock_movements m WHERE id = ?",
                     "i", id);
  if (!st)
    return DB_ERR;
  int rc = db_step(st);
  if (rc == DB_ROW) {
    static const char *const kinds[] = {"giris", "cikis", "devir", "sayim"};
    for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
      if (str_eq(kinds[i], db_col_text(st, 0)))
        m->kind = kinds[i];
    m->item = db_col_int(st, 1);
    m->depot = db_col_int(st, 2);
    m->to_depot = db_col_int(st, 3);
    qty = db_col_int(st, 4);
    value = db_col_int(st, 5);
    m->unit = db_col_int(st, 6);
    m->person = db_col_int(st, 7);
    m->ticket = db_col_int(st, 8);
    reverses = db_col_int(st, 9);
    reversed = db_col_int(st, 10);
    snprintf(date, 11, "%s", db_col_text(st, 11) ? db_col_text(st, 11) : "");
    rc = DB_OK;
  } else if (rc == DB_OK) {
    rc = DB_ERR;
  }
  db_done(st);
  if (rc)
    return rc;
  if (reversed)
    return MV_REVERSED;
  if (reverses)
    return MV_NOREVERSE;
  m->note = note;
  m->date = date;
  /* The lots a receipt, a surplus or a transfer made must be whole: what
   * was taken from them is gone (and valued) already. */
  int64_t made = 0;
  rc = db_int(d, &made, "SELECT COUNT(*) FROM stock_lots WHERE movement_id = ?", "i", id);
  if (rc == DB_ROW && made)
    rc = db_int(d, have, "SELECT SUM(qty_left) FROM stock_lots WHERE movement_id = ?", "i", id);
  if (rc != DB_ROW)
    return rc < 0 ? rc : DB_ERR;
  if (made && *have < (qty < 0 ? -qty : qty))
    return MV_USED;
  rc = mv_insert(d, who, m, -qty, -value, id, nid);
  if (!rc)
    rc = lots_post(d, *nid, m->item, m->depot, m->to_depot);
  return rc;
}

int stock_api_movement_reverse(request *r)
{
  db *d = db_thread();
  int64_t id = 0, depot = 0, to_depot = 0;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0)
    return http_not_found(r);
  db_stmt *st = db_q(d, "SELECT depot_id, COALESCE(to_depot_id, 0) FROM stock_movements WHERE id = ?", "i", id);
  if (st && db_step(st) == DB_ROW) {
    depot = db_col_int(st, 0);
    to_depot = db_col_int(st, 1);
  }
  db_done(st);
  int64_t unit = stock_depot_unit(d, depot), to_unit = to_depot ? stock_depot_unit(d, to_depot) : 0;
  if (!unit || !stock_can(r, "stock.read", unit))
    return http_not_found(r);
  if (!stock_can(r, "stock.manage", unit) || (to_depot && !stock_can(r, "stock.manage", to_unit)))
    return http_forbidden(r);
  json_t *body = req_json(r, reverse_fields, ARRAY_LEN(reverse_fields));
  if (!body)
    return 0;
  const char *v = jsonx_str(body, "note"), *note = NULL;
  if (v && !(note = tr_text_clean(r->a, v, STOCK_NOTE_MAX, true))) {
    json_decref(body);
    return stock_invalid(r, json_pack("{ss}", "note", _("The text is too long or contains invalid characters.")));
  }
  json_decref(body);
  /* The reverse movement keeps the date of the one it corrects, so that
   * the month's consumption nets out; "at" says when it was recorded. */
  char date[11] = "";
  struct actor who = audit_actor(r);
  struct mv_in m;
  int64_t nid = 0, have = 0;
  bool mailed = false;
  int rc = db_begin(d);
  if (!rc)
    rc = mv_reverse(d, &who, id, note, date, &nid, &have, &m);
  if (rc == MV_OK)
    rc = mv_after(d, &who, nid, m.item, m.depot, unit, m.to_depot, "stock.movement.reverse", &mailed);
  if (rc == MV_OK)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    if (rc == MV_USED)
      return http_error(r, 409, "insufficient_stock",
                        arena_printf(r->a,
                                     _("Part of what this movement brought in has been used since (%lld left): it "
                                       "cannot be reversed; record an exit or a count instead."),
                                     (long long)have),
                        NULL);
    if (rc == MV_REVERSED || rc == DB_CONSTRAINT)
      return http_error(r, 409, "already_reversed", _("This movement has been reversed already."), NULL);
    if (rc == MV_NOREVERSE)
      return http_error(r, 409, "is_reversal", _("A reversing movement is not reversed; record a new movement."),
                        NULL);
    return -1;
  }
  if (mailed)
    jobs_kick("mail.send");
  json_t *o = mv_json(d, nid);
  if (!o)
    return -1;
  struct balance b;
  if (!balance_get(d, m.item, m.depot, &b))
    json_object_set_new(o, "on_hand", json_integer(b.qty));
  return http_json(r, 201, o);
}

/* ---- reading the ledger -------------------------------------------------------------------------- */

int stock_api_movement_get(request *r)
{
  db *d = db_thread();
  int64_t id = 0, depot = 0;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0 ||
      db_int(d, &depot, "SELECT depot_id FROM stock_movements WHERE id = ?", "i", id) != DB_ROW ||
      !stock_can(r, "stock.read", stock_depot_unit(d, depot)))
    return http_not_found(r);
  json_t *o = mv_json(d, id);
  return o ? http_json(r, 200, o) : -1;
}

int stock_api_movements(request *r)
{
  db *d = db_thread();
  json_t *fields = json_object();
  int64_t limit = LIST_DEFAULT, cursor = 0, item = 0, depot = 0;
  const char *v, *kind = NULL;
  if ((v = req_query(r, "item")) && *v && (parse_i64(v, &item) || item < 1))
    jsonx_field_error(fields, "item", _("Unknown item."));
  if ((v = req_query(r, "depot")) && *v && (parse_i64(v, &depot) || depot < 1))
    jsonx_field_error(fields, "depot", _("Unknown depot."));
  if ((v = req_query(r, "kind")) && *v) {
    if (!str_eq(v, "giris") && !str_eq(v, "cikis") && !str_eq(v, "devir") && !str_eq(v, "sayim"))
      jsonx_field_error(fields, "kind", _("The kind is one of giris, cikis, devir, sayim."));
    kind = v;
  }
  const char *format;
  sheet_list_params(r, fields, LIST_MAX, &limit, &cursor, &format);
  if (json_object_size(fields))
    return stock_invalid(r, fields);
  json_decref(fields);
  bool global = rbac_can(r->user->id, "stock.read", rbac_root_unit(d));
  db_stmt *st = db_q(d,
                     "SELECT " MV_COLS MV_FROM " WHERE (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ")"
                     " AND (? = 0 OR m.item_id = ?) AND (? = 0 OR m.depot_id = ? OR m.to_depot_id = ?)"
                     " AND (? IS NULL OR m.kind = ?) AND (? = 0 OR m.id < ?) ORDER BY m.id DESC LIMIT ?",
                     "ii"
                     "ii"
                     "iii"
                     "tt"
                     "ii"
                     "i",
                     (int64_t)global, r->user->id, item, item, depot, depot, depot, kind, kind, cursor, cursor,
                     limit + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t n = 0, last = 0;
  bool more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, mv_row(st));
    n++;
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  if (format) {
    rc = stock_export_movements(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json_page(r, items, more, last);
}

json_t *stock_movements_of(request *r, db *d, int64_t item, int64_t limit)
{
  bool global = rbac_can(r->user->id, "stock.read", rbac_root_unit(d));
  db_stmt *st = db_q(d,
                     "SELECT " MV_COLS MV_FROM " WHERE (? = 1 OR " STOCK_DEPOT_VISIBLE("d", "stock.read") ")"
                     " AND m.item_id = ? ORDER BY m.id DESC LIMIT ?",
                     "iiii", (int64_t)global, r->user->id, item, limit);
  if (!st)
    return NULL;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW)
    json_array_append_new(items, mv_row(st));
  db_done(st);
  return items;
}

int stock_receipt_post(db *d, const struct actor *who, int64_t item, int64_t depot, int64_t depot_unit,
                       int64_t quantity, int64_t price, const char *supplier, const char *vkn, const char *invoice,
                       const char *date, const char *note, int64_t *id, bool *mailed)
{
  struct mv_in m = {.kind = "giris",
                    .item = item,
                    .depot = depot,
                    .quantity = quantity,
                    .price = price,
                    .has_price = true,
                    .supplier = supplier,
                    .vkn = vkn,
                    .invoice = invoice,
                    .date = date,
                    .note = note,
                    .depot_unit = depot_unit};
  int64_t have = 0;
  int rc = mv_post(d, who, &m, id, &have);
  if (rc > 0) /* a receipt is never short */
    rc = DB_ERR;
  if (!rc)
    rc = mv_after(d, who, *id, item, depot, depot_unit, 0, "stock.movement", mailed);
  return rc;
}
