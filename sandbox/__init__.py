"""Local emulators of the Salesforce REST API and the HubSpot CRM v3 API, over loopback TLS."""

from sandbox.context import EXACT_TIMING, FaultConfig
from sandbox.salesforce.assignment import RuleEntry
from sandbox.sandbox import Sandbox

__all__ = ["EXACT_TIMING", "FaultConfig", "RuleEntry", "Sandbox"]
