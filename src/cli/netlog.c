/* netlog.c - `defter netlog`: the Law 5651 access-log collector (its own
 * process, independent of `defter serve`), `netlog verify` for the
 * archive's seals and chain, and `netlog query`, the audited "who had
 * this address then". */
#include "cli.h"
#include "../core/audit.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../netlog/netlog.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char NETLOG_HELP[] =
    "Kullanım / usage:\n"
    "  defter netlog --data DIR\n"
    "      5651 erişim kayıtlarını toplar (syslog UDP/TCP, dosyalar); SIGTERM ile mühürleyip durur.\n"
    "      Collects access logs (syslog UDP/TCP, tailed files); SIGTERM seals and stops.\n"
    "  defter netlog verify --data DIR [--from T] [--to T] [--ca FILE]\n"
    "      Özetleri, zaman damgalarını ve zinciri doğrular (sorun varsa çıkış kodu 1).\n"
    "      Checks hashes, time stamps and the chain (exit status 1 on any problem).\n"
    "  defter netlog query --data DIR --ip ADDR [--port N] --at ISO8601 --reason TEXT [--json]\n"
    "      O anda adresi kimin kullandığını yanıtlar; sorgu ve gerekçesi denetim kaydına yazılır.\n"
    "      Answers who had the address then; the query and its reason go to the audit trail.\n";

static int load_conf(const char *dir, config **conf)
{
  char p[4200], err[512];
  snprintf(p, sizeof p, "%s/defter.conf", dir);
  if (config_load(p, conf, err, sizeof err)) {
    cli_error("%s", err);
    return -1;
  }
  enum log_level lvl;
  if (log_parse_level(config_get(*conf, "log.level", "info"), &lvl) == 0)
    log_set_level(lvl);
  config_warn_unknown(*conf);
  return 0;
}

static int netlog_run(int argc, char **argv)
{
  struct args a;
  if (args_parse(&a, argc, argv, "data="))
    return 2;
  const char *dir = arg_get(&a, "data");
  if (!dir) {
    fputs(NETLOG_HELP, stderr);
    return 2;
  }
  config *conf = NULL;
  if (load_conf(dir, &conf))
    return 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = netlog_collect(dir, conf);
  curl_global_cleanup();
  config_free(conf);
  return rc;
}

static int parse_time_arg(const char *s, const char *what, int64_t *out)
{
  if (!s)
    return 0;
  if (parse_iso8601(s, out)) {
    cli_error("%s: geçersiz zaman / invalid time: %s", what, s);
    return -1;
  }
  return 0;
}

static int netlog_verify_cmd(int argc, char **argv)
{
  struct args a;
  if (args_parse(&a, argc, argv, "data=,from=,to=,ca="))
    return 2;
  const char *dir = arg_get(&a, "data");
  if (!dir) {
    fputs(NETLOG_HELP, stderr);
    return 2;
  }
  struct netlog_verify_opts o = {0};
  if (parse_time_arg(arg_get(&a, "from"), "--from", &o.from) || parse_time_arg(arg_get(&a, "to"), "--to", &o.to))
    return 2;
  config *conf = NULL;
  if (load_conf(dir, &conf))
    return 1;
  o.ca_file = arg_get(&a, "ca") ? arg_get(&a, "ca") : config_get(conf, "netlog.tsa_ca", "");
  char nl[4200];
  snprintf(nl, sizeof nl, "%s/netlog", dir);
  int problems = netlog_verify(nl, &o, stdout);
  config_free(conf);
  if (problems < 0) {
    cli_error("%s okunamadı / cannot read", nl);
    return 1;
  }
  if (problems) {
    printf("Arşiv BOZUK / archive BROKEN: %d sorun / problems\n", problems);
    return 1;
  }
  printf("Arşiv sağlam / archive intact\n");
  return 0;
}

