"""Helpers of the end-to-end tests: settings for a sandbox, record builders, write calls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sandbox import Sandbox
from sandbox.simulate import DayReport
from sync.report import RunReport
from sync.runner import SyncOutcome
from sync.settings import Settings, load_settings

# Writes that are not writes: HubSpot reads by POST (search, batch/read), Bulk 2.0 query jobs.
READ_ONLY_POSTS = ("/search", "/batch/read", "/jobs/query")


def sql_activity(sb: Sandbox, days_ago: float) -> dict[str, str]:
    """HubSpot activity that makes a senior contact an SQL under the default rules.

    The last conversion is ``days_ago`` days before the sandbox's now (engagement decays).
    """
    recent = (sb.ctx.now() - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")
    return {
        "num_conversion_events": "3",
        "recent_conversion_date": recent,
        "first_conversion_event_name": "Request a demo",
        "hs_email_click": "4",
        "hs_email_open": "12",
        "hs_analytics_num_page_views": "25",
    }


def write_calls(sb: Sandbox) -> dict[str, dict[str, int]]:
    """Every call to a write endpoint since the last reset, per system."""
    out: dict[str, dict[str, int]] = {}
    for system, calls in sb.api_calls().items():
        writes = {
            key: n
            for key, n in calls.items()
            if key.split(" ", 1)[0] in ("POST", "PATCH", "PUT", "DELETE")
            and not any(marker in key for marker in READ_ONLY_POSTS)
        }
        if writes:
            out[system] = writes
    return out


def settings_for(sb: Sandbox, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for the sandbox, with a fresh SQLite state in ``tmp_path``."""
    env = {k.removeprefix("LEADSYNC_").lower(): v for k, v in sb.env().items()}
    values: dict[str, Any] = {
        **env,
        "state_url": f"sqlite:///{tmp_path}/state.db",
        "dead_letter_base_delay_s": 0,
    }
    values.update(overrides)
    return load_settings(**values)


class SyncFn(Protocol):
    """The ``sync`` fixture: one run, its report; the last outcome kept on ``.last``."""

    last: SyncOutcome | None

    def __call__(
        self,
        *,
        dry_run: bool = False,
        full: bool = False,
        clock: Callable[[], datetime] | None = None,
    ) -> RunReport: ...


# -- record builders ---------------------------------------------------------------------------


def hs_contact(sb: Sandbox, email: str, **props: object) -> str:
    """A HubSpot contact that passes the default rules unless ``props`` say otherwise."""
    local = email.split("@")[0].split(".")[0].title()
    base: dict[str, object] = {
        "email": email,
        "firstname": local,
        "lastname": "Whitfield",
        "company": "Northwind Traders",
        "jobtitle": "Director of Operations",
        "phone": "+14155550142",
        "country": "United States",
        "hs_email_open": "4",
        "hs_analytics_num_page_views": "6",
    }
    base.update(props)
    return sb.hubspot.create({k: str(v) for k, v in base.items() if v is not None})


def sf_lead(sb: Sandbox, email: str | None, **fields: object) -> str:
    """A Salesforce Lead (a real-looking person at a real-looking company)."""
    base: dict[str, object] = {
        "FirstName": "Maria",
        "LastName": "Castellano",
        "Company": "Globex Manufacturing",
        "Email": email,
        "Title": "Head of Procurement",
        "Phone": "+14155550199",
        "Country": "United States",
        "Status": "Open - Not Contacted",
        "LeadSource": "Web",
    }
    base.update(fields)
    return sb.salesforce.create("Lead", base)


def hs_props(sb: Sandbox, contact_id: str) -> dict[str, Any]:
    got = sb.hubspot.get(contact_id)
    assert got is not None, f"HubSpot contact {contact_id} is gone"
    props = got["properties"]
    assert isinstance(props, dict)
    return props


def hs_by_email(sb: Sandbox, email: str) -> dict[str, Any]:
    cid = sb.hubspot.find_by_email(email)
    assert cid is not None, f"no HubSpot contact {email}"
    return hs_props(sb, cid)


def sf_by_email(sb: Sandbox, object_type: str, email: str) -> list[dict[str, Any]]:
    return [
        r
        for r in sb.salesforce.all(object_type)
        if (r.get("Email") or "").strip().lower() == email.strip().lower()
    ]


def assert_day_fed_back(sb: Sandbox, day: DayReport) -> None:
    """Sales' verdicts of a simulated day reached HubSpot: disqualified, converted, won."""
    if day.disqualified_lead_id:
        lead = sb.salesforce.get("Lead", day.disqualified_lead_id)
        assert lead is not None
        props = hs_by_email(sb, str(lead["Email"]))
        assert props["hs_lead_status"] in ("UNQUALIFIED", "BAD_TIMING")
        assert props["leadsync_disqualification_reason"] == day.disqualification_reason
    if day.converted_lead_id:
        lead = sb.salesforce.get("Lead", day.converted_lead_id)
        assert lead is not None
        props = hs_by_email(sb, str(lead["Email"]))
        assert props["leadsync_converted"] == "true"
        assert props["leadsync_salesforce_id"] == lead["ConvertedContactId"]
    if day.won_opportunity_id:
        opp = sb.salesforce.get("Opportunity", day.won_opportunity_id)
        assert opp is not None
        contact = sb.salesforce.get("Contact", str(opp["ContactId"]))
        assert contact is not None
        props = hs_by_email(sb, str(contact["Email"]))
        assert props["leadsync_opportunity_status"] == "won"
        assert props["lifecyclestage"] == "customer"
        assert float(props["leadsync_won_amount"]) == day.won_amount
        assert props["leadsync_won_date"] == str(opp["CloseDate"])
    if day.campaign_response:
        props = hs_by_email(sb, day.campaign_response)
        (campaign,) = [c for c in sb.salesforce.all("Campaign") if c["Name"] == day.campaign]
        member = [
            m
            for m in sb.salesforce.all("CampaignMember")
            if m["CampaignId"] == campaign["Id"]
            and props["leadsync_salesforce_id"] in (m["LeadId"], m["ContactId"])
        ]
        assert len(member) == 1 and member[0]["HasResponded"] is True
