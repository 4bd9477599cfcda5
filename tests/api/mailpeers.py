"""mailpeers.py - real mail servers for the tests, on 127.0.0.1 and free ports.

    SmtpPeer(tmpdir)   Debian's aiosmtpd (python3-aiosmtpd), storing what it
                       receives in a maildir; .messages(), .wait_for(pred).
    ImapPeer(tmpdir)   Debian's dovecot (dovecot-imapd) as its own process,
                       with its own config file, one passwd-file user and a
                       maildir under tmpdir; .append(raw), .flags(), .unseen().

Both are context managers and stop cleanly (SIGTERM, then wait). They work
as root (CI: dovecot's login processes run as dovenull, the mail user is
nobody) and as an ordinary user (everything runs as that user).
"""
import email
import email.policy
import imaplib
import importlib.util
import mailbox
import os
import pwd
import grp
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time

from harness import TestFailure, free_port


def _python_with_aiosmtpd():
    """The interpreter that has aiosmtpd: this one, or Debian's."""
    if importlib.util.find_spec("aiosmtpd") is not None:
        return sys.executable
    for py in ("/usr/bin/python3", shutil.which("python3")):
        if py and subprocess.run([py, "-c", "import aiosmtpd"], capture_output=True).returncode == 0:
            return py
    raise TestFailure("aiosmtpd is not installed (Debian: python3-aiosmtpd; scripts/deps.sh --test)")


