/* people.c - the people register of the department: who works in which
 * unit, in which position and under which kind of employment. API and
 * pages. The T.C. Kimlik No is personal data (KVKK): lists and pages show
 * it masked; only the person's API record shows it in full, and only to
 * holders of people.tckn (admin, yonetici); it never goes to the log. */
#include "org.h"
#include "org_int.h"
#include "../core/tr.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/rbac.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

enum { NAME_MAX_CHARS = 200, LIST_MAX = 200, PAGE_ROWS = 500 };

const struct org_employment org_employments[] = {
    {"memur", N_("Civil servant"), "memur"},
    {"isci", N_("Worker"), "işçi"},
    {"sozlesmeli", N_("Contracted staff"), "sözleşmeli"},
    {"sirket", N_("Contractor company staff"), "şirket personeli"},
    {"stajyer", N_("Intern"), "stajyer"},
};
const size_t org_nemployments = ARRAY_LEN(org_employments);

void org_today(char out[11])
{
  time_t t = (time_t)(now_unix() + 3 * 3600);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(out, 11, "%Y-%m-%d", &tm);
}

const char *org_employment_key(const char *s)
{
  char f[128], g[128];
  if (!s || tr_fold(s, true, f, sizeof f))
    return NULL;
  for (size_t i = 0; i < org_nemployments; i++) {
    const struct org_employment *e = &org_employments[i];
    if (str_eq(f, e->key))
      return e->key;
    if (!tr_fold(e->tr, true, g, sizeof g) && str_eq(f, g))
      return e->key;
    if (!tr_fold(e->label, true, g, sizeof g) && str_eq(f, g))
      return e->key;
  }
  /* "şirket" alone for "şirket personeli" */
  if (str_eq(f, "sirket"))
    return "sirket";
  return NULL;
}

const char *org_employment_label(const char *key)
{
  for (size_t i = 0; i < org_nemployments; i++)
    if (str_eq(key, org_employments[i].key))
      return _(org_employments[i].label);
  return key;
}

bool org_people_may_manage(request *r, int64_t unit_id)
{
  return r->user && rbac_can(r->user->id, "people.manage", unit_id);
}

/* ---- validation ---------------------------------------------------------- */

/* s without leading and trailing blanks (a copy from a), or NULL when
 * nothing is left: spreadsheets and forms pad cells. */
static const char *trimmed(arena *a, const char *s)
{
  if (!s)
    return NULL;
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
    n--;
  return n ? arena_strndup(a, s, n) : NULL;
}

/* Trims and collapses white space; NULL when the text is not clean UTF-8. */
static char *clean_text(arena *a, const char *s)
{
  size_t n = strlen(s);
  if (tr_text_check(s, n, true))
    return NULL;
  char *out = arena_alloc(a, n + 1);
  size_t o = 0;
  bool space = false;
  for (const char *p = s; *p; p++) {
    if (*p == ' ' || *p == '\t') {
      space = o > 0;
      continue;
    }
    if (space)
      out[o++] = ' ';
    space = false;
    out[o++] = *p;
  }
  out[o] = 0;
  return out;
}

