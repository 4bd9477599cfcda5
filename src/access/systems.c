/* systems.c - the systems catalogue: each system the municipality runs
 * (EBYS, e-posta, Active Directory, VPN ...) with its owner unit, its
 * system owner and technical owner, the roles it grants, whether access
 * needs a formal letter (resmi yazı) and who approves requests for it. */
#include "access.h"
#include "access_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <ctype.h>
#include <string.h>

enum { ROLES_MAX = 100, SYSTEMS_MAX = 500 };

static const char *col(db_stmt *st, arena *a, int i)
{
  return arena_strdup(a, db_col_text(st, i));
}

int access_system_load(db *d, arena *a, int64_t id, struct access_system *s)
{
  memset(s, 0, sizeof *s);
  db_stmt *st = db_q(d,
                     "SELECT s.id, s.code, s.name, s.description, s.owner_unit_id, u.code, u.name, s.owner_id,"
                     " s.tech_owner_id, s.requires_letter, s.approver, s.active"
                     " FROM access_systems s JOIN units u ON u.id = s.owner_unit_id WHERE s.id = ?",
                     "i", id);
  int rc = db_step(st);
  if (rc == DB_ROW) {
    s->id = db_col_int(st, 0);
    s->code = col(st, a, 1);
    s->name = col(st, a, 2);
    s->description = col(st, a, 3);
    s->owner_unit_id = db_col_int(st, 4);
    s->unit_code = col(st, a, 5);
    s->unit_name = col(st, a, 6);
    s->owner_id = db_col_int(st, 7);
    s->tech_owner_id = db_col_int(st, 8);
    s->requires_letter = db_col_int(st, 9) != 0;
    s->approver = col(st, a, 10);
    s->active = db_col_int(st, 11) != 0;
  }
  db_done(st);
  return rc;
}

bool access_may_approve(int64_t user_id, const struct access_system *s)
{
  if (str_eq(s->approver, "system_owner"))
    return s->owner_id && s->owner_id == user_id;
  return rbac_can(user_id, "access.approve", s->owner_unit_id);
}

bool access_may_provision(int64_t user_id, const struct access_system *s)
{
  return (s->tech_owner_id && s->tech_owner_id == user_id) || rbac_can(user_id, "access.provision", s->owner_unit_id);
}

static json_t *roles_json(db *d, int64_t system_id)
{
  json_t *arr = json_array();
  db_stmt *st = db_q(d,
                     "SELECT id, code, name, description, active FROM access_roles WHERE system_id = ?"
                     " ORDER BY code LIMIT ?",
                     "ii", system_id, (int64_t)ROLES_MAX);
  while (db_step(st) == DB_ROW) {
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(o, "code", db_col_text(st, 1));
    jsonx_set_str(o, "name", db_col_text(st, 2));
    jsonx_set_str(o, "description", db_col_text(st, 3));
    json_object_set_new(o, "active", json_boolean(db_col_int(st, 4)));
    json_array_append_new(arr, o);
  }
  db_done(st);
  return arr;
}

json_t *access_system_json(db *d, const struct access_system *s, bool with_roles)
{
  json_t *o = json_object();
  json_object_set_new(o, "id", json_integer(s->id));
  jsonx_set_str(o, "code", s->code);
  jsonx_set_str(o, "name", s->name);
  jsonx_set_str(o, "description", s->description);
  json_object_set_new(o, "owner_unit", json_pack("{sIssss}", "id", (json_int_t)s->owner_unit_id, "code",
                                                 s->unit_code ? s->unit_code : "", "name",
                                                 s->unit_name ? s->unit_name : ""));
  json_object_set_new(o, "owner", access_user_json(d, s->owner_id));
  json_object_set_new(o, "tech_owner", access_user_json(d, s->tech_owner_id));
  json_object_set_new(o, "requires_letter", json_boolean(s->requires_letter));
  jsonx_set_str(o, "approver", s->approver);
  json_object_set_new(o, "active", json_boolean(s->active));
  if (with_roles)
    json_object_set_new(o, "roles", roles_json(d, s->id));
  return o;
}

