"""Attack: the sandbox clock set into the past (negative LEADSYNC_SANDBOX_CLOCK_OFFSET_S)."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox import Sandbox


def test_a_sandbox_clock_in_the_past_does_not_storm_hubspot() -> None:
    with Sandbox(seed=1, leads=0) as sb:
        sb.ctx.set_clock(datetime(2026, 1, 1, tzinfo=UTC))  # or OFFSET_S=-31536000
        page = sb.hubspot_client().crm.contacts.basic_api.get_page(limit=1)  # 429 today
        assert page.results == []
