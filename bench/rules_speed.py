"""Throughput of mapping + SQL rules: HubSpot properties -> canonical -> decision, one core.

Usage: python bench/rules_speed.py [--count 100000] [--seed 7]

Goal (issue 4): at least 20,000 records a second. Generating the people is not timed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mappings.loader import load_mappings  # noqa: E402
from mappings.rules import decision_fields, evaluate  # noqa: E402
from mappings.transform import from_canonical, to_canonical  # noqa: E402

GOAL = 20_000
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "mappings" / "default"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--mappings", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)

    from sandbox.generator import hubspot_properties
    from sandbox.people import generate_people

    now = datetime(2026, 6, 1, tzinfo=UTC)
    started = time.perf_counter()
    people = generate_people(args.seed, args.count)
    records = [hubspot_properties(p, now) for p in people]
    print(f"generated {len(records):,} HubSpot contacts in {time.perf_counter() - started:.1f} s")

    ms = load_mappings(args.mappings)
    rules = ms.rules
    # Warm-up, untimed: phonenumbers loads each region's metadata on first use (~ms each), once
    # per process; a sync worker pays that once, not per record.
    for props in records[:2_000]:
        evaluate(rules, to_canonical(ms, "hubspot", "contact", props), now)
    # The generated data is setup, not workload: keep the collector from rescanning it.
    gc.freeze()
    # Best of three passes: other processes on a shared machine only ever slow a pass down.
    best_cpu = best_wall = float("inf")
    excluded = 0
    for _ in range(3):
        excluded = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for props in records:
            canonical = to_canonical(ms, "hubspot", "contact", props)
            decision = evaluate(rules, canonical, now)
            excluded += decision.excluded
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    # CPU time is the one-core figure; wall time also counts waiting for a busy machine's cores.
    rate = len(records) / best_cpu
    print(
        f"map + rules:             {best_cpu:6.2f} s CPU  {rate:>9,.0f} records/s"
        f"  (wall {len(records) / best_wall:,.0f}/s; {excluded:,} excluded)"
    )

    cpu = time.process_time()
    for props in records:
        canonical = to_canonical(ms, "hubspot", "contact", props)
        decision = evaluate(rules, canonical, now)
        canonical.update(decision_fields(rules, decision, "salesforce"))
        from_canonical(ms, "salesforce", "Lead", canonical, creating=True)
    cpu = time.process_time() - cpu
    print(
        f"map + rules + outbound:  {cpu:6.2f} s CPU  {len(records) / cpu:>9,.0f} records/s"
        "  (adds the Salesforce Lead write-side translation)"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    verdict = "OK" if rate >= GOAL else "BELOW GOAL"
    print(f"{verdict}: goal {GOAL:,} records/s for map + rules")
    return 0 if rate >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
