"""/api/strategy on the real file store with synthetic bars; jobs run by a real RQ worker."""

from __future__ import annotations

import dataclasses
import json
import math
import uuid
from collections.abc import Callable
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from tc2.data.adjustments import ActionKind, Adjustment, CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.simulation.evaluator import (
    END_BEFORE_START_MESSAGE,
    EvaluationRequest,
    StoreLocation,
    StrategyEvaluator,
)
from tc2.simulation.metrics import sharpe_ratio
from tc2.simulation.simulator import (
    DAY_NOT_ON_FILE_MESSAGE,
    RANGE_NOT_ON_FILE_MESSAGE,
    DayRequest,
    SimulationSettings,
    StrategySimulator,
)
from tc2.strategy.builtin.cycle import CycleStrategy
from tc2.strategy.registry import REGISTERED_NAME_RULE
from webpanel.data.selectors import live_store
from webpanel.jobs.models import Job
from webpanel.jobs.queue import QUEUE_NAME
from webpanel.strategy.models import StrategyRun

pytestmark = pytest.mark.django_db(transaction=True)

CALENDAR = MarketCalendar.xnys()
START, DAY = date(2026, 3, 2), date(2026, 3, 6)  # five sessions; CycleStrategy trades on DAY
NOT_ON_FILE = date(2026, 3, 9)  # a session with no bars on file
SATURDAY = date(2026, 3, 7)


@pytest.fixture
def seeded() -> None:
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    store = live_store()
    for symbol in ("SPY", "QQQ"):
        for day in CALENDAR.sessions_in_range(START, DAY):
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                store.save_day(market.day_bars(symbol=symbol, day=day, resolution=resolution))


@pytest.fixture
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    # Evaluations in these tests run in the test process (no worker pool to spawn).
    monkeypatch.setenv("TC2_SIM_PROCESSES", "1")


# CycleStrategy's PROFITABILITY model needs 100 sessions these stores do not have: the runs
# that must trade test the mechanics without the model filters (ModelFilterApiTests: with them).
MECHANICS = {"model_filters": False}


def _simulate(api: Any, **changes: Any) -> Any:
    body = {
        "strategy": "CycleStrategy",
        "symbol": "SPY",
        "day": DAY.isoformat(),
        **MECHANICS,
        **changes,
    }
    return api.post("/api/strategy/simulate_day", body, format="json")


def _evaluate(api: Any, **changes: Any) -> Any:
    body = {
        "strategy": "CycleStrategy",
        "symbols": ["SPY", "QQQ"],
        "start": START.isoformat(),
        "end": DAY.isoformat(),
        **MECHANICS,
        **changes,
    }
    return api.post("/api/strategy/evaluate", body, format="json")


def _direct_simulation(day: date = DAY) -> Any:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(store=live_store(), calendar=CALENDAR, exec_env=env)
    return simulator.simulate_day(
        DayRequest(
            strategy_class=CycleStrategy,
            symbols=("SPY",),
            day=day,
            settings=SimulationSettings(model_filters=False),
        )
    )


def _nothing_recorded(private_redis: Any) -> bool:
    return (
        not Job.objects.exists()
        and not StrategyRun.objects.exists()
        and private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 0
    )


class StrategyListTests:
    def test_lists_day_then_swing_strategies_with_parameters_and_docstrings(self, admin_api: Any):
        response = admin_api.get("/api/strategy/list")

        assert response.status_code == 200
        strategies = response.json()["strategies"]
        kinds = [strategy["kind"] for strategy in strategies]
        assert kinds == sorted(kinds) and {"day", "swing"} == set(kinds)
        by_id = {strategy["id"]: strategy for strategy in strategies}
        cycle = by_id["CycleStrategy"]
        assert cycle["description"].startswith("Buy a small dip below the last low")
        assert cycle["resolution"] == "1s"
        lower_buy = next(p for p in cycle["parameters"] if p["name"] == "lower_buy_pct")
        assert lower_buy["type"] == "float" and lower_buy["low"] is not None
        assert lower_buy["default"] == CycleStrategy.parameters[0].default
        assert by_id["SmaCrossStrategy"]["kind"] == "swing"
        assert by_id["SmaCrossStrategy"]["resolution"] == "1m"

    @pytest.mark.parametrize(
        ("method", "url"),
        [
            ("get", "/api/strategy/list"),
            ("post", "/api/strategy/simulate_day"),
            ("post", "/api/strategy/evaluate"),
            ("get", "/api/strategy/runs"),
            ("get", f"/api/strategy/runs/{uuid.uuid4()}"),
        ],
    )
    def test_every_route_needs_a_token(self, api: Any, method: str, url: str):
        response = getattr(api, method)(url, {}, format="json")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"

    def test_routes_are_in_the_openapi_schema(self, admin_api: Any):
        paths = admin_api.get("/api/schema/?format=json").json()["paths"]
        assert {
            "/api/strategy/list",
            "/api/strategy/simulate_day",
            "/api/strategy/evaluate",
            "/api/strategy/runs",
            "/api/strategy/runs/{run_id}",
        } <= set(paths)
        assert "422" in paths["/api/strategy/simulate_day"]["post"]["responses"]


