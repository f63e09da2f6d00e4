import threading
import time

import pytest

from connectors.ratelimit import RollingWindowLimiter


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self):
        return self.now

    def sleep(self, s):
        with self.lock:
            self.now += s


def test_parse():
    limiter = RollingWindowLimiter.parse("190/10s")
    assert (limiter.max_calls, limiter.window_s) == (190, 10.0)
    with pytest.raises(ValueError):
        RollingWindowLimiter.parse("fast")


def test_never_more_than_max_in_any_window():
    clock = FakeClock()
    limiter = RollingWindowLimiter(5, 10.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(23):
        with limiter:
            stamps.append(clock.now)
    for t in stamps:
        assert sum(1 for s in stamps if t <= s < t + 10.0) <= 5
    # The bucket is used fully: 5 calls per 10 s, not fewer.
    assert stamps[5] == pytest.approx(10.0)
    assert stamps[-1] == pytest.approx(40.0)


def test_window_starts_when_the_answer_arrives():
    clock = FakeClock()
    limiter = RollingWindowLimiter(1, 1.0, clock=clock, sleep=clock.sleep)
    with limiter:
        clock.now += 0.5  # a slow answer
    with limiter:
        assert clock.now == pytest.approx(1.5)


def test_pause_holds_every_caller():
    clock = FakeClock()
    limiter = RollingWindowLimiter(100, 10.0, clock=clock, sleep=clock.sleep)
    limiter.pause(3.0)
    with limiter:
        assert clock.now == pytest.approx(3.0)


def test_thread_safe_under_real_threads():
    limiter = RollingWindowLimiter(10, 0.2)
    stamps = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            with limiter, lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    assert len(stamps) == 30
    for i in range(len(stamps) - 10):
        assert stamps[i + 10] - stamps[i] >= 0.2 - 1e-3
