"""Directory sign-in ([ldap]) against a real slapd the test starts itself:
an LDAP user signs in through POST /api/v1/auth/login and gets the role and
unit its group maps to; wrong passwords and unknown users are 401; LDAP
injection in the user name finds no one; StartTLS and ldaps:// work with the
test CA (a wrong CA does not); a directory that is down gives 503 with the
Turkish message while a local admin still signs in; failures of every kind
are throttled; a sync creates people and deactivates a removed user."""
import atexit
import os
import urllib.parse

from harness import check, eq, expect_error, expect_status
from ldappeers import PEOPLE, SUFFIX, SlapdPeer, defter_ldap_conf, person_ldif

TR_UNREACHABLE = "Dizin sunucusuna ulaşılamıyor."
EN_UNREACHABLE = "The directory server cannot be reached."


def _peer(h):
    p = h.cache.get("slapd")
    if p is None or p.proc is None or p.proc.poll() is not None:
        p = SlapdPeer(h.tmpdir("ldap"))
        atexit.register(p.stop)
        h.cache["slapd"] = p
    return p


def _conf(h, peer, **over):
    conf = defter_ldap_conf(peer, os.path.join(h.tmpdir("ldapsecret"), "bind.pw"))
    conf.update(over)
    return conf


def _server(h, name="ldap", **over):
    """A server of its own on a demo data directory whose defter.conf has these [ldap] settings."""
    peer = _peer(h)
    data = h.init_data(name)
    with open(os.path.join(data, "defter.conf"), "a", encoding="utf-8") as f:
        f.write("\n[ldap]\n" + "".join(f"{k} = {v}\n" for k, v in _conf(h, peer, **over).items()))
    return h.new_server(data=data, name=name), data, peer


def _shared(h):
    """One server with the default [ldap] settings, shared by the tests that do not change the directory."""
    s = h.cache.get("ldap_server")
    if s is None or not s.alive():
        s, data, _ = _server(h)
        h.cache["ldap_server"] = s
        h.cache["ldap_data"] = data
    if s not in h.touched:
        h.touched.append(s)
    return s


def _grants(c):
    return sorted((g["role"], g["unit"]) for g in c.get_json("/api/v1/auth/me")["grants"])


def test_ldap_user_signs_in_with_the_mapped_role(h):
    s = _shared(h)
    c = h.client(s, source=h.fresh_source())
    r = c.login("ayse", PEOPLE["ayse"]["pw"])
    expect_status(r, 200, "ayse signs in through the directory")
    u = r.json()["user"]
    eq(u["username"], "ayse", "user name")
    eq(u["display_name"], PEOPLE["ayse"]["cn"], "display name from the directory")
    eq((u["source"], u["email"], u["unit"]), ("ldap", "ayse@example.org", "MUD"), "source, e-mail and unit")
    root = h.cache.setdefault("root_unit", "MUD")
    eq(_grants(c), [("admin", root)], "ayse (bt-admins) is admin on the root unit")
    # The admin role works: the users list is readable.
    expect_status(c.get("/api/v1/users?limit=5"), 200, "admin from the directory lists users")

    m = h.client(s, source=h.fresh_source())
    expect_status(m.login("mehmet", PEOPLE["mehmet"]["pw"]), 200, "mehmet signs in")
    eq(_grants(m), [("personel", "TAB"), ("teknik", "SNB")], "mehmet (cn destek) has both mapped grants")
    expect_error(m.get("/api/v1/users?limit=5"), 403, "forbidden", "teknik cannot list users")

    z = h.client(s, source=h.fresh_source())
    expect_status(z.login("zeynep", PEOPLE["zeynep"]["pw"]), 200, "zeynep (no mapped group) signs in")
    eq(_grants(z), [], "zeynep has no grants")

    # The user row is a directory user without a local password, and its
    # creation and grants are in the audit trail.
    uid = r.json()["user"]["id"]
    rows = c.get_json(f"/api/v1/audit?entity=user&entity_id={uid}&limit=50")["items"]
    actions = sorted(x["action"] for x in rows)
    check("create" in actions and "grant" in actions, f"audit of the directory user: {actions}")
    text = str(rows)
    check(PEOPLE["ayse"]["pw"] not in text, "the password reached the audit trail")

    # A second sign-in changes nothing and still works.
    c2 = h.client(s, source=h.fresh_source())
    expect_status(c2.login("ayse", PEOPLE["ayse"]["pw"]), 200, "ayse signs in again")
    eq(_grants(c2), [("admin", root)], "grants after the second sign-in")