class SimulateDayTests:
    def test_accepted_run_stores_the_result_with_the_fingerprint_of_a_direct_run(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        response = _simulate(admin_api)
        assert response.status_code == 202, response.json()
        accepted = response.json()
        assert accepted["status"] == "queued" and "result" not in accepted
        assert accepted["kind"] == "simulate" and accepted["day"] == DAY.isoformat()
        assert accepted["fingerprint"] == "" and accepted["profit"] is None
        assert Job.objects.get(id=accepted["job_id"]).type == "strategy_simulate"

        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()
        direct = _direct_simulation()
        assert run["status"] == "succeeded", run
        assert run["progress"] == 100 and run["error"] == "" and run["finished_at"]
        assert direct.fills, "the day must trade, or the fingerprint proves little"
        assert run["fingerprint"] == run["result"]["fingerprint"] == direct.fingerprint
        assert run["profit"] == pytest.approx(direct.profit)
        assert run["result"]["fills"] == direct.to_dict()["fills"]
        assert run["params"] == direct.params
        assert admin_api.get(f"/api/jobs/{accepted['job_id']}").json()["status"] == "succeeded"

    def test_the_request_options_reach_the_simulation(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        response = _simulate(
            admin_api,
            fill_model="tc2",
            adjustment="raw",
            params={"max_purchase_usd": 3500},
            start_time="10:45",
            warmup_days=0,
            starting_cash=50_000,
        )
        assert response.status_code == 202, response.json()
        work_queue()
        result = admin_api.get(f"/api/strategy/runs/{response.json()['id']}").json()["result"]
        assert result["fill_model"] == "tc2"
        assert result["adjustment"] == "raw"
        assert result["params"]["max_purchase_usd"] == 3500.0
        assert result["starting_cash"] == 50_000
        # 10:45, not the start of the strategy's window (10:30)
        assert result["started_t"] == CALENDAR.session_open(DAY).timestamp() + 75 * 60

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"strategy": "NoSuchStrategy"}, "strategy", "unknown strategy 'NoSuchStrategy'"),
            ({"strategy": "missing.py:Thing"}, "strategy", REGISTERED_NAME_RULE),
            ({"symbol": "spy"}, "symbol", "must be a ticker"),
            ({"day": NOT_ON_FILE.isoformat()}, "day", None),
            ({"day": SATURDAY.isoformat()}, "day", "2026-03-07 is not a trading session"),
            ({"day": "2026-13-01"}, "day", "not a real date"),
            ({"day": "1900-01-02"}, "day", "outside the supported"),
            ({"params": {"lower_buy_pct": 5}}, "params.lower_buy_pct", "must be <= 0.05, was 5"),
            ({"params": {"colour": 1}}, "params.colour", "unknown parameter 'colour'"),
            (
                {"params": {"restop_pct": 0.01}},  # above the stop it is meant to restore
                "params.restop_pct",
                "restop_pct must be < max_stop_pct",
            ),
            ({"params": [1, 2]}, "params", "must be an object"),
            ({"fill_model": "magic"}, "fill_model", "fill model must be one of"),
            (
                {"adjustment": "forward"},
                "adjustment",
                "must be one of raw, split, all, was 'forward'",
            ),
            ({"adjustment": None}, "adjustment", "was None"),
            ({"start_time": "25:00"}, "start_time", "HH:MM"),
            ({"warmup_days": 11}, "warmup_days", "from 0 to 10"),
            ({"starting_cash": -5}, "starting_cash", "> 0"),
            ({"colour": "red"}, "colour", "unknown parameter"),
            ({"allow_short": "yes"}, "allow_short", "must be true or false, was 'yes'"),
            ({"close_at_end": 1}, "close_at_end", "must be true or false, was 1"),
            # An evaluation's option: a day simulation computes no Sharpe ratio.
            ({"risk_free_rate": 0.04}, "risk_free_rate", "unknown parameter"),
            ({"resolution": "1d"}, "resolution", "CycleStrategy is a day strategy"),
            ({"resolution": "1h"}, "resolution", "must be one of 1s, 1m, 1d, was '1h'"),
        ],
    )
    def test_bad_requests_are_422_naming_the_field_and_record_nothing(
        self,
        admin_api: Any,
        seeded: None,
        private_redis: Any,
        changes: dict[str, Any],
        field: str,
        message: str | None,
    ):
        response = _simulate(admin_api, **changes)

        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "validation_failed"
        fields = error["details"]["fields"]
        if message is None:  # the day is a session without bars
            message = DAY_NOT_ON_FILE_MESSAGE.format(resolution="1s", symbol="SPY", day=NOT_ON_FILE)
        assert any(message in text for text in fields[field]), fields
        assert _nothing_recorded(private_redis)

    def test_every_bad_field_is_named_at_once(self, admin_api: Any, seeded: None):
        response = _simulate(admin_api, symbol="spy", day="soon", fill_model="magic", extra=1)
        assert set(response.json()["error"]["details"]["fields"]) == {
            "symbol",
            "day",
            "fill_model",
            "extra",
        }

    def test_a_repeat_while_an_identical_one_is_queued_is_409_naming_that_job(
        self, admin_api: Any, seeded: None
    ):
        first = _simulate(admin_api)
        assert first.status_code == 202, first.json()

        repeat = _simulate(admin_api)
        other = _simulate(admin_api, symbol="QQQ")

        assert repeat.status_code == 409
        assert repeat.json()["error"]["details"] == {
            "job_id": first.json()["job_id"],
            "status": "queued",
        }
        assert other.status_code == 202  # a different simulation runs alongside
        assert admin_api.get("/api/strategy/runs").json()["runs"][0]["symbols"] == ["QQQ"]
        assert len(admin_api.get("/api/strategy/runs").json()["runs"]) == 2  # no row for the 409

    def test_a_body_that_is_not_an_object_is_400(self, admin_api: Any):
        response = admin_api.post("/api/strategy/simulate_day", ["SPY"], format="json")
        assert response.status_code == 400

    def test_a_run_whose_job_fails_shows_the_error_and_no_result(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        accepted = _simulate(admin_api).json()
        live_store().delete_day("SPY", DAY, Resolution.SECOND)  # gone before a worker runs it

        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()
        assert run["status"] == "failed"
        assert "DataError" in run["error"] and "no 1s bars of SPY" in run["error"]
        assert run["result"] is None and run["fingerprint"] == "" and run["profit"] is None

    def test_redis_down_is_503_and_the_run_is_kept_with_its_failed_job(
        self, admin_api: Any, seeded: None, settings: Any
    ):
        settings.TC2_CONFIG = dataclasses.replace(
            settings.TC2_CONFIG, redis_url="unix:///nonexistent/redis.sock"
        )
        response = _simulate(admin_api)
        assert response.status_code == 503
        run = StrategyRun.objects.select_related("job").get()
        assert run.job.status == "failed" and "could not queue" in run.job.error

    def test_a_strategy_job_submitted_as_a_plain_job_runs_without_a_run_row(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        params = {
            "strategy": "CycleStrategy",
            "symbol": "SPY",
            "day": DAY.isoformat(),
            **MECHANICS,
        }
        job = admin_api.post(
            "/api/jobs", {"type": "strategy_simulate", "params": params}, format="json"
        ).json()
        work_queue()
        done = admin_api.get(f"/api/jobs/{job['id']}").json()
        assert done["status"] == "succeeded"
        assert done["result"]["fingerprint"] == _direct_simulation().fingerprint
        assert not StrategyRun.objects.exists()


class ModelFilterApiTests:
    def test_by_default_the_models_judge_and_the_run_says_why_it_did_not_trade(
        self, admin_api: Any, seeded: None, work_queue: Callable[[], None]
    ):
        accepted = _simulate(admin_api, model_filters=True).json()
        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()
        record = run["result"]
        assert record["fills"] == [] and record["viable"] is False
        (failure,) = [e for e in record["timeline"] if e["message"] == "models fail"]
        assert any(
            "PROFITABILITY needs 100 sessions of SPY" in reason
            for reason in failure["data"]["failures"]
        )
        (profitability,) = [r for r in record["not_viable"] if r["model"] == "PROFITABILITY"]
        assert profitability["symbol"] == "SPY"
        assert profitability["reason"].startswith("PROFITABILITY needs 100 sessions of SPY")
        assert profitability["reason"] in record["stop_reason"]

    def test_each_day_of_an_evaluation_the_models_rule_out_names_the_model_and_why(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
    ):
        accepted = _evaluate(admin_api, model_filters=True).json()
        work_queue()

        days = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()["result"]["days"]
        assert len(days) == 10
        for day in days:
            assert day["viable"] is False and day["fills"] == 0
            (symbol,) = day["symbols"]
            (reason,) = [r for r in day["not_viable"] if r["model"] == "PROFITABILITY"]
            assert reason["symbol"] == symbol
            assert reason["reason"].startswith(f"PROFITABILITY needs 100 sessions of {symbol}")

    def test_model_filters_must_be_a_boolean(self, admin_api: Any, seeded: None):
        response = _simulate(admin_api, model_filters="yes")

        assert response.status_code in (400, 422)
        assert "model_filters" in json.dumps(response.json())


class EvaluateTests:
    def test_accepted_evaluation_stores_the_result_with_the_fingerprint_of_a_direct_run(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
        settings: Any,
    ):
        response = _evaluate(admin_api)
        assert response.status_code == 202, response.json()
        accepted = response.json()
        assert accepted["kind"] == "evaluate" and accepted["symbols"] == ["SPY", "QQQ"]
        assert (accepted["start"], accepted["end"]) == (START.isoformat(), DAY.isoformat())

        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()
        evaluator = StrategyEvaluator(
            store=StoreLocation(data_dir=Path(settings.TC2_CONFIG.data_dir)),
            calendar=CALENDAR,
            processes=1,
        )
        direct = evaluator.evaluate(
            EvaluationRequest(
                strategy="CycleStrategy",
                symbols=("SPY", "QQQ"),
                start=START,
                end=DAY,
                settings=SimulationSettings(model_filters=False),
            )
        )
        assert run["status"] == "succeeded", run
        assert direct.tc2.days_entered > 0, "the range must trade, or the fingerprint proves little"
        assert run["fingerprint"] == run["result"]["fingerprint"] == direct.fingerprint
        assert run["profit"] == pytest.approx(direct.tc2.net_profit)
        assert len(run["result"]["days"]) == 10
        assert run["result"]["adjustment"] == "split"  # the default

    def test_the_account_end_and_metric_options_reach_the_evaluation(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
        settings: Any,
    ):
        options = {"allow_short": True, "close_at_end": True, "risk_free_rate": 0.04}
        response = _evaluate(admin_api, **options)
        assert response.status_code == 202, response.json()
        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{response.json()['id']}").json()
        job = admin_api.get(f"/api/jobs/{run['job_id']}").json()
        direct = StrategyEvaluator(
            store=StoreLocation(data_dir=Path(settings.TC2_CONFIG.data_dir)),
            calendar=CALENDAR,
            processes=1,
        ).evaluate(
            EvaluationRequest(
                strategy="CycleStrategy",
                symbols=("SPY", "QQQ"),
                start=START,
                end=DAY,
                settings=SimulationSettings(
                    model_filters=False, allow_short=True, close_at_end=True
                ),
                risk_free_rate=0.04,
            )
        )
        result = run["result"]
        assert {name: job["params"][name] for name in options} == options
        assert (result["allow_short"], result["risk_free_rate"]) == (True, 0.04)
        # CycleStrategy is a day strategy: flattened at every close, close_at_end or not.
        assert result["end_of_run"] == "flattened_at_close"
        assert direct.performance is not None and direct.performance.sharpe is not None
        assert result["performance"]["sharpe"] == pytest.approx(direct.performance.sharpe)
        equity = [result["initial_equity"], *result["equity_curve"]["equity"]]
        returns = [after / before - 1 for before, after in pairwise(equity)]
        assert result["performance"]["sharpe"] == pytest.approx(
            sharpe_ratio(returns, risk_free_rate=0.04)
        )
        assert result["performance"]["sharpe"] != pytest.approx(sharpe_ratio(returns))
        assert result["fingerprint"] == direct.fingerprint

    def test_a_shared_account_evaluation_with_its_benchmark_line(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
    ):
        response = _evaluate(admin_api, accounts="shared", benchmark="QQQ", on_error="stop")
        assert response.status_code == 202, response.json()

        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{response.json()['id']}").json()
        assert run["status"] == "succeeded", run
        result = run["result"]
        assert result["accounts"] == "shared" == result["equity_curve"]["accounts"]
        assert result["initial_equity"] == 30_000.0
        assert {tuple(day["symbols"]) for day in result["days"]} == {("QQQ", "SPY")}
        benchmark = result["benchmark"]
        assert benchmark["symbol"] == "QQQ" and benchmark["warning"] is None
        assert benchmark["days"] == result["equity_curve"]["days"]
        assert len(benchmark["equity"]) == len(benchmark["days"]) > 0
        assert benchmark["beta"] is not None and benchmark["alpha"] is not None

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"strategy": "NoSuchStrategy"}, "strategy", "unknown strategy 'NoSuchStrategy'"),
            (
                {"start": DAY.isoformat(), "end": START.isoformat()},
                "end",
                END_BEFORE_START_MESSAGE.format(start=DAY, end=START),
            ),
            ({"start": "2026-03-07", "end": "2026-03-08"}, "start", "no trading session"),
            ({"symbols": "SPY,QQQ"}, "symbols", "must be a list"),
            ({"symbols": ["SPY", "qqq"]}, "symbols", "not tickers"),
            (
                {"symbols": ["SPY", "TXN"]},
                "symbols",
                RANGE_NOT_ON_FILE_MESSAGE.format(
                    resolution="1s", symbol="TXN", start=START, end=DAY
                ),
            ),
            ({"params": {"max_stop_pct": -1}}, "params.max_stop_pct", "must be >="),
            ({"fill_model": "perfect"}, "fill_model", "fill model must be one of"),
            ({"adjustment": "Split"}, "adjustment", "must be one of raw, split, all, was 'Split'"),
            ({"end": "tomorrow"}, "end", "YYYY-MM-DD"),
            ({"allow_short": None}, "allow_short", "must be true or false, was None"),
            ({"close_at_end": "false"}, "close_at_end", "must be true or false, was 'false'"),
            ({"risk_free_rate": -0.01}, "risk_free_rate", "from 0 to 0.2 (a fraction"),
            ({"risk_free_rate": 0.25}, "risk_free_rate", "was 0.25"),
            ({"risk_free_rate": 4}, "risk_free_rate", "0.04 is 4 %), was 4"),
            ({"risk_free_rate": "4%"}, "risk_free_rate", "was '4%'"),
            ({"risk_free_rate": True}, "risk_free_rate", "was True"),
            ({"resolution": "1d"}, "resolution", "could never trade"),
            (
                {"strategy": "SmaCrossStrategy", "resolution": "1d"},
                "symbols",
                RANGE_NOT_ON_FILE_MESSAGE.format(
                    resolution="1d", symbol="SPY", start=START, end=DAY
                ),
            ),
            ({"accounts": "pooled"}, "accounts", "must be one of per_symbol, shared"),
            ({"on_error": "ignore"}, "on_error", "must be one of continue, stop"),
            ({"benchmark": "s&p"}, "benchmark", "must be a ticker"),
            ({"benchmark": 7}, "benchmark", "must be a ticker"),
        ],
    )
    def test_bad_requests_are_422_naming_the_field_and_record_nothing(
        self,
        admin_api: Any,
        seeded: None,
        private_redis: Any,
        changes: dict[str, Any],
        field: str,
        message: str,
    ):
        response = _evaluate(admin_api, **changes)

        assert response.status_code == 422
        fields = response.json()["error"]["details"]["fields"]
        assert any(message in text for text in fields[field]), fields
        assert _nothing_recorded(private_redis)


