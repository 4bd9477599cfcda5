"""Exports of the remaining lists (issue 5, point 7): ?format=csv|xlsx on
GET /api/v1/stock/items (with the stock on hand and its value), the stock
movements, the depots, the year's Varlık İşlem Fişleri and the counts.
Every file is parsed back (CSV with the csv module after the BOM, XLSX
with zipfile + ElementTree) and compared with the JSON list on the key
columns; paging is ignored, an unknown format is a 400, and the pages
that show these lists link their downloads.

Demo users: mudur (yonetici, root: stock and assets), personel (sits on a
count's kurul)."""
import csv
import datetime
import io
import os
import re
import sqlite3
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

from harness import check, eq, expect_error, expect_status, html_has_id

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _db(server):
    path = os.path.join(server.data_dir, "defter.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _csv(r, base):
    expect_status(r, 200, f"{base} csv")
    check(r.header("Content-Type", "").startswith("text/csv"), f"type {r.header('Content-Type')}")
    check(re.match(rf'attachment; filename="{base}-\d{{4}}-\d\d-\d\d\.csv"', r.header("Content-Disposition", "")),
          f"disposition {r.header('Content-Disposition')}")
    check(r.body.startswith(b"\xef\xbb\xbf"), "CSV has a BOM")
    return list(csv.reader(io.StringIO(r.body[3:].decode("utf-8"), newline=""), delimiter=";"))


def _xlsx(r, base):
    """The first worksheet as rows of strings (numbers as written)."""
    expect_status(r, 200, f"{base} xlsx")
    check(re.match(rf'attachment; filename="{base}-\d{{4}}-\d\d-\d\d\.xlsx"', r.header("Content-Disposition", "")),
          f"disposition {r.header('Content-Disposition')}")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).iter(NS + "si"):
            strings.append("".join(t.text or "" for t in si.iter(NS + "t")))
    rows = []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter(NS + "row"):
        cells = {}
        for c in row.iter(NS + "c"):
            ref = re.match(r"([A-Z]+)", c.get("r")).group(1)
            col = 0
            for ch in ref:
                col = col * 26 + ord(ch) - 64
            t = c.get("t")
            if t == "s":
                v = strings[int(c.find(NS + "v").text)]
            elif t == "inlineStr":
                v = "".join(x.text or "" for x in c.iter(NS + "t"))
            else:
                v = c.find(NS + "v").text if c.find(NS + "v") is not None else ""
            cells[col] = v
        n = max(cells) if cells else 0
        rows.append([cells.get(i, "") for i in range(1, n + 1)])
    return rows


def _pad(rows, n):
    return [row + [""] * (n - len(row)) for row in rows]


def _lira(kurus):
    """Money as the CSV writes it: 1234,50 (kuruş -> TL)."""
    if kurus is None:
        return ""
    sign = "-" if kurus < 0 else ""
    return f"{sign}{abs(kurus) // 100},{abs(kurus) % 100:02d}"


def _xl_kurus(s):
    return round(float(s) * 100) if s != "" else None


def _xl_date(s):
    """An XLSX date cell (a serial day number) as YYYY-MM-DD."""
    if s == "":
        return ""
    return (datetime.date(1899, 12, 30) + datetime.timedelta(days=int(float(s)))).isoformat()


def _xl_int(s):
    return int(float(s)) if s != "" else None


def _opt_int(s):
    return int(s) if s != "" else None


