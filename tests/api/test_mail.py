"""`defter mail`: a test message delivered to a real SMTP server (aiosmtpd)
with its Turkish subject and text intact and no way to inject a header; the
outbox retrying while the server is down and delivering once it is up; and
`defter mail fetch` on a real IMAP mailbox (dovecot)."""
import email.header
import os
import re
import time

from harness import PRESET, TestFailure, check, eq
from mailpeers import ImapPeer, SmtpPeer

FROM = "bilgiislem@eyupsultan.bel.tr"
FROM_NAME = "Eyüpsultan Belediyesi Bilgi İşlem Müdürlüğü"
SUBJECT = "Arıza kaydı #2025-000123: 3. kattaki yazıcı çalışmıyor — ĞÜŞİÖÇ ğüşıöç, katlanacak kadar uzun bir konu"
BODY = ("Sayın Ayşe İnce,\n\nTalebiniz alındı; numarası 2025-000123. Bu satır yetmiş altı karakterden uzun olduğu "
        "için bölünüp yeniden birleşmeli.\n.nokta ile başlayan satır\nşğüçöı ŞĞÜÇÖİ = eşittir\n")


def _data(h, **mail):
    """A fresh data directory (no demo records) with these [mail] settings."""
    path = os.path.join(h.tmpdir("mail"), "data")
    p = h.cli("init", "--data", path, "--preset", PRESET)
    eq(p.returncode, 0, f"defter init ({p.stderr[-300:]})")
    with open(os.path.join(path, "defter.conf"), "a", encoding="utf-8") as f:
        f.write("\n[mail]\n" + "".join(f"{k} = {v}\n" for k, v in mail.items()))
    return path


