"""A settings change reaches the running program without a restart.

``make run`` as a user starts it; adding a symbol through ``PATCH /api/settings`` must reach the
data collector and the bar streamer within 10 s (they acknowledge the version, the settings
answer says ``applied`` and the data feed says what each applied), and the new symbol's history
is collected at once by a job the panel lists.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.system import RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
NEW_SYMBOL = "AAPL"
REACH_S = 10.0


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("data") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    token = system.token(PASSWORD)

    system.wait_for_data_loaded(token)
    return token


def test_an_added_symbol_reaches_the_components_and_its_history_is_collected(
    system: RunningSystem, token: str
):
    before = system.request("GET", "/api/settings", token=token)[2]
    assert before["delivery"]["state"] == "applied", before["delivery"]
    symbols = [*before["symbols"], NEW_SYMBOL]

    started = time.monotonic()
    status, _, changed = system.request("PATCH", "/api/settings", {"symbols": symbols}, token=token)
    assert status == 200, changed
    version = changed["delivery"]["version"]

    def delivered() -> dict[str, Any] | None:
        delivery = system.request("GET", "/api/settings", token=token)[2]["delivery"]
        return delivery if delivery["state"] == "applied" else None

    delivery = wait_for(delivered, timeout=REACH_S)
    reached_after = time.monotonic() - started
    assert delivery, system.request("GET", "/api/settings", token=token)[2]
    assert reached_after <= REACH_S
    assert delivery["version"] == version
    assert delivery["components"] == {"data-collector": version, "bar-streamer": version}
    applied = f"Settings version {version} applied: symbols {', '.join(symbols)} (added AAPL)"

    def logged() -> set[str]:
        lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
        return {
            component
            for component in ("[collector]", "[streamer]")
            if any(component in line and applied in line for line in lines)
        }

    # Each process flushes its feed lines on its own schedule.
    assert wait_for(lambda: logged() == {"[collector]", "[streamer]"}, timeout=REACH_S), [
        line
        for line in system.request("GET", "/api/logs/data", token=token)[2]["lines"]
        if "Settings" in line
    ]

    [job] = changed["history_jobs"]
    listed = system.request("GET", "/api/jobs?type=data_catch_up", token=token)[2]["jobs"]
    assert [listed_job["id"] for listed_job in listed] == [job["id"]]
    assert job["params"] == {"symbols": [NEW_SYMBOL]}

    def finished() -> dict[str, Any] | None:
        current = system.request("GET", f"/api/jobs/{job['id']}", token=token)[2]
        return current if current["status"] in ("succeeded", "failed", "canceled") else None

    done = wait_for(finished, timeout=90)
    assert done and done["status"] == "succeeded", done
    dates = system.request("GET", f"/api/data/dates/{NEW_SYMBOL}?resolution=1m", token=token)[2]
    assert len(dates["dates"]) == done["result"]["sessions"] == 2  # TC2_SEED_SESSIONS
