"""The privileged credentials vault (issue 7 §6): secrets sealed at rest
(the secret's bytes are nowhere in defter.db or its WAL), reveals only with
vault.reveal on the entry's unit and a stated reason, every reveal and
every refused reveal in the audit trail (never the secret), key rotation
by `defter vault rotate-key` that keeps every secret readable and changes
every ciphertext, break-glass by the manager that mails the admins and
marks the entry "rotate now", and rotation reminders through a real SMTP
server (aiosmtpd)."""
import os
import sqlite3
import stat
import time

from harness import check, eq, expect_error, expect_status
from mailpeers import SmtpPeer

FROM = "bilgiislem@eyupsultan.bel.tr"


def _db(server):
    return sqlite3.connect(os.path.join(server.data_dir, "defter.db"), timeout=15)


def _setup(h, smtp=None):
    data = h.init_data("vault")
    if smtp:
        with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
            f.write(f"\n[mail]\nsmtp_url = {smtp.url}\nfrom = {FROM}\nbase_url = http://defter.example\n")
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    with con:
        con.execute("UPDATE users SET email = username || '@eyupsultan.bel.tr'")
        con.execute("UPDATE org_people SET email = 'kisi' || id || '@eyupsultan.bel.tr'")
    con.close()
    return h.new_server(data=data)


def _person_of(server, username):
    """The person record linked to a demo account and that person's unit."""
    with _db(server) as con:
        row = con.execute("SELECT p.id, p.unit_id, p.email FROM org_people p JOIN users u ON u.id = p.user_id"
                          " WHERE u.username = ?", (username,)).fetchone()
    check(row is not None, f"no person linked to {username}")
    return row


def _entry(client, owner, secret, **kw):
    body = {"system": kw.pop("system", "srv-db01.eyupsultan.local"), "account": kw.pop("account", "root"),
            "kind": kw.pop("kind", "sunucu"), "owner": owner, "secret": secret}
    body.update(kw)
    r = client.post("/api/v1/vault/entries", body)
    expect_status(r, 201, "create a vault entry")
    e = r.json()
    check("secret" not in e and secret not in r.text, "the create reply carries the secret")
    return e


def _audit(server, action, entity_id):
    with _db(server) as con:
        return con.execute("SELECT actor, before_json, after_json FROM audit_log WHERE action = ? AND entity = 'vault.entry'"
                           " AND entity_id = ? ORDER BY id", (action, str(entity_id))).fetchall()