/* ---- validation -------------------------------------------------------------- */

static bool code_ok(const char *s, size_t max)
{
  size_t n = s ? strlen(s) : 0;
  if (!n || n > max)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
      return false;
  return true;
}

/* A user field: absent (keep), null (none) or an active user's id. */
static int64_t user_field(db *d, json_t *in, const char *name, int64_t keep, struct access_err *e)
{
  json_t *v = json_object_get(in, name);
  if (!v)
    return keep;
  if (json_is_null(v))
    return 0;
  int64_t id = json_is_integer(v) ? json_integer_value(v) : 0;
  if (!access_user_active(d, id)) {
    access_field(e, name, _("Unknown or inactive user."));
    return 0;
  }
  return id;
}

struct system_in {
  const char *name, *description, *approver;
  int64_t owner_unit_id, owner_id, tech_owner_id;
  bool requires_letter, active;
};

/* Reads the fields present in `in` over the current values in s. */
static void system_fields(request *r, json_t *in, struct system_in *s, struct access_err *e)
{
  db *d = db_thread();
  if (json_object_get(in, "name")) {
    s->name = access_trim(r->a, jsonx_str(in, "name"));
    access_check_text(e, "name", s->name, 120, true);
  }
  if (json_object_get(in, "description")) {
    s->description = access_trim(r->a, jsonx_str(in, "description"));
    access_check_text(e, "description", s->description, 2000, false);
  }
  const char *unit = jsonx_str(in, "owner_unit");
  if (unit) {
    int64_t id = 0;
    if (db_int(d, &id, "SELECT id FROM units WHERE code = ?", "t", unit) != DB_ROW)
      access_field(e, "owner_unit", _("Unknown unit."));
    else
      s->owner_unit_id = id;
  }
  s->owner_id = user_field(d, in, "owner", s->owner_id, e);
  s->tech_owner_id = user_field(d, in, "tech_owner", s->tech_owner_id, e);
  s->requires_letter = jsonx_bool(in, "requires_letter", s->requires_letter);
  s->active = jsonx_bool(in, "active", s->active);
  const char *ap = jsonx_str(in, "approver");
  if (ap) {
    if (!str_eq(ap, "it_manager") && !str_eq(ap, "system_owner"))
      access_field(e, "approver", _("Use it_manager or system_owner."));
    else
      s->approver = arena_strdup(r->a, ap);
  }
  if (!e->fields && str_eq(s->approver, "system_owner") && !s->owner_id)
    access_field(e, "owner", _("A system approved by its owner needs an owner."));
}

static json_t *system_audit(const struct system_in *s, const char *code)
{
  return json_pack("{sssssIsIsIsbsssb}", "code", code, "name", s->name, "owner_unit", (json_int_t)s->owner_unit_id,
                   "owner", (json_int_t)s->owner_id, "tech_owner", (json_int_t)s->tech_owner_id, "requires_letter",
                   s->requires_letter, "approver", s->approver, "active", s->active);
}

static const struct jfield system_jfields[] = {
    {"code", JT_STRING, false, 16},        {"name", JT_STRING, false, 120},
    {"description", JT_STRING, false, 2000}, {"owner_unit", JT_STRING, false, 16},
    {"owner", JT_ANY, false, 0},           {"tech_owner", JT_ANY, false, 0},
    {"requires_letter", JT_BOOL, false, 0}, {"approver", JT_STRING, false, 16},
    {"active", JT_BOOL, false, 0},         {"roles", JT_ARRAY, false, ROLES_MAX},
};

static int role_insert(db *d, const struct actor *who, int64_t system_id, int64_t unit, const char *code,
                       const char *name, const char *desc, int64_t *id_out)
{
  int rc = db_run(d, "INSERT INTO access_roles (system_id, code, name, description) VALUES (?, ?, ?, ?)", "ittt",
                  system_id, code, name, desc ? desc : "");
  if (rc)
    return rc;
  int64_t id = db_last_id(d);
  if (id_out)
    *id_out = id;
  json_t *after = json_pack("{sIssss}", "system", (json_int_t)system_id, "code", code, "name", name);
  rc = access_audit(d, who, "create", "access_role", id, unit, NULL, after);
  json_decref(after);
  return rc;
}

