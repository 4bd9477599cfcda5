/* inventory.c - an agent's inventory applied to the register: the asset
 * it belongs to is found by device id, BIOS serial, serial or a physical
 * network card's MAC, or created in the review queue; its components
 * (CPU, memory, disks, network cards with MAC/IP, OS, BIOS, monitors) and
 * installed software are replaced by what the agent saw, and what changed
 * since the last inventory goes into the history. A shrinking memory or
 * disk, or another processor, raises the asset's flag ("RAM 16 → 8 GB"). */
#include "assets_int.h"
#include "../core/i18n.h"
#include "../core/jsonx.h"
#include "../core/rbac.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ITEMS = 512, MAX_SOFTWARE = 20000, FIELD_MAX = 255 };

/* A string field of a section (numbers as text), bounded, or NULL. */
static const char *field(arena *a, json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  if (json_is_integer(v))
    return arena_printf(a, "%lld", (long long)json_integer_value(v));
  if (!json_is_string(v))
    return NULL;
  const char *s = json_string_value(v);
  while (*s && isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n && isspace((unsigned char)s[n - 1]))
    n--;
  if (!n)
    return NULL;
  if (n > FIELD_MAX)
    n = FIELD_MAX;
  /* Cut at a character boundary. */
  while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
    n--;
  return arena_strndup(a, s, n);
}

static int64_t number(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  if (json_is_integer(v))
    return json_integer_value(v);
  if (json_is_string(v)) {
    int64_t x = 0;
    const char *s = json_string_value(v);
    for (; *s >= '0' && *s <= '9' && x < (int64_t)1 << 50; s++)
      x = x * 10 + (*s - '0');
    return x;
  }
  return 0;
}

static json_t *list(json_t *content, const char *key)
{
  json_t *v = json_object_get(content, key);
  return json_is_array(v) ? v : NULL;
}

/* Serials that say nothing (firmware placeholders). */
static bool useful_serial(const char *s)
{
  static const char *const junk[] = {"to be filled by o.e.m.",
                                     "default string",
                                     "system serial number",
                                     "none",
                                     "not specified",
                                     "0",
                                     "00000000",
                                     "0123456789",
                                     "n/a",
                                     NULL};
  if (!s || strlen(s) < 3)
    return false;
  for (size_t i = 0; junk[i]; i++)
    if (strcasecmp(s, junk[i]) == 0)
      return false;
  return true;
}

/* "AA:BB:..." upper case for a physical card; NULL for loopback, virtual
 * or all-zero addresses. */
static const char *physical_mac(arena *a, json_t *nic)
{
  const char *mac = field(a, nic, "macaddr");
  if (!mac)
    mac = field(a, nic, "mac");
  const char *virt = field(a, nic, "virtualdev");
  const char *type = field(a, nic, "type");
  if (!mac || strlen(mac) != 17 || (virt && str_eq(virt, "1")) || (type && str_eq(type, "loopback")))
    return NULL;
  char *m = arena_strdup(a, mac);
  bool zero = true;
  for (char *p = m; *p; p++) {
    *p = (char)toupper((unsigned char)*p);
    if (*p != '0' && *p != ':')
      zero = false;
  }
  return zero ? NULL : m;
}

/* FusionInventory and GLPI name the processor in NAME, OCS in TYPE. */
static const char *cpu_name(arena *a, json_t *cpu)
{
  const char *n = field(a, cpu, "name");
  return n ? n : field(a, cpu, "type");
}

/* What the change history compares between two inventories. */
struct summary {
  int64_t ram_mb, disk_mb;
  const char *cpu, *os, *macs;
};

static void summarise(arena *a, json_t *c, struct summary *s)
{
  memset(s, 0, sizeof *s);
  json_t *hw = json_object_get(c, "hardware");
  int64_t sum = 0;
  size_t i;
  json_t *x;
  json_array_foreach(list(c, "memories"), i, x) sum += number(x, "capacity");
  s->ram_mb = sum ? sum : number(hw, "memory");
  json_array_foreach(list(c, "storages"), i, x) s->disk_mb += number(x, "disksize");
  json_t *cpus = list(c, "cpus");
  const char *name = json_array_size(cpus) ? cpu_name(a, json_array_get(cpus, 0)) : NULL;
  if (!name)
    name = field(a, hw, "processort");
  if (name)
    s->cpu = arena_printf(a, "%s x%zu", name, json_array_size(cpus) ? json_array_size(cpus) : 1);
  json_t *os = json_object_get(c, "operatingsystem");
  s->os = field(a, os, "full_name");
  if (!s->os)
    s->os = field(a, hw, "osname");
  buf b;
  buf_init(&b, 8192);
  json_array_foreach(list(c, "networks"), i, x)
  {
    const char *m = physical_mac(a, x);
    if (m && !strstr(buf_cstr(&b), m))
      buf_printf(&b, "%s%s", b.len ? " " : "", m);
  }
  s->macs = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
}

