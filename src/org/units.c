/* units.c - the unit tree and the regulation's duties, as JSON and as a
 * page. Small tables (a department has tens of units, hundreds of
 * duties), so these lists are complete, not paged. */
#include "org.h"
#include "org_int.h"
#include "../core/capability.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/page.h"
#include "../core/schema.h"

int org_api_units(request *r)
{
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT u.id, u.code, u.name, u.kind, p.code, u.active FROM units u"
                     " LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.path",
                     "");
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    json_t *it = json_object();
    json_object_set_new(it, "id", json_integer(db_col_int(st, 0)));
    jsonx_set_str(it, "code", db_col_text(st, 1));
    jsonx_set_str(it, "name", db_col_text(st, 2));
    jsonx_set_str(it, "kind", db_col_text(st, 3));
    jsonx_set_str(it, "parent", db_col_text(st, 4));
    json_object_set_new(it, "active", json_boolean(db_col_int(st, 5)));
    json_array_append_new(items, it);
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  json_t *out = json_object();
  json_object_set_new(out, "items", items);
  return http_json(r, 200, out);
}

static json_t *duty_caps(db *d, int64_t duty_id)
{
  json_t *caps = json_array();
  db_stmt *st = db_q(d, "SELECT capability FROM org_duty_caps WHERE duty_id = ? ORDER BY capability", "i", duty_id);
  while (db_step(st) == DB_ROW) {
    const char *k = db_col_text(st, 0);
    json_array_append_new(caps, json_pack("{sssb}", "key", k, "implemented", capability_implemented(k)));
  }
  db_done(st);
  return caps;
}

int org_api_duties(request *r)
{
  db *d = db_thread();
  json_t *items = json_array();
  db_stmt *st = db_q(d,
                     "SELECT dt.id, dt.ref, u.code, p.code, dt.text, dt.repealed FROM org_duties dt"
                     " JOIN units u ON u.id = dt.unit_id LEFT JOIN org_positions p ON p.id = dt.position_id"
                     " ORDER BY dt.sort",
                     "");
  int rc;
  while ((rc = db_step(st)) == DB_ROW) {
    json_t *it = json_object();
    int64_t id = db_col_int(st, 0);
    jsonx_set_str(it, "ref", db_col_text(st, 1));
    jsonx_set_str(it, "unit", db_col_text(st, 2));
    jsonx_set_str(it, "position", db_col_text(st, 3));
    jsonx_set_str(it, "text", db_col_text(st, 4));
    json_object_set_new(it, "repealed", json_boolean(db_col_int(st, 5)));
    json_object_set_new(it, "capabilities", duty_caps(d, id));
    json_array_append_new(items, it);
  }
  db_done(st);
  if (rc < 0) {
    json_decref(items);
    return -1;
  }
  json_t *out = json_object();
  jsonx_set_str(out, "preset", settings_get(d, r->a, "preset"));
  json_object_set_new(out, "items", items);
  return http_json(r, 200, out);
}

/* The organisation chart: every unit as a box under its parent, with its
 * positions and how many active people hold each. */
static void org_chart(request *r, html *h)
{
  db *d = db_thread();
  H(h, "<h2>");
  h_txt(h, _("Organisation chart"));
  H(h, "</h2><ul class=\"tree\" id=\"org-chart\">");
  db_stmt *st = db_q(d,
                     "SELECT u.id, u.code, u.name, length(u.path) - length(replace(u.path, '/', '')) - 2,"
                     " (SELECT COUNT(*) FROM org_people p WHERE p.unit_id = u.id AND p.active = 1),"
                     " (SELECT COUNT(*) FROM org_people p JOIN units x ON x.id = p.unit_id"
                     "  WHERE p.active = 1 AND substr(x.path, 1, length(u.path)) = u.path)"
                     " FROM units u WHERE u.active = 1 ORDER BY u.path",
                     "");
  while (db_step(st) == DB_ROW) {
    int64_t uid = db_col_int(st, 0);
    H(h, "<li class=\"depth-");
    h_int(h, db_col_int(st, 3));
    H(h, "\"><div class=\"card\" id=\"chart-");
    h_attr(h, db_col_text(st, 1));
    H(h, "\"><strong>");
    h_txt(h, db_col_text(st, 2));
    H(h, "</strong> <span class=\"muted\">");
    h_txt(h, db_col_text(st, 1));
    H(h, " · <a href=\"/org/people?unit=");
    h_url(h, db_col_text(st, 1));
    H(h, "&amp;active=1\"><span class=\"people-count\">");
    h_int(h, db_col_int(st, 4));
    H(h, "</span> ");
    h_txt(h, _("people"));
    H(h, "</a>");
    if (db_col_int(st, 5) != db_col_int(st, 4)) {
      H(h, " (");
      h_txt(h, _("with sub-units"));
      H(h, ": ");
      h_int(h, db_col_int(st, 5));
      H(h, ")");
    }
    H(h, "</span>");
    db_stmt *ps = db_q(d,
                       "SELECT p.title, (SELECT COUNT(*) FROM org_people x WHERE x.position_id = p.id AND x.active = 1)"
                       " FROM org_positions p WHERE p.unit_id = ? ORDER BY p.id",
                       "i", uid);
    bool any = false;
    while (db_step(ps) == DB_ROW) {
      if (!any)
        H(h, "<ul>");
      any = true;
      H(h, "<li>");
      h_txt(h, db_col_text(ps, 0));
      H(h, " <span class=\"muted\">· ");
      h_int(h, db_col_int(ps, 1));
      H(h, "</span></li>");
    }
    db_done(ps);
    if (any)
      H(h, "</ul>");
    H(h, "</div></li>");
  }
  db_done(st);
  H(h, "</ul>");
}

