/* test_csv.c - the core CSV reader (src/core/csv.c), used by every import:
 * separators, quoted fields with "" escapes and line breaks, CRLF / LF /
 * CR line ends, the UTF-8 BOM, blank lines, rows with the wrong number of
 * columns, and the limits and errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/core/csv.h"

static struct csv parse_ok(arena *a, const char *text)
{
  struct csv c;
  const char *err = NULL;
  size_t rec = 0;
  if (csv_parse(a, text, strlen(text), 100, &c, &err, &rec))
    fail_msg("parse failed at record %zu: %s", rec, err);
  return c;
}

static void test_semicolon_header_and_rows(void **state)
{
  (void)state;
  arena *a = arena_new();
  struct csv c = parse_ok(a, "ad_soyad;tckn;birim\nAyşe Yılmaz;12345678950;YBY\nAli Çelik;10000000146;ASD\n");
  assert_int_equal(c.sep, ';');
  assert_int_equal(c.nrows, 3);
  assert_int_equal(c.rows[0].nfields, 3);
  assert_string_equal(c.rows[0].fields[2], "birim");
  assert_string_equal(c.rows[1].fields[0], "Ayşe Yılmaz");
  assert_string_equal(c.rows[2].fields[1], "10000000146");
  assert_int_equal(c.rows[2].record, 3);
  assert_null(c.rows[1].bad);
  arena_free(a);
}

static void test_comma_and_quotes(void **state)
{
  (void)state;
  arena *a = arena_new();
  /* the separator comes from the header; quoted fields keep separators of
   * both kinds, "" is one quote, and an empty quoted field is empty */
  struct csv c = parse_ok(a, "ad_soyad,birim,not\n\"Çelik, Ali\",YBY,\"a;b \"\"c\"\"\"\n\"\",\"x\",\n");
  assert_int_equal(c.sep, ',');
  assert_int_equal(c.nrows, 3);
  assert_string_equal(c.rows[1].fields[0], "Çelik, Ali");
  assert_string_equal(c.rows[1].fields[2], "a;b \"c\"");
  assert_int_equal(c.rows[2].nfields, 3);
  assert_string_equal(c.rows[2].fields[0], "");
  assert_string_equal(c.rows[2].fields[1], "x");
  assert_string_equal(c.rows[2].fields[2], "");
  /* a semicolon file whose header has quoted names */
  c = parse_ok(a, "\"ad_soyad\";\"tckn\"\n\"Öz; Can\";\"1\"\n");
  assert_int_equal(c.sep, ';');
  assert_string_equal(c.rows[1].fields[0], "Öz; Can");
  assert_string_equal(c.rows[1].fields[1], "1");
  arena_free(a);
}

static void test_line_ends_bom_and_blank_lines(void **state)
{
  (void)state;
  arena *a = arena_new();
  /* BOM, CRLF, a line break inside quotes, a blank line, a separators-only
   * line, no newline at the end */
  struct csv c = parse_ok(a, "\xEF\xBB\xBF"
                                 "ad_soyad;adres\r\nAyşe;\"Satır 1\r\nSatır 2\"\r\n\r\n;\r\nAli;Eyüp");
  assert_int_equal(c.nrows, 3);
  assert_string_equal(c.rows[0].fields[0], "ad_soyad"); /* BOM removed */
  assert_string_equal(c.rows[1].fields[1], "Satır 1\r\nSatır 2");
  assert_string_equal(c.rows[1].fields[0], "Ayşe");
  /* numbering as a spreadsheet shows it: blank lines keep their numbers */
  assert_int_equal(c.rows[1].record, 2);
  assert_int_equal(c.rows[2].record, 5);
  assert_string_equal(c.rows[2].fields[1], "Eyüp");
  /* old Mac CR line ends */
  c = parse_ok(a, "a;b\rc;d\r");
  assert_int_equal(c.nrows, 2);
  assert_string_equal(c.rows[1].fields[1], "d");
  arena_free(a);
}

