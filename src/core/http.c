/* http.c - libmicrohttpd adapter. MHD calls the access handler several
 * times per request (headers, each body chunk, end); this file hides that
 * contract, bounds the body, resolves the route and the user, checks the
 * route's permission and CSRF, then calls the module's handler once. */
#include "http.h"
#include "auth.h"
#include "db.h"
#include "i18n.h"
#include "jsonx.h"
#include "log.h"
#include "module.h"
#include "rbac.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct http_server {
  struct MHD_Daemon *d;
};

static size_t body_max = 1024 * 1024;
static size_t upload_max = 16 * 1024 * 1024;
static bool use_tls;
static http_error_page_fn error_page;
static char trusted_proxies[512];

size_t http_body_max(void) { return body_max; }
void http_set_error_page(http_error_page_fn fn) { error_page = fn; }

/* ---- routing -------------------------------------------------------- */

bool http_match(arena *a, const char *pattern, const char *path, struct kv *params, int *nparams)
{
  const char *p = pattern, *s = path;
  int n = 0;
  while (*p && *s) {
    if (*p == '{') {
      const char *end = strchr(p, '}');
      if (!end)
        return false;
      const char *seg_end = strchr(s, '/');
      size_t seglen = seg_end ? (size_t)(seg_end - s) : strlen(s);
      if (seglen == 0 || n >= MAX_PARAMS)
        return false;
      if (params) {
        params[n].k = arena_strndup(a, p + 1, (size_t)(end - p - 1));
        params[n].v = arena_strndup(a, s, seglen);
      }
      n++;
      p = end + 1;
      s += seglen;
      continue;
    }
    if (*p != *s)
      return false;
    p++;
    s++;
  }
  if (*p || *s)
    return false;
  if (nparams)
    *nparams = n;
  return true;
}

/* The methods a path answers to, "GET, POST" (for the Allow header). */
static const char *allowed_methods(arena *a, const char *path)
{
  buf b;
  buf_init(&b, 256);
  for (size_t i = 0; i < defter_nmodules; i++) {
    const struct defter_module *mod = defter_modules[i];
    for (size_t j = 0; j < mod->nroutes; j++) {
      const struct route *rt = &mod->routes[j];
      if (!http_match(a, rt->path, path, NULL, NULL) || (b.data && strstr(b.data, rt->method)))
        continue;
      if (b.len)
        buf_puts(&b, ", ");
      buf_puts(&b, rt->method);
    }
  }
  const char *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return out;
}

const struct route *http_find_route(arena *a, const char *method, const char *path, struct kv *params,
                                    int *nparams, bool *method_mismatch)
{
  *method_mismatch = false;
  if (!path || strlen(path) > 2048)
    return NULL;
  const char *m = str_eq(method, "HEAD") ? "GET" : method;
  for (size_t i = 0; i < defter_nmodules; i++) {
    const struct defter_module *mod = defter_modules[i];
    for (size_t j = 0; j < mod->nroutes; j++) {
      const struct route *rt = &mod->routes[j];
      int n = 0;
      if (!http_match(a, rt->path, path, NULL, NULL))
        continue;
      if (!str_eq(rt->method, m)) {
        *method_mismatch = true;
        continue;
      }
      http_match(a, rt->path, path, params, &n);
      *nparams = n;
      *method_mismatch = false;
      return rt;
    }
  }
  return NULL;
}

/* ---- request accessors ---------------------------------------------- */

const char *req_param(request *r, const char *name)
{
  for (int i = 0; i < r->nparams; i++)
    if (str_eq(r->params[i].k, name))
      return r->params[i].v;
  return NULL;
}

