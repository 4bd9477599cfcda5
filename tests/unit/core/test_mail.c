/* test_mail.c - the outgoing mail of src/core/mail.c: the message builder
 * (RFC 2047 subject and sender name folded within 78 characters, quoted-
 * printable text, refused header injection), a round trip through the
 * MIME parser, and the outbox: enqueue inside a transaction, nothing
 * stored when mail is off, and the "mail.send" job's back-off and giving
 * up against a port where no server listens (delivery to a real server
 * is tested in tests/api/test_mail.py). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "../fixture.h"
#include "../../../src/core/config.h"
#include "../../../src/core/mail.h"
#include "../../../src/core/mime.h"

static const char FROM[] = "bilgiislem@eyupsultan.bel.tr";
static const char FROM_NAME[] = "Eyüpsultan Belediyesi Bilgi İşlem Müdürlüğü Destek Masası";
static const char SUBJECT[] =
    "[#2025-000123] Arıza kaydınız alındı: 3. kattaki yazıcı çalışmıyor, kağıt sıkışması — ĞÜŞİÖÇ ğüşıöç";
static const char BODY[] =
    "Sayın Ayşe İnce,\n"
    "\n"
    "Talebiniz alındı. Numarası: 2025-000123. Bu satır yetmiş altı karakterden uzun olduğu için yumuşak satır sonuyla "
    "bölünmeli ve geri birleştirilmelidir.\n"
    ".tek nokta ile başlayan satır\n"
    "From the start of a line\n"
    "eşittir = işareti ve satır sonunda boşluk   \n"
    "\tsekme ile\n"
    "Bilgi İşlem Müdürlüğü";

static void configure(const char *text)
{
  char path[128], err[256];
  snprintf(path, sizeof path, "%s/defter.conf", fixture_dir);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  config *c = NULL;
  assert_int_equal(config_load(path, &c, err, sizeof err), 0);
  mail_configure(c);
  config_free(c);
}

static int setup(void **state)
{
  (void)state;
  return fixture_open(NULL);
}

static int teardown(void **state)
{
  (void)state;
  mail_configure(NULL);
  return fixture_close();
}

static struct mail_msg message(void)
{
  struct mail_msg m = {
      .to = "ayse.ince@eyupsultan.bel.tr",
      .subject = SUBJECT,
      .body = BODY,
      .from = FROM,
      .from_name = FROM_NAME,
      .message_id = "<r1.1751354430@eyupsultan.bel.tr>",
      .in_reply_to = "<VI1PR01MB1@VI1PR01MB1.eurprd01.prod.exchangelabs.com>",
      .references = "<a0@example.com> <VI1PR01MB1@VI1PR01MB1.eurprd01.prod.exchangelabs.com>",
      .date = 1751354430,
  };
  return m;
}

/* Headers and body of a built message, line by line. */
static void check_lines(const char *msg)
{
  const char *end_of_head = strstr(msg, "\r\n\r\n");
  assert_non_null(end_of_head);
  for (const char *p = msg; *p;) {
    const char *crlf = strstr(p, "\r\n");
    assert_non_null(crlf); /* every line ends with CRLF */
    size_t n = (size_t)(crlf - p);
    bool head = p < end_of_head;
    if (n > (head ? 78u : 76u))
      fail_msg("line of %zu characters: %.*s", n, (int)n, p);
    for (size_t i = 0; i < n; i++) {
      unsigned char ch = (unsigned char)p[i];
      if (ch >= 0x7F || (ch < 0x20 && ch != '\t'))
        fail_msg("not 7-bit text: %.*s", (int)n, p);
    }
    if (!head && n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
      fail_msg("trailing blank in the body: %.*s", (int)n, p);
    if (!head && n > 0 && p[0] == '.')
      fail_msg("a body line starts with a dot: %.*s", (int)n, p);
    p = crlf + 2;
  }
}

static void test_build(void **state)
{
  struct mail_msg m = message();
  buf b;
  buf_init(&b, 0);
  assert_int_equal(mail_build(&m, &b), MAIL_OK);
  const char *s = buf_cstr(&b);
  check_lines(s);
  /* atoms of the sender name stay readable, each run of other words is
   * one encoded-word */
  assert_true(str_starts(s, "Date: Tue, 1 Jul 2025 07:20:30 +0000\r\n"
                            "From: =?UTF-8?Q?Ey=C3=BCpsultan?= Belediyesi Bilgi\r\n"
                            " =?UTF-8?Q?=C4=B0=C5=9Flem_M=C3=BCd=C3=BCrl=C3=BC=C4=9F=C3=BC?= Destek\r\n"
                            " =?UTF-8?Q?Masas=C4=B1?= <bilgiislem@eyupsultan.bel.tr>\r\n"));
  assert_non_null(strstr(s, "\r\nTo: ayse.ince@eyupsultan.bel.tr\r\nSubject: =?UTF-8?B?"));
  assert_non_null(strstr(s, "\r\nMessage-ID: <r1.1751354430@eyupsultan.bel.tr>\r\n"));
  assert_non_null(strstr(s, "\r\nIn-Reply-To: <VI1PR01MB1@VI1PR01MB1.eurprd01.prod.exchangelabs.com>\r\n"));
  assert_non_null(strstr(s, "\r\nReferences: <a0@example.com>\r\n <VI1PR01MB1@"));
  assert_non_null(strstr(s, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            "Content-Transfer-Encoding: quoted-printable\r\nAuto-Submitted: auto-generated\r\n"));
  assert_non_null(strstr(s, "\r\n=2Etek nokta"));
  assert_non_null(strstr(s, "\r\n=46rom the start"));
  assert_non_null(strstr(s, "e=C5=9Fittir =3D i=C5=9Fareti"));
  assert_non_null(strstr(s, "bo=C5=9Fluk  =20\r\n"));
  /* a character's bytes are never split by a soft line break */
  assert_null(strstr(s, "=C5=\r\n"));
  assert_null(strstr(s, "=C4=\r\n"));
  buf_free(&b);
}

/* What the builder writes, the parser reads back unchanged. */
static void test_round_trip(void **state)
{
  struct mail_msg m = message();
  buf b;
  buf_init(&b, 0);
  assert_int_equal(mail_build(&m, &b), MAIL_OK);
  arena *a = arena_new();
  struct mime_msg p;
  assert_int_equal(mime_parse(a, b.data, b.len, &p), 0);
  assert_string_equal(p.subject, SUBJECT);
  assert_string_equal(p.from.name, FROM_NAME);
  assert_string_equal(p.from.addr, FROM);
  assert_int_equal(p.nto, 1);
  assert_string_equal(p.to[0].addr, m.to);
  assert_string_equal(p.message_id, m.message_id);
  assert_string_equal(p.in_reply_to, m.in_reply_to);
  assert_string_equal(p.references, m.references);
  assert_int_equal(p.date_unix, m.date);
  assert_true(p.auto_generated);
  assert_int_equal(p.defects, 0);
  /* the body comes back whole, blanks at a line end included */
  assert_string_equal(p.text, BODY);
  buf_free(&b);

  /* plain ASCII stays readable and folds at spaces; "=?" in it is
   * encoded so no decoder takes it for a word */
  static const char *const subjects[] = {
      "Ticket 2025-000123 received: the printer on the third floor does not work and the paper jams again",
      "looks like =?utf-8?B?eA==?= but is not", "", "x", "ğ", "  spaces  around  ",
      "averyveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryveryverylongword here"};
  for (size_t i = 0; i < sizeof subjects / sizeof *subjects; i++) {
    struct mail_msg q = message();
    q.subject = subjects[i];
    q.from_name = "Destek \"Masa\" \\ IT";
    buf_init(&b, 0);
    assert_int_equal(mail_build(&q, &b), MAIL_OK);
    if (i == 0) {
      assert_non_null(strstr(b.data, "Subject: Ticket 2025-000123 received:"));
      check_lines(b.data);
    }
    assert_int_equal(mime_parse(a, b.data, b.len, &p), 0);
    struct slice_t {
      const char *p;
      size_t n;
    } want = {subjects[i], strlen(subjects[i])};
    while (want.n && want.p[0] == ' ') {
      want.p++;
      want.n--;
    }
    while (want.n && want.p[want.n - 1] == ' ')
      want.n--;
    if (strlen(p.subject) != want.n || strncmp(p.subject, want.p, want.n) != 0)
      fail_msg("subject \"%s\" came back as \"%s\"", subjects[i], p.subject);
    assert_string_equal(p.from.name, "Destek \"Masa\" \\ IT");
    buf_free(&b);
  }
  arena_free(a);
}

/* CR or LF anywhere in a header value, a bad address, bad UTF-8: refused,
 * and nothing is written. */
static void test_injection_refused(void **state)
{
  static const struct {
    const char *field, *value;
    int rc;
  } cases[] = {
      {"to", "ali@example.com\r\nBcc: all@example.com", MAIL_EADDR},
      {"to", "ali@example.com\nBcc: all@example.com", MAIL_EADDR},
      {"to", "Ali <ali@example.com>", MAIL_EADDR},
      {"to", "ali@example.com, veli@example.com", MAIL_EADDR},
      {"to", "", MAIL_EADDR},
      {"from", "bilgi@example.com\r\nX: y", MAIL_EADDR},
      {"subject", "Konu\r\nBcc: all@example.com", MAIL_EHEADER},
      {"subject", "Konu\nBcc: all@example.com", MAIL_EHEADER},
      {"subject", "Konu\rBcc: all@example.com", MAIL_EHEADER},
      {"subject", "tab\there", MAIL_EHEADER},
      {"subject", "bad \xff utf-8", MAIL_EHEADER},
      {"from_name", "Destek\r\nBcc: all@example.com", MAIL_EHEADER},
      {"in_reply_to", "<a@b>\r\nBcc: all@example.com", MAIL_EHEADER},
      {"in_reply_to", "no-brackets@example.com", MAIL_EHEADER},
      {"references", "<a@b>  <c@d>", MAIL_EHEADER},
      {"references", "<a@b> <c@d>\r\nX: y", MAIL_EHEADER},
      {"message_id", "<a b@c>", MAIL_EHEADER},
      {"body", "line\rbreak", MAIL_ETEXT},
      {"body", "bad \xc3\x28 utf-8", MAIL_ETEXT},
      {"body", "bell \x07", MAIL_ETEXT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct mail_msg m = message();
    const char **f = str_eq(cases[i].field, "to")            ? &m.to
                     : str_eq(cases[i].field, "from")        ? &m.from
                     : str_eq(cases[i].field, "subject")     ? &m.subject
                     : str_eq(cases[i].field, "from_name")   ? &m.from_name
                     : str_eq(cases[i].field, "in_reply_to") ? &m.in_reply_to
                     : str_eq(cases[i].field, "references")  ? &m.references
                     : str_eq(cases[i].field, "message_id")  ? &m.message_id
                                                             : &m.body;
    *f = cases[i].value;
    buf b;
    buf_init(&b, 0);
    buf_puts(&b, "kept");
    int rc = mail_build(&m, &b);
    if (rc != cases[i].rc)
      fail_msg("%s = \"%s\": got %d, want %d", cases[i].field, cases[i].value, rc, cases[i].rc);
    assert_string_equal(buf_cstr(&b), "kept");
    buf_free(&b);
  }
  /* a bounded output buffer that cannot take the message: refused, not cut */
  {
    struct mail_msg m = message();
    buf b;
    buf_init(&b, 100);
    assert_int_equal(mail_build(&m, &b), MAIL_ETOOBIG);
    buf_free(&b);
  }
  char *big = malloc(MAIL_SUBJECT_MAX + 2);
  memset(big, 'a', MAIL_SUBJECT_MAX + 1);
  big[MAIL_SUBJECT_MAX + 1] = 0;
  struct mail_msg m = message();
  m.subject = big;
  assert_int_equal(mail_check(&m), MAIL_ETOOBIG);
  free(big);
}

static int64_t outbox_int(const char *sql, int64_t id)
{
  int64_t v = -1;
  assert_int_equal(db_int(fixture_db, &v, sql, "i", id), DB_ROW);
  return v;
}

static void test_enqueue_off(void **state)
{
  configure("[mail]\nfrom = bilgi@example.com\n"); /* no smtp_url */
  assert_false(mail_enabled());
  int64_t before = fixture_count("SELECT count(*) FROM mail_outbox");
  assert_int_equal(mail_enqueue(fixture_db, "ali@example.com", "Konu", "Metin", "test:1"), MAIL_OK);
  assert_int_equal(fixture_count("SELECT count(*) FROM mail_outbox"), before);
  /* refused input is refused even when mail is off */
  assert_int_equal(mail_enqueue(fixture_db, "ali@example.com\r\nBcc: x@example.com", "K", "M", NULL), MAIL_EADDR);
  configure("[mail]\nsmtp_url = smtp://127.0.0.1:1\nfrom = not an address\n");
  assert_false(mail_enabled());
  configure("[mail]\nsmtp_url = smtp://127.0.0.1:1\nfrom = bilgi@example.com\nbase_url = https://defter.example.gov.tr/\n");
  assert_true(mail_enabled());
  assert_string_equal(mail_base_url(), "https://defter.example.gov.tr");
  configure("[server]\nlisten = 127.0.0.1:9090\n[mail]\n");
  assert_string_equal(mail_base_url(), "http://127.0.0.1:9090");
}

/* Nothing listens on 127.0.0.1:1: each run tries the first due message,
 * records the failure and stops (the next one waits untouched); a failed
 * message waits retry_seconds, doubled, and is given up after
 * max_attempts with its error kept. */
static void test_job_backoff(void **state)
{
  configure("[mail]\nsmtp_url = smtp://127.0.0.1:1\nfrom = bilgi@example.com\nsmtp_user = u\n"
            "smtp_password = Gizli-Parola-42\nretry_seconds = 60\nmax_attempts = 3\n");
  assert_true(mail_enabled());
  assert_int_equal(db_begin(fixture_db), 0);
  assert_int_equal(mail_enqueue(fixture_db, "ali@example.com", "Bir", "Metin 1", "test:1"), MAIL_OK);
  int64_t id1 = db_last_id(fixture_db);
  struct mail_msg m = {.to = "veli@example.com", .subject = "İki", .body = "Metin 2", .in_reply_to = "<x@example.com>"};
  assert_int_equal(mail_enqueue_msg(fixture_db, &m, "test:2"), MAIL_OK);
  int64_t id2 = db_last_id(fixture_db);
  assert_int_equal(db_commit(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id1), 0);

  int64_t t0 = now_unix();
  assert_int_equal(mail_job_send(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id1), 1);
  int64_t wait = outbox_int("SELECT next_try FROM mail_outbox WHERE id = ?", id1) - t0;
  assert_true(wait >= 59 && wait <= 62);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id2), 0);
  assert_int_equal(outbox_int("SELECT last_error IS NOT NULL FROM mail_outbox WHERE id = ?", id1), 1);
  assert_int_equal(outbox_int("SELECT last_error IS NULL FROM mail_outbox WHERE id = ?", id2), 1);
  assert_int_equal(outbox_int("SELECT instr(last_error, 'Gizli') FROM mail_outbox WHERE id = ?", id1), 0);

  /* the first is not due: the second is tried */
  assert_int_equal(mail_job_send(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id1), 1);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id2), 1);

  /* due again: the wait doubles */
  assert_int_equal(db_run(fixture_db, "UPDATE mail_outbox SET next_try = 0 WHERE id = ?", "i", id1), 0);
  t0 = now_unix();
  assert_int_equal(mail_job_send(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id1), 2);
  wait = outbox_int("SELECT next_try FROM mail_outbox WHERE id = ?", id1) - t0;
  assert_true(wait >= 119 && wait <= 122);

  /* the third failure is the last */
  assert_int_equal(db_run(fixture_db, "UPDATE mail_outbox SET next_try = 0 WHERE id = ?", "i", id1), 0);
  assert_int_equal(mail_job_send(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id1), 3);
  assert_int_equal(outbox_int("SELECT next_try IS NULL AND sent_at IS NULL FROM mail_outbox WHERE id = ?", id1), 1);
  assert_int_equal(outbox_int("SELECT length(last_error) > 0 FROM mail_outbox WHERE id = ?", id1), 1);
  assert_int_equal(mail_job_send(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id1), 3);

  /* stored with its threading header and a Message-ID of the sender's domain */
  assert_int_equal(
      outbox_int("SELECT in_reply_to = '<x@example.com>' AND message_id LIKE '<%@example.com>' AND ref = 'test:2'"
                 " FROM mail_outbox WHERE id = ?",
                 id2),
      1);

  /* with mail off the job does nothing */
  assert_int_equal(db_run(fixture_db, "UPDATE mail_outbox SET next_try = 0 WHERE id = ?", "i", id2), 0);
  configure("[mail]\n");
  assert_int_equal(mail_job_send(fixture_db), 0);
  assert_int_equal(outbox_int("SELECT attempts FROM mail_outbox WHERE id = ?", id2), 1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_build),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_injection_refused),
      cmocka_unit_test(test_enqueue_off),
      cmocka_unit_test(test_job_backoff),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
