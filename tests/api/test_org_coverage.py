"""The duty coverage report: GET /api/v1/org/coverage (exact shape, every
duty of the preset, totals consistent with the duties, figures from the
modules), the /org/coverage page, the XLSX and PDF exports (agreeing with
the API, audited), periods and scoping."""
import datetime
import io
import json
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zipfile

from harness import PRESET, check, eq, expect_error, expect_status, html_has_id

HERE = os.path.dirname(os.path.abspath(__file__))
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def preset():
    with open(os.path.join(HERE, "..", "..", "presets", f"{PRESET}.json"), encoding="utf-8") as f:
        return json.load(f)


def unit_of(p, duty):
    if duty.get("unit"):
        return duty["unit"]
    return {x["code"]: x["unit"] for x in p["positions"]}[duty["position"]]


def istanbul_today():
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)).date()


def classify(d):
    """served / task_only / repealed as docs/coverage.md defines them."""
    if d["repealed"]:
        return "repealed"
    if any(c["implemented"] and c["key"] != "task" for c in d["capabilities"]):
        return "served"
    return "task_only"


def test_coverage_shape_and_totals(h):
    admin = h.as_user("admin")
    body = admin.get_json("/api/v1/org/coverage")
    eq(set(body), {"preset", "period", "duties", "totals"}, "top-level keys")
    eq(body["preset"], PRESET, "preset")
    year = istanbul_today().year
    eq(body["period"], {"from": f"{year}-01-01", "to": f"{year}-12-31"}, "default period: the current year")
    eq(set(body["totals"]), {"duties", "served", "task_only", "repealed"}, "totals keys")
    for d in body["duties"]:
        eq(set(d), {"ref", "unit", "unit_name", "position", "text", "repealed", "capabilities", "figures"},
           f"duty keys of {d.get('ref')}")
        check(isinstance(d["figures"], dict), f"{d['ref']}: figures is not an object")
        for c in d["capabilities"]:
            eq(set(c), {"key", "implemented"}, f"{d['ref']}: capability keys")
            check(isinstance(c["implemented"], bool), f"{d['ref']}: implemented is not a boolean")
        implemented = {c["key"] for c in d["capabilities"] if c["implemented"]}
        # every duty in force is tracked through tasks too (DESIGN §3)
        if not d["repealed"]:
            implemented.add("task")
            check("task" in d["figures"], f"{d['ref']}: a duty in force has no task figures")
        check(set(d["figures"]) <= implemented,
              f"{d['ref']}: figures for capabilities it does not have implemented: {list(d['figures'])}")
        for k, v in d["figures"].items():
            check(isinstance(v, dict), f"{d['ref']}: figures.{k} is not an object")
        if "task" in implemented:
            check(isinstance(d["figures"].get("task"), dict), f"{d['ref']}: no task figures from the work module")
    # every duty of the preset, with its ref, unit, text and repealed flag, in the preset's order
    p = preset()
    eq([d["ref"] for d in body["duties"]], [d["ref"] for d in p["duties"]], "the preset's duties in order")
    units = {u["code"]: u["name"] for u in p["units"]}
    for want, got in zip(p["duties"], body["duties"]):
        eq((got["unit"], got["unit_name"], got["position"], got["text"], got["repealed"]),
           (unit_of(p, want), units[unit_of(p, want)], want.get("position"), want["text"],
            bool(want.get("repealed"))), f"duty {want['ref']}")
        eq(sorted(c["key"] for c in got["capabilities"]), sorted(want.get("capabilities", [])),
           f"capabilities of {want['ref']}")
    # totals agree with the duties
    t = body["totals"]
    eq(t["duties"], len(body["duties"]), "totals.duties")
    counts = {"served": 0, "task_only": 0, "repealed": 0}
    for d in body["duties"]:
        counts[classify(d)] += 1
    eq({k: t[k] for k in counts}, counts, "totals by category")
    eq(t["served"] + t["task_only"] + t["repealed"], t["duties"], "the categories add up")
    eq(t["repealed"], sum(1 for d in p["duties"] if d.get("repealed")), "repealed count")
    # the capability that the work module serves is implemented; one nobody serves yet is not
    caps = {c["key"]: c["implemented"] for d in body["duties"] for c in d["capabilities"]}
    eq(caps.get("task"), True, "task is implemented (work module)")
    eq(caps.get("training"), False, "training (no module yet) reported as implemented")


