/* audit.c - `defter audit verify`: walks the hash chain and names the
 * first broken row. */
#include "cli.h"
#include "../core/audit.h"

#include <stdio.h>

static const char AUDIT_HELP[] =
    "Kullanım / usage: defter audit verify --data DIR\n"
    "  Denetim zincirini doğrular; bozuksa ilk bozuk satırı bildirir (çıkış kodu 1).\n"
    "  Verifies the audit chain; names the first broken row (exit status 1).\n";

int cmd_audit(int argc, char **argv)
{
  if (argc < 1 || !str_eq(argv[0], "verify")) {
    bool help = argc > 0 && str_eq(argv[0], "--help");
    fputs(AUDIT_HELP, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  if (argc > 1 && str_eq(argv[1], "--help")) {
    fputs(AUDIT_HELP, stdout);
    return 0;
  }
  struct args a;
  if (args_parse(&a, argc - 1, argv + 1, "data="))
    return 2;
  const char *dir = arg_get(&a, "data");
  if (!dir) {
    fputs(AUDIT_HELP, stderr);
    return 2;
  }
  char p[4200];
  snprintf(p, sizeof p, "%s/defter.db", dir);
  db *d = NULL;
  if (db_open(p, false, &d)) {
    cli_error("%s açılamadı / cannot open (bozuk olabilir / may be damaged)", p);
    return 1;
  }
  int64_t bad = 0, rows = 0;
  char why[256] = "";
  int rc = audit_verify(d, &bad, &rows, why, sizeof why);
  db_close(d);
  if (rc) {
    printf("Denetim zinciri BOZUK / audit chain BROKEN: ilk bozuk satır / first broken row %lld: %s\n",
           (long long)bad, why);
    return 1;
  }
  printf("Denetim zinciri sağlam / audit chain intact: %lld kayıt / rows\n", (long long)rows);
  return 0;
}
