"""LiveRun over a broker whose fills arrive on their own (BrokerMarket): no bar fills anything,
the broker's fills reach the strategy at the next advance, and every order is recorded first."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time

import pytest

from tc2.data.bars import Resolution
from tc2.data.file_store import FilePriceStore
from tc2.data.providers.stream import StreamBar
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.errors import ExecutionError
from tc2.execution.account import Account
from tc2.execution.market import BROKER_FILLS, BrokerMarket
from tc2.execution.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    update_order,
)
from tc2.execution.positions import Position
from tc2.execution.trade_records import MemoryTradeRecorder, TradingMode
from tc2.program.trading.live_run import LiveRun, Phase
from tc2.simulation.run_settings import LIQUIDATE_BEFORE_CLOSE_S
from tc2.simulation.simulator import SimulationSettings
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar

DAY = date(2026, 3, 4)
CALENDAR = MarketCalendar.xnys()


def _epoch(wall: time) -> int:
    return int(datetime.combine(DAY, wall, NEW_YORK).timestamp())


class PaperBroker(Account):
    """A broker account in memory: orders wait until the test fills them (``fill``)."""

    def __init__(self, recorder: MemoryTradeRecorder) -> None:
        self.recorder = recorder
        self._cash = 30_000.0
        self._orders: dict[str, Order] = {}
        self._positions: dict[str, Position] = {}
        self._updates: list[Order] = []
        self.submitted: list[str] = []

    def fill(self, client_order_id: str, price: float, t: int) -> None:
        order = self._orders[client_order_id]
        fill = Fill(
            client_order_id=client_order_id,
            symbol=order.symbol,
            side=order.side,
            qty=order.qty,
            price=price,
            t=t,
        )
        update_order(
            order,
            fills=(fill,),
            filled_qty=order.qty,
            filled_notional=fill.notional,
            status=OrderStatus.FILLED,
        )
        position = self._positions.setdefault(order.symbol, Position(order.symbol))
        position.apply_fill(signed_qty=order.side.sign * order.qty, price=price, fee=0.0)
        self._cash -= order.side.sign * order.qty * price
        self._updates.append(order)

    def drain_updates(self) -> list[Order]:
        updates, self._updates = self._updates, []
        return updates

    def submit(self, request: OrderRequest) -> Order:
        assert request.client_order_id, "the recording facade names every order"
        assert request.client_order_id in self.recorder.orders, "recorded before it is sent"
        assert request.qty is not None
        order = Order(
            client_order_id=request.client_order_id,
            symbol=request.symbol,
            side=request.side,
            qty=request.qty,
            type=request.type,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            time_in_force=request.time_in_force,
            submitted_t=0,
        )
        self._orders[order.client_order_id] = order
        self.submitted.append(order.client_order_id)
        return order

    def cancel(self, client_order_id: str) -> Order:
        order = self._orders[client_order_id]
        update_order(order, status=OrderStatus.CANCELED)
        return order

    def replace(self, client_order_id: str, **changes: object) -> Order:
        raise ExecutionError("not used here")

    def cancel_all(self, symbol: str | None = None) -> list[Order]:
        return [self.cancel(o.client_order_id) for o in self.open_orders(symbol)]

    def order(self, client_order_id: str) -> Order:
        return self._orders[client_order_id]

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self._orders.values() if o.is_open and symbol in (None, o.symbol)]

    def positions(self) -> Mapping[str, Position]:
        return {s: p for s, p in self._positions.items() if p.qty}

    def position_qty(self, symbol: str) -> float:
        position = self._positions.get(symbol)
        return position.qty if position else 0

    @property
    def cash(self) -> float:
        return self._cash

    @property
    def equity(self) -> float:
        return self._cash + sum(p.qty * p.average_price for p in self._positions.values())

    @property
    def buying_power(self) -> float:
        return self._cash

    @property
    def day_trade_count(self) -> int:
        return 0


class BuyAndHold(Strategy):
    """Buys 10 at its start and holds: the broker's fill reaches on_order_update."""

    kind = StrategyKind.DAY
    resolution = Resolution.SECOND
    active_windows = (ActiveWindow(time(10), time(11)),)

    def on_start(self) -> None:
        self.heard: list[tuple[int, str]] = []
        self.buy(self.symbols[0], 10)
        self.env.sleep()

    def on_order_update(self, order: Order) -> None:
        self.heard.append((self.env.now_t, order.status.value))
        self.env.sleep()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        self.env.sleep()


@pytest.fixture(scope="module")
def seconds(tmp_path_factory: pytest.TempPathFactory) -> list[StreamBar]:
    store = FilePriceStore(tmp_path_factory.mktemp("prices"), "live")
    bars = SyntheticMarket(seed=5, calendar=CALENDAR).day_bars(
        symbol="SPY", day=DAY, resolution=Resolution.SECOND
    )
    store.save_day(bars)
    return [
        StreamBar(
            symbol="SPY",
            resolution=Resolution.SECOND,
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
    """Advance minute by minute from the run's clock to ``until_t``."""
    now_t = max(run.now_t, _epoch(time(9, 30)))
    while now_t < until_t:
        now_t = min(now_t + 60, until_t)
        run.advance(now_t, [bar for bar in bars if run.now_t < bar.t + 1 <= now_t])


def test_a_brokers_fills_reach_the_strategy_and_the_records(seconds: list[StreamBar]) -> None:
    recorder = MemoryTradeRecorder()
    broker = PaperBroker(recorder)
    run = LiveRun(
        strategy_class=BuyAndHold,
        symbols=("SPY",),
        settings=SimulationSettings(model_filters=False),
        exec_env=ExecEnv(env_type=EnvType.LIVE, clock=EpochClock(0), calendar=CALENDAR),
        day=DAY,
        history={},
        recorder=recorder,
        run_key="paper:BuyAndHold",
        batch_id="b",
        mode=TradingMode.PAPER,
        account=BrokerMarket(broker),
    )

    _feed(run, seconds, _epoch(time(10, 5)))
    (buy_id,) = broker.submitted
    assert recorder.orders[buy_id].status.value == "new"  # recorded, sent, not filled
    assert run.run.strategy.heard == []  # type: ignore[attr-defined]
    broker.fill(buy_id, 100.0, _epoch(time(10, 5)) + 12)  # between two advances
    _feed(run, seconds, _epoch(time(10, 6)))

    assert run.run.strategy.heard == [(_epoch(time(10, 6)), "filled")]  # type: ignore[attr-defined]
    assert [f.fill_id for f in recorder.fills.values()] == [f"{buy_id}-1"]

    liquidation_t = int(CALENDAR.session_close(DAY).timestamp()) - LIQUIDATE_BEFORE_CLOSE_S
    _feed(run, seconds, liquidation_t)
    assert run.phase is Phase.LIQUIDATING
    sell_id = broker.submitted[-1]
    assert recorder.orders[sell_id].side.value == "sell"
    broker.fill(sell_id, 101.0, liquidation_t + 3)
    _feed(run, seconds, liquidation_t + 60)
    record = run.finish()

    assert record.fill_model == BROKER_FILLS
    assert [(f["side"], f["price"]) for f in record.fills] == [("buy", 100.0), ("sell", 101.0)]
    assert broker.positions() == {} and broker.submitted == [buy_id, sell_id]
    assert not broker.open_orders()
    assert len(recorder.fills) == 2
    assert recorder.runs[run.run_id].mode is TradingMode.PAPER
