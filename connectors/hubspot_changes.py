"""HubSpot change reads: search windows by keyset, full listings, archived contacts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from connectors.base import ChangePage, Cursor, SourceRecord
from connectors.hubspot_read import MODIFIED, OverlapCursor, search_stamp_ms, seen_key, to_ms

SEARCH_LIMIT = 200
LIST_LIMIT = 100
WINDOW_TARGET = 1_000  # contacts a search window should match (the cap is 10,000)
WINDOW_START_MS = 3_600_000
WINDOW_MAX_MS = 30 * 86_400_000
Json = dict[str, Any]


class ContactChanges:
    """Streams changed contacts as ChangePages through the connector's (paced, retried) calls."""

    def __init__(
        self,
        *,
        search: Callable[[Json], Json],
        list_page: Callable[[bool, str | None], Json],
        parse: Callable[[list[Json]], list[SourceRecord]],
        properties: Callable[[], list[str]],
        index_delay_s: float,
        fill: Callable[[list[Json]], list[Json]] = lambda raws: raws,
    ) -> None:
        self._search = search
        self._list_page = list_page
        self._parse = parse
        self._properties = properties
        self._index_delay_s = index_delay_s
        # Completes search results that carried only a few properties (long lists go in a
        # batch/read body instead); contacts gone since are left out.
        self._fill = fill

    def _list(self, *, archived: bool) -> Iterator[list[SourceRecord]]:
        after: str | None = None
        while True:
            page = self._list_page(archived, after)
            yield self._parse(page.get("results", []))
            after = ((page.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def full(self, started_ms: int) -> Iterator[ChangePage]:
        """Every contact through the list endpoint (search is not for backfills), archived too."""
        tracker = OverlapCursor(Cursor(), self._index_delay_s)
        for archived in (False, True):
            for records in self._list(archived=archived):
                # The listing returns each contact once: no de-duplication set to grow with
                # the portal, only the overlap window for the cursor.
                for record in records:
                    tracker.note(seen_key(record), to_ms(record.modified_at))
                yield ChangePage(records=records, cursor=Cursor())
        # Anything changed after the scan began may have been passed by: cap the cursor there.
        yield ChangePage(records=[], cursor=tracker.cursor(cap_ms=started_ms))

    def incremental(self, since: Cursor, started_ms: int) -> Iterator[ChangePage]:
        """Contacts changed since the cursor (overlapping it by the index delay), de-duplicated.

        Archived contacts come first (cursor unchanged), then search pages; the archive times
        join the cursor only on the last page, once everything before them has been read.
        """
        tracker = OverlapCursor(since, self._index_delay_s)
        low = tracker.start_ms()
        # Archived contacts never show in search: list them, keep those archived in the window.
        archived: list[SourceRecord] = []
        for records in self._list(archived=True):
            for record in records:
                ms = to_ms(record.modified_at)
                if low <= ms <= started_ms and record.deleted:
                    archived.append(record)
        archived = [r for r in archived if seen_key(r) not in tracker.seen]
        if archived:
            yield ChangePage(records=archived, cursor=since)
        for records in self._search_window(low, started_ms):
            yield ChangePage(records=tracker.accept(records), cursor=tracker.cursor())
        for record in archived:
            tracker.seen.add(seen_key(record))
            tracker.note(seen_key(record), to_ms(record.modified_at))
        yield ChangePage(records=[], cursor=tracker.cursor())

    def _search_window(self, low_ms: int, high_ms: int) -> Iterator[list[SourceRecord]]:
        """Every contact modified in [low, high]: time windows read by keyset pages.

        No query pages with ``after``: each one restarts at the newest value read, so neither
        the 10,000-result cap nor a record leaving the window mid-read (offsets shifting) can
        make a page skip anything. Windows are sized from the ``total`` the server reports so
        each query matches about WINDOW_TARGET contacts (cheap for the server), and split
        further by time when a window holds more.
        """
        props = self._properties()
        start, width = low_ms, WINDOW_START_MS
        while start <= high_ms:
            end = min(high_ms, start + width)
            page, _, total = self._search_page(start, end, props)
            yield self._parse(self._fill(page))
            width = max(
                1, min(WINDOW_MAX_MS, int((end - start + 1) * WINDOW_TARGET / max(total, 1)))
            )
            if len(page) < SEARCH_LIMIT:
                start = end + 1  # the window is exhausted
                continue
            # The newest stamp as search saw it (a result whose stamp is unreadable is passed).
            stamps = (search_stamp_ms(raw) for raw in reversed(page))
            last_ms = max(start, next((ms for ms in stamps if ms is not None), start))
            if last_ms == start:
                # A whole page shares one millisecond: read that instant by offset, then move on.
                yield from self._search_instant(start, props)
                start += 1
            else:
                start = last_ms

    def _search_page(
        self,
        low_ms: int,
        high_ms: int,
        props: list[str],
        *,
        after: str | None = None,
        exact: bool = False,
    ) -> tuple[list[Json], str | None, int]:
        if exact:
            filters = [{"propertyName": MODIFIED, "operator": "EQ", "value": str(low_ms)}]
        else:
            filters = [
                {"propertyName": MODIFIED, "operator": "GTE", "value": str(low_ms)},
                {"propertyName": MODIFIED, "operator": "LTE", "value": str(high_ms)},
            ]
        body: Json = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": MODIFIED, "direction": "ASCENDING"}],
            "properties": props,
            "limit": SEARCH_LIMIT,
        }
        if after:
            body["after"] = after
        answer = self._search(body)
        after = ((answer.get("paging") or {}).get("next") or {}).get("after")
        results: list[Json] = answer.get("results", [])
        return results, after, int(answer.get("total") or len(results))

    def _search_instant(self, ms: int, props: list[str]) -> Iterator[list[SourceRecord]]:
        after: str | None = None
        while True:
            page, after, _ = self._search_page(ms, ms, props, after=after, exact=True)
            yield self._parse(self._fill(page))
            if not after or len(page) < SEARCH_LIMIT:
                return
