"""``make run`` with no keys trades: the day trader fills orders on the replay market within five
minutes of the start, seen through the trading API and the program log.

The system is launched as ``make run`` launches it (``manage.py launch``, embedded Redis and
SQLite, no provider or Alpaca keys) with two seeded sessions and the replay market from 10:29
New York at 120x (``TC2_REPLAY_FROM``, ``TC2_REPLAY_SPEED``), so LongShortStrategy's window (from
10:30) opens within seconds of the replay's start. The seeded sessions are the last two
completed ones before the day the test runs (the synthetic market, seed 42): LongShortStrategy
fills on every session measured (docs/TRADING.md), so the test does not depend on which.
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
FIRST_FILL_WITHIN_S = 300.0


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("trading") / "data"
    with running_system(
        data_dir,
        admin_password=PASSWORD,
        extra_env={"TC2_REPLAY_FROM": "10:29", "TC2_REPLAY_SPEED": "120"},
    ) as running:
        yield running


def test_the_day_trader_fills_on_the_replay_market_within_five_minutes(
    system: RunningSystem,
) -> None:
    started = time.monotonic() - system.ready_after_s
    token = system.token(PASSWORD)

    def fills() -> list[dict[str, Any]]:
        status, _, body = system.request(
            "GET", "/api/trading/fills?mode=REPLAY&page_size=50", token=token
        )
        assert status == 200, body
        return list(body["results"])

    filled = wait_for(fills, timeout=FIRST_FILL_WITHIN_S - (time.monotonic() - started))
    first_fill_s = time.monotonic() - started
    assert filled, f"no REPLAY fill within {FIRST_FILL_WITHIN_S} s:\n{system.output()[-4000:]}"
    print(f"first REPLAY fill {first_fill_s:.0f} s after the launch")

    status, _, account = system.request("GET", "/api/trading/account", token=token)
    assert status == 200 and account["mode"] == "REPLAY", account
    day = next(row for row in account["traders"] if row["trader"] == "day")
    assert day["state"] == "running" and day["mode"] == "REPLAY", day
    swing = next(row for row in account["traders"] if row["trader"] == "swing")
    assert swing["state"] == "stopped" and "no active swing strategy" in swing["message"], swing

    status, _, runs = system.request("GET", "/api/trading/runs?mode=REPLAY", token=token)
    assert status == 200 and runs["results"], runs
    assert {run["strategy"] for run in runs["results"]} == {"LongShortStrategy"}

    lines = system.request("GET", "/api/logs/program", token=token)[2]["lines"]
    text = "\n".join(str(line) for line in lines)
    assert "day trader (REPLAY" in text
    assert "REPLAY fill:" in text, text[-3000:]
    components = system.request("GET", "/api/program/status", token=token)[2]["components"]
    names = {component["name"]: component for component in components}
    assert names["day-trader"]["state"] == "running"
    assert names["swing-trader"]["state"] == "running"


def test_a_killed_day_trader_is_restarted_and_resumes_its_run(system: RunningSystem) -> None:
    import os
    import signal

    token = system.token(PASSWORD)

    def component() -> dict[str, Any]:
        status = system.request("GET", "/api/program/status", token=token)[2]
        return next(c for c in status["components"] if c["name"] == "day-trader")

    def orders() -> dict[str, str]:
        body = system.request("GET", "/api/trading/fills?mode=REPLAY&page_size=500", token=token)[2]
        return {row["fill_id"]: row["client_order_id"] for row in body["results"]}

    before = component()
    fills_before = orders()
    assert before["pid"] and fills_before
    os.kill(before["pid"], signal.SIGKILL)

    restarted = wait_for(
        lambda: (
            (c := component())["restarts"] >= before["restarts"] + 1
            and c["state"] == "running"
            and c["pid"] != before["pid"]
            and c
        ),
        timeout=60,
    )
    assert restarted, component()
    assert "exited with code -9" in str(restarted["last_error"])

    def resumed() -> bool:
        lines = system.request("GET", "/api/logs/program", token=token)[2]["lines"]
        return any("resuming 1 run(s) from the journal" in str(line) for line in lines)

    assert wait_for(resumed, timeout=60), system.output()[-3000:]
    # The fills recorded before the kill are the same rows (one per fill id), none added twice.
    fills_after = orders()
    assert {k: fills_after[k] for k in fills_before} == fills_before
    status, _, account = system.request("GET", "/api/trading/account", token=token)
    assert status == 200, account
    day = next(row for row in account["traders"] if row["trader"] == "day")
    assert day["state"] == "running", day
