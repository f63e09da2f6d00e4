"""`leadsync dead-letters`: the records a system refused; list, show, retry or discard them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.table import Table
from rich.text import Text

from sync.cli_common import console, fail, load_or_exit, state_failed
from sync.state import StateStore
from sync.state_errors import StateError, sqlite_path, where
from sync.state_models import DeadLetter

dead_letters_app = typer.Typer(
    help="Records a system refused: list, show, retry or discard them.",
    pretty_exceptions_show_locals=False,
    invoke_without_command=True,
)

STATUSES = ("pending", "discarded", "resolved", "all")


def _to_json(dl: DeadLetter, *, payload: bool = False) -> dict[str, object]:
    data: dict[str, object] = {
        "id": dl.id,
        "status": dl.status,
        "system": dl.system,
        "object": dl.object_type,
        "record": dl.record_ref,
        "link_id": dl.link_id,
        "field": dl.field,
        "code": dl.code,
        "message": dl.message,
        "attempts": dl.attempts,
        "next_try": dl.next_attempt_at.isoformat() if dl.next_attempt_at else None,
        "created_at": dl.created_at.isoformat(),
        "updated_at": dl.updated_at.isoformat(),
    }
    if payload:
        data["payload"] = dict(dl.payload)
    return data


def _store() -> StateStore:
    settings = load_or_exit()
    path = sqlite_path(settings.state_url)
    if path is not None and not path.exists():
        fail("", f"no state at {where(settings.state_url)}: nothing has run yet", 1)
    try:
        return StateStore.from_settings(settings)
    except StateError as exc:
        state_failed(exc)


def _all(state: StateStore) -> list[DeadLetter]:
    return state.dead_letters(status=None, limit=1_000_000)


def _find(letters: list[DeadLetter], wanted: str) -> DeadLetter:
    """The letter whose id is ``wanted`` or starts with it (the 8 characters `list` shows)."""
    hits = [dl for dl in letters if dl.id == wanted] or [
        dl for dl in letters if dl.id.startswith(wanted)
    ]
    if not hits:
        fail("", f"no dead letter {wanted!r}: `leadsync dead-letters list --status all` lists them")
    if len(hits) > 1:
        fail("", f"{wanted!r} matches {len(hits)} dead letters: give more of the id")
    return hits[0]


@dead_letters_app.callback()
def dead_letters_default(ctx: typer.Context) -> None:
    """Without a subcommand: list the pending dead letters."""
    if ctx.invoked_subcommand is None:
        list_command(status="pending", as_json=False, limit=50)


@dead_letters_app.command("list")
def list_command(
    status: str = typer.Option("pending", "--status", help="pending, discarded, resolved or all."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON array."),
    limit: int = typer.Option(50, "--limit", min=1, help="Show at most this many (newest first)."),
) -> None:
    """List dead letters: system, object, record, field, code, message, attempts, next try."""
    if status not in STATUSES:
        fail("", f"--status {status!r}: expected one of {', '.join(STATUSES)}")
    with _store() as state:
        letters = [dl for dl in _all(state) if status == "all" or dl.status == status]
    shown = letters[:limit]
    if as_json:
        typer.echo(json.dumps([_to_json(dl) for dl in shown]))
        return
    if not letters:
        console.print(Text(f"no {'' if status == 'all' else status + ' '}dead letters"))
        return
    table = Table(title=f"{len(letters)} {status} dead letter(s)", show_lines=False)
    for col in ("id", "status", "system", "object", "record", "field", "code", "message"):
        table.add_column(col, overflow="fold")
    table.add_column("attempts", justify="right")
    table.add_column("next try")
    for dl in shown:
        table.add_row(
            *(
                Text(cell)
                for cell in (
                    dl.id[:8],
                    dl.status,
                    dl.system,
                    dl.object_type,
                    dl.record_ref,
                    dl.field or "-",
                    dl.code,
                    dl.message,
                    str(dl.attempts),
                    dl.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S") if dl.next_attempt_at else "-",
                )
            )
        )
    console.print(table)
    if len(letters) > limit:
        console.print(Text(f"and {len(letters) - limit} more: --limit {len(letters)} or --json"))


@dead_letters_app.command("show")
def show_command(
    dead_letter_id: str = typer.Argument(..., help="Its id (or the first characters of it)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """One dead letter in full, with the values leadsync tried to write."""
    with _store() as state:
        dl = _find(_all(state), dead_letter_id)
    data = _to_json(dl, payload=True)
    if as_json:
        typer.echo(json.dumps(data, default=str))
        return
    for key, value in data.items():
        if key != "payload":
            console.print(Text(f"{key:>11}: {'-' if value is None else value}"))
    console.print(Text("    payload:"))
    for name, value in dl.payload.items():
        console.print(Text(f"      {name} = {value!r}"))


def _set(ids: list[str], status: str, as_json: bool) -> None:
    now = datetime.now(UTC)
    changed: list[DeadLetter] = []
    with _store() as state:
        letters = _all(state)
        targets = [_find(letters, wanted) for wanted in ids]
        for dl in targets:
            state.set_dead_letter_status(
                dl.id, "pending" if status == "retry" else "discarded", now
            )
        by_id = {dl.id: dl for dl in _all(state)}
        changed = [by_id[dl.id] for dl in targets]
    if as_json:
        typer.echo(json.dumps([_to_json(dl) for dl in changed]))
        return
    for dl in changed:
        what = "will be retried by the next sync" if status == "retry" else "discarded"
        console.print(
            Text(f"{dl.id[:8]} {dl.system} {dl.object_type} {dl.record_ref} ({dl.code}): {what}")
        )


@dead_letters_app.command("retry")
def retry_command(
    ids: list[str] = typer.Argument(..., help="Dead letter ids (or their first characters)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make dead letters due now (pending again, discarded ones too): the next sync retries them."""
    _set(ids, "retry", as_json)


@dead_letters_app.command("discard")
def discard_command(
    ids: list[str] = typer.Argument(..., help="Dead letter ids (or their first characters)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Give up on dead letters: no sync retries them any more."""
    _set(ids, "discard", as_json)
