"""harness.py - starts the real `defter` binary and speaks HTTP to it.

Standard library only. A test is a function `test_*(h)` that receives a
Harness: `h.server` is a shared server on a fresh demo data directory,
`h.new_server(env=...)` starts another one (e.g. with
DEFTER_SESSION_IDLE_MINUTES=0), `h.client()` / `h.login()` give clients
with their own cookie jar, `h.cli()` runs a defter subcommand. Every
server's stderr is kept in a log file; sanitizer reports in it, or a
server that does not exit cleanly on SIGTERM, fail the suite.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
PRESET = "eyupsultan"


class TestFailure(AssertionError):
    """A failed expectation; its message is the reason printed by run.py."""


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what):
    if got != want:
        raise TestFailure(f"{what}: expected {want!r}, got {got!r}")


def sanitizer_lines(text):
    return [ln for ln in text.splitlines() if any(m in ln for m in SANITIZER_MARKS)]


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- responses -----------------------------------------------------------


class Response:
    def __init__(self, status, reason, headers, body, method="GET", path=""):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as received
        self.body = body
        self.method = method
        self.path = path

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise TestFailure(f"{self.method} {self.path}: body is not JSON ({e}): {self.snippet()}")

    def snippet(self, n=300):
        t = self.text
        return t if len(t) <= n else t[:n] + "…"

    def error_code(self):
        try:
            v = json.loads(self.body)
        except ValueError:
            return None
        if isinstance(v, dict) and isinstance(v.get("error"), dict):
            return v["error"].get("code")
        return None

    def cookie(self, name):
        """The value this response sets for cookie `name` and the whole Set-Cookie line."""
        for line in self.header_all("Set-Cookie"):
            first = line.split(";", 1)[0]
            k, _, v = first.partition("=")
            if k.strip() == name:
                return v.strip(), line
        return None, None

    def __repr__(self):
        return f"<{self.method} {self.path} -> {self.status} {self.snippet(200)!r}>"


def expect_status(resp, status, what=""):
    if resp.status != status:
        raise TestFailure(f"{what or resp.method + ' ' + resp.path}: expected status {status}, "
                          f"got {resp.status}: {resp.snippet()}")
    return resp


def expect_error(resp, status, code, what=""):
    """Asserts a JSON error body {"error":{"code":code,"message":…}} with this status."""
    expect_status(resp, status, what)
    ct = resp.header("Content-Type", "")
    check(ct.startswith("application/json"), f"{what or resp.path}: error is not JSON (Content-Type {ct!r})")
    body = resp.json()
    err = body.get("error") if isinstance(body, dict) else None
    check(isinstance(err, dict), f"{what or resp.path}: no error object in {resp.snippet()}")
    eq(err.get("code"), code, f"{what or resp.path}: error code")
    check(isinstance(err.get("message"), str) and err["message"], f"{what or resp.path}: empty error message")
    return err


# ---- raw HTTP ------------------------------------------------------------


def read_response(sock, method="GET", path=""):
    """Parses one HTTP response from a connected socket."""
    resp = http.client.HTTPResponse(sock, method=method)
    resp.begin()
    body = resp.read()
    out = Response(resp.status, resp.reason, list(resp.getheaders()), body, method, path)
    resp.close()
    return out


def raw_request(port, data, source=None, timeout=30, method="GET", path=""):
    """Sends `data` (bytes, a complete request) and returns the parsed response."""
    src = (source, 0) if source else None
    with socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=src) as s:
        s.sendall(data)
        return read_response(s, method, path)


# ---- clients -------------------------------------------------------------

_NOBODY = object()


class Client:
    """One browser-like client: its own cookie jar, CSRF token and source address."""

    def __init__(self, server, source=None, lang=None, accept_language=None):
        self.server = server
        self.source = source
        self.cookies = {}
        self.csrf = None
        self.user = None
        self.bearer = None
        self.accept_language = accept_language
        if lang:
            self.cookies["lang"] = lang

    # cookies
    def _store_cookies(self, resp):
        for line in resp.header_all("Set-Cookie"):
            parts = [p.strip() for p in line.split(";")]
            name, _, value = parts[0].partition("=")
            attrs = {p.split("=", 1)[0].lower(): (p.split("=", 1)[1] if "=" in p else "") for p in parts[1:]}
            if attrs.get("max-age") == "0" or (value == "" and "max-age" in attrs):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method, path, body=None, json_body=_NOBODY, form=None, headers=None, csrf=False,
                cookies=True, timeout=30):
        hdrs = {"Host": f"127.0.0.1:{self.server.port}", "Connection": "close"}
        if self.accept_language:
            hdrs["Accept-Language"] = self.accept_language
        if cookies and self.cookies:
            hdrs["Cookie"] = self.cookie_header()
        if self.bearer:
            hdrs["Authorization"] = f"Bearer {self.bearer}"
        if json_body is not _NOBODY:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            hdrs["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if isinstance(body, str):
            body = body.encode()
        if body is not None and "Content-Type" not in hdrs:
            # API bodies are JSON; tests of other types pass their own header
            # (headers={"Content-Type": None} sends none at all).
            hdrs["Content-Type"] = "application/json"
        if csrf and self.csrf:
            hdrs["X-CSRF-Token"] = self.csrf
        for k, v in (headers or {}).items():
            if v is None:
                hdrs.pop(k, None)
            else:
                hdrs[k] = v
        src = (self.source, 0) if self.source else None
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout, source_address=src)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if "Content-Length" not in hdrs and "Transfer-Encoding" not in hdrs:
                if body is not None:
                    conn.putheader("Content-Length", str(len(body)))
                elif method not in ("GET", "HEAD"):
                    conn.putheader("Content-Length", "0")
            conn.endheaders()
            if body:
                try:
                    conn.send(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server may answer (e.g. 413) and close before reading it all
            r = conn.getresponse()
            resp = Response(r.status, r.reason, list(r.getheaders()), r.read(), method, path)
        finally:
            conn.close()
        self._store_cookies(resp)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, obj=_NOBODY, csrf=True, **kw):
        """POST JSON (when obj is given) with the CSRF header of this session."""
        return self.request("POST", path, json_body=obj, csrf=csrf, **kw)

    def post_form(self, path, fields, **kw):
        return self.request("POST", path, form=fields, **kw)

    def get_json(self, path, status=200, **kw):
        r = self.get(path, **kw)
        expect_status(r, status)
        return r.json()

    def login(self, username, password=None):
        if password is None:
            password = self.server.logins[username][0]
        r = self.request("POST", "/api/v1/auth/login", json_body={"username": username, "password": password})
        if r.status == 200:
            self.csrf = r.json().get("csrf_token")
            self.user = username
        return r

    def raw(self, data, method="GET", path=""):
        return raw_request(self.server.port, data, source=self.source, method=method, path=path)


# ---- servers -------------------------------------------------------------


class Server:
    def __init__(self, harness, data_dir, env=None, name="server"):
        self.h = harness
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = os.path.join(harness.root, f"{name}.log")
        self.out_path = os.path.join(harness.root, f"{name}.out")
        self.log_seen = 0
        self.problems = []
        self.logins = read_logins(data_dir)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, extra_env=None):
        if extra_env is not None:
            self.env = dict(extra_env)
        env = dict(os.environ)
        env.update(self.env)
        last = ""
        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log, open(self.out_path, "wb") as out:
                log.write(f"--- start {self.name} port {self.port} env {self.env}\n".encode())
                log.flush()
                self.proc = subprocess.Popen(
                    [self.h.bin, "serve", "--data", self.data_dir, "--listen", f"127.0.0.1:{self.port}"],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=log, env=env)
            deadline = time.time() + self.h.start_timeout
            ready = False
            while time.time() < deadline:
                with open(self.out_path, "rb") as f:
                    if b"ready" in f.read():
                        ready = True
                        break
                if self.proc.poll() is not None:
                    break
                time.sleep(0.02)
            if ready and self._healthy():
                self.h.record_start()
                return self
            last = f"exit={self.proc.poll()} log tail:\n{self.log_tail(10)}"
            self._stop_proc()
            if "cannot listen" not in self.log_tail(5):
                break
        raise TestFailure(f"server {self.name} did not become ready: {last}")

    def _healthy(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                r = Client(self).get("/healthz", timeout=5)
                if r.status == 200 and r.body == b"ok":
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        return False

    def _stop_proc(self):
        p, self.proc = self.proc, None
        if not p:
            return None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=self.h.stop_timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                return "did not stop within %ds of SIGTERM (killed)" % self.h.stop_timeout
        if p.returncode != 0:
            return f"exited with status {p.returncode}"
        return None

    def stop(self):
        """Stops the server; returns the list of new problems (bad exit, sanitizer reports)."""
        was_running = self.proc is not None
        problem = self._stop_proc()
        found = []
        if problem and was_running:
            found.append(f"server {self.name}: {problem}")
        found += self.new_sanitizer_reports()
        self.problems += found
        return found

    def restart(self, env=None):
        """Stops and starts again on the same data directory (a new port), optionally with another env."""
        problems = self.stop()
        if problems:
            raise TestFailure("; ".join(problems))
        return self.start(env)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def new_sanitizer_reports(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self.log_seen)
                text = f.read().decode("utf-8", "replace")
                self.log_seen = f.tell()
        except OSError:
            return []
        lines = sanitizer_lines(text)
        return [f"server {self.name}: {ln.strip()}" for ln in lines[:3]]

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return ""
        return "\n".join(lines[-n:])

    def client(self, **kw):
        return Client(self, **kw)


def read_logins(data_dir):
    """demo-logins.txt: `username password role` lines."""
    out = {}
    path = os.path.join(data_dir, "demo-logins.txt")
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) >= 3:
                out[parts[0]] = (parts[1], parts[2])
    return out


# ---- the harness given to every test ------------------------------------


class Harness:
    def __init__(self, binary, keep=False):
        self.bin = os.path.abspath(binary)
        if not os.access(self.bin, os.X_OK):
            raise SystemExit(f"not an executable: {binary}")
        with open(self.bin, "rb") as f:
            self.asan = b"__asan_init" in f.read()
        os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.start_timeout = 60 if self.asan else 20
        self.stop_timeout = 30 if self.asan else 10
        self.root = tempfile.mkdtemp(prefix="defter-api-")
        self.keep = keep
        self.servers = []
        self._shared = None
        self._clients = {}
        self._counter = 0
        self._source = 9
        self.cache = {}
        self.starts = 0
        self.cli_problems = []
        self.touched = []  # servers used by the current test

    # names and places
    def uniq(self, prefix="u"):
        self._counter += 1
        return f"{prefix}{os.getpid() % 10000}x{self._counter}"

    def tmpdir(self, name):
        path = os.path.join(self.root, self.uniq(name))
        os.makedirs(path)
        return path

    def fresh_source(self):
        """A loopback source address of its own, so per-address login throttling stays local to a test."""
        self._source += 1
        check(self._source < 250, "out of loopback source addresses")
        return f"127.0.0.{self._source}"

    def record_start(self):
        self.starts += 1

    # processes
    def cli(self, *args, input=None, timeout=None):
        """Runs `defter ARGS`; a sanitizer report on its stderr fails the test."""
        p = subprocess.run([self.bin, *args], input=input, capture_output=True, text=True,
                           timeout=timeout or (120 if self.asan else 60))
        bad = sanitizer_lines(p.stderr)
        if bad:
            raise TestFailure(f"`defter {' '.join(args)}` sanitizer report: {bad[0]}")
        return p

    def init_data(self, name="data"):
        path = os.path.join(self.root, self.uniq(name))
        p = self.cli("init", "--data", path, "--preset", PRESET, "--demo")
        if p.returncode != 0:
            raise TestFailure(f"defter init failed ({p.returncode}): {p.stderr[-500:]}")
        return path

    @property
    def server(self):
        """The shared server (started on first use)."""
        if self._shared is None or not self._shared.alive():
            if self._shared is None:
                self._shared = Server(self, self.init_data("shared"), name="shared")
                self.servers.append(self._shared)
            self._shared.start()
        if self._shared not in self.touched:
            self.touched.append(self._shared)
        return self._shared

    def new_server(self, env=None, data=None, name="extra"):
        """A server of the test's own, on `data` or a fresh demo data dir; stopped at the end of the run."""
        s = Server(self, data or self.init_data(name), env=env, name=self.uniq(name))
        self.servers.append(s)
        self.touched.append(s)
        return s.start()

    def client(self, server=None, **kw):
        return Client(server or self.server, **kw)

    def login(self, username, password=None, server=None, **kw):
        """A new client signed in as `username` (asserts 200)."""
        c = self.client(server, **kw)
        r = c.login(username, password)
        expect_status(r, 200, f"login as {username}")
        check(c.csrf, f"login as {username}: no csrf_token")
        return c

    def as_user(self, username):
        """A cached signed-in client on the shared server; do not log it out."""
        c = self._clients.get(username)
        if c is None or c.server is not self.server:
            c = self.login(username)
            self._clients[username] = c
        return c

    def user_id(self, username):
        """The id of a user of the shared server (looked up as admin)."""
        ids = self.cache.setdefault("user_ids", {})
        if username not in ids:
            admin = self.as_user("admin")
            cursor = None
            while username not in ids:
                q = "/api/v1/users?limit=200" + (f"&cursor={cursor}" if cursor else "")
                body = admin.get_json(q)
                for it in body["items"]:
                    ids[it["username"]] = it["id"]
                cursor = body.get("next_cursor")
                if not cursor:
                    break
            check(username in ids, f"user {username} not found")
        return ids[username]

    def create_user(self, username=None, role="personel", unit=None, password=None, display_name=None,
                    server=None):
        """Creates a user through the API as admin; returns (id, username, password)."""
        username = username or self.uniq("user")
        password = password or f"Parola{self._counter}x12345"
        admin = self.as_user("admin") if server is None else self.login("admin", server=server)
        body = {"username": username, "password": password, "role": role}
        if unit:
            body["unit"] = unit
        if display_name is not None:
            body["display_name"] = display_name
        r = admin.post("/api/v1/users", body)
        expect_status(r, 201, f"create user {username}")
        return r.json()["id"], username, password

    # per-test bookkeeping used by run.py
    def begin_test(self):
        self.touched = []
        self.cli_problems = []

    def end_test(self):
        """Sanitizer reports and unclean exits that appeared during the test."""
        problems = []
        for s in self.servers:
            problems += s.new_sanitizer_reports()
            if s.proc is not None and s.proc.poll() is not None:
                rc = s.proc.returncode
                s.proc = None
                problems.append(f"server {s.name} died during the test (status {rc})")
        return problems

    def tails(self, n=15):
        out = []
        for s in self.touched:
            t = s.log_tail(n)
            if t:
                out.append(f"--- {s.name} log ({s.log_path}), last lines:\n{t}")
        return "\n".join(out)

    def close(self, failed=False):
        problems = []
        for s in self.servers:
            problems += s.stop()
        if not failed and not problems and not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)
        return problems


def html_has_id(body, ident):
    return re.search(r'id="%s"' % re.escape(ident), body) is not None