def test_stock_exports_equal_the_lists(h):
    m = h.as_user("mudur")
    tag = h.uniq("ihr")
    depot = m.post("/api/v1/stock/depots", {"name": h.uniq("Ambar "), "unit": "YBY"})
    expect_status(depot, 201, "depot")
    depot = depot.json()
    items = []
    for name, code in ((f"Toner {tag}", "150.07.42"), (f"+Kablo; \"cat6\" {tag}", None), (f"Fare {tag}", None)):
        body = {"name": name, "category": "toner", "uom": "adet"}
        if code:
            body["code"] = code
        r = m.post("/api/v1/stock/items", body)
        expect_status(r, 201, f"item {name}")
        items.append(r.json())
    for it, qty, price in ((items[0], 10, 50050), (items[1], 300, 125)):
        expect_status(m.post("/api/v1/stock/movements", {"kind": "giris", "item": it["id"], "depot": depot["id"],
                                                         "quantity": qty, "unit_price": price, "supplier": "Tedarik A.Ş.",
                                                         "invoice_no": "F-1", "date": "2025-03-04"}), 201, "receipt")
    expect_status(m.post("/api/v1/stock/movements", {"kind": "cikis", "item": items[0]["id"], "depot": depot["id"],
                                                     "quantity": 3, "unit": "ASD", "note": "=1+1",
                                                     "date": "2025-03-05"}), 201, "issue")
    q = urllib.parse.quote(tag)

    # items: the list without paging, with the stock on hand and its value
    listed = m.get_json(f"/api/v1/stock/items?q={q}&limit=200")["items"]
    eq(len(listed), 3, "three items under the tag")
    eq(len(m.get_json(f"/api/v1/stock/items?q={q}&limit=2")["items"]), 2, "a page of two")
    want = [[str(i["id"]), i["code"] or "", i["name"], i["category"], i["uom_label"], str(i["total"]),
             _lira(sum(x["value_kurus"] for x in i["on_hand"]))] for i in listed]
    check(any(w[5] == "7" for w in want), f"the toner has 7 on hand: {want}")
    rows = _csv(m.get(f"/api/v1/stock/items?q={q}&format=csv&limit=2"), "sarf-malzemeleri")
    head = rows[0]
    eq(len(rows), 4, "header and every row (paging ignored)")
    eq(len(head), 9, f"item columns: {head}")
    idx = [0, 1, 2, 3, 4, 7, 8]  # id, code, name, category, unit of measure, total on hand, value
    got = [[row[k] for k in idx] for row in _pad(rows[1:], len(head))]
    for g in got:
        if g[2].startswith("'+"):
            g[2] = g[2][1:]  # a formula-like text is guarded
    eq(got, want, "items CSV equals the list")
    check(any(w[6] == "3503,50" for w in want), f"7 toners at 500,50 TL: {want}")
    xrows = _xlsx(m.get(f"/api/v1/stock/items?q={q}&format=xlsx"), "sarf-malzemeleri")
    eq(xrows[0], head, "same header in XLSX")
    xgot = [[row[k] for k in idx] for row in _pad(xrows[1:], len(head))]
    eq([[str(_xl_int(g[0]))] + g[1:5] + [str(_xl_int(g[5]))] for g in xgot], [w[:6] for w in want],
       "items XLSX equals the list (text unguarded)")
    eq([_xl_kurus(g[6]) for g in xgot], [sum(x["value_kurus"] for x in i["on_hand"]) for i in listed],
       "values in TL as numbers")

    # movements of one depot: every one, newest first
    mv = m.get_json(f"/api/v1/stock/movements?depot={depot['id']}&limit=500")["items"]
    eq(len(mv), 3, "three movements at the depot")
    rows = _csv(m.get(f"/api/v1/stock/movements?depot={depot['id']}&limit=1&format=csv"), "stok-hareketleri")
    head = rows[0]
    eq(len(rows), 4, "every movement (paging ignored)")
    eq(len(head), 22, f"movement columns: {head}")
    idx = [0, 1, 2, 4, 6, 8, 9, 10, 14, 19]  # id, date, kind, item, depot, change, price, value, unit, note
    want = [[str(x["id"]), x["date"], x["kind_label"], x["item"]["name"], x["depot"]["name"], str(x["change"]),
             _lira(x["unit_price_kurus"]), _lira(x["value_kurus"]), (x["unit"] or {}).get("code") or "",
             x["note"] or ""] for x in mv]
    got = [[row[k] for k in idx] for row in _pad(rows[1:], len(head))]
    for g in got:
        if g[3].startswith("'+"):
            g[3] = g[3][1:]
        if g[9].startswith("'="):
            g[9] = g[9][1:]
    eq(got, want, "movements CSV equals the list")
    eq([g[5] for g in got], ["-3", "300", "10"], "signed changes, newest first")
    xrows = _pad(_xlsx(m.get(f"/api/v1/stock/movements?depot={depot['id']}&format=xlsx"), "stok-hareketleri"),
                 len(head))
    eq(xrows[0], head, "same header in XLSX")
    xgot = [[str(_xl_int(r_[idx[0]])), _xl_date(r_[idx[1]]), r_[idx[2]], r_[idx[3]], r_[idx[4]],
             str(_xl_int(r_[idx[5]])), _lira(_xl_kurus(r_[idx[6]])), _lira(_xl_kurus(r_[idx[7]])), r_[idx[8]],
             r_[idx[9]]] for r_ in xrows[1:]]
    eq(xgot, want, "movements XLSX equals the list (dates, money and integers typed)")
    rows = _csv(m.get(f"/api/v1/stock/movements?item={items[0]['id']}&kind=cikis&format=csv"), "stok-hareketleri")
    eq([r_[0] for r_ in rows[1:]], [str(x["id"]) for x in mv if x["kind"] == "cikis"], "the filters apply")

    # depots: every depot the user reads, with its stock value
    dl = m.get_json("/api/v1/stock/depots")["items"]
    rows = _csv(m.get("/api/v1/stock/depots?format=csv"), "ambarlar")
    head = rows[0]
    rows = _pad(rows[1:], len(head))
    eq([r_[0] for r_ in rows], [str(d["id"]) for d in dl], "every depot, in the list's order")
    eq([r_[1] for r_ in rows], [d["name"] for d in dl], "depot names")
    eq([r_[2] for r_ in rows], [d["unit"]["code"] for d in dl], "units")
    eq([r_[4] for r_ in rows], [(d["responsible"] or {}).get("name") or "" for d in dl], "responsible people")
    mine = next(r_ for r_ in rows if r_[0] == str(depot["id"]))
    eq(mine[-1], _lira(7 * 50050 + 300 * 125), "the depot's stock value")
    xrows = _pad(_xlsx(m.get("/api/v1/stock/depots?format=xlsx"), "ambarlar"), len(head))
    eq([[str(_xl_int(r_[0]))] + r_[1:3] for r_ in xrows[1:]], [r_[:3] for r_ in rows], "depots XLSX")

    for path in ("/api/v1/stock/items?format=pdf", "/api/v1/stock/movements?format=ods",
                 "/api/v1/stock/depots?format=pdf"):
        r = m.get(path)
        expect_error(r, 400, "validation", path)
        check("format" in r.json()["error"]["fields"], f"{path}: the format field is named")
    eq(h.as_user("personel").get("/api/v1/stock/items?format=csv").status, 403, "personel may not read stock")

    # the pages link their downloads
    page = m.get(f"/stock?q={q}")
    expect_status(page, 200, "/stock")
    for ident in ("export-csv", "export-xlsx", "export-depots-csv", "export-depots-xlsx", "export-movements-csv",
                  "export-movements-xlsx"):
        check(html_has_id(page.text, ident), f"/stock: no #{ident}")
    check(f'href="/api/v1/stock/items?format=xlsx&amp;q={q}"' in page.text, "the item download keeps the search")
    page = m.get(f"/stock/items/{items[0]['id']}")
    expect_status(page, 200, "item page")
    check(f'href="/api/v1/stock/movements?format=csv&amp;item={items[0]["id"]}"' in page.text,
          "the item page links its movements")
    r = m.get(f"/api/v1/stock/movements?format=csv&item={items[0]['id']}")
    eq(len(_csv(r, "stok-hareketleri")), 3, "the item's two movements")


