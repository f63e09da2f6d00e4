"""The sandbox org's people: sales reps as Salesforce Users and HubSpot owners, a lead queue.

Most reps exist on both sides under one email (how owners are matched); one Salesforce User
has no HubSpot owner yet (a new hire), one HubSpot owner has no Salesforce User (marketing),
and one HubSpot owner is archived (a deactivated user). The integration user, the default
owner, is a Salesforce User only: integrations are not HubSpot users. The generator gives each
person one of the reps on both sides, or leaves them to the integration user.
Every world gets the same people, whatever its seed, so tests can name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.salesforce.relations import USER_ROW
from sandbox.salesforce.schema import DEFAULT_OWNER_ID

if TYPE_CHECKING:
    from sandbox.hubspot.store import HubSpotStore
    from sandbox.salesforce.assignment import RuleEntry
    from sandbox.salesforce.store import SalesforceStore

DOMAIN = "northwind-sales.example"


@dataclass(frozen=True)
class Rep:
    """One person who can own records, and where they exist."""

    first_name: str
    last_name: str
    in_salesforce: bool = True
    in_hubspot: bool = True
    hubspot_archived: bool = False

    @property
    def email(self) -> str:
        return f"{self.first_name}.{self.last_name}@{DOMAIN}".lower()


REPS: tuple[Rep, ...] = (
    Rep("Anna", "Becker"),  # DACH
    Rep("Luis", "Ortega"),  # Americas
    Rep("Mei", "Tanaka"),  # enterprise accounts
    Rep("Sam", "Okafor"),
    Rep("Jonas", "Weber", in_hubspot=False),  # a new hire, not in HubSpot yet
    Rep("Priya", "Nair", in_salesforce=False),  # marketing: HubSpot only
    Rep("Tom", "Hale", hubspot_archived=True),  # left: his HubSpot user is deactivated
)
QUEUE_NAME = "Unassigned Leads"
QUEUE_DEVELOPER_NAME = "Unassigned_Leads"


def rep(first_name: str) -> Rep:
    """The rep with this first name."""
    return next(r for r in REPS if r.first_name == first_name)


def seed_people(salesforce: SalesforceStore, hubspot: HubSpotStore) -> None:
    """Create the integration user, the reps, their HubSpot owners and the lead queue."""
    integration = salesforce.create(
        "User",
        {
            "Username": USER_ROW["Username"],
            "Email": USER_ROW["Email"],
            "FirstName": USER_ROW["FirstName"],
            "LastName": USER_ROW["LastName"],
            "Alias": USER_ROW["Alias"],
        },
    )
    assert integration == DEFAULT_OWNER_ID, "the integration user must be the org's first user"
    for person in REPS:
        if person.in_salesforce:
            salesforce.create(
                "User",
                {
                    "Username": person.email,
                    "Email": person.email,
                    "FirstName": person.first_name,
                    "LastName": person.last_name,
                    "Alias": (person.first_name[0] + person.last_name)[:8].lower(),
                },
            )
        if person.in_hubspot:
            hubspot.owners.add(
                person.email,
                person.first_name,
                person.last_name,
                archived=person.hubspot_archived,
            )
    salesforce.create(
        "Group",
        {
            "Name": QUEUE_NAME,
            "DeveloperName": QUEUE_DEVELOPER_NAME,
            "Type": "Queue",
            "Email": f"leads-queue@{DOMAIN}",
        },
    )


def rep_owners(salesforce: SalesforceStore, hubspot: HubSpotStore) -> tuple[tuple[str, str], ...]:
    """(User id, HubSpot owner id) of the reps active on both sides, for the generator."""
    out: list[tuple[str, str]] = []
    for person in REPS:
        if person.in_salesforce and person.in_hubspot and not person.hubspot_archived:
            owner = hubspot.owners.id_for(person.email)
            if owner is not None:
                out.append((user_id(salesforce, person.email), owner))
    return tuple(out)


def user_id(salesforce: SalesforceStore, email: str) -> str:
    """The Salesforce User with this email."""
    wanted = email.casefold()
    return next(
        str(u["Id"]) for u in salesforce.all("User") if str(u["Email"]).casefold() == wanted
    )


def queue_id(salesforce: SalesforceStore) -> str:
    """The lead queue's Group id."""
    return next(str(g["Id"]) for g in salesforce.all("Group") if g["Type"] == "Queue")


def add_assignment_rule(
    salesforce: SalesforceStore,
    name: str,
    entries: list[RuleEntry],
    *,
    default_owner: str | None = None,
    active: bool = True,
) -> str:
    """A lead assignment rule (an AssignmentRule row plus its entries); returns its id.

    Activating it deactivates the org's other lead rule, as Setup does (one active rule).
    """
    if active:
        for row in salesforce.all("AssignmentRule"):
            if row["Active"]:
                salesforce.update(
                    "AssignmentRule", str(row["Id"]), {"Active": False}, validate=False
                )
    rule_id = salesforce.create(
        "AssignmentRule",
        {"Name": name, "SobjectType": "Lead", "Active": active},
        validate=False,
    )
    salesforce.assignment.add(rule_id, name, entries, default_owner)
    if active:
        salesforce.assignment.active_id = rule_id
    return rule_id


def parse_route(spec: str, salesforce: SalesforceStore) -> RuleEntry:
    """One rule entry from ``leadsync sandbox serve --route``.

    ``FIELD=V1|V2:OWNER`` (equals one of the values, case-blind), ``FIELD>=N:OWNER`` or
    ``FIELD<=N:OWNER`` (a number range); OWNER is a User's email or ``queue``.
    """
    from sandbox.salesforce.assignment import RuleEntry

    criteria, sep, owner = spec.rpartition(":")
    owner = owner.strip()
    if not sep or not criteria.strip() or not owner:
        raise ValueError(f"route {spec!r}: expected FIELD=V1|V2:OWNER or FIELD>=N:OWNER")
    if owner.lower() == "queue":
        owner_id = queue_id(salesforce)
    else:
        try:
            owner_id = user_id(salesforce, owner)
        except StopIteration:
            raise ValueError(f"route {spec!r}: no sandbox User has the email {owner!r}") from None
    for op in (">=", "<="):
        if op in criteria:
            name, _, number = criteria.partition(op)
            try:
                bound = float(number)
            except ValueError:
                raise ValueError(f"route {spec!r}: {number.strip()!r} is not a number") from None
            low, high = (bound, None) if op == ">=" else (None, bound)
            return RuleEntry(owner_id, name.strip(), min_value=low, max_value=high)
    name, eq, values = criteria.partition("=")
    picked = tuple(v.strip() for v in values.split("|") if v.strip())
    if not eq or not name.strip() or not picked:
        raise ValueError(f"route {spec!r}: expected FIELD=V1|V2:OWNER or FIELD>=N:OWNER")
    return RuleEntry(owner_id, name.strip(), picked)
