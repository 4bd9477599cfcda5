"""Consumables stock (issue 5, point 4): items with a taşınır kodu of the
150 account and a unit of measure, depots with their responsible person,
the append-only ledger (giriş with supplier, VKN and unit price; çıkış to a
unit, optionally a person and a ticket; devir; sayım düzeltme; correction
by a reverse movement), stock on hand that never goes negative (409
"Yetersiz stok"), two exits racing for the last unit (threads: exactly one
wins), minimum-level alerts mailed once per crossing (real SMTP server,
aiosmtpd), the monthly consumption by unit with its XLSX (parsed back) and
PDF (pdftotext), bad input and permissions.

Demo users on the eyupsultan preset: mudur (yonetici, root), teknik
(teknik, YBY), denetci (denetci, root), personel (personel, ASD)."""
import io
import os
import sqlite3
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
import zipfile

from harness import check, eq, expect_error, expect_status
from mailpeers import SmtpPeer

FROM = "bilgiislem@eyupsultan.bel.tr"
STOCK_MAIL = "ambar@eyupsultan.bel.tr"


def _db(server, write=False):
    path = os.path.join(server.data_dir, "defter.db")
    if write:
        return sqlite3.connect(path, timeout=15)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=15)


def _item(c, h, status=201, **kw):
    body = {"name": h.uniq("Toner "), "category": "toner", "uom": "adet"}
    body.update(kw)
    r = c.post("/api/v1/stock/items", body)
    expect_status(r, status, f"item {body}")
    return r.json()


def _depot(c, h, unit="YBY", status=201, **kw):
    body = {"name": h.uniq("Ambar "), "unit": unit}
    body.update(kw)
    r = c.post("/api/v1/stock/depots", body)
    expect_status(r, status, f"depot {body}")
    return r.json()


def _mv(c, status=201, **body):
    r = c.post("/api/v1/stock/movements", body)
    expect_status(r, status, f"movement {body}")
    return r.json()


def _on_hand(c, item, depot):
    it = c.get_json(f"/api/v1/stock/items/{item}")
    for x in it["on_hand"]:
        if x["depot_id"] == depot:
            return x["qty"]
    return 0


def test_stock_items_and_depots(h):
    m = h.as_user("mudur")
    it = _item(m, h, code="150.01.02", compatible="HP LaserJet M404, M428", uom="kutu")
    eq((it["code"], it["uom"], it["active"], it["total"], it["on_hand"]), ("150.01.02", "kutu", True, 0, []),
       "a new item")
    eq(it["compatible"], "HP LaserJet M404, M428", "compatible models kept")
    # taşınır kodu of the 150 account only, a known unit of measure, a name
    r = m.post("/api/v1/stock/items", {"name": h.uniq("X"), "category": "kablo", "uom": "adet", "code": "255.01.02"})
    expect_error(r, 400, "validation", "a 255 code is not a consumable")
    check("code" in r.json()["error"]["fields"], "the code field is named")
    r = m.post("/api/v1/stock/items", {"name": h.uniq("X"), "category": "kablo", "uom": "litre", "code": "150.1"})
    expect_error(r, 400, "validation", "bad uom and code")
    eq(sorted(r.json()["error"]["fields"]), ["code", "uom"], "both fields named")
    r = m.post("/api/v1/stock/items", {"category": "kablo", "uom": "adet"})
    expect_error(r, 400, "validation", "no name")
    check("name" in r.json()["error"]["fields"], "name named")
    r = m.post("/api/v1/stock/items", {"name": it["name"], "category": "toner", "uom": "adet"})
    expect_error(r, 409, "conflict", "the same name twice")
    r = m.post("/api/v1/stock/items", {"name": h.uniq("X"), "category": "toner", "uom": "adet", "colour": "red"})
    expect_error(r, 400, "validation", "an unknown field")
    # change and search
    r = m.request("PATCH", f"/api/v1/stock/items/{it['id']}", json_body={"compatible": "Canon i-SENSYS"}, csrf=True)
    expect_status(r, 200, "patch an item")
    eq(r.json()["compatible"], "Canon i-SENSYS", "changed")
    found = m.get_json("/api/v1/stock/items?q=i-sensys&limit=200")["items"]
    check(it["id"] in [x["id"] for x in found], "found by its compatible model")
    # depots: unit and responsible person
    with _db(h.server) as con:
        person = con.execute("SELECT id, name FROM org_people WHERE active = 1 ORDER BY id LIMIT 1").fetchone()
    d = _depot(m, h, responsible=person[0])
    eq((d["unit"]["code"], d["responsible"]["id"], d["active"]), ("YBY", person[0], True), "a depot")
    expect_error(m.post("/api/v1/stock/depots", {"name": h.uniq("A"), "unit": "NOPE"}), 400, "validation",
                 "unknown unit")
    expect_error(m.post("/api/v1/stock/depots", {"name": d["name"], "unit": "YBY"}), 409, "conflict", "same name")
    expect_error(m.post("/api/v1/stock/depots", {"name": h.uniq("A"), "unit": "YBY", "responsible": 999999}), 400,
                 "validation", "unknown person")
    check(d["id"] in [x["id"] for x in m.get_json("/api/v1/stock/depots")["items"]], "listed")
    # audited
    audit = h.as_user("admin").get_json(f"/api/v1/audit?entity=stock_item&entity_id={it['id']}")
    eq(sorted(a["action"] for a in audit["items"]), ["stock.item.create", "stock.item.update"], "item audit")


