/* ldap.c - directory sign-in and sync on Debian's libldap. Every
 * operation opens its own connection (sign-ins are rare and a pooled
 * connection would outlive a directory fail-over); user names reach
 * filters and DNs only escaped (RFC 4515, RFC 4514), passwords go to
 * the server and nowhere else. */
#include "ldap.h"
#include "log.h"
#include "rbac.h"
#include "tr.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <ldap.h>

enum { NAME_MAX_LEN = 128, FILTER_MAX = 4096, SYNC_MAX_ENTRIES = 100000, PAGE_SIZE = 500 };

static struct {
  bool enabled, starttls;
  char *urls, *ca_file, *bind_dn, *bind_password, *base_dn, *user_filter, *sync_filter, *dn_template, *upn_suffix;
  char *attr_username, *attr_name, *attr_mail, *attr_phone, *attr_tckn, *attr_unit, *attr_group;
  char *group_filter, *group_base_dn;
  int timeout_s;
  int64_t sync_s;
  struct ldapx_rule *rules;
  int nrules;
} cf;

static struct ldapx_sync_hooks hooks;

static void set_str(char **dst, const config *c, const char *key, const char *def)
{
  free(*dst);
  const char *v = config_get(c, key, def);
  *dst = v && *v ? xstrdup(v) : NULL;
}

static char *read_secret_file(const char *path)
{
  FILE *f = fopen(path, "r");
  if (!f) {
    log_warn("[ldap] bind_password_file cannot be read", "path=%s", path);
    return NULL;
  }
  char line[1024] = "";
  if (!fgets(line, sizeof line, f))
    line[0] = 0;
  fclose(f);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = 0;
  char *out = n ? xstrdup(line) : NULL;
  explicit_bzero(line, sizeof line);
  return out;
}

void ldapx_configure(const config *c)
{
  cf.enabled = config_bool(c, "ldap.enabled", false);
  cf.starttls = config_bool(c, "ldap.starttls", false);
  set_str(&cf.urls, c, "ldap.url", NULL);
  set_str(&cf.ca_file, c, "ldap.ca_file", NULL);
  set_str(&cf.bind_dn, c, "ldap.bind_dn", NULL);
  set_str(&cf.bind_password, c, "ldap.bind_password", NULL);
  const char *pwfile = config_get(c, "ldap.bind_password_file", NULL);
  if (pwfile && *pwfile) {
    free(cf.bind_password);
    cf.bind_password = read_secret_file(pwfile);
  }
  set_str(&cf.base_dn, c, "ldap.base_dn", NULL);
  set_str(&cf.user_filter, c, "ldap.user_filter", "(&(objectClass=inetOrgPerson)(uid=%s))");
  set_str(&cf.sync_filter, c, "ldap.sync_filter", NULL);
  set_str(&cf.dn_template, c, "ldap.user_dn_template", NULL);
  set_str(&cf.upn_suffix, c, "ldap.upn_suffix", NULL);
  set_str(&cf.attr_username, c, "ldap.username_attribute", "uid");
  set_str(&cf.attr_name, c, "ldap.name_attribute", "cn");
  set_str(&cf.attr_mail, c, "ldap.mail_attribute", "mail");
  set_str(&cf.attr_phone, c, "ldap.phone_attribute", "telephoneNumber");
  set_str(&cf.attr_tckn, c, "ldap.tckn_attribute", NULL);
  set_str(&cf.attr_unit, c, "ldap.unit_attribute", "ou");
  set_str(&cf.attr_group, c, "ldap.group_attribute", "memberOf");
  set_str(&cf.group_filter, c, "ldap.group_filter", NULL);
  set_str(&cf.group_base_dn, c, "ldap.group_base_dn", NULL);
  int64_t t = config_int(c, "ldap.timeout_seconds", 5);
  cf.timeout_s = t < 1 ? 1 : t > 120 ? 120 : (int)t;
  int64_t m = config_int(c, "ldap.sync_minutes", 0);
  cf.sync_s = m <= 0 ? 0 : m * 60;
  ldapx_rules_free(cf.rules, cf.nrules);
  cf.rules = NULL;
  cf.nrules = 0;
  char err[256];
  int n = ldapx_group_map_parse(config_get(c, "ldap.group_map", ""), &cf.rules, err, sizeof err);
  if (n < 0)
    log_warn("[ldap] group_map ignored", "problem=%s", err);
  else
    cf.nrules = n;
  if (cf.enabled && (!cf.urls || !cf.base_dn)) {
    log_warn("[ldap] enabled without url or base_dn; directory sign-in is off", "%s", "");
    cf.enabled = false;
  }
}

bool ldapx_enabled(void)
{
  return cf.enabled;
}

