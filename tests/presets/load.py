#!/usr/bin/env python3
"""Preset loading through the real binary.

  python3 tests/presets/load.py --bin build-test/defter

For every presets/*.json, `defter init` builds a data directory and the
store then holds exactly what the JSON says (units with their tree,
positions, duties with their unit/position, repealed flag, order and
capabilities). A sixth preset written here, for a made-up municipality,
loads with no code change. Malformed presets are refused with the path of
the offending element, and no defter.db is left behind.

Prints PASS/FAIL lines and ends with "N passed, N failed" (exit 1 on any
failure). Python 3 standard library only.
"""
import argparse
import copy
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

passed = 0
failed = 0


def report(ok, name, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}")
        for line in str(detail).strip().splitlines()[:30]:
            print(f"     {line}")
    sys.stdout.flush()


def run(binary, *args, timeout=120):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("DEFTER_"):
            del env[k]
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=timeout, env=env,
                          stdin=subprocess.DEVNULL)


# ---- what the store holds ------------------------------------------------

def store_contents(db_path):
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        cur = con.cursor()
        units = {}
        for uid, code, name, kind, parent, path, sort in cur.execute(
                "SELECT id, code, name, kind, parent_id, path, sort FROM units"):
            units[uid] = dict(code=code, name=name, kind=kind, parent_id=parent, path=path, sort=sort)
        code_of = {uid: u["code"] for uid, u in units.items()}
        positions = {}
        pos_code = {}
        for pid, code, title, unit_id in cur.execute("SELECT id, code, title, unit_id FROM org_positions"):
            positions[code] = dict(title=title, unit=code_of.get(unit_id))
            pos_code[pid] = code
        caps = {}
        for duty_id, cap in cur.execute("SELECT duty_id, capability FROM org_duty_caps"):
            caps.setdefault(duty_id, set()).add(cap)
        duties = []
        for did, ref, unit_id, pos_id, text, repealed, sort in cur.execute(
                "SELECT id, ref, unit_id, position_id, text, repealed, sort FROM org_duties ORDER BY sort"):
            duties.append(dict(ref=ref, unit=code_of.get(unit_id), position=pos_code.get(pos_id) if pos_id else None,
                               text=text, repealed=bool(repealed), sort=sort, caps=caps.get(did, set())))
        ncaps = cur.execute("SELECT COUNT(*) FROM org_duty_caps").fetchone()[0]
        settings = dict(cur.execute("SELECT key, value FROM settings").fetchall())
        preset_audit = cur.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'preset.load'").fetchone()[0]
        return dict(units=units, positions=positions, duties=duties, ncaps=ncaps, settings=settings,
                    preset_audit=preset_audit)
    finally:
        con.close()


