#include "access_int.h"
int access_page_home(request *r) { return access_not_found(r); }
int access_page_systems(request *r) { return access_not_found(r); }
int access_form_system(request *r) { return access_not_found(r); }
int access_form_role(request *r) { return access_not_found(r); }
int access_page_request_new(request *r) { return access_not_found(r); }
int access_form_request_new(request *r) { return access_not_found(r); }
int access_page_request(request *r) { return access_not_found(r); }
int access_form_request_action(request *r) { return access_not_found(r); }
int access_page_person(request *r) { return access_not_found(r); }
int access_form_grant_revoke(request *r) { return access_not_found(r); }
int access_page_reviews(request *r) { return access_not_found(r); }
int access_form_review_new(request *r) { return access_not_found(r); }
int access_page_review(request *r) { return access_not_found(r); }
int access_form_review_decide(request *r) { return access_not_found(r); }
int access_form_review_close(request *r) { return access_not_found(r); }
