"""A broken state is one StateError naming the file and the fix, never a reset or a traceback."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from sync.state import StateError, StateStore
from sync.state_admin import backup_state, check_state
from sync.state_errors import translate
from sync.state_models import BatchCommit, Link

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def good_state(path: Path) -> str:
    url = f"sqlite:///{path}"
    with StateStore(url) as store:
        store.commit_batch(
            BatchCommit(
                run_id="r1",
                at=T0,
                links=[Link(id="l1", hubspot_id="1", salesforce_id=None, email="a@example.com")],
            )
        )
    return url


def test_zero_length_file_is_refused_not_reset(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.touch()
    with pytest.raises(StateError, match="empty") as caught:
        StateStore(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert path.stat().st_size == 0  # left alone


def test_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StateError, match="none of leadsync's") as caught:
        StateStore(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    with sqlite3.connect(path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"invoices"}


def test_missing_file_is_a_new_state(tmp_path: Path) -> None:
    with StateStore(f"sqlite:///{tmp_path / 'new' / 'state.db'}") as store:
        assert store.load_links() == []


@pytest.mark.parametrize("keep", [0.3, 0.6])
def test_truncated_file_is_reported_as_corrupted(tmp_path: Path, keep: float) -> None:
    path = tmp_path / "state.db"
    good_state(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with (
        pytest.raises(StateError, match="corrupted") as caught,
        StateStore(f"sqlite:///{path}") as s,
    ):
        s.load_links()
    assert str(path) in str(caught.value)


def test_garbage_file_is_reported_as_corrupted(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"not a database at all\n" * 100)
    with pytest.raises(StateError, match="not an SQLite database"):
        StateStore(f"sqlite:///{path}")


def test_read_only_state_names_the_file_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    good_state(path)
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(StateError, match="cannot be written") as caught, StateStore(url) as store:
        store.start_run(dry_run=False, at=T0)
    assert str(path) in str(caught.value) and "writable" in str(caught.value)


def test_disk_full_during_a_commit_is_one_state_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    url = good_state(path)
    with StateStore(url) as store:
        # SQLite's page cap answers exactly like a full disk (SQLITE_FULL).
        sa.event.listen(
            store._engine,
            "connect",
            lambda conn, _rec: conn.execute("PRAGMA max_page_count = 1"),
        )
        store._engine.dispose()
        links = [Link(f"l{i}", str(i), None, email=f"p{i}@x.io") for i in range(2000)]
        with pytest.raises(StateError, match="disk is full") as caught:
            store.commit_batch(BatchCommit(run_id="r2", at=T0, links=links))
    assert str(path) in str(caught.value)
    assert "nothing is lost" in str(caught.value)


def test_unreachable_postgresql_masks_the_password() -> None:
    url = "postgresql://leadsync:hunter2@127.0.0.1:1/state?connect_timeout=2"
    with pytest.raises(StateError, match="cannot reach") as caught:
        StateStore(url)
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)


def test_translate_never_leaks_the_password_from_a_driver_message() -> None:
    url = "postgresql://u:s3cr3t@db.example:5432/x"
    error = sa.exc.OperationalError("connect", {}, Exception("password s3cr3t rejected"))
    assert "s3cr3t" not in str(translate(error, url))


def test_check_reports_ok_and_problems(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    url = good_state(path)
    health = check_state(url)
    assert health.ok and "intact" in health.message
    missing = check_state(f"sqlite:///{tmp_path / 'none.db'}")
    assert not missing.ok and "no state file" in missing.message
    assert not (tmp_path / "none.db").exists()  # a check creates nothing
    path.write_bytes(path.read_bytes()[:2000])
    broken = check_state(url)
    assert not broken.ok and str(path) in broken.message


def test_backup_is_a_consistent_copy_while_a_writer_holds_the_database(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    url = good_state(path)
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # a run mid-batch holds the write lock
        writer.execute("UPDATE links SET email = 'uncommitted@x.io'")
        out = backup_state(url, tmp_path / "copy.db")
        writer.execute("ROLLBACK")
    finally:
        writer.close()
    with StateStore(f"sqlite:///{out}") as copy:
        assert [link.email for link in copy.load_links()] == ["a@example.com"]


def test_backup_refuses_postgresql_and_existing_targets(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="pg_dump") as caught:
        backup_state("postgresql://u:pw@h/db", tmp_path / "x.db")
    assert "pw@" not in str(caught.value)
    url = good_state(tmp_path / "state.db")
    (tmp_path / "taken.db").write_text("keep me")
    with pytest.raises(StateError, match="exists"):
        backup_state(url, tmp_path / "taken.db")
    assert (tmp_path / "taken.db").read_text() == "keep me"
