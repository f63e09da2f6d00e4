"""From the mapping's fields to merge policies, and the lifecycle stage feedback implies."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Value
from mappings.mappingset import MappingSet
from mappings.rules import Decision
from mappings.syncrule import SyncRule
from sync.merge import FieldPolicy

LIFECYCLE = "lifecycle_stage"
# What Salesforce's verdicts and the SQL stage say a contact's lifecycle stage is at least.
_STAGE_LIFECYCLE = {"mql": "marketingqualifiedlead", "sql": "salesqualifiedlead"}


def policies(ms: MappingSet) -> tuple[FieldPolicy, ...]:
    """One merge policy per shared field.

    A field counts as present in Salesforce when a Lead or a Contact carries it: the engine
    fills fields an object type lacks from the base, so "not on this object" reads as "unchanged".
    """
    cached = ms.cache.get("policies")
    if isinstance(cached, tuple):
        return cached
    out = []
    for fm in ms.fields:
        out.append(
            FieldPolicy(
                name=fm.name,
                rule=fm.rule,
                order=fm.order,
                exceptions=fm.exceptions,
                blanks_propagate=fm.blanks_propagate,
                on_hubspot=bool(fm.hubspot_read or fm.hubspot_write),
                on_salesforce=bool(fm.salesforce),
            )
        )
    result = tuple(out)
    ms.cache["policies"] = result
    return result


def implied_lifecycle(merged: Mapping[str, Value], decision: Decision | None) -> str | None:
    """The furthest lifecycle stage the feedback and the decision justify (None: no claim)."""
    status = merged.get("opportunity_status")
    if status == "won":
        return "customer"
    if status in ("open", "lost") or merged.get("converted") is True:
        return "opportunity"
    if decision is not None and not decision.excluded:
        return _STAGE_LIFECYCLE.get(decision.stage)
    return None


def advance_lifecycle(ms: MappingSet, current: Value, implied: str | None) -> Value:
    """Move the lifecycle stage forward to ``implied``, never backwards."""
    if implied is None:
        return current
    try:
        fm = ms.field(LIFECYCLE)
    except KeyError:
        return current
    if fm.rule is not SyncRule.ORDERED or implied not in fm.order:
        return current
    if current is None or current == "":
        return implied
    if current not in fm.order:
        return current  # an off-order value (e.g. "other") is a human's call
    return implied if fm.order.index(implied) > fm.order.index(str(current)) else current
