"""A fault storm (5% 503s, timeouts, a 429 storm, locked rows) loses and duplicates nothing."""

from collections import Counter
from datetime import timedelta

from connector_helpers import hubspot_for, salesforce_for

from connectors.base import Cursor, WriteOp


def drain(pages):
    records = []
    for page in pages:
        records.extend(page.records)
    return records


STORM = {"error_rate": 0.05, "timeout_rate": 0.03, "timeout_s": 1.0, "lock_row_rate": 0.1}


def test_hubspot_fault_storm(sandbox):
    sandbox.set_faults(hubspot_index_delay_s=0.2)
    sandbox.set_faults(hubspot_search_per_second=25)
    hs = hubspot_for(sandbox, timeout_s=0.5, index_delay_s=1.0, search_per_second=20.0)
    hs.describe("contact")
    start = sandbox.ctx.now() - timedelta(seconds=1)
    sandbox.set_faults(storm_seconds=1.0, **STORM)
    ops = [
        WriteOp("contact", {"firstname": f"S{i}"}, external_id=f"s{i}@storm.example", ref=str(i))
        for i in range(2_000)
    ]
    results = hs.write(ops)
    assert all(r.ok for r in results)
    updates = [
        WriteOp("contact", {"jobtitle": f"T{r.ref}"}, id=r.id, ref=r.ref) for r in results[:500]
    ]
    assert all(r.ok for r in hs.write(updates))
    read = drain(hs.changes("contact", Cursor(value=start)))
    sandbox.clear_faults()
    stored = sandbox.hubspot.all()
    emails = Counter(c["properties"]["email"] for c in stored)
    assert len(stored) == 2_000 and set(emails.values()) == {1}
    by_email = {c["properties"]["email"]: c for c in stored}
    for i in range(2_000):
        props = by_email[f"s{i}@storm.example"]["properties"]
        assert props["firstname"] == f"S{i}"
        assert (props.get("jobtitle") or None) == (f"T{i}" if i < 500 else None)
    sandbox.ctx.advance(0.3)  # the search index catches up
    # Everything written was read: the storm's read saw all or the next read covers the rest.
    later = drain(hs.changes("contact", Cursor(value=start)))
    assert {r.id for r in later} == {c["id"] for c in stored}
    assert len(later) == len({r.id for r in later})
    assert {r.id for r in read} <= {c["id"] for c in stored}
    assert hs.usage().retries >= 3  # the storm happened and was ridden out


def test_salesforce_fault_storm(sandbox):
    sf = salesforce_for(sandbox, timeout_s=0.5, bulk_threshold=1_500)
    sf.describe("Lead")
    sandbox.set_faults(**STORM)
    creates = [
        WriteOp("Lead", {"LastName": f"S{i}", "Company": "Storm"}, external_id=f"s{i}", ref=str(i))
        for i in range(1_000)
    ]
    results = sf.write(creates)
    assert all(r.ok for r in results), [r.errors for r in results if not r.ok][:3]
    bulk = [
        WriteOp("Lead", {"LastName": f"B{i}", "Company": "Bulk"}, external_id=f"b{i}", ref=f"b{i}")
        for i in range(1_600)
    ]
    assert all(r.ok for r in sf.write(bulk))
    updates = [WriteOp("Lead", {"Title": f"T{r.ref}"}, id=r.id, ref=r.ref) for r in results[:400]]
    assert all(r.ok for r in sf.write(updates))
    read = drain(sf.changes("Lead", Cursor()))
    sandbox.clear_faults()
    stored = sandbox.salesforce.all("Lead")
    ext = Counter(row["Leadsync_HubSpot_Id__c"] for row in stored)
    assert len(stored) == 2_600 and set(ext.values()) == {1}
    titles = {row["Leadsync_HubSpot_Id__c"]: row["Title"] for row in stored}
    assert all(titles[f"s{i}"] == (f"T{i}" if i < 400 else None) for i in range(1_000))
    assert {r.id for r in read} == {row["Id"] for row in stored}
    assert len(read) == len(stored)
    assert sf.usage().retries >= 3
