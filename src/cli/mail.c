/* mail.c - `defter mail test|outbox|fetch`: lets an operator check the
 * [mail] settings from the command line: send one message now (or
 * through the outbox), see what waits in the outbox, and list or save
 * what the incoming mailbox holds. */
#include "cli.h"
#include "../core/imap.h"
#include "../core/mail.h"
#include "../core/mime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char MAIL_HELP[] =
    "Kullanım / usage:\n"
    "  defter mail test --data DIR --to ADDR [--subject TEXT] [--body TEXT] [--queue]\n"
    "      Bir deneme iletisi gönderir (--queue: giden kutusuna koyar).\n"
    "      Sends a test message now (--queue: through the outbox).\n"
    "  defter mail outbox --data DIR [--all]\n"
    "      Giden kutusunda bekleyen ve gönderilemeyen iletiler (--all: hepsi).\n"
    "      Messages waiting in or failed from the outbox (--all: every one).\n"
    "  defter mail fetch --data DIR (--dry-run | --save DIR2) [--max N] [--max-bytes N]\n"
    "      Gelen kutusundaki yeni iletiler: --dry-run listeler, hiçbirini okundu yapmaz;\n"
    "      --save DIR2 her birini DIR2/*.eml olarak kaydeder ve okundu işaretler.\n"
    "      New messages of the mailbox: --dry-run lists them and marks nothing;\n"
    "      --save DIR2 writes each to DIR2/*.eml and marks it seen.\n";

static const char TEST_SUBJECT[] = "defter deneme iletisi / test message: ğüşıöç ĞÜŞİÖÇ";

static int mail_test(struct data_dir *dd, const struct args *a)
{
  const char *to = arg_get(a, "to");
  const char *subject = arg_get(a, "subject") ? arg_get(a, "subject") : TEST_SUBJECT;
  char body[2048];
  if (arg_get(a, "body"))
    snprintf(body, sizeof body, "%s", arg_get(a, "body"));
  else
    snprintf(body, sizeof body,
             "Bu ileti defter'in e-posta ayarlarını denemek için gönderildi.\n"
             "This message was sent to test defter's mail settings.\n\n%s/\n",
             mail_base_url());
  if (!to) {
    fputs(MAIL_HELP, stderr);
    return 2;
  }
  if (!mail_enabled()) {
    cli_error("e-posta gönderimi yapılandırılmamış ([mail] smtp_url, from) / outgoing mail is not configured");
    return 1;
  }
  int rc;
  if (arg_flag(a, "queue")) {
    rc = db_begin(dd->d) ? MAIL_EDB : mail_enqueue(dd->d, to, subject, body, "cli.mail_test");
    if (rc == MAIL_OK && db_commit(dd->d))
      rc = MAIL_EDB;
    if (rc) {
      db_rollback(dd->d);
      cli_error("ileti kuyruğa alınamadı / not queued: %s", mail_strerror(rc));
      return 1;
    }
    printf("Giden kutusuna alındı / queued: %lld\n", (long long)db_last_id(dd->d));
    return 0;
  }
  char err[512];
  struct mail_msg m = {.to = to, .subject = subject, .body = body};
  rc = mail_send_now(&m, err, sizeof err);
  if (rc) {
    cli_error("ileti gönderilemedi / not sent: %s%s%s", mail_strerror(rc), *err ? ": " : "", err);
    return 1;
  }
  printf("İleti gönderildi / sent: %s\n", to);
  return 0;
}

static int mail_outbox(struct data_dir *dd, const struct args *a)
{
  bool all = arg_flag(a, "all");
  db_stmt *st = db_q(dd->d,
                     "SELECT id, to_addr, subject, attempts, sent_at, next_try, last_error FROM mail_outbox"
                     " WHERE ? OR sent_at IS NULL ORDER BY id DESC LIMIT 200",
                     "i", (int64_t)all);
  if (!st) {
    cli_error("giden kutusu okunamadı / cannot read the outbox");
    return 1;
  }
  printf("# id\tdurum/state\tdeneme/attempts\talıcı/to\tkonu/subject\thata/error\n");
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    const char *state = !db_col_null(st, 4) ? "sent" : !db_col_null(st, 5) ? "queued" : "failed";
    const char *err = db_col_text(st, 6);
    printf("%lld\t%s\t%lld\t%s\t%s\t%s\n", (long long)db_col_int(st, 0), state, (long long)db_col_int(st, 3),
           db_col_text(st, 1), db_col_text(st, 2), err ? err : "");
  }
  db_done(st);
  return rc == DB_OK ? 0 : 1;
}

