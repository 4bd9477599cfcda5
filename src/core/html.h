/* html.h - HTML output where escaping is the default. Text goes through
 * h_txt (element text), h_attr (inside a quoted attribute) or h_url
 * (a URL query value); raw markup can only come from string literals via
 * H(), so user data cannot reach the page unescaped by accident. */
#ifndef DEFTER_HTML_H
#define DEFTER_HTML_H

#include "util.h"

typedef struct {
  buf b;
} html;

void html_init(html *h);
void html_free(html *h);

/* Raw markup; only for literals: H(h, "<p>") compiles, H(h, var) does not. */
#define H(h, lit) html_raw_literal_((h), "" lit "")
void html_raw_literal_(html *h, const char *lit);

void h_txt(html *h, const char *s);   /* & < > " ' escaped; NULL -> nothing */
void h_attr(html *h, const char *s);  /* same set, for a "quoted" attribute */
void h_url(html *h, const char *s);   /* percent-encoding of a query value */
void h_int(html *h, int64_t v);
void h_cell(html *h, const char *s); /* <td>s</td>, escaped */
/* Small form pieces every page uses. */
void h_label(html *h, const char *for_id, const char *text);
void h_option(html *h, const char *value, const char *text, bool selected);

/* A local path for href/redirect use: only "/..." not "//..."; else "/". */
const char *html_safe_local_path(const char *s);

/* Escapes s into a freshly allocated string from the arena (for tests and
 * for attribute values assembled elsewhere). */
char *html_escape(arena *a, const char *s);

#endif
