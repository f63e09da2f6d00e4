import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sync.lock import LockHeld, LockLost, pid_alive
from sync.state import StateStore
from sync.state_models import BatchCommit, Link
from sync.state_schema import locks

T0 = datetime(2026, 3, 1, tzinfo=UTC)

HOLDER = textwrap.dedent(
    """
    import sys, time
    from sync.state import StateStore
    store = StateStore(sys.argv[1], pair=sys.argv[2])
    with store.lock():
        print("locked", flush=True)
        time.sleep(60)
    """
)


def hold_in_child(url: str, pair: str = "p") -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, pair],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "locked", "child did not take the lock"
    return child


def test_two_stores_exclude_each_other(state_url: str) -> None:
    with StateStore(state_url, pair="p") as a, StateStore(state_url, pair="p") as b:
        with a.lock():
            with pytest.raises(LockHeld) as err, b.lock():
                pass
            assert err.value.owner == a.lock_owner
            assert err.value.since is not None
            assert abs(err.value.since - datetime.now(UTC)) < timedelta(minutes=1)
            assert f"{socket.gethostname()}:{os.getpid()}" in str(err.value)
        with b.lock(), pytest.raises(LockHeld), a.lock():  # a released it on exit
            pass
        with a.lock():
            pass


def test_other_pair_is_not_blocked(state_url: str) -> None:
    with (
        StateStore(state_url, pair="p") as a,
        StateStore(state_url, pair="q") as b,
        a.lock(),
        b.lock(),
    ):
        pass


def test_wait_takes_the_lock_when_released(state_url: str) -> None:
    with StateStore(state_url, pair="p") as a, StateStore(state_url, pair="p") as b:
        cm = a.lock()
        cm.__enter__()
        timer = threading.Timer(0.5, cm.__exit__, (None, None, None))
        timer.start()
        started = time.monotonic()
        with b.lock(wait_s=10):
            waited = time.monotonic() - started
        timer.join()
        assert 0.3 < waited < 5


def test_wait_gives_up(state_url: str) -> None:
    with StateStore(state_url, pair="p") as a, StateStore(state_url, pair="p") as b, a.lock():
        started = time.monotonic()
        with pytest.raises(LockHeld), b.lock(wait_s=0.5):
            pass
        assert time.monotonic() - started >= 0.5


def test_lock_released_on_exception(state_url: str) -> None:
    with StateStore(state_url, pair="p") as a, StateStore(state_url, pair="p") as b:
        with pytest.raises(ZeroDivisionError), a.lock():
            1 / 0  # noqa: B018
        with b.lock():
            pass


def test_other_process_holds_then_is_killed(state_url: str) -> None:
    child = hold_in_child(state_url)
    try:
        with StateStore(state_url, pair="p") as store:
            with pytest.raises(LockHeld) as err, store.lock():
                pass
            assert f":{child.pid}:" in err.value.owner
            child.send_signal(signal.SIGKILL)  # kill -9: no cleanup runs in the child
            child.wait()
            # PostgreSQL drops the dead session's advisory lock; SQLite sees the pid is gone.
            with store.lock(wait_s=10):
                pass
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stdout is not None
        child.stdout.close()


def _write_lock_row(url: str, *, host: str, pid: int, heartbeat: datetime) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.delete(locks))
        conn.execute(
            locks.insert().values(
                pair="p",
                owner=f"{host}:{pid}:abcd",
                host=host,
                pid=pid,
                acquired_at=heartbeat,
                heartbeat_at=heartbeat,
            )
        )
    engine.dispose()


def test_sqlite_stale_heartbeat_is_taken_over(sqlite_url: str) -> None:
    with StateStore(sqlite_url, pair="p", lock_stale_after_s=60) as store:
        # A run on another machine that still beats: it holds the lock.
        _write_lock_row(sqlite_url, host="elsewhere", pid=1, heartbeat=datetime.now(UTC))
        with pytest.raises(LockHeld) as err, store.lock():
            pass
        assert err.value.owner == "elsewhere:1:abcd"
        # The same run silent for longer than the timeout: it crashed, take over.
        old = datetime.now(UTC) - timedelta(seconds=61)
        _write_lock_row(sqlite_url, host="elsewhere", pid=1, heartbeat=old)
        with store.lock():
            pass


class MovableClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _heartbeat_at(url: str) -> datetime:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(sa.select(locks.c.heartbeat_at)).scalar_one()
    finally:
        engine.dispose()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_sqlite_heartbeat_keeps_a_live_lock(sqlite_url: str) -> None:
    clock = MovableClock(T0)
    with (
        StateStore(sqlite_url, pair="p", lock_stale_after_s=0.8, clock=clock) as a,
        StateStore(sqlite_url, pair="p", lock_stale_after_s=0.8, clock=clock) as b,
        a.lock(),
    ):
        clock.advance(1.7)  # > 2 timeouts: only the heartbeat keeps the row fresh
        # The heartbeat thread beats every timeout/4: wait for it to stamp the moved clock.
        deadline = time.monotonic() + 10
        while _heartbeat_at(sqlite_url) != clock.now and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _heartbeat_at(sqlite_url) == clock.now
        with pytest.raises(LockHeld), b.lock():
            pass


def test_sqlite_lock_without_heartbeat_goes_stale_on_the_clock(sqlite_url: str) -> None:
    clock = MovableClock(T0)
    with (
        StateStore(sqlite_url, pair="p", lock_stale_after_s=60, clock=clock) as a,
        StateStore(sqlite_url, pair="p", lock_stale_after_s=60, clock=clock) as b,
        a.lock(),
    ):
        assert a._lock.beat()  # noqa: SLF001  (the heartbeat thread's step, once)
        clock.advance(30)
        with pytest.raises(LockHeld), b.lock():
            pass
        clock.advance(61)  # a's thread beats every 15 s of real time: not yet
        with b.lock():  # a looks dead on the clock: b takes over
            pass
        assert not a._lock.beat()  # noqa: SLF001  a learns it lost the lock


def test_commit_refused_after_lock_was_taken_over(state_url: str) -> None:
    with StateStore(state_url, pair="p") as store, store.lock():
        link = Link("l1", "1", "00Q1")
        store.commit_batch(BatchCommit(at=T0, links=[link]))
        # Another run decided we were dead and took the lock: we must stop writing state.
        engine = sa.create_engine(state_url)
        with engine.begin() as conn:
            conn.execute(sa.update(locks).values(owner="elsewhere:1:x"))
        engine.dispose()
        with pytest.raises(LockLost):
            store.commit_batch(BatchCommit(at=T0, links=[Link("l2", "2", "00Q2")]))
        assert [x.id for x in store.load_links()] == ["l1"]


def test_commit_without_lock_is_allowed(state_url: str) -> None:
    # Tools and tests may write without the run lock; the fencing check is for lock holders.
    with StateStore(state_url, pair="p") as store:
        store.commit_batch(BatchCommit(at=T0, links=[Link("l1", "1", "00Q1")]))
        assert len(store.load_links()) == 1


def test_pid_alive() -> None:
    assert pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)


def test_zombie_counts_as_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # exited but not reaped: a zombie
        with open(f"/proc/{child.pid}/stat") as stat:
            if stat.read().rpartition(")")[2].split()[0] == "Z":
                break
        time.sleep(0.02)
    try:
        assert not pid_alive(child.pid)
    finally:
        child.wait()
