/* cli.h - the administration commands behind `defter <command>`. */
#ifndef DEFTER_CLI_H
#define DEFTER_CLI_H

#include "../core/config.h"
#include "../core/db.h"

/* A parsed command line: --name value pairs and --flags. */
struct args {
  int n;
  const char *names[32];
  const char *values[32];
};
/* Parses argv (after the command words). known: "data=,preset=,demo"
 * (names ending in '=' take a value). Prints an error and returns -1 on
 * an unknown option. */
int args_parse(struct args *a, int argc, char **argv, const char *known) WUR;
const char *arg_get(const struct args *a, const char *name);
bool arg_flag(const struct args *a, const char *name);

/* An opened data directory. */
struct data_dir {
  char path[4096];
  config *conf;
  db *d;
};
/* Loads the Turkish message catalogue once (messages, mails and PDFs of
 * commands and jobs are Turkish first). data_open calls it. */
void cli_i18n_init(void);
/* Opens DIR/defter.conf and DIR/defter.db, runs migrations. */
int data_open(struct data_dir *dd, const char *dir) WUR;
void data_close(struct data_dir *dd);
/* Reads one line (a password) from stdin without the newline. */
int read_secret_stdin(char *out, size_t len) WUR;
/* Prints "Hata / Error: ..." to stderr. */
void cli_error(const char *fmt, ...) PRINTF(1, 2);

int cmd_init(int argc, char **argv);
int cmd_desk(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_preset(int argc, char **argv);
int cmd_jobs(int argc, char **argv);
int cmd_mail(int argc, char **argv);
int cmd_netlog(int argc, char **argv);
int cmd_ldap(int argc, char **argv);
int cmd_vault(int argc, char **argv);

#endif
