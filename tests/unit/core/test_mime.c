/* test_mime.c - the received-mail parser of src/core/mime.c on messages
 * shaped like the ones Outlook, Thunderbird and web mailers send
 * (windows-1254 quoted-printable, RFC 2231 file names, nested multiparts,
 * inline images), on encoded headers, and on broken and hostile input:
 * every result must be valid UTF-8 without control characters, within
 * the limits, and never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../src/core/mime.h"
#include "../../../src/core/tr.h"

/* Text with "\n" line ends: every line valid UTF-8, no control character
 * but tabs. */
static void assert_clean_text(const char *s)
{
  assert_non_null(s);
  const char *p = s;
  for (;;) {
    const char *nl = strchr(p, '\n');
    size_t n = nl ? (size_t)(nl - p) : strlen(p);
    if (tr_text_check(p, n, true))
      fail_msg("not clean UTF-8 text: \"%.*s\"", (int)n, p);
    if (!nl)
      break;
    p = nl + 1;
  }
}

static void assert_clean_line(const char *s)
{
  assert_non_null(s);
  if (tr_text_check(s, strlen(s), false))
    fail_msg("not a clean UTF-8 line: \"%s\"", s);
}

/* Everything a parse hands back is clean, whatever the input was. */
static void assert_clean_msg(const struct mime_msg *m)
{
  assert_clean_line(m->subject);
  assert_clean_line(m->from.name);
  assert_clean_line(m->reply_to.name);
  assert_clean_text(m->text);
  assert_true(m->nto <= MIME_ADDRS_MAX && m->ncc <= MIME_ADDRS_MAX);
  for (size_t i = 0; i < m->nto; i++) {
    assert_clean_line(m->to[i].name);
    assert_clean_line(m->to[i].addr);
  }
  assert_true(m->nparts <= MIME_PARTS_MAX);
  for (size_t i = 0; i < m->nparts; i++) {
    assert_clean_line(m->parts[i].filename);
    assert_clean_line(m->parts[i].content_type);
    assert_null(strchr(m->parts[i].filename, '/'));
    assert_true(m->parts[i].data != NULL || m->parts[i].len == 0);
  }
  if (m->message_id)
    assert_clean_line(m->message_id);
  if (m->date)
    assert_clean_line(m->date);
}

static int parse(arena *a, const char *raw, struct mime_msg *m)
{
  int rc = mime_parse(a, raw, strlen(raw), m);
  if (rc == 0)
    assert_clean_msg(m);
  return rc;
}

/* Outlook: multipart/alternative, windows-1254 quoted-printable text and
 * HTML, a Q-encoded windows-1254 subject and sender name. */
static const char OUTLOOK[] =
    "Received: from mx.example.gov.tr by mail; Tue, 1 Jul 2025 10:20:31 +0300\r\n"
    "From: =?windows-1254?Q?Ay=FEe_=DDnce?= <ayse.ince@eyupsultan.bel.tr>\r\n"
    "To: Destek Masas\xc4\xb1 <destek@eyupsultan.bel.tr>, \"Kaya, Mehmet\" <mkaya@eyupsultan.bel.tr>\r\n"
    "Subject: =?windows-1254?Q?Yaz=FDc=FD_=E7al=FD=FEm=FDyor?=\r\n"
    "Thread-Topic: Yaz\xfd" "c\xfd\r\n"
    "Date: Tue, 1 Jul 2025 10:20:30 +0300\r\n"
    "Message-ID: <VI1PR0101MB2345ABCD@VI1PR0101MB2345.eurprd01.prod.exchangelabs.com>\r\n"
    "Accept-Language: tr-TR, en-US\r\n"
    "Content-Language: tr-TR\r\n"
    "Content-Type: multipart/alternative;\r\n"
    "\tboundary=\"_000_VI1PR0101MB2345ABCD_\"\r\n"
    "MIME-Version: 1.0\r\n"
    "\r\n"
    "--_000_VI1PR0101MB2345ABCD_\r\n"
    "Content-Type: text/plain; charset=\"windows-1254\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Merhaba,\r\n"
    "\r\n"
    "3. kattaki yaz=FDc=FD =E7al=FD=FEm=FDyor, ka=F0=FDt s=FDk=FD=FEmas=FD var. =\r\n"
    "=DD=DE=D0=DC=D6=C7\r\n"
    "\r\n"
    "Ay=FEe =DDnce\r\n"
    "\r\n"
    "--_000_VI1PR0101MB2345ABCD_\r\n"
    "Content-Type: text/html; charset=\"windows-1254\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<html><head><style>p{margin:0}</style></head><body><p class=3D\"MsoNormal\">Merhaba,</p>=\r\n"
    "<p>3. kattaki yaz=FDc=FD</p></body></html>\r\n"
    "\r\n"
    "--_000_VI1PR0101MB2345ABCD_--\r\n";

