/* test_segment.c - segment files (src/netlog/segment.c): records come
 * back field for field and raw lines byte for byte; the block index lets
 * a filtered scan skip blocks; a torn last block is recognised; sequence
 * numbers continue past what is on disk. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/netlog/netlog.h"

struct seen {
  int n;
  char raws[8][128];
  size_t lens[8];
  struct netlog_rec recs[8];
};

static int collect(const struct netlog_rec *r, void *u)
{
  struct seen *s = u;
  if (s->n < 8) {
    memcpy(s->raws[s->n], r->raw, r->raw_len);
    s->lens[s->n] = r->raw_len;
    s->recs[s->n] = *r;
  }
  s->n++;
  return 0;
}

static char dir[64];

static int setup(void **state)
{
  (void)state;
  strcpy(dir, "/tmp/netlog-seg-XXXXXX");
  return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

static void test_roundtrip_and_index(void **state)
{
  (void)state;
  struct netlog_seg *s;
  assert_int_equal(netlog_seg_create(dir, 1000, &s), 0);
  assert_int_equal(netlog_seg_seq(s), 1);
  struct netlog_rec r;
  const char *l1 = "<30>1 - gw dnsmasq-dhcp - - - DHCPACK(eth0) 10.0.0.5 52:54:00:12:34:56 pc";
  assert_int_equal(netlog_parse_line(l1, strlen(l1), 1000, &r), NL_DHCP_ACK);
  assert_int_equal(netlog_seg_append(s, &r), 0);
  static const char odd[] = "tab\there\\back\nnl\rcr\0nul \xff\xfe end";
  r = (struct netlog_rec){0};
  assert_int_equal(netlog_parse_line(odd, sizeof odd - 1, 1100, &r), NL_UNKNOWN);
  assert_int_equal(netlog_seg_append(s, &r), 0);
  assert_int_equal(netlog_seg_flush(s), 0); /* block 1: t 1000 and 1100 */
  const char *l3 = "srcip=10.9.9.9 srcport=1000 dstip=1.1.1.1 dstport=53 proto=17 transip=203.0.113.9 transport=2000";
  assert_int_equal(netlog_parse_line(l3, strlen(l3), 5000, &r), NL_SESSION);
  assert_int_equal(netlog_seg_append(s, &r), 0);
  assert_int_equal(netlog_seg_close(s), 0); /* block 2: t 5000 */

  char path[NETLOG_PATH_MAX];
  assert_int_equal(netlog_path(dir, 1, "seg", path, sizeof path), 0);
  struct seen all = {0};
  struct netlog_seg_stats st;
  assert_int_equal(netlog_seg_scan(path, NULL, collect, &all, &st), 0);
  assert_int_equal(all.n, 3);
  assert_int_equal(st.blocks, 2);
  assert_int_equal(st.lines, 3);
  assert_false(st.torn);
  assert_int_equal(all.lens[0], strlen(l1));
  assert_memory_equal(all.raws[0], l1, strlen(l1));
  assert_int_equal(all.recs[0].kind, NL_DHCP_ACK);
  assert_string_equal(all.recs[0].mac, "52:54:00:12:34:56");
  assert_string_equal(all.recs[0].host, "gw");
  assert_string_equal(all.recs[0].client, "pc");
  assert_int_equal(all.lens[1], sizeof odd - 1);
  assert_memory_equal(all.raws[1], odd, sizeof odd - 1);
  assert_int_equal(all.recs[2].kind, NL_SESSION);
  assert_int_equal(all.recs[2].parser, NLS_FORTIGATE);
  assert_string_equal(all.recs[2].tr_ip, "203.0.113.9");
  assert_int_equal(all.recs[2].tr_port, 2000);
  assert_int_equal(all.recs[2].time, 5000);

  /* the bloom: only block 2 holds 203.0.113.9; nothing holds 10.1.1.1 */
  struct netlog_filter f = {.keys = {"203.0.113.9"}, .nkeys = 1};
  struct seen some = {0};
  assert_int_equal(netlog_seg_scan(path, &f, collect, &some, &st), 0);
  assert_int_equal(some.n, 1);
  assert_int_equal(st.skipped, 1);
  f.keys[0] = "10.1.1.1";
  some.n = 0;
  assert_int_equal(netlog_seg_scan(path, &f, collect, &some, &st), 0);
  assert_int_equal(some.n, 0);
  assert_int_equal(st.skipped, 2);
  /* the time range: block 2 only */
  struct netlog_filter ft = {.from = 4000, .to = 6000};
  some.n = 0;
  assert_int_equal(netlog_seg_scan(path, &ft, collect, &some, &st), 0);
  assert_int_equal(some.n, 1);
  assert_int_equal(st.skipped, 1);

  /* a closed segment ends with its directory; a filtered scan uses it */
  struct stat sb;
  assert_int_equal(stat(path, &sb), 0);
  FILE *fp = fopen(path, "rb");
  assert_non_null(fp);
  char *whole = malloc((size_t)sb.st_size);
  assert_int_equal(fread(whole, 1, (size_t)sb.st_size, fp), (size_t)sb.st_size);
  fclose(fp);
  const char *dir_at = memmem(whole, (size_t)sb.st_size, "NLD2", 4);
  assert_non_null(dir_at);
  assert_memory_equal(whole + sb.st_size - 16, "NLDE", 4);
  long dir_off = dir_at - whole;
  free(whole);
  /* a directory cut short: torn, every block still read */
  assert_int_equal(truncate(path, sb.st_size - 5), 0);
  all.n = 0;
  assert_int_equal(netlog_seg_scan(path, NULL, collect, &all, &st), 0);
  assert_true(st.torn);
  assert_int_equal(all.n, 3);
  assert_int_equal(netlog_seg_scan(path, &ft, collect, &some, &st), 0); /* no directory to go by */
  /* a torn tail: the last block cut short */
  assert_int_equal(truncate(path, dir_off - 5), 0);
  all.n = 0;
  assert_int_equal(netlog_seg_scan(path, NULL, collect, &all, &st), 0);
  assert_true(st.torn);
  assert_int_equal(all.n, 2);
  assert_int_equal(st.lines, 2);
  /* damage inside a block is an error */
  fp = fopen(path, "r+b");
  assert_non_null(fp);
  assert_int_equal(fseek(fp, 300, SEEK_SET), 0);
  fputc(0x55, fp);
  fputc(0x55, fp);
  fclose(fp);
  assert_int_not_equal(netlog_seg_scan(path, NULL, collect, &all, &st), 0);

  /* the next segment continues the numbering, also past a lone manifest */
  char mpath[NETLOG_PATH_MAX];
  assert_int_equal(netlog_path(dir, 7, "manifest.json", mpath, sizeof mpath), 0);
  fp = fopen(mpath, "w");
  fclose(fp);
  assert_int_equal(netlog_seg_create(dir, 2000, &s), 0);
  assert_int_equal(netlog_seg_seq(s), 8);
  assert_int_equal(netlog_seg_close(s), 0);
  uint64_t *seqs;
  size_t n;
  assert_int_equal(netlog_list(dir, &seqs, &n), 0);
  assert_int_equal(n, 3);
  assert_int_equal(seqs[0], 1);
  assert_int_equal(seqs[1], 7);
  assert_int_equal(seqs[2], 8);
  free(seqs);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_roundtrip_and_index, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
