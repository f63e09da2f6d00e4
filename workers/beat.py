"""The scheduler: one beat entry per pair, and no slot queued while the pair's cycle is pending."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import crontab

from sync.settings import Settings
from workers.app import CYCLE_TASK
from workers.marks import PendingMarks, redis_client
from workers.pairs import Pair, load_pairs

log = logging.getLogger(__name__)


def beat_entry(pair: Pair) -> dict[str, Any]:
    """The beat schedule entry of a pair's cycles."""
    sched = pair.schedule
    if sched.every_s is not None:
        when: Any = timedelta(seconds=sched.every_s)
    else:
        assert sched.cron is not None
        minute, hour, day, month, weekday = sched.cron.split()
        when = crontab(minute, hour, weekday, day, month)
    return {"task": CYCLE_TASK, "schedule": when, "args": (pair.name,)}


class PairScheduler(Scheduler):
    """Beat's in-memory scheduler with the pairs file as its schedule.

    Before queueing a pair's cycle it claims the pair's pending mark (Redis, SET NX): while the
    previous cycle is queued or running the slot is skipped, so cycles never pile up behind a
    slow pair.
    """

    def setup_schedule(self) -> None:
        settings: Settings = self.app.conf.leadsync_settings
        self._settings = settings
        self._marks = PendingMarks(redis_client(settings), settings)
        pairs = load_pairs(settings.pairs_file)
        self.merge_inplace({f"leadsync:{p.name}": beat_entry(p) for p in pairs.pairs})
        log.info("scheduling %d pair(s) from %s", len(pairs.pairs), pairs.path)

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        if entry.task != CYCLE_TASK or not entry.args:
            return super().apply_async(entry, producer, advance, **kwargs)
        pair = str(entry.args[0])
        if not self._marks.claim(pair, uuid.uuid4().hex):
            log.info("pair %s: previous cycle still queued or running; slot skipped", pair)
            if advance:
                self.reserve(entry)
            return None
        try:
            return super().apply_async(entry, producer, advance, **kwargs)
        except Exception:
            self._marks.clear(pair)
            raise
