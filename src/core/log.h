/* log.h - structured logging to stderr as logfmt lines (ts level msg k=v). */
#ifndef DEFTER_LOG_H
#define DEFTER_LOG_H

#include "util.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_set_level(enum log_level lvl);
int log_parse_level(const char *s, enum log_level *out) WUR;
/* kv is a preformatted "key=value key2=value2" tail; values that may hold
 * spaces must be quoted by the caller through log_quote(). Never pass
 * secrets (passwords, tokens, cookies) here. */
void log_msg(enum log_level lvl, const char *msg, const char *fmt, ...) PRINTF(3, 4);

#define log_info(msg, ...) log_msg(LOG_INFO, msg, __VA_ARGS__)
#define log_warn(msg, ...) log_msg(LOG_WARN, msg, __VA_ARGS__)
#define log_error(msg, ...) log_msg(LOG_ERROR, msg, __VA_ARGS__)
#define log_debug(msg, ...) log_msg(LOG_DEBUG, msg, __VA_ARGS__)

#endif
