"""The HTML report: lead quality by original source, and sync health, from the state store."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, select_autoescape

from sync.review import Held, held_records
from sync.state import StateStore
from sync.state_models import RunRow

UNKNOWN_SOURCE = "(no source)"


@dataclass
class SourceQuality:
    """One original source: how many people, and what became of them."""

    source: str
    people: int = 0
    excluded: int = 0
    mql: int = 0
    sql: int = 0
    converted: int = 0
    won: int = 0
    exclusions: Counter[str] = field(default_factory=Counter)

    @property
    def excluded_share(self) -> float:
        return self.excluded / self.people if self.people else 0.0

    @property
    def sql_share(self) -> float:
        kept = self.people - self.excluded
        return self.sql / kept if kept else 0.0


@dataclass
class ReportData:
    """Everything the template shows; built from the state only (no API calls)."""

    pair: str
    generated_at: datetime
    sources: list[SourceQuality]
    runs: list[RunRow]
    links_active: int
    links_retired: int
    dead_letters: Counter[str]
    dead_letters_pending: int
    dead_letters_discarded: int
    held: list[Held] = field(default_factory=list)  # the review lane


def collect(
    state: StateStore, *, runs: int = 20, hold_stages: tuple[str, ...] = ("review",)
) -> ReportData:
    """Read links, base values, decisions, runs and dead letters into report rows."""
    links = state.load_links(active_only=True)
    bases = state.load_bases([lk.id for lk in links])
    decisions = state.latest_decisions()
    by_source: dict[str, SourceQuality] = {}
    for link in links:
        base = bases.get(link.id, {})
        source = str(base.get("original_source") or UNKNOWN_SOURCE)
        row = by_source.setdefault(source, SourceQuality(source))
        row.people += 1
        stored = decisions.get(link.id)
        decision = stored.decision if stored else None
        if decision is not None and decision.exclusion:
            row.excluded += 1
            row.exclusions[decision.exclusion] += 1
            continue
        stage = decision.stage if decision else None
        if stage == "mql":
            row.mql += 1
        elif stage == "sql":
            row.sql += 1
        if base.get("converted") is True:
            row.converted += 1
        if base.get("opportunity_status") == "won":
            row.won += 1
    pending = state.dead_letters("pending", limit=10_000)
    counts = state.counts()
    return ReportData(
        pair=state.pair,
        generated_at=datetime.now(UTC),
        sources=sorted(by_source.values(), key=lambda r: (-r.people, r.source)),
        runs=state.runs(runs),
        links_active=counts.links_active,
        links_retired=counts.links_retired,
        dead_letters=Counter(f"{d.system} {d.code}" for d in pending),
        dead_letters_pending=counts.dead_letters_pending,
        dead_letters_discarded=counts.dead_letters_discarded,
        held=held_records(decisions, hold_stages),
    )


def render(data: ReportData) -> str:
    """The report as one self-contained HTML page (autoescaped: record data is untrusted)."""
    env = Environment(
        loader=PackageLoader("sync", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html").render(r=data)