const char *req_query(request *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(request *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(request *r, const char *name)
{
  return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *req_form(request *r, const char *name)
{
  for (int i = 0; i < r->nform; i++)
    if (str_eq(r->form[i].k, name))
      return r->form[i].v;
  return NULL;
}

bool req_wants_html(request *r)
{
  return r->route ? (r->route->flags & ROUTE_HTML) != 0 : !str_starts(r->path, "/api/");
}

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Decodes application/x-www-form-urlencoded text of length n; returns
 * NULL on a malformed escape or an embedded NUL. */
static char *form_decode(arena *a, const char *s, size_t n)
{
  char *out = arena_alloc(a, n + 1);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+') {
      out[j++] = ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= n)
        return NULL;
      int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
      if (h < 0 || l < 0 || (h == 0 && l == 0))
        return NULL;
      out[j++] = (char)(h * 16 + l);
      i += 2;
    } else {
      out[j++] = s[i];
    }
  }
  out[j] = 0;
  return out;
}

static int parse_form(request *r)
{
  const char *s = r->body.data ? r->body.data : "";
  size_t len = r->body.len;
  size_t i = 0;
  while (i < len) {
    size_t start = i;
    while (i < len && s[i] != '&')
      i++;
    const char *pair = s + start;
    size_t plen = i - start;
    i++;
    if (plen == 0)
      continue;
    const char *eq = memchr(pair, '=', plen);
    size_t klen = eq ? (size_t)(eq - pair) : plen;
    if (r->nform >= MAX_FORM_FIELDS)
      return -1;
    char *k = form_decode(r->a, pair, klen);
    char *v = eq ? form_decode(r->a, eq + 1, plen - klen - 1) : arena_strdup(r->a, "");
    if (!k || !v)
      return -1;
    r->form[r->nform].k = k;
    r->form[r->nform].v = v;
    r->nform++;
  }
  return 0;
}

const struct upload *req_file(request *r, const char *field)
{
  for (int i = 0; i < r->nfiles; i++)
    if (str_eq(r->files[i].field, field))
      return &r->files[i];
  return NULL;
}

/* multipart/form-data through libmicrohttpd's post processor, run over the
 * buffered body: text fields go to r->form, files to r->files. Each part
 * is accumulated in a bounded buffer (the body limit bounds them all). */
struct mp_state {
  request *r;
  buf cur;
  char *key, *filename;
  bool bad;
};

static void mp_flush(struct mp_state *m)
{
  request *r = m->r;
  if (!m->key)
    return;
  if (m->filename) {
    if (r->nfiles < MAX_UPLOADS) {
      struct upload *u = &r->files[r->nfiles++];
      u->field = arena_strdup(r->a, m->key);
      u->filename = arena_strdup(r->a, m->filename);
      char *d = arena_alloc(r->a, m->cur.len + 1);
      if (m->cur.len)
        memcpy(d, m->cur.data, m->cur.len);
      d[m->cur.len] = 0;
      u->data = d;
      u->len = m->cur.len;
    } else {
      m->bad = true;
    }
  } else if (r->nform < MAX_FORM_FIELDS && !(m->cur.len && memchr(m->cur.data, 0, m->cur.len))) {
    r->form[r->nform].k = arena_strdup(r->a, m->key);
    r->form[r->nform].v = arena_strndup(r->a, m->cur.data ? m->cur.data : "", m->cur.len);
    r->nform++;
  } else {
    m->bad = true;
  }
  free(m->key);
  free(m->filename);
  m->key = m->filename = NULL;
  buf_free(&m->cur);
  buf_init(&m->cur, body_max > upload_max ? body_max : upload_max);
}

static enum MHD_Result mp_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *content_type, const char *transfer_encoding, const char *data,
                               uint64_t off, size_t size)
{
  (void)kind;
  (void)content_type;
  (void)transfer_encoding;
  struct mp_state *m = cls;
  if (!key)
    return MHD_YES;
  if (off == 0 && (!m->key || strcmp(m->key, key) != 0 || (filename && !m->filename))) {
    mp_flush(m);
    m->key = xstrdup(key);
    m->filename = filename ? xstrdup(filename) : NULL;
  }
  buf_append(&m->cur, data, size);
  if (m->cur.overflow)
    m->bad = true;
  return m->bad ? MHD_NO : MHD_YES;
}

