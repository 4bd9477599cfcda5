"""The people register: /api/v1/org/people (create, read, change, list with
Turkish-folding search and filters), T.C. Kimlik No validation and masking
(KVKK), scoping by the unit tree, audit, and the /org/people pages."""
import json
import random
import urllib.parse

from harness import check, eq, expect_error, expect_status, html_has_id

_used = set()


def tckn():
    """A fresh valid T.C. Kimlik No (computed with the checksum rule)."""
    while True:
        d = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(8)]
        d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
        d.append(sum(d) % 10)
        s = "".join(map(str, d))
        if s not in _used:
            _used.add(s)
            return s


def person(h, name=None, unit="YBY", **kw):
    body = {"name": name or f"Deneme Kişi {h.uniq('p')}", "tckn": tckn(), "unit": unit, "employment": "memur"}
    body.update(kw)
    return body


def create(h, client=None, **kw):
    c = client or h.as_user("admin")
    body = person(h, **kw)
    r = c.post("/api/v1/org/people", body)
    expect_status(r, 201, f"create person {body['name']}")
    return r.json(), body


def q(s):
    return urllib.parse.quote(s)


def test_create_and_read_person(h):
    admin = h.as_user("admin")
    p, body = create(h, name="  Ayşe   Demirtaş ", unit="SNB", position="SISTEM_UZMANI", employment="sözleşmeli",
                     phone="0532 123 45 67", email="ayse.demirtas@eyupsultan.bel.tr", start_date="2020-02-03")
    eq(p["name"], "Ayşe Demirtaş", "the name is trimmed and collapsed")
    eq(p["tckn"], body["tckn"], "admin sees the full T.C. number on the record")
    eq(p["tckn_masked"], body["tckn"][:3] + "******" + body["tckn"][-2:], "masked form")
    eq((p["unit"], p["position"], p["employment"]), ("SNB", "SISTEM_UZMANI", "sozlesmeli"), "unit/position/employment")
    eq(p["phone"], "+905321234567", "phone normalised to E.164")
    eq((p["start_date"], p["end_date"], p["active"]), ("2020-02-03", None, True), "dates and active")
    got = admin.get_json(f"/api/v1/org/people/{p['id']}")
    eq(got["tckn"], body["tckn"], "GET record for admin")
    mudur = h.as_user("mudur")
    eq(mudur.get_json(f"/api/v1/org/people/{p['id']}")["tckn"], body["tckn"], "yonetici sees the full number")
    # employment labels in Turkish and other spellings
    for given, key in [("işçi", "isci"), ("ŞİRKET PERSONELİ", "sirket"), ("Stajyer", "stajyer"), ("isci", "isci")]:
        eq(create(h, employment=given)[0]["employment"], key, f"employment {given!r}")


def test_tckn_masked_outside_the_record(h):
    admin = h.as_user("admin")
    p, body = create(h, unit="YBY")
    full = body["tckn"]
    lst = admin.get("/api/v1/org/people?limit=200")
    expect_status(lst, 200)
    check(full not in lst.text, "the full T.C. number appears in the list")
    items = [i for i in lst.json()["items"] if i["id"] == p["id"]]
    if not items:  # paged out: find by name
        items = admin.get_json(f"/api/v1/org/people?q={q(body['name'])}")["items"]
    eq(len(items), 1, "the person is listed")
    check("tckn" not in items[0], f"list item carries a tckn key: {items[0]}")
    eq(items[0]["tckn_masked"], full[:3] + "******" + full[-2:], "masked in the list")
    # a sorumlu of the unit sees the record, masked only
    sef = h.as_user("sef")
    rec = sef.get_json(f"/api/v1/org/people/{p['id']}")
    check("tckn" not in rec and full not in json.dumps(rec), f"sorumlu sees the full number: {rec}")
    # pages show it masked, even to admin
    for path in ("/org/people", f"/org/people/{p['id']}", f"/org/people?q={q(body['name'])}"):
        page = admin.get(path)
        expect_status(page, 200, path)
        check(full not in page.text, f"{path} shows the full T.C. number")
    check(full[:3] + "******" + full[-2:] in admin.get(f"/org/people/{p['id']}").text, "masked number on the page")
    # never in the server log
    with open(h.server.log_path, encoding="utf-8", errors="replace") as f:
        check(full not in f.read(), "the T.C. number was written to the server log")
    # the audit trail (protected) does carry it
    rows = admin.get_json(f"/api/v1/audit?entity=person&entity_id={p['id']}")["items"]
    eq([r["action"] for r in rows], ["create"], "audit rows of the new person")
    eq(rows[0]["after"]["tckn"], full, "audit after.tckn")
    eq(rows[0]["actor"], "admin", "audit actor")


