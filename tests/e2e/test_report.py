"""`leadsync report`: lead quality by original source and sync health, as HTML."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.html_report import collect
from sync.runner import run_sync
from sync.settings import Settings
from sync.state import StateStore


def test_report_counts_people_by_source_and_lists_runs(
    sb: Sandbox, settings: Settings, tmp_path: Path, monkeypatch: object
) -> None:
    sb.hubspot.create(
        {
            "email": "ada@lovelace-labs.com",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "company": "Lovelace Labs",
            "jobtitle": "CTO",
            "hs_analytics_source": "PAID_SEARCH",
        }
    )
    sb.hubspot.create(
        {
            "email": "xkqzvw@mailinator.com",
            "firstname": "Xkqzvw",
            "lastname": "Qwrtzp",
            "hs_analytics_source": "PAID_SEARCH",
        }
    )
    sb.salesforce.create(
        "Lead",
        {
            "LastName": "Hopper",
            "Company": "Hopper Systems",
            "Email": "grace@hopper-sys.com",
            "LeadSource": "Trade Show",
        },
    )
    assert run_sync(settings).report.status == "ok"

    with StateStore(settings.state_url) as state:
        data = collect(state)
    by_source = {s.source: s for s in data.sources}
    assert by_source["Paid Search"].people == 2
    assert by_source["Paid Search"].excluded == 1
    assert by_source["Trade Show"].people == 1
    assert [r.status for r in data.runs] == ["ok"]

    out = tmp_path / "report.html"
    env = {k: v for k, v in sb.env().items()}
    env["LEADSYNC_STATE_URL"] = settings.state_url
    result = CliRunner().invoke(app, ["report", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "Lead quality by original source" in html
    assert re.search(r"<td>Paid Search</td><td>2</td>", html)
    assert sb.hubspot_token not in html and sb.salesforce_session_id not in html