int64_t ldapx_sync_interval_s(void)
{
  return cf.enabled ? cf.sync_s : 0;
}

void ldapx_sync_hooks_set(const struct ldapx_sync_hooks *h)
{
  hooks = *h;
}

/* ---- escaping ------------------------------------------------------------ */

char *ldapx_filter_escape(arena *a, const char *s)
{
  size_t n = strlen(s);
  char *out = arena_alloc(a, 3 * n + 1), *o = out;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '*' || *p == '(' || *p == ')' || *p == '\\' || *p < 0x20 || *p == 0x7f)
      o += sprintf(o, "\\%02x", *p);
    else
      *o++ = (char)*p;
  }
  *o = 0;
  return out;
}

char *ldapx_dn_escape(arena *a, const char *s)
{
  size_t n = strlen(s);
  char *out = arena_alloc(a, 3 * n + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)s[i];
    bool lead = i == 0 && (ch == ' ' || ch == '#'), trail = i + 1 == n && ch == ' ';
    if (ch < 0x20 || ch == 0x7f)
      o += sprintf(o, "\\%02x", ch);
    else if (lead || trail || strchr(",+\"\\<>;=", ch))
      *o++ = '\\', *o++ = (char)ch;
    else
      *o++ = (char)ch;
  }
  *o = 0;
  return out;
}

/* template with every %s replaced by value (already escaped) and %% by
 * %; NULL when the result would pass FILTER_MAX. */
static char *fill(arena *a, const char *tmpl, const char *value)
{
  buf b;
  buf_init(&b, FILTER_MAX);
  for (const char *p = tmpl; *p; p++) {
    if (p[0] == '%' && p[1] == 's') {
      buf_puts(&b, value);
      p++;
    } else if (p[0] == '%' && p[1] == '%') {
      buf_puts(&b, "%");
      p++;
    } else {
      buf_append(&b, p, 1);
    }
  }
  char *out = b.len < FILTER_MAX ? arena_strdup(a, buf_cstr(&b)) : NULL;
  buf_free(&b);
  return out;
}

/* ---- the group map ------------------------------------------------------- */

static char *trim_dup(const char *s, size_t n)
{
  while (n && isspace((unsigned char)*s))
    s++, n--;
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  return xstrndup(s, n);
}

void ldapx_rules_free(struct ldapx_rule *rules, int n)
{
  for (int i = 0; i < n; i++) {
    free(rules[i].group);
    free(rules[i].role);
    free(rules[i].unit);
  }
  free(rules);
}

int ldapx_group_map_parse(const char *text, struct ldapx_rule **out, char *err, size_t errlen)
{
  struct ldapx_rule *rules = NULL;
  int n = 0, rc = 0;
  const char *p = text ? text : "";
  while (*p && !rc) {
    /* '|' between rules; ';' too, though inih reads " ;" as a comment. */
    size_t len = strcspn(p, "|;");
    const char *end = p[len] ? p + len : NULL;
    char *item = trim_dup(p, len);
    p += len + (end ? 1 : 0);
    if (!*item) {
      free(item);
      continue;
    }
    /* The group is a DN and holds '=' itself: the role follows the last. */
    char *eq = strrchr(item, '=');
    char *group = eq ? trim_dup(item, (size_t)(eq - item)) : NULL;
    char *role = eq ? trim_dup(eq + 1, strlen(eq + 1)) : NULL;
    char *unit = NULL;
    char *at = role ? strchr(role, '@') : NULL;
    if (at) {
      unit = trim_dup(at + 1, strlen(at + 1));
      *at = 0;
      char *r2 = trim_dup(role, strlen(role));
      free(role);
      role = r2;
    }
    if (!group || !*group || !role || !rbac_role_valid(role) || (unit && !*unit)) {
      snprintf(err, errlen, "rule %d: \"%s\" (want GROUP=ROLE or GROUP=ROLE@UNIT)", n + 1, item);
      free(group);
      free(role);
      free(unit);
      rc = -1;
    } else {
      rules = xrealloc(rules, (size_t)(n + 1) * sizeof *rules);
      rules[n++] = (struct ldapx_rule){group, role, unit};
    }
    free(item);
  }
  if (rc) {
    ldapx_rules_free(rules, n);
    *out = NULL;
    return -1;
  }
  *out = rules;
  return n;
}

const struct ldapx_rule *ldapx_rules(int *n)
{
  *n = cf.nrules;
  return cf.rules;
}

