"""Software products and licences (issue 5, point 6): raw titles from GLPI
Agent inventories (POST /inventory, JSON) grouped into products by the
normalisation rules, kept up to date when an inventory changes, mapped by
hand and back; licence CRUD with its validation (negative seats, an end
before the start, a bad VKN, a licence key in the notes) and permissions,
audited; compliance (installed against the seats of licences in force,
expired ones not counted, unlimited), assignments refused past the seats,
the XLSX export read back, and the expiry reminder mailed once through a
real SMTP server (aiosmtpd)."""
import datetime
import gzip
import io
import json
import os
import re
import sqlite3
import zipfile

from harness import check, eq, expect_error, expect_status
from mailpeers import SmtpPeer

FROM = "bilgiislem@eyupsultan.bel.tr"
LICENCE_MAIL = "lisans@eyupsultan.bel.tr"


def _vkn(nine):
    """A valid Vergi Kimlik No from nine digits (the check digit of tr_vkn_check)."""
    total = 0
    for i, ch in enumerate(nine, start=1):
        t = (int(ch) + 10 - i) % 10
        if t:
            v = (t * 2 ** (10 - i)) % 9
            total += v if v else 9
    return nine + str((10 - total % 10) % 10)


def _day(offset):
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=3, days=offset)).strftime("%Y-%m-%d")


def _inventory(h, dev, software, server=None):
    """One GLPI Agent JSON inventory of a computer with these (name, version, publisher) titles."""
    host = dev.upper()
    inv = {"action": "inventory", "deviceid": dev, "itemtype": "Computer",
           "content": {"versionclient": "GLPI-Agent_v1.5",
                       "hardware": {"name": host, "memory": 8192},
                       "bios": {"ssn": "SN-" + dev, "smanufacturer": "Dell Inc.", "smodel": "OptiPlex 7090"},
                       "operatingsystem": {"full_name": "Windows 11 Pro"},
                       "softwares": [{"name": n, "version": v, "publisher": p} for n, v, p in software]}}
    r = h.client(server).request("POST", "/inventory", body=gzip.compress(json.dumps(inv).encode()),
                                 headers={"Content-Type": "application/x-compress-gzip"}, timeout=60)
    expect_status(r, 200, f"inventory of {dev}")
    eq(json.loads(gzip.decompress(r.body))["status"], "ok", "inventory status")
    c = h.as_user("mudur") if server is None else h.login("mudur", server=server)
    items = [i for i in c.get_json(f"/api/v1/assets?q={host.lower()}&limit=50")["items"] if i["hostname"] == host]
    eq(len(items), 1, f"asset of {dev}")
    return items[0]["id"]


def _product(c, q):
    items = c.get_json(f"/api/v1/software?q={q}")["items"]
    eq(len(items), 1, f"one product for {q}: {items}")
    return items[0]


