"""Helpers shared by the connector tests (connectors pointed at a sandbox)."""

import random

from connectors.hubspot import HubSpotConnector
from connectors.retry import RetryPolicy
from connectors.salesforce import SalesforceConnector


def fast_policy(**kw):
    """The real policy with short waits so fault tests stay fast."""
    kw.setdefault("initial_s", 0.05)
    kw.setdefault("max_backoff_s", 0.5)
    kw.setdefault("min_rate_limited_s", 0.2)
    kw.setdefault("max_attempts", 12)
    return RetryPolicy(rng=random.Random(7), **kw)


def hubspot_for(sb, **kw):
    kw.setdefault("retry", fast_policy())
    return HubSpotConnector(sb.hubspot_url, sb.hubspot_token, ca_path=sb.ca_path, **kw)


def salesforce_for(sb, **kw):
    kw.setdefault("retry", fast_policy())
    return SalesforceConnector(
        sb.salesforce_url, sb.salesforce_session_id, ca_path=sb.ca_path, **kw
    )


def calls(sb, system, contains=""):
    return sum(n for key, n in sb.api_calls()[system].items() if contains in key)
