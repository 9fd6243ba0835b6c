"""A day run on the paper account: ``LiveRun`` over ``BrokerMarket(AlpacaBroker)`` against the
local fake Alpaca (the real alpaca-py), bars driven by the test at maximum speed.

The broker is built from the run's id (it exists only once ``LiveRun`` recorded the run), and
exactly one layer records each order and fill: the broker's hub (intent before the HTTP
request, fills under Alpaca's ``<order id>:<cum qty>``); the recording facade only names the
orders. So every order appears once at Alpaca and once in the records, every fill once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time

import pytest

from tc2.data.bars import Resolution
from tc2.data.providers.stream import StreamBar
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.execution.alpaca_broker import AlpacaBroker
from tc2.execution.market import BrokerMarket, MarketAccount
from tc2.execution.orders import Order, OrderStatus
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.execution.trading_schedule import LIQUIDATE_BEFORE_CLOSE_S
from tc2.program.trading.live_run import LiveRun, Phase
from tc2.simulation.simulator import SimulationSettings
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar
from tests.fakes.fake_alpaca import FakeAlpaca, fake_alpaca
from tests.integration.alpaca_support import BARS, LogLines, start_hub, wait_until

DAY = date(2026, 3, 4)
CALENDAR = MarketCalendar.xnys()


def _epoch(wall: time) -> int:
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp())


class BuyAndHold(Strategy):
    """Buys 10 at its start and holds; the day stop flattens it."""

    kind = StrategyKind.DAY
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(time(10), time(11)),)

    def on_start(self) -> None:
        self.heard: list[str] = []
        self.buy(self.symbols[0], 10)
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        self.heard.append(order.status.value)
        self.env.sleep()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        self.env.sleep()


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with fake_alpaca(bars=BARS) as server:
        yield server


def _minutes() -> list[StreamBar]:
    bars = SyntheticMarket(seed=5, calendar=CALENDAR).day_bars(
        symbol="SPY", day=DAY, resolution=Resolution.MINUTE
    )
    return [
        StreamBar(
            symbol="SPY",
            resolution=Resolution.MINUTE,
            t=int(bars.t[i]),
            o=float(bars.o[i]),
            h=float(bars.h[i]),
            l=float(bars.l[i]),
            c=float(bars.c[i]),
            v=float(bars.v[i]),
        )
        for i in range(len(bars))
    ]


def _feed(run: LiveRun, bars: list[StreamBar], until_t: int) -> None:
    now_t = max(run.now_t, _epoch(time(9, 30)))
    while now_t < until_t:
        now_t = min(now_t + 60, until_t)
        run.advance(now_t, [bar for bar in bars if run.now_t < bar.t + 60 <= now_t])


def test_a_paper_run_records_each_order_and_fill_once(fake: FakeAlpaca) -> None:
    recorder = MemoryTradeRecorder()
    hub = start_hub(fake, recorder, LogLines())
    brokers: list[AlpacaBroker] = []

    def account(run_id: int) -> MarketAccount:
        # What LiveRunFactory's account= gives: the broker made from the recorded run's id.
        broker = AlpacaBroker(hub, run_id=run_id, run_key="b|BuyAndHold|SPY|2026-03-04")
        brokers.append(broker)
        return BrokerMarket(broker)

    bars = _minutes()
    try:
        run = LiveRun(
            strategy_class=BuyAndHold,
            symbols=("SPY",),
            settings=SimulationSettings(model_filters=False),
            exec_env=ExecEnv(env_type=EnvType.LIVE, clock=EpochClock(0), calendar=CALENDAR),
            day=DAY,
            history={},
            recorder=recorder,
            run_key="b|BuyAndHold|SPY|2026-03-04",
            batch_id="b",
            mode=TradingMode.PAPER,
            account=account,
        )
        (broker,) = brokers
        assert broker.run_id == run.run_id

        _feed(run, bars, _epoch(time(10, 2)))
        (buy,) = broker.hub.book.orders_of(run.run_id)
        wait_until(lambda: buy.status is OrderStatus.FILLED, what="the buy filled")
        _feed(run, bars, _epoch(time(10, 3)))
        assert run.run.strategy.heard[-1] == "filled"  # type: ignore[attr-defined]

        stop_t = int(CALENDAR.session_close(DAY).timestamp()) - LIQUIDATE_BEFORE_CLOSE_S
        _feed(run, bars, stop_t)
        assert run.phase is Phase.LIQUIDATING
        orders = broker.hub.book.orders_of(run.run_id)
        assert len(orders) == 2
        wait_until(
            lambda: all(o.status is OrderStatus.FILLED for o in orders), what="the sell filled"
        )
        _feed(run, bars, stop_t + 60)
        record = run.finish()
    finally:
        for broker in brokers:
            broker.close()
        hub.stop()

    at_alpaca = sorted(o["client_order_id"] for o in fake.orders.values())
    assert len(at_alpaca) == 2 and len(set(at_alpaca)) == 2  # each order sent once
    assert sorted(recorder.orders) == at_alpaca  # and recorded once, under the same id
    assert all(i.run_id == run.run_id for i in recorder.orders.values())
    alpaca_ids = {o["id"] for o in fake.orders.values()}
    # Each fill once, under Alpaca's id: none again as "<client_order_id>-<n>".
    assert sorted(recorder.fills) == sorted(f"{a}:10" for a in alpaca_ids)
    assert [(f["side"], f["qty"]) for f in record.fills] == [("buy", 10), ("sell", 10)]
    assert recorder.runs[run.run_id].mode is TradingMode.PAPER
