/* netlog.h - the Law 5651 access-log archive: one record shape for DHCP
 * leases and NAT sessions, the parsers that fill it from syslog lines,
 * append-only zstd segments under DATA/netlog, their sealing (SHA-256,
 * chained manifests, RFC 3161 tokens), verification and the "who had this
 * address then" query. The collector (`defter netlog`) is its own
 * process, separate from `defter serve`. */
#ifndef DEFTER_NETLOG_H
#define DEFTER_NETLOG_H

#include <jansson.h>
#include <poll.h>
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
  NL_LOGIN,        /* a user authenticated on a device / address (see below) */
  NL_LOGOUT,       /* that user's session ended */
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
  NLS_FREERADIUS, /* radiusd's log ("Login OK") and its detail (accounting) records */
  NLS_MIKROTIK,   /* MikroTik hotspot: "USER (IP): logged in" */
  NLS_PORTAL,     /* pfSense captive portal: "Zone: Z - ACCEPT: USER, MAC, IP" */
  NLS_COUNT,
};

/* Logins (NL_LOGIN / NL_LOGOUT) bind a user to a device and an address:
 *   user    the login name (never a password: "[user/pass]" is cut at '/')
 *   mac     the device (Calling-Station-Id, a portal's MAC; may be empty)
 *   in_ip   the address it was given (Framed-IP-Address, the hotspot's
 *           client address; empty in radiusd's "Login OK", which comes
 *           before any address: join it to a lease by MAC)
 *   client  the NAS / hotspot that asked (RADIUS client, NAS-Identifier,
 *           NAS-IP-Address, portal zone)
 *   bytes   Acct-Input-Octets + Acct-Output-Octets (accounting Stop)
 *   time    Event-Timestamp when the record has one
 * Every login record has a user and at least one of mac, in_ip. A failed
 * login is NL_INFO. Accounting Start and Interim-Update are NL_LOGIN,
 * Stop is NL_LOGOUT. */

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
/* FreeRADIUS: radiusd's "[Www Mmm dd hh:mm:ss yyyy : ]Auth: (N) Login OK:
 * [user] (from client NAS port P cli MAC)". */
int netlog_parse_radiusd(const char *msg, size_t n, struct netlog_rec *r) WUR;
/* FreeRADIUS accounting: a detail-file record (its date line, then
 * "\tAttr = value" lines, as netlog_join() hands it on), or the same
 * attributes on one line (separated by spaces, commas, tabs or rsyslog's
 * "#011" / "#012"). Needs Acct-Status-Type and User-Name. */
int netlog_parse_radacct(const char *msg, size_t n, struct netlog_rec *r) WUR;
/* MikroTik hotspot: "[hotspot,account,info,debug ]USER (IP): logged in",
 * "...: logged out: REASON", "...: login failed: REASON" (NL_INFO). */
int netlog_parse_hotspot(const char *msg, size_t n, struct netlog_rec *r) WUR;
/* pfSense captive portal (logportalauth): "Zone: Z - ACCEPT: USER, MAC,
 * IP", LOGOUT / DISCONNECT / TIMEOUT ends, FAILURE is NL_INFO. */
int netlog_parse_portal(const char *msg, size_t n, struct netlog_rec *r) WUR;

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

/* A FreeRADIUS detail file writes one record over several lines: a date
 * line ("Tue Nov 17 09:05:00 2026"), "\tAttr = value" lines, an empty
 * line. A joiner, one per tailed file, hands every other line on as it
 * comes and such a record as one line: its lines joined by "\n", byte for
 * byte (emitted on the empty line, on a line that does not continue it,
 * or on netlog_join_flush). A record over NETLOG_LINE_MAX is cut there
 * (flag NETLOG_FRAME_TRUNCATED). */
struct netlog_joiner {
  char b[NETLOG_LINE_MAX];
  size_t len;
  bool open, cut;
};
void netlog_join(struct netlog_joiner *j, const char *line, size_t n, netlog_frame_fn fn, void *u);
void netlog_join_flush(struct netlog_joiner *j, netlog_frame_fn fn, void *u);

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

/* ---- sealing and verification (seal.c, tsa.c) ------------------------------
 * On rotation a closed segment gets dir/<seq>.manifest.json (its SHA-256,
 * size, lines, time range, and the SHA-256 of manifest seq-1: a chain),
 * then an RFC 3161 time stamp of the manifest's SHA-256, the whole TSA
 * response kept as dir/<seq>.tsr and a note dir/<seq>.stamp.json saying
 * which authority answered. A TSA failure leaves the manifest unstamped;
 * the collector tries again later and counts an alarm. */