def compare(preset, got):
    """Returns a list of differences between the preset JSON and the store."""
    diffs = []
    units = preset["units"]
    positions = preset.get("positions") or []
    duties = preset["duties"]

    # units: count, fields, tree and materialised paths
    if len(got["units"]) != len(units):
        diffs.append(f"units: {len(got['units'])} in the store, {len(units)} in the preset")
    by_code = {u["code"]: (uid, u) for uid, u in got["units"].items()}
    for i, u in enumerate(units):
        if u["code"] not in by_code:
            diffs.append(f"units[{i}] {u['code']}: missing")
            continue
        uid, s = by_code[u["code"]]
        if s["name"] != u["name"] or s["kind"] != u["kind"]:
            diffs.append(f"units[{i}] {u['code']}: name/kind {s['name']!r}/{s['kind']!r}")
        parent = u.get("parent")
        if parent is None:
            if s["parent_id"] is not None or s["path"] != f"/{uid}/":
                diffs.append(f"units[{i}] {u['code']}: root has parent {s['parent_id']} path {s['path']}")
        else:
            pid = by_code.get(parent, (None, None))[0]
            if s["parent_id"] != pid:
                diffs.append(f"units[{i}] {u['code']}: parent id {s['parent_id']}, want {pid} ({parent})")
            elif s["path"] != f"{got['units'][pid]['path']}{uid}/":
                diffs.append(f"units[{i}] {u['code']}: path {s['path']} not under {got['units'][pid]['path']}")

    # positions
    if len(got["positions"]) != len(positions):
        diffs.append(f"positions: {len(got['positions'])} in the store, {len(positions)} in the preset")
    for i, p in enumerate(positions):
        s = got["positions"].get(p["code"])
        if not s or s["title"] != p["title"] or s["unit"] != p["unit"]:
            diffs.append(f"positions[{i}] {p['code']}: {s}")

    # duties: count, order, unit or position, text, repealed, capabilities
    if len(got["duties"]) != len(duties):
        diffs.append(f"duties: {len(got['duties'])} in the store, {len(duties)} in the preset")
    pos_unit = {p["code"]: p["unit"] for p in positions}
    for i, (d, s) in enumerate(zip(duties, got["duties"])):
        want_unit = d.get("unit") or pos_unit.get(d.get("position"))
        problems = []
        if s["ref"] != d["ref"]:
            problems.append(f"ref {s['ref']!r}")
        if s["sort"] != i:
            problems.append(f"sort {s['sort']}")
        if s["unit"] != want_unit:
            problems.append(f"unit {s['unit']!r}, want {want_unit!r}")
        if s["position"] != d.get("position"):
            problems.append(f"position {s['position']!r}, want {d.get('position')!r}")
        if s["text"] != d["text"]:
            problems.append("text differs")
        if s["repealed"] != bool(d.get("repealed", False)):
            problems.append(f"repealed {s['repealed']}")
        if s["caps"] != set(d.get("capabilities") or []):
            problems.append(f"capabilities {sorted(s['caps'])}")
        if problems:
            diffs.append(f"duties[{i}] {d['ref']}: " + "; ".join(problems))
    ncaps = sum(len(d.get("capabilities") or []) for d in duties)
    if got["ncaps"] != ncaps:
        diffs.append(f"org_duty_caps: {got['ncaps']} rows, {ncaps} capabilities in the preset")

    st = got["settings"]
    for key, want in (("preset", preset["id"]), ("institution", preset["institution"]),
                      ("department", preset["department"]), ("regulation_title", preset["regulation"]["title"])):
        if st.get(key) != want:
            diffs.append(f"settings.{key} = {st.get(key)!r}, want {want!r}")
    if got["preset_audit"] != 1:
        diffs.append(f"audit_log: {got['preset_audit']} preset.load rows")
    return diffs


def check_loads(binary, name, preset_path):
    with open(preset_path, encoding="utf-8") as f:
        preset = json.load(f)
    with tempfile.TemporaryDirectory(prefix="defter-preset-") as tmp:
        data = os.path.join(tmp, "data")
        r = run(binary, "init", "--data", data, "--preset", preset_path)
        if r.returncode != 0:
            report(False, f"{name}: init", f"exit {r.returncode}\n{r.stderr}")
            return
        db_path = os.path.join(data, "defter.db")
        if not os.path.isfile(db_path):
            report(False, f"{name}: init", "no defter.db")
            return
        got = store_contents(db_path)
        diffs = compare(preset, got)
        n_pos = sum(1 for d in preset["duties"] if d.get("position"))
        n_rep = sum(1 for d in preset["duties"] if d.get("repealed"))
        summary = (f"{len(preset['units'])} units, {len(preset.get('positions') or [])} positions, "
                   f"{len(preset['duties'])} duties ({n_pos} by position, {n_rep} repealed)")
        report(not diffs, f"{name}: loaded counts match ({summary})", "\n".join(diffs))


# ---- a sixth, made-up preset --------------------------------------------

