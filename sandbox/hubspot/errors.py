"""HubSpot's error answers: one exception carrying the status, category and JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

PORTAL_ID = 20000001
"""The emulated portal's id (HubSpot names it in some error texts)."""


@dataclass
class PropertyProblem:
    """Why one property value was refused (an entry of "Property values were not valid")."""

    name: str
    error: str  # PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_OPTION, INVALID_EMAIL, ...
    message: str
    value: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "isValid": False,
            "message": self.message,
            "error": self.error,
            "name": self.name,
            "localizedErrorMessage": self.message,
            "propertyValue": self.value,
            "portalId": PORTAL_ID,
        }


@dataclass(eq=False)
class HubSpotError(Exception):
    """An error HubSpot answers with ``{"status": "error", "message", "category", ...}``."""

    status: int
    category: str
    message: str
    context: dict[str, list[str]] = field(default_factory=dict)
    sub_category: str | None = None
    details: list[dict[str, object]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status} {self.category}: {self.message}"

    def body(self, correlation_id: str) -> dict[str, object]:
        """The single-object error body (``Error`` in the client's models), in HubSpot's key order.

        HubSpot answers ``status, message, correlationId``, then ``errors``, ``context`` and
        ``category`` when present (a plain "resource not found" 404 carries no category).
        """
        out: dict[str, object] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
        }
        if self.details:
            out["errors"] = self.details
        if self.context:
            out["context"] = self.context
        if self.category:
            out["category"] = self.category
        if self.sub_category:
            out["subCategory"] = self.sub_category
        return out

    def batch_entry(self) -> dict[str, object]:
        """One entry of a 207 answer's ``errors`` (``StandardError``) as HubSpot sends it."""
        out: dict[str, object] = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": self.context,
        }
        if self.details:
            out["errors"] = self.details
        if self.sub_category:
            out["subCategory"] = self.sub_category
        return out


def invalid_properties(problems: list[PropertyProblem]) -> HubSpotError:
    """The 400 HubSpot answers when property values are refused (the list embedded as JSON)."""
    detail = json.dumps([p.to_json() for p in problems], separators=(",", ":"))
    # HubSpot repeats each problem as an ``errors`` entry (ErrorDetail) naming the property.
    details: list[dict[str, object]] = [
        {"message": p.message, "code": p.error, "context": {"propertyName": [p.name]}}
        for p in problems
    ]
    return HubSpotError(
        400,
        "VALIDATION_ERROR",
        f"Property values were not valid: {detail}",
        context={"propertyName": list(dict.fromkeys(p.name for p in problems))},
        details=details,
    )


def not_found(contact_id: str, *, by_id: bool = True) -> HubSpotError:
    """HubSpot's 404 for a record that is not there.

    A numeric id (or a value of ``idProperty``) that matches nothing answers a bare
    "resource not found" without category; a non-numeric id answers a hint.
    """
    if by_id and not contact_id.isdigit():
        return HubSpotError(
            404,
            "OBJECT_NOT_FOUND",
            "Object not found.  objectId are usually numeric.",
            context={"id": [contact_id]},
        )
    return HubSpotError(404, "", "resource not found")


def conflict(existing_id: str) -> HubSpotError:
    return HubSpotError(
        409,
        "CONFLICT",
        f"Contact already exists. Existing ID: {existing_id}",
        context={"existingId": [existing_id]},
    )


def validation(message: str) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message)


def not_unique(id_property: str) -> HubSpotError:
    """HubSpot's answer to an ``idProperty`` that is not a unique-value property of contacts."""
    return validation(
        f"Unable to perform update/upsert by non-unique 0-1 property {id_property} "
        f"in portal ID {PORTAL_ID}"
    )


def duplicate_ids(ids: list[str]) -> HubSpotError:
    """The whole-batch 400 when two inputs name the same record."""
    return HubSpotError(
        400,
        "VALIDATION_ERROR",
        f"Duplicate IDs found in batch input: [{', '.join(ids)}]. IDs must be unique",
        context={"ids": ids},
    )
