/* audit.h - the hash-chained audit trail. Every change, login, failed
 * login, export and permission change is appended in the same transaction
 * as the change; each row carries SHA-256(previous hash + its content). */
#ifndef DEFTER_AUDIT_H
#define DEFTER_AUDIT_H

#include <jansson.h>
#include "db.h"

struct request;

struct actor {
  int64_t user_id;   /* 0 = system / command line */
  const char *name;  /* username, "system" or "cli:<user>" */
  const char *ip;
};

struct actor audit_actor(struct request *r);
struct actor audit_system(const char *name);

/* Appends one row. Must run inside the caller's write transaction (it
 * opens one of its own when none is open). before/after are borrowed and
 * may be NULL. unit_id 0 = not unit-bound. */
int audit_write(db *d, const struct actor *who, const char *action, const char *entity, const char *entity_id,
                int64_t unit_id, json_t *before, json_t *after) WUR;

/* Walks the chain. Returns 0 when intact; otherwise -1 with *bad_id the
 * first broken row (0 when the table itself is unreadable) and why. */
int audit_verify(db *d, int64_t *bad_id, int64_t *rows, char *why, size_t whylen) WUR;

/* The hash of one row's content (exposed for tests). out: 65 bytes. */
void audit_row_hash(const char *prev_hash, int64_t id, int64_t ts, int64_t actor_id, const char *actor,
                    const char *ip, const char *action, const char *entity, const char *entity_id, int64_t unit_id,
                    const char *before, const char *after, char out[65]);

#endif
