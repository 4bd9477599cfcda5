/* test_login.c - the login parsers of src/netlog/parse.c on real sample
 * lines: FreeRADIUS's log ("Login OK") and detail-file accounting records
 * (joined from several lines by netlog_join), MikroTik hotspot and pfSense
 * captive portal; user, MAC and address land in one login record, a
 * failed login is only information, a password never reaches `user`;
 * netlog_query_login answers who was logged in on an address then. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../../src/netlog/netlog.h"

static const int64_t NOW = 1795000000; /* 2026-11-18 */

static enum netlog_kind parse(const char *line, struct netlog_rec *r)
{
  return netlog_parse_line(line, strlen(line), NOW, r);
}

static int64_t local(int y, int mon, int d, int h, int mi, int s)
{
  struct tm tm = {.tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s,
                  .tm_isdst = -1};
  return (int64_t)mktime(&tm);
}

static void test_radiusd_log(void **state)
{
  (void)state;
  struct netlog_rec r;
  /* radius.log, as radiusd writes it */
  assert_int_equal(parse("Tue Nov 17 09:05:00 2026 : Auth: (12) Login OK: [ayse.k] (from client hotspot1 port 0 "
                         "cli AA-BB-CC-DD-EE-FF)",
                         &r),
                   NL_LOGIN);
  assert_int_equal(r.parser, NLS_FREERADIUS);
  assert_string_equal(r.user, "ayse.k");
  assert_string_equal(r.mac, "aa:bb:cc:dd:ee:ff");
  assert_string_equal(r.client, "hotspot1");
  assert_string_equal(r.in_ip, "");
  assert_int_equal(r.time, local(2026, 11, 17, 9, 5, 0));
  /* over syslog, auth_goodpass = yes: the password stays out of `user` */
  assert_int_equal(parse("<38>Nov 17 09:06:00 radius1 radiusd[812]: Auth: (13) Login OK: [mehmet/s3cr3t] (from "
                         "client ap-kat2 port 7 cli 0a1b2c3d4e5f via TLS tunnel)",
                         &r),
                   NL_LOGIN);
  assert_string_equal(r.host, "radius1");
  assert_string_equal(r.tag, "radiusd");
  assert_string_equal(r.user, "mehmet");
  assert_string_equal(r.mac, "0a:1b:2c:3d:4e:5f");
  assert_string_equal(r.client, "ap-kat2");
  assert_null(strstr(r.user, "s3cr3t"));
  /* a failed login: recognised, not a login */
  assert_int_equal(parse("Tue Nov 17 09:07:00 2026 : Auth: (14) Login incorrect (pap: Cross-check failed): "
                         "[ali/<via Auth-Type = PAP>] (from client hotspot1 port 0 cli AA-BB-CC-DD-EE-01)",
                         &r),
                   NL_INFO);
  assert_int_equal(r.parser, NLS_FREERADIUS);
  /* Login OK without a device: nothing to bind the user to */
  assert_int_equal(parse("Auth: (15) Login OK: [veli] (from client localhost port 0)", &r), NL_INFO);
  /* relayed by rsyslog in an RFC 5424 template: a blank before the message */
  assert_int_equal(parse("<38>1 2026-11-22T06:50:00+00:00 radius1 radiusd - - -  Auth: (7) Login OK: [m] (from client "
                         "ap port 3 cli 52-54-00-AA-01-12)\n",
                         &r),
                   NL_LOGIN);
  assert_string_equal(r.user, "m");
  assert_int_equal(parse("<13>1 2026-11-22T06:50:00+00:00 gw hotspot - - -  hotspot,account,info,debug ayse.k "
                         "(10.30.1.13): logged in",
                         &r),
                   NL_LOGIN);
  assert_string_equal(r.user, "ayse.k");
  /* a radiusd line that is no login */
  assert_int_equal(parse("Tue Nov 17 09:05:00 2026 : Info: Ready to process requests", &r), NL_UNKNOWN);
  assert_int_equal(parse("Auth: (1) Login OK: [x] no from part", &r), NL_UNKNOWN);
}

struct lines {
  char *v[8];
  int flags[8];
  int n;
};

static void collect(void *u, const char *line, size_t len, int flags)
{
  struct lines *l = u;
  assert_true(l->n < 8);
  l->v[l->n] = strndup(line, len);
  l->flags[l->n++] = flags;
}