bool ldapx_group_matches(const char *rule_group, const char *group_dn)
{
  if (!rule_group || !group_dn)
    return false;
  if (strcasecmp(rule_group, group_dn) == 0)
    return true;
  if (strchr(rule_group, '='))
    return false; /* a DN matches whole or not at all */
  /* The first RDN "cn=VALUE," of the group's DN. */
  if (strncasecmp(group_dn, "cn=", 3) != 0)
    return false;
  const char *v = group_dn + 3;
  size_t len = 0;
  while (v[len] && v[len] != ',' && v[len] != '+') {
    if (v[len] == '\\' && v[len + 1])
      len++;
    len++;
  }
  return strlen(rule_group) == len && strncasecmp(rule_group, v, len) == 0;
}

/* ---- talking to the server ----------------------------------------------- */

static bool down(int rc)
{
  return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT || rc == LDAP_UNAVAILABLE ||
         rc == LDAP_BUSY;
}

static int simple_bind(LDAP *ld, const char *dn, const char *pw)
{
  struct berval cred = {pw ? strlen(pw) : 0, (char *)(pw ? pw : "")};
  return ldap_sasl_bind_s(ld, dn ? dn : "", LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

/* A connection to the first server of [ldap] url that answers, bound as
 * dn (NULL: anonymously, for search with no service account). */
static enum ldapx_result connect_bind(const char *dn, const char *pw, LDAP **out)
{
  *out = NULL;
  enum ldapx_result res = LDAPX_UNREACHABLE;
  char *urls = xstrdup(cf.urls), *save = NULL;
  for (char *url = strtok_r(urls, " \t,", &save); url; url = strtok_r(NULL, " \t,", &save)) {
    LDAP *ld = NULL;
    if (ldap_initialize(&ld, url) != LDAP_SUCCESS || !ld) {
      log_warn("[ldap] url not understood", "url=%s", url);
      res = LDAPX_ERROR;
      continue;
    }
    int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
    struct timeval tv = {cf.timeout_s, 0};
    (void)ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
    (void)ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
    (void)ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
    (void)ldap_set_option(ld, LDAP_OPT_TIMEOUT, &tv);
    (void)ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
    if (cf.ca_file)
      (void)ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, cf.ca_file);
    (void)ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
    int rc = LDAP_SUCCESS;
    if (cf.starttls && strncasecmp(url, "ldaps:", 6) != 0) {
      rc = ldap_start_tls_s(ld, NULL, NULL);
      if (rc != LDAP_SUCCESS) {
        log_warn("[ldap] StartTLS failed", "url=%s error=%s", url, ldap_err2string(rc));
        ldap_unbind_ext_s(ld, NULL, NULL);
        continue;
      }
    }
    rc = simple_bind(ld, dn, pw);
    if (rc == LDAP_SUCCESS) {
      *out = ld;
      res = LDAPX_OK;
      break;
    }
    ldap_unbind_ext_s(ld, NULL, NULL);
    if (down(rc)) {
      log_warn("[ldap] server not reachable", "url=%s error=%s", url, ldap_err2string(rc));
      continue;
    }
    if (rc != LDAP_INVALID_CREDENTIALS)
      log_warn("[ldap] bind refused", "url=%s error=%s", url, ldap_err2string(rc));
    res = LDAPX_BAD;
    break;
  }
  free(urls);
  return res;
}

/* The first value of attr in entry, from a (NULL when absent or empty). */
static const char *first_value(arena *a, LDAP *ld, LDAPMessage *msg, const char *attr)
{
  if (!attr)
    return NULL;
  struct berval **vals = ldap_get_values_len(ld, msg, attr);
  const char *out = NULL;
  /* Only clean UTF-8 goes on: names and addresses land in pages and mail. */
  if (vals && vals[0] && vals[0]->bv_len && vals[0]->bv_len < 4096 &&
      tr_text_check(vals[0]->bv_val, vals[0]->bv_len, false) == 0)
    out = arena_strndup(a, vals[0]->bv_val, vals[0]->bv_len);
  ldap_value_free_len(vals);
  return out;
}

static void add_group(arena *a, struct ldapx_entry *e, const char *dn, size_t len)
{
  const char **g = arena_alloc(a, (e->ngroups + 1) * sizeof *g);
  if (e->ngroups)
    memcpy(g, e->groups, e->ngroups * sizeof *g);
  g[e->ngroups++] = arena_strndup(a, dn, len);
  e->groups = g;
}

static const char **attr_list(void)
{
  static const char *list[9];
  size_t n = 0;
  const char *want[] = {cf.attr_username, cf.attr_name, cf.attr_mail, cf.attr_phone,
                        cf.attr_tckn,     cf.attr_unit, cf.group_filter ? NULL : cf.attr_group};
  for (size_t i = 0; i < ARRAY_LEN(want); i++)
    if (want[i])
      list[n++] = want[i];
  list[n] = NULL;
  return list;
}

/* Fills e from one search result entry; groups from the group
 * attribute, or by the group search when group_filter is set. */
static int read_entry(arena *a, LDAP *ld, LDAPMessage *msg, struct ldapx_entry *e)
{
  memset(e, 0, sizeof *e);
  char *dn = ldap_get_dn(ld, msg);
  if (!dn)
    return -1;
  e->dn = arena_strdup(a, dn);
  ldap_memfree(dn);
  e->username = first_value(a, ld, msg, cf.attr_username);
  e->name = first_value(a, ld, msg, cf.attr_name);
  e->mail = first_value(a, ld, msg, cf.attr_mail);
  e->phone = first_value(a, ld, msg, cf.attr_phone);
  e->tckn = first_value(a, ld, msg, cf.attr_tckn);
  e->unit = first_value(a, ld, msg, cf.attr_unit);
  if (!cf.group_filter && cf.attr_group) {
    struct berval **vals = ldap_get_values_len(ld, msg, cf.attr_group);
    for (size_t i = 0; vals && vals[i] && e->ngroups < 1000; i++)
      if (vals[i]->bv_len && vals[i]->bv_len < 4096 && !memchr(vals[i]->bv_val, 0, vals[i]->bv_len))
        add_group(a, e, vals[i]->bv_val, vals[i]->bv_len);
    ldap_value_free_len(vals);
  }
  return 0;
}

static enum ldapx_result search_groups(arena *a, LDAP *ld, struct ldapx_entry *e)
{
  if (!cf.group_filter)
    return LDAPX_OK;
  const char *filter = fill(a, cf.group_filter, ldapx_filter_escape(a, e->dn));
  if (!filter)
    return LDAPX_ERROR;
  char *attrs[] = {(char *)"1.1", NULL};
  struct timeval tv = {cf.timeout_s, 0};
  LDAPMessage *res = NULL;
  int rc = ldap_search_ext_s(ld, cf.group_base_dn ? cf.group_base_dn : cf.base_dn, LDAP_SCOPE_SUBTREE, filter,
                             attrs, 0, NULL, NULL, &tv, 1000, &res);
  enum ldapx_result out = LDAPX_OK;
  if (rc == LDAP_SUCCESS) {
    for (LDAPMessage *m = ldap_first_entry(ld, res); m; m = ldap_next_entry(ld, m)) {
      char *dn = ldap_get_dn(ld, m);
      if (dn)
        add_group(a, e, dn, strlen(dn));
      ldap_memfree(dn);
    }
  } else {
    log_warn("[ldap] group search failed", "error=%s", ldap_err2string(rc));
    out = down(rc) ? LDAPX_UNREACHABLE : LDAPX_ERROR;
  }
  ldap_msgfree(res);
  return out;
}

/* The one entry filter finds under base (scope): LDAPX_BAD when none or
 * more than one. */
static enum ldapx_result find_one(arena *a, LDAP *ld, const char *base, int scope, const char *filter,
                                  struct ldapx_entry *e)
{
  struct timeval tv = {cf.timeout_s, 0};
  LDAPMessage *res = NULL;
  int rc = ldap_search_ext_s(ld, base, scope, filter, (char **)attr_list(), 0, NULL, NULL, &tv, 2, &res);
  enum ldapx_result out = LDAPX_BAD;
  if (rc == LDAP_SUCCESS && ldap_count_entries(ld, res) == 1) {
    out = read_entry(a, ld, ldap_first_entry(ld, res), e) ? LDAPX_ERROR : LDAPX_OK;
  } else if (rc == LDAP_SIZELIMIT_EXCEEDED) {
    log_warn("[ldap] user_filter matches more than one entry", "%s", "");
  } else if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
    log_warn("[ldap] user search failed", "error=%s", ldap_err2string(rc));
    out = down(rc) ? LDAPX_UNREACHABLE : LDAPX_ERROR;
  }
  ldap_msgfree(res);
  return out;
}

