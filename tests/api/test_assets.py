"""The asset register and custody (issue 5, points 1 and 2): registration
with the sicil no numbered per taşınır kodu and entry year, taşınır kodu
and VKN validation, type-specific fields, the lifecycle with its history,
search and paging, QR labels, and custody: issue to a person with a
Taşınır Teslim Belgesi (read back with pdftotext), the holder's own view,
the return ("geri alındı") and a shared space's list.

Demo users on the eyupsultan preset: mudur (yonetici, root), teknik
(teknik, YBY), personel (personel, ASD, linked to a person record)."""
import os
import sqlite3
import subprocess
import urllib.parse

from harness import check, eq, expect_error, expect_status


def _db(server):
    path = os.path.join(server.data_dir, "defter.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _asset(h, who="mudur", status=201, **fields):
    body = {"type": "masaustu", "name": h.uniq("Bilgisayar "), "code": "255.01.02"}
    body.update(fields)
    r = h.as_user(who).post("/api/v1/assets", body)
    expect_status(r, status, f"register {body}")
    return r.json()


def _person(h, username="personel"):
    with _db(h.server) as con:
        row = con.execute("SELECT p.id, p.name FROM org_people p JOIN users u ON u.id = p.user_id"
                          " WHERE u.username = ?", (username,)).fetchone()
    check(row, f"no person record linked to {username}")
    return row


def _pdftext(resp):
    expect_status(resp, 200)
    check(resp.header("Content-Type", "").startswith("application/pdf"), f"type {resp.header('Content-Type')}")
    check(resp.body.startswith(b"%PDF-"), "not a PDF")
    p = subprocess.run(["pdftotext", "-layout", "-", "-"], input=resp.body, capture_output=True, timeout=60)
    eq(p.returncode, 0, f"pdftotext: {p.stderr[-300:]}")
    return p.stdout.decode("utf-8")


def test_assets_sicil_sequence_per_code_and_year(h):
    code = f"255.{h._counter % 90 + 10:02d}.77"
    a1 = _asset(h, code=code, entry_date="2026-03-01", serial=h.uniq("SN"))
    a2 = _asset(h, code=code, entry_date="2026-05-01")
    b1 = _asset(h, code=code + ".03", entry_date="2026-05-02")
    c1 = _asset(h, code=code, entry_date="2025-12-31")
    eq(a1["sicil_no"], f"{code}-26-1", "first of the code and year")
    eq(a2["sicil_no"], f"{code}-26-2", "second of the code and year")
    eq(b1["sicil_no"], f"{code}.03-26-1", "another code starts at 1")
    eq(c1["sicil_no"], f"{code}-25-1", "another year starts at 1")
    eq(a1["status"], "depoda", "a new asset waits in the store")
    eq(a1["components"], [], "no components before an inventory")
    eq(a1["software_count"], 0, "no software before an inventory")
    got = h.as_user("mudur").get_json(f"/api/v1/assets/{a1['id']}")
    eq(got["sicil_no"], a1["sicil_no"], "read back")
    eq(got["history"][-1]["kind"], "created", "history starts with the registration")
    # The number is permanent: the code cannot change any more.
    r = h.as_user("mudur").request("PATCH", f"/api/v1/assets/{a1['id']}", json_body={"code": "255.01.03"},
                                   csrf=True)
    expect_error(r, 400, "validation")
    check("code" in r.json()["error"]["fields"], r.snippet())


def test_assets_validation(h):
    c = h.as_user("mudur")
    for code in ("255.1.2", "25.01.02", "255.01", "255.01.02.", "255.01.02.3", "abc.de.fg", "255-01-02", ""):
        r = c.post("/api/v1/assets", {"type": "monitor", "name": "Ekran", "code": code})
        expect_error(r, 400, "validation", f"code {code!r}")
        check("code" in r.json()["error"]["fields"], f"{code!r}: {r.snippet()}")
    for code in ("255.01.02", "253.02.03.04", "150.01.01.01.01"):
        _asset(h, type="monitor", name="Ekran", code=code)
    r = c.post("/api/v1/assets", {"type": "masaustu", "name": "PC", "code": "255.01.02", "supplier_vkn": "4540536921"})
    expect_error(r, 400, "validation", "bad VKN check digit")
    check("supplier_vkn" in r.json()["error"]["fields"], r.snippet())
    ok = _asset(h, supplier="Örnek Bilişim A.Ş.", supplier_vkn="4540536920", value="12500,50",
                purchase_date="01.02.2026", warranty_end="2028-02-01", invoice_no="ABC2026000123",
                attrs={"cpu": "i5", "ram_gb": "16"}, building="Ana bina", floor="2", room="214")
    eq(ok["purchase"]["value"], "12500.50", "value in lira with kuruş")
    eq(ok["purchase"]["date"], "2026-02-01", "Turkish date rewritten")
    eq(ok["purchase"]["supplier_vkn"], "4540536920", "VKN kept")
    eq(ok["attrs"], {"cpu": "i5", "ram_gb": "16"}, "type fields kept")
    eq(ok["location"]["room"], "214", "room kept")
    r = c.post("/api/v1/assets", {"type": "monitor", "name": "Ekran", "code": "255.01.02", "attrs": {"cpu": "i5"}})
    expect_error(r, 400, "validation", "a monitor has no cpu")
    r = c.post("/api/v1/assets", {"type": "uzay_gemisi", "name": "X", "code": "255.01.02"})
    expect_error(r, 400, "validation", "unknown type")
    r = c.post("/api/v1/assets", {"type": "masaustu", "name": "X", "code": "255.01.02", "value": "12.345"})
    expect_error(r, 400, "validation", "three decimals")
    r = c.post("/api/v1/assets", {"type": "masaustu", "name": "X", "code": "255.01.02", "colour": "red"})
    expect_error(r, 400, "validation", "unknown field")
    r = c.post("/api/v1/assets", {"type": "masaustu", "name": "X\u0001", "code": "255.01.02"})
    expect_error(r, 400, "validation", "control character")
    types = c.get_json("/api/v1/assets/types")
    keys = {t["key"] for t in types["types"]}
    for k in ("masaustu", "dizustu", "monitor", "yazici", "tarayici", "ip_telefon", "kamera", "ag_cihazi", "sunucu",
              "depolama", "ups", "sunum_ekrani", "kartli_gecis", "diger"):
        check(k in keys, f"type {k} missing")
    eq([s["key"] for s in types["statuses"]], ["depoda", "kullanimda", "arizali", "serviste", "hurda"], "statuses")


def test_assets_lifecycle_history(h):
    a = _asset(h)
    c = h.as_user("mudur")
    path = f"/api/v1/assets/{a['id']}/status"
    for to in ("kullanimda", "arizali", "serviste", "kullanimda", "depoda"):
        r = c.post(path, {"to": to, "note": f"-> {to}"})
        expect_status(r, 200, f"to {to}")
        eq(r.json()["status"], to, "status")
    expect_error(c.post(path, {"to": "depoda"}), 409, "same_status")
    expect_error(c.post(path, {"to": "kayip"}), 400, "validation")
    expect_status(c.post(path, {"to": "hurda", "note": "Kayıttan düşme tutanağı 12"}), 200)
    expect_error(c.post(path, {"to": "kullanimda"}), 409, "scrapped")
    hist = c.get_json(f"/api/v1/assets/{a['id']}/history")["items"]
    moves = [(e["from"], e["to"]) for e in hist if e["kind"] == "status"]
    eq(moves[::-1], [("depoda", "kullanimda"), ("kullanimda", "arizali"), ("arizali", "serviste"),
                     ("serviste", "kullanimda"), ("kullanimda", "depoda"), ("depoda", "hurda")], "history")
    with _db(h.server) as con:
        n = con.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'asset' AND entity_id = ?",
                        (str(a["id"]),)).fetchone()[0]
    check(n >= 7, f"audit rows for the asset: {n}")


