"""What a contact's won opportunities brought, all of them: the closed loop's revenue.

The opportunity a run reads for a contact is its latest changed one; a renewal opened after a
won deal would otherwise hide that deal, and a second won deal would replace the first one's
amount. One query a batch reads every opportunity of the contacts that have one (split only
when the ids do not fit a URL); leadsync adds the totals to the opportunity it read, under
names that are not Salesforce fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

from connectors.base import SourceRecord, Value
from connectors.salesforce_read import ids_soql_chunks

WON_AMOUNT = "WonAmountTotal"  # the sum of the contact's won amounts
WON_DATE = "LastWonDate"  # the latest won close date (present, maybe blank: totals were read)
WON_CAMPAIGN = "LastWonCampaignName"  # the latest primary campaign among the won ones


class _Soql(Protocol):
    def soql(self, soql: str) -> Iterable[list[Mapping[str, object]]]: ...


@dataclass(frozen=True)
class WonTotal:
    amount: float | None
    close_date: str
    campaign_id: str | None
    opportunity_id: str  # the latest won one


def won_totals(transport: _Soql, contact_ids: Sequence[str]) -> dict[str, WonTotal]:
    """Per Contact id, the totals of its won opportunities (absent: none won)."""
    fields = ["Id", "ContactId", "Amount", "CloseDate", "CampaignId", "IsWon"]
    won: dict[str, list[Mapping[str, object]]] = {}
    for soql in ids_soql_chunks("Opportunity", fields, sorted(set(contact_ids)), "ContactId"):
        for rows in transport.soql(soql):
            for row in rows:
                if row.get("IsWon") and row.get("ContactId"):
                    won.setdefault(str(row["ContactId"]), []).append(row)
    out: dict[str, WonTotal] = {}
    for contact, rows in won.items():
        amounts = [float(a) for r in rows if isinstance(a := r.get("Amount"), int | float)]
        rows.sort(key=lambda r: (str(r.get("CloseDate") or ""), str(r["Id"])))
        latest = rows[-1]
        # The campaign credited: the latest won opportunity's that names one (a renewal a rep
        # left without a campaign does not erase the credit of the deal before it).
        campaign = next((r["CampaignId"] for r in reversed(rows) if r.get("CampaignId")), None)
        out[contact] = WonTotal(
            sum(amounts) if amounts else None,
            str(latest.get("CloseDate") or ""),
            str(campaign) if campaign else None,
            str(latest["Id"]),
        )
    return out


def with_won_total(
    opp: SourceRecord, total: WonTotal | None, campaign_name: str | None
) -> SourceRecord:
    """The opportunity with its contact's won totals (blank when none is won)."""
    when: Value = None
    if total is not None and total.close_date:
        when = date.fromisoformat(total.close_date[:10])
    fields: dict[str, Value] = {
        **opp.fields,
        WON_AMOUNT: total.amount if total else None,
        WON_DATE: when,
        WON_CAMPAIGN: campaign_name if total else None,
    }
    return replace(opp, fields=fields)