def test_coverage_period(h):
    admin = h.as_user("admin")
    body = admin.get_json("/api/v1/org/coverage?from=2025-03-01&to=2025-06-30")
    eq(body["period"], {"from": "2025-03-01", "to": "2025-06-30"}, "custom period")
    err = expect_error(admin.get("/api/v1/org/coverage?from=2025-02-30"), 400, "validation", "bad from")
    check("from" in err["fields"], f"{err}")
    err = expect_error(admin.get("/api/v1/org/coverage?from=2025-06-01&to=2025-05-01"), 400, "validation",
                       "to before from")
    check("to" in err["fields"], f"{err}")
    expect_error(admin.get("/api/v1/org/coverage.pdf?to=yesterday"), 400, "validation", "bad period on the PDF")


def test_coverage_scoping(h):
    p = preset()
    sef = h.as_user("sef")  # sorumlu of YBY
    body = sef.get_json("/api/v1/org/coverage")
    want = [d["ref"] for d in p["duties"] if unit_of(p, d) == "YBY"]
    check(want, "the preset has YBY duties")
    eq([d["ref"] for d in body["duties"]], want, "a sorumlu of YBY sees YBY's duties")
    t = body["totals"]
    eq(t["duties"], len(want), "sorumlu totals.duties")
    eq(t["served"] + t["task_only"] + t["repealed"], t["duties"], "sorumlu totals add up")
    eq(h.as_user("denetci").get_json("/api/v1/org/coverage")["totals"]["duties"], len(p["duties"]), "denetci")
    for user in ("teknik", "personel"):
        c = h.as_user(user)
        for path in ("/api/v1/org/coverage", "/api/v1/org/coverage.xlsx", "/api/v1/org/coverage.pdf"):
            expect_error(c.get(path), 403, "forbidden", f"{user} {path}")
        expect_status(c.get("/org/coverage"), 403, f"{user} /org/coverage")
    expect_error(h.client().get("/api/v1/org/coverage"), 401, "unauthenticated")


def _audit_exports(admin, fmt):
    return admin.get_json(f"/api/v1/audit?action=export&entity=coverage&entity_id={fmt}&limit=200")["items"]


def _xlsx_rows(data):
    """The cell values of the first sheet by row number, and the bold flag of row 1."""
    z = zipfile.ZipFile(io.BytesIO(data))
    strings = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            strings.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fonts = styles.find("m:fonts", NS).findall("m:font", NS)
    xfs = styles.find("m:cellXfs", NS).findall("m:xf", NS)
    rows, header_bold = {}, []
    for row in ET.fromstring(z.read("xl/worksheets/sheet1.xml")).iter(f"{{{NS['m']}}}row"):
        n = int(row.get("r"))
        cells = {}
        for c in row.findall("m:c", NS):
            col = re.match(r"[A-Z]+", c.get("r")).group(0)
            v = c.find("m:v", NS)
            if v is None:
                continue
            cells[col] = strings[int(v.text)] if c.get("t") == "s" else float(v.text)
            if n == 1:
                font = fonts[int(xfs[int(c.get("s", "0"))].get("fontId", "0"))]
                header_bold.append(font.find("m:b", NS) is not None)
        rows[n] = cells
    return rows, header_bold


def test_coverage_xlsx(h):
    admin = h.as_user("admin")
    api = admin.get_json("/api/v1/org/coverage")
    before = len(_audit_exports(admin, "xlsx"))
    r = admin.get("/api/v1/org/coverage.xlsx")
    expect_status(r, 200, "xlsx")
    check(r.body[:2] == b"PK", f"not a zip: {r.body[:8]!r}")
    check(r.header("Content-Type", "").startswith("application/vnd.openxmlformats-officedocument.spreadsheetml"),
          f"Content-Type {r.header('Content-Type')}")
    check("attachment" in r.header("Content-Disposition", ""), "no attachment disposition")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    eq(z.testzip(), None, "zip integrity")
    names = z.namelist()
    check("xl/worksheets/sheet1.xml" in names and "xl/worksheets/sheet2.xml" not in names, f"one sheet: {names}")
    text = "".join(z.read(n).decode("utf-8", "replace") for n in names if n.endswith(".xml"))
    check("Md.7/1-a" in text and "Md.24/2-a" in text, "known refs missing from the workbook")
    rows, bold = _xlsx_rows(r.body)
    eq([rows[1].get(c) for c in "ABCDEF"], ["Madde", "Birim", "Görev", "Yetenekler", "Durum", "Figürler"],
       "header row")
    check(bold and all(bold), f"header row not bold: {bold}")
    n = len(api["duties"])
    eq([rows[i + 2].get("A") for i in range(n)], [d["ref"] for d in api["duties"]], "one row per duty, in order")
    eq([rows[i + 2].get("B") for i in range(n)], [d["unit"] for d in api["duties"]], "units")
    check("Kurumun bilgisayar ve iletişim" in rows[2]["C"], f"duty text: {rows[2].get('C')}")
    check("task" in rows[2]["D"], f"capabilities column: {rows[2].get('D')}")
    last = max(rows)
    totals = [rows[i].get("B") for i in range(last - 3, last + 1)]
    t = api["totals"]
    eq(totals, [t["duties"], t["served"], t["task_only"], t["repealed"]], "totals at the end agree with the API")
    eq(len(_audit_exports(admin, "xlsx")), before + 1, "the export is audited")
    row = _audit_exports(admin, "xlsx")[0]
    eq((row["actor"], row["after"]["format"], row["after"]["duties"]), ("admin", "xlsx", n), "audit row")


