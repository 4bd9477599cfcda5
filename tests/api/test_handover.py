"""Handover (devir-teslim, issue 7 point 5): an employee leaves; the case's
checklist holds their access grant, the vault entry they own, their open
ticket and task; completing is refused while a line is open; closing each
line revokes the grant, moves the vault entry and reassigns the ticket and
task to the successor; completion ends the employment and the account;
the tutanak PDF shows the grants and the successor. A death is recorded by
the unit chief. The people API cannot end an employment while the case
has open lines.

Demo users on the eyupsultan preset: mudur (yonetici, MUD), sef (sorumlu,
YBY, person "Mehmet Demir"), teknik (teknik, YBY), personel (ASD),
denetci (MUD)."""
import datetime
import os
import random
import sqlite3
import subprocess
import tempfile

from harness import check, eq, expect_error, expect_status

IST = datetime.timezone(datetime.timedelta(hours=3))
_used = set()


def _today():
    return datetime.datetime.now(IST).date().isoformat()


def _tckn():
    while True:
        d = [random.randint(1, 9)] + [random.randint(0, 9) for _ in range(8)]
        d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
        d.append(sum(d) % 10)
        s = "".join(map(str, d))
        if s not in _used:
            _used.add(s)
            return s


def _db(h):
    return sqlite3.connect(f"file:{os.path.join(h.server.data_dir, 'defter.db')}?mode=ro", uri=True, timeout=15)


def _one(h, sql, *args):
    with _db(h) as con:
        return con.execute(sql, args).fetchone()


def _person(h, name, unit="YBY", user_id=None):
    body = {"name": name, "tckn": _tckn(), "unit": unit, "employment": "memur"}
    if user_id:
        body["user_id"] = user_id
    r = h.as_user("admin").post("/api/v1/org/people", body)
    expect_status(r, 201, f"create person {name}")
    return r.json()["id"]


def _person_of(h, username):
    row = _one(h, "SELECT p.id FROM org_people p JOIN users u ON u.id = p.user_id WHERE u.username = ?", username)
    check(row, f"no person for {username}")
    return row[0]


def _pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, timeout=60)
    eq(p.returncode, 0, "pdftotext")
    return p.stdout.decode("utf-8")


def _line(case, source):
    ls = [l for l in case["lines"] if l["source"] == source]
    check(ls, f"no {source} line in {[(l['source'], l['title']) for l in case['lines']]}")
    return ls[0]


def _setup_leaver(h):
    """A technician of YBY with a login, a person record, a grant, a vault
    entry, an open ticket and an open task."""
    uid, uname, pw = h.create_user(role="teknik", unit="YBY", display_name="Ayrılan Teknisyen")
    pid = _person(h, "Ayrılan Teknisyen " + h.uniq("x"), user_id=uid)
    mudur, sef = h.as_user("mudur"), h.as_user("sef")
    # an access grant through the access API (request, approve, provision)
    system = mudur.get_json("/api/v1/access/systems")["items"][0]
    role = system["roles"][0]
    r = sef.post("/api/v1/access/requests", {"person": pid, "system": system["id"], "role": role["id"],
                                             "reason": "Görev gereği"})
    expect_status(r, 201, "sef requests access")
    q = r.json()
    expect_status(mudur.post(f"/api/v1/access/requests/{q['id']}/approve", {}), 200, "mudur approves")
    expect_status(h.as_user("teknik").post(f"/api/v1/access/requests/{q['id']}/provision", {"note": "Açıldı."}), 200,
                  "teknik provisions")
    grants = mudur.get_json(f"/api/v1/access/people/{pid}/grants")
    items = grants["items"] if isinstance(grants, dict) and "items" in grants else grants
    check(items, f"no grant for the leaver: {grants}")
    # a vault entry the leaver is responsible for
    r = mudur.post("/api/v1/vault/entries", {"system": "srv-" + h.uniq("db"), "account": "root", "kind": "sunucu",
                                             "owner": pid, "secret": "Gizli-Parola-123"})
    expect_status(r, 201, "vault entry")
    entry = r.json()["id"]
    # an open ticket assigned to the leaver
    cats = h.as_user("personel").get_json("/api/v1/desk/categories")["items"]
    r = h.as_user("personel").post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Yazıcı " + h.uniq("t"),
                                                            "body": "Kağıt sıkıştı.", "category": cats[0]["id"]})
    expect_status(r, 201, "ticket")
    ticket = r.json()["id"]
    expect_status(mudur.post(f"/api/v1/desk/tickets/{ticket}/assign", {"unit": "YBY", "assignee": uid}), 200,
                  "assign the ticket to the leaver")
    # an open task assigned to the leaver
    r = mudur.post("/api/v1/tasks", {"title": "Yedekleri denetle " + h.uniq("w"), "unit": "YBY", "user": uid})
    expect_status(r, 201, "task")
    task = r.json()["id"]
    # a computer in the leaver's custody (Taşınır Teslim Belgesi)
    r = mudur.post("/api/v1/assets", {"type": "dizustu", "name": "Dizüstü " + h.uniq("hv"), "code": "255.01.02",
                                      "serial": h.uniq("SN")})
    expect_status(r, 201, "asset")
    asset = r.json()
    expect_status(mudur.post(f"/api/v1/assets/{asset['id']}/custody", {"person": pid}), 201, "custody to the leaver")
    return {"uid": uid, "uname": uname, "pw": pw, "pid": pid, "system": system, "role": role, "entry": entry,
            "ticket": ticket, "task": task, "asset": asset}


