/* sniff.c - what an uploaded file really is, judged by its bytes and never
 * by its name: PDF, PNG, JPEG, the zip-based office formats (ODT by its
 * stored "mimetype" entry, DOCX/XLSX by the zip's central directory) and
 * plain UTF-8 text. Anything else is refused. Outside input: every offset
 * is checked against the length. */
#include "files.h"

#include <string.h>

static const char MIME_ODT[] = "application/vnd.oasis.opendocument.text";
static const char MIME_DOCX[] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
static const char MIME_XLSX[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

static unsigned u16(const unsigned char *p)
{
  return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t u32(const unsigned char *p)
{
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool utf8_valid(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    unsigned c = p[i];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80)
        return false;
      cp = cp << 6 | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    i += len;
  }
  return true;
}

static bool is_text(const unsigned char *p, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    unsigned char c = p[i];
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F)
      return false;
  }
  return utf8_valid((const char *)p, n);
}

/* An ODF package starts with an uncompressed entry "mimetype" holding
 * the document's type. */
static bool is_odt(const unsigned char *p, size_t n)
{
  if (n < 30 || u16(p + 8) != 0)
    return false;
  size_t name_len = u16(p + 26), extra_len = u16(p + 28);
  size_t data = 30 + name_len + extra_len, want = sizeof MIME_ODT - 1;
  return name_len == 8 && memcmp(p + 30, "mimetype", 8) == 0 && data + want <= n &&
         u32(p + 18) == want && memcmp(p + data, MIME_ODT, want) == 0;
}

/* OOXML: walks the central directory for [Content_Types].xml and the
 * main part of a document or a workbook. */
static const char *ooxml_type(const unsigned char *p, size_t n)
{
  if (n < 22)
    return NULL;
  size_t lowest = n > 22 + 65535 ? n - 22 - 65535 : 0;
  size_t eocd = (size_t)-1;
  for (size_t i = n - 22 + 1; i-- > lowest;) {
    if (memcmp(p + i, "PK\x05\x06", 4) == 0) {
      eocd = i;
      break;
    }
  }
  if (eocd == (size_t)-1)
    return NULL;
  size_t count = u16(p + eocd + 10);
  size_t off = u32(p + eocd + 16);
  bool types = false, word = false, xl = false;
  for (size_t k = 0; k < count; k++) {
    if (off > eocd || eocd - off < 46 || memcmp(p + off, "PK\x01\x02", 4) != 0)
      return NULL;
    size_t name_len = u16(p + off + 28), extra = u16(p + off + 30), comment = u16(p + off + 32);
    if (eocd - off - 46 < name_len)
      return NULL;
    const char *name = (const char *)p + off + 46;
    if (name_len == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
      types = true;
    else if (name_len == 17 && memcmp(name, "word/document.xml", 17) == 0)
      word = true;
    else if (name_len == 15 && memcmp(name, "xl/workbook.xml", 15) == 0)
      xl = true;
    off += 46 + name_len + extra + comment;
  }
  if (!types || word == xl)
    return NULL;
  return word ? MIME_DOCX : MIME_XLSX;
}

const char *files_sniff_type(const unsigned char *p, size_t n)
{
  if (!p || n == 0)
    return NULL;
  if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
    return "application/pdf";
  if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "image/png";
  if (n >= 3 && memcmp(p, "\xFF\xD8\xFF", 3) == 0)
    return "image/jpeg";
  if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0) {
    if (is_odt(p, n))
      return MIME_ODT;
    return ooxml_type(p, n);
  }
  if (is_text(p, n))
    return "text/plain; charset=utf-8";
  return NULL;
}
