"""The portal's campaigns: which conversion belongs to which campaign, and source drill-downs.

HubSpot credits a contact's first and last converting campaign from the forms they converted
on (``hs_analytics_first_touch_converting_campaign`` / ``..._last_touch_...``, read-only, set
by its attribution) and records drill-downs of the original source
(``hs_analytics_source_data_1`` / ``_2``: the search engine or site, then the keyword or
campaign). Here each conversion event belongs to at most one campaign; a demo request or a
contact-sales form belongs to none. Every campaign also exists in Salesforce under the same
name (sales imported the webinar and event lists), with a Campaign ``Type``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.person import Person


@dataclass(frozen=True)
class CampaignDef:
    """One campaign as both systems know it."""

    name: str
    type: str  # Salesforce Campaign.Type
    utm: bool = False  # its forms capture utm_campaign (ads)


_CAMPAIGN_OF_EVENT: dict[str, CampaignDef] = {
    "Webinar: Pipeline Hygiene 101": CampaignDef("Webinar - Pipeline Hygiene 101", "Webinar"),
    "Webinar: Scoring Leads Sales Trusts": CampaignDef("Webinar - Lead Scoring", "Webinar"),
    "Webinar: RevOps in 2026": CampaignDef("Webinar - RevOps in 2026", "Webinar"),
    "Ebook: The SQL Playbook": CampaignDef("Content - SQL Playbook", "Other"),
    "Whitepaper: Attribution Without Tears": CampaignDef("Content - Attribution", "Other"),
    "Checklist: CRM Data Quality": CampaignDef("Content - Data Quality", "Other"),
    "LinkedIn Lead Gen: Free Audit": CampaignDef("LinkedIn - Free Audit", "Advertisement", True),
    "Facebook Lead Ad: Benchmark Report": CampaignDef(
        "Facebook - Benchmark Report", "Advertisement", True
    ),
    "Landing page: Free trial": CampaignDef("Search - Free Trial", "Banner Ads", True),
    "Landing page: Pricing guide": CampaignDef("Search - Pricing Guide", "Banner Ads", True),
    "Newsletter signup": CampaignDef("Newsletter 2026", "Email"),
    "Blog subscription": CampaignDef("Newsletter 2026", "Email"),
    "Trade show badge scan": CampaignDef("Trade Show - SaaS Summit", "Trade Show"),
    "Meetup attendee list": CampaignDef("Meetup - RevOps Circle", "Conference"),
}
CAMPAIGNS: tuple[CampaignDef, ...] = tuple(
    {c.name: c for c in _CAMPAIGN_OF_EVENT.values()}.values()
)
_DRILL_DOWN_1 = {
    "ORGANIC_SEARCH": "google",
    "PAID_SEARCH": "google ads",
    "EMAIL_MARKETING": "Newsletter 2026",
    "SOCIAL_MEDIA": "LinkedIn",
    "PAID_SOCIAL": "LinkedIn Ads",
    "REFERRALS": "g2.com",
    "OTHER_CAMPAIGNS": "partner-list",
    "DIRECT_TRAFFIC": "northwind-analytics.com",
    "OFFLINE": "IMPORT",
}


def campaign_of(event: str) -> CampaignDef | None:
    """The campaign a conversion event belongs to, if any."""
    return _CAMPAIGN_OF_EVENT.get(event)


def touch_properties(person: Person) -> dict[str, str]:
    """The HubSpot attribution properties of ``person`` (blank ones left out)."""
    first = campaign_of(person.first_conversion)
    last = campaign_of(person.recent_conversion)
    props = {
        "hs_analytics_source_data_1": _DRILL_DOWN_1.get(person.source, ""),
        "hs_analytics_source_data_2": first.name if first else "",
        "hs_analytics_first_touch_converting_campaign": first.name if first else "",
        "hs_analytics_last_touch_converting_campaign": last.name if last else "",
        "utm_campaign": first.name if first and first.utm else "",
    }
    return {k: v for k, v in props.items() if v}
