"""test_work_demo.py - the demo tasks `defter init --demo` adds
(src/work/demo.c): enough tasks in mixed statuses for every demo account,
linked to the preset's duties, with comments, a havale and two recurring
templates, all made by the demo users and audited like API changes, with
the audit chain intact."""
import datetime
import os
import sqlite3

from harness import PRESET, check, eq, expect_status

IST = datetime.timezone(datetime.timedelta(hours=3))
DEMO_USERS = ("mudur", "sef", "teknik", "personel")


def _today():
    return datetime.datetime.now(IST).date().isoformat()


def _all(client, path):
    items, cursor = [], None
    for _ in range(50):
        sep = "&" if "?" in path else "?"
        body = client.get_json(path + sep + "limit=200" + (f"&cursor={cursor}" if cursor else ""))
        items += body["items"]
        cursor = body["next_cursor"]
        if not cursor:
            return items
    raise AssertionError(f"{path}: more than 50 pages")


def _demo(h):
    """A server of its own on a fresh demo data directory, so the counts are the demo's alone."""
    if "work_demo" not in h.cache:
        h.cache["work_demo"] = h.new_server(name="workdemo")
    s = h.cache["work_demo"]
    if not s.alive():
        s.start()
    return s


def test_demo_tasks_statuses_and_views(h):
    s = _demo(h)
    mudur = h.login("mudur", server=s)
    tasks = _all(mudur, "/api/v1/tasks?view=all")
    check(len(tasks) >= 10, f"the demo has only {len(tasks)} tasks")
    statuses = [t["status"] for t in tasks]
    for st, least in (("tamamlandi", 2), ("beklemede", 1), ("suruyor", 2), ("atandi", 1), ("yeni", 1)):
        check(statuses.count(st) >= least, f"fewer than {least} demo tasks in {st!r}: {sorted(statuses)}")
    today = _today()
    # Overdue: open, with a deadline before today; the overdue view lists exactly those.
    overdue = [t for t in tasks if t["overdue"]]
    check(len(overdue) >= 2, f"demo overdue tasks: {[t['title'] for t in overdue]}")
    for t in overdue:
        check(t["deadline"] < today and t["status"] not in ("tamamlandi", "iptal"), f"not overdue: {t}")
    view = _all(mudur, "/api/v1/tasks?view=overdue")
    eq(sorted(t["id"] for t in view), sorted(t["id"] for t in overdue), "tasks in view=overdue")
    check(all(t["overdue"] for t in view), "view=overdue lists a task that is not overdue")
    # Completed tasks carry their closing time; open ones none.
    for t in tasks:
        check((t["closed_at"] is not None) == (t["status"] in ("tamamlandi", "iptal")), f"closed_at of {t}")
    # Every demo account has work: the assignees, and their own "mine" view.
    assignees = {(t["assignee"] or {}).get("username") for t in tasks}
    for u in ("sef", "teknik", "personel"):
        check(u in assignees, f"no demo task is given to {u}: {assignees}")
        mine = _all(h.login(u, server=s), "/api/v1/tasks?view=mine")
        check(mine and all(t["assignee"]["username"] == u for t in mine), f"{u}'s view=mine: {mine}")
    teknik_overdue = _all(h.login("teknik", server=s), "/api/v1/tasks?view=overdue")
    check(teknik_overdue, "teknik has no overdue task to show")
    check({t["created_by"]["username"] for t in tasks} >= {"mudur", "sef"}, "demo tasks are not made by mudur and sef")
    # The tasks page shows teknik's overdue work too.
    page = h.login("teknik", server=s).get("/tasks?view=overdue")
    expect_status(page, 200, "teknik's overdue tasks page")
    check('class="overdue"' in page.text and teknik_overdue[0]["title"] in page.text, "overdue page lacks the task")


