"""The access module: the systems catalogue, authorisation requests through
their approval chain (unit manager -> IT manager or system owner ->
technician), letter-registered requests, rejection, time-limited grants
that expire into a revoke task, and review campaigns with their PDF and
XLSX reports.

Demo users on the eyupsultan preset: mudur (yonetici, MUD = root), sef
(sorumlu, YBY), teknik (teknik, YBY; the technical owner of every seeded
system), personel (personel, ASD), denetci (denetci, MUD)."""
import datetime
import io
import os
import sqlite3
import subprocess
import tempfile
import zipfile

from harness import check, eq, expect_error, expect_status

IST = datetime.timezone(datetime.timedelta(hours=3))


def _today(days=0):
    return (datetime.datetime.now(IST).date() + datetime.timedelta(days=days)).isoformat()


def _db(server, write=False):
    path = os.path.join(server.data_dir, "defter.db")
    if write:
        return sqlite3.connect(path, timeout=15)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _people(h, unit):
    """Ids of the active people of a unit who have no login of their own."""
    with _db(h.server) as con:
        rows = con.execute("SELECT p.id FROM org_people p JOIN units u ON u.id = p.unit_id"
                           " WHERE u.code = ? AND p.active = 1 AND p.user_id IS NULL ORDER BY p.id", (unit,)).fetchall()
    check(len(rows) >= 2, f"the demo has too few people in {unit}")
    return [r[0] for r in rows]


def _person_of(h, username):
    with _db(h.server) as con:
        row = con.execute("SELECT p.id FROM org_people p JOIN users u ON u.id = p.user_id WHERE u.username = ?",
                          (username,)).fetchone()
    check(row, f"no person record for {username}")
    return row[0]


def _system(h, code):
    c = h.as_user("mudur")
    for s in c.get_json("/api/v1/access/systems")["items"]:
        if s["code"] == code:
            return s
    raise AssertionError(f"system {code} not in the catalogue")


def _role(system, code):
    for r in system["roles"]:
        if r["code"] == code:
            return r["id"]
    raise AssertionError(f"role {code} not in {system['code']}")


def _new_system(h, **extra):
    body = {"code": h.uniq("S").upper(), "name": h.uniq("Sistem "), "owner_unit": "YBY",
            "tech_owner": h.user_id("teknik"), "roles": [{"code": "kullanici", "name": "Kullanıcı"},
                                                          {"code": "yonetici", "name": "Yönetici"}]}
    body.update(extra)
    r = h.as_user("admin").post("/api/v1/access/systems", body)
    expect_status(r, 201, "admin adds a system")
    return r.json()


def _granted(h, person, system, role="kullanici", expires_on=None):
    """Runs the whole chain (sef requests, mudur approves, teknik provisions); returns the request."""
    body = {"person": person, "system": system["id"], "role": _role(system, role), "reason": "Görev gereği"}
    if expires_on:
        body["expires_on"] = expires_on
    r = h.as_user("sef").post("/api/v1/access/requests", body)
    expect_status(r, 201, "sef requests access")
    q = r.json()
    expect_status(h.as_user("mudur").post(f"/api/v1/access/requests/{q['id']}/approve", {}), 200, "mudur approves")
    r = h.as_user("teknik").post(f"/api/v1/access/requests/{q['id']}/provision", {"note": "Hesap açıldı."})
    expect_status(r, 200, "teknik provisions")
    return r.json()


def _run_job(h, name="access.expiry"):
    p = h.cli("jobs", "run", name, "--data", h.server.data_dir)
    eq(p.returncode, 0, f"defter jobs run {name}: {p.stderr[-300:]}")