def test_assets_search_and_paging(h):
    serial = h.uniq("SRCH")
    made = [_asset(h, serial=f"{serial}-{i}", name=f"Yazıcı Işıklı {i}", type="yazici") for i in range(3)]
    c = h.as_user("mudur")
    got = c.get_json(f"/api/v1/assets?q={serial.lower()}&limit=2")
    eq(len(got["items"]), 2, "first page")
    check(got["next_cursor"], "a cursor to the next page")
    rest = c.get_json(f"/api/v1/assets?q={serial}&limit=2&cursor={got['next_cursor']}")
    eq(len(rest["items"]), 1, "second page")
    eq(rest["next_cursor"], None, "no more")
    ids = {i["id"] for i in got["items"] + rest["items"]}
    eq(ids, {m["id"] for m in made}, "all three found")
    for it in got["items"]:
        for k in ("id", "sicil_no", "serial", "name", "type"):
            check(k in it, f"list item lacks {k}")
    # Turkish fold: "ISIKLI" finds "Işıklı".
    got = c.get_json(f"/api/v1/assets?q=ISIKLI%20{serial}&limit=50")
    check(len(got["items"]) == 3, f"folded search: {got}")
    expect_error(c.get("/api/v1/assets?type=roket"), 400, "validation")
    expect_error(c.get("/api/v1/assets?cursor=abc"), 400, "validation")
    expect_error(h.as_user("personel").get("/api/v1/assets"), 403, "forbidden")


