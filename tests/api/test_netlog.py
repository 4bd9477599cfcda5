"""The Law 5651 access-log archive (`defter netlog`): real syslog senders
(logger over UDP and TCP), a real TSA (`openssl ts -reply`), a real
dnsmasq DHCP server and udhcpc client in network namespaces; sealing,
verification with tamper detection, and the audited query."""
import datetime
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import time

from harness import TestFailure, check, eq
from netlogpeers import Collector, Netns, Tsa

FORTI = ('date={d} time={t} devname="FGT-BLD" type="traffic" subtype="forward" srcip=10.20.30.40 srcport=51544 '
         'srcintf="port2" dstip=142.250.187.110 dstport=443 proto=6 action="close" trandisp="snat" '
         'transip=203.0.113.50 transport=61000 sentbyte=2240 rcvdbyte=5120 user="ayse.k"')


def _now_iso(offset=0):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _logger(*args):
    p = subprocess.run(["logger", *args], capture_output=True, text=True, timeout=20)
    if p.returncode != 0:
        raise TestFailure(f"logger {' '.join(args)}: {p.stderr}")


def _verify(h, data, *extra):
    p = h.cli("netlog", "verify", "--data", data, *extra)
    return p.returncode, p.stdout + p.stderr


def _query(h, data, ip, at, reason="Savcılık yazısı 2026/123", port=None):
    args = ["netlog", "query", "--data", data, "--ip", ip, "--at", at, "--reason", reason, "--json"]
    if port:
        args += ["--port", str(port)]
    p = h.cli(*args)
    check(p.returncode == 0, f"query {ip}: exit {p.returncode}: {p.stderr[-500:]}")
    return json.loads(p.stdout)


def _file_sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _conf(tsa, extra=""):
    return f"flush_ms = 100\ntsa_url = {tsa.url}\ntsa_ca = {tsa.ca}\ntsa_retry_seconds = 1\n{extra}"