class DailyBarsApiTests:
    def test_a_swing_strategy_is_evaluated_on_imported_daily_bars(
        self,
        admin_api: Any,
        one_process: None,
        work_queue: Callable[[], None],
    ):
        store = live_store()
        sessions = CALENDAR.sessions_in_range(date(2025, 1, 2), date(2025, 6, 30))
        for index, day in enumerate(sessions):
            store.save_day(_daily_bar("XYZ", day, index))

        response = _evaluate(
            admin_api,
            strategy="SmaCrossStrategy",
            symbols=["XYZ"],
            start=sessions[0].isoformat(),
            end=sessions[-1].isoformat(),
            params={"fast": 5, "slow": 20, "qty": 100, "stop_loss": 0.2},
            fill_model="backtrader",
            warmup_days=0,
            resolution="1d",
        )
        assert response.status_code == 202, response.json()
        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{response.json()['id']}").json()
        assert run["status"] == "succeeded", run
        assert run["result"]["resolution"] == "1d"
        assert sum(day["fills"] for day in run["result"]["days"]) >= 4
        described = admin_api.get("/api/strategy/list").json()["strategies"]
        resolutions = {strategy["id"]: strategy["resolutions"] for strategy in described}
        assert resolutions["SmaCrossStrategy"] == ["1m", "1d"]
        assert resolutions["CycleStrategy"] == ["1s"]


