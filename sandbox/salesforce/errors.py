"""Salesforce API errors as raised by the store and rendered by the app (real error codes)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Errors of a record save (DML): Salesforce always sends their "fields" list, even empty, while
# request-level errors (NOT_FOUND, MALFORMED_QUERY, ...) carry no "fields" key at all.
SAVE_ERROR_CODES = frozenset(
    {
        "CANNOT_UPDATE_CONVERTED_LEAD",
        "DUPLICATE_EXTERNAL_ID",
        "DUPLICATE_VALUE",
        "ENTITY_IS_DELETED",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "INVALID_CROSS_REFERENCE_KEY",
        "INVALID_EMAIL_ADDRESS",
        "INVALID_FIELD_FOR_INSERT_UPDATE",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "MALFORMED_ID",
        "REQUIRED_FIELD_MISSING",
        "STRING_TOO_LONG",
        "UNABLE_TO_LOCK_ROW",
    }
)


@dataclass
class SalesforceError(Exception):
    """One API error: ``errorCode``, message, the fields concerned and the HTTP status."""

    code: str
    message: str
    fields: list[str] = field(default_factory=list)
    status: int = 400
    choices: list[str] = field(default_factory=list)  # a 300 answer's record URLs

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def rest_body(self) -> list[object]:
        """The body of a single-resource error answer: a JSON array of one error.

        A 300 (several records match an external id) lists the matching records' URLs instead.
        """
        if self.choices:
            return list(self.choices)
        body: dict[str, object] = {"message": self.message, "errorCode": self.code}
        if self.fields or self.code in SAVE_ERROR_CODES:
            body["fields"] = list(self.fields)
        return [body]

    def save_error(self) -> dict[str, object]:
        """The error as it appears in a composite per-record result."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields)}

    def bulk_error(self) -> str:
        """The ``sf__Error`` cell of a Bulk 2.0 failed-results row."""
        return f"{self.code}:{self.message}:{','.join(self.fields)} --"


def not_found() -> SalesforceError:
    return SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)


def invalid_type(name: str) -> SalesforceError:
    """An unknown object in a URL: Salesforce answers the generic 404 without naming it."""
    del name
    return not_found()


def malformed_id(object_type: str, record_id: str) -> SalesforceError:
    """A record id that is not an id of ``object_type`` (wrong length, characters or prefix)."""
    return SalesforceError(
        "MALFORMED_ID", f"{object_type} ID: id value of incorrect type: {record_id}", ["Id"]
    )


def bad_id_in_url(segment: str) -> SalesforceError:
    """``sobjects/Lead/<segment>`` where segment is no id: read as an unknown external id field."""
    return SalesforceError(
        "NOT_FOUND",
        f"Provided external ID field does not exist or is not accessible: {segment}",
        status=404,
    )


def unknown_field(name: str, object_type: str) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD", f"No such column '{name}' on sobject of type {object_type}"
    )