def test_validation(h):
    admin = h.as_user("admin")
    cases = [
        (person(h, tckn="12345678951"), "tckn"),      # checksum
        (person(h, tckn="02345678950"), "tckn"),      # leading zero
        (person(h, tckn="1234567895"), "tckn"),       # 10 digits
        (person(h, tckn="1234567895a"), "tckn"),
        (person(h, unit="NOPE"), "unit"),
        (person(h, position="NOPE"), "position"),
        (person(h, unit="YBY", position="SISTEM_UZMANI"), "position"),  # a position of SNB
        (person(h, employment="asker"), "employment"),
        (person(h, phone="telefon yok"), "phone"),
        (person(h, phone="0532 123 45"), "phone"),
        (person(h, email="ayse@"), "email"),
        (person(h, start_date="2026-02-30"), "start_date"),
        (person(h, start_date="2024-05-01", end_date="2024-04-30"), "end_date"),
        (person(h, name="A"), "name"),
        (person(h, user_id=999999), "user_id"),
        (person(h, salary=5), "salary"),
        ({"name": "Eksik Alan", "unit": "YBY", "employment": "memur"}, "tckn"),
        (person(h, tckn=12345678950), "tckn"),  # wrong type
    ]
    for body, field in cases:
        err = expect_error(admin.post("/api/v1/org/people", body), 400, "validation", f"{field}: {body}")
        check(field in err.get("fields", {}), f"400 does not name {field}: {err}")
    # nothing of it was stored
    r = admin.get_json("/api/v1/org/people?q=" + q("Eksik Alan"))
    eq(r["items"], [], "an invalid person was stored")
    # malformed JSON
    expect_error(admin.request("POST", "/api/v1/org/people", body=b"{", csrf=True,
                               headers={"Content-Type": "application/json"}), 400, "malformed_json")


def test_duplicate_tckn_conflict(h):
    admin = h.as_user("admin")
    p, body = create(h)
    again = person(h, tckn=body["tckn"])
    err = expect_error(admin.post("/api/v1/org/people", again), 409, "conflict", "duplicate T.C. number")
    check("tckn" in err.get("fields", {}), f"409 does not name tckn: {err}")
    check(body["tckn"] not in json.dumps(err), "the error message quotes the T.C. number")
    # linking one user to two people (a fresh user: the demo data may link the demo accounts)
    uid, _, _ = h.create_user(role="teknik", unit="YBY")
    create(h, user_id=uid)
    err = expect_error(admin.post("/api/v1/org/people", person(h, user_id=uid)), 409, "conflict", "user linked twice")
    check("user_id" in err.get("fields", {}), f"{err}")


