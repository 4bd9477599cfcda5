"""CSV import of people: POST /api/v1/org/people/import[?dry_run=1] with a
text/csv body. A dry run lists every bad row and imports nothing; a real
import writes all rows in one transaction or, when any row is bad, nothing
(400 with every error). Quoted fields, BOM, CRLF, both separators, and the
/org/people import form."""
import random
import urllib.parse

from harness import check, eq, expect_error, expect_status, html_has_id

HEADER = "ad_soyad;tckn;birim;kadro;istihdam;telefon;eposta;baslangic;bitis"
_used = set()


def tckn():
    while True:
        d = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(8)]
        d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
        d.append(sum(d) % 10)
        s = "".join(map(str, d))
        if s not in _used:
            _used.add(s)
            return s


def post_csv(client, text, dry_run=True, csrf=True, ctype="text/csv; charset=utf-8"):
    path = "/api/v1/org/people/import" + ("?dry_run=1" if dry_run else "")
    body = text.encode("utf-8") if isinstance(text, str) else text
    return client.request("POST", path, body=body, headers={"Content-Type": ctype}, csrf=csrf)


def people_named(client, tag):
    items = client.get_json(f"/api/v1/org/people?limit=200&q={urllib.parse.quote(tag)}")["items"]
    return {i["name"]: i for i in items}


def test_dry_run_lists_every_bad_row(h):
    admin = h.as_user("admin")
    tag = h.uniq("d")
    good = tckn()
    rows = [
        HEADER,
        f"İyi Satır {tag};{good};YBY;ANALIST_PROG;memur;0532 111 22 33;iyi@ornek.bel.tr;01.02.2020;",   # 2 ok
        f"Kötü Kimlik {tag};12345678901;YBY;;memur;;;;",                                            # 3 tckn
        f"Kötü Birim {tag};{tckn()};XYZ;;memur;;;;",                                               # 4 birim
        f"Kötü Hepsi {tag};abc;;;asker;telefon;e@posta;2020-13-01;",                               # 5 many
        f"Eksik Sütun {tag};{tckn()};YBY",                                                         # 6 count
        f"Aynı Kimlik {tag};{good};ASD;;işçi;;;;",                                                 # 7 duplicate
        f"Ters Tarih {tag};{tckn()};ASD;;stajyer;;;2024-05-01;2024-04-01",                        # 8 dates
        f"Yanlış Kadro {tag};{tckn()};ASD;SISTEM_UZMANI;memur;;;;",                                # 9 position
    ]
    r = post_csv(admin, "\r\n".join(rows) + "\r\n")
    expect_status(r, 200, "dry run")
    body = r.json()
    eq(set(body), {"rows", "errors", "imported"}, "dry-run shape")
    eq((body["rows"], body["imported"]), (8, 0), "rows and imported")
    bad_rows = {e["row"] for e in body["errors"]}
    eq(bad_rows, {3, 4, 5, 6, 7, 8, 9}, f"every bad row listed: {body['errors']}")
    by = {}
    for e in body["errors"]:
        eq(set(e), {"row", "column", "reason"}, "error shape")
        check(isinstance(e["reason"], str) and e["reason"], f"empty reason {e}")
        by.setdefault(e["row"], set()).add(e["column"])
    eq(by[3], {"tckn"}, "row 3")
    eq(by[4], {"birim"}, "row 4")
    check({"tckn", "birim", "istihdam", "telefon", "eposta", "baslangic"} <= by[5], f"row 5 columns {by[5]}")
    eq(by[6], {None}, "row 6 has the wrong number of fields")
    eq(by[7], {"tckn"}, "row 7 repeats row 2's number")
    eq(by[8], {"bitis"}, "row 8")
    eq(by[9], {"kadro"}, "row 9")
    dup = [e for e in body["errors"] if e["row"] == 7][0]
    check("2" in dup["reason"], f"the duplicate names the first row: {dup}")
    check(good not in r.text and "12345678901" not in r.text, "reasons quote a T.C. number")
    eq(people_named(admin, tag), {}, "a dry run imported something")
    # without dry_run: 400 with every error, and still nothing written
    r = post_csv(admin, "\r\n".join(rows) + "\r\n", dry_run=False)
    expect_status(r, 400, "import with bad rows")
    body = r.json()
    eq(body.get("imported"), 0, "imported")
    eq({e["row"] for e in body["errors"]}, {3, 4, 5, 6, 7, 8, 9}, "every error on the real import")
    eq(body.get("error", {}).get("code"), "validation", "error code")
    eq(people_named(admin, tag), {}, "a failed import wrote rows")


