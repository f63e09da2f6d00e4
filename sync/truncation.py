"""Values leadsync cut to fit one side, read back as the full value they were cut from (pure)."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from connectors.base import System, Value
from mappings.mappingset import MappingSet
from mappings.transform import written_read_backs
from sync.merge import same


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
        if not isinstance(value, str) or not isinstance(old, str) or same(value, old):
            continue
        # Unicode-equivalent forms are one value (a side may also compose characters, NFC, on
        # top of trimming or collapsing what the cut left).
        read = _nfc(value)
        backs = written_read_backs(ms, side, object_type, name, old)
        if any(isinstance(b, str) and _nfc(b) == read for b in backs):
            out[name] = old
    return out


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)
