"""Load mapping.yaml, rules.yaml and list files into a MappingSet, or fail with every issue."""

from __future__ import annotations

import re
import types
from pathlib import Path
from typing import TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from connectors.base import System
from mappings.campaigns import compile_campaigns
from mappings.conditions import Scope
from mappings.errors import Issue, MappingError, nearest
from mappings.facts import FACTS
from mappings.mappingset import MappingSet
from mappings.models import FieldMap, FieldSpec, MappingFile, RulesFile
from mappings.rules import compile_rules
from mappings.syncrule import SyncRule
from mappings.yamlsrc import Loc, Located, read_yaml

MAPPING_FILE = "mapping.yaml"
RULES_FILE = "rules.yaml"
MAX_LIST_BYTES = 20_000_000  # a list of domains; not a place for a database dump
REQUIRED_FIELDS = ("email",)  # identity: the engine links records by normalized email
SYSTEMS: tuple[System, ...] = ("hubspot", "salesforce")
M = TypeVar("M", bound=BaseModel)


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _keys_at(root: type[BaseModel], path: Loc) -> list[str]:
    """The keys the file format allows at ``path`` (for "did you mean" on unknown keys)."""
    annotation: object = root
    for seg in path:
        origin = get_origin(annotation)
        if origin in (Union, types.UnionType):
            annotation = next((a for a in get_args(annotation) if a is not type(None)), annotation)
            origin = get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            match = next(
                (f for n, f in annotation.model_fields.items() if seg in (n, f.alias)), None
            )
            if match is None:
                return []
            annotation = match.annotation
        elif origin is dict:
            annotation = get_args(annotation)[1]
        elif origin is list:
            annotation = get_args(annotation)[0]
        else:
            return []
    model = _model_in(annotation)
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _place(src: Located, loc: tuple[int | str, ...]) -> Loc:
    """Drop pydantic's union/type tags from an error location, keeping the file's own path."""
    path: Loc = ()
    for seg in loc:
        probe = (*path, seg)
        if probe in src.values or probe in src.keys:
            path = probe
    return path


