"""`defter backup` of a running server and `defter restore`."""
import glob
import hashlib
import os
import re
import shutil
import sqlite3

from harness import check, eq, expect_status


def _backup(h):
    """One backup of the shared server, taken while it runs (cached for the other tests)."""
    if "backup" not in h.cache:
        uid, name, pw = h.create_user(role="sorumlu", unit="SNB")
        out = os.path.join(h.tmpdir("bk"), "backup")
        p = h.cli("backup", "--data", h.server.data_dir, "--out", out)
        eq(p.returncode, 0, f"defter backup exit status ({p.stderr.strip()})")
        h.cache["backup"] = (out, uid, name, pw)
    return h.cache["backup"]


def _manifest(path):
    with open(os.path.join(path, "MANIFEST"), encoding="utf-8") as f:
        return [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_backup_while_running(h):
    out, _, _, _ = _backup(h)
    lines = _manifest(out)
    files = {ln[66:]: ln[:64] for ln in lines}
    check("defter.db" in files and "defter.conf" in files, f"MANIFEST lists {sorted(files)}")
    for rel, digest in files.items():
        eq(_sha256(os.path.join(out, rel)), digest, f"sha256 of {rel}")
    rows = h.as_user("admin").get_json("/api/v1/audit?action=export&entity=backup")["items"]
    check(rows and rows[0]["after"].get("out") == out, f"the backup is not in the audit trail: {rows[:1]}")
    expect_status(h.client().get("/healthz"), 200, "server after the backup")
    # a backup never writes into a directory that has something in it
    p = h.cli("backup", "--data", h.server.data_dir, "--out", out)
    check(p.returncode != 0, "backup into a non-empty directory succeeded")
    eq(_manifest(out), lines, "MANIFEST after the refused second backup")


def test_backup_restore_roundtrip(h):
    out, uid, name, pw = _backup(h)
    target = os.path.join(h.tmpdir("rs"), "data")
    p = h.cli("restore", "--from", out, "--data", target)
    eq(p.returncode, 0, f"restore exit status ({p.stderr.strip()})")
    check(os.path.exists(os.path.join(target, "defter.db")), "restored dir has no defter.db")
    p = h.cli("audit", "verify", "--data", target)
    eq(p.returncode, 0, f"audit verify of the restored data ({p.stdout.strip()} {p.stderr.strip()})")
    check("intact" in p.stdout, f"audit verify output: {p.stdout!r}")
    s = h.new_server(data=target, name="restored")
    c = h.client(server=s)
    expect_status(c.login(name, pw), 200, f"{name} signs in on the restored server")
    me = c.get_json("/api/v1/auth/me")
    eq((me["id"], me["unit"]), (uid, "SNB"), "restored user")
    admin = h.login("admin", h.server.logins["admin"][0], server=s)
    check(name in admin.get("/api/v1/users?limit=200").text, "restored user list")
    check(admin.get_json("/api/v1/audit/verify")["ok"] is True, "API verify on the restored server")
    problems = s.stop()
    check(not problems, "; ".join(problems))


def _refused(h, backup, what):
    target = os.path.join(h.tmpdir("rf"), "data")
    p = h.cli("restore", "--from", backup, "--data", target)
    check(p.returncode != 0, f"restore of a backup with {what} succeeded: {p.stdout.strip()}")
    check(not os.path.exists(target), f"restore of a backup with {what} created {target}")
    check(not glob.glob(target + ".restore-*"), f"restore of a backup with {what} left a temporary copy")
    return p


def test_restore_refuses_damaged_backup(h):
    out, _, name, _ = _backup(h)

    def copy():
        dst = os.path.join(h.tmpdir("dmg"), "b")
        shutil.copytree(out, dst)
        return dst

    b = copy()
    with open(os.path.join(b, "defter.conf"), "a") as f:
        f.write("\n# changed\n")
    p = _refused(h, b, "a changed defter.conf")
    check("defter.conf" in p.stderr, f"the error does not name the file: {p.stderr.strip()}")

    b = copy()
    path = os.path.join(b, "defter.db")
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    _refused(h, b, "a flipped byte in defter.db")

    b = copy()
    os.remove(os.path.join(b, "MANIFEST"))
    _refused(h, b, "no MANIFEST")

    b = copy()
    os.remove(os.path.join(b, "defter.db"))
    _refused(h, b, "no defter.db")

    # a consistent MANIFEST over a database whose audit chain was edited
    b = copy()
    db = os.path.join(b, "defter.db")
    con = sqlite3.connect(db)
    n = con.execute("UPDATE audit_log SET after_json = replace(after_json, ?, ?) WHERE after_json LIKE ?",
                    (name, name + "z", f'%"{name}"%')).rowcount
    con.commit()
    con.execute("PRAGMA journal_mode=DELETE")
    con.close()
    check(n >= 1, "no audit row to edit")
    lines = [ln if ln[66:] != "defter.db" else _sha256(db) + "  defter.db" for ln in _manifest(b)]
    with open(os.path.join(b, "MANIFEST"), "w") as f:
        f.write("# defter-backup/1 edited\n" + "\n".join(lines) + "\n")
    p = _refused(h, b, "an edited audit row (MANIFEST recomputed)")
    check("audit" in p.stderr or "denetim" in p.stderr, f"the error does not mention the audit chain: {p.stderr}")


def test_restore_into_nonempty_dir_needs_force(h):
    out, _, name, pw = _backup(h)
    target = os.path.join(h.tmpdir("ne"), "data")
    os.makedirs(target)
    with open(os.path.join(target, "keep.txt"), "w") as f:
        f.write("precious")
    p = h.cli("restore", "--from", out, "--data", target)
    check(p.returncode != 0, "restore into a non-empty directory without --force succeeded")
    check("--force" in p.stderr, f"the refusal does not mention --force: {p.stderr.strip()}")
    check(os.path.exists(os.path.join(target, "keep.txt")), "keep.txt is gone after the refused restore")
    check(not os.path.exists(os.path.join(target, "defter.db")), "the refused restore wrote defter.db")
    p = h.cli("restore", "--from", out, "--data", target, "--force")
    eq(p.returncode, 0, f"restore --force exit status ({p.stderr.strip()})")
    check(os.path.exists(os.path.join(target, "defter.db")), "restore --force wrote no defter.db")
    check(not os.path.exists(os.path.join(target, "keep.txt")), "restore --force kept the old contents in place")
    m = re.search(r"kept in: (\S+)", p.stdout)
    check(m and os.path.exists(os.path.join(m.group(1), "keep.txt")),
          f"the previous data was not kept aside: {p.stdout.strip()}")
    p = h.cli("audit", "verify", "--data", target)
    eq(p.returncode, 0, f"audit verify after restore --force ({p.stdout.strip()})")
    con = sqlite3.connect(os.path.join(target, "defter.db"))
    eq(con.execute("SELECT COUNT(*) FROM users WHERE username = ?", (name,)).fetchone()[0], 1,
       "restored user in the database")
    con.close()


def test_restore_refuses_unlisted_files(h):
    # The MANIFEST lists every file a backup writes; a file it does not list
    # (here a defter.conf whose line was lost) is not verified and must not be restored.
    out, _, _, _ = _backup(h)
    b = os.path.join(h.tmpdir("unl"), "b")
    shutil.copytree(out, b)
    lines = [ln for ln in _manifest(b) if ln[66:] != "defter.conf"]
    with open(os.path.join(b, "MANIFEST"), "w") as f:
        f.write("# defter-backup/1 edited\n" + "\n".join(lines) + "\n")
    with open(os.path.join(b, "defter.conf"), "a") as f:
        f.write("\n[server]\nbody_max = 1\n")
    _refused(h, b, "a defter.conf that the MANIFEST does not list")