static void test_outlook_alternative_cp1254(void **state)
{
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(parse(a, OUTLOOK, &m), 0);
  assert_string_equal(m.subject, "Yazıcı çalışmıyor");
  assert_string_equal(m.from.name, "Ayşe İnce");
  assert_string_equal(m.from.addr, "ayse.ince@eyupsultan.bel.tr");
  assert_int_equal(m.nto, 2);
  assert_string_equal(m.to[0].name, "Destek Masası");
  assert_string_equal(m.to[0].addr, "destek@eyupsultan.bel.tr");
  assert_string_equal(m.to[1].name, "Kaya, Mehmet");
  assert_string_equal(m.to[1].addr, "mkaya@eyupsultan.bel.tr");
  assert_string_equal(m.message_id, "<VI1PR0101MB2345ABCD@VI1PR0101MB2345.eurprd01.prod.exchangelabs.com>");
  assert_int_equal(m.date_unix, 1751354430);
  assert_false(m.text_from_html);
  assert_string_equal(m.text, "Merhaba,\n\n3. kattaki yazıcı çalışmıyor, kağıt sıkışması var. İŞĞÜÖÇ\n\nAyşe İnce");
  assert_int_equal(m.nparts, 0);
  assert_int_equal(m.defects, 0);
  assert_false(m.auto_generated);
  arena_free(a);
}

/* Thunderbird: multipart/mixed, UTF-8 format=flowed text, a base64 PDF
 * named with RFC 2231 (filename*=UTF-8''...). */
static const char THUNDERBIRD[] =
    "Message-ID: <4b1c0a2e-9f6d-4c1e-8f7a-0123456789ab@eyupsultan.bel.tr>\r\n"
    "Date: Wed, 2 Jul 2025 09:05:00 +0300\r\n"
    "MIME-Version: 1.0\r\n"
    "User-Agent: Mozilla Thunderbird\r\n"
    "Content-Language: tr\r\n"
    "To: destek@eyupsultan.bel.tr\r\n"
    "From: =?UTF-8?Q?Hasan_=C3=96zt=C3=BCrk?= <hasan.ozturk@eyupsultan.bel.tr>\r\n"
    "Subject: =?UTF-8?Q?Ar=C4=B1za_kayd=C4=B1_=23123?=\r\n"
    "In-Reply-To: <a1.1751354430@eyupsultan.bel.tr>\r\n"
    "References: <a0.1751354400@eyupsultan.bel.tr>\r\n"
    " <a1.1751354430@eyupsultan.bel.tr>\r\n"
    "Content-Type: multipart/mixed;\r\n"
    " boundary=\"------------0123456789ABCDEF01234567\"\r\n"
    "\r\n"
    "This is a multi-part message in MIME format.\r\n"
    "--------------0123456789ABCDEF01234567\r\n"
    "Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Merhaba, raporu ekte g\xc3\xb6nderiyorum; bu sat\xc4\xb1r \r\n"
    "devam ediyor.\r\n"
    "\r\n"
    "-- \r\n"
    "Hasan\r\n"
    "--------------0123456789ABCDEF01234567\r\n"
    "Content-Type: application/pdf;\r\n"
    " name*=UTF-8''Ar%C4%B1za%20raporu.pdf\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*=UTF-8''Ar%C4%B1za%20raporu.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQg\r\n"
    "dGVzdAo=\r\n"
    "\r\n"
    "--------------0123456789ABCDEF01234567--\r\n";

