/* test_sheet.c - the spreadsheet reader (src/core/sheet.c): XLSX
 * workbooks built here with libarchive (cell references with gaps,
 * shared, rich and inline strings, numbers, booleans, dates by built-in
 * and custom styles, the 1904 date system, the sheet found through the
 * workbook's relationships), the limits (a ZIP bomb, too many rows, a
 * document type declaration, a broken ZIP), CSV through the same entry,
 * and the header mapper with its error list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/core/sheet.h"

struct file {
  const char *name;
  const char *text; /* NULL: `size` zero bytes */
  size_t size;
};

/* A ZIP (deflate) of the files, in a malloc'ed buffer. */
static unsigned char *zip(const struct file *f, size_t n, size_t *len)
{
  size_t cap = 1 << 20;
  unsigned char *out = malloc(cap);
  struct archive *w = archive_write_new();
  assert_int_equal(archive_write_set_format_zip(w), ARCHIVE_OK);
  assert_int_equal(archive_write_open_memory(w, out, cap, len), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    size_t size = f[i].text ? strlen(f[i].text) : f[i].size;
    archive_entry_set_pathname(e, f[i].name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)size);
    assert_int_equal(archive_write_header(w, e), ARCHIVE_OK);
    if (f[i].text) {
      assert_int_equal(archive_write_data(w, f[i].text, size), (la_ssize_t)size);
    } else {
      static char zeros[1 << 16];
      for (size_t done = 0; done < size; done += sizeof zeros)
        assert_true(archive_write_data(w, zeros, sizeof zeros) > 0);
    }
    archive_entry_free(e);
  }
  assert_int_equal(archive_write_close(w), ARCHIVE_OK);
  archive_write_free(w);
  return out;
}

static const char *const workbook =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
    "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<sheets><sheet name=\"Demirbaş\" sheetId=\"1\" r:id=\"rId7\"/><sheet name=\"B\" sheetId=\"2\" r:id=\"rId1\"/>"
    "</sheets></workbook>";
static const char *const rels =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId7\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
    "Target=\"/xl/worksheets/first.xml\"/></Relationships>";
static const char *const styles =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"dd\\.mm\\.yyyy\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"#,##0.00\\ &quot;TL&quot;\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/>"
    "<xf numFmtId=\"22\"/><xf numFmtId=\"20\"/></cellXfs></styleSheet>";
static const char *const strings =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4\" uniqueCount=\"4\">"
    "<si><t>Tür</t></si><si><t>Seri No</t></si>"
    "<si><r><rPr><b/></rPr><t>Dizüstü</t></r><r><t xml:space=\"preserve\"> bilgisayar</t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>x</t></rPh></si>"
    "<si><t>Alım tarihi</t></si></sst>";
static const char *const first =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
    "<c r=\"D1\" t=\"s\"><v>3</v></c></row>"
    "<row r=\"2\"><c r=\"A2\" s=\"1\"/><c r=\"C2\" s=\"2\"/></row>" /* styled but empty: skipped */
    "<row r=\"4\"><c r=\"A4\" t=\"s\"><v>2</v></c><c r=\"B4\" t=\"inlineStr\"><is><t>SN-1</t></is></c>"
    "<c r=\"C4\" t=\"b\"><v>1</v></c><c r=\"D4\" s=\"1\"><v>45678</v></c><c r=\"E4\" s=\"3\"><v>1234.5</v></c></row>"
    "<row r=\"5\"><c r=\"B5\"><v>12345678950</v></c><c r=\"D5\" s=\"2\"><v>61</v></c>"
    "<c r=\"F5\" s=\"4\"><v>45678.75</v></c><c r=\"G5\" s=\"5\"><v>0.5</v></c><c r=\"H5\" t=\"str\"><v>=x</v></c></row>"
    "<row><c t=\"inlineStr\"><is><r><t>a</t></r><r><t>b</t></r></is></c><c t=\"d\"><v>2026-01-31T00:00:00</v></c></row>"
    "</sheetData></worksheet>";

