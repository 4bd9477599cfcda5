/* desk.c - `defter desk seed`: loads synthetic tickets (fixed seed) into a
 * data directory, for demonstrations and the benchmark (bench/desk.sh). */
#include "cli.h"
#include "../desk/desk.h"

#include <stdio.h>
#include <string.h>

int cmd_desk(int argc, char **argv)
{
  struct args a;
  if (argc < 1 || !str_eq(argv[0], "seed") || args_parse(&a, argc - 1, argv + 1, "data=,count=,seed=") ||
      !arg_get(&a, "data")) {
    fputs("Kullanım / usage: defter desk seed --data DIR --count N [--seed S]\n"
          "  N adet örnek kayıt yükler / loads N synthetic tickets (fixed seed)\n",
          stderr);
    return 2;
  }
  int64_t count = 1000, seed = 1;
  if ((arg_get(&a, "count") && (parse_i64(arg_get(&a, "count"), &count) || count < 1 || count > 100000000)) ||
      (arg_get(&a, "seed") && parse_i64(arg_get(&a, "seed"), &seed))) {
    cli_error("geçersiz sayı / invalid number");
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, arg_get(&a, "data")))
    return 1;
  int64_t t0 = now_ms();
  int rc = desk_seed_categories(dd.d);
  if (!rc)
    rc = desk_generate(dd.d, count, (uint64_t)seed, false);
  int64_t ms = now_ms() - t0;
  data_close(&dd);
  if (rc) {
    cli_error("kayıtlar yüklenemedi / tickets not loaded");
    return 1;
  }
  printf("%lld kayıt yüklendi / tickets loaded in %.1f s (%.0f/s)\n", (long long)count, (double)ms / 1000.0,
         ms ? (double)count * 1000.0 / (double)ms : 0.0);
  return 0;
}
