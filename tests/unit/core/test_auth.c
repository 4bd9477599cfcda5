/* test_auth.c - the password policy, argon2id hashing, and the user and
 * token records of src/core/auth.c (the HTTP login path is covered by the
 * API suite). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/auth.h"
#include "../../../src/core/schema.h"
#include "../fixture.h"

static void test_password_problem(void **state)
{
  (void)state;
  /* Messages are English msgids here: no locale has been selected. */
  assert_string_equal(auth_password_problem("ayse", "kisa123"), "The password is too short.");
  assert_string_equal(auth_password_problem("ayse", ""), "The password is too short.");
  assert_string_equal(auth_password_problem("ayse", NULL), "The password is too short.");
  assert_string_equal(auth_password_problem("ayse", "123456789"), "The password is too short."); /* 9 < 10 */
  char longpw[300];
  memset(longpw, 'a', sizeof longpw - 1);
  longpw[sizeof longpw - 1] = 0;
  longpw[0] = '1';
  assert_string_equal(auth_password_problem("ayse", longpw), "The password is too long.");
  longpw[256] = 0; /* exactly 256 is allowed */
  assert_null(auth_password_problem("ayse", longpw));
  assert_string_equal(auth_password_problem("ayse", "sadeceharfler"), "The password must contain letters and digits.");
  assert_string_equal(auth_password_problem("ayse", "12345678901234"),
                      "The password must contain letters and digits.");
  assert_string_equal(auth_password_problem("ayse", "!!!!!!!!!!1!!"), "The password must contain letters and digits.");
  assert_string_equal(auth_password_problem("kullanici123", "Kullanici123"),
                      "The password must not be the user name.");
  assert_null(auth_password_problem("ayse", "Dogru1Parola"));
  assert_null(auth_password_problem(NULL, "Dogru1Parola"));
  /* Non-ASCII letters count as letters. */
  assert_null(auth_password_problem("ayse", "ğüşıöç12345"));
  /* The minimum comes from the configuration. */
  struct auth_opts o = *auth_options();
  struct auth_opts saved = o;
  o.min_password_len = 4;
  auth_configure(&o);
  assert_null(auth_password_problem("ayse", "ab12"));
  assert_string_equal(auth_password_problem("ayse", "ab1"), "The password is too short.");
  auth_configure(&saved);
  assert_int_equal(auth_options()->min_password_len, 10);
}

static void test_hash_round_trip(void **state)
{
  (void)state;
  char h1[128], h2[128];
  assert_int_equal(auth_hash_password("Güçlü Parola 2026", h1), 0);
  assert_true(strncmp(h1, "$argon2id$", 10) == 0);
  assert_null(strstr(h1, "Güçlü"));
  assert_true(auth_check_password(h1, "Güçlü Parola 2026"));
  assert_false(auth_check_password(h1, "güçlü Parola 2026"));
  assert_false(auth_check_password(h1, "Güçlü Parola 2027"));
  assert_false(auth_check_password(h1, ""));
  assert_false(auth_check_password(h1, NULL));
  assert_false(auth_check_password(NULL, "Güçlü Parola 2026"));
  assert_false(auth_check_password("", "x"));
  assert_false(auth_check_password("$argon2id$garbage", "x"));
  /* Salted: the same password hashes differently each time. */
  assert_int_equal(auth_hash_password("Güçlü Parola 2026", h2), 0);
  assert_string_not_equal(h1, h2);
  assert_true(auth_check_password(h2, "Güçlü Parola 2026"));
}

/* ---- users and tokens in a real store ------------------------------- */

/* Each test gets a fresh migrated store (tests/unit/fixture.h). */
struct fx {
  db *d;
};

static int setup(void **state)
{
  struct fx *f = calloc(1, sizeof *f);
  if (!f || fixture_open(NULL))
    return -1;
  f->d = fixture_db;
  if (db_exec(f->d, "INSERT INTO units (id, code, name, kind, path) VALUES (1, 'MUD', 'Müdürlük', 'mudurluk', '/1/')"))
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  free(*state);
  return fixture_close();
}

