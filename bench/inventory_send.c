/* inventory_send.c - replays agent inventories against defter's
 * POST /inventory for bench/inventory.sh: CONNS keep-alive connections on
 * 127.0.0.1, each taking the next device from the index, sending the
 * agent's PROLOG and then its zlib-compressed INVENTORY the way
 * fusioninventory-agent does (Content-Type application/x-compress), and
 * reading each answer through. Prints the inventories per second and the
 * INVENTORY answers' latency.
 *
 *   inventory_send PORT DIR CONNS [FIRST COUNT] [USER:SECRET]
 *
 * DIR holds bodies, index and prolog from inventory_gen.py. FIRST and
 * COUNT select devices (default: all). A non-200 answer counts as an
 * error and its first line is printed once.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

struct body {
  size_t off, len;
};

static int port;
static const unsigned char *bodies;
static struct body *index_;
static size_t first, count;
static const unsigned char *prolog;
static size_t prolog_len;
static char auth[512];
static atomic_size_t next_dev;
static atomic_size_t errors;
static atomic_int error_shown;
static double *latency; /* seconds, one per device */

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int dial(void)
{
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  if (s < 0)
    return -1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(s, (struct sockaddr *)&a, sizeof a)) {
    close(s);
    return -1;
  }
  return s;
}

static int write_all(int s, const void *p, size_t n)
{
  const char *c = p;
  while (n) {
    ssize_t w = write(s, c, n);
    if (w <= 0)
      return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Reads one HTTP/1.1 answer with a Content-Length; returns its status,
 * or -1 when the connection broke. */
static int read_answer(int s)
{
  char buf[65536];
  size_t have = 0;
  for (;;) {
    ssize_t n = read(s, buf + have, sizeof buf - 1 - have);
    if (n <= 0)
      return -1;
    have += (size_t)n;
    buf[have] = 0;
    char *end = strstr(buf, "\r\n\r\n");
    if (!end) {
      if (have >= sizeof buf - 1)
        return -1;
      continue;
    }
    int status = atoi(buf + 9);
    char *cl = strcasestr(buf, "\r\ncontent-length:");
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    size_t got = have - (size_t)(end + 4 - buf);
    if (status != 200 && atomic_fetch_add(&error_shown, 1) == 0)
      fprintf(stderr, "inventory_send: %.*s\n", (int)strcspn(buf, "\r\n"), buf);
    while (got < want) {
      n = read(s, buf, sizeof buf);
      if (n <= 0)
        return -1;
      got += (size_t)n;
    }
    return status;
  }
}

static int post(int s, const unsigned char *body, size_t len)
{
  char head[1024];
  int h = snprintf(head, sizeof head,
                   "POST /inventory HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: FusionInventory-Agent_v2.6\r\n"
                   "Content-Type: application/x-compress\r\n%sContent-Length: %zu\r\n\r\n",
                   port, auth, len);
  if (write_all(s, head, (size_t)h) || write_all(s, body, len))
    return -1;
  return read_answer(s);
}

static void *worker(void *unused)
{
  (void)unused;
  int s = dial();
  for (;;) {
    size_t i = atomic_fetch_add(&next_dev, 1);
    if (i >= count)
      break;
    const struct body *b = &index_[first + i];
    double t0 = now();
    int st = s < 0 ? -1 : post(s, prolog, prolog_len);
    if (st == 200)
      st = post(s, bodies + b->off, b->len);
    latency[i] = now() - t0;
    if (st != 200) {
      atomic_fetch_add(&errors, 1);
      if (st < 0) {
        if (s >= 0)
          close(s);
        s = dial();
      }
    }
  }
  if (s >= 0)
    close(s);
  return NULL;
}

static const void *map_file(const char *dir, const char *name, size_t *len)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st)) {
    perror(path);
    exit(2);
  }
  void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(2);
  }
  *len = (size_t)st.st_size;
  return p;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void base64(const char *in, char *out)
{
  static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(in), o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
    if (i + 1 < n)
      v |= (uint32_t)(unsigned char)in[i + 1] << 8;
    if (i + 2 < n)
      v |= (unsigned char)in[i + 2];
    out[o++] = t[v >> 18 & 63];
    out[o++] = t[v >> 12 & 63];
    out[o++] = i + 1 < n ? t[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? t[v & 63] : '=';
  }
  out[o] = 0;
}

int main(int argc, char **argv)
{
  if (argc < 4) {
    fprintf(stderr, "usage: inventory_send PORT DIR CONNS [FIRST COUNT] [USER:SECRET]\n");
    return 2;
  }
  port = atoi(argv[1]);
  int conns = atoi(argv[3]);
  size_t blen, ilen;
  bodies = map_file(argv[2], "bodies", &blen);
  prolog = map_file(argv[2], "prolog", &prolog_len);
  const char *idx = map_file(argv[2], "index", &ilen);
  size_t n = 0;
  for (size_t i = 0; i < ilen; i++)
    n += idx[i] == '\n';
  index_ = calloc(n ? n : 1, sizeof *index_);
  const char *p = idx;
  for (size_t i = 0; i < n; i++) {
    char *e;
    index_[i].off = strtoull(p, &e, 10);
    index_[i].len = strtoull(e, &e, 10);
    p = e + 1;
  }
  first = argc > 5 ? strtoull(argv[4], NULL, 10) : 0;
  count = argc > 5 ? strtoull(argv[5], NULL, 10) : n;
  if (first > n)
    first = n;
  if (count > n - first)
    count = n - first;
  if (argc > 6) {
    char b64[400];
    if (strlen(argv[6]) > 280)
      return 2;
    base64(argv[6], b64);
    snprintf(auth, sizeof auth, "Authorization: Basic %s\r\n", b64);
  }
  latency = calloc(count ? count : 1, sizeof *latency);
  pthread_t th[256];
  if (conns < 1 || conns > 256)
    conns = 4;
  double t0 = now();
  for (int i = 0; i < conns; i++)
    pthread_create(&th[i], NULL, worker, NULL);
  for (int i = 0; i < conns; i++)
    pthread_join(th[i], NULL);
  double wall = now() - t0;
  qsort(latency, count, sizeof *latency, cmp_double);
  double p50 = count ? latency[count / 2] : 0, p99 = count ? latency[(count * 99) / 100] : 0;
  printf("inventories %zu errors %zu seconds %.2f per_second %.1f p50_ms %.1f p99_ms %.1f\n", count,
         (size_t)atomic_load(&errors), wall, wall > 0 ? (double)count / wall : 0, p50 * 1e3, p99 * 1e3);
  return atomic_load(&errors) ? 1 : 0;
}
