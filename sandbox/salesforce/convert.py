"""Lead conversion's field mapping: what the Account, Contact and Opportunity get from a Lead."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

# Lead fields a Contact keeps under the same name.
_CARRIED = ("FirstName", "LastName", "Email", "Phone", "Title", "LeadSource", "Description")


def conversion_records(
    lead: Mapping[str, Any], stamp: datetime
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The new Account, Contact (AccountId to fill) and Opportunity (ids to fill) of a Lead."""
    account = {
        "Name": lead["Company"],
        "Website": lead["Website"],
        "Industry": lead["Industry"],
        "BillingCity": lead["City"],
        "BillingCountry": lead["Country"],
        "OwnerId": lead["OwnerId"],
    }
    contact = {name: lead[name] for name in _CARRIED}
    contact.update(
        MailingCity=lead["City"], MailingCountry=lead["Country"], OwnerId=lead["OwnerId"]
    )
    for name in lead:
        if name.startswith("Leadsync_") or name == "Latest_Lead_Source__c":
            contact[name] = lead[name]
    opportunity = {
        "Name": lead["Company"],
        "StageName": "Prospecting",
        "CloseDate": stamp.date() + timedelta(days=30),
        "LeadSource": lead["LeadSource"],
        "OwnerId": lead["OwnerId"],
    }
    return account, contact, opportunity
