/* http.h - the libmicrohttpd adapter: one declarative route table per
 * module, a request arena, bounded bodies, permission checks before the
 * handler runs, and writers for JSON, HTML and redirects. */
#ifndef DEFTER_HTTP_H
#define DEFTER_HTTP_H

#include <jansson.h>
#include "util.h"
#include "html.h"

typedef struct request request;
typedef int (*route_fn)(request *r);

/* Route flags. */
enum {
  ROUTE_HTML = 1 << 0,     /* a page: errors render as HTML, 401 redirects to /login */
  ROUTE_FORM = 1 << 1,     /* accepts application/x-www-form-urlencoded; CSRF from _csrf */
  ROUTE_NO_CSRF = 1 << 2,  /* state change allowed without CSRF (login itself) */
  ROUTE_RAW = 1 << 3,      /* body handed over as is (uploads, agent protocols); server.upload_max applies */
};

/* perm: NULL = public; PERM_LOGIN = any signed-in user; otherwise a
 * permission key that the user must hold on some unit (handlers check the
 * unit of the record itself with rbac_can). */
#define PERM_LOGIN "login"

struct route {
  const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
  const char *path;    /* "/api/v1/users/{id}" */
  const char *perm;
  route_fn fn;
  unsigned flags;
  const char *summary;
};

struct user_ctx {
  int64_t id;
  const char *username;
  const char *display_name;
  int64_t unit_id;
  bool via_token;
  const char *session_hash;  /* NULL for tokens */
  const char *csrf;          /* the session's CSRF token */
};

enum { MAX_PARAMS = 8, MAX_RESP_HEADERS = 12, MAX_FORM_FIELDS = 64 };

struct kv {
  const char *k;
  const char *v;
};

enum { MAX_UPLOADS = 4 };

/* A file sent in a multipart/form-data form (ROUTE_FORM routes). */
struct upload {
  const char *field;
  const char *filename;
  const char *data;  /* arena memory, len bytes (not NUL-terminated text) */
  size_t len;
};

struct request {
  arena *a;
  void *conn;  /* struct MHD_Connection */
  const char *method;
  const char *path;
  const char *ip;
  const char *lang;  /* "tr" or "en" */
  const struct route *route;  /* NULL: no route (404, or 405 when method_mismatch) */
  bool method_mismatch;
  struct kv params[MAX_PARAMS];
  int nparams;
  buf body;
  bool too_large;
  /* Set by a page's form adapter: req_json validates this object instead
   * of reading the body (borrowed). */
  json_t *body_json;
  struct user_ctx *user;  /* NULL when anonymous */
  /* form fields (ROUTE_FORM), decoded */
  struct kv form[MAX_FORM_FIELDS];
  int nform;
  struct upload files[MAX_UPLOADS];
  int nfiles;
  /* response */
  int status;
  const char *content_type;
  buf out;
  struct kv headers[MAX_RESP_HEADERS];
  int nheaders;
};

/* Matching, exposed for tests and fuzzing: matches path against pattern,
 * filling params (values allocated from a). Returns true on a match. */
bool http_match(arena *a, const char *pattern, const char *path, struct kv *params, int *nparams);
/* Finds the route for method+path among all modules' routes. Returns the
 * route, or NULL with *method_mismatch set when the path exists under
 * another method (405). */
const struct route *http_find_route(arena *a, const char *method, const char *path, struct kv *params,
                                    int *nparams, bool *method_mismatch);

/* Request accessors (borrowed, valid during the request). */
const char *req_param(request *r, const char *name);
const char *req_query(request *r, const char *name);
const char *req_header(request *r, const char *name);
const char *req_cookie(request *r, const char *name);
const char *req_form(request *r, const char *name);
/* The file of a multipart form field, or NULL. */
const struct upload *req_file(request *r, const char *field);
/* Decodes the JSON body against fields; on failure writes the 400
 * response itself and returns NULL. The caller owns the result. */
struct jfield;
json_t *req_json(request *r, const struct jfield *fields, size_t n);
/* A file sent to an API route (ROUTE_RAW): either a JSON body
 * {"name", "content_base64"} or the raw bytes with ?name=. On success
 * returns 0 with *name, *data and *len set (valid for the request; *data
 * is arena memory when decoded); otherwise writes the 400/415 reply and
 * returns 1. */
int req_upload(request *r, const char **name, const unsigned char **data, size_t *len) WUR;
/* ?limit= (1..max, default def) and ?cursor= (opaque id, 0 when absent);
 * writes 400 and returns -1 when malformed. */
int req_paging(request *r, int64_t def, int64_t max, int64_t *limit, int64_t *cursor) WUR;
bool req_wants_html(request *r);

/* Responses. Each returns 0 so a handler can `return http_json(...)`. */
int http_json(request *r, int status, json_t *steal_body);
int http_error(request *r, int status, const char *code, const char *message, json_t *steal_fields);
/* The common replies: 404 not_found, 403 forbidden, 400 validation with
 * field -> message pairs (stolen). */
int http_not_found(request *r);
int http_forbidden(request *r);
int http_invalid(request *r, json_t *steal_fields);
/* A page of a list: 200 {"items": steal_items, "next_cursor": "<last_id>"
 * when more follows, else null}. */
int http_json_page(request *r, json_t *steal_items, bool more, int64_t last_id);
int http_html(request *r, int status, html *h);  /* takes the contents */
int http_text(request *r, int status, const char *ctype, const char *body, size_t len);
int http_redirect(request *r, const char *location);
void http_header(request *r, const char *name, const char *value);
/* Set-Cookie with HttpOnly, SameSite=Strict, Path=/ and Secure under TLS;
 * max_age < 0 deletes the cookie, 0 makes a session cookie. */
void http_cookie(request *r, const char *name, const char *value, int64_t max_age, bool http_only);

/* The error pages for HTML routes (403/404/...) are rendered by a hook
 * that the shell module installs. */
typedef void (*http_error_page_fn)(request *r, int status, const char *message);
void http_set_error_page(http_error_page_fn fn);

struct http_opts {
  const char *listen;  /* host:port */
  int threads;
  size_t body_max;
  size_t upload_max;  /* for ROUTE_RAW routes (file uploads) */
  bool tls;
  const char *trusted_proxies;  /* space-separated peer addresses */
};
typedef struct http_server http_server;
int http_start(const struct http_opts *o, http_server **out) WUR;
void http_stop(http_server *s);
size_t http_body_max(void);

#endif
