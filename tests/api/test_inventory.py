"""Agent inventory (issue 5, points 5 and 9): the REAL Debian
fusioninventory-agent and ocsinventory-agent inventory this machine into
a running defter through POST /inventory (XML PROLOG -> REPLY{SEND} ->
INVENTORY, zlib), the GLPI-Agent JSON protocol (contact, inventory;
plain and gzip), matching to one asset, the change history that flags a
shrinking memory, basic authentication with [assets] agent_secret, and
hostile bodies (zip bomb, billion laughs, external entities, truncated
gzip/zlib, deep nesting, schema-failing JSON) answered cleanly."""
import gzip
import json
import os
import shutil
import socket
import subprocess
import zlib

from harness import check, eq, expect_status, expect_error

AGENT_TIMEOUT = 80


def _post(h, body, ctype="application/x-compress-zlib", server=None, headers=None):
    hdrs = {"Content-Type": ctype}
    hdrs.update(headers or {})
    return h.client(server).request("POST", "/inventory", body=body, headers=hdrs, timeout=60)


def _reply_xml(resp):
    b = resp.body
    if b[:2] == b"\x78\x9c":
        return zlib.decompress(b).decode()
    if b[:2] == b"\x1f\x8b":
        return gzip.decompress(b).decode()
    return b.decode()


def _xml(deviceid, query="INVENTORY", content=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<REQUEST><DEVICEID>{deviceid}</DEVICEID>'
            f"<QUERY>{query}</QUERY>{content}</REQUEST>").encode()


def _inventory(memory_mb, mac, name, serial="", software=("vim", "curl")):
    soft = "".join(f"<SOFTWARES><NAME>{s}</NAME><VERSION>1.{len(s)}</VERSION><PUBLISHER>Debian</PUBLISHER></SOFTWARES>"
                   for s in software)
    return ("<CONTENT><HARDWARE><NAME>" + name + "</NAME><MEMORY>" + str(memory_mb) + "</MEMORY></HARDWARE>"
            "<BIOS><SSN>" + serial + "</SSN><SMANUFACTURER>Dell Inc.</SMANUFACTURER><SMODEL>OptiPlex 7090</SMODEL></BIOS>"
            "<CPUS><NAME>Intel(R) Core(TM) i5-10500</NAME><CORE>6</CORE><THREAD>12</THREAD></CPUS>"
            "<MEMORIES><CAPACITY>" + str(memory_mb) + "</CAPACITY><TYPE>DDR4</TYPE></MEMORIES>"
            "<STORAGES><NAME>sda</NAME><DISKSIZE>512000</DISKSIZE><SERIALNUMBER>S4X1</SERIALNUMBER></STORAGES>"
            "<NETWORKS><DESCRIPTION>eno1</DESCRIPTION><MACADDR>" + mac + "</MACADDR><IPADDRESS>10.1.2.3</IPADDRESS>"
            "<VIRTUALDEV>0</VIRTUALDEV></NETWORKS>"
            "<OPERATINGSYSTEM><FULL_NAME>Pardus 23</FULL_NAME></OPERATINGSYSTEM>" + soft + "</CONTENT>")


def _find(h, q, who="mudur"):
    items = h.as_user(who).get_json(f"/api/v1/assets?q={q}&limit=50")["items"]
    return [i for i in items]


def _asset(h, aid):
    return h.as_user("mudur").get_json(f"/api/v1/assets/{aid}")


def _machine_macs():
    macs = set()
    for ifc in os.listdir("/sys/class/net"):
        try:
            with open(f"/sys/class/net/{ifc}/address") as f:
                m = f.read().strip().upper()
        except OSError:
            continue
        if m and m != "00:00:00:00:00:00":
            macs.add(m)
    return macs


def _cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def _packages():
    p = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\n"], capture_output=True, text=True, timeout=60)
    return {x for x in p.stdout.split() if x}


def _by_host(h):
    host = socket.gethostname()
    items = [i for i in _find(h, host.lower()) if i.get("hostname") == host]
    return host, items


def _run_fusion(h, server, extra=()):
    tmp = h.tmpdir("fusion")
    conf = os.path.join(tmp, "agent.cfg")
    with open(conf, "w") as f:
        f.write("logger = stderr\n")
    cmd = ["fusioninventory-agent", "--server", f"{server.url}/inventory", "--conf-file", conf, "--tasks=inventory",
           "--no-httpd", "--timeout=60", "--debug", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=AGENT_TIMEOUT, cwd=tmp)


