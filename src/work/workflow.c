/* workflow.c - the task statuses and the one table that says which status
 * may follow which. Closed tasks (tamamlandi, iptal) stay closed unless a
 * manager reopens them, which puts them back to "suruyor". */
#include "work_int.h"
#include "../core/i18n.h"

static const struct {
  const char *key;
  const char *label;
} statuses[WS_COUNT] = {
    [WS_YENI] = {"yeni", N_("new")},
    [WS_ATANDI] = {"atandi", N_("assigned")},
    [WS_SURUYOR] = {"suruyor", N_("in progress")},
    [WS_BEKLEMEDE] = {"beklemede", N_("on hold")},
    [WS_TAMAMLANDI] = {"tamamlandi", N_("completed")},
    [WS_IPTAL] = {"iptal", N_("cancelled")},
};

/* moves[from][to]: 1 = allowed. Reopening is the only way out of a final
 * status and is marked separately below. */
static const unsigned char moves[WS_COUNT][WS_COUNT] = {
    /*               yeni atandi suruyor beklemede tamamlandi iptal */
    [WS_YENI] = {0, 1, 1, 1, 0, 1},
    [WS_ATANDI] = {0, 0, 1, 1, 1, 1},
    [WS_SURUYOR] = {0, 0, 0, 1, 1, 1},
    [WS_BEKLEMEDE] = {0, 0, 1, 0, 1, 1},
    [WS_TAMAMLANDI] = {0, 0, 1, 0, 0, 0},
    [WS_IPTAL] = {0, 0, 1, 0, 0, 0},
};

const char *work_status_key(int st)
{
  return st >= 0 && st < WS_COUNT ? statuses[st].key : "";
}

const char *work_status_label(int st)
{
  return st >= 0 && st < WS_COUNT ? statuses[st].label : "";
}

int work_status_from_key(const char *key)
{
  for (int i = 0; key && i < WS_COUNT; i++)
    if (str_eq(statuses[i].key, key))
      return i;
  return -1;
}

bool work_status_final(int st)
{
  return st == WS_TAMAMLANDI || st == WS_IPTAL;
}

enum work_move work_transition(int from, int to, bool has_assignee)
{
  if (from < 0 || from >= WS_COUNT || to < 0 || to >= WS_COUNT || !moves[from][to])
    return WT_INVALID;
  if (work_status_final(from))
    return WT_NEEDS_REOPEN;
  if (to == WS_ATANDI && !has_assignee)
    return WT_NEEDS_ASSIGNEE;
  if (to == WS_IPTAL)
    return WT_NEEDS_MANAGER;
  return WT_OK;
}

const char *const work_priorities[] = {"dusuk", "normal", "yuksek", "acil", NULL};
static const char *const priority_labels[] = {N_("low"), N_("normal"), N_("high"), N_("urgent")};

bool work_priority_valid(const char *p)
{
  for (size_t i = 0; work_priorities[i]; i++)
    if (str_eq(work_priorities[i], p))
      return true;
  return false;
}

const char *work_priority_label(const char *p)
{
  for (size_t i = 0; work_priorities[i]; i++)
    if (str_eq(work_priorities[i], p))
      return priority_labels[i];
  return "";
}
