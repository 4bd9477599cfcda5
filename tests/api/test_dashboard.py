"""Dashboard cards of the access, vault, e-signature and access-log
modules: each shows only to those with the permission, and its number
follows the data (a new request, a password past its rotation date)."""
import re

from harness import check, eq, expect_status
from test_access import _db, _people, _system, _role


def _card(page, href):
    m = re.search(r'<a class="stat card" href="%s"><span class="num">(\d+)</span>' % re.escape(href), page)
    return int(m.group(1)) if m else None


def test_dashboard_cards_follow_the_data(h):
    mudur = h.as_user("mudur")
    page = mudur.get("/").text
    before = _card(page, "/access")
    check(before is not None, "mudur sees the access requests card")
    check(_card(page, "/vault") is not None, "mudur sees the vault card")
    check(_card(page, "/esign") is not None, "mudur sees the e-signature card")
    personel = h.as_user("personel").get("/").text
    for href in ("/access", "/vault", "/esign", "/netlog"):
        eq(_card(personel, href), None, f"personel has no {href} card")
    check(_card(h.as_user("kayit").get("/").text, "/netlog") is not None, "the log officer sees the alarms card")

    # A new request moves the access card by one.
    person = _people(h, "YBY")[0]
    system = _system(h, "EBYS")
    r = h.as_user("sef").post("/api/v1/access/requests", {"person": person, "system": system["id"],
                                                           "role": system["roles"][0]["id"], "reason": "Pano testi"})
    expect_status(r, 201, "sef requests access")
    eq(_card(mudur.get("/").text, "/access"), before + 1, "one more request in progress")

    # A password past its rotation date shows on the vault card.
    due = _card(mudur.get("/").text, "/vault")
    with _db(h.server) as con:
        n = con.execute("SELECT COUNT(*) FROM vault_entries WHERE seal_broken_at IS NULL"
                        " AND (rotate_due IS NULL OR rotate_due > strftime('%s','now'))").fetchone()[0]
    if n == 0:
        from test_vault import _entry, _person_of
        _entry(mudur, _person_of(h.server, "mudur")[0], "Gizli-Parola-123", system="pano.eyupsultan.local")
        expect_status(r, 201, "a vault entry")
    with _db(h.server, write=True) as con:
        row = con.execute("SELECT id FROM vault_entries WHERE seal_broken_at IS NULL AND"
                          " (rotate_due IS NULL OR rotate_due > strftime('%s','now')) LIMIT 1").fetchone()
        con.execute("UPDATE vault_entries SET rotate_due = strftime('%s','now') - 86400 WHERE id = ?", (row[0],))
    eq(_card(mudur.get("/").text, "/vault"), due + 1, "one more password to rotate")


def test_dashboard_assets_cards(h):
    """The assets cards: the review queue for those who manage assets, and
    for a board (kurul) member the link to the count they sit on, even
    without the count permission."""
    from test_asset_counts import _open
    from test_inventory import _post, _xml, _inventory
    import os
    import zlib
    mudur = h.as_user("mudur")
    before = _card(mudur.get("/").text, "/assets?review=1")
    check(before is not None, "mudur sees the review queue card")
    mac = "52:54:00:%02x:%02x:%02x" % tuple(os.urandom(3))
    expect_status(_post(h, zlib.compress(_xml(h.uniq("dev-dash"), "INVENTORY",
                                              _inventory(8192, mac, h.uniq("dashpc"))))), 200, "an agent finds a PC")
    eq(_card(mudur.get("/").text, "/assets?review=1"), before + 1, "one more asset waiting for review")
    eq(_card(h.as_user("personel").get("/").text, "/assets?review=1"), None, "personel has no review card")
    with _db(h.server) as con:
        pid, uname = con.execute("SELECT p.id, u.username FROM org_people p JOIN users u ON u.id = p.user_id"
                                 " WHERE u.username = 'personel'").fetchone()
    from test_asset_counts import _people
    people = [pid] + [p for p in _people(h) if p != pid][:2]
    r = _open(h, kurul=people, kayit_yetkilisi=people[1], building=h.uniq("Pano Binası "))
    expect_status(r, 201, "a count with personel on its board")
    cid = r.json()["id"]
    page = h.as_user("personel").get("/").text
    m = re.search(r'<a class="stat card" href="/assets/counts/(\d+)"><span class="num">(\d+)</span>', page)
    check(m, "personel sees the count card")
    eq(int(m.group(1)), cid, "the card links the newest count")
    expect_status(h.as_user("personel").get(f"/assets/counts/{cid}/scan"), 200, "and may scan in it")
