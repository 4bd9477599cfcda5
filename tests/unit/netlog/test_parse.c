/* test_parse.c - the netlog parsers (src/netlog/parse.c) on real sample
 * lines of each source: syslog headers (RFC 3164, RFC 5424, a daemon's
 * own file), dnsmasq, ISC dhcpd, Kea CSV, FortiGate, iptables, conntrack;
 * unknown and hostile lines stay raw. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../../src/netlog/netlog.h"

static const int64_t NOW = 1795000000; /* 2026-11-18 */

static enum netlog_kind parse(const char *line, struct netlog_rec *r)
{
  return netlog_parse_line(line, strlen(line), NOW, r);
}

static void test_rfc5424(void **state)
{
  (void)state;
  struct netlog_rec r;
  const char *l = "<30>1 2026-11-22T04:50:01.123456+03:00 gw1 dnsmasq-dhcp 812 - - DHCPACK(veth1) 10.77.0.23 "
                  "52:54:00:ab:cd:ef pc-23";
  assert_int_equal(parse(l, &r), NL_DHCP_ACK);
  assert_int_equal(r.pri, 30);
  assert_string_equal(r.host, "gw1");
  assert_string_equal(r.tag, "dnsmasq-dhcp");
  assert_int_equal(r.time, 1795312201); /* 04:50:01 +03:00 */
  assert_string_equal(r.in_ip, "10.77.0.23");
  assert_string_equal(r.mac, "52:54:00:ab:cd:ef");
  assert_string_equal(r.client, "pc-23");
  assert_int_equal(r.parser, NLS_DNSMASQ);
  assert_ptr_equal(r.raw, l);
  assert_int_equal(r.raw_len, strlen(l));
  /* structured data with an escaped bracket, then a BOM */
  const char *sd = "<134>1 2026-11-22T01:00:00Z fw - - - [ex@1 a=\"x\\]y\"][b@2 c=\"d\"] \xEF\xBB\xBF"
                   "DHCPACK on 10.1.2.3 to AA-BB-CC-00-11-22 (laptop) via eth0";
  assert_int_equal(parse(sd, &r), NL_DHCP_ACK);
  assert_int_equal(r.time, 1795309200);
  assert_string_equal(r.host, "fw");
  assert_string_equal(r.tag, "");
  assert_string_equal(r.mac, "aa:bb:cc:00:11:22");
  assert_string_equal(r.client, "laptop");
}

static void test_rfc3164_and_file(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("<30>Nov 17 09:05:00 router dhcpd[411]: DHCPACK on 10.0.0.5 to 52:54:00:12:34:56 (host1) "
                         "via eth0",
                         &r),
                   NL_DHCP_ACK);
  assert_int_equal(r.pri, 30);
  assert_string_equal(r.host, "router");
  assert_string_equal(r.tag, "dhcpd");
  struct tm tm = {.tm_year = 126, .tm_mon = 10, .tm_mday = 17, .tm_hour = 9, .tm_min = 5, .tm_isdst = -1};
  assert_int_equal(r.time, (int64_t)mktime(&tm));
  assert_string_equal(r.in_ip, "10.0.0.5");
  assert_string_equal(r.client, "host1");
  /* dnsmasq's own log file: no PRI, no host, a transaction id */
  assert_int_equal(parse("Nov  8 10:00:00 dnsmasq-dhcp[99]: 3211427061 DHCPACK(eth1) 192.168.1.50 "
                         "0a:0b:0c:0d:0e:0f",
                         &r),
                   NL_DHCP_ACK);
  assert_string_equal(r.host, "");
  assert_string_equal(r.tag, "dnsmasq-dhcp");
  assert_string_equal(r.in_ip, "192.168.1.50");
  assert_string_equal(r.client, "");
  /* a December line read in November is this year; read in January last year */
  assert_int_equal(parse("Dec 31 23:59:59 h t: x", &r), NL_UNKNOWN);
  assert_true(r.time > NOW - 366 * 86400 && r.time < NOW);
}