def test_patch_person(h):
    admin = h.as_user("admin")
    p, body = create(h, unit="ASD", phone="05321112233")
    r = admin.request("PATCH", f"/api/v1/org/people/{p['id']}",
                      json_body={"phone": "+90 212 453 10 00", "end_date": "2025-01-31", "active": False,
                                 "position": "ASD_UZMANI"}, csrf=True)
    expect_status(r, 200, "patch")
    got = r.json()
    eq((got["phone"], got["end_date"], got["active"], got["position"]),
       ("+902124531000", "2025-01-31", False, "ASD_UZMANI"), "patched fields")
    eq(got["name"], p["name"], "untouched field kept")
    # null clears an optional field, not a required one
    r = admin.request("PATCH", f"/api/v1/org/people/{p['id']}", json_body={"phone": None}, csrf=True)
    eq(expect_status(r, 200).json()["phone"], None, "phone cleared")
    err = expect_error(admin.request("PATCH", f"/api/v1/org/people/{p['id']}", json_body={"name": None}, csrf=True),
                       400, "validation", "name: null")
    check("name" in err["fields"], f"{err}")
    err = expect_error(admin.request("PATCH", f"/api/v1/org/people/{p['id']}", json_body={"tckn": "11111111111"},
                                     csrf=True), 400, "validation", "bad tckn on patch")
    check("tckn" in err["fields"], f"{err}")
    # moving to a position of another unit is refused; so is an unknown id
    expect_error(admin.request("PATCH", f"/api/v1/org/people/{p['id']}", json_body={"unit": "TAB"}, csrf=True),
                 400, "validation", "ASD_UZMANI does not belong to TAB")
    expect_error(admin.request("PATCH", "/api/v1/org/people/999999", json_body={"phone": None}, csrf=True),
                 404, "not_found")
    expect_error(admin.request("PATCH", "/api/v1/org/people/abc", json_body={}, csrf=True), 404, "not_found")
    # audited with before and after
    rows = admin.get_json(f"/api/v1/audit?entity=person&entity_id={p['id']}&action=update")["items"]
    eq(len(rows), 2, "two audited updates")
    eq(rows[-1]["before"]["phone"], "+905321112233", "audit before.phone")
    eq(rows[-1]["after"]["phone"], "+902124531000", "audit after.phone")
    # a PATCH without changes writes no audit row
    expect_status(admin.request("PATCH", f"/api/v1/org/people/{p['id']}", json_body={}, csrf=True), 200)
    eq(len(admin.get_json(f"/api/v1/audit?entity=person&entity_id={p['id']}&action=update")["items"]), 2,
       "an empty PATCH was audited")
    # cookie PATCH without the CSRF token
    expect_error(admin.request("PATCH", f"/api/v1/org/people/{p['id']}", json_body={"phone": None}), 403, "csrf")


def test_search_folds_turkish_case(h):
    admin = h.as_user("admin")
    tag = h.uniq("z")
    isil, _ = create(h, name=f"Işıl Güneş {tag}")
    ismail, _ = create(h, name=f"İsmail Irmak {tag}")
    irmak, _ = create(h, name=f"Çağrı İrmak {tag}")

    def found(query):
        items = admin.get_json(f"/api/v1/org/people?limit=200&q={q(query + ' ' + tag)}")["items"]
        return {i["id"] for i in items}

    def found_plain(query):
        items = admin.get_json(f"/api/v1/org/people?limit=200&q={q(query)}")["items"]
        return {i["id"] for i in items if tag in i["name"]}

    eq(found("IŞIL GÜNEŞ"), {isil["id"]}, "IŞIL GÜNEŞ finds Işıl Güneş")
    eq(found("ışıl güneş"), {isil["id"]}, "lower case with ı")
    eq(found("ISIL GUNES"), {isil["id"]}, "plain ASCII is lenient")
    eq(found("İSMAİL IRMAK"), {ismail["id"]}, "İSMAİL IRMAK: İ=i and I=ı")
    eq(found("ismail ırmak"), {ismail["id"]}, "ismail ırmak")
    eq(found("ÇAĞRI İRMAK"), {irmak["id"]}, "ÇAĞRI İRMAK")
    # with Turkish letters the fold is exact: ı is not i, I is not İ
    eq(found_plain("ırmak"), {ismail["id"]}, "ırmak only matches Irmak")
    eq(found_plain("İrmak"), {irmak["id"]}, "İrmak only matches İrmak")
    eq(found_plain("irmak"), {ismail["id"], irmak["id"]}, "plain ASCII irmak matches both")
    eq(found_plain("IŞI"), {isil["id"]}, "a fragment")
    # LIKE wildcards are literal
    eq(found_plain("%"), set(), "% is not a wildcard")
    eq(found_plain("_"), set(), "_ is not a wildcard")
    err = expect_error(admin.get("/api/v1/org/people?q=" + "a" * 101), 400, "validation", "over-long query")
    check("q" in err["fields"], f"{err}")


