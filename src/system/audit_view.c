/* audit_view.c - auditors browse and filter the audit trail, newest
 * first, and check the chain from the UI or the API. */
#include "system_int.h"
#include "../core/audit.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"

#include <stdio.h>
#include <string.h>

struct audit_filter {
  const char *actor, *action, *entity, *entity_id;
  int64_t from_ms, to_ms;
};

/* Reads the filters shared by the API and the page; writes 400 and returns
 * -1 when a date is malformed. */
static int read_filter(request *r, struct audit_filter *f)
{
  memset(f, 0, sizeof *f);
  f->actor = req_query(r, "actor");
  f->action = req_query(r, "action");
  f->entity = req_query(r, "entity");
  f->entity_id = req_query(r, "entity_id");
  const char *from = req_query(r, "from"), *to = req_query(r, "to");
  int64_t t;
  if (from && *from) {
    if (parse_iso8601(from, &t))
      return http_error(r, 400, "validation", _("Dates must look like 2026-01-31."), NULL), -1;
    f->from_ms = t * 1000;
  }
  if (to && *to) {
    if (parse_iso8601(to, &t))
      return http_error(r, 400, "validation", _("Dates must look like 2026-01-31."), NULL), -1;
    /* a bare date means the whole day */
    f->to_ms = (strlen(to) == 10 ? t + 86400 : t + 1) * 1000;
  }
  return 0;
}

static const char AUDIT_QUERY[] =
    "SELECT id, ts, actor, ip, action, entity, entity_id, before_json, after_json FROM audit_log"
    " WHERE (? = 0 OR id < ?)"
    " AND (? IS NULL OR ? = '' OR actor = ?)"
    " AND (? IS NULL OR ? = '' OR action = ?)"
    " AND (? IS NULL OR ? = '' OR entity = ?)"
    " AND (? IS NULL OR ? = '' OR entity_id = ?)"
    " AND (? = 0 OR ts >= ?) AND (? = 0 OR ts < ?)"
    /* visibility follows the unit tree: a grant on the root sees all,
     * a grant lower down sees the rows of its subtree */
    " AND EXISTS (SELECT 1 FROM effective_grants g JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'audit.read'"
    "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ? AND (gu.parent_id IS NULL OR EXISTS"
    "  (SELECT 1 FROM units x WHERE x.id = audit_log.unit_id AND substr(x.path, 1, length(gu.path)) = gu.path)))"
    " ORDER BY id DESC LIMIT ?";

static db_stmt *audit_query(request *r, db *d, const struct audit_filter *f, int64_t cursor, int64_t limit)
{
  return db_q(d, AUDIT_QUERY, "ii" "tttttttttttt" "iiii" "ii", cursor, cursor, f->actor, f->actor, f->actor,
              f->action, f->action, f->action, f->entity, f->entity, f->entity, f->entity_id, f->entity_id,
              f->entity_id, f->from_ms, f->from_ms, f->to_ms, f->to_ms, r->user->id, limit);
}

int sys_api_audit_list(request *r)
{
  struct audit_filter f;
  int64_t limit, cursor;
  if (req_paging(r, 50, 500, &limit, &cursor) || read_filter(r, &f))
    return 0;
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = audit_query(r, d, &f, cursor, limit + 1);
  int rc, n = 0;
  int64_t last = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit)
      break;
    json_t *it = json_object();
    last = db_col_int(st, 0);
    json_object_set_new(it, "id", json_integer(last));
    char ts[32];
    fmt_iso8601(db_col_int(st, 1) / 1000, ts);
    json_object_set_new(it, "at", json_string(ts));
    jsonx_set_str(it, "actor", db_col_text(st, 2));
    jsonx_set_str(it, "ip", db_col_text(st, 3));
    jsonx_set_str(it, "action", db_col_text(st, 4));
    jsonx_set_str(it, "entity", db_col_text(st, 5));
    jsonx_set_str(it, "entity_id", db_col_text(st, 6));
    for (int c = 7; c <= 8; c++) {
      const char *j = db_col_text(st, c);
      json_t *v = j ? json_loads(j, 0, NULL) : NULL;
      json_object_set_new(it, c == 7 ? "before" : "after", v ? v : json_null());
    }
    json_array_append_new(items, it);
    n++;
  }
  bool more = rc == DB_ROW;
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  return http_json_page(r, items, more, last);
}

