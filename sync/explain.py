"""`leadsync explain`: one person's records on both sides, link, fields, history and decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connectors.base import Connector, SourceRecord, Value
from mappings.mappingset import MappingSet
from mappings.transform import to_canonical
from sync.policies import policies
from sync.state import StateStore
from sync.state_models import AuditRow, DecisionRow, Link


@dataclass(frozen=True)
class FieldView:
    """One shared field of the person: both sides now, the last synced base, its rule, history."""

    name: str
    rule: str
    hubspot: Value
    salesforce: Value
    base: Value
    last_write: AuditRow | None

    @property
    def verdict(self) -> str:
        if self.hubspot == self.salesforce:
            return "in sync"
        if self.base == self.hubspot:
            return "Salesforce changed since the last sync"
        if self.base == self.salesforce:
            return "HubSpot changed since the last sync"
        return "differs on both sides"

    @property
    def won(self) -> str:
        """Whose value the last write carried, and when."""
        row = self.last_write
        if row is None:
            return "-"
        side = {"to_hubspot": "Salesforce", "to_salesforce": "HubSpot"}.get(row.entry.direction)
        who = f"{side} won" if side else "no write"
        return f"{who} at {row.at.strftime('%Y-%m-%d %H:%M:%S')} (run {(row.run_id or '')[:8]})"


@dataclass
class Explanation:
    """Everything `leadsync explain` shows about one person."""

    query: str
    link: Link | None
    history: list[Link] = field(default_factory=list)  # other links of the same person
    hubspot: SourceRecord | None = None
    salesforce: SourceRecord | None = None
    fields: list[FieldView] = field(default_factory=list)
    audit: list[AuditRow] = field(default_factory=list)
    decision: DecisionRow | None = None

    def to_json(self) -> dict[str, object]:
        def rec(r: SourceRecord | None) -> dict[str, object] | None:
            if r is None:
                return None
            return {
                "object": r.object_type,
                "id": r.id,
                "modified_at": r.modified_at.isoformat(),
                "deleted": r.deleted,
                "fields": dict(r.fields),
            }

        def link(lk: Link) -> dict[str, object]:
            return {
                "id": lk.id,
                "hubspot_id": lk.hubspot_id,
                "salesforce_id": lk.salesforce_id,
                "salesforce_type": lk.salesforce_type,
                "email": lk.email,
                "status": lk.status,
                "reason": lk.reason,
                "created_at": _iso(lk.created_at),
                "updated_at": _iso(lk.updated_at),
            }

        d = self.decision.decision if self.decision else None
        return {
            "query": self.query,
            "link": link(self.link) if self.link else None,
            "link_history": [link(lk) for lk in self.history],
            "hubspot": rec(self.hubspot),
            "salesforce": rec(self.salesforce),
            "fields": [
                {
                    "field": f.name,
                    "rule": f.rule,
                    "hubspot": f.hubspot,
                    "salesforce": f.salesforce,
                    "base": f.base,
                    "state": f.verdict,
                    "last_write": _audit_json(f.last_write),
                }
                for f in self.fields
            ],
            "audit": [_audit_json(a) for a in self.audit],
            "decision": None
            if d is None or self.decision is None
            else {
                "at": self.decision.at.isoformat(),
                "run_id": self.decision.run_id,
                "exclusion": d.exclusion,
                "stage": d.stage,
                "score": d.score,
                "fit": d.fit,
                "engagement": d.engagement,
                "signals": [{"rule": r.rule, "points": r.points, "why": r.why} for r in d.reasons],
            },
        }


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _audit_json(row: AuditRow | None) -> dict[str, object] | None:
    if row is None:
        return None
    e = row.entry
    return {
        "at": row.at.isoformat(),
        "run_id": row.run_id,
        "field": e.field,
        "old": e.old,
        "new": e.new,
        "direction": e.direction,
        "rule": e.rule,
    }


def find_link(links: list[Link], query: str) -> tuple[Link | None, list[Link]]:
    """The active link the query names (email, link id, HubSpot or Salesforce id), and others."""
    q = query.strip().lower()
    mine = [
        lk
        for lk in links
        if q in {(lk.email or "").lower(), lk.id.lower()}
        or q in {(lk.hubspot_id or "").lower(), (lk.salesforce_id or "").lower()}
    ]
    active = next((lk for lk in mine if lk.status == "active"), None)
    emails = {(lk.email or "").lower() for lk in mine} - {""}
    history = [lk for lk in links if lk is not active and (lk in mine or lk.email in emails)]
    return active, history


def explain(
    query: str,
    ms: MappingSet,
    state: StateStore,
    hubspot: Connector | None,
    salesforce: Connector | None,
) -> Explanation:
    """Collect the explanation; connectors None means "from the state only" (no live reads)."""
    link, history = find_link(state.load_links(), query)
    out = Explanation(query, link, history)
    email = link.email if link else (query if "@" in query else None)
    if hubspot is not None:
        hubspot.want("contact", ms.vendor_fields("hubspot", "contact"))
        if link and link.hubspot_id:
            out.hubspot = next(iter(hubspot.read("contact", [link.hubspot_id])), None)
        elif email:
            out.hubspot = next(iter(hubspot.find_by_email("contact", [email])), None)
    if salesforce is not None:
        for object_type in ("Lead", "Contact"):
            salesforce.want(object_type, ms.vendor_fields("salesforce", object_type))
        if link and link.salesforce_id:
            kind = link.salesforce_type or "Lead"
            out.salesforce = next(iter(salesforce.read(kind, [link.salesforce_id])), None)
        elif email:
            for kind in ("Contact", "Lead"):
                found = salesforce.find_by_email(kind, [email])
                if found:
                    out.salesforce = found[0]
                    break
    base = state.load_bases([link.id]).get(link.id, {}) if link else {}
    out.audit = state.audit_for(link_id=link.id, limit=100_000) if link else []
    last: dict[str, AuditRow] = {row.entry.field: row for row in out.audit}
    hs = to_canonical(ms, "hubspot", "contact", out.hubspot.fields) if out.hubspot else {}
    sf = (
        to_canonical(ms, "salesforce", out.salesforce.object_type, out.salesforce.fields)
        if out.salesforce
        else {}
    )
    for policy in policies(ms):
        out.fields.append(
            FieldView(
                policy.name,
                str(policy.rule),
                hs.get(policy.name),
                sf.get(policy.name),
                base.get(policy.name),
                last.get(policy.name),
            )
        )
    decisions = (
        state.decisions_for(link_id=link.id, limit=10_000)
        if link
        else state.decisions_for(email=email, limit=10_000)
        if email
        else []
    )
    out.decision = decisions[-1] if decisions else None
    return out
