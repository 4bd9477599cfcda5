/* module.c - the netlog module: the Law 5651 access-log archive. Its
 * collector is the separate process `defter netlog` (src/cli/netlog.c);
 * the web routes, role and capability come in a later landing. */
#include "netlog.h"

const struct defter_module netlog_module = {
    .name = "netlog",
};
