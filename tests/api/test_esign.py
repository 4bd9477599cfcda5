"""E-signatures and mobile signatures (issue 7 §7-9): certificates made
here by `openssl req -x509` are accepted as PEM and as DER and read
(serial, subject, issuer, validity, T.C. Kimlik No from serialNumber);
garbage, truncated DER, PEM with broken base64 and a private key are
refused with a reason; a certificate expiring in 20 days shows in the
reminders, its 30-day reminder mail is sent once (real SMTP server,
aiosmtpd) and a renewal workflow opens; the quarter list; workflows and
their steps."""
import base64
import datetime
import os
import sqlite3
import subprocess

from harness import check, eq, expect_error, expect_status
from mailpeers import SmtpPeer

FROM = "bilgiislem@eyupsultan.bel.tr"
IT = "eimza@eyupsultan.bel.tr"


def _db(server):
    return sqlite3.connect(os.path.join(server.data_dir, "defter.db"), timeout=15)


def _setup(h, smtp=None):
    data = h.init_data("esign")
    with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
        if smtp:
            f.write(f"\n[mail]\nsmtp_url = {smtp.url}\nfrom = {FROM}\nbase_url = http://defter.example\n")
        f.write(f"\n[esign]\nnotify = {IT}\n")
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    with con:
        con.execute("UPDATE org_people SET email = 'kisi' || id || '@eyupsultan.bel.tr'")
    con.close()
    return h.new_server(data=data)


def _people(server, n=3):
    with _db(server) as con:
        return con.execute("SELECT id, tckn, name, email FROM org_people WHERE active = 1 ORDER BY id LIMIT ?",
                           (n,)).fetchall()


def make_cert(h, days, cn="Ayşe Yılmaz", tckn=None, name="c"):
    """A self-signed certificate valid for `days` days: (pem bytes, der bytes, key pem bytes)."""
    d = h.tmpdir(name)
    subj = f"/C=TR/O=Kamu SM Test/CN={cn}" + (f"/serialNumber={tckn}" if tckn else "")
    p = subprocess.run(["openssl", "req", "-x509", "-utf8", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", os.path.join(d, "key.pem"), "-out", os.path.join(d, "cert.pem"),
                        "-days", str(days), "-subj", subj], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, f"openssl req ({p.stderr[-300:]})")
    p = subprocess.run(["openssl", "x509", "-in", os.path.join(d, "cert.pem"), "-outform", "DER", "-out",
                        os.path.join(d, "cert.der")], capture_output=True, text=True, timeout=60)
    eq(p.returncode, 0, f"openssl x509 ({p.stderr[-300:]})")
    out = []
    for fn in ("cert.pem", "cert.der", "key.pem"):
        with open(os.path.join(d, fn), "rb") as f:
            out.append(f.read())
    return out


def _serial(pem):
    p = subprocess.run(["openssl", "x509", "-noout", "-serial"], input=pem, capture_output=True, timeout=60)
    return p.stdout.decode().strip().split("=", 1)[1].upper().lstrip("0")


def b64(data):
    return base64.b64encode(data).decode()


def _register(c, person, cert, kind="eimza", provider="kamusm", status=201, **kw):
    body = {"person": person, "kind": kind, "provider": provider, "card_id": "AKIS-" + str(person)}
    if cert is not None:
        body["certificate"] = cert if isinstance(cert, str) else b64(cert)
    body.update(kw)
    r = c.post("/api/v1/esign/signatures", body)
    expect_status(r, status, f"register ({body.get('kind')}, {body.get('provider')})")
    return r.json()


