import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.state import StateStore
from sync.state_models import BatchCommit, Link
from sync.state_schema import (
    LATEST_VERSION,
    MIGRATIONS,
    create_state_engine,
    current_version,
    metadata,
    migrate,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def columns_in_db(url: str) -> dict[str, set[str]]:
    engine = create_state_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {t: {c["name"] for c in inspector.get_columns(t)} for t in metadata.tables}
    finally:
        engine.dispose()


def indexes_in_db(url: str) -> dict[str, set[str]]:
    engine = create_state_engine(url)
    try:
        inspector = sa.inspect(engine)
        return {t: {str(i["name"]) for i in inspector.get_indexes(t)} for t in metadata.tables}
    finally:
        engine.dispose()


EXPECTED_COLUMNS = {name: {c.name for c in t.columns} for name, t in metadata.tables.items()}
EXPECTED_INDEXES = {name: {str(i.name) for i in t.indexes} for name, t in metadata.tables.items()}


def test_versions_are_ordered() -> None:
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert MIGRATIONS[-1].version == LATEST_VERSION


def test_fresh_database_matches_the_model(state_url: str) -> None:
    with StateStore(state_url) as store:
        assert store.schema_version == LATEST_VERSION
    assert columns_in_db(state_url) == EXPECTED_COLUMNS
    assert indexes_in_db(state_url) == EXPECTED_INDEXES


def test_upgrade_from_version_1_keeps_data(state_url: str) -> None:
    engine = create_state_engine(state_url)
    assert migrate(engine, target=1) == 1
    with engine.begin() as conn:
        assert current_version(conn) == 1
        assert "reason" not in {c["name"] for c in sa.inspect(conn).get_columns("links")}
        assert not sa.inspect(conn).has_table("locks")
        conn.execute(
            sa.text(
                "INSERT INTO links (id, pair, hubspot_id, salesforce_id, salesforce_type,"
                " email, status, created_at, updated_at) VALUES ('old', 'default', '7', '00Q7',"
                " 'Lead', 'a@b.c', 'retired', :t, :t)"
            ),
            {"t": T0.replace(tzinfo=None)},
        )
    engine.dispose()

    with StateStore(state_url) as store:
        assert store.schema_version == LATEST_VERSION
        [old] = store.load_links()
        assert (old.id, old.hubspot_id, old.status, old.reason) == ("old", "7", "retired", "")
        assert old.created_at == T0
        # v2 lets an active link take the HubSpot id of a retired one, and adds the lock table.
        store.commit_batch(BatchCommit(at=T0, links=[Link("new", "7", "00Q8")]))
        with store.lock():
            pass
    assert columns_in_db(state_url) == EXPECTED_COLUMNS
    assert indexes_in_db(state_url) == EXPECTED_INDEXES


def test_reopening_applies_nothing_twice(state_url: str) -> None:
    StateStore(state_url).close()
    StateStore(state_url).close()
    engine = create_state_engine(state_url)
    with engine.connect() as conn:
        versions = conn.execute(sa.text("SELECT version FROM schema_version")).scalars().all()
    engine.dispose()
    assert sorted(versions) == [m.version for m in MIGRATIONS]


def test_newer_schema_is_refused(state_url: str) -> None:
    StateStore(state_url).close()
    engine = create_state_engine(state_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO schema_version (version, description, applied_at)"
                " VALUES (:v, 'from the future', :t)"
            ),
            {"v": LATEST_VERSION + 1, "t": T0.replace(tzinfo=None)},
        )
    engine.dispose()
    with pytest.raises(RuntimeError, match="newer than this leadsync"):
        StateStore(state_url)


def test_failed_migration_leaves_the_old_version(
    state_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_state_engine(state_url)
    migrate(engine, target=1)

    def broken(conn: sa.Connection) -> None:
        conn.execute(sa.text("ALTER TABLE links ADD COLUMN half_done INTEGER"))
        raise RuntimeError("migration bug")

    import sync.state_schema as schema

    step = schema.Migration(2, "broken", broken)
    monkeypatch.setattr(schema, "MIGRATIONS", (MIGRATIONS[0], step))
    with pytest.raises(RuntimeError, match="migration bug"):
        migrate(engine)
    with engine.connect() as conn:
        assert current_version(conn) == 1
        # DDL is transactional on both backends here, so the half-done change is gone too.
        assert "half_done" not in {c["name"] for c in sa.inspect(conn).get_columns("links")}
    engine.dispose()


OPEN = (
    "import sys; from sync.state import StateStore; print(StateStore(sys.argv[1]).schema_version)"
)


def test_concurrent_first_open(state_url: str) -> None:
    children = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, state_url],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=60) for child in children]
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        assert out.strip() == str(LATEST_VERSION)
    assert columns_in_db(state_url) == EXPECTED_COLUMNS


def test_plain_postgresql_url_uses_psycopg3(pg_url: str) -> None:
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    engine = create_state_engine(plain)
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
    with StateStore(plain) as store:
        assert store.schema_version == LATEST_VERSION
