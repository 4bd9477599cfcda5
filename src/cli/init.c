/* init.c - `defter init`: a new data directory from a regulation preset,
 * with an administrator (and, with --demo, one account per role). */
#include "cli.h"
#include "../core/audit.h"
#include "../core/auth.h"
#include "../core/rbac.h"
#include "../core/schema.h"
#include "../org/org.h"
#include "../work/work.h"
#include "../desk/desk.h"
#include "../access/access.h"
#include "../vault/vault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char INIT_HELP[] =
    "Kullanım / usage: defter init --data DIR --preset ID|FILE [--demo]\n"
    "  Yeni bir veri dizini oluşturur ve yönetmelik şablonunu yükler.\n"
    "  Creates a data directory and loads the regulation preset.\n"
    "  --demo  her rol için bir tanıtım hesabı ekler / adds a demo account per role\n";

/* A random password that satisfies the policy. */
static void new_password(char out[32])
{
  for (;;) {
    arena *a = arena_new();
    snprintf(out, 32, "%.16s", random_token(a, 16));
    arena_free(a);
    if (!auth_password_problem(NULL, out))
      return;
  }
}

struct demo_account {
  const char *username, *name, *role;
  int unit_index;  /* 0 = root, 1 = first child unit, 2 = second child */
};

static const struct demo_account demo[] = {
    {"mudur", "Ayşe Yılmaz", "yonetici", 0},
    {"sef", "Mehmet Demir", "sorumlu", 1},
    {"teknik", "Zeynep Kaya", "teknik", 1},
    {"personel", "Ali Çelik", "personel", 2},
    {"denetci", "Fatma Şahin", "denetci", 0},
    {"kayit", "Emre Aydın", "kayit_sorumlusu", 0},
};

static int64_t child_unit(db *d, int index)
{
  int64_t id = 0;
  if (index == 0)
    return rbac_root_unit(d);
  db_stmt *st = db_q(d, "SELECT id FROM units WHERE parent_id = ? ORDER BY sort, id LIMIT 1 OFFSET ?", "ii",
                     rbac_root_unit(d), (int64_t)(index - 1));
  if (db_step(st) == DB_ROW)
    id = db_col_int(st, 0);
  db_done(st);
  return id ? id : rbac_root_unit(d);
}

