"""Shared API budgets in Redis: one rolling window per HubSpot portal, one usage board per org.

Every worker process running a pair of the same portal takes its slots from the same sorted sets,
so the portal's 10-second limit holds however many pairs and machines use it. Time is Redis's
(``TIME`` inside the scripts): the workers' clocks never have to agree.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Self

import redis

from sync.settings import Settings

# KEYS: done (answered requests, score = answer time), in flight (score = lease end), paused.
# ARGV: max calls, window ms, lease ms, token. Returns 0 when a slot was taken, else ms to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max, window, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
-- a holder that died mid-request: its request counts as answered when its lease ended
local lost = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
for i = 1, #lost, 2 do redis.call('ZADD', KEYS[1], lost[i + 1], lost[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return paused - now end
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  if oldest[2] then return math.max(1, tonumber(oldest[2]) + window - now) end
  return 5
end
redis.call('ZADD', KEYS[2], now + lease, ARGV[4])
redis.call('PEXPIRE', KEYS[2], lease + window)
return 0
"""

# KEYS: done, in flight. ARGV: window ms, token. The request's window starts at its answer.
_RELEASE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 1000)
return 0
"""

# KEYS: paused. ARGV: ms. Pauses only ever get longer.
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
if until_ms > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return 0
"""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def hubspot_identity(settings: Settings) -> str:
    """A portal's budget key: its API host and a hash of its credential, never the secret.

    A private app's token, or an OAuth app's refresh token, belongs to one portal.
    """
    hs = settings.hubspot()
    secret = hs.token or hs.refresh_token
    return _digest(hs.url, secret.get_secret_value() if secret else "", hs.client_id or "")


def salesforce_identity(settings: Settings) -> str:
    """An org's budget key: its instance (or login) URL and the integration user, if any."""
    sf = settings.salesforce()
    return _digest(sf.url.lower(), sf.username or "")


class RedisRollingWindow:
    """At most ``max_calls`` answered-or-in-flight requests per ``window_s``, across processes.

    The same rule as connectors.ratelimit.RollingWindowLimiter (a slot is held from sending to
    the answer, and counted for a window from the answer), kept in Redis. A holder killed
    mid-request keeps its slot until its lease (the request timeout) ends, then for a window.
    """

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        max_calls: int,
        window_s: float,
        *,
        lease_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1 or window_s <= 0:
            raise ValueError("a rate limit needs at least one call per positive window")
        self.max_calls = max_calls
        self.window_s = window_s
        self.key = key
        self._keys = [f"{key}:done", f"{key}:inflight", f"{key}:paused"]
        self._lease_ms = int(lease_s * 1000)
        self._window_ms = int(window_s * 1000)
        self._acquire = client.register_script(_ACQUIRE)
        self._release = client.register_script(_RELEASE)
        self._pause = client.register_script(_PAUSE)
        self._sleep = sleep
        self._tokens: list[str] = []  # slots held by this object, oldest first
        self.waited_s = 0.0

    def acquire(self) -> None:
        """Block until a request may be sent, then hold a slot for it."""
        token = uuid.uuid4().hex
        while True:
            wait_ms = int(
                self._acquire(
                    keys=self._keys,
                    args=[self.max_calls, self._window_ms, self._lease_ms, token],
                )
            )
            if wait_ms <= 0:
                self._tokens.append(token)
                return
            delay = min(wait_ms / 1000, self.window_s)
            self.waited_s += delay
            self._sleep(delay)

    def release(self) -> None:
        """The request's answer arrived: its window starts now."""
        if not self._tokens:
            return
        token = self._tokens.pop(0)
        self._release(keys=self._keys[:2], args=[self._window_ms, token])

    def pause(self, seconds: float) -> None:
        """Let no request of any process through for ``seconds`` (the server answered 429)."""
        self._pause(keys=[self._keys[2]], args=[max(1, int(seconds * 1000))])

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class RedisUsageBoard:
    """An org's latest daily API usage as any worker saw it (Sforce-Limit-Info), for an hour."""

    def __init__(self, client: redis.Redis, key: str, ttl_s: int = 3600) -> None:
        self._client = client
        self.key = key
        self._ttl_s = ttl_s

    def note(self, used: int, limit: int) -> None:
        pipe = self._client.pipeline()
        pipe.hset(self.key, mapping={"used": used, "limit": limit})
        pipe.expire(self.key, self._ttl_s)
        pipe.execute()

    def latest(self) -> tuple[int, int] | None:
        values: list[bytes | None] = list(self._client.hmget(self.key, ["used", "limit"]))  # type: ignore[arg-type]
        used, limit = values
        if used is None or limit is None:
            return None
        return int(used), int(limit)
