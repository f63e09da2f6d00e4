"""leadsync package."""
