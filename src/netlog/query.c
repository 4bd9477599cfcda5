/* query.c - "who had this address then": the DHCP lease covering a
 * moment (start, end, MAC, host) and the NAT sessions that map a public
 * ip:port back to an internal address, each with its evidence lines and
 * their segment's seal. Reads only blocks whose index can match. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/files.h"
#include "../core/jsonx.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_HITS = 20000, MAX_NAT = 20 };

struct hit {
  struct netlog_rec r;
  char *raw; /* heap, raw_len bytes */
  uint64_t seq;
};

struct scan {
  const struct netlog_query *q;
  const char *ip;
  const char *more[NETLOG_FILTER_KEYS]; /* dhcp_only: further addresses asked about */
  int nmore;
  bool dhcp_only;
  struct hit *h;
  size_t n, cap;
  uint64_t seq;
  bool overflow;
};

/* Keeps a copy of r (its raw line on the heap) from segment seq; false
 * when MAX_HITS are kept already. */
static bool hit_add(struct hit **hs, size_t *n, size_t *cap, const struct netlog_rec *r, uint64_t seq)
{
  if (*n >= MAX_HITS)
    return false;
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 64;
    *hs = xrealloc(*hs, *cap * sizeof **hs);
  }
  struct hit *h = &(*hs)[(*n)++];
  h->r = *r;
  h->raw = xmalloc(r->raw_len + 1);
  memcpy(h->raw, r->raw, r->raw_len);
  h->raw[r->raw_len] = '\0';
  h->r.raw = h->raw;
  h->seq = seq;
  return true;
}

static int on_row(const struct netlog_rec *r, void *u)
{
  struct scan *s = u;
  bool dhcp = (r->kind == NL_DHCP_ACK || r->kind == NL_DHCP_RELEASE) && str_eq(r->in_ip, s->ip);
  for (int i = 0; i < s->nmore && !dhcp; i++)
    dhcp = (r->kind == NL_DHCP_ACK || r->kind == NL_DHCP_RELEASE) && str_eq(r->in_ip, s->more[i]);
  bool nat = !s->dhcp_only && r->kind == NL_SESSION && str_eq(r->tr_ip, s->ip) &&
             (!s->q->port || r->tr_port == s->q->port);
  if (!dhcp && !nat)
    return 0;
  if (!hit_add(&s->h, &s->n, &s->cap, r, s->seq))
    s->overflow = true;
  return 0;
}

static int cmp_hit(const void *a, const void *b)
{
  const struct hit *x = a, *y = b;
  if (x->r.time != y->r.time)
    return x->r.time < y->r.time ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int scan_all(const char *dir, struct scan *s, int64_t from, int64_t to, int64_t nat_from, int64_t nat_to)
{
  uint64_t *seqs = NULL;
  size_t n = 0;
  if (netlog_list(dir, &seqs, &n))
    return -1;
  /* a point query: the leases of ip and, unless only those are asked
   * for, the NAT sessions on ip (and port) */
  struct netlog_filter f = {.from = from, .to = to, .keys = {s->ip}, .nkeys = 1, .point = true,
                            .port = s->dhcp_only ? -1 : s->q->port, .nat_from = nat_from, .nat_to = nat_to};
  for (int i = 0; i < s->nmore && f.nkeys < NETLOG_FILTER_KEYS; i++)
    f.keys[f.nkeys++] = s->more[i];
  for (size_t i = 0; i < n; i++) {
    char path[NETLOG_PATH_MAX];
    if (netlog_path(dir, seqs[i], "seg", path, sizeof path))
      continue;
    s->seq = seqs[i];
    /* a damaged segment answers what it can; verify names the damage */
    (void)!netlog_seg_scan(path, &f, on_row, s, NULL);
  }
  free(seqs);
  if (s->n)
    qsort(s->h, s->n, sizeof *s->h, cmp_hit);
  return 0;
}

static void scan_free(struct scan *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->h[i].raw);
  free(s->h);
}

static json_t *iso(int64_t t)
{
  char b[32];
  fmt_iso8601(t, b);
  return json_string(b);
}

/* The seal of segment seq: its manifest's and content's hashes and the
 * token's file, or "sealed": false while it is still open. */
