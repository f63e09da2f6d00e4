"""Fixtures shared by the sandbox tests: an empty sandbox per module and the real clients."""

from __future__ import annotations

from collections.abc import Iterator

import hubspot
import pytest
from simple_salesforce import Salesforce

from sandbox import EXACT_TIMING, Sandbox


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with Sandbox(leads=0) as sandbox:
        sandbox.set_faults(**EXACT_TIMING)  # tests of late changes opt in
        yield sandbox


@pytest.fixture
def sf(sb: Sandbox) -> Salesforce:
    return sb.salesforce_client()


@pytest.fixture
def hs(sb: Sandbox) -> hubspot.Client:
    # Limits out of the way; the limit tests set their own.
    sb.set_faults(
        hubspot_rate="100000/10s",
        hubspot_search_per_second=100000,
        hubspot_daily_limit=10_000_000,
        hubspot_index_delay_s=0.0,
    )
    return sb.hubspot_client()