def test_ldap_wrong_password_unknown_user_and_empty_password(h):
    s = _shared(h)
    c = h.client(s, source=h.fresh_source())
    bad = c.login("ayse", "Wrong-Parola-9")
    unknown = c.login("nobody.here", "Wrong-Parola-9")
    expect_error(bad, 401, "bad_credentials", "directory user, wrong password")
    expect_error(unknown, 401, "bad_credentials", "unknown in the directory")
    eq(unknown.body, bad.body, "unknown user vs wrong password")
    # An empty password is refused before the directory is asked (an
    # anonymous bind is not a login): 400 from the API, 401 from the form.
    expect_error(c.login("ayse", ""), 400, "validation", "empty password")
    f = h.client(s, source=h.fresh_source())
    expect_status(f.get("/login"), 200, "login page")
    r = f.request("POST", "/login", form={"_pre": f.cookies.get("defter_pre", ""), "username": "ayse", "password": ""})
    eq(r.status, 401, "form sign-in with an empty password")
    check(not f.cookies.get("defter_sid"), "an empty password got a session")
    check(not c.cookies.get("defter_sid"), "a failed login set a session cookie")
    log = open(s.log_path, "rb").read().decode("utf-8", "replace")
    check("Wrong-Parola-9" not in log, "a password reached the server log")


def test_ldap_injection_in_the_user_name_matches_no_one(h):
    s = _shared(h)
    pw = PEOPLE["ayse"]["pw"]
    # Unescaped, each of these would find ayse (or everyone) and the bind
    # with her password would succeed.
    for name in ["*", "ay*", "a*e", ")(uid=*", "ayse)(|(uid=*", "*)(uid=*))(|(uid=*", "ayse\\00", "\\2a",
                 "ayse)", "(uid=ayse)", "ayse,ou=people"]:
        c = h.client(s, source=h.fresh_source())
        expect_error(c.login(name, pw), 401, "bad_credentials", f"user name {name!r}")
        check(not c.cookies.get("defter_sid"), f"{name!r} got a session")
    # A control character (NUL in JSON) is refused before the directory.
    c = h.client(s, source=h.fresh_source())
    r = c.request("POST", "/api/v1/auth/login", body='{"username": "ayse\\u0000x", "password": "%s"}' % pw)
    check(r.status in (400, 401), f"NUL in the user name: {r.status}")
    # No user rows were made for the attempts.
    admin = h.login("admin", server=s)
    names = [u["username"] for u in admin.get_json("/api/v1/users?limit=200")["items"]]
    check(not any("*" in n or "(" in n for n in names), f"injection attempts made users: {names}")


def test_ldap_does_not_take_over_a_local_account(h):
    peer = _peer(h)
    s = _shared(h)
    # The directory has a "mudur" too, with another password: the local
    # account (source local) never asks the directory.
    peer.add(person_ldif("mudur", {"cn": "Sahte Müdür", "pw": "Dizin-Parola-5", "mail": "m@example.org",
                                   "phone": "", "tckn": "", "unit": "MUD"}) +
             f"\ndn: cn=bt-admins2,ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: bt-admins2\n"
             f"member: uid=mudur,ou=people,{SUFFIX}\n")
    try:
        c = h.client(s, source=h.fresh_source())
        expect_error(c.login("mudur", "Dizin-Parola-5"), 401, "bad_credentials", "directory password of a local name")
        expect_status(h.client(s, source=h.fresh_source()).login("mudur"), 200, "local mudur still signs in")
        # Upper case reaches the directory (uid matching ignores case) and
        # names the local account: refused as well.
        expect_error(h.client(s, source=h.fresh_source()).login("MUDUR", "Dizin-Parola-5"), 401,
                     "bad_credentials", "MUDUR through the directory")
    finally:
        peer.delete(f"cn=bt-admins2,ou=groups,{SUFFIX}")
        peer.delete(f"uid=mudur,ou=people,{SUFFIX}")


