"""`leadsync check` as a user runs it: offline, online against the sandbox, --fix, --json."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import Sandbox

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "mappings" / "default"


def leadsync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sync", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def bare() -> Iterator[Sandbox]:
    """A sandbox whose HubSpot portal lacks leadsync's own properties."""
    with Sandbox(seed=5, leads=0, leadsync_properties=False) as box:
        yield box


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_defaults_pass_offline_and_online(sb: Sandbox) -> None:
    offline = leadsync(sb.env(), "check")
    online = leadsync(sb.env(), "check", "--online", "--json")
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert online.returncode == 0, online.stdout + online.stderr
    report = json.loads(online.stdout)
    assert report["ok"] is True and report["online"] is True and report["errors"] == []


def test_missing_properties_fail_online_until_fixed(bare: Sandbox) -> None:
    before = leadsync(bare.env(), "check", "--online", "--json")
    assert before.returncode == 1
    messages = [e["message"] for e in json.loads(before.stdout)["errors"]]
    assert any("leadsync_score" in m and "--fix" in m for m in messages)

    fixed = leadsync(bare.env(), "check", "--online", "--fix")
    assert fixed.returncode == 0, fixed.stdout
    assert "created HubSpot property leadsync_score" in fixed.stdout
    assert leadsync(bare.env(), "check", "--online").returncode == 0


def _edit(path: Path, old: str, new: str) -> int:
    text = path.read_text()
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1))
    return line


def test_a_misspelled_property_fails_online_with_file_line_and_suggestion(
    sb: Sandbox, copy: Path
) -> None:
    line = _edit(copy / "mapping.yaml", "hubspot: jobtitle", "hubspot: jobtitel")
    out = leadsync(sb.env(), "check", "--online", "--mappings", str(copy))
    assert out.returncode == 1
    assert f"mapping.yaml:{line}:" in out.stdout
    assert "jobtitel" in out.stdout and "did you mean 'jobtitle'" in out.stdout


def test_an_unknown_sync_rule_fails_offline_with_a_suggestion(sb: Sandbox, copy: Path) -> None:
    line = _edit(copy / "mapping.yaml", "sync: two_way", "sync: two_wya")
    out = leadsync(sb.env(), "check", "--mappings", str(copy))
    assert out.returncode == 1
    assert f"mapping.yaml:{line}:" in out.stdout and "two_way" in out.stdout


def test_an_unmapped_picklist_value_fails_online(sb: Sandbox, copy: Path) -> None:
    _edit(
        copy / "mapping.yaml",
        "Closed - Converted: {hubspot: OPEN_DEAL}",
        "Closed - Won: {hubspot: OPEN_DEAL}",
    )
    out = leadsync(sb.env(), "check", "--online", "--mappings", str(copy))
    assert out.returncode == 1
    assert "mapping.yaml:" in out.stdout and "Closed - Won" in out.stdout


def test_a_missing_list_file_fails_with_its_name(sb: Sandbox, copy: Path) -> None:
    (copy / "lists" / "vendor_domains.txt").unlink()
    out = leadsync(sb.env(), "check", "--mappings", str(copy))
    assert out.returncode == 1
    assert "rules.yaml:" in out.stdout and "vendor_domains.txt" in out.stdout
