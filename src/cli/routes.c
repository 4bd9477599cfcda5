/* routes.c - `defter routes` lists every registered route (for the docs
 * and the OpenAPI completeness test); `defter preset check FILE`
 * validates a preset without a data directory; `defter jobs list|run`
 * lists the scheduled jobs or runs one now (operators and tests). */
#include "cli.h"
#include "../core/jobs.h"
#include "../core/module.h"
#include "../org/org.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_routes(int argc, char **argv)
{
  bool json = argc > 0 && str_eq(argv[0], "--json");
  if (argc > 0 && str_eq(argv[0], "--help")) {
    puts("Kullanım / usage: defter routes [--json]");
    return 0;
  }
  json_t *arr = json_array();
  for (size_t m = 0; m < defter_nmodules; m++) {
    const struct defter_module *mod = defter_modules[m];
    for (size_t i = 0; i < mod->nroutes; i++) {
      const struct route *r = &mod->routes[i];
      if (json)
        json_array_append_new(arr, json_pack("{ssssssss}", "module", mod->name, "method", r->method, "path", r->path,
                                             "perm", r->perm ? r->perm : "public"));
      else
        printf("%-7s %-40s %-10s %s\n", r->method, r->path, mod->name, r->perm ? r->perm : "public");
    }
  }
  if (json) {
    char *s = json_dumps(arr, JSON_INDENT(1));
    puts(s);
    free(s);
  }
  json_decref(arr);
  return 0;
}

int cmd_preset(int argc, char **argv)
{
  if (argc < 2 || !str_eq(argv[0], "check")) {
    fputs("Kullanım / usage: defter preset check ID|FILE\n", argc > 0 && str_eq(argv[0], "--help") ? stdout : stderr);
    return argc > 0 && str_eq(argv[0], "--help") ? 0 : 2;
  }
  char err[1024];
  const char *path = org_preset_path(argv[1]);
  if (org_preset_check(path, err, sizeof err)) {
    cli_error("%s", err);
    return 1;
  }
  printf("Şablon geçerli / preset valid: %s\n", path);
  return 0;
}

int cmd_jobs(int argc, char **argv)
{
  static const char help[] =
      "Kullanım / usage: defter jobs list | defter jobs run NAME --data DIR\n"
      "  Zamanlanmış işleri listeler ya da birini hemen çalıştırır.\n"
      "  Lists the scheduled jobs or runs one now.\n";
  if (argc < 1 || str_eq(argv[0], "--help")) {
    fputs(help, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  if (str_eq(argv[0], "list")) {
    for (size_t m = 0; m < defter_nmodules; m++)
      for (size_t j = 0; j < defter_modules[m]->njobs; j++)
        printf("%-24s %-8s her %lld sn / every %lld s\n", defter_modules[m]->jobs[j].name, defter_modules[m]->name,
               (long long)defter_modules[m]->jobs[j].interval_s, (long long)defter_modules[m]->jobs[j].interval_s);
    return 0;
  }
  struct args a;
  if (!str_eq(argv[0], "run") || argc < 2 || args_parse(&a, argc - 2, argv + 2, "data=") || !arg_get(&a, "data")) {
    fputs(help, stderr);
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, arg_get(&a, "data")))
    return 1;
  int rc = jobs_run(dd.d, argv[1]);
  data_close(&dd);
  if (rc) {
    cli_error("iş çalıştırılamadı (adı doğru mu?) / job failed or unknown: %s", argv[1]);
    return 1;
  }
  printf("İş çalıştı / job done: %s\n", argv[1]);
  return 0;
}
