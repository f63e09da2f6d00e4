import pytest

from connectors.errors import (
    AuthConfigError,
    ErrorKind,
    QuotaExhaustedError,
    RateLimitedError,
    RecordRejectedError,
    RetryableError,
    UnknownConnectorError,
    build_error,
    classify,
    record_error_is_retryable,
)


@pytest.mark.parametrize(
    ("system", "status", "code", "kind"),
    [
        ("salesforce", 403, "REQUEST_LIMIT_EXCEEDED", ErrorKind.QUOTA),
        ("salesforce", 403, "INSUFFICIENT_ACCESS", ErrorKind.AUTH),
        ("salesforce", 403, "", ErrorKind.AUTH),
        ("salesforce", 400, "UNABLE_TO_LOCK_ROW", ErrorKind.RETRY),
        ("salesforce", 401, "INVALID_SESSION_ID", ErrorKind.AUTH),
        ("salesforce", 400, "MALFORMED_QUERY", ErrorKind.AUTH),
        ("salesforce", 400, "REQUIRED_FIELD_MISSING", ErrorKind.REJECTED),
        ("salesforce", 404, "NOT_FOUND", ErrorKind.REJECTED),
        ("salesforce", 503, "", ErrorKind.RETRY),
        ("salesforce", 0, "ReadTimeout", ErrorKind.RETRY),
        ("hubspot", 429, "TEN_SECONDLY_ROLLING", ErrorKind.RATE_LIMITED),
        ("hubspot", 429, "SECONDLY", ErrorKind.RATE_LIMITED),
        ("hubspot", 429, "DAILY", ErrorKind.QUOTA),
        ("hubspot", 401, "INVALID_AUTHENTICATION", ErrorKind.AUTH),
        ("hubspot", 400, "VALIDATION_ERROR", ErrorKind.REJECTED),
        ("hubspot", 409, "CONFLICT", ErrorKind.REJECTED),
        ("hubspot", 502, "", ErrorKind.RETRY),
        ("hubspot", 418, "", ErrorKind.UNKNOWN),
        ("hubspot", 300, "", ErrorKind.UNKNOWN),
    ],
)
def test_table(system, status, code, kind):
    assert classify(system, status, code) is kind


def test_build_error_classes_and_attributes():
    limited = build_error("hubspot", 429, "TEN_SECONDLY_ROLLING", "slow down", wait_s=2.5)
    assert isinstance(limited, RateLimitedError) and limited.wait_s == 2.5
    assert limited.may_have_applied is False
    timeout = build_error("salesforce", 0, "ReadTimeout", "no answer")
    assert isinstance(timeout, RetryableError) and timeout.may_have_applied is True
    refused = build_error("salesforce", 0, "ConnectTimeout", "x", may_have_applied=False)
    assert isinstance(refused, RetryableError) and not refused.may_have_applied
    assert isinstance(
        build_error("salesforce", 403, "REQUEST_LIMIT_EXCEEDED", "x"), QuotaExhaustedError
    )
    assert isinstance(build_error("hubspot", 401, "", "x"), AuthConfigError)
    assert isinstance(build_error("hubspot", 418, "", "x"), UnknownConnectorError)
    rejected = build_error("salesforce", 400, "STRING_TOO_LONG", "too long", fields=("Title",))
    assert isinstance(rejected, RecordRejectedError)
    err = rejected.record_error()
    assert (err.code, err.fields) == ("STRING_TOO_LONG", ("Title",))
    assert "too long" in err.message


def test_per_record_codes():
    assert record_error_is_retryable("salesforce", "UNABLE_TO_LOCK_ROW")
    assert not record_error_is_retryable("salesforce", "REQUIRED_FIELD_MISSING")
    assert not record_error_is_retryable("salesforce", "CANNOT_UPDATE_CONVERTED_LEAD")


@pytest.mark.parametrize("system", ["hubspot", "salesforce"])
@pytest.mark.parametrize("status", [414, 431])
def test_request_too_long_stops_with_a_clear_message(system: str, status: int) -> None:
    error = build_error(system, status, "", "URI Too Long")  # type: ignore[arg-type]
    assert isinstance(error, AuthConfigError)  # the same request fails again: never retried
    assert error.kind is ErrorKind.AUTH
    assert f"too long for {system}" in str(error)
    assert "unknown" not in str(error).lower()