/* Checks one {"code","name","description"} role object. */
static void role_check(request *r, json_t *o, const char *prefix, struct access_err *e, const char **code,
                       const char **name, const char **desc)
{
  *code = jsonx_str(o, "code");
  *name = access_trim(r->a, jsonx_str(o, "name"));
  *desc = access_trim(r->a, jsonx_str(o, "description"));
  if (!json_is_object(o)) {
    access_field(e, prefix, _("Give each role as an object with code and name."));
    return;
  }
  if (!code_ok(*code, 32))
    access_field(e, arena_printf(r->a, "%scode", prefix), _("Use 1-32 letters, digits, '.', '_' or '-'."));
  access_check_text(e, arena_printf(r->a, "%sname", prefix), *name, 120, true);
  access_check_text(e, arena_printf(r->a, "%sdescription", prefix), *desc, 2000, false);
}

/* ---- API ------------------------------------------------------------------------ */

int access_api_systems_list(request *r)
{
  db *d = db_thread();
  bool all = req_query(r, "all") && str_eq(req_query(r, "all"), "1");
  json_t *items = json_array();
  db_stmt *st = db_q(d, "SELECT id FROM access_systems WHERE (? = 1 OR active = 1) ORDER BY name, id LIMIT ?", "ii",
                     (int64_t)all, (int64_t)SYSTEMS_MAX);
  int64_t ids[SYSTEMS_MAX];
  size_t n = 0;
  while (db_step(st) == DB_ROW && n < SYSTEMS_MAX)
    ids[n++] = db_col_int(st, 0);
  db_done(st);
  for (size_t i = 0; i < n; i++) {
    struct access_system s;
    if (access_system_load(d, r->a, ids[i], &s) == DB_ROW)
      json_array_append_new(items, access_system_json(d, &s, true));
  }
  return http_json(r, 200, json_pack("{so}", "items", items));
}

int access_api_system_get(request *r)
{
  struct access_system s;
  int64_t id = access_route_id(r, "id");
  int rc = id ? access_system_load(db_thread(), r->a, id, &s) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  return http_json(r, 200, access_system_json(db_thread(), &s, true));
}

static int reply_system(request *r, int status, int64_t id)
{
  struct access_system s;
  if (access_system_load(db_thread(), r->a, id, &s) != DB_ROW)
    return -1;
  return http_json(r, status, access_system_json(db_thread(), &s, true));
}

int access_api_system_create(request *r)
{
  json_t *in = req_json(r, system_jfields, ARRAY_LEN(system_jfields));
  if (!in)
    return 0;
  db *d = db_thread();
  struct access_err e = {0};
  struct system_in s = {.approver = "it_manager", .active = true, .owner_unit_id = rbac_root_unit(d)};
  const char *code = jsonx_str(in, "code");
  if (!code_ok(code, 16))
    access_field(&e, "code", _("Use 1-16 letters, digits, '.', '_' or '-'."));
  if (!json_object_get(in, "name"))
    access_field(&e, "name", _("This field is required."));
  system_fields(r, in, &s, &e);
  json_t *roles = json_object_get(in, "roles");
  size_t i;
  json_t *ro;
  json_array_foreach(roles, i, ro)
  {
    const char *rc_, *rn, *rd;
    role_check(r, ro, arena_printf(r->a, "roles[%zu].", i), &e, &rc_, &rn, &rd);
  }
  int64_t one;
  if (!e.fields && db_int(d, &one, "SELECT 1 FROM access_systems WHERE code = ?", "t", code) == DB_ROW)
    access_fail(&e, 409, "conflict", _("A system with this code exists."));
  if (!e.status && !rbac_can(r->user->id, "access.manage", s.owner_unit_id))
    access_fail(&e, 403, "forbidden", _("You do not have permission for this."));
  if (e.status) {
    json_decref(in);
    return access_reply_err(r, &e);
  }
  struct actor who = audit_actor(r);
  int64_t now = now_unix(), id = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO access_systems (code, name, description, owner_unit_id, owner_id, tech_owner_id,"
                " requires_letter, approver, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                "tttiIIitiii", code, s.name, s.description ? s.description : "", s.owner_unit_id, s.owner_id,
                s.tech_owner_id, (int64_t)s.requires_letter, s.approver, (int64_t)s.active, now, now);
  if (!rc) {
    id = db_last_id(d);
    json_t *after = system_audit(&s, code);
    rc = access_audit(d, &who, "create", "access_system", id, s.owner_unit_id, NULL, after);
    json_decref(after);
  }
  json_array_foreach(roles, i, ro)
  {
    if (rc)
      break;
    const char *rcode, *rn, *rd;
    role_check(r, ro, "", &e, &rcode, &rn, &rd);
    rc = role_insert(d, &who, id, s.owner_unit_id, rcode, rn, rd, NULL);
  }
  json_decref(in);
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return http_error(r, 409, "conflict", _("Two roles have the same code."), NULL);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_system(r, 201, id);
}

