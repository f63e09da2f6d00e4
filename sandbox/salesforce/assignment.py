"""Lead assignment rules: who owns a Lead created or updated through the REST API.

Salesforce REST API guide, "Assignment Rule Header": ``Sforce-Auto-Assign: TRUE`` applies the
active assignment rules to created or updated Leads, ``FALSE`` applies none, and a valid
AssignmentRule id applies that rule to created Leads; without the header the REST API applies
the active rules (default TRUE). SOAP's ``AssignmentRuleHeader`` (``useDefaultRule`` /
``assignmentRuleId``) is the same switch. A rule's entries are tried in order and the first
that matches names the owner (a User or a queue); when none matches, the rule's default owner
takes the Lead (Setup, "Lead Settings": default lead owner). Entries are metadata in a real org
(not queryable records); the sandbox keeps them here and the rule itself as an
``AssignmentRule`` row that SOQL can read. Writes through the sandbox's Python API are a person
in the UI, where "Assign using active assignment rule" is unticked: no rule runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sandbox.salesforce.ids import looks_like_id, to_18

HEADER = "sforce-auto-assign"
ABSENT = "TRUE"  # what a REST write without the header means
NOT_ASKED = "FALSE"  # the sandbox's Python API: a person saving in the UI


@dataclass(frozen=True)
class RuleEntry:
    """One criteria row: ``field`` equal to one of ``values`` (case-blind) or within a range."""

    owner_id: str
    field: str | None = None  # None: every Lead matches
    values: tuple[str, ...] = ()
    min_value: float | None = None
    max_value: float | None = None

    def matches(self, row: Mapping[str, object]) -> bool:
        if self.field is None:
            return True
        value = row.get(self.field)
        if value is None or value == "":
            return False
        if self.values:
            return str(value).strip().casefold() in {v.casefold() for v in self.values}
        try:
            number = float(str(value))
        except ValueError:
            return False
        low_ok = self.min_value is None or number >= self.min_value
        return low_ok and (self.max_value is None or number <= self.max_value)


@dataclass
class Rule:
    """A lead assignment rule: its entries in order and the owner when none matches."""

    id: str
    name: str
    entries: list[RuleEntry] = field(default_factory=list)
    default_owner: str | None = None

    def owner_for(self, row: Mapping[str, object]) -> str | None:
        for entry in self.entries:
            if entry.matches(row):
                return entry.owner_id
        return self.default_owner


class LeadAssignment:
    """The org's lead assignment rules and which one is active."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}
        self.active_id: str | None = None

    def add(
        self, rule_id: str, name: str, entries: Sequence[RuleEntry], default_owner: str | None
    ) -> Rule:
        rule = Rule(rule_id, name, list(entries), default_owner)
        self.rules[rule_id] = rule
        return rule

    def rule_for(self, header: str, *, creating: bool) -> Rule | None:
        """The rule a write runs under its ``Sforce-Auto-Assign`` value, if any."""
        value = header.strip()
        if value.upper() == "FALSE":
            return None
        if value.upper() == "TRUE":
            return self.rules.get(self.active_id or "")
        # A rule id runs on created records only (the header's documented values).
        if not creating or not looks_like_id(value):
            return None
        return self.rules.get(to_18(value))

    def route(self, header: str, *, creating: bool, row: Mapping[str, object]) -> str | None:
        """The owner the rules give this Lead, or None to leave its owner as it is."""
        rule = self.rule_for(header, creating=creating)
        return rule.owner_for(row) if rule is not None else None