static int parse_multipart(request *r)
{
  struct mp_state m = {.r = r};
  buf_init(&m.cur, body_max > upload_max ? body_max : upload_max);
  struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 64 * 1024, mp_iter, &m);
  int rc = -1;
  if (pp) {
    rc = MHD_post_process(pp, r->body.data ? r->body.data : "", r->body.len) == MHD_YES ? 0 : -1;
    MHD_destroy_post_processor(pp);
    mp_flush(&m);
  }
  free(m.key);
  free(m.filename);
  buf_free(&m.cur);
  return rc || m.bad ? -1 : 0;
}

json_t *req_json(request *r, const struct jfield *fields, size_t n)
{
  const char *err = NULL;
  json_t *v = NULL;
  if (r->body_json) {
    v = json_incref(r->body_json);
    goto validate;
  }
  /* Only application/json: a cross-site HTML form cannot send it. */
  const char *ct = req_header(r, "Content-Type");
  if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' ')) {
    http_error(r, 415, "unsupported_media_type", _("The request body must be JSON (Content-Type: application/json)."),
               NULL);
    return NULL;
  }
  v = jsonx_decode_body(r->body.data, r->body.len, &err);
  if (!v) {
    http_error(r, 400, "malformed_json", _("The request body is not a valid JSON object."), NULL);
    return NULL;
  }
validate:;
  json_t *errors = json_object();
  if (jsonx_validate(v, fields, n, errors)) {
    json_decref(v);
    http_error(r, 400, "validation", _("Some fields are invalid."), errors);
    return NULL;
  }
  json_decref(errors);
  return v;
}

int req_upload(request *r, const char **name, const unsigned char **data, size_t *len)
{
  const char *ctype = req_header(r, "Content-Type");
  if (!(ctype && strncasecmp(ctype, "application/json", 16) == 0)) {
    *name = req_query(r, "name");
    *data = (const unsigned char *)r->body.data;
    *len = r->body.len;
    return 0;
  }
  const struct jfield fields[] = {{"name", JT_STRING, true, 1024}, {"content_base64", JT_STRING, true, body_max}};
  json_t *in = req_json(r, fields, ARRAY_LEN(fields));
  if (!in)
    return 1;
  const char *b64 = jsonx_str(in, "content_base64");
  size_t blen = strlen(b64), cap = blen / 4 * 3 + 3;
  unsigned char *out = arena_alloc(r->a, cap);
  *name = arena_strdup(r->a, jsonx_str(in, "name"));
  int bad = sodium_base642bin(out, cap, b64, blen, " \r\n", len, NULL, sodium_base64_VARIANT_ORIGINAL);
  json_decref(in);
  if (bad) {
    http_error(r, 400, "validation", _("Some fields are invalid."),
               json_pack("{ss}", "content_base64", _("Not valid base64.")));
    return 1;
  }
  *data = out;
  return 0;
}

int req_paging(request *r, int64_t def, int64_t max, int64_t *limit, int64_t *cursor)
{
  const char *l = req_query(r, "limit"), *c = req_query(r, "cursor");
  *limit = def;
  *cursor = 0;
  if (l && (parse_i64(l, limit) || *limit < 1)) {
    http_error(r, 400, "validation", _("limit must be a positive number."), NULL);
    return -1;
  }
  if (*limit > max)
    *limit = max;
  if (c && *c && parse_i64(c, cursor)) {
    http_error(r, 400, "validation", _("Invalid cursor."), NULL);
    return -1;
  }
  return 0;
}

/* ---- responses ------------------------------------------------------ */

void http_header(request *r, const char *name, const char *value)
{
  if (r->nheaders >= MAX_RESP_HEADERS)
    return;
  r->headers[r->nheaders].k = arena_strdup(r->a, name);
  r->headers[r->nheaders].v = arena_strdup(r->a, value);
  r->nheaders++;
}

