"""The review lane: records the rules hold (stage ``review``) until a person releases them.

Held records are not created in Salesforce. A person releases one by adding its address to
``lists/allow_emails.txt`` or its domain to ``lists/allow_domains.txt`` in the mappings
directory; the allow lists always win on the next sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sync.state_models import DecisionRow

RELEASE_HINT = (
    "release: add the address to lists/allow_emails.txt or its domain to allow_domains.txt"
)


@dataclass(frozen=True)
class Held:
    """One record waiting in the review lane, with the evidence that put it there."""

    email: str
    stage: str
    score: float | None
    evidence: str
    at: datetime


def held_records(decisions: Mapping[str, DecisionRow], hold_stages: Iterable[str]) -> list[Held]:
    """The latest decisions whose stage is a hold stage, newest first."""
    stages = frozenset(hold_stages)
    out = []
    for row in decisions.values():
        d = row.decision
        if d.stage not in stages or d.exclusion:
            continue
        evidence = "; ".join(r.why for r in d.reasons if r.points < 0) or "-"
        out.append(Held(d.email or "", d.stage or "", d.score, evidence, row.at))
    return sorted(out, key=lambda h: (h.at, h.email), reverse=True)
