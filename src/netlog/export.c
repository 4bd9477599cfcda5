/* export.c - the evidence package for the authorities (a ZIP through
 * libarchive): the answer as JSON, its evidence lines as text and CSV,
 * the manifests, time-stamp tokens and stamp notes of the segments they
 * come from, the CA bundles the tokens chain to, a POSIX sh script that
 * checks every token with openssl, optionally the segments themselves,
 * and SHA256SUMS over all of it. */
#define _GNU_SOURCE
#include "netlog_int.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { EXPORT_MAX = 256 * 1024 * 1024, MAX_SEGS = 512 };

static const char README[] =
    "5651 ERİŞİM KAYDI DELİL PAKETİ\n"
    "==============================\n"
    "Bu paket defter'in 5651 sayılı Kanun kapsamında tuttuğu erişim kayıtlarından bir sorgunun\n"
    "yanıtını ve dayanaklarını içerir.\n"
    "\n"
    "  sorgu.json          soru (adres, port, an, gerekçe) ve yanıt (DHCP kirası, NAT oturumları,\n"
    "                      sabit atamalar), her delil satırı ve bölümünün mührü ile\n"
    "  kayitlar.txt        delil satırları, cihazlardan geldiği gibi (bayt bayt)\n"
    "  kayitlar.csv        aynı satırlar zaman, tür ve bölüm ile\n"
    "  muhurler/           satırların bulunduğu bölümlerin manifestoları (NNNNNNNN.manifest.json),\n"
    "                      RFC 3161 zaman damgaları (.tsr) ve damgayı kimin verdiği (.stamp.json)\n"
    "  ca/                 zaman damgası sunucularının CA sertifikaları\n"
    "  segmentler/         (istenmişse) bölümlerin kendisi\n"
    "  dogrula.sh          her damgayı openssl ile doğrular: sh dogrula.sh\n"
    "  SHA256SUMS          paketteki her dosyanın SHA-256 özeti: sha256sum -c SHA256SUMS\n"
    "\n"
    "Doğrulama: her manifesto, bir önceki manifestonun SHA-256 özetini taşır (zincir) ve kendi\n"
    "SHA-256 özeti zaman damgası ile mühürlenmiştir. Elle:\n"
    "  openssl ts -verify -digest $(sha256sum muhurler/N.manifest.json | cut -d' ' -f1) \\\n"
    "      -in muhurler/N.tsr -CAfile ca/tsa-ca.pem\n"
    "Bölüm dosyası pakette ise özeti manifestodaki \"sha256\" değerine eşit olmalıdır:\n"
    "  sha256sum segmentler/N.seg\n"
    "Arşivin tamamı defter kurulu sunucuda `defter netlog verify --data DIR` ile doğrulanır.\n"
    "\n"
    "LAW 5651 ACCESS-LOG EVIDENCE PACKAGE\n"
    "====================================\n"
    "This package holds the answer to one query of defter's Law 5651 access-log archive and what\n"
    "it rests on: sorgu.json (question and answer, each evidence line with its segment's seal),\n"
    "kayitlar.txt (the evidence lines byte for byte), kayitlar.csv (the same with time, kind and\n"
    "segment), muhurler/ (the segments' manifests, RFC 3161 tokens and stamp notes), ca/ (the\n"
    "time-stamp authorities' CA certificates), segmentler/ (the segments, when asked for),\n"
    "dogrula.sh (checks every token with openssl: sh dogrula.sh) and SHA256SUMS.\n"
    "Each manifest carries the SHA-256 of the one before it; its own SHA-256 is time-stamped.\n"
    "A segment's SHA-256 must equal the \"sha256\" in its manifest.\n";

static const char VERIFY_SH[] =
    "#!/bin/sh\n"
    "# Checks every time stamp in this package with openssl (and each included segment's\n"
    "# SHA-256 against its manifest). / Paketteki her zaman damgasını openssl ile doğrular.\n"
    "cd \"$(dirname \"$0\")\" || exit 2\n"
    "bad=0\n"
    "for m in muhurler/*.manifest.json; do\n"
    "  [ -e \"$m\" ] || continue\n"
    "  n=${m%.manifest.json}; s=$(basename \"$n\")\n"
    "  d=$(sha256sum \"$m\" | cut -d' ' -f1)\n"
    "  ok=no\n"
    "  for ca in ca/*.pem; do\n"
    "    [ -e \"$ca\" ] || continue\n"
    "    if openssl ts -verify -digest \"$d\" -in \"$n.tsr\" -CAfile \"$ca\" >/dev/null 2>&1; then ok=yes; break; fi\n"
    "  done\n"
    "  if [ $ok = yes ]; then echo \"TAMAM / OK $s: zaman damgası / time stamp\"\n"
    "  else echo \"HATA / BAD $s: zaman damgası doğrulanamadı / time stamp does not verify\"; bad=1; fi\n"
    "  if [ -e \"segmentler/$s.seg\" ]; then\n"
    "    want=$(sed -n 's/.*\"sha256\": *\"\\([0-9a-f]*\\)\".*/\\1/p' \"$m\" | head -n 1)\n"
    "    have=$(sha256sum \"segmentler/$s.seg\" | cut -d' ' -f1)\n"
    "    if [ \"$want\" = \"$have\" ]; then echo \"TAMAM / OK $s: bölüm özeti / segment hash\"\n"
    "    else echo \"HATA / BAD $s: bölüm değişmiş / segment altered\"; bad=1; fi\n"
    "  fi\n"
    "done\n"
    "exit $bad\n";

