import random

import pytest

from connectors.errors import RecordRejectedError, RetryableError, build_error
from connectors.retry import RetryPolicy


class Flaky:
    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(**kw):
    sleeps = []
    kw.setdefault("rng", random.Random(1))
    return RetryPolicy(sleep=sleeps.append, **kw), sleeps


def test_retries_transient_errors_then_succeeds():
    p, sleeps = policy()
    fn = Flaky(
        [
            build_error("salesforce", 503, "", "busy"),
            build_error("hubspot", 0, "ReadTimeoutError", ""),
        ]
    )
    assert p.call(fn, safe=True) == "ok"
    assert fn.calls == 3 and len(sleeps) == 2
    assert all(0 <= s <= p.max_backoff_s for s in sleeps)


def test_honours_server_wait():
    p, sleeps = policy()
    fn = Flaky([build_error("hubspot", 429, "TEN_SECONDLY_ROLLING", "", wait_s=3.0)])
    assert p.call(fn, safe=False) == "ok"
    assert 3.0 <= sleeps[0] <= 3.1


def test_rate_limited_without_hint_waits_at_least_a_second():
    p, sleeps = policy()
    fn = Flaky([build_error("hubspot", 429, "TEN_SECONDLY_ROLLING", "")])
    p.call(fn, safe=True)
    assert sleeps[0] >= 1.0


def test_bounded_attempts_reraises_last_error():
    p, sleeps = policy(max_attempts=3)
    fn = Flaky([build_error("salesforce", 503, "", "busy")] * 5)
    with pytest.raises(RetryableError) as info:
        p.call(fn, safe=True)
    assert info.value.status == 503
    assert fn.calls == 3 and len(sleeps) == 2


def test_bounded_total_time():
    clock = [0.0]

    def sleep(s):
        clock[0] += s

    p = RetryPolicy(sleep=sleep, max_total_s=0.0, rng=random.Random(0))
    fn = Flaky([build_error("salesforce", 503, "", "busy")] * 5)
    with pytest.raises(RetryableError):
        p.call(fn, safe=True)
    assert fn.calls == 1


def test_rejections_are_not_retried():
    p, sleeps = policy()
    fn = Flaky([build_error("salesforce", 400, "REQUIRED_FIELD_MISSING", "x")])
    with pytest.raises(RecordRejectedError):
        p.call(fn, safe=True)
    assert fn.calls == 1 and sleeps == []


def test_unsafe_write_retried_only_when_not_applied():
    p, _ = policy()
    timeout = Flaky([build_error("hubspot", 0, "ReadTimeoutError", "")])
    with pytest.raises(RetryableError):
        p.call(timeout, safe=False)
    assert timeout.calls == 1  # the server may have created the record: never repeat blindly
    limited = Flaky([build_error("hubspot", 429, "TEN_SECONDLY_ROLLING", "", wait_s=0.0)])
    assert p.call(limited, safe=False) == "ok"
    refused = Flaky([build_error("hubspot", 0, "NewConnectionError", "", may_have_applied=False)])
    assert p.call(refused, safe=False) == "ok"
    five_oh_three = Flaky([build_error("hubspot", 503, "", "")])
    with pytest.raises(RetryableError):
        p.call(five_oh_three, safe=False)


def test_backoff_grows_and_is_capped():
    p = RetryPolicy(rng=random.Random(3), initial_s=1.0, max_backoff_s=4.0)
    ceilings = [max(p.backoff(a) for _ in range(200)) for a in (1, 2, 3, 6)]
    assert ceilings[0] <= 1.0 < ceilings[1] <= 2.0 < ceilings[2] <= 4.0
    assert ceilings[3] <= 4.0
