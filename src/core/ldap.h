/* ldap.h - directory sign-in and sync (OpenLDAP, Active Directory):
 * simple binds over ldaps:// or StartTLS, search-then-bind, a direct DN
 * template or an AD UPN suffix, and the [ldap] group map that turns
 * directory groups into role grants on units. Functions carry the
 * prefix ldapx_ because libldap owns ldap_ (as jsonx_ does for jansson). */
#ifndef DEFTER_LDAP_H
#define DEFTER_LDAP_H

#include "audit.h"
#include "config.h"
#include "db.h"

enum ldapx_result {
  LDAPX_OK = 0,
  LDAPX_BAD = 1,         /* wrong password, unknown or disabled user, refused name */
  LDAPX_UNREACHABLE = 2, /* no server answered (or TLS could not be set up) */
  LDAPX_ERROR = -1,      /* misconfiguration or an unexpected answer */
};

/* One person of the directory; strings live in the caller's arena. */
struct ldapx_entry {
  const char *dn, *username, *name, *mail, *phone, *tckn, *unit;
  const char **groups; /* group DNs */
  size_t ngroups;
};

/* One rule of [ldap] group_map: a group (full DN or its cn) gives role
 * on the unit with code unit (NULL: the root unit). */
struct ldapx_rule {
  char *group, *role, *unit;
};

/* Reads [ldap] (and bind_password_file). Called once at start, before
 * any thread signs anyone in. */
void ldapx_configure(const config *c);
bool ldapx_enabled(void);
/* [ldap] sync_minutes in seconds; 0 = no scheduled sync. */
int64_t ldapx_sync_interval_s(void);

/* RFC 4515 filter value and RFC 4514 DN value escaping, from a. */
char *ldapx_filter_escape(arena *a, const char *s);
char *ldapx_dn_escape(arena *a, const char *s);
/* Parses a group_map value ("GROUP=ROLE[@UNIT] | ..."). Returns the
 * number of rules (the caller frees them with ldapx_rules_free) or -1
 * with err naming the bad rule. */
int ldapx_group_map_parse(const char *text, struct ldapx_rule **out, char *err, size_t errlen) WUR;
void ldapx_rules_free(struct ldapx_rule *rules, int n);
/* The rules of [ldap] group_map, as read at start. */
const struct ldapx_rule *ldapx_rules(int *n);
/* Does the group DN match a rule's group (the DN itself or its cn,
 * case-insensitively)? */
bool ldapx_group_matches(const char *rule_group, const char *group_dn);

/* Checks a user name and password against the directory and fills e
 * (from a). An empty password is refused without asking the server: an
 * anonymous bind is not a login. */
enum ldapx_result ldapx_authenticate(arena *a, const char *username, const char *password, struct ldapx_entry *e);

/* Creates or updates the local user of a directory entry (source
 * 'ldap', no local password) and replaces its grants with those the
 * group map gives; every change audited as who, inside the caller's
 * transaction. Returns 0 (out filled); LDAPX_BAD when the name belongs
 * to a local account or the user was deactivated here; or a db error. */
struct ldapx_applied {
  int64_t user_id;
  bool created, updated; /* the user row (grants are audited apart) */
};
/* The unit whose code or name (any case) is s, 0 when none. */
int64_t ldapx_unit_lookup(db *d, const char *s);

int ldapx_user_apply(db *d, const struct actor *who, const struct ldapx_entry *e, struct ldapx_applied *out) WUR;

struct ldapx_sync_report {
  int64_t entries, users_created, users_updated, users_deactivated, users_refused;
  int64_t people_created, people_updated, people_deactivated, people_skipped;
};

/* What a module adds to a sync (org: the people register). Both run
 * inside the sync's transaction and return 0 or a db error. */
struct ldapx_sync_hooks {
  int (*entry)(db *d, const struct actor *who, const struct ldapx_entry *e, int64_t user_id,
               struct ldapx_sync_report *rep);
  int (*gone)(db *d, const struct actor *who, int64_t user_id, struct ldapx_sync_report *rep);
};
void ldapx_sync_hooks_set(const struct ldapx_sync_hooks *h);

/* Reads every user under base_dn and, in one transaction, applies each
 * (ldapx_user_apply and the hooks) and deactivates the directory users
 * no longer there (their sessions end). Nothing changes unless the
 * whole directory was read. Returns an ldapx_result or a db error. */
int ldapx_sync(db *d, const struct actor *who, struct ldapx_sync_report *rep) WUR;
/* The ldap.sync job: ldapx_sync when sync_minutes have passed since the
 * last one (setting "ldap.last_sync"). */
int ldapx_job_sync(db *d);

#endif
