/* collect.c - the collector process behind `defter netlog --data DIR`:
 * syslog over UDP and TCP (octet-counted and newline framing), tailed
 * files, one poll() loop, every buffer bounded. Every line is stored,
 * parsed or not; whatever cannot be taken is counted as dropped in
 * DIR/netlog/status.json, never lost silently. Segments rotate after
 * [netlog] rotate_seconds and on shutdown, and are sealed then. */
#define _GNU_SOURCE
#include "netlog.h"
#include "../core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
  MAX_CLIENTS_CAP = 1024,
  MAX_FILES = 16,
  CLIENT_BUF = 256 * 1024, /* a read takes many lines; at least NETLOG_LINE_MAX + 16 */
  CLIENT_READS = 64,       /* reads of one client per turn of the loop */
};

struct client {
  int fd;
  char *b;
  size_t len;
  struct netlog_framer fr;
  char peer[NETLOG_IP_MAX]; /* the source of lines without a HOSTNAME */
};

/* Lines per sending host (the syslog HOSTNAME, else the peer address; a
 * tailed file by its path), for the silent-source alarm; bounded, the
 * rest counted under "(other)". */
enum { SOURCES_MAX = 1024, SOURCE_SLOTS = 2048, SOURCE_NAME = NETLOG_PATH_MAX };
struct source {
  char *name; /* heap; NULL: a free slot */
  uint64_t hash;
  int64_t last, lines;
};
struct sources {
  struct source slot[SOURCE_SLOTS];
  size_t n;
  struct source other;
  struct source *hot; /* the last one counted */
};

struct tail {
  char path[NETLOG_PATH_MAX];
  int fd;
  ino_t ino;
  off_t off;
  char *b;
  size_t len;
  struct netlog_joiner *jn; /* a FreeRADIUS detail record's lines become one */
};

struct stats {
  uint64_t received, parsed, unknown, dropped, truncated, stored, tcp_refused, destroyed;
  uint64_t stored_closed, failed_closed; /* of the segments closed so far */
  uint64_t dropped_taken;                /* lines refused before a segment took them */
  uint64_t by_kind[NL_KIND_COUNT];
  struct netlog_seal_counts seal;
  int64_t started, last_line;
};

/* The sealer thread: manifests, time stamps (an HTTP round trip that may
 * hang until its timeout) and purges happen here, so the loop that reads
 * sockets never waits on them. */
struct sealer {
  pthread_t th;
  bool started;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  const char *dir;
  struct netlog_tsa_set tsa;
  int64_t retry_s, retention_s, ledger_s;
  uint64_t below; /* seal segments numbered below this (0: all) */
  bool kick, quit;
  struct netlog_seal_counts counts;
  uint64_t destroyed;
};

struct collector {
  const char *dir;  /* DATA/netlog */
  char status_path[NETLOG_PATH_MAX], tails_path[NETLOG_PATH_MAX];
  const char *udp_addr, *tcp_addr, *tls_addr;
  int udp, tcp;
  struct netlog_tls *tls; /* syslog over TLS (tls.c); NULL when off */
  struct client *clients;
  size_t nclients, max_clients;
  struct tail tails[MAX_FILES];
  size_t ntails;
  struct netlog_seg *seg;
  int64_t rotate_s;
  int64_t stopped; /* set for the last status written */
  struct sealer sl;
  int64_t flush_ms, last_flush_ms;
  struct stats st;
  struct sources src;
  const char *peer; /* the source of the line being taken when it names no host */
};

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
  (void)sig;
  stop_flag = 1;
}

/* ---- sockets ------------------------------------------------------------ */

/* Binds HOST:PORT ([v6]:port for IPv6); -1 when off (empty or "off"). */
static int bind_addr(const char *spec, int type)
{
  if (!spec || !spec[0] || str_eq(spec, "off"))
    return -1;
  char host[128];
  const char *colon = strrchr(spec, ':');
  if (!colon || (size_t)(colon - spec) >= sizeof host)
    return -2;
  size_t hl = (size_t)(colon - spec);
  memcpy(host, spec, hl);
  host[hl] = '\0';
  char *h = host;
  if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
    host[hl - 1] = '\0';
    h = host + 1;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = type,
                           .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  if (getaddrinfo(h[0] ? h : NULL, colon + 1, &hints, &ai) || !ai)
    return -2;
  int fd = socket(ai->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (type == SOCK_DGRAM) {
      int rcv = 4 << 20;
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) || (type == SOCK_STREAM && listen(fd, 64))) {
      close(fd);
      fd = -2;
    }
  } else {
    fd = -2;
  }
  freeaddrinfo(ai);
  return fd;
}

