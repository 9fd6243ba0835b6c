"""Fill models: when and at what price an order meets a bar, on hand-built bars.

Every expected price is worked out by hand in a comment from the rules in
``tc2/execution/fill_models.py`` (and, for ``backtrader``, from BackBroker's ``_try_exec_*``).
Orders go through a ``VirtualAccount`` driven the way the simulator drives it: ``set_time`` to the
end of the bar, ``mark`` its close, then ``next_fill_index`` / ``execute_bar`` until nothing can
fill.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.errors import ConfigurationError
from tc2.execution.fill_models import FillModel, fill_model_named
from tc2.execution.orders import (
    Order,
    OrderRejected,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from tc2.execution.virtual_account import VirtualAccount

SYMBOL = "XYZ"
T0 = int(datetime(2024, 3, 4, 14, 30, tzinfo=UTC).timestamp())  # 09:30 in New York, a Monday
STEP = 60  # minute bars
V = 1_000_000.0  # a volume so large that the participation cap never binds
MODELS = ("realistic", "tc2", "backtrader", "pyalgotrade", "backtesting")

Row = tuple[float, float, float, float, float]  # open, high, low, close, volume


def make_bars(rows: Sequence[Row]) -> BarSeries:
    table = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return BarSeries(
        symbol=SYMBOL,
        resolution=Resolution.MINUTE,
        t=T0 + STEP * np.arange(len(rows), dtype=np.int64),
        o=table[:, 0],
        h=table[:, 1],
        l=table[:, 2],
        c=table[:, 3],
        v=table[:, 4],
    )


@dataclass(frozen=True)
class Update:
    """An order as ``drain_updates`` returned it after bar ``index`` (a snapshot)."""

    index: int
    client_order_id: str
    status: OrderStatus
    filled_qty: int


def drive(account: VirtualAccount, bars: BarSeries, cursor: int = 0) -> list[Update]:
    """Execute every bar from ``cursor`` on where an open order can fill, like the simulator."""
    updates: list[Update] = []
    while (j := account.next_fill_index(SYMBOL, cursor)) >= 0:
        account.set_time(int(bars.t[j]) + STEP)  # the bar has ended
        account.mark(SYMBOL, float(bars.c[j]))
        account.execute_bar(SYMBOL, j)
        updates += [
            Update(j, o.client_order_id, o.status, o.filled_qty) for o in account.drain_updates()
        ]
        cursor = j + 1
    return updates


@dataclass
class Run:
    account: VirtualAccount
    bars: BarSeries
    orders: list[Order]
    updates: list[Update]

    def fills(self, order: Order | None = None) -> list[tuple[int, int, float]]:
        """(bar index, qty, price) of ``order``'s fills (the first order's by default)."""
        order = order if order is not None else self.orders[0]
        index = {int(t): i for i, t in enumerate(self.bars.t)}
        return [(index[f.t], f.qty, f.price) for f in order.fills]

    def only_fill(self) -> tuple[int, float] | None:
        """(bar index, price) of the first order's single fill, or None when it never filled."""
        fills = self.fills()
        assert len(fills) <= 1, fills
        if not fills:
            return None
        index, qty, price = fills[0]
        assert qty == self.orders[0].qty
        return index, price


def run(
    model: FillModel | str,
    rows: Sequence[Row],
    *requests: OrderRequest,
    submit_t: int | None = None,
) -> Run:
    """Submit ``requests`` at ``submit_t`` (default: the end of bar 0) and let the bars fill them.

    The account is rich and may sell short, so no order is refused for money or shares.
    """
    bars = make_bars(rows)
    account = VirtualAccount(
        fill_model=fill_model_named(model) if isinstance(model, str) else model,
        starting_cash=1e9,
        allow_short=True,
    )
    account.attach(SYMBOL, bars)
    t = int(bars.t[1]) if submit_t is None else submit_t
    account.set_time(t)
    last = int(np.searchsorted(bars.t + STEP, t, "right")) - 1  # last bar ended by t
    account.mark(SYMBOL, float(bars.c[last]) if last >= 0 else float(bars.o[0]))
    orders = [account.submit(request) for request in requests]
    return Run(account, bars, orders, drive(account, bars))


def buy(qty: int = 100, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=qty, **kwargs)  # type: ignore[arg-type]


def sell(qty: int = 100, **kwargs: object) -> OrderRequest:
    return OrderRequest(symbol=SYMBOL, side=Side.SELL, qty=qty, **kwargs)  # type: ignore[arg-type]


def limit(price: float) -> dict[str, object]:
    return {"type": OrderType.LIMIT, "limit_price": price}


def stop(price: float) -> dict[str, object]:
    return {"type": OrderType.STOP, "stop_price": price}


def stop_limit(stop_price: float, limit_price: float) -> dict[str, object]:
    return {"type": OrderType.STOP_LIMIT, "stop_price": stop_price, "limit_price": limit_price}


def approx_fill(expected: tuple[int, float] | None) -> object:
    # backtrader reports (qty x price) / qty, which may be an ulp off; that is tested on its own.
    return None if expected is None else (expected[0], pytest.approx(expected[1], rel=1e-12))


FLAT = (100.0, 100.0, 100.0, 100.0, V)  # bar 0: before the order exists