static void test_thunderbird_mixed_rfc2231(void **state)
{
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(parse(a, THUNDERBIRD, &m), 0);
  assert_string_equal(m.subject, "Arıza kaydı #123");
  assert_string_equal(m.from.name, "Hasan Öztürk");
  assert_string_equal(m.text, "Merhaba, raporu ekte gönderiyorum; bu satır devam ediyor.\n\n-- \nHasan");
  assert_string_equal(m.in_reply_to, "<a1.1751354430@eyupsultan.bel.tr>");
  assert_string_equal(m.references, "<a0.1751354400@eyupsultan.bel.tr> <a1.1751354430@eyupsultan.bel.tr>");
  assert_int_equal(m.nparts, 1);
  assert_string_equal(m.parts[0].filename, "Arıza raporu.pdf");
  assert_string_equal(m.parts[0].content_type, "application/pdf");
  assert_false(m.parts[0].is_inline);
  assert_int_equal(m.parts[0].len, 14);
  assert_memory_equal(m.parts[0].data, "%PDF-1.4 test\n", 14);
  assert_int_equal(m.defects, 0);
  arena_free(a);
}

/* A web mailer: mixed > alternative > (plain, related > (html, inline
 * image)) plus an attachment whose name is an RFC 2047 word (as Outlook
 * and Gmail write it). The plain text wins over the HTML. */
static const char NESTED[] =
    "From: \"Bilgi =?utf-8?B?xLA=?=\xc5\x9flem\" <bim@example.com>\r\n"
    "To: undisclosed-recipients:;\r\n"
    "Subject: =?UTF-8?B?xJ/DvMWfxLHDtsOn?=\r\n"
    "Content-Type: multipart/mixed; boundary=\"mixed\"\r\n"
    "\r\n"
    "--mixed\r\n"
    "Content-Type: multipart/alternative; boundary=\"alt\"\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "TWVyaGFiYSwgeWF6xLFjxLEgYXLEsXphbMSxLiBUZcWfZWtrw7xybGVyLgo=\r\n"
    "--alt\r\n"
    "Content-Type: multipart/related; boundary=\"rel\"\r\n"
    "\r\n"
    "--rel\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "\r\n"
    "<p>HTML s\xc3\xbcr\xc3\xbcm\xc3\xbc</p><img src=\"cid:logo@x\">\r\n"
    "--rel\r\n"
    "Content-Type: image/png\r\n"
    "Content-ID: <logo@x>\r\n"
    "Content-Disposition: inline\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "AAECAwQFBgcICQoL\r\n"
    "--rel--\r\n"
    "--alt--\r\n"
    "--mixed\r\n"
    "Content-Type: application/pdf; name=\"=?utf-8?B?QXLEsXphIHJhcG9ydSDigJMgS2FzxLFtLnBkZg==?=\"\r\n"
    "Content-Disposition: attachment; filename=\"=?utf-8?B?QXLEsXphIHJhcG9ydSDigJMgS2FzxLFtLnBkZg==?=\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQgdGVzdAo=\r\n"
    "--mixed--\r\n";

static void test_nested_multipart(void **state)
{
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(parse(a, NESTED, &m), 0);
  assert_string_equal(m.subject, "ğüşıöç");
  assert_string_equal(m.from.name, "Bilgi İşlem");
  assert_int_equal(m.nto, 0);
  assert_string_equal(m.text, "Merhaba, yazıcı arızalı. Teşekkürler.");
  assert_false(m.text_from_html);
  assert_int_equal(m.nparts, 2);
  assert_string_equal(m.parts[0].content_type, "image/png");
  assert_true(m.parts[0].is_inline);
  assert_string_equal(m.parts[0].content_id, "<logo@x>");
  assert_string_equal(m.parts[0].filename, "");
  assert_int_equal(m.parts[0].len, 12);
  assert_string_equal(m.parts[1].filename, "Arıza raporu – Kasım.pdf");
  assert_int_equal(m.parts[1].len, 14);
  assert_int_equal(m.defects, 0);
  arena_free(a);
}

static void test_html_only(void **state)
{
  static const char raw[] =
      "From: a@example.com\n"
      "Subject: =?iso-8859-9?Q?=DEifre_s=FDf=FDrlama_=F0=FC=FE=FD=F6=E7?=\n"
      "Content-Type: text/html; charset=iso-8859-9\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "<html><head><title>x</title><script>alert(1)</script></head><body>\n"
      "<div>=DEifremi   unuttum &amp; giri=FE yapam=FDyorum.</div><div>Te&#351;ekk&uuml;rler,<br>Ali</div>\n"
      "<!-- a <p> comment --><ul><li>bir</li><li>iki</li></ul>&copy; &#x131; &bogus; &#0;\n"
      "</body></html>\n";
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(parse(a, raw, &m), 0);
  assert_string_equal(m.subject, "Şifre sıfırlama ğüşıöç");
  assert_true(m.text_from_html);
  assert_string_equal(m.text, "Şifremi unuttum & giriş yapamıyorum.\nTeşekkürler,\nAli\n\n- bir\n- iki\n\n© ı &bogus; \xef\xbf\xbd");
  arena_free(a);
}

