"""Redis keys of one namespace: a pair's pending-cycle mark and the shared budgets' keys."""

from __future__ import annotations

import redis

from sync.settings import Settings


def redis_url(settings: Settings) -> str:
    """Where budgets and marks live: ``redis_url``, else the broker when it is Redis."""
    if settings.redis_url:
        return settings.redis_url
    if settings.broker_url.startswith(("redis://", "rediss://")):
        return settings.broker_url
    return "redis://127.0.0.1:6379/0"


def redis_client(settings: Settings) -> redis.Redis:
    return redis.Redis.from_url(redis_url(settings), socket_timeout=30, socket_connect_timeout=5)


def key(settings: Settings, *parts: str) -> str:
    """A key of this namespace: ``leadsync:<namespace>:<parts...>``."""
    return ":".join(("leadsync", settings.worker_namespace, *parts))


class PendingMarks:
    """One mark per pair from the moment its cycle is queued until the cycle ends.

    The scheduler queues a cycle only if it can set the mark, so a cycle still queued or running
    when its next slot comes makes the scheduler skip that slot rather than queue it twice. The
    mark expires (``pending_ttl_s``) in case a cycle's message is lost altogether.
    """

    def __init__(self, client: redis.Redis, settings: Settings) -> None:
        self._client = client
        self._settings = settings

    def _key(self, pair: str) -> str:
        return key(self._settings, "pending", pair)

    def claim(self, pair: str, token: str) -> bool:
        """Set the pair's mark; False if a cycle is already queued or running."""
        ttl_ms = int(self._settings.pending_ttl_s * 1000)
        return bool(self._client.set(self._key(pair), token, nx=True, px=ttl_ms))

    def holder(self, pair: str) -> str | None:
        value = self._client.get(self._key(pair))
        return value.decode() if isinstance(value, bytes) else None

    def clear(self, pair: str) -> None:
        self._client.delete(self._key(pair))
