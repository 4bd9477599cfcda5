/* sources.c - where checklist lines come from: a small registry of line
 * sources, and the built-in ones over other modules' public headers
 * (access grants, vault entries, e-signatures, desk tickets, work tasks).
 * A module that lands later (assets: custody) registers its own source. */
#include "handover_int.h"
#include "../access/access.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../desk/desk.h"
#include "../esign/esign.h"
#include "../vault/vault.h"
#include "../work/work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SOURCES = 16 };

static const struct handover_line_source *sources[MAX_SOURCES];
static size_t nsources;

static bool name_ok(const char *s)
{
  size_t n = s ? strlen(s) : 0;
  if (n == 0 || n > 23)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
      return false;
  return true;
}

int handover_register_source(const struct handover_line_source *src)
{
  if (!src || !name_ok(src->name) || !src->list || !src->close || !src->actions)
    return -1;
  if (handover_source(src->name))
    return 0;
  if (nsources >= MAX_SOURCES)
    return -1;
  sources[nsources++] = src;
  return 0;
}

size_t handover_nsources(void)
{
  return nsources;
}

const struct handover_line_source *handover_source_at(size_t i)
{
  return i < nsources ? sources[i] : NULL;
}

const struct handover_line_source *handover_source(const char *name)
{
  for (size_t i = 0; i < nsources; i++)
    if (str_eq(sources[i]->name, name))
      return sources[i];
  return NULL;
}

const char *handover_action_label(const char *action)
{
  static const struct {
    const char *key, *label;
  } t[] = {
      {"revoked", N_("revoked")},         {"returned", N_("returned")},
      {"reassigned", N_("reassigned")},   {"transferred", N_("transferred")},
      {"not_needed", N_("not needed")},   {"settled", N_("settled elsewhere")},
  };
  for (size_t i = 0; i < ARRAY_LEN(t); i++)
    if (str_eq(t[i].key, action))
      return t[i].label;
  return NULL;
}

const char *handover_kind_label(const char *kind)
{
  if (str_eq(kind, "ayrilis"))
    return N_("leaving");
  if (str_eq(kind, "nakil"))
    return N_("transfer to another unit");
  if (str_eq(kind, "vefat"))
    return N_("death");
  return NULL;
}

const char *handover_state_label(const char *state)
{
  if (str_eq(state, "acik"))
    return N_("open");
  if (str_eq(state, "tamamlandi"))
    return N_("completed");
  if (str_eq(state, "iptal"))
    return N_("cancelled");
  return NULL;
}

/* ---- helpers ------------------------------------------------------------ */

static bool ref_id(const char *ref, int64_t *id)
{
  char *end = NULL;
  long long v = ref ? strtoll(ref, &end, 10) : 0;
  if (!ref || !*ref || *end || v <= 0)
    return false;
  *id = v;
  return true;
}

static json_t *line(int64_t id, const char *title, const char *detail)
{
  char ref[24];
  snprintf(ref, sizeof ref, "%lld", (long long)id);
  json_t *o = json_object();
  json_object_set_new(o, "ref", json_string(ref));
  jsonx_set_str(o, "title", title ? title : "");
  jsonx_set_str(o, "detail", detail);
  return o;
}

static const char *s_(json_t *o, const char *k)
{
  const char *s = jsonx_str(o, k);
  return s ? s : "";
}

/* The active account of an org_people id, or 0. */
static int64_t person_user(db *d, int64_t person)
{
  int64_t uid = 0;
  if (!person || db_int(d, &uid,
                        "SELECT u.id FROM org_people p JOIN users u ON u.id = p.user_id"
                        " WHERE p.id = ? AND u.active = 1",
                        "i", person) != DB_ROW)
    return 0;
  return uid;
}

/* The account of the person, active or not (their open work still names it). */
static int64_t person_user_any(db *d, int64_t person)
{
  int64_t uid = 0;
  if (db_int(d, &uid, "SELECT COALESCE(user_id, 0) FROM org_people WHERE id = ?", "i", person) != DB_ROW)
    return 0;
  return uid;
}

/* ---- access grants ------------------------------------------------------ */

static int grants_list(db *d, int64_t person, json_t **out)
{
  json_t *g = access_person_active_grants(d, person);
  if (!g)
    return DB_ERR;
  *out = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(g, i, v)
  {
    json_t *sys = json_object_get(v, "system"), *role = json_object_get(v, "role");
    char title[512], detail[256];
    snprintf(title, sizeof title, "%s (%s) · %s", s_(sys, "name"), s_(sys, "code"), s_(role, "name"));
    snprintf(detail, sizeof detail, "%s %s", s_(v, "since"), s_(v, "status"));
    json_array_append_new(*out, line(jsonx_int(v, "id", 0), title, detail));
  }
  json_decref(g);
  return 0;
}

static int grants_close(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                        const char *note)
{
  (void)action;
  (void)successor;
  int64_t id;
  if (!ref_id(ref, &id))
    return HANDOVER_GONE;
  int rc = access_grant_revoke(d, who, id, note && *note ? note : "devir-teslim");
  return rc == 1 ? HANDOVER_GONE : rc;
}

