"""The real simple-salesforce client against the Salesforce emulator over loopback TLS."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_external_id, format_soql

from sandbox import Sandbox

LEAD = {"LastName": "Doe", "Company": "Acme"}


def _code(exc: pytest.ExceptionInfo) -> str:  # type: ignore[type-arg]
    return str(exc.value.content[0]["errorCode"])


def test_query_all_reads_2500_leads_across_pages(sb: Sandbox, sf: Salesforce) -> None:
    tag = "Paged Co"
    for i in range(2500):
        sb.salesforce.create("Lead", {"LastName": f"P{i}", "Company": tag})
    first = sf.query(format_soql("SELECT Id, LastName FROM Lead WHERE Company = {}", tag))
    assert first["totalSize"] == 2500 and first["done"] is False
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/")
    everything = sf.query_all(format_soql("SELECT Id, LastName FROM Lead WHERE Company = {}", tag))
    names = [r["LastName"] for r in everything["records"]]
    assert len(names) == 2500 and len(set(names)) == 2500
    with_deleted = sf.query_all(
        format_soql("SELECT Id FROM Lead WHERE Company = {}", tag), include_deleted=True
    )
    assert len(with_deleted["records"]) == 2500  # queryAll pages through its own locator
    record = everything["records"][0]
    assert record["attributes"]["type"] == "Lead"
    assert record["attributes"]["url"] == f"/services/data/v59.0/sobjects/Lead/{record['Id']}"


def test_full_query_page_and_full_composite_write(sb: Sandbox, sf: Salesforce) -> None:
    # How fast they answer is measured by bench/sandbox_speed.py, not here.
    tag = "Speed Co"
    if sf.query(format_soql("SELECT COUNT() FROM Lead WHERE Company = {}", tag))["totalSize"] == 0:
        for i in range(2000):
            sb.salesforce.create(
                "Lead", {"LastName": f"S{i}", "Company": tag, "Email": f"s{i}@x.io"}
            )
    soql = format_soql(
        "SELECT Id, FirstName, LastName, Email, Company, Status, LeadSource, SystemModstamp "
        "FROM Lead WHERE Company = {}",
        tag,
    )
    for attempt in range(2):
        page = sf.query(soql)
        assert len(page["records"]) == 2000
        records = [
            {"attributes": {"type": "Lead"}, "LastName": f"C{attempt}-{i}", "Company": "Fast Co"}
            for i in range(200)
        ]
        results = sf.restful("composite/sobjects", method="POST", json={"records": records})
        assert len(results) == 200 and all(r["success"] for r in results)


def test_datetimes_render_like_salesforce(sf: Salesforce) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    record = sf.query(f"SELECT CreatedDate, SystemModstamp FROM Lead WHERE Id = '{rid}'")[
        "records"
    ][0]
    assert len(record["CreatedDate"]) == len("2026-11-23T15:04:05.000+0000")
    assert record["CreatedDate"].endswith("+0000")
    assert sf.api_usage["api-usage"].used >= 1  # parsed from Sforce-Limit-Info


def test_count_query(sf: Salesforce) -> None:
    sf.Lead.create({**LEAD, "Company": "Counted"})
    sf.Lead.create({**LEAD, "Company": "Counted"})
    result = sf.query("SELECT COUNT() FROM Lead WHERE Company = 'Counted'")
    assert result["totalSize"] == 2 and result["records"] == []


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM", "MALFORMED_QUERY"),
        ("SELECT Id, Nope__c FROM Lead", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Nope__c = 1", "INVALID_FIELD"),
        ("SELECT Id FROM Widget__c", "INVALID_TYPE"),
    ],
)
def test_bad_queries(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert _code(info) == code


def test_query_all_sees_deleted_and_deleted_endpoint_lists_them(
    sb: Sandbox, sf: Salesforce
) -> None:
    start = sb.salesforce.now() - timedelta(minutes=1)
    rid = sf.Lead.create({**LEAD, "Company": "Gone Co"})["id"]
    assert sf.Lead.delete(rid) == 204
    soql = "SELECT Id, IsDeleted FROM Lead WHERE Company = 'Gone Co'"
    assert sf.query(soql)["totalSize"] == 0
    rows = sf.query_all(soql, include_deleted=True)["records"]
    assert [(r["Id"], r["IsDeleted"]) for r in rows] == [(rid, True)]
    sb.ctx.clock_offset_s += 120  # replication covers finished minutes only
    end = sb.salesforce.now()
    deleted = sf.Lead.deleted(start, end)
    assert rid in [d["id"] for d in deleted["deletedRecords"]]
    assert {"earliestDateAvailable", "latestDateCovered"} <= set(deleted)
    assert rid not in sf.Lead.updated(start, end)["ids"]
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.get(rid)


def test_updated_lists_changed_records(sb: Sandbox, sf: Salesforce) -> None:
    start = sb.salesforce.now() - timedelta(minutes=1)
    rid = sf.Lead.create(LEAD)["id"]
    sb.ctx.clock_offset_s += 120  # replication covers finished minutes only
    assert rid in sf.Lead.updated(start, sb.salesforce.now())["ids"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.updated(start - timedelta(days=31), start)
    assert _code(info) == "INVALID_REPLICATION_DATE"


def test_crud_round_trip(sf: Salesforce) -> None:
    created = sf.Lead.create({**LEAD, "Email": "o'brien@acme.com"})
    assert created["success"] is True and created["id"].startswith("00Q")
    assert sf.Lead.update(created["id"], {"Title": "CFO", "Status": "Working - Contacted"}) == 204
    record = sf.Lead.get(created["id"])
    assert (record["Title"], record["Status"]) == ("CFO", "Working - Contacted")
    found = sf.query(format_soql("SELECT Id FROM Lead WHERE Email = {}", "o'brien@acme.com"))
    assert [r["Id"] for r in found["records"]] == [created["id"]]
    partial = sf.restful(f"sobjects/Lead/{created['id']}", params={"fields": "Id,Email"})
    assert set(partial) == {"attributes", "Id", "Email"}


def test_upsert_by_external_id(sf: Salesforce) -> None:
    key = format_external_id("Leadsync_HubSpot_Id__c", "hs/1001")
    assert sf.Lead.upsert(key, {**LEAD, "FirstName": "Ann"}) == 201
    assert sf.Lead.upsert(key, {"Title": "Boss"}) == 200
    record = sf.Lead.get_by_custom_id("Leadsync_HubSpot_Id__c", "hs/1001")
    assert (record["FirstName"], record["Title"]) == ("Ann", "Boss")
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.create({**LEAD, "Leadsync_HubSpot_Id__c": "HS/1001"})
    assert _code(info) == "DUPLICATE_VALUE"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"LastName": "NoCompany"}, "REQUIRED_FIELD_MISSING"),
        ({**LEAD, "Status": "Nope"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
        ({**LEAD, "Email": "nope"}, "INVALID_EMAIL_ADDRESS"),
        ({**LEAD, "Title": "t" * 129}, "STRING_TOO_LONG"),
        ({**LEAD, "Bogus__c": "x"}, "INVALID_FIELD"),
        ({**LEAD, "IsConverted": True}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ],
)
def test_single_record_errors_are_400_arrays(
    sf: Salesforce, fields: dict[str, object], code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.create(fields)
    assert info.value.status == 400
    assert _code(info) == code


def test_lead_without_company_names_the_field(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.create({"LastName": "Solo"})
    assert info.value.content[0]["fields"] == ["Company"]


def test_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Lead.get("00Q8d00000zzzzzAAA")
    assert _code(info) == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.update("00Q8d00000zzzzzAAA", {"Title": "x"})


def test_converted_lead_refuses_updates(sb: Sandbox, sf: Salesforce) -> None:
    rid = sf.Lead.create({**LEAD, "Email": "conv@acme.com", "LeadSource": "Web"})["id"]
    ids = sb.convert_lead(rid)
    lead = sf.Lead.get(rid)
    assert lead["IsConverted"] is True and lead["ConvertedContactId"] == ids["contact_id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.update(rid, {"Title": "x"})
    assert _code(info) == "CANNOT_UPDATE_CONVERTED_LEAD"
    contact = sf.Contact.get(ids["contact_id"])
    assert (contact["Email"], contact["LeadSource"]) == ("conv@acme.com", "Web")
    opp = sf.Opportunity.get(ids["opportunity_id"])
    assert (opp["StageName"], opp["IsWon"], opp["IsClosed"]) == ("Prospecting", False, False)


def test_composite_create_update_upsert(sf: Salesforce) -> None:
    records = [
        {"attributes": {"type": "Lead"}, "LastName": f"K{i}", "Company": "Kit"} for i in range(3)
    ]
    records.append({"attributes": {"type": "Lead"}, "LastName": "NoCompany"})
    created = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": False, "records": records}
    )
    assert [r["success"] for r in created] == [True, True, True, False]
    assert created[3]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    assert created[3]["errors"][0]["fields"] == ["Company"]
    updates = [{"attributes": {"type": "Lead"}, "id": r["id"], "Title": "T"} for r in created[:3]]
    updated = sf.restful("composite/sobjects", method="PATCH", json={"records": updates})
    assert [r["id"] for r in updated] == [r["id"] for r in created[:3]]
    path = "composite/sobjects/Lead/Leadsync_HubSpot_Id__c"
    first = {"attributes": {"type": "Lead"}, "Leadsync_HubSpot_Id__c": "u1", **LEAD}
    again = {"attributes": {"type": "Lead"}, "Leadsync_HubSpot_Id__c": "u1", "Title": "again"}
    upserted = sf.restful(path, method="PATCH", json={"records": [first]})
    upserted += sf.restful(path, method="PATCH", json={"records": [again]})
    assert [(r["success"], r["created"]) for r in upserted] == [(True, True), (True, False)]
    assert upserted[0]["id"] == upserted[1]["id"]
    assert sf.Lead.get(upserted[0]["id"])["Title"] == "again"


def test_composite_all_or_none_rolls_back(sf: Salesforce) -> None:
    records = [
        {"attributes": {"type": "Lead"}, "LastName": "Atom", "Company": "AON"},
        {"attributes": {"type": "Lead"}, "LastName": "Atom"},
    ]
    results = sf.restful(
        "composite/sobjects", method="POST", json={"allOrNone": True, "records": records}
    )
    codes = [r["errors"][0]["statusCode"] for r in results]
    assert codes == ["ALL_OR_NONE_OPERATION_ROLLED_BACK", "REQUIRED_FIELD_MISSING"]
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company = 'AON'")["totalSize"] == 0


def test_composite_refuses_201_records(sf: Salesforce) -> None:
    records = [{"attributes": {"type": "Lead"}, **LEAD, "Company": "Too Many"} for _ in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("composite/sobjects", method="POST", json={"records": records})
    assert _code(info) == "EXCEEDED_ID_LIMIT"
    assert sf.query("SELECT COUNT() FROM Lead WHERE Company = 'Too Many'")["totalSize"] == 0


def test_lock_row_faults(sb: Sandbox, sf: Salesforce) -> None:
    sb.set_faults(lock_row_rate=1.0)
    try:
        with pytest.raises(SalesforceMalformedRequest) as info:
            sf.Lead.create(LEAD)
        assert _code(info) == "UNABLE_TO_LOCK_ROW"
        records = [{"attributes": {"type": "Lead"}, **LEAD} for _ in range(2)]
        results = sf.restful("composite/sobjects", method="POST", json={"records": records})
        assert [r["errors"][0]["statusCode"] for r in results] == ["UNABLE_TO_LOCK_ROW"] * 2
    finally:
        sb.set_faults(lock_row_rate=0.0)


def test_describe(sf: Salesforce) -> None:
    described = sf.Lead.describe()
    fields = {f["name"]: f for f in described["fields"]}
    assert described["keyPrefix"] == "00Q"
    assert fields["Leadsync_HubSpot_Id__c"]["externalId"] is True
    assert fields["Company"]["nillable"] is False
    assert fields["Email"]["type"] == "email" and fields["Email"]["length"] == 80
    assert fields["IsConverted"]["updateable"] is False
    status = fields["Status"]
    assert status["restrictedPicklist"] is True
    assert [p["value"] for p in status["picklistValues"]][0] == "Open - Not Contacted"
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Lead", "Contact", "Account", "Opportunity"} <= names


def test_wrong_session_is_401(sb: Sandbox) -> None:
    bad = Salesforce(
        instance_url=sb.salesforce_url, session_id="nope", session=sb.requests_session()
    )
    with pytest.raises(SalesforceExpiredSession) as info:
        bad.query("SELECT Id FROM Lead")
    assert _code(info) == "INVALID_SESSION_ID"


def test_versions_list(sb: Sandbox) -> None:
    answer = sb.requests_session().get(f"{sb.salesforce_url}/services/data/")
    assert {
        "version": "59.0",
        "url": "/services/data/v59.0",
        "label": "Winter '24",
    } in answer.json()


def test_daily_limit_answers_403(sb: Sandbox, sf: Salesforce) -> None:
    used, _ = sb.salesforce.api_usage()
    sb.set_faults(salesforce_daily_limit=used + 2)
    try:
        sf.query("SELECT Id FROM Lead LIMIT 1")
        limits = sf.limits()
        assert limits["DailyApiRequests"]["Max"] == used + 2
        assert limits["DailyApiRequests"]["Remaining"] == 0
        with pytest.raises(SalesforceRefusedRequest) as info:
            sf.query("SELECT Id FROM Lead LIMIT 1")
        assert _code(info) == "REQUEST_LIMIT_EXCEEDED"
        raw = sb.requests_session().get(
            f"{sb.salesforce_url}/services/data/v59.0/limits/",
            headers={"Authorization": f"Bearer {sb.salesforce_session_id}"},
        )
        assert raw.status_code == 403
        assert raw.headers["Sforce-Limit-Info"] == f"api-usage={used + 2}/{used + 2}"
    finally:
        sb.set_faults(salesforce_daily_limit=1_000_000)


def test_every_answer_has_limit_header(sb: Sandbox) -> None:
    answer = requests.Session()
    answer.trust_env = False
    response = answer.get(
        f"{sb.salesforce_url}/services/data/v59.0/sobjects/Lead/describe/",
        headers={"Authorization": f"Bearer {sb.salesforce_session_id}"},
        verify=sb.ca_path,
    )
    assert response.status_code == 200
    assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_deleted_record_refuses_updates(sf: Salesforce) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    sf.Lead.delete(rid)
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Lead.update(rid, {"Title": "x"})
    assert _code(info) == "ENTITY_IS_DELETED"


def test_upsert_into_converted_lead_is_refused(sb: Sandbox, sf: Salesforce) -> None:
    key = format_external_id("Leadsync_HubSpot_Id__c", "conv-77")
    assert sf.Lead.upsert(key, LEAD) == 201
    lead_id = sf.Lead.get_by_custom_id("Leadsync_HubSpot_Id__c", "conv-77")["Id"]
    sb.convert_lead(lead_id, opportunity=False)
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.upsert(key, {"Title": "x"})
    assert _code(info) == "CANNOT_UPDATE_CONVERTED_LEAD"


def test_collection_read_and_delete(sf: Salesforce) -> None:
    ids = [sf.Lead.create({**LEAD, "Title": f"R{i}"})["id"] for i in range(2)]
    read = sf.restful(
        "composite/sobjects/Lead", params={"ids": ",".join(ids), "fields": "Id,Title"}
    )
    assert [r["Title"] for r in read] == ["R0", "R1"]
    deleted = sf.restful("composite/sobjects", method="DELETE", params={"ids": ids[0]})
    assert deleted == [{"id": ids[0], "success": True, "errors": []}]
    again = sf.restful("composite/sobjects/Lead", params={"ids": ",".join(ids), "fields": "Id"})
    assert again[0] is None and again[1]["Id"] == ids[1]


def test_stale_query_locator_is_refused(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more("/services/data/v59.0/query/01g8d9999999999-2000", identifier_is_url=True)
    assert _code(info) == "INVALID_QUERY_LOCATOR"


def test_data_dir_survives_restart(tmp_path: Path) -> None:
    with Sandbox(leads=0, data_dir=tmp_path) as first:
        sf = first.salesforce_client()
        rid = sf.Lead.create({**LEAD, "Leadsync_HubSpot_Id__c": "keep-1"})["id"]
        sf.Lead.update(rid, {"Title": "Kept"})
    with Sandbox(leads=0, data_dir=tmp_path) as second:
        sf = second.salesforce_client()
        record = sf.Lead.get_by_custom_id("Leadsync_HubSpot_Id__c", "keep-1")
        assert (record["Id"], record["Title"]) == (rid, "Kept")
        assert sf.Lead.create(LEAD)["id"] != rid
