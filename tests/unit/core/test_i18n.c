/* test_i18n.c - language choice from the cookie and Accept-Language
 * (i18n_pick), and per-thread switching between Turkish and English
 * (src/core/i18n.c) with the catalogue the build produces. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <strings.h>

#include "../../../src/core/i18n.h"
#include "../../../src/core/util.h"

static void test_pick_default_turkish(void **state)
{
  (void)state;
  assert_string_equal(i18n_pick(NULL, NULL), "tr");
  assert_string_equal(i18n_pick("", ""), "tr");
  assert_string_equal(i18n_pick(NULL, "tr-TR,tr;q=0.9,en;q=0.8"), "tr");
  assert_string_equal(i18n_pick(NULL, "de-DE"), "tr");
  assert_string_equal(i18n_pick(NULL, "*"), "tr");
}

static void test_pick_accept_language(void **state)
{
  (void)state;
  assert_string_equal(i18n_pick(NULL, "en"), "en");
  assert_string_equal(i18n_pick(NULL, "en-US,en;q=0.9"), "en");
  assert_string_equal(i18n_pick(NULL, "en-GB"), "en");
}

static void test_pick_cookie_wins(void **state)
{
  (void)state;
  assert_string_equal(i18n_pick("en", NULL), "en");
  assert_string_equal(i18n_pick("en", "tr-TR"), "en");
  assert_string_equal(i18n_pick("tr", "en-US"), "tr");
  assert_string_equal(i18n_pick("tr", NULL), "tr");
  /* An unknown cookie value is ignored: the header decides. */
  assert_string_equal(i18n_pick("de", "en-US"), "en");
  assert_string_equal(i18n_pick("de", NULL), "tr");
  assert_string_equal(i18n_pick("EN-us", NULL), "tr");
  assert_string_equal(i18n_pick("<script>", "en"), "en");
  /* Whatever comes in, only "tr" or "en" comes out. */
  static const char *const odd[] = {"en;", "en ", " en", "enx", "\xff", "tr,en"};
  for (size_t i = 0; i < ARRAY_LEN(odd); i++) {
    const char *l = i18n_pick(odd[i], odd[i]);
    assert_true(str_eq(l, "tr") || str_eq(l, "en"));
  }
}

static void *in_thread(void *arg)
{
  (void)arg;
  /* A new thread starts in the global locale (C.UTF-8 after init), then
   * switches on its own without affecting the main thread. */
  i18n_use("tr");
  return (void *)(str_eq(_("The password is too short."), "Parola çok kısa.") ? "ok" : "bad");
}

static void test_switching(void **state)
{
  (void)state;
  assert_int_equal(i18n_init(DEFTER_LOCALE_DIR), 0); /* tr_TR.UTF-8 is installed by scripts/deps.sh */
  /* After init the process speaks Turkish. */
  assert_string_equal(_("The password is too short."), "Parola çok kısa.");
  i18n_use("en");
  assert_string_equal(_("The password is too short."), "The password is too short.");
  i18n_use("tr");
  assert_string_equal(_("The password is too short."), "Parola çok kısa.");
  i18n_use("xx"); /* unknown -> Turkish */
  assert_string_equal(_("The password is too short."), "Parola çok kısa.");
  i18n_use(NULL);
  assert_string_equal(_("The password is too short."), "Parola çok kısa.");
  /* Per thread. */
  i18n_use("en");
  pthread_t t;
  void *res = NULL;
  assert_int_equal(pthread_create(&t, NULL, in_thread, NULL), 0);
  assert_int_equal(pthread_join(t, &res), 0);
  assert_string_equal(res, "ok");
  assert_string_equal(_("The password is too short."), "The password is too short.");
  /* Character classes stay ASCII: no Turkish dotless-i case rules. */
  i18n_use("tr");
  assert_int_equal(strcasecmp("INFO", "info"), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pick_default_turkish),
      cmocka_unit_test(test_pick_accept_language),
      cmocka_unit_test(test_pick_cookie_wins),
      cmocka_unit_test(test_switching),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
