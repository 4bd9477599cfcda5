/* serve.c - `defter serve`: the web UI, the JSON API and the scheduler. */
#include "cli.h"
#include "../core/auth.h"
#include "../core/http.h"
#include "../core/i18n.h"
#include "../core/jobs.h"
#include "../core/log.h"
#include "../core/page.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char SERVE_HELP[] =
    "Kullanım / usage: defter serve --data DIR [--listen HOST:PORT]\n"
    "  Web arayüzünü ve API'yi sunar (öntanımlı 127.0.0.1:8080).\n"
    "  Serves the web UI and the API (default 127.0.0.1:8080).\n";

int cmd_serve(int argc, char **argv)
{
  struct args a;
  if (argc > 0 && str_eq(argv[0], "--help")) {
    fputs(SERVE_HELP, stdout);
    return 0;
  }
  if (args_parse(&a, argc, argv, "data=,listen="))
    return 2;
  const char *dir = arg_get(&a, "data");
  if (!dir) {
    fputs(SERVE_HELP, stderr);
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, dir))
    return 1;
  config *c = dd.conf;
  http_set_error_page(page_error);
  struct http_opts ho = {
      .listen = arg_get(&a, "listen") ? arg_get(&a, "listen") : config_get(c, "server.listen", "127.0.0.1:8080"),
      .threads = (int)config_int(c, "server.threads", 0),
      .body_max = (size_t)config_int(c, "server.body_max", 1024 * 1024),
      .upload_max = (size_t)config_int(c, "server.upload_max", 16 * 1024 * 1024),
      .tls = config_int(c, "server.tls", 0) != 0,
      .trusted_proxies = config_get(c, "server.trusted_proxies", ""),
  };
  /* Block the stop signals in every thread; the main thread waits for them. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  http_server *srv = NULL;
  if (http_start(&ho, &srv)) {
    data_close(&dd);
    return 1;
  }
  if (jobs_start()) {
    http_stop(srv);
    data_close(&dd);
    return 1;
  }
  log_info("defter serving", "url=http://%s/ data=\"%s\"", ho.listen, dir);
  printf("defter hazır / ready: http://%s/\n", ho.listen);
  fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  log_info("stopping", "signal=%d", sig);
  jobs_stop();
  http_stop(srv);
  data_close(&dd);
  return 0;
}