static bool name_acceptable(const char *s)
{
  size_t n = strlen(s);
  if (!n || n > NAME_MAX_LEN)
    return false;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      return false;
  return true;
}

enum ldapx_result ldapx_authenticate(arena *a, const char *username, const char *password, struct ldapx_entry *e)
{
  memset(e, 0, sizeof *e);
  if (!cf.enabled)
    return LDAPX_ERROR;
  if (!username || !name_acceptable(username) || !password || !*password || strlen(password) > 256)
    return LDAPX_BAD;
  const char *filter = fill(a, cf.user_filter, ldapx_filter_escape(a, username));
  if (!filter)
    return LDAPX_BAD;
  LDAP *ld = NULL;
  enum ldapx_result res;
  if (cf.dn_template || cf.upn_suffix) {
    /* Direct bind as the user, then read the entry with the user's own
     * rights. */
    const char *dn;
    if (cf.dn_template) {
      dn = fill(a, cf.dn_template, ldapx_dn_escape(a, username));
    } else {
      if (strchr(username, '@'))
        return LDAPX_BAD;
      dn = arena_printf(a, "%s@%s", username, cf.upn_suffix);
    }
    if (!dn)
      return LDAPX_BAD;
    res = connect_bind(dn, password, &ld);
    if (res == LDAPX_OK) {
      if (cf.dn_template)
        res = find_one(a, ld, dn, LDAP_SCOPE_BASE, filter, e);
      else
        res = find_one(a, ld, cf.base_dn, LDAP_SCOPE_SUBTREE, filter, e);
    }
    if (res == LDAPX_OK)
      res = search_groups(a, ld, e);
  } else {
    /* Search with the service account, then bind as the entry found. */
    res = connect_bind(cf.bind_dn, cf.bind_password, &ld);
    if (res == LDAPX_BAD) {
      log_error("[ldap] the service account (bind_dn) was refused", "%s", "");
      res = LDAPX_ERROR;
    }
    if (res == LDAPX_OK)
      res = find_one(a, ld, cf.base_dn, LDAP_SCOPE_SUBTREE, filter, e);
    if (res == LDAPX_OK)
      res = search_groups(a, ld, e);
    if (res == LDAPX_OK) {
      int rc = simple_bind(ld, e->dn, password);
      if (rc != LDAP_SUCCESS) {
        res = down(rc) ? LDAPX_UNREACHABLE : LDAPX_BAD;
        if (rc != LDAP_INVALID_CREDENTIALS)
          log_warn("[ldap] user bind refused", "error=%s", ldap_err2string(rc));
      }
    }
  }
  if (ld)
    ldap_unbind_ext_s(ld, NULL, NULL);
  if (res == LDAPX_OK && !e->username)
    e->username = arena_strdup(a, username);
  if (res == LDAPX_OK && !name_acceptable(e->username))
    res = LDAPX_BAD;
  return res;
}

