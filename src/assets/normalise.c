/* normalise.c - a raw software title from an inventory turned into the
 * product it belongs to (pure, fuzzed): trailing versions, architectures,
 * languages and build numbers go ("Mozilla Firefox (x64 tr)" and
 * "Mozilla Firefox 120.0" are both "Mozilla Firefox"), while editions
 * that are part of the name stay ("Microsoft Office Professional Plus
 * 2019", "Java 8"); the publisher loses its legal form and takes its
 * common name ("Microsoft Corporation" -> "Microsoft"). Updates, hotfixes
 * and drivers are marked so that their products start out ignored. */
#include "assets_int.h"
#include "../core/tr.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Copies s into out (cap bytes) with runs of white space made one space,
 * trimmed, cut at a character boundary. 0, or -1 for invalid UTF-8 or
 * control characters. */
static int squeeze(const char *s, char *out, size_t cap)
{
  size_t n = 0;
  bool space = false;
  if (!s)
    s = "";
  if (tr_text_check(s, strlen(s), true))
    return -1;
  for (; *s; s++) {
    if (*s == ' ' || *s == '\t') {
      space = n > 0;
      continue;
    }
    if (space && n + 1 < cap)
      out[n++] = ' ';
    space = false;
    if (n + 1 >= cap)
      break;
    out[n++] = *s;
  }
  /* Cut at a character boundary when the copy was shortened. */
  while (n && ((unsigned char)out[n - 1] & 0x80)) {
    size_t k = n - 1;
    while (k && ((unsigned char)out[k] & 0xC0) == 0x80)
      k--;
    uint32_t cp;
    if (tr_utf8_decode((const unsigned char *)out + k, n - k, &cp) == n - k)
      break;
    n = k;
  }
  out[n] = '\0';
  return 0;
}

static bool ieq(const char *a, size_t n, const char *lit)
{
  return strlen(lit) == n && strncasecmp(a, lit, n) == 0;
}

static bool all_digits(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isdigit((unsigned char)s[i]))
      return false;
  return n > 0;
}

/* "120.0", "16.0.17126.20132", "v2.3", "1.2.3-beta", "22621" (a build
 * number): not "2019" or "8", which name an edition. */
static bool version_like(const char *s, size_t n)
{
  if (n && (s[0] == 'v' || s[0] == 'V'))
    s++, n--;
  if (!n || !isdigit((unsigned char)s[0]))
    return false;
  bool dot = false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.')
      dot = true;
    else if (!isalnum(c) && c != '-' && c != '_' && c != '+')
      return false;
  }
  return dot || (all_digits(s, n) && n >= 5);
}

static bool arch_like(const char *s, size_t n)
{
  static const char *const words[] = {"x64",   "x86",   "x86_64", "amd64", "arm64", "aarch64", "i386",  "i686", "win64",
                                      "win32", "64-bit", "32-bit", "64bit", "32bit", "x64-bit", "x86-bit", NULL};
  for (size_t i = 0; words[i]; i++)
    if (ieq(s, n, words[i]))
      return true;
  return false;
}

/* "en-US", "tr-tr", "pt-BR". */
static bool locale_like(const char *s, size_t n)
{
  return n == 5 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) && s[2] == '-' &&
         isalpha((unsigned char)s[3]) && isalpha((unsigned char)s[4]);
}

/* "KB5031356". */
static bool kb_like(const char *s, size_t n)
{
  return n >= 6 && n <= 10 && (s[0] == 'K' || s[0] == 'k') && (s[1] == 'B' || s[1] == 'b') &&
         all_digits(s + 2, n - 2);
}

/* A word that may follow a title without being part of its name. Inside
 * brackets more is allowed: bare language codes and a few words. */
static bool qualifier(const char *s, size_t n, bool bracketed)
{
  if (version_like(s, n) || arch_like(s, n) || locale_like(s, n) || kb_like(s, n))
    return true;
  if (!bracketed)
    return false;
  static const char *const words[] = {"bit",     "64",      "32",      "remove",  "only",   "tr",     "en",
                                      "de",      "fr",      "english", "turkish", "türkçe", "version", "ver",
                                      "build",   "edition", "-",       "user",    "machine", "per-user", NULL};
  if (n == 2 && islower((unsigned char)s[0]) && islower((unsigned char)s[1]))
    return true;
  for (size_t i = 0; words[i]; i++)
    if (ieq(s, n, words[i]))
      return true;
  return false;
}

/* Are all words of s[0..n) (split at spaces, commas, semicolons and
 * slashes) qualifiers? An empty group is one. */
static bool all_qualifiers(const char *s, size_t n, bool bracketed)
{
  size_t i = 0;
  while (i < n) {
    while (i < n && strchr(" ,;/", s[i]))
      i++;
    size_t j = i;
    while (j < n && !strchr(" ,;/", s[j]))
      j++;
    if (j > i && !qualifier(s + i, j - i, bracketed))
      return false;
    i = j;
  }
  return true;
}

static void trim_tail(char *s)
{
  size_t n = strlen(s);
  while (n && strchr(" -,:;_", s[n - 1]))
    n--;
  s[n] = '\0';
}