static void test_xlsx_cells(void **state)
{
  (void)state;
  struct file f[] = {
      {"[Content_Types].xml", "<Types/>", 0},   {"xl/workbook.xml", workbook, 0},
      {"xl/_rels/workbook.xml.rels", rels, 0},  {"xl/styles.xml", styles, 0},
      {"xl/sharedStrings.xml", strings, 0},     {"xl/worksheets/sheet1.xml", "<worksheet/>", 0},
      {"xl/worksheets/first.xml", first, 0},
  };
  size_t len;
  unsigned char *z = zip(f, ARRAY_LEN(f), &len);
  arena *a = arena_new();
  struct sheet s;
  const char *err = NULL;
  assert_int_equal(sheet_read(a, z, len, 100, &s, &err), 0);
  assert_int_equal(s.format, SHEET_XLSX);
  assert_int_equal(s.nrows, 4);
  /* header: a gap in C */
  assert_int_equal(s.rows[0].row, 1);
  assert_int_equal(s.rows[0].ncells, 4);
  assert_string_equal(s.rows[0].cells[0], "Tür");
  assert_string_equal(s.rows[0].cells[1], "Seri No");
  assert_string_equal(s.rows[0].cells[2], "");
  assert_string_equal(s.rows[0].cells[3], "Alım tarihi");
  /* row 2 had only styled empty cells, row 3 none: row 4 is next, numbered as Excel shows it */
  assert_int_equal(s.rows[1].row, 4);
  assert_string_equal(s.rows[1].cells[0], "Dizüstü bilgisayar");
  assert_string_equal(s.rows[1].cells[1], "SN-1");
  assert_string_equal(s.rows[1].cells[2], "TRUE");
  assert_string_equal(s.rows[1].cells[3], "2025-01-21"); /* 45678 through numFmt 14 */
  assert_string_equal(s.rows[1].cells[4], "1234.5");      /* a money format is no date */
  assert_null(s.rows[1].bad);
  assert_int_equal(s.rows[2].row, 5);
  assert_int_equal(s.rows[2].ncells, 8);
  assert_string_equal(s.rows[2].cells[0], "");
  assert_string_equal(s.rows[2].cells[1], "12345678950");
  assert_string_equal(s.rows[2].cells[3], "1900-03-01");       /* serial 61, custom dd.mm.yyyy */
  assert_string_equal(s.rows[2].cells[5], "2025-01-21 18:00"); /* numFmt 22 */
  assert_string_equal(s.rows[2].cells[6], "12:00:00");         /* numFmt 20: a time */
  assert_string_equal(s.rows[2].cells[7], "=x");               /* formula text is only text */
  /* no r attributes: the next row and the next columns */
  assert_int_equal(s.rows[3].row, 6);
  assert_string_equal(s.rows[3].cells[0], "ab");
  assert_string_equal(s.rows[3].cells[1], "2026-01-31");
  arena_free(a);
  free(z);
}

static void test_xlsx_1904_and_default_sheet(void **state)
{
  (void)state;
  const char *wb = "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                   "<workbookPr date1904=\"1\"/></workbook>";
  const char *st = "<styleSheet><cellXfs><xf numFmtId=\"0\"/><xf numFmtId=\"15\"/></cellXfs></styleSheet>";
  const char *sh = "<worksheet><sheetData><row r=\"3\"><c r=\"AA3\" s=\"1\"><v>0</v></c></row></sheetData></worksheet>";
  struct file f[] = {{"xl/workbook.xml", wb, 0}, {"xl/styles.xml", st, 0}, {"xl/worksheets/sheet1.xml", sh, 0}};
  size_t len;
  unsigned char *z = zip(f, ARRAY_LEN(f), &len);
  arena *a = arena_new();
  struct sheet s;
  const char *err;
  assert_int_equal(sheet_read(a, z, len, 100, &s, &err), 0);
  assert_int_equal(s.nrows, 1);
  assert_int_equal(s.rows[0].row, 3);
  assert_int_equal(s.rows[0].ncells, 27);
  assert_string_equal(s.rows[0].cells[26], "1904-01-01");
  arena_free(a);
  free(z);
}