def test_stock_in_out_transfer_count_and_reverse(h):
    m = h.as_user("mudur")
    it = _item(m, h)
    a, b = _depot(m, h), _depot(m, h, unit="ASD")
    with _db(h.server) as con:
        person = con.execute("SELECT id FROM org_people WHERE active = 1 ORDER BY id LIMIT 1").fetchone()[0]
    g = _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=10, unit_price=125050, supplier="Ofis A.Ş.",
            supplier_vkn="1234567890", invoice_no="ABC2026000123")
    eq((g["change"], g["value_kurus"], g["on_hand"], g["supplier_vkn"]), (10, 1250500, 10, "1234567890"), "giriş")
    out = _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=3, unit="ASD", person=person, ticket=42,
              note="Muhasebe yazıcısı")
    eq((out["change"], out["quantity"], out["value_kurus"], out["on_hand"]), (-3, 3, -375150, 7), "çıkış")
    eq((out["unit"]["code"], out["person"]["id"], out["ticket_id"]), ("ASD", person, 42), "çıkış links")
    t = _mv(m, kind="devir", item=it["id"], depot=a["id"], to_depot=b["id"], quantity=2)
    eq((t["on_hand"], t["to_depot"]["id"]), (5, b["id"]), "devir")
    eq((_on_hand(m, it["id"], a["id"]), _on_hand(m, it["id"], b["id"])), (5, 2), "on hand after the transfer")
    eq(m.get_json(f"/api/v1/stock/items/{it['id']}")["total"], 7, "total on hand")
    # an exit beyond the stock: 409, nothing written
    r = m.post("/api/v1/stock/movements", {"kind": "cikis", "item": it["id"], "depot": a["id"], "quantity": 6,
                                           "unit": "ASD"})
    expect_error(r, 409, "insufficient_stock", "exit beyond stock")
    check("5" in r.json()["error"]["message"], f"the message names what is on hand: {r.json()['error']}")
    eq(_on_hand(m, it["id"], a["id"]), 5, "unchanged after the refused exit")
    # count correction: counted 4 of 5
    s = _mv(m, kind="sayim", item=it["id"], depot=a["id"], counted=4)
    eq((s["change"], s["on_hand"]), (-1, 4), "sayım düzeltme")
    r = m.post("/api/v1/stock/movements", {"kind": "sayim", "item": it["id"], "depot": a["id"], "counted": 4})
    expect_error(r, 400, "validation", "a count equal to the stock")
    # correction by reversal; never twice; never a reversal of a reversal
    rev = m.post(f"/api/v1/stock/movements/{out['id']}/reverse", {"note": "Yanlış birim"})
    expect_status(rev, 201, "reverse the exit")
    rv = rev.json()
    eq((rv["kind"], rv["change"], rv["value_kurus"], rv["reverses_id"], rv["on_hand"]),
       ("cikis", 3, 375150, out["id"], 7), "the reverse movement")
    expect_error(m.post(f"/api/v1/stock/movements/{out['id']}/reverse", {}), 409, "already_reversed", "twice")
    expect_error(m.post(f"/api/v1/stock/movements/{rv['id']}/reverse", {}), 409, "is_reversal", "reverse a reverse")
    eq(m.get_json(f"/api/v1/stock/movements/{out['id']}")["reversed_by"], rv["id"], "the original points to it")
    # the ledger is append-only: no route changes or deletes a movement
    for method in ("PATCH", "DELETE", "PUT"):
        r = m.request(method, f"/api/v1/stock/movements/{out['id']}", json_body={}, csrf=True)
        eq(r.status, 405, f"{method} on a movement")
    ledger = m.get_json(f"/api/v1/stock/movements?item={it['id']}")["items"]
    eq([x["kind"] for x in ledger], ["cikis", "sayim", "devir", "cikis", "giris"], "the ledger, newest first")
    eq(sum(x["change"] for x in ledger if x["depot"]["id"] == a["id"]) - 2 * 0, 7, "the ledger adds up at A")
    # reversing the giriş now would take A below zero: refused
    _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=7, unit="YBY")
    r = m.post(f"/api/v1/stock/movements/{g['id']}/reverse", {})
    expect_error(r, 409, "insufficient_stock", "reversing a consumed receipt")
    with _db(h.server) as con:
        eq(con.execute("SELECT qty, value_kurus FROM stock_balances WHERE item_id = ? AND depot_id = ?",
                       (it["id"], a["id"])).fetchone(), (0, 0), "the balance row")
    # a transfer whose goods were used at the receiving depot cannot come back
    _mv(m, kind="cikis", item=it["id"], depot=b["id"], quantity=2, unit="ASD")
    r = m.post(f"/api/v1/stock/movements/{t['id']}/reverse", {})
    expect_error(r, 409, "insufficient_stock", "reversing a consumed transfer")
    check("0" in r.json()["error"]["message"], f"names the receiving depot's stock: {r.json()['error']}")
    eq((_on_hand(m, it["id"], a["id"]), _on_hand(m, it["id"], b["id"])), (0, 0), "nothing moved back")
    audit = h.as_user("admin").get_json(f"/api/v1/audit?entity=stock_movement&entity_id={out['id']}")
    eq([x["action"] for x in audit["items"]], ["stock.movement"], "movement audited")


