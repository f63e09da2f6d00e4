"""What the adapters accept as an API budget, so several processes can share one portal's or org's.

The adapters build their own in-process limiters by default; a front end running many pairs (the
Celery workers) passes shared ones instead, keyed by portal or org.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self


class RateLimiter(Protocol):
    """A rolling-window limiter: hold a slot around each request (``with limiter: ...``)."""

    waited_s: float  # total time callers spent waiting

    def acquire(self) -> None: ...

    def release(self) -> None: ...

    def pause(self, seconds: float) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UsageBoard(Protocol):
    """The latest daily API usage of one org seen by any client: (used, limit)."""

    def note(self, used: int, limit: int) -> None: ...

    def latest(self) -> tuple[int, int] | None: ...
