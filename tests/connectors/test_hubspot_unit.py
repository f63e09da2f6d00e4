from datetime import UTC, date, datetime, timedelta

import pytest

from connectors.base import Cursor, FieldSchema, ObjectSchema, WriteOp
from connectors.hubspot_read import OverlapCursor, parse_contact, parse_value, to_ms
from connectors.hubspot_write import BatchAnswer, batch_input, match_results, to_property

T = datetime(2026, 11, 23, 15, 4, 5, 123000, tzinfo=UTC)


def schema(**types):
    return ObjectSchema("contact", {n: FieldSchema(n, t) for n, t in types.items()})


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("42", "number", 42),
        ("42.5", "number", 42.5),
        ("", "number", None),
        ("true", "bool", True),
        ("false", "bool", False),
        ("2026-11-23T15:04:05.123Z", "datetime", T),
        (str(to_ms(T)), "datetime", T),
        ("2026-11-23", "date", date(2026, 11, 23)),
        ("1795446000000", "date", datetime.fromtimestamp(1795446000, UTC).date()),
        ("lead", "enumeration", "lead"),
        ("x", "string", "x"),
        (None, "string", None),
    ],
)
def test_parse_value(raw, kind, value):
    assert parse_value(raw, FieldSchema("p", kind)) == value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (3.0, "3"),
        (2.5, "2.5"),
        (7, "7"),
        (T, "2026-11-23T15:04:05.123Z"),
        (date(2026, 1, 2), "2026-01-02"),
        ("x", "x"),
    ],
)
def test_to_property(value, text):
    assert to_property(value) == text


def test_contact_parsing_merged_and_archived():
    s = schema(lastmodifieddate="datetime", hs_merged_object_ids="string")
    rec = parse_contact(
        "7", {"lastmodifieddate": "2026-11-23T15:04:05.123Z", "hs_merged_object_ids": "3;5"}, s
    )
    assert rec.modified_at == T and rec.merged_ids == ("3", "5") and not rec.deleted
    gone = parse_contact(
        "8", {"lastmodifieddate": "2026-11-23T15:04:05.123Z"}, s, archived_at=T + timedelta(1)
    )
    assert gone.deleted and gone.modified_at == T + timedelta(1)


def test_overlap_cursor_drops_versions_already_read():
    s = schema(lastmodifieddate="datetime")

    def rec(cid, when):
        return parse_contact(cid, {"lastmodifieddate": when.isoformat()}, s)

    first = OverlapCursor(Cursor(), overlap_s=5)
    read = first.accept(
        [rec("1", T - timedelta(seconds=10)), rec("2", T - timedelta(seconds=3)), rec("3", T)]
    )
    assert len(read) == 3
    cursor = first.cursor()
    assert cursor.value == T
    # Only versions inside the overlap window are kept for de-duplication.
    assert cursor.ids_at_value == {f"2@{to_ms(T - timedelta(seconds=3))}", f"3@{to_ms(T)}"}
    second = OverlapCursor(cursor, overlap_s=5)
    assert second.start_ms() == to_ms(T) - 5000
    again = second.accept(
        [rec("2", T - timedelta(seconds=3)), rec("3", T), rec("3", T + timedelta(seconds=1))]
    )
    assert [(r.id, r.modified_at) for r in again] == [("3", T + timedelta(seconds=1))]
    capped = OverlapCursor(Cursor(), overlap_s=5)
    capped.accept([rec("4", T)])
    assert capped.cursor(cap_ms=to_ms(T) - 1000).value == T - timedelta(seconds=1)


def test_batch_inputs_and_results_matched_per_input():
    ops = [
        WriteOp("contact", {"firstname": "A"}, external_id="A@x.example", ref="a"),
        WriteOp("contact", {"firstname": "B"}, id="22", ref="b"),
        WriteOp("contact", {"lifecyclestage": "nope"}, external_id="c@x.example", ref="c"),
    ]
    assert batch_input(ops[0], "0") == {
        "properties": {"firstname": "A", "email": "A@x.example"},
        "objectWriteTraceId": "0",
        "id": "A@x.example",
        "idProperty": "email",
    }
    answer = BatchAnswer(
        results=[
            {"id": "22", "properties": {}},
            {"id": "11", "new": True, "properties": {"email": "a@x.example"}},
        ],
        errors=[
            {
                "status": "error",
                "category": "VALIDATION_ERROR",
                "context": {"objectWriteTraceId": ["2"]},
                "message": "Property values were not valid: "
                '[{"isValid":false,"error":"INVALID_OPTION","name":"lifecyclestage",'
                '"message":"nope was not one of the allowed options"}]',
            },
        ],
    )
    a, b, c = match_results(ops, answer)
    assert (a.ok, a.id, a.created) == (True, "11", True)
    assert (b.ok, b.id, b.created) == (True, "22", False)
    assert (
        not c.ok
        and c.errors[0].code == "INVALID_OPTION"
        and c.errors[0].fields == ("lifecyclestage",)
    )


def test_unattributed_results_are_never_silently_ok():
    ops = [
        WriteOp("contact", {"firstname": "A"}, id="1", ref="a"),
        WriteOp("contact", {}, id="2", ref="b"),
    ]
    a, b = match_results(ops, BatchAnswer(results=[{"id": "1"}], errors=[]))
    assert a.ok and not b.ok and b.errors[0].code == "NO_RESULT"
