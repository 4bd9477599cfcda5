/* tsa.c - the time-stamp client: an RFC 3161 request over HTTP (libcurl,
 * OpenSSL TS) for a manifest's SHA-256, stored whole as <seq>.tsr with a
 * <seq>.stamp.json that says which authority answered (a fallback is
 * flagged). Kamu SM's authority wants an `identity` header: the DER of
 *   ESYAReqEx ::= SEQUENCE { userid INTEGER, salt OCTET STRING (16),
 *     iterationCount INTEGER, iv OCTET STRING (16, = salt),
 *     encryptedMessageImprint OCTET STRING }
 * as lowercase hex, the digest encrypted with AES-256-CBC under a key
 * PBKDF2-HMAC-SHA256(password, salt, 100) gives; it answers errors inside
 * HTTP 200, and sells stamps as credits, which are asked for the same way
 * with SHA-1(userid || time in ms) as the digest. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <curl/curl.h>
#include <ctype.h>
#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

enum { TSR_MAX = 64 * 1024, KAMUSM_ITER = 100 };

typedef struct {
  ASN1_INTEGER *userid;
  ASN1_OCTET_STRING *salt;
  ASN1_INTEGER *iterations;
  ASN1_OCTET_STRING *iv;
  ASN1_OCTET_STRING *imprint;
} ESYA_REQ_EX;

DECLARE_ASN1_FUNCTIONS(ESYA_REQ_EX)
ASN1_SEQUENCE(ESYA_REQ_EX) = {
    ASN1_SIMPLE(ESYA_REQ_EX, userid, ASN1_INTEGER),
    ASN1_SIMPLE(ESYA_REQ_EX, salt, ASN1_OCTET_STRING),
    ASN1_SIMPLE(ESYA_REQ_EX, iterations, ASN1_INTEGER),
    ASN1_SIMPLE(ESYA_REQ_EX, iv, ASN1_OCTET_STRING),
    ASN1_SIMPLE(ESYA_REQ_EX, imprint, ASN1_OCTET_STRING),
} ASN1_SEQUENCE_END(ESYA_REQ_EX)
IMPLEMENT_ASN1_FUNCTIONS(ESYA_REQ_EX)

void netlog_tsa_config(const config *c, struct netlog_tsa_set *out)
{
  static const char *const prefix[2] = {"netlog.tsa_", "netlog.fallback_tsa_"};
  static const char *const keys[4] = {"url", "ca", "user", "password"};
  memset(out, 0, sizeof *out);
  for (int i = 0; i < 2; i++) {
    const char *v[4];
    for (int k = 0; k < 4; k++) {
      char key[64];
      snprintf(key, sizeof key, "%s%s", prefix[i], keys[k]);
      v[k] = config_get(c, key, "");
    }
    out->tsa[i] = (struct netlog_tsa){.url = v[0], .ca_file = v[1], .user = v[2], .password = v[3]};
  }
  out->credit_min = config_int(c, "netlog.tsa_credit_min", 100);
}

int netlog_kamusm_identity(const char *user, const char *password, const unsigned char *md, size_t mdlen,
                           char **hex_out)
{
  *hex_out = NULL;
  int64_t uid = 0;
  if (!user || parse_i64(user, &uid) || uid <= 0 || !password)
    return -1;
  unsigned char salt[16], key[32], enc[64 + 16];
  int el = 0, fl = 0;
  EVP_CIPHER_CTX *cc = NULL;
  ESYA_REQ_EX *x = NULL;
  unsigned char *der = NULL;
  int rc = -1;
  if (mdlen > 64 || RAND_bytes(salt, sizeof salt) != 1 ||
      PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, sizeof salt, KAMUSM_ITER, EVP_sha256(), sizeof key,
                        key) != 1)
    goto out;
  if (!(cc = EVP_CIPHER_CTX_new()) || EVP_EncryptInit_ex(cc, EVP_aes_256_cbc(), NULL, key, salt) != 1 ||
      EVP_EncryptUpdate(cc, enc, &el, md, (int)mdlen) != 1 || EVP_EncryptFinal_ex(cc, enc + el, &fl) != 1)
    goto out;
  if (!(x = ESYA_REQ_EX_new()) || !ASN1_INTEGER_set_int64(x->userid, uid) ||
      !ASN1_OCTET_STRING_set(x->salt, salt, sizeof salt) || !ASN1_INTEGER_set_int64(x->iterations, KAMUSM_ITER) ||
      !ASN1_OCTET_STRING_set(x->iv, salt, sizeof salt) || !ASN1_OCTET_STRING_set(x->imprint, enc, el + fl))
    goto out;
  int dl = i2d_ESYA_REQ_EX(x, &der);
  if (dl <= 0)
    goto out;
  /* Java's BigInteger.toString(16) of the DER: no leading zero digits (a
   * SEQUENCE starts with 0x30, so only the first nibble could be one). */
  char *h = xmalloc(2 * (size_t)dl + 1);
  netlog_hex(der, (size_t)dl, h);
  *hex_out = h;
  rc = 0;
