"""The hash-chained audit trail: verification (CLI and API), tamper
detection on copies of the database, filters and paging."""
import os
import re
import shutil
import sqlite3
import time

from harness import check, eq, expect_error, expect_status


def _copy_data(h, src_dir, name="copy"):
    """A copy of a live data directory: checkpoint the WAL into defter.db, then copy the files."""
    db = os.path.join(src_dir, "defter.db")
    for _ in range(50):
        con = sqlite3.connect(db, timeout=10)
        try:
            busy, _log, _done = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            con.close()
        if busy == 0:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("WAL checkpoint stayed busy")
    dst = h.tmpdir(name)
    for f in ("defter.db", "defter.conf", "demo-logins.txt"):
        shutil.copy2(os.path.join(src_dir, f), os.path.join(dst, f))
    wal = os.path.join(src_dir, "defter.db-wal")
    check(not os.path.exists(wal) or os.path.getsize(wal) == 0, "WAL not empty after the checkpoint")
    return dst


def _verify(h, data_dir):
    p = h.cli("audit", "verify", "--data", data_dir)
    return p.returncode, p.stdout + p.stderr


def _create_row(h, prefix):
    uid, name, _ = h.create_user(username=h.uniq(prefix), role="teknik", unit="YBY")
    rows = h.as_user("admin").get_json(f"/api/v1/audit?entity=user&entity_id={uid}&action=create")["items"]
    eq(len(rows), 1, f"create rows of {name}")
    return rows[0]["id"], name


def test_audit_verify_intact_after_activity(h):
    h.create_user(role="personel", unit="ASD")
    h.client(source=h.fresh_source()).login("sef", "Wrong-password-1")
    h.login("sef").post("/api/v1/auth/logout")
    den = h.as_user("denetci")  # signed in before the count
    rc, out = _verify(h, h.server.data_dir)  # while the server runs
    eq(rc, 0, f"audit verify exit status ({out.strip()})")
    m = re.search(r"intact: (\d+)", out)
    check(m, f"audit verify output: {out!r}")
    api = den.get_json("/api/v1/audit/verify")
    eq(api["ok"], True, "API verify ok")
    eq(api["rows"], int(m.group(1)), "rows counted by the API vs the CLI")
    check("first_bad_row" not in api, f"API verify of an intact chain: {api}")
    page = den.get("/audit")
    expect_status(page, 200)
    m = re.search(r'id="chain-status" class="([^"]+)"', page.text)
    check(m and "alert" not in m.group(1), f"/audit chain status: {m and m.group(0)}")


def test_audit_tamper_update_detected(h):
    row, name = _create_row(h, "tamp")
    h.as_user("admin").get("/api/v1/users")  # some later traffic
    copy = _copy_data(h, h.server.data_dir)
    rc, out = _verify(h, copy)
    eq(rc, 0, f"verify of the untouched copy ({out.strip()})")
    con = sqlite3.connect(os.path.join(copy, "defter.db"))
    n = con.execute("UPDATE audit_log SET after_json = replace(after_json, ?, ?) WHERE id = ?",
                    (name, name + "x", row)).rowcount
    con.commit()
    con.close()
    eq(n, 1, "rows updated")
    rc, out = _verify(h, copy)
    eq(rc, 1, f"verify after UPDATE of row {row} ({out.strip()})")
    check(re.search(r"first broken row %d\b" % row, out), f"verify does not name row {row}: {out.strip()}")
    # the API and the page of a server on the tampered copy say the same
    s = h.new_server(data=copy, name="tampered")
    a = h.login("denetci", server=s)
    v = a.get_json("/api/v1/audit/verify")
    eq((v["ok"], v.get("first_bad_row")), (False, row), f"API verify of the tampered copy {v}")
    page = a.get("/audit").text
    check(re.search(r'id="chain-status" class="alert"', page), "the /audit page does not show the broken chain")
    problems = s.stop()
    check(not problems, "; ".join(problems))


def test_audit_deleted_row_detected(h):
    row, _ = _create_row(h, "del")
    h.create_user(role="teknik", unit="YBY")
    copy = _copy_data(h, h.server.data_dir)
    con = sqlite3.connect(os.path.join(copy, "defter.db"))
    con.execute("DELETE FROM audit_log WHERE id = ?", (row,))
    con.commit()
    con.close()
    rc, out = _verify(h, copy)
    eq(rc, 1, f"verify after deleting row {row} ({out.strip()})")
    check(re.search(r"first broken row %d\b" % (row + 1), out), f"verify does not name row {row + 1}: {out.strip()}")