def test_inventory_real_agents(h):
    check(shutil.which("fusioninventory-agent"), "fusioninventory-agent is not installed (scripts/deps.sh --test)")
    check(shutil.which("ocsinventory-agent"), "ocsinventory-agent is not installed (scripts/deps.sh --test)")
    server = h.new_server(name="agents")
    p = _run_fusion(h, server)
    eq(p.returncode, 0, f"fusioninventory-agent: {p.stderr[-1500:]}")
    check("SEND" in p.stderr or "running task Inventory" in p.stderr or "Inventory" in p.stderr,
          f"agent did not run the inventory: {p.stderr[-800:]}")
    admin = h.login("mudur", server=server)
    host = socket.gethostname()
    items = [i for i in admin.get_json(f"/api/v1/assets?q={host.lower()}&limit=50")["items"]
             if i.get("hostname") == host]
    eq(len(items), 1, f"one asset for {host}: {items}")
    a = admin.get_json(f"/api/v1/assets/{items[0]['id']}")
    check(a["review"], "an agent-found asset waits in the review queue")
    eq(a["last_inventory_proto"], "xml", "XML protocol")
    macs = {c["mac"] for c in a["components"] if c["kind"] == "nic" and c["mac"]}
    check(macs & _machine_macs(), f"this machine's MACs {_machine_macs()} not in {macs}")
    cpu = _cpu_model()
    cpus = [c["name"] for c in a["components"] if c["kind"] == "cpu"]
    check(cpus and cpu and any(c and (c in cpu or cpu in c) for c in cpus), f"CPU {cpu!r} vs {cpus}")
    try:
        with open("/sys/class/dmi/id/product_serial") as f:
            serial = f.read().strip()
    except OSError:
        serial = ""
    if serial and serial.lower() not in ("", "none", "0", "to be filled by o.e.m.", "default string"):
        eq(a["bios_serial"], serial, "BIOS serial")
    pkgs = _packages()
    check(a["software_count"] >= 0.9 * len(pkgs), f"software {a['software_count']} of {len(pkgs)} packages")
    soft = admin.get_json(f"/api/v1/assets/{a['id']}/software?limit=5000")["items"]
    names = {s["name"] for s in soft}
    for want in ("dpkg", "bash"):
        if want in pkgs:
            check(want in names, f"{want} missing from the asset's software")
    cat = admin.get_json("/api/v1/software?q=dpkg")["items"]
    check(any(s["name"] == "dpkg" and s["installations"] >= 1 for s in cat), f"catalogue: {cat}")
    review = admin.get_json("/api/v1/assets?review=1")["items"]
    check(any(i["id"] == a["id"] for i in review), "in the review queue")

    # The OCS agent on the same machine lands on the same asset (matched by MAC).
    tmp = h.tmpdir("ocs")
    p = subprocess.run(["ocsinventory-agent", "--server", f"{server.url}/inventory", "--nolocal", "--force",
                        f"--basevardir={tmp}", f"--logfile={tmp}/agent.log"],
                       capture_output=True, text=True, timeout=AGENT_TIMEOUT, cwd=tmp)
    log = open(f"{tmp}/agent.log", errors="replace").read() if os.path.exists(f"{tmp}/agent.log") else ""
    eq(p.returncode, 0, f"ocsinventory-agent: {p.stderr[-800:]} {log[-800:]}")
    items = [i for i in admin.get_json(f"/api/v1/assets?q={host.lower()}&limit=50")["items"]
             if i.get("hostname") == host]
    eq(len(items), 1, f"still one asset for {host} after the OCS agent: {items}")
    b = admin.get_json(f"/api/v1/assets/{items[0]['id']}")
    check(b["device_id"] != a["device_id"], f"the OCS agent's device id {b['device_id']} replaced fusion's")
    devs = {d["device_id"]: d["protocol"] for d in b["devices"]}
    check(a["device_id"] in devs and b["device_id"] in devs, f"both agents' device ids are kept: {devs}")
    check(b["software_count"] >= 0.9 * len(pkgs), f"software after OCS {b['software_count']}")
    check(b["last_inventory_at"] >= a["last_inventory_at"], "inventory time moved")

    # Accepting it from the review queue gives it a code and a sicil no.
    r = admin.request("PATCH", f"/api/v1/assets/{a['id']}", json_body={"code": "255.01.02"}, csrf=True)
    expect_status(r, 200, "accept")
    check(r.json()["sicil_no"].startswith("255.01.02-"), r.snippet())
    eq(r.json()["review"], False, "out of the review queue")


