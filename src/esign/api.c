/* api.c - e-signatures and mobile signatures over the API: a person's
 * signatures with the provider, card or token, status and the validity
 * read from the uploaded certificate; the "expires this quarter" list;
 * the reminders due; and the application, renewal and installation
 * workflows with their steps. Visibility follows the person's unit. */
#include "esign.h"
#include "esign_int.h"
#include "cert.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"
#include "../core/tr.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- vocabulary ----------------------------------------------------------- */

static const struct {
  const char *key, *label;
} kinds[] = {{"eimza", N_("E-signature")}, {"mobil", N_("Mobile signature")}};

const char *const esign_providers[] = {"kamusm", "turktrust", "e-tugra", "e-imzatr",
                                       "turkcell", "vodafone", "turktelekom", NULL};
static const char *const provider_labels[] = {"Kamu SM", "TÜRKTRUST", "E-Tuğra", "E-İmzaTR",
                                              "Turkcell", "Vodafone", "Türk Telekom"};
enum { FIRST_OPERATOR = 4 }; /* esign_providers[4..] are mobile operators */

const int esign_stages[3] = {90, 30, 7};

bool esign_kind_valid(const char *kind)
{
  return str_eq(kind, "eimza") || str_eq(kind, "mobil");
}

const char *esign_kind_label(const char *kind)
{
  for (size_t i = 0; i < ARRAY_LEN(kinds); i++)
    if (str_eq(kind, kinds[i].key))
      return _(kinds[i].label);
  return kind ? kind : "";
}

bool esign_provider_valid(const char *kind, const char *provider)
{
  for (int i = 0; esign_providers[i]; i++)
    if (str_eq(provider, esign_providers[i]))
      return str_eq(kind, "mobil") ? i >= FIRST_OPERATOR : i < FIRST_OPERATOR;
  return false;
}

const char *esign_provider_label(const char *provider)
{
  for (int i = 0; esign_providers[i]; i++)
    if (str_eq(provider, esign_providers[i]))
      return provider_labels[i];
  return provider ? provider : "";
}

static bool status_valid(const char *s)
{
  return str_eq(s, "active") || str_eq(s, "suspended") || str_eq(s, "revoked");
}

const char *esign_status_label(const char *status)
{
  if (str_eq(status, "active"))
    return _("active");
  if (str_eq(status, "suspended"))
    return _("suspended");
  if (str_eq(status, "revoked"))
    return _("revoked");
  if (str_eq(status, "expired"))
    return _("expired");
  return status ? status : "";
}

static bool wf_kind_valid(const char *k)
{
  return str_eq(k, "application") || str_eq(k, "renewal") || str_eq(k, "installation");
}

const char *esign_workflow_label(const char *kind)
{
  if (str_eq(kind, "application"))
    return _("Application");
  if (str_eq(kind, "renewal"))
    return _("Renewal");
  if (str_eq(kind, "installation"))
    return _("Installation");
  if (str_eq(kind, "open"))
    return _("open");
  if (str_eq(kind, "done"))
    return _("done");
  if (str_eq(kind, "cancelled"))
    return _("cancelled");
  return kind ? kind : "";
}

int esign_quarter(const char *q, int64_t now, int64_t *from, int64_t *to, char label[16])
{
  int year, quarter;
  if (q && *q) {
    char extra;
    if (strlen(q) != 7 || sscanf(q, "%4d-Q%1d%c", &year, &quarter, &extra) != 2 || year < 1970 || year > 9999 ||
        quarter < 1 || quarter > 4)
      return -1;
  } else {
    time_t t = (time_t)(now + ESIGN_TZ);
    struct tm tm;
    gmtime_r(&t, &tm);
    year = tm.tm_year + 1900;
    quarter = tm.tm_mon / 3 + 1;
  }
  struct tm a = {0}, b = {0};
  a.tm_year = year - 1900;
  a.tm_mon = (quarter - 1) * 3;
  a.tm_mday = 1;
  b.tm_year = quarter == 4 ? year + 1 - 1900 : year - 1900;
  b.tm_mon = quarter == 4 ? 0 : quarter * 3;
  b.tm_mday = 1;
  *from = (int64_t)timegm(&a) - ESIGN_TZ;
  *to = (int64_t)timegm(&b) - ESIGN_TZ;
  snprintf(label, 16, "%04d-Q%d", year, quarter);
  return 0;
}

/* ---- helpers -------------------------------------------------------------- */

static int64_t days_left(int64_t not_after, int64_t now)
{
  if (not_after <= now)
    return 0;
  return (not_after - now + ESIGN_DAY - 1) / ESIGN_DAY;
}

static const char *effective_status(const char *stored, int64_t not_after, int64_t now)
{
  if (!str_eq(stored, "revoked") && not_after && not_after <= now)
    return "expired";
  return stored;
}

static int64_t route_id(request *r, const char *name)
{
  int64_t id;
  return parse_i64(req_param(r, name), &id) ? 0 : id;
}

/* The person's unit; DB_ROW when the person exists. */
static int person_unit(db *d, int64_t person, int64_t *unit)
{
  return db_int(d, unit, "SELECT unit_id FROM org_people WHERE id = ?", "i", person);
}

static int audit_row(db *d, const struct actor *who, const char *action, const char *entity, int64_t id, int64_t unit,
                     json_t *before, json_t *after)
{
  char eid[24];
  snprintf(eid, sizeof eid, "%lld", (long long)id);
  return audit_write(d, who, action, entity, eid, unit, before, after);
}

