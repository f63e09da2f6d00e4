"""What to write to one side: the merged fields that differ from what that side holds now."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from connectors.base import System, Value
from mappings.syncrule import SyncRule
from sync.merge import FieldPolicy, is_blank, same


def plan_side(
    policies: Sequence[FieldPolicy],
    merged: Mapping[str, Value],
    current: Mapping[str, Value] | None,
    side: System,
) -> dict[str, Value]:
    """Canonical fields to write to ``side``; ``current`` None means the record is to be created.

    Only fields that exist on the side, that the rule lets the sync write there, and whose
    merged value differs canonically from the current one. A field missing from ``current`` is
    not on that record and is not written. On a create, blanks are left out (nothing to clear).
    """
    writes: dict[str, Value] = {}
    for policy in policies:
        name = policy.name
        if name not in merged or not policy.writes_to(side):
            continue
        value = merged[name]
        if current is None:
            if not is_blank(value):
                writes[name] = value
            continue
        if name not in current:
            continue  # this record has no such field (e.g. a Contact has no Company)
        now = current[name]
        if same(value, now):
            continue
        if is_blank(value) and not policy.blanks_propagate:
            continue  # a blank never erases a value, whatever the merge produced
        if policy.rule is SyncRule.WRITE_ONCE and not is_blank(now):
            continue  # attribution is written once, into a blank, and never overwritten
        writes[name] = value
    return writes
