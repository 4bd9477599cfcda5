/* desk.h - the service desk module's public interface. */
#ifndef DEFTER_DESK_H
#define DEFTER_DESK_H

#include "../core/module.h"

extern const struct defter_module desk_module;

/* Seeds the default category tree from the loaded preset's desk duties
 * (does nothing when categories exist). Called by `defter init`. */
int desk_seed_categories(db *d) WUR;
/* Inserts count synthetic tickets (fixed seed) straight into the store:
 * demo data and the benchmark's load. Returns 0 or -1. */
int desk_generate(db *d, int64_t count, uint64_t seed, bool quiet) WUR;

/* The tickets that name an asset (desk_tickets.asset_id), newest first,
 * at most limit: a new array of {"id", "number", "subject", "status",
 * "created_at"} (caller owns), NULL on store errors. For the asset page. */
json_t *desk_tickets_of_asset(db *d, int64_t asset_id, int limit);

#endif
