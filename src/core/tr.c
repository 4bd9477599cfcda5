/* tr.c - validators of Turkish identifiers and the Turkish case fold for
 * searching, and the cleaner of free text fields. Outside input: every
 * function bounds what it reads; only tr_text_clean allocates (from the
 * caller's arena). */
#include "tr.h"
#include "files.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum tr_tckn_rc tr_tckn_check(const char *s)
{
  if (!s || strlen(s) != 11)
    return TR_TCKN_LENGTH;
  int d[11];
  for (int i = 0; i < 11; i++) {
    if (s[i] < '0' || s[i] > '9')
      return TR_TCKN_DIGITS;
    d[i] = s[i] - '0';
  }
  if (d[0] == 0)
    return TR_TCKN_ZERO;
  int odd = d[0] + d[2] + d[4] + d[6] + d[8];
  int even = d[1] + d[3] + d[5] + d[7];
  int d10 = ((odd * 7 - even) % 10 + 10) % 10;
  int sum = 0;
  for (int i = 0; i < 10; i++)
    sum += d[i];
  if (d[9] != d10 || d[10] != sum % 10)
    return TR_TCKN_CHECKSUM;
  return TR_TCKN_OK;
}

int tr_tckn_complete(const char *base9, char out[12])
{
  if (!base9 || strlen(base9) != 9 || base9[0] == '0')
    return -1;
  int d[11];
  for (int i = 0; i < 9; i++) {
    if (base9[i] < '0' || base9[i] > '9')
      return -1;
    d[i] = base9[i] - '0';
  }
  int odd = d[0] + d[2] + d[4] + d[6] + d[8];
  int even = d[1] + d[3] + d[5] + d[7];
  d[9] = ((odd * 7 - even) % 10 + 10) % 10;
  int sum = 0;
  for (int i = 0; i < 10; i++)
    sum += d[i];
  d[10] = sum % 10;
  for (int i = 0; i < 11; i++)
    out[i] = (char)('0' + d[i]);
  out[11] = 0;
  return 0;
}

void tr_tckn_mask(const char *tckn, char out[12])
{
  bool whole = tckn && strlen(tckn) == 11;
  for (int i = 0; i < 11; i++)
    out[i] = whole && (i < 3 || i >= 9) ? tckn[i] : '*';
  out[11] = 0;
}

/* ---- telephone -------------------------------------------------------- */

/* A Turkish national number: 10 digits, area/operator code 2xx-5xx or 8xx. */
static bool tr_national_ok(const char *n, size_t len)
{
  return len == 10 && ((n[0] >= '2' && n[0] <= '5') || n[0] == '8');
}

static int put_e164(const char *cc, const char *national, size_t nlen, char out[TR_PHONE_MAX + 1])
{
  size_t clen = strlen(cc);
  if (clen + nlen > TR_PHONE_MAX - 1 || clen + nlen < 8)
    return -1;
  out[0] = '+';
  memcpy(out + 1, cc, clen);
  memcpy(out + 1 + clen, national, nlen);
  out[1 + clen + nlen] = 0;
  return 0;
}

int tr_phone_e164(const char *in, char out[TR_PHONE_MAX + 1])
{
  char d[24];
  size_t n = 0;
  bool plus = false, seen = false;
  out[0] = 0;
  if (!in)
    return -1;
  for (const char *p = in; *p; p++) {
    char c = *p;
    if (c >= '0' && c <= '9') {
      if (n + 1 >= sizeof d)
        return -1;
      d[n++] = c;
      seen = true;
    } else if (c == '+' && !seen && !plus) {
      plus = true;
    } else if (c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '/' || c == '\t') {
      continue;
    } else {
      return -1;
    }
  }
  d[n] = 0;
  const char *s = d;
  if (!plus && n > 2 && s[0] == '0' && s[1] == '0') {
    plus = true;
    s += 2;
    n -= 2;
  }
  if (plus) {
    if (n == 0 || s[0] == '0')
      return -1;
    if (s[0] == '9' && s[1] == '0') {
      const char *nat = s + 2;
      size_t nl = n - 2;
      if (nl == 11 && nat[0] == '0') { /* "+90 (0532) ..." */
        nat++;
        nl--;
      }
      return tr_national_ok(nat, nl) ? put_e164("90", nat, nl, out) : -1;
    }
    if (n < 8 || n > 15)
      return -1;
    return put_e164("", s, n, out);
  }
  if (n == 11 && s[0] == '0' && tr_national_ok(s + 1, 10))
    return put_e164("90", s + 1, 10, out);
  if (n == 10 && tr_national_ok(s, 10))
    return put_e164("90", s, 10, out);
  if (n == 12 && s[0] == '9' && s[1] == '0' && tr_national_ok(s + 2, 10))
    return put_e164("90", s + 2, 10, out);
  return -1;
}