struct pkg {
  struct archive *ar;
  buf sums; /* SHA256SUMS */
  buf *mem; /* the ZIP in memory, or NULL for a file */
  int64_t now;
  bool failed;
};

static la_ssize_t mem_write(struct archive *ar, void *u, const void *p, size_t n)
{
  (void)ar;
  buf *b = u;
  buf_append(b, p, n);
  return b->overflow ? -1 : (la_ssize_t)n;
}

static void sum_line(struct pkg *p, const unsigned char md[32], const char *name)
{
  char h[65];
  netlog_hex(md, 32, h);
  buf_printf(&p->sums, "%s  %s\n", h, name);
}

static void entry_head(struct pkg *p, const char *name, int64_t size, int mode)
{
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname_utf8(e, name);
  archive_entry_set_size(e, size);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, mode);
  archive_entry_set_mtime(e, p->now, 0);
  if (archive_write_header(p->ar, e) != ARCHIVE_OK)
    p->failed = true;
  archive_entry_free(e);
}

static void add_data(struct pkg *p, const char *name, const void *data, size_t n, int mode)
{
  if (p->failed)
    return;
  unsigned char md[32];
  EVP_Digest(data, n, md, NULL, EVP_sha256(), NULL);
  entry_head(p, name, (int64_t)n, mode);
  if (!p->failed && n && archive_write_data(p->ar, data, n) != (la_ssize_t)n)
    p->failed = true;
  sum_line(p, md, name);
}

/* A file from disk, streamed; absent files are skipped (false). */
static bool add_path(struct pkg *p, const char *name, const char *path)
{
  struct stat sb;
  FILE *fp = p->failed || stat(path, &sb) ? NULL : fopen(path, "rbe");
  if (!fp)
    return false;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  entry_head(p, name, (int64_t)sb.st_size, 0644);
  char b[65536];
  size_t n, total = 0;
  while (!p->failed && (n = fread(b, 1, sizeof b, fp)) > 0) {
    EVP_DigestUpdate(ctx, b, n);
    total += n;
    if (archive_write_data(p->ar, b, n) != (la_ssize_t)n)
      p->failed = true;
  }
  if (ferror(fp) || total != (size_t)sb.st_size)
    p->failed = true;
  fclose(fp);
  unsigned char md[32];
  EVP_DigestFinal_ex(ctx, md, NULL);
  EVP_MD_CTX_free(ctx);
  sum_line(p, md, name);
  return true;
}

static void csv_cell(buf *b, const char *s, bool last)
{
  buf_append(b, "\"", 1);
  for (; s && *s; s++) {
    if (*s == '"')
      buf_append(b, "\"", 1);
    buf_append(b, s, 1);
  }
  buf_puts(b, last ? "\"\r\n" : "\";");
}

/* Every evidence item of the answer, in order: lease, login, each NAT
 * session with the lease and login behind it. */
static void each_evidence(const json_t *ans, void (*fn)(const json_t *ev, void *u), void *u)
{
  size_t i, j;
  const json_t *n, *e;
  json_array_foreach(json_object_get(json_object_get(ans, "lease"), "evidence"), i, e) fn(e, u);
  json_array_foreach(json_object_get(json_object_get(ans, "login"), "evidence"), i, e) fn(e, u);
  json_array_foreach(json_object_get(ans, "nat"), i, n)
  {
    json_array_foreach(json_object_get(n, "evidence"), j, e) fn(e, u);
    json_array_foreach(json_object_get(json_object_get(n, "lease"), "evidence"), j, e) fn(e, u);
    json_array_foreach(json_object_get(json_object_get(n, "login"), "evidence"), j, e) fn(e, u);
  }
}

struct lines {
  buf txt, csv;
  uint64_t segs[MAX_SEGS];
  size_t nsegs;
};

