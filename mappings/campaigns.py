"""The ``campaigns:`` section of mapping.yaml: which fields name campaigns, and how they match.

HubSpot knows the campaign a person converted on (first and last touch) and the UTM campaign a
form captured; Salesforce attributes with Campaign memberships. This section says which
canonical fields name a campaign, how a HubSpot campaign finds its Salesforce Campaign (by
name, or by an external id field on Campaign), the member status leadsync sets, and whether a
missing Campaign may be created.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mappings.errors import Issue, nearest
from mappings.yamlsrc import Located


class CampaignsSpec(BaseModel):
    """mapping.yaml ``campaigns:`` as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    match: Literal["name", "external_id"] = "name"
    external_id_field: str | None = None
    create_missing: bool = False
    primary_campaign_source: bool = True
    responded_status: str = Field(default="Responded", min_length=1, max_length=40)
    touches: list[str] = Field(default_factory=list)
    first_touch: str | None = None
    names: dict[str, str] = Field(default_factory=dict)


@dataclass(frozen=True)
class CampaignConfig:
    """The compiled section: what the engine's campaign step needs."""

    match: Literal["name", "external_id"] = "name"
    external_id_field: str | None = None
    create_missing: bool = False
    primary_campaign_source: bool = True
    responded_status: str = "Responded"
    touches: tuple[str, ...] = ()  # canonical fields whose value names a campaign
    first_touch: str | None = None  # the canonical field crediting an opportunity
    names: Mapping[str, str] = field(default_factory=dict)  # HubSpot name -> Salesforce key

    def campaign_key(self, hubspot_value: str) -> str:
        """The Salesforce Campaign's name (or external id) for a HubSpot campaign value."""
        value = hubspot_value.strip()
        return self.names.get(value, value)

    @property
    def key_field(self) -> str:
        """The Campaign field a key is matched on."""
        if self.match == "external_id" and self.external_id_field:
            return self.external_id_field
        return "Name"


def compile_campaigns(
    spec: CampaignsSpec, declared: set[str], src: Located, issues: list[Issue]
) -> CampaignConfig:
    """Check the section against the declared fields; the compiled config (issues appended)."""
    for i, name in enumerate(spec.touches):
        if name not in declared:
            hint = nearest(name, declared)
            issues.append(
                src.issue(
                    ("campaigns", "touches", i), f"touch field {name!r} is not declared", hint
                )
            )
    if spec.first_touch is not None and spec.first_touch not in spec.touches:
        issues.append(
            src.issue(
                ("campaigns", "first_touch"),
                f"first_touch {spec.first_touch!r} must be one of the touches",
            )
        )
    if spec.match == "external_id" and not spec.external_id_field:
        issues.append(
            src.issue(("campaigns", "match"), "match: external_id needs external_id_field")
        )
    return CampaignConfig(
        match=spec.match,
        external_id_field=spec.external_id_field,
        create_missing=spec.create_missing,
        primary_campaign_source=spec.primary_campaign_source,
        responded_status=spec.responded_status,
        touches=tuple(spec.touches),
        first_touch=spec.first_touch,
        names=dict(spec.names),
    )
