"""backtrader's ``tests/test_strategy_unoptimized.py`` strategy, written as a TC2 strategy file.

The rules, as backtrader states them (``bt.Strategy`` with ``SMA`` and ``CrossOver``): on each
bar, unless an order is still pending, a flat strategy buys ``stake`` shares at market when the
close crosses above its ``period``-bar simple moving average, and a holder closes the position
at market when the close crosses below it. A cross is backtrader's: the last non-zero
difference close - SMA before this bar was below (above) zero and the close is now above
(below) the SMA. Market orders fill at the next bar's open (fill model ``backtrader``). Read by
path (``tests/peers/backtrader_close_cross.py:BacktraderCloseCross``), as a user's file is.
"""

from __future__ import annotations

import math
from typing import ClassVar

from tc2.data.bars import Resolution
from tc2.execution.orders import Order
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.env import Bar
from tc2.strategy.parameters import Parameter


class BacktraderCloseCross(Strategy):
    """Close crossing its SMA, market orders, a fixed stake, one order at a time."""

    kind = StrategyKind.SWING
    resolution = Resolution.DAY
    default_symbols = ("BTDAY",)
    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(name="period", type=int, default=15, low=2, high=500, description="SMA bars"),
        Parameter(name="stake", type=int, default=1, low=1, high=1_000_000, description="shares"),
    )

    def on_start(self) -> None:
        self._pending: Order | None = None

    def on_order_update(self, order: Order) -> None:
        if not order.is_open:
            self._pending = None

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if self._pending is not None:
            return
        cross = self._cross(symbol)
        held = self.position_qty(symbol)
        if not held:
            if cross > 0:
                self._pending = self.buy(symbol, int(self.p.stake))
        elif cross < 0:
            self._pending = self.sell(symbol, held)

    def _cross(self, symbol: str) -> int:
        closes = [float(c) for c in self.env.bars(symbol).c]
        period = int(self.p.period)
        if len(closes) <= period:
            return 0  # backtrader's CrossOver needs one difference before this bar
        differences = [
            closes[j] - math.fsum(closes[j - period + 1 : j + 1]) / period
            for j in range(period - 1, len(closes))
        ]
        before = differences[0]  # NonZeroDifference: seeded with the first, then kept non-zero
        for difference in differences[1:-1]:
            before = difference if difference else before
        now = differences[-1]
        if before < 0 < now:
            return 1
        if before > 0 > now:
            return -1
        return 0
