"""Deputies (vekalet): POST/GET /api/v1/org/deputies, DELETE .../{id};
validation, no delegation of rights the caller lacks, one deputy per
principal and day, audit. The last test runs the permission query proposed
for core's rbac_can against the real store, so the SQL handed over for
core is known to work on this schema."""
import datetime
import os
import sqlite3

from harness import check, eq, expect_error, expect_status


def day(offset=0):
    d = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=3)).date()
    return (d + datetime.timedelta(days=offset)).isoformat()


def appoint(client, principal, deputy, start=0, end=7, reason="Yıllık izin"):
    return client.post("/api/v1/org/deputies", {"principal": principal, "deputy": deputy, "from": day(start),
                                                 "to": day(end), "reason": reason})


def test_appoint_list_revoke(h):
    admin = h.as_user("admin")
    _, principal, _ = h.create_user(role="sorumlu", unit="TAB")
    _, deputy, dpw = h.create_user(role="teknik", unit="TAB")
    mudur = h.as_user("mudur")
    r = appoint(mudur, principal, deputy)
    expect_status(r, 201, "appoint")
    dep = r.json()
    eq((dep["principal"], dep["deputy"], dep["from"], dep["to"], dep["reason"], dep["active"], dep["revoked_at"]),
       (principal, deputy, day(0), day(7), "Yıllık izin", True, None), "the deputyship")
    eq(dep["created_by"], "mudur", "created_by")
    # listed for managers, for the two people involved, and filtered by active
    ids = {d["id"] for d in mudur.get_json("/api/v1/org/deputies?limit=200")["items"]}
    check(dep["id"] in ids, "not listed for the yonetici")
    dc = h.login(deputy, dpw)
    eq([d["id"] for d in dc.get_json("/api/v1/org/deputies?active=1")["items"]], [dep["id"]], "the deputy sees it")
    check(dep["id"] not in {d["id"] for d in h.as_user("personel").get_json("/api/v1/org/deputies")["items"]},
          "a personel of ASD sees a TAB deputyship")
    # one deputy per principal and day
    _, other, _ = h.create_user(role="teknik", unit="TAB")
    err = expect_error(appoint(mudur, principal, other, start=5, end=9), 409, "conflict", "overlapping period")
    check("from" in err.get("fields", {}), f"{err}")
    expect_status(appoint(mudur, principal, other, start=8, end=9), 201, "the next period is free")
    # revoke
    r = mudur.request("DELETE", f"/api/v1/org/deputies/{dep['id']}", csrf=True)
    expect_status(r, 200, "revoke")
    got = r.json()
    check(got["revoked_at"] and got["active"] is False, f"revoked: {got}")
    expect_error(mudur.request("DELETE", f"/api/v1/org/deputies/{dep['id']}", csrf=True), 409, "conflict",
                 "revoking twice")
    expect_error(mudur.request("DELETE", "/api/v1/org/deputies/999999", csrf=True), 404, "not_found")
    eq(dc.get_json("/api/v1/org/deputies?active=1")["items"], [], "a revoked deputyship is not active")
    # audited
    rows = admin.get_json(f"/api/v1/audit?entity=deputy&entity_id={dep['id']}")["items"]
    eq(sorted(x["action"] for x in rows), ["create", "revoke"], "audit rows")
    rev = [x for x in rows if x["action"] == "revoke"][0]
    eq((rev["before"]["revoked_at"], rev["actor"]), (None, "mudur"), "revoke audit row")
    check(rev["after"]["revoked_at"], "revoke audit after")


def test_validation_and_permissions(h):
    mudur = h.as_user("mudur")
    cases = [
        ({"principal": "nobody-here", "deputy": "sef", "from": day(), "to": day(1)}, "principal"),
        ({"principal": "sef", "deputy": "nobody-here", "from": day(), "to": day(1)}, "deputy"),
        ({"principal": "sef", "deputy": "sef", "from": day(), "to": day(1)}, "deputy"),
        ({"principal": "sef", "deputy": "teknik", "from": "yarın", "to": day(1)}, "from"),
        ({"principal": "sef", "deputy": "teknik", "from": day(3), "to": day(1)}, "to"),
        ({"principal": "sef", "deputy": "teknik", "from": day(-9), "to": day(-2)}, "to"),  # already over
        ({"principal": "sef", "deputy": "teknik", "from": day()}, "to"),
        ({"principal": "sef", "deputy": "teknik", "from": day(), "to": day(1), "extra": 1}, "extra"),
    ]
    for body, field in cases:
        err = expect_error(mudur.post("/api/v1/org/deputies", body), 400, "validation", f"{field}: {body}")
        check(field in err.get("fields", {}), f"400 does not name {field}: {err}")
    for user in ("sef", "teknik", "personel", "denetci"):
        c = h.as_user(user)
        expect_error(appoint(c, "sef", "teknik"), 403, "forbidden", f"{user} appoints")
    # a yonetici cannot hand on an admin's rights; an admin can appoint anyone
    expect_error(appoint(mudur, "admin", "sef"), 403, "forbidden", "yonetici delegates admin rights")
    # a yonetici of YBY cannot appoint for people outside YBY
    _, name, pw = h.create_user(role="yonetici", unit="YBY")
    yon = h.login(name, pw)
    expect_error(appoint(yon, "personel", "sef"), 403, "forbidden", "principal outside the yonetici's unit")
    _, p2, _ = h.create_user(role="teknik", unit="YBY")
    expect_status(appoint(yon, p2, "sef", start=1, end=2), 201, "inside the unit")
    # ... nor for someone of YBY whose grants reach above YBY
    p4id, p4, _ = h.create_user(role="teknik", unit="YBY")
    expect_status(h.as_user("admin").post(f"/api/v1/users/{p4id}/grants", {"role": "sorumlu"}), 200, "grant on root")
    expect_error(appoint(yon, p4, name, start=1, end=2), 403, "forbidden",
                 "a unit's yonetici deputises for someone with a root grant")
    expect_status(appoint(mudur, p4, "sef", start=1, end=2), 201, "the root yonetici may")
    _, p3, _ = h.create_user(role="personel", unit="SNB")
    expect_status(appoint(h.as_user("admin"), p3, "teknik", start=0, end=1), 201, "admin appoints")
    expect_error(h.as_user("admin").request("POST", "/api/v1/org/deputies", body=b"{", csrf=True,
                                            headers={"Content-Type": "application/json"}), 400, "malformed_json")
    expect_error(mudur.post("/api/v1/org/deputies", {"principal": "sef", "deputy": "teknik", "from": day(),
                                                     "to": day(1)}, csrf=False), 403, "csrf")


