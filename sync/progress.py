"""Progress of a sync on stderr when it is a terminal: records read and written per system."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from sync.runner import Connectors

COUNTS = "{task.completed:>7.0f} {task.fields[unit]}  {task.fields[rate]}"


def _rate(task: Any) -> str:
    speed = task.speed
    return f"{speed:,.0f}/s" if speed else ""


class SyncProgress:
    """Counts records read (``changes`` pages) and written (``write`` results) per system.

    It wraps the two connectors' methods in place, so the engine stays unaware of it.
    """

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<20}"),
            BarColumn(bar_width=24),
            TextColumn(COUNTS),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            refresh_per_second=4,
        )
        self.tasks: dict[str, TaskID] = {}
        for key, label, unit in (
            ("read hubspot", "HubSpot read", "records"),
            ("read salesforce", "Salesforce read", "records"),
            ("write hubspot", "HubSpot written", "records"),
            ("write salesforce", "Salesforce written", "records"),
            ("people", "people processed", "people"),
        ):
            self.tasks[key] = self.progress.add_task(label, total=None, unit=unit, rate="")

    def advance(self, key: str, n: int = 1) -> None:
        task = self.tasks[key]
        self.progress.advance(task, n)
        current = self.progress.tasks[task]
        self.progress.update(task, rate=_rate(current))

    def on_batch(self, done: int, total: int) -> None:
        task = self.tasks["people"]
        self.progress.update(task, completed=done, total=total)
        self.progress.update(task, rate=_rate(self.progress.tasks[task]))

    def watch(self, conns: Connectors) -> None:
        """Count what both connectors read and write from now on."""
        for conn in (conns.hubspot, conns.salesforce):
            setattr(conn, "changes", self._counted_changes(conn.changes, conn.system))  # noqa: B010
            setattr(conn, "write", self._counted_write(conn.write, conn.system))  # noqa: B010

    def _counted_changes(
        self, changes: Callable[..., Iterator[Any]], system: str
    ) -> Callable[..., Iterator[Any]]:
        def counted(*args: Any, **kwargs: Any) -> Iterator[Any]:
            for page in changes(*args, **kwargs):
                self.advance(f"read {system}", len(page.records))
                yield page

        return counted

    def _counted_write(
        self, write: Callable[..., list[Any]], system: str
    ) -> Callable[..., list[Any]]:
        def counted(ops: Sequence[Any], *args: Any, **kwargs: Any) -> list[Any]:
            results = write(ops, *args, **kwargs)
            self.advance(f"write {system}", len(results))
            return results

        return counted

    @contextmanager
    def shown(self) -> Iterator[SyncProgress]:
        with self.progress:
            yield self


def wanted(console: Console, quiet: bool) -> bool:
    """Progress only on a terminal, and not with --quiet."""
    return console.is_terminal and not quiet
