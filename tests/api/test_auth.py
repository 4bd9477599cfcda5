"""Sign in and out, sessions, API tokens and login throttling."""
import time

from harness import check, eq, expect_error, expect_status


def test_login_ok(h):
    c = h.client()
    r = c.login("admin")
    expect_status(r, 200)
    body = r.json()
    eq(body["user"]["username"], "admin", "login: user.username")
    check(isinstance(body.get("csrf_token"), str) and len(body["csrf_token"]) >= 16, "login: csrf_token")
    check("password_hash" not in body["user"] and "password" not in body["user"], "login leaks the password hash")
    me = c.get_json("/api/v1/auth/me")
    eq(me["username"], "admin", "/me username")
    eq(me.get("csrf_token"), body["csrf_token"], "/me csrf_token")
    eq([g["role"] for g in me["grants"]], ["admin"], "/me grants")


def test_login_bad_password_and_unknown_user_look_the_same(h):
    c = h.client(source=h.fresh_source())
    bad = c.login("mudur", "Wrong-password-123")
    unknown = c.login("no.such.user", "Wrong-password-123")
    expect_error(bad, 401, "bad_credentials", "wrong password")
    expect_error(unknown, 401, "bad_credentials", "unknown user")
    eq(unknown.body, bad.body, "body for an unknown user vs a wrong password")
    check(not c.cookies.get("defter_sid"), "a failed login set a session cookie")
    r = c.get("/api/v1/auth/me")
    expect_error(r, 401, "unauthenticated", "/me after a failed login")


def test_login_missing_or_wrong_fields(h):
    c = h.client(source=h.fresh_source())
    expect_error(c.post("/api/v1/auth/login", {"username": "admin"}), 400, "validation", "no password")
    r = c.post("/api/v1/auth/login", {"username": "admin", "password": 12345678901})
    err = expect_error(r, 400, "validation", "password not a string")
    check("password" in err.get("fields", {}), f"fields do not name password: {err}")
    r = c.post("/api/v1/auth/login", {"username": "admin", "password": "x", "remember": True})
    err = expect_error(r, 400, "validation", "unknown field")
    check("remember" in err.get("fields", {}), f"fields do not name the unknown field: {err}")


def test_logout_ends_session(h):
    c = h.login("mudur")
    sid = c.cookies["defter_sid"]
    expect_status(c.get("/api/v1/auth/me"), 200)
    r = c.post("/api/v1/auth/logout")
    expect_status(r, 200, "logout")
    _, line = r.cookie("defter_sid")
    check(line and "max-age=0" in line.lower(), f"logout does not clear the cookie: {line}")
    # The old session id must be dead on the server, not just forgotten by the client.
    c.cookies["defter_sid"] = sid
    expect_error(c.get("/api/v1/auth/me"), 401, "unauthenticated", "/me with the logged-out session")
    expect_error(c.post("/api/v1/auth/tokens", {}), 401, "unauthenticated", "token with the logged-out session")
    # the logout is in the audit trail
    items = h.as_user("admin").get_json("/api/v1/audit?action=logout&actor=mudur&limit=5")["items"]
    check(items and items[0]["entity"] == "login", f"no logout audit row: {items}")


def test_session_idle_expiry(h):
    idle = h.new_server(name="idle")
    c = h.login("teknik", server=idle)
    # sessions live in the database: the session outlives a restart, now with no idle time allowed
    idle.restart(env={"DEFTER_SESSION_IDLE_MINUTES": "0"})
    control = h.login("teknik")  # default idle time on the shared server
    time.sleep(2.1)
    expect_error(c.get("/api/v1/auth/me"), 401, "unauthenticated", "/me after the idle time")
    expect_status(control.get("/api/v1/auth/me"), 200, "/me within the default idle time")
    # an expired session gives a page visitor the sign-in page
    r = c.get("/")
    expect_status(r, 303, "GET / with an expired session")


def test_api_token(h):
    c = h.login("admin")
    r = c.post("/api/v1/auth/tokens", {"name": "ci", "days": 1})
    expect_status(r, 201, "create token")
    body = r.json()
    check(isinstance(body.get("id"), int) and isinstance(body.get("token"), str) and len(body["token"]) > 20,
          f"token body: {body}")
    t = h.client()
    t.bearer = body["token"]
    me = t.get_json("/api/v1/auth/me")
    eq(me["username"], "admin", "/me with the token")
    # no CSRF needed with a bearer token
    name = h.uniq("tok")
    r = t.post("/api/v1/users", {"username": name, "password": "TokenUser12345", "role": "teknik", "unit": "YBY"},
               csrf=False)
    expect_status(r, 201, "create a user with a bearer token and no CSRF header")
    # garbage tokens
    for bad in ("garbage", body["token"] + "x", "dft_" + "A" * 43, ""):
        g = h.client()
        g.bearer = bad
        expect_error(g.get("/api/v1/auth/me"), 401, "unauthenticated", f"/me with bearer {bad[:12]!r}")
    # a bearer token on a page works like a session (read-only page)
    expect_status(t.get("/users"), 200, "GET /users with a bearer token")
    # the token creation is audited
    items = h.as_user("admin").get_json(f"/api/v1/audit?entity=api_token&entity_id={body['id']}")["items"]
    eq([i["action"] for i in items], ["create"], "audit rows of the token")


