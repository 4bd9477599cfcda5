/* netlog.c - `defter netlog`: the Law 5651 access-log collector (its own
 * process, independent of `defter serve`), `netlog verify` for the
 * archive's seals and chain, and `netlog query`, the audited "who had
 * this address then". */
#include "cli.h"
#include "../core/schema.h"
#include "../core/audit.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../netlog/netlog_int.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    "      Answers who had the address then; the query and its reason go to the audit trail.\n"
    "      Zaman dilimi yazılmazsa Türkiye saatidir / without a zone the time is Turkish time (UTC+3).\n"
    "  defter netlog export --data DIR --ip ADDR [--port N] --at T --reason TEXT --out FILE.zip [--segments]\n"
    "      Yetkili makamlar için delil paketi: satırlar, mühürler, zaman damgaları, doğrulama yönergesi.\n"
    "      Evidence package for the authorities: lines, seals, time stamps, verification instructions.\n";

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
  cli_i18n_init();
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

/* Reads --ip --port --at --reason into q (the same checks as the API). */
static int read_ask(const struct args *a, struct netlog_ask *q)
{
  memset(q, 0, sizeof *q);
  q->ip = arg_get(a, "ip");
  q->reason = arg_get(a, "reason");
  int64_t port = 0;
  if (arg_get(a, "port") && (parse_i64(arg_get(a, "port"), &port) || port < 1 || port > 65535)) {
    cli_error("--port: 1..65535");
    return -1;
  }
  q->port = (int)port;
  if (netlog_parse_moment(arg_get(a, "at"), &q->at)) {
    cli_error("--at: geçersiz zaman (ör. 2026-11-22T14:05:00, Türkiye saati; ya da Z / +03:00 ile) / invalid time");
    return -1;
  }
  json_t *f = netlog_ask_problems(q);
  if (f) {
    if (json_object_get(f, "reason"))
      cli_error("--reason gerekli (en çok 1000 bayt) / --reason is required (at most 1000 bytes)");
    else
      cli_error("--ip: geçersiz adres / invalid address");
    json_decref(f);
    return -1;
  }
  return 0;
}

static int netlog_query_cmd(int argc, char **argv, bool export)
{
  struct args a;
  if (args_parse(&a, argc, argv, export ? "data=,ip=,port=,at=,reason=,out=,segments" : "data=,ip=,port=,at=,reason=,json"))
    return 2;
  const char *dir = arg_get(&a, "data");
  if (!dir || !arg_get(&a, "ip") || !arg_get(&a, "at") || (export && !arg_get(&a, "out"))) {
    fputs(NETLOG_HELP, stderr);
    return 2;
  }
  struct netlog_ask q;
  if (read_ask(&a, &q))
    return 2;
  struct data_dir dd;
  if (data_open(&dd, dir))
    return 1;
  struct actor who = audit_system("cli:netlog");
  char why[256];
  json_t *ans = netlog_answer(dd.d, &who, export ? "export" : "query", &q, why, sizeof why);
  int rc = 1;
  if (!ans) {
    cli_error("%s", why);
    goto out;
  }
  if (export) {
    if (netlog_export_file(dd.d, ans, arg_flag(&a, "segments"), arg_get(&a, "out"))) {
      cli_error("paket yazılamadı / cannot write the package: %s", arg_get(&a, "out"));
      json_decref(ans);
      goto out;
    }
    printf("Delil paketi / evidence package: %s\n", arg_get(&a, "out"));
  } else if (arg_flag(&a, "json")) {
    char *s = json_dumps(ans, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
      puts(s);
    free(s);
  } else {
    json_t *l = json_object_get(ans, "lease");
    if (json_is_object(l))
      printf("DHCP: %s  MAC %s  %s .. %s  (%s)\n", jsonx_str(l, "ip"), jsonx_str(l, "mac"), jsonx_str(l, "start"),
             jsonx_str(l, "end"), jsonx_str(l, "host") ? jsonx_str(l, "host") : "-");
    json_t *lg = json_object_get(ans, "login");
    if (json_is_object(lg))
      printf("OTURUM / SIGNED IN: %s  MAC %s  %s .. %s\n", jsonx_str(lg, "user"),
             jsonx_str(lg, "mac") ? jsonx_str(lg, "mac") : "-", jsonx_str(lg, "start") ? jsonx_str(lg, "start") : "-",
             jsonx_str(lg, "end") ? jsonx_str(lg, "end") : "-");
    size_t i;
    json_t *n;
    json_array_foreach(json_object_get(ans, "nat"), i, n)
      printf("NAT: %s:%lld -> %s:%lld -> %s:%lld  %s  user %s\n", jsonx_str(n, "internal_ip"),
             (long long)jsonx_int(n, "internal_port", 0), jsonx_str(n, "public_ip"),
             (long long)jsonx_int(n, "public_port", 0), jsonx_str(n, "dst_ip"), (long long)jsonx_int(n, "dst_port", 0),
             jsonx_str(n, "time"), jsonx_str(n, "user") ? jsonx_str(n, "user") : "-");
    json_array_foreach(json_object_get(ans, "static"), i, n)
      printf("SABİT / STATIC: %s  MAC %s  %s  %s .. %s\n", jsonx_str(n, "ip"),
             jsonx_str(n, "mac") ? jsonx_str(n, "mac") : "-",
             jsonx_str(n, "person") ? jsonx_str(n, "person") : jsonx_str(n, "holder") ? jsonx_str(n, "holder") : "-",
             jsonx_str(n, "valid_from"), jsonx_str(n, "valid_to") ? jsonx_str(n, "valid_to") : "-");
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
    return netlog_query_cmd(argc - 1, argv + 1, false);
  if (argc > 0 && str_eq(argv[0], "export"))
    return netlog_query_cmd(argc - 1, argv + 1, true);
  if (argc > 0 && str_eq(argv[0], "ingest"))
    return netlog_ingest_cmd(argc - 1, argv + 1);
  if (argc > 0 && str_eq(argv[0], "dump"))
    return netlog_dump_cmd(argc - 1, argv + 1);
  if (argc > 0 && str_eq(argv[0], "collect"))
    return netlog_run(argc - 1, argv + 1);
  return netlog_run(argc, argv);
}
