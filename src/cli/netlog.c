/* netlog.c - `defter netlog`: the Law 5651 access-log collector (its own
 * process, independent of `defter serve`), `netlog verify` for the
 * archive's seals and chain, and `netlog query`, the audited "who had
 * this address then". */
#include "cli.h"
#include "../core/schema.h"
#include "../core/audit.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../netlog/netlog.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char NETLOG_HELP[] =
    "Kullanım / usage:\n"
    "  defter netlog --data DIR\n"
    "      5651 erişim kayıtlarını toplar (syslog UDP/TCP, dosyalar); SIGTERM ile mühürleyip durur.\n"
    "      Collects access logs (syslog UDP/TCP, tailed files); SIGTERM seals and stops.\n"
    "  defter netlog verify --data DIR [--from T] [--to T] [--ca FILE] [--pdf FILE] [--json]\n"
    "      Özetleri, zaman damgalarını ve zinciri doğrular (sorun varsa çıkış kodu 1); --pdf raporu\n"
    "      bilirkişi ve mahkeme için PDF olarak da yazar.\n"
    "      Checks hashes, time stamps and the chain (exit status 1 on any problem); --pdf also writes\n"
    "      the report as a PDF for experts and courts.\n"
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

/* The report as a PDF at path (the institution from the data directory's
 * store when it has one). */
static int verify_pdf_file(const json_t *rep, const char *data_dir, const char *path)
{
  char *inst = NULL, dbp[4200];
  struct data_dir dd;
  struct stat sb;
  snprintf(dbp, sizeof dbp, "%s/defter.db", data_dir);
  if (stat(dbp, &sb) == 0 && data_open(&dd, data_dir) == 0) {
    arena *a = arena_new();
    const char *v = settings_get(dd.d, a, "institution");
    inst = v ? xstrdup(v) : NULL;
    arena_free(a);
    data_close(&dd);
  }
  buf out;
  int rc = netlog_verify_pdf(rep, inst, now_unix(), &out);
  free(inst);
  if (!rc) {
    FILE *fp = fopen(path, "wbe");
    rc = fp && fwrite(out.data, 1, out.len, fp) == out.len ? 0 : -1;
    if (fp && fclose(fp))
      rc = -1;
  }
  buf_free(&out);
  return rc;
}

static int netlog_verify_cmd(int argc, char **argv)
{
  struct args a;
  if (args_parse(&a, argc, argv, "data=,from=,to=,ca=,pdf=,json"))
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
  o.fallback_ca_file = config_get(conf, "netlog.fallback_tsa_ca", "");
  char nl[4200];
  snprintf(nl, sizeof nl, "%s/netlog", dir);
  json_t *rep = netlog_verify_report(nl, &o);
  if (!rep) {
    config_free(conf);
    cli_error("%s okunamadı / cannot read", nl);
    return 1;
  }
  int problems = arg_flag(&a, "json") ? (int)jsonx_int(rep, "problems", 0) : netlog_verify_print(rep, stdout);
  if (arg_flag(&a, "json")) {
    char *text = json_dumps(rep, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text)
      puts(text);
    free(text);
  }
  int prc = 0;
  if (arg_get(&a, "pdf"))
    prc = verify_pdf_file(rep, dir, arg_get(&a, "pdf"));
  json_decref(rep);
  config_free(conf);
  if (prc) {
    cli_error("PDF yazılamadı / cannot write the PDF: %s", arg_get(&a, "pdf"));
    return 1;
  }
  if (arg_flag(&a, "json"))
    return problems ? 1 : 0;
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
  if (argc > 0 && str_eq(argv[0], "collect"))
    return netlog_run(argc - 1, argv + 1);
  return netlog_run(argc, argv);
}
