"""The ``leadsync`` command line: sync, check, demo and the sandbox."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from connectors.base import ObjectSchema
from mappings.errors import MappingError
from sync.report import RunReport
from sync.review import Held
from sync.settings import MissingSetting, Settings, SettingsError, load_settings
from sync.state_errors import StateError

# Tracebacks never show local variables: they could hold tokens or session ids.
app = typer.Typer(
    help="leadsync: keeps leads consistent between HubSpot and Salesforce.",
    pretty_exceptions_show_locals=False,
)
sandbox_app = typer.Typer(
    help="The local Salesforce and HubSpot emulators.", pretty_exceptions_show_locals=False
)
app.add_typer(sandbox_app, name="sandbox")
state_app = typer.Typer(
    help="The state store: check it, back it up.", pretty_exceptions_show_locals=False
)
app.add_typer(state_app, name="state")
# Wide enough for the run tables when the output is piped (rich assumes 80 columns then).
console = Console(width=None if sys.stdout.isatty() else 120)


@sandbox_app.command("serve")
def sandbox_serve(
    leads: int = typer.Option(1000, help="People to generate (0: empty systems)."),
    seed: int = typer.Option(7, help="Seed of the data generator and the fault injector."),
    data: Path | None = typer.Option(None, help="Directory to persist both systems in."),
    salesforce_port: int = typer.Option(0, help="Salesforce port (0: ephemeral)."),
    hubspot_port: int = typer.Option(0, help="HubSpot port (0: ephemeral)."),
    wide_schema: bool = typer.Option(
        False, help="600 HubSpot contact properties, 500 Lead and Contact fields, as real ones."
    ),
) -> None:
    """Run both emulators in the foreground and print the environment that points at them."""
    from sandbox import Sandbox

    sb = Sandbox(
        seed=seed,
        leads=leads,
        data_dir=data,
        salesforce_port=salesforce_port,
        hubspot_port=hubspot_port,
        wide_schema=wide_schema,
    )
    with sb:
        for key, value in sb.env().items():
            typer.echo(f"export {key}={value}")
        typer.echo("# or sign in with OAuth (JWT bearer; LEADSYNC_SALESFORCE_AUTH may also be")
        typer.echo("# client_credentials or password, see README):")
        for key, value in sb.oauth_env("jwt").items():
            typer.echo(f"# export {key}={value}")
        counts = {
            "Lead": len(sb.salesforce.all("Lead")),
            "Contact": len(sb.salesforce.all("Contact")),
            "Opportunity": len(sb.salesforce.all("Opportunity")),
            "hubspot contacts": len(sb.hubspot.all()),
        }
        console.print(f"[green]sandbox up[/green] {json.dumps(counts)}  (Ctrl-C to stop)")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None


@app.callback()
def main_options(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="-v info, -vv debug."),
) -> None:
    """leadsync: keeps leads consistent between HubSpot and Salesforce."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Vendor clients log request details (URLs, headers) at debug level: keep them quiet.
    for noisy in ("urllib3", "hubspot", "simple_salesforce", "requests"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.command("sync")
def sync_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Plan everything, write nothing."),
    full: bool = typer.Option(False, "--full", help="Read every record, not only changes."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    plan: bool = typer.Option(False, "--plan", help="With --dry-run: list every planned write."),
) -> None:
    """Run one sync cycle between HubSpot and Salesforce."""
    from sync.lock import LockHeld
    from sync.runner import run_sync

    settings = _settings()
    try:
        outcome = run_sync(settings, dry_run=dry_run, full=full)
    except (LockHeld, MissingSetting) as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    except MappingError as exc:
        console.print(f"[red]mapping error:[/red]\n{escape(str(exc))}")
        raise typer.Exit(2) from None
    except StateError as exc:
        _state_failed(exc)
    report = outcome.report
    if as_json:
        data = report.to_json()
        if dry_run and plan:
            data["plan"] = [p.to_json() for p in outcome.plans]
        typer.echo(json.dumps(data))
    else:
        # Record data (emails, reasons) printed as Text: "[/up]" or ":x:" in an email is literal.
        console.print(Text(render_report(report)))
        if dry_run and plan:
            for item in outcome.plans:
                console.print(
                    Text(
                        f"  would {item.action} {item.system} {item.object_type} {item.email}: "
                        f"{', '.join(item.fields)}"
                    )
                )
    raise typer.Exit(0 if report.status == "ok" else 1)


@app.command("check")
def check_command(
    online: bool = typer.Option(False, "--online", help="Also compare with both live schemas."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output for CI."),
    fix: bool = typer.Option(False, "--fix", help="Create missing leadsync_* HubSpot properties."),
    mappings_dir: Path | None = typer.Option(None, "--mappings", help="Mappings directory."),
) -> None:
    """Validate the mapping and rules files (offline), and against live schemas (--online)."""
    from mappings.check import run_check

    settings = _settings()
    directory = mappings_dir or settings.mappings_dir
    schemas = None
    fixer = None
    if online or fix:
        from sync.runner import build_connectors

        try:
            conns = build_connectors(settings)
        except MissingSetting as exc:
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from None

        from connectors.errors import ConnectorError

        try:  # say how each side signed in, and stop here if one refuses
            signed_in = {
                "salesforce": conns.salesforce.signed_in(),
                "hubspot": conns.hubspot.signed_in(),
            }
        except ConnectorError as exc:
            console.print(f"[red]sign-in failed:[/red] {exc}")
            raise typer.Exit(2) from None
        if not as_json:
            for system, how in signed_in.items():
                typer.echo(f"{system}: {how}")

        def schemas(system: str, object_type: str) -> ObjectSchema:
            conn = conns.hubspot if system == "hubspot" else conns.salesforce
            return conn.describe(object_type)

        if fix:
            fixer = conns.hubspot.create_properties
    report = run_check(directory, schemas=schemas, fix=fixer)
    typer.echo(report.to_json() if as_json else report.render_text())
    raise typer.Exit(report.exit_code)


@app.command("status")
def status_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """Show the last runs, link counts and pending dead letters."""
    from sync.state import StateStore

    settings = _settings()
    try:
        with StateStore(settings.state_url, pair=settings.pair) as state:
            counts = state.counts()
            runs = state.runs(10)
    except StateError as exc:
        _state_failed(exc)
    held = len(_held(settings))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "links_active": counts.links_active,
                    "links_retired": counts.links_retired,
                    "dead_letters_pending": counts.dead_letters_pending,
                    "dead_letters_discarded": counts.dead_letters_discarded,
                    "held_for_review": held,
                    "runs": [
                        {
                            "id": r.id,
                            "status": r.status,
                            "started_at": r.started_at.isoformat(),
                            "dry_run": r.dry_run,
                            "stats": r.stats,
                        }
                        for r in runs
                    ],
                },
                default=str,
            )
        )
        return
    table = Table(title=f"leadsync pair {settings.pair!r}")
    for col in ("run", "started", "status", "pulled", "created", "updated", "dead letters"):
        table.add_column(col)
    for r in runs:
        st = r.stats
        table.add_row(
            r.id[:8],
            r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            r.status,
            _pair(st.get("pulled")),
            _pair(st.get("created")),
            _pair(st.get("updated")),
            str(st.get("dead_letters", "")),
        )
    console.print(table)
    console.print(
        f"links: {counts.links_active} active, {counts.links_retired} retired; dead letters: "
        f"{counts.dead_letters_pending} pending, {counts.dead_letters_discarded} discarded"
    )
    console.print(Text(f"held for review: {held} (see `leadsync review`)"))


