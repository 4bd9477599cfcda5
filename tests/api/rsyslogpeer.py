"""rsyslogpeer.py - Debian's rsyslogd as a real syslog relay for the
access-log archive tests, and the certificates TLS syslog needs.

    make_pki(dir)         a test CA (openssl), a server certificate for
                          "netlog.test" / 127.0.0.1, a client certificate, and
                          a client certificate from another CA; returns a dict
                          of PEM paths.
    Rsyslog(h, dir, routes, pki)
                          rsyslogd -n -f own config -i own pid file, its own
                          work directory, no imuxsock / imklog (no /dev/log, no
                          kernel log: it cannot clash with a system rsyslog).
                          routes: {name: omfwd action parameters}; each route
                          gets an imudp input on a free port bound to a ruleset
                          of its own, so a line sent to .port[name] leaves
                          through that route only. .send(name, tag, msg) uses
                          logger. A context manager: stopped with SIGTERM.
"""
import os
import signal
import socket
import subprocess
import time

from harness import TestFailure, check

RSYSLOGD = "/usr/sbin/rsyslogd"


def _run(args):
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        raise TestFailure(f"{' '.join(args)} failed ({p.returncode}): {p.stderr[-800:]}")


def _ca(d, name, cn):
    _run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/{name}.key", "-out",
          f"{d}/{name}.pem", "-days", "30", "-subj", f"/CN={cn}", "-addext", "basicConstraints=critical,CA:true",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])


def _leaf(d, name, ca, cn, ext):
    with open(f"{d}/{name}.ext", "w") as f:
        f.write(ext)
    _run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr",
          "-subj", f"/CN={cn}"])
    _run(["openssl", "x509", "-req", "-in", f"{d}/{name}.csr", "-CA", f"{d}/{ca}.pem", "-CAkey", f"{d}/{ca}.key",
          "-CAcreateserial", "-out", f"{d}/{name}.pem", "-days", "30", "-extfile", f"{d}/{name}.ext"])


def make_pki(d):
    _ca(d, "ca", "defter netlog test CA")
    _ca(d, "rogue", "some other CA")
    _leaf(d, "server", "ca", "netlog.test", "basicConstraints=CA:false\nextendedKeyUsage=serverAuth\n"
          "subjectAltName=DNS:netlog.test,IP:127.0.0.1\n")
    _leaf(d, "client", "ca", "relay.test", "basicConstraints=CA:false\nextendedKeyUsage=clientAuth\n"
          "subjectAltName=DNS:relay.test\n")
    _leaf(d, "intruder", "rogue", "relay.test", "basicConstraints=CA:false\nextendedKeyUsage=clientAuth\n"
          "subjectAltName=DNS:relay.test\n")
    return {n: f"{d}/{n}.pem" for n in ("ca", "server", "client", "intruder")} | \
           {n + "_key": f"{d}/{n}.key" for n in ("server", "client", "intruder")}


def _free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rsyslog:
    def __init__(self, h, d, routes, pki=None):
        check(os.access(RSYSLOGD, os.X_OK), f"{RSYSLOGD} missing (scripts/deps.sh --test installs rsyslog)")
        self.dir = d
        self.work = os.path.join(d, "work")
        os.makedirs(self.work, exist_ok=True)
        self.pid_file = os.path.join(d, "rsyslogd.pid")
        self.port = {}
        g = [f'workDirectory="{self.work}"', 'maxMessageSize="64k"']
        if pki:  # gtls: the CA the collector's certificate chains to, and the relay's own certificate
            g += [f'DefaultNetstreamDriverCAFile="{pki["ca"]}"', f'DefaultNetstreamDriverCertFile="{pki["client"]}"',
                  f'DefaultNetstreamDriverKeyFile="{pki["client_key"]}"']
        conf = [f"global({' '.join(g)})", 'module(load="imudp")']
        for name, action in routes.items():
            self.port[name] = _free_udp_port()
            conf.append(f'input(type="imudp" address="127.0.0.1" port="{self.port[name]}" ruleset="{name}")')
            conf.append(f'ruleset(name="{name}") {{ action(type="omfwd" target="127.0.0.1" {action}) }}')
        self.conf = os.path.join(d, "rsyslog.conf")
        with open(self.conf, "w") as f:
            f.write("\n".join(conf) + "\n")
        _run([RSYSLOGD, "-N1", "-f", self.conf])  # the configuration is valid
        self.log_path = os.path.join(d, "rsyslogd.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([RSYSLOGD, "-n", "-f", self.conf, "-i", self.pid_file], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure(f"rsyslogd exited ({self.proc.returncode}): {self.logtail()}")
            if os.path.exists(self.pid_file) and self._listening():
                return
            time.sleep(0.05)
        self.close()
        raise TestFailure(f"rsyslogd did not start: {self.logtail()}")

    def _listening(self):
        out = subprocess.run(["ss", "-Hlunp"], capture_output=True, text=True).stdout
        return all(f"127.0.0.1:{p} " in out for p in self.port.values())

    def send(self, route, tag, msg, rfc="--rfc3164"):
        p = subprocess.run(["logger", rfc, "-d", "-n", "127.0.0.1", "-P", str(self.port[route]), "-t", tag, msg],
                           capture_output=True, text=True, timeout=20)
        if p.returncode != 0:
            raise TestFailure(f"logger to rsyslog ({route}): {p.stderr}")

    def logtail(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-1500:]
        except OSError:
            return ""

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
