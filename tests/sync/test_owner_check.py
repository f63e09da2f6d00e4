"""Owner fields before a write: unknown owners are taken out and counted; the hand-off's tasks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connectors.base import Value
from mappings.loader import load_mappings
from mappings.mappingset import MappingSet
from mappings.rules import evaluate
from sync.handoff import HandoffPolicy, describe, handoff_key, handoff_tasks
from sync.link import Pair
from sync.owners import OwnerCheck
from sync.person import Person

MS: MappingSet = load_mappings(Path(__file__).resolve().parents[2] / "mappings" / "default")
NOW = datetime(2026, 6, 1, tzinfo=UTC)


class Owners:
    """A connector that knows owners (only what OwnerCheck uses)."""

    def __init__(self, emails: set[str]) -> None:
        self.emails = frozenset(emails)
        self.reads = 0
        self.resets = 0

    def owner_emails(self) -> frozenset[str]:
        self.reads += 1
        return self.emails

    def reset_owners(self) -> None:
        self.resets += 1


def _check(hubspot: object, salesforce: object) -> OwnerCheck:
    check = OwnerCheck.for_mapping(MS)
    check.start({"hubspot": hubspot, "salesforce": salesforce})  # type: ignore[dict-item]
    return check


def test_the_default_mapping_has_one_owner_field() -> None:
    assert OwnerCheck.for_mapping(MS).fields == frozenset({"owner"})


@pytest.mark.parametrize(
    ("value", "kept", "counted"),
    [
        ("anna@x.com", True, False),
        ("ANNA@x.com ", True, False),  # compared trimmed and case-blind
        ("jonas@x.com", False, True),
        (None, False, False),  # an owner is never blanked out by a sync
        ("", False, False),
    ],
)
def test_an_owner_the_target_lacks_is_taken_out_and_counted(
    value: Value, kept: bool, counted: bool
) -> None:
    hubspot = Owners({"anna@x.com"})
    check = _check(hubspot, Owners(set()))
    planned: dict[str, Value] = {"owner": value, "city": "Köln"}
    dropped = check.drop_unknown(planned, "hubspot")
    assert ("owner" in planned) is kept and ("owner" in dropped) is not kept
    assert planned["city"] == "Köln"
    assert [u.to_json() for u in check.report()] == (
        [{"missing_in": "hubspot", "owner": value, "records": 1}] if counted else []
    )


def test_owners_are_read_once_per_run_and_only_when_needed() -> None:
    hubspot, salesforce = Owners({"anna@x.com"}), Owners(set())
    check = _check(hubspot, salesforce)
    assert hubspot.resets == salesforce.resets == 1
    check.drop_unknown({"city": "Bonn"}, "hubspot")
    assert hubspot.reads == 0  # nothing to check, nothing read
    for _ in range(3):
        check.drop_unknown({"owner": "jonas@x.com"}, "hubspot")
    assert hubspot.reads == 1 and salesforce.reads == 0
    assert [u.records for u in check.report()] == [3]
    check.start({"hubspot": hubspot, "salesforce": salesforce})  # type: ignore[dict-item]
    assert check.report() == [] and hubspot.resets == 2


def test_an_adapter_without_owners_is_not_checked() -> None:
    check = _check(object(), object())
    planned: dict[str, Value] = {"owner": "anna@x.com"}
    assert check.drop_unknown(planned, "salesforce") == set()
    assert planned == {"owner": "anna@x.com"}


def _person(stage_values: dict[str, Value], salesforce_id: str | None = "00Q1") -> Person:
    pair = Pair("L1", None, None, "101", salesforce_id, "Lead", "olivia@northwind.io")
    person = Person(pair, "L1", {})
    person.salesforce_id = salesforce_id
    person.values = dict(stage_values)
    person.decision = evaluate(MS.rules, person.values, NOW)
    return person


SQL = {
    "email": "olivia@northwind.io",
    "first_name": "Olivia",
    "last_name": "Hart",
    "company": "Northwind",
    "title": "Chief Operating Officer",
    "website": "northwind.io",
    "country": "Germany",
    "num_conversion_events": 3,
    "recent_conversion_date": datetime(2026, 5, 30, tzinfo=UTC),
    "first_conversion_event_name": "Request a demo",
    "email_clicks": 4,
    "email_opens": 12,
    "page_views": 25,
    "owner": "anna@x.com",
}


def test_a_hand_off_task_for_an_sql_with_a_crm_record() -> None:
    person = _person(SQL)
    assert person.decision is not None and person.decision.stage == "sql"
    ((who, task),) = handoff_tasks([person], HandoffPolicy(due_days=3), date(2026, 6, 1), "owner")
    assert who is person
    assert task.key == handoff_key("sql") and task.record_id == "00Q1"
    assert task.owner == "anna@x.com" and task.due == date(2026, 6, 4)
    assert task.subject == "Follow up: Olivia Hart (Northwind) is sales-qualified"
    assert task.description == describe(person.decision)
    assert all(f.why in task.description for f in person.decision.fired)


@pytest.mark.parametrize(
    "person",
    [
        _person({k: SQL[k] for k in ("email", "first_name", "last_name", "company")}),
        _person(SQL, salesforce_id=None),  # not in the CRM (yet)
    ],
)
def test_no_task_without_the_stage_or_a_crm_record(person: Person) -> None:
    assert person.decision is not None
    assert person.decision.stage != "sql" or person.salesforce_id is None
    assert handoff_tasks([person], HandoffPolicy(), date(2026, 6, 1), "owner") == []
