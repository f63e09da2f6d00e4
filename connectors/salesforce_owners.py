"""Salesforce owners for the owner sync, and the lead assignment rule leadsync asks for.

A Lead is owned by a User or a queue (a ``Group`` of ``Type = 'Queue'``); both are read once
per run, one query each. A queue-owned Lead has no rep yet: its owner reads as blank.

Assignment: the REST API applies the org's active assignment rule to every Lead created or
updated unless told otherwise; ``Sforce-Auto-Assign: FALSE`` turns it off, ``TRUE`` asks for
the active rule, an AssignmentRule id names a rule (applied to created records only)
(REST API Developer Guide, "Assignment Rule Header"). leadsync therefore always sends the
header: FALSE unless the settings ask for the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from simple_salesforce import format_soql

from connectors.base import SourceRecord, Value, WriteOp
from connectors.errors import AuthConfigError
from connectors.owners import OwnerDirectory, OwnerEntry

OWNER_FIELD = "OwnerId"
OWNED_OBJECTS = ("Lead", "Contact")
ASSIGN_HEADER = "Sforce-Auto-Assign"
NO_RULES = "FALSE"
ACTIVE_RULE = "TRUE"
USERS_SOQL = "SELECT Id, Email, IsActive FROM User"
QUEUES_SOQL = "SELECT Id, Name FROM Group WHERE Type = 'Queue'"

Query = Callable[[str], Iterable[Mapping[str, object]]]


def load_owners(query: Query) -> Iterator[OwnerEntry]:
    """Every User (active ones can be given records) and every queue."""
    for row in query(USERS_SOQL):
        email = row.get("Email")
        yield OwnerEntry(str(row["Id"]), str(email) if email else None, row.get("IsActive") is True)
    for row in query(QUEUES_SOQL):
        yield OwnerEntry(str(row["Id"]), None, assignable=False, queue=True)


def with_owner_emails(
    records: Sequence[SourceRecord], owners: OwnerDirectory
) -> list[SourceRecord]:
    """Leads and Contacts whose OwnerId is replaced by the owner's email (a queue: None)."""
    out: list[SourceRecord] = []
    for record in records:
        raw = record.fields.get(OWNER_FIELD)
        if record.object_type not in OWNED_OBJECTS or not isinstance(raw, str) or not raw:
            out.append(record)
            continue
        out.append(replace(record, fields={**record.fields, OWNER_FIELD: owners.email_of(raw)}))
    return out


def with_owner_ids(ops: Sequence[WriteOp], owners: OwnerDirectory) -> list[WriteOp]:
    """Writes whose owner email is replaced by the active User's id; an unknown one is left out."""
    out: list[WriteOp] = []
    for op in ops:
        value = op.fields.get(OWNER_FIELD)
        if op.object_type not in OWNED_OBJECTS or not isinstance(value, str) or not value:
            out.append(op)
            continue
        fields: dict[str, Value] = dict(op.fields)
        user_id = owners.id_for(value)
        if user_id is None:
            del fields[OWNER_FIELD]
        else:
            fields[OWNER_FIELD] = user_id
        out.append(replace(op, fields=fields))
    return out


def rule_soql(name: str) -> str:
    return format_soql(
        "SELECT Id, Name, Active FROM AssignmentRule WHERE SobjectType = 'Lead' AND Name = {}",
        name,
    )


def rule_header(setting: str | None, query: Query) -> str:
    """The Sforce-Auto-Assign value for creates: FALSE, TRUE (the active rule) or a rule id.

    ``setting``: None or "" (no rules), "active", or the name of a lead assignment rule; an
    unknown name is a configuration error that stops the run with a clear message.
    """
    if not setting:
        return NO_RULES
    if setting.strip().lower() == "active":
        return ACTIVE_RULE
    rows = list(query(rule_soql(setting)))
    if not rows:
        raise AuthConfigError(
            f"salesforce: no lead assignment rule named {setting!r} "
            "(setting salesforce_assignment_rule)",
            system="salesforce",
            status=0,
            code="INVALID_ASSIGNMENT_RULE",
        )
    return str(rows[0]["Id"])


def active_rule(query: Query) -> str | None:
    """The name of the org's active lead assignment rule, if any (for ``check --online``)."""
    soql = "SELECT Id, Name FROM AssignmentRule WHERE SobjectType = 'Lead' AND Active = true"
    rows = list(query(soql))
    return str(rows[0]["Name"]) if rows else None