/* An empty text/plain alternative: the HTML one is the text. */
static void test_empty_plain_alternative(void **state)
{
  static const char raw[] =
      "From: a@example.com\n"
      "Content-Type: multipart/alternative; boundary=\"b\"\n"
      "\n"
      "--b\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "  \n"
      "--b\n"
      "Content-Type: text/html; charset=utf-8\n"
      "\n"
      "<p>Yaz\xc4\xb1" "c\xc4\xb1 bozuk</p>\n"
      "--b--\n";
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(parse(a, raw, &m), 0);
  assert_string_equal(m.text, "Yazıcı bozuk");
  assert_true(m.text_from_html);
  arena_free(a);
}

static void test_encoded_words(void **state)
{
  arena *a = arena_new();
  /* the space between two words goes; a character split across words
   * survives; raw text around them stays; Q's "_" is a space */
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"=?UTF-8?B?xA==?= =?UTF-8?B?nw==?=", "ğ"},
      {"Re: =?iso-8859-9?Q?=DEikayet?= =?iso-8859-9?Q?_hk.?= tamam", "Re: Şikayet hk. tamam"},
      {"=?utf-8*tr?q?g=C3=BCzel?=", "güzel"},
      {"=?windows-1254?B?/f7w?=", "ışğ"},
      {"=?us-ascii?Q?plain?= =?unknown-8bit?Q?x=FFy?=", "plainx\xef\xbf\xbdy"},
      {"=?utf-8?Q?broken", "=?utf-8?Q?broken"},
      {"=?utf-8?X?abc?=", "=?utf-8?X?abc?="},
      {"a\r\n b\tc", "a b c"},
      {"\xc3\xa7ok g\xc3\xbczel", "çok güzel"}, /* raw UTF-8 (RFC 6532) */
      {"\xe7ok g\xfczel", "çok güzel"},         /* raw windows-1254 */
      {"=?utf-8?B?AAEC?=x", "x"},                /* control characters dropped */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const char *got = mime_decode_header(a, cases[i].in, strlen(cases[i].in));
    if (strcmp(got, cases[i].want) != 0)
      fail_msg("%s: got \"%s\", want \"%s\"", cases[i].in, got, cases[i].want);
    assert_clean_line(got);
  }
  arena_free(a);
}

static void test_addresses_and_date(void **state)
{
  static const char raw[] =
      "From: ali@example.com (Ali Veli)\r\n"
      "Reply-To: <mailto:yanit@example.com>\r\n"
      "To: Ekip: \"A, B\" <a@example.com>, c@example.com;, not an address, <@r1,@r2:d@example.com>\r\n"
      "Cc: \"=?utf-8?Q?G=C3=BCl?=\" <gul@example.com>\r\n"
      "Date: 2 Jul 25 09:05 GMT\r\n"
      "Message-ID: broken id\r\n"
      "\r\n"
      "x\r\n";
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(parse(a, raw, &m), 0);
  assert_string_equal(m.from.addr, "ali@example.com");
  assert_string_equal(m.from.name, "Ali Veli");
  assert_string_equal(m.reply_to.addr, "yanit@example.com");
  assert_int_equal(m.nto, 3);
  assert_string_equal(m.to[0].name, "A, B");
  assert_string_equal(m.to[1].addr, "c@example.com");
  assert_string_equal(m.to[2].addr, "d@example.com");
  assert_int_equal(m.ncc, 1);
  assert_string_equal(m.cc[0].name, "Gül");
  assert_int_equal(m.date_unix, 1751447100);
  assert_null(m.message_id);
  assert_true(m.defects & MIME_DEFECT_HEADER);
  assert_string_equal(m.text, "x");
  arena_free(a);
}