def test_api_token_validation(h):
    c = h.as_user("teknik")
    err = expect_error(c.post("/api/v1/auth/tokens", {"days": -1}), 400, "validation", "days -1")
    check("days" in err.get("fields", {}), f"fields: {err}")
    err = expect_error(c.post("/api/v1/auth/tokens", {"days": 99999}), 400, "validation", "days 99999")
    err = expect_error(c.post("/api/v1/auth/tokens", {"scope": "all"}), 400, "validation", "unknown field")
    check("scope" in err.get("fields", {}), f"fields: {err}")
    expect_error(c.post("/api/v1/auth/tokens", {"name": 5}), 400, "validation", "name not a string")
    expect_status(c.post("/api/v1/auth/tokens"), 201, "token with an empty body")


def _audit(h, **q):
    qs = "&".join(f"{k}={v}" for k, v in q.items())
    items, cursor = [], None
    while True:
        body = h.as_user("admin").get_json(f"/api/v1/audit?{qs}&limit=200" + (f"&cursor={cursor}" if cursor else ""))
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items


def test_login_throttle_per_user(h):
    _, user, pw = h.create_user(role="teknik", unit="YBY")
    a = h.client(source=h.fresh_source())
    for i in range(5):
        expect_error(a.login(user, f"Wrong-{i}-password1"), 401, "bad_credentials", f"failure {i + 1}")
    r = a.login(user, pw)
    expect_error(r, 429, "throttled", "6th attempt with the right password")
    ra = r.header("Retry-After")
    check(ra and ra.isdigit() and 0 < int(ra) <= 15 * 60, f"Retry-After {ra!r}")
    check(not a.cookies.get("defter_sid"), "a throttled login set a session cookie")
    # the user is throttled from any address, not just the one that failed
    b = h.client(source=h.fresh_source())
    expect_error(b.login(user, pw), 429, "throttled", "right password from another address")
    # another user is not affected, even from the failing address
    expect_status(a.login("teknik"), 200, "another user from the same address")
    # every failure and every throttled attempt is in the audit trail
    rows = _audit(h, entity="login", entity_id=user)
    acts = [r["action"] for r in rows]
    eq(acts.count("login.failed"), 5, f"login.failed rows for {user} ({acts})")
    eq(acts.count("login.throttled"), 2, f"login.throttled rows for {user} ({acts})")
    eq(acts.count("login"), 0, f"successful login rows for {user}")
    check(all(r["ip"] and r["ip"].startswith("127.0.0.") for r in rows), f"audit rows lack the address: {rows}")
    check({r["ip"] for r in rows if r["action"] == "login.throttled"} == {a.source, b.source},
          f"throttled rows do not name both addresses: {rows}")


def test_login_throttle_per_address(h):
    src = h.fresh_source()
    a = h.client(source=src)
    stem = h.uniq("ghost")
    for i in range(20):
        r = a.login(f"{stem}-{i}", "Wrong-password-123")
        expect_error(r, 401, "bad_credentials", f"failure {i + 1} from {src}")
    r = a.login("denetci")
    expect_error(r, 429, "throttled", f"right password of denetci from {src} after 20 failures")
    check(r.header("Retry-After"), "no Retry-After")
    expect_status(h.client(source=h.fresh_source()).login("denetci"), 200, "denetci from another address")
    rows = _audit(h, entity="login", action="login.failed")
    mine = [x for x in rows if x["entity_id"].startswith(stem + "-")]
    eq(len(mine), 20, "login.failed audit rows of the unknown users")
    check(all(x["ip"] == src for x in mine), "audit rows with another address")
    thr = [x for x in _audit(h, entity="login", entity_id="denetci", action="login.throttled") if x["ip"] == src]
    eq(len(thr), 1, "login.throttled audit rows of denetci from the throttled address")


def test_overlong_form_login_is_audited(h):
    # A form login with a 300-character password is reported as a wrong password (401);
    # then it is a failed login and belongs in the audit trail like any other.
    import re
    src = h.fresh_source()
    c = h.client(source=src)
    pre = re.search(r'name="_pre" value="([^"]+)"', c.get("/login").text).group(1)
    for user, pw in (("mudur", "x" * 300), ("m" * 200, "Wrong-password-1")):
        r = c.post_form("/login", {"_pre": pre, "username": user, "password": pw})
        check(r.status in (400, 401), f"form login {user[:10]}…/{len(pw)} chars: status {r.status}")
        if r.status == 401:
            rows = [x for x in _audit(h, entity="login", action="login.failed") if x["ip"] == src
                    and x["entity_id"] == user]
            eq(len(rows), 1, f"login.failed rows for the refused form login of {user[:10]}… "
                             f"(password {len(pw)} chars, answered 401)")
