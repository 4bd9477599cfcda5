/* test_block.c - the field codec of segment blocks (src/netlog/block.c)
 * and what segment.c builds on it: every line comes back byte for byte
 * (odd quoting, missing, extra and duplicated keys, plain text, control
 * bytes, random bytes); a record whose fields are not what its line
 * parses to comes back with its own fields; the point index skips blocks
 * and lines that cannot answer; the one-pass FortiGate parser finds what
 * the key-by-key search found. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../src/netlog/netlog.h"
#include "../../../src/netlog/block.h"

struct got {
  char **lines;
  size_t *lens;
  int64_t *times;
  int *modes;
  size_t n, cap;
};

static int collect_line(void *u, const char *line, size_t len, int64_t time, int mode)
{
  struct got *g = u;
  if (g->n == g->cap) {
    g->cap = g->cap ? g->cap * 2 : 64;
    g->lines = realloc(g->lines, g->cap * sizeof *g->lines);
    g->lens = realloc(g->lens, g->cap * sizeof *g->lens);
    g->times = realloc(g->times, g->cap * sizeof *g->times);
    g->modes = realloc(g->modes, g->cap * sizeof *g->modes);
  }
  g->lines[g->n] = malloc(len + 1);
  memcpy(g->lines[g->n], line, len);
  g->lens[g->n] = len;
  g->times[g->n] = time;
  g->modes[g->n] = mode;
  g->n++;
  return 0;
}

static void got_free(struct got *g)
{
  for (size_t i = 0; i < g->n; i++)
    free(g->lines[i]);
  free(g->lines);
  free(g->lens);
  free(g->times);
  free(g->modes);
  memset(g, 0, sizeof *g);
}

/* Encodes lines (lens given) and decodes them again: all must match. */
static void roundtrip(struct nlb_enc *e, const char *const *lines, const size_t *lens, size_t n)
{
  size_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += lens[i];
  char *text = malloc(total + 1);
  struct nlb_line *ls = calloc(n ? n : 1, sizeof *ls);
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(text + off, lines[i], lens[i]);
    ls[i] = (struct nlb_line){(uint32_t)off, (uint32_t)lens[i], 1700000000 + (int64_t)(i % 7) * 13 - 20,
                              (uint8_t)(i % 11 == 10 ? NLB_EXPLICIT : NLB_DERIVED), (uint8_t)(i % 5 == 3)};
    off += lens[i];
  }
  struct nlb_vec out = {0};
  nlb_encode(e, text, ls, n, &out);
  struct got g = {0};
  assert_int_equal(nlb_decode(out.p, out.len, (uint32_t)n, collect_line, &g), 0);
  assert_int_equal(g.n, n);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(g.lens[i], lens[i]);
    assert_memory_equal(g.lines[i], lines[i], lens[i]);
    assert_int_equal(g.times[i], ls[i].time);
    assert_int_equal(g.modes[i], ls[i].mode);
  }
  /* the lines kept as text alone, from the payload and from its prefixes */
  size_t ntext = 0;
  for (size_t i = 0; i < n; i++)
    ntext += ls[i].mode == NLB_EXPLICIT || ls[i].text;
  struct got tx = {0};
  assert_int_equal(nlb_decode_text(out.p, out.len, (uint32_t)n, collect_line, &tx), 0);
  assert_true(tx.n >= ntext); /* and the lines the tokenizer could not take */
  for (size_t cut = 0; cut < out.len; cut += 1 + out.len / 50) {
    struct got h = {0};
    int rc = nlb_decode_text(out.p, cut, (uint32_t)n, collect_line, &h);
    assert_true(rc == -2 || (rc == 0 && h.n == tx.n));
    got_free(&h);
  }
  got_free(&tx);
  /* damage: a cut payload never decodes to more than it holds */
  for (size_t cut = 0; cut < out.len; cut += 1 + out.len / 64) {
    struct got h = {0};
    int rc = nlb_decode(out.p, cut, (uint32_t)n, collect_line, &h);
    assert_true(rc != 0 || h.n == n);
    got_free(&h);
  }
  got_free(&g);
  nlb_vec_free(&out);
  free(ls);
  free(text);
}

