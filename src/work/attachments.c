/* attachments.c - files attached to a task. Content-addressed: a file is
 * stored once as DATA/files/ab/cdef… (its SHA-256), written to a temporary
 * name and renamed into place, so a crash never leaves half a file under a
 * real name. Size is bounded by work.attachment_max (and, before that, by
 * server.body_max); the type is judged by the bytes (core/files: files_sniff_type).
 *
 * Upload: either a JSON body {"name", "content_base64"} or the raw file as
 * the body with ?name=. Download sends the recognised type and an
 * attachment disposition, so a browser never renders it in place. */
#include "work_int.h"
#include "../core/audit.h"
#include "../core/config.h"
#include "../core/files.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { ATTACH_SHOWN = 500 };
#define ATTACHMENT_MAX_DEFAULT (10 * 1024 * 1024)

static int64_t attachment_max = ATTACHMENT_MAX_DEFAULT;

/* [work] attachment_max, read when the data directory is opened. */
void work_configure(const config *c)
{
  attachment_max = config_int(c, "work.attachment_max", ATTACHMENT_MAX_DEFAULT);
  if (attachment_max <= 0)
    attachment_max = ATTACHMENT_MAX_DEFAULT;
}

static json_t *attachment_json(db_stmt *st, int64_t task_id)
{
  char ts[32];
  fmt_iso8601(db_col_int(st, 6), ts);
  json_t *o = json_pack("{sIsssIssssss}", "id", (json_int_t)db_col_int(st, 0), "name", db_col_text(st, 1), "size",
                        (json_int_t)db_col_int(st, 2), "type", db_col_text(st, 3), "sha256", db_col_text(st, 4),
                        "uploaded_by", db_col_text(st, 5) ? db_col_text(st, 5) : "");
  json_object_set_new(o, "created_at", json_string(ts));
  char url[96];
  snprintf(url, sizeof url, "/api/v1/tasks/%lld/attachments/%lld", (long long)task_id, (long long)db_col_int(st, 0));
  json_object_set_new(o, "url", json_string(url));
  return o;
}

#define ATTACH_SELECT                                                                                            \
  "SELECT a.id, a.name, a.size, a.mime, a.sha256, u.username, a.created_at FROM work_attachments a"             \
  " LEFT JOIN users u ON u.id = a.uploaded_by"

json_t *work_task_attachments(db *d, int64_t id)
{
  json_t *items = json_array();
  db_stmt *st = db_q(d, ATTACH_SELECT " WHERE a.task_id = ? ORDER BY a.id LIMIT ?", "ii", id, (int64_t)ATTACH_SHOWN);
  while (db_step(st) == DB_ROW)
    json_array_append_new(items, attachment_json(st, id));
  db_done(st);
  return items;
}

/* Checks, stores and records one attachment of task t. Returns 0 with
 * *aid_out set, 1 when an error response has been written, -1 on an
 * internal error. Shared by the API and the task page's upload form. */
static int attach(request *r, const struct work_task *t, const char *name, const unsigned char *data, size_t n,
                  int64_t *aid_out)
{
  db *d = db_thread();
  char dir[4096];
  if (files_data_dir(d, dir, sizeof dir)) {
    log_error("data directory unknown", "task=%lld", (long long)t->id);
    return -1;
  }
  name = files_clean_name(r->a, name);
  if (!name)
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "name", _("Give a file name of at most 200 bytes."))),
           1;
  if (n == 0)
    return http_error(r, 400, "validation", _("Some fields are invalid."),
                      json_pack("{ss}", "content", _("The file is empty."))),
           1;
  if ((int64_t)n > attachment_max)
    return http_error(r, 413, "too_large", _("The file is larger than attachments may be."), NULL), 1;
  const char *mime = files_sniff_type(data, n);
  if (!mime)
    return http_error(r, 400, "unsupported_type",
                      _("This file type is not accepted; use PDF, PNG, JPEG, ODT, DOCX, XLSX or plain text."), NULL),
           1;
  char sha[65];
  if (files_put(dir, data, n, sha)) {
    log_error("attachment not stored", "task=%lld errno=%d", (long long)t->id, errno);
    return -1;
  }
  struct actor who = audit_actor(r);
  int64_t aid = 0;
  int rc = db_begin(d);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO work_attachments (task_id, name, sha256, size, mime, uploaded_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                "ittitii", t->id, name, sha, (int64_t)n, mime, r->user->id, now_unix());
  if (!rc) {
    aid = db_last_id(d);
    rc = db_run(d, "UPDATE work_tasks SET updated_at = ? WHERE id = ?", "ii", now_unix(), t->id);
  }
  if (!rc)
    rc = work_event(d, t->id, r->user->id, r->user->username, "attachment", NULL, NULL, 0, 0, 0, 0, name);
  if (!rc) {
    char idtxt[32];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)t->id);
    json_t *after = json_pack("{sIsssssI}", "attachment", (json_int_t)aid, "name", name, "sha256", sha, "size",
                              (json_int_t)n);
    rc = audit_write(d, &who, "attach", "task", idtxt, t->unit_id, NULL, after);
    json_decref(after);
  }
  if (rc || db_commit(d)) {
    db_rollback(d);
    return -1;
  }
  *aid_out = aid;
  return 0;
}

