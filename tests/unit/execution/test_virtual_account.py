"""VirtualAccount: money, positions, refusals, order management and P&L, against hand-built bars.

The account is driven bar by bar the way the simulator drives it: at the end of each bar the
clock moves to the bar's end, the bar's close becomes the latest price, and the bar is executed
when ``next_fill_index`` says an open order can fill on it. Unless a test is about fees, the
realistic model runs with a free fee schedule so the cash arithmetic stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.errors import ConfigurationError, ExecutionError
from tc2.execution.fees import FeeSchedule
from tc2.execution.fill_models import FillModel, RealisticFillModel
from tc2.execution.orders import (
    Order,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from tc2.execution.positions import Position
from tc2.execution.virtual_account import VirtualAccount

SYMBOL = "XYZ"
T0 = int(datetime(2024, 3, 4, 14, 30, tzinfo=UTC).timestamp())  # 09:30 in New York, a Monday
STEP = 60
V = 1_000_000.0  # the participation cap (10 % = 100,000 shares) never binds

Row = tuple[float, float, float, float, float]  # open, high, low, close, volume


def flat(price: float, volume: float = V) -> Row:
    return (price, price, price, price, volume)


def make_bars(rows: Sequence[Row], *, symbol: str = SYMBOL, t: Sequence[int] = ()) -> BarSeries:
    table = np.array(rows, dtype=np.float64).reshape(-1, 5)
    times = np.array(t, dtype=np.int64) if t else T0 + STEP * np.arange(len(rows), dtype=np.int64)
    return BarSeries(
        symbol=symbol,
        resolution=Resolution.MINUTE,
        t=times,
        o=table[:, 0],
        h=table[:, 1],
        l=table[:, 2],
        c=table[:, 3],
        v=table[:, 4],
    )


def free_model() -> FillModel:
    return RealisticFillModel(fees=FeeSchedule.free())


class Market:
    """A ``VirtualAccount`` and bars per symbol, played bar by bar like the simulator does."""

    def __init__(
        self,
        rows: Sequence[Row] | None = None,
        *,
        account: VirtualAccount | None = None,
        series: Sequence[BarSeries] = (),
    ) -> None:
        self.account = account if account is not None else VirtualAccount(fill_model=free_model())
        self.series = {bars.symbol: bars for bars in series}
        if rows is not None:
            self.series[SYMBOL] = make_bars(rows)
        for symbol, bars in self.series.items():
            self.account.attach(symbol, bars)
        self.played = dict.fromkeys(self.series, 0)  # bars ended so far, per symbol

    @property
    def bars(self) -> BarSeries:
        return self.series[SYMBOL]

    def play(self, count: int = 1, symbol: str = SYMBOL) -> list[Order]:
        """Let ``count`` more bars of ``symbol`` happen; return the orders they changed."""
        account, bars = self.account, self.series[symbol]
        updates: list[Order] = []
        for _ in range(count):
            j = self.played[symbol]
            due = account.next_fill_index(symbol, j) == j
            account.set_time(int(bars.t[j]) + STEP)
            account.mark(symbol, float(bars.c[j]))
            if due:
                account.execute_bar(symbol, j)
            updates += account.drain_updates()
            self.played[symbol] = j + 1
        return updates

    def play_all(self, symbol: str = SYMBOL) -> list[Order]:
        return self.play(len(self.series[symbol]) - self.played[symbol], symbol)

    def submit(self, request: OrderRequest) -> Order:
        return self.account.submit(request)


def buy(qty: int = 100, symbol: str = SYMBOL, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol=symbol, side=Side.BUY, qty=qty, **kwargs)  # type: ignore[arg-type]


def sell(qty: int = 100, symbol: str = SYMBOL, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol=symbol, side=Side.SELL, qty=qty, **kwargs)  # type: ignore[arg-type]


def limit(price: float, tif: TimeInForce = TimeInForce.DAY) -> dict[str, object]:
    return {"type": OrderType.LIMIT, "limit_price": price, "time_in_force": tif}


@dataclass(frozen=True)
class Snapshot:
    cash: float
    equity: float
    buying_power: float
    positions: dict[str, tuple[int, float, float]]
    open_orders: list[tuple[str, OrderStatus, int]]
    fills: int

    @classmethod
    def of(cls, account: VirtualAccount) -> Snapshot:
        return cls(
            cash=account.cash,
            equity=account.equity,
            buying_power=account.buying_power,
            positions={
                s: (p.qty, p.average_price, p.realized_pnl)
                for s, p in account.all_positions().items()
            },
            open_orders=[
                (o.client_order_id, o.status, o.filled_qty) for o in account.open_orders()
            ],
            fills=len(account.fills),
        )


def assert_rejected(market: Market, request: OrderRequest, *reason_parts: str) -> Order:
    """Submit ``request``, expect a refusal naming ``reason_parts``, and that nothing changed."""
    before = Snapshot.of(market.account)

    with pytest.raises(OrderRejected) as caught:
        market.submit(request)

    order = caught.value.order
    assert order.status is OrderStatus.REJECTED
    for part in reason_parts:
        assert part in order.reason, (part, order.reason)
    assert Snapshot.of(market.account) == before
    return order


class MoneyTests:
    ROWS = [flat(50.0), (50.0, 51.0, 49.5, 50.5, V), (51.5, 52.5, 51.0, 52.0, V)]

    def test_a_buy_reserves_buying_power_until_it_fills(self) -> None:
        market = Market(self.ROWS)
        market.play()  # bar 0: the price is 50

        market.submit(buy(100, **limit(50.0)))

        # Cash does not move yet; 100 x 50 = 5,000 is reserved.
        assert market.account.cash == 30_000.0
        assert market.account.equity == 30_000.0
        assert market.account.buying_power == 25_000.0

    def test_after_a_buy_and_a_sell(self) -> None:
        # Arrange
        market = Market(self.ROWS)
        market.play()
        market.submit(buy(100, **limit(50.0)))

        # Act: bar 1 opens at 50 <= 50: bought 100 at 50; it closes at 50.5.
        market.play()

        # Assert: cash 30,000 - 5,000; equity 25,000 + 100 x 50.5; buying power = cash.
        account = market.account
        assert account.cash == 25_000.0
        assert account.equity == pytest.approx(30_050.0)
        assert account.buying_power == pytest.approx(25_000.0)
        assert account.position_qty(SYMBOL) == 100

        # Act: sell at the 52 limit; bar 2 opens at 51.5 and reaches 52.
        market.submit(sell(100, **limit(52.0)))
        market.play()

        # Assert: 25,000 + 5,200; flat, 200 realized.
        assert account.cash == 30_200.0
        assert account.equity == 30_200.0
        assert account.buying_power == 30_200.0
        assert account.positions() == {}
        assert account.position(SYMBOL).realized_pnl == pytest.approx(200.0)

    def test_margin_multiplies_buying_power(self) -> None:
        market = Market(self.ROWS, account=VirtualAccount(fill_model=free_model(), margin=4))
        market.play()
        market.submit(buy(100, **limit(50.0)))

        market.play()

        # 30,050 equity x 4 - 5,050 held at 50.5
        assert market.account.buying_power == pytest.approx(115_150.0)

    @pytest.mark.parametrize(
        ("kwargs", "name"),
        [
            ({"starting_cash": 0.0}, "starting_cash"),
            ({"starting_cash": float("nan")}, "starting_cash"),
            ({"margin": 0.5}, "margin"),
            ({"margin": float("inf")}, "margin"),
        ],
    )
    def test_bad_settings(self, kwargs: dict[str, float], name: str) -> None:
        with pytest.raises(ConfigurationError, match=name):
            VirtualAccount(**kwargs)  # type: ignore[arg-type]


class RejectionTests:
    def test_insufficient_buying_power(self) -> None:
        market = Market([flat(100.0), flat(100.0)])
        market.play()

        # 301 x 100 = 30,100 > 30,000
        order = assert_rejected(market, buy(301, **limit(100.0)), "$30,100.00", "$30,000.00")

        assert market.account.order(order.client_order_id).status is OrderStatus.REJECTED

    def test_open_orders_count_against_buying_power(self) -> None:
        market = Market([flat(100.0), flat(100.0)])
        market.play()
        market.submit(buy(200, **limit(99.0)))  # reserves 19,800

        # 103 x 100 = 10,300 > 30,000 - 19,800 = 10,200
        assert_rejected(market, buy(103, **limit(100.0)), "$10,300.00", "$10,200.00")

    def test_selling_shares_not_held(self) -> None:
        market = Market([flat(50.0), flat(50.0)])
        market.play()

        assert_rejected(
            market, sell(10, **limit(50.0)), "sell 10 XYZ", "holding 0", "0 already reserved"
        )

    def test_a_second_sell_beyond_the_position(self) -> None:
        # Arrange: hold 100; a sell of 60 is open.
        market = Market([flat(50.0), flat(50.0), flat(50.0)])
        market.play()
        market.submit(buy(100, **limit(50.0)))
        market.play()
        market.submit(sell(60, **limit(60.0)))

        # Act / Assert: 60 + 50 > 100
        assert_rejected(
            market, sell(50, **limit(60.0)), "sell 50 XYZ", "holding 100", "60 already reserved"
        )

    def test_a_second_sell_within_the_position_is_accepted(self) -> None:
        market = Market([flat(50.0), flat(50.0), flat(50.0)])
        market.play()
        market.submit(buy(100, **limit(50.0)))
        market.play()
        market.submit(sell(60, **limit(60.0)))

        order = market.submit(sell(40, **limit(60.0)))  # 60 + 40 = 100

        assert order.status is OrderStatus.NEW

    def test_an_unknown_symbol(self) -> None:
        market = Market([flat(50.0)])
        market.play()

        assert_rejected(market, buy(1, symbol="QQQ", **limit(10.0)), "no bars of QQQ")

    def test_a_market_order_before_any_price(self) -> None:
        market = Market([flat(50.0)])  # no bar has ended: no price yet

        assert_rejected(market, buy(1), "no price of XYZ")

    def test_a_duplicate_client_order_id(self) -> None:
        market = Market([flat(50.0), flat(50.0)])
        market.play()
        first = market.submit(buy(10, client_order_id="mine", **limit(40.0)))

        order = assert_rejected(
            market, buy(10, client_order_id="mine", **limit(45.0)), "'mine'", "already used"
        )

        assert order is not first
        assert market.account.order("mine") is first
        assert first.status is OrderStatus.NEW

    def test_generated_ids_skip_ids_the_strategy_chose(self) -> None:
        market = Market([flat(50.0), flat(50.0)])
        market.play()
        market.submit(buy(1, client_order_id="sim-000002", **limit(40.0)))

        order = market.submit(buy(1, **limit(40.0)))  # the second order: sim-000002 is taken

        assert order.status is OrderStatus.NEW
        assert order.client_order_id != "sim-000002"
        assert len(market.account.open_orders()) == 2


class ShortSellingTests:
    ROWS = [flat(20.0), flat(20.0), flat(18.0), flat(18.0)]

    def test_a_short_sale_and_its_cover(self) -> None:
        # Arrange
        account = VirtualAccount(fill_model=free_model(), allow_short=True)
        market = Market(self.ROWS, account=account)
        market.play()

        # Act: short 100 at 20 on bar 1.
        market.submit(sell(100, **limit(20.0)))
        market.play()

        # Assert: the proceeds are cash; equity is unchanged at the same price.
        assert account.cash == 32_000.0
        assert account.equity == 30_000.0
        assert account.position_qty(SYMBOL) == -100
        assert account.buying_power == 28_000.0  # 30,000 - 2,000 held short

        # Act: bar 2 closes at 18.
        market.play()

        # Assert: 32,000 - 100 x 18
        assert account.equity == 30_200.0
        assert account.position(SYMBOL).unrealized_pnl(18.0) == pytest.approx(200.0)

        # Act: cover at 18 on bar 3.
        market.submit(buy(100, **limit(18.0)))
        market.play()

        # Assert
        assert account.cash == 30_200.0
        assert account.positions() == {}
        assert account.position(SYMBOL).realized_pnl == pytest.approx(200.0)

    def test_a_short_sale_needs_buying_power(self) -> None:
        account = VirtualAccount(fill_model=free_model(), allow_short=True, starting_cash=1_000.0)
        market = Market(self.ROWS, account=account)
        market.play()

        # 51 x 20 = 1,020 > 1,000
        assert_rejected(market, sell(51, **limit(20.0)), "$1,020.00", "$1,000.00")

    def test_refused_when_short_selling_is_disabled(self) -> None:
        market = Market(self.ROWS)
        market.play()

        assert_rejected(market, sell(1, **limit(20.0)), "short selling is disabled")


class CancelTests:
    ROWS = [flat(10.0), flat(9.0), flat(9.0)]

    def test_cancel(self) -> None:
        # Arrange
        market = Market(self.ROWS)
        market.play()
        order = market.submit(buy(100, **limit(9.5)))

        # Act
        canceled = market.account.cancel(order.client_order_id)
        updates = market.play_all()  # bar 1 would have filled it at 9

        # Assert
        assert canceled is order
        assert order.status is OrderStatus.CANCELED
        assert order.reason == "canceled by the strategy"
        assert order.fills == () and updates == []
        assert market.account.open_orders() == []
        assert market.account.buying_power == 30_000.0

    def test_cancel_twice_or_unknown(self) -> None:
        market = Market(self.ROWS)
        market.play()
        order = market.submit(buy(100, **limit(9.5)))
        market.account.cancel(order.client_order_id)

        with pytest.raises(ExecutionError, match="canceled, not open"):
            market.account.cancel(order.client_order_id)
        with pytest.raises(ExecutionError, match="no order 'nope'"):
            market.account.cancel("nope")

    def test_cancel_all_of_one_symbol(self) -> None:
        # Arrange: two symbols, two orders on AAA, one on BBB.
        market = Market(
            series=[
                make_bars(self.ROWS, symbol="AAA"),
                make_bars(self.ROWS, symbol="BBB"),
            ]
        )
        market.play(symbol="AAA")
        market.play(symbol="BBB")
        a1 = market.submit(buy(10, symbol="AAA", **limit(9.5)))
        b1 = market.submit(buy(10, symbol="BBB", **limit(9.5)))
        a2 = market.submit(buy(10, symbol="AAA", **limit(9.6)))

        # Act
        canceled = market.account.cancel_all("AAA")

        # Assert
        assert canceled == [a1, a2]
        assert market.account.open_orders() == [b1]
        assert market.account.cancel_all() == [b1]
        assert market.account.open_orders() == []


class ReplaceTests:
    ROWS = [flat(10.0), (10.0, 10.0, 9.4, 9.6, V), flat(9.0)]

    def test_replace_places_a_changed_copy(self) -> None:
        # Arrange
        market = Market(self.ROWS)
        market.play()
        original = market.submit(buy(100, **limit(9.0)))

        # Act
        replacement = market.account.replace(original.client_order_id, limit_price=9.5)
        market.play()

        # Assert: bar 1 (low 9.4) fills the new 9.5 limit, which the old 9.0 would have missed.
        assert replacement.client_order_id != original.client_order_id
        assert original.status is OrderStatus.CANCELED
        assert original.reason == f"replaced by {replacement.client_order_id}"
        assert original.fills == ()
        assert (replacement.qty, replacement.limit_price) == (100, 9.5)
        assert replacement.status is OrderStatus.FILLED
        assert [f.price for f in replacement.fills] == [9.5]

    def test_replace_the_quantity(self) -> None:
        market = Market(self.ROWS)
        market.play()
        original = market.submit(buy(100, **limit(9.0)))

        replacement = market.account.replace(original.client_order_id, qty=40)

        assert (replacement.qty, replacement.limit_price) == (40, 9.0)
        assert market.account.buying_power == 30_000.0 - 40 * 9.0

    def test_a_refused_replacement_leaves_the_original_open(self) -> None:
        # Arrange: 1,000 dollars; a 100 x 9 = 900 bid is open.
        account = VirtualAccount(fill_model=free_model(), starting_cash=1_000.0)
        market = Market(self.ROWS, account=account)
        market.play()
        original = market.submit(buy(100, **limit(9.0)))
        before = Snapshot.of(account)

        # Act: 100 x 11 = 1,100 > 1,000 (the original's own reservation is released first)
        with pytest.raises(OrderRejected) as caught:
            account.replace(original.client_order_id, limit_price=11.0)

        # Assert
        assert caught.value.order.status is OrderStatus.REJECTED
        assert "$1,100.00" in caught.value.order.reason
        assert original.status is OrderStatus.NEW
        assert original.reason == ""
        assert Snapshot.of(account) == before
        # ...and it still works: bar 2 opens at 9 <= 9.
        market.play(2)
        assert original.status is OrderStatus.FILLED

    def test_an_invalid_replacement_changes_nothing(self) -> None:
        market = Market(self.ROWS)
        market.play()
        original = market.submit(buy(100, **limit(9.0)))

        with pytest.raises(ExecutionError, match="takes no stop_price"):
            market.account.replace(original.client_order_id, stop_price=8.0)

        assert market.account.open_orders() == [original]
        assert original.status is OrderStatus.NEW

    def test_a_filled_order_cannot_be_replaced(self) -> None:
        market = Market(self.ROWS)
        market.play()
        order = market.submit(buy(100, **limit(9.5)))
        market.play()

        with pytest.raises(ExecutionError, match="filled, not open"):
            market.account.replace(order.client_order_id, limit_price=9.6)

    def test_replacing_a_partly_filled_order_keeps_only_the_rest(self) -> None:
        # Bar 1 trades 1,000 shares: 10 % = 100 of the 250 bought at 9.5.
        rows = [flat(10.0), (10.0, 10.0, 9.4, 9.6, 1_000.0), flat(20.0)]
        market = Market(rows)
        market.play()
        original = market.submit(buy(250, **limit(9.5)))
        market.play()

        replacement = market.account.replace(original.client_order_id, limit_price=9.7)

        assert original.filled_qty == 100
        assert replacement.qty == 150


class DayOrderTests:
    def test_day_orders_expire_and_gtc_orders_stay(self) -> None:
        # Arrange: two bids below the market; bar 1 reaches neither, bar 2 reaches both.
        market = Market([flat(10.0), flat(10.0), flat(8.0)])
        market.play()
        day = market.submit(buy(10, **limit(9.0, TimeInForce.DAY)))
        gtc = market.submit(buy(10, **limit(9.0, TimeInForce.GTC)))
        market.play()

        # Act
        market.account.expire_day_orders()
        updates = market.account.drain_updates()
        market.play()

        # Assert
        assert updates == [day]
        assert day.status is OrderStatus.EXPIRED
        assert day.reason == "the session closed"
        assert day.fills == ()
        assert gtc.status is OrderStatus.FILLED
        assert [f.price for f in gtc.fills] == [8.0]


class FillTimeCashTests:
    def test_a_market_buy_that_gapped_is_cut_to_the_cash(self) -> None:
        # Arrange: 1,000 dollars; a market buy of 100 at the last price 10 reserves all of it.
        account = VirtualAccount(fill_model=free_model(), starting_cash=1_000.0)
        market = Market([flat(10.0), flat(12.5), flat(12.5)], account=account)
        market.play()
        order = market.submit(buy(100))

        # Act: bar 1 opens at 12.5: 1,000 // 12.5 = 80 shares.
        market.play()

        # Assert
        assert [(f.qty, f.price) for f in order.fills] == [(80, 12.5)]
        assert order.status is OrderStatus.PARTIALLY_FILLED
        assert account.cash == 0.0

        # Act: the other 20 cannot be paid for on bar 2.
        updates = market.play()

        # Assert
        assert updates == [order]
        assert order.status is OrderStatus.REJECTED
        assert "insufficient buying power at fill" in order.reason
        assert order.filled_qty == 80
        assert account.cash == 0.0

    def test_refused_at_fill_when_not_one_share_is_affordable(self) -> None:
        # 10 dollars; a market buy of 1 at 10; bar 1 opens at 10.5 > 10.
        account = VirtualAccount(fill_model=free_model(), starting_cash=10.0)
        market = Market([flat(10.0), flat(10.5)], account=account)
        market.play()
        order = market.submit(buy(1))

        updates = market.play()

        assert updates == [order]
        assert order.status is OrderStatus.REJECTED
        assert "10.5000" in order.reason
        assert order.fills == ()
        assert account.cash == 10.0

    def test_a_stop_buy_that_gapped_is_cut_to_the_cash(self) -> None:
        # A stop buy at 10 reserves 100 x 10; bar 1 gaps to 12.5 and fills it at the open.
        account = VirtualAccount(fill_model=free_model(), starting_cash=1_000.0)
        market = Market([flat(9.0), flat(12.5)], account=account)
        market.play()
        order = market.submit(buy(100, type=OrderType.STOP, stop_price=10.0))

        market.play()

        assert [(f.qty, f.price) for f in order.fills] == [(80, 12.5)]
        assert account.cash == 0.0


class ProfitAndLossTests:
    def test_adds_partial_close_and_a_flip(self) -> None:
        # Arrange: each order fills at the open of the next (flat) bar.
        account = VirtualAccount(fill_model=free_model(), allow_short=True)
        prices = [10.0, 10.0, 12.0, 13.0, 15.0, 12.0]
        market = Market([flat(p) for p in prices], account=account)
        market.play()

        def trade(request: OrderRequest) -> None:
            market.submit(request)
            market.play()

        def position() -> Position:
            return account.position(SYMBOL)

        # Act / Assert: buy 100 at 10, then 100 at 12: average 11.
        trade(buy(100, **limit(10.0)))
        trade(buy(100, **limit(12.0)))
        assert (position().qty, position().average_price) == (200, pytest.approx(11.0))

        # Sell 50 at 13: (13 - 11) x 50 = 100 realized; the average stays 11.
        trade(sell(50, **limit(13.0)))
        assert (position().qty, position().average_price) == (150, pytest.approx(11.0))
        assert position().realized_pnl == pytest.approx(100.0)
        assert position().unrealized_pnl(13.0) == pytest.approx(300.0)  # (13 - 11) x 150

        # Sell 250 at 15: closes 150 for (15 - 11) x 150 = 600, opens a short of 100 at 15.
        trade(sell(250, **limit(15.0)))
        assert (position().qty, position().average_price) == (-100, 15.0)
        assert position().realized_pnl == pytest.approx(700.0)
        account.mark(SYMBOL, 14.0)
        assert position().unrealized_pnl(14.0) == pytest.approx(100.0)  # (14 - 15) x -100
        # 30,000 - 1,000 - 1,200 + 650 + 3,750 = 32,200 cash; - 100 x 14 held short
        assert account.equity == pytest.approx(30_800.0)

        # Cover at 12: (15 - 12) x 100 = 300 more.
        trade(buy(100, **limit(12.0)))
        assert (position().qty, position().average_price) == (0, 0.0)
        assert position().realized_pnl == pytest.approx(1_000.0)
        assert account.cash == pytest.approx(31_000.0)


def new_york(day: int, hour: int, minute: int) -> int:
    """Epoch seconds of 2024-03-``day`` hour:minute in New York (EST, UTC-5, before Mar 10)."""
    moment = datetime(2024, 3, day, tzinfo=UTC) + timedelta(hours=hour + 5, minutes=minute)
    return int(moment.timestamp())


class DayTradeTests:
    def round_trip(self, times: list[int]) -> VirtualAccount:
        """Buy on the bar at times[1], sell on the bar at times[2] (times[0]: a first price)."""
        market = Market(series=[make_bars([flat(10.0)] * 3, t=times)])
        market.play()
        market.submit(buy(10, **limit(10.0, TimeInForce.GTC)))
        market.play()
        market.submit(sell(10, **limit(10.0, TimeInForce.GTC)))
        market.play()
        assert market.account.positions() == {}  # both filled
        return market.account

    def test_opened_and_closed_the_same_day(self) -> None:
        account = self.round_trip([new_york(4, 9, 30), new_york(4, 9, 31), new_york(4, 15, 59)])

        assert account.day_trade_count == 1

    def test_closed_on_a_later_day(self) -> None:
        account = self.round_trip([new_york(4, 9, 30), new_york(4, 15, 58), new_york(5, 9, 30)])

        assert account.day_trade_count == 0

    def test_the_day_is_new_yorks_not_utcs(self) -> None:
        # Bought 18:59 New York (23:59 UTC), sold 19:30 (00:30 UTC Mar 5): one New York day.
        same = self.round_trip([new_york(4, 18, 0), new_york(4, 18, 59), new_york(4, 19, 30)])
        # 20:00 New York (01:00 UTC Mar 5) then 09:30 Mar 5 (14:30 UTC): one UTC day, two NY days.
        apart = self.round_trip([new_york(4, 19, 0), new_york(4, 20, 0), new_york(5, 9, 30)])

        assert (same.day_trade_count, apart.day_trade_count) == (1, 0)

    def test_two_round_trips_in_a_day(self) -> None:
        market = Market([flat(10.0)] * 5)
        market.play()
        for request in (buy(10, **limit(10.0)), sell(10, **limit(10.0))) * 2:
            market.submit(request)
            market.play()

        assert market.account.day_trade_count == 2


class ClosePositionAtTests:
    def test_flattens_a_long_at_the_price_paying_fees(self) -> None:
        # Arrange: the realistic model with Alpaca's fees; long 100 bought at 10.
        account = VirtualAccount()
        market = Market([flat(10.0), flat(10.0)], account=account)
        market.play()
        market.submit(buy(100, **limit(10.0)))
        market.play()

        # Act
        order = account.close_position_at(SYMBOL, price=11.0, t=T0 + 600, reason="bars ran out")

        # Assert: 1,100 sold: SEC 27.80 x 0.0011 = 0.03058 -> 0.04; TAF 0.0166 -> 0.02.
        assert order is not None
        assert (order.side, order.qty, order.status) == (Side.SELL, 100, OrderStatus.FILLED)
        assert order.reason == "bars ran out"
        assert [(f.qty, f.price, f.t) for f in order.fills] == [(100, 11.0, T0 + 600)]
        assert order.fills[0].fee == pytest.approx(0.06)
        assert account.cash == pytest.approx(30_000.0 - 1_000.0 + 1_100.0 - 0.06)
        assert account.positions() == {}
        assert account.drain_updates() == []
        assert account.close_position_at(SYMBOL, price=11.0, t=T0 + 660, reason="again") is None

    def test_covers_a_short(self) -> None:
        account = VirtualAccount(fill_model=free_model(), allow_short=True)
        market = Market([flat(10.0), flat(10.0)], account=account)
        market.play()
        market.submit(sell(100, **limit(10.0)))
        market.play()

        order = account.close_position_at(SYMBOL, price=9.0, t=T0 + 600, reason="end")

        assert order is not None
        assert (order.side, order.qty) == (Side.BUY, 100)
        assert account.position(SYMBOL).realized_pnl == pytest.approx(100.0)
        assert account.cash == pytest.approx(30_100.0)


class OrderRequestTests:
    @pytest.mark.parametrize("qty", [0, -5, True, "10", float("nan"), float("inf")])
    def test_qty_must_be_a_positive_number(self, qty: object) -> None:
        with pytest.raises(ExecutionError, match="qty"):
            OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=qty)  # type: ignore[arg-type]

    def test_a_fractional_qty_is_for_market_day_orders_only(self) -> None:
        with pytest.raises(ExecutionError, match="market orders with day time-in-force"):
            OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=1.5, **limit(10.0))  # type: ignore[arg-type]

        assert OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=1.5).is_fractional

    @pytest.mark.parametrize(
        ("kind", "prices", "message"),
        [
            (OrderType.LIMIT, {}, "limit_price must be a price > 0"),
            (OrderType.STOP, {}, "stop_price must be a price > 0"),
            (OrderType.STOP_LIMIT, {"limit_price": 10.0}, "stop_price must be"),
            (OrderType.STOP_LIMIT, {"stop_price": 10.0}, "limit_price must be"),
            (OrderType.LIMIT, {"limit_price": 0.0}, "limit_price must be"),
            (OrderType.LIMIT, {"limit_price": -1.0}, "limit_price must be"),
            (OrderType.LIMIT, {"limit_price": float("inf")}, "limit_price must be"),
            (OrderType.LIMIT, {"limit_price": float("nan")}, "limit_price must be"),
            (OrderType.MARKET, {"limit_price": 10.0}, "market order takes no limit_price"),
            (OrderType.MARKET, {"stop_price": 10.0}, "market order takes no stop_price"),
            (OrderType.LIMIT, {"limit_price": 10.0, "stop_price": 9.0}, "takes no stop_price"),
            (OrderType.STOP, {"stop_price": 10.0, "limit_price": 9.0}, "takes no limit_price"),
        ],
    )
    def test_prices_by_type(self, kind: OrderType, prices: dict[str, float], message: str) -> None:
        with pytest.raises(ExecutionError, match=message):
            OrderRequest(symbol=SYMBOL, side=Side.SELL, qty=1, type=kind, **prices)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        ("kind", "prices"),
        [
            (OrderType.MARKET, {}),
            (OrderType.LIMIT, {"limit_price": 10.0}),
            (OrderType.STOP, {"stop_price": 10.0}),
            (OrderType.STOP_LIMIT, {"stop_price": 10.0, "limit_price": 10.5}),
        ],
    )
    def test_valid_requests(self, kind: OrderType, prices: dict[str, float]) -> None:
        request = OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=1, type=kind, **prices)  # type: ignore[arg-type]

        assert request.type is kind


class BoundedSearchTests:
    """``next_fill_index`` searches only as far as asked, and resumes where it stopped."""

    ROWS = [flat(10.0)] * 6 + [flat(9.0), flat(10.0)]

    def test_a_fill_beyond_the_bound_is_not_reported(self) -> None:
        market = Market(self.ROWS)
        market.play()
        market.submit(buy(100, **limit(9.5, TimeInForce.GTC)))

        assert market.account.next_fill_index(SYMBOL, 1, 4) == -1

    def test_a_later_search_resumes_and_finds_it(self) -> None:
        market = Market(self.ROWS)
        market.play()
        market.submit(buy(100, **limit(9.5, TimeInForce.GTC)))
        market.account.next_fill_index(SYMBOL, 1, 4)

        assert market.account.next_fill_index(SYMBOL, 4, 8) == 6
        assert market.account.next_fill_index(SYMBOL, 4) == 6  # known now, whatever the bound

    def test_bars_played_past_a_bounded_search_still_fill(self) -> None:
        # Arrange: the first searches look two bars ahead at a time, as a waking kernel would.
        market = Market(self.ROWS)
        market.play()
        order = market.submit(buy(100, **limit(9.5, TimeInForce.GTC)))
        for start in range(1, 6):
            market.account.next_fill_index(SYMBOL, start, start + 2)
            market.play()

        # Act
        updates = market.play_all()

        # Assert
        assert updates == [order]
        assert [(fill.price, fill.t) for fill in order.fills] == [(9.0, T0 + 6 * STEP)]
