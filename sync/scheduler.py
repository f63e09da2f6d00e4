"""`leadsync run`: sync cycles on a schedule, never overlapping, stopping cleanly on a signal."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sync.schedule import Every, Jitter, Schedule

log = logging.getLogger(__name__)

# A cycle is given the callback to pass to run_sync(on_batch=...) and returns the run's status.
Cycle = Callable[[Callable[[int, int], None]], str]


class RunStopped(Exception):
    """Raised from the batch callback: a stop was asked for, the batch just committed is kept."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CycleOutcome:
    """What one scheduled cycle did: ok / partial / failed / stopped / skipped, and why."""

    number: int
    started_at: datetime
    status: str
    message: str = ""


@dataclass
class Scheduler:
    """Runs ``cycle`` on ``schedule`` until stopped; a failed cycle is logged and backed off.

    Waiting is injectable: ``clock`` says what time it is and ``wait(seconds)`` waits (returning
    True when a stop was asked for), so tests move a fake clock instead of sleeping.
    """

    schedule: Schedule
    cycle: Cycle
    clock: Callable[[], datetime] = _utc_now
    wait: Callable[[float], bool] | None = None
    jitter: Jitter = field(default_factory=Jitter)
    max_cycles: int | None = None  # stop after this many cycles (None: until a signal)
    max_backoff_s: float = 3600.0
    stop_event: threading.Event = field(default_factory=threading.Event)
    outcomes: list[CycleOutcome] = field(default_factory=list)

    def request_stop(self) -> None:
        """Stop after the batch in progress (or now, when waiting between cycles)."""
        self.stop_event.set()

    @property
    def stopping(self) -> bool:
        return self.stop_event.is_set()

    def _on_batch(self, done: int, total: int) -> None:
        if self.stopping and done < total:
            raise RunStopped(f"stopped after {done} of {total} people (signal received)")

    def _wait(self, seconds: float) -> bool:
        if self.wait is not None:
            return self.wait(seconds)
        return self.stop_event.wait(seconds)

    def backoff_s(self, failures: int) -> float:
        """The least wait after ``failures`` failed cycles in a row: period * 2**(n-1), capped."""
        period = self.schedule.period_s()
        return min(period * 2 ** max(failures - 1, 0), max(period, self.max_backoff_s))

    def next_due(self, started: datetime, failures: int) -> datetime:
        """When the next cycle starts: the schedule's next time (missed ones are skipped)."""
        now = self.clock()
        due = self.schedule.next_after(started)
        if due <= now:
            due = self.schedule.next_after(now)
        if failures:
            due = max(due, now + timedelta(seconds=self.backoff_s(failures)))
        return due + timedelta(seconds=self.jitter.delay_s(self.schedule.period_s()))

    def run(self) -> list[CycleOutcome]:
        """Run cycles until stopped or ``max_cycles`` are done; returns what each did."""
        failures = 0
        number = 0
        due = self.clock() if isinstance(self.schedule, Every) else self.next_due(self.clock(), 0)
        while not self.stopping:
            delay = (due - self.clock()).total_seconds()
            if delay > 0:
                log.info("next cycle at %s (in %.1f s)", due.isoformat(timespec="seconds"), delay)
                if self._wait(delay):
                    break
            number += 1
            started = self.clock()
            outcome = self._one(number, started)
            self.outcomes.append(outcome)
            if outcome.status == "stopped":
                break
            failures = failures + 1 if outcome.status == "failed" else 0
            if self.max_cycles is not None and number >= self.max_cycles:
                break
            due = self.next_due(started, failures)
        return self.outcomes

    def _one(self, number: int, started: datetime) -> CycleOutcome:
        from sync.lock import LockHeld

        try:
            status = self.cycle(self._on_batch)
        except RunStopped as exc:
            log.warning("cycle %d: %s", number, exc)
            return CycleOutcome(number, started, "stopped", str(exc))
        except LockHeld as exc:  # another run of the pair is going on: never overlap it
            log.warning("cycle %d skipped: %s", number, exc)
            return CycleOutcome(number, started, "skipped", str(exc))
        except Exception as exc:  # a failed cycle must not end the schedule
            message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.error("cycle %d failed: %s", number, message)
            return CycleOutcome(number, started, "failed", message)
        if status == "failed":
            log.error("cycle %d failed", number)
        else:
            log.info("cycle %d %s", number, status)
        return CycleOutcome(number, started, status)