def test_handover_leaver_checklist_blocks_until_closed(h):
    L = _setup_leaver(h)
    leaver = h.login(L["uname"], L["pw"])
    expect_status(leaver.get("/api/v1/desk/tickets"), 200, "the leaver works")
    mudur = h.as_user("mudur")
    succ = _person_of(h, "sef")
    sef_uid = h.user_id("sef")
    today = _today()

    # permissions and validation
    expect_status(h.as_user("personel").get("/api/v1/handover/cases"), 403, "personel lists cases")
    body = {"person": L["pid"], "kind": "ayrilis", "successor": succ, "effective_date": today,
            "note": "Emekliliğe ayrıldı."}
    expect_status(h.as_user("denetci").post("/api/v1/handover/cases", body), 403, "auditor opens a case")
    err = expect_error(mudur.post("/api/v1/handover/cases", dict(body, kind="istifa", effective_date="2024-02-30")),
                       400, "validation", "bad kind and date")
    check("kind" in err["fields"] and "effective_date" in err["fields"], f"fields: {err['fields']}")
    expect_error(mudur.post("/api/v1/handover/cases", dict(body, successor=L["pid"])), 400, "validation",
                 "the leaver as their own successor")
    expect_error(mudur.post("/api/v1/handover/cases", dict(body, extra=1)), 400, "validation", "unknown field")

    r = mudur.post("/api/v1/handover/cases", body)
    expect_status(r, 201, "open the case")
    case = r.json()
    cid = case["id"]
    eq(case["state"], "acik", "state")
    eq(case["successor"]["id"], succ, "successor")
    expect_error(mudur.post("/api/v1/handover/cases", body), 409, "case_open", "a second open case")

    g = _line(case, "grant")
    check(L["system"]["name"] in g["title"], f"grant line title {g['title']!r}")
    eq(_line(case, "vault")["ref"], str(L["entry"]), "vault line")
    eq(_line(case, "ticket")["ref"], str(L["ticket"]), "ticket line")
    eq(_line(case, "task")["ref"], str(L["task"]), "task line")
    check(L["asset"]["name"] in _line(case, "custody")["title"], f"custody line {_line(case, 'custody')}")
    check(all(l["state"] == "open" for l in case["lines"]), "all lines open")
    eq(case["open_lines"], len(case["lines"]), "open_lines")

    # completing is refused while a line is open
    err = expect_error(mudur.post(f"/api/v1/handover/cases/{cid}/complete", {}), 409, "lines_open", "complete early")
    eq(err["fields"]["open_lines"], len(case["lines"]), "open lines reported")
    # and the people API cannot end the employment either
    expect_error(h.as_user("admin").request("PATCH", f"/api/v1/org/people/{L['pid']}", json_body={"active": False},
                                            csrf=True), 409, "handover_open", "people PATCH active=false with an open case")
    eq(_one(h, "SELECT active FROM org_people WHERE id = ?", L["pid"])[0], 1, "person still active")
    expect_error(h.as_user("admin").request("PATCH", f"/api/v1/org/people/{L['pid']}",
                                            json_body={"end_date": today}, csrf=True),
                 409, "handover_open", "people PATCH end_date with an open case")

    base = f"/api/v1/handover/cases/{cid}/lines"
    # bad closes
    expect_error(mudur.post(f"{base}/{g['id']}/close", {"action": "transferred"}), 400, "validation",
                 "transfer a grant")
    expect_error(mudur.post(f"{base}/{g['id']}/close", {"action": "not_needed"}), 400, "validation",
                 "not_needed without a reason")
    expect_status(mudur.post(f"{base}/999999/close", {"action": "revoked"}), 404, "unknown line")
    expect_status(h.as_user("denetci").post(f"{base}/{g['id']}/close", {"action": "revoked"}), 403, "auditor closes")

    # the grant is revoked through the access module
    r = mudur.post(f"{base}/{g['id']}/close", {"action": "revoked", "note": "Hesap kapatıldı."})
    expect_status(r, 200, "revoke the grant")
    eq(_one(h, "SELECT status FROM access_grants WHERE id = ?", int(g["ref"]))[0], "revoked", "grant status")
    expect_error(mudur.post(f"{base}/{g['id']}/close", {"action": "revoked"}), 409, "line_closed", "close twice")
    # the vault entry goes to the successor
    v = _line(case, "vault")
    expect_status(mudur.post(f"{base}/{v['id']}/close", {"action": "transferred"}), 200, "transfer the entry")
    eq(_one(h, "SELECT owner_id FROM vault_entries WHERE id = ?", L["entry"])[0], succ, "vault owner")
    # the ticket and the task go to the successor's account
    t = _line(case, "ticket")
    expect_status(mudur.post(f"{base}/{t['id']}/close", {"action": "reassigned"}), 200, "reassign the ticket")
    eq(_one(h, "SELECT assignee_id FROM desk_tickets WHERE id = ?", L["ticket"])[0], sef_uid, "ticket assignee")
    check(_one(h, "SELECT 1 FROM desk_events WHERE ticket_id = ? AND kind = 'assigned' AND to_value LIKE ?",
               L["ticket"], f"%/{sef_uid}"), "desk event of the reassignment")
    w = _line(case, "task")
    expect_status(mudur.post(f"{base}/{w['id']}/close", {"action": "reassigned"}), 200, "reassign the task")
    # the computer goes to the successor on a new Teslim Belgesi
    c = _line(case, "custody")
    expect_error(mudur.post(f"{base}/{c['id']}/close", {"action": "revoked"}), 400, "validation", "revoke custody")
    expect_status(mudur.post(f"{base}/{c['id']}/close", {"action": "transferred", "note": "Devir"}), 200,
                  "transfer the computer")
    eq(_one(h, "SELECT person_id FROM custody WHERE asset_id = ? AND returned_at IS NULL", L["asset"]["id"])[0], succ,
       "the successor holds the computer")
    eq(_one(h, "SELECT COUNT(*) FROM custody WHERE asset_id = ? AND person_id = ? AND returned_at IS NOT NULL",
            L["asset"]["id"], L["pid"])[0], 1, "the leaver's custody returned")
    eq(_one(h, "SELECT assignee_id FROM work_tasks WHERE id = ?", L["task"])[0], sef_uid, "task assignee")

    case = mudur.get_json(f"/api/v1/handover/cases/{cid}")
    for l in case["lines"]:
        if l["state"] == "open":
            expect_status(mudur.post(f"{base}/{l['id']}/close", {"action": "not_needed", "note": "Gerek yok."}), 200,
                          f"close {l['source']}")
    r = mudur.post(f"/api/v1/handover/cases/{cid}/complete", {"note": "İlişiği kesildi."})
    expect_status(r, 200, "complete")
    eq(r.json()["state"], "tamamlandi", "state after completion")
    eq(_one(h, "SELECT active, end_date FROM org_people WHERE id = ?", L["pid"]), (0, today), "person ended")
    eq(_one(h, "SELECT active FROM users WHERE id = ?", L["uid"])[0], 0, "account deactivated")
    eq(_one(h, "SELECT COUNT(*) FROM sessions WHERE user_id = ?", L["uid"])[0], 0, "sessions ended")
    expect_status(leaver.get("/api/v1/desk/tickets"), 401, "the leaver's session is gone")
    expect_error(mudur.post(f"/api/v1/handover/cases/{cid}/complete", {}), 409, "case_closed", "complete twice")
    check(_one(h, "SELECT COUNT(*) FROM audit_log WHERE entity = 'handover' AND entity_id = ?", str(cid))[0] >= 6,
          "audit rows of the case")

    # the tutanak
    r = h.as_user("denetci").get(f"/api/v1/handover/cases/{cid}/tutanak.pdf")
    expect_status(r, 200, "tutanak")
    check(r.body.startswith(b"%PDF"), "tutanak is a PDF")
    text = " ".join(_pdf_text(r.body).split())
    for want in (L["system"]["name"], "Mehmet Demir", case["person"]["name"], today, L["asset"]["name"]):
        check(want in text, f"{want!r} not in the tutanak: {text[:600]}")
    # the signature blocks (Turkish once the lead merged the translations)
    check("Devralan" in text or "Taken over by" in text, f"no successor signature block: {text[-400:]}")