static const char *gb(arena *a, int64_t mb)
{
  if (mb >= 1024 && mb % 1024 == 0)
    return arena_printf(a, "%lld GB", (long long)(mb / 1024));
  if (mb >= 1024)
    return arena_printf(a, "%.1f GB", (double)mb / 1024.0);
  return arena_printf(a, "%lld MB", (long long)mb);
}

/* Finds the asset: a device id that reported before (every agent on a
 * machine keeps its own), then BIOS serial / serial, then a MAC. */
static int64_t match(db *d, arena *a, const char *deviceid, const char *ssn, const char *macs)
{
  int64_t id = 0;
  if (db_int(d, &id, "SELECT asset_id FROM asset_devices WHERE device_id = ?", "t", deviceid) == DB_ROW)
    return id;
  if (db_int(d, &id, "SELECT id FROM assets WHERE device_id = ?", "t", deviceid) == DB_ROW)
    return id;
  if (useful_serial(ssn) &&
      db_int(d, &id,
             "SELECT id FROM assets WHERE (bios_serial = ? OR serial = ?) AND status <> 'hurda' ORDER BY id LIMIT 1",
             "tt", ssn, ssn) == DB_ROW)
    return id;
  if (macs && *macs) {
    char *copy = arena_strdup(a, macs);
    for (char *save = NULL, *m = strtok_r(copy, " ", &save); m; m = strtok_r(NULL, " ", &save))
      if (db_int(d, &id,
                 "SELECT c.asset_id FROM asset_components c JOIN assets x ON x.id = c.asset_id"
                 " WHERE c.kind = 'nic' AND c.mac = ? AND x.status <> 'hurda' ORDER BY c.asset_id LIMIT 1",
                 "t", m) == DB_ROW)
        return id;
  }
  return 0;
}

