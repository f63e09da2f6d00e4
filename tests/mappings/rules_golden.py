"""The golden snapshot of map + rules: what every decision was before the speed work (issue 12).

The optimised code cannot be its own oracle, so the outputs of the unoptimised code (commit
29f3643) were recorded once into ``data/rules_golden.json.xz``, inputs included, so the
snapshot depends on neither the people generator nor the sandbox's lists. ``snapshot()`` is
what the test compares: per record the canonical values, every fact, the decision (stage,
exclusion, scores, every fired rule with its points and reason), the reasons text and the
decision fields and outbound translation for both systems.

Regenerate (only when a change to the mapping or rules files is *meant* to change decisions):

    .venv/bin/python -m tests.mappings.rules_golden --write
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import random
import shutil
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from mappings.facts import FACTS, Context
from mappings.loader import load_mappings
from mappings.mappingset import MappingSet
from mappings.rules import decision_fields, evaluate, explain
from mappings.transform import UnreadableValue, from_canonical, read_canonical, to_canonical

DATA = Path(__file__).resolve().parent / "data" / "rules_golden.json.xz"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "mappings" / "default"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
SEED = 7
PEOPLE = 1_500  # generated people as HubSpot contacts; the first LEADS also as Salesforce Leads
LEADS = 600
MUTANTS = 500  # generated records with a field rewritten (case, spaces, another record's value)

# Records the generator would rarely write: names and addresses the rules must judge right
# (issue 12: Haddad and Llwyd are people), and values the readers take the long way.
EDGE_CASES: tuple[dict[str, Any], ...] = (
    {"email": "a.haddad@acme-logistics.com", "firstname": "Amal", "lastname": "Haddad"},
    {"email": "gwen.llwyd@gmail.com", "firstname": "Gwen", "lastname": "Llwyd"},
    {"email": "xqzvbnrt@gmail.com", "firstname": "Xqzvbnrt", "lastname": "Xqzvbnrt"},
    {"email": "bjoerk.gudmundsdottir@mail.is", "firstname": "Björk", "lastname": "Guðmundsdóttir"},
    {"email": "  MARIA.Lopez@BrightScale.COM ", "firstname": " maria ", "lastname": "LOPEZ"},
    {"email": "maria @bright scale.com", "firstname": "Maria", "phone": "(415) 555-2671"},
    {"email": "test+12@brightscale.com", "company": "n/a", "phone": "+44 20 7946 0958"},
    {"email": "info@brightscale.com", "company": "Brightscale", "website": "www.brightscale.com"},
    {"email": "asdf@qwer.io", "firstname": "asdf", "lastname": "qwer", "company": "asdfgh"},
    {"email": "jsmith84@uuiioottt.com", "firstname": "John", "lastname": "Smith"},
    {"email": "no-at-sign", "firstname": "", "lastname": "", "company": ""},
    {"email": "李@例子.中国", "firstname": "李", "lastname": "王", "country": "China"},
    {"email": "x@y", "phone": "0049 30 901820", "country": "Deutschland"},
    {"email": "m@acme.co.uk", "phone": "020 7946 0958", "country": "uk", "jobtitle": " VP  Sales"},
    {"email": "ceo@globexlogistics.com", "company": "Globex Logistics", "jobtitle": "CEO"},
    {"email": "p@b.com", "num_conversion_events": "3", "hs_analytics_num_page_views": 2.5},
    {"email": "q@b.com", "recent_conversion_date": "1764547200000", "hs_email_open": "7"},
    {"email": "r@b.com", "recent_conversion_date": "not a date", "hs_email_click": True},
    {"email": "s@b.com", "num_conversion_events": float("nan"), "firstname": "Nan"},
    {"email": "t@b.com", "hs_analytics_num_page_views": 10**30},
    {"email": None, "firstname": None, "lastname": None, "company": None, "phone": None},
    {"email": "jane@doe.com", "firstname": "Jane", "lastname": "Doe"},
    {"email": "sales@mailinator.com", "firstname": "Li", "lastname": "Li"},
    {"email": "jamesnof@gmail.com", "firstname": "Jamesnof", "lastname": "jamesnof"},
)


def _mappings(target: Path, lists: Mapping[str, Iterable[str]]) -> MappingSet:
    """The shipped mapping and rules files, with these domains in their lists."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(DEFAULT_DIR, target)
    for name, entries in lists.items():
        path = target / "lists" / name
        head = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(head + "".join(f"{e}\n" for e in entries), encoding="utf-8")
    return load_mappings(target)