static int read_zip(const struct file *f, size_t n, size_t max_rows, const char **err)
{
  size_t len;
  unsigned char *z = zip(f, n, &len);
  arena *a = arena_new();
  struct sheet s;
  int rc = sheet_read(a, z, len, max_rows, &s, err);
  arena_free(a);
  free(z);
  return rc;
}

static void test_xlsx_limits(void **state)
{
  (void)state;
  const char *wb = "<workbook/>";
  const char *err;
  /* a part that inflates past the limit: refused while inflating */
  struct file bomb[] = {{"xl/workbook.xml", wb, 0}, {"xl/worksheets/sheet1.xml", NULL, SHEET_XLSX_MAX_PART + 65536}};
  assert_int_equal(read_zip(bomb, 2, 100, &err), -2);
  assert_string_equal(err, "The workbook is too large when unpacked.");
  /* a large part that is not read is skipped, not inflated */
  struct file other[] = {{"xl/workbook.xml", wb, 0},
                         {"xl/media/big.bin", NULL, SHEET_XLSX_MAX_PART + 65536},
                         {"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>x</t>"
                                                      "</is></c></row></sheetData></worksheet>",
                          0}};
  assert_int_equal(read_zip(other, 3, 100, &err), 0);
  /* more rows than allowed */
  char rows[4096] = "<worksheet><sheetData>";
  for (int i = 1; i <= 20; i++)
    strcat(rows, "<row><c><v>1</v></c></row>");
  strcat(rows, "</sheetData></worksheet>");
  struct file many[] = {{"xl/workbook.xml", wb, 0}, {"xl/worksheets/sheet1.xml", rows, 0}};
  assert_int_equal(read_zip(many, 2, 10, &err), -2);
  assert_string_equal(err, "The file has too many rows.");
  assert_int_equal(read_zip(many, 2, 20, &err), 0);
  /* entities are refused before parsing */
  struct file ent[] = {{"xl/workbook.xml", wb, 0},
                       {"xl/worksheets/sheet1.xml",
                        "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>"
                        "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData>"
                        "</worksheet>",
                        0}};
  assert_int_equal(read_zip(ent, 2, 10, &err), -1);
  assert_string_equal(err, "Document type declarations and entities are not accepted.");
  /* malformed XML, a shared string that does not exist, no sheet, no workbook */
  struct file bad[] = {{"xl/workbook.xml", wb, 0}, {"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row>", 0}};
  assert_int_equal(read_zip(bad, 2, 10, &err), -1);
  struct file ref[] = {{"xl/workbook.xml", wb, 0},
                       {"xl/worksheets/sheet1.xml", "<worksheet><sheetData><row><c t=\"s\"><v>3</v></c></row>"
                                                    "</sheetData></worksheet>",
                        0}};
  assert_int_equal(read_zip(ref, 2, 10, &err), -1);
  struct file nosheet[] = {{"xl/workbook.xml", wb, 0}};
  assert_int_equal(read_zip(nosheet, 1, 10, &err), -1);
  struct file nobook[] = {{"xl/worksheets/sheet1.xml", "<worksheet/>", 0}};
  assert_int_equal(read_zip(nobook, 1, 10, &err), -1);
  assert_string_equal(err, "The file is not a readable XLSX workbook.");
  /* an empty sheet */
  struct file empty[] = {{"xl/workbook.xml", wb, 0}, {"xl/worksheets/sheet1.xml", "<worksheet/>", 0}};
  assert_int_equal(read_zip(empty, 2, 10, &err), -1);
  assert_string_equal(err, "The file is empty.");
  /* the ZIP magic and nothing else */
  arena *a = arena_new();
  struct sheet s;
  assert_int_equal(sheet_read(a, "PK\3\4garbage garbage garbage", 27, 10, &s, &err), -1);
  arena_free(a);
}

