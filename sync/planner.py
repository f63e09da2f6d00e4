"""Per person: map both sides, merge, qualify, and plan the write to each system (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connectors.base import System, Value, WriteOp
from mappings.mappingset import MappingSet
from mappings.rules import decision_fields, evaluate
from mappings.transform import from_canonical, to_canonical
from sync.decision_writes import decision_changes
from sync.merge import SideState, is_blank, merge_record
from sync.owners import OwnerCheck
from sync.person import Person, dead_letter_ref
from sync.plan import plan_side
from sync.policies import LIFECYCLE, advance_lifecycle, implied_lifecycle, policies
from sync.pulled import Pulled, opportunity_fields
from sync.push import Write
from sync.report import RunReport
from sync.state_models import NewDeadLetter
from sync.truncation import restore_cut_values

HUBSPOT_EXTERNAL_ID = "Leadsync_HubSpot_Id__c"
DELETED_FLAG = "leadsync_deleted_in_salesforce"
ARCHIVED_FLAG = "Leadsync_HubSpot_Archived__c"


class Planner:
    """Turns one person's records into merged values, a decision and a write per system.

    No I/O: the engine reads the records before and pushes the writes after. Refusals found
    while planning (a value too long for a field that rejects) become pending dead letters.
    """

    def __init__(
        self,
        ms: MappingSet,
        report: RunReport,
        *,
        now: datetime,
        create_type: str,
        owners: OwnerCheck | None = None,
        assign_on_stages: frozenset[str] = frozenset(),
    ) -> None:
        self.ms = ms
        self.policies = policies(ms)
        # Looked up per field of every person: resolve the names once.
        self._on_salesforce = frozenset(p.name for p in self.policies if p.on_salesforce)
        self.report = report
        self.now = now
        self.create_type = create_type
        self.pending_dead: list[NewDeadLetter] = []
        self.owners = owners or OwnerCheck.for_mapping(ms)
        self.assign_on_stages = assign_on_stages  # stages whose arrival re-runs CRM routing

    def merge(self, person: Person, pulled: Pulled) -> None:
        pair = person.pair
        base = person.base
        hs_rec = pair.hubspot
        sf_rec = pair.salesforce
        hs_vals = to_canonical(self.ms, "hubspot", "contact", hs_rec.fields) if hs_rec else None
        sf_vals: dict[str, Value] | None = None
        if sf_rec is not None:
            sf_type = sf_rec.object_type
            raw = dict(sf_rec.fields)
            opp = pulled.opportunities.get(sf_rec.id) if sf_type == "Contact" else None
            if opp is not None:
                raw.update(opportunity_fields(opp))
            sf_vals = to_canonical(self.ms, "salesforce", sf_type, raw)
            lead = pulled.converted_leads.get(sf_rec.id) if sf_type == "Contact" else None
            if lead is not None:
                for name, value in to_canonical(self.ms, "salesforce", "Lead", lead.fields).items():
                    sf_vals.setdefault(name, value)
            # A field this object does not carry (or an Opportunity not read this run) is
            # unchanged, not blank: take it from the base.
            for name, value in base.items():
                if name not in sf_vals and name in self._on_salesforce:
                    sf_vals[name] = value
        if hs_vals is not None:
            hs_vals = restore_cut_values(self.ms, hs_vals, base, "hubspot", "contact")
        if sf_vals is not None and sf_rec is not None:
            sf_vals = restore_cut_values(self.ms, sf_vals, base, "salesforce", sf_rec.object_type)
        person.hubspot_now = hs_vals
        person.salesforce_now = sf_vals
        result = merge_record(
            self.policies,
            base,
            SideState(hs_vals, hs_rec.modified_at) if hs_vals is not None and hs_rec else None,
            SideState(sf_vals, sf_rec.modified_at) if sf_vals is not None and sf_rec else None,
        )
        values = dict(result.values)
        self.report.conflicts += len(result.conflicts)
        person.conflicts = result.conflicts
        decision = evaluate(self.ms.rules, values, self.now)
        values[LIFECYCLE] = advance_lifecycle(
            self.ms, values.get(LIFECYCLE), implied_lifecycle(values, decision)
        )
        person.values = values
        person.decision = decision
        if decision.excluded:
            self.report.excluded += 1

    def plan_salesforce(self, person: Person) -> Write | None:
        decision = person.decision
        assert decision is not None
        creating = person.salesforce_id is None
        if creating and (decision.excluded or decision.held or not person.hubspot_id):
            return None  # an excluded record, or one held for review, is never created in the CRM
        hs_raw = person.pair.hubspot.fields if person.pair.hubspot else {}
        if creating and _truthy(hs_raw.get(DELETED_FLAG)):
            self.report.skip("deleted in Salesforce; not re-created")
            return None
        object_type = person.salesforce_type or self.create_type
        current = None if creating else person.salesforce_now
        planned = plan_side(self.policies, person.values, current, "salesforce")
        person.unwritten |= self.owners.drop_unknown(planned, "salesforce")
        out = from_canonical(self.ms, "salesforce", object_type, planned, creating=creating)
        if out.errors:
            err = out.errors[0]
            self.dead_letter(
                person,
                "salesforce",
                object_type,
                err.code,
                err.message,
                err.field,
                dict(out.fields),
            )
            return None
        fields = dict(out.fields)
        raw_now = person.pair.salesforce.fields if person.pair.salesforce else {}
        if not creating and person.hubspot_id and raw_now.get(ARCHIVED_FLAG) is True:
            fields[ARCHIVED_FLAG] = False  # linked to a live HubSpot contact again
        outputs = decision_fields(self.ms.rules, decision, "salesforce")
        decided = decision_changes(outputs, raw_now, creating)
        fields.update(decided)
        person.decision_written = person.decision_written or bool(decided)
        if not fields:
            return None
        stage_field = self.ms.rules.outputs["salesforce"].stage
        op = WriteOp(
            object_type,
            fields,
            id=person.salesforce_id,
            external_id=person.hubspot_id if creating else None,
            ref=person.link_id,
            # Reaching a stage that hands the record to sales runs the CRM's routing again.
            assign=decision.stage in self.assign_on_stages and stage_field in decided,
        )
        if creating:
            op = WriteOp(
                object_type,
                {**fields, HUBSPOT_EXTERNAL_ID: person.hubspot_id},
                external_id=person.hubspot_id,
                ref=person.link_id,
            )
        return Write(
            "salesforce",
            op,
            person.link_id,
            planned=frozenset(planned),
            person=person,
            record_ref=dead_letter_ref(person, "salesforce"),
            decision_fields=decided,
        )

    def _unsaved_reads(self, person: Person, raw_now: Mapping[str, Value]) -> dict[str, Value]:
        """Values read from a HubSpot property leadsync does not own, not yet kept in its own.

        The original source is read from hs_analytics_source (HubSpot's tracking) until
        leadsync_original_source holds it; HubSpot may re-attribute a contact later, so the
        value is saved in leadsync's property once, the first time it is seen.
        """
        out: dict[str, Value] = {}
        for fm in self.ms.fields:
            target = fm.hubspot_write
            if not fm.writes_to("hubspot") or len(fm.hubspot_read) < 2:
                continue
            if fm.hubspot_read[0] == target:
                value = person.values.get(fm.name)
                if not is_blank(value) and is_blank(raw_now.get(target)):
                    out[fm.name] = value
        return out

    def plan_hubspot(self, person: Person) -> Write | None:
        decision = person.decision
        assert decision is not None
        creating = person.hubspot_id is None
        current = None if creating else person.hubspot_now
        planned = plan_side(self.policies, person.values, current, "hubspot")
        raw_now = person.pair.hubspot.fields if person.pair.hubspot else {}
        if not creating:
            planned.update(self._unsaved_reads(person, raw_now))
        person.unwritten |= self.owners.drop_unknown(planned, "hubspot")
        out = from_canonical(self.ms, "hubspot", "contact", planned, creating=creating)
        if out.errors:
            err = out.errors[0]
            self.dead_letter(
                person, "hubspot", "contact", err.code, err.message, err.field, dict(out.fields)
            )
            return None
        fields = dict(out.fields)
        if not creating and person.salesforce_id and _truthy(raw_now.get(DELETED_FLAG)):
            fields[DELETED_FLAG] = False  # linked to a live Salesforce record again
        outputs = decision_fields(self.ms.rules, decision, "hubspot")
        decided = decision_changes(outputs, raw_now, creating)
        fields.update(decided)
        person.decision_written = person.decision_written or bool(decided)
        if not fields:
            return None
        email = person.values.get("email")
        if creating and not email:
            self.report.skip("no email")
            return None
        op = WriteOp(
            "contact",
            fields,
            id=person.hubspot_id,
            external_id=str(email) if creating else None,
            ref=person.link_id,
        )
        return Write(
            "hubspot",
            op,
            person.link_id,
            planned=frozenset(planned),
            person=person,
            record_ref=dead_letter_ref(person, "hubspot"),
            decision_fields=decided,
        )

    def dead_letter(
        self,
        person: Person,
        system: System,
        object_type: str,
        code: str,
        message: str,
        field_name: str | None,
        payload: dict[str, Value],
    ) -> None:
        self.report.dead_letters += 1
        record_ref = dead_letter_ref(person, system)
        self.pending_dead.append(
            NewDeadLetter(
                system, object_type, record_ref, payload, code, message, field_name, person.link_id
            )
        )
        person.failed[system] |= {field_name} if field_name else set()


def _truthy(value: Value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
