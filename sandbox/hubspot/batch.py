"""The batch endpoints' work (read, create, update, upsert, archive) and request-body helpers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sandbox.hubspot.errors import HubSpotError, validation
from sandbox.hubspot.properties import DEFAULT_PROPERTIES
from sandbox.hubspot.store import HubSpotStore
from sandbox.hubspot.values import PropertyInput, iso_ms

MAX_BATCH = 100

Answer = tuple[int, object]
"""A status code and JSON body (None: no body)."""


def wanted(names: object, written: Mapping[str, object] | None = None) -> list[str] | None:
    if isinstance(names, list) and names:
        return [str(n) for n in names]
    if written:
        return list(dict.fromkeys([*DEFAULT_PROPERTIES, *written]))
    return None


def properties_of(value: object) -> dict[str, PropertyInput]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise validation("properties must be an object")
    out: dict[str, PropertyInput] = {}
    for name, raw in value.items():
        if isinstance(raw, dict | list):
            raise validation(f"Invalid value for property {name}")
        out[str(name)] = raw
    return out


def _inputs(body: Mapping[str, object]) -> list[dict[str, object]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise validation("inputs must be a list of objects")
    if len(inputs) > MAX_BATCH:
        raise validation(
            f"Too many inputs: {len(inputs)}. A batch can contain at most {MAX_BATCH} inputs."
        )
    return inputs


def _batch(
    results: Sequence[Mapping[str, object]], errors: Sequence[HubSpotError], started: datetime
) -> dict[str, object]:
    out: dict[str, object] = {
        "status": "COMPLETE",
        "results": list(results),
        "requestedAt": iso_ms(started),
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(started),
    }
    if errors:
        out["numErrors"] = len(errors)
        out["errors"] = [e.batch_entry() for e in errors]
    return out


def _tag(err: HubSpotError, key: str | None) -> HubSpotError:
    # Say which input failed: HubSpot answers batch results in no particular order.
    if key:
        err.context = {**err.context, "ids": [key]}
    return err


def read(
    store: HubSpotStore, body: Mapping[str, object], *, archived: bool, now: datetime
) -> Answer:
    """``batch/read``: 200, or 207 naming the ids not found."""
    id_property = body.get("idProperty")
    results: list[Mapping[str, object]] = []
    missing: list[str] = []
    for item in _inputs(body):
        key = str(item.get("id") or "")
        contact = store.contact(
            key, id_property=str(id_property) if id_property else None, archived=archived
        )
        if contact is None:
            missing.append(key)
        else:
            results.append(contact.to_api(wanted(body.get("properties"))))
    errors = []
    if missing:
        errors.append(
            HubSpotError(
                404,
                "OBJECT_NOT_FOUND",
                "Could not get some CONTACT objects, they may be deleted or not exist. "
                "Check that ids are valid.",
                context={"ids": missing},
            )
        )
    return (207 if errors else 200), _batch(results, errors, now)


def create(store: HubSpotStore, body: Mapping[str, object], *, now: datetime) -> Answer:
    """``batch/create``: 201, or 207 with one error per refused input (keyed by its email)."""
    results: list[Mapping[str, object]] = []
    errors: list[HubSpotError] = []
    with store.bulk():
        for item in _inputs(body):
            properties: dict[str, PropertyInput] = {}
            try:
                properties = properties_of(item.get("properties"))
                contact = store.create_contact(properties)
                results.append(contact.to_api(wanted(None, properties)))
            except HubSpotError as err:
                email = properties.get("email")
                errors.append(_tag(err, str(email) if email else None))
    return (207 if errors else 201), _batch(results, errors, now)


def update(store: HubSpotStore, body: Mapping[str, object], *, now: datetime) -> Answer:
    """``batch/update``: 200, or 207 with one error per refused input (keyed by its id)."""
    results: list[Mapping[str, object]] = []
    errors: list[HubSpotError] = []
    with store.bulk():
        for key, item in _keyed(body):
            id_property = item.get("idProperty")
            try:
                properties = properties_of(item.get("properties"))
                contact = store.update_contact(
                    key, properties, id_property=str(id_property) if id_property else None
                )
                results.append(contact.to_api(wanted(None, properties)))
            except HubSpotError as err:
                errors.append(_tag(err, key))
    return (207 if errors else 200), _batch(results, errors, now)


def upsert(store: HubSpotStore, body: Mapping[str, object], *, now: datetime) -> Answer:
    """``batch/upsert`` (``idProperty: email``): 200 with ``new`` flags, or 207."""
    results: list[Mapping[str, object]] = []
    errors: list[HubSpotError] = []
    with store.bulk():
        for key, item in _keyed(body):
            id_property = item.get("idProperty")
            try:
                properties = properties_of(item.get("properties"))
                contact, created = store.upsert_contact(
                    key, properties, id_property=str(id_property) if id_property else None
                )
                results.append(contact.to_api(wanted(None, properties)) | {"new": created})
            except HubSpotError as err:
                errors.append(_tag(err, key))
    return (207 if errors else 200), _batch(results, errors, now)


def archive(store: HubSpotStore, body: Mapping[str, object]) -> Answer:
    """``batch/archive``: 204 whatever the ids (unknown ones are ignored, like HubSpot)."""
    inputs = _inputs(body)
    with store.bulk():
        for item in inputs:
            store.archive(str(item.get("id") or ""))
    return 204, None


def _keyed(body: Mapping[str, object]) -> list[tuple[str, dict[str, object]]]:
    inputs = _inputs(body)
    keys = [str(i.get("id") or "") for i in inputs]
    if len(set(keys)) != len(keys):
        raise validation("Duplicate IDs found in batch input")
    return list(zip(keys, inputs, strict=True))
