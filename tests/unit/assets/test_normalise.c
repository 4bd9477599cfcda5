/* test_normalise.c - src/assets/normalise.c: raw software titles as
 * Windows and Linux inventories report them turned into their product
 * (versions, architectures, languages, build numbers stripped; editions
 * kept), publishers without their legal form and with their common name,
 * updates and drivers marked, bad input refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/assets/assets_int.h"

struct want {
  const char *name, *publisher, *product, *product_publisher;
  bool ignore;
};

static const struct want cases[] = {
    {"Mozilla Firefox (x64 tr)", "Mozilla", "Mozilla Firefox", "Mozilla", false},
    {"Mozilla Firefox 120.0.1 (x64 tr)", "Mozilla Foundation", "Mozilla Firefox", "Mozilla", false},
    {"Microsoft Office Professional Plus 2019 - tr-tr", "Microsoft Corporation",
     "Microsoft Office Professional Plus 2019", "Microsoft", false},
    {"Microsoft Office Professional Plus 2019", "Microsoft Corporation", "Microsoft Office Professional Plus 2019",
     "Microsoft", false},
    {"Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.36.32532", "Microsoft Corporation",
     "Microsoft Visual C++ 2015-2022 Redistributable", "Microsoft", false},
    {"7-Zip 23.01 (x64)", "Igor Pavlov", "7-Zip", "Igor Pavlov", false},
    {"Google Chrome", "Google LLC", "Google Chrome", "Google", false},
    {"Adobe Acrobat Reader DC (64-bit)", "Adobe Systems Incorporated", "Adobe Acrobat Reader DC", "Adobe", false},
    {"Java 8 Update 381 (64-bit)", "Oracle Corporation", "Java 8", "Oracle", false},
    {"Notepad++ (64-bit x64)", "Notepad++ Team", "Notepad++", "Notepad++ Team", false},
    {"LibreOffice 7.6.2.1", "The Document Foundation", "LibreOffice", "The Document Foundation", false},
    {"VLC media player", "VideoLAN", "VLC media player", "VideoLAN", false},
    {"Python 3.11.4 (64-bit)", "Python Software Foundation", "Python", "Python Software Foundation", false},
    {"Windows 10", "", "Windows 10", "", false},
    {"AnyDesk v8.0.5", "philandro Software GmbH", "AnyDesk", "philandro Software", false},
    {"Update for Microsoft Office 2016 (KB4484103) 64-Bit Edition", "Microsoft Corporation",
     "Update for Microsoft Office 2016 (KB4484103) 64-Bit Edition", "Microsoft", true},
    {"Security Update for Windows 10 (KB5031356)", "Microsoft Corporation", "Security Update for Windows 10",
     "Microsoft", true},
    {"Realtek High Definition Audio Driver", "Realtek Semiconductor Corp.", "Realtek High Definition Audio Driver",
     "Realtek Semiconductor", true},
    {"Intel(R) Graphics Driver 31.0.101.4502", "Intel Corporation", "Intel(R) Graphics Driver", "Intel", true},
    {"HP LaserJet Pro MFP Sürücüsü", "HP Inc.", "HP LaserJet Pro MFP Sürücüsü", "HP", true},
    {"Huawei Co., Ltd. App", "Huawei Technologies Co., Ltd.", "Huawei Co., Ltd. App", "Huawei Technologies", false},
    {"  firefox-esr  ", "Debian", "firefox-esr", "Debian", false},
    {"Yazıcı   Yönetimi 2.4", "Eyüpsultan Bel. A.Ş.", "Yazıcı Yönetimi", "Eyüpsultan Bel", false},
    {"12.0.1", "", "12.0.1", "", false},
};

static void test_titles(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct sw_product p;
    assert_int_equal(assets_software_normalise(cases[i].name, cases[i].publisher, &p), 0);
    if (strcmp(p.name, cases[i].product) || strcmp(p.publisher, cases[i].product_publisher) ||
        p.ignore != cases[i].ignore)
      fail_msg("\"%s\" / \"%s\" -> \"%s\" / \"%s\" ignore=%d; want \"%s\" / \"%s\" ignore=%d", cases[i].name,
               cases[i].publisher, p.name, p.publisher, p.ignore, cases[i].product, cases[i].product_publisher,
               cases[i].ignore);
  }
}

static void test_refused(void **state)
{
  (void)state;
  struct sw_product p;
  assert_int_equal(assets_software_normalise("", "x", &p), -1);
  assert_int_equal(assets_software_normalise("   ", "x", &p), -1);
  assert_int_equal(assets_software_normalise(NULL, "x", &p), -1);
  assert_int_equal(assets_software_normalise("bad \xff utf8", "x", &p), -1);
  assert_int_equal(assets_software_normalise("ok", "bad \xc3", &p), -1);
  assert_string_equal(p.name, ""); /* a refused publisher leaves the name empty too */
  assert_int_equal(assets_software_normalise("line\nbreak", "", &p), -1);
  assert_string_equal(p.name, "");
}

static void test_long(void **state)
{
  (void)state;
  /* A title longer than the product buffer is cut at a character
   * boundary (ş is two bytes) and still valid text. */
  char name[1200];
  size_t n = 0;
  while (n + 2 < sizeof name - 1) {
    name[n++] = '\xc5';
    name[n++] = '\x9f';
  }
  name[n] = '\0';
  struct sw_product p;
  assert_int_equal(assets_software_normalise(name, "", &p), 0);
  assert_true(strlen(p.name) < SW_NAME_MAX);
  assert_int_equal(strlen(p.name) % 2, 0);
  /* Only qualifiers in brackets after a name: all of them go. */
  assert_int_equal(assets_software_normalise("Tool (x64) (tr) [64-bit] 1.2.3 - en-US", "ACME Corp.", &p), 0);
  assert_string_equal(p.name, "Tool");
  assert_string_equal(p.publisher, "ACME");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_titles),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_long),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