def test_netlog_syslog_sealed_verified_answered(h):
    data = h.init_data("netlog")
    with Tsa(h.tmpdir("tsa")) as tsa:
        with Collector(h, data, _conf(tsa)) as col:
            _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dnsmasq-dhcp",
                    "DHCPACK(eth1) 10.20.30.40 52:54:00:aa:bb:01 pc-40")
            now = datetime.datetime.now()
            _logger("--rfc5424", "-T", "--octet-count", "-n", "127.0.0.1", "-P", str(col.tcp), "-t", "fgt",
                    FORTI.format(d=now.strftime("%Y-%m-%d"), t=now.strftime("%H:%M:%S")))
            _logger("--rfc3164", "-T", "-n", "127.0.0.1", "-P", str(col.tcp), "-t", "sshd",
                    "Accepted publickey for root")
            st = col.wait_status(lambda s: s["stored"] >= 3, "three lines stored")
            eq((st["parsed"], st["unknown"], st["dropped"]), (2, 1, 0), "parsed, unknown, dropped")
            eq(st["kinds"]["dhcp_ack"], 1, "DHCP grants")
            eq(st["kinds"]["session"], 1, "sessions")
        st = col.status()  # SIGTERM sealed and stamped the open segment
        eq((st["sealed"], st["stamped"], st["stamps_pending"]), (1, 1, 0), "sealed, stamped, pending")
        eq(tsa.served, 1, "time stamps the TSA served")
    nl = os.path.join(data, "netlog")
    for f in ("00000001.seg", "00000001.manifest.json", "00000001.tsr"):
        check(os.path.exists(os.path.join(nl, f)), f"{f} missing")
    man = json.load(open(os.path.join(nl, "00000001.manifest.json")))
    eq(man["sha256"], _file_sha(os.path.join(nl, "00000001.seg")), "manifest's segment hash")
    eq(man["prev_manifest_sha256"], "0" * 64, "the first link of the chain")
    eq(man["lines"], 3, "lines in the manifest")
    # the token is a real RFC 3161 token over the manifest, by openssl's own verifier
    p = subprocess.run(["openssl", "ts", "-verify", "-digest", _file_sha(os.path.join(nl, "00000001.manifest.json")),
                        "-in", os.path.join(nl, "00000001.tsr"), "-CAfile", tsa.ca], capture_output=True, text=True)
    check(p.returncode == 0 and "Verification: OK" in p.stdout, f"openssl ts -verify: {p.stdout} {p.stderr}")
    rc, out = _verify(h, data)
    eq(rc, 0, f"verify exit status ({out.strip()})")
    check("archive intact" in out and "OK 00000001" in out, f"verify report: {out}")

    # who had 10.20.30.40 then: the lease with its evidence and seal
    ans = _query(h, data, "10.20.30.40", _now_iso(1))
    eq(ans["found"], True, "found")
    lease = ans["lease"]
    check(lease, f"no lease in {ans}")
    eq(lease["mac"], "52:54:00:aa:bb:01", "MAC")
    eq(lease["host"], "pc-40", "host")
    ev = lease["evidence"][0]
    check("DHCPACK(eth1) 10.20.30.40 52:54:00:aa:bb:01 pc-40" in ev["line"], f"evidence line {ev}")
    check(ev["line"].startswith("<"), f"the raw line keeps its syslog header: {ev['line']!r}")
    eq(ev["seal"]["sealed"], True, "evidence sealed")
    eq(ev["seal"]["manifest_sha256"], _file_sha(os.path.join(nl, "00000001.manifest.json")), "seal's manifest hash")
    eq(ev["seal"]["time_stamp_token"], "00000001.tsr", "token file")
    # the public ip:port of a NAT session back to the device behind it
    ans = _query(h, data, "203.0.113.50", _now_iso(), port=61000)
    eq(len(ans["nat"]), 1, f"NAT sessions in {ans}")
    n = ans["nat"][0]
    eq((n["internal_ip"], n["internal_port"], n["user"]), ("10.20.30.40", 51544, "ayse.k"), "NAT mapping")
    eq(n["lease"]["mac"], "52:54:00:aa:bb:01", "the NAT session's device")
    eq(_query(h, data, "203.0.113.50", _now_iso(), port=61001)["found"], False, "another public port")
    eq(_query(h, data, "10.20.30.41", _now_iso())["found"], False, "another address")
    # every query is on the audit trail with its reason; none without a reason
    p = h.cli("netlog", "query", "--data", data, "--ip", "10.20.30.40", "--at", _now_iso())
    eq(p.returncode, 2, "query without --reason")
    con = sqlite3.connect(os.path.join(data, "defter.db"))
    rows = con.execute("SELECT entity_id, after_json FROM audit_log WHERE entity = 'netlog' AND action = 'query' "
                       "ORDER BY id").fetchall()
    con.close()
    eq(len(rows), 4, "audited queries")
    eq(rows[0][0], "10.20.30.40", "audited address")
    check("Savcılık yazısı 2026/123" in rows[0][1], f"audited reason: {rows[0][1]}")
    p = h.cli("audit", "verify", "--data", data)
    eq(p.returncode, 0, f"audit chain after the queries: {p.stdout}")


def _copy(h, data, name):
    dst = h.tmpdir(name)
    shutil.copy2(os.path.join(data, "defter.conf"), dst)
    shutil.copytree(os.path.join(data, "netlog"), os.path.join(dst, "netlog"))
    return dst


