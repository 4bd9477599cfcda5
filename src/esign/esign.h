/* esign.h - the e-signature module's public interface: what the handover
 * checklist needs (a person's signatures). */
#ifndef DEFTER_ESIGN_H
#define DEFTER_ESIGN_H

#include "../core/module.h"

extern const struct defter_module esign_module;

/* A person's (org_people id) e-signatures and mobile signatures as a new
 * JSON array (the objects of GET /api/v1/esign/signatures). 0 or a db
 * error. */
int esign_person_signatures(db *d, int64_t person_id, json_t **out) WUR;

#endif
