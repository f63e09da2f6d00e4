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


def _story(console: Console, title: str, report: RunReport, seconds: float) -> None:
    """One run told in words: what was read, what each side received, and why."""
    r = report
    console.print(Text(f"\n{title} ({seconds:.1f} s, {r.status})", style="bold"))
    say = console.print
    say(
        Text(
            f"  read {r.pulled.hubspot} changed HubSpot contacts and {r.pulled.salesforce} "
            "changed Salesforce Leads / Contacts"
        )
    )
    wrote = r.created.hubspot + r.created.salesforce + r.updated.hubspot + r.updated.salesforce
    if not wrote:
        say(
            Text("  nothing to write: both systems already agree (what leadsync wrote is the base)")
        )
    if r.created.salesforce or r.updated.salesforce:
        say(
            Text(
                f"  Salesforce: {r.created.salesforce} new Leads for people only marketing knew, "
                f"{r.updated.salesforce} records updated with marketing's data and the SQL decision"
            )
        )
    if r.created.hubspot or r.updated.hubspot:
        say(
            Text(
                f"  HubSpot: {r.created.hubspot} new contacts for people only sales knew, "
                f"{r.updated.hubspot} contacts updated with sales' verdicts (status, conversion, "
                "opportunity) and the decision with its reasons"
            )
        )
    if r.excluded:
        say(
            Text(
                f"  {r.excluded} of the people this run looked at are junk: kept out of "
                "Salesforce, flagged in HubSpot (leadsync_exclusion)"
            )
        )
    if r.conflicts:
        say(
            Text(
                f"  {r.conflicts} field values differed between the systems; each field's sync "
                "rule picked the winner (for people linked for the first time, Salesforce's "
                "value); `leadsync explain EMAIL` shows each field and who won"
            )
        )
    if r.duplicates:
        say(Text(f"  {r.duplicates} duplicate records left unlinked (one record per email kept)"))
    if r.dead_letters:
        say(
            Text(
                f"  {r.dead_letters} records refused by a system: `leadsync dead-letters` shows "
                "why; later runs retry them"
            )
        )
    say(Text(f"  API calls: HubSpot {r.api_calls.hubspot}, Salesforce {r.api_calls.salesforce}"))


def _junk_by_reason(state: StateStore) -> str:
    reasons = collect(state).exclusions
    if not reasons:
        return "none"
    return ", ".join(f"{n} {words}" for words, n in reasons.most_common())


def run_demo(
    console: Console,
    *,
    leads: int = 1000,
    seed: int = 7,
    report_path: Path = Path("leadsync-demo-report.html"),
) -> int:
    """Run the whole demo and tell it as a story; returns the exit status."""
    console.print(
        f"[bold]leadsync demo[/bold]: a sandbox HubSpot portal and Salesforce org with {leads} "
        f"people (seed {seed}), synced three times"
    )
    with (
        tempfile.TemporaryDirectory(prefix="leadsync-demo-") as tmp,
        Sandbox(seed=seed, leads=leads) as sb,
    ):
        settings = load_settings(**_settings_for(sb, Path(tmp)))
        sf, hs = sb.salesforce, sb.hubspot
        console.print(
            Text(
                f"  Salesforce holds {len(sf.all('Lead'))} Leads, {len(sf.all('Contact'))} "
                f"Contacts and {len(sf.all('Opportunity'))} Opportunities; HubSpot holds "
                f"{len(hs.all())} contacts, some of them bots, fake sign-ups, employees, "
                "competitors and vendors"
            )
        )

        t = time.perf_counter()
        first = run_sync(settings).report
        _story(
            console, "1. First sync: everything is read and linked", first, time.perf_counter() - t
        )
        with StateStore(settings.state_url, pair=settings.pair) as state:
            console.print(Text(f"  junk kept out of Salesforce so far: {_junk_by_reason(state)}"))

        t = time.perf_counter()
        again = run_sync(settings).report
        _story(console, "2. Second sync right after", again, time.perf_counter() - t)

        day = sb.simulate_day()
        time.sleep(sb.ctx.faults.hubspot_index_delay_s + 0.2)  # let HubSpot's search index catch up
        console.print(Text("\nA working day passes", style="bold"))
        console.print(
            Text(
                f"  marketing: {day.new_signups} new sign-ups in HubSpot, {day.new_junk} of them "
                "fake (bots, throwaway mailboxes, honeypot, tests)"
            )
        )
        console.print(
            Text(
                f"  sales: {day.worked} leads worked, {day.disqualified} disqualified, "
                f"{day.converted} converted with an opportunity, {day.won} opportunity won; "
                "one title edited on both sides"
            )
        )

        t = time.perf_counter()
        third = run_sync(settings).report
        _story(console, "3. Sync after the day", third, time.perf_counter() - t)
        _explain_day(console, sb, day)
        with StateStore(settings.state_url, pair=settings.pair) as state:
            counts = state.counts()
            report_path.write_text(render(collect(state)), encoding="utf-8")
        console.print(
            Text(
                f"\nstate: {counts.links_active} people linked, {counts.dead_letters_pending} "
                "dead letters pending"
            )
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
        console.print(
            Text(
                f"report: {report_path.resolve()} (lead quality by original source, exclusions, "
                "stages, sync health; open it in a browser)",
                style="bold",
            )
        )
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
    shown = day.signup_emails[:6]
    for email in shown:
        p = contact(email)
        _add_row(
            show,
            email,
            f"new sign-up (truth: {sb.truth(email)})",
            f"stage={p.get('leadsync_stage')} exclusion={p.get('leadsync_exclusion') or '-'}",
        )
    console.print(show)
    if len(day.signup_emails) > len(shown):
        more = len(day.signup_emails) - len(shown)
        console.print(Text(f"  and {more} more sign-ups: `leadsync explain EMAIL` for any of them"))
