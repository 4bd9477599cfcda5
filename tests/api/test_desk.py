"""The service desk (issue 4): tickets from every employee, routing by the
regulation's duties, the status workflow with the SLA clock, assignment
and escalation, merge, comments (public/internal), work log, watchers,
attachments, vendor repairs, Turkish full-text search, cursor paging,
saved views, reports and exports, and bad input of every kind.

Demo users on the eyupsultan preset: mudur (yonetici, MUD = root), sef
(sorumlu, YBY), teknik (teknik, YBY), personel (personel, ASD), denetci."""
import os
import re
import sqlite3
import subprocess
import urllib.parse

from harness import check, eq, expect_error, expect_status

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def _db(server, write=False):
    path = os.path.join(server.data_dir, "defter.db")
    if write:
        return sqlite3.connect(path, timeout=15)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _cat(h, code="yazilim.hata"):
    """(id, routed unit code) of a category."""
    key = f"cat_{code}"
    if key not in h.cache:
        cats = h.as_user("personel").get_json("/api/v1/desk/categories")["items"]
        by_code = {c["code"]: c for c in cats}
        check(code in by_code, f"category {code} missing: {sorted(by_code)}")
        c = by_code[code]
        unit = c["unit"] or by_code[code.split(".")[0]]["unit"]
        h.cache[key] = (c["id"], unit)
    return h.cache[key]


def _ticket(h, who="personel", **fields):
    body = {"type": "ariza", "subject": h.uniq("Yazıcı arızası "), "body": "Kağıt sıkıştı.",
            "category": _cat(h)[0]}
    body.update(fields)
    r = h.as_user(who).post("/api/v1/desk/tickets", body)
    expect_status(r, 201, f"{who} opens a ticket {body}")
    return r.json()


def _move(h, who, t, to, **extra):
    return h.as_user(who).post(f"/api/v1/desk/tickets/{t['id']}/transition", {"to": to, **extra})


def _uid(h, name):
    with _db(h.server) as con:
        return con.execute("SELECT id FROM users WHERE username = ?", (name,)).fetchone()[0]


def test_desk_routing_and_create(h):
    cats = h.as_user("personel").get_json("/api/v1/desk/categories")["items"]
    check(len(cats) >= 10, f"seeded category tree: {len(cats)} categories")
    top = {c["code"]: c for c in cats if c["parent"] is None}
    # Routing follows the preset's duties: software to the software unit,
    # hardware to the technical infrastructure unit.
    eq(top["yazilim"]["unit"], "YBY", "software categories route to YBY (Md.15 duties)")
    eq(top["donanim"]["unit"], "TAB", "hardware categories route to TAB (Md.11 duties)")
    check(top["donanim"]["duty"], "the routing names the duty it follows")
    t = _ticket(h)
    check(re.fullmatch(r"BT-\d{6,}", t["number"]), f"ticket number {t['number']}")
    eq(t["status"], "yeni", "new ticket status")
    eq(t["unit"], _cat(h)[1], "routed unit")
    eq(t["priority"], "orta", "default urgency x impact gives medium priority")
    check(t["sla"]["response_due"] and t["sla"]["resolve_due"], f"SLA deadlines {t['sla']}")
    check(t["sla"]["response_due"] <= t["sla"]["resolve_due"], "response before resolution")
    eq(t["requester"]["username"], "personel", "requester")
    check("email" not in t["requester"], "the requester does not see staff-only fields")
    # by number or id
    eq(h.as_user("personel").get_json(f"/api/v1/desk/tickets/{t['number']}")["id"], t["id"], "lookup by number")
    # urgency x impact matrix: staff sets impact
    hi = _ticket(h, who="sef", urgency="yuksek", impact="yuksek")
    eq(hi["priority"], "kritik", "high x high is critical")
    lo = _ticket(h, who="sef", urgency="dusuk", impact="dusuk")
    eq(lo["priority"], "dusuk", "low x low is low")
    check(hi["sla"]["resolve_due"] < lo["sla"]["resolve_due"], "critical resolves sooner than low")
    # the audit trail has the creation
    with _db(h.server) as con:
        n = con.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'ticket' AND entity_id = ? AND action = 'create'",
                        (str(t["id"]),)).fetchone()[0]
    eq(n, 1, "create audited")


