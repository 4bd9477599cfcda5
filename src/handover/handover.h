/* handover.h - the handover (devir-teslim) module: when a person leaves,
 * moves to another unit or dies, a case collects everything they hold
 * into a checklist; each line is closed by revoking, returning,
 * reassigning or transferring it, and only a case without open lines
 * completes ("ilişiği kesildi"). It serves the `handover` capability.
 *
 * Other modules add their own kinds of lines (e.g. custody of assets)
 * through a line source, without handover knowing them. */
#ifndef DEFTER_HANDOVER_H
#define DEFTER_HANDOVER_H

#include <jansson.h>
#include "../core/audit.h"
#include "../core/module.h"

extern const struct defter_module handover_module;

/* Return values of a line source's close function. */
enum handover_close_rc {
  HANDOVER_CLOSED = 0,        /* done */
  HANDOVER_GONE = 1,          /* the item is unknown or already settled: 409 */
  HANDOVER_NEEDS_SUCCESSOR = 2, /* the action needs a successor (with an account when a user is needed): 400 */
  HANDOVER_FROZEN = 3,        /* the item may not move now (e.g. a count froze it): 409, try later */
};

/* A kind of checklist line, owned by the module that owns the items.
 * Every function runs on the caller's connection; close runs inside the
 * case's write transaction and must not commit it on its own (db_begin /
 * db_commit nest). */
struct handover_line_source {
  const char *name;     /* stored as the line's source, e.g. "custody"; [a-z_]{1,23} */
  const char *label;    /* English msgid (N_) shown as the line's kind, e.g. N_("Custody item") */
  /* The actions this source performs, NULL-terminated, from: "revoked",
   * "returned", "reassigned", "transferred". "not_needed" (with a reason)
   * is always allowed and never calls close. */
  const char *const *actions;
  /* The person's (org_people.id) open items as a new JSON array in *out:
   * [{"ref": "12", "title": "...", "detail": "..."}] (ref unique within
   * the source, at most 64 bytes; title and detail plain text). 0 or a
   * negative db error. */
  int (*list)(db *d, int64_t person_id, json_t **out);
  /* Does action on item ref, audited as who: successor is an org_people
   * id (0 when none was named), note the closer's note (may be NULL).
   * Returns an enum handover_close_rc or a negative db error. */
  int (*close)(db *d, const struct actor *who, const char *ref, const char *action, int64_t successor,
               const char *note);
};

/* Adds a line source (borrowed: static storage). Call it from the
 * owning module's configure hook, which runs before the server or a job
 * starts. Registering the same name again is a no-op. 0, or -1 when the
 * table (16 sources) is full or the name is invalid. */
int handover_register_source(const struct handover_line_source *src) WUR;

#endif
