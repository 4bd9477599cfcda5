/* custody.c - custody (zimmet, Taşınır Mal Yönetmeliği md. 10/1-b, 10/1-ç,
 * 23): an asset issued to a person with a Taşınır Teslim Belgesi (numbered
 * from 1 each year), or placed in a shared space on the space's
 * Dayanıklı Taşınırlar Listesi signed by its officer; the return is the
 * belge's "geri alındı" part. A person's holdings are what the handover
 * (ilişik kesme) work checks. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/pdf.h"
#include "../core/rbac.h"
#include "../core/schema.h"
#include "../core/sheet.h"
#include "../core/tr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NOTE_MAX = 2000, SPACE_MAX = 200, PDF_MAX_BYTES = 16 * 1024 * 1024 };

#define CUSTODY_COLS                                                                                                   \
  "c.id, c.asset_id, c.person_id, p.name, pu.name, pos.title, c.space, c.officer_id, o.name, opos.title,"              \
  " c.belge_year, c.belge_no, c.issued_on, c.issued_at, c.issuer, c.note, c.returned_at, c.returned_by,"               \
  " c.return_note"
#define CUSTODY_FROM                                                                                                   \
  " FROM custody c LEFT JOIN org_people p ON p.id = c.person_id LEFT JOIN units pu ON pu.id = p.unit_id"               \
  " LEFT JOIN org_positions pos ON pos.id = p.position_id LEFT JOIN org_people o ON o.id = c.officer_id"               \
  " LEFT JOIN org_positions opos ON opos.id = o.position_id"

static json_t *time_json(int64_t t)
{
  if (!t)
    return json_null();
  char ts[32];
  fmt_iso8601(t, ts);
  return json_string(ts);
}

static json_t *custody_row(db *d, db_stmt *st, bool with_asset)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  json_object_set_new(o, "asset_id", json_integer(db_col_int(st, 1)));
  if (!db_col_null(st, 2))
    json_object_set_new(o, "person",
                        json_pack("{sIss?ss?ss?}", "id", (json_int_t)db_col_int(st, 2), "name", db_col_text(st, 3),
                                  "unit", db_col_text(st, 4), "position", db_col_text(st, 5)));
  else
    json_object_set_new(o, "person", json_null());
  jsonx_set_str(o, "space", db_col_text(st, 6));
  if (!db_col_null(st, 7))
    json_object_set_new(o, "officer",
                        json_pack("{sIss?ss?}", "id", (json_int_t)db_col_int(st, 7), "name", db_col_text(st, 8),
                                  "position", db_col_text(st, 9)));
  else
    json_object_set_new(o, "officer", json_null());
  if (!db_col_null(st, 11)) {
    char no[48];
    snprintf(no, sizeof no, "%lld/%lld", (long long)db_col_int(st, 10), (long long)db_col_int(st, 11));
    jsonx_set_str(o, "belge_no", no);
  } else {
    json_object_set_new(o, "belge_no", json_null());
  }
  jsonx_set_str(o, "issued_on", db_col_text(st, 12));
  json_object_set_new(o, "issued_at", time_json(db_col_int(st, 13)));
  jsonx_set_str(o, "issuer", db_col_text(st, 14));
  jsonx_set_str(o, "note", db_col_text(st, 15));
  json_object_set_new(o, "returned_at", time_json(db_col_int(st, 16)));
  jsonx_set_str(o, "returned_by", db_col_text(st, 17));
  jsonx_set_str(o, "return_note", db_col_text(st, 18));
  json_object_set_new(o, "open", json_boolean(db_col_null(st, 16)));
  char url[64];
  snprintf(url, sizeof url, "/api/v1/custody/%lld/document.pdf", (long long)db_col_int(st, 0));
  jsonx_set_str(o, "document", db_col_null(st, 2) ? NULL : url);
  if (with_asset) {
    json_t *a = assets_lookup(d, db_col_int(st, 1));
    json_object_set_new(o, "asset", a ? a : json_null());
  }
  return o;
}

json_t *assets_custody_of(db *d, int64_t asset)
{
  db_stmt *st =
      db_q(d, "SELECT " CUSTODY_COLS CUSTODY_FROM " WHERE c.asset_id = ? AND c.returned_at IS NULL", "i", asset);
  json_t *o = st && db_step(st) == DB_ROW ? custody_row(d, st, false) : NULL;
  db_done(st);
  return o;
}

json_t *assets_custody_open(db *d, int64_t person_id)
{
  db_stmt *st = db_q(d,
                     "SELECT c.id, c.belge_year, c.belge_no, c.issued_at, c.asset_id FROM custody c"
                     " WHERE c.person_id = ? AND c.returned_at IS NULL ORDER BY c.id LIMIT 10000",
                     "i", person_id);
  if (!st)
    return NULL;
  json_t *items = json_array();
  while (db_step(st) == DB_ROW) {
    char no[48], doc[64];
    snprintf(no, sizeof no, "%lld/%lld", (long long)db_col_int(st, 1), (long long)db_col_int(st, 2));
    snprintf(doc, sizeof doc, "/api/v1/custody/%lld/document.pdf", (long long)db_col_int(st, 0));
    json_array_append_new(items, json_pack("{sIsssssosI}", "custody_id", (json_int_t)db_col_int(st, 0), "belge_no", no,
                                           "document", doc, "issued_at", time_json(db_col_int(st, 3)), "asset",
                                           (json_int_t)db_col_int(st, 4)));
  }
  db_done(st);
  /* The briefs after the statement is done: db_q's cache hands out one
   * statement per SQL text. */
  size_t i;
  json_t *c;
  json_array_foreach(items, i, c)
  {
    json_t *a = assets_lookup(d, json_integer_value(json_object_get(c, "asset")));
    json_object_set_new(c, "asset", a ? a : json_null());
  }
  return items;
}

