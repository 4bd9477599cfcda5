"""Account administration: changing and deactivating users, revoking role
grants, listing and revoking API tokens; absolute session expiry; the
client address behind a trusted reverse proxy; cross-site and non-JSON
writes refused."""
import time

from harness import check, eq, expect_error, expect_status


def test_user_update_and_deactivate(h):
    admin = h.as_user("admin")
    uid, name, pw = h.create_user(role="teknik", unit="SNB")
    c = h.login(name, pw)
    tok = c.post("/api/v1/auth/tokens", {"name": "t"}).json()["token"]
    r = admin.request("PATCH", f"/api/v1/users/{uid}", json_body={"display_name": "Yeni Ad", "email": "y@bel.tr"},
                      csrf=True)
    expect_status(r, 200, "PATCH display_name/email")
    eq((r.json()["display_name"], r.json()["email"]), ("Yeni Ad", "y@bel.tr"), "updated user")
    expect_error(admin.request("PATCH", f"/api/v1/users/{uid}", json_body={"email": "yok"}, csrf=True), 400,
                 "validation", "bad e-mail")
    expect_error(admin.request("PATCH", f"/api/v1/users/{uid}", json_body={"colour": "red"}, csrf=True), 400,
                 "validation", "unknown field")
    # deactivation ends the session and stops the token at once
    r = admin.request("PATCH", f"/api/v1/users/{uid}", json_body={"active": False}, csrf=True)
    expect_status(r, 200, "deactivate")
    expect_error(c.get("/api/v1/auth/me"), 401, "unauthenticated", "session of a deactivated user")
    t = h.client()
    t.bearer = tok
    expect_error(t.get("/api/v1/auth/me"), 401, "unauthenticated", "token of a deactivated user")
    expect_error(h.client(source=h.fresh_source()).request(
        "POST", "/api/v1/auth/login", json_body={"username": name, "password": pw}), 401, "bad_credentials",
        "login of a deactivated user")
    # own account cannot be deactivated; unknown id 404; non-admin 403
    me = admin.get_json("/api/v1/auth/me")["id"]
    expect_error(admin.request("PATCH", f"/api/v1/users/{me}", json_body={"active": False}, csrf=True), 409,
                 "conflict", "deactivating oneself")
    expect_error(admin.request("PATCH", "/api/v1/users/999999", json_body={"active": True}, csrf=True), 404,
                 "not_found", "unknown user")
    expect_error(h.as_user("mudur").request("PATCH", f"/api/v1/users/{uid}", json_body={"active": True}, csrf=True),
                 403, "forbidden", "yonetici has no user.manage")
    rows = h.as_user("admin").get_json(f"/api/v1/audit?entity=user&entity_id={uid}&action=update")["items"]
    check(any(x["before"]["active"] and x["after"]["active"] is False for x in rows), f"deactivation audit: {rows}")


def test_grant_revoke(h):
    admin = h.as_user("admin")
    uid, name, pw = h.create_user(role="teknik", unit="YBY")
    expect_status(admin.post(f"/api/v1/users/{uid}/grants", {"role": "sorumlu", "unit": "YBY"}), 200, "grant")
    c = h.login(name, pw)
    expect_status(c.get("/api/v1/users"), 200, "user.read through the sorumlu grant")
    r = admin.post(f"/api/v1/users/{uid}/grants/revoke", {"role": "sorumlu", "unit": "YBY"})
    expect_status(r, 200, "revoke")
    eq([(g["role"], g["unit"]) for g in r.json()["grants"]], [("teknik", "YBY")], "grants after revoke")
    expect_error(c.get("/api/v1/users"), 403, "forbidden", "user.read after the revoke")
    expect_error(admin.post(f"/api/v1/users/{uid}/grants/revoke", {"role": "sorumlu", "unit": "YBY"}), 404,
                 "not_found", "revoking twice")
    rows = admin.get_json(f"/api/v1/audit?entity=user&entity_id={uid}&action=revoke")["items"]
    eq([(x["before"]["role"], x["before"]["unit"]) for x in rows], [("sorumlu", "YBY")], "revoke audit row")