def _held(settings: Settings) -> list[Held]:
    """The review lane from the state's latest decisions and the rules' hold stages."""
    from mappings.loader import load_mappings
    from sync.review import held_records
    from sync.state import StateStore

    try:
        stages: frozenset[str] = load_mappings(settings.mappings_dir).rules.hold_stages
    except MappingError:  # status still works with broken rules; `leadsync check` explains
        stages = frozenset({"review"})
    try:
        with StateStore(settings.state_url, pair=settings.pair) as state:
            return held_records(state.latest_decisions(), stages)
    except StateError as exc:
        _state_failed(exc)


@app.command("review")
def review_command(as_json: bool = typer.Option(False, "--json")) -> None:
    """List records held for review (not created in Salesforce) and how to release them."""
    from sync.review import RELEASE_HINT

    held = _held(_settings())
    if as_json:
        rows = [{"email": h.email, "score": h.score, "evidence": h.evidence} for h in held]
        typer.echo(json.dumps(rows))
        return
    table = Table(title=f"held for review: {len(held)}")
    for col in ("email", "score", "evidence"):
        table.add_column(col)
    for h in held:
        table.add_row(Text(h.email), "" if h.score is None else f"{h.score:g}", Text(h.evidence))
    console.print(table)
    console.print(Text(RELEASE_HINT))