def test_access_catalogue(h):
    mudur, admin = h.as_user("mudur"), h.as_user("admin")
    items = mudur.get_json("/api/v1/access/systems")["items"]
    codes = {s["code"]: s for s in items}
    for code in ("EBYS", "YBS", "EPOSTA", "AD", "VPN", "INTERNET", "CBS", "PBX", "KARTLI"):
        check(code in codes, f"seeded catalogue lacks {code}: {sorted(codes)}")
    eq(codes["VPN"]["requires_letter"], True, "VPN needs a formal letter")
    eq(codes["EBYS"]["requires_letter"], False, "EBYS needs no letter")
    eq(codes["EBYS"]["approver"], "it_manager", "EBYS approver rule")
    eq(codes["EBYS"]["tech_owner"]["username"], "teknik", "demo technical owner")
    eq(codes["EBYS"]["owner_unit"]["code"], "YBY", "demo owner unit")
    check(len(codes["AD"]["roles"]) >= 2, "AD has its roles")
    # A personel reads the catalogue but cannot change it.
    expect_status(h.as_user("personel").get("/api/v1/access/systems"), 200, "personel reads the catalogue")
    expect_error(h.as_user("personel").post("/api/v1/access/systems", {"code": "X", "name": "X"}), 403, "forbidden",
                 "personel adds a system")
    # Create, with roles; read back; duplicate code.
    s = _new_system(h, description="Deneme", requires_letter=True)
    eq([r["code"] for r in s["roles"]], ["kullanici", "yonetici"], "roles of the new system")
    eq(s["requires_letter"], True, "requires_letter stored")
    got = mudur.get_json(f"/api/v1/access/systems/{s['id']}")
    eq(got["name"], s["name"], "read back")
    expect_error(admin.post("/api/v1/access/systems", {"code": s["code"], "name": "Başka"}), 409, "conflict",
                 "duplicate code")
    # Validation.
    for body, field in [({"code": "a b", "name": "x"}, "code"),
                        ({"code": "OK1", "name": ""}, "name"),
                        ({"code": "OK2", "name": "x", "owner_unit": "NOPE"}, "owner_unit"),
                        ({"code": "OK3", "name": "x", "approver": "anyone"}, "approver"),
                        ({"code": "OK4", "name": "x", "approver": "system_owner"}, "owner"),
                        ({"code": "OK5", "name": "x", "tech_owner": 999999}, "tech_owner"),
                        ({"code": "OK6", "name": "x", "colour": "red"}, "colour"),
                        ({"code": "OK7", "name": "x", "roles": [{"code": "", "name": "x"}]}, "roles[0].code")]:
        err = expect_error(admin.post("/api/v1/access/systems", body), 400, "validation", f"bad system {body}")
        check(field in (err.get("fields") or {}), f"{body}: no error on {field}: {err}")
    # PATCH: the system owner approves from now on.
    r = mudur.request("PATCH", f"/api/v1/access/systems/{s['id']}",
                      json_body={"approver": "system_owner", "owner": h.user_id("sef")}, csrf=True)
    expect_status(r, 200, "patch a system")
    eq(r.json()["approver"], "system_owner", "approver changed")
    eq(r.json()["owner"]["username"], "sef", "owner set")
    # Roles.
    r = admin.post(f"/api/v1/access/systems/{s['id']}/roles", {"code": "rapor", "name": "Raporlama"})
    expect_status(r, 201, "add a role")
    check("rapor" in [x["code"] for x in r.json()["roles"]], "new role listed")
    expect_error(admin.post(f"/api/v1/access/systems/{s['id']}/roles", {"code": "rapor", "name": "x"}), 409,
                 "conflict", "duplicate role")
    rid = _role(r.json(), "rapor")
    r = admin.request("PATCH", f"/api/v1/access/systems/{s['id']}/roles/{rid}", json_body={"active": False},
                      csrf=True)
    expect_status(r, 200, "deactivate a role")
    eq([x["active"] for x in r.json()["roles"] if x["id"] == rid], [False], "role inactive")
    expect_error(mudur.get("/api/v1/access/systems/999999"), 404, "not_found", "unknown system")
    # Every change is audited.
    audit = admin.get_json(f"/api/v1/audit?entity=access_system&entity_id={s['id']}")
    eq(sorted(a["action"] for a in audit["items"]), ["create", "update"], "audit of the system")


