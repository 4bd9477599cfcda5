/* config.c - defter.conf reader. The file is small and read once at start,
 * so a flat list of key/value pairs is all it needs. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <ini.h>

#include "log.h"

struct entry {
  char *key;
  char *val;
};

struct config {
  struct entry *e;
  size_t n;
};

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
  config *c = user;
  char key[256];
  if (snprintf(key, sizeof key, "%s.%s", section, name) >= (int)sizeof key)
    return 0;
  for (size_t i = 0; i < c->n; i++) {
    if (strcmp(c->e[i].key, key) == 0) {
      free(c->e[i].val);
      c->e[i].val = xstrdup(value);
      return 1;
    }
  }
  c->e = xrealloc(c->e, (c->n + 1) * sizeof *c->e);
  c->e[c->n].key = xstrdup(key);
  c->e[c->n].val = xstrdup(value);
  c->n++;
  return 1;
}

int config_load(const char *path, config **out, char *err, size_t errlen)
{
  config *c = xcalloc(1, sizeof *c);
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
    snprintf(err, errlen, "%s: dosya değil / not a file", path);
    free(c);
    return -1;
  }
  FILE *f = fopen(path, "r");
  if (!f) {
    if (errno == ENOENT) {
      *out = c;
      return 0;
    }
    snprintf(err, errlen, "%s: açılamadı / cannot open", path);
    free(c);
    return -1;
  }
  int rc = ini_parse_file(f, on_entry, c);
  fclose(f);
  if (rc != 0) {
    snprintf(err, errlen, "%s:%d: sözdizimi hatası / syntax error", path, rc);
    config_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

void config_free(config *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++) {
    free(c->e[i].key);
    free(c->e[i].val);
  }
  free(c->e);
  free(c);
}

const char *config_get(const config *c, const char *key, const char *def)
{
  char env[256] = "DEFTER_";
  size_t j = strlen(env);
  for (const char *p = key; *p && j + 1 < sizeof env; p++)
    env[j++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
  env[j] = 0;
  const char *v = getenv(env);
  if (v)
    return v;
  if (c) {
    for (size_t i = 0; i < c->n; i++)
      if (strcmp(c->e[i].key, key) == 0)
        return c->e[i].val;
  }
  return def;
}

int64_t config_int(const config *c, const char *key, int64_t def)
{
  const char *v = config_get(c, key, NULL);
  int64_t n;
  if (!v)
    return def;
  if (parse_i64(v, &n)) {
    log_warn("config value is not a number; default used", "key=%s default=%lld", key, (long long)def);
    return def;
  }
  return n;
}

bool config_bool(const config *c, const char *key, bool def)
{
  static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false", "off", "0"};
  const char *v = config_get(c, key, NULL);
  if (!v || !*v)
    return def;
  for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
    if (strcasecmp(v, yes[i]) == 0)
      return true;
    if (strcasecmp(v, no[i]) == 0)
      return false;
  }
  log_warn("config value is not yes or no; default used", "key=%s", key);
  return def;
}

static int collect_known(void *user, const char *section, const char *name, const char *value)
{
  (void)value;
  return on_entry(user, section, name, "");
}

void config_warn_unknown(const config *c)
{
  /* The default text is the list of every key defter understands. */
  config known = {0};
  if (ini_parse_string(config_default_text, collect_known, &known) != 0)
    return;
  for (size_t i = 0; c && i < c->n; i++) {
    bool found = false;
    for (size_t j = 0; j < known.n && !found; j++)
      found = strcmp(known.e[j].key, c->e[i].key) == 0;
    if (!found)
      log_warn("unknown key in defter.conf (ignored)", "key=%s", c->e[i].key);
  }
  for (size_t j = 0; j < known.n; j++) {
    free(known.e[j].key);
    free(known.e[j].val);
  }
  free(known.e);
}

void config_each(const config *c, void (*fn)(const char *key, const char *val, void *u), void *u)
{
  for (size_t i = 0; c && i < c->n; i++)
    fn(c->e[i].key, c->e[i].val, u);
}

