"""The mapping file's shape (pydantic, as written by RevOps) and the compiled FieldMap."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.base import System
from mappings.campaigns import CampaignsSpec
from mappings.syncrule import SyncRule

FieldType = Literal["string", "number", "integer", "bool", "date", "datetime"]
NormalizerName = Literal["email", "phone", "domain", "website", "trim", "title_case", "lower"]
SALESFORCE_OBJECTS = ("Lead", "Contact")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _as_list(value: object) -> object:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


class HubSpotSpec(_Strict):
    """HubSpot property names: read from the first non-blank of ``read``, written to ``write``."""

    read: list[str]
    write: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        if isinstance(data, str):
            return {"read": [data], "write": data}
        if isinstance(data, dict) and isinstance(data.get("read"), str):
            return {**data, "read": [data["read"]]}
        return data


class SalesforceSpec(_Strict):
    """Salesforce field per object; a plain string means the same field on Lead and Contact."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    lead: str | None = Field(default=None, alias="Lead")
    contact: str | None = Field(default=None, alias="Contact")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: object) -> object:
        if isinstance(data, str):
            return {"Lead": data, "Contact": data}
        return data


class ValueMapSpec(_Strict):
    """A canonical picklist value's spelling per system (a list: first is written, all read)."""

    hubspot: list[str] = Field(default_factory=list)
    salesforce: list[str] = Field(default_factory=list)

    @field_validator("hubspot", "salesforce", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _as_list(value)


class OrderExceptionSpec(_Strict):
    """An allowed backward move for an ``ordered`` field; ``*`` matches any value."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: str = Field(alias="from")
    to: str


class FieldSpec(_Strict):
    """One shared field as written in mapping.yaml."""

    hubspot: HubSpotSpec | None = None
    salesforce: SalesforceSpec | None = None
    sync: SyncRule
    type: FieldType = "string"
    normalize: list[NormalizerName] = Field(default_factory=list)
    values: dict[str, ValueMapSpec] = Field(default_factory=dict)
    order: list[str] = Field(default_factory=list)
    exceptions: list[OrderExceptionSpec] = Field(default_factory=list)
    max_length: int | dict[System, int] | None = None
    too_long: Literal["truncate", "reject"] = "truncate"
    required_default: dict[System, str] = Field(default_factory=dict)
    blanks_propagate: bool = False
    computed: bool = False
    # "owner": the value is a record owner, carried as the owner's email; the adapters translate
    # it to and from each system's owner ids, and an owner the target lacks is reported.
    lookup: Literal["owner"] | None = None
    description: str = ""

    @field_validator("normalize", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return _as_list(value)

    @field_validator("values", mode="before")
    @classmethod
    def _null_entries(cls, data: object) -> object:
        # `Web:` with nothing after it means "the same spelling everywhere".
        if isinstance(data, dict):
            return {str(k): ({} if v is None else v) for k, v in data.items()}
        return data


class MappingFile(_Strict):
    """mapping.yaml."""

    version: Literal[1] = 1
    fields: dict[str, FieldSpec]
    campaigns: CampaignsSpec | None = None


@dataclass(frozen=True)
class FieldMap:
    """A compiled shared field: where it lives on each side and how its values translate."""

    name: str
    rule: SyncRule
    type: FieldType = "string"
    hubspot_read: tuple[str, ...] = ()
    hubspot_write: str | None = None
    salesforce: Mapping[str, str] = field(default_factory=dict)  # object type -> field name
    normalizers: tuple[str, ...] = ()
    to_canonical: Mapping[System, Mapping[str, str]] = field(default_factory=dict)
    from_canonical: Mapping[System, Mapping[str, str]] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    exceptions: tuple[tuple[str, str], ...] = ()
    max_length: Mapping[System, int] = field(default_factory=dict)
    too_long: Literal["truncate", "reject"] = "truncate"
    required_default: Mapping[System, str] = field(default_factory=dict)
    blanks_propagate: bool = False
    computed: bool = False
    lookup: str | None = None  # "owner": an owner's email, matched on the other side
    description: str = ""

    @property
    def on_hubspot(self) -> bool:
        """The field exists in HubSpot and leadsync may write it there."""
        return self.hubspot_write is not None and self.writes_to("hubspot")

    @property
    def on_salesforce(self) -> bool:
        """The field exists on a Salesforce object and leadsync may write it there."""
        return bool(self.salesforce) and not self.computed and self.writes_to("salesforce")

    def writes_to(self, system: System) -> bool:
        """Whether the sync rule ever moves a value into ``system``."""
        if self.rule is SyncRule.NONE:
            return False
        if self.rule is SyncRule.SALESFORCE_TO_HUBSPOT:
            return system == "hubspot"
        if self.rule is SyncRule.HUBSPOT_TO_SALESFORCE:
            return system == "salesforce"
        return True

    def writable(self, system: System, object_type: str) -> bool:
        """Whether leadsync writes this field to that object (``company`` is not on Contact)."""
        return self.writes_to(system) and self.target_field(system, object_type) is not None

    def source_field(self, system: System, object_type: str) -> tuple[str, ...]:
        """The system's field names this canonical field is read from (first non-blank wins)."""
        if system == "hubspot":
            return self.hubspot_read
        name = self.salesforce.get(object_type)
        return (name,) if name else ()

    def target_field(self, system: System, object_type: str) -> str | None:
        """The system's field name this canonical field is written to, if any."""
        if system == "hubspot":
            return self.hubspot_write
        return None if self.computed else self.salesforce.get(object_type)


class ExclusionSpec(_Strict):
    """An exclusion rule: the first that matches excludes the record with its ``code``."""

    code: str
    when: object
    why: str = ""


class DecaySpec(_Strict):
    """Engagement decay: points halve every ``half_life_days`` since the ``since`` date."""

    since: str
    half_life_days: float = Field(gt=0)


class ScoreRuleSpec(_Strict):
    """A fit or engagement rule: ``points`` when ``when`` holds (times ``per``, up to ``max``)."""

    name: str
    points: float
    when: object = None
    per: str | None = None
    max: float | None = None
    decay: DecaySpec | None = None
    why: str = ""


class StageSpec(_Strict):
    """A stage threshold; stages are tried top to bottom and the first that holds is the stage."""

    name: str
    min_score: float = 0
    min_fit: float | None = None
    min_engagement: float | None = None
    when: object = None


class OutputSpec(_Strict):
    """Where a decision is written on one system."""

    stage: str
    score: str
    exclusion: str
    reasons: str


class RulesFile(_Strict):
    """rules.yaml."""

    version: Literal[1] = 1
    lists: dict[str, str] = Field(default_factory=dict)
    exclusions: list[ExclusionSpec] = Field(default_factory=list)
    fit: list[ScoreRuleSpec] = Field(default_factory=list)
    engagement: list[ScoreRuleSpec] = Field(default_factory=list)
    stages: list[StageSpec] = Field(min_length=1)
    outputs: dict[System, OutputSpec] = Field(default_factory=dict)
    reasons_max_length: int = Field(default=255, ge=40)
    excluded_stage: str = "excluded"
    score_max: float = Field(default=100, gt=0)
    # Records matching ``allow`` are never excluded nor held (allow lists always win).
    allow: object = None
    # Stages whose records wait for a person: not created in Salesforce, like excluded ones.
    hold_stages: list[str] = Field(default_factory=list)
