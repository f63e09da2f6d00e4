"""The Celery app of leadsync: broker, queue and delivery rules (``celery -A workers.app``)."""

from __future__ import annotations

from celery import Celery

from sync.settings import Settings, load_settings

CYCLE_TASK = "leadsync.cycle"


def queue_name(settings: Settings) -> str:
    """The queue the pair cycles of this namespace go to."""
    return f"{settings.worker_namespace}.cycles"


def make_app(settings: Settings | None = None) -> Celery:
    """A Celery app for the settings' broker and namespace, with the cycle task registered."""
    s = settings or load_settings()
    app = Celery("leadsync", broker=s.broker_url, include=["workers.tasks"])
    transport: dict[str, object] = {}
    if s.broker_url.startswith(("redis://", "rediss://")):
        transport = {
            # An unacknowledged cycle (its worker died) goes back to the queue after this long;
            # keep it above the longest cycle: a live cycle redelivered only meets the lock.
            "visibility_timeout": s.visibility_timeout_s,
            "unacked_restore_interval": max(1, min(10, int(s.visibility_timeout_s / 4))),
            "unacked_restore_throttle": 1,
            # Every broker key of a namespace apart: two deployments share one Redis safely.
            "global_keyprefix": f"{s.worker_namespace}:",
        }
    app.conf.update(
        task_default_queue=queue_name(s),
        # Acknowledge after the cycle: a worker killed mid-cycle leaves it to be redelivered,
        # and the pair lock (PostgreSQL advisory lock) keeps a redelivery from running twice.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_transport_options=transport,
        broker_connection_retry_on_startup=True,
        beat_scheduler="workers.beat:PairScheduler",
        timezone="UTC",
        enable_utc=True,
        worker_hijack_root_logger=False,
    )
    app.conf.leadsync_settings = s
    return app


app = make_app()
