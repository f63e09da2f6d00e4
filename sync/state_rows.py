"""Conversions between the state store's dataclasses and its table rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy.engine import Row

from connectors.base import System
from sync.state_codec import decode_fields, decode_value, encode_value
from sync.state_models import (
    AuditEntry,
    AuditRow,
    DeadLetter,
    Decision,
    DecisionRow,
    Link,
    Reason,
    RunRow,
)

IN_CHUNK = 2000  # ids per IN (...) list: well under every backend's parameter limit


def chunks(items: Sequence[str], size: int = IN_CHUNK) -> Iterator[Sequence[str]]:
    """Slices of ``items`` small enough for one IN (...) list."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def link_row(pair: str, link: Link, at: datetime) -> dict[str, object]:
    return {
        "pair": pair,
        "id": link.id,
        "hubspot_id": link.hubspot_id,
        "salesforce_id": link.salesforce_id,
        "salesforce_type": link.salesforce_type,
        "email": link.email,
        "status": link.status,
        "reason": link.reason,
        "created_at": link.created_at or at,
        "updated_at": at,
    }


def audit_row(pair: str, run_id: str | None, entry: AuditEntry, at: datetime) -> dict[str, object]:
    return {
        "pair": pair,
        "run_id": run_id,
        "link_id": entry.link_id,
        "hubspot_id": entry.hubspot_id,
        "salesforce_id": entry.salesforce_id,
        "field": entry.field,
        "old": encode_value(entry.old),
        "new": encode_value(entry.new),
        "direction": entry.direction,
        "rule": entry.rule,
        "at": at,
    }


def decision_row(
    pair: str, run_id: str | None, decision: Decision, at: datetime
) -> dict[str, object]:
    return {
        "pair": pair,
        "run_id": run_id,
        "link_id": decision.link_id,
        "email": decision.email,
        "exclusion": decision.exclusion,
        "score": decision.score,
        "stage": decision.stage,
        "fit": decision.fit,
        "engagement": decision.engagement,
        "reasons": [{"rule": r.rule, "points": r.points, "why": r.why} for r in decision.reasons],
        "at": at,
    }


def link_from_row(row: Row[Any]) -> Link:
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


def run_from_row(row: Row[Any]) -> RunRow:
    return RunRow(
        id=row.id,
        pair=row.pair,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        dry_run=bool(row.dry_run),
        stats=dict(row.stats or {}),
    )


def audit_from_row(row: Row[Any]) -> AuditRow:
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


def decision_from_row(row: Row[Any]) -> DecisionRow:
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


def dead_letter_from_row(row: Mapping[str, Any]) -> DeadLetter:
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
