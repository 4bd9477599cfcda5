/* i18n.h - gettext for the UI and messages. Source strings are English;
 * po/tr.po carries Turkish, the default language. Each request runs in
 * its user's language through a per-thread locale. */
#ifndef DEFTER_I18N_H
#define DEFTER_I18N_H

#include <libintl.h>

#define _(s) dgettext("defter", s)
#define N_(s) s

/* localedir holds tr/LC_MESSAGES/defter.mo. Returns 0 when Turkish is
 * available, -1 when the tr_TR.UTF-8 locale is missing (English shown). */
int i18n_init(const char *localedir);
/* Switches the calling thread to "tr" or "en"; unknown -> "tr". */
void i18n_use(const char *lang);
/* Picks "tr" or "en" from a cookie value or an Accept-Language header. */
const char *i18n_pick(const char *cookie, const char *accept_language);

#endif
