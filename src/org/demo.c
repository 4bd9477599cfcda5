/* demo.c - demo people for `defter init --demo`: a believable department
 * of 25 across the preset's first units, with computed (checksum-valid,
 * not real) T.C. numbers, mobile numbers, e-mail addresses and positions.
 * Works with any preset: units are taken by their order in the preset and
 * positions by the unit they belong to. */
#include "org.h"
#include "org_int.h"
#include "../core/tr.h"
#include "../core/log.h"
#include "../core/schema.h"

#include <stdio.h>
#include <string.h>

struct demo_person {
  const char *name;
  int unit; /* index among the preset's units (0 = root), modulo their number */
  const char *employment;
  const char *start, *end;
  const char *username; /* the demo account of this person, if any */
};

static const struct demo_person demo[] = {
    {"Ayşe Yılmaz", 0, "memur", "2009-03-02", NULL, "mudur"},
    {"Hüseyin Aydın", 0, "memur", "2011-09-15", NULL, NULL},
    {"Elif Öztürk", 0, "sozlesmeli", "2019-02-04", NULL, NULL},
    {"Emine Arslan", 0, "memur", "2014-06-23", NULL, NULL},
    {"İbrahim Doğan", 0, "isci", "2016-01-11", NULL, NULL},
    {"Mehmet Demir", 1, "memur", "2012-04-16", NULL, "sef"},
    {"Zeynep Kaya", 1, "sozlesmeli", "2018-10-01", NULL, "teknik"},
    {"Burak Koç", 1, "sozlesmeli", "2020-07-13", NULL, NULL},
    {"Selin Kurt", 1, "sozlesmeli", "2021-03-08", NULL, NULL},
    {"Oğuz Özdemir", 1, "sirket", "2022-05-02", NULL, NULL},
    {"Gülşen Aslan", 2, "memur", "2010-11-22", NULL, NULL},
    {"Ali Çelik", 2, "memur", "2015-08-17", NULL, "personel"},
    {"Cem Kılıç", 2, "sozlesmeli", "2019-09-09", NULL, NULL},
    {"Merve Yıldız", 2, "stajyer", "2024-06-03", "2024-08-30", NULL},
    {"Serkan Şimşek", 2, "sirket", "2023-01-16", NULL, NULL},
    {"Ömer Erdoğan", 3, "memur", "2008-05-05", NULL, NULL},
    {"Işıl Güneş", 3, "sozlesmeli", "2017-12-04", NULL, NULL},
    {"Tolga Aksoy", 3, "sozlesmeli", "2020-02-17", NULL, NULL},
    {"Derya Polat", 3, "isci", "2013-03-25", NULL, NULL},
    {"Uğur Çetin", 3, "sirket", "2022-09-12", NULL, NULL},
    {"İsmail Korkmaz", 4, "memur", "2011-01-03", NULL, NULL},
    {"Hatice Özkan", 4, "isci", "2012-10-08", NULL, NULL},
    {"Kadir Yavuz", 4, "isci", "2018-04-23", NULL, NULL},
    {"Büşra Turan", 4, "stajyer", "2025-02-03", NULL, NULL},
    {"Volkan Eren", 4, "sirket", "2021-11-29", NULL, NULL},
};

enum { MAX_UNITS = 5 };

/* The position for the k-th person of a unit: the unit's first position
 * for the first person (the head), then the others in turn. */
static int64_t position_for(db *d, int64_t unit_id, int k)
{
  int64_t n = 0, id = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM org_positions WHERE unit_id = ?", "i", unit_id) != DB_ROW || n == 0)
    return 0;
  int64_t idx = k == 0 ? 0 : n > 1 ? 1 + (k - 1) % (n - 1) : -1;
  if (idx < 0)
    return 0;
  if (db_int(d, &id, "SELECT id FROM org_positions WHERE unit_id = ? ORDER BY id LIMIT 1 OFFSET ?", "ii", unit_id,
             idx) != DB_ROW)
    return 0;
  return id;
}

int org_demo_seed(db *d, const struct actor *who)
{
  int64_t have = 0, units[MAX_UNITS];
  int nunits = 0, rc = 0;
  if (db_int(d, &have, "SELECT COUNT(*) FROM org_people", "") != DB_ROW)
    return -1;
  if (have > 0)
    return 0;
  db_stmt *st = db_q(d, "SELECT id FROM units WHERE active = 1 ORDER BY sort, id LIMIT ?", "i", (int64_t)MAX_UNITS);
  while (db_step(st) == DB_ROW)
    units[nunits++] = db_col_int(st, 0);
  db_done(st);
  if (nunits == 0)
    return -1;
  arena *a = arena_new();
  char today[11];
  org_today(today);
  const char *preset = settings_get(d, a, "preset");
  int per_unit[MAX_UNITS] = {0};
  rc = db_begin(d);
  for (size_t i = 0; !rc && i < ARRAY_LEN(demo); i++) {
    const struct demo_person *dp = &demo[i];
    int u = dp->unit % nunits;
    struct org_person p = {0};
    char base[10], tckn[12], phone[TR_PHONE_MAX + 1], raw[32];
    /* deterministic 9-digit bases, first digit 1-9 */
    snprintf(base, sizeof base, "%09lld", (long long)(104729LL * (int64_t)(i + 1) * 37 % 899999999 + 100000000));
    if (tr_tckn_complete(base, tckn)) {
      rc = -1;
      break;
    }
    snprintf(raw, sizeof raw, "0532 %03d %02d %02d", (int)(410 + i * 7) % 1000, (int)(i * 13 + 21) % 100,
             (int)(i * 29 + 47) % 100);
    if (tr_phone_e164(raw, phone)) {
      rc = -1;
      break;
    }
    size_t cap = 2 * strlen(dp->name) + 1;
    char *fold = arena_alloc(a, cap), *ascii = arena_alloc(a, cap);
    if (tr_fold(dp->name, false, fold, cap) || tr_fold(dp->name, true, ascii, cap)) {
      rc = -1;
      break;
    }
    char *local = arena_strdup(a, ascii);
    for (char *c = local; *c; c++)
      if (*c == ' ')
        *c = '.';
    p.name = dp->name;
    p.name_fold = fold;
    p.name_ascii = ascii;
    p.tckn = arena_strdup(a, tckn);
    p.unit_id = units[u];
    p.position_id = position_for(d, units[u], per_unit[u]++);
    p.employment = dp->employment;
    p.phone = arena_strdup(a, phone);
    p.email = arena_printf(a, "%s@%s.bel.tr", local, preset && *preset ? preset : "ornek");
    p.start_date = dp->start;
    p.end_date = dp->end;
    p.active = !dp->end || strcmp(dp->end, today) >= 0;
    if (dp->username && db_int(d, &p.user_id, "SELECT id FROM users WHERE username = ?", "t", dp->username) != DB_ROW)
      p.user_id = 0;
    int64_t id;
    rc = org_person_insert(d, who, &p, &id);
  }
  if (rc || (rc = db_commit(d))) {
    db_rollback(d);
    log_error("demo people not added", "rc=%d", rc);
  }
  arena_free(a);
  return rc ? -1 : 0;
}
