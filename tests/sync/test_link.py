from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import SourceRecord, Value
from sync.link import LinkRef, NeededReads, Pair, Resolution, resolve

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def normalize(raw: str) -> str:
    email = raw.strip().lower()
    if "@" not in email:
        raise ValueError(f"not an email: {raw!r}")
    return email


def hs(
    id: str,
    email: Value = None,
    *,
    minutes: int = 0,
    deleted: bool = False,
    merged: tuple[str, ...] = (),
) -> SourceRecord:
    return SourceRecord(
        "hubspot",
        "contact",
        id,
        {"email": email, "firstname": "Ada"},
        T0 + timedelta(minutes=minutes),
        deleted=deleted,
        merged_ids=merged,
    )


def sf(
    id: str,
    email: Value = None,
    *,
    kind: str = "Lead",
    minutes: int = 0,
    deleted: bool = False,
    converted_to: str | None = None,
) -> SourceRecord:
    fields: dict[str, Value] = {"Email": email, "LastName": "Lovelace"}
    if kind == "Lead":
        fields |= {"IsConverted": converted_to is not None, "ConvertedContactId": converted_to}
    return SourceRecord(
        "salesforce", kind, id, fields, T0 + timedelta(minutes=minutes), deleted=deleted
    )


def link(link_id: str, hubspot_id: str | None, salesforce_id: str | None, **kw: str) -> LinkRef:
    return LinkRef(
        link_id,
        hubspot_id,
        salesforce_id,
        kw.get("salesforce_type", "Lead" if salesforce_id else None),
        kw.get("email"),
    )


def run(
    links: Sequence[LinkRef], hubspot: Sequence[SourceRecord], salesforce: Sequence[SourceRecord]
) -> Resolution:
    return resolve(links, hubspot, salesforce, normalize_email=normalize)


def ids(pair: Pair) -> tuple[str | None, str | None, str | None]:
    return (pair.link_id, pair.hubspot.id if pair.hubspot else None,
            pair.salesforce.id if pair.salesforce else None)  # fmt: skip


def test_stored_link_pairs_by_ids_even_when_emails_differ() -> None:
    res = run([link("L1", "h1", "s1")], [hs("h1", "a@x.com")], [sf("s1", "other@x.com")])
    assert [ids(p) for p in res.pairs] == [("L1", "h1", "s1")]
    assert res.needed.empty
    assert res.pairs[0].email == "a@x.com"


@pytest.mark.parametrize(
    ("pulled_hs", "pulled_sf", "needed"),
    [
        ([hs("h1", "a@x.com")], [], NeededReads(salesforce_ids={"Lead": frozenset({"s1"})})),
        ([], [sf("s1", "a@x.com")], NeededReads(hubspot_ids=frozenset({"h1"}))),
    ],
    ids=["salesforce-missing", "hubspot-missing"],
)
def test_counterpart_not_pulled_is_asked_for(
    pulled_hs: list[SourceRecord], pulled_sf: list[SourceRecord], needed: NeededReads
) -> None:
    res = run([link("L1", "h1", "s1")], pulled_hs, pulled_sf)
    (pair,) = res.pairs
    assert (pair.link_id, pair.hubspot_id, pair.salesforce_id) == ("L1", "h1", "s1")
    assert res.needed == needed


def test_second_pass_with_the_needed_records_asks_for_nothing() -> None:
    links = [link("L1", "h1", "s1")]
    first = run(links, [hs("h1", "a@x.com")], [])
    assert first.needed.salesforce_ids == {"Lead": frozenset({"s1"})}
    second = run(links, [hs("h1", "a@x.com")], [sf("s1", "a@x.com")])
    assert second.needed.empty
    assert [ids(p) for p in second.pairs] == [("L1", "h1", "s1")]


def test_unlinked_records_match_on_normalized_email() -> None:
    res = run([], [hs("h1", " Ada@X.com ")], [sf("s1", "ada@x.com")])
    (pair,) = res.pairs
    assert ids(pair) == (None, "h1", "s1")
    assert pair.is_new_link and pair.create_on is None
    assert pair.email == "ada@x.com"
    assert res.new_links == (pair,)
    assert res.needed.empty


