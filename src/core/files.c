/* files.c - the content-addressed file store, safe upload names and the
 * download disposition (see files.h). */
#include "files.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { NAME_MAX_BYTES = 200 };

int files_data_dir(db *d, char *out, size_t n)
{
  int rc = -1;
  db_stmt *st = db_q(d, "PRAGMA database_list", "");
  while (db_step(st) == DB_ROW) {
    const char *name = db_col_text(st, 1), *file = db_col_text(st, 2);
    if (!str_eq(name, "main") || !file || !*file)
      continue;
    const char *slash = strrchr(file, '/');
    size_t len = slash ? (size_t)(slash - file) : 0;
    if (!slash)
      rc = snprintf(out, n, ".") < (int)n ? 0 : -1;
    else if (len == 0)
      rc = snprintf(out, n, "/") < (int)n ? 0 : -1;
    else if (len < n) {
      memcpy(out, file, len);
      out[len] = 0;
      rc = 0;
    }
    break;
  }
  db_done(st);
  return rc;
}

static int write_all(int fd, const void *p, size_t n)
{
  const char *s = p;
  while (n) {
    ssize_t w = write(fd, s, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

int files_put(const char *dir, const void *data, size_t n, char sha_out[65])
{
  sha256_hex(data, n, sha_out);
  const char *sha = sha_out;
  char sub[4200], final[4300], tmp[4300];
  snprintf(sub, sizeof sub, "%s/files", dir);
  if (mkdir(sub, 0750) && errno != EEXIST)
    return -1;
  snprintf(sub, sizeof sub, "%s/files/%.2s", dir, sha);
  if (mkdir(sub, 0750) && errno != EEXIST)
    return -1;
  snprintf(final, sizeof final, "%s/%s", sub, sha + 2);
  struct stat sb;
  if (stat(final, &sb) == 0 && (size_t)sb.st_size == n)
    return 0;
  snprintf(tmp, sizeof tmp, "%s/.upload-XXXXXX", sub);
  int fd = mkstemp(tmp);
  if (fd < 0)
    return -1;
  int rc = write_all(fd, data, n);
  if (!rc)
    rc = fsync(fd);
  if (close(fd))
    rc = -1;
  if (!rc)
    rc = rename(tmp, final);
  if (rc)
    unlink(tmp);
  return rc ? -1 : 0;
}

int files_get(const char *dir, const char *sha, int64_t size, unsigned char **out)
{
  *out = NULL;
  if (!sha || strlen(sha) != 64 || size < 0)
    return -1;
  for (const char *p = sha; *p; p++)
    if (!isxdigit((unsigned char)*p))
      return -1;
  char path[4300];
  snprintf(path, sizeof path, "%s/files/%.2s/%s", dir, sha, sha + 2);
  unsigned char *data = xmalloc(size > 0 ? (size_t)size : 1);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  size_t got = 0;
  if (fd >= 0) {
    while (got < (size_t)size) {
      ssize_t k = read(fd, data + got, (size_t)size - got);
      if (k < 0 && errno == EINTR)
        continue;
      if (k <= 0)
        break;
      got += (size_t)k;
    }
    close(fd);
  }
  char check[65];
  sha256_hex(data, got, check);
  if (fd < 0 || got != (size_t)size || !str_eq(check, sha)) {
    free(data);
    return -1;
  }
  *out = data;
  return 0;
}

const char *files_clean_name(arena *a, const char *name)
{
  if (!name)
    return NULL;
  const char *base = name;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  while (*base && isspace((unsigned char)*base))
    base++;
  size_t n = strlen(base);
  while (n && isspace((unsigned char)base[n - 1]))
    n--;
  base = arena_strndup(a, base, n);
  if (n == 0 || n > NAME_MAX_BYTES || str_eq(base, ".") || str_eq(base, "..") || !utf8_valid(base, n))
    return NULL;
  for (const unsigned char *p = (const unsigned char *)base; *p; p++)
    if (*p < 0x20 || *p == 0x7F)
      return NULL;
  return base;
}

const char *files_disposition(arena *a, const char *name)
{
  buf b;
  buf_init(&b, 0);
  buf_puts(&b, "attachment; filename=\"");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++)
    buf_printf(&b, "%c", (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') ? *p : '_');
  buf_puts(&b, "\"; filename*=UTF-8''");
  for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p))
      buf_printf(&b, "%c", *p);
    else
      buf_printf(&b, "%%%02X", *p);
  }
  const char *s = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return s;
}

int files_render_tmp(int (*write)(const char *path, void *u), void *u, buf *out)
{
  const char *t = getenv("TMPDIR");
  char path[4200];
  snprintf(path, sizeof path, "%s/defter-render-XXXXXX", t && *t ? t : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0)
    return -1;
  close(fd);
  int rc = write(path, u);
  FILE *f = rc ? NULL : fopen(path, "rb");
  if (!rc && !f)
    rc = -1;
  if (f) {
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
      buf_append(out, chunk, n);
    rc = ferror(f) || out->overflow ? -1 : 0;
    fclose(f);
  }
  unlink(path);
  return rc;
}
