/* import.c - people from a spreadsheet: a CSV file with the header
 * ad_soyad;tckn;birim;kadro;istihdam;telefon;eposta;baslangic;bitis.
 * Every row is checked like a single new person; the file is imported in
 * one transaction only when no row has a problem, otherwise nothing is
 * written and every problem is listed (row as a spreadsheet numbers it,
 * column, reason). ?dry_run=1 only checks. Reasons never quote the T.C.
 * number itself. */
#include "org.h"
#include "org_int.h"
#include "../core/csv.h"
#include "../core/tr.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <stdio.h>
#include <string.h>

enum { IMPORT_MAX_ROWS = 5000, NCOLS = 9 };

/* CSV column, the person field it fills, whether it must be present. */
static const struct {
  const char *column, *field;
  bool required;
} cols[NCOLS] = {
    {"ad_soyad", "name", true},       {"tckn", "tckn", true},
    {"birim", "unit", true},          {"kadro", "position", false},
    {"istihdam", "employment", true}, {"telefon", "phone", false},
    {"eposta", "email", false},       {"baslangic", "start_date", false},
    {"bitis", "end_date", false},
};

static void add_error(json_t *errors, size_t row, const char *column, const char *reason)
{
  json_array_append_new(errors, json_pack("{sIsoss}", "row", (json_int_t)row, "column",
                                          column ? json_string(column) : json_null(), "reason", reason));
}

/* A header cell reduced for comparison: ASCII fold without spaces, '_',
 * '-' and '.', so "Ad Soyad", "E-posta" and "Başlangıç" are recognised. */
static int header_column(const char *cell)
{
  char f[256], k[256];
  size_t o = 0;
  if (tr_fold(cell, true, f, sizeof f))
    return -1;
  for (const char *p = f; *p && o + 1 < sizeof k; p++)
    if (*p != ' ' && *p != '_' && *p != '-' && *p != '.')
      k[o++] = *p;
  k[o] = 0;
  if (str_eq(k, "tckimlikno") || str_eq(k, "kimlikno"))
    return 1;
  for (int i = 0; i < NCOLS; i++) {
    char c[32];
    size_t n = 0;
    for (const char *p = cols[i].column; *p; p++)
      if (*p != '_')
        c[n++] = *p;
    c[n] = 0;
    if (str_eq(k, c))
      return i;
  }
  return -1;
}

/* Maps header positions to columns; returns the number of problems. */
static int read_header(const struct csv_row *h, int map[CSV_MAX_FIELDS], json_t *errors)
{
  int bad = 0, seen[NCOLS] = {0};
  if (h->bad) {
    add_error(errors, h->record, NULL, _(h->bad));
    return 1;
  }
  if (h->nfields > CSV_MAX_FIELDS) {
    add_error(errors, h->record, NULL, _("The header row has too many columns."));
    return 1;
  }
  for (size_t i = 0; i < h->nfields; i++) {
    int c = header_column(h->fields[i]);
    map[i] = c;
    if (c < 0) {
      add_error(errors, h->record, h->fields[i], _("Unknown column."));
      bad++;
    } else if (seen[c]++) {
      add_error(errors, h->record, cols[c].column, _("The column appears twice."));
      bad++;
    }
  }
  for (int c = 0; c < NCOLS; c++) {
    if (cols[c].required && !seen[c]) {
      add_error(errors, h->record, cols[c].column, _("This column is missing."));
      bad++;
    }
  }
  return bad;
}

static const char *column_of(const char *field)
{
  for (int i = 0; i < NCOLS; i++)
    if (str_eq(cols[i].field, field))
      return cols[i].column;
  return field;
}

struct checked {
  struct org_person p;
  size_t row;
};

/* Checks every data row; the good ones land in people (arena). */
static void check_rows(request *r, const struct csv *csv, const int *map, json_t *errors, struct checked *people,
                       size_t *npeople)
{
  struct checked *seen = arena_alloc(r->a, csv->nrows * sizeof *seen);
  size_t nseen_v = 0, *nseen = &nseen_v;
  *npeople = 0;
  size_t header_fields = csv->rows[0].nfields;
  for (size_t i = 1; i < csv->nrows; i++) {
    const struct csv_row *row = &csv->rows[i];
    if (row->bad) {
      add_error(errors, row->record, NULL, _(row->bad));
      continue;
    }
    if (row->nfields != header_fields) {
      add_error(errors, row->record, NULL,
                arena_printf(r->a, _("Expected %zu fields as in the header, found %zu."), header_fields, row->nfields));
      continue;
    }
    const char *v[NCOLS] = {0};
    for (size_t f = 0; f < row->nfields; f++)
      v[map[f]] = row->fields[f];
    struct org_person_in in = {
        .name = v[0],
        .tckn = v[1],
        .unit = v[2],
        .position = v[3],
        .employment = v[4],
        .phone = v[5],
        .email = v[6],
        .start_date = v[7],
        .end_date = v[8],
        .user_id = 0,
        .active = -1,
    };
    json_t *fe = json_object();
    struct org_person p;
    int st = org_person_check(r, 0, &in, &p, fe);
    const char *k;
    json_t *m;
    json_object_foreach(fe, k, m) {
      add_error(errors, row->record, column_of(k), json_string_value(m));
    }
    json_decref(fe);
    bool ok = st == 0;
    if (p.unit_id && !org_people_may_manage(r, p.unit_id)) {
      add_error(errors, row->record, "birim", _("You may not manage people of this unit."));
      ok = false;
    }
    if (p.tckn) {
      for (size_t j = 0; j < *nseen; j++) {
        if (str_eq(seen[j].p.tckn, p.tckn)) {
          add_error(errors, row->record, "tckn",
                    arena_printf(r->a, _("The same T.C. identity number is on row %zu."), seen[j].row));
          ok = false;
          break;
        }
      }
      seen[*nseen].p.tckn = p.tckn;
      seen[(*nseen)++].row = row->record;
    }
    if (ok) {
      people[*npeople].p = p;
      people[(*npeople)++].row = row->record;
    }
  }
}

