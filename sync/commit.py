"""Commit: what one pushed batch changes in the state, gathered into one BatchCommit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from connectors.base import Value, WriteResult
from sync.person import Person, dead_letter_ref, salesforce_type
from sync.push import Write
from sync.report import RunReport
from sync.state_models import (
    AuditEntry,
    BatchCommit,
    CursorUpdate,
    DeadLetterFailure,
    Decision,
    Direction,
    Link,
    NewDeadLetter,
    RecordRef,
)
from sync.storable import storable, storable_email

DECISION_RULE = "sql_rules"


def build_commit(
    people: Sequence[Person],
    results: Sequence[tuple[Write, WriteResult]],
    *,
    rules_of: Callable[[str], str],
    report: RunReport,
    at: datetime,
    links: Sequence[Link],
    cursors: Sequence[CursorUpdate],
    dead_letters: Sequence[NewDeadLetter],
) -> BatchCommit:
    """Links, bases, audit, decisions and dead letters of one batch, for one transaction.

    A field a system refused keeps its old base value, so the next run still sees the change
    and writes it again; everything that went through becomes the new base (echo suppression).
    """
    dead = list(dead_letters)
    failures: list[DeadLetterFailure] = []
    for write, result in results:
        person = write.person
        if result.ok or person is None:
            continue
        err = result.errors[0] if result.errors else None
        code = err.code if err else "UNKNOWN"
        message = err.message if err else "write failed"
        report.dead_letters += 1
        if person.dead_letter_ids:
            failures.extend(DeadLetterFailure(i, code, message) for i in person.dead_letter_ids)
            continue
        dead.append(
            NewDeadLetter(
                write.system,
                write.op.object_type,
                write.record_ref or dead_letter_ref(person, write.system),
                dict(write.op.fields),
                code,
                message,
                err.fields[0] if err and err.fields else None,
                person.link_id,
            )
        )
    all_links = list(links)
    bases: dict[str, dict[str, Value]] = {}
    decisions: list[Decision] = []
    resolved: list[str] = []
    for person in people:
        if not (person.hubspot_id or person.salesforce_id):
            continue
        email = person.values.get("email")
        mail = str(email) if email else None
        all_links.append(
            Link(
                person.link_id,
                person.hubspot_id,
                person.salesforce_id,
                salesforce_type(person.salesforce_type),
                storable_email(mail),
            )
        )
        # The engine refused unstorable values before writing; this keeps a value that came
        # later (a read-back) from losing the whole batch's links and cursors.
        bases[person.link_id] = storable(_base(person))
        if person.dead_letter_ids and not any(person.failed.values()):
            resolved.extend(person.dead_letter_ids)
        if person.decision is not None and person.decision_written:
            decisions.append(Decision.from_rules(person.link_id, mail, person.decision))
    return BatchCommit(
        at=at,
        run_id=report.run_id,
        links=all_links,
        bases=bases,
        cursors=cursors,
        audit=[*_audit(results, rules_of), *(a for p in people for a in conflict_audit(p))],
        decisions=decisions,
        dead_letters=dead,
        dead_letter_failures=failures,
        resolved_dead_letters=resolved,
        resolved_records=[
            RecordRef(
                w.system, w.op.object_type, w.record_ref or dead_letter_ref(w.person, w.system)
            )
            for w, r in results
            if r.ok and w.person is not None
        ],
    )


def _base(person: Person) -> dict[str, Value]:
    base = dict(person.values)
    for failed in (*person.failed.values(), person.unwritten):
        for name in failed:
            if name in person.base:
                base[name] = person.base[name]
            else:
                base.pop(name, None)
    return base


def _audit(
    results: Sequence[tuple[Write, WriteResult]], rules_of: Callable[[str], str]
) -> list[AuditEntry]:
    """One row per field written: mapped fields by canonical name, decision fields by their own."""
    audit: list[AuditEntry] = []
    for write, result in results:
        person = write.person
        if not result.ok or person is None:
            continue
        direction: Direction = "to_salesforce" if write.system == "salesforce" else "to_hubspot"
        now = person.salesforce_now if write.system == "salesforce" else person.hubspot_now
        for name in sorted(write.planned):
            audit.append(
                AuditEntry(
                    field=name,
                    old=(now or {}).get(name),
                    new=person.values.get(name),
                    direction=direction,
                    rule=rules_of(name),
                    link_id=person.link_id,
                    hubspot_id=person.hubspot_id,
                    salesforce_id=person.salesforce_id,
                )
            )
        raw = person.pair.salesforce if write.system == "salesforce" else person.pair.hubspot
        for name, value in sorted(write.decision_fields.items()):
            audit.append(
                AuditEntry(
                    field=name,
                    old=raw.fields.get(name) if raw is not None else None,
                    new=value,
                    direction=direction,
                    rule=DECISION_RULE,
                    link_id=person.link_id,
                    hubspot_id=person.hubspot_id,
                    salesforce_id=person.salesforce_id,
                )
            )
    return audit


def conflict_audit(person: Person) -> list[AuditEntry]:
    """A conflict is recorded even when no write follows: which values met, which rule won."""
    out: list[AuditEntry] = []
    for c in person.conflicts:
        loser = c.salesforce if c.winner == "hubspot" else c.hubspot
        winner = c.winner or "neither"
        out.append(
            AuditEntry(
                field=c.field,
                old=loser,
                new=c.value,
                direction="none",
                rule=f"{c.rule} conflict, {winner} won"[:64],
                link_id=person.link_id,
                hubspot_id=person.hubspot_id,
                salesforce_id=person.salesforce_id,
            )
        )
    return out
