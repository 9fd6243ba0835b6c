"""Daily bars: one bar per session, stamped at the open, ending at the close; swing strategies
run on them through ``simulate_span`` and the evaluator, day strategies are refused, and a run
whose strategy would receive no bar fails saying why."""

from __future__ import annotations

import math
from datetime import date, datetime, time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.file_store import FilePriceStore
from tc2.data.resample import regular_hours
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.market_calendar import NEW_YORK, new_york_epoch
from tc2.errors import DataError, LookAheadError, ValidationFailed
from tc2.execution.orders import OrderStatus, TimeInForce
from tc2.simulation.evaluator import EvaluationRequest, StoreLocation, StrategyEvaluator
from tc2.simulation.simulator import (
    NO_BAR_MESSAGE,
    DayRequest,
    SimulationSettings,
    SpanRequest,
    StrategySimulator,
)
from tc2.strategy.base import Strategy, StrategyKind, run_resolution
from tc2.strategy.builtin.cycle import CycleStrategy
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tc2.strategy.builtin.swing import SwingStrategy
from tc2.strategy.env import Bar

CALENDAR = MarketCalendar.xnys()
START, END = date(2025, 1, 2), date(2025, 6, 30)
DAILY = SimulationSettings(
    resolution=Resolution.DAY, model_filters=False, fill_model="backtrader", starting_cash=100_000
)


def _daily_bars(symbol: str, days: list[date]) -> list[SymbolDay]:
    """A slow sine around 100 with a drift: enough crosses and pullbacks to trade on."""
    bars = []
    for i, day in enumerate(days):
        close = 100 + 8 * math.sin(i / 6) + i * 0.05
        open_ = close - 0.4 * math.cos(i / 3)
        high, low = max(open_, close) + 2.0, min(open_, close) - 2.0
        bars.append(
            SymbolDay(
                symbol=symbol,
                day=day,
                resolution=Resolution.DAY,
                t=[int(CALENDAR.session_open(day).timestamp())],
                o=[open_],
                h=[high],
                l=[low],
                c=[close],
                v=[1_000_000 + 50_000 * (i % 7)],
            )
        )
    return bars


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("daily")
    store = FilePriceStore(path / "prices", EnvType.LIVE.value)
    store.save_days(_daily_bars("XYZ", CALENDAR.sessions_in_range(START, END)))
    # Minute bars of one session that all lie before the open: nothing in regular hours.
    early = date(2025, 3, 3)
    open_t = int(CALENDAR.session_open(early).timestamp())
    t = np.arange(open_t - 3600, open_t, 60)
    price = np.full(len(t), 50.0)
    store.save_day(
        SymbolDay(
            symbol="PRE",
            day=early,
            resolution=Resolution.MINUTE,
            t=t,
            o=price,
            h=price,
            l=price,
            c=price,
            v=np.full(len(t), 100.0),
        )
    )
    return path


@pytest.fixture
def simulator(root: Path) -> StrategySimulator:
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    store = FilePriceStore(root / "prices", EnvType.LIVE.value)
    return StrategySimulator(store=store, calendar=CALENDAR, exec_env=env)


def _span(strategy: type[Strategy], params: dict[str, object] | None = None) -> SpanRequest:
    return SpanRequest(
        strategy_class=strategy,
        symbols=("XYZ",),
        start=START,
        end=END,
        params=params,
        settings=DAILY,
        warmup_days=0,
    )


def _next_open(simulator: StrategySimulator, t: int) -> float:
    """The open of the bar after the one ending at ``t``'s session close."""
    day = datetime.fromtimestamp(t, NEW_YORK).date()
    bars = simulator.sessions.session("XYZ", CALENDAR.next_session(day), Resolution.DAY)
    assert bars is not None
    return float(bars.o[0])


class SessionBarTests:
    def test_a_daily_bar_is_kept_whole_and_stamped_at_the_session_open(self) -> None:
        day = date(2025, 11, 28)  # the day after Thanksgiving: an early close
        midnight = int(datetime.combine(day, time(0), NEW_YORK).timestamp())
        bars = SymbolDay(
            symbol="XYZ",
            day=day,
            resolution=Resolution.DAY,
            t=[midnight],
            o=[10.0],
            h=[11.0],
            l=[9.0],
            c=[10.5],
            v=[5.0],
        )

        kept = regular_hours(bars, CALENDAR)

        assert len(kept) == 1
        assert int(kept.t[0]) == new_york_epoch(day, time(9, 30))
        assert float(kept.c[0]) == 10.5

    def test_two_daily_bars_for_one_session_are_refused(self) -> None:
        day = date(2025, 3, 3)
        open_t = int(CALENDAR.session_open(day).timestamp())
        bars = SymbolDay(
            symbol="XYZ",
            day=day,
            resolution=Resolution.DAY,
            t=[open_t, open_t + 60],
            o=[10.0, 10.0],
            h=[11.0, 11.0],
            l=[9.0, 9.0],
            c=[10.5, 10.5],
            v=[5.0, 5.0],
        )

        with pytest.raises(DataError, match="2 daily bars for one session"):
            regular_hours(bars, CALENDAR)


