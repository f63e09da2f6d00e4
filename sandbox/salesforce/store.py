"""The emulated org's data: validated writes, soft deletes, lead conversion, API usage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.context import SandboxContext
from sandbox.salesforce import campaigns
from sandbox.salesforce.assignment import LeadAssignment
from sandbox.salesforce.convert import conversion_records
from sandbox.salesforce.errors import SalesforceError, malformed_id, unknown_field
from sandbox.salesforce.ids import is_id_of, make_id, to_18
from sandbox.salesforce.relations import reference_targets
from sandbox.salesforce.schema import (
    BASE_PATH,
    DEFAULT_OWNER_ID,
    ID_LOOKUP,
    OBJECTS,
    STAGES,
    FieldSpec,
    ObjectSpec,
    defaults,
    missing_required,
    object_spec,
)
from sandbox.salesforce.values import coerce
from sandbox.salesforce.writes import ROLLED_BACK, SaveResult, WriteOp, lock_row_error
from sandbox.storage import RecordStore, Row


def _spec(object_type: str, objects: Mapping[str, ObjectSpec] | None = None) -> ObjectSpec:
    spec = object_spec(object_type, objects)
    if spec is None:
        raise SalesforceError(
            "INVALID_TYPE", f"sObject type '{object_type}' is not supported.", status=400
        )
    return spec


def _reference(spec: FieldSpec, value: str) -> str:
    """A lookup value as stored: an id of the referenced object, in its 18-character form."""
    targets = reference_targets(spec)
    if not any(is_id_of(value, target) for target in targets):
        target = targets[0] if targets else ""
        raise SalesforceError(
            "MALFORMED_ID", f"{target} ID: id value of incorrect type: {value}", [spec.name]
        )
    return to_18(value)


class _Batch:
    """Rows written by one request, visible to its later records, committed all at once."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, Row]] = {}  # id -> (object type, row)
        self.ext: dict[tuple[str, str, str], str] = {}  # (object, field, value) -> id
        self.created: dict[str, int] = {}  # object -> records created so far


