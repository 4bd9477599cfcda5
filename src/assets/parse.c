/* parse.c - what an inventory agent sends, read safely (itsm-peers §2):
 * the body inflated with a hard limit (zlib as FusionInventory and OCS
 * send it, gzip, or plain), then either the OCS/FusionInventory XML
 * REQUEST (libxml2: no network, no entity substitution, no document type
 * declaration at all, bounded depth and element count) or the GLPI-Agent
 * JSON message (checked against the required parts of its schema). Both
 * come out as one JSON shape: the inventory sections with lower-case
 * keys, lists as arrays. No store, no globals: fuzzed as it is. */
#include "assets_int.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"

#include <ctype.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <zlib.h>

enum { XML_MAX_DEPTH = 12, XML_MAX_NODES = 400000, XML_MAX_TEXT = 65536, CHUNK = 65536 };

void inv_init(void)
{
  xmlInitParser();
}

int inv_inflate(const unsigned char *in, size_t n, size_t max, enum inv_enc *enc, buf *out)
{
  *enc = INV_PLAIN;
  if (n >= 2 && in[0] == 0x1f && in[1] == 0x8b)
    *enc = INV_GZIP;
  else if (n >= 2 && (in[0] & 0x0f) == 8 && ((unsigned)in[0] << 8 | in[1]) % 31 == 0)
    *enc = INV_ZLIB; /* RFC 1950 header: deflate, check bits (78 9C, 78 DA, 78 01...) */
  if (*enc == INV_PLAIN) {
    if (n > max)
      return INV_TOO_LARGE;
    buf_append(out, in, n);
    return out->overflow ? INV_TOO_LARGE : INV_OK;
  }
  z_stream z;
  memset(&z, 0, sizeof z);
  /* 15 + 16: gzip only; 15: zlib only. */
  if (inflateInit2(&z, *enc == INV_GZIP ? 15 + 16 : 15) != Z_OK)
    return INV_MALFORMED;
  z.next_in = (unsigned char *)in;
  z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
  unsigned char chunk[CHUNK];
  int rc = INV_OK, zrc;
  do {
    z.next_out = chunk;
    z.avail_out = sizeof chunk;
    zrc = inflate(&z, Z_NO_FLUSH);
    if (zrc != Z_OK && zrc != Z_STREAM_END) {
      rc = INV_MALFORMED;
      break;
    }
    size_t got = sizeof chunk - z.avail_out;
    if (out->len + got > max) {
      rc = INV_TOO_LARGE;
      break;
    }
    buf_append(out, chunk, got);
    if (out->overflow) {
      rc = INV_TOO_LARGE;
      break;
    }
    if (zrc != Z_STREAM_END && got == 0 && z.avail_in == 0) {
      rc = INV_MALFORMED; /* truncated: no more input, stream not ended */
      break;
    }
  } while (zrc != Z_STREAM_END);
  inflateEnd(&z);
  return rc;
}

/* ---- XML ------------------------------------------------------------------------ */

struct xml_guard {
  bool dtd;
};

/* A document type declaration is where entities come from (billion
 * laughs, external entities): an agent never sends one, so the parser
 * stops at the first sign of it. */
static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
  (void)name, (void)ext, (void)sys;
  xmlParserCtxtPtr c = ctx;
  ((struct xml_guard *)c->_private)->dtd = true;
  xmlStopParser(c);
}

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub, const xmlChar *sys,
                           xmlChar *content)
{
  (void)name, (void)type, (void)pub, (void)sys, (void)content;
  xmlParserCtxtPtr c = ctx;
  ((struct xml_guard *)c->_private)->dtd = true;
  xmlStopParser(c);
}

static void quiet(void *ctx, const char *msg, ...)
{
  (void)ctx, (void)msg;
}

static bool has_element_child(xmlNodePtr n)
{
  for (xmlNodePtr c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE)
      return true;
  return false;
}

static char *lower_key(const xmlChar *name, char *out, size_t n)
{
  size_t i = 0;
  for (; name[i] && i + 1 < n; i++)
    out[i] = (char)tolower(name[i]);
  out[i] = 0;
  return out;
}

/* Text of an element (its text and CDATA children), NULL when it has
 * none; caller frees with xmlFree. */
static json_t *text_json(xmlNodePtr n)
{
  xmlChar *t = xmlNodeGetContent(n);
  json_t *s = NULL;
  if (t) {
    size_t len = strlen((const char *)t);
    if (len > XML_MAX_TEXT)
      len = XML_MAX_TEXT;
    s = json_stringn_nocheck((const char *)t, len);
    if (s && !utf8_valid((const char *)t, len)) {
      json_decref(s);
      s = json_string("");
    }
    xmlFree(t);
  }
  return s ? s : json_string("");
}