class DailySpanTests:
    def test_sma_cross_trades_on_daily_bars_and_market_stops_fill_at_the_next_open(
        self, simulator: StrategySimulator
    ) -> None:
        span = simulator.simulate_span(
            _span(SmaCrossStrategy, {"fast": 5, "slow": 20, "qty": 100, "stop_loss": 0.2})
        )

        record = span.record
        assert record.resolution == "1d"
        assert len(record.fill_log) >= 4
        # Every fill is at a session's open (a bar's start) or inside that session's range.
        for fill in record.fill_log:
            day = datetime.fromtimestamp(fill.t, NEW_YORK).date()
            assert fill.t == int(CALENDAR.session_open(day).timestamp())
        assert len(span.days) == len(CALENDAR.sessions_in_range(START, END))

    def test_swing_strategy_runs_on_daily_bars(self, simulator: StrategySimulator) -> None:
        span = simulator.simulate_span(_span(SwingStrategy, {"volume_ratio": 0.0}))

        record = span.record
        assert record.resolution == "1d"
        buys = [fill for fill in record.fill_log if fill.side.value == "buy"]
        assert buys, record.timeline[:10]
        assert record.custom["trades"], "a daily swing round trip was closed"

    def test_a_day_order_placed_at_the_close_works_through_the_next_session(
        self, simulator: StrategySimulator
    ) -> None:
        span = simulator.simulate_span(_span(_BuyAtFirstClose))

        fills = span.record.fill_log
        assert len(fills) == 1
        first_close_t = int(
            CALENDAR.session_close(CALENDAR.sessions_in_range(START, END)[0]).timestamp()
        )
        assert fills[0].price == _next_open(simulator, first_close_t)

    def test_todays_bar_is_hidden_until_the_close(self, simulator: StrategySimulator) -> None:
        span = simulator.simulate_span(_span(_PeeksAtTodaysBar))

        assert span.record.custom == {"refused_before_close": True, "seen_at_close": True}


class DailyDayTests:
    def test_a_swing_strategy_simulates_one_day_on_its_daily_bar(
        self, simulator: StrategySimulator
    ) -> None:
        day = date(2025, 3, 3)
        record = simulator.simulate_day(
            DayRequest(
                strategy_class=_PeeksAtTodaysBar,
                symbols=("XYZ",),
                day=day,
                settings=DAILY,
                warmup_days=3,
            )
        )

        assert record.resolution == "1d"
        assert record.stop_reason == "seen"  # on_bar ran on the day's bar, at its close
        assert record.custom == {"refused_before_close": True, "seen_at_close": True}


class KeptDayTests:
    def test_a_kept_holiday_bar_is_a_session_of_a_daily_span_for_its_symbol(
        self, tmp_path: Path
    ) -> None:
        holiday = date(2025, 7, 4)
        store = FilePriceStore(tmp_path, EnvType.LIVE.value)
        sessions = CALENDAR.sessions_in_range(date(2025, 6, 2), date(2025, 7, 31))
        bars = _daily_bars("XYZ", sessions)
        kept = bars[0].columns() | {"t": [new_york_epoch(holiday, time(9, 30))]}
        store.save_days(
            [
                *bars,
                SymbolDay.from_columns(
                    symbol="XYZ", day=holiday, resolution=Resolution.DAY, columns=kept
                ),
            ]
        )
        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        span = StrategySimulator(store=store, calendar=CALENDAR, exec_env=env).simulate_span(
            SpanRequest(
                strategy_class=_BuyAtFirstClose,
                symbols=("XYZ",),
                start=date(2025, 7, 3),
                end=date(2025, 7, 7),
                settings=DAILY,
                warmup_days=0,
            )
        )

        assert [day.day for day in span.days] == [date(2025, 7, 3), holiday, date(2025, 7, 7)]
        (fill,) = span.record.fill_log
        assert fill.t == new_york_epoch(holiday, time(9, 30))  # the order of 07-03 fills on it


