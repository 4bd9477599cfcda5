/* main.c - `defter <command>`: subcommand dispatch only. */
#include "cli/cli.h"
#include "core/i18n.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char USAGE[] =
    "defter - Bilgi İşlem operasyon sistemi / IT department operations system\n"
    "\n"
    "Kullanım / usage: defter <komut / command> [seçenekler / options]\n"
    "  init      yeni veri dizini / new data directory from a regulation preset\n"
    "  serve     web arayüzü ve API / web UI and API\n"
    "  user      kullanıcı ekle, parola / add users, set passwords\n"
    "  backup    çevrimiçi yedek / online backup\n"
    "  restore   yedekten geri yükle / restore a backup\n"
    "  audit     denetim zincirini doğrula / verify the audit chain\n"
    "  preset    şablon doğrula / check a regulation preset\n"
    "  jobs      zamanlanmış işler / list or run scheduled jobs\n"
    "  desk      hizmet masası örnek kayıtları / service desk synthetic tickets\n"
    "  mail      e-posta ayarlarını dene / test mail, outbox, mailbox\n"
    "  netlog    5651 erişim kayıtları: topla, doğrula, sorgula / access logs: collect, verify, query\n"
    "  vault     parola kasası anahtarını yenile / rotate the password vault key\n"
    "  ldap      dizin (LDAP / AD) girişini dene, eşitle / test directory sign-in, sync\n"
    "  routes    kayıtlı adresler / registered routes\n"
    "  version   sürüm / version\n"
    "Her komut --help kabul eder / every command takes --help.\n";

struct command {
  const char *name;
  int (*fn)(int argc, char **argv);
};

static int cmd_version(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  printf("defter %s\n", DEFTER_VERSION);
  return 0;
}

static const struct command commands[] = {
    {"init", cmd_init},     {"serve", cmd_serve},     {"user", cmd_user},     {"backup", cmd_backup},
    {"restore", cmd_restore}, {"audit", cmd_audit},   {"preset", cmd_preset}, {"routes", cmd_routes},  {"jobs", cmd_jobs},
    {"desk", cmd_desk},     {"mail", cmd_mail},       {"netlog", cmd_netlog}, {"ldap", cmd_ldap},     {"vault", cmd_vault},
    {"version", cmd_version},
};

int main(int argc, char **argv)
{
  if (sodium_init() < 0) {
    fputs("defter: libsodium başlatılamadı / cannot initialise libsodium\n", stderr);
    return 1;
  }
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
    fputs(USAGE, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!strcmp(argv[1], "--version"))
    return cmd_version(0, NULL);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].fn(argc - 2, argv + 2);
  fprintf(stderr, "defter: bilinmeyen komut / unknown command: %s\n\n%s", argv[1], USAGE);
  return 2;
}
