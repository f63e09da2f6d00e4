"""Push: hand a batch of planned writes to a connector and pair each with its result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.base import Connector, RecordError, System, Value, WriteOp, WriteResult
from connectors.errors import AuthConfigError, ConnectorError, QuotaExhaustedError

if TYPE_CHECKING:
    from sync.person import Person


@dataclass(eq=False)
class Write:
    """One planned write: the op, which person (link) it belongs to, the canonical fields."""

    system: System
    op: WriteOp
    key: str  # link id
    planned: frozenset[str] = frozenset()
    person: Person | None = None
    record_ref: str = ""  # how a dead letter names the record (fixed before the write)
    decision_fields: dict[str, Value] = field(default_factory=dict)  # raw names, audited apart


@dataclass
class PushOutcome:
    """Each write with its result, in order."""

    results: list[tuple[Write, WriteResult]] = field(default_factory=list)


def push(connector: Connector, system: System, writes: Sequence[Write]) -> PushOutcome:
    """Write a batch; a failure of the whole call marks every write failed (dead letters).

    Quota exhaustion and auth/config errors stop the run: nothing later could succeed.
    """
    outcome = PushOutcome()
    if not writes:
        return outcome
    try:
        results = connector.write([w.op for w in writes])
    except (QuotaExhaustedError, AuthConfigError):
        raise
    except ConnectorError as exc:
        error = RecordError(code=type(exc).__name__, message=str(exc))
        results = [WriteResult(ref=w.op.ref, ok=False, id=w.op.id, errors=(error,)) for w in writes]
    outcome.results = list(zip(writes, results, strict=True))
    return outcome
