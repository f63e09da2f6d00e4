"""The outcome of one sync run: counters per system, status, and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from connectors.base import System

RunStatus = Literal["ok", "partial", "failed"]


@dataclass
class PerSystem:
    """A counter kept for each system."""

    hubspot: int = 0
    salesforce: int = 0

    def add(self, system: System, n: int = 1) -> None:
        setattr(self, system, getattr(self, system) + n)

    def to_json(self) -> dict[str, int]:
        return {"hubspot": self.hubspot, "salesforce": self.salesforce}


@dataclass
class RunReport:
    """What a run did; ``to_json`` is the contract of ``leadsync sync --json``."""

    run_id: str = ""
    status: RunStatus = "ok"
    dry_run: bool = False
    pulled: PerSystem = field(default_factory=PerSystem)
    created: PerSystem = field(default_factory=PerSystem)
    updated: PerSystem = field(default_factory=PerSystem)
    excluded: int = 0
    conflicts: int = 0
    dead_letters: int = 0
    # Of the dead letters: records refused before any write (a value no step or store takes).
    unprocessable: int = 0
    retried: int = 0
    skipped: int = 0
    duplicates: int = 0
    api_calls: PerSystem = field(default_factory=PerSystem)
    message: str = ""
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    # Records left unlinked because another record of the same email was chosen (first 50).
    duplicate_records: list[dict[str, str]] = field(default_factory=list)
    # Owners one system has and the other lacks: left as they are, reported (first 50).
    unmatched_owners: list[dict[str, object]] = field(default_factory=list)
    handoff_tasks: int = 0  # follow-up tasks created for reps (sales hand-off)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons[reason] = self.skipped_reasons.get(reason, 0) + 1

    def to_json(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "pulled": self.pulled.to_json(),
            "created": self.created.to_json(),
            "updated": self.updated.to_json(),
            "excluded": self.excluded,
            "conflicts": self.conflicts,
            "dead_letters": self.dead_letters,
            "unprocessable": self.unprocessable,
            "api_calls": self.api_calls.to_json(),
            "skipped": self.skipped,
            "skipped_reasons": dict(self.skipped_reasons),
            "duplicates": self.duplicates,
            "duplicate_records": list(self.duplicate_records),
            "unmatched_owners": list(self.unmatched_owners),
            "handoff_tasks": self.handoff_tasks,
            "message": self.message,
        }
