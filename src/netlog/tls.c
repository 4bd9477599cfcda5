/* tls.c - syslog over TLS (RFC 5425) for the collector: one listening
 * socket, non-blocking handshakes and reads driven by the collector's own
 * poll loop, the same framing as plain TCP (netlog_frames). Nothing here
 * waits: a client that stops half-way through its handshake only holds
 * its slot until tls_handshake_seconds, then is closed and counted. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/log.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
  CONN_BUF = NETLOG_LINE_MAX + 16,
  READS_PER_TURN = 64,  /* reads of one connection per turn, so one sender cannot starve the rest */
  LOGGED_FAILURES = 20, /* failures logged one by one; after that every 1000th */
};

struct conn {
  int fd;
  SSL *ssl;
  bool up;          /* handshake done */
  bool want_write;  /* the handshake waits to write */
  int64_t since_ms; /* accepted at */
  char *b;
  size_t len;
  struct netlog_framer fr;
};

struct netlog_tls {
  int fd;
  SSL_CTX *ctx;
  struct conn *conns;
  size_t n, max;
  int64_t timeout_ms;
  uint64_t handshakes, failed, timeouts, refused;
};

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The first OpenSSL error on this thread's queue, as text; clears it. */
static const char *ssl_reason(char *b, size_t n)
{
  unsigned long e = ERR_get_error();
  if (!e) {
    snprintf(b, n, "errno=%d", errno);
  } else {
    ERR_error_string_n(e, b, n);
  }
  ERR_clear_error();
  return b;
}

int netlog_tls_new(int fd, const config *c, size_t max_clients, struct netlog_tls **out)
{
  *out = NULL;
  const char *cert = config_get(c, "netlog.tls_cert", "");
  const char *key = config_get(c, "netlog.tls_key", "");
  const char *ca = config_get(c, "netlog.tls_ca", "");
  int64_t hs = config_int(c, "netlog.tls_handshake_seconds", 10);
  char why[256];
  SSL_CTX *ctx = NULL;
  if (!cert[0] || !key[0]) {
    log_error("netlog: tls needs tls_cert and tls_key", "tls_cert=%s tls_key=%s", cert, key[0] ? "(set)" : "");
    goto fail;
  }
  ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
    log_error("netlog: tls context", "reason=%s", ssl_reason(why, sizeof why));
    goto fail;
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    log_error("netlog: cannot use the tls certificate or key", "tls_cert=%s reason=%s", cert,
              ssl_reason(why, sizeof why));
    goto fail;
  }
  if (ca[0]) { /* only senders with a certificate from this CA */
    if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
      log_error("netlog: cannot read tls_ca", "tls_ca=%s reason=%s", ca, ssl_reason(why, sizeof why));
      goto fail;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  }
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  struct netlog_tls *t = xcalloc(1, sizeof *t);
  t->fd = fd;
  t->ctx = ctx;
  t->max = max_clients ? max_clients : 1;
  t->conns = xcalloc(t->max, sizeof *t->conns);
  t->timeout_ms = (hs < 1 || hs > 3600 ? 10 : hs) * 1000;
  *out = t;
  return 0;
fail:
  SSL_CTX_free(ctx);
  close(fd);
  return -1;
}

size_t netlog_tls_max_fds(const struct netlog_tls *t)
{
  return t->max + 1;
}

size_t netlog_tls_pollfds(struct netlog_tls *t, struct pollfd *pfd)
{
  size_t np = 0;
  pfd[np++] = (struct pollfd){.fd = t->fd, .events = POLLIN};
  for (size_t i = 0; i < t->n; i++)
    pfd[np++] = (struct pollfd){.fd = t->conns[i].fd, .events = t->conns[i].want_write ? POLLOUT : POLLIN};
  return np;
}

/* Counts a dropped client in *counter (failed or timeouts) and logs it,
 * sparingly: a flood of garbage must not become a flood of log lines. */
static void dropped(uint64_t *counter, const char *what, const char *reason)
{
  ++*counter;
  if (*counter <= LOGGED_FAILURES || *counter % 1000 == 0)
    log_warn("netlog: tls client dropped", "what=%s reason=%s count=%llu", what, reason,
             (unsigned long long)*counter);
}

/* Closes connection i (the last one moves into its place); a last line
 * without its newline is handed on when fn is not NULL. */
static void conn_close(struct netlog_tls *t, size_t i, netlog_frame_fn fn, void *u)
{
  struct conn *cn = &t->conns[i];
  if (fn && cn->up && cn->len && !cn->fr.skip && !cn->fr.discard)
    fn(u, cn->b, cn->len, 0);
  if (cn->up)
    SSL_shutdown(cn->ssl); /* one try, never waited for */
  SSL_free(cn->ssl);
  close(cn->fd);
  free(cn->b);
  ERR_clear_error();
  t->conns[i] = t->conns[--t->n];
}

