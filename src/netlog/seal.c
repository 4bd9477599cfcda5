/* seal.c - sealing closed segments: SHA-256, a manifest chained to the
 * previous one, its time stamp (tsa.c); and the verifier that recomputes
 * all of it and names each altered, missing or reordered segment. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <openssl/bio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TSR_MAX = 64 * 1024, MANIFEST_MAX = 64 * 1024 };
static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

void netlog_hex(const unsigned char *p, size_t n, char *out)
{
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = d[p[i] >> 4];
    out[2 * i + 1] = d[p[i] & 15];
  }
  out[2 * n] = '\0';
}

/* SHA-256 of a whole file. 0 ok, -1 when it cannot be read. */
static int file_sha256(const char *path, unsigned char md[32], int64_t *size)
{
  FILE *fp = fopen(path, "rbe");
  if (!fp)
    return -1;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int rc = -1;
  unsigned char b[65536];
  size_t n;
  int64_t total = 0;
  if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
    goto out;
  while ((n = fread(b, 1, sizeof b, fp)) > 0) {
    if (!EVP_DigestUpdate(ctx, b, n))
      goto out;
    total += (int64_t)n;
  }
  if (ferror(fp) || !EVP_DigestFinal_ex(ctx, md, NULL))
    goto out;
  if (size)
    *size = total;
  rc = 0;
out:
  EVP_MD_CTX_free(ctx);
  fclose(fp);
  return rc;
}

/* Reads a small file whole into a heap buffer (caller frees). */
static int read_small(const char *path, size_t max, unsigned char **out, size_t *len)
{
  *out = NULL;
  FILE *fp = fopen(path, "rbe");
  if (!fp)
    return -1;
  unsigned char *b = xmalloc(max + 1);
  size_t n = fread(b, 1, max + 1, fp);
  bool bad = ferror(fp) || n > max;
  fclose(fp);
  if (bad) {
    free(b);
    return -1;
  }
  b[n] = 0;
  *out = b;
  *len = n;
  return 0;
}

/* Writes data to path through a temporary name, synced, then renamed. */
int netlog_write_atomic(const char *path, const void *data, size_t n)
{
  char tmp[NETLOG_PATH_MAX + 8];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
    return -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    return -1;
  const char *c = data;
  size_t left = n;
  while (left) {
    ssize_t w = write(fd, c, left);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      close(fd);
      unlink(tmp);
      return -1;
    }
    c += w;
    left -= (size_t)w;
  }
  if (fsync(fd) || close(fd) || rename(tmp, path)) {
    unlink(tmp);
    return -1;
  }
  return 0;
}

int netlog_manifest_digest(const char *dir, uint64_t seq, unsigned char md[32])
{
  char path[NETLOG_PATH_MAX];
  if (netlog_path(dir, seq, "manifest.json", path, sizeof path))
    return -1;
  return file_sha256(path, md, NULL);
}

int netlog_manifest_sha(const char *dir, uint64_t seq, char out[65])
{
  unsigned char md[32];
  if (netlog_manifest_digest(dir, seq, md))
    return -1;
  netlog_hex(md, 32, out);
  return 0;
}

bool netlog_exists(const char *dir, uint64_t seq, const char *ext)
{
  char path[NETLOG_PATH_MAX];
  struct stat sb;
  return !netlog_path(dir, seq, ext, path, sizeof path) && stat(path, &sb) == 0;
}

