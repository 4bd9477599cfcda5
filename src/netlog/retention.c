/* retention.c - destroying what the law no longer allows to be kept
 * (5651: 2 years by default; KVKK: destruction is recorded). A segment
 * goes only after its line in the destruction ledger is on disk, and only
 * from the oldest end, so the chain verify walks stays whole: it starts
 * at the ledger's last entry. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { LEDGER_LINE_MAX = 4096 };
static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

static int ledger_path(const char *dir, char *out, size_t n)
{
  int w = snprintf(out, n, "%s/destruction.jsonl", dir);
  return w < 0 || (size_t)w >= n ? -1 : 0;
}

int netlog_ledger_read(const char *dir, struct netlog_purged **out, size_t *n, char last_sha[65], char *why,
                       size_t whylen)
{
  *out = NULL;
  *n = 0;
  char path[NETLOG_PATH_MAX];
  if (ledger_path(dir, path, sizeof path))
    return -1;
  if (last_sha)
    strcpy(last_sha, ZERO_HASH);
  FILE *fp = fopen(path, "re");
  if (!fp)
    return errno == ENOENT ? 0 : -1;
  char *line = xmalloc(LEDGER_LINE_MAX + 2);
  char prev[65];
  strcpy(prev, ZERO_HASH);
  size_t cap = 0, lineno = 0;
  int rc = 0;
  while (fgets(line, LEDGER_LINE_MAX + 2, fp)) {
    lineno++;
    size_t len = strlen(line);
    if (!len || line[len - 1] != '\n') {
      snprintf(why, whylen, "destruction ledger line %zu cut short", lineno);
      rc = -1;
      break;
    }
    line[--len] = '\0';
    json_t *e = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
    const char *p = jsonx_str(e, "prev_entry_sha256"), *m = jsonx_str(e, "manifest_sha256"),
               *at = jsonx_str(e, "destroyed_at");
    bool checkpoint = json_is_true(json_object_get(e, "checkpoint"));
    const char *last = jsonx_str(e, "last_entry_sha256");
    if (checkpoint && (lineno != 1 || !last || strlen(last) != 64)) {
      snprintf(why, whylen, "destruction ledger line %zu: a checkpoint out of place", lineno);
      json_decref(e);
      rc = -1;
      break;
    }
    json_int_t seq = json_integer_value(json_object_get(e, "seq"));
    if (!e || !p || !m || !at || strlen(m) != 64 || seq <= 0 || (*n && (uint64_t)seq <= (*out)[*n - 1].seq)) {
      snprintf(why, whylen, "destruction ledger line %zu unreadable", lineno);
      json_decref(e);
      rc = -1;
      break;
    }
    if (strcmp(p, prev)) {
      snprintf(why, whylen, "destruction ledger chain broken at line %zu (altered or removed lines)", lineno);
      json_decref(e);
      rc = -1;
      break;
    }
    if (*n == cap) {
      cap = cap ? cap * 2 : 16;
      *out = xrealloc(*out, cap * sizeof **out);
    }
    struct netlog_purged *x = &(*out)[(*n)++];
    x->seq = (uint64_t)seq;
    snprintf(x->manifest_sha, sizeof x->manifest_sha, "%s", m);
    snprintf(x->destroyed_at, sizeof x->destroyed_at, "%s", at);
    x->through = checkpoint;
    /* the lines a checkpoint replaced were chained to the one it names */
    if (checkpoint)
      snprintf(prev, sizeof prev, "%s", last);
    else
      sha256_hex(line, len, prev);
    json_decref(e);
  }
  free(line);
  fclose(fp);
  if (last_sha)
    memcpy(last_sha, prev, 65);
  if (rc) {
    free(*out);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

/* Appends entry chained to prev (the last line's hash), synced; prev
 * becomes the hash of the new line. */
static int ledger_append(const char *dir, json_t *entry, char prev[65])
{
  char path[NETLOG_PATH_MAX];
  if (ledger_path(dir, path, sizeof path))
    return -1;
  json_object_set_new(entry, "prev_entry_sha256", json_string(prev));
  char *text = json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS);
  if (!text)
    return -1;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  int rc = -1;
  if (fd >= 0) {
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL: written as n + 1 bytes */
    rc = write(fd, text, n + 1) == (ssize_t)(n + 1) && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    if (rc == 0)
      sha256_hex(text, n, prev);
  }
  free(text);
  return rc;
}

static void remove_files(const char *dir, uint64_t seq)
{
  static const char *const exts[] = {"seg", "tsr", "stamp.json", "manifest.json"}; /* the manifest last */
  for (size_t i = 0; i < ARRAY_LEN(exts); i++) {
    char p[NETLOG_PATH_MAX];
    if (!netlog_path(dir, seq, exts[i], p, sizeof p))
      unlink(p);
  }
}

/* Rewrites the ledger without the lines destroyed before now - keep_s:
 * one checkpoint line stands for them (the last one's segment, manifest
 * hash and line hash), the kept lines follow unchanged, still chained. */
