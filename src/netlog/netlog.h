/* netlog.h - the Law 5651 access-log archive: one record shape for DHCP
 * leases and NAT sessions, the parsers that fill it from syslog lines,
 * append-only zstd segments under DATA/netlog, their sealing (SHA-256,
 * chained manifests, RFC 3161 tokens), verification and the "who had this
 * address then" query. The collector (`defter netlog`) is its own
 * process, separate from `defter serve`. */
#ifndef DEFTER_NETLOG_H
#define DEFTER_NETLOG_H

#include <jansson.h>
#include <stdio.h>
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

/* Syslog over TCP (RFC 6587): a frame is octet-counted ("LEN SP MSG")
 * when it starts with a digit, otherwise it ends at a newline. A framer
 * keeps what it must remember between reads of one connection. */
struct netlog_framer {
  size_t skip;  /* bytes of an over-long octet-counted frame still to discard */
  bool discard; /* an over-long line was cut: discard up to its newline */
};
enum netlog_frame_flag {
  NETLOG_FRAME_TRUNCATED = 1, /* a line longer than NETLOG_LINE_MAX, cut there */
  NETLOG_FRAME_DROPPED = 2,   /* an octet-counted frame over the limit: skipped (len 0) */
};
typedef void (*netlog_frame_fn)(void *u, const char *line, size_t len, int flags);
/* Hands every complete frame in b[0..n) to fn and returns how many bytes
 * were used; the caller keeps the rest and appends the next read to it
 * (holding at most NETLOG_LINE_MAX + 16 bytes is enough). */
size_t netlog_frames(struct netlog_framer *f, const char *b, size_t n, netlog_frame_fn fn, void *u);

const char *netlog_kind_name(enum netlog_kind k);
const char *netlog_parser_name(enum netlog_source s);

/* ---- segments (segment.c) ----------------------------------------------
 * DATA/netlog/<seq>.seg: append-only, a run of blocks, each a header
 * (magic and version, sizes, line count, time range, a bloom of the
 * addresses and MACs in it, a finer bloom of the keys a point query asks
 * for) and a zstd frame of the block's lines, field-encoded (block.c), so
 * every raw line comes back byte for byte and its record by parsing it
 * again. A query reads the headers and decompresses only the blocks that
 * can match. Blocks are encoded and written by the segment's own worker
 * thread while the next one fills. */
