"""`leadsync check` on mapping.yaml `campaigns:`: offline shape, online Campaigns and statuses."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_check_cli import DEFAULT_DIR, leadsync

from sandbox import Sandbox


@pytest.fixture
def mapping_dir(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def _edit(directory: Path, old: str, new: str) -> None:
    path = directory / "mapping.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def bare() -> Iterator[Sandbox]:
    """A portal without leadsync's own properties (so --fix has the closed-loop ones to make)."""
    with Sandbox(seed=5, leads=0, leadsync_properties=False) as box:
        yield box


def test_an_undeclared_touch_field_fails_offline_with_its_line(mapping_dir: Path) -> None:
    _edit(mapping_dir, "touches: [first_touch_campaign,", "touches: [first_touch_campain,")

    result = leadsync({}, "check", "--mappings", str(mapping_dir), "--json")

    assert result.returncode == 1
    errors = json.loads(result.stdout)["errors"]
    (error,) = [e for e in errors if "first_touch_campain" in e["message"]]
    assert "not declared" in error["message"] and error["line"] > 0
    assert error["suggestion"] == "first_touch_campaign"


def test_a_mapped_campaign_must_exist_with_the_responded_status(
    sb: Sandbox, mapping_dir: Path
) -> None:
    _edit(mapping_dir, "names: {}", "names: {Data Webinar: 2026 Data Quality Webinar}")
    args = ("check", "--online", "--json", "--mappings", str(mapping_dir))

    missing = leadsync(sb.env(), *args)

    assert missing.returncode == 1
    messages = [e["message"] for e in json.loads(missing.stdout)["errors"]]
    assert any("no Campaign '2026 Data Quality Webinar'" in m for m in messages), messages

    sb.salesforce.create("Campaign", {"Name": "2026 Data Quality Webinar"})
    assert leadsync(sb.env(), *args).returncode == 0

    _edit(mapping_dir, "responded_status: Responded", "responded_status: Attended")
    wrong = leadsync(sb.env(), *args)
    assert wrong.returncode == 1
    messages = [e["message"] for e in json.loads(wrong.stdout)["errors"]]
    assert any("no member status 'Attended'" in m for m in messages), messages


def test_fix_creates_the_closed_loop_properties(bare: Sandbox) -> None:
    fixed = leadsync(bare.env(), "check", "--online", "--fix", "--json")

    assert fixed.returncode == 0, fixed.stdout
    made = set(json.loads(fixed.stdout)["fixed"])
    assert {
        "leadsync_won_amount",
        "leadsync_won_date",
        "leadsync_won_campaign",
        "leadsync_first_touch_campaign",
    } <= made
    assert (
        bare.hubspot_client()
        .crm.properties.core_api.get_by_name("contacts", "leadsync_won_date")
        .type
        == "date"
    )
