"""``make run``, then health checks over HTTP: POST perform, follow the job, GET the result.

The program seeds two synthetic sessions and runs the health-check refresher; the job worker it
supervises runs each check. No keys are set, so PROVIDER and ALPACA answer SKIPPED.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.system import RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("health") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    token = system.token(PASSWORD)

    system.wait_for_data_loaded(token)
    return token


def _check(system: RunningSystem, token: str, **query: str) -> dict[str, Any]:
    status, _, job = system.request(
        "POST", f"/api/health_checks/perform?{urlencode(query)}", token=token
    )
    if status == 409:  # at night the refresher may have queued the same check: follow that one
        job = {"id": job["error"]["details"]["job_id"]}
    else:
        assert status == 202, job

    def finished() -> dict[str, Any] | None:
        current = system.request("GET", f"/api/jobs/{job['id']}", token=token)[2]
        return current if current["status"] in ("succeeded", "failed", "canceled") else None

    done = wait_for(finished, timeout=120)
    assert done and done["status"] == "succeeded", done
    key = {name: value for name, value in query.items() if name != "day_date"}
    status, _, result = system.request(
        "GET", f"/api/health_checks/get?{urlencode(key)}", token=token
    )
    assert status == 200, result
    assert result["job_id"] == job["id"]
    return dict(result)


def test_a_check_never_run_is_204(system: RunningSystem, token: str):
    # IBM is outside the settings' universe: from 18:00 to 06:00 New York the refresher runs
    # every check for the universe's symbols, so one of those may have a result by now.
    status, _, body = system.request(
        "GET", "/api/health_checks/get?check_type=MODEL_FEEDING&symbol=IBM", token=token
    )
    assert status == 204 and body == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"check_type": "STORE"}, "PASSED"),
        ({"check_type": "DATA", "symbol": "SPY"}, "PASSED"),
        ({"check_type": "SIM_OUTPUT", "symbol": "SPY"}, "PASSED"),
        ({"check_type": "PROVIDER"}, "SKIPPED"),
        ({"check_type": "ALPACA"}, "SKIPPED"),
    ],
)
def test_checks_run_by_the_programs_worker_store_their_result(
    system: RunningSystem, token: str, query: dict[str, str], expected: str
):
    result = _check(system, token, **query)

    assert result["status"] == expected, result
    assert result["debug_messages"] and result["last_updated"]


def test_the_refresher_runs_and_check_outcomes_reach_the_health_feed(
    system: RunningSystem, token: str
):
    _check(system, token, check_type="STORE")
    status = system.request("GET", "/api/program/status", token=token)[2]
    refresher = next(c for c in status["components"] if c["name"] == "health-refresher")
    assert refresher["state"] == "running"

    def logged() -> bool:
        lines = system.request("GET", "/api/logs/health", token=token)[2].get("lines", [])
        return any("[checks] STORE: PASSED" in line for line in lines)

    assert wait_for(logged, timeout=10)