static void test_auto_generated(void **state)
{
  static const char *const raws[] = {
      "From: a@example.com\nAuto-Submitted: auto-replied\n\nOut of office\n",
      "From: a@example.com\nPrecedence: bulk\n\nnews\n",
      "From: a@example.com\nX-Autoreply: yes\n\nx\n",
      "Return-Path: <>\nFrom: MAILER-DAEMON@example.com\n\nbounce\n",
      "From: a@example.com\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\n\n--b\n\nx\n--b--\n",
  };
  arena *a = arena_new();
  struct mime_msg m;
  for (size_t i = 0; i < sizeof raws / sizeof *raws; i++) {
    assert_int_equal(parse(a, raws[i], &m), 0);
    if (!m.auto_generated)
      fail_msg("not seen as automatic: %s", raws[i]);
  }
  assert_int_equal(parse(a, "From: a@example.com\nAuto-Submitted: no\n\nhi\n", &m), 0);
  assert_false(m.auto_generated);
  arena_free(a);
}

/* Broken input gives a best-effort result with the defect named. */
static void test_broken(void **state)
{
  arena *a = arena_new();
  struct mime_msg m;
  /* no closing boundary: the last part runs to the end */
  assert_int_equal(parse(a, "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nson\n", &m),
                   0);
  assert_string_equal(m.text, "son");
  assert_true(m.defects & MIME_DEFECT_BOUNDARY);
  /* a boundary that never appears: the body is read as text */
  assert_int_equal(parse(a, "Content-Type: multipart/mixed; boundary=zz\n\nduz metin\n", &m), 0);
  assert_string_equal(m.text, "duz metin");
  assert_true(m.defects & MIME_DEFECT_BOUNDARY);
  /* multipart without a boundary parameter */
  assert_int_equal(parse(a, "Content-Type: multipart/mixed\n\nmetin\n", &m), 0);
  assert_string_equal(m.text, "metin");
  /* invalid base64 and quoted-printable: decoded as far as possible */
  assert_int_equal(parse(a, "Content-Transfer-Encoding: base64\n\nTWVy!!aGFi*YQ==\n", &m), 0);
  assert_string_equal(m.text, "Merhaba");
  assert_true(m.defects & MIME_DEFECT_ENCODING);
  assert_int_equal(parse(a, "Content-Transfer-Encoding: quoted-printable\n\na=ZZb=4\n", &m), 0);
  assert_string_equal(m.text, "a=ZZb=4");
  assert_true(m.defects & MIME_DEFECT_ENCODING);
  /* invalid UTF-8 and an unknown charset: bytes replaced */
  assert_int_equal(parse(a, "Content-Type: text/plain; charset=utf-8\n\nA\xff\xc3(B\xed\xa0\x80\n", &m), 0);
  assert_string_equal(m.text, "A\xef\xbf\xbd\xef\xbf\xbd(B\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  assert_true(m.defects & MIME_DEFECT_CHARSET);
  assert_int_equal(parse(a, "Content-Type: text/plain; charset=x-mac-turkish\n\nok \x80\n", &m), 0);
  assert_string_equal(m.text, "ok \xef\xbf\xbd");
  /* no charset and 8-bit bytes: Windows-1254, as Turkish PCs wrote */
  assert_int_equal(parse(a, "Subject: x\n\ng\xfcnayd\xfdn\n", &m), 0);
  assert_string_equal(m.text, "günaydın");
  /* NUL and control characters never reach the text */
  static const char ctl[] = "Subject: a\x01\x1b[31mb\n\nx\0y\x7fz\x1b\tw\r\n";
  assert_int_equal(mime_parse(a, ctl, sizeof ctl - 1, &m), 0);
  assert_clean_msg(&m);
  assert_string_equal(m.subject, "a[31mb");
  assert_string_equal(m.text, "xyz\tw");
  /* a malformed header line is skipped */
  assert_int_equal(parse(a, "Subject: ok\nthis is no header\nFrom: a@example.com\n\nbody\n", &m), 0);
  assert_string_equal(m.from.addr, "a@example.com");
  assert_true(m.defects & MIME_DEFECT_HEADER);
  /* a header block without a body */
  assert_int_equal(parse(a, "Subject: only headers", &m), 0);
  assert_string_equal(m.subject, "only headers");
  assert_string_equal(m.text, "");
  /* path in a file name; a name that is only dots */
  assert_int_equal(parse(a,
                         "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                         "Content-Disposition: attachment; filename=\"..\\\\..\\\\windows\\\\evil.exe\"\n\nx\n--b\n"
                         "Content-Disposition: attachment; filename=\"/etc/..\"\n\ny\n--b--\n",
                         &m),
                   0);
  assert_int_equal(m.nparts, 2);
  assert_string_equal(m.parts[0].filename, "evil.exe");
  assert_string_equal(m.parts[1].filename, "");
  assert_string_equal(m.parts[0].content_type, "text/plain");
  arena_free(a);
}

static void test_refused(void **state)
{
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(mime_parse(a, "", 0, &m), -1);
  assert_non_null(m.error);
  assert_int_equal(mime_parse(a, NULL, 0, &m), -1);
  assert_int_equal(parse(a, "just some text\nwithout headers\n", &m), -1);
  assert_non_null(m.error);
  assert_int_equal(parse(a, "\n\nbody after nothing\n", &m), -1);
  /* an mbox "From " line alone is no header */
  assert_int_equal(parse(a, "From someone Tue Jul  1 10:00:00 2025\n\nx\n", &m), -1);
  assert_int_equal(parse(a, "From someone Tue Jul  1 10:00:00 2025\nSubject: s\n\nx\n", &m), 0);
  assert_string_equal(m.subject, "s");
  arena_free(a);
}

/* A MIME bomb: multiparts nested far deeper than the limit, and more
 * parts than the limit. Both stop at the limit and say so. */
static void test_limits(void **state)
{
  buf b;
  buf_init(&b, 0);
  for (int i = 0; i < 200; i++)
    buf_printf(&b, "%sContent-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i ? "" : "Subject: deep\n", i, i);
  buf_puts(&b, "Content-Type: text/plain\n\nin the middle\n");
  for (int i = 199; i >= 0; i--)
    buf_printf(&b, "--b%d--\n", i);
  arena *a = arena_new();
  struct mime_msg m;
  assert_int_equal(mime_parse(a, b.data, b.len, &m), 0);
  assert_clean_msg(&m);
  assert_true(m.defects & MIME_DEFECT_LIMIT);
  assert_string_equal(m.text, "");
  buf_free(&b);

  buf_init(&b, 0);
  buf_puts(&b, "Subject: many\nContent-Type: multipart/mixed; boundary=x\n\n");
  for (int i = 0; i < 500; i++)
    buf_printf(&b, "--x\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=f%d\n\n%d\n",
               i, i);
  buf_puts(&b, "--x--\n");
  assert_int_equal(mime_parse(a, b.data, b.len, &m), 0);
  assert_clean_msg(&m);
  assert_true(m.defects & MIME_DEFECT_LIMIT);
  assert_true(m.nparts > 0 && m.nparts < MIME_PARTS_MAX);
  assert_string_equal(m.parts[0].filename, "f0");
  buf_free(&b);

  /* 500 encoded words and a long folded header stay one clean line */
  buf_init(&b, 0);
  buf_puts(&b, "Subject:");
  for (int i = 0; i < 500; i++)
    buf_puts(&b, " =?utf-8?B?xJ/DvA==?=\r\n");
  buf_puts(&b, "\r\nx");
  assert_int_equal(mime_parse(a, b.data, b.len, &m), 0);
  assert_clean_msg(&m);
  assert_int_equal(strlen(m.subject), 2000);
  buf_free(&b);
  arena_free(a);
}

/* Every prefix of a real message parses to something clean (a message
 * cut off anywhere: in a header, an encoded word, a boundary, base64). */
static void test_truncated_everywhere(void **state)
{
  const char *const msgs[] = {OUTLOOK, THUNDERBIRD, NESTED};
  for (size_t k = 0; k < 3; k++) {
    size_t n = strlen(msgs[k]);
    for (size_t cut = 1; cut <= n; cut++) {
      arena *a = arena_new();
      struct mime_msg m;
      char *copy = malloc(cut);
      memcpy(copy, msgs[k], cut); /* no NUL: the parser must stay inside */
      if (mime_parse(a, copy, cut, &m) == 0)
        assert_clean_msg(&m);
      free(copy);
      arena_free(a);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_outlook_alternative_cp1254),
      cmocka_unit_test(test_thunderbird_mixed_rfc2231),
      cmocka_unit_test(test_nested_multipart),
      cmocka_unit_test(test_html_only),
      cmocka_unit_test(test_empty_plain_alternative),
      cmocka_unit_test(test_encoded_words),
      cmocka_unit_test(test_addresses_and_date),
      cmocka_unit_test(test_auto_generated),
      cmocka_unit_test(test_broken),
      cmocka_unit_test(test_refused),
      cmocka_unit_test(test_limits),
      cmocka_unit_test(test_truncated_everywhere),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