def test_ldap_directory_down_local_admin_signs_in_and_throttling(h):
    # Nothing listens on the URL: 503 with the Turkish message, counted
    # towards throttling; the local admin signs in all the same.
    from harness import free_port
    s, _, _ = _server(h, "ldapdown", url=f"ldap://127.0.0.1:{free_port()}", starttls="no")
    c = h.client(s, source=h.fresh_source())
    err = expect_error(c.login("ayse", PEOPLE["ayse"]["pw"]), 503, "directory_unreachable", "directory down")
    eq(err["message"], TR_UNREACHABLE, "Turkish message")
    en = h.client(s, source=h.fresh_source(), lang="en")
    err = expect_error(en.login("ayse", PEOPLE["ayse"]["pw"]), 503, "directory_unreachable", "directory down (en)")
    eq(err["message"], EN_UNREACHABLE, "English message")
    expect_status(h.client(s, source=h.fresh_source()).login("admin"), 200, "local admin while the directory is down")
    # Five failures of the name (two above), then 429 even for a local reason.
    for i in range(3):
        expect_error(h.client(s, source=h.fresh_source()).login("ayse", "x" + str(i)), 503, "directory_unreachable",
                     f"attempt {i + 3}")
    r = h.client(s, source=h.fresh_source()).login("ayse", PEOPLE["ayse"]["pw"])
    expect_error(r, 429, "throttled", "sixth attempt while the directory is down")


def test_ldap_wrong_passwords_are_throttled(h):
    s = _shared(h)
    src = h.fresh_source()
    for i in range(5):
        expect_error(h.client(s, source=src).login("zeynep", f"Yanlis-{i}"), 401, "bad_credentials", f"failure {i}")
    r = h.client(s, source=src).login("zeynep", PEOPLE["zeynep"]["pw"])
    expect_error(r, 429, "throttled", "right password after five failures")
    check(r.header("Retry-After"), "no Retry-After")


def test_ldap_ldaps_direct_bind_group_search_and_failover(h):
    from harness import free_port
    peer = _peer(h)
    # The first URL is dead, the second is ldaps:// with the test CA; the
    # user binds directly through the DN template; groups come from a
    # search for (member=DN).
    s, _, _ = _server(h, "ldaps", url=f"ldap://127.0.0.1:{free_port()} {peer.ldaps_url}", starttls="no",
                      bind_dn="", bind_password_file="", user_dn_template=f"uid=%s,ou=people,{SUFFIX}",
                      group_filter="(&(objectClass=groupOfNames)(member=%s))", group_base_dn=f"ou=groups,{SUFFIX}")
    c = h.client(s, source=h.fresh_source())
    expect_status(c.login("mehmet", PEOPLE["mehmet"]["pw"]), 200, "mehmet over ldaps with a DN template")
    eq(_grants(c), [("personel", "TAB"), ("teknik", "SNB")], "grants from the group search")
    expect_error(h.client(s, source=h.fresh_source()).login("mehmet", "Yanlis-1"), 401, "bad_credentials",
                 "wrong password, direct bind")
    for name in ["*", "mehmet,ou=people", "mehmet+cn=x", "uid=mehmet"]:
        expect_error(h.client(s, source=h.fresh_source()).login(name, PEOPLE["mehmet"]["pw"]), 401, "bad_credentials",
                     f"DN injection {name!r}")


def test_ldap_tls_with_the_wrong_ca_is_refused(h):
    peer = _peer(h)
    other = os.path.join(h.tmpdir("otherca"), "ca.pem")
    import subprocess
    p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", other + ".key", "-out",
                        other, "-days", "1", "-subj", "/CN=other CA"], capture_output=True)
    eq(p.returncode, 0, "openssl for another CA")
    s, _, _ = _server(h, "ldapca", url=peer.ldaps_url, starttls="no", ca_file=other)
    c = h.client(s, source=h.fresh_source())
    expect_error(c.login("ayse", PEOPLE["ayse"]["pw"]), 503, "directory_unreachable", "ldaps with an untrusted CA")


