"""leadsync on Celery workers: many pairs, shared budgets, PostgreSQL state."""
