"""Owner fields in a run: which owners each system can take, and the ones it cannot.

An owner is carried as an email (``lookup: owner`` in the mapping). Before a write is planned,
an owner the target system does not have (a Salesforce User with no HubSpot owner, an archived
HubSpot owner, a deactivated User) is taken out of the write and reported: the record still
syncs, the target's owner stays as it is, and the change stays pending (its base is kept).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field

from connectors.base import Connector, System, Value
from connectors.owners import OwnerLookup, owner_key
from mappings.mappingset import MappingSet
from sync.merge import is_blank

log = logging.getLogger(__name__)
REPORTED_MAX = 50  # owners listed in a run report; the count covers them all


@dataclass(frozen=True)
class UnmatchedOwner:
    """An owner one system has and the other lacks, and how many records it held back."""

    system: System  # where the owner is missing
    owner: str  # the owner's email
    records: int

    def to_json(self) -> dict[str, object]:
        return {"missing_in": self.system, "owner": self.owner, "records": self.records}


@dataclass
class OwnerCheck:
    """The owner fields of a mapping and, per system, the owners records can be given to."""

    fields: frozenset[str]
    connectors: dict[System, Connector] = field(default_factory=dict)
    known: dict[System, frozenset[str] | None] = field(default_factory=dict)
    unmatched: dict[tuple[System, str], int] = field(default_factory=dict)

    @property
    def handoff_field(self) -> str | None:
        """The owner field a hand-off task is given to (the first by name), if any."""
        return min(self.fields) if self.fields else None

    @classmethod
    def for_mapping(cls, ms: MappingSet) -> OwnerCheck:
        return cls(frozenset(fm.name for fm in ms.fields if fm.lookup == "owner"))

    def start(self, connectors: Mapping[System, Connector]) -> None:
        """A new run: each adapter reads its owners again (once, when first needed)."""
        self.unmatched = {}
        self.known = {}
        self.connectors = dict(connectors)
        for conn in connectors.values():
            if isinstance(conn, OwnerLookup):
                conn.reset_owners()

    def _known(self, system: System) -> frozenset[str] | None:
        if system not in self.known:
            conn = self.connectors.get(system)
            lookup = conn if isinstance(conn, OwnerLookup) else None
            self.known[system] = lookup.owner_emails() if lookup is not None else None
        return self.known[system]

    def drop_unknown(self, planned: MutableMapping[str, Value], system: System) -> set[str]:
        """Take owners ``system`` lacks out of ``planned``; the names taken out."""
        names = [n for n in self.fields if n in planned]
        if not names:
            return set()
        known = self._known(system)
        if known is None:  # an adapter without owners (a test fake): nothing to check
            return set()
        dropped: set[str] = set()
        for name in names:
            value = planned[name]
            if is_blank(value):
                del planned[name]  # an owner is never blanked out by a sync
                dropped.add(name)
            elif owner_key(str(value)) not in known:
                del planned[name]
                dropped.add(name)
                key = (system, str(value))
                if key not in self.unmatched:
                    log.warning("owner %s has no match in %s: owner left as it is", value, system)
                self.unmatched[key] = self.unmatched.get(key, 0) + 1
        return dropped

    def report(self) -> list[UnmatchedOwner]:
        rows = [UnmatchedOwner(s, o, n) for (s, o), n in sorted(self.unmatched.items())]
        return rows[:REPORTED_MAX]
