from connector_helpers import calls, salesforce_for

from connectors.base import Cursor, WriteOp
from connectors.errors import QuotaExhaustedError


def drain(pages):
    records, cursor = [], None
    for page in pages:
        records.extend(page.records)
        cursor = page.cursor
    return records, cursor


def lead(i, **extra):
    return {"LastName": f"L{i}", "Company": f"C{i}", "Email": f"l{i}@seed.example", **extra}


def seed_leads(sb, n):
    return [sb.salesforce.create("Lead", lead(i)) for i in range(n)]


def test_incremental_reads_after_writes_and_during_a_read(sandbox):
    ids = seed_leads(sandbox, 2_300)
    sf = salesforce_for(sandbox)
    full, cursor0 = drain(sf.changes("Lead", Cursor(), full=True))
    assert len(full) == 2_300 and len({r.id for r in full}) == 2_300
    changed = ids[:2_100]
    results = sf.write([WriteOp("Lead", {"Title": "VP"}, id=i, ref=i) for i in changed])
    assert all(r.ok for r in results)
    pages = sf.changes("Lead", cursor0)
    first = next(pages)
    assert 0 < len(first.records) < 2_100  # the SOQL start is floored to the second
    x, y, z = first.records[0].id, ids[2_200], ids[2_250]
    sandbox.salesforce.update("Lead", x, {"Title": "CEO"})
    sandbox.salesforce.convert_lead(y)
    sandbox.salesforce.delete("Lead", z)
    rest, cursor1 = drain(pages)
    read1 = first.records + rest
    assert sorted(r.id for r in read1) == sorted(changed)
    second, cursor2 = drain(sf.changes("Lead", cursor1))
    assert sorted(r.id for r in second) == sorted([x, y, z])
    by_id = {r.id: r for r in second}
    assert by_id[x].fields["Title"] == "CEO"
    assert by_id[y].fields["IsConverted"] is True and by_id[y].fields["ConvertedContactId"]
    assert by_id[z].deleted
    third, _ = drain(sf.changes("Lead", cursor2))
    assert third == []
    contacts, _ = drain(sf.changes("Contact", Cursor()))
    assert [c.id for c in contacts] == [by_id[y].fields["ConvertedContactId"]]
    opportunities, _ = drain(sf.changes("Opportunity", Cursor()))
    [opp] = opportunities
    assert opp.fields["ContactId"] == by_id[y].fields["ConvertedContactId"]
    assert opp.fields["IsWon"] is False and opp.fields["StageName"]


def test_converted_lead_write_goes_to_contact(sandbox):
    lead_id = sandbox.salesforce.create("Lead", lead(1, Leadsync_HubSpot_Id__c="h1"))
    converted = sandbox.salesforce.convert_lead(lead_id)
    sf = salesforce_for(sandbox)
    results = sf.write(
        [
            WriteOp(
                "Lead", {"City": "Lyon", "Status": "Working - Contacted"}, id=lead_id, ref="by-id"
            ),
            WriteOp("Lead", {"Leadsync_Score__c": 80.0}, external_id="h1", ref="by-ext"),
        ]
    )
    assert [(r.ok, r.object_type, r.id) for r in results] == [
        (True, "Contact", converted["contact_id"]),
        (True, "Contact", converted["contact_id"]),
    ]
    contact = sandbox.salesforce.get("Contact", converted["contact_id"])
    assert contact["MailingCity"] == "Lyon" and contact["Leadsync_Score__c"] == 80.0


def test_upserts_are_safe_to_repeat_and_rejections_are_per_record(sandbox):
    sf = salesforce_for(sandbox)
    ops = [WriteOp("Lead", lead(i), external_id=f"h{i}", ref=str(i)) for i in range(5)]
    ops.append(WriteOp("Lead", {"LastName": "NoCompany"}, external_id="h-bad", ref="bad"))
    first = sf.write(ops)
    again = sf.write(ops)
    assert [r.ok for r in first] == [True] * 5 + [False]
    assert first[-1].errors[0].code == "REQUIRED_FIELD_MISSING"
    assert all(r.created for r in first[:5]) and not any(r.created for r in again[:5])
    assert [r.id for r in first[:5]] == [r.id for r in again[:5]]
    assert len(sandbox.salesforce.all("Lead")) == 5


def test_10000_writes_composite_at_minimum_calls(sandbox):
    sf = salesforce_for(sandbox, bulk_threshold=10**9)
    sandbox.reset_api_calls()
    ops = [WriteOp("Lead", lead(i), external_id=f"h{i}", ref=str(i)) for i in range(10_000)]
    results = sf.write(ops)
    assert all(r.ok for r in results)
    assert calls(sandbox, "salesforce") <= 55  # 50 composite calls of 200 is the minimum
    assert len(sandbox.salesforce.all("Lead")) == 10_000


def test_10000_writes_through_bulk(sandbox):
    sf = salesforce_for(sandbox)
    sandbox.reset_api_calls()
    ops = [WriteOp("Lead", lead(i), external_id=f"h{i}", ref=str(i)) for i in range(10_000)]
    results = sf.write(ops)
    assert all(r.ok for r in results) and all(r.created for r in results)
    assert calls(sandbox, "salesforce") <= 12
    assert len(sandbox.salesforce.all("Lead")) == 10_000
    updates = [
        WriteOp("Lead", {"Title": None, "City": "Oslo"}, id=r.id, ref=r.ref) for r in results
    ]
    assert all(r.ok for r in sf.write(updates))
    assert {row["City"] for row in sandbox.salesforce.all("Lead")} == {"Oslo"}


def test_usage_share_stops_cleanly(sandbox):
    sf = salesforce_for(sandbox, max_usage_share=0.5)
    sandbox.set_faults(salesforce_daily_limit=10)
    sf.describe("Lead")
    used, limit = sf.usage().used, sf.usage().limit
    assert limit == 10 and used is not None
    for _ in range(10):
        try:
            sf.read("Lead", ["00Q000000000000AAA"])
        except QuotaExhaustedError:
            break
    else:
        raise AssertionError("never stopped")
    assert sf.usage().used <= 6