ORNEKKOY = {
    "format": "defter-preset/1",
    "id": "ornekkoy",
    "institution": "Örnekköy Belediyesi",
    "institution_kind": "belde",
    "department": "Bilgi İşlem Birimi",
    "regulation": {
        "title": "Örnekköy Belediyesi Bilgi İşlem Birimi Görev, Yetki ve Sorumluluk Yönetmeliği",
        "source": "(test)",
        "date": "2025-03-01",
        "notes": "Yalnızca test için uydurulmuş bir yönetmelik.",
    },
    "units": [
        {"code": "BIB", "name": "Bilgi İşlem Birimi", "kind": "birim"},
        {"code": "AGS", "name": "Ağ ve Sistem Şefliği", "kind": "seflik", "parent": "BIB"},
        {"code": "YZS", "name": "Yazılım Şefliği", "kind": "seflik", "parent": "BIB"},
    ],
    "positions": [
        {"code": "BIRIM_AMIRI", "title": "Birim Amiri", "unit": "BIB"},
        {"code": "SISTEM_UZM", "title": "Sistem Uzmanı", "unit": "AGS"},
    ],
    "duties": [
        {"ref": "Md.6-a", "unit": "BIB", "text": "Belediyenin bilişim altyapısını planlamak ve işletmek.",
         "capabilities": ["task", "monitor"]},
        {"ref": "Md.6-b", "unit": "BIB", "text": "(Mülga: 01.01.2025)", "capabilities": [], "repealed": True},
        {"ref": "Md.7-a", "unit": "AGS", "text": "Sunucuların ve verilerin yedeğini almak.",
         "capabilities": ["backup"]},
        {"ref": "Md.7-b", "unit": "AGS", "text": "Ağ cihazlarını izlemek, arızaları gidermek.",
         "capabilities": ["monitor", "desk"]},
        {"ref": "Md.8-a", "unit": "YZS", "text": "Belediye yazılımlarını geliştirmek ve lisanslarını izlemek.",
         "capabilities": ["project", "licence"]},
        {"ref": "Md.9/1-a", "position": "SISTEM_UZM",
         "text": "Sistem yöneticisi parolalarını kasada saklamak ve erişimleri gözden geçirmek.",
         "capabilities": ["vault", "access_review"]},
    ],
}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)


def check_sixth(binary, tmp):
    p = copy.deepcopy(ORNEKKOY)
    # the shape the brief asks for
    assert len(p["units"]) == 3 and len(p["positions"]) == 2 and len(p["duties"]) == 6
    path = os.path.join(tmp, "ornekkoy.json")
    write_json(path, p)
    r = run(binary, "preset", "check", path)
    report(r.returncode == 0, "ornekkoy: preset check accepts the made-up preset", r.stderr)
    check_loads(binary, "ornekkoy", path)
    # and the demo accounts land in its units (root, first and second child)
    with tempfile.TemporaryDirectory(prefix="defter-preset-") as t2:
        data = os.path.join(t2, "data")
        r = run(binary, "init", "--data", data, "--preset", path, "--demo")
        ok = r.returncode == 0
        detail = r.stderr
        if ok:
            con = sqlite3.connect(f"file:{os.path.join(data, 'defter.db')}?mode=ro", uri=True)
            rows = dict(con.execute("SELECT u.username, n.code FROM users u JOIN units n ON n.id = u.unit_id"))
            con.close()
            want = {"admin": "BIB", "mudur": "BIB", "sef": "AGS", "teknik": "AGS", "personel": "YZS",
                    "denetci": "BIB", "kayit": "BIB"}
            ok = rows == want
            detail = f"users by unit: {rows}"
        report(ok, "ornekkoy: --demo accounts in root / first child / second child", detail)


# ---- malformed presets --------------------------------------------------

def mutate(fn):
    p = copy.deepcopy(ORNEKKOY)
    fn(p)
    return p


def two_roots(p):
    del p["units"][2]["parent"]


def no_root_cycle(p):
    p["units"][0]["parent"] = "YZS"


def cycle_below_root(p):
    p["units"].append({"code": "X1", "name": "X1", "kind": "servis", "parent": "X2"})
    p["units"].append({"code": "X2", "name": "X2", "kind": "servis", "parent": "X1"})


