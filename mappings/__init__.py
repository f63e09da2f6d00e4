"""Shared field mappings and SQL rules: loader, transform, rules (qualify) and check.

Kept empty on purpose: the engine imports the submodules it needs, and importing
``mappings.syncrule`` stays cheap.
"""
