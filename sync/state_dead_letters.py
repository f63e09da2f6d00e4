"""Dead-letter bookkeeping inside a state transaction: queue, count failures, back off, discard."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sync.state_codec import encode_fields
from sync.state_models import (
    DeadLetter,
    DeadLetterFailure,
    DeadLetterPolicy,
    NewDeadLetter,
    RecordRef,
    new_id,
)
from sync.state_rows import chunks, dead_letter_from_row
from sync.state_schema import dead_letters
from sync.storable import SHORT_TEXT_MAX, shown, storable_payload


def backoff(attempts: int, policy: DeadLetterPolicy) -> timedelta:
    """Wait before the next try after ``attempts`` failures: base * 2**(attempts-1), capped."""
    delay = min(policy.base_delay_s * 2 ** (attempts - 1), policy.max_delay_s)
    return timedelta(seconds=delay)


def add_dead_letters(
    conn: Connection,
    pair: str,
    letters: Sequence[NewDeadLetter],
    at: datetime,
    policy: DeadLetterPolicy,
) -> None:
    """Queue refused records; one already waiting counts a failed attempt instead."""
    if not letters:
        return
    pending: dict[tuple[str, str, str], str] = {}
    for chunk in chunks(sorted({letter.record_ref for letter in letters})):
        query = sa.select(
            dead_letters.c.id,
            dead_letters.c.system,
            dead_letters.c.object_type,
            dead_letters.c.record_ref,
        ).where(
            dead_letters.c.pair == pair,
            dead_letters.c.status == "pending",
            dead_letters.c.record_ref.in_(chunk),
        )
        for dl_id, system, object_type, ref in conn.execute(query):
            pending[(system, object_type, ref)] = dl_id
    rows = []
    # One record refused twice within a batch is one failure: the last one wins.
    latest = {(x.system, x.object_type, x.record_ref): x for x in letters}
    for key, letter in latest.items():
        if key in pending:
            failure = DeadLetterFailure(pending[key], letter.code, letter.message)
            fail_dead_letter(conn, pair, failure, at, policy, again=letter)
            continue
        discarded = policy.max_attempts <= 1
        rows.append(
            {
                "id": new_id(),
                "pair": pair,
                "system": letter.system,
                "object_type": letter.object_type,
                "record_ref": shown(letter.record_ref, SHORT_TEXT_MAX),
                "link_id": letter.link_id,
                "payload": encode_fields(storable_payload(letter.payload)),
                "code": shown(letter.code, SHORT_TEXT_MAX),
                "field": shown(letter.field, SHORT_TEXT_MAX) if letter.field else None,
                "message": _message(letter.message),
                "attempts": 1,
                "next_attempt_at": None if discarded else at + backoff(1, policy),
                "status": "discarded" if discarded else "pending",
                "created_at": at,
                "updated_at": at,
            }
        )
    if rows:
        conn.execute(dead_letters.insert(), rows)


def fail_dead_letter(
    conn: Connection,
    pair: str,
    failure: DeadLetterFailure,
    at: datetime,
    policy: DeadLetterPolicy,
    *,
    again: NewDeadLetter | None = None,
) -> DeadLetter:
    """Count one more failed attempt; discard the letter once ``max_attempts`` is reached."""
    row = conn.execute(
        sa.select(dead_letters).where(
            dead_letters.c.pair == pair, dead_letters.c.id == failure.dead_letter_id
        )
    ).first()
    if row is None:
        raise KeyError(f"no dead letter {failure.dead_letter_id!r} in pair {pair!r}")
    attempts = int(row.attempts) + 1
    discarded = attempts >= policy.max_attempts
    values: dict[str, object] = {
        "attempts": attempts,
        "code": shown(failure.code, SHORT_TEXT_MAX),
        "message": _message(failure.message),
        "status": "discarded" if discarded else "pending",
        "next_attempt_at": None if discarded else at + backoff(attempts, policy),
        "updated_at": at,
    }
    if again is not None:  # the latest payload is what a retry must send
        field = shown(again.field, SHORT_TEXT_MAX) if again.field else None
        values.update(payload=encode_fields(storable_payload(again.payload)), field=field)
    conn.execute(sa.update(dead_letters).where(dead_letters.c.id == row.id).values(**values))
    return dead_letter_from_row({**row._asdict(), **values})


def _message(text: str) -> str:
    """A refusal's message as every backend stores it: a NUL (PostgreSQL refuses it) escaped."""
    return text.replace("\x00", "\\x00")


def resolve_dead_letters(conn: Connection, pair: str, ids: Sequence[str], at: datetime) -> None:
    """Mark letters whose record finally went through."""
    for chunk in chunks(list(ids)):
        conn.execute(
            sa.update(dead_letters)
            .where(dead_letters.c.pair == pair, dead_letters.c.id.in_(chunk))
            .values(status="resolved", next_attempt_at=None, updated_at=at)
        )


def resolve_records(conn: Connection, pair: str, refs: Sequence[RecordRef], at: datetime) -> None:
    """Resolve the pending letters of records that were just written successfully."""
    if not refs:
        return
    wanted = {(r.system, r.object_type, r.record_ref) for r in refs}
    ids: list[str] = []
    for chunk in chunks(sorted({r.record_ref for r in refs})):
        query = sa.select(
            dead_letters.c.id,
            dead_letters.c.system,
            dead_letters.c.object_type,
            dead_letters.c.record_ref,
        ).where(
            dead_letters.c.pair == pair,
            dead_letters.c.status == "pending",
            dead_letters.c.record_ref.in_(chunk),
        )
        ids.extend(row.id for row in conn.execute(query) if tuple(row[1:]) in wanted)
    resolve_dead_letters(conn, pair, ids, at)