/* One step of stripping the end of a title; true when something went. */
static bool strip_once(char *s)
{
  size_t n = strlen(s);
  if (!n)
    return false;
  char close = s[n - 1];
  if (close == ')' || close == ']') {
    char open = close == ')' ? '(' : '[';
    char *o = strrchr(s, open);
    if (o && o > s && all_qualifiers(o + 1, (size_t)(s + n - 1 - (o + 1)), true)) {
      *o = '\0';
      trim_tail(s);
      return true;
    }
    return false;
  }
  /* " - 14.36.32532", " - tr-tr" */
  char *dash = strstr(s, " - ");
  for (char *p = dash; p; p = strstr(p + 1, " - "))
    dash = p;
  if (dash && dash > s && all_qualifiers(dash + 3, strlen(dash + 3), true)) {
    *dash = '\0';
    trim_tail(s);
    return true;
  }
  char *sp = strrchr(s, ' ');
  if (!sp)
    return false;
  const char *w = sp + 1;
  size_t wn = strlen(w);
  if (qualifier(w, wn, false)) {
    *sp = '\0';
    trim_tail(s);
    return true;
  }
  /* "Java 8 Update 381": the update number is a version. */
  if (all_digits(w, wn)) {
    char *prev = sp;
    while (prev > s && prev[-1] != ' ')
      prev--;
    if (prev > s && ieq(prev, (size_t)(sp - prev), "update")) {
      prev[-1] = '\0';
      trim_tail(s);
      return true;
    }
  }
  return false;
}

/* Words that mark a title as an update, a hotfix or a driver. */
static bool ignorable(const char *s)
{
  static const char *const starts[] = {"security update for", "update for", "hotfix for", "service pack",
                                       "definition update", "cumulative update", NULL};
  for (size_t i = 0; starts[i]; i++)
    if (strncasecmp(s, starts[i], strlen(starts[i])) == 0)
      return true;
  for (const char *p = s; *p;) {
    while (*p && !isalnum((unsigned char)*p))
      p++;
    const char *q = p;
    while (*q && (isalnum((unsigned char)*q) || (unsigned char)*q >= 0x80))
      q++;
    size_t n = (size_t)(q - p);
    if (kb_like(p, n) || ieq(p, n, "driver") || ieq(p, n, "drivers") || ieq(p, n, "sürücü") ||
        ieq(p, n, "sürücüsü"))
      return true;
    p = q;
  }
  return false;
}

static bool legal_form(const char *w, size_t n)
{
  static const char *const forms[] = {"inc",  "incorporated", "corp", "corporation", "co",  "company", "ltd", "limited",
                                      "llc",  "gmbh",         "ag",   "sa",          "s.a", "srl",     "bv",  "b.v",
                                      "oy",   "ab",           "plc",  "pty",         "kg",  "l.p",     "lp",  "a.ş",
                                      "şti",  "ltd.şti",      "s.p.a", "spa",        "se",  "nv",      "n.v", "a.Ş", "Şti", "ŞTİ", NULL};
  while (n && w[n - 1] == '.')
    n--;
  for (size_t i = 0; forms[i]; i++)
    if (ieq(w, n, forms[i]))
      return true;
  return false;
}

static void normalise_publisher(char *p)
{
  for (;;) {
    trim_tail(p);
    size_t n = strlen(p);
    while (n && p[n - 1] == '.')
      p[--n] = '\0';
    char *sp = strrchr(p, ' ');
    if (!sp || !legal_form(sp + 1, strlen(sp + 1)))
      break;
    *sp = '\0';
  }
  static const struct {
    const char *from, *to;
  } aliases[] = {
      {"Adobe Systems", "Adobe"},
      {"Hewlett-Packard", "HP"},
      {"Hewlett Packard", "HP"},
      {"HP Development", "HP"},
      {"Mozilla Foundation", "Mozilla"},
      {"Oracle America", "Oracle"},
      {"Google Chrome", "Google"},
      {"Microsoft Office", "Microsoft"},
      {"Intel(R)", "Intel"},
      {"Dell Technologies", "Dell"},
      {"Lenovo Group", "Lenovo"},
  };
  for (size_t i = 0; i < ARRAY_LEN(aliases); i++)
    if (strcasecmp(p, aliases[i].from) == 0) {
      strcpy(p, aliases[i].to); /* every alias is shorter than its source */
      break;
    }
}

int assets_software_normalise(const char *name, const char *publisher, struct sw_product *out)
{
  memset(out, 0, sizeof *out);
  if (squeeze(name, out->name, sizeof out->name) || !out->name[0] ||
      squeeze(publisher, out->publisher, sizeof out->publisher)) {
    memset(out, 0, sizeof *out);
    return -1;
  }
  out->ignore = ignorable(out->name);
  char keep[SW_NAME_MAX];
  for (int guard = 0; guard < 64; guard++) {
    memcpy(keep, out->name, sizeof keep);
    if (!strip_once(out->name))
      break;
    if (!out->name[0]) {
      /* Nothing but qualifiers: the last non-empty form stays. */
      memcpy(out->name, keep, sizeof keep);
      break;
    }
  }
  normalise_publisher(out->publisher);
  return 0;
}
