#!/usr/bin/env python3
"""run.py - runs the API tests (tests/api/test_*.py, functions test_*(h))
against a real defter binary and ends with one line "N passed, N failed".

    python3 tests/api/run.py --bin build-test/defter [-k SUBSTR] [--keep]
"""
import argparse
import importlib.util
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402

TEST_TIMEOUT = 90  # seconds per test; a hung request must not hang the suite


def discover(pattern):
    tests = []
    for fn in sorted(os.listdir(HERE)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        mod_name = fn[:-3]
        spec = importlib.util.spec_from_file_location(mod_name, os.path.join(HERE, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name, fn_obj in vars(mod).items():  # definition order
            if name.startswith("test_") and callable(fn_obj) and getattr(fn_obj, "__module__", "") == mod_name:
                full = f"{mod_name}.{name}"
                if pattern is None or pattern in full:
                    tests.append((full, fn_obj))
    return tests


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout(f"test took longer than {TEST_TIMEOUT}s")


def on_term(signum, frame):
    raise KeyboardInterrupt()


def one_line(e):
    if isinstance(e, harness.TestFailure):
        msg = str(e)
    else:
        tb = traceback.extract_tb(e.__traceback__)
        where = next((f"{os.path.basename(f.filename)}:{f.lineno}" for f in reversed(tb)
                      if os.path.basename(f.filename).startswith("test_")), "")
        msg = f"{type(e).__name__}: {e}" + (f" (at {where})" if where else "")
    return " ".join(msg.split()) if len(msg) < 2000 else " ".join(msg[:2000].split()) + "…"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="path of the defter binary")
    ap.add_argument("-k", dest="pattern", help="run only tests whose name contains this")
    ap.add_argument("--keep", action="store_true", help="keep the temporary data directories and logs")
    ap.add_argument("-v", dest="verbose", action="store_true", help="print each test's duration")
    args = ap.parse_args()

    tests = discover(args.pattern)
    h = harness.Harness(args.bin, keep=args.keep)
    print(f"# defter API tests: {len(tests)} tests, binary {h.bin}{' (ASan+UBSan)' if h.asan else ''}, "
          f"work dir {h.root}", flush=True)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    passed = failed = 0
    t_start = time.time()
    try:
        for name, fn in tests:
            h.begin_test()
            t0 = time.time()
            reason = None
            signal.alarm(TEST_TIMEOUT)
            try:
                fn(h)
            except KeyboardInterrupt:
                raise
            except BaseException as e:  # noqa: BLE001 - every error is a failure of this test
                reason = one_line(e)
            finally:
                signal.alarm(0)
            problems = h.end_test()
            if problems and not reason:
                reason = "; ".join(problems)
            elif problems:
                reason += " [also: " + "; ".join(problems) + "]"
            dur = f" ({time.time() - t0:.2f}s)" if args.verbose else ""
            if reason:
                failed += 1
                print(f"FAIL {name}: {reason}{dur}", flush=True)
                tails = h.tails()
                if tails:
                    print("\n".join("    " + ln for ln in tails.splitlines()), flush=True)
            else:
                passed += 1
                print(f"PASS {name}{dur}", flush=True)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        failed += 1
    finally:
        started = h.starts
        problems = h.close(failed=failed > 0)
    # Stopping every server is itself checked: a non-zero exit (e.g. LeakSanitizer)
    # or a sanitizer report at shutdown fails the run.
    if started:
        if problems:
            failed += 1
            print(f"FAIL server_shutdown: {'; '.join(problems)}", flush=True)
        else:
            passed += 1
            print("PASS server_shutdown", flush=True)
    print(f"# {time.time() - t_start:.1f}s, {started} server starts"
          + (f", logs kept in {h.root}" if failed or args.keep else ""), flush=True)
    if not tests:
        print("no test matched", flush=True)
        failed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
