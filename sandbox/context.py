"""Shared run-time context of the sandbox servers: fault settings, call counts, clock, lock."""

from __future__ import annotations

import math
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
    storm_until: float = float(
        "-inf"
    )  # monotonic time until which HubSpot answers 429 (a 429 storm)
    hubspot_rate: str = "190/10s"  # rolling bucket of a private app
    hubspot_search_per_second: int = 5
    hubspot_daily_limit: int = 1_000_000
    hubspot_index_delay_s: float = 1.0
    salesforce_daily_limit: int = 1_000_000
    salesforce_session_idle_s: float = 7200.0  # the org's session timeout (default 2 hours)
    hubspot_token_lifetime_s: float = 1800.0  # OAuth access tokens last 30 minutes
    # A connected app without the openid scope: GET /services/oauth2/userinfo answers 403.
    salesforce_userinfo_refused: bool = False
    # Late visibility: Salesforce stamps SystemModstamp when a transaction starts, so a long one
    # lands after later stamps were already read (why getDeleted reports latestDateCovered).
    # This share of writes without an explicit ``when`` is stamped up to ``salesforce_late_max_s``
    # before it becomes visible.
    salesforce_late_rate: float = 0.01
    salesforce_late_max_s: float = 2.0
    # HubSpot's search index lag has no documented bound ("a few moments"): on top of
    # ``hubspot_index_delay_s`` this share of writes waits a further uniform(0, tail] seconds.
    hubspot_index_tail_rate: float = 0.02
    hubspot_index_tail_s: float = 30.0
    # Bulk 2.0 ingest jobs stay InProgress this long (sandbox clock) after UploadComplete, then
    # end JobComplete, or Failed / Aborted at these rates (unprocessed rows served apart).
    bulk2_job_s: float = 10.0  # real jobs take seconds to minutes; tests opt in to 0
    bulk2_fail_rate: float = 0.0
    bulk2_abort_rate: float = 0.0
    # A merge may give the surviving HubSpot contact a new id (both originals then listed in
    # hs_merged_object_ids); the share of merges that do, unless the merge call says.
    hubspot_merge_new_id_rate: float = 0.0
    seed: int = 0

    def hubspot_bucket(self) -> tuple[int, float]:
        """Parse ``hubspot_rate`` ("190/10s") into (requests, window seconds)."""
        count, _, window = self.hubspot_rate.partition("/")
        return int(count), float(window.rstrip("s") or 10)


# What tests that need exact timing opt out of: no late Salesforce commits, no index tail.
EXACT_TIMING: dict[str, float] = {
    "salesforce_late_rate": 0.0,
    "hubspot_index_tail_rate": 0.0,
    "bulk2_job_s": 0.0,  # Bulk 2.0 jobs finish as soon as their upload closes
}


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
        offset = float(raw)
    except ValueError:
        offset = math.nan
    if not math.isfinite(offset):
        raise ValueError(f"{CLOCK_OFFSET_ENV} must be a finite number of seconds, got {raw!r}")
    return offset


@dataclass
class SandboxContext:
    """What both emulated systems share: faults, counters, a seeded RNG, the clock, one lock."""

    faults: FaultConfig = field(default_factory=FaultConfig)
    calls: CallCounter = field(default_factory=CallCounter)
    lock: threading.RLock = field(default_factory=threading.RLock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    # Late commits, index lags and bulk job outcomes draw here, so turning them on or off does
    # not shift the sequence of the request faults drawn from ``rng``.
    timing_rng: random.Random = field(default_factory=lambda: random.Random("timing-0"))
    # Tests move the sandbox clock forward instead of sleeping; the environment can start it
    # anywhere (see clock_offset_from_env).
    clock_offset_s: float = field(default_factory=clock_offset_from_env)

    @classmethod
    def exact(cls) -> SandboxContext:
        """A context with exact timing (``EXACT_TIMING``): for tests that need it."""
        faults = FaultConfig()
        for name, value in EXACT_TIMING.items():
            setattr(faults, name, value)
        return cls(faults=faults)

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

    def reseed(self, seed: int) -> None:
        """Seed both RNGs (the request faults and the timing draws) from one number."""
        self.rng.seed(seed)
        self.timing_rng.seed(f"timing-{seed}")

    def roll(self, rate: float) -> bool:
        """Whether a timing fault of this rate happens now."""
        return rate > 0 and self.timing_rng.random() < rate

    def draw(self, high_s: float) -> float:
        """A duration in (0, high_s] seconds."""
        return high_s * (1.0 - self.timing_rng.random())