/* ---- e-mail ------------------------------------------------------------ */

static bool atext(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

static bool ldh(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

int tr_email_check(const char *s)
{
  if (!s)
    return -1;
  size_t len = strlen(s);
  const char *at = strchr(s, '@');
  if (len > 254 || !at || strchr(at + 1, '@'))
    return -1;
  size_t local = (size_t)(at - s);
  if (local < 1 || local > 64 || s[0] == '.' || s[local - 1] == '.')
    return -1;
  for (size_t i = 0; i < local; i++) {
    if (s[i] == '.') {
      if (s[i + 1] == '.')
        return -1;
    } else if (!atext(s[i])) {
      return -1;
    }
  }
  const char *dom = at + 1;
  size_t labels = 0, lab_len = 0;
  const char *lab = dom;
  for (const char *p = dom;; p++) {
    if (*p == '.' || *p == 0) {
      if (lab_len == 0 || lab_len > 63 || lab[0] == '-' || p[-1] == '-')
        return -1;
      labels++;
      if (*p == 0)
        break;
      lab = p + 1;
      lab_len = 0;
    } else if (ldh(*p)) {
      lab_len++;
    } else {
      return -1;
    }
  }
  if (labels < 2 || lab_len < 2)
    return -1;
  for (const char *p = lab; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
      return -1;
  return 0;
}

/* ---- UTF-8 and the Turkish fold ---------------------------------------- */

/* Decodes one code point at s (n bytes available); returns its length,
 * or 0 for an invalid, overlong or surrogate sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  if (n == 0)
    return 0;
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  uint32_t v, min;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    v = c & 0x1F;
    min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    v = c & 0x0F;
    min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    v = c & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (n < len)
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return len;
}

static size_t utf8_encode(uint32_t cp, char out[4])
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

int tr_text_check(const char *s, size_t len, bool tabs)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    uint32_t cp;
    size_t l = utf8_decode(p + i, len - i, &cp);
    if (l == 0)
      return -1;
    if ((cp < 0x20 && !(tabs && cp == '\t')) || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
      return -1;
    i += l;
  }
  return 0;
}

static bool is_space(uint32_t cp)
{
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == 0xA0 || cp == '\v' || cp == '\f';
}

/* Lower case with Turkish rules; 0 means "drop". */
static uint32_t fold_cp(uint32_t cp, bool ascii)
{
  if (cp == 'I' || cp == 0x131)
    return ascii ? 'i' : 0x131; /* I -> ı */
  if (cp == 0x130)
    return 'i'; /* İ -> i */
  if (cp == 0x307)
    return 0; /* the combining dot left by other systems' "İ" -> "i̇" */
  if (cp >= 'A' && cp <= 'Z')
    return cp + 32;
  if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
    cp += 0x20;
  else if (cp == 0x11E || cp == 0x15E)
    cp += 1; /* Ğ Ş */
  if (!ascii)
    return cp;
  switch (cp) {
  case 0xE7: return 'c';  /* ç */
  case 0x11F: return 'g'; /* ğ */
  case 0xF6: return 'o';  /* ö */
  case 0x15F: return 's'; /* ş */
  case 0xFC: return 'u';  /* ü */
  case 0xE2: return 'a';  /* â */
  case 0xEE: return 'i';  /* î */
  case 0xFB: return 'u';  /* û */
  default: return cp;
  }
}

int tr_fold(const char *in, bool ascii, char *out, size_t outlen)
{
  if (!in || !out || outlen == 0)
    return -1;
  const unsigned char *p = (const unsigned char *)in;
  size_t n = strlen(in), i = 0, o = 0;
  bool pending_space = false;
  out[0] = 0;
  while (i < n) {
    uint32_t cp;
    size_t l = utf8_decode(p + i, n - i, &cp);
    if (l == 0)
      return -1;
    i += l;
    if (is_space(cp)) {
      pending_space = o > 0;
      continue;
    }
    cp = fold_cp(cp, ascii);
    if (cp == 0)
      continue;
    char enc[4];
    size_t el = utf8_encode(cp, enc);
    if (o + (pending_space ? 1 : 0) + el >= outlen)
      return -1;
    if (pending_space)
      out[o++] = ' ';
    pending_space = false;
    memcpy(out + o, enc, el);
    o += el;
  }
  out[o] = 0;
  return 0;
}

/* ---- dates --------------------------------------------------------------- */

static bool digits(const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

int tr_date_parse(const char *in, char out[11])
{
  out[0] = 0;
  if (!in)
    return -1;
  size_t n = strlen(in);
  char iso[11];
  if (n == 10 && in[4] == '-' && in[7] == '-' && digits(in, 4) && digits(in + 5, 2) && digits(in + 8, 2)) {
    memcpy(iso, in, 10);
  } else {
    /* GG.AA.YYYY, day and month with one or two digits */
    const char *d1 = strchr(in, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (!d1 || !d2)
      return -1;
    size_t dl = (size_t)(d1 - in), ml = (size_t)(d2 - d1 - 1), yl = strlen(d2 + 1);
    if (dl < 1 || dl > 2 || ml < 1 || ml > 2 || yl != 4 || !digits(in, dl) || !digits(d1 + 1, ml) || !digits(d2 + 1, 4))
      return -1;
    int day = (in[0] - '0') * (dl == 2 ? 10 : 1) + (dl == 2 ? in[1] - '0' : 0);
    int mon = (d1[1] - '0') * (ml == 2 ? 10 : 1) + (ml == 2 ? d1[2] - '0' : 0);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.4s-%02d-%02d", d2 + 1, mon % 100, day % 100);
    memcpy(iso, tmp, 10);
  }
  iso[10] = 0;
  int64_t t;
  if (parse_iso8601(iso, &t))
    return -1;
  memcpy(out, iso, 11);
  return 0;
}

size_t tr_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
  return utf8_decode(s, n, cp);
}

size_t tr_utf8_encode(uint32_t cp, char out[4])
{
  return utf8_encode(cp, out);
}

int tr_vkn_check(const char *s)
{
  if (!s || strlen(s) != 10)
    return -1;
  for (int i = 0; i < 10; i++)
    if (s[i] < '0' || s[i] > '9')
      return -1;
  int sum = 0;
  for (int i = 1; i <= 9; i++) {
    int t = (s[i - 1] - '0' + 10 - i) % 10;
    if (t) {
      int v = (t << (10 - i)) % 9;
      sum += v ? v : 9;
    }
  }
  return (10 - sum % 10) % 10 == s[9] - '0' ? 0 : -1;
}

int tr_tasinir_kodu_check(const char *s)
{
  if (!s)
    return -1;
  size_t n = strlen(s);
  /* NNN + at least two .NN levels, at most eight levels in all. */
  if (n < 9 || n > 3 + 8 * 3 || (n - 3) % 3)
    return -1;
  for (size_t i = 0; i < n; i++) {
    bool dot = i >= 3 && (i - 3) % 3 == 0;
    if (dot ? s[i] != '.' : (s[i] < '0' || s[i] > '9'))
      return -1;
  }
  return 0;
}

const char *tr_text_clean(arena *a, const char *s, size_t max, bool multiline)
{
  if (!s)
    return NULL;
  while (*s && isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  if (n > max || !utf8_valid(s, n))
    return NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || c == 0x7F)
      return NULL;
  }
  return arena_strndup(a, s, n);
}

int64_t tr_money_parse(const char *s)
{
  int64_t lira = 0, kurus = 0;
  int digits = 0, frac = -1;
  for (; s && *s; s++) {
    if (*s >= '0' && *s <= '9') {
      if (frac < 0) {
        if (++digits > 12)
          return -1;
        lira = lira * 10 + (*s - '0');
      } else {
        if (++frac > 2)
          return -1;
        kurus = kurus * 10 + (*s - '0');
      }
    } else if ((*s == '.' || *s == ',') && frac < 0 && digits) {
      frac = 0;
    } else {
      return -1;
    }
  }
  if (!digits || frac == 0)
    return -1;
  if (frac == 1)
    kurus *= 10;
  return lira * 100 + kurus;
}

void tr_money_format(int64_t kurus, char mark, char out[32])
{
  /* the magnitude as unsigned, so INT64_MIN does not overflow */
  uint64_t k = kurus < 0 ? 0 - (uint64_t)kurus : (uint64_t)kurus;
  snprintf(out, 32, "%s%llu%c%02llu", kurus < 0 ? "-" : "", (unsigned long long)(k / 100), mark,
           (unsigned long long)(k % 100));
}
