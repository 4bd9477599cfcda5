/* desk.h - the service desk module's public interface. */
#ifndef DEFTER_DESK_H
#define DEFTER_DESK_H

#include <jansson.h>
#include "../core/audit.h"
#include "../core/module.h"

extern const struct defter_module desk_module;

/* Seeds the default category tree from the loaded preset's desk duties
 * (does nothing when categories exist). Called by `defter init`. */
int desk_seed_categories(db *d) WUR;
/* Inserts count synthetic tickets (fixed seed) straight into the store:
 * demo data and the benchmark's load. Returns 0 or -1. */
int desk_generate(db *d, int64_t count, uint64_t seed, bool quiet) WUR;

/* For the handover checklist: the open (not resolved or closed) tickets
 * assigned to user_id, as a new JSON array of {id, subject, status, unit}
 * in *out (at most 500). 0 or a db error. */
int desk_user_open_tickets(db *d, int64_t user_id, json_t **out) WUR;
/* Gives open ticket id to assignee (users.id) within its unit, as the
 * assign action does: status "yeni" becomes "atandi", a desk event
 * "assigned" with note and an audit row "assign". Runs inside the
 * caller's write transaction (or its own). 0 ok, 1 when the ticket is
 * unknown or no longer open, <0 db error. */
int desk_ticket_reassign(db *d, const struct actor *who, int64_t id, int64_t assignee, const char *note) WUR;
/* The tickets that name an asset (desk_tickets.asset_id), newest first,
 * at most limit: a new array of {"id", "number", "subject", "status",
 * "created_at"} (caller owns), NULL on store errors. For the asset page. */
json_t *desk_tickets_of_asset(db *d, int64_t asset_id, int limit);

#endif
