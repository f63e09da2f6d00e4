"""State store speed: 20,000 links committed in engine-sized batches, loaded back, audit rows.

Usage: python bench/state_speed.py [--url sqlite:///tmp/x.db | postgresql://postgres@127.0.0.1/test]
Without --url it measures a temporary SQLite file, and PostgreSQL on 127.0.0.1:5432 if it answers.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from connectors.base import Cursor, Value
from sync.state import StateStore
from sync.state_models import AuditEntry, BatchCommit, CursorUpdate, Link
from sync.state_schema import metadata

T0 = datetime(2026, 3, 1, tzinfo=UTC)
N = 20_000
BATCH = 200


def base(i: int) -> dict[str, Value]:
    return {
        "email": f"lead{i}@example.com",
        "first_name": "Ada",
        "last_name": f"Lovelace {i}",
        "company": "Analytical Engines Ltd",
        "lead_status": "Working - Contacted",
        "original_source": "Organic Search",
        "converted": False,
    }


def measure(url: str, pair: str) -> None:
    links = [
        Link(f"link-{i:06d}", str(100_000 + i), f"00Q{i:015d}", "Lead", f"lead{i}@example.com")
        for i in range(N)
    ]
    with StateStore(url, pair=pair) as store, store.lock():
        run = store.start_run(dry_run=False)
        t = time.perf_counter()
        for start in range(0, N, BATCH):
            chunk = links[start : start + BATCH]
            store.commit_batch(
                BatchCommit(
                    at=T0,
                    run_id=run,
                    links=chunk,
                    bases={x.id: base(start + k) for k, x in enumerate(chunk)},
                    cursors=[CursorUpdate("hubspot", "contact", Cursor(T0, frozenset({"1"})))],
                )
            )
        commit_s = time.perf_counter() - t
        t = time.perf_counter()
        loaded = store.load_links()
        store.load_bases(x.id for x in loaded)
        load_s = time.perf_counter() - t
        entries = [
            AuditEntry("lead_status", "Open", "Working", "to_hubspot", "prefer_salesforce", f"l{i}")
            for i in range(10_000)
        ]
        t = time.perf_counter()
        store.commit_batch(BatchCommit(at=T0, audit=entries))
        audit_s = time.perf_counter() - t
    _forget(url, pair)
    kind = url.split(":", 1)[0]
    print(
        f"{kind:<12} commit {N} links in batches of {BATCH}: {commit_s:5.2f} s "
        f"({commit_s / (N / 10_000):.2f} s per 10,000); load links + bases: {load_s:5.2f} s; "
        f"10,000 audit rows: {audit_s:4.2f} s"
    )


def _forget(url: str, pair: str) -> None:
    """Remove the benchmark's rows: the database may be a shared one."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if "pair" in table.c:
                conn.execute(table.delete().where(table.c.pair == pair))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    args = parser.parse_args()
    pair = f"bench-{uuid.uuid4().hex[:8]}"
    if args.url:
        measure(args.url, pair)
        return
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{tmp}/state.db", pair)
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    try:
        sa.create_engine(pg).connect().close()
    except sa.exc.OperationalError:
        print("postgresql   not answering on 127.0.0.1:5432: skipped")
        return
    measure(pg, pair)


if __name__ == "__main__":
    main()