@app.command("report")
def report_command(
    out: Path = typer.Option(Path("leadsync-report.html"), "--out", help="HTML file to write."),
) -> None:
    """Write the HTML report: lead quality by original source, and sync health."""
    from sync.html_report import collect, render
    from sync.state import StateStore

    settings = _settings()
    try:
        with StateStore(settings.state_url, pair=settings.pair) as state:
            html = render(collect(state))
    except StateError as exc:
        _state_failed(exc)
    out.write_text(html, encoding="utf-8")
    console.print(Text(f"report written to {out}"))


def _state_failed(exc: StateError) -> NoReturn:
    """One line naming the state and the fix, no traceback; exit 2."""
    console.print(Text.assemble(("state error: ", "red"), str(exc)))
    raise typer.Exit(2) from None


@state_app.command("check")
def state_check_command() -> None:
    """Check the state: SQLite integrity, or PostgreSQL reachable; and leadsync's schema."""
    from sync.state_admin import check_state

    settings = _settings()
    health = check_state(settings.state_url)
    if health.ok:
        console.print(Text.assemble(("ok: ", "green"), health.message))
        raise typer.Exit(0)
    console.print(Text.assemble(("problem: ", "red"), health.message))
    raise typer.Exit(1)


@state_app.command("backup")
def state_backup_command(
    out: Path | None = typer.Option(
        None, "--out", help="File to write (default: next to the state, with the time)."
    ),
) -> None:
    """Copy the SQLite state consistently, even while a sync runs (PostgreSQL: use pg_dump)."""
    from datetime import UTC, datetime

    from sync.state_admin import backup_state
    from sync.state_errors import sqlite_path

    settings = _settings()
    if out is None:
        path = sqlite_path(settings.state_url)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out = path.with_name(f"{path.name}.{stamp}.bak") if path else Path(f"state.{stamp}.bak")
    try:
        written = backup_state(settings.state_url, out)
    except StateError as exc:
        _state_failed(exc)
    console.print(Text(f"state backed up to {written}"))


def _pair(value: object) -> str:
    if isinstance(value, dict):
        return f"HS {value.get('hubspot', 0)} / SF {value.get('salesforce', 0)}"
    return ""


def render_report(report: RunReport) -> str:
    """A run's counters for people."""
    r = report
    mode = " (dry run: nothing written)" if r.dry_run else ""
    lines = [
        f"run {r.run_id}: {r.status}{mode}",
        f"  pulled   HubSpot {r.pulled.hubspot:>6}   Salesforce {r.pulled.salesforce:>6}",
        f"  created  HubSpot {r.created.hubspot:>6}   Salesforce {r.created.salesforce:>6}",
        f"  updated  HubSpot {r.updated.hubspot:>6}   Salesforce {r.updated.salesforce:>6}",
        f"  excluded {r.excluded}, conflicts {r.conflicts}, dead letters {r.dead_letters}, "
        f"duplicates {r.duplicates}, skipped {r.skipped}",
        f"  API calls HubSpot {r.api_calls.hubspot}, Salesforce {r.api_calls.salesforce}",
    ]
    for dup in r.duplicate_records[:10]:
        lines.append(
            f"  duplicate: {dup['system']} {dup['object_type']} {dup['record_id']} "
            f"({dup['email']}) left unlinked; {dup['kept_id']} kept: {dup['reason']}"
        )
    if r.message:
        lines.append(f"  {r.message}")
    return "\n".join(lines)


@app.command("demo")
def demo_command(
    leads: int = typer.Option(1000, help="People the sandbox generates."),
    seed: int = typer.Option(7),
) -> None:
    """Start the sandbox, run a full sync, simulate a day on both sides, sync again."""
    from sync.demo import run_demo

    raise typer.Exit(run_demo(console, leads=leads, seed=seed))


def main() -> None:
    """Entry point."""
    app()