void http_cookie(request *r, const char *name, const char *value, int64_t max_age, bool http_only)
{
  char *c = arena_printf(r->a, "%s=%s; Path=/; SameSite=Strict%s%s", name, max_age < 0 ? "" : value,
                         http_only ? "; HttpOnly" : "", use_tls ? "; Secure" : "");
  if (max_age < 0)
    c = arena_printf(r->a, "%s; Max-Age=0", c);
  else if (max_age > 0)
    c = arena_printf(r->a, "%s; Max-Age=%lld", c, (long long)max_age);
  http_header(r, "Set-Cookie", c);
}

static void set_body(request *r, int status, const char *ctype, const char *data, size_t len)
{
  buf_free(&r->out);
  buf_init(&r->out, 0);
  buf_append(&r->out, data, len);
  r->status = status;
  r->content_type = ctype;
}

int http_json(request *r, int status, json_t *steal_body)
{
  char *s = json_dumps(steal_body, JSON_COMPACT);
  json_decref(steal_body);
  set_body(r, status, "application/json; charset=utf-8", s ? s : "null", s ? strlen(s) : 4);
  free(s);
  return 0;
}

int http_error(request *r, int status, const char *code, const char *message, json_t *steal_fields)
{
  if (req_wants_html(r) && error_page && !str_starts(r->path, "/api/")) {
    json_decref(steal_fields);
    r->status = status;
    error_page(r, status, message);
    return 0;
  }
  json_t *e = json_object();
  json_object_set_new(e, "code", json_string(code));
  json_object_set_new(e, "message", json_string(message));
  if (steal_fields)
    json_object_set_new(e, "fields", steal_fields);
  json_t *root = json_object();
  json_object_set_new(root, "error", e);
  return http_json(r, status, root);
}

int http_not_found(request *r)
{
  return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
}

int http_forbidden(request *r)
{
  return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
}

int http_invalid(request *r, json_t *steal_fields)
{
  return http_error(r, 400, "validation", _("Some fields are invalid."), steal_fields);
}

int http_json_page(request *r, json_t *steal_items, bool more, int64_t last_id)
{
  json_t *out = json_object();
  json_object_set_new(out, "items", steal_items);
  if (more) {
    char c[32];
    snprintf(c, sizeof c, "%lld", (long long)last_id);
    json_object_set_new(out, "next_cursor", json_string(c));
  } else {
    json_object_set_new(out, "next_cursor", json_null());
  }
  return http_json(r, 200, out);
}

int http_html(request *r, int status, html *h)
{
  set_body(r, status, "text/html; charset=utf-8", h->b.data ? h->b.data : "", h->b.len);
  html_free(h);
  return 0;
}

int http_text(request *r, int status, const char *ctype, const char *body, size_t len)
{
  set_body(r, status, ctype, body, len);
  return 0;
}

int http_redirect(request *r, const char *location)
{
  http_header(r, "Location", location);
  set_body(r, 303, "text/plain; charset=utf-8", "", 0);
  return 0;
}

/* ---- dispatch ------------------------------------------------------- */

static bool is_write(const char *m)
{
  return !(str_eq(m, "GET") || str_eq(m, "HEAD") || str_eq(m, "OPTIONS"));
}

