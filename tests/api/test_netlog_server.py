"""The access-log archive through the server: the dedicated role, the
audited query with static assignments, the evidence package checked with
its own script, the verification report (JSON and PDF) catching a flipped
byte, the alarms of the netlog.watch job (mailed to a real SMTP server),
a fallback TSA and Kamu SM's identity header and credits."""
import ctypes
import datetime
import email.header
import io
import json
import os
import sqlite3
import subprocess
import tempfile
import time
import zipfile

from harness import check, eq, expect_error, expect_status
from mailpeers import SmtpPeer
from netlogpeers import Collector, Tsa

DHCP = "DHCPACK(eth1) 10.20.30.40 52:54:00:aa:bb:01 pc-40"
FORTI = ('date={d} time={t} devname="FGT-BLD" type="traffic" subtype="forward" srcip=10.20.30.40 srcport=51544 '
         'srcintf="port2" dstip=142.250.187.110 dstport=443 proto=6 action="close" trandisp="snat" '
         'transip=203.0.113.50 transport=61000 sentbyte=2240 rcvdbyte=5120 user="ayse.k"')
REASON = "İstanbul C. Başsavcılığı 2026/4711 sayılı yazı"


def _utc(offset=0):
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)


def _z(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _logger(*args):
    p = subprocess.run(["logger", *args], capture_output=True, text=True, timeout=20)
    check(p.returncode == 0, f"logger: {p.stderr}")


def _conf(tsa, extra=""):
    return f"flush_ms = 100\ntsa_url = {tsa.url}\ntsa_ca = {tsa.ca}\ntsa_retry_seconds = 1\n{extra}"


def _archive(h, tsa, extra=""):
    """A data directory whose archive holds one sealed, stamped segment with a DHCP grant and a NAT session."""
    data = h.init_data("nlsrv")
    with Collector(h, data, _conf(tsa, extra)) as col:
        _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dnsmasq-dhcp", DHCP)
        now = datetime.datetime.now()
        _logger("--rfc5424", "-T", "--octet-count", "-n", "127.0.0.1", "-P", str(col.tcp), "-t", "fgt",
                FORTI.format(d=now.strftime("%Y-%m-%d"), t=now.strftime("%H:%M:%S")))
        _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "hotspot",
                "hotspot,account,info,debug ayse.k (10.20.30.40): logged in")
        col.wait_status(lambda s: s["stored"] >= 3, "three lines stored")
    st = col.status()
    eq((st["sealed"], st["stamps_pending"]), (1, 0), "sealed and stamped on stop")
    return data


def _officer(h, srv):
    _, user, pw = h.create_user(role="kayit_sorumlusu", server=srv)
    return h.login(user, pw, server=srv)


def _audit_rows(data, action):
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    rows = con.execute("SELECT actor, entity_id, after_json FROM audit_log WHERE entity = 'netlog' AND action = ? "
                       "ORDER BY id", (action,)).fetchall()
    con.close()
    return rows


