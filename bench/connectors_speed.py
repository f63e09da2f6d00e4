"""Connector throughput against the sandbox at 50 ms added latency and HubSpot's 190/10 s limit.

Prints, per side, read and write records/s and the API calls spent per 1,000 records against
the minimum the batch / page sizes allow. Usage: python bench/connectors_speed.py [--records N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import ApiUsage, Cursor, WriteOp  # noqa: E402
from connectors.hubspot import HubSpotConnector  # noqa: E402
from connectors.salesforce import SalesforceConnector  # noqa: E402
from sandbox import Sandbox  # noqa: E402

ROWS: list[tuple[str, str, int, float, float, float, float]] = []


def measure(
    side: str,
    what: str,
    n: int,
    per_call: int,
    usage: Callable[[], ApiUsage],
    fn: Callable[[], int],
) -> None:
    before = usage().calls
    start = time.perf_counter()
    count = fn()
    elapsed = time.perf_counter() - start
    calls = usage().calls - before
    assert count == n, f"{side} {what}: {count} records, expected {n}"
    ROWS.append(
        (
            side,
            what,
            n,
            elapsed,
            n / elapsed,
            calls * 1000 / n,
            1000 / per_call if per_call else 0.0,
        )
    )


def read_all(pages) -> int:
    return sum(len(page.records) for page in pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    n = args.records
    with Sandbox(seed=7, leads=0) as sb:
        sb.set_faults(latency_ms=args.latency_ms, hubspot_rate="190/10s")
        start = datetime.now(UTC) - timedelta(seconds=5)

        hs = HubSpotConnector(
            sb.hubspot_url, sb.hubspot_token, ca_path=sb.ca_path, index_delay_s=2.0
        )
        hs.describe("contact")
        ops = [
            WriteOp(
                "contact",
                {"firstname": f"B{i}", "company": "Bench"},
                external_id=f"b{i}@bench.example",
                ref=str(i),
            )
            for i in range(n)
        ]
        measure(
            "hubspot",
            "write (batch upsert)",
            n,
            100,
            hs.usage,
            lambda: sum(r.ok for r in hs.write(ops)),
        )
        time.sleep(1.2)  # the sandbox's search index delay
        measure(
            "hubspot",
            "read (search, incremental)",
            n,
            200,
            hs.usage,
            lambda: read_all(hs.changes("contact", Cursor(value=start))),
        )
        measure(
            "hubspot",
            "read (list, full)",
            n,
            100,
            hs.usage,
            lambda: read_all(hs.changes("contact", Cursor(), full=True)),
        )

        sf = SalesforceConnector(
            sb.salesforce_url, sb.salesforce_session_id, ca_path=sb.ca_path, bulk_threshold=10**9
        )
        sf.describe("Lead")
        leads = [
            WriteOp(
                "Lead", {"LastName": f"B{i}", "Company": "Bench"}, external_id=f"b{i}", ref=str(i)
            )
            for i in range(n)
        ]
        measure(
            "salesforce",
            "write (composite upsert)",
            n,
            200,
            sf.usage,
            lambda: sum(r.ok for r in sf.write(leads)),
        )
        bulk = SalesforceConnector(
            sb.salesforce_url, sb.salesforce_session_id, ca_path=sb.ca_path, bulk_threshold=1
        )
        updates = [
            WriteOp("Lead", {"Title": "Bench"}, external_id=f"b{i}", ref=str(i)) for i in range(n)
        ]
        measure(
            "salesforce",
            "write (Bulk 2.0 upsert)",
            n,
            0,  # a job, not a batch size: no per-record minimum
            bulk.usage,
            lambda: sum(r.ok for r in bulk.write(updates)),
        )
        measure(
            "salesforce",
            "read (queryAll, incremental)",
            n,
            2000,
            sf.usage,
            lambda: read_all(sf.changes("Lead", Cursor(value=start))),
        )
        print(f"\nsandbox latency {args.latency_ms:.0f} ms, HubSpot limit 190/10s, {n:,} records\n")
        print(
            f"{'side':<11}{'operation':<30}{'seconds':>9}{'records/s':>11}{'calls/1k':>10}{'min/1k':>8}"
        )
        for side, what, _, elapsed, rate, per_k, minimum in ROWS:
            floor = f"{minimum:.1f}" if minimum else "job"
            print(f"{side:<11}{what:<30}{elapsed:>9.1f}{rate:>11.0f}{per_k:>10.1f}{floor:>8}")
        waited = hs.limiter.waited_s
        print(
            f"\nHubSpot limiter waits: {waited:.1f} s; retries hubspot={hs.usage().retries} "
            f"salesforce={sf.usage().retries + bulk.usage().retries} (429s are retried)"
        )


if __name__ == "__main__":
    main()
