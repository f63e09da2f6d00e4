"""One stored contact and the pages the store answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.hubspot.properties import ALWAYS_ANSWERED, DEFAULT_PROPERTIES
from sandbox.hubspot.values import iso_ms
from sandbox.storage import Row


@dataclass
class Contact:
    """One contact as stored; ``properties`` holds HubSpot's string forms, unset ones absent."""

    id: str
    properties: dict[str, str]
    created_at: datetime
    updated_at: datetime
    archived: bool = False
    archived_at: datetime | None = None
    # name -> [[value, ISO timestamp, sourceType], ...], oldest first: propertiesWithHistory.
    history: dict[str, list[list[str]]] = field(default_factory=dict)

    def remember(self, names: Iterable[str], moment: datetime, source: str) -> None:
        """Append the current value of ``names`` to their history (a cleared value is "")."""
        stamp = iso_ms(moment)
        for name in names:
            self.history.setdefault(name, []).append([self.properties.get(name, ""), stamp, source])

    def to_row(self) -> Row:
        return {
            "id": self.id,
            "properties": dict(self.properties),
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "archived": self.archived,
            "archivedAt": self.archived_at,
            "history": self.history,
        }

    @classmethod
    def from_row(cls, row: Row) -> Contact:
        return cls(
            id=str(row["id"]),
            properties=dict(row["properties"]),
            created_at=row["createdAt"],
            updated_at=row["updatedAt"],
            archived=bool(row.get("archived")),
            archived_at=row.get("archivedAt"),
            history={k: [list(v) for v in vs] for k, vs in (row.get("history") or {}).items()},
        )

    def to_api(
        self, names: Sequence[str] | None = None, *, history: Sequence[str] = ()
    ) -> dict[str, object]:
        """The ``SimplePublicObject`` JSON of a read.

        ``names`` None answers HubSpot's default properties; asked-for properties without a
        value answer null. ``history`` names the ``propertiesWithHistory`` to add (newest first).
        """
        # HubSpot always answers these three, whatever properties were asked for.
        wanted = DEFAULT_PROPERTIES if names is None else [*names, *ALWAYS_ANSWERED]
        out = self._frame({n: self.properties.get(n) for n in wanted})
        if history:
            out["propertiesWithHistory"] = {
                n: [
                    {"value": value, "timestamp": stamp, "sourceType": source}
                    for value, stamp, source in reversed(self.history.get(n, []))
                ]
                for n in history
            }
        return out

    def to_write_api(self, written: Iterable[str]) -> dict[str, object]:
        """The ``SimplePublicObject`` JSON a write answers: what it set, and the values it has.

        Unlike reads, writes leave unset properties out; a property the write cleared is "".
        """
        names = dict.fromkeys([*ALWAYS_ANSWERED, *written])
        props: dict[str, str | None] = {n: self.properties.get(n, "") for n in names}
        for name in DEFAULT_PROPERTIES:
            if name not in props and name in self.properties:
                props[name] = self.properties[name]
        return self._frame(dict(sorted(props.items())))

    def _frame(self, properties: dict[str, str | None]) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "properties": properties,
            "createdAt": iso_ms(self.created_at),
            "updatedAt": iso_ms(self.updated_at),
            "archived": self.archived,
        }
        if self.archived_at is not None:
            out["archivedAt"] = iso_ms(self.archived_at)
        return out


@dataclass
class SearchPage:
    """One page of search results."""

    total: int
    contacts: list[Contact]
    next_after: str | None


@dataclass
class ListPage:
    """One page of the plain listing (by id)."""

    contacts: list[Contact]
    next_after: str | None


def emails(contact: Contact) -> list[str]:
    primary = contact.properties.get("email")
    extra = contact.properties.get("hs_additional_emails", "")
    return ([primary] if primary else []) + [e for e in extra.split(";") if e]


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def merged_properties(
    primary: dict[str, str], secondary: dict[str, str], secondary_id: str
) -> dict[str, str]:
    """What a merge leaves on the survivor: the primary's values, blanks filled from the other.

    The absorbed id (and the ids it had absorbed) join ``hs_merged_object_ids``; the absorbed
    address joins ``hs_additional_emails``; the earlier ``createdate`` is kept.
    """
    merged = {**secondary, **{k: v for k, v in primary.items() if v != ""}}
    absorbed = {secondary_id}
    for props in (primary, secondary):
        absorbed |= {i for i in props.get("hs_merged_object_ids", "").split(";") if i}
    merged["hs_merged_object_ids"] = ";".join(sorted(absorbed, key=int))
    addresses = {
        e
        for props in (primary, secondary)
        for e in [props.get("email", ""), *props.get("hs_additional_emails", "").split(";")]
        if e
    }
    merged["email"] = primary.get("email") or secondary.get("email", "")
    extra = sorted(addresses - {merged["email"]})
    if extra:
        merged["hs_additional_emails"] = ";".join(extra)
    if not merged["email"]:
        del merged["email"]
    # Compare as instants: "…:00Z" sorts after "…:00.500Z" as text.
    merged["createdate"] = min(primary["createdate"], secondary["createdate"], key=parse_iso)  # type: ignore[arg-type]
    return merged