int64_t assets_custody_count(db *d, int64_t person_id)
{
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM custody WHERE person_id = ? AND returned_at IS NULL", "i", person_id) < 0)
    return -1;
  return n;
}

int assets_custody_record_return(db *d, const struct actor *who, int64_t cid, const char *note)
{
  int64_t asset = 0;
  int rc = db_int(d, &asset, "SELECT asset_id FROM custody WHERE id = ? AND returned_at IS NULL", "i", cid);
  if (rc != DB_ROW)
    return rc < 0 ? -1 : 1;
  json_t *before = assets_custody_of(d, asset);
  json_t *p = json_object_get(before, "person");
  const char *holder = json_is_object(p) ? jsonx_str(p, "name") : jsonx_str(before, "space");
  int64_t unit = assets_unit_of(d, asset);
  rc = db_run(d, "UPDATE custody SET returned_at = ?, returned_by = ?, return_note = ? WHERE id = ?", "itti",
              now_unix(), who->name ? who->name : "system", note, cid);
  if (!rc)
    rc = db_run(d, "UPDATE assets SET status = 'depoda', updated_at = ? WHERE id = ? AND status = 'kullanimda'", "ii",
                now_unix(), asset);
  if (!rc)
    rc = assets_event(d, asset, who, "returned", holder, NULL, note, false);
  if (!rc) {
    json_t *after = json_pack("{sIsb}", "custody_id", (json_int_t)cid, "open", 0);
    rc = assets_audit(d, who, "custody.return", asset, unit, before, after);
    json_decref(after);
  }
  json_decref(before);
  return rc ? -1 : 0;
}

int assets_custody_return(db *d, const struct actor *who, int64_t custody_id, const char *note)
{
  if (db_begin(d))
    return -1;
  int rc = assets_custody_record_return(d, who, custody_id, note);
  if (!rc && db_commit(d))
    rc = -1;
  if (rc)
    db_rollback(d);
  return rc;
}

/* ---- issue ------------------------------------------------------------------------ */

static const struct jfield issue_fields[] = {
    {"person", JT_INT, false, 0},   {"space", JT_STRING, false, SPACE_MAX}, {"officer", JT_INT, false, 0},
    {"date", JT_STRING, false, 10}, {"note", JT_STRING, false, NOTE_MAX},
};

