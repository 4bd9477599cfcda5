#!/usr/bin/env python3
"""Count the enumerated duty clauses of each seed regulation, independently
of the presets, and check that presets/<id>.json has exactly as many duties
per group key (ref up to its last '-') as the regulation has list items.

The counting rule is written down in docs/presets.md ("Sayım kuralı /
Counting rule"); what differs per regulation is kept in SEEDS below and
nowhere else.  No expected count is written here: every number comes from
parsing the seed text.

    python3 tests/presets/seedcount.py ID            group keys and counts
    python3 tests/presets/seedcount.py ID --check    compare with presets/ID.json
    python3 tests/presets/seedcount.py --all --check every preset in presets/
Options: --seeds DIR (or env DEFTER_SEEDS; default tests/presets/seeds beside this script, copied from
shared/seeds), --presets DIR (default presets/), -v (show each item's start).
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import sys
from pathlib import Path

# --------------------------------------------------------------------------
# Per-seed configuration: the only place where regulations differ.
#   file     seed file (also used when presets/<id>.json does not exist yet)
#   layout   "article": MADDE n / (p) / items -> keys Md.n, Md.n/p
#            "section": numbered sections 3.1.2.2 / items -> key 3.1.2.2
#   items    "letter"  a) b) c) ç) ... z) aa) ab)
#            "dot"     1. 2. 3.
#            "paren"   1) 2) 3)  (with or without a leading "- ")
#   exclude  lists that are not duty lists: key or key prefix -> reason
#   ocr      letter markers garbled by OCR: ¢)=ç) 0)=o) 1)=ı) [)=l),
#            and a repeated g)/o)/s)/u)/c) is read as ğ)/ö)/ş)/ü)/ç)
#   unmarked count lines that lost their item marker (see the doc)
#   noise    regexes of page header/footer lines to drop before parsing
#   paragraph_lists  articles whose numbered paragraphs (1) (2) carry the
#            duties themselves (no items): key Md.n, item = paragraph number
# --------------------------------------------------------------------------
SEEDS = {
    "kocaeli-bb": {
        "file": "000_e6557a603eaa6365.txt",
        "layout": "article", "items": "letter",
        "exclude": {"Md.3": "Tanımlar"},
        "ocr": True,
        "unmarked": True,   # Md.5, Md.6: markers lost at the end of the list / page break
        "noise": [r"^Sayfa \d+/\d+$", r"^Belge Do.rulama Kodu", r"^Bu belge, g.+imza",
                  r"sayil?[ıi] Meclis Karar[ıi] ekidir\.$"],
    },
    "bayrakli": {
        "file": "001_ee339cb94911d6e1.txt",
        "layout": "article", "items": "dot",
        "exclude": {"Md.4": "Tanımlar", "Md.5": "Teşkilat (list of units)"},
    },
    "melikgazi": {
        "file": "002_f2ad18cae0b6ce66.txt",
        "layout": "section", "items": "paren",
        # 1.5 Temel ilkeler is counted: every principle is a duty ("... sağlamak")
        "exclude": {"1.4": "Tanımlar",
                    "2": "Teşkilat yapısı, bağlılık",
                    "5": "Denetim, disiplin, yürürlük"},
    },
    "eyupsultan": {
        "file": "003_22eb9577b8b48176.txt",
        "layout": "article", "items": "letter",
        "exclude": {"Md.4": "Tanımlar", "Md.26": "Aranılan nitelikler"},
    },
    "mersin-bb": {
        "file": "004_93d5b9f0e7b9ac7e.txt",
        "layout": "article", "items": "letter",
        "exclude": {"Md.3": "Tanımlar", "Md.4": "Teşkilat (list of units)"},
        # duties written as bare numbered paragraphs: (1) (2) are the items
        "paragraph_lists": ["Md.11", "Md.12"],
    },
}

# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------
ALPHABET = "a b c ç d e f g ğ h ı i j k l m n o ö p q r s ş t u ü v w x y z".split()
ORDER = {c: i for i, c in enumerate(ALPHABET)}
OCR_LETTER = {"¢": "ç", "0": "o", "1": "ı", "[": "l"}
DOTTED = {"g": "ğ", "o": "ö", "s": "ş", "u": "ü", "c": "ç"}

LEAD = r"^\s*(?:[-*•]\s*)?(?:\*\*)?\s*"          # "- ", "  - ", "**" before a marker
ARTICLE_RE = re.compile(r"^[\s*#-]*MADDE\s*(\d+)\s*(?=[-–—.:(*]|$)(.*)$", re.I)
PARA_RE = re.compile(LEAD + r"\((\d{1,2})\)\s*(.*)$")
ITEM_RE = {
    "letter": re.compile(LEAD + r"([a-zçğıöşü]|[a-z]{2})\)(?:\*\*)?(?:\s+(.*)|$)"),
    "letter+ocr": re.compile(LEAD + r"([a-zçğıöşü¢\[01]|[a-z]{2})\)(?:\*\*)?(?:\s+(.*)|$)"),
    "dot": re.compile(LEAD + r"(\d{1,2})\.(?:\s+(.*)|$)"),
    "paren": re.compile(LEAD + r"(\d{1,2})\)(?:\s+(.*)|$)"),
}
SECTION_RE = re.compile(r"^\s*(?:-\s*)?(\d+(?:\.\d+)+(?=[.\s])|\d+(?=[.)]))[.)]?\s+(.*\S)\s*$")
REPEAL_RE = re.compile(r"^\(?\s*(?:De[gğ]i[sş]ik|M[uü]lga)\b[^)]*\)?\.?$", re.I)
INFINITIVE_END = re.compile(r"m[ae]k[,.;]?$")
ENDS = (",", ".", ";", ":")  # a line ending so closes its clause


def clean(s):
    return s.replace("*", "").strip()


def is_repeal_note(text):
    t = clean(text)
    return bool(t) and bool(REPEAL_RE.match(t))


def has_lower(s):
    return any(c.islower() for c in s)


class Group:
    def __init__(self, key):
        self.key = key
        self.markers = []        # marker as read (after OCR normalisation)
        self.texts = []          # (marker, start of text) of each item, in order
        self.repealed = 0
        self.unmarked = 0
        self.whole_repeal = False
        self.first = None        # line number of its first item: lists print in text order

    @property
    def count(self):
        return len(self.markers) + self.unmarked + (1 if self.whole_repeal else 0)


class Seed:
    """Result of parsing one seed: ordered groups plus every anchor
    (article, paragraph, section) that exists in the text."""

    def __init__(self, name, cfg):
        self.name = name
        self.cfg = cfg
        self.groups = {}
        self.anchors = set()
        self.warnings = []

    def group(self, key):
        if key not in self.groups:
            self.groups[key] = Group(key)
        return self.groups[key]

    def excluded(self, key):
        for prefix, reason in self.cfg.get("exclude", {}).items():
            if key == prefix or key.startswith(prefix + "/") or key.startswith(prefix + "."):
                return reason
        return None

    def lists(self):
        """Groups that have items, in the order of the text."""
        return sorted((g for g in self.groups.values() if g.count), key=lambda g: g.first)

    def included(self):
        return [g for g in self.lists() if not self.excluded(g.key)]


def parse(text, cfg, name=""):
    seed = Seed(name, cfg)
    noise = [re.compile(p) for p in cfg.get("noise", [])]
    lines = [l for l in text.splitlines() if not any(n.search(l.strip()) for n in noise)]
    kind = cfg["items"]
    ocr = cfg.get("ocr", False)
    item_re = ITEM_RE["letter+ocr" if kind == "letter" and ocr else kind]
    unmarked = cfg.get("unmarked", False)

    cur = None               # current Group
    article = None           # current article number (article layout)
    section = None           # current section number (section layout)
    prev_complete = True     # last content line ended a sentence/clause
    pending = None           # text of a line run without a marker (unmarked candidate)

    def flush_pending():
        nonlocal pending
        if pending is not None and cur is not None and cur.markers and unmarked:
            if INFINITIVE_END.search(clean(pending)):
                cur.unmarked += 1
                cur.texts.append(("-", "(no marker) " + clean(pending)[:60]))
        pending = None

    def open_group(key):
        nonlocal cur
        flush_pending()
        seed.anchors.add(key)
        if key in seed.groups and seed.groups[key].count:
            seed.warnings.append(f"{key}: list appears twice in the seed; items added up")
        cur = seed.group(key)

    def add_item(marker, rest, as_written=False):
        nonlocal prev_complete
        flush_pending()
        prev_complete = clean(rest or "").endswith(ENDS)
        if kind == "letter" and not as_written:
            if ocr:
                marker = OCR_LETTER.get(marker, marker)
                if cur.markers and cur.markers[-1] == marker and marker in DOTTED:
                    marker = DOTTED[marker]
        if cur.first is None:
            cur.first = lineno
        cur.markers.append(marker)
        cur.texts.append((marker, clean(rest or "")[:60]))
        if is_repeal_note(rest or ""):
            cur.repealed += 1

    def paragraph(num, rest):
        nonlocal prev_complete
        key = f"Md.{article}"
        if key in cfg.get("paragraph_lists", []):
            seed.anchors.add(f"{key}/{num}")
            if cur.key != key:
                open_group(key)
            add_item(num, rest, as_written=True)
        else:
            open_group(f"{key}/{num}")
            prev_complete = True

    for lineno, raw in enumerate(lines):
        line = raw.rstrip()
        if not line.strip():
            continue

        if seed.cfg["layout"] == "article":
            m = ARTICLE_RE.match(line)
            if m:
                article = m.group(1)
                open_group(f"Md.{article}")
                rest = clean(m.group(2)).lstrip("-–—:. ").strip()
                if is_repeal_note(rest):
                    cur.whole_repeal = True
                    cur.first = lineno
                    cur.repealed += 1
                    prev_complete = True
                    continue
                pm = PARA_RE.match(rest)
                if pm:
                    paragraph(pm.group(1), pm.group(2))
                    rest = pm.group(2)
                prev_complete = not rest or rest.rstrip().endswith(ENDS)
                continue
            if article is not None:
                pm = PARA_RE.match(line)
                if pm:
                    paragraph(pm.group(1), pm.group(2))
                    continue
        else:
            m = SECTION_RE.match(line)
            if m and not has_lower(m.group(2)) and any(c.isalpha() for c in m.group(2)):
                section = m.group(1)
                open_group(section)
                prev_complete = True
                continue
            # "- 4.4.3.1. text": a numbered sub-clause is item 1 of section 4.4.3
            sm = re.match(r"^\s*-\s*(\d+(?:\.\d+)+)\.\s+(.*)$", line)
            if sm and section and sm.group(1).rsplit(".", 1)[0] == section:
                add_item(sm.group(1).rsplit(".", 1)[1], sm.group(2))
                continue

        if cur is None:
            continue
        im = item_re.match(line)
        if im:
            add_item(im.group(1), im.group(2))
            continue
        # a line without a marker: continuation, or (unmarked) a lost item
        if prev_complete and cur.markers:
            flush_pending()
            pending = line.strip()
        elif pending is not None:
            pending += " " + line.strip()
        prev_complete = clean(line).endswith(ENDS)
    flush_pending()
    return seed


def sequence_notes(g):
    """Markers that are not in order (informational only)."""
    if all(m.isdigit() for m in g.markers):
        nums = [int(m) for m in g.markers]
        return [] if nums == list(range(1, len(nums) + 1)) else ["numbers " + " ".join(g.markers)]

    def rank(m):
        if len(m) == 2:
            return 100 + ORDER.get(m[0], 0) * 40 + ORDER.get(m[1], 0)
        return ORDER.get(m, 999)
    return [f"{a} then {b}" for a, b in zip(g.markers, g.markers[1:]) if rank(b) <= rank(a)]


# --------------------------------------------------------------------------
# Presets and checking
# --------------------------------------------------------------------------
def group_key(ref):
    return ref.rsplit("-", 1)[0] if "-" in ref else ref


def load_preset(presets_dir, pid):
    path = presets_dir / f"{pid}.json"
    if not path.exists():
        return None, f"preset missing: {path}"
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f), None
    except (OSError, ValueError) as e:
        return None, f"cannot read {path}: {e}"


def seed_config(pid, preset):
    """Configuration for a preset id: by the seed its regulation.source names,
    else by the id."""
    source = None
    if preset:
        source = os.path.basename(str((preset.get("regulation") or {}).get("source") or ""))
    if source:
        for cid, cfg in SEEDS.items():
            if cfg["file"] == source:
                return cid, cfg, None
        return None, None, f"regulation.source {source!r} is not a configured seed"
    if pid in SEEDS:
        return pid, SEEDS[pid], None
    return None, None, f"no seed configured for id {pid!r}"


def read_seed(seeds_dir, cfg):
    path = seeds_dir / cfg["file"]
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), cfg, cfg["file"])


def print_counts(pid, seed, verbose):
    print(f"{pid}  ({seed.name})")
    total = rep = 0
    for g in seed.lists():
        reason = seed.excluded(g.key)
        notes = sequence_notes(g)
        if g.markers and g.markers[0].isdigit() and not notes:
            shown = f"{g.markers[0]}..{g.markers[-1]}"
        else:
            shown = " ".join(g.markers)
        extra = []
        if g.whole_repeal:
            extra.append("whole article repealed")
        if g.unmarked:
            extra.append(f"+{g.unmarked} without marker")
        if g.repealed and not g.whole_repeal:
            extra.append(f"{g.repealed} repealed")
        if notes:
            extra.append("order: " + ", ".join(notes))
        if reason:
            print(f"  {g.key:<10} {g.count:>3}  excluded ({reason})")
            continue
        total += g.count
        rep += g.repealed
        print(f"  {g.key:<10} {g.count:>3}  {shown}" + (f"  [{'; '.join(extra)}]" if extra else ""))
        if verbose:
            for mk, t in g.texts:
                print(f"        {mk:>3}) {t}")
    for w in seed.warnings:
        print(f"  warning: {w}")
    print(f"  total {total} duties ({rep} repealed) in {len(seed.included())} lists")


def check(pid, seed, preset):
    """Return a list of mismatch lines (empty = pass) and a list of notes."""
    bad, notes = [], []
    counts, repealed, refs_by_key, seen = {}, {}, {}, set()
    for d in preset.get("duties") or []:
        ref = str(d.get("ref", ""))
        if ref in seen:
            bad.append(f"duplicate ref {ref!r}")
        seen.add(ref)
        k = group_key(ref)
        counts[k] = counts.get(k, 0) + 1
        repealed[k] = repealed.get(k, 0) + (1 if d.get("repealed") else 0)
        refs_by_key.setdefault(k, []).append(ref)
    want = {g.key: g for g in seed.included()}
    for k, g in want.items():
        have = counts.get(k, 0)
        if have != g.count:
            bad.append(f"{k}: seed {g.count}, preset {have}")
        elif repealed.get(k, 0) != g.repealed:
            bad.append(f"{k}: seed {g.repealed} repealed, preset {repealed.get(k, 0)} repealed")
    for k in counts:
        if k in want:
            continue
        reason = seed.excluded(k)
        no_item = all("-" not in r for r in refs_by_key[k])
        if reason:
            bad.append(f"{k}: preset {counts[k]}, but the counting rule excludes it ({reason})")
        elif no_item and k in seed.anchors:
            notes.append(f"{k}: {counts[k]} duty outside enumerated lists (not counted)")
        else:
            bad.append(f"{k}: preset {counts[k]}, seed has no such enumerated list")
    return bad, notes


def main(argv=None):
    repo = Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description="Count enumerated duty clauses in the seed regulations.")
    ap.add_argument("ids", nargs="*", help="preset ids (" + ", ".join(SEEDS) + ")")
    ap.add_argument("--all", action="store_true", help="every preset in presets/ (and, without --check, every configured seed)")
    ap.add_argument("--check", action="store_true", help="compare with presets/ID.json")
    ap.add_argument("--seeds", help="seed directory (default: $DEFTER_SEEDS or tests/presets/seeds)")
    ap.add_argument("--presets", default=str(repo / "presets"), help="preset directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="list each item")
    a = ap.parse_args(argv)

    # The regulation texts are kept beside this script (tests/presets/seeds,
    # copied from the design's shared/seeds) so a clone is self-contained.
    seeds_dir = Path(a.seeds or os.environ.get("DEFTER_SEEDS") or Path(__file__).resolve().parent / "seeds")
    presets_dir = Path(a.presets)
    ids = list(a.ids)
    if a.all:
        found = sorted(p.stem for p in presets_dir.glob("*.json"))
        extra = [] if a.check else [i for i in SEEDS if i not in found]
        ids += [i for i in found + extra if i not in ids]
    if not ids:
        if not a.all:
            ap.error("give a preset id or --all")
        print(f"no presets in {presets_dir}")
        print("0 passed, 0 failed")
        return 1

    passed = failed = 0
    for pid in ids:
        preset, err = load_preset(presets_dir, pid)
        if a.check and preset is None:
            print(f"FAIL {pid}: {err}")
            failed += 1
            continue
        cid, cfg, cerr = seed_config(pid, preset)
        if cfg is None:
            print(f"FAIL {pid}: {cerr}")
            failed += 1
            continue
        try:
            seed = read_seed(seeds_dir, cfg)
        except OSError as e:
            print(f"FAIL {pid}: cannot read seed: {e}")
            failed += 1
            continue
        if not a.check:
            print_counts(pid, seed, a.verbose)
            continue
        bad, notes = check(pid, seed, preset)
        n = sum(g.count for g in seed.included())
        if bad:
            failed += 1
            print(f"FAIL {pid} ({cfg['file']}, {n} duties counted in the seed)")
            for b in bad:
                print(f"  {b}")
        else:
            passed += 1
            print(f"ok   {pid} ({cfg['file']}, {n} duties in {len(seed.included())} lists)")
        for x in notes:
            print(f"  note: {x}")
        if a.verbose:
            print_counts(pid, seed, a.verbose)
    if a.check:
        print(f"{passed} passed, {failed} failed")
        return 0 if failed == 0 else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