def _wait_listening(port, proc, what, log_path, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.settimeout(2)
                if s.recv(64):  # both servers greet first
                    return
        except OSError:
            pass
        time.sleep(0.05)
    tail = ""
    try:
        with open(log_path, "rb") as f:
            tail = f.read().decode("utf-8", "replace")[-1500:]
    except OSError:
        pass
    raise TestFailure(f"{what} on port {port} did not start (exit {proc.poll()}): {tail}")


def _stop(proc, timeout=10):
    """SIGTERM, then wait; SIGKILL only when it does not stop. Returns a problem or None."""
    if proc is None or proc.poll() is not None:
        return None
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return f"did not stop within {timeout}s of SIGTERM (killed)"
    return None


class SmtpPeer:
    """aiosmtpd with its Mailbox handler: every message received lands in self.maildir.

    SmtpPeer(tmpdir, start=False) reserves the port without listening, so a
    test can configure defter for a server that is down and start it later.
    """

    def __init__(self, tmpdir, start=True):
        self.dir = tmpdir
        self.maildir = os.path.join(tmpdir, "maildir")
        self.log_path = os.path.join(tmpdir, "aiosmtpd.log")
        self.port = free_port()
        self.proc = None
        if start:
            self.start()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        py = _python_with_aiosmtpd()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [py, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "-c", "aiosmtpd.handlers.Mailbox",
                 self.maildir], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        _wait_listening(self.port, self.proc, "aiosmtpd", self.log_path)
        return self

    def stop(self):
        p, self.proc = self.proc, None
        return _stop(p)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def raw_messages(self):
        """The bytes of every message received, oldest first."""
        if not os.path.isdir(self.maildir):
            return []
        md = mailbox.Maildir(self.maildir, factory=None, create=False)
        items = []
        for key in md.keys():
            path = os.path.join(self.maildir, md._lookup(key))  # noqa: SLF001 - the file, for its time
            items.append((os.stat(path).st_mtime_ns, key, md.get_bytes(key)))
        return [raw for _, _, raw in sorted(items)]

    def messages(self):
        """Every message received, parsed (email.policy.default); .raw holds its bytes."""
        out = []
        for raw in self.raw_messages():
            m = email.message_from_bytes(raw, policy=email.policy.default)
            m.raw = raw
            out.append(m)
        return out

    def wait_for(self, predicate, timeout=15):
        """The first received message for which predicate(msg) is true; fails after timeout seconds."""
        deadline = time.time() + timeout
        while True:
            for m in self.messages():
                if predicate(m):
                    return m
            if time.time() >= deadline:
                seen = [str(m.get("Subject")) for m in self.messages()]
                raise TestFailure(f"no matching mail within {timeout}s; received: {seen}")
            time.sleep(0.05)


DOVECOT = "/usr/sbin/dovecot"


class ImapPeer:
    """A dovecot of its own: IMAP on 127.0.0.1:self.port, plaintext login allowed
    (loopback only), one user self.user / self.password whose INBOX is a
    maildir under tmpdir."""

    def __init__(self, tmpdir, user="destek"):
        if not os.access(DOVECOT, os.X_OK):
            raise TestFailure("dovecot is not installed (Debian: dovecot-imapd; scripts/deps.sh --test)")
        self.dir = tmpdir
        self.user = user
        self.password = "Imap-" + secrets.token_hex(8)
        self.port = free_port()
        self.log_path = os.path.join(tmpdir, "dovecot.log")
        self.proc = None
        self._write_config()
        self.start()

    @property
    def url(self):
        return f"imap://127.0.0.1:{self.port}/INBOX"

    def _write_config(self):
        d = self.dir
        base = os.path.join(d, "run")
        for sub in ("run", "state", "mail", "home"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        if os.geteuid() == 0:
            # The master runs as root and drops privileges: login processes
            # to dovenull, the mail processes to nobody, which must reach
            # the maildir through every parent directory.
            uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
            for sub in ("mail", "home"):
                os.chown(os.path.join(d, sub), uid, gid)
            p = os.path.abspath(d)
            while p != "/":
                mode = os.stat(p).st_mode
                if not mode & stat.S_IXOTH:
                    os.chmod(p, stat.S_IMODE(mode) | stat.S_IXOTH)
                p = os.path.dirname(p)
            chroot = ""  # the default (login processes chrooted)
        else:
            uid, gid = os.getuid(), os.getgid()
            login_user = internal_user = pwd.getpwuid(uid).pw_name
            internal_group = grp.getgrgid(gid).gr_name
            chroot = "  chroot =\n"
        with open(os.path.join(d, "passwd"), "w") as f:
            f.write(f"{self.user}:{{PLAIN}}{self.password}::::::\n")
        self.conf = os.path.join(d, "dovecot.conf")
        with open(self.conf, "w") as f:
            f.write(f"""# dovecot for defter's tests: one user, loopback only
base_dir = {base}
state_dir = {os.path.join(d, "state")}
log_path = {self.log_path}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{os.path.join(d, "mail")}/%u
first_valid_uid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {os.path.join(d, "passwd")}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={os.path.join(d, "home")}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{chroot}}}
service anvil {{
  chroot =
}}
""")

    def start(self):
        with open(self.log_path + ".out", "ab") as out:
            self.proc = subprocess.Popen([DOVECOT, "-F", "-c", self.conf], stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=out)
        try:
            _wait_listening(self.port, self.proc, "dovecot", self.log_path + ".out")
        except TestFailure:
            self.stop()
            raise
        return self

    def stop(self):
        p, self.proc = self.proc, None
        return _stop(p)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def _login(self):
        m = imaplib.IMAP4("127.0.0.1", self.port, timeout=15)
        m.login(self.user, self.password)
        return m

    def append(self, raw, flags=None):
        """Puts raw (bytes) into INBOX, unseen unless flags says so (e.g. "(\\\\Seen)"); returns its UID."""
        m = self._login()
        try:
            typ, data = m.append("INBOX", flags, None, raw)
            if typ != "OK":
                raise TestFailure(f"IMAP APPEND failed: {data}")
            found = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
            if not found:
                raise TestFailure(f"IMAP APPEND gave no UID: {data}")
            return int(found.group(1))
        finally:
            m.logout()

    def flags(self):
        """{uid: set of flags} of INBOX, read without changing anything."""
        m = self._login()
        try:
            m.select("INBOX", readonly=True)
            typ, data = m.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for item in data:
                if not item:
                    continue
                line = item if isinstance(item, bytes) else item[0]
                uid = re.search(rb"UID (\d+)", line)
                fl = re.search(rb"FLAGS \(([^)]*)\)", line)
                if uid and fl:
                    out[int(uid.group(1))] = set(fl.group(1).decode().split())
            return out
        finally:
            m.logout()

    def unseen(self):
        """The UIDs without \\Seen, ascending."""
        m = self._login()
        try:
            m.select("INBOX", readonly=True)
            typ, data = m.uid("SEARCH", None, "UNSEEN")
            return sorted(int(x) for x in (data[0] or b"").split())
        finally:
            m.logout()
