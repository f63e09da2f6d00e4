"""The pair cycle task: one sync cycle of one pair, under its lock, with the shared budgets."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from celery import Task
from celery.signals import worker_ready

from sync.lock import LockHeld
from sync.runner import build_connectors, run_sync
from sync.settings import Settings
from workers.app import CYCLE_TASK, app
from workers.budget import (
    RedisRollingWindow,
    RedisUsageBoard,
    hubspot_identity,
    salesforce_identity,
)
from workers.marks import PendingMarks, key, redis_client
from workers.metrics import METRICS, serve
from workers.pairs import load_pairs
from workers.runs import close_interrupted_runs

log = logging.getLogger(__name__)
RECENT_CYCLES = 1000  # outcomes kept in the namespace's "cycles" list


def base_settings() -> Settings:
    settings = app.conf.leadsync_settings
    assert isinstance(settings, Settings)
    return settings


@worker_ready.connect
def _serve_metrics(**_: object) -> None:
    port = base_settings().metrics_port
    if port:
        serve(port)
        log.info("metrics on :%d/metrics", port)


def _record(base: Settings, outcome: dict[str, object]) -> None:
    """Keep the cycle's outcome in the namespace's recent-cycles list (newest first)."""
    client = redis_client(base)
    pipe = client.pipeline()
    pipe.lpush(key(base, "cycles"), json.dumps(outcome, default=str))
    pipe.ltrim(key(base, "cycles"), 0, RECENT_CYCLES - 1)
    pipe.execute()


@app.task(name=CYCLE_TASK, bind=True)
def cycle(self: Task, pair_name: str) -> dict[str, object]:
    """Run one cycle of ``pair_name``; skip (and acknowledge) if another cycle holds its lock."""
    base = base_settings()
    settings = load_pairs(base.pairs_file).get(pair_name).settings()
    client = redis_client(base)
    marks = PendingMarks(client, base)
    rate = settings.hubspot_rate
    limiter = RedisRollingWindow(
        client,
        key(base, "hubspot", hubspot_identity(settings)),
        rate.calls,
        rate.period_s,
        lease_s=settings.timeout_s + 5,
    )
    usage = RedisUsageBoard(client, key(base, "salesforce", salesforce_identity(settings)))
    outcome: dict[str, object] = {
        "pair": pair_name,
        "task_id": self.request.id,
        "worker": self.request.hostname,
        "redelivered": bool((self.request.delivery_info or {}).get("redelivered")),
    }
    began = time.monotonic()
    try:
        connectors = build_connectors(settings, hubspot_limiter=limiter, salesforce_usage=usage)
        result = run_sync(settings, connectors=connectors)
    except LockHeld as exc:
        # A cycle of this pair is running elsewhere (or this is a redelivery of it): the mark
        # stays with that cycle, which clears it when it ends.
        METRICS.skipped.labels(pair_name, "locked").inc()
        log.info("pair %s: skipped, %s", pair_name, exc)
        _record(base, {**outcome, "status": "skipped", "reason": "locked"})
        return {**outcome, "status": "skipped"}
    except Exception as exc:
        METRICS.record_failure(pair_name, time.monotonic() - began, time.time())
        marks.clear(pair_name)
        _record(base, {**outcome, "status": "failed", "error": type(exc).__name__})
        raise
    report = result.report
    closed = close_interrupted_runs(settings.state_url, pair_name, report.run_id)
    marks.clear(pair_name)
    METRICS.record_run(pair_name, report, time.monotonic() - began, time.time())
    outcome.update(
        status=report.status,
        run_id=report.run_id,
        interrupted_closed=closed,
        duration_s=round(time.monotonic() - began, 3),
        finished_at=datetime.now(UTC).isoformat(),
        records=sum(report.pulled.to_json().values()),
    )
    _record(base, outcome)
    log.info("pair %s: %s in %.1fs", pair_name, report.status, outcome["duration_s"])
    return outcome
