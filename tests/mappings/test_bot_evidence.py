from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mappings.mappingset import MappingSet
from mappings.randomname import randomness
from mappings.rules import evaluate, explain

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "record",
    [
        {
            "first_name": "James",
            "last_name": "Haddad",
            "title": "CFO",
            "email": "james.haddad1@globexlogistics.com",
            "company": "Globex Logistics",
            "phone": "+14155552671",
            "country": "United States",
        },
        {
            "first_name": "Dafydd",
            "last_name": "Llwyd",
            "email": "dllwyd@kestrel-logistics.co.uk",
            "company": "Kestrel Logistics",
        },
        {"first_name": "Dafydd", "last_name": "Llwyd", "email": "dllwyd@kestrel-logistics.co.uk"},
        {
            "first_name": "Björk",
            "last_name": "Crwys",
            "email": "bjrk.crwys@gmail.com",
            "company": "Crwys Design",
        },
        {
            "first_name": "Scott",
            "last_name": "Scott",
            "email": "scott@scottfarms.com",
            "company": "Scott Farms",
        },
    ],
)
def test_real_people_are_qualified(ms: MappingSet, record: dict[str, object]) -> None:
    decision = evaluate(ms.rules, record, NOW)
    assert not decision.excluded
    assert decision.stage != "review"


@pytest.mark.parametrize(
    ("record", "evidence"),
    [
        (
            {"email": "xqzkvbt@mailinator.com"},
            ['mailbox "xqzkvbt" scores', "throwaway domain (mailinator.com)", "no name"],
        ),
        (
            {
                "first_name": "Jhgfdsa",
                "last_name": "Qwpoeiru",
                "email": "jhgfdsa88@guerrillamail.com",
            },
            [
                'first name "Jhgfdsa" scores',
                'last name "Qwpoeiru" scores',
                "throwaway domain (guerrillamail.com)",
                "no company",
            ],
        ),
    ],
)
def test_bots_are_excluded_with_their_evidence(
    ms: MappingSet, record: dict[str, object], evidence: list[str]
) -> None:
    decision = evaluate(ms.rules, record, NOW)
    assert decision.exclusion == "bot"
    reason = explain(decision)
    assert reason.startswith("Excluded (bot): ")
    for piece in evidence:
        assert piece in reason
    assert len(reason) <= 255


def test_one_signal_sends_to_review_not_exclusion(ms: MappingSet) -> None:
    record = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "email": "xkqzvbtrw8812@gmail.com",
        "company": "Brightscale",
        "email_opens": 0.0,
    }
    decision = evaluate(ms.rules, record, NOW)
    assert not decision.excluded
    assert decision.stage == "review" and decision.held
    assert 'mailbox "xkqzvbtrw8812"' in explain(decision)


def test_new_sign_up_without_opens_is_no_evidence(ms: MappingSet) -> None:
    record = {
        "first_name": "Ana",
        "last_name": "Silva",
        "email": "ana.silva@gmail.com",
        "phone": "+74951234567",
        "country": "Portugal",
        "email_opens": 0.0,
        "page_views": 0.0,
        "company": "Silva Doces",
    }
    decision = evaluate(ms.rules, record, NOW)
    assert not decision.excluded and decision.stage != "review"


def test_allow_lists_always_win(tmp_path, ms: MappingSet) -> None:  # type: ignore[no-untyped-def]
    from mappings.loader import load_mappings
    from sandbox.mappings import write_mappings

    target = write_mappings(tmp_path / "m")
    (target / "lists" / "allow_emails.txt").write_text("jhgfdsa88@guerrillamail.com\n")
    (target / "lists" / "allow_domains.txt").write_text("gmail.com\n")
    rules = load_mappings(target).rules
    bot = {"first_name": "Jhgfdsa", "last_name": "Qwpoeiru", "email": "jhgfdsa88@guerrillamail.com"}
    assert not evaluate(rules, bot, NOW).excluded
    held = {"first_name": "Maria", "last_name": "Lopez", "email": "xkqzvbtrw8812@gmail.com"}
    decision = evaluate(rules, held, NOW)
    assert not decision.held and decision.stage != "review"


@pytest.mark.parametrize(
    "name",
    [
        "Haddad",
        "Llwyd",
        "Crwys",
        "bjrk",
        "Nguyen",
        "Szczepański",
        "Tkachenko",
        "Ng",
        "Oyelaran",
        "Bhattacharya",
        "Przybylski",
        "Abdrakhmanova",
        "Фатима",
        "김민준",
    ],
)
def test_real_names_do_not_look_random(name: str) -> None:
    assert randomness(name) < 0.6


@pytest.mark.parametrize("word", ["xqzvbt", "jhgfdsa", "qwpoeiru", "kqpz83", "uuiioottt"])
def test_typed_gibberish_looks_random(word: str) -> None:
    assert randomness(word) >= 0.6


def test_shipped_lists_name_no_one(shipped: MappingSet) -> None:
    for name in (
        "employee_domains",
        "competitor_domains",
        "vendor_domains",
        "allow_emails",
        "allow_domains",
    ):
        assert shipped.rules.lists[name] == frozenset()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.text(max_size=300),
    last=st.text(max_size=40),
    local=st.from_regex(r"[a-z0-9._+-]{1,40}", fullmatch=True),
    company=st.text(max_size=40),
)
def test_any_sign_up_gets_a_bounded_explained_decision(
    ms: MappingSet, first: str, last: str, local: str, company: str
) -> None:
    record = {
        "first_name": first,
        "last_name": last,
        "email": f"{local}@gmail.com",
        "company": company,
    }
    decision = evaluate(ms.rules, record, NOW)
    assert len(explain(decision)) <= 255
    assert 0.0 <= randomness(first) <= 1.0
    if decision.exclusion == "bot":
        assert "free mail (gmail.com)" in explain(decision) or len(explain(decision)) == 255