def test_desk_visibility(h):
    t = _ticket(h)
    _, other, pw = h.create_user(role="personel", unit="ASD")
    c = h.login(other, pw)
    expect_error(c.get(f"/api/v1/desk/tickets/{t['id']}"), 403, "forbidden", "another employee's ticket")
    ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?limit=200")["items"]]
    check(t["id"] not in ids, "another employee's ticket is not listed")
    # staff of the routed unit see it in the queue; an auditor reads all
    unit = t["unit"]
    ids = [x["id"] for x in h.as_user("sef").get_json(f"/api/v1/desk/tickets?unit={unit}&limit=200")["items"]]
    check(t["id"] in ids, "the unit chief sees the ticket in the unit queue")
    expect_status(h.as_user("denetci").get(f"/api/v1/desk/tickets/{t['id']}"), 200, "auditor reads")
    # an auditor may not work on it
    expect_error(h.as_user("denetci").post(f"/api/v1/desk/tickets/{t['id']}/comments", {"body": "x"}), 403,
                 "forbidden", "auditor comments")
    # personel may not set impact or open in another unit's queue
    r = h.as_user("personel").post("/api/v1/desk/tickets", {"type": "ariza", "subject": "x", "impact": "yuksek"})
    expect_error(r, 400, "validation", "impact by an employee")
    r = h.as_user("personel").post("/api/v1/desk/tickets", {"type": "ariza", "subject": "x", "unit": "TAB"})
    expect_error(r, 403, "forbidden", "queue chosen by an employee")
    with _db(h.server) as con:
        n = con.execute("SELECT COUNT(*) FROM desk_tickets WHERE subject = 'x'").fetchone()[0]
    eq(n, 0, "refused tickets leave nothing behind")


def test_desk_workflow_and_sla_pause(h):
    t = _ticket(h)
    teknik = _uid(h, "teknik")
    # technicians cannot assign to others, but may take a ticket of their unit
    expect_error(h.as_user("teknik").post(f"/api/v1/desk/tickets/{t['id']}/assign",
                                          {"assignee": _uid(h, "sef")}), 403, "forbidden", "teknik assigns sef")
    r = h.as_user("sef").post(f"/api/v1/desk/tickets/{t['id']}/assign", {"assignee": teknik, "note": "Bakar mısın"})
    expect_status(r, 200, "chief assigns")
    t = r.json()
    eq(t["status"], "atandi", "assignment moves yeni -> atandi")
    eq(t["assignee"]["username"], "teknik", "assignee")
    check(t["first_response_at"], "assignment counts as the first response")
    # the requester cannot move it
    expect_error(_move(h, "personel", t, "islemde"), 403, "forbidden", "requester starts work")
    expect_status(_move(h, "teknik", t, "islemde"), 200, "teknik starts")
    r = _move(h, "teknik", t, "beklemede", waiting="talep_eden", note="Bilgisayar numarası nedir?")
    expect_status(r, 200, "waiting for the requester")
    check(r.json()["sla"]["paused"], "the clock stops while waiting for the requester")
    due_before = r.json()["sla"]["resolve_due"]
    # the requester's answer restarts work and the clock
    r = h.as_user("personel").post(f"/api/v1/desk/tickets/{t['id']}/comments", {"body": "PC-1234"})
    expect_status(r, 201, "requester answers")
    t2 = r.json()
    eq(t2["status"], "islemde", "an answer from the requester resumes work")
    check(not t2["sla"]["paused"], "clock resumed")
    check(t2["sla"]["resolve_due"] >= due_before, "the deadline moved by the paused time")
    # resolving needs a resolution text
    expect_error(_move(h, "teknik", t, "cozuldu"), 400, "validation", "resolution missing")
    r = _move(h, "teknik", t, "cozuldu", resolution="Sürücü yeniden kuruldu.")
    expect_status(r, 200, "resolved")
    eq(r.json()["resolution"], "Sürücü yeniden kuruldu.", "resolution kept")
    # the requester reopens within the window, then confirms
    expect_status(_move(h, "personel", t, "islemde", note="Yine olmadı"), 200, "requester reopens")
    expect_status(_move(h, "teknik", t, "cozuldu", resolution="Toner değişti."), 200, "resolved again")
    r = _move(h, "personel", t, "kapandi")
    expect_status(r, 200, "requester confirms")
    eq(r.json()["status"], "kapandi", "closed")
    # closed is final
    expect_error(_move(h, "teknik", t, "islemde"), 409, "invalid_transition", "reopen a closed ticket")
    expect_error(h.as_user("personel").post(f"/api/v1/desk/tickets/{t['id']}/comments", {"body": "?"}), 409,
                 "invalid_transition", "comment on a closed ticket")
    hist = [e["kind"] for e in h.as_user("sef").get_json(f"/api/v1/desk/tickets/{t['id']}")["history"]]
    for k in ("created", "assigned", "status", "reopened", "comment"):
        check(k in hist, f"history has {k}: {hist}")