static void take_evidence(const json_t *ev, void *u)
{
  struct lines *l = u;
  const char *line = jsonx_str(ev, "line"), *seg = jsonx_str(json_object_get(ev, "seal"), "segment");
  buf_puts(&l->txt, line ? line : jsonx_str(ev, "line_hex"));
  buf_append(&l->txt, "\n", 1);
  csv_cell(&l->csv, jsonx_str(ev, "time"), false);
  csv_cell(&l->csv, jsonx_str(ev, "kind"), false);
  csv_cell(&l->csv, jsonx_str(ev, "parser"), false);
  csv_cell(&l->csv, seg, false);
  csv_cell(&l->csv, line ? line : jsonx_str(ev, "line_hex"), true);
  uint64_t seq = seg ? strtoull(seg, NULL, 10) : 0;
  bool seen = !seq;
  for (size_t i = 0; i < l->nsegs && !seen; i++)
    seen = l->segs[i] == seq;
  if (!seen && l->nsegs < MAX_SEGS)
    l->segs[l->nsegs++] = seq;
}

static int build(db *d, const json_t *answer, bool with_segments, struct pkg *p)
{
  char dir[4200];
  if (netlog_dir(d, dir, sizeof dir))
    return -1;
  buf_init(&p->sums, 4 * 1024 * 1024);
  struct lines l = {.nsegs = 0};
  buf_init(&l.txt, 64 * 1024 * 1024);
  buf_init(&l.csv, 64 * 1024 * 1024);
  buf_puts(&l.csv, "zaman;tur;ayristirici;bolum;satir\r\n");
  each_evidence(answer, take_evidence, &l);
  add_data(p, "OKU-BENI.txt", README, sizeof README - 1, 0644);
  char *q = json_dumps(answer, JSON_INDENT(2) | JSON_SORT_KEYS);
  add_data(p, "sorgu.json", q ? q : "{}", q ? strlen(q) : 2, 0644);
  free(q);
  add_data(p, "kayitlar.txt", l.txt.data ? l.txt.data : "", l.txt.len, 0644);
  add_data(p, "kayitlar.csv", l.csv.data, l.csv.len, 0644);
  if (l.txt.overflow || l.csv.overflow)
    p->failed = true;
  static const char *const seal_ext[] = {"manifest.json", "tsr", "stamp.json"};
  for (size_t i = 0; i < l.nsegs; i++) {
    for (size_t k = 0; k < ARRAY_LEN(seal_ext); k++) {
      char path[NETLOG_PATH_MAX], name[64];
      if (netlog_path(dir, l.segs[i], seal_ext[k], path, sizeof path))
        continue;
      snprintf(name, sizeof name, "muhurler/%08llu.%s", (unsigned long long)l.segs[i], seal_ext[k]);
      add_path(p, name, path);
    }
    if (with_segments) {
      char path[NETLOG_PATH_MAX], name[64];
      snprintf(name, sizeof name, "segmentler/%08llu.seg", (unsigned long long)l.segs[i]);
      if (!netlog_path(dir, l.segs[i], "seg", path, sizeof path))
        add_path(p, name, path);
    }
  }
  const struct netlog_settings *s = netlog_settings();
  if (s->tsa.tsa[0].ca_file[0])
    add_path(p, "ca/tsa-ca.pem", s->tsa.tsa[0].ca_file);
  if (s->tsa.tsa[1].ca_file[0])
    add_path(p, "ca/fallback-tsa-ca.pem", s->tsa.tsa[1].ca_file);
  add_data(p, "dogrula.sh", VERIFY_SH, sizeof VERIFY_SH - 1, 0755);
  /* the sums last: they cover everything before them */
  buf sums = p->sums;
  buf_init(&p->sums, 0);
  if (!sums.overflow)
    add_data(p, "SHA256SUMS", sums.data ? sums.data : "", sums.len, 0644);
  else
    p->failed = true;
  buf_free(&sums);
  buf_free(&l.txt);
  buf_free(&l.csv);
  return p->failed ? -1 : 0;
}

static int run(db *d, const json_t *answer, bool with_segments, const char *path, buf *out)
{
  struct pkg p = {.ar = archive_write_new(), .now = now_unix()};
  if (!p.ar)
    return -1;
  int rc = archive_write_set_format_zip(p.ar) == ARCHIVE_OK ? 0 : -1;
  if (!rc && out) {
    buf_init(out, EXPORT_MAX);
    p.mem = out;
    rc = archive_write_open2(p.ar, out, NULL, mem_write, NULL, NULL) == ARCHIVE_OK ? 0 : -1;
  } else if (!rc) {
    rc = archive_write_open_filename(p.ar, path) == ARCHIVE_OK ? 0 : -1;
  }
  if (!rc)
    rc = build(d, answer, with_segments, &p);
  if (archive_write_close(p.ar) != ARCHIVE_OK)
    rc = -1;
  if (rc)
    log_error("netlog: evidence package failed", "why=\"%s\"", archive_error_string(p.ar) ? archive_error_string(p.ar) : "-");
  archive_write_free(p.ar);
  buf_free(&p.sums);
  return rc;
}

int netlog_export_file(db *d, const json_t *answer, bool with_segments, const char *path)
{
  return run(d, answer, with_segments, path, NULL);
}

int netlog_export_buf(db *d, const json_t *answer, bool with_segments, buf *out)
{
  return run(d, answer, with_segments, NULL, out);
}