def _multipart(fields, files):
    """A multipart/form-data body: fields {name: value}, files {name: (filename, bytes)}."""
    b = "----defter" + os.urandom(8).hex()
    out = b""
    for k, v in fields.items():
        out += f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for k, (fn, data) in files.items():
        out += (f'--{b}\r\nContent-Disposition: form-data; name="{k}"; filename="{fn}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    return out + f"--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"


def test_esign_form_upload(h):
    s = _setup(h)
    mudur = h.login("mudur", server=s)
    (p1, t1, n1, _), = _people(s, 1)
    pem, der, key = make_cert(h, 60, cn=n1, tckn=t1, name="form")
    body, ctype = _multipart({"_csrf": mudur.csrf, "person": p1, "kind": "eimza", "provider": "kamusm",
                              "card_id": "AKIS-1"}, {"certificate": ("kart.cer", der)})
    r = mudur.request("POST", "/esign", body=body, headers={"Content-Type": ctype})
    expect_status(r, 303, "form upload")
    loc = r.header("Location", "")
    check(loc.startswith("/esign/"), f"redirect to the signature: {loc!r}")
    page = mudur.get(loc)
    expect_status(page, 200, "signature page")
    check(_serial(pem) in page.text, "serial on the page")
    body, ctype = _multipart({"_csrf": mudur.csrf, "person": p1, "kind": "eimza", "provider": "kamusm"},
                             {"certificate": ("anahtar.pem", key)})
    r = mudur.request("POST", "/esign", body=body, headers={"Content-Type": ctype})
    expect_status(r, 400, "a private key through the form")
    check('id="form-error"' in r.text, "the reason is shown")
    with _db(s) as con:
        eq(con.execute("SELECT COUNT(*) FROM esign_signatures").fetchone()[0], 1, "one signature")


def test_esign_certificates(h):
    s = _setup(h)
    mudur = h.login("mudur", server=s)
    (p1, t1, n1, _), (p2, t2, _, _), (p3, _, _, _) = _people(s)
    pem, der, key = make_cert(h, 400, cn=n1, tckn=t1, name="pem")
    sig = _register(mudur, p1, pem)
    eq(sig["serial"].lstrip("0"), _serial(pem), "serial from the certificate")
    check(f"CN={n1}" in sig["subject"], f"subject {sig['subject']!r} (UTF-8 kept)")
    check("O=Kamu SM Test" in sig["issuer"], f"issuer {sig['issuer']!r}")
    eq(sig["tckn"], t1[:3] + "******" + t1[-2:], "T.C. Kimlik No from serialNumber (masked)")
    left = sig["days_left"]
    check(399 <= left <= 400, f"days left {left}")
    eq((sig["status"], sig["kind"], sig["provider"]), ("active", "eimza", "kamusm"), "status, kind, provider")
    # PEM sent as text works as well as base64 of the file; the same certificate twice is a conflict
    expect_error(mudur.post("/api/v1/esign/signatures", {"person": p1, "kind": "eimza", "provider": "kamusm",
                                                         "certificate": pem.decode()}), 409, "duplicate", "again")
    # DER
    pem2, der2, _ = make_cert(h, 30, cn="Test Kişi", name="der")
    sig2 = _register(mudur, p2, der2, provider="e-tugra")
    eq(sig2["serial"].lstrip("0"), _serial(pem2), "serial from DER")
    eq(sig2["tckn"], None, "no T.C. Kimlik No in this subject")
    # a certificate naming someone else is refused
    pem3, _, _ = make_cert(h, 30, cn="Başkası", tckn=t1, name="other")
    err = expect_error(mudur.post("/api/v1/esign/signatures", {"person": p3, "kind": "eimza", "provider": "kamusm",
                                                               "certificate": b64(pem3)}), 400, "validation", "other")
    check("certificate" in err["fields"], "someone else's certificate")
    # malformed certificates, each with its reason
    lines = pem2.decode().splitlines()
    broken = "\n".join(lines[:2] + ["@@@@" + lines[2][4:]] + lines[3:]) + "\n"
    cases = {
        "garbage": os.urandom(300),
        "truncated DER": der2[: len(der2) // 2],
        "bad base64 PEM": broken.encode(),
        "PEM without END": "\n".join(lines[:-1]).encode(),
        "private key": key,
        "empty": b"",
        "text": "bu bir sertifika değil".encode(),
        "DER with trailing bytes": der2 + b"\x00\x01",
    }
    reasons = {}
    for what, data in cases.items():
        body = {"person": p3, "kind": "eimza", "provider": "kamusm", "certificate": b64(data)}
        if not data:
            body["certificate"] = ""
        err = expect_error(mudur.post("/api/v1/esign/signatures", body), 400, "validation", what)
        reasons[what] = err["fields"].get("certificate", "")
        check(reasons[what], f"{what}: no reason given ({err})")
    check("private key" in reasons["private key"] or "özel anahtar" in reasons["private key"].lower(),
          f"private key reason {reasons['private key']!r}")
    check(len({reasons["garbage"], reasons["bad base64 PEM"], reasons["private key"], reasons["empty"]}) == 4,
          f"distinct reasons {reasons}")
    expect_error(mudur.post("/api/v1/esign/signatures", {"person": p3, "kind": "eimza", "provider": "kamusm",
                                                         "certificate": "%%% not base64 %%%"}), 400, "validation",
                 "not base64")
    # other bad input
    for body, field in (({"person": p3, "kind": "mobil", "provider": "kamusm", "valid_until": "2027-01-01"}, "provider"),
                        ({"person": p3, "kind": "eimza", "provider": "kamusm"}, "certificate"),
                        ({"person": 999999, "kind": "eimza", "provider": "kamusm", "valid_until": "2027-01-01"}, "person"),
                        ({"person": p3, "kind": "imza", "provider": "kamusm", "valid_until": "2027-01-01"}, "kind"),
                        ({"person": p3, "kind": "mobil", "provider": "turkcell", "valid_until": "31.02.2027"}, "valid_until")):
        err = expect_error(mudur.post("/api/v1/esign/signatures", body), 400, "validation", f"bad {field}")
        check(field in err["fields"], f"{field} named: {err}")
    with _db(s) as con:
        eq(con.execute("SELECT COUNT(*) FROM esign_signatures").fetchone()[0], 2, "only the good ones stored")
        check(con.execute("SELECT COUNT(*) FROM audit_log WHERE entity = 'esign.signature' AND action = 'create'")
              .fetchone()[0] == 2, "creations audited")
    # a mobile signature without a certificate, then suspended, then its status filter
    mob = _register(mudur, p3, None, kind="mobil", provider="turkcell", valid_until="2027-03-01")
    r = mudur.request("PATCH", f"/api/v1/esign/signatures/{mob['id']}", json_body={"status": "suspended"}, csrf=True)
    expect_status(r, 200, "suspend")
    eq(r.json()["status"], "suspended", "suspended")
    items = mudur.get_json(f"/api/v1/esign/signatures?status=suspended")["items"]
    eq([x["id"] for x in items], [mob["id"]], "status filter")
    expect_error(mudur.get("/api/v1/esign/signatures?status=bogus"), 400, "validation", "bad status filter")
    # a person's signatures; permissions
    got = mudur.get_json(f"/api/v1/esign/people/{p1}")
    eq([x["id"] for x in got["signatures"]], [sig["id"]], "a person's signatures")
    emp = h.login("personel", server=s)
    expect_error(emp.get("/api/v1/esign/signatures"), 403, "forbidden", "employee list")
    expect_error(emp.post("/api/v1/esign/signatures", {"person": p3, "kind": "mobil", "provider": "turkcell",
                                                       "valid_until": "2027-01-01"}), 403, "forbidden", "employee adds")
    expect_error(mudur.get("/api/v1/esign/signatures/999999"), 404, "not_found", "missing")


def _quarter_of(ts):
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone(datetime.timedelta(hours=3)))
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def test_esign_reminders_and_workflows(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp:
        s = _setup(h, smtp)
        mudur = h.login("mudur", server=s)
        (p1, t1, n1, mail1), (p2, t2, n2, _) = _people(s, 2)
        pem, _, _ = make_cert(h, 20, cn=n1, tckn=t1, name="soon")
        soon = _register(mudur, p1, pem)
        far_pem, _, _ = make_cert(h, 400, cn=n2, tckn=t2, name="far")
        far = _register(mudur, p2, far_pem, provider="turktrust")
        rem = mudur.get_json("/api/v1/esign/reminders")["items"]
        eq([x["id"] for x in rem], [soon["id"]], "only the one expiring within 90 days is in the reminders")
        eq(rem[0]["stage"], 30, "its stage is the 30-day one")
        for _ in range(2):
            p = h.cli("jobs", "run", "esign.remind", "--data", s.data_dir)
            eq(p.returncode, 0, f"esign.remind ({p.stderr[-300:]})")
            p = h.cli("jobs", "run", "mail.send", "--data", s.data_dir)
        m = smtp.wait_for(lambda m: m["X-RcptTo"] == mail1)
        check(n1 in str(m["Subject"]) and f"/esign/{soon['id']}" in m.get_content(), "reminder mail")
        smtp.wait_for(lambda m: m["X-RcptTo"] == IT)
        mine = [m for m in smtp.messages() if m["X-RcptTo"] in (mail1, IT)]
        eq(len(mine), 2, "the 30-day reminder is sent once (to the holder and to IT)")
        rem = mudur.get_json("/api/v1/esign/reminders")["items"]
        eq([(x["stage"], x["mailed"]) for x in rem[0]["reminders"]], [(30, True)], "the reminder remembered")
        # a renewal workflow opened by the reminder
        wfs = mudur.get_json(f"/api/v1/esign/workflows?person={p1}&status=open")["items"]
        eq([(w["kind"], w["signature_id"]) for w in wfs], [("renewal", soon["id"])], "renewal opened")
        # the quarter list holds it
        q = _quarter_of(datetime.datetime.now().timestamp() + 20 * 86400)
        got = mudur.get_json(f"/api/v1/esign/expiring?quarter={q}")
        eq(got["quarter"], q, "quarter")
        check(any(x["id"] == soon["id"] for x in got["items"]), f"{q} list")
        check(all(x["id"] != far["id"] for x in got["items"]), "a certificate of next year is not in this quarter")
        expect_error(mudur.get("/api/v1/esign/expiring?quarter=2026-Q5"), 400, "validation", "bad quarter")
        # renewal of a certificate far from its end is refused; an application is tracked with steps
        expect_error(mudur.post("/api/v1/esign/workflows", {"signature": far["id"], "kind": "renewal"}), 409,
                     "renewal_window", "renewal too early")
        expect_error(mudur.post("/api/v1/esign/workflows", {"signature": soon["id"], "kind": "renewal"}), 409,
                     "already_open", "a second renewal")
        r = mudur.post("/api/v1/esign/workflows", {"person": p2, "kind": "installation", "due_date": "2026-12-31",
                                                   "note": "Kart okuyucu"})
        expect_status(r, 201, "installation")
        wid = r.json()["id"]
        r = mudur.post(f"/api/v1/esign/workflows/{wid}/steps", {"step": "Sürücü kuruldu", "date": "2026-11-20"})
        expect_status(r, 201, "step")
        eq([x["step"] for x in r.json()["steps"]], ["Sürücü kuruldu"], "steps")
        expect_error(mudur.post(f"/api/v1/esign/workflows/{wid}/steps", {"step": ""}), 400, "validation", "empty step")
        r = mudur.request("PATCH", f"/api/v1/esign/workflows/{wid}", json_body={"status": "done"}, csrf=True)
        expect_status(r, 200, "done")
        check(r.json()["closed_at"], "closed")
        expect_error(mudur.post(f"/api/v1/esign/workflows/{wid}/steps", {"step": "Geç"}), 409, "closed", "closed")
        cov = mudur.get_json("/api/v1/org/coverage")
        figs = [d["figures"]["esign"] for d in cov["duties"] if "esign" in d.get("figures", {})]
        check(figs and figs[0]["active"] == 2 and figs[0]["installations"] == 1, f"esign figures {figs[:1]}")
        # the renewed certificate replaces the validity; the reminders start over for it
        new_pem, _, _ = make_cert(h, 730, cn=n1, tckn=t1, name="renewed")
        r = mudur.request("PATCH", f"/api/v1/esign/signatures/{soon['id']}",
                          json_body={"certificate": b64(new_pem)}, csrf=True)
        expect_status(r, 200, "renewed certificate")
        check(r.json()["days_left"] >= 729, "new validity")
        check(all(x["id"] != soon["id"] for x in mudur.get_json("/api/v1/esign/reminders")["items"]),
              "renewed: no longer in the reminders")
        # the pages
        page = mudur.get(f"/esign?quarter={q}")
        expect_status(page, 200, "esign page")
        check('id="esign-quarter"' in page.text, "quarter section")
        page = mudur.get(f"/esign/{soon['id']}")
        expect_status(page, 200, "signature page")
        check("workflow-" in page.text, "workflow on the page")