def test_stock_bad_input(h):
    m = h.as_user("mudur")
    it = _item(m, h)
    a = _depot(m, h)
    cases = [
        ({"kind": "giris", "item": it["id"], "depot": a["id"], "quantity": 0, "unit_price": 1}, ["quantity"]),
        ({"kind": "giris", "item": it["id"], "depot": a["id"], "quantity": 1}, ["unit_price"]),
        ({"kind": "giris", "item": it["id"], "depot": a["id"], "quantity": 1, "unit_price": 5,
          "supplier_vkn": "1234567891"}, ["supplier_vkn"]),
        ({"kind": "giris", "item": it["id"], "depot": a["id"], "quantity": 1, "unit_price": 5, "unit": "YBY"},
         ["unit"]),
        ({"kind": "cikis", "item": it["id"], "depot": a["id"], "quantity": 1}, ["unit"]),
        ({"kind": "cikis", "item": 999999, "depot": 999999, "quantity": -2, "unit": "ZZZ"},
         ["depot", "item", "quantity", "unit"]),
        ({"kind": "devir", "item": it["id"], "depot": a["id"], "to_depot": a["id"], "quantity": 1}, ["to_depot"]),
        ({"kind": "sayim", "item": it["id"], "depot": a["id"]}, ["counted"]),
        ({"kind": "iade", "item": it["id"], "depot": a["id"]}, ["kind"]),
        ({"kind": "cikis", "item": it["id"], "depot": a["id"], "quantity": 1, "unit": "YBY", "date": "2026-13-40"},
         ["date"]),
        ({"kind": "cikis", "item": it["id"], "depot": a["id"], "quantity": "2", "unit": "YBY"}, ["quantity"]),
    ]
    for body, want in cases:
        r = m.post("/api/v1/stock/movements", body)
        expect_error(r, 400, "validation", f"bad movement {body}")
        eq(sorted(r.json()["error"]["fields"]), want, f"fields of {body}")
    expect_status(m.request("POST", "/api/v1/stock/movements", body=b"{not json", csrf=True,
                            headers={"Content-Type": "application/json"}), 400, "malformed JSON")
    eq(m.get_json(f"/api/v1/stock/movements?item={it['id']}")["items"], [], "nothing written")
    expect_error(m.get("/api/v1/stock/consumption?from=2026-1&to=2026-02"), 400, "validation", "bad month")
    expect_error(m.get("/api/v1/stock/consumption?from=2026-05&to=2026-02"), 400, "validation", "backwards")


def test_stock_permissions(h):
    m = h.as_user("mudur")
    it = _item(m, h)
    a = _depot(m, h)
    _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=2, unit_price=100)
    p = h.as_user("personel")
    for path in ("/api/v1/stock/items", f"/api/v1/stock/items/{it['id']}", "/api/v1/stock/depots",
                 "/api/v1/stock/movements", "/api/v1/stock/consumption", "/api/v1/stock/alerts"):
        expect_error(p.get(path), 403, "forbidden", f"personel GET {path}")
    expect_error(p.post("/api/v1/stock/movements", {"kind": "cikis", "item": it["id"], "depot": a["id"],
                                                     "quantity": 1, "unit": "ASD"}), 403, "forbidden",
                 "personel exit")
    expect_error(p.post("/api/v1/stock/items", {"name": "x", "category": "x", "uom": "adet"}), 403, "forbidden",
                 "personel item")
    eq(p.get("/stock").status, 403, "personel stock page")
    d = h.as_user("denetci")
    eq(d.get_json(f"/api/v1/stock/items/{it['id']}")["total"], 2, "the auditor reads")
    expect_error(d.post("/api/v1/stock/movements", {"kind": "cikis", "item": it["id"], "depot": a["id"],
                                                     "quantity": 1, "unit": "ASD"}), 403, "forbidden",
                 "the auditor does not move stock")
    eq(_on_hand(m, it["id"], a["id"]), 2, "nothing moved")
    # teknik (YBY) manages a YBY depot but not an ASD one
    t = h.as_user("teknik")
    asd = _depot(m, h, unit="ASD")
    _mv(m, kind="giris", item=it["id"], depot=asd["id"], quantity=2, unit_price=100)
    _mv(t, kind="cikis", item=it["id"], depot=a["id"], quantity=1, unit="YBY")
    r = t.post("/api/v1/stock/movements", {"kind": "cikis", "item": it["id"], "depot": asd["id"], "quantity": 1,
                                           "unit": "YBY"})
    expect_error(r, 400, "validation", "teknik does not see an ASD depot")
    eq(list(r.json()["error"]["fields"]), ["depot"], "the depot is unknown to teknik")
    eq(_on_hand(m, it["id"], asd["id"]), 2, "the ASD depot untouched")