int cmd_init(int argc, char **argv)
{
  struct args a;
  if (argc > 0 && str_eq(argv[0], "--help")) {
    fputs(INIT_HELP, stdout);
    return 0;
  }
  if (args_parse(&a, argc, argv, "data=,preset=,demo"))
    return 2;
  const char *dir = arg_get(&a, "data"), *preset = arg_get(&a, "preset");
  if (!dir || !preset) {
    fputs(INIT_HELP, stderr);
    return 2;
  }
  char p[4200], err[1024];
  const char *ppath = org_preset_path(preset);
  if (org_preset_check(ppath, err, sizeof err)) {
    cli_error("şablon geçersiz / invalid preset: %s", err);
    return 1;
  }
  snprintf(p, sizeof p, "%s/defter.db", dir);
  struct stat sb;
  if (stat(p, &sb) == 0) {
    cli_error("%s zaten var; mevcut veri korunuyor / already exists; refusing to overwrite", p);
    return 1;
  }
  if (mkdir(dir, 0750) && errno != EEXIST) {
    cli_error("%s oluşturulamadı / cannot create: %s", dir, strerror(errno));
    return 1;
  }
  static const char *const subdirs[] = {"files", "netlog"};
  for (size_t i = 0; i < ARRAY_LEN(subdirs); i++) {
    snprintf(p, sizeof p, "%s/%s", dir, subdirs[i]);
    if (mkdir(p, 0750) && errno != EEXIST) {
      cli_error("%s oluşturulamadı / cannot create: %s", p, strerror(errno));
      return 1;
    }
  }
  if (vault_key_init(dir, err, sizeof err)) {
    cli_error("kasa anahtarı yazılamadı / cannot write the vault key: %s", err);
    return 1;
  }
  snprintf(p, sizeof p, "%s/defter.conf", dir);
  if (stat(p, &sb) != 0) {
    FILE *f = fopen(p, "w");
    if (!f || fputs(config_default_text, f) < 0 || fclose(f)) {
      cli_error("%s yazılamadı / cannot write", p);
      return 1;
    }
  }
  snprintf(p, sizeof p, "%s/defter.db", dir);
  db *d = NULL;
  if (db_open(p, true, &d)) {
    cli_error("%s oluşturulamadı / cannot create", p);
    return 1;
  }
  db_set_default_path(p);
  struct actor who = audit_system("cli:init");
  int rc = schema_migrate_all(d);
  if (!rc && org_preset_load(d, &who, ppath, err, sizeof err)) {
    cli_error("şablon yüklenemedi / preset not loaded: %s", err);
    rc = -1;
  }
  if (!rc && (rc = org_calendar_seed(d, &who)))
    cli_error("resmî tatiller yüklenemedi / official holidays not loaded");
  if (!rc && desk_seed_categories(d)) {
    cli_error("hizmet masası kategorileri oluşturulamadı / desk categories not created");
    rc = -1;
  }
  if (!rc && access_seed_catalogue(d, &who)) {
    cli_error("sistem kataloğu oluşturulamadı / systems catalogue not created");
    rc = -1;
  }
  char pw[32];
  int64_t uid = 0;
  if (!rc) {
    new_password(pw);
    rc = db_begin(d);
    if (!rc)
      rc = auth_user_create(d, &who, "admin", "Sistem Yöneticisi", pw, rbac_root_unit(d), &uid);
    if (!rc)
      rc = rbac_grant(d, uid, "admin", 0);
    if (!rc) {
      json_t *after = json_pack("{ss}", "role", "admin");
      rc = audit_write(d, &who, "grant", "user", "admin", rbac_root_unit(d), NULL, after);
      json_decref(after);
    }
    if (rc || (rc = db_commit(d)))
      db_rollback(d);
  }
  FILE *logins = NULL;
  if (!rc && arg_flag(&a, "demo")) {
    snprintf(p, sizeof p, "%s/demo-logins.txt", dir);
    logins = fopen(p, "w");
    if (logins) {
      chmod(p, 0600);
      fprintf(logins, "# Tanıtım hesapları / demo accounts (kullanıcı parola rol)\nadmin %s admin\n", pw);
    }
    for (size_t i = 0; !rc && i < ARRAY_LEN(demo); i++) {
      char dpw[32];
      new_password(dpw);
      int64_t unit = child_unit(d, demo[i].unit_index), id = 0;
      rc = db_begin(d);
      if (!rc)
        rc = auth_user_create(d, &who, demo[i].username, demo[i].name, dpw, unit, &id);
      if (!rc)
        rc = rbac_grant(d, id, demo[i].role, unit);
      if (!rc) {
        json_t *after = json_pack("{ss}", "role", demo[i].role);
        rc = audit_write(d, &who, "grant", "user", demo[i].username, unit, NULL, after);
        json_decref(after);
      }
      if (rc || (rc = db_commit(d)))
        db_rollback(d);
      if (logins)
        fprintf(logins, "%s %s %s\n", demo[i].username, dpw, demo[i].role);
    }
    if (!rc)
      rc = org_demo_seed(d, &who);
    if (!rc)
      rc = work_demo_seed(d, &who);
    if (!rc)
      rc = access_demo_seed(d, &who);
    if (!rc)
      rc = desk_generate(d, 60, 20261122, true);
    if (logins)
      fclose(logins);
  }
  db_close(d);
  if (rc) {
    /* Leave no half-made database behind, so init can be run again. */
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < ARRAY_LEN(suffixes); i++) {
      snprintf(p, sizeof p, "%s/defter.db%s", dir, suffixes[i]);
      unlink(p);
    }
    snprintf(p, sizeof p, "%s/demo-logins.txt", dir);
    unlink(p);
    cli_error("başlatma tamamlanamadı / init failed");
    return 1;
  }
  printf("Veri dizini hazır / data directory ready: %s\n", dir);
  printf("Yönetici girişi / admin login: admin / %s\n", pw);
  if (arg_flag(&a, "demo"))
    printf("Tanıtım hesapları / demo accounts: %s/demo-logins.txt\n", dir);
  return 0;
}
