from datetime import UTC, date, datetime

from connectors.base import Cursor, Value
from sync.state import StateStore
from sync.state_models import AuditEntry, BatchCommit, CursorUpdate, Link

T0 = datetime(2026, 3, 1, tzinfo=UTC)
N = 20_000


def make_links(n: int) -> list[Link]:
    return [
        Link(
            id=f"link-{i:06d}",
            hubspot_id=str(100_000 + i),
            salesforce_id=f"00Q{i:015d}",
            salesforce_type="Lead",
            email=f"lead{i}@example.com",
        )
        for i in range(n)
    ]


def base(i: int) -> dict[str, Value]:
    return {
        "email": f"lead{i}@example.com",
        "first_name": "Ada",
        "last_name": f"Lovelace {i}",
        "company": "Analytical Engines Ltd",
        "lead_status": "Working",
        "original_source": "ORGANIC_SEARCH",
        "annual_revenue": 1_250_000.0,
        "employees": 42,
        "do_not_call": False,
        "converted_date": date(2026, 2, 1),
        "last_activity": datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC),
    }


def test_20000_links_commit_in_batches_and_load(state_url: str) -> None:
    # How fast is measured by bench/state_speed.py, not here.
    batch_size = 200  # what the engine commits after each pushed batch
    links = make_links(N)
    with StateStore(state_url) as store, store.lock():
        run = store.start_run(dry_run=False)
        for start in range(0, N, batch_size):
            chunk = links[start : start + batch_size]
            store.commit_batch(
                BatchCommit(
                    at=T0,
                    run_id=run,
                    links=chunk,
                    bases={x.id: base(start + k) for k, x in enumerate(chunk)},
                    cursors=[CursorUpdate("hubspot", "contact", Cursor(T0, frozenset({"1"})))],
                )
            )
        loaded = store.load_links()
        bases = store.load_bases(x.id for x in loaded)

    assert len(loaded) == N and len(bases) == N
    assert bases["link-012345"] == base(12345)


def test_audit_rows_insert_in_bulk(state_url: str) -> None:
    entries = [
        AuditEntry("lead_status", "New", "Working", "to_hubspot", "two_way", f"link-{i}")
        for i in range(10_000)
    ]
    with StateStore(state_url) as store:
        store.commit_batch(BatchCommit(at=T0, audit=entries))
        assert len(store.audit_for(limit=20_000)) == 10_000