def _cli_env(h, env, *args):
    """`defter ARGS` with extra environment variables."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return h.cli(*args)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _header_lines(raw):
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    return head.split(b"\n")


def _outbox(h, data, *flags):
    p = h.cli("mail", "outbox", "--data", data, *flags)
    eq(p.returncode, 0, f"mail outbox ({p.stderr[-300:]})")
    rows = []
    for line in p.stdout.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        f = line.split("\t")
        rows.append({"id": int(f[0]), "state": f[1], "attempts": int(f[2]), "to": f[3], "subject": f[4],
                     "error": f[5] if len(f) > 5 else ""})
    return rows


def test_mail_test_delivers(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        data = _data(h, smtp_url=smtp.url, **{"from": FROM}, from_name=FROM_NAME)
        p = h.cli("mail", "test", "--data", data, "--to", "ayse.ince@example.com", "--subject", SUBJECT,
                  "--body", BODY)
        eq(p.returncode, 0, f"mail test exit status ({p.stderr[-400:]})")
        check("sent" in p.stdout, f"mail test output: {p.stdout!r}")
        m = smtp.wait_for(lambda m: m["X-RcptTo"] == "ayse.ince@example.com")
        eq(m["X-MailFrom"], FROM, "envelope sender")
        # on the wire: 7-bit headers, none longer than 78 characters
        for line in _header_lines(m.raw):
            line = line.rstrip(b"\r")
            check(len(line) <= 78 or line.startswith(b"X-Peer"), f"header line of {len(line)} characters: {line!r}")
            check(all(b < 0x80 for b in line), f"8-bit header line: {line!r}")
        raw_subject = re.search(rb"\nSubject: (.*?)\r?\n(?! )", m.raw, re.S).group(1)
        check(b"=?UTF-8?B?" in raw_subject, f"subject not RFC 2047 encoded: {raw_subject!r}")
        decoded = str(email.header.make_header(email.header.decode_header(raw_subject.decode("ascii"))))
        eq(decoded.replace("\r\n", ""), SUBJECT, "the encoded subject decoded")
        eq(m["Subject"], SUBJECT, "subject (email package)")
        eq(m["From"].addresses[0].display_name, FROM_NAME, "sender name")
        eq(m["From"].addresses[0].addr_spec, FROM, "sender address")
        eq(m["Content-Transfer-Encoding"], "quoted-printable", "transfer encoding")
        eq(m.get_content_type(), "text/plain", "content type")
        eq(m.get_content_charset(), "utf-8", "charset")
        eq(m.get_content().replace("\r\n", "\n"), BODY, "body decoded from quoted-printable")
        eq(m["Auto-Submitted"], "auto-generated", "Auto-Submitted")
        eq(m["MIME-Version"], "1.0", "MIME-Version")
        check(re.fullmatch(r"<[0-9a-f]+\.\d+@eyupsultan\.bel\.tr>", m["Message-ID"] or ""),
              f"Message-ID {m['Message-ID']!r}")
        check(m["Date"] and m["Date"].datetime is not None, f"Date {m['Date']!r}")


def test_mail_test_refuses_header_injection(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        data = _data(h, smtp_url=smtp.url, **{"from": FROM})
        attempts = [
            ("--to", "ali@example.com", "--subject", "Konu\r\nBcc: kurban@example.com"),
            ("--to", "ali@example.com", "--subject", "Konu\nBcc: kurban@example.com"),
            ("--to", "ali@example.com\r\nBcc: kurban@example.com"),
            ("--to", "ali@example.com, kurban@example.com"),
            ("--to", "Ali <ali@example.com>"),
            ("--to", "ali@example.com", "--body", b"k\xf6t\xfc: not UTF-8"),
        ]
        for extra in attempts:
            p = h.cli("mail", "test", "--data", data, *extra)
            check(p.returncode != 0, f"mail test {extra!r} succeeded: {p.stdout!r}")
            check("error" in p.stderr, f"mail test {extra!r}: no error message: {p.stderr!r}")
        # a display name with a line break (only the environment can give one) is dropped, not sent
        p = _cli_env(h, {"DEFTER_MAIL_FROM_NAME": "Destek\r\nBcc: kurban@example.com"},
                     "mail", "test", "--data", data, "--to", "son@example.com", "--subject", "sentinel")
        eq(p.returncode, 0, f"mail test with a bad from_name ({p.stderr[-300:]})")
        check("mail.from_name" in p.stderr, f"no warning about the bad from_name: {p.stderr[-300:]!r}")
        m = smtp.wait_for(lambda m: m["Subject"] == "sentinel")
        eq(m["From"].addresses[0].addr_spec, FROM, "sender of the sentinel")
        eq(m["From"].addresses[0].display_name, "", "the bad display name is not used")
        msgs = smtp.messages()
        eq(len(msgs), 1, "messages delivered (only the sentinel)")
        check(b"kurban" not in msgs[0].raw and "Bcc" not in msgs[0], f"injected text delivered: {msgs[0].raw!r}")
        eq(msgs[0]["X-RcptTo"], "son@example.com", "recipients of the sentinel")


def test_outbox_waits_for_the_server(h):
    smtp = SmtpPeer(h.tmpdir("smtp"), start=False)  # the port is known, nothing listens yet
    try:
        data = _data(h, smtp_url=smtp.url, **{"from": FROM}, from_name=FROM_NAME, retry_seconds=8)
        p = h.cli("mail", "test", "--data", data, "--queue", "--to", "veli@example.com", "--subject", "Kuyruk: ğüşıöç")
        eq(p.returncode, 0, f"mail test --queue ({p.stderr[-300:]})")
        check("queued" in p.stdout, f"mail test --queue output: {p.stdout!r}")
        rows = _outbox(h, data)
        eq([(r["state"], r["attempts"], r["to"]) for r in rows], [("queued", 0, "veli@example.com")], "outbox")

        t_fail = time.time()
        p = h.cli("jobs", "run", "mail.send", "--data", data)
        eq(p.returncode, 0, f"jobs run mail.send while the server is down ({p.stderr[-300:]})")
        rows = _outbox(h, data)
        eq((rows[0]["state"], rows[0]["attempts"]), ("queued", 1), "after a failed attempt")
        check("connect" in rows[0]["error"].lower(), f"the error is kept: {rows[0]['error']!r}")

        p = h.cli("jobs", "run", "mail.send", "--data", data)
        eq(p.returncode, 0, "jobs run mail.send again")
        if time.time() - t_fail < 7:
            eq(_outbox(h, data)[0]["attempts"], 1, "attempts before retry_seconds have passed (back-off)")

        smtp.start()
        deadline = time.time() + 30
        while _outbox(h, data) and time.time() < deadline:
            time.sleep(0.5)
            p = h.cli("jobs", "run", "mail.send", "--data", data)
            eq(p.returncode, 0, "jobs run mail.send with the server up")
        eq(_outbox(h, data), [], "nothing left in the outbox")
        m = smtp.wait_for(lambda m: m["X-RcptTo"] == "veli@example.com")
        eq(m["Subject"], "Kuyruk: ğüşıöç", "subject of the queued mail")
        eq(m["From"].addresses[0].display_name, FROM_NAME, "sender name of the queued mail")
        sent = _outbox(h, data, "--all")
        eq((sent[0]["state"], sent[0]["attempts"], sent[0]["error"]), ("sent", 2, ""), "the sent row")
        # sent once: another run sends nothing more
        p = h.cli("jobs", "run", "mail.send", "--data", data)
        time.sleep(0.5)
        eq(len([m for m in smtp.messages() if m["X-RcptTo"] == "veli@example.com"]), 1, "copies delivered")
    finally:
        smtp.stop()


def test_outbox_gives_up(h):
    smtp = SmtpPeer(h.tmpdir("smtp"), start=False)
    data = _data(h, smtp_url=smtp.url, **{"from": FROM}, retry_seconds=0, max_attempts=2, smtp_user="bim",
                 smtp_password="Gizli-Parola-42")
    p = h.cli("mail", "test", "--data", data, "--queue", "--to", "veli@example.com")
    eq(p.returncode, 0, "mail test --queue")
    logs = ""
    for _ in range(3):
        p = h.cli("jobs", "run", "mail.send", "--data", data)
        eq(p.returncode, 0, "jobs run mail.send")
        logs += p.stderr
    rows = _outbox(h, data)
    eq((rows[0]["state"], rows[0]["attempts"]), ("failed", 2), "given up after max_attempts")
    check(rows[0]["error"], "the last error is kept")
    check("given up" in logs, f"giving up is logged: {logs[-300:]!r}")
    check("Gizli-Parola" not in logs and "Gizli-Parola" not in rows[0]["error"], "the SMTP password leaked")


MESSAGE = (
    b"From: =?iso-8859-9?Q?G=FCl=FC=FE_Y=FDld=FDz?= <gulus@example.com>\r\n"
    b"To: destek@eyupsultan.bel.tr\r\n"
    b"Subject: =?iso-8859-9?Q?=DEikayet:_=F0=FC=FE=FD=F6=E7?=\r\n"
    b"Message-ID: <m1@example.com>\r\n"
    b"Date: Tue, 1 Jul 2025 10:20:30 +0300\r\n"
    b"Content-Type: text/plain; charset=iso-8859-9\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Yaz\xfdc\xfd \xe7al\xfd\xfem\xfdyor.\r\n")


def test_mail_fetch(h):
    with ImapPeer(h.tmpdir("imap")) as imap:
        uid = imap.append(MESSAGE)
        big = imap.append(b"From: buyuk@example.com\r\nSubject: big\r\n\r\n" + b"x" * 3000 + b"\r\n")
        imap.append(b"From: okundu@example.com\r\nSubject: already seen\r\n\r\nx\r\n", flags="(\\Seen)")
        data = _data(h, imap_url=imap.url, imap_user=imap.user, imap_password=imap.password)

        p = h.cli("mail", "fetch", "--data", data, "--dry-run", "--max-bytes", "2000")
        eq(p.returncode, 0, f"mail fetch --dry-run ({p.stderr[-400:]})")
        check("Gülüş Yıldız <gulus@example.com>\tŞikayet: ğüşıöç" in p.stdout, f"listing: {p.stdout!r}")
        check("already seen" not in p.stdout, f"a seen message listed: {p.stdout!r}")
        check("2 new messages, 1 too large" in p.stdout, f"summary: {p.stdout!r}")
        eq(imap.unseen(), [uid, big], "unseen after --dry-run (nothing marked)")

        out = h.tmpdir("saved")
        p = h.cli("mail", "fetch", "--data", data, "--save", out, "--max-bytes", "2000")
        eq(p.returncode, 0, f"mail fetch --save ({p.stderr[-400:]})")
        files = sorted(os.listdir(out))
        eq(len(files), 1, f"files saved: {files}")
        with open(os.path.join(out, files[0]), "rb") as f:
            eq(f.read(), MESSAGE, "the saved message")
        eq(imap.unseen(), [], "unseen after --save (taken and too large both marked)")
        check("\\Seen" in imap.flags()[uid], f"flags of the taken message: {imap.flags()}")
        check("too large" in p.stderr, f"the too large message is logged: {p.stderr[-300:]!r}")


def test_mail_fetch_bad_login(h):
    with ImapPeer(h.tmpdir("imap")) as imap:
        uid = imap.append(MESSAGE)
        data = _data(h, imap_url=imap.url, imap_user=imap.user, imap_password="Yanlis-Parola-99")
        p = h.cli("mail", "fetch", "--data", data, "--dry-run")
        eq(p.returncode, 1, f"mail fetch with a wrong password: {p.stdout!r}")
        check("Yanlis-Parola" not in p.stderr + p.stdout, "the IMAP password leaked into the output")
        eq(imap.unseen(), [uid], "unseen after a failed login")
    data = _data(h)
    p = h.cli("mail", "fetch", "--data", data, "--dry-run")
    eq(p.returncode, 1, "mail fetch without imap_url")
    p = h.cli("mail", "test", "--data", data, "--to", "ali@example.com")
    eq(p.returncode, 1, "mail test without smtp_url")
    if "not configured" not in p.stderr:
        raise TestFailure(f"mail test without smtp_url: {p.stderr!r}")
