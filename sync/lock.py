"""The run lock: one sync run per pair at a time, across processes and machines."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from sync.state_schema import SQLITE_BEGIN_OPTION, advisory_key, current_schema, locks

log = logging.getLogger(__name__)


class LockHeld(Exception):
    """Another live run holds the pair's lock."""

    def __init__(self, pair: str, owner: str, since: datetime | None) -> None:
        self.pair = pair
        self.owner = owner
        self.since = since
        when = f" since {since.isoformat(timespec='seconds')}" if since else ""
        super().__init__(f"sync pair {pair!r} is locked by {owner}{when}")


class LockLost(Exception):
    """The run's lock was declared stale and taken by another run; stop writing state."""


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (a zombie counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        # "pid (comm) S ...": the state letter follows the last ")".
        return stat.read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


class RunLock:
    """The lock of one pair: a PostgreSQL advisory lock, or a heartbeat row on SQLite.

    PostgreSQL releases an advisory lock when the holder's session ends, so a killed run never
    blocks the next one. SQLite has no sessions: the holder refreshes a heartbeat, and a row
    whose heartbeat is older than ``stale_after_s``, or whose process is gone from this host,
    is taken over. Both backends keep a row naming the holder, for LockHeld and for fencing.
    """

    def __init__(
        self,
        engine: Engine,
        pair: str,
        *,
        stale_after_s: float = 120.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._clock = clock  # heartbeats and staleness: injected so tests move time, not sleep
        self._pair = pair
        self._stale_after = timedelta(seconds=stale_after_s)
        self._host = socket.gethostname()
        self.owner = f"{self._host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._pg_conn: Connection | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self.held = False

    @property
    def _postgres(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def acquire(self, wait_s: float = 0) -> None:
        """Take the lock, polling up to ``wait_s`` seconds; raises LockHeld if still taken."""
        if self.held:
            raise RuntimeError("lock already held by this store")
        deadline = time.monotonic() + wait_s
        while True:
            try:
                if self._postgres:
                    self._acquire_postgres()
                else:
                    self._acquire_sqlite()
            except LockHeld:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise
                time.sleep(min(0.2, remaining))
                continue
            self.held = True
            return

    def release(self) -> None:
        """Give the lock back (a no-op when not held)."""
        if not self.held:
            return
        self.held = False
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join()
            self._heartbeat = None
        if self._pg_conn is not None:
            conn, self._pg_conn = self._pg_conn, None
            try:
                conn.execute(self._delete_mine())
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self._key(conn)})
                conn.commit()
            except BaseException:
                # Never hand a session that may still hold the lock back to the pool: drop it,
                # and the server releases the lock with it.
                conn.invalidate()
                raise
            finally:
                conn.close()
            return
        with self._write() as conn, conn.begin():
            conn.execute(self._delete_mine())

    def check(self, conn: Connection) -> None:
        """Raise LockLost unless this lock still names us (call inside a write transaction)."""
        if not self.held:
            return
        # FOR SHARE (PostgreSQL): a run taking over must wait until this transaction ends, so
        # the check cannot go stale before our commit. SQLite's BEGIN IMMEDIATE already
        # serialises writers, and it renders no FOR clause.
        query = sa.select(locks.c.owner).where(locks.c.pair == self._pair)
        owner = conn.execute(query.with_for_update(read=True)).scalar_one_or_none()
        if owner != self.owner:
            raise LockLost(f"lock of pair {self._pair!r} now held by {owner or 'nobody'}")

    # --- PostgreSQL ---

    def _key(self, conn: Connection) -> int:
        return advisory_key("run", current_schema(conn), self._pair)

    def _acquire_postgres(self) -> None:
        # A dedicated session: the advisory lock lives exactly as long as it does.
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = conn.execute(
                sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key(conn)}
            ).scalar_one()
            if not got:
                row = conn.execute(sa.select(locks).where(locks.c.pair == self._pair)).first()
                raise LockHeld(
                    self._pair,
                    row.owner if row else "another session",
                    row.acquired_at if row else None,
                )
            # Whatever row is there belongs to a holder whose session is gone.
            conn.execute(sa.delete(locks).where(locks.c.pair == self._pair))
            conn.execute(locks.insert().values(**self._row()))
            conn.commit()  # AUTOCOMMIT already wrote; this ends SQLAlchemy's autobegin
        except LockHeld:
            conn.close()
            raise
        except BaseException:
            conn.invalidate()  # it may hold the advisory lock: must not go back to the pool
            conn.close()
            raise
        self._pg_conn = conn

    # --- SQLite ---

    def _write(self) -> Connection:
        return self._engine.connect().execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})

    def _acquire_sqlite(self) -> None:
        with self._write() as conn, conn.begin():
            row = conn.execute(sa.select(locks).where(locks.c.pair == self._pair)).first()
            if row is not None:
                if not self._stale(row.host, row.pid, row.heartbeat_at):
                    raise LockHeld(self._pair, row.owner, row.acquired_at)
                log.warning("taking over stale lock of pair %r from %s", self._pair, row.owner)
                conn.execute(sa.delete(locks).where(locks.c.pair == self._pair))
            conn.execute(locks.insert().values(**self._row()))
        if not isinstance(self._engine.pool, StaticPool):  # in-memory: no other process
            self._stop.clear()
            self._heartbeat = threading.Thread(
                target=self._beat, name=f"leadsync-lock-{self._pair}", daemon=True
            )
            self._heartbeat.start()

    def _stale(self, host: str, pid: int, heartbeat_at: datetime) -> bool:
        if heartbeat_at < self._clock() - self._stale_after:
            return True
        return host == self._host and not pid_alive(pid)

    def _beat(self) -> None:
        interval = max(self._stale_after.total_seconds() / 4, 0.05)
        while not self._stop.wait(interval):
            try:
                if not self.beat():
                    log.error("lock of pair %r was taken over by another run", self._pair)
                    return
            except sa.exc.SQLAlchemyError as exc:  # a busy database must not kill the run
                log.warning("lock heartbeat failed: %s", exc)

    def beat(self) -> bool:
        """Refresh the heartbeat once (the heartbeat thread's step); False if not ours any more."""
        with self._write() as conn, conn.begin():
            updated = conn.execute(
                sa.update(locks)
                .where(locks.c.pair == self._pair, locks.c.owner == self.owner)
                .values(heartbeat_at=self._clock())
            )
        return bool(updated.rowcount)

    # --- shared ---

    def _row(self) -> dict[str, object]:
        now = self._clock()
        return {
            "pair": self._pair,
            "owner": self.owner,
            "host": self._host,
            "pid": os.getpid(),
            "acquired_at": now,
            "heartbeat_at": now,
        }

    def _delete_mine(self) -> sa.Delete:
        return sa.delete(locks).where(locks.c.pair == self._pair, locks.c.owner == self.owner)