def test_access_request_chain(h):
    person = _people(h, "YBY")[0]
    ebys = _system(h, "EBYS")
    sef, mudur, teknik, personel = (h.as_user(u) for u in ("sef", "mudur", "teknik", "personel"))
    body = {"person": person, "system": ebys["id"], "role": _role(ebys, "evrak_kayit"), "reason": "Evrak kayıt görevi",
            "expires_on": _today(90)}
    # Not the person's unit manager, not the person: 403.
    expect_error(personel.post("/api/v1/access/requests", body), 403, "forbidden", "personel requests for another")
    expect_error(teknik.post("/api/v1/access/requests", body), 403, "forbidden", "teknik requests for another")
    # Validation.
    for bad, field in [(dict(body, role=_role(_system(h, "AD"), "kullanici")), "role"),
                       (dict(body, person=999999), "person"),
                       (dict(body, system=999999), "system"),
                       (dict(body, reason=" "), "reason"),
                       (dict(body, expires_on="2020-01-01"), "expires_on"),
                       (dict(body, expires_on="2026-02-30"), "expires_on"),
                       (dict(body, extra=1), "extra")]:
        err = expect_error(sef.post("/api/v1/access/requests", bad), 400, "validation", f"bad request {bad}")
        check(field in (err.get("fields") or {}), f"no error on {field}: {err}")
    # The unit's manager requests: the unit step is done.
    r = sef.post("/api/v1/access/requests", body)
    expect_status(r, 201, "sef requests")
    q = r.json()
    eq(q["status"], "birim_onayi", "a manager's request starts unit-approved")
    eq(q["status_label"], "birim onaylandı", "Turkish status label")
    eq(q["source"], "self", "source")
    eq(q["expires_on"], _today(90), "expires_on")
    eq(q["allowed_actions"], ["reject", "cancel"], "what sef may do now")
    expect_error(sef.post("/api/v1/access/requests", body), 409, "duplicate", "a second open request")
    # Wrong people at the IT step.
    expect_error(personel.get(f"/api/v1/access/requests/{q['id']}"), 403, "forbidden", "personel reads")
    expect_error(sef.post(f"/api/v1/access/requests/{q['id']}/approve", {}), 403, "forbidden", "sef approves IT step")
    expect_error(teknik.post(f"/api/v1/access/requests/{q['id']}/approve", {}), 403, "forbidden", "teknik approves")
    expect_error(teknik.post(f"/api/v1/access/requests/{q['id']}/provision", {"note": "x"}), 409, "invalid_state",
                 "provision before approval")
    # The IT manager approves.
    r = mudur.post(f"/api/v1/access/requests/{q['id']}/approve", {"note": "Uygun"})
    expect_status(r, 200, "mudur approves")
    eq(r.json()["status"], "bt_onayi", "after IT approval")
    expect_error(mudur.post(f"/api/v1/access/requests/{q['id']}/approve", {}), 409, "invalid_state", "approve twice")
    expect_error(mudur.post(f"/api/v1/access/requests/{q['id']}/provision", {"note": "x"}), 403, "forbidden",
                 "mudur provisions")
    # The technician: a note is required.
    err = expect_error(teknik.post(f"/api/v1/access/requests/{q['id']}/provision", {}), 400, "validation",
                       "provision without a note")
    check("note" in err["fields"], f"note field error: {err}")
    r = teknik.post(f"/api/v1/access/requests/{q['id']}/provision", {"note": "EBYS hesabına evrak kayıt rolü verildi."})
    expect_status(r, 200, "teknik provisions")
    q = r.json()
    eq(q["status"], "saglandi", "provisioned")
    eq(q["provisioned_by"]["username"], "teknik", "provisioned by")
    check(q["provisioned_at"], "provisioned_at set")
    eq(q["provision_note"], "EBYS hesabına evrak kayıt rolü verildi.", "provision note")
    check(isinstance(q["grant_id"], int), "grant id")
    eq([e["kind"] for e in q["history"]], ["create", "approve", "provision"], "history")
    eq(q["allowed_actions"], [], "nothing left to do")
    # The grant is the truth; the person's page lists it.
    g = mudur.get_json(f"/api/v1/access/people/{person}/grants")
    mine = [x for x in g["items"] if x["id"] == q["grant_id"]]
    eq(len(mine), 1, "the person's grants list the new grant")
    eq(mine[0]["status"], "active", "grant status")
    eq(mine[0]["system"]["code"], "EBYS", "grant system")
    eq(mine[0]["role"]["code"], "evrak_kayit", "grant role")
    eq(mine[0]["expires_on"], _today(90), "grant until")
    eq(mine[0]["request_id"], q["id"], "grant request")
    expect_error(personel.get(f"/api/v1/access/people/{person}/grants"), 403, "forbidden", "personel reads grants")
    lst = mudur.get_json(f"/api/v1/access/grants?person={person}&system={ebys['id']}")
    check(q["grant_id"] in [x["id"] for x in lst["items"]], "grants list filter")
    expect_error(sef.post("/api/v1/access/requests", body), 409, "already_granted", "request what is held")
    # Audited.
    audit = h.as_user("admin").get_json(f"/api/v1/audit?entity=access_request&entity_id={q['id']}")
    eq(sorted(a["action"] for a in audit["items"]), ["approve", "create", "provision"], "audit of the request")