def _pdf_text(body):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(body)
        f.flush()
        p = subprocess.run(["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, timeout=60)
    eq(p.returncode, 0, "pdftotext")
    return " ".join(p.stdout.decode("utf-8").split())


def test_netlog_server_query_static_export_verify(h):
    with Tsa(h.tmpdir("tsa")) as tsa:
        data = _archive(h, tsa)
        srv = h.new_server(data=data, name="nlsrv")
        admin, teknik, personel = (h.login(u, server=srv) for u in ("admin", "teknik", "personel"))
        ask = {"ip": "10.20.30.40", "at": _z(_utc(2)), "reason": REASON}
        # only the dedicated role asks; status is for IT staff and auditors, not for everyone
        expect_error(admin.post("/api/v1/netlog/query", ask), 403, "forbidden", "admin queries")
        expect_error(teknik.post("/api/v1/netlog/export", ask), 403, "forbidden", "teknik exports")
        expect_error(personel.get("/api/v1/netlog/status"), 403, "forbidden", "personel reads the status")
        st = teknik.get_json("/api/v1/netlog/status")
        eq(st["archive"]["segments"], 1, "segments in the status")
        eq(st["collector"]["running"], False, "the collector has stopped")
        off = _officer(h, srv)
        # bad questions: clear errors, nothing answered, nothing audited
        before = len(_audit_rows(data, "query"))
        err = expect_error(off.post("/api/v1/netlog/query", {**ask, "reason": ""}), 400, "validation", "no reason")
        check("reason" in err["fields"], f"fields: {err}")
        err = expect_error(off.post("/api/v1/netlog/query", {**ask, "ip": "10.20.30.400"}), 400, "validation", "bad ip")
        check("ip" in err["fields"], f"fields: {err}")
        err = expect_error(off.post("/api/v1/netlog/query", {**ask, "at": "dün öğlen"}), 400, "validation", "bad at")
        check("at" in err["fields"], f"fields: {err}")
        expect_error(off.post("/api/v1/netlog/query", {**ask, "port": 70000}), 400, "validation", "bad port")
        eq(len(_audit_rows(data, "query")), before, "refused questions are not audited")
        # the answer: the lease and its sealed evidence
        ans = off.post("/api/v1/netlog/query", ask)
        expect_status(ans, 200, "query")
        a = ans.json()
        eq((a["found"], a["lease"]["mac"]), (True, "52:54:00:aa:bb:01"), "the lease")
        eq(a["lease"]["evidence"][0]["seal"]["sealed"], True, "evidence sealed")
        eq(a["login"]["user"], "ayse.k", f"signed in on the hotspot: {a['login']}")
        # the same moment in Turkish time without a zone (as a court's letter gives it)
        local = (_utc(2) + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S")
        eq(off.post("/api/v1/netlog/query", {**ask, "at": local}).json()["lease"]["mac"], "52:54:00:aa:bb:01",
           "Turkish local time")
        # a moment long before: nothing
        eq(off.post("/api/v1/netlog/query", {**ask, "at": _z(_utc(-30 * 86400))}).json()["found"], False,
           "a month earlier")
        nat = off.post("/api/v1/netlog/query", {"ip": "203.0.113.50", "port": 61000, "at": _z(_utc()),
                                                "reason": REASON}).json()
        eq(nat["nat"][0]["internal_ip"], "10.20.30.40", "NAT back to the device")
        rows = _audit_rows(data, "query")
        eq(len(rows), before + 4, "each query audited")
        check(REASON in rows[-1][2] and rows[-1][1] == "203.0.113.50", f"audited question: {rows[-1]}")

        # static assignments: admin registers, the officer's answer carries them
        day = lambda d: (_utc(d * 86400) + datetime.timedelta(hours=3)).strftime("%Y-%m-%d")  # noqa: E731
        r = admin.post("/api/v1/netlog/static", {"ip": "10.20.30.99", "mac": "52-54-00-AA-BB-99",
                                                 "holder": "Yazıcı, 3. kat", "device": "HP M404",
                                                 "valid_from": day(-10)})
        expect_status(r, 201, "static assignment")
        sid = r.json()["id"]
        eq(r.json()["mac"], "52:54:00:aa:bb:99", "MAC normalised")
        expect_error(admin.post("/api/v1/netlog/static", {"ip": "10.20.30.99", "holder": "x", "valid_from": day(-5)}),
                     409, "overlap", "overlapping assignment")
        err = expect_error(admin.post("/api/v1/netlog/static", {"ip": "10.0.0.1", "mac": "zz", "valid_from": day(0)}),
                           400, "validation", "bad MAC and no holder")
        check("mac" in err["fields"] and "holder" in err["fields"], f"fields: {err}")
        expect_error(teknik.post("/api/v1/netlog/static", {"ip": "10.0.0.2", "holder": "x", "valid_from": day(0)}), 403,
                     "forbidden", "teknik cannot register (netlog.manage)")
        a = off.post("/api/v1/netlog/query", {**ask, "ip": "10.20.30.99"}).json()
        eq((a["found"], a["static"][0]["holder"]), (True, "Yazıcı, 3. kat"), "static answer")
        r = admin.request("PATCH", f"/api/v1/netlog/static/{sid}", json_body={"valid_to": day(-2)}, csrf=True)
        expect_status(r, 200, "end the assignment")
        eq(off.post("/api/v1/netlog/query", {**ask, "ip": "10.20.30.99"}).json()["found"], False,
           "an ended assignment does not answer for today")
        a = off.post("/api/v1/netlog/query", {**ask, "ip": "10.20.30.99", "at": day(-5) + "T12:00:00"}).json()
        eq(len(a["static"]), 1, "it still answers for its period")
        check(_audit_rows(data, "static.update"), "the change is audited")

        # the evidence package: files, sums, and its own check script
        r = off.post("/api/v1/netlog/export", {**ask, "segments": True})
        expect_status(r, 200, "export")
        eq(r.header("Content-Type"), "application/zip", "zip")
        check("5651-delil-10.20.30.40" in r.header("Content-Disposition", ""), r.header("Content-Disposition"))
        z = zipfile.ZipFile(io.BytesIO(r.body))
        names = set(z.namelist())
        for n in ("OKU-BENI.txt", "sorgu.json", "kayitlar.txt", "kayitlar.csv", "muhurler/00000001.manifest.json",
                  "muhurler/00000001.tsr", "muhurler/00000001.stamp.json", "ca/tsa-ca.pem", "dogrula.sh",
                  "segmentler/00000001.seg", "SHA256SUMS"):
            check(n in names, f"{n} missing from {sorted(names)}")
        check(DHCP in z.read("kayitlar.txt").decode(), "the evidence line")
        eq(json.loads(z.read("sorgu.json"))["query"]["reason"], REASON, "the question in the package")
        with tempfile.TemporaryDirectory() as d:
            z.extractall(d)
            p = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=d, capture_output=True, text=True)
            eq(p.returncode, 0, f"sha256sum -c: {p.stdout}{p.stderr}")
            p = subprocess.run(["sh", "dogrula.sh"], cwd=d, capture_output=True, text=True)
            eq(p.returncode, 0, f"dogrula.sh: {p.stdout}{p.stderr}")
            check("OK 00000001: zaman damgası / time stamp" in p.stdout and "segment hash" in p.stdout, p.stdout)
            with open(os.path.join(d, "segmentler/00000001.seg"), "r+b") as f:
                f.seek(40)
                b = f.read(1)
                f.seek(40)
                f.write(bytes([b[0] ^ 1]))
            p = subprocess.run(["sh", "dogrula.sh"], cwd=d, capture_output=True, text=True)
            eq(p.returncode, 1, f"dogrula.sh after tampering: {p.stdout}")
        eq(len(_audit_rows(data, "export")), 1, "the export is audited")

        # the pages: the officer asks through the form and gets the MAC
        r = off.get("/netlog/query")
        expect_status(r, 200, "query page")
        r = off.post_form("/netlog/query", {"_csrf": off.csrf, "ip": "10.20.30.40", "at": local, "reason": REASON})
        expect_status(r, 200, "query form")
        check("52:54:00:aa:bb:01" in r.text and "netlog-export" in r.text and "ayse.k" in r.text,
              f"answer on the page: {r.text[r.text.find('netlog-answer'):][:1500]}")
        r = off.post_form("/netlog/query", {"_csrf": off.csrf, "ip": "nope", "at": local, "reason": REASON})
        eq(r.status, 400, "bad form")
        check("Bir IPv4 ya da IPv6 adresi girin." in r.text, f"Turkish field message on the page: {r.text[-1500:]}")
        r = off.post_form("/netlog/export", {"_csrf": off.csrf, "ip": "10.20.30.40", "at": local, "reason": REASON})
        expect_status(r, 200, "export form")
        eq(r.header("Content-Type"), "application/zip", "export form gives the zip")
        r = admin.get("/netlog")
        expect_status(r, 200, "status page")
        check("Erişim kaydı arşivi" in r.text and "netlog-sources" in r.text, "status page content")
        expect_status(admin.get("/netlog/static"), 200, "static page")
        eq(admin.get("/netlog/query").status, 403, "admin has no query page")
        # verification through the API: JSON, PDF, and a flipped byte named
        rep = teknik.get_json("/api/v1/netlog/verify")
        eq((rep["ok"], rep["segments_checked"]), (True, 1), f"verify {rep}")
        eq(rep["segments"][0]["tsa"], "primary", "stamped by the primary authority")
        r = teknik.get("/api/v1/netlog/verify?format=pdf")
        expect_status(r, 200, "verify PDF")
        text = _pdf_text(r.body)
        for s in ("bütünlük doğrulama raporu", "arşiv sağlam", "00000001", rep["segments"][0]["sha256"][:20]):
            check(s in text, f"{s!r} missing from the report: {text[:600]}")
        expect_error(teknik.get("/api/v1/netlog/verify?from=yesterday"), 400, "validation", "bad from")
        seg = os.path.join(data, "netlog", "00000001.seg")
        with open(seg, "r+b") as f:
            f.seek(40)
            b = f.read(1)
            f.seek(40)
            f.write(bytes([b[0] ^ 1]))
        rep = teknik.get_json("/api/v1/netlog/verify")
        eq(rep["ok"], False, "a flipped byte")
        eq(rep["issues"][0]["code"], "altered", f"named: {rep['issues']}")
        text = _pdf_text(teknik.get("/api/v1/netlog/verify?format=pdf").body)
        check("DEĞİL" in text and "İçerik değiştirilmiş" in text and "BOZUK" in text, f"broken report: {text[:800]}")
        check(len(_audit_rows(data, "verify")) >= 4, "verification runs are audited")

        eq(h.cli("audit", "verify", "--data", data).returncode, 0, "audit chain")


def _subject(m):
    return str(email.header.make_header(email.header.decode_header(m["Subject"])))


def _adjtimex_synced():
    """The kernel's NTP state, read the way the server reads it."""
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(512)  # struct timex, modes = 0: read only
    state = libc.adjtimex(buf)
    status = int.from_bytes(buf.raw[40:44], "little", signed=True)  # after modes, offset, freq, maxerror, esterror
    return state != 5 and not (status & 0x40)


def _watch(h, data):
    p = h.cli("jobs", "run", "netlog.watch", "--data", data)
    eq(p.returncode, 0, f"netlog.watch: {p.stdout}{p.stderr}")


def _open_alarms(data):
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    rows = con.execute("SELECT kind, subject, detail FROM netlog_alarms WHERE cleared_at IS NULL").fetchall()
    con.close()
    return {(k, s): d for k, s, d in rows}


def test_netlog_alarms_raised_cleared_mailed(h):
    with SmtpPeer(h.tmpdir("smtp")) as smtp, Tsa(h.tmpdir("tsa")) as tsa:
        data = h.init_data("nlalarm")
        with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
            f.write(f"\n[mail]\nsmtp_url = {smtp.url}\nfrom = defter@belediye.example\n")
        conf = _conf(tsa, "alarm_mail = bim-nobet@belediye.example\ndisk_min_free_percent = 101\n"
                          "status_stale_seconds = 10\n")
        # no collector has ever run: the collector alarm; the disk below 101 % free: the disk alarm
        with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
            f.write("\n[netlog]\n" + conf)
        _watch(h, data)
        alarms = _open_alarms(data)
        check(("collector", "") in alarms and ("disk", "") in alarms, f"alarms: {alarms}")
        eq(("clock", "") in alarms, not _adjtimex_synced(), f"clock alarm follows the kernel's NTP state: {alarms}")
        p = h.cli("jobs", "run", "mail.send", "--data", data)
        eq(p.returncode, 0, f"mail.send: {p.stdout}{p.stderr}")
        smtp.wait_for(lambda m: m["X-RcptTo"] == "bim-nobet@belediye.example"
                      and "ALARM: Toplayıcı çalışmıyor" in _subject(m))
        # a collector that runs, a source that speaks, then goes silent
        with Collector(h, data, "") as col:
            _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dnsmasq-dhcp", DHCP)
            col.wait_status(lambda s: s["stored"] >= 1 and s.get("sources"), "a source in the status")
            _watch(h, data)
            alarms = _open_alarms(data)
            check(("collector", "") not in alarms, f"collector alarm cleared: {alarms}")
            srv = h.new_server(data=data, name="nlalarm")
            admin = h.login("admin", server=srv)
            st = admin.get_json("/api/v1/netlog/status")
            eq(len(st["sources"]), 1, f"sources: {st['sources']}")
            src = st["sources"][0]
            eq(src["silent"], False, "a source that just spoke")
            r = admin.request("PATCH", f"/api/v1/netlog/sources/{src['id']}", json_body={"expected_seconds": 2},
                              csrf=True)
            expect_status(r, 200, "source interval")
            expect_error(admin.request("PATCH", f"/api/v1/netlog/sources/{src['id']}",
                                       json_body={"expected_seconds": -5}, csrf=True), 400, "validation", "bad interval")
            time.sleep(3.2)
            _watch(h, data)
            alarms = _open_alarms(data)
            check(("silent", src["name"]) in alarms, f"silent source alarm: {alarms}")
            _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dnsmasq-dhcp", DHCP)
            col.wait_status(lambda s: s["stored"] >= 2, "the source speaks again")
            time.sleep(0.3)
            _watch(h, data)
            check(("silent", src["name"]) not in _open_alarms(data), "silence alarm cleared")
            page = admin.get("/netlog")
            check("Arşiv diski doluyor" in page.text, "the disk alarm on the page")
        con = sqlite3.connect(os.path.join(data, "defter.db"))
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log WHERE entity = 'netlog'")]
        con.close()
        check("alarm.raise" in actions and "alarm.clear" in actions, f"alarms audited: {actions}")
        hist = admin.get_json("/api/v1/netlog/alarms?all=1")["items"]
        check(any(a["kind"] == "silent" and a["cleared_at"] for a in hist), f"history: {hist}")


def test_netlog_fallback_tsa_and_kamusm_identity(h):
    with Tsa(h.tmpdir("kamusm"), kamusm=("4711", "gizli-Parola"), credits=42) as kamu, \
            Tsa(h.tmpdir("fallback")) as fb:
        # Kamu SM with the right customer number and password: stamped, balance read
        data = _archive(h, kamu, "tsa_user = 4711\ntsa_password = gizli-Parola\ntsa_credit_min = 100\n")
        check(kamu.identities >= 1, "the identity header was checked")
        st = json.load(open(os.path.join(data, "netlog", "status.json")))
        eq(st["tsa"]["credits"], 42, f"credits in the status: {st['tsa']}")
        p = h.cli("netlog", "verify", "--data", data)
        eq(p.returncode, 0, f"verify: {p.stdout}")
        _watch(h, data)
        check(("credits", "") in _open_alarms(data), f"credit alarm: {_open_alarms(data)}")
        # a wrong password: Kamu SM's error comes inside HTTP 200; the fallback stamps, and is flagged
        data = h.init_data("nlfb")
        extra = (f"tsa_user = 4711\ntsa_password = yanlis\nfallback_tsa_url = {fb.url}\n"
                 f"fallback_tsa_ca = {fb.ca}\n")
        with Collector(h, data, _conf(kamu, extra)) as col:
            _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dnsmasq-dhcp", DHCP)
            col.wait_status(lambda s: s["stored"] >= 1, "stored")
        st = col.status()
        eq((st["stamped"], st["tsa"]["fallback_stamps"]), (1, 1), f"stamped by the fallback: {st}")
        eq(fb.served, 1, "the fallback served")
        note = json.load(open(os.path.join(data, "netlog", "00000001.stamp.json")))
        eq((note["tsa"], note["fallback"]), ("fallback", True), "stamp note")
        p = h.cli("netlog", "verify", "--data", data, "--json")
        eq(p.returncode, 0, f"verify with the fallback CA: {p.stdout[-600:]}")
        rep = json.loads(p.stdout)
        eq((rep["fallback_stamps"], rep["segments"][0]["tsa"]), (1, "fallback"), "flagged in the report")
        p = h.cli("netlog", "verify", "--data", data)
        check("YEDEK TSA / FALLBACK TSA" in p.stdout, f"flag in the text report: {p.stdout}")
        _watch(h, data)
        check(("tsa_fallback", "") in _open_alarms(data), f"fallback alarm: {_open_alarms(data)}")
        # and with no authority answering at all, the reason is kept for the page
        data = h.init_data("nlnone")
        kamu.fail = True
        with Collector(h, data, _conf(kamu, "tsa_user = 4711\ntsa_password = yanlis\n")) as col:
            _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dnsmasq-dhcp", DHCP)
            col.wait_status(lambda s: s["stored"] >= 1, "stored")
        kamu.fail = False
        st = col.status()
        eq(st["stamps_pending"], 1, "waits for a stamp")
        check("503" in st["tsa"]["last_error"], f"reason kept: {st['tsa']}")
        _watch(h, data)
        check(("tsa", "") in _open_alarms(data), f"tsa alarm: {_open_alarms(data)}")
