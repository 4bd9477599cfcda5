/* vault.c - `defter vault rotate-key`: a new key for the credentials
 * vault, every entry re-sealed under it (see src/vault/rekey.c for the
 * order of the steps that keeps every entry readable after a crash). */
#include "cli.h"
#include "../core/audit.h"
#include "../vault/vault.h"

#include <stdio.h>
#include <string.h>

static const char VAULT_HELP[] =
    "Kullanım / usage: defter vault rotate-key --data DIR\n"
    "  Parola kasası için yeni anahtar üretir ve bütün kayıtları yeniden mühürler.\n"
    "  Makes a new vault key and re-seals every entry under it.\n";

int cmd_vault(int argc, char **argv)
{
  struct args a;
  if (argc > 0 && str_eq(argv[0], "--help")) {
    fputs(VAULT_HELP, stdout);
    return 0;
  }
  if (argc < 1 || !str_eq(argv[0], "rotate-key") || args_parse(&a, argc - 1, argv + 1, "data=") ||
      !arg_get(&a, "data")) {
    fputs(VAULT_HELP, stderr);
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, arg_get(&a, "data")))
    return 1;
  struct actor who = audit_system("cli:vault");
  char err[512];
  int64_t n = 0;
  int rc = vault_rotate_key(dd.d, &who, &n, err, sizeof err);
  data_close(&dd);
  if (rc) {
    cli_error("anahtar yenilenemedi / key not rotated: %s", err);
    return 1;
  }
  printf("Yeni anahtar hazır, %lld kayıt yeniden mühürlendi / new key ready, %lld entries re-sealed\n", (long long)n,
         (long long)n);
  return 0;
}