/* Characters (code points) of valid UTF-8 text. */
static size_t utf8_chars(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static char *upper_ascii(arena *a, const char *s)
{
  char *u = arena_strdup(a, s);
  for (char *p = u; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 32);
  return u;
}

int org_person_check(request *r, int64_t self_id, const struct org_person_in *in, struct org_person *out,
                     json_t *errors)
{
  db *d = db_thread();
  memset(out, 0, sizeof *out);
  const char *s;

  s = trimmed(r->a, in->name);
  char *name = s ? clean_text(r->a, s) : NULL;
  if (!s)
    jsonx_field_error(errors, "name", _("This field is required."));
  else if (!name)
    jsonx_field_error(errors, "name", _("Invalid characters."));
  else if (utf8_chars(name) < 2 || utf8_chars(name) > NAME_MAX_CHARS)
    jsonx_field_error(errors, "name", _("Write a name of 2 to 200 characters."));
  else {
    size_t cap = 2 * strlen(name) + 1;
    char *f1 = arena_alloc(r->a, cap), *f2 = arena_alloc(r->a, cap);
    if (tr_fold(name, false, f1, cap) || tr_fold(name, true, f2, cap))
      jsonx_field_error(errors, "name", _("Invalid characters."));
    out->name = name;
    out->name_fold = f1;
    out->name_ascii = f2;
  }

  s = trimmed(r->a, in->tckn);
  if (!s) {
    jsonx_field_error(errors, "tckn", _("This field is required."));
  } else {
    switch (tr_tckn_check(s)) {
    case TR_TCKN_OK: out->tckn = arena_strdup(r->a, s); break;
    case TR_TCKN_LENGTH: jsonx_field_error(errors, "tckn", _("A T.C. identity number has 11 digits.")); break;
    case TR_TCKN_DIGITS: jsonx_field_error(errors, "tckn", _("A T.C. identity number has digits only.")); break;
    case TR_TCKN_ZERO: jsonx_field_error(errors, "tckn", _("A T.C. identity number does not start with 0.")); break;
    case TR_TCKN_CHECKSUM: jsonx_field_error(errors, "tckn", _("The check digits of the T.C. identity number do not match.")); break;
    }
  }

  s = trimmed(r->a, in->unit);
  const char *unit_path = NULL;
  if (!s) {
    jsonx_field_error(errors, "unit", _("This field is required."));
  } else {
    db_stmt *st = db_q(d, "SELECT id, path FROM units WHERE code = ?", "t", upper_ascii(r->a, s));
    if (db_step(st) == DB_ROW) {
      out->unit_id = db_col_int(st, 0);
      unit_path = arena_strdup(r->a, db_col_text(st, 1));
    }
    db_done(st);
    if (!out->unit_id)
      jsonx_field_error(errors, "unit", _("Unknown unit."));
  }

  s = trimmed(r->a, in->position);
  if (s) {
    const char *pos_path = NULL;
    db_stmt *st = db_q(d, "SELECT p.id, u.path FROM org_positions p JOIN units u ON u.id = p.unit_id WHERE p.code = ?",
                       "t", upper_ascii(r->a, s));
    if (db_step(st) == DB_ROW) {
      out->position_id = db_col_int(st, 0);
      pos_path = arena_strdup(r->a, db_col_text(st, 1));
    }
    db_done(st);
    if (!out->position_id)
      jsonx_field_error(errors, "position", _("Unknown position."));
    else if (unit_path && !str_starts(unit_path, pos_path))
      jsonx_field_error(errors, "position", _("This position belongs to another unit."));
  }

  s = trimmed(r->a, in->employment);
  if (!s)
    jsonx_field_error(errors, "employment", _("This field is required."));
  else if (!(out->employment = org_employment_key(s)))
    jsonx_field_error(errors, "employment", _("Use one of: memur, işçi, sözleşmeli, şirket personeli, stajyer."));

  s = trimmed(r->a, in->phone);
  if (s) {
    char *e164 = arena_alloc(r->a, TR_PHONE_MAX + 1);
    if (tr_phone_e164(s, e164))
      jsonx_field_error(errors, "phone", _("Write a telephone number such as 0532 123 45 67 or +90 212 123 45 67."));
    else
      out->phone = e164;
  }

  s = trimmed(r->a, in->email);
  if (s) {
    if (tr_email_check(s))
      jsonx_field_error(errors, "email", _("This is not a valid e-mail address."));
    else
      out->email = arena_strdup(r->a, s);
  }

  static const char *const date_fields[] = {"start_date", "end_date"};
  const char *dates[] = {trimmed(r->a, in->start_date), trimmed(r->a, in->end_date)};
  const char **outs[] = {&out->start_date, &out->end_date};
  for (size_t i = 0; i < 2; i++) {
    if (!dates[i])
      continue;
    char *iso = arena_alloc(r->a, 11);
    if (tr_date_parse(dates[i], iso))
      jsonx_field_error(errors, date_fields[i], _("Dates must look like 2026-01-31."));
    else
      *outs[i] = iso;
  }
  if (out->start_date && out->end_date && strcmp(out->end_date, out->start_date) < 0)
    jsonx_field_error(errors, "end_date", _("The end date is before the start date."));

  int64_t one = 0;
  if (in->user_id && db_int(d, &one, "SELECT 1 FROM users WHERE id = ?", "i", in->user_id) != DB_ROW)
    jsonx_field_error(errors, "user_id", _("Unknown user."));
  out->user_id = in->user_id;

  char today[11];
  org_today(today);
  out->active = in->active >= 0 ? in->active != 0 : !out->end_date || strcmp(out->end_date, today) >= 0;

  if (json_object_size(errors))
    return 400;
  if (db_int(d, &one, "SELECT 1 FROM org_people WHERE tckn = ? AND id <> ?", "ti", out->tckn, self_id) == DB_ROW)
    jsonx_field_error(errors, "tckn", _("A person with this T.C. identity number is already registered."));
  if (out->user_id &&
      db_int(d, &one, "SELECT 1 FROM org_people WHERE user_id = ? AND id <> ?", "ii", out->user_id, self_id) == DB_ROW)
    jsonx_field_error(errors, "user_id", _("This user is already linked to another person."));
  return json_object_size(errors) ? 409 : 0;
}

/* ---- the record -------------------------------------------------------- */

#define PERSON_SELECT                                                                                                  \
  "SELECT p.id, p.name, p.tckn, u.code, u.name, pos.code, pos.title, p.employment, p.phone, p.email,"                  \
  " p.start_date, p.end_date, p.active, p.user_id, us.username, p.created_at, p.updated_at, p.unit_id"                 \
  " FROM org_people p JOIN units u ON u.id = p.unit_id"                                                                \
  " LEFT JOIN org_positions pos ON pos.id = p.position_id LEFT JOIN users us ON us.id = p.user_id"

/* One row of PERSON_SELECT as JSON; the full T.C. number only when
 * full_tckn (the record view for people.tckn holders, and the audit). */
static json_t *row_json(db_stmt *st, bool full_tckn, bool times)
{
  json_t *o = json_object();
  char masked[12];
  tr_tckn_mask(db_col_text(st, 2), masked);
  json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
  jsonx_set_str(o, "name", db_col_text(st, 1));
  json_object_set_new(o, "tckn_masked", json_string(masked));
  if (full_tckn)
    jsonx_set_str(o, "tckn", db_col_text(st, 2));
  jsonx_set_str(o, "unit", db_col_text(st, 3));
  jsonx_set_str(o, "unit_name", db_col_text(st, 4));
  jsonx_set_str(o, "position", db_col_text(st, 5));
  jsonx_set_str(o, "position_title", db_col_text(st, 6));
  jsonx_set_str(o, "employment", db_col_text(st, 7));
  jsonx_set_str(o, "employment_label", org_employment_label(db_col_text(st, 7)));
  jsonx_set_str(o, "phone", db_col_text(st, 8));
  jsonx_set_str(o, "email", db_col_text(st, 9));
  jsonx_set_str(o, "start_date", db_col_text(st, 10));
  jsonx_set_str(o, "end_date", db_col_text(st, 11));
  json_object_set_new(o, "active", json_boolean(db_col_int(st, 12)));
  json_object_set_new(o, "user_id", db_col_null(st, 13) ? json_null() : json_integer(db_col_int(st, 13)));
  jsonx_set_str(o, "username", db_col_text(st, 14));
  if (times) {
    char ts[32];
    fmt_iso8601(db_col_int(st, 15), ts);
    json_object_set_new(o, "created_at", json_string(ts));
    fmt_iso8601(db_col_int(st, 16), ts);
    json_object_set_new(o, "updated_at", json_string(ts));
  }
  return o;
}

/* The record of person id (NULL when absent); *unit_out its unit. */
static json_t *person_json(db *d, int64_t id, bool full_tckn, int64_t *unit_out)
{
  json_t *o = NULL;
  db_stmt *st = db_q(d, PERSON_SELECT " WHERE p.id = ?", "i", id);
  if (db_step(st) == DB_ROW) {
    o = row_json(st, full_tckn, true);
    if (unit_out)
      *unit_out = db_col_int(st, 17);
  }
  db_done(st);
  return o;
}

json_t *org_person_record(db *d, int64_t id)
{
  return person_json(d, id, true, NULL);
}

int org_person_insert(db *d, const struct actor *who, const struct org_person *p, int64_t *id_out)
{
  int64_t now = now_unix(), id = 0;
  int rc = db_begin(d);
  if (rc)
    return rc;
  rc = db_run(d,
              "INSERT INTO org_people (name, name_fold, name_ascii, tckn, unit_id, position_id, employment, phone,"
              " email, start_date, end_date, active, user_id, created_at, updated_at)"
              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              "ttttiItttttiIii", p->name, p->name_fold, p->name_ascii, p->tckn, p->unit_id, p->position_id,
              p->employment, p->phone, p->email, p->start_date, p->end_date, (int64_t)p->active, p->user_id, now, now);
  if (!rc) {
    id = db_last_id(d);
    json_t *after = person_json(d, id, true, NULL);
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    rc = after ? audit_write(d, who, "create", "person", idtxt, p->unit_id, NULL, after) : DB_ERR;
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    return rc;
  }
  *id_out = id;
  return 0;
}

/* ---- list ---------------------------------------------------------------- */

#define PEOPLE_WHERE                                                                                                   \
  " WHERE p.id > ? AND EXISTS (SELECT 1 FROM effective_grants g"                                                                 \
  "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'org.read'"                                                  \
  "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ? AND substr(u.path, 1, length(gu.path)) = gu.path)"         \
  " AND (? IS NULL OR substr(u.path, 1, length(?)) = ?)"                                                               \
  " AND (? < 0 OR p.active = ?)"                                                                                       \
  " AND (? IS NULL OR p.name_fold LIKE ? ESCAPE '!')"                                                                  \
  " AND (? IS NULL OR p.name_ascii LIKE ? ESCAPE '!')"

struct people_filter {
  const char *q, *unit, *unit_path;
  int active; /* -1 any */
  const char *fold_like, *ascii_like;
};

static const char *like_pattern(arena *a, const char *folded)
{
  size_t n = strlen(folded);
  char *p = arena_alloc(a, 2 * n + 3), *o = p;
  *o++ = '%';
  for (const char *s = folded; *s; s++) {
    if (*s == '%' || *s == '_' || *s == '!')
      *o++ = '!';
    *o++ = *s;
  }
  *o++ = '%';
  *o = 0;
  return p;
}

/* Reads ?q=&unit=&active=; problems go to errors (returns -1). A query
 * typed in plain ASCII matches leniently ("ISIK" finds "Işık"); one with
 * Turkish letters matches by the Turkish case fold ("IŞIK" = "ışık", and
 * "ı" stays distinct from "i"). */
static int read_filter(request *r, struct people_filter *f, json_t *errors)
{
  memset(f, 0, sizeof *f);
  f->active = -1;
  f->q = trimmed(r->a, req_query(r, "q"));
  f->unit = trimmed(r->a, req_query(r, "unit"));
  const char *active = trimmed(r->a, req_query(r, "active"));
  if (f->q) {
    bool ascii = true;
    for (const char *p = f->q; *p; p++)
      if ((unsigned char)*p >= 0x80)
        ascii = false;
    size_t cap = 2 * strlen(f->q) + 1;
    char *folded = arena_alloc(r->a, cap);
    if (strlen(f->q) > 100 || tr_fold(f->q, ascii, folded, cap))
      jsonx_field_error(errors, "q", _("Invalid search text."));
    else if (folded[0] && ascii)
      f->ascii_like = like_pattern(r->a, folded);
    else if (folded[0])
      f->fold_like = like_pattern(r->a, folded);
  }
  if (f->unit) {
    db_stmt *st = db_q(db_thread(), "SELECT path FROM units WHERE code = ?", "t", upper_ascii(r->a, f->unit));
    if (db_step(st) == DB_ROW)
      f->unit_path = arena_strdup(r->a, db_col_text(st, 0));
    db_done(st);
    if (!f->unit_path)
      jsonx_field_error(errors, "unit", _("Unknown unit."));
  }
  if (active) {
    if (str_eq(active, "1") || str_eq(active, "true"))
      f->active = 1;
    else if (str_eq(active, "0") || str_eq(active, "false"))
      f->active = 0;
    else
      jsonx_field_error(errors, "active", _("Use 1 or 0."));
  }
  return json_object_size(errors) ? -1 : 0;
}

/* by_name: the page's order; otherwise by id, for cursor paging. The
 * statements are literals: core's statement cache keeps the pointer. */
static db_stmt *people_query(request *r, const struct people_filter *f, bool by_name, int64_t cursor, int64_t limit)
{
  static const char by_id_sql[] = PERSON_SELECT PEOPLE_WHERE " ORDER BY p.id LIMIT ?";
  static const char by_name_sql[] = PERSON_SELECT PEOPLE_WHERE " ORDER BY p.name_ascii, p.id LIMIT ?";
  return db_q(db_thread(), by_name ? by_name_sql : by_id_sql, "iitttiitttti", cursor, r->user->id, f->unit_path,
              f->unit_path, f->unit_path, (int64_t)f->active, (int64_t)f->active, f->fold_like, f->fold_like,
              f->ascii_like, f->ascii_like, limit);
}

int org_api_people_list(request *r)
{
  int64_t limit, cursor;
  if (req_paging(r, 50, LIST_MAX, &limit, &cursor))
    return 0;
  struct people_filter f;
  json_t *errors = json_object();
  if (read_filter(r, &f, errors))
    return http_error(r, 400, "validation", _("Some fields are invalid."), errors);
  json_decref(errors);
  json_t *items = json_array();
  int64_t last = 0, n = 0;
  db_stmt *st = people_query(r, &f, false, cursor, limit + 1);
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit)
      break;
    last = db_col_int(st, 0);
    json_array_append_new(items, row_json(st, false, false));
    n++;
  }
  bool more = rc == DB_ROW;
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  return http_json_page(r, items, more, last);
}

