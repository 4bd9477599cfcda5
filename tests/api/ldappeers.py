"""ldappeers.py - a real OpenLDAP server for the tests, on 127.0.0.1 and free ports.

    SlapdPeer(tmpdir, tls=True)   Debian's slapd (package slapd) as its own
        process with a cn=config directory built by slapadd in tmpdir: the
        mdb backend, the core, cosine and inetOrgPerson schemas, the
        memberof overlay, a test CA and server certificate made by openssl
        (ldaps:// and StartTLS), and the entries of BASE_LDIF loaded over
        LDAP with ldapadd (so that memberOf is filled in).
        .url / .ldaps_url, .ca_file, .add(ldif), .delete(dn), .stop(), .start()

A context manager; stops cleanly (SIGTERM, then wait). Works as root and as
an ordinary user (slapd then runs as that user).

    defter_ldap_conf(peer, pwfile)  the [ldap] settings of the tests (search-
        then-bind over StartTLS, the group map below).

Run as a program (`python3 ldappeers.py DIR`, used by the browser tests) it
starts a slapd in DIR, prints one JSON line of DEFTER_LDAP_* environment
settings, and stops slapd when its stdin closes.
"""
import json
import sys
import os
import shutil
import signal
import socket
import subprocess
import time

from harness import TestFailure, free_port

SUFFIX = "dc=example,dc=org"
ROOT_DN = "cn=admin," + SUFFIX
ROOT_PW = "rootsecret-9x"
READER_DN = "cn=reader,ou=system," + SUFFIX
READER_PW = "reader-pass-7"

# People and groups of the test directory. employeeNumber holds the T.C.
# number, departmentNumber the unit code.
PEOPLE = {
    "ayse": {"cn": "Ayşe Dizinci", "pw": "Ayse-Parola-1", "mail": "ayse@example.org", "phone": "0532 111 22 33",
             "tckn": "10000000146", "unit": "MUD"},
    "mehmet": {"cn": "Mehmet Ldapoğlu", "pw": "Mehmet-Parola-2", "mail": "mehmet@example.org",
               "phone": "0533 444 55 66", "tckn": "12345678950", "unit": "SNB"},
    "zeynep": {"cn": "Zeynep Demir", "pw": "Zeynep-Parola-3", "mail": "zeynep@example.org", "phone": "",
               "tckn": "", "unit": "YBY"},
}
GROUPS = {"bt-admins": ["ayse"], "destek": ["mehmet"], "herkes": ["ayse", "mehmet", "zeynep"]}
GROUP_MAP = f"cn=bt-admins,ou=groups,{SUFFIX}=admin | destek=teknik@SNB | destek=personel@TAB"


def defter_ldap_conf(peer, pwfile):
    """The [ldap] settings the tests start from (keys as in defter.conf)."""
    with open(pwfile, "w") as f:
        f.write(READER_PW + "\n")
    return {
        "enabled": "yes",
        "url": peer.url,
        "starttls": "yes",
        "ca_file": peer.ca_file,
        "bind_dn": READER_DN,
        "bind_password_file": pwfile,
        "base_dn": f"ou=people,{SUFFIX}",
        "user_filter": "(&(objectClass=inetOrgPerson)(uid=%s))",
        "tckn_attribute": "employeeNumber",
        "unit_attribute": "departmentNumber",
        "group_map": GROUP_MAP,
        "timeout_seconds": "3",
    }


def _which(name):
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    p = shutil.which(name)
    if not p:
        raise TestFailure(f"{name} is not installed (Debian: slapd ldap-utils; scripts/deps.sh --test)")
    return p


def person_ldif(uid, p):
    lines = [f"dn: uid={uid},ou=people,{SUFFIX}", "objectClass: inetOrgPerson", f"uid: {uid}", f"cn: {p['cn']}",
             f"sn: {p['cn'].split()[-1]}", f"userPassword: {p['pw']}", f"mail: {p['mail']}",
             f"departmentNumber: {p['unit']}"]
    if p.get("phone"):
        lines.append(f"telephoneNumber: {p['phone']}")
    if p.get("tckn"):
        lines.append(f"employeeNumber: {p['tckn']}")
    return "\n".join(lines) + "\n"


