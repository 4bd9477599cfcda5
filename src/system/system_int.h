/* system_int.h - handlers of the system module (private). */
#ifndef DEFTER_SYSTEM_INT_H
#define DEFTER_SYSTEM_INT_H

#include "../core/http.h"
#include "../core/db.h"

int sys_healthz(request *r);
int sys_openapi(request *r);
int sys_static(request *r);
int sys_lang(request *r);
int sys_dashboard(request *r);

int sys_api_login(request *r);
int sys_api_logout(request *r);
int sys_api_me(request *r);
int sys_api_token_create(request *r);
int sys_api_tokens_list(request *r);
int sys_api_token_revoke(request *r);
int sys_login_page(request *r);
int sys_login_form(request *r);
int sys_logout_form(request *r);
int sys_account_page(request *r);
int sys_account_password(request *r);

int sys_api_users_list(request *r);
int sys_api_users_create(request *r);
int sys_api_user_get(request *r);
int sys_api_user_grant(request *r);
int sys_api_user_update(request *r);
int sys_api_user_revoke(request *r);
int sys_users_page(request *r);
int sys_users_form(request *r);

int sys_api_audit_list(request *r);
int sys_api_audit_verify(request *r);
int sys_audit_page(request *r);

int sys_job_cleanup(db *d);

/* The user's JSON shape (with grants), or NULL when not found. */
json_t *sys_user_json(db *d, int64_t id);
/* Active users within reach of the viewer's user.read grants. */
int64_t sys_visible_user_count(int64_t viewer);

#endif
