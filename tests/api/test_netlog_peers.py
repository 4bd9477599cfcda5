"""The access-log collector with real peers: Debian's rsyslogd relaying
lines to it over UDP, TCP (octet-counted) and TLS (gtls, mutual
certificates, RFC 5425); hostile TLS clients (garbage, plain text, a
stalled handshake, no or a foreign certificate, too many at once) that
are counted while the good ones keep flowing; a FreeRADIUS detail file
tailed into login records."""
import datetime
import json
import os
import socket
import ssl
import subprocess
import time

from harness import check, eq, free_port, sanitizer_lines
from netlogpeers import Collector
from rsyslogpeer import Rsyslog, make_pki


def _now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query(h, data, ip, at):
    p = h.cli("netlog", "query", "--data", data, "--ip", ip, "--at", at, "--reason", "test: peers", "--json")
    check(p.returncode == 0, f"query {ip}: exit {p.returncode}: {p.stderr[-500:]}")
    return json.loads(p.stdout)


def _tls_conf(pki, extra=""):
    return (f"flush_ms = 100\ntls_cert = {pki['server']}\ntls_key = {pki['server_key']}\n"
            f"tls_ca = {pki['ca']}\n{extra}")


def _tls_client(pki, port, cert="client"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki["ca"])
    if cert:
        ctx.load_cert_chain(pki[cert], pki[cert + "_key"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return ctx.wrap_socket(raw, server_hostname="netlog.test")


def _frame(msg):
    b = msg.encode()
    return str(len(b)).encode() + b" " + b


def test_netlog_rsyslog_relays_udp_tcp_tls(h):
    data = h.init_data("netlog-rsyslog")
    pki = make_pki(h.tmpdir("pki"))
    tls_port = free_port()
    with Collector(h, data, _tls_conf(pki), env={"DEFTER_NETLOG_TLS": f"127.0.0.1:{tls_port}"}) as col:
        st = col.status()
        eq((st["tls_clients"], st["tls_handshakes"]), (0, 0), "TLS counters at the start")
        routes = {
            "viaudp": f'port="{col.udp}" protocol="udp"',
            "viatcp": f'port="{col.tcp}" protocol="tcp" TCP_Framing="octet-counted" '
                      'template="RSYSLOG_SyslogProtocol23Format"',
            "viatls": f'port="{tls_port}" protocol="tcp" TCP_Framing="octet-counted" '
                      'template="RSYSLOG_SyslogProtocol23Format" StreamDriver="gtls" StreamDriverMode="1" '
                      'StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="netlog.test"',
        }
        with Rsyslog(h, h.tmpdir("rsyslog"), routes, pki) as rs:
            rs.send("viaudp", "dnsmasq-dhcp", "DHCPACK(eth1) 10.30.1.11 52:54:00:aa:01:11 pc-udp")
            rs.send("viaudp", "sshd", "Accepted publickey for root from 10.30.1.200")
            rs.send("viatcp", "dnsmasq-dhcp", "DHCPACK(eth1) 10.30.1.12 52:54:00:aa:01:12 pc-tcp")
            rs.send("viatcp", "radiusd", "Auth: (7) Login OK: [mehmet.y] (from client ap-kat1 port 3 "
                    "cli 52-54-00-AA-01-12)")
            rs.send("viatls", "dnsmasq-dhcp", "DHCPACK(eth1) 10.30.1.13 52:54:00:aa:01:13 pc-tls", rfc="--rfc5424")
            rs.send("viatls", "hotspot", "hotspot,account,info,debug ayse.k (10.30.1.13): logged in")
            st = col.wait_status(lambda s: s["stored"] >= 6, "six lines relayed by rsyslog", timeout=30)
            eq(st["kinds"]["dhcp_ack"], 3, "leases over UDP, TCP and TLS")
            eq(st["kinds"]["login"], 2, "logins (radiusd over TCP, hotspot over TLS)")
            eq((st["unknown"], st["dropped"], st["truncated"]), (1, 0, 0), "unknown, dropped, truncated")
            check(st["tls_handshakes"] >= 1 and st["tls_clients"] >= 1, f"rsyslog's TLS connection: {st}")
            eq((st["tls_failed"], st["tls_timeouts"]), (0, 0), "TLS failures")
            check(st["tcp_clients"] >= 1, f"rsyslog's TCP connection: {st}")
            at = _now_iso()
        st = col.wait_status(lambda s: s["tls_clients"] == 0, "rsyslog's TLS connection closed on its stop")
        eq(st["stored"], 6, "lines after rsyslog stopped")
    for ip, mac, host in (("10.30.1.11", "52:54:00:aa:01:11", "pc-udp"), ("10.30.1.12", "52:54:00:aa:01:12", "pc-tcp"),
                          ("10.30.1.13", "52:54:00:aa:01:13", "pc-tls")):
        lease = _query(h, data, ip, at)["lease"]
        check(lease, f"no lease for {ip}")
        eq((lease["mac"], lease["host"]), (mac, host), f"lease of {ip}")
        line = lease["evidence"][0]["line"]
        check(f"DHCPACK(eth1) {ip} {mac} {host}" in line, f"evidence of {ip}: {line}")
    # the TLS route carried RFC 5424 from rsyslog: its header, not the relay's
    line = _query(h, data, "10.30.1.13", at)["lease"]["evidence"][0]["line"]
    check(line.startswith("<") and ">1 " in line[:6], f"RFC 5424 line over TLS: {line}")


def test_netlog_tls_hostile_clients_counted(h):
    data = h.init_data("netlog-tls-bad")
    pki = make_pki(h.tmpdir("pki"))
    tls_port = free_port()
    conf = _tls_conf(pki, "tcp_clients = 6\ntls_handshake_seconds = 3\n")
    with Collector(h, data, conf, env={"DEFTER_NETLOG_TLS": f"127.0.0.1:{tls_port}"}) as col:
        # plain text and garbage on the TLS port
        for junk in (b"<13>Nov 17 09:05:00 gw plain: syslog over the TLS port\n", b"\x16\x03\x01\xff\xff" + b"\x00" * 64,
                     os.urandom(3000)):
            with socket.create_connection(("127.0.0.1", tls_port)) as s:
                s.sendall(junk)
                s.settimeout(10)
                try:
                    while s.recv(4096):
                        pass
                except OSError:
                    pass
        col.wait_status(lambda s: s["tls_failed"] >= 3 and s["tls_clients"] == 0, "garbage clients failed and closed")
        # two that never finish their handshake hold their slots ...
        stalled = [socket.create_connection(("127.0.0.1", tls_port)) for _ in range(2)]
        stalled[1].sendall(b"\x16\x03\x01\x02")  # the start of a ClientHello, then nothing
        # ... a good sender is not held up by them
        with _tls_client(pki, tls_port) as good:
            good.sendall(_frame("<30>1 - gw dnsmasq-dhcp - - - DHCPACK(eth1) 10.30.2.21 52:54:00:bb:02:21 pc-21"))
            st = col.wait_status(lambda s: s["kinds"]["dhcp_ack"] == 1, "the good line past the stalled handshakes",
                                 timeout=2.5)
            eq(st["tls_timeouts"], 0, "handshakes timed out already")
            check(st["tls_clients"] == 3, f"stalled and good clients: {st}")
        st = col.wait_status(lambda s: s["tls_timeouts"] == 2 and s["tls_clients"] == 0, "stalled handshakes closed")
        for s in stalled:
            s.close()
        # no certificate, or one from another CA: refused (TLS 1.3 says so after the client's Finished)
        failed = st["tls_failed"]
        for cert in (None, "intruder"):
            try:
                with _tls_client(pki, tls_port, cert) as c:
                    c.sendall(_frame("<30>1 - gw x - - - from a client without the right certificate"))
                    c.recv(100)
            except (ssl.SSLError, OSError):
                pass
        st = col.wait_status(lambda s: s["tls_failed"] == failed + 2, "clients without a CA certificate refused")
        # more connections than tcp_clients: refused and counted
        held = [socket.create_connection(("127.0.0.1", tls_port)) for _ in range(9)]
        st = col.wait_status(lambda s: s["tls_refused"] >= 3, "TLS connections over the limit refused")
        for s in held:
            s.close()
        col.wait_status(lambda s: s["tls_clients"] == 0, "the held connections closed", timeout=10)
        # a long line, a last line without its newline; the collector still serves
        with _tls_client(pki, tls_port) as good:
            good.sendall(b"<30>1 - gw dnsmasq-dhcp - - - DHCPACK(eth1) 10.30.2.22 52:54:00:bb:02:22 pc-22\n" +
                         b"x" * 20000 + b"\n" + _frame("<30>1 - gw t - - - " + "y" * 100) +
                         b"<30>1 - gw dnsmasq-dhcp - - - DHCPACK(eth1) 10.30.2.23 52:54:00:bb:02:23 pc-23")
        st = col.wait_status(lambda s: s["kinds"]["dhcp_ack"] == 3, "good lines after the hostile clients")
        eq(st["truncated"], 1, "the long line cut")
        eq(st["dropped"], 0, "dropped")
        eq(st["stored"], st["received"], "every received line stored")
    check("netlog: tls client dropped" in col.logtail(), "failures logged")
    eq(_query(h, data, "10.30.2.23", _now_iso())["lease"]["mac"], "52:54:00:bb:02:23", "the last line without newline")


DETAIL = """{date}
\tAcct-Session-Id = "81500001"
\tAcct-Status-Type = {status}
\tUser-Name = "ayse.k"
\tNAS-IP-Address = 10.30.3.1
\tFramed-IP-Address = 10.30.3.23
\tCalling-Station-Id = "52-54-00-CC-03-23"
\tEvent-Timestamp = {ev}
\tTimestamp = {ev}

"""


def test_netlog_freeradius_detail_tailed(h):
    data = h.init_data("netlog-radacct")
    d = h.tmpdir("radacct")
    detail = os.path.join(d, "detail-20261122")
    open(detail, "w").close()
    with Collector(h, data, f"flush_ms = 100\nfiles = {detail}\n") as col:
        t = int(time.time())
        with open(detail, "a") as f:
            for k, status in enumerate(("Start", "Interim-Update", "Stop")):
                date = time.strftime("%a %b %e %H:%M:%S %Y", time.localtime(t + k))
                f.write(DETAIL.format(date=date, status=status, ev=t + k))
            f.write("Sun Nov 22 06:00:00 2026\n\tAcct-Status-Type = Accounting-On\n\tNAS-IP-Address = 10.30.3.1\n\n")
        st = col.wait_status(lambda s: s["stored"] >= 4, "four detail records")
        eq((st["kinds"]["login"], st["kinds"]["logout"], st["unknown"]), (2, 1, 1), "login, logout, unknown records")
        eq(st["received"], 4, "records (not lines) received")
    # the accounting session answers "who was signed in on 10.30.3.23" while it lasted, not after its Stop
    for at, want in ((t + 1, "ayse.k"), (t + 30, None)):
        iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
        p = h.cli("netlog", "query", "--data", data, "--ip", "10.30.3.23", "--at", iso, "--reason", "test", "--json")
        eq(p.returncode, 0, f"query: {p.stderr[-300:]}")
        login = json.loads(p.stdout)["login"]
        eq(login and login["user"], want, f"signed in at +{at - t}s: {login}")
        if want:
            eq(login["mac"], "52:54:00:cc:03:23", "the device")


def test_netlog_tls_without_key_refuses_to_start(h):
    data = h.init_data("netlog-tls-nokey")
    with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
        f.write(f"\n[netlog]\ntls_cert = {data}/missing.pem\ntls_key = {data}/missing.key\n")
    env = dict(os.environ, DEFTER_NETLOG_UDP=f"127.0.0.1:{free_port()}", DEFTER_NETLOG_TCP=f"127.0.0.1:{free_port()}",
               DEFTER_NETLOG_TLS=f"127.0.0.1:{free_port()}")
    p = subprocess.run([h.bin, "netlog", "--data", data], capture_output=True, text=True, env=env, timeout=60)
    eq(p.returncode, 1, f"exit status without a usable TLS key ({p.stderr[-300:]})")
    check(not sanitizer_lines(p.stderr), f"sanitizer report: {p.stderr[-500:]}")
    check("cannot use the tls certificate or key" in p.stderr, f"the reason: {p.stderr[-500:]}")
    check(not os.path.exists(os.path.join(data, "netlog", "status.json")), "collector ran without its TLS listener")
