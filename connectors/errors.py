"""One error taxonomy for both adapters, built from a table of (system, status, code) -> kind."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from connectors.base import RecordError, System


class ErrorKind(Enum):
    """What the caller should do about a failure."""

    RETRY = "retry"  # transient: network, 5xx, lock contention
    RATE_LIMITED = "rate_limited"  # transient, and the server says how long to wait
    QUOTA = "quota"  # daily allowance spent: stop cleanly, resume later
    AUTH = "auth"  # credentials or configuration: stop with a clear message
    REJECTED = "rejected"  # this record (or request) is invalid: dead-letter it, go on
    UNKNOWN = "unknown"  # never retried blindly


class ConnectorError(Exception):
    """Root of every error an adapter raises; the message never holds a secret."""

    kind = ErrorKind.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        system: System | None = None,
        status: int = 0,
        code: str = "",
        fields: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.status = status
        self.code = code
        self.fields = fields

    def record_error(self) -> RecordError:
        """Return the failure as the per-record error the engine stores."""
        return RecordError(
            code=self.code or self.kind.name, message=self.message, fields=self.fields
        )


class RetryableError(ConnectorError):
    """A transient failure; ``may_have_applied`` says whether the server may have done the work."""

    kind = ErrorKind.RETRY

    may_have_applied = True

    def with_applied(self, may_have_applied: bool) -> RetryableError:
        """Set whether the server may have done the work before failing (for write safety)."""
        self.may_have_applied = may_have_applied
        return self


class RateLimitedError(RetryableError):
    """Refused by a rate limit before processing; ``wait_s`` is the server's hint, if any."""

    kind = ErrorKind.RATE_LIMITED
    may_have_applied = False
    wait_s: float | None = None


class QuotaExhaustedError(ConnectorError):
    """The daily allowance (or the share of it leadsync may use) is spent."""

    kind = ErrorKind.QUOTA


class AuthConfigError(ConnectorError):
    """Credentials, permissions or a configuration problem; retrying will not help."""

    kind = ErrorKind.AUTH


class RecordRejectedError(ConnectorError):
    """The system refused the data itself (validation, not found, duplicate)."""

    kind = ErrorKind.REJECTED


class UnknownConnectorError(ConnectorError):
    """An answer the table does not know; not retried, so writes never duplicate."""

    kind = ErrorKind.UNKNOWN


@dataclass(frozen=True)
class ErrorRule:
    """One row of the table; None matches anything. The first matching row wins."""

    kind: ErrorKind
    system: System | None = None
    status: int | None = None
    code: str | None = None
    explain: str = ""  # said in the message, for answers whose own text helps nobody


_TOO_LONG = (
    "the request was too long for {system} (URL or headers over its limit); "
    "map fewer fields or read fewer records per request"
)