/* One time-stamp authority. user/password: a Kamu SM customer number and
 * password, sent in its `identity` header (empty: plain RFC 3161). */
struct netlog_tsa {
  const char *url, *ca_file, *user, *password;
};
/* [0] the configured authority, [1] the fallback asked when it fails (a
 * segment it stamps is flagged). Strings are never NULL. */
struct netlog_tsa_set {
  struct netlog_tsa tsa[2];
  int64_t credit_min; /* Kamu SM balance under which an alarm is raised */
};
/* Reads [netlog] tsa_url, tsa_ca, tsa_user, tsa_password, the same with
 * fallback_tsa_ and tsa_credit_min (strings point into c). */
void netlog_tsa_config(const config *c, struct netlog_tsa_set *out);

struct netlog_seal_counts {
  int sealed;       /* manifests written */
  int stamped;      /* tokens stored */
  int fallback;     /* of them, by the fallback authority */
  int stamp_failed; /* TSA rounds that failed (the alarm) */
  int pending;      /* manifests still without a token */
  int64_t last_failure;  /* when a stamp last failed (0: never) */
  char last_error[256];  /* why */
  int64_t credits;         /* Kamu SM balance (-1 or 0 before the first answer) */
  int64_t credits_checked; /* when it was asked */
};

/* The TSA part of the collector's status.json. */
json_t *netlog_seal_counts_json(const struct netlog_seal_counts *c);

/* Writes the manifest of closed segment seq (refuses, -1, when one
 * exists). now is the sealing time. */
int netlog_seal_manifest(const char *dir, uint64_t seq, int64_t now) WUR;
/* Asks set's authority for a token on manifest seq, then its fallback;
 * stores the token and its note; *fallback tells which answered. 0 ok;
 * -1 with the reasons in err. */
int netlog_stamp(const char *dir, uint64_t seq, const struct netlog_tsa_set *set, bool *fallback, char *err,
                 size_t errlen) WUR;
/* Seals every segment numbered below `below` (0: every one) that has no
 * manifest, in order, then stamps every manifest that has no token (none
 * when no authority is configured); once a day asks Kamu SM for the
 * balance. Adds to c and sets c->pending. 0 unless a manifest could not
 * be written. */
int netlog_seal_pending(const char *dir, uint64_t below, const struct netlog_tsa_set *tsa, int64_t now,
                        struct netlog_seal_counts *c) WUR;

/* The identity header's value for digest md (heap hex string, caller
 * frees). 0 ok, -1 when user is not a customer number. */
int netlog_kamusm_identity(const char *user, const char *password, const unsigned char *md, size_t mdlen,
                           char **hex_out) WUR;
/* Kamu SM's balance of stamps for t. 0 ok; -1 with err. */
int netlog_kamusm_credits(const struct netlog_tsa *t, int64_t now_ms, int64_t *credits, char *err,
                          size_t errlen) WUR;

/* The SHA-256 of manifest seq as hex (65 bytes), for evidence. 0 ok. */
int netlog_manifest_sha(const char *dir, uint64_t seq, char out[65]) WUR;
int netlog_manifest_digest(const char *dir, uint64_t seq, unsigned char md[32]) WUR;
/* Small file helpers shared by the netlog files. */
bool netlog_exists(const char *dir, uint64_t seq, const char *ext);
void netlog_hex(const unsigned char *p, size_t n, char *out);
int netlog_write_atomic(const char *path, const void *data, size_t n) WUR;

struct netlog_verify_opts {
  const char *ca_file;          /* PEM bundle the TSA's certificate chains to */
  const char *fallback_ca_file; /* the fallback authority's (optional) */
  int64_t from, to;             /* only segments whose records overlap (0: all) */
};
/* Recomputes every hash, checks every token against the CA bundles and
 * the manifest's hash, walks the chain. Returns a new report
 * {"ok", "problems", "segments_checked", "lines", "fallback_stamps",
 * "from", "to", "destroyed", "segments": [{seq, status ok|bad|open,
 * lines, first_time, last_time, sha256, manifest_sha256, stamped_at, tsa
 * primary|fallback, tsa_name, problems[]}], "issues": [{code, seq,
 * text}]}, codes: missing, no_manifest, manifest_unreadable, reordered,
 * segment_missing, altered, chain_broken, stamp, ledger. NULL when dir
 * cannot be read. */
json_t *netlog_verify_report(const char *dir, const struct netlog_verify_opts *o);
/* Prints a report as text lines; returns its number of problems. */
int netlog_verify_print(const json_t *rep, FILE *out);
/* The report as a PDF for experts and courts (out is initialised here;
 * the caller frees it). 0 or -1. */
