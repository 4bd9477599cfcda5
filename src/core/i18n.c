/* i18n.c - per-thread language switching over glibc gettext. */
#include "i18n.h"
#include "util.h"
#include "log.h"

#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
  if (cookie && (strcasecmp(cookie, "en") == 0 || strcasecmp(cookie, "tr") == 0))
    return strcasecmp(cookie, "en") == 0 ? "en" : "tr";
  /* Weigh the q-values of "tr" and "en" (RFC 9110 §12.5.4); q=0 means
   * "not acceptable"; ties go to Turkish. */
  double q_tr = -1, q_en = -1;
  for (const char *p = accept_language; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    double q = 1.0;
    const char *qp = memchr(p, ';', len);
    if (qp) {
      const char *qv = strstr(qp, "q=");
      if (qv && qv < p + len)
        q = strtod(qv + 2, NULL);
    }
    bool two = len >= 2 && (len == 2 || p[2] == '-' || p[2] == ';' || p[2] == ' ');
    if (two && strncasecmp(p, "tr", 2) == 0 && q > q_tr)
      q_tr = q;
    if (two && strncasecmp(p, "en", 2) == 0 && q > q_en)
      q_en = q;
    p = end;
  }
  if (q_en > 0 && q_en > q_tr)
    return "en";
  return "tr";
}