def test_netlog_tamper_detected(h):
    data = h.tmpdir("netlog-tamper")
    with Tsa(h.tmpdir("tsa")) as tsa:
        with Collector(h, data, _conf(tsa, "rotate_seconds = 1\n")) as col:
            for i in range(3):
                seg = col.status()["segment"]
                _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "dhcpd",
                        f"DHCPACK on 10.9.0.{i + 10} to 52:54:00:00:00:{i + 10:02x} (pc{i}) via eth0")
                col.wait_status(lambda s: s["stored"] >= i + 1, f"line {i} stored")
                col.wait_status(lambda s: s["segment"] > seg, "a rotation")
                time.sleep(1.1)  # the next line in a later second: --to below is a whole second
            col.wait_status(lambda s: s["stamped"] >= 3 and s["stamps_pending"] == 0, "three segments stamped")
    rc, out = _verify(h, data)
    eq(rc, 0, f"verify of the untouched archive ({out.strip()})")
    nl = lambda d, f: os.path.join(d, "netlog", f)  # noqa: E731
    # seal numbers of segments that hold a line
    full = [m for m in sorted(os.listdir(os.path.join(data, "netlog"))) if m.endswith(".manifest.json")
            and json.load(open(nl(data, m)))["lines"] > 0]
    check(len(full) >= 3, f"segments with lines: {full}")
    a, b = full[0][:8], full[1][:8]

    flip = _copy(h, data, "flip")
    with open(nl(flip, f"{b}.seg"), "r+b") as f:
        f.seek(40)
        c = f.read(1)
        f.seek(40)
        f.write(bytes([c[0] ^ 1]))
    rc, out = _verify(h, flip)
    eq(rc, 1, f"verify after a flipped byte ({out})")
    check(f"BAD {b}: content altered" in out, f"flipped byte not named: {out}")
    # --from/--to: only the segments whose records lie in the range are checked
    a_last = json.load(open(nl(data, f"{a}.manifest.json")))["last_time"]
    rc, out = _verify(h, flip, "--to", a_last)
    eq(rc, 0, f"verify up to segment {a} only ({out})")
    check(f"OK {a}" in out and f" {b}" not in out, f"verify --to report: {out}")

    gone = _copy(h, data, "delete")
    os.unlink(nl(gone, f"{b}.seg"))
    rc, out = _verify(h, gone)
    eq(rc, 1, f"verify after a deleted segment ({out})")
    check(f"BAD {b}: segment file missing" in out, f"deleted segment not named: {out}")

    both = _copy(h, data, "delete-all")
    for ext in ("seg", "manifest.json", "tsr"):
        os.unlink(nl(both, f"{b}.{ext}"))
    rc, out = _verify(h, both)
    eq(rc, 1, f"verify after a segment deleted with its seal ({out})")
    check(f"BAD {b}: segment and manifest missing" in out, f"removed seal not named: {out}")

    swap = _copy(h, data, "swap")
    os.rename(nl(swap, f"{a}.seg"), nl(swap, "tmp"))
    os.rename(nl(swap, f"{b}.seg"), nl(swap, f"{a}.seg"))
    os.rename(nl(swap, "tmp"), nl(swap, f"{b}.seg"))
    rc, out = _verify(h, swap)
    eq(rc, 1, f"verify after two segments swapped ({out})")
    check(f"BAD {a}: holds the content of segment {b} (reordered)" in out, f"swap not named: {out}")
    check(f"BAD {b}: holds the content of segment {a} (reordered)" in out, f"swap not named: {out}")

    # swapping whole sealed pairs (segment, manifest, token) breaks the chain
    pairs = _copy(h, data, "swap-pairs")
    for ext in ("seg", "manifest.json", "tsr"):
        os.rename(nl(pairs, f"{a}.{ext}"), nl(pairs, "tmp"))
        os.rename(nl(pairs, f"{b}.{ext}"), nl(pairs, f"{a}.{ext}"))
        os.rename(nl(pairs, "tmp"), nl(pairs, f"{b}.{ext}"))
    rc, out = _verify(h, pairs)
    eq(rc, 1, f"verify after sealed pairs swapped ({out})")
    check(f"BAD {a}: manifest belongs to segment {b} (reordered)" in out, f"pair swap not named: {out}")

    # a token from another manifest does not verify
    tok = _copy(h, data, "token")
    shutil.copy2(nl(tok, f"{a}.tsr"), nl(tok, f"{b}.tsr"))
    rc, out = _verify(h, tok)
    eq(rc, 1, f"verify with a borrowed token ({out})")
    check(f"BAD {b}: time stamp: token does not verify" in out, f"borrowed token not named: {out}")


def test_netlog_tsa_down_retried_nothing_lost(h):
    data = h.init_data("netlog-tsa")
    with Tsa(h.tmpdir("tsa")) as tsa:
        tsa.fail = True
        with Collector(h, data, _conf(tsa, "rotate_seconds = 1\n")) as col:
            _logger("--rfc5424", "-T", "-n", "127.0.0.1", "-P", str(col.tcp), "-t", "dnsmasq-dhcp",
                    "DHCPACK(eth1) 10.20.30.77 52:54:00:aa:bb:77 pc-77")
            st = col.wait_status(lambda s: s["stamp_failures"] >= 2 and s["stamps_pending"] >= 1 and s["stored"] == 1,
                                 "stamp failures while the TSA is down")
            eq(st["alarm"], True, "alarm while stamps are pending")
            rc, out = _verify(h, data)
            eq(rc, 1, f"verify with unstamped segments ({out})")
            check("no time stamp token" in out, f"verify report: {out}")
            tsa.fail = False
            st = col.wait_status(lambda s: s["stamps_pending"] == 0 and s["stamped"] >= 2, "the retried stamps")
            eq(st["alarm"], False, "alarm after the TSA came back")
    rc, out = _verify(h, data)
    eq(rc, 0, f"verify after the retries ({out.strip()})")
    eq(_query(h, data, "10.20.30.77", _now_iso())["lease"]["mac"], "52:54:00:aa:bb:77", "the line kept meanwhile")