struct fetch_state {
  const char *save_dir;
  size_t n;
  int failed;
};

/* --dry-run: one line per message, "From <addr>\tSubject". */
static int list_one(const char *raw, size_t len, void *u)
{
  struct fetch_state *fs = u;
  arena *a = arena_new();
  struct mime_msg m;
  fs->n++;
  if (mime_parse(a, raw, len, &m))
    printf("%zu\t?\t(%s)\n", fs->n, m.error);
  else
    printf("%zu\t%s%s<%s>\t%s\n", fs->n, m.from.name, *m.from.name ? " " : "", m.from.addr ? m.from.addr : "?",
           m.subject);
  arena_free(a);
  return 0;
}

/* --save: DIR2/<time>-<n>.eml, readable by the owner only. */
static int save_one(const char *raw, size_t len, void *u)
{
  struct fetch_state *fs = u;
  char path[4200];
  snprintf(path, sizeof path, "%s/%lld-%zu.eml", fs->save_dir, (long long)now_unix(), ++fs->n);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  bool ok = fd >= 0 && write(fd, raw, len) == (ssize_t)len;
  if (fd >= 0 && close(fd))
    ok = false;
  if (!ok) {
    cli_error("%s yazılamadı / cannot write: %s", path, strerror(errno));
    fs->failed = 1;
    return -1; /* stays unseen */
  }
  printf("%s\n", path);
  return 0;
}

static int mail_fetch(const struct args *a)
{
  bool dry = arg_flag(a, "dry-run");
  const char *save = arg_get(a, "save");
  if (dry == (save != NULL)) {
    fputs(MAIL_HELP, stderr);
    return 2;
  }
  if (!imap_enabled()) {
    cli_error("gelen e-posta yapılandırılmamış ([mail] imap_url) / incoming mail is not configured");
    return 1;
  }
  int64_t max = 100, max_bytes = 25 * 1024 * 1024;
  if ((arg_get(a, "max") && parse_i64(arg_get(a, "max"), &max)) ||
      (arg_get(a, "max-bytes") && parse_i64(arg_get(a, "max-bytes"), &max_bytes))) {
    cli_error("--max ve --max-bytes sayı olmalı / must be numbers");
    return 2;
  }
  struct fetch_state fs = {.save_dir = save};
  struct imap_stats st;
  int n = imap_fetch(dry ? IMAP_PEEK : IMAP_CONSUME, dry ? list_one : save_one, &fs, (size_t)max, (size_t)max_bytes,
                     &st);
  if (n < 0) {
    cli_error("posta kutusu okunamadı / cannot read the mailbox (see the log)");
    return 1;
  }
  printf("%zu yeni ileti, %zu çok büyük / %zu new messages, %zu too large\n", st.unseen, st.rejected, st.unseen,
         st.rejected);
  return fs.failed;
}

int cmd_mail(int argc, char **argv)
{
  if (argc < 1 || str_eq(argv[0], "--help")) {
    fputs(MAIL_HELP, argc < 1 ? stderr : stdout);
    return argc < 1 ? 2 : 0;
  }
  const char *known = str_eq(argv[0], "test")     ? "data=,to=,subject=,body=,queue"
                      : str_eq(argv[0], "outbox") ? "data=,all"
                      : str_eq(argv[0], "fetch")  ? "data=,dry-run,save=,max=,max-bytes="
                                                  : NULL;
  struct args a;
  if (!known || args_parse(&a, argc - 1, argv + 1, known) || !arg_get(&a, "data")) {
    fputs(MAIL_HELP, stderr);
    return 2;
  }
  struct data_dir dd;
  if (data_open(&dd, arg_get(&a, "data")))
    return 1;
  int rc = str_eq(argv[0], "test") ? mail_test(&dd, &a) : str_eq(argv[0], "outbox") ? mail_outbox(&dd, &a)
                                                                                      : mail_fetch(&a);
  data_close(&dd);
  return rc;
}
