"""``make run``, then visuals over HTTP: the refresher keeps PRICE_GRAPH and RUN_HISTORY fresh,
and a generated visual is stored for GET.

The program seeds two synthetic sessions; once they are loaded the visuals refresher queues a
PRICE_GRAPH per symbol of the settings and the simulated RUN_HISTORY, and the job worker it
supervises generates them.
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
    data_dir = tmp_path_factory.mktemp("visuals") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


def _get(system: RunningSystem, token: str, **query: str) -> tuple[int, Any]:
    status, _, body = system.request("GET", f"/api/visuals/get?{urlencode(query)}", token=token)
    return status, body


def test_the_refresher_stores_the_price_graphs_and_the_run_history(
    system: RunningSystem, token: str
):
    def stored() -> Any:
        status, body = _get(system, token, visual_type="RUN_HISTORY", mode="simulated")
        return body if status == 200 else None

    history = wait_for(stored, timeout=120)
    assert history, system.output()
    assert history["visual"]["runs"] == 0 and history["params"]["mode"] == "simulated"
    status, price_graph = _get(system, token, visual_type="PRICE_GRAPH", symbol="SPY")
    assert status == 200, price_graph
    assert price_graph["visual"]["symbol"] == "SPY" and price_graph["visual"]["coverage"]

    def refresher_running() -> bool:  # the status is published every 2 s
        program = system.request("GET", "/api/program/status", token=token)[2]
        refresher = next(c for c in program["components"] if c["name"] == "visuals-refresher")
        return bool(refresher["state"] == "running")

    assert wait_for(refresher_running, timeout=10)
    lines = system.request("GET", "/api/logs/visuals", token=token)[2].get("lines", [])
    assert any("PRICE_GRAPH generated (symbol SPY" in line for line in lines), lines


def test_a_generated_price_graph_is_stored_with_its_job(system: RunningSystem, token: str):
    query = {"visual_type": "PRICE_GRAPH", "symbol": "SPY", "days": "5"}
    status, _, job = system.request(
        "POST", f"/api/visuals/generate?{urlencode(query)}", token=token
    )
    assert status == 202, job

    def finished() -> dict[str, Any] | None:
        current = system.request("GET", f"/api/jobs/{job['id']}", token=token)[2]
        return current if current["status"] in ("succeeded", "failed", "canceled") else None

    done = wait_for(finished, timeout=60)
    assert done and done["status"] == "succeeded", done
    status, stored = _get(system, token, visual_type="PRICE_GRAPH", symbol="SPY")
    assert status == 200, stored
    assert stored["job_id"] == job["id"]
    visual = stored["visual"]
    assert len(visual["coverage"]) == 5
    on_file = [point for point in visual["coverage"] if not point["missing"]]
    assert on_file and all(point["value"] > 0 for point in on_file), visual["coverage"]
    assert len(visual["candles"]) == len(on_file)
