"""``leadsync sandbox serve --route``: a lead assignment rule a new user can set up from the CLI."""

from __future__ import annotations

import pytest
from simple_salesforce import Salesforce

from sandbox import Sandbox
from sandbox.org_people import add_assignment_rule, parse_route, queue_id, rep


def _create(sf: Salesforce, **fields: object) -> str:
    """A Lead created through composite with ``Sforce-Auto-Assign: TRUE``."""
    record = {"attributes": {"type": "Lead"}, "LastName": "Vogel", "Company": "Acme", **fields}
    (answer,) = sf.restful(  # type: ignore[misc]
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": [record]},
        headers={"Sforce-Auto-Assign": "TRUE"},
    )
    assert answer["success"], answer
    return str(answer["id"])


def _owner(sb: Sandbox, lead_id: str) -> object:
    lead = sb.salesforce.get("Lead", lead_id)
    assert lead is not None
    return lead["OwnerId"]


def _rule(sb: Sandbox, *specs: str) -> None:
    entries = [parse_route(s, sb.salesforce) for s in specs]
    add_assignment_rule(
        sb.salesforce, "Lead Routing", entries, default_owner=queue_id(sb.salesforce)
    )


@pytest.mark.parametrize("country", ["Germany", "DE", "Deutschland", " germany "])
def test_a_route_by_country_names_the_rep(sb: Sandbox, sf: Salesforce, country: str) -> None:
    _rule(
        sb,
        f"Country=Germany|DE|Deutschland:{rep('Anna').email}",
        f"NumberOfEmployees>=1000:{rep('Mei').email.upper()}",
    )
    made = _create(sf, Country=country)
    assert _owner(sb, made) == sb.user_id(rep("Anna").email)


def test_a_route_by_size_and_the_queue_for_the_rest(sb: Sandbox, sf: Salesforce) -> None:
    _rule(sb, f"NumberOfEmployees>=1000:{rep('Mei').email}")
    big = _create(sf, NumberOfEmployees=5000)
    small = _create(sf, NumberOfEmployees=20)
    assert _owner(sb, big) == sb.user_id(rep("Mei").email)
    assert _owner(sb, small) == sb.queue_id()


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("Country=Germany", "expected"),
        ("Country=Germany:nobody@example.com", "no sandbox User"),
        ("NumberOfEmployees>=lots:queue", "not a number"),
        ("=x:queue", "expected"),
    ],
)
def test_a_bad_route_is_a_clear_error(sb: Sandbox, spec: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_route(spec, sb.salesforce)
