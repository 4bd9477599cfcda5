/* page.h - the web shell around every page: header with the institution,
 * navigation built from the modules' nav tables (only what the user may
 * open), user menu with the language switch and sign-out, and the footer. */
#ifndef DEFTER_PAGE_H
#define DEFTER_PAGE_H

#include "http.h"

/* active: the nav path to highlight (NULL: none). */
void page_begin(request *r, html *h, const char *title, const char *active);
void page_end(request *r, html *h);
/* <input type=hidden name=_csrf> for the signed-in user's forms. */
void page_csrf(request *r, html *h);
/* A bare page (login, errors) without navigation. */
void page_begin_bare(request *r, html *h, const char *title);
/* The HTML error page used for ROUTE_HTML routes. */
void page_error(request *r, int status, const char *message);
/* Formats a UTC unix time in Europe/Istanbul for display. */
const char *page_time(request *r, int64_t t);

/* A figure card on the dashboard linking to its page. */
void page_stat_card(html *h, const char *label, int64_t value, const char *href);

#endif
