"""netlogpeers.py - real peers for the access-log archive tests.

    Tsa(tmpdir)         an RFC 3161 time-stamp authority: `openssl ts -reply`
                        behind a small http.server on 127.0.0.1, with a test
                        CA and TSA certificate made by openssl in tmpdir;
                        .url, .ca, .fail (answer 503 while True), .served,
                        .release (clear it to hold requests: a hanging TSA).
    Tsa(tmpdir, kamusm=(user, password), credits=N)
                        the same behind a MOCK of Kamu SM's authentication
                        (the real zd.kamusm.gov.tr is on the internet): it
                        decodes the `identity` header (DER ESYAReqEx, key by
                        PBKDF2-HMAC-SHA256, AES-256-CBC via `openssl enc`),
                        answers a wrong one inside HTTP 200 as Kamu SM does,
                        and answers credit queries with N; .identities.
    Collector(h, data)  `defter netlog --data DATA` on free UDP/TCP ports
                        (DEFTER_NETLOG_UDP / _TCP), .status(), .wait_status(),
                        .stop() (SIGTERM: must exit 0, no sanitizer report).
    Netns(h)            two network namespaces joined by a veth pair: a
                        dnsmasq DHCP server in one, udhcpc in the other;
                        always removed again.

All are context managers and clean up after themselves.
"""
import hashlib
import http.server
import json
import os
import signal
import subprocess
import tempfile
import threading
import time

from harness import TestFailure, check, free_port, sanitizer_lines


