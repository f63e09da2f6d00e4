"""`leadsync explain EMAIL|ID`: why a person looks the way it does on both sides."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from rich.text import Text

from connectors.errors import ConnectorError
from mappings.errors import MappingError
from sync.cli_common import checked_connectors, console, fail, load_or_exit, state_failed
from sync.explain import Explanation, explain
from sync.state_errors import StateError, sqlite_path, where


def _show(v: object) -> str:
    return "-" if v is None or v == "" else str(v)


def explain_command(
    who: str = typer.Argument(..., help="An email, a HubSpot or Salesforce id, or a link id."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    offline: bool = typer.Option(
        False, "--offline", help="From the state only: do not read the live records."
    ),
) -> None:
    """Both systems' records (live), the link and its history, each field and the decision."""
    from mappings.loader import load_mappings
    from sync.state import StateStore

    settings = load_or_exit()
    path = sqlite_path(settings.state_url)
    if path is not None and not path.exists():
        fail("", f"no state at {where(settings.state_url)}: nothing has run yet", 1)
    try:
        ms = load_mappings(settings.mappings_dir)
    except MappingError as exc:
        fail("mapping error: ", str(exc).splitlines()[0])
    conns = None if offline else checked_connectors(settings)
    try:
        with StateStore.from_settings(settings) as state:
            got = explain(
                who,
                ms,
                state,
                conns.hubspot if conns else None,
                conns.salesforce if conns else None,
            )
    except StateError as exc:
        state_failed(exc)
    except ConnectorError as exc:
        fail("live read failed: ", f"{exc} (use --offline to explain from the state only)")
    if as_json:
        typer.echo(json.dumps(got.to_json(), default=str))
        raise typer.Exit(0 if got.link or got.hubspot or got.salesforce else 1)
    _render(got, offline)
    raise typer.Exit(0 if got.link or got.hubspot or got.salesforce else 1)


def _render(got: Explanation, offline: bool) -> None:
    say = console.print
    if got.link is None and got.hubspot is None and got.salesforce is None:
        say(Text(f"{got.query}: no link and no live record on either side"))
        return
    lk = got.link
    if lk is None:
        say(Text(f"{got.query} is not linked (no sync has paired it yet)"))
    else:
        say(
            Text(
                f"link {lk.id} ({lk.status}): HubSpot contact {_show(lk.hubspot_id)} <-> "
                f"Salesforce {_show(lk.salesforce_type)} {_show(lk.salesforce_id)}, email "
                f"{_show(lk.email)}; since {_show(lk.created_at)}, updated {_show(lk.updated_at)}"
                + (f"; {lk.reason}" if lk.reason else "")
            )
        )
    for old in got.history:
        say(
            Text(
                f"  earlier link {old.id[:8]} ({old.status}): HubSpot {_show(old.hubspot_id)} / "
                f"Salesforce {_show(old.salesforce_id)}: {_show(old.reason)}"
            )
        )
    if not offline:
        for name, rec in (("HubSpot", got.hubspot), ("Salesforce", got.salesforce)):
            say(
                Text(
                    f"{name}: "
                    + (
                        f"{rec.object_type} {rec.id}, modified {rec.modified_at:%Y-%m-%d %H:%M:%S}"
                        + (" (deleted/archived)" if rec.deleted else "")
                        if rec
                        else "no record"
                    )
                )
            )
    table = Table(title="fields (canonical names)")
    for col in ("field", "rule", "HubSpot", "Salesforce", "last synced", "state", "last write"):
        table.add_column(col, overflow="fold")
    for f in got.fields:
        if f.hubspot is None and f.salesforce is None and f.base is None and f.last_write is None:
            continue
        table.add_row(
            *(
                Text(c)
                for c in (
                    f.name,
                    f.rule,
                    _show(f.hubspot),
                    _show(f.salesforce),
                    _show(f.base),
                    "(offline)" if offline else f.verdict,
                    f.won,
                )
            )
        )
    say(table)
    if got.decision is None:
        say(Text("decision: none stored yet"))
        return
    d = got.decision.decision
    verdict = f"excluded by {d.exclusion}" if d.exclusion else f"stage {_show(d.stage)}"
    say(
        Text(
            f"decision at {got.decision.at:%Y-%m-%d %H:%M:%S} "
            f"(run {(got.decision.run_id or '')[:8]}): {verdict}; score {_show(d.score)} "
            f"(fit {_show(d.fit)}, engagement "
            f"{_show(d.engagement)})"
        )
    )
    for r in d.reasons:
        say(Text(f"  {r.points:+g}  {r.rule}: {r.why}"))
    say(Text(f"history: {len(got.audit)} field write(s); --json lists every one"))