/* ---- local users --------------------------------------------------------- */

int64_t ldapx_unit_lookup(db *d, const char *s)
{
  int64_t id = 0;
  if (!s || !*s)
    return 0;
  if (db_int(d, &id, "SELECT id FROM units WHERE code = ? COLLATE NOCASE", "t", s) == DB_ROW)
    return id;
  if (db_int(d, &id, "SELECT id FROM units WHERE name = ? COLLATE NOCASE", "t", s) == DB_ROW)
    return id;
  return 0;
}

struct grant {
  const char *role;
  int64_t unit_id;
  const char *code;
};

static int audit_grant(db *d, const struct actor *who, int64_t user_id, const struct grant *g, bool add)
{
  char idtxt[32];
  snprintf(idtxt, sizeof idtxt, "%lld", (long long)user_id);
  json_t *j = json_pack("{sssss{ss}}", "role", g->role, "unit", g->code ? g->code : "", "via", "source", "ldap");
  int rc = audit_write(d, who, add ? "grant" : "revoke", "user", idtxt, g->unit_id, add ? NULL : j, add ? j : NULL);
  json_decref(j);
  return rc;
}

/* The grants the group map gives e, into want (at most max). */
static size_t wanted_grants(arena *a, db *d, const struct ldapx_entry *e, struct grant *want, size_t max)
{
  size_t n = 0;
  int64_t root = rbac_root_unit(d);
  for (int i = 0; i < cf.nrules; i++) {
    const struct ldapx_rule *rule = &cf.rules[i];
    bool hit = false;
    for (size_t k = 0; k < e->ngroups && !hit; k++)
      hit = ldapx_group_matches(rule->group, e->groups[k]);
    if (!hit)
      continue;
    int64_t unit = rule->unit ? 0 : root;
    const char *code = NULL;
    if (rule->unit) {
      db_stmt *st = db_q(d, "SELECT id, code FROM units WHERE code = ? COLLATE NOCASE", "t", rule->unit);
      if (db_step(st) == DB_ROW) {
        unit = db_col_int(st, 0);
        code = arena_strdup(a, db_col_text(st, 1));
      }
      db_done(st);
      if (!unit) {
        log_warn("[ldap] group_map names an unknown unit; rule skipped", "unit=%s", rule->unit);
        continue;
      }
    } else {
      db_stmt *st = db_q(d, "SELECT code FROM units WHERE id = ?", "i", root);
      if (db_step(st) == DB_ROW)
        code = arena_strdup(a, db_col_text(st, 0));
      db_done(st);
    }
    bool dup = false;
    for (size_t k = 0; k < n && !dup; k++)
      dup = want[k].unit_id == unit && str_eq(want[k].role, rule->role);
    if (!dup && n < max && unit)
      want[n++] = (struct grant){rule->role, unit, code};
  }
  return n;
}

