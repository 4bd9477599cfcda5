#!/usr/bin/env python3
"""Fills empty (or fuzzy) msgstr entries of po/tr.po from JSON files mapping
English msgid -> Turkish text (used to merge translations written
alongside new code). Usage: tools/po-fill.py FILE.json [...]"""
import json
import re
import sys

PO = "po/tr.po"


def unquote(block):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))


ESC = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def unescape(s):
    """A PO string's text: \\n, \\t, \\" and \\\\ decoded."""
    return re.sub(r"\\(.)", lambda m: ESC.get(m.group(1), m.group(0)), s)


def escape(s):
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def main():
    tr = {}
    for f in sys.argv[1:]:
        with open(f, encoding="utf-8") as fh:
            tr.update(json.load(fh))
    text = open(PO, encoding="utf-8").read()
    entries = re.split(r"\n\n+", text)
    filled = 0
    out = []
    for e in entries:
        m = re.match(r'(?s)(.*?)msgid ((?:"(?:[^"\\]|\\.)*"\n?)+)msgstr ((?:"(?:[^"\\]|\\.)*"\n?)+)\s*$', e)
        if m:
            msgid = unescape(unquote(m.group(2)))
            msgstr = unquote(m.group(3))
            fuzzy = "#, fuzzy" in m.group(1)
            if msgid and (not msgstr or fuzzy) and msgid in tr:
                val = escape(tr[msgid])
                e = "%smsgid %smsgstr \"%s\"" % (m.group(1), m.group(2), val)
                e = e.replace("#, fuzzy\n", "").replace("#, fuzzy, ", "#, ")
                e = "\n".join(ln for ln in e.split("\n") if not ln.startswith("#|"))
                filled += 1
        out.append(e.rstrip("\n"))
    with open(PO, "w", encoding="utf-8") as fh:
        fh.write("\n\n".join(out) + "\n")
    print("filled", filled)


if __name__ == "__main__":
    main()
