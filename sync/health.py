"""Scheduled-run health for monitors: the last run, the last good run, and whether it is late."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sync.state_models import RunRow

GOOD = ("ok", "partial")  # partial: the run went through, some records were refused


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Health:
    """The answer of `leadsync status --check`."""

    last_run: RunRow | None
    last_good_run: RunRow | None
    last_run_age_s: float | None
    last_good_age_s: float | None
    max_age_s: float
    healthy: bool
    message: str

    def to_json(self) -> dict[str, object]:
        def run(row: RunRow | None, age: float | None) -> dict[str, object] | None:
            if row is None:
                return None
            return {
                "id": row.id,
                "status": row.status,
                "started_at": _aware(row.started_at).isoformat(),
                "finished_at": _aware(row.finished_at).isoformat() if row.finished_at else None,
                "age_s": round(age, 1) if age is not None else None,
                "message": str(row.stats.get("message") or row.stats.get("error") or ""),
            }

        return {
            "last_run": run(self.last_run, self.last_run_age_s),
            "last_good_run": run(self.last_good_run, self.last_good_age_s),
            "max_age_s": self.max_age_s,
            "healthy": self.healthy,
            "message": self.message,
        }


def health(runs: Sequence[RunRow], now: datetime, *, period_s: float, missed: int) -> Health:
    """Healthy when a good (ok or partial) real run ended within ``missed`` periods of ``now``.

    ``runs`` are newest first (StateStore.runs); dry runs do not count.
    """
    real = [r for r in runs if not r.dry_run]
    last = real[0] if real else None
    good = next((r for r in real if r.status in GOOD), None)
    max_age = period_s * missed

    def age(row: RunRow | None) -> float | None:
        if row is None:
            return None
        return (_aware(now) - _aware(row.finished_at or row.started_at)).total_seconds()

    good_age = age(good)
    if good is None:
        ok, message = False, "no good run yet"
    elif good_age is not None and good_age > max_age:
        ok = False
        message = (
            f"the last good run ended {good_age:.0f} s ago, more than {missed} cycles "
            f"({max_age:.0f} s)"
        )
    else:
        ok, message = True, f"the last good run ended {good_age or 0:.0f} s ago"
    if last is not None and last.status not in GOOD and last is not good:
        reason = str(last.stats.get("message") or last.stats.get("error") or "")
        message += f"; the last run {last.status}" + (f": {reason}" if reason else "")
    return Health(last, good, age(last), good_age, max_age, ok, message)