static int drop_privileges(const char *user)
{
  if (!user || !user[0] || geteuid() != 0)
    return 0;
  struct passwd *pw = getpwnam(user);
  if (!pw) {
    log_error("netlog: unknown user", "user=%s", user);
    return -1;
  }
  if (setgroups(0, NULL) || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) ||
      setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid)) {
    log_error("netlog: cannot drop privileges", "user=%s errno=%d", user, errno);
    return -1;
  }
  log_info("netlog: privileges dropped", "user=%s", user);
  return 0;
}

/* ---- sources ------------------------------------------------------------ */

static uint64_t name_hash(const char *s, size_t n)
{
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h | 1;
}

static void source_count(struct sources *t, const char *name, int64_t now)
{
  size_t n = strlen(name);
  struct source *h = t->hot;
  if (!(h && !strcmp(h->name, name))) {
    uint64_t hv = name_hash(name, n);
    size_t i = hv & (SOURCE_SLOTS - 1);
    while (t->slot[i].name && !(t->slot[i].hash == hv && !strcmp(t->slot[i].name, name)))
      i = (i + 1) & (SOURCE_SLOTS - 1);
    h = &t->slot[i];
    if (!h->name) {
      if (t->n >= SOURCES_MAX) {
        t->other.last = now;
        t->other.lines++;
        return;
      }
      h->name = xstrdup(name);
      h->hash = hv;
      t->n++;
    }
    t->hot = h;
  }
  h->last = now;
  h->lines++;
}

static json_t *sources_json(const struct sources *t)
{
  json_t *o = json_object();
  for (size_t i = 0; i < SOURCE_SLOTS; i++)
    if (t->slot[i].name)
      json_object_set_new(o, t->slot[i].name, json_pack("{s:I, s:I}", "last", (json_int_t)t->slot[i].last, "lines",
                                                         (json_int_t)t->slot[i].lines));
  if (t->other.lines)
    json_object_set_new(o, "(other)",
                        json_pack("{s:I, s:I}", "last", (json_int_t)t->other.last, "lines", (json_int_t)t->other.lines));
  return o;
}

static void sources_free(struct sources *t)
{
  for (size_t i = 0; i < SOURCE_SLOTS; i++)
    free(t->slot[i].name);
}

/* ---- status ------------------------------------------------------------- */

/* lines on disk and lines lost to a failed block write, the open segment included */
static void disk_counts(struct collector *c)
{
  c->st.stored = c->st.stored_closed + (uint64_t)(c->seg ? netlog_seg_lines(c->seg) : 0);
  uint64_t failed = c->st.failed_closed + (uint64_t)(c->seg ? netlog_seg_failed(c->seg) : 0);
  c->st.dropped = c->st.dropped_taken + failed;
}

