"""The batch endpoints' work (read, create, update, upsert, archive) and request-body helpers.

HubSpot's batch writes are all-or-nothing: one invalid value, duplicate id or taken email refuses
the whole batch (400/409) and writes nothing. Only ``batch/create`` with ``objectWriteTraceId``
on its inputs answers 207 with the inputs that failed; ``batch/update`` answers 207 for ids it
cannot find (the others are written), as ``batch/read`` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sandbox.hubspot.contact import Contact
from sandbox.hubspot.errors import (
    HubSpotError,
    PropertyProblem,
    conflict,
    duplicate_ids,
    invalid_properties,
    not_unique,
    validation,
)
from sandbox.hubspot.store import HubSpotStore
from sandbox.hubspot.values import PropertyInput, iso_ms

MAX_BATCH = 100
NOT_FOUND_MESSAGE = (
    "Could not get some CONTACT objects, they may be deleted or not exist. "
    "Check that ids are valid."
)

Answer = tuple[int, object]
"""A status code and JSON body (None: no body)."""


def names_of(value: object) -> list[str] | None:
    """A ``properties`` / ``propertiesWithHistory`` list from a body; None if absent or empty."""
    if isinstance(value, list) and value:
        return [str(n) for n in value]
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


@dataclass
class Item:
    """One batch input: its key (id or email), properties and trace id."""

    key: str
    properties: dict[str, PropertyInput]
    id_property: str | None
    trace: str | None

    def tagged(self, body: dict[str, object]) -> dict[str, object]:
        return body | {"objectWriteTraceId": self.trace} if self.trace else body


def _items(body: Mapping[str, object]) -> list[Item]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        raise validation("inputs must be a list of objects")
    if len(inputs) > MAX_BATCH:
        raise validation(
            f"Too many inputs: {len(inputs)}. A batch can contain at most {MAX_BATCH} inputs."
        )
    default_id_property = body.get("idProperty")
    items = []
    for raw in inputs:
        id_property = raw.get("idProperty") or default_id_property
        trace = raw.get("objectWriteTraceId")
        items.append(
            Item(
                key=str(raw.get("id") or ""),
                properties=properties_of(raw.get("properties")),
                id_property=str(id_property) if id_property else None,
                trace=str(trace) if trace not in (None, "") else None,
            )
        )
    return items


def _batch(
    results: Sequence[Mapping[str, object]], errors: Sequence[HubSpotError], started: datetime
) -> dict[str, object]:
    # HubSpot's batch answers carry startedAt/completedAt (no requestedAt).
    out: dict[str, object] = {
        "status": "COMPLETE",
        "results": list(results),
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(started),
    }
    if errors:
        out["numErrors"] = len(errors)
        out["errors"] = [e.batch_entry() for e in errors]
    return out


def _traced(err: HubSpotError, item: Item) -> HubSpotError:
    if item.trace:
        err.context = {**err.context, "objectWriteTraceId": [item.trace]}
    return err


def _missing(items: Sequence[Item]) -> list[HubSpotError]:
    """OBJECT_NOT_FOUND entries: one per traced input, one for all untraced ones."""
    errors = [
        _traced(HubSpotError(404, "OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE, {"ids": [i.key]}), i)
        for i in items
        if i.trace
    ]
    untraced = [i.key for i in items if not i.trace]
    if untraced:
        errors.append(HubSpotError(404, "OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE, {"ids": untraced}))
    return errors


def _check_all(
    store: HubSpotStore, items: Sequence[tuple[Item, Contact | None]]
) -> list[dict[str, str | None]]:
    """Refuse the whole batch (400 listing every bad value, then 409) before anything is written."""
    problems: list[PropertyProblem] = []
    checked: list[dict[str, str | None]] = []
    for item, contact in items:
        properties = item.properties
        if contact is None and item.id_property == "email":
            properties = {**properties, "email": item.key}  # an upsert creating by email
        values, found = store.examine(properties)
        problems += found
        checked.append(values)
    if problems:
        raise invalid_properties(problems)
    claimed: dict[str, str | None] = {}
    for (_, contact), values in zip(items, checked, strict=True):
        email = values.get("email")
        if not email:
            continue
        owner = store.email_owner(email)
        mine = contact.id if contact else None
        if owner is not None and owner != mine:
            raise conflict(owner)
        if email in claimed and claimed[email] != mine:
            raise validation(f"Duplicate email addresses found in batch input: [{email}]")
        claimed[email] = mine
    return checked


def _unique_keys(items: Sequence[Item]) -> None:
    # Writes by idProperty take a unique-value property; for contacts that is email alone
    # (HubSpot refuses even hs_object_id here: the record id goes in ``id`` without idProperty).
    for item in items:
        if item.id_property and item.id_property != "email":
            raise not_unique(item.id_property)
    seen: set[str] = set()
    dups = [i.key for i in items if i.key in seen or seen.add(i.key)]  # type: ignore[func-returns-value]
    if dups:
        raise duplicate_ids(list(dict.fromkeys(dups)))


def read(
    store: HubSpotStore, body: Mapping[str, object], *, archived: bool, now: datetime
) -> Answer:
    """``batch/read``: 200, or 207 naming the ids not found."""
    id_property = body.get("idProperty")
    names = store.requested(names_of(body.get("properties")))
    history = store.requested(names_of(body.get("propertiesWithHistory"))) or []
    results: list[Mapping[str, object]] = []
    missing: list[str] = []
    for item in _items(body):
        contact = store.contact(
            item.key, id_property=str(id_property) if id_property else None, archived=archived
        )
        if contact is None:
            missing.append(item.key)
        else:
            results.append(contact.to_api(names, history=history))
    errors = []
    if missing:
        errors.append(HubSpotError(404, "OBJECT_NOT_FOUND", NOT_FOUND_MESSAGE, {"ids": missing}))
    return (207 if errors else 200), _batch(results, errors, now)


def create(store: HubSpotStore, body: Mapping[str, object], *, now: datetime) -> Answer:
    """``batch/create``: 201; 207 per failed input only when inputs carry ``objectWriteTraceId``."""
    items = _items(body)
    results: list[Mapping[str, object]] = []
    errors: list[HubSpotError] = []
    with store.bulk():
        if not any(i.trace for i in items):
            _check_all(store, [(i, None) for i in items])
        for item in items:
            try:
                contact = store.create_contact(item.properties)
            except HubSpotError as err:
                if not item.trace:
                    raise
                errors.append(_traced(err, item))
                continue
            results.append(item.tagged(contact.to_write_api(item.properties)))
    return (207 if errors else 201), _batch(results, errors, now)


def update(store: HubSpotStore, body: Mapping[str, object], *, now: datetime) -> Answer:
    """``batch/update``: 200, or 207 naming ids not found; bad values refuse the whole batch."""
    items = _items(body)
    _unique_keys(items)
    with store.bulk():
        found = [(i, store.contact(i.key, id_property=i.id_property)) for i in items]
        present = [(i, c) for i, c in found if c is not None]
        _check_all(store, present)
        results = [
            item.tagged(
                store.update_contact(contact.id, item.properties).to_write_api(item.properties)
            )
            for item, contact in present
        ]
    errors = _missing([i for i, c in found if c is None])
    return (207 if errors else 200), _batch(results, errors, now)


def upsert(store: HubSpotStore, body: Mapping[str, object], *, now: datetime) -> Answer:
    """``batch/upsert`` (``idProperty: email``): 200 with ``new`` flags; all-or-nothing."""
    items = _items(body)
    _unique_keys(items)
    results: list[Mapping[str, object]] = []
    with store.bulk():
        found = [(i, store.contact(i.key, id_property=i.id_property)) for i in items]
        missing = [i for i, c in found if c is None and i.id_property != "email"]
        skip = {id(i) for i in missing}
        _check_all(store, [(i, c) for i, c in found if id(i) not in skip])
        for item, _ in found:
            if id(item) in skip:
                continue
            contact, created = store.upsert_contact(
                item.key, item.properties, id_property=item.id_property
            )
            written = [*item.properties, "email"] if created else item.properties
            results.append(item.tagged(contact.to_write_api(written) | {"new": created}))
    errors = _missing(missing)
    return (207 if errors else 200), _batch(results, errors, now)


def archive(store: HubSpotStore, body: Mapping[str, object]) -> Answer:
    """``batch/archive``: 204 whatever the ids (unknown ones are ignored, like HubSpot)."""
    items = _items(body)
    with store.bulk():
        for item in items:
            store.archive(item.key)
    return 204, None
