/* block.h - the field codec of a segment block (block.c), shared by the
 * files of src/netlog and nothing else. */
#ifndef DEFTER_NETLOG_BLOCK_H
#define DEFTER_NETLOG_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a stored line is kept: its raw text, re-parsed by readers with its
 * stored time as `now` (NLB_DERIVED), or a record whose fields were not
 * what the parsers make of its raw line, as the version 1 record text
 * (NLB_EXPLICIT). */
enum nlb_mode { NLB_DERIVED = 0, NLB_EXPLICIT = 1 };

struct nlb_line {
  uint32_t off, len; /* in the block's text */
  int64_t time;
  uint8_t mode;
  uint8_t text; /* keep as text even when it could be field-encoded (leases: see nlb_decode_text) */
};

/* A growable byte vector; xrealloc aborts on OOM. */
struct nlb_vec {
  unsigned char *p;
  size_t len, cap;
};
void nlb_vec_free(struct nlb_vec *v);
void nlb_vec_put(struct nlb_vec *v, const void *p, size_t n);

/* The encoder keeps its tables between blocks (heap; nlb_enc_free). */
struct nlb_enc;
struct nlb_enc *nlb_enc_new(void);
void nlb_enc_free(struct nlb_enc *e);

/* Encodes lines[0..n) (their bytes in text) as the uncompressed payload
 * of a version 2 block into out (replacing its contents). key=value and
 * space-separated lines are split into a template (the keys, quoting and
 * separators, one per distinct shape in the block) and one column per key
 * or word position, each column typed on its own (integers as varint
 * deltas, IPv4 addresses as 4 bytes, repeated strings by a dictionary);
 * whatever the tokenizer cannot take is kept as text. */
void nlb_encode(struct nlb_enc *e, const char *text, const struct nlb_line *lines, size_t n, struct nlb_vec *out);

/* Called for each line of a decoded payload; line is valid during the
 * call. A non-zero return stops the decoding and is returned. */
typedef int (*nlb_line_fn)(void *u, const char *line, size_t len, int64_t time, int mode);

/* Decodes a payload of nlines lines (from any bytes: a damaged or forged
 * block gives -1, never a read outside p[0..n)). Lines longer than
 * NETLOG_LINE_MAX are damage. */
int nlb_decode(const unsigned char *p, size_t n, uint32_t nlines, nlb_line_fn fn, void *u);

/* The same, asking want(u, values) before a field-encoded line is put
 * together (lines kept as text are always handed on): the line's values
 * in order, each a piece of the line; false skips the line. */
struct nlb_val {
  const char *p;
  size_t len;
};
typedef bool (*nlb_want_fn)(void *u, const struct nlb_val *v, size_t n);
int nlb_decode_some(const unsigned char *p, size_t n, uint32_t nlines, nlb_want_fn want, nlb_line_fn fn, void *u);

/* Only the lines kept as text (they come first in a payload), from a
 * payload or a prefix of one: -2 when p[0..n) ends before they do (the
 * caller decompresses more and tries again; fn has not been called). */
int nlb_decode_text(const unsigned char *p, size_t n, uint32_t nlines, nlb_line_fn fn, void *u);

#endif