static int replace_grants(arena *a, db *d, const struct actor *who, const struct ldapx_entry *e, int64_t uid)
{
  enum { MAXG = 64 };
  struct grant want[MAXG], have[MAXG * 4];
  size_t nwant = wanted_grants(a, d, e, want, MAXG), nhave = 0;
  db_stmt *st = db_q(d, "SELECT g.role, g.unit_id, u.code FROM grants g JOIN units u ON u.id = g.unit_id"
                        " WHERE g.user_id = ? ORDER BY g.id",
                     "i", uid);
  int rc;
  while ((rc = db_step(st)) == DB_ROW && nhave < ARRAY_LEN(have))
    have[nhave++] = (struct grant){arena_strdup(a, db_col_text(st, 0)), db_col_int(st, 1),
                                   arena_strdup(a, db_col_text(st, 2))};
  db_done(st);
  if (rc < 0)
    return rc;
  rc = 0;
  for (size_t i = 0; i < nhave && !rc; i++) {
    bool keep = false;
    for (size_t k = 0; k < nwant && !keep; k++)
      keep = want[k].unit_id == have[i].unit_id && str_eq(want[k].role, have[i].role);
    if (keep)
      continue;
    rc = db_run(d, "DELETE FROM grants WHERE user_id = ? AND role = ? AND unit_id = ?", "iti", uid, have[i].role,
                have[i].unit_id);
    if (!rc)
      rc = audit_grant(d, who, uid, &have[i], false);
  }
  for (size_t k = 0; k < nwant && !rc; k++) {
    bool had = false;
    for (size_t i = 0; i < nhave && !had; i++)
      had = want[k].unit_id == have[i].unit_id && str_eq(want[k].role, have[i].role);
    if (had)
      continue;
    rc = rbac_grant(d, uid, want[k].role, want[k].unit_id);
    if (!rc)
      rc = audit_grant(d, who, uid, &want[k], true);
  }
  return rc;
}

static json_t *user_json(const char *username, const char *name, const char *mail, int64_t unit)
{
  json_t *j = json_pack("{sssssIss}", "username", username, "display_name", name, "unit_id", (json_int_t)unit,
                        "source", "ldap");
  json_object_set_new(j, "email", mail ? json_string(mail) : json_null());
  return j;
}

int ldapx_user_apply(db *d, const struct actor *who, const struct ldapx_entry *e, struct ldapx_applied *out)
{
  arena *a = arena_new();
  int rc = 0;
  memset(out, 0, sizeof *out);
  int64_t uid = 0, active = 0, unit = 0;
  const char *source = NULL, *old_name = NULL, *old_mail = NULL;
  db_stmt *st = db_q(d, "SELECT id, source, active, display_name, email, COALESCE(unit_id, 0) FROM users"
                        " WHERE username = ?",
                     "t", e->username);
  int step = db_step(st);
  if (step == DB_ROW) {
    uid = db_col_int(st, 0);
    source = arena_strdup(a, db_col_text(st, 1));
    active = db_col_int(st, 2);
    old_name = arena_strdup(a, db_col_text(st, 3));
    old_mail = db_col_text(st, 4) ? arena_strdup(a, db_col_text(st, 4)) : NULL;
    unit = db_col_int(st, 5);
  }
  db_done(st);
  if (step < 0) {
    rc = step;
    goto done;
  }
  /* A directory entry never takes over a local account (break-glass
   * admins stay local), nor revives a user deactivated here. */
  if (uid && (!str_eq(source, "ldap") || !active)) {
    rc = LDAPX_BAD;
    goto done;
  }
  const char *name = e->name ? e->name : e->username;
  int64_t new_unit = ldapx_unit_lookup(d, e->unit);
  if (!new_unit)
    new_unit = unit;
  int64_t now = now_unix();
  char idtxt[32];
  if (!uid) {
    rc = db_run(d,
                "INSERT INTO users (username, display_name, email, password_hash, unit_id, active, source, created_at,"
                " updated_at) VALUES (?, ?, ?, NULL, ?, 1, 'ldap', ?, ?)",
                "tttIii", e->username, name, e->mail, new_unit, now, now);
    if (rc)
      goto done;
    uid = db_last_id(d);
    out->created = true;
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)uid);
    json_t *after = user_json(e->username, name, e->mail, new_unit);
    rc = audit_write(d, who, "create", "user", idtxt, new_unit, NULL, after);
    json_decref(after);
  } else if (!str_eq(old_name, name) || !str_eq(old_mail ? old_mail : "", e->mail ? e->mail : "") ||
             unit != new_unit) {
    rc = db_run(d, "UPDATE users SET display_name = ?, email = ?, unit_id = ?, updated_at = ? WHERE id = ?", "ttIii",
                name, e->mail, new_unit, now, uid);
    out->updated = true;
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)uid);
    json_t *before = user_json(e->username, old_name, old_mail, unit);
    json_t *after = user_json(e->username, name, e->mail, new_unit);
    if (!rc)
      rc = audit_write(d, who, "update", "user", idtxt, new_unit, before, after);
    json_decref(before);
    json_decref(after);
  }
  if (!rc)
    rc = replace_grants(a, d, who, e, uid);
  if (!rc)
    out->user_id = uid;