def test_access_self_request_and_rejection(h):
    me = _person_of(h, "personel")
    eposta = _system(h, "EPOSTA")
    personel, sef, mudur, teknik = (h.as_user(u) for u in ("personel", "sef", "mudur", "teknik"))
    body = {"person": me, "system": eposta["id"], "role": _role(eposta, "ortak_kutu"), "reason": "Ortak kutu"}
    r = personel.post("/api/v1/access/requests", body)
    expect_status(r, 201, "personel requests for themself")
    q = r.json()
    eq(q["status"], "talep", "a self-service request waits for the unit")
    eq(q["allowed_actions"], ["cancel"], "the requester may withdraw")
    check(q["id"] in [x["id"] for x in personel.get_json("/api/v1/access/requests?view=mine")["items"]],
          "in personel's own list")
    # sef manages YBY, not ASD.
    expect_error(sef.post(f"/api/v1/access/requests/{q['id']}/approve", {}), 403, "forbidden",
                 "another unit's chief approves")
    check(q["id"] in [x["id"] for x in mudur.get_json("/api/v1/access/requests?view=todo")["items"]],
          "waiting in mudur's to-do list")
    r = mudur.post(f"/api/v1/access/requests/{q['id']}/approve", {})
    expect_status(r, 200, "unit step")
    eq(r.json()["status"], "birim_onayi", "after the unit step")
    expect_status(mudur.post(f"/api/v1/access/requests/{q['id']}/approve", {}), 200, "IT step")
    check(q["id"] in [x["id"] for x in teknik.get_json("/api/v1/access/requests?view=todo")["items"]],
          "waiting in teknik's to-do list")
    r = teknik.post(f"/api/v1/access/requests/{q['id']}/start", {})
    expect_status(r, 200, "teknik starts")
    eq(r.json()["status"], "saglaniyor", "being provisioned")
    expect_error(personel.post(f"/api/v1/access/requests/{q['id']}/cancel", {}), 409, "invalid_state",
                 "withdraw while provisioning")
    err = expect_error(teknik.post(f"/api/v1/access/requests/{q['id']}/reject", {}), 400, "validation",
                       "reject without a reason")
    check("reason" in err["fields"], "reason field error")
    r = teknik.post(f"/api/v1/access/requests/{q['id']}/reject", {"reason": "Ortak kutu kapatıldı."})
    expect_status(r, 200, "teknik rejects")
    eq(r.json()["status"], "reddedildi", "rejected")
    eq(r.json()["reject_reason"], "Ortak kutu kapatıldı.", "reason kept")
    expect_error(mudur.post(f"/api/v1/access/requests/{q['id']}/reject", {"reason": "x"}), 409, "invalid_state",
                 "reject twice")
    # A request for someone else is not self-service; a withdrawal.
    other = _people(h, "ASD")[0]
    expect_error(personel.post("/api/v1/access/requests", dict(body, person=other)), 403, "forbidden",
                 "personel requests for a colleague")
    r = personel.post("/api/v1/access/requests", body)
    expect_status(r, 201, "again after the rejection")
    r = personel.post(f"/api/v1/access/requests/{r.json()['id']}/cancel", {})
    expect_status(r, 200, "withdraw")
    eq(r.json()["status"], "iptal", "withdrawn")


