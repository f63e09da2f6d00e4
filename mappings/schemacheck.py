"""The online half of ``leadsync check``: the mapping compared with both systems' live schemas."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from connectors.base import FieldSchema, ObjectSchema, System
from mappings.checkreport import CheckReport, PropertySpec
from mappings.errors import Issue, nearest
from mappings.mappingset import MappingSet
from mappings.models import FieldMap, FieldType
from mappings.transform import TYPE_PSEUDO_FIELD
from mappings.yamlsrc import Loc, Located

HUBSPOT_OBJECT = "contact"
SALESFORCE_OBJECTS = ("Lead", "Contact")
OWN_PREFIX = "leadsync_"  # HubSpot properties leadsync owns and `--fix` may create
SchemaSource = Callable[[System, str], ObjectSchema]

# Live schema types as canonical types (Salesforce describe types and HubSpot property types).
_SCHEMA_TYPES: dict[str, FieldType] = {
    **dict.fromkeys(
        (
            "string",
            "email",
            "phone",
            "url",
            "textarea",
            "picklist",
            "multipicklist",
            "id",
            "reference",
            "enumeration",
            "phone_number",
            "combobox",
            "encryptedstring",
        ),
        "string",
    ),
    **dict.fromkeys(("double", "currency", "percent", "number"), "number"),
    "int": "integer",
    **dict.fromkeys(("boolean", "bool", "booleancheckbox"), "bool"),
    "date": "date",
    "datetime": "datetime",
}
_COMPATIBLE = {("integer", "number"), ("number", "integer")}


@dataclass
class _Online:
    ms: MappingSet
    schemas: SchemaSource
    report: CheckReport
    missing_own: dict[str, tuple[PropertySpec, Issue]] = field(default_factory=dict)
    _cache: dict[tuple[System, str], ObjectSchema | None] = field(default_factory=dict)

    def schema(self, system: System, object_type: str) -> ObjectSchema | None:
        key = (system, object_type)
        if key not in self._cache:
            try:
                self._cache[key] = self.schemas(system, object_type)
            except Exception as exc:  # a schema we cannot read is a finding, not a crash
                self._cache[key] = None
                self.report.errors.append(
                    Issue("<schema>", 0, 0, f"cannot read {system} {object_type} schema: {exc}")
                )
        return self._cache[key]

    def issue(
        self,
        src: Located | None,
        loc: Loc,
        message: str,
        hint: str | None = None,
        key: bool = False,
    ) -> Issue:
        if src is None:
            return Issue("<mapping>", 0, 0, message, hint)
        return src.issue(loc, message, hint, key=key)


def _property_spec(name: str, ftype: FieldType, options: tuple[str, ...] = ()) -> PropertySpec:
    label = name.removeprefix(OWN_PREFIX).replace("_", " ").capitalize()
    if options:
        return PropertySpec(name, f"leadsync {label}", "enumeration", "select", options=options)
    kinds = {
        "string": ("string", "text"),
        "number": ("number", "number"),
        "integer": ("number", "number"),
        "bool": ("bool", "booleancheckbox"),
        "date": ("date", "date"),
        "datetime": ("datetime", "date"),
    }
    kind, field_type = kinds[ftype]
    return PropertySpec(name, f"leadsync {label}", kind, field_type)


def _lookup(
    on: _Online,
    src: Located | None,
    loc: Loc,
    system: System,
    object_type: str,
    name: str,
    ftype: FieldType,
) -> FieldSchema | None:
    """The live field, or an error (a missing leadsync_ HubSpot property is fixable)."""
    schema = on.schema(system, object_type)
    if schema is None:
        return None
    found = schema.fields.get(name)
    if found is not None:
        return found
    where = "HubSpot contact property" if system == "hubspot" else f"Salesforce {object_type} field"
    issue = on.issue(src, loc, f"{where} {name!r} does not exist", nearest(name, schema.fields))
    if system == "hubspot" and name.startswith(OWN_PREFIX):
        on.missing_own.setdefault(name, (_property_spec(name, ftype), issue))
    else:
        on.report.errors.append(issue)
    return None


def _sides(fm: FieldMap) -> Iterator[tuple[System, str, str, Loc, bool]]:
    """(system, object type, field name, location, written) for every live name of a field."""
    base: Loc = ("fields", fm.name)
    for name in fm.hubspot_read:
        yield "hubspot", HUBSPOT_OBJECT, name, (*base, "hubspot"), name == fm.hubspot_write
    if fm.hubspot_write and fm.hubspot_write not in fm.hubspot_read:
        yield "hubspot", HUBSPOT_OBJECT, fm.hubspot_write, (*base, "hubspot"), True
    if fm.computed:
        return
    for obj, name in fm.salesforce.items():
        if name == TYPE_PSEUDO_FIELD:
            continue
        yield "salesforce", obj, name, (*base, "salesforce", obj), True


def _check_field(on: _Online, fm: FieldMap) -> None:
    src = on.ms.mapping_source
    for system, obj, name, loc, is_target in _sides(fm):
        target_obj = obj
        if "." in name:  # Opportunity.StageName: a field of the related object
            target_obj, name = name.split(".", 1)
        live = _lookup(on, src, loc, system, target_obj, name, fm.type)
        if live is None:
            continue
        live_type = _SCHEMA_TYPES.get(live.type)
        if live_type and live_type != fm.type and (live_type, fm.type) not in _COMPATIBLE:
            message = f"{fm.name} is {fm.type} but {system} {name} is {live.type}"
            on.report.errors.append(on.issue(src, ("fields", fm.name, "type"), message))
        if not (is_target and fm.writes_to(system)):
            continue
        if not (live.updateable or live.createable):
            message = f"{system} {obj}.{name} is read-only but mapped as written"
            on.report.errors.append(on.issue(src, loc, message))
            continue
        limit = fm.max_length.get(system)
        # An owner travels as an email and is written as the system's id: no length to fit.
        if live.length and fm.type == "string" and not live.picklist_values and not fm.lookup:
            if limit is None:
                message = (
                    f"{obj}.{name} holds {live.length} characters and the mapping sets no "
                    "max_length: longer values will be refused"
                )
                on.report.warnings.append(on.issue(src, loc, message))
            elif limit > live.length:
                message = f"max_length {limit} overflows {obj}.{name} ({live.length})"
                on.report.errors.append(on.issue(src, ("fields", fm.name, "max_length"), message))
        required = system == "salesforce" and not live.nillable and live.createable
        # A required picklist has a default value, so only free fields need a default here.
        if required and system not in fm.required_default and not live.picklist_values:
            message = f"{obj}.{name} is required: add required_default: {{salesforce: ...}}"
            on.report.errors.append(on.issue(src, loc, message))


def _picklist_gaps(on: _Online, fm: FieldMap) -> None:
    """Values one side can hold that the other side's restricted picklist would refuse."""
    src = on.ms.mapping_source
    loc: Loc = (
        ("fields", fm.name, "values") if fm.to_canonical.get("hubspot") else ("fields", fm.name)
    )
    pairs: tuple[tuple[System, System], ...] = (
        ("hubspot", "salesforce"),
        ("salesforce", "hubspot"),
    )
    for source, target in pairs:
        if not fm.writes_to(target) or fm.computed:
            continue
        targets = _live_targets(on, fm, target)
        for tname, tlive in targets:
            if not tlive.picklist_values or (
                target == "salesforce" and not tlive.restricted_picklist
            ):
                continue
            allowed = set(tlive.picklist_values)
            spell = fm.from_canonical.get(target, {})
            for canonical in fm.to_canonical.get(target, {}).values():
                spelled = spell.get(canonical, canonical)
                if spelled not in allowed:
                    on.report.errors.append(
                        on.issue(
                            src,
                            (*loc, canonical),
                            f"{tname} refuses {spelled!r} (mapped from {canonical!r})",
                            nearest(spelled, allowed),
                        )
                    )
            for sname, slive in _live_sources(on, fm, source):
                for value in slive.picklist_values:
                    canonical = fm.to_canonical.get(source, {}).get(value, value)
                    spelled = spell.get(canonical, canonical)
                    if spelled not in allowed:
                        on.report.errors.append(
                            on.issue(
                                src,
                                loc,
                                f"{source} value {value!r} of {sname} has no {target} value: "
                                f"{tname} refuses {spelled!r}; map it under values: to one "
                                f"of {_sample(tlive.picklist_values)}",
                                nearest(spelled, allowed),
                                key=True,
                            )
                        )