int netlog_seal_manifest(const char *dir, uint64_t seq, int64_t now)
{
  char seg[NETLOG_PATH_MAX], man[NETLOG_PATH_MAX];
  if (netlog_path(dir, seq, "seg", seg, sizeof seg) || netlog_path(dir, seq, "manifest.json", man, sizeof man))
    return -1;
  struct stat sb;
  if (stat(man, &sb) == 0)
    return -1;
  unsigned char md[32];
  int64_t size = 0;
  struct netlog_seg_stats st;
  if (file_sha256(seg, md, &size) || netlog_seg_scan(seg, NULL, NULL, NULL, &st)) {
    log_error("netlog: cannot read the segment to seal", "path=%s", seg);
    return -1;
  }
  char seg_hex[65], prev_hex[65], t0[32], t1[32], ts[32];
  netlog_hex(md, 32, seg_hex);
  if (seq <= 1)
    strcpy(prev_hex, ZERO_HASH);
  else if (netlog_manifest_sha(dir, seq - 1, prev_hex)) {
    /* the chain says so: verify names the missing link */
    log_warn("netlog: previous manifest missing; chaining to zeros", "seq=%llu", (unsigned long long)seq);
    strcpy(prev_hex, ZERO_HASH);
  }
  fmt_iso8601(st.tmin, t0);
  fmt_iso8601(st.tmax, t1);
  fmt_iso8601(now, ts);
  char name[32];
  snprintf(name, sizeof name, "%08llu.seg", (unsigned long long)seq);
  bool empty = st.lines == 0; /* an empty segment proves silence; it has no time range */
  json_t *m = json_pack("{s:s, s:I, s:s, s:I, s:s, s:I, s:I, s:s?, s:s?, s:s, s:s, s:b}", "format",
                        "defter-netlog-manifest/1", "seq", (json_int_t)seq, "segment", name, "size",
                        (json_int_t)size, "sha256", seg_hex, "lines", (json_int_t)st.lines, "blocks",
                        (json_int_t)st.blocks, "first_time", empty ? NULL : t0, "last_time", empty ? NULL : t1, "sealed_at", ts,
                        "prev_manifest_sha256", prev_hex, "torn_tail", st.torn);
  char *text = m ? json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
  json_decref(m);
  if (!text)
    return -1;
  size_t tl = strlen(text);
  text = xrealloc(text, tl + 2);
  text[tl++] = '\n';
  int rc = netlog_write_atomic(man, text, tl);
  free(text);
  if (rc)
    log_error("netlog: cannot write the manifest", "path=%s errno=%d", man, errno);
  else
    log_info("netlog: segment sealed", "seq=%llu lines=%lld sha256=%s", (unsigned long long)seq,
             (long long)st.lines, seg_hex);
  return rc;
}

int netlog_seal_pending(const char *dir, uint64_t below, const struct netlog_tsa_set *tsa, int64_t now,
                        struct netlog_seal_counts *c)
{
  uint64_t *seqs = NULL;
  size_t n = 0;
  int rc = 0;
  if (netlog_list(dir, &seqs, &n))
    return -1;
  for (size_t i = 0; i < n; i++) {
    uint64_t s = seqs[i];
    if (below && s >= below)
      break; /* open, or opened after the caller looked */
    if (!netlog_exists(dir, s, "manifest.json") && netlog_exists(dir, s, "seg")) {
      if (netlog_seal_manifest(dir, s, now)) {
        rc = -1;
        break; /* the chain must not skip a link */
      }
      c->sealed++;
    }
  }
  c->pending = 0;
  bool tsa_down = false, any = tsa && (tsa->tsa[0].url[0] || tsa->tsa[1].url[0]);
  for (size_t i = 0; i < n && !rc; i++) {
    uint64_t s = seqs[i];
    if (!netlog_exists(dir, s, "manifest.json") || netlog_exists(dir, s, "tsr"))
      continue;
    char err[sizeof c->last_error];
    bool fb = false;
    if (!tsa_down && any) {
      if (netlog_stamp(dir, s, tsa, &fb, err, sizeof err) == 0) {
        c->stamped++;
        if (fb)
          c->fallback++;
        continue;
      }
      tsa_down = true; /* one failure a round: the next round tries again */
      c->stamp_failed++;
      c->last_failure = now;
      snprintf(c->last_error, sizeof c->last_error, "%s", err);
      log_warn("netlog: time stamp failed; will retry", "seq=%llu reason=\"%s\"", (unsigned long long)s, err);
    }
    c->pending++;
  }
  free(seqs);
  /* Kamu SM sells stamps: the balance is looked at once a day */
  if (tsa && tsa->tsa[0].user[0] && now - c->credits_checked >= 86400) {
    char err[256];
    int64_t credits = -1;
    c->credits_checked = now;
    if (netlog_kamusm_credits(&tsa->tsa[0], now * 1000, &credits, err, sizeof err) == 0)
      c->credits = credits;
    else
      log_warn("netlog: Kamu SM credit query failed", "reason=\"%s\"", err);
  }
  return rc;
}

