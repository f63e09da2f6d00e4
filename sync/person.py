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

    def to_json(self) -> dict[str, object]:
        return {
            "system": self.system,
            "action": self.action,
            "object_type": self.object_type,
            "id": self.id,
            "email": self.email,
            "fields": list(self.fields),
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