def test_assets_labels_pdf(h):
    a = _asset(h, serial=h.uniq("LBL"), room="B-12")
    b = _asset(h)
    c = h.as_user("mudur")
    r = c.get(f"/api/v1/assets/labels.pdf?ids={a['id']},{b['id']}")
    text = _pdftext(r)
    check(a["sicil_no"] in text and b["sicil_no"] in text, f"sicil numbers on the labels: {text[:400]}")
    check(a["serial"] in text, "serial on the label")
    # The QR modules are vector rectangles: a label sheet is much larger than its text alone.
    check(len(r.body) > 3000, f"PDF size {len(r.body)}")
    expect_error(c.get("/api/v1/assets/labels.pdf?ids=x"), 400, "validation")
    expect_error(c.get("/api/v1/assets/labels.pdf?ids=999999"), 404, "not_found")


def test_assets_custody_pdf_return(h):
    person_id, person_name = _person(h)
    a = _asset(h, serial=h.uniq("CUS"), brand="Dell", model="OptiPlex 7010")
    c = h.as_user("teknik")
    r = c.post(f"/api/v1/assets/{a['id']}/custody", {"person": person_id, "note": "Yeni personel"})
    if r.status == 404:  # the asset belongs to mudur's unit; teknik's grants may not reach it
        c = h.as_user("mudur")
        r = c.post(f"/api/v1/assets/{a['id']}/custody", {"person": person_id, "note": "Yeni personel"})
    expect_status(r, 201, "issue")
    cus = r.json()
    check(cus["belge_no"] and "/" in cus["belge_no"], f"belge no {cus['belge_no']}")
    eq(cus["person"]["name"], person_name, "holder")
    expect_error(c.post(f"/api/v1/assets/{a['id']}/custody", {"person": person_id}), 409, "in_custody")
    got = c.get_json(f"/api/v1/assets/{a['id']}")
    eq(got["status"], "kullanimda", "issued assets are in use")
    eq(got["custody"]["id"], cus["id"], "custody on the asset")
    text = _pdftext(c.get(cus["document"]))
    check("Teslim Belgesi" in text or "TESLİM BELGESİ" in text, f"title: {text[:300]}")
    for want in (a["sicil_no"], a["serial"], person_name, "255.01.02", "Dell", cus["belge_no"]):
        check(want in text, f"{want!r} missing from the Teslim Belgesi: {text[:800]}")
    # The holder sees it, and may open the belge; another employee may not.
    mine = h.as_user("personel").get_json("/api/v1/custody/mine")["items"]
    check(any(i["asset"]["id"] == a["id"] for i in mine), f"holder's list: {mine}")
    expect_status(h.as_user("personel").get(cus["document"]), 200, "the holder opens the belge")
    _, other, other_pw = h.create_user(role="personel")
    expect_error(h.login(other, other_pw).get(cus["document"]), 404, "not_found")
    page = h.as_user("personel").get("/assets/mine")
    expect_status(page, 200)
    check(a["sicil_no"] in page.text, "my custody page lists it")
    held = c.get_json(f"/api/v1/custody?person={person_id}&open=1")["items"]
    check(any(i["id"] == cus["id"] for i in held), "the person's open custody")
    page = h.as_user("mudur").get(f"/assets/mine?person={person_id}")
    expect_status(page, 200, "a person's holdings for the handover")
    check(a["sicil_no"] in page.text and person_name in page.text, "holdings page")
    eq(h.as_user("personel").get(f"/assets/mine?person={person_id}").status, 403, "another person's holdings")
    expect_error(h.as_user("personel").post(f"/api/v1/custody/{cus['id']}/return", {}), 403, "forbidden")
    # Return ("geri alındı").
    r = c.post(f"/api/v1/custody/{cus['id']}/return", {"note": "Ayrıldı"})
    expect_status(r, 200, "return")
    check(r.json()["returned_at"], "returned_at set")
    expect_error(c.post(f"/api/v1/custody/{cus['id']}/return", {}), 409, "returned")
    got = c.get_json(f"/api/v1/assets/{a['id']}")
    eq(got["status"], "depoda", "back in the store")
    eq(got["custody"], None, "no open custody")
    check([e for e in got["history"] if e["kind"] == "returned"], "return in the history")
    held = c.get_json(f"/api/v1/custody?person={person_id}&open=1")["items"]
    check(all(i["id"] != cus["id"] for i in held), "not open any more")
    text = _pdftext(c.get(cus["document"]))
    check("Ayrıldı" in text, f"return note on the belge: {text[-600:]}")
    # Unnumbered or scrapped assets cannot be issued; bad input is 400.
    expect_error(c.post(f"/api/v1/assets/{a['id']}/custody", {}), 400, "validation")
    expect_error(c.post(f"/api/v1/assets/{a['id']}/custody", {"person": 99999999}), 400, "validation")
    expect_error(c.post(f"/api/v1/assets/{a['id']}/custody", {"person": person_id, "space": "Oda"}), 400,
                 "validation")


