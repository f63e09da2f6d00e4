"""Salesforce API errors as raised by the store and rendered by the app (real error codes)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SalesforceError(Exception):
    """One API error: ``errorCode``, message, the fields concerned and the HTTP status."""

    code: str
    message: str
    fields: list[str] = field(default_factory=list)
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def rest_body(self) -> list[dict[str, object]]:
        """The body of a single-resource error answer: a JSON array of one error."""
        body: dict[str, object] = {"message": self.message, "errorCode": self.code}
        if self.fields:
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
    return SalesforceError(
        "NOT_FOUND", f"The requested resource does not exist: sObject type '{name}'", status=404
    )


def unknown_field(name: str, object_type: str) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD", f"No such column '{name}' on sobject of type {object_type}"
    )