/* The route was resolved when the request arrived (on_request). */
static void dispatch(request *r)
{
  const char *lang_cookie = req_cookie(r, "lang");
  r->lang = i18n_pick(lang_cookie, req_header(r, "Accept-Language"));
  i18n_use(r->lang);

  if (!r->route) {
    if (r->method_mismatch) {
      http_header(r, "Allow", allowed_methods(r->a, r->path));
      http_error(r, 405, "method_not_allowed", _("This method is not allowed here."), NULL);
    }
    else
      http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
    return;
  }
  if (r->too_large || r->body.overflow) {
    http_error(r, 413, "too_large", _("The request body is too large."), NULL);
    return;
  }
  db *d = db_thread();
  if (!d) {
    http_error(r, 503, "unavailable", _("The database is not available."), NULL);
    return;
  }
  if (auth_resolve(r) < 0) {
    http_error(r, 503, "unavailable", _("The database is not available."), NULL);
    return;
  }
  const struct route *rt = r->route;
  if (rt->perm) {
    if (!r->user) {
      if ((rt->flags & ROUTE_HTML) && !is_write(r->method)) {
        html h;
        html_init(&h);
        H(&h, "/login?next=");
        h_url(&h, r->path);
        http_redirect(r, buf_cstr(&h.b));
        html_free(&h);
      } else {
        http_error(r, 401, "unauthenticated", _("Please sign in."), NULL);
      }
      return;
    }
    if (!str_eq(rt->perm, PERM_LOGIN) && !rbac_has(r->user->id, rt->perm)) {
      http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
      return;
    }
  }
  if (is_write(r->method)) {
    /* A browser names the page that sent a request; refuse writes sent
     * from another site's page (login CSRF included). */
    const char *origin = req_header(r, "Origin"), *host = req_header(r, "Host");
    if (origin && strcmp(origin, "null") != 0) {
      const char *o = strstr(origin, "://");
      if (!host || !o || strcmp(o + 3, host) != 0) {
        http_error(r, 403, "origin", _("The request came from another site and was refused."), NULL);
        return;
      }
    }
    const char *ctype = req_header(r, "Content-Type");
    bool multipart = ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0;
    /* An upload route (ROUTE_RAW) also takes its file as a multipart form. */
    if ((rt->flags & ROUTE_FORM) || ((rt->flags & ROUTE_RAW) && multipart)) {
      if (multipart ? parse_multipart(r) : parse_form(r)) {
        http_error(r, 400, "malformed_form", _("The form data is malformed."), NULL);
        return;
      }
    }
    if (!(rt->flags & ROUTE_NO_CSRF) && r->user && !r->user->via_token) {
      const char *tok = (rt->flags & ROUTE_FORM) ? req_form(r, "_csrf") : req_header(r, "X-CSRF-Token");
      if (!str_ct_eq(tok, r->user->csrf)) {
        http_error(r, 403, "csrf", _("The security token of the form is missing or expired; reload the page and try again."), NULL);
        return;
      }
    }
  }
  int rc = rt->fn(r);
  db_release_leaked(d, rt->path);
  if (rc != 0 || r->status == 0) {
    log_error("handler failed", "method=%s path=\"%s\" rc=%d", r->method, rt->path, rc);
    http_error(r, 500, "internal", _("An unexpected error occurred; it has been logged."), NULL);
  }
}

static const char *client_ip(arena *a, struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  char tmp[INET6_ADDRSTRLEN] = "?";
  if (ci && ci->client_addr) {
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
      inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, tmp, sizeof tmp);
    else if (sa->sa_family == AF_INET6)
      inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, tmp, sizeof tmp);
  }
  /* Behind a trusted reverse proxy, the client is the last address the
   * proxy appended to X-Forwarded-For. */
  char needle[INET6_ADDRSTRLEN + 2];
  snprintf(needle, sizeof needle, " %s ", tmp);
  const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
  if (xff && strstr(trusted_proxies, needle)) {
    const char *last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ')
      last++;
    unsigned char bin[16];
    char cand[INET6_ADDRSTRLEN] = "";
    snprintf(cand, sizeof cand, "%s", last);
    cand[strcspn(cand, " ")] = 0;
    if (inet_pton(AF_INET, cand, bin) == 1 || inet_pton(AF_INET6, cand, bin) == 1)
      return arena_strdup(a, cand);
  }
  return arena_strdup(a, tmp);
}

