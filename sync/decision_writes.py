"""Which decision fields to write: only a material change of the decision is written."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Value
from sync.merge import is_blank, same


def decision_changes(
    fields: dict[str, Value], current: Mapping[str, Value], creating: bool
) -> dict[str, Value]:
    """The decision fields to write: all of them when the decision changed materially, else none.

    Engagement decays with time, so the score and the reasons' points drift a little on every
    evaluation; rewriting them for that would make every run write. A decision changed
    materially when a text field (stage, exclusion) differs or the score moved by 1 or more.
    """
    if creating:
        return {k: v for k, v in fields.items() if v not in (None, "")}
    material = False
    for key, value in fields.items():
        now = current.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                if now is not None and abs(float(str(now)) - float(value)) < 1.0:
                    continue
            except ValueError:
                pass
            material = material or not same(value, now)
        elif is_blank(now) != is_blank(value) or (not same(value, now) and not _is_summary(key)):
            material = True
    if not material:
        return {}
    return {k: v for k, v in fields.items() if not same(v, current.get(k))}


def _is_summary(key: str) -> bool:
    # The readable reasons restate the score's parts: they follow the other fields.
    return "reasons" in key.lower()