def test_stock_race_for_the_last_unit(h):
    m = h.as_user("mudur")
    it = _item(m, h)
    a = _depot(m, h)
    _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=1, unit_price=999)
    clients = [h.login("mudur") for _ in range(6)]
    results = [None] * len(clients)
    start = threading.Barrier(len(clients))

    def run(i):
        start.wait()
        r = clients[i].post("/api/v1/stock/movements", {"kind": "cikis", "item": it["id"], "depot": a["id"],
                                                        "quantity": 1, "unit": "ASD"})
        results[i] = (r.status, r.error_code() if r.status != 201 else None)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for x in threads:
        x.start()
    for x in threads:
        x.join(60)
    statuses = sorted(s for s, _ in results)
    eq(statuses, [201] + [409] * (len(clients) - 1), "exactly one exit wins the last unit")
    check(all(c == "insufficient_stock" for s, c in results if s == 409), f"the losers: {results}")
    eq(_on_hand(m, it["id"], a["id"]), 0, "none left")
    exits = m.get_json(f"/api/v1/stock/movements?item={it['id']}&kind=cikis")["items"]
    eq(len(exits), 1, "one exit in the ledger")


def _value(c, item, depot):
    for x in c.get_json(f"/api/v1/stock/items/{item}")["on_hand"]:
        if x["depot_id"] == depot:
            return x["value_kurus"]
    return 0


def _lots_state(con):
    return (con.execute("SELECT id, item_id, depot_id, movement_id, seq, unit_price_kurus, qty_in, qty_left"
                        " FROM stock_lots ORDER BY id").fetchall(),
            con.execute("SELECT movement_id, lot_id, qty FROM stock_movement_lots ORDER BY movement_id, lot_id")
            .fetchall(),
            con.execute("SELECT item_id, depot_id, qty, value_kurus FROM stock_balances ORDER BY 1, 2").fetchall())


def test_stock_fifo_valuation_and_replay(h):
    """Taşınır Mal Yönetmeliği: consumables leave first in, first out."""
    s = h.new_server(name="fifo")
    m = h.login("mudur", server=s)
    it = _item(m, h)
    a, b = _depot(m, h), _depot(m, h)
    g1 = _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=10, unit_price=500)
    g2 = _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=10, unit_price=700)
    out = _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=15, unit="ASD")
    eq((out["value_kurus"], out["on_hand"]), (-8500, 5), "15 leave as 10 × 5,00 + 5 × 7,00 TL")
    eq(_value(m, it["id"], a["id"]), 3500, "5 × 7,00 TL remain")
    rv = m.post(f"/api/v1/stock/movements/{out['id']}/reverse", {})
    expect_status(rv, 201, "reverse the exit")
    eq((rv.json()["value_kurus"], rv.json()["on_hand"]), (8500, 20), "the reversal gives the same value back")
    eq(_value(m, it["id"], a["id"]), 12000, "back to 10 × 5,00 + 10 × 7,00 TL")
    t = _mv(m, kind="devir", item=it["id"], depot=a["id"], to_depot=b["id"], quantity=12)
    eq(t["value_kurus"], -6400, "the transfer: 10 × 5,00 + 2 × 7,00 TL")
    eq((_value(m, it["id"], b["id"]), _value(m, it["id"], a["id"])), (6400, 5600), "values at both depots")
    with _db(s) as con:
        lots = con.execute("SELECT seq, unit_price_kurus, qty_in, qty_left FROM stock_lots WHERE depot_id = ?"
                           " ORDER BY seq, id", (b["id"],)).fetchall()
    eq(lots, [(g1["id"], 500, 10, 10), (g2["id"], 700, 2, 2)], "the destination's lots keep price and entry order")
    # a later, cheaper receipt at B is taken after the transferred (older) lots
    _mv(m, kind="giris", item=it["id"], depot=b["id"], quantity=5, unit_price=100)
    x = _mv(m, kind="cikis", item=it["id"], depot=b["id"], quantity=11, unit="YBY")
    eq(x["value_kurus"], -5700, "10 × 5,00 + 1 × 7,00 TL, the new receipt untouched")
    # a count: the shortfall leaves FIFO, a surplus without a price takes the newest lot's
    c = _mv(m, kind="sayim", item=it["id"], depot=b["id"], counted=5)
    eq((c["change"], c["value_kurus"]), (-1, -700), "the missing one is the oldest (7,00 TL)")
    c2 = _mv(m, kind="sayim", item=it["id"], depot=b["id"], counted=7)
    eq((c2["change"], c2["value_kurus"], c2["unit_price_kurus"]), (2, 200, 100), "surplus at the newest price")
    eq(_value(m, it["id"], b["id"]), 700, "7 × 1,00 TL")
    # what was used cannot be reversed into existence
    r = m.post(f"/api/v1/stock/movements/{t['id']}/reverse", {})
    expect_error(r, 409, "insufficient_stock", "reversing a transfer whose lots were used")
    r = m.post(f"/api/v1/stock/movements/{g2['id']}/reverse", {})
    expect_error(r, 409, "insufficient_stock", "reversing a receipt whose lot was partly used")
    check("8" in r.json()["error"]["message"], f"says what is left of it: {r.json()['error']}")
    # the consumption report uses the movement values
    month = out["date"][:7]
    rep = m.get_json(f"/api/v1/stock/consumption?from={month}&to={month}&depot={b['id']}")
    eq(rep["value_kurus"], 5700, "consumption valued FIFO")
    # the migration's replay builds the same lots from the ledger
    with _db(s) as con:
        before = _lots_state(con)
    check(s.stop() == [], "server stopped cleanly")
    con = sqlite3.connect(os.path.join(s.data_dir, "defter.db"))
    with con:
        con.executescript("DROP TRIGGER stock_lot_post; DROP TABLE stock_lot_posts; DROP TABLE stock_movement_lots;"
                          " DROP TABLE stock_lots; UPDATE stock_balances SET value_kurus = 1;"
                          " DELETE FROM schema_migrations WHERE module = 'stock' AND version = 2;")
    con.close()
    s.start()
    with _db(s) as con:
        after = _lots_state(con)
    eq(after, before, "lots, takes and balances rebuilt by replaying the ledger")


