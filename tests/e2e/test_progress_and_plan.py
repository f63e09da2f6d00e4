"""Progress on a terminal only, log files as JSON lines, and `--plan` with old -> new values."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, sf_by_email
from rich.console import Console
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.progress import SyncProgress, wanted
from sync.runner import build_connectors, run_sync
from sync.settings import Settings


@pytest.fixture
def env(sb: Sandbox, settings: Settings) -> dict[str, str]:
    return {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}


def test_progress_counts_reads_and_writes_per_system(sb: Sandbox, settings: Settings) -> None:
    for i in range(3):
        hs_contact(sb, f"person{i}.hart@northwind.io", firstname="Olivia", lastname="Hart")
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=120)
    assert wanted(terminal, quiet=False) and not wanted(terminal, quiet=True)
    assert not wanted(Console(file=io.StringIO()), quiet=False)  # not a terminal: quiet
    conns = build_connectors(settings, clock=sb.ctx.now)
    progress = SyncProgress(terminal)
    progress.watch(conns)
    with progress.shown():
        report = run_sync(
            settings, connectors=conns, on_batch=progress.on_batch, clock=sb.ctx.now
        ).report
    counts = {t.description: t.completed for t in progress.progress.tasks}
    assert counts["HubSpot read"] == report.pulled.hubspot == 3
    assert counts["Salesforce written"] >= 3
    assert counts["people processed"] == 3
    assert "HubSpot read" in out.getvalue() and "people processed" in out.getvalue()


def test_not_a_terminal_means_no_progress_and_json_logs_go_to_the_file(
    sb: Sandbox, env: dict[str, str], tmp_path: Path
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    log = tmp_path / "leadsync.log"
    result = CliRunner().invoke(
        app, ["-v", "--log-file", str(log), "--log-format", "json", "sync", "--json"], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    json.loads(result.stdout)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines and {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(line["logger"] == "sync.engine" for line in lines)
    for secret in (sb.hubspot_token, sb.salesforce_session_id):
        assert secret not in log.read_text()
    bad = CliRunner().invoke(app, ["--log-format", "xml", "status"], env=env)
    assert bad.exit_code == 2 and "text or json" in bad.output


def test_plan_shows_values_exclusions_and_conflicts(
    sb: Sandbox, sync: SyncFn, env: dict[str, str]
) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    sb.ctx.advance(60)
    sb.hubspot.update(hid, {"jobtitle": "VP Operations", "city": "Portland"})
    sb.ctx.advance(60)
    sb.salesforce.update("Lead", lead["Id"], {"Title": "Chief Operating Officer"})
    hs_contact(sb, "ann.lee@mailinator.com", firstname="Ann", lastname="Lee")
    sb.ctx.advance(60)

    result = CliRunner().invoke(app, ["sync", "--dry-run", "--plan", "--json"], env=env)
    assert result.stdout, result.output
    plan = json.loads(result.stdout)["plan"]
    to_sf = next(p for p in plan if p["system"] == "salesforce" and p["id"] == lead["Id"])
    assert {"field": "city", "old": None, "new": "Portland"} in to_sf["changes"]
    to_hs = next(p for p in plan if p["system"] == "hubspot" and p["id"] == hid)
    assert any(c["field"] == "title" and c["won"] == "salesforce" for c in to_hs["conflicts"])
    junk = next(p for p in plan if p["email"] == "ann.lee@mailinator.com")
    assert junk["system"] == "hubspot" and junk["exclusion"] and junk["reasons"]

    result = CliRunner().invoke(app, ["sync", "--dry-run", "--plan"], env=env)
    text = result.stdout
    assert "city: (blank) -> 'Portland'" in text
    assert "conflict on title: salesforce won" in text
    assert f"excluded by {junk['exclusion']}" in text