int work_api_attachment_add(request *r)
{
  struct work_task t;
  int rc = work_task_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!work_can_contribute(r, &t))
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  const char *name = NULL;
  const unsigned char *data = NULL;
  size_t n = 0;
  if (req_upload(r, &name, &data, &n))
    return 0;
  int64_t aid = 0;
  rc = attach(r, &t, name, data, n, &aid);
  if (rc)
    return rc < 0 ? -1 : 0;
  db *d = db_thread();
  db_stmt *st = db_q(d, ATTACH_SELECT " WHERE a.id = ?", "i", aid);
  json_t *o = db_step(st) == DB_ROW ? attachment_json(st, t.id) : NULL;
  db_done(st);
  return o ? http_json(r, 201, o) : -1;
}

int work_page_attachment_add(request *r)
{
  struct work_task t;
  int rc = work_task_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  if (!work_can_contribute(r, &t))
    return http_error(r, 403, "forbidden", _("You do not have permission for this."), NULL);
  const struct upload *u = req_file(r, "file");
  if (!u)
    return http_error(r, 400, "validation", _("Choose a file to attach."), NULL);
  int64_t aid = 0;
  rc = attach(r, &t, u->filename, (const unsigned char *)u->data, u->len, &aid);
  if (rc)
    return rc < 0 ? -1 : 0;
  return http_redirect(r, arena_printf(r->a, "/tasks/%lld#attachments", (long long)t.id));
}

int work_api_attachment_get(request *r)
{
  struct work_task t;
  int rc = work_task_from_route(r, &t);
  if (rc)
    return rc < 0 ? -1 : 0;
  int64_t aid;
  if (parse_i64(req_param(r, "aid"), &aid))
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  db *d = db_thread();
  const char *name = NULL, *sha = NULL, *mime = NULL;
  int64_t size = 0;
  db_stmt *st = db_q(d, "SELECT name, sha256, mime, size FROM work_attachments WHERE id = ? AND task_id = ?", "ii",
                     aid, t.id);
  if (db_step(st) == DB_ROW) {
    name = arena_strdup(r->a, db_col_text(st, 0));
    sha = arena_strdup(r->a, db_col_text(st, 1));
    mime = arena_strdup(r->a, db_col_text(st, 2));
    size = db_col_int(st, 3);
  }
  db_done(st);
  if (!name || !sha || strlen(sha) != 64)
    return http_error(r, 404, "not_found", _("The page or resource was not found."), NULL);
  char dir[4096];
  if (files_data_dir(d, dir, sizeof dir))
    return -1;
  unsigned char *data = NULL;
  int ret;
  if (files_get(dir, sha, size, &data)) {
    log_error("attachment file missing or damaged", "attachment=%lld sha256=%s", (long long)aid, sha);
    ret = http_error(r, 404, "not_found", _("The file of this attachment is missing from the store."), NULL);
  } else {
    http_header(r, "Content-Disposition", files_disposition(r->a, name));
    ret = http_text(r, 200, mime, (const char *)data, (size_t)size);
  }
  free(data);
  return ret;
}