static const char *const grant_actions[] = {"revoked", NULL};
static const struct handover_line_source grants_src = {
    "grant", N_("Access grant"), grant_actions, grants_list, grants_close,
};

/* ---- vault entries ------------------------------------------------------ */

static int vault_list(db *d, int64_t person, json_t **out)
{
  json_t *e = NULL;
  int rc = vault_person_entries(d, person, &e);
  if (rc) {
    json_decref(e);
    return rc;
  }
  *out = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(e, i, v)
  {
    char title[512];
    snprintf(title, sizeof title, "%s @ %s", s_(v, "account"), s_(v, "system"));
    json_array_append_new(*out, line(jsonx_int(v, "id", 0), title, s_(v, "kind")));
  }
  json_decref(e);
  return 0;
}

static int vault_close(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                       const char *note)
{
  (void)action;
  (void)note;
  int64_t id;
  if (!ref_id(ref, &id))
    return HANDOVER_GONE;
  if (!successor)
    return HANDOVER_NEEDS_SUCCESSOR;
  int rc = vault_transfer_owner(d, who, id, successor);
  return rc == 1 ? HANDOVER_GONE : rc;
}

static const char *const vault_actions[] = {"transferred", NULL};
static const struct handover_line_source vault_src = {
    "vault", N_("Vault entry"), vault_actions, vault_list, vault_close,
};

/* ---- e-signatures: revocation happens at the provider; the line records it */

static int esign_list(db *d, int64_t person, json_t **out)
{
  json_t *s = NULL;
  int rc = esign_person_signatures(d, person, &s);
  if (rc) {
    json_decref(s);
    return rc;
  }
  *out = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(s, i, v)
  {
    if (!str_eq(jsonx_str(v, "status"), "active"))
      continue;
    char title[512];
    snprintf(title, sizeof title, "%s · %s %s", s_(v, "kind_label"), s_(v, "provider_label"), s_(v, "serial"));
    json_array_append_new(*out, line(jsonx_int(v, "id", 0), title, s_(v, "not_after")));
  }
  json_decref(s);
  return 0;
}

static int esign_close(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                       const char *note)
{
  (void)d;
  (void)who;
  (void)ref;
  (void)action;
  (void)successor;
  (void)note;
  return HANDOVER_CLOSED;
}

static const char *const esign_actions[] = {"revoked", NULL};
static const struct handover_line_source esign_src = {
    "esign", N_("E-signature"), esign_actions, esign_list, esign_close,
};

/* ---- desk tickets and work tasks: to the successor's account -------------- */

/* The open items of the person's account, fetched by fn, as lines
 * titled "#id <title_key>". */
static int user_items(db *d, int64_t person, int (*fn)(db *, int64_t, json_t **), const char *title_key,
                      json_t **out)
{
  int64_t uid = person_user_any(d, person);
  if (!uid) {
    *out = json_array();
    return 0;
  }
  json_t *t = NULL;
  int rc = fn(d, uid, &t);
  if (rc) {
    json_decref(t);
    return rc;
  }
  *out = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(t, i, v)
  {
    char title[512];
    snprintf(title, sizeof title, "#%lld %s", (long long)jsonx_int(v, "id", 0), s_(v, title_key));
    json_array_append_new(*out, line(jsonx_int(v, "id", 0), title, s_(v, "status")));
  }
  json_decref(t);
  return 0;
}

/* Gives item ref to the successor's account through fn. */
static int reassign(db *d, const struct actor *who, const char *ref, int64_t successor, const char *note,
                    int (*fn)(db *, const struct actor *, int64_t, int64_t, const char *))
{
  int64_t id, uid = person_user(d, successor);
  if (!ref_id(ref, &id))
    return HANDOVER_GONE;
  if (!uid)
    return HANDOVER_NEEDS_SUCCESSOR;
  return fn(d, who, id, uid, note);
}

static int tickets_list(db *d, int64_t person, json_t **out)
{
  return user_items(d, person, desk_user_open_tickets, "subject", out);
}

static int tickets_close(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                         const char *note)
{
  (void)action;
  return reassign(d, who, ref, successor, note, desk_ticket_reassign);
}

static const char *const reassign_actions[] = {"reassigned", NULL};
static const struct handover_line_source tickets_src = {
    "ticket", N_("Service desk ticket"), reassign_actions, tickets_list, tickets_close,
};

static int tasks_list(db *d, int64_t person, json_t **out)
{
  return user_items(d, person, work_user_open_tasks, "title", out);
}

static int tasks_close(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                       const char *note)
{
  (void)action;
  return reassign(d, who, ref, successor, note, work_task_reassign);
}

static const struct handover_line_source tasks_src = {
    "task", N_("Task"), reassign_actions, tasks_list, tasks_close,
};

void handover_sources_init(void)
{
  const struct handover_line_source *builtin[] = {&grants_src, &vault_src, &esign_src, &tickets_src, &tasks_src};
  for (size_t i = 0; i < ARRAY_LEN(builtin); i++)
    if (handover_register_source(builtin[i]))
      log_msg(LOG_ERROR, "handover_source_refused", "name=%s", builtin[i]->name);
}