def test_licences_software_products(h):
    c = h.as_user("mudur")
    p = h.uniq("Muhasebe")
    pub = "Deneme Yazılım Ltd. Şti."
    kb = h.uniq("KB50")
    d1, d2, d3 = h.uniq("lic-a"), h.uniq("lic-b"), h.uniq("lic-c")
    a1 = _inventory(h, d1, [(f"{p} 2.1.0 (x64 tr)", "2.1.0", pub), ("Mozilla Firefox (x64 tr)", "120.0", "Mozilla")])
    _inventory(h, d2, [(f"{p} 2.2.1 (x86)", "2.2.1", pub), (f"{p} - tr-tr", "2.2.1", pub),
                       (f"Security Update for {p} ({kb})", "1", "Microsoft Corporation")])
    _inventory(h, d3, [(f"{p} 2.2.1 (x86)", "2.2.1", pub)])
    prod = _product(c, p.lower())
    eq((prod["name"], prod["publisher"], prod["installations"], prod["ignored"]),
       (p, "Deneme Yazılım", 3, False), "three titles on three computers are one product")
    raw = c.get_json(f"/api/v1/software?group=title&q={p}")["items"]
    eq({x["name"]: x["installations"] for x in raw if "Security" not in x["name"]},
       {f"{p} 2.1.0 (x64 tr)": 1, f"{p} 2.2.1 (x86)": 2, f"{p} - tr-tr": 1}, "titles' counts")
    eq(sorted(x["name"] for x in raw if "Security" not in x["name"]),
       sorted([f"{p} 2.1.0 (x64 tr)", f"{p} 2.2.1 (x86)", f"{p} - tr-tr"]), "raw titles kept")
    check(all(x["product"]["id"] == prod["id"] for x in raw if "Security" not in x["name"]), f"grouped {raw}")
    check(all("installations" in x and "publisher" in x for x in raw), "the catalogue keeps its shape")
    full = c.get_json(f"/api/v1/software/products/{prod['id']}")
    eq([(v["version"], v["installations"]) for v in full["versions"]], [("2.1.0", 1), ("2.2.1", 2)], "versions")
    eq(len(full["titles"]), 3, "titles of the product")
    # the update is a product of its own that starts out ignored
    eq(c.get_json(f"/api/v1/software/products?q={p.lower()}&ignored=0")["items"][0]["id"], prod["id"], "listed")
    by_title = c.get_json(f"/api/v1/software?product={prod['id']}")["items"]
    eq(sorted(x["id"] for x in by_title), sorted(x["id"] for x in raw if "Security" not in x["name"]),
       "the titles of the product")
    upd = c.get_json(f"/api/v1/software?q={p.lower()}&ignored=1")["items"]
    check(len(upd) == 1 and upd[0]["ignored"] and upd[0]["name"].startswith("Security Update for"),
          f"the KB update is ignored: {upd}")
    # a new inventory without the product lowers the count
    _inventory(h, d3, [("Notepad++ (64-bit x64)", "8.6", "Notepad++ Team")])
    eq(_product(c, p.lower())["installations"], 2, "uninstalled on one computer")
    counts = {x["name"]: x["installations"] for x in c.get_json(f"/api/v1/software?group=title&q={p}")["items"]}
    eq((counts[f"{p} 2.2.1 (x86)"], counts[f"{p} 2.1.0 (x64 tr)"]), (1, 1), "the titles' counts moved too")
    # mapped by hand to another product, and back to the rules
    title = next(x for x in raw if x["name"] == f"{p} 2.1.0 (x64 tr)")
    other = h.uniq("Ozel Urun")
    r = c.request("PATCH", f"/api/v1/software/titles/{title['id']}",
                  json_body={"product": "new", "product_name": other, "publisher": "BT"}, csrf=True)
    expect_status(r, 200, "manual mapping")
    eq((r.json()["name"], r.json()["installations"]), (other, 1), "the new product has the computer")
    eq(_product(c, p.lower())["installations"], 1, "the old product lost it")
    r = c.request("PATCH", f"/api/v1/software/titles/{title['id']}", json_body={"product": None}, csrf=True)
    expect_status(r, 200, "back to the rules")
    eq((r.json()["id"], r.json()["installations"]), (prod["id"], 2), "grouped by the rules again")
    check(any(x["id"] == title["id"] and not x["manual"] for x in r.json()["titles"]), "no longer manual")
    expect_error(c.request("PATCH", f"/api/v1/software/titles/{title['id']}", json_body={"product": 999999999}, csrf=True),
                 400, "validation", "unknown product")
    expect_error(c.request("PATCH", "/api/v1/software/titles/999999999", json_body={"product": None}, csrf=True), 404,
                 "not_found", "unknown title")
    # ignoring a product; teknik may read but not change
    r = c.request("PATCH", f"/api/v1/software/products/{prod['id']}", json_body={"ignored": True}, csrf=True)
    expect_status(r, 200, "ignore")
    check(r.json()["ignored"], "ignored")
    expect_error(h.as_user("teknik").request("PATCH", f"/api/v1/software/products/{prod['id']}",
                                             json_body={"ignored": False}, csrf=True), 403, "forbidden", "teknik")
    c.request("PATCH", f"/api/v1/software/products/{prod['id']}", json_body={"ignored": False}, csrf=True)
    check(a1 > 0, "asset")
    expect_error(c.get("/api/v1/software?q=" + "x" * 300), 400, "validation", "long q")
    expect_error(c.get("/api/v1/software?group=title&q=" + "x" * 300), 400, "validation", "long q (titles)")