static void test_wrong_column_count_is_reported_per_row(void **state)
{
  (void)state;
  arena *a = arena_new();
  struct csv c = parse_ok(a, "a;b;c\n1;2;3\n1;2\n1;2;3;4\n\"x;y\";2;3\n");
  assert_int_equal(c.nrows, 5);
  assert_int_equal(c.rows[0].nfields, 3);
  assert_int_equal(c.rows[1].nfields, 3);
  assert_int_equal(c.rows[2].nfields, 2);
  assert_int_equal(c.rows[3].nfields, 4);
  assert_int_equal(c.rows[4].nfields, 3); /* the quoted ';' is no separator */
  arena_free(a);
}

static void test_bad_rows_and_errors(void **state)
{
  (void)state;
  arena *a = arena_new();
  struct csv c;
  const char *err = NULL;
  size_t rec = 0;
  /* text after a closing quote and invalid UTF-8 spoil only their row */
  const char bad[] = "a;b\n\"x\"y;1\nok;2\n\xC3;3\nok;4\n";
  assert_int_equal(csv_parse(a, bad, strlen(bad), 100, &c, &err, &rec), 0);
  assert_int_equal(c.nrows, 5);
  assert_non_null(c.rows[1].bad);
  assert_null(c.rows[2].bad);
  assert_non_null(c.rows[3].bad);
  assert_null(c.rows[4].bad);
  /* blanks after a closing quote are fine */
  c = parse_ok(a, "a;b\n\"x\"  ;1\n");
  assert_null(c.rows[1].bad);
  assert_string_equal(c.rows[1].fields[0], "x");
  /* an unterminated quote stops the reader and names the record */
  const char open[] = "a;b\n1;2\n\"never closed;3\n4;5\n";
  assert_int_equal(csv_parse(a, open, strlen(open), 100, &c, &err, &rec), -1);
  assert_non_null(err);
  assert_int_equal(rec, 3);
  /* empty input, only a BOM, only blank lines */
  assert_int_equal(csv_parse(a, "", 0, 100, &c, &err, &rec), -1);
  assert_int_equal(csv_parse(a, NULL, 0, 100, &c, &err, &rec), -1);
  assert_int_equal(csv_parse(a, "\xEF\xBB\xBF", 3, 100, &c, &err, &rec), -1);
  assert_int_equal(csv_parse(a, "\n\r\n\n", 4, 100, &c, &err, &rec), -1);
  /* too many records */
  const char many[] = "h\n1\n2\n3\n4\n";
  assert_int_equal(csv_parse(a, many, strlen(many), 3, &c, &err, &rec), -1);
  assert_int_equal(rec, 4);
  assert_int_equal(csv_parse(a, many, strlen(many), 5, &c, &err, &rec), 0);
  /* more fields than kept: counted, not stored beyond the maximum */
  char wide[4 * CSV_MAX_FIELDS + 16] = "";
  for (int i = 0; i < CSV_MAX_FIELDS + 5; i++)
    strcat(wide, i ? ";x" : "x");
  assert_int_equal(csv_parse(a, wide, strlen(wide), 10, &c, &err, &rec), 0);
  assert_int_equal(c.rows[0].nfields, CSV_MAX_FIELDS + 5);
  /* an embedded NUL is a control character */
  const char nul[] = "a;b\nx\0y;1\n";
  assert_int_equal(csv_parse(a, nul, sizeof nul - 1, 10, &c, &err, &rec), 0);
  assert_non_null(c.rows[1].bad);
  arena_free(a);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_semicolon_header_and_rows),
      cmocka_unit_test(test_comma_and_quotes),
      cmocka_unit_test(test_line_ends_bom_and_blank_lines),
      cmocka_unit_test(test_wrong_column_count_is_reported_per_row),
      cmocka_unit_test(test_bad_rows_and_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
