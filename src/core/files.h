/* files.h - the content-addressed file store under DATA/files (ticket and
 * task attachments, mail attachments): a file is kept once as
 * files/ab/cdef… (its SHA-256), written to a temporary name and renamed
 * into place, so a crash never leaves half a file under a real name.
 * Also what an upload really is (judged by its bytes), safe file names
 * and the download disposition. */
#ifndef DEFTER_FILES_H
#define DEFTER_FILES_H

#include "db.h"

/* The data directory: the folder of the main database file. 0 ok, -1 when
 * unknown or out does not fit it (never cut). */
int files_data_dir(db *d, char *out, size_t n) WUR;

/* Stores data under DIR/files unless it is there already; sha_out (65
 * bytes) receives its SHA-256. 0 ok, -1 on an I/O error. */
int files_put(const char *dir, const void *data, size_t n, char sha_out[65]) WUR;

/* Reads the stored file sha of the expected size into a fresh heap buffer
 * (caller frees) and checks its hash. 0 ok, -1 when missing or damaged. */
int files_get(const char *dir, const char *sha, int64_t size, unsigned char **out) WUR;

/* The last path component of an uploaded name, trimmed; NULL when it is
 * unusable (empty, "."/"..", over 200 bytes, invalid UTF-8, controls). */
const char *files_clean_name(arena *a, const char *name);

/* Content-Disposition: attachment with an ASCII fallback and the UTF-8
 * name (RFC 6266 / RFC 8187). */
const char *files_disposition(arena *a, const char *name);

/* The content type recognised from the leading bytes (pdf, png, jpeg,
 * odt/docx/xlsx, UTF-8 text), or NULL when the type is not accepted. */
const char *files_sniff_type(const unsigned char *p, size_t n);
bool utf8_valid(const char *s, size_t n);

/* Renders a document that a library can only write to a file (XLSX):
 * makes a private temporary file under $TMPDIR (or /tmp), lets write()
 * fill it, reads it into out and removes it. 0 ok, -1 on any failure. */
int files_render_tmp(int (*write)(const char *path, void *u), void *u, buf *out) WUR;

#endif