int org_page(request *r)
{
  db *d = db_thread();
  html h;
  html_init(&h);
  page_begin(r, &h, _("Organisation"), "/org");
  const char *title = settings_get(d, r->a, "regulation_title");
  if (title) {
    H(&h, "<p class=\"lead\">");
    h_txt(&h, title);
    H(&h, "</p>");
  }
  db_stmt *st = db_q(d,
                     "SELECT u.id, u.code, u.name, u.kind, length(u.path) - length(replace(u.path, '/', '')) - 2,"
                     " (SELECT COUNT(*) FROM org_duties dt WHERE dt.unit_id = u.id)"
                     " FROM units u ORDER BY u.path",
                     "");
  H(&h, "<ul class=\"tree\" id=\"unit-tree\">");
  while (db_step(st) == DB_ROW) {
    H(&h, "<li class=\"depth-");
    h_int(&h, db_col_int(st, 4));
    H(&h, "\"><strong>");
    h_txt(&h, db_col_text(st, 2));
    H(&h, "</strong> <span class=\"muted\">");
    h_txt(&h, db_col_text(st, 1));
    H(&h, " · ");
    h_int(&h, db_col_int(st, 5));
    H(&h, " ");
    h_txt(&h, _("duties"));
    H(&h, "</span></li>");
  }
  db_done(st);
  H(&h, "</ul>");
  org_chart(r, &h);
  H(&h, "<h2>");
  h_txt(&h, _("Duties"));
  H(&h, "</h2><table class=\"list\" id=\"duties\"><thead><tr><th scope=\"col\">");
  h_txt(&h, _("Article"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Unit"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Duty"));
  H(&h, "</th><th scope=\"col\">");
  h_txt(&h, _("Capabilities"));
  H(&h, "</th></tr></thead><tbody>");
  st = db_q(d,
            "SELECT dt.ref, u.name, COALESCE(p.title, ''), dt.text, dt.repealed,"
            " (SELECT group_concat(capability, ' ') FROM org_duty_caps c WHERE c.duty_id = dt.id)"
            " FROM org_duties dt JOIN units u ON u.id = dt.unit_id"
            " LEFT JOIN org_positions p ON p.id = dt.position_id ORDER BY dt.sort",
            "");
  while (db_step(st) == DB_ROW) {
    H(&h, "<tr");
    if (db_col_int(st, 4))
      H(&h, " class=\"repealed\"");
    H(&h, "><td>");
    h_txt(&h, db_col_text(st, 0));
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 1));
    if (*db_col_text(st, 2)) {
      H(&h, "<br><small>");
      h_txt(&h, db_col_text(st, 2));
      H(&h, "</small>");
    }
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 3));
    H(&h, "</td><td>");
    h_txt(&h, db_col_text(st, 5));
    H(&h, "</td></tr>");
  }
  db_done(st);
  H(&h, "</tbody></table>");
  page_end(r, &h);
  return http_html(r, 200, &h);
}

void org_dashboard(request *r, html *h)
{
  db *d = db_thread();
  int64_t n = 0;
  if (db_int(d, &n, "SELECT COUNT(*) FROM units WHERE active = 1", "") == DB_ROW)
    page_stat_card(h, _("Units"), n, "/org");
  if (db_int(d, &n, "SELECT COUNT(*) FROM org_duties WHERE repealed = 0", "") == DB_ROW)
    page_stat_card(h, _("Duties in the regulation"), n, "/org");
  /* people the user may see (org.read reaches their unit) */
  if (r->user && db_int(d, &n,
                        "SELECT COUNT(*) FROM org_people p JOIN units u ON u.id = p.unit_id WHERE p.active = 1"
                        " AND EXISTS (SELECT 1 FROM effective_grants g"
                        "  JOIN role_perms rp ON rp.role = g.role AND rp.perm = 'org.read'"
                        "  JOIN units gu ON gu.id = g.unit_id WHERE g.user_id = ?"
                        "  AND substr(u.path, 1, length(gu.path)) = gu.path)",
                        "i", r->user->id) == DB_ROW)
    page_stat_card(h, _("People"), n, "/org/people");
}