/* One element as JSON: text when it has no element children, otherwise
 * an object of its children (a repeated child becomes an array). */
static json_t *element_json(xmlNodePtr n, int depth, bool *deep)
{
  if (depth > XML_MAX_DEPTH) {
    *deep = true;
    return json_null();
  }
  if (!has_element_child(n))
    return text_json(n);
  json_t *o = json_object();
  char key[64];
  for (xmlNodePtr c = n->children; c && !*deep; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    lower_key(c->name, key, sizeof key);
    json_t *v = element_json(c, depth + 1, deep);
    json_t *old = json_object_get(o, key);
    if (!old) {
      json_object_set_new(o, key, v);
    } else if (json_is_array(old)) {
      json_array_append_new(old, v);
    } else {
      json_t *arr = json_array();
      json_array_append(arr, old);
      json_array_append_new(arr, v);
      json_object_set_new(o, key, arr);
    }
  }
  return o;
}

/* Sections that are one object in the GLPI shape; every other section
 * with fields is a list. */
static bool single_section(const char *key)
{
  static const char *const one[] = {"hardware",        "bios", "operatingsystem", "accesslog", "accountinfo",
                                    "versionprovider", NULL};
  for (size_t i = 0; one[i]; i++)
    if (str_eq(one[i], key))
      return true;
  return false;
}

static json_t *content_json(xmlNodePtr content, bool *deep)
{
  json_t *o = json_object();
  char key[64];
  for (xmlNodePtr c = content->children; c && !*deep; c = c->next) {
    if (c->type != XML_ELEMENT_NODE)
      continue;
    lower_key(c->name, key, sizeof key);
    json_t *v = element_json(c, 2, deep);
    if (!json_is_object(v) || single_section(key)) {
      json_object_set_new(o, key, v); /* text (versionclient) or a single section */
      continue;
    }
    json_t *arr = json_object_get(o, key);
    if (!json_is_array(arr)) {
      arr = json_array();
      json_object_set_new(o, key, arr);
    }
    json_array_append_new(arr, v);
  }
  return o;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
  for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && xmlStrcasecmp(c->name, (const xmlChar *)name) == 0)
      return c;
  return NULL;
}

static const char *child_text(arena *a, xmlNodePtr n, const char *name)
{
  xmlNodePtr c = child(n, name);
  if (!c)
    return NULL;
  xmlChar *t = xmlNodeGetContent(c);
  if (!t)
    return NULL;
  const char *s = NULL;
  size_t len = strlen((const char *)t);
  if (len <= 1024 && utf8_valid((const char *)t, len))
    s = arena_strdup(a, (const char *)t);
  xmlFree(t);
  return s;
}

static size_t count_nodes(xmlNodePtr n, size_t limit)
{
  size_t k = 0;
  for (; n && k <= limit; n = n->next) {
    k++;
    if (n->children)
      k += count_nodes(n->children, limit - k);
  }
  return k;
}

static int parse_xml(arena *a, const char *data, size_t n, struct inv_msg *m, const char **why)
{
  xmlSAXHandler sax;
  memset(&sax, 0, sizeof sax);
  xmlSAXVersion(&sax, 2);
  sax.internalSubset = on_internal_subset;
  sax.entityDecl = on_entity_decl;
  sax.warning = quiet;
  sax.error = quiet;
  sax.serror = NULL;
  xmlParserCtxtPtr ctx = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
  if (!ctx) {
    *why = N_("The inventory could not be read.");
    return INV_MALFORMED;
  }
  struct xml_guard guard = {false};
  ctx->_private = &guard;
  xmlCtxtUseOptions(ctx, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS);
  int rc = INV_MALFORMED;
  xmlParseChunk(ctx, data, (int)n, 1);
  xmlDocPtr doc = ctx->myDoc;
  ctx->myDoc = NULL;
  bool ok = ctx->wellFormed && !guard.dtd && doc;
  xmlFreeParserCtxt(ctx);
  if (!ok) {
    *why = guard.dtd ? N_("Document type declarations and entities are not accepted.")
                     : N_("The inventory is not well-formed XML.");
    goto out;
  }
  xmlNodePtr root = xmlDocGetRootElement(doc);
  if (!root || xmlStrcasecmp(root->name, (const xmlChar *)"REQUEST") != 0) {
    *why = N_("An agent message must be a REQUEST.");
    goto out;
  }
  if (count_nodes(root, XML_MAX_NODES) > XML_MAX_NODES) {
    *why = N_("The inventory has too many elements.");
    rc = INV_TOO_LARGE;
    goto out;
  }
  m->proto = INV_XML;
  m->query = child_text(a, root, "QUERY");
  m->deviceid = child_text(a, root, "DEVICEID");
  if (!m->query || !*m->query) {
    *why = N_("The request names no QUERY.");
    goto out;
  }
  if (!m->deviceid || !*m->deviceid || strlen(m->deviceid) > 255) {
    *why = N_("The request names no DEVICEID.");
    goto out;
  }
  xmlNodePtr content = child(root, "CONTENT");
  if (str_eq(m->query, "INVENTORY")) {
    if (!content) {
      *why = N_("An inventory without CONTENT.");
      goto out;
    }
    bool deep = false;
    m->content = content_json(content, &deep);
    if (deep) {
      *why = N_("The inventory is nested too deeply.");
      goto out;
    }
  }
  rc = INV_OK;
out:
  if (doc)
    xmlFreeDoc(doc);
  return rc;
}

