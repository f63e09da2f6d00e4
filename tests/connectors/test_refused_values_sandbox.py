"""A page holding one record with a hostile value: the good records come, the bad one too,
with its refused values named in ``problems`` (raw values written past the sandbox's checks)."""

from __future__ import annotations

from datetime import timedelta

from connector_helpers import hubspot_for, salesforce_for

from connectors.base import Cursor


def _drain(pages):
    return [record for page in pages for record in page.records]


def test_hubspot_page_with_hostile_values_yields_every_record(sandbox) -> None:
    sandbox.set_faults(hubspot_index_delay_s=0.0)
    when = sandbox.ctx.now() - timedelta(minutes=5)
    ids = [
        sandbox.hubspot.create({"email": f"p{i}@x.example", "firstname": f"P{i}"}, when=when)
        for i in range(5)
    ]
    bad = ids[2]
    sandbox.hubspot.poke(
        bad,
        {
            "firstname": "Ann\x00e",
            "hs_analytics_num_page_views": "1e400",
            "hs_email_open": "9" * 400,
            "recent_conversion_date": "99999999999999999999",
            "first_conversion_date": "not-a-date",
        },
    )
    hs = hubspot_for(sandbox)

    for records in (
        _drain(hs.changes("contact", Cursor(), full=True)),
        _drain(hs.changes("contact", Cursor(value=when - timedelta(minutes=1)))),
        hs.read("contact", ids),
    ):
        by_id = {r.id: r for r in records}
        assert set(by_id) == set(ids)
        assert all(by_id[i].problems == () for i in ids if i != bad)
        refused = {p.fields[0]: p for p in by_id[bad].problems}
        assert set(refused) == {
            "firstname",
            "hs_analytics_num_page_views",
            "hs_email_open",
            "recent_conversion_date",
            "first_conversion_date",
        }
        assert all(p.code == "INVALID_VALUE" for p in refused.values())
        assert "NUL" in refused["firstname"].message
        assert not set(refused) & set(by_id[bad].fields)  # refused values are left out
        assert by_id[bad].fields["email"] == "p2@x.example"


def test_salesforce_page_with_hostile_values_yields_every_record(sandbox) -> None:
    ids = [
        sandbox.salesforce.create(
            "Lead", {"LastName": f"L{i}", "Company": "Acme", "Email": f"l{i}@x.example"}
        )
        for i in range(5)
    ]
    sandbox.ctx.advance(1)
    bad = ids[2]
    sandbox.salesforce.poke(
        "Lead",
        bad,
        {
            "NumberOfEmployees": 10**400,
            "FirstName": "Ann\x00e",
            "ConvertedDate": "2024-13-45",
            "CreatedDate": "not-a-date",
        },
    )
    other = ids[3]
    sandbox.salesforce.poke("Lead", other, {"NumberOfEmployees": float("inf")})
    sf = salesforce_for(sandbox)

    for records in (
        _drain(sf.changes("Lead", Cursor(), full=True)),
        sf.read("Lead", ids),
    ):
        by_id = {r.id: r for r in records}
        assert set(by_id) == set(ids)
        assert all(by_id[i].problems == () for i in ids if i not in (bad, other))
        refused = {p.fields[0] for p in by_id[bad].problems}
        assert refused == {"NumberOfEmployees", "FirstName", "ConvertedDate", "CreatedDate"}
        assert not refused & set(by_id[bad].fields)
        assert by_id[bad].fields["Email"] == "l2@x.example"
        (problem,) = by_id[other].problems
        assert problem.message == "NumberOfEmployees = inf: not a finite number"
