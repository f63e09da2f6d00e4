"""The CLI against the sandbox: --json, --dry-run, exit codes, and the pair's run lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, sf_by_email, sf_lead, write_calls
from typer.testing import CliRunner

from connectors.base import Cursor
from sandbox import Sandbox
from sync.cli import app
from sync.lock import LockHeld
from sync.runner import run_sync
from sync.settings import Settings
from sync.state import StateStore

DOCUMENTED = {
    "run_id",
    "status",
    "pulled",
    "created",
    "updated",
    "excluded",
    "conflicts",
    "dead_letters",
    "api_calls",
}
PER_SYSTEM = ("pulled", "created", "updated", "api_calls")
LONG_EMAIL = (
    "catherine.montgomery-fitzwilliam.procurement@northwind-international-holdings.example.io"
)


@pytest.fixture
def env(sb: Sandbox, settings: Settings) -> dict[str, str]:
    """The environment the CLI reads its settings from."""
    return {
        **sb.env(),
        "LEADSYNC_STATE_URL": settings.state_url,
        "LEADSYNC_DEAD_LETTER_BASE_DELAY_S": "0",
    }


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


def _one_object(stdout: str) -> dict[str, object]:
    data = json.loads(stdout)  # the whole output: one JSON document, nothing around it
    assert isinstance(data, dict)
    assert set(data) >= DOCUMENTED
    for key in PER_SYSTEM:
        counts = data[key]
        assert isinstance(counts, dict) and set(counts) == {"hubspot", "salesforce"}
        assert all(isinstance(n, int) for n in counts.values())
    for key in ("excluded", "conflicts", "dead_letters"):
        assert isinstance(data[key], int)
    return data


def test_sync_json_prints_one_object_with_the_documented_keys(
    sb: Sandbox, env: dict[str, str]
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    hs_contact(sb, "ann.lee@mailinator.com", firstname="Ann", lastname="Lee")
    sf_lead(sb, "maria.castellano@globex.com")

    code, out = _invoke(env, "sync", "--json")

    data = _one_object(out)
    assert code == 0
    assert data["status"] == "ok"
    assert data["run_id"]
    assert data["pulled"] == {"hubspot": 2, "salesforce": 1}
    assert data["created"] == {"hubspot": 1, "salesforce": 1}
    assert data["excluded"] == 1
    assert data["dead_letters"] == 0
    api_calls = data["api_calls"]
    assert isinstance(api_calls, dict)
    assert api_calls["hubspot"] > 0 and api_calls["salesforce"] > 0

    code, out = _invoke(env, "sync", "--json")
    again = _one_object(out)
    assert (code, again["created"], again["updated"]) == (
        0,
        {"hubspot": 0, "salesforce": 0},
        {"hubspot": 0, "salesforce": 0},
    )
    assert again["run_id"] != data["run_id"]


def test_the_leadsync_command_prints_only_json_on_stdout(sb: Sandbox, env: dict[str, str]) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    leadsync = Path(sys.executable).with_name("leadsync")

    proc = subprocess.run(
        [str(leadsync), "sync", "--json"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert proc.returncode == 0, proc.stderr
    data = _one_object(proc.stdout)
    assert data["created"] == {"hubspot": 0, "salesforce": 1}


def test_a_run_with_dead_letters_is_partial_and_exits_1(sb: Sandbox, env: dict[str, str]) -> None:
    hs_contact(sb, LONG_EMAIL, firstname="Catherine", lastname="Montgomery")
    hs_contact(sb, "olivia.hart@northwind.io")

    code, out = _invoke(env, "sync", "--json")

    data = _one_object(out)
    assert data["status"] == "partial"
    assert data["dead_letters"] == 1
    assert code == 1


def test_dry_run_writes_nothing_anywhere(
    sb: Sandbox, env: dict[str, str], settings: Settings
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    sf_lead(sb, "maria.castellano@globex.com")
    hs_before, leads_before = sb.hubspot.all(), sb.salesforce.all("Lead")
    sb.reset_api_calls()

    code, out = _invoke(env, "sync", "--dry-run", "--json")

    data = _one_object(out)
    assert code == 0
    assert data["created"] == {"hubspot": 1, "salesforce": 1}  # what a real run would do
    assert write_calls(sb) == {}
    assert sb.hubspot.all() == hs_before
    assert sb.salesforce.all("Lead") == leads_before
    with StateStore(settings.state_url) as state:
        assert state.load_links() == []
        assert state.runs() == []
        assert state.dead_letters(status=None) == []
        assert state.get_cursor("hubspot", "contact") == Cursor()
        assert state.get_cursor("salesforce", "Lead") == Cursor()
        assert state.decisions_for() == []


def test_dry_run_after_a_sync_plans_the_pending_changes_only(
    sb: Sandbox, sync: SyncFn, settings: Settings
) -> None:
    hid = hs_contact(sb, "olivia.hart@northwind.io")
    sync()
    sb.hubspot.update(hid, {"jobtitle": "VP Operations"})
    with StateStore(settings.state_url) as state:
        cursor = state.get_cursor("hubspot", "contact")
        runs = len(state.runs())
    sb.reset_api_calls()

    report = sync(dry_run=True)

    assert write_calls(sb) == {}
    assert report.updated.salesforce == 1
    assert sync.last is not None
    (plan,) = [p for p in sync.last.plans if p.system == "salesforce"]
    assert plan.action == "update" and "Title" in plan.fields
    with StateStore(settings.state_url) as state:
        assert state.get_cursor("hubspot", "contact") == cursor
        assert len(state.runs()) == runs
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert lead["Title"] == "Director of Operations"

    sync()  # the real run still sees the change the dry run planned
    (lead,) = sf_by_email(sb, "Lead", "olivia.hart@northwind.io")
    assert lead["Title"] == "VP Operations"


def test_a_second_run_while_the_lock_is_held_fails_with_exit_code_2(
    sb: Sandbox, env: dict[str, str], settings: Settings
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    with StateStore(settings.state_url) as holder, holder.lock():
        with pytest.raises(LockHeld):
            run_sync(settings)
        code, _ = _invoke(env, "sync", "--json")
        assert code == 2
        assert sb.salesforce.all("Lead") == []

    code, _ = _invoke(env, "sync", "--json")  # released: the next run goes ahead
    assert code == 0
    assert sf_by_email(sb, "Lead", "olivia.hart@northwind.io")


def test_two_concurrent_runs_of_one_pair_never_overlap(sb: Sandbox, settings: Settings) -> None:
    for i in range(5):
        hs_contact(sb, f"person{i}.hart@northwind.io", firstname="Olivia", lastname="Hart")
    sb.set_faults(latency_ms=150)  # the first run takes a few seconds
    results: list[object] = []
    first = threading.Thread(target=lambda: results.append(run_sync(settings).report))
    first.start()
    try:
        deadline = 50
        while deadline and not sb.api_calls().get("hubspot"):  # the first run has the lock
            threading.Event().wait(0.05)
            deadline -= 1
        with pytest.raises(LockHeld):
            run_sync(settings)
    finally:
        first.join(timeout=60)
        sb.set_faults(latency_ms=0)
    (report,) = results
    assert getattr(report, "status", None) == "ok"
    assert len(sb.salesforce.all("Lead")) == 5


def test_review_lists_held_sign_ups_with_their_evidence(
    sb: Sandbox, env: dict[str, str], sync: SyncFn
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    hs_contact(sb, "jamesnof8812@gmail.com", firstname="Jamesnof", lastname="Jamesnof", company="")
    sync()

    code, out = _invoke(env, "review", "--json")
    assert code == 0
    [held] = json.loads(out)
    assert held["email"] == "jamesnof8812@gmail.com"
    assert 'first and last name both "Jamesnof"' in held["evidence"]
    code, out = _invoke(env, "status", "--json")
    assert json.loads(out)["held_for_review"] == 1
    code, out = _invoke(env, "review")
    assert "allow_emails.txt" in out


def test_status_lists_the_runs(sb: Sandbox, env: dict[str, str], sync: SyncFn) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    report = sync()

    code, out = _invoke(env, "status", "--json")

    data = json.loads(out)
    assert code == 0
    assert data["links_active"] == 1
    assert [r["id"] for r in data["runs"]] == [report.run_id]
    assert data["runs"][0]["status"] == "ok"