/* ---- JSON ------------------------------------------------------------------------- */

static int parse_json(arena *a, const char *data, size_t n, struct inv_msg *m, const char **why)
{
  json_error_t e;
  json_t *root = json_loadb(data, n, JSON_REJECT_DUPLICATES, &e);
  if (!root || !json_is_object(root) || jsonx_depth(root) > JSON_MAX_DEPTH) {
    json_decref(root);
    *why = N_("JSON does not validate.");
    return INV_MALFORMED;
  }
  m->proto = INV_JSON;
  int rc = INV_MALFORMED;
  const char *action = jsonx_str(root, "action"), *dev = jsonx_str(root, "deviceid");
  if (!action || (!str_eq(action, "contact") && !str_eq(action, "inventory"))) {
    *why = N_("Unknown or missing action.");
    goto out;
  }
  m->query = arena_strdup(a, action);
  if (!dev || !*dev || strlen(dev) > 255 || !utf8_valid(dev, strlen(dev))) {
    *why = N_("JSON does not validate: deviceid is required.");
    goto out;
  }
  m->deviceid = arena_strdup(a, dev);
  if (str_eq(action, "inventory")) {
    json_t *content = json_object_get(root, "content");
    if (!json_is_object(content) || !json_is_string(json_object_get(content, "versionclient"))) {
      *why = N_("JSON does not validate: content with versionclient is required.");
      goto out;
    }
    /* The sections the register reads must have their schema's shape. */
    static const char *const lists[] = {"cpus",     "memories", "storages",  "networks", "softwares",
                                        "monitors", "drives",   "batteries", NULL};
    static const char *const objects[] = {"hardware", "bios", "operatingsystem", NULL};
    for (size_t i = 0; lists[i]; i++) {
      json_t *v = json_object_get(content, lists[i]);
      if (v && !json_is_array(v)) {
        *why = N_("JSON does not validate: a list section is not an array.");
        goto out;
      }
      size_t k;
      json_t *x;
      json_array_foreach(v, k, x) if (!json_is_object(x))
      {
        *why = N_("JSON does not validate: a list entry is not an object.");
        goto out;
      }
    }
    for (size_t i = 0; objects[i]; i++) {
      json_t *v = json_object_get(content, objects[i]);
      if (v && !json_is_object(v)) {
        *why = N_("JSON does not validate: a section is not an object.");
        goto out;
      }
    }
    m->content = json_incref(content);
  }
  rc = INV_OK;
out:
  json_decref(root);
  return rc;
}

int inv_parse(arena *a, const unsigned char *data, size_t n, size_t max, struct inv_msg *m, const char **why)
{
  memset(m, 0, sizeof *m);
  *why = NULL;
  if (!n) {
    *why = N_("The request body is empty.");
    return INV_MALFORMED;
  }
  buf plain;
  buf_init(&plain, max);
  int rc = inv_inflate(data, n, max, &m->enc, &plain);
  if (rc) {
    *why = rc == INV_TOO_LARGE ? N_("The inventory is too large.") : N_("The compressed body is corrupt or truncated.");
    buf_free(&plain);
    return rc;
  }
  size_t i = 0;
  const char *p = plain.data ? plain.data : "";
  if (plain.len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF)
    i = 3;
  while (i < plain.len && isspace((unsigned char)p[i]))
    i++;
  if (i < plain.len && p[i] == '{')
    rc = parse_json(a, p + i, plain.len - i, m, why);
  else if (i < plain.len && p[i] == '<' && plain.len <= INT32_MAX)
    rc = parse_xml(a, p, plain.len, m, why);
  else {
    *why = N_("The body is neither an XML nor a JSON agent message.");
    rc = INV_MALFORMED;
  }
  buf_free(&plain);
  if (rc)
    inv_msg_free(m);
  return rc;
}

void inv_msg_free(struct inv_msg *m)
{
  json_decref(m->content);
  m->content = NULL;
}
