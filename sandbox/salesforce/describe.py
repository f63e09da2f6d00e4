"""``describe`` answers: global, per object and per field, from the schema."""

from __future__ import annotations

import re
from collections.abc import Mapping

from sandbox.salesforce.relations import reference_to, relationship_name
from sandbox.salesforce.schema import BASE_PATH, ID_LOOKUP, OBJECTS, FieldSpec, ObjectSpec

_SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}
_TEXT_TYPES = frozenset({"string", "email", "phone", "url", "textarea", "picklist", "id"})


def _label(name: str) -> str:
    base = name.removesuffix("__c").replace("_", " ")
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base)


def describe_field(spec: FieldSpec) -> dict[str, object]:
    """One entry of describe's ``fields``."""
    return {
        "name": spec.name,
        "label": spec.label or _label(spec.name),
        "type": spec.type,
        "soapType": _SOAP_TYPES.get(spec.type, "xsd:string"),
        "length": spec.length if spec.type in _TEXT_TYPES or spec.type == "reference" else 0,
        "nillable": not spec.required and spec.type != "boolean" and spec.name != "Id",
        "createable": spec.createable,
        "updateable": spec.updateable,
        "unique": spec.unique,
        "externalId": spec.external_id,
        "idLookup": spec.external_id or spec.name in ID_LOOKUP,
        "custom": spec.custom,
        "defaultedOnCreate": spec.default is not None or not spec.createable,
        "defaultValue": spec.default,
        "restrictedPicklist": spec.restricted,
        "picklistValues": [
            {"active": True, "defaultValue": v == spec.default, "label": v, "value": v}
            for v in spec.picklist
        ],
        "referenceTo": _reference_to(spec),
        "relationshipName": relationship_name(spec),
        "filterable": spec.type not in ("textarea",),
        "sortable": spec.type not in ("textarea",),
        "calculated": False,
        "autoNumber": False,
    }


def _reference_to(spec: FieldSpec) -> list[str]:
    target = reference_to(spec)
    return [target] if target else []


def _urls(name: str) -> dict[str, str]:
    base = f"{BASE_PATH}/sobjects/{name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def describe_object(spec: ObjectSpec) -> dict[str, object]:
    """``GET sobjects/{Object}/describe``."""
    return {
        **describe_global_entry(spec),
        "fields": [describe_field(f) for f in spec.fields],
    }


def describe_global_entry(spec: ObjectSpec) -> dict[str, object]:
    """One entry of ``GET sobjects/``."""
    return {
        "name": spec.name,
        "label": spec.name,
        "labelPlural": spec.name + ("ies" if spec.name.endswith("y") else "s"),
        "keyPrefix": spec.key_prefix,
        "custom": False,
        "createable": True,
        "updateable": True,
        "deletable": True,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "urls": _urls(spec.name),
    }


def describe_global(objects: Mapping[str, ObjectSpec] = OBJECTS) -> dict[str, object]:
    """``GET sobjects/``."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [describe_global_entry(s) for s in objects.values()],
    }
