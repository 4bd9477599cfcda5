/* preset.c - a regulation preset ("defter-preset/1") becomes the
 * organisation: units, positions and duties with their capabilities.
 * Everything is validated before anything is written, and every error
 * names the JSON path of the element that caused it. */
#include "org.h"
#include "../core/capability.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../core/schema.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { PRESET_MAX_BYTES = 4 * 1024 * 1024, PRESET_MAX_ITEMS = 5000, PRESET_MAX_DEPTH = 16 };

static const char *const unit_kinds[] = {"daire_baskanligi", "mudurluk", "sube_mudurlugu", "seflik",
                                         "servis", "birim", "kurul"};

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
  return -1;
}

static bool code_ok(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 16)
    return false;
  for (; *s; s++)
    if (!(isupper((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_'))
      return false;
  return true;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (str_eq(s, list[i]))
      return true;
  return false;
}

/* Index of code in array (by "code"), or -1. */
static int find_code(json_t *arr, const char *code)
{
  size_t i;
  json_t *x;
  json_array_foreach(arr, i, x) {
    if (str_eq(jsonx_str(x, "code"), code))
      return (int)i;
  }
  return -1;
}

static int check_keys(json_t *obj, const char *where, const char *const *allowed, size_t n, char *err,
                      size_t errlen)
{
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    if (!in_list(k, allowed, n))
      return fail(err, errlen, "%s.%s: bilinmeyen alan / unknown field", where, k);
  }
  return 0;
}

static int need_str(json_t *obj, const char *where, const char *key, size_t max, char *err, size_t errlen)
{
  json_t *v = json_object_get(obj, key);
  if (!json_is_string(v) || json_string_length(v) == 0)
    return fail(err, errlen, "%s.%s: metin gerekli / string required", where, key);
  if (json_string_length(v) > max)
    return fail(err, errlen, "%s.%s: çok uzun / too long", where, key);
  return 0;
}

static int validate(json_t *p, char *err, size_t errlen)
{
  static const char *const top[] = {"format", "id", "institution", "institution_kind", "department",
                                    "regulation", "units", "positions", "duties"};
  if (!json_is_object(p))
    return fail(err, errlen, "$: JSON nesnesi bekleniyor / object expected");
  if (check_keys(p, "$", top, ARRAY_LEN(top), err, errlen))
    return -1;
  if (!str_eq(jsonx_str(p, "format"), "defter-preset/1"))
    return fail(err, errlen, "format: \"defter-preset/1\" bekleniyor / expected");
  if (need_str(p, "$", "id", 64, err, errlen) || need_str(p, "$", "institution", 200, err, errlen) ||
      need_str(p, "$", "department", 200, err, errlen))
    return -1;
  const char *kind = jsonx_str(p, "institution_kind");
  static const char *const kinds[] = {"ilce", "buyuksehir", "il", "belde", "other"};
  if (!in_list(kind, kinds, ARRAY_LEN(kinds)))
    return fail(err, errlen, "institution_kind: ilce, buyuksehir, il, belde veya other olmalı");
  json_t *reg = json_object_get(p, "regulation");
  if (!json_is_object(reg))
    return fail(err, errlen, "regulation: nesne gerekli / object required");
  static const char *const regk[] = {"title", "source", "date", "notes"};
  if (check_keys(reg, "regulation", regk, ARRAY_LEN(regk), err, errlen) ||
      need_str(reg, "regulation", "title", 500, err, errlen))
    return -1;
  json_t *date = json_object_get(reg, "date");
  int64_t t;
  if (date && !json_is_null(date) && (!json_is_string(date) || parse_iso8601(json_string_value(date), &t)))
    return fail(err, errlen, "regulation.date: YYYY-AA-GG biçiminde olmalı / must be YYYY-MM-DD");

  json_t *units = json_object_get(p, "units");
  if (!json_is_array(units) || json_array_size(units) == 0 || json_array_size(units) > PRESET_MAX_ITEMS)
    return fail(err, errlen, "units: boş olmayan dizi gerekli / non-empty array required");
  size_t i;
  json_t *u;
  int roots = 0;
  static const char *const unitk[] = {"code", "name", "kind", "parent"};
  json_array_foreach(units, i, u) {
    char where[64];
    snprintf(where, sizeof where, "units[%zu]", i);
    if (!json_is_object(u))
      return fail(err, errlen, "%s: nesne gerekli / object required", where);
    if (check_keys(u, where, unitk, ARRAY_LEN(unitk), err, errlen) || need_str(u, where, "name", 300, err, errlen))
      return -1;
    const char *code = jsonx_str(u, "code");
    if (!code_ok(code))
      return fail(err, errlen, "%s.code: A-Z, 0-9 ve _ ile en çok 16 karakter / invalid code", where);
    if (find_code(units, code) != (int)i)
      return fail(err, errlen, "%s.code: \"%s\" tekrar ediyor / duplicate", where, code);
    if (!in_list(jsonx_str(u, "kind"), unit_kinds, ARRAY_LEN(unit_kinds)))
      return fail(err, errlen, "%s.kind: bilinmeyen birim türü / unknown unit kind", where);
    json_t *parent = json_object_get(u, "parent");
    if (!parent || json_is_null(parent)) {
      roots++;
      continue;
    }
    if (!json_is_string(parent) || find_code(units, json_string_value(parent)) < 0)
      return fail(err, errlen, "%s.parent: bilinmeyen birim \"%s\" / unknown unit", where,
                  json_is_string(parent) ? json_string_value(parent) : "?");
  }
  if (roots != 1)
    return fail(err, errlen, "units: tam bir kök birim olmalı (%d bulundu) / exactly one root unit", roots);
  /* No cycles, and no deeper than PRESET_MAX_DEPTH levels: walking up
   * from every unit reaches the root. */
  json_array_foreach(units, i, u) {
    const char *c = jsonx_str(u, "code");
    size_t steps = 0;
    while (c && steps++ <= json_array_size(units)) {
      json_t *x = json_array_get(units, (size_t)find_code(units, c));
      c = jsonx_str(x, "parent");
    }
    if (c)
      return fail(err, errlen, "units[%zu].parent: döngü / cycle in the unit tree", i);
    if (steps > PRESET_MAX_DEPTH)
      return fail(err, errlen, "units[%zu]: birim ağacı %d düzeyden derin / tree deeper than %d levels", i,
                  PRESET_MAX_DEPTH, PRESET_MAX_DEPTH);
  }

  json_t *positions = json_object_get(p, "positions");
  if (positions && !json_is_array(positions))
    return fail(err, errlen, "positions: dizi gerekli / array required");
  static const char *const posk[] = {"code", "title", "unit"};
  json_t *ps;
  json_array_foreach(positions, i, ps) {
    char where[64];
    snprintf(where, sizeof where, "positions[%zu]", i);
    if (!json_is_object(ps))
      return fail(err, errlen, "%s: nesne gerekli / object required", where);
    if (check_keys(ps, where, posk, ARRAY_LEN(posk), err, errlen) || need_str(ps, where, "title", 300, err, errlen))
      return -1;
    const char *code = jsonx_str(ps, "code");
    if (!code_ok(code))
      return fail(err, errlen, "%s.code: A-Z, 0-9 ve _ ile en çok 16 karakter / invalid code", where);
    if (find_code(positions, code) != (int)i)
      return fail(err, errlen, "%s.code: \"%s\" tekrar ediyor / duplicate", where, code);
    if (find_code(units, jsonx_str(ps, "unit")) < 0)
      return fail(err, errlen, "%s.unit: bilinmeyen birim \"%s\" / unknown unit", where,
                  jsonx_str(ps, "unit") ? jsonx_str(ps, "unit") : "");
  }

  json_t *duties = json_object_get(p, "duties");
  if (!json_is_array(duties) || json_array_size(duties) > PRESET_MAX_ITEMS * 4)
    return fail(err, errlen, "duties: dizi gerekli / array required");
  static const char *const dutyk[] = {"ref", "unit", "position", "text", "capabilities", "repealed"};
  json_t *dt;
  json_array_foreach(duties, i, dt) {
    char where[64];
    snprintf(where, sizeof where, "duties[%zu]", i);
    if (!json_is_object(dt))
      return fail(err, errlen, "%s: nesne gerekli / object required", where);
    if (check_keys(dt, where, dutyk, ARRAY_LEN(dutyk), err, errlen) || need_str(dt, where, "ref", 64, err, errlen))
      return -1;
    const char *ref = jsonx_str(dt, "ref");
    for (size_t j = 0; j < i; j++)
      if (str_eq(jsonx_str(json_array_get(duties, j), "ref"), ref))
        return fail(err, errlen, "%s.ref: \"%s\" tekrar ediyor / duplicate", where, ref);
    json_t *rep = json_object_get(dt, "repealed");
    if (rep && !json_is_boolean(rep))
      return fail(err, errlen, "%s.repealed: true/false olmalı", where);
    bool repealed = json_is_true(rep);
    const char *unit = jsonx_str(dt, "unit"), *pos = jsonx_str(dt, "position");
    if ((unit != NULL) == (pos != NULL))
      return fail(err, errlen, "%s: unit veya position alanlarından tam biri gerekli / exactly one of unit, position",
                  where);
    if (unit && find_code(units, unit) < 0)
      return fail(err, errlen, "%s.unit: bilinmeyen birim \"%s\" / unknown unit", where, unit);
    if (pos && find_code(positions, pos) < 0)
      return fail(err, errlen, "%s.position: bilinmeyen kadro \"%s\" / unknown position", where, pos);
    if (need_str(dt, where, "text", 4000, err, errlen))
      return -1;
    json_t *caps = json_object_get(dt, "capabilities");
    if (caps && !json_is_array(caps))
      return fail(err, errlen, "%s.capabilities: dizi gerekli / array required", where);
    if (!repealed && json_array_size(caps) == 0)
      return fail(err, errlen, "%s.capabilities: en az bir yetenek gerekli (yoksa \"task\") / at least one", where);
    size_t k;
    json_t *c;
    json_array_foreach(caps, k, c) {
      if (!json_is_string(c) || !capability_find(json_string_value(c)))
        return fail(err, errlen, "%s.capabilities[%zu]: bilinmeyen yetenek \"%s\" / unknown capability", where, k,
                    json_is_string(c) ? json_string_value(c) : "?");
      for (size_t j = 0; j < k; j++)
        if (str_eq(json_string_value(json_array_get(caps, j)), json_string_value(c)))
          return fail(err, errlen, "%s.capabilities[%zu]: \"%s\" iki kez yazılmış / listed twice", where, k,
                      json_string_value(c));
    }
  }
  return 0;
}

static json_t *read_preset(const char *path, char *err, size_t errlen)
{
  struct stat sb;
  if (stat(path, &sb) || !S_ISREG(sb.st_mode)) {
    fail(err, errlen, "%s: dosya bulunamadı / file not found", path);
    return NULL;
  }
  if (sb.st_size > PRESET_MAX_BYTES) {
    fail(err, errlen, "%s: dosya çok büyük / file too large", path);
    return NULL;
  }
  json_error_t je;
  json_t *p = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
  if (!p) {
    fail(err, errlen, "%s:%d:%d: JSON hatası / JSON error: %s", path, je.line, je.column, je.text);
    return NULL;
  }
  if (jsonx_depth(p) > JSON_MAX_DEPTH) {
    json_decref(p);
    fail(err, errlen, "%s: çok derin / too deeply nested", path);
    return NULL;
  }
  return p;
}

int org_preset_check(const char *path, char *err, size_t errlen)
{
  json_t *p = read_preset(path, err, errlen);
  if (!p)
    return -1;
  int rc = validate(p, err, errlen);
  json_decref(p);
  return rc;
}

static int insert_unit(db *d, json_t *units, json_t *u, int depth)
{
  const char *code = jsonx_str(u, "code");
  int64_t have = 0;
  if (db_int(d, &have, "SELECT id FROM units WHERE code = ?", "t", code) == DB_ROW)
    return 0;
  if (depth > 64)
    return -1;
  int64_t parent_id = 0;
  const char *parent_path = "/";
  char pathbuf[1024];
  const char *pc = jsonx_str(u, "parent");
  if (pc) {
    int rc = insert_unit(d, units, json_array_get(units, (size_t)find_code(units, pc)), depth + 1);
    if (rc)
      return rc;
    db_stmt *st = db_q(d, "SELECT id, path FROM units WHERE code = ?", "t", pc);
    if (db_step(st) == DB_ROW) {
      parent_id = db_col_int(st, 0);
      snprintf(pathbuf, sizeof pathbuf, "%s", db_col_text(st, 1));
      parent_path = pathbuf;
    }
    db_done(st);
  }
  int rc = db_run(d, "INSERT INTO units (code, name, kind, parent_id, path, sort) VALUES (?, ?, ?, ?, '', ?)",
                  "tttIi", code, jsonx_str(u, "name"), jsonx_str(u, "kind"), parent_id,
                  (int64_t)find_code(units, code));
  if (rc)
    return rc;
  int64_t id = db_last_id(d);
  char path[1100];
  snprintf(path, sizeof path, "%s%lld/", parent_path, (long long)id);
  return db_run(d, "UPDATE units SET path = ? WHERE id = ?", "ti", path, id);
}

static int settings_set_str(db *d, const char *key, const char *value)
{
  return value ? settings_set(d, key, value) : 0;
}

int org_preset_load(db *d, const struct actor *who, const char *path, char *err, size_t errlen)
{
  err[0] = 0;
  json_t *p = read_preset(path, err, errlen);
  if (!p)
    return -1;
  int rc = validate(p, err, errlen);
  if (rc) {
    json_decref(p);
    return rc;
  }
  int64_t existing = 0;
  if (db_int(d, &existing, "SELECT COUNT(*) FROM org_duties", "") == DB_ROW && existing > 0) {
    json_decref(p);
    return fail(err, errlen, "bu veri dizininde zaten bir yönetmelik yüklü / a preset is already loaded");
  }
  rc = db_begin(d);
  json_t *units = json_object_get(p, "units");
  size_t i;
  json_t *x;
  json_array_foreach(units, i, x) {
    if (!rc)
      rc = insert_unit(d, units, x, 0);
  }
  json_t *positions = json_object_get(p, "positions");
  json_array_foreach(positions, i, x) {
    if (!rc)
      rc = db_run(d,
                  "INSERT INTO org_positions (code, title, unit_id) SELECT ?, ?, id FROM units WHERE code = ?",
                  "ttt", jsonx_str(x, "code"), jsonx_str(x, "title"), jsonx_str(x, "unit"));
  }
  json_t *duties = json_object_get(p, "duties");
  json_array_foreach(duties, i, x) {
    if (rc)
      break;
    const char *unit = jsonx_str(x, "unit"), *pos = jsonx_str(x, "position");
    int64_t unit_id = 0, pos_id = 0;
    if (pos) {
      db_stmt *st = db_q(d, "SELECT id, unit_id FROM org_positions WHERE code = ?", "t", pos);
      if (db_step(st) == DB_ROW) {
        pos_id = db_col_int(st, 0);
        unit_id = db_col_int(st, 1);
      }
      db_done(st);
    } else if (db_int(d, &unit_id, "SELECT id FROM units WHERE code = ?", "t", unit) != DB_ROW) {
      rc = DB_ERR;
      break;
    }
    rc = db_run(d, "INSERT INTO org_duties (ref, unit_id, position_id, text, repealed, sort) VALUES (?, ?, ?, ?, ?, ?)",
                "tiItii", jsonx_str(x, "ref"), unit_id, pos_id, jsonx_str(x, "text"),
                (int64_t)jsonx_bool(x, "repealed", false), (int64_t)i);
    int64_t duty_id = db_last_id(d);
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(x, "capabilities"), k, c) {
      if (!rc)
        rc = db_run(d, "INSERT INTO org_duty_caps (duty_id, capability) VALUES (?, ?)", "it", duty_id,
                    json_string_value(c));
    }
  }
  json_t *reg = json_object_get(p, "regulation");
  static const char *const keys[][2] = {{"preset", "id"}, {"institution", "institution"},
                                        {"department", "department"}, {"institution_kind", "institution_kind"}};
  for (size_t k = 0; !rc && k < ARRAY_LEN(keys); k++)
    rc = settings_set_str(d, keys[k][0], jsonx_str(p, keys[k][1]));
  if (!rc)
    rc = settings_set_str(d, "regulation_title", jsonx_str(reg, "title"));
  if (!rc && jsonx_str(reg, "date"))
    rc = settings_set_str(d, "regulation_date", jsonx_str(reg, "date"));
  if (!rc) {
    json_t *after = json_pack("{sssssIsI}", "preset", jsonx_str(p, "id"), "institution", jsonx_str(p, "institution"),
                              "units", (json_int_t)json_array_size(units), "duties",
                              (json_int_t)json_array_size(duties));
    rc = audit_write(d, who, "preset.load", "preset", jsonx_str(p, "id"), 0, NULL, after);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    if (!err[0])
      fail(err, errlen, "veritabanı hatası / database error: %s", db_errmsg(d));
  }
  json_decref(p);
  return rc ? -1 : 0;
}

const char *org_preset_path(const char *id_or_path)
{
  static char path[4096];
  struct stat sb;
  if (strchr(id_or_path, '/') || strstr(id_or_path, ".json")) {
    snprintf(path, sizeof path, "%s", id_or_path);
    return path;
  }
  const char *env = getenv("DEFTER_PRESETS_DIR");
  const char *dirs[] = {env, DEFTER_SOURCE_DIR "/presets", DEFTER_SYSTEM_PRESETS_DIR, "/usr/share/defter/presets"};
  for (size_t i = 0; i < ARRAY_LEN(dirs); i++) {
    if (!dirs[i])
      continue;
    snprintf(path, sizeof path, "%s/%s.json", dirs[i], id_or_path);
    if (stat(path, &sb) == 0)
      return path;
  }
  snprintf(path, sizeof path, "%s.json", id_or_path);
  return path;
}
