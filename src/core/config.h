/* config.h - defter.conf (INI, read with inih) plus DEFTER_<SECTION>_<KEY>
 * environment overrides. Values are looked up by "section.key". */
#ifndef DEFTER_CONFIG_H
#define DEFTER_CONFIG_H

#include "util.h"

typedef struct config config;

/* Loads path (a missing file is an empty config); errors name the line. */
int config_load(const char *path, config **out, char *err, size_t errlen) WUR;
void config_free(config *c);
/* Environment DEFTER_SERVER_LISTEN overrides server.listen, and so on. */
const char *config_get(const config *c, const char *key, const char *def);
int64_t config_int(const config *c, const char *key, int64_t def);
/* yes/no, true/false, on/off, 1/0; anything else logs a warning and
 * gives def. */
bool config_bool(const config *c, const char *key, bool def);
/* Iterates every known entry (for `defter config show`-style output). */
void config_each(const config *c, void (*fn)(const char *key, const char *val, void *u), void *u);

/* Logs a warning for every key that defter.conf(5) does not define. */
void config_warn_unknown(const config *c);

/* The text of a fresh defter.conf, with every setting and its default. */
extern const char config_default_text[];

#endif
