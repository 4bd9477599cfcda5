/* html.c - context escapers (cgit's html_txt / html_attr / html_url_arg). */
#include "html.h"

#include <stdio.h>
#include <string.h>

void html_init(html *h)
{
  buf_init(&h->b, 8 * 1024 * 1024);
}

void html_free(html *h)
{
  buf_free(&h->b);
}

void html_raw_literal_(html *h, const char *lit)
{
  buf_puts(&h->b, lit);
}

static void escape_into(buf *b, const char *s)
{
  const char *run = s;
  for (const char *p = s; *p; p++) {
    const char *rep = NULL;
    switch (*p) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default: break;
    }
    if (rep) {
      buf_append(b, run, (size_t)(p - run));
      buf_puts(b, rep);
      run = p + 1;
    }
  }
  buf_puts(b, run);
}

void h_txt(html *h, const char *s)
{
  if (s)
    escape_into(&h->b, s);
}

void h_attr(html *h, const char *s)
{
  if (s)
    escape_into(&h->b, s);
}

void h_url(html *h, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  if (!s)
    return;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
        *p == '_' || *p == '.' || *p == '~') {
      buf_append(&h->b, p, 1);
    } else {
      char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
      buf_append(&h->b, e, 3);
    }
  }
}

void h_int(html *h, int64_t v)
{
  buf_printf(&h->b, "%lld", (long long)v);
}

void h_label(html *h, const char *for_id, const char *text)
{
  H(h, "<label for=\"");
  h_attr(h, for_id);
  H(h, "\">");
  h_txt(h, text);
  H(h, "</label>");
}

void h_option(html *h, const char *value, const char *text, bool selected)
{
  H(h, "<option value=\"");
  h_attr(h, value);
  H(h, "\"");
  if (selected)
    H(h, " selected");
  H(h, ">");
  h_txt(h, text);
  H(h, "</option>");
}

const char *html_safe_local_path(const char *s)
{
  if (!s || s[0] != '/' || s[1] == '/' || s[1] == '\\' || strpbrk(s, "\r\n\t"))
    return "/";
  return s;
}

char *html_escape(arena *a, const char *s)
{
  buf b;
  buf_init(&b, 0);
  escape_into(&b, s ? s : "");
  char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

void h_cell(html *h, const char *s)
{
  H(h, "<td>");
  h_txt(h, s);
  H(h, "</td>");
}
