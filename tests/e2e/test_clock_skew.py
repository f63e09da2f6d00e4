"""leadsync's machine clock ahead of Salesforce/HubSpot (NTP drift, a VM resumed) loses nothing."""

from __future__ import annotations

from datetime import timedelta

from e2e_helpers import SyncFn, hs_by_email, hs_contact, sf_by_email, sf_lead

from sandbox import Sandbox


def test_first_run_on_empty_systems_with_a_clock_one_hour_ahead_misses_nothing(
    sb: Sandbox, sync: SyncFn
) -> None:
    ahead = lambda: sb.ctx.now() + timedelta(hours=1)  # noqa: E731 leadsync's clock
    sync(clock=ahead)  # both systems empty: cursors start "now - 5 min" by leadsync's clock
    sb.ctx.clock_offset_s += 60
    hs_contact(sb, "ann.hs@northwind.io")
    sf_lead(sb, "bob.sf@northwind.io")
    sb.ctx.clock_offset_s += 60
    sync(clock=ahead)
    assert sf_by_email(sb, "Lead", "ann.hs@northwind.io"), "contact never reached Salesforce"
    assert hs_by_email(sb, "bob.sf@northwind.io"), "Salesforce Lead never reached HubSpot"


def test_the_same_first_run_with_the_clocks_agreeing(sb: Sandbox, sync: SyncFn) -> None:
    sync()
    sb.ctx.clock_offset_s += 60
    hs_contact(sb, "ann.hs@northwind.io")
    sf_lead(sb, "bob.sf@northwind.io")
    sb.ctx.clock_offset_s += 60
    sync()
    assert sf_by_email(sb, "Lead", "ann.hs@northwind.io")
    assert hs_by_email(sb, "bob.sf@northwind.io")


def test_salesforce_side_with_a_clock_one_hour_ahead(sb: Sandbox, sync: SyncFn) -> None:
    ahead = lambda: sb.ctx.now() + timedelta(hours=1)  # noqa: E731
    sync(clock=ahead)
    sb.ctx.clock_offset_s += 60
    sf_lead(sb, "bob.sf@northwind.io")
    sb.ctx.clock_offset_s += 3600  # an hour later: past where leadsync's clock stood
    sync(clock=ahead)
    sync(clock=ahead)
    assert hs_by_email(sb, "bob.sf@northwind.io"), "Salesforce Lead never reached HubSpot"