class ResolutionChoiceTests:
    def test_a_day_strategy_on_daily_bars_is_refused_naming_why(self) -> None:
        with pytest.raises(ValidationFailed) as raised:
            run_resolution(CycleStrategy, Resolution.DAY)

        message = raised.value.field_errors["resolution"][0]
        assert "CycleStrategy is a day strategy" in message
        assert "could never trade" in message

    def test_a_resolution_the_strategy_does_not_declare_is_refused(self) -> None:
        with pytest.raises(ValidationFailed) as raised:
            run_resolution(SmaCrossStrategy, Resolution.SECOND)

        assert raised.value.field_errors == {
            "resolution": ["SmaCrossStrategy runs on 1m, 1d, not 1s"]
        }

    def test_the_strategys_own_resolution_is_the_default(self) -> None:
        assert run_resolution(SmaCrossStrategy, None) is Resolution.MINUTE
        assert SwingStrategy.describe()["resolutions"] == ["1m", "1d"]

    def test_simulate_day_refuses_a_day_strategy_on_daily_bars(
        self, simulator: StrategySimulator
    ) -> None:
        request = DayRequest(
            strategy_class=CycleStrategy,
            symbols=("XYZ",),
            day=date(2025, 3, 3),
            settings=SimulationSettings(resolution=Resolution.DAY, model_filters=False),
        )

        with pytest.raises(ValidationFailed, match="day strategy"):
            simulator.simulate_day(request)


class NoBarTests:
    def test_a_day_whose_bars_all_lie_outside_the_session_fails_saying_why(
        self, simulator: StrategySimulator
    ) -> None:
        day_request = DayRequest(
            strategy_class=SmaCrossStrategy,
            symbols=("PRE",),
            day=date(2025, 3, 3),
            settings=SimulationSettings(model_filters=False),
            warmup_days=0,
        )
        with pytest.raises(DataError) as day_raised:
            simulator.simulate_day(day_request)
        assert str(day_raised.value) == NO_BAR_MESSAGE.format(
            resolution="1m", symbol="PRE", when="2025-03-03"
        )

        with pytest.raises(DataError) as raised:
            simulator.simulate_span(
                SpanRequest(
                    strategy_class=SmaCrossStrategy,
                    symbols=("PRE",),
                    start=date(2025, 3, 3),
                    end=date(2025, 3, 3),
                    settings=SimulationSettings(model_filters=False),
                    warmup_days=0,
                )
            )

        assert str(raised.value) == NO_BAR_MESSAGE.format(
            resolution="1m", symbol="PRE", when="2025-03-03 to 2025-03-03"
        )

    def test_an_evaluation_where_no_bar_reaches_the_strategy_fails(self, root: Path) -> None:
        evaluator = StrategyEvaluator(
            store=StoreLocation(data_dir=root), calendar=CALENDAR, processes=1
        )
        request = EvaluationRequest(
            strategy="SmaCrossStrategy",
            symbols=("PRE",),
            start=date(2025, 3, 3),
            end=date(2025, 3, 4),
            settings=SimulationSettings(model_filters=False),
            warmup_days=0,
        )

        with pytest.raises(DataError, match=r"received no bar.*regular session"):
            evaluator.evaluate(request)

    def test_a_daily_evaluation_reports_its_resolution(self, root: Path) -> None:
        evaluator = StrategyEvaluator(
            store=StoreLocation(data_dir=root), calendar=CALENDAR, processes=1
        )
        evaluation = evaluator.evaluate(
            EvaluationRequest(
                strategy="SmaCrossStrategy",
                symbols=("XYZ",),
                start=START,
                end=END,
                params={"fast": 5, "slow": 20, "qty": 100, "stop_loss": 0.2},
                settings=DAILY,
                warmup_days=0,
            )
        )

        assert evaluation.resolution == "1d"
        assert evaluation.to_dict()["resolution"] == "1d"
        assert not evaluation.skipped
        assert sum(row.fills for row in evaluation.days) >= 4


class _BuyAtFirstClose(Strategy):
    """Places one day market order at the first daily close."""

    kind = StrategyKind.SWING
    resolution = Resolution.DAY
    default_symbols = ("XYZ",)

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if not getattr(self, "_placed", False):
            self._placed = True
            self.buy(symbol, 10, time_in_force=TimeInForce.DAY)
        self.env.sleep()

    def on_order_update(self, order: object) -> None:
        assert getattr(order, "status", None) is not OrderStatus.EXPIRED
        self.env.sleep()


class _PeeksAtTodaysBar(Strategy):
    """Asks for the session's daily bar during the session (refused) and at its close."""

    kind = StrategyKind.SWING
    resolution = Resolution.DAY
    default_symbols = ("XYZ",)
    active_windows: ClassVar = Strategy.active_windows

    def on_start(self) -> None:
        day = self.env.trading_day
        self._open_t = int(self.env.exec_env.calendar.session_open(day).timestamp())
        try:
            self.env.bar_at("XYZ", self._open_t)
            self._refused = False
        except LookAheadError:
            self._refused = True

    def on_bar(self, symbol: str, bar: Bar) -> None:
        self._seen = self.env.bar_at(symbol, self._open_t) == bar
        self.stop_running("seen")

    def make_execution_result(self) -> dict[str, object]:
        return {"refused_before_close": self._refused, "seen_at_close": self._seen}