static void test_dnsmasq(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("dnsmasq-dhcp[5]: DHCPRELEASE(br0) 10.9.8.7 de:ad:be:ef:00:01", &r), NL_DHCP_RELEASE);
  assert_string_equal(r.mac, "de:ad:be:ef:00:01");
  assert_int_equal(r.time, NOW); /* no header time: now */
  assert_int_equal(parse("<30>Nov 17 09:05:00 dnsmasq-dhcp[5]: DHCPDISCOVER(br0) de:ad:be:ef:00:01", &r), NL_INFO);
  assert_int_equal(parse("<30>Nov 17 09:05:00 dnsmasq-dhcp[5]: DHCPOFFER(br0) 10.9.8.7 de:ad:be:ef:00:01", &r),
                   NL_INFO);
  /* an ACK without a MAC is not a lease */
  assert_int_equal(parse("dnsmasq-dhcp[5]: DHCPACK(br0) 10.9.8.7", &r), NL_UNKNOWN);
  assert_int_equal(parse("dnsmasq-dhcp[5]: DHCPACK(br0) 10.9.8.777 de:ad:be:ef:00:01", &r), NL_UNKNOWN);
}

static void test_dhcpd(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("dhcpd[1]: DHCPRELEASE of 10.0.0.5 from 52:54:00:12:34:56 (host1) via eth0 (found)", &r),
                   NL_DHCP_RELEASE);
  assert_string_equal(r.in_ip, "10.0.0.5");
  assert_string_equal(r.client, "host1");
  assert_int_equal(parse("dhcpd[1]: DHCPEXPIRE on 10.0.0.5 to 52:54:00:12:34:56", &r), NL_DHCP_RELEASE);
  assert_int_equal(parse("dhcpd[1]: DHCPREQUEST for 10.0.0.5 from 52:54:00:12:34:56 via eth0", &r), NL_INFO);
  assert_int_equal(parse("dhcpd[1]: DHCPACK on 10.0.0.5 to 52:54:00:12:34 via eth0", &r), NL_UNKNOWN);
}

static void test_kea(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,"
                         "state,user_context,pool_id",
                         &r),
                   NL_INFO);
  assert_int_equal(parse("192.0.2.10,08:00:27:25:d3:f4,01:08:00:27:25:d3:f4,4000,1795003600,1,0,0,kea-pc,0,,0",
                         &r),
                   NL_DHCP_ACK);
  assert_string_equal(r.in_ip, "192.0.2.10");
  assert_string_equal(r.mac, "08:00:27:25:d3:f4");
  assert_string_equal(r.client, "kea-pc");
  assert_int_equal(r.lease_end, 1795003600);
  assert_int_equal(r.time, 1795003600 - 4000);
  assert_int_equal(parse("192.0.2.10,08:00:27:25:d3:f4,,4000,1795003600,1,0,0,,2", &r), NL_DHCP_RELEASE);
  assert_int_equal(parse("192.0.2.10,08:00:27:25:d3:f4,,x,1795003600,1,0,0,,0", &r), NL_UNKNOWN);
}

static void test_fortigate(void **state)
{
  (void)state;
  struct netlog_rec r;
  const char *l =
      "<189>date=2026-11-22 time=10:15:42 devname=\"FGT-BLD\" devid=\"FG100F\" logid=\"0000000013\" "
      "type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" eventtime=1795342542 srcip=10.20.1.33 "
      "srcport=51544 srcintf=\"port2\" srcintfrole=\"lan\" dstip=142.250.187.110 dstport=443 dstintf=\"wan1\" "
      "sessionid=9934211 proto=6 action=\"close\" policyid=3 service=\"HTTPS\" trandisp=\"snat\" "
      "transip=203.0.113.7 transport=61544 duration=12 sentbyte=2240 rcvdbyte=5120 sentpkt=12 "
      "user=\"ayse.k\" srcmac=\"00:0c:29:aa:bb:cc\"";
  assert_int_equal(parse(l, &r), NL_SESSION);
  assert_int_equal(r.parser, NLS_FORTIGATE);
  assert_int_equal(r.pri, 189);
  assert_string_equal(r.in_ip, "10.20.1.33");
  assert_int_equal(r.in_port, 51544);
  assert_string_equal(r.tr_ip, "203.0.113.7");
  assert_int_equal(r.tr_port, 61544);
  assert_string_equal(r.dst_ip, "142.250.187.110");
  assert_int_equal(r.dst_port, 443);
  assert_string_equal(r.proto, "tcp");
  assert_string_equal(r.user, "ayse.k");
  assert_string_equal(r.mac, "00:0c:29:aa:bb:cc");
  assert_int_equal(r.bytes, 7360);
  assert_int_equal(r.time, 1795342542); /* date/time, read as UTC */
  /* a quoted value holding a key-like text is not a key */
  assert_int_equal(parse("msg=\"srcip=1.1.1.1\" srcip=10.0.0.1 dstip=10.0.0.2 proto=17", &r), NL_SESSION);
  assert_string_equal(r.in_ip, "10.0.0.1");
  assert_string_equal(r.proto, "udp");
  assert_string_equal(r.tr_ip, "");
}