const char config_default_text[] =
    "# defter.conf - see defter.conf(5). Every key can be overridden by the\n"
    "# environment: [server] listen -> DEFTER_SERVER_LISTEN.\n"
    "\n"
    "[server]\n"
    "# Address and port of the web UI and API.\n"
    "listen = 127.0.0.1:8080\n"
    "# Worker threads (0 = two per CPU core).\n"
    "threads = 0\n"
    "# Largest request body accepted, in bytes (larger: 413).\n"
    "body_max = 1048576\n"
    "# Largest file upload (attachments, agent inventories), in bytes.\n"
    "upload_max = 16777216\n"
    "# Set to 1 when defter is reached over HTTPS (marks cookies Secure).\n"
    "tls = 0\n"
    "# Addresses of reverse proxies whose X-Forwarded-For is believed\n"
    "# (space-separated, e.g. 127.0.0.1 ::1). Empty: none.\n"
    "trusted_proxies =\n"
    "\n"
    "[session]\n"
    "# Minutes without activity after which a session ends.\n"
    "idle_minutes = 30\n"
    "# Hours after login after which a session ends regardless.\n"
    "absolute_hours = 12\n"
    "\n"
    "[login]\n"
    "# Failed logins per user / per address within window_minutes before 429.\n"
    "max_user_failures = 5\n"
    "max_ip_failures = 20\n"
    "window_minutes = 15\n"
    "\n"
    "[password]\n"
    "min_length = 10\n"
    "\n"
    "[desk]\n"
    "# Days after resolution within which the requester may reopen a ticket.\n"
    "reopen_days = 10\n"
    "# Days after which a resolved ticket the requester left unanswered closes.\n"
    "autoclose_days = 5\n"
    "# Unit code for tickets no category routes (empty: the unit with the most\n"
    "# service desk duties in the regulation).\n"
    "default_unit =\n"
    "# Largest ticket attachment, in bytes (server.upload_max applies too).\n"
    "attachment_max = 10485760\n"
    "\n"
    "[work]\n"
    "# Largest task attachment, in bytes (the server.body_max limit applies too).\n"
    "attachment_max = 10485760\n"
    "\n"
    "[vault]\n"
    "# The 32-byte key the vault's secrets are sealed with (made at `defter init`,\n"
    "# mode 0600; keep it out of the database backups' reach and back it up\n"
    "# separately). A relative name is under the data directory. Empty: vault.key.\n"
    "key_file =\n"
    "# Extra addresses (space-separated) mailed on break-glass and rotation reminders.\n"
    "notify =\n"
    "\n"
    "[esign]\n"
    "# The IT addresses (space-separated) mailed the e-signature reminders\n"
    "# (90, 30 and 7 days before a certificate expires) besides the holder.\n"
    "notify =\n"
    "\n"
    "[assets]\n"
    "# Inventory agents (POST /inventory) authenticate with HTTP basic\n"
    "# authentication as agent_user / agent_secret; an empty secret lets any\n"
    "# agent on the network send inventories.\n"
    "agent_user = agent\n"
    "agent_secret =\n"
    "# Hours between an agent's inventories (PROLOG_FREQ / expiration).\n"
    "prolog_freq = 24\n"
    "# Largest inventory after decompression, in bytes (the compressed body is\n"
    "# bounded by [server] upload_max).\n"
    "inventory_max = 33554432\n"
    "# Addresses (space-separated) that also get the licence expiry reminders\n"
    "# (90, 30 and 7 days before a licence ends) besides its responsible person.\n"
    "licence_mail =\n"
    "\n"
    "[stock]\n"
    "# Addresses (space-separated) mailed when an item falls to its minimum\n"
    "# level at a depot, besides the depot's responsible person.\n"
    "alert_mail =\n"
    "\n"
    "[mail]\n"
    "# Outgoing mail server, e.g. smtp://127.0.0.1:25 or smtps://mail.example.gov.tr:465.\n"
    "# Empty: no mail is sent.\n"
    "smtp_url =\n"
    "smtp_user =\n"
    "smtp_password =\n"
    "# Require STARTTLS on an smtp:// server (yes/no).\n"
    "smtp_starttls = no\n"
    "# Sender address and name of the mails defter sends.\n"
    "from =\n"
    "from_name =\n"
    "# Seconds before a failed mail is tried again (doubled each time, at most an\n"
    "# hour), and the number of attempts before it is given up.\n"
    "retry_seconds = 60\n"
    "max_attempts = 10\n"
    "# Mailbox read for incoming mail, e.g. imap://127.0.0.1:143/INBOX or\n"
    "# imaps://mail.example.gov.tr/INBOX. Empty: none.\n"
    "imap_url =\n"
    "imap_user =\n"
    "imap_password =\n"
    "# Require STARTTLS on an imap:// server (yes/no).\n"
    "imap_starttls = no\n"
    "# The address users reach defter at, for links in mails\n"
    "# (empty: http:// and [server] listen).\n"
    "base_url =\n"
    "\n"
    "[netlog]\n"
    "# The Law 5651 access-log collector (`defter netlog --data DIR`).\n"
    "# Syslog listeners, HOST:PORT ([v6]:port); empty or \"off\": none.\n"
    "udp = 0.0.0.0:514\n"
    "tcp = 0.0.0.0:514\n"
    "# Most TCP senders at once; more are refused and counted.\n"
    "tcp_clients = 64\n"
    "# Syslog over TLS (RFC 5425, octet-counted), HOST:PORT, e.g.\n"
    "# 0.0.0.0:6514; empty or \"off\": none. tls_cert and tls_key: PEM\n"
    "# files (read before the user switch). tls_ca: when set, senders must\n"
    "# present a certificate that chains to it. A client that has not\n"
    "# finished its handshake after tls_handshake_seconds is closed.\n"
    "tls =\n"
    "tls_cert =\n"
    "tls_key =\n"
    "tls_ca =\n"
    "tls_handshake_seconds = 10\n"
    "# Files to follow, space-separated (e.g. a DHCP server's log or lease file,\n"
    "# a FreeRADIUS detail file: its multi-line records are stored as one).\n"
    "files =\n"
    "# The user the collector runs as after binding its ports (empty: stay).\n"
    "user =\n"
    "# Seconds before a segment is closed and sealed (1..3600: at least hourly).\n"
    "rotate_seconds = 3600\n"
    "# Milliseconds between writes of the pending lines to disk.\n"
    "flush_ms = 1000\n"
    "# RFC 3161 time-stamp authority (HTTP) and the CA bundle its tokens\n"
    "# are checked against; a failed stamp is tried again after\n"
    "# tsa_retry_seconds.\n"
    "tsa_url =\n"
    "tsa_ca =\n"
    "tsa_retry_seconds = 300\n"
    "# Kamu SM (zd.kamusm.gov.tr): the customer number and password for its\n"
    "# identity header (empty: a plain RFC 3161 authority). Keep this file\n"
    "# readable by defter only. An alarm rises when fewer credits are left.\n"
    "tsa_user =\n"
    "tsa_password =\n"
    "tsa_credit_min = 100\n"
    "# Asked when tsa_url fails; segments it stamps are flagged.\n"
    "fallback_tsa_url =\n"
    "fallback_tsa_ca =\n"
    "fallback_tsa_user =\n"
    "fallback_tsa_password =\n"
    "# For queries: a lease's length when its log does not say, and how far\n"
    "# around the asked moment a NAT session is looked for.\n"
    "lease_seconds = 86400\n"
    "nat_window_seconds = 600\n"
    "# Days a sealed segment is kept; older ones are destroyed (checked\n"
    "# hourly) and recorded in netlog/destruction.jsonl.\n"
    "retention_days = 730\n"
    "# Days the destruction ledger keeps its lines (KVKK: at least 1095).\n"
    "ledger_days = 1095\n"
    "# Alarms (the server's netlog.watch job): a source silent longer than\n"
    "# this (minutes; each source's own interval is set on /netlog), free\n"
    "# disk below this percentage, the NTP clock's estimated error above\n"
    "# this, the collector's status older than this; mailed to alarm_mail\n"
    "# (addresses separated by spaces or commas).\n"
    "silent_minutes = 60\n"
    "disk_min_free_percent = 10\n"
    "clock_max_error_ms = 1000\n"
    "status_stale_seconds = 300\n"
    "alarm_mail =\n"
    "\n"
    "[ldap]\n"
    "# Directory sign-in (OpenLDAP / Active Directory); see defter.conf(5).\n"
    "# Local accounts keep working whether or not the directory answers.\n"
    "enabled = no\n"
    "# ldap://HOST:389 or ldaps://HOST:636; several, space-separated, tried in turn.\n"
    "url =\n"
    "# StartTLS on ldap:// servers (yes/no); the CA bundle that signs the\n"
    "# servers' certificates (empty: the system's).\n"
    "starttls = no\n"
    "ca_file =\n"
    "# Service account for search-then-bind and sync (empty: anonymous search).\n"
    "# bind_password_file: a file holding the password, instead of this file.\n"
    "bind_dn =\n"
    "bind_password =\n"
    "bind_password_file =\n"
    "base_dn =\n"
    "# How a user is found; %s is the user name (escaped, RFC 4515).\n"
    "# Active Directory: (&(objectClass=user)(sAMAccountName=%s)).\n"
    "user_filter = (&(objectClass=inetOrgPerson)(uid=%s))\n"
    "# Direct bind instead of search-then-bind: a DN template\n"
    "# (uid=%s,ou=people,dc=example,dc=org; escaped, RFC 4514) or an AD UPN\n"
    "# suffix (corp.local: user@corp.local).\n"
    "user_dn_template =\n"
    "upn_suffix =\n"
    "# Attributes: user name, name, e-mail, phone, T.C. number (optional)\n"
    "# and unit (matched to unit codes, then names).\n"
    "username_attribute = uid\n"
    "name_attribute = cn\n"
    "mail_attribute = mail\n"
    "phone_attribute = telephoneNumber\n"
    "tckn_attribute =\n"
    "unit_attribute = ou\n"
    "# Groups: the user's attribute listing group DNs, or (when group_filter is\n"
    "# set) a search under group_base_dn (default base_dn); %s is the user's DN.\n"
    "group_attribute = memberOf\n"
    "group_filter =\n"
    "group_base_dn =\n"
    "# Groups to roles: GROUP=ROLE or GROUP=ROLE@UNITCODE, separated by '|'.\n"
    "# GROUP is a full DN or a cn; no @UNIT: the root unit. Roles: admin,\n"
    "# yonetici, sorumlu, teknik, personel, denetci. E.g.\n"
    "# cn=bt-admins,ou=groups,dc=example,dc=org=admin | destek=teknik@BIM\n"
    "group_map =\n"
    "timeout_seconds = 5\n"
    "# Minutes between syncs of the directory's people (0: none); the filter\n"
    "# a sync uses (empty: user_filter with %s as *); the kind of employment\n"
    "# of the people a sync adds.\n"
    "sync_minutes = 0\n"
    "sync_filter =\n"
    "employment = memur\n"
    "\n"
    "[log]\n"
    "# debug, info, warn, error\n"
    "level = info\n";
