/* netlog_send.c - sends a file of newline-framed syslog lines to a TCP
 * syslog receiver on 127.0.0.1 for bench/netlog.sh, with sendfile() so
 * the sender costs as little CPU as possible; with CONNS > 1 the file is
 * cut at line ends and each part goes over its own connection.
 *
 *   netlog_send PORT FILE [CONNS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct part {
  int port, fd;
  off_t from, to;
  int rc;
};

static void *send_part(void *p)
{
  struct part *pt = p;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)pt->port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int big = 4 << 20;
  setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a)) {
    perror("connect");
    pt->rc = 1;
    return NULL;
  }
  off_t off = pt->from;
  while (off < pt->to) {
    ssize_t w = sendfile(s, pt->fd, &off, (size_t)(pt->to - off > (1 << 30) ? (1 << 30) : pt->to - off));
    if (w <= 0) {
      perror("sendfile");
      pt->rc = 1;
      break;
    }
  }
  shutdown(s, SHUT_WR);
  char b[64];
  while (read(s, b, sizeof b) > 0) /* until the receiver closes */
    ;
  close(s);
  return NULL;
}

int main(int argc, char **argv)
{
  if (argc < 3)
    return fprintf(stderr, "usage: netlog_send PORT FILE [CONNS]\n"), 2;
  int port = atoi(argv[1]), conns = argc > 3 ? atoi(argv[3]) : 1;
  int fd = open(argv[2], O_RDONLY);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) || conns < 1 || conns > 64)
    return perror(argv[2]), 1;
  struct part parts[64];
  pthread_t th[64];
  off_t from = 0;
  for (int i = 0; i < conns; i++) {
    off_t to = i == conns - 1 ? sb.st_size : sb.st_size / conns * (i + 1);
    char c;
    while (to < sb.st_size && pread(fd, &c, 1, to - 1) == 1 && c != '\n') /* cut after a newline */
      to++;
    parts[i] = (struct part){port, fd, from, to < from ? from : to, 0};
    from = parts[i].to;
  }
  for (int i = 0; i < conns; i++)
    pthread_create(&th[i], NULL, send_part, &parts[i]);
  int rc = 0;
  for (int i = 0; i < conns; i++) {
    pthread_join(th[i], NULL);
    rc |= parts[i].rc;
  }
  return rc;
}