/* ---- the record ------------------------------------------------------------ */

json_t *esign_row_json(db_stmt *st)
{
  int64_t now = now_unix(), nb = db_col_int(st, 13), na = db_col_int(st, 14);
  const char *stored = db_col_text(st, 7), *eff = effective_status(stored, na, now);
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  json_object_set_new(o, "person", json_pack("{sIsssIss}", "id", (json_int_t)db_col_int(st, 1), "name",
                                             db_col_text(st, 2), "unit_id", (json_int_t)db_col_int(st, 3),
                                             "unit_name", db_col_text(st, 4)));
  jsonx_set_str(o, "kind", db_col_text(st, 5));
  jsonx_set_str(o, "kind_label", esign_kind_label(db_col_text(st, 5)));
  jsonx_set_str(o, "provider", db_col_text(st, 6));
  jsonx_set_str(o, "provider_label", esign_provider_label(db_col_text(st, 6)));
  jsonx_set_str(o, "status", eff);
  jsonx_set_str(o, "status_label", esign_status_label(eff));
  jsonx_set_str(o, "stored_status", stored);
  jsonx_set_str(o, "card_id", db_col_text(st, 8));
  jsonx_set_str(o, "serial", db_col_text(st, 9));
  jsonx_set_str(o, "subject", db_col_text(st, 10));
  jsonx_set_str(o, "issuer", db_col_text(st, 11));
  const char *tckn = db_col_text(st, 12);
  if (tckn && *tckn) {
    char m[12];
    tr_tckn_mask(tckn, m);
    jsonx_set_str(o, "tckn", m);
  } else {
    json_object_set_new(o, "tckn", json_null());
  }
  jsonx_set_time(o, "not_before", nb);
  jsonx_set_time(o, "not_after", na);
  json_object_set_new(o, "days_left", na ? json_integer(days_left(na, now)) : json_null());
  json_object_set_new(o, "has_certificate", json_boolean(!db_col_null(st, 15)));
  jsonx_set_str(o, "cert_sha256", db_col_text(st, 15));
  jsonx_set_str(o, "notes", db_col_text(st, 16));
  jsonx_set_time(o, "created_at", db_col_int(st, 17));
  jsonx_set_time(o, "updated_at", db_col_int(st, 18));
  return o;
}

int esign_person_signatures(db *d, int64_t person_id, json_t **out)
{
  *out = json_array();
  db_stmt *st = db_q(d, "SELECT " ESIGN_COLS ESIGN_FROM " WHERE s.person_id = ? ORDER BY s.id LIMIT 200", "i",
                     person_id);
  if (!st)
    return DB_ERR;
  int rc;
  while ((rc = db_step(st)) == DB_ROW)
    json_array_append_new(*out, esign_row_json(st));
  db_done(st);
  return rc < 0 ? rc : 0;
}