def test_inventory_agent_secret(h):
    server = h.new_server(env={"DEFTER_ASSETS_AGENT_SECRET": "Ajan-Sifresi-42", "DEFTER_ASSETS_AGENT_USER": "ajan"},
                          name="secret")
    r = _post(h, zlib.compress(_xml("dev-a", "PROLOG")), server=server)
    eq(r.status, 401, "no credentials")
    check("Basic" in (r.header("WWW-Authenticate") or ""), "challenge")
    import base64
    bad = base64.b64encode(b"ajan:yanlis").decode()
    eq(_post(h, zlib.compress(_xml("dev-a", "PROLOG")), server=server,
             headers={"Authorization": f"Basic {bad}"}).status, 401, "wrong secret")
    good = base64.b64encode(b"ajan:Ajan-Sifresi-42").decode()
    r = _post(h, zlib.compress(_xml("dev-a", "PROLOG")), server=server, headers={"Authorization": f"Basic {good}"})
    expect_status(r, 200, "right secret")
    check("<RESPONSE>SEND</RESPONSE>" in _reply_xml(r), _reply_xml(r))
    # The real agent, with and without the credentials.
    p = _run_fusion(h, server)
    admin = h.login("mudur", server=server)
    eq(admin.get_json("/api/v1/assets?review=1")["items"], [], f"no inventory without credentials ({p.returncode})")
    p = _run_fusion(h, server, ("--user", "ajan", "--password", "Ajan-Sifresi-42"))
    eq(p.returncode, 0, f"agent with credentials: {p.stderr[-800:]}")
    check(admin.get_json("/api/v1/assets?review=1")["items"], f"inventory with credentials: {p.stderr[-800:]}")
    # (the harness itself writes the server's environment on its "--- start" lines)
    log = [ln for ln in open(server.log_path, errors="replace") if not ln.startswith("--- start")]
    check(not any("Ajan-Sifresi-42" in ln for ln in log), "the secret must not reach the log")


