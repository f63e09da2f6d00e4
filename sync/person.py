"""One person as the engine works it through a batch, and what a dry run reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import System, Value
from mappings.rules import Decision as RuleDecision
from sync.link import Pair
from sync.merge import Conflict
from sync.state_models import SalesforceType


@dataclass(frozen=True)
class PlannedWrite:
    """One write a dry run would have made."""

    system: System
    action: str  # "create" | "update"
    object_type: str
    id: str | None
    email: str | None
    fields: tuple[str, ...]
    # Canonical fields this write changes on its side: (field, value there now, new value).
    changes: tuple[tuple[str, Value, Value], ...] = ()
    exclusion: str | None = None  # the exclusion rule that matched, with its reasons below
    reasons: tuple[str, ...] = ()
    conflicts: tuple[tuple[str, str], ...] = ()  # (field, the side whose value won)

    def to_json(self) -> dict[str, object]:
        return {
            "system": self.system,
            "action": self.action,
            "object_type": self.object_type,
            "id": self.id,
            "email": self.email,
            "fields": list(self.fields),
            "changes": [{"field": f, "old": old, "new": new} for f, old, new in self.changes],
            "exclusion": self.exclusion,
            "reasons": list(self.reasons),
            "conflicts": [{"field": f, "won": won} for f, won in self.conflicts],
        }


@dataclass
class Person:
    """One pair as the engine works it through a batch."""

    pair: Pair
    link_id: str
    base: dict[str, Value]
    values: dict[str, Value] = field(default_factory=dict)
    hubspot_now: dict[str, Value] | None = None
    salesforce_now: dict[str, Value] | None = None
    salesforce_type: str | None = None
    decision: RuleDecision | None = None
    hubspot_id: str | None = None
    salesforce_id: str | None = None
    failed: dict[System, set[str]] = field(
        default_factory=lambda: {"hubspot": set(), "salesforce": set()}
    )
    dead_letter_ids: list[str] = field(default_factory=list)
    decision_written: bool = False  # the decision changed materially and is being written
    conflicts: tuple[Conflict, ...] = ()  # both sides changed a field: how the rule settled it
    # Fields left out of a write on purpose (an owner the target lacks): their base is kept,
    # so the change stays pending, but nothing failed.
    unwritten: set[str] = field(default_factory=set)


PlanDetail = tuple[
    tuple[tuple[str, Value, Value], ...], str | None, tuple[str, ...], tuple[tuple[str, str], ...]
]


def plan_detail(system: System, person: Person | None) -> PlanDetail:
    """A dry run's detail of one write, for `sync --dry-run --plan`.

    Old -> new per canonical field on that side, the exclusion and its reasons, and the
    conflicts with the side that won.
    """
    if person is None:
        return (), None, (), ()
    now = (person.hubspot_now if system == "hubspot" else person.salesforce_now) or {}
    changes = tuple(
        (name, now.get(name), value)
        for name, value in sorted(person.values.items())
        if now.get(name) != value
    )
    decision = person.decision
    exclusion = decision.exclusion if decision is not None and decision.excluded else None
    reasons = tuple(f"{f.rule}: {f.why}" for f in decision.fired) if exclusion and decision else ()
    conflicts = tuple((c.field, c.winner or "neither (base kept)") for c in person.conflicts)
    return changes, exclusion, reasons, conflicts


def dead_letter_ref(person: Person, system: System) -> str:
    """How a dead letter names its record: the target record, else the source (a create)."""
    if system == "salesforce":
        return person.salesforce_id or person.hubspot_id or person.link_id
    return person.hubspot_id or person.salesforce_id or person.link_id


def salesforce_type(value: str | None) -> SalesforceType | None:
    """A Salesforce object type as links store it (Lead or Contact), else None."""
    if value == "Lead":
        return "Lead"
    if value == "Contact":
        return "Contact"
    return None