@pytest.mark.parametrize(
    ("candidates", "chosen"),
    [
        ([sf("lead", "a@x.com", minutes=9), sf("contact", "a@x.com", kind="Contact")], "contact"),
        ([sf("old", "a@x.com", minutes=1), sf("new", "a@x.com", minutes=5)], "new"),
        (
            [
                sf("c-old", "a@x.com", kind="Contact", minutes=1),
                sf("c-new", "a@x.com", kind="Contact", minutes=2),
                sf("lead", "a@x.com", minutes=3),
            ],
            "c-new",
        ),
    ],
    ids=["contact-over-lead", "latest-lead", "latest-contact"],
)
def test_several_salesforce_records_with_one_email(
    candidates: list[SourceRecord], chosen: str
) -> None:
    res = run([], [hs("h1", "a@x.com")], candidates)
    (pair,) = res.pairs
    assert ids(pair) == (None, "h1", chosen)
    others = {c.id for c in candidates} - {chosen}
    assert {d.record_id for d in res.duplicates} == others
    assert all(d.kept_id == chosen and d.system == "salesforce" for d in res.duplicates)


def test_duplicates_are_reported_without_a_hubspot_record_too() -> None:
    res = run([], [], [sf("s1", "a@x.com", minutes=1), sf("s2", "a@x.com", minutes=2)])
    (pair,) = res.pairs
    assert ids(pair) == (None, None, "s2")
    assert pair.create_on == "hubspot"
    assert [d.record_id for d in res.duplicates] == ["s1"]
    assert res.needed.hubspot_emails == {"a@x.com"}


def test_new_hubspot_contact_is_a_create_and_its_email_is_looked_up_first() -> None:
    res = run([], [hs("h1", "new@x.com")], [])
    (pair,) = res.pairs
    assert pair.create_on == "salesforce" and not pair.is_new_link
    assert res.needed == NeededReads(salesforce_emails=frozenset({"new@x.com"}))


def test_converted_lead_moves_the_link_to_its_contact() -> None:
    links = [link("L1", "h1", "lead1")]
    res = run(
        links,
        [hs("h1", "a@x.com")],
        [sf("lead1", "a@x.com", converted_to="c1"), sf("c1", "a@x.com", kind="Contact")],
    )
    assert [ids(p) for p in res.pairs] == [("L1", "h1", "c1")]
    assert res.pairs[0].salesforce_type == "Contact"
    (moved,) = res.repointed
    assert moved.reason == "lead_conversion"
    assert (moved.before.salesforce_id, moved.after.salesforce_id) == ("lead1", "c1")
    assert moved.after.salesforce_type == "Contact"
    assert res.duplicates == ()


def test_converted_lead_whose_contact_was_not_pulled_asks_for_it() -> None:
    res = run([link("L1", "h1", "lead1")], [], [sf("lead1", "a@x.com", converted_to="c1")])
    (pair,) = res.pairs
    assert (pair.salesforce_id, pair.salesforce) == ("c1", None)
    assert res.needed.salesforce_ids == {"Contact": frozenset({"c1"})}
    assert res.needed.hubspot_ids == {"h1"}


def test_converted_lead_onto_an_already_linked_contact_is_a_collision() -> None:
    links = [link("L1", "h1", "lead1"), link("L2", "h2", "c1", salesforce_type="Contact")]
    res = run(links, [], [sf("lead1", "a@x.com", converted_to="c1")])
    (collision,) = res.collisions
    assert (collision.kept_link_id, collision.retired.link_id) == ("L2", "L1")
    assert res.pairs == ()  # L2 has nothing new; h1 lost its Salesforce counterpart


def test_conversion_seen_only_through_the_contact_resolves_on_the_second_pass() -> None:
    links = [link("L1", "h1", "lead1")]
    contact = sf("c1", "a@x.com", kind="Contact")
    first = run(links, [hs("h1", "a@x.com")], [contact])
    assert [d.record_id for d in first.duplicates] == ["c1"]  # until the Lead is read
    assert first.needed.salesforce_ids == {"Lead": frozenset({"lead1"})}
    lead = sf("lead1", "a@x.com", converted_to="c1")
    second = run(links, [hs("h1", "a@x.com")], [contact, lead])
    assert [ids(p) for p in second.pairs] == [("L1", "h1", "c1")]
    assert second.duplicates == () and second.needed.empty


