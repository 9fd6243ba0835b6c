"""A strategy's analysis models gate its start in simulations, from sessions before the day only.

Hand-built minute sessions with known spreads: VOLATILITY passes at a 0.8 % average day spread.
"""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import ClassVar

import pytest

from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.env import EnvType, ExecEnv, MarketCalendar
from tc2.env.clock import EpochClock
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import ConfigurationError
from tc2.simulation.evaluator import EvaluationRequest, StoreLocation, StrategyEvaluator
from tc2.simulation.records import IS_VIABLE, NotViable, RunRecord
from tc2.simulation.simulator import (
    DayRequest,
    SimulationSettings,
    StrategySimulator,
)
from tc2.simulation.strategy_run import NEVER_VIABLE
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar
from tests.unit.analysis.test_daily_models import minute_day

CALENDAR = MarketCalendar.xnys()
HISTORY = CALENDAR.sessions_in_range(date(2024, 2, 1), date(2024, 3, 1))
DAY = date(2024, 3, 4)


class VolatileOnly(Strategy):
    """Buys 10 shares at its first bar, if VOLATILITY lets it start."""

    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(time(10), time(11)),)
    required_models: ClassVar[tuple[str, ...]] = ("VOLATILITY",)

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if not self.env.account.open_orders(symbol) and not self.position_qty(symbol):
            self.buy(symbol, 10)
        self.env.sleep()


def _store(tmp_path: Path, *, history_spread: float, day_spread: float) -> PriceStore:
    store = price_store_for(EnvType.SIMULATION, data_dir=tmp_path)
    store.save_days(minute_day(day, spread=history_spread) for day in HISTORY)
    store.save_day(minute_day(DAY, spread=day_spread))
    return store


class VolatileSwing(VolatileOnly):
    """VolatileOnly held overnight: evaluated as one continuous span."""

    kind = StrategyKind.SWING


class NeverWilling(VolatileOnly):
    """Its own check always says no."""

    required_models: ClassVar[tuple[str, ...]] = ()

    def is_viable(self, symbol: str) -> bool:
        return False


CALM_REASON = "average day spread 0.500% < 0.8%"


def _record(
    store: PriceStore, strategy: type[Strategy] = VolatileOnly, **settings: bool
) -> RunRecord:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    simulator = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)
    return simulator.simulate_day(
        DayRequest(
            strategy_class=strategy,
            symbols=("XYZ",),
            day=DAY,
            warmup_days=0,
            settings=SimulationSettings(**settings),
        )
    )


def _simulate(
    store: PriceStore, strategy: type[Strategy] = VolatileOnly, **settings: bool
) -> tuple[list[dict[str, object]], int]:
    record = _record(store, strategy, **settings)
    return list(record.timeline), len(record.fills)


def _evaluate_day(tmp_path: Path, strategy: type[Strategy]) -> dict[str, object]:
    evaluator = StrategyEvaluator(
        store=StoreLocation(data_dir=tmp_path, env_type=EnvType.SIMULATION),
        calendar=CALENDAR,
        processes=1,
    )
    reference = f"{Path(__file__)}:{strategy.__name__}"
    evaluation = evaluator.evaluate(
        EvaluationRequest(strategy=reference, symbols=("XYZ",), start=DAY, end=DAY, warmup_days=0)
    )
    (row,) = evaluation.to_dict()["days"]
    return dict(row)