def test_assets_shared_space_list(h):
    officer_id, officer_name = _person(h, "teknik") if _has_person(h, "teknik") else _person(h)
    space = h.uniq("Sunucu odası ")
    a = _asset(h, type="sunucu", name="Sunucu 1")
    b = _asset(h, type="ups", name="UPS 1")
    c = h.as_user("mudur")
    for x in (a, b):
        r = c.post(f"/api/v1/assets/{x['id']}/custody", {"space": space, "officer": officer_id})
        expect_status(r, 201, "placed in the space")
        eq(r.json()["belge_no"], None, "a list, not a Teslim Belgesi")
    expect_error(c.post(f"/api/v1/assets/{a['id']}/custody", {"space": "X"}), 400, "validation")
    text = _pdftext(c.get(f"/api/v1/custody/space.pdf?space={urllib.parse.quote(space)}"))
    for want in (a["sicil_no"], b["sicil_no"], officer_name):
        check(want in text, f"{want!r} missing from the list: {text[:600]}")


def _has_person(h, username):
    with _db(h.server) as con:
        return con.execute("SELECT 1 FROM org_people p JOIN users u ON u.id = p.user_id WHERE u.username = ?",
                           (username,)).fetchone() is not None


def test_assets_pages(h):
    c = h.as_user("mudur")
    r = c.post_form("/assets", {"_csrf": c.csrf, "type": "yazici", "name": "Sayfa yazıcısı",
                                "code": "255.01.09", "serial": h.uniq("PG")})
    eq(r.status, 303 if r.status == 303 else 302, f"redirect after registering: {r.status} {r.snippet()}")
    loc = r.header("Location")
    check(loc and loc.startswith("/assets/"), f"Location {loc}")
    page = c.get(loc)
    expect_status(page, 200)
    check("255.01.09-" in page.text, "sicil no on the page")
    r = c.post_form("/assets", {"_csrf": c.csrf, "type": "yazici", "name": "X", "code": "1.2.3"})
    eq(r.status, 400, "invalid form shows the page again")
    check("form-error" in r.text, "error box")


def test_assets_linked_tickets(h):
    """A fault report names an asset: the desk checks it exists and shows it; the asset lists the ticket."""
    a = _asset(h, serial=h.uniq("SN"))
    emp = h.as_user("personel")
    cats = emp.get_json("/api/v1/desk/categories")["items"]
    base = {"type": "ariza", "subject": "Ekran kararıyor " + h.uniq("t"), "body": "Açılmıyor.", "category": cats[0]["id"]}
    expect_error(emp.post("/api/v1/desk/tickets", dict(base, asset_id=99999999)), 400, "validation", "unknown asset")
    r = emp.post("/api/v1/desk/tickets", dict(base, asset_id=a["id"]))
    expect_status(r, 201, "ticket on the asset")
    t = emp.get_json(f"/api/v1/desk/tickets/{r.json()['id']}")
    eq((t["asset"]["id"], t["asset"]["sicil_no"]), (a["id"], a["sicil_no"]), "the asset on the ticket")
    full = h.as_user("mudur").get_json(f"/api/v1/assets/{a['id']}")
    check(any(x["id"] == r.json()["id"] for x in full.get("tickets", [])), f"the ticket on the asset: {full.get('tickets')}")
