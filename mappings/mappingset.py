"""MappingSet: the loaded mapping and rules files, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mappings.errors import nearest
from mappings.models import FieldMap
from mappings.rules import RuleSet
from mappings.yamlsrc import Located


@dataclass(frozen=True)
class MappingSet:
    """Shared fields (in file order) and the compiled SQL rules."""

    fields: tuple[FieldMap, ...]
    rules: RuleSet
    directory: Path | None = None
    mapping_source: Located | None = field(default=None, compare=False, repr=False)
    rules_source: Located | None = field(default=None, compare=False, repr=False)
    # Per (system, object type) compiled readers; filled lazily by mappings.transform.
    cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def field(self, name: str) -> FieldMap:
        """The shared field called ``name``; KeyError names the nearest one when misspelled."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        hint = nearest(name, (f.name for f in self.fields))
        raise KeyError(f"no field {name!r}" + (f" (did you mean {hint!r}?)" if hint else ""))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)