def _setup_mail(h, smtp):
    data = h.init_data("stock")
    with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
        f.write(f"\n[mail]\nsmtp_url = {smtp.url}\nfrom = {FROM}\nbase_url = http://defter.example\n")
        f.write(f"\n[stock]\nalert_mail = {STOCK_MAIL}\n")
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    with con:
        con.execute("UPDATE org_people SET email = 'kisi' || id || '@eyupsultan.bel.tr'")
    con.close()
    return h.new_server(data=data)


def test_stock_minimum_alert_mailed_once_per_crossing(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        s = _setup_mail(h, smtp)
        m = h.login("mudur", server=s)
        with _db(s) as con:
            pid, pmail = con.execute("SELECT id, email FROM org_people WHERE active = 1 ORDER BY id LIMIT 1").fetchone()
        it = _item(m, h, name="Toner HP 59A")
        a = _depot(m, h, responsible=pid, name="Ana Ambar")
        _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=5, unit_price=100)
        r = m.post(f"/api/v1/stock/items/{it['id']}/minimum", {"depot": a["id"], "min": 3})
        expect_status(r, 200, "minimum")
        low = [x for x in r.json()["on_hand"] if x["depot_id"] == a["id"]]
        eq([(x["qty"], x["min"], x["low"]) for x in low], [(5, 3, False)], "above its minimum")
        eq(m.get_json("/api/v1/stock/alerts")["items"], [], "above the minimum: no alert open")
        _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=1, unit="ASD")  # 4
        eq(m.get_json("/api/v1/stock/alerts")["items"], [], "still above")
        _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=1, unit="ASD")  # 3: crossing
        _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=1, unit="ASD")  # 2: same crossing
        al = m.get_json("/api/v1/stock/alerts")["items"]
        eq([(x["item_id"], x["qty"], x["min"], x["mailed"]) for x in al], [(it["id"], 2, 3, True)], "one open alert")
        smtp.wait_for(lambda x: x["X-RcptTo"] == pmail)
        smtp.wait_for(lambda x: x["X-RcptTo"] == STOCK_MAIL)
        p = h.cli("jobs", "run", "stock.alerts", "--data", s.data_dir)
        eq(p.returncode, 0, f"stock.alerts job ({p.stderr[-300:]})")
        p = h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
        time.sleep(1)
        mails = smtp.messages()
        eq(sorted(x["X-RcptTo"] for x in mails), sorted([pmail, STOCK_MAIL]), "mailed once to both")
        check("Toner HP 59A" in str(mails[0]["Subject"]) and "Ana Ambar" in str(mails[0]["Subject"]),
              f"subject {mails[0]['Subject']}")
        check(f"/stock/items/{it['id']}" in mails[0].get_content(), "a link to the item")
        # the dashboard card and the low filter
        page = m.get("/").text
        check("/stock?low=1" in page, "the dashboard card links the low items")
        lows = m.get_json("/api/v1/stock/items?low=1&limit=200")["items"]
        eq([x["id"] for x in lows], [it["id"]], "the low filter")
        # back above the minimum, then down again: a second crossing mails again
        _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=5, unit_price=100)  # 7
        eq(m.get_json("/api/v1/stock/alerts")["items"], [], "cleared above the minimum")
        _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=5, unit="YBY")  # 2
        deadline = time.time() + 15
        while len(smtp.messages()) < 4 and time.time() < deadline:
            time.sleep(0.1)
        eq(len(smtp.messages()), 4, "the second crossing mailed both again")
        with _db(s) as con:
            eq(con.execute("SELECT COUNT(*), SUM(cleared_at IS NULL) FROM stock_alerts").fetchone(), (2, 1),
               "two alerts, one open")
        # raising the minimum is re-checked by the daily job (here at once by the minimum call)
        it2 = _item(m, h)
        _mv(m, kind="giris", item=it2["id"], depot=a["id"], quantity=4, unit_price=100)
        with _db(s, write=True) as con:
            con.execute("INSERT INTO stock_minimums (item_id, depot_id, min_qty) VALUES (?, ?, 10)",
                        (it2["id"], a["id"]))
        p = h.cli("jobs", "run", "stock.alerts", "--data", s.data_dir)
        eq(p.returncode, 0, "stock.alerts job")
        check(it2["id"] in [x["item_id"] for x in m.get_json("/api/v1/stock/alerts")["items"]],
              "the daily job raised the alert of a minimum set behind its back")


