/* fuzz_preset.c - regulation presets. Each input is written over one file
 * in /dev/shm (created once, unlinked at once and reached through
 * /proc/self/fd, so a crash leaves nothing behind), checked with
 * org_preset_check, and when the check accepts it, loaded with
 * org_preset_load into an in-memory store: whatever the check accepts
 * must load. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/core/log.h"
#include "../src/core/schema.h"
#include "../src/org/org.h"

static int fd = -1;
static char path[64];
static db *store;

static void cleanup(void)
{
  db_close(store);
  store = NULL;
  if (fd >= 0)
    close(fd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  log_set_level(LOG_ERROR);
  /* tmpfs keeps the per-run rewrite cheap; /tmp where there is none. */
  char tmpl[64];
  snprintf(tmpl, sizeof tmpl, "%s/defter-fuzz-preset-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  fd = mkstemp(tmpl);
  if (fd < 0 || unlink(tmpl))
    abort();
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  if (db_open(":memory:", true, &store) != DB_OK || schema_migrate_all(store) != DB_OK)
    abort();
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (ftruncate(fd, 0))
    abort();
  for (size_t off = 0; off < size;) {
    ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
    if (n <= 0)
      abort();
    off += (size_t)n;
  }
  char err[1024] = "";
  int rc = org_preset_check(path, err, sizeof err);
  if (rc != 0) {
    if (!err[0]) /* every refusal says why */
      abort();
    return 0;
  }
  /* The load joins this outer transaction, which is then rolled back,
   * so the store is empty again for the next input. */
  struct actor who = audit_system("fuzz");
  char lerr[1024] = "";
  if (db_begin(store) != DB_OK)
    abort();
  if (org_preset_load(store, &who, path, lerr, sizeof lerr) != 0) {
    fprintf(stderr, "accepted by org_preset_check but not loaded: %s\n", lerr);
    abort();
  }
  db_rollback(store);
  int64_t n = -1;
  if (db_int(store, &n, "SELECT COUNT(*) FROM units", "") != DB_ROW || n != 0)
    abort();
  return 0;
}