# The query proposed for core's rbac_can (see the org helper's report): the
# grants of the user OR of the principals the user deputises for today.
RBAC_CAN_WITH_DEPUTIES = """
SELECT 1 FROM grants g JOIN role_perms rp ON rp.role = g.role
 JOIN users u ON u.id = g.user_id
 JOIN units gu ON gu.id = g.unit_id
 JOIN units x ON x.id = ?
 WHERE rp.perm = ? AND u.active = 1
 AND substr(x.path, 1, length(gu.path)) = gu.path
 AND (g.user_id = ? OR g.user_id IN (SELECT d.principal_id FROM deputies d
  JOIN users du ON du.id = d.deputy_id
  WHERE d.deputy_id = ? AND du.active = 1 AND d.revoked_at IS NULL
  AND d.from_date <= ? AND d.to_date >= ?)) LIMIT 1
"""


def test_proposed_core_query(h):
    mudur = h.as_user("mudur")
    _, deputy, _ = h.create_user(role="personel", unit="ASD")
    _, later, _ = h.create_user(role="personel", unit="ASD")
    _, principal, _ = h.create_user(role="yonetici", unit="SNB")
    dep = appoint(mudur, principal, deputy, start=0, end=3).json()
    appoint(mudur, principal, later, start=4, end=6)
    uid = {u: h.user_id(u) for u in (deputy, later, principal)}
    db = sqlite3.connect(f"file:{os.path.join(h.server.data_dir, 'defter.db')}?mode=ro", uri=True, timeout=10)
    try:
        units = dict(db.execute("SELECT code, id FROM units"))

        def can(user, perm, unit, today=day()):
            return db.execute(RBAC_CAN_WITH_DEPUTIES, (units[unit], perm, uid[user], uid[user], today, today)
                              ).fetchone() is not None

        check(can(deputy, "people.manage", "SNB"), "the deputy acts with the principal's rights")
        check(not can(deputy, "people.manage", "ASD"), "only on the principal's units")
        check(can(deputy, "org.read", "ASD"), "the deputy keeps their own rights")
        check(not can(later, "people.manage", "SNB"), "a future deputy has no rights yet")
        check(can(later, "people.manage", "SNB", today=day(5)), "the future deputy's period")
        check(not can(deputy, "people.manage", "SNB", today=day(4)), "after the period")
        check(can(principal, "people.manage", "SNB"), "the principal keeps their rights")
        expect_status(mudur.request("DELETE", f"/api/v1/org/deputies/{dep['id']}", csrf=True), 200)
        check(not can(deputy, "people.manage", "SNB"), "a revoked deputy has no rights")
    finally:
        db.close()


def test_deputy_acts_with_principals_rights(h):
    """Core permission checks read effective_grants: while the deputyship
    runs, the deputy reaches the principal's units, and the audit trail
    names the principal; before it starts and after revocation, not."""
    mudur = h.as_user("mudur")
    _, principal, _ = h.create_user(role="sorumlu", unit="ASD")
    _, deputy, dpw = h.create_user(role="sorumlu", unit="TAB")
    target, _, _ = h.create_user(role="personel", unit="ASD")
    dc = h.login(deputy, dpw)
    expect_error(dc.get(f"/api/v1/users/{target}"), 403, "forbidden", "before any deputyship")
    # a future deputyship does not count yet
    r = appoint(mudur, principal, deputy, start=3, end=5)
    expect_status(r, 201, "future deputyship")
    expect_error(dc.get(f"/api/v1/users/{target}"), 403, "forbidden", "deputyship not started")
    r = appoint(mudur, principal, deputy, start=0, end=1)
    expect_status(r, 201, "current deputyship")
    dep = r.json()
    expect_status(dc.get(f"/api/v1/users/{target}"), 200, "deputy reads a user of the principal's unit")
    # an audited change made by the deputy names the principal
    r = dc.request("POST", "/api/v1/auth/tokens", json_body={"name": "vekalet"}, csrf=True)
    expect_status(r, 201, "token as deputy")
    rows = h.as_user("admin").get_json(f"/api/v1/audit?entity=api_token&entity_id={r.json()['id']}")["items"]
    eq([x["actor"] for x in rows], [f"{deputy} (vekâleten {principal})"], "audit actor of the deputy")
    # revoked: the rights end at once
    expect_status(mudur.request("DELETE", f"/api/v1/org/deputies/{dep['id']}", csrf=True), 200, "revoke")
    expect_error(dc.get(f"/api/v1/users/{target}"), 403, "forbidden", "after revocation")
