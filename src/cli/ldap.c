/* ldap.c - `defter ldap test|sync`: lets an operator check the [ldap]
 * settings against the directory (one user's sign-in, without writing
 * anything) and run a directory sync now, with its counts. */
#include "cli.h"
#include "../core/audit.h"
#include "../core/ldap.h"

#include <stdio.h>
#include <string.h>

static const char LDAP_HELP[] =
    "Kullanım / usage:\n"
    "  defter ldap test --data DIR USER\n"
    "      USER için dizin girişini dener (parola standart girdiden); hiçbir şey yazmaz.\n"
    "      Tries USER's directory sign-in (password on stdin); writes nothing.\n"
    "  defter ldap sync --data DIR\n"
    "      Dizindeki kişileri şimdi eşitler: kullanıcılar, kişiler, ayrılanlar.\n"
    "      Syncs the directory's people now: users, people, those who left.\n";

static int ldap_test(const char *user)
{
  char pw[512];
  if (read_secret_stdin(pw, sizeof pw)) {
    cli_error("parola standart girdiden okunamadı / no password on stdin");
    return 2;
  }
  arena *a = arena_new();
  struct ldapx_entry e;
  enum ldapx_result res = ldapx_authenticate(a, user, pw, &e);
  explicit_bzero(pw, sizeof pw);
  int rc = 0;
  if (res == LDAPX_OK) {
    printf("Giriş başarılı / sign-in OK\n");
    printf("dn\t%s\nusername\t%s\nname\t%s\nmail\t%s\nphone\t%s\nunit\t%s\n", e.dn, e.username,
           e.name ? e.name : "", e.mail ? e.mail : "", e.phone ? e.phone : "", e.unit ? e.unit : "");
    for (size_t i = 0; i < e.ngroups; i++)
      printf("group\t%s\n", e.groups[i]);
    int n = 0;
    const struct ldapx_rule *rules = ldapx_rules(&n);
    for (int r = 0; r < n; r++)
      for (size_t i = 0; i < e.ngroups; i++)
        if (ldapx_group_matches(rules[r].group, e.groups[i])) {
          printf("grant\t%s@%s\n", rules[r].role, rules[r].unit ? rules[r].unit : "-");
          break;
        }
  } else if (res == LDAPX_BAD) {
    cli_error("kullanıcı adı veya parola yanlış / wrong user name or password");
    rc = 1;
  } else if (res == LDAPX_UNREACHABLE) {
    cli_error("dizin sunucusuna ulaşılamıyor / the directory server cannot be reached");
    rc = 1;
  } else {
    cli_error("dizin girişi yapılandırılmamış ya da hatalı ([ldap]) / directory sign-in is off or misconfigured");
    rc = 1;
  }
  arena_free(a);
  return rc;
}

static int ldap_sync(struct data_dir *dd)
{
  struct actor who = audit_system("cli");
  struct ldapx_sync_report rep;
  int rc = ldapx_sync(dd->d, &who, &rep);
  if (rc == LDAPX_UNREACHABLE) {
    cli_error("dizin sunucusuna ulaşılamıyor; hiçbir şey değişmedi / the directory server cannot be reached; nothing "
              "changed");
    return 1;
  }
  if (rc) {
    cli_error("eşitleme yapılamadı; hiçbir şey değişmedi / sync failed; nothing changed (%d)", rc);
    return 1;
  }
  printf("Dizindeki kullanıcı / directory users\t%lld\n", (long long)rep.entries);
  printf("Eklenen kullanıcı / users created\t%lld\n", (long long)rep.users_created);
  printf("Güncellenen kullanıcı / users updated\t%lld\n", (long long)rep.users_updated);
  printf("Pasifleştirilen kullanıcı / users deactivated\t%lld\n", (long long)rep.users_deactivated);
  printf("Reddedilen (yerel hesap) / refused (local account)\t%lld\n", (long long)rep.users_refused);
  printf("Eklenen kişi / people created\t%lld\n", (long long)rep.people_created);
  printf("Güncellenen kişi / people updated\t%lld\n", (long long)rep.people_updated);
  printf("Pasifleştirilen kişi / people deactivated\t%lld\n", (long long)rep.people_deactivated);
  printf("Atlanan kişi (T.C. no ya da birim yok) / people skipped (no T.C. number or unit)\t%lld\n",
         (long long)rep.people_skipped);
  return 0;
}

int cmd_ldap(int argc, char **argv)
{
  if (argc < 1 || str_eq(argv[0], "--help")) {
    fputs(LDAP_HELP, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  bool test = str_eq(argv[0], "test"), sync = str_eq(argv[0], "sync");
  /* The user name of `test` is the last word. */
  int nopt = test ? argc - 2 : argc - 1;
  struct args a;
  if ((!test && !sync) || nopt < 0 || args_parse(&a, nopt, argv + 1, "data=") || !arg_get(&a, "data") ||
      (test && str_starts(argv[argc - 1], "--"))) {
    fputs(LDAP_HELP, stderr);
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, arg_get(&a, "data")))
    return 1;
  int rc;
  if (!ldapx_enabled()) {
    cli_error("dizin girişi kapalı ([ldap] enabled, url, base_dn) / directory sign-in is off");
    rc = 1;
  } else {
    rc = test ? ldap_test(argv[argc - 1]) : ldap_sync(&dd);
  }
  data_close(&dd);
  return rc;
}