static void test_iptables(void **state)
{
  (void)state;
  struct netlog_rec r;
  const char *l = "<4>Nov 17 09:05:00 gw kernel: [123456.789] NAT-OUT: IN=eth1 OUT=eth0 "
                  "MAC=52:54:00:00:00:01:52:54:00:12:34:56:08:00 SRC=10.0.0.5 DST=93.184.216.34 LEN=60 TOS=0x00 "
                  "PREC=0x00 TTL=63 ID=4242 DF PROTO=TCP SPT=51234 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0";
  assert_int_equal(parse(l, &r), NL_SESSION);
  assert_int_equal(r.parser, NLS_IPTABLES);
  assert_string_equal(r.tag, "kernel");
  assert_string_equal(r.in_ip, "10.0.0.5");
  assert_int_equal(r.in_port, 51234);
  assert_string_equal(r.dst_ip, "93.184.216.34");
  assert_int_equal(r.dst_port, 443);
  assert_string_equal(r.proto, "tcp");
  assert_string_equal(r.mac, "52:54:00:12:34:56");
}

static void test_conntrack(void **state)
{
  (void)state;
  struct netlog_rec r;
  const char *l = "[1795001234.551010]	    [NEW] tcp      6 120 SYN_SENT src=10.0.0.5 dst=93.184.216.34 "
                  "sport=51234 dport=443 [UNREPLIED] src=93.184.216.34 dst=203.0.113.5 sport=443 dport=40000";
  assert_int_equal(parse(l, &r), NL_SESSION);
  assert_int_equal(r.parser, NLS_CONNTRACK);
  assert_int_equal(r.time, 1795001234);
  assert_string_equal(r.proto, "tcp");
  assert_string_equal(r.in_ip, "10.0.0.5");
  assert_int_equal(r.in_port, 51234);
  assert_string_equal(r.tr_ip, "203.0.113.5");
  assert_int_equal(r.tr_port, 40000);
  assert_string_equal(r.dst_ip, "93.184.216.34");
  /* no NAT: the reply goes back to the source itself */
  assert_int_equal(parse(" [DESTROY] udp      17 src=10.0.0.6 dst=10.0.0.1 sport=5353 dport=53 packets=1 bytes=70 "
                         "src=10.0.0.1 dst=10.0.0.6 sport=53 dport=5353 packets=1 bytes=120",
                         &r),
                   NL_SESSION);
  assert_string_equal(r.tr_ip, "");
  assert_int_equal(r.bytes, 190);
  assert_string_equal(r.proto, "udp");
  /* numbers past their range are ignored, not overflowed */
  assert_int_equal(parse("[NEW] tcp src=10.0.0.6 dst=10.0.0.1 sport=99999 dport=53 bytes=9999999999999999999 "
                         "src=10.0.0.1 dst=10.0.0.6",
                         &r),
                   NL_SESSION);
  assert_int_equal(r.bytes, 0);
  assert_int_equal(r.in_port, 0);
}

