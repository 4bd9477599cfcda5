/* assets.h - lookup of the embedded static files. */
#ifndef DEFTER_ASSETS_H
#define DEFTER_ASSETS_H

#include <stddef.h>

struct asset {
  const char *name;
  const char *type;
  const char *data;
  size_t len;
};

const struct asset *asset_find(const char *name);

#endif
