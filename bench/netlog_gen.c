/* netlog_gen.c - realistic FortiGate (FortiOS 7 traffic/forward) and DHCP
 * (dnsmasq, ISC dhcpd) syslog lines for bench/netlog.sh, with a fixed
 * seed: a few thousand internal hosts (some far busier than others), many
 * destinations, four public NAT addresses, session ids that increase per
 * device, times that advance NETLOG_RATE lines per second of log time.
 *
 *   netlog_gen [LINES] > file      (LINES default NETLOG_LINES or 20000000)
 *
 * Environment: NETLOG_SEED [5651], NETLOG_RATE [2000] lines per log
 * second, NETLOG_START [1795294800 = 2026-11-22T00:00:00+03:00]. The last
 * line of stderr gives the (public ip, port, time) of one NAT session and
 * one internal address with its lease, for the query measurement. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng_s[2];

static uint64_t rnd(void)
{
  uint64_t s1 = rng_s[0];
  const uint64_t s0 = rng_s[1];
  rng_s[0] = s0;
  s1 ^= s1 << 23;
  rng_s[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
  return rng_s[1] + s0;
}

static uint32_t below(uint32_t n) { return (uint32_t)((rnd() >> 32) % n); }

/* a skewed pick in [0, n): small indexes far more often */
static uint32_t skewed(uint32_t n)
{
  double u = (double)(rnd() >> 11) / 9007199254740992.0;
  uint32_t v = (uint32_t)(n * u * u * u);
  return v < n ? v : n - 1;
}

enum { HOSTS = 4000, DESTS = 60000, DEVICES = 3 };

static const char *const DEVNAME[DEVICES] = {"FGT-MERKEZ", "FGT-HIZMET", "FGT-KULTUR"};
static const char *const DEVID[DEVICES] = {"FG200FT921900123", "FG100FTK20004567", "FG60FTK2209A8B9C"};
static const char *const POLUUID[4] = {"4b2c9e1a-6f0d-51ee-3c7a-0e9d2b6a1f40", "7c1d0f2b-8a3e-51ee-91b4-5d2c7e8f9a01",
                                       "a3e4b5c6-1d2f-51ee-8a9b-0c1d2e3f4a5b", "e0f1a2b3-c4d5-51ee-b6c7-d8e9f0a1b2c3"};
static const char *const FIRST[] = {"ahmet", "mehmet", "ayse", "fatma", "mustafa", "emine", "ali", "hatice",
                                    "huseyin", "zeynep", "ibrahim", "elif", "murat", "merve", "omer", "esra"};
static const char *const LAST[] = {"yilmaz", "kaya", "demir", "sahin", "celik", "yildiz", "yildirim", "ozturk",
                                   "aydin", "ozdemir", "arslan", "dogan", "kilic", "aslan", "cetin", "kara"};
