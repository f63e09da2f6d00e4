"""A new SQLite state file appears whole: built under a temporary name, then linked into place.

SQLite creates a database file empty (0 bytes) when it is opened and writes the header only with
the first transaction. A second process opening the same new path in that moment would find an
empty file, which leadsync rightly refuses as a damaged state (an empty file taken for a new state
would start a full backfill). Building the new state beside the target and linking it into place
with ``os.link`` (atomic, and it never replaces an existing file) means the path is either
missing or a complete, migrated database: two first runs at once both succeed, one of them wins
the link, and the other opens the winner's file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from sync.state_errors import sqlite_path


def create_if_missing(url: str) -> None:
    """Create and migrate the SQLite state file of ``url`` if it does not exist yet."""
    path = sqlite_path(url)
    if path is None or path.exists():
        return
    from sync.state_schema import create_state_engine, migrate  # the schema imports this module

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
    engine = create_state_engine(f"sqlite:///{temporary}")
    try:
        migrate(engine)
    finally:
        engine.dispose()  # the last connection closes: the WAL is checkpointed into the file
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process created it first; its file is complete, use it
    except OSError:
        # A file system without hard links: a rename is atomic too (it could replace a file
        # created in the same instant, which is as new and as empty of links as ours).
        if not path.exists():
            os.replace(temporary, path)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
