"""`leadsync state check` and `state backup`: the state's health, and a consistent copy of it."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from sync.state_errors import (
    STATE_FAILURES,
    StateError,
    refuse_unusable_file,
    sqlite_path,
    translate,
    where,
)
from sync.state_schema import LATEST_VERSION, create_state_engine, current_version


@dataclass(frozen=True)
class StateHealth:
    """The answer of a state check: ok or not, and one line saying why."""

    ok: bool
    message: str


def _version_health(version: int, place: str) -> StateHealth:
    if version > LATEST_VERSION:
        return StateHealth(
            False,
            f"state {place} has schema version {version}, newer than this leadsync "
            f"({LATEST_VERSION}): upgrade leadsync",
        )
    if version < LATEST_VERSION:
        return StateHealth(
            True,
            f"state {place} is intact, schema version {version} (the next run upgrades it "
            f"to {LATEST_VERSION})",
        )
    return StateHealth(True, f"state {place} is intact, schema version {version}")


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_state(url: str) -> StateHealth:
    """SQLite: the file's integrity and leadsync's schema; PostgreSQL: reachable, schema version.

    Never creates or changes anything: checking a missing file does not make a new state.
    """
    path = sqlite_path(url)
    try:
        if path is not None:
            return _check_sqlite(path)
        engine = create_state_engine(url)
        try:
            with engine.connect() as conn:
                if not sa.inspect(conn).has_table("schema_version"):
                    return StateHealth(
                        False,
                        f"state database {where(url)} has no leadsync schema yet "
                        "(a first sync creates it)",
                    )
                return _version_health(current_version(conn), where(url))
        finally:
            engine.dispose()
    except StateError as exc:
        return StateHealth(False, str(exc))
    except STATE_FAILURES as exc:
        return StateHealth(False, str(translate(exc, url)))


def _check_sqlite(path: Path) -> StateHealth:
    if not path.exists():
        return StateHealth(False, f"no state file at {path} (a first sync creates it)")
    refuse_unusable_file(f"sqlite:///{path}")
    db = _read_only(path)
    try:
        problems = [str(row[0]) for row in db.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            shown = "; ".join(problems[:3])
            return StateHealth(
                False,
                f"state {path} is corrupted ({shown}): restore it from a backup, or move "
                "it away to start over with a full resync",
            )
        tables = {
            str(r[0]) for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "schema_version" not in tables:
            return StateHealth(False, f"state {path} holds no leadsync tables")
        version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        return _version_health(int(version or 0), str(path))
    finally:
        db.close()


def backup_state(url: str, out: Path) -> Path:
    """Copy the SQLite state to ``out`` with SQLite's online backup (consistent mid-run).

    PostgreSQL has its own tools: pg_dump makes a consistent copy while leadsync runs.
    """
    path = sqlite_path(url)
    if path is None:
        raise StateError(
            f"state {where(url)} is not an SQLite file: back up PostgreSQL with pg_dump "
            "(pg_dump --format=custom --file=leadsync.dump <database>)"
        )
    if not path.exists():
        raise StateError(f"no state file at {path}: nothing to back up")
    refuse_unusable_file(url)
    out = Path(out)
    if out.exists():
        raise StateError(f"backup target {out} exists already: choose another --out")
    try:
        source = _read_only(path)
    except sqlite3.Error as exc:
        raise translate(exc, url) from None
    try:
        try:
            target = sqlite3.connect(out)
        except sqlite3.Error as exc:
            raise StateError(f"cannot write backup {out}: {exc}") from None
        try:
            source.backup(target)
            (check,) = target.execute("PRAGMA quick_check").fetchone()
        except sqlite3.Error as exc:
            target.close()
            out.unlink(missing_ok=True)
            raise StateError(f"backup of {path} to {out} failed: {exc}") from None
        target.close()
    finally:
        source.close()
    if check != "ok":
        raise StateError(f"backup {out} of {path} fails its check ({check})")
    return out
