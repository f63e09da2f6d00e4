from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mappings.conditions import Scope, compile_condition
from mappings.facts import Context
from mappings.yamlsrc import Located

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "title",
        "page_views",
        "company",
        "recent_conversion_date",
        "converted_date",
        "lead_status",
        "phone",
        "country",
        "honeypot",
        "website",
    }
)
LISTS = {"competitors": frozenset({"rivalcrm.com", "pipelinepro.io"})}


def compile_ok(node: object):
    scope = Scope(Located("rules.yaml", node), FIELDS, LISTS, [])
    condition = compile_condition(node, scope, ())
    assert scope.issues == []
    assert condition is not None
    return condition


def issues_of(node: object) -> list[str]:
    scope = Scope(Located("rules.yaml", node), FIELDS, LISTS, [])
    assert compile_condition(node, scope, ()) is None
    return [str(i) for i in scope.issues]


RECORD = {
    "email": "Jane.Doe@RivalCRM.com",
    "first_name": "Jane",
    "title": "VP of Sales",
    "page_views": 12.0,
    "company": "",
    "recent_conversion_date": NOW - timedelta(days=10),
    "converted_date": date(2026, 1, 1),
    "lead_status": "Working - Contacted",
}


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        ({"first_name": {"eq": "jane"}}, True),  # text comparisons ignore case
        ({"first_name": "Jane"}, True),  # a bare value means eq
        ({"first_name": {"eq": "John"}}, False),
        ({"first_name": {"ne": "John"}}, True),
        ({"last_name": {"ne": "John"}}, True),  # missing is not equal
        ({"page_views": {"lt": 13}}, True),
        ({"page_views": {"lt": 12}}, False),
        ({"page_views": {"lte": 12}}, True),
        ({"page_views": {"gt": 11.5}}, True),
        ({"page_views": {"gte": 13}}, False),
        ({"last_name": {"gt": 0}}, False),  # missing never compares
        ({"converted_date": {"gte": date(2025, 12, 31)}}, True),
        ({"converted_date": {"lt": date(2025, 12, 31)}}, False),
        ({"lead_status": {"in": ["Working - Contacted", "Closed - Converted"]}}, True),
        ({"lead_status": ["working - contacted"]}, True),  # a bare list means in
        ({"lead_status": {"not_in": ["Closed - Converted"]}}, True),
        ({"email_domain": {"in_list": "competitors"}}, True),
        ({"email_domain": {"not_in_list": "competitors"}}, False),
        ({"title": {"contains": "vp"}}, True),
        ({"title": {"not_contains": "director"}}, True),
        ({"title": {"starts_with": "vp "}}, True),
        ({"title": {"ends_with": "SALES"}}, True),
        ({"title": {"matches": r"\b(vp|director)\b"}}, True),
        ({"title": {"matches": r"^chief"}}, False),
        ({"last_name": {"matches": "x"}}, False),
        ({"company": {"blank": True}}, True),  # "" is blank
        ({"last_name": {"blank": True}}, True),  # missing is blank
        ({"title": {"blank": False}}, True),
        ({"title": {"present": True}}, True),
        ({"company": {"present": True}}, False),
        ({"recent_conversion_date": {"within_days": 10}}, True),
        ({"recent_conversion_date": {"within_days": 9}}, False),
        ({"recent_conversion_date": {"older_than_days": 9}}, True),
        ({"converted_date": {"older_than_days": 100}}, True),
        ({"last_name": {"within_days": 1000}}, False),
        ({"page_views": {"gt": 10, "lt": 20}}, True),  # several operators: all must hold
        ({"all": [{"first_name": "jane"}, {"page_views": {"gt": 100}}]}, False),
        ({"any": [{"first_name": "john"}, {"page_views": {"gt": 10}}]}, True),
        ({"not": {"first_name": "jane"}}, False),
        ({"first_name": "jane", "title": {"contains": "ceo"}}, False),  # keys are and-ed
        (True, True),
        (False, False),
    ],
)
def test_operators(node: object, expected: bool) -> None:
    assert compile_ok(node)(Context(RECORD, NOW)) is expected


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"emial": "x"}, "unknown field or fact 'emial' (did you mean 'email'?)"),
        (
            {"email_domian": "x"},
            "unknown field or fact 'email_domian' (did you mean 'email_domain'?)",
        ),
        ({"title": {"containz": "x"}}, "unknown operator 'containz' (did you mean 'contains'?)"),
        (
            {"email_domain": {"in_list": "competitor"}},
            "unknown list 'competitor' (did you mean 'competitors'?)",
        ),
        ({"title": {"matches": "("}}, "bad regular expression"),
        ({"page_views": {"gt": "many"}}, "gt needs a number or a date"),
        ({"title": {"in": "vp"}}, "in needs a list of values"),
        ({"title": {"blank": "yes"}}, "blank needs true or false"),
        ({"recent_conversion_date": {"within_days": -1}}, "within_days needs a number of days"),
        ({"title": {"contains": 3}}, "contains needs text"),
        ({"any": []}, "any needs a non-empty list of conditions"),
        ("title", "a condition is a mapping"),
        ({"title": {}}, "no operator for 'title'"),
    ],
)
def test_compile_errors(node: object, message: str) -> None:
    found = issues_of(node)
    assert any(message in text for text in found), found


def test_errors_point_at_file_line_column() -> None:
    src = Located("r.yaml", {"x": 1}, values={("when",): (4, 7)}, keys={("when", "emial"): (5, 9)})
    scope = Scope(src, FIELDS, LISTS, [])
    assert compile_condition({"emial": "x"}, scope, ("when",)) is None
    assert (
        str(scope.issues[0]) == "r.yaml:5:9: unknown field or fact 'emial' (did you mean 'email'?)"
    )


def test_short_circuit_skips_expensive_facts() -> None:
    condition = compile_ok({"all": [{"first_name": "john"}, {"random_name": True}]})
    ctx = Context(RECORD, NOW)
    assert condition(ctx) is False
    assert "random_name" not in ctx.facts
