"""What ``leadsync check`` reports, and the HubSpot properties ``--fix`` creates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from mappings.errors import Issue


@dataclass(frozen=True)
class PropertySpec:
    """A HubSpot contact property ``--fix`` should create."""

    name: str
    label: str
    type: str  # string | number | bool | date | datetime | enumeration
    field_type: str  # text | number | booleancheckbox | date | select
    group_name: str = "leadsync"
    options: tuple[str, ...] = ()


@dataclass
class CheckReport:
    """What ``leadsync check`` found."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    online: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def to_json(self) -> str:
        return json.dumps(
            {
                "ok": not self.errors,
                "online": self.online,
                "errors": [i.to_json() for i in self.errors],
                "warnings": [i.to_json() for i in self.warnings],
                "fixed": self.fixed,
            },
            indent=2,
        )

    def render_text(self) -> str:
        lines = [f"error: {i}" for i in self.errors] + [f"warning: {i}" for i in self.warnings]
        lines += [f"created HubSpot property {name}" for name in self.fixed]
        mode = "offline and against both systems' schemas" if self.online else "offline"
        verdict = "FAILED" if self.errors else "OK"
        lines.append(
            f"{verdict}: {len(self.errors)} error(s), {len(self.warnings)} warning(s) ({mode})"
        )
        return "\n".join(lines)