def test_coverage_pdf(h):
    admin = h.as_user("admin")
    api = admin.get_json("/api/v1/org/coverage?from=2026-01-01&to=2026-03-31")
    before = len(_audit_exports(admin, "pdf"))
    r = admin.get("/api/v1/org/coverage.pdf?from=2026-01-01&to=2026-03-31")
    expect_status(r, 200, "pdf")
    check(r.body[:5] == b"%PDF-", f"not a PDF: {r.body[:8]!r}")
    eq(r.header("Content-Type"), "application/pdf", "Content-Type")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "c.pdf")
        with open(path, "wb") as f:
            f.write(r.body)
        p = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, timeout=60)
        eq(p.returncode, 0, f"pdftotext: {p.stderr[-300:]!r}")
        text = p.stdout.decode("utf-8")
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=60).stdout
    check(re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), f"not A4 portrait: {info}")
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    check(pages > 3, f"{len(api['duties'])} duties on only {pages} pages: the table does not break across pages")
    flat = " ".join(text.split())
    for s in ("Eyüpsultan Belediyesi", "Bilgi İşlem Müdürlüğü", "01.01.2026", "31.03.2026", "Görev Kapsama Raporu"):
        check(s in flat, f"{s!r} missing from the PDF text")
    # short Turkish duty texts (one line in the table) come out whole, ğ ş ı İ intact
    p_ = preset()
    short = [d["text"] for d in p_["duties"] if not d.get("repealed") and len(d["text"]) <= 40
             and any(ch in d["text"] for ch in "ğşıİ")]
    check(short, "no short Turkish duty text in the preset")
    for s in short:
        check(s in flat, f"duty text {s!r} missing or damaged in the PDF text")
    words = {w.strip(".,;:()") for w in flat.split()}
    for w in ("güvenliğini", "sağlamak", "Şehir", "Akıllı", "İhtiyaç", "işletmek"):
        check(w in words, f"word {w!r} missing from the PDF text")
    for d in api["duties"]:
        check(d["ref"] in words, f"ref {d['ref']} missing from the PDF")
    eq(len(_audit_exports(admin, "pdf")), before + 1, "the export is audited")
    row = _audit_exports(admin, "pdf")[0]
    eq((row["after"]["from"], row["after"]["to"]), ("2026-01-01", "2026-03-31"), "audited period")


def test_coverage_page(h):
    admin = h.as_user("admin")
    api = admin.get_json("/api/v1/org/coverage")
    r = admin.get("/org/coverage")
    expect_status(r, 200)
    page = r.text
    for ident in ("coverage-totals", "coverage-units", "unit-MUD", "unit-YBY", "export-xlsx", "export-pdf"):
        check(html_has_id(page, ident), f"#{ident} missing")
    t = api["totals"]
    totals = page.split('id="coverage-totals"', 1)[1].split("</div>", 1)[0]
    nums = [int(x) for x in re.findall(r'<span class="num">(\d+)</span>', totals)]
    eq(nums, [t["duties"], t["served"], t["task_only"], t["repealed"]], "totals on the page agree with the API")
    for d in api["duties"]:
        check(f"<td>{d['ref']}</td>" in page, f"{d['ref']} not on the page")
    links = re.findall(r'href="/tasks/new\?duty=(\d+)"', page)
    eq(len(links), t["served"] + t["task_only"], "a 'Görev ver' link for every duty in force")
    check("Görev ver" in page, "the link is labelled 'Görev ver'")
    ids = admin.get_json("/api/v1/org/duties")["items"]
    eq(len(set(links)), len(links), "duplicate task links")
    eq(len(ids), len(api["duties"]), "duties list")
    check("planlanan" in page.lower() or "planned" in page.lower(), "capabilities not marked planned")
    # grouped by unit: every YBY duty sits in the YBY section
    yby = page.split('id="unit-YBY"', 1)[1].split("</section>", 1)[0]
    for d in api["duties"]:
        if d["unit"] == "YBY":
            check(f"<td>{d['ref']}</td>" in yby, f"{d['ref']} outside its unit section")
    sef_page = h.as_user("sef").get("/org/coverage")
    expect_status(sef_page, 200)
    check(not html_has_id(sef_page.text, "unit-MUD"), "the sorumlu of YBY sees MUD's duties")
