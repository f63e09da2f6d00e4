"""Connectors against a wide-schema sandbox: long field lists never go into a URL."""

import pytest
from connector_helpers import calls, hubspot_for, salesforce_for

from connectors.base import Cursor
from sandbox import Sandbox

URL_BUDGET = 8 * 1024


@pytest.fixture(scope="module")
def wide():
    with Sandbox(seed=5, leads=0, wide_schema=True) as sb:
        sb.set_faults(hubspot_index_delay_s=0)
        yield sb


def _custom_enum(sb):
    return next(p for p in sb.hubspot.properties() if p.options and p.name.endswith("_tier"))


def test_hubspot_reads_hundreds_of_properties_through_post_bodies(wide) -> None:
    prop = _custom_enum(wide)
    ids = [
        wide.hubspot.create(
            {"email": f"wide{i}@acme-widgets.com", prop.name: prop.options[0].value}
        )
        for i in range(120)
    ]
    conn = hubspot_for(wide, clock=wide.ctx.now)  # the sandbox clock, moved forward below
    every = [p.name for p in wide.hubspot.properties()]
    conn.want("contact", every)  # far past the URL and search-body budgets
    wide.reset_api_calls()

    pages = list(conn.changes("contact", Cursor(), full=True))
    full = [r for page in pages for r in page.records]

    assert {r.id for r in full} >= set(ids)
    assert all(r.fields.get(prop.name) == prop.options[0].value for r in full if r.id in ids)
    assert calls(wide, "hubspot", "batch/read") >= 2  # the listing's pages, filled by POST

    cursor = pages[-1].cursor
    wide.ctx.clock_offset_s += 60
    wide.hubspot.update(ids[3], {"jobtitle": "Chief Width Officer"}, system=False)
    changed = [r for page in conn.changes("contact", cursor) for r in page.records]

    assert [r.id for r in changed] == [ids[3]]
    assert changed[0].fields["jobtitle"] == "Chief Width Officer"
    assert changed[0].fields[prop.name] == prop.options[0].value
    assert calls(wide, "hubspot", "/search") >= 1  # the sandbox refuses bodies over 3,000
    assert max(wide.request_target_lengths("hubspot")) < URL_BUDGET


def test_hubspot_reads_only_wanted_and_system_properties(wide) -> None:
    conn = hubspot_for(wide)
    conn.want("contact", ["firstname", "not_a_property_here"])
    assert set(conn.properties()) == {
        "firstname",
        "email",
        "lastmodifieddate",
        "createdate",
        "hs_object_id",
        "hs_merged_object_ids",
        "hs_additional_emails",
    }


def test_salesforce_selects_wanted_fields_and_sizes_in_chunks_by_bytes(wide) -> None:
    emails = [f"o'brien.{i}@wide-org-example.com" for i in range(400)]
    for email in emails:
        wide.salesforce.create("Lead", {"LastName": "Wide", "Company": "W", "Email": email})
    conn = salesforce_for(wide)
    custom = next(f for f in wide.salesforce.objects["Lead"].fields if f.name.endswith("_Tier__c"))
    conn.want("Lead", ["FirstName", custom.name, "Missing_In_This_Org__c"])
    wide.reset_api_calls()

    found = conn.find_by_email("Lead", emails)

    assert len(found) == 400
    assert set(found[0].fields) >= {"Id", "Email", "FirstName", custom.name}
    assert "Missing_In_This_Org__c" not in found[0].fields
    assert "Industry" not in found[0].fields  # not wanted, not read
    lengths = wide.request_target_lengths("salesforce")
    assert max(lengths) < URL_BUDGET
    assert calls(wide, "salesforce", "query") >= 3  # several queries, each under the budget


def test_a_long_select_list_still_reads_many_ids_a_query() -> None:
    from connectors.salesforce_read import (
        IN_LIST_MIN_BYTES,
        ids_soql,
        ids_soql_chunks,
        query_url_bytes,
    )

    fields = [f"Custom_Field_Number_{i:03d}__c" for i in range(200)]  # over the 6,000 budget
    ids = [f"00Q{i:015d}" for i in range(1000)]
    chunks = list(ids_soql_chunks("Lead", fields, ids))
    assert len(chunks) <= 1000 // 40  # not one query per id
    base = query_url_bytes(ids_soql("Lead", fields, [], "Id"))
    assert max(query_url_bytes(c) for c in chunks) <= base + IN_LIST_MIN_BYTES
