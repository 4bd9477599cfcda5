"""Spreadsheet import and export of the asset register (issue 5, point 7):
POST /api/v1/assets/import and /api/v1/custody/import take CSV (';' with
a BOM or ',') or XLSX (built here with zipfile), as a raw body or a
multipart file; a dry run lists every bad row (row, column, reason) and
writes nothing, a real import with any bad row writes nothing either,
a clean file imports in one transaction with sicil numbers and audit
rows. ?format=csv|xlsx on the asset, custody and software lists is parsed
back and compared with the list API. Zip bombs, non-spreadsheets and
huge sheets are clean 4xx. The /assets page's import form and links."""
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


def _count(h, sql="SELECT COUNT(*) FROM assets", args=()):
    with _db(h.server) as con:
        return con.execute(sql, args).fetchone()[0]


def _col(n):
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def make_xlsx(rows, extra_parts=None, shared=True):
    """An XLSX of rows (lists; None leaves a gap). Strings go to the shared
    strings table (or inline), ints/floats are numbers, ("date", serial)
    is a number with the built-in date style 14."""
    strings, index = [], {}
    cells_xml = []
    for r, row in enumerate(rows, start=1):
        cs = []
        for c, v in enumerate(row, start=1):
            ref = f"{_col(c)}{r}"
            if v is None:
                continue
            if isinstance(v, tuple) and v[0] == "date":
                cs.append(f'<c r="{ref}" s="1"><v>{v[1]}</v></c>')
            elif isinstance(v, (int, float)):
                cs.append(f'<c r="{ref}"><v>{v}</v></c>')
            elif shared:
                if v not in index:
                    index[v] = len(strings)
                    strings.append(v)
                cs.append(f'<c r="{ref}" t="s"><v>{index[v]}</v></c>')
            else:
                t = v.replace("&", "&amp;").replace("<", "&lt;")
                cs.append(f'<c r="{ref}" t="inlineStr"><is><t>{t}</t></is></c>')
        cells_xml.append(f'<row r="{r}">{"".join(cs)}</row>')
    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types '
                               'xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook '
                           'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                           'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           '<sheets><sheet name="Demirbaş" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
                                      'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                                      'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                                      '</Relationships>',
        "xl/styles.xml": '<?xml version="1.0" encoding="UTF-8"?><styleSheet '
                         'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2">'
                         '<xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": '<?xml version="1.0" encoding="UTF-8"?><sst '
                                'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                + "".join(f"<si><t>{esc(s)}</t></si>" for s in strings) + "</sst>",
        "xl/worksheets/sheet1.xml": '<?xml version="1.0" encoding="UTF-8"?><worksheet '
                                    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                                    + "".join(cells_xml) + "</sheetData></worksheet>",
    }
    parts.update(extra_parts or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def read_xlsx(data):
    """The first worksheet of an XLSX as rows of strings (shared or inline
    strings, numbers as written)."""
    z = zipfile.ZipFile(io.BytesIO(data))
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


def csv_body(rows, sep=";", bom=True):
    text = "\r\n".join(sep.join(r) for r in rows) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def post_import(client, body, dry_run, path="/api/v1/assets/import", ctype="text/csv"):
    return client.request("POST", path + ("?dry_run=1" if dry_run else ""), body=body,
                          headers={"Content-Type": ctype}, csrf=True)


def _multipart(fields, files):
    b = "----defter" + os.urandom(8).hex()
    out = b""
    for k, v in fields.items():
        out += f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for k, (fn, data) in files.items():
        out += (f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{fn}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


HEADER = ["Tür", "Ad", "Taşınır Kodu", "Seri No", "Marka", "Birim", "Alım Tarihi", "VKN", "Değer", "İşlemci"]


def _bad_rows(tag):
    """Rows 2 and 4 are good; 3, 5 and 6 are bad in different columns."""
    return [
        HEADER,
        ["dizustu", f"İyi 1 {tag}", "255.01.02", f"{tag}-1", "Lenovo", "YBY", "2025-01-10", "", "12500,50", "i5"],
        ["uzay gemisi", f"Kötü tür {tag}", "255.01.02", f"{tag}-2", "", "YBY", "", "", "", ""],          # 3: type
        ["Masaüstü bilgisayar", f"İyi 2 {tag}", "255.01.02", f"{tag}-3", "", "ASD", "", "", "", ""],
        ["monitor", f"Kötü kod {tag}", "25A.1", f"{tag}-4", "", "YBY", "", "", "", ""],                   # 5: code
        ["yazici", f"Kötü tarih {tag}", "255.01.03", f"{tag}-5", "", "YBY", "2026-13-40", "", "", ""],   # 6: date
    ]


def _check_three(body, what):
    errs = body["errors"]
    for e in errs:
        eq(set(e), {"row", "column", "reason"}, f"{what}: error shape")
        check(isinstance(e["reason"], str) and e["reason"], f"{what}: empty reason {e}")
    got = {(e["row"], e["column"]) for e in errs}
    eq(got, {(3, "Tür"), (5, "Taşınır Kodu"), (6, "Alım Tarihi")}, f"{what}: every bad row, its column")


def test_import_bad_rows_csv_and_xlsx_write_nothing(h):
    c = h.as_user("mudur")
    tag = h.uniq("imp")
    rows = _bad_rows(tag)
    before = _count(h)
    files = [("csv ;", csv_body(rows), "text/csv"),
             ("xlsx", make_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             ("xlsx inline", make_xlsx(rows, shared=False), "application/octet-stream")]
    for what, data, ctype in files:
        r = post_import(c, data, True, ctype=ctype)
        expect_status(r, 200, f"{what} dry run")
        body = r.json()
        eq((body["rows"], body["imported"], body["dry_run"]), (5, 0, True), f"{what} dry-run counts")
        _check_three(body, f"{what} dry run")
        r = post_import(c, data, False, ctype=ctype)
        expect_error(r, 400, "validation", f"{what} real import")
        body = r.json()
        eq(body["imported"], 0, f"{what}: imported")
        _check_three(body, f"{what} real run")
        eq(_count(h), before, f"{what}: the register changed")
    eq(c.get_json(f"/api/v1/assets?q={urllib.parse.quote(tag)}")["items"], [], "nothing under the tag")


def test_import_good_files(h):
    c = h.as_user("mudur")
    tag = h.uniq("ok")
    rows = [["type", "name", "code", "serial", "unit", "purchase date", "value", "warranty end", "RAM (GB)", "Not"],
            ["dizustu", f"A {tag}", "255.01.02", f"{tag}-a", "YBY", "10.01.2025", "1000", "", "16", "x"],
            ["dizüstü", f"B {tag}", "255.01.02", f"{tag}-b", "ASD", "", "", "", "", ""],
            ["monitor", f"C {tag}", "255.01.04", f"{tag}-c", "", "", "", "2027-01-01", "", ""]]
    before = _count(h)
    audits = _count(h, "SELECT COUNT(*) FROM audit_log WHERE action IN ('asset.create', 'import')")
    r = post_import(c, csv_body(rows, sep=",", bom=False), True)
    expect_status(r, 200, "dry run of a good file")
    eq((r.json()["errors"], r.json()["imported"]), ([], 0), "clean dry run")
    eq(_count(h), before, "a dry run wrote")
    r = post_import(c, csv_body(rows, sep=",", bom=False), False)
    expect_status(r, 200, "import")
    body = r.json()
    eq(body["imported"], 3, "imported")
    eq([x["row"] for x in body["created"]], [2, 3, 4], "created rows")
    for x in body["created"]:
        check(re.fullmatch(r"255\.01\.0[24]-\d\d-\d+", x["sicil_no"] or ""), f"sicil no {x}")
    eq(_count(h), before + 3, "three assets more")
    eq(_count(h, "SELECT COUNT(*) FROM audit_log WHERE action IN ('asset.create', 'import')"), audits + 4,
       "one audit row per asset and one for the import")
    a = c.get_json(f"/api/v1/assets/{body['created'][0]['id']}")
    eq((a["name"], a["purchase"]["date"], a["purchase"]["value"], a["attrs"], a["unit"]["code"]),
       (f"A {tag}", "2025-01-10", "1000.00", {"ram_gb": "16"}, "YBY"), "first asset as written")
    eq(a["note"], "x", "note")
    # XLSX: a date-styled number, a numeric value, shared strings
    tag2 = h.uniq("ox")
    x = make_xlsx([["Tür", "Ad", "Taşınır kodu", "Alım tarihi", "Değer", "Birim"],
                   ["sunucu", f"S {tag2}", "255.01.05", ("date", 45678), 2500.5, "YBY"],
                   [None, None, None, None, None, None],
                   ["yazici", f"Y {tag2}", "255.01.06", None, None, "ASD"]])
    r = post_import(c, x, False, ctype="application/octet-stream")
    expect_status(r, 200, "xlsx import")
    body = r.json()
    eq([x["row"] for x in body["created"]], [2, 4], "spreadsheet row numbers (row 3 empty)")
    s = c.get_json(f"/api/v1/assets/{body['created'][0]['id']}")
    eq((s["purchase"]["date"], s["purchase"]["value"], s["type"]), ("2025-01-21", "2500.50", "sunucu"), "xlsx values")
    # multipart on the API route
    tag3 = h.uniq("mp")
    data, ctype = _multipart({}, {"file": ("d.csv", csv_body([["tür", "ad", "kod"],
                                                               ["diger", f"M {tag3}", "255.01.07"]]))})
    r = c.request("POST", "/api/v1/assets/import", body=data, headers={"Content-Type": ctype}, csrf=True)
    expect_status(r, 200, "multipart import")
    eq(r.json()["imported"], 1, "multipart imported")


def test_import_header_problems_and_permissions(h):
    c = h.as_user("mudur")
    r = post_import(c, csv_body([["Tür", "Ad", "Renk Kodu", "ad"], ["diger", "x", "y", "z"]]), True)
    expect_status(r, 200, "dry run")
    errs = r.json()["errors"]
    eq({(e["row"], e["column"]) for e in errs}, {(1, "Renk Kodu"), (1, "ad"), (1, "taşınır kodu")},
       f"unknown, twice, missing: {errs}")
    # a column of another type
    r = post_import(c, csv_body([["tür", "ad", "kod", "dpi"], ["monitor", "x", "255.01.02", "600"]]), True)
    eq({(e["row"], e["column"]) for e in r.json()["errors"]}, {(2, "dpi")}, "dpi is not a monitor's")
    # personel may not import
    r = post_import(h.as_user("personel"), csv_body([["tür"], ["diger"]]), True)
    expect_error(r, 403, "forbidden", "personel")
    # teknik (YBY) may not import into another unit's register
    r = post_import(h.as_user("teknik"), csv_body([["tür", "ad", "kod", "birim"], ["diger", "x", "255.01.02", "ASD"]]),
                    True)
    expect_status(r, 200, "teknik dry run")
    eq({(e["row"], e["column"]) for e in r.json()["errors"]}, {(2, "birim")}, "another unit")
    r = c.request("POST", "/api/v1/assets/import?dry_run=maybe", body=b"x", headers={"Content-Type": "text/csv"},
                  csrf=True)
    expect_error(r, 400, "validation", "dry_run flag")


def test_import_limits(h):
    c = h.as_user("mudur")
    before = _count(h)
    # a zip bomb: a worksheet of 80 MB of zeros, deflated to kilobytes
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 1024 * 1024))
    check(len(bomb.getvalue()) < 1024 * 1024, "the bomb is small")
    r = post_import(c, bomb.getvalue(), True, ctype="application/octet-stream")
    expect_status(r, 413, "zip bomb")
    eq(r.json()["error"]["code"], "too_large", "zip bomb code")
    # not a spreadsheet at all, a broken ZIP, entities
    junk = bytes(range(256)) * 12
    r = post_import(c, junk, True, ctype="application/octet-stream")
    expect_status(r, 200, "junk, dry run: read as CSV, every row refused")
    check(r.json()["errors"], "junk has errors")
    expect_error(post_import(c, junk, False, ctype="application/octet-stream"), 400, "validation", "junk")
    r = post_import(c, b"PK\x03\x04" + os.urandom(500), True, ctype="application/octet-stream")
    expect_error(r, 400, "unreadable", "broken zip")
    check(r.json()["errors"][0]["reason"], "a reason")
    ent = make_xlsx([["tür"]], extra_parts={
        "xl/worksheets/sheet1.xml": '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaa">]><worksheet>'
                                    '<sheetData><row r="1"><c t="inlineStr"><is><t>&a;</t></is></c></row>'
                                    '</sheetData></worksheet>'})
    expect_error(post_import(c, ent, True, ctype="application/octet-stream"), 400, "unreadable", "entities")
    # too many rows
    huge = csv_body([["tür", "ad", "kod"]] + [["diger", f"n{i}", "255.01.02"] for i in range(10001)])
    r = post_import(c, huge, False)
    expect_status(r, 413, "huge sheet")
    expect_error(post_import(c, b"", False), 400, "unreadable", "empty file")
    eq(_count(h), before, "limits wrote something")
    check(h.server.alive(), "server died")


def _tckn(h, username="personel"):
    with _db(h.server) as con:
        return con.execute("SELECT p.tckn, p.id FROM org_people p JOIN users u ON u.id = p.user_id"
                           " WHERE u.username = ?", (username,)).fetchone()


def test_custody_import(h):
    c = h.as_user("mudur")
    tag = h.uniq("cus")
    made = []
    for i in range(3):
        r = c.post("/api/v1/assets", {"type": "dizustu", "name": f"Z{i} {tag}", "code": "255.01.02",
                                      "serial": f"{tag}-s{i}"})
        expect_status(r, 201, "asset")
        made.append(r.json())
    tckn, pid = _tckn(h)
    with _db(h.server) as con:
        officer = con.execute("SELECT tckn FROM org_people WHERE active = 1 AND id <> ? ORDER BY id LIMIT 1",
                              (pid,)).fetchone()[0]
    # asset 2 is in custody already
    expect_status(c.post(f"/api/v1/assets/{made[2]['id']}/custody", {"person": pid}), 201, "issue")
    rows = [["Sicil No", "Seri No", "TCKN", "Ortak alan", "Sorumlu TCKN", "Tarih"],
            [made[0]["sicil_no"], "", tckn, "", "", "01.03.2026"],
            ["", f"{tag}-s1", "", f"Toplantı odası {tag}", officer, ""],
            [made[2]["sicil_no"], "", tckn, "", "", ""],                      # 4: in custody
            ["255.99.99-26-999", "", tckn, "", "", ""],                       # 5: no such asset
            [made[0]["sicil_no"], "", "12345678901", "", "", ""]]             # 6: twice, bad tckn
    r = post_import(c, csv_body(rows), True, path="/api/v1/custody/import")
    expect_status(r, 200, "custody dry run")
    errs = r.json()["errors"]
    eq({e["row"] for e in errs}, {4, 5, 6}, f"bad custody rows: {errs}")
    eq({e["column"] for e in errs if e["row"] == 4}, {"Sicil No"}, "in custody: the sicil no column")
    eq({e["column"] for e in errs if e["row"] == 6}, {"Sicil No", "TCKN"}, "row 6 columns")
    opened = _count(h, "SELECT COUNT(*) FROM custody WHERE returned_at IS NULL")
    expect_error(post_import(c, csv_body(rows), False, path="/api/v1/custody/import"), 400, "validation", "real")
    eq(_count(h, "SELECT COUNT(*) FROM custody WHERE returned_at IS NULL"), opened, "custody written")
    r = post_import(c, csv_body(rows[:3]), False, path="/api/v1/custody/import")
    expect_status(r, 200, "custody import")
    eq(r.json()["imported"], 2, "two issued")
    a0 = c.get_json(f"/api/v1/assets/{made[0]['id']}")
    eq((a0["custody"]["person"]["id"], a0["custody"]["issued_on"], a0["status"]), (pid, "2026-03-01", "kullanimda"),
       "issued to the person on the date")
    a1 = c.get_json(f"/api/v1/assets/{made[1]['id']}")
    eq(a1["custody"]["space"], f"Toplantı odası {tag}", "placed in the space")
    # the custody export lists them
    r = c.get(f"/api/v1/custody?format=csv&open=1&person={pid}")
    expect_status(r, 200, "custody csv")
    text = r.body.decode("utf-8-sig")
    check(made[0]["sicil_no"] in text, "custody export has the asset")


def _parse_csv(body):
    check(body.startswith(b"\xef\xbb\xbf"), "CSV has a BOM")
    import csv
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"), newline=""), delimiter=";"))


def test_exports_equal_the_list(h):
    c = h.as_user("mudur")
    tag = h.uniq("exp")
    for i, name in enumerate(["Birinci", "=HYPERLINK(\"http://x\")", "Üçüncü; \"tırnak\""]):
        expect_status(c.post("/api/v1/assets", {"type": "monitor", "name": f"{name} {tag}", "code": "255.01.08",
                                                "serial": f"{tag}-{i}"}), 201, "asset")
    q = urllib.parse.quote(tag)
    items = c.get_json(f"/api/v1/assets?q={q}&limit=2")["items"]
    eq(len(items), 2, "a page of two")
    items = c.get_json(f"/api/v1/assets?q={q}")["items"]
    eq(len(items), 3, "three under the tag")
    r = c.get(f"/api/v1/assets?q={q}&format=csv&limit=2")
    expect_status(r, 200, "csv export")
    check(r.header("Content-Type", "").startswith("text/csv"), f"type {r.header('Content-Type')}")
    check(re.match(r'attachment; filename="demirbaslar-\d{4}-\d\d-\d\d\.csv"', r.header("Content-Disposition", "")),
          f"disposition {r.header('Content-Disposition')}")
    rows = _parse_csv(r.body)
    eq(len(rows), 4, "header and every row (paging ignored)")
    head = rows[0]
    want = [[str(i["id"]), i["sicil_no"], i["name"], i["serial"], i["unit_code"]] for i in items]
    idx = [0, 1, 2, 5, 7]
    got = [[row[k] for k in idx] for row in rows[1:]]
    for g, w in zip(got, want):
        if w[2].startswith("="):
            eq(g[2], "'" + w[2], "a formula is guarded")
            g[2] = w[2]
    eq(got, want, f"CSV equals the list ({head})")
    r = c.get(f"/api/v1/assets?q={q}&format=xlsx")
    expect_status(r, 200, "xlsx export")
    check(r.header("Content-Disposition", "").endswith('.xlsx"'), "xlsx name")
    xrows = read_xlsx(r.body)
    eq(xrows[0], head, "same header")
    got = [[x[k] for k in idx] for x in xrows[1:]]
    eq([g[0] for g in got], [str(i["id"]) for i in items], "ids (numbers)")
    eq([g[1:] for g in got], [w[1:] for w in want], "XLSX equals the list (text unguarded)")
    # the software catalogue and bad formats
    r = c.get("/api/v1/software?format=xlsx")
    expect_status(r, 200, "software xlsx")
    sw = c.get_json("/api/v1/software?limit=1000")["items"]
    eq([x[:3] for x in read_xlsx(r.body)[1:]], [[str(i["id"]), i["name"], i["publisher"] or ""] for i in sw],
       "every software row")
    expect_error(c.get(f"/api/v1/assets?format=pdf"), 400, "validation", "unknown format")
    expect_error(c.get(f"/api/v1/custody?format=ods"), 400, "validation", "unknown format")


def test_import_form_and_links(h):
    c = h.login("mudur")
    r = c.get("/assets")
    expect_status(r, 200, "assets page")
    for ident in ("import-form", "import-file", "import-dry-run", "export-csv", "export-xlsx"):
        check(html_has_id(r.text, ident), f"no #{ident}")
    tag = h.uniq("frm")
    rows = _bad_rows(tag)
    data, ctype = _multipart({"_csrf": c.csrf, "what": "assets", "dry_run": "1"},
                             {"file": ("demirbas.xlsx", make_xlsx(rows))})
    before = _count(h)
    r = c.request("POST", "/assets/import", body=data, headers={"Content-Type": ctype})
    expect_status(r, 400, "form dry run with bad rows")
    check(html_has_id(r.text, "import-errors"), "error table")
    for row in ("3", "5", "6"):
        check(f"<td>{row}</td>" in r.text, f"row {row} in the table")
    eq(_count(h), before, "the form wrote")
    good = [rows[0], rows[1], rows[3]]
    data, ctype = _multipart({"_csrf": c.csrf, "what": "assets"}, {"file": ("d.csv", csv_body(good))})
    r = c.request("POST", "/assets/import", body=data, headers={"Content-Type": ctype})
    expect_status(r, 200, "form import")
    check(html_has_id(r.text, "import-created"), "created list")
    eq(_count(h), before + 2, "two imported through the form")