out:
  OPENSSL_cleanse(key, sizeof key);
  OPENSSL_free(der);
  ESYA_REQ_EX_free(x);
  EVP_CIPHER_CTX_free(cc);
  ERR_clear_error();
  return rc;
}

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

/* Kamu SM reports errors as text inside an HTTP 200 body that is not a
 * TimeStampResp: the printable runs of it, joined, cut to n. */
static void printable_text(const buf *b, char *out, size_t n)
{
  size_t o = 0, run = 0, start = 0;
  out[0] = '\0';
  for (size_t i = 0; i <= b->len && o + 2 < n; i++) {
    unsigned char ch = i < b->len ? (unsigned char)b->data[i] : 0;
    if (ch >= 0x20 && ch < 0x7f) {
      if (!run)
        start = i;
      run++;
      continue;
    }
    if (run >= 4) {
      if (o)
        out[o++] = ' ';
      size_t take = run < n - o - 1 ? run : n - o - 1;
      memcpy(out + o, b->data + start, take);
      o += take;
      out[o] = '\0';
    }
    run = 0;
  }
}

/* One HTTP POST to t->url; the body lands in body. 0 ok; -1 with err. */
static int post(const struct netlog_tsa *t, const unsigned char *der, long dl, const unsigned char *md, size_t mdlen,
                struct curl_slist *extra, buf *body, char *err, size_t errlen)
{
  CURL *c = curl_easy_init();
  struct curl_slist *hdrs = extra;
  char *ident = NULL;
  int rc = -1;
  if (!c)
    return -1;
  hdrs = curl_slist_append(hdrs, "Content-Type: application/timestamp-query");
  if (t->user && t->user[0]) {
    if (netlog_kamusm_identity(t->user, t->password, md, mdlen, &ident)) {
      snprintf(err, errlen, "cannot build the Kamu SM identity header (tsa_user must be the customer number)");
      goto out;
    }
    char *h = NULL;
    if (asprintf(&h, "identity: %s", ident) < 0)
      goto out;
    hdrs = curl_slist_append(hdrs, h);
    free(h);
  }
  curl_easy_setopt(c, CURLOPT_URL, t->url);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, der ? (const char *)der : "");
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, dl);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, curl_sink);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode cc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (cc != CURLE_OK)
    snprintf(err, errlen, "TSA unreachable: %s", curl_easy_strerror(cc));
  else if (status != 200)
    snprintf(err, errlen, "TSA answered HTTP %ld", status);
  else
    rc = 0;
out:
  free(ident);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(c);
  return rc;
}

