"""MappingSet: the loaded mapping and rules files, ready for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from connectors.base import System
from mappings.campaigns import CampaignConfig
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
    campaigns: CampaignConfig | None = None  # mapping.yaml ``campaigns:``

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

    def vendor_fields(self, system: System, object_type: str) -> tuple[str, ...]:
        """The system's own field names the mapping and the rules read or write on an object.

        What a connector must read for this mapping: real orgs and portals have hundreds of
        fields, and asking for all of them makes URLs too long. Pseudo fields (``$type``,
        the engine-filled ``Opportunity.*``) are left out.
        """
        names: list[str] = []
        for fm in self.fields:
            if system == "hubspot":
                names.extend(fm.hubspot_read)
                names.extend([fm.hubspot_write] if fm.hubspot_write else [])
            elif (name := fm.salesforce.get(object_type)) and not name.startswith("$"):
                names.extend([] if "." in name else [name])
        outputs = self.rules.outputs.get(system)
        if outputs is not None:
            names.extend((outputs.stage, outputs.score, outputs.exclusion, outputs.reasons))
        return tuple(dict.fromkeys(names))