static const char FGT[] =
    "<189>Nov 22 10:00:00 FGT-MERKEZ date=2026-11-22 time=10:00:00 devname=\"FGT-MERKEZ\" devid=\"FG200FT921900123\" "
    "eventtime=1795294800355263418 tz=\"+0300\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" "
    "level=\"notice\" vd=\"root\" srcip=10.10.1.56 srcport=14826 srcintf=\"port2\" srcintfrole=\"lan\" "
    "dstip=104.176.221.114 dstport=443 dstintf=\"wan1\" dstintfrole=\"wan\" sessionid=1803456791 proto=17 "
    "action=\"accept\" policyid=1 policytype=\"policy\" service=\"QUIC\" trandisp=\"snat\" transip=203.0.113.10 "
    "transport=43992 duration=180 sentbyte=16636 rcvdbyte=104792 sentpkt=26 rcvdpkt=90";

static void test_odd_lines_roundtrip(void **state)
{
  (void)state;
  static const char *const lines[] = {
      FGT,
      /* odd quoting */
      "srcip=10.0.0.1 user=\"a b\"c dstip=1.1.1.1",
      "srcip=10.0.0.1 user=\"unterminated dstip=1.1.1.1",
      "srcip=10.0.0.1 msg=\"\" empty=\"\" q=\"\"\" dstip=1.1.1.1",
      "k=\"a\"\"b\" k2=\"x y z\" k3=\"",
      "a=\"quoted at end\"",
      "\"=x =y == a==b",
      /* missing, extra and duplicated keys */
      "srcip=10.0.0.2 dstport=443",
      "srcip=10.0.0.3 srcip=10.0.0.4 srcip=10.0.0.5 dstip=2.2.2.2 dstip=010.1.1.1 sessionid=007 sessionid=7",
      "date=2026-11-22 time=10:00:00 extra1=1 extra2=2 extra3=18446744073709551615 extra4=9223372036854775807",
      "x=-5 y=+5 z=0 w=00 v=1.2.3 u=256.1.1.1 t=1.1.1.1.1",
      /* plain text, spaces */
      "<30>Nov  2 10:00:00 dhcp1 dnsmasq-dhcp[812]: DHCPACK(eth1) 10.10.1.2 3c:7a:a1:00:00:00 pc-0000",
      "  leading and trailing spaces  ",
      " ",
      "",
      "no_equals_here_at_all",
      "tab\there nl\nhere cr\rhere",
      "\x01\x01 hole bytes \x01=\x01 k=\x01",
      "\xff\xfe\xc3\x28 not utf-8 k=\xff",
      "k=v,k2=v2,[k3=v3] k4=[v4]",
  };
  size_t n = sizeof lines / sizeof *lines;
  size_t lens[sizeof lines / sizeof *lines];
  for (size_t i = 0; i < n; i++)
    lens[i] = strlen(lines[i]);
  struct nlb_enc *e = nlb_enc_new();
  roundtrip(e, lines, lens, n);
  /* NUL bytes inside a line */
  static const char nul[] = "k=a\0b srcip=10.0.0.1\0 \0";
  const char *l2[] = {nul, FGT};
  size_t n2[] = {sizeof nul - 1, strlen(FGT)};
  roundtrip(e, l2, n2, 2);
  /* an empty block */
  roundtrip(e, lines, lens, 0);
  nlb_enc_free(e);
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

static void test_random_lines_roundtrip(void **state)
{
  (void)state;
  static const char alpha[] = "ab09 =\"=. ,[-_\x01\t\xff";
  struct nlb_enc *e = nlb_enc_new();
  for (int round = 0; round < 20; round++) {
    size_t n = 1 + next_rand() % 300;
    char **lines = calloc(n, sizeof *lines);
    size_t *lens = calloc(n, sizeof *lens);
    for (size_t i = 0; i < n; i++) {
      lens[i] = next_rand() % (round == 19 ? NETLOG_LINE_MAX + 1 : 200);
      lines[i] = malloc(lens[i] + 1);
      for (size_t k = 0; k < lens[i]; k++)
        lines[i][k] = alpha[next_rand() % (sizeof alpha - 1)];
    }
    roundtrip(e, (const char *const *)lines, lens, n);
    for (size_t i = 0; i < n; i++)
      free(lines[i]);
    free(lines);
    free(lens);
  }
  /* a block of many similar FortiGate lines: templates and columns shared */
  enum { N = 3000 };
  char **lines = calloc(N, sizeof *lines);
  size_t *lens = calloc(N, sizeof *lens);
  for (size_t i = 0; i < N; i++) {
    lines[i] = malloc(1024);
    int k = snprintf(lines[i], 1024,
                     "<189>Nov 22 10:%02d:%02d FGT date=2026-11-22 time=10:%02d:%02d srcip=10.%d.%d.%d "
                     "srcport=%u dstip=%u.%u.1.%u dstport=%d sessionid=%zu%s transip=203.0.113.%d transport=%u "
                     "sentbyte=%u",
                     (int)(i / 60 % 60), (int)(i % 60), (int)(i / 60 % 60), (int)(i % 60), (int)(i % 3),
                     (int)(i % 200), (int)(i % 250), (unsigned)(next_rand() % 65536),
                     (unsigned)(next_rand() % 256), (unsigned)(next_rand() % 256), (unsigned)(next_rand() % 256),
                     i % 5 ? 443 : 80, 1000000 + i * 3, i % 4 ? "" : " user=\"ayse.kaya\"", (int)(i % 4),
                     (unsigned)(next_rand() % 65536), (unsigned)(next_rand() % 1000000));
    lens[i] = (size_t)k;
  }
  roundtrip(e, (const char *const *)lines, lens, N);
  for (size_t i = 0; i < N; i++)
    free(lines[i]);
  free(lines);
  free(lens);
  nlb_enc_free(e);
}

/* ---- through segment files ---------------------------------------------------- */

static char dir[64];

static int setup(void **state)
{
  (void)state;
  strcpy(dir, "/tmp/netlog-blk-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

struct recs {
  int n;
  struct netlog_rec r[16];
  char raw[16][1024];
};

static int keep(const struct netlog_rec *r, void *u)
{
  struct recs *s = u;
  if (s->n < 16) {
    s->r[s->n] = *r;
    memcpy(s->raw[s->n], r->raw, r->raw_len < 1023 ? r->raw_len : 1023);
    s->raw[s->n][r->raw_len < 1023 ? r->raw_len : 1023] = '\0';
  }
  s->n++;
  return 0;
}

static void test_explicit_record_kept_whole(void **state)
{
  (void)state;
  struct netlog_seg *s;
  assert_int_equal(netlog_seg_create(dir, 1000, &s), 0);
  struct netlog_rec r;
  assert_int_equal(netlog_parse_line(FGT, strlen(FGT), 1000, &r), NL_SESSION);
  assert_int_equal(netlog_seg_append(s, &r), 0); /* as parsed: derived again by readers */
  struct netlog_rec x = r;
  strcpy(x.user, "registered.by.hand"); /* not what the line says: kept whole */
  x.time = 1234;
  assert_int_equal(netlog_seg_append(s, &x), 0);
  const char *odd = "static 10.1.2.3 aa:bb:cc:dd:ee:ff\n"; /* a trailing newline the parser would strip */
  assert_int_equal(netlog_parse_line(odd, strlen(odd) - 1, 1000, &r), NL_UNKNOWN);
  r.raw_len = strlen(odd);
  r.kind = NL_DHCP_ACK;
  strcpy(r.in_ip, "10.1.2.3");
  strcpy(r.mac, "aa:bb:cc:dd:ee:ff");
  assert_int_equal(netlog_seg_append(s, &r), 0);
  uint64_t seq = netlog_seg_seq(s);
  assert_int_equal(netlog_seg_close(s), 0);
  char path[NETLOG_PATH_MAX];
  assert_int_equal(netlog_path(dir, seq, "seg", path, sizeof path), 0);
  struct recs got = {0};
  assert_int_equal(netlog_seg_scan(path, NULL, keep, &got, NULL), 0);
  assert_int_equal(got.n, 3);
  assert_string_equal(got.raw[0], FGT);
  assert_string_equal(got.r[0].in_ip, "10.10.1.56");
  assert_string_equal(got.r[0].tr_ip, "203.0.113.10");
  assert_int_equal(got.r[0].tr_port, 43992);
  assert_string_equal(got.r[1].user, "registered.by.hand");
  assert_int_equal(got.r[1].time, 1234);
  assert_string_equal(got.raw[1], FGT);
  assert_int_equal(got.r[2].kind, NL_DHCP_ACK);
  assert_string_equal(got.r[2].mac, "aa:bb:cc:dd:ee:ff");
  assert_int_equal(got.r[2].raw_len, strlen(odd));
  assert_string_equal(got.raw[2], odd);
}

static void test_point_index(void **state)
{
  (void)state;
  struct netlog_seg *s;
  assert_int_equal(netlog_seg_create(dir, 1000, &s), 0);
  char line[512];
  struct netlog_rec r;
  /* block 1: NAT sessions on 203.0.113.7 ports 20000..20099; block 2: ports 30000.. and a lease */
  for (int b = 0; b < 2; b++) {
    for (int i = 0; i < 100; i++) {
      snprintf(line, sizeof line,
               "srcip=10.0.%d.%d srcport=%d dstip=1.1.1.1 dstport=443 proto=6 transip=203.0.113.7 transport=%d "
               "sentbyte=20000",
               b, i, 40000 + i, (b ? 30000 : 20000) + i);
      assert_int_equal(netlog_parse_line(line, strlen(line), 5000 + b, &r), NL_SESSION);
      assert_int_equal(netlog_seg_append_parsed(s, &r), 0);
    }
    if (b) {
      const char *l = "<30>Nov 22 10:00:00 dhcp1 dnsmasq-dhcp[1]: DHCPACK(eth1) 10.0.1.5 52:54:00:00:00:05 pc";
      assert_int_equal(netlog_parse_line(l, strlen(l), 5001, &r), NL_DHCP_ACK);
      assert_int_equal(netlog_seg_append_parsed(s, &r), 0);
    }
    assert_int_equal(netlog_seg_flush(s), 0);
  }
  uint64_t seq = netlog_seg_seq(s);
  assert_int_equal(netlog_seg_close(s), 0);
  char path[NETLOG_PATH_MAX];
  assert_int_equal(netlog_path(dir, seq, "seg", path, sizeof path), 0);
  struct netlog_seg_stats st;
  /* a NAT session by public address and port: one block, one line (20000 also appears as sentbyte) */
  struct netlog_filter f = {.keys = {"203.0.113.7"}, .nkeys = 1, .point = true, .port = 20042};
  struct recs got = {0};
  assert_int_equal(netlog_seg_scan(path, &f, keep, &got, &st), 0);
  assert_int_equal(st.skipped, 1);
  assert_int_equal(got.n, 1);
  assert_int_equal(got.r[0].tr_port, 20042);
  f.port = 20000; /* the port's digits stand elsewhere in every line of the block */
  got.n = 0;
  assert_int_equal(netlog_seg_scan(path, &f, keep, &got, &st), 0);
  assert_int_equal(st.skipped, 1);
  assert_true(got.n >= 1);
  f.port = 25000; /* nowhere */
  got.n = 0;
  assert_int_equal(netlog_seg_scan(path, &f, keep, &got, &st), 0);
  assert_int_equal(got.n, 0);
  /* a lease: only the block that has it */
  struct netlog_filter fl = {.keys = {"10.0.1.5"}, .nkeys = 1, .point = true, .port = -1};
  got.n = 0;
  assert_int_equal(netlog_seg_scan(path, &fl, keep, &got, &st), 0);
  assert_int_equal(st.skipped, 1);
  assert_true(got.n >= 1);
  bool lease = false;
  for (int i = 0; i < got.n && i < 16; i++)
    lease |= got.r[i].kind == NL_DHCP_ACK;
  assert_true(lease);
  /* any session on the address (no port): both blocks */
  f.port = 0;
  got.n = 0;
  assert_int_equal(netlog_seg_scan(path, &f, keep, &got, &st), 0);
  assert_int_equal(st.skipped, 0);
  assert_int_equal(got.n, 200);
}

/* ---- the one-pass FortiGate parser against the key-by-key search ----------- */

/* the search the parser used before: the nth `key=` at a token start, outside quotes */
static bool ref_kv(const char *s, size_t n, const char *key, const char **val, size_t *vlen)
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
    *val = s + v;
    *vlen = e - v;
    return true;
  }
  return false;
}

static void expect_kv(const char *line, const char *key, const char *field)
{
  const char *v;
  size_t vl;
  char want[128] = "";
  if (ref_kv(line, strlen(line), key, &v, &vl))
    snprintf(want, sizeof want, "%.*s", (int)vl, v);
  assert_string_equal(field, want);
}

static void test_fortigate_one_pass(void **state)
{
  (void)state;
  static const char *const lines[] = {
      "srcip=10.0.0.1 dstip=1.1.1.1 user=\"a\" transip=2.2.2.2",
      "x=\"srcip=9.9.9.9\" srcip=10.0.0.1 dstip=1.1.1.1",
      "msg=\"a \"quoted\" srcip=9.9.9.9\" srcip=10.0.0.2 dstip=1.1.1.2",
      "srcip=10.0.0.3,dstip=1.1.1.3,user=bob,transip=3.3.3.3",
      "[srcip=10.0.0.4 dstip=1.1.1.4 ] user=\"\" unauthuser=\"guest\"",
      "xsrcip=9.9.9.9 srcip=10.0.0.5 dstip=1.1.1.5 srcip=9.9.9.8 unauthuser=\"guest\"",
      "srcip=10.0.0.6 dstip=1.1.1.6 user=\"has space\" transip=\"4.4.4.4\"",
      "srcip=10.0.0.7 dstip=1.1.1.7 \"odd srcip=9.9.9.9 user=hidden\" user=shown",
      "srcip=10.0.0.8 dstip=1.1.1.8 verylongkeynamehere=1 user=u8",
  };
  for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
    struct netlog_rec r = {0};
    const char *l = lines[i];
    if (netlog_parse_fortigate(l, strlen(l), &r))
      fail_msg("not parsed: %s", l);
    expect_kv(l, "srcip", r.in_ip);
    expect_kv(l, "dstip", r.dst_ip);
    const char *v;
    size_t vl;
    if (ref_kv(l, strlen(l), "transip", &v, &vl))
      expect_kv(l, "transip", r.tr_ip);
    if (ref_kv(l, strlen(l), "user", &v, &vl))
      expect_kv(l, "user", r.user);
    else if (ref_kv(l, strlen(l), "unauthuser", &v, &vl))
      expect_kv(l, "unauthuser", r.user);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_odd_lines_roundtrip),
      cmocka_unit_test(test_random_lines_roundtrip),
      cmocka_unit_test(test_explicit_record_kept_whole),
      cmocka_unit_test(test_point_index),
      cmocka_unit_test(test_fortigate_one_pass),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
