"""Wide-schema mode: a portal and an org with hundreds of fields, like real ones (seeded).

Real HubSpot portals carry several hundred contact properties (about 400 HubSpot-defined ones
before any custom property) and Salesforce orgs often have hundreds of Lead and Contact fields
(managed packages, years of custom fields). Connectors that ask for everything build URLs past
the servers' 16 KB limit (see sandbox/middleware.py); this mode lets tests prove they do not.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.hubspot.properties import LIFECYCLE_STAGES, Option, PropertyDef
from sandbox.salesforce.schema import OBJECTS, FieldSpec, ObjectSpec

HUBSPOT_PROPERTIES = 600  # contact properties in all (standard, leadsync's, generated)
SALESFORCE_FIELDS = 500  # fields on Lead and on Contact each
FILLED_SHARE = 0.3  # records that carry values in some extra fields
FILLED_PER_RECORD = 6

_HS_AREAS = {
    "analytics": "analyticsinformation",
    "email": "emailinformation",
    "social": "analyticsinformation",
    "sales_email": "sales_properties",
    "sequences": "sales_properties",
    "conversion": "conversioninformation",
    "lead": "sales_properties",
    "marketing": "emailinformation",
    "predictive": "analyticsinformation",
    "buying": "sales_properties",
    "persona": "contactinformation",
    "content": "analyticsinformation",
    "ads": "analyticsinformation",
    "document": "sales_properties",
    "meeting": "sales_properties",
    "feedback": "contactinformation",
}
_HS_METRICS = (
    "first_timestamp", "last_timestamp", "first_visit_timestamp", "last_visit_timestamp",
    "num_visits", "num_event_completions", "first_referrer", "last_referrer", "first_url",
    "last_url", "average_page_views", "revenue", "source_data_1", "source_data_2",
    "last_open_date", "last_click_date", "first_open_date", "first_click_date", "bounce",
    "delivered", "optout", "sends_since_last_engagement", "quarantined", "hard_bounce_reason",
    "clicks", "broadcast_clicks", "enrolled_count", "last_enrolled_date", "score", "tier",
    "status", "type", "role", "channel", "campaign", "count", "date", "latest_value",
)  # fmt: skip
_CUSTOM_AREAS = (
    "account", "billing", "campaign", "customer", "event", "partner", "product", "renewal",
    "support", "trial", "webinar", "onboarding", "region", "industry", "segment", "contract",
    "survey", "community", "training", "referral",
)  # fmt: skip
_CUSTOM_THINGS = (
    "tier", "status", "region", "type", "owner", "score", "date", "count", "source", "stage",
    "plan", "notes", "id", "name", "interest", "amount", "opt_in", "level",
)  # fmt: skip
_ENUM_THINGS = {"tier", "status", "region", "type", "stage", "plan", "interest", "level"}
_OPTIONS = {
    "tier": ("Tier 1", "Tier 2", "Tier 3"),
    "status": ("Active", "Pending", "Inactive", "Churned"),
    "region": ("AMER", "EMEA", "APAC", "LATAM"),
    "type": ("Customer", "Prospect", "Partner", "Reseller"),
    "stage": ("Awareness", "Consideration", "Decision"),
    "plan": ("Free", "Starter", "Professional", "Enterprise"),
    "interest": ("Analytics", "Automation", "Integrations", "Security"),
    "level": ("Low", "Medium", "High"),
    "role": ("BLOCKER", "BUDGET_HOLDER", "CHAMPION", "DECISION_MAKER", "END_USER"),
    "channel": ("EMAIL", "SOCIAL", "SEARCH", "DIRECT"),
}
_SF_STANDARD = {
    "Lead": (
        ("Salutation", "picklist"), ("MiddleName", "string"), ("Suffix", "string"),
        ("Street", "textarea"), ("State", "string"), ("PostalCode", "string"),
        ("Latitude", "double"), ("Longitude", "double"), ("MobilePhone", "phone"),
        ("Fax", "phone"), ("AnnualRevenue", "currency"), ("LastActivityDate", "date"),
        ("EmailBouncedReason", "string"), ("EmailBouncedDate", "datetime"),
        ("CompanyDunsNumber", "string"), ("Jigsaw", "string"), ("CleanStatus", "picklist"),
        ("HasOptedOutOfEmail", "boolean"), ("DoNotCall", "boolean"),
    ),
    "Contact": (
        ("Salutation", "picklist"), ("MiddleName", "string"), ("Suffix", "string"),
        ("MailingStreet", "textarea"), ("MailingState", "string"),
        ("MailingPostalCode", "string"), ("OtherCity", "string"), ("OtherCountry", "string"),
        ("MobilePhone", "phone"), ("HomePhone", "phone"), ("OtherPhone", "phone"),
        ("Fax", "phone"), ("AssistantName", "string"), ("AssistantPhone", "phone"),
        ("Department", "string"), ("Birthdate", "date"), ("LastActivityDate", "date"),
        ("EmailBouncedReason", "string"), ("EmailBouncedDate", "datetime"),
        ("HasOptedOutOfEmail", "boolean"), ("DoNotCall", "boolean"),
    ),
}  # fmt: skip
# Managed packages add namespaced custom fields (Pardot, Marketing Cloud, ZoomInfo ...).
_SF_PACKAGES = ("pi", "et4ae5", "DOZISF", "LID", "mkto71", "Vidyard")
_SF_TYPES = ("string", "picklist", "double", "currency", "percent", "date", "datetime",
             "boolean", "textarea", "url", "phone", "int")  # fmt: skip


def hubspot_properties(seed: int, existing: Iterable[str]) -> tuple[PropertyDef, ...]:
    """Generated contact properties so that, with ``existing``, the portal has 600."""
    rng = random.Random(f"wide-hubspot:{seed}")
    taken = set(existing)
    out: list[PropertyDef] = []

    def add(prop: PropertyDef) -> None:
        if prop.name not in taken and len(taken) < HUBSPOT_PROPERTIES:
            taken.add(prop.name)
            out.append(prop)

    for stage in LIFECYCLE_STAGES:  # HubSpot's own lifecycle-stage timers
        add(_hs(f"hs_date_entered_{stage}", "datetime", "date", "sales_properties"))
        add(_hs(f"hs_date_exited_{stage}", "datetime", "date", "sales_properties"))
        add(_hs(f"hs_time_in_{stage}", "number", "number", "sales_properties"))
    defaults = [(a, m) for a in _HS_AREAS for m in _HS_METRICS]
    rng.shuffle(defaults)
    customs = [(a, t) for a in _CUSTOM_AREAS for t in _CUSTOM_THINGS]
    rng.shuffle(customs)
    # About two thirds HubSpot-defined (hs_*), the rest the portal's own.
    while len(taken) < HUBSPOT_PROPERTIES and (defaults or customs):
        if defaults and (not customs or rng.random() < 0.66):
            area, metric = defaults.pop()
            add(_hs_metric(area, metric))
        else:
            area, thing = customs.pop()
            add(_custom(area, thing))
    return tuple(out)


def _hs(name: str, kind: str, field_type: str, group: str, **kw: Any) -> PropertyDef:
    label = name.removeprefix("hs_").replace("_", " ").capitalize()
    return PropertyDef(name, label, kind, field_type, group=group, read_only=True, **kw)


def _hs_metric(area: str, metric: str) -> PropertyDef:
    name, group = f"hs_{area}_{metric}", _HS_AREAS[area]
    if metric.endswith(("timestamp", "_date", "date")):
        return _hs(name, "datetime", "date", group)
    if metric in _OPTIONS:
        return _hs(name, "enumeration", "select", group, options=_options(_OPTIONS[metric]))
    if metric in ("bounce", "optout", "quarantined", "delivered"):
        return _hs(name, "bool", "booleancheckbox", group, options=_options(("true", "false")))
    if metric in ("num_visits", "num_event_completions", "average_page_views", "revenue",
                  "clicks", "broadcast_clicks", "enrolled_count", "score", "count",
                  "sends_since_last_engagement"):  # fmt: skip
        return _hs(name, "number", "number", group)
    return _hs(name, "string", "text", group)


def _custom(area: str, thing: str) -> PropertyDef:
    name = f"{area}_{thing}"
    label = name.replace("_", " ").capitalize()
    group = "contactinformation"
    if thing in _ENUM_THINGS:
        options = _options(_OPTIONS[thing])
        return PropertyDef(name, label, "enumeration", "select", group, options, False, False)
    if thing == "opt_in":
        options = _options(("true", "false"))
        return PropertyDef(name, label, "bool", "booleancheckbox", group, options, False, False)
    if thing == "date":
        return PropertyDef(name, label, "date", "date", group, hubspot_defined=False)
    if thing in ("score", "count", "amount"):
        return PropertyDef(name, label, "number", "number", group, hubspot_defined=False)
    return PropertyDef(name, label, "string", "text", group, hubspot_defined=False)


def _options(values: Iterable[str]) -> tuple[Option, ...]:
    return tuple(Option(v, v.replace("_", " ").title(), i) for i, v in enumerate(values))


def salesforce_objects(seed: int) -> dict[str, ObjectSpec]:
    """The org's objects with Lead and Contact widened to 500 fields each."""
    out = dict(OBJECTS)
    for name in ("Lead", "Contact"):
        rng = random.Random(f"wide-salesforce:{seed}:{name}")
        base = OBJECTS[name]
        fields = list(base.fields)
        taken = {f.name.lower() for f in fields}
        extra = [_sf_field(n, t) for n, t in _SF_STANDARD[name]]
        words = [(a.title(), t.title()) for a in _CUSTOM_AREAS for t in _CUSTOM_THINGS]
        rng.shuffle(words)
        for i, (area, thing) in enumerate(words):
            package = _SF_PACKAGES[i % len(_SF_PACKAGES)] if i % 4 == 0 else ""
            prefix = f"{package}__" if package else ""
            extra.append(_sf_field(f"{prefix}{area}_{thing}__c", rng.choice(_SF_TYPES)))
        n = 0
        while len(fields) < SALESFORCE_FIELDS:
            spec = extra[n] if n < len(extra) else _sf_field(f"Legacy_Field_{n}__c", "string")
            n += 1
            if spec.name.lower() not in taken:
                taken.add(spec.name.lower())
                fields.append(spec)
        out[name] = replace(base, fields=tuple(fields))
    return out


