/* test_ldap.c - the parts of src/core/ldap.c that need no directory:
 * RFC 4515 / RFC 4514 escaping, the group_map syntax and matching, the
 * refusal of empty passwords before any server is asked, and what a
 * directory sign-in does to the local user and its grants (the real
 * slapd is in tests/api/test_ldap.py). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "../../../src/core/auth.h"
#include "../../../src/core/ldap.h"
#include "../../../src/core/schema.h"
#include "../fixture.h"

static void test_filter_escape(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_string_equal(ldapx_filter_escape(a, "ayse"), "ayse");
  assert_string_equal(ldapx_filter_escape(a, "*"), "\\2a");
  assert_string_equal(ldapx_filter_escape(a, ")(uid=*"), "\\29\\28uid=\\2a");
  assert_string_equal(ldapx_filter_escape(a, "a\\00b"), "a\\5c00b");
  assert_string_equal(ldapx_filter_escape(a, "x\x01y"), "x\\01y");
  /* UTF-8 passes as it is. */
  assert_string_equal(ldapx_filter_escape(a, "ğüşıöç"), "ğüşıöç");
  arena_free(a);
}

static void test_dn_escape(void **state)
{
  (void)state;
  arena *a = arena_new();
  assert_string_equal(ldapx_dn_escape(a, "mehmet"), "mehmet");
  assert_string_equal(ldapx_dn_escape(a, "a,ou=x"), "a\\,ou\\=x");
  assert_string_equal(ldapx_dn_escape(a, "a+cn=b"), "a\\+cn\\=b");
  assert_string_equal(ldapx_dn_escape(a, " #lead"), "\\ #lead");
  assert_string_equal(ldapx_dn_escape(a, "#x"), "\\#x");
  assert_string_equal(ldapx_dn_escape(a, "trail "), "trail\\ ");
  assert_string_equal(ldapx_dn_escape(a, "q\"<>;\\"), "q\\\"\\<\\>\\;\\\\");
  arena_free(a);
}

static void test_group_map(void **state)
{
  (void)state;
  struct ldapx_rule *r = NULL;
  char err[256];
  int n = ldapx_group_map_parse(" cn=bt-admins,ou=groups,dc=example,dc=org = admin | destek=teknik@SNB;denetim=denetci ",
                                &r, err, sizeof err);
  assert_int_equal(n, 3);
  assert_string_equal(r[0].group, "cn=bt-admins,ou=groups,dc=example,dc=org");
  assert_string_equal(r[0].role, "admin");
  assert_null(r[0].unit);
  assert_string_equal(r[1].group, "destek");
  assert_string_equal(r[1].role, "teknik");
  assert_string_equal(r[1].unit, "SNB");
  assert_string_equal(r[2].role, "denetci");
  ldapx_rules_free(r, n);

  assert_int_equal(ldapx_group_map_parse("", &r, err, sizeof err), 0);
  ldapx_rules_free(r, 0);
  assert_int_equal(ldapx_group_map_parse("x=superuser", &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "rule 1"));
  assert_int_equal(ldapx_group_map_parse("a=admin | noequals", &r, err, sizeof err), -1);
  assert_non_null(strstr(err, "rule 2"));
  assert_int_equal(ldapx_group_map_parse("a=admin@", &r, err, sizeof err), -1);
  assert_int_equal(ldapx_group_map_parse("=admin", &r, err, sizeof err), -1);

  assert_true(ldapx_group_matches("destek", "cn=destek,ou=groups,dc=x"));
  assert_true(ldapx_group_matches("DESTEK", "CN=Destek,OU=Groups,DC=x"));
  assert_false(ldapx_group_matches("destek", "cn=destek2,ou=groups,dc=x"));
  assert_false(ldapx_group_matches("destek", "ou=destek,dc=x"));
  assert_true(ldapx_group_matches("cn=a,dc=x", "CN=A,DC=X"));
  assert_false(ldapx_group_matches("cn=a,dc=x", "cn=a,dc=y"));
  assert_true(ldapx_group_matches("a\\,b", "cn=a\\,b,dc=x"));
}

/* A port on 127.0.0.1 nothing listens on. */
static int dead_port(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof sa;
  assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
  close(s);
  return ntohs(sa.sin_port);
}

static void configure(const char *extra)
{
  char path[160];
  snprintf(path, sizeof path, "%s/defter.conf", fixture_dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f,
          "[ldap]\nenabled = yes\nurl = ldap://127.0.0.1:%d\nbase_dn = dc=example,dc=org\ntimeout_seconds = 2\n"
          "group_map = cn=bt-admins,ou=groups,dc=example,dc=org=admin | destek=teknik@SNB | destek=personel@TAB\n%s",
          dead_port(), extra ? extra : "");
  fclose(f);
  config *c = NULL;
  char err[256];
  assert_int_equal(config_load(path, &c, err, sizeof err), 0);
  ldapx_configure(c);
  config_free(c);
}

