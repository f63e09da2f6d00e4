"""The state store: links, base values, cursors, runs, audit, decisions and dead letters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from connectors.base import Cursor, System, Value
from sync.lock import LockHeld, LockLost, RunLock
from sync.state_codec import decode_fields, encode_fields
from sync.state_dead_letters import (
    add_dead_letters,
    fail_dead_letter,
    resolve_dead_letters,
    resolve_records,
)
from sync.state_errors import (
    StateError,
    is_state_failure,
    refuse_foreign,
    refuse_unusable_file,
    translate,
    where,
)
from sync.state_models import (
    AuditRow,
    BatchCommit,
    DeadLetter,
    DeadLetterFailure,
    DeadLetterPolicy,
    DeadLetterStatus,
    DecisionRow,
    Link,
    RunRow,
    StateCounts,
    new_id,
)
from sync.state_newfile import create_if_missing
from sync.state_rows import (
    audit_from_row,
    audit_row,
    chunks,
    dead_letter_from_row,
    decision_from_row,
    decision_row,
    link_from_row,
    link_row,
    run_from_row,
)
from sync.state_schema import (
    SQLITE_BEGIN_OPTION,
    audit,
    create_state_engine,
    cursors,
    dead_letters,
    decisions,
    links,
    locks,
    migrate,
    runs,
    snapshots,
)

if TYPE_CHECKING:
    from sync.settings import Settings

__all__ = ["LockHeld", "LockLost", "StateError", "StateStore"]


def _now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """The sync state of one pair, in SQLite or PostgreSQL; migrated when opened."""

    def __init__(
        self,
        url: str,
        *,
        pair: str = "default",
        lock_stale_after_s: float = 120.0,
        dead_letter_policy: DeadLetterPolicy | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.url = url
        self.pair = pair
        self.dead_letter_policy = dead_letter_policy or DeadLetterPolicy()
        create_if_missing(url)  # a new file appears whole, never empty (sync/state_newfile.py)
        refuse_unusable_file(url)  # so an empty or foreign file is damage, not a new state
        try:
            self._engine = create_state_engine(url)
        except Exception as exc:
            if is_state_failure(exc):
                raise translate(exc, url) from None
            raise
        try:
            with self._engine.connect() as conn:
                refuse_foreign(conn, url)
            self.schema_version = migrate(self._engine)
        except BaseException as exc:
            self._engine.dispose()
            if is_state_failure(exc):
                raise translate(exc, url) from None
            if isinstance(exc, StateError) and where(url) not in str(exc):
                raise StateError(f"state {where(url)}: {exc}") from None
            raise
        self._lock = RunLock(self._engine, pair, stale_after_s=lock_stale_after_s, clock=clock)

    @classmethod
    def from_settings(cls, settings: Settings) -> StateStore:
        """The store named by the settings (state_url, pair, dead-letter backoff)."""
        policy = DeadLetterPolicy(
            base_delay_s=settings.dead_letter_base_delay_s,
            max_attempts=settings.dead_letter_max_attempts,
        )
        return cls(settings.state_url, pair=settings.pair, dead_letter_policy=policy)

    def close(self) -> None:
        """Release the lock if held and close every connection."""
        try:
            self._lock.release()
        except Exception as exc:
            if is_state_failure(exc):
                raise translate(exc, self.url) from None
            raise
        finally:
            self._engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- lock ---

    @contextmanager
    def lock(self, *, wait_s: float = 0) -> Iterator[None]:
        """Hold the pair's run lock; raises LockHeld if another live run holds it."""
        try:
            self._lock.acquire(wait_s)
        except Exception as exc:
            if is_state_failure(exc):
                raise translate(exc, self.url) from None
            raise
        try:
            yield
        finally:
            self._lock.release()

    @property
    def lock_owner(self) -> str:
        """How this store names itself in the lock row (host:pid:token)."""
        return self._lock.owner

    # --- connections ---

    # A database failure (disk full, corrupted page, lost server) leaves as one StateError.

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self._engine.connect() as conn:
                yield conn
        except Exception as exc:
            if is_state_failure(exc):
                raise translate(exc, self.url) from None
            raise

    def check_writable(self) -> None:
        """Raise StateError now if the state cannot be written (read-only file, disk, rights).

        A write that matches no row still needs write access, so nothing changes when it works.
        """
        with self._write() as conn:
            conn.execute(sa.update(locks).where(sa.false()).values(pair=locks.c.pair))

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # SQLite: take the write lock at BEGIN so a busy database is waited on, not failed.
        options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"}
        try:
            with self._engine.connect().execution_options(**options) as conn, conn.begin():
                yield conn
        except Exception as exc:
            if is_state_failure(exc):
                raise translate(exc, self.url) from None
            raise

    def _upsert(
        self,
        conn: Connection,
        table: sa.Table,
        rows: Sequence[Mapping[str, object]],
        keys: Sequence[str],
        keep: Sequence[str] = (),
    ) -> None:
        """Insert rows, updating every column but ``keys`` and ``keep`` on a key conflict."""
        if not rows:
            return
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(table)
        skip = {*keys, *keep}
        changes = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in skip}
        conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=changes), rows)

    # --- reads for a run ---

    def load_links(self, *, active_only: bool = False) -> list[Link]:
        """Every link of the pair (retired ones too unless ``active_only``)."""
        query = sa.select(links).where(links.c.pair == self.pair)
        if active_only:
            query = query.where(links.c.status == "active")
        with self._read() as conn:
            return [link_from_row(row) for row in conn.execute(query)]

    def load_bases(self, link_ids: Iterable[str]) -> dict[str, dict[str, Value]]:
        """The last synced canonical values of these links (links without one are left out)."""
        ids = sorted(set(link_ids))
        bases: dict[str, dict[str, Value]] = {}
        with self._read() as conn:
            for chunk in chunks(ids):
                query = sa.select(snapshots.c.link_id, snapshots.c.fields).where(
                    snapshots.c.pair == self.pair, snapshots.c.link_id.in_(chunk)
                )
                for link_id, fields in conn.execute(query):
                    bases[link_id] = decode_fields(fields)
        return bases

    def get_cursor(self, system: System, object_type: str) -> Cursor:
        """Where to resume reading; an empty Cursor means read everything."""
        query = sa.select(cursors.c.cursor).where(
            cursors.c.pair == self.pair,
            cursors.c.system == system,
            cursors.c.object_type == object_type,
        )
        with self._read() as conn:
            return Cursor.from_json(conn.execute(query).scalar_one_or_none())

    # --- runs ---

    def start_run(self, *, dry_run: bool, at: datetime | None = None) -> str:
        """Record a new run as running; returns its id."""
        run_id = new_id()
        with self._write() as conn:
            conn.execute(
                runs.insert().values(
                    id=run_id,
                    pair=self.pair,
                    started_at=at or _now(),
                    status="running",
                    dry_run=dry_run,
                    stats={},
                )
            )
        return run_id

    def finish_run(
        self,
        run_id: str,
        status: str,
        stats: Mapping[str, object],
        *,
        at: datetime | None = None,
    ) -> None:
        """Record how a run ended (ok / partial / failed) and its counters (JSON-able)."""
        with self._write() as conn:
            result = conn.execute(
                sa.update(runs)
                .where(runs.c.id == run_id, runs.c.pair == self.pair)
                .values(status=status, finished_at=at or _now(), stats=dict(stats))
            )
            if result.rowcount != 1:
                raise KeyError(f"no run {run_id!r} in pair {self.pair!r}")

    def runs(self, limit: int = 20) -> list[RunRow]:
        """The latest runs, newest first."""
        query = (
            sa.select(runs)
            .where(runs.c.pair == self.pair)
            .order_by(runs.c.started_at.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [run_from_row(row) for row in conn.execute(query)]

    # --- the commit step ---

    def commit_batch(self, batch: BatchCommit) -> None:
        """Write everything one batch changed in ONE transaction: all of it, or nothing."""
        at = batch.at
        with self._write() as conn:
            self._lock.check(conn)
            # Last write of a link id wins; retired rows first so an active link can take over
            # a HubSpot id that a retired one held (uniqueness holds among active links).
            by_id = {link.id: link for link in batch.links}
            ordered = sorted(by_id.values(), key=lambda link: link.status == "active")
            self._upsert(
                conn,
                links,
                [link_row(self.pair, link, at) for link in ordered],
                ["pair", "id"],
                ["created_at"],
            )
            self._upsert(
                conn,
                snapshots,
                [
                    {"link_id": k, "pair": self.pair, "fields": encode_fields(v), "updated_at": at}
                    for k, v in batch.bases.items()
                ],
                ["pair", "link_id"],
            )
            self._upsert(
                conn,
                cursors,
                [
                    {
                        "pair": self.pair,
                        "system": update.system,
                        "object_type": update.object_type,
                        "cursor": update.cursor.to_json(),
                        "updated_at": at,
                    }
                    for update in batch.cursors
                ],
                ["pair", "system", "object_type"],
            )
            if batch.audit:
                rows = [audit_row(self.pair, batch.run_id, e, at) for e in batch.audit]
                conn.execute(audit.insert(), rows)
            if batch.decisions:
                rows = [decision_row(self.pair, batch.run_id, d, at) for d in batch.decisions]
                conn.execute(decisions.insert(), rows)
            policy = self.dead_letter_policy
            add_dead_letters(conn, self.pair, batch.dead_letters, at, policy)
            for failure in batch.dead_letter_failures:
                fail_dead_letter(conn, self.pair, failure, at, policy)
            resolve_dead_letters(conn, self.pair, batch.resolved_dead_letters, at)
            resolve_records(conn, self.pair, batch.resolved_records, at)

    # --- dead letters ---

    def due_dead_letters(self, now: datetime, limit: int = 1000) -> list[DeadLetter]:
        """Pending dead letters whose next attempt is due, oldest due first."""
        query = (
            sa.select(dead_letters)
            .where(
                dead_letters.c.pair == self.pair,
                dead_letters.c.status == "pending",
                dead_letters.c.next_attempt_at <= now,
            )
            .order_by(dead_letters.c.next_attempt_at, dead_letters.c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [dead_letter_from_row(row._asdict()) for row in conn.execute(query)]

    def dead_letter_attempt_failed(
        self,
        dl_id: str,
        now: datetime,
        code: str,
        message: str,
        base_delay_s: float | None = None,
        max_attempts: int | None = None,
    ) -> DeadLetter:
        """Count a failed retry: back off exponentially, discard once ``max_attempts`` is hit."""
        policy = self.dead_letter_policy
        if base_delay_s is not None:
            policy = replace(policy, base_delay_s=base_delay_s)
        if max_attempts is not None:
            policy = replace(policy, max_attempts=max_attempts)
        with self._write() as conn:
            return fail_dead_letter(
                conn, self.pair, DeadLetterFailure(dl_id, code, message), now, policy
            )

    def set_dead_letter_status(self, dl_id: str, status: DeadLetterStatus, now: datetime) -> None:
        """Resolve or discard a dead letter by hand (or put it back to pending, due now)."""
        next_at = now if status == "pending" else None
        with self._write() as conn:
            result = conn.execute(
                sa.update(dead_letters)
                .where(dead_letters.c.pair == self.pair, dead_letters.c.id == dl_id)
                .values(status=status, next_attempt_at=next_at, updated_at=now)
            )
            if result.rowcount != 1:
                raise KeyError(f"no dead letter {dl_id!r} in pair {self.pair!r}")

    def dead_letters(
        self, status: DeadLetterStatus | None = "pending", limit: int = 100
    ) -> list[DeadLetter]:
        """Dead letters of the pair (all statuses when ``status`` is None), newest first."""
        query = sa.select(dead_letters).where(dead_letters.c.pair == self.pair)
        if status is not None:
            query = query.where(dead_letters.c.status == status)
        query = query.order_by(dead_letters.c.updated_at.desc()).limit(limit)
        with self._read() as conn:
            return [dead_letter_from_row(row._asdict()) for row in conn.execute(query)]

    # --- history and status ---

    def audit_for(
        self,
        *,
        link_id: str | None = None,
        record_id: str | None = None,
        run_id: str | None = None,
        field: str | None = None,
        limit: int = 1000,
    ) -> list[AuditRow]:
        """Field-level history, oldest first; ``record_id`` matches either system's id."""
        query = sa.select(audit).where(audit.c.pair == self.pair)
        if link_id is not None:
            query = query.where(audit.c.link_id == link_id)
        if record_id is not None:
            query = query.where(
                sa.or_(audit.c.hubspot_id == record_id, audit.c.salesforce_id == record_id)
            )
        if run_id is not None:
            query = query.where(audit.c.run_id == run_id)
        if field is not None:
            query = query.where(audit.c.field == field)
        query = query.order_by(audit.c.id).limit(limit)
        with self._read() as conn:
            return [audit_from_row(row) for row in conn.execute(query)]

    def decisions_for(
        self, *, link_id: str | None = None, email: str | None = None, limit: int = 100
    ) -> list[DecisionRow]:
        """Stored rule decisions, oldest first."""
        query = sa.select(decisions).where(decisions.c.pair == self.pair)
        if link_id is not None:
            query = query.where(decisions.c.link_id == link_id)
        if email is not None:
            query = query.where(decisions.c.email == email)
        query = query.order_by(decisions.c.id).limit(limit)
        with self._read() as conn:
            return [decision_from_row(row) for row in conn.execute(query)]

    def latest_decisions(self) -> dict[str, DecisionRow]:
        """The newest stored decision of every link (for the report)."""
        newest = (
            sa.select(sa.func.max(decisions.c.id).label("id"))
            .where(decisions.c.pair == self.pair)
            .group_by(decisions.c.link_id)
            .subquery()
        )
        query = sa.select(decisions).join(newest, decisions.c.id == newest.c.id)
        with self._read() as conn:
            rows = [decision_from_row(row) for row in conn.execute(query)]
        return {row.decision.link_id: row for row in rows if row.decision.link_id}

    def counts(self) -> StateCounts:
        """Totals for a status report."""
        with self._read() as conn:
            link_counts: dict[str, int] = dict(
                conn.execute(
                    sa.select(links.c.status, sa.func.count())
                    .where(links.c.pair == self.pair)
                    .group_by(links.c.status)
                ).all()
            )
            dl_counts: dict[str, int] = dict(
                conn.execute(
                    sa.select(dead_letters.c.status, sa.func.count())
                    .where(dead_letters.c.pair == self.pair)
                    .group_by(dead_letters.c.status)
                ).all()
            )
            run_count = conn.execute(
                sa.select(sa.func.count()).select_from(runs).where(runs.c.pair == self.pair)
            ).scalar_one()
        latest = self.runs(limit=1)
        return StateCounts(
            links_active=int(link_counts.get("active", 0)),
            links_retired=int(link_counts.get("retired", 0)),
            dead_letters_pending=int(dl_counts.get("pending", 0)),
            dead_letters_discarded=int(dl_counts.get("discarded", 0)),
            runs=int(run_count),
            last_run=latest[0] if latest else None,
        )