static json_t *seal_of(const char *dir, uint64_t seq)
{
  char path[NETLOG_PATH_MAX], name[40], sha[65];
  snprintf(name, sizeof name, "%08llu.seg", (unsigned long long)seq);
  json_t *o = json_pack("{s:s}", "segment", name);
  if (netlog_path(dir, seq, "manifest.json", path, sizeof path))
    return o;
  json_t *m = json_load_file(path, 0, NULL);
  if (!m || netlog_manifest_sha(dir, seq, sha)) {
    json_object_set_new(o, "sealed", json_false());
    json_decref(m);
    return o;
  }
  json_object_set_new(o, "sealed", json_true());
  snprintf(name, sizeof name, "%08llu.manifest.json", (unsigned long long)seq);
  json_object_set_new(o, "manifest", json_string(name));
  json_object_set_new(o, "manifest_sha256", json_string(sha));
  jsonx_set_str(o, "segment_sha256", jsonx_str(m, "sha256"));
  jsonx_set_str(o, "sealed_at", jsonx_str(m, "sealed_at"));
  json_decref(m);
  snprintf(name, sizeof name, "%08llu.tsr", (unsigned long long)seq);
  char tsr[NETLOG_PATH_MAX];
  FILE *fp = !netlog_path(dir, seq, "tsr", tsr, sizeof tsr) ? fopen(tsr, "rb") : NULL;
  json_object_set_new(o, "time_stamp_token", fp ? json_string(name) : json_null());
  if (fp)
    fclose(fp);
  return o;
}

static json_t *evidence(const char *dir, const struct hit *h)
{
  json_t *e = json_object();
  json_object_set_new(e, "time", iso(h->r.time));
  json_object_set_new(e, "kind", json_string(netlog_kind_name(h->r.kind)));
  json_object_set_new(e, "parser", json_string(netlog_parser_name(h->r.parser)));
  if (utf8_valid(h->raw, h->r.raw_len)) {
    json_object_set_new(e, "line", json_stringn(h->raw, h->r.raw_len));
  } else {
    char *x = xmalloc(h->r.raw_len * 2 + 1);
    for (size_t i = 0; i < h->r.raw_len; i++)
      snprintf(x + 2 * i, 3, "%02x", (unsigned char)h->raw[i]);
    json_object_set_new(e, "line_hex", json_string(x));
    free(x);
  }
  json_object_set_new(e, "seal", seal_of(dir, h->seq));
  return e;
}

/* The lease of ip covering `at` from its DHCP events (sorted), or NULL. */
static json_t *lease_at(const char *dir, const struct scan *s, int64_t at, int64_t lease_s)
{
  ssize_t last = -1;
  for (size_t i = 0; i < s->n; i++)
    if (s->h[i].r.kind != NL_SESSION && s->h[i].r.time <= at)
      last = (ssize_t)i;
  if (last < 0 || s->h[last].r.kind != NL_DHCP_ACK)
    return NULL;
  const struct hit *ack = &s->h[last];
  int64_t end = ack->r.lease_end ? ack->r.lease_end : ack->r.time + lease_s;
  bool end_logged = false;
  ssize_t end_i = -1;
  for (size_t i = (size_t)last + 1; i < s->n; i++) {
    const struct netlog_rec *r = &s->h[i].r;
    if (r->kind == NL_SESSION)
      continue;
    if (r->kind == NL_DHCP_ACK && str_eq(r->mac, ack->r.mac)) { /* a renewal after `at` extends it */
      end = r->lease_end ? r->lease_end : r->time + lease_s;
      continue;
    }
    end = r->time; /* a release, or another device got the address */
    end_logged = true;
    end_i = (ssize_t)i;
    break;
  }
  int64_t covered_until = ack->r.lease_end ? ack->r.lease_end : ack->r.time + lease_s;
  if (at > covered_until)
    return NULL; /* the last grant before `at` had run out */
  /* the start: back through renewals by the same device */
  size_t first = (size_t)last;
  for (ssize_t i = last - 1; i >= 0; i--) {
    const struct netlog_rec *r = &s->h[i].r;
    if (r->kind == NL_SESSION)
      continue;
    if (r->kind != NL_DHCP_ACK || !str_eq(r->mac, ack->r.mac))
      break;
    first = (size_t)i;
  }
  json_t *ev = json_array();
  json_array_append_new(ev, evidence(dir, &s->h[first]));
  if (first != (size_t)last)
    json_array_append_new(ev, evidence(dir, ack));
  if (end_i >= 0)
    json_array_append_new(ev, evidence(dir, &s->h[end_i]));
  json_t *o = json_object();
  json_object_set_new(o, "ip", json_string(ack->r.in_ip));
  json_object_set_new(o, "mac", json_string(ack->r.mac));
  jsonx_set_str(o, "host", ack->r.client[0] ? ack->r.client : NULL);
  json_object_set_new(o, "start", iso(s->h[first].r.time));
  json_object_set_new(o, "last_renewal", iso(ack->r.time));
  json_object_set_new(o, "end", iso(end));
  json_object_set_new(o, "end_logged", json_boolean(end_logged));
  jsonx_set_str(o, "server", ack->r.host[0] ? ack->r.host : NULL);
  json_object_set_new(o, "evidence", ev);
  return o;
}

