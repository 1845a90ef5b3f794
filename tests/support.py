"""Helpers several test modules share: which database runs the suite, a visit form's post."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

#: The suite runs on SQLite and, in CI, again on PostgreSQL (DATABASE_URL).
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")

#: For tests of PostgreSQL's own write paths (COPY, the visit form's prepared statements);
#: CI's second run, on PostgreSQL, runs them.
postgres_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="a PostgreSQL write path")


def visit_form_data(**overrides) -> dict:
    """A valid post of the visit form (a new client_id each time)."""
    today = timezone.localdate()
    data = {
        "visited_on": today.isoformat(),
        "stance": "opposed",
        "place": "workplace",
        "concerns": ["compensation", "tenants"],
        "notes": "租户担心搬迁",
        "next_follow_up_on": (today + timedelta(days=7)).isoformat(),
        "client_id": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data
