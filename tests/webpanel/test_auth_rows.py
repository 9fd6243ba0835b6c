"""The API's user lookup: kept briefly per process, dropped at once when the user changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _user_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"auth_user"' in q["sql"]]


def test_repeated_requests_read_the_user_row_once(admin_api: Any, monkeypatch: pytest.MonkeyPatch):
    from webpanel.users import authentication

    monkeypatch.setattr(authentication, "USER_ROW_TTL_S", 600.0)  # however slow the machine
    assert admin_api.get("/api/program/status").status_code == 200  # the row is read here
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert admin_api.get("/api/program/status").status_code == 200

    assert _user_queries(queries) == []


def test_a_deactivated_user_is_refused_at_once(user_api: Any, plain_user: Any):
    assert user_api.get("/api/program/status").status_code == 200

    plain_user.is_active = False
    plain_user.save()

    response = user_api.get("/api/program/status")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "user_inactive"


def test_a_demoted_user_loses_staff_routes_at_once(admin_api: Any, admin_user: Any):
    assert admin_api.post("/api/program/restart").status_code == 503  # staff, no program

    admin_user.is_staff = False
    admin_user.save()

    assert admin_api.post("/api/program/restart").status_code == 403


def test_a_deleted_user_is_refused_at_once(user_api: Any, plain_user: Any):
    assert user_api.get("/api/program/status").status_code == 200

    plain_user.delete()

    assert user_api.get("/api/program/status").status_code == 401
