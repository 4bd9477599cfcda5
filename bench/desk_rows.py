#!/usr/bin/env python3
"""Reads the tickets `defter desk seed` wrote, so that Request Tracker gets
the very same data (subjects, bodies, units, statuses) and both systems
answer the same list and search requests.

  desk_rows.py rt DB --count N          "queue\tstatus\tsubject\tbody" lines, oldest first
  desk_rows.py create DB --system rt|defter --count N
                                        one JSON create body a line (newest tickets)
  desk_rows.py units DB                 unit codes that hold tickets, most first
  desk_rows.py words DB --system rt|defter
                                        search words: the first word of the subjects
"""
import argparse
import json
import sqlite3
import sys

# defter status (workflow.c: yeni, atandi, islemde, beklemede, cozuldu,
# kapandi) -> the nearest status an RT ticket may be created in.
RT_STATUS = {0: "new", 1: "open", 2: "open", 3: "stalled", 4: "resolved", 5: "resolved"}


def clean(s):
    return " ".join((s or "").split())


def tr_lower(s):
    """Turkish lower case: I -> ı, İ -> i."""
    return s.replace("I", "ı").replace("İ", "i").lower()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["rt", "create", "units", "words"])
    ap.add_argument("db")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--system", choices=["rt", "defter"], default="rt")
    a = ap.parse_args()
    con = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    q = ("SELECT u.code, t.status, t.type, t.subject, t.body FROM desk_tickets t"
         " JOIN units u ON u.id = t.unit_id")
    out = sys.stdout
    try:
        if a.what == "rt":
            for unit, status, _, subject, body in con.execute(q + " ORDER BY t.id LIMIT ?", (a.count,)):
                out.write(f"{unit}\t{RT_STATUS.get(status, 'open')}\t{clean(subject)}\t{clean(body)}\n")
        elif a.what == "create":
            for unit, _, typ, subject, body in con.execute(q + " ORDER BY t.id DESC LIMIT ?", (a.count,)):
                if a.system == "rt":
                    o = {"Queue": unit, "Subject": subject, "Content": body}
                else:
                    o = {"type": typ, "subject": subject, "body": body}
                out.write(json.dumps(o, ensure_ascii=False) + "\n")
        elif a.what == "units":
            for (unit,) in con.execute("SELECT u.code FROM desk_tickets t JOIN units u ON u.id = t.unit_id"
                                       " GROUP BY u.code ORDER BY count(*) DESC"):
                print(unit)
        else:
            words = set()
            for (subject,) in con.execute("SELECT subject FROM desk_tickets ORDER BY id LIMIT 5000"):
                w = subject.split()[0] if subject.split() else ""
                if w.isalpha() and len(w) >= 3:
                    words.add(w)
            for w in sorted(words):
                # RT's LIKE folds ASCII letters only: give it the word as
                # written; defter gets what a person types.
                print(w if a.system == "rt" else tr_lower(w))
        out.flush()
    except BrokenPipeError:
        # The RT loader stops reading when its time is up.
        sys.stderr.close()
        sys.exit(0)


if __name__ == "__main__":
    main()