def _daily_bar(symbol: str, day: date, index: int) -> SymbolDay:
    close = 100 + 8 * math.sin(index / 6) + index * 0.05
    open_ = close - 0.4 * math.cos(index / 3)
    return SymbolDay(
        symbol=symbol,
        day=day,
        resolution=Resolution.DAY,
        t=[int(CALENDAR.session_open(day).timestamp())],
        o=[open_],
        h=[max(open_, close) + 2],
        l=[min(open_, close) - 2],
        c=[close],
        v=[1_000_000.0],
    )


class StrategyRunReadTests:
    def test_runs_are_listed_newest_first_as_summaries_and_filtered_by_kind(
        self,
        admin_api: Any,
        seeded: None,
        one_process: None,
        work_queue: Callable[[], None],
    ):
        first = _simulate(admin_api).json()
        second = _evaluate(admin_api).json()
        third = _simulate(admin_api, day=START.isoformat()).json()
        work_queue()

        runs = admin_api.get("/api/strategy/runs").json()["runs"]
        assert [run["id"] for run in runs] == [third["id"], second["id"], first["id"]]
        assert all("result" not in run for run in runs)
        assert all(run["status"] == "succeeded" and run["fingerprint"] for run in runs)
        assert runs[2]["requested_by"] == "admin"
        simulations = admin_api.get("/api/strategy/runs?kind=simulate").json()["runs"]
        assert [run["id"] for run in simulations] == [third["id"], first["id"]]
        assert len(admin_api.get("/api/strategy/runs?limit=1").json()["runs"]) == 1

    @pytest.mark.parametrize("query", ["kind=optimize", "limit=-1", "limit=many"])
    def test_bad_list_filters_are_400(self, admin_api: Any, query: str):
        assert admin_api.get(f"/api/strategy/runs?{query}").status_code == 400

    @pytest.mark.parametrize("run_id", [str(uuid.UUID(int=0)), "not-a-uuid"])
    def test_an_unknown_run_is_404(self, admin_api: Any, run_id: str):
        response = admin_api.get(f"/api/strategy/runs/{run_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_a_queued_run_has_no_result_yet(self, admin_api: Any, seeded: None):
        accepted = _simulate(admin_api).json()
        run = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()
        assert run["status"] == "queued" and run["result"] is None and run["finished_at"] is None


class SubmitTransactionTests:
    def test_the_job_is_queued_only_once_its_run_row_is_committed(
        self, admin_api: Any, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        from django.db import connection

        from webpanel.jobs import services

        seen: list[tuple[bool, bool]] = []
        real_enqueue = services.enqueue_job

        def enqueue(job_id: str) -> None:
            # A worker reads with its own connection: only committed rows exist for it.
            seen.append(
                (connection.in_atomic_block, StrategyRun.objects.filter(job_id=job_id).exists())
            )
            real_enqueue(job_id)

        monkeypatch.setattr(services, "enqueue_job", enqueue)

        assert _simulate(admin_api).status_code == 202
        assert seen == [(False, True)]


SPLIT_DAY = date(2026, 3, 5)  # XYZ splits 2-for-1: from this session on, half the price


@pytest.fixture
def split_symbol() -> None:
    """XYZ: minute bars of START..DAY, prices halved from SPLIT_DAY, the split kept on file."""
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    store = live_store()
    for day in CALENDAR.sessions_in_range(START, DAY):
        bars = dataclasses.replace(
            market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE), symbol="XYZ"
        )
        if day >= SPLIT_DAY:
            vw = None if bars.vw is None else bars.vw / 2
            bars = dataclasses.replace(
                bars, o=bars.o / 2, h=bars.h / 2, l=bars.l / 2, c=bars.c / 2, v=bars.v * 2, vw=vw
            )
        store.save_day(bars)
    store.save_actions(
        "XYZ",
        [CorporateAction(symbol="XYZ", ex_date=SPLIT_DAY, kind=ActionKind.SPLIT, ratio=2.0)],
    )


class AdjustmentApiTests:
    def test_an_evaluation_across_a_split_differs_raw_and_matches_the_engine_adjusted(
        self,
        admin_api: Any,
        split_symbol: None,
        one_process: None,
        work_queue: Callable[[], None],
        settings: Any,
    ):
        runs = {}
        for adjustment in ("raw", "split"):
            response = _evaluate(
                admin_api,
                strategy="SmaCrossStrategy",
                symbols=["XYZ"],
                params={"qty": 10},
                adjustment=adjustment,
            )
            assert response.status_code == 202, response.json()
            runs[adjustment] = response.json()["id"]
        work_queue()

        results = {
            adjustment: admin_api.get(f"/api/strategy/runs/{run_id}").json()["result"]
            for adjustment, run_id in runs.items()
        }
        assert results["raw"]["adjustment"] == "raw"
        assert results["split"]["adjustment"] == "split"
        assert results["raw"]["fingerprint"] != results["split"]["fingerprint"]
        direct = StrategyEvaluator(
            store=StoreLocation(data_dir=Path(settings.TC2_CONFIG.data_dir)),
            calendar=CALENDAR,
            processes=1,
        ).evaluate(
            EvaluationRequest(
                strategy="SmaCrossStrategy",
                symbols=("XYZ",),
                start=START,
                end=DAY,
                params={"qty": 10},
                settings=SimulationSettings(model_filters=False, adjustment=Adjustment.SPLIT),
            )
        )
        assert results["split"]["fingerprint"] == direct.fingerprint
        raw_days = {day["day"]: day for day in results["raw"]["days"]}
        split_days = {day["day"]: day for day in results["split"]["days"]}
        for day, raw in raw_days.items():
            adjusted = split_days[day]
            if day < SPLIT_DAY.isoformat():
                # The same trades of 10 shares at half the prices: half the profit (fees aside).
                assert adjusted["fills"] == raw["fills"] > 0
                assert adjusted["profit"] == pytest.approx(raw["profit"] / 2, abs=0.1)
            elif day > SPLIT_DAY.isoformat():
                assert adjusted["profit"] == pytest.approx(raw["profit"])  # traded prices alike
        # On the split day raw prices crash overnight, which the crossover trades on.
        split_day = SPLIT_DAY.isoformat()
        assert raw_days[split_day]["fills"] != split_days[split_day]["fills"]

    def test_the_bars_api_shows_a_days_prices_as_a_run_adjusted_them(
        self, admin_api: Any, split_symbol: None
    ):
        before = (SPLIT_DAY - (SPLIT_DAY - START) // 2).isoformat()  # a session before it
        url = f"/api/data/bars/XYZ?day={before}&resolution=1m&rth=1"
        raw = admin_api.get(url).json()
        adjusted = admin_api.get(f"{url}&adjustment=split&reference={DAY}").json()
        own_day = admin_api.get(f"{url}&adjustment=split").json()  # reference: the day itself

        assert adjusted["c"] == pytest.approx([c / 2 for c in raw["c"]], rel=1e-12)
        assert adjusted["v"] == pytest.approx([v * 2 for v in raw["v"]], rel=1e-12)
        assert adjusted["t"] == raw["t"] and own_day["c"] == raw["c"]
        bad = admin_api.get(f"{url}&adjustment=forward")
        assert bad.status_code == 400
        assert "must be one of raw, split, all, was 'forward'" in json.dumps(bad.json())
