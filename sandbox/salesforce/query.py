"""SOQL execution over the store: field checks, rendering, 2,000-record pages and locators."""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.relations import USER_ROW, Path, join, nest, resolve
from sandbox.salesforce.schema import BASE_PATH, DEFAULT_OWNER_ID, ObjectSpec
from sandbox.salesforce.soql import SoqlError, parse
from sandbox.salesforce.store import SalesforceStore
from sandbox.salesforce.values import render
from sandbox.storage import Row

PAGE_SIZE = 2000
MAX_CURSORS = 200  # Salesforce keeps a bounded number of open query cursors per user too


@dataclass(frozen=True)
class Selection:
    """A query's result: the object, the selected canonical field names and the rows."""

    spec: ObjectSpec
    fields: tuple[str, ...]
    rows: list[Row]
    is_count: bool
    paths: tuple[Path, ...] = ()  # the selected parent-relationship fields
    counted: tuple[str, str] | None = None  # COUNT(field): (result key, row key counted)


@dataclass
class _Cursor:
    selection: Selection
    position: int


def _invalid_field(name: str, spec: ObjectSpec) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD",
        f"No such column '{name}' on entity '{spec.name}'. If you are attempting to use a custom "
        "field, be sure to append the '__c' after the custom field name. Please reference your "
        "WSDL or the describe call for the appropriate names.",
    )


def _position(soql: str, name: str) -> int:
    """Where ``name`` (as written) first appears in ``soql`` as a whole field name."""
    match = re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", soql)
    return match.start() if match else 0


def select(store: SalesforceStore, soql: str, *, include_deleted: bool) -> Selection:
    """Parse and run ``soql``; SalesforceError carries MALFORMED_QUERY / INVALID_FIELD / ..."""
    try:
        query = parse(soql, now=store.now())
    except SoqlError as exc:
        raise SalesforceError(exc.error_code, str(exc)) from exc
    spec = store.object_spec(query.object_type)
    if spec is None:
        reason = (
            f"sObject type '{query.object_type}' is not supported. If you are attempting to use a "
            "custom object, be sure to append the '__c' after the entity name. Please reference "
            "your WSDL or the describe call for the appropriate names."
        )
        found = re.search(rf"\bFROM\s+({re.escape(query.object_type)})\b", soql, re.IGNORECASE)
        located = SoqlError(reason, query=soql, pos=found.start(1) if found else 0)
        raise SalesforceError("INVALID_TYPE", str(located))
    paths: dict[str, Path] = {}
    for name in sorted(query.referenced_fields(), key=lambda n: _position(soql, n)):
        try:
            if "." in name:
                paths[name.lower()] = resolve(spec, name)
            elif spec.field(name) is None:
                raise _invalid_field(name, spec)
        except SalesforceError as exc:
            # Salesforce echoes the query with a caret under the field, as for syntax errors.
            located = SoqlError(exc.message, query=soql, pos=_position(soql, name))
            raise SalesforceError(exc.code, str(located)) from exc
    fields: list[str] = []
    if not query.is_count:
        for name in query.fields:
            lower = name.lower()
            canonical = paths[lower].key if lower in paths else spec.by_lower[lower].name
            if canonical in fields:
                raise SalesforceError("MALFORMED_QUERY", f"duplicate field selected: {canonical}")
            fields.append(canonical)
    source: Iterable[Row] = store.rows(spec.name, include_deleted=include_deleted)
    joined = list({p.key: p for p in paths.values()}.values())
    if joined:
        source = join(source, joined, partial(_parents, store))
    try:
        rows = query.execute(source)
    except SoqlError as exc:
        raise SalesforceError(exc.error_code, str(exc)) from exc
    selected = tuple(p for p in joined if p.key in fields)
    counted = None
    if query.count_field is not None:
        lower = query.count_field.lower()
        key = paths[lower].key if lower in paths else spec.by_lower[lower].name
        counted = (query.count_alias or "expr0", key)
    return Selection(spec, tuple(fields), rows, query.is_count, selected, counted)


