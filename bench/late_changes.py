"""Late changes: randomized trials of late-visible Salesforce commits and long HubSpot index lags.

Each trial writes a few records on both sides at random moments of a minute (sandbox clock),
with incremental reads (the connectors' ``changes()``) at random moments in between and one
after every write has landed. Salesforce stamps a share of the writes up to ``--late-max-s``
before they become visible (a long transaction); HubSpot's search indexes a share of them up
to ``--lag-max-s`` late. Every write carries a unique marker; each must be read exactly once.
The sandbox clock is moved, nothing sleeps. Run with the look-back the settings default to,
and without it (the old cursors) to show what it catches.

Usage: python bench/late_changes.py [--trials 200] [--seed 9] [--lookback-s 300]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import Cursor  # noqa: E402
from connectors.hubspot import HubSpotConnector  # noqa: E402
from connectors.retry import RetryPolicy  # noqa: E402
from connectors.salesforce import SalesforceConnector  # noqa: E402
from sandbox import Sandbox  # noqa: E402

POOL = 40  # records per side the trials write to
SPAN_S = 60.0  # the writes and intermediate reads of a trial fall within this many seconds


@dataclass
class Tally:
    """What the trials wrote and read."""

    trials: int = 0
    writes: Counter[str] = field(default_factory=Counter)  # side -> writes
    written: dict[str, str] = field(default_factory=dict)  # marker -> side
    reads: Counter[str] = field(default_factory=Counter)  # marker -> times read
    # side -> versions that landed late: stamped before a read already made (Salesforce), or
    # missed by a read after the write (HubSpot)
    late: Counter[str] = field(default_factory=Counter)
    misses: Counter[str] = field(default_factory=Counter)  # side -> markers never read
    doubles: Counter[str] = field(default_factory=Counter)  # side -> markers read twice or more


class Reader:
    """Both connectors with their cursors, reading incrementally like successive runs."""

    def __init__(self, sb: Sandbox, sf_lookback_s: float, hs_lookback_s: float) -> None:
        retry = RetryPolicy(sleep=lambda _s: None)
        self.sf = SalesforceConnector(
            sb.salesforce_url,
            sb.salesforce_session_id,
            ca_path=sb.ca_path,
            retry=retry,
            lookback_s=sf_lookback_s,
        )
        self.hs = HubSpotConnector(
            sb.hubspot_url,
            sb.hubspot_token,
            ca_path=sb.ca_path,
            rate="100000/10s",
            search_per_second=10_000,
            index_delay_s=hs_lookback_s,
            retry=retry,
            clock=sb.ctx.now,  # the search window ends at the sandbox's now
        )
        self.cursors = {"salesforce": Cursor(), "hubspot": Cursor()}

    def read(self) -> dict[str, list[str]]:
        """Markers of the versions each side returns as new, and the cursors moved on."""
        out: dict[str, list[str]] = {}
        for side, connector, object_type, field_name in (
            ("salesforce", self.sf, "Lead", "Title"),
            ("hubspot", self.hs, "contact", "jobtitle"),
        ):
            markers: list[str] = []
            cursor = self.cursors[side]
            for page in connector.changes(object_type, cursor):
                markers.extend(str(r.fields.get(field_name) or "") for r in page.records)
                cursor = page.cursor
            self.cursors[side] = cursor
            out[side] = markers
        return out


def run_trials(
    sb: Sandbox,
    trials: int,
    seed: int,
    *,
    sf_lookback_s: float,
    hs_lookback_s: float,
    late_max_s: float = 120.0,
    lag_max_s: float = 120.0,
) -> Tally:
    """Run the trials against ``sb`` (an empty sandbox); returns what was written and read."""
    rng = random.Random(seed)
    sb.set_faults(
        hubspot_rate="100000/10s",
        hubspot_search_per_second=100_000,
        hubspot_daily_limit=10**9,
        salesforce_daily_limit=10**9,
        hubspot_index_delay_s=1.0,
        salesforce_late_rate=0.0,
        hubspot_index_tail_rate=0.0,
    )
    leads = [
        sb.salesforce.create("Lead", {"LastName": f"Late{i}", "Company": "Trial Co"})
        for i in range(POOL)
    ]
    contacts = [sb.hubspot.create({"email": f"late{i}@trial.example"}) for i in range(POOL)]
    sb.ctx.clock_offset_s += 5.0  # past the index delay of the pool
    reader = Reader(sb, sf_lookback_s, hs_lookback_s)
    reader.read()  # the first (full) reads set the cursors
    sb.set_faults(
        salesforce_late_rate=0.5,
        salesforce_late_max_s=late_max_s,
        hubspot_index_tail_rate=0.5,
        hubspot_index_tail_s=lag_max_s,
        seed=seed,
    )
    tally = Tally()
    for trial in range(trials):
        _one_trial(sb, rng, reader, tally, trial, leads, contacts, max(late_max_s, lag_max_s))
    tally.trials = trials
    for marker, side in tally.written.items():
        if tally.reads[marker] == 0:
            tally.misses[side] += 1
        elif tally.reads[marker] > 1:
            tally.doubles[side] += 1
    return tally


def _one_trial(
    sb: Sandbox,
    rng: random.Random,
    reader: Reader,
    tally: Tally,
    trial: int,
    leads: list[str],
    contacts: list[str],
    settle_s: float,
) -> None:
    base = sb.ctx.clock_offset_s
    events: list[tuple[float, str, str, str]] = []  # (at, kind, side, record id)
    for side, pool in (("salesforce", leads), ("hubspot", contacts)):
        for record_id in rng.sample(pool, rng.randint(1, 4)):
            events.append((rng.uniform(0, SPAN_S), "write", side, record_id))
    for _ in range(rng.randint(1, 3)):
        events.append((rng.uniform(0, SPAN_S), "read", "", ""))
    events.sort()
    events.append((SPAN_S + settle_s + 5.0, "read", "", ""))
    written: dict[str, tuple[str, int]] = {}  # marker -> (side, reads done when written)
    seen_at: dict[str, int] = {}  # marker -> the read that first returned it
    reads_done = 0
    last_read = None
    for n, (at, kind, side, record_id) in enumerate(events):
        sb.ctx.clock_offset_s = base + at
        if kind == "write":
            marker = f"t{trial}-{n}"
            if side == "salesforce":
                sb.salesforce.update("Lead", record_id, {"Title": marker})
                row = sb.salesforce.get("Lead", record_id)
                if row is not None and last_read is not None and row["SystemModstamp"] < last_read:
                    tally.late[side] += 1  # stamped before a read that has already run
            else:
                sb.hubspot.update(record_id, {"jobtitle": marker})
            written[marker] = (side, reads_done)
            tally.writes[side] += 1
            continue
        last_read = sb.ctx.now()
        for markers in reader.read().values():
            for marker in markers:
                tally.reads[marker] += 1  # any trial's marker: a re-read of an old one counts
                seen_at.setdefault(marker, reads_done)
        reads_done += 1
    for marker, (side, reads_before) in written.items():
        tally.written[marker] = side
        if side == "hubspot" and marker in seen_at and seen_at[marker] > reads_before:
            tally.late[side] += 1  # a read after the write missed it; the look-back caught it
    sb.ctx.clock_offset_s = base + SPAN_S + settle_s + 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--lookback-s", type=float, default=300.0)
    args = parser.parse_args()
    failed = False
    for label, sf_lookback, hs_lookback in (
        (
            f"look-back {args.lookback_s:g} s (the settings' default)",
            args.lookback_s,
            args.lookback_s,
        ),
        ("no look-back (before: Salesforce 0 s, HubSpot 5 s)", 0.0, 5.0),
    ):
        with Sandbox(seed=args.seed, leads=0) as sb:
            tally = run_trials(
                sb, args.trials, args.seed, sf_lookback_s=sf_lookback, hs_lookback_s=hs_lookback
            )
        print(f"{label}: {tally.trials} trials")
        for side in ("salesforce", "hubspot"):
            print(
                f"  {side:<10} writes {tally.writes[side]:>4}  landed late {tally.late[side]:>3}"
                f"  misses {tally.misses[side]:>3}  read twice {tally.doubles[side]:>3}"
            )
        if sf_lookback == args.lookback_s and hs_lookback == args.lookback_s:
            failed = sum(tally.misses.values()) + sum(tally.doubles.values()) > 0
    print("RESULT:", "FAIL" if failed else "OK - every change read exactly once with the look-back")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
