"""The HTML report: lead quality by original source, and sync health, from the state store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from sync.closed_loop import ClosedLoop, closed_loop
from sync.report_charts import (
    RAW,
    Bar,
    RunPoint,
    Series,
    exclusion_words,
    horizontal_bars,
    raw_vs_qualified,
    run_health,
)
from sync.review import Held, held_records
from sync.state import StateStore
from sync.state_models import DeadLetter, RunRow

UNKNOWN_SOURCE = "(no source)"
QUALIFIED_STAGES = ("mql", "sql")
DEAD_LETTERS_SHOWN = 100
SOURCES_CHARTED = 6
STAGE_ORDER = ("lead", "mql", "sql", "converted", "won")


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
    # Built for the charts and the dead-letter table (defaults keep older callers working).
    stages: Counter[str] = field(default_factory=Counter)
    by_period: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    letters: list[DeadLetter] = field(default_factory=list)

    @property
    def exclusions(self) -> Counter[str]:
        """Excluded people by reason, in words."""
        total: Counter[str] = Counter()
        for s in self.sources:
            for code, n in s.exclusions.items():
                total[exclusion_words(code)] += n
        return total

    def charts(self) -> dict[str, Markup]:
        """The four charts as inline SVG (built from escaped text only)."""
        return {name: Markup(svg) for name, svg in build_charts(self).items()}  # noqa: S704

    held: list[Held] = field(default_factory=list)  # the review lane
    closed_loop: ClosedLoop = field(default_factory=ClosedLoop)  # per source and campaign


def collect(
    state: StateStore, *, runs: int = 20, hold_stages: tuple[str, ...] = ("review",)
) -> ReportData:
    """Read links, base values, decisions, runs and dead letters into report rows."""
    links = state.load_links(active_only=True)
    stages: Counter[str] = Counter()
    by_period: dict[str, dict[str, list[int]]] = {}
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
        period = link.created_at.strftime("%Y-%m-%d") if link.created_at else "(unknown)"
        tally = by_period.setdefault(source, {}).setdefault(period, [0, 0])
        tally[0] += 1
        if decision is not None and decision.exclusion:
            row.excluded += 1
            row.exclusions[decision.exclusion] += 1
            continue
        stage = decision.stage if decision else None
        stages[stage or "(no decision)"] += 1
        if stage in QUALIFIED_STAGES:
            tally[1] += 1
        if stage == "mql":
            row.mql += 1
        elif stage == "sql":
            row.sql += 1
        if base.get("converted") is True:
            row.converted += 1
            stages["converted"] += 1
        if base.get("opportunity_status") == "won":
            row.won += 1
            stages["won"] += 1
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
        stages=stages,
        by_period={
            source: {period: (n[0], n[1]) for period, n in periods.items()}
            for source, periods in by_period.items()
        },
        letters=pending[:DEAD_LETTERS_SHOWN],
        held=held_records(decisions, hold_stages),
        closed_loop=closed_loop(state),
    )


def build_charts(data: ReportData) -> dict[str, str]:
    """SVG for: raw vs qualified by source over time, exclusions, stage funnel, run health."""
    series = []
    for source in [s.source for s in data.sources[:SOURCES_CHARTED]]:
        periods = sorted(data.by_period.get(source, {}))
        values = [data.by_period[source][p] for p in periods]
        series.append(Series(source, periods, [v[0] for v in values], [v[1] for v in values]))
    kept = sum(s.people - s.excluded for s in data.sources)
    people = sum(s.people for s in data.sources)
    funnel = [Bar("all linked people", people, RAW), Bar("kept (not excluded)", kept, RAW)]
    others = sorted(k for k in data.stages if k not in STAGE_ORDER)  # e.g. a new stage
    for stage in [*STAGE_ORDER[:3], *others, *STAGE_ORDER[3:]]:
        if stage in data.stages or stage in STAGE_ORDER:
            label = stage.upper() if stage in QUALIFIED_STAGES else stage
            funnel.append(Bar(label, data.stages[stage]))
    exclusions = [Bar(words, n, "#c0392b") for words, n in data.exclusions.most_common()]
    runs = [
        RunPoint(
            r.started_at.strftime("%m-%d %H:%M"),
            r.status,
            _written(r.stats),
            int(str(r.stats.get("dead_letters") or 0)),
        )
        for r in reversed(data.runs)
        if not r.dry_run
    ]
    return {
        "quality": raw_vs_qualified("Raw vs qualified people by original source", series),
        "exclusions": horizontal_bars("Excluded people by reason", exclusions),
        "funnel": horizontal_bars("Stage funnel", funnel),
        "health": run_health("Sync health over runs", runs),
    }


def _written(stats: Mapping[str, object]) -> int:
    total = 0
    for key in ("created", "updated"):
        per = stats.get(key)
        if isinstance(per, dict):
            total += sum(int(v) for v in per.values() if isinstance(v, int))
    return total


def render(data: ReportData) -> str:
    """The report as one self-contained HTML page (autoescaped: record data is untrusted)."""
    env = Environment(
        loader=PackageLoader("sync", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["words"] = exclusion_words
    return env.get_template("report.html").render(r=data)
