"""The ``leadsync`` command line: sync, check, demo and the sandbox."""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from pathlib import Path
from typing import NoReturn

import typer
from rich.table import Table
from rich.text import Text

from connectors.base import ObjectSchema
from mappings.errors import MappingError
from sync.cli_common import (
    OPTIONS,
    checked_connectors,
    console,
    err_console,
    fail,
    load_or_exit,
    state_failed,
)
from sync.cli_dead_letters import dead_letters_app
from sync.cli_explain import explain_command
from sync.cli_run import run_command
from sync.person import PlannedWrite
from sync.progress import SyncProgress, wanted
from sync.report import RunReport
from sync.review import Held
from sync.settings import MissingSetting, Settings
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
    route: list[str] = typer.Option(
        [],
        help="An entry of the active lead assignment rule 'Lead Routing', tried in order: "
        "FIELD=V1|V2:OWNER or FIELD>=N:OWNER (OWNER: a User's email or 'queue'); "
        "no entry matching: the queue.",
    ),
) -> None:
    """Run both emulators in the foreground and print the environment that points at them."""
    from sandbox import Sandbox
    from sandbox.org_people import add_assignment_rule, parse_route, queue_id

    sb = Sandbox(
        seed=seed,
        leads=leads,
        data_dir=data,
        salesforce_port=salesforce_port,
        hubspot_port=hubspot_port,
        wide_schema=wide_schema,
    )
    with sb:
        if route:
            try:
                entries = [parse_route(r, sb.salesforce) for r in route]
            except ValueError as exc:
                raise typer.BadParameter(str(exc), param_hint="--route") from None
            add_assignment_rule(
                sb.salesforce, "Lead Routing", entries, default_owner=queue_id(sb.salesforce)
            )
            typer.echo(f"# active lead assignment rule 'Lead Routing': {len(entries)} entries")
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
    return load_or_exit()


@app.callback()
def main_options(
    verbose: int = typer.Option(
        0, "--verbose", "-v", count=True, help="-v: info (runs, batches), -vv: debug."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="No progress display (it shows only on a terminal anyway)."
    ),
    log_file: Path | None = typer.Option(
        None, "--log-file", help="Append the log to this file instead of stderr."
    ),
    log_format: str = typer.Option(
        "text", "--log-format", help="text, or json: one JSON object a line for log shippers."
    ),
) -> None:
    """leadsync: keeps leads consistent between HubSpot and Salesforce."""
    from sync.logs import configure

    if log_format not in ("text", "json"):
        fail("", f"--log-format {log_format!r}: expected text or json")
    OPTIONS.quiet = quiet
    configure(verbose, log_file, "json" if log_format == "json" else "text")


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
        conns = checked_connectors(settings)
        progress = SyncProgress(err_console) if wanted(err_console, OPTIONS.quiet) else None
        if progress is None:
            outcome = run_sync(settings, dry_run=dry_run, full=full, connectors=conns)
        else:
            progress.watch(conns)
            with progress.shown():
                outcome = run_sync(
                    settings,
                    dry_run=dry_run,
                    full=full,
                    connectors=conns,
                    on_batch=progress.on_batch,
                )
    except LockHeld as exc:
        fail("", str(exc))
    except MappingError as exc:
        err_console.print(Text.assemble(("mapping error:\n", "red"), str(exc)))
        raise typer.Exit(2) from None
    except StateError as exc:
        _state_failed(exc)
    report = outcome.report
    if as_json:
        data = report.to_json()
        if dry_run and plan:
            data["plan"] = [p.to_json() for p in outcome.plans]
        typer.echo(json.dumps(data, default=str))  # plan values may be dates
    else:
        # Record data (emails, reasons) printed as Text: "[/up]" or ":x:" in an email is literal.
        console.print(Text(render_report(report)))
        if dry_run and plan:
            for item in outcome.plans:
                console.print(Text(render_plan(item)))
        elif dry_run and outcome.plans:
            console.print(Text(f"  {len(outcome.plans)} planned writes: --plan lists them"))
    raise typer.Exit(0 if report.status == "ok" else 1)


def _value(v: object) -> str:
    return "(blank)" if v is None or v == "" else repr(v)