/* ---- create, read, change -------------------------------------------------- */

static int check_error(request *r, int status, json_t *errors)
{
  return http_error(r, status, status == 409 ? "conflict" : "validation",
                    status == 409 ? _("The record conflicts with an existing one.") : _("Some fields are invalid."),
                    errors);
}

static const struct jfield person_fields[] = {
    {"name", JT_STRING, true, 400},     {"tckn", JT_STRING, true, 32},        {"unit", JT_STRING, true, 64},
    {"position", JT_STRING, false, 64}, {"employment", JT_STRING, true, 64},  {"phone", JT_STRING, false, 40},
    {"email", JT_STRING, false, 254},   {"start_date", JT_STRING, false, 32}, {"end_date", JT_STRING, false, 32},
    {"active", JT_BOOL, false, 0},      {"user_id", JT_INT, false, 0},
};

int org_api_people_create(request *r)
{
  json_t *in = req_json(r, person_fields, ARRAY_LEN(person_fields));
  if (!in)
    return 0;
  struct org_person_in pin = {
      .name = jsonx_str(in, "name"),
      .tckn = jsonx_str(in, "tckn"),
      .unit = jsonx_str(in, "unit"),
      .position = jsonx_str(in, "position"),
      .employment = jsonx_str(in, "employment"),
      .phone = jsonx_str(in, "phone"),
      .email = jsonx_str(in, "email"),
      .start_date = jsonx_str(in, "start_date"),
      .end_date = jsonx_str(in, "end_date"),
      .user_id = jsonx_int(in, "user_id", 0),
      .active = json_is_boolean(json_object_get(in, "active")) ? jsonx_bool(in, "active", true) : -1,
  };
  json_t *errors = json_object();
  struct org_person p;
  int st = org_person_check(r, 0, &pin, &p, errors);
  int rc = 0;
  if (p.unit_id && !org_people_may_manage(r, p.unit_id)) {
    json_decref(errors);
    rc = http_forbidden(r);
  } else if (st) {
    rc = check_error(r, st, errors);
  } else {
    json_decref(errors);
    struct actor who = audit_actor(r);
    int64_t id = 0;
    db *d = db_thread();
    int dbrc = org_person_insert(d, &who, &p, &id);
    if (dbrc == DB_CONSTRAINT) {
      rc = check_error(r, 409,
                       json_pack("{ss}", "tckn", _("A person with this T.C. identity number is already registered.")));
    } else if (dbrc) {
      rc = -1;
    } else {
      json_t *o = person_json(d, id, rbac_can(r->user->id, "people.tckn", p.unit_id), NULL);
      rc = o ? http_json(r, 201, o) : -1;
    }
  }
  json_decref(in);
  return rc;
}