json_t *netlog_seal_counts_json(const struct netlog_seal_counts *c)
{
  char at[32] = "";
  if (c->last_failure)
    fmt_iso8601(c->last_failure, at);
  return json_pack("{s:i, s:s, s:s, s:I, s:I}", "fallback_stamps", c->fallback, "last_failure", at, "last_error",
                   c->last_error, "credits", (json_int_t)c->credits, "credits_checked", (json_int_t)c->credits_checked);
}

/* ---- verification ----------------------------------------------------------- */

/* The TSA's name the token carries (its GeneralName), for the report. */
static void tsa_name(TS_TST_INFO *info, char *out, size_t n)
{
  out[0] = '\0';
  GENERAL_NAME *g = TS_TST_INFO_get_tsa(info);
  BIO *b = g ? BIO_new(BIO_s_mem()) : NULL;
  if (!b)
    return;
  if (g->type == GEN_DIRNAME)
    X509_NAME_print_ex(b, g->d.directoryName, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  else
    GENERAL_NAME_print(b, g);
  int l = BIO_read(b, out, (int)n - 1);
  out[l > 0 ? l : 0] = '\0';
  BIO_free(b);
}

/* Checks token file path: a granted response, signed by a certificate
 * that chains to ca_file, stamping the SHA-256 md. gen receives the time
 * stamp's time. 0 ok, -1 with why. */
static int check_token(const char *path, const char *ca_file, const unsigned char md[32], char *gen, size_t genlen,
                       char *signer, size_t signerlen, char *why, size_t whylen)
{
  unsigned char *der = NULL;
  size_t len = 0;
  TS_RESP *resp = NULL;
  TS_VERIFY_CTX *ctx = NULL;
  X509_STORE *store = NULL;
  int rc = -1;
  if (read_small(path, TSR_MAX, &der, &len)) {
    snprintf(why, whylen, "no time stamp token");
    goto out;
  }
  const unsigned char *p = der;
  if (!(resp = d2i_TS_RESP(NULL, &p, (long)len))) {
    snprintf(why, whylen, "token unreadable");
    goto out;
  }
  TS_TST_INFO *info = TS_RESP_get_tst_info(resp);
  if (!info) {
    snprintf(why, whylen, "the response holds no token (refused)");
    goto out;
  }
  const ASN1_OBJECT *obj = NULL;
  X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(TS_TST_INFO_get_msg_imprint(info)));
  if (OBJ_obj2nid(obj) != NID_sha256) {
    snprintf(why, whylen, "token does not use SHA-256");
    goto out;
  }
  const ASN1_GENERALIZEDTIME *t = TS_TST_INFO_get_time(info);
  struct tm tm;
  if (t && ASN1_TIME_to_tm(t, &tm))
    strftime(gen, genlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
  tsa_name(info, signer, signerlen);
  if (!ca_file || !ca_file[0]) {
    snprintf(why, whylen, "no CA bundle ([netlog] tsa_ca) to check the token against");
    goto out;
  }
  store = X509_STORE_new();
  if (!store || X509_STORE_load_file(store, ca_file) != 1) {
    snprintf(why, whylen, "cannot read the CA bundle %s", ca_file);
    goto out;
  }
  ctx = TS_VERIFY_CTX_new();
  unsigned char *imp = OPENSSL_malloc(32);
  if (!ctx || !imp) {
    OPENSSL_free(imp);
    goto out;
  }
  memcpy(imp, md, 32);
  TS_VERIFY_CTX_set_imprint(ctx, imp, 32);
  TS_VERIFY_CTX_set_store(ctx, store);
  store = NULL; /* the context owns it now */
  TS_VERIFY_CTX_set_flags(ctx, TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_IMPRINT);
  if (TS_RESP_verify_response(ctx, resp) != 1) {
    unsigned long e = ERR_peek_last_error();
    snprintf(why, whylen, "token does not verify: %s", e ? ERR_reason_error_string(e) : "unknown");
    goto out;
  }
  rc = 0;
out:
  ERR_clear_error();
  X509_STORE_free(store);
  TS_VERIFY_CTX_free(ctx);
  TS_RESP_free(resp);
  free(der);
  return rc;
}


struct vseg {
  uint64_t seq;
  bool has_seg, has_man;
  json_t *man;
  char man_sha[65]; /* hash of the manifest file */
  unsigned char man_md[32];
};

/* The destroyed manifest's hash when seq is in the ledger, else NULL. A
 * pruned ledger's checkpoint stands for every segment up to its seq. */
static const char *purged_sha(const struct netlog_purged *led, size_t n, uint64_t seq)
{
  for (size_t i = 0; i < n; i++) {
    if (led[i].seq == seq)
      return led[i].manifest_sha;
    if (led[i].through && seq < led[i].seq)
      return "";
  }
  return NULL;
}

static int64_t man_time(json_t *m, const char *key)
{
  int64_t t = 0;
  const char *s = jsonx_str(m, key);
  return s && parse_iso8601(s, &t) == 0 ? t : 0;
}

/* Adds a problem {code, seq, text} to the segment entry e and the list. */
static void problem(json_t *e, json_t *all, const char *code, uint64_t seq, const char *fmt, ...) PRINTF(5, 6);
static void problem(json_t *e, json_t *all, const char *code, uint64_t seq, const char *fmt, ...)
{
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  json_t *p = json_pack("{s:s, s:I, s:s}", "code", code, "seq", (json_int_t)seq, "text", text);
  if (e) {
    json_object_set_new(e, "status", json_string("bad"));
    json_array_append(json_object_get(e, "problems"), p);
  }
  json_array_append_new(all, p);
}

static json_t *seg_entry(json_t *segs, uint64_t seq, const char *status)
{
  json_t *e = json_pack("{s:I, s:s, s:[]}", "seq", (json_int_t)seq, "status", status, "problems");
  json_array_append_new(segs, e);
  return e;
}

json_t *netlog_verify_report(const char *dir, const struct netlog_verify_opts *o)
{
  uint64_t *seqs = NULL;
  size_t n = 0;
  if (netlog_list(dir, &seqs, &n))
    return NULL;
  struct vseg *v = xcalloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; i < n; i++) {
    char path[NETLOG_PATH_MAX];
    v[i].seq = seqs[i];
    v[i].has_seg = netlog_exists(dir, seqs[i], "seg");
    v[i].has_man = netlog_exists(dir, seqs[i], "manifest.json");
    if (v[i].has_man && !netlog_path(dir, seqs[i], "manifest.json", path, sizeof path) &&
        !file_sha256(path, v[i].man_md, NULL)) {
      netlog_hex(v[i].man_md, 32, v[i].man_sha);
      v[i].man = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    }
  }
  json_t *segs = json_array(), *all = json_array(), *destroyed = json_null();
  char from_s[32] = "", to_s[32] = "";
  if (o->from)
    fmt_iso8601(o->from, from_s);
  if (o->to)
    fmt_iso8601(o->to, to_s);
  /* segments destroyed at the end of their retention are not losses */
  struct netlog_purged *led = NULL;
  size_t nled = 0;
  char why_led[256] = "";
  if (netlog_ledger_read(dir, &led, &nled, NULL, why_led, sizeof why_led)) {
    problem(NULL, all, "ledger", 0, "%s", why_led);
  } else if (nled) {
    destroyed = json_pack("{s:I, s:I, s:I, s:s}", "first_seq", (json_int_t)(led[0].through ? 1 : led[0].seq),
                          "last_seq", (json_int_t)led[nled - 1].seq, "count",
                          (json_int_t)(led[0].through ? led[nled - 1].seq : nled), "last_destroyed_at",
                          led[nled - 1].destroyed_at);
  }
  uint64_t expect = 1;
  int64_t lines = 0, checked = 0, fallback = 0;
  for (size_t i = 0; i < n; i++) {
    struct vseg *s = &v[i];
    for (; expect < s->seq; expect++) {
      if (purged_sha(led, nled, expect))
        continue;
      problem(seg_entry(segs, expect, "bad"), all, "missing", expect, "segment and manifest missing (deleted)");
    }
    expect = s->seq + 1;
    if (o->from || o->to) {
      int64_t t0 = s->man ? man_time(s->man, "first_time") : 0, t1 = s->man ? man_time(s->man, "last_time") : 0;
      if (s->man && ((o->to && t0 > o->to) || (o->from && t1 < o->from)))
        continue;
    }
    if (!s->has_man) {
      if (i == n - 1 && s->has_seg)
        seg_entry(segs, s->seq, "open");
      else
        problem(seg_entry(segs, s->seq, "bad"), all, "no_manifest", s->seq, "no manifest (removed, or never sealed)");
      continue;
    }
    json_t *e = seg_entry(segs, s->seq, "ok");
    checked++;
    if (!s->man) {
      problem(e, all, "manifest_unreadable", s->seq, "manifest unreadable (altered)");
      continue;
    }
    json_int_t mseq = json_integer_value(json_object_get(s->man, "seq"));
    const char *want = jsonx_str(s->man, "sha256"), *prev = jsonx_str(s->man, "prev_manifest_sha256");
    json_int_t nlines = json_integer_value(json_object_get(s->man, "lines"));
    lines += nlines;
    json_object_set_new(e, "lines", json_integer(nlines));
    json_object_set_new(e, "first_time", json_string(jsonx_str(s->man, "first_time") ? jsonx_str(s->man, "first_time") : ""));
    json_object_set_new(e, "last_time", json_string(jsonx_str(s->man, "last_time") ? jsonx_str(s->man, "last_time") : ""));
    json_object_set_new(e, "manifest_sha256", json_string(s->man_sha));
    if ((uint64_t)mseq != s->seq)
      problem(e, all, "reordered", s->seq, "manifest belongs to segment %08lld (reordered)", (long long)mseq);
    char seg_sha[65] = "", path[NETLOG_PATH_MAX];
    unsigned char md[32];
    if (s->has_seg && !netlog_path(dir, s->seq, "seg", path, sizeof path) && !file_sha256(path, md, NULL))
      netlog_hex(md, 32, seg_sha);
    json_object_set_new(e, "sha256", json_string(seg_sha));
    if (!s->has_seg) {
      problem(e, all, "segment_missing", s->seq, "segment file missing (deleted)");
    } else if (!want || strcmp(want, seg_sha)) {
      const struct vseg *other = NULL;
      for (size_t j = 0; j < n && !other; j++)
        if (j != i && v[j].man && str_eq(jsonx_str(v[j].man, "sha256"), seg_sha))
          other = &v[j];
      if (other)
        problem(e, all, "reordered", s->seq, "holds the content of segment %08llu (reordered)",
                (unsigned long long)other->seq);
      else
        problem(e, all, "altered", s->seq, "content altered (SHA-256 %s, manifest says %s)", seg_sha, want ? want : "-");
    }
    /* the chain link to the previous manifest */
    const struct vseg *pv = i > 0 && v[i - 1].seq == s->seq - 1 ? &v[i - 1] : NULL;
    const char *gone = pv ? NULL : purged_sha(led, nled, s->seq - 1);
    if (s->seq == 1 ? !str_eq(prev, ZERO_HASH)
                    : (pv && pv->has_man) ? !str_eq(prev, pv->man_sha) : (gone && gone[0]) ? !str_eq(prev, gone) : false)
      problem(e, all, "chain_broken", s->seq,
              "chain broken: previous manifest is not the one sealed before it (altered, replaced or reordered)");
    /* the time stamp: the primary authority's CA, else the fallback's */
    char tsr[NETLOG_PATH_MAX], gen[40] = "", why[256], why2[256], signer[256] = "";
    int which = -1;
    if (!netlog_path(dir, s->seq, "tsr", tsr, sizeof tsr)) {
      if (check_token(tsr, o->ca_file, s->man_md, gen, sizeof gen, signer, sizeof signer, why, sizeof why) == 0)
        which = 0;
      else if (o->fallback_ca_file && o->fallback_ca_file[0] &&
               check_token(tsr, o->fallback_ca_file, s->man_md, gen, sizeof gen, signer, sizeof signer, why2,
                           sizeof why2) == 0)
        which = 1;
    } else {
      snprintf(why, sizeof why, "no time stamp token");
    }
    if (which < 0) {
      problem(e, all, "stamp", s->seq, "time stamp: %s", why);
    } else {
      json_object_set_new(e, "stamped_at", json_string(gen));
      json_object_set_new(e, "tsa", json_string(which ? "fallback" : "primary"));
      json_object_set_new(e, "tsa_name", json_string(signer));
      if (which)
        fallback++;
    }
  }
  int problems = (int)json_array_size(all);
  json_t *rep = json_pack("{s:s, s:b, s:i, s:I, s:I, s:I, s:s, s:s, s:o, s:o, s:o}", "format",
                          "defter-netlog-verify/1", "ok", problems == 0, "problems", problems, "segments_checked",
                          (json_int_t)checked, "lines", (json_int_t)lines, "fallback_stamps", (json_int_t)fallback,
                          "from", from_s, "to", to_s, "destroyed", destroyed, "segments", segs, "issues", all);
  for (size_t i = 0; i < n; i++)
    json_decref(v[i].man);
  free(led);
  free(v);
  free(seqs);
  return rep;
}