int access_api_system_patch(request *r)
{
  db *d = db_thread();
  int64_t id = access_route_id(r, "id");
  struct access_system cur;
  int rc = id ? access_system_load(d, r->a, id, &cur) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  /* code and roles are not changed here */
  json_t *in = req_json(r, system_jfields + 1, ARRAY_LEN(system_jfields) - 2);
  if (!in)
    return 0;
  struct access_err e = {0};
  struct system_in s = {.name = cur.name,
                        .description = cur.description,
                        .approver = cur.approver,
                        .owner_unit_id = cur.owner_unit_id,
                        .owner_id = cur.owner_id,
                        .tech_owner_id = cur.tech_owner_id,
                        .requires_letter = cur.requires_letter,
                        .active = cur.active};
  system_fields(r, in, &s, &e);
  json_decref(in);
  if (!e.status && (!rbac_can(r->user->id, "access.manage", cur.owner_unit_id) ||
                    !rbac_can(r->user->id, "access.manage", s.owner_unit_id)))
    access_fail(&e, 403, "forbidden", _("You do not have permission for this."));
  if (e.status)
    return access_reply_err(r, &e);
  struct system_in old = {.name = cur.name,
                          .approver = cur.approver,
                          .owner_unit_id = cur.owner_unit_id,
                          .owner_id = cur.owner_id,
                          .tech_owner_id = cur.tech_owner_id,
                          .requires_letter = cur.requires_letter,
                          .active = cur.active};
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "UPDATE access_systems SET name = ?, description = ?, owner_unit_id = ?, owner_id = ?,"
                " tech_owner_id = ?, requires_letter = ?, approver = ?, active = ?, updated_at = ? WHERE id = ?",
                "ttiIIitiii", s.name, s.description ? s.description : "", s.owner_unit_id, s.owner_id,
                s.tech_owner_id, (int64_t)s.requires_letter, s.approver, (int64_t)s.active, now_unix(), id);
  if (!rc) {
    json_t *before = system_audit(&old, cur.code), *after = system_audit(&s, cur.code);
    rc = access_audit(d, &who, "update", "access_system", id, s.owner_unit_id, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_system(r, 200, id);
}

int access_api_role_create(request *r)
{
  static const struct jfield fields[] = {
      {"code", JT_STRING, true, 32},
      {"name", JT_STRING, true, 120},
      {"description", JT_STRING, false, 2000},
  };
  db *d = db_thread();
  int64_t id = access_route_id(r, "id");
  struct access_system s;
  int rc = id ? access_system_load(d, r->a, id, &s) : DB_OK;
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  if (!rbac_can(r->user->id, "access.manage", s.owner_unit_id))
    return http_forbidden(r);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct access_err e = {0};
  const char *code, *name, *desc;
  role_check(r, in, "", &e, &code, &name, &desc);
  code = arena_strdup(r->a, code);
  json_decref(in);
  if (e.status)
    return access_reply_err(r, &e);
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = role_insert(d, &who, id, s.owner_unit_id, code, name, desc, NULL);
  if (rc == DB_CONSTRAINT) {
    db_rollback(d);
    return http_error(r, 409, "conflict", _("The system has a role with this code."), NULL);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_system(r, 201, id);
}

int access_api_role_patch(request *r)
{
  static const struct jfield fields[] = {
      {"name", JT_STRING, false, 120},
      {"description", JT_STRING, false, 2000},
      {"active", JT_BOOL, false, 0},
  };
  db *d = db_thread();
  int64_t id = access_route_id(r, "id"), rid = access_route_id(r, "rid");
  struct access_system s;
  int rc = id ? access_system_load(d, r->a, id, &s) : DB_OK;
  if (rc < 0)
    return -1;
  const char *name = NULL, *desc = NULL;
  bool active = false;
  if (rc == DB_ROW) {
    db_stmt *st = db_q(d, "SELECT name, description, active FROM access_roles WHERE id = ? AND system_id = ?", "ii",
                       rid, id);
    rc = db_step(st);
    if (rc == DB_ROW) {
      name = arena_strdup(r->a, db_col_text(st, 0));
      desc = arena_strdup(r->a, db_col_text(st, 1));
      active = db_col_int(st, 2) != 0;
    }
    db_done(st);
  }
  if (rc < 0)
    return -1;
  if (rc != DB_ROW)
    return http_not_found(r);
  if (!rbac_can(r->user->id, "access.manage", s.owner_unit_id))
    return http_forbidden(r);
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 0;
  struct access_err e = {0};
  json_t *before = json_pack("{sssb}", "name", name, "active", active);
  if (json_object_get(in, "name")) {
    name = access_trim(r->a, jsonx_str(in, "name"));
    access_check_text(&e, "name", name, 120, true);
  }
  if (json_object_get(in, "description")) {
    desc = access_trim(r->a, jsonx_str(in, "description"));
    access_check_text(&e, "description", desc, 2000, false);
  }
  active = jsonx_bool(in, "active", active);
  json_decref(in);
  if (e.status) {
    json_decref(before);
    return access_reply_err(r, &e);
  }
  struct actor who = audit_actor(r);
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "UPDATE access_roles SET name = ?, description = ?, active = ? WHERE id = ?", "ttii", name,
                desc ? desc : "", (int64_t)active, rid);
  if (!rc) {
    json_t *after = json_pack("{sssb}", "name", name, "active", active);
    rc = access_audit(d, &who, "update", "access_role", rid, s.owner_unit_id, before, after);
    json_decref(after);
  }
  json_decref(before);
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  return reply_system(r, 200, id);
}

/* ---- seeds ------------------------------------------------------------------------ */

struct seed_role {
  const char *code, *name;
};
static const struct {
  const char *code, *name, *description;
  bool letter;
  struct seed_role roles[4];
} seed[] = {
    {"EBYS", "Elektronik Belge Yönetim Sistemi (EBYS)", "Resmî yazışma, evrak kayıt ve arşiv", false,
     {{"kullanici", "Kullanıcı"}, {"evrak_kayit", "Evrak kayıt"}, {"birim_yoneticisi", "Birim yöneticisi"}}},
    {"YBS", "Belediye Bilgi Sistemi (YBS / otomasyon)", "Gelir, emlak, ruhsat ve muhasebe modülleri", false,
     {{"kullanici", "Kullanıcı"}, {"tahsildar", "Tahsildar"}, {"modul_yoneticisi", "Modül yöneticisi"}}},
    {"EPOSTA", "Kurumsal e-posta", "Kurumsal e-posta hesabı ve dağıtım listeleri", false,
     {{"posta_kutusu", "Posta kutusu"}, {"ortak_kutu", "Ortak posta kutusu erişimi"}}},
    {"AD", "Active Directory", "Etki alanı hesabı ve grup üyelikleri", false,
     {{"kullanici", "Etki alanı kullanıcısı"}, {"yerel_yonetici", "Yerel yönetici"}, {"alan_yoneticisi", "Etki alanı yöneticisi"}}},
    {"VPN", "Uzaktan erişim (VPN)", "Kurum ağına uzaktan bağlantı", true,
     {{"kullanici", "VPN kullanıcısı"}, {"firma", "Firma (üçüncü taraf) erişimi"}}},
    {"INTERNET", "İnternet erişimi", "Web filtreleme profilleri", true,
     {{"standart", "Standart profil"}, {"genisletilmis", "Genişletilmiş profil (istisna)"}}},
    {"CBS", "Coğrafi Bilgi Sistemi (CBS)", "Kent bilgi sistemi ve harita katmanları", false,
     {{"goruntuleme", "Görüntüleme"}, {"duzenleme", "Düzenleme"}}},
    {"PBX", "Santral (PBX)", "Dahili hat ve dış arama yetkisi", false,
     {{"dahili", "Dahili hat"}, {"sehirlerarasi", "Şehirlerarası / GSM arama"}}},
    {"KARTLI", "Kartlı geçiş sistemi", "Bina ve oda geçiş yetkileri", false,
     {{"bina", "Bina girişi"}, {"sistem_odasi", "Sistem odası"}}},
};

int access_seed_catalogue(db *d, const struct actor *who)
{
  int64_t n = 0;
  int rc = db_int(d, &n, "SELECT COUNT(*) FROM access_systems", "");
  if (rc != DB_ROW)
    return rc < 0 ? rc : DB_ERR;
  if (n)
    return 0;
  int64_t root = rbac_root_unit(d), now = now_unix();
  rc = db_begin(d);
  for (size_t i = 0; !rc && i < ARRAY_LEN(seed); i++) {
    rc = db_run(d,
                "INSERT INTO access_systems (code, name, description, owner_unit_id, requires_letter, approver,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'it_manager', ?, ?)",
                "tttiiii", seed[i].code, seed[i].name, seed[i].description, root, (int64_t)seed[i].letter, now, now);
    int64_t id = rc ? 0 : db_last_id(d);
    if (!rc) {
      json_t *after = json_pack("{sssssb}", "code", seed[i].code, "name", seed[i].name, "requires_letter",
                                seed[i].letter);
      rc = access_audit(d, who, "seed", "access_system", id, root, NULL, after);
      json_decref(after);
    }
    for (size_t k = 0; !rc && k < ARRAY_LEN(seed[i].roles) && seed[i].roles[k].code; k++)
      rc = db_run(d, "INSERT INTO access_roles (system_id, code, name) VALUES (?, ?, ?)", "itt", id,
                  seed[i].roles[k].code, seed[i].roles[k].name);
  }
  if (rc || (rc = db_commit(d)))
    db_rollback(d);
  return rc;
}

int access_demo_seed(db *d, const struct actor *who)
{
  int64_t uid = 0, unit = 0;
  db_stmt *st = db_q(d, "SELECT id, unit_id FROM users WHERE username = 'teknik' AND active = 1", "");
  int rc = db_step(st);
  if (rc == DB_ROW) {
    uid = db_col_int(st, 0);
    unit = db_col_int(st, 1);
  }
  db_done(st);
  if (rc < 0)
    return rc;
  if (!uid || !unit)
    return 0;
  rc = db_begin(d);
  if (!rc)
    rc = db_run(d, "UPDATE access_systems SET tech_owner_id = ?, owner_unit_id = ?, updated_at = ?", "iii", uid, unit,
                now_unix());
  if (!rc) {
    json_t *after = json_pack("{sIsI}", "tech_owner", (json_int_t)uid, "owner_unit", (json_int_t)unit);
    rc = audit_write(d, who, "update", "access_system", "*", unit, NULL, after);
    json_decref(after);
  }
  if (rc || (rc = db_commit(d)))
    db_rollback(d);
  return rc;
}