def test_access_letter_request(h):
    person = _people(h, "YBY")[1]
    vpn = _system(h, "VPN")
    sef, personel = h.as_user("sef"), h.as_user("personel")
    body = {"person": person, "system": vpn["id"], "role": _role(vpn, "kullanici"), "reason": "Uzaktan çalışma"}
    err = expect_error(sef.post("/api/v1/access/requests", body), 400, "validation", "VPN without a letter")
    check("letter_no" in err["fields"], f"letter_no error: {err}")
    err = expect_error(sef.post("/api/v1/access/requests", dict(body, letter_no="E-1", letter_date=_today(2))), 400,
                       "validation", "a letter from the future")
    check("letter_date" in err["fields"], "letter_date error")
    err = expect_error(sef.post("/api/v1/access/requests", dict(body, letter_no="E-1")), 400, "validation",
                       "a letter without a date")
    check("letter_date" in err["fields"], "letter_date required")
    letter = dict(body, letter_no="E-12345678-010.01-4521", letter_date=_today(-1))
    expect_error(personel.post("/api/v1/access/requests", dict(letter, person=_person_of(h, "personel"))), 403,
                 "forbidden", "personel registers a letter")
    r = sef.post("/api/v1/access/requests", letter)
    expect_status(r, 201, "registered from the letter")
    q = r.json()
    eq(q["source"], "letter", "source")
    eq(q["letter_no"], "E-12345678-010.01-4521", "letter number")
    eq(q["letter_date"], _today(-1), "letter date")
    eq(q["status"], "birim_onayi", "a letter skips the unit step")
    check("E-12345678-010.01-4521" in (q["history"][0]["note"] or ""), "history names the letter")


def test_access_system_owner_approves(h):
    s = _new_system(h, approver="system_owner", owner=h.user_id("denetci"))
    person = _people(h, "YBY")[0]
    r = h.as_user("sef").post("/api/v1/access/requests",
                              {"person": person, "system": s["id"], "role": _role(s, "kullanici"), "reason": "x"})
    expect_status(r, 201, "request")
    qid = r.json()["id"]
    expect_error(h.as_user("mudur").post(f"/api/v1/access/requests/{qid}/approve", {}), 403, "forbidden",
                 "the IT manager approves a system-owner system")
    r = h.as_user("denetci").post(f"/api/v1/access/requests/{qid}/approve", {})
    expect_status(r, 200, "the system owner approves")
    eq(r.json()["status"], "bt_onayi", "approved by the owner")


