"""The Salesforce cursor's look-back: late versions accepted once, the key set kept bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.base import Cursor, SourceRecord
from connectors.salesforce_read import CursorTracker, changes_soql

T = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)


def rec(record_id: str, at: datetime, title: str = "x") -> SourceRecord:
    fields = {"Id": record_id, "Title": title, "SystemModstamp": at}
    return SourceRecord("salesforce", "Lead", record_id, fields, modified_at=at)


def test_a_late_version_behind_the_value_is_read_once() -> None:
    first = CursorTracker(Cursor(), lookback_s=300)
    assert len(first.accept([rec("a", T), rec("b", T + timedelta(seconds=10))])) == 2
    cursor = first.cursor
    assert cursor.value == T + timedelta(seconds=10)
    # b's transaction started before a's stamp but committed after the first read
    late = rec("c", T - timedelta(seconds=40))
    second = CursorTracker(cursor, lookback_s=300)
    again = second.accept([late, rec("a", T), rec("b", T + timedelta(seconds=10))])
    assert [r.id for r in again] == ["c"]
    third = CursorTracker(second.cursor, lookback_s=300)
    assert third.accept([late, rec("a", T), rec("a", T, title="y")]) == [rec("a", T, title="y")]


def test_the_version_keys_stay_within_the_window() -> None:
    tracker = CursorTracker(Cursor(), lookback_s=60)
    tracker.accept(rec(str(i), T + timedelta(seconds=10 * i)) for i in range(100))
    cursor = tracker.cursor
    assert cursor.value == T + timedelta(seconds=990)
    assert {k.split("#")[0] for k in cursor.ids_at_value} == {str(i) for i in range(93, 100)}


def test_the_query_starts_a_look_back_before_the_cursor() -> None:
    soql = changes_soql("Lead", ["Id"], Cursor(value=T), lookback_s=300)
    assert "WHERE SystemModstamp >= 2026-11-23T09:55:00+00:00" in soql


def test_a_cursor_stored_before_stamps_were_kept_still_drops_its_versions() -> None:
    old = Cursor(value=T, ids_at_value=frozenset({"a"}))
    tracker = CursorTracker(old, lookback_s=300)
    earlier = rec("z", T - timedelta(seconds=10))  # read before, but no key says so
    assert [r.id for r in tracker.accept([earlier, rec("a", T), rec("b", T)])] == ["b"]
    assert all("@" in k or k == "a" for k in tracker.cursor.ids_at_value)


def test_a_bulk_import_inside_the_window_keeps_the_cursor_bounded() -> None:
    from connectors.salesforce_read import WINDOW_KEYS_MAX

    tracker = CursorTracker(Cursor(), lookback_s=300)
    many = WINDOW_KEYS_MAX + 500
    tracker.accept(rec(f"id{i:06d}", T + timedelta(milliseconds=i)) for i in range(many))
    cursor = tracker.cursor
    assert len(cursor.ids_at_value) == WINDOW_KEYS_MAX
    # the newest versions are the ones kept; the oldest 500 are read again by the next run
    kept = {k.split("#")[0] for k in cursor.ids_at_value}
    assert f"id{many - 1:06d}" in kept and "id000499" not in kept and "id000500" in kept
    again = CursorTracker(cursor, lookback_s=300)
    reread = again.accept(rec(f"id{i:06d}", T + timedelta(milliseconds=i)) for i in range(many))
    assert [r.id for r in reread] == [f"id{i:06d}" for i in range(500)]
