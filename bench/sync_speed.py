"""Sync throughput and memory: a first sync, a second (no-op) sync and a day's incremental sync.

Usage: python bench/sync_speed.py [--leads 5000] [--latency-ms 0]
Prints wall time, people per second, API calls per system and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sandbox import Sandbox
from sync.runner import run_sync
from sync.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, Sandbox(seed=7, leads=args.leads) as sb:
        env = {k.removeprefix("LEADSYNC_").lower(): v for k, v in sb.env().items()}
        settings = load_settings(**env, state_url=f"sqlite:///{Path(tmp) / 'state.db'}")
        sb.set_faults(latency_ms=args.latency_ms)
        people = len(sb.hubspot.all()) + len(sb.salesforce.all("Lead"))
        people += len(sb.salesforce.all("Contact"))
        print(f"{args.leads} generated people ({people} records), latency {args.latency_ms} ms")
        for label in ("first sync", "second sync (no-op)"):
            t = time.perf_counter()
            r = run_sync(settings).report
            s = time.perf_counter() - t
            writes = r.created.hubspot + r.created.salesforce + r.updated.hubspot
            writes += r.updated.salesforce
            print(
                f"  {label:<22} {s:7.1f} s  {people / s:8.0f} records/s  writes {writes:6d}  "
                f"API calls HubSpot {r.api_calls.hubspot}, Salesforce {r.api_calls.salesforce}"
            )
        sb.simulate_day()
        time.sleep(sb.ctx.faults.hubspot_index_delay_s + 0.2)
        t = time.perf_counter()
        r = run_sync(settings).report
        s = time.perf_counter() - t
        print(
            f"  {'a day later':<22} {s:7.1f} s  pulled {r.pulled.hubspot}/{r.pulled.salesforce}  "
            f"API calls HubSpot {r.api_calls.hubspot}, Salesforce {r.api_calls.salesforce}"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of this process (sandbox included): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
