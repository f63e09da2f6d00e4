from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mappings.mappingset import MappingSet
from mappings.rules import Decision, FiredRule, decision_fields, evaluate, explain

NOW = datetime(2026, 6, 1, tzinfo=UTC)

PROSPECT = {
    "email": "maria.lopez@brightscale.com",
    "first_name": "Maria",
    "last_name": "Lopez",
    "company": "Brightscale Health",
    "title": "VP of Operations",
    "phone": "+14155552671",
    "country": "United States",
    "website": "brightscale.com",
    "num_conversion_events": 3.0,
    "page_views": 14.0,
    "email_clicks": 2.0,
    "email_opens": 10.0,
    "first_conversion_event_name": "Demo request",
    "recent_conversion_date": NOW - timedelta(days=2),
}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"honeypot": "http://spam.example"}, "honeypot"),
        ({"email": "maria@@brightscale.com"}, "invalid_email"),
        ({"email": "maria@mailinator.com"}, "disposable_email"),
        ({"email": "maria@northwind-analytics.com"}, "employee"),
        ({"email": "maria@eu.rivalcrm.com"}, "competitor"),
        ({"email": "maria@printfast.com"}, "vendor"),
        ({"email": "test+12@brightscale.com"}, "test"),
        ({"email": "maria@example.com"}, "test"),
        ({"first_name": "John", "last_name": "Doe"}, "test"),
        # Bot: strong signals that agree, on free mail, outside a business identity.
        (
            {"first_name": "Xkcvbnrt", "last_name": "Qzrtplkw", "email": "xk@gmail.com"},
            "bot",
        ),
        (
            {
                "first_name": "Mariazqf",
                "last_name": "Mariazqf",
                "email": "m@gmail.com",
                "company": "",
                "phone": "+74951234567",
            },
            "bot",
        ),
        (
            {"email": "xkqzvbtrw8812@gmail.com", "company": "", "phone": "+74951234567"},
            "bot",
        ),
    ],
)
def test_exclusions(ms: MappingSet, changes: dict[str, object], code: str) -> None:
    decision = evaluate(ms.rules, {**PROSPECT, **changes}, NOW)
    assert decision.excluded
    assert decision.exclusion == code
    assert decision.stage == "excluded"
    assert decision.score == 0
    assert decision.fired[0].rule == code


def test_repeated_name_alone_is_held_for_review_not_excluded(ms: MappingSet) -> None:
    # Issue 12: one strong signal on free mail is the grey zone, not a bot verdict.
    record = {**PROSPECT, "first_name": "Mariazqf", "last_name": "Mariazqf", "email": "m@gmail.com"}
    decision = evaluate(ms.rules, record, NOW)
    assert not decision.excluded
    assert decision.stage == "review" and decision.held
    assert 'first and last name both "Mariazqf"' in explain(decision)


def test_first_exclusion_wins(ms: MappingSet) -> None:
    record = {**PROSPECT, "email": "test@mailinator.com", "honeypot": "1"}
    assert evaluate(ms.rules, record, NOW).exclusion == "honeypot"


def test_real_prospect_is_scored_and_explained(ms: MappingSet) -> None:
    decision = evaluate(ms.rules, PROSPECT, NOW)
    assert not decision.excluded and decision.exclusion is None
    fired = {f.rule: f for f in decision.fired}
    assert fired["senior_title"].points == 25
    assert fired["senior_title"].why == "senior title (VP of Operations)"
    assert fired["business_email"].why == "business email at brightscale.com"
    assert fired["conversions"].why == "3 form conversions"  # not "3.0"
    assert "role_account" not in fired
    assert decision.fit == pytest.approx(25 + 15 + 5 + 5 + 5)
    assert decision.score == pytest.approx(min(decision.fit + decision.engagement, 100), abs=0.1)
    assert decision.stage == "sql"


@pytest.mark.parametrize(
    ("changes", "stage"),
    [
        ({}, "sql"),
        ({"title": "Analyst", "phone": None}, "mql"),
        (
            {
                "title": None,
                "num_conversion_events": 1.0,
                "page_views": 1.0,
                "email_clicks": 0.0,
                "first_conversion_event_name": "Ebook",
            },
            "lead",
        ),
    ],
)
def test_stages(ms: MappingSet, changes: dict[str, object], stage: str) -> None:
    assert evaluate(ms.rules, {**PROSPECT, **changes}, NOW).stage == stage


def test_engagement_decays_with_time(ms: MappingSet) -> None:
    fresh = evaluate(ms.rules, PROSPECT, NOW)
    old = {**PROSPECT, "recent_conversion_date": NOW - timedelta(days=90)}
    stale = evaluate(ms.rules, old, NOW)
    assert stale.fit == fresh.fit
    assert stale.engagement < fresh.engagement / 2
    conversions = {f.rule: f.points for f in stale.fired}["conversions"]
    # 3 conversions x 8 points, halved every 45 days: two half-lives
    assert conversions == pytest.approx(24 / 4, abs=0.01)


def test_per_rule_is_capped(ms: MappingSet) -> None:
    decision = evaluate(ms.rules, {**PROSPECT, "page_views": 500.0}, NOW)
    assert {f.rule: f.points for f in decision.fired}["page_views"] <= 10


def test_negative_fit(ms: MappingSet) -> None:
    record = {**PROSPECT, "email": "info@brightscale.com"}
    decision = evaluate(ms.rules, record, NOW)
    assert not decision.excluded
    assert {f.rule: f.points for f in decision.fired}["role_account"] == -20


def test_explain_fits_in_255_characters() -> None:
    fired = tuple(FiredRule(f"rule_{i}", float(i), "a rather long reason " * 3) for i in range(30))
    decision = Decision(False, None, 60.0, 40.5, 100.0, "sql", fired)
    text = explain(decision, 255)
    assert len(text) <= 255
    assert text.startswith("SQL score 100 (fit 60, engagement 40.5): +29 a rather long")
    assert text.endswith("more")


def test_explain_excluded() -> None:
    decision = Decision(
        True,
        "competitor",
        0,
        0,
        0,
        "excluded",
        (FiredRule("competitor", 0, "rivalcrm.com is a competitor"),),
    )
    assert explain(decision) == "Excluded (competitor): rivalcrm.com is a competitor"


def test_decision_fields(ms: MappingSet) -> None:
    decision = evaluate(ms.rules, PROSPECT, NOW)
    hubspot = decision_fields(ms.rules, decision, "hubspot")
    assert set(hubspot) == {
        "leadsync_stage",
        "leadsync_score",
        "leadsync_exclusion",
        "leadsync_reasons",
    }
    assert hubspot["leadsync_exclusion"] == ""
    assert hubspot["leadsync_stage"] == "sql"
    salesforce = decision_fields(ms.rules, decision, "salesforce")
    assert salesforce["Leadsync_Exclusion__c"] is None
    assert salesforce["Leadsync_Score__c"] == decision.score
    assert len(str(salesforce["Leadsync_Reasons__c"])) <= 255
    excluded = evaluate(ms.rules, {**PROSPECT, "honeypot": "x"}, NOW)
    assert decision_fields(ms.rules, excluded, "salesforce")["Leadsync_Exclusion__c"] == "honeypot"
