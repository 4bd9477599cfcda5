/* imap.c - reads new messages from one IMAP mailbox with libcurl:
 * UID SEARCH UNSEEN, the sizes in one UID FETCH, then each message by
 * its URL (imap://host/INBOX/;UID=n). libcurl fetches with BODY[], which
 * sets \Seen, so a message the caller refuses (or only looks at) gets
 * the flag taken back; custom FETCH commands cannot be used for the body
 * because libcurl does not return their literals. */
#include "imap.h"
#include "log.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  LIST_MAX = 1024 * 1024, /* bytes of a SEARCH or FETCH (sizes) answer */
  BATCH_MAX = 1000,       /* messages looked at in one call */
};

static struct {
  bool on;
  bool starttls;
  char url[1024]; /* imap://host:port/MAILBOX, no trailing slash */
  char user[256];
  char password[256];
} cfg;

void imap_configure(const config *c)
{
  memset(&cfg, 0, sizeof cfg);
  if (!c)
    return;
  const char *url = config_get(c, "mail.imap_url", "");
  if (!*url)
    return;
  if (!str_starts(url, "imap://") && !str_starts(url, "imaps://")) {
    log_warn("imap_url must start with imap:// or imaps://; incoming mail is off", "key=mail.imap_url");
    return;
  }
  snprintf(cfg.url, sizeof cfg.url, "%s", url);
  size_t n = strlen(cfg.url);
  while (n > 0 && cfg.url[n - 1] == '/')
    cfg.url[--n] = 0;
  /* No mailbox in the URL: INBOX. */
  if (!strchr(strstr(cfg.url, "://") + 3, '/'))
    snprintf(cfg.url + n, sizeof cfg.url - n, "/INBOX");
  snprintf(cfg.user, sizeof cfg.user, "%s", config_get(c, "mail.imap_user", ""));
  snprintf(cfg.password, sizeof cfg.password, "%s", config_get(c, "mail.imap_password", ""));
  cfg.starttls = config_bool(c, "mail.imap_starttls", false);
  cfg.on = true;
}

bool imap_enabled(void)
{
  return cfg.on;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
  if (curl_global_init(CURL_GLOBAL_DEFAULT))
    log_error("libcurl could not be initialised", "%s", "");
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *u)
{
  buf *b = u;
  buf_append(b, p, size * nmemb);
  return b->overflow ? 0 : size * nmemb; /* 0 aborts the transfer */
}

/* One IMAP request on h (the connection is kept between requests): the
 * mailbox URL with a custom command, or a message URL. The answer goes
 * to out (bounded by its max). */
static int request(CURL *h, const char *url, const char *command, buf *out, long timeout_s)
{
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_easy_reset(h);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  if (cfg.user[0]) {
    curl_easy_setopt(h, CURLOPT_USERNAME, cfg.user);
    curl_easy_setopt(h, CURLOPT_PASSWORD, cfg.password);
  }
  if (cfg.starttls)
    curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  if (command)
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, command);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
  CURLcode rc = curl_easy_perform(h);
  if (rc == CURLE_OK)
    return 0;
  if (!out->overflow)
    log_warn("imap request failed", "error=\"%s%s%s\"", curl_easy_strerror(rc), errbuf[0] ? ": " : "", errbuf);
  return -1;
}

/* "* SEARCH 3 5 9" lines -> up to max UIDs, ascending. */
static size_t parse_search(const char *s, uint64_t *uids, size_t max)
{
  size_t n = 0;
  for (const char *line = s; line && *line && n < max; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    if (strncmp(line, "* SEARCH", 8) != 0)
      continue;
    const char *p = line + 8;
    while (n < max) {
      while (*p == ' ')
        p++;
      if (*p < '0' || *p > '9')
        break;
      char *end;
      unsigned long long v = strtoull(p, &end, 10);
      if (v > 0 && v <= UINT32_MAX)
        uids[n++] = v;
      p = end;
    }
  }
  return n;
}

/* The number after "NAME " inside one FETCH line; UINT64_MAX when absent. */
static uint64_t fetch_item(const char *line, const char *eol, const char *name)
{
  size_t nl = strlen(name);
  for (const char *p = line; p + nl < eol; p++) {
    if ((p == line || p[-1] == ' ' || p[-1] == '(') && strncmp(p, name, nl) == 0 && p[nl] == ' ' && p[nl + 1] >= '0' &&
        p[nl + 1] <= '9')
      return strtoull(p + nl + 1, NULL, 10);
  }
  return UINT64_MAX;
}