def _parents(store: SalesforceStore, target: str) -> dict[str, Row]:
    if target == "User":
        # The org's Users (sandbox/org_people.py); a store saved before they were seeded has
        # only the built-in integration user.
        users = {row["Id"]: row for row in store.rows("User", include_deleted=True)}
        return users or {DEFAULT_OWNER_ID: USER_ROW}
    return {row["Id"]: row for row in store.rows(target, include_deleted=True)}


def record_renderer(
    spec: ObjectSpec, fields: tuple[str, ...], paths: tuple[Path, ...] = ()
) -> Callable[[Row], dict[str, Any]]:
    """A fast row -> JSON record function for one selection (``attributes`` first)."""
    if paths:
        return _nested_renderer(spec, fields, paths)
    url = f"{BASE_PATH}/sobjects/{spec.name}/"
    temporal = {f.name for f in spec.fields if f.type in ("date", "datetime")}
    plan = [(f, f in temporal) for f in fields]
    name = spec.name

    def one(row: Row) -> dict[str, Any]:
        record: dict[str, Any] = {"attributes": {"type": name, "url": url + row["Id"]}}
        for f, needs_render in plan:
            value = row[f]
            record[f] = render(value) if needs_render and value is not None else value
        return record

    return one


def _nested_renderer(
    spec: ObjectSpec, fields: tuple[str, ...], paths: tuple[Path, ...]
) -> Callable[[Row], dict[str, Any]]:
    """The renderer of a selection with parent fields: each parent is a nested record."""
    plain = record_renderer(spec, ())
    by_key = {p.key: p for p in paths}
    temporal = {f.name for f in spec.fields if f.type in ("date", "datetime")}

    def one(row: Row) -> dict[str, Any]:
        record = plain(row)
        for f in fields:
            path = by_key.get(f)
            if path is not None:
                nest(record, row, path)
            else:
                value = row[f]
                record[f] = render(value) if f in temporal and value is not None else value
        return record

    return one


class QueryEngine:
    """``query`` / ``queryAll`` answers with server-side cursors for ``nextRecordsUrl``.

    Like Salesforce, a queryAll cursor is continued at ``query/<locator>`` too (the locator
    remembers what it selects); ``queryAll/<locator>`` is accepted as well.
    """

    def __init__(self, store: SalesforceStore) -> None:
        self._store = store
        self._cursors: OrderedDict[str, _Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._serial = itertools.count(1)

    def run(self, soql: str, *, include_deleted: bool) -> dict[str, Any]:
        selection = select(self._store, soql, include_deleted=include_deleted)
        if selection.counted is not None:
            # An aggregate query answers one AggregateResult row, whatever it counted.
            name, key = selection.counted
            count = sum(1 for row in selection.rows if row[key] is not None)
            record = {"attributes": {"type": "AggregateResult"}, name: count}
            return {"totalSize": 1, "done": True, "records": [record]}
        if selection.is_count:
            return {"totalSize": len(selection.rows), "done": True, "records": []}
        return self._page(_Cursor(selection, 0), None)

    def more(self, locator: str) -> dict[str, Any]:
        key, _, _ = locator.partition("-")
        with self._lock:
            cursor = self._cursors.get(key)
        if cursor is None or locator != f"{key}-{cursor.position}":
            raise SalesforceError("INVALID_QUERY_LOCATOR", "invalid query locator", status=400)
        return self._page(cursor, key)

    def _page(self, cursor: _Cursor, key: str | None) -> dict[str, Any]:
        selection = cursor.selection
        rows = selection.rows[cursor.position : cursor.position + PAGE_SIZE]
        render_one = record_renderer(selection.spec, selection.fields, selection.paths)
        body: dict[str, Any] = {"totalSize": len(selection.rows), "done": True}
        cursor.position += len(rows)
        with self._lock:
            if cursor.position < len(selection.rows):
                if key is None:
                    key = f"01g8d{next(self._serial):010d}"
                self._cursors[key] = cursor
                self._cursors.move_to_end(key)
                while len(self._cursors) > MAX_CURSORS:
                    self._cursors.popitem(last=False)
                body["done"] = False
                body["nextRecordsUrl"] = f"{BASE_PATH}/query/{key}-{cursor.position}"
            elif key is not None:
                self._cursors.pop(key, None)
        body["records"] = [render_one(row) for row in rows]
        return body