def test_inventory_agent_keys(h):
    """A key per agent (or group): its secret is shown once, its agents'
    new assets go to its unit, revoking it stops them, and once a key is
    in force agents without credentials are refused."""
    import base64
    server = h.new_server(name="agentkeys")
    admin = h.login("mudur", server=server)
    dev0 = h.uniq("dev-open")
    r = _post(h, zlib.compress(_xml(dev0, "PROLOG")), server=server)
    expect_status(r, 200, "no key yet: open")
    teknik = h.login("personel", server=server)
    expect_status(teknik.get("/api/v1/assets/agents"), 403, "personel may not see agent keys")
    for bad in ({"name": "a b"}, {"name": "x"}, {"name": "zabita-ajan", "unit": "YOK"}):
        r = admin.post("/api/v1/assets/agents", bad)
        expect_error(r, 400, "validation", f"bad key {bad}")
    units = admin.get_json("/api/v1/org/units")["items"]
    unit = next(u for u in units if u["code"] != "MUD")
    r = admin.post("/api/v1/assets/agents", {"name": "ek-bina", "unit": unit["code"], "note": "Ek bina GPO"})
    expect_status(r, 201, "key made")
    key = r.json()
    secret = key["secret"]
    check(len(secret) >= 40, "a long random secret")
    eq(r.header("Cache-Control"), "no-store", "the secret is not cached")
    expect_error(admin.post("/api/v1/assets/agents", {"name": "ek-bina"}), 409, "exists", "duplicate name")
    listed = admin.get_json("/api/v1/assets/agents")["items"]
    check(all("secret" not in k for k in listed), "the list never shows a secret")
    # Now credentials are needed.
    eq(_post(h, zlib.compress(_xml(dev0, "PROLOG")), server=server).status, 401, "no credentials once a key exists")
    wrong = base64.b64encode(b"ek-bina:" + b"x" * 43).decode()
    eq(_post(h, zlib.compress(_xml(dev0, "PROLOG")), server=server,
             headers={"Authorization": f"Basic {wrong}"}).status, 401, "wrong secret")
    good = {"Authorization": "Basic " + base64.b64encode(f"ek-bina:{secret}".encode()).decode()}
    dev = h.uniq("dev-key")
    mac = "52:54:00:%02x:%02x:%02x" % tuple(os.urandom(3))
    r = _post(h, zlib.compress(_xml(dev, "INVENTORY", _inventory(8192, mac, h.uniq("ekpc")))), server=server,
              headers=good)
    expect_status(r, 200, "inventory with the key")
    aid = next(i["id"] for i in admin.get_json("/api/v1/assets?review=1&limit=50")["items"])
    a = admin.get_json(f"/api/v1/assets/{aid}")
    eq(a["unit_code"] if "unit_code" in a else a.get("unit", {}).get("code"), unit["code"], "found in the key's unit")
    eq(a.get("agent_key_id"), key["id"], "the asset names the key")
    k = next(x for x in admin.get_json("/api/v1/assets/agents")["items"] if x["id"] == key["id"])
    eq(k["uses"], 1, "one use recorded")
    eq(k["assets"], 1, "one asset")
    # The real agent with the key.
    p = _run_fusion(h, server, ("--user", "ek-bina", "--password", secret))
    eq(p.returncode, 0, f"agent with the key: {p.stderr[-800:]}")
    k = next(x for x in admin.get_json("/api/v1/assets/agents")["items"] if x["id"] == key["id"])
    check(k["uses"] >= 2, f"the real agent used the key: {k}")
    # Revoked: refused, and audited.
    expect_status(admin.request("DELETE", f"/api/v1/assets/agents/{key['id']}", csrf=True), 200, "revoke")
    expect_error(admin.request("DELETE", f"/api/v1/assets/agents/{key['id']}", csrf=True), 409, "revoked",
                 "revoked twice")
    expect_status(admin.request("DELETE", "/api/v1/assets/agents/99999", csrf=True), 404, "no such key")
    eq(_post(h, zlib.compress(_xml(dev, "PROLOG")), server=server, headers=good).status, 401, "revoked key")
    log = [ln for ln in open(server.log_path, errors="replace") if not ln.startswith("--- start")]
    check(not any(secret in ln for ln in log), "the secret must not reach the log")
    audit = admin.get_json("/api/v1/audit?limit=200")["items"]
    acts = {e["action"] for e in audit}
    check({"asset.agent_key.create", "asset.agent_key.revoke"} <= acts, f"audited: {sorted(acts)[:20]}")


def test_inventory_prolog_encodings(h):
    dev = h.uniq("dev-prolog")
    for enc, body, ctype, magic in (
            ("zlib", zlib.compress(_xml(dev, "PROLOG")), "application/x-compress-zlib", b"\x78\x9c"),
            ("gzip", gzip.compress(_xml(dev, "PROLOG")), "application/x-compress-gzip", b"\x1f\x8b"),
            ("plain", _xml(dev, "PROLOG"), "application/xml", b"<?xml")):
        r = _post(h, body, ctype)
        expect_status(r, 200, f"PROLOG {enc}")
        check(r.body.startswith(magic), f"{enc}: reply in the same encoding ({r.body[:8]!r})")
        x = _reply_xml(r)
        check("<PROLOG_FREQ>24</PROLOG_FREQ>" in x and "<RESPONSE>SEND</RESPONSE>" in x, x)