static int reply_signature(request *r, int status, int64_t id)
{
  db_stmt *st = db_q(db_thread(), "SELECT " ESIGN_COLS ESIGN_FROM " WHERE s.id = ?", "i", id);
  if (!st)
    return -1;
  json_t *o = NULL;
  if (db_step(st) == DB_ROW)
    o = esign_row_json(st);
  db_done(st);
  if (!o)
    return http_not_found(r);
  /* the open workflows of this signature */
  json_t *wf = json_array();
  st = db_q(db_thread(),
            "SELECT id, kind, status, due_date, opened_at FROM esign_workflows WHERE signature_id = ? ORDER BY id DESC"
            " LIMIT 50",
            "i", id);
  while (db_step(st) == DB_ROW) {
    json_t *w = json_object();
    json_object_set_new(w, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(w, "kind", db_col_text(st, 1));
    jsonx_set_str(w, "kind_label", esign_workflow_label(db_col_text(st, 1)));
    jsonx_set_str(w, "status", db_col_text(st, 2));
    jsonx_set_str(w, "due_date", db_col_text(st, 3));
    jsonx_set_time(w, "opened_at", db_col_int(st, 4));
    json_array_append_new(wf, w);
  }
  db_done(st);
  json_object_set_new(o, "workflows", wf);
  return http_json(r, status, o);
}

/* Loads a signature's person unit and checks perm on it. 0 ready,
 * 1 replied (404/403). */
static int signature_access(request *r, int64_t id, const char *perm, int64_t *unit, int64_t *person)
{
  db_stmt *st = db_q(db_thread(),
                     "SELECT p.unit_id, p.id FROM esign_signatures s JOIN org_people p ON p.id = s.person_id"
                     " WHERE s.id = ?",
                     "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    *unit = db_col_int(st, 0);
    *person = db_col_int(st, 1);
  }
  db_done(st);
  if (rc != DB_ROW)
    return http_not_found(r), 1;
  if (!rbac_can(r->user->id, perm, *unit))
    return http_forbidden(r), 1;
  return 0;
}

/* ---- certificates from a request ------------------------------------------- */

/* "certificate": PEM text, or base64 of the file (PEM or DER). Returns 0
 * with c filled, or 1 after adding the reason to errs. */
static int read_certificate(request *r, const char *in, struct esign_cert *c, json_t *errs)
{
  const unsigned char *data = (const unsigned char *)in;
  size_t n = strlen(in);
  if (!strstr(in, "-----BEGIN ")) {
    unsigned char *bin = arena_alloc(r->a, n + 1);
    size_t out = 0;
    const char *last = NULL;
    if (sodium_base642bin(bin, n + 1, in, n, " \t\r\n", &out, &last, sodium_base64_VARIANT_ORIGINAL) ||
        (last && *last)) {
      json_object_set_new(errs, "certificate",
                          json_string(_("Send the certificate file as base64 (or PEM text); this is neither.")));
      return 1;
    }
    data = bin;
    n = out;
  }
  int rc = esign_cert_parse(r->a, data, n, c);
  if (rc) {
    json_object_set_new(errs, "certificate", json_string(_(esign_cert_strerror(rc))));
    return 1;
  }
  return 0;
}

/* A calendar date (Europe/Istanbul) as the end of that day in UTC. */
static int date_end(const char *s, int64_t *out)
{
  char d[11];
  int64_t t;
  if (!s || tr_date_parse(s, d) || parse_iso8601(d, &t))
    return -1;
  *out = t + ESIGN_DAY - 1 - ESIGN_TZ;
  return 0;
}

/* ---- signatures ------------------------------------------------------------- */

int esign_api_list(request *r)
{
  int64_t limit, cursor, person = 0;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  const char *ps = req_query(r, "person"), *ss = req_query(r, "status");
  if (ps && *ps && parse_i64(ps, &person))
    return http_invalid(r, json_pack("{ss}", "person", _("Give a number.")));
  if (ss && *ss && !status_valid(ss) && !str_eq(ss, "expired"))
    return http_invalid(r, json_pack("{ss}", "status", _("Choose active, suspended, revoked or expired.")));
  const char *status = ss && *ss ? ss : NULL;
  int64_t now = now_unix();
  db_stmt *st = db_q(db_thread(),
                     "SELECT " ESIGN_COLS ESIGN_FROM
                     " WHERE s.id > ? AND (? = 0 OR s.person_id = ?)"
                     " AND (? IS NULL OR (? = 'expired' AND s.status <> 'revoked' AND s.not_after <= ?)"
                     " OR (s.status = ? AND (s.status = 'revoked' OR s.not_after IS NULL OR s.not_after > ?)))"
                     ESIGN_VISIBLE " ORDER BY s.id LIMIT ?",
                     "iiittitiii", cursor, person, person, status, status, now, status, now, r->user->id, limit + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t last = 0;
  bool more = false;
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if ((int64_t)json_array_size(items) == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, esign_row_json(st));
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  return http_json_page(r, items, more, last);
}

int esign_api_get(request *r)
{
  int64_t id = route_id(r, "id"), unit, person;
  if (signature_access(r, id, "esign.read", &unit, &person))
    return 0;
  return reply_signature(r, 200, id);
}

static const struct jfield create_fields[] = {
    {"person", JT_INT, true, 0},
    {"kind", JT_STRING, true, 16},
    {"provider", JT_STRING, true, 32},
    {"card_id", JT_STRING, false, 100},
    {"status", JT_STRING, false, 16},
    {"certificate", JT_STRING, false, 100000},
    {"valid_until", JT_STRING, false, 10},
    {"notes", JT_STRING, false, 2000},
};

struct sig_input {
  const char *kind, *provider, *card_id, *status, *notes;
  bool has_cert, has_until;
  struct esign_cert cert;
  int64_t until;
};

static void check_input(request *r, json_t *in, const char *kind, struct sig_input *s, json_t *errs)
{
  const char *v;
  s->kind = kind;
  if ((v = jsonx_str(in, "provider"))) {
    if (esign_provider_valid(kind, v))
      s->provider = arena_strdup(r->a, v);
    else
      json_object_set_new(errs, "provider",
                          json_string(str_eq(kind, "mobil")
                                          ? _("A mobile signature comes from an operator: Turkcell, Vodafone or Türk Telekom.")
                                          : _("Choose the certification authority: Kamu SM, TÜRKTRUST, E-Tuğra or E-İmzaTR.")));
  }
  if (json_object_get(in, "card_id") && !(s->card_id = tr_text_clean(r->a, jsonx_str(in, "card_id"), 100, false)))
    json_object_set_new(errs, "card_id", json_string(_("The card or token number is not valid text.")));
  if ((v = jsonx_str(in, "status"))) {
    if (status_valid(v))
      s->status = arena_strdup(r->a, v);
    else
      json_object_set_new(errs, "status", json_string(_("Choose active, suspended or revoked.")));
  }
  if (json_object_get(in, "notes") && !(s->notes = tr_text_clean(r->a, jsonx_str(in, "notes"), 2000, true)))
    json_object_set_new(errs, "notes", json_string(_("The notes are not valid text.")));
  if ((v = jsonx_str(in, "certificate")) && *v)
    s->has_cert = read_certificate(r, v, &s->cert, errs) == 0;
  if ((v = jsonx_str(in, "valid_until")) && *v) {
    if (date_end(v, &s->until))
      json_object_set_new(errs, "valid_until", json_string(_("Give a date as YYYY-MM-DD.")));
    else
      s->has_until = true;
  }
}

static json_t *audit_view(const struct sig_input *s, int64_t person)
{
  json_t *o = json_pack("{sIss*ss*ss*ss*}", "person", (json_int_t)person, "kind", s->kind, "provider", s->provider,
                        "status", s->status, "card_id", s->card_id);
  if (s->has_cert) {
    json_object_set_new(o, "serial", json_string(s->cert.serial));
    json_object_set_new(o, "cert_sha256", json_string(s->cert.sha256));
  }
  if (s->has_cert || s->has_until)
    jsonx_set_time(o, "not_after", s->has_cert ? s->cert.not_after : s->until);
  return o;
}

/* The certificate must name the person when it carries a T.C. Kimlik No. */
static bool tckn_matches(db *d, int64_t person, const struct esign_cert *c)
{
  if (!c->tckn[0])
    return true;
  int64_t one;
  return db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ? AND tckn = ?", "it", person, c->tckn) == DB_ROW;
}

static int duplicate(request *r)
{
  return http_error(r, 409, "duplicate", _("This certificate is already registered."), NULL);
}

int esign_api_create(request *r)
{
  json_t *in = req_json(r, create_fields, ARRAY_LEN(create_fields));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *errs = json_object();
  int64_t person = jsonx_int(in, "person", 0), unit = 0;
  const char *kind = jsonx_str(in, "kind") ? arena_strdup(r->a, jsonx_str(in, "kind")) : NULL;
  struct sig_input s = {.status = "active"};
  if (person_unit(d, person, &unit) != DB_ROW)
    json_object_set_new(errs, "person", json_string(_("No such person.")));
  if (!esign_kind_valid(kind))
    json_object_set_new(errs, "kind", json_string(_("Choose e-signature or mobile signature.")));
  else
    check_input(r, in, kind, &s, errs);
  if (!json_object_size(errs) && !s.has_cert && !s.has_until)
    json_object_set_new(errs, "certificate",
                        json_string(_("Upload the certificate (PEM or DER), or give the validity end date.")));
  if (!json_object_size(errs) && s.has_cert && !tckn_matches(d, person, &s.cert))
    json_object_set_new(errs, "certificate",
                        json_string(_("The certificate belongs to someone else: its T.C. Kimlik No is not this person's.")));
  json_decref(in);
  if (json_object_size(errs))
    return http_invalid(r, errs);
  json_decref(errs);
  if (!rbac_can(r->user->id, "esign.manage", unit))
    return http_forbidden(r);
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  const char *der64 = NULL;
  if (s.has_cert) {
    size_t len = sodium_base64_ENCODED_LEN(s.cert.der_len, sodium_base64_VARIANT_ORIGINAL);
    char *b = arena_alloc(r->a, len);
    sodium_bin2base64(b, len, s.cert.der, s.cert.der_len, sodium_base64_VARIANT_ORIGINAL);
    der64 = b;
  }
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO esign_signatures (person_id, kind, provider, status, card_id, serial, subject, issuer,"
                " tckn, not_before, not_after, cert_sha256, cert_der, notes, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "ittttttttIItttIii", person, s.kind, s.provider, s.status, s.card_id,
                s.has_cert ? s.cert.serial : NULL, s.has_cert ? s.cert.subject : NULL,
                s.has_cert ? s.cert.issuer : NULL, s.has_cert && s.cert.tckn[0] ? s.cert.tckn : NULL,
                s.has_cert ? s.cert.not_before : 0, s.has_cert ? s.cert.not_after : s.until,
                s.has_cert ? s.cert.sha256 : NULL, der64, s.notes ? s.notes : "", who.user_id, now, now);
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return duplicate(r);
  }
  int64_t id = rc ? 0 : db_last_id(d);
  if (!rc) {
    json_t *after = audit_view(&s, person);
    rc = audit_row(d, &who, "create", "esign.signature", id, unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_signature(r, 201, id);
}

static const struct jfield patch_fields[] = {
    {"provider", JT_STRING, false, 32},
    {"card_id", JT_STRING, false, 100},
    {"status", JT_STRING, false, 16},
    {"certificate", JT_STRING, false, 100000},
    {"valid_until", JT_STRING, false, 10},
    {"notes", JT_STRING, false, 2000},
};

int esign_api_patch(request *r)
{
  int64_t id = route_id(r, "id"), unit, person;
  if (signature_access(r, id, "esign.manage", &unit, &person))
    return 0;
  json_t *in = req_json(r, patch_fields, ARRAY_LEN(patch_fields));
  if (!in)
    return 0;
  db *d = db_thread();
  struct sig_input s = {0}, old = {0};
  db_stmt *st = db_q(d, "SELECT kind, provider, status, card_id, notes, COALESCE(not_after, 0) FROM esign_signatures WHERE id = ?", "i", id);
  if (db_step(st) == DB_ROW) {
    old.kind = arena_strdup(r->a, db_col_text(st, 0));
    old.provider = arena_strdup(r->a, db_col_text(st, 1));
    old.status = arena_strdup(r->a, db_col_text(st, 2));
    old.card_id = arena_strdup(r->a, db_col_text(st, 3));
    old.notes = arena_strdup(r->a, db_col_text(st, 4));
    old.until = db_col_int(st, 5);
    old.has_until = old.until != 0;
  }
  db_done(st);
  if (!old.kind) {
    json_decref(in);
    return -1;
  }
  json_t *errs = json_object();
  check_input(r, in, old.kind, &s, errs);
  if (!json_object_size(errs) && s.has_cert && !tckn_matches(d, person, &s.cert))
    json_object_set_new(errs, "certificate",
                        json_string(_("The certificate belongs to someone else: its T.C. Kimlik No is not this person's.")));
  json_decref(in);
  if (json_object_size(errs))
    return http_invalid(r, errs);
  json_decref(errs);
  const char *der64 = NULL;
  if (s.has_cert) {
    size_t len = sodium_base64_ENCODED_LEN(s.cert.der_len, sodium_base64_VARIANT_ORIGINAL);
    char *b = arena_alloc(r->a, len);
    sodium_bin2base64(b, len, s.cert.der, s.cert.der_len, sodium_base64_VARIANT_ORIGINAL);
    der64 = b;
  }
  struct sig_input now_s = old;
  if (s.provider)
    now_s.provider = s.provider;
  if (s.status)
    now_s.status = s.status;
  if (s.card_id)
    now_s.card_id = s.card_id;
  now_s.has_cert = s.has_cert;
  now_s.cert = s.cert;
  if (s.has_until) {
    now_s.until = s.until;
    now_s.has_until = true;
  }
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE esign_signatures SET provider = ?, status = ?, card_id = ?, notes = ?, updated_at = ?"
                " WHERE id = ?",
                "ttttii", now_s.provider, now_s.status, now_s.card_id, s.notes ? s.notes : old.notes, now_unix(), id);
  if (!rc && s.has_cert)
    rc = db_run(d,
                "UPDATE esign_signatures SET serial = ?, subject = ?, issuer = ?, tckn = ?, not_before = ?,"
                " not_after = ?, cert_sha256 = ?, cert_der = ? WHERE id = ?",
                "ttttiitti", s.cert.serial, s.cert.subject, s.cert.issuer, s.cert.tckn[0] ? s.cert.tckn : NULL,
                s.cert.not_before, s.cert.not_after, s.cert.sha256, der64, id);
  else if (!rc && s.has_until)
    rc = db_run(d, "UPDATE esign_signatures SET not_after = ? WHERE id = ?", "ii", s.until, id);
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return duplicate(r);
  }
  if (!rc) {
    json_t *before = audit_view(&old, person), *after = audit_view(&now_s, person);
    rc = audit_row(d, &who, "update", "esign.signature", id, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_signature(r, 200, id);
}

/* ---- lists: this quarter, reminders, a person ------------------------------------ */

int esign_api_expiring(request *r)
{
  int64_t from, to, now = now_unix();
  char label[16], f[32], t[32];
  if (esign_quarter(req_query(r, "quarter"), now, &from, &to, label))
    return http_invalid(r, json_pack("{ss}", "quarter", _("Give a quarter as YYYY-Qn, e.g. 2026-Q4.")));
  db_stmt *st = db_q(db_thread(),
                     "SELECT " ESIGN_COLS ESIGN_FROM " WHERE s.status <> 'revoked' AND s.not_after >= ?"
                     " AND s.not_after < ?" ESIGN_VISIBLE " ORDER BY s.not_after, s.id LIMIT 501",
                     "iii", from, to, r->user->id);
  if (!st)
    return -1;
  json_t *items = json_array();
  bool more = false;
  while (db_step(st) == DB_ROW) {
    if (json_array_size(items) == 500) {
      more = true;
      break;
    }
    json_array_append_new(items, esign_row_json(st));
  }
  db_done(st);
  fmt_iso8601(from, f);
  fmt_iso8601(to, t);
  return http_json(r, 200, json_pack("{sssssssosb}", "quarter", label, "from", f, "to", t, "items", items,
                                     "truncated", more));
}

int esign_api_reminders(request *r)
{
  int64_t now = now_unix();
  db *d = db_thread();
  db_stmt *st = db_q(d,
                     "SELECT " ESIGN_COLS ESIGN_FROM " WHERE s.status = 'active' AND s.not_after > ?"
                     " AND s.not_after <= ?" ESIGN_VISIBLE " ORDER BY s.not_after, s.id LIMIT 500",
                     "iii", now, now + (int64_t)esign_stages[0] * ESIGN_DAY, r->user->id);
  if (!st)
    return -1;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW)
    json_array_append_new(items, esign_row_json(st));
  db_done(st);
  size_t i;
  json_t *o;
  json_array_foreach(items, i, o)
  {
    int64_t left = jsonx_int(o, "days_left", 0), stage = esign_stages[0];
    for (size_t k = 0; k < ARRAY_LEN(esign_stages); k++)
      if (left <= esign_stages[k])
        stage = esign_stages[k];
    json_object_set_new(o, "stage", json_integer(stage));
    json_t *sent = json_array();
    int64_t na = 0;
    const char *nas = jsonx_str(o, "not_after");
    if (nas && parse_iso8601(nas, &na))
      na = 0;
    db_stmt *q = db_q(d,
                      "SELECT stage, sent_at, mailed FROM esign_reminders WHERE signature_id = ? AND not_after = ?"
                      " ORDER BY stage DESC",
                      "ii", jsonx_int(o, "id", 0), na);
    while (db_step(q) == DB_ROW) {
      json_t *x = json_object();
      json_object_set_new(x, "stage", json_integer(db_col_int(q, 0)));
      jsonx_set_time(x, "sent_at", db_col_int(q, 1));
      json_object_set_new(x, "mailed", json_boolean(db_col_int(q, 2) != 0));
      json_array_append_new(sent, x);
    }
    db_done(q);
    json_object_set_new(o, "reminders", sent);
  }
  return http_json(r, 200, json_pack("{so}", "items", items));
}

static json_t *workflow_json(db_stmt *st);
#define WF_COLS                                                                                           \
  "w.id, w.person_id, p.name, w.signature_id, w.kind, w.status, w.due_date, w.note, w.opened_at,"       \
  " COALESCE(w.closed_at, 0), p.unit_id"
#define WF_FROM " FROM esign_workflows w JOIN org_people p ON p.id = w.person_id JOIN units u ON u.id = p.unit_id"

int esign_api_person(request *r)
{
  int64_t id = route_id(r, "id"), unit = 0;
  db *d = db_thread();
  if (person_unit(d, id, &unit) != DB_ROW)
    return http_not_found(r);
  if (!rbac_can(r->user->id, "esign.read", unit))
    return http_forbidden(r);
  json_t *sigs = NULL, *wfs = json_array();
  if (esign_person_signatures(d, id, &sigs)) {
    json_decref(sigs);
    json_decref(wfs);
    return -1;
  }
  db_stmt *st = db_q(d, "SELECT " WF_COLS WF_FROM " WHERE w.person_id = ? ORDER BY w.id DESC LIMIT 100", "i", id);
  while (db_step(st) == DB_ROW)
    json_array_append_new(wfs, workflow_json(st));
  db_done(st);
  return http_json(r, 200, json_pack("{sIsoso}", "person", (json_int_t)id, "signatures", sigs, "workflows", wfs));
}

/* ---- workflows ------------------------------------------------------------------- */

static json_t *workflow_json(db_stmt *st)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  json_object_set_new(o, "person", json_pack("{sIss}", "id", (json_int_t)db_col_int(st, 1), "name", db_col_text(st, 2)));
  json_object_set_new(o, "signature_id", db_col_null(st, 3) ? json_null() : json_integer(db_col_int(st, 3)));
  jsonx_set_str(o, "kind", db_col_text(st, 4));
  jsonx_set_str(o, "kind_label", esign_workflow_label(db_col_text(st, 4)));
  jsonx_set_str(o, "status", db_col_text(st, 5));
  jsonx_set_str(o, "status_label", esign_workflow_label(db_col_text(st, 5)));
  jsonx_set_str(o, "due_date", db_col_text(st, 6));
  jsonx_set_str(o, "note", db_col_text(st, 7));
  jsonx_set_time(o, "opened_at", db_col_int(st, 8));
  jsonx_set_time(o, "closed_at", db_col_int(st, 9));
  return o;
}

int esign_api_workflows(request *r)
{
  int64_t limit, cursor, person = 0;
  if (req_paging(r, 50, 200, &limit, &cursor))
    return 0;
  const char *ss = req_query(r, "status"), *ps = req_query(r, "person");
  if (ps && *ps && parse_i64(ps, &person))
    return http_invalid(r, json_pack("{ss}", "person", _("Give a number.")));
  if (ss && *ss && !str_eq(ss, "open") && !str_eq(ss, "done") && !str_eq(ss, "cancelled"))
    return http_invalid(r, json_pack("{ss}", "status", _("Choose open, done or cancelled.")));
  db_stmt *st = db_q(db_thread(),
                     "SELECT " WF_COLS WF_FROM " WHERE w.id > ? AND (? = 0 OR w.person_id = ?) AND (? IS NULL OR w.status = ?)"
                     ESIGN_VISIBLE " ORDER BY w.id LIMIT ?",
                     "iiittii", cursor, person, person, ss && *ss ? ss : NULL, ss, r->user->id, limit + 1);
  if (!st)
    return -1;
  json_t *items = json_array();
  int64_t last = 0;
  bool more = false;
  while (db_step(st) == DB_ROW) {
    if ((int64_t)json_array_size(items) == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, workflow_json(st));
  }
  db_done(st);
  return http_json_page(r, items, more, last);
}

static int reply_workflow(request *r, int status, int64_t id)
{
  db *d = db_thread();
  db_stmt *st = db_q(d, "SELECT " WF_COLS WF_FROM " WHERE w.id = ?", "i", id);
  json_t *o = NULL;
  if (db_step(st) == DB_ROW)
    o = workflow_json(st);
  db_done(st);
  if (!o)
    return http_not_found(r);
  json_t *steps = json_array();
  st = db_q(d,
            "SELECT s.id, s.step, s.day, s.note, s.actor, s.created_at FROM esign_steps s WHERE s.workflow_id = ?"
            " ORDER BY s.day, s.id LIMIT 200",
            "i", id);
  while (db_step(st) == DB_ROW) {
    json_t *x = json_object();
    json_object_set_new(x, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(x, "step", db_col_text(st, 1));
    jsonx_set_str(x, "date", db_col_text(st, 2));
    jsonx_set_str(x, "note", db_col_text(st, 3));
    jsonx_set_str(x, "by", db_col_text(st, 4));
    jsonx_set_time(x, "at", db_col_int(st, 5));
    json_array_append_new(steps, x);
  }
  db_done(st);
  json_object_set_new(o, "steps", steps);
  return http_json(r, status, o);
}

/* The workflow's person unit, person and status; 1 after a 404/403. */
static int workflow_access(request *r, int64_t id, const char *perm, int64_t *unit, const char **status)
{
  db_stmt *st = db_q(db_thread(),
                     "SELECT p.unit_id, w.status FROM esign_workflows w JOIN org_people p ON p.id = w.person_id"
                     " WHERE w.id = ?",
                     "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    *unit = db_col_int(st, 0);
    *status = arena_strdup(r->a, db_col_text(st, 1));
  }
  db_done(st);
  if (rc != DB_ROW)
    return http_not_found(r), 1;
  if (!rbac_can(r->user->id, perm, *unit))
    return http_forbidden(r), 1;
  return 0;
}

int esign_api_workflow_get(request *r)
{
  int64_t id = route_id(r, "id"), unit;
  const char *status;
  if (workflow_access(r, id, "esign.read", &unit, &status))
    return 0;
  return reply_workflow(r, 200, id);
}

int esign_workflow_open(db *d, const struct actor *who, int64_t person, int64_t signature, const char *kind,
                        const char *due, const char *note, int64_t unit, int64_t *id)
{
  int rc = db_run(d,
                  "INSERT INTO esign_workflows (person_id, signature_id, kind, status, due_date, note, opened_at,"
                  " opened_by) VALUES (?, ?, ?, 'open', ?, ?, ?, ?)",
                  "iItttiI", person, signature, kind, due, note ? note : "", now_unix(), who->user_id);
  if (!rc) {
    *id = db_last_id(d);
    json_t *after = json_pack("{sIsIssss*}", "person", (json_int_t)person, "signature", (json_int_t)signature, "kind",
                              kind, "due_date", due);
    rc = audit_row(d, who, "create", "esign.workflow", *id, unit, NULL, after);
    json_decref(after);
  }
  return rc;
}

static const struct jfield wf_fields[] = {
    {"person", JT_INT, false, 0},
    {"signature", JT_INT, false, 0},
    {"kind", JT_STRING, true, 16},
    {"due_date", JT_STRING, false, 10},
    {"note", JT_STRING, false, 2000},
};

int esign_api_workflow_create(request *r)
{
  json_t *in = req_json(r, wf_fields, ARRAY_LEN(wf_fields));
  if (!in)
    return 0;
  db *d = db_thread();
  json_t *errs = json_object();
  int64_t person = jsonx_int(in, "person", 0), sig = jsonx_int(in, "signature", 0), unit = 0, not_after = 0;
  const char *kind = jsonx_str(in, "kind") ? arena_strdup(r->a, jsonx_str(in, "kind")) : NULL, *note = tr_text_clean(r->a, jsonx_str(in, "note") ? jsonx_str(in, "note") : "", 2000, true);
  char due[11] = "";
  if (sig) {
    int64_t sp = 0;
    db_stmt *st = db_q(d, "SELECT person_id, COALESCE(not_after, 0) FROM esign_signatures WHERE id = ?", "i", sig);
    if (db_step(st) == DB_ROW) {
      sp = db_col_int(st, 0);
      not_after = db_col_int(st, 1);
    }
    db_done(st);
    if (!sp || (person && person != sp))
      json_object_set_new(errs, "signature", json_string(_("No such signature for this person.")));
    else
      person = sp;
  }
  if (person_unit(d, person, &unit) != DB_ROW)
    json_object_set_new(errs, "person", json_string(_("No such person.")));
  if (!wf_kind_valid(kind))
    json_object_set_new(errs, "kind", json_string(_("Choose application, renewal or installation.")));
  else if (str_eq(kind, "renewal") && !sig)
    json_object_set_new(errs, "signature", json_string(_("A renewal is for a signature: choose it.")));
  if (jsonx_str(in, "due_date") && tr_date_parse(jsonx_str(in, "due_date"), due))
    json_object_set_new(errs, "due_date", json_string(_("Give a date as YYYY-MM-DD.")));
  if (!note)
    json_object_set_new(errs, "note", json_string(_("The note is not valid text.")));
  json_decref(in);
  if (json_object_size(errs))
    return http_invalid(r, errs);
  json_decref(errs);
  if (!rbac_can(r->user->id, "esign.manage", unit))
    return http_forbidden(r);
  int64_t now = now_unix();
  if (str_eq(kind, "renewal") && not_after > now + (int64_t)ESIGN_RENEWAL_DAYS * ESIGN_DAY) {
    char opens[32];
    fmt_iso8601(not_after - (int64_t)ESIGN_RENEWAL_DAYS * ESIGN_DAY + ESIGN_TZ, opens);
    opens[10] = '\0';
    return http_error(r, 409, "renewal_window",
                      arena_printf(r->a, _("Renewal opens in the last three months of the certificate, on %s."), opens),
                      NULL);
  }
  int64_t one;
  if (db_int(d, &one,
             "SELECT 1 FROM esign_workflows WHERE person_id = ? AND kind = ? AND status = 'open'"
             " AND COALESCE(signature_id, 0) = ?",
             "iti", person, kind, sig) == DB_ROW)
    return http_error(r, 409, "already_open", _("Such a workflow is already open for this person."), NULL);
  struct actor who = audit_actor(r);
  int64_t id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = esign_workflow_open(d, &who, person, sig, kind, due[0] ? due : NULL, note, unit, &id);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_workflow(r, 201, id);
}

static const struct jfield wf_patch_fields[] = {
    {"status", JT_STRING, false, 16},
    {"due_date", JT_STRING, false, 10},
    {"note", JT_STRING, false, 2000},
};

int esign_api_workflow_patch(request *r)
{
  int64_t id = route_id(r, "id"), unit;
  const char *old;
  if (workflow_access(r, id, "esign.manage", &unit, &old))
    return 0;
  json_t *in = req_json(r, wf_patch_fields, ARRAY_LEN(wf_patch_fields));
  if (!in)
    return 0;
  json_t *errs = json_object();
  const char *status = jsonx_str(in, "status"), *note = NULL;
  char due[11] = "";
  if (status && !str_eq(status, "open") && !str_eq(status, "done") && !str_eq(status, "cancelled"))
    json_object_set_new(errs, "status", json_string(_("Choose open, done or cancelled.")));
  if (jsonx_str(in, "due_date") && tr_date_parse(jsonx_str(in, "due_date"), due))
    json_object_set_new(errs, "due_date", json_string(_("Give a date as YYYY-MM-DD.")));
  if (json_object_get(in, "note") && !(note = tr_text_clean(r->a, jsonx_str(in, "note"), 2000, true)))
    json_object_set_new(errs, "note", json_string(_("The note is not valid text.")));
  status = status ? arena_strdup(r->a, status) : old;
  json_decref(in);
  if (json_object_size(errs))
    return http_invalid(r, errs);
  json_decref(errs);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int64_t now = now_unix();
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE esign_workflows SET status = ?, due_date = COALESCE(?, due_date), note = COALESCE(?, note),"
                " closed_at = CASE WHEN ? = 'open' THEN NULL WHEN status = 'open' THEN ? ELSE closed_at END"
                " WHERE id = ?",
                "ttttii", status, due[0] ? due : NULL, note, status, now, id);
  if (!rc) {
    json_t *before = json_pack("{ss}", "status", old), *after = json_pack("{ssss*}", "status", status, "due_date",
                                                                          due[0] ? due : NULL);
    rc = audit_row(d, &who, "update", "esign.workflow", id, unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_workflow(r, 200, id);
}

static const struct jfield step_fields[] = {
    {"step", JT_STRING, true, 200},
    {"date", JT_STRING, false, 10},
    {"note", JT_STRING, false, 2000},
};

int esign_api_workflow_step(request *r)
{
  int64_t id = route_id(r, "id"), unit;
  const char *status;
  if (workflow_access(r, id, "esign.manage", &unit, &status))
    return 0;
  json_t *in = req_json(r, step_fields, ARRAY_LEN(step_fields));
  if (!in)
    return 0;
  json_t *errs = json_object();
  const char *step = tr_text_clean(r->a, jsonx_str(in, "step"), 200, false);
  const char *note = tr_text_clean(r->a, jsonx_str(in, "note") ? jsonx_str(in, "note") : "", 2000, true);
  char day[11];
  int64_t now = now_unix();
  if (!step || !*step)
    json_object_set_new(errs, "step", json_string(_("Name the step (at most 200 characters).")));
  if (!note)
    json_object_set_new(errs, "note", json_string(_("The note is not valid text.")));
  if (jsonx_str(in, "date")) {
    if (tr_date_parse(jsonx_str(in, "date"), day))
      json_object_set_new(errs, "date", json_string(_("Give a date as YYYY-MM-DD.")));
  } else {
    char t[32];
    fmt_iso8601(now + ESIGN_TZ, t);
    memcpy(day, t, 10);
    day[10] = '\0';
  }
  json_decref(in);
  if (json_object_size(errs))
    return http_invalid(r, errs);
  json_decref(errs);
  if (!str_eq(status, "open"))
    return http_error(r, 409, "closed", _("The workflow is closed; reopen it first."), NULL);
  db *d = db_thread();
  struct actor who = audit_actor(r);
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO esign_steps (workflow_id, step, day, note, user_id, actor, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                "itttIti", id, step, day, note, who.user_id, who.name, now);
  if (!rc) {
    json_t *after = json_pack("{ssssss}", "step", step, "date", day, "note", note);
    rc = audit_row(d, &who, "step", "esign.workflow", id, unit, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_workflow(r, 201, id);
}

/* ---- coverage figures ---------------------------------------------------------------- */

/* Active signatures now, those whose certificate ends within the period,
 * and the applications, renewals and installations completed in it. */
json_t *esign_figures(db *d, const struct figure_query *q)
{
  if (!q || !str_eq(q->capability, "esign"))
    return NULL;
  json_t *out = NULL;
  db_stmt *st = db_q(d,
                     "SELECT (SELECT COUNT(*) FROM esign_signatures WHERE status = 'active'"
                     "  AND (not_after IS NULL OR not_after > ?)),"
                     " (SELECT COUNT(*) FROM esign_signatures WHERE status <> 'revoked' AND not_after >= ? AND not_after < ?),"
                     " (SELECT COUNT(*) FROM esign_workflows WHERE kind = 'application' AND status = 'done'"
                     "  AND closed_at >= ? AND closed_at < ?),"
                     " (SELECT COUNT(*) FROM esign_workflows WHERE kind = 'renewal' AND status = 'done'"
                     "  AND closed_at >= ? AND closed_at < ?),"
                     " (SELECT COUNT(*) FROM esign_workflows WHERE kind = 'installation' AND status = 'done'"
                     "  AND closed_at >= ? AND closed_at < ?)",
                     "iiiiiiiii", now_unix(), q->from, q->to, q->from, q->to, q->from, q->to, q->from, q->to);
  if (db_step(st) == DB_ROW)
    out = json_pack("{sIsIsIsIsI}", "active", (json_int_t)db_col_int(st, 0), "expiring", (json_int_t)db_col_int(st, 1),
                    "applications", (json_int_t)db_col_int(st, 2), "renewals", (json_int_t)db_col_int(st, 3),
                    "installations", (json_int_t)db_col_int(st, 4));
  db_done(st);
  return out;
}