int sys_api_audit_verify(request *r)
{
  int64_t bad = 0, rows = 0;
  char why[256] = "";
  int rc = audit_verify(db_thread(), &bad, &rows, why, sizeof why);
  json_t *out = json_object();
  json_object_set_new(out, "ok", json_boolean(rc == 0));
  json_object_set_new(out, "rows", json_integer(rows));
  if (rc) {
    json_object_set_new(out, "first_bad_row", json_integer(bad));
    json_object_set_new(out, "reason", json_string(why));
  }
  return http_json(r, 200, out);
}

static void filter_input(html *h, const char *name, const char *label, const char *value, const char *type)
{
  H(h, "<div><label for=\"a-");
  h_attr(h, name);
  H(h, "\">");
  h_txt(h, label);
  H(h, "</label><input id=\"a-");
  h_attr(h, name);
  H(h, "\" name=\"");
  h_attr(h, name);
  H(h, "\" type=\"");
  h_attr(h, type);
  H(h, "\" value=\"");
  h_attr(h, value);
  H(h, "\"></div>");
}

int sys_audit_page(request *r)
{
  struct audit_filter f;
  int64_t limit, cursor;
  if (req_paging(r, 100, 500, &limit, &cursor) || read_filter(r, &f))
    return 0;
  db *d = db_thread();
  html h;
  html_init(&h);
  page_begin(r, &h, _("Audit trail"), "/audit");
  int64_t bad = 0, rows = 0;
  char why[256] = "";
  int vrc = audit_verify(d, &bad, &rows, why, sizeof why);
  H(&h, "<p role=\"status\" id=\"chain-status\" class=\"");
  if (vrc == 0) {
    H(&h, "notice\">");
    h_txt(&h, _("The chain is intact."));
    H(&h, " (");
    h_int(&h, rows);
    H(&h, ")");
  } else {
    H(&h, "alert\">");
    h_txt(&h, _("The chain is broken at row"));
    H(&h, " ");
    h_int(&h, bad);
    H(&h, ": ");
    h_txt(&h, why);
  }
  H(&h, "</p><form method=\"get\" action=\"/audit\" class=\"filters\">");
  filter_input(&h, "actor", _("User"), f.actor, "text");
  filter_input(&h, "action", _("Action"), f.action, "text");
  filter_input(&h, "entity", _("Record type"), f.entity, "text");
  filter_input(&h, "entity_id", _("Record id"), f.entity_id, "text");
  filter_input(&h, "from", _("From"), req_query(r, "from"), "date");
  filter_input(&h, "to", _("To"), req_query(r, "to"), "date");
  H(&h, "<button type=\"submit\">");
  h_txt(&h, _("Filter"));
  H(&h, "</button></form><table class=\"list audit\"><thead><tr><th scope=\"col\">#</th><th scope=\"col\">");
  h_txt(&h, _("Time"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("User"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Action"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Record"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Change"));
  H(&h, "</th></tr></thead><tbody>");
  db_stmt *st = audit_query(r, d, &f, cursor, limit + 1);
  int n = 0, rc;
  int64_t last = 0;
  while ((rc = db_step(st)) == DB_ROW) {
    if (n == limit)
      break;
    last = db_col_int(st, 0);
    H(&h, "<tr><td>");
    h_int(&h, last);
    H(&h, "</td><td>");
    h_txt(&h, page_time(r, db_col_int(st, 1) / 1000));
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 2));
    H(&h, "<br><small class=\"muted\">");
    h_txt(&h, db_col_text(st, 3));
    H(&h, "</small></td><td>");
    h_txt(&h, db_col_text(st, 4));
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 5));
    H(&h, " ");
    h_txt(&h, db_col_text(st, 6));
    H(&h, "</td><td><code>");
    if (db_col_text(st, 7)) {
      h_txt(&h, db_col_text(st, 7));
      H(&h, " → ");
    }
    h_txt(&h, db_col_text(st, 8));
    H(&h, "</code></td></tr>");
    n++;
  }
  bool more = rc == DB_ROW;
  db_done(st);
  H(&h, "</tbody></table>");
  if (more) {
    H(&h, "<p><a class=\"button\" href=\"/audit?cursor=");
    h_int(&h, last);
    static const char *const keep[] = {"actor", "action", "entity", "entity_id", "from", "to"};
    for (size_t i = 0; i < ARRAY_LEN(keep); i++) {
      const char *v = req_query(r, keep[i]);
      if (v && *v) {
        H(&h, "&amp;");
        h_url(&h, keep[i]);
        H(&h, "=");
        h_url(&h, v);
      }
    }
    H(&h, "\">");
    h_txt(&h, _("Older entries"));
    H(&h, "</a></p>");
  }
  page_end(r, &h);
  return http_html(r, 200, &h);
}