class MarketOrderTests:
    @pytest.mark.parametrize("model", MODELS)
    def test_fills_at_the_next_bars_open(self, model: str) -> None:
        # Arrange: submitted at the end of bar 0; bar 1 opens at 101.
        rows = [FLAT, (101.0, 103.0, 99.0, 102.0, V), (105.0, 106.0, 104.0, 105.0, V)]

        # Act
        result = run(model, rows, buy())

        # Assert: every model fills a market order at the open of the first bar after it.
        assert result.only_fill() == approx_fill((1, 101.0))
        assert result.orders[0].status is OrderStatus.FILLED

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (2, 102.0)),  # bar 1 has no volume: nothing trades on it
        ("tc2", (1, 101.0)),  # no volume rule for market orders
        ("backtrader", (1, 101.0)),  # no volume rule at all
    ])  # fmt: skip
    def test_a_bar_without_volume(self, model: str, expected: tuple[int, float]) -> None:
        rows = [FLAT, (101.0, 101.0, 101.0, 101.0, 0.0), (102.0, 103.0, 101.0, 102.0, V)]

        result = run(model, rows, sell())

        assert result.only_fill() == approx_fill(expected)


class LimitOrderTests:
    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 99.5)),  # open 100 > 99.5 >= low 99: the path reaches the limit
        ("backtrader", (1, 99.5)),
        # tc2: 99.5 > 0.85 x 100 + 0.15 x 100.5 = 100.075 is false: never fills
        ("tc2", None),
    ])  # fmt: skip
    def test_buy_touched_inside_the_bar(
        self, model: str, expected: tuple[int, float] | None
    ) -> None:
        rows = [FLAT, (100.0, 100.5, 99.0, 99.8, V)]

        result = run(model, rows, buy(**limit(99.5)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 100.0)),  # open 100 <= limit 101: a gap, fills at the better open
        ("backtrader", (1, 100.0)),
        # tc2: 101 > 0.85 x 100 + 0.15 x 100.5 = 100.075 and 100 < 2 V: at its own price
        ("tc2", (1, 101.0)),
    ])  # fmt: skip
    def test_buy_gapped_through(self, model: str, expected: tuple[int, float]) -> None:
        rows = [FLAT, (100.0, 100.5, 99.0, 99.8, V)]

        result = run(model, rows, buy(**limit(101.0)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 100.5)),  # open 100 < 100.5 <= high 101
        ("backtrader", (1, 100.5)),
        # tc2: 100.5 < 0.85 x 100 + 0.15 x 99.5 = 99.925 is false: never fills
        ("tc2", None),
    ])  # fmt: skip
    def test_sell_touched_inside_the_bar(
        self, model: str, expected: tuple[int, float] | None
    ) -> None:
        rows = [FLAT, (100.0, 101.0, 99.5, 100.2, V)]

        result = run(model, rows, sell(**limit(100.5)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 100.0)),  # open 100 >= limit 99: fills at the better open
        ("backtrader", (1, 100.0)),
        ("tc2", (1, 99.0)),  # 99 < 99.925: at its own price
    ])  # fmt: skip
    def test_sell_gapped_through(self, model: str, expected: tuple[int, float]) -> None:
        rows = [FLAT, (100.0, 101.0, 99.5, 100.2, V)]

        result = run(model, rows, sell(**limit(99.0)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize("model", ["realistic", "backtrader"])
    def test_a_limit_never_reached_waits(self, model: str) -> None:
        # Bar 1's low 99.6 stays above the 99.5 limit; bar 2 reaches it.
        rows = [FLAT, (100.0, 100.5, 99.6, 99.8, V), (99.8, 99.9, 99.4, 99.5, V)]

        result = run(model, rows, buy(**limit(99.5)))

        assert result.only_fill() == approx_fill((2, 99.5))


class StopOrderTests:
    @pytest.mark.parametrize("model", MODELS)
    def test_sell_touched_fills_at_the_stop(self, model: str) -> None:
        # open 100 > stop 99.5 >= low 99 (tc2: 99 < 99.5): all fill at the stop.
        rows = [FLAT, (100.0, 100.5, 99.0, 99.2, V)]

        result = run(model, rows, sell(**stop(99.5)))

        assert result.only_fill() == approx_fill((1, 99.5))

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 99.0)),  # open 99 <= stop 99.5: gapped, at the open
        ("backtrader", (1, 99.0)),
        ("tc2", (1, 99.5)),  # low 98.5 < 99.5: at its own price even through a gap
    ])  # fmt: skip
    def test_sell_gapped(self, model: str, expected: tuple[int, float]) -> None:
        rows = [FLAT, (99.0, 99.3, 98.5, 99.1, V)]

        result = run(model, rows, sell(**stop(99.5)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize("model", MODELS)
    def test_buy_touched_fills_at_the_stop(self, model: str) -> None:
        # open 100 < stop 100.5 <= high 101 (tc2: 101 > 100.5).
        rows = [FLAT, (100.0, 101.0, 99.5, 100.8, V)]

        result = run(model, rows, buy(**stop(100.5)))

        assert result.only_fill() == approx_fill((1, 100.5))

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 101.0)),  # open 101 >= stop 100.5: gapped, at the open
        ("backtrader", (1, 101.0)),
        ("tc2", (1, 100.5)),  # high 101.5 > 100.5: at its own price
    ])  # fmt: skip
    def test_buy_gapped(self, model: str, expected: tuple[int, float]) -> None:
        rows = [FLAT, (101.0, 101.5, 100.8, 101.2, V)]

        result = run(model, rows, buy(**stop(100.5)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize("model", MODELS)
    def test_a_stop_not_reached_does_not_fill(self, model: str) -> None:
        # The low 99.6 stays above the 99.5 stop on every bar.
        rows = [FLAT, (100.0, 100.5, 99.6, 100.0, V), (100.0, 100.2, 99.7, 99.9, V)]

        result = run(model, rows, sell(**stop(99.5)))

        assert result.only_fill() is None
        assert result.orders[0].status is OrderStatus.NEW


class StopLimitTests:
    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 100.5)),  # triggered at 100.5 on the way up; 100.5 <= limit 100.8
        ("backtrader", (1, 100.5)),  # triggered in the bar, limit >= stop: at the stop
        # tc2: 100.8 > 0.85 x 100 + 0.15 x 101 = 100.15, 100 < 2 V, high 101 > 100.5: the limit
        ("tc2", (1, 100.8)),
    ])  # fmt: skip
    def test_buy_triggered_then_filled_within_its_limit(
        self, model: str, expected: tuple[int, float]
    ) -> None:
        rows = [FLAT, (100.0, 101.0, 99.5, 100.8, V)]

        result = run(model, rows, buy(**stop_limit(100.5, 100.8)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize(("model", "expected"), [
        ("realistic", (1, 99.5)),  # triggered at 99.5 on the way down; 99.5 >= limit 99.2
        ("backtrader", (1, 99.5)),  # triggered in the bar, limit <= stop: at the stop
        # tc2: 99.2 < 0.85 x 100 + 0.15 x 99 = 99.85, low 99 < 99.5: at the limit
        ("tc2", (1, 99.2)),
    ])  # fmt: skip
    def test_sell_triggered_then_filled_within_its_limit(
        self, model: str, expected: tuple[int, float]
    ) -> None:
        rows = [FLAT, (100.0, 100.5, 99.0, 99.2, V)]

        result = run(model, rows, sell(**stop_limit(99.5, 99.2)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize(("model", "expected"), [
        # Bar 1 opens at 101.2, through the 100.5 stop and beyond the 100.8 limit.
        # realistic: triggered at the open 101.2 > 100.8, so no fill on bar 1; from bar 2 it is
        # a limit buy at 100.8: bar 2 opens at 101 > 100.8 and its low 100.7 reaches it.
        ("realistic", (2, 100.8)),
        # backtrader (BackBroker._try_exec_stoplimit): a gap through the stop triggers and tries
        # the limit on the same bar: open 101.2 > 100.8, low 100.6 <= 100.8: the limit, bar 1.
        ("backtrader", (1, 100.8)),
        # tc2: 100.8 > 0.85 x 101.2 + 0.15 x 101.5 = 101.245? no; bar 2: > 101.03? no.
        ("tc2", None),
    ])  # fmt: skip
    def test_buy_gapped_beyond_its_limit(
        self, model: str, expected: tuple[int, float] | None
    ) -> None:
        rows = [FLAT, (101.2, 101.5, 100.6, 101.0, V), (101.0, 101.2, 100.7, 101.0, V)]

        result = run(model, rows, buy(**stop_limit(100.5, 100.8)))

        assert result.only_fill() == approx_fill(expected)

    @pytest.mark.parametrize(("model", "expected"), [
        # realistic: bar 1 opens at 98.8, through the 99.5 stop and below the 99.2 limit: no
        # fill; bar 2 as a limit sell at 99.2: open 99 < 99.2 <= high 99.3.
        ("realistic", (2, 99.2)),
        # backtrader: the same bar tries the limit: open 98.8 < 99.2 <= high 99.4.
        ("backtrader", (1, 99.2)),
        # tc2: 99.2 < 0.85 x 98.8 + 0.15 x 98.5 = 98.755? no; bar 2: < 98.985? no.
        ("tc2", None),
    ])  # fmt: skip
    def test_sell_gapped_beyond_its_limit(
        self, model: str, expected: tuple[int, float] | None
    ) -> None:
        rows = [FLAT, (98.8, 99.4, 98.5, 99.0, V), (99.0, 99.3, 98.9, 99.0, V)]

        result = run(model, rows, sell(**stop_limit(99.5, 99.2)))

        assert result.only_fill() == approx_fill(expected)

    def test_realistic_works_as_a_limit_once_triggered(self) -> None:
        # Bar 1 gaps to 101.2 (triggered, beyond the 100.8 limit). Bar 2 stays below the 100.5
        # stop (high 100.45), so only a working limit can fill there: open 100.4 <= 100.8,
        # at the open.
        rows = [FLAT, (101.2, 101.5, 101.0, 101.2, V), (100.4, 100.45, 100.3, 100.4, V)]

        result = run("realistic", rows, buy(**stop_limit(100.5, 100.8)))

        assert result.only_fill() == (2, 100.4)
        assert result.orders[0].stop_triggered

    def test_realistic_stop_reached_beyond_the_limit_inside_the_bar(self) -> None:
        # Stop 100.5 reached on the way up (open 100); the limit 100.2 is below it, so nothing
        # fills on bar 1. Bar 2 (high 100.3 < stop) fills it as a limit: low 100.1 <= 100.2.
        rows = [FLAT, (100.0, 101.0, 99.5, 100.8, V), (100.3, 100.3, 100.1, 100.2, V)]

        result = run("realistic", rows, buy(**stop_limit(100.5, 100.2)))

        assert result.only_fill() == (2, 100.2)

    @pytest.mark.parametrize(("model", "expected"), [
        # A falling bar (open 100 > close 99.6) triggers the 100.5 stop on the way up; the limit
        # 100 is below the stop. backtrader fills at the limit when it is >= the close.
        ("backtrader", (1, 100.0)),
        # realistic: triggered at 100.5 > 100, no fill on bar 1; bar 2's low 100.9 > 100.
        ("realistic", None),
    ])  # fmt: skip
    def test_triggered_in_the_bar_with_the_limit_below_the_stop(
        self, model: str, expected: tuple[int, float] | None
    ) -> None:
        rows = [FLAT, (100.0, 101.0, 99.5, 99.6, V), (101.0, 101.2, 100.9, 101.0, V)]

        result = run(model, rows, buy(**stop_limit(100.5, 100.0)))

        assert result.only_fill() == approx_fill(expected)


class SubmissionTimeTests:
    # Bar 0 (90) would fill every one of these orders; so would bar 1 (100).
    ROWS = [(90.0, 91.0, 89.0, 90.0, V), (100.0, 100.0, 100.0, 100.0, V)]

    @pytest.mark.parametrize("model", MODELS)
    @pytest.mark.parametrize(
        "request_",
        [buy(), buy(**limit(150.0)), sell(**limit(50.0))],
        ids=["market", "limit-buy", "limit-sell"],
    )
    def test_an_order_placed_at_the_end_of_a_bar_never_fills_on_it(
        self, model: str, request_: OrderRequest
    ) -> None:
        result = run(model, self.ROWS, request_, submit_t=T0 + STEP)  # bar 0 has just ended

        assert [index for index, _, _ in result.fills()] == [1]

    @pytest.mark.parametrize("model", MODELS)
    def test_an_order_placed_during_a_bar_waits_for_the_next(self, model: str) -> None:
        result = run(model, self.ROWS, buy(), submit_t=T0 + 30)  # bar 0 started before it

        assert result.only_fill() == approx_fill((1, 100.0))

    @pytest.mark.parametrize("model", MODELS)
    def test_an_order_placed_when_a_bar_starts_can_fill_on_it(self, model: str) -> None:
        # Control for the two tests above: a bar starting at the order's time may fill it.
        result = run(model, self.ROWS, buy(), submit_t=T0)

        assert result.only_fill() == approx_fill((0, 90.0))


class Tc2RuleTests:
    # Bar 1: open 100, high 102, low 98, volume 50.
    # Limit buy fills when limit > 0.85 x 100 + 0.15 x 102 = 100.3 and qty < 2 x 50 = 100.
    # Limit sell fills when limit < 0.85 x 100 + 0.15 x 98 = 99.7 and qty < 100.
    ROWS = [FLAT, (100.0, 102.0, 98.0, 100.0, 50.0)]
    BUY_LINE = 0.85 * 100.0 + 0.15 * 102.0  # ~100.3, as the model computes it
    SELL_LINE = 0.85 * 100.0 + 0.15 * 98.0  # ~99.7

    @pytest.mark.parametrize(("request_", "expected"), [
        (buy(99, **limit(100.31)), (1, 100.31)),  # above the line, qty below 2 x volume
        (buy(99, **limit(100.29)), None),  # below the line
        (buy(99, **limit(BUY_LINE)), None),  # on the line: the rule is strict
        (buy(100, **limit(100.31)), None),  # qty = 2 x volume: strict too
        (buy(1, **limit(1000.0)), (1, 1000.0)),  # far above: still at its own price
        (sell(99, **limit(99.69)), (1, 99.69)),
        (sell(99, **limit(99.71)), None),
        (sell(99, **limit(SELL_LINE)), None),
        (sell(100, **limit(99.69)), None),
    ])  # fmt: skip
    def test_limit_rule(self, request_: OrderRequest, expected: tuple[int, float] | None) -> None:
        result = run("tc2", self.ROWS, request_)

        assert result.only_fill() == expected

    @pytest.mark.parametrize(("request_", "expected"), [
        (sell(**stop(98.01)), (1, 98.01)),  # low 98 < 98.01
        (sell(**stop(98.0)), None),  # low 98 = stop: strict, no fill
        (buy(**stop(101.99)), (1, 101.99)),  # high 102 > 101.99
        (buy(**stop(102.0)), None),  # high 102 = stop
        (sell(100_000, **stop(98.01)), (1, 98.01)),  # no volume rule for stops
    ])  # fmt: skip
    def test_stop_rule(self, request_: OrderRequest, expected: tuple[int, float] | None) -> None:
        result = run("tc2", self.ROWS, request_)

        assert result.only_fill() == expected

    def test_fills_everything_at_once_and_charges_no_fee(self) -> None:
        # qty 99 < 2 x 50: the whole order on one bar, though the bar traded only 50 shares.
        result = run("tc2", self.ROWS, sell(99, **limit(99.0)))

        assert result.fills() == [(1, 99, 99.0)]
        assert result.orders[0].fills[0].fee == 0.0


class ParticipationTests:
    # Volumes 1000, 1000, 0, 9, 500, 1000, 1000: at 10 % the bars fill 100, 100, nothing
    # (never even searched), 0 (int(0.9)), 50, 100, 100 shares.
    ROWS = [
        (10.0, 10.0, 10.0, 10.0, 1000.0),
        (10.0, 10.2, 9.9, 10.1, 1000.0),
        (10.1, 10.3, 10.0, 10.2, 1000.0),
        (10.2, 10.4, 10.1, 10.3, 0.0),
        (10.3, 10.5, 10.2, 10.4, 9.0),
        (10.4, 10.6, 10.3, 10.5, 500.0),
        (10.5, 10.7, 10.4, 10.6, 1000.0),
        (10.6, 10.8, 10.5, 10.7, 1000.0),
    ]

    def test_partial_fills_carry_over_later_bars(self) -> None:
        # Market buy 300: 100 @ 10.0 (bar 1), 100 @ 10.1 (bar 2), 50 @ 10.4 (bar 5),
        # the last 50 @ 10.5 (bar 6).
        result = run("realistic", self.ROWS, buy(300))

        assert result.fills() == [(1, 100, 10.0), (2, 100, 10.1), (5, 50, 10.4), (6, 50, 10.5)]
        assert [(u.index, u.status, u.filled_qty) for u in result.updates] == [
            (1, OrderStatus.PARTIALLY_FILLED, 100),
            (2, OrderStatus.PARTIALLY_FILLED, 200),
            (5, OrderStatus.PARTIALLY_FILLED, 250),
            (6, OrderStatus.FILLED, 300),
        ]
        # (1000 + 1010 + 520 + 525) / 300
        assert result.orders[0].average_fill_price == pytest.approx(3055 / 300)

    def test_a_limit_fills_in_parts_at_its_price(self) -> None:
        # Limit sell 150 at 10.15: bar 1 reaches it (high 10.2) -> 100 at 10.15; bar 2 opens at
        # 10.1 < 10.15 and reaches it (high 10.3) -> the other 50 at 10.15.
        result = run("realistic", self.ROWS, sell(150, **limit(10.15)))

        assert result.fills() == [(1, 100, 10.15), (2, 50, 10.15)]
        assert result.orders[0].status is OrderStatus.FILLED

    def test_the_cap_is_a_setting(self) -> None:
        # 50 % of bar 1's 1000 shares = 500 >= 300: all on bar 1.
        model = fill_model_named("realistic", participation=0.5)

        result = run(model, self.ROWS, buy(300))

        assert result.fills() == [(1, 300, 10.0)]

    @pytest.mark.parametrize("model", ["tc2", "backtrader"])
    def test_other_models_have_no_cap(self, model: str) -> None:
        result = run(model, self.ROWS, buy(300))

        assert result.fills() == [(1, 300, 10.0)]


class IntraBarOrderTests:
    def test_open_nearer_the_low_goes_low_first(self) -> None:
        # Bar 1: open 10, high 11, low 9.5; 10 - 9.5 < 11 - 10, so the path is
        # 10 -> 9.5 -> 11. The limit buy at 9.7 (submitted second) is reached after 0.3, the
        # stop buy at 10.8 after 0.5 + 1.3 = 1.8, so the limit takes the bar's 100 shares.
        # Bar 2 opens at 10.9 >= 10.8: the stop fills at the open.
        rows = [
            (10.0, 10.0, 10.0, 10.0, 1000.0),
            (10.0, 11.0, 9.5, 10.5, 1000.0),
            (10.9, 11.0, 10.85, 10.9, 1000.0),
        ]

        result = run("realistic", rows, buy(**stop(10.8)), buy(**limit(9.7)))

        stop_order, limit_order = result.orders
        assert result.fills(limit_order) == [(1, 100, 9.7)]
        assert result.fills(stop_order) == [(2, 100, 10.9)]

    def test_open_nearer_the_high_goes_high_first(self) -> None:
        # Bar 1: open 10, high 10.3, low 9; the path is 10 -> 10.3 -> 9. The stop buy at 10.2
        # is reached after 0.2, the limit buy at 9.5 after 0.3 + 0.8 = 1.1.
        rows = [(10.0, 10.0, 10.0, 10.0, 1000.0), (10.0, 10.3, 9.0, 9.5, 1000.0)]

        result = run("realistic", rows, buy(**limit(9.5)), buy(**stop(10.2)))

        limit_order, stop_order = result.orders
        assert result.fills(stop_order) == [(1, 100, 10.2)]
        assert result.fills(limit_order) == []

    def test_an_open_midway_goes_high_first(self) -> None:
        # Bar 1: open 10, high 11, low 9: equally near, not nearer the low, so 10 -> 11 -> 9.
        # The stop buy at 10.5 is reached after 0.5, the limit buy at 9.5 after 1 + 1.5.
        rows = [(10.0, 10.0, 10.0, 10.0, 1000.0), (10.0, 11.0, 9.0, 10.0, 1000.0)]

        result = run("realistic", rows, buy(**limit(9.5)), buy(**stop(10.5)))

        limit_order, stop_order = result.orders
        assert result.fills(stop_order) == [(1, 100, 10.5)]
        assert result.fills(limit_order) == []

    def test_orders_share_the_bars_capacity(self) -> None:
        # The low-first bar again; the limit at 9.7 (60 shares) comes first and leaves 40 of
        # the 100 for the stop at 10.8; the stop's other 60 fill at bar 2's open.
        rows = [
            (10.0, 10.0, 10.0, 10.0, 1000.0),
            (10.0, 11.0, 9.5, 10.5, 1000.0),
            (10.9, 11.0, 10.85, 10.9, 1000.0),
        ]

        result = run("realistic", rows, buy(100, **stop(10.8)), buy(60, **limit(9.7)))

        stop_order, limit_order = result.orders
        assert result.fills(limit_order) == [(1, 60, 9.7)]
        assert result.fills(stop_order) == [(1, 40, 10.8), (2, 60, 10.9)]

    def test_an_order_filling_at_the_open_comes_first(self) -> None:
        # Bar 1: open 10, high 10.3, low 9 (high first). The limit buy at 10.8 is already
        # better than the open, so it fills at the open, 10, before the path reaches the stop
        # buy at 10.2: it takes the bar's 100 shares although it was submitted second.
        rows = [(10.0, 10.0, 10.0, 10.0, 1000.0), (10.0, 10.3, 9.0, 9.5, 1000.0)]

        result = run("realistic", rows, buy(**stop(10.2)), buy(**limit(10.8)))

        stop_order, limit_order = result.orders
        assert result.fills(limit_order) == [(1, 100, 10.0)]
        assert result.fills(stop_order) == []

    def test_a_gapped_stop_comes_before_a_limit_reached_later(self) -> None:
        # Bar 1: open 9.5, high 9.6, low 9 (high first: 9.5 - 9 > 9.6 - 9.5). The stop sell
        # at 9.9 is through at the open (9.5 <= 9.9): it fills 100 at 9.5 right away. The
        # limit buy at 9.4 is reached after 0.1 + 0.2 on the way down; nothing is left for it.
        rows = [(10.0, 10.0, 10.0, 10.0, 1000.0), (9.5, 9.6, 9.0, 9.2, 1000.0)]

        result = run("realistic", rows, buy(**limit(9.4)), sell(**stop(9.9)))

        limit_order, stop_order = result.orders
        assert result.fills(stop_order) == [(1, 100, 9.5)]
        assert result.fills(limit_order) == []

    @pytest.mark.parametrize("model", ["tc2", "backtrader"])
    def test_models_without_a_path_fill_in_submission_order(self, model: str) -> None:
        # Low-first bar: a path would meet the limit sell at 9.9 (at the open, or 0.1 down)
        # long before the stop buy at 10.8; these models fill both in the order submitted.
        # tc2: 10.8 < high 11; 9.9 < 0.85 x 10 + 0.15 x 9.5 = 9.925.
        rows = [(10.0, 10.0, 10.0, 10.0, 1000.0), (10.0, 11.0, 9.5, 10.5, 1000.0)]

        result = run(model, rows, buy(**stop(10.8)), sell(**limit(9.9)))

        assert [f.client_order_id for f in result.account.fills] == [
            o.client_order_id for o in result.orders
        ]


class SlippageTests:
    BPS = 10.0  # 0.1 %

    def model(self) -> FillModel:
        return fill_model_named("realistic", slippage_bps=self.BPS)

    @pytest.mark.parametrize(("request_", "rows", "expected"), [
        # market buy at the open 100, paying 0.1 % more
        (buy(), [FLAT, (100.0, 101.0, 99.0, 100.0, V)], 100.0 * 1.001),
        # market sell at the open 100, receiving 0.1 % less
        (sell(), [FLAT, (100.0, 101.0, 99.0, 100.0, V)], 100.0 * 0.999),
        # stop sell touched at 99.5
        (sell(**stop(99.5)), [FLAT, (100.0, 100.5, 99.0, 99.2, V)], 99.5 * 0.999),
        # stop buy gapped: at the open 101
        (buy(**stop(100.5)), [FLAT, (101.0, 101.5, 100.8, 101.2, V)], 101.0 * 1.001),
    ])  # fmt: skip
    def test_market_and_stop_fills_pay_it(
        self, request_: OrderRequest, rows: list[Row], expected: float
    ) -> None:
        result = run(self.model(), rows, request_)

        assert result.only_fill() == (1, pytest.approx(expected, rel=1e-12))

    @pytest.mark.parametrize(("request_", "rows", "expected"), [
        (buy(**limit(99.5)), [FLAT, (100.0, 100.5, 99.0, 99.8, V)], 99.5),  # touched
        (buy(**limit(101.0)), [FLAT, (100.0, 100.5, 99.0, 99.8, V)], 100.0),  # at the open
        (sell(**limit(100.5)), [FLAT, (100.0, 101.0, 99.5, 100.2, V)], 100.5),
        (sell(**limit(99.0)), [FLAT, (100.0, 101.0, 99.5, 100.2, V)], 100.0),
    ])  # fmt: skip
    def test_limit_fills_pay_none(
        self, request_: OrderRequest, rows: list[Row], expected: float
    ) -> None:
        result = run(self.model(), rows, request_)

        assert result.only_fill() == (1, expected)

    @pytest.mark.parametrize(("request_", "rows", "expected"), [
        # stop buy 100.5 slips to 100.6005, beyond the 100.55 limit: capped at the limit
        (buy(**stop_limit(100.5, 100.55)), [FLAT, (100.0, 101.0, 99.5, 100.8, V)], 100.55),
        # stop sell 99.5 slips to 99.4005, below the 99.45 limit: capped at the limit
        (sell(**stop_limit(99.5, 99.45)), [FLAT, (100.0, 100.5, 99.0, 99.2, V)], 99.45),
        # room within the limit: the full slippage, 100.5 x 1.001 = 100.6005 <= 101
        (
            buy(**stop_limit(100.5, 101.0)),
            [FLAT, (100.0, 101.0, 99.5, 100.8, V)],
            100.5 * 1.001,
        ),
    ])  # fmt: skip
    def test_a_stop_limit_never_slips_beyond_its_limit(
        self, request_: OrderRequest, rows: list[Row], expected: float
    ) -> None:
        result = run(self.model(), rows, request_)

        assert result.only_fill() == (1, pytest.approx(expected, rel=1e-12))


class BacktraderPriceTests:
    def test_reports_value_over_size(self) -> None:
        # 13 x 10.1 = 131.29999999999998 in floating point; / 13 = 10.099999999999998.
        rows = [FLAT, (10.1, 10.2, 10.0, 10.1, V)]
        assert (13 * 10.1) / 13 != 10.1  # the case is one where the two differ

        result = run("backtrader", rows, buy(13))

        assert result.fills() == [(1, 13, (13 * 10.1) / 13)]

    def test_realistic_reports_the_matched_price(self) -> None:
        rows = [FLAT, (10.1, 10.2, 10.0, 10.1, V)]

        result = run("realistic", rows, buy(13))

        assert result.fills() == [(1, 13, 10.1)]


class PyAlgoTradeVolumeTests:
    def test_a_quarter_of_each_bars_volume_rounded_half_to_even(self) -> None:
        model = fill_model_named("pyalgotrade")

        assert [model.capacity(v) for v in (1000.0, 10.0, 6.0, 2.0, 1.0, 0.0)] == [
            250,
            2,  # 2.5 rounds to 2
            2,  # 1.5 rounds to 2
            0,  # 0.5 rounds to 0
            0,
            0,
        ]

    def test_market_orders_fill_at_the_open_in_parts_as_volume_allows(self) -> None:
        # Volumes 1000, 1000, 1000, 0, 9, 500, ...: a quarter is 250, 250, -, 2, 125, ...
        result = run("pyalgotrade", ParticipationTests.ROWS, buy(600))

        assert result.fills() == [(1, 250, 10.0), (2, 250, 10.1), (4, 2, 10.3), (5, 98, 10.4)]
        assert result.account.fill_model.fees.is_free


class FillModelNamedTests:
    @pytest.mark.parametrize("name", MODELS)
    def test_returns_the_named_model(self, name: str) -> None:
        assert fill_model_named(name).name == name

    def test_defaults_of_realistic(self) -> None:
        model = fill_model_named("realistic")

        assert model.capacity(1000.0) == 100
        assert model.capacity(9.0) == 0

    def test_unknown_name(self) -> None:
        with pytest.raises(
            ConfigurationError,
            match=r"backtesting, backtrader, pyalgotrade, realistic, tc2.*'nope'",
        ):
            fill_model_named("nope")

    @pytest.mark.parametrize("name", ["tc2", "backtrader"])
    @pytest.mark.parametrize("option", [{"participation": 0.2}, {"slippage_bps": 1.0}])
    def test_options_only_for_realistic(self, name: str, option: dict[str, float]) -> None:
        with pytest.raises(ConfigurationError, match="realistic fill model only"):
            fill_model_named(name, **option)

    @pytest.mark.parametrize("participation", [0.0, -0.1, 1.0000001, 2.0, float("nan")])
    def test_participation_outside_zero_to_one(self, participation: float) -> None:
        with pytest.raises(ConfigurationError, match="participation"):
            fill_model_named("realistic", participation=participation)

    def test_participation_of_one_is_allowed(self) -> None:
        assert fill_model_named("realistic", participation=1.0).capacity(1000.0) == 1000

    @pytest.mark.parametrize("bps", [-1.0, float("inf"), float("nan")])
    def test_bad_slippage(self, bps: float) -> None:
        with pytest.raises(ConfigurationError, match="slippage_bps"):
            fill_model_named("realistic", slippage_bps=bps)


class FillInvariantTests:
    """Random bars and orders through the realistic model (no slippage): what always holds."""

    SERIES = 150
    BARS = 60

    def random_rows(self, rng: np.random.Generator) -> list[Row]:
        rows: list[Row] = []
        close = 100.0
        for _ in range(self.BARS):
            o = close * (1 + rng.normal(0, 0.004))  # gaps
            c = o * (1 + rng.normal(0, 0.004))
            h = max(o, c) * (1 + abs(rng.normal(0, 0.002)))
            low = min(o, c) * (1 - abs(rng.normal(0, 0.002)))
            v = 0.0 if rng.random() < 0.2 else float(rng.integers(1, 3000))
            rows.append((o, h, low, c, v))
            close = c
        return rows

    def random_request(self, rng: np.random.Generator, price: float) -> OrderRequest:
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        qty = int(rng.integers(1, 600))
        kind = [OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT][
            int(rng.integers(0, 4))
        ]
        a = round(price * (1 + rng.normal(0, 0.01)), 2)
        b = round(price * (1 + rng.normal(0, 0.01)), 2)
        return OrderRequest(
            symbol=SYMBOL,
            side=side,
            qty=qty,
            type=kind,
            limit_price=a if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
            stop_price=b if kind in (OrderType.STOP, OrderType.STOP_LIMIT) else None,
            time_in_force=TimeInForce.GTC,
        )

    def test_fills_stay_in_the_bar_the_order_and_the_volume_cap(self) -> None:
        rng = np.random.default_rng(20240304)
        checked_fills = 0
        for _ in range(self.SERIES):
            # Arrange: one series, orders submitted at random bar boundaries.
            bars = make_bars(self.random_rows(rng))
            account = VirtualAccount(
                fill_model=fill_model_named("realistic"), starting_cash=1e12, allow_short=True
            )
            account.attach(SYMBOL, bars)
            submit_at = {int(k): int(rng.integers(1, 4)) for k in rng.integers(1, self.BARS, 8)}
            orders: list[Order] = []

            # Act: bar by bar, submitting at the start of a bar and executing it at its end.
            for j in range(self.BARS):
                account.set_time(int(bars.t[j]))
                for _ in range(submit_at.get(j, 0)):
                    orders.append(account.submit(self.random_request(rng, float(bars.c[j - 1]))))
                if account.next_fill_index(SYMBOL, j) == j:
                    account.set_time(int(bars.t[j]) + STEP)
                    account.mark(SYMBOL, float(bars.c[j]))
                    account.execute_bar(SYMBOL, j)
                else:
                    account.mark(SYMBOL, float(bars.c[j]))

            # Assert
            index = {int(t): i for i, t in enumerate(bars.t)}
            per_bar = np.zeros(self.BARS)
            for order in orders:
                assert sum(f.qty for f in order.fills) == order.filled_qty <= order.qty
                for fill in order.fills:
                    j = index[fill.t]
                    assert fill.t >= order.submitted_t
                    assert bars.l[j] <= fill.price <= bars.h[j], (order, fill)
                    if order.type is OrderType.LIMIT or order.stop_triggered:
                        limit_price = order.limit_price
                        assert limit_price is not None
                        assert fill.price * order.side.sign <= limit_price * order.side.sign
                    per_bar[j] += fill.qty
                    checked_fills += 1
            assert np.all(per_bar <= 0.10 * bars.v), per_bar - 0.10 * bars.v
        assert checked_fills > 500  # the random orders did meet the market


class BacktestingSizingTests:
    """Fill profile ``backtesting``: a notional order is backtesting.py's relative size, sized in
    whole shares at the fill from the buying power then (``_Broker._process_orders``)."""

    @staticmethod
    def account(
        rows: Sequence[Row], *, allow_short: bool = True
    ) -> tuple[VirtualAccount, BarSeries]:
        bars = make_bars(rows)
        account = VirtualAccount(
            fill_model=fill_model_named("backtesting"),
            starting_cash=10_000.0,
            allow_short=allow_short,
        )
        account.attach(SYMBOL, bars)
        account.set_time(int(bars.t[1]))  # bar 0 has ended
        account.mark(SYMBOL, float(bars.c[0]))
        return account, bars

    def test_all_of_the_equity_is_its_default_size_just_below_one(self) -> None:
        # 10,000 / 100 is 100 shares exactly; size .9999 (1 - 2^-52) of it is 99.99...: 99.
        account, bars = self.account([FLAT, (100.0, 101.0, 99.0, 100.0, V)])

        order = account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, notional=10_000))
        drive(account, bars)

        assert [(f.qty, f.price) for f in order.fills] == [(99, 100.0)]
        assert account.cash == 10_000 - 99 * 100.0

    def test_a_fraction_of_the_equity_and_a_notional_beyond_it(self) -> None:
        # Half the equity at 97: int(5,000 // 97) = 51; 20,000 asks for all: int(~10,000 // 97).
        account, bars = self.account([FLAT, (97.0, 98.0, 96.0, 97.0, V)])

        half = account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, notional=5_000))
        drive(account, bars)
        assert half.filled_qty == 51

        account2, bars2 = self.account([FLAT, (97.0, 98.0, 96.0, 97.0, V)])
        everything = account2.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, notional=20_000))
        drive(account2, bars2)
        assert everything.filled_qty == 103  # 10,000 / 97 = 103.09

    def test_close_and_reverse_sizes_the_short_from_the_cash_after_the_close(self) -> None:
        # 50 held at 100 (cash 5,000). Bar 2 opens at 120: the close sells 50 (cash 11,000),
        # then the short is int(11,000 x (1 - 2^-52) // 120) = 91 shares, at the same open.
        account, bars = self.account(
            [FLAT, (100.0, 100.0, 100.0, 100.0, V), (120.0, 121.0, 119.0, 120.0, V)]
        )
        account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=50))
        drive(account, bars)
        account.set_time(int(bars.t[2]))
        close = account.submit(OrderRequest(symbol=SYMBOL, side=Side.SELL, qty=50))
        reverse = account.submit(
            OrderRequest(symbol=SYMBOL, side=Side.SELL, notional=math.ceil(account.equity))
        )
        drive(account, bars, 2)

        assert [(f.qty, f.price) for f in close.fills] == [(50, 120.0)]
        assert [(f.qty, f.price) for f in reverse.fills] == [(91, 120.0)]
        assert account.position_qty(SYMBOL) == -91

    def test_a_notional_sell_opening_a_short_needs_allow_short(self) -> None:
        account, _ = self.account([FLAT, FLAT], allow_short=False)

        with pytest.raises(OrderRejected, match="short selling is disabled"):
            account.submit(OrderRequest(symbol=SYMBOL, side=Side.SELL, notional=10_000))

    def test_buying_power_is_the_fills_and_none_left_refuses_it_there(self) -> None:
        # Fully invested, a second "all of it" is accepted (backtesting.py checks at the fill)
        # and refused at its fill, when the buying power left buys no whole share.
        account, bars = self.account(
            [FLAT, (100.0, 100.0, 100.0, 100.0, V), (100.0, 100.0, 100.0, 100.0, V)]
        )
        account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=100))
        drive(account, bars)
        account.set_time(int(bars.t[2]))

        again = account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, notional=10_000))
        drive(account, bars, 2)

        assert again.status is OrderStatus.REJECTED
        assert "sizes to no share" in again.reason
        assert account.position_qty(SYMBOL) == 100

    def test_other_models_size_notional_orders_in_dollars(self) -> None:
        with pytest.raises(NotImplementedError, match="as dollars"):
            fill_model_named("backtrader").relative_units(0.5, 1000.0, 10.0)

    def test_a_hostile_notional_asks_for_all_and_never_more(self) -> None:
        account, bars = self.account([FLAT, (100.0, 101.0, 99.0, 100.0, V)])

        order = account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, notional=1e15))
        drive(account, bars)

        assert order.filled_qty == 99  # as a notional of the equity: int(~10,000 // 100)
        assert account.cash >= 0

    def test_a_gap_down_never_turns_a_sell_into_a_short_without_allow_short(self) -> None:
        # Holding 10 at 100 (cash 9,000), a sell of $1,000 (a tenth of the equity) estimates
        # 10 shares at 100, all held: accepted. Bar 2 opens at 10: a tenth of the buying power
        # (9,000) is 90 shares there, cut to the 10 held, as no short may open.
        account, bars = self.account(
            [FLAT, (100.0, 100.0, 100.0, 100.0, V), (10.0, 10.0, 10.0, 10.0, V)],
            allow_short=False,
        )
        account.submit(OrderRequest(symbol=SYMBOL, side=Side.BUY, qty=10))
        drive(account, bars)
        account.set_time(int(bars.t[2]))

        order = account.submit(OrderRequest(symbol=SYMBOL, side=Side.SELL, notional=1_000))
        drive(account, bars, 2)

        assert order.filled_qty == 10
        assert account.position_qty(SYMBOL) == 0