static void lines_free(struct lines *l)
{
  for (int i = 0; i < l->n; i++)
    free(l->v[i]);
  l->n = 0;
}

/* A detail file as FreeRADIUS writes it, fed line by line. */
static void join_text(struct netlog_joiner *j, const char *text, struct lines *out)
{
  const char *p = text;
  while (*p) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    netlog_join(j, p, n, collect, out);
    p += n + (nl != NULL);
  }
}

static const char DETAIL_START[] = "Tue Nov 17 09:05:00 2026\n"
                                   "\tAcct-Session-Id = \"81500001\"\n"
                                   "\tAcct-Status-Type = Start\n"
                                   "\tAcct-Authentic = RADIUS\n"
                                   "\tUser-Name = \"ayse.k\"\n"
                                   "\tStripped-User-Name = \"other\"\n"
                                   "\tNAS-Port = 2149580850\n"
                                   "\tNAS-IP-Address = 10.5.50.1\n"
                                   "\tFramed-IP-Address = 10.5.50.23\n"
                                   "\tCalling-Station-Id = \"AA:BB:CC:DD:EE:FF\"\n"
                                   "\tCalled-Station-Id = \"hotspot1\"\n"
                                   "\tNAS-Identifier = \"MikroTik-Kat1\"\n"
                                   "\tEvent-Timestamp = \"Nov 17 2026 09:05:00 +03\"\n"
                                   "\tAcct-Unique-Session-Id = \"5f3c0c7a5b2d1e9f\"\n"
                                   "\tTimestamp = 1794895501\n"
                                   "\n";

static void test_detail_records(void **state)
{
  (void)state;
  struct netlog_joiner *j = calloc(1, sizeof *j);
  struct lines out = {0};
  join_text(j, "dnsmasq-dhcp[5]: DHCPACK(br0) 10.5.50.23 aa:bb:cc:dd:ee:ff\n", &out);
  assert_int_equal(out.n, 1); /* other lines pass as they come */
  lines_free(&out);
  join_text(j, DETAIL_START, &out);
  assert_int_equal(out.n, 1);
  assert_int_equal(out.flags[0], 0);
  /* the record, byte for byte, but the empty line that ends it */
  assert_int_equal(strlen(out.v[0]), strlen(DETAIL_START) - 2);
  assert_memory_equal(out.v[0], DETAIL_START, strlen(DETAIL_START) - 2);
  struct netlog_rec r;
  assert_int_equal(parse(out.v[0], &r), NL_LOGIN);
  assert_int_equal(r.parser, NLS_FREERADIUS);
  assert_string_equal(r.user, "ayse.k");
  assert_string_equal(r.in_ip, "10.5.50.23");
  assert_string_equal(r.mac, "aa:bb:cc:dd:ee:ff");
  assert_string_equal(r.client, "MikroTik-Kat1");
  assert_int_equal(r.time, 1794895500); /* 09:05:00 +03, not the detail writer's Timestamp */
  lines_free(&out);

  /* Stop: the next record's date line closes it even without the empty line */
  join_text(j,
            "Tue Nov 17 10:05:00 2026\n"
            "\tAcct-Status-Type = Stop\n"
            "\tUser-Name = \"ayse.k\"\n"
            "\tFramed-IP-Address = 10.5.50.23\n"
            "\tAcct-Input-Octets = 123456\n"
            "\tAcct-Output-Octets = 654321\n"
            "\tEvent-Timestamp = \"Nov 17 2026 10:05:00 EET\"\n"
            "\tTimestamp = 1794899100\n"
            "Tue Nov 17 10:06:00 2026\n"
            "\tAcct-Status-Type = Accounting-On\n"
            "\tNAS-IP-Address = 10.5.50.1\n",
            &out);
  assert_int_equal(out.n, 1);
  assert_int_equal(parse(out.v[0], &r), NL_LOGOUT);
  assert_string_equal(r.user, "ayse.k");
  assert_string_equal(r.mac, "");
  assert_int_equal(r.bytes, 123456 + 654321);
  assert_int_equal(r.time, 1794899100); /* a zone name: the writer's Timestamp wins */
  lines_free(&out);
  netlog_join_flush(j, collect, &out); /* the open Accounting-On record */
  assert_int_equal(out.n, 1);
  assert_int_equal(parse(out.v[0], &r), NL_UNKNOWN); /* no User-Name: kept raw */
  lines_free(&out);
  netlog_join_flush(j, collect, &out);
  assert_int_equal(out.n, 0);

  /* an over-long record is cut at the limit and flagged */
  join_text(j, "Tue Nov 17 10:05:00 2026\n", &out);
  char *big = malloc(NETLOG_LINE_MAX + 100);
  big[0] = '\t';
  memset(big + 1, 'x', NETLOG_LINE_MAX + 98);
  big[NETLOG_LINE_MAX + 99] = '\0';
  join_text(j, big, &out);
  join_text(j, "\n", &out);
  assert_int_equal(out.n, 1);
  assert_int_equal(strlen(out.v[0]), NETLOG_LINE_MAX);
  assert_int_equal(out.flags[0], NETLOG_FRAME_TRUNCATED);
  lines_free(&out);
  /* empty lines outside a record are handed on as they were */
  join_text(j, "\n", &out);
  netlog_join(j, "", 0, collect, &out);
  assert_int_equal(out.n, 2);
  assert_string_equal(out.v[1], "");
  lines_free(&out);
  free(big);
  free(j);
}