def test_unlinked_converted_lead_is_skipped_for_its_contact() -> None:
    res = run([], [], [sf("lead1", "a@x.com", converted_to="c1")])
    assert res.pairs == ()
    assert [s.record_id for s in res.skipped] == ["lead1"]
    assert res.needed.salesforce_ids == {"Contact": frozenset({"c1"})}


def test_hubspot_merge_moves_the_absorbed_link_to_the_survivor() -> None:
    res = run(
        [link("L1", "h-old", "s1")],
        [hs("h-new", "a@x.com", merged=("h-old",)), hs("h-old", "a@x.com", deleted=True)],
        [sf("s1", "a@x.com")],
    )
    assert [ids(p) for p in res.pairs] == [("L1", "h-new", "s1")]
    (moved,) = res.repointed
    assert (moved.reason, moved.before.hubspot_id, moved.after.hubspot_id) == (
        "hubspot_merge",
        "h-old",
        "h-new",
    )
    assert res.deletions == ()  # the absorbed contact was merged, not deleted


def test_hubspot_merge_of_two_linked_contacts_is_reported() -> None:
    links = [link("L1", "h-old", "s1"), link("L2", "h-new", "s2")]
    res = run(links, [hs("h-new", "a@x.com", merged=("h-old",))], [sf("s1", "a@x.com")])
    (collision,) = res.collisions
    assert (collision.kept_link_id, collision.retired.link_id) == ("L2", "L1")
    # s1 lost its link; its email now belongs to L2, so it is reported, not paired anew
    assert [ids(p) for p in res.pairs] == [("L2", "h-new", None)]
    assert [(d.record_id, d.link_id) for d in res.duplicates] == [("s1", "L2")]


def test_merge_collision_reports_the_retired_lead_even_when_not_pulled() -> None:
    links = [link("L1", "h-old", "s1", email="old@x.com"), link("L2", "h-new", "s2")]
    res = run(links, [hs("h-new", "a@x.com", merged=("h-old",))], [])
    (dup,) = res.duplicates
    assert (dup.system, dup.record_id, dup.kept_id, dup.link_id) == ("salesforce", "s1", "s2", "L2")
    assert dup.email == "old@x.com"


@pytest.mark.parametrize(
    ("pulled_hs", "pulled_sf"),
    [([hs("h1", "a@x.com")], []), ([], [sf("s1", "a@x.com")])],
    ids=["hubspot-record", "salesforce-record"],
)
def test_records_of_a_retired_link_are_neither_created_nor_relinked(
    pulled_hs: list[SourceRecord], pulled_sf: list[SourceRecord]
) -> None:
    retired = replace(link("L1", "h1", "s1", email="a@x.com"), retired=True)
    res = run([retired], pulled_hs, pulled_sf)
    assert res.pairs == () and res.needed.empty
    (skip,) = res.skipped
    assert "retired" in skip.reason


def test_a_retired_link_does_not_claim_an_email() -> None:
    """A new Lead for the person of a retired link pairs with nobody's record but its own."""
    retired = replace(link("L1", "h1", "s1", email="a@x.com"), retired=True)
    res = run([retired], [], [sf("s9", "a@x.com")])
    assert [ids(p) for p in res.pairs] == [(None, None, "s9")]


@pytest.mark.parametrize(
    ("hubspot", "salesforce", "system", "record_id", "counterpart"),
    [
        ([hs("h1", "a@x.com", deleted=True)], [sf("s1", "a@x.com")], "hubspot", "h1", "s1"),
        ([hs("h1", "a@x.com")], [sf("s1", "a@x.com", deleted=True)], "salesforce", "s1", "h1"),
    ],
    ids=["archived-in-hubspot", "deleted-in-salesforce"],
)
def test_deleted_linked_record_is_reported_and_not_merged(
    hubspot: list[SourceRecord],
    salesforce: list[SourceRecord],
    system: str,
    record_id: str,
    counterpart: str,
) -> None:
    res = run([link("L1", "h1", "s1")], hubspot, salesforce)
    (deletion,) = res.deletions
    assert (deletion.link_id, deletion.system, deletion.record_id) == ("L1", system, record_id)
    assert deletion.counterpart_id == counterpart
    assert res.pairs == ()
    assert res.needed.empty


