#include "desk_int.h"
void desk_notify(db *d, int64_t id, const char *kind, const char *text) { (void)d; (void)id; (void)kind; (void)text; }
void desk_notify_unit(db *d, int64_t id, int64_t unit_id, const char *kind, const char *text) { (void)d; (void)id; (void)unit_id; (void)kind; (void)text; }
int desk_job_mailin(db *d) { (void)d; return 0; }