static int person_id(request *r, int64_t *id)
{
  return parse_i64(req_param(r, "id"), id);
}

int org_api_person_get(request *r)
{
  int64_t id, unit = 0;
  if (person_id(r, &id))
    return http_not_found(r);
  db *d = db_thread();
  int rc = db_int(d, &unit, "SELECT unit_id FROM org_people WHERE id = ?", "i", id);
  if (rc == DB_OK)
    return http_not_found(r);
  if (rc < 0)
    return -1;
  if (!rbac_can(r->user->id, "org.read", unit))
    return http_forbidden(r);
  json_t *o = person_json(d, id, rbac_can(r->user->id, "people.tckn", unit), NULL);
  return o ? http_json(r, 200, o) : -1;
}

/* The stored person as input text, for a change to start from. */
static int load_in(request *r, int64_t id, struct org_person_in *in, int64_t *unit_out)
{
  int rc = DB_OK;
  memset(in, 0, sizeof *in);
  db_stmt *st = db_q(db_thread(), PERSON_SELECT " WHERE p.id = ?", "i", id);
  if ((rc = db_step(st)) == DB_ROW) {
    in->name = arena_strdup(r->a, db_col_text(st, 1));
    in->tckn = arena_strdup(r->a, db_col_text(st, 2));
    in->unit = arena_strdup(r->a, db_col_text(st, 3));
    in->position = arena_strdup(r->a, db_col_text(st, 5));
    in->employment = arena_strdup(r->a, db_col_text(st, 7));
    in->phone = arena_strdup(r->a, db_col_text(st, 8));
    in->email = arena_strdup(r->a, db_col_text(st, 9));
    in->start_date = arena_strdup(r->a, db_col_text(st, 10));
    in->end_date = arena_strdup(r->a, db_col_text(st, 11));
    in->active = (int)db_col_int(st, 12);
    in->user_id = db_col_int(st, 13);
    *unit_out = db_col_int(st, 17);
  }
  db_done(st);
  return rc;
}

static org_leave_check_fn leave_check;
static _Thread_local const char *leave_held_msg; /* set by person_update */

void org_set_leave_check(org_leave_check_fn fn)
{
  leave_check = fn;
}

enum { PERSON_HELD = 1 };

/* Writes the checked change of person id with its audit row (none when
 * nothing changed); returns 0, a db error, or PERSON_HELD when the change
 * ends the person's employment and the leave check refuses it (its
 * message in leave_held_msg). */