static void write_status(struct collector *c, int64_t now)
{
  disk_counts(c);
  pthread_mutex_lock(&c->sl.mu);
  c->st.seal = c->sl.counts;
  c->st.destroyed = c->sl.destroyed;
  pthread_mutex_unlock(&c->sl.mu);
  json_t *kinds = json_object();
  for (int k = 0; k < NL_KIND_COUNT; k++)
    json_object_set_new(kinds, netlog_kind_name((enum netlog_kind)k), json_integer((json_int_t)c->st.by_kind[k]));
  json_t *s = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, s:I}", "started",
      (json_int_t)c->st.started, "updated", (json_int_t)now, "received", (json_int_t)c->st.received, "parsed",
      (json_int_t)c->st.parsed, "unknown", (json_int_t)c->st.unknown, "dropped", (json_int_t)c->st.dropped,
      "truncated", (json_int_t)c->st.truncated, "stored", (json_int_t)c->st.stored, "tcp_refused",
      (json_int_t)c->st.tcp_refused, "kinds", kinds, "segment", (json_int_t)(c->seg ? netlog_seg_seq(c->seg) : 0),
      "sealed", (json_int_t)c->st.seal.sealed, "stamped", (json_int_t)c->st.seal.stamped, "stamp_failures",
      (json_int_t)c->st.seal.stamp_failed, "stamps_pending", (json_int_t)c->st.seal.pending, "tcp_clients",
      (json_int_t)c->nclients, "alarm", c->st.seal.pending > 0 || c->st.dropped > 0, "last_line",
      (json_int_t)c->st.last_line, "destroyed", (json_int_t)c->st.destroyed);
  if (s)
    json_object_set_new(s, "tsa", netlog_seal_counts_json(&c->st.seal));
  if (s && c->stopped)
    json_object_set_new(s, "stopped", json_integer(c->stopped)); /* a clean stop, not a silent death */
  if (s && c->tls)
    netlog_tls_status(c->tls, s);
  if (s)
    json_object_set_new(s, "sources", sources_json(&c->src));
  char tmp[NETLOG_PATH_MAX + 8];
  snprintf(tmp, sizeof tmp, "%s.tmp", c->status_path);
  if (s && json_dump_file(s, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) == 0)
    (void)!rename(tmp, c->status_path);
  json_decref(s);
  /* where each tailed file was read to, so a restart does not store it twice */
  json_t *t = json_object();
  for (size_t i = 0; i < c->ntails; i++)
    json_object_set_new(t, c->tails[i].path,
                        json_pack("{s:I, s:I}", "ino", (json_int_t)c->tails[i].ino, "off", (json_int_t)c->tails[i].off));
  snprintf(tmp, sizeof tmp, "%s.tmp", c->tails_path);
  if (json_dump_file(t, tmp, JSON_SORT_KEYS) == 0)
    (void)!rename(tmp, c->tails_path);
  json_decref(t);
}

/* ---- lines -------------------------------------------------------------- */

static void take_line(struct collector *c, const char *line, size_t n, bool truncated)
{
  int64_t now = now_unix();
  c->st.received++;
  if (truncated)
    c->st.truncated++;
  struct netlog_rec r;
  enum netlog_kind k = netlog_parse_line(line, n, now, &r);
  c->st.by_kind[k]++;
  if (k == NL_UNKNOWN)
    c->st.unknown++;
  else
    c->st.parsed++;
  c->st.last_line = now;
  source_count(&c->src, r.host[0] ? r.host : c->peer && c->peer[0] ? c->peer : "(unknown)", now);
  if (!c->seg) {
    c->st.dropped_taken++;
    return;
  }
  /* a failed block write is counted by the segment (netlog_seg_failed) */
  if (netlog_seg_append_parsed(c->seg, &r))
    log_error("netlog: block write failed", "segment=%llu", (unsigned long long)netlog_seg_seq(c->seg));
}

static void on_frame(void *u, const char *line, size_t len, int flags)
{
  struct collector *c = u;
  if (flags & NETLOG_FRAME_DROPPED) {
    c->st.received++;
    c->st.dropped_taken++; /* an over-long frame: counted, its bytes skipped */
    return;
  }
  take_line(c, line, len, flags & NETLOG_FRAME_TRUNCATED);
}

static void client_frames(struct collector *c, struct client *cl)
{
  c->peer = cl->peer;
  size_t used = netlog_frames(&cl->fr, cl->b, cl->len, on_frame, c);
  memmove(cl->b, cl->b + used, cl->len - used);
  cl->len -= used;
}

static void client_close(struct collector *c, size_t i, bool flush)
{
  struct client *cl = &c->clients[i];
  c->peer = cl->peer;
  if (flush && cl->len && !cl->fr.skip && !cl->fr.discard)
    take_line(c, cl->b, cl->len, false); /* a last line without its newline */
  close(cl->fd);
  free(cl->b);
  c->clients[i] = c->clients[--c->nclients];
}

static void client_read(struct collector *c, size_t i)
{
  struct client *cl = &c->clients[i];
  for (int k = 0; k < CLIENT_READS; k++) {
    ssize_t r = read(cl->fd, cl->b + cl->len, CLIENT_BUF - cl->len);
    if (r > 0) {
      cl->len += (size_t)r;
      client_frames(c, cl);
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR))
      return;
    client_close(c, i, true);
    return;
  }
}

