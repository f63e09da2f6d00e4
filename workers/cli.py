"""``leadsync worker``, ``beat`` and ``pairs check|status``: many pairs on Celery workers."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sync.settings import SettingsError, load_settings
from workers.pairs import PairsFile

pairs_app = typer.Typer(
    help="The pairs file of the Celery workers: check it, show every pair's status.",
    pretty_exceptions_show_locals=False,
)
console = Console(width=120)


def _pairs_file(path: Path | None) -> Path:
    if path is not None:
        return path
    try:
        return load_settings().pairs_file
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


def _load(path: Path | None) -> PairsFile:
    from workers.pairs import PairsError, load_pairs

    try:
        return load_pairs(_pairs_file(path))
    except PairsError as exc:
        console.print(f"[red]pairs file error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


@pairs_app.command("check")
def pairs_check(
    path: Path | None = typer.Argument(None, help="Pairs file or directory (LEADSYNC_PAIRS_FILE)."),
) -> None:
    """Validate the pairs file: names, schedules, settings, secret references, mappings."""
    from workers.pairs import check_pairs

    pairs = _load(path)
    problems = check_pairs(pairs)
    for pair in pairs.pairs:
        mark = "[red]✗[/red]" if any(f"pair {pair.name!r}" in p for p in problems) else "✓"
        console.print(f"{mark} {escape(pair.name)}: {pair.schedule}")
    for problem in problems:
        console.print(f"[red]{escape(problem)}[/red]")
    if problems:
        raise typer.Exit(1)
    console.print(f"[green]{len(pairs.pairs)} pair(s) OK[/green] in {escape(str(pairs.path))}")


@pairs_app.command("status")
def pairs_status(
    path: Path | None = typer.Argument(None, help="Pairs file or directory (LEADSYNC_PAIRS_FILE)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Every pair's last run, status, age and counts (what ``leadsync status --all`` shows)."""
    from workers.runs import pair_statuses

    statuses = pair_statuses(_load(path), datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps({"pairs": [s.to_json() for s in statuses]}, default=str))
        return
    table = Table(title="leadsync pairs")
    for col in ("pair", "schedule", "status", "age", "runs", "links", "dead letters", "pulled"):
        table.add_column(col)
    for s in statuses:
        age = "" if s.age_s is None else f"{s.age_s:.0f}s"
        pulled = s.stats.get("pulled")
        table.add_row(
            escape(s.pair),
            s.schedule,
            escape(s.status if not s.problem else f"error: {s.problem}"),
            age,
            str(s.runs),
            str(s.links_active),
            str(s.dead_letters_pending),
            escape(json.dumps(pulled)) if pulled else "",
        )
    console.print(table)
    if any(s.problem or s.status == "failed" for s in statuses):
        raise typer.Exit(1)


def worker(
    concurrency: int = typer.Option(1, help="Cycles run at once by this process."),
    pool: str = typer.Option("solo", help="Celery pool: solo, threads or prefork."),
    hostname: str | None = typer.Option(None, help="Worker name (default leadsync-PID@host)."),
    metrics_port: int | None = typer.Option(None, help="Serve Prometheus /metrics here."),
    loglevel: str = typer.Option("INFO", help="Celery log level."),
) -> None:
    """Run a Celery worker for the pairs' cycles (``celery worker`` with leadsync's app)."""
    if metrics_port is not None:
        os.environ["LEADSYNC_METRICS_PORT"] = str(metrics_port)
    from workers.app import app as celery_app

    name = hostname or f"leadsync-{os.getpid()}@{socket.gethostname()}"
    celery_app.worker_main(
        [
            "worker",
            f"--pool={pool}",
            f"--concurrency={concurrency}",
            f"--hostname={name}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def beat(
    max_interval: float = typer.Option(5.0, help="Longest sleep between schedule checks (s)."),
    loglevel: str = typer.Option("INFO", help="Celery log level."),
) -> None:
    """Run the scheduler: queue each pair's cycle on its schedule (run exactly one beat)."""
    from workers.app import app as celery_app

    celery_app.conf.beat_max_loop_interval = max_interval
    celery_app.start(["beat", f"--loglevel={loglevel}"])


def register(app: typer.Typer) -> None:
    """Add the worker commands to the ``leadsync`` command line."""
    app.command("worker")(worker)
    app.command("beat")(beat)
    app.add_typer(pairs_app, name="pairs")
