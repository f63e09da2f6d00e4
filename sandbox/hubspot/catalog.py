"""The portal's contact property definitions: standard, leadsync's own, and API-created."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime

from sandbox.context import SandboxContext
from sandbox.hubspot.errors import HubSpotError, validation
from sandbox.hubspot.properties import (
    FIELD_TYPES,
    KNOWN_GROUPS,
    LEADSYNC_PROPERTIES,
    PROPERTY_TYPES,
    STANDARD_PROPERTIES,
    Option,
    PropertyDef,
)
from sandbox.storage import RecordStore, Row

PROPERTIES = "hs_properties"  # property definitions created through the API


class PropertyCatalog:
    """Every contact property; ones created through the API are persisted."""

    def __init__(
        self,
        records: RecordStore,
        ctx: SandboxContext,
        *,
        leadsync_properties: bool = True,
        extra: tuple[PropertyDef, ...] = (),
    ) -> None:
        self._records = records
        self._ctx = ctx
        self._props: dict[str, PropertyDef] = {p.name: p for p in STANDARD_PROPERTIES}
        if leadsync_properties:
            self._props.update({p.name: p for p in LEADSYNC_PROPERTIES})
        self._props.update({p.name: p for p in extra})  # wide-schema mode
        for row in records.rows(PROPERTIES):
            prop = _property_from_json(row, now=ctx.now())
            self._props[prop.name] = prop

    def get(self, name: str) -> PropertyDef | None:
        return self._props.get(name)

    def all(self) -> list[PropertyDef]:
        with self._ctx.lock:
            return list(self._props.values())

    def create(self, body: Mapping[str, object]) -> PropertyDef:
        """``POST /crm/v3/properties/contacts``: 409 if the name exists, 400 if malformed."""
        with self._ctx.lock:
            name = str(body.get("name") or "")
            if name in self._props:
                raise HubSpotError(
                    409, "OBJECT_ALREADY_EXISTS", f"Property named '{name}' already exists."
                )
            prop = _property_from_json(body, now=self._ctx.now())
            self._props[prop.name] = prop
            self._records.put(PROPERTIES, prop.name, _property_to_row(prop))
            return prop

    def update(self, name: str, body: Mapping[str, object]) -> PropertyDef:
        """``PATCH /crm/v3/properties/contacts/{name}``: label, description, options, group."""
        with self._ctx.lock:
            prop = self._props.get(name)
            if prop is None:
                raise property_not_found(name)
            if prop.hubspot_defined and any(k in body for k in ("type", "fieldType")):
                raise validation(f"Cannot change the type of HubSpot-defined property {name}")
            merged: dict[str, object] = {**prop.to_json(), **body, "name": name}
            if "options" not in body:
                merged["options"] = [o.to_json() for o in prop.options]
            updated = dataclasses.replace(
                _property_from_json(merged, now=prop.created_at),
                read_only=prop.read_only,
                hubspot_defined=prop.hubspot_defined,
                created_at=prop.created_at,
            )
            self._props[name] = updated
            if not prop.hubspot_defined:
                self._records.put(PROPERTIES, name, _property_to_row(updated))
            return updated

    def archive(self, name: str) -> None:
        """``DELETE /crm/v3/properties/contacts/{name}``: the portal's own properties only."""
        with self._ctx.lock:
            prop = self._props.get(name)
            if prop is None:
                raise property_not_found(name)
            if prop.hubspot_defined:
                raise validation(f"{name} is a HubSpot-defined property and cannot be archived")
            del self._props[name]
            self._records.delete(PROPERTIES, name)


def property_not_found(name: str) -> HubSpotError:
    return HubSpotError(
        404, "OBJECT_NOT_FOUND", f"Unable to find property named '{name}' for object type CONTACT"
    )


def _property_to_row(prop: PropertyDef) -> Row:
    return prop.to_json() | {"createdAt": prop.created_at}


def _property_from_json(body: Mapping[str, object], *, now: datetime) -> PropertyDef:
    """A PropertyDef from a PropertyCreate body (or a persisted row); 400 when malformed.

    ``now`` (the sandbox clock) stamps a property that carries no ``createdAt``.
    """
    name = str(body.get("name") or "")
    ptype = str(body.get("type") or "")
    field_type = str(body.get("fieldType") or "")
    group = str(body.get("groupName") or "")
    label = str(body.get("label") or "")
    missing = [k for k, v in (("name", name), ("label", label), ("type", ptype)) if not v]
    missing += [k for k, v in (("fieldType", field_type), ("groupName", group)) if not v]
    if missing:
        raise validation(f"Missing required fields: {', '.join(missing)}")
    if ptype not in PROPERTY_TYPES:
        raise validation(f"Invalid type {ptype}: must be one of {sorted(PROPERTY_TYPES)}")
    if field_type not in FIELD_TYPES:
        raise validation(f"Invalid fieldType {field_type}")
    if group not in KNOWN_GROUPS:
        raise validation(f"Property group {group} does not exist")
    raw_options = body.get("options") or []
    options: list[Option] = []
    if isinstance(raw_options, list):
        for i, raw in enumerate(raw_options):
            if not isinstance(raw, Mapping) or not raw.get("value") or not raw.get("label"):
                raise validation(f"Option {i} of {name} needs a label and a value")
            options.append(
                Option(str(raw["value"]), str(raw["label"]), int(raw.get("displayOrder") or i))
            )
    if ptype == "enumeration" and not options:
        raise validation(f"Enumeration property {name} needs options")
    if ptype == "bool" and not options:
        options = [Option("true", "Yes", 0), Option("false", "No", 1)]
    created = body.get("createdAt")
    return PropertyDef(
        name,
        label,
        ptype,
        field_type,
        group=group,
        options=tuple(options),
        hubspot_defined=False,
        description=str(body.get("description") or ""),
        created_at=_created_at(created, now),
    )


def _created_at(value: object, now: datetime) -> datetime:
    """A stored ``createdAt`` (datetime or ISO text), else ``now`` (the sandbox clock)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return now
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return now
