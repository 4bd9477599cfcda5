"""Counts (sayım, issue 5 point 3) and Varlık İşlem Fişleri: a count over a
location with a planted difference (one asset moved away and never scanned
-> Noksan, one asset from elsewhere scanned -> Fazla, one item on a Teslim
Belgesi taken from the records, one unknown code recorded as an
unregistered item), duplicate scans, the movement freeze (custody, status,
location), the recount of the differing lines only, the finalisation with
its VİFs, write-off lines and review-queue asset, the Döküm Cetveli read
back from the XLSX (zipfile + XML) and the PDFs (pdftotext), bad input, and
the VİF numbering that restarts each year and stays gap-free under
concurrent registrations.

Demo users: mudur (yonetici: assets.count), teknik (no assets.count),
personel (linked to a person record; sits on the kurul)."""
import datetime
import os
import re
import sqlite3
import subprocess
import threading
import xml.etree.ElementTree as ET
import zipfile
import io

from harness import check, eq, expect_error, expect_status

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _db(server):
    path = os.path.join(server.data_dir, "defter.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _asset(h, **fields):
    body = {"type": "masaustu", "name": h.uniq("Bilgisayar "), "code": "255.01.02"}
    body.update(fields)
    r = h.as_user("mudur").post("/api/v1/assets", body)
    expect_status(r, 201, f"register {body}")
    return r.json()


def _people(h):
    """personel's person id first, then two more active people."""
    with _db(h.server) as con:
        me = con.execute("SELECT p.id FROM org_people p JOIN users u ON u.id = p.user_id"
                         " WHERE u.username = 'personel'").fetchone()[0]
        others = [r[0] for r in con.execute("SELECT id FROM org_people WHERE active = 1 AND id <> ?"
                                            " ORDER BY id LIMIT 3", (me,))]
    check(len(others) >= 2, "the demo has at least three people")
    return [me, others[0], others[1]]


def _pdftext(resp):
    expect_status(resp, 200)
    check(resp.body.startswith(b"%PDF-"), "not a PDF")
    p = subprocess.run(["pdftotext", "-layout", "-", "-"], input=resp.body, capture_output=True, timeout=60)
    eq(p.returncode, 0, f"pdftotext: {p.stderr[-300:]}")
    return p.stdout.decode("utf-8")


def _xlsx_rows(body):
    """The first sheet's rows as lists of cell texts (shared strings resolved)."""
    z = zipfile.ZipFile(io.BytesIO(body))
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter(f"{{{NS['m']}}}row"):
        cells = []
        for c in row.findall("m:c", NS):
            v = c.find("m:v", NS)
            text = v.text if v is not None else ""
            if c.get("t") == "s":
                text = shared[int(text)]
            cells.append(text)
        rows.append(cells)
    return rows


def _num(s):
    return float(s) if s not in ("", None) else 0.0


def _open(h, who="mudur", **fields):
    people = _people(h)
    body = {"reason": "yil_sonu", "kurul": people, "kayit_yetkilisi": people[1]}
    body.update(fields)
    return h.as_user(who).post("/api/v1/assets/counts", body)


def test_asset_counts_full_flow(h):
    bina = h.uniq("Sayım Binası ")
    mudur = h.as_user("mudur")
    a1 = _asset(h, building=bina, room="101", serial=h.uniq("SN"), value="1000")
    a2 = _asset(h, building=bina, room="101", serial=h.uniq("SN"), value="2000")
    a3 = _asset(h, building=bina, room="102", value="3000")
    moved = _asset(h, building=bina, room="102", value="4000")  # carried away: never scanned -> Noksan
    held = _asset(h, building=bina, room="103", value="500")    # on a Teslim Belgesi: taken from the records
    stray = _asset(h, building=h.uniq("Başka Bina "), value="700")  # found here -> Fazla
    people = _people(h)
    expect_status(mudur.post(f"/api/v1/assets/{held['id']}/custody", {"person": people[0]}), 201, "issue held")
    held_cus = mudur.get_json(f"/api/v1/assets/{held['id']}")["custody"]

    r = _open(h, building=bina, title="Yıl sonu sayımı " + bina)
    expect_status(r, 201, "open")
    cnt = r.json()
    cid = cnt["id"]
    eq(cnt["state"], "sayim", "first pass")
    eq(cnt["progress"]["expected"], 4, "four to count")
    eq(cnt["progress"]["records"], 1, "one taken from the records")
    eq(len(cnt["kurul"]), 3, "kurul")
    roles = {k["person_id"]: k["role"] for k in cnt["kurul"]}
    eq(roles[people[1]], "kayit_yetkilisi", "kayıt yetkilisi")
    eq(sorted(roles.values()), ["baskan", "kayit_yetkilisi", "uye"], "roles")
    records = [l for l in cnt["lines"] if l["kind"] == "records"]
    eq([l["asset_id"] for l in records], [held["id"]], "the Teslim Belgesi item is listed apart")
    check(records[0]["holder"], "its holder is named")

    # Movements of assets in the count are frozen.
    for resp, what in (
        (mudur.post(f"/api/v1/assets/{a1['id']}/custody", {"person": people[2]}), "custody issue"),
        (mudur.post(f"/api/v1/custody/{held_cus['id']}/return", {}), "custody return"),
        (mudur.post(f"/api/v1/assets/{a1['id']}/status", {"to": "arizali"}), "status"),
        (mudur.request("PATCH", f"/api/v1/assets/{a1['id']}", json_body={"room": "999"}, csrf=True), "room"),
    ):
        expect_error(resp, 409, "count_frozen", what)
        msg = resp.json()["error"]["message"]
        check(str(cid) in msg, f"{what}: names the count: {resp.snippet()}")
        # "Sayım sürüyor: ... hareketi donduruldu" once po/tr.po carries the translation.
        check("Sayım sürüyor" in msg or "Count in progress" in msg, f"{what}: {msg}")
    # Not a movement: the name may still be corrected; assets elsewhere move freely.
    expect_status(mudur.request("PATCH", f"/api/v1/assets/{a1['id']}", json_body={"note": "etiket yenilendi"},
                                csrf=True), 200, "note")
    expect_status(mudur.post(f"/api/v1/assets/{stray['id']}/status", {"to": "kullanimda"}), 200, "outside the count")

    # Scanning: personel sits on the kurul without assets.count.
    p = h.as_user("personel")
    scan = f"/api/v1/assets/counts/{cid}/scan"

    def s(client, code, **kw):
        r = client.post(scan, {"code": code, **kw})
        expect_status(r, 200, f"scan {code}")
        return r.json()

    eq(s(p, a1["sicil_no"])["result"], "found", "a1 by its label")
    eq(s(p, a1["sicil_no"])["result"], "duplicate", "a1 again")
    eq(s(p, a2["serial"].lower())["result"], "found", "a2 by its serial, typed in lower case")
    eq(s(mudur, a3["sicil_no"])["result"], "found", "a3")
    eq(s(p, held["sicil_no"])["result"], "records", "the held item is not counted")
    got = s(p, stray["sicil_no"])
    eq(got["result"], "unexpected", "stray")
    eq(got["progress"]["found"], 3, "three of four found")
    eq(got["progress"]["unexpected"], 1, "one unexpected")
    unknown = h.uniq("ESKI-ETIKET-")
    r = p.post(scan, {"code": unknown})
    expect_error(r, 400, "validation", "unknown code without a description")
    check("description" in r.json()["error"]["fields"], r.snippet())
    eq(s(p, unknown, description="Eski yazıcı, etiketsiz")["result"], "unregistered", "unregistered item")
    eq(s(p, unknown)["result"], "duplicate", "the same unknown code again")
    expect_error(p.post(scan, {"code": ""}), 400, "validation", "empty code")
    # Neither on the kurul nor holding assets.count: the count does not exist for them.
    expect_error(h.as_user("teknik").post(scan, {"code": a1["sicil_no"]}), 404, "not_found")
    expect_error(h.as_user("teknik").get(f"/api/v1/assets/counts/{cid}"), 404, "not_found")
    # Only assets.count closes and finalises.
    expect_status(p.post(f"/api/v1/assets/counts/{cid}/close", {}), 403, "kurul member closes")
    expect_error(mudur.post(f"/api/v1/assets/counts/{cid}/finalise", {}), 409, "not_closed")

    # Close the first pass: the differing lines go to the recount.
    r = mudur.post(f"/api/v1/assets/counts/{cid}/close", {})
    expect_status(r, 200, "close")
    cnt = r.json()
    eq(cnt["state"], "ikinci", "recount")
    diffs = {(l["asset_id"], l["kind"], l["first_difference"]) for l in cnt["differences"]}
    check(all(l["recount"] for l in cnt["differences"]), "every difference is recounted")
    eq(len(diffs), 3, f"three differences: {diffs}")
    check((moved["id"], "expected", "noksan") in diffs, f"moved is Noksan: {diffs}")
    check((stray["id"], "unexpected", "fazla") in diffs, f"stray is Fazla: {diffs}")
    eq(cnt["progress"]["recount"], 3, "three lines recounted")
    expect_error(mudur.post(f"/api/v1/assets/counts/{cid}/close", {}), 409, "closed")
    # Recount: only the differing lines count again.
    eq(s(p, stray["sicil_no"])["result"], "found", "stray confirmed")
    eq(s(p, unknown)["result"], "found", "unregistered item confirmed")
    eq(s(p, a1["sicil_no"])["result"], "duplicate", "a1 was counted in the first pass")
    eq(s(p, stray["sicil_no"])["result"], "duplicate", "stray twice in the recount")
    eq(mudur.get_json(f"/api/v1/assets/counts/{cid}")["progress"]["recounted"], 2, "two recounted")

    # Finalise: Noksan -> write-off line + çıkış VİF, Fazla -> giriş VİF.
    r = mudur.post(f"/api/v1/assets/counts/{cid}/finalise", {})
    expect_status(r, 200, "finalise")
    cnt = r.json()
    eq(cnt["state"], "kesin", "finalised")
    eq(cnt["progress"]["noksan"], 1, "one Noksan")
    eq(cnt["progress"]["fazla"], 2, "two Fazla")
    results = {l["asset_id"]: l["result"] for l in cnt["lines"] if l["result"]}
    eq(results.get(moved["id"]), "noksan", "moved written off")
    eq(results.get(stray["id"]), "fazla", "stray taken in")
    kinds = sorted(v["kind"] for v in cnt["vifs"])
    eq(kinds, ["cikis", "giris"], "one exit and one entry VİF")
    unreg = [l for l in cnt["lines"] if l["kind"] == "unregistered"][0]
    check(unreg["asset_id"], "the unregistered item became an asset")
    new = mudur.get_json(f"/api/v1/assets/{unreg['asset_id']}")
    eq(new["review"], True, "in the review queue")
    eq(new["name"], "Eski yazıcı, etiketsiz", "named by its description")
    eq(new["location"]["building"], bina, "where it was found")
    gone = mudur.get_json(f"/api/v1/assets/{moved['id']}")
    eq(gone["status"], "hurda", "the Noksan asset left the register")
    check(any(e["kind"] == "written_off" for e in gone["history"]), "written_off in its history")
    eq(mudur.get_json(f"/api/v1/assets/{stray['id']}")["location"]["building"], bina, "stray moved here")
    for v in cnt["vifs"]:
        fis = mudur.get_json(f"/api/v1/vif/{v['id']}")
        eq(fis["count_id"], cid, "VİF names its count")
        ids = {l["asset_id"] for l in fis["lines"]}
        if fis["kind"] == "cikis":
            eq(ids, {moved["id"]}, "exit VİF lines")
            eq(fis["lines"][0]["value"], "4000.00", "exit value")
        else:
            eq(ids, {stray["id"], unreg["asset_id"]}, "entry VİF lines")
        check(fis["date"] >= cnt["date"], "not dated before the count")
    with _db(h.server) as con:
        wo = con.execute("SELECT asset_id, reason, vif_id FROM asset_writeoffs WHERE count_id = ?", (cid,)).fetchall()
        audit = con.execute("SELECT action FROM audit_log WHERE entity = 'asset_count' AND entity_id = ?",
                            (str(cid),)).fetchall()
    eq([(w[0], w[1]) for w in wo], [(moved["id"], "sayim_noksan")], "Kayıttan Düşme Teklif ve Onay Tutanağı line")
    acts = [a[0] for a in audit]
    for want in ("count.open", "count.scan", "count.close", "count.finalise"):
        check(want in acts, f"audit {want}: {acts}")

    # Never reopened; the freeze is lifted.
    expect_error(p.post(scan, {"code": a1["sicil_no"]}), 409, "finalised")
    expect_error(mudur.post(f"/api/v1/assets/counts/{cid}/finalise", {}), 409, "finalised")
    expect_error(mudur.post(f"/api/v1/assets/counts/{cid}/close", {}), 409, "finalised")
    expect_status(mudur.post(f"/api/v1/assets/{a1['id']}/status", {"to": "arizali"}), 200, "movements free again")

    # Döküm Cetveli (XLSX): grouped by taşınır kodu; carried = found.
    x = mudur.get(cnt["documents"]["cetvel_xlsx"])
    expect_status(x, 200, "xlsx")
    check(x.header("Content-Type", "").startswith("application/vnd.openxmlformats"), "xlsx type")
    rows = _xlsx_rows(x.body)
    check("Döküm Cetveli" in rows[0][0], f"title {rows[0]}")
    body = {r[0]: r for r in rows[3:] if r}
    g = body.get("255.01.02")
    check(g, f"a row for 255.01.02: {rows}")
    eq([_num(v) for v in g[3:9]], [5, 5, 1, 1, 5, 1000 + 2000 + 3000 + 500 + 700], "records, found, fazla, noksan,"
       " carried, value")
    u = body.get("-")
    check(u, f"a row for the item without a code: {rows}")
    eq([_num(v) for v in u[3:8]], [0, 1, 1, 0, 1], "the unregistered item")
    # Döküm Cetveli (PDF) and the Sayım Tutanağı signed by the kurul.
    text = _pdftext(mudur.get(cnt["documents"]["cetvel_pdf"]))
    check("Döküm Cetveli" in text and "255.01.02" in text, f"cetvel pdf: {text[:500]}")
    text = _pdftext(mudur.get(cnt["documents"]["tutanak_pdf"]))
    check("Sayım Tutanağı" in text or "SAYIM TUTANAĞI" in text, f"tutanak: {text[:400]}")
    for want in [k["name"] for k in cnt["kurul"]] + [moved["sicil_no"], stray["sicil_no"], unknown]:
        check(want in text, f"{want!r} missing from the Sayım Tutanağı: {text[:1500]}")
    # The kurul member may read the documents too.
    expect_status(p.get(cnt["documents"]["tutanak_pdf"]), 200, "kurul reads the tutanak")


def test_asset_counts_bad_input(h):
    mudur = h.as_user("mudur")
    expect_error(mudur.get("/api/v1/assets/counts/999999"), 404, "not_found")
    expect_error(mudur.post("/api/v1/assets/counts/999999/scan", {"code": "x"}), 404, "not_found")
    expect_error(mudur.get("/api/v1/assets/counts/abc"), 404, "not_found")
    people = _people(h)
    bina = h.uniq("Hatalı Bina ")
    cases = [
        ({"kurul": people[:2]}, "kurul"),
        ({"kayit_yetkilisi": 999999}, "kayit_yetkilisi"),
        ({"kurul": people[:2] + [999999]}, "kurul"),
        ({"reason": "keyfi"}, "reason"),
        ({"reason": "emir"}, "order_ref"),
        ({"date": "2999-01-01"}, "date"),
        ({"date": "31/31/2020"}, "date"),
        ({"building": None, "unit": "YOKBOYLE"}, "unit"),
        ({"spaces": [""]}, "spaces"),
    ]
    for extra, field in cases:
        body = {"building": bina}
        body.update(extra)
        if body.get("building") is None:
            body.pop("building")
        r = _open(h, **body)
        expect_error(r, 400, "validation", f"{extra}")
        check(field in r.json()["error"]["fields"], f"{extra}: {r.snippet()}")
    r = h.as_user("mudur").post("/api/v1/assets/counts", {"reason": "yil_sonu", "kurul": people,
                                                          "kayit_yetkilisi": people[0]})
    expect_error(r, 400, "validation", "no scope")
    check("unit" in r.json()["error"]["fields"], r.snippet())
    expect_status(h.as_user("teknik").post("/api/v1/assets/counts", {}), 403, "teknik has no assets.count")
    # One open count per asset.
    _asset(h, building=bina)
    first = _open(h, building=bina, reason="emir", order_ref="Başkanlık oluru 2026/14")
    expect_status(first, 201, "open")
    eq(first.json()["order_ref"], "Başkanlık oluru 2026/14", "order kept")
    expect_error(_open(h, building=bina), 409, "count_overlap")
    # Pages: the list with its form, the scanning page for a kurul member.
    page = mudur.get("/assets/counts")
    expect_status(page, 200)
    check('id="new-count-form"' in page.text and f'href="/assets/counts/{first.json()["id"]}"' in page.text,
          "list page")
    page = h.as_user("personel").get(f"/assets/counts/{first.json()['id']}/scan")
    expect_status(page, 200)
    check('id="scan-code"' in page.text and "autofocus" in page.text, "scan page")
    expect_status(h.as_user("teknik").get(f"/assets/counts/{first.json()['id']}/scan"), 404, "not for teknik")


def test_asset_vif_numbering(h):
    mudur = h.as_user("mudur")
    this_year = (datetime.datetime.utcnow() + datetime.timedelta(hours=3)).year
    last = this_year - 1

    def nos(year):
        got = mudur.get_json(f"/api/v1/vif?year={year}")
        eq(got["year"], year, "year")
        return [v["no"] for v in got["items"]], got["items"]

    a = _asset(h, entry_date=f"{last}-06-01", purchase_date=f"{last}-05-20", invoice_no="FTR-1")
    before_last, items = nos(last)
    eq(before_last, list(range(1, len(before_last) + 1)), "last year's numbers are gap-free from 1")
    fis = mudur.get_json(f"/api/v1/vif/{items[-1]['id']}")
    eq(fis["kind"], "giris", "a registration is an entry")
    eq([l["asset_id"] for l in fis["lines"]], [a["id"]], "its line")
    eq(fis["date"], f"{last}-06-01", "dated on the entry date")
    eq(fis["source_date"], f"{last}-05-20", "source: the invoice date")
    check("FTR-1" in fis["source_ref"], fis["source_ref"])
    b = _asset(h)
    now_nos, items = nos(this_year)
    eq(now_nos, list(range(1, len(now_nos) + 1)), "this year restarts at 1, gap-free")
    eq([l["asset_id"] for l in mudur.get_json(f"/api/v1/vif/{items[-1]['id']}")["lines"]], [b["id"]], "b's VİF")
    _asset(h, entry_date=f"{last}-12-31")
    eq(nos(last)[0], list(range(1, len(before_last) + 2)), "last year continues from its own number")
    # Scrapping writes a çıkış VİF.
    expect_status(mudur.post(f"/api/v1/assets/{b['id']}/status", {"to": "hurda", "note": "Tutanak 7"}), 200)
    _, items = nos(this_year)
    fis = mudur.get_json(f"/api/v1/vif/{items[-1]['id']}")
    eq((fis["kind"], [l["asset_id"] for l in fis["lines"]]), ("cikis", [b["id"]]), "scrap VİF")
    # Concurrent registrations: unique numbers, no gaps.
    errors = []

    def reg():
        try:
            c = h.login("mudur")
            r = c.post("/api/v1/assets", {"type": "monitor", "name": "Ekran", "code": "255.01.02"})
            if r.status != 201:
                errors.append(r.snippet())
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=reg) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eq(errors, [], "concurrent registrations")
    got, _ = nos(this_year)
    eq(got, list(range(1, len(now_nos) + 8)), "gap-free and unique after concurrent writers")
    # Bad input.
    r = mudur.post("/api/v1/assets", {"type": "monitor", "name": "E", "code": "255.01.02",
                                      "entry_date": f"{this_year}-01-02", "purchase_date": f"{this_year}-02-01"})
    expect_error(r, 400, "validation", "entry before the invoice")
    check("entry_date" in r.json()["error"]["fields"], r.snippet())
    expect_error(mudur.get("/api/v1/vif?year=abc"), 400, "validation")
    expect_error(mudur.get("/api/v1/vif/999999"), 404, "not_found")
    check(re.match(r"^\d{4}/\d+$", items[-1]["number"]), items[-1]["number"])
