"""The runs of many pairs: close runs whose worker died, and each pair's status for operators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from sync.state import StateStore
from sync.state_errors import StateError
from sync.state_schema import create_state_engine, runs
from workers.pairs import PairsError, PairsFile

INTERRUPTED = "interrupted"


def close_interrupted_runs(url: str, pair: str, before_run: str) -> int:
    """Mark the pair's runs still "running" that started before ``before_run`` as interrupted.

    Call it after ``before_run`` finished: that run held the pair's lock, so any older run still
    marked running had lost its worker (killed mid-cycle). It ends when the next run began, so
    the runs table shows no two runs of a pair at once. Returns how many runs were closed.
    """
    engine = create_state_engine(url)
    try:
        with engine.begin() as conn:
            started = conn.execute(
                sa.select(runs.c.started_at).where(runs.c.id == before_run, runs.c.pair == pair)
            ).scalar_one_or_none()
            if started is None:
                return 0
            result = conn.execute(
                sa.update(runs)
                .where(
                    runs.c.pair == pair,
                    runs.c.status == "running",
                    runs.c.started_at < started,
                )
                .values(status=INTERRUPTED, finished_at=started)
            )
            return int(result.rowcount or 0)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class PairStatus:
    """One pair as ``leadsync pairs status`` shows it."""

    pair: str
    schedule: str
    last_run: str | None
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    age_s: float | None  # since the last run ended (or began, while it runs)
    runs: int
    links_active: int
    dead_letters_pending: int
    stats: dict[str, object]
    problem: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "pair": self.pair,
            "schedule": self.schedule,
            "last_run": self.last_run,
            "status": self.status,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "age_s": None if self.age_s is None else round(self.age_s, 1),
            "runs": self.runs,
            "links_active": self.links_active,
            "dead_letters_pending": self.dead_letters_pending,
            "pulled": self.stats.get("pulled"),
            "created": self.stats.get("created"),
            "updated": self.stats.get("updated"),
            "dead_letters": self.stats.get("dead_letters"),
            "problem": self.problem,
        }


def pair_statuses(pairs: PairsFile, now: datetime) -> list[PairStatus]:
    """The last run, status, age and counts of every pair in the file."""
    out: list[PairStatus] = []
    for pair in pairs.pairs:
        schedule = str(pair.schedule)
        try:
            settings = pair.settings()
            with StateStore(settings.state_url, pair=pair.name) as state:
                counts = state.counts()
        except (PairsError, StateError) as exc:
            out.append(
                PairStatus(
                    pair.name,
                    schedule,
                    None,
                    "error",
                    None,
                    None,
                    None,
                    0,
                    0,
                    0,
                    {},
                    problem=str(exc),
                )
            )
            continue
        last = counts.last_run
        age = None
        if last is not None:
            age = (now - (last.finished_at or last.started_at)).total_seconds()
        out.append(
            PairStatus(
                pair=pair.name,
                schedule=schedule,
                last_run=last.id if last else None,
                status=last.status if last else "never run",
                started_at=last.started_at if last else None,
                finished_at=last.finished_at if last else None,
                age_s=age,
                runs=counts.runs,
                links_active=counts.links_active,
                dead_letters_pending=counts.dead_letters_pending,
                stats=dict(last.stats) if last else {},
            )
        )
    return out
