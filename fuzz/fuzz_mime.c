/* fuzz_mime.c - the received-mail parser (src/core/mime.c): whatever the
 * input, every string handed back is clean UTF-8 (tr_text_check), the
 * limits hold, a refusal names its reason, and nothing leaks (the arena
 * owns everything). A parsed subject, sender name and text also survive
 * a round trip through the message builder (src/core/mail.c) unchanged,
 * so what the desk answers with reads back as what it received. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/mail.h"
#include "../src/core/mime.h"
#include "../src/core/tr.h"

static void line(const char *s)
{
  if (!s || tr_text_check(s, strlen(s), false))
    abort();
}

static void text(const char *s)
{
  if (!s)
    abort();
  for (;;) {
    const char *nl = strchr(s, '\n');
    size_t n = nl ? (size_t)(nl - s) : strlen(s);
    if (tr_text_check(s, n, true))
      abort();
    if (!nl)
      return;
    s = nl + 1;
  }
}

static void addrs(const struct mime_addr *a, size_t n)
{
  if (n > MIME_ADDRS_MAX)
    abort();
  for (size_t i = 0; i < n; i++) {
    line(a[i].name);
    line(a[i].addr);
  }
}

static void round_trip(const struct mime_msg *m)
{
  struct mail_msg out = {
      .to = "destek@example.com",
      .subject = m->subject,
      .body = m->text,
      .from = m->from.addr && tr_email_check(m->from.addr) == 0 ? m->from.addr : "kimden@example.com",
      .from_name = m->from.name,
      .date = 1751354430,
      .message_id = "<fuzz@example.com>",
  };
  if (strlen(out.subject) > MAIL_SUBJECT_MAX || strlen(out.from_name) > MAIL_SUBJECT_MAX)
    return;
  buf b;
  buf_init(&b, 0);
  if (mail_build(&out, &b) != MAIL_OK)
    abort(); /* clean parser output is always acceptable to the builder */
  arena *a = arena_new();
  struct mime_msg back;
  if (mime_parse(a, b.data, b.len, &back) != 0 || strcmp(back.subject, out.subject) != 0 ||
      strcmp(back.from.name, out.from_name) != 0 || strcmp(back.text, out.body) != 0 || back.defects != 0)
    abort();
  arena_free(a);
  buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  arena *a = arena_new();
  struct mime_msg m;
  if (mime_parse(a, (const char *)data, size, &m) != 0) {
    if (!m.error)
      abort();
    arena_free(a);
    return 0;
  }
  line(m.subject);
  line(m.from.name);
  if (m.from.addr)
    line(m.from.addr);
  line(m.reply_to.name);
  addrs(m.to, m.nto);
  addrs(m.cc, m.ncc);
  text(m.text);
  if (m.message_id)
    line(m.message_id);
  if (m.references)
    line(m.references);
  if (m.date)
    line(m.date);
  if (m.nparts > MIME_PARTS_MAX)
    abort();
  size_t total = 0;
  for (size_t i = 0; i < m.nparts; i++) {
    line(m.parts[i].filename);
    line(m.parts[i].content_type);
    if (strchr(m.parts[i].filename, '/') || strchr(m.parts[i].filename, '\\'))
      abort();
    total += m.parts[i].len;
  }
  /* decoded bytes never exceed what the input could hold */
  if (total > 2 * size + 64 * 1024)
    abort();
  round_trip(&m);
  /* the header decoder alone, on the raw bytes */
  line(mime_decode_header(a, (const char *)data, size < 4096 ? size : 4096));
  arena_free(a);
  return 0;
}
