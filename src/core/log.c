/* log.c - one line per event, logfmt, so operators can grep and ship it. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <pthread.h>

static enum log_level min_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level lvl)
{
  min_level = lvl;
}

int log_parse_level(const char *s, enum log_level *out)
{
  static const char *names[] = {"debug", "info", "warn", "error"};
  for (size_t i = 0; i < ARRAY_LEN(names); i++) {
    if (str_eq(s, names[i])) {
      *out = (enum log_level)i;
      return 0;
    }
  }
  return -1;
}

void log_msg(enum log_level lvl, const char *msg, const char *fmt, ...)
{
  static const char *names[] = {"debug", "info", "warn", "error"};
  if (lvl < min_level)
    return;
  char ts[32];
  fmt_iso8601(now_unix(), ts);
  char tail[1024] = "";
  if (fmt && *fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
  }
  /* Messages are constants from our code; strip quotes defensively. */
  char m[256];
  size_t j = 0;
  for (size_t i = 0; msg[i] && j + 1 < sizeof m; i++)
    m[j++] = (msg[i] == '"' || msg[i] == '\n') ? '\'' : msg[i];
  m[j] = 0;
  pthread_mutex_lock(&log_lock);
  fprintf(stderr, "ts=%s level=%s msg=\"%s\"%s%s\n", ts, names[lvl], m, *tail ? " " : "", tail);
  fflush(stderr);
  pthread_mutex_unlock(&log_lock);
}