def test_access_expiry_task_revoke(h):
    people = _people(h, "YBY")
    cbs = _system(h, "PBX")
    q = _granted(h, people[0], cbs, "dahili", expires_on=_today())
    gid = q["grant_id"]
    # Not expired yet (valid through its last day): the job leaves it.
    _run_job(h)
    g = [x for x in h.as_user("mudur").get_json(f"/api/v1/access/people/{people[0]}/grants")["items"] if x["id"] == gid]
    eq(g[0]["status"], "active", "valid on its last day")
    with _db(h.server, write=True) as con:
        con.execute("UPDATE access_grants SET expires_on = ? WHERE id = ?", (_today(-1), gid))
    _run_job(h)
    g = [x for x in h.as_user("mudur").get_json(f"/api/v1/access/people/{people[0]}/grants")["items"] if x["id"] == gid]
    eq(g[0]["status"], "revoking", "expired: being revoked")
    eq(g[0]["revoke_reason"], "expired", "reason")
    task_id = g[0]["revoke_task_id"]
    check(isinstance(task_id, int), "a revoke task")
    teknik = h.as_user("teknik")
    t = teknik.get_json(f"/api/v1/tasks/{task_id}")
    eq(t["assignee"]["username"], "teknik", "the technical owner gets the task")
    eq(t["ref"], f"access.grant:{gid}", "the task names the grant")
    eq(t["status"], "atandi", "assigned")
    check(t["deadline"], "the task has a deadline")
    # Running again makes no second task.
    _run_job(h)
    with _db(h.server) as con:
        n = con.execute("SELECT COUNT(*) FROM work_tasks WHERE ref = ?", (f"access.grant:{gid}",)).fetchone()[0]
    eq(n, 1, "one revoke task")
    # The technician completes the task: the grant is revoked.
    expect_status(teknik.post(f"/api/v1/tasks/{task_id}/transition", {"to": "tamamlandi", "note": "Kaldırıldı"}), 200,
                  "complete the task")
    _run_job(h)
    g = [x for x in h.as_user("mudur").get_json(f"/api/v1/access/people/{people[0]}/grants")["items"] if x["id"] == gid]
    eq(g[0]["status"], "revoked", "revoked after the task")
    check(g[0]["revoked_at"], "revoked_at")
    # A new request is possible again.
    q2 = _granted(h, people[0], cbs, "dahili")
    # The explicit revoke action.
    expect_error(h.as_user("personel").post(f"/api/v1/access/grants/{q2['grant_id']}/revoke", {"note": "x"}), 403,
                 "forbidden", "personel revokes")
    err = expect_error(teknik.post(f"/api/v1/access/grants/{q2['grant_id']}/revoke", {"note": ""}), 400, "validation",
                       "revoke without a note")
    check("note" in err["fields"], "note error")
    r = teknik.post(f"/api/v1/access/grants/{q2['grant_id']}/revoke", {"note": "Görev değişikliği"})
    expect_status(r, 200, "teknik revokes")
    eq(r.json()["status"], "revoked", "revoked now")
    eq(r.json()["revoke_note"], "Görev değişikliği", "note kept")
    expect_error(teknik.post(f"/api/v1/access/grants/{q2['grant_id']}/revoke", {"note": "x"}), 409, "invalid_state",
                 "revoke twice")
    expect_error(teknik.post("/api/v1/access/grants/999999/revoke", {"note": "x"}), 404, "not_found", "unknown grant")


def _pdf_text(body):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, timeout=60)
    eq(p.returncode, 0, "pdftotext")
    return p.stdout.decode()