def _xlsx_cells(data):
    """{sheet name: {(row, col): value}} of an XLSX workbook (rows, cols from 0)."""
    z = zipfile.ZipFile(io.BytesIO(data))
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", ns):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t")))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for sh in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", ns):
        cells = {}
        for c in ET.fromstring(z.read("xl/" + targets[sh.get(rel)].lstrip("/").replace("xl/", ""))).iter(
                f"{{{ns['m']}}}c"):
            ref = c.get("r")
            col = 0
            i = 0
            while ref[i].isalpha():
                col = col * 26 + ord(ref[i]) - 64
                i += 1
            row = int(ref[i:]) - 1
            v = c.find("m:v", ns)
            if v is None:
                continue
            cells[(row, col - 1)] = shared[int(v.text)] if c.get("t") == "s" else float(v.text)
        out[sh.get("name")] = cells
    return out


def test_stock_monthly_consumption_and_exports(h):
    m = h.as_user("mudur")
    t1 = _item(m, h, name=h.uniq("Toner 85A "), code="150.01.05")
    k1 = _item(m, h, name=h.uniq("Cat6 kablo "), uom="metre", category="kablo")
    a = _depot(m, h)
    _mv(m, kind="giris", item=t1["id"], depot=a["id"], quantity=10, unit_price=50000, date="2025-01-02")
    _mv(m, kind="giris", item=k1["id"], depot=a["id"], quantity=300, unit_price=1250, date="2025-01-02")
    _mv(m, kind="cikis", item=t1["id"], depot=a["id"], quantity=2, unit="YBY", date="2025-01-15")
    _mv(m, kind="cikis", item=t1["id"], depot=a["id"], quantity=3, unit="ASD", date="2025-02-10")
    _mv(m, kind="cikis", item=k1["id"], depot=a["id"], quantity=100, unit="ASD", date="2025-02-11")
    wrong = _mv(m, kind="cikis", item=t1["id"], depot=a["id"], quantity=1, unit="SNB", date="2025-02-12")
    expect_status(m.post(f"/api/v1/stock/movements/{wrong['id']}/reverse", {}), 201, "a reversed exit")
    _mv(m, kind="cikis", item=t1["id"], depot=a["id"], quantity=1, unit="YBY", date="2025-03-01")  # outside
    rep = m.get_json(f"/api/v1/stock/consumption?from=2025-01&to=2025-02&depot={a['id']}")
    eq((rep["from"], rep["to"]), ("2025-01", "2025-02"), "period")
    eq([u["code"] for u in rep["units"]], ["ASD", "YBY"], "the units that consumed (a reversed exit nets to zero)")
    cells = {x["name"]: {k: (v["qty"], v["value_kurus"]) for k, v in x["cells"].items()} for x in rep["items"]}
    eq(cells, {t1["name"]: {"YBY": (2, 100000), "ASD": (3, 150000)}, k1["name"]: {"ASD": (100, 125000)}},
       "item × unit quantities and values")
    eq((rep["qty"], rep["value_kurus"]), (105, 375000), "totals")
    one = m.get_json(f"/api/v1/stock/consumption?from=2025-01&to=2025-01&depot={a['id']}")
    eq([(x["name"], x["qty"]) for x in one["items"]], [(t1["name"], 2)], "January alone")
    # XLSX, parsed back
    r = m.get(f"/api/v1/stock/consumption.xlsx?from=2025-01&to=2025-02&depot={a['id']}")
    expect_status(r, 200, "xlsx")
    book = _xlsx_cells(r.body)
    eq(len(book), 2, f"two sheets: {list(book)}")
    qty, val = list(book.values())
    heads = {qty[(2, c)]: c for c in range(10) if (2, c) in qty}
    check("ASD" in heads and "YBY" in heads, f"unit columns: {heads}")
    rows = {qty[(r_, 1)]: r_ for (r_, c) in qty if c == 1 and r_ >= 3}
    eq((qty[(rows[t1["name"]], heads["YBY"])], qty[(rows[t1["name"]], heads["ASD"])]), (2.0, 3.0), "toner row")
    eq(qty[(rows[k1["name"]], heads["ASD"])], 100.0, "cable row")
    eq(val[(rows[t1["name"]], heads["ASD"])], 1500.0, "value sheet in lira")
    # PDF
    r = m.get(f"/api/v1/stock/consumption.pdf?from=2025-01&to=2025-02&depot={a['id']}")
    expect_status(r, 200, "pdf")
    check(r.body.startswith(b"%PDF-"), "a PDF")
    p = subprocess.run(["pdftotext", "-layout", "-", "-"], input=r.body, capture_output=True, timeout=60)
    text = " ".join(p.stdout.decode().split())
    for want in (t1["name"], k1["name"], "1250.00", "2025-01"):
        check(want in text, f"PDF lacks {want!r}: {text[:600]}")
    audit = h.as_user("admin").get_json("/api/v1/audit?entity=stock_consumption")
    check(len([x for x in audit["items"] if x["action"] == "export"]) >= 2, "exports audited")


