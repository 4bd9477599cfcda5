/* assets.h - the assets module's public interface: the register of
 * movable property (taşınır), custody (zimmet) and agent inventory. Other
 * modules reach an asset only through these functions: the service desk
 * by asset id, the handover (offboarding) checklist by person id. */
#ifndef DEFTER_ASSETS_H
#define DEFTER_ASSETS_H

#include "../core/audit.h"
#include "../core/module.h"

extern const struct defter_module assets_module;

/* One asset in brief for another module's page or reply: a new object
 * {"id", "sicil_no", "name", "type", "serial", "status"} (caller owns),
 * or NULL when there is no such asset. */
json_t *assets_lookup(db *d, int64_t asset_id);

/* The custody items a person (org_people.id) holds now, as a new array
 * of {"custody_id", "belge_no", "issued_at", "asset": {brief as above}}
 * (caller owns); NULL on store errors. The handover checklist shows them
 * and stays open while the array is not empty. */
json_t *assets_custody_open(db *d, int64_t person_id);

/* How many custody items a person holds now (0 when none, -1 on store
 * errors): the flag of the offboarding (ilişik kesme) work. */
int64_t assets_custody_count(db *d, int64_t person_id);

/* Records the return ("geri alındı") of a custody item in one
 * transaction of its own (history, audit as who): the asset goes back to
 * the store (depoda). 0 ok, 1 when there is no such open custody, -1 on
 * store errors. note may be NULL. */
int assets_custody_return(db *d, const struct actor *who, int64_t custody_id, const char *note) WUR;

#endif