# Order matters: specific codes before the status-wide rows. Status 0 means no HTTP answer.
ERROR_TABLE: tuple[ErrorRule, ...] = (
    ErrorRule(ErrorKind.QUOTA, "salesforce", code="REQUEST_LIMIT_EXCEEDED"),
    ErrorRule(ErrorKind.QUOTA, "hubspot", 429, "DAILY"),
    # A Bulk 2.0 job that ended Failed / Aborted (or simple-salesforce's SalesforceOperationError
    # for it): its records are dead-lettered with the reason, the run goes on.
    ErrorRule(ErrorKind.REJECTED, "salesforce", code="BULK_JOB_FAILED"),
    ErrorRule(ErrorKind.REJECTED, "salesforce", code="BULK_JOB_ABORTED"),
    ErrorRule(ErrorKind.RETRY, "salesforce", code="UNABLE_TO_LOCK_ROW"),
    ErrorRule(ErrorKind.RETRY, "salesforce", code="SERVER_UNAVAILABLE"),
    ErrorRule(ErrorKind.AUTH, "salesforce", code="INVALID_SESSION_ID"),
    ErrorRule(ErrorKind.AUTH, "salesforce", 400, "MALFORMED_QUERY"),
    ErrorRule(ErrorKind.AUTH, "salesforce", 400, "INVALID_TYPE"),
    ErrorRule(ErrorKind.AUTH, "salesforce", code="API_DISABLED_FOR_ORG"),
    ErrorRule(ErrorKind.AUTH, "salesforce", code="INSUFFICIENT_ACCESS"),
    ErrorRule(ErrorKind.AUTH, "hubspot", code="INVALID_AUTHENTICATION"),
    ErrorRule(ErrorKind.AUTH, code="SSL_CERTIFICATE"),  # wrong CA: retrying cannot help
    ErrorRule(ErrorKind.AUTH, "hubspot", code="MISSING_SCOPES"),
    # A request line or headers over the server's limit (~16 KB on both): the same request
    # fails again, so stop with what to change rather than retry or blame a record.
    ErrorRule(ErrorKind.AUTH, status=414, explain=_TOO_LONG),
    ErrorRule(ErrorKind.AUTH, status=431, explain=_TOO_LONG),
    ErrorRule(ErrorKind.RATE_LIMITED, status=429),
    # A body that could not be serialised (NaN) never left: the data is wrong, not the network.
    ErrorRule(ErrorKind.REJECTED, status=0, code="INVALID_JSON"),
    ErrorRule(ErrorKind.RETRY, status=0),
    ErrorRule(ErrorKind.RETRY, status=408),
    ErrorRule(ErrorKind.RETRY, status=500),
    ErrorRule(ErrorKind.RETRY, status=502),
    ErrorRule(ErrorKind.RETRY, status=503),
    ErrorRule(ErrorKind.RETRY, status=504),
    ErrorRule(ErrorKind.AUTH, status=401),
    ErrorRule(ErrorKind.AUTH, status=403),
    ErrorRule(ErrorKind.REJECTED, status=400),
    ErrorRule(ErrorKind.REJECTED, status=404),
    ErrorRule(ErrorKind.REJECTED, status=409),
    ErrorRule(ErrorKind.REJECTED, "salesforce", status=300),
)

_CLASSES: dict[ErrorKind, type[ConnectorError]] = {
    ErrorKind.RETRY: RetryableError,
    ErrorKind.RATE_LIMITED: RateLimitedError,
    ErrorKind.QUOTA: QuotaExhaustedError,
    ErrorKind.AUTH: AuthConfigError,
    ErrorKind.REJECTED: RecordRejectedError,
    ErrorKind.UNKNOWN: UnknownConnectorError,
}


def _rule(system: System, status: int, code: str) -> ErrorRule | None:
    """The first matching row of ERROR_TABLE."""
    for rule in ERROR_TABLE:
        if rule.system not in (None, system):
            continue
        if rule.status is not None and rule.status != status:
            continue
        if rule.code is not None and rule.code != code:
            continue
        return rule
    return None


def classify(system: System, status: int, code: str = "") -> ErrorKind:
    """The kind of a failure, from the first matching row of ERROR_TABLE."""
    rule = _rule(system, status, code)
    return rule.kind if rule else ErrorKind.UNKNOWN


def build_error(
    system: System,
    status: int,
    code: str,
    message: str,
    *,
    fields: tuple[str, ...] = (),
    wait_s: float | None = None,
    may_have_applied: bool = True,
) -> ConnectorError:
    """The taxonomy exception for an answer (status 0: no answer, e.g. a timeout)."""
    rule = _rule(system, status, code)
    kind = rule.kind if rule else ErrorKind.UNKNOWN
    if rule and rule.explain:
        message = rule.explain.format(system=system) + (f" ({message})" if message else "")
    text = f"{system} {status or 'no answer'} {code}: {message}".strip()
    error = _CLASSES[kind](text, system=system, status=status, code=code, fields=fields)
    if isinstance(error, RateLimitedError):
        error.wait_s = wait_s
    elif isinstance(error, RetryableError):
        error.with_applied(may_have_applied)
    return error


def record_error_is_retryable(system: System, code: str) -> bool:
    """Whether a per-record error code is transient (e.g. UNABLE_TO_LOCK_ROW)."""
    return classify(system, 200, code) is ErrorKind.RETRY
