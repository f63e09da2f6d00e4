"""The hand-off to sales: a follow-up task for the rep when the rules make a person an SQL.

One task per record and stage: the CRM adapter looks the record's tasks with the stage's key
up before creating one (Salesforce moves a Lead's tasks to its Contact on conversion), so a
later run, or a run resumed after a crash between the create and the commit, never makes a
second.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from connectors.base import HandoffTask
from mappings.rules import Decision
from sync.person import Person

KEY_PREFIX = "leadsync-handoff"
HANDOFF_OBJECT = "handoff-task"  # how a refused hand-off is named in the dead letters


@dataclass(frozen=True)
class HandoffPolicy:
    """When a task is made and what it says (settings ``handoff_*``)."""

    stage: str = "sql"
    subject: str = "Follow up: {name} is sales-qualified"
    due_days: int = 1


def handoff_key(stage: str) -> str:
    """The key of a hand-off in a stage; with the CRM record it names one hand-off."""
    return f"{KEY_PREFIX}-{stage}"[:80]


def describe(decision: Decision) -> str:
    """The decision and every reason, one per line, strongest first."""
    head = (
        f"leadsync stage {decision.stage.upper()}: score {decision.score:g} "
        f"(fit {decision.fit:g}, engagement {decision.engagement:g})"
    )
    fired = sorted(decision.fired, key=lambda f: -abs(f.points))
    lines = [f"- {'+' if f.points >= 0 else ''}{f.points:g} {f.why}" for f in fired]
    return "\n".join([head, "Why:", *lines]) if lines else head


def _name(person: Person) -> str:
    values = person.values
    parts = [str(values[k]) for k in ("first_name", "last_name") if values.get(k)]
    who = " ".join(parts) or str(values.get("email") or "a lead")
    company = values.get("company")
    return f"{who} ({company})" if company else who


def handoff_tasks(
    people: Sequence[Person],
    policy: HandoffPolicy,
    today: date,
    owner_field: str | None,
    creating: Collection[str] = (),
) -> list[tuple[Person, HandoffTask]]:
    """A task for each person the rules put in the hand-off stage, with a CRM record.

    ``creating``: a dry run's people (by link id) whose record the run would create; their task
    is planned with an empty record id.
    """
    out: list[tuple[Person, HandoffTask]] = []
    for person in people:
        decision = person.decision
        if decision is None or decision.excluded or decision.stage != policy.stage:
            continue
        if person.failed["salesforce"]:
            continue
        if not person.salesforce_id and person.link_id not in creating:
            continue
        owner = person.values.get(owner_field) if owner_field else None
        task = HandoffTask(
            key=handoff_key(policy.stage),
            record_id=person.salesforce_id or "",
            owner=str(owner) if owner else None,
            subject=policy.subject.replace("{name}", _name(person)),
            due=today + timedelta(days=policy.due_days),
            description=describe(decision),
        )
        out.append((person, task))
    return out