class SalesforceStore:
    """Leads, Contacts, Accounts and Opportunities behind the REST emulator and the Python API."""

    def __init__(
        self,
        records: RecordStore,
        ctx: SandboxContext,
        *,
        objects: Mapping[str, ObjectSpec] | None = None,
    ) -> None:
        self._records = records
        self._ctx = ctx
        self.objects: Mapping[str, ObjectSpec] = objects or OBJECTS  # wider in wide-schema mode
        self._last_stamp = datetime.fromtimestamp(0, UTC)
        self._usage_day: date | None = None
        self._usage = 0
        # (object, external id field, lower-cased value) -> id; external ids are case-insensitive.
        self._ext: dict[tuple[str, str, str], str] = {}
        self.assignment = LeadAssignment()  # lead assignment rules (sandbox/org_people.py)
        self._members: dict[tuple[str, str], str] = {}  # (campaign, Lead/Contact) -> member
        for spec in OBJECTS.values():
            for row in records.table(spec.name).values():
                self._index(spec, row)
                if row["SystemModstamp"] > self._last_stamp:
                    self._last_stamp = row["SystemModstamp"]

    # -- Python API ----------------------------------------------------------------------------
    def create(
        self,
        object_type: str,
        fields: dict[str, Any],
        *,
        validate: bool = True,
        when: datetime | None = None,
    ) -> str:
        """Create a record; raises SalesforceError on a validation failure."""
        result = self.write([WriteOp("create", object_type, fields)], validate=validate, when=when)
        return self._unwrap(result[0])

    def update(
        self,
        object_type: str,
        record_id: str,
        fields: dict[str, Any],
        *,
        when: datetime | None = None,
        validate: bool = True,
    ) -> None:
        """Update a record; raises SalesforceError (e.g. CANNOT_UPDATE_CONVERTED_LEAD)."""
        op = WriteOp("update", object_type, fields, record_id=record_id)
        self._unwrap(self.write([op], validate=validate, when=when)[0])

    def upsert(
        self, object_type: str, ext_field: str, ext_value: str, fields: dict[str, Any]
    ) -> tuple[str, bool]:
        """Upsert by external id; returns (id, created)."""
        op = WriteOp("upsert", object_type, fields, ext_field=ext_field, ext_value=ext_value)
        result = self.write([op])[0]
        return self._unwrap(result), result.created

    def poke(self, object_type: str, record_id: str, fields: Mapping[str, object]) -> None:
        """Store raw values as they are, unchecked, and stamp the change (hostile-data tests).

        A real org can hold values the REST API would not accept today (legacy data, other
        integrations): ``2024-13-45`` in a date, ``Infinity`` in a double, text of any length.
        """
        spec = _spec(object_type, self.objects)
        with self._ctx.lock:
            row = dict(self._existing(spec, to_18(record_id)))
            row.update(fields)
            self._touch(row, self._stamp(None))
            self._records.put(spec.name, row["Id"], row)

    def get(self, object_type: str, record_id: str) -> dict[str, Any] | None:
        """A copy of the record with all fields (deleted records included), or None."""
        row = self._records.get(_spec(object_type, self.objects).name, to_18(record_id))
        return dict(row) if row is not None else None

    def all(self, object_type: str) -> list[dict[str, Any]]:
        """Copies of every record that is not deleted."""
        return [dict(r) for r in self.rows(object_type)]

    def object_spec(self, object_type: str) -> ObjectSpec | None:
        """The object called ``object_type`` in this org (case-insensitive), or None."""
        return object_spec(object_type, self.objects)

    def rows(self, object_type: str, *, include_deleted: bool = False) -> Iterator[Row]:
        """The live stored rows (read-only: never mutate them, write through the store)."""
        for row in self._records.rows(_spec(object_type, self.objects).name):
            if include_deleted or not row["IsDeleted"]:
                yield row

    def delete(self, object_type: str, record_id: str, *, when: datetime | None = None) -> None:
        """Soft delete: IsDeleted is set; queryAll and ``/deleted`` still see the record."""
        spec = _spec(object_type, self.objects)
        with self._ctx.lock:
            row = self._existing(spec, to_18(record_id))
            new = dict(row)
            new["IsDeleted"] = True
            self._touch(new, self._stamp(when))
            self._unindex(spec, row)
            self._records.put(spec.name, new["Id"], new)

    def convert_lead(
        self, lead_id: str, *, opportunity: bool = True, when: datetime | None = None
    ) -> dict[str, str | None]:
        """Convert a Lead as a rep does: a Contact, an Account and optionally an Opportunity."""
        with self._ctx.lock:
            lead = self._existing(self.objects["Lead"], to_18(lead_id))
            if lead["IsConverted"]:
                raise SalesforceError("CANNOT_UPDATE_CONVERTED_LEAD", "cannot convert: converted")
            stamp = self._stamp(when)
            account, contact, opp = conversion_records(lead, stamp)
            batch = _Batch()
            account_id = self._apply(batch, WriteOp("create", "Account", account), False, stamp)
            contact["AccountId"] = account_id
            contact_id = self._apply(batch, WriteOp("create", "Contact", contact), False, stamp)
            opportunity_id = None
            if opportunity:
                opp.update(AccountId=account_id, ContactId=contact_id)
                primary = campaigns.primary_on_conversion(self.rows(campaigns.MEMBER), lead["Id"])
                if primary is not None:
                    opp["CampaignId"] = primary
                opportunity_id = self._apply(
                    batch, WriteOp("create", "Opportunity", opp), False, stamp
                )
            for member in campaigns.moved_on_conversion(
                self.rows(campaigns.MEMBER), lead["Id"], contact_id
            ):
                self._touch(member, stamp)
                batch.rows[member["Id"]] = (campaigns.MEMBER, member)
            new = dict(lead)
            new.update(
                IsConverted=True,
                ConvertedDate=stamp.date(),
                Status="Closed - Converted",
                ConvertedContactId=contact_id,
                ConvertedAccountId=account_id,
                ConvertedOpportunityId=opportunity_id,
            )
            self._touch(new, stamp)
            batch.rows[new["Id"]] = ("Lead", new)
            # Conversion moves the Lead's open and closed activities to the new Contact.
            for task in self.rows("Task"):
                if task["WhoId"] == new["Id"]:
                    moved = {**task, "WhoId": contact_id}
                    self._touch(moved, stamp)
                    batch.rows[moved["Id"]] = ("Task", moved)
            self._commit(batch)
        return {
            "contact_id": contact_id,
            "account_id": account_id,
            "opportunity_id": opportunity_id,
        }

    # -- request-level API ---------------------------------------------------------------------
    def write(
        self,
        ops: Sequence[WriteOp],
        *,
        all_or_none: bool = False,
        validate: bool = True,
        when: datetime | None = None,
    ) -> list[SaveResult]:
        """Apply the writes of one request (one transaction, one timestamp), in order."""
        with self._ctx.lock:
            stamp = self._stamp(when)
            late = when is None and self._ctx.roll(self._ctx.faults.salesforce_late_rate)
            if late:
                # The transaction started a while ago and commits only now: its records carry
                # the start time, earlier than stamps other clients may have read meanwhile.
                stamp -= timedelta(seconds=self._ctx.draw(self._ctx.faults.salesforce_late_max_s))
                stamp = stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)
            batch = _Batch()
            results: list[SaveResult] = []
            for op in ops:
                try:
                    if op.lock_fail:
                        raise lock_row_error(op.record_id)
                    created = op.kind == "create"
                    if op.kind == "upsert":
                        created = self._find_ext(batch, op) is None
                    record_id = self._apply(batch, op, validate, stamp, late=late)
                    results.append(SaveResult(record_id, True, created=created))
                except SalesforceError as exc:
                    results.append(SaveResult(op.record_id, False, [exc]))
            if all_or_none and not all(r.success for r in results):
                # Nothing is written; every record reports either its error or the rollback.
                return [
                    r if not r.success else SaveResult(None, False, [ROLLED_BACK]) for r in results
                ]
            self._commit(batch)
            return results

    def existing(self, object_type: str, record_id: str) -> Row:
        """The live row of a record that exists and is not deleted, else SalesforceError."""
        return self._existing(_spec(object_type, self.objects), to_18(record_id))

    def find_by_external_id(self, object_type: str, ext_field: str, value: str) -> Row | None:
        spec = _spec(object_type, self.objects)
        fspec = self._ext_field(spec, ext_field)
        if fspec == "Id":
            row = self._records.get(spec.name, to_18(value))
            return row if row is not None and not row["IsDeleted"] else None
        if not spec.by_name[fspec].external_id:
            rid = self._scan(_Batch(), spec, fspec, value)
        else:
            rid = self._ext.get((spec.name, fspec, value.lower()))
        return self._records.get(spec.name, rid) if rid else None

    def count_request(self) -> tuple[int, int]:
        """Count one API request against today's allowance; returns (used, limit)."""
        with self._ctx.lock:
            today = self._ctx.now().date()
            if today != self._usage_day:
                self._usage_day, self._usage = today, 0
            self._usage += 1
            return self._usage, self._ctx.faults.salesforce_daily_limit

    def api_usage(self) -> tuple[int, int]:
        """(requests used today, daily limit)."""
        with self._ctx.lock:
            used = self._usage if self._usage_day == self._ctx.now().date() else 0
            return used, self._ctx.faults.salesforce_daily_limit

    def now(self) -> datetime:
        return self._ctx.now()

    @property
    def ctx(self) -> SandboxContext:
        """The shared context (faults, clock, RNGs) of the org."""
        return self._ctx

    def roll_lock_fault(self) -> bool:
        """Whether a write meets an injected UNABLE_TO_LOCK_ROW (``faults.lock_row_rate``)."""
        with self._ctx.lock:
            rate = self._ctx.faults.lock_row_rate
            return rate > 0 and self._ctx.rng.random() < rate

    # -- internals -----------------------------------------------------------------------------
    @staticmethod
    def _unwrap(result: SaveResult) -> str:
        if not result.success:
            raise result.errors[0]
        assert result.id is not None
        return result.id

    def _stamp(self, when: datetime | None) -> datetime:
        """One millisecond-precision timestamp per transaction, never going backwards."""
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            return when.astimezone(UTC).replace(microsecond=when.microsecond // 1000 * 1000)
        now = self._ctx.now()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        self._last_stamp = max(now, self._last_stamp)
        return self._last_stamp

    @staticmethod
    def _touch(row: Row, stamp: datetime) -> None:
        row["LastModifiedDate"] = stamp
        row["SystemModstamp"] = stamp
        row["LastModifiedById"] = DEFAULT_OWNER_ID

    def _existing(self, spec: ObjectSpec, record_id: str) -> Row:
        row = self._records.get(spec.name, record_id)
        if row is None:
            raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
        if row["IsDeleted"]:
            raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", status=404)
        return row

    def _ext_field(self, spec: ObjectSpec, name: str) -> str:
        fspec = spec.field(name)
        if fspec is not None and (fspec.external_id or fspec.name in ID_LOOKUP):
            return fspec.name
        raise SalesforceError(
            "NOT_FOUND",
            f"Provided external ID field does not exist or is not accessible: {name}",
            status=404,
        )

    def _find_ext(self, batch: _Batch, op: WriteOp) -> str | None:
        spec = _spec(op.object_type, self.objects)
        assert op.ext_field is not None and op.ext_value is not None
        name = self._ext_field(spec, op.ext_field)
        if name == "Id":
            rid = to_18(op.ext_value)
            if rid in batch.rows or self._records.get(spec.name, rid) is not None:
                return rid
            raise SalesforceError("NOT_FOUND", "The requested resource does not exist", status=404)
        if not spec.by_name[name].external_id:
            return self._scan(batch, spec, name, op.ext_value)
        key = (spec.name, name, op.ext_value.lower())
        return batch.ext.get(key) or self._ext.get(key)

    def _scan(self, batch: _Batch, spec: ObjectSpec, name: str, value: str) -> str | None:
        """The one record whose non-unique lookup field (Email) equals ``value``.

        Such a field has no index and may match several records: Salesforce then refuses to
        choose (HTTP 300 for a single upsert or read, DUPLICATE_EXTERNAL_ID in a batch).
        """
        wanted = value.lower()
        found = {
            row["Id"]
            for row in self.rows(spec.name)
            if row[name] is not None and str(row[name]).lower() == wanted
        }
        for record_id, (object_type, row) in batch.rows.items():
            if object_type != spec.name:
                continue
            if row[name] is not None and str(row[name]).lower() == wanted:
                found.add(record_id)
            else:
                found.discard(record_id)
        if len(found) > 1:
            ids = sorted(found)
            raise SalesforceError(
                "DUPLICATE_EXTERNAL_ID",
                f"More than 1 record found for external id field: [{', '.join(ids)}]",
                status=300,
                choices=[f"{BASE_PATH}/sobjects/{spec.name}/{i}" for i in ids],
            )
        return next(iter(found), None)

    def _current(self, batch: _Batch, spec: ObjectSpec, record_id: str) -> Row:
        pending = batch.rows.get(record_id)
        return pending[1] if pending else self._existing(spec, record_id)

    def _apply(
        self, batch: _Batch, op: WriteOp, validate: bool, stamp: datetime, *, late: bool = False
    ) -> str:
        """Validate one write against the store plus the batch so far; stage it in the batch.

        A ``late`` transaction's stamp never goes below the version it replaces (it waited for
        that row's lock).
        """
        spec = _spec(op.object_type, self.objects)
        values = self._values(spec, op.fields, validate, creating=op.kind == "create")
        if op.record_id and not is_id_of(op.record_id, spec.name):
            raise malformed_id(spec.name, op.record_id)
        record_id = to_18(op.record_id) if op.record_id else None
        if op.kind == "upsert":
            record_id = self._find_ext(batch, op)
            ext_name = self._ext_field(spec, op.ext_field or "")
            if record_id is None and ext_name != "Id":
                values[ext_name] = coerce(spec.by_name[ext_name], op.ext_value)
        if record_id is None:
            row = defaults(spec)
            row.update(values)
            row["Id"] = self._new_id(batch, spec)
            row["CreatedDate"] = stamp
            row["CreatedById"] = DEFAULT_OWNER_ID
            if validate and (missing := missing_required(spec, row)):
                raise SalesforceError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(missing)}]",
                    missing,
                )
        else:
            current = self._current(batch, spec, record_id)
            if validate and spec.name == "Lead" and current["IsConverted"]:
                raise SalesforceError(
                    "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead"
                )
            blanked = [n for n in values if values[n] is None and spec.by_name[n].required]
            if validate and blanked:
                raise SalesforceError(
                    "REQUIRED_FIELD_MISSING",
                    f"Required fields are missing: [{', '.join(blanked)}]",
                    blanked,
                )
            row = dict(current)
            row.update(values)
            if late:
                stamp = max(stamp, current["SystemModstamp"])
        if spec.name == "Lead":
            owner = self.assignment.route(op.auto_assign, creating=record_id is None, row=row)
            if owner is not None:
                row["OwnerId"] = owner
        self._derive(spec, row, values)
        self._touch(row, stamp)
        self._check_unique(batch, spec, row)
        created_campaign = spec.name == campaigns.CAMPAIGN and record_id is None
        if spec.name == campaigns.MEMBER:
            self._check_member(batch, row, None if record_id is None else current, stamp)
        batch.rows[row["Id"]] = (spec.name, row)
        if created_campaign:
            for status in campaigns.default_status_rows(row["Id"]):
                self._apply(batch, WriteOp("create", campaigns.STATUS, status), False, stamp)
        for f in spec.external_ids():
            if row[f.name] is not None:
                batch.ext[(spec.name, f.name, str(row[f.name]).lower())] = row["Id"]
        return str(row["Id"])

    def _values(
        self, spec: ObjectSpec, fields: Mapping[str, object], validate: bool, *, creating: bool
    ) -> Row:
        values: Row = {}
        read_only: list[str] = []
        for name, raw in fields.items():
            if name == "attributes":
                continue
            fspec = spec.field(name)
            if fspec is None:
                raise unknown_field(name, spec.name)
            if fspec.name == "Id":
                if creating and validate and raw:
                    read_only.append("Id")
                continue  # the key of an update, never a value
            if validate and not (fspec.createable or fspec.updateable):
                read_only.append(fspec.name)
                continue
            value = coerce(fspec, raw)
            if fspec.type == "reference" and isinstance(value, str):
                value = _reference(fspec, value)
            values[fspec.name] = value
        if read_only:
            raise SalesforceError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(read_only)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                read_only,
            )
        return values

    @staticmethod
    def _derive(spec: ObjectSpec, row: Row, values: Row) -> None:
        """Fields Salesforce computes: Name of a person, an Opportunity's stage flags."""
        if spec.name in ("Lead", "Contact", "User"):
            row["Name"] = " ".join(p for p in (row["FirstName"], row["LastName"]) if p) or None
        if spec.name == "Opportunity" and row["StageName"] in STAGES:
            closed, won, probability = STAGES[row["StageName"]]
            row["IsClosed"], row["IsWon"] = closed, won
            if "StageName" in values and "Probability" not in values:
                row["Probability"] = float(probability)

    def _check_member(self, batch: _Batch, row: Row, old: Row | None, stamp: datetime) -> None:
        """A CampaignMember's status, response flags and once-per-person rule (campaigns.py)."""
        staged: dict[tuple[str, str], str] = {}
        for kind, other in batch.rows.values():
            if kind == campaigns.MEMBER:
                staged.update({key: str(other["Id"]) for key in campaigns.member_keys(other)})
        statuses: list[Mapping[str, Any]] = [
            r
            for r in (*self.rows(campaigns.STATUS), *self._staged(batch, campaigns.STATUS))
            if r["CampaignId"] == row["CampaignId"]
        ]

        def taken(key: tuple[str, str]) -> str | None:
            return staged.get(key) or self._members.get(key)

        campaigns.check_member(row, old, stamp, statuses, taken)

    @staticmethod
    def _staged(batch: _Batch, object_type: str) -> list[Row]:
        return [r for kind, r in batch.rows.values() if kind == object_type]

    def _check_unique(self, batch: _Batch, spec: ObjectSpec, row: Row) -> None:
        for f in spec.external_ids():
            value = row[f.name]
            if value is None:
                continue
            key = (spec.name, f.name, str(value).lower())
            other = batch.ext.get(key) or self._ext.get(key)
            if other is not None and other != row["Id"]:
                raise SalesforceError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {f.name} duplicates value on record with id: {other}",
                )

    def _new_id(self, batch: _Batch, spec: ObjectSpec) -> str:
        table = self._records.table(spec.name)
        batch.created[spec.name] = batch.created.get(spec.name, 0) + 1
        sequence = len(table) + batch.created[spec.name]
        record_id = make_id(spec.name, sequence)
        while record_id in table or record_id in batch.rows:
            sequence += 1
            record_id = make_id(spec.name, sequence)
        return record_id

    def _commit(self, batch: _Batch) -> None:
        by_object: dict[str, list[tuple[str, Row]]] = {}
        for record_id, (object_type, row) in batch.rows.items():
            old = self._records.get(object_type, record_id)
            if old is not None:
                self._unindex(OBJECTS[object_type], old)
            self._index(OBJECTS[object_type], row)
            by_object.setdefault(object_type, []).append((record_id, row))
        for object_type, rows in by_object.items():
            self._records.put_many(object_type, rows)

    def _index(self, spec: ObjectSpec, row: Row) -> None:
        if row["IsDeleted"]:
            return
        if spec.name == campaigns.MEMBER:
            self._members.update({key: str(row["Id"]) for key in campaigns.member_keys(row)})
        for f in spec.external_ids():
            if row[f.name] is not None:
                self._ext[(spec.name, f.name, str(row[f.name]).lower())] = row["Id"]

    def _unindex(self, spec: ObjectSpec, row: Row) -> None:
        if spec.name == campaigns.MEMBER:
            for member_key in campaigns.member_keys(row):
                if self._members.get(member_key) == row["Id"]:
                    del self._members[member_key]
        for f in spec.external_ids():
            if row[f.name] is not None:
                key = (spec.name, f.name, str(row[f.name]).lower())
                if self._ext.get(key) == row["Id"]:
                    del self._ext[key]
