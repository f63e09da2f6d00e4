"""The state store: links, base values, cursors, runs, audit, decisions and dead letters."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from connectors.base import Cursor, System, Value
from sync.lock import LockHeld, LockLost, RunLock
from sync.state_codec import decode_fields, decode_value, encode_fields, encode_value
from sync.state_models import (
    AuditEntry,
    AuditRow,
    BatchCommit,
    DeadLetter,
    DeadLetterFailure,
    DeadLetterPolicy,
    DeadLetterStatus,
    Decision,
    DecisionRow,
    Link,
    NewDeadLetter,
    Reason,
    RunRow,
    StateCounts,
    new_id,
)
from sync.state_schema import (
    SQLITE_BEGIN_OPTION,
    audit,
    create_state_engine,
    cursors,
    dead_letters,
    decisions,
    links,
    migrate,
    runs,
    snapshots,
)

if TYPE_CHECKING:
    from sync.settings import Settings

__all__ = ["LockHeld", "LockLost", "StateStore"]

_IN_CHUNK = 2000  # ids per IN (...) list: well under every backend's parameter limit


def _chunks(items: Sequence[str], size: int = _IN_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class StateStore:
    """The sync state of one pair, in SQLite or PostgreSQL; migrated when opened."""

    def __init__(
        self,
        url: str,
        *,
        pair: str = "default",
        lock_stale_after_s: float = 120.0,
        dead_letter_policy: DeadLetterPolicy | None = None,
    ) -> None:
        self.url = url
        self.pair = pair
        self.dead_letter_policy = dead_letter_policy or DeadLetterPolicy()
        self._engine = create_state_engine(url)
        self.schema_version = migrate(self._engine)
        self._lock = RunLock(self._engine, pair, stale_after_s=lock_stale_after_s)

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
        self._lock.release()
        self._engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- lock ---

    @contextmanager
    def lock(self, *, wait_s: float = 0) -> Iterator[None]:
        """Hold the pair's run lock; raises LockHeld if another live run holds it."""
        self._lock.acquire(wait_s)
        try:
            yield
        finally:
            self._lock.release()

    @property
    def lock_owner(self) -> str:
        """How this store names itself in the lock row (host:pid:token)."""
        return self._lock.owner

    # --- connections ---

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._engine.connect() as conn:
            yield conn

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # SQLite: take the write lock at BEGIN so a busy database is waited on, not failed.
        options = {SQLITE_BEGIN_OPTION: "IMMEDIATE"}
        with self._engine.connect().execution_options(**options) as conn, conn.begin():
            yield conn

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
            return [_link(row) for row in conn.execute(query)]

    def load_bases(self, link_ids: Iterable[str]) -> dict[str, dict[str, Value]]:
        """The last synced canonical values of these links (links without one are left out)."""
        ids = sorted(set(link_ids))
        bases: dict[str, dict[str, Value]] = {}
        with self._read() as conn:
            for chunk in _chunks(ids):
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
            return [_run(row) for row in conn.execute(query)]

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
                [self._link_row(link, at) for link in ordered],
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
                conn.execute(audit.insert(), [self._audit_row(e, batch) for e in batch.audit])
            if batch.decisions:
                conn.execute(
                    decisions.insert(), [self._decision_row(d, batch) for d in batch.decisions]
                )
            self._add_dead_letters(conn, batch.dead_letters, at)
            for failure in batch.dead_letter_failures:
                self._fail_dead_letter(conn, failure, at, self.dead_letter_policy)
            for chunk in _chunks(list(batch.resolved_dead_letters)):
                conn.execute(
                    sa.update(dead_letters)
                    .where(dead_letters.c.pair == self.pair, dead_letters.c.id.in_(chunk))
                    .values(status="resolved", next_attempt_at=None, updated_at=at)
                )

    def _link_row(self, link: Link, at: datetime) -> dict[str, object]:
        return {
            "id": link.id,
            "pair": self.pair,
            "hubspot_id": link.hubspot_id,
            "salesforce_id": link.salesforce_id,
            "salesforce_type": link.salesforce_type,
            "email": link.email,
            "status": link.status,
            "reason": link.reason,
            "created_at": link.created_at or at,
            "updated_at": at,
        }

    def _audit_row(self, entry: AuditEntry, batch: BatchCommit) -> dict[str, object]:
        return {
            "pair": self.pair,
            "run_id": batch.run_id,
            "link_id": entry.link_id,
            "hubspot_id": entry.hubspot_id,
            "salesforce_id": entry.salesforce_id,
            "field": entry.field,
            "old": encode_value(entry.old),
            "new": encode_value(entry.new),
            "direction": entry.direction,
            "rule": entry.rule,
            "at": batch.at,
        }

    def _decision_row(self, decision: Decision, batch: BatchCommit) -> dict[str, object]:
        return {
            "pair": self.pair,
            "run_id": batch.run_id,
            "link_id": decision.link_id,
            "email": decision.email,
            "exclusion": decision.exclusion,
            "score": decision.score,
            "stage": decision.stage,
            "fit": decision.fit,
            "engagement": decision.engagement,
            "reasons": [
                {"rule": r.rule, "points": r.points, "why": r.why} for r in decision.reasons
            ],
            "at": batch.at,
        }

    # --- dead letters ---

    def _add_dead_letters(
        self, conn: Connection, letters: Sequence[NewDeadLetter], at: datetime
    ) -> None:
        if not letters:
            return
        # A record already waiting in the dead-letter table failed again: count an attempt
        # on that letter instead of queueing a duplicate.
        pending: dict[tuple[str, str, str], str] = {}
        for chunk in _chunks(sorted({letter.record_ref for letter in letters})):
            query = sa.select(
                dead_letters.c.id,
                dead_letters.c.system,
                dead_letters.c.object_type,
                dead_letters.c.record_ref,
            ).where(
                dead_letters.c.pair == self.pair,
                dead_letters.c.status == "pending",
                dead_letters.c.record_ref.in_(chunk),
            )
            for dl_id, system, object_type, ref in conn.execute(query):
                pending[(system, object_type, ref)] = dl_id
        policy = self.dead_letter_policy
        rows = []
        # One record failing twice within a batch is one failure: the last one wins.
        latest = {(x.system, x.object_type, x.record_ref): x for x in letters}
        for key, letter in latest.items():
            if key in pending:
                failure = DeadLetterFailure(pending[key], letter.code, letter.message)
                self._fail_dead_letter(conn, failure, at, policy, letter)
                continue
            discarded = policy.max_attempts <= 1
            rows.append(
                {
                    "id": new_id(),
                    "pair": self.pair,
                    "system": letter.system,
                    "object_type": letter.object_type,
                    "record_ref": letter.record_ref,
                    "link_id": letter.link_id,
                    "payload": encode_fields(letter.payload),
                    "code": letter.code,
                    "field": letter.field,
                    "message": letter.message,
                    "attempts": 1,
                    "next_attempt_at": None if discarded else at + _backoff(1, policy),
                    "status": "discarded" if discarded else "pending",
                    "created_at": at,
                    "updated_at": at,
                }
            )
        if rows:
            conn.execute(dead_letters.insert(), rows)

    def _fail_dead_letter(
        self,
        conn: Connection,
        failure: DeadLetterFailure,
        at: datetime,
        policy: DeadLetterPolicy,
        again: NewDeadLetter | None = None,
    ) -> DeadLetter:
        row = conn.execute(
            sa.select(dead_letters).where(
                dead_letters.c.pair == self.pair, dead_letters.c.id == failure.dead_letter_id
            )
        ).first()
        if row is None:
            raise KeyError(f"no dead letter {failure.dead_letter_id!r} in pair {self.pair!r}")
        attempts = int(row.attempts) + 1
        discarded = attempts >= policy.max_attempts
        values: dict[str, object] = {
            "attempts": attempts,
            "code": failure.code,
            "message": failure.message,
            "status": "discarded" if discarded else "pending",
            "next_attempt_at": None if discarded else at + _backoff(attempts, policy),
            "updated_at": at,
        }
        if again is not None:  # the latest payload is what a retry must send
            values.update(payload=encode_fields(again.payload), field=again.field)
        conn.execute(sa.update(dead_letters).where(dead_letters.c.id == row.id).values(**values))
        return _dead_letter({**row._asdict(), **values})

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
            return [_dead_letter(row._asdict()) for row in conn.execute(query)]

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
            return self._fail_dead_letter(
                conn, DeadLetterFailure(dl_id, code, message), now, policy
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
            return [_dead_letter(row._asdict()) for row in conn.execute(query)]

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
            return [_audit(row) for row in conn.execute(query)]

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
            return [_decision(row) for row in conn.execute(query)]

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


def _now() -> datetime:
    return datetime.now(UTC)


def _backoff(attempts: int, policy: DeadLetterPolicy) -> timedelta:
    delay = min(policy.base_delay_s * 2 ** (attempts - 1), policy.max_delay_s)
    return timedelta(seconds=delay)


def _link(row: Row[Any]) -> Link:
    return Link(
        id=row.id,
        hubspot_id=row.hubspot_id,
        salesforce_id=row.salesforce_id,
        salesforce_type=row.salesforce_type,
        email=row.email,
        status=row.status,
        reason=row.reason,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _run(row: Row[Any]) -> RunRow:
    return RunRow(
        id=row.id,
        pair=row.pair,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        dry_run=bool(row.dry_run),
        stats=dict(row.stats or {}),
    )


def _audit(row: Row[Any]) -> AuditRow:
    entry = AuditEntry(
        field=row.field,
        old=decode_value(row.old),
        new=decode_value(row.new),
        direction=row.direction,
        rule=row.rule,
        link_id=row.link_id,
        hubspot_id=row.hubspot_id,
        salesforce_id=row.salesforce_id,
    )
    return AuditRow(id=int(row.id), run_id=row.run_id, at=row.at, entry=entry)


def _decision(row: Row[Any]) -> DecisionRow:
    decision = Decision(
        link_id=row.link_id,
        email=row.email,
        exclusion=row.exclusion,
        score=row.score,
        stage=row.stage,
        reasons=tuple(
            Reason(str(r["rule"]), float(r["points"]), str(r["why"])) for r in row.reasons or ()
        ),
        fit=row.fit,
        engagement=row.engagement,
    )
    return DecisionRow(id=int(row.id), run_id=row.run_id, at=row.at, decision=decision)


def _dead_letter(row: Mapping[str, Any]) -> DeadLetter:
    return DeadLetter(
        id=row["id"],
        system=cast(System, row["system"]),
        object_type=row["object_type"],
        record_ref=row["record_ref"],
        payload=decode_fields(row["payload"]),
        code=row["code"],
        message=row["message"],
        field=row["field"],
        link_id=row["link_id"],
        attempts=int(row["attempts"]),
        next_attempt_at=row["next_attempt_at"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
