/* handover_src.c - custody items on the handover (devir-teslim)
 * checklist: a leaver's open custody is listed as lines; a line closes by
 * the item's return to the store ("returned") or by a new Taşınır Teslim
 * Belgesi to the successor ("transferred"), inside the case's
 * transaction. Registered with the handover module at start. */
#include "assets.h"
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"
#include "../handover/handover.h"

#include <stdlib.h>
#include <string.h>

static int custody_list(db *d, int64_t person_id, json_t **out)
{
  json_t *items = assets_custody_open(d, person_id);
  if (!items)
    return -1;
  json_t *lines = json_array();
  size_t i;
  json_t *c;
  json_array_foreach(items, i, c)
  {
    const json_t *a = json_object_get(c, "asset");
    char ref[24];
    snprintf(ref, sizeof ref, "%lld", (long long)jsonx_int(c, "custody_id", 0));
    const char *sicil = jsonx_str(a, "sicil_no"), *serial = jsonx_str(a, "serial");
    char title[512], detail[256];
    snprintf(title, sizeof title, "%s%s%s%s", jsonx_str(a, "name") ? jsonx_str(a, "name") : "", sicil ? " (" : "",
             sicil ? sicil : "", sicil ? ")" : "");
    snprintf(detail, sizeof detail, "%s %lld%s%s", _("Delivery receipt"), (long long)jsonx_int(c, "belge_no", 0),
             serial ? ", S/N " : "", serial ? serial : "");
    json_array_append_new(lines, json_pack("{s:s, s:s, s:s}", "ref", ref, "title", title, "detail", detail));
  }
  json_decref(items);
  *out = lines;
  return 0;
}

static int custody_close(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
                         const char *note)
{
  int64_t cid = 0, asset = 0;
  if (parse_i64(ref, &cid) || cid <= 0)
    return HANDOVER_GONE;
  int rc = db_int(d, &asset, "SELECT asset_id FROM custody WHERE id = ? AND returned_at IS NULL", "i", cid);
  if (rc != DB_ROW)
    return rc < 0 ? rc : HANDOVER_GONE;
  bool transfer = str_eq(action, "transferred");
  int64_t one = 0;
  if (transfer && (successor <= 0 ||
                   db_int(d, &one, "SELECT 1 FROM org_people WHERE id = ? AND active = 1", "i", successor) != DB_ROW))
    return HANDOVER_NEEDS_SUCCESSOR;
  /* A count in progress froze the item's movements (TMY md. 32). */
  int64_t frozen = assets_count_frozen(d, asset);
  if (frozen)
    return frozen < 0 ? -1 : HANDOVER_FROZEN;
  rc = assets_custody_record_return(d, who, cid, note);
  if (rc)
    return rc == 1 ? HANDOVER_GONE : -1;
  if (!transfer)
    return HANDOVER_CLOSED;
  char today[11];
  assets_today(today);
  json_t *after = NULL;
  rc = assets_custody_record_issue(d, who, who->user_id, who->name, asset, successor, NULL, 0, today, note, "depoda",
                                   &after);
  json_decref(after);
  return rc ? (rc == DB_CONSTRAINT ? HANDOVER_GONE : -1) : HANDOVER_CLOSED;
}

static const char *const custody_actions[] = {"returned", "transferred", NULL};
static const struct handover_line_source custody_source = {
    "custody", N_("Custody item"), custody_actions, custody_list, custody_close,
};

void assets_handover_register(void)
{
  if (handover_register_source(&custody_source))
    log_error("assets: cannot add custody to the handover checklist", "%s", "");
}
