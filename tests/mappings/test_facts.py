from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.facts import FACTS, Context, email_is_valid
from mappings.randomname import randomness

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def fact(name: str, **record: object) -> object:
    return Context(record, NOW).fact(name)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "record", "expected"),
    [
        ("email_domain", {"email": "Jane@Mail.Acme.co.uk"}, "acme.co.uk"),
        ("email_domain", {"email": "no-at-sign"}, None),
        ("email_domain", {}, None),
        ("email_host", {"email": "jane@mail.acme.com"}, "mail.acme.com"),
        ("email_local", {"email": "Jane.Doe+x@acme.com"}, "jane.doe+x"),
        ("free_email", {"email": "jane@gmail.com"}, True),
        ("free_email", {"email": "jane@acme.com"}, False),
        ("disposable_email", {"email": "x@mailinator.com"}, True),
        ("disposable_email", {"email": "x@acme.com"}, False),
        ("invalid_email", {"email": "jane@acme.com"}, False),
        ("invalid_email", {"email": "jane@@acme.com"}, True),
        ("invalid_email", {"email": "jane@acme"}, True),
        ("invalid_email", {"email": "jane..doe@acme.com"}, True),
        ("invalid_email", {"email": "jane@localhost.test"}, True),
        ("invalid_email", {"email": ""}, False),  # blank is not invalid (test `email: {blank}`)
        ("role_account", {"email": "info@acme.com"}, True),
        ("role_account", {"email": "sales+eu@acme.com"}, True),
        ("role_account", {"email": "jane@acme.com"}, False),
        ("random_name", {"first_name": "Xqzvbnrt", "last_name": "Smith"}, True),
        ("random_name", {"first_name": "Asdf", "last_name": "Jkl"}, True),
        ("random_name", {"first_name": "Sdfsdfsd", "last_name": "Lee"}, True),
        ("random_name", {"first_name": "Xu", "last_name": "Li"}, False),
        ("random_name", {"first_name": "Wojciech", "last_name": "Szczepański"}, False),
        ("random_name", {"first_name": "Erwin", "last_name": "Schwarzschild"}, False),
        ("random_name", {"first_name": "Zhang", "last_name": "Xiuying"}, False),
        ("random_name", {"first_name": "john83", "last_name": "Smith"}, True),
        ("name_repeated", {"first_name": "Jamesnof", "last_name": "jamesnof"}, True),
        ("name_repeated", {"first_name": "Li", "last_name": "Li"}, False),
        (
            "email_local_randomness",
            {"email": "jane.doe84@gmail.com", "first_name": "Jane", "last_name": "Doe"},
            0.0,
        ),
        ("honeypot_filled", {"honeypot": "http://spam"}, True),
        ("honeypot_filled", {"honeypot": ""}, False),
        ("honeypot_filled", {}, False),
        ("phone_country", {"phone": "+44 20 7946 0958"}, "GB"),
        ("phone_country", {"phone": "020 7946 0958"}, None),
        ("stated_country", {"country": "Deutschland"}, "DE"),
        ("phone_country_mismatch", {"phone": "+74951234567", "country": "Germany"}, True),
        ("phone_country_mismatch", {"phone": "+4930901820", "country": "Germany"}, False),
        ("phone_country_mismatch", {"phone": "+14165550100", "country": "United States"}, False),
        ("phone_country_mismatch", {"phone": "+4930901820"}, False),
        ("email_matches_website", {"email": "j@acme.com", "website": "https://www.acme.com"}, True),
        ("email_matches_website", {"email": "j@gmail.com", "website": "acme.com"}, False),
    ],
)
def test_facts(name: str, record: dict[str, object], expected: object) -> None:
    assert fact(name, **record) == expected


def test_gibberish_local_part_is_random() -> None:
    assert (
        fact(
            "email_local_randomness",
            email="xkqzvbtr8812@gmail.com",
            first_name="Amy",
            last_name="Lee",
        )
        >= 0.6
    )  # type: ignore[operator]


def test_every_fact_handles_an_empty_record() -> None:
    for name in FACTS:
        Context({}, NOW).fact(name)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_randomness_is_bounded_and_never_raises(text: str) -> None:
    assert 0.0 <= randomness(text) <= 1.0


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(
        r"[a-z0-9_%+-]{1,10}(\.[a-z0-9]{1,5})?@([a-z0-9]{1,8}\.){1,2}[a-z]{2,6}", fullmatch=True
    )
)
def test_fast_path_agrees_with_email_validator(address: str) -> None:
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(address, check_deliverability=False)
        expected = True
    except EmailNotValidError:
        expected = False
    assert email_is_valid(address) is expected


BOOLEAN_FACTS = [
    "free_email",
    "disposable_email",
    "invalid_email",
    "role_account",
    "random_name",
    "name_repeated",
    "honeypot_filled",
    "phone_country_mismatch",
    "email_matches_website",
]


@pytest.mark.parametrize(
    "record",
    [
        {},
        {"email": "x@gmail.com", "first_name": "Li", "last_name": "Li", "honeypot": "1"},
        {
            "email": "info@acme.com",
            "phone": "+74951234567",
            "country": "Germany",
            "website": "acme.com",
            "first_name": "Xqzvbnrt",
        },
    ],
)
def test_boolean_facts_are_real_bools(record: dict[str, object]) -> None:
    # `{fact: true}` compares by identity, so a truthy non-bool would silently never match.
    for name in BOOLEAN_FACTS:
        assert fact(name, **record) in (True, False)
        assert isinstance(fact(name, **record), bool), name