def test_a_link_moved_by_a_merge_then_found_deleted_is_not_merged() -> None:
    res = run(
        [link("L1", "h-old", "s1")],
        [hs("h-new", "a@x.com", merged=("h-old",))],
        [sf("s1", "a@x.com", deleted=True)],
    )
    assert res.pairs == ()
    (deletion,) = res.deletions
    assert (deletion.link_id, deletion.counterpart_id) == ("L1", "h-new")


def test_deleted_record_that_was_never_linked_is_ignored() -> None:
    res = run([], [hs("h1", "a@x.com", deleted=True)], [sf("s1", "b@x.com", deleted=True)])
    assert (res.pairs, res.deletions, res.skipped) == ((), (), ())


@pytest.mark.parametrize(
    "email", [None, "", "   ", "not-an-email"], ids=["none", "empty", "spaces", "invalid"]
)
def test_records_without_a_usable_email_and_no_link_are_skipped(email: Value) -> None:
    res = run([], [hs("h1", email)], [sf("s1", email)])
    assert res.pairs == ()
    assert {(s.system, s.record_id) for s in res.skipped} == {
        ("hubspot", "h1"),
        ("salesforce", "s1"),
    }
    assert all("email" in s.reason for s in res.skipped)


def test_a_stored_link_needs_no_email() -> None:
    res = run([link("L1", "h1", "s1")], [hs("h1", None)], [sf("s1", None)])
    assert [ids(p) for p in res.pairs] == [("L1", "h1", "s1")]
    assert res.skipped == ()


def test_unlinked_record_with_an_email_already_linked_is_a_duplicate() -> None:
    res = run([link("L1", "h1", "s1", email="a@x.com")], [], [sf("s2", "A@x.com", kind="Contact")])
    assert res.pairs == ()
    (dup,) = res.duplicates
    assert (dup.record_id, dup.kept_id, dup.link_id) == ("s2", "s1", "L1")


def test_a_link_with_an_empty_side_is_filled_by_email() -> None:
    res = run([link("L1", "h1", None, email="a@x.com")], [], [sf("s9", "a@x.com")])
    (pair,) = res.pairs
    assert (pair.link_id, pair.hubspot_id, pair.salesforce_id) == ("L1", "h1", "s9")
    (moved,) = res.repointed
    assert moved.reason == "email_match" and moved.after.salesforce_type == "Lead"
    assert res.needed.hubspot_ids == {"h1"}


def test_a_changed_email_frees_the_old_one() -> None:
    """h1 changed its email in this very pull; a new sign-up may now use the old address."""
    links = [link("L1", "h1", "s1", email="old@x.com")]
    res = run(links, [hs("h1", "new@x.com"), hs("h2", "old@x.com")], [])
    assert res.duplicates == ()
    assert [ids(p) for p in res.pairs] == [("L1", "h1", None), (None, "h2", None)]


def test_the_latest_copy_of_a_record_pulled_twice_wins() -> None:
    res = run([], [hs("h1", "old@x.com", minutes=1), hs("h1", "new@x.com", minutes=2)], [])
    (pair,) = res.pairs
    assert pair.email == "new@x.com"


def test_non_person_salesforce_records_are_skipped() -> None:
    opp = SourceRecord("salesforce", "Opportunity", "o1", {"Email": "a@x.com"}, T0)
    res = run([], [], [opp])
    assert res.pairs == ()
    assert [s.record_id for s in res.skipped] == ["o1"]


def test_resolution_is_deterministic() -> None:
    hubspot = [hs(f"h{i}", f"p{i}@x.com", minutes=i) for i in range(5)]
    salesforce = [sf(f"s{i}", f"p{i}@x.com", minutes=i) for i in range(3, 8)]
    links = [link("L0", "h0", "s0")]
    first = run(links, hubspot, salesforce)
    again = run(links, list(reversed(hubspot)), list(reversed(salesforce)))
    assert [ids(p) for p in first.pairs] == [ids(p) for p in again.pairs]


# --- properties ------------------------------------------------------------------------------

