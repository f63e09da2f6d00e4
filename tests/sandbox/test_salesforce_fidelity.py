"""Fidelity audit: every simple-salesforce method leadsync could use, against the emulator.

Each test pins one answer of the real Salesforce REST API v59.0 (shape, status, error code)
that the emulator once got wrong, or one public client method the audit drives end to end.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceResourceNotFound,
)
from simple_salesforce.format import format_soql

from sandbox import Sandbox

LEAD = {"LastName": "Fidel", "Company": "Audit Co"}
EXT = "Leadsync_HubSpot_Id__c"


def _error(exc: pytest.ExceptionInfo) -> dict[str, object]:  # type: ignore[type-arg]
    content = exc.value.content
    assert isinstance(content, list) and len(content) == 1
    return dict(content[0])


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# -- the audit: every public SFType / Salesforce method that maps to an emulated endpoint ------


def test_sftype_methods_round_trip(sb: Sandbox, sf: Salesforce) -> None:
    created = sf.Lead.create({**LEAD, EXT: "aud-1"})
    assert created["success"] is True and created["errors"] == []
    rid = created["id"]
    got = sf.Lead.get(rid)
    assert got["attributes"] == {"type": "Lead", "url": f"/services/data/v59.0/sobjects/Lead/{rid}"}
    assert sf.Lead.get(rid[:15])["Id"] == rid  # 15-character ids are accepted in URLs
    assert sf.Lead.get_by_custom_id(EXT, "aud-1")["Id"] == rid
    assert sf.Lead.update(rid, {"FirstName": "Ann"}) == 204
    assert sf.Lead.upsert(f"{EXT}/aud-1", {"Title": "CTO"}) == 200
    assert sf.Lead.upsert(f"{EXT}/aud-2", LEAD) == 201
    assert "fields" in sf.Lead.describe()
    assert set(sf.Lead.metadata()) == {"objectDescribe", "recentItems"}
    assert {"sobjects", "encoding", "maxBatchSize"} <= set(sf.describe())
    assert sf.limits()["DailyApiRequests"]["Max"] > 0
    assert sf.Lead.delete(rid) == 204
    sb.ctx.clock_offset_s += 120  # replication answers cover whole, finished minutes only
    now = sb.salesforce.now()
    deleted = sf.Lead.deleted(now - timedelta(minutes=5), now)
    assert rid in [d["id"] for d in deleted["deletedRecords"]]
    assert sf.Lead.updated(now - timedelta(minutes=5), now)["ids"]


def test_query_methods(sb: Sandbox, sf: Salesforce) -> None:
    for i in range(3):
        sb.salesforce.create("Lead", {"LastName": f"Q{i}", "Company": "Query Fidelity"})
    soql = "SELECT Id, LastName FROM Lead WHERE Company = 'Query Fidelity'"
    assert sf.query(soql)["totalSize"] == 3
    assert len(sf.query_all(soql)["records"]) == 3
    assert len(list(sf.query_all_iter(soql))) == 3
    assert sf.query(soql + " LIMIT 2")["totalSize"] == 2  # totalSize honours LIMIT
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more("01g8d0000000999-2000")
    assert _error(info)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_bulk2_methods_with_records_and_csv_file(sf: Salesforce, tmp_path: Path) -> None:
    [inserted] = sf.bulk2.Lead.insert(records=[{**LEAD, EXT: "b2-1"}], wait=0)
    assert inserted["numberRecordsFailed"] == 0
    upload = tmp_path / "leads.csv"
    upload.write_text(f"LastName,Company,{EXT}\nCsv,Audit Co,b2-2\n")
    [from_file] = sf.bulk2.Lead.insert(csv_file=str(upload), wait=0)
    assert from_file["numberRecordsProcessed"] == 1 and from_file["numberRecordsFailed"] == 0
    [upserted] = sf.bulk2.Lead.upsert(
        records=[{EXT: "b2-1", "Title": "VP"}], external_id_field=EXT, wait=0
    )
    ok = _rows(sf.bulk2.Lead.get_successful_records(upserted["job_id"]))
    assert [r["sf__Created"] for r in ok] == ["false"]
    rid = ok[0]["sf__Id"]
    [updated] = sf.bulk2.Lead.update(records=[{"Id": rid, "FirstName": "Bo"}], wait=0)
    assert updated["numberRecordsFailed"] == 0
    soql = f"SELECT Id, FirstName, Title FROM Lead WHERE {EXT} = 'b2-1'"
    [page] = list(sf.bulk2.Lead.query(soql, wait=0))
    assert _rows(page) == [{"Id": rid, "FirstName": "Bo", "Title": "VP"}]
    [done] = sf.bulk2.Lead.download(soql, path=str(tmp_path), wait=0)
    assert done["number_of_records"] == 1
    [deleted] = sf.bulk2.Lead.delete(records=[{"Id": rid}], wait=0)
    assert deleted["numberRecordsFailed"] == 0
    assert list(sf.bulk2.Lead.query(soql, wait=0)) == ['"Id","FirstName","Title"\n']
    [with_deleted] = list(sf.bulk2.Lead.query_all(soql, wait=0))
    assert [r["Id"] for r in _rows(with_deleted)] == [rid]


# -- regressions: divergences the audit found ------------------------------------------------


def test_non_object_json_body_is_a_parser_error_not_a_crash(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("sobjects/Lead", method="POST", json=[LEAD])
    assert _error(info)["errorCode"] == "JSON_PARSER_ERROR"
    rid = sf.Lead.create(LEAD)["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful(f"sobjects/Lead/{rid}", method="PATCH", data="[1]")
    assert _error(info)["errorCode"] == "JSON_PARSER_ERROR"


def test_id_filters_accept_15_character_ids(sf: Salesforce) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    assert sf.query(f"SELECT Id FROM Lead WHERE Id = '{rid[:15]}'")["records"][0]["Id"] == rid
    found = sf.query(format_soql("SELECT Id FROM Lead WHERE Id IN {}", [rid[:15]]))
    assert [r["Id"] for r in found["records"]] == [rid]


def test_save_errors_carry_a_fields_list_request_errors_do_not(sf: Salesforce) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    sf.Lead.delete(rid)
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Lead.update(rid, {"FirstName": "X"})
    assert _error(info) == {
        "errorCode": "ENTITY_IS_DELETED",
        "message": "entity is deleted",
        "fields": [],
    }
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Lead.get("00Q8d0000000zzzEAA")
    assert "fields" not in _error(info)


def test_paths_outside_the_rest_api_answer_a_json_404(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.apexecute("leadsync/convert", method="POST", data={})
    assert _error(info)["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.bulk.Lead.insert([LEAD])  # Bulk 1.0 is not emulated: a clear 404, not a crash
    assert _error(info)["errorCode"] == "NOT_FOUND"


def test_collection_retrieve_by_post(sf: Salesforce) -> None:
    ids = [sf.Lead.create({**LEAD, "Title": f"T{i}"})["id"] for i in range(2)]
    got = sf.restful(
        "composite/sobjects/Lead", method="POST", json={"ids": ids, "fields": ["Id", "Title"]}
    )
    assert [(r["Id"], r["Title"]) for r in got] == [(ids[0], "T0"), (ids[1], "T1")]


def test_collection_retrieve_requires_fields(sf: Salesforce) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.restful("composite/sobjects/Lead", params={"ids": rid})
    assert _error(info)["errorCode"] == "MISSING_ARGUMENT"


def test_same_external_id_twice_in_one_upsert_fails_both(sb: Sandbox, sf: Salesforce) -> None:
    records = [
        {"attributes": {"type": "Lead"}, EXT: "twice-1", **LEAD},
        {"attributes": {"type": "Lead"}, EXT: "TWICE-1", **LEAD},
        {"attributes": {"type": "Lead"}, EXT: "once-1", **LEAD},
    ]
    answer = sf.restful(f"composite/sobjects/Lead/{EXT}", method="PATCH", json={"records": records})
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in answer]
    assert codes == ["DUPLICATE_EXTERNAL_ID", "DUPLICATE_EXTERNAL_ID", None]
    assert sb.salesforce.find_by_external_id("Lead", EXT, "twice-1") is None
    rows = [{EXT: "twice-2", **LEAD}, {EXT: "twice-2", **LEAD}]
    [summary] = sf.bulk2.Lead.upsert(records=rows, external_id_field=EXT, wait=0)
    assert summary["numberRecordsFailed"] == 2
    failed = _rows(sf.bulk2.Lead.get_failed_records(summary["job_id"]))
    assert all(r["sf__Error"].startswith("DUPLICATE_EXTERNAL_ID:") for r in failed)


def test_malformed_and_wrong_object_ids(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Lead.get("not-an-id")
    assert _error(info)["message"] == (
        "Provided external ID field does not exist or is not accessible: not-an-id"
    )
    contact_like = "0038d0000000001AAA"
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Lead.update(contact_like, {"FirstName": "X"})
    assert _error(info)["errorCode"] == "MALFORMED_ID"
    answer = sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={"records": [{"attributes": {"type": "Lead"}, "id": "bogus", "Title": "X"}]},
    )
    assert answer[0]["errors"][0]["statusCode"] == "MALFORMED_ID"
    gone = sf.restful("composite/sobjects", method="DELETE", params={"ids": "bogus"})
    assert gone[0]["errors"][0]["statusCode"] == "MALFORMED_ID"


def test_unknown_object_is_the_generic_not_found(sf: Salesforce) -> None:
    with pytest.raises(SalesforceResourceNotFound) as info:
        sf.Widget__c.describe()
    assert _error(info) == {
        "errorCode": "NOT_FOUND",
        "message": "The requested resource does not exist",
    }


def test_replication_windows_cover_whole_minutes(sb: Sandbox, sf: Salesforce) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    now = sb.salesforce.now()
    window = sf.Lead.updated(now - timedelta(minutes=5), now + timedelta(minutes=5))
    covered = window["latestDateCovered"]
    assert covered.endswith(":00.000+0000")  # seconds are never covered
    assert rid not in window["ids"]  # the current minute is not finished yet
    sb.ctx.clock_offset_s += 60
    later = sb.salesforce.now()
    assert rid in sf.Lead.updated(now - timedelta(minutes=5), later)["ids"]


def test_parent_relationship_fields_nest_like_salesforce(sb: Sandbox, sf: Salesforce) -> None:
    rid = sf.Lead.create({**LEAD, "Company": "Rel Co", "Email": "rel@relco.com"})["id"]
    other = sf.Lead.create({**LEAD, "Company": "Rel Co"})["id"]
    converted = sb.convert_lead(rid)
    soql = (
        "SELECT Id, Owner.Name, convertedcontact.email, ConvertedContact.CreatedDate "
        "FROM Lead WHERE Company = 'Rel Co' ORDER BY ConvertedContact.Email NULLS LAST"
    )
    first, second = sf.query(soql)["records"]
    assert list(first) == ["attributes", "Id", "Owner", "ConvertedContact"]
    contact = first["ConvertedContact"]
    assert contact["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{converted['contact_id']}",
    }
    assert contact["Email"] == "rel@relco.com"
    assert contact["CreatedDate"].endswith("+0000")
    assert first["Owner"]["Name"] and first["Owner"]["attributes"]["type"] == "User"
    assert second["Id"] == other and second["ConvertedContact"] is None
    where = "SELECT Id FROM Lead WHERE ConvertedContact.Email = 'rel@relco.com'"
    assert [r["Id"] for r in sf.query(where)["records"]] == [rid]
    joined = where.replace("Id FROM", "Id, ConvertedAccount.Name FROM")
    [page] = list(sf.bulk2.Lead.query(joined, wait=0))
    assert _rows(page) == [{"Id": rid, "ConvertedAccount.Name": "Rel Co"}]


@pytest.mark.parametrize(
    ("soql", "message"),
    [
        ("SELECT Id, Foo.Name FROM Lead", "Didn't understand relationship 'Foo'"),
        ("SELECT Id, Owner.Foo FROM Lead", "No such column 'Foo' on entity 'User'"),
        ("SELECT Id FROM Lead WHERE CreatedDate > 2026-01-01", "must be of type dateTime"),
    ],
)
def test_bad_paths_and_date_for_datetime_are_refused(
    sb: Sandbox, sf: Salesforce, soql: str, message: str
) -> None:
    sb.salesforce.create("Lead", LEAD)  # a row for the filter to meet
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert message in str(_error(info)["message"])


def test_describe_reference_fields_name_their_relationship(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert fields["ConvertedContactId"]["relationshipName"] == "ConvertedContact"
    assert fields["ConvertedContactId"]["referenceTo"] == ["Contact"]
    assert fields["OwnerId"]["relationshipName"] == "Owner"
    assert fields["Email"]["relationshipName"] is None


def test_lookup_values_are_checked_and_stored_in_18_characters(sb: Sandbox, sf: Salesforce) -> None:
    account = sb.salesforce.create("Account", {"Name": "Lookup Co"})
    cid = sf.Contact.create({"LastName": "L", "AccountId": account[:15]})["id"]
    assert sf.Contact.get(cid)["AccountId"] == account
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.Contact.create({"LastName": "L", "AccountId": "not-an-account"})
    assert _error(info) == {
        "errorCode": "MALFORMED_ID",
        "message": "Account ID: id value of incorrect type: not-an-account",
        "fields": ["AccountId"],
    }


def test_collection_delete_all_or_none_deletes_nothing_on_a_bad_id(
    sb: Sandbox, sf: Salesforce
) -> None:
    rid = sf.Lead.create(LEAD)["id"]
    answer = sf.restful(
        "composite/sobjects", method="DELETE", params={"ids": f"{rid},bogus", "allOrNone": "true"}
    )
    assert [r["errors"][0]["statusCode"] for r in answer] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "MALFORMED_ID",
    ]
    assert sf.Lead.get(rid)["IsDeleted"] is False
    answer = sf.restful("composite/sobjects", method="DELETE", params={"ids": rid[:15]})
    assert answer == [{"id": rid, "success": True, "errors": []}]


def test_upsert_by_email_matches_like_an_id_lookup_field(sb: Sandbox, sf: Salesforce) -> None:
    assert sf.Lead.upsert("Email/solo@lookup.com", LEAD) == 201  # no match: created
    solo = sf.Lead.get_by_custom_id("Email", "SOLO@lookup.com")  # case-insensitive
    assert sf.Lead.upsert("Email/solo@lookup.com", {"Title": "CEO"}) == 200
    assert sf.Lead.get(solo["Id"])["Title"] == "CEO"
    twins = [sb.salesforce.create("Lead", {**LEAD, "Email": "twin@lookup.com"}) for _ in range(2)]
    with pytest.raises(SalesforceMoreThanOneRecord) as info:
        sf.Lead.upsert("Email/twin@lookup.com", {"Title": "X"})
    assert info.value.status == 300
    assert info.value.content == [f"/services/data/v59.0/sobjects/Lead/{i}" for i in sorted(twins)]
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Lead.get_by_custom_id("Email", "twin@lookup.com")
    record = {"attributes": {"type": "Lead"}, "Email": "twin@lookup.com", "Title": "X"}
    [answer] = sf.restful(
        "composite/sobjects/Lead/Email", method="PATCH", json={"records": [record]}
    )
    assert answer["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"
    assert answer["errors"][0]["message"].startswith("More than 1 record found")
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.upsert("Title/x", LEAD)  # neither an external id nor an id lookup field


def test_bulk2_job_on_unknown_object_is_an_invalid_job(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.bulk2.Widget__c.insert(records=[{"Name": "w"}], wait=0)
    assert _error(info) == {
        "errorCode": "INVALIDJOB",
        "message": "Unable to find object: Widget__c",
    }


@pytest.mark.parametrize(
    ("soql", "caret", "code"),
    [
        ("SELECT Id, Foo FROM Lead", "           ^\nERROR at Row:1:Column:12\n", "INVALID_FIELD"),
        ("SELECT Id FROM Lead WHERE Bar = 1", "ERROR at Row:1:Column:27\n", "INVALID_FIELD"),
        ("SELECT Id FROM Widget__c", "ERROR at Row:1:Column:16\nsObject type", "INVALID_TYPE"),
    ],
)
def test_query_errors_point_at_the_offending_name(
    sf: Salesforce, soql: str, caret: str, code: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    error = _error(info)
    assert error["errorCode"] == code
    assert str(error["message"]).startswith(f"\n{soql}\n")
    assert caret in str(error["message"])


def test_count_of_a_field_answers_one_aggregate_result(sb: Sandbox, sf: Salesforce) -> None:
    sb.salesforce.create("Lead", {**LEAD, "Company": "Agg Co", "Email": "agg@agg.co"})
    sb.salesforce.create("Lead", {**LEAD, "Company": "Agg Co"})
    plain = sf.query("SELECT COUNT(Id) FROM Lead WHERE Company = 'Agg Co'")
    assert plain == {
        "totalSize": 1,
        "done": True,
        "records": [{"attributes": {"type": "AggregateResult"}, "expr0": 2}],
    }
    named = sf.query("SELECT COUNT(Email) withEmail FROM Lead WHERE Company = 'Agg Co'")
    assert named["records"][0]["withEmail"] == 1  # nulls are not counted