def _all_bytes(server):
    out = b""
    for name in ("defter.db", "defter.db-wal"):
        p = os.path.join(server.data_dir, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                out += f.read()
    return out


def test_vault_sealed_and_reveal(h):
    s = _setup(h)
    key = os.path.join(s.data_dir, "vault.key")
    check(os.path.exists(key), "defter init made no vault.key")
    eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "vault.key mode")
    eq(os.path.getsize(key), 32, "vault.key size")
    mudur = h.login("mudur", server=s)
    tek = h.login("teknik", server=s)
    owner, unit, _ = _person_of(s, "teknik")
    secret = "Kasa-Sifre-" + h.uniq("z") + "-Çğış"
    e = _entry(mudur, owner, secret, rotate_every_days=90, notes="Yedek sunucusu")
    eq((e["owner"]["id"], e["unit"]["id"], e["kind"], e["sealed"]), (owner, unit, "sunucu", False), "entry")
    check(e["rotate_due"] is not None, "a rotation due date")
    # sealed at rest: not in the database file, not in its WAL, not in the list
    raw = _all_bytes(s)
    check(secret.encode() not in raw, "the secret is in defter.db in clear")
    with open(key, "rb") as f:
        check(f.read() not in raw, "the vault key is in defter.db")
    lst = tek.get("/api/v1/vault/entries")
    expect_status(lst, 200, "list")
    check(secret not in lst.text and any(x["id"] == e["id"] for x in lst.json()["items"]), "list")
    check(secret not in tek.get(f"/api/v1/vault/entries/{e['id']}").text, "entry reply carries the secret")
    # a reveal needs a reason
    expect_error(tek.post(f"/api/v1/vault/entries/{e['id']}/reveal", {}), 400, "validation", "no reason")
    expect_error(tek.post(f"/api/v1/vault/entries/{e['id']}/reveal", {"reason": "x", "other": 1}), 400, "validation",
                 "unknown field")
    r = tek.post(f"/api/v1/vault/entries/{e['id']}/reveal", {"reason": "Yedekleme hatası inceleniyor"})
    expect_status(r, 200, "reveal")
    eq(r.json()["secret"], secret, "revealed secret")
    check("no-store" in r.header("Cache-Control", ""), f"Cache-Control {r.header('Cache-Control')!r}")
    rows = _audit(s, "reveal", e["id"])
    eq(len(rows), 1, "one reveal audit row")
    eq(rows[0][0], "teknik", "revealed by")
    check("Yedekleme hatası inceleniyor" in rows[0][2], "the reason is audited")
    # refused reveals: 403 and audited (employee, auditor)
    for who in ("personel", "denetci"):
        c = h.login(who, server=s)
        expect_error(c.post(f"/api/v1/vault/entries/{e['id']}/reveal", {"reason": "merak"}), 403, "forbidden",
                     f"{who} reveal")
        check(any(a == who for a, _, _ in _audit(s, "reveal_denied", e["id"])), f"{who}'s refused reveal not audited")
    # the secret is in no audit row and in no server log line
    with _db(s) as con:
        for b, a in con.execute("SELECT COALESCE(before_json, ''), COALESCE(after_json, '') FROM audit_log"):
            check(secret not in b and secret not in a, "the secret is in the audit trail")
    with open(s.log_path, encoding="utf-8", errors="replace") as f:
        check(secret not in f.read(), "the secret is in the server log")
    # the page shows the reveal log with the reason, never the secret
    page = tek.get(f"/vault/{e['id']}")
    expect_status(page, 200, "entry page")
    check("Yedekleme hatası inceleniyor" in page.text and secret not in page.text, "entry page")
    # and the reveal form shows it once, uncached
    form = tek.post_form(f"/vault/{e['id']}/reveal", {"_csrf": tek.csrf, "reason": "Sayfadan bakış"})
    expect_status(form, 200, "reveal form")
    check(f'<code id="secret">{secret}</code>' in form.text, "the reveal page shows the secret")
    check("no-store" in form.header("Cache-Control", ""), "reveal page cached")


def test_vault_bad_input(h):
    s = _setup(h)
    mudur = h.login("mudur", server=s)
    owner, _, _ = _person_of(s, "teknik")
    base = {"system": "sw-core", "account": "admin", "kind": "ag", "owner": owner, "secret": "x1"}
    for patch, field in ((dict(kind="yazici"), "kind"), (dict(owner=999999), "owner"),
                         (dict(rotate_every_days=-1), "rotate_every_days"), (dict(secret=""), "secret"),
                         (dict(system="  "), "system"), (dict(secret="a" * 5000), None), (dict(unit=999999), "unit")):
        body = dict(base, **patch)
        r = mudur.post("/api/v1/vault/entries", body)
        err = expect_error(r, 400, "validation", f"bad {patch}")
        if field:
            check(field in (err.get("fields") or {}), f"{patch}: field {field} named in {err}")
    expect_error(mudur.get("/api/v1/vault/entries/999999"), 404, "not_found", "missing entry")
    expect_error(mudur.post("/api/v1/vault/entries/999999/reveal", {"reason": "abc"}), 404, "not_found", "missing")
    expect_error(mudur.get("/api/v1/vault/entries?overdue=1&owner=abc"), 400, "validation", "bad owner filter")
    # a data directory made before the vault existed (no key file, nothing sealed): the first entry makes the key
    key = os.path.join(s.data_dir, "vault.key")
    os.unlink(key)
    r = mudur.post("/api/v1/vault/entries", dict(base, system="sw-ilk"))
    expect_status(r, 201, "first entry without a key file")
    eq(os.path.getsize(key), 32, "key file made")
    eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "key file mode")
    # with entries sealed, a lost key file is not silently replaced
    os.rename(key, key + ".lost")
    expect_error(mudur.post("/api/v1/vault/entries", dict(base, system="sw-iki")), 409, "vault_key", "key lost")
    check(not os.path.exists(key), "a lost key was replaced by a new one")
    os.rename(key + ".lost", key)
    emp = h.login("personel", server=s)
    expect_error(emp.post("/api/v1/vault/entries", base), 403, "forbidden", "employee adds")
    expect_error(emp.get("/api/v1/vault/entries"), 403, "forbidden", "employee lists")
    with _db(s) as con:
        eq(con.execute("SELECT COUNT(*) FROM vault_entries").fetchone()[0], 1, "nothing written by bad input")


