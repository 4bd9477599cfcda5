/* parse.c - syslog headers and the DHCP / NAT message parsers behind
 * netlog_parse_line(). Pure functions over a caller's line: no
 * allocation, every copy bounded by the record's field sizes, so they can
 * take any bytes from the network (fuzz/fuzz_netlog_*.c). */
#define _GNU_SOURCE
#include "netlog.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>
#include <time.h>

/* ---- small bounded helpers ------------------------------------------ */

/* Copies s[0..n) into dst (cap bytes), replacing control bytes by '?'. */
static void copy_field(char *dst, size_t cap, const char *s, size_t n)
{
  if (n >= cap)
    n = cap - 1;
  for (size_t i = 0; i < n; i++)
    dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  dst[n] = '\0';
}

/* inet_pton(AF_INET) of s[0..n) as glibc decides it (four decimal parts,
 * each at most 255, no leading zeros), without a copy: most lines hold
 * IPv4 addresses, and this runs for each of them */
static bool is_ipv4(const char *s, size_t n)
{
  unsigned cur = 0, octets = 0;
  bool saw = false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      unsigned v = cur * 10 + (unsigned)(c - '0');
      if ((saw && cur == 0) || v > 255)
        return false;
      cur = v;
      if (!saw) {
        if (++octets > 4)
          return false;
        saw = true;
      }
    } else if (c == '.' && saw) {
      if (octets == 4)
        return false;
      cur = 0;
      saw = false;
    } else {
      return false;
    }
  }
  return octets == 4 && saw;
}

