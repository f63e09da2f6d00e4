"""`leadsync -vv sync` logs what a run did, and never a secret."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from e2e_helpers import hs_contact

from sandbox import Sandbox


def test_debug_logging_shows_the_run_and_no_secret(sb: Sandbox, tmp_path: Path) -> None:
    hs_contact(sb, "ada@lovelace-labs.com")
    env = {**os.environ, **sb.env(), "LEADSYNC_STATE_URL": f"sqlite:///{tmp_path}/state.db"}
    run = subprocess.run(
        [sys.executable, "-m", "sync", "-vv", "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "INFO sync.engine: run " in run.stderr and "batch committed" in run.stderr
    for secret in (sb.hubspot_token, sb.salesforce_session_id):
        assert secret not in run.stderr and secret not in run.stdout
