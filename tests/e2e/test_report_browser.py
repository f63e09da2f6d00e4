"""The HTML report is one self-contained file whose charts render in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape
from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, sf_lead
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.settings import Settings
from sync.state import StateStore

LONG_EMAIL = (
    "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.example.io"
)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("Chromium is not installed (no chromium on PATH): `make browser` installs it")


def _browser(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.fixture
def report(sb: Sandbox, sync: SyncFn, settings: Settings, tmp_path: Path) -> Path:
    hs_contact(sb, "ada@lovelace-labs.com", hs_analytics_source="PAID_SEARCH", jobtitle="CTO")
    hs_contact(sb, "xkqzvw@mailinator.com", firstname="Xkqzvw", hs_analytics_source="PAID_SEARCH")
    hs_contact(sb, "test@example.com", firstname="Test", hs_analytics_source="ORGANIC_SEARCH")
    hs_contact(sb, LONG_EMAIL, firstname="Catherine", lastname="Montgomery")
    sf_lead(sb, "grace@hopper-sys.com", LeadSource="Trade Show")
    sync()
    sb.ctx.advance(3600)
    sync()
    out = tmp_path / "report.html"
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}
    result = CliRunner().invoke(app, ["report", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    return out


def test_the_report_is_self_contained(report: Path, sb: Sandbox, settings: Settings) -> None:
    html = report.read_text(encoding="utf-8")
    with StateStore(settings.state_url) as state:
        letters = state.dead_letters(status=None)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert html.count('<svg class="chart"') == 4
    assert "throwaway mailbox" in html  # exclusions in words, not codes
    assert any(d.status == "pending" for d in letters), [d.status for d in letters]
    pending = [d for d in letters if d.status == "pending"]
    assert ("Pending dead letters" in html) == bool(pending), [d.status for d in letters]
    for d in pending:
        assert escape(d.message) in html
    assert sb.hubspot_token not in html and sb.salesforce_session_id not in html


def test_the_charts_render_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    binary = _chromium()
    dom = _browser(binary, "--virtual-time-budget=5000", "--dump-dom", report.as_uri())
    rendered = re.search(r'data-charts-rendered="([^"]*)"', dom.stdout)
    if rendered is None or rendered.group(1) != "4/4":
        shot = tmp_path / "report.png"
        _browser(binary, f"--screenshot={shot}", "--window-size=1400,2400", report.as_uri())
        pytest.fail(
            f"charts did not render ({rendered.group(1) if rendered else 'no marker'}); "
            f"screenshot: {shot} (exists: {shot.exists()}); chromium said: {dom.stderr[-500:]}"
        )
