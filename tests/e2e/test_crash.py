"""kill -9 in the middle of a first sync: the next runs leave what a clean run leaves."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sandbox import EXACT_TIMING, Sandbox

HUBSPOT_FIELDS = (
    "email",
    "firstname",
    "lastname",
    "company",
    "jobtitle",
    "phone",
    "lifecyclestage",
    "hs_lead_status",
    "leadsync_original_source",
    "leadsync_stage",
    "leadsync_exclusion",
    "leadsync_salesforce_type",
    "leadsync_opportunity_status",
)
SALESFORCE_FIELDS = ("Email", "FirstName", "LastName", "Company", "Title", "Status", "LeadSource")


def _env(sb: Sandbox, state: Path) -> dict[str, str]:
    return {
        **os.environ,
        **sb.env(),
        "LEADSYNC_STATE_URL": f"sqlite:///{state}",
        "LEADSYNC_BATCH_SIZE": "50",
    }


def _links(state: Path) -> int:
    if not state.exists():
        return 0
    try:
        with sqlite3.connect(state, timeout=0.2) as db:
            return int(db.execute("SELECT COUNT(*) FROM links").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _sync(sb: Sandbox, state: Path, kill_at_links: int | None = None) -> str:
    cmd = [sys.executable, "-m", "sync", "sync", "--json"]
    proc = subprocess.Popen(
        cmd, env=_env(sb, state), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if kill_at_links is not None:
        while proc.poll() is None:
            if _links(state) >= kill_at_links:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return "killed"
            time.sleep(0.005)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode in (0, 1), err[-2000:]
    return out.strip().splitlines()[-1]


def _snapshot(sb: Sandbox) -> tuple[Counter[str], Counter[str], dict[str, str]]:
    hs: Counter[str] = Counter()
    sf: Counter[str] = Counter()
    values: dict[str, str] = {}
    for c in sb.hubspot.all():
        p = c["properties"]
        email = str(p.get("email") or "").lower()
        hs[email] += 1
        values[f"hs:{email}"] = json.dumps({k: p.get(k) for k in HUBSPOT_FIELDS}, sort_keys=True)
    for object_type in ("Lead", "Contact"):
        for r in sb.salesforce.all(object_type):
            if r.get("IsConverted"):
                continue
            email = str(r.get("Email") or "").lower()
            sf[email] += 1
            key = f"sf:{object_type}:{email}:{sf[email]}"
            values[key] = json.dumps({k: r.get(k) for k in SALESFORCE_FIELDS}, sort_keys=True)
    return hs, sf, values


def test_kill_9_twice_mid_first_sync_then_resume(tmp_path: Path) -> None:
    with Sandbox(seed=21, leads=600) as clean:
        clean.set_faults(**EXACT_TIMING)  # both runs must meet the same org
        assert json.loads(_sync(clean, tmp_path / "clean.db"))["status"] == "ok"
        expected = _snapshot(clean)
    with Sandbox(seed=21, leads=600) as crashed:
        crashed.set_faults(**EXACT_TIMING)
        state = tmp_path / "crash.db"
        assert _sync(crashed, state, kill_at_links=100) == "killed"
        first_kill = _links(state)
        assert _sync(crashed, state, kill_at_links=first_kill + 150) == "killed"
        assert _links(state) > first_kill  # the second run got further before dying
        assert json.loads(_sync(crashed, state))["status"] == "ok"
        after = json.loads(_sync(crashed, state))
        got = _snapshot(crashed)
    assert after["created"] == {"hubspot": 0, "salesforce": 0}
    assert after["updated"] == {"hubspot": 0, "salesforce": 0}
    hs, sf, values = got
    want_hs, want_sf, want_values = expected
    assert hs == want_hs  # every person once in HubSpot, as without the crash
    assert sf == want_sf  # and in Salesforce
    assert values == want_values  # every compared field as the clean run left it
