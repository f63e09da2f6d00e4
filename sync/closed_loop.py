"""The closed-loop report: per original source and per first-touch campaign, the whole funnel.

Built from the state only (links, the last synced values, the latest decisions), so it costs no
API call and reads the same in both systems' vocabulary. Stages are cumulative: a person who
reached a later stage counts in every earlier one, so the rates between stages stay at most 1.

- signups: linked people attributed to the source / campaign (junk included: that is the
  point of "quality over quantity")
- excluded: kept out by an exclusion rule, by reason; reviewed: held for review
- mql, sql: the rules' stage, or later (a conversion or an opportunity implies a SQL)
- opportunities: an opportunity is linked; won: it is won; won_revenue: the won amounts
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from connectors.base import Value
from sync.state import StateStore

NO_SOURCE = "(no source)"
NO_CAMPAIGN = "(no campaign)"
# Canonical fields (mapping.yaml) the report reads.
SOURCE = "original_source"
CAMPAIGN = "first_touch_campaign"
CONVERTED = "converted"
OPPORTUNITY = "opportunity_status"
WON_AMOUNT = "won_amount"
SIGNED_UP = "createdate"
STAGES = ("signups", "mql", "sql", "opportunities", "won")


@dataclass
class Funnel:
    """One source's or campaign's people, stage by stage."""

    name: str
    signups: int = 0
    excluded: int = 0
    reviewed: int = 0
    mql: int = 0
    sql: int = 0
    opportunities: int = 0
    won: int = 0
    won_revenue: float = 0.0
    exclusions: Counter[str] = field(default_factory=Counter)
    by_month: dict[str, Counter[str]] = field(default_factory=dict)

    def rate(self, later: str, earlier: str) -> float:
        """The share of ``earlier`` that reached ``later`` (0 when none reached ``earlier``)."""
        base = self.signups - self.excluded if earlier == "kept" else getattr(self, earlier)
        return getattr(self, later) / base if base else 0.0

    @property
    def qualified_rate(self) -> float:
        """SQLs per sign-up: the quality of a source, junk counted against it."""
        return self.sql / self.signups if self.signups else 0.0

    @property
    def won_rate(self) -> float:
        return self.won / self.signups if self.signups else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "signups": self.signups,
            "excluded": self.excluded,
            "excluded_by_reason": dict(sorted(self.exclusions.items())),
            "reviewed": self.reviewed,
            "mql": self.mql,
            "sql": self.sql,
            "opportunities": self.opportunities,
            "won": self.won,
            "won_revenue": round(self.won_revenue, 2),
            "rates": {
                "mql_of_kept": round(self.rate("mql", "kept"), 4),
                "sql_of_mql": round(self.rate("sql", "mql"), 4),
                "opportunity_of_sql": round(self.rate("opportunities", "sql"), 4),
                "won_of_opportunity": round(self.rate("won", "opportunities"), 4),
                "qualified": round(self.qualified_rate, 4),
                "won": round(self.won_rate, 4),
            },
            "by_month": {m: dict(c) for m, c in sorted(self.by_month.items())},
        }


@dataclass
class ClosedLoop:
    """Funnels per original source and per first-touch campaign."""

    sources: dict[str, Funnel] = field(default_factory=dict)
    campaigns: dict[str, Funnel] = field(default_factory=dict)

    def campaign(self, name: str) -> Funnel:
        return self.campaigns.get(name) or Funnel(name)

    def source(self, name: str) -> Funnel:
        return self.sources.get(name) or Funnel(name)

    def months(self) -> list[str]:
        """Every month someone signed up in, in order."""
        return sorted({m for f in self.sources.values() for m in f.by_month})

    def quality_ranking(self) -> list[Funnel]:
        """Sources by qualified rate, then won rate, then name: quality over quantity."""
        return sorted(self.sources.values(), key=lambda f: (-f.qualified_rate, -f.won_rate, f.name))

    def to_json(self) -> dict[str, object]:
        return {
            "sources": [f.to_json() for f in _by_count(self.sources)],
            "campaigns": [f.to_json() for f in _by_count(self.campaigns)],
            "quality_ranking": [f.name for f in self.quality_ranking()],
        }


def _by_count(funnels: Mapping[str, Funnel]) -> list[Funnel]:
    return sorted(funnels.values(), key=lambda f: (-f.signups, f.name))


def closed_loop(state: StateStore) -> ClosedLoop:
    """Read the state into the closed-loop funnels."""
    links = state.load_links(active_only=True)
    bases = state.load_bases([lk.id for lk in links])
    decisions = state.latest_decisions()
    out = ClosedLoop()
    for link in links:
        base = bases.get(link.id, {})
        stored = decisions.get(link.id)
        decision = stored.decision if stored else None
        exclusion = decision.exclusion if decision is not None else None
        stage = decision.stage if decision is not None else None
        signed_up = base.get(SIGNED_UP)
        when = signed_up if isinstance(signed_up, datetime | date) else link.created_at
        month = when.strftime("%Y-%m") if when else "(unknown)"
        for funnel in (
            out.sources.setdefault(_name(base.get(SOURCE), NO_SOURCE), Funnel("")),
            out.campaigns.setdefault(_name(base.get(CAMPAIGN), NO_CAMPAIGN), Funnel("")),
        ):
            count_person(funnel, base, exclusion, stage, month)
    for table in (out.sources, out.campaigns):
        for name, funnel in table.items():
            funnel.name = name
    return out


def _name(value: Value, blank: str) -> str:
    return str(value).strip() if value not in (None, "") and str(value).strip() else blank


def count_person(
    funnel: Funnel, base: Mapping[str, Value], exclusion: str | None, stage: str | None, month: str
) -> None:
    reached: list[str] = ["signups"]
    funnel.signups += 1
    if exclusion:
        funnel.excluded += 1
        funnel.exclusions[exclusion] += 1
    elif stage == "review":
        funnel.reviewed += 1
    else:
        opportunity = base.get(OPPORTUNITY) not in (None, "")
        sql = stage == "sql" or base.get(CONVERTED) is True or opportunity
        if sql or stage == "mql":
            funnel.mql += 1
            reached.append("mql")
        if sql:
            funnel.sql += 1
            reached.append("sql")
        if opportunity:
            funnel.opportunities += 1
            reached.append("opportunities")
        if base.get(OPPORTUNITY) == "won":
            funnel.won += 1
            reached.append("won")
            amount = base.get(WON_AMOUNT)
            funnel.won_revenue += float(amount) if isinstance(amount, int | float) else 0.0
    funnel.by_month.setdefault(month, Counter()).update(reached)
