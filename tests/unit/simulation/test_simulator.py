"""StrategySimulator on synthetic 1-second sessions: the day's flow, determinism, look-ahead."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import ClassVar

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import DataError, LookAheadError, StrategyError, ValidationFailed
from tc2.execution.orders import Order
from tc2.simulation.simulator import (
    DayRequest,
    SimulationSettings,
    SpanRequest,
    StrategySimulator,
)
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar
from tc2.strategy.parameters import Parameter

DAY = date(2026, 3, 4)  # a Wednesday
WARMUP_DAY = date(2026, 3, 3)
CALENDAR = MarketCalendar.xnys()


def _epoch(wall: time, day: date = DAY) -> int:
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> FilePriceStore:
    prices = FilePriceStore(tmp_path_factory.mktemp("prices"), "simulation")
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    for day in (WARMUP_DAY, DAY):
        prices.save_day(market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND))
    return prices


@dataclass(frozen=True)
class ProbeModel:
    name: str
    symbol: str
    trained_through: date | None


def _simulator(store: FilePriceStore, **models: date) -> StrategySimulator:
    """A simulator on ``store``; ``models`` maps model names to the day SPY's was trained to."""
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    trained = {(name, "SPY"): ProbeModel(name, "SPY", day) for name, day in models.items()}
    return StrategySimulator(store=store, calendar=CALENDAR, exec_env=env, models=trained)


@pytest.fixture
def simulator(store: FilePriceStore) -> StrategySimulator:
    return _simulator(store)


class DipBuyer(Strategy):
    """Buys a dip below the first price after 10:00, sells a small gain, or holds to the close."""

    active_windows = (ActiveWindow(time(10), time(11)),)
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(name="dip", type=float, default=0.001, low=0.0, high=0.05),
        Parameter(name="gain", type=float, default=0.002, low=0.0, high=0.05),
        Parameter(name="qty", type=int, default=20, low=1, high=1000),
    )

    entry_price = 0.0

    def buy_logic(self, symbol: str, bar: Bar) -> None:
        if not self.env.account.open_orders(symbol):
            self.buy(symbol, int(self.p.qty), limit=round(bar.c * (1 - self.p.dip), 2))
            self.env.note("bid", symbol=symbol, price=bar.c)
        self.env.sleep()  # only the fill matters now

    def sell_logic(self, symbol: str, bar: Bar) -> None:
        if not self.env.account.open_orders(symbol):
            self.sell(symbol, int(self.p.qty), limit=round(self.entry_price * (1 + self.p.gain), 2))
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        if order.side.value == "buy" and order.status.value == "filled":
            self.entry_price = order.fills[-1].price
            self.mark_bought()
        elif order.side.value == "sell" and order.status.value == "filled":
            self.stop_running("sold at the target")

    def make_execution_result(self) -> dict[str, object]:
        return {"entry_price": self.entry_price}