static int person_update(request *r, int64_t id, const struct org_person *p)
{
  db *d = db_thread();
  json_t *before = person_json(d, id, true, NULL), *after = NULL;
  int rc = before ? 0 : DB_ERR;
  if (!rc && leave_check) {
    const char *old_end = jsonx_str(before, "end_date");
    bool ends = (jsonx_bool(before, "active", true) && !p->active) ||
                (p->end_date && (!old_end || strcmp(old_end, p->end_date) != 0));
    if (ends && (leave_held_msg = leave_check(d, id)) != NULL) {
      rc = PERSON_HELD;
      goto out;
    }
  }
  if (!rc)
    rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE org_people SET name = ?, name_fold = ?, name_ascii = ?, tckn = ?, unit_id = ?, position_id = ?,"
                " employment = ?, phone = ?, email = ?, start_date = ?, end_date = ?, active = ?, user_id = ?,"
                " updated_at = ? WHERE id = ?",
                "ttttiItttttiIii", p->name, p->name_fold, p->name_ascii, p->tckn, p->unit_id, p->position_id,
                p->employment, p->phone, p->email, p->start_date, p->end_date, (int64_t)p->active, p->user_id,
                now_unix(), id);
  if (!rc && !(after = person_json(d, id, true, NULL)))
    rc = DB_ERR;
  if (!rc) {
    json_t *b = json_deep_copy(before), *a = json_deep_copy(after);
    json_object_del(b, "updated_at");
    json_object_del(a, "updated_at");
    bool same = json_equal(b, a);
    json_decref(b);
    json_decref(a);
    if (same) {
      db_rollback(d);
      goto out;
    }
    struct actor who = audit_actor(r);
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)id);
    rc = audit_write(d, &who, "update", "person", idtxt, p->unit_id, before, after);
  }
  if (rc || (rc = db_commit(d)))
    db_rollback(d);
out:
  json_decref(before);
  json_decref(after);
  return rc;
}

int org_api_person_patch(request *r)
{
  static const struct jfield fields[] = {
      {"name", JT_STRING, false, 400},    {"tckn", JT_STRING, false, 32},       {"unit", JT_STRING, false, 64},
      {"position", JT_STRING, false, 64}, {"employment", JT_STRING, false, 64}, {"phone", JT_STRING, false, 40},
      {"email", JT_STRING, false, 254},   {"start_date", JT_STRING, false, 32}, {"end_date", JT_STRING, false, 32},
      {"active", JT_BOOL, false, 0},      {"user_id", JT_INT, false, 0},
  };
  int64_t id, old_unit = 0;
  if (person_id(r, &id))
    return http_not_found(r);
  struct org_person_in pin;
  int rc = load_in(r, id, &pin, &old_unit);
  if (rc == DB_OK)
    return http_not_found(r);
  if (rc < 0)
    return -1;
  if (!rbac_can(r->user->id, "org.read", old_unit))
    return http_forbidden(r);
  if (!org_people_may_manage(r, old_unit))
    return http_forbidden(r);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  json_t *errors = json_object();
  /* null clears an optional field; the required ones cannot be cleared */
  static const char *const required[] = {"name", "tckn", "unit", "employment"};
  for (size_t i = 0; i < ARRAY_LEN(required); i++)
    if (json_is_null(json_object_get(in, required[i])))
      jsonx_field_error(errors, required[i], _("This field is required."));
  struct {
    const char *key;
    const char **dst;
  } text[] = {
      {"name", &pin.name},
      {"tckn", &pin.tckn},
      {"unit", &pin.unit},
      {"position", &pin.position},
      {"employment", &pin.employment},
      {"phone", &pin.phone},
      {"email", &pin.email},
      {"start_date", &pin.start_date},
      {"end_date", &pin.end_date},
  };
  for (size_t i = 0; i < ARRAY_LEN(text); i++) {
    json_t *v = json_object_get(in, text[i].key);
    if (v)
      *text[i].dst = json_is_string(v) ? arena_strdup(r->a, json_string_value(v)) : NULL;
  }
  json_t *v = json_object_get(in, "user_id");
  if (v)
    pin.user_id = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
  v = json_object_get(in, "active");
  if (v)
    pin.active = json_is_boolean(v) ? json_is_true(v) : -1;
  json_decref(in);
  struct org_person p;
  int st = json_object_size(errors) ? 400 : org_person_check(r, id, &pin, &p, errors);
  if (st == 0 && !org_people_may_manage(r, p.unit_id)) {
    json_decref(errors);
    return http_forbidden(r);
  }
  if (st)
    return check_error(r, st, errors);
  json_decref(errors);
  rc = person_update(r, id, &p);
  if (rc == PERSON_HELD)
    return http_error(r, 409, "handover_open", _(leave_held_msg), NULL);
  if (rc == DB_CONSTRAINT)
    return check_error(r, 409,
                       json_pack("{ss}", "tckn", _("A person with this T.C. identity number is already registered.")));
  if (rc)
    return -1;
  json_t *o = person_json(db_thread(), id, rbac_can(r->user->id, "people.tckn", p.unit_id), NULL);
  return o ? http_json(r, 200, o) : -1;
}

/* ---- pages ------------------------------------------------------------------ */

static void alert(html *h, const char *cls, const char *msg, json_t *errors)
{
  H(h, "<div class=\"");
  h_attr(h, cls);
  H(h, "\" role=\"alert\" id=\"form-message\"><p>");
  h_txt(h, msg);
  H(h, "</p>");
  if (json_object_size(errors)) {
    H(h, "<ul>");
    const char *k;
    json_t *v;
    json_object_foreach(errors, k, v) {
      H(h, "<li><strong>");
      h_txt(h, k);
      H(h, "</strong>: ");
      h_txt(h, json_string_value(v));
      H(h, "</li>");
    }
    H(h, "</ul>");
  }
  H(h, "</div>");
}

/* <select> of units: all units (filter) or those the user manages. */
static void unit_select(request *r, html *h, const char *id, const char *name, const char *current, bool any,
                        bool manageable)
{
  H(h, "<select id=\"");
  h_attr(h, id);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\">");
  if (any)
    h_option(h, "", _("All"), !current || !*current);
  db_stmt *st = db_q(db_thread(), "SELECT id, code, name FROM units WHERE active = 1 ORDER BY path", "");
  while (db_step(st) == DB_ROW) {
    if (manageable && !org_people_may_manage(r, db_col_int(st, 0)))
      continue;
    const char *label = arena_printf(r->a, "%s · %s", db_col_text(st, 1), db_col_text(st, 2));
    h_option(h, db_col_text(st, 1), label, str_eq(current, db_col_text(st, 1)));
  }
  db_done(st);
  H(h, "</select>");
}

