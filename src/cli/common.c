/* common.c - option parsing and data-directory opening shared by the
 * commands. */
#include "cli.h"
#include "../core/module.h"
#include "../core/auth.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "../core/ldap.h"
#include "../core/mail.h"
#include "../core/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_error(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fputs("defter: hata / error: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int args_parse(struct args *a, int argc, char **argv, const char *known)
{
  memset(a, 0, sizeof *a);
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (strncmp(s, "--", 2) != 0) {
      cli_error("beklenmeyen argüman / unexpected argument: %s", s);
      return -1;
    }
    const char *name = s + 2;
    const char *eq = strchr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    /* find in known list */
    const char *k = known;
    bool found = false, takes = false;
    while (k && *k) {
      const char *end = strchr(k, ',');
      size_t klen = end ? (size_t)(end - k) : strlen(k);
      bool kv = klen > 0 && k[klen - 1] == '=';
      size_t base = kv ? klen - 1 : klen;
      if (base == nlen && strncmp(k, name, nlen) == 0) {
        found = true;
        takes = kv;
        break;
      }
      k = end ? end + 1 : NULL;
    }
    if (!found || a->n >= 32) {
      cli_error("bilinmeyen seçenek / unknown option: %s", s);
      return -1;
    }
    static char namebuf[32][64];
    snprintf(namebuf[a->n], sizeof namebuf[a->n], "%.*s", (int)nlen, name);
    a->names[a->n] = namebuf[a->n];
    if (takes) {
      if (eq)
        a->values[a->n] = eq + 1;
      else if (i + 1 < argc)
        a->values[a->n] = argv[++i];
      else {
        cli_error("%s bir değer bekliyor / needs a value", s);
        return -1;
      }
    } else {
      a->values[a->n] = "";
    }
    a->n++;
  }
  return 0;
}

const char *arg_get(const struct args *a, const char *name)
{
  for (int i = a->n - 1; i >= 0; i--)
    if (strcmp(a->names[i], name) == 0)
      return a->values[i];
  return NULL;
}

bool arg_flag(const struct args *a, const char *name)
{
  return arg_get(a, name) != NULL;
}

void cli_i18n_init(void)
{
  static bool done;
  if (done)
    return;
  done = true;
  /* The build tree's catalogue when run from a build, else the system's. */
  const char *localedir = getenv("DEFTER_LOCALEDIR");
  if (!localedir)
    localedir = access(DEFTER_LOCALE_DIR "/tr/LC_MESSAGES/defter.mo", R_OK) == 0 ? DEFTER_LOCALE_DIR
                                                                               : DEFTER_SYSTEM_LOCALE_DIR;
  char mo[4200];
  snprintf(mo, sizeof mo, "%s/tr/LC_MESSAGES/defter.mo", localedir);
  if (access(mo, R_OK) != 0)
    log_warn("Turkish catalogue missing; UI falls back to English", "path=\"%s\"", mo);
  (void)i18n_init(localedir);
}

int data_open(struct data_dir *dd, const char *dir)
{
  memset(dd, 0, sizeof *dd);
  snprintf(dd->path, sizeof dd->path, "%s", dir);
  char p[4200], err[512];
  snprintf(p, sizeof p, "%s/defter.conf", dir);
  if (config_load(p, &dd->conf, err, sizeof err)) {
    cli_error("%s", err);
    return -1;
  }
  enum log_level lvl;
  if (log_parse_level(config_get(dd->conf, "log.level", "info"), &lvl) == 0)
    log_set_level(lvl);
  config_warn_unknown(dd->conf);
  cli_i18n_init();
  config *c = dd->conf;
  struct auth_opts ao = {
      .idle_s = config_int(c, "session.idle_minutes", 30) * 60,
      .absolute_s = config_int(c, "session.absolute_hours", 12) * 3600,
      .max_user_failures = (int)config_int(c, "login.max_user_failures", 5),
      .max_ip_failures = (int)config_int(c, "login.max_ip_failures", 20),
      .window_s = config_int(c, "login.window_minutes", 15) * 60,
      .min_password_len = (int)config_int(c, "password.min_length", 10),
  };
  auth_configure(&ao);
  ldapx_configure(c);
  mail_configure(c);
  snprintf(p, sizeof p, "%s/defter.db", dir);
  if (db_open(p, false, &dd->d)) {
    cli_error("%s açılamadı; önce `defter init` / cannot open; run `defter init` first", p);
    config_free(dd->conf);
    dd->conf = NULL;
    return -1;
  }
  db_set_default_path(p);
  if (schema_migrate_all(dd->d)) {
    cli_error("şema güncellenemedi / migration failed");
    data_close(dd);
    return -1;
  }
  for (size_t m = 0; m < defter_nmodules; m++)
    if (defter_modules[m]->configure)
      defter_modules[m]->configure(dd->conf);
  return 0;
}

void data_close(struct data_dir *dd)
{
  db_close(dd->d);
  config_free(dd->conf);
  dd->d = NULL;
  dd->conf = NULL;
}

int read_secret_stdin(char *out, size_t len)
{
  if (!fgets(out, (int)len, stdin))
    return -1;
  size_t n = strlen(out);
  while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
    out[--n] = 0;
  return n ? 0 : -1;
}