def test_netlog_bad_input_counted(h):
    data = h.init_data("netlog-bad")
    with Tsa(h.tmpdir("tsa")) as tsa:
        with Collector(h, data, _conf(tsa, "tcp_clients = 4\n")) as col:
            with socket.create_connection(("127.0.0.1", col.tcp)) as s:
                s.sendall(b"\x00\x01\x02garbage \xff\xfe\xc3\x28 not utf-8\n")
                s.sendall(b"x" * 20000 + b"\n")         # over-long newline-framed line: cut and counted
                s.sendall(b"999999 " + b"y" * 5000)      # an over-long octet-counted frame: dropped
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.sendto(b"z" * 30000, ("127.0.0.1", col.udp))  # an over-long datagram: cut and counted
            u.close()
            held = [socket.create_connection(("127.0.0.1", col.tcp)) for _ in range(8)]
            st = col.wait_status(lambda s: s["tcp_refused"] >= 4, "refused connections")
            for c in held:
                c.close()
            # the next one must not race the collector's noticing of these closes
            col.wait_status(lambda s: s["tcp_clients"] == 0, "the held connections closed")
            with socket.create_connection(("127.0.0.1", col.tcp)) as s:
                s.sendall(b"<30>1 - gw dnsmasq-dhcp - - - DHCPACK(eth1) 10.20.30.99 52:54:00:aa:bb:99 pc-99\n")
            st = col.wait_status(lambda s: s["kinds"]["dhcp_ack"] == 1, "the good line after the bad ones")
            check(st["truncated"] >= 2, f"truncated count: {st}")
            check(st["dropped"] >= 1, f"dropped count: {st}")
            check(st["unknown"] >= 3, f"unknown count: {st}")
            eq(st["alarm"], True, "alarm after a dropped frame")
    rc, out = _verify(h, data)
    eq(rc, 0, f"verify ({out.strip()})")
    eq(_query(h, data, "10.20.30.99", _now_iso())["lease"]["mac"], "52:54:00:aa:bb:99", "the good line")


def test_netlog_dnsmasq_dhcp_in_namespaces(h):
    data = h.init_data("netlog-dhcp")
    d = h.tmpdir("dnsmasq")
    log = os.path.join(d, "dnsmasq.log")
    with Tsa(h.tmpdir("tsa")) as tsa, Netns(h) as ns:
        ns.set_mac("52:54:00:5e:00:42")
        ns.start_dnsmasq(log, os.path.join(d, "leases"))
        with Collector(h, data, _conf(tsa, f"files = {log}\n")) as col:
            ip1 = ns.dhcp_client("nlclient")
            t1 = _now_iso()
            col.wait_status(lambda s: s["kinds"]["dhcp_ack"] >= 1, "dnsmasq's DHCPACK read from its log file")
            ns.set_mac("52:54:00:5e:00:43")  # another device on the same wire
            ip2 = ns.dhcp_client("nlother")
            t2 = _now_iso()
            col.wait_status(lambda s: s["kinds"]["dhcp_ack"] >= 2, "the second DHCPACK")
    check(ip1.startswith(ns.subnet + ".") and ip2.startswith(ns.subnet + "."), f"leases {ip1} {ip2}")
    check(ip1 != ip2, f"two devices, one address {ip1}")
    rc, out = _verify(h, data)
    eq(rc, 0, f"verify ({out.strip()})")
    ans = _query(h, data, ip1, t1, reason="test: who had it")
    check(ans["lease"], f"no lease for {ip1} at {t1}: {ans}")
    eq(ans["lease"]["mac"], "52:54:00:5e:00:42", f"MAC of {ip1}")
    eq(ans["lease"]["host"], "nlclient", "host name")
    check(f"DHCPACK({ns.vs}) {ip1} 52:54:00:5e:00:42" in ans["lease"]["evidence"][0]["line"], f"evidence {ans}")
    ans = _query(h, data, ip2, t2)
    eq(ans["lease"]["mac"], "52:54:00:5e:00:43", f"MAC of {ip2}")
    # before any lease there is no answer
    eq(_query(h, data, ip1, "2020-01-01T00:00:00Z")["found"], False, "a moment before the lease")
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    check(ns.srv not in left and ns.cli not in left, f"namespaces left behind: {left}")


