"""SalesforceStore's Python API: ids, validation codes, timestamps, conversion, persistence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.context import SandboxContext
from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.ids import case_safe_suffix, make_id, to_18
from sandbox.salesforce.store import SalesforceStore, WriteOp
from sandbox.storage import RecordStore

LEAD = {"LastName": "Doe", "Company": "Acme", "Email": "jane@acme.com"}


@pytest.fixture
def store() -> SalesforceStore:
    return SalesforceStore(RecordStore(), SandboxContext.exact())


def test_case_safe_suffix_matches_salesforce_examples() -> None:
    # The documented example, then one worked by hand: chunk "ABCDe" has capitals at bits 0-3.
    assert case_safe_suffix("001A0000006Vm9r") == "IAC"
    assert case_safe_suffix("00Q5g00000ABCDe") == "EAP"
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"


@pytest.mark.parametrize(
    ("object_type", "prefix"),
    [("Lead", "00Q"), ("Contact", "003"), ("Account", "001"), ("Opportunity", "006")],
)
def test_ids_have_key_prefix_and_18_characters(object_type: str, prefix: str) -> None:
    record_id = make_id(object_type, 123_456)
    assert record_id.startswith(prefix)
    assert len(record_id) == 18
    assert to_18(record_id[:15]) == record_id


@pytest.mark.parametrize(
    ("fields", "code", "error_fields"),
    [
        ({"LastName": "Doe"}, "REQUIRED_FIELD_MISSING", ["Company"]),
        ({"Company": "Acme"}, "REQUIRED_FIELD_MISSING", ["LastName"]),
        ({**LEAD, "Status": "Hot"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ["Status"]),
        (
            {**LEAD, "LeadSource": "Facebook"},
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            ["LeadSource"],
        ),
        ({**LEAD, "FirstName": "x" * 41}, "STRING_TOO_LONG", ["FirstName"]),
        ({**LEAD, "Email": "not-an-email"}, "INVALID_EMAIL_ADDRESS", ["Email"]),
        ({**LEAD, "IsConverted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["IsConverted"]),
        ({**LEAD, "Nope__c": 1}, "INVALID_FIELD", []),
        ({**LEAD, "Id": "00Q8d0000000001EAA"}, "INVALID_FIELD_FOR_INSERT_UPDATE", ["Id"]),
        ({**LEAD, "NumberOfEmployees": "many"}, "JSON_PARSER_ERROR", []),
    ],
)
def test_lead_validation_codes(
    store: SalesforceStore, fields: dict[str, object], code: str, error_fields: list[str]
) -> None:
    with pytest.raises(SalesforceError) as info:
        store.create("Lead", fields)
    assert info.value.code == code
    assert info.value.fields == error_fields
    assert store.all("Lead") == []


def test_non_restricted_picklist_accepts_any_value(store: SalesforceStore) -> None:
    rid = store.create("Lead", {**LEAD, "Industry": "Space Mining", "Rating": "Warm"})
    assert store.get("Lead", rid)["Industry"] == "Space Mining"  # type: ignore[index]


@pytest.mark.parametrize(
    ("object_type", "fields", "missing"),
    [
        ("Contact", {"FirstName": "A"}, ["LastName"]),
        ("Account", {"Website": "x.com"}, ["Name"]),
        ("Opportunity", {"Name": "Deal"}, ["StageName", "CloseDate"]),
    ],
)
def test_required_fields_of_other_objects(
    store: SalesforceStore, object_type: str, fields: dict[str, object], missing: list[str]
) -> None:
    with pytest.raises(SalesforceError) as info:
        store.create(object_type, fields)
    assert (info.value.code, info.value.fields) == ("REQUIRED_FIELD_MISSING", missing)


def test_create_sets_defaults_and_system_fields(store: SalesforceStore) -> None:
    rid = store.create("Lead", {**LEAD, "FirstName": "Jane", "Email": ""})
    row = store.get("Lead", rid)
    assert row is not None
    assert row["Status"] == "Open - Not Contacted"
    assert row["Name"] == "Jane Doe"
    assert row["Email"] is None  # a blank is stored as null
    assert row["IsDeleted"] is False and row["IsConverted"] is False
    assert row["CreatedDate"] == row["LastModifiedDate"] == row["SystemModstamp"]
    assert row["SystemModstamp"].microsecond % 1000 == 0  # millisecond precision


def test_update_moves_timestamps_forward(store: SalesforceStore) -> None:
    rid = store.create("Lead", LEAD, when=datetime(2026, 1, 1, tzinfo=UTC))
    store.update("Lead", rid, {"Title": "CTO"})
    row = store.get("Lead", rid)
    assert row is not None
    assert row["CreatedDate"] == datetime(2026, 1, 1, tzinfo=UTC)
    assert row["SystemModstamp"] > row["CreatedDate"]
    assert row["Title"] == "CTO"


def test_timestamps_never_go_backwards(store: SalesforceStore) -> None:
    ids = [store.create("Lead", LEAD) for _ in range(50)]
    stamps = [store.get("Lead", i)["SystemModstamp"] for i in ids]  # type: ignore[index]
    assert stamps == sorted(stamps)


def test_external_id_is_unique_case_insensitively(store: SalesforceStore) -> None:
    first = store.create("Lead", {**LEAD, "Leadsync_HubSpot_Id__c": "abc"})
    with pytest.raises(SalesforceError) as info:
        store.create("Lead", {**LEAD, "Leadsync_HubSpot_Id__c": "ABC"})
    assert info.value.code == "DUPLICATE_VALUE"
    assert first in info.value.message
    # Another object may hold the same value.
    store.create("Contact", {"LastName": "Doe", "Leadsync_HubSpot_Id__c": "abc"})


def test_upsert_creates_then_updates(store: SalesforceStore) -> None:
    rid, created = store.upsert("Lead", "Leadsync_HubSpot_Id__c", "7", LEAD)
    assert created
    again, created = store.upsert("Lead", "leadsync_hubspot_id__c", "7", {"Title": "VP"})
    assert (again, created) == (rid, False)
    assert store.get("Lead", rid)["Title"] == "VP"  # type: ignore[index]
    with pytest.raises(SalesforceError) as info:
        store.upsert("Lead", "Title", "VP", LEAD)  # neither an external id nor an id lookup
    assert (info.value.code, info.value.status) == ("NOT_FOUND", 404)
    emailed, created = store.upsert("Lead", "Email", "x@y.com", LEAD)  # Email is an id lookup
    assert created and store.get("Lead", emailed)["Email"] == "x@y.com"  # type: ignore[index]


def test_batch_all_or_none_rolls_back_everything(store: SalesforceStore) -> None:
    ops = [
        WriteOp("create", "Lead", LEAD),
        WriteOp("create", "Lead", {"LastName": "NoCompany"}),
        WriteOp("create", "Lead", LEAD),
    ]
    results = store.write(ops, all_or_none=True)
    codes = [r.errors[0].code for r in results]
    assert codes == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "REQUIRED_FIELD_MISSING",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    ]
    assert store.all("Lead") == []
    partial = store.write(ops)
    assert [r.success for r in partial] == [True, False, True]
    assert len(store.all("Lead")) == 2


def test_batch_sees_its_own_external_ids(store: SalesforceStore) -> None:
    ops = [
        WriteOp("upsert", "Lead", LEAD, ext_field="Leadsync_HubSpot_Id__c", ext_value="9"),
        WriteOp(
            "upsert", "Lead", {"Title": "X"}, ext_field="Leadsync_HubSpot_Id__c", ext_value="9"
        ),
    ]
    first, second = store.write(ops)
    assert first.created and not second.created and first.id == second.id
    assert len(store.all("Lead")) == 1


def test_soft_delete(store: SalesforceStore) -> None:
    rid = store.create("Lead", {**LEAD, "Leadsync_HubSpot_Id__c": "d1"})
    store.delete("Lead", rid)
    assert store.all("Lead") == []
    row = store.get("Lead", rid)
    assert row is not None and row["IsDeleted"] is True
    with pytest.raises(SalesforceError) as info:
        store.update("Lead", rid, {"Title": "x"})
    assert info.value.code == "ENTITY_IS_DELETED"
    # A deleted record no longer holds its external id.
    store.create("Lead", {**LEAD, "Leadsync_HubSpot_Id__c": "d1"})


def test_convert_lead(store: SalesforceStore) -> None:
    rid = store.create(
        "Lead",
        {
            **LEAD,
            "FirstName": "Jane",
            "Title": "CEO",
            "City": "Lyon",
            "Country": "France",
            "LeadSource": "Webinar",
            "Leadsync_HubSpot_Id__c": "55",
            "Leadsync_Score__c": 80,
        },
    )
    result = store.convert_lead(rid)
    lead = store.get("Lead", rid)
    assert lead is not None
    assert lead["IsConverted"] is True
    assert lead["Status"] == "Closed - Converted"
    assert lead["ConvertedDate"] == store.now().date()
    assert lead["ConvertedContactId"] == result["contact_id"]
    assert lead["ConvertedAccountId"] == result["account_id"]
    assert lead["ConvertedOpportunityId"] == result["opportunity_id"]
    contact = store.get("Contact", result["contact_id"] or "")
    assert contact is not None
    assert (contact["FirstName"], contact["LastName"], contact["Email"]) == (
        "Jane",
        "Doe",
        "jane@acme.com",
    )
    assert (contact["MailingCity"], contact["MailingCountry"]) == ("Lyon", "France")
    assert contact["LeadSource"] == "Webinar"
    assert contact["Leadsync_HubSpot_Id__c"] == "55"
    assert contact["Leadsync_Score__c"] == 80.0
    assert contact["AccountId"] == result["account_id"]
    assert store.get("Account", result["account_id"] or "")["Name"] == "Acme"  # type: ignore[index]
    opp = store.get("Opportunity", result["opportunity_id"] or "")
    assert opp is not None
    assert opp["StageName"] == "Prospecting" and opp["IsClosed"] is False
    assert opp["CloseDate"] == store.now().date() + timedelta(days=30)
    assert (opp["ContactId"], opp["LeadSource"]) == (result["contact_id"], "Webinar")
    with pytest.raises(SalesforceError) as info:
        store.update("Lead", rid, {"Title": "CTO"})
    assert info.value.code == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_convert_without_opportunity(store: SalesforceStore) -> None:
    rid = store.create("Lead", LEAD)
    result = store.convert_lead(rid, opportunity=False)
    assert result["opportunity_id"] is None
    assert store.all("Opportunity") == []


@pytest.mark.parametrize(
    ("stage", "closed", "won"),
    [("Prospecting", False, False), ("Closed Won", True, True), ("Closed Lost", True, False)],
)
def test_opportunity_flags_follow_stage(
    store: SalesforceStore, stage: str, closed: bool, won: bool
) -> None:
    rid = store.create(
        "Opportunity", {"Name": "D", "StageName": "Qualification", "CloseDate": "2026-12-01"}
    )
    store.update("Opportunity", rid, {"StageName": stage})
    opp = store.get("Opportunity", rid)
    assert opp is not None
    assert (opp["IsClosed"], opp["IsWon"]) == (closed, won)
    assert opp["CloseDate"] == date(2026, 12, 1)


def test_validate_false_allows_seeding_read_only_fields(store: SalesforceStore) -> None:
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    rid = store.create("Lead", {"LastName": "Seed", "IsConverted": True}, validate=False, when=when)
    row = store.get("Lead", rid)
    assert row is not None and row["IsConverted"] is True and row["CreatedDate"] == when


def test_data_survives_restart(tmp_path: Path) -> None:
    path = tmp_path / "sf.db"
    records = RecordStore(path)
    store = SalesforceStore(records, SandboxContext.exact())
    rid = store.create("Lead", {**LEAD, "Leadsync_HubSpot_Id__c": "p1"})
    store.convert_lead(rid)
    records.close()
    reopened = SalesforceStore(RecordStore(path), SandboxContext.exact())
    row = reopened.get("Lead", rid)
    assert row is not None and row["IsConverted"] is True
    assert isinstance(row["SystemModstamp"], datetime)
    with pytest.raises(SalesforceError):  # the unique index is rebuilt from the file
        reopened.create("Lead", {**LEAD, "Leadsync_HubSpot_Id__c": "p1"})
    assert reopened.create("Lead", LEAD) != rid


def test_api_usage_counts_requests(store: SalesforceStore) -> None:
    assert store.api_usage() == (0, 1_000_000)
    store.count_request()
    store.count_request()
    assert store.api_usage()[0] == 2
