"""The service desk and mail (issue 4 §4, §9): receipts, assignment,
public comments and the resolution with its rating link go through a real
SMTP server (aiosmtpd); mails in a real IMAP mailbox (dovecot) open
tickets or add to the one named in the subject; auto-replies, repeats,
MIME bombs, broken encodings and garbage never crash or duplicate."""
import base64
import os
import re
import sqlite3

from harness import check, eq, expect_error, expect_status
from mailpeers import ImapPeer, SmtpPeer

FROM = "bilgiislem@eyupsultan.bel.tr"
BASE = "http://defter.example"
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def _setup(h, smtp, imap=None):
    """A demo data directory wired to the mail peers, every demo user with an address, and its server."""
    data = h.init_data("deskmail")
    conf = {"smtp_url": smtp.url, "from": FROM, "base_url": BASE}
    if imap:
        conf.update(imap_url=imap.url, imap_user=imap.user, imap_password=imap.password)
    with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
        f.write("\n[mail]\n" + "".join(f"{k} = {v}\n" for k, v in conf.items()))
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    with con:
        con.execute("UPDATE users SET email = username || '@eyupsultan.bel.tr'")
    con.close()
    return h.new_server(data=data)


def _db(server):
    return sqlite3.connect(os.path.join(server.data_dir, "defter.db"), timeout=15)


def _mailin(h, server):
    p = h.cli("jobs", "run", "desk.mailin", "--data", server.data_dir)
    eq(p.returncode, 0, f"desk.mailin ({p.stderr[-400:]})")


def _uid(server, name):
    with _db(server) as con:
        return con.execute("SELECT id FROM users WHERE username = ?", (name,)).fetchone()[0]


