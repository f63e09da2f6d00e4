"""Values no request body can carry (NaN, infinities): refused per record, before sending."""

from __future__ import annotations

import math
from collections.abc import Sequence

from connectors.base import RecordError, WriteOp, WriteResult

UNSENDABLE = "INVALID_VALUE"


def unsendable_fields(op: WriteOp) -> tuple[str, ...]:
    """The op's fields whose value JSON cannot represent (NaN, +/-Infinity)."""
    return tuple(
        name
        for name, value in op.fields.items()
        if isinstance(value, float) and not math.isfinite(value)
    )


def refuse_unsendable(ops: Sequence[WriteOp]) -> tuple[dict[int, WriteResult], list[int]]:
    """Per-record rejections for ops holding an unsendable value, and the indexes still to send.

    json.dumps refuses NaN in a request body; raised inside the retry wrapper it looked like a
    network fault and the whole batch was retried. It is this record's data that is wrong.
    """
    refused: dict[int, WriteResult] = {}
    sendable: list[int] = []
    for i, op in enumerate(ops):
        bad = unsendable_fields(op)
        if not bad:
            sendable.append(i)
            continue
        errors = tuple(
            RecordError(
                code=UNSENDABLE,
                message=f"field {name} is {op.fields[name]!r}: not a number a request can carry",
                fields=(name,),
            )
            for name in bad
        )
        refused[i] = WriteResult(ref=op.ref, ok=False, errors=errors, object_type=op.object_type)
    return refused, sendable
