"""``leadsync demo``: sandbox, full sync, a simulated day on both sides, incremental sync."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from sandbox import Sandbox
from sandbox.simulate import DayReport
from sync.html_report import collect, render
from sync.report import RunReport
from sync.runner import run_sync
from sync.settings import load_settings
from sync.state import StateStore


def _settings_for(sb: Sandbox, state_dir: Path) -> dict[str, str]:
    env = {k.removeprefix("LEADSYNC_").lower(): v for k, v in sb.env().items()}
    env["state_url"] = f"sqlite:///{state_dir / 'state.db'}"
    return env


def _row(table: Table, label: str, report: RunReport, seconds: float) -> None:
    table.add_row(
        label,
        f"{report.pulled.hubspot} / {report.pulled.salesforce}",
        f"{report.created.hubspot} / {report.created.salesforce}",
        f"{report.updated.hubspot} / {report.updated.salesforce}",
        str(report.excluded),
        str(report.conflicts),
        str(report.dead_letters),
        f"{report.api_calls.hubspot} / {report.api_calls.salesforce}",
        f"{seconds:.1f}s",
        report.status,
    )


def run_demo(console: Console, *, leads: int = 1000, seed: int = 7) -> int:
    """Run the whole demo and print a readable summary; returns the exit status."""
    console.print(
        f"[bold]leadsync demo[/bold]: starting the sandbox with {leads} people (seed {seed})"
    )
    with (
        tempfile.TemporaryDirectory(prefix="leadsync-demo-") as tmp,
        Sandbox(seed=seed, leads=leads) as sb,
    ):
        settings = load_settings(**_settings_for(sb, Path(tmp)))
        sf, hs = sb.salesforce, sb.hubspot
        console.print(
            f"  Salesforce {sb.salesforce_url}: {len(sf.all('Lead'))} Leads, "
            f"{len(sf.all('Contact'))} Contacts, {len(sf.all('Opportunity'))} Opportunities"
        )
        console.print(f"  HubSpot    {sb.hubspot_url}: {len(hs.all())} contacts")

        table = Table(title="sync runs (HubSpot / Salesforce)")
        for col in (
            "run",
            "pulled",
            "created",
            "updated",
            "excluded",
            "conflicts",
            "dead letters",
            "API calls",
            "time",
            "status",
        ):
            table.add_column(col)

        t = time.perf_counter()
        first = run_sync(settings).report
        _row(table, "1 full sync", first, time.perf_counter() - t)

        t = time.perf_counter()
        again = run_sync(settings).report
        _row(table, "2 right after", again, time.perf_counter() - t)

        day = sb.simulate_day()
        time.sleep(sb.ctx.faults.hubspot_index_delay_s + 0.2)  # let HubSpot's search index catch up

        t = time.perf_counter()
        third = run_sync(settings).report
        _row(table, "3 after a day", third, time.perf_counter() - t)
        console.print(table)

        console.print("[bold]the simulated day[/bold]")
        console.print(
            f"  {day.new_signups} new HubSpot sign-ups ({day.new_junk} fake: bots, disposable, "
            f"honeypot, test); {day.worked} leads worked, {day.disqualified} disqualified, "
            f"{day.converted} converted, {day.won} opportunity won"
        )
        _explain_day(console, sb, day)
        with StateStore(settings.state_url, pair=settings.pair) as state:
            counts = state.counts()
            report_path = Path(".leadsync") / "demo-report.html"
            report_path.parent.mkdir(parents=True, exist_ok=True)
            report_path.write_text(render(collect(state)), encoding="utf-8")
        console.print(
            f"[bold]state[/bold]: {counts.links_active} links, "
            f"{counts.dead_letters_pending} dead letters pending"
        )
        ok = (
            again.created.hubspot
            + again.created.salesforce
            + again.updated.hubspot
            + again.updated.salesforce
            == 0
        )
        verdict = (
            "[green]second sync wrote nothing[/green]"
            if ok
            else "[red]second sync wrote records[/red]"
        )
        console.print(verdict)
        return 0 if first.status != "failed" and third.status != "failed" else 1


def _add_row(table: Table, *cells: str) -> None:
    """A row of record data: shown as it is, never read as console markup."""
    table.add_row(*(Text(cell) for cell in cells))


def _explain_day(console: Console, sb: Sandbox, day: DayReport) -> None:
    """Show, record by record, what reached HubSpot after the incremental sync."""
    hs = sb.hubspot
    show = Table(title="what HubSpot shows now")
    for col in ("who", "what happened in Salesforce / HubSpot", "HubSpot now"):
        show.add_column(col)

    def contact(email: str) -> dict[str, object]:
        cid = hs.find_by_email(email) if email else None
        got = hs.get(cid) if cid else None
        props = got.get("properties") if got else None
        return dict(props) if isinstance(props, dict) else {}

    def source(p: dict[str, object]) -> object:
        return p.get("leadsync_original_source") or p.get("hs_analytics_source")

    def lead_email(lead_id: str) -> str:
        lead = sb.salesforce.get("Lead", lead_id) if lead_id else None
        return str(lead.get("Email") or "") if lead else ""

    conflicting = day.conflicting_edit
    if conflicting:
        p = contact(conflicting)
        _add_row(
            show,
            conflicting,
            f"title edited on both sides ({day.hubspot_title!r} vs {day.salesforce_title!r})",
            f"jobtitle={p.get('jobtitle')!r}",
        )
    dq = lead_email(day.disqualified_lead_id)
    if dq:
        p = contact(dq)
        _add_row(
            show,
            dq,
            "disqualified by a rep",
            f"hs_lead_status={p.get('hs_lead_status')}, "
            f"reason={p.get('leadsync_disqualification_reason')!r}",
        )
    cv = lead_email(day.converted_lead_id)
    if cv:
        p = contact(cv)
        _add_row(
            show,
            cv,
            "converted with an opportunity",
            f"lifecycle={p.get('lifecyclestage')}, "
            f"converted={p.get('leadsync_converted')}, original source="
            f"{source(p)}",
        )
    opp_id = day.won_opportunity_id
    if opp_id:
        opp = sb.salesforce.get("Opportunity", opp_id) or {}
        contact_id = opp.get("ContactId")
        c = sb.salesforce.get("Contact", str(contact_id)) if contact_id else None
        email = str(c.get("Email")) if c else ""
        p = contact(email)
        _add_row(
            show,
            email,
            f"opportunity won ({opp.get('Amount')})",
            f"lifecycle={p.get('lifecyclestage')}, "
            f"opportunity={p.get('leadsync_opportunity_status')} "
            f"{p.get('leadsync_opportunity_amount')}",
        )
    latest = day.latest_source_change
    if latest:
        p = contact(latest)
        _add_row(
            show,
            latest,
            f"latest source -> {day.latest_source}",
            f"original source kept: {source(p)}",
        )
    for email in day.signup_emails[:6]:
        p = contact(email)
        _add_row(
            show,
            email,
            f"new sign-up (truth: {sb.truth(email)})",
            f"stage={p.get('leadsync_stage')} exclusion={p.get('leadsync_exclusion') or '-'}",
        )
    console.print(show)
