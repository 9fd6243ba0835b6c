"""Simulations across a 2-for-1 split: raw prices show a false crash, split-adjusted ones do not.

XYZ is three synthetic minute sessions whose prices halve (and volumes double) from the third
on, with the split kept in the store, as a provider or an Adj Close import would keep it.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import ClassVar

import pytest

from tc2.data.adjustments import ActionKind, Adjustment, CorporateAction
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ConfigurationError, DataError
from tc2.simulation.simulator import (
    DayRequest,
    SimulationSettings,
    SpanRequest,
    StrategySimulator,
)
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.env import Bar

CALENDAR = MarketCalendar.xnys()
DAYS = (date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4))
SPLIT_DAY = DAYS[2]
QTY = 10


def split_in_two(bars: SymbolDay) -> SymbolDay:
    vw = None if bars.vw is None else bars.vw / 2
    return dataclasses.replace(
        bars,
        symbol="XYZ",
        o=bars.o / 2,
        h=bars.h / 2,
        l=bars.l / 2,
        c=bars.c / 2,
        v=bars.v * 2,
        vw=vw,
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(tmp_path_factory.mktemp("prices"), "simulation")
    market = SyntheticMarket(seed=11, calendar=CALENDAR)
    for day in DAYS:
        bars = market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
        prices.save_day(
            split_in_two(bars) if day >= SPLIT_DAY else dataclasses.replace(bars, symbol="XYZ")
        )
    prices.save_actions(
        "XYZ",
        [CorporateAction(symbol="XYZ", ex_date=SPLIT_DAY, kind=ActionKind.SPLIT, ratio=2.0)],
    )
    return prices


@pytest.fixture
def simulator(store: FilePriceStore) -> StrategySimulator:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    return StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)


class BuyAndHold(Strategy):
    """Buys QTY shares at once, holds them, and notes every session's first and last close."""

    kind = StrategyKind.SWING
    resolution: ClassVar[Resolution] = Resolution.MINUTE

    def on_start(self) -> None:
        self.closes: list[float] = []
        self.volumes: list[float] = []

    def buy_logic(self, symbol: str, bar: Bar) -> None:
        self.buy(symbol, QTY)
        self.mark_bought()

    def sell_logic(self, symbol: str, bar: Bar) -> None:
        self.closes.append(bar.c)
        self.volumes.append(bar.v)

    def make_execution_result(self) -> dict[str, object]:
        return {"closes": self.closes, "volumes": self.volumes}


def span(simulator: StrategySimulator, adjustment: Adjustment) -> tuple[float, dict[str, object]]:
    result = simulator.simulate_span(
        SpanRequest(
            strategy_class=BuyAndHold,
            symbols=("XYZ",),
            start=DAYS[0],
            end=DAYS[-1],
            warmup_days=0,
            settings=SimulationSettings(adjustment=adjustment),
        )
    )
    assert result.record.adjustment == adjustment.value
    assert result.record.to_dict()["adjustment"] == adjustment.value
    return result.record.profit, result.record.custom


def largest_step(closes: list[float]) -> float:
    return max(max(a / b, b / a) for a, b in pairwise(closes))