def test_import_all_rows_in_one_go(h):
    admin = h.as_user("admin")
    tag = h.uniq("i")
    n1, n2, n3 = tckn(), tckn(), tckn()
    text = ("\ufeff" + HEADER + "\r\n"
            f"\"Yılmaz; Ayşe {tag}\";{n1};YBY;YBY_SORUMLU;memur;0532 123 45 67;ayse.yilmaz@ornek.bel.tr;2015-03-02;\r\n"
            f"\"Irmak \"\"Işık\"\" {tag}\";{n2};snb;network_uzmani;Sözleşmeli;+90 (212) 453 10 00;;02.01.2019;\r\n"
            "\r\n"
            f"Geçmiş Stajyer {tag};{n3};TAB;;stajyer;;;2023-06-01;2023-08-31\r\n")
    r = post_csv(admin, text)
    expect_status(r, 200, "dry run of a good file")
    eq(r.json(), {"rows": 3, "errors": [], "imported": 0}, "clean dry run")
    eq(people_named(admin, tag), {}, "the dry run imported")
    r = post_csv(admin, text, dry_run=False)
    expect_status(r, 200, "import")
    eq(r.json(), {"rows": 3, "errors": [], "imported": 3}, "import result")
    got = people_named(admin, tag)
    eq(len(got), 3, f"three people imported: {list(got)}")
    a = got[f"Yılmaz; Ayşe {tag}"]
    b = got[f"Irmak \"Işık\" {tag}"]
    c = got[f"Geçmiş Stajyer {tag}"]
    eq((a["unit"], a["position"], a["phone"], a["start_date"], a["active"]),
       ("YBY", "YBY_SORUMLU", "+905321234567", "2015-03-02", True), "row 2")
    eq((b["unit"], b["position"], b["employment"], b["phone"], b["start_date"]),
       ("SNB", "NETWORK_UZMANI", "sozlesmeli", "+902124531000", "2019-01-02"), "row 3")
    eq((c["employment"], c["end_date"], c["active"]), ("stajyer", "2023-08-31", False), "row 5")
    full = admin.get_json(f"/api/v1/org/people/{a['id']}")
    eq(full["tckn"], n1, "the T.C. number was imported")
    # audited: one create per person and one import row
    rows = admin.get_json(f"/api/v1/audit?entity=person&entity_id={a['id']}")["items"]
    eq([x["action"] for x in rows], ["create"], "person audit")
    imp = admin.get_json("/api/v1/audit?entity=person&action=import&limit=1")["items"]
    eq((imp[0]["after"]["rows"], imp[0]["after"]["imported"]), (3, 3), "import audit row")
    # the same file again: every row now conflicts, nothing is added
    r = post_csv(admin, text, dry_run=False)
    expect_status(r, 400, "importing the same people twice")
    eq({e["row"] for e in r.json()["errors"]}, {2, 3, 5}, "already registered rows")
    eq(len(people_named(admin, tag)), 3, "duplicates were added")


def test_comma_separated_and_header_variants(h):
    admin = h.as_user("admin")
    tag = h.uniq("c")
    text = ("Ad Soyad,TCKN,Birim,İstihdam,Başlangıç\n"
            f"\"Virgüllü, Kişi {tag}\",{tckn()},ASD,şirket personeli,2022-01-10\n")
    r = post_csv(admin, text, dry_run=False)
    expect_status(r, 200, "comma-separated file with a subset of columns")
    eq(r.json()["imported"], 1, "imported")
    p = people_named(admin, tag)[f"Virgüllü, Kişi {tag}"]
    eq((p["unit"], p["employment"], p["start_date"]), ("ASD", "sirket", "2022-01-10"), "comma file row")
    # header problems: unknown, repeated and missing required columns
    r = post_csv(admin, "ad_soyad;tckn;tckn;maas\nA;1;2;3\n")
    body = expect_status(r, 200).json()
    cols = {e["column"] for e in body["errors"] if e["row"] == 1}
    check({"maas", "tckn", "birim", "istihdam"} <= cols, f"header errors: {body['errors']}")
    eq(body["imported"], 0, "imported")


