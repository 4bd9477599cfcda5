/* workflow.c - the service desk's vocabulary: ticket types, the status
 * table (yeni -> atandı -> işlemde -> beklemede -> çözüldü -> kapandı),
 * the urgency x impact priority matrix and ticket numbers. */
#include "desk_int.h"
#include "../core/i18n.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const status_keys[DS_COUNT] = {"yeni", "atandi", "islemde", "beklemede", "cozuldu", "kapandi"};
static const char *const status_labels[DS_COUNT] = {N_("New"), N_("Assigned"), N_("In progress"), N_("On hold"), N_("Resolved"), N_("Closed")};

const char *desk_status_key(int st)
{
  return st >= 0 && st < DS_COUNT ? status_keys[st] : "?";
}

const char *desk_status_label(int st)
{
  return st >= 0 && st < DS_COUNT ? _(status_labels[st]) : "?";
}

int desk_status_from_key(const char *key)
{
  for (int i = 0; key && i < DS_COUNT; i++)
    if (str_eq(key, status_keys[i]))
      return i;
  return -1;
}

bool desk_status_open(int st)
{
  return st >= DS_YENI && st < DS_COZULDU;
}

/* allowed[from][to] */
static const bool allowed[DS_COUNT][DS_COUNT] = {
    /*              yeni   atandi islemde bekle  cozuldu kapandi */
    [DS_YENI] = {false, true, true, true, true, true},
    [DS_ATANDI] = {false, false, true, true, true, true},
    [DS_ISLEMDE] = {false, true, false, true, true, true},
    [DS_BEKLEMEDE] = {false, false, true, false, true, true},
    [DS_COZULDU] = {false, false, true, false, false, true},
    [DS_KAPANDI] = {false, false, false, false, false, false},
};

enum desk_move desk_move_check(int from, int to, bool has_assignee, bool has_resolution)
{
  if (from < 0 || from >= DS_COUNT || to < 0 || to >= DS_COUNT || !allowed[from][to])
    return DM_INVALID;
  if (to == DS_ATANDI && !has_assignee)
    return DM_NEEDS_ASSIGNEE;
  if (to == DS_COZULDU && !has_resolution)
    return DM_NEEDS_RESOLUTION;
  if (to == DS_KAPANDI && from != DS_COZULDU)
    return DM_NEEDS_MANAGER;
  return DM_OK;
}

const char *const desk_types[] = {"ariza", "talep", "hizmet", NULL};
static const char *const type_labels[] = {N_("Fault"), N_("Request"), N_("Service"), NULL};

const char *desk_type_label(const char *type)
{
  for (int i = 0; desk_types[i]; i++)
    if (str_eq(type, desk_types[i]))
      return _(type_labels[i]);
  return type ? type : "";
}

bool desk_type_valid(const char *type)
{
  for (int i = 0; desk_types[i]; i++)
    if (str_eq(type, desk_types[i]))
      return true;
  return false;
}

static const char *const level_keys[] = {NULL, "dusuk", "orta", "yuksek"};
static const char *const level_labels[] = {NULL, N_("Low"), N_("Medium"), N_("High")};

int desk_level_from_key(const char *key)
{
  for (int i = 1; key && i <= 3; i++)
    if (str_eq(key, level_keys[i]))
      return i;
  return 0;
}

const char *desk_level_key(int level)
{
  return level >= 1 && level <= 3 ? level_keys[level] : "orta";
}

const char *desk_level_label(int level)
{
  return level >= 1 && level <= 3 ? _(level_labels[level]) : "?";
}

/* Rows: urgency (low..high), columns: impact (low..high). 1 is the most
 * urgent priority. The same matrix as ITIL's 3x3 practice. */
static const int matrix[4][4] = {
    {0, 0, 0, 0},
    {0, 4, 4, 3},
    {0, 4, 3, 2},
    {0, 3, 2, 1},
};

int desk_priority(int urgency, int impact)
{
  if (urgency < 1 || urgency > 3 || impact < 1 || impact > 3)
    return 3;
  return matrix[urgency][impact];
}

static const char *const priority_keys[] = {NULL, "kritik", "yuksek", "orta", "dusuk"};
static const char *const priority_labels[] = {NULL, N_("Critical"), N_("High"), N_("Medium"), N_("Low")};

const char *desk_priority_key(int p)
{
  return p >= 1 && p <= 4 ? priority_keys[p] : "orta";
}

const char *desk_priority_label(int p)
{
  return p >= 1 && p <= 4 ? _(priority_labels[p]) : "?";
}

int desk_priority_from_key(const char *key)
{
  for (int i = 1; key && i <= 4; i++)
    if (str_eq(key, priority_keys[i]))
      return i;
  return 0;
}

const char *const desk_waits[] = {"talep_eden", "tedarikci", "diger", NULL};
static const char *const wait_labels[] = {N_("Waiting for the requester"), N_("Waiting for a vendor"), N_("Waiting"), NULL};

const char *desk_wait_label(const char *w)
{
  for (int i = 0; desk_waits[i]; i++)
    if (str_eq(w, desk_waits[i]))
      return _(wait_labels[i]);
  return "";
}

const char *const desk_modes[] = {"yerinde", "uzaktan", NULL};

void desk_number(int64_t id, char out[24])
{
  snprintf(out, 24, "BT-%06lld", (long long)id);
}

int64_t desk_number_parse(const char *s)
{
  if (!s)
    return 0;
  if ((s[0] == 'B' || s[0] == 'b') && (s[1] == 'T' || s[1] == 't') && s[2] == '-')
    s += 3;
  int64_t v = 0;
  if (!*s || strlen(s) > 12 || parse_i64(s, &v) || v <= 0)
    return 0;
  return v;
}

int64_t desk_number_in_subject(const char *subject)
{
  for (const char *p = subject ? strchr(subject, '[') : NULL; p; p = strchr(p + 1, '[')) {
    if (!(toupper((unsigned char)p[1]) == 'B' && toupper((unsigned char)p[2]) == 'T' && p[3] == '-'))
      continue;
    const char *q = p + 4;
    size_t n = 0;
    while (isdigit((unsigned char)q[n]) && n < 13)
      n++;
    if (n == 0 || n > 12 || q[n] != ']')
      continue;
    char digits[16];
    memcpy(digits, q, n);
    digits[n] = 0;
    int64_t v = 0;
    if (!parse_i64(digits, &v) && v > 0)
      return v;
  }
  return 0;
}
