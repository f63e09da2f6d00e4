"""A NaN or infinity in a record is that record's rejection, never a retried network fault."""

import json
import math
import random

import pytest
import responses

from connectors.base import WriteOp
from connectors.errors import ErrorKind, RecordRejectedError, classify
from connectors.payload import refuse_unsendable
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector

INSTANCE = "https://acme.my.salesforce.com"
BASE = f"{INSTANCE}/services/data/v59.0/"
LIMIT = {"Sforce-Limit-Info": "api-usage=10/1000"}


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def sf(sleeps: list[float]) -> SalesforceConnector:
    policy = RetryPolicy(sleep=sleeps.append, rng=random.Random(0))
    return SalesforceConnector(INSTANCE, "00D!session", retry=policy)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_refuse_unsendable_names_the_field(bad: float) -> None:
    ops = [
        WriteOp("Lead", {"Company": "Acme", "AnnualRevenue": bad}, id="00Q1", ref="a"),
        WriteOp("Lead", {"Company": "Globex", "AnnualRevenue": 3.5}, id="00Q2", ref="b"),
    ]
    refused, sendable = refuse_unsendable(ops)
    assert sendable == [1]
    result = refused[0]
    assert not result.ok and result.ref == "a"
    assert result.errors[0].fields == ("AnnualRevenue",)
    assert "AnnualRevenue" in result.errors[0].message


def test_salesforce_write_rejects_the_nan_record_and_sends_the_rest(
    sf: SalesforceConnector, sleeps: list[float]
) -> None:
    ops = [
        WriteOp("Lead", {"AnnualRevenue": math.nan}, id="00Q000000000001AAA", ref="1"),
        WriteOp("Lead", {"AnnualRevenue": 10.0}, id="00Q000000000002AAA", ref="2"),
    ]
    bodies: list[dict[str, object]] = []

    def answer(request):  # type: ignore[no-untyped-def]
        body = json.loads(request.body)
        bodies.append(body)
        results = [{"id": r["id"], "success": True, "errors": []} for r in body["records"]]
        return 200, LIMIT, json.dumps(results)

    with responses.RequestsMock() as api:
        api.add_callback(responses.PATCH, BASE + "composite/sobjects", callback=answer)
        results = sf.write(ops)

    assert len(bodies) == 1  # one request, no retries, no backoff
    assert sleeps == []
    assert [r["id"] for r in bodies[0]["records"]] == ["00Q000000000002AAA"]  # type: ignore[index]
    assert [r.ok for r in results] == [False, True]
    assert results[0].errors[0].fields == ("AnnualRevenue",)


def test_an_unserialisable_body_is_not_retried(
    sf: SalesforceConnector, sleeps: list[float]
) -> None:
    # Whatever slips past the per-record check: requests refuses to encode it, and the error
    # table says rejected, not "no answer" (which is retried seven times with backoff).
    assert classify("salesforce", 0, "INVALID_JSON") is ErrorKind.REJECTED
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.post(BASE + "composite/sobjects", json=[])
        with pytest.raises(RecordRejectedError):
            sf._call(
                lambda: sf._sf.restful("composite/sobjects", method="POST", json={"x": math.nan}),
                safe=True,
            )
        assert len(api.calls) == 0
    assert sleeps == []


def test_hubspot_write_rejects_the_nan_record_without_a_request() -> None:
    from connectors.hubspot import HubSpotConnector

    # Nothing listens on port 9: a request would fail; the refusal needs none.
    hs = HubSpotConnector("https://127.0.0.1:9", "pat-token", retry=RetryPolicy(max_attempts=1))
    ops = [WriteOp("contact", {"annualrevenue": math.inf}, id="101", ref="x")]
    [result] = hs.write(ops)
    assert not result.ok and result.ref == "x"
    assert result.errors[0].code == "INVALID_VALUE"
    assert result.errors[0].fields == ("annualrevenue",)
