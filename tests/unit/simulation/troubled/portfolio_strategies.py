"""A strategy that wants 60 % of its starting cash in each symbol: on a shared account the
second symbol's order is refused (positions compete for buying power)."""

from __future__ import annotations

from datetime import time as clock

from tc2.data.bars import Resolution
from tc2.execution.orders import OrderRejected, OrderRequest, Side
from tc2.strategy.base import ActiveWindow, Strategy, StrategyKind
from tc2.strategy.env import Bar

STARTING_CASH = 30_000.0


class SixtyPercentEach(Strategy):
    kind = StrategyKind.DAY
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(clock(9, 30), clock(16)),)
    default_symbols = ("SPY",)

    def on_start(self) -> None:
        self.tried: set[str] = set()

    def on_bar(self, symbol: str, bar: Bar) -> None:
        if symbol in self.tried:
            return
        self.tried.add(symbol)
        qty = int(0.6 * STARTING_CASH / bar.c)
        try:
            self.env.submit(OrderRequest(symbol=symbol, side=Side.BUY, qty=qty))
        except OrderRejected as refused:
            self.env.note("refused", symbol=symbol, reason=refused.order.reason)