static void test_empty_password_never_reaches_the_server(void **state)
{
  (void)state;
  configure(NULL);
  assert_true(ldapx_enabled());
  arena *a = arena_new();
  struct ldapx_entry e;
  /* The server is down: a real password finds that out, an empty one is
   * refused before any connection. */
  assert_int_equal(ldapx_authenticate(a, "ayse", "Parola-1", &e), LDAPX_UNREACHABLE);
  assert_int_equal(ldapx_authenticate(a, "ayse", "", &e), LDAPX_BAD);
  assert_int_equal(ldapx_authenticate(a, "ayse", NULL, &e), LDAPX_BAD);
  assert_int_equal(ldapx_authenticate(a, "", "Parola-1", &e), LDAPX_BAD);
  assert_int_equal(ldapx_authenticate(a, "ay\nse", "Parola-1", &e), LDAPX_BAD);
  char longname[200];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = 0;
  assert_int_equal(ldapx_authenticate(a, longname, "Parola-1", &e), LDAPX_BAD);
  arena_free(a);
  /* Enabled without url or base_dn is off. */
  configure("url =\n");
  assert_false(ldapx_enabled());
}

static int64_t count(const char *sql, int64_t id)
{
  int64_t n = -1;
  if (db_int(fixture_db, &n, sql, "i", id) != DB_ROW)
    fail_msg("query failed: %s", sql);
  return n;
}

static void test_user_apply(void **state)
{
  (void)state;
  configure(NULL);
  struct actor who = audit_system("test");
  const char *admins = "cn=bt-admins,ou=groups,dc=example,dc=org", *destek = "cn=destek,ou=groups,dc=example,dc=org";
  const char *g1[] = {admins};
  struct ldapx_entry e = {.dn = "uid=ayse,ou=people,dc=example,dc=org", .username = "ayse", .name = "Ayşe Dizinci",
                          .mail = "ayse@example.org", .unit = "snb", .groups = g1, .ngroups = 1};
  struct ldapx_applied ap;
  assert_int_equal(db_begin(fixture_db), 0);
  assert_int_equal(ldapx_user_apply(fixture_db, &who, &e, &ap), 0);
  assert_int_equal(db_commit(fixture_db), 0);
  assert_true(ap.created);
  assert_int_equal(count("SELECT COUNT(*) FROM users WHERE id = ? AND source = 'ldap' AND password_hash IS NULL"
                         " AND unit_id = (SELECT id FROM units WHERE code = 'SNB')",
                         ap.user_id),
                   1);
  assert_int_equal(count("SELECT COUNT(*) FROM grants WHERE user_id = ? AND role = 'admin'"
                         " AND unit_id = (SELECT id FROM units WHERE parent_id IS NULL)",
                         ap.user_id),
                   1);
  int64_t uid = ap.user_id;

  /* Moved from bt-admins to destek: the admin grant goes, two come. */
  const char *g2[] = {destek, "cn=other,dc=example,dc=org"};
  e.groups = g2;
  e.ngroups = 2;
  assert_int_equal(db_begin(fixture_db), 0);
  assert_int_equal(ldapx_user_apply(fixture_db, &who, &e, &ap), 0);
  assert_int_equal(db_commit(fixture_db), 0);
  assert_false(ap.created);
  assert_false(ap.updated);
  assert_int_equal(ap.user_id, uid);
  assert_int_equal(count("SELECT COUNT(*) FROM grants WHERE user_id = ? AND role = 'admin'", uid), 0);
  assert_int_equal(count("SELECT COUNT(*) FROM grants g JOIN units u ON u.id = g.unit_id WHERE g.user_id = ?"
                         " AND ((g.role = 'teknik' AND u.code = 'SNB') OR (g.role = 'personel' AND u.code = 'TAB'))",
                         uid),
                   2);
  assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND entity_id = CAST(? AS TEXT)"
                         " AND action IN ('grant', 'revoke')",
                         uid),
                   4);

  /* A new name is an update. */
  e.name = "Ayşe Dizinci Kaya";
  assert_int_equal(db_begin(fixture_db), 0);
  assert_int_equal(ldapx_user_apply(fixture_db, &who, &e, &ap), 0);
  assert_int_equal(db_commit(fixture_db), 0);
  assert_true(ap.updated);

  /* A local account of the same name is never taken over. */
  int64_t local = 0;
  assert_int_equal(auth_user_create(fixture_db, &who, "yerel", "Yerel Yönetici", "Yerel-Parola-1", 0, &local), 0);
  struct ldapx_entry l = {.dn = "uid=yerel,dc=example,dc=org", .username = "yerel", .groups = g1, .ngroups = 1};
  assert_int_equal(db_begin(fixture_db), 0);
  assert_int_equal(ldapx_user_apply(fixture_db, &who, &l, &ap), LDAPX_BAD);
  db_rollback(fixture_db);
  assert_int_equal(count("SELECT COUNT(*) FROM grants WHERE user_id = ?", local), 0);

  /* A directory user deactivated here stays out. */
  assert_int_equal(db_run(fixture_db, "UPDATE users SET active = 0 WHERE id = ?", "i", uid), 0);
  assert_int_equal(db_begin(fixture_db), 0);
  assert_int_equal(ldapx_user_apply(fixture_db, &who, &e, &ap), LDAPX_BAD);
  db_rollback(fixture_db);
}

static int setup(void **state)
{
  (void)state;
  return fixture_open("eyupsultan");
}

static int teardown(void **state)
{
  (void)state;
  return fixture_close();
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_filter_escape),
      cmocka_unit_test(test_dn_escape),
      cmocka_unit_test(test_group_map),
      cmocka_unit_test(test_empty_password_never_reaches_the_server),
      cmocka_unit_test(test_user_apply),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