def test_desk_bad_transitions(h):
    t = _ticket(h)
    expect_error(_move(h, "sef", t, "uçuyor"), 400, "validation", "unknown status")
    expect_error(_move(h, "sef", t, "atandi"), 409, "needs_assignee", "assigned without a person")
    expect_error(_move(h, "sef", t, "yeni"), 409, "invalid_transition", "yeni -> yeni")
    r = h.as_user("sef").post(f"/api/v1/desk/tickets/{t['id']}/transition", {"to": "islemde", "evil": 1})
    expect_error(r, 400, "validation", "unknown field")
    r = h.as_user("sef").request("POST", f"/api/v1/desk/tickets/{t['id']}/transition", body="to=islemde",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"}, csrf=True)
    expect_error(r, 415, "unsupported_media_type", "form body on the API")
    expect_error(h.as_user("sef").get("/api/v1/desk/tickets/999999999"), 404, "not_found", "unknown ticket")
    expect_error(h.as_user("sef").get("/api/v1/desk/tickets/BT-abc"), 404, "not_found", "bad number")
    # forged units and people
    r = h.as_user("sef").post(f"/api/v1/desk/tickets/{t['id']}/assign", {"unit": "YOK"})
    expect_error(r, 400, "validation", "unknown unit")
    r = h.as_user("sef").post(f"/api/v1/desk/tickets/{t['id']}/assign", {"assignee": _uid(h, "personel")})
    err = expect_error(r, 400, "validation", "assignee who does not work on the unit")
    check("assignee" in err.get("fields", {}), f"field error {err}")
    r = h.as_user("sef").post(f"/api/v1/desk/tickets/{t['id']}/assign", {"assignee": 987654})
    expect_error(r, 400, "validation", "unknown assignee")
    with _db(h.server) as con:
        st, ass = con.execute("SELECT status, assignee_id FROM desk_tickets WHERE id = ?", (t["id"],)).fetchone()
    eq((st, ass), (0, None), "refused changes wrote nothing")


def test_desk_html_escaped(h):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    t = _ticket(h, subject="Ekran " + evil, body=evil, location=evil)
    h.as_user("personel").post(f"/api/v1/desk/tickets/{t['id']}/comments", {"body": evil})
    for who, path in (("personel", f"/desk/tickets/{t['number']}"), ("sef", "/desk?status=open"),
                      ("personel", "/desk/my")):
        page = h.as_user(who).get(path)
        expect_status(page, 200, path)
        check("<script>alert" not in page.text and "<img src=x" not in page.text, f"{path}: markup not escaped")
        check("&lt;script&gt;" in page.text, f"{path}: escaped text shown")


def test_desk_search_turkish(h):
    a = _ticket(h, subject="Şişli hizmet binasında yazıcı", body="Kat 3")
    b = _ticket(h, subject="Ispanak yemekhanesi bilgisayarı", body="ıspanak tarifleri açılmıyor")
    c = h.as_user("sef")
    for q in ("ŞİŞLİ", "şişli", "SISLI", "Şişli"):
        ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=" + urllib.parse.quote(q))["items"]]
        check(a["id"] in ids, f"q={q} finds 'Şişli': {ids}")
    for q in ("ıspanak", "ISPANAK", "ispanak"):
        ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=" + urllib.parse.quote(q))["items"]]
        check(b["id"] in ids, f"q={q} finds 'Ispanak/ıspanak'")
    ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=" + urllib.parse.quote("şişli kat"))["items"]]
    check(a["id"] in ids and b["id"] not in ids, "all words must match")
    # suffixes: a word finds the words it begins (short and long words alike)
    d = _ticket(h, subject="Bilgisayarımın ekranı kararıyor", body="Yazıcısı da yok")
    e = _ticket(h, subject="Bilgisi olan arasın", body="-")
    for q, want, not_want in (("bilgisayar", d, e), ("BİLGİSAYARIM", d, e), ("yazıcı", d, None), ("bilgi", d, None)):
        ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=" + urllib.parse.quote(q))["items"]]
        check(want["id"] in ids, f"q={q} finds {want['subject']!r}")
        if not_want:
            check(not_want["id"] not in ids, f"q={q} does not find {not_want['subject']!r}")
    ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=bilgi")["items"]]
    check(e["id"] in ids, "a short word matches as a prefix")
    ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=" + a["number"])["items"]]
    check(a["id"] in ids, "search by number")
    # internal notes are searchable by staff only
    word = h.uniq("gizlinot")
    h.as_user("sef").post(f"/api/v1/desk/tickets/{a['id']}/comments", {"body": word, "internal": True})
    ids = [x["id"] for x in c.get_json("/api/v1/desk/tickets?q=" + word)["items"]]
    check(a["id"] in ids, "staff find the internal note")
    ids = [x["id"] for x in h.as_user("personel").get_json("/api/v1/desk/tickets?q=" + word)["items"]]
    check(a["id"] not in ids, "the requester does not find by an internal note")
    got = h.as_user("personel").get_json(f"/api/v1/desk/tickets/{a['id']}")
    check(all(word not in x["body"] for x in got["comments"]), "internal note hidden from the requester")
    expect_error(c.get("/api/v1/desk/tickets?q=%21%21%21"), 400, "validation", "no words")
    expect_error(c.get("/api/v1/desk/tickets?q=" + "a" * 300), 400, "validation", "over-long search")


def test_desk_paging_and_views(h):
    tag = h.uniq("sayfa")
    made = [_ticket(h, subject=f"{tag} {i}", urgency=["dusuk", "orta", "yuksek"][i % 3])["id"] for i in range(7)]
    c = h.as_user("sef")
    for sort in ("newest", "oldest", "priority", "due"):
        seen, cursor = [], None
        for _ in range(10):
            q = f"/api/v1/desk/tickets?q={tag}&limit=2&sort={sort}" + (f"&cursor={cursor}" if cursor else "")
            page = c.get_json(q)
            check(set(page) == {"items", "next_cursor"}, f"page keys {sorted(page)}")
            seen += [x["id"] for x in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        eq(sorted(seen), sorted(made), f"sort={sort}: every ticket once")
        eq(len(seen), len(set(seen)), f"sort={sort}: no duplicates")
    newest = [x["id"] for x in c.get_json(f"/api/v1/desk/tickets?q={tag}&limit=50")["items"]]
    eq(newest, sorted(made, reverse=True), "newest first")
    prio = c.get_json(f"/api/v1/desk/tickets?q={tag}&sort=priority")["items"]
    order = {"kritik": 1, "yuksek": 2, "orta": 3, "dusuk": 4}
    keys = [order[x["priority"]] for x in prio]
    eq(keys, sorted(keys), "priority order")
    expect_error(c.get("/api/v1/desk/tickets?sort=random"), 400, "validation", "bad sort")
    expect_error(c.get("/api/v1/desk/tickets?cursor=abc"), 400, "validation", "bad cursor")
    expect_error(c.get("/api/v1/desk/tickets?status=bilinmez"), 400, "validation", "bad status")
    expect_error(c.get("/api/v1/desk/tickets?unit=YOK"), 400, "validation", "bad unit")
    # saved views
    r = c.post("/api/v1/desk/views", {"name": "Açık yazılım", "query": "status=open&unit=YBY&sort=due"})
    expect_status(r, 201, "save a view")
    vid = r.json()["id"]
    expect_error(c.post("/api/v1/desk/views", {"name": "Açık yazılım", "query": "status=open"}), 409, "conflict",
                 "duplicate view name")
    expect_error(c.post("/api/v1/desk/views", {"name": "kötü", "query": "x=<script>"}), 400, "validation",
                 "view with foreign keys")
    names = [v["name"] for v in c.get_json("/api/v1/desk/views")["items"]]
    check("Açık yazılım" in names, "view listed")
    check("Açık yazılım" in c.get("/desk").text, "the queue page shows saved views")
    names = [v["name"] for v in h.as_user("teknik").get_json("/api/v1/desk/views")["items"]]
    check("Açık yazılım" not in names, "views are personal")
    expect_error(h.as_user("teknik").request("DELETE", f"/api/v1/desk/views/{vid}", csrf=True), 404, "not_found",
                 "someone else's view")
    expect_status(c.request("DELETE", f"/api/v1/desk/views/{vid}", csrf=True), 200, "delete view")
    # the queue page saves what is on screen
    page = c.get("/desk?status=open&sort=due&q=" + urllib.parse.quote("şişli"))
    m = re.search(r'name="query" value="([^"]*)"', page.text)
    check(m, "save-view form on the queue page")
    r = c.post_form("/desk/views", {"_csrf": c.csrf, "name": "Şişli açık", "query": m.group(1).replace("&amp;", "&")})
    expect_status(r, 303, "saved from the page")
    loc = r.header("Location")
    check(loc.startswith("/desk?") and "sort=due" in loc, f"back to the view {loc}")
    eq(c.get(loc).status, 200, "the saved view opens")


def test_desk_merge_watchers_worklog(h):
    a = _ticket(h)
    _, other, pw = h.create_user(role="personel", unit="ASD")
    oc = h.login(other, pw)
    r = oc.post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Aynı yazıcı", "category": _cat(h)[0]})
    expect_status(r, 201, "duplicate report")
    b = r.json()
    expect_error(h.as_user("teknik").post(f"/api/v1/desk/tickets/{b['id']}/merge", {"into": a["id"]}), 403,
                 "forbidden", "technicians do not merge")
    expect_error(h.as_user("sef").post(f"/api/v1/desk/tickets/{b['id']}/merge", {"into": b["id"]}), 409,
                 "merge_self", "merge into itself")
    r = h.as_user("sef").post(f"/api/v1/desk/tickets/{b['id']}/merge", {"into": a["number"]})
    expect_status(r, 200, "merge")
    eq(r.json()["status"], "kapandi", "the duplicate is closed")
    eq(r.json()["merged_into"], a["id"], "merged_into")
    got = oc.get_json(f"/api/v1/desk/tickets/{a['id']}")
    check(any(w["username"] == other for w in got["watchers"]), "the duplicate's requester now watches the ticket")
    check(any(b["number"] in c["body"] for c in got["comments"]), "merge noted on the ticket")
    # worklog
    r = h.as_user("teknik").post(f"/api/v1/desk/tickets/{a['id']}/worklog", {"minutes": 25, "mode": "yerinde"})
    expect_status(r, 201, "worklog")
    eq(r.json()["minutes"], 25, "time spent")
    for bad in ({"minutes": 0, "mode": "yerinde"}, {"minutes": 5000, "mode": "yerinde"},
                {"minutes": 5, "mode": "uzayda"}):
        expect_error(h.as_user("teknik").post(f"/api/v1/desk/tickets/{a['id']}/worklog", bad), 400, "validation",
                     f"bad worklog {bad}")
    expect_error(h.as_user("personel").post(f"/api/v1/desk/tickets/{a['id']}/worklog",
                                            {"minutes": 5, "mode": "yerinde"}), 403, "forbidden",
                 "the requester logs time")
    # watchers
    uid = _uid(h, "mudur")
    expect_status(h.as_user("personel").post(f"/api/v1/desk/tickets/{a['id']}/watchers", {"user": uid}), 200,
                  "requester adds a watcher")
    expect_status(h.as_user("personel").request("DELETE", f"/api/v1/desk/tickets/{a['id']}/watchers/{uid}",
                                                csrf=True), 200, "remove watcher")
    expect_error(h.as_user("personel").post(f"/api/v1/desk/tickets/{a['id']}/watchers", {"user": 0}), 400,
                 "validation", "bad watcher")


def test_desk_escalate_and_repairs(h):
    t = _ticket(h, category=_cat(h, "donanim.bilgisayar")[0])
    eq(t["unit"], "TAB", "hardware routed to TAB")
    r = h.as_user("mudur").post(f"/api/v1/desk/tickets/{t['id']}/escalate", {"note": "Sunucu tarafı"})
    expect_status(r, 200, "escalate")
    eq(r.json()["level"], 2, "second level")
    expect_error(h.as_user("mudur").post(f"/api/v1/desk/tickets/{t['id']}/escalate", {"note": "tekrar"}), 409,
                 "already_escalated", "escalate twice")
    expect_error(h.as_user("mudur").post(f"/api/v1/desk/tickets/{t['id']}/escalate", {"note": " "}), 400,
                 "validation", "escalation without a reason")
    r = h.as_user("mudur").post(f"/api/v1/desk/tickets/{t['id']}/repairs",
                                {"vendor": "ABC Bilişim", "rma_no": "RMA-77", "sent_on": "2026-11-20",
                                 "expected_on": "2026-12-01"})
    expect_status(r, 201, "sent to service")
    rid = r.json()["id"]
    open_ids = [x["id"] for x in h.as_user("mudur").get_json("/api/v1/desk/repairs?open=1")["items"]]
    check(rid in open_ids, "open repairs list")
    expect_error(h.as_user("mudur").request("PATCH", f"/api/v1/desk/repairs/{rid}",
                                            json_body={"returned_on": "2026-11-30"}, csrf=True), 400, "validation",
                 "returned without an outcome")
    expect_error(h.as_user("mudur").request("PATCH", f"/api/v1/desk/repairs/{rid}",
                                            json_body={"returned_on": "31.02.2026", "outcome": "onarildi"},
                                            csrf=True), 400, "validation", "impossible date")
    r = h.as_user("mudur").request("PATCH", f"/api/v1/desk/repairs/{rid}",
                                   json_body={"returned_on": "30.11.2026", "outcome": "onarildi"}, csrf=True)
    expect_status(r, 200, "returned")
    eq(r.json()["returned_on"], "2026-11-30", "Turkish date accepted and normalised")
    open_ids = [x["id"] for x in h.as_user("mudur").get_json("/api/v1/desk/repairs?open=1")["items"]]
    check(rid not in open_ids, "returned repairs leave the open list")
    expect_error(h.as_user("mudur").post(f"/api/v1/desk/tickets/{t['id']}/repairs", {"vendor": ""}), 400,
                 "validation", "repair without vendor")


def test_desk_attachments(h):
    t = _ticket(h)
    c = h.as_user("personel")
    r = c.request("POST", f"/api/v1/desk/tickets/{t['id']}/attachments?name=fatura.pdf", body=PDF,
                  headers={"Content-Type": "application/pdf"}, csrf=True)
    expect_status(r, 201, "attach a PDF")
    att = r.json()["attachments"][0]
    got = c.get(att["url"])
    expect_status(got, 200, "download")
    eq(got.body, PDF, "bytes back")
    check("attachment" in got.header("Content-Disposition", ""), "downloaded as attachment")
    r = c.request("POST", f"/api/v1/desk/tickets/{t['id']}/attachments?name=x.exe", body=b"MZ\x90\x00" * 50,
                  headers={"Content-Type": "application/octet-stream"}, csrf=True)
    expect_error(r, 400, "unsupported_type", "executable refused")
    small = h.new_server(env={"DEFTER_DESK_ATTACHMENT_MAX": "1000"})
    sc = h.login("personel", server=small)
    r = sc.post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Büyük dosya"})
    expect_status(r, 201, "ticket on the small server")
    tid = r.json()["id"]
    r = sc.request("POST", f"/api/v1/desk/tickets/{tid}/attachments?name=b.pdf", body=PDF + b"0" * 5000,
                   headers={"Content-Type": "application/pdf"}, csrf=True)
    expect_error(r, 413, "too_large", "oversized attachment")
    with _db(small) as con:
        eq(con.execute("SELECT COUNT(*) FROM desk_attachments").fetchone()[0], 0, "nothing recorded")


def test_desk_pages_flow(h):
    """The self-service form, the queue, the ticket page and its forms."""
    c = h.as_user("personel")
    page = c.get("/desk/new")
    expect_status(page, 200, "new ticket page")
    check('name="subject"' in page.text and "csrf" in page.text, "the form")
    r = c.post_form("/desk/new", {"_csrf": c.csrf, "type": "ariza", "subject": "Form ile arıza",
                                  "body": "Monitör kapandı", "category": str(_cat(h)[0]), "urgency": "yuksek"})
    expect_status(r, 303, "form posted")
    loc = r.header("Location")
    check(re.match(r"/desk/tickets/BT-\d+\?created=1", loc or ""), f"redirect {loc}")
    number = re.search(r"BT-\d+", loc).group(0)
    page = c.get(loc)
    check(number in page.text and "created-notice" in page.text, "the number is shown")
    r = c.post_form("/desk/new", {"_csrf": c.csrf, "type": "ariza", "subject": ""})
    expect_status(r, 400, "empty subject")
    check("form-error" in r.text, "the form shows the error")
    # the chief assigns through the page, the technician resolves
    sef = h.as_user("sef")
    r = sef.post_form(f"/desk/tickets/{number}/assign", {"_csrf": sef.csrf, "assignee": str(_uid(h, "teknik"))})
    expect_status(r, 303, "assign form")
    tk = h.as_user("teknik")
    r = tk.post_form(f"/desk/tickets/{number}/transition", {"_csrf": tk.csrf, "to": "cozuldu", "note": ""})
    expect_status(r, 400, "resolve without text via page")
    check("form-error" in r.text, "error shown on the ticket page")
    r = tk.post_form(f"/desk/tickets/{number}/transition", {"_csrf": tk.csrf, "to": "cozuldu", "note": "Kablo takıldı"})
    expect_status(r, 303, "resolve via page")
    page = c.get(f"/desk/tickets/{number}")
    check("rate-form" in page.text, "the requester is asked to rate")
    r = c.post_form(f"/desk/tickets/{number}/rate", {"_csrf": c.csrf, "rating": "5", "comment": "Teşekkürler"})
    expect_status(r, 303, "rated")
    got = c.get_json(f"/api/v1/desk/tickets/{number}")
    eq((got["status"], got["rating"]), ("kapandi", 5), "rated and closed")
    # forms need the CSRF token
    r = c.post_form(f"/desk/tickets/{number}/comment", {"body": "csrf yok"})
    expect_status(r, 403, "form without CSRF")
    expect_status(h.as_user("personel").get("/desk"), 403, "employees have no queue page")
    expect_status(h.as_user("personel").get("/desk/reports"), 403, "nor reports")


def test_desk_reports_and_coverage(h):
    t = _ticket(h)
    _move(h, "sef", t, "cozuldu", resolution="Tamam")
    mud = h.as_user("mudur")
    for by in ("unit", "category", "technician", "day", "week", "month", "year"):
        rep = mud.get_json(f"/api/v1/desk/reports?by={by}")
        check(rep["total"]["created"] >= 1, f"by={by}: totals {rep['total']}")
        check(sum(r["created"] for r in rep["rows"]) == rep["total"]["created"], f"by={by}: rows add up")
    rep = mud.get_json("/api/v1/desk/reports?by=unit")
    check(rep["total"]["resolved"] >= 1 and rep["total"]["sla_compliance_pct"] is not None, "SLA compliance")
    expect_error(mud.get("/api/v1/desk/reports?by=planet"), 400, "validation", "bad grouping")
    expect_error(mud.get("/api/v1/desk/reports?from=2026-02-30"), 400, "validation", "bad date")
    expect_error(h.as_user("personel").get("/api/v1/desk/reports"), 403, "forbidden", "employees")
    x = mud.get("/api/v1/desk/reports/export?format=xlsx&by=unit")
    expect_status(x, 200, "xlsx")
    check(x.body[:2] == b"PK", "an xlsx is a zip")
    c = mud.get("/api/v1/desk/reports/export?format=csv&by=unit")
    expect_status(c, 200, "csv")
    text = c.body.decode("utf-8-sig")
    check(text.splitlines()[0].count(";") == 8, f"csv header {text.splitlines()[0]}")
    page = mud.get("/desk/reports?by=month")
    expect_status(page, 200, "report page")
    check("<svg" in page.text, "chart drawn")
    cov = mud.get_json("/api/v1/org/coverage")
    desk_duties = [d for d in cov["duties"] if "desk" in [c["key"] for c in d["capabilities"]]]
    check(desk_duties, "coverage lists desk duties")
    check(any("tickets" in (d.get("figures") or {}).get("desk", {}) for d in desk_duties),
          f"desk figures on the coverage report: {desk_duties[0]}")


def test_desk_sla_job_breach(h):
    t = _ticket(h)
    with _db(h.server, write=True) as con:
        con.execute("UPDATE desk_tickets SET response_due = 1000, resolve_due = 2000, created_at = 500 WHERE id = ?",
                    (t["id"],))
    p = h.cli("jobs", "run", "desk.sla", "--data", h.server.data_dir)
    eq(p.returncode, 0, f"desk.sla job: {p.stderr}")
    got = h.as_user("sef").get_json(f"/api/v1/desk/tickets/{t['id']}")
    check(got["sla"]["response_breached"] and got["sla"]["resolve_breached"], f"breaches flagged {got['sla']}")
    eq(got["level"], 2, "a resolution breach escalates to the second level")
    kinds = [e["kind"] for e in got["history"]]
    check("sla_breach" in kinds and "escalated" in kinds, f"history {kinds}")
    ids = [x["id"] for x in h.as_user("sef").get_json("/api/v1/desk/tickets?breached=1&limit=200")["items"]]
    check(t["id"] in ids, "breached filter")
    # four fifths of the resolution time gone: a warning, once
    w = _ticket(h)
    with _db(h.server, write=True) as con:
        now = con.execute("SELECT strftime('%s','now')").fetchone()[0]
        con.execute("UPDATE desk_tickets SET created_at = ?, response_due = ?, first_response_at = ?,"
                    " resolve_due = ? WHERE id = ?", (int(now) - 1000, int(now) + 500, int(now) - 900,
                                                     int(now) + 100, w["id"]))
    for _ in range(2):
        eq(h.cli("jobs", "run", "desk.sla", "--data", h.server.data_dir).returncode, 0, "desk.sla")
    kinds = [e["kind"] for e in h.as_user("sef").get_json(f"/api/v1/desk/tickets/{w['id']}")["history"]]
    eq(kinds.count("sla_warning"), 1, f"one warning: {kinds}")
    # a resolution the requester left unanswered closes by itself
    c = _ticket(h)
    expect_status(_move(h, "sef", c, "cozuldu", resolution="Tamam"), 200, "resolved")
    with _db(h.server, write=True) as con:
        con.execute("UPDATE desk_tickets SET resolved_at = 1000 WHERE id = ?", (c["id"],))
    eq(h.cli("jobs", "run", "desk.autoclose", "--data", h.server.data_dir).returncode, 0, "desk.autoclose")
    eq(h.as_user("personel").get_json(f"/api/v1/desk/tickets/{c['id']}")["status"], "kapandi", "closed by itself")


def test_desk_sla_follows_the_calendar(h):
    """SLA deadlines count working time of the calendar, and a change on the
    calendar applies to the next ticket at once."""
    import datetime
    s = h.new_server()
    adm, emp = h.login("admin", server=s), h.login("personel", server=s)
    r = adm.request("PUT", "/api/v1/calendar/hours", json_body={"hours": "mon-sun 00:00-24:00"}, csrf=True)
    expect_status(r, 200, "around the clock")
    t = emp.post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Saat"}).json()
    created = datetime.datetime.fromisoformat(t["created_at"].replace("Z", "+00:00"))
    due = datetime.datetime.fromisoformat(t["sla"]["response_due"].replace("Z", "+00:00"))
    eq(due - created, datetime.timedelta(minutes=240), "medium priority: 4 working hours, all hours working")
    # today and tomorrow (Istanbul) become holidays: the clock starts the day after
    today = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)).date()
    for d in (today, today + datetime.timedelta(days=1)):
        r = adm.request("PUT", f"/api/v1/calendar/days/{d.isoformat()}", json_body={"kind": "holiday", "name": "Test"},
                        csrf=True)
        check(r.status in (200, 201), f"holiday {d}: {r.status} {r.snippet()}")
    t = emp.post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Bayram"}).json()
    due = datetime.datetime.fromisoformat(t["sla"]["response_due"].replace("Z", "+00:00"))
    start = datetime.datetime.combine(today + datetime.timedelta(days=2), datetime.time(0, 0),
                                      datetime.timezone(datetime.timedelta(hours=3)))
    eq(due, start + datetime.timedelta(minutes=240), "the deadline skips the two holidays")