static void accept_conns(struct netlog_tls *t, int64_t now)
{
  for (;;) {
    int fd = accept4(t->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    SSL *ssl = t->n < t->max ? SSL_new(t->ctx) : NULL;
    if (!ssl || !SSL_set_fd(ssl, fd)) {
      t->refused++;
      SSL_free(ssl);
      close(fd);
      ERR_clear_error();
      continue;
    }
    SSL_set_accept_state(ssl);
    t->conns[t->n++] = (struct conn){.fd = fd, .ssl = ssl, .since_ms = now, .b = xmalloc(CONN_BUF)};
  }
}

/* Advances the handshake of connection i; false when it was closed. */
static bool handshake(struct netlog_tls *t, size_t i)
{
  struct conn *cn = &t->conns[i];
  ERR_clear_error();
  int r = SSL_do_handshake(cn->ssl);
  if (r == 1) {
    cn->up = true;
    cn->want_write = false;
    t->handshakes++;
    return true;
  }
  int e = SSL_get_error(cn->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    cn->want_write = e == SSL_ERROR_WANT_WRITE;
    return true;
  }
  char why[256];
  dropped(&t->failed, "handshake", e == SSL_ERROR_SSL ? ssl_reason(why, sizeof why) : "closed");
  conn_close(t, i, NULL, NULL);
  return false;
}

/* Reads what connection i has; false when it was closed. */
static bool conn_read(struct netlog_tls *t, size_t i, netlog_frame_fn fn, void *u)
{
  struct conn *cn = &t->conns[i];
  for (int k = 0; k < READS_PER_TURN || SSL_pending(cn->ssl) > 0; k++) {
    ERR_clear_error();
    int r = SSL_read(cn->ssl, cn->b + cn->len, (int)(CONN_BUF - cn->len));
    if (r > 0) {
      cn->len += (size_t)r;
      size_t used = netlog_frames(&cn->fr, cn->b, cn->len, fn, u);
      memmove(cn->b, cn->b + used, cn->len - used);
      cn->len -= used;
      continue;
    }
    int e = SSL_get_error(cn->ssl, r);
    if (e == SSL_ERROR_WANT_READ)
      return true;
    if (e == SSL_ERROR_WANT_WRITE) { /* TLS 1.3 may want to answer a key update */
      cn->want_write = true;
      return true;
    }
    if (e == SSL_ERROR_SSL) {
      char why[256];
      dropped(&t->failed, "read", ssl_reason(why, sizeof why));
    }
    conn_close(t, i, fn, u); /* a clean close or a reset: what is held is stored */
    return false;
  }
  return true;
}

void netlog_tls_service(struct netlog_tls *t, const struct pollfd *pfd, size_t n, netlog_frame_fn fn, void *u)
{
  int64_t now = mono_ms();
  /* from the end, as closing moves the last connection into the hole */
  for (size_t k = n; k-- > 1;) {
    size_t i = k - 1;
    if (i >= t->n || t->conns[i].fd != pfd[k].fd || !(pfd[k].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
      continue;
    struct conn *cn = &t->conns[i];
    cn->want_write = false;
    if (!cn->up && !handshake(t, i))
      continue;
    if (t->conns[i].up)
      (void)conn_read(t, i, fn, u);
  }
  for (size_t i = t->n; i-- > 0;)
    if (!t->conns[i].up && now - t->conns[i].since_ms > t->timeout_ms) {
      dropped(&t->timeouts, "handshake", "timeout");
      conn_close(t, i, NULL, NULL);
    }
  if (n && (pfd[0].revents & POLLIN))
    accept_conns(t, now);
}

void netlog_tls_status(const struct netlog_tls *t, json_t *s)
{
  json_object_set_new(s, "tls_clients", json_integer((json_int_t)t->n));
  json_object_set_new(s, "tls_handshakes", json_integer((json_int_t)t->handshakes));
  json_object_set_new(s, "tls_failed", json_integer((json_int_t)t->failed));
  json_object_set_new(s, "tls_timeouts", json_integer((json_int_t)t->timeouts));
  json_object_set_new(s, "tls_refused", json_integer((json_int_t)t->refused));
}

void netlog_tls_free(struct netlog_tls *t, netlog_frame_fn fn, void *u)
{
  if (!t)
    return;
  while (t->n)
    conn_close(t, t->n - 1, fn, u);
  free(t->conns);
  SSL_CTX_free(t->ctx);
  close(t->fd);
  free(t);
}