def test_licences_crud_and_validation(h):
    c = h.as_user("mudur")
    name = h.uniq("Ofis Paketi")
    vkn = _vkn("123456789")
    body = {"product_name": name, "publisher": "Microsoft", "type": "hacimli", "seats": 5,
            "start_date": "2026-01-01", "end_date": "2027-12-31", "supplier": "Bilgi Ltd.", "supplier_vkn": vkn,
            "order_no": "SIP-7", "invoice_no": "FT-2026-11", "cost": "12500,50",
            "key_ref": "Kasa: Lisanslar / Ofis 2026"}
    r = c.post("/api/v1/licences", body)
    expect_status(r, 201, "create")
    lic = r.json()
    eq((lic["product"]["name"], lic["type"], lic["seats"], lic["cost_kurus"], lic["supplier_vkn"], lic["active"]),
       (name, "hacimli", 5, 1250050, vkn, True), "stored")
    check("key" not in lic, "no key field")
    # bad input: every field named, nothing written
    bad_vkn = vkn[:9] + str((int(vkn[9]) + 1) % 10)
    r = c.post("/api/v1/licences", dict(body, seats=-1, start_date="2026-05-01", end_date="2026-04-01",
                                        supplier_vkn=bad_vkn))
    expect_error(r, 400, "validation", "bad licence")
    eq(sorted(r.json()["error"]["fields"]), ["end_date", "seats", "supplier_vkn"], "fields")
    for bad, field in (({"type": "kiralik"}, "type"), ({"seats": "beş"}, "seats"), ({"end_date": "31/12"}, "end_date"),
                       ({"key_ref": "ABCDE-12345-FGHIJ-67890-KLMNO"}, "key_ref"), ({"cost": "-5"}, "cost"),
                       ({"product_name": "", "publisher": ""}, "product_name")):
        r = c.post("/api/v1/licences", dict(body, **bad))
        expect_error(r, 400, "validation", f"bad {bad}")
        check(field in r.json()["error"]["fields"], f"{field} in {r.json()['error']['fields']}")
    r = c.post("/api/v1/licences", {"type": "oem"})
    expect_error(r, 400, "validation", "no product")
    eq(len(c.get_json(f"/api/v1/licences?product={lic['product']['id']}")["items"]), 1, "nothing else written")
    # change, read back, list
    r = c.request("PATCH", f"/api/v1/licences/{lic['id']}", json_body={"seats": 10, "note": "Yenilendi"}, csrf=True)
    expect_status(r, 200, "patch")
    eq((r.json()["seats"], r.json()["note"]), (10, "Yenilendi"), "patched")
    expect_error(c.request("PATCH", f"/api/v1/licences/{lic['id']}", json_body={"end_date": "2025-01-01"},
                           csrf=True), 400, "validation", "end before the stored start")
    r = c.request("PATCH", f"/api/v1/licences/{lic['id']}", json_body={"seats": None, "end_date": ""}, csrf=True)
    eq((r.json()["seats"], r.json()["unlimited"], r.json()["end_date"]), (None, True, None), "unlimited, no end")
    got = c.get_json(f"/api/v1/licences/{lic['id']}")
    eq(got["assignments"], [], "no assignments")
    # permissions: teknik reads, may not write; personel may not read
    t = h.as_user("teknik")
    expect_status(t.get(f"/api/v1/licences?product={lic['product']['id']}"), 200, "teknik reads")
    expect_error(t.post("/api/v1/licences", body), 403, "forbidden", "teknik may not record")
    expect_error(h.as_user("personel").get("/api/v1/licences"), 403, "forbidden", "personel")
    # delete; audited
    r = c.request("DELETE", f"/api/v1/licences/{lic['id']}", csrf=True)
    expect_status(r, 200, "delete")
    expect_error(c.get(f"/api/v1/licences/{lic['id']}"), 404, "not_found", "deleted")
    audit = h.as_user("admin").get_json(f"/api/v1/audit?entity=licence&entity_id={lic['id']}")
    eq(sorted(a["action"] for a in audit["items"]),
       ["licence.create", "licence.delete", "licence.update", "licence.update"], "audit")


