"""`leadsync run --every 15m | --cron "*/15 * * * *"`: scheduled sync cycles until a signal."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import typer
from rich.text import Text

from mappings.errors import MappingError
from sync.cli_common import checked_connectors, console, fail, load_or_exit, state_failed
from sync.schedule import Jitter, ScheduleError, parse_schedule
from sync.scheduler import Scheduler
from sync.settings import Settings
from sync.state_errors import StateError

# Tests only: waits between cycles are multiplied by this, so `--every 2s` needs no real 2 s.
WAIT_SCALE_VARIABLE = "_LEADSYNC_TEST_WAIT_SCALE"


@contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGTERM and SIGINT ask for a clean stop (after the batch in progress) instead of dying."""
    received: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)
        if len(received) > 1:  # asked twice: the admin does not want to wait for the batch
            raise KeyboardInterrupt
        name = signal.Signals(signum).name
        console.print(
            Text(f"{name}: stopping after the current batch (send it again to stop at once)")
        )
        stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _preflight(settings: Settings) -> None:
    """Fail before the first cycle on what no retry fixes: settings, mappings, the state."""
    from mappings.loader import load_mappings
    from sync.state import StateStore

    checked_connectors(settings)  # hosts, TLS and both sign-ins; exits 2 with one line
    try:
        load_mappings(settings.mappings_dir)
        StateStore.from_settings(settings).close()
    except MappingError as exc:
        fail("mapping error: ", str(exc).splitlines()[0])
    except StateError as exc:
        state_failed(exc)


def run_command(
    every: str | None = typer.Option(
        None, "--every", help="Interval between cycle starts: 30s, 15m, 1h, 1d."
    ),
    cron: str | None = typer.Option(
        None, "--cron", help='Five-field cron line, read in UTC, e.g. "*/15 * * * *".'
    ),
    cycles: int | None = typer.Option(
        None, "--cycles", min=1, help="Stop after this many cycles (default: until a signal)."
    ),
    jitter: float = typer.Option(
        0.1, "--jitter", min=0, max=0.5, help="Random delay, as a share of the period (max 60 s)."
    ),
    jitter_seed: int | None = typer.Option(
        None, "--jitter-seed", help="Seed of the jitter (repeatable timings)."
    ),
    full: bool = typer.Option(False, "--full", help="Read every record in the first cycle."),
) -> None:
    """Run sync cycles on a schedule until SIGTERM / SIGINT (then after the current batch).

    Cycles never overlap each other or a concurrent `leadsync sync` (the pair's lock: a cycle
    that finds it held is skipped). A failed cycle is logged and the next one is delayed
    (backoff); the schedule goes on.
    """
    from sync.runner import run_sync

    try:
        schedule = parse_schedule(every, cron)
    except ScheduleError as exc:
        fail("schedule error: ", str(exc))
    settings = load_or_exit()
    _preflight(settings)
    scale = float(os.environ.get(WAIT_SCALE_VARIABLE) or 1)
    first = [full]

    def cycle(on_batch: Callable[[int, int], None]) -> str:
        report = run_sync(settings, full=first[0], on_batch=on_batch).report
        first[0] = False
        console.print(
            Text(
                f"cycle {len(scheduler.outcomes) + 1}: {report.status}; pulled HubSpot "
                f"{report.pulled.hubspot} / Salesforce {report.pulled.salesforce}, created "
                f"{report.created.hubspot} / {report.created.salesforce}, updated "
                f"{report.updated.hubspot} / {report.updated.salesforce}, dead letters "
                f"{report.dead_letters}" + (f"; {report.message}" if report.message else "")
            )
        )
        return report.status

    scheduler = Scheduler(
        schedule,
        cycle,
        jitter=Jitter(seed=jitter_seed, share=jitter),
        max_cycles=cycles,
    )
    scheduler.wait = lambda seconds: scheduler.stop_event.wait(seconds * scale)
    what = f"every {every}" if every else f"on cron {cron!r} (UTC)"
    console.print(Text(f"leadsync run: pair {settings.pair!r} {what}; SIGTERM or Ctrl-C stops"))
    with _stop_on_signals(scheduler.request_stop):
        outcomes = scheduler.run()
    for outcome in outcomes:
        if outcome.status in ("failed", "skipped", "stopped") and outcome.message:
            console.print(Text(f"cycle {outcome.number} {outcome.status}: {outcome.message}"))
    console.print(Text(f"leadsync run: stopped after {len(outcomes)} cycle(s)"))
    last = outcomes[-1].status if outcomes else "ok"
    raise typer.Exit(1 if last == "failed" else 0)
