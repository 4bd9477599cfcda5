"""Turkish by default; English through the lang cookie or Accept-Language."""
import re

from harness import check, eq, expect_error, expect_status

TR_401 = "Lütfen giriş yapın."
EN_401 = "Please sign in."
TR_BAD = "Kullanıcı adı veya parola yanlış."
EN_BAD = "The user name or password is wrong."


def _msg(r):
    return r.json()["error"]["message"]


def test_turkish_by_default(h):
    c = h.client()
    eq(_msg(c.get("/api/v1/users")), TR_401, "401 message")
    r = h.client(source=h.fresh_source()).login("no.such.user", "Wrong-password-1")
    eq(_msg(r), TR_BAD, "bad credentials message")
    page = c.get("/login").text
    check('<html lang="tr"' in page, "login page is not lang=tr")
    check("<title>Giriş · defter</title>" in page, "login page title is not Turkish")
    check(re.search(r'<strong lang="tr"[^>]*>Türkçe</strong>', page), "Türkçe is not shown as current")
    check('id="lang-en"' in page and 'id="lang-tr"' not in page, "language links on a Turkish page")
    dash = h.as_user("mudur").get("/").text
    check("Hoş geldiniz" in dash and "Kullanıcılar" in dash, "dashboard is not Turkish")


def test_english_by_accept_language(h):
    for al in ("en", "en-US,en;q=0.9", "en-GB"):
        c = h.client(accept_language=al)
        eq(_msg(c.get("/api/v1/users")), EN_401, f"401 message with Accept-Language: {al}")
        check('<html lang="en"' in c.get("/login").text, f"login page with Accept-Language: {al}")
    c = h.client(accept_language="tr-TR,tr;q=0.9")
    eq(_msg(c.get("/api/v1/users")), TR_401, "401 message with Accept-Language: tr-TR")
    r = h.client(accept_language="en", source=h.fresh_source()).login("no.such.user", "Wrong-password-1")
    eq(_msg(r), EN_BAD, "bad credentials message in English")


def test_accept_language_negotiation(h):
    # RFC 9110 12.5.4 / RFC 4647: tags are case-insensitive, q-values rank them, q=0 means "not this one".
    for al, want in (("EN", EN_401), ("En-us", EN_401), ("de-DE,de;q=0.9,en;q=0.8", EN_401),
                     ("tr;q=0.1, en;q=0.9", EN_401), ("en;q=0, tr", TR_401)):
        eq(_msg(h.client(accept_language=al).get("/api/v1/users")), want, f"message with Accept-Language: {al!r}")


def test_lang_cookie(h):
    c = h.client(lang="en", accept_language="tr")
    eq(_msg(c.get("/api/v1/users")), EN_401, "lang=en cookie beats Accept-Language: tr")
    c = h.client(lang="tr", accept_language="en")
    eq(_msg(c.get("/api/v1/users")), TR_401, "lang=tr cookie beats Accept-Language: en")
    c = h.client(lang="xx")
    eq(_msg(c.get("/api/v1/users")), TR_401, "unknown lang cookie")


def test_lang_switch_page(h):
    c = h.login("sef")
    r = c.get("/lang/en?next=/users")
    expect_status(r, 303, "GET /lang/en")
    eq(r.header("Location"), "/users", "redirect after the switch")
    val, line = r.cookie("lang")
    eq(val, "en", f"lang cookie ({line})")
    page = c.get("/users").text
    check('<html lang="en"' in page and "<h1>Users</h1>" in page, "/users is not English after the switch")
    check(re.search(r'<strong lang="en"[^>]*>English</strong>', page) and 'id="lang-tr"' in page,
          "language links after the switch")
    eq(_msg(c.post("/api/v1/users", {"username": "x"})), "You do not have permission for this.",
       "API message after the switch")
    r = c.get("/lang/tr?next=/users")
    eq(c.cookies.get("lang"), "tr", "lang cookie after switching back")
    check("<h1>Kullanıcılar</h1>" in c.get("/users").text, "/users is not Turkish after switching back")
    for nxt in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        r = c.get(f"/lang/en?next={nxt}")
        expect_status(r, 303, f"GET /lang/en?next={nxt}")
        eq(r.header("Location"), "/", f"redirect for next={nxt}")


def test_error_pages_follow_language(h):
    r = h.client(lang="en").get("/nope")
    expect_status(r, 404)
    check('<html lang="en"' in r.text and "Not found" in r.text, "English 404 page")
    r = h.client().get("/nope")
    check('<html lang="tr"' in r.text and "Bulunamadı" in r.text, "Turkish 404 page")
    expect_error(h.client(lang="en").get("/api/v1/nope"), 404, "not_found")
