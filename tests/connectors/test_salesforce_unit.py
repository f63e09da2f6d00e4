import json
import random
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from connectors.base import Cursor, WriteOp
from connectors.errors import AuthConfigError, QuotaExhaustedError, RetryableError
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector

FIXTURES = Path(__file__).parent.parent / "fixtures" / "salesforce"
INSTANCE = "https://acme.my.salesforce.com"
BASE = f"{INSTANCE}/services/data/v59.0/"
SECRET = "00D000000000001!AQ4AQL.very.secret.session"
LIMIT = {"Sforce-Limit-Info": "api-usage=10/1000"}


def fixture(name):
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(BASE + "sobjects/Lead/describe", json=fixture("describe_lead.json"), headers=LIMIT)
        mock.get(
            BASE + "sobjects/Contact/describe", json=fixture("describe_contact.json"), headers=LIMIT
        )
        yield mock


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def sf(sleeps):
    policy = RetryPolicy(sleep=sleeps.append, rng=random.Random(0))
    return SalesforceConnector(INSTANCE, SECRET, retry=policy)


def ids_of(cursor):
    return {key.split("#")[0] for key in cursor.ids_at_value}


def soql_of(call):
    return parse_qs(urlparse(call.request.url).query)["q"][0]


def test_changes_pages_parses_and_advances_cursor(api, sf):
    api.get(BASE + "queryAll/", json=fixture("query_leads_page1.json"), headers=LIMIT)
    api.get(
        BASE + "query/01gD0000002HU6KIAW-2000",
        json=fixture("query_leads_page2.json"),
        headers=LIMIT,
    )
    since = Cursor(
        value=datetime(2026, 11, 23, 10, 0, 0, 500000, tzinfo=UTC),
        ids_at_value=frozenset({"00Q000000000002AAA"}),
    )
    pages = list(sf.changes("Lead", since))
    assert len(pages) == 2
    soql = soql_of(api.calls[1])
    assert soql.startswith("SELECT Id, IsDeleted,")
    assert "Address" not in soql  # compound fields cannot be selected with their parts
    assert "WHERE SystemModstamp >= 2026-11-23T10:00:00+00:00" in soql
    assert soql.endswith("ORDER BY SystemModstamp ASC, Id ASC")
    # 001 is older than the cursor (the SOQL start is floored to the second), 002 was read.
    assert [r.id for r in pages[0].records] == ["00Q000000000003AAA"]
    assert pages[0].cursor.value == datetime(2026, 11, 23, 10, 0, 0, 500000, tzinfo=UTC)
    # versions (id + digest of the values) of what was read at the cursor value
    assert ids_of(pages[0].cursor) == {"00Q000000000002AAA", "00Q000000000003AAA"}
    third = pages[0].records[0]
    assert third.fields["Email"] == "o'brien@x.example"
    assert third.fields["CreatedDate"] == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert third.fields["NumberOfEmployees"] == 120
    assert third.fields["Leadsync_Score__c"] == 42.0 and isinstance(
        third.fields["Leadsync_Score__c"], float
    )
    assert third.fields["IsConverted"] is False
    assert "attributes" not in third.fields
    converted, deleted = pages[1].records
    assert converted.fields["ConvertedDate"] == date(2026, 11, 23)
    assert converted.fields["ConvertedContactId"] == "003000000000004AAA"
    assert not converted.deleted and deleted.deleted
    assert pages[1].cursor.value == datetime(2026, 11, 23, 10, 0, 2, tzinfo=UTC)
    assert ids_of(pages[1].cursor) == {"00Q000000000005AAA"}
    assert sf.usage().calls == 3 and sf.usage().used == 10


def test_full_read_uses_query_without_filter(api, sf):
    page = fixture("query_leads_page2.json")
    api.get(BASE + "query/", json=page, headers=LIMIT)
    pages = list(sf.changes("Lead", Cursor(), full=True))
    assert "WHERE" not in soql_of(api.calls[1])
    assert len(pages[0].records) == 2


def test_read_by_ids_quotes_values(api, sf):
    api.get(BASE + "query/", json={"totalSize": 0, "done": True, "records": []}, headers=LIMIT)
    assert sf.read("Lead", ["00Q000000000001AAA", "00Q000000000001AAA", "00Q'x"]) == []
    assert "WHERE Id IN ('00Q000000000001AAA','00Q\\'x')" in soql_of(api.calls[1])