MALFORMED = [
    # (name, preset object or raw text, strings the error must contain)
    ("unknown unit in a duty", mutate(lambda p: p["duties"][2].update(unit="XYZ")),
     ["duties[2].unit", '"XYZ"']),
    ("unknown parent unit", mutate(lambda p: p["units"][1].update(parent="NOPE")),
     ["units[1].parent", '"NOPE"']),
    ("two root units", mutate(two_roots), ["units: ", "root"]),
    ("no root unit (cycle)", mutate(no_root_cycle), ["units: ", "root"]),
    ("cycle below the root", mutate(cycle_below_root), ["units[3].parent", "cycle"]),
    ("duplicate duty ref", mutate(lambda p: p["duties"][3].update(ref="Md.6-b")),
     ["duties[3].ref", '"Md.6-b"', "duplicate"]),
    ("duplicate unit code", mutate(lambda p: p["units"][2].update(code="AGS")),
     ["units[2].code", '"AGS"', "duplicate"]),
    ("duplicate position code", mutate(lambda p: p["positions"][1].update(code="BIRIM_AMIRI")),
     ["positions[1].code", "duplicate"]),
    ("unknown capability", mutate(lambda p: p["duties"][4]["capabilities"].append("teleport")),
     ["duties[4].capabilities[2]", '"teleport"', "unknown capability"]),
    ("capability listed twice", mutate(lambda p: p["duties"][4]["capabilities"].append(p["duties"][4]["capabilities"][0])),
     ["duties[4].capabilities[2]", "listed twice"]),
    ("duty without capabilities", mutate(lambda p: p["duties"][0].update(capabilities=[])),
     ["duties[0].capabilities"]),
    ("unknown top-level field", mutate(lambda p: p.update(colour="mavi")), ["$.colour", "unknown field"]),
    ("unknown unit field", mutate(lambda p: p["units"][1].update(budget=5)), ["units[1].budget", "unknown field"]),
    ("unknown duty field", mutate(lambda p: p["duties"][5].update(owner="x")), ["duties[5].owner", "unknown field"]),
    ("bad regulation date", mutate(lambda p: p["regulation"].update(date="2025-02-30")),
     ["regulation.date", "YYYY-MM-DD"]),
    ("date in the wrong format", mutate(lambda p: p["regulation"].update(date="01.03.2025")), ["regulation.date"]),
    ("unknown position in a duty", mutate(lambda p: p["duties"][5].update(position="NOPE")),
     ["duties[5].position", '"NOPE"']),
    ("duty with both unit and position", mutate(lambda p: p["duties"][5].update(unit="AGS")),
     ["duties[5]", "exactly one"]),
    ("position in an unknown unit", mutate(lambda p: p["positions"][0].update(unit="QQ")),
     ["positions[0].unit", '"QQ"']),
    ("unknown unit kind", mutate(lambda p: p["units"][1].update(kind="bakanlik")), ["units[1].kind"]),
    ("invalid unit code", mutate(lambda p: p["units"][1].update(code="ags")), ["units[1].code"]),
    ("repealed not a boolean", mutate(lambda p: p["duties"][1].update(repealed="evet")), ["duties[1].repealed"]),
    ("wrong format", mutate(lambda p: p.update(format="defter-preset/2")), ["format"]),
    ("unknown institution kind", mutate(lambda p: p.update(institution_kind="koy")), ["institution_kind"]),
    ("empty units", mutate(lambda p: p.update(units=[])), ["units: "]),
    ("missing duties", mutate(lambda p: p.pop("duties")), ["duties: "]),
    ("not an object", [1, 2, 3], ["$: "]),
    ("not JSON", "bu bir JSON değil {", ["JSON"]),
    ("truncated JSON", json.dumps(ORNEKKOY, ensure_ascii=False)[:-20], ["JSON"]),
    ("duplicate JSON key", '{"format":"defter-preset/1","format":"defter-preset/1"}', ["JSON"]),
]