static int ledger_prune(const char *dir, int64_t now, int64_t keep_s)
{
  struct netlog_purged *led = NULL;
  size_t nled = 0, cut = 0;
  char why[256] = "";
  if (netlog_ledger_read(dir, &led, &nled, NULL, why, sizeof why))
    return -1;
  for (; cut < nled; cut++) {
    int64_t at = 0;
    if (parse_iso8601(led[cut].destroyed_at, &at) || at >= now - keep_s)
      break;
  }
  if (cut == 0 || (cut == 1 && led[0].through)) {
    free(led);
    return 0;
  }
  char path[NETLOG_PATH_MAX];
  FILE *fp = ledger_path(dir, path, sizeof path) ? NULL : fopen(path, "re");
  buf out;
  buf_init(&out, 64u * 1024 * 1024);
  char *line = xmalloc(LEDGER_LINE_MAX + 2), last[65] = "";
  size_t lineno = 0;
  int rc = fp ? 0 : -1;
  while (fp && fgets(line, LEDGER_LINE_MAX + 2, fp)) {
    size_t len = strlen(line);
    if (++lineno <= cut) {
      if (lineno == 1 && led[0].through) {
        json_t *e = json_loads(line, 0, NULL); /* a checkpoint's line is not chained; it passes on its hash */
        snprintf(last, sizeof last, "%s", jsonx_str(e, "last_entry_sha256") ? jsonx_str(e, "last_entry_sha256") : "");
        json_decref(e);
      } else {
        sha256_hex(line, len - 1, last);
      }
      if (lineno == cut) {
        char when[32];
        fmt_iso8601(now, when);
        const struct netlog_purged *x = &led[cut - 1];
        json_t *c = json_pack("{s:b, s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "checkpoint", 1, "seq", (json_int_t)x->seq,
                              "manifest_sha256", x->manifest_sha, "destroyed_at", x->destroyed_at,
                              "last_entry_sha256", last, "prev_entry_sha256", ZERO_HASH, "ledger_pruned_at", when,
                              "ledger_keep_days", (json_int_t)(keep_s / 86400));
        char *text = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(c);
        if (!text) {
          rc = -1;
          break;
        }
        buf_puts(&out, text);
        buf_puts(&out, "\n");
        free(text);
      }
      continue;
    }
    buf_append(&out, line, len);
  }
  if (fp)
    fclose(fp);
  free(line);
  free(led);
  if (!rc && (out.overflow || netlog_write_atomic(path, out.data ? out.data : "", out.len)))
    rc = -1;
  buf_free(&out);
  if (!rc)
    log_info("netlog: destruction ledger pruned", "lines=%zu keep_days=%lld", cut, (long long)(keep_s / 86400));
  return rc ? -1 : (int)cut;
}

int netlog_purge(const char *dir, int64_t now, int64_t retention_s, int64_t ledger_keep_s)
{
  struct netlog_purged *led = NULL;
  size_t nled = 0;
  char why[256] = "", prev[65];
  if (netlog_ledger_read(dir, &led, &nled, prev, why, sizeof why)) {
    log_error("netlog: destruction ledger damaged; nothing purged", "why=\"%s\"", why);
    return -1;
  }
  uint64_t *seqs = NULL;
  size_t n = 0;
  int purged = 0;
  if (netlog_list(dir, &seqs, &n)) {
    free(led);
    return -1;
  }
  for (size_t i = 0; i < n; i++) {
    uint64_t seq = seqs[i];
    bool listed = false;
    for (size_t k = 0; k < nled && !listed; k++)
      listed = led[k].seq == seq;
    if (listed) { /* a purge cut short after its ledger line: finish it */
      remove_files(dir, seq);
      continue;
    }
    char mpath[NETLOG_PATH_MAX];
    if (netlog_path(dir, seq, "manifest.json", mpath, sizeof mpath))
      break;
    json_t *m = json_load_file(mpath, 0, NULL);
    int64_t sealed = 0;
    const char *sa = jsonx_str(m, "sealed_at");
    if (!m || !sa || parse_iso8601(sa, &sealed) || sealed >= now - retention_s) {
      json_decref(m);
      break; /* unsealed or still within retention: everything after it too */
    }
    char msha[65], tsr[NETLOG_PATH_MAX], when[32];
    struct stat sb;
    if (netlog_manifest_sha(dir, seq, msha)) {
      json_decref(m);
      break;
    }
    fmt_iso8601(now, when);
    bool has_tsr = !netlog_path(dir, seq, "tsr", tsr, sizeof tsr) && stat(tsr, &sb) == 0;
    json_t *e = json_pack("{s:I, s:s, s:s?, s:s, s:O?, s:O?, s:O?, s:s, s:s, s:b, s:I}", "seq", (json_int_t)seq,
                          "manifest_sha256", msha, "segment_sha256", jsonx_str(m, "sha256"), "sealed_at", sa,
                          "lines", json_object_get(m, "lines"), "first_time", json_object_get(m, "first_time"),
                          "last_time", json_object_get(m, "last_time"), "destroyed_at", when, "reason", "retention",
                          "token", has_tsr, "retention_days", (json_int_t)(retention_s / 86400));
    json_decref(m);
    if (!e || ledger_append(dir, e, prev)) {
      json_decref(e);
      log_error("netlog: cannot write the destruction ledger", "seq=%llu", (unsigned long long)seq);
      purged = -1;
      break;
    }
    json_decref(e);
    remove_files(dir, seq);
    purged++;
    log_info("netlog: segment destroyed (retention)", "seq=%llu", (unsigned long long)seq);
  }
  free(seqs);
  free(led);
  if (purged >= 0 && ledger_keep_s > 0 && ledger_prune(dir, now, ledger_keep_s) < 0)
    log_error("netlog: cannot prune the destruction ledger", "dir=%s", dir);
  return purged;
}
