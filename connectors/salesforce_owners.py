"""Salesforce owners for the owner sync, and the lead assignment rule leadsync asks for.

A Lead is owned by a User or a queue (a ``Group`` of ``Type = 'Queue'``); both are read once
per run, one query each. A queue-owned Lead has no rep yet: its owner reads as blank. So does a
record owned by the integration user leadsync signs in as (the default owner of what it
creates): it is learnt once per run from ``GET /services/oauth2/userinfo`` (``user_id``;
Salesforce Help, "Query for User Information"); if the org refuses that call (a token without
the ``openid`` scope), the integration user reads as any User, with one warning per run.

Assignment: the REST API applies the org's active assignment rule to every Lead created or
updated unless told otherwise; ``Sforce-Auto-Assign: FALSE`` turns it off, ``TRUE`` asks for
the active rule, an AssignmentRule id names a rule (applied to created records only)
(REST API Developer Guide, "Assignment Rule Header"). leadsync therefore always sends the
header: FALSE unless the settings ask for the rules.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from simple_salesforce import format_soql

from connectors import owners as owners_module
from connectors.base import SourceRecord, WriteOp
from connectors.errors import AuthConfigError, ConnectorError
from connectors.owners import OwnerDirectory, OwnerEntry

OWNER_FIELD = "OwnerId"
OWNED_OBJECTS = ("Lead", "Contact")
ASSIGN_HEADER = "Sforce-Auto-Assign"
NO_RULES = "FALSE"
ACTIVE_RULE = "TRUE"
USERS_SOQL = "SELECT Id, Email, IsActive FROM User"
QUEUES_SOQL = "SELECT Id, Name FROM Group WHERE Type = 'Queue'"

Query = Callable[[str], Iterable[Mapping[str, object]]]
UserInfo = Callable[[], Mapping[str, object] | None]

log = logging.getLogger(__name__)


def signed_in_user(userinfo: UserInfo) -> str | None:
    """The 15-character id of the user the API session is, or None if the org will not say."""
    try:
        answer = userinfo()
    except ConnectorError as exc:
        log.warning(
            "salesforce: cannot tell which user leadsync signs in as (%s, status %s): records "
            "it owns read as owned by a rep (grant the connected app the openid scope)",
            exc.code or type(exc).__name__,
            exc.status,
        )
        return None
    user_id = answer.get("user_id") if answer else None
    return str(user_id)[:15] if isinstance(user_id, str) and user_id else None


def load_owners(query: Query, userinfo: UserInfo) -> Iterator[OwnerEntry]:
    """Every User (active ones can be given records) and every queue.

    The signed-in integration user is listed like a queue: a record it owns has no rep yet.
    """
    users = list(query(USERS_SOQL))
    queues = list(query(QUEUES_SOQL))
    integration = signed_in_user(userinfo)  # after the queries: the session is fresh
    for row in users:
        email = row.get("Email")
        user_id = str(row["Id"])
        if integration is not None and user_id[:15] == integration:
            yield OwnerEntry(user_id, None, assignable=False, queue=True)
            continue
        yield OwnerEntry(user_id, str(email) if email else None, row.get("IsActive") is True)
    for row in queues:
        yield OwnerEntry(str(row["Id"]), None, assignable=False, queue=True)


def _owner_id(record: SourceRecord) -> str | None:
    raw = record.fields.get(OWNER_FIELD)
    if record.object_type in OWNED_OBJECTS and isinstance(raw, str) and raw:
        return raw
    return None


def _owner_email(op: WriteOp) -> str | None:
    value = op.fields.get(OWNER_FIELD)
    if op.object_type in OWNED_OBJECTS and isinstance(value, str) and value:
        return value
    return None


def with_owner_emails(
    records: Sequence[SourceRecord], owners: OwnerDirectory
) -> list[SourceRecord]:
    """Leads and Contacts whose OwnerId is replaced by the owner's email (a queue: None)."""
    return owners_module.with_owner_emails(records, OWNER_FIELD, owners, _owner_id)


def with_owner_ids(ops: Sequence[WriteOp], owners: OwnerDirectory) -> list[WriteOp]:
    """Writes whose owner email is replaced by the active User's id; an unknown one is left out."""
    return owners_module.with_owner_ids(ops, OWNER_FIELD, owners, _owner_email)


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