class DayFlowTests:
    def test_a_day_runs_from_the_window_to_a_flat_close(self, simulator: StrategySimulator) -> None:
        record = simulator.simulate_day(
            DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY)
        )

        assert record.viable and record.became_viable_t == _epoch(time(10))
        assert record.started_t == _epoch(time(10))
        assert record.fills, "the synthetic day dips 0.1 % at some point"
        assert record.positions[0]["qty"] == 0  # flat at the end, sold or flattened
        close = _epoch(time(16))
        for fill in record.fills:
            assert _epoch(time(10)) <= fill["t"] < close
        assert record.ending_equity == pytest.approx(record.starting_cash + record.profit)
        assert record.custom["entry_price"] == record.fills[0]["price"]
        assert json.loads(json.dumps(record.to_dict()))["fingerprint"] == record.fingerprint

    def test_every_fill_lies_inside_its_bar(
        self, simulator: StrategySimulator, store: FilePriceStore
    ) -> None:
        record = simulator.simulate_day(
            DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY, params={"gain": 0.0005})
        )
        day = store.load_day("SPY", DAY, Resolution.SECOND)
        by_t = {int(t): i for i, t in enumerate(day.t)}

        assert len(record.fills) >= 2
        for fill in record.fills:
            i = by_t[fill["t"]]
            assert day.l[i] <= fill["price"] <= day.h[i]

    def test_same_inputs_give_the_same_record_and_fingerprint(
        self, simulator: StrategySimulator
    ) -> None:
        request = DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY)

        first = simulator.simulate_day(request)
        second = simulator.simulate_day(request)

        assert first.to_dict() == second.to_dict()
        assert len(first.fingerprint) == 64

    def test_another_fill_model_changes_the_fingerprint(self, simulator: StrategySimulator) -> None:
        realistic = simulator.simulate_day(
            DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY)
        )
        tc2 = simulator.simulate_day(
            DayRequest(
                strategy_class=DipBuyer,
                symbols=("SPY",),
                day=DAY,
                settings=SimulationSettings(fill_model="tc2"),
            )
        )

        assert tc2.fill_model == "tc2" and realistic.fill_model == "realistic"
        assert tc2.fingerprint != realistic.fingerprint

    def test_a_strategy_never_viable_trades_nothing(self, simulator: StrategySimulator) -> None:
        class NeverViable(DipBuyer):
            def is_viable(self, symbol: str) -> bool:
                return False

        record = simulator.simulate_day(
            DayRequest(strategy_class=NeverViable, symbols=("SPY",), day=DAY)
        )

        assert not record.viable and record.orders == [] and record.profit == 0.0
        assert "never became viable" in record.stop_reason

    def test_viability_is_checked_every_30_seconds(self, simulator: StrategySimulator) -> None:
        ready_at = _epoch(time(10)) + 95

        class LateViable(DipBuyer):
            def is_viable(self, symbol: str) -> float:
                return 0.7 if self.env.now_t >= ready_at else 0.0

        record = simulator.simulate_day(
            DayRequest(strategy_class=LateViable, symbols=("SPY",), day=DAY)
        )

        assert record.became_viable_t == _epoch(time(10)) + 120
        assert record.timeline[0]["data"] == {"scores": {"SPY": 0.7}}

    def test_start_time_fast_forwards_into_the_window(self, simulator: StrategySimulator) -> None:
        record = simulator.simulate_day(
            DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY, start_time=time(10, 30))
        )

        assert record.started_t == _epoch(time(10, 30))

    def test_a_position_held_15_minutes_before_the_close_is_flattened(
        self, simulator: StrategySimulator
    ) -> None:
        class Holder(DipBuyer):
            def buy_logic(self, symbol: str, bar: Bar) -> None:
                self.buy(symbol, 10)
                self.mark_bought()

            def sell_logic(self, symbol: str, bar: Bar) -> None:
                self.env.sleep()

        record = simulator.simulate_day(
            DayRequest(strategy_class=Holder, symbols=("SPY",), day=DAY)
        )

        sides = [fill["side"] for fill in record.fills]
        assert sides == ["buy", "sell"]
        assert record.positions[0]["qty"] == 0
        # Liquidated at 15:45 (LIQUIDATE_BEFORE_CLOSE_S): a market sell fills on the next bars,
        # before the close, so nothing is left to close at the last close.
        stop_t = _epoch(time(15, 45))
        assert stop_t <= record.fills[-1]["t"] < _epoch(time(16))
        assert record.orders[-1]["type"] == "market" and record.orders[-1]["submitted_t"] == stop_t
        assert any(d["message"] == "flatten at the end of the run" for d in record.timeline)
        assert "15 minutes before the close" in record.stop_reason


class BadRequestTests:
    def test_out_of_bounds_parameter(self, simulator: StrategySimulator) -> None:
        with pytest.raises(ValidationFailed) as raised:
            simulator.simulate_day(
                DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY, params={"dip": 2})
            )
        assert raised.value.field_errors == {"params.dip": ["dip must be <= 0.05, was 2"]}

    def test_unknown_parameter(self, simulator: StrategySimulator) -> None:
        with pytest.raises(ValidationFailed, match="invalid") as raised:
            simulator.simulate_day(
                DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=DAY, params={"x": 1})
            )
        assert "params.x" in raised.value.field_errors

    def test_day_not_on_file(self, simulator: StrategySimulator) -> None:
        with pytest.raises(DataError, match="no 1s bars of SPY on file for 2026-03-05"):
            simulator.simulate_day(
                DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=date(2026, 3, 5))
            )

    def test_not_a_session(self, simulator: StrategySimulator) -> None:
        with pytest.raises(ValidationFailed, match="2026-03-07 is not a trading session"):
            simulator.simulate_day(
                DayRequest(strategy_class=DipBuyer, symbols=("SPY",), day=date(2026, 3, 7))
            )

    def test_a_crashing_strategy_is_reported_with_its_hook(
        self, simulator: StrategySimulator
    ) -> None:
        class Crashing(DipBuyer):
            def buy_logic(self, symbol: str, bar: Bar) -> None:
                raise ZeroDivisionError("division by zero")

        with pytest.raises(StrategyError, match="Crashing failed in on_bar: ZeroDivisionError"):
            simulator.simulate_day(DayRequest(strategy_class=Crashing, symbols=("SPY",), day=DAY))