static int component(db *d, int64_t asset, const char *kind, const char *name, const char *detail, const char *serial,
                     const char *mac, const char *ip, int64_t size_mb)
{
  return db_run(d,
                "INSERT INTO asset_components (asset_id, kind, name, detail, serial, mac, ip, size_mb)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                "ittttttI", asset, kind, name, detail, serial, mac, ip, size_mb);
}

static int write_components(db *d, arena *a, int64_t asset, json_t *c)
{
  int rc = db_run(d, "DELETE FROM asset_components WHERE asset_id = ?", "i", asset);
  size_t i;
  json_t *x;
  json_t *bios = json_object_get(c, "bios");
  if (!rc && json_object_size(bios))
    rc = component(d, asset, "bios", field(a, bios, "bmanufacturer"),
                   arena_printf(a, "%s %s", field(a, bios, "bversion") ? field(a, bios, "bversion") : "",
                                field(a, bios, "bdate") ? field(a, bios, "bdate") : ""),
                   field(a, bios, "ssn"), NULL, NULL, 0);
  json_t *os = json_object_get(c, "operatingsystem");
  if (!rc && os)
    rc = component(d, asset, "os", field(a, os, "full_name") ? field(a, os, "full_name") : field(a, os, "name"),
                   arena_printf(a, "%s %s", field(a, os, "kernel_version") ? field(a, os, "kernel_version") : "",
                                field(a, os, "arch") ? field(a, os, "arch") : ""),
                   NULL, NULL, NULL, 0);
  size_t k = 0;
  json_array_foreach(list(c, "cpus"), i, x)
  {
    if (rc || ++k > MAX_ITEMS)
      break;
    int64_t cores = number(x, "core") ? number(x, "core") : number(x, "cores");
    int64_t threads = number(x, "thread") ? number(x, "thread") : number(x, "threads");
    rc = component(d, asset, "cpu", cpu_name(a, x),
                   arena_printf(a, "%lld core, %lld thread", (long long)cores, (long long)threads),
                   field(a, x, "serial"), NULL, NULL, 0);
  }
  k = 0;
  json_array_foreach(list(c, "memories"), i, x)
  {
    if (rc || ++k > MAX_ITEMS)
      break;
    if (number(x, "capacity") > 0)
      rc = component(d, asset, "memory", field(a, x, "caption"), field(a, x, "type"), field(a, x, "serialnumber"), NULL,
                     NULL, number(x, "capacity"));
  }
  k = 0;
  json_array_foreach(list(c, "storages"), i, x)
  {
    if (rc || ++k > MAX_ITEMS)
      break;
    const char *serial = field(a, x, "serialnumber");
    rc = component(d, asset, "disk", field(a, x, "name"),
                   field(a, x, "model") ? field(a, x, "model") : field(a, x, "description"),
                   serial ? serial : field(a, x, "serial"), NULL, NULL, number(x, "disksize"));
  }
  k = 0;
  json_array_foreach(list(c, "networks"), i, x)
  {
    if (rc || ++k > MAX_ITEMS)
      break;
    const char *mac = physical_mac(a, x);
    const char *ip = field(a, x, "ipaddress");
    if (!ip)
      ip = field(a, x, "ipaddress6");
    const char *type = field(a, x, "type"), *desc = field(a, x, "description");
    if ((type && str_eq(type, "loopback")) || (desc && str_eq(desc, "lo")))
      continue;
    if (mac || ip)
      rc = component(d, asset, "nic", field(a, x, "description"), field(a, x, "type"), NULL, mac, ip, 0);
  }
  k = 0;
  json_array_foreach(list(c, "monitors"), i, x)
  {
    if (rc || ++k > MAX_ITEMS)
      break;
    rc = component(d, asset, "monitor", field(a, x, "caption") ? field(a, x, "caption") : field(a, x, "name"),
                   field(a, x, "manufacturer"), field(a, x, "serial"), NULL, NULL, 0);
  }
  return rc;
}

/* One installed title: catalogue id and version. */
struct installed {
  int64_t id;
  const char *version;
};

static int installed_cmp(const void *x, const void *y)
{
  const struct installed *a = x, *b = y;
  if (a->id != b->id)
    return a->id < b->id ? -1 : 1;
  return strcmp(a->version, b->version);
}

/* The catalogue id of a title, added to the catalogue when new. */
static int software_id(db *d, const char *name, const char *pub, int64_t now, int64_t *id)
{
  int rc = db_int(d, id, "SELECT id FROM software WHERE name = ? AND publisher = ?", "tt", name, pub);
  if (rc == DB_ROW)
    return 0;
  if (rc < 0)
    return rc;
  rc = db_run(d, "INSERT INTO software (name, publisher, created_at) VALUES (?, ?, ?)", "tti", name, pub, now);
  if (!rc)
    *id = db_last_id(d);
  return rc;
}

/* Brings the asset's software up to what the inventory lists, writing
 * only the titles that came and went (a daily inventory that changed
 * nothing writes nothing); *added / *removed count them. */
static int write_software(db *d, arena *a, int64_t asset, json_t *c, int64_t *added, int64_t *removed)
{
  *added = *removed = 0;
  json_t *sw = list(c, "softwares");
  size_t n = 0, cap = json_array_size(sw) < MAX_SOFTWARE ? json_array_size(sw) : MAX_SOFTWARE;
  struct installed *in = arena_alloc(a, (cap ? cap : 1) * sizeof *in);
  int64_t now = now_unix();
  int rc = 0;
  size_t i;
  json_t *x;
  json_array_foreach(sw, i, x)
  {
    if (rc || i >= cap)
      break;
    const char *name = field(a, x, "name");
    if (!name)
      continue;
    const char *pub = field(a, x, "publisher");
    const char *ver = field(a, x, "version");
    rc = software_id(d, name, pub ? pub : "", now, &in[n].id);
    in[n++].version = ver ? ver : "";
  }
  if (rc)
    return rc;
  qsort(in, n, sizeof *in, installed_cmp);
  size_t m = 0; /* duplicates in the agent's list count once */
  for (i = 0; i < n; i++)
    if (!m || installed_cmp(&in[m - 1], &in[i]))
      in[m++] = in[i];
  n = m;
  /* What the asset had, in the same order. */
  size_t nold = 0, oldcap = 256;
  struct installed *old = arena_alloc(a, oldcap * sizeof *old);
  db_stmt *st = db_q(d, "SELECT software_id, version FROM asset_software WHERE asset_id = ?", "i", asset);
  if (!st)
    return -1;
  while ((rc = db_step(st)) == DB_ROW) {
    if (nold == oldcap) {
      struct installed *grown = arena_alloc(a, 2 * oldcap * sizeof *old);
      memcpy(grown, old, oldcap * sizeof *old);
      old = grown;
      oldcap *= 2;
    }
    old[nold].id = db_col_int(st, 0);
    old[nold++].version = arena_strdup(a, db_col_text(st, 1) ? db_col_text(st, 1) : "");
  }
  db_done(st);
  if (rc != DB_OK)
    return -1;
  rc = 0;
  qsort(old, nold, sizeof *old, installed_cmp);
  size_t p = 0, q = 0;
  while (!rc && (p < n || q < nold)) {
    int cmp = p == n ? 1 : q == nold ? -1 : installed_cmp(&in[p], &old[q]);
    if (cmp < 0) {
      rc = db_run(d, "INSERT INTO asset_software (asset_id, software_id, version) VALUES (?, ?, ?)", "iit", asset,
                  in[p].id, in[p].version);
      ++*added;
      p++;
    } else if (cmp > 0) {
      rc = db_run(d, "DELETE FROM asset_software WHERE asset_id = ? AND software_id = ? AND version = ?", "iit", asset,
                  old[q].id, old[q].version);
      ++*removed;
      q++;
    } else {
      p++;
      q++;
    }
  }
  return rc;
}

static const char *guess_type(json_t *c)
{
  if (json_array_size(list(c, "batteries")))
    return "dizustu";
  json_t *hw = json_object_get(c, "hardware");
  const char *vm = json_string_value(json_object_get(hw, "vmsystem"));
  if (vm && *vm && strcasecmp(vm, "Physical") != 0)
    return "sunucu";
  return "masaustu";
}

/* History rows for what changed; *flag when something shrank or the
 * processor is another one. */
static int compare(db *d, arena *a, int64_t asset, const struct actor *who, const char *old_text,
                   const struct summary *s, bool *flag)
{
  *flag = false;
  json_t *old = old_text ? json_loads(old_text, 0, NULL) : NULL;
  if (!old)
    return 0;
  int rc = 0;
  int64_t ram = jsonx_int(old, "ram_mb", 0), disk = jsonx_int(old, "disk_mb", 0);
  if (!rc && ram != s->ram_mb) {
    bool down = s->ram_mb < ram;
    *flag |= down;
    rc = assets_event(d, asset, who, "inventory.memory", gb(a, ram), gb(a, s->ram_mb),
                      arena_printf(a, "RAM %s → %s", gb(a, ram), gb(a, s->ram_mb)), down);
  }
  if (!rc && disk != s->disk_mb) {
    bool down = s->disk_mb < disk;
    *flag |= down;
    rc = assets_event(d, asset, who, "inventory.disk", gb(a, disk), gb(a, s->disk_mb),
                      arena_printf(a, "%s %s → %s", _("Disk"), gb(a, disk), gb(a, s->disk_mb)), down);
  }
  const char *cpu = jsonx_str(old, "cpu");
  if (!rc && cpu && s->cpu && !str_eq(cpu, s->cpu)) {
    *flag = true;
    rc = assets_event(d, asset, who, "inventory.cpu", cpu, s->cpu, NULL, true);
  }
  const char *os = jsonx_str(old, "os");
  if (!rc && !str_eq(os ? os : "", s->os ? s->os : ""))
    rc = assets_event(d, asset, who, "inventory.os", os, s->os, NULL, false);
  const char *macs = jsonx_str(old, "macs");
  if (!rc && !str_eq(macs ? macs : "", s->macs ? s->macs : ""))
    rc = assets_event(d, asset, who, "inventory.network", macs, s->macs, NULL, false);
  json_decref(old);
  return rc;
}

int inv_apply(db *d, const struct actor *who, const char *deviceid, const char *proto, int64_t key, int64_t unit_id,
              json_t *content, int64_t *asset_id, bool *created)
{
  arena *a = arena_new();
  *created = false;
  json_t *hw = json_object_get(content, "hardware");
  json_t *bios = json_object_get(content, "bios");
  const char *ssn = field(a, bios, "ssn");
  const char *host = field(a, hw, "name");
  struct summary s;
  summarise(a, content, &s);
  json_t *sum = json_pack("{sIsIss?ss?ss?}", "ram_mb", (json_int_t)s.ram_mb, "disk_mb", (json_int_t)s.disk_mb, "cpu",
                          s.cpu, "os", s.os, "macs", s.macs);
  char *sum_text = json_dumps(sum, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(sum);
  int64_t now = now_unix(), id = 0, added = 0, removed = 0;
  int rc = db_begin(d);
  if (rc)
    goto out;
  id = match(d, a, deviceid, ssn, s.macs);
  char *old_summary = NULL;
  if (!id) {
    const char *brand = field(a, bios, "smanufacturer");
    const char *model = field(a, bios, "smodel");
    char today[11];
    assets_today(today);
    rc = db_run(d,
                "INSERT INTO assets (type, name, serial, bios_serial, brand, model, unit_id, status, entry_date,"
                " device_id, hostname, review, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'kullanimda', ?, ?, ?, 1, ?, ?)",
                "ttttttittt"
                "ii",
                guess_type(content), host ? host : deviceid, useful_serial(ssn) ? ssn : NULL,
                useful_serial(ssn) ? ssn : NULL, brand, model, unit_id ? unit_id : rbac_root_unit(d), today, deviceid,
                host, now, now);
    if (!rc) {
      id = db_last_id(d);
      *created = true;
      rc = assets_event(d, id, who, "inventory.created", NULL, proto, _("Found by an agent; waits for review."), false);
    }
  } else {
    /* What changed is judged against this device's own last inventory:
     * two agents on one machine see it differently and must not undo each
     * other's view on every run. A device new to the asset compares with
     * the asset's last inventory. */
    db_stmt *st = db_q(d,
                       "SELECT COALESCE((SELECT summary FROM asset_devices WHERE device_id = ? AND asset_id = ?),"
                       " (SELECT inv_summary FROM assets WHERE id = ?))",
                       "tii", deviceid, id, id);
    if (st && db_step(st) == DB_ROW && db_col_text(st, 0))
      old_summary = xstrdup(db_col_text(st, 0));
    db_done(st);
    /* The device id follows the agent (a reinstalled agent gets a new one),
     * unless another asset holds it. */
    rc = db_run(d,
                "UPDATE assets SET device_id = ? WHERE id = ? AND NOT EXISTS (SELECT 1 FROM assets WHERE device_id = ?"
                " AND id <> ?)",
                "titi", deviceid, id, deviceid, id);
    if (!rc && useful_serial(ssn))
      rc = db_run(d, "UPDATE assets SET bios_serial = ? WHERE id = ?", "ti", ssn, id);
    if (!rc && host)
      rc = db_run(d, "UPDATE assets SET hostname = ? WHERE id = ?", "ti", host, id);
  }
  bool flag = false;
  if (!rc)
    rc = compare(d, a, id, who, old_summary, &s, &flag);
  free(old_summary);
  if (!rc)
    rc = write_components(d, a, id, content);
  if (!rc)
    rc = assets_software_snapshot(d, id);
  if (!rc)
    rc = write_software(d, a, id, content, &added, &removed);
  if (!rc)
    rc = assets_software_sync(d, id);
  if (!rc && !*created && (added || removed))
    rc = assets_event(d, id, who, "inventory.software", NULL, NULL,
                      arena_printf(a, "+%lld / -%lld", (long long)added, (long long)removed), false);
  if (!rc)
    rc = db_run(d,
                "UPDATE assets SET inv_summary = ?, last_inventory_at = ?, last_inventory_proto = ?, updated_at = ?,"
                " flagged = MAX(flagged, ?) WHERE id = ?",
                "titiii", sum_text, now, proto, now, (int64_t)flag, id);
  if (!rc && key)
    rc = db_run(d, "UPDATE assets SET agent_key_id = ? WHERE id = ?", "ii", key, id);
  if (!rc)
    rc = db_run(d,
                "INSERT INTO asset_devices (device_id, asset_id, proto, summary, first_at, last_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE SET asset_id = excluded.asset_id,"
                " proto = excluded.proto, summary = excluded.summary, last_at = excluded.last_at",
                "tittii", deviceid, id, proto, sum_text, now, now);
  if (!rc)
    rc = assets_search_refresh(d, id);
  if (!rc) {
    json_t *after = json_pack("{sssssbsIsI}", "device_id", deviceid, "protocol", proto, "created", *created,
                              "software_added", (json_int_t)added, "software_removed", (json_int_t)removed);
    rc = assets_audit(d, who, *created ? "asset.inventory_create" : "asset.inventory", id, 0, NULL, after);
    json_decref(after);
  }
  if (!rc)
    rc = db_commit(d);
  if (rc)
    db_rollback(d);
out:
  free(sum_text);
  arena_free(a);
  *asset_id = id;
  return rc ? -1 : 0;
}
