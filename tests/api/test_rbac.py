"""Permissions follow the role and the unit tree: sorumlu of YBY sees YBY only."""
import re

from harness import check, eq, expect_error, expect_status


def _all_users(c):
    out, cursor = [], None
    while True:
        body = c.get_json("/api/v1/users?limit=200" + (f"&cursor={cursor}" if cursor else ""))
        out += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return out


def test_unauthenticated(h):
    c = h.client()
    for path in ("/api/v1/users", "/api/v1/audit", "/api/v1/auth/me", "/api/v1/org/units", "/api/v1/users/1"):
        expect_error(c.get(path), 401, "unauthenticated", f"GET {path} without a session")
    expect_error(c.post("/api/v1/users", {"username": "x"}), 401, "unauthenticated", "POST /api/v1/users")
    expect_error(c.post("/api/v1/auth/tokens", {}), 401, "unauthenticated", "POST /api/v1/auth/tokens")
    for path, nxt in (("/", "%2F"), ("/users", "%2Fusers"), ("/audit", "%2Faudit"), ("/org", "%2Forg"),
                      ("/account", "%2Faccount")):
        r = c.get(path)
        expect_status(r, 303, f"GET {path} without a session")
        eq(r.header("Location"), f"/login?next={nxt}", f"GET {path} redirect")
    expect_status(c.get("/login"), 200, "GET /login")
    expect_status(c.get("/api/v1/openapi.json"), 200, "openapi is public")


def test_sef_sees_own_unit_only(h):
    sef = h.as_user("sef")
    teknik_id, personel_id = h.user_id("teknik"), h.user_id("personel")
    u = sef.get_json(f"/api/v1/users/{teknik_id}")
    eq(u["username"], "teknik", "sef reads teknik (YBY)")
    eq(u["unit"], "YBY", "teknik's unit")
    expect_error(sef.get(f"/api/v1/users/{personel_id}"), 403, "forbidden", "sef reads personel (ASD)")
    expect_error(sef.get(f"/api/v1/users/{h.user_id('admin')}"), 403, "forbidden", "sef reads admin (MUD)")
    names = {x["username"]: x for x in _all_users(sef)}
    check("sef" in names and "teknik" in names, f"sef's list lacks YBY users: {sorted(names)}")
    for other in ("personel", "admin", "mudur", "denetci"):
        check(other not in names, f"sef's list shows {other}: {sorted(names)}")
    check(all(x["unit"] == "YBY" for x in names.values()), f"sef's list has other units: {list(names.values())}")
    # the page shows the same
    page = sef.get("/users")
    expect_status(page, 200, "sef GET /users")
    check(">teknik<" in page.text and ">personel<" not in page.text, "the /users page of sef shows the wrong users")


def test_sef_cannot_manage(h):
    sef = h.as_user("sef")
    r = sef.post("/api/v1/users", {"username": h.uniq("sefmade"), "password": "Sef-made-12345", "role": "teknik",
                                   "unit": "YBY"})
    expect_error(r, 403, "forbidden", "sef creates a user")
    tid = h.user_id("teknik")
    expect_error(sef.post(f"/api/v1/users/{tid}/grants", {"role": "sorumlu", "unit": "YBY"}), 403, "forbidden",
                 "sef grants a role")
    expect_error(sef.get("/api/v1/audit"), 403, "forbidden", "sef reads the audit trail")


def test_personel_forbidden(h):
    p = h.as_user("personel")
    for path in ("/api/v1/users", "/api/v1/audit", "/api/v1/audit/verify", f"/api/v1/users/{h.user_id('personel')}"):
        expect_error(p.get(path), 403, "forbidden", f"personel GET {path}")
    for path in ("/users", "/audit"):
        r = p.get(path)
        expect_status(r, 403, f"personel GET {path}")
        check("text/html" in r.header("Content-Type", ""), f"{path}: 403 is not a page")
    # but the organisation is for everyone
    eq(p.get_json("/api/v1/org/units")["items"][0]["code"], "MUD", "first unit")
    check(len(p.get_json("/api/v1/org/duties")["items"]) > 10, "duties list")
    expect_status(p.get("/org"), 200, "personel GET /org")
    me = p.get_json("/api/v1/auth/me")
    eq(me["unit"], "ASD", "personel's unit")
    # the dashboard does not offer what personel cannot open
    page = p.get("/").text
    check('href="/users"' not in page and 'href="/audit"' not in page, "dashboard links to forbidden pages")


