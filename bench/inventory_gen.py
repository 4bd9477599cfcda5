#!/usr/bin/env python3
"""Builds the inventory benchmark's agent traffic from one real inventory.

  inventory_gen.py CAPTURED.xml DEVICES SEED OUT_DIR [DAY]

CAPTURED.xml is what Debian's `fusioninventory-inventory` printed on this
machine (the real agent's XML, software list included). For each of
DEVICES devices the generator makes a variant of it with a fixed seed:
its own host name, device id, BIOS serial, system UUID, an ethernet card
with its own MAC and address, memory size, and a software list drawn from
the captured packages plus a pool of office software (Windows-style names
with versions and publishers), about SOFTWARE_PER_DEVICE entries each, so
20,000 devices give about 10 million installed-software rows.

DAY 2 is the next day's inventories of the same devices: about 2 % of each
device's titles come with a new version (updates) and one device in a
hundred reports less memory (a change the register flags).

Writes OUT_DIR/bodies (the zlib-compressed INVENTORY requests, as the
agent sends them, one after the other), OUT_DIR/index (offset and length
of each, one per line) and OUT_DIR/prolog (a PROLOG request of the first
device, zlib-compressed). Prints the totals.
"""
import os
import random
import re
import sys
import zlib

SOFTWARE_PER_DEVICE = int(os.environ.get("SOFTWARE_PER_DEVICE", "500"))

# A pool of desktop software as a municipality's Windows machines report it:
# (publisher, name template, versions). Products vary by edition and
# language the way agents see them.
VENDORS = [
    ("Microsoft Corporation", "Microsoft Office Professional Plus {y}", ["2016", "2019", "2021"],
     ["16.0.4266.1001", "16.0.10396.20023", "16.0.14332.20447"]),
    ("Microsoft Corporation", "Microsoft Visual C++ {y} Redistributable (x64)", ["2010", "2012", "2013", "2015-2022"],
     ["10.0.40219", "11.0.61030", "12.0.40664", "14.38.33130"]),
    ("Microsoft Corporation", "Microsoft Edge", [""], ["118.0.2088.76", "119.0.2151.58", "120.0.2210.61"]),
    ("Google LLC", "Google Chrome", [""], ["119.0.6045.160", "120.0.6099.110", "121.0.6167.85"]),
    ("Mozilla", "Mozilla Firefox ({a} {l})", ["x64", "x86"], ["115.5.0", "120.0.1", "121.0"]),
    ("Adobe", "Adobe Acrobat Reader DC - {l}", [""], ["23.006.20360", "23.008.20421", "24.001.20604"]),
    ("Igor Pavlov", "7-Zip {y} ({a})", ["22.01", "23.01"], ["22.01", "23.01"]),
    ("LibreOffice", "LibreOffice {y}", ["7.5", "7.6"], ["7.5.9.2", "7.6.4.1"]),
    ("TÜBİTAK BİLGEM", "Akis Kart İzleme Aracı {y}", ["2.3", "2.5"], ["2.3.1", "2.5.0"]),
    ("E-Tuğra", "E-Tuğra İmzager {y}", ["3", "4"], ["3.2.1", "4.0.7"]),
    ("Netcad", "NETCAD GIS {y}", ["8.0", "8.5"], ["8.0.1.226", "8.5.2.11"]),
    ("ESRI", "ArcGIS Desktop {y}", ["10.8", "10.8.2"], ["10.8.0.12790", "10.8.2.28388"]),
    ("AnyDesk Software GmbH", "AnyDesk", [""], ["7.1.16", "8.0.5"]),
    ("Kaspersky", "Kaspersky Endpoint Security for Windows", [""], ["11.11.0.452", "12.3.0.493"]),
    ("Oracle Corporation", "Java {y} Update {u}", ["8"], ["8.0.3810.9", "8.0.3910.13"]),
    ("Zoom Video Communications, Inc.", "Zoom", [""], ["5.16.10", "5.17.0"]),
]
LANGS = ["tr-TR", "en-US", "tr", "en"]


