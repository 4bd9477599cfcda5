"""Bad and oversized input: always a clean 4xx, never a 500, never a write."""
import json

from harness import check, eq, expect_error, expect_status, read_response

SMALL_BODY_MAX = 4096


def _small(h):
    """A server with DEFTER_SERVER_BODY_MAX=4096 (one for the whole run)."""
    s = h.cache.get("small_server")
    if s is None or not s.alive():
        s = h.new_server(env={"DEFTER_SERVER_BODY_MAX": str(SMALL_BODY_MAX)}, name="small")
        h.cache["small_server"] = s
    elif s not in h.touched:
        h.touched.append(s)
    return s


def _login_body(size, user="admin", password="x"):
    """A login JSON body of exactly `size` bytes."""
    base = json.dumps({"username": user, "password": password})
    pad = size - len(base) - len(',"pad":""')
    check(pad >= 0, "size too small")
    return (base[:-1] + ',"pad":"' + "p" * pad + '"}').encode()


def _chunked(port, path, body, chunk=1000, headers=None):
    import socket
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n")
    for k, v in (headers or {}).items():
        head += f"{k}: {v}\r\n"
    data = bytearray((head + "\r\n").encode())
    for i in range(0, len(body), chunk):
        part = body[i:i + chunk]
        data += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    data += b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(bytes(data))
        return read_response(s, "POST", path + " (chunked)")


def test_body_too_large_with_content_length(h):
    s = _small(h)
    c = h.client(server=s)
    r = c.request("POST", "/api/v1/auth/login", body=_login_body(SMALL_BODY_MAX + 1))
    expect_error(r, 413, "too_large", f"login body of {SMALL_BODY_MAX + 1} bytes")
    r = c.request("POST", "/api/v1/auth/login", body=_login_body(SMALL_BODY_MAX + 100000))
    expect_error(r, 413, "too_large", "login body of 100 KB")
    # at the limit it is read and judged on its content
    r = c.request("POST", "/api/v1/auth/login", body=_login_body(SMALL_BODY_MAX))
    expect_error(r, 400, "validation", f"login body of exactly {SMALL_BODY_MAX} bytes (unknown field pad)")
    # a signed-in write over the limit writes nothing
    admin = h.login("admin", server=s)
    name = h.uniq("big")
    r = admin.post("/api/v1/users", {"username": name, "password": "Big-body-12345", "role": "teknik",
                                     "display_name": "D" * (SMALL_BODY_MAX + 10)})
    expect_error(r, 413, "too_large", "create user with a large body")
    check(name not in admin.get("/api/v1/users?limit=200").text, "the oversized create wrote a user")


def test_body_too_large_chunked(h):
    s = _small(h)
    r = _chunked(s.port, "/api/v1/auth/login", _login_body(SMALL_BODY_MAX * 3))
    expect_error(r, 413, "too_large", "chunked login body of 12 KB")
    r = _chunked(s.port, "/api/v1/auth/login", _login_body(SMALL_BODY_MAX + 1), chunk=7)
    expect_error(r, 413, "too_large", "chunked login body of limit+1 bytes in 7-byte chunks")
    # chunked bodies under the limit work
    pw = s.logins["teknik"][0]
    r = _chunked(s.port, "/api/v1/auth/login", json.dumps({"username": "teknik", "password": pw}).encode(), chunk=5)
    expect_status(r, 200, "chunked login under the limit")
    expect_status(h.client(server=s).get("/healthz"), 200, "server after the chunked bodies")


def test_default_body_limit(h):
    c = h.client()
    r = c.request("POST", "/api/v1/auth/login", body=_login_body(1024 * 1024 + 1))
    expect_error(r, 413, "too_large", "login body of 1 MiB + 1 on the default server")


def _bad_bodies():
    return [
        ("malformed JSON", b'{"username": "admin", "password": '),
        ("trailing garbage", b'{"username": "a", "password": "b"} x'),
        ("JSON array", b'[{"username": "admin", "password": "x"}]'),
        ("empty array", b"[]"),
        ("JSON string", b'"admin"'),
        ("JSON number", b"42"),
        ("JSON null", b"null"),
        ("deeply nested arrays", b"[" * 10000 + b"]" * 10000),
        ("deeply nested objects", b'{"a":' * 10000 + b"1" + b"}" * 10000),
        ("nested 40 deep in a field", b'{"username":' + b'{"a":' * 40 + b"1" + b"}" * 40 + b',"password":"x"}'),
        ("invalid UTF-8", b'{"username": "adm\xffin", "password": "x"}'),
        ("overlong UTF-8", b'{"username": "\xc0\xafadmin", "password": "x"}'),
        ("lone surrogate escape", b'{"username": "\\ud800", "password": "x"}'),
        ("NUL byte", b'{"username": "ad\x00min", "password": "x"}'),
        ("duplicate keys", b'{"username": "admin", "username": "root", "password": "x"}'),
        ("empty body", b""),
        ("whitespace body", b"   \n"),
        ("form body", b"username=admin&password=x"),
    ]


