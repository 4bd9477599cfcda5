/* user.c - `defter user add|passwd`: accounts from the command line
 * (the first administrator, break-glass resets). */
#include "cli.h"
#include "../core/audit.h"
#include "../core/auth.h"
#include "../core/rbac.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const char USER_HELP[] =
    "Kullanım / usage:\n"
    "  defter user add --data DIR --username U --role ROLE [--unit CODE] [--name \"Ad Soyad\"] --password-stdin\n"
    "  defter user passwd --data DIR --username U --password-stdin\n"
    "  Roller / roles: admin, yonetici, sorumlu, teknik, personel, denetci\n";

int cmd_user(int argc, char **argv)
{
  if (argc < 1 || str_eq(argv[0], "--help")) {
    fputs(USER_HELP, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  const char *sub = argv[0];
  struct args a;
  if (argc > 1 && str_eq(argv[1], "--help")) {
    fputs(USER_HELP, stdout);
    return 0;
  }
  if (!str_eq(sub, "add") && !str_eq(sub, "passwd")) {
    fputs(USER_HELP, stderr);
    return 2;
  }
  if (args_parse(&a, argc - 1, argv + 1, "data=,username=,role=,unit=,name=,password-stdin"))
    return 2;
  const char *dir = arg_get(&a, "data"), *username = arg_get(&a, "username");
  if (!dir || !username || !arg_flag(&a, "password-stdin") || (str_eq(sub, "add") && !arg_get(&a, "role"))) {
    fputs(USER_HELP, stderr);
    return 2;
  }
  char pw[300];
  if (read_secret_stdin(pw, sizeof pw)) {
    cli_error("parola standart girdiden okunamadı / no password on stdin");
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, dir))
    return 1;
  const char *problem = auth_password_problem(username, pw);
  if (problem) {
    cli_error("%s", problem);
    data_close(&dd);
    return 1;
  }
  db *d = dd.d;
  struct actor who = audit_system("cli");
  int rc = 0;
  int64_t uid = 0;
  if (str_eq(sub, "add")) {
    const char *role = arg_get(&a, "role"), *unit_code = arg_get(&a, "unit");
    int64_t unit = 0;
    if (!rbac_role_valid(role)) {
      cli_error("bilinmeyen rol / unknown role: %s", role);
      data_close(&dd);
      return 1;
    }
    if (unit_code && db_int(d, &unit, "SELECT id FROM units WHERE code = ?", "t", unit_code) != DB_ROW) {
      cli_error("bilinmeyen birim / unknown unit: %s", unit_code);
      data_close(&dd);
      return 1;
    }
    if (!unit)
      unit = rbac_root_unit(d);
    if (db_int(d, &uid, "SELECT id FROM users WHERE username = ?", "t", username) == DB_ROW) {
      cli_error("kullanıcı zaten var / user exists: %s", username);
      data_close(&dd);
      return 1;
    }
    rc = db_begin(d);
    if (!rc)
      rc = auth_user_create(d, &who, username, arg_get(&a, "name") ? arg_get(&a, "name") : username, pw, unit, &uid);
    if (!rc)
      rc = rbac_grant(d, uid, role, unit);
    if (!rc) {
      json_t *after = json_pack("{ss}", "role", role);
      char idtxt[32];
      snprintf(idtxt, sizeof idtxt, "%lld", (long long)uid);
      rc = audit_write(d, &who, "grant", "user", idtxt, unit, NULL, after);
      json_decref(after);
    }
    if (rc || (rc = db_commit(d)))
      db_rollback(d);
    if (!rc)
      printf("Kullanıcı eklendi / user added: %s (%s)\n", username, role);
  } else {
    if (db_int(d, &uid, "SELECT id FROM users WHERE username = ?", "t", username) != DB_ROW) {
      cli_error("kullanıcı yok / no such user: %s", username);
      data_close(&dd);
      return 1;
    }
    rc = auth_user_set_password(d, &who, uid, pw);
    if (!rc)
      printf("Parola değiştirildi / password changed: %s\n", username);
  }
  sodium_memzero(pw, sizeof pw);
  data_close(&dd);
  if (rc) {
    cli_error("işlem başarısız / failed");
    return 1;
  }
  return 0;
}