class ModelFilterTests:
    def test_a_volatile_history_lets_the_strategy_start(self, tmp_path: Path) -> None:
        timeline, fills = _simulate(_store(tmp_path, history_spread=1.0, day_spread=0.0))

        assert fills == 2  # the buy, and the flattening sale at the close
        assert not [entry for entry in timeline if entry["message"] == "models fail"]

    def test_a_calm_history_keeps_it_out_and_says_why(self, tmp_path: Path) -> None:
        # The simulated day itself is wild: the models must not learn from it.
        timeline, fills = _simulate(_store(tmp_path, history_spread=0.5, day_spread=5.0))

        assert fills == 0
        (failure,) = [entry for entry in timeline if entry["message"] == "models fail"]
        assert failure["symbol"] == "XYZ"
        assert failure["data"] == {"failures": ["VOLATILITY: average day spread 0.500% < 0.8%"]}

    def test_a_failure_fixed_for_the_day_ends_the_viability_checks_at_once(
        self, tmp_path: Path
    ) -> None:
        timeline, _ = _simulate(_store(tmp_path, history_spread=0.5, day_spread=5.0))

        # VOLATILITY is graded from the sessions before the day: the 10:00 check's failure
        # stands all day, so no further 30-second check is made.
        (never,) = [entry for entry in timeline if entry["message"] == NEVER_VIABLE]
        assert never["t"] == new_york_epoch(DAY, time(10))

    def test_no_history_at_all_fails_with_the_reason(self, tmp_path: Path) -> None:
        store = price_store_for(EnvType.SIMULATION, data_dir=tmp_path)
        store.save_day(minute_day(DAY, spread=5.0))

        timeline, fills = _simulate(store)

        assert fills == 0
        failures = [e["data"] for e in timeline if e["message"] == "models fail"]
        assert failures == [{"failures": ["VOLATILITY: not trained yet for XYZ"]}]

    def test_filters_off_runs_the_mechanics_alone(self, tmp_path: Path) -> None:
        store = _store(tmp_path, history_spread=0.5, day_spread=0.0)

        _, fills = _simulate(store, model_filters=False)

        assert fills == 2

    def test_an_unknown_model_is_a_configuration_error(self, tmp_path: Path) -> None:
        class Unknown(VolatileOnly):
            required_models: ClassVar[tuple[str, ...]] = ("NO_SUCH_MODEL",)

        with pytest.raises(ConfigurationError, match="NO_SUCH_MODEL"):
            _simulate(_store(tmp_path, history_spread=1.0, day_spread=0.0), Unknown)


class NotViableReasonTests:
    """A day that did not trade because of a model names the model and its reason everywhere."""

    def test_the_run_record_names_the_failing_model_and_its_reason(self, tmp_path: Path) -> None:
        record = _record(_store(tmp_path, history_spread=0.5, day_spread=5.0))

        assert record.not_viable == (NotViable("XYZ", "VOLATILITY", CALM_REASON),)
        assert record.stop_reason == f"{NEVER_VIABLE}: XYZ VOLATILITY: {CALM_REASON}"
        assert record.to_dict()["not_viable"] == [
            {"symbol": "XYZ", "model": "VOLATILITY", "reason": CALM_REASON}
        ]

    def test_a_run_that_started_has_no_reasons(self, tmp_path: Path) -> None:
        record = _record(_store(tmp_path, history_spread=1.0, day_spread=0.0))

        assert record.viable and record.not_viable == ()

    def test_the_strategys_own_check_is_named_when_it_says_no(self, tmp_path: Path) -> None:
        record = _record(_store(tmp_path, history_spread=1.0, day_spread=0.0), NeverWilling)

        assert record.not_viable == (NotViable("XYZ", IS_VIABLE, "NeverWilling said no"),)

    @pytest.mark.parametrize("strategy", [VolatileOnly, VolatileSwing])
    def test_the_evaluation_row_of_the_day_names_them(
        self, tmp_path: Path, strategy: type[Strategy]
    ) -> None:
        _store(tmp_path, history_spread=0.5, day_spread=5.0)

        row = _evaluate_day(tmp_path, strategy)

        assert row["viable"] is False and row["fills"] == 0
        assert row["not_viable"] == [
            {"symbol": "XYZ", "model": "VOLATILITY", "reason": CALM_REASON}
        ]

    def test_a_viable_evaluation_row_has_none(self, tmp_path: Path) -> None:
        _store(tmp_path, history_spread=1.0, day_spread=0.0)

        row = _evaluate_day(tmp_path, VolatileSwing)

        assert row["viable"] is True and row["not_viable"] == []