static void test_user_create_and_password(void **state)
{
  struct fx *f = *state;
  struct actor who = audit_system("cli:test");
  int64_t id = 0;
  assert_int_equal(auth_user_create(f->d, &who, "ayse", "Ayşe Yılmaz", "IlkParola123", 1, &id), DB_OK);
  assert_true(id > 0);
  db_stmt *st = db_q(f->d, "SELECT password_hash, unit_id, active, display_name FROM users WHERE id = ?", "i", id);
  assert_int_equal(db_step(st), DB_ROW);
  char hash[160];
  snprintf(hash, sizeof hash, "%s", db_col_text(st, 0));
  assert_int_equal(db_col_int(st, 1), 1);
  assert_int_equal(db_col_int(st, 2), 1);
  assert_string_equal(db_col_text(st, 3), "Ayşe Yılmaz");
  db_done(st);
  assert_true(auth_check_password(hash, "IlkParola123"));
  assert_false(auth_check_password(hash, "YanlisParola1"));
  /* The same user name again is a constraint violation, and nothing is
   * written to the audit trail for it. */
  int64_t id2 = 0;
  assert_int_equal(auth_user_create(f->d, &who, "ayse", "Başka", "IlkParola123", 1, &id2), DB_CONSTRAINT);
  assert_int_equal(id2, 0);
  assert_false(db_in_tx(f->d));
  int64_t n = 0;
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM audit_log WHERE action = 'create' AND entity = 'user'", ""),
                   DB_ROW);
  assert_int_equal(n, 1);
  /* A session exists; changing the password ends it. */
  assert_int_equal(db_run(f->d,
                          "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen) VALUES ('h', ?, 'c', 0, 0)",
                          "i", id),
                   DB_OK);
  assert_int_equal(auth_user_set_password(f->d, &who, id, "YeniParola456"), DB_OK);
  st = db_q(f->d, "SELECT password_hash FROM users WHERE id = ?", "i", id);
  assert_int_equal(db_step(st), DB_ROW);
  snprintf(hash, sizeof hash, "%s", db_col_text(st, 0));
  db_done(st);
  assert_true(auth_check_password(hash, "YeniParola456"));
  assert_false(auth_check_password(hash, "IlkParola123"));
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", "i", id), DB_ROW);
  assert_int_equal(n, 0);
  /* Unknown user: an error, nothing audited. */
  assert_int_not_equal(auth_user_set_password(f->d, &who, 9999, "YeniParola456"), DB_OK);
  assert_false(db_in_tx(f->d));
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM audit_log WHERE action = 'password.change'", ""), DB_ROW);
  assert_int_equal(n, 1);
  /* The trail stays intact. */
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(audit_verify(f->d, &bad, &rows, why, sizeof why), 0);
  assert_int_equal(rows, 2);
}

static void test_token_create_stores_only_hash(void **state)
{
  struct fx *f = *state;
  struct actor who = audit_system("cli:test");
  int64_t uid = 0;
  assert_int_equal(auth_user_create(f->d, &who, "bot", "Bot", "BotParola123", 1, &uid), DB_OK);
  arena *a = arena_new();
  const char *tok = NULL;
  int64_t tid = 0;
  assert_int_equal(auth_token_create(f->d, uid, "ci", 3600, a, &tok, &tid), 0);
  assert_non_null(tok);
  assert_true(strncmp(tok, "dft_", 4) == 0);
  assert_true(strlen(tok) > 40);
  char th[65];
  sha256_hex(tok, strlen(tok), th);
  int64_t n = 0;
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? AND id = ?", "ti", th, tid),
                   DB_ROW);
  assert_int_equal(n, 1);
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM api_tokens WHERE token_hash = ?", "t", tok), DB_ROW);
  assert_int_equal(n, 0);
  int64_t exp = 0;
  assert_int_equal(db_int(f->d, &exp, "SELECT expires_at - created_at FROM api_tokens WHERE id = ?", "i", tid), DB_ROW);
  assert_int_equal(exp, 3600);
  /* ttl 0: never expires (NULL). */
  const char *tok2 = NULL;
  int64_t tid2 = 0;
  assert_int_equal(auth_token_create(f->d, uid, "kalıcı", 0, a, &tok2, &tid2), 0);
  assert_string_not_equal(tok, tok2);
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM api_tokens WHERE id = ? AND expires_at IS NULL", "i", tid2),
                   DB_ROW);
  assert_int_equal(n, 1);
  arena_free(a);
}

static void test_cleanup(void **state)
{
  struct fx *f = *state;
  struct actor who = audit_system("cli:test");
  int64_t uid = 0;
  assert_int_equal(auth_user_create(f->d, &who, "eski", "Eski", "EskiParola123", 1, &uid), DB_OK);
  int64_t now = now_unix();
  assert_int_equal(db_run(f->d,
                          "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen) VALUES"
                          " ('idle', ?, 'c', ?, ?), ('old', ?, 'c', ?, ?), ('fresh', ?, 'c', ?, ?)",
                          "iiiiiiiii", uid, now - 100, now - 31 * 60, uid, now - 13 * 3600, now, uid, now - 60, now),
                   DB_OK);
  assert_int_equal(db_run(f->d,
                          "INSERT INTO login_attempts (ts, username, ip, ok) VALUES (?, 'x', '1', 0), (?, 'x', '1', 0)",
                          "ii", now - 8 * 86400, now - 3600),
                   DB_OK);
  assert_int_equal(auth_cleanup(f->d), 0);
  int64_t n = 0;
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM sessions", ""), DB_ROW);
  assert_int_equal(n, 1);
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM sessions WHERE id_hash = 'fresh'", ""), DB_ROW);
  assert_int_equal(n, 1);
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM login_attempts", ""), DB_ROW);
  assert_int_equal(n, 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_password_problem),
      cmocka_unit_test(test_hash_round_trip),
      cmocka_unit_test_setup_teardown(test_user_create_and_password, setup, teardown),
      cmocka_unit_test_setup_teardown(test_token_create_stores_only_hash, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cleanup, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