/* Was the person form just posted (and is being shown again)? */
static bool posted(request *r)
{
  return req_form(r, "employment") != NULL;
}

/* The value a form field shows: what was just posted, else the record. */
static const char *fval(request *r, json_t *rec, const char *key)
{
  if (posted(r))
    return req_form(r, key);
  return rec ? jsonx_str(rec, key) : NULL;
}

/* The new-person / edit form; rec is the stored record when editing. */
static void person_form(request *r, html *h, const char *action, json_t *rec)
{
  static const struct {
    const char *name, *label, *type;
  } texts[] = {
      {"name", N_("Name"), "text"},
      {"tckn", N_("T.C. identity number"), "text"},
      {"phone", N_("Telephone"), "tel"},
      {"email", N_("E-mail"), "email"},
      {"start_date", N_("Start date"), "date"},
      {"end_date", N_("End date"), "date"},
      {"username", N_("User account"), "text"},
  };
  H(h, "<form method=\"post\" class=\"grid\" id=\"person-form\" action=\"");
  h_attr(h, action);
  H(h, "\">");
  page_csrf(r, h);
  for (size_t i = 0; i < ARRAY_LEN(texts); i++) {
    const char *id = arena_printf(r->a, "f-%s", texts[i].name);
    h_label(h, id, _(texts[i].label));
    H(h, "<input id=\"");
    h_attr(h, id);
    H(h, "\" name=\"");
    h_attr(h, texts[i].name);
    H(h, "\" type=\"");
    h_attr(h, texts[i].type);
    H(h, "\"");
    const char *v =
        str_eq(texts[i].name, "tckn") ? (posted(r) ? req_form(r, "tckn") : NULL) : fval(r, rec, texts[i].name);
    if (v) {
      H(h, " value=\"");
      h_attr(h, v);
      H(h, "\"");
    }
    if (str_eq(texts[i].name, "tckn")) {
      H(h, " inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"11\"");
      if (rec) {
        H(h, " placeholder=\"");
        h_attr(h, jsonx_str(rec, "tckn_masked"));
        H(h, "\"");
      }
    }
    H(h, ">");
    if (str_eq(texts[i].name, "tckn") && rec) {
      H(h, "<span></span><p class=\"hint\">");
      h_txt(h, _("Leave empty to keep the recorded number."));
      H(h, "</p>");
    }
    if (str_eq(texts[i].name, "name")) {
      h_label(h, "f-unit", _("Unit"));
      unit_select(r, h, "f-unit", "unit", fval(r, rec, "unit"), false, true);
      h_label(h, "f-position", _("Position"));
      H(h, "<select id=\"f-position\" name=\"position\">");
      const char *cur = fval(r, rec, "position");
      h_option(h, "", "—", !cur || !*cur);
      db_stmt *st = db_q(db_thread(),
                         "SELECT p.code, p.title, u.code FROM org_positions p JOIN units u ON u.id = p.unit_id"
                         " ORDER BY u.path, p.id",
                         "");
      while (db_step(st) == DB_ROW)
        h_option(h, db_col_text(st, 0), arena_printf(r->a, "%s (%s)", db_col_text(st, 1), db_col_text(st, 2)),
               str_eq(cur, db_col_text(st, 0)));
      db_done(st);
      H(h, "</select>");
      h_label(h, "f-employment", _("Employment"));
      H(h, "<select id=\"f-employment\" name=\"employment\">");
      cur = fval(r, rec, "employment");
      for (size_t k = 0; k < org_nemployments; k++)
        h_option(h, org_employments[k].key, _(org_employments[k].label), str_eq(cur, org_employments[k].key));
      H(h, "</select>");
    }
  }
  bool active = posted(r) ? req_form(r, "active") != NULL : rec ? jsonx_bool(rec, "active", true) : true;
  h_label(h, "f-active", _("Active"));
  H(h, "<input id=\"f-active\" name=\"active\" type=\"checkbox\" value=\"1\"");
  if (active)
    H(h, " checked");
  H(h, "><button type=\"submit\" class=\"primary\" id=\"person-submit\">");
  h_txt(h, rec ? _("Save") : _("Create"));
  H(h, "</button></form>");
}

static void import_result(html *h, json_t *res)
{
  H(h, "<section class=\"card\" id=\"import-result\"><h2>");
  h_txt(h, _("Import result"));
  H(h, "</h2><p>");
  h_txt(h, _("Rows"));
  H(h, ": <strong id=\"import-rows\">");
  h_int(h, jsonx_int(res, "rows", 0));
  H(h, "</strong> · ");
  h_txt(h, _("Imported"));
  H(h, ": <strong id=\"import-imported\">");
  h_int(h, jsonx_int(res, "imported", 0));
  H(h, "</strong></p>");
  json_t *errs = json_object_get(res, "errors");
  if (json_array_size(errs)) {
    H(h, "<table class=\"list\" id=\"import-errors\"><thead><tr><th scope=\"col\">");
    h_txt(h, _("Row"));
    H(h, "</th><th scope=\"col\">");
    h_txt(h, _("Column"));
    H(h, "</th><th scope=\"col\">");
    h_txt(h, _("Problem"));
    H(h, "</th></tr></thead><tbody>");
    size_t i;
    json_t *e;
    json_array_foreach(errs, i, e) {
      H(h, "<tr><td>");
      h_int(h, jsonx_int(e, "row", 0));
      H(h, "</td><td>");
      h_txt(h, jsonx_str(e, "column") ? jsonx_str(e, "column") : "—");
      H(h, "</td><td>");
      h_txt(h, jsonx_str(e, "reason"));
      H(h, "</td></tr>");
    }
    H(h, "</tbody></table>");
  }
  H(h, "</section>");
}

