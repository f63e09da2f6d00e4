"""The closed-loop funnel: cumulative stages, exclusions by reason, revenue, rates, ranking."""

from __future__ import annotations

import pytest

from sync.closed_loop import ClosedLoop, Funnel, count_person

WON = {"converted": True, "opportunity_status": "won", "won_amount": 1200.5}


@pytest.mark.parametrize(
    ("base", "exclusion", "stage", "reached"),
    [
        ({}, "bot", "excluded", {"signups"}),
        ({}, None, "review", {"signups"}),
        ({}, None, "lead", {"signups"}),
        ({}, None, "mql", {"signups", "mql"}),
        ({}, None, "sql", {"signups", "mql", "sql"}),
        ({"converted": True}, None, "lead", {"signups", "mql", "sql"}),
        (
            {"opportunity_status": "open"},
            None,
            "mql",
            {"signups", "mql", "sql", "opportunities"},
        ),
        (WON, None, "lead", {"signups", "mql", "sql", "opportunities", "won"}),
    ],
)
def test_a_person_counts_in_every_stage_reached(
    base: dict[str, object], exclusion: str | None, stage: str, reached: set[str]
) -> None:
    funnel = Funnel("Webinar")
    count_person(funnel, base, exclusion, stage, "2026-11")  # type: ignore[arg-type]
    counts = {k: getattr(funnel, k) for k in ("signups", "mql", "sql", "opportunities", "won")}
    assert {k for k, v in counts.items() if v} == reached
    assert funnel.by_month == {"2026-11": {k: 1 for k in reached}}
    assert funnel.excluded == (exclusion is not None)
    assert funnel.reviewed == (stage == "review" and exclusion is None)
    assert funnel.won_revenue == (1200.5 if "won" in reached else 0.0)


def test_rates_and_the_quality_ranking() -> None:
    loop = ClosedLoop()
    many = loop.sources.setdefault("Paid Social", Funnel("Paid Social"))
    few = loop.sources.setdefault("Referral", Funnel("Referral"))
    for n in range(10):
        count_person(many, {}, "bot" if n < 6 else None, "lead" if n < 9 else "sql", "2026-10")
    for _ in range(2):
        count_person(few, WON, None, "sql", "2026-10")  # type: ignore[arg-type]

    assert [f.name for f in loop.quality_ranking()] == ["Referral", "Paid Social"]
    rates = many.to_json()["rates"]
    assert rates == {
        "mql_of_kept": 0.25,
        "sql_of_mql": 1.0,
        "opportunity_of_sql": 0.0,
        "won_of_opportunity": 0.0,
        "qualified": 0.1,
        "won": 0.0,
    }
    assert many.to_json()["excluded_by_reason"] == {"bot": 6}
    assert few.to_json()["won_revenue"] == 2401.0
    assert loop.months() == ["2026-10"]
