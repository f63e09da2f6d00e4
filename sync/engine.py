"""The sync engine: orchestrates pull, link, map, merge, qualify, plan, push and commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from connectors.base import (
    ChangePage,
    Connector,
    Cursor,
    HandoffTarget,
    RecordError,
    System,
    WriteOp,
    WriteResult,
)
from connectors.errors import AuthConfigError, ConnectorError, QuotaExhaustedError
from mappings.mappingset import MappingSet
from mappings.syncrule import SyncRule
from mappings.transform import from_canonical, to_canonical
from sync.campaigns import CampaignStep
from sync.commit import build_commit
from sync.gather import Gatherer, safe_email
from sync.handoff import HANDOFF_OBJECT, HandoffPolicy, handoff_tasks
from sync.isolate import RECORD_FAULTS, culprit, fault_letter, refused_letter
from sync.link import Collision, Pair, Resolution
from sync.owners import OwnerCheck
from sync.person import Person, PlannedWrite, dead_letter_ref, plan_detail, salesforce_type
from sync.planner import ARCHIVED_FLAG, DELETED_FLAG, Planner
from sync.policies import policies
from sync.pulled import Pulled
from sync.push import PushOutcome, Write, push
from sync.report import RunReport
from sync.state import StateStore
from sync.state_models import (
    CursorUpdate,
    Link,
    NewDeadLetter,
    new_id,
)
from sync.storable import check_values, shown

log = logging.getLogger(__name__)

PULLED_TYPES: tuple[tuple[System, str], ...] = (
    ("hubspot", "contact"),
    ("salesforce", "Lead"),
    ("salesforce", "Contact"),
    ("salesforce", "Opportunity"),
)

CURSOR_SKEW_MARGIN = timedelta(minutes=5)


class Engine:
    """One sync cycle of one pair; pure steps are called, I/O stays in connectors and state."""

    def __init__(
        self,
        mappings: MappingSet,
        state: StateStore,
        hubspot: Connector,
        salesforce: Connector,
        *,
        clock: Callable[[], datetime],
        batch_size: int = 200,
        create_in_salesforce: str = "Lead",
        dry_run: bool = False,
        on_batch: Callable[[int, int], None] | None = None,
        assign_on_stages: frozenset[str] = frozenset(),
        handoff: HandoffPolicy | None = None,
    ) -> None:
        self.ms = mappings
        self.state = state
        self.hs = hubspot
        self.sf = salesforce
        self.clock = clock
        self.batch_size = batch_size
        self.create_type = create_in_salesforce
        self.dry_run = dry_run
        self.on_batch = on_batch
        self.policies = policies(mappings)
        self._rule_of = {p.name: str(p.rule) for p in self.policies}  # for audit rows
        self.report = RunReport(dry_run=dry_run)
        self.plans: list[PlannedWrite] = []  # dry run: what would be written
        self._links_by_id: dict[str, Link] = {}
        # Read only what the mapping, the rules and the engine use: real portals and orgs have
        # hundreds of fields, and asking for all of them makes requests too long to send.
        hubspot.want("contact", (*mappings.vendor_fields("hubspot", "contact"), DELETED_FLAG))
        for object_type in ("Lead", "Contact"):
            wanted = mappings.vendor_fields("salesforce", object_type)
            salesforce.want(object_type, (*wanted, ARCHIVED_FLAG))
        self._gather = Gatherer(mappings, state, hubspot, salesforce)
        self._backfilled: set[System] = set()  # systems read in full this run
        self.now = clock()
        self.owners = OwnerCheck.for_mapping(mappings)
        self.handoff = handoff
        self.planner = Planner(
            mappings,
            self.report,
            now=self.now,
            create_type=create_in_salesforce,
            owners=self.owners,
            assign_on_stages=assign_on_stages,
        )
        self.campaigns = CampaignStep.build(mappings, salesforce, dry_run=dry_run)

    # -- the cycle ---------------------------------------------------------------------------
    def run(self, run_id: str, *, full: bool = False) -> RunReport:
        self.report.run_id = run_id
        self.now = self.clock()
        self.planner.now = self.now
        self.owners.start({"hubspot": self.hs, "salesforce": self.sf})
        try:
            pulled = self._pull(full)
            dead = [] if self.dry_run else self.state.due_dead_letters(self.now)
            resolution, retried = self._gather.resolve(pulled, dead, self._backfilled)
            self._links_by_id = self._gather.links_by_id
            self._process(resolution, pulled, retried)
        except QuotaExhaustedError as exc:
            self.report.status = "partial"
            self.report.message = str(exc)
        except AuthConfigError as exc:
            self.report.status = "failed"
            self.report.message = str(exc)
        except ConnectorError as exc:
            # Retries exhausted on a read, or an error no table entry knows: stop the run.
            # Batches already pushed are committed; cursors stay where they were.
            self.report.status = "failed"
            self.report.message = f"run stopped: {exc}"
        self.report.unmatched_owners = [u.to_json() for u in self.owners.report()]
        if self.report.dead_letters and self.report.status == "ok":
            self.report.status = "partial"
        if self.report.message:
            log.warning("run %s: %s", run_id, self.report.message)
        log.info(
            "run %s %s: pulled %s, created %s, updated %s, %d dead letters",
            run_id,
            self.report.status,
            self.report.pulled.to_json(),
            self.report.created.to_json(),
            self.report.updated.to_json(),
            self.report.dead_letters,
        )
        self.report.api_calls.hubspot = self.hs.usage().calls
        self.report.api_calls.salesforce = self.sf.usage().calls
        return self.report

    def _pull(self, full: bool) -> Pulled:
        pulled = Pulled()
        for system, object_type in PULLED_TYPES:
            conn = self.hs if system == "hubspot" else self.sf
            since = Cursor() if full else self.state.get_cursor(system, object_type)
            # No cursor yet: a backfill through the listing, not the (lagging, capped) search.
            backfill = full or since.value is None
            if backfill:
                self._backfilled.add(system)
            last: Cursor | None = None
            page: ChangePage
            for page in conn.changes(object_type, since, full=backfill):
                for rec in page.records:
                    pulled.add(rec)
                    if rec.object_type != "Opportunity":
                        self.report.pulled.add(system)
                last = page.cursor
            if (last is None or last.value is None) and since.value is None:
                # Nothing there yet: start the next run's incremental read from the system's
                # now (its own clock, not ours: ours may run ahead), less a margin, or it would
                # backfill again and miss deletions.
                last = Cursor(value=conn.server_now() - CURSOR_SKEW_MARGIN)
            if last is not None:
                pulled.cursors.append(CursorUpdate(system, object_type, last))
        return pulled

    # -- per batch ---------------------------------------------------------------------------
    def _process(self, res: Resolution, pulled: Pulled, retried: dict[str, list[str]]) -> None:
        for skipped in res.skipped:
            self.report.skip(skipped.reason)
        self.report.duplicates += len(res.duplicates)
        for dup in res.duplicates[: 50 - len(self.report.duplicate_records)]:
            self.report.duplicate_records.append(
                {
                    "email": dup.email,
                    "system": dup.system,
                    "object_type": dup.object_type,
                    "record_id": dup.record_id,
                    "kept_id": dup.kept_id,
                    "reason": dup.reason,
                }
            )
        link_updates: list[Link] = []
        for rp in res.repointed:
            a = rp.after
            link_updates.append(
                Link(
                    a.link_id,
                    a.hubspot_id,
                    a.salesforce_id,
                    salesforce_type(a.salesforce_type),
                    a.email,
                    reason=rp.reason,
                )
            )
        conversion_writes = [
            w for c in res.collisions if (w := self._conversion_feedback(c, pulled))
        ]
        for col in res.collisions:
            r = col.retired
            link_updates.append(
                Link(
                    r.link_id,
                    r.hubspot_id,
                    r.salesforce_id,
                    salesforce_type(r.salesforce_type),
                    r.email,
                    status="retired",
                    reason=col.reason,
                )
            )
        deletion_writes: list[Write] = []
        sf_deletion_writes: list[Write] = []
        deleted_links: set[str] = set()
        for d in res.deletions:
            deleted_links.add(d.link_id)
            if d.system == "salesforce" and d.counterpart_id:
                op = WriteOp("contact", {DELETED_FLAG: True}, id=d.counterpart_id, ref=d.link_id)
                deletion_writes.append(Write("hubspot", op, d.link_id))
            elif d.system == "hubspot" and d.counterpart_id:
                sf_op = WriteOp(
                    d.counterpart_type or "Lead",
                    {ARCHIVED_FLAG: True},
                    id=d.counterpart_id,
                    ref=d.link_id,
                )
                sf_deletion_writes.append(Write("salesforce", sf_op, d.link_id))
        held_ids, held_emails = self._refuse(pulled)
        pairs = [
            p
            for p in res.pairs
            if (p.link_id or "") not in deleted_links and not _held(p, held_ids, held_emails)
        ]
        total = len(pairs)
        first = True
        for start in range(0, max(total, 1), self.batch_size):
            batch = pairs[start : start + self.batch_size]
            last = start + self.batch_size >= total
            self._batch(
                batch,
                pulled,
                retried,
                link_updates=link_updates if first else [],
                extra_writes=deletion_writes + sf_deletion_writes + conversion_writes
                if first
                else [],
                retire=deleted_links if first else set(),
                cursors=pulled.cursors if last else [],
            )
            first = False
            log.debug(
                "batch committed: %d of %d people", min(start + self.batch_size, total), total
            )
            if self.on_batch:
                self.on_batch(min(start + self.batch_size, total), total)

    def _refuse(self, pulled: Pulled) -> tuple[set[str], set[str]]:
        """Dead-letter the records a connector refused; their ids and emails, to hold pairs.

        A pair holding a refused record is left alone this run (no write, no link change): its
        other record is processed again once the refused one reads clean. An unlinked record
        with a refused one's email is not created either, or it would take that email's place.
        """
        ids: set[str] = set()
        emails: set[str] = set()
        for (_, record_id), rec in sorted(pulled.refused.items()):
            ids.add(record_id)
            for name in ("email", "Email"):
                raw = rec.fields.get(name)
                if isinstance(raw, str) and raw.strip():
                    emails.add(safe_email(raw))
            self._dead(refused_letter(rec, rec.problems[0] if rec.problems else None))
        return ids, emails

    def _dead(self, letter: NewDeadLetter) -> None:
        """Queue a dead letter for a record refused before any write; the batch goes on."""
        self.report.unprocessable += 1
        self._queue_dead(letter)

    def _queue_dead(self, letter: NewDeadLetter) -> None:
        """Count, log and queue a dead letter; it is committed with the batch."""
        self.report.dead_letters += 1
        self.planner.pending_dead.append(letter)
        log.warning(
            "%s %s %s dead-lettered: %s (%s)",
            letter.system,
            letter.object_type,
            shown(letter.record_ref),
            letter.code,
            letter.message,
        )

    def _isolate(self, person: Person, exc: Exception, step: str) -> None:
        """One person's values failed a step: dead-letter the record to blame, go on."""
        who = culprit(self.ms, person, exc)
        letter = fault_letter(person, who, exc)
        log.debug("%s failed for link %s", step, person.link_id, exc_info=exc)
        self._dead(letter)
        if who is not None:
            person.failed[who.system] |= {who.field} if who.field else set()

    def _conversion_feedback(self, col: Collision, pulled: Pulled) -> Write | None:
        """A Lead converted into a Contact that another HubSpot contact already holds.

        The Lead's own HubSpot contact loses its link (one person, one link), but marketing
        still learns the outcome: the converted flag, the status and the Contact it went to.
        """
        retired = col.retired
        lead = pulled.salesforce.get(retired.salesforce_id or "")
        if lead is None or not retired.hubspot_id or lead.fields.get("IsConverted") is not True:
            return None
        try:
            values = to_canonical(self.ms, "salesforce", "Lead", lead.fields)
        except RECORD_FAULTS as exc:
            # The link is retired either way; only this feedback write is lost (and logged).
            log.warning("conversion feedback of Lead %s not written: %s", lead.id, shown(exc))
            return None
        feedback = {
            fm.name: values[fm.name]
            for fm in self.ms.fields
            if fm.name in values and fm.rule in _FEEDBACK_RULES and fm.writes_to("hubspot")
        }
        contact = lead.fields.get("ConvertedContactId")
        if contact:
            feedback["salesforce_id"] = str(contact)
            feedback["salesforce_type"] = "Contact"
        fields = from_canonical(self.ms, "hubspot", "contact", feedback).fields
        if not fields:
            return None
        op = WriteOp("contact", fields, id=retired.hubspot_id, ref=retired.link_id)
        return Write("hubspot", op, retired.link_id)

    def _batch(
        self,
        batch: Sequence[Pair],
        pulled: Pulled,
        retried: dict[str, list[str]],
        *,
        link_updates: list[Link],
        extra_writes: list[Write],
        retire: set[str],
        cursors: Sequence[CursorUpdate],
    ) -> None:
        existing = [p.link_id for p in batch if p.link_id]
        bases = self.state.load_bases(existing) if existing else {}
        people: list[Person] = []
        for pair in batch:
            # Identity may name a record it did not attach (e.g. one it skipped for a retired
            # link, then matched by email): merge against what was read, never against nothing.
            if pair.hubspot is None and pair.hubspot_id in pulled.hubspot:
                pair = replace(pair, hubspot=pulled.hubspot[pair.hubspot_id])
            if pair.salesforce is None and pair.salesforce_id in pulled.salesforce:
                pair = replace(pair, salesforce=pulled.salesforce[pair.salesforce_id])
            link_id = pair.link_id or new_id()
            person = Person(pair, link_id, dict(bases.get(link_id, {})))
            person.hubspot_id = pair.hubspot_id
            person.salesforce_id = pair.salesforce_id
            person.salesforce_type = pair.salesforce_type or (
                pair.salesforce.object_type if pair.salesforce else None
            )
            for key in (link_id, pair.hubspot_id or "", pair.salesforce_id or ""):
                person.dead_letter_ids.extend(retried.get(key, []))
            people.append(person)

        if self.campaigns is not None:
            self.campaigns.credit_opportunities(people, pulled)
        sf_writes: list[Write] = [w for w in extra_writes if w.system == "salesforce"]
        hs_writes: list[Write] = [w for w in extra_writes if w.system == "hubspot"]
        poisoned: list[Person] = []
        for person in people:
            # One record's values (a number past float's range, a NUL, an over-long email) fail
            # that record only: it is dead-lettered before anything is written for it.
            try:
                self.planner.merge(person, pulled)
                check_values(person.values)
                for now in (person.hubspot_now, person.salesforce_now):
                    check_values(now or {})
                sf_write = self.planner.plan_salesforce(person)
            except RECORD_FAULTS as exc:
                self._isolate(person, exc, "merge and plan")
                poisoned.append(person)
                continue
            if sf_write is not None:
                sf_writes.append(sf_write)
        people = [p for p in people if p not in poisoned]
        if self.dry_run:
            for write in extra_writes:
                self._record_plan(write, None)
            for person in people:
                self._record_plan(self._plan_hubspot(person), person)
                self._record_plan(next((w for w in sf_writes if w.person is person), None), person)
            self._plan_hand_off(
                people, {w.person.link_id for w in sf_writes if w.person and w.op.id is None}
            )
            if self.campaigns is not None:
                created = [w.person for w in sf_writes if w.person and w.op.id is None]
                self.campaigns.plan_memberships(people, created)
                self.plans.extend(self.campaigns.plans)
                self.campaigns.plans.clear()
            return

        sf_out = push(self.sf, "salesforce", sf_writes)
        by_key = {p.link_id: p for p in people}
        for write, result in sf_out.results:
            owner = by_key.get(write.key)
            if owner is not None:
                self._after_write(owner, "salesforce", write, result.ok, result.id, result.created)
            elif result.ok:
                self.report.updated.add("salesforce")  # a deletion or archive flag
        self._read_back_created(people, sf_out)
        self._hand_off(people)
        if self.campaigns is not None:
            for letter in self.campaigns.memberships(people):
                self._queue_dead(letter)
        for person in people:
            hs_write = self._plan_hubspot(person)
            if hs_write is not None:
                hs_writes.append(hs_write)
        hs_out = push(self.hs, "hubspot", hs_writes)
        for write, result in hs_out.results:
            owner = by_key.get(write.key)
            if owner is not None:
                self._after_write(owner, "hubspot", write, result.ok, result.id, result.created)
            elif result.ok:
                self.report.updated.add("hubspot")  # a deletion or archive flag
        self._commit(people, sf_out, hs_out, link_updates, retire, cursors)

    def _plan_hand_off(self, people: Sequence[Person], creating: set[str]) -> None:
        """Dry run: the hand-off tasks a run would create (existing ones looked up, none made)."""
        if self.handoff is None or not isinstance(self.sf, HandoffTarget):
            return
        wanted = handoff_tasks(
            people, self.handoff, self.now.date(), self.owners.handoff_field, creating
        )
        found = self.sf.existing_handoffs([t for _, t in wanted if t.record_id])
        for person, task in wanted:
            if (task.record_id, task.key) in found:
                continue
            self.report.handoff_tasks += 1
            email = person.values.get("email")
            self.plans.append(
                PlannedWrite(
                    "salesforce",
                    "create",
                    HANDOFF_OBJECT,
                    None,
                    str(email) if email else None,
                    ("description", "due", "owner", "subject"),
                    changes=(
                        ("subject", None, task.subject),
                        ("due", None, task.due.isoformat()),
                        ("owner", None, task.owner),
                    ),
                )
            )

    def _hand_off(self, people: Sequence[Person]) -> None:
        """Follow-up tasks for the reps of people who became SQLs (settings ``handoff_*``).

        The adapter looks each task's key up before creating it, so people processed again
        later, or again after a crash before this batch's commit, get no second task. A task
        the CRM refuses becomes a dead letter (retried with the person by later runs); the
        sync of the record itself is not held back by it.
        """
        if self.handoff is None or not isinstance(self.sf, HandoffTarget):
            return
        wanted = handoff_tasks(people, self.handoff, self.now.date(), self.owners.handoff_field)
        if not wanted:
            return
        try:
            results = self.sf.create_handoff_tasks([task for _, task in wanted])
        except (QuotaExhaustedError, AuthConfigError):
            raise
        except ConnectorError as exc:
            # Still owed: each hand-off becomes a dead letter, retried with its person by later
            # runs (nothing else would bring an unchanged person back).
            log.warning("hand-off tasks not created this run: %s", exc)
            failed = RecordError(exc.code or f"HTTP_{exc.status}", str(exc))
            results = [WriteResult(ref=t.record_id, ok=False, errors=(failed,)) for _, t in wanted]
        for (person, task), result in zip(wanted, results, strict=True):
            if result.created:
                self.report.handoff_tasks += 1
            elif not result.ok:
                err = result.errors[0] if result.errors else None
                letter = NewDeadLetter(
                    "salesforce",
                    HANDOFF_OBJECT,
                    dead_letter_ref(person, "salesforce"),
                    {"subject": task.subject, "due": task.due, "owner": task.owner},
                    err.code if err else "UNKNOWN",
                    f"hand-off task not created: {err.message if err else 'no reason given'}",
                    err.fields[0] if err and err.fields else None,
                    person.link_id,
                )
                self._queue_dead(letter)

    def _plan_hubspot(self, person: Person) -> Write | None:
        """The HubSpot write of one person; a failure dead-letters it and keeps its link."""
        try:
            return self.planner.plan_hubspot(person)
        except RECORD_FAULTS as exc:
            self._isolate(person, exc, "plan for HubSpot")
            person.failed["hubspot"] |= {p.name for p in self.policies if p.on_hubspot}
            return None

    def _read_back_created(self, people: Sequence[Person], sf_out: PushOutcome) -> None:
        """Take the values Salesforce filled in on create (defaults, automation) into the merge.

        Without this, the next run would see those values as Salesforce-side changes and write
        them to HubSpot: a second sync right after a first must write nothing.
        """
        created: dict[str, dict[str, Person]] = {}
        for write, result in sf_out.results:
            person = write.person
            if result.ok and result.created and person is not None and person.salesforce_id:
                created.setdefault(person.salesforce_type or self.create_type, {})[
                    person.salesforce_id
                ] = person
        for object_type, owners in created.items():
            ids = sorted(owners)
            for i in range(0, len(ids), 200):
                for rec in self.sf.read(object_type, ids[i : i + 200]):
                    owner = owners.get(rec.id)
                    if owner is None or rec.problems:
                        continue
                    try:
                        now = to_canonical(self.ms, "salesforce", object_type, rec.fields)
                        check_values(now)
                    except RECORD_FAULTS as exc:
                        # Created and linked all the same; the next run reads it like any other.
                        log.warning("read-back of %s %s skipped: %s", object_type, rec.id, exc)
                        continue
                    for policy in self.policies:
                        value = now.get(policy.name)
                        if value in (None, "") or not policy.on_salesforce:
                            continue
                        # The owner Salesforce's assignment rule chose replaces the one sent.
                        if policy.name in self.owners.fields or owner.values.get(policy.name) in (
                            None,
                            "",
                        ):
                            owner.values[policy.name] = value
                    owner.salesforce_now = now

    def _after_write(
        self,
        person: Person,
        system: System,
        write: Write,
        ok: bool,
        record_id: str | None,
        created: bool,
    ) -> None:
        if not ok:
            person.failed[system] |= set(write.planned)
            return
        if system == "salesforce":
            if record_id:
                if person.salesforce_id is None:
                    person.salesforce_id = record_id
                    person.salesforce_type = write.op.object_type
                elif record_id != person.salesforce_id:
                    # The adapter routed the write to a converted Lead's Contact.
                    person.salesforce_id = record_id
                    person.salesforce_type = "Contact"
            person.values["salesforce_id"] = person.salesforce_id
            person.values["salesforce_type"] = person.salesforce_type
        elif record_id and person.hubspot_id is None:
            person.hubspot_id = record_id
        if created:
            self.report.created.add(system)
        else:
            self.report.updated.add(system)

    def _commit(
        self,
        people: Sequence[Person],
        sf_out: PushOutcome,
        hs_out: PushOutcome,
        link_updates: list[Link],
        retire: set[str],
        cursors: Sequence[CursorUpdate],
    ) -> None:
        retired = [
            replace(self._links_by_id[link_id], status="retired", reason="deleted")
            for link_id in sorted(retire)
            if link_id in self._links_by_id
        ]
        batch = build_commit(
            people,
            [*sf_out.results, *hs_out.results],
            rules_of=self._rule_of.__getitem__,
            report=self.report,
            at=self.clock(),
            links=[*link_updates, *retired],
            cursors=cursors,
            dead_letters=self.planner.pending_dead,
        )
        self.planner.pending_dead = []
        self.state.commit_batch(batch)

    # -- dry run -----------------------------------------------------------------------------
    def _record_plan(self, write: Write | None, person: Person | None) -> None:
        if write is None:
            return
        creating = write.op.id is None
        (self.report.created if creating else self.report.updated).add(write.system)
        email = person.values.get("email") if person is not None else None
        self.plans.append(
            PlannedWrite(
                write.system,
                "create" if creating else "update",
                write.op.object_type,
                write.op.id,
                str(email) if email else None,
                tuple(sorted(write.op.fields)),
                *plan_detail(write.system, person),
            )
        )


_FEEDBACK_RULES = frozenset(
    {SyncRule.SALESFORCE_TO_HUBSPOT, SyncRule.PREFER_SALESFORCE, SyncRule.SALESFORCE_UNLESS_BLANK}
)


def _held(pair: Pair, ids: set[str], emails: set[str]) -> bool:
    """A pair that holds a refused record, or would create one in a refused record's place."""
    if (pair.hubspot_id and pair.hubspot_id in ids) or (
        pair.salesforce_id and pair.salesforce_id in ids
    ):
        return True
    return pair.create_on is not None and bool(pair.email) and pair.email in emails