static void test_radacct_one_line(void **state)
{
  (void)state;
  struct netlog_rec r;
  /* rsyslog imfile with a multi-line start regex escapes tab and newline */
  assert_int_equal(parse("<134>Nov 17 09:05:02 radius1 radacct: Tue Nov 17 09:05:00 2026#012#011Acct-Status-Type = "
                         "Interim-Update#012#011User-Name = \"bob@belediye\"#012#011Calling-Station-Id = "
                         "\"aabb.ccdd.ee01\"#012#011Event-Timestamp = 1794895500#012",
                         &r),
                   NL_LOGIN);
  assert_string_equal(r.user, "bob@belediye");
  assert_string_equal(r.mac, "aa:bb:cc:dd:ee:01");
  assert_int_equal(r.time, 1794895500);
  /* linelog-style key = value pairs on one line */
  assert_int_equal(parse("radacct: Acct-Status-Type = Stop, User-Name = \"c\", Framed-IP-Address = 10.1.1.9, "
                         "Event-Timestamp = \"Nov 17 2026 09:05:00 UTC\"",
                         &r),
                   NL_LOGOUT);
  assert_string_equal(r.in_ip, "10.1.1.9");
  assert_int_equal(r.time, 1794906300);
  /* Event-Timestamp's zones: none (local time), +hhmm, -hh:mm */
  assert_int_equal(parse("Acct-Status-Type = Start User-Name = \"x\" Framed-IP-Address = 10.1.1.8 "
                         "Event-Timestamp = \"Nov 17 2026 09:05:00\"",
                         &r),
                   NL_LOGIN);
  assert_int_equal(r.time, local(2026, 11, 17, 9, 5, 0));
  assert_int_equal(parse("Acct-Status-Type = Start User-Name = \"x\" Framed-IP-Address = 10.1.1.8 "
                         "Event-Timestamp = \"Nov 17 2026 09:05:00 +0300\"",
                         &r),
                   NL_LOGIN);
  assert_int_equal(r.time, 1794895500);
  assert_int_equal(parse("Acct-Status-Type = Start User-Name = \"x\" Framed-IP-Address = 10.1.1.8 "
                         "Event-Timestamp = \"Nov 17 2026 01:05:00 -05:00\"",
                         &r),
                   NL_LOGIN);
  assert_int_equal(r.time, 1794895500);
  /* no address and no device: information only */
  assert_int_equal(parse("Acct-Status-Type = Start User-Name = \"x\"", &r), NL_INFO);
  /* a bad address is not taken */
  assert_int_equal(parse("Acct-Status-Type = Start User-Name = \"x\" Framed-IP-Address = 10.1.1.999", &r), NL_INFO);
  assert_string_equal(r.in_ip, "");
}

