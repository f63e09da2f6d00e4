"""Typed rows going into and out of the state store (links, runs, audit, dead letters, ...)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from connectors.base import Cursor, System, Value

if TYPE_CHECKING:  # only for annotations: the rules engine's imports are heavy
    from mappings.rules import Decision as RulesDecision

SalesforceType = Literal["Lead", "Contact"]
LinkStatus = Literal["active", "retired"]
Direction = Literal["to_hubspot", "to_salesforce", "none"]
RunStatus = Literal["running", "ok", "partial", "failed"]
DeadLetterStatus = Literal["pending", "resolved", "discarded"]


def new_id() -> str:
    """A fresh id for a link, run or dead letter."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Link:
    """One HubSpot contact tied to one Salesforce Lead or Contact within a sync pair."""

    id: str
    hubspot_id: str | None
    salesforce_id: str | None
    salesforce_type: SalesforceType | None = None
    email: str | None = None
    status: LinkStatus = "active"
    reason: str = ""  # why the link was retired or re-pointed
    created_at: datetime | None = None  # set by the store on first write when None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CursorUpdate:
    """Where to resume reading one object type of one system."""

    system: System
    object_type: str
    cursor: Cursor


@dataclass(frozen=True)
class AuditEntry:
    """One field changed by the sync: field-level lineage."""

    field: str
    old: Value
    new: Value
    direction: Direction
    rule: str
    link_id: str | None = None
    hubspot_id: str | None = None
    salesforce_id: str | None = None


@dataclass(frozen=True)
class AuditRow:
    """An audit entry as stored, with its run and time."""

    id: int
    run_id: str | None
    at: datetime
    entry: AuditEntry


@dataclass(frozen=True)
class Reason:
    """One rule that contributed to a decision."""

    rule: str
    points: float
    why: str


@dataclass(frozen=True)
class Decision:
    """The outcome of the SQL rules for one record (see mappings.rules.Decision)."""

    link_id: str | None
    email: str | None
    exclusion: str | None  # the exclusion rule that matched, None when not excluded
    score: float | None
    stage: str | None
    reasons: tuple[Reason, ...] = ()
    fit: float | None = None
    engagement: float | None = None

    @classmethod
    def from_rules(
        cls, link_id: str | None, email: str | None, decision: RulesDecision
    ) -> Decision:
        """Store what mappings.rules decided for a record."""
        return cls(
            link_id=link_id,
            email=email,
            exclusion=decision.exclusion,
            score=decision.score,
            stage=decision.stage,
            reasons=tuple(Reason(f.rule, f.points, f.why) for f in decision.fired),
            fit=decision.fit,
            engagement=decision.engagement,
        )


@dataclass(frozen=True)
class DecisionRow:
    """A decision as stored, with its run and time."""

    id: int
    run_id: str | None
    at: datetime
    decision: Decision


@dataclass(frozen=True)
class NewDeadLetter:
    """A record a system refused; it is retried on later runs with backoff."""

    system: System
    object_type: str
    record_ref: str  # the record id, or the link id for a create
    payload: Mapping[str, Value]
    code: str
    message: str
    field: str | None = None
    link_id: str | None = None


@dataclass(frozen=True)
class RecordRef:
    """A record as dead letters name it."""

    system: System
    object_type: str
    record_ref: str


@dataclass(frozen=True)
class DeadLetterFailure:
    """A retried dead letter that failed again."""

    dead_letter_id: str
    code: str
    message: str


@dataclass(frozen=True)
class DeadLetter:
    """A stored dead letter."""

    id: str
    system: System
    object_type: str
    record_ref: str
    payload: Mapping[str, Value]
    code: str
    message: str
    field: str | None
    link_id: str | None
    attempts: int
    next_attempt_at: datetime | None
    status: DeadLetterStatus
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DeadLetterPolicy:
    """Backoff for retrying dead letters: base * 2**(attempts-1), capped; discarded past max."""

    base_delay_s: float = 60.0
    max_attempts: int = 8
    max_delay_s: float = 86_400.0


@dataclass(frozen=True)
class BatchCommit:
    """Everything one pushed batch changes in the state, committed in one transaction."""

    at: datetime
    run_id: str | None = None
    links: Sequence[Link] = ()  # upserted by id; status "retired" retires
    bases: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)  # link id -> base
    cursors: Sequence[CursorUpdate] = ()
    audit: Sequence[AuditEntry] = ()
    decisions: Sequence[Decision] = ()
    dead_letters: Sequence[NewDeadLetter] = ()
    dead_letter_failures: Sequence[DeadLetterFailure] = ()
    resolved_dead_letters: Sequence[str] = ()  # dead letter ids that finally went through
    # Records written successfully: any pending dead letter of theirs is resolved too (the
    # record may go through in a normal run before its retry was due).
    resolved_records: Sequence[RecordRef] = ()


@dataclass(frozen=True)
class RunRow:
    """One sync run."""

    id: str
    pair: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    dry_run: bool
    stats: Mapping[str, object]


@dataclass(frozen=True)
class StateCounts:
    """Totals for ``leadsync status``."""

    links_active: int
    links_retired: int
    dead_letters_pending: int
    dead_letters_discarded: int
    runs: int
    last_run: RunRow | None