void org_people_render(request *r, int status, const char *msg, json_t *errors, json_t *import_res)
{
  html h;
  html_init(&h);
  page_begin(r, &h, _("People"), "/org/people");
  bool failed = json_object_size(errors) || (import_res && json_array_size(json_object_get(import_res, "errors")));
  if (msg)
    alert(&h, failed || status >= 400 ? "alert" : "notice", msg, errors);
  if (import_res)
    import_result(&h, import_res);
  struct people_filter f;
  json_t *ferr = json_object();
  bool fok = read_filter(r, &f, ferr) == 0;
  if (!fok)
    alert(&h, "alert", _("Some fields are invalid."), ferr);
  json_decref(ferr);
  H(&h, "<form method=\"get\" action=\"/org/people\" class=\"filters\" role=\"search\"><div>");
  h_label(&h, "q", _("Search"));
  H(&h, "<input id=\"q\" name=\"q\" type=\"search\" value=\"");
  h_attr(&h, f.q ? f.q : "");
  H(&h, "\"></div><div>");
  h_label(&h, "unit", _("Unit"));
  unit_select(r, &h, "unit", "unit", f.unit, true, false);
  H(&h, "</div><div>");
  h_label(&h, "active", _("Status"));
  H(&h, "<select id=\"active\" name=\"active\">");
  h_option(&h, "", _("All"), f.active < 0);
  h_option(&h, "1", _("Active"), f.active == 1);
  h_option(&h, "0", _("Left"), f.active == 0);
  H(&h, "</select></div><div><button type=\"submit\" id=\"people-filter\">");
  h_txt(&h, _("Filter"));
  H(&h, "</button></div></form>");

  H(&h, "<table class=\"list\" id=\"people\"><thead><tr>");
  static const char *const heads[] = {N_("Name"),     N_("T.C. identity number"), N_("Unit"),
                                      N_("Position"), N_("Employment"),           N_("Telephone"),
                                      N_("Active")};
  for (size_t i = 0; i < ARRAY_LEN(heads); i++) {
    H(&h, "<th scope=\"col\">");
    h_txt(&h, _(heads[i]));
    H(&h, "</th>");
  }
  H(&h, "</tr></thead><tbody>");
  int shown = 0;
  bool more = false;
  if (fok) {
    db_stmt *st = people_query(r, &f, true, 0, PAGE_ROWS + 1);
    while (db_step(st) == DB_ROW) {
      if (shown == PAGE_ROWS) {
        more = true;
        break;
      }
      shown++;
      char masked[12];
      tr_tckn_mask(db_col_text(st, 2), masked);
      H(&h, "<tr><td><a href=\"/org/people/");
      h_int(&h, db_col_int(st, 0));
      H(&h, "\">");
      h_txt(&h, db_col_text(st, 1));
      H(&h, "</a></td><td class=\"tckn\">");
      h_txt(&h, masked);
      H(&h, "</td><td>");
      h_txt(&h, db_col_text(st, 3));
      H(&h, "</td><td>");
      h_txt(&h, db_col_text(st, 6));
      H(&h, "</td><td>");
      h_txt(&h, org_employment_label(db_col_text(st, 7)));
      H(&h, "</td><td>");
      h_txt(&h, db_col_text(st, 8));
      H(&h, "</td><td>");
      h_txt(&h, db_col_int(st, 12) ? _("yes") : _("no"));
      H(&h, "</td></tr>");
    }
    db_done(st);
  }
  H(&h, "</tbody></table><p class=\"muted\" id=\"people-count\">");
  h_int(&h, shown);
  H(&h, " ");
  h_txt(&h, _("people shown"));
  if (more) {
    H(&h, " · ");
    h_txt(&h, _("more match; narrow the search."));
  }
  H(&h, "</p>");

  if (rbac_has(r->user->id, "people.manage")) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("New person"));
    H(&h, "</h2>");
    person_form(r, &h, "/org/people", NULL);
    H(&h, "</section><section class=\"card\"><h2>");
    h_txt(&h, _("Import from CSV"));
    H(&h, "</h2><p class=\"hint\">");
    h_txt(&h, _("UTF-8 text separated by ';' or ',', with this header row:"));
    H(&h, " <code>ad_soyad;tckn;birim;kadro;istihdam;telefon;eposta;baslangic;bitis</code>. ");
    h_txt(&h, _("Nothing is imported while any row has a problem."));
    H(&h, "</p><form method=\"post\" action=\"/org/people/import\" id=\"import-form\">");
    page_csrf(r, &h);
    h_label(&h, "f-csv", _("CSV text"));
    H(&h, "<textarea id=\"f-csv\" name=\"csv\" rows=\"8\" spellcheck=\"false\"></textarea>"
          "<label><input type=\"checkbox\" name=\"dry_run\" value=\"1\" id=\"f-dry-run\" checked> ");
    h_txt(&h, _("Check only (dry run)"));
    H(&h, "</label><button type=\"submit\" class=\"primary\" id=\"import-submit\">");
    h_txt(&h, _("Import"));
    H(&h, "</button></form></section>");
  }
  page_end(r, &h);
  http_html(r, status, &h);
}

int org_people_page(request *r)
{
  org_people_render(r, 200, NULL, NULL, NULL);
  return 0;
}

/* Reads the person form into in; the user account is given by name. */
static void form_in(request *r, struct org_person_in *in, json_t *errors)
{
  in->name = req_form(r, "name");
  in->unit = req_form(r, "unit");
  in->position = req_form(r, "position");
  in->employment = req_form(r, "employment");
  in->phone = req_form(r, "phone");
  in->email = req_form(r, "email");
  in->start_date = req_form(r, "start_date");
  in->end_date = req_form(r, "end_date");
  in->active = req_form(r, "active") != NULL;
  in->user_id = 0;
  const char *u = trimmed(r->a, req_form(r, "username"));
  if (u && db_int(db_thread(), &in->user_id, "SELECT id FROM users WHERE username = ?", "t", u) != DB_ROW) {
    in->user_id = 0;
    jsonx_field_error(errors, "username", _("Unknown user."));
  }
}