static void test_mikrotik_hotspot(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("<134>Nov 17 09:05:00 MikroTik hotspot,account,info,debug ayse.k (10.5.50.23): logged in",
                         &r),
                   NL_LOGIN);
  assert_int_equal(r.parser, NLS_MIKROTIK);
  assert_string_equal(r.host, "MikroTik");
  assert_string_equal(r.user, "ayse.k");
  assert_string_equal(r.in_ip, "10.5.50.23");
  assert_string_equal(r.mac, "");
  assert_int_equal(parse("<134>Nov 17 10:00:00 MikroTik hotspot,account,info,debug ayse.k (10.5.50.23): logged "
                         "out: keepalive timeout",
                         &r),
                   NL_LOGOUT);
  /* MAC authentication: the user name is the device */
  assert_int_equal(parse("hotspot,account,info,debug AA:BB:CC:00:11:22 (10.5.50.24): logged in", &r), NL_LOGIN);
  assert_string_equal(r.user, "AA:BB:CC:00:11:22");
  assert_string_equal(r.mac, "aa:bb:cc:00:11:22");
  /* a user name with a space, and RouterOS 7's tag form */
  assert_int_equal(parse("<134>Nov 17 10:00:00 gw hotspot: Ayşe K (10.5.50.25): logged in", &r), NL_LOGIN);
  assert_string_equal(r.user, "Ayşe K");
  assert_int_equal(parse("hotspot,info,debug ayse.k (10.5.50.23): login failed: invalid username or password", &r),
                   NL_INFO);
  assert_int_equal(parse("hotspot,info,debug ayse.k (10.5.50.23): trying to log in by http-chap", &r), NL_INFO);
  assert_int_equal(parse("hotspot,info,debug ayse.k (10.5.50): logged in", &r), NL_UNKNOWN);
  assert_int_equal(parse("hotspot,info,debug ayse.k (10.5.50.23): logged inside", &r), NL_UNKNOWN);
}

static void test_pfsense_portal(void **state)
{
  (void)state;
  struct netlog_rec r;
  assert_int_equal(parse("<134>Nov 17 09:05:00 pfsense logportalauth[41312]: Zone: misafir - ACCEPT: ayse.k, "
                         "00:11:22:33:44:55, 10.5.60.23",
                         &r),
                   NL_LOGIN);
  assert_int_equal(r.parser, NLS_PORTAL);
  assert_string_equal(r.user, "ayse.k");
  assert_string_equal(r.mac, "00:11:22:33:44:55");
  assert_string_equal(r.in_ip, "10.5.60.23");
  assert_string_equal(r.client, "misafir");
  assert_int_equal(parse("logportalauth[41312]: Zone: misafir - DISCONNECT - USER LOGOUT: ayse.k, 00:11:22:33:44:55, "
                         "10.5.60.23",
                         &r),
                   NL_LOGOUT);
  assert_int_equal(parse("logportalauth[41312]: Zone: misafir - IDLE TIMEOUT: ayse.k, 00:11:22:33:44:55, 10.5.60.23",
                         &r),
                   NL_LOGOUT);
  assert_int_equal(parse("logportalauth[41312]: Zone: misafir - FAILURE: ali, 00:11:22:33:44:56, 10.5.60.24, "
                         "Invalid credentials specified",
                         &r),
                   NL_INFO);
  /* the older form without a zone, only from logportalauth */
  assert_int_equal(parse("logportalauth[1]: ACCEPT: veli, 00:11:22:33:44:57, 10.5.60.25", &r), NL_LOGIN);
  assert_string_equal(r.client, "");
  assert_int_equal(parse("other[1]: ACCEPT: veli, 00:11:22:33:44:57, 10.5.60.25", &r), NL_UNKNOWN);
  assert_int_equal(parse("Zone: z - ACCEPT: veli, 00:11:22:33:44, 10.5.60.25", &r), NL_UNKNOWN);
}

/* netlog_query_login over a real segment */
static void add(struct netlog_seg *seg, const char *line, int64_t t, enum netlog_kind want)
{
  struct netlog_rec r;
  assert_int_equal(parse(line, &r), want);
  r.time = t;
  assert_int_equal(netlog_seg_append(seg, &r), 0);
}

static const char *ev_line(json_t *o, size_t i)
{
  return json_string_value(json_object_get(json_array_get(json_object_get(o, "evidence"), i), "line"));
}

