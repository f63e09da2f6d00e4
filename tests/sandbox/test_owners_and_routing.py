"""The sandbox's people and routing, through the real clients: owners, Users, rules, Tasks."""

from __future__ import annotations

from collections.abc import Iterator

import hubspot
import pytest
from hubspot.crm.owners.exceptions import ApiException as OwnersApiException
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from sandbox import Sandbox
from sandbox.org_people import REPS, add_assignment_rule, queue_id, rep, user_id
from sandbox.salesforce.assignment import RuleEntry


@pytest.fixture(scope="module")
def routed(sb: Sandbox) -> Iterator[str]:
    """Germany to Anna, 1000+ employees to Mei, the rest to the queue; the rule's id."""
    store = sb.salesforce
    rule_id = add_assignment_rule(
        store,
        "Lead Routing",
        [
            RuleEntry(user_id(store, rep("Anna").email), "Country", ("Germany",)),
            RuleEntry(user_id(store, rep("Mei").email), "NumberOfEmployees", min_value=1000),
        ],
        default_owner=queue_id(store),
    )
    yield rule_id
    store.assignment.active_id = None


def _create(sf: Salesforce, header: str | None, **fields: object) -> str:
    record = {"attributes": {"type": "Lead"}, "LastName": "Vogel", "Company": "Acme", **fields}
    headers = {"Sforce-Auto-Assign": header} if header is not None else {}
    (answer,) = sf.restful(
        "composite/sobjects",
        method="POST",
        json={"allOrNone": False, "records": [record]},
        headers=headers,
    )
    assert answer["success"], answer
    return str(answer["id"])


def test_owners_page_with_after_and_list_archived_apart(hs: hubspot.Client) -> None:
    api = hs.crm.owners.owners_api
    seen: list[str] = []
    after = None
    while True:
        page = api.get_page(limit=2, after=after)
        assert len(page.results) <= 2
        seen += [o.email for o in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    active = [r.email for r in REPS if r.in_hubspot and not r.hubspot_archived]
    assert seen == active
    archived = api.get_page(archived=True).results
    assert [(o.email, o.archived) for o in archived] == [(rep("Tom").email, True)]
    (anna,) = api.get_page(email=rep("Anna").email.upper()).results
    assert api.get_by_id(owner_id=anna.id).email == rep("Anna").email
    with pytest.raises(OwnersApiException):
        api.get_page(limit=501)


def test_users_and_queues_are_queryable(sf: Salesforce) -> None:
    users = sf.query("SELECT Id, Email, IsActive FROM User")["records"]
    assert {u["Email"] for u in users} >= {r.email for r in REPS if r.in_salesforce}
    assert all(u["IsActive"] is True for u in users)
    (queue,) = sf.query("SELECT Id, Name FROM Group WHERE Type = 'Queue'")["records"]
    assert queue["Id"].startswith("00G")


@pytest.mark.usefixtures("routed")
@pytest.mark.parametrize(
    ("header", "fields", "owner"),
    [
        (None, {"Country": "Germany"}, "Anna"),  # no header: the REST API runs the active rule
        ("TRUE", {"Country": "germany"}, "Anna"),
        ("true", {"NumberOfEmployees": 5000, "Country": "France"}, "Mei"),
        ("TRUE", {"Country": "France"}, "queue"),
        ("FALSE", {"Country": "Germany"}, "integration"),
    ],
)
def test_the_header_decides_who_owns_a_created_lead(
    sb: Sandbox, sf: Salesforce, header: str | None, fields: dict[str, object], owner: str
) -> None:
    lead = sb.salesforce.get("Lead", _create(sf, header, **fields))
    assert lead is not None
    expected = {
        "queue": queue_id(sb.salesforce),
        "integration": user_id(sb.salesforce, "integration@leadsync.example"),
    }.get(owner) or user_id(sb.salesforce, rep(owner).email)
    assert lead["OwnerId"] == expected


def test_a_rule_id_applies_on_create_only_and_updates_follow_the_header(
    sb: Sandbox, sf: Salesforce, routed: str
) -> None:
    anna = user_id(sb.salesforce, rep("Anna").email)
    sam = user_id(sb.salesforce, rep("Sam").email)
    lead_id = _create(sf, routed, Country="Germany")
    assert sb.salesforce.get("Lead", lead_id)["OwnerId"] == anna  # type: ignore[index]

    sb.salesforce.update("Lead", lead_id, {"OwnerId": sam})  # a person in the UI: no rule
    assert sb.salesforce.get("Lead", lead_id)["OwnerId"] == sam  # type: ignore[index]
    sf.Lead.update(lead_id, {"Title": "CFO"}, headers={"Sforce-Auto-Assign": "FALSE"})
    assert sb.salesforce.get("Lead", lead_id)["OwnerId"] == sam  # type: ignore[index]
    sf.Lead.update(lead_id, {"Title": "CEO"}, headers={"Sforce-Auto-Assign": routed})
    assert sb.salesforce.get("Lead", lead_id)["OwnerId"] == sam  # type: ignore[index]
    sf.Lead.update(lead_id, {"Title": "COO"})  # no header on an update: the active rule
    assert sb.salesforce.get("Lead", lead_id)["OwnerId"] == anna  # type: ignore[index]
    (row,) = sf.query(f"SELECT Owner.Email, Owner.Name FROM Lead WHERE Id = '{lead_id}'")["records"]
    assert row["Owner"]["Email"] == rep("Anna").email and row["Owner"]["Name"] == "Anna Becker"


def test_owner_takes_a_user_or_a_queue_and_tasks_follow_conversion(
    sb: Sandbox, sf: Salesforce
) -> None:
    lead_id = _create(sf, "FALSE", Country="Spain")
    sf.Lead.update(
        lead_id, {"OwnerId": queue_id(sb.salesforce)}, headers={"Sforce-Auto-Assign": "FALSE"}
    )
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.update(lead_id, {"OwnerId": lead_id}, headers={"Sforce-Auto-Assign": "FALSE"})
    task = sf.Task.create(
        {
            "WhoId": lead_id,
            "Subject": "Call",
            "ActivityDate": "2026-12-03",
            "OwnerId": user_id(sb.salesforce, rep("Sam").email),
        }
    )
    row = sb.salesforce.get("Task", task["id"])
    assert row is not None and row["Status"] == "Not Started"
    converted = sb.salesforce.convert_lead(lead_id, opportunity=False)
    moved = sb.salesforce.get("Task", task["id"])
    assert moved is not None and moved["WhoId"] == converted["contact_id"]


def test_generated_people_have_the_same_rep_on_both_sides() -> None:
    with Sandbox(seed=3, leads=300) as world:
        sf_email = {u["Id"]: u["Email"] for u in world.salesforce.all("User")}
        hs_email = {o.id: o.email for o in world.hubspot.owners.all()}
        hubspot = {
            str(c["properties"]["email"]).lower(): c["properties"].get("hubspot_owner_id")  # type: ignore[index,union-attr]
            for c in world.hubspot.all()
        }
        pairs = owned = 0
        for lead in world.salesforce.all("Lead"):
            owner = sf_email[lead["OwnerId"]]
            email = str(lead["Email"] or "").lower()
            if email not in hubspot:
                continue
            pairs += 1
            theirs = hubspot[email]
            if owner == "integration@leadsync.example":
                assert theirs in (None, "")
            else:
                owned += 1
                assert hs_email[str(theirs)] == owner
        assert pairs > 20 and 0.6 * pairs < owned < pairs  # most have a rep, some do not