def test_token_list_and_revoke(h):
    _, name, pw = h.create_user(role="teknik", unit="TAB")
    c = h.login(name, pw)
    created = c.post("/api/v1/auth/tokens", {"name": "yedek"}).json()
    items = c.get_json("/api/v1/auth/tokens")["items"]
    eq([(x["id"], x["name"], x["revoked_at"]) for x in items], [(created["id"], "yedek", None)], "token list")
    check(all("token" not in x for x in items), "the list shows the secret")
    # someone else's token is not theirs to revoke
    _, other, opw = h.create_user(role="teknik", unit="TAB")
    expect_error(h.login(other, opw).request("DELETE", f"/api/v1/auth/tokens/{created['id']}", csrf=True), 404,
                 "not_found", "revoking another user's token")
    t = h.client()
    t.bearer = created["token"]
    expect_status(t.get("/api/v1/auth/me"), 200, "token works before revoke")
    expect_status(c.request("DELETE", f"/api/v1/auth/tokens/{created['id']}", csrf=True), 200, "revoke own token")
    expect_error(t.get("/api/v1/auth/me"), 401, "unauthenticated", "revoked token")
    check(c.get_json("/api/v1/auth/tokens")["items"][0]["revoked_at"], "revoked_at not set")


def test_absolute_expiry_and_trusted_proxy(h):
    s = h.new_server(name="proxy", env={"DEFTER_SESSION_ABSOLUTE_HOURS": "0",
                                        "DEFTER_SERVER_TRUSTED_PROXIES": "127.0.0.77"})
    c = h.login("teknik", server=s)
    time.sleep(2.1)
    expect_error(c.get("/api/v1/auth/me"), 401, "unauthenticated", "/me after the absolute lifetime")
    # from the trusted proxy the client is the last X-Forwarded-For address; from anyone else it is ignored
    for src, expected in (("127.0.0.77", "203.0.113.9"), ("127.0.0.78", "127.0.0.78")):
        x = h.client(server=s, source=src)
        r = x.request("POST", "/api/v1/auth/login", json_body={"username": "mudur", "password": "yanlis-parola-1"},
                      headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
        expect_status(r, 401, f"failed login via {src}")
        admin = h.login("admin", server=s)
        rows = admin.get_json("/api/v1/audit?action=login.failed&entity_id=mudur")["items"]
        eq(rows[0]["ip"], expected, f"address recorded for a request from {src}")


def test_cross_site_and_non_json_writes(h):
    admin = h.login("admin")
    name = h.uniq("xs")
    body = {"username": name, "password": "Cross-site-123", "role": "teknik"}
    r = admin.post("/api/v1/users", body, headers={"Origin": "http://evil.example"})
    expect_error(r, 403, "origin", "cross-site Origin")
    r = admin.request("POST", "/api/v1/users", body=b'{"username": "x"}', headers={"Content-Type": "text/plain"},
                      csrf=True)
    expect_error(r, 415, "unsupported_media_type", "text/plain body")
    r = admin.post("/api/v1/users", body, headers={"Origin": f"http://127.0.0.1:{h.server.port}"})
    expect_status(r, 201, "same-origin write")


def test_cli_jobs_run(h):
    """`defter jobs run NAME` runs a job now (here: expired sessions are
    deleted) and records it; an unknown job is an error."""
    import sqlite3
    s = h.new_server(name="jobs", env={"DEFTER_SESSION_IDLE_MINUTES": "0"})
    c = h.login("teknik", server=s)
    db = sqlite3.connect(f"{s.data_dir}/defter.db")
    before = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    check(before >= 1, "no session to clean up")
    # the command reads the data directory's defter.conf, not the server's environment
    with open(f"{s.data_dir}/defter.conf", "a", encoding="utf-8") as f:
        f.write("\n[session]\nidle_minutes = 0\n")
    time.sleep(2.1)
    p = h.cli("jobs", "run", "auth.cleanup", "--data", s.data_dir)
    eq(p.returncode, 0, f"jobs run auth.cleanup: {p.stderr}")
    eq(db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0], 0, "sessions left after the cleanup job")
    eq(db.execute("SELECT last_status FROM jobs_state WHERE name = 'auth.cleanup'").fetchone(), ("ok",), "job state")
    p = h.cli("jobs", "run", "no.such.job", "--data", s.data_dir)
    eq(p.returncode, 1, "unknown job")
    check("no.such.job" in p.stderr, f"stderr names the job: {p.stderr}")
    expect_error(c.get("/api/v1/auth/me"), 401, "unauthenticated", "session after cleanup")
