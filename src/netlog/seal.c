/* seal.c - sealing closed segments: SHA-256, a manifest chained to the
 * previous one, an RFC 3161 time stamp over HTTP (libcurl, OpenSSL TS)
 * stored whole; and the verifier that recomputes all of it and names
 * each altered, missing or reordered segment. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TSR_MAX = 64 * 1024, MANIFEST_MAX = 64 * 1024 };
static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

static void hex(const unsigned char *p, size_t n, char *out)
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
static int write_atomic(const char *path, const void *data, size_t n)
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

static int manifest_digest(const char *dir, uint64_t seq, unsigned char md[32])
{
  char path[NETLOG_PATH_MAX];
  if (netlog_path(dir, seq, "manifest.json", path, sizeof path))
    return -1;
  return file_sha256(path, md, NULL);
}

int netlog_manifest_sha(const char *dir, uint64_t seq, char out[65])
{
  unsigned char md[32];
  if (manifest_digest(dir, seq, md))
    return -1;
  hex(md, 32, out);
  return 0;
}

static bool exists(const char *dir, uint64_t seq, const char *ext)
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
  hex(md, 32, seg_hex);
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
  int rc = write_atomic(man, text, tl);
  free(text);
  if (rc)
    log_error("netlog: cannot write the manifest", "path=%s errno=%d", man, errno);
  else
    log_info("netlog: segment sealed", "seq=%llu lines=%lld sha256=%s", (unsigned long long)seq,
             (long long)st.lines, seg_hex);
  return rc;
}

/* ---- RFC 3161 -------------------------------------------------------------- */

static size_t curl_sink(char *p, size_t size, size_t n, void *u)
{
  buf *b = u;
  buf_append(b, p, size * n);
  return b->overflow ? 0 : size * n;
}

/* The DER TimeStampReq for a SHA-256 digest, with a nonce and the TSA's
 * certificate asked for. */
static TS_REQ *make_request(const unsigned char md[32])
{
  TS_REQ *req = TS_REQ_new();
  TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
  X509_ALGOR *alg = X509_ALGOR_new();
  ASN1_INTEGER *nonce = NULL;
  BIGNUM *bn = BN_new();
  bool ok = req && mi && alg && bn && X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
            TS_MSG_IMPRINT_set_algo(mi, alg) && TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)md, 32) &&
            TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) && BN_rand(bn, 63, 0, 0) &&
            (nonce = BN_to_ASN1_INTEGER(bn, NULL)) && TS_REQ_set_nonce(req, nonce) && TS_REQ_set_cert_req(req, 1);
  ASN1_INTEGER_free(nonce);
  BN_free(bn);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(mi);
  if (!ok) {
    TS_REQ_free(req);
    return NULL;
  }
  return req;
}

int netlog_stamp(const char *dir, uint64_t seq, const char *tsa_url, char *err, size_t errlen)
{
  unsigned char md[32];
  unsigned char *der = NULL;
  TS_REQ *req = NULL;
  TS_RESP *resp = NULL;
  TS_VERIFY_CTX *vctx = NULL;
  CURL *c = NULL;
  struct curl_slist *hdrs = NULL;
  buf body;
  buf_init(&body, TSR_MAX);
  int rc = -1;
  snprintf(err, errlen, "internal error");
  if (!tsa_url || !tsa_url[0]) {
    snprintf(err, errlen, "no tsa_url configured");
    goto out;
  }
  if (manifest_digest(dir, seq, md)) {
    snprintf(err, errlen, "manifest unreadable");
    goto out;
  }
  if (!(req = make_request(md)))
    goto out;
  int dl = i2d_TS_REQ(req, &der);
  if (dl <= 0)
    goto out;
  c = curl_easy_init();
  if (!c)
    goto out;
  hdrs = curl_slist_append(NULL, "Content-Type: application/timestamp-query");
  curl_easy_setopt(c, CURLOPT_URL, tsa_url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, der);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)dl);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode cc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (cc != CURLE_OK) {
    snprintf(err, errlen, "TSA unreachable: %s", curl_easy_strerror(cc));
    goto out;
  }
  if (status != 200) {
    snprintf(err, errlen, "TSA answered HTTP %ld", status);
    goto out;
  }
  const unsigned char *p = (const unsigned char *)body.data;
  if (!body.len || !(resp = d2i_TS_RESP(NULL, &p, (long)body.len)) || p != (const unsigned char *)body.data + body.len) {
    snprintf(err, errlen, "TSA response is not a TimeStampResp");
    goto out;
  }
  /* status granted, our imprint and nonce (the signature is verify's job,
   * against the configured CA bundle) */
  if (!(vctx = TS_REQ_to_TS_VERIFY_CTX(req, NULL)))
    goto out;
  TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
  if (TS_RESP_verify_response(vctx, resp) != 1) {
    unsigned long e = ERR_peek_last_error();
    snprintf(err, errlen, "TSA refused or answered for another request (%s)", e ? ERR_reason_error_string(e) : "-");
    goto out;
  }
  char path[NETLOG_PATH_MAX];
  if (netlog_path(dir, seq, "tsr", path, sizeof path) || write_atomic(path, body.data, body.len)) {
    snprintf(err, errlen, "cannot store the token");
    goto out;
  }
  rc = 0;
  err[0] = '\0';