/* "* 4 FETCH (UID 9 RFC822.SIZE 1234)" -> sizes[i] for uids[i]. */
static void parse_sizes(const char *s, const uint64_t *uids, size_t n, uint64_t *sizes)
{
  for (const char *line = s; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    const char *eol = strchr(line, '\n');
    if (!eol)
      eol = line + strlen(line);
    if (line[0] != '*' || !strstr(line, "FETCH"))
      continue;
    uint64_t uid = fetch_item(line, eol, "UID"), size = fetch_item(line, eol, "RFC822.SIZE");
    for (size_t i = 0; i < n && uid != UINT64_MAX; i++)
      if (uids[i] == uid)
        sizes[i] = size;
  }
}

static int store(CURL *h, uint64_t uid, bool seen)
{
  char cmd[96];
  snprintf(cmd, sizeof cmd, "UID STORE %" PRIu64 " %cFLAGS.SILENT (\\Seen)", uid, seen ? '+' : '-');
  buf b;
  buf_init(&b, LIST_MAX);
  int rc = request(h, cfg.url, cmd, &b, 30);
  buf_free(&b);
  return rc;
}

int imap_fetch(enum imap_mode mode, imap_msg_fn fn, void *u, size_t max_msgs, size_t max_bytes,
               struct imap_stats *st)
{
  struct imap_stats s = {0};
  uint64_t *uids = NULL, *sizes = NULL;
  CURL *h = NULL;
  buf b;
  buf_init(&b, LIST_MAX);
  int rc = -1;
  if (!cfg.on) {
    log_warn("incoming mail is not configured", "key=mail.imap_url");
    goto out;
  }
  if (max_msgs > BATCH_MAX)
    max_msgs = BATCH_MAX;
  pthread_once(&curl_once, curl_init_once);
  h = curl_easy_init();
  if (!h || request(h, cfg.url, "UID SEARCH UNSEEN", &b, 30))
    goto out;
  uids = xcalloc(max_msgs ? max_msgs : 1, sizeof *uids);
  sizes = xcalloc(max_msgs ? max_msgs : 1, sizeof *sizes);
  size_t n = parse_search(buf_cstr(&b), uids, max_msgs);
  s.unseen = n;
  rc = 0;
  if (n == 0)
    goto out;
  /* One FETCH for every size: "UID FETCH 3,5,9 (RFC822.SIZE)". */
  buf cmd;
  buf_init(&cmd, 0);
  buf_puts(&cmd, "UID FETCH ");
  for (size_t i = 0; i < n; i++)
    buf_printf(&cmd, "%s%" PRIu64, i ? "," : "", uids[i]);
  buf_puts(&cmd, " (UID RFC822.SIZE)");
  buf_free(&b);
  buf_init(&b, LIST_MAX);
  int frc = request(h, cfg.url, buf_cstr(&cmd), &b, 30);
  buf_free(&cmd);
  if (frc) {
    rc = -1;
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    sizes[i] = UINT64_MAX;
  parse_sizes(buf_cstr(&b), uids, n, sizes);
  for (size_t i = 0; i < n; i++) {
    /* A message the server gave no size for has gone (expunged). */
    if (sizes[i] == UINT64_MAX)
      continue;
    bool too_big = sizes[i] > max_bytes;
    if (!too_big) {
      char url[1100];
      snprintf(url, sizeof url, "%s/;UID=%" PRIu64, cfg.url, uids[i]);
      buf_free(&b);
      buf_init(&b, max_bytes ? max_bytes : 1); /* 0 would be unbounded */
      if (request(h, url, NULL, &b, 120)) {
        if (!b.overflow) {
          rc = -1;
          goto out;
        }
        too_big = true; /* longer than the server said */
      }
    }
    bool seen;
    if (too_big) {
      s.rejected++;
      log_warn("incoming mail too large; not loaded", "uid=%" PRIu64 " bytes=%" PRIu64 " max=%zu", uids[i], sizes[i],
               max_bytes);
      seen = mode == IMAP_CONSUME;
    } else {
      if (fn(b.data ? b.data : "", b.len, u) == 0) {
        s.taken++;
        rc++;
        seen = mode == IMAP_CONSUME;
      } else {
        s.declined++;
        seen = false;
      }
    }
    /* The fetch has set \Seen; a too large message in peek mode was not
     * fetched, but taking the flag back changes nothing then. */
    if (store(h, uids[i], seen)) {
      rc = -1;
      goto out;
    }
  }
out:
  if (st)
    *st = s;
  buf_free(&b);
  free(uids);
  free(sizes);
  if (h)
    curl_easy_cleanup(h);
  return rc;
}

int imap_fetch_new(imap_msg_fn fn, void *u, size_t max_msgs, size_t max_bytes)
{
  return imap_fetch(IMAP_CONSUME, fn, u, max_msgs, max_bytes, NULL);
}
