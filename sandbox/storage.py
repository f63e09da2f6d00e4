"""Record storage for the emulators: in memory, optionally written through to a SQLite file."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

Row = dict[str, Any]


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return {"__dt__": value.isoformat(), "date": not isinstance(value, datetime)}
    raise TypeError(f"cannot store {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> object:
    if "__dt__" in obj:
        if obj.get("date"):
            return date.fromisoformat(obj["__dt__"])
        return datetime.fromisoformat(obj["__dt__"])
    return obj


class RecordStore:
    """Tables of rows keyed by id; ``path`` makes every change durable in SQLite.

    Rows are plain dicts owned by the store: callers mutate a copy and ``put`` it back so the
    write-through sees every change.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._tables: dict[str, dict[str, Row]] = {}
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._defer = False
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS rows"
                " (tbl TEXT, id TEXT, body TEXT, PRIMARY KEY (tbl, id))"
            )
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, body TEXT)")
            for tbl, rid, body in self._db.execute("SELECT tbl, id, body FROM rows"):
                self._tables.setdefault(tbl, {})[rid] = json.loads(body, object_hook=_hook)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Commit once at the end instead of after every write (seeding, big batches)."""
        with self._lock:
            if self._defer:
                yield
                return
            self._defer = True
            try:
                yield
            finally:
                self._defer = False
                if self._db is not None:
                    self._db.commit()

    def _commit(self) -> None:
        if self._db is not None and not self._defer:
            self._db.commit()

    @property
    def persistent(self) -> bool:
        return self._db is not None

    def is_empty(self) -> bool:
        return not any(self._tables.values())

    def table(self, name: str) -> dict[str, Row]:
        """The live table (read-only use; write through ``put``/``delete``)."""
        return self._tables.setdefault(name, {})

    def get(self, name: str, rid: str) -> Row | None:
        return self._tables.get(name, {}).get(rid)

    def rows(self, name: str) -> Iterator[Row]:
        return iter(list(self._tables.get(name, {}).values()))

    def put(self, name: str, rid: str, row: Row) -> None:
        with self._lock:
            self._tables.setdefault(name, {})[rid] = row
            if self._db is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                    (name, rid, json.dumps(row, default=_default)),
                )
                self._commit()

    def put_many(self, name: str, rows: list[tuple[str, Row]]) -> None:
        with self._lock:
            table = self._tables.setdefault(name, {})
            for rid, row in rows:
                table[rid] = row
            if self._db is not None:
                self._db.executemany(
                    "INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                    [(name, rid, json.dumps(row, default=_default)) for rid, row in rows],
                )
                self._commit()

    def delete(self, name: str, rid: str) -> None:
        with self._lock:
            self._tables.get(name, {}).pop(rid, None)
            if self._db is not None:
                self._db.execute("DELETE FROM rows WHERE tbl = ? AND id = ?", (name, rid))
                self._commit()

    def get_meta(self, key: str, default: Any = None) -> Any:
        if self._db is None:
            return self._meta.get(key, default) if hasattr(self, "_meta") else default
        row = self._db.execute("SELECT body FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0], object_hook=_hook) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        if self._db is None:
            if not hasattr(self, "_meta"):
                self._meta: dict[str, Any] = {}
            self._meta[key] = value
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (key, json.dumps(value, default=_default)),
            )
            self._commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