static int cmp_distance(const void *a, const void *b, void *u)
{
  int64_t at = *(const int64_t *)u;
  int64_t x = llabs((*(struct hit *const *)a)->r.time - at), y = llabs((*(struct hit *const *)b)->r.time - at);
  return x < y ? -1 : x > y;
}

json_t *netlog_query_run(const char *dir, const struct netlog_query *q)
{
  int64_t lease_s = q->lease_s > 0 ? q->lease_s : 86400;
  int64_t win = q->window_s > 0 ? q->window_s : 600;
  /* a lease may have started long before `at` and been renewed since */
  int64_t from = q->at - 30 * lease_s, to = q->at + 30 * lease_s;
  struct scan s = {.q = q, .ip = q->ip};
  if (scan_all(dir, &s, from, to, q->at - win, q->at + win))
    return NULL;
  json_t *out = json_object();
  json_t *lease = lease_at(dir, &s, q->at, lease_s);
  json_object_set_new(out, "lease", lease ? lease : json_null());
  /* who was logged in on it (RADIUS, hotspot, captive portal) */
  json_t *login = netlog_query_login(dir, q->ip, lease ? jsonx_str(lease, "mac") : NULL, q->at, lease_s);
  json_object_set_new(out, "login", login ? login : json_null());
  /* NAT sessions on this public address, closest to `at` first */
  json_t *nat = json_array();
  struct hit **best = xcalloc(s.n ? s.n : 1, sizeof *best);
  size_t nb = 0;
  for (size_t i = 0; i < s.n; i++) {
    int64_t d = s.h[i].r.time - q->at;
    if (s.h[i].r.kind == NL_SESSION && d >= -win && d <= win)
      best[nb++] = &s.h[i];
  }
  int64_t at = q->at;
  qsort_r(best, nb, sizeof *best, cmp_distance, &at);
  if (nb > MAX_NAT)
    nb = MAX_NAT;
  /* who had the internal addresses then: one scan for all of them */
  struct scan inner = {.q = q, .dhcp_only = true};
  for (size_t i = 0; i < nb; i++) {
    bool seen = inner.ip && str_eq(inner.ip, best[i]->r.in_ip);
    for (int k = 0; k < inner.nmore && !seen; k++)
      seen = str_eq(inner.more[k], best[i]->r.in_ip);
    if (seen)
      continue;
    if (!inner.ip)
      inner.ip = best[i]->r.in_ip;
    else if (inner.nmore < NETLOG_FILTER_KEYS - 1)
      inner.more[inner.nmore++] = best[i]->r.in_ip;
  }
  bool inner_ok = nb && scan_all(dir, &inner, from, to, 0, 0) == 0;
  struct hit *mine = xcalloc(inner.n ? inner.n : 1, sizeof *mine);
  for (size_t i = 0; i < nb; i++) {
    const struct netlog_rec *r = &best[i]->r;
    json_t *o = json_object();
    json_object_set_new(o, "time", iso(r->time));
    json_object_set_new(o, "internal_ip", json_string(r->in_ip));
    json_object_set_new(o, "internal_port", json_integer(r->in_port));
    json_object_set_new(o, "public_ip", json_string(r->tr_ip));
    json_object_set_new(o, "public_port", json_integer(r->tr_port));
    json_object_set_new(o, "dst_ip", json_string(r->dst_ip));
    json_object_set_new(o, "dst_port", json_integer(r->dst_port));
    jsonx_set_str(o, "proto", r->proto[0] ? r->proto : NULL);
    jsonx_set_str(o, "user", r->user[0] ? r->user : NULL);
    jsonx_set_str(o, "mac", r->mac[0] ? r->mac : NULL);
    json_t *ev = json_array();
    json_array_append_new(ev, evidence(dir, best[i]));
    json_object_set_new(o, "evidence", ev);
    /* and who had the internal address then (its own events, in order) */
    json_t *il = NULL;
    struct scan one = {.h = mine};
    for (size_t k = 0; inner_ok && k < inner.n; k++)
      if (str_eq(inner.h[k].r.in_ip, r->in_ip))
        mine[one.n++] = inner.h[k];
    if (inner_ok)
      il = lease_at(dir, &one, r->time, lease_s);
    json_t *ilogin = netlog_query_login(dir, r->in_ip, il ? jsonx_str(il, "mac") : NULL, r->time, lease_s);
    json_object_set_new(o, "lease", il ? il : json_null());
    json_object_set_new(o, "login", ilogin ? ilogin : json_null());
    json_array_append_new(nat, o);
  }
  free(mine);
  scan_free(&inner);
  free(best);
  json_object_set_new(out, "nat", nat);
  json_object_set_new(out, "found", json_boolean(lease || login || nb));
  json_object_set_new(out, "truncated", json_boolean(s.overflow));
  scan_free(&s);
  return out;
}

