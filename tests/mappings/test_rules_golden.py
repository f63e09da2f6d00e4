"""Map + rules decide every record as before the speed work (issue 12): see rules_golden.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.mappings import rules_golden as golden


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    return golden.load()


def _differences(got: list[Any], want: list[Any], inputs: list[Any]) -> list[str]:
    assert len(got) == len(want)
    return [
        f"#{i} {inputs[i]!r}\n  got  {g!r}\n  want {w!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True))
        if g != w
    ]


def test_snapshot_covers_every_outcome(data: dict[str, Any]) -> None:
    """The snapshot is worth comparing: every exclusion and stage occurs in it."""
    outcomes = {(row[0], str(row[1])) for row in data["outputs"]["contacts"]}
    for code in ("honeypot", "invalid_email", "employee", "competitor", "vendor", "test", "bot"):
        assert ("excluded", code) in outcomes
    assert {"lead", "mql", "sql", "review", "unreadable"} <= {stage for stage, _ in outcomes}


@pytest.mark.parametrize("order", ["as recorded", "reversed, caches warm"])
def test_decisions_match_the_recorded_ones(
    data: dict[str, Any], tmp_path: Path, order: str
) -> None:
    ms = golden._mappings(tmp_path / "mappings", data["inputs"]["lists"])
    inputs = data["inputs"]
    if order != "as recorded":
        golden.run(ms, inputs)  # fill every cache and memo first, then judge in reverse
        inputs = {kind: records[::-1] for kind, records in inputs.items() if kind != "lists"}
    got = golden.run(ms, inputs)
    for kind in ("contacts", "leads"):
        want = data["outputs"][kind]
        if order != "as recorded":
            want = want[::-1]
        wrong = _differences(got[kind], want, inputs[kind])
        assert not wrong, f"{len(wrong)} {kind} decided differently:\n" + "\n".join(wrong[:5])