def check_refused(binary, tmp, name, content, needles):
    path = os.path.join(tmp, "bad-" + "".join(c if c.isalnum() else "_" for c in name) + ".json")
    if isinstance(content, str):
        with open(path, "w", encoding="utf-8") as f:
            f.write(content)
    else:
        write_json(path, content)
    needles = list(needles)
    # preset check and init give the same answer
    chk = run(binary, "preset", "check", path)
    problems = []
    if chk.returncode == 0:
        problems.append("preset check accepted it")
    # init into a directory that does not exist yet, and into an existing empty one
    for existing in (False, True):
        data = os.path.join(tmp, "data-" + ("existing" if existing else "new"))
        if existing:
            os.makedirs(data, exist_ok=True)
        r = run(binary, "init", "--data", data, "--preset", path)
        if r.returncode == 0:
            problems.append(f"init accepted it ({'existing' if existing else 'new'} dir)")
        missing = [n for n in needles if n not in r.stderr]
        if missing:
            problems.append(f"init message lacks {missing}: {r.stderr.strip()}")
        if os.path.exists(os.path.join(data, "defter.db")):
            problems.append("defter.db was created")
        if not existing and os.path.exists(data):
            problems.append("the data directory was created")
        if existing and os.listdir(data):
            problems.append(f"files were created: {os.listdir(data)}")
        subprocess.run(["rm", "-rf", data], check=False)
    missing = [n for n in needles if n not in chk.stderr]
    if missing:
        problems.append(f"preset check message lacks {missing}: {chk.stderr.strip()}")
    if path not in chk.stderr and needles == ["JSON"]:
        problems.append("the JSON error does not name the file")
    report(not problems, f"refused: {name} ({', '.join(needles)})", "\n".join(problems))


def check_missing_file(binary, tmp):
    path = os.path.join(tmp, "no-such-preset.json")
    data = os.path.join(tmp, "data-missing")
    r = run(binary, "init", "--data", data, "--preset", path)
    ok = r.returncode != 0 and path in r.stderr and not os.path.exists(data)
    report(ok, "refused: a preset file that does not exist", r.stderr)


def check_deep_tree(binary, tmp):
    """A tree deeper than the loader's recursion limit, listed leaf first:
    either `preset check` refuses it (naming the element), or init loads it.
    What must not happen is a preset that passes the check and then fails to
    load, leaving a defter.db behind."""
    n = 70
    units = [{"code": "U0", "name": "Kök", "kind": "birim"}]
    units += [{"code": f"U{i}", "name": f"Birim {i}", "kind": "birim", "parent": f"U{i - 1}"} for i in range(1, n)]
    units.reverse()
    p = copy.deepcopy(ORNEKKOY)
    p["units"] = units
    p["positions"] = []
    p["duties"] = [{"ref": "Md.1-a", "unit": f"U{n - 1}", "text": "Derindeki görev.", "capabilities": ["task"]}]
    path = os.path.join(tmp, "deep.json")
    write_json(path, p)
    chk = run(binary, "preset", "check", path)
    data = os.path.join(tmp, "data-deep")
    r = run(binary, "init", "--data", data, "--preset", path)
    db_path = os.path.join(data, "defter.db")
    if chk.returncode == 0:
        ok = r.returncode == 0
        if ok:
            diffs = compare(p, store_contents(db_path))
            ok = not diffs
            detail = "\n".join(diffs)
        else:
            detail = (f"preset check accepted it, init failed (exit {r.returncode}): {r.stderr.strip()}\n"
                      f"defter.db left behind: {os.path.exists(db_path)}")
    else:
        ok = r.returncode != 0 and not os.path.exists(db_path) and "units[" in chk.stderr
        detail = f"check: {chk.stderr.strip()}\ninit: {r.stderr.strip()}"
    subprocess.run(["rm", "-rf", data], check=False)
    report(ok, f"a {n}-level unit tree listed leaf first is either refused by check or loaded", detail)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True, help="path to the defter binary")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        print(f"FAIL binary not executable: {binary}")
        print("0 passed, 1 failed")
        return 1

    presets = sorted(glob.glob(os.path.join(ROOT, "presets", "*.json")))
    report(len(presets) >= 5, f"presets/ holds the shipped presets ({len(presets)})")
    for path in presets:
        check_loads(binary, os.path.basename(path)[:-5], path)

    with tempfile.TemporaryDirectory(prefix="defter-preset-") as tmp:
        check_sixth(binary, tmp)
        for name, content, needles in MALFORMED:
            check_refused(binary, tmp, name, content, needles)
        check_missing_file(binary, tmp)
        check_deep_tree(binary, tmp)

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