def test_stock_pages_and_forms(h):
    m = h.as_user("mudur")
    it = _item(m, h, name=h.uniq("Klavye "), category="klavye")
    a = _depot(m, h)
    _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=4, unit_price=30000)
    expect_status(m.post(f"/api/v1/stock/items/{it['id']}/minimum", {"depot": a["id"], "min": 2}), 200, "min")
    page = m.get("/stock?limit=200")
    expect_status(page, 200, "/stock")
    check(it["name"] in page.text and 'id="cikis-form"' in page.text and 'id="devir-form"' in page.text,
          "the list with its forms")
    # an exit through the form, from the item's page
    r = m.post_form("/stock/movement", {"_csrf": m.csrf, "kind": "cikis", "item": str(it["id"]),
                                        "depot": str(a["id"]), "quantity": "2", "unit": "ASD", "person": "",
                                        "ticket": "", "date": "", "note": "form", "back": str(it["id"])})
    check(r.status in (302, 303), f"redirect after the exit ({r.status})")
    check(r.header("Location", "").endswith(f"/stock/items/{it['id']}"), f"to the item: {r.header('Location')}")
    eq(_on_hand(m, it["id"], a["id"]), 2, "the form's exit")
    page = m.get(f"/stock/items/{it['id']}").text
    check('class="low"' in page, "at the minimum: highlighted on the item page")
    check("/stock/reverse" in page, "the reverse button")
    lst = m.get("/stock?low=1&limit=200").text
    check(it["name"] in lst and 'class="low"' in lst, "highlighted in the low list")
    # a refused exit re-renders the item page with the message and status 409
    r = m.post_form("/stock/movement", {"_csrf": m.csrf, "kind": "cikis", "item": str(it["id"]),
                                        "depot": str(a["id"]), "quantity": "9", "unit": "ASD",
                                        "back": str(it["id"])})
    eq(r.status, 409, "refused exit through the form")
    check('id="form-error"' in r.text, "the error box")
    r = m.post_form("/stock/movement", {"_csrf": m.csrf, "kind": "giris", "item": str(it["id"]),
                                        "depot": str(a["id"]), "quantity": "1", "unit_price": "12,5x"})
    eq(r.status, 400, "a bad price through the form")
    r = m.post_form("/stock/movement", {"_csrf": m.csrf, "kind": "giris", "item": str(it["id"]),
                                        "depot": str(a["id"]), "quantity": "1", "unit_price": "12,50"})
    check(r.status in (302, 303), f"a price in lira ({r.status})")
    last = m.get_json(f"/api/v1/stock/movements?item={it['id']}&limit=1")["items"][0]
    eq(last["unit_price_kurus"], 1250, "12,50 TL stored as 1250 kuruş")
    eq(m.get("/stock/consumption").status, 200, "the consumption page")
    eq(h.as_user("personel").get("/stock").status, 403, "personel")