int netlog_verify_pdf(const json_t *rep, const char *institution, int64_t now, buf *out) WUR;
/* The Turkish (UI language) label of a problem code. */
const char *netlog_problem_label(const char *code);
/* Both in one: the number of problems (0: all is well), -1 when dir
 * cannot be read. */
int netlog_verify(const char *dir, const struct netlog_verify_opts *o, FILE *out) WUR;

/* ---- retention (retention.c) -------------------------------------------
 * Sealed segments older than the retention period are destroyed oldest
 * first, never leaving a hole; each is first written to the destruction
 * ledger dir/destruction.jsonl (one JSON line per segment, chained by the
 * SHA-256 of the line before), so verify can tell a purge from a loss. */

/* Destroys every sealed segment sealed before now - retention_s, from the
 * start of the chain; then, when ledger_keep_s > 0, replaces the ledger
 * lines older than that (KVKK: kept 3 years) by one checkpoint line that
 * keeps the chain checkable. Returns how many segments, -1 on an I/O
 * error. */
int netlog_purge(const char *dir, int64_t now, int64_t retention_s, int64_t ledger_keep_s) WUR;

/* The ledger, read for verify: seq -> the destroyed manifest's SHA-256.
 * Returns 0 and a heap array (caller frees; sorted by seq) and, when
 * last_sha is not NULL, the hash of its last line (zeros when empty); -1
 * when the ledger is damaged (why says how). A missing ledger is an empty
 * one. */
struct netlog_purged {
  uint64_t seq;
  char manifest_sha[65];
  char destroyed_at[32];
  bool through; /* a pruned ledger's checkpoint: every segment up to seq is gone */
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

/* ---- syslog over TLS (tls.c) ---------------------------------------------
 * RFC 5425: octet-counted frames over TLS ([netlog] tls, default port
 * 6514). The collector binds the port and hands it over; the handshakes
 * run non-blocking inside the collector's poll loop, so a slow or hostile
 * client stalls nobody: one that does not finish within [netlog]
 * tls_handshake_seconds is closed and counted, as is one that fails
 * (garbage, plain text, no or a wrong certificate when tls_ca is set). */
struct netlog_tls;

/* Takes over listening socket fd (closed by netlog_tls_free, also on
 * failure) and loads [netlog] tls_cert, tls_key and tls_ca; at most
 * max_clients connections at once. 0 ok; -1 (logged) when the
 * certificate or key cannot be used. Call it before dropping privileges. */
int netlog_tls_new(int fd, const config *c, size_t max_clients, struct netlog_tls **out) WUR;
/* The most pollfds netlog_tls_pollfds can fill. */
size_t netlog_tls_max_fds(const struct netlog_tls *t);
/* Fills pfd with the listener and every connection, each with the
 * events it waits for; returns how many. */
size_t netlog_tls_pollfds(struct netlog_tls *t, struct pollfd *pfd);
/* After poll(): accepts, advances handshakes, reads and frames (fn gets
 * every frame, as from netlog_frames), closes timed-out handshakes. pfd[0..n)
 * is what netlog_tls_pollfds filled, with revents; call it on every turn
 * of the loop (also when poll timed out or was interrupted). */
void netlog_tls_service(struct netlog_tls *t, const struct pollfd *pfd, size_t n, netlog_frame_fn fn, void *u);
/* Adds tls_clients, tls_handshakes, tls_failed, tls_timeouts and
 * tls_refused to the status object s. */
void netlog_tls_status(const struct netlog_tls *t, json_t *s);
/* Hands on what the connections still hold (a last line without its
 * newline) when fn is not NULL, then closes everything and frees t. */
void netlog_tls_free(struct netlog_tls *t, netlog_frame_fn fn, void *u);

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
 * evidence[]} | null, "login": (netlog_query_login's) | null, "nat":
 * [{internal_ip, internal_port, public_ip, public_port, dst_ip, dst_port,
 * proto, user, time, lease, login, evidence[]}]};
 * each evidence item carries the raw line, its segment and that
 * segment's seal. NULL when dir cannot be read. */
json_t *netlog_query_run(const char *dir, const struct netlog_query *q);

/* Who was logged in on address ip, or on device mac (the lease's MAC:
 * radiusd's "Login OK" names no address), at `at`: the last NL_LOGIN
 * for either at or before `at`, at most max_age_s old, that no NL_LOGOUT
 * of the same session ended before `at`. A new object {user, ip, mac,
 * nas, source, start, last_seen, end (null: not logged), evidence[]}, or
 * NULL when there is none. */
json_t *netlog_query_login(const char *dir, const char *ip, const char *mac, int64_t at, int64_t max_age_s);

#endif
