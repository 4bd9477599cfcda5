/* netlog.h - the Law 5651 access-log archive: one record shape for DHCP
 * leases and NAT sessions, the parsers that fill it from syslog lines,
 * append-only zstd segments under DATA/netlog, their sealing (SHA-256,
 * chained manifests, RFC 3161 tokens), verification and the "who had this
 * address then" query. The collector (`defter netlog`) is its own
 * process, separate from `defter serve`. */
#ifndef DEFTER_NETLOG_H
#define DEFTER_NETLOG_H

#include <jansson.h>
#include "../core/config.h"
#include "../core/module.h"
#include "../core/util.h"

extern const struct defter_module netlog_module;

enum {
  NETLOG_LINE_MAX = 8192, /* longer lines are cut there and counted */
  NETLOG_IP_MAX = 46,
  NETLOG_MAC_MAX = 18,
  NETLOG_NAME_MAX = 64,
};

enum netlog_kind {
  NL_UNKNOWN = 0,  /* kept raw, counted */
  NL_DHCP_ACK,     /* a lease granted or renewed: in_ip, mac, host */
  NL_DHCP_RELEASE, /* a lease given back or expired */
  NL_SESSION,      /* a connection: in -> (translated) -> dst */
  NL_INFO,         /* recognised, but neither a lease nor a session */
  NL_KIND_COUNT,
};

enum netlog_source {
  NLS_NONE = 0,
  NLS_DNSMASQ,
  NLS_ISC_DHCPD,
  NLS_KEA_CSV,
  NLS_FORTIGATE,
  NLS_IPTABLES,
  NLS_CONNTRACK,
};

/* One parsed line. Text fields are NUL-terminated copies, cut to their
 * size; raw points into the caller's line (not owned). Times are unix
 * seconds UTC; 0 means unknown. */
struct netlog_rec {
  int64_t time;
  int64_t lease_end; /* Kea: the lease's expiry */
  enum netlog_kind kind;
  enum netlog_source parser;
  int pri;                      /* syslog PRI, -1 when none */
  char host[NETLOG_NAME_MAX];   /* the syslog HOSTNAME (the sending device) */
  char tag[NETLOG_NAME_MAX];    /* APP-NAME / TAG */
  char in_ip[NETLOG_IP_MAX];
  char tr_ip[NETLOG_IP_MAX];
  char dst_ip[NETLOG_IP_MAX];
  uint16_t in_port, tr_port, dst_port;
  char proto[8];
  char mac[NETLOG_MAC_MAX];
  char user[NETLOG_NAME_MAX];
  char client[NETLOG_NAME_MAX]; /* the DHCP client's host name */
  int64_t bytes;
  const char *raw;
  size_t raw_len;
};

/* Parses the syslog header (RFC 5424, RFC 3164, or a bare "Mmm dd
 * hh:mm:ss tag:" file line) of line[0..n) into r (time, pri, host, tag)
 * and returns the offset of the message. now gives the year RFC 3164
 * leaves out. Without a recognisable header the whole line is the
 * message and r->time stays 0. Never fails. */
size_t netlog_parse_header(const char *line, size_t n, int64_t now, struct netlog_rec *r);

/* Message parsers: each reads msg[0..n) and returns 0 when it recognised
 * the line (filling r's kind and fields), -1 otherwise (r's message fields
 * are then untouched). */
int netlog_parse_dnsmasq(const char *msg, size_t n, struct netlog_rec *r) WUR;
int netlog_parse_dhcpd(const char *msg, size_t n, struct netlog_rec *r) WUR;
int netlog_parse_kea_csv(const char *msg, size_t n, struct netlog_rec *r) WUR;
int netlog_parse_fortigate(const char *msg, size_t n, struct netlog_rec *r) WUR;
int netlog_parse_iptables(const char *msg, size_t n, struct netlog_rec *r) WUR;
int netlog_parse_conntrack(const char *msg, size_t n, struct netlog_rec *r) WUR;

/* The whole line: header, then each message parser in turn. Returns the
 * kind (NL_UNKNOWN when no parser took it; r then holds the raw line and
 * header only). r->time falls back to now. */
enum netlog_kind netlog_parse_line(const char *line, size_t n, int64_t now, struct netlog_rec *r);

const char *netlog_kind_name(enum netlog_kind k);
const char *netlog_parser_name(enum netlog_source s);

/* ---- segments (segment.c) ----------------------------------------------
 * DATA/netlog/<seq>.seg: append-only, a run of blocks, each a fixed header
 * (magic, sizes, line count, time range, a bloom of the addresses and
 * MACs in it) and a zstd frame of tab-separated records, the raw line
 * last and escaped, so every raw line comes back byte for byte. A query
 * reads the headers and decompresses only the blocks that can match. */
enum {
  NETLOG_BLOOM_BYTES = 256,
  NETLOG_BLOCK_LINES = 4096,
  NETLOG_BLOCK_BYTES = 256 * 1024, /* pending text that forces a block */
  NETLOG_BLOCK_MAX = 4 * 1024 * 1024, /* a block a reader accepts */
  NETLOG_PATH_MAX = 4096,
};

struct netlog_seg; /* an open segment being written */

/* DIR/<seq>.<ext> for seq (ext: "seg", "manifest.json", "tsr"). 0 ok, -1
 * when it does not fit. */
int netlog_path(const char *dir, uint64_t seq, const char *ext, char *out, size_t n) WUR;
/* The sequence numbers of the segments and manifests in dir, sorted
 * (heap array, caller frees); -1 when dir cannot be read. */
int netlog_list(const char *dir, uint64_t **seqs, size_t *n) WUR;

/* Creates dir/<seq>.seg, seq one past the highest segment or manifest
 * there. The caller closes it with netlog_seg_close. */
int netlog_seg_create(const char *dir, int64_t now, struct netlog_seg **out) WUR;
/* Adds one record to the pending block; a full block is written. */
int netlog_seg_append(struct netlog_seg *s, const struct netlog_rec *r) WUR;
/* Writes the pending records as one block and syncs the file. */
int netlog_seg_flush(struct netlog_seg *s) WUR;
uint64_t netlog_seg_seq(const struct netlog_seg *s);
int64_t netlog_seg_opened(const struct netlog_seg *s);
int64_t netlog_seg_lines(const struct netlog_seg *s);
/* Flushes, closes and frees s (also on error). */
int netlog_seg_close(struct netlog_seg *s) WUR;

struct netlog_seg_stats {
  int64_t lines, blocks, skipped, tmin, tmax;
  bool torn; /* the file ends inside a block (a crash while writing) */
};
/* What a reader wants: records in [from, to] (0: unbounded) that carry
 * one of keys (an address or MAC; none: all). */
struct netlog_filter {
  int64_t from, to;
  const char *keys[4];
  int nkeys;
};
/* Called for each stored record of a matching block (the filter is a
 * prefilter: fn checks the record itself). r->raw is the unescaped raw
 * line, valid during the call. A non-zero return stops the scan and is
 * returned. */
typedef int (*netlog_row_fn)(const struct netlog_rec *r, void *u);
/* Reads path; -1 when it cannot be opened or a block is damaged. st is
 * optional. */
int netlog_seg_scan(const char *path, const struct netlog_filter *f, netlog_row_fn fn, void *u,
                    struct netlog_seg_stats *st) WUR;

#endif