class LookAheadProbeTests:
    def test_reading_a_future_bar_fails(self, simulator: StrategySimulator) -> None:
        class FutureReader(DipBuyer):
            def buy_logic(self, symbol: str, bar: Bar) -> None:
                self.env.bars_between(symbol, bar.t, self.env.now_t + 60)

        with pytest.raises(LookAheadError, match="look-ahead: asked for bars of SPY up to"):
            simulator.simulate_day(
                DayRequest(strategy_class=FutureReader, symbols=("SPY",), day=DAY)
            )

    def test_peeking_at_the_current_bars_close_fails(self, simulator: StrategySimulator) -> None:
        class ClosePeeker(DipBuyer):
            def buy_logic(self, symbol: str, bar: Bar) -> None:
                forming = self.env.now_t  # the bar that starts now has not ended
                self.env.bar_at(symbol, forming)

        with pytest.raises(LookAheadError, match="look-ahead: the bar of SPY starting at"):
            simulator.simulate_day(
                DayRequest(strategy_class=ClosePeeker, symbols=("SPY",), day=DAY)
            )

    def test_ended_bars_are_visible(self, simulator: StrategySimulator) -> None:
        seen: list[int] = []

        class HonestReader(DipBuyer):
            def buy_logic(self, symbol: str, bar: Bar) -> None:
                assert self.env.bar_at(symbol, bar.t) == bar
                history = self.env.bars(symbol)
                assert int(history.t[-1]) == bar.t
                seen.append(len(history))
                self.stop_running("read enough")

        simulator.simulate_day(DayRequest(strategy_class=HonestReader, symbols=("SPY",), day=DAY))

        assert seen and seen[0] > 23_000 / 2  # the warm-up day's bars are history too

    def test_a_model_trained_on_the_simulated_day_fails(self, store: FilePriceStore) -> None:
        class NeedsModel(DipBuyer):
            required_models = ("PROBE",)

        leaky = _simulator(store, PROBE=DAY)
        honest = _simulator(store, PROBE=WARMUP_DAY)
        request = DayRequest(strategy_class=NeedsModel, symbols=("SPY",), day=DAY)

        with pytest.raises(LookAheadError, match="look-ahead: model PROBE of SPY was trained"):
            leaky.simulate_day(request)
        assert honest.simulate_day(request).viable


class OvernightHolder(Strategy):
    """Buys 10 shares at once and holds them; bids a day order far below that never fills."""

    kind = StrategyKind.SWING

    def on_start(self) -> None:
        self.heard: list[str] = []

    def buy_logic(self, symbol: str, bar: Bar) -> None:
        self.buy(symbol, 10)
        self.buy(symbol, 1, limit=round(bar.c / 2, 2))  # a day order: expires at the close
        self.mark_bought()
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        self.heard.append(order.status.value)

    def make_execution_result(self) -> dict[str, object]:
        return {"heard": self.heard}


class SpanTests:
    def test_positions_carry_over_the_night_and_day_orders_expire(
        self, simulator: StrategySimulator
    ) -> None:
        span = simulator.simulate_span(
            SpanRequest(
                strategy_class=OvernightHolder,
                symbols=("SPY",),
                start=WARMUP_DAY,
                end=DAY,
                warmup_days=0,
            )
        )

        record = span.record
        assert (record.day, record.end_day) == (WARMUP_DAY, DAY)
        assert record.positions[0]["qty"] == 10  # a swing run is not flattened
        expired = [order for order in record.orders if order["status"] == "expired"]
        assert len(expired) == 1 and expired[0]["reason"] == "the session closed"
        assert record.custom["heard"] == ["filled", "expired"]
        first, second = span.days
        assert (first.day, second.day) == (WARMUP_DAY, DAY)
        assert first.entered and not second.entered
        assert first.profit + second.profit == pytest.approx(record.profit)
        assert second.exposure_seconds == second.session_seconds == 23_400

    def test_a_range_without_a_session_is_refused(self, simulator: StrategySimulator) -> None:
        saturday = date(2026, 3, 7)
        with pytest.raises(ValidationFailed, match="no trading session from 2026-03-07"):
            simulator.simulate_span(
                SpanRequest(
                    strategy_class=OvernightHolder,
                    symbols=("SPY",),
                    start=saturday,
                    end=saturday,
                )
            )

    def test_a_symbol_with_no_bars_in_the_range_is_refused(
        self, simulator: StrategySimulator
    ) -> None:
        with pytest.raises(DataError, match="no 1s bars of QQQ on file from 2026-03-03"):
            simulator.simulate_span(
                SpanRequest(
                    strategy_class=OvernightHolder, symbols=("QQQ",), start=WARMUP_DAY, end=DAY
                )
            )
