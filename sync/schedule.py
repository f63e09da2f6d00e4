"""When scheduled runs start: a fixed interval ("15m") or a five-field cron line, plus jitter."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


class ScheduleError(ValueError):
    """A schedule that cannot be understood; the message shows the expected form."""


def parse_interval(text: str) -> float:
    """Seconds in "15m", "2s", "1.5h", "1d" (a bare number is seconds)."""
    match = _INTERVAL.match(text)
    if not match:
        raise ScheduleError(f"--every {text!r}: expected a duration like 15m, 30s, 1h or 1d")
    seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    if seconds <= 0:
        raise ScheduleError(f"--every {text!r}: the interval must be longer than 0 s")
    return seconds


class Schedule(Protocol):
    """Answers when the next cycle is due."""

    def next_after(self, at: datetime) -> datetime:
        """The first due time strictly after ``at``."""
        ...

    def period_s(self) -> float:
        """The usual time between two cycles (for health checks and jitter)."""
        ...


@dataclass(frozen=True)
class Every:
    """A cycle every ``seconds``, counted from the start of the previous one."""

    seconds: float

    def next_after(self, at: datetime) -> datetime:
        return at + timedelta(seconds=self.seconds)

    def period_s(self) -> float:
        return self.seconds


_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12), ("weekday", 0, 6))


def _field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else (1 if not step_text else 0)
        if step <= 0:
            raise ScheduleError(f"cron {name} {part!r}: the step after / must be a number > 0")
        if base == "*":
            start, stop = low, high
        elif re.fullmatch(r"\d+-\d+", base):
            start, stop = (int(x) for x in base.split("-"))
        elif base.isdigit():
            start = int(base)
            stop = high if step_text else start
        else:
            raise ScheduleError(f"cron {name} {part!r}: expected *, N, N-M, with /step, or a list")
        if name == "weekday" and stop == 7:  # 7 is Sunday too
            values.add(0)
            if start == 7:
                continue
            stop = 6
        if not (low <= start <= stop <= high):
            raise ScheduleError(f"cron {name} {part!r}: values must lie in {low}-{high}")
        values.update(range(start, stop + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A five-field cron line (minute hour day month weekday); times are read in UTC."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, line: str) -> Cron:
        parts = line.split()
        if len(parts) != 5:
            raise ScheduleError(
                f"--cron {line!r}: expected five fields (minute hour day month weekday), "
                'like "*/15 * * * *"'
            )
        m, h, d, mo, wd = (_field(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True))
        return cls(m, h, d, mo, wd, any_day=parts[2] == "*", any_weekday=parts[4] == "*")

    def _day_matches(self, at: datetime) -> bool:
        weekday = (at.weekday() + 1) % 7  # cron: 0 is Sunday
        in_days, in_weekdays = at.day in self.days, weekday in self.weekdays
        if self.any_day or self.any_weekday:  # cron's rule: both restricted means either
            return in_days and in_weekdays
        return in_days or in_weekdays

    def next_after(self, at: datetime) -> datetime:
        t = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=366 * 5)
        while t < limit:
            if t.month not in self.months or not self._day_matches(t):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
            elif t.hour not in self.hours:
                t = t.replace(minute=0) + timedelta(hours=1)
            elif t.minute not in self.minutes:
                t += timedelta(minutes=1)
            else:
                return t
        raise ScheduleError("the cron line never matches a date")

    def period_s(self) -> float:
        """The smallest gap between two due times within a week from a fixed start."""
        start = datetime(2024, 1, 1)  # a fixed Monday: this is arithmetic, not "now"
        first = self.next_after(start)
        second = self.next_after(first)
        return (second - first).total_seconds()


def parse_schedule(every: str | None, cron: str | None) -> Schedule:
    """The schedule of `leadsync run`: exactly one of --every and --cron."""
    if bool(every) == bool(cron):
        raise ScheduleError(
            "give exactly one of --every (like 15m) or --cron (like '*/15 * * * *')"
        )
    return Every(parse_interval(every)) if every else Cron.parse(cron or "")


@dataclass
class Jitter:
    """A random delay added to each due time, so many installations do not call at once.

    Seeded (``seed``) for repeatable tests; at most ``share`` of the period, capped at ``cap_s``.
    """

    seed: int | None = None
    share: float = 0.1
    cap_s: float = 60.0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def delay_s(self, period_s: float) -> float:
        return self._random.uniform(0, min(period_s * self.share, self.cap_s))