int netlog_verify_print(const json_t *rep, FILE *out)
{
  const json_t *d = json_object_get(rep, "destroyed");
  if (json_is_object(d))
    fprintf(out, "SİLİNDİ / DESTROYED %08lld..%08lld: %lld segments, per the destruction ledger (last %s)\n",
            (long long)jsonx_int(d, "first_seq", 0), (long long)jsonx_int(d, "last_seq", 0),
            (long long)jsonx_int(d, "count", 0), jsonx_str(d, "last_destroyed_at"));
  size_t i, j;
  const json_t *p, *s;
  json_array_foreach(json_object_get(rep, "issues"), i, p) if (str_eq(jsonx_str(p, "code"), "ledger"))
      fprintf(out, "HATA / BAD ledger: %s\n", jsonx_str(p, "text"));
  json_array_foreach(json_object_get(rep, "segments"), i, s)
  {
    unsigned long long seq = (unsigned long long)jsonx_int(s, "seq", 0);
    const char *st = jsonx_str(s, "status");
    if (str_eq(st, "open")) {
      fprintf(out, "AÇIK / OPEN %08llu: being written, not sealed yet\n", seq);
    } else if (str_eq(st, "ok")) {
      const char *t0 = jsonx_str(s, "first_time"), *t1 = jsonx_str(s, "last_time");
      fprintf(out, "TAMAM / OK %08llu: %lld lines %s .. %s, sha256 %s, stamped %s%s\n", seq,
              (long long)jsonx_int(s, "lines", 0), t0 && t0[0] ? t0 : "-", t1 && t1[0] ? t1 : "-",
              jsonx_str(s, "sha256"), jsonx_str(s, "stamped_at"),
              str_eq(jsonx_str(s, "tsa"), "fallback") ? " (YEDEK TSA / FALLBACK TSA)" : "");
    } else {
      json_array_foreach(json_object_get(s, "problems"), j, p)
        fprintf(out, "HATA / BAD %08llu: %s\n", seq, jsonx_str(p, "text"));
    }
  }
  return (int)jsonx_int(rep, "problems", 0);
}

int netlog_verify(const char *dir, const struct netlog_verify_opts *o, FILE *out)
{
  json_t *rep = netlog_verify_report(dir, o);
  if (!rep)
    return -1;
  int problems = netlog_verify_print(rep, out);
  json_decref(rep);
  return problems;
}