class SplitAcrossARunTests:
    def test_raw_prices_show_the_split_as_a_crash_and_lose_half_the_position(
        self, simulator: StrategySimulator
    ) -> None:
        profit, custom = span(simulator, Adjustment.RAW)

        closes = custom["closes"]
        assert isinstance(closes, list)
        assert largest_step(closes) > 1.9  # the split, seen as a price step
        position_value = QTY * closes[0]
        assert profit < -0.4 * position_value

    def test_split_adjusted_prices_are_continuous_and_the_run_keeps_its_value(
        self, simulator: StrategySimulator
    ) -> None:
        profit, custom = span(simulator, Adjustment.SPLIT)

        closes = custom["closes"]
        assert isinstance(closes, list)
        assert largest_step(closes) < 1.05  # a minute bar of a synthetic day, no jump
        position_value = QTY * closes[0]
        assert abs(profit) < 0.1 * position_value

    def test_adjusted_prices_end_at_the_traded_prices_and_volumes_scale_inversely(
        self, simulator: StrategySimulator
    ) -> None:
        _, raw = span(simulator, Adjustment.RAW)
        _, adjusted = span(simulator, Adjustment.SPLIT)

        raw_closes, adjusted_closes = raw["closes"], adjusted["closes"]
        raw_volumes, adjusted_volumes = raw["volumes"], adjusted["volumes"]
        assert isinstance(raw_closes, list) and isinstance(adjusted_closes, list)
        assert isinstance(raw_volumes, list) and isinstance(adjusted_volumes, list)
        assert adjusted_closes[-1] == raw_closes[-1]  # the last session is as traded
        assert adjusted_closes[0] == pytest.approx(raw_closes[0] / 2, rel=1e-12)
        assert adjusted_volumes[0] == pytest.approx(raw_volumes[0] * 2, rel=1e-12)

    def test_a_day_after_the_split_sees_its_warm_up_day_adjusted(
        self, simulator: StrategySimulator
    ) -> None:
        class Watcher(BuyAndHold):
            kind = StrategyKind.DAY

            def buy_logic(self, symbol: str, bar: Bar) -> None:
                history = self.env.bars(symbol)
                self.closes.extend(float(c) for c in history.c)
                self.stop_running("seen")

        for adjustment, expected in ((Adjustment.RAW, 1.9), (Adjustment.SPLIT, None)):
            record = simulator.simulate_day(
                DayRequest(
                    strategy_class=Watcher,
                    symbols=("XYZ",),
                    day=SPLIT_DAY,
                    settings=SimulationSettings(adjustment=adjustment),
                )
            )
            closes = record.custom["closes"]
            assert isinstance(closes, list) and len(closes) > 390  # the warm-up day and more
            if expected is None:
                assert largest_step(closes) < 1.05
            else:
                assert largest_step(closes) > expected

    def test_the_split_before_a_run_does_not_touch_a_run_that_ends_before_it(
        self, simulator: StrategySimulator
    ) -> None:
        result = simulator.simulate_span(
            SpanRequest(
                strategy_class=BuyAndHold,
                symbols=("XYZ",),
                start=DAYS[0],
                end=DAYS[1],
                warmup_days=0,
                settings=SimulationSettings(adjustment=Adjustment.SPLIT),
            )
        )
        raw = simulator.simulate_span(
            SpanRequest(
                strategy_class=BuyAndHold,
                symbols=("XYZ",),
                start=DAYS[0],
                end=DAYS[1],
                warmup_days=0,
                settings=SimulationSettings(adjustment=Adjustment.RAW),
            )
        )
        assert result.record.fingerprint == raw.record.fingerprint


class AdjustmentSettingTests:
    def test_an_unknown_adjustment_is_refused_with_the_choices(self) -> None:
        with pytest.raises(ConfigurationError, match="adjustment must be one of raw, split, all"):
            SimulationSettings(adjustment="forward")  # type: ignore[arg-type]

    def test_the_default_is_split(self) -> None:
        assert SimulationSettings().adjustment is Adjustment.SPLIT

    def test_all_applies_a_dividend_on_the_close_before_it(
        self, tmp_path: Path, store: FilePriceStore
    ) -> None:
        own = FilePriceStore(tmp_path, "simulation")
        own.save_days(store.load_day("XYZ", day, Resolution.MINUTE) for day in DAYS)
        own.save_actions("XYZ", store.load_actions("XYZ"))
        own.save_actions(
            "XYZ",
            [CorporateAction(symbol="XYZ", ex_date=DAYS[1], kind=ActionKind.DIVIDEND, cash=0.5)],
        )
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        simulator = StrategySimulator(store=own, calendar=CALENDAR, exec_env=env)

        _, split = span(simulator, Adjustment.SPLIT)
        _, everything = span(simulator, Adjustment.ALL)

        previous_close = float(own.load_day("XYZ", DAYS[0], Resolution.MINUTE).c[-1])
        split_closes, all_closes = split["closes"], everything["closes"]
        assert isinstance(split_closes, list) and isinstance(all_closes, list)
        assert all_closes[0] == pytest.approx(
            split_closes[0] * (1 - 0.5 / previous_close), rel=1e-12
        )
        assert all_closes[-1] == split_closes[-1]

    def test_all_with_a_dividend_and_no_close_before_it_fails_clearly(self, tmp_path: Path) -> None:
        # Bars of 03-02 and of 04-01, 22 sessions later: no close in the 10 before 04-01.
        later = date(2026, 4, 1)
        market = SyntheticMarket(seed=11, calendar=CALENDAR)
        own = FilePriceStore(tmp_path, "simulation")
        own.save_days(
            dataclasses.replace(
                market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE), symbol="XYZ"
            )
            for day in (DAYS[0], later)
        )
        own.save_actions(
            "XYZ",
            [CorporateAction(symbol="XYZ", ex_date=later, kind=ActionKind.DIVIDEND, cash=0.5)],
        )
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        simulator = StrategySimulator(store=own, calendar=CALENDAR, exec_env=env)
        request = SpanRequest(
            strategy_class=BuyAndHold,
            symbols=("XYZ",),
            start=DAYS[0],
            end=later,
            warmup_days=0,
            settings=SimulationSettings(adjustment=Adjustment.ALL),
        )

        with pytest.raises(DataError, match="no close before 2026-04-01 is on file"):
            simulator.simulate_span(request)
        # split ignores dividends, so the same request runs
        split = dataclasses.replace(request, settings=SimulationSettings())
        assert simulator.simulate_span(split).record.adjustment == "split"
