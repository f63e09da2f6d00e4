"""The engine's yardstick (issue 10): a first and a second sync, leadsync in its own process.

Usage: python bench/first_sync.py [--leads 10000] [--latency-ms 0]

The sandbox runs in this process; `leadsync sync` runs as a child process, so the peak RSS
printed is leadsync's alone (the sandbox's records do not count). Printed per sync: wall time,
API calls per system and per endpoint, the HubSpot rate-limit bound (HubSpot calls / 19 per
second: the 190 calls per 10 s limit) and how far the run is from it, the child's peak RSS,
and for the second sync how many records were read back and written.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sandbox import Sandbox  # noqa: E402

HUBSPOT_CALLS_PER_S = 19.0  # 190 per 10 s


def run_child(env: dict[str, str]) -> tuple[float, float, str]:
    """Run `leadsync sync` in a child; its wall time, peak RSS (MB) and last output lines."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sync", "sync"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"leadsync sync failed ({done.returncode}):\n{done.stderr[-2000:]}")
    # ru_maxrss of children is the largest child so far: only a new maximum is this run's own.
    rss_mb = max(peak, before) / 1024
    tail = "\n".join((done.stdout or "").strip().splitlines()[-3:])
    return seconds, rss_mb, tail


def calls_by_endpoint(sb: Sandbox) -> dict[str, Counter[str]]:
    return {system: Counter(c) for system, c in sb.api_calls().items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, Sandbox(seed=args.seed, leads=args.leads) as sb:
        hubspot = len(sb.hubspot.all())
        salesforce = len(sb.salesforce.all("Lead")) + len(sb.salesforce.all("Contact"))
        env = {**os.environ, **sb.env(), "LEADSYNC_STATE_URL": f"sqlite:///{tmp}/state.db"}
        env.pop("LEADSYNC_SANDBOX_CLOCK_OFFSET_S", None)
        sb.set_faults(latency_ms=args.latency_ms)
        print(
            f"{hubspot} HubSpot contacts + {salesforce} Salesforce Leads/Contacts, "
            f"latency {args.latency_ms:g} ms per call"
        )
        for label in ("first sync", "second sync"):
            sb.reset_api_calls()
            seconds, rss_mb, tail = run_child(env)
            calls = calls_by_endpoint(sb)
            hs = sum(calls.get("hubspot", Counter()).values())
            sf = sum(calls.get("salesforce", Counter()).values())
            bound = hs / HUBSPOT_CALLS_PER_S
            ratio = seconds / bound if bound else float("nan")
            print(
                f"  {label}: {seconds:.1f} s, API calls HubSpot {hs}, Salesforce {sf}; "
                f"HubSpot limit bound {bound:.1f} s ({ratio:.2f}x); peak RSS so far {rss_mb:.0f} MB"
            )
            for system in ("hubspot", "salesforce"):
                top = calls.get(system, Counter()).most_common(6)
                print(f"    {system}: " + ", ".join(f"{n} {k}" for k, n in top))
            if tail:
                print("    " + tail.replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