def test_handover_death_recorded_by_unit_chief(h):
    pid = _person(h, "Merhum Kişi " + h.uniq("v"))
    sef = h.as_user("sef")
    body = {"person": pid, "kind": "vefat", "effective_date": _today(), "witness": "Ali Çelik",
            "note": "Vefat tutanağı."}
    expect_status(h.as_user("personel").post("/api/v1/handover/cases", body), 403, "personel records a death")
    r = sef.post("/api/v1/handover/cases", body)
    expect_status(r, 201, "the unit chief records the death")
    c = r.json()
    eq(c["kind"], "vefat", "kind")
    chief = c["opened_by"]["name"]
    r = sef.post(f"/api/v1/handover/cases/{c['id']}/complete", {})
    expect_status(r, 200, "complete the death case")
    eq(_one(h, "SELECT active FROM org_people WHERE id = ?", pid)[0], 0, "person inactive")
    r = sef.get(f"/api/v1/handover/cases/{c['id']}/tutanak.pdf")
    expect_status(r, 200, "death tutanak")
    text = " ".join(_pdf_text(r.body).split())
    for want in (chief, "Ali Çelik"):
        check(want in text, f"{want!r} not in the death tutanak: {text[:600]}")
    check("Tanık" in text or "Witness" in text, "no witness block")
    check("Devreden" not in text and "Handed over by" not in text, "a death tutanak names no leaver signature")