def test_malformed_bodies_login(h):
    c = h.client(source=h.fresh_source())
    for what, body in _bad_bodies():
        r = c.request("POST", "/api/v1/auth/login", body=body, headers={"Content-Type": "application/json"})
        check(r.status != 500, f"login with {what}: 500 {r.snippet()}")
        eq(r.status, 400, f"login with {what}: status ({r.snippet()})")
        check(r.error_code() in ("malformed_json", "validation"), f"login with {what}: code {r.error_code()}")
    expect_status(c.get("/healthz"), 200, "server after the bad bodies")


def test_malformed_bodies_write_nothing(h):
    admin = h.login("admin")
    newest = h.as_user("admin").get_json("/api/v1/audit?limit=1")["items"][0]["id"]
    for what, body in _bad_bodies():
        r = admin.request("POST", "/api/v1/users", body=body, csrf=True,
                          headers={"Content-Type": "application/json"})
        eq(r.status, 400, f"create user with {what}: status ({r.snippet()})")
        check(r.error_code() in ("malformed_json", "validation"), f"create user with {what}: code {r.error_code()}")
        r = admin.request("POST", f"/api/v1/users/{h.user_id('teknik')}/grants", body=body, csrf=True)
        eq(r.status, 400, f"grant with {what}: status ({r.snippet()})")
    eq(h.as_user("admin").get_json("/api/v1/audit?limit=1")["items"][0]["id"], newest,
       "newest audit row after the refused bodies")
    specific = {"malformed JSON": "malformed_json", "JSON array": "malformed_json", "invalid UTF-8": "malformed_json",
                "empty body": "malformed_json", "deeply nested arrays": "malformed_json"}
    for what, body in _bad_bodies():
        if what in specific:
            r = admin.request("POST", "/api/v1/users", body=body, csrf=True)
            expect_error(r, 400, specific[what], f"create user with {what}")


def test_unknown_routes(h):
    c = h.client()
    for path in ("/api/v1/nope", "/api/v2/users", "/api/v1/users/", "/api/v1/users/1/nope", "/api/"):
        expect_error(c.get(path), 404, "not_found", f"GET {path}")
    for path in ("/nope", "/users/", "/login/x", "/%2e%2e/etc/passwd"):
        r = c.get(path)
        expect_status(r, 404, f"GET {path}")
        check(r.header("Content-Type", "").startswith("text/html"), f"GET {path}: not an HTML page")
        check('<html lang="tr"' in r.text and "404" in r.text, f"GET {path}: page body {r.snippet()}")
    expect_status(c.get("/static/nope.css"), 404, "GET /static/nope.css")
    expect_status(c.get("/lang/de"), 404, "GET /lang/de")
    r = c.get("/" + "a" * 3000)
    expect_status(r, 404, "GET a 3000-character path")


def test_wrong_method(h):
    c = h.client()
    admin = h.as_user("admin")
    for method, path in (("DELETE", "/api/v1/users"), ("PUT", "/api/v1/users/1"), ("GET", "/api/v1/auth/login"),
                         ("POST", "/api/v1/audit"), ("PATCH", "/api/v1/auth/me")):
        expect_error(c.request(method, path), 405, "method_not_allowed", f"{method} {path}")
        expect_error(admin.request(method, path, csrf=True), 405, "method_not_allowed", f"{method} {path} (admin)")
    for method, path in (("POST", "/healthz"), ("PUT", "/healthz"), ("DELETE", "/login"), ("POST", "/audit")):
        expect_status(c.request(method, path), 405, f"{method} {path}")


def test_405_names_allowed_methods(h):
    c = h.client()
    for method, path, allowed in (("DELETE", "/api/v1/users", {"GET", "POST"}), ("POST", "/healthz", {"GET"}),
                                  ("GET", "/api/v1/auth/login", {"POST"})):
        r = c.request(method, path)
        expect_status(r, 405, f"{method} {path}")
        allow = {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}
        check(allowed <= allow, f"{method} {path}: 405 without an Allow header listing {sorted(allowed)} "
                                f"(RFC 9110 15.5.6), got {r.header('Allow')!r}")


def test_malformed_forms(h):
    c = h.client(source=h.fresh_source())
    c.get("/login")
    for what, body in (("bad escape", b"username=%zz&password=x"), ("NUL escape", b"username=a%00b&password=x"),
                       ("cut escape", b"username=a%2"), ("too many fields", b"&".join(b"f%d=1" % i for i in range(100)))):
        r = c.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        expect_status(r, 400, f"POST /login with {what}")
        check(r.header("Content-Type", "").startswith("text/html"), f"POST /login with {what}: not a page")
    admin = h.login("admin")
    r = admin.request("POST", "/users", body=b"_csrf=" + admin.csrf.encode() + b"&username=%ZZ",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    expect_status(r, 400, "POST /users with a bad escape")


def test_oversized_headers_and_query(h):
    c = h.client()
    r = c.get("/healthz", headers={"X-Big": "b" * 100000})
    check(r.status in (400, 413, 431), f"100 KB header: status {r.status}")
    expect_status(c.get("/healthz"), 200, "server after a 100 KB header")
    admin = h.as_user("admin")
    for q in ("limit=99999999999999999999999", "limit=1e3", "cursor=99999999999999999999999", "limit=%00"):
        expect_error(admin.get(f"/api/v1/users?{q}"), 400, "validation", f"GET /api/v1/users?{q}")
    r = admin.get("/api/v1/audit?actor=" + "x" * 5000)
    expect_status(r, 200, "audit filter with a 5000-character actor")