def test_ldap_cli_test_and_sync_create_people_and_deactivate(h):
    peer = _peer(h)
    s, data, _ = _server(h, "ldapsync")
    p = h.cli("ldap", "test", "--data", data, "ayse", input=PEOPLE["ayse"]["pw"] + "\n")
    eq(p.returncode, 0, f"ldap test ({p.stderr[-300:]})")
    check(f"uid=ayse,ou=people,{SUFFIX}" in p.stdout and "grant\tadmin@-" in p.stdout, f"ldap test: {p.stdout}")
    p = h.cli("ldap", "test", "--data", data, "ayse", input="Yanlis\n")
    eq(p.returncode, 1, "ldap test with a wrong password")

    # mehmet signs in first (his session must end when he leaves).
    m = h.client(s, source=h.fresh_source())
    expect_status(m.login("mehmet", PEOPLE["mehmet"]["pw"]), 200, "mehmet signs in before the sync")

    p = h.cli("ldap", "sync", "--data", data)
    eq(p.returncode, 0, f"ldap sync ({p.stderr[-300:]})")
    counts = {}
    for line in p.stdout.splitlines():
        k, _, v = line.rpartition("\t")
        counts[k.split(" / ")[-1]] = int(v)
    eq(counts.get("directory users"), 3, f"entries read: {p.stdout}")
    eq(counts.get("users created"), 2, "ayse and zeynep are new users (mehmet signed in)")
    eq(counts.get("people created"), 2, "ayse and mehmet have T.C. numbers")
    eq(counts.get("people skipped (no T.C. number or unit)"), 1, "zeynep has none")

    admin = h.login("admin", server=s)
    q = urllib.parse.quote("Ayşe Dizinci")
    items = admin.get_json(f"/api/v1/org/people?q={q}")["items"]
    eq(len(items), 1, "ayse's person record")
    eq((items[0]["unit"], items[0]["email"], items[0]["phone"], items[0]["username"]),
       ("MUD", "ayse@example.org", "+905321112233", "ayse"), "ayse's person fields")

    # A second sync changes nothing.
    p = h.cli("ldap", "sync", "--data", data)
    eq(p.returncode, 0, "second sync")
    check("users created\t0" in p.stdout and "people created\t0" in p.stdout and "people updated\t0" in p.stdout,
          f"second sync: {p.stdout}")

    # mehmet leaves the directory: the next sync deactivates user and
    # person, ends his session, and he cannot sign in.
    peer.delete(f"uid=mehmet,ou=people,{SUFFIX}")
    try:
        p = h.cli("ldap", "sync", "--data", data)
        eq(p.returncode, 0, f"sync after the removal ({p.stderr[-300:]})")
        check("users deactivated\t1" in p.stdout and "people deactivated\t1" in p.stdout, f"sync: {p.stdout}")
        expect_error(m.get("/api/v1/auth/me"), 401, "unauthenticated", "mehmet's session after the sync")
        expect_error(h.client(s, source=h.fresh_source()).login("mehmet", PEOPLE["mehmet"]["pw"]), 401,
                     "bad_credentials", "removed user signs in")
        q = urllib.parse.quote("Mehmet Ldapoğlu")
        items = admin.get_json(f"/api/v1/org/people?q={q}")["items"]
        eq([x["active"] for x in items], [False], "mehmet's person is inactive")
    finally:
        # The groups still list him (no refint overlay): adding the entry
        # back restores him.
        peer.add(person_ldif("mehmet", PEOPLE["mehmet"]))

    # A directory that is down changes nothing.
    peer.stop()
    try:
        p = h.cli("ldap", "sync", "--data", data)
        eq(p.returncode, 1, "sync with the directory down")
        check("ulaşılamıyor" in p.stderr, f"sync error: {p.stderr}")
        expect_status(h.client(s, source=h.fresh_source()).login("admin"), 200, "admin after a failed sync")
    finally:
        peer.start()


def test_ldap_scheduled_sync_job(h):
    # sync_minutes = 1: the ldap.sync job runs soon after the start (no
    # sync yet) and registers the directory's people.
    import time
    s, data, _ = _server(h, "ldapjob", sync_minutes="1")
    admin = h.login("admin", server=s)
    q = urllib.parse.quote("Ayşe Dizinci")
    deadline = time.time() + 30
    items = []
    while time.time() < deadline and not items:
        items = admin.get_json(f"/api/v1/org/people?q={q}")["items"]
        if not items:
            time.sleep(0.5)
    eq(len(items), 1, "the scheduled sync registered ayse")
    rows = admin.get_json("/api/v1/audit?entity=ldap&action=sync&limit=5")["items"]
    check(rows and rows[0]["actor"] == "ldap.sync", f"the sync's audit row: {rows}")
