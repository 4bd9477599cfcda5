/* tr.h - Turkish identifiers and text (DESIGN §5): T.C. Kimlik No, E.164
 * telephone numbers, e-mail addresses, dates, and the Turkish case fold
 * used for searching (İ/i, I/ı). Every module validates identifiers here.
 * All functions are pure (no store, no allocation). */
#ifndef DEFTER_TR_H
#define DEFTER_TR_H

#include "util.h"

/* Why a T.C. Kimlik No was refused. */
enum tr_tckn_rc {
  TR_TCKN_OK = 0,
  TR_TCKN_LENGTH = -1,   /* not exactly 11 characters */
  TR_TCKN_DIGITS = -2,   /* a character other than 0-9 */
  TR_TCKN_ZERO = -3,     /* first digit 0 */
  TR_TCKN_CHECKSUM = -4, /* the 10th or 11th digit does not match */
};

/* Checks an 11-digit T.C. Kimlik No: first digit not 0,
 * d10 = ((d1+d3+d5+d7+d9)*7 - (d2+d4+d6+d8)) mod 10 and
 * d11 = (d1+...+d10) mod 10. */
enum tr_tckn_rc tr_tckn_check(const char *s) WUR;
/* Appends the two check digits to nine leading digits (first not 0):
 * out receives 11 digits and a NUL. Returns 0, or -1 for a bad base. */
int tr_tckn_complete(const char *base9, char out[12]) WUR;
/* "12345678950" -> "123******50"; anything that is not 11 characters
 * is masked completely. out: 12 bytes. */
void tr_tckn_mask(const char *tckn, char out[12]);

enum { TR_PHONE_MAX = 16 }; /* "+" and at most 15 digits */

/* Normalises a telephone number to E.164. Accepts "+90 532 123 45 67",
 * "0532 123 45 67", "(0532) 123-45-67", "5321234567", "905321234567",
 * "00905321234567" and other countries' "+CC..." / "00CC..." numbers;
 * spaces, dots, dashes and parentheses are ignored. A Turkish number must
 * have 10 national digits not starting with 0. out: TR_PHONE_MAX + 1
 * bytes. Returns 0, or -1 for anything else (letters, too short/long). */
int tr_phone_e164(const char *in, char out[TR_PHONE_MAX + 1]) WUR;

/* A plain ASCII address local@domain.tld: local part of atext and single
 * dots (1-64), domain of LDH labels with a letter-only TLD (2+), at most
 * 254 bytes in all. Returns 0 when acceptable, -1 otherwise. */
int tr_email_check(const char *s) WUR;

/* Turkish case fold of UTF-8 text for searching: lower case with Turkish
 * rules (I -> ı, İ -> i, Ç -> ç ...), runs of white space collapsed to
 * one space, leading and trailing space removed. With ascii set, the
 * Turkish letters are also reduced to their base letters (ç->c, ğ->g,
 * ı->i, ö->o, ş->s, ü->u, â->a, î->i, û->u), so "ISIK" finds "Işık".
 * Writes at most outlen-1 bytes and a NUL; "I" (1 byte) folds to "ı"
 * (2 bytes), so 2 * strlen(in) + 1 bytes always suffice (strlen(in) + 1
 * with ascii). Returns 0, or -1 for invalid UTF-8 or a too small
 * buffer. */
int tr_fold(const char *in, bool ascii, char *out, size_t outlen) WUR;

/* Valid UTF-8 without control characters (tab allowed when tabs is
 * set). Returns 0 or -1. */
int tr_text_check(const char *s, size_t len, bool tabs) WUR;
/* s trimmed of surrounding white space, when it is at most max bytes of
 * valid UTF-8 without control characters (newlines and tabs allowed when
 * multiline), copied into a; NULL otherwise (or when s is NULL). */
const char *tr_text_clean(arena *a, const char *s, size_t max, bool multiline);

/* One UTF-8 code point at s (n bytes available): returns its length and
 * sets *cp, or 0 for an invalid, overlong, surrogate or truncated
 * sequence. */
size_t tr_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) WUR;
/* Writes cp (at most U+10FFFF, not a surrogate) as UTF-8; returns 1-4. */
size_t tr_utf8_encode(uint32_t cp, char out[4]);

/* A calendar date "YYYY-MM-DD" (Turkish users also write "GG.AA.YYYY":
 * accepted and rewritten). out: 11 bytes. Returns 0 or -1. */
int tr_date_parse(const char *in, char out[11]) WUR;

/* An amount in lira as people type it, "12500", "12500.5" or "12500,50"
 * (at most 12 digits before the mark and 2 after): kuruş, or -1 when it
 * is anything else (NULL, empty, signs, thousands separators). */
int64_t tr_money_parse(const char *s);
/* kuruş as lira with the decimal mark ('.' for data, ',' for Turkish
 * documents): -1250050 -> "-12500.50". */
void tr_money_format(int64_t kurus, char mark, char out[32]);

/* A Vergi Kimlik No: 10 digits; for i = 1..9, t = (d_i + 10 - i) mod 10,
 * v = 0 when t is 0, else (t * 2^(10-i)) mod 9 or 9 when that is 0; the
 * 10th digit is (10 - (sum v mod 10)) mod 10. Returns 0 or -1. */
int tr_vkn_check(const char *s) WUR;

/* A taşınır kodu (Taşınır Mal Yönetmeliği md. 37): the three-digit
 * account code and two-digit levels, "NNN.NN.NN" with optional further
 * ".NN" levels, at most eight two-digit levels. Returns 0 or -1. */
int tr_tasinir_kodu_check(const char *s) WUR;

#endif