def test_stock_import_dry_run_and_all_or_nothing(h):
    from test_asset_import import csv_body, make_xlsx, post_import
    m = h.as_user("mudur")
    toner = _item(m, h, code=f"150.{h._counter % 90 + 10:02d}.31")
    cable = _item(m, h, name=h.uniq("Kablo "), uom="metre", category="kablo")
    a = _depot(m, h)
    path = "/api/v1/stock/import"
    head = ["Malzeme", "Ambar", "Miktar", "Birim fiyat (TL)", "Tarih", "Tedarikçi", "VKN", "Fatura no"]
    good = [head,
            [toner["code"], a["name"], "12", "450,00", "2026-01-05", "Ofis A.Ş.", "1234567890", "F-1"],
            [cable["name"], a["name"], "305", "12.5", "", "", "", ""]]
    bad = [head,
           [toner["code"], a["name"], "12", "450,00", "2026-01-05", "Ofis A.Ş.", "1234567891", "F-1"],
           ["Yok böyle malzeme", "Yok böyle ambar", "0", "abc", "2026-02-30", "", "", ""],
           [cable["name"], a["name"], "5", "1", "", "", "", ""]]
    r = post_import(m, csv_body(bad), True, path)
    expect_status(r, 200, "a dry run with bad rows answers 200 with its errors")
    errs = sorted((e["row"], e["column"]) for e in r.json()["errors"])
    eq(errs, [(2, "VKN"), (3, "Ambar"), (3, "Birim fiyat (TL)"), (3, "Malzeme"), (3, "Miktar"), (3, "Tarih")],
       "every bad cell, by row and column")
    check(all(e["reason"] for e in r.json()["errors"]), "each with a reason")
    r = post_import(m, csv_body(bad), False, path)
    expect_error(r, 400, "validation", "a real import with bad rows")
    eq(r.json()["imported"], 0, "nothing imported")
    eq(_on_hand(m, cable["id"], a["id"]), 0, "not even the good row")
    r = post_import(m, csv_body(good), True, path)
    expect_status(r, 200, "clean dry run")
    eq((r.json()["errors"], r.json()["imported"], r.json()["dry_run"]), ([], 0, True), "checked only")
    eq(_on_hand(m, toner["id"], a["id"]), 0, "a dry run writes nothing")
    x = make_xlsx([head] + [[int(c) if i == 2 else c for i, c in enumerate(row)] for row in good[1:]])
    r = post_import(m, x, False, path,
                    ctype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    expect_status(r, 200, "XLSX import")
    eq([c["row"] for c in r.json()["created"]], [2, 3], "both rows")
    eq((_on_hand(m, toner["id"], a["id"]), _on_hand(m, cable["id"], a["id"])), (12, 305), "opening balances")
    mv = m.get_json(f"/api/v1/stock/movements/{r.json()['created'][0]['id']}")
    eq((mv["kind"], mv["unit_price_kurus"], mv["value_kurus"], mv["date"], mv["supplier_vkn"]),
       ("giris", 45000, 540000, "2026-01-05", "1234567890"), "the imported receipt")
    expect_error(h.as_user("denetci").request("POST", path, body=csv_body(good), headers={"Content-Type": "text/csv"},
                                               csrf=True), 403, "forbidden", "the auditor imports nothing")
    r = post_import(m, b"\x00\x01garbage", False, path, ctype="application/octet-stream")
    check(r.status == 400 and r.json()["errors"], f"not a spreadsheet: {r.status} {r.text[:200]}")


def test_stock_coverage_figures(h):
    m = h.as_user("mudur")
    it = _item(m, h)
    a = _depot(m, h)
    _mv(m, kind="giris", item=it["id"], depot=a["id"], quantity=3, unit_price=100)
    _mv(m, kind="cikis", item=it["id"], depot=a["id"], quantity=2, unit="ASD")
    body = h.as_user("admin").get_json("/api/v1/org/coverage")
    duties = [d for d in body["duties"] if "stock" in [c["key"] for c in d["capabilities"] if c["implemented"]]]
    check(duties, "the preset has stock duties")
    f = duties[0]["figures"].get("stock")
    check(isinstance(f, dict) and f["movements"] >= 2 and f["issued"] >= 2, f"stock figures: {f}")


def test_stock_import_form(h):
    """The import form on /stock: a dry run lists the bad rows and writes
    nothing; the real run brings the receipts in; denetci may not post."""
    from test_asset_import import csv_body, _multipart
    from harness import html_has_id
    m = h.login("mudur")
    page = m.get("/stock")
    expect_status(page, 200, "stock page")
    check(html_has_id(page.text, "import-form") and html_has_id(page.text, "import-dry-run"), "the import form")
    toner = _item(m, h, code=f"150.{h._counter % 90 + 10:02d}.32")
    a = _depot(m, h)
    head = ["Malzeme", "Ambar", "Miktar", "Birim fiyat (TL)"]
    bad = [head, [toner["code"], a["name"], "4", "100"], [toner["code"], "Yok böyle ambar", "x", "1"]]
    data, ctype = _multipart({"_csrf": m.csrf, "dry_run": "1"}, {"file": ("stok.csv", csv_body(bad))})
    r = m.request("POST", "/stock/import", body=data, headers={"Content-Type": ctype})
    expect_status(r, 400, "a dry run with a bad row")
    check(html_has_id(r.text, "import-errors") and "<td>3</td>" in r.text, "row 3 in the error table")
    eq(_on_hand(m, toner["id"], a["id"]), 0, "nothing written")
    data, ctype = _multipart({"_csrf": m.csrf}, {"file": ("stok.csv", csv_body(bad[:2]))})
    r = m.request("POST", "/stock/import", body=data, headers={"Content-Type": ctype})
    expect_status(r, 200, "the import")
    eq(_on_hand(m, toner["id"], a["id"]), 4, "received through the form")
    d = h.login("denetci")
    data, ctype = _multipart({"_csrf": d.csrf}, {"file": ("stok.csv", csv_body(bad[:2]))})
    expect_status(d.request("POST", "/stock/import", body=data, headers={"Content-Type": ctype}), 403, "auditor")