def test_desk_admin(h):
    mud = h.as_user("mudur")
    r = mud.post("/api/v1/desk/categories", {"code": "ozel.kamera", "name": "Kamera", "unit": "SNB"})
    expect_status(r, 200, "new category")
    cid = r.json()["id"]
    t = _ticket(h, category=cid)
    eq(t["unit"], "SNB", "a new category routes as configured")
    expect_error(mud.post("/api/v1/desk/categories", {"code": "ozel.kamera", "name": "İkinci"}), 409, "conflict",
                 "duplicate code")
    expect_error(mud.post("/api/v1/desk/categories", {"code": "Bad Code", "name": "x"}), 400, "validation",
                 "bad code")
    expect_error(mud.post("/api/v1/desk/categories", {"id": cid, "code": "ozel.kamera", "name": "x",
                                                      "parent": cid}), 400, "validation", "cycle")
    expect_error(h.as_user("sef").post("/api/v1/desk/categories", {"code": "a", "name": "b"}), 403, "forbidden",
                 "chiefs do not edit categories")
    r = mud.request("PUT", "/api/v1/desk/sla", json_body={"category": cid, "priority": "orta",
                                                          "response_minutes": 15, "resolve_minutes": 60}, csrf=True)
    expect_status(r, 200, "SLA target")
    t2 = _ticket(h, category=cid)
    t3 = _ticket(h)
    check(t2["sla"]["resolve_due"] <= t3["sla"]["resolve_due"], "the category's own SLA applies")
    r = mud.request("PUT", "/api/v1/desk/sla", json_body={"priority": "orta", "response_minutes": 100,
                                                          "resolve_minutes": 50}, csrf=True)
    expect_error(r, 400, "validation", "resolution before response")


