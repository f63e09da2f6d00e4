"""Adversarial operations: flaky APIs at scale, a user's mapping copy, secrets, status output."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, settings_for, sf_by_email, sf_lead, write_calls
from typer.testing import CliRunner

from mappings.loader import load_mappings
from sandbox import Sandbox
from sync.cli import app
from sync.runner import run_sync
from sync.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "olivia.hart@northwind.io"
FIRST = [
    *("Olivia", "Raj", "Mei", "Tomas", "Aisha", "Lukas", "Sofia", "Kenji", "Nora", "Diego"),
    *("Ines", "Pavel", "Amara", "Jonas", "Leila", "Marco", "Yuki", "Hana", "Felix", "Zara"),
]
LAST = [
    *("Hart", "Patel", "Chen", "Novak", "Bello", "Weber", "Rossi", "Sato", "Berg", "Ruiz"),
    *("Okafor", "Lindqvist", "Moreau"),
]
PEOPLE = [(first, last) for first in FIRST for last in LAST][:250]


def _hs_emails(sb: Sandbox) -> Counter[str]:
    return Counter(str(c["properties"]["email"]).lower() for c in sb.hubspot.all())  # type: ignore[index]


def _lead_emails(sb: Sandbox) -> Counter[str]:
    return Counter(str(r["Email"]).lower() for r in sb.salesforce.all("Lead"))


@pytest.mark.slow
def test_500_records_through_503s_and_a_429_storm_lose_and_duplicate_nothing(
    sb: Sandbox, sync: SyncFn
) -> None:
    for first, last in PEOPLE:
        email = f"{first}.{last}@northwind.io".lower()
        hs_contact(sb, email, firstname=first, lastname=last)
        sf_lead(sb, f"{first}.{last}@globex.com".lower(), FirstName=first, LastName=last)
    sb.set_faults(error_rate=0.05, seed=11, storm_seconds=1.5)

    statuses = []
    for _ in range(5):
        report = sync()
        statuses.append(report.status)
        assert report.status in ("ok", "partial"), report.to_json()
        assert report.excluded == 0
        if report.status == "ok":
            break
    sb.clear_faults()
    final = sync()

    assert final.status == "ok", (statuses, final.to_json())
    hs, leads = _hs_emails(sb), _lead_emails(sb)
    assert len(PEOPLE) == 250
    assert len(hs) == 500 and set(hs.values()) == {1}
    assert len(leads) == 500 and set(leads.values()) == {1}
    sb.reset_api_calls()
    sync()
    assert write_calls(sb) == {}


def test_a_mapping_copy_made_one_way_is_respected(sb: Sandbox, tmp_path: Path) -> None:
    mdir = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings" / "default", mdir)
    text = (mdir / "mapping.yaml").read_text()
    title_block = "  title:\n    hubspot: jobtitle\n    salesforce: Title\n    sync: two_way"
    assert title_block in text
    (mdir / "mapping.yaml").write_text(
        text.replace(title_block, title_block.replace("two_way", "hubspot_to_salesforce"))
    )
    settings = settings_for(sb, tmp_path, mappings_dir=mdir)
    assert str(load_mappings(mdir).field("title").rule) == "hubspot_to_salesforce"
    hid = hs_contact(sb, EMAIL, jobtitle="Director of Operations")
    run_sync(settings)
    (lead,) = sf_by_email(sb, "Lead", EMAIL)

    sb.salesforce.update("Lead", lead["Id"], {"Title": "Intern"})
    run_sync(settings)

    hs = sb.hubspot.get(hid)
    assert hs is not None and hs["properties"]["jobtitle"] == "Director of Operations"  # type: ignore[index]
    fresh = sb.salesforce.get("Lead", lead["Id"])
    assert fresh is not None and fresh["Title"] == "Director of Operations"  # reverted
    sb.hubspot.update(hid, {"jobtitle": "VP Operations"})
    run_sync(settings)
    fresh = sb.salesforce.get("Lead", lead["Id"])
    assert fresh is not None and fresh["Title"] == "VP Operations"
    sb.reset_api_calls()
    run_sync(settings)
    assert write_calls(sb) == {}


def _secrets(sb: Sandbox) -> list[str]:
    return [sb.hubspot_token, sb.salesforce_session_id, sb.salesforce_session_id.split("!")[1]]


def _state_bytes(settings: Settings) -> bytes:
    db = Path(settings.state_url.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


def test_secrets_never_reach_output_logs_or_state(
    sb: Sandbox, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    hs_contact(sb, EMAIL)
    sf_lead(sb, "raj.patel@globex.com")
    caplog.set_level(logging.DEBUG)
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}
    runner = CliRunner()
    outputs = [
        runner.invoke(app, ["sync", "--json"], env=env).output,
        runner.invoke(app, ["sync"], env=env).output,
        runner.invoke(app, ["status"], env=env).output,
        runner.invoke(app, ["status", "--json"], env=env).output,
        repr(settings),
        str(settings.describe()),
    ]
    blob = "\n".join(outputs) + caplog.text
    state = _state_bytes(settings)
    for secret in _secrets(sb):
        assert secret not in blob
        assert secret.encode() not in state


@pytest.mark.parametrize("wrong", ["hubspot_token", "salesforce_session_id"])
def test_a_wrong_credential_fails_cleanly_without_leaking_it(
    sb: Sandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture, wrong: str
) -> None:
    hs_contact(sb, EMAIL)
    bad = "pat-na1-WRONG-" + "f" * 30 if wrong == "hubspot_token" else "00DWRONG!" + "e" * 40
    settings = settings_for(sb, tmp_path, **{wrong: bad})
    caplog.set_level(logging.DEBUG)
    env = {
        **sb.env(),
        f"LEADSYNC_{wrong.upper()}": bad,
        "LEADSYNC_STATE_URL": settings.state_url,
    }

    try:
        report = run_sync(settings).report
        text = json.dumps(report.to_json())
        assert report.status == "failed"
    except Exception as exc:  # noqa: BLE001 - the text of any failure must be clean too
        text = f"{exc!r} {exc}"
    result = CliRunner().invoke(app, ["sync", "--json"], env=env)
    proc = subprocess.run(
        [sys.executable, "-m", "sync", "sync"],
        env={**env, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )

    assert result.exit_code != 0 and proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    blob = "\n".join(
        [text, result.output, repr(result.exception), proc.stdout, proc.stderr, caplog.text]
    )
    for secret in [bad, *_secrets(sb)]:
        assert secret not in blob
        assert secret.encode() not in _state_bytes(settings)
    assert sb.salesforce.all("Lead") == []


def test_status_after_runs_counts_links_and_dead_letters(
    sb: Sandbox, settings: Settings, sync: SyncFn
) -> None:
    hs_contact(sb, EMAIL)
    # Too long for Salesforce's 80 characters: a dead letter.
    long_email = (
        "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.co.uk"
    )
    assert len(long_email) > 80
    hs_contact(sb, long_email)
    first = sync()
    second = sync()
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}

    result = CliRunner().invoke(app, ["status", "--json"], env=env)
    text = CliRunner().invoke(app, ["status"], env=env, terminal_width=200)

    assert result.exit_code == 0 and text.exit_code == 0
    data = json.loads(result.output)
    assert [r["id"] for r in data["runs"]] == [second.run_id, first.run_id]
    assert data["runs"][1]["status"] == "partial"
    assert data["links_active"] >= 1
    assert data["dead_letters_pending"] == 1
    assert first.run_id[:8] in text.output and "partial" in text.output
    assert "1 pending" in text.output


@pytest.mark.slow
def test_timeouts_after_processing_create_no_duplicates(sb: Sandbox, tmp_path: Path) -> None:
    settings = settings_for(sb, tmp_path, timeout_s=0.3, batch_size=7)
    for first, last in PEOPLE[:10]:
        hs_contact(sb, f"{first}.{last}@northwind.io".lower(), firstname=first, lastname=last)
        sf_lead(sb, f"{first}.{last}@globex.com".lower(), FirstName=first, LastName=last)
    sb.set_faults(timeout_rate=0.15, timeout_s=0.6, seed=5)

    for _ in range(6):
        report = run_sync(settings).report
        if report.status == "ok":
            break
    sb.clear_faults()
    run_sync(settings)

    hs, leads = _hs_emails(sb), _lead_emails(sb)
    assert len(hs) == 20 and set(hs.values()) == {1}
    assert len(leads) == 20 and set(leads.values()) == {1}
    sb.reset_api_calls()
    run_sync(settings)
    assert write_calls(sb) == {}


def test_reported_api_calls_match_what_the_servers_answered(sb: Sandbox, sync: SyncFn) -> None:
    for first, last in PEOPLE[:20]:
        hs_contact(sb, f"{first}.{last}@northwind.io".lower(), firstname=first, lastname=last)
    sb.reset_api_calls()

    report = sync()

    answered = {system: sum(calls.values()) for system, calls in sb.api_calls().items()}
    assert report.api_calls.to_json() == answered


@pytest.mark.parametrize("room", [3, 6, 7])
def test_edits_survive_a_quota_stop_between_batches(sb: Sandbox, tmp_path: Path, room: int) -> None:
    settings = settings_for(sb, tmp_path, batch_size=4)
    people = PEOPLE[:12]
    hids = [
        hs_contact(sb, f"{first}.{last}@northwind.io".lower(), firstname=first, lastname=last)
        for first, last in people
    ]
    run_sync(settings)
    for hid in hids:
        sb.hubspot.update(hid, {"jobtitle": "Chief Revenue Officer"})
    used, _ = sb.salesforce.api_usage()
    # Room for the reads and the first batches' writes, not for the whole run.
    sb.set_faults(salesforce_daily_limit=int((used + room) / 0.8) + 1)

    stopped = run_sync(settings).report
    sb.set_faults(salesforce_daily_limit=1_000_000)
    resumed = run_sync(settings).report

    assert stopped.status == "partial" and stopped.message, stopped.to_json()
    assert stopped.updated.salesforce < 12
    assert resumed.status == "ok", resumed.to_json()
    titles = Counter(str(r["Title"]) for r in sb.salesforce.all("Lead"))
    assert titles == {"Chief Revenue Officer": 12}
    sb.reset_api_calls()
    run_sync(settings)
    assert write_calls(sb) == {}


def test_a_hopeless_dead_letter_is_discarded_and_runs_return_to_ok(
    sb: Sandbox, tmp_path: Path
) -> None:
    settings = settings_for(sb, tmp_path, dead_letter_max_attempts=3)
    long_email = (
        "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.co.uk"
    )
    hs_contact(sb, long_email)
    hs_contact(sb, EMAIL)

    statuses = [run_sync(settings).report.status for _ in range(5)]

    assert statuses[0] == "partial" and statuses[-1] == "ok", statuses
    env = {**sb.env(), "LEADSYNC_STATE_URL": settings.state_url}
    data = json.loads(CliRunner().invoke(app, ["status", "--json"], env=env).output)
    assert (data["dead_letters_pending"], data["dead_letters_discarded"]) == (0, 1)
    assert [lead["Email"] for lead in sb.salesforce.all("Lead")] == [EMAIL]
