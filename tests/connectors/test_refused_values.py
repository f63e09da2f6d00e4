"""Bad values from either API are refused per record at the parser, named in ``problems``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.base import FieldSchema, ObjectSchema
from connectors.hubspot_read import contact_id, parse_contact, parse_datetime
from connectors.refusal import INVALID_VALUE, SHOWN
from connectors.salesforce_read import CursorTracker, parse_record, parse_rows

T = datetime(2026, 11, 23, 15, 4, 5, tzinfo=UTC)
HUGE = "9" * 400

HS_SCHEMA = ObjectSchema(
    "contact",
    {
        n: FieldSchema(n, t)
        for n, t in {
            "email": "string",
            "firstname": "string",
            "annualrevenue": "number",
            "lastmodifieddate": "datetime",
            "hs_last_contacted": "datetime",
            "closedate": "date",
        }.items()
    },
)
SF_SCHEMA = ObjectSchema(
    "Lead",
    {
        n: FieldSchema(n, t)
        for n, t in {
            "Id": "id",
            "Email": "email",
            "FirstName": "string",
            "AnnualRevenue": "currency",
            "NumberOfEmployees": "int",
            "SystemModstamp": "datetime",
            "LastModifiedDate": "datetime",
            "Last_Touch__c": "datetime",
            "Close__c": "date",
        }.items()
    },
)
SF_ID = "00Q000000000001AAA"


@pytest.mark.parametrize(
    ("prop", "raw", "reason"),
    [
        ("annualrevenue", "Infinity", "not a finite number"),
        ("annualrevenue", "-Infinity", "not a finite number"),
        ("annualrevenue", "NaN", "not a finite number"),
        ("annualrevenue", "1e400", "not a finite number"),
        ("annualrevenue", HUGE, "integer out of the 64-bit range"),
        ("annualrevenue", "9" * 5000, "a number of 5000 characters"),
        ("annualrevenue", "twelve", "not a number"),
        ("hs_last_contacted", "not-a-date", "not a datetime"),
        ("hs_last_contacted", "99999999999999999", "not a datetime"),  # epoch ms past 9999
        ("hs_last_contacted", "-99999999999999999", "not a datetime"),
        ("hs_last_contacted", "9" * 40, "not a datetime"),
        ("closedate", "2024-13-45", "not a date"),
        ("closedate", "99999999999999999", "not a date"),
        ("firstname", "Ann\x00e", "contains a NUL character"),
        ("firstname", "Ann\ud800", "contains an unpaired surrogate"),
        ("firstname", "x" * 131_073, "131073 characters; at most 131072 are read"),
        ("email", "a" * 250 + "@x.io", "255 characters; at most 254 are read"),
    ],
)
def test_hubspot_bad_value_is_dropped_and_named(prop: str, raw: str, reason: str) -> None:
    props = {"email": "ok@x.io", "lastmodifieddate": "2026-11-23T15:04:05Z", prop: raw}
    if prop == "email":
        props["firstname"] = "Ann"
    rec = parse_contact("7", props, HS_SCHEMA)
    assert prop not in rec.fields
    (problem,) = rec.problems
    assert problem.code == INVALID_VALUE and problem.fields == (prop,)
    assert problem.message.startswith(f"{prop} = ") and problem.message.endswith(reason)
    assert len(problem.message) < len(prop) + SHOWN + len(reason) + 10  # the value is cut
    assert rec.modified_at == T and rec.id == "7"


def test_hubspot_good_values_stay_and_problems_are_empty() -> None:
    rec = parse_contact(
        "7",
        {"annualrevenue": "12", "closedate": "2024-12-31", "lastmodifieddate": str(1795446245000)},
        HS_SCHEMA,
    )
    assert rec.problems == ()
    assert rec.fields["annualrevenue"] == 12


def test_hubspot_unreadable_stamp_falls_back_to_updated_at() -> None:
    rec = parse_contact("7", {"lastmodifieddate": "not-a-date"}, HS_SCHEMA, updated_at=T)
    assert rec.modified_at == T
    assert [p.fields for p in rec.problems] == [("lastmodifieddate",)]


@pytest.mark.parametrize("raw", ["99999999999999999", "not-a-date", "", "2024-13-45T00:00:00Z"])
def test_hubspot_parse_datetime_never_raises(raw: str) -> None:
    assert parse_datetime(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [({"id": "12"}, "12"), ({"id": 12}, "12"), ({"id": ""}, None), ({}, None), ({"id": None}, None)]
    + [({"id": "1\x002"}, None), ({"id": True}, None), ({"id": "x" * 65}, None)],
)
def test_hubspot_contact_id(raw: dict[str, object], expected: str | None) -> None:
    assert contact_id(raw) == expected


@pytest.mark.parametrize(
    ("field", "raw", "reason"),
    [
        ("AnnualRevenue", float("inf"), "not a finite number"),
        ("AnnualRevenue", float("-inf"), "not a finite number"),
        ("AnnualRevenue", float("nan"), "not a finite number"),
        ("AnnualRevenue", 10**400, "integer out of the 64-bit range"),
        ("AnnualRevenue", "Infinity", "not a finite number"),
        ("AnnualRevenue", "1e400", "not a finite number"),
        ("NumberOfEmployees", int(HUGE), "integer out of the 64-bit range"),
        ("NumberOfEmployees", HUGE, "integer out of the 64-bit range"),
        ("NumberOfEmployees", "lots", "not a number"),
        ("Last_Touch__c", "not-a-date", "not a datetime"),
        ("Last_Touch__c", "2024-13-45T00:00:00.000+0000", "not a datetime"),
        ("Last_Touch__c", "0001-01-01T00:00:00.000+0100", "not a datetime"),  # before year 1
        ("Close__c", "2024-13-45", "not a date"),
        ("FirstName", "Ann\x00e", "contains a NUL character"),
        ("FirstName", "x" * 131_073, "131073 characters; at most 131072 are read"),
    ],
)
def test_salesforce_bad_value_is_dropped_and_named(field: str, raw: object, reason: str) -> None:
    row = {"Id": SF_ID, "SystemModstamp": "2026-11-23T15:04:05.000+0000", field: raw}
    rec = parse_record("Lead", row, SF_SCHEMA)
    assert field not in rec.fields
    (problem,) = rec.problems
    assert problem.code == INVALID_VALUE and problem.fields == (field,)
    assert problem.message.startswith(f"{field} = ") and problem.message.endswith(reason)
    assert rec.modified_at == T and rec.id == SF_ID


def test_salesforce_unreadable_modstamp_is_a_problem_and_uses_last_modified() -> None:
    row = {
        "Id": SF_ID,
        "SystemModstamp": "not-a-date",
        "LastModifiedDate": "2026-11-23T15:04:05.000+0000",
    }
    rec = parse_record("Lead", row, SF_SCHEMA)
    assert rec.modified_at == T
    assert [p.fields for p in rec.problems] == [("SystemModstamp",)]


def test_salesforce_rows_without_an_id_are_skipped_the_rest_read() -> None:
    rows = [
        {"Id": None, "FirstName": "A"},
        {"FirstName": "B"},
        {"Id": "not an id", "FirstName": "C"},
        {"Id": SF_ID, "FirstName": "D", "SystemModstamp": "2026-11-23T15:04:05.000+0000"},
    ]
    assert [r.fields["FirstName"] for r in parse_rows("Lead", rows, SF_SCHEMA)] == ["D"]


def test_cursor_passes_a_record_without_a_stamp_and_stays_put() -> None:
    from connectors.base import Cursor

    tracker = CursorTracker(Cursor(value=T), lookback_s=60)
    good = parse_record("Lead", {"Id": SF_ID, "SystemModstamp": "2026-11-23T15:04:06Z"}, SF_SCHEMA)
    bad = parse_record("Lead", {"Id": "00Q000000000002AAA", "SystemModstamp": "x"}, SF_SCHEMA)
    assert tracker.accept([bad, good]) == [bad, good]
    assert tracker.cursor.value == good.modified_at


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"properties": {"lastmodifieddate": "2026-11-23T15:04:05Z"}}, 1795446245000),
        (
            {"properties": {"lastmodifieddate": "x"}, "updatedAt": "2026-11-23T15:04:05Z"},
            1795446245000,
        ),
        ({"properties": {"lastmodifieddate": "99999999999999999"}}, None),
        ({"properties": None}, None),
    ],
)
def test_search_stamp_never_raises(raw: dict[str, object], expected: int | None) -> None:
    from connectors.hubspot_read import search_stamp_ms

    assert search_stamp_ms(raw) == expected