def _plain(value: object) -> object:
    """A value as JSON can hold it, its type kept: floats and datetimes are not strings."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else repr(value)
    if isinstance(value, datetime | date):
        return f"{type(value).__name__}:{value.isoformat()}"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _digest(value: object) -> str:
    text = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def snapshot(ms: MappingSet, system: str, object_type: str, raw: Mapping[str, Any]) -> list[Any]:
    """What map + rules make of one record: decision in full, the rest as digests."""
    inbound = read_canonical(ms, system, object_type, raw)  # type: ignore[arg-type]
    try:
        canonical = to_canonical(ms, system, object_type, raw)  # type: ignore[arg-type]
    except UnreadableValue as exc:
        errors = [(e.field, e.code, e.message) for e in exc.errors]
        return ["unreadable", errors, _digest(exc.values), _digest(inbound.values)]
    ctx = Context(canonical, NOW)
    facts = {name: ctx[name] for name in sorted(FACTS)}
    rules = ms.rules
    decision = evaluate(rules, canonical, NOW)
    fired = [[f.rule, _plain(f.points), f.why] for f in decision.fired]
    outputs = {s: decision_fields(rules, decision, s) for s in ("hubspot", "salesforce")}
    with_decision = {**canonical, **outputs["salesforce"]}
    outbound = from_canonical(ms, "salesforce", "Lead", with_decision, creating=True)
    back = from_canonical(ms, "hubspot", "contact", canonical)
    return [
        decision.stage,
        decision.exclusion,
        decision.excluded,
        decision.held,
        _plain(decision.fit),
        _plain(decision.engagement),
        _plain(decision.score),
        fired,
        explain(decision, rules.reasons_max_length),
        _digest([canonical, facts]),
        _digest(
            [
                outputs,
                [outbound.fields, [(e.field, e.code, e.message) for e in outbound.errors]],
                [back.fields, [(e.field, e.code, e.message) for e in back.errors]],
            ]
        ),
    ]


def _inputs() -> dict[str, Any]:
    """The records to snapshot, and the lists they were judged with (from the sandbox)."""
    from sandbox.generator import hubspot_properties, lead_fields
    from sandbox.mappings import _LISTS
    from sandbox.people import generate_people

    people = generate_people(SEED, PEOPLE)
    contacts = [hubspot_properties(p, NOW) for p in people]
    leads = [lead_fields(p) for p in people[:LEADS]]
    rng = random.Random(SEED)
    mutants = []
    for _ in range(MUTANTS):
        record = dict(rng.choice(contacts))
        key = rng.choice(sorted(record))
        value = record[key]
        how = rng.randrange(4)
        if how == 0 and isinstance(value, str):
            record[key] = value.upper()
        elif how == 1 and isinstance(value, str):
            record[key] = f"  {value}  ".replace(" ", "  ")
        elif how == 2:
            record[key] = rng.choice(contacts).get(key, "")
        else:
            del record[key]
        mutants.append(record)
    return {
        "lists": {name: list(domains) for name, domains in _LISTS.items()},
        "contacts": [*contacts, *mutants, *EDGE_CASES],
        "leads": [_json_safe(lead) for lead in leads],
    }


def _json_safe(record: Mapping[str, object]) -> dict[str, object]:
    return {k: v.isoformat() if isinstance(v, datetime | date) else v for k, v in record.items()}


def run(ms: MappingSet, inputs: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Every record of ``inputs`` through map + rules, as snapshots."""
    return {
        "contacts": [_plain(snapshot(ms, "hubspot", "contact", r)) for r in inputs["contacts"]],
        "leads": [_plain(snapshot(ms, "salesforce", "Lead", r)) for r in inputs["leads"]],
    }


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(lzma.decompress(DATA.read_bytes()))
    return data


def _write(work: Path) -> None:
    inputs = _inputs()
    ms = _mappings(work / "mappings", inputs["lists"])
    data = {"inputs": inputs, "outputs": run(ms, inputs)}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_bytes(lzma.compress(text.encode(), preset=9 | lzma.PRESET_EXTREME))
    print(f"wrote {DATA} ({DATA.stat().st_size:,} bytes)")


if __name__ == "__main__":
    import tempfile

    parser = argparse.ArgumentParser(description="Record the map + rules golden snapshot.")
    parser.add_argument("--write", action="store_true", required=True)
    parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp))
