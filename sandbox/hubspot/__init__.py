"""The HubSpot CRM v3 contacts emulator: the store (Python API) and the Starlette app."""

from sandbox.hubspot.app import build_app
from sandbox.hubspot.store import HubSpotStore

__all__ = ["HubSpotStore", "build_app"]
