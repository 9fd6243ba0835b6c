"""What a run does with what it still holds at its end (``close_at_end``), and broker-style
orders (notional, close-and-reverse) through whole simulations on synthetic sessions."""

from __future__ import annotations

from datetime import date

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.orders import OrderRejected
from tc2.simulation.run_settings import CLOSED_AT_END, EndOfRun
from tc2.simulation.simulator import (
    DayRequest,
    SimulationSettings,
    SpanRequest,
    StrategySimulator,
)
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.env import Bar
from tests.unit.simulation.test_simulator import DipBuyer, OvernightHolder

FIRST, LAST = date(2026, 3, 3), date(2026, 3, 4)
CALENDAR = MarketCalendar.xnys()


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> StrategySimulator:
    prices = FilePriceStore(tmp_path_factory.mktemp("prices"), "simulation")
    market = SyntheticMarket(seed=7, calendar=CALENDAR)
    for day in (FIRST, LAST):
        prices.save_day(market.day_bars(symbol="SPY", day=day, resolution=Resolution.SECOND))
    env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
    return StrategySimulator(store=prices, calendar=CALENDAR, exec_env=env)


def _span(simulator: StrategySimulator, strategy: type[Strategy], **settings: object) -> object:
    return simulator.simulate_span(
        SpanRequest(
            strategy_class=strategy,
            symbols=("SPY",),
            start=FIRST,
            end=LAST,
            warmup_days=0,
            settings=SimulationSettings(**settings),  # type: ignore[arg-type]
        )
    )


class CloseAtEndTests:
    def test_by_default_a_swing_run_ends_holding_and_marked_to_market(
        self, simulator: StrategySimulator
    ) -> None:
        span = _span(simulator, OvernightHolder)

        record = span.record  # type: ignore[attr-defined]
        assert record.end_of_run == EndOfRun.MARKED == "marked_to_market"
        assert record.positions[0]["qty"] == 10
        assert record.trade_pnls == ()  # nothing closed: no round trip to count

    def test_close_at_end_sells_at_the_last_close_paying_fees_in_the_last_session(
        self, simulator: StrategySimulator
    ) -> None:
        marked = _span(simulator, OvernightHolder).record  # type: ignore[attr-defined]

        span = _span(simulator, OvernightHolder, close_at_end=True)

        record = span.record  # type: ignore[attr-defined]
        sale = record.fill_log[-1]
        last_close = (
            marked.positions[0]["unrealized_pnl"] / 10 + marked.positions[0]["average_price"]
        )
        assert record.end_of_run == "closed_at_last_close"
        assert record.positions[0]["qty"] == 0
        assert (sale.side.value, sale.qty) == ("sell", 10)
        assert sale.price == pytest.approx(last_close)
        assert sale.fee > 0  # the realistic model's regulatory fees on the sale
        assert record.profit == pytest.approx(marked.profit - sale.fee)
        assert record.order_log[-1].reason == CLOSED_AT_END
        # The last session's outcome has the exit: its round trip and its fee.
        first, last = span.days  # type: ignore[attr-defined]
        assert last.round_trips == 1 and len(record.trade_pnls) == 1
        assert first.profit + last.profit == pytest.approx(record.profit)

    @pytest.mark.parametrize("close_at_end", [False, True])
    def test_a_day_strategy_is_flattened_at_the_close_either_way(
        self, simulator: StrategySimulator, close_at_end: bool
    ) -> None:
        record = simulator.simulate_day(
            DayRequest(
                strategy_class=DipBuyer,
                symbols=("SPY",),
                day=LAST,
                warmup_days=0,
                settings=SimulationSettings(close_at_end=close_at_end),
            )
        )

        assert record.end_of_run == "flattened_at_close"
        assert all(position["qty"] == 0 for position in record.positions)


class Reverser(Strategy):
    """Buys 20, then on a later bar sells 40: long 20 to short 20 in one order."""

    kind = StrategyKind.SWING

    def on_start(self) -> None:
        self.step = 0

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self.env.account.open_orders(symbol):
            return
        held = self.position_qty(symbol)
        if self.step == 0:
            self.buy(symbol, 20)
            self.step = 1
        elif self.step == 1 and held == 20:
            self.sell(symbol, 40)
            self.step = 2
        else:
            self.env.sleep()


class NotionalBuyer(Strategy):
    """Buys $2,500 worth once, then sells exactly what it got."""

    kind = StrategyKind.SWING

    def on_start(self) -> None:
        self.step = 0

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self.env.account.open_orders(symbol):
            return
        held = self.position_qty(symbol)
        if self.step == 0:
            self.buy(symbol, notional=2_500.0)
            self.step = 1
        elif self.step == 1 and held:
            self.sell(symbol, held)
            self.step = 2
        else:
            self.env.sleep()


class BrokerOrdersInARunTests:
    def test_close_and_reverse_in_one_order_when_shorting_is_allowed(
        self, simulator: StrategySimulator
    ) -> None:
        record = _span(simulator, Reverser, allow_short=True).record  # type: ignore[attr-defined]

        buy, reverse = record.fill_log[:2]
        assert record.allow_short is True
        assert (buy.qty, reverse.side.value, reverse.qty) == (20, "sell", 40)
        assert reverse.t - buy.t <= 2  # the bar after the buy's fill was seen
        assert record.positions[0]["qty"] == -20
        assert len(record.trade_pnls) == 1  # the long's round trip closed; the short is open

    def test_reversing_without_shorting_allowed_stops_the_run_with_the_rule(
        self, simulator: StrategySimulator
    ) -> None:
        with pytest.raises(OrderRejected) as caught:
            _span(simulator, Reverser)

        reason = caught.value.order.reason
        assert "insufficient shares to sell 40 SPY" in reason
        assert "holding 20, 0 already reserved by open sell orders" in reason
        assert "so 20 shares would be sold short; short selling is disabled" in reason

    def test_a_notional_buy_fills_fractional_shares_sized_at_the_fill_price(
        self, simulator: StrategySimulator
    ) -> None:
        record = _span(simulator, NotionalBuyer).record  # type: ignore[attr-defined]
        again = _span(simulator, NotionalBuyer).record  # type: ignore[attr-defined]

        bought, sold = record.fill_log
        assert bought.qty != int(bought.qty)  # a fraction of a share
        assert bought.qty * bought.price == pytest.approx(2_500.0, abs=bought.price * 1e-9)
        assert bought.qty * bought.price <= 2_500.0
        assert sold.qty == bought.qty
        assert record.positions[0]["qty"] == 0
        assert record.orders[0]["notional"] == 2_500.0
        assert record.fingerprint == again.fingerprint
