"""The one retry policy: exponential backoff with jitter, server waits honoured, bounded."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from connectors.errors import RateLimitedError, RetryableError

T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a call is retried.

    ``safe`` on :meth:`call` says whether repeating the request cannot duplicate anything (reads,
    updates, upserts on an external id). An unsafe request (a plain create) is retried only when
    the failure proves the server did not process it (a 429, a refused connection).
    """

    max_attempts: int = 8
    max_total_s: float = 120.0
    initial_s: float = 0.25
    max_backoff_s: float = 20.0
    max_server_wait_s: float = 60.0  # a longer Retry-After is capped (the attempts still bound)
    min_rate_limited_s: float = 1.0  # a 429 without a hint: buckets refill in seconds, not ms
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def backoff(self, attempt: int) -> float:
        """Full-jitter exponential backoff for the given (1-based) attempt."""
        ceiling = min(self.max_backoff_s, self.initial_s * 2 ** (attempt - 1))
        return self.rng.uniform(0.0, ceiling)

    def wait_for(self, error: BaseException | None, attempt: int) -> float:
        """Seconds to wait before the next attempt after ``error``."""
        if isinstance(error, RateLimitedError) and error.wait_s is not None:
            # The server knows when capacity returns; a little jitter spreads the restart.
            return min(error.wait_s, self.max_server_wait_s) + self.rng.uniform(0.0, 0.1)
        if isinstance(error, RateLimitedError):
            return max(self.min_rate_limited_s, self.backoff(attempt))
        return self.backoff(attempt)

    def should_retry(self, error: BaseException, *, safe: bool) -> bool:
        """Whether ``error`` is worth another attempt for a request of the given safety."""
        if not isinstance(error, RetryableError):
            return False
        return safe or not error.may_have_applied

    def call(
        self,
        fn: Callable[[], T],
        *,
        safe: bool,
        on_retry: Callable[[BaseException, float], None] | None = None,
    ) -> T:
        """Run ``fn`` until it succeeds, the error is not retryable, or the bounds are reached."""

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            return self.wait_for(error, state.attempt_number)

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            delay = state.next_action.sleep if state.next_action else 0.0
            log.info("retrying after %s in %.2fs (attempt %d)", error, delay, state.attempt_number)
            if on_retry is not None and error is not None:
                on_retry(error, delay)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_total_s),
            wait=wait,
            retry=retry_if_exception(lambda e: self.should_retry(e, safe=safe)),
            sleep=self.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(fn)
