"""HubSpot's error answers: one exception carrying the status, category and JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass
class PropertyProblem:
    """Why one property value was refused (an entry of "Property values were not valid")."""

    name: str
    error: str  # PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_OPTION, INVALID_EMAIL, ...
    message: str

    def to_json(self) -> dict[str, object]:
        return {
            "isValid": False,
            "message": self.message,
            "error": self.error,
            "name": self.name,
            "localizedErrorMessage": self.message,
        }


@dataclass(eq=False)
class HubSpotError(Exception):
    """An error HubSpot answers with ``{"status": "error", "message", "category", ...}``."""

    status: int
    category: str
    message: str
    context: dict[str, list[str]] = field(default_factory=dict)
    sub_category: str | None = None

    def __str__(self) -> str:
        return f"{self.status} {self.category}: {self.message}"

    def body(self, correlation_id: str) -> dict[str, object]:
        """The single-object error body (``Error`` in the client's models)."""
        out: dict[str, object] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.sub_category:
            out["subCategory"] = self.sub_category
        if self.context:
            out["context"] = self.context
        return out

    def batch_entry(self) -> dict[str, object]:
        """One entry of a 207 answer's ``errors`` (``StandardError``: every field present)."""
        out: dict[str, object] = {
            "status": "error",
            "category": self.category,
            "message": self.message,
            "context": self.context,
            "errors": [],
            "links": {},
        }
        if self.sub_category:
            out["subCategory"] = self.sub_category
        return out


def invalid_properties(problems: list[PropertyProblem]) -> HubSpotError:
    """The 400 HubSpot answers when property values are refused (the list embedded as JSON)."""
    detail = json.dumps([p.to_json() for p in problems], separators=(",", ":"))
    return HubSpotError(
        400,
        "VALIDATION_ERROR",
        f"Property values were not valid: {detail}",
        context={"propertyName": [p.name for p in problems]},
    )


def not_found(contact_id: str) -> HubSpotError:
    return HubSpotError(
        404, "OBJECT_NOT_FOUND", "resource not found", context={"ids": [contact_id]}
    )


def conflict(existing_id: str) -> HubSpotError:
    return HubSpotError(
        409,
        "CONFLICT",
        f"Contact already exists. Existing ID: {existing_id}",
        context={"existingId": [existing_id]},
    )


def validation(message: str) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message)
