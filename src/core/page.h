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

/* Runs an API handler as a JSON route with in as its body (stolen; may be
 * NULL for GET), so a page keeps the API's rules. Returns the reply's
 * status and its parsed JSON in *out (caller decrefs), or -1 when the
 * handler failed. */
int page_call_api(request *r, route_fn fn, json_t *in, json_t **out);
/* An error box from an API error reply: its message and field messages. */
void page_alert(html *h, json_t *err);

/* Draws a page again after a refused form, showing the API's error reply
 * err (borrowed) with status. */
typedef int (*page_redraw_fn)(request *r, int status, json_t *err);
/* The end of a form whose API call answered status with out (released
 * here): a 2xx goes on to `then`; 403 and 404, or any error when redraw
 * is NULL, become the error page with the API's message; other errors
 * (400, 409...) draw the form's page again with the error. -1 when the
 * call itself failed (status < 0). */
int page_after(request *r, int status, json_t *out, const char *then, page_redraw_fn redraw);
/* Reads a page's record through its GET API handler: true with *out
 * (caller decrefs) when it answered 200; otherwise false with the error
 * page written from the API's reply (*rc 0) or the handler failed (*rc
 * -1), *rc being what the page handler returns. */
bool page_fetch(request *r, route_fn fn, json_t **out, int *rc);
/* page_call_api with in (stolen), then page_after. */
int page_submit(request *r, route_fn fn, json_t *in, const char *then, page_redraw_fn redraw);

#endif
