/* backup.c - `defter backup` and `defter restore`. A backup is a folder:
 * a consistent online copy of the database (SQLite backup API), the
 * attached files, defter.conf, and a MANIFEST of SHA-256 sums. Restore
 * checks all of it before touching anything and never replaces a data
 * directory without --force. */
#include "cli.h"
#include "../core/audit.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char BACKUP_HELP[] =
    "Kullanım / usage: defter backup --data DIR --out BACKUPDIR\n"
    "  Çalışan sistemin tutarlı bir kopyasını alır / takes a consistent online copy.\n";
static const char RESTORE_HELP[] =
    "Kullanım / usage: defter restore --from BACKUPDIR --data DIR [--force]\n"
    "  Yedeği doğrular ve geri yükler; dolu bir veri dizinini yalnız --force ile değiştirir.\n"
    "  Verifies and restores a backup; replaces an existing data directory only with --force.\n";

static int file_sha256(const char *path, char out[65])
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  unsigned char bufr[65536];
  size_t n;
  while ((n = fread(bufr, 1, sizeof bufr, f)) > 0)
    EVP_DigestUpdate(ctx, bufr, n);
  int err = ferror(f);
  fclose(f);
  unsigned char md[32];
  unsigned int mdlen = 0;
  EVP_DigestFinal_ex(ctx, md, &mdlen);
  EVP_MD_CTX_free(ctx);
  for (int i = 0; i < 32; i++)
    sprintf(out + 2 * i, "%02x", md[i]);
  return err ? -1 : 0;
}

static int copy_file(const char *src, const char *dst)
{
  FILE *in = fopen(src, "rb");
  if (!in)
    return -1;
  FILE *out = fopen(dst, "wb");
  if (!out) {
    fclose(in);
    return -1;
  }
  char b[65536];
  size_t n;
  int rc = 0;
  while ((n = fread(b, 1, sizeof b, in)) > 0)
    if (fwrite(b, 1, n, out) != n)
      rc = -1;
  if (ferror(in))
    rc = -1;
  fclose(in);
  if (fflush(out) || fsync(fileno(out)))
    rc = -1;
  if (fclose(out))
    rc = -1;
  return rc;
}

/* Copies the tree src/rel into dst/rel, adding "sha256  rel" lines to the
 * manifest for every file. */
static int copy_tree(const char *src, const char *dst, const char *rel, FILE *manifest, int depth)
{
  char sp[4096], dp[4096];
  snprintf(sp, sizeof sp, "%s/%s", src, rel);
  snprintf(dp, sizeof dp, "%s/%s", dst, rel);
  if (depth > 8)
    return -1;
  DIR *dirp = opendir(sp);
  if (!dirp)
    return errno == ENOENT ? 0 : -1;
  if (mkdir(dp, 0750) && errno != EEXIST) {
    closedir(dirp);
    return -1;
  }
  struct dirent *e;
  int rc = 0;
  while (!rc && (e = readdir(dirp))) {
    if (e->d_name[0] == '.')
      continue;
    char r2[4096], s2[4300], d2[4300];
    snprintf(r2, sizeof r2, "%s/%s", rel, e->d_name);
    snprintf(s2, sizeof s2, "%s/%s", src, r2);
    snprintf(d2, sizeof d2, "%s/%s", dst, r2);
    struct stat sb;
    if (lstat(s2, &sb))
      rc = -1;
    else if (S_ISDIR(sb.st_mode))
      rc = copy_tree(src, dst, r2, manifest, depth + 1);
    else if (S_ISREG(sb.st_mode)) {
      char h[65];
      rc = copy_file(s2, d2);
      if (!rc)
        rc = file_sha256(d2, h);
      if (!rc && manifest)
        fprintf(manifest, "%s  %s\n", h, r2);
    }
  }
  closedir(dirp);
  return rc;
}

static bool dir_has_entries(const char *path)
{
  DIR *d = opendir(path);
  if (!d)
    return false;
  struct dirent *e;
  bool any = false;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      any = true;
  closedir(d);
  return any;
}

