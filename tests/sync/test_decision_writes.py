from __future__ import annotations

import pytest

from connectors.base import Value
from sync.decision_writes import decision_changes

NOW: dict[str, Value] = {
    "leadsync_stage": "mql",
    "leadsync_score": 55.0,
    "leadsync_exclusion": "",
    "leadsync_reasons": "MQL score 55: +30 title; +25 engagement",
}


def fields(**changes: Value) -> dict[str, Value]:
    return {**NOW, **changes}


@pytest.mark.parametrize(
    ("new", "expected"),
    [
        (fields(), {}),
        # decay moves the score a little and the reasons' points with it: not material
        (
            fields(
                leadsync_score=55.4, leadsync_reasons="MQL score 55: +30 title; +25.4 engagement"
            ),
            {},
        ),
        (fields(leadsync_score=54.2), {}),
        # a score move of 1 or more is written, with everything else that differs
        (
            fields(leadsync_score=57.0, leadsync_reasons="MQL score 57"),
            {"leadsync_score": 57.0, "leadsync_reasons": "MQL score 57"},
        ),
        (fields(leadsync_stage="sql"), {"leadsync_stage": "sql"}),
        (
            fields(leadsync_exclusion="bot", leadsync_stage="excluded"),
            {"leadsync_exclusion": "bot", "leadsync_stage": "excluded"},
        ),
    ],
)
def test_only_material_changes_are_written(
    new: dict[str, Value], expected: dict[str, Value]
) -> None:
    assert decision_changes(new, NOW, creating=False) == expected


def test_blank_current_values_are_filled() -> None:
    assert decision_changes(fields(), {}, creating=False) == {
        "leadsync_stage": "mql",
        "leadsync_score": 55.0,
        "leadsync_reasons": NOW["leadsync_reasons"],
    }


def test_scores_stored_as_text_compare_as_numbers() -> None:
    current = {**NOW, "leadsync_score": "55"}
    assert decision_changes(fields(leadsync_score=55.3), current, creating=False) == {}


def test_a_create_writes_every_non_blank_field() -> None:
    assert decision_changes(fields(), {}, creating=True) == {
        "leadsync_stage": "mql",
        "leadsync_score": 55.0,
        "leadsync_reasons": NOW["leadsync_reasons"],
    }