def test_upsert_batch_on_external_id(api, sf):
    api.patch(
        BASE + "composite/sobjects/Lead/Leadsync_HubSpot_Id__c",
        json=fixture("composite_upsert_mixed.json"),
        headers=LIMIT,
    )
    ops = [
        WriteOp(
            "Lead",
            {"LastName": "New", "Company": "N", "Leadsync_Score__c": 1.5},
            external_id="601",
            ref="a",
        ),
        WriteOp(
            "Lead", {"LastName": "Old", "Company": "O", "City": None}, external_id="501", ref="b"
        ),
        WriteOp("Lead", {"LastName": "Bad", "Company": ""}, external_id="602", ref="c"),
    ]
    results = sf.write(ops)
    body = json.loads(api.calls[0].request.body)
    assert body["allOrNone"] is False
    assert body["records"][0] == {
        "attributes": {"type": "Lead"},
        "LastName": "New",
        "Company": "N",
        "Leadsync_Score__c": 1.5,
        "Leadsync_HubSpot_Id__c": "601",
    }
    assert body["records"][1]["City"] is None and body["records"][2]["Company"] is None
    assert [(r.ref, r.ok, r.created) for r in results] == [
        ("a", True, True),
        ("b", True, False),
        ("c", False, False),
    ]
    assert results[2].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert results[2].errors[0].fields == ("Company",)


def test_update_retries_locked_rows_and_routes_converted_leads(api, sf, sleeps):
    ops = [
        WriteOp("Lead", {"Status": "Working - Contacted"}, id="00Q000000000001AAA", ref="1"),
        WriteOp("Lead", {"Status": "Working - Contacted"}, id="00Q000000000002AAA", ref="2"),
        WriteOp(
            "Lead",
            {
                "City": "Lyon",
                "Company": "Acme",
                "Leadsync_Score__c": 7,
                "ConvertedDate": date(2026, 1, 2),
            },
            id="00Q000000000004AAA",
            ref="4",
        ),
    ]
    second = [{"id": "00Q000000000002AAA", "success": True, "errors": []}]
    contact = [{"id": "003000000000004AAA", "success": True, "errors": []}]
    api.get(
        BASE + "query/",
        json={
            "totalSize": 1,
            "done": True,
            "records": [
                {
                    "attributes": {"type": "Lead"},
                    "Id": "00Q000000000004AAA",
                    "Leadsync_HubSpot_Id__c": "504",
                    "ConvertedContactId": "003000000000004AAA",
                }
            ],
        },
        headers=LIMIT,
    )
    calls = []
    first = [True]

    def answer(request):
        body = json.loads(request.body)
        calls.append(body)
        if first.pop() if first else False:
            return 200, LIMIT, json.dumps(fixture("composite_update_lock_converted.json"))
        if body["records"][0]["attributes"]["type"] == "Lead":
            return 200, LIMIT, json.dumps(second)
        return 200, LIMIT, json.dumps(contact)

    api.add_callback(responses.PATCH, BASE + "composite/sobjects", callback=answer)
    results = sf.write(ops)
    assert [r.ok for r in results] == [True, True, True]
    # Only the locked row was sent again, after a backoff pause.
    assert [r["id"] for r in calls[1]["records"]] == ["00Q000000000002AAA"]
    assert len(sleeps) == 1
    routed = calls[2]["records"]
    assert routed == [
        {
            "attributes": {"type": "Contact"},
            "MailingCity": "Lyon",
            "Leadsync_Score__c": 7,
            "id": "003000000000004AAA",
        }
    ]
    assert results[2].object_type == "Contact" and results[2].id == "003000000000004AAA"
    assert results[0].object_type == "Lead"
    # The conversion is remembered: the next write goes straight to the Contact.
    calls.clear()
    sf.write([WriteOp("Lead", {"City": "Nice"}, id="00Q000000000004AAA", ref="4")])
    assert len(calls) == 1 and calls[0]["records"][0]["attributes"]["type"] == "Contact"


def test_composite_chunks_of_200(api, sf):
    def answer(request):
        records = json.loads(request.body)["records"]
        return (
            200,
            LIMIT,
            json.dumps([{"id": r["id"], "success": True, "errors": []} for r in records]),
        )

    api.add_callback(responses.PATCH, BASE + "composite/sobjects", callback=answer)
    ops = [WriteOp("Contact", {"Title": "x"}, id=f"003{i:015d}", ref=str(i)) for i in range(450)]
    results = sf.write(ops)
    assert all(r.ok for r in results) and [r.ref for r in results] == [str(i) for i in range(450)]
    sizes = [
        len(json.loads(c.request.body)["records"]) for c in api.calls if c.request.method == "PATCH"
    ]
    assert sizes == [200, 200, 50]