int cmd_backup(int argc, char **argv)
{
  struct args a;
  if (argc > 0 && str_eq(argv[0], "--help")) {
    fputs(BACKUP_HELP, stdout);
    return 0;
  }
  if (args_parse(&a, argc, argv, "data=,out="))
    return 2;
  const char *dir = arg_get(&a, "data"), *out = arg_get(&a, "out");
  if (!dir || !out) {
    fputs(BACKUP_HELP, stderr);
    return 2;
  }
  if (dir_has_entries(out)) {
    cli_error("%s boş değil / is not empty", out);
    return 1;
  }
  struct data_dir dd;
  if (data_open(&dd, dir))
    return 1;
  char p[4200], m[4200];
  int rc = (mkdir(out, 0750) && errno != EEXIST) ? -1 : 0;
  snprintf(p, sizeof p, "%s/defter.db", out);
  if (!rc)
    rc = db_backup_to(dd.d, p);
  snprintf(m, sizeof m, "%s/MANIFEST", out);
  FILE *man = rc ? NULL : fopen(m, "w");
  if (!man)
    rc = -1;
  if (!rc) {
    char h[65], ts[32];
    fmt_iso8601(now_unix(), ts);
    fprintf(man, "# defter-backup/1 %s\n", ts);
    rc = file_sha256(p, h);
    fprintf(man, "%s  defter.db\n", h);
    char cs[4200], cd[4200];
    snprintf(cs, sizeof cs, "%s/defter.conf", dir);
    snprintf(cd, sizeof cd, "%s/defter.conf", out);
    if (!rc && access(cs, R_OK) == 0) {
      rc = copy_file(cs, cd);
      if (!rc)
        rc = file_sha256(cd, h);
      if (!rc)
        fprintf(man, "%s  defter.conf\n", h);
    }
    if (!rc)
      rc = copy_tree(dir, out, "files", man, 0);
    if (!rc)
      rc = copy_tree(dir, out, "netlog", man, 0);
  }
  if (man && fclose(man))
    rc = -1;
  if (!rc) {
    struct actor who = audit_system("cli:backup");
    json_t *after = json_pack("{ss}", "out", out);
    rc = audit_write(dd.d, &who, "export", "backup", NULL, 0, NULL, after);
    json_decref(after);
  }
  data_close(&dd);
  if (rc) {
    cli_error("yedek alınamadı / backup failed");
    return 1;
  }
  printf("Yedek alındı / backup written: %s\n", out);
  return 0;
}

/* Is every regular file under from/rel listed in the manifest text? */
static int all_listed(const char *from, const char *rel, const char *manifest, int depth)
{
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", from, rel);
  DIR *dirp = opendir(p);
  if (!dirp || depth > 8) {
    if (dirp)
      closedir(dirp);
    return -1;
  }
  struct dirent *e;
  int rc = 0;
  while (!rc && (e = readdir(dirp))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    char r2[4096], full[4400], needle[4200];
    if (snprintf(r2, sizeof r2, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >= (int)sizeof r2) {
      rc = -1; /* a path this deep is not ours */
      break;
    }
    snprintf(full, sizeof full, "%s/%s", from, r2);
    struct stat sb;
    if (lstat(full, &sb)) {
      rc = -1;
    } else if (S_ISDIR(sb.st_mode)) {
      rc = all_listed(from, r2, manifest, depth + 1);
    } else if (strcmp(r2, "MANIFEST") != 0) {
      snprintf(needle, sizeof needle, "  %s\n", r2);
      if (!S_ISREG(sb.st_mode) || !strstr(manifest, needle)) {
        cli_error("%s MANIFEST'te yok / not listed in MANIFEST", r2);
        rc = -1;
      }
    }
  }
  closedir(dirp);
  return rc;
}

/* Checks every MANIFEST line; returns 0 when all files match and the
 * backup holds no file the MANIFEST does not list. */
static int verify_manifest(const char *from)
{
  char m[4200];
  snprintf(m, sizeof m, "%s/MANIFEST", from);
  FILE *f = fopen(m, "r");
  if (!f) {
    cli_error("%s yok / missing", m);
    return -1;
  }
  char line[4400];
  int rc = 0, n = 0;
  bool have_db = false;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#')
      continue;
    line[strcspn(line, "\n")] = 0;
    if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ' || strstr(line + 66, "..")) {
      cli_error("MANIFEST satırı bozuk / malformed line: %.80s", line);
      rc = -1;
      break;
    }
    line[64] = 0;
    char p[4400], h[65];
    snprintf(p, sizeof p, "%s/%s", from, line + 66);
    if (file_sha256(p, h) || strcmp(h, line) != 0) {
      cli_error("%s bozuk veya eksik / damaged or missing", line + 66);
      rc = -1;
      break;
    }
    if (strcmp(line + 66, "defter.db") == 0)
      have_db = true;
    n++;
  }
  fclose(f);
  if (!rc && !have_db) {
    cli_error("yedekte defter.db yok / backup has no database");
    rc = -1;
  }
  if (!rc) {
    buf text;
    buf_init(&text, 64 * 1024 * 1024);
    FILE *mf = fopen(m, "r");
    size_t got;
    char chunk[8192];
    while (mf && (got = fread(chunk, 1, sizeof chunk, mf)) > 0)
      buf_append(&text, chunk, got);
    if (mf)
      fclose(mf);
    rc = (!mf || text.overflow) ? -1 : all_listed(from, "", buf_cstr(&text), 0);
    buf_free(&text);
  }
  return rc;
}

