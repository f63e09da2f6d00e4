"""A private app's rate limits: rolling 10-second bucket, search per second, daily cap, storms."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import date

from sandbox.context import SandboxContext

_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "DAILY": "You have reached your daily limit.",
}


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on, the policy that refused it, and the headers to send."""

    policy: str | None
    headers: dict[str, str]

    @property
    def allowed(self) -> bool:
        return self.policy is None

    def body(self, correlation_id: str) -> dict[str, object]:
        return {
            "status": "error",
            "message": _MESSAGES[self.policy or "TEN_SECONDLY_ROLLING"],
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id,
            "policyName": self.policy,
        }


class RateLimiter:
    """Counts accepted requests; refused ones (429) spend nothing, so a client can recover."""

    def __init__(self, ctx: SandboxContext) -> None:
        self._ctx = ctx
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        self._search: deque[float] = deque()
        self._day: date | None = None
        self._daily = 0

    def check(self, *, search: bool = False) -> Verdict:
        faults = self._ctx.faults
        limit, window_s = faults.hubspot_bucket()
        per_second = faults.hubspot_search_per_second
        daily_limit = faults.hubspot_daily_limit
        with self._lock:
            now = self._ctx.monotonic()
            today = self._ctx.now().date()
            if today != self._day:
                self._day, self._daily = today, 0
            _trim(self._window, now - window_s)
            _trim(self._search, now - 1.0)
            policy: str | None = None
            if now < faults.storm_until:
                policy = "TEN_SECONDLY_ROLLING"
            elif self._daily >= daily_limit:
                policy = "DAILY"
            elif len(self._window) >= limit:
                policy = "TEN_SECONDLY_ROLLING"
            elif search and len(self._search) >= per_second:
                policy = "SECONDLY"
            else:
                self._daily += 1
                self._window.append(now)
                if search:
                    self._search.append(now)
            secondly = per_second if search else max(1, round(limit / window_s))
            secondly_used = len(self._search) if search else _count_since(self._window, now - 1.0)
            headers = {
                "X-HubSpot-RateLimit-Daily": str(daily_limit),
                "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily_limit - self._daily)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(window_s * 1000)),
                "X-HubSpot-RateLimit-Max": str(limit),
                "X-HubSpot-RateLimit-Remaining": str(max(0, limit - len(self._window))),
                "X-HubSpot-RateLimit-Secondly": str(secondly),
                "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - secondly_used)),
            }
            return Verdict(policy, headers)


def _trim(stamps: deque[float], before: float) -> None:
    while stamps and stamps[0] <= before:
        stamps.popleft()


def _count_since(stamps: deque[float], since: float) -> int:
    count = 0
    for stamp in reversed(stamps):
        if stamp <= since:
            break
        count += 1
    return count