def _validate(model: type[M], src: Located, issues: list[Issue]) -> M | None:
    try:
        return model.model_validate(src.data if src.data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = _place(src, err["loc"])
            kind = err["type"]
            if kind == "extra_forbidden":
                key = str(err["loc"][-1])
                hint = nearest(key, _keys_at(model, loc[:-1]))
                issues.append(src.issue(loc, f"unknown key {key!r}", hint, key=True))
            elif kind in ("enum", "literal_error"):
                allowed = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
                value = str(err.get("input"))
                issues.append(src.issue(loc, f"invalid value {value!r}", nearest(value, allowed)))
            elif kind == "missing":
                message = f"missing required key {err['loc'][-1]!r}"
                issues.append(src.issue(loc, message, key=True))  # at the object's own key
            else:
                issues.append(src.issue(loc, err["msg"]))
        return None


def _vocabulary(
    name: str, spec: FieldSpec, src: Located, issues: list[Issue]
) -> tuple[dict[System, dict[str, str]], dict[System, dict[str, str]]]:
    """Value maps: system spelling -> canonical (all listed) and canonical -> system (first)."""
    to_canon: dict[System, dict[str, str]] = {"hubspot": {}, "salesforce": {}}
    from_canon: dict[System, dict[str, str]] = {"hubspot": {}, "salesforce": {}}
    for canonical, entry in spec.values.items():
        for system in SYSTEMS:
            spellings = entry.hubspot if system == "hubspot" else entry.salesforce
            for spelling in spellings:
                earlier = to_canon[system].get(spelling)
                if earlier is not None and earlier != canonical:
                    issues.append(
                        src.issue(
                            ("fields", name, "values", canonical, system),
                            f"{system} value {spelling!r} maps to both {earlier!r} and "
                            f"{canonical!r}",
                        )
                    )
                to_canon[system][spelling] = canonical
            if spellings and spellings[0] != canonical:
                from_canon[system][canonical] = spellings[0]
            elif not spellings:
                # No spelling given: the canonical value is the system's value too.
                to_canon[system].setdefault(canonical, canonical)
    return to_canon, from_canon


def _field_map(name: str, spec: FieldSpec, src: Located, issues: list[Issue]) -> FieldMap:
    here: Loc = ("fields", name)
    if spec.hubspot is None and spec.salesforce is None:
        issues.append(
            src.issue(here, f"field {name!r} has neither a hubspot nor a salesforce name", key=True)
        )
    if spec.sync is SyncRule.ORDERED and not spec.order:
        issues.append(src.issue((*here, "sync"), "an ordered field needs an order: list"))
    known = set(spec.order) | {"*"}
    for i, exc in enumerate(spec.exceptions):
        # `to` may leave the order ("other" from anywhere); `from` must be a stage or "*".
        for end, value in (("from", exc.from_),):
            if value not in known:
                issues.append(
                    src.issue(
                        (*here, "exceptions", i, end),
                        f"{value!r} is not in the order",
                        nearest(value, spec.order),
                    )
                )
    if spec.normalize and spec.type != "string":
        issues.append(
            src.issue((*here, "normalize"), f"normalizers apply to text, not {spec.type}")
        )
    if spec.computed and spec.salesforce is None:
        issues.append(src.issue((*here, "computed"), "computed needs a salesforce name"))
    to_canon, from_canon = _vocabulary(name, spec, src, issues)
    salesforce: dict[str, str] = {}
    if spec.salesforce is not None:
        for obj, fname in (("Lead", spec.salesforce.lead), ("Contact", spec.salesforce.contact)):
            if fname:
                salesforce[obj] = fname
    limits: dict[System, int] = {}
    if isinstance(spec.max_length, int):
        limits = {"hubspot": spec.max_length, "salesforce": spec.max_length}
    elif spec.max_length:
        limits = dict(spec.max_length)
    return FieldMap(
        name=name,
        rule=spec.sync,
        type=spec.type,
        hubspot_read=tuple(spec.hubspot.read) if spec.hubspot else (),
        hubspot_write=spec.hubspot.write if spec.hubspot else None,
        salesforce=salesforce,
        normalizers=tuple(spec.normalize),
        to_canonical=to_canon,
        from_canonical=from_canon,
        order=tuple(spec.order),
        exceptions=tuple((e.from_, e.to) for e in spec.exceptions),
        max_length=limits,
        too_long=spec.too_long,
        required_default=dict(spec.required_default),
        blanks_propagate=spec.blanks_propagate,
        computed=spec.computed,
        lookup=spec.lookup,
        description=spec.description,
    )


def _read_list(path: Path) -> frozenset[str]:
    entries = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.add(entry.casefold())
    return frozenset(entries)


def _lists(
    spec: RulesFile, base: Path, src: Located, issues: list[Issue]
) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    root = base.resolve()
    for name, rel in spec.lists.items():
        path = base / rel
        # A list is data next to the rules: never a file elsewhere (/proc/self/environ, ~/.ssh).
        outside = Path(rel).is_absolute() or not path.resolve().is_relative_to(root)
        if outside:
            issues.append(
                src.issue(
                    ("lists", name),
                    f"list file {rel!r} is outside the mappings directory {str(base)!r}: "
                    "give a path relative to it, without '..' or a symlink leading out",
                )
            )
            out[name] = frozenset()
            continue
        if path.is_file() and path.stat().st_size > MAX_LIST_BYTES:
            issues.append(
                src.issue(("lists", name), f"list file {rel!r} is larger than {MAX_LIST_BYTES}")
            )
            out[name] = frozenset()
            continue
        if not path.is_file():
            siblings = [
                str(p.relative_to(base))
                for p in (path.parent.glob("*.txt") if path.parent.is_dir() else [])
            ]
            issues.append(
                src.issue(("lists", name), f"list file {rel!r} not found", nearest(rel, siblings))
            )
            out[name] = frozenset()  # reported once here, not again at every use
            continue
        out[name] = _read_list(path)
    return out


def load_mappings(directory: Path) -> MappingSet:
    """Load ``mapping.yaml`` + ``rules.yaml`` (+ their list files); raise MappingError on issues."""
    directory = Path(directory)
    issues: list[Issue] = []
    msrc, found = read_yaml(directory / MAPPING_FILE, str(directory / MAPPING_FILE))
    issues += found
    rsrc, found = read_yaml(directory / RULES_FILE, str(directory / RULES_FILE))
    issues += found
    if issues:
        raise MappingError(issues)
    mapping = _validate(MappingFile, msrc, issues)
    rules_spec = _validate(RulesFile, rsrc, issues)
    fields: list[FieldMap] = []
    if mapping is not None:
        for name, spec in mapping.fields.items():
            if name in FACTS:
                issues.append(
                    msrc.issue(
                        ("fields", name), f"{name!r} is the name of a built-in fact", key=True
                    )
                )
            fields.append(_field_map(name, spec, msrc, issues))
        names = [f.name for f in fields]
        for required in REQUIRED_FIELDS:
            if required in names:
                continue
            near = nearest(required, names)
            if near is not None:  # point at the misspelled key itself
                message = f"field {near!r} is not a canonical field; leadsync needs {required!r}"
                issues.append(msrc.issue(("fields", near), message, required, key=True))
            else:
                message = f"required field {required!r} is missing"
                issues.append(msrc.issue(("fields",), message, key=True))
    if rules_spec is None:
        raise MappingError(issues)
    declared = {f.name for f in fields}
    if (
        mapping is None
        and isinstance(msrc.data, dict)
        and isinstance(msrc.data.get("fields"), dict)
    ):
        # Check the rules against the names the broken mapping declares: one run, every issue.
        declared = {str(k) for k in msrc.data["fields"]}
    lists = _lists(rules_spec, directory, rsrc, issues)
    rules = compile_rules(rules_spec, Scope(rsrc, frozenset(declared), lists, issues))
    campaigns = None
    if mapping is not None and mapping.campaigns is not None:
        campaigns = compile_campaigns(mapping.campaigns, declared, msrc, issues)
    if issues or mapping is None:
        raise MappingError(issues)
    return MappingSet(tuple(fields), rules, directory, msrc, rsrc, campaigns=campaigns)
