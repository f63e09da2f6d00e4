"""Client-side rate limiting: a thread-safe rolling window that mirrors a server's bucket."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType


class RollingWindowLimiter:
    """At most ``max_calls`` requests in any ``window_s`` seconds, counted like the server does.

    A slot is held from the moment a request is sent until its answer arrives, and the window
    of that request starts at the answer: the server counted it somewhere in between, so this
    never lets a request through that the server's rolling window would refuse. Use as a
    context manager around each request.
    """

    def __init__(
        self,
        max_calls: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or window_s <= 0:
            raise ValueError("a rate limit needs at least one call per positive window")
        self.max_calls = max_calls
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._done: deque[float] = deque()
        self._in_flight = 0
        self._paused_until = 0.0
        self.waited_s = 0.0  # total time callers spent waiting, for benchmarks

    @classmethod
    def parse(
        cls,
        rate: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RollingWindowLimiter:
        """Build from "190/10s" (requests / window seconds)."""
        count, _, window = rate.partition("/")
        try:
            max_calls, window_s = int(count), float(window.strip().rstrip("s") or 1)
        except ValueError as exc:
            raise ValueError(f"bad rate {rate!r}, expected e.g. '190/10s'") from exc
        return cls(max_calls, window_s, clock=clock, sleep=sleep)

    def _delay(self, now: float) -> float:
        while self._done and self._done[0] <= now - self.window_s:
            self._done.popleft()
        delay = max(0.0, self._paused_until - now)
        if len(self._done) + self._in_flight >= self.max_calls:
            if self._done:
                delay = max(delay, self._done[0] + self.window_s - now)
            else:  # every slot is in flight: wait for one to finish
                delay = max(delay, 0.005)
        return delay

    def acquire(self) -> None:
        """Block until a request may be sent, then hold a slot for it."""
        while True:
            with self._lock:
                now = self._clock()
                delay = self._delay(now)
                if delay <= 0:
                    self._in_flight += 1
                    return
            self.waited_s += delay
            self._sleep(delay)

    def release(self) -> None:
        """The request's answer arrived: its window starts now."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            self._done.append(self._clock())

    def pause(self, seconds: float) -> None:
        """Let no request through for ``seconds`` (after the server answered 429)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def __enter__(self) -> RollingWindowLimiter:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