def test_malformed_files(h):
    admin = h.as_user("admin")
    tag = h.uniq("m")
    cases = [
        ("", "empty body"),
        ("\ufeff", "only a BOM"),
        (HEADER + "\n", "header only"),
        (HEADER + f"\n\"Kapanmayan {tag};{tckn()};YBY;;memur;;;;\n", "unterminated quote"),
    ]
    for text, what in cases:
        r = post_csv(admin, text, dry_run=False)
        expect_status(r, 400, what)
        body = r.json()
        check(body["errors"] and body["imported"] == 0, f"{what}: {body}")
    # invalid UTF-8 and stray text after a quote spoil only their row
    raw = (HEADER + "\n").encode() + b"Bozuk \xff;" + tckn().encode() + b";YBY;;memur;;;;\n" + \
        f"\"Tırnak\"x {tag};{tckn()};YBY;;memur;;;;\n".encode() + \
        f"Sağlam {tag};{tckn()};YBY;;memur;;;;\n".encode()
    body = expect_status(post_csv(admin, raw), 200).json()
    eq({e["row"] for e in body["errors"]}, {2, 3}, f"bad rows: {body['errors']}")
    eq(body["rows"], 3, "rows")
    err = expect_error(admin.request("POST", "/api/v1/org/people/import?dry_run=yes", body=b"x", csrf=True),
                       400, "validation", "bad dry_run")
    check("dry_run" in err["fields"], f"{err}")
    eq(people_named(admin, tag), {}, "something was imported")


def test_import_permissions(h):
    tag = h.uniq("p")
    text = HEADER + f"\nYetki {tag};{tckn()};ASD;;memur;;;;\n"
    for user in ("sef", "teknik", "personel", "denetci"):
        expect_error(post_csv(h.as_user(user), text), 403, "forbidden", f"{user} imports")
    admin = h.as_user("admin")
    expect_error(post_csv(admin, text, csrf=False), 403, "csrf", "cookie import without the CSRF token")
    expect_error(h.client().request("POST", "/api/v1/org/people/import", body=text.encode(),
                                    headers={"Content-Type": "text/csv"}), 401, "unauthenticated")
    # a yonetici of YBY may import YBY people only
    _, name, pw = h.create_user(role="yonetici", unit="YBY")
    yon = h.login(name, pw)
    body = expect_status(post_csv(yon, text), 200).json()
    eq([(e["row"], e["column"]) for e in body["errors"]], [(2, "birim")], "unit out of reach")
    ok = HEADER + f"\nYetki YBY {tag};{tckn()};YBY;;memur;;;;\n"
    eq(expect_status(post_csv(yon, ok, dry_run=False), 200).json()["imported"], 1, "in reach")


def test_import_form(h):
    admin = h.as_user("admin")
    tag = h.uniq("w")
    text = HEADER + f"\nForm İthal {tag};{tckn()};TAB;;işçi;;;;\nKötü {tag};1;TAB;;memur;;;;\n"
    r = admin.post_form("/org/people/import", {"_csrf": admin.csrf, "csv": text, "dry_run": "1"})
    expect_status(r, 400, "form dry run with a bad row")
    check(html_has_id(r.text, "import-result") and html_has_id(r.text, "import-errors"), "result on the page")
    good = HEADER + f"\nForm İthal {tag};{tckn()};TAB;;işçi;;;;\n"
    r = admin.post_form("/org/people/import", {"_csrf": admin.csrf, "csv": good})
    expect_status(r, 200, "form import")
    check('<strong id="import-imported">1</strong>' in r.text, "imported count shown")
    eq(len(people_named(admin, tag)), 1, "imported through the form")