static bool person_active(db *d, int64_t id)
{
  int64_t one = 0;
  return id > 0 && db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ? AND active = 1", "i", id) == DB_ROW;
}

int assets_custody_record_issue(db *d, const struct actor *who, int64_t issued_by, const char *issuer, int64_t id,
                                int64_t person, const char *space, int64_t officer, const char *date,
                                const char *note, const char *from_status, json_t **after_out)
{
  *after_out = NULL;
  int64_t unit = assets_unit_of(d, id);
  int64_t year = atoi(date), no = 0;
  int rc = 0;
  if (person &&
      db_int(d, &no, "SELECT COALESCE(MAX(belge_no), 0) + 1 FROM custody WHERE belge_year = ?", "i", year) != DB_ROW)
    rc = -1;
  if (!rc)
    rc = db_run(d,
                "INSERT INTO custody (asset_id, person_id, space, officer_id, belge_year, belge_no, issued_on,"
                " issued_at, issued_by, issuer, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "iItIIItiItt", id, person, space, officer, person ? year : 0, no, date, now_unix(), issued_by, issuer,
                note);
  if (!rc && !str_eq(from_status, "kullanimda"))
    rc = db_run(d, "UPDATE assets SET status = 'kullanimda', updated_at = ? WHERE id = ?", "ii", now_unix(), id);
  json_t *after = rc ? NULL : assets_custody_of(d, id);
  if (!rc) {
    json_t *p = json_object_get(after, "person");
    const char *holder = json_is_object(p) ? jsonx_str(p, "name") : space;
    rc = assets_event(d, id, who, "custody", NULL, holder, note, false);
  }
  if (!rc)
    rc = assets_audit(d, who, "custody.issue", id, unit, NULL, after);
  if (rc) {
    json_decref(after);
    return rc;
  }
  *after_out = after;
  return 0;
}

int assets_api_custody_issue(request *r)
{
  db *d = db_thread();
  int64_t id, unit;
  if (parse_i64(req_param(r, "id"), &id) || id <= 0 || !(unit = assets_unit_of(d, id)) || !assets_can_read(r, unit))
    return assets_not_found(r);
  if (!rbac_can(r->user->id, "custody.manage", unit))
    return assets_forbidden(r);
  json_t *body = req_json(r, issue_fields, ARRAY_LEN(issue_fields));
  if (!body)
    return 0;
  json_t *fields = json_object();
  int64_t person = jsonx_int(body, "person", 0), officer = jsonx_int(body, "officer", 0);
  const char *space = NULL, *note = NULL, *v;
  char date[11];
  assets_today(date);
  if ((v = jsonx_str(body, "space")) && !(space = assets_text(r->a, v, SPACE_MAX)))
    json_object_set_new(fields, "space", json_string(_("The text is too long or contains invalid characters.")));
  if ((v = jsonx_str(body, "note")) && !(note = assets_text(r->a, v, NOTE_MAX)))
    json_object_set_new(fields, "note", json_string(_("The text is too long or contains invalid characters.")));
  if ((v = jsonx_str(body, "date")) && tr_date_parse(v, date))
    json_object_set_new(fields, "date", json_string(_("Write the date as YYYY-MM-DD.")));
  if (space && !*space)
    space = NULL;
  if (!person == !space)
    json_object_set_new(fields, "person", json_string(_("Name either a person or a shared space.")));
  else if (person && !person_active(d, person))
    json_object_set_new(fields, "person", json_string(_("Unknown person.")));
  if (space && !person_active(d, officer))
    json_object_set_new(fields, "officer", json_string(_("Name the space's officer, who signs its list.")));
  if (person && json_object_get(body, "officer"))
    json_object_set_new(fields, "officer", json_string(_("An officer is named for shared spaces only.")));
  json_decref(body);
  if (json_object_size(fields))
    return assets_invalid(r, fields);
  json_decref(fields);
  json_t *rec = assets_record(d, id);
  if (!rec)
    return -1;
  bool scrapped = str_eq(jsonx_str(rec, "status"), "hurda");
  bool unnumbered = !jsonx_str(rec, "sicil_no");
  const char *from_status = arena_strdup(r->a, jsonx_str(rec, "status"));
  json_decref(rec);
  if (scrapped)
    return assets_conflict(r, "scrapped", _("A scrapped asset does not change any more."));
  if (unnumbered)
    return assets_conflict(r, "unnumbered", _("Give the asset its taşınır kodu first; it has no sicil no yet."));
  struct actor who = audit_actor(r);
  if (db_begin(d))
    return -1;
  json_t *after = NULL;
  const char *issuer = r->user->display_name ? r->user->display_name : r->user->username;
  int rc = assets_custody_record_issue(d, &who, r->user->id, issuer, id, person, space, officer, date, note,
                                       from_status, &after);
  if (!rc)
    rc = db_commit(d);
  if (rc) {
    db_rollback(d);
    json_decref(after);
    if (rc == DB_CONSTRAINT)
      return assets_conflict(r, "in_custody", _("The asset is in someone's custody; record its return first."));
    return -1;
  }
  return http_json(r, 201, after);
}

