"""Late changes: commits visible after later stamps were read, search lagging writes by minutes."""

from __future__ import annotations

from datetime import timedelta

from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email, write_calls

from bench.late_changes import run_trials
from sandbox import Sandbox

EMAIL = "olivia.hart@northwind.io"


def test_a_salesforce_commit_visible_after_later_stamps_is_applied_once(
    sb: Sandbox, sync: SyncFn
) -> None:
    hid = hs_contact(sb, EMAIL)
    sync()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    sb.ctx.clock_offset_s += 30
    sync()  # the cursor now sits at leadsync's own latest stamps
    # A transaction that began a minute ago commits now: stamped before what was read.
    started = sb.salesforce.now() - timedelta(seconds=60)
    sb.salesforce.update("Lead", lead["Id"], {"Title": "VP Revenue"}, when=started)

    report = sync()

    assert hs_props(sb, hid)["jobtitle"] == "VP Revenue"
    assert report.updated.hubspot == 1
    sb.reset_api_calls()
    again = sync()  # re-read inside the look-back, dropped by its version key
    assert again.updated.to_json() == {"hubspot": 0, "salesforce": 0}
    assert write_calls(sb) == {}


def test_a_hubspot_write_indexed_minutes_late_is_applied_once(sb: Sandbox, sync: SyncFn) -> None:
    late = hs_contact(sb, EMAIL)
    other = hs_contact(sb, "ben.ode@northwind.io", firstname="Ben", lastname="Ode")
    sync()
    sync()  # reads back the first run's own writes (echoes); nothing left to read after
    (late_lead,) = sf_by_email(sb, "Lead", EMAIL)
    (other_lead,) = sf_by_email(sb, "Lead", "ben.ode@northwind.io")
    now = sb.ctx.now()
    # Seed 2 draws a lag of about 105 s for the next write; the write after it lands at once.
    sb.set_faults(hubspot_index_tail_rate=1.0, hubspot_index_tail_s=120, seed=2)
    sb.hubspot.update(late, {"jobtitle": "VP Revenue"}, when=now - timedelta(seconds=30))
    sb.set_faults(hubspot_index_tail_rate=0.0)
    sb.hubspot.update(other, {"jobtitle": "CFO"}, when=now - timedelta(seconds=10))

    sync()  # reads the other contact, which moves the cursor past the lagging one

    assert _title(sb, other_lead["Id"]) == "CFO"
    assert _title(sb, late_lead["Id"]) != "VP Revenue"
    sb.ctx.clock_offset_s += 120
    sync()
    assert _title(sb, late_lead["Id"]) == "VP Revenue"
    sb.reset_api_calls()
    again = sync()
    assert again.updated.to_json() == {"hubspot": 0, "salesforce": 0}
    assert write_calls(sb) == {}


def _title(sb: Sandbox, lead_id: str) -> object:
    row = sb.salesforce.get("Lead", lead_id)
    return row["Title"] if row else None


def test_randomized_late_commits_and_index_lags_read_exactly_once(sb: Sandbox) -> None:
    tally = run_trials(sb, 12, seed=3, sf_lookback_s=300, hs_lookback_s=300)
    assert tally.trials == 12
    assert tally.late["salesforce"] > 0 and tally.late["hubspot"] > 0  # the faults happened
    assert sum(tally.misses.values()) == 0
    assert sum(tally.doubles.values()) == 0


def test_without_a_look_back_late_changes_are_lost(sb: Sandbox) -> None:
    """The trials have teeth: the old cursors (no look-back, 5 s overlap) miss changes."""
    tally = run_trials(sb, 12, seed=3, sf_lookback_s=0, hs_lookback_s=5)
    assert tally.misses["salesforce"] > 0 and tally.misses["hubspot"] > 0
