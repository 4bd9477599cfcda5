/* test_sniff.c - attachment typing by content (src/core/sniff.c): the
 * accepted formats are recognised from their bytes, zip containers are
 * told apart by their entries, and everything else (including truncated
 * or lying zip structures) is refused without reading out of bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../../src/core/files.h"

static const char *sniff(const void *p, size_t n)
{
  /* An exact-size heap copy, so ASan catches any read past the end. */
  unsigned char *copy = malloc(n ? n : 1);
  memcpy(copy, p, n);
  const char *t = files_sniff_type(copy, n);
  free(copy);
  return t;
}

static void put16(unsigned char *p, unsigned v)
{
  p[0] = (unsigned char)(v & 0xFF);
  p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

/* A minimal zip: stored entries with the given names (and contents), a
 * central directory and its end record. Returns the length. */
static size_t make_zip(unsigned char *out, const char *const *names, const char *const *data, int n)
{
  size_t off = 0, locals[8];
  for (int i = 0; i < n; i++) {
    size_t nl = strlen(names[i]), dl = strlen(data[i]);
    locals[i] = off;
    memset(out + off, 0, 30);
    memcpy(out + off, "PK\x03\x04", 4);
    put16(out + off + 8, 0);
    put32(out + off + 18, (uint32_t)dl);
    put32(out + off + 22, (uint32_t)dl);
    put16(out + off + 26, (unsigned)nl);
    memcpy(out + off + 30, names[i], nl);
    memcpy(out + off + 30 + nl, data[i], dl);
    off += 30 + nl + dl;
  }
  size_t cd = off;
  for (int i = 0; i < n; i++) {
    size_t nl = strlen(names[i]);
    memset(out + off, 0, 46);
    memcpy(out + off, "PK\x01\x02", 4);
    put16(out + off + 28, (unsigned)nl);
    put32(out + off + 42, (uint32_t)locals[i]);
    memcpy(out + off + 46, names[i], nl);
    off += 46 + nl;
  }
  memset(out + off, 0, 22);
  memcpy(out + off, "PK\x05\x06", 4);
  put16(out + off + 8, (unsigned)n);
  put16(out + off + 10, (unsigned)n);
  put32(out + off + 12, (uint32_t)(off - cd));
  put32(out + off + 16, (uint32_t)cd);
  return off + 22;
}

static void test_simple_formats(void **state)
{
  (void)state;
  assert_string_equal(sniff("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", 15), "application/pdf");
  assert_string_equal(sniff("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "image/png");
  assert_string_equal(sniff("\xFF\xD8\xFF\xE0\0\x10JFIF", 10), "image/jpeg");
  const char *txt = "Aylık rapor: İşlem tamamlandı.\r\n\tSatır 2\n";
  assert_string_equal(sniff(txt, strlen(txt)), "text/plain; charset=utf-8");
  /* Not accepted: executables, GIF, raw binary, text with NUL or ESC,
   * invalid UTF-8 (overlong, surrogate, Latin-5 bytes), empty. */
  assert_null(sniff("\x7F" "ELF\x02\x01\x01", 7));
  assert_null(sniff("MZ\x90\0\x03", 5));
  assert_null(sniff("GIF89a\x01\0", 8));
  assert_null(sniff("abc\0def", 7));
  assert_null(sniff("abc\x1b[31m", 8));
  assert_null(sniff("\xC0\xAF", 2));
  assert_null(sniff("\xED\xA0\x80", 3));
  assert_null(sniff("\xFD\xFE", 2));
  assert_null(sniff("Say\xFD", 4));
  assert_null(sniff("", 0));
  assert_null(files_sniff_type(NULL, 0));
}

static void test_office_formats(void **state)
{
  (void)state;
  unsigned char z[2048];
  static const char *const odt_n[] = {"mimetype", "content.xml"};
  static const char *const odt_d[] = {"application/vnd.oasis.opendocument.text", "<office:document/>"};
  size_t n = make_zip(z, odt_n, odt_d, 2);
  assert_string_equal(sniff(z, n), "application/vnd.oasis.opendocument.text");

  static const char *const docx_n[] = {"[Content_Types].xml", "_rels/.rels", "word/document.xml"};
  static const char *const docx_d[] = {"<Types/>", "<Relationships/>", "<w:document/>"};
  n = make_zip(z, docx_n, docx_d, 3);
  assert_string_equal(sniff(z, n), "application/vnd.openxmlformats-officedocument.wordprocessingml.document");

  static const char *const xlsx_n[] = {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"};
  static const char *const xlsx_d[] = {"<Types/>", "<workbook/>", "<worksheet/>"};
  n = make_zip(z, xlsx_n, xlsx_d, 3);
  assert_string_equal(sniff(z, n), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");

  /* A spreadsheet in ODF form, a plain zip, a jar: refused. */
  static const char *const ods_d[] = {"application/vnd.oasis.opendocument.spreadsheet", "<x/>"};
  n = make_zip(z, odt_n, ods_d, 2);
  assert_null(sniff(z, n));
  static const char *const zip_n[] = {"a.txt", "b.exe"};
  static const char *const zip_d[] = {"hello", "MZ"};
  n = make_zip(z, zip_n, zip_d, 2);
  assert_null(sniff(z, n));
  /* OOXML without [Content_Types].xml, or claiming both kinds. */
  static const char *const bad_n[] = {"word/document.xml"};
  static const char *const bad_d[] = {"<w/>"};
  n = make_zip(z, bad_n, bad_d, 1);
  assert_null(sniff(z, n));
  static const char *const both_n[] = {"[Content_Types].xml", "word/document.xml", "xl/workbook.xml"};
  static const char *const both_d[] = {"<T/>", "<w/>", "<x/>"};
  n = make_zip(z, both_n, both_d, 3);
  assert_null(sniff(z, n));
}

static void test_damaged_zips(void **state)
{
  (void)state;
  unsigned char z[2048];
  static const char *const docx_n[] = {"[Content_Types].xml", "word/document.xml"};
  static const char *const docx_d[] = {"<Types/>", "<w:document/>"};
  size_t n = make_zip(z, docx_n, docx_d, 2);
  /* Every truncation after the zip magic is refused (the end record is gone) without a crash. */
  for (size_t k = 4; k < n; k++)
    assert_null(sniff(z, k));
  /* A central directory offset that points past the end. */
  unsigned char bad[2048];
  memcpy(bad, z, n);
  put32(bad + n - 22 + 16, 0xFFFFFFF0u);
  assert_null(sniff(bad, n));
  /* An entry count larger than what is there. */
  memcpy(bad, z, n);
  put16(bad + n - 22 + 10, 500);
  assert_null(sniff(bad, n));
  /* A name length running past the end record. */
  memcpy(bad, z, n);
  size_t cd = (size_t)bad[n - 22 + 16] | (size_t)bad[n - 22 + 17] << 8;
  put16(bad + cd + 28, 60000);
  assert_null(sniff(bad, n));
  /* Just the local header magic. */
  assert_null(sniff("PK\x03\x04", 4));
}

static void test_utf8(void **state)
{
  (void)state;
  assert_true(utf8_valid("ğüşıöçĞÜŞİÖÇ", strlen("ğüşıöçĞÜŞİÖÇ")));
  assert_true(utf8_valid("\xF0\x9F\x93\x84", 4)); /* U+1F4C4 */
  assert_false(utf8_valid("\xF0\x9F\x93", 3));   /* cut short */
  assert_false(utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
  assert_false(utf8_valid("\xE0\x80\xAF", 3));   /* overlong */
  assert_false(utf8_valid("\x80", 1));
  assert_true(utf8_valid("", 0));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simple_formats),
      cmocka_unit_test(test_office_formats),
      cmocka_unit_test(test_damaged_zips),
      cmocka_unit_test(test_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
