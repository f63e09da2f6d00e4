"""Every bad setting: one line on stderr naming it, exit 2, no traceback, no secret, fast."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import trustme
from typer.testing import CliRunner

from sandbox import Sandbox
from sync.cli import app

SECRET = "hunter2-secret"


def _cases(sb: Sandbox, tmp: Path) -> dict[str, tuple[dict[str, str], str]]:
    garbage = tmp / "garbage.pem"
    garbage.write_text("not a certificate")
    other = tmp / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    return {
        "state URL unparsable": ({"LEADSYNC_STATE_URL": "not-a-url"}, "LEADSYNC_STATE_URL"),
        "state driver missing": (
            {"LEADSYNC_STATE_URL": f"mysql://u:{SECRET}@127.0.0.1/x"},
            "LEADSYNC_STATE_URL",
        ),
        "state unreachable": (
            {"LEADSYNC_STATE_URL": f"postgresql://u:{SECRET}@127.0.0.1:1/x"},
            "127.0.0.1:1",
        ),
        "Salesforce URL refused": (
            {"LEADSYNC_SALESFORCE_URL": "https://127.0.0.1:1"},
            "127.0.0.1:1",
        ),
        "HubSpot URL malformed": ({"LEADSYNC_HUBSPOT_URL": "ftp:/x"}, "LEADSYNC_HUBSPOT_URL"),
        "CA missing": ({"LEADSYNC_CA_PATH": str(tmp / "none.pem")}, "LEADSYNC_CA_PATH"),
        "CA not a certificate": ({"LEADSYNC_CA_PATH": str(garbage)}, "LEADSYNC_CA_PATH"),
        "CA of another server": ({"LEADSYNC_CA_PATH": str(other)}, "LEADSYNC_CA_PATH"),
        "HubSpot token wrong": ({"LEADSYNC_HUBSPOT_TOKEN": SECRET}, "LEADSYNC_HUBSPOT_TOKEN"),
        "Salesforce session wrong": (
            {"LEADSYNC_SALESFORCE_SESSION_ID": SECRET},
            "LEADSYNC_SALESFORCE_SESSION_ID",
        ),
        "HubSpot token missing": ({"LEADSYNC_HUBSPOT_TOKEN": ""}, "LEADSYNC_HUBSPOT_TOKEN"),
    }


CASES = [
    "state URL unparsable",
    "state driver missing",
    "state unreachable",
    "Salesforce URL refused",
    "HubSpot URL malformed",
    "CA missing",
    "CA not a certificate",
    "CA of another server",
    "HubSpot token wrong",
    "Salesforce session wrong",
    "HubSpot token missing",
]


@pytest.mark.parametrize("case", CASES)
def test_a_bad_setting_is_one_line_naming_it(sb: Sandbox, tmp_path: Path, case: str) -> None:
    extra, named = _cases(sb, tmp_path)[case]
    env = {**sb.env(), "LEADSYNC_STATE_URL": f"sqlite:///{tmp_path}/state.db", **extra}
    hubspot_calls = sb.api_calls().get("hubspot", {})
    started = time.monotonic()
    result = CliRunner().invoke(app, ["sync"], env=env)
    elapsed = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.stderr and SECRET not in result.stderr
    assert elapsed < 5
    # Nothing was read: at most the sign-in probes reached the systems.
    searches = {k: n for k, n in sb.api_calls().get("hubspot", {}).items() if "search" in k}
    assert searches == {k: n for k, n in hubspot_calls.items() if "search" in k}


def test_the_installed_command_prints_one_line_too(sb: Sandbox, tmp_path: Path) -> None:
    env = {
        **os.environ,
        **sb.env(),
        "LEADSYNC_STATE_URL": f"sqlite:///{tmp_path}/state.db",
        "LEADSYNC_SALESFORCE_SESSION_ID": SECRET,
    }
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "sync", "sync"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert "LEADSYNC_SALESFORCE_SESSION_ID" in proc.stderr and SECRET not in proc.stderr
    assert time.monotonic() - started < 10  # the interpreter's start-up included