static enum MHD_Result send_response(struct MHD_Connection *c, request *r)
{
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(r->out.len, r->out.data ? r->out.data : (void *)"", MHD_RESPMEM_MUST_COPY);
  if (!resp)
    return MHD_NO;
  if (r->content_type)
    MHD_add_response_header(resp, "Content-Type", r->content_type);
  MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(resp, "X-Frame-Options", "DENY");
  MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
  MHD_add_response_header(resp, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                          "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
  bool cache_set = false;
  for (int i = 0; i < r->nheaders; i++) {
    MHD_add_response_header(resp, r->headers[i].k, r->headers[i].v);
    if (strcasecmp(r->headers[i].k, "Cache-Control") == 0)
      cache_set = true;
  }
  if (!cache_set)
    MHD_add_response_header(resp, "Cache-Control", "no-store");
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
  (void)cls;
  (void)version;
  request *r = *con_cls;
  if (!r) {
    arena *a = arena_new();
    r = arena_alloc(a, sizeof *r);
    memset(r, 0, sizeof *r);
    r->a = a;
    r->conn = c;
    r->method = arena_strdup(a, method);
    r->path = arena_strdup(a, url);
    r->ip = client_ip(a, c);
    /* Routed once, here: uploads (ROUTE_RAW) get their own, larger limit. */
    r->route = http_find_route(a, r->method, r->path, r->params, &r->nparams, &r->method_mismatch);
    size_t max = r->route && (r->route->flags & ROUTE_RAW) ? upload_max : body_max;
    buf_init(&r->body, max);
    buf_init(&r->out, 0);
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    int64_t n;
    if (cl && parse_i64(cl, &n) == 0 && (uint64_t)n > max)
      r->too_large = true;
    *con_cls = r;
    /* Answer an announced oversized body at once instead of reading it. */
    if (r->too_large) {
      dispatch(r);
      return send_response(c, r);
    }
    return MHD_YES;
  }
  if (r->status) {
    /* Already answered (oversized body): discard what still arrives. */
    *upload_size = 0;
    return MHD_YES;
  }
  if (*upload_size) {
    if (!r->too_large)
      buf_append(&r->body, upload, *upload_size);
    if (r->body.overflow)
      r->too_large = true;
    *upload_size = 0;
    return MHD_YES;
  }
  int64_t t0 = now_ms();
  dispatch(r);
  enum MHD_Result ret = send_response(c, r);
  log_debug("request", "method=%s path=\"%s\" status=%d ms=%lld", r->method, r->path, r->status,
            (long long)(now_ms() - t0));
  return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
  (void)cls;
  (void)c;
  (void)toe;
  request *r = *con_cls;
  if (!r)
    return;
  buf_free(&r->body);
  buf_free(&r->out);
  arena_free(r->a);
  *con_cls = NULL;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
  char host[256];
  const char *colon = strrchr(listen, ':');
  if (!colon || (size_t)(colon - listen) >= sizeof host)
    return -1;
  memcpy(host, listen, (size_t)(colon - listen));
  host[colon - listen] = 0;
  int64_t port;
  if (parse_i64(colon + 1, &port) || port < 0 || port > 65535)
    return -1;
  memset(ss, 0, sizeof *ss);
  char *h = host;
  if (h[0] == '[') {
    size_t l = strlen(h);
    if (l < 2 || h[l - 1] != ']')
      return -1;
    h[l - 1] = 0;
    h++;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, h, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    return 0;
  }
  if (inet_pton(AF_INET6, h, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    return 0;
  }
  return -1;
}

int http_start(const struct http_opts *o, http_server **out)
{
  struct sockaddr_storage ss;
  *out = NULL;
  if (parse_listen(o->listen, &ss)) {
    log_error("invalid listen address", "listen=\"%s\"", o->listen);
    return -1;
  }
  body_max = o->body_max;
  if (o->upload_max)
    upload_max = o->upload_max;
  use_tls = o->tls;
  snprintf(trusted_proxies, sizeof trusted_proxies, " %s ", o->trusted_proxies ? o->trusted_proxies : "");
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
  if (ss.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  int threads = o->threads > 0 ? o->threads : 2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1)
    threads = 2;
  struct MHD_Daemon *d = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
      MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
      MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_END);
  if (!d) {
    log_error("cannot listen", "listen=\"%s\"", o->listen);
    return -1;
  }
  http_server *s = xcalloc(1, sizeof *s);
  s->d = d;
  *out = s;
  return 0;
}

void http_stop(http_server *s)
{
  if (!s)
    return;
  MHD_stop_daemon(s->d);
  free(s);
}