def test_inventory_change_history_flags(h):
    dev = h.uniq("pc-muhasebe")
    mac = "00:1A:2B:%02X:%02X:01" % (h._counter % 256, os.getpid() % 256)
    host = h.uniq("MUH-PC")
    r = _post(h, zlib.compress(_xml(dev, content=_inventory(16384, mac, host, software=("vim", "curl", "git")))))
    expect_status(r, 200, "first inventory")
    check("NO_ACCOUNT_UPDATE" in _reply_xml(r) or "SEND" in _reply_xml(r), _reply_xml(r))
    found = [i for i in _find(h, host.lower()) if i["hostname"] == host]
    eq(len(found), 1, "created")
    aid = found[0]["id"]
    a = _asset(h, aid)
    eq(a["flagged"], False, "nothing to flag yet")
    eq(a["software_count"], 3, "software")
    eq(a["brand"], "Dell Inc.", "brand from the BIOS")
    # Another device id (reinstalled agent), same MAC: the same asset; RAM 16 -> 8 GB raises the flag.
    r = _post(h, zlib.compress(_xml(dev + "-new", content=_inventory(8192, mac.lower(), host, software=("vim", "git")))))
    expect_status(r, 200, "second inventory")
    found = [i for i in _find(h, host.lower()) if i["hostname"] == host]
    eq(len(found), 1, "matched by MAC, not created again")
    a = _asset(h, aid)
    eq(a["flagged"], True, "shrinking memory is flagged")
    mem = [e for e in a["history"] if e["kind"] == "inventory.memory"]
    check(mem and mem[0]["note"] == "RAM 16 GB → 8 GB" and mem[0]["flag"], f"history: {a['history']}")
    sw = [e for e in a["history"] if e["kind"] == "inventory.software"]
    check(sw and sw[0]["note"] == "+0 / -1", f"software change: {sw}")
    eq(a["software_count"], 2, "software replaced")
    flagged = h.as_user("mudur").get_json("/api/v1/assets?flagged=1&limit=200")["items"]
    check(any(i["id"] == aid for i in flagged), "in the flagged list")
    # The same agent again: judged against its own last inventory (8 GB), not the first agent's.
    r = _post(h, zlib.compress(_xml(dev + "-new", content=_inventory(4096, mac.lower(), host, software=("vim", "git")))))
    expect_status(r, 200, "third inventory")
    a = _asset(h, aid)
    mem = [e["note"] for e in a["history"] if e["kind"] == "inventory.memory"]
    eq(mem[0], "RAM 8 GB → 4 GB", f"against the device's own last inventory: {mem}")
    eq(len([e for e in a["history"] if e["kind"] == "inventory.software"]), 1, "no software change the third time")
    # Matched by BIOS serial too.
    serial = h.uniq("SN-BIOS")
    host2 = h.uniq("SERI-PC")
    expect_status(_post(h, zlib.compress(_xml(h.uniq("d1"), content=_inventory(4096, "00:11:22:33:44:%02X" % (h._counter % 256), host2, serial)))), 200)
    expect_status(_post(h, zlib.compress(_xml(h.uniq("d2"), content=_inventory(4096, "00:11:22:33:55:%02X" % (h._counter % 256), host2, serial)))), 200)
    found = [i for i in _find(h, host2.lower()) if i["hostname"] == host2]
    eq(len(found), 1, "matched by BIOS serial")


def test_inventory_glpi_json(h):
    dev = h.uniq("glpi-dev")
    hdr = {"GLPI-Agent-ID": "3a609a2e-947f-4e6a-9af9-32c024ac3e98"}
    r = _post(h, json.dumps({"action": "contact", "deviceid": dev, "name": "GLPI-Agent", "version": "1.5",
                             "installed-tasks": ["inventory"], "enabled-tasks": ["inventory"]}).encode(),
              "application/json", headers=hdr)
    expect_status(r, 200, "contact")
    o = r.json()
    eq(o["status"], "ok", "contact status")
    check(o["expiration"] > 0, "expiration")
    check("inventory" in o["tasks"], f"tasks {o}")
    host = h.uniq("GLPI-PC")
    inv = {"action": "inventory", "deviceid": dev, "itemtype": "Computer",
           "content": {"versionclient": "GLPI-Agent_v1.5",
                       "hardware": {"name": host, "memory": 8192},
                       "bios": {"ssn": h.uniq("GLPISN"), "smanufacturer": "Lenovo", "smodel": "ThinkCentre"},
                       "cpus": [{"name": "AMD Ryzen 5 5600G", "core": 6, "thread": 12}],
                       "networks": [{"description": "enp3s0", "mac": "aa:bb:cc:00:11:%02x" % (h._counter % 256),
                                     "ipaddress": "10.9.8.7"}],
                       "storages": [{"name": "nvme0n1", "disksize": 476940}],
                       "operatingsystem": {"full_name": "Pardus 23.1"},
                       "batteries": [{"name": "BAT0"}],
                       "softwares": [{"name": "libreoffice", "version": "7.4", "publisher": "Debian"},
                                     {"name": "firefox-esr", "version": "115"}]}}
    r = _post(h, gzip.compress(json.dumps(inv).encode()), "application/x-compress-gzip", headers=hdr)
    expect_status(r, 200, "inventory")
    check(r.body[:2] == b"\x1f\x8b", "gzip reply to a gzip request")
    eq(json.loads(gzip.decompress(r.body))["status"], "ok", "inventory status")
    found = [i for i in _find(h, host.lower()) if i["hostname"] == host]
    eq(len(found), 1, "created from JSON")
    a = _asset(h, found[0]["id"])
    eq(a["type"], "dizustu", "a battery makes it a laptop")
    eq(a["last_inventory_proto"], "json", "protocol")
    eq(a["software_count"], 2, "software")
    check(any(c["kind"] == "nic" and c["mac"] and c["mac"].startswith("AA:BB:CC") for c in a["components"]),
          f"nic {a['components']}")