def pool(rng):
    """(publisher, name, version) entries: every vendor product in its
    editions and languages, plus line-of-business applications."""
    out = []
    for pub, tmpl, years, versions in VENDORS:
        for y in years:
            for a in ("x64", "x86"):
                for lang in LANGS[:2]:
                    name = tmpl.format(y=y, a=a, l=lang, u=rng.randint(300, 400)).replace("  ", " ").strip()
                    for v in versions:
                        out.append((pub, name, v))
    for i in range(3000):
        pub = "Belediye Yazılım %d A.Ş." % (i % 120)
        out.append((pub, "Uygulama %04d %s" % (i, rng.choice(["İstemci", "Client", "Eklenti", "Araç"])),
                    "%d.%d.%d" % (rng.randint(1, 9), rng.randint(0, 20), rng.randint(0, 999))))
    return sorted(set(out))


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    captured, devices, seed, out_dir = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    day = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    rng = random.Random(seed)
    xml = open(captured, encoding="utf-8").read()
    # The captured document split around its software list.
    blocks = re.findall(r"<SOFTWARES>.*?</SOFTWARES>\s*", xml, re.S)
    if not blocks:
        sys.exit("inventory_gen: no SOFTWARES in %s" % captured)
    first = xml.index("<SOFTWARES>")
    head = xml[:first]
    tail = re.sub(r"<SOFTWARES>.*?</SOFTWARES>\s*", "", xml[first:], flags=re.S)
    native = [(re.search(r"<PUBLISHER>(.*?)</PUBLISHER>", b, re.S), re.search(r"<NAME>(.*?)</NAME>", b, re.S),
               re.search(r"<VERSION>(.*?)</VERSION>", b, re.S)) for b in blocks]
    native = [((p.group(1) if p else ""), n.group(1), (v.group(1) if v else "")) for p, n, v in native if n]
    office = pool(rng)
    os.makedirs(out_dir, exist_ok=True)
    rows = 0
    with open(os.path.join(out_dir, "bodies"), "wb") as bodies, open(os.path.join(out_dir, "index"), "w") as index:
        for d in range(devices):
            rng = random.Random(seed * 1000003 + d)  # the same device on either day
            later = random.Random(seed * 7919 + d)
            host = "pc-%05d" % d
            serial = "SN%08X" % rng.getrandbits(32)
            mac = "52:54:%02x:%02x:%02x:%02x" % (d >> 8 & 255, d & 255, rng.getrandbits(8), rng.getrandbits(8))
            ip = "10.%d.%d.%d" % (d >> 16 & 255, d >> 8 & 255, (d & 255) or 1)
            uuid = "%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(16),
                                                 rng.getrandbits(16), rng.getrandbits(48))
            memory = rng.choice([4096, 8192, 16384, 32768])
            if day > 1 and later.random() < 0.01:
                memory //= 2
            h = head.replace("<SSN></SSN>", "<SSN>%s</SSN>" % serial, 1)
            h = re.sub(r"<NAME>vm</NAME>", "<NAME>%s</NAME>" % host, h, count=1)
            h = re.sub(r"<MEMORY>\d+</MEMORY>", "<MEMORY>%d</MEMORY>" % memory, h, count=1)
            # The captured machine's own cards get addresses of this device.
            h = re.sub(r"<MACADDR>([0-9a-fA-F:]{17})</MACADDR>",
                       lambda m: m.group(0) if m.group(1) == "00:00:00:00:00:00" else
                       "<MACADDR>02:%02x:%02x:%s</MACADDR>" % (d >> 8 & 255, d & 255, m.group(1)[9:]), h)
            h = h.replace("<HARDWARE>", "<HARDWARE>\n      <UUID>%s</UUID>" % uuid, 1)
            net = ("<NETWORKS>\n      <DESCRIPTION>eth0</DESCRIPTION>\n      <IPADDRESS>%s</IPADDRESS>\n"
                   "      <MACADDR>%s</MACADDR>\n      <STATUS>Up</STATUS>\n      <TYPE>ethernet</TYPE>\n"
                   "    </NETWORKS>\n    " % (ip, mac))
            n_native = min(len(native), SOFTWARE_PER_DEVICE * 3 // 5)
            n_office = SOFTWARE_PER_DEVICE - n_native + rng.randint(-10, 10)
            chosen = rng.sample(native, n_native) + rng.sample(office, min(len(office), max(n_office, 0)))
            if day > 1:
                chosen = [(p, n, v + ".1") if later.random() < 0.02 else (p, n, v) for p, n, v in chosen]
            sw = "".join("<SOFTWARES>\n      <NAME>%s</NAME>\n      <PUBLISHER>%s</PUBLISHER>\n"
                         "      <VERSION>%s</VERSION>\n    </SOFTWARES>\n    " % (esc(n), esc(p), esc(v))
                         for p, n, v in chosen)
            rows += len(chosen)
            t = re.sub(r"<DEVICEID>.*?</DEVICEID>", "<DEVICEID>%s-2026-11-22-09-00-00</DEVICEID>" % host, tail)
            body = zlib.compress((h + net + sw + t).encode("utf-8"), 6)
            index.write("%d %d\n" % (bodies.tell(), len(body)))
            bodies.write(body)
    prolog = ('<?xml version="1.0" encoding="UTF-8" ?>\n<REQUEST>\n  <DEVICEID>pc-00000-2026-11-22-09-00-00'
              '</DEVICEID>\n  <QUERY>PROLOG</QUERY>\n  <TOKEN>12345678</TOKEN>\n</REQUEST>\n')
    with open(os.path.join(out_dir, "prolog"), "wb") as f:
        f.write(zlib.compress(prolog.encode()))
    print("devices %d software_rows %d distinct_pool %d" % (devices, rows, len(native) + len(office)))


if __name__ == "__main__":
    main()
