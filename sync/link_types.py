"""Identity's vocabulary: stored links, the pairs to merge, and what resolution reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connectors.base import SourceRecord, System


@dataclass(frozen=True)
class LinkRef:
    """A stored link between the two systems' records of one person."""

    link_id: str
    hubspot_id: str | None
    salesforce_id: str | None
    salesforce_type: str | None
    email: str | None
    # A retired link (its counterpart was deleted, or it lost a merge / conversion) pairs
    # nothing, but its records are neither re-created on the other side nor linked anew.
    retired: bool = False


@dataclass(frozen=True)
class Pair:
    """The records to merge as one person; ids are known even when a record was not pulled."""

    link_id: str | None  # None: no stored link yet (matched by email, or to be created)
    hubspot: SourceRecord | None
    salesforce: SourceRecord | None
    hubspot_id: str | None
    salesforce_id: str | None
    salesforce_type: str | None
    email: str | None  # normalized

    @property
    def is_new_link(self) -> bool:
        """Two existing records matched by email: the engine stores a new link."""
        return (
            self.link_id is None and self.hubspot_id is not None and self.salesforce_id is not None
        )

    @property
    def create_on(self) -> System | None:
        """The side where this person has no record yet (the engine creates it)."""
        if self.hubspot_id is None:
            return "hubspot"
        if self.salesforce_id is None:
            return "salesforce"
        return None


@dataclass(frozen=True)
class RePoint:
    """A stored link that now points elsewhere; the engine saves ``after``."""

    before: LinkRef
    after: LinkRef
    reason: str  # "hubspot_merge" | "lead_conversion" | "email_match"


@dataclass(frozen=True)
class Collision:
    """Re-pointing would have made two links share a record: ``retired`` is to be dropped."""

    kept_link_id: str
    retired: LinkRef
    reason: str


@dataclass(frozen=True)
class Duplicate:
    """A record left unlinked because another record of the same email was chosen."""

    email: str
    system: System
    object_type: str
    record_id: str
    kept_id: str  # the record chosen (or already linked) for this email on the same system
    link_id: str | None  # the stored link that holds the email, if any
    reason: str


@dataclass(frozen=True)
class Skipped:
    """A record not synced, and why."""

    system: System
    object_type: str
    record_id: str
    reason: str


@dataclass(frozen=True)
class Deletion:
    """A linked record deleted (Salesforce) or archived (HubSpot); flag its counterpart."""

    link_id: str
    system: System  # where the record was deleted
    record_id: str
    counterpart_id: str | None
    counterpart_type: str | None  # Salesforce object type when the counterpart is there


@dataclass(frozen=True)
class NeededReads:
    """Records the engine should read before merging, then call ``resolve`` again with them."""

    hubspot_ids: frozenset[str] = frozenset()
    salesforce_ids: Mapping[str, frozenset[str]] = field(default_factory=dict)  # by object type
    hubspot_emails: frozenset[str] = frozenset()  # look up: a create may have a match there
    salesforce_emails: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (
            self.hubspot_ids
            or any(self.salesforce_ids.values())
            or self.hubspot_emails
            or self.salesforce_emails
        )


@dataclass(frozen=True)
class Resolution:
    """Everything identity resolution decided for one batch of pulled records."""

    pairs: tuple[Pair, ...]
    repointed: tuple[RePoint, ...]
    collisions: tuple[Collision, ...]
    duplicates: tuple[Duplicate, ...]
    skipped: tuple[Skipped, ...]
    deletions: tuple[Deletion, ...]
    needed: NeededReads

    @property
    def new_links(self) -> tuple[Pair, ...]:
        return tuple(p for p in self.pairs if p.is_new_link)
