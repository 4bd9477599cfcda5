/* agent.c - POST /inventory, where inventory agents talk (itsm-peers §2):
 * FusionInventory and OCS Inventory send an XML PROLOG and get
 * REPLY{PROLOG_FREQ, RESPONSE=SEND}, then send the INVENTORY; the
 * GLPI-Agent sends JSON "contact" then "inventory". Replies go back in
 * the encoding the agent used (zlib, gzip or plain); errors are answered
 * in the agent's own protocol (REPLY{ERROR} / {"status": "error"}).
 * The route is public (agents have no session) but guarded by HTTP basic
 * authentication when [assets] agent_secret is set or any agent key was
 * issued (agentkeys.c): then every message must carry one of them. */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* The reply in the request's encoding. */
static int agent_reply(request *r, int status, enum inv_enc enc, enum inv_proto proto, const char *text)
{
  size_t n = strlen(text);
  if (enc == INV_PLAIN)
    return http_text(r, status, proto == INV_JSON ? "application/json" : "application/xml", text, n);
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, enc == INV_GZIP ? 15 + 16 : 15, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK)
    return -1;
  uLong cap = deflateBound(&z, (uLong)n) + 32;
  unsigned char *out = arena_alloc(r->a, cap);
  z.next_in = (unsigned char *)text;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  int zrc = deflate(&z, Z_FINISH);
  size_t len = cap - z.avail_out;
  deflateEnd(&z);
  if (zrc != Z_STREAM_END)
    return -1;
  const char *ctype = enc == INV_GZIP ? "application/x-compress-gzip" : "application/x-compress-zlib";
  return http_text(r, status, ctype, (const char *)out, len);
}

static const char *xml_escape(arena *a, const char *s)
{
  buf b;
  buf_init(&b, 4096);
  for (; s && *s; s++) {
    if (*s == '<')
      buf_puts(&b, "&lt;");
    else if (*s == '>')
      buf_puts(&b, "&gt;");
    else if (*s == '&')
      buf_puts(&b, "&amp;");
    else
      buf_append(&b, s, 1);
  }
  const char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

static int reply_error(request *r, int status, enum inv_enc enc, enum inv_proto proto, const char *why)
{
  const char *msg = _(why);
  if (proto == INV_JSON) {
    json_t *o = json_pack("{sssssI}", "status", "error", "message", msg, "expiration",
                          (json_int_t)assets_config()->prolog_freq);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    int rc = agent_reply(r, status, enc, proto, text ? text : "{}");
    free(text);
    return rc;
  }
  return agent_reply(r, status, enc, proto,
                     arena_printf(r->a,
                                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><ERROR>%s</ERROR></REPLY>\n",
                                  xml_escape(r->a, msg)));
}

/* Basic authentication: the shared [assets] agent_user / agent_secret,
 * or an agent key (*key its id, *unit the unit its new assets go to).
 * Without credentials only while neither exists. */
static bool authorised(request *r, int64_t *key, int64_t *unit)
{
  const struct assets_config *c = assets_config();
  *key = *unit = 0;
  const char *h = req_header(r, "Authorization");
  if (!h) {
    int keys = assets_agent_keys_active(db_thread());
    return !c->agent_secret[0] && keys == 0;
  }
  if (strncasecmp(h, "Basic ", 6) != 0 || strlen(h + 6) > 1024)
    return false;
  unsigned char dec[800];
  size_t n = 0;
  if (sodium_base642bin(dec, sizeof dec - 1, h + 6, strlen(h + 6), " ", &n, NULL, sodium_base64_VARIANT_ORIGINAL))
    return false;
  dec[n] = 0;
  char *colon = memchr(dec, ':', n);
  if (!colon)
    return false;
  *colon = 0;
  bool ok = c->agent_secret[0] && str_ct_eq((const char *)dec, c->agent_user) && str_ct_eq(colon + 1, c->agent_secret);
  if (!ok)
    ok = assets_agent_key_check(db_thread(), (const char *)dec, colon + 1, key, unit);
  sodium_memzero(dec, sizeof dec);
  return ok;
}

int assets_agent_inventory(request *r)
{
  int64_t key = 0, unit = 0;
  if (!authorised(r, &key, &unit)) {
    http_header(r, "WWW-Authenticate", "Basic realm=\"defter inventory\"");
    return http_error(r, 401, "unauthenticated", _("The agent's credentials are missing or wrong."), NULL);
  }
  const struct assets_config *c = assets_config();
  struct inv_msg m;
  const char *why = NULL;
  int rc = inv_parse(r->a, (const unsigned char *)r->body.data, r->body.len, (size_t)c->inventory_max, &m, &why);
  if (rc) {
    /* Judge the protocol by the first byte, so the agent understands. */
    enum inv_enc enc = INV_PLAIN;
    enum inv_proto proto = INV_XML;
    const char *ct = req_header(r, "Content-Type");
    if (ct && strstr(ct, "json"))
      proto = INV_JSON;
    if (r->body.len && r->body.data[0] == '{')
      proto = INV_JSON;
    log_warn("agent message refused", "ip=%s status=%d why=\"%s\"", r->ip ? r->ip : "", rc, why ? why : "");
    return reply_error(r, rc, enc, proto, why ? why : N_("The inventory could not be read."));
  }
  struct actor who = {.user_id = 0, .name = arena_printf(r->a, "agent:%.64s", m.deviceid), .ip = r->ip};
  int64_t freq = c->prolog_freq;
  if (m.proto == INV_XML) {
    if (str_eq(m.query, "PROLOG")) {
      rc = agent_reply(r, 200, m.enc, m.proto,
                       arena_printf(r->a,
                                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><PROLOG_FREQ>%lld</PROLOG_FREQ>"
                                    "<RESPONSE>SEND</RESPONSE></REPLY>\n",
                                    (long long)freq));
    } else if (str_eq(m.query, "INVENTORY")) {
      int64_t id = 0;
      bool created = false;
      if (inv_apply(db_thread(), &who, m.deviceid, "xml", key, unit, m.content, &id, &created)) {
        rc = -1;
      } else {
        log_info("inventory received", "asset=%lld created=%d", (long long)id, created);
        rc = agent_reply(
            r, 200, m.enc, m.proto,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<REPLY><RESPONSE>NO_ACCOUNT_UPDATE</RESPONSE></REPLY>\n");
      }
    } else {
      rc = reply_error(r, 400, m.enc, m.proto, N_("This query is not served here."));
    }
  } else if (str_eq(m.query, "contact")) {
    json_t *o = json_pack("{sssIs{s{ssss}}s[]}", "status", "ok", "expiration", (json_int_t)freq, "tasks", "inventory",
                          "server", "glpi", "version", "10.0", "disabled");
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    rc = agent_reply(r, 200, m.enc, m.proto, text ? text : "{}");
    free(text);
  } else {
    int64_t id = 0;
    bool created = false;
    if (inv_apply(db_thread(), &who, m.deviceid, "json", key, unit, m.content, &id, &created)) {
      rc = -1;
    } else {
      log_info("inventory received", "asset=%lld created=%d", (long long)id, created);
      char text[96];
      snprintf(text, sizeof text, "{\"status\":\"ok\",\"expiration\":%lld}", (long long)freq);
      rc = agent_reply(r, 200, m.enc, m.proto, text);
    }
  }
  inv_msg_free(&m);
  return rc;
}
