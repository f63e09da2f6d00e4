"""Shared run-time context of the sandbox servers: fault settings, call counts, clock, lock."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass
class FaultConfig:
    """Seeded, reproducible faults and limits. Rates are shares of requests (0..1)."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0  # answered 503 without being processed
    timeout_rate: float = 0.0  # processed, then the answer is held for timeout_s
    timeout_s: float = 10.0
    lock_row_rate: float = 0.0  # Salesforce writes refused with UNABLE_TO_LOCK_ROW
    storm_until: float = 0.0  # monotonic time until which HubSpot answers 429 (a 429 storm)
    hubspot_rate: str = "190/10s"  # rolling bucket of a private app
    hubspot_search_per_second: int = 5
    hubspot_daily_limit: int = 1_000_000
    hubspot_index_delay_s: float = 1.0
    salesforce_daily_limit: int = 1_000_000
    salesforce_session_idle_s: float = 7200.0  # the org's session timeout (default 2 hours)
    hubspot_token_lifetime_s: float = 1800.0  # OAuth access tokens last 30 minutes
    seed: int = 0

    def hubspot_bucket(self) -> tuple[int, float]:
        """Parse ``hubspot_rate`` ("190/10s") into (requests, window seconds)."""
        count, _, window = self.hubspot_rate.partition("/")
        return int(count), float(window.rstrip("s") or 10)


class CallCounter:
    """Counts every answered request per system, keyed "METHOD /path/{template}".

    It also keeps each request target's length in bytes (path and query string as sent), so
    tests can check that no client builds URLs near the servers' limits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = {"salesforce": Counter(), "hubspot": Counter()}
        self._targets: dict[str, list[int]] = {"salesforce": [], "hubspot": []}

    def record_target(self, system: str, length: int) -> None:
        with self._lock:
            self._targets.setdefault(system, []).append(length)

    def target_lengths(self, system: str) -> list[int]:
        """Every request target's length in bytes, in arrival order."""
        with self._lock:
            return list(self._targets.get(system, []))

    def longest_target(self, system: str) -> int:
        """The longest request target seen, in bytes (0 before any request)."""
        with self._lock:
            return max(self._targets.get(system) or [0])

    def record(self, system: str, method: str, template: str) -> None:
        with self._lock:
            self._counts.setdefault(system, Counter())[f"{method} {template}"] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {system: dict(c) for system, c in self._counts.items()}

    def total(self, system: str) -> int:
        with self._lock:
            return sum(self._counts.get(system, Counter()).values())

    def reset(self) -> None:
        with self._lock:
            for c in self._counts.values():
                c.clear()
            for t in self._targets.values():
                t.clear()


CLOCK_OFFSET_ENV = "LEADSYNC_SANDBOX_CLOCK_OFFSET_S"


def clock_offset_from_env() -> float:
    """The sandbox clock's offset from the wall clock, in seconds, from the environment.

    ``LEADSYNC_SANDBOX_CLOCK_OFFSET_S=31536000`` runs every sandbox a year ahead: everything
    it stamps (record dates, modification stamps, rate-limit days, index lag, expiry) follows
    its own clock, so a test suite can be run "on another day" without faking the process's
    time (libfaketime and the like break Python's timed waits).
    """
    raw = os.environ.get(CLOCK_OFFSET_ENV, "").strip()
    if not raw:
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{CLOCK_OFFSET_ENV} must be a number of seconds, got {raw!r}") from None


@dataclass
class SandboxContext:
    """What both emulated systems share: faults, counters, a seeded RNG, the clock, one lock."""

    faults: FaultConfig = field(default_factory=FaultConfig)
    calls: CallCounter = field(default_factory=CallCounter)
    lock: threading.RLock = field(default_factory=threading.RLock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    # Tests move the sandbox clock forward instead of sleeping; the environment can start it
    # anywhere (see clock_offset_from_env).
    clock_offset_s: float = field(default_factory=clock_offset_from_env)

    def now(self) -> datetime:
        """Current sandbox time (UTC, aware)."""
        return datetime.fromtimestamp(time.time() + self.clock_offset_s, UTC)

    def monotonic(self) -> float:
        return time.monotonic() + self.clock_offset_s

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of sandbox time pass at once (no real waiting)."""
        self.clock_offset_s += seconds

    def set_clock(self, at: datetime) -> None:
        """Move the sandbox clock so that it reads ``at`` now (and runs on from there)."""
        self.clock_offset_s = at.timestamp() - time.time()