def _sample(values: tuple[str, ...], most: int = 8) -> str:
    shown = ", ".join(repr(v) for v in values[:most])
    return shown + (f" (+{len(values) - most} more)" if len(values) > most else "")


def _live_targets(on: _Online, fm: FieldMap, system: System) -> list[tuple[str, FieldSchema]]:
    out = []
    if system == "hubspot" and fm.hubspot_write:
        schema = on.schema("hubspot", HUBSPOT_OBJECT)
        live = schema.fields.get(fm.hubspot_write) if schema else None
        if live:
            out.append((fm.hubspot_write, live))
    if system == "salesforce":
        for obj, name in fm.salesforce.items():
            schema = on.schema("salesforce", obj)
            live = schema.fields.get(name) if schema else None
            if live:
                out.append((f"{obj}.{name}", live))
    return out


def _live_sources(on: _Online, fm: FieldMap, system: System) -> list[tuple[str, FieldSchema]]:
    if system == "salesforce":
        return _live_targets(on, fm, "salesforce")
    schema = on.schema("hubspot", HUBSPOT_OBJECT)
    return [(n, schema.fields[n]) for n in fm.hubspot_read if schema and n in schema.fields]


def _check_order(on: _Online, fm: FieldMap) -> None:
    if not fm.order:
        return
    for name, live in _live_sources(on, fm, "hubspot"):
        if not live.picklist_values:
            continue
        for i, value in enumerate(fm.order):
            if value not in live.picklist_values:
                on.report.errors.append(
                    on.issue(
                        on.ms.mapping_source,
                        ("fields", fm.name, "order", i),
                        f"{value!r} is not an option of {name}",
                        nearest(value, live.picklist_values),
                    )
                )


