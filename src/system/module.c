/* module.c - the system module's routes, permissions, jobs and menu. */
#include "system.h"
#include "system_int.h"
#include "../core/ldap.h"
#include "../core/mail.h"

static const struct route routes[] = {
    {"GET", "/healthz", NULL, sys_healthz, 0, "Liveness check"},
    {"GET", "/api/v1/openapi.json", NULL, sys_openapi, 0, "This API's OpenAPI description"},
    {"GET", "/static/{name}", NULL, sys_static, 0, "Static assets"},
    {"GET", "/lang/{lang}", NULL, sys_lang, ROUTE_HTML, "Switch the UI language"},
    {"GET", "/", PERM_LOGIN, sys_dashboard, ROUTE_HTML, "Dashboard"},

    {"POST", "/api/v1/auth/login", NULL, sys_api_login, ROUTE_NO_CSRF, "Sign in"},
    {"POST", "/api/v1/auth/logout", PERM_LOGIN, sys_api_logout, 0, "Sign out"},
    {"GET", "/api/v1/auth/me", PERM_LOGIN, sys_api_me, 0, "The signed-in user"},
    {"POST", "/api/v1/auth/tokens", PERM_LOGIN, sys_api_token_create, 0, "Create an API token"},
    {"GET", "/api/v1/auth/tokens", PERM_LOGIN, sys_api_tokens_list, 0, "My API tokens"},
    {"DELETE", "/api/v1/auth/tokens/{id}", PERM_LOGIN, sys_api_token_revoke, 0, "Revoke an API token"},
    {"GET", "/login", NULL, sys_login_page, ROUTE_HTML, "Sign-in page"},
    {"POST", "/login", NULL, sys_login_form, ROUTE_HTML | ROUTE_FORM | ROUTE_NO_CSRF, "Sign-in form"},
    {"POST", "/logout", PERM_LOGIN, sys_logout_form, ROUTE_HTML | ROUTE_FORM, "Sign-out form"},
    {"GET", "/account", PERM_LOGIN, sys_account_page, ROUTE_HTML, "My account"},
    {"POST", "/account/password", PERM_LOGIN, sys_account_password, ROUTE_HTML | ROUTE_FORM, "Change password"},

    {"GET", "/api/v1/users", "user.read", sys_api_users_list, 0, "List users"},
    {"POST", "/api/v1/users", "user.manage", sys_api_users_create, 0, "Create a user"},
    {"GET", "/api/v1/users/{id}", "user.read", sys_api_user_get, 0, "One user"},
    {"PATCH", "/api/v1/users/{id}", "user.manage", sys_api_user_update, 0, "Change or deactivate a user"},
    {"POST", "/api/v1/users/{id}/grants", "user.manage", sys_api_user_grant, 0, "Grant a role on a unit"},
    {"POST", "/api/v1/users/{id}/grants/revoke", "user.manage", sys_api_user_revoke, 0, "Revoke a role grant"},
    {"GET", "/users", "user.read", sys_users_page, ROUTE_HTML, "Users page"},
    {"POST", "/users", "user.manage", sys_users_form, ROUTE_HTML | ROUTE_FORM, "Create a user (form)"},

    {"GET", "/api/v1/audit", "audit.read", sys_api_audit_list, 0, "Browse the audit trail"},
    {"GET", "/api/v1/audit/verify", "audit.read", sys_api_audit_verify, 0, "Verify the audit chain"},
    {"GET", "/audit", "audit.read", sys_audit_page, ROUTE_HTML, "Audit trail page"},
};

static const struct perm_def perms[] = {
    {"user.read", "admin yonetici sorumlu denetci", "See users and their roles"},
    {"user.manage", "admin", "Create users, set passwords and grant roles"},
    {"audit.read", "admin yonetici denetci", "Browse and verify the audit trail"},
};

static const struct job_def jobs[] = {
    {"auth.cleanup", 3600, sys_job_cleanup},
    {"mail.send", 30, mail_job_send},
    /* Runs every minute; does its work every [ldap] sync_minutes. */
    {"ldap.sync", 60, ldapx_job_sync},
};

static const struct nav_item nav[] = {
    {"/", "Dashboard", PERM_LOGIN},
    {"/users", "Users", "user.read"},
    {"/audit", "Audit trail", "audit.read"},
};

const struct defter_module system_module = {
    .name = "system",
    .routes = routes,
    .nroutes = ARRAY_LEN(routes),
    .perms = perms,
    .nperms = ARRAY_LEN(perms),
    .jobs = jobs,
    .njobs = ARRAY_LEN(jobs),
    .nav = nav,
    .nnav = ARRAY_LEN(nav),
};