def test_access_review_campaign(h):
    s = _new_system(h)
    people = _people(h, "YBY")
    q1 = _granted(h, people[0], s)
    q2 = _granted(h, people[1], s, "yonetici")
    mudur, sef, personel = h.as_user("mudur"), h.as_user("sef"), h.as_user("personel")
    body = {"title": "2026 yıllık gözden geçirme", "system": s["id"], "reviewers": [h.user_id("sef")],
            "deadline": _today(14)}
    for bad, field in [(dict(body, deadline=_today(-1)), "deadline"), (dict(body, reviewers=[]), "reviewers"),
                       (dict(body, unit="YBY"), "system"), (dict(body, reviewers=[999999]), "reviewers")]:
        err = expect_error(mudur.post("/api/v1/access/reviews", bad), 400, "validation", f"bad campaign {bad}")
        check(field in err["fields"], f"no error on {field}: {err}")
    expect_error(sef.post("/api/v1/access/reviews", body), 403, "forbidden", "sef starts a campaign")
    r = mudur.post("/api/v1/access/reviews", body)
    expect_status(r, 201, "mudur starts a campaign")
    v = r.json()
    eq(v["counts"], {"lines": 2, "confirmed": 0, "revoked": 0, "pending": 2}, "lines = the live grants")
    eq(v["overdue"], False, "not overdue")
    lines = {l["grant_id"]: l for l in v["lines"]}
    eq(set(lines), {q1["grant_id"], q2["grant_id"]}, "the lines are the system's grants")
    expect_error(personel.get(f"/api/v1/access/reviews/{v['id']}"), 403, "forbidden", "personel reads a campaign")
    l1, l2 = lines[q1["grant_id"]], lines[q2["grant_id"]]
    url = f"/api/v1/access/reviews/{v['id']}/lines"
    expect_error(mudur.post(f"{url}/{l1['id']}", {"decision": "confirm"}), 403, "forbidden", "a non-reviewer decides")
    expect_error(mudur.post(f"/api/v1/access/reviews/{v['id']}/close", {}), 409, "pending_lines", "close too early")
    expect_status(sef.post(f"{url}/{l1['id']}", {"decision": "confirm"}), 200, "sef confirms")
    expect_error(sef.post(f"{url}/{l1['id']}", {"decision": "revoke", "note": "x"}), 409, "invalid_state",
                 "decide twice")
    err = expect_error(sef.post(f"{url}/{l2['id']}", {"decision": "revoke"}), 400, "validation", "revoke without note")
    check("note" in err["fields"], "note error")
    expect_error(sef.post(f"{url}/{l2['id']}", {"decision": "maybe"}), 400, "validation", "unknown decision")
    r = sef.post(f"{url}/{l2['id']}", {"decision": "revoke", "note": "Artık bu birimde değil."})
    expect_status(r, 200, "sef revokes")
    v = r.json()
    l2 = [l for l in v["lines"] if l["id"] == l2["id"]][0]
    check(isinstance(l2["task_id"], int), "the revocation became a task")
    eq(l2["grant_status"], "revoking", "grant being revoked")
    t = h.as_user("teknik").get_json(f"/api/v1/tasks/{l2['task_id']}")
    eq(t["ref"], f"access.grant:{q2['grant_id']}", "task names the grant")
    eq(t["assignee"]["username"], "teknik", "task for the technical owner")
    r = mudur.post(f"/api/v1/access/reviews/{v['id']}/close", {})
    expect_status(r, 200, "close")
    eq(r.json()["status"], "closed", "closed")
    expect_error(sef.post(f"{url}/{l2['id']}", {"decision": "confirm"}), 409, "invalid_state", "decide when closed")
    # The report: PDF and XLSX, for the auditor too.
    den = h.as_user("denetci")
    r = den.get(f"/api/v1/access/reviews/{v['id']}/report.pdf")
    expect_status(r, 200, "PDF report")
    eq(r.header("Content-Type"), "application/pdf", "PDF type")
    text = _pdf_text(r.body)
    with _db(h.server) as con:
        names = [con.execute("SELECT name FROM org_people WHERE id = ?", (p,)).fetchone()[0] for p in people[:2]]
    for want in ["Erişim gözden geçirme raporu", "2026 yıllık gözden geçirme", s["name"], names[0], names[1],
                 "onaylandı", "Artık bu birimde değil.", "Mehmet Demir"]:
        check(want in " ".join(text.split()), f"PDF lacks {want!r}: {text[:800]}")
    r = den.get(f"/api/v1/access/reviews/{v['id']}/report.xlsx")
    expect_status(r, 200, "XLSX report")
    z = zipfile.ZipFile(io.BytesIO(r.body))
    strings = z.read("xl/sharedStrings.xml").decode()
    for want in [names[0], names[1], "Artık bu birimde değil.", "2026 yıllık gözden geçirme"]:
        check(want in strings, f"XLSX lacks {want!r}")
    audit = h.as_user("admin").get_json(f"/api/v1/audit?entity=access_review&entity_id={v['id']}")
    acts = sorted(a["action"] for a in audit["items"])
    eq(acts, ["close", "create", "decide", "decide", "export", "export"], "audit of the campaign")
    # Overdue campaigns are flagged.
    unit_body = {k: x for k, x in body.items() if k != "system"}
    r = mudur.post("/api/v1/access/reviews", dict(unit_body, title="Birim gözden geçirme", unit="YBY"))
    expect_status(r, 201, "a unit campaign")
    u = r.json()
    check(u["counts"]["lines"] >= 1, "the unit campaign has lines")
    with _db(h.server, write=True) as con:
        con.execute("UPDATE access_reviews SET deadline = ? WHERE id = ?", (_today(-1), u["id"]))
    over = mudur.get_json("/api/v1/access/reviews?status=overdue")["items"]
    eq([x["overdue"] for x in over if x["id"] == u["id"]], [True], "flagged overdue")
    check(v["id"] not in [x["id"] for x in over], "a closed campaign is not overdue")
    # The reviewer sees the campaign in their list.
    check(u["id"] in [x["id"] for x in sef.get_json("/api/v1/access/reviews")["items"]], "sef's campaigns")


