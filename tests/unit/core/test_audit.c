/* test_audit.c - the hash-chained audit trail (src/core/audit.c): rows
 * written in a real store verify; editing or removing a row is found and
 * named; every hashed field changes the hash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/core/audit.h"
#include "../../../src/core/schema.h"
#include "../fixture.h"

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
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  free(*state);
  return fixture_close();
}

/* Three rows: a user created by the CLI, a login from an address and a
 * change with before/after. */
static void write_three(db *d)
{
  struct actor sys = audit_system("cli:init");
  struct actor alice = {7, "ayse", "192.0.2.10"};
  json_t *after = json_pack("{s:s, s:i}", "username", "ayşe", "unit_id", 1);
  json_t *before = json_pack("{s:s}", "role", "personel");
  json_t *after2 = json_pack("{s:s}", "role", "sorumlu");
  assert_int_equal(audit_write(d, &sys, "create", "user", "7", 1, NULL, after), DB_OK);
  assert_int_equal(audit_write(d, &alice, "login", "login", "ayse", 0, NULL, NULL), DB_OK);
  assert_int_equal(audit_write(d, &alice, "grant", "user", "7", 2, before, after2), DB_OK);
  json_decref(after);
  json_decref(before);
  json_decref(after2);
}

static int verify(db *d, int64_t *bad, int64_t *rows, char *why, size_t n)
{
  why[0] = 0;
  return audit_verify(d, bad, rows, why, n);
}

static void test_write_and_verify(void **state)
{
  struct fx *f = *state;
  int64_t bad = -1, rows = -1;
  char why[256];
  /* An empty trail is intact. */
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), 0);
  assert_int_equal(rows, 0);
  write_three(f->d);
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), 0);
  assert_int_equal(bad, 0);
  assert_int_equal(rows, 3);
  /* Rows are stored as written, linked, with ids 1..3. */
  db_stmt *st = db_q(f->d,
                     "SELECT id, actor_id, actor, ip, action, entity, entity_id, unit_id, before_json, after_json,"
                     " prev_hash, hash FROM audit_log ORDER BY id",
                     "");
  char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
  for (int i = 1; i <= 3; i++) {
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_int(st, 0), i);
    assert_string_equal(db_col_text(st, 10), prev);
    assert_int_equal(strlen(db_col_text(st, 11)), 64);
    snprintf(prev, sizeof prev, "%s", db_col_text(st, 11));
    if (i == 1) {
      assert_int_equal(db_col_int(st, 1), 0);
      assert_string_equal(db_col_text(st, 2), "cli:init");
      assert_true(db_col_null(st, 3));
      assert_true(db_col_null(st, 8));
      assert_string_equal(db_col_text(st, 9), "{\"unit_id\":1,\"username\":\"ayşe\"}"); /* sorted keys */
    } else if (i == 2) {
      assert_int_equal(db_col_int(st, 1), 7);
      assert_string_equal(db_col_text(st, 3), "192.0.2.10");
      assert_true(db_col_null(st, 7)); /* unit 0 = not unit-bound */
    } else {
      assert_string_equal(db_col_text(st, 4), "grant");
      assert_int_equal(db_col_int(st, 7), 2);
      assert_string_equal(db_col_text(st, 8), "{\"role\":\"personel\"}");
    }
  }
  assert_int_equal(db_step(st), DB_OK);
  db_done(st);
}

static void test_update_detected(void **state)
{
  struct fx *f = *state;
  write_three(f->d);
  assert_int_equal(db_run(f->d, "UPDATE audit_log SET after_json = '{\"role\":\"admin\"}' WHERE id = 3", ""), DB_OK);
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), -1);
  assert_int_equal(bad, 3);
  assert_true(strlen(why) > 0);
}

static void test_update_middle_detected(void **state)
{
  struct fx *f = *state;
  write_three(f->d);
  assert_int_equal(db_run(f->d, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 2", ""), DB_OK);
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), -1);
  assert_int_equal(bad, 2);
}

static void test_rehash_forgery_detected(void **state)
{
  struct fx *f = *state;
  write_three(f->d);
  /* Edit row 1 and recompute its own hash: row 2's link breaks. */
  db_stmt *st = db_q(f->d, "SELECT ts FROM audit_log WHERE id = 1", "");
  assert_int_equal(db_step(st), DB_ROW);
  int64_t ts = db_col_int(st, 0);
  db_done(st);
  char h[65];
  audit_row_hash("0000000000000000000000000000000000000000000000000000000000000000", 1, ts, 0, "cli:init", NULL,
                 "create", "user", "8", 1, NULL, "{\"unit_id\":1,\"username\":\"ayşe\"}", h);
  assert_int_equal(db_run(f->d, "UPDATE audit_log SET entity_id = '8', hash = ? WHERE id = 1", "t", h), DB_OK);
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), -1);
  assert_int_equal(bad, 2);
}