/* Asks t for a token on manifest seq; stores it and its stamp note. */
static int stamp_one(const char *dir, uint64_t seq, const struct netlog_tsa *t, bool fallback, char *err,
                     size_t errlen)
{
  unsigned char md[32];
  unsigned char *der = NULL;
  TS_REQ *req = NULL;
  TS_RESP *resp = NULL;
  TS_VERIFY_CTX *vctx = NULL;
  buf body;
  buf_init(&body, TSR_MAX);
  int rc = -1;
  snprintf(err, errlen, "internal error");
  if (netlog_manifest_digest(dir, seq, md)) {
    snprintf(err, errlen, "manifest unreadable");
    goto out;
  }
  if (!(req = make_request(md)))
    goto out;
  int dl = i2d_TS_REQ(req, &der);
  if (dl <= 0 || post(t, der, dl, md, sizeof md, NULL, &body, err, errlen))
    goto out;
  const unsigned char *p = (const unsigned char *)body.data;
  if (!body.len || !(resp = d2i_TS_RESP(NULL, &p, (long)body.len)) || p != (const unsigned char *)body.data + body.len) {
    char text[160];
    printable_text(&body, text, sizeof text);
    snprintf(err, errlen, "TSA response is not a TimeStampResp%s%s", text[0] ? ": " : "", text);
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
  char at[40] = "";
  const ASN1_GENERALIZEDTIME *gt = TS_TST_INFO_get_time(TS_RESP_get_tst_info(resp));
  struct tm tm;
  if (gt && ASN1_TIME_to_tm(gt, &tm))
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  json_t *note = json_pack("{s:s, s:s, s:b, s:s}", "format", "defter-netlog-stamp/1", "tsa",
                           fallback ? "fallback" : "primary", "fallback", fallback, "stamped_at", at);
  char *text = note ? json_dumps(note, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
  json_decref(note);
  char path[NETLOG_PATH_MAX], npath[NETLOG_PATH_MAX];
  /* the note first: a token without its note reads as the primary's */
  bool ok = text && !netlog_path(dir, seq, "stamp.json", npath, sizeof npath) &&
            !netlog_write_atomic(npath, text, strlen(text)) && !netlog_path(dir, seq, "tsr", path, sizeof path) &&
            !netlog_write_atomic(path, body.data, body.len);
  free(text);
  if (!ok) {
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
  buf_free(&body);
  return rc;
}

int netlog_stamp(const char *dir, uint64_t seq, const struct netlog_tsa_set *set, bool *fallback, char *err,
                 size_t errlen)
{
  *fallback = false;
  const struct netlog_tsa *p = &set->tsa[0], *f = &set->tsa[1];
  if (!p->url[0] && !f->url[0]) {
    snprintf(err, errlen, "no tsa_url configured");
    return -1;
  }
  if (p->url[0] && stamp_one(dir, seq, p, false, err, errlen) == 0)
    return 0;
  if (!f->url[0])
    return -1;
  char ferr[256];
  if (p->url[0])
    log_warn("netlog: primary TSA failed; trying the fallback", "seq=%llu reason=\"%s\"", (unsigned long long)seq,
             err);
  if (stamp_one(dir, seq, f, true, ferr, sizeof ferr) == 0) {
    *fallback = true;
    return 0;
  }
  size_t l = strlen(err);
  snprintf(err + l, errlen - l, "%sfallback: %s", l ? "; " : "", ferr);
  return -1;
}

int netlog_kamusm_credits(const struct netlog_tsa *t, int64_t now_ms, int64_t *credits, char *err, size_t errlen)
{
  *credits = -1;
  if (!t->url[0] || !t->user[0]) {
    snprintf(err, errlen, "no Kamu SM customer number (tsa_user)");
    return -1;
  }
  char ts[32], seed[96];
  snprintf(ts, sizeof ts, "%lld", (long long)now_ms);
  snprintf(seed, sizeof seed, "%s%s", t->user, ts);
  unsigned char md[20];
  unsigned int ml = 0;
  if (EVP_Digest(seed, strlen(seed), md, &ml, EVP_sha1(), NULL) != 1)
    return -1;
  char h1[96], h2[64];
  snprintf(h1, sizeof h1, "credit_req: %s", t->user);
  snprintf(h2, sizeof h2, "credit_req_time: %s", ts);
  struct curl_slist *extra = curl_slist_append(NULL, h1);
  extra = curl_slist_append(extra, h2);
  buf body;
  buf_init(&body, 4096);
  int rc = post(t, NULL, 0, md, ml, extra, &body, err, errlen);
  if (!rc) {
    /* the balance is the first number in the answer */
    size_t i = 0;
    while (i < body.len && !isdigit((unsigned char)body.data[i]))
      i++;
    int64_t v = 0;
    size_t digits = 0;
    for (; i < body.len && isdigit((unsigned char)body.data[i]) && digits < 15; i++, digits++)
      v = v * 10 + (body.data[i] - '0');
    if (!digits) {
      char text[160];
      printable_text(&body, text, sizeof text);
      snprintf(err, errlen, "no credit count in the answer%s%s", text[0] ? ": " : "", text);
      rc = -1;
    } else {
      *credits = v;
    }
  }
  buf_free(&body);
  return rc;
}
