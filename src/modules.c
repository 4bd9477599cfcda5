/* modules.c - THE table of modules: the whole system on one screen.
 * Order matters only for migrations (a module after those it references). */
#include "core/module.h"
#include "system/system.h"
#include "org/org.h"
#include "work/work.h"
#include "desk/desk.h"
#include "access/access.h"
#include "assets/assets.h"
#include "stock/stock.h"
#include "netlog/netlog.h"
#include "vault/vault.h"
#include "esign/esign.h"
#include "handover/handover.h"

const struct defter_module *const defter_modules[] = {
    &system_module,
    &org_module,
    &work_module,
    &desk_module,
    &access_module,
    &assets_module,
    &stock_module,
    &netlog_module,
    &vault_module,
    &esign_module,
    &handover_module,
};
const size_t defter_nmodules = sizeof defter_modules / sizeof defter_modules[0];