int org_people_form(request *r)
{
  struct org_person_in in = {0};
  json_t *errors = json_object();
  form_in(r, &in, errors);
  in.tckn = req_form(r, "tckn");
  struct org_person p;
  int st = org_person_check(r, 0, &in, &p, errors);
  if (!st && json_object_size(errors))
    st = 400;
  if (!st && !org_people_may_manage(r, p.unit_id)) {
    jsonx_field_error(errors, "unit", _("You do not have permission for this."));
    st = 403;
  }
  int64_t id = 0;
  if (!st) {
    struct actor who = audit_actor(r);
    int rc = org_person_insert(db_thread(), &who, &p, &id);
    if (rc == DB_CONSTRAINT) {
      jsonx_field_error(errors, "tckn", _("A person with this T.C. identity number is already registered."));
      st = 409;
    } else if (rc) {
      json_decref(errors);
      return -1;
    }
  }
  if (st) {
    org_people_render(r, st, _("Some fields are invalid."), errors, NULL);
    json_decref(errors);
    return 0;
  }
  json_decref(errors);
  return http_redirect(r, arena_printf(r->a, "/org/people/%lld", (long long)id));
}

static void dl_row(html *h, const char *term, const char *value)
{
  H(h, "<dt>");
  h_txt(h, term);
  H(h, "</dt><dd>");
  h_txt(h, value && *value ? value : "—");
  H(h, "</dd>");
}

static int person_render(request *r, int64_t id, int status, const char *msg, json_t *errors)
{
  db *d = db_thread();
  int64_t unit = 0;
  json_t *rec = person_json(d, id, false, &unit);
  if (!rec)
    return http_not_found(r);
  if (!rbac_can(r->user->id, "org.read", unit)) {
    json_decref(rec);
    return http_forbidden(r);
  }
  html h;
  html_init(&h);
  page_begin(r, &h, jsonx_str(rec, "name"), "/org/people");
  if (msg)
    alert(&h, status >= 400 ? "alert" : "notice", msg, errors);
  H(&h, "<section class=\"card\"><dl id=\"person\">");
  dl_row(&h, _("T.C. identity number"), jsonx_str(rec, "tckn_masked"));
  dl_row(&h, _("Unit"), arena_printf(r->a, "%s · %s", jsonx_str(rec, "unit"), jsonx_str(rec, "unit_name")));
  dl_row(&h, _("Position"), jsonx_str(rec, "position_title"));
  dl_row(&h, _("Employment"), jsonx_str(rec, "employment_label"));
  dl_row(&h, _("Telephone"), jsonx_str(rec, "phone"));
  dl_row(&h, _("E-mail"), jsonx_str(rec, "email"));
  dl_row(&h, _("Start date"), jsonx_str(rec, "start_date"));
  dl_row(&h, _("End date"), jsonx_str(rec, "end_date"));
  dl_row(&h, _("Active"), jsonx_bool(rec, "active", false) ? _("yes") : _("no"));
  dl_row(&h, _("User account"), jsonx_str(rec, "username"));
  H(&h, "</dl></section>");
  if (org_people_may_manage(r, unit)) {
    H(&h, "<section class=\"card\"><h2>");
    h_txt(&h, _("Change"));
    H(&h, "</h2>");
    person_form(r, &h, arena_printf(r->a, "/org/people/%lld", (long long)id), rec);
    H(&h, "</section>");
  }
  H(&h, "<p>");
  /* the access module's page of the person's system grants */
  if (rbac_can(r->user->id, "access.read_unit", unit)) {
    H(&h, "<a id=\"person-access\" href=\"/access/people/");
    h_int(&h, id);
    H(&h, "\">");
    h_txt(&h, _("System access"));
    H(&h, "</a> · ");
  }
  H(&h, "<a href=\"/org/people\">");
  h_txt(&h, _("All people"));
  H(&h, "</a></p>");
  page_end(r, &h);
  json_decref(rec);
  return http_html(r, status, &h);
}

int org_person_page(request *r)
{
  int64_t id;
  if (person_id(r, &id))
    return http_not_found(r);
  return person_render(r, id, 200, NULL, NULL);
}

int org_person_form(request *r)
{
  int64_t id, old_unit = 0;
  if (person_id(r, &id))
    return http_not_found(r);
  struct org_person_in in;
  int rc = load_in(r, id, &in, &old_unit);
  if (rc == DB_OK)
    return http_not_found(r);
  if (rc < 0)
    return -1;
  if (!org_people_may_manage(r, old_unit))
    return http_forbidden(r);
  const char *tckn = in.tckn;
  json_t *errors = json_object();
  form_in(r, &in, errors);
  in.tckn = trimmed(r->a, req_form(r, "tckn")) ? req_form(r, "tckn") : tckn;
  struct org_person p;
  int st = org_person_check(r, id, &in, &p, errors);
  if (!st && json_object_size(errors))
    st = 400;
  if (!st && !org_people_may_manage(r, p.unit_id)) {
    jsonx_field_error(errors, "unit", _("You do not have permission for this."));
    st = 403;
  }
  if (!st) {
    rc = person_update(r, id, &p);
    if (rc == PERSON_HELD) {
      jsonx_field_error(errors, "active", _(leave_held_msg));
      st = 409;
    } else if (rc == DB_CONSTRAINT) {
      jsonx_field_error(errors, "tckn", _("A person with this T.C. identity number is already registered."));
      st = 409;
    } else if (rc) {
      json_decref(errors);
      return -1;
    }
  }
  if (st) {
    rc = person_render(r, id, st, _("Some fields are invalid."), errors);
    json_decref(errors);
    return rc;
  }
  json_decref(errors);
  return http_redirect(r, arena_printf(r->a, "/org/people/%lld", (long long)id));
}
