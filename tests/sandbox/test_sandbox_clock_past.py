"""A sandbox clock set into the past (a negative LEADSYNC_SANDBOX_CLOCK_OFFSET_S) still serves."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox import Sandbox


def test_a_sandbox_clock_in_the_past_does_not_storm_hubspot() -> None:
    with Sandbox(seed=1, leads=0) as sb:
        sb.ctx.set_clock(datetime(2026, 1, 1, tzinfo=UTC))  # or OFFSET_S=-31536000
        page = sb.hubspot_client().crm.contacts.basic_api.get_page(limit=1)
        assert page.results == []


def test_a_clock_offset_that_is_not_a_finite_number_is_refused(monkeypatch) -> None:
    import pytest

    from sandbox.context import clock_offset_from_env

    for raw in ("nan", "inf", "soon"):
        monkeypatch.setenv("LEADSYNC_SANDBOX_CLOCK_OFFSET_S", raw)
        with pytest.raises(ValueError, match="finite number of seconds"):
            clock_offset_from_env()
    monkeypatch.setenv("LEADSYNC_SANDBOX_CLOCK_OFFSET_S", "-86400")
    assert clock_offset_from_env() == -86400.0