static const char MON[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

struct svc {
  const char *name, *appcat;
  int proto, port, weight;
};
static const struct svc SVC[] = {
    {"HTTPS", "unscanned", 6, 443, 560}, {"HTTP", "unscanned", 6, 80, 120},  {"DNS", "unscanned", 17, 53, 180},
    {"NTP", "unscanned", 17, 123, 20},   {"SMTPS", "unscanned", 6, 465, 10}, {"IMAPS", "unscanned", 6, 993, 20},
    {"QUIC", "unscanned", 17, 443, 60},  {"RDP", "unscanned", 6, 3389, 5},   {"SSH", "unscanned", 6, 22, 5},
    {"tcp/8443", "unscanned", 6, 8443, 20},
};

static uint32_t dest_ip(uint32_t d)
{
  /* spread over public space; popular ones first */
  uint64_t h = (uint64_t)d * 0x9E3779B97F4A7C15ull;
  uint32_t a = (uint32_t)(h >> 40);
  static const uint8_t firsts[] = {142, 172, 157, 104, 151, 185, 31, 52, 13, 20, 40, 88, 94, 195, 212, 216};
  return (uint32_t)firsts[d % 16] << 24 | (a & 0xffffff);
}

int main(int argc, char **argv)
{
  const char *e;
  uint64_t lines = argc > 1 ? strtoull(argv[1], NULL, 10)
                            : (e = getenv("NETLOG_LINES")) ? strtoull(e, NULL, 10) : 20000000ull;
  uint64_t seed = (e = getenv("NETLOG_SEED")) ? strtoull(e, NULL, 10) : 5651;
  uint64_t rate = (e = getenv("NETLOG_RATE")) ? strtoull(e, NULL, 10) : 2000;
  int64_t start = (e = getenv("NETLOG_START")) ? strtoll(e, NULL, 10) : 1795294800;
  if (!rate)
    rate = 2000;
  rng_s[0] = seed * 0x9E3779B97F4A7C15ull + 1;
  rng_s[1] = seed ^ 0xD1B54A32D192ED03ull;
  for (int i = 0; i < 20; i++)
    rnd();
  int wsum = 0;
  for (size_t i = 0; i < sizeof SVC / sizeof *SVC; i++)
    wsum += SVC[i].weight;
  static int user_of[HOSTS];
  for (int h = 0; h < HOSTS; h++)
    user_of[h] = below(10) < 4 ? (int)below(256) : -1;
  uint64_t session[DEVICES] = {1803456789ull, 412345678ull, 98765432ull};
  static char out[1 << 20];
  setvbuf(stdout, out, _IOFBF, sizeof out);
  uint64_t nat_probe = lines / 2;
  char probe[200] = "", lease_probe[200] = "";
  for (uint64_t n = 0; n < lines; n++) {
    int64_t t = start + (int64_t)(n / rate);
    int64_t lt = t + 3 * 3600; /* devices log local time, +03:00 */
    struct tm tm;
    time_t tt = (time_t)lt;
    gmtime_r(&tt, &tm);
    char bsd[16];
    snprintf(bsd, sizeof bsd, "%.3s %2d %02d:%02d:%02d", MON + 3 * tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec);
    uint32_t h = skewed(HOSTS);
    uint32_t hip = 10u << 24 | (10u + h / 1000) << 16 | ((h % 1000) / 250 + 1) << 8 | (h % 250 + 2);
    char ip[16];
    snprintf(ip, sizeof ip, "%u.%u.%u.%u", hip >> 24, hip >> 16 & 255, hip >> 8 & 255, hip & 255);
    char mac[18];
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", (h * 7) % 3 == 0 ? 0x3c : 0xd8,
             (h * 13) & 255 ? 0x52 : 0x7a, 0xa1, h >> 8 & 255, h & 255, (h * 31) & 255);
    if (below(2000) == 0) { /* a DHCP line: a lease renewed about hourly */
      if (h % 2 == 0)
        printf("<30>%s dhcp1 dnsmasq-dhcp[812]: %u DHCPACK(eth1) %s %s pc-%04u\n", bsd, (unsigned)below(1u << 30), ip,
               mac, h);
      else
        printf("<30>%s dhcp2 dhcpd[1042]: DHCPACK on %s to %s (nb-%04u) via eth0\n", bsd, ip, mac, h);
      if (!lease_probe[0] && n > lines / 3)
        snprintf(lease_probe, sizeof lease_probe, "lease %s %lld %s", ip, (long long)t, mac);
      continue;
    }
    int dev = h < 2600 ? 0 : h < 3500 ? 1 : 2;
    int w = (int)below((uint32_t)wsum), si = 0;
    while (w >= SVC[si].weight)
      w -= SVC[si++].weight;
    const struct svc *sv = &SVC[si];
    uint32_t d = skewed(DESTS), dip = sv->port == 53 ? (below(2) ? 0x08080808u : 0x01010101u) : dest_ip(d);
    unsigned sport = 1024 + below(64511), tport = 1024 + below(64511);
    unsigned pub = 0xCB00710Au + (unsigned)dev + (dev == 0 ? below(2) * 3 : 0);
    session[dev] += 1 + below(3);
    int pol = h % 7 == 0 ? 2 : h % 5 == 0 ? 1 : h >= 3900 ? 3 : 0;
    unsigned dur = sv->proto == 17 ? 180 : skewed(600) + 1;
    uint64_t sent = 40 + skewed(200000), rcvd = 60 + skewed(2000000);
    unsigned spk = (unsigned)(sent / 700 + 1 + below(3)), rpk = (unsigned)(rcvd / 1200 + 1 + below(3));
    uint64_t evt = (uint64_t)t * 1000000000ull + below(1000000000u);
    char user[80] = "";
    if (user_of[h] >= 0)
      snprintf(user, sizeof user, " user=\"%s.%s\"", FIRST[user_of[h] & 15],
               LAST[user_of[h] >> 4]);
    printf("<189>%s %s date=%04d-%02d-%02d time=%02d:%02d:%02d devname=\"%s\" devid=\"%s\" eventtime=%llu "
           "tz=\"+0300\" logid=\"0000000013\" type=\"traffic\" subtype=\"forward\" level=\"notice\" vd=\"root\" "
           "srcip=%s srcport=%u srcintf=\"port%d\" srcintfrole=\"lan\" dstip=%u.%u.%u.%u dstport=%d "
           "dstintf=\"wan1\" dstintfrole=\"wan\" sessionid=%llu "
           "proto=%d action=\"%s\" policyid=%d policytype=\"policy\" poluuid=\"%s\"%s "
           "service=\"%s\" trandisp=\"snat\" transip=%u.%u.%u.%u transport=%u appcat=\"%s\" duration=%u "
           "sentbyte=%llu rcvdbyte=%llu sentpkt=%u rcvdpkt=%u\n",
           bsd, DEVNAME[dev], tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           DEVNAME[dev], DEVID[dev], (unsigned long long)evt, ip, sport, 2 + (int)(h % 3), dip >> 24,
           dip >> 16 & 255, dip >> 8 & 255, dip & 255, sv->port,
           (unsigned long long)session[dev],
           sv->proto, sv->proto == 17 ? "accept" : below(10) ? "close" : "timeout", pol + 1, POLUUID[pol], user, sv->name, pub >> 24, pub >> 16 & 255, pub >> 8 & 255, pub & 255, tport, sv->appcat,
           dur, (unsigned long long)sent, (unsigned long long)rcvd, spk, rpk);
    if (n >= nat_probe && !probe[0])
      snprintf(probe, sizeof probe, "nat %u.%u.%u.%u %u %lld %s", pub >> 24, pub >> 16 & 255, pub >> 8 & 255,
               pub & 255, tport, (long long)t, ip);
  }
  fflush(stdout);
  fprintf(stderr, "%s\n%s\n", probe, lease_probe);
  return 0;
}
