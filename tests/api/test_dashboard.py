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
