"""Roles: every signed-in user reads and runs research; only staff change shared state.

``ROLES`` is the contract, one row per route and method of the URLconf; a route added without a
row fails ``test_the_table_names_every_route_and_method``, so no route can be forgotten.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tc2.program.job_types import JOB_TYPES
from webpanel.core.permissions import STAFF_ONLY_MESSAGE
from webpanel.jobs.models import Job

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC, USER, STAFF = "public", "user", "staff"

ROLES: dict[tuple[str, str], str] = {
    ("healthz", "get"): PUBLIC,
    ("token-obtain", "post"): PUBLIC,
    ("token-refresh", "post"): PUBLIC,
    ("token-revoke", "post"): USER,
    ("me", "get"): USER,
    ("settings", "get"): USER,
    ("settings", "patch"): STAFF,
    ("logs-clear", "delete"): STAFF,
    ("logs-file", "get"): USER,
    ("logs-filenames", "get"): USER,
    ("logs-feed", "get"): USER,
    ("jobs", "get"): USER,
    ("jobs", "post"): USER,  # data job types need staff: JobSubmitRolesTests
    ("job-detail", "get"): USER,
    ("job-cancel", "post"): USER,  # one's own jobs; staff any: JobCancelRolesTests
    ("data-symbols", "get"): USER,
    ("data-dates", "get"): USER,
    ("data-bars", "get"): USER,
    ("data-status", "get"): USER,
    ("data-coverage", "get"): USER,
    ("data-import", "post"): STAFF,
    ("data-recollect", "post"): STAFF,
    ("data-patch", "post"): STAFF,
    ("data-heal", "post"): STAFF,
    ("data-reset-attempts", "post"): STAFF,
    ("program-status", "get"): USER,
    ("program-restart", "post"): STAFF,
    ("update", "post"): STAFF,
    ("strategy-list", "get"): USER,
    ("strategy-simulate-day", "post"): USER,
    ("strategy-evaluate", "post"): USER,
    ("strategy-runs", "get"): USER,
    ("strategy-run-detail", "get"): USER,
    ("strategy-files", "get"): USER,
    ("strategy-files", "post"): STAFF,
    ("strategy-file-detail", "get"): USER,
    ("strategy-file-detail", "delete"): STAFF,
    ("health-checks-perform", "post"): USER,
    ("health-checks-get", "get"): USER,
    ("health-checks-list", "get"): USER,
    ("visuals-generate", "post"): USER,
    ("visuals-get", "get"): USER,
    ("visuals-list", "get"): USER,
    ("trading-account", "get"): USER,
    ("trading-positions", "get"): USER,
    ("trading-position-force-exit", "post"): STAFF,
    ("trading-orders", "get"): USER,
    ("trading-order-cancel", "post"): STAFF,
    ("trading-fills", "get"): USER,
    ("trading-round-trips", "get"): USER,
    ("trading-runs", "get"): USER,
    ("trading-pnl", "get"): USER,
    # Reconciling is research (issue 14): every signed-in user reads and runs it.
    ("trading-reconciliations", "get"): USER,
    ("trading-reconciliations", "post"): USER,
    ("trading-reconciliation-detail", "get"): USER,
    ("trading-trader-start", "post"): STAFF,
    ("trading-trader-stop", "post"): STAFF,
    ("trading-command-detail", "get"): USER,
    ("trading-risk", "get"): USER,
    ("trading-risk-state", "post"): STAFF,
    ("trading-risk-flatten", "post"): STAFF,
    ("data-reset-trade-history", "post"): STAFF,
    ("api-schema", "get"): USER,
    ("api-docs", "get"): PUBLIC,  # a page without data; it asks for credentials itself
    ("web-panel", "get"): PUBLIC,  # the panel's files; its data comes from the API
    **{("api-not-found", method): PUBLIC for method in ("get", "post", "put", "patch", "delete")},
}

STAFF_JOB_TYPES = {"data_catch_up", "data_recollect", "data_patch", "data_heal", "data_import"}

# Path arguments for routes that take some, and URLs for the regular-expression routes.
_KWARGS = {
    "symbol": "SPY",
    "feed": "program",
    "job_id": str(uuid.uuid4()),
    "run_id": str(uuid.uuid4()),
    "name": "missing.py",
    "client_order_id": "tc2-0000000000000000-000001",
    "trader": "day",
    "command_id": uuid.uuid4().hex,
    "report_id": 1,
}
_URLS = {"api-not-found": "/api/no-such-route", "web-panel": "/runtime/console"}
_METHODS = ("get", "post", "put", "patch", "delete")


def _routes(patterns: list[Any]) -> Iterator[tuple[str, str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns)
            continue
        view_class = getattr(pattern.callback, "view_class", None)
        methods = [m for m in _METHODS if hasattr(view_class, m)] if view_class else ["get"]
        for method in methods:
            yield str(pattern.name), method, pattern


def _url(name: str) -> str:
    if name in _URLS:
        return _URLS[name]
    pattern = next(p for n, _, p in _routes(get_resolver().url_patterns) if n == name)
    wanted = {key: value for key, value in _KWARGS.items() if f":{key}>" in str(pattern.pattern)}
    return reverse(name, kwargs=wanted)


def _call(client: Any, name: str, method: str) -> Any:
    return getattr(client, method)(_url(name), {}, format="json")


def _rows(role: str) -> list[tuple[str, str]]:
    return sorted(key for key, value in ROLES.items() if value == role)


class RouteTableTests:
    def test_the_table_names_every_route_and_method(self):
        found = {(name, method) for name, method, _ in _routes(get_resolver().url_patterns)}

        assert found - set(ROLES) == set(), "new routes: give each a row in ROLES"
        assert set(ROLES) - found == set(), "ROLES names routes that no longer exist"

    @pytest.mark.parametrize(("name", "method"), _rows(STAFF))
    def test_staff_routes_refuse_other_users_with_403_and_the_reason(
        self, api: Any, user_api: Any, admin_api: Any, name: str, method: str
    ):
        anonymous = _call(api, name, method)
        refused = _call(user_api, name, method)
        allowed = _call(admin_api, name, method)

        assert anonymous.status_code == 401
        assert refused.status_code == 403
        assert refused.json()["error"] == {
            "code": "permission_denied",
            "message": STAFF_ONLY_MESSAGE,
            "details": {},
        }
        assert allowed.status_code not in (401, 403), allowed.content

    @pytest.mark.parametrize(("name", "method"), _rows(USER))
    def test_user_routes_serve_every_signed_in_user(
        self, api: Any, user_api: Any, admin_api: Any, name: str, method: str
    ):
        assert _call(api, name, method).status_code == 401
        for client in (user_api, admin_api):
            response = _call(client, name, method)
            assert response.status_code not in (401, 403), response.content

    @pytest.mark.parametrize(("name", "method"), _rows(PUBLIC))
    def test_public_routes_need_no_token(self, api: Any, name: str, method: str):
        assert _call(api, name, method).status_code not in (401, 403)


class MeTests:
    def test_says_who_is_signed_in_and_whether_they_are_staff(self, user_api: Any, admin_api: Any):
        assert user_api.get("/api/me").json() == {"username": "trader", "is_staff": False}
        assert admin_api.get("/api/me").json() == {"username": "admin", "is_staff": True}


class JobSubmitRolesTests:
    def test_the_data_job_types_are_the_shared_state_ones(self):
        declared = {name for name in JOB_TYPES.names() if JOB_TYPES.get(name).shared_state}

        assert declared == STAFF_JOB_TYPES

    @pytest.mark.parametrize("job_type", JOB_TYPES.names())
    def test_only_staff_submit_jobs_that_change_shared_data(
        self, user_api: Any, job_type: str, private_redis: Any
    ):
        response = user_api.post("/api/jobs", {"type": job_type, "params": {}}, format="json")

        if job_type in STAFF_JOB_TYPES:
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "permission_denied"
            assert "Only staff" in response.json()["error"]["message"]
            assert "fields" not in response.json()["error"]["details"]  # params never read
            assert not Job.objects.exists()
        else:
            assert response.status_code != 403


class JobCancelRolesTests:
    def _worker_check(self, client: Any, label: str) -> str:
        response = client.post(
            "/api/jobs",
            {"type": "worker_check", "params": {"steps": 1, "label": label}},
            format="json",
        )
        assert response.status_code == 202, response.json()
        return str(response.json()["id"])

    def test_users_cancel_their_own_jobs_and_staff_any(
        self, user_api: Any, admin_api: Any, private_redis: Any
    ):
        admins = self._worker_check(admin_api, "admin's")
        own = self._worker_check(user_api, "own")

        refused = user_api.post(f"/api/jobs/{admins}/cancel")
        assert refused.status_code == 403
        assert Job.objects.get(id=admins).status == "queued"
        assert user_api.post(f"/api/jobs/{own}/cancel").status_code == 202
        assert admin_api.post(f"/api/jobs/{admins}/cancel").status_code == 202
