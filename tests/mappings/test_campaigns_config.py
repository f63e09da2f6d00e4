"""mapping.yaml ``campaigns:``: what loads, what is refused (with its place), and key lookup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mappings.errors import MappingError
from mappings.loader import load_mappings

DEFAULT = Path(__file__).resolve().parents[2] / "mappings" / "default"


def _load(tmp_path: Path, old: str, new: str):  # type: ignore[no-untyped-def]
    target = tmp_path / "m"
    shutil.copytree(DEFAULT, target)
    path = target / "mapping.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_mappings(target)


def test_the_default_section_compiles() -> None:
    config = load_mappings(DEFAULT).campaigns
    assert config is not None
    assert config.touches == ("first_touch_campaign", "last_touch_campaign", "utm_campaign")
    assert (config.first_touch, config.key_field, config.create_missing) == (
        "first_touch_campaign",
        "Name",
        False,
    )
    assert config.primary_campaign_source is True


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("match: name", "match: external_id ", "needs external_id_field"),
        ("match: name", "match: by_name", "did you mean 'name'"),
        ("first_touch: first_touch_campaign", "first_touch: source_detail", "one of the touches"),
        ("responded_status: Responded", "responded_status: ''", "at least 1 character"),
        ("names: {}", "names: {}\n  colour: blue", "colour"),
    ],
)
def test_a_bad_section_is_refused_with_its_place(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    with pytest.raises(MappingError) as exc:
        _load(tmp_path, old, new)
    text = (tmp_path / "m" / "mapping.yaml").read_text(encoding="utf-8")
    line = text[: text.index(new.splitlines()[-1])].count("\n") + 1
    issues = exc.value.issues
    assert any(expected in str(i) and i.line == line for i in issues), [str(i) for i in issues]


def test_names_map_a_hubspot_campaign_to_its_salesforce_key(tmp_path: Path) -> None:
    ms = _load(tmp_path, "names: {}", "names: {Spring Webinar: 2026-Q2 Webinar EMEA}")
    config = ms.campaigns
    assert config is not None
    assert config.campaign_key(" Spring Webinar ") == "2026-Q2 Webinar EMEA"
    assert config.campaign_key("Newsletter 2026") == "Newsletter 2026"


def test_a_mapping_without_the_section_has_no_campaign_step(tmp_path: Path) -> None:
    text = (DEFAULT / "mapping.yaml").read_text(encoding="utf-8")
    section = text[text.index("campaigns:\n  match") :]
    assert _load(tmp_path, section, "").campaigns is None