HS_IDS = [f"h{i}" for i in range(5)]
SF_IDS = ["l0", "l1", "l2", "c0", "c1"]  # Leads, then Contacts
CONTACT_IDS = ["c0", "c1", "c2"]  # a Lead converts into a Contact, maybe one not pulled
emails = st.sampled_from([None, "a@x.com", "A@x.com", "b@x.com", "c@x.com"])


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[LinkRef], list[SourceRecord], list[SourceRecord]]:
    hubspot = [
        hs(
            i,
            draw(emails),
            minutes=draw(st.integers(0, 3)),
            deleted=draw(st.booleans()),
            merged=tuple(draw(st.lists(st.sampled_from(HS_IDS), max_size=2))),
        )
        for i in draw(st.lists(st.sampled_from(HS_IDS), unique=True))
    ]
    salesforce = []
    for i in draw(st.lists(st.sampled_from(SF_IDS), unique=True)):
        kind = "Lead" if i.startswith("l") else "Contact"
        converted = draw(st.sampled_from([None, *CONTACT_IDS])) if kind == "Lead" else None
        salesforce.append(
            sf(
                i,
                draw(emails),
                kind=kind,
                minutes=draw(st.integers(0, 3)),
                deleted=draw(st.booleans()),
                converted_to=converted,
            )  # fmt: skip
        )
    links = []
    free_hs, free_sf = list(HS_IDS), list(SF_IDS)
    for n in range(draw(st.integers(0, 4))):
        h = draw(st.sampled_from([None, *free_hs]))
        s = draw(st.sampled_from([None, *free_sf]))
        if h:
            free_hs.remove(h)
        if s:
            free_sf.remove(s)
        stored = link(f"L{n}", h, s, email=draw(emails) or "")
        links.append(replace(stored, retired=draw(st.booleans())))
    return links, hubspot, salesforce


@settings(max_examples=300)
@given(worlds())
def test_every_record_is_accounted_for_once(
    world: tuple[list[LinkRef], list[SourceRecord], list[SourceRecord]],
) -> None:
    links, hubspot, salesforce = world
    res = run(links, hubspot, salesforce)
    paired = [r.id for p in res.pairs for r in (p.hubspot, p.salesforce) if r is not None]
    assert len(paired) == len(set(paired))
    for key in ("link_id", "hubspot_id", "salesforce_id"):
        taken = [getattr(p, key) for p in res.pairs if getattr(p, key) is not None]
        assert len(taken) == len(set(taken)), key
    reported = (
        set(paired)
        | {d.record_id for d in res.duplicates}
        | {s.record_id for s in res.skipped}
        | {d.record_id for d in res.deletions}
        | {m.before.salesforce_id for m in res.repointed if m.reason == "lead_conversion"}
    )
    deleted_links = {d.link_id for d in res.deletions}
    absorbed = {m for r in hubspot if not r.deleted for m in r.merged_ids if m != r.id}
    retired = {c.retired.link_id for c in res.collisions}
    by_id = {link.link_id: link for link in links}
    by_id.update((m.after.link_id, m.after) for m in res.repointed)
    for rec in [*hubspot, *salesforce]:
        if rec.id in reported or rec.id in absorbed:
            continue
        if rec.deleted:
            continue  # deleted and never linked: nothing to do
        owners = [k for k in by_id.values() if rec.id in (k.hubspot_id, k.salesforce_id)]
        # A linked record of a deleted or retired link is the counterpart to flag.
        assert any(k.retired or k.link_id in deleted_links | retired for k in owners), rec


@settings(max_examples=300)
@given(worlds())
def test_resolving_again_with_the_new_links_stored_changes_no_pair(
    world: tuple[list[LinkRef], list[SourceRecord], list[SourceRecord]],
) -> None:
    """Storing what a resolution decided, then resolving the same pull, pairs the same way."""
    links, hubspot, salesforce = world
    first = run(links, hubspot, salesforce)
    stored = {link.link_id: link for link in links}
    for moved in first.repointed:
        stored[moved.after.link_id] = moved.after
    for collision in first.collisions:
        stored[collision.retired.link_id] = replace(collision.retired, retired=True)
    for n, pair in enumerate(first.new_links):
        stored[f"N{n}"] = LinkRef(
            f"N{n}", pair.hubspot_id, pair.salesforce_id, pair.salesforce_type, pair.email
        )
    again = run(list(stored.values()), hubspot, salesforce)

    def pulled(res: Resolution) -> list[tuple[str | None, str | None]]:
        # A re-pointed link is merged once even if none of its records were pulled.
        found = [p for p in res.pairs if p.hubspot or p.salesforce]
        return sorted(((p.hubspot_id, p.salesforce_id) for p in found), key=str)

    assert pulled(first) == pulled(again)
    assert again.new_links == ()
