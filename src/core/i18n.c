/* i18n.c - per-thread language switching over glibc gettext. */
#include "i18n.h"
#include "util.h"
#include "log.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

static locale_t loc_tr, loc_en;

int i18n_init(const char *localedir)
{
  /* LANGUAGE would override the per-thread locale for every request. */
  unsetenv("LANGUAGE");
  setlocale(LC_ALL, "C.UTF-8");
  bindtextdomain("defter", localedir);
  bind_textdomain_codeset("defter", "UTF-8");
  /* Only messages follow the language: character classes and number
   * formatting stay C.UTF-8 (Turkish dotless-i rules would break ASCII
   * case-insensitive protocol comparisons). */
  locale_t base = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
  loc_tr = base ? newlocale(LC_MESSAGES_MASK, "tr_TR.UTF-8", base) : (locale_t)0;
  if (!loc_tr && base)
    freelocale(base);
  loc_en = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0);
  if (!loc_tr) {
    log_warn("tr_TR.UTF-8 locale missing; UI falls back to English", "localedir=\"%s\"", localedir);
    return -1;
  }
  i18n_use("tr");
  return 0;
}

void i18n_use(const char *lang)
{
  locale_t l = str_eq(lang, "en") ? loc_en : loc_tr;
  if (l)
    uselocale(l);
}

const char *i18n_pick(const char *cookie, const char *accept_language)
{
  if (str_eq(cookie, "en") || str_eq(cookie, "tr"))
    return str_eq(cookie, "en") ? "en" : "tr";
  if (accept_language && strncmp(accept_language, "en", 2) == 0)
    return "en";
  return "tr";
}