def _people(h):
    with _db(h.server) as con:
        me = con.execute("SELECT p.id FROM org_people p JOIN users u ON u.id = p.user_id"
                         " WHERE u.username = 'personel'").fetchone()[0]
        others = [r[0] for r in con.execute("SELECT id FROM org_people WHERE active = 1 AND id <> ?"
                                            " ORDER BY id LIMIT 3", (me,))]
    check(len(others) >= 2, "the demo has at least three people")
    return [me, others[0], others[1]]


def test_vif_and_count_exports_equal_the_lists(h):
    m = h.as_user("mudur")
    bina = h.uniq("İhraç Binası ")
    a = m.post("/api/v1/assets", {"type": "masaustu", "name": h.uniq("Bilgisayar "), "code": "255.01.02",
                                  "building": bina, "room": "1", "value": "1234.5"})
    expect_status(a, 201, "asset")
    people = _people(h)
    r = m.post("/api/v1/assets/counts", {"reason": "emir", "order_ref": "Olur 12", "title": "Sayım " + bina,
                                         "building": bina, "kurul": people, "kayit_yetkilisi": people[1],
                                         "freeze": False})
    expect_status(r, 201, "open a count")
    cnt = r.json()

    # the year's VİFs: every one, with its lines and value
    year = m.get_json("/api/v1/vif")
    vifs = year["items"]
    check(len(vifs) >= 1 and not year["truncated"], "this year has VİFs")
    rows = _csv(m.get("/api/v1/vif?format=csv"), "varlik-islem-fisleri")
    head = rows[0]
    rows = _pad(rows[1:], len(head))
    eq([r_[0] for r_ in rows], [v["number"] for v in vifs], "every VİF in number order")
    eq([r_[1] for r_ in rows], [v["date"] for v in vifs], "dates")
    eq([r_[4] for r_ in rows], [v["source_ref"] or "" for v in vifs], "source documents")
    eq([r_[5] for r_ in rows], [v["source_date"] or "" for v in vifs], "source dates")
    eq([_opt_int(r_[6]) for r_ in rows], [v["count_id"] for v in vifs], "counts")
    mine = vifs[-1]
    fis = m.get_json(f"/api/v1/vif/{mine['id']}")
    eq([l_["asset_id"] for l_ in fis["lines"]], [a.json()["id"]], "the last VİF is the asset's registration")
    last = rows[-1]
    eq((last[7], last[8]), (str(len(fis["lines"])), fis["total"].replace(".", ",")), "its lines and value")
    xrows = _pad(_xlsx(m.get(f"/api/v1/vif?year={year['year']}&format=xlsx"), "varlik-islem-fisleri"), len(head))
    eq(xrows[0], head, "same header in XLSX")
    eq([[r_[0], _xl_date(r_[1]), r_[2], r_[3], r_[4], _xl_date(r_[5]), str(_xl_int(r_[7]))] for r_ in xrows[1:]],
       [[r_[0], r_[1], r_[2], r_[3], r_[4], r_[5], r_[7]] for r_ in rows], "VİF XLSX equals the CSV")
    eq(_xl_kurus(xrows[-1][8]), round(float(fis["total"]) * 100), "the value in TL as a number")
    last_year = m.get_json(f"/api/v1/vif?year={year['year'] - 1}")["items"]
    rows = _csv(m.get(f"/api/v1/vif?year={year['year'] - 1}&format=csv"), "varlik-islem-fisleri")
    eq([r_[0] for r_ in rows[1:]], [v["number"] for v in last_year], "another year")
    expect_error(m.get("/api/v1/vif?format=pdf"), 400, "validation", "vif pdf")
    expect_error(m.get("/api/v1/vif?year=1&format=csv"), 400, "validation", "a bad year still checked")

    # counts
    counts = m.get_json("/api/v1/assets/counts")["items"]
    check(cnt["id"] in [c["id"] for c in counts], "the count is listed")
    rows = _csv(m.get("/api/v1/assets/counts?format=csv"), "sayimlar")
    head = rows[0]
    rows = _pad(rows[1:], len(head))
    want = [[str(c["id"]), c["title"] or "", c["date"], str(c["year"]), c["scope"]["building"] or "",
             c["state_label"], str(c["progress"]["expected"]), str(c["progress"]["noksan"])] for c in counts]
    got = [[r_[0], r_[1], r_[4], r_[5], r_[7], r_[10], r_[11], r_[14]] for r_ in rows]
    eq(got, want, "counts CSV equals the list")
    row = next(r_ for r_ in rows if r_[0] == str(cnt["id"]))
    eq((row[3], row[11]), ("Olur 12", "1"), "order reference and the one asset expected")
    check(row[2] not in ("", "emir"), f"the reason is labelled: {row[2]!r}")
    xrows = _pad(_xlsx(m.get("/api/v1/assets/counts?format=xlsx"), "sayimlar"), len(head))
    eq(xrows[0], head, "same header in XLSX")
    eq([[str(_xl_int(r_[0])), r_[1], _xl_date(r_[4]), str(_xl_int(r_[5])), r_[7], r_[10], str(_xl_int(r_[11])),
         str(_xl_int(r_[14]))] for r_ in xrows[1:]], want, "counts XLSX equals the list")
    expect_error(m.get("/api/v1/assets/counts?format=ods"), 400, "validation", "counts ods")
    eq(h.as_user("teknik").get("/api/v1/assets/counts?format=csv").status, 403, "teknik does not count")

    page = h.login("mudur").get("/assets/counts")
    expect_status(page, 200, "/assets/counts")
    for ident in ("export-csv", "export-xlsx", "export-vif-csv", "export-vif-xlsx"):
        check(html_has_id(page.text, ident), f"/assets/counts: no #{ident}")
    check('href="/api/v1/assets/counts?format=xlsx"' in page.text, "the counts download")


def test_export_format_on_a_page_stays_a_page(h):
    """A page whose list API takes ?format= (the page passes its query on)
    is still HTML, not an attachment with the file's name."""
    mudur = h.as_user("mudur")
    for path in ("/assets?format=csv", "/stock?format=xlsx"):
        r = mudur.get(path)
        expect_status(r, 200, path)
        check(r.header("Content-Type", "").startswith("text/html"), f"{path}: {r.header('Content-Type')}")
        eq(r.header("Content-Disposition"), None, f"{path} is not a download")
