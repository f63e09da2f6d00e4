"""`leadsync run --every` against the sandbox, and the health `leadsync status` reports."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_helpers import hs_contact
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app
from sync.cli_run import WAIT_SCALE_VARIABLE
from sync.settings import Settings
from sync.state import StateError, StateStore

LEADSYNC = [sys.executable, "-m", "sync"]


@pytest.fixture
def env(sb: Sandbox, settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        **sb.env(),
        "LEADSYNC_STATE_URL": settings.state_url,
        # `--every 2s` waits 0.1 s: the schedule logic is the same, the test stays short.
        WAIT_SCALE_VARIABLE: "0.05",
    }


def _runs(settings: Settings) -> list[str]:
    with StateStore(settings.state_url) as state:
        return [r.status for r in state.runs(50)]


def test_run_every_2s_runs_three_cycles(
    sb: Sandbox, settings: Settings, env: dict[str, str]
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    proc = subprocess.run(
        [*LEADSYNC, "run", "--every", "2s", "--cycles", "3", "--jitter-seed", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("cycle ") >= 3 and "stopped after 3 cycle(s)" in proc.stdout
    assert _runs(settings) == ["ok", "ok", "ok"]
    assert len(sb.salesforce.all("Lead")) == 1  # the later cycles wrote nothing again
    assert "Traceback" not in proc.stderr


def test_sigterm_stops_within_one_batch(
    sb: Sandbox, settings: Settings, env: dict[str, str]
) -> None:
    for i in range(12):
        hs_contact(sb, f"person{i}.hart@northwind.io", firstname="Olivia", lastname="Hart")
    sb.set_faults(latency_ms=60)
    proc = subprocess.Popen(
        [*LEADSYNC, "run", "--every", "2s"],
        env={**env, "LEADSYNC_BATCH_SIZE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        linked = 0
        while time.monotonic() < deadline and linked == 0:  # wait for the first batch commit
            time.sleep(0.05)
            if Path(settings.state_url.removeprefix("sqlite:///")).exists():
                with contextlib.suppress(StateError), StateStore(settings.state_url) as state:
                    linked = state.counts().links_active  # (the run may be creating it)
        assert linked, "no batch was committed in time"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        sb.set_faults(latency_ms=0)
    assert proc.returncode == 0, err
    assert "stopping after the current batch" in out
    with StateStore(settings.state_url) as state:
        (run,) = state.runs()
        links_after = state.counts().links_active
    assert run.status == "stopped"
    assert links_after <= linked + 2 < 12  # the batch in progress, not the rest of the run
    assert "Traceback" not in err


def test_run_never_overlaps_a_running_sync(
    sb: Sandbox, settings: Settings, env: dict[str, str]
) -> None:
    hs_contact(sb, "olivia.hart@northwind.io")
    with StateStore(settings.state_url) as holder, holder.lock():  # `leadsync sync` is running
        proc = subprocess.run(
            [*LEADSYNC, "run", "--every", "2s", "--cycles", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("skipped") == 2, proc.stdout
    assert sb.salesforce.all("Lead") == []
    assert _runs(settings) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--every", "soon"], "15m"), (["--cron", "* * *"], "five fields"), ([], "exactly one")],
)
def test_a_bad_schedule_is_one_line(args: list[str], message: str, env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, ["run", *args], env=env)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def _invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stdout


def test_status_json_shows_the_last_run_and_its_age(
    settings: Settings, env: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    with StateStore(settings.state_url) as state:
        good = state.start_run(dry_run=False, at=now - timedelta(minutes=20))
        state.finish_run(good, "ok", {}, at=now - timedelta(minutes=19))
        bad = state.start_run(dry_run=False, at=now - timedelta(minutes=5))
        state.finish_run(bad, "failed", {"error": "run aborted: HubSpot answered 503"})

    code, out = _invoke(env, "status", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["state"] in settings.state_url
    assert data["last_run"]["id"] == bad and data["last_run"]["status"] == "failed"
    assert "503" in data["last_run"]["message"]
    assert data["last_good_run"]["id"] == good
    assert 18 * 60 < data["last_good_run"]["age_s"] < 30 * 60
    assert data["healthy"] is True

    assert _invoke(env, "status", "--check", "--every", "15m")[0] == 0  # 19 min < 3 x 15 min
    code, out = _invoke(env, "status", "--check", "--every", "5m")  # 19 min > 3 x 5 min
    assert code == 1 and out.startswith("LATE")
    assert _invoke(env, "status", "--check", "--every", "5m", "--missed", "4")[0] == 0
    code, out = _invoke(env, "status")  # a failed run says why
    assert code == 0 and "HubSpot answered 503" in " ".join(out.split())


def test_status_without_state_says_so_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "state.db"
    env = {"LEADSYNC_STATE_URL": f"sqlite:///{path}"}
    code, out = _invoke(env, "status")
    assert code == 1 and "no state at" in out and str(path) in " ".join(out.split())
    assert not path.exists() and not path.parent.exists()
    code, out = _invoke(env, "status", "--json")
    assert json.loads(out)["exists"] is False


def test_the_default_state_is_in_the_user_state_directory(tmp_path: Path) -> None:
    env: dict[str, str | None] = {"XDG_STATE_HOME": str(tmp_path), "LEADSYNC_STATE_URL": None}
    result = CliRunner().invoke(app, ["status"], env=env)
    assert str(tmp_path / "leadsync" / "state.db") in " ".join(result.stdout.split())
