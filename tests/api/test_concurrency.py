"""Parallel writers: every request answered properly, the audit chain
stays intact and gap-free."""
import threading

from harness import check, eq, expect_status


def test_parallel_writes_keep_the_chain(h):
    admin = h.as_user("admin")
    r = admin.post("/api/v1/auth/tokens", {"name": "parallel"})
    expect_status(r, 201, "token")
    token = r.json()["token"]
    first = admin.get_json("/api/v1/audit?limit=1")["items"][0]["id"]
    stem = h.uniq("par")
    sources = [h.fresh_source() for _ in range(6)]
    results, lock = [], threading.Lock()

    def worker(w):
        c = h.client()
        c.bearer = token
        bad = h.client(source=sources[w])
        for i in range(4):
            out = []
            try:
                r = c.post("/api/v1/users", {"username": f"{stem}-{w}-{i}", "password": "Parallel-pw-123",
                                             "role": "teknik", "unit": "YBY"}, csrf=False)
                out.append(("create", r.status, 201))
                out.append(("list", c.get("/api/v1/users?limit=5").status, 200))
                out.append(("audit", c.get("/api/v1/audit?limit=5").status, 200))
                out.append(("bad login", bad.login(f"{stem}-{w}-{i}", "Wrong-password-1").status, 401))
            except Exception as e:  # noqa: BLE001 - reported as a result
                out.append(("exception", repr(e), None))
            with lock:
                results.extend(out)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    check(not any(t.is_alive() for t in threads), "workers still running after 60 s")
    wrong = [r for r in results if r[1] != r[2]]
    check(not wrong, f"{len(wrong)} unexpected answers, e.g. {wrong[:5]}")
    eq(len(results), 6 * 4 * 4, "answers")
    names = {u["username"] for u in admin.get_json("/api/v1/users?limit=200")["items"]}
    eq(len({n for n in names if n.startswith(stem + "-")}), 24, "users created in parallel")
    v = admin.get_json("/api/v1/audit/verify")
    check(v["ok"] is True, f"chain after parallel writes: {v}")
    ids = []
    cursor = None
    while True:
        body = admin.get_json("/api/v1/audit?limit=500" + (f"&cursor={cursor}" if cursor else ""))
        ids += [i["id"] for i in body["items"] if i["id"] > first]
        cursor = body["next_cursor"]
        if not cursor or min(i["id"] for i in body["items"]) <= first:
            break
    eq(sorted(ids), list(range(first + 1, first + 1 + len(ids))), "audit ids after the parallel writes")
    check(len(ids) >= 24 * 3, f"only {len(ids)} audit rows for 24 creates and 24 failed logins")
