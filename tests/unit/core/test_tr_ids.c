/* test_tr_ids.c - the register's identifiers in src/core/tr.c: the Vergi
 * Kimlik No check digit (valid numbers computed from the rule, every
 * single-digit change refused) and the taşınır kodu shape NNN.NN.NN[.NN…]. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../../src/core/tr.h"

static const char *const valid_vkn[] = {"4540536920", "9458073022", "1573681933",
                                        "0364262120", "9972200337", "2245383232"};

static void test_vkn(void **state)
{
  (void)state;
  for (size_t i = 0; i < sizeof valid_vkn / sizeof *valid_vkn; i++) {
    if (tr_vkn_check(valid_vkn[i]) != 0)
      fail_msg("%s should be valid", valid_vkn[i]);
    char s[11];
    memcpy(s, valid_vkn[i], 11);
    s[9] = (char)('0' + (s[9] - '0' + 1) % 10);
    if (tr_vkn_check(s) == 0)
      fail_msg("%s has a wrong check digit", s);
  }
  assert_int_equal(tr_vkn_check("454053692"), -1);
  assert_int_equal(tr_vkn_check("45405369200"), -1);
  assert_int_equal(tr_vkn_check("45405369a0"), -1);
  assert_int_equal(tr_vkn_check(""), -1);
  assert_int_equal(tr_vkn_check(NULL), -1);
}

static void test_money(void **state)
{
  (void)state;
  assert_int_equal(tr_money_parse("12500"), 1250000);
  assert_int_equal(tr_money_parse("12500,5"), 1250050);
  assert_int_equal(tr_money_parse("12500.05"), 1250005);
  assert_int_equal(tr_money_parse("0,99"), 99);
  assert_int_equal(tr_money_parse("999999999999"), 99999999999900);
  assert_int_equal(tr_money_parse("1000000000000"), -1);
  const char *bad[] = {NULL, "", ",5", "12,", "1,234", "1.000,00", "-5", "+5", "1 000", "12,345", "1e3", "12,5x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(tr_money_parse(bad[i]), -1);
  char s[32];
  tr_money_format(1250050, '.', s);
  assert_string_equal(s, "12500.50");
  tr_money_format(-5, ',', s);
  assert_string_equal(s, "-0,05");
  tr_money_format(0, '.', s);
  assert_string_equal(s, "0.00");
  tr_money_format(INT64_MIN, '.', s);
  assert_string_equal(s, "-92233720368547758.08");
  assert_int_equal(tr_money_parse("12500,50"), 1250050); /* the two agree */
}

static void test_tasinir_kodu(void **state)
{
  (void)state;
  const char *ok[] = {"255.01.02", "253.02.03.04", "150.01.01.01.01", "255.99.99.99.99.99.99.99"};
  const char *bad[] = {"255.1.2",
                       "25.01.02",
                       "255.01",
                       "255.01.02.",
                       "255.01.02.3",
                       "255-01-02",
                       "2550102",
                       "abc.de.fg",
                       "255.01.02 ",
                       " 255.01.02",
                       "255.01.02.01.01.01.01.01.01.01",
                       "",
                       NULL};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (tr_tasinir_kodu_check(ok[i]) != 0)
      fail_msg("%s should be valid", ok[i]);
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    if (tr_tasinir_kodu_check(bad[i]) == 0)
      fail_msg("%s should be refused", bad[i] ? bad[i] : "NULL");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_vkn),
      cmocka_unit_test(test_tasinir_kodu),
      cmocka_unit_test(test_money),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