def test_netlog_drops_privileges(h):
    data = h.tmpdir("netlog-user")
    os.makedirs(os.path.join(data, "netlog"))
    shutil.chown(os.path.join(data, "netlog"), "nobody")
    for d in (h.root, data):  # nobody must reach DATA/netlog (mkdtemp makes 0700 folders)
        os.chmod(d, 0o711)
    with Collector(h, data, "user = nobody\nrotate_seconds = 1\n") as col:
        with open(f"/proc/{col.proc.pid}/status") as f:
            uids = next(line for line in f if line.startswith("Uid:")).split()[1:]
        import pwd
        nobody = str(pwd.getpwnam("nobody").pw_uid)
        eq(uids, [nobody] * 4, "real, effective, saved and fs uid of the collector")
        _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "x", "after the drop")
        col.wait_status(lambda s: s["stored"] == 1 and s["sealed"] >= 1, "a line stored and a segment sealed as nobody")
    st = os.stat(os.path.join(data, "netlog", "00000001.seg"))
    eq(st.st_uid, int(nobody), "segment owner")


def test_netlog_hanging_tsa_does_not_stop_ingest(h):
    data = h.tmpdir("netlog-hang")
    with Tsa(h.tmpdir("tsa")) as tsa:
        tsa.release.clear()
        with Collector(h, data, _conf(tsa, "rotate_seconds = 1\n")) as col:
            _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "t", "first")
            deadline = time.time() + 10
            while tsa.inflight == 0 and time.time() < deadline:
                time.sleep(0.05)
            check(tsa.inflight > 0, "the collector never asked the TSA")
            for i in range(5):
                _logger("--rfc5424", "-d", "-n", "127.0.0.1", "-P", str(col.udp), "-t", "t", f"during the hang {i}")
            col.wait_status(lambda s: s["stored"] == 6 and s["segment"] >= 3, "lines stored and segments rotated "
                            "while the TSA hangs", timeout=4)
            check(tsa.inflight > 0, "the TSA stopped hanging too early for the test")
            tsa.release.set()
            col.wait_status(lambda s: s["stamps_pending"] == 0 and s["stamped"] >= 2, "the stamps once it answers")
        eq(col.status()["stamps_pending"], 0, "stamps pending after the stop")


def test_netlog_sources_and_fast_path_round_trip(h):
    """status.json names each sending host (the syslog HOSTNAME, else the
    peer address) with its last line and count; many FortiGate lines over
    one TCP connection come back byte for byte (`netlog dump`), and the
    NAT session among them is answered."""
    data = h.init_data("netlog-sources")
    lines = []
    for i in range(3000):
        host = "FGT-A" if i % 3 else "FGT-B"
        lines.append(f"<189>1 2026-11-22T10:{i // 60 % 60:02d}:{i % 60:02d}Z {host} - - - - date=2026-11-22 time=10:00:00 "
                     f'devname="{host}" srcip=10.1.{i % 7}.{i % 250} srcport={1024 + i} dstip=93.184.216.{i % 200} '
                     f'dstport=443 proto=6 action="close" transip=203.0.113.{7 + i % 2} transport={20000 + i} '
                     f'sessionid={500000 + 3 * i} sentbyte={i * 37} user="{"u" + str(i % 5) if i % 4 else ""}"')
    lines.append("no header at all, just text")            # no HOSTNAME: the peer address counts it
    body = ("\n".join(lines) + "\n").encode()
    with Collector(h, data, "flush_ms = 100\n") as col:
        with socket.create_connection(("127.0.0.1", col.tcp)) as s:
            s.sendall(body)
        st = col.wait_status(lambda s: s["stored"] >= len(lines), "every line stored")
        src = st.get("sources", {})
        eq(src.get("FGT-A", {}).get("lines"), 2000, f"lines of FGT-A: {src}")
        eq(src.get("FGT-B", {}).get("lines"), 1000, f"lines of FGT-B: {src}")
        eq(src.get("127.0.0.1", {}).get("lines"), 1, f"the line without a host: {src}")
        check(src["FGT-A"]["last"] >= st["started"], f"last line time: {src}")
    p = h.cli("netlog", "dump", "--data", data)
    eq(p.returncode, 0, f"dump: {p.stderr[-300:]}")
    eq(hashlib.sha256(p.stdout.encode() if isinstance(p.stdout, str) else p.stdout).hexdigest(),
       hashlib.sha256(body).hexdigest(), "every line back byte for byte")
    ans = _query(h, data, "203.0.113.8", "2026-11-22T10:16:41Z", port=21001)  # line 1001
    nat = ans["nat"]
    check(len(nat) == 1 and nat[0]["internal_ip"] == "10.1.0.1" and nat[0]["internal_port"] == 2025,
          f"the NAT session: {nat}")