static const struct jfield return_fields[] = {{"note", JT_STRING, false, NOTE_MAX}};

int assets_api_custody_return(request *r)
{
  db *d = db_thread();
  int64_t cid, asset = 0;
  if (parse_i64(req_param(r, "cid"), &cid) || cid <= 0 ||
      db_int(d, &asset, "SELECT asset_id FROM custody WHERE id = ?", "i", cid) != DB_ROW)
    return assets_not_found(r);
  int64_t unit = assets_unit_of(d, asset);
  if (!assets_can_read(r, unit))
    return assets_not_found(r);
  if (!rbac_can(r->user->id, "custody.manage", unit))
    return assets_forbidden(r);
  json_t *body = req_json(r, return_fields, ARRAY_LEN(return_fields));
  if (!body)
    return 0;
  const char *note = NULL, *v = jsonx_str(body, "note");
  bool bad_note = v && !(note = assets_text(r->a, v, NOTE_MAX));
  json_decref(body);
  if (bad_note)
    return assets_invalid(r, json_pack("{ss}", "note", _("The text is too long or contains invalid characters.")));
  struct actor who = audit_actor(r);
  int rc = assets_custody_return(d, &who, cid, note);
  if (rc == 1)
    return assets_conflict(r, "returned", _("This custody was returned already."));
  if (rc)
    return -1;
  db_stmt *st = db_q(d, "SELECT " CUSTODY_COLS CUSTODY_FROM " WHERE c.id = ?", "i", cid);
  json_t *o = st && db_step(st) == DB_ROW ? custody_row(d, st, false) : NULL;
  db_done(st);
  if (!o)
    return -1;
  return http_json(r, 200, o);
}

/* ---- lists ----------------------------------------------------------------------- */

static int list_reply(request *r, int64_t person, const char *space, bool open_only)
{
  int64_t limit, cursor;
  if (req_paging(r, 100, 500, &limit, &cursor))
    return 0;
  /* ?format=csv|xlsx: every matching row as a file (export.c) */
  const char *format = req_query(r, "format");
  if (format && !sheet_format_ok(format))
    return assets_invalid(r, json_pack("{ss}", "format", _("Use csv or xlsx.")));
  if (format)
    limit = SHEET_EXPORT_MAX + 1, cursor = 0;
  db *d = db_thread();
  db_stmt *st =
      db_q(d,
           "SELECT " CUSTODY_COLS CUSTODY_FROM " WHERE (? = 0 OR c.person_id = ?) AND (? IS NULL OR c.space = ?)"
           " AND (? = 0 OR c.returned_at IS NULL) AND (? = 0 OR c.id < ?) ORDER BY c.id DESC LIMIT ?",
           "iittiiii", person, person, space, space, (int64_t)open_only, cursor, cursor, limit + 1);
  if (!st)
    return -1;
  /* Rows first, then each asset's brief (one cached statement at a time). */
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  bool more = false;
  while (db_step(st) == DB_ROW) {
    if (n == limit) {
      more = true;
      break;
    }
    last = db_col_int(st, 0);
    json_array_append_new(items, custody_row(d, st, false));
    n++;
  }
  db_done(st);
  size_t i;
  json_t *c;
  json_array_foreach(items, i, c)
  {
    json_t *a = assets_lookup(d, jsonx_int(c, "asset_id", 0));
    json_object_set_new(c, "asset", a ? a : json_null());
  }
  if (format) {
    int rc = assets_export_custody(r, format, items);
    json_decref(items);
    return rc;
  }
  return http_json_page(r, items, more, last);
}