def base_ldif():
    out = [f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
           f"dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n",
           f"dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n",
           f"dn: ou=system,{SUFFIX}\nobjectClass: organizationalUnit\nou: system\n",
           f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\n"
           f"userPassword: {READER_PW}\n"]
    out += [person_ldif(uid, p) for uid, p in PEOPLE.items()]
    for g, members in GROUPS.items():
        out.append(f"dn: cn={g},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {g}\n" +
                   "".join(f"member: uid={m},ou=people,{SUFFIX}\n" for m in members))
    return "\n".join(out)


def _config_ldif(root, tls):
    tls_lines = ""
    if tls:
        tls_lines = (f"olcTLSCACertificateFile: {root}/ca.pem\n"
                     f"olcTLSCertificateFile: {root}/server.pem\n"
                     f"olcTLSCertificateKeyFile: {root}/server.key\n")
    return f"""dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {root}/slapd.pid
{tls_lines}
dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb
olcModuleLoad: memberof

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif

include: file:///etc/ldap/schema/cosine.ldif

include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcAccess: {{0}}to * by * none

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {SUFFIX}
olcDbDirectory: {root}/db
olcDbMaxSize: 33554432
olcRootDN: {ROOT_DN}
olcRootPW: {ROOT_PW}
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by users read by * none

dn: olcOverlay={{0}}memberof,olcDatabase={{1}}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcMemberOf
olcOverlay: {{0}}memberof
olcMemberOfRefInt: TRUE
"""


def _make_certs(root):
    """A test CA and a server certificate for 127.0.0.1 / localhost."""
    def run(*args):
        p = subprocess.run(["openssl", *args], cwd=root, capture_output=True, text=True)
        if p.returncode:
            raise TestFailure(f"openssl {args[0]}: {p.stderr[-300:]}")
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
        "-subj", "/CN=defter test CA")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")
    with open(os.path.join(root, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf")
    os.chmod(os.path.join(root, "server.key"), 0o600)


class SlapdPeer:
    def __init__(self, tmpdir, tls=True):
        self.root = os.path.join(tmpdir, "slapd")
        os.makedirs(os.path.join(self.root, "db"))
        os.makedirs(os.path.join(self.root, "slapd.d"))
        self.tls = tls
        self.port = free_port()
        self.tls_port = free_port() if tls else None
        self.proc = None
        self.log_path = os.path.join(self.root, "slapd.log")
        self.ca_file = os.path.join(self.root, "ca.pem") if tls else None
        if tls:
            _make_certs(self.root)
        cfg = os.path.join(self.root, "config.ldif")
        with open(cfg, "w", encoding="utf-8") as f:
            f.write(_config_ldif(self.root, tls))
        p = subprocess.run([_which("slapadd"), "-n", "0", "-F", os.path.join(self.root, "slapd.d"), "-l", cfg],
                           capture_output=True, text=True)
        if p.returncode:
            raise TestFailure(f"slapadd (cn=config) failed: {p.stderr[-500:]}")
        self.start()
        self.add(base_ldif())

    @property
    def url(self):
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self):
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def start(self):
        urls = self.url + "/" + (f" {self.ldaps_url}/" if self.tls else "")
        log = open(self.log_path, "ab")
        # -d 0: stay in the foreground (a child we can stop), logging nothing.
        self.proc = subprocess.Popen([_which("slapd"), "-d", "0", "-h", urls, "-F", os.path.join(self.root, "slapd.d")],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise TestFailure(f"slapd exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        raise TestFailure("slapd did not start listening")

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def _tool(self, name, ldif=None, *args):
        p = subprocess.run([_which(name), "-x", "-H", self.url, "-D", ROOT_DN, "-w", ROOT_PW, *args],
                           input=ldif, capture_output=True, text=True, timeout=30)
        if p.returncode:
            raise TestFailure(f"{name} failed ({p.returncode}): {p.stderr[-400:]}")
        return p.stdout

    def add(self, ldif):
        return self._tool("ldapadd", ldif)

    def modify(self, ldif):
        return self._tool("ldapmodify", ldif)

    def delete(self, dn):
        return self._tool("ldapdelete", None, dn)

    def search(self, base, filt, *attrs):
        return self._tool("ldapsearch", None, "-LLL", "-b", base, filt, *attrs)

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    root = sys.argv[1]
    with SlapdPeer(root) as peer:
        conf = defter_ldap_conf(peer, os.path.join(root, "bind.pw"))
        print(json.dumps({f"DEFTER_LDAP_{k.upper()}": v for k, v in conf.items()}), flush=True)
        sys.stdin.read()  # until the parent closes it
