"""Idle CPU: each service, the broker and the database with nothing to do, beside a bare nameko process.

    make bench-idle     (or: .venv/bin/python bench/bench_idle.py [--settle S] [--seconds S])

Two private copies of the platform (bench/private_stack.py), one after the other: first with the
consumers' fetch wait fixed at 10 ms (CONSUMER_FETCH_WAIT_MAX_MS=10, the behaviour before issue 17),
then with the adaptive wait (the defaults). In each, once every service answers /health, nothing is
sent for ``--settle`` seconds, then the CPU time (user + system, all threads, /proc/<pid>/stat) of
every process is read over ``--seconds`` seconds. The baseline is bench/bare_service.py, a bare nameko
process of the same run. Prints figures, asserts nothing.
"""
import argparse
import os
import time
from pathlib import Path

from private_stack import PrivateStack, machine

TICKS = os.sysconf("SC_CLK_TCK")
ROWS = ["registry", "transactions", "finance", "talent", "metrics", "bare", "kafka", "mongo"]
LABELS = {"bare": "bare nameko (baseline)", "kafka": "broker (Tansu)", "mongo": "database (SecantusDB)"}


def cpu_seconds(pid):
    """User + system CPU seconds of a process and its threads; fields 14, 15 of /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def idle_cpu(extra_env, settle, seconds):
    with PrivateStack(extra_env=extra_env) as stack:
        time.sleep(settle)
        pids = {name: stack.pid(name) for name in ROWS}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        start = time.monotonic()
        time.sleep(seconds)
        elapsed = time.monotonic() - start
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        return {name: 100 * (after[name] - before[name]) / elapsed for name in ROWS}, os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--settle", type=float, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(machine())
    fixed, load_fixed = idle_cpu({"CONSUMER_FETCH_WAIT_MAX_MS": "10"}, args.settle, args.seconds)
    adaptive, load_adaptive = idle_cpu({}, args.settle, args.seconds)
    print(f"\nidle CPU, % of one core over {args.seconds:.0f} s after {args.settle:.0f} s of quiet "
          f"(load average {load_fixed:.1f} / {load_adaptive:.1f} at the end of each run)")
    print(f"  {'process':26} {'fixed 10 ms wait':>17} {'adaptive wait':>14} {'adaptive / bare':>16}")
    tick = 100 / TICKS / args.seconds  # one clock tick over the measured span, in % of a core
    bare = adaptive["bare"]
    for name in ROWS:
        # a bare process that used no tick at all is counted as one: the ratio is then a lower bound
        ratio = f"{adaptive[name] / max(bare, tick):.1f}×" if bare > 0 else f"≥ {adaptive[name] / tick:.0f}×"
        print(f"  {LABELS.get(name, name):26} {fixed[name]:16.2f}% {adaptive[name]:13.2f}% {ratio:>16}")
    print(f"  (resolution: one clock tick = {tick:.2f}% over {args.seconds:.0f} s)")


if __name__ == "__main__":
    main()
