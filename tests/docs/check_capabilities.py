#!/usr/bin/env python3
"""Checks docs/capabilities.md against the code.

The capability vocabulary is written once, in src/core/capability.c
({key, owning module, Turkish meaning}). A capability is implemented when a
module registered in src/modules.c lists it in its `.capabilities`. This
script parses both and fails when docs/capabilities.md differs: a key
missing or extra, another module, another Turkish meaning, a wrong status,
an English row missing, or wrong totals. It also fails when a registered
module claims a capability that is not in the vocabulary or is owned by
another module.

    tests/docs/check_capabilities.py            check (last line "N passed, N failed")
    tests/docs/check_capabilities.py --write    regenerate docs/capabilities.md from the
                                                code, keeping the English meanings
    --root DIR                                  the repository to look at (default: this one)
    -v                                          also print the checks that pass

Standard library only.
"""
import argparse
import os
import re
import sys

TR_HEADING = "## Türkçe"
EN_HEADING = "## English"
STATUS = {"tr": ("uygulandı", "planlandı"), "en": ("implemented", "planned")}


class ParseError(Exception):
    pass


# ---- C source ----------------------------------------------------------

def strip_comments(src):
    """Removes /* */ and // comments, leaving string and char literals alone."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise ParseError("unterminated comment")
            out.append(" ")
            i = j + 2
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        else:
            out.append(c)
            i += 1
    return "".join(out)


_ESC = {"n": b"\n", "t": b"\t", "r": b"\r", "\\": b"\\", '"': b'"', "'": b"'", "0": b"\0",
        "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v", "?": b"?"}


def decode_c_string(body):
    """Decodes the inside of one C string literal (UTF-8 source)."""
    raw = body.encode("utf-8")
    out = bytearray()
    i = 0
    while i < len(raw):
        b = raw[i:i + 1]
        if b != b"\\":
            out += b
            i += 1
            continue
        e = raw[i + 1:i + 2].decode("latin-1")
        if e == "x":
            m = re.match(rb"[0-9a-fA-F]+", raw[i + 2:])
            if not m:
                raise ParseError("bad \\x escape")
            out.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        elif e in "01234567":
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:])
            out.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        elif e in _ESC:
            out += _ESC[e]
            i += 2
        else:
            raise ParseError("unknown escape \\" + e)
    return out.decode("utf-8")


_TOKEN = re.compile(r'\s*(?:"((?:[^"\\\n]|\\.)*)"|([A-Za-z_]\w*)|(.))', re.S)


def tokens(src):
    """Yields ('str', text) with adjacent literals joined, ('id', name), ('p', char)."""
    pending = None
    for m in _TOKEN.finditer(src):
        s, ident, punct = m.groups()
        if s is not None:
            pending = (pending or "") + decode_c_string(s)
            continue
        if pending is not None:
            yield ("str", pending)
            pending = None
        if ident is not None:
            yield ("id", ident)
        elif punct is not None and not punct.isspace():
            yield ("p", punct)
    if pending is not None:
        yield ("str", pending)


def braced_block(src, start_pattern, what):
    """The text between the '{' after start_pattern and its matching '}'."""
    m = re.search(start_pattern, src)
    if not m:
        raise ParseError("cannot find " + what)
    i = src.index("{", m.end() - 1)
    depth = 0
    j = i
    while j < len(src):
        c = src[j]
        if c in "\"'":
            k = j + 1
            while k < len(src) and src[k] != c:
                k += 2 if src[k] == "\\" else 1
            j = k + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return src[i + 1:j]
        j += 1
    raise ParseError("unbalanced braces in " + what)


def parse_capabilities(path):
    """[(key, module, meaning)] in the order of src/core/capability.c."""
    src = strip_comments(read(path))
    block = braced_block(src, r"capability_def\s+capabilities\s*\[\s*\]\s*=\s*\{", "capabilities[]")
    rows, cur, depth = [], None, 0
    for kind, val in tokens(block):
        if kind == "p" and val == "{":
            depth += 1
            if depth == 1:
                cur = []
        elif kind == "p" and val == "}":
            depth -= 1
            if depth == 0:
                if len(cur) != 3:
                    raise ParseError("entry with %d strings (want key, module, meaning): %r" % (len(cur), cur))
                rows.append(tuple(cur))
                cur = None
        elif kind == "str" and depth == 1:
            cur.append(val)
        elif kind == "id" and val not in ("NULL",) and depth >= 1:
            raise ParseError("unexpected identifier %s in capabilities[]" % val)
    if not rows:
        raise ParseError("capabilities[] is empty")
    return rows


def parse_modules(root):
    """{module name: [claimed capability keys]} for every module in src/modules.c."""
    src = strip_comments(read(os.path.join(root, "src", "modules.c")))
    block = braced_block(src, r"defter_modules\s*\[\s*\]\s*=\s*\{", "defter_modules[]")
    symbols = re.findall(r"&\s*([A-Za-z_]\w*)", block)
    if not symbols:
        raise ParseError("defter_modules[] lists no module")
    sources = []
    for d, _, files in os.walk(os.path.join(root, "src")):
        sources += [os.path.join(d, f) for f in files if f.endswith(".c")]
    modules = {}
    for sym in symbols:
        pat = r"struct\s+defter_module\s+" + re.escape(sym) + r"\s*=\s*\{"
        found = None
        for path in sorted(sources):
            text = strip_comments(read(path))
            if re.search(pat, text):
                found = (path, text)
                break
        if not found:
            raise ParseError("no definition of " + sym)
        path, text = found
        init = braced_block(text, pat, sym)
        m = re.search(r'\.name\s*=\s*"([^"]*)"', init)
        if not m:
            raise ParseError(sym + " has no .name")
        name = m.group(1)
        claims = []
        m = re.search(r"\.capabilities\s*=\s*", init)
        if m:
            rest = init[m.end():]
            if rest.lstrip().startswith("("):
                arr = braced_block(rest, r"\)\s*\{", sym + ".capabilities")
            else:
                ident = re.match(r"([A-Za-z_]\w*)", rest)
                if not ident:
                    raise ParseError(sym + ".capabilities: cannot read")
                if ident.group(1) == "NULL":
                    arr = ""
                else:
                    arr = braced_block(text, r"\b" + re.escape(ident.group(1)) + r"\s*\[\s*\w*\s*\]\s*=\s*\{",
                                       ident.group(1) + "[]")
            claims = [v for k, v in tokens(arr) if k == "str"]
        modules[name] = claims
    return modules


# ---- Markdown ----------------------------------------------------------

def split_cells(line):
    line = line.strip()
    if not (line.startswith("|") and line.endswith("|")):
        return None
    cells, cur, i = [], "", 1
    body = line[1:-1]
    while i <= len(body):
        c = body[i - 1]
        if c == "\\" and i < len(body) and body[i] == "|":
            cur += "|"
            i += 2
            continue
        if c == "|":
            cells.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    cells.append(cur.strip())
    return cells


def parse_doc(path):
    """{'tr': {'rows': [...], 'totals': (...)}, 'en': {...}} from docs/capabilities.md."""
    lines = read(path).splitlines()
    parts = {"tr": [], "en": []}
    cur = None
    for line in lines:
        if line.strip() == TR_HEADING:
            cur = "tr"
            continue
        if line.strip() == EN_HEADING:
            cur = "en"
            continue
        if cur:
            parts[cur].append(line)
    out = {}
    for lang, body in parts.items():
        rows = []
        for line in body:
            cells = split_cells(line)
            if not cells or len(cells) != 4:
                continue
            m = re.fullmatch(r"`([a-z0-9_]+)`", cells[0])
            if not m:
                continue  # header or separator
            mod = re.fullmatch(r"`([a-z0-9_]+)`", cells[2])
            rows.append((m.group(1), mod.group(1) if mod else cells[2], cells[1], cells[3]))
        text = "\n".join(body)
        if lang == "tr":
            t = re.search(r"(\d+) yetenek: (\d+) uygulandı, (\d+) planlandı", text)
        else:
            t = re.search(r"(\d+) capabilities: (\d+) implemented, (\d+) planned", text)
        out[lang] = {"present": bool(body), "rows": rows, "lines": [x.strip() for x in body],
                     "totals": tuple(int(x) for x in t.groups()) if t else None}
    return out


def md_cell(s):
    return s.replace("|", "\\|")


# ---- generation --------------------------------------------------------

INTRO_TR = """\
Yetenek, bir yönetmelik görevini karşılayan işlevdir. Ön ayarlardaki her
görev (`duties[].capabilities`, bkz. [presets.md](presets.md)) bu
sözlükten bir ya da daha çok anahtar taşır; `defter preset check` sözlükte
olmayan anahtarı reddeder. Her yeteneğin sahibi tek bir modüldür.

