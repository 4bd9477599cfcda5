/* stock.h - the consumables stock module's public interface: items
 * (sarf malzemesi), depots (ambar), the append-only movement ledger and
 * the stock on hand derived from it. No other module needs more than the
 * module entry yet; tickets are linked from a movement by id only. */
#ifndef DEFTER_STOCK_H
#define DEFTER_STOCK_H

#include "../core/module.h"

extern const struct defter_module stock_module;

#endif