def _sheet_rows(body):
    """The first worksheet of an XLSX as lists of cell texts (shared strings resolved)."""
    z = zipfile.ZipFile(io.BytesIO(body))
    strings = re.findall(r"<t[^>]*>([^<]*)</t>", z.read("xl/sharedStrings.xml").decode())
    sheet = z.read("xl/worksheets/sheet1.xml").decode()
    rows = []
    for row in re.findall(r"<row[^>]*>(.*?)</row>", sheet):
        cells = []
        for attrs, value in re.findall(r"<c([^>]*)>(?:<v>([^<]*)</v>)?", row):
            cells.append(strings[int(value)] if 't="s"' in attrs else value)
        rows.append(cells)
    return rows


def test_licences_compliance_and_assignments(h):
    c = h.as_user("mudur")
    p = h.uniq("Cizim")
    pub = "Çizim Yazılım A.Ş."
    assets = [_inventory(h, h.uniq("cmp"), [(f"{p} 24.{i} (x64)", f"24.{i}", pub)]) for i in range(3)]
    prod = _product(c, p.lower())
    eq(prod["installations"], 3, "installed on three")

    def line():
        items = c.get_json("/api/v1/licences/compliance")["items"]
        got = [x for x in items if x["product"]["id"] == prod["id"]]
        eq(len(got), 1, "one compliance line")
        return got[0]

    def create(**kw):
        b = {"product": prod["id"], "type": "cihaz"}
        b.update(kw)
        r = c.post("/api/v1/licences", b)
        expect_status(r, 201, f"licence {kw}")
        return r.json()

    two = create(seats=2, start_date=_day(-100), end_date=_day(200))
    x = line()
    eq((x["installed"], x["owned"], x["difference"], x["status"]), (3, 2, -1, "under"), "under-licensed")
    create(seats=10, start_date="2020-01-01", end_date="2021-01-01")
    x = line()
    eq((x["owned"], x["expired_licences"], x["licences"]), (2, 1, 1), "an expired licence is not counted")
    create(seats=5, start_date=_day(30))
    eq(line()["owned"], 2, "a licence that has not started is not counted")
    create(seats=2, type="kutu")
    x = line()
    eq((x["owned"], x["difference"], x["status"]), (4, 1, "over"), "over-licensed")
    # assignments: not past the seats
    for a in assets[:2]:
        expect_status(c.post(f"/api/v1/licences/{two['id']}/assignments", {"asset": a}), 201, "assign")
    expect_error(c.post(f"/api/v1/licences/{two['id']}/assignments", {"asset": assets[2]}), 409, "seats_exhausted",
                 "past the seats")
    eq(c.get_json(f"/api/v1/licences/{two['id']}")["assigned"], 2, "two assigned")
    expect_error(c.request("PATCH", f"/api/v1/licences/{two['id']}", json_body={"seats": 1}, csrf=True), 400,
                 "validation", "fewer seats than assigned")
    expect_error(c.post(f"/api/v1/licences/{two['id']}/assignments", {"asset": assets[0], "person": 1}), 400,
                 "validation", "both")
    expect_error(c.post(f"/api/v1/licences/{two['id']}/assignments", {"asset": 999999999}), 400, "validation",
                 "unknown asset")
    aid = c.get_json(f"/api/v1/licences/{two['id']}")["assignments"][0]["id"]
    expect_status(c.request("DELETE", f"/api/v1/licences/{two['id']}/assignments/{aid}", csrf=True), 200, "unassign")
    expect_status(c.post(f"/api/v1/licences/{two['id']}/assignments", {"asset": assets[2]}), 201, "a seat freed")
    # unlimited (site licence) to people
    q = h.uniq("Tarayici")
    _inventory(h, h.uniq("cmq"), [(f"{q} 3.0", "3.0", "")])
    site = c.post("/api/v1/licences", {"product_name": q, "type": "site", "seats": None}).json()
    with sqlite3.connect(f"file:{os.path.join(h.server.data_dir, 'defter.db')}?mode=ro", uri=True) as con:
        people = [r[0] for r in con.execute("SELECT id FROM org_people ORDER BY id LIMIT 3")]
    for pid in people:
        expect_status(c.post(f"/api/v1/licences/{site['id']}/assignments", {"person": pid}), 201, "person")
    expect_error(c.post(f"/api/v1/licences/{site['id']}/assignments", {"person": people[0]}), 409,
                 "already_assigned", "twice")
    items = c.get_json("/api/v1/licences/compliance")["items"]
    s = [x for x in items if x["product"]["name"] == q]
    eq([(x["installed"], x["owned"], x["unlimited"], x["status"]) for x in s], [(1, None, True, "unlimited")],
       "unlimited")
    # the XLSX workbook holds the same numbers
    r = c.get("/api/v1/licences/compliance.xlsx")
    expect_status(r, 200, "xlsx")
    rows = _sheet_rows(r.body)
    mine = [row for row in rows if len(row) > 1 and row[1] == p]
    eq(len(mine), 1, f"the product's row in the workbook: {rows[:5]}")
    eq([float(v) for v in mine[0][2:5]], [3.0, 4.0, 1.0], "installed, owned, difference")
    eq(mine[0][0], "Çizim Yazılım", "publisher")
    # the page shows the line
    page = c.get("/assets/licences/compliance")
    expect_status(page, 200, "compliance page")
    check(f'id="compliance-{prod["id"]}"' in page.text, "the product's line on the page")
    expect_status(c.get(f"/assets/licences/{two['id']}"), 200, "licence page")
    expect_status(c.get("/assets/licences"), 200, "licences page")
    expect_error(h.as_user("personel").get("/api/v1/licences/compliance"), 403, "forbidden", "personel")


