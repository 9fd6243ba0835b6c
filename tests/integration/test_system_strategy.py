"""``make run``, then a day simulation over HTTP: POST, follow the job, read the stored run.

The program seeds two synthetic sessions; the job worker the program supervises simulates one
of them from the LIVE store. The run's fingerprint must equal the one this test process gets
from the engine directly on the same files, and a second identical request must reproduce it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tc2.data.price_stores import price_store_for
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.simulation.run_settings import CLOSED_AT_END
from tc2.simulation.simulator import (
    DayRequest,
    SimulationSettings,
    StrategySimulator,
)
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tests.integration.system import RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
PARAMS = {"qty": 10}  # 10 SPY shares fit the default starting cash


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("data") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


@pytest.fixture(scope="module")
def day(system: RunningSystem, token: str) -> str:
    system.wait_for_data_loaded(token)
    dates = system.request("GET", "/api/data/dates/SPY", token=token)[2]["dates"]
    assert dates, "the program seeds two sessions"
    return str(dates[-1])


def _simulate(system: RunningSystem, token: str, day: str, **options: Any) -> dict[str, Any]:
    status, _, run = system.request(
        "POST",
        "/api/strategy/simulate_day",
        {"strategy": "SmaCrossStrategy", "symbol": "SPY", "day": day, "params": PARAMS, **options},
        token=token,
    )
    assert status == 202, run

    def finished() -> dict[str, Any] | None:
        job = system.request("GET", f"/api/jobs/{run['job_id']}", token=token)[2]
        return job if job["status"] in ("succeeded", "failed", "canceled") else None

    job = wait_for(finished, timeout=60)
    assert job and job["status"] == "succeeded", job
    status, _, stored = system.request("GET", f"/api/strategy/runs/{run['id']}", token=token)
    assert status == 200
    return dict(stored)


def test_a_simulation_over_http_stores_the_fingerprint_the_engine_computes(
    system: RunningSystem, token: str, day: str
):
    run = _simulate(system, token, day)

    assert run["status"] == "succeeded" and run["result"] is not None
    assert run["result"]["fills"], "the run must trade, or the fingerprint proves little"
    assert run["fingerprint"] == run["result"]["fingerprint"]
    calendar = MarketCalendar.xnys()
    direct = StrategySimulator(
        store=price_store_for(EnvType.LIVE, data_dir=system.data_dir),
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    ).simulate_day(
        DayRequest(
            strategy_class=SmaCrossStrategy,
            symbols=("SPY",),
            day=date.fromisoformat(day),
            params=PARAMS,
        )
    )
    assert run["fingerprint"] == direct.fingerprint
    assert run["profit"] == pytest.approx(direct.profit)

    again = _simulate(system, token, day)
    assert again["id"] != run["id"] and again["fingerprint"] == run["fingerprint"]
    runs = system.request("GET", "/api/strategy/runs?kind=simulate", token=token)[2]["runs"]
    assert [listed["id"] for listed in runs[:2]] == [again["id"], run["id"]]


def test_a_day_without_bars_is_refused_with_422_and_starts_no_job(
    system: RunningSystem, token: str, day: str
):
    def job_ids() -> list[str]:
        return [job["id"] for job in system.request("GET", "/api/jobs", token=token)[2]["jobs"]]

    before = job_ids()
    status, _, body = system.request(
        "POST",
        "/api/strategy/simulate_day",
        {"strategy": "SmaCrossStrategy", "symbol": "QQQ", "day": "2020-03-02"},
        token=token,
    )
    assert status == 422
    assert body["error"]["details"]["fields"]["day"] == [
        "no 1m bars of QQQ on file for 2020-03-02; collect or import them first"
    ]
    assert job_ids() == before


def test_short_selling_and_closing_at_the_end_reach_the_worker_and_the_result(
    system: RunningSystem, token: str, day: str
):
    marked = _simulate(system, token, day, allow_short=True)
    closed = _simulate(system, token, day, allow_short=True, close_at_end=True)

    result = closed["result"]
    assert (result["allow_short"], result["end_of_run"]) == (True, "closed_at_last_close")
    assert marked["result"]["end_of_run"] == "marked_to_market"
    assert all(position["qty"] == 0 for position in result["positions"])
    held = [p for p in marked["result"]["positions"] if p["qty"]]
    closing = [order for order in result["orders"] if order["reason"] == CLOSED_AT_END]
    assert len(closing) == len(held)  # one closing order per position the marked run kept
    calendar = MarketCalendar.xnys()
    direct = StrategySimulator(
        store=price_store_for(EnvType.LIVE, data_dir=system.data_dir),
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    ).simulate_day(
        DayRequest(
            strategy_class=SmaCrossStrategy,
            symbols=("SPY",),
            day=date.fromisoformat(day),
            params=PARAMS,
            settings=SimulationSettings(allow_short=True, close_at_end=True),
        )
    )
    assert closed["fingerprint"] == direct.fingerprint
    assert closed["profit"] == pytest.approx(direct.profit)


def test_a_risk_free_rate_out_of_range_is_refused_with_422_naming_it(
    system: RunningSystem, token: str, day: str
):
    status, _, body = system.request(
        "POST",
        "/api/strategy/evaluate",
        {
            "strategy": "SmaCrossStrategy",
            "symbols": ["SPY"],
            "start": day,
            "end": day,
            "risk_free_rate": 0.5,
            "allow_short": "yes",
        },
        token=token,
    )

    assert status == 422
    fields = body["error"]["details"]["fields"]
    assert fields["risk_free_rate"] == [
        "must be an annual rate from 0 to 0.2 (a fraction: 0.04 is 4 %), was 0.5"
    ]
    assert fields["allow_short"] == ["must be true or false, was 'yes'"]
