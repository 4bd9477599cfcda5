"""Cross-site request forgery: cookie sessions must prove the token on every write."""
import re

from harness import check, eq, expect_error, expect_status


def _user_exists(h, username):
    admin = h.as_user("admin")
    cursor = None
    while True:
        body = admin.get_json("/api/v1/users?limit=200" + (f"&cursor={cursor}" if cursor else ""))
        if any(u["username"] == username for u in body["items"]):
            return True
        cursor = body["next_cursor"]
        if not cursor:
            return False


def _audit_mentions(h, text):
    body = h.as_user("admin").get_json("/api/v1/audit?limit=100")
    return [i for i in body["items"] if text in str(i)]


def test_api_write_without_or_with_wrong_csrf(h):
    admin = h.login("admin")
    before = h.as_user("admin").get_json("/api/v1/audit?limit=1")["items"][0]["id"]
    for label, hdr in (("no header", None), ("wrong token", "x" * 32), ("empty token", ""),
                       ("other session's token", h.as_user("admin").csrf)):
        name = h.uniq("csrf")
        body = {"username": name, "password": "Csrf-test-12345", "role": "personel"}
        r = admin.request("POST", "/api/v1/users", json_body=body, headers={"X-CSRF-Token": hdr})
        expect_error(r, 403, "csrf", f"POST /api/v1/users, {label}")
        check(not _user_exists(h, name), f"{label}: the user was created despite the 403")
        check(not _audit_mentions(h, name), f"{label}: the audit trail mentions {name}")
    after = h.as_user("admin").get_json("/api/v1/audit?limit=1")["items"][0]["id"]
    eq(after, before, "newest audit row id after the rejected writes")
    # the same request with the token goes through
    name = h.uniq("csrf")
    r = admin.post("/api/v1/users", {"username": name, "password": "Csrf-test-12345", "role": "personel"})
    expect_status(r, 201, "POST /api/v1/users with the right token")


def test_csrf_on_other_api_writes(h):
    c = h.login("teknik")
    expect_error(c.request("POST", "/api/v1/auth/tokens", json_body={}), 403, "csrf", "token without CSRF")
    expect_error(c.request("POST", "/api/v1/auth/logout"), 403, "csrf", "logout without CSRF")
    expect_status(c.get("/api/v1/auth/me"), 200, "session after the refused logout")
    admin = h.login("admin")
    tid = h.user_id("teknik")
    r = admin.request("POST", f"/api/v1/users/{tid}/grants", json_body={"role": "admin"})
    expect_error(r, 403, "csrf", "grant admin without CSRF")
    me = h.as_user("admin").get_json(f"/api/v1/users/{tid}")
    check(all(g["role"] != "admin" for g in me["grants"]), f"teknik got admin without CSRF: {me['grants']}")


def test_form_logout_needs_csrf(h):
    c = h.login("sef")
    r = c.post_form("/logout", {})
    expect_status(r, 403, "POST /logout without _csrf")
    check("text/html" in r.header("Content-Type", ""), "form error is not a page")
    r = c.post_form("/logout", {"_csrf": "wrong"})
    expect_status(r, 403, "POST /logout with a wrong _csrf")
    expect_status(c.get("/api/v1/auth/me"), 200, "session after the refused form logouts")
    # the page carries the token; posting it signs out
    page = c.get("/").text
    m = re.search(r'name="_csrf" value="([^"]+)"', page)
    check(m, "dashboard has no _csrf field in the logout form")
    eq(m.group(1), c.csrf, "the page's _csrf vs the session's csrf_token")
    r = c.post_form("/logout", {"_csrf": m.group(1)})
    expect_status(r, 303, "POST /logout with _csrf")
    eq(r.header("Location"), "/login", "redirect after logout")
    expect_status(c.get("/api/v1/auth/me"), 401, "session after the form logout")


def test_form_user_create_needs_csrf(h):
    admin = h.login("admin")
    name = h.uniq("formcsrf")
    fields = {"username": name, "password": "Form-csrf-12345", "role": "teknik", "unit": "YBY"}
    expect_status(admin.post_form("/users", fields), 403, "POST /users without _csrf")
    check(not _user_exists(h, name), "form created a user without _csrf")
    r = admin.post_form("/users", dict(fields, _csrf=admin.csrf))
    expect_status(r, 303, "POST /users with _csrf")
    check(_user_exists(h, name), "form with _csrf did not create the user")


def _pre(c):
    r = c.get("/login")
    expect_status(r, 200, "GET /login")
    m = re.search(r'name="_pre" value="([^"]+)"', r.text)
    check(m, "login page has no _pre field")
    check(c.cookies.get("defter_pre"), "GET /login set no defter_pre cookie")
    return m.group(1)


def test_login_form_pre_token(h):
    src = h.fresh_source()
    c = h.client(source=src)
    pre = _pre(c)
    pw = h.server.logins["personel"][0]
    r = c.post_form("/login", {"_pre": pre + "x", "username": "personel", "password": pw})
    expect_status(r, 403, "POST /login with a wrong _pre")
    check("login-error" in r.text, "the refused login page shows no #login-error")
    check(not c.cookies.get("defter_sid"), "wrong _pre still signed in")
    r = c.post_form("/login", {"username": "personel", "password": pw})
    expect_status(r, 403, "POST /login without _pre")
    bare = h.client(source=src)  # no defter_pre cookie at all
    r = bare.post_form("/login", {"_pre": pre, "username": "personel", "password": pw})
    expect_status(r, 403, "POST /login without the defter_pre cookie")
    check(not bare.cookies.get("defter_sid"), "login without the pre cookie signed in")
    pre = _pre(c)
    r = c.post_form("/login", {"_pre": pre, "username": "personel", "password": pw, "next": "/org"})
    expect_status(r, 303, "POST /login with the right _pre")
    eq(r.header("Location"), "/org", "redirect to next")
    check(c.cookies.get("defter_sid"), "form login set no session cookie")
    expect_status(c.get("/org"), 200, "GET /org after the form login")


def test_login_form_wrong_password(h):
    c = h.client(source=h.fresh_source())
    pre = _pre(c)
    r = c.post_form("/login", {"_pre": pre, "username": "personel", "password": "Wrong-password-1"})
    expect_status(r, 401, "form login with a wrong password")
    check('id="login-error"' in r.text, "no #login-error on the page")
    check('value="personel"' in r.text, "the user name is not kept in the form")
    check(not c.cookies.get("defter_sid"), "wrong password set a session")


def test_api_login_refuses_cross_site_form(h):
    # A cross-site <form enctype="text/plain"> can post a body that is valid JSON
    # ({"username":"attacker","password":"pw=x"}) and the browser stores the SameSite=Strict
    # cookie of a top-level navigation: login CSRF, which the HTML form prevents with _pre.
    _, name, _ = h.create_user(password="Attacker-pw=x1", role="personel", unit="ASD")
    c = h.client(source=h.fresh_source())
    body = ('{"username":"%s","password":"Attacker-pw' % name + "=" + 'x1"}\r\n').encode()
    r = c.request("POST", "/api/v1/auth/login", body=body,
                  headers={"Content-Type": "text/plain", "Origin": "http://evil.example"})
    check(r.status != 200 and not c.cookies.get("defter_sid"),
          f"a cross-site text/plain form signed in through /api/v1/auth/login: {r.status} {r.snippet()}")