static int netlog_query_cmd(int argc, char **argv)
{
  struct args a;
  if (args_parse(&a, argc, argv, "data=,ip=,port=,at=,reason=,json"))
    return 2;
  const char *dir = arg_get(&a, "data"), *ip = arg_get(&a, "ip"), *reason = arg_get(&a, "reason");
  int64_t at = 0, port = 0;
  if (!dir || !ip || !arg_get(&a, "at")) {
    fputs(NETLOG_HELP, stderr);
    return 2;
  }
  if (!reason || !reason[0] || strlen(reason) > 1000) {
    cli_error("--reason gerekli (en çok 1000 bayt) / --reason is required (at most 1000 bytes)");
    return 2;
  }
  if (parse_time_arg(arg_get(&a, "at"), "--at", &at))
    return 2;
  if (arg_get(&a, "port") && (parse_i64(arg_get(&a, "port"), &port) || port < 1 || port > 65535)) {
    cli_error("--port: 1..65535");
    return 2;
  }
  if (strlen(ip) >= NETLOG_IP_MAX) {
    cli_error("--ip: geçersiz adres / invalid address");
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, dir))
    return 1;
  struct netlog_query q = {
      .ip = ip,
      .port = (int)port,
      .at = at,
      .lease_s = config_int(dd.conf, "netlog.lease_seconds", 86400),
      .window_s = config_int(dd.conf, "netlog.nat_window_seconds", 600),
  };
  char nl[4200];
  snprintf(nl, sizeof nl, "%s/netlog", dir);
  json_t *ans = netlog_query_run(nl, &q);
  int rc = 1;
  if (!ans) {
    cli_error("%s okunamadı / cannot read", nl);
    goto out;
  }
  /* the query is on the record before its answer is shown */
  char at_s[32];
  fmt_iso8601(at, at_s);
  json_t *after = json_pack("{s:s, s:I, s:s, s:s, s:b}", "ip", ip, "port", (json_int_t)port, "at", at_s, "reason",
                            reason, "found", json_is_true(json_object_get(ans, "found")));
  struct actor who = audit_system("cli:netlog");
  int arc = after ? audit_write(dd.d, &who, "query", "netlog", ip, 0, NULL, after) : -1;
  json_decref(after);
  if (arc) {
    cli_error("denetim kaydı yazılamadı; yanıt verilmedi / cannot write the audit trail; no answer given");
    json_decref(ans);
    goto out;
  }
  json_t *query = json_pack("{s:s, s:I, s:s, s:s}", "ip", ip, "port", (json_int_t)port, "at", at_s, "reason", reason);
  json_object_set_new(ans, "query", query);
  if (arg_flag(&a, "json")) {
    char *s = json_dumps(ans, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
      puts(s);
    free(s);
  } else {
    json_t *l = json_object_get(ans, "lease");
    if (json_is_object(l))
      printf("DHCP: %s  MAC %s  %s .. %s  (%s)\n", jsonx_str(l, "ip"), jsonx_str(l, "mac"), jsonx_str(l, "start"),
             jsonx_str(l, "end"), jsonx_str(l, "host") ? jsonx_str(l, "host") : "-");
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(ans, "nat"), i, n)
      printf("NAT: %s:%lld -> %s:%lld -> %s:%lld  %s  user %s\n", jsonx_str(n, "internal_ip"),
             (long long)jsonx_int(n, "internal_port", 0), jsonx_str(n, "public_ip"),
             (long long)jsonx_int(n, "public_port", 0), jsonx_str(n, "dst_ip"), (long long)jsonx_int(n, "dst_port", 0),
             jsonx_str(n, "time"), jsonx_str(n, "user") ? jsonx_str(n, "user") : "-");
    if (!json_is_true(json_object_get(ans, "found")))
      printf("Kayıt yok / no record\n");
  }
  json_decref(ans);
  rc = 0;
out:
  data_close(&dd);
  return rc;
}

static int netlog_ingest_cmd(int argc, char **argv)
{
  struct args a;
  if (args_parse(&a, argc, argv, "data=,file=,segment-lines="))
    return 2;
  const char *dir = arg_get(&a, "data");
  char *file = (char *)arg_get(&a, "file");
  int64_t per = 0;
  if (!dir || !file || (arg_get(&a, "segment-lines") && parse_i64(arg_get(&a, "segment-lines"), &per))) {
    fputs(NETLOG_HELP, stderr);
    return 2;
  }
  int64_t n = 0, t0 = now_ms();
  int rc = netlog_ingest(dir, &file, 1, per, &n);
  int64_t ms = now_ms() - t0;
  fprintf(stderr, "%lld satır / lines, %lld ms\n", (long long)n, (long long)ms);
  if (rc) {
    cli_error("içe aktarma başarısız / ingest failed");
    return 1;
  }
  return 0;
}

struct dump_out {
  FILE *fp;
  int64_t n;
};

static int dump_row(const struct netlog_rec *r, void *u)
{
  struct dump_out *d = u;
  fwrite(r->raw, 1, r->raw_len, d->fp);
  fputc('\n', d->fp);
  d->n++;
  return 0;
}

static int netlog_dump_cmd(int argc, char **argv)
{
  struct args a;
  if (args_parse(&a, argc, argv, "data="))
    return 2;
  const char *dir = arg_get(&a, "data");
  if (!dir) {
    fputs(NETLOG_HELP, stderr);
    return 2;
  }
  char nl[4200];
  snprintf(nl, sizeof nl, "%s/netlog", dir);
  uint64_t *seqs = NULL;
  size_t n = 0;
  if (netlog_list(nl, &seqs, &n)) {
    cli_error("%s okunamadı / cannot read", nl);
    return 1;
  }
  static char obuf[1 << 20];
  setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
  struct dump_out d = {stdout, 0};
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    char path[NETLOG_PATH_MAX];
    if (netlog_path(nl, seqs[i], "seg", path, sizeof path) || access(path, F_OK))
      continue;
    if (netlog_seg_scan(path, NULL, dump_row, &d, NULL)) {
      cli_error("%s bozuk / damaged", path);
      rc = 1;
    }
  }
  free(seqs);
  fflush(stdout);
  fprintf(stderr, "%lld satır / lines\n", (long long)d.n);
  return rc;
}

int cmd_netlog(int argc, char **argv)
{
  if (argc > 0 && (str_eq(argv[0], "--help") || str_eq(argv[0], "help"))) {
    fputs(NETLOG_HELP, stdout);
    return 0;
  }
  if (argc > 0 && str_eq(argv[0], "verify"))
    return netlog_verify_cmd(argc - 1, argv + 1);
  if (argc > 0 && str_eq(argv[0], "query"))
    return netlog_query_cmd(argc - 1, argv + 1);
  if (argc > 0 && str_eq(argv[0], "ingest"))
    return netlog_ingest_cmd(argc - 1, argv + 1);
  if (argc > 0 && str_eq(argv[0], "dump"))
    return netlog_dump_cmd(argc - 1, argv + 1);
  if (argc > 0 && str_eq(argv[0], "collect"))
    return netlog_run(argc - 1, argv + 1);
  return netlog_run(argc, argv);
}