def test_access_pages(h):
    from harness import html_has_id
    person = _people(h, "YBY")[0]
    ad = _system(h, "AD")
    mudur, sef, personel, teknik = (h.as_user(u) for u in ("mudur", "sef", "personel", "teknik"))
    r = mudur.get("/access/systems")
    expect_status(r, 200, "catalogue page")
    check("Sistem kataloğu" in r.text and "Active Directory" in r.text and html_has_id(r.text, "system-form"),
          "catalogue page content")
    check(not html_has_id(personel.get("/access/systems").text, "system-form"), "no catalogue form for personel")
    r = sef.get("/access/requests/new")
    expect_status(r, 200, "new request page")
    check(f'value="{person}"' in r.text, "sef may pick a person of YBY")
    # A form with a mistake shows the page again with the message; the good one leads to the request.
    role = _role(ad, "yerel_yonetici")
    r = sef.post_form("/access/requests/new", {"_csrf": sef.csrf, "person": str(person), "role": str(role),
                                                "reason": ""})
    expect_status(r, 400, "form without a reason")
    check("Bu alan zorunludur" in r.text or "zorunlu" in r.text, "Turkish field message")
    r = sef.post_form("/access/requests/new", {"_csrf": sef.csrf, "person": str(person), "role": str(role),
                                                "reason": "Yerel yönetici gerekli"})
    expect_status(r, 303, "form request")
    loc = r.header("Location")
    check(loc and loc.startswith("/access/requests/"), f"redirect {loc}")
    qid = int(loc.rsplit("/", 1)[1])
    r = mudur.get(loc)
    expect_status(r, 200, "request page")
    check(html_has_id(r.text, "approve-submit") and "birim onaylandı" in r.text, "mudur sees the approve button")
    expect_status(personel.get(loc), 403, "personel on the request page")
    r = mudur.post_form(f"/access/requests/{qid}/approve", {"_csrf": mudur.csrf, "note": "Uygun"})
    expect_status(r, 303, "approve by form")
    r = teknik.post_form(f"/access/requests/{qid}/provision", {"_csrf": teknik.csrf, "note": ""})
    expect_status(r, 400, "provision form without a note")
    r = teknik.post_form(f"/access/requests/{qid}/provision", {"_csrf": teknik.csrf, "note": "Yetki verildi"})
    expect_status(r, 303, "provision by form")
    eq(mudur.get_json(f"/api/v1/access/requests/{qid}")["status"], "saglandi", "provisioned through the pages")
    expect_status(teknik.post_form(f"/access/requests/{qid}/nonsense", {"_csrf": teknik.csrf}), 404, "unknown action")
    # The person's page and the link from the person record.
    r = mudur.get(f"/access/people/{person}")
    expect_status(r, 200, "person's grants page")
    check("Yerel yönetici" in r.text or "Active Directory" in r.text, "grant on the person's page")
    expect_status(personel.get(f"/access/people/{person}"), 403, "personel on another's grants")
    check(html_has_id(mudur.get(f"/org/people/{person}").text, "person-access"), "link from the person record")
    for path in ("/access", "/access/reviews"):
        expect_status(mudur.get(path), 200, path)
        expect_status(personel.get(path), 200, f"{path} as personel")