Sözlüğün tek kaynağı `src/core/capability.c` dosyasıdır; aşağıdaki tablo
ondan üretilir (`tests/docs/check_capabilities.py --write`) ve aynı betik
tablonun kodla aynı olduğunu denetler. Bir yetenek, `src/modules.c`
içinde kayıtlı bir modül onu `.capabilities` listesinde sunuyorsa
**uygulandı**, yoksa **planlandı** durumundadır. Uygulanmamış yetenekleri
taşıyan görevler de Teşkilat sayfasında (yetenek anahtarlarıyla) ve
`GET /api/v1/org/duties` yanıtında listelenir; API'de her yeteneğin
`implemented` alanı bu durumu gösterir. Tasarımdaki kapsam raporu
(`GET /api/v1/org/coverage`) henüz yoktur."""

INTRO_EN = """\
A capability is a function that serves a regulation duty. Every duty in a
preset (`duties[].capabilities`, see [presets.md](presets.md)) carries one
or more keys from this vocabulary; `defter preset check` rejects a key that
is not in it. Each capability is owned by exactly one module.

The single source of the vocabulary is `src/core/capability.c`; the table
below is generated from it (`tests/docs/check_capabilities.py --write`) and
the same script checks that the table matches the code. A capability is
**implemented** when a module registered in `src/modules.c` lists it in its
`.capabilities`, otherwise it is **planned**. Duties whose capabilities are
not implemented are still listed on the Organisation page (with their
capability keys) and by `GET /api/v1/org/duties`, where the `implemented`
field of each capability shows its status. The coverage report of the
design (`GET /api/v1/org/coverage`) does not exist yet."""


def modules_line(lang, modules):
    """The sentence naming the registered modules and what they serve."""
    names = ", ".join("`%s`" % m for m in modules)
    serving = ["`%s` (%s)" % (m, ", ".join("`%s`" % k for k in c)) for m, c in modules.items() if c]
    if lang == "tr":
        return "Kayıtlı modüller: %s. Yetenek sunanlar: %s." % (names, "; ".join(serving) or "yok")
    return "Registered modules: %s. Serving capabilities: %s." % (names, "; ".join(serving) or "none")


def render(caps, modules, english):
    implemented = {k for c in modules.values() for k in c}
    n = len(caps)
    ni = sum(1 for k, _, _ in caps if k in implemented)
    out = ["# Yetenekler / Capabilities", "",
           "*Türkçe aşağıda, English below.*", "",
           "<!-- Generated from src/core/capability.c and src/modules.c by",
           "     tests/docs/check_capabilities.py --write; the same script checks it. -->", "",
           TR_HEADING, "", INTRO_TR, "",
           modules_line("tr", modules), "",
           "%d yetenek: %d uygulandı, %d planlandı." % (n, ni, n - ni), "",
           "| anahtar | anlamı | modül | durum |", "|---|---|---|---|"]
    for key, mod, meaning in caps:
        st = STATUS["tr"][0 if key in implemented else 1]
        out.append("| `%s` | %s | `%s` | %s |" % (key, md_cell(meaning), mod, st))
    out += ["", EN_HEADING, "", INTRO_EN, "",
            modules_line("en", modules), "",
            "%d capabilities: %d implemented, %d planned." % (n, ni, n - ni), "",
            "| key | meaning | module | status |", "|---|---|---|---|"]
    for key, mod, _ in caps:
        st = STATUS["en"][0 if key in implemented else 1]
        out.append("| `%s` | %s | `%s` | %s |" % (key, md_cell(english.get(key) or "TODO"), mod, st))
    return "\n".join(out) + "\n"


# ---- checks ------------------------------------------------------------

class Result:
    def __init__(self, verbose):
        self.passed = 0
        self.failed = 0
        self.verbose = verbose

    def check(self, ok, name, detail=""):
        if ok:
            self.passed += 1
            if self.verbose:
                print("ok   " + name)
        else:
            self.failed += 1
            print("FAIL " + name + (": " + detail if detail else ""))
        return ok


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--write", action="store_true")
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    doc_path = os.path.join(root, "docs", "capabilities.md")
    res = Result(args.v)

    caps = modules = None
    try:
        caps = parse_capabilities(os.path.join(root, "src", "core", "capability.c"))
        res.check(True, "src/core/capability.c parses (%d capabilities)" % len(caps))
    except (OSError, ParseError, UnicodeDecodeError) as e:
        res.check(False, "src/core/capability.c parses", str(e))
    try:
        modules = parse_modules(root)
        res.check(True, "src/modules.c parses (%s)" % ", ".join(modules))
    except (OSError, ParseError, UnicodeDecodeError) as e:
        res.check(False, "src/modules.c parses", str(e))
    if caps is None or modules is None:
        print("%d passed, %d failed" % (res.passed, res.failed))
        return 1

    keys = [k for k, _, _ in caps]
    dups = sorted({k for k in keys if keys.count(k) > 1})
    res.check(not dups, "capability keys are unique in the code", ", ".join(dups))
    owner = {k: m for k, m, _ in caps}
    implemented = set()
    for name, claims in modules.items():
        for key in claims:
            implemented.add(key)
            res.check(key in owner and owner[key] == name,
                      "module %s serves capability %s, which it owns" % (name, key),
                      "not in the vocabulary" if key not in owner else "owned by " + owner[key])

    if args.write:
        english = {}
        if os.path.exists(doc_path):
            english = {k: meaning for k, _, meaning, _ in parse_doc(doc_path)["en"]["rows"]}
        with open(doc_path, "w", encoding="utf-8") as f:
            f.write(render(caps, modules, english))
        missing = [k for k in keys if not english.get(k)]
        if missing:
            print("wrote %s; English meaning needed for: %s" % (doc_path, ", ".join(missing)))
        else:
            print("wrote " + doc_path)

    try:
        doc = parse_doc(doc_path)
    except (OSError, UnicodeDecodeError) as e:
        res.check(False, "docs/capabilities.md is readable", str(e))
        print("%d passed, %d failed" % (res.passed, res.failed))
        return 1

    n, ni = len(caps), len(implemented & set(keys))
    for lang, heading in (("tr", TR_HEADING), ("en", EN_HEADING)):
        part = doc[lang]
        res.check(part["present"] and part["rows"], "%s: section '%s' has the table" % (lang, heading))
        want = modules_line(lang, modules)
        res.check(want in part["lines"], "%s: registered-modules line is current" % lang,
                  "want %r" % want)
        res.check(part["totals"] == (n, ni, n - ni), "%s: totals line says %d, %d, %d" % (lang, n, ni, n - ni),
                  "found %r" % (part["totals"],))
        seen = {}
        for key, mod, meaning, status in part["rows"]:
            seen.setdefault(key, []).append((mod, meaning, status))
        for key, mod, meaning in caps:
            rows = seen.get(key)
            want_status = STATUS[lang][0 if key in implemented else 1]
            if not rows:
                res.check(False, "%s: %s is documented" % (lang, key), "no row")
                continue
            problems = []
            if len(rows) > 1:
                problems.append("%d rows" % len(rows))
            dmod, dmeaning, dstatus = rows[0]
            if dmod != mod:
                problems.append("module %r, code says %r" % (dmod, mod))
            if lang == "tr" and dmeaning != meaning:
                problems.append("meaning %r, code says %r" % (dmeaning, meaning))
            if lang == "en" and (not dmeaning or dmeaning == "TODO"):
                problems.append("no English meaning")
            if dstatus != want_status:
                problems.append("status %r, should be %r" % (dstatus, want_status))
            res.check(not problems, "%s: %s matches the code" % (lang, key), "; ".join(problems))
        for key in seen:
            if key not in owner:
                res.check(False, "%s: %s exists in the code" % (lang, key), "documented but not in capability.c")

    print("%d passed, %d failed" % (res.passed, res.failed))
    return 0 if res.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