def test_vault_key_rotation(h):
    s = _setup(h)
    mudur = h.login("mudur", server=s)
    owner, _, _ = _person_of(s, "teknik")
    secrets = {}
    for i in range(3):
        sec = f"Gizli-{i}-" + h.uniq("k")
        secrets[_entry(mudur, owner, sec, system=f"srv-{i}")["id"]] = sec
    with _db(s) as con:
        before = dict(con.execute("SELECT id, key_id || ':' || box FROM vault_entries").fetchall())
    key = os.path.join(s.data_dir, "vault.key")
    with open(key, "rb") as f:
        old_key = f.read()
    p = h.cli("vault", "rotate-key", "--data", s.data_dir)
    eq(p.returncode, 0, f"rotate-key ({p.stderr[-300:]})")
    check("3" in p.stdout, f"rotate-key output {p.stdout!r}")
    with open(key, "rb") as f:
        new_key = f.read()
    check(len(new_key) == 32 and new_key != old_key, "a new key")
    eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "new key mode")
    check(not os.path.exists(key + ".old"), "vault.key.old left behind")
    with _db(s) as con:
        after = dict(con.execute("SELECT id, key_id || ':' || box FROM vault_entries").fetchall())
        eq(con.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'rekey'").fetchone()[0], 3, "rekey audit rows")
    for i, v in before.items():
        check(after[i] != v, f"entry {i}: ciphertext unchanged")
        check(after[i].split(":")[0] != v.split(":")[0], f"entry {i}: key id unchanged")
    tek = h.login("teknik", server=s)
    for i, sec in secrets.items():  # the running server reads the new key
        r = tek.post(f"/api/v1/vault/entries/{i}/reveal", {"reason": "Anahtar yenileme denetimi"})
        expect_status(r, 200, "reveal after rotation")
        eq(r.json()["secret"], sec, "secret after rotation")
    # the coverage report counts the vault's entries and reveals for its duties (Md.22/2-g)
    cov = mudur.get_json("/api/v1/org/coverage")
    figs = [d["figures"]["vault"] for d in cov["duties"] if "vault" in d.get("figures", {})]
    check(figs and figs[0]["entries"] == 3 and figs[0]["reveals"] == 3, f"vault figures {figs[:1]}")
    # an interrupted rotation (the old key still beside the new one) is finished by a second run
    with open(key, "rb") as f:
        cur = f.read()
    with open(key + ".old", "wb") as f:
        f.write(cur)
    os.chmod(key + ".old", 0o600)
    p = h.cli("vault", "rotate-key", "--data", s.data_dir)
    eq(p.returncode, 0, f"second rotate-key ({p.stderr[-300:]})")
    for i, sec in secrets.items():
        eq(tek.post(f"/api/v1/vault/entries/{i}/reveal", {"reason": "İkinci yenileme"}).json().get("secret"), sec,
           "secret after the second rotation")
    # without its key file the vault refuses cleanly (no 500)
    os.rename(key, key + ".moved")
    try:
        r = tek.post(f"/api/v1/vault/entries/{next(iter(secrets))}/reveal", {"reason": "Anahtar yok"})
        expect_error(r, 409, "vault_key", "reveal without the key file")
    finally:
        os.rename(key + ".moved", key)


def test_vault_breakglass_and_reminders(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        s = _setup(h, smtp)
        mudur = h.login("mudur", server=s)
        tek = h.login("teknik", server=s)
        owner, _, owner_mail = _person_of(s, "teknik")
        secret = "Acil-" + h.uniq("b")
        e = _entry(mudur, owner, secret, system="fw-01", kind="ag", sealed=True)
        check(e["sealed"], "sealed")
        expect_error(tek.post(f"/api/v1/vault/entries/{e['id']}/reveal", {"reason": "deneme"}), 409, "sealed",
                     "a sealed entry is not revealed")
        expect_error(tek.post(f"/api/v1/vault/entries/{e['id']}/breakglass", {"reason": "deneme"}), 403, "forbidden",
                     "break-glass by a technician")
        check(_audit(s, "breakglass_denied", e["id"]), "refused break-glass not audited")
        expect_error(mudur.post(f"/api/v1/vault/entries/{e['id']}/breakglass", {}), 400, "validation", "no reason")
        r = mudur.post(f"/api/v1/vault/entries/{e['id']}/breakglass", {"reason": "Güvenlik duvarı kilitlendi"})
        expect_status(r, 200, "break-glass")
        eq(r.json()["secret"], secret, "break-glass secret")
        check("no-store" in r.header("Cache-Control", ""), "break-glass reply cached")
        got = tek.get_json(f"/api/v1/vault/entries/{e['id']}")
        check(got["rotate_now"] and got["overdue"], f"seal broken, rotate now: {got}")
        eq(got["reveals"][0]["kind"], "breakglass", "break-glass in the reveal log")
        check(_audit(s, "breakglass", e["id"]), "break-glass audited")
        # the admins hear of it: the technician (vault.manage on the unit) and the responsible admin
        for to in ("teknik@eyupsultan.bel.tr", owner_mail):
            m = smtp.wait_for(lambda m, to=to: m["X-RcptTo"] == to and "fw-01" in str(m["Subject"]))
            check("Güvenlik duvarı kilitlendi" in m.get_content() and secret not in m.get_content(), "break-glass mail")
        # a technician may not unseal it (that would bypass break-glass)
        r = tek.request("PATCH", f"/api/v1/vault/entries/{e['id']}", json_body={"sealed": False}, csrf=True)
        expect_error(r, 403, "forbidden", "unseal by a technician")
        # rotating restores the seal
        r = tek.post(f"/api/v1/vault/entries/{e['id']}/rotate", {"secret": secret + "-yeni", "note": "Değiştirildi"})
        expect_status(r, 200, "rotate")
        check(not r.json()["rotate_now"], "seal restored")
        # rotation reminders: due in 5 days -> the 7-day mail to the owner, once
        e2 = _entry(mudur, owner, "R-" + h.uniq("r"), system="app-ebys", kind="uygulama", rotate_every_days=5)
        for _ in range(2):
            p = h.cli("jobs", "run", "vault.remind", "--data", s.data_dir)
            eq(p.returncode, 0, f"vault.remind ({p.stderr[-300:]})")
        p = h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
        m = smtp.wait_for(lambda m: m["X-RcptTo"] == owner_mail and "app-ebys" in str(m["Subject"]))
        check(f"/vault/{e2['id']}" in m.get_content(), "reminder links the entry")
        n = sum(1 for m in smtp.messages() if "app-ebys" in str(m["Subject"]))
        eq(n, 1, "the seven-day reminder is sent once")
        # overdue: the due mail, and the entry on the overdue list
        with _db(s) as con:
            con.execute("UPDATE vault_entries SET rotated_at = rotated_at - 10 * 86400, rotate_due = rotate_due - 10 * 86400"
                        " WHERE id = ?", (e2["id"],))
        p = h.cli("jobs", "run", "vault.remind", "--data", s.data_dir)
        h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
        deadline = time.time() + 15
        while sum(1 for m in smtp.messages() if "app-ebys" in str(m["Subject"])) < 2 and time.time() < deadline:
            time.sleep(0.1)
        eq(sum(1 for m in smtp.messages() if "app-ebys" in str(m["Subject"])), 2, "the due mail, once")
        overdue = mudur.get_json("/api/v1/vault/entries?overdue=1")["items"]
        check(any(x["id"] == e2["id"] for x in overdue), "overdue list")
        page = mudur.get("/vault")
        check('id="vault-overdue"' in page.text and "app-ebys" in page.text, "overdue on the page")
        # handover: ownership moves to another person, audited
        other, _, _ = _person_of(s, "sef")
        r = mudur.request("PATCH", f"/api/v1/vault/entries/{e2['id']}", json_body={"owner": other}, csrf=True)
        expect_status(r, 200, "transfer")
        eq(r.json()["owner"]["id"], other, "new owner")
        check(_audit(s, "update", e2["id"]), "transfer audited")