def test_handover_transfer_moves_person(h):
    uid, _, _ = h.create_user(role="teknik", unit="YBY")
    pid = _person(h, "Nakil Kişi " + h.uniq("n"), user_id=uid)
    mudur = h.as_user("mudur")
    body = {"person": pid, "kind": "nakil", "successor": _person_of(h, "sef"), "effective_date": _today()}
    expect_error(mudur.post("/api/v1/handover/cases", body), 400, "validation", "a transfer without a unit")
    r = mudur.post("/api/v1/handover/cases", dict(body, new_unit="ASD"))
    expect_status(r, 201, "open a transfer")
    expect_status(mudur.post(f"/api/v1/handover/cases/{r.json()['id']}/complete", {}), 200, "complete")
    eq(_one(h, "SELECT u.code, p.active FROM org_people p JOIN units u ON u.id = p.unit_id WHERE p.id = ?", pid),
       ("ASD", 1), "person moved and still active")
    eq(_one(h, "SELECT active FROM users WHERE id = ?", uid)[0], 1, "account kept")


def test_handover_pages(h):
    pid = _person(h, "Sayfa Kişi " + h.uniq("s"))
    mudur = h.as_user("mudur")
    r = mudur.post("/api/v1/vault/entries", {"system": "srv-" + h.uniq("pg"), "account": "root", "kind": "sunucu",
                                             "owner": pid, "secret": "Gizli-Parola-456"})
    expect_status(r, 201, "vault entry")
    r = mudur.post_form("/handover", {"_csrf": mudur.csrf, "person": str(pid), "kind": "ayrilis", "successor": str(_person_of(h, "sef")),
                                      "effective_date": _today()})
    expect_status(r, 303, "open a case by form")
    path = r.header("Location")
    check(path and path.startswith("/handover/cases/"), f"redirect to the case: {path}")
    page = mudur.get(path)
    expect_status(page, 200, "case page")
    check('id="checklist"' in page.text and "srv-" in page.text, "the checklist shows the vault entry")
    r = mudur.post_form(path + "/complete", {"_csrf": mudur.csrf})
    expect_status(r, 409, "complete by form while a line is open")
    check('id="form-error"' in r.text, f"blocked message on the page: {r.text[-800:]}")


def test_handover_custody_waits_for_a_count(h):
    """While a count (sayım) freezes an asset's movements, the leaver's
    custody line cannot return or transfer it: 409, and nothing moved."""
    from test_asset_counts import _open
    mudur = h.as_user("mudur")
    pid = _person(h, "Sayımda Ayrılan " + h.uniq("x"))
    bina = h.uniq("Devir Binası ")
    r = mudur.post("/api/v1/assets", {"type": "monitor", "name": "Ekran " + h.uniq("m"), "code": "253.02.04.01",
                                      "building": bina})
    expect_status(r, 201, "asset")
    asset = r.json()
    expect_status(mudur.post(f"/api/v1/assets/{asset['id']}/custody", {"person": pid}), 201, "custody")
    expect_status(_open(h, building=bina, title="Sayım " + bina), 201, "a count over the building")
    r = mudur.post("/api/v1/handover/cases", {"person": pid, "kind": "ayrilis", "successor": _person_of(h, "sef"),
                                              "effective_date": _today()})
    expect_status(r, 201, "case")
    case = r.json()
    c = _line(case, "custody")
    r = mudur.post(f"/api/v1/handover/cases/{case['id']}/lines/{c['id']}/close", {"action": "returned"})
    expect_error(r, 409, "frozen", "custody line during a count")
    eq(_one(h, "SELECT person_id FROM custody WHERE asset_id = ? AND returned_at IS NULL", asset["id"])[0], pid,
       "still held by the leaver")