def test_desk_mail_out(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        s = _setup(h, smtp)
        emp = h.login("personel", server=s)
        r = emp.post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Şişli binası yazıcı", "category": "yazilim.hata"})
        expect_status(r, 201, "ticket")
        t = r.json()
        num = t["number"]
        m = smtp.wait_for(lambda m: num in str(m["Subject"]))
        eq(m["X-RcptTo"], "personel@eyupsultan.bel.tr", "receipt to the requester")
        eq(str(m["Subject"]), f"[{num}] Şişli binası yazıcı", "receipt subject")
        body = m.get_content()
        check(num in body and f"{BASE}/desk/tickets/{num}" in body, f"receipt body {body!r}")
        # the unit's chief hears of the new ticket
        smtp.wait_for(lambda m: num in str(m["Subject"]) and m["X-RcptTo"] == "sef@eyupsultan.bel.tr")
        sef = h.login("sef", server=s)
        expect_status(sef.post(f"/api/v1/desk/tickets/{t['id']}/assign", {"assignee": _uid(s, "teknik")}), 200, "assign")
        smtp.wait_for(lambda m: num in str(m["Subject"]) and m["X-RcptTo"] == "teknik@eyupsultan.bel.tr")
        tek = h.login("teknik", server=s)
        secret = "GIZLI-" + h.uniq("n")
        expect_status(tek.post(f"/api/v1/desk/tickets/{t['id']}/comments", {"body": secret, "internal": True}), 201, "internal")
        expect_status(tek.post(f"/api/v1/desk/tickets/{t['id']}/comments", {"body": "Yarın geliyorum."}), 201, "public")
        smtp.wait_for(lambda m: num in str(m["Subject"]) and "Yarın geliyorum." in m.get_content())
        r = tek.post(f"/api/v1/desk/tickets/{t['id']}/transition", {"to": "cozuldu", "resolution": "Toner değişti."})
        expect_status(r, 200, "resolve")
        done = smtp.wait_for(lambda m: num in str(m["Subject"]) and "/desk/rate/" in m.get_content())
        eq(done["X-RcptTo"], "personel@eyupsultan.bel.tr", "rating link only to the requester")
        token = re.search(r"/desk/rate/([A-Za-z0-9_-]+)", done.get_content()).group(1)
        for m in smtp.messages():
            check(secret not in m.get_content(), "an internal note was mailed")
        # the rating link works without signing in, once
        anon = h.client(s)
        page = anon.get(f"/desk/rate/{token}")
        expect_status(page, 200, "rating page")
        check("rate-form" in page.text, "rating form")
        expect_error(anon.post(f"/api/v1/desk/rate/{token}", {"rating": 9}, csrf=False), 400, "validation", "rating 9")
        expect_error(anon.post("/api/v1/desk/rate/" + "x" * 32, {"rating": 4}, csrf=False), 404, "not_found", "bad token")
        expect_status(anon.post(f"/api/v1/desk/rate/{token}", {"rating": 4, "comment": "Hızlıydı"}, csrf=False), 200, "rate")
        expect_error(anon.post(f"/api/v1/desk/rate/{token}", {"rating": 1}, csrf=False), 409, "already_rated", "twice")
        got = emp.get_json(f"/api/v1/desk/tickets/{t['id']}")
        eq((got["rating"], got["rating_comment"], got["status"]), (4, "Hızlıydı", "kapandi"), "rated and closed")


def test_desk_mail_out_survives_smtp_down(h):
    smtp = SmtpPeer(h.tmpdir("smtp"), start=False)
    try:
        s = _setup(h, smtp)
        emp = h.login("personel", server=s)
        r = emp.post("/api/v1/desk/tickets", {"type": "talep", "subject": "Sunucu kapalıyken"})
        expect_status(r, 201, "a ticket while the mail server is down")
        num = r.json()["number"]
        with _db(s) as con:
            n = con.execute("SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE ?", (f"%{num}%",)).fetchone()[0]
        check(n >= 1, "the receipt waits in the outbox")
        smtp.start()
        p = h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
        eq(p.returncode, 0, f"mail.send ({p.stderr[-300:]})")
        with _db(s) as con:
            con.execute("UPDATE mail_outbox SET next_try = 0 WHERE sent_at IS NULL")
        p = h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
        smtp.wait_for(lambda m: num in str(m["Subject"]), timeout=20)
    finally:
        smtp.stop()


def _mail(frm, subject, body, extra=b"", mid=None):
    mid = mid or f"<{os.urandom(6).hex()}@example.com>"
    return (f"From: {frm}\r\nTo: destek@eyupsultan.bel.tr\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            ).encode() + extra + b"\r\n" + body.encode() + b"\r\n"


def test_desk_mail_in(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp, ImapPeer(h.tmpdir("imap")) as imap:
        s = _setup(h, smtp, imap)
        emp = h.login("personel", server=s)
        t = emp.post("/api/v1/desk/tickets", {"type": "ariza", "subject": "Monitör kapanıyor"}).json()
        num = t["number"]
        # 1. a reply from the requester with the number in the subject becomes a comment
        imap.append(_mail("Personel <personel@eyupsultan.bel.tr>", f"YNT: [{num}] Monitör kapanıyor",
                          "Kablo değişti ama yine kapanıyor."))
        # 2. a stranger's mail opens a ticket, with its PDF attachment
        b64 = base64.b64encode(PDF).decode()
        multi = ("From: =?utf-8?B?" + base64.b64encode("Çiğdem Işık".encode()).decode() + "?= <cigdem@example.com>\r\n"
                 "To: destek@eyupsultan.bel.tr\r\nSubject: =?windows-1254?Q?Yaz=FDc=FD_=E7al=FD=FEm=FDyor?=\r\n"
                 "Message-ID: <multi-1@example.com>\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
                 "Content-Type: text/plain; charset=windows-1254\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                 "3. kattaki yaz=FDc=FD ka=F0=FDt s=FDk=FD=FEt=FDr=FDyor.\r\n--b1\r\n"
                 "Content-Type: application/pdf; name=\"fatura.pdf\"\r\nContent-Disposition: attachment; filename=\"fatura.pdf\"\r\n"
                 f"Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b1--\r\n").encode()
        imap.append(multi)
        imap.append(multi)  # the same Message-ID again: applied once
        # 3. an auto-reply and a bounce open nothing
        imap.append(_mail("Otomatik <ofis@example.com>", "Ofis dışındayım", "Tatildeyim.",
                          extra=b"Auto-Submitted: auto-replied\r\n"))
        # 4. garbage, a MIME bomb and a mail whose subject names a ticket the sender may not touch
        imap.append(b"\xff\xfe garbage without any header\r\n\r\n\xff")
        bomb = b"From: bomb@example.com\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
        for i in range(60):
            bomb += f"Content-Type: multipart/mixed; boundary=\"x{i}\"\r\n\r\n--x{i}\r\n".encode()
        bomb += b"Content-Type: text/plain\r\n\r\nderin\r\n"
        imap.append(bomb)
        imap.append(_mail("yabanci@example.com", f"[{num}] bunu da ekleyin", "Başkasının kaydına yorum."))
        _mailin(h, s)
        eq(imap.unseen(), [], "every message taken")
        got = emp.get_json(f"/api/v1/desk/tickets/{t['id']}")
        bodies = [c["body"] for c in got["comments"]]
        check("Kablo değişti ama yine kapanıyor." in bodies, f"the reply is a comment: {bodies}")
        check("Başkasının kaydına yorum." not in bodies, "a stranger cannot write on someone's ticket")
        with _db(s) as con:
            rows = con.execute("SELECT id, subject, body, requester_name, requester_email, channel FROM desk_tickets"
                               " WHERE channel = 'eposta' ORDER BY id").fetchall()
        subjects = [r[1] for r in rows]
        eq(subjects.count("Yazıcı çalışmıyor"), 1, f"the windows-1254 subject decoded, once: {subjects}")
        check("Ofis dışındayım" not in subjects, "auto-reply opened a ticket")
        check("[" + num + "] bunu da ekleyin" in subjects, "the stranger's mail became a ticket of its own")
        check("bomb" in subjects, "the MIME bomb is a ticket, cut at the depth limit")
        yaz = [r for r in rows if r[1] == "Yazıcı çalışmıyor"][0]
        check("yazıcı kağıt sıkıştırıyor" in yaz[2], f"windows-1254 QP body decoded: {yaz[2]!r}")
        eq((yaz[3], yaz[4]), ("Çiğdem Işık", "cigdem@example.com"), "requester from the mail")
        with _db(s) as con:
            att = con.execute("SELECT name, mime, size FROM desk_attachments WHERE ticket_id = ?", (yaz[0],)).fetchall()
        eq(att, [("fatura.pdf", "application/pdf", len(PDF))], "PDF attachment kept")
        # the stranger got a receipt for the new ticket; nothing was sent to the auto-responder
        smtp.wait_for(lambda m: m["X-RcptTo"] == "cigdem@example.com")
        check(all(m["X-RcptTo"] != "ofis@example.com" for m in smtp.messages()), "answered an auto-reply")
        # running again changes nothing
        _mailin(h, s)
        with _db(s) as con:
            eq(con.execute("SELECT COUNT(*) FROM desk_tickets WHERE channel = 'eposta'").fetchone()[0], len(rows),
               "a second run adds nothing")
        # the garbage is kept in the file store, named in desk_mail_seen
        with _db(s) as con:
            kept = con.execute("SELECT COUNT(*) FROM desk_mail_seen WHERE message_id LIKE 'sha256:%'").fetchone()[0]
        check(kept >= 1, "unreadable mail recorded")