out:
  ERR_clear_error();
  TS_VERIFY_CTX_free(vctx);
  TS_RESP_free(resp);
  TS_REQ_free(req);
  OPENSSL_free(der);
  curl_slist_free_all(hdrs);
  if (c)
    curl_easy_cleanup(c);
  buf_free(&body);
  return rc;
}

int netlog_seal_pending(const char *dir, uint64_t below, const char *tsa_url, int64_t now,
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
    if (!exists(dir, s, "manifest.json") && exists(dir, s, "seg")) {
      if (netlog_seal_manifest(dir, s, now)) {
        rc = -1;
        break; /* the chain must not skip a link */
      }
      c->sealed++;
    }
  }
  c->pending = 0;
  bool tsa_down = false;
  for (size_t i = 0; i < n && !rc; i++) {
    uint64_t s = seqs[i];
    if (!exists(dir, s, "manifest.json") || exists(dir, s, "tsr"))
      continue;
    char err[256];
    if (!tsa_down && tsa_url && tsa_url[0]) {
      if (netlog_stamp(dir, s, tsa_url, err, sizeof err) == 0) {
        c->stamped++;
        continue;
      }
      tsa_down = true; /* one failure a round: the next round tries again */
      c->stamp_failed++;
      log_warn("netlog: time stamp failed; will retry", "seq=%llu reason=\"%s\"", (unsigned long long)s, err);
    }
    c->pending++;
  }
  free(seqs);
  return rc;
}

/* ---- verification ----------------------------------------------------------- */

/* Checks token file path: a granted response, signed by a certificate
 * that chains to ca_file, stamping the SHA-256 md. gen receives the time
 * stamp's time. 0 ok, -1 with why. */
static int check_token(const char *path, const char *ca_file, const unsigned char md[32], char *gen, size_t genlen,
                       char *why, size_t whylen)
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
  char man_sha[65];  /* hash of the manifest file */
  char seg_sha[65];  /* hash of the segment file as it is now */
  unsigned char man_md[32];
};

/* The destroyed manifest's hash when seq is in the ledger, else NULL. */
static const char *purged_sha(const struct netlog_purged *led, size_t n, uint64_t seq)
{
  for (size_t i = 0; i < n; i++)
    if (led[i].seq == seq)
      return led[i].manifest_sha;
  return NULL;
}

static int64_t man_time(json_t *m, const char *key)
{
  int64_t t = 0;
  const char *s = jsonx_str(m, key);
  return s && parse_iso8601(s, &t) == 0 ? t : 0;
}