int assets_api_custody_list(request *r)
{
  int64_t person = 0;
  const char *v, *space = req_query(r, "space");
  if ((v = req_query(r, "person")) && *v && (parse_i64(v, &person) || person <= 0))
    return assets_invalid(r, json_pack("{ss}", "person", _("Unknown person.")));
  if (space && (!*space || strlen(space) > SPACE_MAX))
    return assets_invalid(r, json_pack("{ss}", "space", _("Unknown space.")));
  return list_reply(r, person, space, str_eq(req_query(r, "open"), "1"));
}

/* The person record of the signed-in user (0 when none). */
static int64_t my_person(request *r)
{
  int64_t id = 0;
  if (db_int(db_thread(), &id, "SELECT id FROM org_people WHERE user_id = ?", "i", r->user->id) != DB_ROW)
    return 0;
  return id;
}

int assets_api_custody_mine(request *r)
{
  int64_t me = my_person(r);
  if (!me)
    return http_json_page(r, json_array(), false, 0);
  return list_reply(r, me, NULL, true);
}

/* ---- documents --------------------------------------------------------------------- */

static const char *or_dash(const char *s)
{
  return s && *s ? s : "-";
}

static const char *tr_date(arena *a, const char *iso)
{
  if (!iso || strlen(iso) < 10)
    return "-";
  return arena_printf(a, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

static int send_pdf(request *r, pdf_doc *doc, const char *filename)
{
  buf out;
  buf_init(&out, PDF_MAX_BYTES);
  int rc = pdf_render(doc, &out);
  if (!rc) {
    http_header(r, "Content-Disposition", arena_printf(r->a, "inline; filename=\"%s\"", filename));
    http_text(r, 200, "application/pdf", out.data ? out.data : "", out.len);
  }
  buf_free(&out);
  return rc ? -1 : 0;
}

/* The Taşınır Teslim Belgesi: harcama birimi, belge no and date, the item
 * (sıra no, taşınır kodu, sicil no, name, brand/model, serial, quantity),
 * the deliverer and the recipient with their signatures, and the "geri
 * alındı" part, filled in once the item came back. */
int assets_api_custody_pdf(request *r)
{
  db *d = db_thread();
  int64_t cid;
  if (parse_i64(req_param(r, "cid"), &cid) || cid <= 0)
    return assets_not_found(r);
  db_stmt *st = db_q(d, "SELECT " CUSTODY_COLS CUSTODY_FROM " WHERE c.id = ? AND c.person_id IS NOT NULL", "i", cid);
  json_t *c = st && db_step(st) == DB_ROW ? custody_row(d, st, false) : NULL;
  db_done(st);
  if (!c)
    return assets_not_found(r);
  int64_t asset = jsonx_int(c, "asset_id", 0), unit = assets_unit_of(d, asset);
  json_t *person = json_object_get(c, "person");
  int64_t holder_user = 0;
  if (db_int(d, &holder_user, "SELECT COALESCE(user_id, 0) FROM org_people WHERE id = ?", "i",
             jsonx_int(person, "id", 0)) < 0)
    holder_user = 0;
  if (!assets_can_read(r, unit) && holder_user != r->user->id) {
    json_decref(c);
    return assets_not_found(r);
  }
  json_t *a = assets_record(d, asset);
  if (!a) {
    json_decref(c);
    return -1;
  }
  arena *m = r->a;
  const char *institution = settings_get(d, m, "institution");
  const char *department = settings_get(d, m, "department");
  const char *title = _("Taşınır Teslim Belgesi");
  pdf_doc *doc = pdf_new(m, title, arena_printf(m, "defter · %s %s", title, jsonx_str(c, "belge_no")));
  pdf_text(doc, PDF_TITLE, title, 4);
  pdf_text(doc, PDF_BOLD,
           arena_printf(m, "%s%s%s", or_dash(institution), department ? " · " : "", department ? department : ""), 2);
  pdf_text(doc, PDF_BODY,
           arena_printf(m, "%s: %s · %s: %s", _("Spending unit (harcama birimi)"),
                        or_dash(jsonx_str(json_object_get(a, "unit"), "name")), _("Unit code"),
                        or_dash(jsonx_str(json_object_get(a, "unit"), "code"))),
           2);
  pdf_text(doc, PDF_BODY,
           arena_printf(m, "%s: %s · %s: %s", _("Document no"), jsonx_str(c, "belge_no"), _("Document date"),
                        tr_date(m, jsonx_str(c, "issued_on"))),
           10);
  static const double w[] = {0.06, 0.14, 0.17, 0.2, 0.17, 0.14, 0.12};
  const char **head = arena_alloc(m, 7 * sizeof *head);
  head[0] = _("No");
  head[1] = _("Taşınır kodu");
  head[2] = _("Sicil no");
  head[3] = _("Item name");
  head[4] = _("Brand / model");
  head[5] = _("Serial no");
  head[6] = _("Quantity");
  pdf_table(doc, 7, w, head);
  const char **row = arena_alloc(m, 7 * sizeof *row);
  row[0] = "1";
  row[1] = or_dash(jsonx_str(a, "code"));
  row[2] = or_dash(jsonx_str(a, "sicil_no"));
  row[3] = or_dash(jsonx_str(a, "name"));
  row[4] = arena_printf(m, "%s %s", jsonx_str(a, "brand") ? jsonx_str(a, "brand") : "",
                        jsonx_str(a, "model") ? jsonx_str(a, "model") : "");
  row[5] = or_dash(jsonx_str(a, "serial"));
  row[6] = _("1 piece");
  pdf_row(doc, row, false);
  pdf_text(doc, PDF_BODY, " ", 10);
  pdf_text(doc, PDF_SMALL,
           _("The item above was delivered in working order. The recipient may not pass it on to anyone and returns it "
             "before leaving the post (Taşınır Mal Yönetmeliği md. 23)."),
           10);
  static const double w2[] = {0.5, 0.5};
  const char **h2 = arena_alloc(m, 2 * sizeof *h2);
  h2[0] = _("Delivered by");
  h2[1] = _("Received by");
  pdf_table(doc, 2, w2, h2);
  const char **r2 = arena_alloc(m, 2 * sizeof *r2);
  const char *issuer_title = NULL;
  st = db_q(d,
            "SELECT pos.title FROM custody c JOIN org_people p ON p.user_id = c.issued_by"
            " JOIN org_positions pos ON pos.id = p.position_id WHERE c.id = ?",
            "i", cid);
  if (st && db_step(st) == DB_ROW)
    issuer_title = arena_strdup(m, db_col_text(st, 0));
  db_done(st);
  r2[0] = arena_printf(m, "%s: %s\n%s: %s\n%s:\n\n", _("Name"), or_dash(jsonx_str(c, "issuer")), _("Job title"),
                       or_dash(issuer_title), _("Signature"));
  r2[1] = arena_printf(m, "%s: %s\n%s: %s\n%s: %s\n%s:\n\n", _("Name"), or_dash(jsonx_str(person, "name")),
                       _("Job title"), or_dash(jsonx_str(person, "position")), _("Unit"),
                       or_dash(jsonx_str(person, "unit")), _("Signature"));
  pdf_row(doc, r2, false);
  pdf_text(doc, PDF_BODY, " ", 14);
  pdf_text(doc, PDF_BOLD, _("Returned (geri alındı)"), 4);
  const char *ret = jsonx_str(c, "returned_at");
  if (ret) {
    pdf_text(doc, PDF_BODY,
             arena_printf(m, "%s: %s · %s: %s%s%s", _("Return date"), tr_date(m, ret), _("Taken back by"),
                          or_dash(jsonx_str(c, "returned_by")), jsonx_str(c, "return_note") ? " · " : "",
                          jsonx_str(c, "return_note") ? jsonx_str(c, "return_note") : ""),
             4);
  } else {
    pdf_text(doc, PDF_BODY,
             arena_printf(m, "%s: ........................ · %s: ........................", _("Return date"),
                          _("Taken back by")),
             4);
  }
  pdf_text(doc, PDF_BODY, arena_printf(m, "%s:", _("Signature")), 4);
  const char *file = arena_printf(m, "teslim-belgesi-%s.pdf", jsonx_str(c, "belge_no"));
  for (char *p = (char *)file; *p; p++)
    if (*p == '/')
      *p = '-';
  int rc = send_pdf(r, doc, file);
  json_decref(a);
  json_decref(c);
  return rc;
}

/* The Dayanıklı Taşınırlar Listesi of a shared space: what is placed there
 * now, signed by the space's officer. */
int assets_api_space_pdf(request *r)
{
  db *d = db_thread();
  const char *space = req_query(r, "space");
  if (!space || !*space || strlen(space) > SPACE_MAX)
    return assets_invalid(r, json_pack("{ss}", "space", _("Unknown space.")));
  arena *m = r->a;
  const char *title = _("Dayanıklı Taşınırlar Listesi");
  pdf_doc *doc = pdf_new(m, title, arena_printf(m, "defter · %s", title));
  pdf_text(doc, PDF_TITLE, title, 4);
  const char *institution = settings_get(d, m, "institution");
  pdf_text(doc, PDF_BOLD, or_dash(institution), 2);
  char today[11];
  assets_today(today);
  pdf_text(doc, PDF_BODY, arena_printf(m, "%s: %s · %s: %s", _("Space"), space, _("Date"), tr_date(m, today)), 10);
  static const double w[] = {0.06, 0.16, 0.2, 0.28, 0.3};
  const char **head = arena_alloc(m, 5 * sizeof *head);
  head[0] = _("No");
  head[1] = _("Taşınır kodu");
  head[2] = _("Sicil no");
  head[3] = _("Item name");
  head[4] = _("Brand / model");
  pdf_table(doc, 5, w, head);
  db_stmt *st =
      db_q(d,
           "SELECT a.code, a.sicil_no, a.name, COALESCE(a.brand, '') || ' ' || COALESCE(a.model, ''),"
           " o.name, pos.title, a.unit_id FROM custody c JOIN assets a ON a.id = c.asset_id"
           " LEFT JOIN org_people o ON o.id = c.officer_id LEFT JOIN org_positions pos ON pos.id = o.position_id"
           " WHERE c.space = ? AND c.returned_at IS NULL ORDER BY a.sicil_no LIMIT 5000",
           "t", space);
  if (!st)
    return -1;
  int n = 0;
  const char *officer = NULL, *officer_title = NULL;
  while (db_step(st) == DB_ROW) {
    if (!assets_can_read(r, db_col_int(st, 6)))
      continue;
    const char **row = arena_alloc(m, 5 * sizeof *row);
    row[0] = arena_printf(m, "%d", ++n);
    row[1] = arena_strdup(m, or_dash(db_col_text(st, 0)));
    row[2] = arena_strdup(m, or_dash(db_col_text(st, 1)));
    row[3] = arena_strdup(m, or_dash(db_col_text(st, 2)));
    row[4] = arena_strdup(m, db_col_text(st, 3));
    if (!officer && db_col_text(st, 4)) {
      officer = arena_strdup(m, db_col_text(st, 4));
      officer_title = arena_strdup(m, or_dash(db_col_text(st, 5)));
    }
    pdf_row(doc, row, false);
  }
  db_done(st);
  if (!n)
    return assets_not_found(r);
  pdf_text(doc, PDF_BODY, " ", 14);
  pdf_text(doc, PDF_BOLD, _("Space officer"), 4);
  pdf_text(doc, PDF_BODY,
           arena_printf(m, "%s: %s · %s: %s · %s:", _("Name"), or_dash(officer), _("Job title"), or_dash(officer_title),
                        _("Signature")),
           4);
  return send_pdf(r, doc, "dayanikli-tasinirlar-listesi.pdf");
}
