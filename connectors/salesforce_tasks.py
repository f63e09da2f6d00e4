"""The sales hand-off as a Salesforce Task: one per hand-off, looked up before it is created.

A Task (Object Reference: ``WhoId`` the Lead or Contact, ``OwnerId`` the rep, ``Subject``,
``ActivityDate``, ``Description``, ``Status``) carries leadsync's hand-off key (the stage) in
``Leadsync_Handoff_Key__c``. Before creating, the records' Tasks with that key are queried (one
SOQL ``WhoId IN (...)`` per chunk): a Task made by an earlier run, or by a run that crashed
before its commit, is found and not made again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from simple_salesforce import format_soql

from connectors.base import HandoffTask, RecordError, WriteResult
from connectors.owners import OwnerDirectory
from connectors.salesforce_read import ids_soql_chunks
from connectors.salesforce_write import parse_errors

TASK = "Task"
HANDOFF_KEY_FIELD = "Leadsync_Handoff_Key__c"
COMPOSITE_MAX = 200
WHO_OBJECTS = {"00Q": "Lead", "003": "Contact"}  # a Task's WhoId, by its id's key prefix


Query = Callable[[str], Iterable[Mapping[str, object]]]
Create = Callable[[list[dict[str, object]]], list[Mapping[str, object]]]


def existing_tasks(tasks: Sequence[HandoffTask], query: Query) -> set[tuple[str, str]]:
    """(record id, key) of the hand-offs that already have a Task.

    Looked up by the record (``WhoId``) and the key: Salesforce moves a Lead's activities to its
    Contact on conversion, so a hand-off is found on whichever record now holds it.
    """
    found: set[tuple[str, str]] = set()
    fields = ("Id", "WhoId", HANDOFF_KEY_FIELD)
    by_key: dict[str, list[str]] = {}
    for task in tasks:
        by_key.setdefault(task.key, []).append(task.record_id)
    for key, record_ids in sorted(by_key.items()):
        for soql in ids_soql_chunks(TASK, fields, sorted(set(record_ids)), "WhoId"):
            for row in query(soql + format_soql(f" AND {HANDOFF_KEY_FIELD} = {{}}", key)):
                found.add((str(row.get("WhoId")), str(row.get(HANDOFF_KEY_FIELD))))
    return found


def current_owners(record_ids: Sequence[str], query: Query) -> dict[str, str]:
    """Each record's OwnerId as Salesforce has it now (one query per object and chunk).

    The Task goes to whoever owns the record after this run's writes: an assignment rule run on
    the stage change (``salesforce_assign_on_stages``) may just have given the Lead to a rep the
    run's merged values do not know yet.
    """
    by_object: dict[str, list[str]] = {}
    for record_id in record_ids:
        object_type = WHO_OBJECTS.get(record_id[:3])
        if object_type is not None:
            by_object.setdefault(object_type, []).append(record_id)
    out: dict[str, str] = {}
    for object_type, ids in sorted(by_object.items()):
        for soql in ids_soql_chunks(object_type, ("Id", "OwnerId"), sorted(set(ids))):
            for row in query(soql):
                if row.get("OwnerId"):
                    out[str(row["Id"])[:15]] = str(row["OwnerId"])
    return out


def task_record(
    task: HandoffTask, owners: OwnerDirectory, current_owner: str | None = None
) -> dict[str, object]:
    record: dict[str, object] = {
        "attributes": {"type": TASK},
        "WhoId": task.record_id,
        "Subject": task.subject[:255],
        "ActivityDate": task.due.isoformat(),
        "Description": task.description[:32000],
        "Status": "Not Started",
        HANDOFF_KEY_FIELD: task.key[:80],
    }
    # The record's rep (a queue or an inactive User cannot own a Task), else the mapped owner.
    owner_id = current_owner if current_owner and owners.is_assignable(current_owner) else None
    if owner_id is None and task.owner:
        owner_id = owners.id_for(task.owner)
    if owner_id:
        record["OwnerId"] = owner_id
    return record


def create_tasks(
    tasks: Sequence[HandoffTask], owners: OwnerDirectory, query: Query, create: Create
) -> list[WriteResult]:
    """One result per task (ref = its record id): an existing Task counts as done, not created."""
    unique = list({(t.record_id, t.key): t for t in tasks}.values())
    found = existing_tasks(unique, query)
    results: dict[tuple[str, str], WriteResult] = {
        pair: WriteResult(ref=pair[0], ok=True, object_type=TASK) for pair in found
    }
    missing = [t for t in unique if (t.record_id, t.key) not in found]
    now_owned = current_owners([t.record_id for t in missing], query) if missing else {}
    for start in range(0, len(missing), COMPOSITE_MAX):
        chunk = missing[start : start + COMPOSITE_MAX]
        answer = create([task_record(t, owners, now_owned.get(t.record_id[:15])) for t in chunk])
        for task, raw in zip(chunk, answer, strict=True):
            pair = (task.record_id, task.key)
            if raw.get("success"):
                results[pair] = WriteResult(
                    ref=task.record_id, ok=True, id=str(raw.get("id")), created=True
                )
                continue
            first = parse_errors(raw.get("errors"))[0]
            error = RecordError(first.code, first.message or "Task not created", first.fields)
            results[pair] = WriteResult(ref=task.record_id, ok=False, errors=(error,))
    return [results[(t.record_id, t.key)] for t in tasks]