def render_plan(item: PlannedWrite) -> str:
    """One planned write: what, where, each field's old -> new, exclusion, conflicts."""
    target = f"{item.system} {item.object_type} {item.id or '(new)'}"
    lines = [f"  would {item.action} {target} ({item.email or 'no email'})"]
    if item.exclusion:
        lines.append(f"      excluded by {item.exclusion}")
        lines.extend(f"        {why}" for why in item.reasons)
    for name, old, new in item.changes:
        lines.append(f"      {name}: {_value(old)} -> {_value(new)}")
    for name, won in item.conflicts:
        lines.append(f"      conflict on {name}: {won} won")
    shown = {name for name, _, _ in item.changes}
    others = [f for f in item.fields if f not in shown]
    if others:
        lines.append(f"      fields written: {', '.join(others)}")
    return "\n".join(lines)


@app.command("check")
def check_command(
    online: bool = typer.Option(False, "--online", help="Also compare with both live schemas."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output for CI."),
    fix: bool = typer.Option(False, "--fix", help="Create missing leadsync_* HubSpot properties."),
    mappings_dir: Path | None = typer.Option(None, "--mappings", help="Mappings directory."),
) -> None:
    """Validate the mapping and rules files (offline), and against live schemas (--online)."""
    from mappings.check import run_check
    from sync.campaigns import campaign_lookup

    settings = _settings()
    directory = mappings_dir or settings.mappings_dir
    schemas = None
    fixer = None
    campaigns = None
    if online or fix:
        from sync.runner import build_connectors

        try:
            conns = build_connectors(settings)
        except MissingSetting as exc:
            fail("configuration error: ", str(exc))

        from connectors.errors import ConnectorError

        try:  # say how each side signed in, and stop here if one refuses
            signed_in = {
                "salesforce": conns.salesforce.signed_in(),
                "hubspot": conns.hubspot.signed_in(),
            }
        except ConnectorError as exc:
            fail("sign-in failed: ", str(exc))
        if not as_json:
            for system, how in signed_in.items():
                typer.echo(f"{system}: {how}")

        def schemas(system: str, object_type: str) -> ObjectSchema:
            conn = conns.hubspot if system == "hubspot" else conns.salesforce
            return conn.describe(object_type)

        if fix:
            fixer = conns.hubspot.create_properties
        campaigns = campaign_lookup(conns.salesforce, directory)
    report = run_check(directory, schemas=schemas, fix=fixer, campaigns=campaigns)
    if online:
        from sync.routing_check import check_routing

        check_routing(report, directory, settings, conns.hubspot, conns.salesforce)
    typer.echo(report.to_json() if as_json else report.render_text())
    raise typer.Exit(report.exit_code)


@app.command("status")
def status_command(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    check: bool = typer.Option(
        False, "--check", help="For monitors: exit 1 when the last good run is too old."
    ),
    every: str = typer.Option(
        "15m", "--every", help="The schedule's interval, for --check (as given to `run`)."
    ),
    missed: int = typer.Option(
        3, "--missed", min=1, help="--check fails after this many intervals without a good run."
    ),
    all_pairs: bool = typer.Option(
        False,
        "--all",
        help="Every pair of the pairs file (LEADSYNC_PAIRS_FILE), as `pairs status`.",
    ),
) -> None:
    """Show where the state is, the last runs and their health, links and dead letters."""
    if all_pairs:
        try:
            from workers.cli import pairs_status
        except ImportError as exc:  # the celery extra is not installed
            fail("status --all: ", f"needs pip install 'leadsync[celery]' ({exc.name} missing)")
        pairs_status(None, as_json)
        return
    from datetime import UTC, datetime

    from sync.health import health
    from sync.schedule import ScheduleError, parse_interval
    from sync.state import StateStore
    from sync.state_errors import sqlite_path, where

    try:
        period_s = parse_interval(every)
    except ScheduleError as exc:
        fail("status: ", str(exc))
    settings = _settings()
    location = where(settings.state_url)
    path = sqlite_path(settings.state_url)
    if path is not None and not path.exists():  # never create a state just to look at it
        if as_json:
            typer.echo(json.dumps({"state": location, "exists": False, "healthy": False}))
        else:
            console.print(
                Text(
                    f"no state at {location}: nothing has run yet with this setting (a sync "
                    "creates it); set LEADSYNC_STATE_URL if the state lives elsewhere"
                )
            )
        raise typer.Exit(1)
    try:
        with StateStore(settings.state_url, pair=settings.pair) as state:
            counts = state.counts()
            runs = state.runs(100)
    except StateError as exc:
        _state_failed(exc)
    verdict = health(runs, datetime.now(UTC), period_s=period_s, missed=missed)
    exit_code = 1 if check and not verdict.healthy else 0
    held = len(_held(settings))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "state": location,
                    "exists": True,
                    "pair": settings.pair,
                    "links_active": counts.links_active,
                    "links_retired": counts.links_retired,
                    "dead_letters_pending": counts.dead_letters_pending,
                    "dead_letters_discarded": counts.dead_letters_discarded,
                    **verdict.to_json(),
                    "held_for_review": held,
                    "runs": [
                        {
                            "id": r.id,
                            "status": r.status,
                            "started_at": r.started_at.isoformat(),
                            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                            "dry_run": r.dry_run,
                            "stats": r.stats,
                        }
                        for r in runs[:10]
                    ],
                },
                default=str,
            )
        )
        raise typer.Exit(exit_code)
    if check:
        word = "ok" if verdict.healthy else "LATE"
        console.print(Text(f"{word}: {verdict.message} (state {location})"))
        raise typer.Exit(exit_code)
    console.print(Text(f"state: {location}"))
    table = Table(title=f"leadsync pair {settings.pair!r}")
    for col in ("run", "started", "status", "pulled", "created", "updated", "dead letters"):
        table.add_column(col)
    table.add_column("why", overflow="fold")
    for r in runs[:10]:
        st = r.stats
        table.add_row(
            r.id[:8],
            r.started_at.strftime("%Y-%m-%d %H:%M:%S"),
            r.status,
            _pair(st.get("pulled")),
            _pair(st.get("created")),
            _pair(st.get("updated")),
            str(st.get("dead_letters", "")),
            Text(str(st.get("message") or st.get("error") or "")),
        )
    console.print(table)
    console.print(Text(f"health: {verdict.message}"))
    console.print(
        f"links: {counts.links_active} active, {counts.links_retired} retired; dead letters: "
        f"{counts.dead_letters_pending} pending, {counts.dead_letters_discarded} discarded"
        + (" (leadsync dead-letters lists them)" if counts.dead_letters_pending else "")
    )
    console.print(Text(f"held for review: {held} (see `leadsync review`)"))
    unmatched = runs[0].stats.get("unmatched_owners") if runs else None
    if isinstance(unmatched, list) and unmatched:
        named = ", ".join(f"{u.get('owner')} (not in {u.get('missing_in')})" for u in unmatched[:5])
        console.print(Text(f"owners without a match in the last run: {len(unmatched)}: {named}"))


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
    as_json: bool = typer.Option(
        False, "--json", help="Print the closed-loop funnels (per source and campaign) as JSON."
    ),
) -> None:
    """Write the HTML report: lead quality by source and campaign, closed loop, sync health."""
    from sync.closed_loop import closed_loop
    from sync.html_report import collect, render
    from sync.state import StateStore

    settings = _settings()
    try:
        with StateStore(settings.state_url, pair=settings.pair) as state:
            if as_json:
                typer.echo(json.dumps(closed_loop(state).to_json()))
                return
            html = render(collect(state))
    except StateError as exc:
        _state_failed(exc)
    out.write_text(html, encoding="utf-8")
    console.print(Text(f"report written to {out}"))


