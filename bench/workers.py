"""Many pairs on Celery workers: cycles per minute and records per second on 1, 2 and 3 workers.

20 pairs, each its own small sandbox (its own portal and org), every pair due every 5 s, for a
fixed measuring time per worker count. On 3 workers one worker is killed with SIGKILL in the
middle of a cycle: the bench checks that the cycle is redelivered and completes on another
worker, and that no pair's runs overlap (from the runs table). Needs Redis and PostgreSQL.

    .venv/bin/python bench/workers.py [--pairs 20] [--seconds 60] [--leads 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox import Sandbox  # noqa: E402
from workers.localcluster import (  # noqa: E402
    Cluster,
    PairSpec,
    overlaps,
    postgres_problem,
    redis_problem,
    wait_for,
)


def kill_mid_cycle(c: Cluster) -> tuple[str, str] | None:
    """SIGKILL a worker while it holds a pair's lock; returns (worker, pair)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = {r[0] for r in c.runs() if r[1] == "running"}
        for pair in running:
            pid = c.lock_holder_pid(pair)
            for name, proc in c.workers.items():
                if proc.pid == pid:
                    os.kill(pid, signal.SIGKILL)
                    proc.wait()
                    c.workers.pop(name)
                    return name, pair
        time.sleep(0.05)
    return None


def round_(sandboxes: list[Sandbox], workers: int, seconds: float, kill: bool) -> dict[str, object]:
    pairs = [PairSpec(f"p{i:02d}", sb.env(), every="5s") for i, sb in enumerate(sandboxes)]
    with tempfile.TemporaryDirectory() as tmp:
        c = Cluster(Path(tmp), pairs).start()
        try:
            for i in range(workers):
                c.start_worker(f"w{i + 1}")
            c.start_beat()
            wait_for("the first finished cycle", lambda: bool(c.cycles()), 120)
            began = time.monotonic()
            killed = None
            if kill:
                time.sleep(seconds / 3)
                killed = kill_mid_cycle(c)
                c.start_worker(f"w{workers + 1}")  # the machine comes back
            time.sleep(max(0.0, seconds - (time.monotonic() - began)))
            elapsed = time.monotonic() - began
            c.stop_beat()
            cycles = [x for x in c.cycles() if x["status"] == "ok"]
            records = sum(int(x.get("records", 0)) for x in cycles)
            redelivered_ok = False
            if killed:
                wait_for(
                    "the killed cycle completed elsewhere",
                    lambda: any(
                        x["pair"] == killed[1] and x.get("redelivered") and x["status"] == "ok"
                        for x in c.cycles()
                    ),
                    60,
                )
                redelivered_ok = True
            rows = c.runs()
            per_pair = {
                p.name: sum(1 for r in rows if r[0] == p.name and r[1] == "ok") for p in pairs
            }
            return {
                "workers": workers,
                "seconds": round(elapsed, 1),
                "cycles": len(cycles),
                "cycles_per_min": round(len(cycles) * 60 / elapsed, 1),
                "records_per_s": round(records / elapsed, 1),
                "mean_cycle_s": round(
                    sum(float(x["duration_s"]) for x in cycles) / max(1, len(cycles)), 2
                ),
                "pairs_with_runs": sum(1 for n in per_pair.values() if n > 0),
                "min_runs_per_pair": min(per_pair.values()),
                "overlaps": len(overlaps(rows)),
                "interrupted_runs": sum(1 for r in rows if r[1] == "interrupted"),
                "killed": f"{killed[0]} during a cycle of {killed[1]}" if killed else "",
                "killed_cycle_completed_elsewhere": redelivered_ok if kill else "",
            }
        finally:
            c.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--leads", type=int, default=20)
    parser.add_argument("--workers", default="1,2,3")
    args = parser.parse_args()
    for problem in (redis_problem(), postgres_problem()):
        if problem:
            sys.exit(problem)
    sandboxes = [Sandbox(seed=100 + i, leads=args.leads).start() for i in range(args.pairs)]
    try:
        counts = [int(n) for n in args.workers.split(",")]
        for n in counts:
            result = round_(sandboxes, n, args.seconds, kill=n == max(counts))
            print(" ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    finally:
        for sb in sandboxes:
            sb.stop()


if __name__ == "__main__":
    main()
