/* assets.c - static files compiled into the binary, so a running defter
 * needs no web directory and no CDN. Paths come from the build. */
#include "assets.h"

#include <string.h>

#define INCBIN(name, file)                                                                                   \
  __asm__(".section .rodata\n.balign 16\n.global " #name "_start\n.hidden " #name "_start\n" #name          \
          "_start:\n.incbin \"" file "\"\n.global " #name "_end\n.hidden " #name "_end\n" #name              \
          "_end:\n.byte 0\n.previous\n");                                                                    \
  extern const char name##_start[], name##_end[]

INCBIN(asset_css, DEFTER_WEB_DIR "/app.css");
INCBIN(asset_js, DEFTER_WEB_DIR "/app.js");
INCBIN(asset_icon, DEFTER_WEB_DIR "/favicon.svg");
INCBIN(asset_openapi, DEFTER_OPENAPI_JSON);

const struct asset *asset_find(const char *name)
{
  static struct asset table[4];
  static const char *names[] = {"app.css", "app.js", "favicon.svg", "openapi.json"};
  static const char *types[] = {"text/css; charset=utf-8", "text/javascript; charset=utf-8", "image/svg+xml",
                                "application/json; charset=utf-8"};
  const char *starts[] = {asset_css_start, asset_js_start, asset_icon_start, asset_openapi_start};
  const char *ends[] = {asset_css_end, asset_js_end, asset_icon_end, asset_openapi_end};
  for (size_t i = 0; i < 4; i++) {
    if (strcmp(names[i], name) == 0) {
      table[i].name = names[i];
      table[i].type = types[i];
      table[i].data = starts[i];
      table[i].len = (size_t)(ends[i] - starts[i]);
      return &table[i];
    }
  }
  return NULL;
}