static void test_query_login(void **state)
{
  (void)state;
  char dir[] = "/tmp/defter-login-XXXXXX";
  assert_non_null(mkdtemp(dir));
  struct netlog_seg *seg = NULL;
  assert_int_equal(netlog_seg_create(dir, NOW, &seg), 0);
  const int64_t T = NOW;
  add(seg, "hotspot,account,info,debug ayse.k (10.5.50.23): logged in", T + 1000, NL_LOGIN);
  add(seg, "Acct-Status-Type = Interim-Update, User-Name = \"ayse.k\", Framed-IP-Address = 10.5.50.23, "
           "Calling-Station-Id = \"52-54-00-00-00-23\"",
      T + 1600, NL_LOGIN);
  add(seg, "hotspot,account,info,debug other (10.5.50.24): logged out: user request", T + 1700, NL_LOGOUT);
  add(seg, "hotspot,account,info,debug ayse.k (10.5.50.23): logged out: keepalive timeout", T + 2000, NL_LOGOUT);
  add(seg, "hotspot,account,info,debug mehmet (10.5.50.23): logged in", T + 3000, NL_LOGIN);
  add(seg, "Auth: (9) Login OK: [veli] (from client ap-1 port 0 cli 52-54-00-00-00-99)", T + 3500, NL_LOGIN);
  assert_int_equal(netlog_seg_close(seg), 0);

  json_t *o = netlog_query_login(dir, "10.5.50.23", NULL, T + 1500, 86400);
  assert_non_null(o);
  assert_string_equal(json_string_value(json_object_get(o, "user")), "ayse.k");
  assert_string_equal(json_string_value(json_object_get(o, "source")), "mikrotik");
  char start[32], end[32];
  fmt_iso8601(T + 1000, start);
  fmt_iso8601(T + 2000, end);
  assert_string_equal(json_string_value(json_object_get(o, "start")), start);
  assert_string_equal(json_string_value(json_object_get(o, "end")), end);
  assert_int_equal(json_array_size(json_object_get(o, "evidence")), 2);
  assert_string_equal(ev_line(o, 1), "hotspot,account,info,debug ayse.k (10.5.50.23): logged out: keepalive timeout");
  json_decref(o);
  /* after the interim update: the session started at the first login */
  o = netlog_query_login(dir, "10.5.50.23", NULL, T + 1650, 86400);
  assert_string_equal(json_string_value(json_object_get(o, "start")), start);
  assert_int_equal(json_array_size(json_object_get(o, "evidence")), 3);
  json_decref(o);
  /* logged out, then someone else */
  assert_null(netlog_query_login(dir, "10.5.50.23", NULL, T + 2500, 86400));
  o = netlog_query_login(dir, "10.5.50.23", NULL, T + 3200, 86400);
  assert_string_equal(json_string_value(json_object_get(o, "user")), "mehmet");
  assert_true(json_is_null(json_object_get(o, "end")));
  json_decref(o);
  /* radiusd named only the device: found through the lease's MAC */
  o = netlog_query_login(dir, "10.9.9.9", "52:54:00:00:00:99", T + 3600, 86400);
  assert_string_equal(json_string_value(json_object_get(o, "user")), "veli");
  assert_string_equal(json_string_value(json_object_get(o, "nas")), "ap-1");
  assert_string_equal(json_string_value(json_object_get(o, "source")), "freeradius");
  json_decref(o);
  /* before any login, long after the last one, nothing asked */
  assert_null(netlog_query_login(dir, "10.5.50.23", NULL, T + 500, 86400));
  assert_null(netlog_query_login(dir, "10.5.50.23", NULL, T + 3000 + 90000, 86400));
  assert_null(netlog_query_login(dir, NULL, "", T + 3200, 86400));
  char path[NETLOG_PATH_MAX];
  assert_int_equal(netlog_path(dir, 1, "seg", path, sizeof path), 0);
  assert_int_equal(unlink(path), 0);
  assert_int_equal(rmdir(dir), 0);
}

static void test_names(void **state)
{
  (void)state;
  assert_string_equal(netlog_kind_name(NL_LOGIN), "login");
  assert_string_equal(netlog_kind_name(NL_LOGOUT), "logout");
  assert_string_equal(netlog_parser_name(NLS_FREERADIUS), "freeradius");
  assert_string_equal(netlog_parser_name(NLS_MIKROTIK), "mikrotik");
  assert_string_equal(netlog_parser_name(NLS_PORTAL), "captiveportal");
  assert_string_equal(netlog_parser_name(NLS_COUNT), "");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_radiusd_log),      cmocka_unit_test(test_detail_records),
      cmocka_unit_test(test_radacct_one_line), cmocka_unit_test(test_mikrotik_hotspot),
      cmocka_unit_test(test_pfsense_portal),   cmocka_unit_test(test_query_login),
      cmocka_unit_test(test_names),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
