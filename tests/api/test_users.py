"""Creating and listing users through the API."""
from harness import check, eq, expect_error, expect_status


def test_admin_creates_user(h):
    admin = h.as_user("admin")
    name = h.uniq("new")
    body = {"username": name, "password": "Yeni-kullanici-1", "role": "teknik", "unit": "SNB",
            "display_name": "Ayşe Yılmaz"}
    r = admin.post("/api/v1/users", body)
    expect_status(r, 201, "create")
    u = r.json()
    check(isinstance(u.get("id"), int), f"id: {u}")
    eq((u["username"], u["display_name"], u["unit"], u["active"]), (name, "Ayşe Yılmaz", "SNB", True), "created user")
    eq(u["grants"], [{"role": "teknik", "unit": "SNB"}], "grants")
    check("password" not in u and "password_hash" not in u, "the password comes back")
    eq(admin.get_json(f"/api/v1/users/{u['id']}")["username"], name, "GET by id")
    c = h.client()
    expect_status(c.login(name, "Yeni-kullanici-1"), 200, "the new user signs in")
    eq(c.get_json("/api/v1/auth/me")["unit"], "SNB", "/me unit")
    # audited: create + grant, by admin
    rows = admin.get_json(f"/api/v1/audit?entity=user&entity_id={u['id']}")["items"]
    eq(sorted(r["action"] for r in rows), ["create", "grant"], "audit rows of the new user")
    check(all(r["actor"] == "admin" for r in rows), f"audit actor: {rows}")
    created = [r for r in rows if r["action"] == "create"][0]
    eq(created["after"].get("username"), name, "audit after.username")
    check("Yeni-kullanici-1" not in str(rows), "the password is in the audit trail")


def test_duplicate_user_conflict(h):
    admin = h.as_user("admin")
    _, name, _ = h.create_user(role="personel")
    r = admin.post("/api/v1/users", {"username": name, "password": "Another-pass-123", "role": "teknik"})
    err = expect_error(r, 409, "conflict", "duplicate user name")
    check("username" in err.get("fields", {}), f"409 does not name the field: {err}")
    expect_error(admin.post("/api/v1/users", {"username": "admin", "password": "Another-pass-123",
                                               "role": "admin"}), 409, "conflict", "duplicate of admin")


def test_create_user_validation(h):
    admin = h.as_user("admin")
    cases = [
        ({"username": "Büyük Harf", "password": "Valid-pass-123", "role": "teknik"}, {"username"}),
        ({"username": "x", "password": "Valid-pass-123", "role": "teknik"}, {"username"}),
        ({"username": h.uniq("v"), "password": "short1", "role": "teknik"}, {"password"}),
        ({"username": h.uniq("v"), "password": "onlyletterspassword", "role": "teknik"}, {"password"}),
        ({"username": h.uniq("v"), "password": "Valid-pass-123", "role": "king"}, {"role"}),
        ({"username": h.uniq("v"), "password": "Valid-pass-123", "role": "teknik", "unit": "NOPE"}, {"unit"}),
        ({"username": h.uniq("v"), "password": "Valid-pass-123"}, {"role"}),
        ({"password": "Valid-pass-123", "role": "teknik"}, {"username"}),
        ({"username": h.uniq("v"), "password": "Valid-pass-123", "role": "teknik", "is_admin": True}, {"is_admin"}),
        ({"username": h.uniq("v"), "password": "Valid-pass-123", "role": 3}, {"role"}),
        ({"username": h.uniq("v"), "password": "Valid-pass-123", "role": "teknik", "display_name": "x" * 201},
         {"display_name"}),
        ({"username": "a\u0000b", "password": "Valid-pass-123", "role": "teknik"}, {"username"}),
    ]
    for body, want in cases:
        r = admin.post("/api/v1/users", body)
        if r.status == 400 and r.error_code() == "malformed_json":
            continue  # a NUL escape may be refused by the JSON parser itself
        err = expect_error(r, 400, "validation", f"create {body}")
        fields = set(err.get("fields") or {})
        check(want <= fields, f"create {body}: fields {sorted(fields)} do not name {sorted(want)}")
        if isinstance(body.get("username"), str):
            names = {u["username"] for u in admin.get_json("/api/v1/users?limit=200")["items"]}
            check(body["username"] not in names, f"invalid {body} was stored")


def test_create_user_keeps_email(h):
    admin = h.as_user("admin")
    name = h.uniq("mail")
    r = admin.post("/api/v1/users", {"username": name, "password": "Email-user-123", "role": "personel",
                                     "email": f"{name}@eyupsultan.bel.tr"})
    expect_status(r, 201, "create with email")
    eq(r.json().get("email"), f"{name}@eyupsultan.bel.tr", "email of the created user (201 body)")
    eq(admin.get_json(f"/api/v1/users/{r.json()['id']}").get("email"), f"{name}@eyupsultan.bel.tr",
       "email of the created user (GET)")


def test_user_get_unknown(h):
    admin = h.as_user("admin")
    expect_error(admin.get("/api/v1/users/999999"), 404, "not_found", "unknown id")
    expect_error(admin.get("/api/v1/users/abc"), 404, "not_found", "non-numeric id")
    expect_error(admin.get("/api/v1/users/-1"), 404, "not_found", "negative id")


def test_users_paging(h):
    admin = h.as_user("admin")
    for _ in range(3):
        h.create_user(role="personel", unit="TAB")
    full = admin.get_json("/api/v1/users?limit=200")
    eq(full["next_cursor"], None, "next_cursor of a complete list")
    want = [u["id"] for u in full["items"]]
    check(len(want) >= 9, f"too few users for paging: {len(want)}")
    check(want == sorted(want), "users not in id order")
    got, cursor, pages = [], None, 0
    while True:
        body = admin.get_json("/api/v1/users?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        check(len(body["items"]) <= 2, f"page larger than limit: {len(body['items'])}")
        got += [u["id"] for u in body["items"]]
        cursor = body["next_cursor"]
        pages += 1
        check(pages < 200, "paging does not end")
        if cursor is None:
            break
        check(isinstance(cursor, str) and cursor, f"next_cursor {cursor!r}")
    check(len(got) == len(set(got)), f"duplicates across pages: {got}")
    eq(got, want, "ids walked page by page")
    for bad in ("limit=0", "limit=-1", "limit=abc", "cursor=abc"):
        expect_error(admin.get(f"/api/v1/users?{bad}"), 400, "validation", f"GET /api/v1/users?{bad}")
    big = admin.get_json("/api/v1/users?limit=100000")
    eq(len(big["items"]), len(want), "limit above the maximum is capped, not refused")