def test_filters_and_paging(h):
    admin = h.as_user("admin")
    tag = h.uniq("f")
    a, _ = create(h, name=f"Filtre Bir {tag}", unit="TAB")
    b, _ = create(h, name=f"Filtre İki {tag}", unit="TAB", end_date="2020-01-31", start_date="2019-01-01")
    c, _ = create(h, name=f"Filtre Üç {tag}", unit="ASD")
    eq(b["active"], False, "an end date in the past makes the person inactive")

    def ids(query):
        return {i["id"] for i in admin.get_json(f"/api/v1/org/people?limit=200&q={tag}&{query}")["items"]}

    eq(ids("unit=TAB"), {a["id"], b["id"]}, "unit=TAB")
    eq(ids("unit=MUD"), {a["id"], b["id"], c["id"]}, "unit=MUD includes the subtree")
    eq(ids("active=1"), {a["id"], c["id"]}, "active=1")
    eq(ids("active=0"), {b["id"]}, "active=0")
    eq(ids("unit=TAB&active=1"), {a["id"]}, "unit and active")
    err = expect_error(admin.get("/api/v1/org/people?unit=NOPE"), 400, "validation", "unknown unit filter")
    check("unit" in err["fields"], f"{err}")
    err = expect_error(admin.get("/api/v1/org/people?active=maybe"), 400, "validation", "bad active")
    check("active" in err["fields"], f"{err}")
    expect_error(admin.get("/api/v1/org/people?limit=0"), 400, "validation", "limit=0")
    # paging walks every item once
    seen, cursor, pages = [], None, 0
    while True:
        path = f"/api/v1/org/people?limit=1&q={tag}" + (f"&cursor={cursor}" if cursor else "")
        body = admin.get_json(path)
        eq(set(body), {"items", "next_cursor"}, "list shape")
        check(len(body["items"]) <= 1, "limit=1 returned more")
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        check(pages < 10, "paging does not end")
        if not cursor:
            break
    eq(sorted(seen), sorted([a["id"], b["id"], c["id"]]), "paging")


def test_scoping_by_unit(h):
    admin = h.as_user("admin")
    tag = h.uniq("s")
    yby, _ = create(h, name=f"Kapsam YBY {tag}", unit="YBY")
    asd, _ = create(h, name=f"Kapsam ASD {tag}", unit="ASD")
    root, _ = create(h, name=f"Kapsam MUD {tag}", unit="MUD")

    def visible(user):
        items = h.as_user(user).get_json(f"/api/v1/org/people?limit=200&q={tag}")["items"]
        return {i["id"] for i in items}

    everyone = {yby["id"], asd["id"], root["id"]}
    eq(visible("admin"), everyone, "admin")
    eq(visible("mudur"), everyone, "yonetici of the root")
    eq(visible("denetci"), everyone, "denetci of the root")
    eq(visible("sef"), {yby["id"]}, "sorumlu of YBY sees YBY only")
    eq(visible("teknik"), {yby["id"]}, "teknik of YBY sees YBY only")
    eq(visible("personel"), {asd["id"]}, "personel of ASD sees ASD only")
    sef = h.as_user("sef")
    expect_status(sef.get(f"/api/v1/org/people/{yby['id']}"), 200, "sef reads a YBY person")
    expect_error(sef.get(f"/api/v1/org/people/{asd['id']}"), 403, "forbidden", "sef reads an ASD person")
    expect_error(sef.get(f"/api/v1/org/people/{root['id']}"), 403, "forbidden", "sef reads a MUD person")
    expect_error(sef.get("/api/v1/org/people/999999"), 404, "not_found")
    # only people.manage (admin, yonetici) changes people
    for user in ("sef", "teknik", "personel", "denetci"):
        c = h.as_user(user)
        expect_error(c.post("/api/v1/org/people", person(h)), 403, "forbidden", f"{user} creates a person")
        expect_error(c.request("PATCH", f"/api/v1/org/people/{yby['id']}", json_body={"phone": None}, csrf=True),
                     403, "forbidden", f"{user} patches a person")
    mudur = h.as_user("mudur")
    create(h, client=mudur, unit="ASD")
    # a yonetici of one unit manages only that subtree
    _, name, pw = h.create_user(role="yonetici", unit="YBY")
    yon = h.login(name, pw)
    expect_status(yon.post("/api/v1/org/people", person(h, unit="YBY")), 201, "yonetici of YBY in YBY")
    expect_error(yon.post("/api/v1/org/people", person(h, unit="ASD")), 403, "forbidden", "yonetici of YBY in ASD")
    expect_error(yon.request("PATCH", f"/api/v1/org/people/{yby['id']}", json_body={"unit": "ASD"}, csrf=True),
                 403, "forbidden", "moving a person out of reach")
    rec = yon.get_json(f"/api/v1/org/people/{yby['id']}")
    check("tckn" in rec, "yonetici of the unit sees the full number")
    expect_error(h.client().get("/api/v1/org/people"), 401, "unauthenticated")