def test_desk_settings_page(h):
    mud = h.as_user("mudur")
    page = mud.get("/desk/settings")
    expect_status(page, 200, "settings page")
    check('id="categories"' in page.text and "Md." in page.text, "categories with their duties")
    expect_status(h.as_user("sef").get("/desk/settings"), 403, "chiefs do not edit routing")
    cid, _ = _cat(h, "telefon")
    r = mud.post_form("/desk/settings/category", {"_csrf": mud.csrf, "id": str(cid), "code": "telefon",
                                                  "name": "Telefon ve santral", "unit": "SNB", "l2_unit": ""})
    expect_status(r, 303, "route telephones to SNB")
    t = _ticket(h, category=cid)
    eq(t["unit"], "SNB", "routing changed on the page applies")
    r = mud.post_form("/desk/settings/sla", {"_csrf": mud.csrf, "priority": "kritik", "response_minutes": "90",
                                             "resolve_minutes": "30"})
    expect_status(r, 400, "resolution before response refused")
    check("form-error" in r.text, "the page says why")
    r = mud.post_form("/desk/settings/sla", {"_csrf": mud.csrf, "priority": "kritik", "response_minutes": "20",
                                             "resolve_minutes": "180"})
    expect_status(r, 303, "SLA target saved")
    rows = mud.get_json("/api/v1/desk/sla")["items"]
    check(any(x["category"] is None and x["priority"] == "kritik" and x["resolve_minutes"] == 180 for x in rows),
          f"target stored: {rows}")
