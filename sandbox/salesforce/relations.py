"""Parent relationships in SOQL (``Owner.Name``, ``ConvertedContact.Email``): resolve and join."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.schema import BASE_PATH, DEFAULT_OWNER_ID, OBJECTS, FieldSpec, ObjectSpec
from sandbox.salesforce.values import render
from sandbox.storage import Row

# The org has one user (the integration user owns and touches every record); it is what
# Owner / CreatedBy / LastModifiedBy paths read.
USER_ROW: dict[str, object] = {
    "Id": DEFAULT_OWNER_ID,
    "Name": "Integration User",
    "FirstName": "Integration",
    "LastName": "User",
    "Alias": "integ",
    "Email": "integration@leadsync.example",
    "Username": "integration@leadsync.example",
    "IsActive": True,
}
_USER_FIELDS = {name.lower(): name for name in USER_ROW}


def reference_to(spec: FieldSpec) -> str | None:
    """The object a reference field points at (``ConvertedContactId`` -> ``Contact``)."""
    if spec.type != "reference":
        return None
    for object_name in ("Account", "Contact", "Opportunity", "Campaign", "Lead"):
        if object_name in spec.name:
            return object_name
    return "User"


# Polymorphic lookups: a record is owned by a User or a queue (Group); an activity's WhoId
# names a Lead or a Contact (Object Reference: Lead.OwnerId, Task.WhoId).
_POLYMORPHIC: dict[str, tuple[str, ...]] = {
    "OwnerId": ("User", "Group"),
    "WhoId": ("Lead", "Contact"),
}


def reference_targets(spec: FieldSpec) -> tuple[str, ...]:
    """Every object a reference field may point at (``OwnerId`` -> User or Group)."""
    if spec.type != "reference":
        return ()
    return _POLYMORPHIC.get(spec.name) or (reference_to(spec) or "User",)


def relationship_name(spec: FieldSpec) -> str | None:
    """The relationship a reference field opens in SOQL (``OwnerId`` -> ``Owner``)."""
    if spec.type != "reference" or not spec.name.endswith("Id"):
        return None
    return spec.name[:-2]


@dataclass(frozen=True)
class Path:
    """One resolved ``Relationship.Field`` of a query, with canonical spellings."""

    relationship: str  # "ConvertedContact"
    ref_field: str  # "ConvertedContactId"
    target: str  # "Contact"
    field: str  # "Email"
    temporal: bool  # whether the value renders as a date/datetime string

    @property
    def key(self) -> str:
        return f"{self.relationship}.{self.field}"


def resolve(spec: ObjectSpec, dotted: str) -> Path:
    """The path ``dotted`` names on ``spec``, or the INVALID_FIELD Salesforce answers."""
    head, _, name = dotted.partition(".")
    ref = next(
        (f for f in spec.fields if (relationship_name(f) or "").lower() == head.lower()), None
    )
    target = reference_to(ref) if ref is not None else None
    if ref is None or target is None or "." in name:
        raise SalesforceError(
            "INVALID_FIELD",
            f"Didn't understand relationship '{head}' in field path. If you are attempting to "
            "use a custom relationship, be sure to append the '__r' after the custom "
            "relationship name. Please reference your WSDL or the describe call for the "
            "appropriate names.",
        )
    relationship = relationship_name(ref) or head
    if target == "User":
        canonical = _USER_FIELDS.get(name.lower())
        temporal = False
    else:
        fspec = OBJECTS[target].field(name)
        canonical = fspec.name if fspec else None
        temporal = fspec is not None and fspec.type in ("date", "datetime")
    if canonical is None:
        raise SalesforceError(
            "INVALID_FIELD",
            f"No such column '{name}' on entity '{target}'. If you are attempting to use a "
            "custom field, be sure to append the '__c' after the custom field name. Please "
            "reference your WSDL or the describe call for the appropriate names.",
        )
    return Path(relationship, ref.name, target, canonical, temporal)


def join(
    rows: Iterable[Row], paths: list[Path], parents: Callable[[str], dict[str, Row]]
) -> list[Row]:
    """Copies of ``rows`` with each path's value under its dotted key (null when unset)."""
    by_target = {p.target: parents(p.target) for p in paths}
    joined: list[Row] = []
    for row in rows:
        out = dict(row)
        for p in paths:
            parent_id = row[p.ref_field]
            parent = by_target[p.target].get(parent_id) if parent_id else None
            out[p.key] = parent.get(p.field) if parent is not None else None
        joined.append(out)
    return joined


def nest(record: dict[str, Any], row: Row, path: Path) -> None:
    """Render one path into ``record`` the way the REST API nests a parent record."""
    if path.relationship not in record:
        parent_id = row[path.ref_field]
        url = f"{BASE_PATH}/sobjects/{path.target}/{parent_id}"
        record[path.relationship] = (
            {"attributes": {"type": path.target, "url": url}} if parent_id else None
        )
    parent = record[path.relationship]
    if parent is not None:
        value = row[path.key]
        parent[path.field] = render(value) if path.temporal and value is not None else value