def _check_outputs(on: _Online) -> None:
    rules = on.ms.rules
    src = on.ms.rules_source
    codes = [e.code for e in rules.exclusions]
    stages = [s.name for s in rules.stages] + [rules.excluded_stage]
    for system, out in rules.outputs.items():
        objects = (HUBSPOT_OBJECT,) if system == "hubspot" else SALESFORCE_OBJECTS
        wanted: tuple[tuple[str, str, FieldType, int], ...] = (
            ("stage", out.stage, "string", max(map(len, stages))),
            ("score", out.score, "number", 0),
            ("exclusion", out.exclusion, "string", max(map(len, codes), default=0)),
            ("reasons", out.reasons, "string", rules.reasons_max_length),
        )
        for obj in objects:
            for key, name, ftype, needed in wanted:
                loc: Loc = ("outputs", system, key)
                live = _lookup(on, src, loc, system, obj, name, ftype)
                if live is None:
                    continue
                if not (live.updateable or live.createable):
                    on.report.errors.append(on.issue(src, loc, f"{obj}.{name} is read-only"))
                if live.length and needed > live.length:
                    on.report.errors.append(
                        on.issue(
                            src,
                            loc,
                            f"{obj}.{name} holds {live.length} characters; "
                            f"leadsync writes up to {needed}",
                        )
                    )


def compare_schemas(
    ms: MappingSet, schemas: SchemaSource, report: CheckReport
) -> list[tuple[PropertySpec, Issue]]:
    """Add every mismatch to ``report``; return the missing leadsync_ HubSpot properties."""
    on = _Online(ms, schemas, report)
    for fm in ms.fields:
        _check_field(on, fm)
        _picklist_gaps(on, fm)
        _check_order(on, fm)
    _check_outputs(on)
    return list(on.missing_own.values())
