#!/usr/bin/env python3
"""Registers assets through defter's API until the register holds TOTAL,
for bench/inventory.sh (the list is measured at 100,000 assets; the agents
brought the first 20,000).

  inventory_fill.py URL TOKEN TOTAL SEED [THREADS]

Each asset is a POST /api/v1/assets as an inventory officer would send it:
a type, a name, a taşınır kodu, a serial, brand and model, a location;
fixed seed. Prints how many were added and how long it took.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

TYPES = [("monitor", "253.02.04.01", ["Dell P2422H", "Philips 243V7", "LG 24MP400"]),
         ("yazici", "253.02.04.02", ["HP LaserJet M404", "Canon i-SENSYS MF443", "Brother HL-L5100"]),
         ("masaustu", "253.02.01.01", ["Dell OptiPlex 7090", "HP ProDesk 400 G7", "Lenovo ThinkCentre M70"]),
         ("ip_telefon", "253.02.06.01", ["Cisco 7821", "Yealink T46U"]),
         ("tarayici", "253.02.04.03", ["Fujitsu fi-7160", "Canon DR-C225"])]
BUILDINGS = ["Ana Hizmet Binası", "Ek Bina", "Fen İşleri Şantiyesi", "Zabıta Binası", "Kültür Merkezi"]


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    token, total, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    c.request("GET", "/api/v1/assets?limit=1", headers=headers)
    r = c.getresponse()
    first = json.loads(r.read())
    have = first["items"][0]["id"] if first.get("items") else 0
    need = max(total - have, 0)
    rng = random.Random(seed)
    bodies = []
    for i in range(need):
        typ, code, models = rng.choice(TYPES)
        brand_model = rng.choice(models)
        bodies.append(json.dumps({
            "type": typ, "name": brand_model, "code": code, "serial": "BN%09d" % (have + i),
            "brand": brand_model.split()[0], "model": brand_model.split(" ", 1)[1],
            "building": rng.choice(BUILDINGS), "floor": str(rng.randint(0, 5)), "room": str(rng.randint(1, 40)),
        }))
    errors = []
    lock = threading.Lock()
    it = iter(bodies)

    def worker():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while True:
            with lock:
                body = next(it, None)
            if body is None:
                return
            conn.request("POST", "/api/v1/assets", body, headers)
            resp = conn.getresponse()
            data = resp.read()
            if resp.status != 201:
                with lock:
                    errors.append("%d %s" % (resp.status, data[:200]))

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.monotonic() - t0
    if errors:
        sys.exit("inventory_fill: %d errors, first: %s" % (len(errors), errors[0]))
    print("added %d seconds %.1f per_second %.0f" % (need, wall, need / wall if wall else 0))


if __name__ == "__main__":
    main()