static const struct sheet_field fields[] = {
    {"type", "tür|type|demirbaş türü", true},
    {"serial", "seri no|serial|serial number", false},
    {"name", "ad|name", true},
    {"purchase_date", "alım tarihi|purchase date", false},
};

static void test_csv_and_header_map(void **state)
{
  (void)state;
  arena *a = arena_new();
  struct sheet s;
  const char *err;
  const char *text = "\xEF\xBB\xBF"
                     "TÜR;Seri No.;Bilinmeyen;SERİ_NO;\n"
                     "pc;1;;;\n";
  assert_int_equal(sheet_read(a, text, strlen(text), 10, &s, &err), 0);
  assert_int_equal(s.format, SHEET_CSV);
  assert_int_equal(s.sep, ';');
  json_t *errors = json_array();
  struct sheet_map m;
  assert_int_equal(sheet_map_header(a, &s, fields, ARRAY_LEN(fields), &m, errors), 3);
  /* unknown, twice, missing "ad": all on row 1 */
  assert_int_equal(json_array_size(errors), 3);
  json_t *e0 = json_array_get(errors, 0);
  assert_int_equal(json_integer_value(json_object_get(e0, "row")), 1);
  assert_string_equal(json_string_value(json_object_get(e0, "column")), "Bilinmeyen");
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 1), "column")), "SERİ_NO");
  assert_string_equal(json_string_value(json_object_get(json_array_get(errors, 2), "column")), "ad");
  json_decref(errors);

  text = "Ad,Demirbaş Türü,Purchase Date,\n"
         "Dizüstü,pc,2026-01-02,\n"
         "x,,,stray\n"
         "y\n";
  assert_int_equal(sheet_read(a, text, strlen(text), 10, &s, &err), 0);
  errors = json_array();
  assert_int_equal(sheet_map_header(a, &s, fields, ARRAY_LEN(fields), &m, errors), 0);
  assert_string_equal(sheet_cell(&m, 1, "type"), "pc");
  assert_string_equal(sheet_cell(&m, 1, "purchase_date"), "2026-01-02");
  assert_string_equal(sheet_cell(&m, 1, "serial"), ""); /* column absent */
  assert_string_equal(sheet_cell(&m, 3, "type"), "");   /* short row */
  assert_string_equal(sheet_column(&m, "type"), "Demirbaş Türü");
  assert_string_equal(sheet_column(&m, "serial"), "seri no");
  assert_int_equal(sheet_row_check(&m, 1, errors), 0);
  assert_int_equal(sheet_row_check(&m, 2, errors), 1); /* a value under an empty header */
  json_t *fe = json_pack("{ss}", "type", "Tür geçersiz.");
  sheet_error_fields(errors, s.rows[1].row, &m, fe);
  json_decref(fe);
  assert_int_equal(json_array_size(errors), 2);
  json_t *e = json_array_get(errors, 1);
  assert_int_equal(json_integer_value(json_object_get(e, "row")), 2);
  assert_string_equal(json_string_value(json_object_get(e, "column")), "Demirbaş Türü");
  assert_string_equal(json_string_value(json_object_get(e, "reason")), "Tür geçersiz.");
  json_decref(errors);
  /* CSV limits come back as -2 */
  assert_int_equal(sheet_read(a, "a\n1\n2\n3\n", 8, 2, &s, &err), -2);
  assert_int_equal(sheet_read(a, "", 0, 2, &s, &err), -1);
  arena_free(a);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xlsx_cells),
      cmocka_unit_test(test_xlsx_1904_and_default_sheet),
      cmocka_unit_test(test_xlsx_limits),
      cmocka_unit_test(test_csv_and_header_map),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
