/* capability.h - the fixed vocabulary of capabilities a regulation duty
 * can be served by (docs/capabilities.md is checked against it). A
 * capability is implemented when a registered module lists it. */
#ifndef DEFTER_CAPABILITY_H
#define DEFTER_CAPABILITY_H

#include <stdbool.h>
#include <stddef.h>

struct capability_def {
  const char *key;
  const char *module;   /* the module that owns it */
  const char *meaning;  /* Turkish, one line */
};

extern const struct capability_def capabilities[];
extern const size_t ncapabilities;

const struct capability_def *capability_find(const char *key);
bool capability_implemented(const char *key);

#endif
