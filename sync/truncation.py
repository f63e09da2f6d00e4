"""Values leadsync cut to fit one side, read back as the full value they were cut from (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import System, Value
from mappings.mappingset import MappingSet
from mappings.transform import written_read_backs


def restore_cut_values(
    ms: MappingSet,
    values: Mapping[str, Value],
    base: Mapping[str, Value],
    side: System,
    object_type: str,
) -> dict[str, Value]:
    """``side``'s canonical values with each one leadsync cut from its base value read as base.

    After a value too long for a field was cut on write, the base keeps the full value and the
    side holds the cut. The cut may read back shorter than the limit (a trailing space trimmed,
    whitespace collapsed, a picklist spelling mapped): compared with what the cut of the base
    value reads as on that side, it is recognised whatever the cut produced. Taken for an edit,
    it would be carried back to the other system and cut the original there too. Any other
    value, a short one too, is that side's edit.
    """
    out = dict(values)
    for name, value in values.items():
        old = base.get(name)
        if not isinstance(value, str) or not isinstance(old, str) or value == old:
            continue
        if value in written_read_backs(ms, side, object_type, name, old):
            out[name] = old
    return out