def _run(args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise TestFailure(f"{' '.join(args)} failed ({p.returncode}): {p.stderr[-800:]}")
    return p


def _der_len(b, i):
    first = b[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7F
    return int.from_bytes(b[i + 1:i + 1 + n], "big"), i + 1 + n


def _der_seq(b):
    """The (tag, value) items of a DER SEQUENCE of primitives."""
    if not b or b[0] != 0x30:
        raise ValueError("not a SEQUENCE")
    n, i = _der_len(b, 1)
    body, items, j = b[i:i + n], [], 0
    while j < len(body):
        tag = body[j]
        ln, k = _der_len(body, j + 1)
        items.append((tag, body[k:k + ln]))
        j = k + ln
    return items


def kamusm_decode_identity(ident_hex, password):
    """(userid, digest) from an identity header, checking its shape."""
    h = ident_hex.strip()
    raw = bytes.fromhex(h if len(h) % 2 == 0 else "0" + h)
    items = _der_seq(raw)
    if [t for t, _ in items] != [0x02, 0x04, 0x02, 0x04, 0x04]:
        raise ValueError(f"unexpected ESYAReqEx items {[t for t, _ in items]}")
    userid = int.from_bytes(items[0][1], "big")
    salt, iters, iv, enc = items[1][1], int.from_bytes(items[2][1], "big"), items[3][1], items[4][1]
    if len(salt) != 16 or iv != salt or iters != 100:
        raise ValueError("salt/iv/iterations not as Kamu SM's client sends them")
    key = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters, 32)
    p = subprocess.run(["openssl", "enc", "-d", "-aes-256-cbc", "-K", key.hex(), "-iv", iv.hex()], input=enc,
                       capture_output=True)
    if p.returncode != 0:
        raise ValueError("identity does not decrypt with this password")
    return userid, p.stdout


def _kamusm_error(text):
    """An error as Kamu SM sends it: a DER structure with text, in HTTP 200."""
    t = text.encode()
    inner = bytes([0x0C, len(t)]) + t
    return bytes([0x30, len(inner)]) + inner


class Tsa:
    def __init__(self, tmpdir, kamusm=None, credits=None):
        self.dir = tmpdir
        self.kamusm = kamusm
        self.credits = credits
        self.identities = 0
        self.fail = False
        self.served = 0
        self.inflight = 0
        self.release = threading.Event()  # cleared: hold each request until set (a hanging TSA)
        self.release.set()
        d = tmpdir
        with open(os.path.join(d, "ext.cnf"), "w") as f:
            f.write("[tsa_ext]\nbasicConstraints = CA:false\nkeyUsage = critical,digitalSignature,nonRepudiation\n"
                    "extendedKeyUsage = critical,timeStamping\n")
        _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/ca.key", "-out",
              f"{d}/ca.pem", "-days", "30", "-subj", "/CN=defter test TSA CA",
              "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/tsa.key", "-out", f"{d}/tsa.csr",
              "-subj", "/CN=defter test TSA"])
        _run(["openssl", "x509", "-req", "-in", f"{d}/tsa.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
              "-CAcreateserial", "-out", f"{d}/tsa.pem", "-days", "30", "-extfile", f"{d}/ext.cnf",
              "-extensions", "tsa_ext"])
        with open(os.path.join(d, "tsaserial"), "w") as f:
            f.write("01\n")
        self.cnf = os.path.join(d, "tsa.cnf")
        with open(self.cnf, "w") as f:
            f.write(f"""[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {d}
serial = $dir/tsaserial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
        self.ca = os.path.join(d, "ca.pem")
        tsa = self
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                tsa.inflight += 1
                try:
                    tsa.release.wait(20)
                finally:
                    tsa.inflight -= 1
                if tsa.fail or self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_response(503)
                    self.end_headers()
                    return
                if tsa.kamusm:
                    user, password = tsa.kamusm
                    try:
                        uid, digest = kamusm_decode_identity(self.headers.get("identity", ""), password)
                        if uid != int(user):
                            raise ValueError("User is not known")
                        if self.headers.get("credit_req"):
                            seed = f"{user}{self.headers.get('credit_req_time', '')}".encode()
                            if self.headers.get("credit_req") != user or digest != hashlib.sha1(seed).digest():
                                raise ValueError("credit request does not match its identity")
                            out = str(tsa.credits).encode()
                            self.send_response(200)
                            self.send_header("Content-Length", str(len(out)))
                            self.end_headers()
                            self.wfile.write(out)
                            return
                        if len(digest) != 32 or digest not in body:
                            raise ValueError("identity is for another digest")
                        tsa.identities += 1
                    except ValueError:
                        out = _kamusm_error("Account could not be authenticated")
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(out)))
                        self.end_headers()
                        self.wfile.write(out)
                        return
                with lock, tempfile.TemporaryDirectory(dir=tsa.dir) as t:
                    q, r = os.path.join(t, "q.tsq"), os.path.join(t, "r.tsr")
                    with open(q, "wb") as f:
                        f.write(body)
                    p = subprocess.run(["openssl", "ts", "-reply", "-config", tsa.cnf, "-queryfile", q, "-out", r],
                                       capture_output=True)
                    if p.returncode != 0:
                        self.send_response(500)
                        self.end_headers()
                        return
                    with open(r, "rb") as f:
                        out = f.read()
                    tsa.served += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class Collector:
    def __init__(self, h, data_dir, conf="", env=None):
        self.h = h
        self.data = data_dir
        self.netlog = os.path.join(data_dir, "netlog")
        conf_path = os.path.join(data_dir, "defter.conf")
        with open(conf_path, "a", encoding="utf-8") as f:
            f.write("\n[netlog]\n" + conf)
        self.udp = free_port()
        self.tcp = free_port()
        e = dict(os.environ)
        e.update({"DEFTER_NETLOG_UDP": f"127.0.0.1:{self.udp}", "DEFTER_NETLOG_TCP": f"127.0.0.1:{self.tcp}"})
        e.update(env or {})
        self.log_path = os.path.join(data_dir, "netlog-collector.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([h.bin, "netlog", "--data", data_dir], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log, env=e)
        self.wait_status(lambda s: True, "the collector to start")

    def status(self):
        try:
            with open(os.path.join(self.netlog, "status.json"), encoding="utf-8") as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def wait_status(self, pred, what, timeout=20):
        deadline = time.time() + timeout
        s = None
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure(f"collector exited ({self.proc.returncode}) waiting for {what}: {self.logtail()}")
            s = self.status()
            if s is not None and pred(s):
                return s
            time.sleep(0.05)
        raise TestFailure(f"timed out waiting for {what}; status {s}")

    def logtail(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")[-1500:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.h.stop_timeout + 30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise TestFailure("the collector did not stop on SIGTERM")
        self.log.close()
        bad = sanitizer_lines(open(self.log_path, encoding="utf-8", errors="replace").read())
        check(not bad, f"collector sanitizer report: {bad[:1]}")
        check(self.proc.returncode == 0, f"collector exit status {self.proc.returncode}: {self.logtail()}")
        return self.status()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *a):
        if exc_type is None:
            self.stop()
        elif self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class Netns:
    """Namespaces <tag>s (dnsmasq) and <tag>c (the client), veth <tag>S/<tag>C."""

    def __init__(self, h, subnet="10.199.7"):
        self.tag = f"nl{os.getpid() % 10000}{int(time.time() * 1000) % 1000}"
        self.srv, self.cli = self.tag + "s", self.tag + "c"
        self.vs, self.vc = self.tag + "S", self.tag + "C"
        self.subnet = subnet
        self.procs = []
        try:
            _run(["ip", "netns", "add", self.srv])
            _run(["ip", "netns", "add", self.cli])
            _run(["ip", "link", "add", self.vs, "type", "veth", "peer", "name", self.vc])
            _run(["ip", "link", "set", self.vs, "netns", self.srv])
            _run(["ip", "link", "set", self.vc, "netns", self.cli])
            _run(["ip", "-n", self.srv, "addr", "add", f"{subnet}.1/24", "dev", self.vs])
            _run(["ip", "-n", self.srv, "link", "set", self.vs, "up"])
            _run(["ip", "-n", self.srv, "link", "set", "lo", "up"])
            _run(["ip", "-n", self.cli, "link", "set", self.vc, "up"])
        except BaseException:
            self.close()
            raise

    def set_mac(self, mac):
        _run(["ip", "-n", self.cli, "link", "set", self.vc, "down"])
        _run(["ip", "-n", self.cli, "link", "set", self.vc, "address", mac])
        _run(["ip", "-n", self.cli, "link", "set", self.vc, "up"])

    def start_dnsmasq(self, log_file, lease_file):
        p = subprocess.Popen(["ip", "netns", "exec", self.srv, "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
                              "--port=0", f"--interface={self.vs}", "--bind-interfaces",
                              f"--dhcp-range={self.subnet}.50,{self.subnet}.60,12h", f"--log-facility={log_file}",
                              f"--dhcp-leasefile={lease_file}", f"--pid-file={lease_file}.pid", "--user=root",
                              "--group=root"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.procs.append(p)
        deadline = time.time() + 10
        while time.time() < deadline:
            if p.poll() is not None:
                raise TestFailure(f"dnsmasq exited: {p.stderr.read().decode()[-500:]}")
            if os.path.exists(log_file) and b"DHCP, sockets bound" in open(log_file, "rb").read():
                return p
            time.sleep(0.05)
        raise TestFailure("dnsmasq did not start")

    def dhcp_client(self, hostname):
        """udhcpc in the client namespace: returns the address it was given."""
        p = subprocess.run(["ip", "netns", "exec", self.cli, "udhcpc", "-i", self.vc, "-n", "-q", "-f", "-t", "8",
                            "-T", "1", "-s", "/bin/true", "-x", f"hostname:{hostname}"],
                           capture_output=True, text=True, timeout=40)
        out = p.stdout + p.stderr
        check(p.returncode == 0, f"udhcpc got no lease: {out[-500:]}")
        for line in out.splitlines():
            if "lease of " in line and " obtained" in line:
                return line.split("lease of ", 1)[1].split()[0]
        raise TestFailure(f"udhcpc output has no lease: {out[-500:]}")

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            if p.stderr:
                p.stderr.close()
        for ns in (self.srv, self.cli):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