def test_people_pages(h):
    admin = h.as_user("admin")
    tag = h.uniq("g")
    p, body = create(h, name=f"Sayfa Kişisi {tag}", unit="SNB", position="NETWORK_UZMANI")
    page = admin.get(f"/org/people?q={tag}")
    expect_status(page, 200)
    check(html_has_id(page.text, "people") and f"Sayfa Kişisi {tag}" in page.text, "person listed on /org/people")
    check(html_has_id(page.text, "import-form") and html_has_id(page.text, "person-form"), "manager forms")
    check(not html_has_id(h.as_user("sef").get("/org/people").text, "person-form"), "sef sees the new-person form")
    one = admin.get(f"/org/people/{p['id']}")
    expect_status(one, 200)
    check("Network Uzmanı" in one.text, "position title on the person page")
    expect_status(admin.get("/org/people/999999"), 404)
    expect_status(h.as_user("sef").get(f"/org/people/{p['id']}"), 403, "sef opens an SNB person")
    # the org chart counts people per unit and position
    org = admin.get("/org")
    expect_status(org, 200)
    check(html_has_id(org.text, "org-chart") and html_has_id(org.text, "chart-SNB"), "org chart on /org")
    check(html_has_id(org.text, "unit-tree") and html_has_id(org.text, "duties"), "the /org page kept its parts")
    n = len([i for i in admin.get_json("/api/v1/org/people?unit=SNB&active=1&limit=200")["items"]
             if i["unit"] == "SNB"])
    section = org.text.split('id="chart-SNB"', 1)[1].split("</div>", 1)[0]
    check(f'<span class="people-count">{n}</span>' in section, f"SNB people count {n} not in chart: {section[:300]}")
    # the form creates and edits; the T.C. number stays masked and is kept when left empty
    tk = tckn()
    r = admin.post_form("/org/people", {"_csrf": admin.csrf, "name": f"Form Kişisi {tag}", "tckn": tk, "unit": "TAB",
                                        "position": "", "employment": "isci", "phone": "0555 444 33 22",
                                        "email": "", "start_date": "2021-03-04", "end_date": "", "username": "",
                                        "active": "1"})
    expect_status(r, 303, "form create")
    loc = r.header("Location")
    check(loc and loc.startswith("/org/people/"), f"redirect {loc}")
    pid = int(loc.rsplit("/", 1)[1])
    rec = admin.get_json(f"/api/v1/org/people/{pid}")
    eq((rec["tckn"], rec["phone"], rec["employment"]), (tk, "+905554443322", "isci"), "created by the form")
    _, uname, _ = h.create_user(role="teknik", unit="TAB")
    r = admin.post_form(f"/org/people/{pid}", {"_csrf": admin.csrf, "name": f"Form Kişisi {tag}", "tckn": "",
                                                "unit": "TAB", "position": "TD_TEKNIKERI", "employment": "isci",
                                                "phone": "0555 444 33 22", "email": "", "start_date": "2021-03-04",
                                                "end_date": "", "username": uname})
    expect_status(r, 303, "form edit")
    rec = admin.get_json(f"/api/v1/org/people/{pid}")
    eq((rec["tckn"], rec["position"], rec["active"], rec["username"]), (tk, "TD_TEKNIKERI", False, uname),
       "edited by the form")
    bad = admin.post_form("/org/people", {"_csrf": admin.csrf, "name": "Hatalı", "tckn": "12345678901", "unit": "TAB",
                                          "employment": "memur"})
    expect_status(bad, 400, "form with a bad T.C. number")
    check("12345678901" in bad.text, "the typed value is kept in the form")
    check(html_has_id(bad.text, "form-message"), "the form shows the problem")
    expect_status(admin.post_form("/org/people", {"name": "x"}), 403, "form without _csrf")