done:
  arena_free(a);
  return rc;
}

/* ---- sync ---------------------------------------------------------------- */

struct dir_list {
  struct ldapx_entry *e;
  size_t n, cap;
};

/* Every user entry, read page by page (RFC 2696: Active Directory hands
 * out at most 1000 entries per search otherwise). */
static enum ldapx_result read_all(arena *a, LDAP *ld, struct dir_list *l)
{
  const char *filter = cf.sync_filter ? cf.sync_filter : fill(a, cf.user_filter, "*");
  if (!filter)
    return LDAPX_ERROR;
  struct berval *cookie = NULL;
  enum ldapx_result out = LDAPX_OK;
  for (;;) {
    LDAPControl *page = NULL, *ctrls[2] = {NULL, NULL};
    if (ldap_create_page_control(ld, PAGE_SIZE, cookie, 0, &page) != LDAP_SUCCESS) {
      out = LDAPX_ERROR;
      break;
    }
    ctrls[0] = page;
    struct timeval tv = {cf.timeout_s * 4, 0};
    LDAPMessage *res = NULL;
    int rc = ldap_search_ext_s(ld, cf.base_dn, LDAP_SCOPE_SUBTREE, filter, (char **)attr_list(), 0, ctrls, NULL, &tv,
                               0, &res);
    ldap_control_free(page);
    if (rc != LDAP_SUCCESS) {
      log_warn("[ldap] sync search failed", "error=%s", ldap_err2string(rc));
      out = down(rc) ? LDAPX_UNREACHABLE : LDAPX_ERROR;
      ldap_msgfree(res);
      break;
    }
    for (LDAPMessage *m = ldap_first_entry(ld, res); m && out == LDAPX_OK; m = ldap_next_entry(ld, m)) {
      if (l->n >= SYNC_MAX_ENTRIES) {
        log_warn("[ldap] more users than a sync reads; nothing changed", "max=%d", SYNC_MAX_ENTRIES);
        out = LDAPX_ERROR;
        break;
      }
      if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        struct ldapx_entry *ne = arena_alloc(a, cap * sizeof *ne);
        if (l->n)
          memcpy(ne, l->e, l->n * sizeof *ne);
        l->e = ne;
        l->cap = cap;
      }
      if (read_entry(a, ld, m, &l->e[l->n]) == 0 && l->e[l->n].username && name_acceptable(l->e[l->n].username))
        l->n++;
    }
    LDAPControl **rctrls = NULL;
    int err = 0;
    if (ldap_parse_result(ld, res, &err, NULL, NULL, NULL, &rctrls, 0) != LDAP_SUCCESS)
      rctrls = NULL;
    ldap_msgfree(res);
    ber_bvfree(cookie);
    cookie = NULL;
    LDAPControl *pr = rctrls ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL) : NULL;
    ber_int_t estimate = 0;
    struct berval ck = {0, NULL};
    if (pr && ldap_parse_pageresponse_control(ld, pr, &estimate, &ck) == LDAP_SUCCESS && ck.bv_len)
      cookie = ber_bvdup(&ck);
    if (ck.bv_val)
      ber_memfree(ck.bv_val);
    ldap_controls_free(rctrls);
    if (out != LDAPX_OK || err != LDAP_SUCCESS || !cookie)
      break;
  }
  ber_bvfree(cookie);
  for (size_t i = 0; i < l->n && out == LDAPX_OK; i++)
    out = search_groups(a, ld, &l->e[i]);
  return out;
}