def test_denetci_reads_but_cannot_write(h):
    d = h.as_user("denetci")
    expect_status(d.get("/api/v1/audit"), 200, "denetci GET /api/v1/audit")
    check(d.get_json("/api/v1/audit/verify")["ok"] is True, "denetci GET /api/v1/audit/verify")
    expect_status(d.get("/audit"), 200, "denetci GET /audit")
    names = {x["username"] for x in _all_users(d)}
    check({"admin", "personel", "teknik"} <= names, f"denetci's user list: {sorted(names)}")
    name = h.uniq("den")
    r = d.post("/api/v1/users", {"username": name, "password": "Denetci-made-1", "role": "admin"})
    expect_error(r, 403, "forbidden", "denetci POST /api/v1/users")
    check(name not in {x["username"] for x in _all_users(d)}, "denetci created a user")
    expect_error(d.post(f"/api/v1/users/{h.user_id('denetci')}/grants", {"role": "admin"}), 403, "forbidden",
                 "denetci grants itself admin")
    r = d.post_form("/users", {"_csrf": d.csrf, "username": name, "password": "Denetci-made-1", "role": "admin"})
    expect_status(r, 403, "denetci POST /users form")


def test_mudur_sees_everything(h):
    m = h.as_user("mudur")
    names = {x["username"] for x in _all_users(m)}
    check({"admin", "sef", "teknik", "personel", "denetci"} <= names, f"mudur's user list: {sorted(names)}")
    expect_status(m.get(f"/api/v1/users/{h.user_id('personel')}"), 200, "mudur reads personel")
    expect_status(m.get("/api/v1/audit"), 200, "mudur reads audit")
    expect_error(m.post("/api/v1/users", {"username": h.uniq("m"), "password": "Mudur-made-123", "role": "teknik"}),
                 403, "forbidden", "mudur creates a user (user.manage is admin's)")


def test_teknik_has_no_user_read(h):
    t = h.as_user("teknik")
    expect_error(t.get("/api/v1/users"), 403, "forbidden", "teknik GET /api/v1/users")
    expect_error(t.get(f"/api/v1/users/{h.user_id('teknik')}"), 403, "forbidden", "teknik reads itself by id")


def test_grant_extends_reach(h):
    uid, name, pw = h.create_user(role="sorumlu", unit="TAB")
    c = h.login(name, pw)
    pid = h.user_id("personel")
    expect_error(c.get(f"/api/v1/users/{pid}"), 403, "forbidden", "sorumlu of TAB reads personel (ASD)")
    r = h.as_user("admin").post(f"/api/v1/users/{uid}/grants", {"role": "sorumlu", "unit": "ASD"})
    expect_status(r, 200, "grant sorumlu on ASD")
    eq(sorted((g["role"], g["unit"]) for g in r.json()["grants"]), [("sorumlu", "ASD"), ("sorumlu", "TAB")],
       "grants after the grant")
    expect_status(c.get(f"/api/v1/users/{pid}"), 200, "sorumlu of TAB+ASD reads personel")
    check("personel" in {x["username"] for x in _all_users(c)}, "list after the grant lacks personel")
    err = expect_error(h.as_user("admin").post(f"/api/v1/users/{uid}/grants", {"role": "king", "unit": "NOPE"}),
                       400, "validation", "grant with a bad role and unit")
    check({"role", "unit"} <= set(err.get("fields", {})), f"fields: {err}")
    expect_error(h.as_user("admin").post("/api/v1/users/999999/grants", {"role": "teknik"}), 404, "not_found",
                 "grant to an unknown user")


def test_sef_dashboard_counts_only_visible_users(h):
    sef = h.as_user("sef")
    visible = len([u for u in _all_users(sef) if u["active"]])  # the card counts active accounts
    page = sef.get("/").text
    m = re.search(r'<a class="stat card" href="/users"><span class="num">(\d+)</span>', page)
    check(m, "sef's dashboard has no users card")
    eq(int(m.group(1)), visible, "users counted on sef's dashboard vs users sef may see")


def test_unit_admin_cannot_escalate(h):
    # A role granted on a unit reaches that unit's subtree only (DESIGN 4). An admin of TAB
    # may manage TAB, but must not create users elsewhere or make itself admin of the root.
    uid, name, pw = h.create_user(role="admin", unit="TAB")
    x = h.login(name, pw)
    expect_error(x.get(f"/api/v1/users/{h.user_id('admin')}"), 403, "forbidden", "TAB admin reads the root admin")
    victim = h.uniq("esc")
    r = x.post("/api/v1/users", {"username": victim, "password": "Escalate-pw-123", "role": "admin"})
    expect_error(r, 403, "forbidden", "TAB admin creates an admin of the root unit")
    r = x.post(f"/api/v1/users/{uid}/grants", {"role": "admin"})
    expect_error(r, 403, "forbidden", "TAB admin grants itself admin on the root unit")
    r = x.post(f"/api/v1/users/{h.user_id('personel')}/grants", {"role": "sorumlu", "unit": "ASD"})
    expect_error(r, 403, "forbidden", "TAB admin grants a role on ASD")
    grants = h.as_user("admin").get_json(f"/api/v1/users/{uid}")["grants"]
    eq(grants, [{"role": "admin", "unit": "TAB"}], "grants of the TAB admin afterwards")