/* ---- logins: who was logged in on an address (helper-nlpeer) -------------
 * Kept apart from netlog_query_run on purpose: it reads NL_LOGIN /
 * NL_LOGOUT records (FreeRADIUS, hotspot, captive portal) only. */

struct login_scan {
  const char *ip, *mac;
  struct hit *h;
  size_t n, cap;
  uint64_t seq;
};

static int on_login_row(const struct netlog_rec *r, void *u)
{
  struct login_scan *s = u;
  if (r->kind != NL_LOGIN && r->kind != NL_LOGOUT)
    return 0;
  if (!((s->ip && s->ip[0] && str_eq(r->in_ip, s->ip)) || (s->mac && s->mac[0] && str_eq(r->mac, s->mac))))
    return 0;
  (void)hit_add(&s->h, &s->n, &s->cap, r, s->seq);
  return 0;
}

/* Does login/logout record b end the session that a opened? Same user,
 * and the same address or device when both records name one. */
static bool same_session(const struct netlog_rec *a, const struct netlog_rec *b)
{
  if (!str_eq(a->user, b->user))
    return false;
  if (a->in_ip[0] && b->in_ip[0])
    return str_eq(a->in_ip, b->in_ip);
  if (a->mac[0] && b->mac[0])
    return str_eq(a->mac, b->mac);
  return true;
}

json_t *netlog_query_login(const char *dir, const char *ip, const char *mac, int64_t at, int64_t max_age_s)
{
  struct login_scan s = {.ip = ip, .mac = mac};
  uint64_t *seqs = NULL;
  size_t nseq = 0;
  json_t *o = NULL;
  if (max_age_s <= 0)
    max_age_s = 86400;
  if ((!ip || !ip[0]) && (!mac || !mac[0]))
    return NULL;
  if (netlog_list(dir, &seqs, &nseq))
    return NULL;
  struct netlog_filter f = {.from = at - max_age_s, .to = at + max_age_s};
  if (ip && ip[0])
    f.keys[f.nkeys++] = ip;
  if (mac && mac[0])
    f.keys[f.nkeys++] = mac;
  for (size_t i = 0; i < nseq; i++) {
    char path[NETLOG_PATH_MAX];
    if (netlog_path(dir, seqs[i], "seg", path, sizeof path))
      continue;
    s.seq = seqs[i];
    (void)!netlog_seg_scan(path, &f, on_login_row, &s, NULL);
  }
  free(seqs);
  if (s.n)
    qsort(s.h, s.n, sizeof *s.h, cmp_hit);
  /* the last login at or before `at`, not ended before `at` */
  ssize_t last = -1;
  for (size_t i = 0; i < s.n && s.h[i].r.time <= at; i++)
    if (s.h[i].r.kind == NL_LOGIN)
      last = (ssize_t)i;
  if (last < 0 || s.h[last].r.time < at - max_age_s)
    goto out;
  const struct netlog_rec *lr = &s.h[last].r;
  ssize_t end_i = -1;
  for (size_t i = (size_t)last + 1; i < s.n && end_i < 0; i++)
    if (s.h[i].r.kind == NL_LOGOUT && same_session(lr, &s.h[i].r))
      end_i = (ssize_t)i;
  if (end_i >= 0 && s.h[end_i].r.time < at)
    goto out; /* logged out before `at` */
  /* the start: back through interim updates of the same session */
  size_t first = (size_t)last;
  for (ssize_t i = last - 1; i >= 0; i--) {
    const struct netlog_rec *r = &s.h[i].r;
    if (r->kind != NL_LOGIN || !same_session(lr, r))
      break;
    first = (size_t)i;
  }
  json_t *ev = json_array();
  json_array_append_new(ev, evidence(dir, &s.h[first]));
  if (first != (size_t)last)
    json_array_append_new(ev, evidence(dir, &s.h[last]));
  if (end_i >= 0)
    json_array_append_new(ev, evidence(dir, &s.h[end_i]));
  o = json_object();
  json_object_set_new(o, "user", json_string(lr->user));
  jsonx_set_str(o, "ip", lr->in_ip[0] ? lr->in_ip : NULL);
  jsonx_set_str(o, "mac", lr->mac[0] ? lr->mac : NULL);
  jsonx_set_str(o, "nas", lr->client[0] ? lr->client : NULL);
  json_object_set_new(o, "source", json_string(netlog_parser_name(lr->parser)));
  json_object_set_new(o, "start", iso(s.h[first].r.time));
  json_object_set_new(o, "last_seen", iso(lr->time));
  json_object_set_new(o, "end", end_i >= 0 ? iso(s.h[end_i].r.time) : json_null());
  json_object_set_new(o, "evidence", ev);
out:
  for (size_t i = 0; i < s.n; i++)
    free(s.h[i].raw);
  free(s.h);
  return o;
}