int ldapx_sync(db *d, const struct actor *who, struct ldapx_sync_report *rep)
{
  memset(rep, 0, sizeof *rep);
  if (!cf.enabled)
    return LDAPX_ERROR;
  arena *a = arena_new();
  struct dir_list l = {0};
  LDAP *ld = NULL;
  int rc = connect_bind(cf.bind_dn, cf.bind_password, &ld);
  if (rc == LDAPX_BAD) {
    log_error("[ldap] the service account (bind_dn) was refused", "%s", "");
    rc = LDAPX_ERROR;
  }
  if (!rc)
    rc = read_all(a, ld, &l);
  if (ld)
    ldap_unbind_ext_s(ld, NULL, NULL);
  if (rc)
    goto out;
  rep->entries = (int64_t)l.n;
  rc = db_begin(d);
  if (rc)
    goto out;
  rc = db_exec(d, "CREATE TEMP TABLE IF NOT EXISTS ldap_seen (user_id INTEGER PRIMARY KEY);"
                  "DELETE FROM ldap_seen;");
  for (size_t i = 0; i < l.n && !rc; i++) {
    struct ldapx_applied ap;
    rc = ldapx_user_apply(d, who, &l.e[i], &ap);
    if (rc == LDAPX_BAD) {
      rep->users_refused++;
      /* Seen all the same: a local account of that name is not "gone". */
      rc = 0;
      continue;
    }
    if (rc)
      break;
    rep->users_created += ap.created;
    rep->users_updated += ap.updated;
    rc = db_run(d, "INSERT OR IGNORE INTO ldap_seen (user_id) VALUES (?)", "i", ap.user_id);
    if (!rc && hooks.entry)
      rc = hooks.entry(d, who, &l.e[i], ap.user_id, rep);
  }
  /* Directory users that were not read are gone: deactivated, and their
   * sessions and API tokens end. */
  int64_t *gone = NULL;
  size_t ngone = 0;
  if (!rc) {
    db_stmt *st = db_q(d, "SELECT id FROM users WHERE source = 'ldap' AND active = 1"
                          " AND id NOT IN (SELECT user_id FROM ldap_seen)",
                       "");
    int s;
    while ((s = db_step(st)) == DB_ROW) {
      gone = xrealloc(gone, (ngone + 1) * sizeof *gone);
      gone[ngone++] = db_col_int(st, 0);
    }
    db_done(st);
    if (s < 0)
      rc = s;
  }
  for (size_t i = 0; i < ngone && !rc; i++) {
    int64_t now = now_unix();
    rc = db_run(d, "UPDATE users SET active = 0, updated_at = ? WHERE id = ?", "ii", now, gone[i]);
    if (!rc)
      rc = db_run(d, "DELETE FROM sessions WHERE user_id = ?", "i", gone[i]);
    if (!rc)
      rc = db_run(d, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", "ii", now,
                  gone[i]);
    if (!rc) {
      char idtxt[32];
      snprintf(idtxt, sizeof idtxt, "%lld", (long long)gone[i]);
      json_t *after = json_pack("{sbss}", "active", 0, "reason", "not in the directory");
      rc = audit_write(d, who, "deactivate", "user", idtxt, 0, NULL, after);
      json_decref(after);
    }
    if (!rc)
      rep->users_deactivated++;
    if (!rc && hooks.gone)
      rc = hooks.gone(d, who, gone[i], rep);
  }
  free(gone);
  if (!rc) {
    json_t *info = json_pack("{sIsIsIsI}", "entries", (json_int_t)rep->entries, "created",
                             (json_int_t)rep->users_created, "deactivated", (json_int_t)rep->users_deactivated,
                             "people_created", (json_int_t)rep->people_created);
    rc = audit_write(d, who, "sync", "ldap", NULL, 0, NULL, info);
    json_decref(info);
  }
  if (rc || (rc = db_commit(d)))
    db_rollback(d);
out:
  arena_free(a);
  return rc;
}

int ldapx_job_sync(db *d)
{
  if (!ldapx_sync_interval_s())
    return 0;
  int64_t last = 0, now = now_unix();
  db_stmt *st = db_q(d, "SELECT value FROM settings WHERE key = 'ldap.last_sync'", "");
  if (db_step(st) == DB_ROW && parse_i64(db_col_text(st, 0), &last))
    last = 0;
  db_done(st);
  if (now - last < ldapx_sync_interval_s())
    return 0;
  struct actor who = audit_system("ldap.sync");
  struct ldapx_sync_report rep;
  int rc = ldapx_sync(d, &who, &rep);
  /* A failed sync waits for the next interval too: an unreachable
   * directory is not asked every minute. */
  char txt[32];
  snprintf(txt, sizeof txt, "%lld", (long long)now);
  if (db_run(d, "INSERT OR REPLACE INTO settings (key, value) VALUES ('ldap.last_sync', ?)", "t", txt))
    log_warn("ldap.last_sync not recorded", "%s", "");
  if (rc)
    return rc;
  log_info("ldap sync done", "entries=%lld created=%lld deactivated=%lld people_created=%lld people_updated=%lld",
           (long long)rep.entries, (long long)rep.users_created, (long long)rep.users_deactivated,
           (long long)rep.people_created, (long long)rep.people_updated);
  return 0;
}