def test_demo_tasks_duties_comments_havale_templates(h):
    s = _demo(h)
    mudur = h.login("mudur", server=s)
    tasks = _all(mudur, "/api/v1/tasks?view=all")
    with sqlite3.connect(f"file:{os.path.join(s.data_dir, 'defter.db')}?mode=ro", uri=True) as con:
        duties = {r[0]: (r[1], r[2]) for r in con.execute("SELECT id, ref, repealed FROM org_duties")}
    linked = [t for t in tasks if t["duty"]]
    check(len(linked) >= len(tasks) // 2, f"only {len(linked)} of {len(tasks)} demo tasks name a duty")
    for t in linked:
        check(t["duty"]["id"] in duties, f"task {t['id']} names unknown duty {t['duty']}")
        ref, repealed = duties[t["duty"]["id"]]
        eq(t["duty"]["ref"], ref, f"duty ref of task {t['id']}")
        eq(repealed, 0, f"task {t['id']} is linked to repealed duty {ref}")
    full = [mudur.get_json(f"/api/v1/tasks/{t['id']}") for t in tasks]
    comments = [c for t in full for c in t["comments"]]
    check(len(comments) >= 3, f"demo comments: {comments}")
    check({c["author"] for c in comments} >= {"mudur", "sef", "teknik"}, f"comment authors {comments}")
    havale = [(t["id"], e) for t in full for e in t["history"] if e["kind"] == "assign"]
    check(len(havale) >= 1, "no demo task was handed over")
    tid, ev = havale[0]
    check(ev["note"] and ev["from_unit"] and ev["to_unit"] and ev["from_user"] != ev["to_user"],
          f"havale history of task {tid}: {ev}")
    # The history matches the status: the last status event ends where the task is.
    for t in full:
        moves = [e for e in t["history"] if e["kind"] in ("create", "transition", "assign")]
        eq(moves[-1]["to_status"], t["status"], f"last history event of task {t['id']}")
    templates = _all(mudur, "/api/v1/task-templates")
    eq(len(templates), 2, "demo templates")
    rules = sorted(tp["rule"].split(":")[0] for tp in templates)
    eq(rules, ["monthly", "weekly"], "demo template rules")
    for tp in templates:
        check(tp["active"] and tp["assignee"], f"template {tp}")
    # The coverage report shows the demo: some duty has task figures above zero.
    cov = mudur.get_json("/api/v1/org/coverage")
    counted = sum(d["figures"].get("task", {}).get("tasks", 0) for d in cov["duties"])
    check(counted >= 1, "no demo task shows on the coverage report")


def test_demo_tasks_audited_like_api(h):
    s = _demo(h)
    mudur = h.login("mudur", server=s)
    tasks = _all(mudur, "/api/v1/tasks?view=all")
    for t in tasks:
        full = mudur.get_json(f"/api/v1/tasks/{t['id']}")
        audit = _all(mudur, f"/api/v1/audit?entity=task&entity_id={t['id']}")
        audit.reverse()  # oldest first
        eq(audit[0]["action"], "create", f"first audit row of task {t['id']}")
        eq(audit[0]["actor"], t["created_by"]["username"], f"audit actor of task {t['id']}'s creation")
        check(audit[0]["actor"] in DEMO_USERS, f"task {t['id']} made by {audit[0]['actor']}")
        # one audit row per history event, same kinds, same people
        eq([a["action"] for a in audit], [e["kind"] for e in full["history"]], f"audit vs history of {t['id']}")
        eq([a["actor"] for a in audit], [e["actor"] for e in full["history"]], f"audit actors of {t['id']}")
    tpl = _all(mudur, "/api/v1/audit?entity=task_template")
    eq(sorted((a["action"], a["actor"]) for a in tpl), [("create", "mudur")] * 2, "template audit rows")
    v = mudur.get_json("/api/v1/audit/verify")
    eq(v["ok"], True, "audit/verify after the demo")
    p = h.cli("audit", "verify", "--data", s.data_dir)
    eq(p.returncode, 0, f"defter audit verify: {p.stdout} {p.stderr}")
    check("intact" in p.stdout, f"defter audit verify says: {p.stdout!r}")


def test_no_demo_no_tasks(h):
    """Without --demo, init adds no tasks and no templates."""
    path = os.path.join(h.root, h.uniq("nodemo"))
    p = h.cli("init", "--data", path, "--preset", PRESET)
    eq(p.returncode, 0, f"defter init without --demo: {p.stderr[-300:]}")
    with sqlite3.connect(f"file:{os.path.join(path, 'defter.db')}?mode=ro", uri=True) as con:
        eq(con.execute("SELECT COUNT(*) FROM work_tasks").fetchone()[0], 0, "tasks without --demo")
        eq(con.execute("SELECT COUNT(*) FROM work_templates").fetchone()[0], 0, "templates without --demo")
    # and a demo directory has them, in the same store
    with sqlite3.connect(f"file:{os.path.join(_demo(h).data_dir, 'defter.db')}?mode=ro", uri=True) as con:
        check(con.execute("SELECT COUNT(*) FROM work_tasks").fetchone()[0] >= 10, "demo store has the tasks")
