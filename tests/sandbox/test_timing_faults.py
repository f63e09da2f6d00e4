"""Timing faults on the sandbox clock: late Salesforce commits, HubSpot's index-lag tail."""

from __future__ import annotations

from datetime import timedelta

from sandbox.context import SandboxContext
from sandbox.hubspot.search import SearchRequest
from sandbox.hubspot.store import HubSpotStore
from sandbox.salesforce.store import SalesforceStore
from sandbox.storage import RecordStore

LEAD = {"LastName": "Doe", "Company": "Acme"}


def _late_stamps(seed: int) -> list[float]:
    ctx = SandboxContext.exact()
    ctx.reseed(seed)
    ctx.faults.salesforce_late_rate = 0.5
    ctx.faults.salesforce_late_max_s = 60.0
    store = SalesforceStore(RecordStore(), ctx)
    ages = []
    for i in range(40):
        ctx.clock_offset_s += 100
        rid = store.create("Lead", {**LEAD, "LastName": f"L{i}"})
        row = store.get("Lead", rid)
        assert row is not None
        ages.append((ctx.now() - row["SystemModstamp"]).total_seconds())
    return ages


def test_a_share_of_salesforce_writes_is_stamped_before_it_lands() -> None:
    ages = _late_stamps(seed=3)
    late = [a for a in ages if a > 0.5]
    assert 5 < len(late) < 35  # about half
    assert max(ages) <= 61
    assert _late_stamps(seed=3) != _late_stamps(seed=4)  # seeded, not fixed


def test_a_late_update_is_never_stamped_before_the_version_it_replaces() -> None:
    ctx = SandboxContext.exact()
    store = SalesforceStore(RecordStore(), ctx)
    rid = store.create("Lead", LEAD)
    first = store.get("Lead", rid)
    assert first is not None
    ctx.faults.salesforce_late_rate = 1.0
    ctx.faults.salesforce_late_max_s = 600.0
    ctx.clock_offset_s += 1
    store.update("Lead", rid, {"Title": "CTO"})
    second = store.get("Lead", rid)
    assert second is not None and second["Title"] == "CTO"
    assert first["SystemModstamp"] <= second["SystemModstamp"] < ctx.now()


def test_an_explicit_when_is_never_moved() -> None:
    ctx = SandboxContext.exact()
    ctx.faults.salesforce_late_rate = 1.0
    store = SalesforceStore(RecordStore(), ctx)
    when = ctx.now() - timedelta(days=1)
    row = store.get("Lead", store.create("Lead", LEAD, when=when))
    assert row is not None and row["SystemModstamp"] == when.replace(
        microsecond=when.microsecond // 1000 * 1000
    )


def test_hubspot_writes_in_the_tail_reach_search_late() -> None:
    ctx = SandboxContext.exact()
    ctx.faults.hubspot_index_delay_s = 1.0
    ctx.faults.hubspot_index_tail_rate = 0.5
    ctx.faults.hubspot_index_tail_s = 60.0
    store = HubSpotStore(RecordStore(), ctx)
    ids = [store.create({"email": f"t{i}@tail.example"}) for i in range(40)]

    def searchable() -> set[str]:
        page = store.search(SearchRequest.parse({"limit": 200}))
        return {c.id for c in page.contacts}

    ctx.clock_offset_s += 1.5
    early = searchable()
    assert 5 < len(early) < 35  # most at once, a tail later
    ctx.clock_offset_s += 30
    middle = searchable()
    assert early < middle
    ctx.clock_offset_s += 30
    assert searchable() == set(ids)
