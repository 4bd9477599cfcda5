#!/usr/bin/env python3
"""Runs wrk and says where the machine's CPU went meanwhile.

  run_wrk.py SESSION_ID wrk ARGS...

Prints wrk's output, then "CPU server wrk other" in cores (CPU seconds per
second of wall time): the server is every process of session SESSION_ID
(the server was started with setsid; its reaped children count too), wrk
is wrk, other is the user time of every other process, which shows whether
something else competed for the cores during the measurement (kernel time
is left out of "other": the disk flushes a server's fsync causes run in
kernel threads).
"""
import os
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def machine_user():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...
    return (v[0] + v[1]) / TICK


def session_cpu(sid):
    """(user, user + system) seconds of the session's processes."""
    user = total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(rest[3]) == sid:
            user += (int(rest[11]) + int(rest[13])) / TICK
            total += sum(int(x) for x in rest[11:15]) / TICK
    return user, total


def main():
    sid = int(sys.argv[1])
    cmd = sys.argv[2:]
    t0, u0, (su0, s0) = time.monotonic(), machine_user(), session_cpu(sid)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t1, u1, (su1, s1) = time.monotonic(), machine_user(), session_cpu(sid)
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = max(t1 - t0, 1e-6)
    server, wrk = (s1 - s0) / wall, (ru.ru_utime + ru.ru_stime) / wall
    other = max((u1 - u0) - (su1 - su0) - ru.ru_utime, 0.0) / wall
    sys.stdout.write(r.stdout)
    print(f"CPU {server:.2f} {wrk:.2f} {other:.2f}")
    sys.exit(r.returncode)


if __name__ == "__main__":
    main()
