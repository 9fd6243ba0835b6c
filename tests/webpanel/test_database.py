"""The Django layer runs twice (make test-webpanel); check each run is on the intended DB."""

from __future__ import annotations

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_runs_on_the_database_named_by_tc2_database_url():
    url = os.environ.get("TC2_DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
