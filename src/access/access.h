/* access.h - the access module: the catalogue of the municipality's
 * systems (EBYS, e-posta, Active Directory, VPN ...) with the roles each
 * grants, authorisation requests through their approval chain, the grants
 * that record who holds what, and periodic access reviews. It serves the
 * `access_request` and `access_review` capabilities. */
#ifndef DEFTER_ACCESS_H
#define DEFTER_ACCESS_H

#include <jansson.h>
#include "../core/audit.h"
#include "../core/module.h"

extern const struct defter_module access_module;

/* `defter init`: the typical systems of a municipality and their roles,
 * owned by the root unit, approved by the IT manager (VPN and the
 * internet exemption need a formal letter). Does nothing when systems
 * exist. One transaction, one audit row per system. */
int access_seed_catalogue(db *d, const struct actor *who) WUR;
/* `defter init --demo`: makes the demo technician (teknik) the technical
 * owner and their unit the owner unit of every system, so the demo's
 * requests reach a person. Does nothing without that account. */
int access_demo_seed(db *d, const struct actor *who) WUR;

/* For the hand-over checklist: the person's (org_people.id) active grants
 * (status "active" or "revoking") as a new JSON array of
 * {"id", "system": {"id","code","name"}, "role": {"id","code","name"},
 * "since", "expires_on", "status", "revoke_task_id", "request_id"};
 * NULL on a store error. The caller owns the array. */
json_t *access_person_active_grants(db *d, int64_t person_id);
/* Revokes grant id now with note (required, recorded), completing its
 * open revoke task if any; audited as who in one transaction (or the
 * caller's). 0 ok, 1 when the grant is unknown or already revoked,
 * <0 store error. */
int access_grant_revoke(db *d, const struct actor *who, int64_t grant_id, const char *note) WUR;

#endif