int netlog_verify(const char *dir, const struct netlog_verify_opts *o, FILE *out)
{
  uint64_t *seqs = NULL;
  size_t n = 0;
  if (netlog_list(dir, &seqs, &n))
    return -1;
  struct vseg *v = xcalloc(n ? n : 1, sizeof *v);
  int problems = 0;
  for (size_t i = 0; i < n; i++) {
    char path[NETLOG_PATH_MAX];
    unsigned char md[32];
    v[i].seq = seqs[i];
    v[i].has_seg = exists(dir, seqs[i], "seg");
    v[i].has_man = exists(dir, seqs[i], "manifest.json");
    if (v[i].has_seg && !netlog_path(dir, seqs[i], "seg", path, sizeof path) && !file_sha256(path, md, NULL))
      hex(md, 32, v[i].seg_sha);
    if (v[i].has_man && !netlog_path(dir, seqs[i], "manifest.json", path, sizeof path) &&
        !file_sha256(path, v[i].man_md, NULL)) {
      hex(v[i].man_md, 32, v[i].man_sha);
      v[i].man = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    }
  }
  /* segments destroyed at the end of their retention are not losses */
  struct netlog_purged *led = NULL;
  size_t nled = 0;
  char why_led[256] = "";
  if (netlog_ledger_read(dir, &led, &nled, NULL, why_led, sizeof why_led)) {
    fprintf(out, "HATA / BAD ledger: %s\n", why_led);
    problems++;
  } else if (nled) {
    fprintf(out, "SİLİNDİ / DESTROYED %08llu..%08llu: %zu segments, per the destruction ledger (last %s)\n",
            (unsigned long long)led[0].seq, (unsigned long long)led[nled - 1].seq, nled, led[nled - 1].destroyed_at);
  }
  uint64_t expect = 1;
  for (size_t i = 0; i < n; i++) {
    struct vseg *s = &v[i];
    for (; expect < s->seq; expect++) {
      if (purged_sha(led, nled, expect))
        continue;
      fprintf(out, "HATA / BAD %08llu: segment and manifest missing (deleted)\n", (unsigned long long)expect);
      problems++;
    }
    expect = s->seq + 1;
    if (o->from || o->to) {
      int64_t t0 = s->man ? man_time(s->man, "first_time") : 0, t1 = s->man ? man_time(s->man, "last_time") : 0;
      if (s->man && ((o->to && t0 > o->to) || (o->from && t1 < o->from)))
        continue;
    }
    if (!s->has_man) {
      if (i == n - 1 && s->has_seg) {
        fprintf(out, "AÇIK / OPEN %08llu: being written, not sealed yet\n", (unsigned long long)s->seq);
      } else {
        fprintf(out, "HATA / BAD %08llu: no manifest (removed, or never sealed)\n", (unsigned long long)s->seq);
        problems++;
      }
      continue;
    }
    int before = problems;
    if (!s->man) {
      fprintf(out, "HATA / BAD %08llu: manifest unreadable (altered)\n", (unsigned long long)s->seq);
      problems++;
      continue;
    }
    json_int_t mseq = json_integer_value(json_object_get(s->man, "seq"));
    const char *want = jsonx_str(s->man, "sha256"), *prev = jsonx_str(s->man, "prev_manifest_sha256");
    if ((uint64_t)mseq != s->seq) {
      fprintf(out, "HATA / BAD %08llu: manifest belongs to segment %08lld (reordered)\n", (unsigned long long)s->seq,
              (long long)mseq);
      problems++;
    }
    if (!s->has_seg) {
      fprintf(out, "HATA / BAD %08llu: segment file missing (deleted)\n", (unsigned long long)s->seq);
      problems++;
    } else if (!want || strcmp(want, s->seg_sha)) {
      const struct vseg *other = NULL;
      for (size_t j = 0; j < n && !other; j++)
        if (j != i && v[j].man && str_eq(jsonx_str(v[j].man, "sha256"), s->seg_sha))
          other = &v[j];
      if (other)
        fprintf(out, "HATA / BAD %08llu: holds the content of segment %08llu (reordered)\n",
                (unsigned long long)s->seq, (unsigned long long)other->seq);
      else
        fprintf(out, "HATA / BAD %08llu: content altered (SHA-256 %s, manifest says %s)\n",
                (unsigned long long)s->seq, s->seg_sha, want ? want : "-");
      problems++;
    }
    /* the chain link to the previous manifest */
    const struct vseg *pv = i > 0 && v[i - 1].seq == s->seq - 1 ? &v[i - 1] : NULL;
    const char *gone = pv ? NULL : purged_sha(led, nled, s->seq - 1);
    if (s->seq == 1 ? !str_eq(prev, ZERO_HASH)
                    : (pv && pv->has_man) ? !str_eq(prev, pv->man_sha) : gone ? !str_eq(prev, gone) : false) {
      fprintf(out, "HATA / BAD %08llu: chain broken: previous manifest is not the one sealed before it "
                   "(altered, replaced or reordered)\n", (unsigned long long)s->seq);
      problems++;
    }
    char tsr[NETLOG_PATH_MAX], gen[40] = "?", why[256];
    if (netlog_path(dir, s->seq, "tsr", tsr, sizeof tsr) ||
        check_token(tsr, o->ca_file, s->man_md, gen, sizeof gen, why, sizeof why)) {
      fprintf(out, "HATA / BAD %08llu: time stamp: %s\n", (unsigned long long)s->seq, why);
      problems++;
    }
    if (problems == before)
      fprintf(out, "TAMAM / OK %08llu: %lld lines %s .. %s, sha256 %s, stamped %s\n", (unsigned long long)s->seq,
              (long long)json_integer_value(json_object_get(s->man, "lines")),
              jsonx_str(s->man, "first_time") ? jsonx_str(s->man, "first_time") : "-",
              jsonx_str(s->man, "last_time") ? jsonx_str(s->man, "last_time") : "-", s->seg_sha, gen);
  }
  for (size_t i = 0; i < n; i++)
    json_decref(v[i].man);
  free(led);
  free(v);
  free(seqs);
  return problems;
}
