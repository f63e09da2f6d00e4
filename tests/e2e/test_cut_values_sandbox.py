"""Values cut to fit Salesforce, against the sandbox: HubSpot keeps the full text, run after run.

The cut may end on a space, a no-break space or inside whitespace; read back trimmed it is
shorter than the limit and must still be recognised as leadsync's own write.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_helpers import SyncFn, hs_contact, hs_props, sf_by_email, write_calls

from mappings.loader import load_mappings
from sandbox import Sandbox

EMAIL = "olivia.hart@northwind.io"
LIMITS = {
    fm.hubspot_write: fm.max_length["salesforce"]
    for fm in load_mappings(Path(__file__).resolve().parents[2] / "mappings" / "default").fields
    if fm.max_length.get("salesforce") and fm.hubspot_write
}


def _around(limit: int, at_cut: str, tail: str = "") -> str:
    """Text of limit+17 characters whose (limit)th character is ``at_cut``."""
    words = ("Northwind Consolidated Holdings of the Greater Pacific Region " * 5)[: limit - 1]
    return (
        words.rstrip() + "x" * (limit - 1 - len(words.rstrip())) + at_cut + "Tail of words" + tail
    )


CASES = [
    # property, Salesforce field, value
    ("firstname", "FirstName", "Anna Maria Theresia Josephine Charlotte Luise von Habsburg"),
    ("firstname", "FirstName", _around(LIMITS["firstname"], "\u00a0", "  ")),
    ("city", "City", _around(LIMITS["city"], "  ", " ")),
    ("jobtitle", "Title", _around(LIMITS["jobtitle"], " 😀 ")),
    ("lastname", "LastName", _around(LIMITS["lastname"], " ", "\t")),
    ("company", "Company", _around(LIMITS["company"], " ")),
]


@pytest.mark.parametrize(("prop", "sf_field", "value"), CASES)
def test_a_cut_value_never_comes_back_and_an_edit_still_does(
    sb: Sandbox, sync: SyncFn, prop: str, sf_field: str, value: str
) -> None:
    limit = LIMITS[prop]
    hid = hs_contact(sb, EMAIL, **{prop: value})
    stored = hs_props(sb, hid)[prop]  # as HubSpot keeps it

    report = sync()

    assert report.status == "ok" and report.dead_letters == 0, report.to_json()
    (lead,) = sf_by_email(sb, "Lead", EMAIL)
    full = " ".join(stored.split())  # the canonical value: trimmed, spaces collapsed
    assert len(full) > limit
    assert lead[sf_field] == full[:limit]  # Salesforce holds the cut, maybe ending on a space
    for _ in range(3):
        sb.ctx.advance(60)
        sb.reset_api_calls()
        report = sync()
        assert report.status == "ok" and write_calls(sb) == {}, report.to_json()
        assert hs_props(sb, hid)[prop] == stored  # HubSpot keeps the full value
        assert sf_by_email(sb, "Lead", EMAIL)[0][sf_field] == full[:limit]

    # A different, short value typed in Salesforce is an edit: it reaches HubSpot.
    sb.ctx.advance(60)
    sb.salesforce.update("Lead", lead["Id"], {sf_field: "Edited In Salesforce"})
    sb.ctx.advance(60)
    report = sync()
    assert report.status == "ok", report.to_json()
    assert hs_props(sb, hid)[prop] == "Edited In Salesforce"
    sb.ctx.advance(60)
    sb.reset_api_calls()
    sync()
    assert write_calls(sb) == {}