static void test_unknown_and_hostile(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("<13>Nov 17 09:05:00 host sshd[7]: Accepted publickey for root", &r), NL_UNKNOWN);
  assert_string_equal(r.host, "host");
  assert_string_equal(r.tag, "sshd");
  assert_int_equal(parse("", &r), NL_UNKNOWN);
  assert_int_equal(r.raw_len, 0);
  assert_int_equal(parse("<999>1 garbage", &r), NL_UNKNOWN);
  assert_int_equal(r.pri, -1);
  assert_int_equal(parse("<1>1 - - - - - [unterminated \"sd", &r), NL_UNKNOWN);
  /* trailing CR LF are not part of the raw line */
  assert_int_equal(parse("x y z\r\n", &r), NL_UNKNOWN);
  assert_int_equal(r.raw_len, 5);
  /* long fields are cut to their size, control bytes replaced */
  char big[600];
  memset(big, 'h', sizeof big);
  memcpy(big, "<1>1 - ", 7);
  big[300] = ' ';
  big[301] = '\x01';
  memcpy(big + sizeof big - 6, " - - ", 5);
  big[sizeof big - 1] = '\0';
  assert_int_equal(parse(big, &r), NL_UNKNOWN);
  assert_int_equal(strlen(r.host), NETLOG_NAME_MAX - 1);
  assert_int_equal(r.tag[0], '?');
}

struct frames {
  int n;
  char line[8][64];
  size_t len[8];
  int flags[8];
};

static void on_frame(void *u, const char *line, size_t len, int flags)
{
  struct frames *f = u;
  if (f->n < 8) {
    memcpy(f->line[f->n], line, len < 63 ? len : 63);
    f->line[f->n][len < 63 ? len : 63] = '\0';
    f->len[f->n] = len;
    f->flags[f->n] = flags;
  }
  f->n++;
}

/* Feeds data in chunks of `step` bytes the way the collector does: the
 * unused rest stays in front of the next read. */
static void feed(const char *data, size_t n, size_t step, struct frames *out)
{
  static char b[NETLOG_LINE_MAX + 16];
  size_t have = 0;
  struct netlog_framer fr = {0};
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < n; i += step) {
    size_t k = n - i < step ? n - i : step;
    if (have + k > sizeof b)
      k = sizeof b - have;
    memcpy(b + have, data + i, k);
    have += k;
    size_t used = netlog_frames(&fr, b, have, on_frame, out);
    assert_true(used <= have);
    memmove(b, b + used, have - used);
    have -= used;
  }
}

static void test_tcp_framing(void **state)
{
  (void)state;
  static const char data[] = "<13>1 - h t - - - newline framed\n"
                             "17 <13>octet counted\n"
                             "\r\n"
                             "11 two\nlines!!";
  size_t steps[] = {1, 3, 7, sizeof data};
  for (size_t k = 0; k < ARRAY_LEN(steps); k++) {
    struct frames f;
    feed(data, sizeof data - 1, steps[k], &f);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.line[0], "<13>1 - h t - - - newline framed");
    assert_string_equal(f.line[1], "<13>octet counted");
    assert_string_equal(f.line[2], "two\nlines!!"); /* a newline inside a counted frame is data */
    assert_int_equal(f.flags[2], 0);
  }
  /* an over-long line is cut once and the rest of it discarded */
  size_t big = NETLOG_LINE_MAX + 5000;
  char *b = malloc(big + 16);
  memset(b, 'x', big);
  memcpy(b + big, "\nok\n", 4);
  struct frames f;
  feed(b, big + 4, 4096, &f);
  assert_int_equal(f.n, 2);
  assert_int_equal(f.len[0], NETLOG_LINE_MAX);
  assert_int_equal(f.flags[0], NETLOG_FRAME_TRUNCATED);
  assert_string_equal(f.line[1], "ok");
  /* an over-long counted frame is dropped and its bytes skipped */
  int w = snprintf(b, 16, "%d ", NETLOG_LINE_MAX + 1);
  memset(b + w, 'y', NETLOG_LINE_MAX + 1);
  memcpy(b + w + NETLOG_LINE_MAX + 1, "3 abc", 5);
  feed(b, (size_t)w + NETLOG_LINE_MAX + 6, 1000, &f);
  assert_int_equal(f.n, 2);
  assert_int_equal(f.flags[0], NETLOG_FRAME_DROPPED);
  assert_string_equal(f.line[1], "abc");
  free(b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc5424),  cmocka_unit_test(test_rfc3164_and_file), cmocka_unit_test(test_dnsmasq),
      cmocka_unit_test(test_dhcpd),    cmocka_unit_test(test_kea),              cmocka_unit_test(test_fortigate),
      cmocka_unit_test(test_iptables), cmocka_unit_test(test_conntrack),        cmocka_unit_test(test_unknown_and_hostile),
      cmocka_unit_test(test_tcp_framing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