static void test_delete_middle_detected(void **state)
{
  struct fx *f = *state;
  write_three(f->d);
  assert_int_equal(db_run(f->d, "DELETE FROM audit_log WHERE id = 2", ""), DB_OK);
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), -1);
  assert_int_equal(bad, 3);
  assert_non_null(strstr(why, "missing"));
}

static void test_delete_first_detected(void **state)
{
  struct fx *f = *state;
  write_three(f->d);
  assert_int_equal(db_run(f->d, "DELETE FROM audit_log WHERE id = 1", ""), DB_OK);
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), -1);
  assert_int_equal(bad, 2);
}

static void test_write_joins_caller_transaction(void **state)
{
  struct fx *f = *state;
  struct actor sys = audit_system("system");
  assert_int_equal(db_begin(f->d), DB_OK);
  assert_int_equal(audit_write(f->d, &sys, "x", "thing", "1", 0, NULL, NULL), DB_OK);
  assert_true(db_in_tx(f->d)); /* did not commit the caller's transaction */
  db_rollback(f->d);
  int64_t n = -1;
  assert_int_equal(db_int(f->d, &n, "SELECT COUNT(*) FROM audit_log", ""), DB_ROW);
  assert_int_equal(n, 0);
  /* A NULL actor is written as "system". */
  assert_int_equal(audit_write(f->d, NULL, "y", "thing", NULL, 0, NULL, NULL), DB_OK);
  db_stmt *st = db_q(f->d, "SELECT actor, actor_id FROM audit_log", "");
  assert_int_equal(db_step(st), DB_ROW);
  assert_string_equal(db_col_text(st, 0), "system");
  assert_int_equal(db_col_int(st, 1), 0);
  db_done(st);
  int64_t bad = 0, rows = 0;
  char why[256];
  assert_int_equal(verify(f->d, &bad, &rows, why, sizeof why), 0);
  assert_int_equal(rows, 1);
}

static void test_row_hash_every_field(void **state)
{
  (void)state;
  static const char *const P = "1111111111111111111111111111111111111111111111111111111111111111";
  char base[65];
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}",
                 base);
  assert_int_equal(strlen(base), 64);
  /* The same content gives the same hash. */
  char again[65];
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}",
                 again);
  assert_string_equal(base, again);

  char v[13][65];
  audit_row_hash("2111111111111111111111111111111111111111111111111111111111111111", 5, 1700000000000, 3, "ayse",
                 "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[0]);
  audit_row_hash(P, 6, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[1]);
  audit_row_hash(P, 5, 1700000000001, 3, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[2]);
  audit_row_hash(P, 5, 1700000000000, 4, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[3]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayşe", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[4]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.2", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[5]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "delete", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[6]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "unit", "9", 2, "{\"a\":1}", "{\"a\":2}", v[7]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "8", 2, "{\"a\":1}", "{\"a\":2}", v[8]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "9", 1, "{\"a\":1}", "{\"a\":2}", v[9]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":3}", "{\"a\":2}", v[10]);
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "10.0.0.1", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":3}", v[11]);
  /* NULL and "" are different values. */
  audit_row_hash(P, 5, 1700000000000, 3, "ayse", "", "update", "user", "9", 2, "{\"a\":1}", "{\"a\":2}", v[12]);
  for (int i = 0; i < 13; i++) {
    if (str_eq(v[i], base))
      fail_msg("variant %d hashes like the base row", i);
    for (int j = 0; j < i; j++)
      if (str_eq(v[i], v[j]))
        fail_msg("variants %d and %d collide", i, j);
  }
  char n1[65], n2[65];
  audit_row_hash(P, 5, 1, 3, "a", NULL, "x", "y", NULL, 0, NULL, NULL, n1);
  audit_row_hash(P, 5, 1, 3, "a", "", "x", "y", NULL, 0, NULL, NULL, n2);
  assert_string_not_equal(n1, n2);
  /* Moving bytes between adjacent fields changes the hash (length prefix). */
  audit_row_hash(P, 5, 1, 3, "ab", "c", "x", "y", NULL, 0, NULL, NULL, n1);
  audit_row_hash(P, 5, 1, 3, "a", "bc", "x", "y", NULL, 0, NULL, NULL, n2);
  assert_string_not_equal(n1, n2);
  audit_row_hash(P, 5, 1, 3, "a|", "x", "x", "y", NULL, 0, NULL, NULL, n1);
  audit_row_hash(P, 5, 1, 3, "a", "|x", "x", "y", NULL, 0, NULL, NULL, n2);
  assert_string_not_equal(n1, n2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_write_and_verify, setup, teardown),
      cmocka_unit_test_setup_teardown(test_update_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_update_middle_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rehash_forgery_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delete_middle_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delete_first_detected, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_joins_caller_transaction, setup, teardown),
      cmocka_unit_test(test_row_hash_every_field),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
