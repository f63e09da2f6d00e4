"""CRM search: the request, the lagging index of what search sees, cached result lists."""

from __future__ import annotations

import bisect
import heapq
import json
import math
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sandbox.hubspot.errors import HubSpotError, validation
from sandbox.hubspot.filters import Doc, FilterGroup, Query, Schema, compile_query
from sandbox.hubspot.properties import PropertyDef

MAX_LIMIT = 200
MAX_RESULTS = 10_000
# One sort per search: the SearchRequest schema derived from HubSpot's public OpenAPI spec gives
# ``sorts`` maxItems 1 (api-evangelist/hubspot json-schema/hubspot-crm-search-request-schema.json).
MAX_SORTS = 1
# HubSpot's search guide limits a request body to about 3,000 characters. The exact figure
# could not be re-verified against the current guide here, so this is the figure DESIGN.md
# records ("Harder facts"); the sandbox counts the body's bytes as sent.
MAX_SEARCH_BODY = 3_000


class Sort(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    property_name: str = Field(alias="propertyName")
    direction: Literal["ASCENDING", "DESCENDING"] = "ASCENDING"


class SearchRequest(BaseModel):
    """The body of ``POST /crm/v3/objects/contacts/search``."""

    model_config = ConfigDict(populate_by_name=True)

    filter_groups: list[FilterGroup] = Field(default_factory=list, alias="filterGroups")
    sorts: list[Sort | str] = Field(default_factory=list)
    properties: list[str] | None = None
    limit: int = 10
    after: str | int | None = None
    query: str | None = None

    @classmethod
    def parse(cls, body: object) -> SearchRequest:
        try:
            return cls.model_validate(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise validation(f"Invalid input JSON: {where}: {first['msg']}") from exc

    def offset(self) -> int:
        if self.after in (None, ""):
            return 0
        try:
            offset = int(str(self.after))
        except ValueError as exc:
            raise validation(f"Invalid value for after: {self.after}") from exc
        if offset < 0:
            raise validation(f"Invalid value for after: {self.after}")
        return offset

    def sort_specs(self) -> list[Sort]:
        # The client's model types sorts as strings: "prop" or "-prop" (descending).
        out = []
        for sort in self.sorts:
            if isinstance(sort, str):
                desc = sort.startswith("-")
                out.append(
                    Sort(
                        property_name=sort.lstrip("-"),
                        direction="DESCENDING" if desc else "ASCENDING",
                    )
                )
            else:
                out.append(sort)
        return out

    def cache_key(self) -> str:
        groups = [g.model_dump(by_alias=True, exclude_none=True) for g in self.filter_groups]
        sorts = [s.model_dump(by_alias=True) for s in self.sort_specs()]
        return json.dumps([groups, sorts, self.query], sort_keys=True, default=str)


class SearchIndex:
    """What search sees: each contact's last version older than the index delay.

    Writes are marked pending; a pending contact keeps its previously indexed version (or stays
    out of search when new) until ``delay`` seconds (plus that write's own lag) after its last
    write. Result lists are cached
    per (filters, sorts) and invalidated when the indexed set changes, so paging a big result
    costs a slice, not a scan.
    """

    def __init__(self, schema: Schema, load: Callable[[str], Mapping[str, str] | None]) -> None:
        self._schema = schema
        self._load = load
        self._docs: dict[str, Doc] = {}
        self._pending: dict[str, int] = {}  # contact id -> sequence of its last write
        self._heap: list[tuple[float, int, str]] = []  # (written at, sequence, id)
        self._seq = 0
        self.generation = 0
        self._cache: OrderedDict[str, tuple[int, list[str]]] = OrderedDict()
        # Per sortable property: (change-log position applied, ascending (value, id), docs).
        self._ranges: dict[str, tuple[int, list[tuple[float, int]], list[Doc]]] = {}
        self._changes: list[tuple[Doc | None, Doc | None]] = []  # (replaced, indexed) per write

    def mark(self, cid: str, written_at: float, lag_s: float = 0.0) -> None:
        """Record a write at ``written_at`` (epoch seconds, sandbox clock).

        ``lag_s`` holds this write back longer than the common delay (the index's tail).
        """
        self._seq += 1
        self._pending[cid] = self._seq
        heapq.heappush(self._heap, (written_at + lag_s, self._seq, cid))

    def refresh(self, now: float, delay: float) -> None:
        """Index every pending write older than ``delay`` (call before writes and searches)."""
        while self._heap and self._heap[0][0] + delay <= now:
            _, seq, cid = heapq.heappop(self._heap)
            if self._pending.get(cid) != seq:
                continue  # a later write supersedes this one
            del self._pending[cid]
            props = self._load(cid)
            before = self._docs.pop(cid, None)
            after = None if props is None else Doc(int(cid), dict(props))
            if after is not None:
                self._docs[cid] = after
            self._changes.append((before, after))
            self.generation += 1

    def reset(self, contacts: Mapping[str, Mapping[str, str]]) -> None:
        """Index these versions at once (startup from persisted data)."""
        self._docs = {cid: Doc(int(cid), dict(p)) for cid, p in contacts.items()}
        self._ranges.clear()
        self.generation += 1

    def _candidates(self, query: Query) -> list[Doc]:
        """Matching docs; groups bounding a numeric/datetime property scan only that range."""
        if not query.groups or any(g.range is None for g in query.groups):
            return [d for d in self._docs.values() if query.matches(d)]
        found: dict[int, Doc] = {}
        for group in query.groups:
            assert group.range is not None
            keys, docs = self._sorted(group.range.prop)
            start = bisect.bisect_left(keys, (group.range.low, -1))
            end = bisect.bisect_right(keys, (group.range.high, math.inf))
            for doc in docs[start:end]:
                if doc.cid not in found and query.matches(doc):
                    found[doc.cid] = doc
        return list(found.values())

    def _sorted(self, prop: PropertyDef) -> tuple[list[tuple[float, int]], list[Doc]]:
        """Docs with a numeric value of ``prop``, ascending.

        Built once, then kept up to date from the change log, so a search right after a batch
        of writes costs a few list edits rather than a re-sort of the whole portal.
        """
        name = prop.name
        hit = self._ranges.get(name)
        if hit is None:
            pairs = []
            for doc in self._docs.values():
                value = doc.typed(name, prop)
                if isinstance(value, float):
                    pairs.append(((value, doc.cid), doc))
            pairs.sort(key=lambda p: p[0])
            hit = (len(self._changes), [p[0] for p in pairs], [p[1] for p in pairs])
        else:
            applied, keys, docs = hit
            for before, after in self._changes[applied:]:
                for changed, add in ((before, False), (after, True)):
                    value = changed.typed(name, prop) if changed is not None else None
                    if changed is None or not isinstance(value, float):
                        continue
                    key = (value, changed.cid)
                    at = bisect.bisect_left(keys, key)
                    if add:
                        keys.insert(at, key)
                        docs.insert(at, changed)
                    elif at < len(keys) and keys[at] == key:
                        del keys[at]
                        del docs[at]
            hit = (len(self._changes), keys, docs)
        self._ranges[name] = hit
        if len(self._changes) > 100_000:
            # Keep the log short: ranges that lag behind are dropped and rebuilt when next used.
            done = len(self._changes)
            self._ranges = {n: (0, k, d) for n, (at, k, d) in self._ranges.items() if at == done}
            self._changes.clear()
        return hit[1], hit[2]

    def indexed_properties(self, cid: str) -> Mapping[str, str]:
        return self._docs[cid].props

    def search(self, req: SearchRequest) -> list[str]:
        """All matching ids in result order."""
        key = req.cache_key()
        hit = self._cache.get(key)
        if hit is not None and hit[0] == self.generation:
            self._cache.move_to_end(key)
            return hit[1]
        query = compile_query(req.filter_groups, req.query, self._schema)
        docs = sorted(self._candidates(query), key=lambda d: d.cid)
        for sort in reversed(req.sort_specs()):
            prop = self._schema(sort.property_name)
            if prop is None:
                raise validation(f"Property {sort.property_name} does not exist on contacts")
            name = prop.name
            present = [d for d in docs if d.typed(name, prop) is not None]
            missing = [d for d in docs if d.typed(name, prop) is None]
            present.sort(key=lambda d: d.typed(name, prop), reverse=sort.direction == "DESCENDING")  # type: ignore[arg-type,return-value]
            docs = present + missing
        ids = [str(d.cid) for d in docs]
        self._cache[key] = (self.generation, ids)
        if len(self._cache) > 64:
            self._cache.popitem(last=False)
        return ids


def page(ids: list[str], req: SearchRequest) -> tuple[list[str], str | None]:
    """The page of ids ``req`` asks for and the next ``after`` (None on the last page)."""
    if req.limit < 0 or req.limit > MAX_LIMIT:
        raise validation(f"limit must be between 0 and {MAX_LIMIT}, got {req.limit}")
    start = req.offset()
    if start >= MAX_RESULTS:
        raise HubSpotError(
            400,
            "VALIDATION_ERROR",
            f"Paging past {MAX_RESULTS} results is not supported (after={start}); "
            "narrow the search with filters instead.",
        )
    end = min(start + req.limit, len(ids), MAX_RESULTS)
    chunk = ids[start:end] if end > start else []
    # limit 0 only asks for the total: no page to go on to.
    return chunk, (str(end) if chunk and end < len(ids) else None)