def test_audit_raw_byte_flip_detected(h):
    row, name = _create_row(h, "zqraw")
    copy = _copy_data(h, h.server.data_dir)
    path = os.path.join(copy, "defter.db")
    with open(path, "rb") as f:
        data = bytearray(f.read())
    needle = b'"username":"' + name.encode() + b'"'  # only the audit row's after_json has this
    at = data.find(needle)
    check(at >= 0, f"{needle!r} not found in the checkpointed defter.db")
    eq(data.count(needle), 1, f"occurrences of {needle!r}")
    pos = at + len(needle) - 2  # the last character of the user name
    data[pos] ^= 0x01
    with open(path, "wb") as f:
        f.write(data)
    rc, out = _verify(h, copy)
    check(rc != 0, f"verify of a byte-flipped copy exited 0: {out.strip()}")
    check("BROKEN" in out or "bozuk" in out.lower(), f"verify output does not say broken: {out.strip()}")


def test_audit_filters(h):
    uid, name, pw = h.create_user(role="teknik", unit="TAB")
    h.login(name, pw)
    a = h.as_user("denetci")

    def items(q):
        return a.get_json(f"/api/v1/audit?{q}&limit=500")["items"]

    rows = items("actor=admin&action=create&entity=user")
    check(rows, "no rows for actor=admin&action=create&entity=user")
    check(all((r["actor"], r["action"], r["entity"]) == ("admin", "create", "user") for r in rows),
          f"filtered rows that do not match: {rows[:3]}")
    check(any(r["entity_id"] == str(uid) for r in rows), f"the create row of {uid} is missing")
    one = items(f"entity=user&entity_id={uid}")
    eq(sorted(r["action"] for r in one), ["create", "grant"], f"rows of user {uid}")
    logins = items(f"actor={name}")
    eq([(r["action"], r["entity"], r["entity_id"]) for r in logins], [("login", "login", name)],
       f"rows whose actor is {name}")
    eq(items("actor=nobody-at-all"), [], "unknown actor")
    eq(items("action=login&entity=user"), [], "action and entity that never meet")
    today = time.strftime("%Y-%m-%d", time.gmtime())
    yday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
    later = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
    check(any(r["entity_id"] == str(uid) for r in items(f"entity=user&from={yday}&to={today}")),
          "a row of today is missing from from=yesterday&to=today")
    eq(items(f"entity=user&from={later}"), [], "rows from the day after tomorrow")
    eq(items("entity=user&from=2001-01-01&to=2001-01-31"), [], "rows of 2001")
    for bad in ("from=yesterday", "to=2026-13-45", "from=31.01.2026"):
        expect_error(a.get(f"/api/v1/audit?{bad}"), 400, "validation", f"GET /api/v1/audit?{bad}")


def test_audit_paging(h):
    a = h.as_user("denetci")
    src = h.fresh_source()
    for i in range(4):  # a few more rows
        h.client(source=src).login(h.uniq("pg"), "Wrong-password-1")
    full = a.get_json("/api/v1/audit?entity=login&limit=500")
    check(full["next_cursor"] is None, "more than 500 login rows; the test needs a smaller set")
    want = [r["id"] for r in full["items"]]
    check(len(want) >= 8, f"too few rows to page: {len(want)}")
    check(want == sorted(want, reverse=True), "audit rows are not newest first")
    got, cursor, pages = [], None, 0
    while True:
        body = a.get_json("/api/v1/audit?entity=login&limit=3" + (f"&cursor={cursor}" if cursor else ""))
        check(len(body["items"]) <= 3, "page larger than the limit")
        got += [r["id"] for r in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        check(pages < 500, "paging does not end")
        if cursor is None:
            break
    check(len(got) == len(set(got)), f"duplicates across pages: {got}")
    eq(got, want, "ids walked page by page")
    # the page version pages too
    page = a.get("/audit?limit=2&entity=login").text
    m = re.search(r'href="/audit\?cursor=(\d+)&amp;entity=login"', page)
    check(m, "/audit?limit=2 has no link to older entries keeping the filter")
    for bad in ("limit=0", "limit=x", "cursor=x"):
        expect_error(a.get(f"/api/v1/audit?{bad}"), 400, "validation", f"GET /api/v1/audit?{bad}")


def test_audit_entity_id_is_canonical(h):
    uid, _, _ = h.create_user(role="teknik", unit="YBY")
    admin = h.as_user("admin")
    r = admin.post(f"/api/v1/users/00{uid}/grants", {"role": "teknik", "unit": "SNB"})
    expect_status(r, 200, f"grant through /api/v1/users/00{uid}/grants")
    eq(r.json()["id"], uid, "user of the grant")
    rows = admin.get_json(f"/api/v1/audit?entity=user&action=grant&entity_id={uid}")["items"]
    units = sorted(x["after"]["unit"] for x in rows)
    eq(units, ["SNB", "YBY"], f"grant rows found with entity_id={uid} (the row of /users/00{uid} must be one of them)")