def _sf_field(name: str, kind: str) -> FieldSpec:
    if kind == "picklist":
        values = _OPTIONS["status"] if "Status" in name else _OPTIONS["level"]
        if name == "Salutation":
            values = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
        return FieldSpec(name, "picklist", 255, picklist=values, restricted=False)
    length = {"string": 255, "textarea": 32000, "url": 255, "phone": 40}.get(kind, 0)
    return FieldSpec(name, kind, length, default=False if kind == "boolean" else None)


def fill_values(sandbox_sf: Any, sandbox_hs: Any, seed: int) -> None:
    """Give some records values in a few extra fields, keeping their modification times."""
    rng = random.Random(f"wide-values:{seed}")
    spare_hs = [
        p for p in sandbox_hs.properties() if not p.read_only and p.name.startswith(_CUSTOM_AREAS)
    ]
    for contact in sandbox_hs.all():
        if rng.random() >= FILLED_SHARE or not spare_hs:
            continue
        props = {p.name: _hs_value(p, rng) for p in rng.sample(spare_hs, FILLED_PER_RECORD)}
        when = _moment((contact.get("properties") or {}).get("lastmodifieddate"))
        sandbox_hs.update(str(contact["id"]), props, when=when)
    for object_type in ("Lead", "Contact"):
        spec: ObjectSpec = sandbox_sf.objects[object_type]
        base = {f.name for f in OBJECTS[object_type].fields}
        spare_sf = [f for f in spec.fields if f.name not in base and f.name.endswith("__c")]
        for row in sandbox_sf.all(object_type):
            if row.get("IsConverted") or rng.random() >= FILLED_SHARE:
                continue
            values = {f.name: _sf_value(f, rng) for f in rng.sample(spare_sf, FILLED_PER_RECORD)}
            when = row.get("SystemModstamp")
            sandbox_sf.update(object_type, row["Id"], values, when=when, validate=False)


def _moment(raw: object) -> datetime | None:
    if isinstance(raw, datetime):
        return raw
    text = str(raw or "")
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def _hs_value(prop: PropertyDef, rng: random.Random) -> str:
    if prop.options:
        return rng.choice(prop.options).value
    if prop.type == "number":
        return str(rng.randint(0, 500))
    if prop.type == "date":
        return (date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat()
    return rng.choice(("alpha", "beta", "gamma", "delta")) + f"-{rng.randint(1, 99)}"


def _sf_value(spec: FieldSpec, rng: random.Random) -> object:
    kind = spec.type
    if spec.picklist:
        return rng.choice(spec.picklist)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("double", "currency", "percent"):
        return round(rng.uniform(0, 1000), 2)
    if kind == "int":
        return rng.randint(0, 1000)
    if kind == "date":
        return (date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat()
    if kind == "datetime":
        moment = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 10**6))
        return moment.isoformat()
    if kind == "url":
        return f"https://example-{rng.randint(1, 999)}.io"
    if kind == "phone":
        return f"+1 415 555 {rng.randint(1000, 9999)}"
    return rng.choice(("North", "South", "East", "West")) + f" {rng.randint(1, 99)}"