static bool is_ip(const char *s, size_t n)
{
  if (n && n < 16 && !memchr(s, ':', n) && !memchr(s, '\0', n))
    return is_ipv4(s, n);
  char tmp[NETLOG_IP_MAX];
  unsigned char addr[16];
  if (!n || n >= sizeof tmp)
    return false;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  return inet_pton(AF_INET, tmp, addr) == 1 || inet_pton(AF_INET6, tmp, addr) == 1;
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  c = (char)tolower((unsigned char)c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A MAC as six hex pairs split by ':' or '-' into "aa:bb:cc:dd:ee:ff";
 * out is written only when s is one. */
static bool norm_mac(const char *s, size_t n, char out[NETLOG_MAC_MAX])
{
  char m[NETLOG_MAC_MAX];
  if (n != 17)
    return false;
  for (int i = 0; i < 6; i++) {
    const char *p = s + i * 3;
    if (hexval(p[0]) < 0 || hexval(p[1]) < 0 || (i < 5 && p[2] != ':' && p[2] != '-'))
      return false;
    m[i * 3] = (char)tolower((unsigned char)p[0]);
    m[i * 3 + 1] = (char)tolower((unsigned char)p[1]);
    m[i * 3 + 2] = i < 5 ? ':' : '\0';
  }
  memcpy(out, m, sizeof m);
  return true;
}

static bool parse_num(const char *s, size_t n, int64_t max, int64_t *out)
{
  int64_t v = 0;
  if (!n || n > 19)
    return false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    int d = s[i] - '0';
    if (v > (max - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

static bool parse_port(const char *s, size_t n, uint16_t *out)
{
  int64_t v;
  if (!parse_num(s, n, 65535, &v))
    return false;
  *out = (uint16_t)v;
  return true;
}

/* The next space-separated token at or after *pos; false at the end. */
static bool next_token(const char *s, size_t n, size_t *pos, const char **tok, size_t *len)
{
  size_t i = *pos;
  while (i < n && s[i] == ' ')
    i++;
  if (i >= n)
    return false;
  size_t st = i;
  while (i < n && s[i] != ' ')
    i++;
  *tok = s + st;
  *len = i - st;
  *pos = i;
  return true;
}

static bool tok_is(const char *t, size_t n, const char *lit)
{
  size_t l = strlen(lit);
  return n == l && memcmp(t, lit, l) == 0;
}

/* The value of the nth (0-based) `key=` at a token start in s: a quoted
 * value runs to the closing quote, a plain one to the next space. */
static bool kv_nth(const char *s, size_t n, const char *key, int nth, const char **val, size_t *vlen)
{
  size_t kl = strlen(key);
  bool quoted = false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"')
      quoted = !quoted;
    if (quoted || (i > 0 && s[i - 1] != ' ' && s[i - 1] != ',' && s[i - 1] != '['))
      continue;
    if (n - i <= kl || memcmp(s + i, key, kl) || s[i + kl] != '=')
      continue;
    size_t v = i + kl + 1, e;
    if (v < n && s[v] == '"') {
      v++;
      for (e = v; e < n && s[e] != '"'; e++)
        ;
    } else {
      for (e = v; e < n && s[e] != ' ' && s[e] != ','; e++)
        ;
    }
    if (nth-- == 0) {
      *val = s + v;
      *vlen = e - v;
      return true;
    }
    i = e;
  }
  return false;
}

static bool kv(const char *s, size_t n, const char *key, const char **val, size_t *vlen)
{
  return kv_nth(s, n, key, 0, val, vlen);
}

static void clear_fields(struct netlog_rec *r)
{
  r->kind = NL_UNKNOWN;
  r->parser = NLS_NONE;
  r->lease_end = 0;
  r->in_ip[0] = r->tr_ip[0] = r->dst_ip[0] = '\0';
  r->in_port = r->tr_port = r->dst_port = 0;
  r->proto[0] = r->mac[0] = r->user[0] = r->client[0] = '\0';
  r->bytes = 0;
}

/* ---- time ------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bool digits(const char *s, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

/* "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" (RFC 3339); returns the
 * length consumed, 0 when it is not one. A missing zone is taken as UTC. */
static size_t parse_rfc3339(const char *s, size_t n, int64_t *out)
{
  int y, mo, d, h, mi, se;
  if (n < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
      !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
      !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
    return 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return 0;
  size_t i = 19;
  if (i < n && s[i] == '.')
    for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      ;
  int64_t off = 0;
  if (i < n && s[i] == 'Z') {
    i++;
  } else if (i + 6 <= n && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(s + i + 1, 2, &oh) || s[i + 3] != ':' || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
      return 0;
    off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  }
  *out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  return i;
}

static const char MONTHS[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* "Mmm dd hh:mm:ss" (RFC 3164, local time, no year); returns 15 or 0. */
static size_t parse_bsd_time(const char *s, size_t n, int64_t now, int64_t *out)
{
  if (n < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':')
    return 0;
  int mon = -1;
  for (int i = 0; i < 12; i++)
    if (!memcmp(s, MONTHS + i * 3, 3))
      mon = i;
  int d, h, mi, se;
  char dd[2] = {s[4] == ' ' ? '0' : s[4], s[5]};
  if (mon < 0 || !digits(dd, 2, &d) || !digits(s + 7, 2, &h) || !digits(s + 10, 2, &mi) || !digits(s + 13, 2, &se) ||
      d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return 0;
  /* mktime and localtime read the zone on every call: a line's time is
   * mostly the one before's, so the last answer is kept per thread */
  static _Thread_local struct {
    char ts[15];
    int64_t now, t;
  } last;
  if (last.now == now && now && !memcmp(last.ts, s, 15)) {
    *out = last.t;
    return 15;
  }
  time_t tn = (time_t)now;
  struct tm lt;
  if (!localtime_r(&tn, &lt))
    return 0;
  struct tm tm = {.tm_year = lt.tm_year, .tm_mon = mon, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se,
                  .tm_isdst = -1};
  time_t t = mktime(&tm);
  if (t != (time_t)-1 && (int64_t)t > now + 31 * 86400) { /* December's line read in January */
    tm = (struct tm){.tm_year = lt.tm_year - 1, .tm_mon = mon, .tm_mday = d, .tm_hour = h, .tm_min = mi,
                     .tm_sec = se, .tm_isdst = -1};
    t = mktime(&tm);
  }
  if (t == (time_t)-1)
    return 0;
  *out = (int64_t)t;
  memcpy(last.ts, s, 15);
  last.now = now;
  last.t = *out;
  return 15;
}

/* ---- the syslog header -------------------------------------------------- */

/* TAG[pid]: or TAG: at s; sets the tag, returns the bytes up to and
 * including ": " (0 when s does not start with a tag). */
static size_t parse_tag(const char *s, size_t n, struct netlog_rec *r)
{
  size_t i = 0;
  while (i < n && i < 48 && (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.' || s[i] == '/'))
    i++;
  if (!i || i >= n)
    return 0;
  size_t tl = i;
  if (s[i] == '[') {
    while (i < n && s[i] != ']' && i < 80)
      i++;
    if (i >= n || s[i] != ']')
      return 0;
    i++;
  }
  if (i >= n || s[i] != ':')
    return 0;
  copy_field(r->tag, sizeof r->tag, s, tl);
  i++;
  if (i < n && s[i] == ' ')
    i++;
  return i;
}

size_t netlog_parse_header(const char *s, size_t n, int64_t now, struct netlog_rec *r)
{
  size_t i = 0;
  r->pri = -1;
  r->time = 0;
  r->host[0] = r->tag[0] = '\0';
  if (n > 2 && s[0] == '<') {
    int pri = 0;
    size_t j = 1;
    while (j < n && j < 5 && s[j] >= '0' && s[j] <= '9')
      pri = pri * 10 + (s[j++] - '0');
    if (j > 1 && j < n && s[j] == '>' && pri <= 191) {
      r->pri = pri;
      i = j + 1;
    }
  }
  const char *t;
  size_t tl, pos;
  if (r->pri >= 0 && n - i >= 2 && s[i] == '1' && s[i + 1] == ' ') {
    /* RFC 5424: VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG] */
    pos = i + 2;
    const char *f[5];
    size_t fl[5];
    for (int k = 0; k < 5; k++)
      if (!next_token(s, n, &pos, &f[k], &fl[k]))
        return n;
    int64_t ts;
    if (!tok_is(f[0], fl[0], "-") && parse_rfc3339(f[0], fl[0], &ts) == fl[0])
      r->time = ts;
    if (!tok_is(f[1], fl[1], "-"))
      copy_field(r->host, sizeof r->host, f[1], fl[1]);
    if (!tok_is(f[2], fl[2], "-"))
      copy_field(r->tag, sizeof r->tag, f[2], fl[2]);
    while (pos < n && s[pos] == ' ')
      pos++;
    if (pos < n && s[pos] == '-') {
      pos++;
    } else {
      /* structured data: [id k="v\]..."]... */
      while (pos < n && s[pos] == '[') {
        pos++;
        while (pos < n && s[pos] != ']') {
          if (s[pos] == '"') {
            pos++;
            while (pos < n && s[pos] != '"')
              pos += s[pos] == '\\' && pos + 1 < n ? 2 : 1;
          }
          pos++;
        }
        pos++;
      }
    }
    if (pos < n && s[pos] == ' ')
      pos++;
    if (pos + 3 <= n && !memcmp(s + pos, "\xEF\xBB\xBF", 3))
      pos += 3;
    return pos > n ? n : pos;
  }
  /* RFC 3164 (or a daemon's own log file): TIMESTAMP [HOST] TAG: MSG */
  int64_t ts = 0;
  size_t used = parse_bsd_time(s + i, n - i, now, &ts);
  if (!used)
    used = parse_rfc3339(s + i, n - i, &ts);
  if (!used || i + used >= n || s[i + used] != ' ') {
    size_t tagged = parse_tag(s + i, n - i, r); /* a bare "tag[pid]: msg" */
    return i + tagged;
  }
  r->time = ts;
  pos = i + used;
  size_t at = pos + 1;
  size_t tagged = parse_tag(s + at, n - at, r);
  if (tagged)
    return at + tagged;
  if (!next_token(s, n, &pos, &t, &tl))
    return n;
  copy_field(r->host, sizeof r->host, t, tl);
  at = pos + 1;
  if (at < n && (tagged = parse_tag(s + at, n - at, r)))
    return at + tagged;
  return at < n ? at : n;
}

/* ---- DHCP --------------------------------------------------------------- */

/* dnsmasq-dhcp: "[xid ]DHCPACK(eth0) 10.0.0.5 52:54:00:12:34:56 [host]" */
int netlog_parse_dnsmasq(const char *s, size_t n, struct netlog_rec *r)
{
  size_t pos = 0;
  const char *t, *ip, *mac;
  size_t tl, ipl, macl;
  if (!next_token(s, n, &pos, &t, &tl))
    return -1;
  int64_t xid;
  if (parse_num(t, tl, INT64_MAX / 10, &xid) && !next_token(s, n, &pos, &t, &tl))
    return -1;
  const char *paren = memchr(t, '(', tl);
  if (tl < 6 || memcmp(t, "DHCP", 4) || !paren || t[tl - 1] != ')')
    return -1;
  size_t vl = (size_t)(paren - t);
  bool ack = vl == 7 && !memcmp(t, "DHCPACK", 7);
  bool rel = vl == 11 && !memcmp(t, "DHCPRELEASE", 11);
  if (!next_token(s, n, &pos, &ip, &ipl) || !is_ip(ip, ipl)) {
    if (ack || rel)
      return -1;
    clear_fields(r);
    r->kind = NL_INFO;
    r->parser = NLS_DNSMASQ;
    return 0;
  }
  char m[NETLOG_MAC_MAX] = "";
  bool has_mac = next_token(s, n, &pos, &mac, &macl) && norm_mac(mac, macl, m);
  if ((ack || rel) && !has_mac)
    return -1;
  clear_fields(r);
  r->parser = NLS_DNSMASQ;
  r->kind = ack ? NL_DHCP_ACK : rel ? NL_DHCP_RELEASE : NL_INFO;
  copy_field(r->in_ip, sizeof r->in_ip, ip, ipl);
  memcpy(r->mac, m, sizeof m);
  if (has_mac && next_token(s, n, &pos, &t, &tl))
    copy_field(r->client, sizeof r->client, t, tl);
  return 0;
}

/* ISC dhcpd: "DHCPACK on 10.0.0.5 to 52:54:00:12:34:56 (host) via eth0",
 * "DHCPRELEASE of 10.0.0.5 from 52:54:... (host) via eth0 (found)",
 * "DHCPEXPIRE on 10.0.0.5 to 52:54:..." */
int netlog_parse_dhcpd(const char *s, size_t n, struct netlog_rec *r)
{
  size_t pos = 0;
  const char *verb, *prep, *ip, *prep2, *mac, *t;
  size_t vl, pl, ipl, p2l, macl, tl;
  if (!next_token(s, n, &pos, &verb, &vl) || vl < 5 || memcmp(verb, "DHCP", 4))
    return -1;
  bool ack = tok_is(verb, vl, "DHCPACK"), rel = tok_is(verb, vl, "DHCPRELEASE"),
       exp = tok_is(verb, vl, "DHCPEXPIRE");
  if (!next_token(s, n, &pos, &prep, &pl) ||
      !(tok_is(prep, pl, "on") || tok_is(prep, pl, "of") || tok_is(prep, pl, "for") || tok_is(prep, pl, "from")))
    return -1;
  if (!(ack || rel || exp)) {
    clear_fields(r);
    r->kind = NL_INFO;
    r->parser = NLS_ISC_DHCPD;
    return 0;
  }
  char m[NETLOG_MAC_MAX];
  if (!next_token(s, n, &pos, &ip, &ipl) || !is_ip(ip, ipl) || !next_token(s, n, &pos, &prep2, &p2l) ||
      !(tok_is(prep2, p2l, "to") || tok_is(prep2, p2l, "from")) || !next_token(s, n, &pos, &mac, &macl) ||
      !norm_mac(mac, macl, m))
    return -1;
  clear_fields(r);
  r->parser = NLS_ISC_DHCPD;
  r->kind = ack ? NL_DHCP_ACK : NL_DHCP_RELEASE;
  copy_field(r->in_ip, sizeof r->in_ip, ip, ipl);
  memcpy(r->mac, m, sizeof m);
  if (next_token(s, n, &pos, &t, &tl) && tl > 2 && t[0] == '(' && t[tl - 1] == ')')
    copy_field(r->client, sizeof r->client, t + 1, tl - 2);
  return 0;
}

/* Kea memfile lease CSV: address,hwaddr,client_id,valid_lifetime,expire,
 * subnet_id,fqdn_fwd,fqdn_rev,hostname,state[,user_context,pool_id] */
int netlog_parse_kea_csv(const char *s, size_t n, struct netlog_rec *r)
{
  const char *f[10];
  size_t fl[10];
  size_t k = 0, st = 0;
  for (size_t i = 0; i <= n && k < 10; i++) {
    if (i == n || s[i] == ',') {
      f[k] = s + st;
      fl[k++] = i - st;
      st = i + 1;
    }
  }
  if (k < 10)
    return -1;
  if (tok_is(f[0], fl[0], "address") && tok_is(f[1], fl[1], "hwaddr")) {
    clear_fields(r);
    r->kind = NL_INFO;
    r->parser = NLS_KEA_CSV;
    return 0;
  }
  char m[NETLOG_MAC_MAX];
  int64_t life, expire, state;
  if (!is_ip(f[0], fl[0]) || !norm_mac(f[1], fl[1], m) || !parse_num(f[3], fl[3], INT32_MAX, &life) ||
      !parse_num(f[4], fl[4], INT64_MAX / 4, &expire) || !parse_num(f[9], fl[9], 255, &state))
    return -1;
  clear_fields(r);
  r->parser = NLS_KEA_CSV;
  r->kind = state == 0 ? NL_DHCP_ACK : NL_DHCP_RELEASE;
  copy_field(r->in_ip, sizeof r->in_ip, f[0], fl[0]);
  memcpy(r->mac, m, sizeof m);
  copy_field(r->client, sizeof r->client, f[8], fl[8]);
  r->lease_end = expire;
  r->time = expire - life;
  return 0;
}

/* ---- sessions ------------------------------------------------------------- */

static void set_proto(struct netlog_rec *r, const char *p, size_t n)
{
  int64_t num;
  const char *name = NULL;
  if (parse_num(p, n, 255, &num))
    name = num == 6 ? "tcp" : num == 17 ? "udp" : num == 1 ? "icmp" : num == 58 ? "icmpv6" : NULL;
  if (name) {
    strcpy(r->proto, name);
    return;
  }
  copy_field(r->proto, sizeof r->proto, p, n);
  for (char *c = r->proto; *c; c++)
    *c = (char)tolower((unsigned char)*c);
}

/* The keys the FortiGate parser reads, found in one pass: each one's first
 * occurrence exactly where kv() would find it (at a token start, outside
 * quotes as counted from the start of the line). */
enum fg_key {
  FG_SRCIP, FG_DSTIP, FG_SRCPORT, FG_DSTPORT, FG_TRANSIP, FG_TRANSPORT, FG_PROTO, FG_USER, FG_UNAUTHUSER,
  FG_SRCMAC, FG_MASTERSRCMAC, FG_SENTBYTE, FG_RCVDBYTE, FG_DATE, FG_TIME, FG_COUNT
};
static const char *const FG_NAMES[FG_COUNT] = {
    "srcip", "dstip", "srcport", "dstport", "transip", "transport", "proto", "user", "unauthuser",
    "srcmac", "mastersrcmac", "sentbyte", "rcvdbyte", "date", "time",
};

struct fg_vals {
  const char *v[FG_COUNT];
  size_t vl[FG_COUNT];
  unsigned found; /* bit per key */
};

static int fg_key_of(const char *k, size_t n)
{
  static const unsigned char len[FG_COUNT] = {5, 5, 7, 7, 7, 9, 5, 4, 10, 6, 12, 8, 8, 4, 4};
  for (int i = 0; i < FG_COUNT; i++)
    if (len[i] == n && FG_NAMES[i][0] == k[0] && !memcmp(FG_NAMES[i], k, n))
      return i;
  return -1;
}

static void fg_scan(const char *s, size_t n, struct fg_vals *fv)
{
  /* 1: a separator after which a key may start; 2: a quote */
  static const unsigned char special[256] = {[' '] = 1, [','] = 1, ['['] = 1, ['"'] = 2};
  fv->found = 0;
  bool quoted = false, start = true;
  size_t i = 0;
  while (i < n) {
    if (start && !quoted) {
      size_t lim = n - i < 14 ? n - i : 14, j = 0; /* the longest key is 12 bytes */
      while (j < lim && s[i + j] != '=' && !special[(unsigned char)s[i + j]])
        j++;
      int k = j && j < lim && s[i + j] == '=' ? fg_key_of(s + i, j) : -1;
      if (k >= 0 && !(fv->found & (1u << k))) {
        size_t v = i + j + 1, e;
        if (v < n && s[v] == '"') {
          v++;
          const char *q = memchr(s + v, '"', n - v);
          e = q ? (size_t)(q - s) : n;
        } else {
          for (e = v; e < n && s[e] != ' ' && s[e] != ','; e++)
            ;
        }
        fv->v[k] = s + v;
        fv->vl[k] = e - v;
        fv->found |= 1u << k;
      }
    }
    while (i < n && !special[(unsigned char)s[i]])
      i++;
    if (i >= n)
      break;
    if (s[i] == '"')
      quoted = !quoted;
    start = s[i] != '"';
    i++;
  }
}

static bool fg_get(const struct fg_vals *fv, enum fg_key k, const char **v, size_t *vl)
{
  if (!(fv->found & (1u << k)))
    return false;
  *v = fv->v[k];
  *vl = fv->vl[k];
  return true;
}

/* FortiGate traffic: key=value pairs, values optionally quoted. */
int netlog_parse_fortigate(const char *s, size_t n, struct netlog_rec *r)
{
  const char *v;
  size_t vl;
  const char *src, *dst;
  size_t srcl, dstl;
  struct fg_vals fv;
  fg_scan(s, n, &fv);
  if (!fg_get(&fv, FG_SRCIP, &src, &srcl) || !fg_get(&fv, FG_DSTIP, &dst, &dstl) || !is_ip(src, srcl) ||
      !is_ip(dst, dstl))
    return -1;
  clear_fields(r);
  r->parser = NLS_FORTIGATE;
  r->kind = NL_SESSION;
  copy_field(r->in_ip, sizeof r->in_ip, src, srcl);
  copy_field(r->dst_ip, sizeof r->dst_ip, dst, dstl);
  if (fg_get(&fv, FG_SRCPORT, &v, &vl) && !parse_port(v, vl, &r->in_port))
    r->in_port = 0;
  if (fg_get(&fv, FG_DSTPORT, &v, &vl) && !parse_port(v, vl, &r->dst_port))
    r->dst_port = 0;
  if (fg_get(&fv, FG_TRANSIP, &v, &vl) && is_ip(v, vl))
    copy_field(r->tr_ip, sizeof r->tr_ip, v, vl);
  if (fg_get(&fv, FG_TRANSPORT, &v, &vl) && !parse_port(v, vl, &r->tr_port))
    r->tr_port = 0;
  if (fg_get(&fv, FG_PROTO, &v, &vl))
    set_proto(r, v, vl);
  if ((fg_get(&fv, FG_USER, &v, &vl) || fg_get(&fv, FG_UNAUTHUSER, &v, &vl)) && vl)
    copy_field(r->user, sizeof r->user, v, vl);
  char m[NETLOG_MAC_MAX];
  if ((fg_get(&fv, FG_SRCMAC, &v, &vl) || fg_get(&fv, FG_MASTERSRCMAC, &v, &vl)) && norm_mac(v, vl, m))
    memcpy(r->mac, m, sizeof m);
  int64_t b;
  if (fg_get(&fv, FG_SENTBYTE, &v, &vl) && parse_num(v, vl, INT64_MAX / 4, &b))
    r->bytes += b;
  if (fg_get(&fv, FG_RCVDBYTE, &v, &vl) && parse_num(v, vl, INT64_MAX / 4, &b))
    r->bytes += b;
  const char *dv, *tv;
  size_t dvl, tvl;
  if (!r->time && fg_get(&fv, FG_DATE, &dv, &dvl) && fg_get(&fv, FG_TIME, &tv, &tvl) && dvl == 10 && tvl == 8) {
    char iso[20];
    memcpy(iso, dv, 10);
    iso[10] = 'T';
    memcpy(iso + 11, tv, 8);
    int64_t t;
    if (parse_rfc3339(iso, 19, &t) == 19)
      r->time = t;
  }
  return 0;
}

/* iptables LOG target: "... IN=eth0 OUT=eth1 MAC=... SRC=a DST=b ... PROTO=TCP SPT=1 DPT=2" */
int netlog_parse_iptables(const char *s, size_t n, struct netlog_rec *r)
{
  const char *src, *dst, *pr, *v;
  size_t srcl, dstl, prl, vl;
  if (!kv(s, n, "SRC", &src, &srcl) || !kv(s, n, "DST", &dst, &dstl) || !kv(s, n, "PROTO", &pr, &prl) ||
      !is_ip(src, srcl) || !is_ip(dst, dstl))
    return -1;
  clear_fields(r);
  r->parser = NLS_IPTABLES;
  r->kind = NL_SESSION;
  copy_field(r->in_ip, sizeof r->in_ip, src, srcl);
  copy_field(r->dst_ip, sizeof r->dst_ip, dst, dstl);
  set_proto(r, pr, prl);
  if (kv(s, n, "SPT", &v, &vl) && !parse_port(v, vl, &r->in_port))
    r->in_port = 0;
  if (kv(s, n, "DPT", &v, &vl) && !parse_port(v, vl, &r->dst_port))
    r->dst_port = 0;
  /* MAC=dst(6):src(6):type(2) on an Ethernet input */
  if (kv(s, n, "MAC", &v, &vl) && vl >= 35)
    (void)norm_mac(v + 18, 17, r->mac);
  int64_t b;
  if (kv(s, n, "LEN", &v, &vl) && parse_num(v, vl, 1 << 20, &b))
    r->bytes = b;
  return 0;
}

/* conntrack -E [-o timestamp]: "[1700000000.123456]    [NEW] tcp 6 120
 * SYN_SENT src=10.0.0.5 dst=93.184.216.34 sport=51234 dport=443
 * [UNREPLIED] src=93.184.216.34 dst=203.0.113.5 sport=443 dport=40000".
 * The reply tuple's destination is the translated (public) address. */
int netlog_parse_conntrack(const char *s, size_t n, struct netlog_rec *r)
{
  const char *o_src, *o_dst, *r_dst, *v;
  size_t o_srcl, o_dstl, r_dstl, vl;
  if (!kv_nth(s, n, "src", 0, &o_src, &o_srcl) || !kv_nth(s, n, "dst", 0, &o_dst, &o_dstl) ||
      !kv_nth(s, n, "dst", 1, &r_dst, &r_dstl) || !is_ip(o_src, o_srcl) || !is_ip(o_dst, o_dstl) ||
      !is_ip(r_dst, r_dstl))
    return -1;
  /* the protocol: the first of these names as a word */
  static const char *const protos[] = {"tcp", "udp", "icmp", "icmpv6", "sctp", "dccp", "gre", "udplite"};
  const char *pname = NULL;
  size_t pos = 0;
  const char *t;
  size_t tl;
  int64_t stamp = 0;
  while (!pname && next_token(s, n, &pos, &t, &tl)) {
    if (tl > 2 && t[0] == '[' && t[1] >= '0' && t[1] <= '9') {
      size_t d = 1;
      while (d < tl && t[d] >= '0' && t[d] <= '9')
        d++;
      if (!parse_num(t + 1, d - 1, INT64_MAX / 4, &stamp))
        stamp = 0;
      continue;
    }
    for (size_t k = 0; k < ARRAY_LEN(protos) && !pname; k++)
      if (tok_is(t, tl, protos[k]))
        pname = protos[k];
    if (memchr(t, '=', tl))
      break;
  }
  clear_fields(r);
  r->parser = NLS_CONNTRACK;
  r->kind = NL_SESSION;
  if (stamp)
    r->time = stamp;
  if (pname)
    strcpy(r->proto, pname);
  copy_field(r->in_ip, sizeof r->in_ip, o_src, o_srcl);
  copy_field(r->dst_ip, sizeof r->dst_ip, o_dst, o_dstl);
  if (kv_nth(s, n, "sport", 0, &v, &vl) && !parse_port(v, vl, &r->in_port))
    r->in_port = 0;
  if (kv_nth(s, n, "dport", 0, &v, &vl) && !parse_port(v, vl, &r->dst_port))
    r->dst_port = 0;
  /* no translation: the reply comes back to the original source */
  if (!(r_dstl == o_srcl && !memcmp(r_dst, o_src, o_srcl))) {
    copy_field(r->tr_ip, sizeof r->tr_ip, r_dst, r_dstl);
    if (kv_nth(s, n, "dport", 1, &v, &vl) && !parse_port(v, vl, &r->tr_port))
      r->tr_port = 0;
  }
  int64_t b;
  for (int k = 0; k < 2; k++)
    if (kv_nth(s, n, "bytes", k, &v, &vl) && parse_num(v, vl, INT64_MAX / 4, &b))
      r->bytes += b;
  return 0;
}

/* ---- logins: FreeRADIUS, MikroTik hotspot, pfSense captive portal ---------- */

/* A MAC in any of the usual spellings: six pairs split by ':' or '-',
 * twelve bare hex digits, or Cisco's "aabb.ccdd.eeff". */
static bool norm_mac_any(const char *s, size_t n, char out[NETLOG_MAC_MAX])
{
  if (norm_mac(s, n, out))
    return true;
  char hex[12];
  size_t k = 0;
  if (n == 12) {
    memcpy(hex, s, 12);
    k = 12;
  } else if (n == 14 && s[4] == '.' && s[9] == '.') {
    for (size_t i = 0; i < n; i++)
      if (s[i] != '.')
        hex[k++] = s[i];
  }
  if (k != 12)
    return false;
  char m[NETLOG_MAC_MAX];
  for (int i = 0; i < 6; i++) {
    m[i * 3] = hex[i * 2];
    m[i * 3 + 1] = hex[i * 2 + 1];
    m[i * 3 + 2] = i < 5 ? ':' : '\0';
  }
  return norm_mac(m, 17, out);
}

static int month_of(const char *s)
{
  for (int i = 0; i < 12; i++)
    if (!memcmp(s, MONTHS + i * 3, 3))
      return i;
  return -1;
}

static bool local_time(int y, int mon, int d, int h, int mi, int se, int64_t *out)
{
  if (y < 1970 || y > 9999 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return false;
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mon, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se,
                  .tm_isdst = -1};
  time_t t = mktime(&tm);
  if (t == (time_t)-1)
    return false;
  *out = (int64_t)t;
  return true;
}

/* ctime()'s "Www Mmm dd hh:mm:ss yyyy" (radiusd's log and detail files,
 * local time); returns 24 or 0. */
static size_t parse_ctime(const char *s, size_t n, int64_t *out)
{
  if (n < 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != ' ')
    return 0;
  static const char DAYS[] = "SunMonTueWedThuFriSat";
  bool day = false;
  for (int i = 0; i < 7; i++)
    day = day || !memcmp(s, DAYS + i * 3, 3);
  int mon = month_of(s + 4);
  int d, h, mi, se, y;
  char dd[2] = {s[8] == ' ' ? '0' : s[8], s[9]};
  if (!day || mon < 0 || !digits(dd, 2, &d) || !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
      !digits(s + 17, 2, &se) || !digits(s + 20, 4, &y) || !local_time(y, mon, d, h, mi, se, out))
    return 0;
  return 24;
}

/* FreeRADIUS's date value "Mmm dd yyyy hh:mm:ss ZONE" (Event-Timestamp in
 * a detail file). A numeric zone ("+03", "+0300", "-05:00") or UTC / GMT
 * is exact (*exact = true); any other zone name is taken as local time. */
static bool parse_radius_date(const char *s, size_t n, int64_t *out, bool *exact)
{
  int d, y, h, mi, se;
  if (n < 20 || s[3] != ' ' || s[6] != ' ' || s[11] != ' ' || s[14] != ':' || s[17] != ':')
    return false;
  int mon = month_of(s);
  char dd[2] = {s[4] == ' ' ? '0' : s[4], s[5]};
  if (mon < 0 || !digits(dd, 2, &d) || !digits(s + 7, 4, &y) || !digits(s + 12, 2, &h) || !digits(s + 15, 2, &mi) ||
      !digits(s + 18, 2, &se) || y < 1970 || y > 9999 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
    return false;
  const char *z = s + 20;
  size_t zl = n - 20;
  while (zl && *z == ' ') {
    z++;
    zl--;
  }
  int64_t utc = days_from_civil(y, mon + 1, d) * 86400 + h * 3600 + mi * 60 + se;
  if (tok_is(z, zl, "UTC") || tok_is(z, zl, "GMT") || tok_is(z, zl, "Z")) {
    *exact = true;
    *out = utc;
    return true;
  }
  if ((zl == 3 || zl == 5 || zl == 6) && (z[0] == '+' || z[0] == '-')) {
    int oh, om = 0;
    bool ok = digits(z + 1, 2, &oh) && (zl == 3 || (zl == 5 && digits(z + 3, 2, &om)) ||
                                       (zl == 6 && z[3] == ':' && digits(z + 4, 2, &om)));
    if (!ok || oh > 23 || om > 59)
      return false;
    *out = utc - (int64_t)(oh * 3600 + om * 60) * (z[0] == '-' ? -1 : 1);
    *exact = true;
    return true;
  }
  *exact = false;
  return local_time(y, mon, d, h, mi, se, out);
}

/* A position in s after which a new attribute may start: the start, a
 * blank, a comma, or rsyslog's escaped tab / newline ("#011", "#012"). */
static bool attr_boundary(const char *s, size_t i)
{
  if (i == 0)
    return true;
  char c = s[i - 1];
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',')
    return true;
  return i >= 4 && s[i - 4] == '#' && s[i - 3] == '0' && s[i - 2] == '1' && (s[i - 1] == '1' || s[i - 1] == '2');
}

/* The value of "Attr = value" (blanks around '=' optional) in s: a quoted
 * one up to its closing quote, a plain one up to a blank, comma or '#'. */
static bool attr_value(const char *s, size_t n, const char *key, const char **val, size_t *vlen)
{
  size_t kl = strlen(key);
  for (size_t i = 0; i + kl < n; i++) {
    if (memcmp(s + i, key, kl) || !attr_boundary(s, i))
      continue;
    size_t p = i + kl;
    while (p < n && s[p] == ' ')
      p++;
    if (p >= n || s[p] != '=')
      continue;
    p++;
    while (p < n && s[p] == ' ')
      p++;
    size_t e;
    if (p < n && s[p] == '"') {
      p++;
      for (e = p; e < n && s[e] != '"'; e += s[e] == '\\' && e + 1 < n ? 2 : 1)
        ;
      if (e > n)
        e = n;
    } else {
      for (e = p; e < n && s[e] != ' ' && s[e] != '\t' && s[e] != '\n' && s[e] != '\r' && s[e] != ',' && s[e] != '#';
           e++)
        ;
    }
    *val = s + p;
    *vlen = e - p;
    return true;
  }
  return false;
}

/* The login name, never a password that radiusd may log after a '/'. */
static void set_user(struct netlog_rec *r, const char *u, size_t n)
{
  const char *slash = memchr(u, '/', n);
  copy_field(r->user, sizeof r->user, u, slash ? (size_t)(slash - u) : n);
}

static const char LOGIN_OK[] = "Login OK: [";

/* Relays may leave a blank before the message (rsyslog's %msg% of an
 * RFC 3164 line in an RFC 5424 template). */
static void skip_blanks(const char **s, size_t *n)
{
  while (*n && (**s == ' ' || **s == '\t')) {
    (*s)++;
    (*n)--;
  }
}

int netlog_parse_radiusd(const char *s, size_t n, struct netlog_rec *r)
{
  skip_blanks(&s, &n);
  int64_t t = 0;
  size_t i = parse_ctime(s, n, &t);
  if (i) {
    if (i + 3 > n || memcmp(s + i, " : ", 3))
      return -1;
    i += 3;
  }
  if (n - i >= 6 && !memcmp(s + i, "Auth: ", 6))
    i += 6;
  if (i < n && s[i] == '(') { /* the request number */
    size_t j = i + 1;
    while (j < n && s[j] >= '0' && s[j] <= '9')
      j++;
    if (j == i + 1 || j + 1 >= n || s[j] != ')' || s[j + 1] != ' ')
      return -1;
    i = j + 2;
  }
  bool ok = n - i >= sizeof LOGIN_OK - 1 && !memcmp(s + i, LOGIN_OK, sizeof LOGIN_OK - 1);
  bool bad = n - i >= 16 && !memcmp(s + i, "Login incorrect", 15);
  if (!ok && !bad)
    return -1;
  /* "[user] (from client NAS port P cli MAC[ via ...])" */
  static const char FROM[] = "] (from client ";
  const char *open = memchr(s + i, '[', n - i);
  const char *from = open ? memmem(open, (size_t)(s + n - open), FROM, sizeof FROM - 1) : NULL;
  if (!from)
    return -1;
  const char *user = open + 1;
  size_t ul = (size_t)(from - user);
  const char *p = from + sizeof FROM - 1;
  size_t rest = (size_t)(s + n - p);
  const char *close = memchr(p, ')', rest);
  size_t pl = close ? (size_t)(close - p) : rest;
  const char *tok, *nas = NULL;
  size_t tl, nasl = 0, pos = 0;
  char mac[NETLOG_MAC_MAX] = "";
  bool first = true, want_cli = false;
  while (next_token(p, pl, &pos, &tok, &tl)) {
    if (first)
      nas = tok, nasl = tl;
    else if (want_cli)
      (void)norm_mac_any(tok, tl, mac);
    first = false;
    want_cli = tok_is(tok, tl, "cli");
  }
  clear_fields(r);
  r->parser = NLS_FREERADIUS;
  if (t)
    r->time = t;
  set_user(r, user, ul);
  if (nas)
    copy_field(r->client, sizeof r->client, nas, nasl);
  memcpy(r->mac, mac, sizeof mac);
  r->kind = ok && r->user[0] && r->mac[0] ? NL_LOGIN : NL_INFO;
  return 0;
}

int netlog_parse_radacct(const char *s, size_t n, struct netlog_rec *r)
{
  const char *st, *user, *v;
  size_t stl, userl, vl;
  if (!attr_value(s, n, "Acct-Status-Type", &st, &stl) || !attr_value(s, n, "User-Name", &user, &userl))
    return -1;
  bool start = tok_is(st, stl, "Start") || tok_is(st, stl, "Interim-Update") || tok_is(st, stl, "Alive");
  bool stop = tok_is(st, stl, "Stop");
  char ip[NETLOG_IP_MAX] = "", mac[NETLOG_MAC_MAX] = "";
  if (attr_value(s, n, "Framed-IP-Address", &v, &vl) && is_ip(v, vl))
    copy_field(ip, sizeof ip, v, vl);
  else if (attr_value(s, n, "Framed-IPv6-Address", &v, &vl) && is_ip(v, vl))
    copy_field(ip, sizeof ip, v, vl);
  if (attr_value(s, n, "Calling-Station-Id", &v, &vl))
    (void)norm_mac_any(v, vl, mac);
  /* the moment: Event-Timestamp (a number, or a date with a zone), the
   * detail writer's Timestamp, a zone-less Event-Timestamp, the date line */
  int64_t t = 0, num;
  bool exact = false;
  bool has_ev = attr_value(s, n, "Event-Timestamp", &v, &vl);
  if (has_ev && parse_num(v, vl, INT64_MAX / 4, &num))
    t = num;
  else if (has_ev && parse_radius_date(v, vl, &num, &exact) && exact)
    t = num;
  const char *tv;
  size_t tvl;
  if (!t && attr_value(s, n, "Timestamp", &tv, &tvl) && parse_num(tv, tvl, INT64_MAX / 4, &num))
    t = num;
  if (!t && has_ev && parse_radius_date(v, vl, &num, &exact))
    t = num;
  if (!t && parse_ctime(s, n, &num))
    t = num;
  clear_fields(r);
  r->parser = NLS_FREERADIUS;
  if (t)
    r->time = t;
  set_user(r, user, userl);
  memcpy(r->in_ip, ip, sizeof ip);
  memcpy(r->mac, mac, sizeof mac);
  if (attr_value(s, n, "NAS-Identifier", &v, &vl) || attr_value(s, n, "NAS-IP-Address", &v, &vl))
    copy_field(r->client, sizeof r->client, v, vl);
  int64_t b;
  if (attr_value(s, n, "Acct-Input-Octets", &v, &vl) && parse_num(v, vl, INT64_MAX / 4, &b))
    r->bytes += b;
  if (attr_value(s, n, "Acct-Output-Octets", &v, &vl) && parse_num(v, vl, INT64_MAX / 4, &b))
    r->bytes += b;
  bool bound = r->user[0] && (r->in_ip[0] || r->mac[0]);
  r->kind = bound && start ? NL_LOGIN : bound && stop ? NL_LOGOUT : NL_INFO;
  return 0;
}

int netlog_parse_hotspot(const char *s, size_t n, struct netlog_rec *r)
{
  skip_blanks(&s, &n);
  size_t i = 0;
  const char *sp = memchr(s, ' ', n);
  /* RouterOS's topics, when it sends no tag: "hotspot,account,info,debug" */
  if (sp && memchr(s, ',', (size_t)(sp - s)) && memmem(s, (size_t)(sp - s), "hotspot", 7))
    i = (size_t)(sp - s) + 1;
  static const char END[] = "): ";
  const char *end = memmem(s + i, n - i, END, sizeof END - 1);
  if (!end)
    return -1;
  const char *open = NULL;
  for (const char *p = end; p > s + i; p--)
    if (p[-1] == '(' && p - 1 > s + i && p[-2] == ' ') {
      open = p - 1;
      break;
    }
  if (!open || !is_ip(open + 1, (size_t)(end - open - 1)))
    return -1;
  const char *what = end + sizeof END - 1;
  size_t wl = (size_t)(s + n - what);
  bool in = wl == 9 && !memcmp(what, "logged in", 9);
  bool out = wl >= 10 && !memcmp(what, "logged out", 10) && (wl == 10 || what[10] == ':');
  bool info = (wl >= 12 && !memcmp(what, "login failed", 12)) || (wl >= 17 && !memcmp(what, "trying to log in", 16));
  if (!in && !out && !info)
    return -1;
  clear_fields(r);
  r->parser = NLS_MIKROTIK;
  r->kind = in ? NL_LOGIN : out ? NL_LOGOUT : NL_INFO;
  size_t ul = (size_t)(open - 1 - (s + i));
  copy_field(r->user, sizeof r->user, s + i, ul);
  copy_field(r->in_ip, sizeof r->in_ip, open + 1, (size_t)(end - open - 1));
  char m[NETLOG_MAC_MAX];
  if (norm_mac(s + i, ul, m)) /* MAC authentication: the user is the device */
    memcpy(r->mac, m, sizeof m);
  if (!r->user[0])
    r->kind = NL_INFO;
  return 0;
}

/* "STATUS: USER, MAC, IP[, message]" after pfSense's "Zone: Z - " */
int netlog_parse_portal(const char *s, size_t n, struct netlog_rec *r)
{
  skip_blanks(&s, &n);
  const char *zone = NULL;
  size_t zl = 0, i = 0;
  if (n > 6 && !memcmp(s, "Zone: ", 6)) {
    const char *dash = memmem(s + 6, n - 6, " - ", 3);
    if (!dash)
      return -1;
    zone = s + 6;
    zl = (size_t)(dash - zone);
    i = (size_t)(dash - s) + 3;
  } else if (strcmp(r->tag, "logportalauth") != 0) {
    return -1;
  }
  const char *colon = memmem(s + i, n - i, ": ", 2);
  if (!colon)
    return -1;
  const char *status = s + i;
  size_t sl = (size_t)(colon - status);
  const char *f[3];
  size_t fl[3], k = 0;
  const char *p = colon + 2, *e = s + n;
  while (k < 3 && p <= e) {
    const char *c = memchr(p, ',', (size_t)(e - p));
    f[k] = p;
    fl[k] = (size_t)((c ? c : e) - p);
    k++;
    if (!c)
      break;
    p = c + 1;
    while (p < e && *p == ' ')
      p++;
  }
  char m[NETLOG_MAC_MAX];
  if (k < 3 || !norm_mac_any(f[1], fl[1], m) || !is_ip(f[2], fl[2]))
    return -1;
  bool accept = tok_is(status, sl, "ACCEPT") || memmem(status, sl, "RE-AUTH", 7) != NULL;
  bool end = !accept && (memmem(status, sl, "LOGOUT", 6) || memmem(status, sl, "DISCONNECT", 10) ||
                         memmem(status, sl, "TIMEOUT", 7) || memmem(status, sl, "TERMINATING", 11));
  clear_fields(r);
  r->parser = NLS_PORTAL;
  copy_field(r->user, sizeof r->user, f[0], fl[0]);
  memcpy(r->mac, m, sizeof m);
  copy_field(r->in_ip, sizeof r->in_ip, f[2], fl[2]);
  if (zone)
    copy_field(r->client, sizeof r->client, zone, zl);
  r->kind = !r->user[0] ? NL_INFO : accept ? NL_LOGIN : end ? NL_LOGOUT : NL_INFO;
  return 0;
}

/* ---- detail files: several lines, one record ------------------------------ */

static void join_emit(struct netlog_joiner *j, netlog_frame_fn fn, void *u)
{
  if (j->open)
    fn(u, j->b, j->len, j->cut ? NETLOG_FRAME_TRUNCATED : 0);
  j->open = j->cut = false;
  j->len = 0;
}

static void join_add(struct netlog_joiner *j, const char *s, size_t n)
{
  size_t room = sizeof j->b - j->len;
  if (n > room) {
    n = room;
    j->cut = true;
  }
  memcpy(j->b + j->len, s, n);
  j->len += n;
}

void netlog_join(struct netlog_joiner *j, const char *line, size_t n, netlog_frame_fn fn, void *u)
{
  size_t k = n;
  while (k && line[k - 1] == '\r')
    k--;
  int64_t t;
  if (j->open && k && (line[0] == '\t' || line[0] == ' ')) {
    join_add(j, "\n", 1);
    join_add(j, line, n);
    return;
  }
  bool ended = j->open && !k; /* the empty line that closes a record */
  join_emit(j, fn, u);
  if (k == 24 && parse_ctime(line, k, &t)) {
    j->open = true;
    join_add(j, line, n);
    return;
  }
  if (!ended)
    fn(u, line, n, 0);
}

void netlog_join_flush(struct netlog_joiner *j, netlog_frame_fn fn, void *u)
{
  join_emit(j, fn, u);
}

/* ---- the whole line ----------------------------------------------------- */

enum netlog_kind netlog_parse_line(const char *line, size_t n, int64_t now, struct netlog_rec *r)
{
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == '\0'))
    n--;
  clear_fields(r);
  r->raw = line;
  r->raw_len = n;
  size_t off = netlog_parse_header(line, n, now, r);
  const char *m = line + off;
  size_t mn = n - off;
  int64_t htime = r->time;
  int (*const parsers[])(const char *, size_t, struct netlog_rec *) = {
      netlog_parse_dnsmasq, netlog_parse_dhcpd, netlog_parse_fortigate,
      netlog_parse_conntrack, netlog_parse_iptables, netlog_parse_kea_csv,
      netlog_parse_radiusd,   netlog_parse_radacct,  netlog_parse_hotspot, netlog_parse_portal,
  };
  for (size_t i = 0; i < ARRAY_LEN(parsers); i++)
    if (parsers[i](m, mn, r) == 0)
      break;
  if (!r->time)
    r->time = htime ? htime : now;
  return r->kind;
}

/* ---- TCP framing (RFC 6587) ---------------------------------------------- */

size_t netlog_frames(struct netlog_framer *f, const char *in, size_t n, netlog_frame_fn fn, void *u)
{
  size_t pos = 0;
  while (pos < n) {
    const char *b = in + pos;
    size_t avail = n - pos;
    if (f->skip) {
      size_t k = avail < f->skip ? avail : f->skip;
      f->skip -= k;
      pos += k;
      continue;
    }
    if (f->discard) {
      const char *nl = memchr(b, '\n', avail);
      pos += nl ? (size_t)(nl - b) + 1 : avail;
      f->discard = !nl;
      continue;
    }
    if (b[0] == '\n' || b[0] == '\r') {
      pos++;
      continue;
    }
    if (b[0] >= '1' && b[0] <= '9') {
      enum { DIGITS_MAX = 9 };
      size_t d = 0;
      uint64_t len = 0;
      while (d < avail && d < DIGITS_MAX && b[d] >= '0' && b[d] <= '9')
        len = len * 10 + (uint64_t)(b[d++] - '0');
      if (d < avail && b[d] == ' ') {
        if (len > NETLOG_LINE_MAX) {
          fn(u, b, 0, NETLOG_FRAME_DROPPED);
          f->skip = (size_t)len;
          pos += d + 1;
          continue;
        }
        if (avail < d + 1 + len)
          break; /* wait for the rest */
        fn(u, b + d + 1, (size_t)len, 0);
        pos += d + 1 + (size_t)len;
        continue;
      }
      if (d == avail && d < DIGITS_MAX)
        break; /* only digits so far */
    }
    const char *nl = memchr(b, '\n', avail);
    if (nl) {
      size_t l = (size_t)(nl - b); /* a reader's buffer may hold more than the limit */
      if (l > NETLOG_LINE_MAX)
        fn(u, b, NETLOG_LINE_MAX, NETLOG_FRAME_TRUNCATED);
      else
        fn(u, b, l, 0);
      pos += l + 1;
      continue;
    }
    if (avail >= NETLOG_LINE_MAX) {
      fn(u, b, NETLOG_LINE_MAX, NETLOG_FRAME_TRUNCATED);
      pos += avail;
      f->discard = true;
      continue;
    }
    break;
  }
  return pos;
}

const char *netlog_kind_name(enum netlog_kind k)
{
  static const char *const names[] = {"unknown", "dhcp_ack", "dhcp_release", "session", "info", "login", "logout"};
  return (unsigned)k < ARRAY_LEN(names) ? names[k] : "unknown";
}

const char *netlog_parser_name(enum netlog_source s)
{
  static const char *const names[] = {"",         "dnsmasq",    "dhcpd",    "kea",          "fortigate",
                                      "iptables", "conntrack", "freeradius", "mikrotik", "captiveportal"};
  return (unsigned)s < ARRAY_LEN(names) ? names[s] : "";
}