/* Checks and, unless dry_run, imports. *result gets {"rows", "errors",
 * "imported"}. Returns 0 when the file is clean, 400 when it has
 * problems, -1 on a store error. */
static int import_csv(request *r, const char *data, size_t len, bool dry_run, json_t **result)
{
  db *d = db_thread();
  json_t *errors = json_array();
  struct csv csv;
  const char *perr;
  size_t prow;
  size_t rows = 0, imported = 0;
  int status = 0;
  bool in_tx = false;
  if (csv_parse(r->a, data, len, IMPORT_MAX_ROWS + 1, &csv, &perr, &prow)) {
    rows = csv.nrows > 1 ? csv.nrows - 1 : 0;
    add_error(errors, prow, NULL, _(perr));
    status = 400;
    goto out;
  }
  rows = csv.nrows - 1;
  int map[CSV_MAX_FIELDS];
  if (read_header(&csv.rows[0], map, errors)) {
    status = 400;
    goto out;
  }
  if (rows == 0) {
    add_error(errors, 2, NULL, _("The file has no data rows."));
    status = 400;
    goto out;
  }
  /* Check inside the write transaction, so that what was checked is what
   * gets written. */
  if (!dry_run) {
    if (db_begin(d)) {
      status = -1;
      goto out;
    }
    in_tx = true;
  }
  struct checked *people = arena_alloc(r->a, csv.nrows * sizeof *people);
  size_t n = 0;
  check_rows(r, &csv, map, errors, people, &n);
  if (json_array_size(errors)) {
    status = 400;
    goto out;
  }
  if (dry_run)
    goto out;
  struct actor who = audit_actor(r);
  for (size_t i = 0; i < n; i++) {
    int64_t id;
    if (org_person_insert(d, &who, &people[i].p, &id)) {
      status = -1;
      goto out;
    }
  }
  json_t *after = json_pack("{sIsI}", "rows", (json_int_t)rows, "imported", (json_int_t)n);
  int rc = audit_write(d, &who, "import", "person", NULL, 0, NULL, after);
  json_decref(after);
  if (rc || db_commit(d)) {
    status = -1;
    goto out;
  }
  in_tx = false;
  imported = n;
out:
  if (in_tx)
    db_rollback(d);
  if (status < 0) {
    json_decref(errors);
    *result = NULL;
    return -1;
  }
  *result = json_pack("{sIsosI}", "rows", (json_int_t)rows, "errors", errors, "imported", (json_int_t)imported);
  return json_array_size(errors) ? 400 : 0;
}

static int dry_run_flag(const char *s, bool *out)
{
  *out = false;
  if (!s || !*s || str_eq(s, "0") || str_eq(s, "false"))
    return 0;
  if (str_eq(s, "1") || str_eq(s, "true")) {
    *out = true;
    return 0;
  }
  return -1;
}

int org_api_people_import(request *r)
{
  bool dry;
  if (dry_run_flag(req_query(r, "dry_run"), &dry))
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "dry_run", _("Use 1 or 0.")));
  json_t *res = NULL;
  int st = import_csv(r, r->body.data, r->body.len, dry, &res);
  if (st < 0)
    return -1;
  if (st && !dry) {
    json_t *e =
        json_pack("{ssss}", "code", "validation", "message", _("Nothing was imported: some rows have problems."));
    json_object_set_new(res, "error", e);
    return http_json(r, 400, res);
  }
  log_info("people import", "user=%s rows=%lld imported=%lld dry_run=%d", r->user->username,
           (long long)jsonx_int(res, "rows", 0), (long long)jsonx_int(res, "imported", 0), dry);
  return http_json(r, 200, res);
}

int org_people_import_form(request *r)
{
  const char *text = req_form(r, "csv");
  bool dry = req_form(r, "dry_run") != NULL;
  json_t *res = NULL;
  int st = import_csv(r, text ? text : "", text ? strlen(text) : 0, dry, &res);
  if (st < 0)
    return -1;
  const char *msg = st    ? (dry ? _("Some rows have problems.") : _("Nothing was imported: some rows have problems."))
                    : dry ? _("Every row is valid; nothing was imported yet (dry run).")
                          : _("The people were imported.");
  org_people_render(r, st ? 400 : 200, msg, NULL, res);
  json_decref(res);
  return 0;
}