def _state_failed(exc: StateError) -> NoReturn:
    """One line naming the state and the fix, no traceback; exit 2."""
    state_failed(exc)


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
    if r.duplicates > 10:
        listed = len(r.duplicate_records)
        lines.append(
            f"  and {r.duplicates - 10} more duplicates: `leadsync sync --json` lists "
            + (f"the first {listed}" if listed < r.duplicates else "them all")
            + " under duplicate_records"
        )
    if r.skipped_reasons:
        lines.append(
            "  skipped: " + ", ".join(f"{why} {n}" for why, n in sorted(r.skipped_reasons.items()))
        )
    if r.dead_letters:
        lines.append(f"  {r.dead_letters} record(s) refused: `leadsync dead-letters` shows why")
    if r.message:
        lines.append(f"  {r.message}")
    return "\n".join(lines)


@app.command("demo")
def demo_command(
    leads: int = typer.Option(1000, help="People the sandbox generates."),
    seed: int = typer.Option(7, help="Seed of the generated data."),
    report: Path = typer.Option(
        Path("leadsync-demo-report.html"), "--report", help="Where to write the HTML report."
    ),
) -> None:
    """Start the sandbox, run a full sync, simulate a day on both sides, sync again."""
    from sync.demo import run_demo

    raise typer.Exit(run_demo(console, leads=leads, seed=seed, report_path=report))


app.command("run")(run_command)
app.add_typer(dead_letters_app, name="dead-letters")
app.command("explain")(explain_command)


def main() -> None:
    """Entry point."""
    app()


# Many pairs on Celery workers: `leadsync worker`, `leadsync beat`, `leadsync pairs ...`.
from workers.cli import register as _register_workers  # noqa: E402

_register_workers(app)