int cmd_restore(int argc, char **argv)
{
  struct args a;
  if (argc > 0 && str_eq(argv[0], "--help")) {
    fputs(RESTORE_HELP, stdout);
    return 0;
  }
  if (args_parse(&a, argc, argv, "from=,data=,force"))
    return 2;
  const char *from = arg_get(&a, "from"), *dir = arg_get(&a, "data");
  if (!from || !dir) {
    fputs(RESTORE_HELP, stderr);
    return 2;
  }
  if (verify_manifest(from))
    return 1;
  char p[4200];
  snprintf(p, sizeof p, "%s/defter.db", from);
  db *bd = NULL;
  if (db_open(p, false, &bd) || db_check_integrity(bd)) {
    db_close(bd);
    cli_error("yedekteki veritabanı bozuk / the backup's database is damaged");
    return 1;
  }
  int64_t bad = 0, rows = 0;
  char why[256];
  if (audit_verify(bd, &bad, &rows, why, sizeof why)) {
    db_close(bd);
    cli_error("yedekteki denetim zinciri bozuk (satır %lld: %s) / audit chain broken", (long long)bad, why);
    return 1;
  }
  db_close(bd);
  if (dir_has_entries(dir) && !arg_flag(&a, "force")) {
    cli_error("%s boş değil; üzerine yazmak için --force / not empty; use --force to replace it", dir);
    return 1;
  }
  /* Build the restored copy beside the target, then swap it in. */
  char tmp[4200], old[4200];
  snprintf(tmp, sizeof tmp, "%s.restore-%lld", dir, (long long)now_unix());
  snprintf(old, sizeof old, "%s.before-restore-%lld", dir, (long long)now_unix());
  int rc = mkdir(tmp, 0750);
  char s[4300], d[4300];
  snprintf(s, sizeof s, "%s/defter.db", from);
  snprintf(d, sizeof d, "%s/defter.db", tmp);
  if (!rc)
    rc = copy_file(s, d);
  snprintf(s, sizeof s, "%s/defter.conf", from);
  snprintf(d, sizeof d, "%s/defter.conf", tmp);
  if (!rc && access(s, R_OK) == 0)
    rc = copy_file(s, d);
  if (!rc)
    rc = copy_tree(from, tmp, "files", NULL, 0);
  if (!rc)
    rc = copy_tree(from, tmp, "netlog", NULL, 0);
  snprintf(d, sizeof d, "%s/netlog", tmp);
  if (!rc)
    mkdir(d, 0750);
  snprintf(d, sizeof d, "%s/files", tmp);
  if (!rc)
    mkdir(d, 0750);
  bool moved = false;
  if (!rc && access(dir, F_OK) == 0) {
    rc = rename(dir, old);
    moved = rc == 0;
  }
  if (!rc)
    rc = rename(tmp, dir);
  if (rc) {
    if (moved)
      (void)rename(old, dir);
    cli_error("geri yükleme başarısız / restore failed: %s", strerror(errno));
    return 1;
  }
  printf("Geri yüklendi / restored: %s (%lld denetim kaydı / audit rows)\n", dir, (long long)rows);
  if (moved)
    printf("Önceki veri / previous data kept in: %s\n", old);
  return 0;
}