def test_licences_expiry_reminder_mail(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        data = h.init_data("lic")
        with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
            f.write(f"\n[mail]\nsmtp_url = {smtp.url}\nfrom = {FROM}\nbase_url = http://defter.example\n")
            f.write(f"\n[assets]\nlicence_mail = {LICENCE_MAIL}\n")
        with sqlite3.connect(os.path.join(data, "defter.db")) as con:
            con.execute("UPDATE org_people SET email = 'kisi' || id || '@eyupsultan.bel.tr'")
            pid = con.execute("SELECT id FROM org_people WHERE active = 1 ORDER BY id LIMIT 1").fetchone()[0]
        s = h.new_server(data=data)
        c = h.login("mudur", server=s)
        name = h.uniq("Antivirus")
        r = c.post("/api/v1/licences", {"product_name": name, "type": "abonelik", "seats": 50,
                                        "start_date": _day(-300), "end_date": _day(20), "responsible": pid})
        expect_status(r, 201, "licence ending in 20 days")
        lic = r.json()
        far = c.post("/api/v1/licences", {"product_name": h.uniq("Uzak"), "type": "abonelik", "seats": 1,
                                          "end_date": _day(400), "responsible": pid}).json()
        exp = c.get_json("/api/v1/licences/expiring")["items"]
        eq([x["id"] for x in exp], [lic["id"]], "only the one ending within 90 days")
        eq(exp[0]["days_left"], 20, "days left")
        for _ in range(2):
            p = h.cli("jobs", "run", "assets.licence_remind", "--data", s.data_dir)
            eq(p.returncode, 0, f"assets.licence_remind ({p.stderr[-300:]})")
            p = h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
            eq(p.returncode, 0, f"mail.send ({p.stderr[-300:]})")
        person_mail = f"kisi{pid}@eyupsultan.bel.tr"
        m = smtp.wait_for(lambda m: m["X-RcptTo"] == person_mail)
        check(name in str(m["Subject"]) and f"/assets/licences/{lic['id']}" in m.get_content(), "reminder mail")
        smtp.wait_for(lambda m: m["X-RcptTo"] == LICENCE_MAIL)
        mine = [m for m in smtp.messages() if m["X-RcptTo"] in (person_mail, LICENCE_MAIL)]
        eq(len(mine), 2, "the 30-day reminder is sent once (to the responsible person and to licence_mail)")
        exp = c.get_json("/api/v1/licences/expiring")["items"]
        eq([(x["stage"], x["mailed"]) for x in exp[0]["reminders"]], [(30, True)], "the reminder remembered")
        check(all(x["id"] != far["id"] for x in exp), "far one not listed")
        expect_error(c.get("/api/v1/licences/expiring?days=-1"), 400, "validation", "bad days")


def test_licences_software_pages(h):
    """The catalogue in the browser: products with their device counts, a
    product's titles and versions, and the licence manager's two forms
    (map a title to another product, ignore a product); teknik sees the
    pages without the forms and may not post them."""
    c = h.as_user("mudur")
    p = h.uniq("Arsivci")
    other = h.uniq("Belgeci")
    pub = "Örnek Yazılım A.Ş."
    _inventory(h, h.uniq("pg-a"), [(f"{p} 3.0 (x64)", "3.0", pub), (f"{other} Client", "1.2", pub)])
    prod = _product(c, p.lower())
    page = c.get(f"/assets/software?q={p.lower()}")
    expect_status(page, 200, "catalogue page")
    check(f'href="/assets/software/{prod["id"]}"' in page.text, "the product is linked")
    page = c.get(f"/assets/software/{prod['id']}")
    expect_status(page, 200, "product page")
    check(f"{p} 3.0 (x64)" in page.text and "3.0" in page.text, "titles and versions shown")
    check('id="product-ignore-form"' in page.text, "mudur may ignore it")
    tech = h.as_user("teknik").get(f"/assets/software/{prod['id']}")
    expect_status(tech, 200, "teknik reads it")
    check('id="product-ignore-form"' not in tech.text, "teknik gets no forms")
    # map the title onto the other product
    title = c.get_json(f"/api/v1/software?product={prod['id']}")["items"][0]
    r = c.post_form(f"/assets/software/titles/{title['id']}/map",
                    {"product_name": other, "publisher": "Örnek Yazılım", "back": str(prod["id"]), "_csrf": c.csrf})
    expect_status(r, 303, "mapped")
    eq(r.header("Location"), f"/assets/software/{prod['id']}", "back to the product")
    moved = c.get_json(f"/api/v1/software?group=title&q={p}")["items"][0]
    eq(moved["product"]["name"], other, f"the title belongs to {other}: {moved}")
    # ignore, then count again
    target = moved["product"]["id"]
    r = c.post_form(f"/assets/software/{target}/ignore", {"ignored": "1", "_csrf": c.csrf})
    expect_status(r, 303, "ignored")
    check(c.get_json(f"/api/v1/software/products/{target}")["ignored"], "the product is ignored")
    r = h.as_user("teknik").post_form(f"/assets/software/{target}/ignore",
                                      {"ignored": "0", "_csrf": h.as_user("teknik").csrf})
    expect_status(r, 403, "teknik may not")
    r = c.post_form(f"/assets/software/{target}/ignore", {"ignored": "0", "_csrf": c.csrf})
    expect_status(r, 303, "counted again")
    eq(c.get_json(f"/api/v1/software/products/{target}")["ignored"], False, "counted again")
    expect_status(c.get("/assets/software/999999999"), 404, "no such product")
