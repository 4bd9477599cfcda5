/* vault.h - the privileged credentials vault's public interface: the key
 * file made at `defter init`, key rotation for `defter vault rotate-key`,
 * and what the handover checklist needs (a person's entries, moving an
 * entry to another responsible admin). */
#ifndef DEFTER_VAULT_H
#define DEFTER_VAULT_H

#include "../core/audit.h"
#include "../core/module.h"

extern const struct defter_module vault_module;

/* Creates DIR/vault.key (32 random bytes, mode 0600) unless it exists.
 * Called by `defter init`. Returns 0, or -1 (err says why). */
int vault_key_init(const char *data_dir, char *err, size_t errlen) WUR;

/* Makes a new key and re-seals every entry under it in one transaction,
 * one audit row per entry ("rekey", never the secret). The old key is
 * kept as KEYFILE.old until the transaction has committed, so a crash at
 * any point leaves every entry readable (the key id stored with each
 * entry picks the right file). *count receives the entries re-sealed. */
int vault_rotate_key(db *d, const struct actor *who, int64_t *count, char *err, size_t errlen) WUR;

/* The entries a person is the responsible admin of, as a new JSON array
 * of {id, system, account, kind, unit, rotate_due, sealed} (never a
 * secret). For the handover checklist. Returns 0 or a db error. */
int vault_person_entries(db *d, int64_t person_id, json_t **out) WUR;

/* Makes new_person (an org_people id) the responsible admin of entry.
 * Runs inside the caller's write transaction; audited as "transfer".
 * Returns 0, DB_ERR, or 1 when the entry or the person does not exist. */
int vault_transfer_owner(db *d, const struct actor *who, int64_t entry, int64_t new_person) WUR;

#endif
