"""Bulk API 2.0 ingest and query jobs driven by simple-salesforce's real ``sf.bulk2``."""

from __future__ import annotations

import csv
import io

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError

from sandbox import Sandbox


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_insert_reports_successes_and_failures(sb: Sandbox, sf: Salesforce) -> None:
    records = [
        {"LastName": "Bulk1", "Company": "BulkCo", "Email": "b1@bulk.co"},
        {"LastName": "Bulk2", "Company": "BulkCo", "Email": "b2@bulk.co"},
        {"LastName": "Bulk3", "Company": "", "Email": "b3@bulk.co"},
    ]
    [summary] = sf.bulk2.Lead.insert(records=records, wait=0)
    assert summary["numberRecordsProcessed"] == 3
    assert summary["numberRecordsFailed"] == 1
    ok = _rows(sf.bulk2.Lead.get_successful_records(summary["job_id"]))
    assert [r["sf__Created"] for r in ok] == ["true", "true"]
    assert all(r["sf__Id"].startswith("00Q") for r in ok)
    assert {r["LastName"] for r in ok} == {"Bulk1", "Bulk2"}
    failed = _rows(sf.bulk2.Lead.get_failed_records(summary["job_id"]))
    assert len(failed) == 1 and failed[0]["sf__Error"].startswith("REQUIRED_FIELD_MISSING")
    assert failed[0]["Email"] == "b3@bulk.co"
    assert _rows(sf.bulk2.Lead.get_unprocessed_records(summary["job_id"])) == []
    stored = sb.salesforce.get("Lead", ok[0]["sf__Id"])
    assert stored is not None and stored["Company"] == "BulkCo"


def test_upsert_empty_cell_keeps_and_na_clears(sb: Sandbox, sf: Salesforce) -> None:
    rid = sb.salesforce.create(
        "Lead",
        {"LastName": "Keep", "Company": "UpCo", "Title": "CTO", "City": "Oslo",
         "Leadsync_HubSpot_Id__c": "bulk-1"},
    )  # fmt: skip
    records = [
        {"Leadsync_HubSpot_Id__c": "bulk-1", "Title": "", "City": "#N/A", "Phone": "123"},
        {"Leadsync_HubSpot_Id__c": "bulk-2", "Title": "New", "City": "", "Phone": "",
         "LastName": "Fresh", "Company": "UpCo"},
    ]  # fmt: skip
    [summary] = sf.bulk2.Lead.upsert(
        records=records, external_id_field="Leadsync_HubSpot_Id__c", wait=0
    )
    assert summary["numberRecordsFailed"] == 0
    ok = {
        r["Leadsync_HubSpot_Id__c"]: r
        for r in _rows(sf.bulk2.Lead.get_successful_records(summary["job_id"]))
    }
    assert ok["bulk-1"]["sf__Id"] == rid and ok["bulk-1"]["sf__Created"] == "false"
    assert ok["bulk-2"]["sf__Created"] == "true"
    kept = sb.salesforce.get("Lead", rid)
    assert kept is not None
    assert (kept["Title"], kept["City"], kept["Phone"]) == ("CTO", None, "123")


def test_update_by_id(sb: Sandbox, sf: Salesforce) -> None:
    rid = sb.salesforce.create("Lead", {"LastName": "Upd", "Company": "UpdCo"})
    [summary] = sf.bulk2.Lead.update(
        records=[{"Id": rid, "Status": "Working - Contacted"}, {"Id": rid, "Status": "Bogus"}],
        wait=0,
    )
    assert summary["numberRecordsFailed"] == 1
    assert sb.salesforce.get("Lead", rid)["Status"] == "Working - Contacted"  # type: ignore[index]
    failed = _rows(sf.bulk2.Lead.get_failed_records(summary["job_id"]))
    assert failed[0]["sf__Error"].startswith("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST")


def test_unknown_column_fails_the_job(sf: Salesforce) -> None:
    with pytest.raises(SalesforceOperationError, match="Field name not found"):
        sf.bulk2.Lead.insert(records=[{"LastName": "X", "Company": "Y", "Nope__c": "1"}], wait=0)


def test_query_pages_with_locator(sb: Sandbox, sf: Salesforce) -> None:
    for i in range(25):
        sb.salesforce.create(
            "Lead", {"LastName": f"Q{i:02d}", "Company": "QueryCo", "Email": f"q{i}@q.co"}
        )
    pages = list(
        sf.bulk2.Lead.query(
            "SELECT Id, LastName, Email, IsConverted, CreatedDate FROM Lead "
            "WHERE Company = 'QueryCo' ORDER BY LastName",
            max_records=10,
            wait=0,
        )
    )
    assert len(pages) == 3
    rows = [row for page in pages for row in _rows(page)]
    assert [r["LastName"] for r in rows] == [f"Q{i:02d}" for i in range(25)]
    assert rows[0]["IsConverted"] == "false"
    assert rows[0]["CreatedDate"].endswith("Z") and len(rows[0]["CreatedDate"]) == 24


def test_query_all_includes_deleted(sb: Sandbox, sf: Salesforce) -> None:
    rid = sb.salesforce.create("Lead", {"LastName": "Del", "Company": "DelCo"})
    sb.salesforce.delete("Lead", rid)
    soql = "SELECT Id, IsDeleted FROM Lead WHERE Company = 'DelCo'"
    assert _rows("".join(sf.bulk2.Lead.query(soql, wait=0))) == []
    rows = _rows("".join(sf.bulk2.Lead.query_all(soql, wait=0)))
    assert rows == [{"Id": rid, "IsDeleted": "true"}]


def test_lock_row_faults_fail_records(sb: Sandbox, sf: Salesforce) -> None:
    sb.set_faults(lock_row_rate=1.0)
    try:
        [summary] = sf.bulk2.Lead.insert(records=[{"LastName": "L", "Company": "LockCo"}], wait=0)
    finally:
        sb.set_faults(lock_row_rate=0.0)
    assert summary["numberRecordsFailed"] == 1
    failed = _rows(sf.bulk2.Lead.get_failed_records(summary["job_id"]))
    assert failed[0]["sf__Error"].startswith("UNABLE_TO_LOCK_ROW")
