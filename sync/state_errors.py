"""State store failures as one-line errors naming the file or URL (password hidden) and the fix."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError

SQLITE_HEADER = b"SQLite format 3\x00"
LEADSYNC_TABLES = frozenset({"schema_version", "links"})


class StateError(RuntimeError):
    """The state store cannot be used; the message names the file or URL and what to do."""


def sqlite_path(url: str) -> Path | None:
    """The file of an on-disk SQLite URL (None for PostgreSQL and in-memory databases)."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or "mode=memory" in database:
        return None
    if database.startswith("file:"):
        database = database[len("file:") :].split("?", 1)[0]
    return Path(database).expanduser()


def where(url: str) -> str:
    """The state's location for a message: the SQLite file, or the URL without its password."""
    from sync.settings import mask_url  # settings import the engine's packages; keep it late

    path = sqlite_path(url)
    return str(path) if path is not None else mask_url(url)


def refuse_unusable_file(url: str) -> None:
    """Raise StateError for an existing SQLite file that is empty or not SQLite at all.

    Only a missing file means "new state": an empty or foreign file silently taken for a new
    state would start a full backfill, duplicating records on both sides.
    """
    path = sqlite_path(url)
    if path is None or not path.exists():
        return
    if path.is_dir():
        raise StateError(f"state {path} is a directory; LEADSYNC_STATE_URL must name a file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StateError(f"cannot read state file {path}: {exc.strerror or exc}") from None
    if not header:
        raise StateError(
            f"state file {path} is empty (0 bytes), not a new state: restore it from a backup "
            "(leadsync state backup), or delete it to start over with a full resync"
        )
    if header != SQLITE_HEADER:
        raise StateError(
            f"state file {path} is not an SQLite database (corrupted or another file): restore "
            "it from a backup, or move it away to start over with a full resync"
        )


def refuse_foreign(conn: Connection, url: str) -> None:
    """Raise StateError for an SQLite file holding other tables and none of leadsync's."""
    if conn.dialect.name != "sqlite":
        return  # a PostgreSQL schema may well be shared with other applications
    tables = set(sa.inspect(conn).get_table_names())
    if tables and not tables & LEADSYNC_TABLES:
        shown = ", ".join(sorted(tables)[:5])
        raise StateError(
            f"state file {where(url)} holds other tables ({shown}) and none of leadsync's: "
            "point LEADSYNC_STATE_URL at leadsync's own state file"
        )


_SQLITE_PROBLEMS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("file is not a database", "malformed", "disk i/o error"),
        "is corrupted ({detail}): check it with `leadsync state check`, restore it from a "
        "backup, or move it away to start over with a full resync",
    ),
    (
        ("readonly database", "read-only", "permission denied", "unable to open database"),
        "cannot be written ({detail}): make the file and its directory writable by this user, "
        "or point LEADSYNC_STATE_URL elsewhere",
    ),
    (
        ("database or disk is full", "no space left"),
        "cannot grow: the disk is full ({detail}); free space and run again (the batch in "
        "progress was not committed, nothing is lost)",
    ),
    (
        ("database is locked",),
        "is locked by another process ({detail}); wait for it to finish and run again",
    ),
)


def translate(exc: BaseException, url: str) -> StateError:
    """A database or file-system failure of the state as a StateError with the fix."""
    if isinstance(exc, StateError):
        return exc
    orig = getattr(exc, "orig", None) or exc
    detail = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    try:
        password = sa.make_url(url).password
    except ArgumentError:
        password = None
    if password:
        detail = detail.replace(str(password), "***")
    place = where(url)
    if sqlite_path(url) is not None or isinstance(orig, sqlite3.Error | OSError):
        lowered = detail.lower()
        for needles, template in _SQLITE_PROBLEMS:
            if any(n in lowered for n in needles):
                return StateError(f"state {place} " + template.format(detail=detail))
        return StateError(f"state {place}: {detail}")
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        return StateError(
            f"cannot reach the state database {place} ({detail}): check that it is running "
            "and reachable, and LEADSYNC_STATE_URL"
        )
    return StateError(f"state database {place}: {detail}")


# What translate() handles: database errors and the file system (a read-only directory).
STATE_FAILURES = (sa.exc.DBAPIError, sqlite3.Error, OSError)
# Errors in what leadsync asked for (a broken constraint, bad SQL): bugs, not a broken store.
_OUR_MISTAKES = (
    sa.exc.IntegrityError,
    sa.exc.ProgrammingError,
    sa.exc.DataError,
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
)


def is_state_failure(exc: BaseException) -> bool:
    """Whether ``exc`` says the store itself is unusable (and translate() should word it)."""
    return isinstance(exc, STATE_FAILURES) and not isinstance(exc, _OUR_MISTAKES)
