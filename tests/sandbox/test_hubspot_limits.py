"""Private-app rate limits as the real hubspot-api-client meets them."""

import json
from collections.abc import Iterator

import hubspot
import pytest
from hubspot.crm.contacts import PublicObjectSearchRequest
from hubspot.crm.contacts.exceptions import ApiException

from sandbox import Sandbox


@pytest.fixture
def hs(sb: Sandbox) -> Iterator[hubspot.Client]:
    sb.clear_faults()
    sb.ctx.clock_offset_s += 11  # a fresh rolling window and search second for each test
    yield sb.hubspot_client()
    sb.clear_faults()
    sb.set_faults(hubspot_rate="190/10s", hubspot_daily_limit=1_000_000)


def rate_limited(exc: ApiException) -> dict[str, object]:
    assert exc.status == 429
    body = json.loads(exc.body)
    assert body["status"] == "error"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["correlationId"]
    assert exc.headers["X-HubSpot-RateLimit-Max"]
    return dict(body)


def test_sixth_call_in_a_small_bucket_is_429_then_the_window_rolls(
    hs: hubspot.Client, sb: Sandbox
) -> None:
    sb.set_faults(hubspot_rate="5/10s")
    remaining = []
    for _ in range(5):
        _, _, headers = hs.crm.contacts.basic_api.get_page_with_http_info()
        remaining.append(headers["X-HubSpot-RateLimit-Remaining"])
    assert remaining == ["4", "3", "2", "1", "0"]
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.get_page()
    body = rate_limited(err.value)
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert err.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    sb.ctx.clock_offset_s += 10.5
    assert hs.crm.contacts.basic_api.get_page().results == []


def test_the_191st_call_inside_ten_seconds_is_429_at_the_default_limit(
    hs: hubspot.Client, sb: Sandbox
) -> None:
    assert sb.ctx.faults.hubspot_rate == "190/10s"
    for _ in range(190):
        hs.crm.properties.core_api.get_by_name("contacts", "email")
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.get_page()
    assert rate_limited(err.value)["policyName"] == "TEN_SECONDLY_ROLLING"


def test_search_has_its_own_per_second_limit(hs: hubspot.Client, sb: Sandbox) -> None:
    sb.set_faults(hubspot_search_per_second=5)
    request = PublicObjectSearchRequest(limit=1)
    for _ in range(5):
        hs.crm.contacts.search_api.do_search(request)
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.search_api.do_search(request)
    assert rate_limited(err.value)["policyName"] == "SECONDLY"
    assert hs.crm.contacts.basic_api.get_page() is not None  # other endpoints still answer
    sb.ctx.clock_offset_s += 1.1
    assert hs.crm.contacts.search_api.do_search(request).total == 0


def test_daily_cap_answers_429_daily(hs: hubspot.Client, sb: Sandbox) -> None:
    _, _, headers = hs.crm.contacts.basic_api.get_page_with_http_info()
    used = sb.ctx.faults.hubspot_daily_limit - int(headers["X-HubSpot-RateLimit-Daily-Remaining"])
    sb.set_faults(hubspot_daily_limit=used + 1)
    hs.crm.contacts.basic_api.get_page()
    with pytest.raises(ApiException) as err:
        hs.crm.contacts.basic_api.get_page()
    body = rate_limited(err.value)
    assert body["policyName"] == "DAILY"
    assert err.value.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


def test_a_forced_storm_answers_429_until_it_ends(hs: hubspot.Client, sb: Sandbox) -> None:
    sb.ctx.faults.storm_until = sb.ctx.monotonic() + 60
    for _ in range(3):
        with pytest.raises(ApiException) as err:
            hs.crm.contacts.basic_api.get_page()
        assert rate_limited(err.value)["policyName"] == "TEN_SECONDLY_ROLLING"
    sb.ctx.faults.storm_until = float("-inf")  # no storm, whatever the clock reads
    assert hs.crm.contacts.basic_api.get_page() is not None