enum {
  NETLOG_BLOOM_BYTES = 256,
  NETLOG_BLOCK_LINES = 16384,
  NETLOG_BLOCK_BYTES = 12 * 1024 * 1024, /* pending text that forces a block */
  NETLOG_BLOCK_MAX = 16 * 1024 * 1024,  /* a block a reader accepts */
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
/* Adds one record to the pending block; a full block is handed to the
 * writer thread. -1 when a block handed on before could not be written
 * (its lines are counted by netlog_seg_failed). Any record: one whose
 * fields are not what netlog_parse_line(raw, raw_len, time) makes of its
 * raw line is stored whole. */
int netlog_seg_append(struct netlog_seg *s, const struct netlog_rec *r) WUR;
/* The same for a record exactly as netlog_parse_line() returned it (the
 * collector's path): r->raw is not parsed again. */
int netlog_seg_append_parsed(struct netlog_seg *s, const struct netlog_rec *r) WUR;
/* Writes the pending records as one block and syncs the file; waits for
 * the writer threads. Full blocks are written as they fill and synced by
 * the next flush or the close. */
int netlog_seg_flush(struct netlog_seg *s) WUR;
uint64_t netlog_seg_seq(const struct netlog_seg *s);
int64_t netlog_seg_opened(const struct netlog_seg *s);
/* Lines written to the file, and lines lost because their
 * block could not be written; both grow from the writer thread. */
int64_t netlog_seg_lines(const struct netlog_seg *s);
int64_t netlog_seg_failed(const struct netlog_seg *s);
/* Lines appended and not yet handed to the writer thread. */
int64_t netlog_seg_pending(const struct netlog_seg *s);
/* Flushes, closes and frees s (also on error). */
int netlog_seg_close(struct netlog_seg *s) WUR;

struct netlog_seg_stats {
  int64_t lines, blocks, skipped, tmin, tmax;
  bool torn; /* the file ends inside a block (a crash while writing) */
};
/* What a reader wants: records in [from, to] (0: unbounded) that carry
 * one of keys (an address or MAC; none: all). */
enum { NETLOG_FILTER_KEYS = 24 };
struct netlog_filter {
  int64_t from, to;
  const char *keys[NETLOG_FILTER_KEYS];
  int nkeys;
  /* a point query: only DHCP leases of keys (addresses) and, unless port
   * is -1, NAT sessions whose public address is one of keys and, when
   * port > 0, whose public port is port. Blocks and lines that cannot
   * hold one are skipped by a finer index. */
  bool point;
  int port;
  int64_t nat_from, nat_to; /* point: NAT sessions only in this range (0: from, to) */
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

/* ---- sealing and verification (seal.c) -----------------------------------
 * On rotation a closed segment gets dir/<seq>.manifest.json (its SHA-256,
 * size, lines, time range, and the SHA-256 of manifest seq-1: a chain),
 * then an RFC 3161 time stamp of the manifest's SHA-256, the whole TSA
 * response kept as dir/<seq>.tsr. A TSA failure leaves the manifest
 * unstamped; the collector tries again later and counts an alarm. */
struct netlog_seal_counts {
  int sealed;       /* manifests written */
  int stamped;      /* tokens stored */
  int stamp_failed; /* TSA attempts that failed (the alarm) */
  int pending;      /* manifests still without a token */
};

/* Writes the manifest of closed segment seq (refuses, -1, when one
 * exists). now is the sealing time. */
int netlog_seal_manifest(const char *dir, uint64_t seq, int64_t now) WUR;
/* Asks tsa_url for a token on manifest seq and stores it. 0 ok; -1 with
 * a reason in err. */
int netlog_stamp(const char *dir, uint64_t seq, const char *tsa_url, char *err, size_t errlen) WUR;
/* Seals every segment numbered below `below` (0: every one) that has no
 * manifest, in order, then stamps every manifest that has no token (none
 * when tsa_url is empty). Adds to c and sets c->pending. 0 unless a
 * manifest could not be written. */
int netlog_seal_pending(const char *dir, uint64_t below, const char *tsa_url, int64_t now,
                        struct netlog_seal_counts *c) WUR;

/* The SHA-256 of manifest seq as hex (65 bytes), for evidence. 0 ok. */
int netlog_manifest_sha(const char *dir, uint64_t seq, char out[65]) WUR;

struct netlog_verify_opts {
  const char *ca_file; /* PEM bundle the TSA's certificate chains to */
  int64_t from, to;    /* only segments whose records overlap (0: all) */
};
/* Recomputes every hash, checks every token against the CA bundle and
 * the manifest's hash, walks the chain; writes a report to out naming
 * each altered, missing or reordered segment. Returns the number of
 * problems (0: all is well), -1 when dir cannot be read. */
int netlog_verify(const char *dir, const struct netlog_verify_opts *o, FILE *out) WUR;

/* ---- retention (retention.c) -------------------------------------------
 * Sealed segments older than the retention period are destroyed oldest
 * first, never leaving a hole; each is first written to the destruction
 * ledger dir/destruction.jsonl (one JSON line per segment, chained by the
 * SHA-256 of the line before), so verify can tell a purge from a loss. */

/* Destroys every sealed segment sealed before now - retention_s, from the
 * start of the chain. Returns how many, -1 on an I/O error. */
int netlog_purge(const char *dir, int64_t now, int64_t retention_s) WUR;

/* The ledger, read for verify: seq -> the destroyed manifest's SHA-256.
 * Returns 0 and a heap array (caller frees; sorted by seq) and, when
 * last_sha is not NULL, the hash of its last line (zeros when empty); -1
 * when the ledger is damaged (why says how). A missing ledger is an empty
 * one. */
struct netlog_purged {
  uint64_t seq;
  char manifest_sha[65];
  char destroyed_at[32];
};
int netlog_ledger_read(const char *dir, struct netlog_purged **out, size_t *n, char last_sha[65], char *why,
                       size_t whylen) WUR;

/* ---- the collector (collect.c) ----------------------------------------- */

/* Runs `defter netlog --data DIR`: binds the [netlog] udp / tcp syslog
 * listeners, drops privileges to [netlog] user, tails [netlog] files,
 * stores every line in DIR/netlog segments, rotates and seals them, and
 * keeps DIR/netlog/status.json current; returns 0 after SIGTERM or
 * SIGINT once the open segment is written and sealed, 1 on a start-up
 * failure. */
int netlog_collect(const char *data_dir, const config *c) WUR;

/* Stores the lines of files ("-": standard input; newline-separated) in
 * DATA/netlog as the collector would, a new segment every rotate_lines
 * lines (0: one), and seals them (no time stamp): for imports and the
 * benchmark. 0 ok, -1 on an error; *lines_out gets the lines read. */
int netlog_ingest(const char *data_dir, char *const *files, int nfiles, int64_t rotate_lines, int64_t *lines_out) WUR;

/* ---- the answer (query.c) ---------------------------------------------- */

struct netlog_query {
  const char *ip;    /* an internal or a public (translated) address */
  int port;          /* the public port of a NAT session; 0: any */
  int64_t at;        /* the moment asked about */
  int64_t lease_s;   /* a lease's length when its log does not say ([netlog] lease_seconds) */
  int64_t window_s;  /* how far around `at` a NAT session may lie ([netlog] nat_window_seconds) */
};

/* "Who had this address then": scans the segments of dir (DATA/netlog)
 * and returns a new object {"found", "lease": {ip, mac, host, start, end,
 * evidence[]} | null, "nat": [{internal_ip, internal_port, public_ip,
 * public_port, dst_ip, dst_port, proto, user, time, lease, evidence[]}]};
 * each evidence item carries the raw line, its segment and that
 * segment's seal. NULL when dir cannot be read. */
json_t *netlog_query_run(const char *dir, const struct netlog_query *q);

#endif