def test_inventory_hostile_bodies(h):
    dev = h.uniq("evil")
    # Zip bomb: 200 MB of zeros in ~200 KB of zlib; refused at the inflate limit.
    bomb = zlib.compress(b"<REQUEST>" + b"\0" * (200 * 1024 * 1024), 9)
    r = _post(h, bomb)
    eq(r.status, 413, f"zip bomb: {r.snippet()}")
    check("<ERROR>" in _reply_xml(r), "answered in the agent's protocol")
    gbomb = gzip.compress(b" " * (100 * 1024 * 1024), 9)
    eq(_post(h, gbomb, "application/x-compress-gzip").status, 413, "gzip bomb")
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
              '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
              '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
              '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
              '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
              '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
              '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
              f'<REQUEST><DEVICEID>{dev}</DEVICEID><QUERY>INVENTORY</QUERY><CONTENT><HARDWARE><NAME>&lol9;</NAME>'
              '</HARDWARE></CONTENT></REQUEST>').encode()
    r = _post(h, zlib.compress(laughs))
    eq(r.status, 400, f"billion laughs: {r.snippet()}")
    check("<ERROR>" in _reply_xml(r), _reply_xml(r))
    xxe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           f'<REQUEST><DEVICEID>{dev}</DEVICEID><QUERY>INVENTORY</QUERY><CONTENT><HARDWARE><NAME>&x;</NAME>'
           '</HARDWARE></CONTENT></REQUEST>').encode()
    r = _post(h, xxe, "application/xml")
    eq(r.status, 400, "external entity")
    check("root:" not in _reply_xml(r), "no file contents")
    ok = zlib.compress(_xml(dev, content=_inventory(4096, "00:99:88:77:66:55", dev)))
    eq(_post(h, ok[:len(ok) // 2]).status, 400, "truncated zlib")
    gz = gzip.compress(_xml(dev, content=_inventory(4096, "00:99:88:77:66:55", dev)))
    eq(_post(h, gz[:-12], "application/x-compress-gzip").status, 400, "truncated gzip")
    eq(_post(h, b"\x78\x9c" + os.urandom(300)).status, 400, "corrupt zlib")
    deep = ("<REQUEST><DEVICEID>d</DEVICEID><QUERY>INVENTORY</QUERY><CONTENT>" + "<A>" * 300 + "x" + "</A>" * 300 +
            "</CONTENT></REQUEST>").encode()
    eq(_post(h, deep, "application/xml").status, 400, "deep nesting")
    eq(_post(h, b"<REQUEST><QUERY>PROLOG", "application/xml").status, 400, "truncated XML")
    eq(_post(h, b"", "application/xml").status, 400, "empty body")
    eq(_post(h, b"hello", "text/plain").status, 400, "neither XML nor JSON")
    eq(_post(h, _xml("", "PROLOG"), "application/xml").status, 400, "no DEVICEID")
    for bad in ({"action": "inventory", "deviceid": dev},
                {"action": "inventory", "deviceid": dev, "content": {"hardware": {}}},
                {"action": "inventory", "deviceid": dev, "content": {"versionclient": "x", "cpus": {"name": 1}}},
                {"action": "inventory", "content": {"versionclient": "x"}},
                {"action": "fly", "deviceid": dev}, [1, 2]):
        r = _post(h, json.dumps(bad).encode(), "application/json")
        eq(r.status, 400, f"schema-failing JSON {bad}")
        o = r.json()
        eq(o["status"], "error", f"GLPI-style error {o}")
        check(o["message"] and o["expiration"] > 0, f"error reply {o}")
    eq(_post(h, b'{"action": "contact", "deviceid": ', "application/json").status, 400, "truncated JSON")
    # Nothing of the refused bodies reached the register, and the server still answers.
    check(not [i for i in _find(h, dev.lower())], "no asset from refused bodies")
    expect_status(h.client().get("/healthz"), 200)
