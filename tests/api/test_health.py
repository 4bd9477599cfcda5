"""Liveness and the headers every response carries."""
from harness import check, eq, expect_status


def test_healthz(h):
    r = h.client().get("/healthz")
    expect_status(r, 200)
    eq(r.body, b"ok", "/healthz body")
    check(r.header("Content-Type", "").startswith("text/plain"), f"/healthz Content-Type {r.header('Content-Type')}")
    r = h.client().request("HEAD", "/healthz")
    expect_status(r, 200, "HEAD /healthz")


def _security_headers(r, what):
    csp = r.header("Content-Security-Policy")
    check(csp, f"{what}: no Content-Security-Policy")
    for part in ("default-src 'self'", "frame-ancestors 'none'"):
        check(part in csp, f"{what}: CSP lacks {part!r}: {csp}")
    check("unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{what}: CSP allows unsafe code: {csp}")
    eq(r.header("X-Content-Type-Options"), "nosniff", f"{what}: X-Content-Type-Options")
    eq((r.header("X-Frame-Options") or "").upper(), "DENY", f"{what}: X-Frame-Options")


def test_security_headers(h):
    c = h.client()
    for path in ("/healthz", "/login", "/api/v1/auth/me", "/api/v1/nope", "/nope", "/static/app.css"):
        _security_headers(c.get(path), f"GET {path}")
    admin = h.as_user("admin")
    for path in ("/", "/users", "/api/v1/users"):
        r = admin.get(path)
        expect_status(r, 200)
        _security_headers(r, f"GET {path} (admin)")
        eq(r.header("Cache-Control"), "no-store", f"GET {path}: Cache-Control of a signed-in page")


def test_session_cookie_flags(h):
    c = h.client()
    r = c.login("teknik")
    expect_status(r, 200)
    sid, line = r.cookie("defter_sid")
    check(sid and len(sid) >= 32, f"session cookie too short or missing: {line}")
    attrs = [a.strip().lower() for a in line.split(";")[1:]]
    check("httponly" in attrs, f"session cookie not HttpOnly: {line}")
    check("samesite=strict" in attrs, f"session cookie not SameSite=Strict: {line}")
    check("path=/" in attrs, f"session cookie without Path=/: {line}")
