"""Owner translation at the adapters' edge: one listing per run, ids <-> emails, both ways."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.base import SourceRecord, WriteOp
from connectors.errors import AuthConfigError
from connectors.hubspot_owners import list_owners
from connectors.hubspot_owners import with_owner_emails as hs_emails
from connectors.hubspot_owners import with_owner_ids as hs_ids
from connectors.owners import OwnerDirectory, OwnerEntry
from connectors.salesforce_owners import (
    ACTIVE_RULE,
    NO_RULES,
    load_owners,
    rule_header,
)
from connectors.salesforce_owners import with_owner_emails as sf_emails
from connectors.salesforce_owners import with_owner_ids as sf_ids

ENTRIES = [
    OwnerEntry("1", "Anna.Becker@Example.com"),
    OwnerEntry("2", "tom@example.com", assignable=False),  # archived / inactive
    OwnerEntry("3", None, assignable=False, queue=True),
    OwnerEntry("4", "anna.becker@example.com", assignable=False),  # an old, inactive twin
]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _directory(loads: list[int]) -> OwnerDirectory:
    def load() -> Iterator[OwnerEntry]:
        loads.append(1)
        return iter(ENTRIES)

    return OwnerDirectory("test", load)


def test_owners_are_read_once_until_reset() -> None:
    loads: list[int] = []
    owners = _directory(loads)
    assert owners.email_of("1") == "Anna.Becker@Example.com"
    assert owners.id_for(" ANNA.becker@example.com ") == "1"  # the active twin wins
    assert owners.assignable_emails() == frozenset({"anna.becker@example.com"})
    assert loads == [1]
    owners.reset()
    owners.email_of("1")
    assert loads == [1, 1]


@pytest.mark.parametrize(
    ("owner_id", "email"),
    [("1", "Anna.Becker@Example.com"), ("2", "tom@example.com"), ("3", None), ("9", None)],
)
def test_ids_read_as_emails_queues_and_unknown_as_blank(owner_id: str, email: str | None) -> None:
    assert _directory([]).email_of(owner_id) == email


@pytest.mark.parametrize(
    ("email", "owner_id"),
    [("anna.becker@example.com", "1"), ("tom@example.com", None), ("nobody@example.com", None)],
)
def test_only_active_owners_are_assigned(email: str, owner_id: str | None) -> None:
    assert _directory([]).id_for(email) == owner_id


def _page(pages: Mapping[tuple[bool, str | None], Mapping[str, Any]]) -> Any:
    return lambda archived, after: pages[(archived, after)]


def test_the_listing_follows_after_and_reads_archived_owners_apart() -> None:
    pages = {
        (False, None): {
            "results": [{"id": "1", "email": "a@x.com"}],
            "paging": {"next": {"after": "1"}},
        },
        (False, "1"): {"results": [{"id": "2", "email": "b@x.com"}]},
        (True, None): {
            "results": [{"id": "3", "email": "c@x.com"}],
            "paging": {"next": {"after": "3"}},
        },
        (True, "3"): {"results": [], "paging": {"next": {"after": "3"}}},  # a repeated cursor
    }
    got = list(list_owners(_page(pages)))
    assert got == [
        OwnerEntry("1", "a@x.com"),
        OwnerEntry("2", "b@x.com"),
        OwnerEntry("3", "c@x.com", assignable=False),
    ]


def test_hubspot_records_and_writes_are_translated() -> None:
    owners = _directory([])
    record = SourceRecord("hubspot", "contact", "11", {"hubspot_owner_id": "1"}, NOW)
    blank = SourceRecord("hubspot", "contact", "12", {"hubspot_owner_id": None}, NOW)
    (read, untouched) = hs_emails([record, blank], owners)
    assert read.fields["hubspot_owner_id"] == "Anna.Becker@Example.com"
    assert untouched is blank
    ops = [
        WriteOp("contact", {"hubspot_owner_id": "anna.becker@example.com", "city": "Köln"}),
        WriteOp("contact", {"hubspot_owner_id": "tom@example.com", "city": "Bonn"}),
    ]
    (known, archived) = hs_ids(ops, owners)
    assert known.fields == {"hubspot_owner_id": "1", "city": "Köln"}
    assert archived.fields == {"city": "Bonn"}  # left out, never written as an email


def test_salesforce_leads_read_queues_as_blank_and_write_user_ids() -> None:
    owners = _directory([])
    lead = SourceRecord("salesforce", "Lead", "00Q1", {"OwnerId": "3"}, NOW)
    opp = SourceRecord("salesforce", "Opportunity", "0061", {"OwnerId": "1"}, NOW)
    (queued, other) = sf_emails([lead, opp], owners)
    assert queued.fields["OwnerId"] is None
    assert other is opp  # only Leads and Contacts carry a synced owner
    (op,) = sf_ids([WriteOp("Lead", {"OwnerId": "ANNA.BECKER@example.com"}, id="00Q1")], owners)
    assert op.fields == {"OwnerId": "1"}


def test_salesforce_owners_are_users_and_queues() -> None:
    answers = {
        "SELECT Id, Email, IsActive FROM User": [
            {"Id": "005A", "Email": "a@x.com", "IsActive": True},
            {"Id": "005B", "Email": "b@x.com", "IsActive": False},
        ],
        "SELECT Id, Name FROM Group WHERE Type = 'Queue'": [{"Id": "00GA", "Name": "Leads"}],
    }
    assert list(load_owners(answers.__getitem__, lambda: None)) == [
        OwnerEntry("005A", "a@x.com"),
        OwnerEntry("005B", "b@x.com", assignable=False),
        OwnerEntry("00GA", None, assignable=False, queue=True),
    ]


INTEGRATION_ANSWERS = {
    "SELECT Id, Email, IsActive FROM User": [
        {"Id": "005000000000001AAA", "Email": "api@x.com", "IsActive": True},
        {"Id": "005000000000002AAA", "Email": "rep@x.com", "IsActive": True},
    ],
    "SELECT Id, Name FROM Group WHERE Type = 'Queue'": [],
}


@pytest.mark.parametrize("user_id", ["005000000000001AAA", "005000000000001"])
def test_the_signed_in_integration_user_reads_like_a_queue(user_id: str) -> None:
    # userinfo may answer with a 15- or an 18-character id; OwnerId is always 18.
    entries = list(load_owners(INTEGRATION_ANSWERS.__getitem__, lambda: {"user_id": user_id}))
    owners = OwnerDirectory("salesforce", lambda: entries)
    assert owners.email_of("005000000000001AAA") is None  # blank: HubSpot's owner may fill it
    assert owners.email_of("005000000000002AAA") == "rep@x.com"
    assert owners.assignable_emails() == {"rep@x.com"}  # never written to HubSpot
    assert owners.id_for("api@x.com") is None
    assert not owners.is_assignable("005000000000001AAA")


def test_a_refused_userinfo_keeps_the_integration_user_a_user(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refused() -> Mapping[str, Any]:
        raise AuthConfigError("Bad_OAuth_Token", system="salesforce", status=403, code="")

    entries = list(load_owners(INTEGRATION_ANSWERS.__getitem__, refused))
    assert entries[0] == OwnerEntry("005000000000001AAA", "api@x.com")
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "openid" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("setting", "rows", "header"),
    [
        (None, [], NO_RULES),
        ("", [], NO_RULES),
        ("Active", [], ACTIVE_RULE),
        ("Lead Routing", [{"Id": "01Q000000000001AAA"}], "01Q000000000001AAA"),
    ],
)
def test_the_assignment_header(
    setting: str | None, rows: list[dict[str, str]], header: str
) -> None:
    assert rule_header(setting, lambda soql: rows) == header


def test_an_unknown_rule_name_is_a_configuration_error() -> None:
    with pytest.raises(AuthConfigError, match="Lead Rooting"):
        rule_header("Lead Rooting", lambda soql: [])


def test_only_active_owners_are_assignable_by_id() -> None:
    owners = OwnerDirectory("salesforce", lambda: ENTRIES)
    assert owners.is_assignable("1")
    assert not owners.is_assignable("2")  # inactive
    assert not owners.is_assignable("3")  # a queue cannot own a Task
    assert not owners.is_assignable("99")  # not in the listing
