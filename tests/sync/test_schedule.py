"""Schedules of `leadsync run`: intervals, cron, jitter; the scheduler loop on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sync.health import health
from sync.lock import LockHeld
from sync.schedule import Cron, Every, Jitter, ScheduleError, parse_interval, parse_schedule
from sync.scheduler import RunStopped, Scheduler
from sync.state_models import RunRow

T0 = datetime(2026, 3, 2, 9, 7, 30, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("15m", 900), ("2s", 2), ("0.2s", 0.2), ("1h", 3600), ("1d", 86400), ("45", 45)],
)
def test_intervals(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "15x", "-1m", "0s", "fifteen minutes"])
def test_bad_intervals_say_the_expected_form(text: str) -> None:
    with pytest.raises(ScheduleError, match="15m|longer than 0"):
        parse_interval(text)


@pytest.mark.parametrize(
    ("line", "after", "due"),
    [
        ("*/15 * * * *", T0, T0.replace(minute=15, second=0)),
        ("0 * * * *", T0, T0.replace(hour=10, minute=0, second=0)),
        ("30 2 * * *", T0, (T0 + timedelta(days=1)).replace(hour=2, minute=30, second=0)),
        ("0 9 * * 0", T0, datetime(2026, 3, 8, 9, 0, tzinfo=UTC)),  # next Sunday
        ("0 9 * * 7", T0, datetime(2026, 3, 8, 9, 0, tzinfo=UTC)),  # 7 is Sunday too
        ("0 0 1 * *", T0, datetime(2026, 4, 1, 0, 0, tzinfo=UTC)),
        ("5,35 8-10 * * 1-5", T0, T0.replace(minute=35, second=0)),
    ],
)
def test_cron_next_due_time(line: str, after: datetime, due: datetime) -> None:
    assert Cron.parse(line).next_after(after) == due


@pytest.mark.parametrize("line", ["* * * *", "61 * * * *", "*/0 * * * *", "a * * * *"])
def test_bad_cron_lines(line: str) -> None:
    with pytest.raises(ScheduleError, match="cron"):
        Cron.parse(line)


def test_exactly_one_schedule() -> None:
    with pytest.raises(ScheduleError, match="exactly one"):
        parse_schedule(None, None)
    with pytest.raises(ScheduleError, match="exactly one"):
        parse_schedule("15m", "* * * * *")
    assert parse_schedule("15m", None) == Every(900)
    assert Cron.parse("*/15 * * * *").period_s() == 900


def test_jitter_is_seeded_and_bounded() -> None:
    a = [Jitter(seed=3).delay_s(900) for _ in range(3)]
    b = [Jitter(seed=3).delay_s(900) for _ in range(3)]
    assert a == b
    j = Jitter(seed=1, share=0.1, cap_s=60)
    delays = [j.delay_s(900) for _ in range(200)]
    assert all(0 <= d <= 60 for d in delays)
    assert all(0 <= Jitter(seed=2).delay_s(2) <= 0.2 for _ in range(50))


class FakeTime:
    """A clock that only moves when the scheduler waits, plus a record of the waits."""

    def __init__(self) -> None:
        self.now = T0
        self.waits: list[float] = []

    def clock(self) -> datetime:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += timedelta(seconds=seconds)
        return False


def test_three_cycles_on_the_interval_without_real_sleep() -> None:
    t = FakeTime()
    starts: list[datetime] = []

    def cycle(_on_batch: object) -> str:
        starts.append(t.now)
        t.now += timedelta(seconds=0.5)  # the cycle itself takes time
        return "ok"

    s = Scheduler(Every(2), cycle, clock=t.clock, wait=t.wait, jitter=Jitter(share=0), max_cycles=3)
    outcomes = s.run()
    assert [o.status for o in outcomes] == ["ok", "ok", "ok"]
    assert starts == [T0, T0 + timedelta(seconds=2), T0 + timedelta(seconds=4)]
    assert t.waits == [1.5, 1.5]


def test_a_failed_cycle_is_survived_and_backed_off() -> None:
    t = FakeTime()
    results = iter([RuntimeError("HubSpot said 503 five times"), "failed", "ok", "ok"])
    starts: list[datetime] = []

    def cycle(_on_batch: object) -> str:
        starts.append(t.now)
        got = next(results)
        if isinstance(got, Exception):
            raise got
        return got

    s = Scheduler(
        Every(10), cycle, clock=t.clock, wait=t.wait, jitter=Jitter(share=0), max_cycles=4
    )
    outcomes = s.run()
    assert [o.status for o in outcomes] == ["failed", "failed", "ok", "ok"]
    assert outcomes[0].message == "HubSpot said 503 five times"
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    assert gaps == [10, 20, 10]  # backoff doubles after the second failure, then back to normal


def test_a_cycle_that_finds_the_lock_held_is_skipped_not_overlapped() -> None:
    t = FakeTime()
    calls = iter([LockHeld("default", "host:1:x", T0), "ok"])

    def cycle(_on_batch: object) -> str:
        got = next(calls)
        if isinstance(got, Exception):
            raise got
        return got

    s = Scheduler(Every(5), cycle, clock=t.clock, wait=t.wait, jitter=Jitter(share=0), max_cycles=2)
    assert [o.status for o in s.run()] == ["skipped", "ok"]


def test_stop_during_a_cycle_ends_after_the_current_batch() -> None:
    t = FakeTime()
    batches: list[int] = []

    def cycle(on_batch: object) -> str:
        assert callable(on_batch)
        for done in (200, 400, 600):
            batches.append(done)
            if done == 200:
                s.request_stop()  # SIGTERM arrives during the first batch
            on_batch(done, 600)
        return "ok"

    s = Scheduler(Every(5), cycle, clock=t.clock, wait=t.wait, jitter=Jitter(share=0))
    outcomes = s.run()
    assert batches == [200]
    assert [o.status for o in outcomes] == ["stopped"]
    assert "200 of 600" in outcomes[0].message


def test_stop_while_waiting_ends_at_once() -> None:
    t = FakeTime()

    def wait(seconds: float) -> bool:
        t.now += timedelta(seconds=seconds / 2)
        return True  # the stop event fired

    s = Scheduler(Every(60), lambda _cb: "ok", clock=t.clock, wait=wait, jitter=Jitter(share=0))
    assert [o.status for o in s.run()] == ["ok"]


def test_the_last_batch_is_not_interrupted() -> None:
    s = Scheduler(Every(5), lambda _cb: "ok")
    s.request_stop()
    s._on_batch(600, 600)  # the run is complete: nothing to stop
    with pytest.raises(RunStopped):
        s._on_batch(200, 600)


def _run(minutes_ago: float, status: str, dry_run: bool = False) -> RunRow:
    at = T0 - timedelta(minutes=minutes_ago)
    return RunRow("r" + status + str(minutes_ago), "default", at, at, status, dry_run, {})


def test_health_is_late_after_n_missed_cycles() -> None:
    runs = [_run(5, "failed"), _run(20, "ok")]
    fresh = health(runs, T0, period_s=900, missed=3)
    assert fresh.healthy and fresh.last_run is runs[0] and fresh.last_good_run is runs[1]
    assert fresh.last_good_age_s == 1200
    assert "last run failed" in fresh.message
    late = health([_run(46, "ok")], T0, period_s=900, missed=3)
    assert not late.healthy and "more than 3 cycles" in late.message
    assert not health([], T0, period_s=900, missed=3).healthy
    assert not health([_run(1, "ok", dry_run=True)], T0, period_s=900, missed=3).healthy
    assert health([_run(1, "partial")], T0, period_s=900, missed=3).to_json()["healthy"] is True