def test_transient_errors_are_retried_for_reads(api, sf, sleeps):
    api.get(BASE + "query/", status=503, body="Service Unavailable")
    api.get(BASE + "query/", json={"totalSize": 0, "done": True, "records": []}, headers=LIMIT)
    assert sf.read("Lead", ["00Q000000000001AAA"]) == []
    assert len(sleeps) == 1


def test_plain_creates_are_not_retried_blindly(api, sf):
    api.post(BASE + "composite/sobjects", status=503, body="Service Unavailable")
    with pytest.raises(RetryableError):
        sf.write([WriteOp("Contact", {"LastName": "X"}, ref="x")])
    assert len([c for c in api.calls if c.request.method == "POST"]) == 1


def test_usage_share_stops_cleanly(api, sf):
    api.get(
        BASE + "query/",
        json={"totalSize": 0, "done": True, "records": []},
        headers={"Sforce-Limit-Info": "api-usage=801/1000"},
    )
    sf.read("Lead", ["00Q000000000001AAA"])
    assert sf.usage().used == 801 and sf.usage().limit == 1000
    with pytest.raises(QuotaExhaustedError):
        sf.read("Lead", ["00Q000000000001AAA"])
    with pytest.raises(QuotaExhaustedError):
        sf.write([WriteOp("Lead", {"City": "x"}, id="00Q000000000001AAA")])


def test_daily_limit_and_auth_errors(api, sf):
    api.get(BASE + "query/", status=403, json=fixture("error_request_limit.json"))
    with pytest.raises(QuotaExhaustedError):
        sf.read("Lead", ["00Q000000000001AAA"])
    api.replace(
        responses.GET, BASE + "query/", status=401, json=fixture("error_invalid_session.json")
    )
    with pytest.raises(AuthConfigError) as info:
        sf.read("Lead", ["00Q000000000001AAA"])
    assert info.value.code == "INVALID_SESSION_ID"
    assert SECRET not in str(info.value) and SECRET not in repr(sf)


def test_bulk_upsert_above_threshold(api, sleeps):
    sf = SalesforceConnector(
        INSTANCE, SECRET, bulk_threshold=3, retry=RetryPolicy(sleep=sleeps.append)
    )
    jobs = BASE + "jobs/ingest"
    job = jobs + "/750000000000001AAA"
    api.post(jobs, json={"id": "750000000000001AAA", "state": "Open"})
    uploads = []

    def upload(request):
        uploads.append(request.body.decode())
        return 201, {}, ""

    api.add_callback(responses.PUT, job + "/batches", callback=upload)
    api.patch(job, json={"id": "750000000000001AAA", "state": "UploadComplete"})
    api.get(
        job,
        json={
            "id": "750000000000001AAA",
            "state": "JobComplete",
            "numberRecordsFailed": 1,
            "numberRecordsProcessed": 3,
        },
    )
    api.get(
        job + "/successfulResults",
        body='"sf__Id","sf__Created","Leadsync_HubSpot_Id__c","LastName"\n'
        '"00Q1","true","h1","A"\n"00Q2","false","h2","B"\n',
    )
    api.get(
        job + "/failedResults",
        body='"sf__Id","sf__Error","Leadsync_HubSpot_Id__c","LastName"\n'
        '"","STRING_TOO_LONG:Last Name: data value too large:LastName --","h3","C"\n',
    )
    api.get(job + "/unprocessedRecords", body='"Leadsync_HubSpot_Id__c","LastName"\n"h4","D"\n')
    api.patch(
        BASE + "composite/sobjects/Lead/Leadsync_HubSpot_Id__c",
        json=[{"id": "00Q4", "success": True, "errors": [], "created": True}],
    )
    ops = [
        WriteOp("Lead", {"LastName": n, "Title": None}, external_id=f"h{i}", ref=n)
        for i, n in zip(range(1, 5), "ABCD", strict=True)
    ]
    results = sf.write(ops)
    assert [(r.ref, r.ok, r.id, r.created) for r in results] == [
        ("A", True, "00Q1", True),
        ("B", True, "00Q2", False),
        ("C", False, None, False),
        ("D", True, "00Q4", True),
    ]
    assert results[2].errors[0].code == "STRING_TOO_LONG"
    lines = uploads[0].splitlines()
    assert lines[0] == "Leadsync_HubSpot_Id__c,LastName,Title" or set(lines[0].split(",")) == {
        "Leadsync_HubSpot_Id__c",
        "LastName",
        "Title",
    }
    assert "#N/A" in lines[1]  # a None clears the field in Bulk 2.0