static void accept_clients(struct collector *c)
{
  for (;;) {
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    int fd = accept4(c->tcp, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return;
    if (c->nclients >= c->max_clients) {
      c->st.tcp_refused++;
      close(fd);
      continue;
    }
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    struct client *cl = &c->clients[c->nclients++];
    *cl = (struct client){.fd = fd, .b = xmalloc(CLIENT_BUF)};
    if (getnameinfo((struct sockaddr *)&sa, sl, cl->peer, sizeof cl->peer, NULL, 0, NI_NUMERICHOST))
      cl->peer[0] = '\0';
  }
}

static void udp_read(struct collector *c)
{
  static char b[65536];
  static struct sockaddr_storage last;
  static socklen_t last_len;
  static char peer[NETLOG_IP_MAX];
  for (int k = 0; k < 1024; k++) {
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    ssize_t r = recvfrom(c->udp, b, sizeof b, MSG_TRUNC, (struct sockaddr *)&sa, &sl);
    if (r < 0)
      return;
    if (sl != last_len || memcmp(&sa, &last, sl)) {
      if (getnameinfo((struct sockaddr *)&sa, sl, peer, sizeof peer, NULL, 0, NI_NUMERICHOST))
        peer[0] = '\0';
      memcpy(&last, &sa, sl);
      last_len = sl;
    }
    c->peer = peer;
    size_t n = (size_t)r > sizeof b ? sizeof b : (size_t)r;
    bool cut = n > NETLOG_LINE_MAX;
    take_line(c, b, cut ? NETLOG_LINE_MAX : n, cut);
  }
}

/* ---- tailed files ---------------------------------------------------------- */

static void tail_poll(struct collector *c, struct tail *t)
{
  struct stat sb;
  if (stat(t->path, &sb))
    return;
  if (t->fd >= 0 && (sb.st_ino != t->ino || sb.st_size < t->off)) {
    /* rotated or truncated: finish with the old one, start at the new one's top */
    close(t->fd);
    t->fd = -1;
    t->off = 0;
    t->len = 0;
    netlog_join_flush(t->jn, on_frame, c);
  }
  if (t->fd < 0) {
    t->fd = open(t->path, O_RDONLY | O_CLOEXEC);
    if (t->fd < 0)
      return;
    if (t->ino != sb.st_ino)
      t->off = 0;
    t->ino = sb.st_ino;
  }
  for (;;) {
    ssize_t r = pread(t->fd, t->b + t->len, NETLOG_LINE_MAX - t->len, t->off);
    if (r <= 0)
      return;
    t->off += r;
    t->len += (size_t)r;
    size_t pos = 0;
    char *nl;
    c->peer = t->path;
    while ((nl = memchr(t->b + pos, '\n', t->len - pos))) {
      netlog_join(t->jn, t->b + pos, (size_t)(nl - (t->b + pos)), on_frame, c);
      pos = (size_t)(nl - t->b) + 1;
    }
    if (!pos && t->len == NETLOG_LINE_MAX) {
      netlog_join_flush(t->jn, on_frame, c);
      take_line(c, t->b, t->len, true);
      pos = t->len;
    }
    memmove(t->b, t->b + pos, t->len - pos);
    t->len -= pos;
  }
}

static void tails_setup(struct collector *c, const char *files)
{
  json_t *saved = json_load_file(c->tails_path, 0, NULL);
  const char *p = files;
  while (p && *p && c->ntails < MAX_FILES) {
    while (*p == ' ')
      p++;
    size_t n = strcspn(p, " ");
    if (!n)
      break;
    struct tail *t = &c->tails[c->ntails];
    if (n < sizeof t->path) {
      memcpy(t->path, p, n);
      t->path[n] = '\0';
      t->fd = -1;
      t->b = xmalloc(NETLOG_LINE_MAX);
      t->jn = xcalloc(1, sizeof *t->jn);
      json_t *s = json_object_get(saved, t->path);
      t->ino = (ino_t)json_integer_value(json_object_get(s, "ino"));
      t->off = (off_t)json_integer_value(json_object_get(s, "off"));
      c->ntails++;
    }
    p += n;
  }
  json_decref(saved);
}

/* ---- rotation and sealing -------------------------------------------------- */

static void *sealer_main(void *p)
{
  struct sealer *s = p;
  int64_t next_purge = 0;
  pthread_mutex_lock(&s->mu);
  for (;;) {
    if (!s->kick && !s->quit) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_sec += s->counts.pending ? s->retry_s : 60;
      pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    }
    bool quit = s->quit;
    uint64_t below = s->below;
    struct netlog_seal_counts counts = s->counts;
    s->kick = false;
    pthread_mutex_unlock(&s->mu);
    int64_t now = now_unix();
    if (netlog_seal_pending(s->dir, below, &s->tsa, now, &counts))
      log_error("netlog: sealing failed; will retry", "dir=%s", s->dir);
    int gone = 0;
    if (now >= next_purge) { /* hourly: at least daily, as the law asks */
      gone = netlog_purge(s->dir, now, s->retention_s, s->ledger_s);
      next_purge = now + 3600;
    }
    pthread_mutex_lock(&s->mu);
    s->counts = counts;
    if (gone > 0)
      s->destroyed += (uint64_t)gone;
    if (quit)
      break;
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

/* Asks the sealer to seal everything below `below` now (0: all, and stop). */
static void sealer_kick(struct sealer *s, uint64_t below, bool quit)
{
  pthread_mutex_lock(&s->mu);
  s->below = below;
  s->kick = true;
  s->quit = s->quit || quit;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
}

/* Closes the open segment and opens the next one; the sealer takes the
 * closed one (and any a crash left unsealed). */
static int close_segment(struct collector *c)
{
  if (!c->seg)
    return 0;
  /* after the flush no line is left in the writer: the counts are final */
  int rc = netlog_seg_flush(c->seg);
  c->st.stored_closed += (uint64_t)netlog_seg_lines(c->seg);
  c->st.failed_closed += (uint64_t)netlog_seg_failed(c->seg);
  if (netlog_seg_close(c->seg))
    rc = -1;
  c->seg = NULL;
  return rc;
}

static int rotate(struct collector *c, int64_t now)
{
  int rc = close_segment(c);
  if (netlog_seg_create(c->dir, now, &c->seg))
    rc = -1;
  if (c->seg)
    sealer_kick(&c->sl, netlog_seg_seq(c->seg), false);
  return rc;
}

int netlog_collect(const char *data_dir, const config *conf)
{
  struct collector c = {.udp = -1, .tcp = -1};
  char dir[NETLOG_PATH_MAX - 32];
  int rc = 1;
  if (snprintf(dir, sizeof dir, "%s/netlog", data_dir) >= (int)sizeof dir)
    return 1;
  mkdir(dir, 0750);
  c.dir = dir;
  snprintf(c.status_path, sizeof c.status_path, "%s/status.json", dir);
  snprintf(c.tails_path, sizeof c.tails_path, "%s/tails.json", dir);
  c.udp_addr = config_get(conf, "netlog.udp", "0.0.0.0:514");
  c.tcp_addr = config_get(conf, "netlog.tcp", "0.0.0.0:514");
  c.tls_addr = config_get(conf, "netlog.tls", "");
  c.rotate_s = config_int(conf, "netlog.rotate_seconds", 3600);
  if (c.rotate_s < 1 || c.rotate_s > 3600)
    c.rotate_s = 3600; /* at least hourly */
  c.sl.dir = dir;
  netlog_tsa_config(conf, &c.sl.tsa);
  c.sl.retry_s = config_int(conf, "netlog.tsa_retry_seconds", 300);
  if (c.sl.retry_s < 1)
    c.sl.retry_s = 300;
  pthread_mutex_init(&c.sl.mu, NULL);
  pthread_cond_init(&c.sl.cv, NULL);
  int64_t days = config_int(conf, "netlog.retention_days", 730);
  c.sl.retention_s = (days < 1 ? 730 : days) * 86400;
  int64_t ledger_days = config_int(conf, "netlog.ledger_days", 1095);
  c.sl.ledger_s = (ledger_days < 1095 ? 1095 : ledger_days) * 86400; /* KVKK: at least 3 years */
  c.flush_ms = config_int(conf, "netlog.flush_ms", 1000);
  if (c.flush_ms < 10)
    c.flush_ms = 1000;
  c.max_clients = (size_t)config_int(conf, "netlog.tcp_clients", 64);
  if (c.max_clients < 1 || c.max_clients > MAX_CLIENTS_CAP)
    c.max_clients = 64;
  c.clients = xcalloc(c.max_clients, sizeof *c.clients);

  c.udp = bind_addr(c.udp_addr, SOCK_DGRAM);
  c.tcp = bind_addr(c.tcp_addr, SOCK_STREAM);
  int tls_fd = bind_addr(c.tls_addr, SOCK_STREAM);
  if (c.udp == -2 || c.tcp == -2 || tls_fd == -2) {
    log_error("netlog: cannot listen", "udp=%s tcp=%s tls=%s errno=%d", c.udp_addr, c.tcp_addr, c.tls_addr, errno);
    if (tls_fd >= 0)
      close(tls_fd);
    goto out;
  }
  if (tls_fd >= 0 && netlog_tls_new(tls_fd, conf, c.max_clients, &c.tls)) /* the key is read before the drop */
    goto out;
  if (drop_privileges(config_get(conf, "netlog.user", "")))
    goto out;
  tails_setup(&c, config_get(conf, "netlog.files", ""));

  struct sigaction sa = {.sa_handler = on_stop};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int64_t now = now_unix();
  c.st.started = now;
  /* a new segment; the sealer then seals what a crash left open */
  if (rotate(&c, now) || !c.seg) {
    log_error("netlog: cannot open a segment", "dir=%s", dir);
    goto out;
  }
  /* signals are the loop's: the sealer starts with them blocked */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  int perr = pthread_create(&c.sl.th, NULL, sealer_main, &c.sl);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (perr) {
    log_error("netlog: cannot start the sealer", "errno=%d", perr);
    goto out;
  }
  c.sl.started = true;
  log_info("netlog: collecting", "udp=%s tcp=%s tls=%s files=%zu segment=%llu", c.udp >= 0 ? c.udp_addr : "off",
           c.tcp >= 0 ? c.tcp_addr : "off", c.tls ? c.tls_addr : "off", c.ntails,
           (unsigned long long)netlog_seg_seq(c.seg));
  write_status(&c, now);
  c.last_flush_ms = now_ms();
  int64_t last_status = now_ms();
  struct pollfd *pfd = xcalloc(c.max_clients + 2 + (c.tls ? netlog_tls_max_fds(c.tls) : 0), sizeof *pfd);
  while (!stop_flag) {
    size_t np = 0;
    if (c.udp >= 0)
      pfd[np++] = (struct pollfd){.fd = c.udp, .events = POLLIN};
    if (c.tcp >= 0)
      pfd[np++] = (struct pollfd){.fd = c.tcp, .events = POLLIN};
    size_t first_tls = np;
    if (c.tls)
      np += netlog_tls_pollfds(c.tls, pfd + np);
    size_t first_client = np;
    for (size_t i = 0; i < c.nclients; i++)
      pfd[np++] = (struct pollfd){.fd = c.clients[i].fd, .events = POLLIN};
    int n = poll(pfd, (nfds_t)np, 200);
    if (n < 0 && errno != EINTR)
      break;
    if (n > 0) {
      size_t k = 0;
      if (c.udp >= 0 && (pfd[k++].revents & POLLIN))
        udp_read(&c);
      if (c.tcp >= 0 && (pfd[k++].revents & POLLIN))
        accept_clients(&c);
      /* from the end, as closing moves the last client into the hole */
      for (size_t i = np; i-- > first_client;) {
        size_t ci = i - first_client;
        if (ci < c.nclients && c.clients[ci].fd == pfd[i].fd && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
          client_read(&c, ci);
      }
    }
    if (c.tls) { /* also without events: handshakes time out */
      c.peer = NULL; /* the sender is named by the syslog header's host */
      netlog_tls_service(c.tls, pfd + first_tls, first_client - first_tls, on_frame, &c);
    }
    for (size_t i = 0; i < c.ntails; i++)
      tail_poll(&c, &c.tails[i]);
    now = now_unix();
    int64_t ms = now_ms();
    /* every flush_ms, and as soon as the senders pause (a poll with
     * nothing to read): a line is on disk soon after the last one came */
    if (ms - c.last_flush_ms >= c.flush_ms || (n == 0 && netlog_seg_pending(c.seg))) {
      if (netlog_seg_flush(c.seg))
        log_error("netlog: block write failed", "segment=%llu", (unsigned long long)netlog_seg_seq(c.seg));
      c.last_flush_ms = ms;
    }
    if (now - netlog_seg_opened(c.seg) >= c.rotate_s && (rotate(&c, now) || !c.seg)) {
      log_error("netlog: rotation failed", "dir=%s", dir);
      break;
    }
    if (ms - last_status >= 250) { /* the counts a benchmark or a test waits for */
      write_status(&c, now);
      last_status = ms;
    }
  }
  free(pfd);
  /* shutdown: what the clients still hold, then the last segment sealed */
  while (c.nclients)
    client_close(&c, c.nclients - 1, true);
  netlog_tls_free(c.tls, on_frame, &c);
  c.tls = NULL;
  for (size_t i = 0; i < c.ntails; i++) {
    tail_poll(&c, &c.tails[i]);
    netlog_join_flush(c.tails[i].jn, on_frame, &c);
  }
  rc = close_segment(&c) ? 1 : 0;
  sealer_kick(&c.sl, 0, true);
  pthread_join(c.sl.th, NULL);
  c.sl.started = false;
  now = now_unix();
  c.stopped = now;
  write_status(&c, now);
  log_info("netlog: stopped", "received=%llu stored=%llu dropped=%llu stamps_pending=%d",
           (unsigned long long)c.st.received, (unsigned long long)c.st.stored, (unsigned long long)c.st.dropped,
           c.st.seal.pending);
out:
  if (close_segment(&c))
    rc = 1;
  sources_free(&c.src);
  if (c.sl.started) {
    sealer_kick(&c.sl, 0, true);
    pthread_join(c.sl.th, NULL);
  }
  pthread_cond_destroy(&c.sl.cv);
  pthread_mutex_destroy(&c.sl.mu);
  while (c.nclients)
    client_close(&c, c.nclients - 1, false);
  netlog_tls_free(c.tls, NULL, NULL);
  for (size_t i = 0; i < c.ntails; i++) {
    if (c.tails[i].fd >= 0)
      close(c.tails[i].fd);
    free(c.tails[i].b);
    free(c.tails[i].jn);
  }
  free(c.clients);
  if (c.udp >= 0)
    close(c.udp);
  if (c.tcp >= 0)
    close(c.tcp);
  return rc;
}

/* ---- bulk ingest ----------------------------------------------------------- */

int netlog_ingest(const char *data_dir, char *const *files, int nfiles, int64_t rotate_lines, int64_t *lines_out)
{
  char dir[NETLOG_PATH_MAX - 32];
  if (snprintf(dir, sizeof dir, "%s/netlog", data_dir) >= (int)sizeof dir)
    return -1;
  mkdir(dir, 0750);
  struct netlog_seg *seg = NULL;
  int rc = -1;
  int64_t total = 0, in_seg = 0;
  enum { CHUNK = 1 << 20 };
  char *b = xmalloc(CHUNK + NETLOG_LINE_MAX);
  if (netlog_seg_create(dir, now_unix(), &seg))
    goto out;
  for (int i = 0; i < nfiles; i++) {
    int fd = str_eq(files[i], "-") ? 0 : open(files[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      log_error("netlog: cannot open", "path=%s errno=%d", files[i], errno);
      goto out;
    }
    size_t len = 0;
    for (;;) {
      ssize_t r = read(fd, b + len, CHUNK + NETLOG_LINE_MAX - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0) {
        if (fd)
          close(fd);
        goto out;
      }
      len += (size_t)r;
      int64_t now = now_unix();
      size_t pos = 0;
      char *nl;
      while ((nl = memchr(b + pos, '\n', len - pos)) || (r == 0 && pos < len) ||
             len - pos >= NETLOG_LINE_MAX) {
        size_t n = nl ? (size_t)(nl - (b + pos)) : len - pos;
        if (n > NETLOG_LINE_MAX)
          n = NETLOG_LINE_MAX;
        if (!seg && netlog_seg_create(dir, now, &seg)) /* the next one, when a line comes for it */
          goto out;
        struct netlog_rec rec;
        netlog_parse_line(b + pos, n, now, &rec);
        if (netlog_seg_append_parsed(seg, &rec))
          log_error("netlog: block write failed", "segment=%llu", (unsigned long long)netlog_seg_seq(seg));
        total++;
        pos += n + (nl && b + pos + n == nl ? 1 : 0);
        if (rotate_lines > 0 && ++in_seg >= rotate_lines) {
          int crc = netlog_seg_close(seg);
          seg = NULL;
          if (crc)
            goto out;
          in_seg = 0;
        }
      }
      memmove(b, b + pos, len - pos);
      len -= pos;
      if (r == 0)
        break;
    }
    if (fd)
      close(fd);
  }
  rc = 0;
out:
  if (seg && netlog_seg_close(seg))
    rc = -1;
  free(b);
  if (lines_out)
    *lines_out = total;
  struct netlog_seal_counts sc = {0};
  if (rc == 0 && netlog_seal_pending(dir, 0, NULL, now_unix(), &sc))
    rc = -1;
  return rc;
}
