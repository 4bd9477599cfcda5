"""Server-rendered pages: they render, escape what users typed, and
redirect only to local paths."""
import re

from harness import check, eq, expect_status, html_has_id

XSS = "<script>alert(1)</script>"
XSS_ESC = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_pages_render(h):
    admin = h.as_user("admin")
    want = {"/": (["my-roles", "usermenu", "logout", "lang-en"], None),
            "/users": (["usermenu"], '<form method="post" action="/users"'),
            "/audit": (["chain-status"], '<form method="get" action="/audit"'),
            "/org": (["unit-tree", "duties"], None),
            "/account": (["usermenu"], 'action="/account/password"')}
    for path, (ids, snippet) in want.items():
        r = admin.get(path)
        expect_status(r, 200, f"admin GET {path}")
        check(r.header("Content-Type", "").startswith("text/html"), f"{path}: Content-Type")
        for i in ids:
            check(html_has_id(r.text, i), f"{path}: no element #{i}")
        check(snippet is None or snippet in r.text, f"{path}: no {snippet}")
        check('<html lang="tr"' in r.text and r.text.rstrip().endswith("</html>"), f"{path}: not a whole page")
    login = h.client().get("/login")
    for i in ("username", "password", "login-submit"):
        check(html_has_id(login.text, i), f"/login: no #{i}")
    check(">YBY<" in admin.get("/org").text or "YBY" in admin.get("/org").text, "/org lacks the YBY unit")
    roles = re.search(r'<ul id="my-roles">(.*?)</ul>', h.as_user("sef").get("/").text, re.S)
    check(roles and "Yazılım ve Bilgi Yönetimi" in roles.group(1), f"sef's roles: {roles and roles.group(1)}")


def test_static_assets(h):
    c = h.client()
    for name, ctype in (("app.css", "text/css"), ("app.js", "javascript"), ("favicon.svg", "image/svg+xml")):
        r = c.get(f"/static/{name}")
        expect_status(r, 200, f"/static/{name}")
        check(ctype in r.header("Content-Type", ""), f"/static/{name}: Content-Type {r.header('Content-Type')}")
        check(len(r.body) > 10, f"/static/{name} is empty")
    for bad in ("..%2Fdefter.conf", "openapi.json", "%2e%2e", "nope.js"):
        expect_status(c.get(f"/static/{bad}"), 404, f"/static/{bad}")


def test_html_escaping_of_display_name(h):
    uid, name, pw = h.create_user(role="teknik", unit="YBY", display_name=XSS)
    admin = h.as_user("admin")
    page = admin.get("/users").text
    check(XSS_ESC in page, "/users does not show the escaped display name")
    check(XSS not in page, "/users contains the raw <script>")
    audit = admin.get(f"/audit?entity=user&entity_id={uid}").text
    check(XSS not in audit and "alert(1)" in audit, "/audit does not escape the display name")
    c = h.login(name, pw)
    for path in ("/", "/account"):
        body = c.get(path).text
        check(XSS not in body, f"{path} of the user contains the raw <script>")
        check(XSS_ESC in body, f"{path} does not show the escaped display name")
    eq(admin.get_json(f"/api/v1/users/{uid}")["display_name"], XSS, "display name in JSON is kept as typed")


def test_html_escaping_of_reflected_input(h):
    c = h.client(source=h.fresh_source())
    page = c.get("/login").text
    pre = re.search(r'name="_pre" value="([^"]+)"', page).group(1)
    evil = '"><script>alert(2)</script>'
    r = c.post_form("/login", {"_pre": pre, "username": evil, "password": "Wrong-password-1",
                               "next": '/x"><script>alert(3)</script>'})
    expect_status(r, 401, "form login with a hostile user name")
    check("<script>alert(2)" not in r.text and "&quot;&gt;&lt;script&gt;alert(2)" in r.text,
          "the user name is not escaped in the value attribute")
    check("<script>alert(3)" not in r.text, "the next field is not escaped")
    d = h.as_user("denetci")
    r = d.get('/audit?actor="><script>alert(4)</script>&action=<b>x</b>')
    expect_status(r, 200)
    check("<script>alert(4)" not in r.text and "<b>x</b>" not in r.text, "audit filter values are not escaped")
    r = h.client().get('/nope"><script>alert(5)</script>')
    check("<script>alert(5)" not in r.text, "the 404 page reflects the path unescaped")


def test_login_redirects_stay_local(h):
    src = h.fresh_source()
    pw = h.server.logins["teknik"][0]
    for nxt, want in (("/org", "/org"), ("//evil.example/", "/"), ("https://evil.example/", "/"),
                      ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("/audit?x=1", "/audit?x=1")):
        c = h.client(source=src)
        page = c.get("/login").text
        pre = re.search(r'name="_pre" value="([^"]+)"', page).group(1)
        r = c.post_form("/login", {"_pre": pre, "username": "teknik", "password": pw, "next": nxt})
        expect_status(r, 303, f"form login with next={nxt}")
        eq(r.header("Location"), want, f"redirect for next={nxt}")
        r = c.get("/login?next=" + nxt.replace("?", "%3F"))
        expect_status(r, 303, f"GET /login?next={nxt} when signed in")
        eq(r.header("Location"), want, f"GET /login redirect for next={nxt}")


def test_users_form_errors(h):
    admin = h.login("admin")
    r = admin.post_form("/users", {"_csrf": admin.csrf, "username": "Bad Name", "password": "short",
                                   "role": "king", "unit": "NOPE"})
    expect_status(r, 400, "POST /users with bad fields")
    alert = re.search(r'<p class="alert" role="alert">(.*?)</p>', r.text, re.S)
    check(alert, "no alert on the refused form")
    for f in ("username", "password", "role", "unit"):
        check(f in alert.group(1), f"the alert does not name {f}: {alert.group(1)}")
    r = admin.post_form("/users", {"_csrf": admin.csrf, "username": "admin", "password": "Valid-pass-123",
                                   "role": "admin"})
    expect_status(r, 409, "POST /users with a taken user name")


def test_account_password_change(h):
    uid, name, pw = h.create_user(role="personel", unit="ASD")
    c = h.login(name, pw)
    other = h.login(name, pw)  # a second session of the same user
    form = {"_csrf": c.csrf, "current": "Wrong-current-1", "new": "Brand-new-pass-1"}
    expect_status(c.post_form("/account/password", form), 400, "wrong current password")
    form = {"_csrf": c.csrf, "current": pw, "new": "short"}
    expect_status(c.post_form("/account/password", form), 400, "weak new password")
    form = {"_csrf": c.csrf, "current": pw, "new": name}
    expect_status(c.post_form("/account/password", form), 400, "new password = user name")
    expect_status(c.post_form("/account/password", {"current": pw, "new": "Brand-new-pass-1"}), 403,
                  "password change without _csrf")
    r = c.post_form("/account/password", {"_csrf": c.csrf, "current": pw, "new": "Brand-new-pass-1"})
    expect_status(r, 303, "password change")
    eq(r.header("Location"), "/login", "redirect after the change")
    expect_status(other.get("/api/v1/auth/me"), 401, "another session after the password change")
    src = h.fresh_source()
    expect_status(h.client(source=src).login(name, pw), 401, "old password after the change")
    expect_status(h.client(source=src).login(name, "Brand-new-pass-1"), 200, "new password")
    rows = h.as_user("admin").get_json(f"/api/v1/audit?action=password.change&entity_id={uid}")["items"]
    eq(len(rows), 1, "password.change audit rows")
    check("Brand-new-pass-1" not in str(rows) and "$argon2" not in str(rows), "the password is in the audit trail")
