/* shell.c - the parts of the web shell that are pages or files of their
 * own: health check, API description, static assets, language switch,
 * dashboard; and the scheduled clean-up of expired sessions. */
#include "system_int.h"
#include "assets.h"
#include "../core/auth.h"
#include "../core/i18n.h"
#include "../core/module.h"
#include "../core/page.h"
#include "../core/rbac.h"
#include "../core/schema.h"

#include <string.h>

int sys_healthz(request *r)
{
  return http_text(r, 200, "text/plain; charset=utf-8", "ok", 2);
}

int sys_openapi(request *r)
{
  const struct asset *a = asset_find("openapi.json");
  return http_text(r, 200, a->type, a->data, a->len);
}

int sys_static(request *r)
{
  const char *name = req_param(r, "name");
  const struct asset *a = (name && !str_eq(name, "openapi.json")) ? asset_find(name) : NULL;
  if (!a)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  http_header(r, "Cache-Control", "public, max-age=3600");
  return http_text(r, 200, a->type, a->data, a->len);
}

int sys_lang(request *r)
{
  const char *lang = req_param(r, "lang");
  if (!str_eq(lang, "tr") && !str_eq(lang, "en"))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  http_cookie(r, "lang", lang, 365 * 86400, false);
  return http_redirect(r, html_safe_local_path(req_query(r, "next")));
}

int sys_dashboard(request *r)
{
  db *d = db_thread();
  html h;
  html_init(&h);
  page_begin(r, &h, _("Dashboard"), "/");
  H(&h, "<p class=\"lead\">");
  h_txt(&h, _("Welcome"));
  H(&h, ", ");
  h_txt(&h, r->user->display_name);
  H(&h, ".</p><section class=\"card\"><h2>");
  h_txt(&h, _("My roles"));
  H(&h, "</h2><ul id=\"my-roles\">");
  db_stmt *st = db_q(d, "SELECT g.role, u.name FROM grants g JOIN units u ON u.id = g.unit_id WHERE g.user_id = ?"
                        " ORDER BY g.id", "i", r->user->id);
  while (db_step(st) == DB_ROW) {
    const char *role = db_col_text(st, 0);
    H(&h, "<li>");
    for (size_t i = 0; i < rbac_nroles; i++)
      if (str_eq(rbac_roles[i].key, role))
        h_txt(&h, _(rbac_roles[i].name));
    H(&h, " — ");
    h_txt(&h, db_col_text(st, 1));
    H(&h, "</li>");
  }
  db_done(st);
  H(&h, "</ul></section><div class=\"stats\">");
  for (size_t m = 0; m < defter_nmodules; m++)
    if (defter_modules[m]->dashboard)
      defter_modules[m]->dashboard(r, &h);
  int64_t n = 0;
  if (rbac_has(r->user->id, "user.read"))
    page_stat_card(&h, _("Users"), sys_visible_user_count(r->user->id), "/users");
  if (rbac_has(r->user->id, "audit.read") && db_int(d, &n, "SELECT COUNT(*) FROM audit_log", "") == DB_ROW)
    page_stat_card(&h, _("Audit entries"), n, "/audit");
  H(&h, "</div>");
  page_end(r, &h);
  return http_html(r, 200, &h);
}

int sys_job_cleanup(db *d)
{
  return auth_cleanup(d);
}
